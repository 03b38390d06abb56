//! Backend for macOS and Windows: `notify`'s recommended watcher (FSEvents,
//! ReadDirectoryChangesW), whose watches are recursive by nature.
//!
//! Not built or tested in this project's CI (Linux only). Each watched directory gets its own
//! recursive native watch, skipped when an ancestor's already covers it. These APIs give renames
//! without a kernel cookie: a `From` is paired with the `To` that follows it, and FSEvents' bare
//! "renamed" is reported as a creation or a removal depending on whether the path still exists.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

use notify::event::{CreateKind, EventKind, Flag, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

use super::engine::{Input, Raw};
use super::limits;
use crate::error::{Error, Result};

pub struct Backend {
    notify: Option<RecommendedWatcher>,
    watched: HashSet<PathBuf>,
    stall_until: Arc<AtomicU64>,
}

impl Backend {
    pub fn new(input: Sender<Input>) -> Result<Backend> {
        let stall_until = Arc::new(AtomicU64::new(0));
        let forward = Forward { input, stall_until: Arc::clone(&stall_until), rename: AtomicUsize::new(0) };
        let notify = RecommendedWatcher::new(forward, notify::Config::default()).map_err(|e| match e.kind {
            notify::ErrorKind::Io(io) => limits::instance_error(io),
            _ => notify_error(e, None),
        })?;
        Ok(Backend { notify: Some(notify), watched: HashSet::new(), stall_until })
    }

    pub fn watch_dir(&mut self, dir: &Path) -> Result<()> {
        if self.watched.iter().any(|w| dir.starts_with(w)) {
            return Ok(());
        }
        let Some(notify) = self.notify.as_mut() else { return Ok(()) };
        catch_unwind(AssertUnwindSafe(|| notify.watch(dir, RecursiveMode::Recursive)))
            .map_err(|_| Error::new("ERR_XSYS_WATCH", "watch", "the watch thread stopped").path(dir))?
            .map_err(|e| notify_error(e, Some(dir)))?;
        self.watched.insert(dir.to_path_buf());
        Ok(())
    }

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

    pub fn shutdown(&mut self) {
        self.watched.clear();
        if let Some(notify) = self.notify.take() {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(notify)));
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Forward {
    input: Sender<Input>,
    stall_until: Arc<AtomicU64>,
    /// Cookie given to the last `From`, for the `To` that follows it.
    rename: AtomicUsize,
}

impl notify::EventHandler for Forward {
    fn handle_event(&mut self, event: notify::Result<notify::Event>) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            super::stall_while_asked(&self.stall_until);
            if let Some(raw) = self.translate(event) {
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

impl Forward {
    fn translate(&self, event: notify::Result<notify::Event>) -> Option<Raw> {
        let event = match event {
            Ok(event) => event,
            Err(e) => return Some(Raw::Failed(notify_error(e, None))),
        };
        if event.flag() == Some(Flag::Rescan) {
            return Some(Raw::Overflow);
        }
        let path = event.paths.first()?.clone();
        Some(match event.kind {
            EventKind::Create(kind) => Raw::Created { path, is_dir: kind == CreateKind::Folder },
            EventKind::Remove(_) => Raw::Removed { path },
            EventKind::Modify(ModifyKind::Name(RenameMode::From)) => {
                let cookie = self.rename.fetch_add(1, Ordering::SeqCst) + 1;
                Raw::MovedFrom { path, cookie }
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                Raw::MovedTo { path, cookie: self.rename.load(Ordering::SeqCst) }
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if event.paths.len() == 2 => {
                // Reported as its two halves would be.
                let cookie = self.rename.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = self.input.send(Input::Raw(Raw::MovedFrom { path, cookie }));
                Raw::MovedTo { path: event.paths[1].clone(), cookie }
            }
            EventKind::Modify(ModifyKind::Name(_)) if path.exists() => Raw::Created { path, is_dir: false },
            EventKind::Modify(ModifyKind::Name(_)) => Raw::Removed { path },
            EventKind::Modify(_) => Raw::Modified { path },
            _ => return None,
        })
    }
}

fn notify_error(e: notify::Error, dir: Option<&Path>) -> Error {
    let path = dir.map(Path::to_path_buf).or_else(|| e.paths.first().cloned());
    let err = match e.kind {
        notify::ErrorKind::MaxFilesWatch => return limits::watch_limit(path.as_deref().unwrap_or(Path::new(""))),
        notify::ErrorKind::PathNotFound => Error::io(std::io::ErrorKind::NotFound.into(), "watch", "watch"),
        notify::ErrorKind::Io(io) => Error::io(io, "watch", "watch"),
        notify::ErrorKind::WatchNotFound => Error::new("ERR_XSYS_WATCH", "watch", "no such watch"),
        notify::ErrorKind::Generic(what) => Error::new("ERR_XSYS_WATCH", "watch", what),
        notify::ErrorKind::InvalidConfig(_) => Error::new("ERR_XSYS_WATCH", "watch", "invalid watcher configuration"),
    };
    match path {
        Some(p) => err.path(p),
        None => err,
    }
}
