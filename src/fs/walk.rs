//! Parallel directory-tree walks over directory handles.
//!
//! Every directory below the start is opened relative to its parent's handle with `O_NOFOLLOW`,
//! so a symlink swapped in for a directory mid-walk is never followed out of the tree. Links are
//! followed only when a caller asks, through [`WalkOptions::follow`]: the caller resolves each
//! link the way it resolves any path (beneath its root when confined), and the walker refuses
//! to descend into a directory it is already inside (a link loop). Each
//! directory is read by one task; tasks run on rayon's pool, so a walk scales with cores across
//! directories. Subdirectories are opened only when their task starts, so a directory with
//! 100,000 children costs one descriptor, not 100,000.
//!
//! The walker knows nothing of what callers do with entries: `visit` sees each entry once and,
//! for a directory, returns `Some(state)` to descend into it with that per-directory state
//! (`copy` passes the destination directory down; `ls` passes nothing).
//!
//! Long operations built on walks share three small pieces defined here: a [`Progress`] pair of
//! counters that a reporter samples, a [`Control`] bundling it with a cancel flag, and an
//! [`ErrorLog`] that keeps unreadable entries as reports instead of aborting.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cap_fs_ext::{DirExt, MetadataExt};
use cap_std::fs::Dir;

use super::stats::FileKind;
use crate::error::{Error, IoContext};

pub struct Entry<'a> {
    /// Handle of the directory holding this entry: use it for `*at` operations on `name`.
    pub parent: &'a Dir,
    pub name: &'a OsStr,
    /// Path relative to the walk's start (`sub/file.txt`).
    pub rel: &'a Path,
    pub kind: FileKind,
    /// 1 for the start directory's own children.
    pub depth: usize,
    /// The entry is a symbolic link that was followed: `kind` describes what it leads to, and
    /// `parent`/`name` still name the link itself.
    pub via_link: bool,
}

impl Entry<'_> {
    /// Open this entry for reading, relative to its parent's handle, refusing to follow a
    /// symbolic link found at its name (`ELOOP`). For an entry reached through a followed link
    /// (`via_link`) this opens the link itself and fails: resolve such entries by path.
    pub fn open_read(&self) -> std::io::Result<std::fs::File> {
        open_read_nofollow(self.parent, self.name)
    }
}

/// Opens `name` in `parent` without following a link at it. The platform opens a plain
/// single-component name directly (it cannot leave the directory, so cap-std's beneath-resolution
/// is not needed); other names, and platforms without that path, go through cap-std.
fn open_read_nofollow(parent: &Dir, name: &OsStr) -> std::io::Result<std::fs::File> {
    super::platform::open_plain_name_nofollow(parent, name).unwrap_or_else(|| {
        use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
        let mut how = cap_std::fs::OpenOptions::new();
        how.read(true).follow(FollowSymlinks::No);
        super::platform::cap_nonblocking(&mut how);
        parent.open_with(name, &how).map(|f| f.into_std())
    })
}

/// What a followed symbolic link leads to.
pub enum Followed {
    Dir(Dir),
    File,
    Other,
}

/// Resolves a symbolic link met at a path relative to the walk's start. On error the link is
/// reported as a link (a dangling one silently, any other failure through `on_error` too).
pub type Follow<'a> = &'a (dyn Fn(&Path) -> Result<Followed, Error> + Sync);

#[derive(Default, Clone, Copy)]
pub struct WalkOptions<'a> {
    /// Do not descend below this depth (1 = only the start's children).
    pub max_depth: Option<usize>,
    /// Checked before each directory; once set, no further directory is read.
    pub cancel: Option<&'a AtomicBool>,
    /// Counts every entry that is not a directory in `files` (callers add `bytes`).
    pub progress: Option<&'a Progress>,
    /// Follow symbolic links (see [`Follow`]); never by default.
    pub follow: Option<Follow<'a>>,
}

