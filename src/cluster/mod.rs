//! Supervised worker processes with a framed control channel.
//!
//! [`Cluster::start`] spawns `workers` processes (normally Node running an entry script) from a
//! dedicated supervisor thread and keeps them running: a crashed worker is replaced at once and
//! then with exponential backoff until a restart budget is spent; a worker that misses its
//! heartbeats is killed and replaced; one that outgrows its memory limit is replaced gracefully.
//! Each worker talks to the manager over one end of a socketpair inherited as fd 4 (no path on
//! disk, so nothing else can connect) using the frames of [`frame`]. With `listen`, the manager
//! binds one listening socket and every worker inherits it as fd 3, so restarts and rolling
//! reloads never refuse a connection: the socket and its backlog outlive any single worker.
//!
//! What happens is reported through an [`EventSink`] as [`Event`]s, in order.
//!
//! Layout: `frame` (wire format), `policy` (backoff, budget, hang detection), `memory` (memory
//! limit and CPU share), `channel` (one worker's socket: batched writes, backpressure),
//! `worker` (the task that runs beside one worker process), `manager` (the supervisor),
//! `listener` (the shared port), `process_linux` (spawning, pidfds, procfs).

pub mod frame;
pub mod memory;
pub mod policy;

#[cfg(target_os = "linux")]
mod channel;
#[cfg(target_os = "linux")]
mod listener;
#[cfg(target_os = "linux")]
mod manager;
#[cfg(target_os = "linux")]
#[path = "process_linux.rs"]
mod os;
#[cfg(target_os = "linux")]
mod worker;

#[cfg(not(target_os = "linux"))]
#[path = "manager_other.rs"]
mod manager;

pub use manager::Cluster;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use memory::MemoryPolicy;
use policy::RestartPolicy;

/// The fd number of the shared listening socket in a worker.
pub const LISTEN_FD: i32 = 3;
/// The fd number of the control channel in a worker.
pub const CHANNEL_FD: i32 = 4;

/// Everything the manager needs; `lib/cluster.js` fills in the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// The program to run (Node's own executable by default).
    pub program: PathBuf,
    /// Its arguments: execArgv, the entry script, then the script's arguments.
    pub args: Vec<String>,
    /// Processes kept booted and waiting, so that a slot that needs a new process (after a
    /// crash, a reload, a memory restart) gets one that has already started instead of
    /// waiting for a cold start. 0: none.
    pub spares: u32,
    /// The arguments of a spare: like `args`, with a bootstrap script before the entry that
    /// waits for [`frame::Tag::Activate`] and then runs the entry as the main module.
    pub spare_args: Vec<String>,
    /// Added to (or overriding) the manager's environment.
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    /// `None`: the CPUs this process may use (cgroup quota and affinity respected).
    pub workers: Option<u32>,
    pub listen: Option<Listen>,
    /// Discard the workers' stdout and stderr instead of sharing the manager's.
    pub silent: bool,
    /// How often workers send heartbeats (passed to them in the environment).
    pub heartbeat_interval: Duration,
    pub heartbeat_timeout: Option<Duration>,
    pub ready_timeout: Option<Duration>,
    pub restart: RestartPolicy,
    pub memory: MemoryPolicy,
    /// How often RSS and CPU are sampled.
    pub sample_interval: Duration,
    pub max_frame: usize,
    /// Grace period for workers stopped by reloads and memory restarts.
    pub stop_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Listen {
    pub host: String,
    pub port: u16,
    pub backlog: i32,
}

/// The CPUs available to this process: cgroup quota and affinity respected.
pub fn available_parallelism() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// Spawned, not yet ready.
    Starting,
    Ready,
    /// Asked to shut down.
    Stopping,
    /// Crashed; waiting out the restart delay.
    Backoff,
    /// The restart budget is spent; the slot stays empty until the next reload.
    Failed,
    Stopped,
}

impl WorkerState {
    pub fn name(self) -> &'static str {
        match self {
            WorkerState::Starting => "starting",
            WorkerState::Ready => "ready",
            WorkerState::Stopping => "stopping",
            WorkerState::Backoff => "backoff",
            WorkerState::Failed => "failed",
            WorkerState::Stopped => "stopped",
        }
    }
}

/// Why a worker process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// It exited (or was killed) on its own.
    Crash,
    /// It stopped sending heartbeats.
    Heartbeat,
    /// It never said ready.
    ReadyTimeout,
    /// It sent a frame the manager refused.
    Channel,
    /// It was replaced for exceeding the memory limit.
    Memory,
    Reload,
    Stop,
}

impl ExitReason {
    pub fn name(self) -> &'static str {
        match self {
            ExitReason::Crash => "crash",
            ExitReason::Heartbeat => "heartbeat",
            ExitReason::ReadyTimeout => "ready-timeout",
            ExitReason::Channel => "channel",
            ExitReason::Memory => "memory",
            ExitReason::Reload => "reload",
            ExitReason::Stop => "stop",
        }
    }
}

