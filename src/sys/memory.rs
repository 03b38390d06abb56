//! RAM and swap, as this process can use them.
//!
//! `used` is `total − available`, sysinfo's definition (on Linux `available` is MemAvailable,
//! which counts reclaimable cache as available). Under a cgroup memory limit, `total` is the
//! limit and `available` the headroom left under it (see `limits`); the machine's own values
//! stay in the `host_*` fields. Swap is the host's: cgroup swap accounting differs too much
//! between v1 and v2 to report one meaning.

use serde::Serialize;

use super::limits::{self, MemoryLimit};
use super::percent;

/// Where the host's numbers come from: `/proc/meminfo` through a kept descriptor on Linux,
/// sysinfo elsewhere.
#[cfg_attr(target_os = "linux", path = "memory_linux.rs")]
#[cfg_attr(not(target_os = "linux"), path = "memory_other.rs")]
mod host;

/// `memory()`. Bytes, and percentages 0–100.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryInfo {
    pub total: f64,
    pub available: f64,
    pub used: f64,
    pub free: f64,
    pub usage_percent: f64,
    pub swap_total: f64,
    pub swap_used: f64,
    pub swap_free: f64,
    pub swap_percent: f64,
    /// The cgroup memory limit in bytes, or `None` when there is none.
    pub limit: Option<f64>,
    pub host_total: f64,
    pub host_available: f64,
    pub host_used: f64,
}

/// The raw numbers, before the limit is applied (bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Host {
    total: u64,
    available: u64,
    free: u64,
    swap_total: u64,
    swap_free: u64,
}

/// The memory part of the state. Reading needs no lock of its own: any thread may call
/// [`Memory::read`] at any time, and every call reads the kernel's current numbers.
pub struct Memory {
    source: host::Source,
}

impl Memory {
    pub fn new() -> Result<Self, sysinfo::Error> {
        Ok(Memory { source: host::Source::new()? })
    }

    pub fn read(&self) -> MemoryInfo {
        within(self.source.read(), limits::memory_limit())
    }
}

fn within(host: Host, limit: Option<MemoryLimit>) -> MemoryInfo {
    let (total, available) = match limit {
        Some(l) => {
            let total = host.total.min(l.limit);
            (total, host.available.min(l.available).min(total))
        }
        None => (host.total, host.available.min(host.total)),
    };
    let used = total - available;
    let swap_used = host.swap_total.saturating_sub(host.swap_free);
    MemoryInfo {
        total: total as f64,
        available: available as f64,
        used: used as f64,
        free: host.free.min(available) as f64,
        usage_percent: percent(used as f64, total as f64),
        swap_total: host.swap_total as f64,
        swap_used: swap_used as f64,
        swap_free: host.swap_free.min(host.swap_total) as f64,
        swap_percent: percent(swap_used as f64, host.swap_total as f64),
        limit: limit.map(|l| l.limit as f64),
        host_total: host.total as f64,
        host_available: host.available as f64,
        host_used: host.total.saturating_sub(host.available) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    const HOST: Host = Host { total: 16 * GIB, available: 12 * GIB, free: 8 * GIB, swap_total: 0, swap_free: 0 };

    #[test]
    fn without_a_limit_the_host_values_apply() {
        let m = within(HOST, None);
        assert_eq!((m.total, m.available, m.used), ((16 * GIB) as f64, (12 * GIB) as f64, (4 * GIB) as f64));
        assert_eq!(m.usage_percent, 25.0);
        assert_eq!(m.limit, None);
        assert_eq!(m.swap_percent, 0.0);
    }

    #[test]
    fn a_limit_caps_total_and_available_and_keeps_the_host_values() {
        let m = within(HOST, Some(MemoryLimit { limit: 256 << 20, available: 56 << 20 }));
        assert_eq!(m.total, (256u64 << 20) as f64);
        assert_eq!(m.available, (56u64 << 20) as f64);
        assert_eq!(m.used, (200u64 << 20) as f64);
        assert_eq!(m.free, (56u64 << 20) as f64);
        assert_eq!(m.limit, Some((256u64 << 20) as f64));
        assert_eq!(m.host_total, (16 * GIB) as f64);
    }

    #[test]
    fn a_limit_above_the_host_changes_nothing_but_the_limit_field() {
        let m = within(HOST, Some(MemoryLimit { limit: 64 * GIB, available: 60 * GIB }));
        assert_eq!((m.total, m.available), ((16 * GIB) as f64, (12 * GIB) as f64));
        assert_eq!(m.limit, Some((64 * GIB) as f64));
    }

    #[test]
    fn reads_the_real_system() {
        let m = Memory::new().unwrap().read();
        assert!(m.total > 0.0 && m.used <= m.total && m.available <= m.total);
    }
}
