//! Retries: bounded attempts, exponential backoff with full jitter, an overall deadline.

use std::time::Duration;

use rand::Rng;

/// When and how long to wait before trying a call again.
///
/// Defaults: 3 attempts, backoff from 200 ms doubling up to 5 s, rate limits from 1 s
/// (DingTalk's advice: 1 s, 2 s, 4 s), all attempts within 60 s.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. 1 disables retries.
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry; doubles each retry.
    pub initial_backoff: Duration,
    /// Backoff ceiling before the first retry after a rate-limit error.
    pub rate_limit_backoff: Duration,
    /// No single wait is longer than this.
    pub max_backoff: Duration,
    /// All attempts of one call, waits included, end within this.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            rate_limit_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
        }
    }
}

/// Why a call is being retried; rate limits back off longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    Transient,
    RateLimited,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    pub fn rate_limit_backoff(mut self, d: Duration) -> Self {
        self.rate_limit_backoff = d;
        self
    }

    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// The ceiling of the wait after failed attempt number `attempt` (1-based):
    /// `base × 2^(attempt-1)`, capped at `max_backoff`.
    pub fn backoff_ceiling(&self, attempt: u32, reason: RetryReason) -> Duration {
        let base = match reason {
            RetryReason::Transient => self.initial_backoff,
            RetryReason::RateLimited => self.rate_limit_backoff,
        };
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        base.checked_mul(factor).unwrap_or(self.max_backoff).min(self.max_backoff)
    }

    /// The wait after failed attempt `attempt`: full jitter, uniform in `[0, ceiling]`.
    /// Rate limits wait at least half the ceiling, so that a burst backs off for real.
    pub fn backoff(&self, attempt: u32, reason: RetryReason, rng: &mut impl Rng) -> Duration {
        let ceiling = self.backoff_ceiling(attempt, reason);
        let floor = match reason {
            RetryReason::Transient => Duration::ZERO,
            RetryReason::RateLimited => ceiling / 2,
        };
        if ceiling <= floor {
            return ceiling;
        }
        let nanos = rng.random_range(floor.as_nanos()..=ceiling.as_nanos());
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_stays_within_bounds() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(1, RetryReason::Transient), Duration::from_millis(200));
        assert_eq!(p.backoff_ceiling(2, RetryReason::Transient), Duration::from_millis(400));
        assert_eq!(p.backoff_ceiling(3, RetryReason::RateLimited), Duration::from_secs(4));
        assert_eq!(p.backoff_ceiling(40, RetryReason::Transient), Duration::from_secs(5));
        let mut rng = rand::rng();
        for attempt in 1..10 {
            for _ in 0..200 {
                let t = p.backoff(attempt, RetryReason::Transient, &mut rng);
                assert!(t <= p.backoff_ceiling(attempt, RetryReason::Transient));
                let r = p.backoff(attempt, RetryReason::RateLimited, &mut rng);
                let c = p.backoff_ceiling(attempt, RetryReason::RateLimited);
                assert!(r >= c / 2 && r <= c, "{r:?} not in [{:?}, {c:?}]", c / 2);
            }
        }
    }

    #[test]
    fn jitter_actually_varies() {
        let p = RetryPolicy::default();
        let mut rng = rand::rng();
        let waits: std::collections::BTreeSet<_> =
            (0..50).map(|_| p.backoff(3, RetryReason::Transient, &mut rng)).collect();
        assert!(waits.len() > 10);
    }
}
