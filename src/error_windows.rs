//! io::Error → Node code and description, for Windows. Node reports libuv's negative error
//! numbers there (`UV_ENOENT` = -4058, …), so those are what `errno` carries.

use std::borrow::Cow;
use std::io;

pub(super) fn describe(err: &io::Error) -> (Cow<'static, str>, Option<i32>, String) {
    use io::ErrorKind::*;
    let (code, uv, text) = match err.kind() {
        NotFound => ("ENOENT", -4058, "no such file or directory"),
        PermissionDenied => ("EPERM", -4048, "operation not permitted"),
        AlreadyExists => ("EEXIST", -4075, "file already exists"),
        NotADirectory => ("ENOTDIR", -4052, "not a directory"),
        IsADirectory => ("EISDIR", -4068, "illegal operation on a directory"),
        DirectoryNotEmpty => ("ENOTEMPTY", -4051, "directory not empty"),
        CrossesDevices => ("EXDEV", -4037, "cross-device link not permitted"),
        InvalidInput => ("EINVAL", -4071, "invalid argument"),
        ReadOnlyFilesystem => ("EROFS", -4036, "read-only file system"),
        StorageFull => ("ENOSPC", -4055, "no space left on device"),
        ResourceBusy => ("EBUSY", -4082, "resource busy or locked"),
        InvalidFilename => ("ENAMETOOLONG", -4064, "name too long"),
        BrokenPipe => ("EPIPE", -4047, "broken pipe"),
        _ => return (Cow::Borrowed("EIO"), Some(-4070), err.to_string()),
    };
    (Cow::Borrowed(code), Some(uv), text.to_string())
}
