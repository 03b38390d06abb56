//! What this process may use, as opposed to what the machine has: cgroup memory and CPU limits
//! (containers, Kubernetes pods, systemd slices) and the CPU affinity mask.
//!
//! `os.totalmem()` and `os.cpus()` report the host, so a service in a 256 MiB container sees
//! gigabytes free until it is OOM-killed (nodejs/node#51095). `sys` reports the limits instead,
//! and keeps the host values in separate fields.

#[cfg_attr(target_os = "linux", path = "limits_linux.rs")]
#[cfg_attr(not(target_os = "linux"), path = "limits_other.rs")]
mod imp;

pub use imp::{affinity_count, cpu_quota, memory_limit};

/// A memory limit along this process's cgroup chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The smallest limit in the chain, in bytes.
    pub limit: u64,
    /// The smallest headroom in the chain: limit minus the cgroup's working set (usage without
    /// inactive file cache, which the kernel reclaims before it OOM-kills).
    pub available: u64,
}

/// CPUs this process can keep busy: the affinity mask, capped by the cgroup CPU quota (rounded
/// down, at least 1), like Rust's `available_parallelism` and libuv ≥ 1.49. Without either,
/// the machine's logical CPU count.
pub fn cpu_count(host_logical: usize) -> usize {
    let allowed = affinity_count().unwrap_or(host_logical).max(1);
    match cpu_quota() {
        Some(quota) => allowed.min((quota.floor() as usize).max(1)),
        None => allowed,
    }
}
