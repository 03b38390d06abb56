//! Linux: a `/proc` or `/sys` file kept open and read again from offset 0 on every call.
//!
//! Why: the kernel generates these files when they are read, so reading a kept descriptor
//! with `pread(fd, buf, 0)` gives the current numbers, exactly as fresh as opening the file
//! again, without the open and close (on the 2-CPU build VM, `/proc/meminfo`: open + read +
//! close ~7–10 µs, `pread` on a kept descriptor ~2.6–4 µs). Nothing is cached but the
//! descriptor.
//!
//! - **Current data only.** Every [`KeptFile::read`] is a new `pread` at offset 0; the kernel
//!   regenerates the text for it. `pread` does not use or move the shared file offset, so a
//!   descriptor shared by several threads (or inherited by a `fork` without `exec`) is read
//!   correctly by each.
//! - **Files that go away.** A kernfs file whose cgroup was removed fails with `ENODEV` on a
//!   kept descriptor; any failed read drops the descriptor, opens the path again and retries
//!   once. If the path is gone too, the read fails (callers treat that as "no value", as a
//!   failed open did before) and the next call tries to open it again.
//! - **No leaks into children.** The descriptor is opened `O_CLOEXEC` (std's `File::open`
//!   always does, atomically with the open), so no program a child process `exec`s inherits it.
//! - **No waiting.** The descriptor sits behind a mutex held only for the `pread`. A thread
//!   that finds it taken (another thread is reading the same file at that instant) does not
//!   wait: it opens, reads and closes the file itself, as before.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, TryLockError};

/// Bytes read on the stack. `/proc/meminfo` is ~1.5 KiB, a cgroup v2 `memory.stat` ~1.5–2 KiB;
/// a longer file is read whole into a `Vec` (correct, just slower).
const STACK_BUFFER: usize = 4096;

pub struct KeptFile {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl KeptFile {
    /// Nothing is opened until the first read.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        KeptFile { path: path.into(), file: Mutex::new(None) }
    }

    /// Read the whole file as the kernel generates it now and give its bytes to `parse`.
    pub fn read<T>(&self, parse: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        let mut stack = [0u8; STACK_BUFFER];
        let content = match self.file.try_lock() {
            Ok(slot) => self.read_kept(slot, &mut stack)?,
            Err(TryLockError::Poisoned(p)) => self.read_kept(p.into_inner(), &mut stack)?,
            Err(TryLockError::WouldBlock) => read_whole(&File::open(&self.path)?, &mut stack)?,
        };
        Ok(match &content {
            Content::Stack(n) => parse(&stack[..*n]),
            Content::Heap(bytes) => parse(bytes),
        })
    }

    /// With the slot locked: read the kept descriptor, or (none yet, or it failed) a new one,
    /// which is kept if it could be read.
    fn read_kept(&self, mut slot: MutexGuard<'_, Option<File>>, stack: &mut [u8; STACK_BUFFER]) -> io::Result<Content> {
        if let Some(file) = slot.as_ref() {
            if let Ok(content) = read_whole(file, stack) {
                return Ok(content);
            }
        }
        *slot = None;
        let file = File::open(&self.path)?;
        let content = read_whole(&file, stack)?;
        *slot = Some(file);
        Ok(content)
    }

    /// Test hook: keep `file` as if it had been opened from the path.
    #[cfg(test)]
    fn keep(&self, file: File) {
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
    }

    #[cfg(test)]
    fn kept_fd(&self) -> Option<i32> {
        use std::os::fd::AsRawFd;
        self.file.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|f| f.as_raw_fd())
    }
}

enum Content {
    /// The first `n` bytes of the stack buffer.
    Stack(usize),
    Heap(Vec<u8>),
}

/// The file's content from offset 0: one `pread` when it fits the stack buffer (a generated
/// file shorter than the buffer comes whole in one read), else chunk by chunk into a `Vec`.
fn read_whole(file: &File, stack: &mut [u8; STACK_BUFFER]) -> io::Result<Content> {
    let n = pread(file, stack, 0)?;
    if n < stack.len() {
        return Ok(Content::Stack(n));
    }
    let mut bytes = stack.to_vec();
    loop {
        let at = bytes.len();
        bytes.resize(at + STACK_BUFFER, 0);
        let n = pread(file, &mut bytes[at..], at as u64)?;
        bytes.truncate(at + n);
        if n == 0 {
            return Ok(Content::Heap(bytes));
        }
    }
}

