//! Linux: the host's memory from `/proc/meminfo`, read on every call through a kept descriptor
//! (see `kept_file_linux.rs`) and parsed in place: only the nine keys used are looked at,
//! nothing is allocated. (On the build VM: the `pread` ~2.6–5 µs depending on load, the parse
//! ~0.4 µs; sysinfo's refresh, which opened the file and parsed every line, ~14 µs.)
//!
//! `sysinfo(2)` would cost a tenth of the `pread`, but has no `MemAvailable`, the kernel's
//! estimate of what can be allocated without swapping (free memory plus the reclaimable part
//! of the page cache and slab), which `available` and `used` are defined by.

use super::Host;
use crate::sys::kept_file::{leading_u64, KeptFile};

pub struct Source {
    meminfo: KeptFile,
}

impl Source {
    pub fn new() -> Result<Self, sysinfo::Error> {
        Ok(Source { meminfo: KeptFile::new("/proc/meminfo") })
    }

    /// The current numbers; all 0 if `/proc/meminfo` cannot be read (no `/proc` mounted).
    pub fn read(&self) -> Host {
        self.meminfo.read(parse_meminfo).unwrap_or_default()
    }
}

/// The keys read, in the order the kernel writes them.
#[derive(Clone, Copy)]
enum Key {
    MemTotal,
    MemFree,
    MemAvailable,
    Buffers,
    Cached,
    SwapTotal,
    SwapFree,
    Shmem,
    SReclaimable,
}

const KEYS: usize = 9;

/// The wanted key of `line` and the text after its colon. Every wanted key starts with M, B,
/// C or S: other lines are skipped on their first byte.
fn wanted(line: &[u8]) -> Option<(Key, &[u8])> {
    if !matches!(line.first(), Some(b'M' | b'B' | b'C' | b'S')) {
        return None;
    }
    let colon = memchr::memchr(b':', line)?;
    Some((key(&line[..colon])?, &line[colon + 1..]))
}

fn key(name: &[u8]) -> Option<Key> {
    Some(match name {
        b"MemTotal" => Key::MemTotal,
        b"MemFree" => Key::MemFree,
        b"MemAvailable" => Key::MemAvailable,
        b"Buffers" => Key::Buffers,
        b"Cached" => Key::Cached,
        b"SwapTotal" => Key::SwapTotal,
        b"SwapFree" => Key::SwapFree,
        b"Shmem" => Key::Shmem,
        b"SReclaimable" => Key::SReclaimable,
        _ => return None,
    })
}

