//! Content watching: what changed inside a file, as a line diff against its previous version.
//!
//! The watch layer says *that* a file changed; this module reads it and compares it with the last
//! version seen. It compares contents, not events, so whatever sequence of events a save produces
//! (in place, atomic rename, delete and re-create) the result is one report if and only if the
//! content differs. Text is kept in memory for files up to `max_bytes` so the next version can be
//! diffed; binary files (a NUL byte or invalid UTF-8) are kept as a hash, larger files as their
//! size, inode and modification time, and both are reported without a diff.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use similar::{capture_diff_slices_deadline, Algorithm, ChangeTag};

use super::scan;
use crate::error::{Error, IoContext, Result};

/// A diff taking longer than this falls back to a coarser (still correct) one.
const DIFF_TIME_LIMIT: Duration = Duration::from_millis(500);
/// How much of a file is searched for a NUL byte, as git does.
const BINARY_PROBE: usize = 8000;

#[derive(Debug, Clone, Copy)]
pub struct ContentOptions {
    /// Compute line diffs (otherwise only sizes are reported).
    pub diff: bool,
    /// Files larger than this are compared by size, inode and mtime and never read.
    pub max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// `true` for an added line, `false` for a removed one.
    pub added: bool,
    /// 1-based: in the new version for added lines, in the previous one for removed lines.
    pub line_number: u64,
    /// The line without its line ending.
    pub line: String,
}

#[derive(Debug, Clone)]
pub struct ContentChange {
    pub path: PathBuf,
    pub previous_size: u64,
    pub size: u64,
    /// `false` when the file was deleted (its size is then 0).
    pub exists: bool,
    /// `None` when either version is binary or larger than `max_bytes`, or diffs are off.
    pub diff: Option<Vec<LineChange>>,
    pub timestamp: f64,
}

/// What is remembered of one version of a file.
#[derive(Debug, PartialEq)]
enum Body {
    Missing,
    /// UTF-8 text without NUL bytes, kept for the next diff.
    Text(String),
    /// Content hash: binary files, or any file when diffs are off.
    Hash([u8; 32]),
    /// Too large to read: identity, size and mtime.
    Stamp(u64),
}

#[derive(Debug)]
struct Version {
    size: u64,
    body: Body,
}

pub struct ContentTracker {
    options: ContentOptions,
    files: HashMap<PathBuf, Version>,
}

impl ContentTracker {
    pub fn new(options: ContentOptions) -> Self {
        ContentTracker { options, files: HashMap::new() }
    }

    pub fn tracks(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    /// Remember the current version of `path` as the baseline.
    pub fn prime(&mut self, path: &Path) -> Result<()> {
        let version = self.read(path)?;
        self.files.insert(path.to_path_buf(), version);
        Ok(())
    }

    /// Read `path` again: `Some` change if its content differs from the last version seen.
    pub fn refresh(&mut self, path: &Path, timestamp: f64) -> Result<Option<ContentChange>> {
        let Some(previous) = self.files.get(path) else { return Ok(None) };
        let current = self.read(path)?;
        if current.body == previous.body {
            return Ok(None);
        }
        let diff = if self.options.diff { line_diff(&previous.body, &current.body) } else { None };
        let change = ContentChange {
            path: path.to_path_buf(),
            previous_size: previous.size,
            size: current.size,
            exists: current.body != Body::Missing,
            diff,
            timestamp,
        };
        self.files.insert(path.to_path_buf(), current);
        Ok(Some(change))
    }

    fn read(&self, path: &Path) -> Result<Version> {
        const OP: &str = "watchContent";
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Version { size: 0, body: Body::Missing }),
            Err(e) => return Err(Error::io(e, OP, "open").path(path)),
        };
        let len = file.metadata().ctx(OP, "fstat", path)?.len();
        let too_large =
            |size| Version { size, body: Body::Stamp(scan::probe(path, scan::Follow::Never).map_or(0, |(_, s)| s)) };
        if len > self.options.max_bytes {
            return Ok(too_large(len));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        (&mut file).take(self.options.max_bytes + 1).read_to_end(&mut bytes).ctx(OP, "read", path)?;
        let size = bytes.len() as u64;
        if size > self.options.max_bytes {
            return Ok(too_large(size)); // it grew while being read
        }
        let binary = bytes[..bytes.len().min(BINARY_PROBE)].contains(&0);
        let body = match String::from_utf8(bytes) {
            Ok(text) if !binary && self.options.diff => Body::Text(text),
            Ok(text) => Body::Hash(*blake3::hash(text.as_bytes()).as_bytes()),
            Err(e) => Body::Hash(*blake3::hash(e.as_bytes()).as_bytes()),
        };
        Ok(Version { size, body })
    }
}

