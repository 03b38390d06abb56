//! The watch loop: one thread per watcher, turning raw kernel events into reported changes.
//!
//! It owns the snapshot of every watched root and keeps the kernel watches in step with it: a new
//! directory is watched before it is scanned (so nothing created inside it meanwhile is missed),
//! a moved directory is re-watched at its new path and rescanned, the watches of a removed one are
//! dropped. It pairs the two halves of renames by the kernel's cookie, recovers from queue
//! overflows by rescanning, and follows a watched root that is deleted and re-created by watching
//! its nearest existing ancestor meanwhile. What it observes goes through the coalescer; what
//! comes out goes to the sink in batches.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::backend::Backend;
use super::coalesce::Coalescer;
use super::content::ContentTracker;
use super::filter::Filter;
use super::platform;
use super::scan::{self, Follow, ScanSpec};
use super::tree::{self, Difference, Kind, Node};
use super::{Change, Event, Moment, Sink, WatchOptions};
use crate::error::{Error, IoContext, Result};

/// What the backend saw, in the engine's terms. Paths are absolute; an event about a watched
/// directory itself (rather than one of its entries) carries that directory's path.
#[derive(Debug)]
pub enum Raw {
    Created {
        path: PathBuf,
        is_dir: bool,
    },
    Removed {
        path: PathBuf,
    },
    Modified {
        path: PathBuf,
    },
    /// First half of a rename; `cookie` matches the second half.
    MovedFrom {
        path: PathBuf,
        cookie: usize,
    },
    MovedTo {
        path: PathBuf,
        cookie: usize,
    },
    /// The kernel dropped events.
    Overflow,
    Failed(Error),
    /// The backend's thread has ended and released its kernel resources.
    Stopped,
}

pub enum Input {
    Raw(Raw),
    /// Stop; `done` is called once everything is released, as the thread's last act.
    Close(Option<Box<dyn FnOnce() + Send>>),
    /// Test hook: panic on the engine's thread.
    Panic,
}

/// How long the first half of a rename waits for its second half before it counts as a move out
/// of the watched tree, once everything read from the kernel has been handled. The kernel queues
/// both halves together; this only covers a read that splits them, on a busy machine.
const PAIR_WAIT: Duration = Duration::from_millis(50);
/// Raw events handled between two flushes, so a flood cannot hold back the first events.
const BATCH: usize = 1024;
/// How long closing waits for the backend's thread to let go of its kernel resources.
const STOP_WAIT: Duration = Duration::from_secs(5);

struct Root {
    /// What the user asked to watch, absolute.
    path: PathBuf,
    /// The directory whose kernel watch reports it: `path` itself, or a watched file's parent.
    dir: PathBuf,
    /// For a watched file: its name in `dir`, the only entry of `dir` that is reported.
    only: Option<OsString>,
    tree: Node,
    /// `false` while `dir` does not exist; `waiting_on` is then its nearest existing ancestor,
    /// watched to see `dir` come back.
    present: bool,
    waiting_on: Option<PathBuf>,
}

pub struct Engine {
    roots: Vec<Root>,
    recursive: bool,
    follow_symlinks: bool,
    /// Canonical paths of the watched directory trees: links into them are not followed.
    trees: Vec<PathBuf>,
    filter: Filter,
    /// Locked by the scan's walker threads too, to add watches as directories are found.
    backend: Mutex<Backend>,
    coalescer: Coalescer,
    content: Option<ContentTracker>,
    /// First halves of renames waiting for their second half: cookie, path, arrival (oldest
    /// first).
    pending_from: VecDeque<(usize, PathBuf, Instant)>,
    input: Receiver<Input>,
    sink: Sink,
    /// Events ready for the sink.
    out: Vec<Event>,
    closing: bool,
    backend_stopped: bool,
    on_closed: Option<Box<dyn FnOnce() + Send>>,
}

