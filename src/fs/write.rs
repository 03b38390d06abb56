//! Operations that create or replace things: `write`, `touch`, `mkdir`, `link`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cap_fs_ext::SystemTimeSpec;

use super::mode::ModeSpec;
use super::stats::FileKind;
use super::target::{Open, Target};
use super::{normalize_beneath, FileSystem};
use crate::error::{Error, IoContext, Result};

#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Append instead of replacing (never atomic: appends go to the file in place).
    pub append: bool,
    /// Write a temporary file in the same directory, then rename it over the target, so a
    /// crash leaves either the old or the new content, never a truncated mix.
    pub atomic: bool,
    /// Flush data to the device before returning (and the directory entry, for atomic writes).
    pub fsync: bool,
    /// Permission bits. Default: an existing file keeps its own; a new one gets 0o666 minus
    /// the umask.
    pub mode: Option<u32>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { append: false, atomic: true, fsync: false, mode: None }
    }
}

impl FileSystem {
    /// Write `data` to `path`, creating missing parent directories. A symbolic link is written
    /// through (the file it names is replaced, the link stays).
    pub fn write(&self, path: &str, data: &[u8], opts: WriteOptions) -> Result<()> {
        const OP: &str = "write";
        let target = self.resolve(path, OP)?;
        target.create_parents(OP)?;
        let shown = target.shown();
        if opts.append {
            let how = Open { write: true, append: true, create: true, mode: opts.mode, ..Open::default() };
            return write_in_place(&target, how, data, opts.fsync);
        }
        let existing = target.metadata_if_exists(OP, false)?;
        let (target, existing) = match existing {
            Some(md) if FileKind::of(&md) == FileKind::Symlink => {
                let real = target.canonical(OP)?;
                let md = real.metadata_if_exists(OP, false)?;
                (real, md)
            }
            other => (target, other),
        };
        if existing.as_ref().is_some_and(|md| md.is_dir()) {
            return Err(Error::io(std::io::ErrorKind::IsADirectory.into(), OP, "open").path(shown));
        }
        if !opts.atomic {
            let how = Open { write: true, create: true, truncate: true, mode: opts.mode, ..Open::default() };
            return write_in_place(&target, how, data, opts.fsync);
        }
        let keep_mode = opts.mode.or_else(|| existing.as_ref().map(|md| super::platform::permission_bits(md)));
        write_atomically(&target, data, keep_mode, opts.fsync)
    }

    /// Set a file's access and modification times to now, creating it (and its parents) if
    /// it does not exist. A symbolic link is followed, as touch(1) does.
    pub fn touch(&self, path: &str) -> Result<()> {
        const OP: &str = "touch";
        let target = self.resolve(path, OP)?;
        match target.set_times(OP, SystemTimeSpec::SymbolicNow, SystemTimeSpec::SymbolicNow) {
            Err(e) if e.is("ENOENT") => {
                target.create_parents(OP)?;
                target.open(OP, Open { write: true, create: true, ..Open::default() })?;
                Ok(())
            }
            other => other,
        }
    }

    /// Create a directory; with `parents`, missing parents too and an existing directory is
    /// not an error (like `mkdir -p`).
    pub fn mkdir(&self, path: &str, parents: bool) -> Result<()> {
        const OP: &str = "mkdir";
        let target = self.resolve(path, OP)?;
        if !parents {
            return target.create_dir(OP);
        }
        target.create_dir_all(OP)
    }

    /// Change permission bits (following a final symbolic link). `mode` may be symbolic, in
    /// which case it applies to the current bits.
    pub fn chmod(&self, path: &str, mode: &ModeSpec) -> Result<()> {
        const OP: &str = "chmod";
        let target = self.resolve(path, OP)?;
        let bits = match mode {
            ModeSpec::Absolute(bits) => *bits,
            symbolic => {
                let md = target.metadata(OP, true)?;
                symbolic.apply(super::platform::permission_bits(&md), md.is_dir(), super::platform::umask())
            }
        };
        target.set_mode(OP, bits)
    }

    /// Create a symbolic link at `path` pointing to `target`, stored as given (relative
    /// targets are relative to the link's directory, as for `ln -s`). Missing parents of
    /// `path` are created. When confined, a target that would lead outside the root is
    /// refused, and an absolute target inside the root is stored relative to the link.
    pub fn link(&self, target: &str, path: &str) -> Result<()> {
        const OP: &str = "link";
        let link = self.resolve(path, OP)?;
        let stored = if self.is_confined() { self.confined_link_target(&link, target)? } else { PathBuf::from(target) };
        let points_to_dir = self.link_points_to_dir(&link, &stored);
        link.create_parents(OP)?;
        link.symlink(OP, &stored, points_to_dir)
    }

