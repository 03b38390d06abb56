//! inotify's per-user limits, named in the errors that hit them.
//!
//! `ENOSPC` from `inotify_add_watch` does not mean a full disk, and `EMFILE` from `inotify_init1`
//! is usually not the open-file limit: both are sysctls, and users keep being misled by the
//! standard messages. These errors keep the OS code and say which limit was hit, its current
//! value, and how to raise it.

use std::io;
use std::path::Path;

use crate::error::Error;

/// `inotify_add_watch` failed with `ENOSPC`: the per-user watch limit.
pub fn watch_limit(path: &Path) -> Error {
    let mut e = Error::errno(libc::ENOSPC, "watch", "inotify_add_watch").path(path);
    e.description = "inotify watch limit reached".into();
    e.hint(limit_hint("max_user_watches", "max_inotify_watches", 524_288))
}

/// `inotify_init1` failed: for `EMFILE`, the per-user instance limit unless the process really
/// is out of file descriptors.
pub fn instance_error(err: io::Error) -> Error {
    let emfile = err.raw_os_error() == Some(libc::EMFILE);
    let mut e = Error::io(err, "watch", "inotify_init1");
    if !emfile {
        return e;
    }
    match open_file_limit() {
        Some((open, limit)) if open + 1 >= limit => {
            e.hint(format!("the process has {open} files open and its limit (ulimit -n) is {limit}"))
        }
        _ => {
            e.description = "inotify instance limit reached".into();
            e.hint(limit_hint("max_user_instances", "max_inotify_instances", 1024))
        }
    }
}

fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `fs.inotify.<name> = <value>; raise it with: sysctl -w fs.inotify.<name>=<more>`, naming the
/// user namespace's own limit too when that is the lower one.
fn limit_hint(name: &str, userns_name: &str, suggested: u64) -> String {
    let value = read_number(&format!("/proc/sys/fs/inotify/{name}"));
    let shown = value.map_or_else(|| "unknown".to_string(), |v| v.to_string());
    let more = value.map_or(suggested, |v| (v * 2).max(suggested));
    let mut hint = format!("fs.inotify.{name} = {shown}; raise it with: sysctl -w fs.inotify.{name}={more}");
    if let Some(ns) = read_number(&format!("/proc/sys/user/{userns_name}")) {
        if value.is_none_or(|v| ns < v) {
            hint.push_str(&format!("; this user namespace allows only user.{userns_name} = {ns}"));
        }
    }
    hint
}

/// Open file descriptors and the soft `RLIMIT_NOFILE`.
fn open_file_limit() -> Option<(u64, u64)> {
    let open = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    Some((open, limit.rlim_cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_limit_error_names_the_sysctl_and_its_value() {
        let value = read_number("/proc/sys/fs/inotify/max_user_watches").expect("Linux has this sysctl");
        let e = watch_limit(Path::new("/some/dir"));
        assert_eq!(e.code, "ENOSPC");
        assert_eq!(e.errno, Some(-libc::ENOSPC));
        assert_eq!(e.syscall, Some("inotify_add_watch"));
        let m = e.message();
        assert!(m.starts_with("ENOSPC: inotify watch limit reached, watch '/some/dir'"), "{m}");
        assert!(m.contains(&format!("fs.inotify.max_user_watches = {value}")), "{m}");
    }

    #[test]
    fn emfile_from_inotify_init_names_the_instance_limit() {
        let value = read_number("/proc/sys/fs/inotify/max_user_instances").expect("Linux has this sysctl");
        let e = instance_error(io::Error::from_raw_os_error(libc::EMFILE));
        assert_eq!(e.code, "EMFILE");
        assert_eq!(e.syscall, Some("inotify_init1"));
        assert!(e.message().contains(&format!("fs.inotify.max_user_instances = {value}")), "{}", e.message());
    }

    #[test]
    fn other_errors_pass_through() {
        let e = instance_error(io::Error::from_raw_os_error(libc::ENOMEM));
        assert_eq!(e.code, "ENOMEM");
        assert!(e.hint.is_none());
    }
}
