//! The supervisor: one thread per cluster running a single-threaded tokio runtime. Workers are
//! spawned from this thread (their parent-death signal is tied to it), each gets a
//! [`WorkerTask`], and every decision (restart, replace, stop) is taken here, in one place, from
//! the messages the tasks and the JS side send.
//!
//! Replacements (rolling reloads and memory restarts) run one at a time: spawn the new process,
//! wait until it is ready, promote it, then shut the old one down gracefully and wait for it to
//! exit before the next slot. With a shared port, the listening socket stays open throughout.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::JoinHandle as TaskHandle;

use super::channel::Channel;
use super::frame::{self, Tag};
use super::listener::SharedListener;
use super::memory::{CpuMeter, MemoryAction, MemoryWatch};
use super::os::{self, ExitStatus, Signal};
use super::policy::{Liveness, RestartDecision, RestartHistory};
use super::worker::{Inbox, WorkerTask, KILL_GRACE, SPARE};
use super::{
    available_parallelism, Config, Event, EventSink, ExitReason, Flow, Op, WorkerInfo, WorkerState, CHANNEL_FD,
    LISTEN_FD,
};
use crate::error::{Error, Result};

/// What the supervisor reacts to: requests from JS and reports from worker tasks and timers.
pub(super) enum Msg {
    Stop {
        timeout: Duration,
    },
    Reload {
        seq: u32,
    },
    /// A worker said ready; `ack` is answered once the `ready` event is out.
    Ready {
        key: u64,
        ack: Option<oneshot::Sender<()>>,
    },
    Exited {
        key: u64,
        status: ExitStatus,
        cause: Option<ExitReason>,
    },
    Respawn {
        id: u32,
        epoch: u64,
    },
    /// The wait after a spare's unexpected exit is over: spares may be started again.
    Refill,
}

/// Environment variables of Node's own IPC channel: a manager that is itself a `node:cluster`
/// worker must not pass them on, or its workers would try to use a channel they do not have.
const NODE_IPC_ENV: [&str; 3] = ["NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE", "NODE_UNIQUE_ID"];

/// State shared with the JS thread: where to send, and what `workers()` reports.
struct Shared {
    channels: Mutex<HashMap<u32, Arc<Channel>>>,
    snapshot: Mutex<Vec<Snapshot>>,
}

#[derive(Clone)]
struct Snapshot {
    info: WorkerInfo,
    started: Option<Instant>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running cluster. Dropping it stops the workers at once.
pub struct Cluster {
    tx: UnboundedSender<Msg>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    address: Option<SocketAddr>,
}

impl Cluster {
    /// Bind the shared port (if any) and start the supervisor, which spawns the workers.
    /// `Done { op: Start, seq: start_seq }` follows once all are ready, or with the failure.
    pub fn start(config: Config, sink: Arc<dyn EventSink>, start_seq: u32) -> Result<Cluster> {
        let listener = config.listen.as_ref().map(SharedListener::bind).transpose()?;
        let address = listener.as_ref().map(|l| l.address);
        let (tx, rx) = unbounded_channel();
        let shared = Arc::new(Shared { channels: Mutex::new(HashMap::new()), snapshot: Mutex::new(Vec::new()) });
        let manager_tx = tx.clone();
        let manager_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("xsys-cluster".into())
            .spawn(move || supervise(config, listener, sink, manager_shared, manager_tx, rx, start_seq))
            .map_err(|e| Error::io(e, "cluster", "pthread_create"))?;
        Ok(Cluster { tx, shared, thread: Some(thread), address })
    }

    /// Send whole frames to worker `id`; false when its queue is over the high-water mark.
    pub fn write(&self, id: u32, frames: &[u8]) -> Result<bool> {
        let channel = lock(&self.shared.channels).get(&id).cloned();
        let channel = channel.ok_or_else(|| no_worker(id))?;
        channel.send(frames).map_err(|_| no_worker(id))
    }

    /// Send whole frames to every running worker; returns the ids whose queue is over the mark.
    pub fn broadcast(&self, frames: &[u8]) -> Vec<u32> {
        let channels: Vec<_> = lock(&self.shared.channels).iter().map(|(id, c)| (*id, c.clone())).collect();
        // Every worker gets the frames, even after one reports a full queue.
        channels.into_iter().filter(|(_, c)| !c.send(frames).unwrap_or(true)).map(|(id, _)| id).collect()
    }

    pub fn reload(&self, seq: u32) -> Result<()> {
        self.tx.send(Msg::Reload { seq }).map_err(|_| not_running("reload"))
    }

    /// Ask every worker to shut down; SIGTERM after `timeout`, SIGKILL 2 s later. `Closed`
    /// follows when all have exited.
    pub fn stop(&self, timeout: Duration) {
        let _ = self.tx.send(Msg::Stop { timeout });
    }

