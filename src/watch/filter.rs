//! Which paths a watcher leaves alone: the user's patterns and, when asked, `.gitignore` files.
//!
//! Patterns use gitignore syntax, relative to each watched root: `node_modules` or `*.log` match
//! at any depth, `dist/**` or `/build` only below the root, a trailing `/` matches directories
//! only, `!keep.log` re-includes. An ignored directory is neither scanned nor watched, so ignoring
//! `node_modules` also saves its kernel watches. With `gitignore`, the `.gitignore` files of the
//! tree apply as git applies them (a deeper file wins), together with those of the root's
//! ancestors up to the repository root, and `.git` itself is ignored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

use crate::error::{Error, Result};

pub struct Filter {
    /// The user's patterns, built once per root directory they are relative to.
    patterns: HashMap<PathBuf, Gitignore>,
    /// `.gitignore` files by the directory holding them; `None` when not asked for.
    gitignores: Option<RwLock<HashMap<PathBuf, Arc<Gitignore>>>>,
}

impl Filter {
    /// `roots`: the directories patterns are relative to.
    pub fn new(patterns: &[String], gitignore: bool, roots: &[&Path]) -> Result<Filter> {
        let mut built = HashMap::new();
        if !patterns.is_empty() {
            for root in roots {
                let mut builder = GitignoreBuilder::new(root);
                for pattern in patterns {
                    builder.add_line(None, pattern).map_err(|e| invalid_pattern(pattern, &e))?;
                }
                let matcher =
                    builder.build().map_err(|e| Error::invalid_arg("watch", format!("invalid ignore pattern: {e}")))?;
                built.insert(root.to_path_buf(), matcher);
            }
        }
        let filter = Filter { patterns: built, gitignores: gitignore.then(|| RwLock::new(HashMap::new())) };
        if gitignore {
            for root in roots {
                filter.load_ancestors(root);
            }
        }
        Ok(filter)
    }

    pub fn uses_gitignore(&self) -> bool {
        self.gitignores.is_some()
    }

