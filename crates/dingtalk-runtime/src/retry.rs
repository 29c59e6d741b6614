//! Retries: bounded attempts, exponential backoff with full jitter, an overall deadline, and
//! the loop that applies them.
//!
//! [`RetryPolicy`] says how often and how long to wait; a [`RetryClassifier`] says what an error
//! calls for (stop, retry, or refresh the token and try once more; [`DefaultClassifier`] is the
//! spec-driven default); [`RetryLoop`] runs attempts under both, sleeping on an injected
//! [`Timer`], with every attempt (token fetch and rate-limit wait included) inside the call's
//! deadline.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::error::{CallError, DecodeError, DecodeErrorKind, Error, TransportErrorKind};
use crate::operation::{ApiErrorCode, ErrorClass, OperationDescriptor};
use crate::protocol;
use crate::time::Timer;

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
    /// A transient fault (a busy system, a 5xx, a broken connection).
    Transient,
    /// A rate limit.
    RateLimited,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// Attempts in all, the first included; at least 1.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Backoff ceiling before the first retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Backoff ceiling before the first retry after a rate-limit error.
    pub fn rate_limit_backoff(mut self, d: Duration) -> Self {
        self.rate_limit_backoff = d;
        self
    }

    /// The longest single wait.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// How long all attempts of one call, waits included, may take.
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

/// What an error calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Give up: the error is the call's.
    Stop,
    /// Wait and try again; `at_least` is the server's own hint of how long to wait.
    Retry {
        /// Why: rate limits back off longer.
        reason: RetryReason,
        /// The server's hint of the least wait.
        at_least: Option<Duration>,
    },
    /// The token was refused: drop it, get another, and try once more (not counted as an
    /// attempt, at most once per call).
    RefreshToken,
}

/// Decides what an error of a call calls for.
pub trait RetryClassifier: Send + Sync + fmt::Debug + 'static {
    /// What `error`, from a call of `operation`, calls for.
    fn classify(&self, operation: &'static OperationDescriptor, error: &CallError) -> Decision;
}

/// The spec's classes and the HTTP facts: codes classed retryable or rate-limited are retried;
/// a refused token is refreshed once; HTTP 429/5xx, and codes the spec does not know that come
/// with those statuses, are retried for operations marked `retry_safe`; a transport failure is
/// retried when the operation is `retry_safe` or the request cannot have reached the server;
/// flood protection waits the time it asks for. Everything else stops.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl RetryClassifier for DefaultClassifier {
    fn classify(&self, d: &'static OperationDescriptor, e: &CallError) -> Decision {
        if protocol::of(d.service).token_rejected(e) {
            return Decision::RefreshToken;
        }
        let retry = |reason| Decision::Retry { reason, at_least: None };
        let (transient, limited) = (retry(RetryReason::Transient), retry(RetryReason::RateLimited));
        let safe = d.retry_safe;
        match e {
            Error::Api(api) => match api.class() {
                ErrorClass::Retryable => transient,
                ErrorClass::RateLimited => limited,
                // A code the spec does not know, with a status that says "try later" (the new
                // API): read like the same status without a code.
                _ if safe && api.code.info().is_none() && api.status == 429 => limited,
                _ if safe && api.code.info().is_none() && api.status >= 500 => transient,
                _ => Decision::Stop,
            },
            Error::Http(h) if safe && h.status == 429 => limited,
            Error::Http(h) if safe && h.status >= 500 => transient,
            Error::Transport(t) if t.kind == TransportErrorKind::Deadline => Decision::Stop,
            // A write is repeated only when it cannot have reached the server.
            Error::Transport(t) if safe || !t.maybe_sent => transient,
            Error::Decode(DecodeError { kind: DecodeErrorKind::FloodProtection { wait_seconds }, .. }) => {
                Decision::Retry { reason: RetryReason::RateLimited, at_least: wait_seconds.map(Duration::from_secs) }
            }
            _ => Decision::Stop,
        }
    }
}

