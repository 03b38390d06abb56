//! `batch_rename`: rename every entry below a directory whose name matches a regex.
//!
//! The whole plan is made and checked first: a new name that already exists in its directory,
//! or that two entries would both get, refuses the whole batch with `EEXIST`. Then entries are
//! renamed deepest first, so renaming a directory never invalidates a path still to be renamed;
//! if a step fails, the steps already done are undone in reverse order. Each step renames
//! within one directory handle and never replaces an existing entry.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cap_fs_ext::MetadataExt;
use cap_std::fs::Dir;

use super::matcher::compile_regex;
use super::noreplace::rename_noreplace;
use super::{lossy, Report};
use crate::error::{Error, Result};
use crate::fs::walk::{walk, Control, Entry, ErrorLog};
use crate::fs::{FileKind, FileSystem};

/// One rename of the plan: absolute paths; `new_path` is where the entry ends up once every
/// rename of the batch (its directories' included) is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameStep {
    pub old_path: String,
    pub new_path: String,
}

const OP: &str = "batchRename";

struct Planned {
    /// Relative to the start.
    rel: PathBuf,
    new_name: OsString,
    depth: usize,
}

impl FileSystem {
    /// Rename entries whose (UTF-8) name matches `pattern`: the first match in the name is
    /// replaced by `replacement` (`$1`, `${name}` refer to capture groups). The start directory
    /// itself is never renamed. With `dry_run`, only the plan is returned.
    pub fn batch_rename(
        &self,
        dir: &str,
        pattern: &str,
        replacement: &str,
        dry_run: bool,
        ctl: Control<'_>,
    ) -> Result<Report<Vec<RenameStep>>> {
        let re = compile_regex(OP, pattern, false, false)?;
        let target = self.resolve(dir, OP)?;
        let shown = super::shown_clean(&target);
        let planned = Mutex::new(Vec::new());
        let conflicts = ErrorLog::default();
        let log = ErrorLog::default();
        let visit = |e: &Entry<'_>, _: &()| {
            let descend = (e.kind == FileKind::Dir).then_some(());
            let Some(name) = e.name.to_str() else { return descend };
            let new_name = re.replacen(name.as_bytes(), 1, replacement.as_bytes());
            if new_name.as_ref() == name.as_bytes() {
                return descend;
            }
            let new_name = String::from_utf8_lossy(&new_name).into_owned();
            let at = |p: &Path| shown.join(p);
            if new_name.is_empty()
                || new_name == "."
                || new_name == ".."
                || new_name.contains(['/', '\0'])
                || (cfg!(windows) && new_name.contains('\\'))
            {
                conflicts.push(
                    Error::invalid_arg(OP, format!("replacement gives the invalid name '{new_name}'")).path(at(e.rel)),
                );
                return descend;
            }
            // Taken already, unless by the entry itself (a case-only rename on a
            // case-insensitive filesystem).
            if let Ok(existing) = e.parent.symlink_metadata(&new_name) {
                let same = e
                    .parent
                    .symlink_metadata(e.name)
                    .is_ok_and(|md| (md.dev(), md.ino()) == (existing.dev(), existing.ino()));
                if !same {
                    conflicts.push(exists(at(e.rel), at(&e.rel.with_file_name(&new_name))));
                    return descend;
                }
            }
            planned.lock().unwrap_or_else(|p| p.into_inner()).push(Planned {
                rel: e.rel.to_path_buf(),
                new_name: new_name.into(),
                depth: e.depth,
            });
            descend
        };
        walk(target.open_dir(OP, true)?, &shown, (), ctl.walk_options(None), &visit, &|e| log.push(e));
        ctl.check(OP)?;
        if let Some(e) = conflicts.into_parts().0.into_iter().next() {
            return Err(e);
        }
        let mut planned = planned.into_inner().unwrap_or_default();
        let mut taken = HashSet::new();
        for p in &planned {
            if !taken.insert(p.rel.with_file_name(&p.new_name)) {
                return Err(exists(shown.join(&p.rel), shown.join(p.rel.with_file_name(&p.new_name)))
                    .hint("two entries would get the same name"));
            }
        }
        planned.sort_by(|a, b| b.depth.cmp(&a.depth).then_with(|| a.rel.cmp(&b.rel)));

