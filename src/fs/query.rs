//! Questions about a path: `stats`, `check`, `size`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use cap_fs_ext::AccessType;
use cap_primitives::fs::AccessModes;

use super::stats::{FileKind, Stats};
use super::walk::{walk, Entry, WalkOptions};
use super::{platform, FileSystem};
use crate::error::Result;

/// What `check` reports; from access(2), so it reflects the calling user's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub exists: bool,
    pub readable: bool,
    pub writable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeReport {
    pub bytes: u64,
    pub formatted: String,
}

impl FileSystem {
    /// Metadata; the final symbolic link is followed only when `follow` is set.
    pub fn stats(&self, path: &str, follow: bool) -> Result<Stats> {
        let target = self.resolve(path, "stats")?;
        Ok(Stats::from_metadata(&target.metadata("stats", follow)?))
    }

    /// Existence and the caller's read/write rights, via access(2): never opens the path, so
    /// a FIFO cannot block it. A dangling symbolic link does not exist.
    pub fn check(&self, path: &str) -> Result<Access> {
        const OP: &str = "check";
        let target = self.resolve(path, OP)?;
        let modes = |readable, writable| AccessType::Access(AccessModes { readable, writable, executable: false });
        let exists = target.access(OP, AccessType::Exists)?;
        Ok(Access {
            exists,
            readable: exists && target.access(OP, modes(true, false))?,
            writable: exists && target.access(OP, modes(false, true))?,
        })
    }

    /// Size of a file, or the total of the regular files below a directory (hard links counted
    /// once; symbolic links not followed; unreadable subdirectories skipped).
    pub fn size(&self, path: &str) -> Result<SizeReport> {
        const OP: &str = "size";
        let target = self.resolve(path, OP)?;
        let md = target.metadata(OP, true)?;
        if !md.is_dir() {
            return Ok(SizeReport { bytes: md.len(), formatted: format_bytes(md.len()) });
        }
        let total = AtomicU64::new(0);
        let seen_links = Mutex::new(HashSet::new());
        let dir = target.open_dir(OP, true)?;
        walk(
            dir,
            &target.shown(),
            (),
            WalkOptions::default(),
            &|e: &Entry<'_>, _: &()| {
                match e.kind {
                    FileKind::Dir => return Some(()),
                    FileKind::File => {}
                    _ => return None,
                }
                let Ok(md) = e.parent.symlink_metadata(e.name) else { return None };
                let first_time = platform::link_count(&md) <= 1
                    || seen_links.lock().map(|mut s| s.insert(platform::file_id(&md))).unwrap_or(true);
                if first_time {
                    total.fetch_add(md.len(), Ordering::Relaxed);
                }
                None
            },
            &|_| {},
        );
        let bytes = total.into_inner();
        Ok(SizeReport { bytes, formatted: format_bytes(bytes) })
    }
}

/// `"0 B"`, `"13 B"`, `"1.50 KB"`, … (1024-based, as the tool this replaces printed).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::format_bytes;

    #[test]
    fn sizes_are_formatted_with_binary_units() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(13), "13 B");
        assert_eq!(format_bytes(1536), "1.50 KB");
        assert_eq!(format_bytes(5 * 1024 * 1024 * 1024), "5.00 GB");
    }
}
