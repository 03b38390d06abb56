//! A path resolved for one operation, and the primitive operations on it.
//!
//! Each primitive has two arms: plain OS paths for unconfined filesystems, and `cap-std`
//! (resolution beneath the root handle) for confined ones. Every higher-level operation is
//! written once, on top of these.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use cap_fs_ext::{DirExt, SystemTimeSpec};
use cap_std::fs::{Dir, Metadata};

use super::{platform, Base, FileSystem};
use crate::error::{Error, IoContext, Result};

pub struct Target<'a> {
    fs: &'a FileSystem,
    /// Unconfined: the OS path. Confined: the path relative to the root handle.
    path: PathBuf,
}

/// What to open a file for.
#[derive(Default, Clone, Copy)]
pub struct Open {
    pub read: bool,
    pub write: bool,
    pub append: bool,
    pub create: bool,
    pub create_new: bool,
    pub truncate: bool,
    /// Permission bits for a newly created file (the umask still applies).
    pub mode: Option<u32>,
}

impl<'a> Target<'a> {
    pub(super) fn ambient(fs: &'a FileSystem, path: PathBuf) -> Self {
        Target { fs, path }
    }

    pub(super) fn beneath(fs: &'a FileSystem, rel: PathBuf) -> Self {
        Target { fs, path: rel }
    }

