//! A token bucket per caller: each caller may send `burst` requests at once and `per_second` on average. Small on
//! purpose (a mutex over a map). Keys are user ids for authenticated requests and a hash of the name for login
//! attempts; buckets that have refilled completely are dropped now and then, so the map stays bounded by the
//! callers active in the last moments.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// How fast each caller may send requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatePolicy {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests allowed in a burst.
    pub burst: f64,
}

/// The buckets of every caller seen.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    policy: RatePolicy,
    buckets: Mutex<HashMap<u64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub(crate) fn new(policy: RatePolicy) -> RateLimiter {
        RateLimiter { policy, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token from the caller's bucket; returns the seconds to wait when there is none.
    pub(crate) fn take(&self, caller: u64, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            let policy = self.policy;
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * policy.per_second < policy.burst
            });
        }
        let bucket = buckets.entry(caller).or_insert(Bucket { tokens: self.policy.burst, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.policy.per_second).min(self.policy.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.policy.per_second.max(f64::MIN_POSITIVE);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_requests_wait_for_refill() {
        let limiter = RateLimiter::new(RatePolicy { per_second: 2.0, burst: 3.0 });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(1, start), Ok(()));
        }
        assert!(limiter.take(1, start).is_err());
        assert_eq!(limiter.take(2, start), Ok(()), "callers have separate buckets");
        assert_eq!(limiter.take(1, start + Duration::from_millis(600)), Ok(()));
        assert!(limiter.take(1, start + Duration::from_millis(600)).is_err());
    }
}
