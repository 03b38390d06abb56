//! `untar`: extract a tar archive (plain or gzip-compressed, detected from its first bytes).
//! See the module documentation of `archive` for the safety design.

use std::ffi::OsString;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_fs_ext::{DirExt, SystemTimeSpec};
use cap_std::fs::Dir;
use flate2::read::MultiGzDecoder;
use tar::EntryType;

use super::entry_name::{member_components, symlink_destination, Claims, Refusal};
use super::gzip::{open_file, starts_with_magic, CHUNK};
use super::limits::{Budgeted, Limits};
use super::merge::Merge;
use super::{platform, read_error, LIMIT, UNSAFE};
use crate::error::{Error, IoContext, Result};
use crate::fs::walk::Control;
use crate::fs::FileSystem;

const OP: &str = "untar";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnUnsafe {
    /// Refuse the whole archive (nothing is extracted).
    #[default]
    Error,
    /// Leave the entry out, list it in the report, and go on.
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry's name as the archive gives it.
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractReport {
    /// Entries extracted.
    pub entries: u64,
    /// Bytes of file content written.
    pub bytes: u64,
    pub skipped: Vec<Skipped>,
}

/// A directory's attributes, applied once everything is in place.
struct DirAttributes {
    path: PathBuf,
    mode: u32,
    mtime: Option<SystemTime>,
}

/// The staging directory inside the destination; removed with whatever is left in it.
struct Staging<'a> {
    dest: &'a Dir,
    name: PathBuf,
    /// Left in place (a failed merge could not be undone fully and it holds originals).
    keep: bool,
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = self.dest.remove_dir_all(&self.name);
        }
    }
}

static STAGING: AtomicU64 = AtomicU64::new(0);

struct Extractor<'a> {
    root: Dir,
    limits: Limits,
    on_unsafe: OnUnsafe,
    ctl: Control<'a>,
    archive: &'a Path,
    claims: Claims,
    dirs: Vec<DirAttributes>,
    report: ExtractReport,
    seen: u64,
    /// The last parent directory opened, by path: entries of one directory usually follow each
    /// other. Cleared whenever something other than a regular file is created.
    parent_cache: Option<(PathBuf, Dir)>,
    /// Reused for every file's content.
    buffer: Vec<u8>,
}

