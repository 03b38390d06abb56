//! Monitors: a thread that samples at a fixed rate until it is stopped, its duration ends, or
//! (for a process monitor) the process goes away.
//!
//! Ticks are measured from the start (`start + n × interval`), so the rate does not drift with
//! sampling time; a tick missed because the machine was busy is skipped, not caught up in a
//! burst. The first sample comes one interval after the start: the CPU usage it reports is then
//! the usage over that interval. Stopping wakes the thread at once (it waits on a condition
//! variable, not in `sleep`), so `close()` returns in microseconds whatever the interval.
//!
//! The original blocked the Node event loop for the whole duration (60 s by default), printed
//! text mixed with JSON, ended silently when the process vanished and panicked on a NaN interval.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::memory::MemoryInfo;
use super::ProcessInfo;
use crate::error::Error;

/// A system monitor tick, XyPriss's `SystemSnapshot`.
#[derive(Debug, Clone, Serialize)]
pub struct SystemSnapshot {
    /// Unix seconds (whole), as in the original.
    pub timestamp: f64,
    /// Unix milliseconds, for intervals under a second.
    pub timestamp_ms: f64,
    /// Percent, all CPUs, over the latest window.
    pub cpu_usage: f64,
    pub memory_used: f64,
    pub memory_total: f64,
    /// Processes (threads not counted).
    pub process_count: u32,
}

impl SystemSnapshot {
    pub fn new(cpu_usage: f64, memory: &MemoryInfo, process_count: usize) -> Self {
        let now_ms = (super::unix_now() * 1000.0).floor();
        SystemSnapshot {
            timestamp: (now_ms / 1000.0).floor(),
            timestamp_ms: now_ms,
            cpu_usage,
            memory_used: memory.used,
            memory_total: memory.total,
            process_count: process_count as u32,
        }
    }
}

/// A process monitor tick: the process's `ProcessInfo` plus when it was taken.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessSnapshot {
    #[serde(flatten)]
    pub process: ProcessInfo,
    pub timestamp: f64,
    pub timestamp_ms: f64,
}

impl ProcessSnapshot {
    /// `None` for a process that has exited but not been reaped yet: it is gone.
    pub fn of(process: ProcessInfo) -> Option<Self> {
        if matches!(process.status.as_str(), "Zombie" | "Dead") {
            return None;
        }
        let now_ms = (super::unix_now() * 1000.0).floor();
        Some(ProcessSnapshot { process, timestamp: (now_ms / 1000.0).floor(), timestamp_ms: now_ms })
    }
}

/// Either kind of snapshot; serialised as the snapshot itself.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Snapshot {
    System(SystemSnapshot),
    Process(ProcessSnapshot),
}

/// What a monitor reports, in order: snapshots, then possibly `Exit` or `Error`, then `End`.
#[derive(Debug)]
pub enum Event<T> {
    Snapshot(T),
    /// The monitored process no longer exists.
    Exit {
        pid: u32,
        timestamp: f64,
    },
    Error(Error),
    /// The monitor stopped by itself (duration over, process gone, error). Not sent after
    /// [`Stop::stop`]: whoever stopped it knows.
    End,
}

/// `{type: "snapshot", data}`, `{type: "exit", pid, timestamp}`,
/// `{type: "error", code, message, errno, syscall}` or `{type: "end"}`.
impl<T: Serialize> Serialize for Event<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        match self {
            Event::Snapshot(data) => {
                m.serialize_entry("type", "snapshot")?;
                m.serialize_entry("data", data)?;
            }
            Event::Exit { pid, timestamp } => {
                m.serialize_entry("type", "exit")?;
                m.serialize_entry("pid", pid)?;
                m.serialize_entry("timestamp", timestamp)?;
            }
            Event::Error(e) => {
                m.serialize_entry("type", "error")?;
                m.serialize_entry("code", e.code.as_ref())?;
                m.serialize_entry("message", &e.message())?;
                m.serialize_entry("errno", &e.errno)?;
                m.serialize_entry("syscall", &e.syscall)?;
            }
            Event::End => m.serialize_entry("type", "end")?,
        }
        m.end()
    }
}

/// The stop signal shared by a monitor thread and its owner.
#[derive(Default)]
pub struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    pub fn new() -> Arc<Stop> {
        Arc::new(Stop::default())
    }

    pub fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Wait until `deadline`; `true` if stopped before (or while) waiting.
    fn wait_until(&self, deadline: Instant) -> bool {
        let mut stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if *stopped {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            stopped = self.wake.wait_timeout(stopped, deadline - now).map_or_else(|p| p.into_inner().0, |(g, _)| g);
        }
    }
}

/// When to sample.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub interval: Duration,
    /// `None`: until stopped.
    pub duration: Option<Duration>,
}

/// A sample: `Ok(None)` means the monitored thing is gone.
pub type Sample<T> = Result<Option<T>, Error>;

