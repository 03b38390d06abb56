//! System information: one long-lived state shared by every call and every monitor.
//!
//! Why one state: the tool this replaces built a fresh `sysinfo::System` for each call (a full
//! scan of every process and thread, twice) and slept 200 ms to measure CPU usage. Here the state
//! lives as long as the addon, and each call refreshes only the part it reads: a memory query
//! never touches the process table. Rates (CPU usage, per-process CPU, network throughput) are
//! computed from the previous refresh, which the module primes when it loads, so no call sleeps.
//!
//! Each part has its own lock, so a monitor thread scanning processes never delays a memory
//! query on the JS thread. Memory has no lock on Linux: it reads `/proc/meminfo` (and the cgroup
//! usage files) through descriptors kept open for the life of the addon, so every call gets the
//! kernel's current numbers without opening a file (`kept_file_linux.rs`).
//!
//! Values use XyPriss's field names and units (snake_case, bytes, percent 0–100, unix seconds).
//! Numbers are `f64` or `u32` because they become JS numbers; byte counts stay exact below 2^53.
//! Something that does not exist (a pid, an interface, a mount) is `None`, never a placeholder.

mod battery;
mod cpu;
mod disks;
mod health;
mod info;
mod limits;
mod memory;
pub mod monitor;
mod network;
mod ports;
mod processes;
mod quick;
mod rates;
mod temperature;
mod user;

#[cfg_attr(unix, path = "platform_unix.rs")]
#[cfg_attr(windows, path = "platform_windows.rs")]
mod platform;

#[cfg(target_os = "linux")]
#[path = "procfs_linux.rs"]
mod procfs;

#[cfg(target_os = "linux")]
#[path = "kept_file_linux.rs"]
mod kept_file;

/// Elsewhere, questions `/proc` answers cheaply on Linux go through the process table.
#[cfg(not(target_os = "linux"))]
mod procfs {
    pub fn count_processes() -> Option<usize> {
        None
    }

    /// sysinfo lists no threads as processes outside Linux.
    pub fn is_thread_of_another_process(_pid: u32) -> bool {
        false
    }
}

use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::error::{Error, Result};

pub use battery::BatteryInfo;
pub use cpu::{CpuCore, CpuUsage};
pub use disks::DiskInfo;
pub use health::Health;
pub use info::{LoadAverage, SysInfo};
pub use memory::MemoryInfo;
pub use network::{NetworkInterface, NetworkStats};
pub use ports::PortInfo;
pub use processes::{FieldSet, ProcessAnswer, ProcessInfo, ProcessQuery, ProcessStats};
pub use quick::QuickSnapshot;
pub use temperature::ThermalStats;
pub use user::{Paths, UserInfo};

/// The state behind every `sys` call. Get it with [`state`].
pub struct SysState {
    cpus: Mutex<cpu::Cpus>,
    memory: memory::Memory,
    processes: Mutex<processes::Table>,
    networks: Mutex<network::Interfaces>,
    disks: Mutex<disks::DiskList>,
    sensors: Mutex<temperature::Sensors>,
}

/// The state, created on first use.
pub fn state() -> Result<&'static SysState> {
    static STATE: OnceLock<std::result::Result<SysState, String>> = OnceLock::new();
    STATE.get_or_init(SysState::new).as_ref().map_err(|why| Error::new("ERR_XSYS_UNSUPPORTED", "sys", why.clone()))
}

/// Take the first CPU and network samples and a first (minimal) process scan, so that later
/// calls have something to measure rates against. Meant for a background thread at load time.
pub fn prime() -> Result<()> {
    let state = state()?;
    lock(&state.cpus).refresh_usage();
    lock(&state.networks).read();
    lock(&state.processes).refresh_all(FieldSet::NONE);
    Ok(())
}

/// A panic while a lock was held leaves plain data behind (a half-refreshed table at worst):
/// keep using it rather than failing every later call.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn unsupported(what: impl std::fmt::Display) -> String {
    format!("system information is not available on this platform ({what})")
}

impl SysState {
    fn new() -> std::result::Result<Self, String> {
        Ok(SysState {
            cpus: Mutex::new(cpu::Cpus::new().map_err(unsupported)?),
            memory: memory::Memory::new().map_err(unsupported)?,
            processes: Mutex::new(processes::Table::new().map_err(unsupported)?),
            networks: Mutex::new(network::Interfaces::new().map_err(unsupported)?),
            disks: Mutex::new(disks::DiskList::new().map_err(unsupported)?),
            sensors: Mutex::new(temperature::Sensors::default()),
        })
    }

    /// Host, OS, CPU and memory totals, uptime and load (`info()`).
    pub fn info(&self) -> SysInfo {
        let memory = self.memory();
        let cpu = lock(&self.cpus).identity();
        info::collect(cpu, &memory)
    }

