//! Debouncing: what happened to each path during a short window, reported as one event.
//!
//! For every path the coalescer remembers whether it existed when the window opened and whether it
//! exists now, and reports the difference when the window closes: created then modified is one
//! `created`, modified five times is one `modified`, created then deleted is nothing, deleted then
//! re-created is `modified`. Renames link two paths, so an editor's atomic save (write `f.tmp`,
//! rename it over `f`) comes out as a single `modified` for `f`, and `a → b → c` as one rename.
//!
//! Windows are fixed from a path's first event, never extended, so a file written continuously is
//! still reported once per window. A window of zero reports everything at the next flush (the
//! end of the current batch of kernel events), merging only what arrived together.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Change, ChangeKind, Moment};

#[derive(Debug)]
struct Entry {
    /// Order of first appearance, which is the order events are reported in.
    seq: u64,
    due: Instant,
    /// Whether the path existed when its window opened (`Some(is_dir)`) and whether it exists now.
    before: Option<bool>,
    after: Option<bool>,
    /// Content or metadata changed while the path existed.
    changed: bool,
    /// This path is where `moved_from` (which existed before the window) went.
    moved_from: Option<PathBuf>,
    /// This path existed before the window and was moved to `moved_to`.
    moved_to: Option<PathBuf>,
    unix: f64,
}

pub struct Coalescer {
    window: Duration,
    entries: HashMap<PathBuf, Entry>,
    seq: u64,
}

impl Coalescer {
    pub fn new(window: Duration) -> Self {
        Coalescer { window, entries: HashMap::new(), seq: 0 }
    }

    /// The entry for `path`, opened with `before` if it has none yet.
    fn entry(&mut self, path: &Path, before: Option<bool>, at: Moment) -> &mut Entry {
        use std::collections::hash_map::Entry as Slot;
        let entry = match self.entries.entry(path.to_path_buf()) {
            Slot::Occupied(slot) => slot.into_mut(),
            Slot::Vacant(slot) => {
                self.seq += 1;
                slot.insert(Entry {
                    seq: self.seq,
                    due: at.instant + self.window,
                    before,
                    after: before,
                    changed: false,
                    moved_from: None,
                    moved_to: None,
                    unix: at.unix,
                })
            }
        };
        entry.unix = at.unix;
        entry
    }

    pub fn created(&mut self, path: &Path, is_dir: bool, at: Moment) {
        let e = self.entry(path, None, at);
        if e.before.is_some() {
            e.changed = true; // deleted and re-created: the content is new
        }
        e.after = Some(is_dir);
    }

    pub fn modified(&mut self, path: &Path, is_dir: bool, at: Moment) {
        let e = self.entry(path, Some(is_dir), at);
        e.after = Some(is_dir);
        e.changed = true;
    }

    pub fn deleted(&mut self, path: &Path, is_dir: bool, at: Moment) {
        let e = self.entry(path, Some(is_dir), at);
        e.after = None;
        e.changed = false;
        if let Some(origin) = e.moved_from.take() {
            if let Some(o) = self.entries.get_mut(&origin) {
                o.moved_to = None;
            }
        }
    }

