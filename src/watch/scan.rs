//! Snapshots of directories on disk, taken with the shared parallel walker (`crate::fs::walk`).
//!
//! Every directory is handed to `watch` (which adds its kernel watch) *before* it is read: an
//! entry created while the scan runs is then either seen by the scan or reported by the kernel,
//! never lost between the two. Ignored directories are neither read nor watched.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use cap_std::fs::Dir;

use super::filter::Filter;
use super::platform;
use super::tree::{Children, Kind, Node};
use crate::error::{Error, IoContext, Result};
use crate::fs::walk::{self, Entry, WalkOptions};

/// Followed symbolic links nested deeper than this are left as links (a cycle guard where file
/// identities are unknown).
const MAX_LINK_DEPTH: usize = 32;

pub struct ScanSpec<'a> {
    /// The watched root the filter's patterns are relative to.
    pub root: &'a Path,
    pub recursive: bool,
    pub follow: Follow<'a>,
    pub filter: &'a Filter,
}

/// Whether links to directories are descended into.
#[derive(Clone, Copy)]
pub enum Follow<'a> {
    Never,
    /// Except links leading into these directory trees (canonical paths): whatever they point to
    /// is watched already, under its own path.
    Except(&'a [PathBuf]),
}

impl Follow<'_> {
    /// The identity of the directory `link` leads to, if it is to be followed.
    fn target(&self, link: &Path) -> Option<(u64, u64)> {
        let Follow::Except(watched) = self else { return None };
        let target = std::fs::metadata(link).ok().filter(|m| m.is_dir())?;
        let real = std::fs::canonicalize(link).ok()?;
        (!watched.iter().any(|w| real.starts_with(w))).then(|| platform::file_id(&target))
    }
}

/// Adds the kernel watch of a directory about to be read.
pub type WatchDir<'a> = &'a (dyn Fn(&Path) -> Result<()> + Sync);

/// A number that changes when an entry's identity, size or modification time does.
/// A stamp is only ever compared with the same entry's earlier stamp, so a cheap mix will do.
fn stamp(id: (u64, u64), modified: Option<SystemTime>, len: u64) -> u64 {
    let nanos = modified.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as u64);
    [id.0, id.1, nanos, len]
        .into_iter()
        .fold(0xcbf2_9ce4_8422_2325, |h: u64, v| (h ^ v).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29))
}

fn kind_of(t: impl FileTypeLike) -> Kind {
    if t.is_symlink() {
        Kind::Symlink
    } else if t.is_dir() {
        Kind::Dir
    } else if t.is_file() {
        Kind::File
    } else {
        Kind::Other
    }
}

/// The questions both `std` and `cap_std` file types answer.
trait FileTypeLike {
    fn is_symlink(&self) -> bool;
    fn is_dir(&self) -> bool;
    fn is_file(&self) -> bool;
}

macro_rules! file_type_like {
    ($t:ty) => {
        impl FileTypeLike for $t {
            fn is_symlink(&self) -> bool {
                <$t>::is_symlink(self)
            }
            fn is_dir(&self) -> bool {
                <$t>::is_dir(self)
            }
            fn is_file(&self) -> bool {
                <$t>::is_file(self)
            }
        }
    };
}
file_type_like!(std::fs::FileType);
file_type_like!(cap_std::fs::FileType);

/// Kind and stamp of `path`, or `None` if it is gone. A link to a directory counts as a
/// directory when `follow` says it is followed.
pub fn probe(path: &Path, follow: Follow<'_>) -> Option<(Kind, u64)> {
    let md = std::fs::symlink_metadata(path).ok()?;
    let mut kind = kind_of(md.file_type());
    if kind == Kind::Symlink && follow.target(path).is_some() {
        kind = Kind::Dir;
    }
    let stamp = if kind == Kind::Dir { 0 } else { stamp(platform::file_id(&md), md.modified().ok(), md.len()) };
    Some((kind, stamp))
}

