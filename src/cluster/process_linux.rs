//! Linux: spawning a worker with its inherited descriptors and a parent-death signal, watching
//! it through a pidfd, and sampling its memory and CPU from procfs.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::{CHANNEL_FD, LISTEN_FD};

/// A spawned worker: its pid and a pidfd that becomes readable when it exits and can be
/// signalled without any risk of hitting a recycled pid.
pub struct Child {
    pub pid: u32,
    pub pidfd: OwnedFd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Term,
    Kill,
}

/// How a worker ended: an exit code or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

/// Resident memory and total CPU time of a running process.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub rss: u64,
    pub cpu_seconds: f64,
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A connected pair of stream sockets, both close-on-exec: `(manager end, worker end)`. The
/// manager's end is non-blocking.
pub fn channel_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors socketpair writes.
    cvt(unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) })?;
    // SAFETY: socketpair succeeded, so both are fresh descriptors that we now own.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: plain fcntl on a descriptor we own.
    unsafe {
        let flags = cvt(libc::fcntl(ours.as_raw_fd(), libc::F_GETFL))?;
        cvt(libc::fcntl(ours.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK))?;
    }
    Ok((ours, theirs))
}

/// Mark every descriptor from `first` up close-on-exec. Async-signal-safe (for `pre_exec`).
fn close_on_exec_from(first: RawFd) {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    // SAFETY: close_range with CLOEXEC only changes descriptor flags (Linux 5.11+).
    if unsafe { libc::syscall(libc::SYS_close_range, first as libc::c_uint, libc::c_uint::MAX, CLOSE_RANGE_CLOEXEC) }
        == 0
    {
        return;
    }
    // Older kernels: every possible descriptor, as far as the limit (capped: a failing fcntl on a
    // closed descriptor is cheap, but not free).
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass.
    let max = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur.min(65_536)
    } else {
        4096
    };
    for fd in first..max as RawFd {
        // EBADF for those not open.
        let _ = set_close_on_exec(fd, true);
    }
}

/// Set or clear `fd`'s close-on-exec flag (only writing it when it changes). Async-signal-safe.
fn set_close_on_exec(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: fcntl on any descriptor number only reads or sets its flags.
    unsafe {
        let flags = cvt(libc::fcntl(fd, libc::F_GETFD))?;
        let wanted = if on { flags | libc::FD_CLOEXEC } else { flags & !libc::FD_CLOEXEC };
        if wanted != flags {
            cvt(libc::fcntl(fd, libc::F_SETFD, wanted))?;
        }
    }
    Ok(())
}

/// Start `command` with `channel` as fd 4 and `listener` (if any) as fd 3. The child gets
/// SIGKILL when the thread that spawned it dies, so call this from a long-lived thread:
/// with that and the channel's EOF, no worker outlives its manager.
pub fn spawn(mut command: Command, channel: &OwnedFd, listener: Option<RawFd>) -> io::Result<Child> {
    let channel = channel.as_raw_fd();
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure only makes async-signal-safe calls (fcntl, dup2, close_range,
    // getrlimit, prctl, getppid).
    unsafe {
        command.pre_exec(move || {
            // Move both descriptors out of the way first, so placing one cannot clobber the other.
            let tmp_channel = cvt(libc::fcntl(channel, libc::F_DUPFD_CLOEXEC, 10))?;
            let tmp_listener = match listener {
                Some(fd) => Some(cvt(libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10))?),
                None => None,
            };
            // dup2 clears close-on-exec on the copies the worker keeps.
            cvt(libc::dup2(tmp_channel, CHANNEL_FD))?;
            if let Some(fd) = tmp_listener {
                cvt(libc::dup2(fd, LISTEN_FD))?;
            }
            // Inherited stdout/stderr: Node opens its own 0–2 close-on-exec, which would leave
            // the worker writing to /dev/null.
            for fd in 0..=2 {
                match set_close_on_exec(fd, false) {
                    Err(e) if e.raw_os_error() != Some(libc::EBADF) => return Err(e),
                    _ => {}
                }
            }
            // Nothing else reaches the worker: every other descriptor the manager inherited
            // without close-on-exec gets it (not closed here: the spawner's own error pipe must
            // stay open until exec).
            close_on_exec_from(LISTEN_FD.max(CHANNEL_FD) + 1);
            if listener.is_none() {
                let _ = set_close_on_exec(LISTEN_FD, true);
            }
            cvt(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0))?;
            // The manager may have died before prctl: then no signal will ever come.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let child = command.spawn()?;
    let pid = child.id();
    // The pid cannot be reused before we reap it, so this pidfd names our child for sure.
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if raw < 0 {
        let err = io::Error::last_os_error();
        // Without a pidfd we cannot supervise it: do not leave it running.
        // SAFETY: the child is ours and unreaped, so the pid is still its own.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
            libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
        }
        return Err(err);
    }
    // SAFETY: pidfd_open returned a fresh descriptor that we now own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(raw as RawFd) };
    Ok(Child { pid, pidfd })
}

/// Send a signal through a pidfd. A process that has already exited is not an error.
pub fn signal(pidfd: &OwnedFd, signal: Signal) -> io::Result<()> {
    let sig = match signal {
        Signal::Term => libc::SIGTERM,
        Signal::Kill => libc::SIGKILL,
    };
    // SAFETY: pidfd_send_signal with a valid descriptor, a signal number and no siginfo.
    let ret = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), sig, std::ptr::null::<u8>(), 0) };
    match ret {
        0 => Ok(()),
        _ => match io::Error::last_os_error() {
            e if e.raw_os_error() == Some(libc::ESRCH) => Ok(()),
            e => Err(e),
        },
    }
}

