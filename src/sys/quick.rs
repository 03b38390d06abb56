//! `quick()`: one object for a dashboard, with the original's four text lines in `text`.

use serde::Serialize;

use super::info::{LoadAverage, SysInfo};
use super::percent;
use crate::fs::format_bytes;

#[derive(Debug, Clone, Serialize)]
pub struct QuickSnapshot {
    pub hostname: String,
    /// `"<os_name> <os_version>"`.
    pub os: String,
    pub cpu_brand: String,
    pub cpu_count: u32,
    /// Percent, all CPUs.
    pub cpu_usage: f64,
    pub memory_used: f64,
    pub memory_total: f64,
    pub memory_percent: f64,
    /// Seconds since boot.
    pub uptime: f64,
    pub load_average: LoadAverage,
    /// Unix seconds.
    pub timestamp: f64,
    /// `OS: …`, `CPU: …`, `RAM: …`, `Uptime: …`, one per line.
    pub text: String,
}

pub fn snapshot(info: &SysInfo, cpu_usage: f64) -> QuickSnapshot {
    let os = format!("{} {}", info.os_name, info.os_version).trim().to_string();
    let memory_percent = percent(info.used_memory, info.total_memory);
    let text = format!(
        "OS: {os}\nCPU: {} ({cpu_usage:.1}%)\nRAM: {} / {} ({}%)\nUptime: {}\n",
        info.cpu_brand,
        format_bytes(info.used_memory as u64),
        format_bytes(info.total_memory as u64),
        memory_percent as u32,
        format_duration(info.uptime as u64),
    );
    QuickSnapshot {
        hostname: info.hostname.clone(),
        os,
        cpu_brand: info.cpu_brand.clone(),
        cpu_count: info.cpu_count,
        cpu_usage,
        memory_used: info.used_memory,
        memory_total: info.total_memory,
        memory_percent,
        uptime: info.uptime,
        load_average: info.load_average,
        timestamp: super::unix_now().floor(),
        text,
    }
}

/// `2d 3h 4m 5s`, dropping leading zero units.
fn format_duration(seconds: u64) -> String {
    let (d, h, m, s) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60, seconds % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m {s}s"),
        _ => format!("{d}d {h}h {m}m {s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_drop_leading_zero_units() {
        assert_eq!(format_duration(5), "5s");
        assert_eq!(format_duration(65), "1m 5s");
        assert_eq!(format_duration(3_600), "1h 0m 0s");
        assert_eq!(format_duration(90_061), "1d 1h 1m 1s");
    }
}
