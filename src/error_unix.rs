//! errno → Node code and libuv-style description, for Unix.

use std::borrow::Cow;
use std::io;

macro_rules! errno_table {
    ($($name:ident => $text:literal),* $(,)?) => {
        fn lookup(errno: i32) -> Option<(&'static str, &'static str)> {
            $( if errno == libc::$name { return Some((stringify!($name), $text)); } )*
            None
        }
    };
}

// Descriptions follow libuv's wording, which is what Node prints.
errno_table! {
    ENOENT => "no such file or directory",
    EACCES => "permission denied",
    EPERM => "operation not permitted",
    EEXIST => "file already exists",
    ENOTDIR => "not a directory",
    EISDIR => "illegal operation on a directory",
    ENOTEMPTY => "directory not empty",
    EXDEV => "cross-device link not permitted",
    ELOOP => "too many symbolic links encountered",
    EINVAL => "invalid argument",
    EMFILE => "too many open files",
    ENFILE => "file table overflow",
    ENOSPC => "no space left on device",
    EROFS => "read-only file system",
    EBUSY => "resource busy or locked",
    ENAMETOOLONG => "name too long",
    EBADF => "bad file descriptor",
    EAGAIN => "resource temporarily unavailable",
    EIO => "i/o error",
    ETXTBSY => "text file is busy",
    EFBIG => "file too large",
    ENODEV => "no such device",
    ENXIO => "no such device or address",
    ESPIPE => "invalid seek",
    EMLINK => "too many links",
    EINTR => "interrupted system call",
    ENOSYS => "function not implemented",
    EOPNOTSUPP => "operation not supported on socket",
    ESRCH => "no such process",
    EPIPE => "broken pipe",
    EDQUOT => "disk quota exceeded",
    ETIMEDOUT => "connection timed out",
    ECONNREFUSED => "connection refused",
    ECONNRESET => "connection reset by peer",
    EADDRINUSE => "address already in use",
    EADDRNOTAVAIL => "address not available",
    ENOMEM => "not enough memory",
    ECHILD => "no child processes",
    EFAULT => "bad address in system call argument",
    ENOTSOCK => "socket operation on non-socket",
    EOVERFLOW => "value too large for defined data type",
}

fn errno_of_kind(kind: io::ErrorKind) -> Option<i32> {
    use io::ErrorKind::*;
    Some(match kind {
        NotFound => libc::ENOENT,
        PermissionDenied => libc::EACCES,
        AlreadyExists => libc::EEXIST,
        NotADirectory => libc::ENOTDIR,
        IsADirectory => libc::EISDIR,
        DirectoryNotEmpty => libc::ENOTEMPTY,
        CrossesDevices => libc::EXDEV,
        InvalidInput => libc::EINVAL,
        ReadOnlyFilesystem => libc::EROFS,
        StorageFull => libc::ENOSPC,
        ResourceBusy => libc::EBUSY,
        InvalidFilename => libc::ENAMETOOLONG,
        Interrupted => libc::EINTR,
        WouldBlock => libc::EAGAIN,
        BrokenPipe => libc::EPIPE,
        Unsupported => libc::ENOSYS,
        _ => return None,
    })
}

/// `(code, negative errno, description)` for an I/O error.
pub(super) fn describe(err: &io::Error) -> (Cow<'static, str>, Option<i32>, String) {
    let errno = err.raw_os_error().or_else(|| errno_of_kind(err.kind()));
    match errno.and_then(|n| lookup(n).map(|entry| (n, entry))) {
        Some((n, (code, text))) => {
            // A synthetic error (no OS number) may carry a more specific message than the table.
            let description = if err.raw_os_error().is_none() && err.get_ref().is_some() {
                err.to_string()
            } else {
                text.to_string()
            };
            (Cow::Borrowed(code), Some(-n), description)
        }
        None => match errno {
            Some(n) => (Cow::Owned(format!("ERRNO_{n}")), Some(-n), err.to_string()),
            None => (Cow::Borrowed("EIO"), None, err.to_string()),
        },
    }
}
