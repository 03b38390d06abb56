//! The task that runs beside one worker process, on the supervisor thread: it reads and checks
//! the worker's frames, writes what is queued for it, watches its deadlines, and notices its
//! exit through its pidfd the moment it happens.
//!
//! User messages go straight to the event sink from here. They keep their order with the
//! worker's `ready` (the task waits while the manager handles it) and reach JS before its
//! `exit`: after the exit the task reads what is left in the socket, then reports to the
//! manager, which emits `exit`.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

use super::channel::{Channel, Flushed};
use super::frame::{self, Tag};
use super::manager::Msg;
use super::os::{self, ExitStatus, Signal};
use super::policy::{Hang, Liveness};
use super::{Event, EventSink, ExitReason, Flow};
use crate::error::Error;

/// Read granularity; a large frame gets a buffer of its own size instead.
const READ_CHUNK: usize = 64 * 1024;
/// After SIGTERM, how long a worker gets before SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// Where [`WorkerTask::take_frames`] stopped.
enum Parsed {
    /// At a `ready` frame: report it before handling what follows.
    Ready,
    /// At an incomplete frame (or the end of the buffer).
    NeedMore,
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

impl WorkerTask {
    /// Run the task on the current runtime. Should it panic, the panic is reported as an error
    /// event and the worker is killed and reported as exited, so the manager never loses track.
    pub fn spawn(self) {
        let (key, id, pid) = (self.key, self.id, self.pid);
        let (pidfd, sink, manager) = (Arc::clone(&self.pidfd), Arc::clone(&self.sink), self.manager.clone());
        let task = tokio::spawn(self.run());
        tokio::spawn(async move {
            let Err(failure) = task.await else { return };
            if let Ok(payload) = failure.try_into_panic() {
                sink.emit(Event::Error { id: Some(id), pid: Some(pid), error: Error::panic("cluster", payload.as_ref()) });
            }
            let _ = os::signal(&pidfd, Signal::Kill);
            let status = reaped(pid).await;
            let _ = manager.send(Msg::Exited { key, status, cause: Some(ExitReason::Crash) });
        });
    }

    async fn run(mut self) {
        let (status, cause) = self.watch().await;
        let _ = self.manager.send(Msg::Exited { key: self.key, status, cause });
    }

    async fn watch(&mut self) -> (ExitStatus, Option<ExitReason>) {
        // SAFETY: both descriptors are owned by the Arcs handed over, which keep them open
        // (and always return the same fd) for as long as the AsyncFds live.
        let registered = unsafe {
            (
                AsyncFd::register_with_interest(Arc::clone(&self.pidfd), Interest::READABLE),
                AsyncFd::register_with_interest(Arc::clone(&self.channel), Interest::READABLE | Interest::WRITABLE),
            )
        };
        let (Ok(exit), Ok(chan)) = registered else {
            // Without the reactor we cannot supervise this worker: end it now.
            let _ = os::signal(&self.pidfd, Signal::Kill);
            return (reaped(self.pid).await, Some(ExitReason::Crash));
        };
        let mut inbox = Vec::with_capacity(READ_CHUNK);
        let mut open = true;
        let mut blocked = false;
        let mut cause = None;
        let mut kill_at: Option<Instant> = None;
        loop {
            let paused = self.flow.over();
            // While reading is paused for backpressure, frames wait unread: not a missed heartbeat.
            let watched = cause.is_none() && !paused;
            let deadline = match (watched.then(|| self.liveness.deadline()).flatten(), kill_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                biased;
                ready = exit.readable() => {
                    if let Ok(mut guard) = ready {
                        if let Some(status) = os::reap(self.pid) {
                            if open {
                                self.drain_after_exit(&mut inbox);
                            }
                            self.channel.close();
                            return (status, cause);
                        }
                        guard.clear_ready();
                    }
                }
                ready = chan.readable(), if open && !paused => {
                    let Ok(mut guard) = ready else { continue };
                    inbox.reserve(frame::missing(&inbox).max(READ_CHUNK));
                    match guard.try_io(|c| c.get_ref().read(&mut inbox)) {
                        Err(_would_block) => {}
                        Ok(Ok(0)) | Ok(Err(_)) => open = false,
                        Ok(Ok(_)) => loop {
                            match self.take_frames(&mut inbox) {
                                Ok(Parsed::Ready) => self.report_ready().await,
                                Ok(Parsed::NeedMore) => break,
                                Err(e) => {
                                    self.refuse(e);
                                    open = false;
                                    cause = Some(ExitReason::Channel);
                                    let _ = os::signal(&self.pidfd, Signal::Term);
                                    kill_at = Some(Instant::now() + KILL_GRACE);
                                    break;
                                }
                            }
                        },
                    }
                }
                _ = self.flow.below_limit(), if paused => self.liveness.last_seen = Instant::now(),
                _ = self.channel.queued.notified(), if open && !blocked => {
                    blocked = self.flush();
                }
                ready = chan.writable(), if open && blocked => {
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
                    } else if let Some(hang) = self.liveness.check(now).filter(|_| watched) {
                        cause = Some(match hang {
                            Hang::NotReady => ExitReason::ReadyTimeout,
                            Hang::Silent => ExitReason::Heartbeat,
                        });
                        let _ = os::signal(&self.pidfd, Signal::Kill);
                    }
                }
            }
        }
    }

