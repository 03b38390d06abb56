//! Unix specifics of watching: file identity from metadata.

use cap_std::fs::MetadataExt as _;
use std::os::unix::fs::MetadataExt as _;

/// Device and inode.
pub fn file_id(md: &std::fs::Metadata) -> (u64, u64) {
    (md.dev(), md.ino())
}

/// Device and inode, from a `cap_std` handle's metadata.
pub fn cap_file_id(md: &cap_std::fs::Metadata) -> (u64, u64) {
    (md.dev(), md.ino())
}

/// Hand the memory a scan freed back to the OS. glibc keeps freed blocks of each thread's arena
/// mapped; after a scan of a large tree that is megabytes of transient lists.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and trims the allocator's own heaps.
    unsafe {
        libc::malloc_trim(0);
    }
}