        let renamed_dirs: HashMap<&Path, &OsString> = planned.iter().map(|p| (p.rel.as_path(), &p.new_name)).collect();
        let final_path = |rel: &Path, new_name: &OsString| -> PathBuf {
            let mut old = PathBuf::new();
            let mut new = PathBuf::new();
            if let Some(parent) = rel.parent() {
                for c in parent.components() {
                    old.push(c);
                    new.push(renamed_dirs.get(old.as_path()).map_or(c.as_os_str(), |n| n.as_os_str()));
                }
            }
            new.join(new_name)
        };
        let mut steps: Vec<RenameStep> = planned
            .iter()
            .map(|p| RenameStep {
                old_path: lossy(&shown.join(&p.rel)),
                new_path: lossy(&shown.join(final_path(&p.rel, &p.new_name))),
            })
            .collect();
        if !dry_run {
            apply(self, dir, &shown, &planned)?;
        }
        steps.sort_by(|a, b| a.old_path.cmp(&b.old_path));
        Ok(Report { value: steps, problems: log.into() })
    }
}

fn exists(path: PathBuf, dest: PathBuf) -> Error {
    Error::io(std::io::ErrorKind::AlreadyExists.into(), OP, "rename").path(path).dest(dest)
}

/// Rename in plan order (deepest first); on failure undo what was done, newest first.
fn apply(fs: &FileSystem, dir: &str, shown: &Path, planned: &[Planned]) -> Result<()> {
    let start = fs.resolve(dir, OP)?;
    let parent_of = |p: &Planned| -> Result<Dir> {
        match p.rel.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => start.join(parent).open_dir(OP, false),
            _ => start.open_dir(OP, true),
        }
    };
    let name_of = |p: &Planned| p.rel.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    let mut done: Vec<(Dir, &Planned)> = Vec::new();
    for p in planned {
        let result = parent_of(p).and_then(|d| {
            rename_noreplace(&d, &name_of(p), &p.new_name)
                .map_err(|e| {
                    Error::io(e, OP, "rename")
                        .path(shown.join(&p.rel))
                        .dest(shown.join(p.rel.with_file_name(&p.new_name)))
                })
                .map(|()| d)
        });
        match result {
            Ok(d) => done.push((d, p)),
            Err(e) => {
                let mut stuck = Vec::new();
                for (d, p) in done.iter().rev() {
                    if rename_noreplace(d, &p.new_name, &name_of(p)).is_err() {
                        stuck.push(lossy(&shown.join(p.rel.with_file_name(&p.new_name))));
                    }
                }
                return Err(if stuck.is_empty() {
                    e.hint("nothing was renamed: the renames already done were undone")
                } else {
                    e.hint(format!("could not undo the renames of: {}", stuck.join(", ")))
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::find::relative_sorted;
    use crate::test_support::TempTree;

    fn setup(files: &[&str]) -> (TempTree, FileSystem) {
        let t = TempTree::new();
        for f in files {
            let p = t.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            if !f.ends_with('/') {
                std::fs::write(p, f).unwrap();
            }
        }
        let fs = FileSystem::new(t.path(), true).unwrap();
        (t, fs)
    }

    fn listing(t: &TempTree) -> Vec<String> {
        let mut v: Vec<String> = walkdir_all(t.path());
        v.sort();
        v
    }

    fn walkdir_all(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                out.push(lossy(p.strip_prefix(root).unwrap()));
                if p.is_dir() {
                    stack.push(p);
                }
            }
        }
        out
    }

    #[test]
    fn renames_directories_and_their_contents() {
        let (t, fs) = setup(&["old_dir/old_a.txt", "old_b.txt"]);
        let plan = fs.batch_rename(".", "^old_", "new_", false, Control::default()).unwrap().value;
        let root = fs.root().unwrap().to_path_buf();
        assert_eq!(
            relative_sorted(&root, plan.iter().map(|s| s.new_path.clone()).collect()),
            ["new_b.txt", "new_dir", "new_dir/new_a.txt"]
        );
        assert_eq!(listing(&t), ["new_b.txt", "new_dir", "new_dir/new_a.txt"]);
    }

    #[test]
    fn refuses_collisions_and_changes_nothing() {
        let (t, fs) = setup(&["a1", "a2", "b1"]);
        let e = fs.batch_rename(".", "^a", "b", false, Control::default()).unwrap_err();
        assert_eq!(e.code, "EEXIST");
        let e = fs.batch_rename(".", r"\d", "", false, Control::default()).unwrap_err();
        assert_eq!(e.code, "EEXIST");
        assert_eq!(listing(&t), ["a1", "a2", "b1"]);
    }

    #[test]
    fn dry_run_changes_nothing() {
        let (t, fs) = setup(&["x.txt"]);
        let plan = fs.batch_rename(".", r"\.txt$", ".md", true, Control::default()).unwrap().value;
        assert_eq!(plan.len(), 1);
        assert_eq!(listing(&t), ["x.txt"]);
    }
}
