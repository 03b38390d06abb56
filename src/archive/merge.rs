//! Moving an extracted tree from its staging directory into the destination, all or nothing.
//!
//! Directories present in both are merged; files and links replace what the destination had.
//! Entries are moved one by one and a journal is kept: if a step fails (a file that would
//! replace a directory, a read-only subdirectory, a full disk), the steps already taken are
//! undone in reverse, so the destination is left as it was. A replaced entry is exchanged with its successor in one
//! atomic step where the platform can (Linux `renameat2(RENAME_EXCHANGE)`: the old entry ends
//! up in the staging directory, which is removed afterwards); elsewhere it is first moved aside.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

use cap_fs_ext::DirExt;
use cap_std::fs::Dir;

use super::entry_name::fold;
use super::{platform, UNSAFE};
use crate::error::{Error, IoContext, Result};

const OP: &str = "untar";

enum How {
    /// Moved from staging into the destination, where nothing had its name.
    Moved,
    /// Exchanged with the destination's entry of that name (now in staging).
    Exchanged,
    /// The destination's entry was moved aside (under this name) first.
    Aside(OsString),
}

/// One step taken: `name` in the directory `dir` (relative to both roots).
struct Step {
    dir: PathBuf,
    name: OsString,
    how: How,
}

pub struct Merge<'a> {
    staging: &'a Dir,
    dest: &'a Dir,
    /// The staging directory's name in the destination (no entry may take it).
    staging_name: &'a Path,
    /// The destination as shown in errors.
    shown: &'a Path,
    steps: Vec<Step>,
    /// Where replaced entries go where they cannot be exchanged: a directory of the
    /// destination created on first use, with its name.
    aside: Option<(OsString, Dir)>,
    set_aside: u64,
    /// Originals that could not be put back outside the journal's steps.
    unrestored: usize,
}

impl<'a> Merge<'a> {
    pub fn new(staging: &'a Dir, dest: &'a Dir, staging_name: &'a Path, shown: &'a Path) -> Self {
        Merge { staging, dest, staging_name, shown, steps: Vec::new(), aside: None, set_aside: 0, unrestored: 0 }
    }

    /// Move everything in. On failure the destination is restored; `Err((error, true))` when
    /// that itself failed part-way: the staging directory must then be kept (the error's hint
    /// says what is left where).
    pub fn run(mut self) -> std::result::Result<(), (Error, bool)> {
        match self.apply(self.staging, self.dest, Path::new("")) {
            Ok(()) => {
                self.remove_aside();
                Ok(())
            }
            Err(e) => {
                let failed = self.undo() + self.unrestored;
                if failed == 0 {
                    self.remove_aside();
                    return Err((e, false));
                }
                let aside = self.aside.as_ref().map(|(name, _)| name.clone());
                let mut hint = format!(
                    "{failed} of the entries already moved could not be moved back: the staging directory '{}'",
                    self.staging_name.display()
                );
                if let Some(name) = &aside {
                    hint.push_str(&format!(" and '{}'", Path::new(name).display()));
                }
                hint.push_str(" in the destination were kept and hold the originals");
                Err((e.hint(hint), true))
            }
        }
    }

    fn shown(&self, dir: &Path, name: &OsStr) -> PathBuf {
        self.shown.join(dir).join(name)
    }

    /// Names in `dir`, sorted, so a merge (and a failure in it) does not depend on the order
    /// the filesystem lists them in.
    fn names(&self, dir: &Dir, rel: &Path) -> Result<Vec<(OsString, bool)>> {
        let shown = self.shown.join(rel);
        let mut names = Vec::new();
        for entry in dir.entries().ctx(OP, "scandir", &shown)? {
            let entry = entry.ctx(OP, "scandir", &shown)?;
            let name = entry.file_name();
            let is_dir = entry.file_type().ctx(OP, "lstat", &self.shown(rel, &name))?.is_dir();
            names.push((name, is_dir));
        }
        names.sort();
        Ok(names)
    }

