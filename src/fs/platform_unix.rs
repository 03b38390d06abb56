//! Unix specifics of the filesystem core: permission bits, file identity, symlinks, access(2).

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use cap_fs_ext::AccessType;
use cap_std::fs::{Dir, Metadata, MetadataExt};

pub const ENOTDIR: i32 = libc::ENOTDIR;

/// Device and inode: what makes two paths the same file.
pub fn file_id(md: &Metadata) -> (u64, u64) {
    (md.dev(), md.ino())
}

/// Permission bits only (no file-type bits), as XyPriss's `permissions` field expects.
pub fn permission_bits(md: &Metadata) -> u32 {
    md.mode() & 0o7777
}

pub fn link_count(md: &Metadata) -> u64 {
    md.nlink()
}

pub fn std_open_mode(o: &mut std::fs::OpenOptions, mode: Option<u32>) {
    if let Some(m) = mode {
        o.mode(m);
    }
    // Never become the controlling terminal, never block opening a FIFO's write end.
    o.custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC);
}

pub fn cap_open_mode(o: &mut cap_std::fs::OpenOptions, mode: Option<u32>) {
    use cap_std::fs::OpenOptionsExt as _;
    if let Some(m) = mode {
        o.mode(m);
    }
}

/// Open without blocking: a FIFO where a regular file was seen must not hang a reader (no effect
/// on regular files).
pub fn cap_nonblocking(o: &mut cap_std::fs::OpenOptions) {
    use cap_std::fs::OpenOptionsExt as _;
    o.custom_flags(libc::O_NONBLOCK);
}

pub fn std_set_mode(path: &Path, mode: u32) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

pub fn cap_set_mode(dir: &Dir, path: &Path, mode: u32) -> io::Result<()> {
    dir.set_permissions(path, cap_std::fs::Permissions::from_std(std::fs::Permissions::from_mode(mode)))
}

pub fn std_symlink(target: &Path, link: &Path, _target_is_dir: bool) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

pub fn cap_symlink(dir: &Dir, target: &Path, link: &Path, _target_is_dir: bool) -> io::Result<()> {
    dir.symlink(target, link)
}

pub fn ambient_access(path: &Path, how: AccessType) -> io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mode = match how {
        AccessType::Exists => libc::F_OK,
        AccessType::Access(m) => {
            (if m.readable { libc::R_OK } else { 0 })
                | (if m.writable { libc::W_OK } else { 0 })
                | (if m.executable { libc::X_OK } else { 0 })
        }
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    if unsafe { libc::access(c.as_ptr(), mode) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// utimensat(2) on a path, following a final symbolic link, without opening the file.
pub fn ambient_set_times(
    path: &Path,
    atime: cap_fs_ext::SystemTimeSpec,
    mtime: cap_fs_ext::SystemTimeSpec,
) -> io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let spec = |t: cap_fs_ext::SystemTimeSpec| match t {
        cap_fs_ext::SystemTimeSpec::SymbolicNow => libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW },
        cap_fs_ext::SystemTimeSpec::Absolute(t) => {
            let (secs, nanos) = match t.into_std().duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => (d.as_secs() as i64, d.subsec_nanos() as i64),
                Err(e) => {
                    let d = e.duration();
                    let borrow = (d.subsec_nanos() > 0) as i64;
                    (
                        -(d.as_secs() as i64) - borrow,
                        if borrow == 1 { 1_000_000_000 - d.subsec_nanos() as i64 } else { 0 },
                    )
                }
            };
            libc::timespec { tv_sec: secs as libc::time_t, tv_nsec: nanos as _ }
        }
    };
    let times = [spec(atime), spec(mtime)];
    // SAFETY: `c` is NUL-terminated and `times` has the two entries utimensat reads.
    if unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The process umask, read without changing it for other threads (Linux ≥ 4.7 reports it in
/// /proc/self/status; elsewhere assume the common 022).
pub fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("Umask:")).and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Hand a file to Node as a plain descriptor it will own (and close).
pub fn into_node_fd(file: std::fs::File) -> i32 {
    use std::os::fd::IntoRawFd;
    file.into_raw_fd()
}

/// Set exact permission bits on an open file (fchmod), bypassing the umask.
pub fn set_file_mode(file: &std::fs::File, mode: u32) -> io::Result<()> {
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// Persist a directory's entries (after a rename into it).
pub fn sync_dir(dir: &Dir) -> io::Result<()> {
    dir.open(".")?.sync_all()
}

/// A symbolic link relative to `dir` with any contents (copies keep links verbatim).
pub fn dir_symlink_unchecked(dir: &Dir, target: &Path, link: &Path, _target_is_dir: bool) -> io::Result<()> {
    dir.symlink_contents(target, link)
}

/// `openat(parent, name, O_RDONLY | O_NOFOLLOW)` for a single-component name as read from a
/// directory, with no allocation; `None` for any other name (the caller goes through cap-std).
pub fn open_plain_name_nofollow(parent: &Dir, name: &std::ffi::OsStr) -> Option<io::Result<std::fs::File>> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let bytes = name.as_bytes();
    let mut c_name = [0u8; 256];
    let plain = !bytes.is_empty() && bytes != b"." && bytes != b".." && !bytes.contains(&b'/') && !bytes.contains(&0);
    if !plain || bytes.len() >= c_name.len() {
        return None;
    }
    c_name[..bytes.len()].copy_from_slice(bytes);
    // O_NONBLOCK: a FIFO swapped in after the walk saw a regular file must not hang the search
    // (it has no effect on regular files).
    let flags = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK;
    // SAFETY: `c_name` is NUL-terminated (the name is shorter than the buffer and holds no NUL)
    // and outlives the call; `parent` is an open directory handle.
    let fd = unsafe { libc::openat(parent.as_raw_fd(), c_name.as_ptr().cast(), flags) };
    if fd < 0 {
        return Some(Err(io::Error::last_os_error()));
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    Some(Ok(unsafe { std::fs::File::from_raw_fd(fd) }))
}
