//! Linux backend: inotify through `notify`, one non-recursive kernel watch per directory.
//!
//! notify's recursive mode would watch everything below a root, ignored directories included, and
//! keep reporting a moved directory's events under its old path. So the engine asks for each
//! directory it tracks itself, as it scans it, and again when a directory moves. Files are never
//! watched one by one: a watched file is reported by its directory's watch, which is what lets a
//! watch on a single file survive an editor replacing it.
//!
//! notify reads the kernel queue on its own thread and hands each event to [`Forward`], which only
//! translates it and passes it on to the engine's thread, so the kernel queue is drained as fast
//! as events come, whatever JavaScript is doing.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::Sender;
use std::sync::Arc;

use notify::event::{CreateKind, EventKind, Flag, ModifyKind, RenameMode};
use notify::{Config, INotifyWatcher, RecursiveMode, Watcher as _};

use super::engine::{Input, Raw};
use super::limits;
use crate::error::{Error, Result};

pub struct Backend {
    notify: Option<INotifyWatcher>,
    watched: HashSet<PathBuf>,
    /// Test hook: see [`super::stall_while_asked`].
    stall_until: Arc<AtomicU64>,
}

impl Backend {
    /// Open an inotify instance whose events go to `input`. When the instance's thread ends, for
    /// whatever reason, `Raw::Stopped` is the last thing sent.
    pub fn new(input: Sender<Input>) -> Result<Backend> {
        let stall_until = Arc::new(AtomicU64::new(0));
        let forward = Forward { input, stall_until: Arc::clone(&stall_until) };
        let notify = INotifyWatcher::new(forward, Config::default()).map_err(|e| match e.kind {
            notify::ErrorKind::Io(io) => limits::instance_error(io),
            _ => notify_error(e, None),
        })?;
        Ok(Backend { notify: Some(notify), watched: HashSet::new(), stall_until })
    }

    /// Watch the entries of `dir` (no-op if already watched).
    pub fn watch_dir(&mut self, dir: &Path) -> Result<()> {
        if self.watched.contains(dir) {
            return Ok(());
        }
        let Some(notify) = self.notify.as_mut() else { return Ok(()) };
        // notify unwraps its channel to the event thread, which panics if that thread died.
        catch_unwind(AssertUnwindSafe(|| notify.watch(dir, RecursiveMode::NonRecursive)))
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


    /// Test hook: see [`super::stall_while_asked`].
    pub fn stall_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.stall_until)
    }

    /// Close the inotify instance and let its thread end (it sends `Raw::Stopped` when it has).
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
}

impl notify::EventHandler for Forward {
    fn handle_event(&mut self, event: notify::Result<notify::Event>) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            super::stall_while_asked(&self.stall_until);
            if let Some(raw) = translate(event) {
                let _ = self.input.send(Input::Raw(raw));
            }
        }));
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.input.send(Input::Raw(Raw::Stopped));
    }
}

/// What an inotify event means to the engine. Events on a watched directory itself (not on one
/// of its entries) carry the directory's path: the engine tells them apart by that path.
fn translate(event: notify::Result<notify::Event>) -> Option<Raw> {
    let event = match event {
        Ok(event) => event,
        Err(e) => return Some(Raw::Failed(notify_error(e, None))),
    };
    if event.flag() == Some(Flag::Rescan) {
        return Some(Raw::Overflow);
    }
    let path = event.paths.first()?.clone();
    let cookie = event.tracker();
    Some(match event.kind {
        EventKind::Create(kind) => Raw::Created { path, is_dir: kind == CreateKind::Folder },
        EventKind::Remove(_) => Raw::Removed { path },
        // Both halves of a rename carry the kernel's cookie; `MOVE_SELF` (a watched directory
        // moved) comes as a `From` without one.
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => match cookie {
            Some(cookie) => Raw::MovedFrom { path, cookie },
            None => Raw::SelfMoved { path },
        },
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => match cookie {
            Some(cookie) => Raw::MovedTo { path, cookie },
            None => Raw::Created { path, is_dir: false },
        },
        // notify's own pairing (`Both`) only remembers the latest `From`; the engine pairs by cookie.
        EventKind::Modify(ModifyKind::Name(_)) => return None,
        EventKind::Modify(_) => Raw::Modified { path },
        // Opens and closes say nothing about content; `CLOSE_WRITE` follows a `MODIFY`.
        _ => return None,
    })
}

fn notify_error(e: notify::Error, dir: Option<&Path>) -> Error {
    let path = dir.map(Path::to_path_buf).or_else(|| e.paths.first().cloned());
    let err = match e.kind {
        notify::ErrorKind::MaxFilesWatch => return limits::watch_limit(path.as_deref().unwrap_or(Path::new(""))),
        notify::ErrorKind::PathNotFound => Error::errno(libc::ENOENT, "watch", "inotify_add_watch"),
        notify::ErrorKind::Io(io) => Error::io(io, "watch", "inotify_add_watch"),
        notify::ErrorKind::WatchNotFound => Error::new("ERR_XSYS_WATCH", "watch", "no such watch"),
        notify::ErrorKind::Generic(what) => Error::new("ERR_XSYS_WATCH", "watch", what),
        notify::ErrorKind::InvalidConfig(_) => Error::new("ERR_XSYS_WATCH", "watch", "invalid watcher configuration"),
    };
    match path {
        Some(p) => err.path(p),
        None => err,
    }
}
