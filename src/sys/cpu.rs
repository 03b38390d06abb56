//! CPU usage and identity.
//!
//! Usage is the share of time the CPUs were busy between the previous sample and this one.
//! sysinfo only takes a new sample once [`MINIMUM_CPU_UPDATE_INTERVAL`] has passed (200 ms on
//! Linux): calls in between get the latest complete window. The first sample is taken when the
//! state is created, as the module loads ([`super::prime`]); until a window has completed
//! (for calls in the first 200 ms) every value is 0.
//!
//! `overall` is the mean of the per-core values, as in the original, so the two always agree.
//!
//! The current frequency is read at most once a second: on some machines reading it costs
//! milliseconds per core (sysinfo#727), and it is an indication, not a measurement.
//!
//! [`MINIMUM_CPU_UPDATE_INTERVAL`]: sysinfo::MINIMUM_CPU_UPDATE_INTERVAL

use std::time::{Duration, Instant};

use serde::Serialize;
use sysinfo::{CpuRefreshKind, System};

const FREQUENCY_TTL: Duration = Duration::from_secs(1);

/// `cpu()`: usage over the latest window, in percent 0–100.
#[derive(Debug, Clone, Serialize)]
pub struct CpuUsage {
    /// All CPUs together: the mean of `per_core`.
    pub overall: f64,
    /// One value per logical CPU.
    pub per_core: Vec<f64>,
    /// Unix seconds.
    pub timestamp: f64,
}

/// `cpu({cores: true})`: one entry per logical CPU.
#[derive(Debug, Clone, Serialize)]
pub struct CpuCore {
    /// `"CPU <i>"`, numbered from 0.
    pub name: String,
    pub vendor_id: String,
    pub brand: String,
    /// Current frequency in MHz (0 when the system does not say).
    pub frequency: f64,
    pub usage: f64,
    /// Number of logical CPUs of the machine, repeated in every entry.
    pub core_count: u32,
}

/// What `info()` needs to know about the CPUs.
pub struct CpuIdentity {
    pub brand: String,
    pub vendor: String,
    /// Logical CPUs of the machine.
    pub logical: usize,
    pub physical: Option<usize>,
    /// Current frequency of CPU 0 in MHz.
    pub frequency: u64,
}

pub struct Cpus {
    /// Measures usage, and is refreshed for nothing else: sysinfo restarts its 200 ms usage
    /// window on *any* CPU refresh (a frequency refresh included), so sharing it would leave
    /// usage stale after `info()` or `cpu({cores})`.
    system: System,
    /// Brand, vendor and current frequency.
    identity: System,
    physical: Option<usize>,
    frequency_read: Option<Instant>,
}

impl Cpus {
    pub fn new() -> Result<Self, sysinfo::Error> {
        let mut system = System::new()?;
        // Builds the CPU list (names, vendor, brand) without taking a usage sample yet.
        system.refresh_cpu_list(CpuRefreshKind::nothing());
        let mut identity = System::new()?;
        identity.refresh_cpu_list(CpuRefreshKind::nothing());
        Ok(Cpus { system, identity, physical: System::physical_core_count().ok(), frequency_read: None })
    }

    /// Take a usage sample if the current window is long enough (sysinfo decides).
    pub fn refresh_usage(&mut self) {
        self.system.refresh_cpu_usage();
    }

    fn refresh_frequency(&mut self) {
        if self.frequency_read.is_none_or(|at| at.elapsed() >= FREQUENCY_TTL) {
            self.identity.refresh_cpu_frequency();
            self.frequency_read = Some(Instant::now());
        }
    }

    pub fn logical_count(&self) -> usize {
        self.system.cpus().len()
    }

    /// [`Cpus::usage`] without allocating: `out[0]` the overall value, `out[1]` the timestamp,
    /// then one value per core. Returns the number of cores; writes nothing when `out` is
    /// shorter than 2 + that.
    pub fn usage_into(&self, out: &mut [f64]) -> usize {
        let cpus = self.system.cpus();
        let Some(per_core) = out.get_mut(2..2 + cpus.len()) else { return cpus.len() };
        for (slot, c) in per_core.iter_mut().zip(cpus) {
            *slot = finite(c.usage());
        }
        out[0] = mean(&out[2..2 + cpus.len()]);
        out[1] = super::unix_now().floor();
        cpus.len()
    }

