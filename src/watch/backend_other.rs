//! macOS and Windows: notify's recommended watcher (FSEvents, ReadDirectoryChangesW), recursive
//! by nature.
//!
//! Not built or tested in this project's CI (Linux only). A directory is covered by the watch of
//! any watched ancestor. These APIs give renames without a kernel cookie: a `From` is paired
//! with the `To` that follows it, and FSEvents' bare "renamed" is reported as a creation or a
//! removal depending on whether the path still exists.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use notify::event::{CreateKind, EventKind, Flag, ModifyKind, RenameMode};
use notify::RecursiveMode;

use super::Raw;

pub type Native = notify::RecommendedWatcher;
pub const MODE: RecursiveMode = RecursiveMode::Recursive;
pub const SYSCALL: &str = "watch";

pub fn covered(watched: &HashSet<PathBuf>, dir: &Path) -> bool {
    watched.iter().any(|w| dir.starts_with(w))
}

pub struct Translator {
    /// Cookie given to the last `From`, for the `To` that follows it.
    rename: usize,
}

impl Translator {
    pub fn new() -> Self {
        Translator { rename: 0 }
    }

    pub fn translate(&mut self, event: notify::Event, send: &mut impl FnMut(Raw)) {
        if event.flag() == Some(Flag::Rescan) {
            return send(Raw::Overflow);
        }
        let Some(path) = event.paths.first().cloned() else { return };
        let raw = match event.kind {
            EventKind::Create(kind) => Raw::Created { path, is_dir: kind == CreateKind::Folder },
            EventKind::Remove(_) => Raw::Removed { path },
            EventKind::Modify(ModifyKind::Name(RenameMode::From)) => {
                self.rename += 1;
                Raw::MovedFrom { path, cookie: self.rename }
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => Raw::MovedTo { path, cookie: self.rename },
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if event.paths.len() == 2 => {
                // Reported as its two halves would be.
                self.rename += 1;
                send(Raw::MovedFrom { path, cookie: self.rename });
                Raw::MovedTo { path: event.paths[1].clone(), cookie: self.rename }
            }
            EventKind::Modify(ModifyKind::Name(_)) if path.exists() => {
                let is_dir = path.is_dir();
                Raw::Created { path, is_dir }
            }
            EventKind::Modify(ModifyKind::Name(_)) => Raw::Removed { path },
            EventKind::Modify(_) => Raw::Modified { path },
            _ => return,
        };
        send(raw);
    }
}
