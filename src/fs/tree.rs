//! Whole-tree operations: `copy`, `move`, `rm`, and `sync` (in `tree/sync.rs`, built on the
//! same per-entry copy functions).

mod sync;

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, SystemTimeSpec};
use cap_std::fs::{Dir, Metadata};

use super::stats::FileKind;
use super::target::Target;
use super::walk::{walk, Control, Entry, WalkOptions};
use super::{platform, FileSystem};
use crate::error::{Error, IoContext, Result};

#[derive(Debug, Clone, Copy)]
pub struct CopyOptions {
    /// Replace existing files at the destination (default). Otherwise an existing file is an
    /// `EEXIST` error.
    pub overwrite: bool,
    /// Give copies the source's access and modification times.
    pub preserve_times: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions { overwrite: true, preserve_times: false }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveOptions {
    pub recursive: bool,
    /// A missing path is not an error.
    pub force: bool,
}

pub const IS_ROOT: &str = "ERR_XSYS_IS_ROOT";

impl FileSystem {
    /// Copy a file, a symbolic link (as a link) or a whole directory tree. A directory is
    /// merged into an existing destination directory, like `fs.cp`. Permission bits are kept;
    /// symbolic links inside the tree are copied as links and never followed, so cycles are
    /// impossible. Missing parents of `dest` are created.
    pub fn copy(&self, src: &str, dest: &str, opts: CopyOptions) -> Result<()> {
        self.copy_with(src, dest, opts, Control::default())
    }

    /// [`copy`](Self::copy), cancellable and reporting progress (files, and bytes as they are
    /// copied, a large file in 16 MiB steps).
    pub fn copy_with(&self, src: &str, dest: &str, opts: CopyOptions, ctl: Control<'_>) -> Result<()> {
        const OP: &str = "copy";
        let s = self.resolve(src, OP)?;
        let d = self.resolve(dest, OP)?;
        let with_paths = |e: Error| e.path(s.shown()).dest(d.shown());
        let smd = s.metadata(OP, false)?;
        match FileKind::of(&smd) {
            FileKind::Dir => copy_tree(&s, &d, opts, ctl),
            FileKind::Other => Err(with_paths(special_file_error())),
            kind => {
                d.create_parents(OP)?;
                let (src_dir, src_name) = open_parent(&s)?;
                let (dest_dir, dest_name) = open_parent(&d)?;
                ctl.add_file();
                let result = if kind == FileKind::Symlink {
                    copy_link(&src_dir, &src_name, &dest_dir, &dest_name, opts)
                } else {
                    copy_file(&src_dir, &src_name, &smd, &dest_dir, &dest_name, opts, platform::umask(), ctl, true)
                };
                result.map_err(with_paths)
            }
        }
    }

    /// Rename `src` to `dest` (creating dest's parents); across filesystems, copy then remove.
    pub fn rename(&self, src: &str, dest: &str) -> Result<()> {
        const OP: &str = "move";
        let s = self.resolve(src, OP)?;
        let d = self.resolve(dest, OP)?;
        let smd = s.metadata(OP, false)?;
        if s.is_root(&smd) {
            return Err(Error::new(IS_ROOT, OP, "refusing to move the root").path(s.shown()));
        }
        d.create_parents(OP)?;
        match s.rename_to(OP, &d) {
            Err(e) if e.is("EXDEV") => {
                self.copy(src, dest, CopyOptions { overwrite: true, preserve_times: true })?;
                self.rm(src, RemoveOptions { recursive: true, force: false })
            }
            other => other,
        }
    }