    /// `from` was renamed to `to`; `replaced` is `Some(is_dir)` when `to` existed and was replaced.
    pub fn renamed(&mut self, from: &Path, to: &Path, is_dir: bool, replaced: Option<bool>, at: Moment) {
        if from == to {
            return;
        }
        let f = self.entry(from, Some(is_dir), at);
        f.after = None;
        let carried_change = std::mem::take(&mut f.changed);
        // Who the thing now at `to` was when the window opened: `from` itself, whatever `from`
        // had been moved from, or nobody if it was created during the window.
        let origin = match f.moved_from.take() {
            Some(earlier) => Some(earlier),
            None if f.before.is_some() => Some(from.to_path_buf()),
            None => None,
        };
        if origin.as_deref() != Some(from) {
            f.moved_to = None;
        }

        let t = self.entry(to, replaced, at);
        let replacing = t.after.is_some();
        t.after = Some(is_dir);
        if origin.as_deref() == Some(to) {
            // Back where it was when the window opened.
            t.changed |= carried_change;
            t.moved_to = None;
            return;
        }
        if replacing || t.before.is_some() {
            // Onto a path that existed: that path's content changed (an atomic save).
            t.changed = true;
            t.moved_from = None;
            if let Some(o) = origin.as_ref().and_then(|o| self.entries.get_mut(o)) {
                o.moved_to = None;
            }
            return;
        }
        t.changed = carried_change;
        t.moved_from = origin.clone();
        if let Some(o) = origin.as_ref().and_then(|o| self.entries.get_mut(o)) {
            o.moved_to = Some(to.to_path_buf());
        }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// When the earliest open window closes.
    pub fn next_due(&self) -> Option<Instant> {
        self.entries.values().map(|e| e.due).min()
    }

    /// Report and forget every path whose window has closed (all of them with `everything`).
    pub fn flush(&mut self, now: Instant, everything: bool) -> Vec<Change> {
        let mut due: Vec<PathBuf> =
            self.entries.iter().filter(|(_, e)| everything || e.due <= now).map(|(p, _)| p.clone()).collect();
        if due.is_empty() {
            return Vec::new();
        }
        // The two ends of a rename are reported together.
        let mut in_due: HashSet<PathBuf> = due.iter().cloned().collect();
        let partners: Vec<PathBuf> = due
            .iter()
            .filter_map(|p| self.entries.get(p))
            .flat_map(|e| e.moved_from.iter().chain(e.moved_to.iter()).cloned())
            .collect();
        for p in partners {
            if self.entries.contains_key(&p) && in_due.insert(p.clone()) {
                due.push(p);
            }
        }
        let mut taken: Vec<(PathBuf, Entry)> =
            due.into_iter().filter_map(|p| self.entries.remove(&p).map(|e| (p, e))).collect();
        taken.sort_by_key(|(_, e)| e.seq);
        let index: HashMap<&Path, &Entry> = taken.iter().map(|(p, e)| (p.as_path(), e)).collect();

        // Renames whose both ends are here: `from` existed before and is gone, `to` did not
        // exist and does; reported at `to`'s place in the order.
        let renames: HashMap<PathBuf, PathBuf> = taken
            .iter()
            .filter(|(_, e)| e.before.is_none() && e.after.is_some())
            .filter_map(|(to, e)| {
                let from = e.moved_from.as_ref()?;
                let o = index.get(from.as_path())?;
                let paired = o.before.is_some() && o.after.is_none() && o.moved_to.as_deref() == Some(to.as_path());
                paired.then(|| (from.clone(), to.clone()))
            })
            .collect();

        let mut out = Vec::new();
        let event = |kind, path: &Path, is_dir, unix| Change {
            kind,
            path: path.to_path_buf(),
            from: None,
            is_dir,
            timestamp: unix,
        };
        for (path, e) in &taken {
            if renames.contains_key(path) {
                continue; // reported by the other end
            }
            if let Some(from) = e.moved_from.as_ref().filter(|f| renames.get(*f) == Some(path)) {
                let is_dir = e.after.unwrap_or(false);
                out.push(Change { from: Some(from.clone()), ..event(ChangeKind::Renamed, path, is_dir, e.unix) });
                if e.changed {
                    out.push(event(ChangeKind::Modified, path, is_dir, e.unix));
                }
                continue;
            }
            match (e.before, e.after) {
                (None, Some(d)) => out.push(event(ChangeKind::Created, path, d, e.unix)),
                (Some(d), None) => out.push(event(ChangeKind::Deleted, path, d, e.unix)),
                (Some(was), Some(is)) if was != is => {
                    out.push(event(ChangeKind::Deleted, path, was, e.unix));
                    out.push(event(ChangeKind::Created, path, is, e.unix));
                }
                (Some(_), Some(is)) if e.changed => out.push(event(ChangeKind::Modified, path, is, e.unix)),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Clock(Instant);
    impl Clock {
        fn at(&self, ms: u64) -> Moment {
            Moment { instant: self.0 + Duration::from_millis(ms), unix: ms as f64 }
        }
    }

    fn shown(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                let kind = format!("{:?}", c.kind).to_lowercase();
                match &c.from {
                    Some(from) => format!("{kind} {} -> {}", from.display(), c.path.display()),
                    None => format!("{kind} {}", c.path.display()),
                }
            })
            .collect()
    }

    fn setup(window_ms: u64) -> (Coalescer, Clock) {
        (Coalescer::new(Duration::from_millis(window_ms)), Clock(Instant::now()))
    }

    fn p(s: &str) -> &Path {
        Path::new(s)
    }

    #[test]
    fn repeated_modifications_are_one_event() {
        let (mut c, t) = setup(20);
        for i in 0..5 {
            c.modified(p("/f"), false, t.at(i));
        }
        assert!(c.flush(t.at(10).instant, false).is_empty(), "window still open");
        assert_eq!(shown(&c.flush(t.at(20).instant, false)), ["modified /f"]);
        assert!(c.is_empty());
    }

    #[test]
    fn created_then_modified_is_created_and_created_then_deleted_is_nothing() {
        let (mut c, t) = setup(20);
        c.created(p("/a"), false, t.at(0));
        c.modified(p("/a"), false, t.at(1));
        c.created(p("/b"), false, t.at(2));
        c.deleted(p("/b"), false, t.at(3));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["created /a"]);
    }

    #[test]
    fn deleted_then_recreated_is_modified() {
        let (mut c, t) = setup(20);
        c.deleted(p("/f"), false, t.at(0));
        c.created(p("/f"), false, t.at(1));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["modified /f"]);
    }

