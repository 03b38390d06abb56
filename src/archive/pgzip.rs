//! Parallel gzip compression, as pigz does it: the input is cut into blocks compressed
//! independently on a dedicated thread pool, each primed with the 32 KiB before it as its
//! dictionary (so the ratio stays that of one stream) and ended with a sync flush (so the
//! pieces concatenate into one valid deflate stream). The result is one ordinary gzip member.
//!
//! The pool is separate from rayon's global pool on purpose: `tar` feeds this writer from a
//! thread that the walker (on the global pool) may be waiting for.

use std::io::{self, Write};
use std::sync::OnceLock;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use rayon::prelude::*;

/// Input per block; several blocks are compressed at once.
const BLOCK: usize = 1 << 20;
/// The window deflate can refer back to.
const DICTIONARY: usize = 32 * 1024;

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("xsys-gzip-{i}"))
            .build()
            .unwrap_or_else(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool"))
    })
}

pub struct ParallelGzEncoder<W: Write> {
    inner: W,
    level: Compression,
    /// Input not compressed yet; always starts with the dictionary for its first block.
    pending: Vec<u8>,
    /// How much of `pending` is dictionary carried over (already compressed).
    carried: usize,
    crc: Crc,
    header_written: bool,
}

impl<W: Write> ParallelGzEncoder<W> {
    pub fn new(inner: W, level: Compression) -> Self {
        ParallelGzEncoder { inner, level, pending: Vec::new(), carried: 0, crc: Crc::new(), header_written: false }
    }

    fn batch_size() -> usize {
        BLOCK * pool().current_num_threads().max(1) * 2
    }

    /// Compress everything pending (keeping the last 32 KiB as the next dictionary).
    fn compress_pending(&mut self) -> io::Result<()> {
        if !self.header_written {
            // No name, no time (reproducible output), unknown OS.
            self.inner.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])?;
            self.header_written = true;
        }
        let data = &self.pending[..];
        let fresh = &data[self.carried..];
        if fresh.is_empty() {
            return Ok(());
        }
        // Blocks as (dictionary start, block start, block end) into `data`.
        let mut blocks = Vec::new();
        let mut start = self.carried;
        while start < data.len() {
            let end = (start + BLOCK).min(data.len());
            blocks.push((start.saturating_sub(DICTIONARY), start, end));
            start = end;
        }
        let level = self.level;
        let compressed: Vec<io::Result<(Vec<u8>, Crc)>> = pool().install(|| {
            blocks
                .par_iter()
                .map(|&(dict, start, end)| compress_block(level, &data[dict..start], &data[start..end]))
                .collect()
        });
        for block in compressed {
            let (bytes, crc) = block?;
            self.crc.combine(&crc);
            self.inner.write_all(&bytes)?;
        }
        let keep = DICTIONARY.min(self.pending.len());
        self.pending.drain(..self.pending.len() - keep);
        self.carried = keep;
        Ok(())
    }

    /// Compress what is left, end the deflate stream, write the trailer and flush.
    pub fn finish(mut self) -> io::Result<W> {
        self.compress_pending()?;
        // An empty final block (fixed Huffman) closes the stream.
        self.inner.write_all(&[0x03, 0x00])?;
        self.inner.write_all(&self.crc.sum().to_le_bytes())?;
        self.inner.write_all(&self.crc.amount().to_le_bytes())?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

fn compress_block(level: Compression, dictionary: &[u8], input: &[u8]) -> io::Result<(Vec<u8>, Crc)> {
    let mut crc = Crc::new();
    crc.update(input);
    let mut z = Compress::new(level, false);
    if !dictionary.is_empty() {
        z.set_dictionary(dictionary).map_err(io::Error::other)?;
    }
    let mut out = Vec::with_capacity(input.len() / 2 + 1024);
    loop {
        let consumed = z.total_in() as usize;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(4096));
        }
        let status = z.compress_vec(&input[consumed..], &mut out, FlushCompress::Sync).map_err(io::Error::other)?;
        // Done once all input is in and the flush left room to spare in the output.
        if z.total_in() as usize == input.len() && out.len() < out.capacity() {
            break;
        }
        if status == Status::BufError && z.total_in() as usize == consumed && out.len() < out.capacity() {
            break;
        }
    }
    Ok((out, crc))
}

impl<W: Write> Write for ParallelGzEncoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() - self.carried >= Self::batch_size() {
            self.compress_pending()?;
        }
        Ok(buf.len())
    }

    /// Compressed data only leaves in whole blocks; flushing passes on what was written so far.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn round_trip(data: &[u8], level: u32) -> Vec<u8> {
        let mut enc = ParallelGzEncoder::new(Vec::new(), Compression::new(level));
        for piece in data.chunks(100_003) {
            enc.write_all(piece).unwrap();
        }
        let gz = enc.finish().unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn output_is_one_valid_gzip_member() {
        let text: Vec<u8> =
            (0..3_500_000u32).map(|i| b"abcdefgh spam eggs\n"[(i % 19) as usize] ^ ((i / 7919) as u8 & 1)).collect();
        for level in [0, 1, 6, 9] {
            assert_eq!(round_trip(&text, level), text, "level {level}");
        }
        assert_eq!(round_trip(b"", 6), b"");
        assert_eq!(round_trip(b"x", 6), b"x");
    }

    #[test]
    fn the_dictionary_keeps_the_ratio_of_one_stream() {
        let text: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut enc = ParallelGzEncoder::new(Vec::new(), Compression::new(6));
        enc.write_all(&text).unwrap();
        let ours = enc.finish().unwrap().len();
        let mut one = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        one.write_all(&text).unwrap();
        let single = one.finish().unwrap().len();
        assert!(ours < single + single / 20 + 64, "{ours} vs {single}");
    }
}