    /// Remove a file, a symbolic link (never its target) or, with `recursive`, a directory
    /// tree (symbolic links inside are removed, not followed). The root of a FileSystem and
    /// `/` are refused with `ERR_XSYS_IS_ROOT`.
    pub fn rm(&self, path: &str, opts: RemoveOptions) -> Result<()> {
        const OP: &str = "rm";
        let t = self.resolve(path, OP)?;
        let Some(md) = t.metadata_if_exists(OP, false)? else {
            return if opts.force {
                Ok(())
            } else {
                Err(Error::io(io::ErrorKind::NotFound.into(), OP, "lstat").path(t.shown()))
            };
        };
        if t.is_root(&md) {
            return Err(Error::new(IS_ROOT, OP, "refusing to remove the root").path(t.shown()));
        }
        let result = match FileKind::of(&md) {
            FileKind::Dir if opts.recursive => t.remove_dir_all(OP),
            FileKind::Dir => Err(Error::io(io::ErrorKind::IsADirectory.into(), OP, "rm")
                .path(t.shown())
                .hint("pass recursive: true to remove a directory")),
            _ => t.remove_file(OP),
        };
        match result {
            Err(e) if opts.force && e.is("ENOENT") => Ok(()),
            other => other,
        }
    }
}

fn special_file_error() -> Error {
    Error::io(io::ErrorKind::InvalidInput.into(), "copy", "copyfile").hint("cannot copy a FIFO, socket or device")
}

/// Handle of the directory containing `t`, and `t`'s name in it.
fn open_parent(t: &Target<'_>) -> Result<(Dir, PathBuf)> {
    match (t.parent(), t.file_name()) {
        (Some(parent), Some(name)) => Ok((parent.open_dir("copy", true)?, PathBuf::from(name))),
        _ => Err(Error::io(io::ErrorKind::InvalidInput.into(), "copy", "open").path(t.shown())),
    }
}

fn times_of(md: &Metadata) -> (Option<SystemTimeSpec>, Option<SystemTimeSpec>) {
    let spec = |t: io::Result<cap_std::time::SystemTime>| t.ok().map(SystemTimeSpec::Absolute);
    (spec(md.accessed()), spec(md.modified()))
}

/// Copy one regular file between directory handles, keeping its permission bits. `umask` is
/// the process's, read once per operation: a new file is created with the source's bits, and
/// when the umask takes none of them away no `fchmod` is needed.
///
/// - An existing file is replaced through a temporary sibling renamed over it, so a failed,
///   cancelled or interrupted copy leaves the old file whole. As with `fs.copyFile`, a file we
///   may not write is `EACCES`; where the directory refuses the temporary file, the file is
///   rewritten in place instead. A symbolic link in the way is replaced, never written through;
///   a directory in the way is `EISDIR` before any byte is copied.
/// - A new file is written under a temporary name too when `atomic_new` is set (a single-file
///   copy: a crash never leaves a truncated file under the real name), else in place (inside a
///   tree copy); either way a copy that fails leaves nothing behind.
#[allow(clippy::too_many_arguments)]
fn copy_file(
    src_dir: &Dir,
    src: &Path,
    smd: &Metadata,
    dest_dir: &Dir,
    dest: &Path,
    opts: CopyOptions,
    umask: u32,
    ctl: Control<'_>,
    atomic_new: bool,
) -> Result<()> {
    const OP: &str = "copy";
    let bits = platform::permission_bits(smd);
    let input = src_dir.open(src).ctx(OP, "open", src)?.into_std();
    let mut how = cap_std::fs::OpenOptions::new();
    how.write(true).create_new(true).follow(FollowSymlinks::No);
    platform::cap_open_mode(&mut how, Some(bits));
    let existing = match dest_dir.symlink_metadata(dest) {
        Ok(md) => Some(md),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(e, OP, "lstat")),
    };
    match existing {
        Some(md) if md.is_dir() => Err(Error::io(io::ErrorKind::IsADirectory.into(), OP, "open")),
        Some(_) if !opts.overwrite => Err(Error::io(io::ErrorKind::AlreadyExists.into(), OP, "open")),
        Some(md) => {
            if md.is_file() {
                // May we write it? (Opening for writing, without truncating, is the test.)
                let mut probe = cap_std::fs::OpenOptions::new();
                probe.write(true).follow(FollowSymlinks::No);
                drop(dest_dir.open_with(dest, &probe).ctx(OP, "open", dest)?);
            }
            match create_temp(dest_dir, dest, &how) {
                Ok((temp, output)) => {
                    through_temp(dest_dir, &temp, dest, output, input, smd, bits, opts, umask, ctl, true)
                }
                Err(e) if md.is_file() && e.kind() == io::ErrorKind::PermissionDenied => {
                    // The directory takes no new name: rewrite the file in place, keeping its
                    // mode (it may not be ours to change), as `fs.copyFile` ends up doing.
                    let mut in_place = cap_std::fs::OpenOptions::new();
                    in_place.write(true).truncate(true).follow(FollowSymlinks::No);
                    let output = dest_dir.open_with(dest, &in_place).ctx(OP, "open", dest)?.into_std();
                    fill(input, &output, smd, bits, opts, 0, ctl)
                }
                Err(e) => Err(Error::io(e, OP, "open")),
            }
        }
        None if atomic_new => {
            let (temp, output) = create_temp(dest_dir, dest, &how).map_err(|e| Error::io(e, OP, "open"))?;
            through_temp(dest_dir, &temp, dest, output, input, smd, bits, opts, umask, ctl, opts.overwrite)
        }
        None => {
            let output = dest_dir.open_with(dest, &how).map_err(|e| Error::io(e, OP, "open"))?.into_std();
            let result = fill(input, &output, smd, bits, opts, umask, ctl);
            if result.is_err() {
                // Leave nothing half-written behind.
                let _ = dest_dir.remove_file(dest);
            }
            result
        }
    }
}

