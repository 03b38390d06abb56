//! `du`: how much a tree holds. Sizes are apparent sizes (`lstat`'s `st_size`) of everything
//! that is not a directory; a file with several hard links inside the tree is counted once.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use cap_fs_ext::MetadataExt;

use super::{lossy, Report};
use crate::error::{IoContext, Result};
use crate::fs::walk::{walk, Control, Entry, ErrorLog, WalkOptions};
use crate::fs::{FileKind, FileSystem};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskUsage {
    /// The directory, absolute.
    pub path: String,
    /// Bytes: files, links and special files; hard links once.
    pub size: u64,
    /// Entries that are not directories (each path, hard links included).
    pub file_count: u64,
    /// Directories below the start (the start itself is not counted).
    pub dir_count: u64,
}

impl FileSystem {
    /// With `follow_links`, links are followed (and what they lead to is counted).
    pub fn du(&self, path: &str, follow_links: bool, ctl: Control<'_>) -> Result<Report<DiskUsage>> {
        const OP: &str = "du";
        let target = self.resolve(path, OP)?;
        let shown = super::shown_clean(&target);
        let md = target.metadata(OP, true)?;
        if !md.is_dir() {
            let usage = DiskUsage { path: lossy(&shown), size: md.len(), file_count: 1, dir_count: 0 };
            // Progress says what the result says, as for a directory.
            ctl.add_file();
            ctl.add_bytes(md.len());
            return Ok(Report { value: usage, problems: Default::default() });
        }
        let size = AtomicU64::new(0);
        let files = AtomicU64::new(0);
        let dirs = AtomicU64::new(0);
        let linked = Mutex::new(HashSet::new());
        let log = ErrorLog::default();
        let visit = |e: &Entry<'_>, _: &()| {
            if e.kind == FileKind::Dir {
                dirs.fetch_add(1, Ordering::Relaxed);
                return Some(());
            }
            files.fetch_add(1, Ordering::Relaxed);
            let md = if e.via_link {
                target.join(e.rel).metadata(OP, true).map_err(|err| err.path(shown.join(e.rel)))
            } else {
                e.parent.symlink_metadata(e.name).ctx(OP, "lstat", &shown.join(e.rel))
            };
            match md {
                Ok(md) => {
                    let first = md.nlink() <= 1
                        || linked.lock().unwrap_or_else(|p| p.into_inner()).insert((md.dev(), md.ino()));
                    if first {
                        size.fetch_add(md.len(), Ordering::Relaxed);
                        ctl.add_bytes(md.len());
                    }
                }
                Err(err) if err.is("ENOENT") => {}
                Err(err) => log.push(err),
            }
            None
        };
        let follow = |rel: &Path| super::follow_link(&target, rel, OP);
        let opts = WalkOptions { follow: follow_links.then_some(&follow as _), ..ctl.walk_options(None) };
        walk(target.open_dir(OP, true)?, &shown, (), opts, &visit, &|e| log.push(e));
        ctl.check(OP)?;
        let usage = DiskUsage {
            path: lossy(&shown),
            size: size.into_inner(),
            file_count: files.into_inner(),
            dir_count: dirs.into_inner(),
        };
        Ok(Report { value: usage, problems: log.into() })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    #[test]
    fn counts_hard_links_once_and_does_not_follow_links() {
        let t = TempTree::new();
        std::fs::create_dir(t.path().join("d")).unwrap();
        std::fs::write(t.path().join("d/a"), vec![0u8; 1000]).unwrap();
        std::fs::hard_link(t.path().join("d/a"), t.path().join("b")).unwrap();
        std::os::unix::fs::symlink("/usr", t.path().join("link")).unwrap();
        let fs = FileSystem::new(t.path(), true).unwrap();
        let u = fs.du(".", false, Control::default()).unwrap().value;
        assert_eq!((u.size, u.file_count, u.dir_count), (1000 + 4, 3, 1));
    }
}