    fn apply(&mut self, staging: &Dir, dest: &Dir, rel: &Path) -> Result<()> {
        for (name, is_dir) in self.names(staging, rel)? {
            let shown = self.shown(rel, &name);
            // Compared folded: on a case-insensitive filesystem another spelling is the same directory.
            if rel.as_os_str().is_empty() && fold(Path::new(&name)) == fold(self.staging_name) {
                return Err(Error::new(UNSAFE, OP, "an entry has the name of the staging directory").path(shown));
            }
            match dest.symlink_metadata(&name) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    hook()?;
                    staging.rename(&name, dest, &name).ctx(OP, "rename", &shown)?;
                    self.steps.push(Step { dir: rel.to_path_buf(), name, how: How::Moved });
                }
                Err(e) => return Err(Error::io(e, OP, "lstat").path(shown)),
                Ok(md) if md.is_dir() && is_dir => {
                    let from = staging.open_dir_nofollow(&name).ctx(OP, "opendir", &shown)?;
                    let to = dest.open_dir_nofollow(&name).ctx(OP, "opendir", &shown)?;
                    self.apply(&from, &to, &rel.join(&name))?;
                }
                // Nothing may replace a directory of the destination by a non-directory.
                Ok(md) if md.is_dir() => {
                    let hint = format!("'{}' would replace a directory of the destination", shown.display());
                    return Err(Error::io(io::ErrorKind::IsADirectory.into(), OP, "rename").path(shown).hint(hint));
                }
                Ok(_) => self.replace(staging, dest, rel, name, &shown)?,
            }
        }
        Ok(())
    }

    fn replace(&mut self, staging: &Dir, dest: &Dir, rel: &Path, name: OsString, shown: &Path) -> Result<()> {
        hook()?;
        if exchanges() && platform::exchange(staging, &name, dest, &name).ctx(OP, "rename", shown)? {
            self.steps.push(Step { dir: rel.to_path_buf(), name, how: How::Exchanged });
            return Ok(());
        }
        let aside_name = OsString::from(self.set_aside.to_string());
        self.set_aside += 1;
        let aside = self.aside_dir()?;
        dest.rename(&name, aside, &aside_name).ctx(OP, "rename", shown)?;
        if let Err(e) = staging.rename(&name, dest, &name) {
            if aside.rename(&aside_name, dest, &name).is_err() {
                // The original stays set aside: the undo must not count as complete.
                self.unrestored += 1;
            }
            return Err(Error::io(e, OP, "rename").path(shown));
        }
        self.steps.push(Step { dir: rel.to_path_buf(), name, how: How::Aside(aside_name) });
        Ok(())
    }

    /// The directory replaced entries are moved into, created on first use under a name that
    /// neither the destination nor the archive's top level has.
    fn aside_dir(&mut self) -> Result<&Dir> {
        if self.aside.is_none() {
            let base = self.staging_name.as_os_str().to_string_lossy().into_owned();
            let mut n = 0u32;
            let name = loop {
                let candidate =
                    OsString::from(format!("{base}.replaced{}", if n == 0 { String::new() } else { n.to_string() }));
                n += 1;
                if self.staging.symlink_metadata(&candidate).is_ok() {
                    continue;
                }
                match self.dest.create_dir(&candidate) {
                    Ok(()) => break candidate,
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(Error::io(e, OP, "mkdir").path(self.shown.join(&candidate))),
                }
            };
            let dir = self.dest.open_dir_nofollow(&name).ctx(OP, "opendir", &self.shown.join(&name))?;
            self.aside = Some((name, dir));
        }
        Ok(&self.aside.as_ref().expect("set above").1)
    }

    fn remove_aside(&mut self) {
        if let Some((name, dir)) = self.aside.take() {
            drop(dir);
            let _ = self.dest.remove_dir_all(&name);
        }
    }

    /// Undo every step, last first; returns how many could not be undone.
    fn undo(&mut self) -> usize {
        let mut failed = 0;
        // The directories of the last step, reopened only when the step is in another one.
        let mut open: Option<(PathBuf, Dir, Dir)> = None;
        for step in std::mem::take(&mut self.steps).into_iter().rev() {
            if open.as_ref().is_none_or(|(dir, _, _)| *dir != step.dir) {
                open = match (descend(self.staging, &step.dir), descend(self.dest, &step.dir)) {
                    (Ok(s), Ok(d)) => Some((step.dir.clone(), s, d)),
                    _ => {
                        failed += 1;
                        continue;
                    }
                };
            }
            let Some((_, staging, dest)) = &open else { continue };
            let undone = match &step.how {
                How::Moved => dest.rename(&step.name, staging, &step.name),
                How::Exchanged => platform::exchange(staging, &step.name, dest, &step.name).and_then(|done| {
                    if done {
                        Ok(())
                    } else {
                        Err(io::ErrorKind::Unsupported.into())
                    }
                }),
                How::Aside(aside_name) => match &self.aside {
                    Some((_, aside)) => dest
                        .rename(&step.name, staging, &step.name)
                        .and_then(|()| aside.rename(aside_name, dest, &step.name)),
                    None => Err(io::ErrorKind::NotFound.into()),
                },
            };
            if undone.is_err() {
                failed += 1;
            }
        }
        failed
    }
}

/// `root`/`rel`, every component opened without following links.
fn descend(root: &Dir, rel: &Path) -> io::Result<Dir> {
    let mut dir = root.try_clone()?;
    for c in rel.components() {
        dir = dir.open_dir_nofollow(c.as_os_str())?;
    }
    Ok(dir)
}

