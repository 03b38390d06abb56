//! Questions about a tree's contents: which entries match a name (`find`, `find_by_ext`,
//! `modified_since`), which lines match a pattern (`grep`), how much space it takes (`du`),
//! which files are identical (`dedupe`), and renaming by pattern (`batch_rename`).
//!
//! Every operation walks with the filesystem's parallel walker (`crate::fs::walk`): it never
//! follows symbolic links, reports unreadable entries in its result instead of aborting, and
//! obeys a [`Control`] (cancel flag, progress counters). Each module here only decides what to
//! do with the entries the walker hands it.

mod dedupe;
mod du;
mod find;
mod grep;
mod ignore;
mod matcher;
mod rename;
mod searcher;

#[cfg_attr(unix, path = "noreplace_unix.rs")]
#[cfg_attr(not(unix), path = "noreplace_other.rs")]
mod noreplace;

pub use dedupe::DuplicateGroup;
pub use du::DiskUsage;
pub use find::{FindOptions, KindFilter};
pub use grep::{GrepMatch, GrepOptions};
pub use matcher::compile_regex;
pub use rename::RenameStep;

/// A result together with the problems met while producing it.
#[derive(Debug)]
pub struct Report<T> {
    pub value: T,
    pub problems: crate::fs::walk::Problems,
}

/// Lossy UTF-8 form of a path for results.
pub(crate) fn lossy(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Resolve the symbolic link at `rel` below `start` the way the filesystem resolves any path
/// (beneath the root when confined), for walks that follow links.
pub(crate) fn follow_link(
    start: &crate::fs::Target<'_>,
    rel: &std::path::Path,
    op: &'static str,
) -> crate::error::Result<crate::fs::walk::Followed> {
    use crate::fs::walk::Followed;
    let t = start.join(rel);
    let resolve = || -> crate::error::Result<Followed> {
        let md = t.metadata(op, true)?;
        Ok(if md.is_dir() {
            Followed::Dir(t.open_dir(op, true)?)
        } else if md.is_file() {
            Followed::File
        } else {
            Followed::Other
        })
    };
    resolve().map_err(|e| e.path(shown_clean(&t)))
}

/// The target's path as shown in results, without `.` components (`/root/./a` → `/root/a`).
pub(crate) fn shown_clean(t: &crate::fs::Target<'_>) -> std::path::PathBuf {
    t.shown().components().collect()
}
