//! What to do with each resource sample of a worker: a `gc` hint above the pressure ratio of the
//! memory limit, a graceful restart above the limit; and the CPU share between two samples.

use std::time::{Duration, Instant};

/// Minimum time between two `gc` hints to the same worker while it stays under pressure.
pub const GC_HINT_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
pub struct MemoryPolicy {
    /// RSS in bytes above which a worker is restarted gracefully.
    pub limit: Option<u64>,
    /// Fraction of `limit` above which workers are asked to collect garbage (0 disables).
    pub gc_ratio: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryAction {
    Gc,
    Restart,
}

impl MemoryAction {
    pub fn name(self) -> &'static str {
        match self {
            MemoryAction::Gc => "gc",
            MemoryAction::Restart => "restart",
        }
    }
}

/// Per-process memory state, so each process is restarted once and hinted at a steady pace.
#[derive(Debug, Default)]
pub struct MemoryWatch {
    last_gc: Option<Instant>,
    restart_requested: bool,
}

impl MemoryWatch {
    pub fn on_sample(&mut self, policy: &MemoryPolicy, rss: u64, now: Instant) -> Option<MemoryAction> {
        let limit = policy.limit?;
        if rss > limit {
            if self.restart_requested {
                return None;
            }
            self.restart_requested = true;
            return Some(MemoryAction::Restart);
        }
        let pressure = policy.gc_ratio > 0.0 && rss as f64 > limit as f64 * policy.gc_ratio;
        if !pressure {
            self.last_gc = None;
            return None;
        }
        if self.last_gc.is_some_and(|t| now.duration_since(t) < GC_HINT_INTERVAL) {
            return None;
        }
        self.last_gc = Some(now);
        Some(MemoryAction::Gc)
    }
}

/// CPU use between consecutive samples, as a share of the whole machine (0–100).
#[derive(Debug, Default)]
pub struct CpuMeter {
    last: Option<(Instant, f64)>,
}

impl CpuMeter {
    /// `cpu_seconds` is the process's total user+system time; `cores` the CPUs it may use.
    pub fn percent(&mut self, now: Instant, cpu_seconds: f64, cores: u32) -> f64 {
        let share = match self.last {
            Some((then, before)) => {
                let wall = now.duration_since(then).as_secs_f64() * f64::from(cores.max(1));
                if wall > 0.0 {
                    (cpu_seconds - before).max(0.0) / wall * 100.0
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        self.last = Some((now, cpu_seconds));
        share.clamp(0.0, 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;
    const POLICY: MemoryPolicy = MemoryPolicy { limit: Some(100 * MIB), gc_ratio: 0.8 };

    #[test]
    fn over_the_limit_asks_for_one_restart() {
        let mut w = MemoryWatch::default();
        let t = Instant::now();
        assert_eq!(w.on_sample(&POLICY, 101 * MIB, t), Some(MemoryAction::Restart));
        assert_eq!(w.on_sample(&POLICY, 120 * MIB, t), None, "one restart per process");
    }

    #[test]
    fn pressure_sends_a_gc_hint_at_most_every_interval() {
        let mut w = MemoryWatch::default();
        let t = Instant::now();
        assert_eq!(w.on_sample(&POLICY, 79 * MIB, t), None);
        assert_eq!(w.on_sample(&POLICY, 81 * MIB, t), Some(MemoryAction::Gc));
        assert_eq!(w.on_sample(&POLICY, 85 * MIB, t + Duration::from_secs(1)), None);
        assert_eq!(w.on_sample(&POLICY, 85 * MIB, t + GC_HINT_INTERVAL), Some(MemoryAction::Gc));
    }

    #[test]
    fn dropping_below_the_ratio_rearms_the_hint() {
        let mut w = MemoryWatch::default();
        let t = Instant::now();
        assert_eq!(w.on_sample(&POLICY, 90 * MIB, t), Some(MemoryAction::Gc));
        assert_eq!(w.on_sample(&POLICY, 50 * MIB, t), None);
        assert_eq!(w.on_sample(&POLICY, 90 * MIB, t), Some(MemoryAction::Gc));
    }

    #[test]
    fn no_limit_means_no_action() {
        let mut w = MemoryWatch::default();
        let none = MemoryPolicy { limit: None, gc_ratio: 0.8 };
        assert_eq!(w.on_sample(&none, u64::MAX, Instant::now()), None);
    }

    #[test]
    fn cpu_share_is_time_used_over_wall_time_and_cores() {
        let mut m = CpuMeter::default();
        let t = Instant::now();
        assert_eq!(m.percent(t, 10.0, 2), 0.0, "no interval yet");
        let p = m.percent(t + Duration::from_secs(1), 10.5, 2);
        assert!((p - 25.0).abs() < 1e-9, "{p}");
        assert_eq!(m.percent(t + Duration::from_secs(2), 20.0, 2), 100.0, "clamped");
    }
}
