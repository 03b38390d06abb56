//! The task that runs beside one worker process, on the supervisor thread, and the worker's
//! [`Inbox`]: what was read from its channel and not yet handed on.
//!
//! Whoever reads the channel does so under the inbox's lock and hands the messages to the event
//! sink before letting go of it, so messages keep their order whichever thread read them. Until
//! the worker is ready, the task reads: the `ready` frame needs the manager, and the task waits
//! while the manager handles it, so `ready` keeps its place between the messages around it.
//! From then on the JS thread reads the channel from its own event loop (see
//! `bindings::cluster_poll`): a worker's message wakes one thread, the one that consumes it, as
//! with node:cluster, instead of waking the supervisor thread which then wakes the JS thread.
//! The task stops watching the channel then and reads it only where the JS thread may not:
//! at a heartbeat deadline (a blocked event loop must not make a live worker look hung) and
//! after the worker exited (what it sent before dying reaches JS before its `exit`, which the
//! manager emits once the task reports). Where nothing attaches (a runtime without libuv), the
//! task keeps reading, as before.
//!
//! The task also writes what is queued for the worker when the socket was full, watches its
//! deadlines, and notices its exit through its pidfd the moment it happens.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};
use tokio::io::Interest;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{oneshot, Notify};

use super::channel::{Channel, Flushed};
use super::frame::{self, Tag};
use super::manager::Msg;
use super::os::{self, ExitStatus, Signal};
use super::policy::{Hang, Liveness};
use super::{ChannelReader, Event, EventSink, ExitReason, Flow};
use crate::error::Error;

/// Read granularity; a large frame gets a buffer of its own size instead.
const READ_CHUNK: usize = 64 * 1024;
/// Bytes read per wake-up before the reader lets other work run (the task shares its thread
/// with every other worker's task; the JS thread has a whole event loop to serve).
const READ_BUDGET: usize = 256 * 1024;
/// The id of a spare's inbox until the spare is handed a slot.
pub const SPARE: u32 = u32::MAX;
/// After SIGTERM, how long a worker gets before SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// Where [`Inbox::take_frames`] stopped.
enum Parsed {
    /// At a `ready` frame: report it before handling what follows.
    Ready,
    /// At an incomplete frame (or the end of the buffer).
    NeedMore,
}

/// What one [`Inbox::pump`] achieved.
enum Pumped {
    /// The socket has nothing more for now.
    Drained,
    /// The read budget is spent; more may be waiting.
    More,
    /// At the worker's first `ready` frame: what follows waits until the manager handled it.
    Ready,
    /// Nothing more will be read: end of stream, a read error, or a refused frame.
    Done,
}

struct Reading {
    buf: Vec<u8>,
    liveness: Liveness,
    /// Nothing more is read (end of stream, error, refused frame, or the channel was closed).
    done: bool,
    /// A frame was refused: the task ends the worker.
    refused: bool,
}