/// Run a monitor on the current thread. `emit` returns `false` once nobody can receive events
/// (Node is exiting), which ends the loop. `pid` names the process in an `Exit` event.
pub fn run<T>(
    schedule: Schedule,
    stop: &Stop,
    pid: u32,
    mut sample: impl FnMut() -> Sample<T>,
    mut emit: impl FnMut(Event<T>) -> bool,
) {
    let start = Instant::now();
    let end = schedule.duration.and_then(|d| start.checked_add(d));
    let interval = schedule.interval.max(Duration::from_millis(1));
    let mut tick: u32 = 1;
    loop {
        let Some(next) = interval.checked_mul(tick).and_then(|d| start.checked_add(d)) else {
            emit(Event::End);
            return;
        };
        let finished = end.filter(|&e| next > e);
        if stop.wait_until(finished.unwrap_or(next)) {
            return;
        }
        if finished.is_some() {
            emit(Event::End);
            return;
        }
        let delivered = match sample() {
            Ok(Some(snapshot)) => emit(Event::Snapshot(snapshot)),
            Ok(None) => {
                emit(Event::Exit { pid, timestamp: super::unix_now().floor() });
                emit(Event::End);
                return;
            }
            Err(e) => {
                emit(Event::Error(e));
                emit(Event::End);
                return;
            }
        };
        if !delivered {
            return;
        }
        // Skip ticks that already passed while sampling or while the machine was busy.
        let elapsed_ticks = start.elapsed().as_nanos() / interval.as_nanos().max(1);
        tick = tick.saturating_add(1).max(u32::try_from(elapsed_ticks + 1).unwrap_or(u32::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(events: &[Event<u32>]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Event::Snapshot(n) => format!("s{n}"),
                Event::Exit { pid, .. } => format!("exit{pid}"),
                Event::Error(e) => format!("error:{}", e.code),
                Event::End => "end".into(),
            })
            .collect()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_duration_gives_its_ticks_then_end() {
        let stop = Stop::new();
        let mut n = 0;
        let mut events = Vec::new();
        let started = Instant::now();
        run(
            Schedule { interval: ms(20), duration: Some(ms(100)) },
            &stop,
            0,
            || {
                n += 1;
                Ok(Some(n))
            },
            |e| {
                events.push(e);
                true
            },
        );
        assert_eq!(names(&events), ["s1", "s2", "s3", "s4", "s5", "end"]);
        assert!(started.elapsed() >= ms(100));
    }

    #[test]
    fn a_duration_shorter_than_the_interval_ends_without_snapshots() {
        let mut events = Vec::new();
        run(
            Schedule { interval: ms(1000), duration: Some(ms(30)) },
            &Stop::new(),
            0,
            || Ok(Some(1)),
            |e| {
                events.push(e);
                true
            },
        );
        assert_eq!(names(&events), ["end"]);
    }

    #[test]
    fn stopping_wakes_the_thread_at_once_and_sends_no_end() {
        let stop = Stop::new();
        let stopper = stop.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let started = Instant::now();
        let t = std::thread::spawn(move || {
            let mut events = Vec::new();
            run(
                Schedule { interval: Duration::from_secs(3600), duration: None },
                &stopper,
                0,
                || Ok(Some(1)),
                |e| {
                    events.push(e);
                    true
                },
            );
            tx.send(names(&events)).unwrap();
        });
        std::thread::sleep(ms(20));
        stop.stop();
        t.join().unwrap();
        assert!(rx.recv().unwrap().is_empty());
        assert!(started.elapsed() < Duration::from_secs(60), "an hour-long wait was not interrupted");
    }

    #[test]
    fn a_vanished_process_gives_exit_then_end() {
        let mut left = 2;
        let mut events = Vec::new();
        run(
            Schedule { interval: ms(5), duration: None },
            &Stop::new(),
            42,
            || {
                left -= 1;
                Ok((left > 0).then_some(7))
            },
            |e| {
                events.push(e);
                true
            },
        );
        assert_eq!(names(&events), ["s7", "exit42", "end"]);
    }

    #[test]
    fn an_error_ends_the_monitor() {
        let mut events = Vec::new();
        run(
            Schedule { interval: ms(5), duration: None },
            &Stop::new(),
            0,
            || Err::<Option<u32>, _>(Error::new("EIO", "monitor", "boom")),
            |e| {
                events.push(e);
                true
            },
        );
        assert_eq!(names(&events), ["error:EIO", "end"]);
    }

    #[test]
    fn the_loop_ends_when_events_can_no_longer_be_delivered() {
        let mut samples = 0;
        run(
            Schedule { interval: ms(1), duration: None },
            &Stop::new(),
            0,
            || {
                samples += 1;
                Ok(Some(1))
            },
            |_| false,
        );
        assert_eq!(samples, 1);
    }

    #[test]
    fn missed_ticks_are_skipped_not_bunched() {
        let mut events = Vec::new();
        let mut first = true;
        run(
            Schedule { interval: ms(10), duration: Some(ms(100)) },
            &Stop::new(),
            0,
            || {
                if std::mem::take(&mut first) {
                    std::thread::sleep(ms(55)); // the first sample overruns five ticks
                }
                Ok(Some(1))
            },
            |e| {
                events.push(e);
                true
            },
        );
        let snapshots = events.iter().filter(|e| matches!(e, Event::Snapshot(_))).count();
        assert!(snapshots < 10, "{snapshots} snapshots: missed ticks were caught up");
    }

    #[test]
    fn events_serialise_with_a_type() {
        let json = |e: Event<u32>| serde_json::to_string(&e).unwrap();
        assert_eq!(json(Event::Snapshot(3)), r#"{"type":"snapshot","data":3}"#);
        assert_eq!(json(Event::End), r#"{"type":"end"}"#);
        assert_eq!(json(Event::Exit { pid: 9, timestamp: 1.0 }), r#"{"type":"exit","pid":9,"timestamp":1.0}"#);
        let e = json(Event::Error(Error::new("EIO", "monitor", "boom")));
        assert!(e.starts_with(r#"{"type":"error","code":"EIO","message":"EIO: boom, monitor""#), "{e}");
    }
}
