//! Linux: cgroup v1 and v2 limits, and the affinity mask.
//!
//! Where the limits are: `/proc/self/cgroup` names this process's cgroup in each hierarchy and
//! `/proc/self/mountinfo` says where each hierarchy is mounted (and which part of it: inside a
//! container without a cgroup namespace the mount's root is the container's own cgroup). Both are
//! read once.
//!
//! Limits nest: a cgroup can use no more than any ancestor allows, so the effective limit is the
//! minimum over the chain from the process's cgroup up to the top of the mounted hierarchy.
//!
//! The limit values are re-read at most once a second (a limit changed at runtime shows within a
//! second): reading one file per level of the chain on every call would double the cost of
//! `memory()`, the call dashboards make most. Usage under a limit is read on every call, through
//! descriptors kept open for each limited level (`kept_file_linux.rs`): a `pread` of the current
//! value instead of an open, a read and a close. The descriptors of a level are kept across the
//! once-a-second refresh as long as the level still sets a limit; a level that no longer does
//! is dropped with its descriptors. If the cgroup is removed, its files fail to read (`ENODEV`),
//! which counts as no usage until the refresh drops the level, as a failed open did before.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::MemoryLimit;
use crate::sys::kept_file::{leading_u64, KeptFile};

const LIMITS_TTL: Duration = Duration::from_secs(1);

/// A value and when it was read.
type Recent<T> = Mutex<Option<(Instant, T)>>;

/// cgroup v1 writes "no limit" as the largest page-aligned `i64` (9223372036854771712); anything
/// this large is no limit.
const V1_UNLIMITED: u64 = 1 << 62;

pub fn memory_limit() -> Option<MemoryLimit> {
    static LIMITED: Recent<Arc<[Level]>> = Mutex::new(None);
    let h = layout().memory.as_ref()?;
    let limited = recent(&LIMITED, |previous| h.limited_levels(previous.map_or(&[], |p| &p[..])));
    h.headroom(&limited)
}

pub fn cpu_quota() -> Option<f64> {
    static QUOTA: Recent<Option<f64>> = Mutex::new(None);
    let h = layout().cpu.as_ref()?;
    recent(&QUOTA, |_| h.cpu_quota())
}

/// The value in `slot` if read less than [`LIMITS_TTL`] ago, else a fresh one (`read` is given
/// the previous value, to reuse what still holds).
fn recent<T: Clone>(slot: &Recent<T>, read: impl FnOnce(Option<&T>) -> T) -> T {
    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    match &*slot {
        Some((at, value)) if at.elapsed() < LIMITS_TTL => value.clone(),
        previous => {
            let value = read(previous.as_ref().map(|(_, v)| v));
            *slot = Some((Instant::now(), value.clone()));
            value
        }
    }
}

/// A cgroup of the chain that sets a memory limit: the limit as last read, and its usage files,
/// kept open.
struct Level {
    dir: PathBuf,
    limit: u64,
    usage: Arc<KeptFile>,
    stat: Arc<KeptFile>,
}

/// CPUs in the affinity mask of the process's main thread (what `os.availableParallelism()`
/// counts), or `None` if the mask cannot be read (more than 1024 CPUs).
pub fn affinity_count() -> Option<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity writes at most `size_of` bytes into it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        (libc::sched_getaffinity(libc::getpid(), size, &mut set) == 0).then(|| libc::CPU_COUNT(&set) as usize)
    }
}

fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        Layout::parse(&cgroups, &mounts)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// This process's cgroup in one hierarchy: its directory and the top of the mounted hierarchy.
#[derive(Debug, PartialEq, Eq)]
struct Hierarchy {
    version: Version,
    leaf: PathBuf,
    top: PathBuf,
}

/// Which hierarchies hold the memory and CPU controllers for this process.
#[derive(Debug, Default, PartialEq, Eq)]
struct Layout {
    memory: Option<Hierarchy>,
    cpu: Option<Hierarchy>,
}

struct Membership<'a> {
    controllers: Vec<&'a str>,
    path: &'a str,
}