    pub fn fs(&self) -> &'a FileSystem {
        self.fs
    }

    /// The path as shown to users (absolute when the filesystem has a root).
    pub fn shown(&self) -> PathBuf {
        match self.fs.base {
            Base::Ambient => self.path.clone(),
            Base::Confined(_) => self.fs.display_path(&self.path),
        }
    }

    /// The path this target has relative to the root handle (confined) or the OS (unconfined).
    pub(crate) fn raw_path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: impl AsRef<Path>) -> Target<'a> {
        Target { fs: self.fs, path: self.path.join(name) }
    }

    pub fn file_name(&self) -> Option<OsString> {
        self.path.file_name().map(|n| n.to_os_string())
    }

    /// The containing directory, if the path has a final named component.
    pub fn parent(&self) -> Option<Target<'a>> {
        self.path.file_name()?;
        let parent = self.path.parent()?;
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        Some(Target { fs: self.fs, path: parent.to_path_buf() })
    }

    fn handle(&self) -> Option<&'a Dir> {
        self.fs.confined_dir()
    }

    pub fn metadata(&self, op: &'static str, follow: bool) -> Result<Metadata> {
        let syscall = if follow { "stat" } else { "lstat" };
        let md = match self.handle() {
            Some(dir) if follow => dir.metadata(&self.path),
            Some(dir) => dir.symlink_metadata(&self.path),
            None if follow => std::fs::metadata(&self.path).map(Metadata::from_just_metadata),
            None => std::fs::symlink_metadata(&self.path).map(Metadata::from_just_metadata),
        };
        md.ctx(op, syscall, &self.shown())
    }

    /// `lstat` that reports a missing path as `None`.
    pub fn metadata_if_exists(&self, op: &'static str, follow: bool) -> Result<Option<Metadata>> {
        match self.metadata(op, follow) {
            Ok(md) => Ok(Some(md)),
            Err(e) if e.is("ENOENT") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn open(&self, op: &'static str, how: Open) -> Result<std::fs::File> {
        let file = match self.handle() {
            Some(dir) => {
                let mut o = cap_std::fs::OpenOptions::new();
                o.read(how.read)
                    .write(how.write)
                    .append(how.append)
                    .create(how.create)
                    .create_new(how.create_new)
                    .truncate(how.truncate);
                platform::cap_open_mode(&mut o, how.mode);
                dir.open_with(&self.path, &o).map(|f| f.into_std())
            }
            None => {
                let mut o = std::fs::OpenOptions::new();
                o.read(how.read)
                    .write(how.write)
                    .append(how.append)
                    .create(how.create)
                    .create_new(how.create_new)
                    .truncate(how.truncate);
                platform::std_open_mode(&mut o, how.mode);
                o.open(&self.path)
            }
        };
        file.ctx(op, "open", &self.shown())
    }

    pub fn open_read(&self, op: &'static str) -> Result<std::fs::File> {
        self.open(op, Open { read: true, ..Open::default() })
    }

    /// Open a directory handle; the final component is followed only when `follow` is set.
    pub fn open_dir(&self, op: &'static str, follow: bool) -> Result<Dir> {
        let dir = match self.handle() {
            Some(dir) if follow => dir.open_dir(&self.path),
            Some(dir) => dir.open_dir_nofollow(&self.path),
            None if follow => Dir::open_ambient_dir(&self.path, cap_std::ambient_authority()),
            None => {
                // Open the parent (following), then the last component without following.
                match (self.path.parent(), self.path.file_name()) {
                    (Some(parent), Some(name)) => {
                        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
                        Dir::open_ambient_dir(parent, cap_std::ambient_authority())
                            .and_then(|p| p.open_dir_nofollow(name))
                    }
                    _ => Dir::open_ambient_dir(&self.path, cap_std::ambient_authority()),
                }
            }
        };
        dir.ctx(op, "opendir", &self.shown())
    }

    pub fn create_dir(&self, op: &'static str) -> Result<()> {
        match self.handle() {
            Some(dir) => dir.create_dir(&self.path),
            None => std::fs::create_dir(&self.path),
        }
        .ctx(op, "mkdir", &self.shown())
    }

    /// `mkdir -p`: an existing directory is fine; a non-directory in the way is ENOTDIR.
    pub fn create_dir_all(&self, op: &'static str) -> Result<()> {
        let res = match self.handle() {
            Some(dir) => dir.create_dir_all(&self.path),
            None => std::fs::create_dir_all(&self.path),
        };
        match res {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match self.metadata(op, true) {
                Ok(md) if md.is_dir() => Ok(()),
                Ok(_) => {
                    Err(Error::io(io::Error::from_raw_os_error(platform::ENOTDIR), op, "mkdir").path(self.shown()))
                }
                Err(e) => Err(e),
            },
            other => other.ctx(op, "mkdir", &self.shown()),
        }
    }

    /// Create the parent directories of this path if they are missing.
    pub fn create_parents(&self, op: &'static str) -> Result<()> {
        match self.parent() {
            Some(parent) if parent.path != Path::new(".") && parent.path != Path::new("/") => parent.create_dir_all(op),
            _ => Ok(()),
        }
    }

    /// Unlink a file or a symbolic link (never what it points to).
    pub fn remove_file(&self, op: &'static str) -> Result<()> {
        match self.handle() {
            Some(dir) => dir.remove_file_or_symlink(&self.path),
            None => std::fs::remove_file(&self.path),
        }
        .ctx(op, "unlink", &self.shown())
    }

    pub fn remove_dir(&self, op: &'static str) -> Result<()> {
        match self.handle() {
            Some(dir) => dir.remove_dir(&self.path),
            None => std::fs::remove_dir(&self.path),
        }
        .ctx(op, "rmdir", &self.shown())
    }

    /// Remove a directory tree without following any symbolic link inside it.
    pub fn remove_dir_all(&self, op: &'static str) -> Result<()> {
        match self.handle() {
            Some(dir) => dir.remove_dir_all(&self.path),
            None => std::fs::remove_dir_all(&self.path),
        }
        .ctx(op, "rmdir", &self.shown())
    }

    /// `rename(2)` this path to `dest` (same filesystem instance).
    pub fn rename_to(&self, op: &'static str, dest: &Target) -> Result<()> {
        match self.handle() {
            Some(dir) => dir.rename(&self.path, dir, &dest.path),
            None => std::fs::rename(&self.path, &dest.path),
        }
        .ctx2(op, "rename", &self.shown(), &dest.shown())
    }

    /// Create a symbolic link at this path pointing to `target` (stored verbatim).
    pub fn symlink(&self, op: &'static str, target: &Path, target_is_dir: bool) -> Result<()> {
        match self.handle() {
            Some(dir) => platform::cap_symlink(dir, target, &self.path, target_is_dir),
            None => platform::std_symlink(target, &self.path, target_is_dir),
        }
        .ctx2(op, "symlink", target, &self.shown())
    }

    pub fn read_link(&self, op: &'static str) -> Result<PathBuf> {
        match self.handle() {
            Some(dir) => dir.read_link_contents(&self.path),
            None => std::fs::read_link(&self.path),
        }
        .ctx(op, "readlink", &self.shown())
    }

    /// Set permission bits, following a final symbolic link.
    pub fn set_mode(&self, op: &'static str, mode: u32) -> Result<()> {
        match self.handle() {
            Some(dir) => platform::cap_set_mode(dir, &self.path, mode),
            None => platform::std_set_mode(&self.path, mode),
        }
        .ctx(op, "chmod", &self.shown())
    }

    /// Set access and modification times, following a final symbolic link.
    pub fn set_times(&self, op: &'static str, atime: SystemTimeSpec, mtime: SystemTimeSpec) -> Result<()> {
        let res = match self.handle() {
            // Resolve beneath the root, then act on the link-free path without following and
            // without opening it (cap-std's set_times opens for writing: a FIFO would block).
            Some(dir) => dir
                .canonicalize(&self.path)
                .and_then(|real| dir.set_symlink_times(non_empty(&real), Some(atime), Some(mtime))),
            None => platform::ambient_set_times(&self.path, atime, mtime),
        };
        res.ctx(op, "utime", &self.shown())
    }

    /// Whether the caller may access the path in the given way (access(2); never opens it).
    pub fn access(&self, op: &'static str, how: cap_fs_ext::AccessType) -> Result<bool> {
        let res = match self.handle() {
            // cap-std's `access` resolves only the parent beneath the root and lets
            // faccessat(2) follow a final link anywhere; resolve the whole path beneath the
            // root first and test the link-free result without following.
            Some(dir) => dir.canonicalize(&self.path).and_then(|real| dir.access_symlink(non_empty(&real), how)),
            None => platform::ambient_access(&self.path, how),
        };
        match res {
            Ok(()) => Ok(true),
            Err(e) => {
                let e = Error::io(e, op, "access").path(self.shown());
                if e.is("ENOENT")
                    || e.is("EACCES")
                    || e.is("EPERM")
                    || e.is("EROFS")
                    || e.is("ENOTDIR")
                    || e.is("ELOOP")
                {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// This path with symbolic links resolved (beneath the root when confined).
    pub fn canonical(&self, op: &'static str) -> Result<Target<'a>> {
        let path = match self.handle() {
            Some(dir) => dir.canonicalize(&self.path),
            None => std::fs::canonicalize(&self.path),
        }
        .ctx(op, "realpath", &self.shown())?;
        Ok(Target { fs: self.fs, path })
    }

    /// `md` is this path's `lstat`, so however the root is spelled (`.`, `a/..`, its absolute
    /// path) it is recognised by device and inode.
    pub fn is_root(&self, md: &Metadata) -> bool {
        let is_fs_root = self.path.has_root() && self.path.parent().is_none();
        is_fs_root || self.fs.root_id == Some(platform::file_id(md))
    }
}

/// cap-std spells the root itself as an empty path; its `*at` calls want `.`.
fn non_empty(p: &Path) -> &Path {
    if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    }
}
