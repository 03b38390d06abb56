//! File and content watching.
//!
//! A [`Watcher`] reports what changes below a set of paths: `created`, `modified`, `deleted` and
//! `renamed` (with both paths), each once per debounce window. It is built in layers, each in its
//! own file:
//!
//! - `backend`: the operating system's notifications through `notify`; `backend_linux` (inotify,
//!   one kernel watch per directory, never per file) and `backend_other` translate them. Only the
//!   files named for a platform know about it.
//! - `tree` and `scan`: an in-memory snapshot of every watched tree, taken with the shared parallel
//!   walker. It turns raw events into meaningful ones (duplicates dropped, atomic saves
//!   recognised) and answers "what changed while we weren't looking" after the kernel's queue
//!   overflows: the watcher reports `overflow`, rescans, and reports the differences as ordinary
//!   events, so nothing is lost silently.
//! - `engine`: the thread that ties these together, pairs the halves of renames, and follows a
//!   watched root that is deleted and re-created.
//! - `coalesce`: the debounce window, merging what happened to each path into one event.
//! - `content`: for content watching, reads changed files and diffs them line by line.
//! - `filter`: ignore patterns and `.gitignore` files; `limits_*`: errors that name the inotify
//!   limit that was hit.
//!
//! Events leave through a [`Sink`] in batches; the binding layer forwards them to JavaScript.

mod backend;
mod coalesce;
mod content;
mod engine;
mod filter;
mod scan;
mod tree;

#[cfg_attr(target_os = "linux", path = "limits_linux.rs")]
#[cfg_attr(not(target_os = "linux"), path = "limits_other.rs")]
mod limits;
#[cfg_attr(unix, path = "platform_unix.rs")]
#[cfg_attr(windows, path = "platform_windows.rs")]
mod platform;

use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use content::{ContentChange, ContentOptions, LineChange};

use crate::error::{Error, Result};
use engine::{Engine, Input};

/// A point in time, both for deadlines and for the unix timestamp events carry.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub instant: Instant,
    /// Unix seconds with a fractional part.
    pub unix: f64,
}

impl Moment {
    pub fn now() -> Moment {
        let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        Moment { instant: Instant::now(), unix }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Modified,
    Deleted,
    Renamed,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
        }
    }
}

/// One reported change. For `Renamed`, `path` is the new path and `from` the old one.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: ChangeKind,
    pub path: PathBuf,
    pub from: Option<PathBuf>,
    pub is_dir: bool,
    /// When the (last) change was observed: unix seconds with a fractional part.
    pub timestamp: f64,
}

#[derive(Debug)]
pub enum Event {
    Change(Change),
    /// Content watching: a watched file's content changed.
    Content(ContentChange),
    /// The initial scan is done: every later change is reported.
    Ready {
        timestamp: f64,
    },
    /// The kernel dropped events for this watched root; a rescan follows and reports what
    /// changed as ordinary events.
    Overflow {
        path: PathBuf,
        is_dir: bool,
        timestamp: f64,
    },
    Error(Error),
}

#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Watch directories' whole trees (otherwise only their direct entries).
    pub recursive: bool,
    /// Patterns in gitignore syntax, relative to each watched directory.
    pub ignore: Vec<String>,
    /// Honour `.gitignore` files.
    pub gitignore: bool,
    /// Debounce window; zero reports each batch of kernel events as soon as it is read.
    pub debounce: Duration,
    /// Descend into symbolic links to directories inside the tree (the root is always followed).
    pub follow_symlinks: bool,
    /// Watch the content of files (every path must then be a file) instead of reporting changes.
    pub content: Option<ContentOptions>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            recursive: true,
            ignore: Vec::new(),
            gitignore: false,
            debounce: Duration::from_millis(20),
            follow_symlinks: false,
            content: None,
        }
    }
}

/// Receives events in batches, on the watcher's thread; returns `false` when nobody listens any
/// more, which stops the watcher.
pub type Sink = Box<dyn FnMut(Vec<Event>) -> bool + Send>;

/// A running watch. Dropping it stops the watch in the background; [`Watcher::close`] waits
/// until every kernel watch, descriptor and thread is released.
pub struct Watcher {
    input: Sender<Input>,
    thread: Option<JoinHandle<()>>,
    stall: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Watcher {
    /// Start watching `paths` (each must exist). Kernel watches on the paths themselves are in
    /// place when this returns; their trees are scanned on the watcher's thread, which then sends
    /// [`Event::Ready`].
    pub fn start(paths: &[PathBuf], options: WatchOptions, sink: Sink) -> Result<Watcher> {
        let (input, receiver) = mpsc::channel();
        let engine = Engine::new(paths, options, input.clone(), receiver, sink)?;
        let stall = engine.stall_handle();
        let thread = std::thread::Builder::new()
            .name("xsys-watch".into())
            .spawn(move || engine.run())
            .map_err(|e| Error::io(e, "watch", "pthread_create"))?;
        Ok(Watcher { input, thread: Some(thread), stall })
    }

    /// Stop watching and wait until everything the watch held is released.
    pub fn close(mut self) {
        let _ = self.input.send(Input::Close(None));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stop watching without waiting: `done` runs on the watcher's thread once every kernel
    /// watch and descriptor is released, as the thread's last act.
    pub fn close_then(mut self, done: impl FnOnce() + Send + 'static) {
        self.thread = None;
        if let Err(mpsc::SendError(Input::Close(Some(done)))) = self.input.send(Input::Close(Some(Box::new(done)))) {
            done(); // the thread has ended already (after a panic, or once JS went away)
        }
    }

    /// Test hook: make the watcher's thread panic, which must surface as an error event.
    pub fn panic_for_test(&self) {
        let _ = self.input.send(Input::Panic);
    }

    /// Test hook: make the kernel-event thread stop reading for `ms` from its next event on
    /// (0 ends a stall early), so that the kernel's queue overflows for real.
    pub fn stall_backend(&self, ms: u64) {
        self.stall.store(unix_ms() + ms, std::sync::atomic::Ordering::SeqCst);
    }
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Test hook, called by the backend before each event: sleep while `until` (unix ms) is ahead.
fn stall_while_asked(until: &std::sync::atomic::AtomicU64) {
    loop {
        let left = until.load(std::sync::atomic::Ordering::SeqCst).saturating_sub(unix_ms());
        if left == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(left.min(10)));
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.input.send(Input::Close(None));
    }
}
