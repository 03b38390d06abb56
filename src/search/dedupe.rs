//! `dedupe`: groups of identical files. Files are grouped by size first; only sizes shared by
//! several distinct files are read: first a prefix hash, then, for files still tied, a full
//! SHA-256, in parallel. Hard links to one file are one file (they waste no space), empty files
//! are never duplicates, and a file that cannot be read is reported, never grouped.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;

use cap_fs_ext::MetadataExt;
use rayon::prelude::*;

use super::{lossy, Report};
use crate::error::{Error, IoContext, Result};
use crate::fs::walk::{walk, Control, Entry, ErrorLog};
use crate::fs::{hash_reader, Algorithm, FileKind, FileSystem, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateGroup {
    /// SHA-256 of the content, hex.
    pub hash: String,
    pub size: u64,
    /// Absolute paths, sorted; hard links to the same file are all listed.
    pub paths: Vec<String>,
}

/// Bytes hashed to split a size group before hashing whole files.
const PREFIX: u64 = 16 * 1024;

/// One file (an inode) and the paths that name it.
struct Candidate {
    id: (u64, u64),
    paths: Vec<PathBuf>,
}

const OP: &str = "dedupe";

impl FileSystem {
    pub fn dedupe(&self, dir: &str, ctl: Control<'_>) -> Result<Report<Vec<DuplicateGroup>>> {
        let target = self.resolve(dir, OP)?;
        let shown = super::shown_clean(&target);
        let by_size: Mutex<HashMap<u64, Vec<((u64, u64), PathBuf)>>> = Mutex::new(HashMap::new());
        let log = ErrorLog::default();
        let visit = |e: &Entry<'_>, _: &()| {
            match e.kind {
                FileKind::Dir => return Some(()),
                FileKind::File => {}
                _ => return None,
            }
            match e.parent.symlink_metadata(e.name) {
                Ok(md) if md.len() > 0 => {
                    let mut map = by_size.lock().unwrap_or_else(|p| p.into_inner());
                    map.entry(md.len()).or_default().push(((md.dev(), md.ino()), e.rel.to_path_buf()));
                }
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => log.push(Error::io(err, OP, "lstat").path(shown.join(e.rel))),
            }
            None
        };
        walk(target.open_dir(OP, true)?, &shown, (), ctl.walk_options(None), &visit, &|e| log.push(e));
        ctl.check(OP)?;

        // Sizes shared by at least two distinct files.
        let groups: Vec<(u64, Vec<Candidate>)> = by_size
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(size, entries)| {
                let files = by_inode(entries);
                (files.len() > 1).then_some((size, files))
            })
            .collect();

        // The hash of the whole file, or of its first `limit` bytes; `None` (and a report) when
        // it cannot be read.
        let read = |c: &Candidate, size: u64, limit: Option<u64>| -> Option<String> {
            if ctl.cancelled() {
                return None;
            }
            let t: Target<'_> = target.join(&c.paths[0]);
            // Shown as the walk shows it (no `./` from joining onto the start).
            let file = shown.join(&c.paths[0]);
            let result = t.open_read(OP).and_then(|f| {
                let hashed = match limit {
                    Some(n) => hash_reader(f.take(n), Algorithm::Sha256),
                    None => hash_reader(f, Algorithm::Sha256),
                };
                hashed.ctx(OP, "read", &file)
            });
            match result {
                Ok(h) => {
                    ctl.add_bytes(limit.unwrap_or(size).min(size));
                    Some(h)
                }
                Err(e) => {
                    log.push(e.path(file));
                    None
                }
            }
        };
        let mut found: Vec<DuplicateGroup> = groups
            .into_par_iter()
            .flat_map_iter(|(size, files)| {
                // Small files are hashed whole at once; large ones by prefix first.
                let tied = if size > PREFIX { split(files, |c| read(c, size, Some(PREFIX))) } else { vec![files] };
                let groups: Vec<DuplicateGroup> = tied
                    .into_iter()
                    .flat_map(|files| split_keyed(files, |c| read(c, size, None)))
                    .map(|(hash, files)| {
                        let mut paths: Vec<String> =
                            files.iter().flat_map(|c| c.paths.iter().map(|p| lossy(&shown.join(p)))).collect();
                        paths.sort();
                        DuplicateGroup { hash, size, paths }
                    })
                    .collect();
                groups
            })
            .collect();
        ctl.check(OP)?;
        found.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.hash.cmp(&b.hash)));
        Ok(Report { value: found, problems: log.into() })
    }
}

fn by_inode(entries: Vec<((u64, u64), PathBuf)>) -> Vec<Candidate> {
    let mut files: HashMap<(u64, u64), Candidate> = HashMap::new();
    for (id, path) in entries {
        files.entry(id).or_insert_with(|| Candidate { id, paths: Vec::new() }).paths.push(path);
    }
    let mut files: Vec<Candidate> = files.into_values().collect();
    files.sort_by_key(|c| c.id);
    files
}

/// Partition by `key` (files whose key cannot be computed are dropped), keeping groups of two
/// or more.
fn split_keyed(
    files: Vec<Candidate>,
    key: impl Fn(&Candidate) -> Option<String> + Sync,
) -> Vec<(String, Vec<Candidate>)> {
    let keyed: Vec<(String, Candidate)> = files.into_par_iter().filter_map(|c| key(&c).map(|k| (k, c))).collect();
    let mut groups: HashMap<String, Vec<Candidate>> = HashMap::new();
    for (k, c) in keyed {
        groups.entry(k).or_default().push(c);
    }
    groups.into_iter().filter(|(_, v)| v.len() > 1).collect()
}

fn split(files: Vec<Candidate>, key: impl Fn(&Candidate) -> Option<String> + Sync) -> Vec<Vec<Candidate>> {
    split_keyed(files, key).into_iter().map(|(_, v)| v).collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    #[test]
    fn groups_identical_files_and_ignores_empty_ones_and_hard_links() {
        let t = TempTree::new();
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut other = big.clone();
        *other.last_mut().unwrap() ^= 1; // same size and prefix, different content
        for (name, data) in [("a", &big), ("b", &big), ("c", &other)] {
            std::fs::write(t.path().join(name), data).unwrap();
        }
        std::fs::write(t.path().join("e1"), b"").unwrap();
        std::fs::write(t.path().join("e2"), b"").unwrap();
        std::fs::write(t.path().join("solo"), b"hello").unwrap();
        std::fs::hard_link(t.path().join("solo"), t.path().join("solo-link")).unwrap();
        let fs = FileSystem::new(t.path(), true).unwrap();
        let groups = fs.dedupe(".", Control::default()).unwrap().value;
        assert_eq!(groups.len(), 1);
        let root = fs.root().unwrap();
        assert_eq!(groups[0].paths, [lossy(&root.join("a")), lossy(&root.join("b"))]);
        assert_eq!(groups[0].size, 100_000);
    }
}