    /// Overall and per-core CPU usage since the previous sample (`cpu()`).
    pub fn cpu_usage(&self) -> CpuUsage {
        let mut cpus = lock(&self.cpus);
        cpus.refresh_usage();
        cpus.usage()
    }

    /// [`SysState::cpu_usage`] into `out` without allocating (layout: [`cpu::Cpus::usage_into`]).
    /// Returns the number of cores; writes nothing when `out` is too short for them.
    pub fn cpu_usage_into(&self, out: &mut [f64]) -> usize {
        let mut cpus = lock(&self.cpus);
        cpus.refresh_usage();
        cpus.usage_into(out)
    }

    /// One entry per logical CPU with its identity, frequency and usage (`cpu({cores: true})`).
    pub fn cpu_cores(&self) -> Vec<CpuCore> {
        let mut cpus = lock(&self.cpus);
        cpus.refresh_usage();
        cpus.cores()
    }

    /// RAM and swap, within the cgroup limit when there is one (`memory()`).
    pub fn memory(&self) -> MemoryInfo {
        self.memory.read()
    }

    /// Mounted filesystems (`disks()`).
    pub fn disks(&self) -> Vec<DiskInfo> {
        lock(&self.disks).read()
    }

    /// The filesystem mounted exactly at `mount`, or `None`.
    pub fn disk(&self, mount: &str) -> Option<DiskInfo> {
        let wanted = disks::normalise_mount(mount);
        self.disks().into_iter().find(|d| d.mount_point == wanted)
    }

    /// Every interface with totals and rates since the previous call (`network()`).
    pub fn network(&self) -> NetworkStats {
        lock(&self.networks).read()
    }

    /// One interface, or `None`.
    pub fn interface(&self, name: &str) -> Option<NetworkInterface> {
        self.network().interfaces.into_iter().find(|i| i.name == name)
    }

    /// Summary, one process, top N or the full list (`processes()`).
    pub fn processes(&self, query: ProcessQuery, fields: FieldSet) -> ProcessAnswer {
        lock(&self.processes).answer(query, fields)
    }

    /// Temperature sensors (`temp()`).
    pub fn temperatures(&self) -> ThermalStats {
        lock(&self.sensors).read()
    }

    /// The system battery (`battery()`).
    pub fn battery(&self) -> BatteryInfo {
        battery::read()
    }

    /// Listening TCP and UDP sockets, IPv4 and IPv6, with their owning pid (`ports()`).
    pub fn ports(&self) -> Result<Vec<PortInfo>> {
        ports::listening()
    }

    /// A 0–100 score with the checks behind it (`health()`).
    pub fn health(&self) -> Health {
        let memory = self.memory();
        let cpu = self.cpu_usage().overall;
        health::assess(&memory, cpu, info::load_average().one, limits::cpu_count(lock(&self.cpus).logical_count()))
    }

    /// One object for dashboards (`quick()`).
    pub fn quick(&self) -> QuickSnapshot {
        let info = self.info();
        let cpu = self.cpu_usage().overall;
        quick::snapshot(&info, cpu)
    }

    /// Send `signal` (a number) to `pid`.
    pub fn kill(&self, pid: u32, signal: i32) -> Result<()> {
        platform::send_signal(pid, signal)
    }

    /// A monitor tick: CPU, memory and the process count.
    pub fn system_snapshot(&self) -> monitor::SystemSnapshot {
        let memory = self.memory();
        let cpu_usage = self.cpu_usage().overall;
        let process_count = match procfs::count_processes() {
            Some(n) => n,
            None => lock(&self.processes).count(),
        };
        monitor::SystemSnapshot::new(cpu_usage, &memory, process_count)
    }

    /// A process monitor tick: the process now, or `None` once it has gone.
    pub fn process_snapshot(&self, pid: u32) -> Option<monitor::ProcessSnapshot> {
        match self.processes(ProcessQuery::Pid(pid), FieldSet::ALL) {
            ProcessAnswer::One(found, _) => found.and_then(monitor::ProcessSnapshot::of),
            _ => None,
        }
    }

    /// The user this process runs as (`user()`).
    pub fn user(&self) -> UserInfo {
        platform::current_user()
    }

    /// Home, config, cache, data and temp directories, and `PATH` (`paths()`).
    pub fn paths(&self) -> Paths {
        user::paths()
    }
}

/// Current time in unix seconds (fractional).
fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// `part / whole` as a percentage, 0 when `whole` is 0.
fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_query_does_not_touch_the_process_table() {
        let shared = state().unwrap();
        // Hold the process table's lock: a memory query on another thread must not need it.
        let held = lock(&shared.processes);
        let answer = std::thread::spawn(|| state().unwrap().memory().total).join().unwrap();
        drop(held);
        assert!(answer > 0.0);
    }

    #[test]
    fn percent_of_zero_is_zero() {
        assert_eq!(percent(5.0, 0.0), 0.0);
        assert_eq!(percent(1.0, 4.0), 25.0);
    }
}
