//! Renaming without replacing an existing entry (check, then rename).

use std::ffi::OsStr;
use std::io;

use cap_std::fs::Dir;

pub fn rename_noreplace(dir: &Dir, from: &OsStr, to: &OsStr) -> io::Result<()> {
    if dir.symlink_metadata(to).is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    dir.rename(from, dir, to)
}