/// A new temporary sibling of `dest`, opened with `how` (create_new).
fn create_temp(dir: &Dir, dest: &Path, how: &cap_std::fs::OpenOptions) -> io::Result<(PathBuf, std::fs::File)> {
    loop {
        let temp = PathBuf::from(super::write::temp_name(dest.as_os_str()));
        match dir.open_with(&temp, how) {
            Ok(f) => return Ok((temp, f.into_std())),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Fill `temp`, then move it to `dest`: replacing what is there when `replace`, else only if
/// nothing is (a hard link, which fails on an existing name, where the filesystem has them).
/// The temporary file is removed whatever happens.
#[allow(clippy::too_many_arguments)]
fn through_temp(
    dir: &Dir,
    temp: &Path,
    dest: &Path,
    output: std::fs::File,
    input: std::fs::File,
    smd: &Metadata,
    bits: u32,
    opts: CopyOptions,
    umask: u32,
    ctl: Control<'_>,
    replace: bool,
) -> Result<()> {
    const OP: &str = "copy";
    let result = fill(input, &output, smd, bits, opts, umask, ctl).and_then(|()| {
        // Close before renaming (Windows renames no open file).
        drop(output);
        if replace {
            return dir.rename(temp, dir, dest).ctx(OP, "rename", dest);
        }
        match dir.hard_link(temp, dir, dest) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::io(e, OP, "link")),
            // No hard links here (FAT, some network filesystems): a plain rename.
            Err(_) => dir.rename(temp, dir, dest).ctx(OP, "rename", dest),
        }
    });
    // After a rename this finds nothing; after a link it removes the extra name.
    let _ = dir.remove_file(temp);
    result
}

/// Write a new file's bytes, mode and (on request) times.
fn fill(
    input: std::fs::File,
    output: &std::fs::File,
    smd: &Metadata,
    bits: u32,
    opts: CopyOptions,
    umask: u32,
    ctl: Control<'_>,
) -> Result<()> {
    const OP: &str = "copy";
    copy_bytes(&input, output, ctl)?;
    if opts.preserve_times {
        let (atime, mtime) = times_of(smd);
        let mut times = std::fs::FileTimes::new();
        if let Some(SystemTimeSpec::Absolute(a)) = atime {
            times = times.set_accessed(a.into_std());
        }
        if let Some(SystemTimeSpec::Absolute(m)) = mtime {
            times = times.set_modified(m.into_std());
        }
        output.set_times(times).map_err(|e| Error::io(e, OP, "futimens"))?;
    }
    // The mode goes last: on Windows a read-only attribute would refuse the times.
    if !(cfg!(unix) && bits & umask == 0) {
        platform::set_file_mode(output, bits).map_err(|e| Error::io(e, OP, "fchmod"))?;
    }
    Ok(())
}

/// Copy a file's bytes in steps, so a large copy reports progress and can be cancelled. With
/// std files, `io::copy` uses copy_file_range(2) where the kernel offers it (in-kernel copies,
/// reflinks on filesystems that share extents).
fn copy_bytes(input: &std::fs::File, output: &std::fs::File, ctl: Control<'_>) -> Result<()> {
    const OP: &str = "copy";
    const STEP: u64 = 16 << 20;
    loop {
        ctl.check(OP)?;
        let n = io::copy(&mut input.take(STEP), &mut &*output).map_err(|e| Error::io(e, OP, "copyfile"))?;
        if n == 0 {
            return Ok(());
        }
        ctl.add_bytes(n);
    }
}

fn copy_link(src_dir: &Dir, src: &Path, dest_dir: &Dir, dest: &Path, opts: CopyOptions) -> Result<()> {
    const OP: &str = "copy";
    let target = src_dir.read_link_contents(src).ctx(OP, "readlink", src)?;
    if let Ok(md) = dest_dir.symlink_metadata(dest) {
        if !opts.overwrite {
            return Err(Error::io(io::ErrorKind::AlreadyExists.into(), OP, "symlink"));
        }
        if md.is_dir() {
            return Err(Error::io(io::ErrorKind::IsADirectory.into(), OP, "symlink"));
        }
        dest_dir.remove_file_or_symlink(dest).ctx(OP, "unlink", dest)?;
    }
    let points_to_dir = src_dir.metadata(src).is_ok_and(|m| m.is_dir());
    platform::dir_symlink_unchecked(dest_dir, &target, dest, points_to_dir).ctx(OP, "symlink", dest)
}

/// The physical location a target would have: the longest existing prefix canonicalised,
/// the rest appended. Used only to refuse copying a directory into itself.
fn physical(t: &Target<'_>) -> Option<PathBuf> {
    let mut rest = Vec::new();
    let mut cur = t.join("");
    loop {
        if let Ok(c) = cur.canonical("copy") {
            let mut p = c.raw_path().to_path_buf();
            p.extend(rest.iter().rev());
            return Some(p);
        }
        rest.push(cur.file_name()?);
        cur = cur.parent()?;
    }
}

struct DirFixup {
    parent: Arc<Dir>,
    name: std::ffi::OsString,
    mode: u32,
    times: Option<(Option<SystemTimeSpec>, Option<SystemTimeSpec>)>,
    depth: usize,
}

fn copy_tree(s: &Target<'_>, d: &Target<'_>, opts: CopyOptions, ctl: Control<'_>) -> Result<()> {
    const OP: &str = "copy";
    let with_paths = |e: Error| e.path(s.shown()).dest(d.shown());
    if let (Some(sp), Some(dp)) = (physical(s), physical(d)) {
        if dp.starts_with(&sp) {
            return Err(with_paths(
                Error::io(io::ErrorKind::InvalidInput.into(), OP, "copy").hint("cannot copy a directory into itself"),
            ));
        }
    }
    match d.metadata_if_exists(OP, true)? {
        Some(md) if !md.is_dir() => {
            return Err(with_paths(
                Error::io(std::io::Error::from_raw_os_error(platform::ENOTDIR), OP, "mkdir")
                    .hint("cannot overwrite a non-directory with a directory"),
            ))
        }
        Some(_) => {}
        None => d.create_dir_all(OP)?,
    }
    let src_dir = s.open_dir(OP, false)?;
    let dest_dir = Arc::new(d.open_dir(OP, true)?);
    let top_md = s.metadata(OP, false)?;

    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let fixups = Mutex::new(Vec::new());
    let fail = |e: Error| {
        failed.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = first_error.lock() {
            slot.get_or_insert(e);
        }
    };
    let shown_src = s.shown();
    let umask = platform::umask();
    let shown_dest = d.shown();
    let visit = |e: &Entry<'_>, dest: &Arc<Dir>| -> Option<Arc<Dir>> {
        if let Err(aborted) = ctl.check(OP) {
            fail(aborted);
            return None;
        }
        let on_err = |err: Error| fail(err.path(shown_src.join(e.rel)).dest(shown_dest.join(e.rel)));
        let name = Path::new(e.name);
        match e.kind {
            FileKind::Dir => {
                let md = e.parent.symlink_metadata(name).map_err(|err| on_err(Error::io(err, OP, "lstat"))).ok()?;
                match dest.create_dir(name) {
                    Ok(()) => {}
                    Err(err)
                        if err.kind() == io::ErrorKind::AlreadyExists
                            && dest.symlink_metadata(name).is_ok_and(|m| m.is_dir()) => {}
                    Err(err) => {
                        on_err(Error::io(err, OP, "mkdir"));
                        return None;
                    }
                }
                let child = dest.open_dir_nofollow(name).map_err(|err| on_err(Error::io(err, OP, "opendir"))).ok()?;
                if let Ok(mut f) = fixups.lock() {
                    f.push(DirFixup {
                        parent: Arc::clone(dest),
                        name: e.name.to_os_string(),
                        mode: platform::permission_bits(&md),
                        times: opts.preserve_times.then(|| times_of(&md)),
                        depth: e.depth,
                    });
                }
                Some(Arc::new(child))
            }
            FileKind::File => {
                let result = e
                    .parent
                    .symlink_metadata(name)
                    .map_err(|err| Error::io(err, OP, "lstat"))
                    .and_then(|md| copy_file(e.parent, name, &md, dest, name, opts, umask, ctl, false));
                if let Err(err) = result {
                    on_err(err);
                }
                None
            }
            FileKind::Symlink => {
                if let Err(err) = copy_link(e.parent, name, dest, name, opts) {
                    on_err(err);
                }
                None
            }
            FileKind::Other => {
                on_err(special_file_error());
                None
            }
        }
    };
    let cancel = WalkOptions { cancel: Some(&failed), progress: ctl.progress, ..Default::default() };
    walk(src_dir, &shown_src, Arc::clone(&dest_dir), cancel, &visit, &|e| fail(e));
    if let Some(err) = first_error.into_inner().ok().flatten() {
        return Err(err);
    }
    apply_dir_fixups(OP, fixups.into_inner().unwrap_or_default(), &shown_src, &shown_dest)?;
    set_top_dir_attributes(OP, d, &top_md, opts.preserve_times)
}

/// Directory modes and times last, deepest first: a read-only source directory must not stop
/// its own contents from being copied, and writing a child changes the parent's mtime.
fn apply_dir_fixups(op: &'static str, mut fixups: Vec<DirFixup>, shown_src: &Path, shown_dest: &Path) -> Result<()> {
    fixups.sort_by(|a, b| b.depth.cmp(&a.depth));
    for f in fixups {
        let name = Path::new(&f.name);
        platform::cap_set_mode(&f.parent, name, f.mode).ctx2(op, "chmod", shown_src, shown_dest)?;
        if let Some((atime, mtime)) = f.times {
            f.parent.set_times(name, atime, mtime).ctx2(op, "utime", shown_src, shown_dest)?;
        }
    }
    Ok(())
}

/// Give the destination directory itself the source directory's mode (and times).
fn set_top_dir_attributes(op: &'static str, d: &Target<'_>, src_md: &Metadata, preserve_times: bool) -> Result<()> {
    d.set_mode(op, platform::permission_bits(src_md))?;
    if preserve_times {
        let (atime, mtime) = times_of(src_md);
        if let (Some(a), Some(m)) = (atime, mtime) {
            d.set_times(op, a, m)?;
        }
    }
    Ok(())
}