/// `/proc/meminfo`: lines `Key:   <n> kB` (KiB, whatever the unit says). A missing or
/// unreadable value is 0. Without `MemAvailable` (kernels before 3.14) available memory is
/// estimated as free + buffers + page cache + reclaimable slab − shared memory, as sysinfo does.
///
/// Lines are found with `memchr` and only lines that can hold a wanted key are looked at
/// further; the scan stops once every key has been seen (SReclaimable, about halfway).
fn parse_meminfo(text: &[u8]) -> Host {
    let mut values: [Option<u64>; KEYS] = [None; KEYS];
    let mut found = 0;
    let mut rest = text;
    while !rest.is_empty() && found < KEYS {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        let Some((k, value)) = wanted(line) else { continue };
        let Some(kib) = leading_u64(value) else { continue };
        let slot = &mut values[k as usize];
        if slot.is_none() {
            found += 1;
        }
        *slot = Some(kib.saturating_mul(1024));
    }
    let get = |k: Key| values[k as usize].unwrap_or(0);
    let available = values[Key::MemAvailable as usize].unwrap_or_else(|| {
        get(Key::MemFree)
            .saturating_add(get(Key::Buffers))
            .saturating_add(get(Key::Cached))
            .saturating_add(get(Key::SReclaimable))
            .saturating_sub(get(Key::Shmem))
    });
    Host {
        total: get(Key::MemTotal),
        available,
        free: get(Key::MemFree),
        swap_total: get(Key::SwapTotal),
        swap_free: get(Key::SwapFree),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: u64 = 1024;

    /// The start of a real /proc/meminfo (Linux 6.18).
    const MEMINFO: &str = "\
MemTotal:       24684092 kB
MemFree:          575876 kB
MemAvailable:   21296780 kB
Buffers:          848376 kB
Cached:         19349800 kB
SwapCached:            0 kB
Active:          8930180 kB
Inactive:       14042744 kB
SwapTotal:       2097148 kB
SwapFree:        2000000 kB
Zswap:                 0 kB
Dirty:             51288 kB
AnonPages:       2789520 kB
Shmem:              8856 kB
KReclaimable:     932720 kB
Slab:            1035960 kB
SReclaimable:     932720 kB
SUnreclaim:       103240 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
";

    #[test]
    fn the_keys_are_read_in_bytes() {
        assert_eq!(
            parse_meminfo(MEMINFO.as_bytes()),
            Host {
                total: 24_684_092 * KIB,
                available: 21_296_780 * KIB,
                free: 575_876 * KIB,
                swap_total: 2_097_148 * KIB,
                swap_free: 2_000_000 * KIB,
            }
        );
    }

    #[test]
    fn without_mem_available_it_is_estimated() {
        let old =
            "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\nShmem: 20 kB\nSReclaimable: 30 kB\n";
        let h = parse_meminfo(old.as_bytes());
        assert_eq!(h.available, (100 + 10 + 200 + 30 - 20) * KIB);
        // More shared memory than the rest: 0, not a wrapped number.
        let h = parse_meminfo(b"MemTotal: 1000 kB\nMemFree: 1 kB\nShmem: 50 kB\n");
        assert_eq!(h.available, 0);
    }

    #[test]
    fn malformed_input_gives_zeros_not_a_panic() {
        assert_eq!(parse_meminfo(b""), Host::default());
        assert_eq!(parse_meminfo(b"\n\n:::\n"), Host::default());
        assert_eq!(parse_meminfo(b"garbage without any structure"), Host::default());
        assert_eq!(parse_meminfo(&[0xff, 0xfe, b':', b'1', b'\n']), Host::default());
        // A value that is not a number, a negative one, one that overflows u64: left out.
        let h = parse_meminfo(
            b"MemTotal: lots kB\nMemFree: -5 kB\nSwapTotal: 99999999999999999999999 kB\nSwapFree: 7 kB\n",
        );
        assert_eq!((h.total, h.free, h.swap_total, h.swap_free), (0, 0, 0, 7 * KIB));
        // A value too large for bytes saturates instead of wrapping.
        assert_eq!(parse_meminfo(b"MemTotal: 18446744073709551615 kB\n").total, u64::MAX);
        // A line cut short (no newline, no unit) still counts; a key without a colon does not.
        assert_eq!(parse_meminfo(b"MemFree 5 kB\nMemTotal:    12").total, 12 * KIB);
        assert_eq!(parse_meminfo(b"MemFree 5 kB\nMemTotal:    12").free, 0);
        // Keys are matched whole.
        assert_eq!(parse_meminfo(b"MemTotalX: 5 kB\nXMemTotal: 6 kB\n").total, 0);
    }

    #[test]
    fn reads_the_real_file_and_agrees_with_sysinfo() {
        let ours = Source::new().unwrap().read();
        let mut s = sysinfo::System::new().unwrap();
        s.refresh_memory_specifics(sysinfo::MemoryRefreshKind::everything());
        assert_eq!(ours.total, s.total_memory());
        assert_eq!(ours.swap_total, s.total_swap());
        // Free and available move between two reads; within 1% of the total.
        let tolerance = s.total_memory() / 100;
        assert!(ours.available.abs_diff(s.available_memory()) <= tolerance);
        assert!(ours.free.abs_diff(s.free_memory()) <= tolerance);
    }
}
