//! `sync`: make a destination a mirror of a source, copying only what changed.
//!
//! A file is unchanged when the destination has a regular file of the same size and
//! modification time; copies keep the source's times, so a second run copies nothing. Links
//! are compared by their target text. An entry of another kind in the way is replaced. With
//! `delete`, destination entries the source does not have are removed (after copying, so a
//! failed copy never costs data). Directory modes and times are set last, deepest first.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cap_fs_ext::DirExt;
use cap_std::fs::{Dir, Metadata};

use super::{
    apply_dir_fixups, copy_file, copy_link, physical, set_top_dir_attributes, special_file_error, times_of,
    CopyOptions, DirFixup,
};
use crate::error::{Error, Result};
use crate::fs::platform;
use crate::fs::stats::FileKind;
use crate::fs::walk::{walk, Control, Entry, ErrorLog, Problems, WalkOptions};
use crate::fs::FileSystem;

const OP: &str = "sync";
const COPY: CopyOptions = CopyOptions { overwrite: true, preserve_times: true };

struct SyncOptions {
    delete: bool,
    dry_run: bool,
}

/// What `sync` did (or, in a dry run, would do). Paths are relative to the two directories.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Files and links written.
    pub copied: Vec<String>,
    pub created_dirs: Vec<String>,
    /// Entries removed (a removed directory is listed once, not its contents).
    pub deleted: Vec<String>,
    /// Files and links already up to date.
    pub unchanged: u64,
    /// Bytes of the files copied.
    pub bytes: u64,
    pub problems: Problems,
}

#[derive(Default)]
struct Tally {
    copied: Mutex<Vec<String>>,
    created_dirs: Mutex<Vec<String>>,
    deleted: Mutex<Vec<String>>,
    unchanged: AtomicU64,
    bytes: AtomicU64,
    log: ErrorLog,
}

fn push(list: &Mutex<Vec<String>>, rel: &Path) {
    list.lock().unwrap_or_else(|p| p.into_inner()).push(rel.to_string_lossy().into_owned());
}

fn take(list: Mutex<Vec<String>>) -> Vec<String> {
    let mut v = list.into_inner().unwrap_or_else(|p| p.into_inner());
    v.sort();
    v
}

impl Tally {
    fn into_report(self) -> SyncReport {
        SyncReport {
            copied: take(self.copied),
            created_dirs: take(self.created_dirs),
            deleted: take(self.deleted),
            unchanged: self.unchanged.into_inner(),
            bytes: self.bytes.into_inner(),
            problems: self.log.into(),
        }
    }
}

fn same_file(src: &Metadata, dest: &Metadata) -> bool {
    dest.is_file() && dest.len() == src.len() && matches!((src.modified(), dest.modified()), (Ok(a), Ok(b)) if a == b)
}

fn same_link(src_dir: &Dir, dest_dir: &Dir, name: &Path, dest: &Metadata) -> bool {
    dest.file_type().is_symlink()
        && matches!((src_dir.read_link_contents(name), dest_dir.read_link_contents(name)), (Ok(a), Ok(b)) if a == b)
}

/// Remove whatever is at `name` (a directory with its contents).
fn remove_any(dir: &Dir, name: &Path, md: &Metadata) -> std::io::Result<()> {
    if md.is_dir() {
        dir.remove_dir_all(name)
    } else {
        dir.remove_file_or_symlink(name)
    }
}