/// What a long operation has done so far; written by worker threads, sampled by a reporter.
#[derive(Debug, Default)]
pub struct Progress {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

impl Progress {
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// `(files, bytes)`.
    pub fn snapshot(&self) -> (u64, u64) {
        (self.files.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }
}

/// The code of the error an aborted operation fails with (Node's `AbortError` has it too).
pub const ABORTED: &str = "ABORT_ERR";

/// How a caller steers a long operation: an optional cancel flag and optional progress counters.
#[derive(Default, Clone, Copy)]
pub struct Control<'a> {
    pub cancel: Option<&'a AtomicBool>,
    pub progress: Option<&'a Progress>,
}

impl<'a> Control<'a> {
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// `Err(ABORT_ERR)` once the operation has been cancelled.
    pub fn check(&self, op: &'static str) -> Result<(), Error> {
        if self.cancelled() {
            Err(Error::new(ABORTED, op, "the operation was aborted"))
        } else {
            Ok(())
        }
    }

    pub fn add_bytes(&self, n: u64) {
        if let Some(p) = self.progress {
            p.add_bytes(n);
        }
    }

    pub fn add_file(&self) {
        if let Some(p) = self.progress {
            p.files.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Walk options carrying this control's cancel flag and progress counters.
    pub fn walk_options(&self, max_depth: Option<usize>) -> WalkOptions<'a> {
        WalkOptions { max_depth, cancel: self.cancel, progress: self.progress, follow: None }
    }
}

/// Problems met during a walk that did not stop it (unreadable directories or files), kept in
/// the order met; only the first [`ErrorLog::KEEP`] are kept, the rest only counted, so a tree
/// of a million unreadable files cannot exhaust memory.
#[derive(Default)]
pub struct ErrorLog {
    kept: Mutex<Vec<Error>>,
    dropped: AtomicU64,
}

impl ErrorLog {
    pub const KEEP: usize = 1000;

