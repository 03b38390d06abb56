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

/// Exchange `a` in `a_dir` and `b` in `b_dir` atomically (both must exist). `Ok(false)` where
/// the system or the filesystem cannot: the caller then moves one aside first.
pub fn exchange(a_dir: &Dir, a: &std::ffi::OsStr, b_dir: &Dir, b: &std::ffi::OsStr) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        const RENAME_EXCHANGE: libc::c_uint = 1 << 1;
        let (Ok(a), Ok(b)) = (std::ffi::CString::new(a.as_bytes()), std::ffi::CString::new(b.as_bytes())) else {
            return Err(io::ErrorKind::InvalidInput.into());
        };
        // SAFETY: two live directory descriptors and two NUL-terminated names; renameat2 only
        // reads them. The names are single components, resolved in those directories.
        let r = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                a_dir.as_raw_fd(),
                a.as_ptr(),
                b_dir.as_raw_fd(),
                b.as_ptr(),
                RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        // No renameat2 (old kernel, some seccomp profiles) or no exchange on this filesystem.
        match e.raw_os_error() {
            Some(libc::ENOSYS) | Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) | Some(libc::EPERM) => Ok(false),
            _ => Err(e),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a_dir, a, b_dir, b);
        Ok(false)
    }
}