impl Engine {
    /// Check the paths, open the backend and watch each root's directory: errors here are the
    /// caller's to throw. Scanning waits for [`Engine::run`].
    pub fn new(
        paths: &[PathBuf],
        options: WatchOptions,
        input: Sender<Input>,
        receiver: Receiver<Input>,
        sink: Sink,
    ) -> Result<Engine> {
        let roots = resolve_roots(paths, &options)?;
        let dirs: Vec<&Path> = roots.iter().map(|r| r.dir.as_path()).collect();
        let filter = Filter::new(&options.ignore, options.gitignore, &dirs)?;
        let mut backend = Backend::new(input)?;
        for root in &roots {
            backend.watch_dir(&root.dir)?;
        }
        let mut engine = Engine {
            roots,
            recursive: options.recursive,
            follow_symlinks: options.follow_symlinks,
            trees: Vec::new(),
            filter,
            backend: Mutex::new(backend),
            coalescer: Coalescer::new(options.debounce),
            content: options.content.map(ContentTracker::new),
            pending_from: VecDeque::new(),
            input: receiver,
            sink,
            out: Vec::new(),
            closing: false,
            backend_stopped: false,
            on_closed: None,
        };
        engine.find_trees();
        Ok(engine)
    }

    /// Recompute [`Engine::trees`] after roots come and go.
    fn find_trees(&mut self) {
        if !self.follow_symlinks {
            return;
        }
        let recursive = self.recursive;
        self.trees = self
            .roots
            .iter()
            .filter(|r| r.present && r.only.is_none() && recursive)
            .filter_map(|r| std::fs::canonicalize(&r.dir).ok())
            .collect();
    }