    pub fn push(&self, e: Error) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() < Self::KEEP {
            kept.push(e);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The kept errors and how many more there were.
    pub fn into_parts(self) -> (Vec<Error>, u64) {
        (self.kept.into_inner().unwrap_or_else(|p| p.into_inner()), self.dropped.into_inner())
    }
}

/// Errors a tree operation met without stopping, for its result.
#[derive(Debug, Default)]
pub struct Problems {
    pub errors: Vec<Error>,
    /// Errors beyond the first [`ErrorLog::KEEP`], counted only.
    pub omitted: u64,
}

impl From<ErrorLog> for Problems {
    fn from(log: ErrorLog) -> Self {
        let (errors, omitted) = log.into_parts();
        Problems { errors, omitted }
    }
}

struct Ctx<'a, V, E> {
    visit: &'a V,
    on_error: &'a E,
    opts: WalkOptions<'a>,
    /// Shown in errors: the start as the user named it.
    start_shown: &'a Path,
}

/// The directories a task is inside, for walks that follow links: device and inode of each,
/// innermost first.
struct Ancestor {
    id: (u64, u64),
    parent: Option<Arc<Ancestor>>,
}

impl Ancestor {
    fn contains(self: &Arc<Self>, id: (u64, u64)) -> bool {
        let mut at = Some(self);
        while let Some(a) = at {
            if a.id == id {
                return true;
            }
            at = a.parent.as_ref();
        }
        false
    }
}

fn dir_id(dir: &Dir) -> Option<(u64, u64)> {
    dir.dir_metadata().ok().map(|md| (md.dev(), md.ino()))
}

/// Walk everything below `start`. Errors reading or opening a directory go to `on_error` and
/// the walk carries on with the rest of the tree.
pub fn walk<S, V, E>(start: Dir, start_shown: &Path, state: S, opts: WalkOptions<'_>, visit: &V, on_error: &E)
where
    S: Send,
    V: Fn(&Entry<'_>, &S) -> Option<S> + Sync,
    E: Fn(Error) + Sync,
{
    let ctx = Ctx { visit, on_error, opts, start_shown };
    let ancestors = opts.follow.and_then(|_| dir_id(&start)).map(|id| Arc::new(Ancestor { id, parent: None }));
    rayon::scope(|scope| read_dir(scope, &ctx, Arc::new(start), PathBuf::new(), 0, state, ancestors));
}

#[allow(clippy::too_many_arguments)]
fn read_dir<'s, S, V, E>(
    scope: &rayon::Scope<'s>,
    ctx: &'s Ctx<'s, V, E>,
    dir: Arc<Dir>,
    rel: PathBuf,
    depth: usize,
    state: S,
    ancestors: Option<Arc<Ancestor>>,
) where
    S: Send + 's,
    V: Fn(&Entry<'_>, &S) -> Option<S> + Sync,
    E: Fn(Error) + Sync,
{
    if ctx.opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return;
    }
    let shown = || ctx.start_shown.join(&rel);
    let entries = match dir.entries() {
        Ok(entries) => entries,
        Err(e) => return (ctx.on_error)(Error::io(e, "walk", "scandir").path(shown())),
    };
    let may_descend = ctx.opts.max_depth.is_none_or(|max| depth + 1 < max);
    // One buffer for the children's relative paths; only a directory to descend into takes a copy.
    let mut child_rel = PathBuf::new();
    for entry in entries {
        // The path is built only on error: most entries read fine.
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                (ctx.on_error)(Error::io(e, "walk", "scandir").path(shown()));
                continue;
            }
        };
        let name: OsString = entry.file_name();
        child_rel.as_mut_os_string().clear();
        child_rel.push(&rel);
        child_rel.push(&name);
        let mut kind = match entry.file_type() {
            Ok(t) if t.is_symlink() => FileKind::Symlink,
            Ok(t) if t.is_dir() => FileKind::Dir,
            Ok(t) if t.is_file() => FileKind::File,
            Ok(_) => FileKind::Other,
            Err(e) => {
                (ctx.on_error)(Error::io(e, "walk", "lstat").path(ctx.start_shown.join(&child_rel)));
                continue;
            }
        };
        let mut linked_dir = None;
        let mut via_link = false;
        if let (FileKind::Symlink, Some(follow)) = (kind, ctx.opts.follow) {
            match follow(&child_rel) {
                Ok(followed) => {
                    via_link = true;
                    kind = match followed {
                        Followed::Dir(d) => {
                            linked_dir = Some(d);
                            FileKind::Dir
                        }
                        Followed::File => FileKind::File,
                        Followed::Other => FileKind::Other,
                    };
                }
                Err(e) if e.is("ENOENT") => {}
                Err(e) => (ctx.on_error)(e),
            }
        }
        if kind != FileKind::Dir {
            if let Some(p) = ctx.opts.progress {
                p.files.fetch_add(1, Ordering::Relaxed);
            }
        }
        let seen = Entry { parent: &dir, name: &name, rel: &child_rel, kind, depth: depth + 1, via_link };
        let Some(child_state) = (ctx.visit)(&seen, &state) else { continue };
        if kind != FileKind::Dir || !may_descend {
            continue;
        }
        let parent = Arc::clone(&dir);
        let ancestors = ancestors.clone();
        let child_rel = child_rel.clone();
        scope.spawn(move |scope| {
            let opened = match linked_dir {
                Some(d) => Ok(d),
                None => parent.open_dir_nofollow(&name).ctx("walk", "opendir", &ctx.start_shown.join(&child_rel)),
            };
            drop(parent);
            let child = match opened {
                Ok(child) => child,
                Err(e) => return (ctx.on_error)(e),
            };
            // Ancestors are only tracked when links are followed: no stat otherwise.
            let id = ancestors.as_ref().and_then(|_| dir_id(&child));
            let ancestors = match (ancestors, id) {
                (Some(a), Some(id)) if a.contains(id) => {
                    return (ctx.on_error)(
                        Error::new("ELOOP", "walk", "file system loop: the link leads to a directory being walked")
                            .path(ctx.start_shown.join(&child_rel)),
                    )
                }
                (Some(a), Some(id)) => Some(Arc::new(Ancestor { id, parent: Some(a) })),
                (a, _) => a,
            };
            read_dir(scope, ctx, Arc::new(child), child_rel, depth + 1, child_state, ancestors)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;
    use std::sync::Mutex;

    fn tree() -> TempTree {
        let t = TempTree::new();
        for d in ["a", "a/b", "c"] {
            std::fs::create_dir(t.path().join(d)).unwrap();
        }
        for f in ["x", "a/y", "a/b/z", "c/w"] {
            std::fs::write(t.path().join(f), f).unwrap();
        }
        t
    }

    #[test]
    fn directories_are_read_in_parallel() {
        let t = TempTree::new();
        for d in 0..32 {
            std::fs::create_dir(t.path().join(format!("d{d}"))).unwrap();
            std::fs::write(t.path().join(format!("d{d}/f")), "x").unwrap();
        }
        // A pool of its own, so the test does not depend on how many CPUs the machine has.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let threads = Mutex::new(std::collections::HashSet::new());
        let files = std::sync::atomic::AtomicUsize::new(0);
        pool.install(|| {
            let dir = Dir::open_ambient_dir(t.path(), cap_std::ambient_authority()).unwrap();
            walk(
                dir,
                t.path(),
                (),
                WalkOptions::default(),
                &|e: &Entry<'_>, _: &()| {
                    if e.kind == FileKind::File {
                        // Slow visits: a sequential walk would take them one after another on one thread.
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        threads.lock().unwrap().insert(std::thread::current().id());
                        files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Some(())
                },
                &|e| panic!("{e}"),
            )
        });
        assert_eq!(files.into_inner(), 32);
        assert!(threads.into_inner().unwrap().len() > 1, "every file was visited on one thread");
    }

    fn collect(root: &Path, opts: WalkOptions<'_>) -> Vec<String> {
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority()).unwrap();
        let seen = Mutex::new(Vec::new());
        walk(
            dir,
            root,
            (),
            opts,
            &|e: &Entry<'_>, _: &()| {
                seen.lock().unwrap().push(e.rel.to_string_lossy().into_owned());
                Some(())
            },
            &|e| panic!("{e}"),
        );
        let mut v = seen.into_inner().unwrap();
        v.sort();
        v
    }

    #[test]
    fn visits_every_entry_once() {
        let t = tree();
        assert_eq!(collect(t.path(), WalkOptions::default()), ["a", "a/b", "a/b/z", "a/y", "c", "c/w", "x"]);
    }

    #[test]
    fn max_depth_limits_descent() {
        let t = tree();
        let opts = WalkOptions { max_depth: Some(1), ..Default::default() };
        assert_eq!(collect(t.path(), opts), ["a", "c", "x"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_when_asked_and_loops_are_refused() {
        let t = tree();
        std::os::unix::fs::symlink("a", t.path().join("to-a")).unwrap();
        std::os::unix::fs::symlink("..", t.path().join("a/b/up")).unwrap();
        std::os::unix::fs::symlink("x", t.path().join("to-x")).unwrap();
        let root = t.path().to_path_buf();
        let follow = |rel: &Path| -> Result<Followed, Error> {
            let p = root.join(rel);
            let md = std::fs::metadata(&p).map_err(|e| Error::io(e, "walk", "stat"))?;
            Ok(if md.is_dir() {
                Followed::Dir(Dir::open_ambient_dir(&p, cap_std::ambient_authority()).unwrap())
            } else {
                Followed::File
            })
        };
        let dir = Dir::open_ambient_dir(t.path(), cap_std::ambient_authority()).unwrap();
        let seen = Mutex::new(Vec::new());
        let loops = Mutex::new(Vec::new());
        let opts = WalkOptions { follow: Some(&follow), ..Default::default() };
        walk(
            dir,
            t.path(),
            (),
            opts,
            &|e: &Entry<'_>, _: &()| {
                seen.lock().unwrap().push((e.rel.to_string_lossy().into_owned(), e.kind, e.via_link));
                Some(())
            },
            &|e| loops.lock().unwrap().push(e.code.to_string()),
        );
        let mut seen = seen.into_inner().unwrap();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(seen.contains(&("to-a/b/z".to_string(), FileKind::File, false)));
        assert!(seen.contains(&("to-x".to_string(), FileKind::File, true)));
        assert!(seen.contains(&("a/b/up".to_string(), FileKind::Dir, true)));
        assert_eq!(loops.into_inner().unwrap(), ["ELOOP", "ELOOP"], "a/b/up and to-a/b/up lead to the start");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_not_followed() {
        let t = tree();
        std::os::unix::fs::symlink("/", t.path().join("escape")).unwrap();
        let all = collect(t.path(), WalkOptions::default());
        assert!(all.contains(&"escape".to_string()));
        assert!(!all.iter().any(|p| p.starts_with("escape/")));
    }
}
