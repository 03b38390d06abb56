//! Rates of growing counters (bytes received, CPU time used), measured between samples.
//!
//! A rate over a very short window is noise: CPU time moves in 10 ms ticks and a network counter
//! may not move at all in a millisecond. So a rate only moves on to a new window once at least
//! [`MIN_WINDOW`] has passed since the start of the current one; calls in between get the rate of
//! the latest complete window. Nothing ever sleeps to make a window.

use std::time::{Duration, Instant};

/// The shortest window a rate is measured over: sysinfo's minimum for CPU usage (200 ms on
/// Linux, macOS and Windows), used for every rate so they all mean the same thing.
pub const MIN_WINDOW: Duration = sysinfo::MINIMUM_CPU_UPDATE_INTERVAL;

#[derive(Debug, Clone)]
pub struct Rate {
    value: u64,
    at: Instant,
    per_second: Option<f64>,
}

impl Rate {
    /// Start measuring from `value`, read at `at`.
    pub fn start(value: u64, at: Instant) -> Self {
        Rate { value, at, per_second: None }
    }

    /// Feed the counter's current value. Returns the rate per second over the latest window of
    /// at least [`MIN_WINDOW`], or `None` before the first such window has completed. A counter
    /// that went backwards (an interface reset) counts as no growth.
    pub fn observe(&mut self, value: u64, at: Instant) -> Option<f64> {
        let elapsed = at.saturating_duration_since(self.at);
        if elapsed >= MIN_WINDOW {
            self.per_second = Some(value.saturating_sub(self.value) as f64 / elapsed.as_secs_f64());
            self.value = value;
            self.at = at;
        }
        self.per_second
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rate_before_a_full_window() {
        let t0 = Instant::now();
        let mut r = Rate::start(100, t0);
        assert_eq!(r.observe(150, t0 + Duration::from_millis(10)), None);
    }

    #[test]
    fn rate_is_growth_over_the_real_elapsed_time() {
        let t0 = Instant::now();
        let mut r = Rate::start(1_000, t0);
        assert_eq!(r.observe(1_500, t0 + Duration::from_millis(250)), Some(2_000.0));
    }

    #[test]
    fn short_windows_keep_the_last_complete_rate_and_do_not_move_the_window() {
        let t0 = Instant::now();
        let mut r = Rate::start(0, t0);
        assert_eq!(r.observe(400, t0 + Duration::from_millis(400)), Some(1_000.0));
        // 50 ms later: too short, same answer, window still starts at 400 ms.
        assert_eq!(r.observe(9_999, t0 + Duration::from_millis(450)), Some(1_000.0));
        // 200 ms after the window start: measured from 400 ms, value 400.
        assert_eq!(r.observe(600, t0 + Duration::from_millis(600)), Some(1_000.0));
    }

    #[test]
    fn a_counter_reset_is_no_growth_not_a_huge_number() {
        let t0 = Instant::now();
        let mut r = Rate::start(5_000, t0);
        assert_eq!(r.observe(10, t0 + Duration::from_secs(1)), Some(0.0));
    }
}