    /// Whether `path` (below `root`) is ignored. Its parent directories are assumed not to be:
    /// ignored directories are never scanned, so nothing below them is ever asked about.
    pub fn is_ignored(&self, root: &Path, path: &Path, is_dir: bool) -> bool {
        if let Some(m) = self.patterns.get(root) {
            match m.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        let Some(gitignores) = &self.gitignores else { return false };
        if is_dir && path.file_name().is_some_and(|n| n == ".git") {
            return true;
        }
        let map = gitignores.read().unwrap_or_else(|p| p.into_inner());
        if map.is_empty() {
            return false;
        }
        for dir in path.ancestors().skip(1) {
            if let Some(g) = map.get(dir) {
                match g.matched(path, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
        }
        false
    }

    /// (Re)read `dir/.gitignore`, or forget it if it is gone. Returns whether the rules changed.
    pub fn reload_gitignore(&self, dir: &Path) -> bool {
        let Some(gitignores) = &self.gitignores else { return false };
        let file = dir.join(".gitignore");
        let loaded = file.is_file().then(|| Arc::new(Gitignore::new(&file).0));
        let mut map = gitignores.write().unwrap_or_else(|p| p.into_inner());
        match loaded {
            Some(g) => {
                map.insert(dir.to_path_buf(), g);
                true
            }
            None => map.remove(dir).is_some(),
        }
    }

    /// The `.gitignore` files of `root` and its ancestors up to the repository root (the first
    /// directory holding `.git`), or just `root`'s own outside a repository.
    fn load_ancestors(&self, root: &Path) {
        let in_repo = root.ancestors().any(|d| d.join(".git").exists());
        for dir in root.ancestors() {
            self.reload_gitignore(dir);
            if !in_repo || dir.join(".git").exists() {
                break;
            }
        }
    }
}

fn invalid_pattern(pattern: &str, e: &ignore::Error) -> Error {
    Error::invalid_arg("watch", format!("invalid ignore pattern '{pattern}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn patterns(list: &[&str], root: &Path) -> Filter {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Filter::new(&list, false, &[root]).unwrap()
    }

    #[test]
    fn bare_names_match_at_any_depth_and_slashes_anchor_to_the_root() {
        let r = Path::new("/w");
        let f = patterns(&["node_modules", "*.log", "/build", "docs/*.tmp"], r);
        assert!(f.is_ignored(r, Path::new("/w/node_modules"), true));
        assert!(f.is_ignored(r, Path::new("/w/a/b/node_modules"), true));
        assert!(f.is_ignored(r, Path::new("/w/a/x.log"), false));
        assert!(f.is_ignored(r, Path::new("/w/build"), true));
        assert!(!f.is_ignored(r, Path::new("/w/src/build"), true));
        assert!(f.is_ignored(r, Path::new("/w/docs/a.tmp"), false));
        assert!(!f.is_ignored(r, Path::new("/w/other/a.tmp"), false));
        assert!(!f.is_ignored(r, Path::new("/w/src/main.rs"), false));
    }

    #[test]
    fn trailing_slash_matches_directories_only_and_negation_reincludes() {
        let r = Path::new("/w");
        let f = patterns(&["out/", "*.log", "!keep.log"], r);
        assert!(f.is_ignored(r, Path::new("/w/out"), true));
        assert!(!f.is_ignored(r, Path::new("/w/out"), false));
        assert!(!f.is_ignored(r, Path::new("/w/keep.log"), false));
    }

    #[test]
    fn invalid_patterns_are_argument_errors() {
        let err = Filter::new(&["a{b".to_string()], false, &[Path::new("/w")]).err().expect("must fail");
        assert_eq!(err.code, "ERR_INVALID_ARG_VALUE");
    }

    #[test]
    fn gitignore_files_apply_below_their_directory_and_deeper_ones_win() {
        let t = TempTree::new();
        let root = t.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join(".gitignore"), "*.gen\ntarget/\n").unwrap();
        std::fs::write(root.join("sub/.gitignore"), "!keep.gen\n").unwrap();
        let f = Filter::new(&[], true, &[root]).unwrap();
        f.reload_gitignore(&root.join("sub"));
        assert!(f.is_ignored(root, &root.join("a.gen"), false));
        assert!(f.is_ignored(root, &root.join("sub/b.gen"), false));
        assert!(!f.is_ignored(root, &root.join("sub/keep.gen"), false));
        assert!(f.is_ignored(root, &root.join("target"), true));
        assert!(f.is_ignored(root, &root.join(".git"), true));
        assert!(!f.is_ignored(root, &root.join("src.rs"), false));
    }

    #[test]
    fn gitignore_files_above_the_root_apply_up_to_the_repository_root() {
        let t = TempTree::new();
        let repo = t.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("app/src")).unwrap();
        std::fs::write(t.path().join(".gitignore"), "*.outside\n").unwrap(); // above the repository
        std::fs::write(repo.join(".gitignore"), "*.gen\n").unwrap();
        let root = repo.join("app/src");
        let f = Filter::new(&[], true, &[&root]).unwrap();
        assert!(f.is_ignored(&root, &root.join("x.gen"), false));
        assert!(!f.is_ignored(&root, &root.join("x.outside"), false));
    }

    #[test]
    fn gitignore_rules_follow_edits_to_the_file() {
        let t = TempTree::new();
        let root = t.path();
        let f = Filter::new(&[], true, &[root]).unwrap();
        assert!(!f.is_ignored(root, &root.join("x.tmp"), false));
        std::fs::write(root.join(".gitignore"), "*.tmp\n").unwrap();
        assert!(f.reload_gitignore(root));
        assert!(f.is_ignored(root, &root.join("x.tmp"), false));
        std::fs::remove_file(root.join(".gitignore")).unwrap();
        assert!(f.reload_gitignore(root));
        assert!(!f.is_ignored(root, &root.join("x.tmp"), false));
    }
}