    fn follow(&self) -> Follow<'_> {
        if self.follow_symlinks {
            Follow::Except(&self.trees)
        } else {
            Follow::Never
        }
    }

    pub fn stall_handle(&self) -> Arc<AtomicU64> {
        self.backend().stall_handle()
    }

    fn backend(&self) -> MutexGuard<'_, Backend> {
        lock(&self.backend)
    }

    /// The thread body: scan, report `ready`, then handle events until closed.
    pub fn run(mut self) {
        // A panic must not take Node down: report it as an error event and release everything.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.start();
            self.event_loop();
        }));
        if let Err(payload) = outcome {
            self.out.push(Event::Error(Error::panic("watch", payload.as_ref())));
            let _ = catch_unwind(AssertUnwindSafe(|| self.send()));
        }
        self.shutdown();
        // Nothing may reach JS any more: release the sink before saying we are done.
        self.sink = Box::new(|_| false);
        if let Some(done) = self.on_closed.take() {
            let _ = catch_unwind(AssertUnwindSafe(done));
        }
    }

    fn start(&mut self) {
        for i in 0..self.roots.len() {
            let mut errors = Vec::new();
            match self.snapshot(i, &mut errors) {
                Ok(tree) => self.roots[i].tree = tree,
                Err(e) => errors.push(e),
            }
            self.report_errors(errors);
        }
        platform::release_freed_memory();
        if let Some(content) = self.content.as_mut() {
            for root in &self.roots {
                if let Err(e) = content.prime(&root.path) {
                    self.out.push(Event::Error(e));
                }
            }
        }
        self.out.push(Event::Ready { timestamp: Moment::now().unix });
        self.send();
    }

    fn event_loop(&mut self) {
        loop {
            let wake = self.next_wake();
            let mut next = match wake {
                None => match self.input.recv() {
                    Ok(input) => Some(input),
                    Err(_) => return,
                },
                Some(at) => match self.input.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(input) => Some(input),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                },
            };
            let mut handled = 0;
            let mut caught_up = true;
            while let Some(input) = next.take() {
                match input {
                    Input::Close(done) => {
                        self.closing = true;
                        self.on_closed = done;
                        return;
                    }
                    Input::Raw(raw) => self.handle(raw),
                    Input::Panic => panic!("deliberate panic (test hook)"),
                }
                handled += 1;
                if handled < BATCH {
                    next = self.input.try_recv().ok();
                } else {
                    caught_up = false;
                }
            }
            let now = Instant::now();
            if caught_up {
                // A second half may still be queued behind a long batch: only wait-outs count.
                self.expire_renames(now);
            }
            let changes = self.coalescer.flush(now, false);
            self.emit(changes);
            if !self.send() {
                return;
            }
        }
    }

    /// Release the kernel watches and wait until the backend's thread has let go of them.
    fn shutdown(&mut self) {
        self.backend().shutdown();
        let deadline = Instant::now() + STOP_WAIT;
        while !self.backend_stopped {
            match self.input.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Input::Raw(Raw::Stopped)) => self.backend_stopped = true,
                Ok(Input::Close(done)) => self.on_closed = self.on_closed.take().or(done),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let rename = self.pending_from.front().map(|(_, _, at)| *at + PAIR_WAIT);
        [rename, self.coalescer.next_due()].into_iter().flatten().min()
    }

    /// Hand the ready events to the sink; `false` once nobody listens.
    fn send(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        (self.sink)(std::mem::take(&mut self.out))
    }

    fn emit(&mut self, changes: Vec<Change>) {
        let Some(content) = self.content.as_mut() else {
            self.out.extend(changes.into_iter().map(Event::Change));
            return;
        };
        // Content watching reads each touched file once per batch and reports real differences.
        let mut touched: Vec<(PathBuf, f64)> = Vec::new();
        for c in changes {
            for p in c.from.into_iter().chain(std::iter::once(c.path)) {
                if content.tracks(&p) && !touched.iter().any(|(t, _)| *t == p) {
                    touched.push((p, c.timestamp));
                }
            }
        }
        for (path, timestamp) in touched {
            match content.refresh(&path, timestamp) {
                Ok(Some(change)) => self.out.push(Event::Content(change)),
                Ok(None) => {}
                Err(e) => self.out.push(Event::Error(e)),
            }
        }
    }

    /// Errors from one scan, one per kind: a full watch table fails every remaining directory
    /// the same way.
    fn report_errors(&mut self, errors: Vec<Error>) {
        let mut seen: Vec<String> = Vec::new();
        for e in errors {
            if !seen.iter().any(|c| *c == e.code) {
                seen.push(e.code.to_string());
                self.out.push(Event::Error(e));
            }
        }
    }

    fn handle(&mut self, raw: Raw) {
        let at = Moment::now();
        match raw {
            Raw::Created { path, is_dir } => {
                self.created(&path, Some(is_dir), at);
                self.after_change(&path, at);
            }
            Raw::Removed { path } => {
                self.removed(&path, at);
                self.after_change(&path, at);
            }
            Raw::Modified { path } => {
                self.modified(&path, at);
                self.after_change(&path, at);
            }
            Raw::MovedFrom { path, cookie } => self.pending_from.push_back((cookie, path, at.instant)),
            Raw::MovedTo { path, cookie } => {
                // Usually the latest first half.
                match self.pending_from.iter().rposition(|(c, _, _)| *c == cookie) {
                    Some(i) => {
                        let Some((_, from, _)) = self.pending_from.remove(i) else { return };
                        self.renamed(&from, &path, at);
                        self.after_change(&from, at);
                    }
                    None => self.arrived(&path, at),
                }
                self.after_change(&path, at);
            }
            Raw::Overflow => self.overflow(at),
            Raw::Failed(e) => self.out.push(Event::Error(e)),
            Raw::Stopped => {
                self.backend_stopped = true;
                if !self.closing {
                    let e = Error::new(
                        "ERR_XSYS_WATCH",
                        "watch",
                        "the watch thread stopped; no further changes will be reported",
                    );
                    self.out.push(Event::Error(e));
                }
            }
        }
    }

    /// Second halves that never came: those entries left the watched tree.
    fn expire_renames(&mut self, now: Instant) {
        while self.pending_from.front().is_some_and(|(_, _, at)| now >= *at + PAIR_WAIT) {
            let Some((_, from, _)) = self.pending_from.pop_front() else { break };
            let at = Moment::now();
            self.removed(&from, at);
            self.after_change(&from, at);
        }
    }

    /// Present roots whose directory is `dir`.
    fn roots_at(&self, dir: &Path) -> Vec<usize> {
        (0..self.roots.len()).filter(|&i| self.roots[i].present && self.roots[i].dir == dir).collect()
    }

    /// The present root reporting `path`, and `path` relative to that root's directory (empty for
    /// the directory itself).
    fn locate(&self, path: &Path) -> Option<(usize, PathBuf)> {
        let mut best: Option<(usize, usize)> = None;
        for (i, root) in self.roots.iter().enumerate() {
            if !root.present {
                continue;
            }
            let Ok(rel) = path.strip_prefix(&root.dir) else { continue };
            let fits = match &root.only {
                Some(name) => rel.as_os_str().is_empty() || rel.as_os_str() == name,
                None => self.recursive || rel.components().count() <= 1,
            };
            let depth = root.dir.components().count();
            if fits && best.is_none_or(|(_, d)| depth > d) {
                best = Some((i, depth));
            }
        }
        let (i, _) = best?;
        Some((i, path.strip_prefix(&self.roots[i].dir).ok()?.to_path_buf()))
    }

    /// Whether `path`'s parent is a directory the snapshot tracks, and `path` is not ignored.
    fn accepts(&self, i: usize, rel: &Path, path: &Path, is_dir: bool) -> bool {
        let root = &self.roots[i];
        !rel.as_os_str().is_empty()
            && rel.parent().and_then(|p| root.tree.get(p)).is_some_and(Node::is_dir)
            && !self.filter.is_ignored(&root.dir, path, is_dir)
    }

    fn spec(&self, i: usize) -> ScanSpec<'_> {
        ScanSpec { root: &self.roots[i].dir, recursive: self.recursive, follow: self.follow(), filter: &self.filter }
    }

    /// A fresh snapshot of root `i`.
    fn snapshot(&self, i: usize, errors: &mut Vec<Error>) -> Result<Node> {
        let root = &self.roots[i];
        match &root.only {
            Some(name) => Ok(scan::scan_one(&root.dir, name)),
            None => self.scan_dir(i, &root.dir, errors),
        }
    }

    /// Snapshot the directory `dir` below root `i`, adding a watch for each directory first.
    fn scan_dir(&self, i: usize, dir: &Path, errors: &mut Vec<Error>) -> Result<Node> {
        let backend = &self.backend;
        let watch = |d: &Path| lock(backend).watch_dir(d);
        scan::scan(dir, &self.spec(i), &watch, errors)
    }

    fn created(&mut self, path: &Path, is_dir_hint: Option<bool>, at: Moment) {
        let Some((i, rel)) = self.locate(path) else { return };
        if self.roots[i].tree.get(&rel).is_some() {
            return; // known already, e.g. found by the scan of its new parent
        }
        let probed = scan::probe(path, self.follow());
        let (kind, stamp) = probed.unwrap_or((if is_dir_hint == Some(true) { Kind::Dir } else { Kind::File }, 0));
        if !self.accepts(i, &rel, path, kind == Kind::Dir) {
            return;
        }
        let node = if kind == Kind::Dir && self.recursive && probed.is_some() {
            let mut errors = Vec::new();
            // Gone already if this fails; its removal is reported by its own event.
            let node = self.scan_dir(i, path, &mut errors).unwrap_or_else(|_| Node::empty_dir());
            self.report_errors(errors);
            node
        } else if kind == Kind::Dir && self.recursive {
            Node::empty_dir()
        } else {
            Node::leaf(kind, stamp)
        };
        let coalescer = &mut self.coalescer;
        node.visit_pre(path, &mut |p, n| coalescer.created(p, n.is_dir(), at));
        self.roots[i].tree.insert(&rel, node);
    }

    /// Something was moved to `path` from outside what we track: a creation, or the replacement
    /// of what was there (an atomic save whose temporary file we do not watch).
    fn arrived(&mut self, path: &Path, at: Moment) {
        if let Some((i, rel)) = self.locate(path).filter(|(_, rel)| !rel.as_os_str().is_empty()) {
            if let Some(old) = self.roots[i].tree.remove(&rel) {
                self.forget(path, &old, at); // with the creation below: one `modified`
            }
        }
        self.created(path, None, at);
    }

    fn removed(&mut self, path: &Path, at: Moment) {
        let gone = self.roots_at(path);
        if !gone.is_empty() {
            for i in gone {
                self.root_gone(i, at);
            }
            return;
        }
        let Some((i, rel)) = self.locate(path) else { return };
        if rel.as_os_str().is_empty() {
            return;
        }
        if let Some(node) = self.roots[i].tree.remove(&rel) {
            self.forget(path, &node, at);
        }
    }

    fn modified(&mut self, path: &Path, at: Moment) {
        let Some((i, rel)) = self.locate(path) else { return };
        if rel.as_os_str().is_empty() {
            // The watched directory's own metadata; a watched file's directory is not watched.
            if self.roots[i].only.is_none() {
                self.coalescer.modified(path, true, at);
            }
            return;
        }
        let probed = scan::probe(path, self.follow());
        match self.roots[i].tree.get_mut(&rel) {
            Some(node) => {
                if let Some((kind, stamp)) = probed.filter(|_| !node.is_dir()) {
                    node.kind = kind;
                    node.stamp = stamp;
                }
                let is_dir = node.is_dir();
                self.coalescer.modified(path, is_dir, at);
            }
            None => self.created(path, None, at), // an entry the snapshot missed
        }
    }

    fn renamed(&mut self, from: &Path, to: &Path, at: Moment) {
        let source = self.locate(from).filter(|(_, rel)| !rel.as_os_str().is_empty());
        let Some(mut node) = source.and_then(|(i, rel)| self.roots[i].tree.remove(&rel)) else {
            return self.arrived(to, at); // from somewhere ignored or unwatched
        };
        let is_dir = node.is_dir();
        // notify dropped the watches below the old path; the new path is watched by the rescan.
        self.unwatch_tree(from, &node);
        let target = self.locate(to).filter(|(j, rel)| self.accepts(*j, rel, to, is_dir));
        let Some((j, rel)) = target else {
            return self.forget(from, &node, at); // moved out of the watched tree
        };
        let replaced = self.roots[j].tree.remove(&rel);
        if let Some(old) = &replaced {
            self.unwatch_tree(to, old);
        }
        if let Some((kind, stamp)) = scan::probe(to, self.follow()).filter(|_| !is_dir) {
            node.kind = kind;
            node.stamp = stamp;
        }
        self.roots[j].tree.insert(&rel, node);
        self.coalescer.renamed(from, to, is_dir, replaced.as_ref().map(Node::is_dir), at);
        if is_dir && self.recursive {
            // Watch it at its new path and catch up with what happened while it was unwatched.
            self.rescan(j, &rel, at, true);
        }
    }

    /// `node` was just taken out of the snapshot at `path`: report it gone and drop its watches.
    fn forget(&mut self, path: &Path, node: &Node, at: Moment) {
        let coalescer = &mut self.coalescer;
        node.visit_post(path, &mut |p, n| coalescer.deleted(p, n.is_dir(), at));
        self.unwatch_tree(path, node);
    }

    /// Drop the kernel watches of the directories in `node` that no root needs any more.
    fn unwatch_tree(&mut self, path: &Path, node: &Node) {
        if !node.is_dir() {
            return;
        }
        let mut dirs = Vec::new();
        node.visit_pre(path, &mut |p, n| {
            if n.is_dir() {
                dirs.push(p.to_path_buf());
            }
        });
        for dir in dirs {
            self.unwatch_if_unneeded(&dir);
        }
    }

    fn unwatch_if_unneeded(&mut self, dir: &Path) {
        if !self.needs_watch(dir) {
            self.backend().unwatch_dir(dir);
        }
    }

    /// Whether some root needs a kernel watch on `dir`.
    fn needs_watch(&self, dir: &Path) -> bool {
        self.roots.iter().any(|r| {
            if r.waiting_on.as_deref() == Some(dir) {
                return true;
            }
            if !r.present {
                return false;
            }
            r.dir == dir
                || (r.only.is_none()
                    && self.recursive
                    && dir.strip_prefix(&r.dir).ok().and_then(|rel| r.tree.get(rel)).is_some_and(Node::is_dir))
        })
    }

    /// Compare the snapshot of directory `rel` (below root `i`) with the disk, report the
    /// differences (when `report`), and adopt what is on disk.
    fn rescan(&mut self, i: usize, rel: &Path, at: Moment, report: bool) {
        let dir = self.roots[i].dir.join(rel);
        let mut errors = Vec::new();
        let fresh = match &self.roots[i].only {
            Some(name) => scan::scan_one(&self.roots[i].dir, name),
            // Gone: everything below it is reported deleted; its own removal has its own event.
            None => self.scan_dir(i, &dir, &mut errors).unwrap_or_else(|_| Node::empty_dir()),
        };
        self.report_errors(errors);
        let Some(slot) = self.roots[i].tree.get_mut(rel) else { return };
        let old = std::mem::replace(slot, fresh);
        let Some(fresh) = self.roots[i].tree.get(rel) else { return };
        let coalescer = &mut self.coalescer;
        let mut vanished_dirs = Vec::new();
        tree::diff(&old, fresh, &dir, &mut |p, is_dir, d| {
            if report {
                match d {
                    Difference::Created => coalescer.created(p, is_dir, at),
                    Difference::Modified => coalescer.modified(p, is_dir, at),
                    Difference::Deleted => coalescer.deleted(p, is_dir, at),
                }
            }
            if d == Difference::Deleted && is_dir {
                vanished_dirs.push(p.to_path_buf());
            }
        });
        for d in vanished_dirs {
            self.unwatch_if_unneeded(&d);
        }
    }

    /// The kernel dropped events: say so, then find out what changed by rescanning everything.
    fn overflow(&mut self, at: Moment) {
        let pending = self.coalescer.flush(at.instant, true);
        self.emit(pending);
        self.pending_from.clear();
        for root in self.roots.iter().filter(|r| r.present) {
            self.out.push(Event::Overflow { path: root.path.clone(), is_dir: root.only.is_none(), timestamp: at.unix });
        }
        for i in 0..self.roots.len() {
            if self.roots[i].present {
                self.rescan(i, Path::new(""), at, true);
            } else {
                self.try_restore(i, at);
            }
        }
        platform::release_freed_memory();
    }

    /// Root `i`'s directory was deleted or moved away: report its contents and itself gone,
    /// then wait for it to come back.
    fn root_gone(&mut self, i: usize, at: Moment) {
        let root = &mut self.roots[i];
        if !root.present {
            return;
        }
        root.present = false;
        let tree = std::mem::replace(&mut root.tree, Node::empty_dir());
        let (path, dir, is_dir_root) = (root.path.clone(), root.dir.clone(), root.only.is_none());
        let coalescer = &mut self.coalescer;
        for (name, child) in tree.children() {
            child.visit_post(&dir.join(name), &mut |p, n| coalescer.deleted(p, n.is_dir(), at));
        }
        if is_dir_root {
            coalescer.deleted(&path, true, at);
        }
        self.unwatch_tree(&dir, &tree);
        self.find_trees();
        self.try_restore(i, at);
    }

    /// Bring root `i` back if its directory exists again; otherwise watch its nearest existing
    /// ancestor, where it would reappear.
    fn try_restore(&mut self, i: usize, at: Moment) {
        // Bounded: the tree can keep changing while we look.
        for _ in 0..64 {
            let dir = self.roots[i].dir.clone();
            if dir.is_dir() && self.restore(i, at) {
                return;
            }
            let nearest = dir.ancestors().skip(1).find(|a| a.is_dir()).map(Path::to_path_buf);
            if nearest == self.roots[i].waiting_on {
                return;
            }
            let previous = std::mem::replace(&mut self.roots[i].waiting_on, nearest.clone());
            if let Some(ancestor) = &nearest {
                let watched = self.backend().watch_dir(ancestor);
                if let Err(e) = watched {
                    self.out.push(Event::Error(e));
                }
            }
            if let Some(p) = previous {
                self.unwatch_if_unneeded(&p);
            }
            // Check again: the directory may have appeared before the new watch was in place.
        }
    }

    fn restore(&mut self, i: usize, at: Moment) -> bool {
        let dir = self.roots[i].dir.clone();
        if self.backend().watch_dir(&dir).is_err() {
            return false; // gone again
        }
        self.roots[i].present = true;
        self.find_trees();
        if let Some(w) = self.roots[i].waiting_on.take() {
            self.unwatch_if_unneeded(&w);
        }
        let mut errors = Vec::new();
        let tree = self.snapshot(i, &mut errors).unwrap_or_else(|_| Node::empty_dir());
        self.report_errors(errors);
        let coalescer = &mut self.coalescer;
        if self.roots[i].only.is_none() {
            coalescer.created(&self.roots[i].path, true, at);
        }
        for (name, child) in tree.children() {
            child.visit_pre(&dir.join(name), &mut |p, n| coalescer.created(p, n.is_dir(), at));
        }
        self.roots[i].tree = tree;
        true
    }

    /// Follow-ups any event may need: a missing root may have reappeared, a `.gitignore` may
    /// have changed.
    fn after_change(&mut self, path: &Path, at: Moment) {
        for i in 0..self.roots.len() {
            let r = &self.roots[i];
            let watched_there = r.waiting_on.as_deref().is_some_and(|w| path == w || path.parent() == Some(w));
            if !r.present && watched_there {
                self.try_restore(i, at);
            }
        }
        if self.filter.uses_gitignore() && path.file_name().is_some_and(|n| n == ".gitignore") {
            let Some(dir) = path.parent() else { return };
            self.filter.reload_gitignore(dir);
            // The rules changed, not the files: adopt the newly visible entries (and drop the
            // newly ignored ones) without reporting them.
            if let Some((i, rel)) = self.locate(dir) {
                if self.roots[i].only.is_none() && self.roots[i].tree.get(&rel).is_some_and(Node::is_dir) {
                    self.rescan(i, &rel, at, false);
                }
            }
        }
    }
}

