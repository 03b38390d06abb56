//! `info()`: host, OS, CPU and memory in one object, XyPriss's `SysInfo`.
//!
//! The OS identity (from `/etc/os-release` and `uname`) and the boot time do not change while
//! the process runs and are read once; the host name, uptime, load and memory are read per call.

use std::sync::OnceLock;

use serde::Serialize;
use sysinfo::System;

use super::cpu::CpuIdentity;
use super::limits;
use super::memory::MemoryInfo;

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct LoadAverage {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SysInfo {
    pub hostname: String,
    /// Distribution or OS name: "Ubuntu", "Debian GNU/Linux", "Darwin", "Windows".
    pub os_name: String,
    pub os_version: String,
    /// Long form: "Linux (Ubuntu 24.04)".
    pub os_edition: String,
    pub kernel_version: String,
    /// The architecture this addon was built for: "x86_64", "aarch64" (not Node's "x64").
    pub architecture: String,
    /// CPUs this process can use: affinity mask capped by the cgroup CPU quota.
    pub cpu_count: u32,
    pub cpu_brand: String,
    pub cpu_vendor: String,
    /// Current frequency of CPU 0, MHz.
    pub cpu_frequency: f64,
    /// Memory as `memory()` reports it (within a cgroup limit, if any), bytes.
    pub total_memory: f64,
    pub used_memory: f64,
    pub available_memory: f64,
    pub total_swap: f64,
    pub used_swap: f64,
    /// Seconds since boot.
    pub uptime: f64,
    /// Unix seconds.
    pub boot_time: f64,
    /// Run-queue averages (not percentages); zeros on Windows.
    pub load_average: LoadAverage,
    /// Logical CPUs of the machine.
    pub host_cpu_count: u32,
    /// Physical cores of the machine, when the system says.
    pub physical_core_count: Option<u32>,
    /// The cgroup CPU quota in CPUs (1.5 = one and a half), or `None` when there is none.
    pub cpu_quota: Option<f64>,
}

struct OsIdentity {
    name: String,
    version: String,
    edition: String,
    kernel: String,
}

fn os_identity() -> &'static OsIdentity {
    static OS: OnceLock<OsIdentity> = OnceLock::new();
    OS.get_or_init(|| OsIdentity {
        name: System::name().unwrap_or_default(),
        version: System::os_version().unwrap_or_default(),
        edition: System::long_os_version().unwrap_or_default(),
        kernel: System::kernel_version().unwrap_or_default(),
    })
}

fn boot_time() -> u64 {
    static BOOT: OnceLock<u64> = OnceLock::new();
    *BOOT.get_or_init(|| System::boot_time().unwrap_or(0))
}

pub fn load_average() -> LoadAverage {
    System::load_average().map(|l| LoadAverage { one: l.one, five: l.five, fifteen: l.fifteen }).unwrap_or_default()
}

pub fn hostname() -> String {
    System::host_name().unwrap_or_default()
}

pub fn collect(cpu: CpuIdentity, memory: &MemoryInfo) -> SysInfo {
    let os = os_identity();
    SysInfo {
        hostname: hostname(),
        os_name: os.name.clone(),
        os_version: os.version.clone(),
        os_edition: os.edition.clone(),
        kernel_version: os.kernel.clone(),
        architecture: std::env::consts::ARCH.to_string(),
        cpu_count: limits::cpu_count(cpu.logical) as u32,
        cpu_brand: cpu.brand,
        cpu_vendor: cpu.vendor,
        cpu_frequency: cpu.frequency as f64,
        total_memory: memory.total,
        used_memory: memory.used,
        available_memory: memory.available,
        total_swap: memory.swap_total,
        used_swap: memory.swap_used,
        uptime: System::uptime().unwrap_or(0) as f64,
        boot_time: boot_time() as f64,
        load_average: load_average(),
        host_cpu_count: cpu.logical as u32,
        physical_core_count: cpu.physical.map(|n| n as u32),
        cpu_quota: limits::cpu_quota(),
    }
}
