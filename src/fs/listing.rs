//! `ls`: names, `[name, stats]` pairs, or recursive paths.

use std::sync::Mutex;

use super::stats::{FileKind, Stats};
use super::walk::{walk, Entry, WalkOptions};
use super::FileSystem;
use crate::error::{Error, IoContext, Result};

#[derive(Debug, Default, Clone, Copy)]
pub struct ListOptions {
    /// Pair each name with its `lstat` (symbolic links are reported as links).
    pub stats: bool,
    /// Every path below the directory, relative to it, directories included.
    pub recursive: bool,
}

/// Names are converted lossily: a name that is not valid UTF-8 never fails a listing.
#[derive(Debug, PartialEq)]
pub enum Listing {
    Names(Vec<String>),
    WithStats(Vec<(String, Stats)>),
}

const OP: &str = "ls";

impl FileSystem {
    /// List a directory (a symbolic link to a directory lists its target). Order is the
    /// directory's own order, like `fs.readdir`.
    pub fn ls(&self, path: &str, opts: ListOptions) -> Result<Listing> {
        let target = self.resolve(path, OP)?;
        let shown = target.shown();
        let dir = target.open_dir(OP, true)?;
        if opts.recursive {
            return list_recursive(dir, &shown, opts.stats);
        }
        let mut names = Vec::new();
        let mut with_stats = Vec::new();
        for entry in dir.entries().ctx(OP, "scandir", &shown)? {
            let entry = entry.ctx(OP, "scandir", &shown)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !opts.stats {
                names.push(name);
                continue;
            }
            match entry.metadata() {
                Ok(md) => with_stats.push((name, Stats::from_metadata(&md))),
                // Removed while we were listing: it is simply not there any more.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(e, OP, "lstat").path(shown.join(&name))),
            }
        }
        Ok(if opts.stats { Listing::WithStats(with_stats) } else { Listing::Names(names) })
    }
}

fn list_recursive(dir: cap_std::fs::Dir, shown: &std::path::Path, stats: bool) -> Result<Listing> {
    let found = Mutex::new(Vec::new());
    let first_error = Mutex::new(None);
    walk(
        dir,
        shown,
        (),
        WalkOptions::default(),
        &|e: &Entry<'_>, _: &()| {
            let md = if stats {
                match e.parent.symlink_metadata(e.name) {
                    Ok(md) => Some(Stats::from_metadata(&md)),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
                    Err(err) => {
                        record(&first_error, Error::io(err, OP, "lstat").path(shown.join(e.rel)));
                        return None;
                    }
                }
            } else {
                None
            };
            let rel = e.rel.to_string_lossy().into_owned();
            if let Ok(mut v) = found.lock() {
                v.push((rel, md));
            }
            (e.kind == FileKind::Dir).then_some(())
        },
        &|err| record(&first_error, err),
    );
    if let Some(err) = first_error.into_inner().ok().flatten() {
        return Err(err);
    }
    let found = found.into_inner().unwrap_or_default();
    Ok(if stats {
        Listing::WithStats(found.into_iter().filter_map(|(p, s)| Some((p, s?))).collect())
    } else {
        Listing::Names(found.into_iter().map(|(p, _)| p).collect())
    })
}

fn record(slot: &Mutex<Option<Error>>, err: Error) {
    if let Ok(mut slot) = slot.lock() {
        slot.get_or_insert(err);
    }
}
