//! Windows specifics of watching: file identity from metadata.
//!
//! `std` exposes no file index without opening the file, so identity is unknown (`(0, 0)`):
//! stamps rely on size and modification time only, and symbolic-link cycles are cut by depth.

pub fn file_id(_md: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

pub fn cap_file_id(_md: &cap_std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// Nothing to do: the Windows heap decommits freed memory itself.
pub fn release_freed_memory() {}
