//! Root-aware filesystem operations.
//!
//! A [`FileSystem`] has a root directory and may be *confined* to it. Relative paths resolve
//! against the root. When confined, every path must stay inside the root: `..`, absolute paths
//! and symbolic links met anywhere along the way included. Confinement is enforced by the
//! kernel, not by comparing strings: the root is held open as a directory handle and every path
//! is resolved beneath it (`openat2(RESOLVE_BENEATH)` on Linux, component-by-component
//! `O_NOFOLLOW` walks elsewhere, both via `cap-std`). A directory swapped for a symlink between
//! two calls therefore cannot lead outside.
//!
//! Unconfined instances use plain paths (that is what a Node user gets from `node:fs`), except
//! for tree walks: below the starting directory, walks open each child relative to its parent's
//! handle without following links, in both modes, so a tree operation can never wander out of
//! the tree it was given.

mod hash;
mod listing;
mod mode;
mod query;
mod read;
mod stats;
mod target;
mod tree;
pub mod walk;
mod write;

#[cfg_attr(unix, path = "platform_unix.rs")]
#[cfg_attr(windows, path = "platform_windows.rs")]
pub(crate) mod platform;

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, IoContext, Result};

pub use hash::{hash_reader, Algorithm};
pub use listing::{ListOptions, Listing};
pub use mode::ModeSpec;
pub use query::format_bytes;
pub use query::{Access, SizeReport};
pub use stats::{FileKind, Stats};
pub use target::Target;
pub use tree::{CopyOptions, RemoveOptions};
pub use write::WriteOptions;

/// How paths are resolved.
pub(crate) enum Base {
    /// Plain OS paths; relative ones against `root`, or against the process's current directory
    /// when there is no root.
    Ambient,
    /// Beneath an open handle of the root directory.
    Confined(cap_std::fs::Dir),
}

pub struct FileSystem {
    /// Canonical root, or `None` for "the process's current directory, whatever it is now".
    root: Option<PathBuf>,
    /// The root exactly as given (made absolute), so absolute paths spelled with a symlinked
    /// root (`/tmp/x` when `/tmp` is a link) are recognised as inside it.
    root_as_given: Option<PathBuf>,
    base: Base,
    /// Device and inode of the root, to refuse removing it however it is spelled.
    root_id: Option<(u64, u64)>,
}

impl FileSystem {
    /// A filesystem rooted at the process's current directory, unconfined.
    pub fn cwd() -> Self {
        FileSystem { root: None, root_as_given: None, base: Base::Ambient, root_id: None }
    }

    /// A filesystem rooted at `root`, confined to it when `confine` is true.
    pub fn new(root: &Path, confine: bool) -> Result<Self> {
        const OP: &str = "FileSystem";
        let as_given = std::path::absolute(root).ctx(OP, "realpath", root)?;
        let canonical = std::fs::canonicalize(root).ctx(OP, "realpath", root)?;
        let meta = std::fs::metadata(&canonical).ctx(OP, "stat", &canonical)?;
        if !meta.is_dir() {
            return Err(Error::io(std::io::Error::from_raw_os_error(platform::ENOTDIR), OP, "open").path(&canonical));
        }
        let base = if confine {
            let dir = cap_std::fs::Dir::open_ambient_dir(&canonical, cap_std::ambient_authority())
                .ctx(OP, "open", &canonical)?;
            Base::Confined(dir)
        } else {
            Base::Ambient
        };
        Ok(FileSystem {
            root_id: Some(platform::file_id(&cap_std::fs::Metadata::from_just_metadata(meta))),
            root: Some(canonical),
            root_as_given: Some(as_given),
            base,
        })
    }

    /// The canonical root, if any.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    pub fn is_confined(&self) -> bool {
        matches!(self.base, Base::Confined(_))
    }

    /// Resolve a user-supplied path for operation `op`.
    pub fn resolve(&self, path: &str, op: &'static str) -> Result<Target<'_>> {
        if path.is_empty() {
            return Err(Error::io(std::io::ErrorKind::NotFound.into(), op, "open").path(""));
        }
        if path.contains('\0') {
            return Err(Error::invalid_arg(op, "path must be a string without null bytes").path(path));
        }
        let given = Path::new(path);
        match &self.base {
            Base::Ambient => {
                let full = match &self.root {
                    Some(root) => root.join(given),
                    None => given.to_path_buf(),
                };
                Ok(Target::ambient(self, full))
            }
            Base::Confined(_) => {
                let rel = if given.is_absolute() {
                    self.strip_root(given).ok_or_else(|| Error::outside_root(op, given))?
                } else {
                    given.to_path_buf()
                };
                Ok(Target::beneath(self, rel))
            }
        }
    }

    /// `path` made relative to the root when it starts with the root (canonical or as given).
    fn strip_root(&self, path: &Path) -> Option<PathBuf> {
        [self.root.as_deref(), self.root_as_given.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|root| path.strip_prefix(root).ok())
            .map(|rel| if rel.as_os_str().is_empty() { PathBuf::from(".") } else { rel.to_path_buf() })
    }

    /// Absolute form of a target path for messages and results.
    pub(crate) fn display_path(&self, rel_or_abs: &Path) -> PathBuf {
        match &self.root {
            Some(root) => root.join(rel_or_abs),
            None => rel_or_abs.to_path_buf(),
        }
    }

    fn confined_dir(&self) -> Option<&cap_std::fs::Dir> {
        match &self.base {
            Base::Confined(dir) => Some(dir),
            Base::Ambient => None,
        }
    }
}

/// Lexically normalise a relative path and report whether it stays inside its start
/// (`a/../b` → `b`; `../x` → `None`). Used only to pre-check symlink targets before creating
/// them; following them is checked by the kernel.
pub(crate) fn normalize_beneath(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_beneath_refuses_escapes() {
        assert_eq!(normalize_beneath(Path::new("a/../b")), Some(PathBuf::from("b")));
        assert_eq!(normalize_beneath(Path::new("a/../../b")), None);
        assert_eq!(normalize_beneath(Path::new("/etc")), None);
        assert_eq!(normalize_beneath(Path::new("./a/./b")), Some(PathBuf::from("a/b")));
    }
}
