//! No cgroups outside Linux, and no affinity query we rely on: the host values apply.

use super::MemoryLimit;

pub fn memory_limit() -> Option<MemoryLimit> {
    None
}

pub fn cpu_quota() -> Option<f64> {
    None
}

pub fn affinity_count() -> Option<usize> {
    None
}