/// Collect the exit status of a child whose pidfd became readable. `None` if it has not exited
/// after all; an unknown status if something else reaped it.
pub fn reap(pid: u32) -> Option<ExitStatus> {
    let mut status = 0;
    // SAFETY: waitpid on our own child with a valid status pointer.
    let ret = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
    match ret {
        0 => None,
        r if r < 0 => Some(ExitStatus::default()),
        _ if libc::WIFEXITED(status) => Some(ExitStatus { code: Some(libc::WEXITSTATUS(status)), signal: None }),
        _ if libc::WIFSIGNALED(status) => Some(ExitStatus { code: None, signal: Some(libc::WTERMSIG(status)) }),
        _ => None,
    }
}

/// RSS and CPU time from `/proc/<pid>/stat`: one small read per worker per sample.
pub fn sample(pid: u32) -> Option<Sample> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text, page_size(), clock_ticks())
}

fn parse_stat(text: &str, page: u64, ticks: f64) -> Option<Sample> {
    // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    // `fields[0]` is field 3 (state): field n is at n - 3.
    let num = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    let (utime, stime, rss_pages) = (num(14)?, num(15)?, num(24)?);
    Some(Sample { rss: rss_pages * page, cpu_seconds: (utime + stime) as f64 / ticks })
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 {
        v as u64
    } else {
        4096
    }
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 {
        v as f64
    } else {
        100.0
    }
}

/// Node's name for a signal number (`SIGTERM`), as `child.signalCode` shows it.
pub fn signal_name(sig: i32) -> String {
    let known = [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGFPE, "SIGFPE"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGXCPU, "SIGXCPU"),
        (libc::SIGXFSZ, "SIGXFSZ"),
        (libc::SIGSYS, "SIGSYS"),
    ];
    known.iter().find(|(n, _)| *n == sig).map(|(_, name)| name.to_string()).unwrap_or_else(|| format!("SIG{sig}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        let line =
            "42 (a) b (c)) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 100 1000000 300 18446744073709551615";
        let s = parse_stat(line, 4096, 100.0).unwrap();
        assert_eq!(s.rss, 300 * 4096);
        assert!((s.cpu_seconds - 3.0).abs() < 1e-9);
    }

    #[test]
    fn our_own_process_can_be_sampled() {
        let s = sample(std::process::id()).unwrap();
        assert!(s.rss > 1024 * 1024);
    }

    #[test]
    fn signal_numbers_have_node_names() {
        assert_eq!(signal_name(libc::SIGKILL), "SIGKILL");
        assert_eq!(signal_name(libc::SIGTERM), "SIGTERM");
    }
}
