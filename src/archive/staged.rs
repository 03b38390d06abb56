//! An output file written under a temporary name beside its destination and renamed over it
//! only when complete: a failed or aborted `gzip`/`tar` never leaves a truncated file, nor
//! destroys the file it would have replaced.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use cap_std::fs::{Dir, File, OpenOptions};

use crate::error::{Error, IoContext, Result};
use crate::fs::Target;

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct Staged {
    dir: Dir,
    temp: PathBuf,
    name: PathBuf,
    shown: PathBuf,
    file: Option<File>,
}

impl Staged {
    pub fn create(op: &'static str, dest: &Target<'_>) -> Result<Staged> {
        let shown = dest.shown();
        let (Some(parent), Some(name)) = (dest.parent(), dest.file_name()) else {
            return Err(Error::io(std::io::ErrorKind::IsADirectory.into(), op, "open").path(shown));
        };
        dest.create_parents(op)?;
        let dir = parent.open_dir(op, true)?;
        let visible: String = name.to_string_lossy().chars().take(48).collect();
        loop {
            let temp = PathBuf::from(format!(
                ".{visible}.{}.{}.xsys-tmp",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            let mut how = OpenOptions::new();
            how.write(true).create_new(true);
            match dir.open_with(&temp, &how) {
                Ok(file) => return Ok(Staged { dir, temp, name: name.into(), shown, file: Some(file) }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(e, op, "open").path(shown)),
            }
        }
    }

    /// The file being written.
    pub fn file(&self) -> Result<std::fs::File> {
        match &self.file {
            Some(f) => f.try_clone().map(|f| f.into_std()).ctx("write", "dup", &self.shown),
            None => Err(Error::io(std::io::ErrorKind::BrokenPipe.into(), "write", "write").path(&self.shown)),
        }
    }

    /// Device and inode of the file being written (so a walk can skip it).
    pub fn id(&self) -> Option<(u64, u64)> {
        use cap_fs_ext::MetadataExt;
        self.file.as_ref().and_then(|f| f.metadata().ok()).map(|md| (md.dev(), md.ino()))
    }

    /// Rename the finished file over the destination.
    pub fn commit(mut self, op: &'static str) -> Result<()> {
        drop(self.file.take());
        let renamed = self.dir.rename(&self.temp, &self.dir, &self.name).ctx(op, "rename", &self.shown);
        if renamed.is_err() {
            let _ = self.dir.remove_file(&self.temp);
        }
        renamed
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = self.dir.remove_file(&self.temp);
        }
    }
}