/// The read side of one worker's channel, shared by its task and the JS thread.
pub struct Inbox {
    key: u64,
    /// The worker's slot; a spare gets one when it is activated.
    id: AtomicU32,
    pid: u32,
    channel: Arc<Channel>,
    sink: Arc<dyn EventSink>,
    manager: UnboundedSender<Msg>,
    flow: Arc<Flow>,
    max_frame: usize,
    reading: Mutex<Reading>,
    /// The JS thread polls the channel.
    attached: AtomicBool,
    /// Wakes the task: the JS thread attached or detached, or a frame was refused.
    wake: Notify,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Reading> {
        // A panic while parsing leaves plain data behind; the reader carries on with it.
        self.reading.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read what the socket holds (about `budget` bytes at most) and hand on every complete
    /// frame, stopping at the first `ready`. With `short_read_drains` (for a level-triggered
    /// caller, who hears again if more arrives) a read that did not fill the buffer counts as
    /// having emptied the socket, which saves the read that would say so.
    fn pump(&self, budget: usize, short_read_drains: bool) -> Pumped {
        let mut r = self.lock();
        let mut read = 0;
        let mut drained = false;
        loop {
            if r.done {
                return Pumped::Done;
            }
            match self.take_frames(&mut r) {
                Ok(Parsed::Ready) => return Pumped::Ready,
                Ok(Parsed::NeedMore) => {}
                Err(e) => {
                    self.refuse(&mut r, e);
                    return Pumped::Done;
                }
            }
            if drained {
                return Pumped::Drained;
            }
            if read >= budget {
                return Pumped::More;
            }
            let want = frame::missing(&r.buf).max(READ_CHUNK);
            r.buf.reserve(want);
            let room = r.buf.capacity() - r.buf.len();
            match self.channel.read(&mut r.buf) {
                Ok(0) => r.done = true,
                Ok(n) => {
                    read += n;
                    drained = short_read_drains && n < room;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Pumped::Drained,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => r.done = true,
            }
        }
    }

    /// Handle the complete frames in the buffer, up to and including a first `ready` frame, and
    /// keep the rest; messages before the `ready` are emitted first.
    fn take_frames(&self, r: &mut Reading) -> Result<Parsed, frame::FrameError> {
        let mut messages = Vec::new();
        let mut used = 0;
        let mut result = Ok(Parsed::NeedMore);
        loop {
            match frame::parse(&r.buf[used..], self.max_frame) {
                Ok(Some(f)) => {
                    used += f.raw.len();
                    match f.tag {
                        Tag::Json | Tag::Binary if self.id() == SPARE => {
                            result = Err(frame::FrameError::BeforeActivation);
                            break;
                        }
                        Tag::Json | Tag::Binary => messages.extend_from_slice(f.raw),
                        Tag::Ready if !r.liveness.ready => {
                            r.liveness.ready = true;
                            result = Ok(Parsed::Ready);
                            break;
                        }
                        Tag::Ready | Tag::Heartbeat => {}
                        // Manager-to-worker frames have no business arriving here.
                        Tag::Gc | Tag::Shutdown | Tag::Activate => {
                            result = Err(frame::FrameError::UnknownTag(f.tag as u8));
                            break;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if used > 0 {
            r.liveness.last_seen = Instant::now();
        }
        if !messages.is_empty() {
            let credit = self.flow.credit(messages.len());
            self.sink.emit(Event::Messages { id: self.id(), pid: self.pid, frames: messages, credit });
        }
        r.buf.drain(..used);
        result
    }

    /// Report a bad frame and close the channel; the task ends the worker.
    fn refuse(&self, r: &mut Reading, e: frame::FrameError) {
        let id = Some(self.id()).filter(|&id| id != SPARE);
        let who = match id {
            Some(id) => format!("worker {id}"),
            None => "a spare".into(),
        };
        let error = Error::new(
            e.code(),
            "read",
            format!("{who} (pid {}) sent a bad frame: {e}; its channel is closed", self.pid),
        );
        self.sink.emit(Event::Error { id, pid: Some(self.pid), error });
        self.channel.close();
        r.done = true;
        r.refused = true;
        self.wake.notify_one();
    }

    fn id(&self) -> u32 {
        self.id.load(Ordering::Acquire)
    }

    /// A spare becomes worker `id`: its deadlines start now, as if it had just been spawned
    /// (a `ready` it sent before, which it should not have, does not count).
    pub fn activate(&self, id: u32, liveness: Liveness) {
        self.id.store(id, Ordering::Release);
        self.lock().liveness = liveness;
        // The task recomputes its deadline.
        self.wake.notify_one();
    }

    fn deadline(&self) -> Option<Instant> {
        self.lock().liveness.deadline()
    }

    fn check(&self, now: Instant) -> Option<Hang> {
        self.lock().liveness.check(now)
    }

    fn touch(&self) {
        self.lock().liveness.last_seen = Instant::now();
    }

    fn refused(&self) -> bool {
        self.lock().refused
    }

    fn attached(&self) -> bool {
        self.attached.load(Ordering::Acquire)
    }
}

impl ChannelReader for Inbox {
    fn fd(&self) -> RawFd {
        self.channel.as_raw_fd()
    }

    fn pump(&self) -> bool {
        // uv_poll is level-triggered.
        match Inbox::pump(self, READ_BUDGET, true) {
            Pumped::Drained | Pumped::More => true,
            // Attaching follows the first `ready`, so this does not happen; should it, the
            // manager still learns of it.
            Pumped::Ready => {
                let _ = self.manager.send(Msg::Ready { key: self.key, ack: None });
                true
            }
            Pumped::Done => false,
        }
    }

    fn attach(&self) {
        self.attached.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    fn detach(&self) {
        self.attached.store(false, Ordering::Release);
        self.wake.notify_one();
    }
}

pub struct WorkerTask {
    pub key: u64,
    pub id: u32,
    pub pid: u32,
    pub pidfd: Arc<OwnedFd>,
    pub channel: Arc<Channel>,
    pub sink: Arc<dyn EventSink>,
    pub manager: UnboundedSender<Msg>,
    pub flow: Arc<Flow>,
    pub liveness: Liveness,
    pub max_frame: usize,
}

/// The task's own state; `spawn` turns a [`WorkerTask`] into it.
struct Running {
    key: u64,
    pid: u32,
    pidfd: Arc<OwnedFd>,
    channel: Arc<Channel>,
    sink: Arc<dyn EventSink>,
    manager: UnboundedSender<Msg>,
    flow: Arc<Flow>,
    inbox: Arc<Inbox>,
}

impl WorkerTask {
    /// Run the task on the current runtime. Should it panic, the panic is reported as an error
    /// event and the worker is killed and reported as exited, so the manager never loses track.
    /// Returns the worker's inbox (to activate a spare).
    pub fn spawn(self) -> Arc<Inbox> {
        let (key, id, pid) = (self.key, self.id, self.pid);
        let (pidfd, sink, manager) = (Arc::clone(&self.pidfd), Arc::clone(&self.sink), self.manager.clone());
        let inbox = Arc::new(Inbox {
            key,
            id: AtomicU32::new(id),
            pid,
            channel: Arc::clone(&self.channel),
            sink: Arc::clone(&self.sink),
            manager: self.manager.clone(),
            flow: Arc::clone(&self.flow),
            max_frame: self.max_frame,
            reading: Mutex::new(Reading { buf: Vec::new(), liveness: self.liveness, done: false, refused: false }),
            attached: AtomicBool::new(false),
            wake: Notify::new(),
        });
        let running = Running {
            key,
            pid,
            pidfd: self.pidfd,
            channel: self.channel,
            sink: self.sink,
            manager: self.manager,
            flow: self.flow,
            inbox: Arc::clone(&inbox),
        };
        let task = tokio::spawn(running.run());
        let watched = Arc::clone(&inbox);
        tokio::spawn(async move {
            let Err(failure) = task.await else { return };
            if let Ok(payload) = failure.try_into_panic() {
                sink.emit(Event::Error {
                    id: Some(watched.id()),
                    pid: Some(pid),
                    error: Error::panic("cluster", payload.as_ref()),
                });
            }
            let _ = os::signal(&pidfd, Signal::Kill);
            let status = reaped(pid).await;
            let _ = manager.send(Msg::Exited { key, status, cause: Some(ExitReason::Crash) });
        });
        inbox
    }
}

impl Running {
    async fn run(self) {
        let (status, cause) = self.watch().await;
        let _ = self.manager.send(Msg::Exited { key: self.key, status, cause });
    }

    async fn watch(&self) -> (ExitStatus, Option<ExitReason>) {
        let inbox = &self.inbox;
        // SAFETY: the pidfd is owned by the Arc handed over, which keeps it open (and always
        // the same fd) for as long as the AsyncFd lives.
        let exit = unsafe { AsyncFd::register_with_interest(Arc::clone(&self.pidfd), Interest::READABLE) };
        let (Ok(exit), Ok(chan)) = (exit, self.watch_channel()) else {
            // Without the reactor we cannot supervise this worker: end it now.
            let _ = os::signal(&self.pidfd, Signal::Kill);
            return (reaped(self.pid).await, Some(ExitReason::Crash));
        };
        // Watched for reading only while the task is the channel's reader. Readable only:
        // with writable interest too, every message the worker reads would wake this thread.
        let mut chan = Some(chan);
        // The socket is full and queued bytes wait for it.
        let mut blocked = false;
        // A second descriptor of the channel, watched for writability only while blocked.
        let mut writer: Option<AsyncFd<OwnedFd>> = None;
        let mut cause = None;
        let mut kill_at: Option<Instant> = None;
        loop {
            let paused = self.flow.over();
            // While reading is paused for backpressure, frames wait unread: not a missed heartbeat.
            let watched = cause.is_none() && !paused;
            let deadline = match (watched.then(|| inbox.deadline()).flatten(), kill_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                biased;
                ready = exit.readable() => {
                    if let Ok(mut guard) = ready {
                        if let Some(status) = os::reap(self.pid) {
                            self.drain_after_exit();
                            self.channel.close();
                            return (status, cause);
                        }
                        guard.clear_ready();
                    }
                }
                ready = readable(chan.as_ref()), if !paused => {
                    let Ok(guard) = ready else { continue };
                    if !self.pumped(inbox.pump(READ_BUDGET, false), Some(guard)).await {
                        chan = None;
                    }
                }
                _ = inbox.wake.notified() => {
                    if cause.is_none() && inbox.refused() {
                        cause = Some(ExitReason::Channel);
                        let _ = os::signal(&self.pidfd, Signal::Term);
                        kill_at = Some(Instant::now() + KILL_GRACE);
                    }
                    if inbox.attached() {
                        chan = None;
                    } else if chan.is_none() && !inbox.lock().done {
                        // The JS thread stopped reading: the task takes over again.
                        chan = self.watch_channel().ok();
                    }
                }
                _ = self.flow.below_limit(), if paused => inbox.touch(),
                _ = self.channel.queued.notified(), if !blocked => {
                    blocked = self.flush();
                }
                ready = writable(writer.as_ref()), if blocked => {
                    if let Ok(mut guard) = ready {
                        guard.clear_ready();
                    }
                    blocked = self.flush();
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    let now = Instant::now();
                    if kill_at.is_some_and(|t| now >= t) {
                        let _ = os::signal(&self.pidfd, Signal::Kill);
                        kill_at = None;
                    } else if watched && inbox.check(now).is_some() {
                        // The JS thread may be too busy to read: look at the channel before
                        // calling the worker hung.
                        if chan.is_none() {
                            self.pumped(inbox.pump(READ_BUDGET, false), None).await;
                        }
                        if let Some(hang) = inbox.check(now) {
                            cause = Some(match hang {
                                Hang::NotReady => ExitReason::ReadyTimeout,
                                Hang::Silent => ExitReason::Heartbeat,
                            });
                            let _ = os::signal(&self.pidfd, Signal::Kill);
                        }
                    }
                }
            }
            if !blocked {
                writer = None;
            } else if writer.is_none() {
                // Without it, `writable` retries the flush every few milliseconds.
                writer = writable_fd(&self.channel).ok();
            }
        }
    }

    fn watch_channel(&self) -> io::Result<AsyncFd<Arc<Channel>>> {
        // SAFETY: the channel's fd is owned by the Arc handed over, which keeps it open (and
        // always the same fd) for as long as the AsyncFd lives.
        Ok(unsafe { AsyncFd::register_with_interest(Arc::clone(&self.channel), Interest::READABLE) }?)
    }

    /// Act on what a pump achieved; false once the channel needs no more reading.
    async fn pumped(&self, pumped: Pumped, guard: Option<AsyncFdReadyGuard<'_, Arc<Channel>>>) -> bool {
        match pumped {
            Pumped::Drained => {
                if let Some(mut g) = guard {
                    g.clear_ready();
                }
                true
            }
            Pumped::More => true,
            Pumped::Ready => {
                // Readiness is kept (not cleared): what follows `ready` is read next turn. The
                // guard goes before the wait so that no borrow of the descriptor is held by it.
                #[allow(clippy::drop_non_drop)]
                drop(guard);
                self.report_ready().await;
                // From now on the JS thread reads, once it gets to this event.
                self.sink.emit(Event::Attach { reader: Arc::clone(&self.inbox) as Arc<dyn ChannelReader> });
                true
            }
            Pumped::Done => false,
        }
    }

    /// Write what is queued; true while the socket is full.
    fn flush(&self) -> bool {
        match self.channel.flush() {
            Ok(Flushed::Blocked) => true,
            Ok(Flushed::Empty { drained }) => {
                if drained {
                    self.sink.emit(Event::Drain { id: self.inbox.id() });
                }
                false
            }
            // The worker is gone; its exit arrives through the pidfd.
            Err(_) => false,
        }
    }

    /// The manager records the worker as ready and emits `ready` before this returns, so the
    /// event keeps its place between the messages sent before and after it.
    async fn report_ready(&self) {
        let (ack, acked) = oneshot::channel();
        if self.manager.send(Msg::Ready { key: self.key, ack: Some(ack) }).is_ok() {
            let _ = acked.await;
        }
    }

    /// The worker has exited: deliver what it sent before dying. Nothing is read after this
    /// (not even by the JS thread), so nothing reaches JS after the worker's `exit`.
    fn drain_after_exit(&self) {
        loop {
            match self.inbox.pump(usize::MAX, false) {
                Pumped::Ready => {
                    let _ = self.manager.send(Msg::Ready { key: self.key, ack: None });
                }
                Pumped::More => {}
                Pumped::Drained | Pumped::Done => break,
            }
        }
        self.inbox.lock().done = true;
    }
}

/// A duplicate of the channel's descriptor registered for writability alone.
fn writable_fd(channel: &Channel) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: fcntl duplicates a descriptor we own; the duplicate is ours to own.
    let fd = unsafe { libc::fcntl(channel.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns; the OwnedFd inside the AsyncFd keeps
    // it open for as long as the AsyncFd lives.
    Ok(unsafe { AsyncFd::register_with_interest(OwnedFd::from_raw_fd(fd), Interest::WRITABLE) }?)
}

async fn readable(fd: Option<&AsyncFd<Arc<Channel>>>) -> io::Result<AsyncFdReadyGuard<'_, Arc<Channel>>> {
    match fd {
        Some(fd) => fd.readable().await,
        None => std::future::pending().await,
    }
}

/// Writability of `fd`; without one (it could not be duplicated), a short wait before trying again.
async fn writable(fd: Option<&AsyncFd<OwnedFd>>) -> io::Result<AsyncFdReadyGuard<'_, OwnedFd>> {
    match fd {
        Some(fd) => fd.writable().await,
        None => {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err(io::ErrorKind::WouldBlock.into())
        }
    }
}

/// Wait for a killed worker without its pidfd's readiness (only when its task could not run).
async fn reaped(pid: u32) -> ExitStatus {
    loop {
        if let Some(status) = os::reap(pid) {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(d.into()).await;
    }
}