    /// Write what is queued; true if the socket is full and we must wait for it.
    fn flush(&self) -> bool {
        match self.channel.flush() {
            Ok(Flushed::Blocked) => true,
            Ok(Flushed::Empty { drained }) => {
                if drained {
                    self.sink.emit(Event::Drain { id: self.id });
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

    /// Handle the complete frames in `inbox`, up to and including a `ready` frame, and keep the
    /// rest; messages before the `ready` are emitted first.
    fn take_frames(&mut self, inbox: &mut Vec<u8>) -> Result<Parsed, frame::FrameError> {
        let mut messages = Vec::new();
        let mut used = 0;
        let mut result = Ok(Parsed::NeedMore);
        loop {
            match frame::parse(&inbox[used..], self.max_frame) {
                Ok(Some(f)) => {
                    used += f.raw.len();
                    match f.tag {
                        Tag::Json | Tag::Binary => messages.extend_from_slice(f.raw),
                        Tag::Ready if !self.liveness.ready => {
                            self.liveness.ready = true;
                            result = Ok(Parsed::Ready);
                            break;
                        }
                        Tag::Ready | Tag::Heartbeat => {}
                        // Manager-to-worker frames have no business arriving here.
                        Tag::Gc | Tag::Shutdown => {
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
            self.liveness.last_seen = Instant::now();
        }
        if !messages.is_empty() {
            let credit = self.flow.credit(messages.len());
            self.sink.emit(Event::Messages { id: self.id, pid: self.pid, frames: messages, credit });
        }
        inbox.drain(..used);
        result
    }

    fn refuse(&self, e: frame::FrameError) {
        let error = Error::new(e.code(), "read", format!("worker {} (pid {}) sent a bad frame: {e}; its channel is closed", self.id, self.pid));
        self.sink.emit(Event::Error { id: Some(self.id), pid: Some(self.pid), error });
        self.channel.close();
    }

    /// The worker has exited: deliver what it sent before dying.
    fn drain_after_exit(&mut self, inbox: &mut Vec<u8>) {
        loop {
            inbox.reserve(frame::missing(inbox).max(READ_CHUNK));
            match self.channel.read(inbox) {
                Ok(0) => break,
                Ok(_) => loop {
                    match self.take_frames(inbox) {
                        Ok(Parsed::Ready) => {
                            let _ = self.manager.send(Msg::Ready { key: self.key, ack: None });
                        }
                        Ok(Parsed::NeedMore) => break,
                        Err(e) => {
                            self.refuse(e);
                            return;
                        }
                    }
                },
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
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