fn mtime_of(header: &tar::Header) -> Option<SystemTime> {
    header.mtime().ok().map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

impl FileSystem {
    pub fn untar(
        &self,
        archive: &str,
        dest: &str,
        limits: Limits,
        on_unsafe: OnUnsafe,
        ctl: Control<'_>,
    ) -> Result<ExtractReport> {
        let a = self.resolve(archive, OP)?;
        let shown = a.shown();
        let file = open_file(&a, OP)?;
        let size = file.metadata().ctx(OP, "fstat", &shown)?.len();
        let mut input = BufReader::with_capacity(CHUNK, file);
        let gzipped = starts_with_magic(&mut input).ctx(OP, "read", &shown)?;
        let stream: Box<dyn Read> = if gzipped { Box::new(MultiGzDecoder::new(input)) } else { Box::new(input) };
        let budget = if gzipped { limits.stream_budget(size) } else { u64::MAX };

        let d = self.resolve(dest, OP)?;
        d.create_dir_all(OP)?;
        let dest_dir = d.open_dir(OP, true)?;
        let mut staging = Staging {
            keep: false,
            dest: &dest_dir,
            name: PathBuf::from(format!(
                ".xsys-untar-{}-{}",
                std::process::id(),
                STAGING.fetch_add(1, Ordering::Relaxed)
            )),
        };
        dest_dir.create_dir(&staging.name).ctx(OP, "mkdir", &d.shown().join(&staging.name))?;
        let root = dest_dir.open_dir_nofollow(&staging.name).ctx(OP, "opendir", &d.shown())?;

        let mut x = Extractor {
            root,
            limits,
            on_unsafe,
            ctl,
            archive: &shown,
            claims: Claims::default(),
            dirs: Vec::new(),
            report: ExtractReport::default(),
            seen: 0,
            parent_cache: None,
            buffer: vec![0; 256 * 1024],
        };
        let mut tar = tar::Archive::new(Budgeted::new(stream, budget));
        for entry in tar.entries().map_err(|e| read_error(OP, e, &shown))? {
            let entry = entry.map_err(|e| read_error(OP, e, &shown))?;
            x.entry(entry)?;
        }
        let mut rest = tar.into_inner();
        if rest.ended {
            return Err(read_error(OP, io::ErrorKind::UnexpectedEof.into(), &shown));
        }
        // Read what follows the end marker, so a corrupt gzip trailer (CRC) is noticed.
        io::copy(&mut rest, &mut io::sink()).map_err(|e| read_error(OP, e, &shown))?;
        ctl.check(OP)?;

        // No handle inside the staging directory may stay open while it is moved (Windows).
        drop(x.parent_cache.take());
        let Extractor { root, dirs, report, .. } = x;
        let dest_shown = d.shown();
        let merged = Merge::new(&root, &dest_dir, &staging.name, &dest_shown).run();
        drop(root);
        if let Err((e, kept)) = merged {
            // What could not be moved back is in the staging directory: keep it.
            staging.keep = kept;
            return Err(e);
        }
        drop(staging);
        apply_dir_attributes(&dest_dir, dirs);
        Ok(report)
    }
}

impl Extractor<'_> {
    fn refuse(&mut self, name: &[u8], reason: Refusal) -> Result<()> {
        let name = String::from_utf8_lossy(name).into_owned();
        match self.on_unsafe {
            OnUnsafe::Error => {
                Err(Error::new(UNSAFE, OP, format!("unsafe entry '{name}': {reason}")).path(self.archive))
            }
            OnUnsafe::Skip => {
                self.report.skipped.push(Skipped { path: name, reason });
                Ok(())
            }
        }
    }

    fn limit(&self, what: String) -> Error {
        Error::new(LIMIT, OP, what).path(self.archive)
    }

    fn entry(&mut self, mut entry: tar::Entry<'_, impl Read>) -> Result<()> {
        self.ctl.check(OP)?;
        self.seen += 1;
        if self.seen > self.limits.max_entries {
            return Err(self.limit(format!("more than {} entries (limits.maxEntries)", self.limits.max_entries)));
        }
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            return Ok(());
        }
        let raw = entry.path_bytes().into_owned();
        let comps = match member_components(&raw) {
            Ok(c) => c,
            Err(reason) => return self.refuse(&raw, reason),
        };
        if comps.is_empty() {
            return Ok(()); // the archive's own root, `./`
        }
        if comps.len() > self.limits.max_depth {
            return Err(
                self.limit(format!("an entry is nested deeper than {} (limits.maxDepth)", self.limits.max_depth))
            );
        }
        let link = entry.link_name_bytes().map(|l| l.into_owned());
        let link_dest = match kind {
            EntryType::Symlink => match symlink_destination(&comps, link.as_deref().unwrap_or_default()) {
                Ok(dest) => match self.claims.check_link(&comps, &dest) {
                    Ok(()) => Some(dest),
                    Err(reason) => return self.refuse(&raw, reason),
                },
                Err(reason) => return self.refuse(&raw, reason),
            },
            EntryType::Char | EntryType::Block => return self.refuse(&raw, "device file".into()),
            EntryType::Fifo => return self.refuse(&raw, "FIFO".into()),
            EntryType::GNUSparse => {
                return Err(Error::new(super::CORRUPT, OP, "sparse files are not supported").path(self.archive))
            }
            EntryType::Regular | EntryType::Continuous | EntryType::Directory | EntryType::Link => None,
            other => return self.refuse(&raw, format!("unsupported entry type '{}'", other.as_byte() as char)),
        };
        if kind != EntryType::Directory && self.claims.traversed_by_link(&comps) {
            return self.refuse(&raw, "an earlier link's target passes through this path".into());
        }
        if let Err(reason) = self.claims.claim(&comps, matches!(kind, EntryType::Symlink | EntryType::Link)) {
            return self.refuse(&raw, reason);
        }
        let parent = match self.open_parent(&comps)? {
            Ok(p) => p,
            Err(reason) => return self.refuse(&raw, reason),
        };
        let name = PathBuf::from(&comps[comps.len() - 1]);
        let mode = entry.header().mode().unwrap_or(0o644) & 0o777;
        let done = match kind {
            EntryType::Directory => self.make_dir(&parent, &name, &comps, mode, mtime_of(entry.header()))?,
            EntryType::Symlink => {
                let made = self.make_symlink(&parent, &name, link.as_deref().unwrap_or_default())?;
                if made.is_ok() {
                    self.claims.record_link(&comps, &link_dest.unwrap_or_default());
                }
                made
            }
            EntryType::Link => self.make_hard_link(&parent, &name, link.as_deref().unwrap_or_default())?,
            _ => {
                let mtime = mtime_of(entry.header());
                self.make_file(&parent, &name, &mut entry, mode, mtime)?
            }
        };
        if kind != EntryType::Regular && kind != EntryType::Continuous {
            self.parent_cache = None;
        }
        match done {
            Ok(()) => {
                self.report.entries += 1;
                // Progress counts what is not a directory, as every walk does.
                if kind != EntryType::Directory {
                    self.ctl.add_file();
                }
                Ok(())
            }
            Err(reason) => self.refuse(&raw, reason),
        }
    }

    /// The directory that will hold `comps`' last component, created as needed, every
    /// component opened without following links. `Ok(Err)` when a link or a file is in the way.
    fn open_parent(&mut self, comps: &[OsString]) -> Result<Result<Dir, Refusal>> {
        let parents: PathBuf = comps[..comps.len() - 1].iter().collect();
        if let Some((path, dir)) = &self.parent_cache {
            if *path == parents {
                return Ok(Ok(dir.try_clone().ctx(OP, "dup", self.archive)?));
            }
        }
        let mut dir = self.root.try_clone().ctx(OP, "dup", self.archive)?;
        for c in &comps[..comps.len() - 1] {
            let next = match dir.open_dir_nofollow(c) {
                Ok(next) => next,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if let Err(e) = dir.create_dir(c) {
                        return Err(Error::io(e, OP, "mkdir").path(self.archive));
                    }
                    dir.open_dir_nofollow(c).ctx(OP, "opendir", self.archive)?
                }
                Err(_) => {
                    let is_link = dir.symlink_metadata(c).is_ok_and(|m| m.file_type().is_symlink());
                    return Ok(Err(if is_link {
                        "it would be written through a symbolic link extracted earlier".into()
                    } else {
                        "a parent directory is not a directory".into()
                    }));
                }
            };
            dir = next;
        }
        self.parent_cache = Some((parents, dir.try_clone().ctx(OP, "dup", self.archive)?));
        Ok(Ok(dir))
    }

    /// Remove a file or link at `name` so it is replaced, never written through; a directory
    /// in the way refuses the entry.
    fn clear(&self, parent: &Dir, name: &Path) -> Result<Result<(), Refusal>> {
        match parent.symlink_metadata(name) {
            Ok(md) if md.is_dir() => Ok(Err("it would replace a directory".into())),
            Ok(_) => parent.remove_file_or_symlink(name).ctx(OP, "unlink", self.archive).map(Ok),
            Err(_) => Ok(Ok(())),
        }
    }

    fn make_dir(
        &mut self,
        parent: &Dir,
        name: &Path,
        comps: &[OsString],
        mode: u32,
        mtime: Option<SystemTime>,
    ) -> Result<Result<(), Refusal>> {
        match parent.symlink_metadata(name) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => {
                parent.remove_file_or_symlink(name).ctx(OP, "unlink", self.archive)?;
                parent.create_dir(name).ctx(OP, "mkdir", self.archive)?;
            }
            Err(_) => parent.create_dir(name).ctx(OP, "mkdir", self.archive)?,
        }
        self.dirs.push(DirAttributes { path: comps.iter().collect(), mode, mtime });
        Ok(Ok(()))
    }

    fn make_symlink(&mut self, parent: &Dir, name: &Path, target: &[u8]) -> Result<Result<(), Refusal>> {
        if let Err(r) = self.clear(parent, name)? {
            return Ok(Err(r));
        }
        let target = PathBuf::from(platform::os_name(target));
        // Windows needs to know whether a link names a directory; the target may not exist yet.
        let points_to_dir = parent.metadata(&target).is_ok_and(|m| m.is_dir());
        crate::fs::platform::dir_symlink_unchecked(parent, &target, name, points_to_dir).ctx(
            OP,
            "symlink",
            self.archive,
        )?;
        Ok(Ok(()))
    }

    fn make_hard_link(&mut self, parent: &Dir, name: &Path, target: &[u8]) -> Result<Result<(), Refusal>> {
        let comps = match member_components(target) {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => return Ok(Err("hard link to the archive's root".into())),
            Err(r) => return Ok(Err(format!("hard link target: {r}"))),
        };
        // Opening each component without following links also refuses targets reached through one.
        let mut dir = self.root.try_clone().ctx(OP, "dup", self.archive)?;
        for c in &comps[..comps.len() - 1] {
            dir = match dir.open_dir_nofollow(c) {
                Ok(d) => d,
                Err(_) => return Ok(Err("the hard link target is not in the archive".into())),
            };
        }
        let target_name = Path::new(&comps[comps.len() - 1]);
        match dir.symlink_metadata(target_name) {
            Ok(md) if md.is_dir() => return Ok(Err("hard link to a directory".into())),
            // linkat makes the new name the same symbolic link, whose relative target means
            // something else from there (possibly outside the destination).
            Ok(md) if md.file_type().is_symlink() => return Ok(Err("hard link to a symbolic link".into())),
            Ok(_) => {}
            Err(_) => return Ok(Err("the hard link target is not in the archive".into())),
        }
        if let Err(r) = self.clear(parent, name)? {
            return Ok(Err(r));
        }
        dir.hard_link(target_name, parent, name).ctx(OP, "link", self.archive)?;
        Ok(Ok(()))
    }

    fn make_file(
        &mut self,
        parent: &Dir,
        name: &Path,
        data: &mut impl Read,
        mode: u32,
        mtime: Option<SystemTime>,
    ) -> Result<Result<(), Refusal>> {
        // The staging directory is fresh, so the name is almost always free: try that first.
        let file = match platform::create_new(parent, name, mode) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if let Err(r) = self.clear(parent, name)? {
                    return Ok(Err(r));
                }
                platform::create_new(parent, name, mode)
            }
            other => other,
        };
        let mut file = file.ctx(OP, "open", self.archive)?.into_std();
        loop {
            let n = match data.read(&mut self.buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(OP, e, self.archive)),
            };
            self.report.bytes += n as u64;
            if self.report.bytes > self.limits.max_bytes {
                return Err(
                    self.limit(format!("more than {} bytes of content (limits.maxBytes)", self.limits.max_bytes))
                );
            }
            file.write_all(&self.buffer[..n]).ctx(OP, "write", self.archive)?;
            self.ctl.add_bytes(n as u64);
            self.ctl.check(OP)?;
        }
        if let Some(t) = mtime {
            file.set_times(std::fs::FileTimes::new().set_modified(t).set_accessed(t)).ctx(OP, "utime", self.archive)?;
        }
        Ok(Ok(()))
    }
}