/// The snapshot of a directory holding only `name` (a watched file), if it exists.
pub fn scan_one(dir: &Path, name: &OsStr) -> Node {
    let mut children = Children::new();
    if let Some((kind, stamp)) = probe(&dir.join(name), Follow::Never) {
        children.insert(name.into(), Node::leaf(kind, stamp));
    }
    Node::dir(0, children)
}

/// Snapshot the directory `dir`: its entries (everything below it when recursive) except ignored
/// ones. Problems below `dir` (an unreadable directory, a watch that could not be added) go to
/// `errors` and the scan carries on; failing to open `dir` itself is the returned error.
pub fn scan(dir: &Path, spec: &ScanSpec<'_>, watch: WatchDir<'_>, errors: &mut Vec<Error>) -> Result<Node> {
    let start = Dir::open_ambient_dir(dir, cap_std::ambient_authority()).ctx("watch", "opendir", dir)?;
    if spec.filter.uses_gitignore() {
        spec.filter.reload_gitignore(dir);
    }
    if let Err(e) = watch(dir) {
        errors.push(e);
    }
    let ctx = Ctx {
        spec,
        watch,
        errors: Mutex::new(Vec::new()),
        links: Mutex::new(Vec::new()),
        seen: Mutex::new(HashSet::new()),
    };
    if let Ok(md) = start.dir_metadata() {
        ctx.seen_first(platform::cap_file_id(&md));
    }
    let top = Arc::new(Collector::default());
    ctx.walk(start, dir, &top);
    // The walker never follows links; followed links to directories are walked one level of
    // links at a time.
    for _ in 0..MAX_LINK_DEPTH {
        let pending = std::mem::take(&mut *lock(&ctx.links));
        if pending.is_empty() {
            break;
        }
        for (path, id, into) in pending {
            if !ctx.seen_first(id) {
                // A link to a directory scanned already (often an ancestor: a cycle).
                into.cut.store(true, Ordering::Relaxed);
                continue;
            }
            if spec.filter.uses_gitignore() {
                spec.filter.reload_gitignore(&path);
            }
            if let Err(e) = (ctx.watch)(&path) {
                ctx.error(e);
            }
            match Dir::open_ambient_dir(&path, cap_std::ambient_authority()).ctx("watch", "opendir", &path) {
                Ok(d) => ctx.walk(d, &path, &into),
                Err(e) => ctx.error(e),
            }
        }
    }
    errors.append(&mut lock(&ctx.errors));
    Ok(Node::dir(0, top.assemble()))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The entries found in one directory, filled by the walker's threads.
#[derive(Default)]
struct Collector {
    found: Mutex<Vec<Found>>,
    /// A followed link whose target is scanned elsewhere: kept as a plain link.
    cut: AtomicBool,
}

struct Found {
    name: Box<OsStr>,
    kind: Kind,
    stamp: u64,
    /// Tracked contents, for directories that are descended into.
    contents: Option<Arc<Collector>>,
}

impl Collector {
    fn push(&self, found: Found) {
        lock(&self.found).push(found);
    }

    fn assemble(&self) -> Children {
        let found = std::mem::take(&mut *lock(&self.found));
        // Collected in one go, so the B-tree is built from sorted entries with full nodes.
        found
            .into_iter()
            .map(|f| {
                let node = match f.contents {
                    Some(c) if c.cut.load(Ordering::Relaxed) => Node::leaf(Kind::Symlink, f.stamp),
                    Some(c) => Node::dir(f.stamp, c.assemble()),
                    None => Node::leaf(f.kind, f.stamp),
                };
                (f.name, node)
            })
            .collect()
    }
}

/// A link to a directory: its path, the directory's identity, where its entries go.
type LinkToFollow = (PathBuf, (u64, u64), Arc<Collector>);

struct Ctx<'a> {
    spec: &'a ScanSpec<'a>,
    watch: WatchDir<'a>,
    errors: Mutex<Vec<Error>>,
    /// Followed links to directories, walked after the walk that found them.
    links: Mutex<Vec<LinkToFollow>>,
    /// Directories already being scanned, by identity, when links are followed.
    seen: Mutex<HashSet<(u64, u64)>>,
}