/// Runs the attempts of one call under a policy, a deadline and a timer.
pub struct RetryLoop<'a> {
    /// How often to try and how long to wait.
    pub policy: &'a RetryPolicy,
    /// The clock the waits sleep on.
    pub timer: &'a dyn Timer,
    /// When the call, every attempt and wait included, must be over.
    pub deadline: Instant,
}

/// What the loop needs from the call besides its attempts.
pub trait Attempts {
    /// What a successful attempt gives.
    type Output;
    /// What a failed attempt gives.
    type Error: fmt::Display;
    /// Attempt number `attempt` (1-based, refreshes included).
    fn attempt(&mut self, attempt: u32) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send;
    /// What `error` calls for.
    fn classify(&self, error: &Self::Error) -> Decision;
    /// Drops the refused token; `false` when asking again cannot give another.
    fn refresh(&mut self) -> impl Future<Output = bool> + Send;
    /// The error of a call whose deadline passed.
    fn deadline_passed(&self) -> Self::Error;
}

impl RetryLoop<'_> {
    /// Runs attempts until one succeeds, the classifier says stop, the attempts are used up, or
    /// the next wait would pass the deadline. Each attempt is given the deadline and keeps it
    /// itself (every wait in it bounded by [`within_deadline`], the exchange by a timeout of
    /// at most the time left): no timer per attempt is needed here.
    pub async fn run<A: Attempts + Send>(&self, call: &mut A) -> Result<A::Output, A::Error> {
        let (mut attempt, mut counted, mut refreshed) = (0u32, 0u32, false);
        loop {
            attempt += 1;
            counted += 1;
            if self.timer.now() >= self.deadline {
                return Err(call.deadline_passed());
            }
            let err = match call.attempt(attempt).await {
                Ok(output) => return Ok(output),
                Err(e) => e,
            };
            let (reason, at_least) = match call.classify(&err) {
                Decision::Stop => return Err(err),
                Decision::RefreshToken if refreshed => return Err(err),
                Decision::RefreshToken => {
                    refreshed = true;
                    // Dropping a token waits for a fetch in flight: within the deadline too.
                    match within_deadline(self.timer, self.deadline, call.refresh()).await {
                        Some(true) => {}
                        Some(false) => return Err(err),
                        None => return Err(call.deadline_passed()),
                    }
                    tracing::info!(error = %err, "access token rejected; refreshing it and retrying once");
                    counted -= 1;
                    continue;
                }
                Decision::Retry { reason, at_least } => (reason, at_least),
            };
            if counted >= self.policy.max_attempts {
                tracing::debug!(attempt, "giving up: no attempts left");
                return Err(err);
            }
            let mut wait = self.policy.backoff(counted, reason, &mut rand::rng());
            if let Some(hint) = at_least {
                // The server's hint, bounded: a hostile `wait` must not overflow the clock.
                wait = wait.max(hint.min(self.policy.deadline.saturating_add(Duration::from_secs(1))));
            }
            if self.timer.now().checked_add(wait).is_none_or(|at| at >= self.deadline) {
                tracing::debug!(attempt, "giving up: the next wait would pass the deadline");
                return Err(err);
            }
            tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, reason = ?reason, error = %err, "retrying");
            self.timer.sleep(wait).await;
        }
    }
}

/// The future's output, or `None` when `deadline` passes first. A future that is ready at once
/// (a cached token) costs no timer: it is polled once before the deadline's sleep is made.
pub async fn within_deadline<T>(timer: &dyn Timer, deadline: Instant, work: impl Future<Output = T>) -> Option<T> {
    let mut work = std::pin::pin!(work);
    // One poll with the task's own context: a ready future needs no timer.
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(work.as_mut().poll(cx))).await;
    if let std::task::Poll::Ready(output) = first {
        return Some(output);
    }
    let expiry = timer.sleep(deadline.saturating_duration_since(timer.now()));
    match futures_util::future::select(work, expiry).await {
        futures_util::future::Either::Left((output, _)) => Some(output),
        futures_util::future::Either::Right(_) => None,
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