/// Directory modes and times, deepest first (writing into a directory changes its mtime, and a
/// read-only directory must be filled before it becomes read-only). Best effort: a directory
/// that cannot be reached without following a link is left as it is.
fn apply_dir_attributes(dest: &Dir, mut dirs: Vec<DirAttributes>) {
    dirs.sort_by_key(|d| std::cmp::Reverse(d.path.components().count()));
    for d in dirs {
        let (Some(parent), Some(name)) = (d.path.parent(), d.path.file_name()) else { continue };
        let mut dir = match dest.try_clone() {
            Ok(dir) => dir,
            Err(_) => continue,
        };
        let mut reachable = true;
        for c in parent.components() {
            match dir.open_dir_nofollow(c.as_os_str()) {
                Ok(next) => dir = next,
                Err(_) => {
                    reachable = false;
                    break;
                }
            }
        }
        if !reachable || !dir.symlink_metadata(name).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let _ = platform::set_mode(&dir, Path::new(name), d.mode);
        if let Some(t) = d.mtime {
            let spec = SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t));
            let _ = dir.set_symlink_times(name, None, Some(spec));
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn setup() -> (TempTree, FileSystem) {
        let t = TempTree::new();
        std::fs::create_dir_all(t.path().join("src/sub")).unwrap();
        std::fs::write(t.path().join("src/a.txt"), "alpha").unwrap();
        std::fs::write(t.path().join("src/sub/b.bin"), vec![7u8; 300_000]).unwrap();
        std::os::unix::fs::symlink("../a.txt", t.path().join("src/sub/link")).unwrap();
        std::fs::hard_link(t.path().join("src/a.txt"), t.path().join("src/sub/hard")).unwrap();
        let fs = FileSystem::new(t.path(), true).unwrap();
        (t, fs)
    }

    #[test]
    fn round_trips_plain_and_gzip() {
        let (t, fs) = setup();
        for (name, level) in [("out.tar", None), ("out.tgz", Some(6))] {
            let s = fs.tar("src", name, level, Control::default()).unwrap();
            assert_eq!(s.entries, 5);
            let dest = format!("x-{name}");
            let r = fs.untar(name, &dest, Limits::default(), OnUnsafe::Error, Control::default()).unwrap();
            assert_eq!(r.entries, 5);
            let d = t.path().join(&dest);
            assert_eq!(std::fs::read(d.join("sub/b.bin")).unwrap(), vec![7u8; 300_000]);
            assert_eq!(std::fs::read_link(d.join("sub/link")).unwrap(), Path::new("../a.txt"));
            assert_eq!(std::fs::read_to_string(d.join("sub/hard")).unwrap(), "alpha");
            assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2, "no staging directory left");
        }
    }

    #[test]
    fn a_truncated_archive_leaves_nothing() {
        let (t, fs) = setup();
        fs.tar("src", "out.tar", None, Control::default()).unwrap();
        let whole = std::fs::read(t.path().join("out.tar")).unwrap();
        for cut in [512 * 3, 700, whole.len() - 10240] {
            std::fs::write(t.path().join("cut.tar"), &whole[..cut]).unwrap();
            let e = fs.untar("cut.tar", "cut", Limits::default(), OnUnsafe::Error, Control::default()).unwrap_err();
            assert_eq!(e.code, super::super::CORRUPT, "cut at {cut}: {e}");
            assert_eq!(std::fs::read_dir(t.path().join("cut")).unwrap().count(), 0, "cut at {cut}");
        }
    }

    #[test]
    fn the_expansion_ratio_is_limited() {
        let t = TempTree::new();
        std::fs::create_dir(t.path().join("src")).unwrap();
        std::fs::write(t.path().join("src/zeros"), vec![0u8; 8 << 20]).unwrap();
        let fs = FileSystem::new(t.path(), true).unwrap();
        fs.tar("src", "z.tgz", Some(9), Control::default()).unwrap();
        let e = fs.untar("z.tgz", "out", Limits::default(), OnUnsafe::Error, Control::default()).unwrap_err();
        assert_eq!(e.code, LIMIT);
        let generous = Limits { max_ratio: 10_000.0, ..Limits::default() };
        fs.untar("z.tgz", "out", generous, OnUnsafe::Error, Control::default()).unwrap();
    }
}