    #[test]
    fn atomic_save_is_one_modified() {
        let (mut c, t) = setup(20);
        c.created(p("/f.tmp"), false, t.at(0));
        c.modified(p("/f.tmp"), false, t.at(1));
        c.renamed(p("/f.tmp"), p("/f"), false, Some(false), t.at(2));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["modified /f"]);
    }

    #[test]
    fn atomic_save_without_a_window_is_still_one_modified_for_the_file() {
        let (mut c, t) = setup(0);
        c.created(p("/f.tmp"), false, t.at(0));
        assert_eq!(shown(&c.flush(t.at(0).instant, false)), ["created /f.tmp"]);
        c.renamed(p("/f.tmp"), p("/f"), false, Some(false), t.at(1));
        assert_eq!(shown(&c.flush(t.at(1).instant, false)), ["deleted /f.tmp", "modified /f"]);
    }

    #[test]
    fn a_rename_is_reported_once_with_both_paths() {
        let (mut c, t) = setup(0);
        c.renamed(p("/a"), p("/b"), false, None, t.at(0));
        assert_eq!(shown(&c.flush(t.at(0).instant, false)), ["renamed /a -> /b"]);
    }

    #[test]
    fn chained_renames_collapse() {
        let (mut c, t) = setup(20);
        c.renamed(p("/a"), p("/b"), false, None, t.at(0));
        c.renamed(p("/b"), p("/c"), false, None, t.at(1));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["renamed /a -> /c"]);
    }

    #[test]
    fn renaming_back_and_forth_is_nothing() {
        let (mut c, t) = setup(20);
        c.renamed(p("/a"), p("/b"), false, None, t.at(0));
        c.renamed(p("/b"), p("/a"), false, None, t.at(1));
        assert!(c.flush(t.at(30).instant, false).is_empty());
    }

    #[test]
    fn a_new_file_renamed_is_created_at_its_final_path() {
        let (mut c, t) = setup(20);
        c.created(p("/tmp1"), false, t.at(0));
        c.renamed(p("/tmp1"), p("/new"), false, None, t.at(1));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["created /new"]);
    }

    #[test]
    fn renamed_then_deleted_is_deleted_at_the_old_path() {
        let (mut c, t) = setup(20);
        c.renamed(p("/a"), p("/b"), false, None, t.at(0));
        c.deleted(p("/b"), false, t.at(1));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["deleted /a"]);
    }

    #[test]
    fn modified_then_renamed_reports_the_rename_and_the_change() {
        let (mut c, t) = setup(20);
        c.modified(p("/a"), false, t.at(0));
        c.renamed(p("/a"), p("/b"), false, None, t.at(1));
        assert_eq!(shown(&c.flush(t.at(30).instant, false)), ["renamed /a -> /b", "modified /b"]);
    }

    #[test]
    fn both_ends_of_a_rename_flush_together() {
        let (mut c, t) = setup(20);
        c.modified(p("/a"), false, t.at(0)); // opens /a's window at 0
        c.renamed(p("/a"), p("/b"), false, None, t.at(15)); // /b's window would close at 35
        assert_eq!(shown(&c.flush(t.at(20).instant, false)), ["renamed /a -> /b", "modified /b"]);
        assert!(c.is_empty());
    }

    #[test]
    fn windows_are_fixed_from_the_first_event() {
        let (mut c, t) = setup(20);
        c.modified(p("/f"), false, t.at(0));
        c.modified(p("/f"), false, t.at(19));
        assert_eq!(shown(&c.flush(t.at(20).instant, false)), ["modified /f"]);
        c.modified(p("/f"), false, t.at(21));
        assert_eq!(c.next_due(), Some(t.at(41).instant));
    }

    #[test]
    fn events_come_out_in_order_of_first_appearance() {
        let (mut c, t) = setup(0);
        c.created(p("/d"), true, t.at(0));
        c.created(p("/d/x"), false, t.at(0));
        c.deleted(p("/old/y"), false, t.at(0));
        c.deleted(p("/old"), true, t.at(0));
        assert_eq!(
            shown(&c.flush(t.at(0).instant, false)),
            ["created /d", "created /d/x", "deleted /old/y", "deleted /old"]
        );
    }

    #[test]
    fn a_file_replaced_by_a_directory_is_deleted_then_created() {
        let (mut c, t) = setup(20);
        c.deleted(p("/p"), false, t.at(0));
        c.created(p("/p"), true, t.at(1));
        let out = c.flush(t.at(30).instant, false);
        assert_eq!(shown(&out), ["deleted /p", "created /p"]);
        assert!(!out[0].is_dir && out[1].is_dir);
    }
}
