//! `grep`: lines matching a pattern in every file below a directory (or in one file).
//! Directories are read in parallel by the walker; each file is searched by the task that
//! found it. Binary files are skipped; with `gitignore`, `.gitignore` rules found in the tree
//! are honoured and `.git` is skipped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use regex::bytes::Regex;

use super::ignore::IgnoreNode;
use super::matcher::compile_regex;
use super::searcher::{search, Outcome};
use super::{lossy, Report};
use crate::error::{Error, Result};
use crate::fs::walk::{walk, Control, Entry, ErrorLog, WalkOptions};
use crate::fs::{FileKind, FileSystem};

#[derive(Debug, Clone, Default)]
pub struct GrepOptions {
    /// The pattern is a plain string, not a regex.
    pub literal: bool,
    pub ignore_case: bool,
    /// Stop after this many matching lines.
    pub max_results: Option<usize>,
    pub gitignore: bool,
    pub follow_links: bool,
}

/// XyPriss's `SearchMatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrepMatch {
    pub file: String,
    /// 1-based.
    pub line: u64,
    /// The line's text (lossy UTF-8), without its line break.
    pub content: String,
}

const OP: &str = "grep";

struct Search<'a> {
    re: Regex,
    ctl: Control<'a>,
    limit: usize,
    count: AtomicUsize,
    /// Set when the limit is reached or the caller cancels: the walker stops reading directories.
    stop: AtomicBool,
    found: Mutex<Vec<GrepMatch>>,
    log: ErrorLog,
}

