//! Retry delays: exponential (or fixed) with full jitter — a uniformly
//! random delay below the cap, so retries of jobs that failed together
//! (a backend outage) spread out instead of hammering it in step.

use std::time::Duration;

/// How long a failed job waits before its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// `base · 2^(attempt-1)`, capped, with full jitter.
    Exponential,
    /// `base`, with full jitter.
    Fixed,
}

/// The first retry's cap.
pub const BASE: Duration = Duration::from_secs(1);
/// No retry waits longer than this.
pub const MAX: Duration = Duration::from_secs(600);

impl Backoff {
    /// The upper bound of the wait before attempt `attempt + 1`.
    pub fn cap(self, attempt: u32, base: Duration) -> Duration {
        match self {
            Backoff::Fixed => base,
            Backoff::Exponential => {
                let factor = 1u32
                    .checked_shl(attempt.saturating_sub(1).min(30))
                    .unwrap_or(u32::MAX);
                base.saturating_mul(factor).min(MAX)
            }
        }
    }

    /// A delay drawn uniformly from `[0, cap]` (full jitter).
    pub fn delay(self, attempt: u32, base: Duration) -> Duration {
        let cap = self.cap(attempt, base);
        cap.mul_f64(unit_random())
    }
}

/// A number in `[0, 1)`, from std's randomly seeded hasher (no RNG crate
/// for one jitter).
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(N.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_caps_double_then_stop() {
        let b = Duration::from_millis(100);
        let caps: Vec<u128> = (1..=5)
            .map(|a| Backoff::Exponential.cap(a, b).as_millis())
            .collect();
        assert_eq!(caps, [100, 200, 400, 800, 1600]);
        assert_eq!(Backoff::Exponential.cap(60, b), MAX);
        assert_eq!(Backoff::Fixed.cap(9, b), b);
    }

    #[test]
    fn jitter_is_spread_below_the_cap() {
        let b = Duration::from_millis(1000);
        let delays: Vec<Duration> = (0..200).map(|_| Backoff::Exponential.delay(3, b)).collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(4000)));
        let low = delays
            .iter()
            .filter(|d| **d < Duration::from_millis(2000))
            .count();
        // Uniform: about half below the middle.
        assert!((60..=140).contains(&low), "{low} of 200 below the middle");
    }
}
