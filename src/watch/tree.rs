//! The in-memory snapshot of a watched tree.
//!
//! Raw kernel events only make sense against what was there before: a create for a path already
//! known is a duplicate, a rename onto a known file is an atomic save, a delete of an unknown path
//! is noise. And after the kernel queue overflows nobody can say which events were lost, so the
//! watcher rescans and [`diff`]s the result with this snapshot ("what changed while we weren't
//! looking"). Each entry keeps a kind and a 64-bit stamp of (inode, mtime, size). Directories
//! hold their entries in B-trees, which are built full from a scan: about 75 bytes per file, name
//! included, half what a hash map costs.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// FIFO, socket, device.
    Other,
}

pub type Children = BTreeMap<Box<OsStr>, Node>;

#[derive(Debug)]
pub struct Node {
    pub kind: Kind,
    /// Changes whenever the entry's content or identity does (see `platform::stamp`).
    pub stamp: u64,
    /// `Some` for directories whose contents are tracked.
    children: Option<Box<Children>>,
}

/// What [`diff`] found for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    Created,
    Modified,
    Deleted,
}

impl Node {
    pub fn leaf(kind: Kind, stamp: u64) -> Node {
        Node { kind, stamp, children: None }
    }

    /// A directory with tracked contents.
    pub fn dir(stamp: u64, children: Children) -> Node {
        Node { kind: Kind::Dir, stamp, children: Some(Box::new(children)) }
    }

    pub fn empty_dir() -> Node {
        Node::dir(0, Children::new())
    }

    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    pub fn children(&self) -> impl Iterator<Item = (&OsStr, &Node)> {
        self.children.iter().flat_map(|c| c.iter().map(|(name, node)| (name.as_ref(), node)))
    }

    /// Number of entries below this node.
    #[cfg(test)]
    pub fn descendants(&self) -> usize {
        self.children().map(|(_, n)| 1 + n.descendants()).sum()
    }

    pub fn get(&self, rel: &Path) -> Option<&Node> {
        let mut node = self;
        for name in rel.iter() {
            node = node.children.as_ref()?.get(name)?;
        }
        Some(node)
    }

    pub fn get_mut(&mut self, rel: &Path) -> Option<&mut Node> {
        let mut node = self;
        for name in rel.iter() {
            node = node.children.as_mut()?.get_mut(name)?;
        }
        Some(node)
    }

    /// Put `node` at `rel`, replacing what was there. `false` (and `node` dropped) when the parent
    /// is not a tracked directory.
    pub fn insert(&mut self, rel: &Path, node: Node) -> bool {
        let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else { return false };
        match self.get_mut(parent).and_then(|p| p.children.as_mut()) {
            Some(children) => {
                children.insert(name.into(), node);
                true
            }
            None => false,
        }
    }

    pub fn remove(&mut self, rel: &Path) -> Option<Node> {
        let (parent, name) = (rel.parent()?, rel.file_name()?);
        self.get_mut(parent)?.children.as_mut()?.remove(name)
    }

    /// This node and everything below it, each directory before its contents.
    pub fn visit_pre(&self, path: &Path, f: &mut impl FnMut(&Path, &Node)) {
        f(path, self);
        for (name, child) in self.children() {
            child.visit_pre(&path.join(name), f);
        }
    }

    /// Everything below this node and then the node, each directory after its contents.
    pub fn visit_post(&self, path: &Path, f: &mut impl FnMut(&Path, &Node)) {
        for (name, child) in self.children() {
            child.visit_post(&path.join(name), f);
        }
        f(path, self);
    }
}

/// Report every difference between an old and a fresh snapshot of the directory at `base`, in an
/// order that tells a consistent story: a new directory before its contents, the contents of a
/// vanished directory before the directory. Directories themselves are compared by their
/// contents only (their mtime moves with every entry added or removed).
pub fn diff(old: &Node, fresh: &Node, base: &Path, report: &mut impl FnMut(&Path, bool, Difference)) {
    let mut path = PathBuf::from(base);
    diff_children(old, fresh, &mut path, report);
}

