//! A per-client token bucket: `rate` requests per second, bursts up to
//! `rate`, in memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use armature::prelude::*;

/// Buckets idle this long are forgotten (when the table is swept).
const IDLE_SECS: f64 = 60.0;
/// The table is swept when it grows past this many clients.
const SWEEP_AT: usize = 10_000;

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Requests per second per client; `None` means no limit.
pub struct RateLimiter {
    rate: Option<u32>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// 429 with `retry-after` (whole seconds, at least 1).
#[derive(Debug)]
pub struct Limited {
    retry_after: u64,
}

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        let mut response =
            HttpError::new(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded").into_response();
        response
            .headers_mut()
            .insert("retry-after", self.retry_after.into());
        response
    }
}

impl RateLimiter {
    pub fn new(rate: Option<u32>) -> Self {
        Self {
            rate: rate.filter(|r| *r > 0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, client: IpAddr) -> Result<(), Limited> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        let rate = f64::from(rate);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, b| now.duration_since(b.last).as_secs_f64() < IDLE_SECS);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: rate,
            last: now,
        });
        let refill = now.duration_since(bucket.last).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(rate);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err(Limited {
                retry_after: wait.ceil().max(1.0) as u64,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_rate_passes_then_429_with_retry_after() {
        let limiter = RateLimiter::new(Some(3));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(ip).is_ok());
        }
        let limited = limiter.check(ip).unwrap_err();
        assert_eq!(limited.retry_after, 1);
        // Another client has its own bucket.
        assert!(limiter.check("10.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn off_means_unlimited() {
        let limiter = RateLimiter::new(None);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!((0..1000).all(|_| limiter.check(ip).is_ok()));
    }
}