/// Added and removed lines between two versions; unchanged lines are left out. A missing file
/// counts as empty. `None` unless both versions are text.
fn line_diff(previous: &Body, current: &Body) -> Option<Vec<LineChange>> {
    let text = |b: &Body| match b {
        Body::Text(t) => Some(t.clone()),
        Body::Missing => Some(String::new()),
        _ => None,
    };
    let (old, new) = (text(previous)?, text(current)?);
    Some(diff_lines(&old, &new))
}

pub fn diff_lines(old: &str, new: &str) -> Vec<LineChange> {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &old, &new, Some(Instant::now() + DIFF_TIME_LIMIT));
    let mut out = Vec::new();
    for op in &ops {
        for change in op.iter_changes(&old, &new) {
            let (added, index) = match change.tag() {
                ChangeTag::Equal => continue,
                ChangeTag::Insert => (true, change.new_index()),
                ChangeTag::Delete => (false, change.old_index()),
            };
            let line_number = index.map_or(0, |i| i as u64 + 1);
            out.push(LineChange { added, line_number, line: change.value().to_string() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn shown(diff: &[LineChange]) -> Vec<String> {
        diff.iter().map(|c| format!("{}{} {}", if c.added { "+" } else { "-" }, c.line_number, c.line)).collect()
    }

    fn tracker(max_bytes: u64) -> ContentTracker {
        ContentTracker::new(ContentOptions { diff: true, max_bytes })
    }

    #[test]
    fn diff_lists_added_and_removed_lines_with_their_numbers() {
        let d = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!(shown(&d), ["-2 b", "+2 B", "+4 d"]);
    }

    #[test]
    fn line_endings_are_not_part_of_lines() {
        assert!(diff_lines("a\r\nb\r\n", "a\nb").is_empty());
    }

    #[test]
    fn a_change_is_reported_with_sizes_and_diff_and_becomes_the_new_baseline() {
        let t = TempTree::new();
        let f = t.path().join("f.txt");
        std::fs::write(&f, "one\ntwo\n").unwrap();
        let mut c = tracker(1 << 20);
        c.prime(&f).unwrap();
        std::fs::write(&f, "one\n2\n").unwrap();
        let change = c.refresh(&f, 1.0).unwrap().expect("content changed");
        assert_eq!((change.previous_size, change.size, change.exists), (8, 6, true));
        assert_eq!(shown(change.diff.as_deref().unwrap()), ["-2 two", "+2 2"]);
        assert!(c.refresh(&f, 2.0).unwrap().is_none(), "same content again: nothing to report");
    }

    #[test]
    fn deletion_and_recreation_diff_against_an_empty_file() {
        let t = TempTree::new();
        let f = t.path().join("f.txt");
        std::fs::write(&f, "x\n").unwrap();
        let mut c = tracker(1 << 20);
        c.prime(&f).unwrap();
        std::fs::remove_file(&f).unwrap();
        let gone = c.refresh(&f, 1.0).unwrap().unwrap();
        assert_eq!((gone.exists, gone.size, gone.previous_size), (false, 0, 2));
        assert_eq!(shown(gone.diff.as_deref().unwrap()), ["-1 x"]);
        std::fs::write(&f, "y\n").unwrap();
        let back = c.refresh(&f, 2.0).unwrap().unwrap();
        assert_eq!(shown(back.diff.as_deref().unwrap()), ["+1 y"]);
    }

    #[test]
    fn binary_and_oversized_files_are_reported_without_a_diff() {
        let t = TempTree::new();
        let bin = t.path().join("b.bin");
        std::fs::write(&bin, b"a\0b").unwrap();
        let big = t.path().join("big.txt");
        std::fs::write(&big, "0123456789").unwrap();
        let mut c = tracker(8);
        c.prime(&bin).unwrap();
        c.prime(&big).unwrap();
        std::fs::write(&bin, b"a\0c").unwrap();
        std::fs::write(&big, "0123456789abc").unwrap();
        let b = c.refresh(&bin, 1.0).unwrap().unwrap();
        assert!(b.diff.is_none());
        let g = c.refresh(&big, 1.0).unwrap().unwrap();
        assert!(g.diff.is_none());
        assert_eq!((g.previous_size, g.size), (10, 13));
    }
}
