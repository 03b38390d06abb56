//! The operating system's change notifications, through `notify`.
//!
//! notify reads the OS's notifications on its own thread and hands each to [`Forward`], which only
//! translates it (see the platform file: `backend_linux.rs`, `backend_other.rs`) and passes it to
//! the engine's thread. The OS queue is therefore drained as fast as events come, whatever
//! JavaScript is doing. The engine asks for a watch on every directory it tracks; the platform
//! decides whether that is a kernel watch of its own (inotify) or already covered by a watch
//! higher up (recursive APIs).

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::Sender;
use std::sync::Arc;

use notify::Watcher as _;

#[cfg_attr(target_os = "linux", path = "backend_linux.rs")]
#[cfg_attr(not(target_os = "linux"), path = "backend_other.rs")]
mod platform;

use super::engine::{Input, Raw};
use super::limits;
use crate::error::{Error, Result};

pub struct Backend {
    notify: Option<platform::Native>,
    watched: HashSet<PathBuf>,
    /// Test hook: see `super::stall_while_asked`.
    stall_until: Arc<AtomicU64>,
}

impl Backend {
    /// Start watching nothing yet; events go to `input`. When notify's thread ends, for whatever
    /// reason, `Raw::Stopped` is the last thing sent.
    pub fn new(input: Sender<Input>) -> Result<Backend> {
        let stall_until = Arc::new(AtomicU64::new(0));
        let forward = Forward { input, stall_until: Arc::clone(&stall_until), translator: platform::Translator::new() };
        let notify = platform::Native::new(forward, notify::Config::default()).map_err(|e| match e.kind {
            notify::ErrorKind::Io(io) => limits::instance_error(io),
            _ => notify_error(e, None),
        })?;
        Ok(Backend { notify: Some(notify), watched: HashSet::new(), stall_until })
    }

    /// Have the entries of `dir` reported (no-op if they already are).
    pub fn watch_dir(&mut self, dir: &Path) -> Result<()> {
        if platform::covered(&self.watched, dir) {
            return Ok(());
        }
        let Some(notify) = self.notify.as_mut() else { return Ok(()) };
        // notify unwraps its channel to its thread, which panics if that thread died.
        catch_unwind(AssertUnwindSafe(|| notify.watch(dir, platform::MODE)))
            .map_err(|_| Error::new("ERR_XSYS_WATCH", "watch", "the watch thread stopped").path(dir))?
            .map_err(|e| notify_error(e, Some(dir)))?;
        self.watched.insert(dir.to_path_buf());
        Ok(())
    }

    /// Stop watching `dir`. notify has often dropped the watch itself already (the directory was
    /// deleted or moved), which is fine.
    pub fn unwatch_dir(&mut self, dir: &Path) {
        if self.watched.remove(dir) {
            if let Some(notify) = self.notify.as_mut() {
                let _ = catch_unwind(AssertUnwindSafe(|| notify.unwatch(dir)));
            }
        }
    }

    pub fn stall_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.stall_until)
    }

    /// Release every watch and let notify's thread end (it sends `Raw::Stopped` when it has).
    pub fn shutdown(&mut self) {
        self.watched.clear();
        if let Some(notify) = self.notify.take() {
            // notify's Drop unwraps a channel send, which fails if its thread died: never let
            // that panic travel further.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(notify)));
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// notify's event handler: runs on notify's thread.
struct Forward {
    input: Sender<Input>,
    stall_until: Arc<AtomicU64>,
    translator: platform::Translator,
}

impl notify::EventHandler for Forward {
    fn handle_event(&mut self, event: notify::Result<notify::Event>) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            super::stall_while_asked(&self.stall_until);
            let event = match event {
                Ok(event) => event,
                Err(e) => return self.send(Raw::Failed(notify_error(e, None))),
            };
            let input = &self.input;
            self.translator.translate(event, &mut |raw| {
                let _ = input.send(Input::Raw(raw));
            });
        }));
    }
}

impl Forward {
    fn send(&self, raw: Raw) {
        let _ = self.input.send(Input::Raw(raw));
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.send(Raw::Stopped);
    }
}

fn notify_error(e: notify::Error, dir: Option<&Path>) -> Error {
    let path = dir.map(Path::to_path_buf).or_else(|| e.paths.first().cloned());
    let err = match e.kind {
        notify::ErrorKind::MaxFilesWatch => return limits::watch_limit(path.as_deref().unwrap_or(Path::new(""))),
        notify::ErrorKind::PathNotFound => Error::io(std::io::ErrorKind::NotFound.into(), "watch", platform::SYSCALL),
        notify::ErrorKind::Io(io) => Error::io(io, "watch", platform::SYSCALL),
        notify::ErrorKind::WatchNotFound => Error::new("ERR_XSYS_WATCH", "watch", "no such watch"),
        notify::ErrorKind::Generic(what) => Error::new("ERR_XSYS_WATCH", "watch", what),
        notify::ErrorKind::InvalidConfig(_) => Error::new("ERR_XSYS_WATCH", "watch", "invalid watcher configuration"),
    };
    match path {
        Some(p) => err.path(p),
        None => err,
    }
}
