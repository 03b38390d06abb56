//! Unix specifics of archives: raw-byte names, permission bits and ownership.

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cap_std::fs::{Dir, File, Metadata, MetadataExt, OpenOptions, OpenOptionsExt, Permissions};

pub fn os_name(bytes: &[u8]) -> OsString {
    OsString::from_vec(bytes.to_vec())
}

/// Create a new file (never opening an existing one), with `mode` minus the umask.
pub fn create_new(dir: &Dir, name: &Path, mode: u32) -> io::Result<File> {
    let mut how = OpenOptions::new();
    how.write(true).create_new(true).mode(mode);
    dir.open_with(name, &how)
}

pub fn set_mode(dir: &Dir, name: &Path, mode: u32) -> io::Result<()> {
    dir.set_permissions(name, Permissions::from_std(std::fs::Permissions::from_mode(mode)))
}

/// `(mode, uid, gid)` for a tar header.
pub fn owner_and_mode(md: &Metadata) -> (u32, u64, u64) {
    (md.mode() & 0o7777, md.uid().into(), md.gid().into())
}
