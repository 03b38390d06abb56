//! Supervision decisions, kept free of processes and clocks so they can be tested alone:
//! when to restart a crashed worker (exponential backoff, restart budget) and when a worker
//! counts as hung (ready timeout, heartbeat timeout).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How crashed workers are restarted.
#[derive(Debug, Clone, Copy)]
pub struct RestartPolicy {
    /// Delay before the second restart within the window; doubles with each further one. The
    /// first crash is replaced at once: a lone crash should cost as little downtime as possible.
    pub base_delay: Duration,
    /// The delay never exceeds this.
    pub max_delay: Duration,
    /// Restarts allowed within `window`; one more crash marks the slot failed.
    pub max_restarts: u32,
    pub window: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartDecision {
    RestartAfter(Duration),
    /// The budget is spent: leave the slot empty.
    Fail,
}

/// The recent restarts of one slot. Crashes older than the window are forgotten, so both the
/// backoff and the budget recover once a worker has stayed up for a while.
#[derive(Debug, Default)]
pub struct RestartHistory {
    recent: VecDeque<Instant>,
}

impl RestartHistory {
    /// Decide what to do about a crash at `now`, and record the restart if there is one.
    pub fn on_crash(&mut self, policy: &RestartPolicy, now: Instant) -> RestartDecision {
        while self.recent.front().is_some_and(|&t| now.duration_since(t) >= policy.window) {
            self.recent.pop_front();
        }
        let n = self.recent.len() as u32;
        if n >= policy.max_restarts {
            return RestartDecision::Fail;
        }
        self.recent.push_back(now);
        RestartDecision::RestartAfter(backoff(policy, n))
    }

    pub fn clear(&mut self) {
        self.recent.clear();
    }
}

/// Delay before restart number `n` (0-based) within the window: 0, base, 2·base, 4·base, … ≤ max.
fn backoff(policy: &RestartPolicy, n: u32) -> Duration {
    if n == 0 {
        return Duration::ZERO;
    }
    let factor = 1u32.checked_shl(n - 1).unwrap_or(u32::MAX);
    policy.base_delay.saturating_mul(factor).min(policy.max_delay)
}

/// Why a worker that is still running counts as hung.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hang {
    /// It did not say `ready` within the ready timeout.
    NotReady,
    /// It was ready, then sent nothing for the heartbeat timeout.
    Silent,
}

/// Deadlines of one running worker. `None` timeouts are disabled.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    pub ready_timeout: Option<Duration>,
    pub heartbeat_timeout: Option<Duration>,
    pub started: Instant,
    pub ready: bool,
    /// When the last frame of any kind arrived: any traffic proves the event loop runs.
    pub last_seen: Instant,
}

impl Liveness {
    pub fn new(ready_timeout: Option<Duration>, heartbeat_timeout: Option<Duration>, now: Instant) -> Self {
        Liveness { ready_timeout, heartbeat_timeout, started: now, ready: false, last_seen: now }
    }

    /// When the worker must next be checked, if ever.
    pub fn deadline(&self) -> Option<Instant> {
        if self.ready {
            self.heartbeat_timeout.map(|t| self.last_seen + t)
        } else {
            self.ready_timeout.map(|t| self.started + t)
        }
    }

    /// Whether the worker is hung at `now`.
    pub fn check(&self, now: Instant) -> Option<Hang> {
        match self.deadline() {
            Some(d) if now >= d => Some(if self.ready { Hang::Silent } else { Hang::NotReady }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const POLICY: RestartPolicy = RestartPolicy {
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(150),
        max_restarts: 5,
        window: Duration::from_secs(60),
    };

    #[test]
    fn backoff_starts_at_zero_doubles_and_is_capped() {
        let mut h = RestartHistory::default();
        let t = Instant::now();
        let delays: Vec<_> = (0..5).map(|i| h.on_crash(&POLICY, t + ms(i))).collect();
        use RestartDecision::RestartAfter as R;
        assert_eq!(delays, vec![R(ms(0)), R(ms(50)), R(ms(100)), R(ms(150)), R(ms(150))]);
    }

    #[test]
    fn the_crash_after_the_budget_fails_the_slot() {
        let mut h = RestartHistory::default();
        let t = Instant::now();
        for i in 0..5 {
            assert!(matches!(h.on_crash(&POLICY, t + ms(i)), RestartDecision::RestartAfter(_)));
        }
        assert_eq!(h.on_crash(&POLICY, t + ms(10)), RestartDecision::Fail);
    }

    #[test]
    fn crashes_older_than_the_window_are_forgotten() {
        let mut h = RestartHistory::default();
        let t = Instant::now();
        for i in 0..5 {
            h.on_crash(&POLICY, t + ms(i));
        }
        let later = t + POLICY.window + ms(10);
        assert_eq!(h.on_crash(&POLICY, later), RestartDecision::RestartAfter(Duration::ZERO));
    }

    #[test]
    fn a_zero_budget_fails_on_the_first_crash() {
        let none = RestartPolicy { max_restarts: 0, ..POLICY };
        assert_eq!(RestartHistory::default().on_crash(&none, Instant::now()), RestartDecision::Fail);
    }

    #[test]
    fn huge_restart_counts_do_not_overflow_the_delay() {
        let many = RestartPolicy { max_restarts: 1000, max_delay: Duration::from_secs(10), ..POLICY };
        let mut h = RestartHistory::default();
        let t = Instant::now();
        let mut last = RestartDecision::Fail;
        for i in 0..100 {
            last = h.on_crash(&many, t + ms(i));
        }
        assert_eq!(last, RestartDecision::RestartAfter(Duration::from_secs(10)));
    }

    #[test]
    fn a_worker_that_never_says_ready_is_hung_after_the_ready_timeout() {
        let t = Instant::now();
        let l = Liveness::new(Some(ms(100)), Some(ms(50)), t);
        assert_eq!(l.deadline(), Some(t + ms(100)));
        assert_eq!(l.check(t + ms(99)), None);
        assert_eq!(l.check(t + ms(100)), Some(Hang::NotReady));
    }

    #[test]
    fn a_ready_worker_is_hung_after_the_heartbeat_timeout_of_silence() {
        let t = Instant::now();
        let mut l = Liveness::new(Some(ms(100)), Some(ms(50)), t);
        l.ready = true;
        l.last_seen = t + ms(30);
        assert_eq!(l.check(t + ms(79)), None);
        assert_eq!(l.check(t + ms(80)), Some(Hang::Silent));
    }

    #[test]
    fn disabled_timeouts_never_fire() {
        let t = Instant::now();
        let mut l = Liveness::new(None, None, t);
        assert_eq!(l.deadline(), None);
        l.ready = true;
        assert_eq!(l.check(t + Duration::from_secs(3600)), None);
    }
}
