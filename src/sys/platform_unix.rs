//! The POSIX calls `sys` makes itself: kill(2) and getpwuid_r(3).

use std::ffi::CStr;
use std::io;

use super::user::UserInfo;
use crate::error::{Error, Result};

/// kill(2). `pid` must be a single process: 0 and negative values address process groups.
pub fn send_signal(pid: u32, signal: i32) -> Result<()> {
    let pid = libc::pid_t::try_from(pid).ok().filter(|&p| p > 0).ok_or_else(|| {
        Error::out_of_range("kill", format!("pid must be >= 1 and <= {}, got {pid}", libc::pid_t::MAX))
    })?;
    // SAFETY: kill takes plain integers and touches no memory of ours.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(Error::io(io::Error::last_os_error(), "kill", "kill"))
    }
}

struct PasswdEntry {
    name: String,
    gid: u32,
    home: String,
    shell: String,
}

/// The effective user, as `os.userInfo()` reports it.
pub fn current_user() -> UserInfo {
    // SAFETY: geteuid/getegid cannot fail.
    let (uid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    match passwd_entry(uid) {
        Some(p) => {
            UserInfo { name: Some(p.name), uid: Some(uid), gid: Some(p.gid), home: Some(p.home), shell: Some(p.shell) }
        }
        // A uid with no entry (common in containers run with --user 12345).
        None => UserInfo {
            name: std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok(),
            uid: Some(uid),
            gid: Some(egid),
            home: dirs::home_dir().map(|h| h.to_string_lossy().into_owned()),
            shell: std::env::var("SHELL").ok(),
        },
    }
}

fn passwd_entry(uid: libc::uid_t) -> Option<PasswdEntry> {
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: `pwd` and `buf` outlive the call; getpwuid_r writes strings into `buf` and
        // pointers to them into `pwd`, and sets `result` to `&pwd` on success.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut result);
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            let text = |p: *const libc::c_char| {
                if p.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(p).to_string_lossy().into_owned()
                }
            };
            return Some(PasswdEntry {
                name: text(pwd.pw_name),
                gid: pwd.pw_gid,
                home: text(pwd.pw_dir),
                shell: text(pwd.pw_shell),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_zero_probes_a_live_process() {
        send_signal(std::process::id(), 0).unwrap();
    }

    #[test]
    fn process_groups_are_refused() {
        assert_eq!(send_signal(0, 0).unwrap_err().code, "ERR_OUT_OF_RANGE");
        assert_eq!(send_signal(u32::MAX, 0).unwrap_err().code, "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn a_missing_process_is_esrch() {
        let e = send_signal(libc::pid_t::MAX as u32, 0).unwrap_err();
        assert_eq!((e.code.as_ref(), e.syscall), ("ESRCH", Some("kill")));
    }

    #[test]
    fn the_current_user_has_our_uid() {
        let u = current_user();
        assert_eq!(u.uid, Some(unsafe { libc::geteuid() }));
    }
}