    pub fn usage(&self) -> CpuUsage {
        let per_core: Vec<f64> = self.system.cpus().iter().map(|c| finite(c.usage())).collect();
        CpuUsage { overall: mean(&per_core), per_core, timestamp: super::unix_now().floor() }
    }

    pub fn cores(&mut self) -> Vec<CpuCore> {
        self.refresh_frequency();
        let count = self.logical_count() as u32;
        self.identity
            .cpus()
            .iter()
            .zip(self.system.cpus())
            .enumerate()
            .map(|(i, (id, measured))| CpuCore {
                name: format!("CPU {i}"),
                vendor_id: id.vendor_id().to_string(),
                brand: id.brand().trim().to_string(),
                frequency: id.frequency() as f64,
                usage: finite(measured.usage()),
                core_count: count,
            })
            .collect()
    }

    pub fn identity(&mut self) -> CpuIdentity {
        self.refresh_frequency();
        let first = self.identity.cpus().first();
        CpuIdentity {
            brand: first.map(|c| c.brand().trim().to_string()).unwrap_or_default(),
            vendor: first.map(|c| c.vendor_id().to_string()).unwrap_or_default(),
            logical: self.logical_count(),
            physical: self.physical,
            frequency: first.map(|c| c.frequency()).unwrap_or(0),
        }
    }
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// sysinfo reports f32 percentages; NaN (no time elapsed at all) becomes 0, and values are
/// kept within 0–100 (rounding can overshoot slightly).
fn finite(v: f32) -> f64 {
    if v.is_finite() {
        f64::from(v).clamp(0.0, 100.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_has_one_value_per_core_within_0_and_100() {
        let mut cpus = Cpus::new().unwrap();
        cpus.refresh_usage();
        let u = cpus.usage();
        assert_eq!(u.per_core.len(), cpus.logical_count());
        assert!(u.per_core.iter().chain([&u.overall]).all(|v| (0.0..=100.0).contains(v)));
    }

    #[test]
    fn cores_are_named_like_xypriss() {
        let mut cpus = Cpus::new().unwrap();
        let cores = cpus.cores();
        assert_eq!(cores[0].name, "CPU 0");
        assert!(cores.iter().all(|c| c.core_count as usize == cores.len()));
    }

    #[test]
    fn reading_the_identity_does_not_hold_back_usage() {
        let mut cpus = Cpus::new().unwrap();
        cpus.refresh_usage();
        // Keep this core busy for longer than one window, so the window has usage to show.
        let until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        let _ = cpus.identity();
        cpus.refresh_usage();
        assert!(cpus.usage().overall > 0.0, "usage was measured over the busy window");
    }

    #[test]
    fn overall_is_the_mean_of_the_cores() {
        let mut cpus = Cpus::new().unwrap();
        cpus.refresh_usage();
        let u = cpus.usage();
        assert_eq!(u.overall, mean(&u.per_core));
        assert_eq!(mean(&[]), 0.0);
    }

    #[test]
    fn usage_into_writes_what_usage_returns() {
        let mut cpus = Cpus::new().unwrap();
        cpus.refresh_usage();
        let n = cpus.logical_count();
        let mut short = vec![-1.0; 1 + n];
        assert_eq!(cpus.usage_into(&mut short), n);
        assert!(short.iter().all(|&v| v == -1.0), "nothing written into a short buffer");
        let mut out = vec![-1.0; 3 + n];
        assert_eq!(cpus.usage_into(&mut out), n);
        let u = cpus.usage();
        assert_eq!((out[0], &out[2..2 + n]), (u.overall, &u.per_core[..]));
        assert!((out[1] - u.timestamp).abs() <= 1.0);
        assert_eq!(out[2 + n], -1.0, "nothing written past the cores");
        assert_eq!(cpus.usage_into(&mut []), n);
    }

    #[test]
    fn nan_becomes_zero() {
        assert_eq!(finite(f32::NAN), 0.0);
        assert_eq!(finite(100.0001), 100.0);
    }
}