/// The unsigned decimal at the start of `bytes`, after spaces and tabs, ending at the end, a
/// space, a tab or a newline (`"  1234 kB"`, `"1234\n"`). `None` without digits, with another
/// character after them (`"12x"`, `"-1"`, `"max"`), or if it does not fit a `u64`.
pub fn leading_u64(bytes: &[u8]) -> Option<u64> {
    let start = bytes.iter().position(|&b| b != b' ' && b != b'\t')?;
    let mut value: u64 = 0;
    let mut digits = 0;
    for &b in &bytes[start..] {
        match b {
            b'0'..=b'9' => {
                value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                digits += 1;
            }
            b' ' | b'\t' | b'\n' => break,
            _ => return None,
        }
    }
    (digits > 0).then_some(value)
}

fn pread(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        match file.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn text(f: &KeptFile) -> io::Result<String> {
        f.read(|b| String::from_utf8_lossy(b).into_owned())
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(leading_u64(b"  1234 kB"), Some(1234));
        assert_eq!(leading_u64(b"1234\n"), Some(1234));
        assert_eq!(leading_u64(b"\t7"), Some(7));
        assert_eq!(leading_u64(b"0"), Some(0));
        assert_eq!(leading_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(leading_u64(b"18446744073709551616"), None);
        for bad in [&b""[..], b"   ", b"\n5", b"max\n", b"-1", b"+1", b"12x", b"1.5", b"\xff"] {
            assert_eq!(leading_u64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn every_read_sees_the_current_content() {
        let t = TempTree::new();
        let path = t.path().join("value");
        std::fs::write(&path, "1\n").unwrap();
        let f = KeptFile::new(&path);
        assert_eq!(text(&f).unwrap(), "1\n");
        let fd = f.kept_fd();
        // Rewritten in place (same inode, as the kernel's files are): the kept descriptor sees it.
        std::fs::write(&path, "22\n").unwrap();
        assert_eq!(text(&f).unwrap(), "22\n");
        assert_eq!(f.kept_fd(), fd, "the descriptor was kept");
    }

    #[test]
    fn a_file_longer_than_the_stack_buffer_is_read_whole() {
        let t = TempTree::new();
        let path = t.path().join("long");
        let long: String = (0..3000).map(|i| format!("key{i} {i}\n")).collect();
        assert!(long.len() > 2 * STACK_BUFFER);
        std::fs::write(&path, &long).unwrap();
        assert_eq!(text(&KeptFile::new(&path)).unwrap(), long);
        // Exactly the buffer's size: the second read finds the end.
        let exact = "x".repeat(STACK_BUFFER);
        std::fs::write(&path, &exact).unwrap();
        assert_eq!(text(&KeptFile::new(&path)).unwrap(), exact);
    }

    #[test]
    fn a_failing_descriptor_is_replaced_by_a_new_open() {
        let t = TempTree::new();
        let path = t.path().join("value");
        std::fs::write(&path, "fresh").unwrap();
        let f = KeptFile::new(&path);
        // A descriptor that cannot be read (write-only), like a removed cgroup's file (ENODEV).
        f.keep(std::fs::OpenOptions::new().write(true).open(&path).unwrap());
        assert_eq!(text(&f).unwrap(), "fresh");
        // The new descriptor is kept (and readable: the next read needs no open).
        assert!(f.kept_fd().is_some());
        std::fs::write(&path, "fresher").unwrap();
        assert_eq!(text(&f).unwrap(), "fresher");
    }

    #[test]
    fn a_missing_file_is_an_error_and_is_opened_once_it_exists() {
        let t = TempTree::new();
        let path = t.path().join("later");
        let f = KeptFile::new(&path);
        assert_eq!(text(&f).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(f.kept_fd(), None);
        std::fs::write(&path, "here").unwrap();
        assert_eq!(text(&f).unwrap(), "here");
    }

    #[test]
    fn the_descriptor_is_close_on_exec() {
        let f = KeptFile::new("/proc/meminfo");
        assert!(text(&f).unwrap().starts_with("MemTotal:"));
        let fd = f.kept_fd().unwrap();
        // SAFETY: F_GETFD on a descriptor we own.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert!(flags >= 0 && flags & libc::FD_CLOEXEC != 0, "flags {flags}");
    }

    #[test]
    fn a_reader_that_finds_the_descriptor_busy_reads_the_file_itself() {
        let t = TempTree::new();
        let path = t.path().join("value");
        std::fs::write(&path, "v").unwrap();
        let f = KeptFile::new(&path);
        let held = f.file.lock().unwrap();
        assert_eq!(text(&f).unwrap(), "v");
        drop(held);
        assert_eq!(f.kept_fd(), None, "the busy path keeps nothing");
    }

    #[test]
    fn threads_reading_at_once_all_get_the_whole_file() {
        let f = std::sync::Arc::new(KeptFile::new("/proc/meminfo"));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let f = f.clone();
                std::thread::spawn(move || {
                    (0..500).all(|_| f.read(|b| b.starts_with(b"MemTotal:") && b.ends_with(b"\n")).unwrap())
                })
            })
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap()));
    }
}
