//! Windows specifics of archives: names are converted lossily, modes reduced to read-only.

use std::ffi::OsString;
use std::io;
use std::path::Path;

use cap_std::fs::{Dir, File, Metadata, OpenOptions};

pub fn os_name(bytes: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(bytes).into_owned())
}

pub fn create_new(dir: &Dir, name: &Path, _mode: u32) -> io::Result<File> {
    let mut how = OpenOptions::new();
    how.write(true).create_new(true);
    dir.open_with(name, &how)
}

pub fn set_mode(dir: &Dir, name: &Path, mode: u32) -> io::Result<()> {
    let mut perms = dir.symlink_metadata(name)?.permissions();
    perms.set_readonly(mode & 0o222 == 0);
    dir.set_permissions(name, perms)
}

pub fn owner_and_mode(md: &Metadata) -> (u32, u64, u64) {
    let mode = if md.is_dir() {
        0o755
    } else if md.permissions().readonly() {
        0o444
    } else {
        0o644
    };
    (mode, 0, 0)
}

/// No atomic exchange here: the caller moves the replaced entry aside first.
pub fn exchange(_a_dir: &Dir, _a: &std::ffi::OsStr, _b_dir: &Dir, _b: &std::ffi::OsStr) -> io::Result<bool> {
    Ok(false)
}
