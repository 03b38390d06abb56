//! `Stats`: what `stats()` reports, with XyPriss's field names and units.

use std::time::UNIX_EPOCH;

use cap_std::fs::Metadata;

use super::platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// FIFO, socket, device.
    Other,
}

impl FileKind {
    pub fn of(md: &Metadata) -> Self {
        let t = md.file_type();
        if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_dir() {
            FileKind::Dir
        } else if t.is_file() {
            FileKind::File
        } else {
            FileKind::Other
        }
    }
}

/// File metadata. Times are unix seconds with a fractional part; `created` is `None` where the
/// filesystem does not record a birth time.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub size: u64,
    pub created: Option<f64>,
    pub modified: f64,
    pub accessed: f64,
    pub is_dir: bool,
    pub is_file: bool,
    pub is_symlink: bool,
    /// Permission bits only (`0o644` → 420), never the file-type bits.
    pub permissions: u32,
    /// No write permission bit set for anyone (the read-only attribute on Windows).
    pub readonly: bool,
}

fn unix_seconds(t: std::io::Result<cap_std::time::SystemTime>) -> Option<f64> {
    let t = t.ok()?.into_std();
    Some(match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    })
}

impl Stats {
    pub fn from_metadata(md: &Metadata) -> Self {
        let kind = FileKind::of(md);
        Stats {
            size: md.len(),
            created: unix_seconds(md.created()),
            modified: unix_seconds(md.modified()).unwrap_or(0.0),
            accessed: unix_seconds(md.accessed()).unwrap_or(0.0),
            is_dir: kind == FileKind::Dir,
            is_file: kind == FileKind::File,
            is_symlink: kind == FileKind::Symlink,
            permissions: platform::permission_bits(md),
            readonly: md.permissions().readonly(),
        }
    }
}