struct Mount {
    version: Version,
    /// Mount options of the filesystem (for v1, the controllers it carries).
    options: Vec<String>,
    /// The part of the hierarchy that is mounted (`/` unless a container mounts its own cgroup).
    root: String,
    mount_point: PathBuf,
}

impl Layout {
    /// From the text of `/proc/self/cgroup` and `/proc/self/mountinfo`.
    fn parse(proc_cgroup: &str, mountinfo: &str) -> Layout {
        let memberships: Vec<Membership<'_>> = proc_cgroup
            .lines()
            .filter_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                Some(Membership { controllers: controllers.split(',').filter(|c| !c.is_empty()).collect(), path })
            })
            .collect();
        let mounts: Vec<Mount> = mountinfo.lines().filter_map(parse_mount).collect();
        Layout {
            memory: find_hierarchy(&memberships, &mounts, "memory"),
            cpu: find_hierarchy(&memberships, &mounts, "cpu"),
        }
    }
}

/// A controller lives in exactly one hierarchy: a v1 hierarchy that carries it, else v2.
fn find_hierarchy(memberships: &[Membership<'_>], mounts: &[Mount], controller: &str) -> Option<Hierarchy> {
    let v1 = memberships.iter().find(|m| m.controllers.contains(&controller)).and_then(|m| {
        mounts
            .iter()
            .filter(|mount| mount.version == Version::V1 && mount.options.iter().any(|o| o == controller))
            .find_map(|mount| place(mount, m.path))
    });
    v1.or_else(|| {
        let m = memberships.iter().find(|m| m.controllers.is_empty())?;
        mounts.iter().filter(|mount| mount.version == Version::V2).find_map(|mount| place(mount, m.path))
    })
}

/// Where the cgroup `path` is under `mount`. When the mount shows only part of the hierarchy
/// (a container's own cgroup), paths inside it are relative to its root; a path outside it
/// (seen through a cgroup namespace) is the mount point itself.
fn place(mount: &Mount, path: &str) -> Option<Hierarchy> {
    let relative = if mount.root == "/" {
        path
    } else if path == mount.root {
        ""
    } else {
        path.strip_prefix(mount.root.as_str()).filter(|rest| rest.starts_with('/')).unwrap_or("")
    };
    let leaf = mount.mount_point.join(relative.trim_start_matches('/'));
    Some(Hierarchy { version: mount.version, leaf, top: mount.mount_point.clone() })
}

/// One line of mountinfo: `id parent dev root mount-point options [optional…] - fstype source super-options`.
fn parse_mount(line: &str) -> Option<Mount> {
    let (left, right) = line.split_once(" - ")?;
    let fields: Vec<&str> = left.split(' ').collect();
    let mut right = right.split(' ');
    let version = match right.next()? {
        "cgroup" => Version::V1,
        "cgroup2" => Version::V2,
        _ => return None,
    };
    let _source = right.next();
    let options = right.next().unwrap_or("").split(',').map(str::to_string).collect();
    Some(Mount {
        version,
        options,
        root: unescape(fields.get(3)?),
        mount_point: PathBuf::from(unescape(fields.get(4)?)),
    })
}

/// mountinfo writes space, tab, newline and backslash as octal escapes (`\040`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() && bytes[i + 1..i + 4].iter().all(|b| (b'0'..=b'7').contains(b)) {
            out.push((bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Hierarchy {
    /// The process's cgroup and its ancestors, up to the top of the mount.
    fn chain(&self) -> impl Iterator<Item = &Path> {
        self.leaf.ancestors().take_while(move |dir| dir.starts_with(&self.top))
    }

    /// The cgroups of the chain that set a memory limit, with the limit read now. A level
    /// already in `previous` keeps its open usage files.
    fn limited_levels(&self, previous: &[Level]) -> Arc<[Level]> {
        let (limit_file, usage_file) = match self.version {
            Version::V2 => ("memory.max", "memory.current"),
            Version::V1 => ("memory.limit_in_bytes", "memory.usage_in_bytes"),
        };
        self.chain()
            .filter_map(|dir| {
                let limit = read_limit(&dir.join(limit_file))?;
                let (usage, stat) = match previous.iter().find(|l| l.dir == dir) {
                    Some(l) => (l.usage.clone(), l.stat.clone()),
                    None => (
                        Arc::new(KeptFile::new(dir.join(usage_file))),
                        Arc::new(KeptFile::new(dir.join("memory.stat"))),
                    ),
                };
                Some(Level { dir: dir.to_path_buf(), limit, usage, stat })
            })
            .collect()
    }

    /// The smallest limit, and the smallest headroom under the limited cgroups' current usage
    /// (read now).
    fn headroom(&self, limited: &[Level]) -> Option<MemoryLimit> {
        let inactive_key: &[u8] = match self.version {
            Version::V2 => b"inactive_file",
            Version::V1 => b"total_inactive_file",
        };
        limited
            .iter()
            .map(|level| {
                let usage = level.usage.read(leading_u64).ok().flatten().unwrap_or(0);
                let inactive = level.stat.read(|text| stat_value(text, inactive_key)).ok().flatten().unwrap_or(0);
                MemoryLimit {
                    limit: level.limit,
                    available: level.limit.saturating_sub(usage.saturating_sub(inactive)),
                }
            })
            .reduce(|a, b| MemoryLimit { limit: a.limit.min(b.limit), available: a.available.min(b.available) })
    }

    #[cfg(test)]
    fn memory_limit(&self) -> Option<MemoryLimit> {
        self.headroom(&self.limited_levels(&[]))
    }

    fn cpu_quota(&self) -> Option<f64> {
        self.chain()
            .filter_map(|dir| match self.version {
                Version::V2 => parse_cpu_max(&std::fs::read_to_string(dir.join("cpu.max")).ok()?),
                Version::V1 => {
                    let quota = read_text(&dir.join("cpu.cfs_quota_us"))?.parse::<i64>().ok()?;
                    let period = read_number(&dir.join("cpu.cfs_period_us"))?;
                    (quota > 0 && period > 0).then(|| quota as f64 / period as f64)
                }
            })
            .reduce(f64::min)
    }
}

/// `cpu.max`: `"max 100000"` (no quota) or `"150000 100000"` (1.5 CPUs).
fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota = parts.next()?.parse::<u64>().ok()?;
    let period = parts.next().map_or(Some(100_000), |p| p.parse::<u64>().ok())?;
    (quota > 0 && period > 0).then(|| quota as f64 / period as f64)
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

fn read_number(path: &Path) -> Option<u64> {
    read_text(path)?.parse().ok()
}

/// A memory limit file: `max` (v2) or a huge number (v1) mean no limit.
fn read_limit(path: &Path) -> Option<u64> {
    read_number(path).filter(|&n| n < V1_UNLIMITED)
}

/// The value of the `key value` line of `memory.stat` whose key is `key`.
fn stat_value(text: &[u8], key: &[u8]) -> Option<u64> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(b" ")?;
        leading_u64(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    const HYBRID_CGROUPS: &str = "4:memory:/process_api/abc\n2:cpu,cpuacct:/\n1:name=systemd:/\n0::/\n";
    const HYBRID_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn v1_controllers_are_found_in_their_own_hierarchies() {
        let layout = Layout::parse(HYBRID_CGROUPS, HYBRID_MOUNTS);
        assert_eq!(
            layout.memory,
            Some(Hierarchy {
                version: Version::V1,
                leaf: "/sys/fs/cgroup/memory/process_api/abc".into(),
                top: "/sys/fs/cgroup/memory".into()
            })
        );
        let cpu = layout.cpu.unwrap();
        assert_eq!((cpu.version, cpu.leaf), (Version::V1, PathBuf::from("/sys/fs/cgroup/cpu,cpuacct")));
    }

    #[test]
    fn pure_v2_uses_the_unified_hierarchy() {
        let layout = Layout::parse(
            "0::/system.slice/app.service\n",
            "25 20 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
        );
        let memory = layout.memory.unwrap();
        assert_eq!(memory.version, Version::V2);
        assert_eq!(memory.leaf, PathBuf::from("/sys/fs/cgroup/system.slice/app.service"));
        let chain: Vec<_> = memory.chain().map(Path::to_path_buf).collect();
        assert_eq!(
            chain,
            [
                PathBuf::from("/sys/fs/cgroup/system.slice/app.service"),
                PathBuf::from("/sys/fs/cgroup/system.slice"),
                PathBuf::from("/sys/fs/cgroup")
            ]
        );
    }

    #[test]
    fn a_container_mounting_its_own_cgroup_is_at_the_mount_point() {
        // Docker without a cgroup namespace: the mount's root is the container's cgroup.
        let layout = Layout::parse(
            "9:memory:/docker/0123\n",
            "500 400 0:40 /docker/0123 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n",
        );
        assert_eq!(layout.memory.unwrap().leaf, PathBuf::from("/sys/fs/cgroup/memory"));
    }

    #[test]
    fn no_cgroup_filesystem_means_no_hierarchy() {
        assert_eq!(Layout::parse("0::/\n", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"), Layout::default());
    }

    #[test]
    fn escaped_mount_points_are_decoded() {
        assert_eq!(unescape(r"/mnt/my\040cgroups"), "/mnt/my cgroups");
        assert_eq!(unescape(r"/plain"), "/plain");
    }

    fn write(dir: &Path, name: &str, content: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), content).unwrap();
    }

    #[test]
    fn the_smallest_memory_limit_and_headroom_in_the_chain_win() {
        let t = TempTree::new();
        let top = t.path().to_path_buf();
        let mid = top.join("pod");
        let leaf = mid.join("container");
        write(&top, "memory.current", "999999999");
        write(&mid, "memory.max", "1073741824\n"); // 1 GiB
        write(&mid, "memory.current", "900000000\n");
        write(&mid, "memory.stat", "anon 1\ninactive_file 100000000\n");
        write(&leaf, "memory.max", "max\n");
        write(&leaf, "memory.current", "10\n");
        let h = Hierarchy { version: Version::V2, leaf, top };
        assert_eq!(
            h.memory_limit(),
            Some(MemoryLimit { limit: 1_073_741_824, available: 1_073_741_824 - 800_000_000 })
        );
    }

    #[test]
    fn v1_unlimited_is_no_limit() {
        let t = TempTree::new();
        write(t.path(), "memory.limit_in_bytes", "9223372036854771712\n");
        let h = Hierarchy { version: Version::V1, leaf: t.path().into(), top: t.path().into() };
        assert_eq!(h.memory_limit(), None);
        write(t.path(), "memory.limit_in_bytes", "268435456\n");
        write(t.path(), "memory.usage_in_bytes", "300000000\n");
        // Usage above the limit (cache not yet reclaimed): no headroom, not a wrapped number.
        assert_eq!(h.memory_limit(), Some(MemoryLimit { limit: 268_435_456, available: 0 }));
    }

    #[test]
    fn usage_is_read_on_every_call_and_the_open_files_survive_the_limit_refresh() {
        let t = TempTree::new();
        write(t.path(), "memory.max", "1000000\n");
        write(t.path(), "memory.current", "100000\n");
        write(t.path(), "memory.stat", "anon 5\ninactive_file 0\n");
        let h = Hierarchy { version: Version::V2, leaf: t.path().into(), top: t.path().into() };
        let levels = h.limited_levels(&[]);
        assert_eq!(h.headroom(&levels), Some(MemoryLimit { limit: 1_000_000, available: 900_000 }));
        // New usage, same levels (no limit refresh): the kept descriptors read the new values.
        write(t.path(), "memory.current", "600000\n");
        write(t.path(), "memory.stat", "anon 5\ninactive_file 200000\n");
        assert_eq!(h.headroom(&levels), Some(MemoryLimit { limit: 1_000_000, available: 600_000 }));
        // The refresh reads the new limit and keeps the level's open files.
        write(t.path(), "memory.max", "2000000\n");
        let refreshed = h.limited_levels(&levels);
        assert!(Arc::ptr_eq(&refreshed[0].usage, &levels[0].usage) && Arc::ptr_eq(&refreshed[0].stat, &levels[0].stat));
        assert_eq!(h.headroom(&refreshed), Some(MemoryLimit { limit: 2_000_000, available: 1_600_000 }));
        // A level whose limit is lifted is dropped.
        write(t.path(), "memory.max", "max\n");
        assert!(h.limited_levels(&refreshed).is_empty());
    }

    #[test]
    fn unreadable_usage_counts_as_none_used() {
        let t = TempTree::new();
        write(t.path(), "memory.max", "1000\n");
        write(t.path(), "memory.current", "not a number\n");
        let h = Hierarchy { version: Version::V2, leaf: t.path().into(), top: t.path().into() };
        // No memory.stat at all, and a usage that does not parse: the whole limit is headroom.
        assert_eq!(h.memory_limit(), Some(MemoryLimit { limit: 1000, available: 1000 }));
    }

    #[test]
    fn memory_stat_values() {
        let v2 = b"anon 1\nfile 2\nactive_file 3\ninactive_file 4\n";
        assert_eq!(stat_value(v2, b"inactive_file"), Some(4));
        assert_eq!(stat_value(v2, b"file"), Some(2), "a key is not matched inside another");
        assert_eq!(stat_value(b"inactive_file_x 5\ninactive_file 4\n", b"inactive_file"), Some(4), "nor as a prefix");
        let v1 = b"inactive_file 10\ntotal_inactive_file 20\n";
        assert_eq!(stat_value(v1, b"total_inactive_file"), Some(20));
        assert_eq!(stat_value(v1, b"inactive_file"), Some(10));
        // Malformed: no value, a bad value (a later good line still counts), no space, empty.
        assert_eq!(stat_value(b"inactive_file\n", b"inactive_file"), None);
        assert_eq!(stat_value(b"inactive_file x\ninactive_file 7\n", b"inactive_file"), Some(7));
        assert_eq!(stat_value(b"inactive_file:5\n", b"inactive_file"), None);
        assert_eq!(stat_value(b"", b"inactive_file"), None);
        assert_eq!(stat_value(b"\xff\xfe inactive_file 5", b"inactive_file"), None);
    }

    /// What the kept descriptors rely on, on the real kernel: a removed cgroup's files fail to
    /// read (they do not keep answering with old values), and reopening them fails too.
    #[test]
    fn a_removed_cgroup_reads_as_an_error_not_as_old_data() {
        let Some(h) = layout().memory.as_ref() else {
            eprintln!("skipped: no cgroup memory hierarchy");
            return;
        };
        let dir = h.leaf.join(format!("xsys-kept-test-{}", std::process::id()));
        if let Err(e) = std::fs::create_dir(&dir) {
            eprintln!("skipped: cannot create a cgroup here ({e})");
            return;
        }
        let procs = KeptFile::new(dir.join("cgroup.procs"));
        let before = procs.read(|b| b.len());
        std::fs::remove_dir(&dir).unwrap();
        assert_eq!(before.unwrap(), 0, "a new cgroup has no processes");
        assert!(procs.read(|b| b.len()).is_err());
    }

    #[test]
    fn cpu_quota_is_the_smallest_in_the_chain() {
        let t = TempTree::new();
        let leaf = t.path().join("a");
        write(t.path(), "cpu.max", "150000 100000\n");
        write(&leaf, "cpu.max", "max 100000\n");
        let h = Hierarchy { version: Version::V2, leaf, top: t.path().into() };
        assert_eq!(h.cpu_quota(), Some(1.5));

        let v1 = TempTree::new();
        write(v1.path(), "cpu.cfs_quota_us", "-1\n");
        write(v1.path(), "cpu.cfs_period_us", "100000\n");
        let h = Hierarchy { version: Version::V1, leaf: v1.path().into(), top: v1.path().into() };
        assert_eq!(h.cpu_quota(), None);
        write(v1.path(), "cpu.cfs_quota_us", "50000\n");
        assert_eq!(h.cpu_quota(), Some(0.5));
    }

    #[test]
    fn cpu_max_forms() {
        assert_eq!(parse_cpu_max("max 100000"), None);
        assert_eq!(parse_cpu_max("200000 100000\n"), Some(2.0));
        assert_eq!(parse_cpu_max("garbage"), None);
    }

    #[test]
    fn affinity_is_at_least_one_cpu() {
        assert!(affinity_count().unwrap() >= 1);
    }
}