impl Search<'_> {
    /// Search one file. `shown` builds its path as shown in results; it is only called for a
    /// file that matches or fails, so most files never build one.
    fn file(&self, reader: impl std::io::Read, shown: &dyn Fn() -> PathBuf) {
        let mut file: Option<String> = None;
        let mut mine = Vec::new();
        let outcome = search(reader, &self.re, self.ctl, |line, text| {
            if self.count.fetch_add(1, Ordering::Relaxed) >= self.limit {
                self.stop.store(true, Ordering::Relaxed);
                return false;
            }
            let file = file.get_or_insert_with(|| lossy(&shown())).clone();
            mine.push(GrepMatch { file, line, content: String::from_utf8_lossy(text).into_owned() });
            true
        });
        match outcome {
            Ok(Outcome::Searched) if !mine.is_empty() => {
                self.found.lock().unwrap_or_else(|p| p.into_inner()).append(&mut mine)
            }
            Ok(Outcome::Searched) => {}
            Ok(Outcome::Binary) => {
                self.count.fetch_sub(mine.len(), Ordering::Relaxed);
            }
            Err(e) => self.log.push(Error::io(e, OP, "read").path(shown())),
        }
        if self.ctl.cancelled() {
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}

impl FileSystem {
    pub fn grep(
        &self,
        path: &str,
        pattern: &str,
        opts: &GrepOptions,
        ctl: Control<'_>,
    ) -> Result<Report<Vec<GrepMatch>>> {
        let re = compile_regex(OP, pattern, opts.literal, opts.ignore_case)?;
        let target = self.resolve(path, OP)?;
        let shown = super::shown_clean(&target);
        let job = Search {
            re,
            ctl,
            limit: opts.max_results.unwrap_or(usize::MAX),
            count: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            found: Mutex::new(Vec::new()),
            log: ErrorLog::default(),
        };
        if job.limit == 0 {
            return Ok(Report { value: Vec::new(), problems: Default::default() });
        }
        if !target.metadata(OP, true)?.is_dir() {
            job.file(target.open_read(OP)?, &|| shown.clone());
            if let Some(e) = job.log.into_parts().0.into_iter().next() {
                return Err(e);
            }
            ctl.check(OP)?;
            return Ok(Report { value: job.found.into_inner().unwrap_or_default(), problems: Default::default() });
        }
        let dir = target.open_dir(OP, true)?;
        let ignore = opts.gitignore.then(|| IgnoreNode::root(&dir));
        let visit = |e: &Entry<'_>, rules: &Option<Arc<IgnoreNode>>| -> Option<Option<Arc<IgnoreNode>>> {
            let is_dir = e.kind == FileKind::Dir;
            if rules.as_ref().is_some_and(|r| r.is_ignored(e.rel, is_dir)) {
                return None;
            }
            match e.kind {
                FileKind::Dir => Some(rules.as_ref().map(|r| r.child(e.parent, e.name, e.rel))),
                FileKind::File if e.via_link => {
                    match target.join(e.rel).open_read(OP) {
                        Ok(file) => job.file(file, &|| shown.join(e.rel)),
                        Err(err) => job.log.push(err.path(shown.join(e.rel))),
                    }
                    None
                }
                FileKind::File => {
                    match e.open_read() {
                        Ok(file) => job.file(file, &|| shown.join(e.rel)),
                        Err(err) => job.log.push(Error::io(err, OP, "open").path(shown.join(e.rel))),
                    }
                    None
                }
                _ => None,
            }
        };
        let follow = |rel: &Path| super::follow_link(&target, rel, OP);
        let opts = WalkOptions {
            cancel: Some(&job.stop),
            follow: opts.follow_links.then_some(&follow as _),
            ..ctl.walk_options(None)
        };
        walk(dir, &shown, ignore, opts, &visit, &|err| job.log.push(err));
        ctl.check(OP)?;
        let mut found = job.found.into_inner().unwrap_or_default();
        // Sorted, so results do not depend on thread timing (with a limit, which files were
        // searched first still does).
        found.sort_unstable_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        found.truncate(job.limit);
        Ok(Report { value: found, problems: job.log.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn setup(files: &[(&str, &[u8])]) -> (TempTree, FileSystem) {
        let t = TempTree::new();
        for (name, data) in files {
            let p = t.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        let fs = FileSystem::new(t.path(), true).unwrap();
        (t, fs)
    }

    fn rel(fs: &FileSystem, m: &[GrepMatch]) -> Vec<(String, u64, String)> {
        let root = fs.root().unwrap();
        m.iter().map(|m| (lossy(Path::new(&m.file).strip_prefix(root).unwrap()), m.line, m.content.clone())).collect()
    }

    #[test]
    fn finds_lines_in_every_file_and_skips_binaries() {
        let (_t, fs) = setup(&[("a.txt", b"hello\nworld\n"), ("sub/b.txt", b"say hello\n"), ("bin", b"hello\0")]);
        let r = fs.grep(".", "hello", &GrepOptions::default(), Control::default()).unwrap();
        assert_eq!(
            rel(&fs, &r.value),
            [("a.txt".into(), 1, "hello".into()), ("sub/b.txt".into(), 1, "say hello".into())]
        );
    }

    #[test]
    fn honours_gitignore_when_asked() {
        let (_t, fs) = setup(&[
            (".gitignore", b"ignored/\n*.log\n"),
            ("ignored/a.txt", b"hit\n"),
            ("x.log", b"hit\n"),
            ("sub/.gitignore", b"!keep.log\n"),
            ("sub/keep.log", b"hit\n"),
            ("kept.txt", b"hit\n"),
        ]);
        let opts = GrepOptions { gitignore: true, ..Default::default() };
        let r = fs.grep(".", "hit", &opts, Control::default()).unwrap();
        assert_eq!(
            rel(&fs, &r.value),
            [("kept.txt".into(), 1, "hit".into()), ("sub/keep.log".into(), 1, "hit".into())]
        );
        let r = fs.grep(".", "hit", &GrepOptions::default(), Control::default()).unwrap();
        assert_eq!(r.value.len(), 4);
    }

    #[test]
    fn max_results_limits_the_answer() {
        let (_t, fs) = setup(&[("a", b"x\nx\nx\n"), ("b", b"x\nx\n")]);
        let opts = GrepOptions { max_results: Some(3), ..Default::default() };
        assert_eq!(fs.grep(".", "x", &opts, Control::default()).unwrap().value.len(), 3);
    }
}