    fn confined_link_target(&self, link: &Target<'_>, target: &str) -> Result<PathBuf> {
        const OP: &str = "link";
        let link_dir = link.raw_path().parent().unwrap_or(Path::new(""));
        let link_dir = normalize_beneath(link_dir).ok_or_else(|| Error::outside_root(OP, link.shown()))?;
        let target_path = Path::new(target);
        let target_rel = if target_path.is_absolute() {
            self.strip_root(target_path).ok_or_else(|| Error::outside_root(OP, target_path).dest(link.shown()))?
        } else {
            normalize_beneath(&link_dir.join(target_path))
                .ok_or_else(|| Error::outside_root(OP, target_path).dest(link.shown()))?
        };
        let target_rel = normalize_beneath(&target_rel).ok_or_else(|| Error::outside_root(OP, target_path))?;
        // Express it relative to the link's directory: `../` for each level up, then down.
        let mut up = PathBuf::new();
        let mut common = link_dir.components().peekable();
        let mut rest = target_rel.components().peekable();
        while let (Some(a), Some(b)) = (common.peek(), rest.peek()) {
            if a != b {
                break;
            }
            common.next();
            rest.next();
        }
        for _ in common {
            up.push("..");
        }
        let rel: PathBuf = up.join(rest.collect::<PathBuf>());
        Ok(if rel.as_os_str().is_empty() { PathBuf::from(".") } else { rel })
    }

    /// Windows needs to know whether a link points to a directory; elsewhere this is unused.
    fn link_points_to_dir(&self, link: &Target<'_>, stored: &Path) -> bool {
        let Some(parent) = link.parent() else { return false };
        let resolved = if stored.is_absolute() {
            self.resolve(&stored.to_string_lossy(), "link").ok()
        } else {
            Some(parent.join(stored))
        };
        resolved.and_then(|t| t.metadata("link", true).ok()).is_some_and(|md| md.is_dir())
    }
}

/// Open `target` as `how` says and write `data` to it directly (appends, non-atomic writes).
fn write_in_place(target: &Target<'_>, how: Open, data: &[u8], fsync: bool) -> Result<()> {
    const OP: &str = "write";
    let mut file = target.open(OP, how)?;
    file.write_all(data).ctx(OP, "write", &target.shown())?;
    if fsync {
        file.sync_all().ctx(OP, "fsync", &target.shown())?;
    }
    Ok(())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name for a temporary sibling of `name`, recognisable and unlikely to collide.
pub(super) fn temp_name(name: &std::ffi::OsStr) -> String {
    let visible: String = name.to_string_lossy().chars().take(48).collect();
    format!(".{visible}.{}.{}.xsys-tmp", std::process::id(), TEMP_COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn write_atomically(target: &Target<'_>, data: &[u8], mode: Option<u32>, fsync: bool) -> Result<()> {
    const OP: &str = "write";
    let shown = target.shown();
    let name = target
        .file_name()
        .ok_or_else(|| Error::io(std::io::ErrorKind::IsADirectory.into(), OP, "open").path(&shown))?;
    let parent =
        target.parent().ok_or_else(|| Error::io(std::io::ErrorKind::InvalidInput.into(), OP, "open").path(&shown))?;
    let (temp, mut file) = loop {
        let temp = parent.join(temp_name(&name));
        match temp.open(OP, Open { write: true, create_new: true, mode, ..Open::default() }) {
            Ok(file) => break (temp, file),
            Err(e) if e.is("EEXIST") => continue,
            Err(e) => return Err(e.path(&shown)),
        }
    };
    let result = (|| {
        file.write_all(data).ctx(OP, "write", &shown)?;
        if let Some(mode) = mode {
            // The umask applied at creation; the caller asked for (or had) exactly this mode.
            super::platform::set_file_mode(&file, mode).ctx(OP, "fchmod", &shown)?;
        }
        if fsync {
            file.sync_all().ctx(OP, "fsync", &shown)?;
        }
        drop(file);
        temp.rename_to(OP, target)?;
        if fsync {
            super::platform::sync_dir(&parent.open_dir(OP, true)?).ctx(OP, "fsync", &shown)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = temp.remove_file(OP);
    }
    result
}
