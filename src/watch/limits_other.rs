//! Watch limits on systems without inotify: nothing to name beyond the OS error itself.

use std::io;
use std::path::Path;

use crate::error::Error;

pub fn watch_limit(path: &Path) -> Error {
    Error::new("ENOSPC", "watch", "too many watched files").syscall("watch").path(path)
}

pub fn instance_error(err: io::Error) -> Error {
    Error::io(err, "watch", "watch")
}
