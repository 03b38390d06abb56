//! Linux `/proc` shortcuts for questions that need no full process scan.

/// Processes (thread-group leaders: `/proc` lists no thread ids) in one directory read.
pub fn count_processes() -> Option<usize> {
    let dir = std::fs::read_dir("/proc").ok()?;
    Some(
        dir.flatten().filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))).count(),
    )
}

/// `/proc/<tid>` exists for every thread although `/proc` does not list it: a thread's
/// `Tgid` (its process) differs from its own id.
pub fn is_thread_of_another_process(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return false };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse::<u32>().ok())
        .is_some_and(|tgid| tgid != pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_not_a_thread_but_a_thread_of_it_is() {
        assert!(!is_thread_of_another_process(std::process::id()));
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            tx.send(unsafe { libc::gettid() } as u32).unwrap();
            let _ = done_rx.recv();
        });
        assert!(is_thread_of_another_process(rx.recv().unwrap()));
        done_tx.send(()).unwrap();
        t.join().unwrap();
    }

    #[test]
    fn processes_are_counted() {
        assert!(count_processes().unwrap() >= 1);
    }
}
