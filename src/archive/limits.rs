//! What an extraction may cost, and the reader that enforces the decompression budget.

use std::fmt;
use std::io::{self, Read};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Total bytes of file content written.
    pub max_bytes: u64,
    /// Entries of any kind.
    pub max_entries: u64,
    /// Path components of an entry name.
    pub max_depth: usize,
    /// Decompressed bytes per compressed byte (the archive's size); at least 1 MiB may always
    /// be decompressed.
    pub max_ratio: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 16 << 30, max_entries: 1_000_000, max_depth: 1024, max_ratio: 100.0 }
    }
}

impl Limits {
    /// Decompressed bytes allowed for an archive of `archive_size` bytes.
    pub fn stream_budget(&self, archive_size: u64) -> u64 {
        let by_ratio = self.max_ratio * archive_size as f64;
        (by_ratio.min(u64::MAX as f64) as u64).max(1 << 20)
    }
}

/// The error a [`Budgeted`] reader fails with once its budget is spent.
#[derive(Debug)]
pub struct OverBudget(pub u64);

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "archive expands to more than {} bytes (expansion ratio limit)", self.0)
    }
}

impl std::error::Error for OverBudget {}

/// Counts what passes through and fails past `budget` bytes; remembers whether the input ended.
pub struct Budgeted<R> {
    inner: R,
    read: u64,
    budget: u64,
    pub ended: bool,
}

impl<R: Read> Budgeted<R> {
    pub fn new(inner: R, budget: u64) -> Self {
        Budgeted { inner, read: 0, budget, ended: false }
    }
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        self.read += n as u64;
        if self.read > self.budget {
            return Err(io::Error::other(OverBudget(self.budget)));
        }
        Ok(n)
    }
}
