//! `.gitignore` rules, as per-directory walk state: each directory's node holds the rules of
//! its own `.gitignore` and points to its parent's, so deciding whether an entry is ignored
//! reads the nearest rules first, as git does.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::Dir;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

/// Larger `.gitignore` files are not read (they are almost certainly not ignore files).
const MAX_IGNORE_FILE: u64 = 1 << 20;

pub struct IgnoreNode {
    parent: Option<Arc<IgnoreNode>>,
    /// This directory, relative to the walk's start.
    dir: PathBuf,
    rules: Option<Gitignore>,
}

impl IgnoreNode {
    /// The node for the walk's start directory.
    pub fn root(start: &Dir) -> Arc<IgnoreNode> {
        Arc::new(IgnoreNode { parent: None, dir: PathBuf::new(), rules: read_rules(start, Path::new(".gitignore")) })
    }

    /// The node for subdirectory `name` (at `rel`) of the directory this node describes;
    /// `parent` is that directory's handle.
    pub fn child(self: &Arc<Self>, parent: &Dir, name: &std::ffi::OsStr, rel: &Path) -> Arc<IgnoreNode> {
        let rules = read_rules(parent, &Path::new(name).join(".gitignore"));
        if rules.is_none() {
            return Arc::clone(self);
        }
        Arc::new(IgnoreNode { parent: Some(Arc::clone(self)), dir: rel.to_path_buf(), rules })
    }

    /// Whether the entry at `rel` (relative to the walk's start) is ignored. `.git` always is.
    pub fn is_ignored(&self, rel: &Path, is_dir: bool) -> bool {
        if is_dir && rel.file_name().is_some_and(|n| n == ".git") {
            return true;
        }
        let mut node = Some(self);
        while let Some(n) = node {
            if let (Some(rules), Ok(below)) = (&n.rules, rel.strip_prefix(&n.dir)) {
                match rules.matched(below, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
            node = n.parent.as_deref();
        }
        false
    }
}

fn read_rules(dir: &Dir, path: &Path) -> Option<Gitignore> {
    let mut how = cap_std::fs::OpenOptions::new();
    how.read(true).follow(FollowSymlinks::No);
    let file = dir.open_with(path, &how).ok()?;
    let mut text = String::new();
    file.take(MAX_IGNORE_FILE).read_to_string(&mut text).ok()?;
    // Paths are matched relative to the directory, so the builder's root is irrelevant.
    let mut builder = GitignoreBuilder::new("");
    for line in text.lines() {
        let _ = builder.add_line(None, line);
    }
    builder.build().ok().filter(|g| !g.is_empty())
}
