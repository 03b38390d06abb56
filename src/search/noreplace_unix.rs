//! Renaming without replacing an existing entry, in one system call where there is one.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::AsRawFd;

use cap_std::fs::Dir;

/// Rename `from` to `to` inside `dir`; `EEXIST` if `to` exists (atomically on Linux).
pub fn rename_noreplace(dir: &Dir, from: &OsStr, to: &OsStr) -> io::Result<()> {
    let c = |s: &OsStr| CString::new(s.as_encoded_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput));
    let (from, to) = (c(from)?, c(to)?);
    let fd = dir.as_raw_fd();
    #[cfg(target_os = "linux")]
    {
        // SAFETY: both strings are NUL-terminated and live across the call; `fd` is open.
        let r = unsafe { libc::renameat2(fd, from.as_ptr(), fd, to.as_ptr(), libc::RENAME_NOREPLACE) };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINVAL) && e.raw_os_error() != Some(libc::ENOSYS) {
            return Err(e);
        }
        // The filesystem does not support the flag: fall back to check-then-rename.
    }
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: as above; `st` is only written.
    if unsafe { libc::fstatat(fd, to.as_ptr(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW) } == 0 {
        return Err(io::Error::from_raw_os_error(libc::EEXIST));
    }
    // SAFETY: as above.
    if unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
