//! Time as the runtime sees it: a monotonic clock for deadlines and backoff, the Unix clock the
//! rate limiter aligns its windows to, and a sleep. The client takes them as one injected
//! [`Timer`], so tests of backoff, deadlines and rate limits run on a virtual clock instead of
//! waiting on the wall clock.

use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;

/// The clocks and the sleep the runtime uses.
pub trait Timer: Send + Sync + fmt::Debug + 'static {
    /// Monotonic time: deadlines, backoff, token lifetimes.
    fn now(&self) -> Instant;
    /// Time since the Unix epoch: the rate limiter counts in windows aligned to it, as DingTalk
    /// does.
    fn unix_now(&self) -> Duration;
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Tokio's timer and the system's Unix clock: the default.
///
/// `now` reads Tokio's clock, so under `tokio::time::pause()` deadlines and backoff follow the
/// paused clock; the Unix clock does not (see [`VirtualTimer`] for that).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn unix_now(&self) -> Duration {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Tokio's clock for everything, the Unix clock included: it starts at the system's Unix time
/// when created and then advances with Tokio's clock. Under `tokio::time::pause()` (or
/// `#[tokio::test(start_paused = true)]`) a test of ten seconds of backoff and rate-limit waits
/// takes no real time, and the limiter's windows move with the virtual clock.
#[derive(Debug, Clone, Copy)]
pub struct VirtualTimer {
    unix_origin: Duration,
    origin: tokio::time::Instant,
}

impl VirtualTimer {
    /// A timer whose Unix clock starts now.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default())
    }

    /// A timer whose Unix clock reads `unix` now (e.g. just after a second boundary, so a test
    /// knows where the limiter's windows fall).
    pub fn starting_at(unix: Duration) -> Self {
        VirtualTimer { unix_origin: unix, origin: tokio::time::Instant::now() }
    }
}

impl Default for VirtualTimer {
    fn default() -> Self {
        Self::new()
    }
}

impl Timer for VirtualTimer {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn unix_now(&self) -> Duration {
        self.unix_origin + self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// `from + duration`, or about a century from `from` when that cannot be represented: a deadline
/// that far is as good as none.
pub fn deadline_after(from: Instant, duration: Duration) -> Instant {
    from.checked_add(duration).unwrap_or_else(|| from + Duration::from_secs(100 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_virtual_unix_clock_moves_with_tokio_time() {
        let timer = VirtualTimer::starting_at(Duration::from_secs(1_000));
        let before = timer.now();
        timer.sleep(Duration::from_secs(90)).await;
        assert_eq!(timer.unix_now(), Duration::from_secs(1_090));
        assert_eq!(timer.now() - before, Duration::from_secs(90));
    }

    #[test]
    fn far_deadlines_are_capped() {
        let now = Instant::now();
        assert!(deadline_after(now, Duration::MAX) > now + Duration::from_secs(365 * 24 * 3600));
        assert_eq!(deadline_after(now, Duration::from_secs(1)), now + Duration::from_secs(1));
    }
}
