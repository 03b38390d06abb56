//! Windows: no signals (any signal but 0 terminates, as `process.kill` does) and no passwd.

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::user::UserInfo;
use crate::error::{Error, Result};

pub fn send_signal(pid: u32, signal: i32) -> Result<()> {
    let mut system = System::new().map_err(|e| Error::new("ERR_XSYS_UNSUPPORTED", "kill", e.to_string()))?;
    let key = Pid::from_u32(pid);
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[key]), true, ProcessRefreshKind::nothing());
    let process = system.process(key).ok_or_else(|| Error::new("ESRCH", "kill", "no such process").syscall("kill"))?;
    if signal == 0 || process.kill() {
        Ok(())
    } else {
        Err(Error::new("EPERM", "kill", "operation not permitted").syscall("kill"))
    }
}

pub fn current_user() -> UserInfo {
    UserInfo {
        name: std::env::var("USERNAME").ok(),
        uid: None,
        gid: None,
        home: dirs::home_dir().map(|h| h.to_string_lossy().into_owned()),
        shell: None,
    }
}