#[cfg(test)]
thread_local! {
    /// Steps allowed before one fails (tests of the undo).
    static FAIL_AFTER: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    /// Take the path of platforms without an atomic exchange.
    static NO_EXCHANGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn exchanges() -> bool {
    #[cfg(test)]
    if NO_EXCHANGE.get() {
        return false;
    }
    true
}

/// Called before each step; in tests, fails the step once FAIL_AFTER steps were taken.
fn hook() -> Result<()> {
    #[cfg(test)]
    if let Some(n) = FAIL_AFTER.get() {
        if n == 0 {
            return Err(Error::io(io::ErrorKind::PermissionDenied.into(), OP, "rename"));
        }
        FAIL_AFTER.set(Some(n - 1));
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::test_support::TempTree;
    use cap_std::ambient_authority;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (name, data) in files {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
    }

    fn snapshot(root: &Path) -> Vec<(String, String)> {
        fn visit(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
            let rel = dir.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            out.push((rel, "<dir>".into()));
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    visit(root, &p, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    out.push((rel, std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        visit(root, root, &mut out);
        out
    }

    fn setup() -> (TempTree, PathBuf, PathBuf) {
        let t = TempTree::new();
        let dest = t.path().join("dest");
        let staging = dest.join(".stage");
        write(&dest, &[("a", "old a"), ("b", "old b"), ("d/x", "old x"), ("d/keep", "keep"), ("z", "old z")]);
        write(
            &staging,
            &[("a", "new a"), ("b", "new b"), ("c", "new c"), ("d/x", "new x"), ("d/y", "new y"), ("z", "new z")],
        );
        (t, dest, staging)
    }

    fn merge(dest: &Path, staging: &Path) -> std::result::Result<(), (Error, bool)> {
        let d = Dir::open_ambient_dir(dest, ambient_authority()).unwrap();
        let s = Dir::open_ambient_dir(staging, ambient_authority()).unwrap();
        Merge::new(&s, &d, Path::new(".stage"), dest).run()
    }

    /// Each test runs with an atomic exchange (where the platform has one) and without.
    fn both_ways(test: impl Fn()) {
        for no_exchange in [false, true] {
            NO_EXCHANGE.set(no_exchange);
            test();
            NO_EXCHANGE.set(false);
        }
    }

    #[test]
    fn merges_and_replaces() {
        both_ways(merges_and_replaces_once);
    }

    #[test]
    fn a_failed_step_leaves_the_destination_as_it_was() {
        both_ways(a_failed_step_leaves_the_destination_as_it_was_once);
    }

    fn merges_and_replaces_once() {
        let (_t, dest, staging) = setup();
        merge(&dest, &staging).map_err(|(e, _)| e).unwrap();
        std::fs::remove_dir_all(&staging).unwrap();
        // Nothing set aside is left either.
        assert_eq!(
            snapshot(&dest),
            [
                ("".into(), "<dir>".into()),
                ("a".into(), "new a".into()),
                ("b".into(), "new b".into()),
                ("c".into(), "new c".into()),
                ("d".into(), "<dir>".into()),
                ("d/keep".into(), "keep".into()),
                ("d/x".into(), "new x".into()),
                ("d/y".into(), "new y".into()),
                ("z".into(), "new z".into()),
            ]
        );
    }

    fn a_failed_step_leaves_the_destination_as_it_was_once() {
        // Every point of failure: after 0, 1, … 5 of the 6 steps.
        for steps in 0..6 {
            let (_t, dest, staging) = setup();
            let before = {
                let mut s = snapshot(&dest);
                s.retain(|(p, _)| !p.starts_with(".stage"));
                s
            };
            FAIL_AFTER.set(Some(steps));
            let result = merge(&dest, &staging);
            FAIL_AFTER.set(None);
            let (err, leftovers) = result.err().expect("the merge must fail");
            assert_eq!(err.code, "EACCES");
            assert!(!leftovers, "everything was undone");
            std::fs::remove_dir_all(&staging).unwrap();
            assert_eq!(snapshot(&dest), before, "after {steps} steps");
        }
    }

    #[test]
    fn a_file_never_replaces_a_directory() {
        let (_t, dest, staging) = setup();
        write(&staging, &[("e", "file")]);
        std::fs::create_dir(dest.join("e")).unwrap();
        let (err, _) = merge(&dest, &staging).err().unwrap();
        assert_eq!(err.code, "EISDIR");
        assert_eq!(err.path.as_deref(), Some(dest.join("e").as_path()));
        assert_eq!(std::fs::read_to_string(dest.join("a")).unwrap(), "old a", "nothing was moved");
    }
}
