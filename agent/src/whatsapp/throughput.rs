//! Spacing of sends so a business phone number never goes over its Cloud API throughput
//! (80 messages per second by default; Meta answers error 130429 above it).
//!
//! Each phone number gets evenly spaced send slots, one every `1 / messages_per_second`:
//! no burst allowance, so no one-second window ever holds more than the rate, however the
//! window is placed. Built on `tokio::time`, so tests can run it on paused time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Past this many phone numbers, numbers idle for a while are forgotten, so the table stays
/// small whatever ids callers pass.
const PRUNE_ABOVE: usize = 1024;

/// Evenly spaced send slots per phone number id.
#[derive(Debug)]
pub struct ThroughputLimiter {
    interval: Duration,
    next_free: Mutex<HashMap<String, Instant>>,
}

impl ThroughputLimiter {
    /// A limiter allowing `messages_per_second` per phone number (0 is taken as 1).
    pub fn new(messages_per_second: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / messages_per_second.max(1),
            next_free: Mutex::new(HashMap::new()),
        }
    }

    /// The time between two sends from one number.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for the next free slot of `phone_number_id` and takes it. Callers are served in
    /// the order they call; a caller dropped while waiting leaves its slot unused, which only
    /// errs on the slow side.
    pub async fn acquire(&self, phone_number_id: &str) {
        let slot = {
            // The lock is never held across an await; a poisoned lock only means another
            // caller panicked mid-update of a map of instants, which stays usable.
            let mut next_free = self
                .next_free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            if next_free.len() > PRUNE_ABOVE {
                next_free.retain(|_, free| *free > now);
            }
            let free = next_free.entry(phone_number_id.to_string()).or_insert(now);
            let slot = (*free).max(now);
            *free = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
