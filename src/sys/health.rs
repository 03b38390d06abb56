//! `health()`: a 0–100 score and the checks behind it.
//!
//! The score is the original's formula — the mean of three 0–100 scores: free memory, idle CPU,
//! and spare run-queue capacity (load per CPU) — computed in floating point. The original summed
//! three `u8`s, which wrapped past 255: a healthy machine scored 6. `healthy` is true when every
//! check passes: memory and CPU below 90 %, swap below 50 % (the original's unused
//! `is_system_healthy` rule), and fewer runnable tasks than CPUs.

use serde::Serialize;

use super::memory::MemoryInfo;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Check {
    /// The measurement: a percentage, or for `load` the 1-minute load per CPU.
    pub value: f64,
    /// 0–100, higher is better.
    pub score: f64,
    /// Below the threshold.
    pub ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Checks {
    pub memory: Check,
    pub cpu: Check,
    pub load: Check,
    pub swap: Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Health {
    /// 0–100, the rounded mean of the memory, CPU and load scores.
    pub score: u32,
    pub healthy: bool,
    pub checks: Checks,
}

pub fn assess(memory: &MemoryInfo, cpu_percent: f64, load_one: f64, cpu_count: usize) -> Health {
    let load_per_cpu = if cpu_count > 0 { load_one / cpu_count as f64 } else { 0.0 };
    let checks = Checks {
        memory: check(memory.usage_percent, 100.0 - memory.usage_percent, 90.0),
        cpu: check(cpu_percent, 100.0 - cpu_percent, 90.0),
        load: check(load_per_cpu, 100.0 - load_per_cpu * 100.0, 1.0),
        swap: check(memory.swap_percent, 100.0 - memory.swap_percent, 50.0),
    };
    let mean = (checks.memory.score + checks.cpu.score + checks.load.score) / 3.0;
    Health {
        score: mean.round() as u32,
        healthy: checks.memory.ok && checks.cpu.ok && checks.load.ok && checks.swap.ok,
        checks,
    }
}

fn check(value: f64, score: f64, threshold: f64) -> Check {
    let value = if value.is_finite() { value } else { 0.0 };
    let score = if score.is_finite() { score.clamp(0.0, 100.0) } else { 0.0 };
    Check { value, score, ok: value < threshold }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(usage_percent: f64, swap_percent: f64) -> MemoryInfo {
        MemoryInfo {
            total: 100.0,
            available: 100.0 - usage_percent,
            used: usage_percent,
            free: 0.0,
            usage_percent,
            swap_total: 100.0,
            swap_used: swap_percent,
            swap_free: 100.0 - swap_percent,
            swap_percent,
            limit: None,
            host_total: 100.0,
            host_available: 100.0 - usage_percent,
            host_used: usage_percent,
        }
    }

    #[test]
    fn the_case_that_overflowed_in_the_original_scores_92() {
        // 80 + 98 + 98 = 276 wrapped to 20 in u8 arithmetic, then /3 = 6.
        let h = assess(&memory(20.0, 0.0), 2.0, 0.04, 2);
        assert_eq!(h.score, 92);
        assert!(h.healthy);
        assert_eq!(h.checks.load.value, 0.02);
    }

    #[test]
    fn every_part_is_clamped_to_0_100() {
        let h = assess(&memory(100.0, 100.0), 100.0, 64.0, 2);
        assert_eq!(h.score, 0);
        assert_eq!(h.checks.load.score, 0.0);
        assert!(!h.healthy);
    }

    #[test]
    fn swap_pressure_alone_makes_the_system_unhealthy_without_changing_the_score() {
        let calm = assess(&memory(10.0, 0.0), 10.0, 0.0, 4);
        let swapping = assess(&memory(10.0, 60.0), 10.0, 0.0, 4);
        assert_eq!(calm.score, swapping.score);
        assert!(calm.healthy && !swapping.healthy && !swapping.checks.swap.ok);
    }
}