impl FileSystem {
    /// Mirror `src` (a directory, file or link) onto `dest`; see the module documentation.
    /// `delete` removes destination entries the source does not have; `dry_run` only reports.
    pub fn sync(&self, src: &str, dest: &str, delete: bool, dry_run: bool, ctl: Control<'_>) -> Result<SyncReport> {
        let opts = SyncOptions { delete, dry_run };
        let s = self.resolve(src, OP)?;
        let d = self.resolve(dest, OP)?;
        let smd = s.metadata(OP, false)?;
        let with_paths = |e: Error| e.path(s.shown()).dest(d.shown());
        match FileKind::of(&smd) {
            FileKind::Dir => {}
            FileKind::Other => return Err(with_paths(special_file_error())),
            kind => {
                // A single file or link.
                let tally = Tally::default();
                let name = Path::new(d.file_name().as_deref().unwrap_or_default()).to_path_buf();
                let dmd = d.metadata_if_exists(OP, false)?;
                let (src_dir, src_name) = super::open_parent(&s)?;
                let unchanged = match (&dmd, d.parent()) {
                    (Some(dmd), _) if kind == FileKind::File => same_file(&smd, dmd),
                    (Some(dmd), Some(parent)) => {
                        same_link(&src_dir, &parent.open_dir(OP, true)?, &src_name, dmd) && src_name == name
                    }
                    _ => false,
                };
                if unchanged {
                    tally.unchanged.fetch_add(1, Ordering::Relaxed);
                } else {
                    if !opts.dry_run {
                        d.create_parents(OP)?;
                        let (dest_dir, dest_name) = super::open_parent(&d)?;
                        let copied = if kind == FileKind::Symlink {
                            copy_link(&src_dir, &src_name, &dest_dir, &dest_name, COPY)
                        } else {
                            copy_file(
                                &src_dir,
                                &src_name,
                                &smd,
                                &dest_dir,
                                &dest_name,
                                COPY,
                                platform::umask(),
                                cancel_only(ctl),
                                true,
                            )
                        };
                        copied.map_err(with_paths)?;
                    }
                    push(&tally.copied, &name);
                    tally.bytes.fetch_add(smd.len(), Ordering::Relaxed);
                }
                return Ok(tally.into_report());
            }
        }
        if let (Some(sp), Some(dp)) = (physical(&s), physical(&d)) {
            if dp.starts_with(&sp) || sp.starts_with(&dp) {
                return Err(with_paths(
                    Error::io(std::io::ErrorKind::InvalidInput.into(), OP, "sync")
                        .hint("source and destination must not contain each other"),
                ));
            }
        }
        let dest_dir = match d.metadata_if_exists(OP, true)? {
            Some(md) if !md.is_dir() => {
                return Err(with_paths(
                    Error::io(std::io::Error::from_raw_os_error(platform::ENOTDIR), OP, "mkdir")
                        .hint("cannot mirror a directory onto a non-directory"),
                ))
            }
            Some(_) => Some(Arc::new(d.open_dir(OP, true)?)),
            None if opts.dry_run => None,
            None => {
                d.create_dir_all(OP)?;
                Some(Arc::new(d.open_dir(OP, true)?))
            }
        };
        let shown_src = s.shown();
        let shown_dest = d.shown();
        let umask = platform::umask();
        let tally = Tally::default();
        let fixups = Mutex::new(Vec::new());

        let copy = |e: &Entry<'_>, dest: &Option<Arc<Dir>>| -> Option<Option<Arc<Dir>>> {
            let name = Path::new(e.name);
            let report = |err: Error| tally.log.push(err.path(shown_src.join(e.rel)).dest(shown_dest.join(e.rel)));
            let smd = match e.parent.symlink_metadata(name) {
                Ok(md) => md,
                Err(err) => {
                    report(Error::io(err, OP, "lstat"));
                    return None;
                }
            };
            let dmd = dest.as_ref().and_then(|d| d.symlink_metadata(name).ok());
            match e.kind {
                FileKind::Dir => {
                    if dmd.as_ref().is_some_and(|m| m.is_dir()) {
                        return Some(dest.as_ref().and_then(|d| d.open_dir_nofollow(name).ok()).map(Arc::new));
                    }
                    push(&tally.created_dirs, e.rel);
                    let (Some(dest), false) = (dest, opts.dry_run) else { return Some(None) };
                    let made = dmd
                        .map_or(Ok(()), |m| remove_any(dest, name, &m))
                        .and_then(|()| dest.create_dir(name))
                        .and_then(|()| dest.open_dir_nofollow(name));
                    match made {
                        Ok(child) => {
                            fixups.lock().unwrap_or_else(|p| p.into_inner()).push(DirFixup {
                                parent: Arc::clone(dest),
                                name: e.name.to_os_string(),
                                mode: platform::permission_bits(&smd),
                                times: Some(times_of(&smd)),
                                depth: e.depth,
                            });
                            Some(Some(Arc::new(child)))
                        }
                        Err(err) => {
                            report(Error::io(err, OP, "mkdir"));
                            None
                        }
                    }
                }
                FileKind::File | FileKind::Symlink => {
                    let unchanged = match (&dmd, dest) {
                        (Some(dmd), _) if e.kind == FileKind::File => same_file(&smd, dmd),
                        (Some(dmd), Some(dest)) => same_link(e.parent, dest, name, dmd),
                        _ => false,
                    };
                    if unchanged {
                        tally.unchanged.fetch_add(1, Ordering::Relaxed);
                        return None;
                    }
                    if let (Some(dest), false) = (dest, opts.dry_run) {
                        let in_the_way = dmd
                            .filter(|m| m.is_dir())
                            .map_or(Ok(()), |m| remove_any(dest, name, &m).map_err(|err| Error::io(err, OP, "rmdir")));
                        let copied = in_the_way.and_then(|()| {
                            if e.kind == FileKind::File {
                                copy_file(e.parent, name, &smd, dest, name, COPY, umask, cancel_only(ctl), false)
                            } else {
                                copy_link(e.parent, name, dest, name, COPY)
                            }
                        });
                        if let Err(err) = copied {
                            report(err);
                            return None;
                        }
                    }
                    push(&tally.copied, e.rel);
                    if e.kind == FileKind::File {
                        tally.bytes.fetch_add(smd.len(), Ordering::Relaxed);
                        ctl.add_bytes(smd.len());
                    }
                    None
                }
                FileKind::Other => {
                    report(special_file_error());
                    None
                }
            }
        };
        walk(s.open_dir(OP, false)?, &shown_src, dest_dir.clone(), ctl.walk_options(None), &copy, &|e| {
            tally.log.push(e)
        });
        ctl.check(OP)?;

