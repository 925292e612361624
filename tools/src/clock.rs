//! [`Clock`]: where the tools get "now" from, so tests and scenario runs can fix it.

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex, PoisonError};

/// The current time, from the system or fixed by a test or a scenario.
///
/// Clones share one override: fixing or advancing a clone moves every tool that holds one.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Arc<Mutex<Option<Timestamp>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stays at `at` until it is set or advanced.
    pub fn fixed(at: Timestamp) -> Self {
        Self {
            fixed: Arc::new(Mutex::new(Some(at))),
        }
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        self.read().unwrap_or_else(Timestamp::now)
    }

    /// Fixes the time at `at` (from now on, for every clone).
    pub fn set(&self, at: Timestamp) {
        *self.lock() = Some(at);
    }

    /// Moves the time forward by `by` and keeps it fixed there.
    pub fn advance(&self, by: SignedDuration) {
        let mut fixed = self.lock();
        let now = fixed.unwrap_or_else(Timestamp::now);
        *fixed = Some(now.saturating_add(by).unwrap_or(now));
    }

    /// Goes back to the system time.
    pub fn unfix(&self) {
        *self.lock() = None;
    }

    /// Whether the time is fixed.
    pub fn is_fixed(&self) -> bool {
        self.read().is_some()
    }

    fn read(&self) -> Option<Timestamp> {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Timestamp>> {
        // The guarded value is a plain `Option<Timestamp>`: a panic elsewhere cannot leave it
        // half-written.
        self.fixed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_fixed_time() {
        let at: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
        let clock = Clock::fixed(at);
        let clone = clock.clone();
        clone.advance(SignedDuration::from_hours(2));
        assert_eq!(clock.now().to_string(), "2026-12-01T11:00:00Z");
        clock.unfix();
        assert!(!clone.is_fixed());
    }
}
