//! The one error type of the core.
//!
//! Every failure inside the addon becomes an [`Error`] carrying what a Node user expects to find
//! on a `node:fs` error: a `code` (`ENOENT`, … or `ERR_XSYS_*`), the negative `errno`, the
//! `syscall` that failed, and the `path`/`dest` it failed on. The binding layer turns it into a
//! JS `Error` (or `TypeError`/`RangeError`/`SyntaxError`) in one place; nothing else in the core
//! knows about JS.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
#[path = "error_unix.rs"]
mod os;
#[cfg(windows)]
#[path = "error_windows.rs"]
mod os;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which JS error class the boundary should construct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsClass {
    Error,
    TypeError,
    RangeError,
    SyntaxError,
}

/// A failure, described the way Node describes filesystem errors. Boxed, so a `Result` costs
/// one pointer on its error side; the fields are reached through `Deref`.
#[derive(Clone)]
pub struct Error(Box<ErrorInfo>);

impl std::ops::Deref for Error {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What an [`Error`] says.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// `ENOENT`, `EACCES`, … or `ERR_XSYS_*`.
    pub code: Cow<'static, str>,
    /// Negative OS error number, as Node reports it (`-2` for ENOENT on Linux).
    pub errno: Option<i32>,
    /// The system call that failed (`open`, `rename`, …).
    pub syscall: Option<&'static str>,
    /// The operation the user asked for (`read`, `copy`, …); named in the message.
    pub op: &'static str,
    pub path: Option<PathBuf>,
    pub dest: Option<PathBuf>,
    /// Human description without the code or the path (`no such file or directory`).
    pub description: String,
    pub class: JsClass,
    /// An actionable hint (`raise fs.inotify.max_user_watches …`), appended to the message.
    pub hint: Option<String>,
}

pub const OUTSIDE_ROOT: &str = "ERR_XSYS_OUTSIDE_ROOT";
pub const PANIC: &str = "ERR_XSYS_PANIC";

impl Error {
    pub fn new(code: impl Into<Cow<'static, str>>, op: &'static str, description: impl Into<String>) -> Self {
        Error(Box::new(ErrorInfo {
            code: code.into(),
            errno: None,
            syscall: None,
            op,
            path: None,
            dest: None,
            description: description.into(),
            class: JsClass::Error,
            hint: None,
        }))
    }

    /// An OS error raised by `syscall` while performing `op`.
    pub fn io(err: io::Error, op: &'static str, syscall: &'static str) -> Self {
        if is_escape_attempt(&err) {
            return Error::new(OUTSIDE_ROOT, op, "path resolves outside the root").syscall(syscall);
        }
        let (code, errno, description) = os::describe(&err);
        Error(Box::new(ErrorInfo {
            code,
            errno,
            syscall: Some(syscall),
            op,
            path: None,
            dest: None,
            description,
            class: JsClass::Error,
            hint: None,
        }))
    }

    /// A raw OS error number (as returned by libc calls).
    #[cfg(unix)]
    pub fn errno(errno: i32, op: &'static str, syscall: &'static str) -> Self {
        Error::io(io::Error::from_raw_os_error(errno), op, syscall)
    }

    pub fn invalid_arg(op: &'static str, description: impl Into<String>) -> Self {
        Error::new("ERR_INVALID_ARG_VALUE", op, description).class(JsClass::TypeError)
    }

    pub fn out_of_range(op: &'static str, description: impl Into<String>) -> Self {
        Error::new("ERR_OUT_OF_RANGE", op, description).class(JsClass::RangeError)
    }

    pub fn outside_root(op: &'static str, path: impl Into<PathBuf>) -> Self {
        Error::new(OUTSIDE_ROOT, op, "path resolves outside the root").path(path)
    }

    pub fn panic(op: &'static str, payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".to_string());
        Error::new(PANIC, op, format!("internal error (panic): {what}"))
    }

    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn dest(mut self, dest: impl Into<PathBuf>) -> Self {
        self.dest = Some(dest.into());
        self
    }

    pub fn syscall(mut self, syscall: &'static str) -> Self {
        self.syscall = Some(syscall);
        self
    }

    pub fn class(mut self, class: JsClass) -> Self {
        self.class = class;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this is the OS error `code` (e.g. `"ENOENT"`).
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }

    /// The message shown to users: `ENOENT: no such file or directory, read '/a/b'` for
    /// system errors (Node's form), `chmod: invalid mode 'q+r'` for argument errors.
    pub fn message(&self) -> String {
        let mut m = match self.class {
            JsClass::Error => format!("{}: {}, {}", self.code, self.description, self.op),
            _ => format!("{}: {}", self.op, self.description),
        };
        if let Some(p) = &self.path {
            m.push_str(&format!(" '{}'", p.display()));
        }
        if let Some(d) = &self.dest {
            m.push_str(&format!(" -> '{}'", d.display()));
        }
        if let Some(h) = &self.hint {
            m.push_str(&format!(" ({h})"));
        }
        m
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

/// cap-std reports a path that would leave its directory as a synthetic PermissionDenied error
/// with no OS error number; nothing else produces that combination.
fn is_escape_attempt(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::PermissionDenied
        && err.raw_os_error().is_none()
        && err.to_string().contains("outside of the filesystem")
}

/// Attach operation context to `io::Result`s: `.ctx("read", "open", &path)?`.
pub trait IoContext<T> {
    fn ctx(self, op: &'static str, syscall: &'static str, path: &Path) -> Result<T>;
    fn ctx2(self, op: &'static str, syscall: &'static str, path: &Path, dest: &Path) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn ctx(self, op: &'static str, syscall: &'static str, path: &Path) -> Result<T> {
        self.map_err(|e| Error::io(e, op, syscall).path(path))
    }
    fn ctx2(self, op: &'static str, syscall: &'static str, path: &Path, dest: &Path) -> Result<T> {
        self.map_err(|e| Error::io(e, op, syscall).path(path).dest(dest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enoent_is_described_like_node() {
        let e = Error::io(io::Error::from(io::ErrorKind::NotFound), "read", "open").path("/x/y");
        assert_eq!(e.code, "ENOENT");
        assert_eq!(e.message(), "ENOENT: no such file or directory, read '/x/y'");
    }

    #[cfg(unix)]
    #[test]
    fn raw_os_errors_keep_their_negative_errno() {
        let e = Error::errno(libc::EACCES, "write", "open");
        assert_eq!(e.code, "EACCES");
        assert_eq!(e.errno, Some(-libc::EACCES));
        assert_eq!(e.syscall, Some("open"));
    }

    #[test]
    fn escape_attempts_become_outside_root() {
        let synthetic = io::Error::new(io::ErrorKind::PermissionDenied, "a path led outside of the filesystem");
        assert_eq!(Error::io(synthetic, "stats", "statx").code, OUTSIDE_ROOT);
    }

    #[test]
    fn messages_name_operation_path_and_dest() {
        let e = Error::new("EXDEV", "move", "cross-device link not permitted").path("/a").dest("/b");
        assert_eq!(e.message(), "EXDEV: cross-device link not permitted, move '/a' -> '/b'");
    }

    #[test]
    fn panic_payloads_are_reported() {
        let e = Error::panic("x", &"boom");
        assert_eq!(e.code, PANIC);
        assert!(e.description.contains("boom"));
    }
}
