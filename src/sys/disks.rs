//! `disks()`: mounted filesystems and their space, from `statvfs`.
//!
//! The list is sysinfo's: real filesystems, without pseudo ones (proc, sysfs, cgroup, …) and
//! without tmpfs and network mounts (statvfs on a hard-mounted NFS share that is down can hang
//! forever). It is re-read on every call, so mounts made since the last call show up.

use serde::Serialize;
use sysinfo::Disks;

use super::percent;

#[derive(Debug, Clone, Serialize)]
pub struct DiskInfo {
    /// Device on Linux (`/dev/nvme0n1p2`, `overlay`), volume name on macOS and Windows.
    pub name: String,
    pub mount_point: String,
    pub file_system: String,
    /// Bytes.
    pub total_space: f64,
    /// Bytes available to unprivileged users (root-reserved blocks excluded).
    pub available_space: f64,
    /// `total_space − available_space`: reserved blocks count as used, so this is a little
    /// more than `df`'s Used column.
    pub used_space: f64,
    pub usage_percent: f64,
    pub is_removable: bool,
    pub is_read_only: bool,
    /// `"SSD"`, `"HDD"` or `"Unknown(-1)"`.
    pub disk_type: String,
}

pub struct DiskList {
    disks: Disks,
}

impl DiskList {
    pub fn new() -> Result<Self, sysinfo::Error> {
        Ok(DiskList { disks: Disks::new()? })
    }

    pub fn read(&mut self) -> Vec<DiskInfo> {
        self.disks.refresh(true);
        self.disks
            .iter()
            .map(|d| {
                let total = d.total_space();
                let available = d.available_space().min(total);
                let used = total - available;
                DiskInfo {
                    name: d.name().to_string_lossy().into_owned(),
                    mount_point: d.mount_point().to_string_lossy().into_owned(),
                    file_system: d.file_system().to_string_lossy().into_owned(),
                    total_space: total as f64,
                    available_space: available as f64,
                    used_space: used as f64,
                    usage_percent: percent(used as f64, total as f64),
                    is_removable: d.is_removable(),
                    is_read_only: d.is_read_only(),
                    disk_type: format!("{:?}", d.kind()),
                }
            })
            .collect()
    }
}

/// Mount points are compared without trailing separators (`/mnt/data/` is `/mnt/data`); the
/// root stays `/`.
pub fn normalise_mount(mount: &str) -> &str {
    let trimmed = mount.trim_end_matches(['/', '\\']);
    if trimmed.is_empty() && !mount.is_empty() {
        &mount[..1]
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_separators_are_ignored_but_root_stays() {
        assert_eq!(normalise_mount("/mnt/data/"), "/mnt/data");
        assert_eq!(normalise_mount("/"), "/");
        assert_eq!(normalise_mount("//"), "/");
        assert_eq!(normalise_mount(""), "");
    }

    #[test]
    fn used_never_exceeds_total() {
        let disks = DiskList::new().unwrap().read();
        assert!(disks.iter().all(|d| d.used_space <= d.total_space && (0.0..=100.0).contains(&d.usage_percent)));
    }
}
