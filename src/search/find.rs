//! `find`, `find_by_ext`, `modified_since`: entries below a directory chosen by name, type or
//! modification time. Results are absolute paths in walk order; the start directory itself is
//! never a result.

use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use regex::bytes::Regex;

use super::matcher::{compile_regex, NameGlob};
use super::{lossy, Report};
use crate::error::{Error, Result};
use crate::fs::walk::{walk, Control, Entry, ErrorLog, WalkOptions};
use crate::fs::{FileKind, FileSystem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KindFilter {
    File,
    Dir,
    Symlink,
    #[default]
    Any,
}

#[derive(Debug, Clone, Default)]
pub struct FindOptions {
    /// Regex searched for (unanchored) in the entry's name.
    pub pattern: Option<String>,
    /// Glob matched against the name, or the relative path when it contains `/`.
    pub glob: Option<String>,
    pub kind: KindFilter,
    pub max_depth: Option<usize>,
    /// Follow symbolic links (types are then those of what links lead to).
    pub follow_links: bool,
}

impl FileSystem {
    pub fn find(&self, dir: &str, opts: &FindOptions, ctl: Control<'_>) -> Result<Report<Vec<String>>> {
        const OP: &str = "find";
        let regex: Option<Regex> = opts.pattern.as_deref().map(|p| compile_regex(OP, p, false, false)).transpose()?;
        let glob = opts.glob.as_deref().map(|g| NameGlob::new(OP, g)).transpose()?;
        self.select(OP, dir, opts.max_depth, opts.follow_links, ctl, |e, _, _| {
            let kind_ok = match opts.kind {
                KindFilter::Any => true,
                KindFilter::File => e.kind == FileKind::File,
                KindFilter::Dir => e.kind == FileKind::Dir,
                KindFilter::Symlink => e.kind == FileKind::Symlink,
            };
            kind_ok
                && regex.as_ref().is_none_or(|re| re.is_match(e.name.as_encoded_bytes()))
                && glob.as_ref().is_none_or(|g| g.is_match(e.name, e.rel))
        })
    }

    /// Regular files whose name ends with `.ext` (`ext` may have several parts, `tar.gz`, and a
    /// leading dot or not). Case-sensitive; a name must have something before the extension.
    pub fn find_by_ext(&self, dir: &str, ext: &str, ctl: Control<'_>) -> Result<Report<Vec<String>>> {
        const OP: &str = "findByExt";
        let ext = ext.trim_start_matches('.');
        if ext.is_empty() {
            return Err(Error::invalid_arg(OP, "extension must not be empty"));
        }
        let suffix = format!(".{ext}");
        let suffix = suffix.as_bytes();
        self.select(OP, dir, None, false, ctl, |e, _, _| {
            let name = e.name.as_encoded_bytes();
            e.kind == FileKind::File && name.len() > suffix.len() && name.ends_with(suffix)
        })
    }

    /// Regular files modified strictly after `since`.
    pub fn modified_since(&self, dir: &str, since: SystemTime, ctl: Control<'_>) -> Result<Report<Vec<String>>> {
        const OP: &str = "modifiedSince";
        self.select(OP, dir, None, false, ctl, |e, shown, log| {
            if e.kind != FileKind::File {
                return false;
            }
            match e.parent.symlink_metadata(e.name).and_then(|md| md.modified()) {
                Ok(t) => t.into_std() > since,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => false,
                Err(err) => {
                    log.push(Error::io(err, OP, "lstat").path(shown.join(e.rel)));
                    false
                }
            }
        })
    }

    /// Walk `dir` and keep the absolute paths of the entries `keep` accepts (it is given the
    /// start as shown to users and the log for problems it meets).
    fn select(
        &self,
        op: &'static str,
        dir: &str,
        max_depth: Option<usize>,
        follow_links: bool,
        ctl: Control<'_>,
        keep: impl Fn(&Entry<'_>, &Path, &ErrorLog) -> bool + Sync,
    ) -> Result<Report<Vec<String>>> {
        let target = self.resolve(dir, op)?;
        let shown = super::shown_clean(&target);
        let handle = target.open_dir(op, true)?;
        let found = Mutex::new(Vec::new());
        let log = ErrorLog::default();
        let follow = |rel: &Path| super::follow_link(&target, rel, op);
        walk(
            handle,
            &shown,
            (),
            WalkOptions { follow: follow_links.then_some(&follow as _), ..ctl.walk_options(max_depth) },
            &|e: &Entry<'_>, _: &()| {
                if keep(e, &shown, &log) {
                    let path = lossy(&shown.join(e.rel));
                    found.lock().unwrap_or_else(|p| p.into_inner()).push(path);
                }
                (e.kind == FileKind::Dir).then_some(())
            },
            &|err| log.push(err),
        );
        ctl.check(op)?;
        Ok(Report { value: found.into_inner().unwrap_or_else(|p| p.into_inner()), problems: log.into() })
    }
}

/// Test helper: paths relative to `base`, sorted.
#[cfg(test)]
pub(crate) fn relative_sorted(base: &Path, paths: Vec<String>) -> Vec<String> {
    let mut v: Vec<String> =
        paths.into_iter().map(|p| Path::new(&p).strip_prefix(base).map(lossy).unwrap_or(p)).collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn tree() -> (TempTree, FileSystem) {
        let t = TempTree::new();
        for d in ["src", "src/deep", "docs"] {
            std::fs::create_dir(t.path().join(d)).unwrap();
        }
        for f in ["a.tar.gz", "b.gz", "src/main.rs", "src/deep/lib.rs", "docs/x.md", ".tar.gz"] {
            std::fs::write(t.path().join(f), "x").unwrap();
        }
        let fs = FileSystem::new(t.path(), true).unwrap();
        (t, fs)
    }

    #[test]
    fn find_matches_names_by_regex_and_type() {
        let (t, fs) = tree();
        let opts = FindOptions { pattern: Some(r"\.rs$".into()), ..Default::default() };
        let r = fs.find(".", &opts, Control::default()).unwrap();
        assert_eq!(relative_sorted(&fs.root().unwrap().to_path_buf(), r.value), ["src/deep/lib.rs", "src/main.rs"]);
        let opts = FindOptions { kind: KindFilter::Dir, ..Default::default() };
        let r = fs.find(".", &opts, Control::default()).unwrap();
        assert_eq!(relative_sorted(&fs.root().unwrap().to_path_buf(), r.value), ["docs", "src", "src/deep"]);
        drop(t);
    }

    #[test]
    fn find_by_ext_handles_multi_part_extensions() {
        let (_t, fs) = tree();
        let r = fs.find_by_ext(".", "tar.gz", Control::default()).unwrap();
        assert_eq!(relative_sorted(&fs.root().unwrap().to_path_buf(), r.value), ["a.tar.gz"]);
        let r = fs.find_by_ext(".", ".gz", Control::default()).unwrap();
        assert_eq!(relative_sorted(&fs.root().unwrap().to_path_buf(), r.value), [".tar.gz", "a.tar.gz", "b.gz"]);
    }
}
