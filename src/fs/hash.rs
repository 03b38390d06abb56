//! Streaming file hashes.

use std::io::Read;

use sha2::Digest;

use super::walk::Control;
use super::FileSystem;
use crate::error::{Error, IoContext, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
    Sha1,
    Md5,
    Blake3,
}

impl Algorithm {
    pub fn parse(op: &'static str, name: &str) -> Result<Self> {
        Ok(match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Algorithm::Sha256,
            "sha384" => Algorithm::Sha384,
            "sha512" => Algorithm::Sha512,
            "sha1" => Algorithm::Sha1,
            "md5" => Algorithm::Md5,
            "blake3" => Algorithm::Blake3,
            _ => {
                return Err(Error::invalid_arg(
                    op,
                    format!("unknown hash algorithm '{name}' (sha256, sha384, sha512, sha1, md5, blake3)"),
                ))
            }
        })
    }

    /// The algorithm whose hex digest has this length, for `verify` without an algorithm.
    /// 64 hex digits means SHA-256 (BLAKE3 must be named explicitly).
    pub fn from_hex_len(len: usize) -> Option<Self> {
        Some(match len {
            64 => Algorithm::Sha256,
            96 => Algorithm::Sha384,
            128 => Algorithm::Sha512,
            40 => Algorithm::Sha1,
            32 => Algorithm::Md5,
            _ => return None,
        })
    }
}

/// Large reads keep the hash, not the syscalls, the bottleneck.
const CHUNK: usize = 1 << 20;

/// Feed `update` with everything `reader` yields. Reading and hashing overlap: a reader thread
/// fills one buffer while the caller hashes the other, so a file hashes at nearly the speed of
/// hashing memory. Inputs that end within the first chunk never start the thread.
fn pump(mut reader: impl Read + Send, mut update: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut first = vec![0u8; CHUNK];
    let n = read_full(&mut reader, &mut first)?;
    update(&first[..n]);
    if n < CHUNK {
        return Ok(());
    }
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<std::io::Result<(Vec<u8>, usize)>>(1);
    let (empty_tx, empty_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let _ = empty_tx.send(first);
    let _ = empty_tx.send(vec![0u8; CHUNK]);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            while let Ok(mut buf) = empty_rx.recv() {
                let res = read_full(&mut reader, &mut buf);
                let done = !matches!(res, Ok(n) if n > 0);
                if full_tx.send(res.map(|n| (buf, n))).is_err() || done {
                    return;
                }
            }
        });
        // Dropping `empty_tx` on any exit stops the reader.
        while let Ok(next) = full_rx.recv() {
            let (buf, n) = next?;
            if n == 0 {
                break;
            }
            update(&buf[..n]);
            // The reader may already have stopped (after an error it is about to report);
            // keep receiving until it closes its side so that error is not lost.
            let _ = empty_tx.send(buf);
        }
        drop(empty_tx);
        Ok(())
    })
}

/// Read until `buf` is full or the input ends; the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn digest_reader<D: Digest>(reader: impl Read + Send) -> std::io::Result<Vec<u8>> {
    let mut hasher = D::new();
    pump(reader, |chunk| hasher.update(chunk))?;
    Ok(hasher.finalize().to_vec())
}

/// Hash everything `reader` yields; lowercase hex.
pub fn hash_reader(reader: impl Read + Send, algorithm: Algorithm) -> std::io::Result<String> {
    let bytes = match algorithm {
        Algorithm::Sha256 => digest_reader::<sha2::Sha256>(reader)?,
        Algorithm::Sha384 => digest_reader::<sha2::Sha384>(reader)?,
        Algorithm::Sha512 => digest_reader::<sha2::Sha512>(reader)?,
        Algorithm::Sha1 => digest_reader::<sha1::Sha1>(reader)?,
        Algorithm::Md5 => digest_reader::<md5::Md5>(reader)?,
        Algorithm::Blake3 => {
            let mut hasher = blake3::Hasher::new();
            pump(reader, |chunk| {
                hasher.update(chunk);
            })?;
            hasher.finalize().as_bytes().to_vec()
        }
    };
    Ok(to_hex(&bytes))
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A reader that counts what it reads into the progress counters and stops once cancelled.
struct Steered<'a, R> {
    inner: R,
    ctl: Control<'a>,
}

impl<R: Read> Read for Steered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ctl.cancelled() {
            return Err(std::io::Error::other("cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.ctl.add_bytes(n as u64);
        Ok(n)
    }
}

impl FileSystem {
    pub fn hash(&self, path: &str, algorithm: Algorithm) -> Result<String> {
        self.hash_with(path, algorithm, Control::default())
    }

    /// [`hash`](Self::hash), cancellable and reporting the bytes hashed so far.
    pub fn hash_with(&self, path: &str, algorithm: Algorithm, ctl: Control<'_>) -> Result<String> {
        const OP: &str = "hash";
        let target = self.resolve(path, OP)?;
        let file = target.open_read(OP)?;
        if file.metadata().ctx(OP, "fstat", &target.shown())?.is_dir() {
            return Err(Error::io(std::io::ErrorKind::IsADirectory.into(), OP, "read").path(target.shown()));
        }
        ctl.add_file();
        hash_reader(Steered { inner: file, ctl }, algorithm).or_else(|e| {
            ctl.check(OP)?;
            Err(Error::io(e, OP, "read").path(target.shown()))
        })
    }

    /// Whether the file's digest equals `expected` (hex, any case, surrounding space ignored).
    /// Without an algorithm it is chosen by the digest's length.
    pub fn verify(&self, path: &str, expected: &str, algorithm: Option<Algorithm>) -> Result<bool> {
        const OP: &str = "verify";
        let expected = expected.trim().to_ascii_lowercase();
        if expected.is_empty() || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid_arg(OP, "expected hash must be a hexadecimal string"));
        }
        let algorithm = match algorithm.or_else(|| Algorithm::from_hex_len(expected.len())) {
            Some(a) => a,
            None => {
                return Err(Error::invalid_arg(
                    OP,
                    format!("cannot tell the algorithm of a {}-digit hash; pass one", expected.len()),
                ))
            }
        };
        Ok(self.hash(path, algorithm)? == expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let h = |a| hash_reader(&b"abc"[..], a).unwrap();
        assert_eq!(h(Algorithm::Sha256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(h(Algorithm::Md5), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(h(Algorithm::Sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(h(Algorithm::Blake3), "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
    }

    #[test]
    fn inputs_longer_than_one_chunk_hash_like_memory() {
        let data: Vec<u8> = (0..(3 * CHUNK + 12345)).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = sha2::Sha256::new();
        whole.update(&data);
        assert_eq!(hash_reader(&data[..], Algorithm::Sha256).unwrap(), to_hex(&whole.finalize()));
        assert_eq!(
            hash_reader(&data[..CHUNK], Algorithm::Sha256).unwrap(),
            hash_reader(&data[..CHUNK], Algorithm::Sha256).unwrap()
        );
    }

    #[test]
    fn read_errors_are_reported() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
        }
        let err = hash_reader(Failing(2 * CHUNK + 5), Algorithm::Sha256).unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
    }

    #[test]
    fn algorithm_names_are_forgiving() {
        assert_eq!(Algorithm::parse("hash", "SHA-256").unwrap(), Algorithm::Sha256);
        assert!(Algorithm::parse("hash", "crc32").is_err());
    }
}
