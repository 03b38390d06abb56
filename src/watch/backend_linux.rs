//! Linux: inotify, one non-recursive kernel watch per directory.
//!
//! notify's recursive mode would watch everything below a root, ignored directories included, and
//! keep reporting a moved directory's events under its old path. So the engine asks for each
//! directory it tracks itself, as it scans it, and again when a directory moves. Files are never
//! watched one by one: a watched file is reported by its directory's watch, which is what lets a
//! watch on a single file survive an editor replacing it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use notify::event::{CreateKind, EventKind, Flag, ModifyKind, RenameMode};
use notify::RecursiveMode;

use super::Raw;

pub type Native = notify::INotifyWatcher;
pub const MODE: RecursiveMode = RecursiveMode::NonRecursive;
/// Named in errors from adding a watch.
pub const SYSCALL: &str = "inotify_add_watch";

/// Every directory has its own watch.
pub fn covered(watched: &HashSet<PathBuf>, dir: &Path) -> bool {
    watched.contains(dir)
}

/// What an inotify event means to the engine. Events on a watched directory itself (not on one
/// of its entries) carry the directory's path: the engine tells them apart by that path.
pub struct Translator;

impl Translator {
    pub fn new() -> Self {
        Translator
    }

    pub fn translate(&mut self, event: notify::Event, send: &mut impl FnMut(Raw)) {
        if event.flag() == Some(Flag::Rescan) {
            return send(Raw::Overflow);
        }
        let Some(path) = event.paths.first().cloned() else { return };
        let cookie = event.tracker();
        send(match event.kind {
            EventKind::Create(kind) => Raw::Created { path, is_dir: kind == CreateKind::Folder },
            EventKind::Remove(_) => Raw::Removed { path },
            // Both halves of a rename carry the kernel's cookie. `MOVE_SELF` comes as a `From`
            // without one: a watched directory is no longer at its path. It follows the rename's
            // halves, so a directory moved within the tree is already at its new place.
            EventKind::Modify(ModifyKind::Name(RenameMode::From)) => match cookie {
                Some(cookie) => Raw::MovedFrom { path, cookie },
                None => Raw::Removed { path },
            },
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => match cookie {
                Some(cookie) => Raw::MovedTo { path, cookie },
                None => Raw::Created { path, is_dir: false },
            },
            // notify's own pairing (`Both`) remembers only the latest `From`; the engine pairs by cookie.
            EventKind::Modify(ModifyKind::Name(_)) => return,
            EventKind::Modify(_) => Raw::Modified { path },
            // Opens and closes say nothing about content; `CLOSE_WRITE` follows a `MODIFY`.
            _ => return,
        })
    }
}
