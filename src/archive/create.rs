//! `tar`: write a directory tree as a tar archive, optionally gzip-compressed.
//!
//! The tree is read by the parallel walker; entries travel through a bounded channel to one
//! thread that writes the archive, so memory stays bounded and the archive is a plain sequence.
//! A directory is always sent before its contents (the walker visits it before reading it).
//! Symbolic links are stored as links, never followed; a file with several hard links in the
//! tree is stored once, then as hard-link entries; the output file itself is never archived.

use std::collections::HashMap;

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};

use cap_fs_ext::{FollowSymlinks, MetadataExt, OpenOptionsFollowExt};
use cap_std::fs::Metadata;
use flate2::Compression;
use tar::{Builder, EntryType, Header};

use super::gzip::CHUNK;
use super::pgzip::ParallelGzEncoder;
use super::platform;
use super::staged::Staged;
use crate::error::{Error, Result};
use crate::fs::walk::{walk, Control, Entry, ErrorLog, Problems, WalkOptions};
use crate::fs::{FileKind, FileSystem};

const OP: &str = "tar";

#[derive(Debug, Default)]
pub struct TarSummary {
    /// Entries written.
    pub entries: u64,
    /// Bytes of file content archived.
    pub bytes: u64,
    pub problems: Problems,
}

enum Body {
    Dir,
    File(cap_std::fs::File),
    Symlink(PathBuf),
}

struct Item {
    rel: PathBuf,
    md: Metadata,
    body: Body,
}

impl FileSystem {
    /// Archive the contents of `dir` into `out` (entries are named relative to `dir`), compressed
    /// at `gzip_level` when given.
    pub fn tar(&self, dir: &str, out: &str, gzip_level: Option<u32>, ctl: Control<'_>) -> Result<TarSummary> {
        let src = self.resolve(dir, OP)?;
        let shown = src.shown();
        let handle = src.open_dir(OP, true)?;
        let o = self.resolve(out, OP)?;
        let shown_out = o.shown();
        let existing_out = o.metadata_if_exists(OP, true)?.map(|md| (md.dev(), md.ino()));
        let staged = Staged::create(OP, &o)?;
        let skip = [staged.id(), existing_out];
        let file = BufWriter::with_capacity(CHUNK, staged.file()?);
        let sink = match gzip_level {
            Some(level) => Sink::Gzip(ParallelGzEncoder::new(file, Compression::new(level.min(9)))),
            None => Sink::Plain(file),
        };

        let log = ErrorLog::default();
        let stop = AtomicBool::new(false);
        let (tx, rx) = sync_channel::<Item>(256);
        let summary = std::thread::scope(|scope| {
            let writer = scope.spawn(|| write_archive(sink, rx, ctl, &stop, &shown_out));
            let visit = |e: &Entry<'_>, _: &()| -> Option<()> {
                if ctl.cancelled() {
                    stop.store(true, Ordering::Relaxed);
                    return None;
                }
                let report = |err: io::Error, syscall| log.push(Error::io(err, OP, syscall).path(shown.join(e.rel)));
                let md = match e.parent.symlink_metadata(e.name) {
                    Ok(md) => md,
                    Err(err) => {
                        report(err, "lstat");
                        return None;
                    }
                };
                let body = match e.kind {
                    FileKind::Dir => Body::Dir,
                    FileKind::File if skip.contains(&Some((md.dev(), md.ino()))) => return None,
                    FileKind::File => {
                        let mut how = cap_std::fs::OpenOptions::new();
                        how.read(true).follow(FollowSymlinks::No);
                        match e.parent.open_with(e.name, &how) {
                            Ok(f) => Body::File(f),
                            Err(err) => {
                                report(err, "open");
                                return None;
                            }
                        }
                    }
                    FileKind::Symlink => match e.parent.read_link_contents(e.name) {
                        Ok(target) => Body::Symlink(target),
                        Err(err) => {
                            report(err, "readlink");
                            return None;
                        }
                    },
                    FileKind::Other => {
                        log.push(
                            Error::io(io::ErrorKind::InvalidInput.into(), OP, "open")
                                .path(shown.join(e.rel))
                                .hint("FIFOs, sockets and devices are not archived"),
                        );
                        return None;
                    }
                };
                let is_dir = e.kind == FileKind::Dir;
                if tx.send(Item { rel: e.rel.to_path_buf(), md, body }).is_err() {
                    stop.store(true, Ordering::Relaxed);
                    return None;
                }
                is_dir.then_some(())
            };
            let opts = WalkOptions { cancel: Some(&stop), ..ctl.walk_options(None) };
            walk(handle, &shown, (), opts, &visit, &|e| log.push(e));
            drop(tx);
            writer.join().unwrap_or_else(|p| Err(Error::panic(OP, p.as_ref())))
        })?;
        ctl.check(OP)?;
        staged.commit(OP)?;
        Ok(TarSummary { problems: log.into(), ..summary })
    }
}