fn diff_children(old: &Node, fresh: &Node, path: &mut PathBuf, report: &mut impl FnMut(&Path, bool, Difference)) {
    let empty = Children::new();
    let old_children = old.children.as_deref().unwrap_or(&empty);
    let fresh_children = fresh.children.as_deref().unwrap_or(&empty);
    for (name, before) in old_children {
        if !fresh_children.contains_key(name) {
            before.visit_post(&path.join(&**name), &mut |p, n| report(p, n.is_dir(), Difference::Deleted));
        }
    }
    for (name, now) in fresh_children {
        path.push(&**name);
        match old_children.get(name) {
            None => now.visit_pre(path, &mut |p, n| report(p, n.is_dir(), Difference::Created)),
            Some(before) if before.kind != now.kind => {
                before.visit_post(path, &mut |p, n| report(p, n.is_dir(), Difference::Deleted));
                now.visit_pre(path, &mut |p, n| report(p, n.is_dir(), Difference::Created));
            }
            Some(before) if before.is_dir() => diff_children(before, now, path, report),
            Some(before) if before.stamp != now.stamp => report(path, false, Difference::Modified),
            Some(_) => {}
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(stamp: u64) -> Node {
        Node::leaf(Kind::File, stamp)
    }

    fn dir(entries: Vec<(&str, Node)>) -> Node {
        Node::dir(1, entries.into_iter().map(|(n, node)| (OsStr::new(n).into(), node)).collect())
    }

    fn diffs(old: &Node, fresh: &Node) -> Vec<(String, Difference)> {
        let mut out = Vec::new();
        diff(old, fresh, Path::new("/r"), &mut |p, _, d| out.push((p.display().to_string(), d)));
        out
    }

    #[test]
    fn insert_get_and_remove_by_relative_path() {
        let mut t = Node::empty_dir();
        assert!(t.insert(Path::new("a"), Node::empty_dir()));
        assert!(t.insert(Path::new("a/f"), file(7)));
        assert!(!t.insert(Path::new("missing/f"), file(1)), "no parent, no insert");
        assert!(!t.insert(Path::new("a/f/x"), file(1)), "a file has no children");
        assert_eq!(t.get(Path::new("a/f")).map(|n| n.stamp), Some(7));
        assert_eq!(t.descendants(), 2);
        assert_eq!(t.remove(Path::new("a")).map(|n| n.descendants()), Some(1));
        assert!(t.get(Path::new("a/f")).is_none());
    }

    #[test]
    fn diff_reports_created_modified_and_deleted_entries() {
        let old = dir(vec![("same", file(1)), ("changed", file(2)), ("gone", file(3))]);
        let fresh = dir(vec![("same", file(1)), ("changed", file(9)), ("new", file(4))]);
        let mut got = diffs(&old, &fresh);
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            [
                ("/r/changed".into(), Difference::Modified),
                ("/r/gone".into(), Difference::Deleted),
                ("/r/new".into(), Difference::Created)
            ]
        );
    }

    #[test]
    fn diff_orders_new_directories_before_their_contents_and_gone_ones_after() {
        let old = dir(vec![("old", dir(vec![("x", file(1))]))]);
        let fresh = dir(vec![("new", dir(vec![("y", file(1))]))]);
        let got = diffs(&old, &fresh);
        assert_eq!(
            got,
            [
                ("/r/old/x".into(), Difference::Deleted),
                ("/r/old".into(), Difference::Deleted),
                ("/r/new".into(), Difference::Created),
                ("/r/new/y".into(), Difference::Created)
            ]
        );
    }

    #[test]
    fn diff_reports_a_kind_change_as_delete_then_create() {
        let old = dir(vec![("p", file(1))]);
        let fresh = dir(vec![("p", dir(vec![]))]);
        assert_eq!(diffs(&old, &fresh), [("/r/p".into(), Difference::Deleted), ("/r/p".into(), Difference::Created)]);
    }

    #[test]
    fn diff_ignores_directory_stamps_and_descends() {
        let old = dir(vec![("d", Node::dir(1, [(OsStr::new("f").into(), file(1))].into_iter().collect()))]);
        let fresh = dir(vec![("d", Node::dir(2, [(OsStr::new("f").into(), file(2))].into_iter().collect()))]);
        assert_eq!(diffs(&old, &fresh), [("/r/d/f".into(), Difference::Modified)]);
    }
}