/// One slot of the cluster as `workers()` reports it.
#[derive(Debug, Clone)]
pub struct WorkerInfo {
    pub id: u32,
    pub pid: Option<u32>,
    pub state: WorkerState,
    /// Replacements of this slot so far, for any reason.
    pub restarts: u32,
    /// Resident memory in bytes at the last sample.
    pub rss: u64,
    /// Share of the machine's CPU time over the last sample interval, 0–100.
    pub cpu: f64,
    /// Seconds since the current process started.
    pub uptime: f64,
}

/// Asynchronous operations whose completion is reported as [`Event::Done`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Start,
    Reload,
}

/// Something that happened, in the order it happened.
#[derive(Debug)]
pub enum Event {
    /// A worker process was spawned.
    Online {
        id: u32,
        pid: u32,
    },
    Ready {
        id: u32,
        pid: u32,
    },
    /// User messages from a worker: whole frames as they came on the wire (JSON or binary).
    Messages {
        id: u32,
        pid: u32,
        frames: Vec<u8>,
        credit: Credit,
    },
    Exit {
        id: u32,
        pid: u32,
        code: Option<i32>,
        signal: Option<String>,
        reason: ExitReason,
    },
    /// A replacement for a crashed worker is scheduled after `delay`.
    Restart {
        id: u32,
        pid: u32,
        delay: Duration,
        restarts: u32,
        reason: ExitReason,
    },
    /// The slot's restart budget is spent.
    Failed {
        id: u32,
        restarts: u32,
    },
    Memory {
        id: u32,
        pid: u32,
        rss: u64,
        limit: u64,
        action: memory::MemoryAction,
    },
    Error {
        id: Option<u32>,
        pid: Option<u32>,
        error: Error,
    },
    /// The worker's outgoing queue, once over the high-water mark, is empty again.
    Drain {
        id: u32,
    },
    Done {
        op: Op,
        seq: u32,
        result: Result<(), Error>,
    },
    /// The supervisor has ended (after `stop`, a failed start, or an internal error): every
    /// worker is gone and no further event follows.
    Closed,
    /// Not for JS listeners: the worker is ready and the thread that receives events may read
    /// its channel from now on (see [`ChannelReader`]).
    Attach {
        reader: Arc<dyn ChannelReader>,
    },
}

/// The read side of one worker's channel, offered to the thread that receives the events so it
/// can read the channel from its own event loop: then a worker's message wakes only that
/// thread. Reading is shared: whoever reads delivers in order, and the supervisor still reads
/// where that thread cannot (after an exit, at a heartbeat deadline).
pub trait ChannelReader: Send + Sync {
    /// The descriptor to poll for readability (open for as long as the reader lives).
    fn fd(&self) -> i32;
    /// Read what is there and deliver it as events; false once nothing more will come (stop
    /// polling).
    fn pump(&self) -> bool;
    /// The caller polls the descriptor from now on: the supervisor stops watching it.
    fn attach(&self);
    /// The caller stopped polling: the supervisor watches the descriptor again.
    fn detach(&self);
}

impl fmt::Debug for dyn ChannelReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelReader(fd {})", self.fd())
    }
}

/// Where events go. `emit` returns false once nobody can receive them any more.
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: Event) -> bool;
}

/// Bytes read from workers but not yet handed to JS; reading pauses above [`Flow::LIMIT`] so a
/// slow consumer makes workers wait (their sends return false) instead of growing memory.
#[derive(Debug, Default)]
pub struct Flow {
    undelivered: AtomicUsize,
    below: tokio::sync::Notify,
}

// Only the Linux supervisor reads from workers.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl Flow {
    pub const LIMIT: usize = 64 * 1024 * 1024;

    fn credit(self: &Arc<Self>, bytes: usize) -> Credit {
        self.undelivered.fetch_add(bytes, Ordering::AcqRel);
        Credit { flow: Arc::clone(self), bytes }
    }

    fn over(&self) -> bool {
        self.undelivered.load(Ordering::Acquire) > Self::LIMIT
    }

    /// Resolves once the undelivered bytes are at or below the limit.
    async fn below_limit(&self) {
        loop {
            let notified = self.below.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.over() {
                return;
            }
            notified.await;
        }
    }
}

/// Accounts for undelivered message bytes until dropped (when the event reached JS, or was
/// discarded).
#[derive(Debug)]
pub struct Credit {
    flow: Arc<Flow>,
    bytes: usize,
}

impl Drop for Credit {
    fn drop(&mut self) {
        let before = self.flow.undelivered.fetch_sub(self.bytes, Ordering::AcqRel);
        if before > Flow::LIMIT && before - self.bytes <= Flow::LIMIT {
            self.flow.below.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn credits_account_for_undelivered_bytes_until_dropped() {
        let flow = Arc::new(Flow::default());
        let big = flow.credit(Flow::LIMIT);
        assert!(!flow.over(), "at the limit is not over it");
        let more = flow.credit(1);
        assert!(flow.over());
        let waiter = tokio::spawn({
            let flow = Arc::clone(&flow);
            async move { flow.below_limit().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "reading stays paused while over the limit");
        drop(big);
        tokio::time::timeout(Duration::from_secs(5), waiter).await.unwrap().unwrap();
        drop(more);
        assert_eq!(flow.undelivered.load(Ordering::Acquire), 0);
    }
}
