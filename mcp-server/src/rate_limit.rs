//! [`CallBudget`]: how many tool calls one caller (an MCP token, a browser session) may make,
//! as a GCRA bucket per caller from `governor`. A caller over budget is told when to retry
//! instead of slowing everyone else down.

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A sustained rate and a burst, per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Calls per minute one caller may sustain.
    pub per_minute: NonZeroU32,
    /// Calls one caller may make at once after being idle.
    pub burst: NonZeroU32,
}

/// A non-zero constant (zero falls back to one: a budget is never empty).
const fn at_least_one(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

impl RateLimits {
    /// `per_minute` sustained, with a burst of a sixth of it (ten seconds' worth), as the
    /// defaults have; zero counts as one.
    pub const fn per_minute(per_minute: u32) -> RateLimits {
        RateLimits {
            per_minute: at_least_one(per_minute),
            burst: at_least_one(per_minute / 6),
        }
    }

    /// The default for MCP tokens, which are trusted programs: 600 calls a minute, 100 at once.
    pub const MCP: RateLimits = RateLimits {
        per_minute: at_least_one(600),
        burst: at_least_one(100),
    };
    /// The default for anonymous browser sessions: 60 calls a minute, 20 at once.
    pub const BROWSER: RateLimits = RateLimits {
        per_minute: at_least_one(60),
        burst: at_least_one(20),
    };
}

/// How often (in checks) idle callers' buckets are dropped, so memory follows the callers
/// active now rather than every caller ever seen.
const SWEEP_EVERY: u32 = 4096;

/// Per-caller budgets. Cheap to clone; clones share the buckets.
#[derive(Clone)]
pub struct CallBudget {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    checks: Arc<AtomicU32>,
}

impl CallBudget {
    /// Budgets of `limits` for every caller.
    pub fn new(limits: RateLimits) -> Self {
        let quota = Quota::per_minute(limits.per_minute).allow_burst(limits.burst);
        Self {
            limiter: Arc::new(DefaultKeyedRateLimiter::dashmap(quota)),
            checks: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Takes one call from `caller`'s budget, or says how long until one is available.
    pub fn take(&self, caller: &str) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&caller.to_string())
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

impl std::fmt::Debug for CallBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallBudget").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_over_its_burst_is_told_when_to_retry_and_others_are_unaffected() {
        let limits = RateLimits {
            per_minute: NonZeroU32::MIN,
            burst: at_least_one(3),
        };
        let budget = CallBudget::new(limits);
        for _ in 0..3 {
            assert_eq!(budget.take("greedy"), Ok(()));
        }
        let refused = budget.take("greedy");
        assert!(
            matches!(refused, Err(wait) if wait > Duration::from_secs(1)),
            "{refused:?}"
        );
        assert_eq!(budget.take("polite"), Ok(()));
    }
}
