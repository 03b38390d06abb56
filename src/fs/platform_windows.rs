//! Windows specifics of the filesystem core. Permission bits are emulated the way Node does:
//! 0o444 for read-only files, 0o666 otherwise (plus 0o111 for directories).

use std::io;
use std::path::Path;

use cap_fs_ext::AccessType;
use cap_std::fs::{Dir, Metadata};

pub const ENOTDIR: i32 = 267; // ERROR_DIRECTORY

pub fn file_id(md: &Metadata) -> (u64, u64) {
    // Without a handle, Windows metadata carries no stable file index; the creation time and
    // size identify the root well enough for the "do not remove the root" check.
    let created = md
        .created()
        .ok()
        .and_then(|t| t.into_std().duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (created, md.len())
}

pub fn permission_bits(md: &Metadata) -> u32 {
    let base = if md.permissions().readonly() { 0o444 } else { 0o666 };
    if md.is_dir() {
        base | 0o111
    } else {
        base
    }
}

pub fn link_count(_md: &Metadata) -> u64 {
    1
}

pub fn std_open_mode(_o: &mut std::fs::OpenOptions, _mode: Option<u32>) {}

pub fn cap_open_mode(_o: &mut cap_std::fs::OpenOptions, _mode: Option<u32>) {}

/// Opening a file never blocks on Windows the way a FIFO does on Unix.
pub fn cap_nonblocking(_o: &mut cap_std::fs::OpenOptions) {}

pub fn std_set_mode(path: &Path, mode: u32) -> io::Result<()> {
    // Windows only knows "read-only": toggle it on the file's current permissions.
    let mut p = std::fs::metadata(path)?.permissions();
    p.set_readonly(mode & 0o200 == 0);
    std::fs::set_permissions(path, p)
}

pub fn cap_set_mode(dir: &Dir, path: &Path, mode: u32) -> io::Result<()> {
    let mut p = dir.metadata(path)?.permissions();
    p.set_readonly(mode & 0o200 == 0);
    dir.set_permissions(path, p)
}

pub fn std_symlink(target: &Path, link: &Path, target_is_dir: bool) -> io::Result<()> {
    if target_is_dir {
        std::os::windows::fs::symlink_dir(target, link)
    } else {
        std::os::windows::fs::symlink_file(target, link)
    }
}

pub fn cap_symlink(dir: &Dir, target: &Path, link: &Path, target_is_dir: bool) -> io::Result<()> {
    if target_is_dir {
        dir.symlink_dir(target, link)
    } else {
        dir.symlink_file(target, link)
    }
}

pub fn ambient_access(path: &Path, how: AccessType) -> io::Result<()> {
    let md = std::fs::metadata(path)?;
    match how {
        AccessType::Access(m) if m.writable && md.permissions().readonly() => {
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        }
        _ => Ok(()),
    }
}

pub fn ambient_set_times(
    path: &Path,
    atime: cap_fs_ext::SystemTimeSpec,
    mtime: cap_fs_ext::SystemTimeSpec,
) -> io::Result<()> {
    use cap_fs_ext::DirExt;
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) => (if p.as_os_str().is_empty() { Path::new(".") } else { p }, Path::new(n)),
        _ => (path, Path::new(".")),
    };
    Dir::open_ambient_dir(parent, cap_std::ambient_authority())?.set_times(name, Some(atime), Some(mtime))
}

pub fn umask() -> u32 {
    0
}

/// Hand a file to Node as a CRT descriptor it will own (and close).
pub fn into_node_fd(file: std::fs::File) -> i32 {
    use std::os::windows::io::IntoRawHandle;
    let handle = file.into_raw_handle();
    // SAFETY: the handle is owned and valid; the CRT takes ownership of it.
    unsafe { libc::open_osfhandle(handle as libc::intptr_t, 0) }
}

pub fn set_file_mode(file: &std::fs::File, mode: u32) -> io::Result<()> {
    let mut p = file.metadata()?.permissions();
    p.set_readonly(mode & 0o200 == 0);
    file.set_permissions(p)
}

/// Windows has no directory fsync; renames are journaled by NTFS.
pub fn sync_dir(_dir: &Dir) -> io::Result<()> {
    Ok(())
}

pub fn dir_symlink_unchecked(dir: &Dir, target: &Path, link: &Path, target_is_dir: bool) -> io::Result<()> {
    cap_symlink(dir, target, link, target_is_dir)
}

/// Windows has no cheaper path than cap-std's: the caller opens every name through it.
pub fn open_plain_name_nofollow(_parent: &Dir, _name: &std::ffi::OsStr) -> Option<io::Result<std::fs::File>> {
    None
}