    pub fn workers(&self) -> Vec<WorkerInfo> {
        lock(&self.shared.snapshot)
            .iter()
            .map(|s| WorkerInfo { uptime: s.started.map_or(0.0, |t| t.elapsed().as_secs_f64()), ..s.info.clone() })
            .collect()
    }

    pub fn address(&self) -> Option<SocketAddr> {
        self.address
    }

    /// Wait for the supervisor thread, which ends right after `Closed`.
    pub fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop(Duration::ZERO);
        }
    }
}

fn no_worker(id: u32) -> Error {
    Error::new("ERR_XSYS_NO_WORKER", "send", format!("worker {id} is not running"))
}

fn not_running(op: &'static str) -> Error {
    Error::new("ERR_XSYS_NOT_RUNNING", op, "the cluster is not running")
}

fn stopped(op: &'static str) -> Error {
    Error::new("ERR_XSYS_CLUSTER_STOPPED", op, "the cluster was stopped")
}

/// The supervisor thread's body. Whatever happens inside, it ends with `Closed`; a panic is
/// reported as an error event (and the workers die with this thread, by their death signal).
fn supervise(
    config: Config,
    listener: Option<SharedListener>,
    sink: Arc<dyn EventSink>,
    shared: Arc<Shared>,
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    start_seq: u32,
) {
    let run_sink = Arc::clone(&sink);
    let run_shared = Arc::clone(&shared);
    let outcome = catch_unwind(AssertUnwindSafe(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io(e, "cluster", "epoll_create"))?;
        let manager = Manager::new(config, listener, run_sink, run_shared, tx);
        runtime.block_on(manager.run(rx, start_seq));
        Ok::<_, Error>(())
    }));
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(payload) => Some(Error::panic("cluster", payload.as_ref())),
    };
    if let Some(error) = failure {
        sink.emit(Event::Error { id: None, pid: None, error: error.clone() });
        sink.emit(Event::Done { op: Op::Start, seq: start_seq, result: Err(error) });
    }
    lock(&shared.channels).clear();
    for s in lock(&shared.snapshot).iter_mut() {
        if s.info.state != WorkerState::Failed {
            s.info.state = WorkerState::Stopped;
        }
        s.info.pid = None;
        s.started = None;
    }
    sink.emit(Event::Closed);
}

struct Slot {
    current: Option<u64>,
    /// A replacement being started for this slot.
    candidate: Option<u64>,
    state: WorkerState,
    restarts: u32,
    spawned: bool,
    history: RestartHistory,
    /// Bumped to cancel a scheduled respawn.
    epoch: u64,
}

struct Proc {
    /// The slot, or [`SPARE`] while booted and waiting to be handed one (see `Config::spares`).
    id: u32,
    pid: u32,
    pidfd: Arc<OwnedFd>,
    channel: Arc<Channel>,
    inbox: Arc<Inbox>,
    started: Instant,
    ready: bool,
    retiring: Option<ExitReason>,
    escalation: Option<TaskHandle<()>>,
    memory: MemoryWatch,
    cpu: CpuMeter,
    rss: u64,
    cpu_share: f64,
}

impl Proc {
    fn is_spare(&self) -> bool {
        self.id == SPARE
    }
}

struct Replacement {
    id: u32,
    reason: ExitReason,
    /// The `reload()` this belongs to.
    job: Option<u32>,
}

/// The replacement under way; its new process is the slot's `candidate`.
struct Active {
    rep: Replacement,
    /// The process being retired once the candidate took over.
    old: Option<u64>,
}

enum Phase {
    Starting { seq: u32 },
    Running,
    Stopping { start_seq: Option<u32>, failure: Option<Error> },
}

struct Manager {
    config: Config,
    listener: Option<SharedListener>,
    sink: Arc<dyn EventSink>,
    shared: Arc<Shared>,
    tx: UnboundedSender<Msg>,
    flow: Arc<Flow>,
    cores: u32,
    phase: Phase,
    slots: Vec<Slot>,
    procs: HashMap<u64, Proc>,
    next_key: u64,
    queue: VecDeque<Replacement>,
    active: Option<Active>,
    /// Replacements left in each `reload()`.
    jobs: HashMap<u32, usize>,
    /// Unexpected exits of spares, for the same backoff and budget as a slot's.
    spare_history: RestartHistory,
    /// No spare is started until a backoff delay is over (`Msg::Refill`).
    spare_hold: bool,
    /// Spares kept failing: none is started any more.
    spares_off: bool,
}

impl Manager {
    fn new(
        config: Config,
        listener: Option<SharedListener>,
        sink: Arc<dyn EventSink>,
        shared: Arc<Shared>,
        tx: UnboundedSender<Msg>,
    ) -> Self {
        let cores = available_parallelism();
        let count = config.workers.unwrap_or(cores).max(1);
        let slots = (0..count)
            .map(|_| Slot {
                current: None,
                candidate: None,
                state: WorkerState::Starting,
                restarts: 0,
                spawned: false,
                history: RestartHistory::default(),
                epoch: 0,
            })
            .collect();
        Manager {
            config,
            listener,
            sink,
            shared,
            tx,
            flow: Arc::new(Flow::default()),
            cores,
            phase: Phase::Starting { seq: 0 },
            slots,
            procs: HashMap::new(),
            next_key: 0,
            queue: VecDeque::new(),
            active: None,
            jobs: HashMap::new(),
            spare_history: RestartHistory::default(),
            spare_hold: false,
            spares_off: false,
        }
    }