        if let (true, Some(dest_dir)) = (opts.delete, &dest_dir) {
            let extra = |e: &Entry<'_>, src: &Option<Arc<Dir>>| -> Option<Option<Arc<Dir>>> {
                let name = Path::new(e.name);
                match src.as_ref().map(|s| s.symlink_metadata(name)) {
                    Some(Ok(smd)) => (smd.is_dir() && e.kind == FileKind::Dir)
                        .then(|| src.as_ref().and_then(|s| s.open_dir_nofollow(name).ok()).map(Arc::new)),
                    Some(Err(err)) if err.kind() != std::io::ErrorKind::NotFound => {
                        tally.log.push(Error::io(err, OP, "lstat").path(shown_src.join(e.rel)));
                        None
                    }
                    _ => {
                        if !opts.dry_run {
                            let removed =
                                e.parent.symlink_metadata(name).and_then(|md| remove_any(e.parent, name, &md));
                            if let Err(err) = removed {
                                tally.log.push(Error::io(err, OP, "unlink").path(shown_dest.join(e.rel)));
                                return None;
                            }
                        }
                        push(&tally.deleted, e.rel);
                        None
                    }
                }
            };
            let dest_handle = dest_dir.try_clone().map_err(|e| Error::io(e, OP, "opendir").path(&shown_dest))?;
            let src_handle = Some(Arc::new(s.open_dir(OP, false)?));
            // Looking for extras is not progress: `files` counts the source's files once.
            let quiet = WalkOptions { progress: None, ..ctl.walk_options(None) };
            walk(dest_handle, &shown_dest, src_handle, quiet, &extra, &|e| tally.log.push(e));
            ctl.check(OP)?;
        }
        if !opts.dry_run {
            apply_dir_fixups(OP, fixups.into_inner().unwrap_or_default(), &shown_src, &shown_dest)?;
            set_top_dir_attributes(OP, &d, &smd, true)?;
        }
        Ok(tally.into_report())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn setup() -> (TempTree, FileSystem) {
        let t = TempTree::new();
        for d in ["src/sub", "dest/stale-dir"] {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        std::fs::write(t.path().join("src/a"), "a").unwrap();
        std::fs::write(t.path().join("src/sub/b"), "bb").unwrap();
        std::os::unix::fs::symlink("a", t.path().join("src/link")).unwrap();
        std::fs::write(t.path().join("dest/stale"), "old").unwrap();
        let fs = FileSystem::new(t.path(), true).unwrap();
        (t, fs)
    }

    #[test]
    fn a_second_run_copies_nothing() {
        let (t, fs) = setup();
        let first = fs.sync("src", "dest", false, false, Control::default()).unwrap();
        assert_eq!(first.copied, ["a", "link", "sub/b"]);
        assert_eq!(first.created_dirs, ["sub"]);
        assert_eq!(std::fs::read_to_string(t.path().join("dest/sub/b")).unwrap(), "bb");
        let second = fs.sync("src", "dest", false, false, Control::default()).unwrap();
        assert!(second.copied.is_empty() && second.created_dirs.is_empty());
        assert_eq!(second.unchanged, 3);
        assert!(t.path().join("dest/stale").exists(), "nothing deleted without delete");
    }

    #[test]
    fn delete_removes_extras_and_dry_run_changes_nothing() {
        let (t, fs) = setup();
        let dry = fs.sync("src", "dest", true, true, Control::default()).unwrap();
        assert_eq!(dry.deleted, ["stale", "stale-dir"]);
        assert_eq!(dry.copied, ["a", "link", "sub/b"]);
        assert!(!t.path().join("dest/a").exists());
        let done = fs.sync("src", "dest", true, false, Control::default()).unwrap();
        assert_eq!(done.deleted, ["stale", "stale-dir"]);
        assert!(!t.path().join("dest/stale").exists() && !t.path().join("dest/stale-dir").exists());
    }

    #[test]
    fn a_changed_file_is_copied_again() {
        let (t, fs) = setup();
        fs.sync("src", "dest", false, false, Control::default()).unwrap();
        std::fs::write(t.path().join("src/a"), "changed").unwrap();
        let again = fs.sync("src", "dest", false, false, Control::default()).unwrap();
        assert_eq!(again.copied, ["a"]);
        assert_eq!(std::fs::read_to_string(t.path().join("dest/a")).unwrap(), "changed");
    }
}

/// Sync counts a file's bytes itself (dry runs included), so copies only get the cancel flag.
fn cancel_only(ctl: Control<'_>) -> Control<'_> {
    Control { cancel: ctl.cancel, progress: None }
}