impl Ctx<'_> {
    fn error(&self, e: Error) {
        // A directory that vanished while being scanned is not a problem: its removal is reported.
        if !e.is("ENOENT") && !e.is("ENOTDIR") {
            lock(&self.errors).push(e);
        }
    }

    /// Whether `id` is a directory not met before (always true when identities are unknown).
    fn seen_first(&self, id: (u64, u64)) -> bool {
        id == (0, 0) || matches!(self.spec.follow, Follow::Never) || lock(&self.seen).insert(id)
    }

    fn walk(&self, start: Dir, start_path: &Path, into: &Arc<Collector>) {
        let opts = WalkOptions { max_depth: (!self.spec.recursive).then_some(1), ..WalkOptions::default() };
        walk::walk(
            start,
            start_path,
            Arc::clone(into),
            opts,
            &|entry: &Entry<'_>, parent: &Arc<Collector>| self.visit(start_path, entry, parent),
            &|e| self.error(e),
        );
    }

    fn visit(&self, start_path: &Path, entry: &Entry<'_>, parent: &Arc<Collector>) -> Option<Arc<Collector>> {
        let md = entry.parent.symlink_metadata(entry.name).ok()?; // gone already
        let mut kind = kind_of(md.file_type());
        let path = start_path.join(entry.rel);
        // Resolved like any path (cap-std would refuse links leading out of the directory):
        // following links is what was asked for.
        let via_link = if kind == Kind::Symlink { self.spec.follow.target(&path) } else { None };
        if via_link.is_some() {
            kind = Kind::Dir;
        }
        if self.spec.filter.is_ignored(self.spec.root, &path, kind == Kind::Dir) {
            return None;
        }
        let stamp = if kind == Kind::Dir {
            0
        } else {
            stamp(platform::cap_file_id(&md), md.modified().ok().map(|t| t.into_std()), md.len())
        };
        let name: Box<OsStr> = entry.name.into();
        if kind != Kind::Dir || !self.spec.recursive {
            parent.push(Found { name, kind, stamp, contents: None });
            return None;
        }
        let contents = Arc::new(Collector::default());
        parent.push(Found { name, kind, stamp, contents: Some(Arc::clone(&contents)) });
        if let Some(id) = via_link {
            lock(&self.links).push((path, id, contents));
            return None;
        }
        if matches!(self.spec.follow, Follow::Except(_)) {
            self.seen_first(platform::cap_file_id(&md));
        }
        if self.spec.filter.uses_gitignore() {
            self.spec.filter.reload_gitignore(&path);
        }
        if let Err(e) = (self.watch)(&path) {
            self.error(e);
        }
        Some(contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn fixture() -> TempTree {
        let t = TempTree::new();
        for d in ["a", "a/b", "skip"] {
            std::fs::create_dir(t.path().join(d)).unwrap();
        }
        for f in ["x", "a/y", "a/b/z", "skip/w"] {
            std::fs::write(t.path().join(f), f).unwrap();
        }
        t
    }

    fn paths(node: &Node, base: &Path) -> Vec<String> {
        let mut v = Vec::new();
        node.visit_pre(base, &mut |p, _| v.push(p.strip_prefix(base).unwrap().display().to_string()));
        v.retain(|s| !s.is_empty());
        v.sort();
        v
    }

    fn run(t: &TempTree, recursive: bool, follow: bool, ignore: &[&str]) -> (Node, Vec<String>) {
        let root = t.path();
        let ignore: Vec<String> = ignore.iter().map(|s| s.to_string()).collect();
        let filter = Filter::new(&ignore, false, &[root]).unwrap();
        let spec = ScanSpec {
            root,
            recursive,
            follow: if follow { Follow::Except(&[]) } else { Follow::Never },
            filter: &filter,
        };
        let watched = Mutex::new(Vec::new());
        let watch = |d: &Path| {
            watched.lock().unwrap().push(d.strip_prefix(root).unwrap().display().to_string());
            Ok(())
        };
        let mut errors = Vec::new();
        let node = scan(root, &spec, &watch, &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let mut w = watched.into_inner().unwrap();
        w.retain(|d| !d.is_empty());
        w.sort();
        (node, w)
    }

    #[test]
    fn recursive_scan_lists_everything_and_watches_every_directory() {
        let t = fixture();
        let (node, watched) = run(&t, true, false, &[]);
        assert_eq!(paths(&node, t.path()), ["a", "a/b", "a/b/z", "a/y", "skip", "skip/w", "x"]);
        assert_eq!(watched, ["a", "a/b", "skip"]);
    }

    #[test]
    fn ignored_directories_are_neither_listed_nor_watched() {
        let t = fixture();
        let (node, watched) = run(&t, true, false, &["skip", "z"]);
        assert_eq!(paths(&node, t.path()), ["a", "a/b", "a/y", "x"]);
        assert_eq!(watched, ["a", "a/b"]);
    }

    #[test]
    fn flat_scan_lists_children_only_and_watches_nothing_more() {
        let t = fixture();
        let (node, watched) = run(&t, false, false, &[]);
        assert_eq!(paths(&node, t.path()), ["a", "skip", "x"]);
        assert!(watched.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn links_are_entries_unless_followed_and_cycles_are_cut() {
        let t = fixture();
        let outside = TempTree::new();
        std::fs::write(outside.path().join("o"), "o").unwrap();
        std::os::unix::fs::symlink(outside.path(), t.path().join("ext")).unwrap();
        std::os::unix::fs::symlink(t.path().join("a"), t.path().join("link")).unwrap();
        std::os::unix::fs::symlink(t.path(), t.path().join("a/up")).unwrap();
        let (plain, watched) = run(&t, true, false, &[]);
        assert_eq!(plain.get(Path::new("ext")).map(|n| n.kind), Some(Kind::Symlink));
        assert_eq!(watched, ["a", "a/b", "skip"]);
        let (followed, watched) = run(&t, true, true, &[]);
        let listed = paths(&followed, t.path());
        // A link out of the tree is descended into and watched under its own path.
        assert!(listed.contains(&"ext/o".to_string()), "{listed:?}");
        // `a` is reached directly and through `link`: only the directory itself is descended
        // into; `a/up` (the root again) is never followed.
        assert_eq!(followed.get(Path::new("link")).map(|n| n.kind), Some(Kind::Symlink));
        assert_eq!(followed.get(Path::new("a/up")).map(|n| n.kind), Some(Kind::Symlink));
        assert_eq!(listed.iter().filter(|p| p.ends_with("b/z")).count(), 1, "{listed:?}");
        assert_eq!(watched, ["a", "a/b", "ext", "skip"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_into_watched_trees_are_not_followed() {
        let t = fixture();
        let outside = TempTree::new();
        std::os::unix::fs::symlink(outside.path(), t.path().join("ext")).unwrap();
        let watched = [outside.path().canonicalize().unwrap()];
        let follow = Follow::Except(&watched);
        assert_eq!(probe(&t.path().join("ext"), follow).map(|p| p.0), Some(Kind::Symlink));
        assert_eq!(probe(&t.path().join("ext"), Follow::Except(&[])).map(|p| p.0), Some(Kind::Dir));
    }

    #[test]
    fn stamps_change_with_content() {
        let t = fixture();
        let f = t.path().join("x");
        let before = probe(&f, Follow::Never).unwrap();
        std::fs::write(&f, "longer content").unwrap();
        let after = probe(&f, Follow::Never).unwrap();
        assert_eq!(before.0, Kind::File);
        assert_ne!(before.1, after.1);
        assert!(probe(&t.path().join("nope"), Follow::Never).is_none());
    }
}