    async fn run(mut self, mut rx: UnboundedReceiver<Msg>, start_seq: u32) {
        self.phase = Phase::Starting { seq: start_seq };
        for id in 0..self.slots.len() as u32 {
            self.spawn_current(id);
        }
        self.publish();
        let mut sampler = tokio::time::interval(self.config.sample_interval);
        sampler.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.finished() {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => self.handle(msg),
                    None => self.begin_stop(Duration::ZERO, None),
                },
                _ = sampler.tick() => self.sample(),
            }
            self.refill_spares();
            self.publish();
        }
        self.finish();
    }

    fn finished(&self) -> bool {
        matches!(self.phase, Phase::Stopping { .. }) && self.procs.is_empty()
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Stop { timeout } => self.begin_stop(timeout, None),
            Msg::Reload { seq } => self.reload(seq),
            Msg::Ready { key, ack } => {
                self.on_ready(key);
                if let Some(ack) = ack {
                    let _ = ack.send(());
                }
            }
            Msg::Exited { key, status, cause } => self.on_exit(key, status, cause),
            Msg::Respawn { id, epoch } => {
                let slot = &self.slots[id as usize];
                if slot.epoch == epoch && slot.current.is_none() && !matches!(self.phase, Phase::Stopping { .. }) {
                    self.spawn_current(id);
                }
            }
            Msg::Refill => self.spare_hold = false,
        }
    }

    // --- spawning ---

    /// The command for worker `id`, or for a spare (`None`), which learns its id when activated.
    fn command(&self, id: Option<u32>) -> Command {
        let c = &self.config;
        let mut cmd = Command::new(&c.program);
        cmd.args(if id.is_some() { &c.args } else { &c.spare_args });
        for name in NODE_IPC_ENV {
            cmd.env_remove(name);
        }
        cmd.envs(c.env.iter().map(|(k, v)| (k, v)));
        match id {
            Some(id) => cmd.env("XYPRISS_WORKER_ID", id.to_string()).env_remove("XYPRISS_SPARE"),
            None => cmd.env_remove("XYPRISS_WORKER_ID").env("XYPRISS_SPARE", "1"),
        };
        cmd.env("XYPRISS_CHANNEL_FD", CHANNEL_FD.to_string())
            .env("XYPRISS_HEARTBEAT_INTERVAL", c.heartbeat_interval.as_millis().to_string())
            .env("XYPRISS_MAX_FRAME", c.max_frame.to_string());
        match self.listener {
            Some(_) => cmd.env("XYPRISS_LISTEN_FD", LISTEN_FD.to_string()),
            None => cmd.env_remove("XYPRISS_LISTEN_FD"),
        };
        if let Some(cwd) = &c.cwd {
            cmd.current_dir(cwd);
        }
        cmd.stdin(Stdio::null());
        if c.silent {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        cmd
    }

    /// Give slot `id` a process, a waiting spare if there is one, and start its task. The
    /// caller records it in the slot, then announces it with [`Manager::online`].
    fn spawn_proc(&mut self, id: u32) -> Result<u64> {
        let key = match self.activate_spare(id) {
            Some(key) => key,
            None => self.spawn_process(Some(id))?,
        };
        let slot = &mut self.slots[id as usize];
        if slot.spawned {
            slot.restarts += 1;
        }
        slot.spawned = true;
        Ok(key)
    }

    /// Emit `online` for a process once the slot records it (a send to its id, made from the
    /// event's listener, must find the new channel).
    fn online(&self, key: u64) {
        if let Some(p) = self.procs.get(&key) {
            self.emit(Event::Online { id: p.id, pid: p.pid });
        }
    }

    /// Spawn a process for slot `id`, or a spare (`None`), and start its task.
    fn spawn_process(&mut self, id: Option<u32>) -> Result<u64> {
        let (ours, theirs) = os::channel_pair().map_err(|e| Error::io(e, "spawn", "socketpair"))?;
        let listener = self.listener.as_ref().map(|l| l.as_raw_fd());
        let child = os::spawn(self.command(id), &theirs, listener)
            .map_err(|e| Error::io(e, "spawn", "spawn").path(&self.config.program))?;
        drop(theirs);
        let key = self.next_key;
        self.next_key += 1;
        let now = Instant::now();
        let channel = Arc::new(Channel::new(ours));
        let pidfd = Arc::new(child.pidfd);
        // A spare has no deadline until it is activated: it is not expected to say ready.
        let liveness = match id {
            Some(_) => self.liveness(now),
            None => Liveness::new(None, None, now),
        };
        let task = WorkerTask {
            key,
            id: id.unwrap_or(SPARE),
            pid: child.pid,
            pidfd: Arc::clone(&pidfd),
            channel: Arc::clone(&channel),
            sink: Arc::clone(&self.sink),
            manager: self.tx.clone(),
            flow: Arc::clone(&self.flow),
            liveness,
            max_frame: self.config.max_frame,
        };
        let inbox = task.spawn();
        self.procs.insert(
            key,
            Proc {
                id: id.unwrap_or(SPARE),
                pid: child.pid,
                pidfd,
                channel,
                inbox,
                started: now,
                ready: false,
                retiring: None,
                escalation: None,
                memory: MemoryWatch::default(),
                cpu: CpuMeter::default(),
                rss: 0,
                cpu_share: 0.0,
            },
        );
        Ok(key)
    }

    /// A worker's deadlines, starting `now`.
    fn liveness(&self, now: Instant) -> Liveness {
        Liveness::new(self.config.ready_timeout, self.config.heartbeat_timeout, now)
    }

    // --- spares ---

    /// Keys of the spares waiting for a slot (not being stopped).
    fn waiting_spares(&self) -> impl Iterator<Item = u64> + '_ {
        self.procs.iter().filter(|(_, p)| p.is_spare() && p.retiring.is_none()).map(|(k, _)| *k)
    }

    /// Hand slot `id` the oldest waiting spare, if any: it runs the entry from now on.
    fn activate_spare(&mut self, id: u32) -> Option<u64> {
        loop {
            let key = self.waiting_spares().min()?;
            let now = Instant::now();
            let liveness = self.liveness(now);
            let p = self.procs.get_mut(&key)?;
            if p.channel.send(&frame::encode(Tag::Activate, &id.to_be_bytes())).is_err() {
                // Unusable (most likely gone already): never pick it again, and make sure it
                // ends, so its exit comes and it does not outlive the cluster.
                p.retiring = Some(ExitReason::Crash);
                let _ = os::signal(&p.pidfd, Signal::Kill);
                continue;
            }
            p.id = id;
            p.started = now;
            p.inbox.activate(id, liveness);
            return Some(key);
        }
    }

    /// Start spares until `config.spares` wait, once the cluster is settled: every slot has
    /// its process ready and no replacement is under way (a spare's start must not slow down
    /// a worker's, and a crash loop must not be fed spares as fast as they boot).
    fn refill_spares(&mut self) {
        if self.spares_off || self.spare_hold || !matches!(self.phase, Phase::Running) {
            return;
        }
        if self.active.is_some()
            || !self.queue.is_empty()
            || self.slots.iter().any(|s| s.state == WorkerState::Starting)
        {
            return;
        }
        let waiting = self.waiting_spares().count();
        for _ in waiting..self.config.spares as usize {
            if let Err(error) = self.spawn_process(None) {
                self.spare_lost(None, error.message());
                return;
            }
        }
    }

    /// A spare exited before it was needed, or could not be spawned: back off like a crashed
    /// slot, and stop starting spares (with an `error` event) once the restart budget is spent.
    fn spare_lost(&mut self, pid: Option<u32>, what: String) {
        if matches!(self.phase, Phase::Stopping { .. }) || self.spares_off {
            return;
        }
        match self.spare_history.on_crash(&self.config.restart, Instant::now()) {
            RestartDecision::RestartAfter(delay) => {
                if !delay.is_zero() {
                    self.spare_hold = true;
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        let _ = tx.send(Msg::Refill);
                    });
                }
            }
            RestartDecision::Fail => {
                self.spares_off = true;
                let error = Error::new(
                    "ERR_XSYS_SPARE_FAILED",
                    "spare",
                    format!("spare processes kept failing ({what}); no more spares are started"),
                );
                self.emit(Event::Error { id: None, pid, error });
            }
        }
    }

    /// Give slot `id` a new current process; a failure to spawn counts as a crash.
    fn spawn_current(&mut self, id: u32) {
        match self.spawn_proc(id) {
            Ok(key) => {
                let channel = Arc::clone(&self.procs[&key].channel);
                let slot = &mut self.slots[id as usize];
                slot.current = Some(key);
                slot.state = WorkerState::Starting;
                lock(&self.shared.channels).insert(id, channel);
                self.online(key);
            }
            Err(error) => {
                self.emit(Event::Error { id: Some(id), pid: None, error: error.clone() });
                if let Phase::Starting { .. } = self.phase {
                    self.begin_stop(Duration::ZERO, Some(error));
                } else {
                    self.on_crash(id, 0, ExitReason::Crash);
                }
            }
        }
    }

    // --- lifecycle ---

    fn on_ready(&mut self, key: u64) {
        let Some(p) = self.procs.get_mut(&key) else { return };
        if p.is_spare() {
            // Too early: a spare says ready once it runs the entry.
            return;
        }
        p.ready = true;
        let (id, pid, retiring) = (p.id, p.pid, p.retiring.is_some());
        let slot = &mut self.slots[id as usize];
        if !retiring && slot.current == Some(key) {
            slot.state = WorkerState::Ready;
        } else if !retiring && slot.candidate == Some(key) {
            self.promote(id, key);
        }
        self.emit(Event::Ready { id, pid });
        if !retiring {
            self.check_started();
        }
    }

    fn check_started(&mut self) {
        if let Phase::Starting { seq } = self.phase {
            if self.slots.iter().all(|s| s.state == WorkerState::Ready) {
                self.phase = Phase::Running;
                self.emit(Event::Done { op: Op::Start, seq, result: Ok(()) });
                self.advance();
            }
        }
    }

    fn on_exit(&mut self, key: u64, status: ExitStatus, cause: Option<ExitReason>) {
        let Some(p) = self.procs.remove(&key) else { return };
        if let Some(e) = &p.escalation {
            e.abort();
        }
        if p.is_spare() {
            self.spare_lost(Some(p.pid), format!("pid {} exited with {}", p.pid, describe(status)));
            return;
        }
        let reason = p.retiring.or(cause).unwrap_or(ExitReason::Crash);
        // Update the slot first: `exit` goes out once `workers()` no longer shows the process.
        let slot = &mut self.slots[p.id as usize];
        let (was_current, was_candidate) = (slot.current == Some(key), slot.candidate == Some(key));
        if was_current {
            slot.current = None;
            slot.state = if p.retiring.is_some() { WorkerState::Stopped } else { WorkerState::Backoff };
            lock(&self.shared.channels).remove(&p.id);
        } else if was_candidate {
            slot.candidate = None;
        }
        let orphaned = slot.current.is_none();
        self.emit(Event::Exit {
            id: p.id,
            pid: p.pid,
            code: status.code,
            signal: status.signal.map(os::signal_name),
            reason,
        });
        if was_current && p.retiring.is_none() {
            if matches!(self.phase, Phase::Starting { .. }) && !p.ready {
                let error = Error::new(
                    "ERR_XSYS_WORKER_EXIT",
                    "start",
                    format!("worker {} (pid {}) exited before it was ready ({})", p.id, p.pid, describe(status)),
                );
                self.begin_stop(Duration::ZERO, Some(error));
            } else {
                self.on_crash(p.id, p.pid, reason);
            }
        } else if was_candidate {
            let error = Error::new(
                "ERR_XSYS_WORKER_EXIT",
                "reload",
                format!(
                    "the replacement for worker {} (pid {}) exited before it was ready ({})",
                    p.id,
                    p.pid,
                    describe(status)
                ),
            );
            self.complete_active(Err(error));
            if orphaned && !matches!(self.phase, Phase::Stopping { .. }) {
                self.on_crash(p.id, p.pid, reason);
            }
        }
        if self.active.as_ref().is_some_and(|a| a.old == Some(key)) {
            self.complete_active(Ok(()));
        }
    }

    /// Slot `id` lost its process unexpectedly: restart it after the backoff, or give up.
    fn on_crash(&mut self, id: u32, pid: u32, reason: ExitReason) {
        if matches!(self.phase, Phase::Stopping { .. }) {
            return;
        }
        let policy = self.config.restart;
        let slot = &mut self.slots[id as usize];
        if slot.candidate.is_some() {
            // A replacement is already on its way.
            slot.state = WorkerState::Starting;
            return;
        }
        let decision = slot.history.on_crash(&policy, Instant::now());
        let restarts = slot.restarts;
        match decision {
            RestartDecision::RestartAfter(delay) => {
                if !delay.is_zero() {
                    slot.state = WorkerState::Backoff;
                    slot.epoch += 1;
                    let (tx, epoch) = (self.tx.clone(), slot.epoch);
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        let _ = tx.send(Msg::Respawn { id, epoch });
                    });
                }
                self.emit(Event::Restart { id, pid, delay, restarts: restarts + 1, reason });
                if delay.is_zero() {
                    self.spawn_current(id);
                }
            }
            RestartDecision::Fail => {
                slot.state = WorkerState::Failed;
                slot.epoch += 1;
                self.emit(Event::Failed { id, restarts });
                if let Phase::Starting { .. } = self.phase {
                    let error =
                        Error::new("ERR_XSYS_WORKER_FAILED", "start", format!("worker {id} spent its restart budget"));
                    self.begin_stop(Duration::ZERO, Some(error));
                }
            }
        }
    }

    /// Ask a process to shut down gracefully; SIGTERM after `timeout`, then SIGKILL.
    fn retire(&mut self, key: u64, reason: ExitReason, timeout: Duration) {
        let Some(p) = self.procs.get_mut(&key) else { return };
        if p.retiring.is_some() {
            return;
        }
        p.retiring = Some(reason);
        let timeout = match p.channel.send(&frame::encode(Tag::Shutdown, b"")) {
            Ok(_) => timeout,
            Err(_) => Duration::ZERO,
        };
        let pidfd = Arc::clone(&p.pidfd);
        p.escalation = Some(tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let _ = os::signal(&pidfd, Signal::Term);
            tokio::time::sleep(KILL_GRACE).await;
            let _ = os::signal(&pidfd, Signal::Kill);
        }));
        if p.is_spare() {
            return;
        }
        let slot = &mut self.slots[p.id as usize];
        if slot.current == Some(key) {
            slot.state = WorkerState::Stopping;
        }
    }

    fn begin_stop(&mut self, timeout: Duration, failure: Option<Error>) {
        match &mut self.phase {
            Phase::Stopping { failure: f, .. } => {
                if f.is_none() {
                    *f = failure;
                }
            }
            phase => {
                let start_seq = match phase {
                    Phase::Starting { seq } => Some(*seq),
                    _ => None,
                };
                *phase = Phase::Stopping { start_seq, failure };
            }
        }
        self.queue.clear();
        self.active = None;
        let jobs: Vec<u32> = self.jobs.drain().map(|(seq, _)| seq).collect();
        for seq in jobs {
            self.emit(Event::Done { op: Op::Reload, seq, result: Err(stopped("reload")) });
        }
        for slot in &mut self.slots {
            slot.epoch += 1;
            slot.candidate = None;
            if slot.current.is_none() && slot.state != WorkerState::Failed {
                slot.state = WorkerState::Stopped;
            }
        }
        let keys: Vec<u64> = self.procs.keys().copied().collect();
        for key in keys {
            self.retire(key, ExitReason::Stop, timeout);
        }
    }

    fn finish(&mut self) {
        lock(&self.shared.channels).clear();
        for slot in &mut self.slots {
            if slot.state != WorkerState::Failed {
                slot.state = WorkerState::Stopped;
            }
        }
        self.publish();
        if let Phase::Stopping { start_seq: Some(seq), failure } = &mut self.phase {
            let (seq, error) = (*seq, failure.take().unwrap_or_else(|| stopped("start")));
            self.emit(Event::Done { op: Op::Start, seq, result: Err(error) });
        }
    }

    // --- replacements: reload and memory restarts ---

    fn reload(&mut self, seq: u32) {
        if matches!(self.phase, Phase::Stopping { .. }) {
            self.emit(Event::Done { op: Op::Reload, seq, result: Err(stopped("reload")) });
            return;
        }
        self.jobs.insert(seq, self.slots.len());
        // Like a failed slot, spares given up after repeated failures get a fresh start.
        if self.spares_off {
            self.spares_off = false;
            self.spare_history.clear();
        }
        for id in 0..self.slots.len() as u32 {
            self.queue.push_back(Replacement { id, reason: ExitReason::Reload, job: Some(seq) });
        }
        self.advance();
    }

    /// Start the next queued replacement if none is running.
    fn advance(&mut self) {
        while self.active.is_none() && matches!(self.phase, Phase::Running) {
            let Some(rep) = self.queue.pop_front() else { return };
            let id = rep.id;
            let slot = &mut self.slots[id as usize];
            if slot.current.is_none() {
                // A failed or backing-off slot gets a fresh start: cancel the pending respawn.
                slot.epoch += 1;
                slot.history.clear();
                slot.state = WorkerState::Starting;
            }
            match self.spawn_proc(id) {
                Ok(key) => {
                    self.slots[id as usize].candidate = Some(key);
                    self.active = Some(Active { rep, old: None });
                    self.online(key);
                }
                Err(error) => {
                    self.settle(rep, Err(error));
                    if self.slots[id as usize].current.is_none() {
                        self.on_crash(id, 0, ExitReason::Crash);
                    }
                }
            }
        }
    }

    /// The candidate for slot `id` is ready: it takes over, the old process is retired.
    fn promote(&mut self, id: u32, key: u64) {
        let channel = Arc::clone(&self.procs[&key].channel);
        let slot = &mut self.slots[id as usize];
        let old = slot.current.replace(key);
        slot.candidate = None;
        slot.state = WorkerState::Ready;
        lock(&self.shared.channels).insert(id, channel);
        let reason = self.active.as_ref().map_or(ExitReason::Reload, |a| a.rep.reason);
        match old {
            Some(old) => {
                if let Some(a) = &mut self.active {
                    a.old = Some(old);
                }
                self.retire(old, reason, self.config.stop_timeout);
            }
            None => self.complete_active(Ok(())),
        }
    }

    fn complete_active(&mut self, result: Result<()>) {
        let Some(active) = self.active.take() else { return };
        self.settle(active.rep, result);
        self.advance();
    }

    /// Report how a replacement went: to its `reload()`, or as an error event for a memory restart.
    fn settle(&mut self, rep: Replacement, result: Result<()>) {
        if let Some(seq) = rep.job {
            match result {
                Ok(()) => {
                    let left = self.jobs.get_mut(&seq).map(|n| {
                        *n -= 1;
                        *n
                    });
                    if left == Some(0) {
                        self.jobs.remove(&seq);
                        self.emit(Event::Done { op: Op::Reload, seq, result: Ok(()) });
                    }
                }
                Err(error) => {
                    self.jobs.remove(&seq);
                    self.queue.retain(|r| r.job != Some(seq));
                    self.emit(Event::Done { op: Op::Reload, seq, result: Err(error) });
                }
            }
        } else if let Err(error) = result {
            self.emit(Event::Error { id: Some(rep.id), pid: None, error });
        }
    }

    // --- resources ---

    fn sample(&mut self) {
        let now = Instant::now();
        let running = matches!(self.phase, Phase::Running);
        let (mut restarts, mut events) = (Vec::new(), Vec::new());
        for (&key, p) in &mut self.procs {
            if p.is_spare() {
                continue;
            }
            let Some(s) = os::sample(p.pid) else { continue };
            p.rss = s.rss;
            p.cpu_share = p.cpu.percent(now, s.cpu_seconds, self.cores);
            let current = self.slots[p.id as usize].current == Some(key);
            if !running || !current || p.retiring.is_some() {
                continue;
            }
            let Some(action) = p.memory.on_sample(&self.config.memory, s.rss, now) else { continue };
            let limit = self.config.memory.limit.unwrap_or(0);
            events.push(Event::Memory { id: p.id, pid: p.pid, rss: s.rss, limit, action });
            match action {
                MemoryAction::Gc => {
                    let _ = p.channel.send(&frame::encode(Tag::Gc, b""));
                }
                MemoryAction::Restart => restarts.push(p.id),
            }
        }
        for event in events {
            self.emit(event);
        }
        for id in restarts {
            let pending = self.queue.iter().any(|r| r.id == id) || self.active.as_ref().is_some_and(|a| a.rep.id == id);
            if !pending {
                self.queue.push_back(Replacement { id, reason: ExitReason::Memory, job: None });
            }
        }
        self.advance();
    }

    /// Emit an event once `workers()` shows the state it announces.
    fn emit(&self, event: Event) {
        self.publish();
        self.sink.emit(event);
    }

    /// Refresh what `workers()` reports.
    fn publish(&self) {
        let snapshot = self
            .slots
            .iter()
            .enumerate()
            .map(|(id, slot)| {
                let p = slot.current.or(slot.candidate).and_then(|k| self.procs.get(&k));
                Snapshot {
                    info: WorkerInfo {
                        id: id as u32,
                        pid: p.map(|p| p.pid),
                        state: slot.state,
                        restarts: slot.restarts,
                        rss: p.map_or(0, |p| p.rss),
                        cpu: p.map_or(0.0, |p| p.cpu_share),
                        uptime: 0.0,
                    },
                    started: p.map(|p| p.started),
                }
            })
            .collect();
        *lock(&self.shared.snapshot) = snapshot;
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code, status.signal) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => format!("killed by {}", os::signal_name(sig)),
        _ => "status unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    //! The supervisor with shell-script workers: what it does on the wire, without Node.

    use super::*;
    use crate::cluster::memory::MemoryPolicy;
    use crate::cluster::policy::RestartPolicy;
    use crate::test_support::TempTree;
    use std::sync::Condvar;

    /// Writes the `ready` frame to the channel, then waits.
    const WORKER: &str = r#"printf '\000\000\000\001\020' >&4; exec sleep 1000"#;
    /// Says it is waiting, keeps the first frame it gets (the activation) under its pid, says
    /// ready, then waits.
    const SPARE: &str = r#"touch "$DIR/spare-$$"; head -c 9 <&4 > "$DIR/activated-$$"; printf '\000\000\000\001\020' >&4; exec sleep 1000"#;

    #[derive(Default)]
    struct Sink {
        events: Mutex<Vec<Event>>,
        changed: Condvar,
    }

    impl EventSink for Sink {
        fn emit(&self, event: Event) -> bool {
            lock(&self.events).push(event);
            self.changed.notify_all();
            true
        }
    }

    impl Sink {
        /// Wait (up to 20 s) for an event that `pick` maps to a value.
        fn wait_for<T>(&self, what: &str, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut events = lock(&self.events);
            loop {
                if let Some(found) = events.iter().find_map(&mut pick) {
                    return found;
                }
                let left = deadline.checked_duration_since(Instant::now()).unwrap_or_else(|| panic!("no {what}"));
                events = self.changed.wait_timeout(events, left).unwrap().0;
            }
        }
    }

    fn config(dir: &std::path::Path) -> Config {
        Config {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), WORKER.into()],
            spares: 1,
            spare_args: vec!["-c".into(), SPARE.into()],
            env: vec![("DIR".into(), dir.display().to_string())],
            cwd: None,
            workers: Some(1),
            listen: None,
            silent: true,
            heartbeat_interval: Duration::from_secs(1),
            heartbeat_timeout: None,
            ready_timeout: Some(Duration::from_secs(20)),
            restart: RestartPolicy {
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(100),
                max_restarts: 10,
                window: Duration::from_secs(60),
            },
            memory: MemoryPolicy { limit: None, gc_ratio: 0.0 },
            sample_interval: Duration::from_secs(1),
            max_frame: frame::DEFAULT_MAX_FRAME,
            stop_timeout: Duration::from_secs(1),
        }
    }

    /// Pids of the spares that have said they wait, per their marker files.
    fn spares(dir: &std::path::Path) -> Vec<u32> {
        let mut pids: Vec<u32> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.strip_prefix("spare-")?.parse().ok())
            .collect();
        pids.sort();
        pids
    }

    fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_message_from_a_spare_without_a_slot_is_refused_without_a_worker_id_and_the_spare_replaced() {
        let dir = TempTree::new();
        let mut config = config(dir.path());
        // The first spare sends a JSON message at once; later ones behave.
        let talker = r#"if mkdir "$DIR/talked" 2>/dev/null; then printf '\000\000\000\003\001{}' >&4; fi; touch "$DIR/spare-$$"; exec sleep 1000"#;
        config.spare_args = vec!["-c".into(), talker.into()];
        let sink = Arc::new(Sink::default());
        let mut cluster = Cluster::start(config, sink.clone(), 1).unwrap();
        let (id, pid, code, message) = sink.wait_for("the refusal", |e| match e {
            Event::Error { id, pid, error } => Some((*id, *pid, error.code.clone(), error.message())),
            _ => None,
        });
        assert_eq!(id, None, "a spare has no worker id");
        assert_eq!(code, "ERR_XSYS_FRAME_MALFORMED");
        assert!(message.contains("a spare (pid"), "{message}");
        assert!(message.contains("before the spare was handed a slot"), "{message}");
        let first = pid.unwrap();
        wait_until("a new spare", || spares(dir.path()).into_iter().find(|&p| p != first));
        cluster.stop(Duration::ZERO);
        sink.wait_for("closed", |e| matches!(e, Event::Closed).then_some(()));
        cluster.join();
        let events = lock(&sink.events);
        assert!(!events.iter().any(|e| matches!(e, Event::Exit { pid, .. } if *pid == first)), "no exit event for it");
        assert!(
            !events.iter().any(|e| matches!(e, Event::Messages { .. })),
            "its message never reached the event stream"
        );
    }

    #[test]
    fn a_crashed_slot_is_handed_the_waiting_spare_with_an_activate_frame_and_a_new_spare_follows() {
        let dir = TempTree::new();
        let sink = Arc::new(Sink::default());
        let mut cluster = Cluster::start(config(dir.path()), sink.clone(), 1).unwrap();
        sink.wait_for("start", |e| matches!(e, Event::Done { op: Op::Start, result: Ok(()), .. }).then_some(()));
        let first = sink.wait_for("online", |e| match e {
            Event::Online { id: 0, pid } => Some(*pid),
            _ => None,
        });
        let spare = wait_until("a spare", || spares(dir.path()).first().copied());
        assert_ne!(spare, first);

        // SAFETY: a plain kill(2) of the worker this test started.
        assert_eq!(unsafe { libc::kill(first as i32, libc::SIGKILL) }, 0);
        let ready = sink.wait_for("the replacement", |e| match e {
            Event::Ready { id: 0, pid } if *pid != first => Some(*pid),
            _ => None,
        });
        assert_eq!(ready, spare, "the slot got the waiting spare");
        let activation = std::fs::read(dir.path().join(format!("activated-{spare}"))).unwrap();
        assert_eq!(activation, frame::encode(Tag::Activate, &0u32.to_be_bytes()));
        assert_eq!(cluster.workers()[0].pid, Some(spare));
        assert_eq!(cluster.workers()[0].restarts, 1);

        let next = wait_until("a new spare", || spares(dir.path()).into_iter().find(|&p| p != spare));
        let got = std::fs::read(dir.path().join(format!("activated-{next}"))).unwrap_or_default();
        assert!(got.is_empty(), "the new spare waits: nothing was sent to it");

        cluster.stop(Duration::ZERO);
        sink.wait_for("closed", |e| matches!(e, Event::Closed).then_some(()));
        cluster.join();
        let exits: Vec<u32> = lock(&sink.events)
            .iter()
            .filter_map(|e| match e {
                Event::Exit { pid, .. } => Some(*pid),
                _ => None,
            })
            .collect();
        assert_eq!(exits, [first, spare], "a spare that never became a worker has no exit event");
        for pid in [first, spare, next] {
            // SAFETY: signal 0 only checks for existence.
            assert_ne!(unsafe { libc::kill(pid as i32, 0) }, 0, "pid {pid} is gone");
        }
    }
}