fn lock(backend: &Mutex<Backend>) -> MutexGuard<'_, Backend> {
    backend.lock().unwrap_or_else(|p| p.into_inner())
}

/// The roots for `paths`: absolute, existing, and none inside another (a path already reported
/// through another root is dropped).
fn resolve_roots(paths: &[PathBuf], options: &WatchOptions) -> Result<Vec<Root>> {
    let mut roots: Vec<Root> = Vec::new();
    for given in paths {
        let path = std::path::absolute(given).ctx("watch", "realpath", given)?;
        let meta = std::fs::metadata(&path).ctx("watch", "stat", &path)?;
        if meta.is_dir() && options.content.is_some() {
            let e = std::io::Error::from(std::io::ErrorKind::IsADirectory);
            return Err(Error::io(e, "watchContent", "open").path(&path));
        }
        let (dir, only) = if meta.is_dir() {
            (path.clone(), None)
        } else {
            match (path.parent(), path.file_name()) {
                (Some(parent), Some(name)) => (parent.to_path_buf(), Some(name.to_os_string())),
                _ => (path.clone(), None),
            }
        };
        roots.push(Root { path, dir, only, tree: Node::empty_dir(), present: true, waiting_on: None });
    }
    // Shallow roots first, so deeper ones can be checked against them.
    roots.sort_by_key(|r| r.path.components().count());
    let mut kept: Vec<Root> = Vec::new();
    for root in roots {
        let covered = kept.iter().any(|k| {
            k.path == root.path
                || (k.only.is_none()
                    && if options.recursive {
                        root.path.starts_with(&k.path)
                    } else {
                        root.only.is_some() && root.dir == k.path
                    })
        });
        if !covered {
            kept.push(root);
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::super::{ChangeKind, Watcher};
    use super::*;
    use crate::test_support::TempTree;
    use std::sync::mpsc;

    /// A watcher on `root` whose events arrive on the returned channel.
    fn start(root: &Path, debounce_ms: u64) -> (Watcher, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel();
        let sink: Sink = Box::new(move |events| events.into_iter().all(|e| tx.send(e).is_ok()));
        let options = WatchOptions { debounce: Duration::from_millis(debounce_ms), ..WatchOptions::default() };
        let w = Watcher::start(&[root.to_path_buf()], options, sink).unwrap();
        assert!(matches!(rx.recv_timeout(Duration::from_secs(10)), Ok(Event::Ready { .. })));
        (w, rx)
    }

    /// Changes as "kind path" lines (relative to `root`), until `last` is seen.
    fn changes_until(rx: &mpsc::Receiver<Event>, root: &Path, last: &str) -> Vec<String> {
        let mut seen = Vec::new();
        while !seen.iter().any(|s| s == last) {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(Event::Change(c)) => {
                    let rel = |p: &Path| p.strip_prefix(root).unwrap().display().to_string();
                    let mut s = format!("{} {}", c.kind.name(), rel(&c.path));
                    if c.kind == ChangeKind::Renamed {
                        s = format!("renamed {} {}", rel(c.from.as_deref().unwrap()), rel(&c.path));
                    }
                    seen.push(s);
                }
                Ok(other) => panic!("unexpected {other:?}"),
                Err(_) => panic!("timed out waiting for {last}; got {seen:?}"),
            }
        }
        seen
    }

    /// Let events still on their way (a write's modification after its creation) arrive.
    fn settle(rx: &mpsc::Receiver<Event>) {
        while rx.recv_timeout(Duration::from_millis(200)).is_ok() {}
    }

    #[test]
    fn reports_creations_renames_and_deletions() {
        let t = TempTree::new();
        let (w, rx) = start(t.path(), 0);
        std::fs::create_dir(t.path().join("d")).unwrap();
        std::fs::write(t.path().join("d/f"), "x").unwrap();
        let got = changes_until(&rx, t.path(), "created d/f");
        assert_eq!(got[..2], ["created d", "created d/f"]);
        settle(&rx);
        std::fs::rename(t.path().join("d/f"), t.path().join("g")).unwrap();
        assert_eq!(changes_until(&rx, t.path(), "renamed d/f g"), ["renamed d/f g"]);
        std::fs::remove_file(t.path().join("g")).unwrap();
        assert_eq!(changes_until(&rx, t.path(), "deleted g"), ["deleted g"]);
        w.close();
    }

    #[test]
    fn a_moved_directory_is_watched_at_its_new_path() {
        let t = TempTree::new();
        std::fs::create_dir_all(t.path().join("a/inner")).unwrap();
        let (w, rx) = start(t.path(), 0);
        std::fs::rename(t.path().join("a"), t.path().join("b")).unwrap();
        assert_eq!(changes_until(&rx, t.path(), "renamed a b"), ["renamed a b"]);
        std::fs::write(t.path().join("b/inner/f"), "x").unwrap();
        assert_eq!(
            changes_until(&rx, t.path(), "created b/inner/f").first().map(String::as_str),
            Some("created b/inner/f")
        );
        w.close();
    }

    #[test]
    fn an_atomic_save_is_one_modification() {
        let t = TempTree::new();
        std::fs::write(t.path().join("f"), "1").unwrap();
        let (w, rx) = start(t.path(), 50);
        std::fs::write(t.path().join("f.tmp"), "2").unwrap();
        std::fs::rename(t.path().join("f.tmp"), t.path().join("f")).unwrap();
        assert_eq!(changes_until(&rx, t.path(), "modified f"), ["modified f"]);
        w.close();
    }

    #[test]
    fn roots_inside_other_roots_are_dropped() {
        let t = TempTree::new();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        std::fs::write(t.path().join("sub/file"), "x").unwrap();
        let paths = [t.path().join("sub/file"), t.path().to_path_buf(), t.path().join("sub")];
        let roots = resolve_roots(&paths, &WatchOptions::default()).unwrap();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].path, t.path());
        let flat = WatchOptions { recursive: false, ..WatchOptions::default() };
        let roots = resolve_roots(&paths, &flat).unwrap();
        assert_eq!(
            roots.iter().map(|r| r.path.clone()).collect::<Vec<_>>(),
            [t.path().to_path_buf(), t.path().join("sub")]
        );
    }
}
