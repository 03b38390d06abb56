//! `gzip` and `gunzip`: streaming, with zlib-rs as the deflate backend; compression runs on
//! all cores (`pgzip`). Decompression reads
//! every member of a multi-member file (pigz, bgzip, `cat a.gz b.gz`), as gzip(1) does.

use std::io::{self, BufReader, BufWriter, Read, Write};

use flate2::read::MultiGzDecoder;
use flate2::Compression;

use super::pgzip::ParallelGzEncoder;
use super::read_error;
use super::staged::Staged;
use crate::error::{Error, IoContext, Result};
use crate::fs::walk::Control;
use crate::fs::FileSystem;

pub(super) const CHUNK: usize = 1 << 20;

/// The two bytes every gzip member starts with.
pub(super) const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Copy `input` to `output` in large chunks, checking for cancellation and reporting progress
/// (bytes of `input`). Read errors go through `on_read`, write errors through `on_write`.
pub(super) fn pump(
    op: &'static str,
    mut input: impl Read,
    output: &mut impl Write,
    ctl: Control<'_>,
    on_read: impl Fn(io::Error) -> Error,
    on_write: impl Fn(io::Error) -> Error,
) -> Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        ctl.check(op)?;
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(on_read(e)),
        };
        output.write_all(&buf[..n]).map_err(&on_write)?;
        total += n as u64;
        ctl.add_bytes(n as u64);
    }
}

impl FileSystem {
    /// Compress `src` into `dest` at `level` (0–9).
    pub fn gzip(&self, src: &str, dest: &str, level: u32, ctl: Control<'_>) -> Result<()> {
        const OP: &str = "gzip";
        let s = self.resolve(src, OP)?;
        let shown = s.shown();
        let input = open_file(&s, OP)?;
        let d = self.resolve(dest, OP)?;
        let out = Staged::create(OP, &d)?;
        let shown_dest = d.shown();
        let mut encoder =
            ParallelGzEncoder::new(BufWriter::with_capacity(CHUNK, out.file()?), Compression::new(level.min(9)));
        let on_write = |e: io::Error| Error::io(e, OP, "write").path(&shown_dest);
        pump(OP, input, &mut encoder, ctl, |e| Error::io(e, OP, "read").path(&shown), on_write)?;
        encoder.finish().map_err(on_write)?;
        out.commit(OP)
    }

    /// Decompress `src` (one or several gzip members) into `dest`.
    pub fn gunzip(&self, src: &str, dest: &str, ctl: Control<'_>) -> Result<()> {
        const OP: &str = "gunzip";
        let s = self.resolve(src, OP)?;
        let shown = s.shown();
        let mut input = BufReader::with_capacity(CHUNK, open_file(&s, OP)?);
        if !starts_with_magic(&mut input).ctx(OP, "read", &shown)? {
            return Err(Error::new(super::CORRUPT, OP, "not in gzip format").path(shown));
        }
        let d = self.resolve(dest, OP)?;
        let out = Staged::create(OP, &d)?;
        let shown_dest = d.shown();
        let mut output = BufWriter::with_capacity(CHUNK, out.file()?);
        let on_write = |e: io::Error| Error::io(e, OP, "write").path(&shown_dest);
        pump(OP, MultiGzDecoder::new(input), &mut output, ctl, |e| read_error(OP, e, &shown), on_write)?;
        output.flush().map_err(on_write)?;
        out.commit(OP)
    }
}

/// Whether the buffered input starts with the gzip magic bytes (without consuming them).
pub(super) fn starts_with_magic(input: &mut BufReader<impl Read>) -> io::Result<bool> {
    use std::io::BufRead;
    Ok(input.fill_buf()?.starts_with(&MAGIC))
}

/// Open a regular file for reading (a directory is `EISDIR`).
pub(super) fn open_file(t: &crate::fs::Target<'_>, op: &'static str) -> Result<std::fs::File> {
    let file = t.open_read(op)?;
    if file.metadata().ctx(op, "fstat", &t.shown())?.is_dir() {
        return Err(Error::io(io::ErrorKind::IsADirectory.into(), op, "read").path(t.shown()));
    }
    Ok(file)
}
