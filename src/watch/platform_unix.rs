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