/// Where the archive goes: the file, directly or through a gzip encoder.
enum Sink {
    Plain(BufWriter<std::fs::File>),
    Gzip(ParallelGzEncoder<BufWriter<std::fs::File>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

impl Sink {
    /// Write the gzip trailer (when compressing) and flush, surfacing any error.
    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush(),
            Sink::Gzip(w) => w.finish().map(drop),
        }
    }
}

fn write_archive(
    sink: Sink,
    items: Receiver<Item>,
    ctl: Control<'_>,
    stop: &AtomicBool,
    shown_out: &Path,
) -> Result<TarSummary> {
    let fail = |e: io::Error| {
        stop.store(true, Ordering::Relaxed);
        Error::io(e, OP, "write").path(shown_out)
    };
    let mut builder = Builder::new(sink);
    let mut linked: HashMap<(u64, u64), PathBuf> = HashMap::new();
    let mut summary = TarSummary::default();
    for item in items {
        if ctl.cancelled() {
            stop.store(true, Ordering::Relaxed);
            return Err(Error::new(crate::fs::walk::ABORTED, OP, "the operation was aborted"));
        }
        let mut header = Header::new_gnu();
        let (mode, uid, gid) = platform::owner_and_mode(&item.md);
        header.set_mode(mode);
        header.set_uid(uid);
        header.set_gid(gid);
        header.set_mtime(mtime_secs(&item.md));
        header.set_size(0);
        let path = item.rel.as_path();
        match item.body {
            Body::Dir => {
                header.set_entry_type(EntryType::Directory);
                builder.append_data(&mut header, path, io::empty()).map_err(fail)?;
            }
            Body::Symlink(target) => {
                header.set_entry_type(EntryType::Symlink);
                builder.append_link(&mut header, path, &target).map_err(fail)?;
            }
            Body::File(file) => {
                let id = (item.md.dev(), item.md.ino());
                if item.md.nlink() > 1 {
                    if let Some(first) = linked.get(&id) {
                        header.set_entry_type(EntryType::Link);
                        builder.append_link(&mut header, path, first).map_err(fail)?;
                        summary.entries += 1;
                        continue;
                    }
                    linked.insert(id, item.rel.clone());
                }
                let size = item.md.len();
                header.set_entry_type(EntryType::Regular);
                header.set_size(size);
                let body = ExactSize { inner: file.into_std(), left: size, ctl };
                builder.append_data(&mut header, path, body).map_err(fail)?;
                summary.bytes += size;
            }
        }
        summary.entries += 1;
    }
    builder.into_inner().and_then(Sink::finish).map_err(fail)?;
    Ok(summary)
}

fn mtime_secs(md: &Metadata) -> u64 {
    md.modified().ok().and_then(|t| t.into_std().duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_secs())
}

/// Exactly `left` bytes of a file whose size was taken before reading: a file that shrank
/// meanwhile is padded with zeros (as GNU tar does), one that grew is cut, so the archive
/// always matches its headers.
struct ExactSize<'a> {
    inner: std::fs::File,
    left: u64,
    ctl: Control<'a>,
}

impl Read for ExactSize<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let want = buf.len().min(self.left as usize);
        let mut n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            buf[..want].fill(0);
            n = want;
        }
        self.left -= n as u64;
        self.ctl.add_bytes(n as u64);
        Ok(n)
    }
}
