//! Access tokens, and the cache machinery the token providers that fetch them are built on
//! (the [`TokenProvider`](crate::TokenProvider) trait itself belongs to the client, whose calls
//! providers use to fetch).
//!
//! A [`TokenCache`] keeps a fetched token until its lifetime minus a margin, fetches it by one
//! request however many calls wait for it (single flight), and drops it when DingTalk says it is
//! invalid. The providers that know *how* to fetch (an app's key and secret, a suite's signed
//! request) live beside the generated operations they call.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{AuthError, Error};
use crate::operation::{ApiErrorCode, ErrorClass};
use crate::redact::scrub;

/// An access token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
    /// A token with this value.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(Arc::from(token.into()))
    }

    /// The token itself, for the one place that sends it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A cached token with single-flight refresh.
#[derive(Default)]
pub struct TokenCache {
    slot: tokio::sync::Mutex<Option<(AccessToken, Instant)>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache")
    }
}

/// How long before its expiry a token is replaced: a tenth of its life, at most 5 minutes.
fn usable_for(expires_in: Duration) -> Duration {
    let margin = (expires_in / 10).min(Duration::from_secs(300));
    expires_in.saturating_sub(margin)
}

impl TokenCache {
    /// The cached token, or one fetched by `fetch`. The lock is held while fetching, so
    /// concurrent callers wait for the one request instead of sending their own.
    pub async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<AccessToken, AuthError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AccessToken, Duration), AuthError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((token, until)) = &*slot
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let (token, expires_in) = fetch().await?;
        *slot = Some((token.clone(), Instant::now() + usable_for(expires_in)));
        Ok(token)
    }

    /// Drops `stale` if it is still the cached token; `true`: asking again can give another.
    pub async fn invalidate(&self, stale: &AccessToken) -> bool {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|(t, _)| t == stale) {
            *slot = None;
        }
        true
    }
}

/// Turns a failed token request into an [`AuthError`] free of `secrets`.
pub fn auth_error<C: ApiErrorCode>(e: Error<C>, secrets: &[&str]) -> AuthError {
    let (errcode, code, retryable) = match &e {
        Error::Api(api) => {
            let code = match api.code.code() {
                crate::operation::Code::Num(_) => None,
                crate::operation::Code::Str(s) => Some(s.to_owned()),
            };
            (api.code.code().as_i64(), code, matches!(api.class(), ErrorClass::Retryable | ErrorClass::RateLimited))
        }
        Error::Transport(_) => (None, None, true),
        Error::Http(h) => (None, None, h.status == 429 || h.status >= 500),
        _ => (None, None, false),
    };
    AuthError { message: scrub(&e.to_string(), secrets, &[]), errcode, retryable, code }
}

/// A token's lifetime from `expires_in`: 7200 s when absent (DingTalk's documented life), none
/// when negative, and at most 30 days whatever the server says.
pub fn expiry(expires_in: Option<i64>) -> Duration {
    const MAX: u64 = 30 * 24 * 3600;
    let secs = expires_in.map_or(7200, |s| u64::try_from(s).unwrap_or(0).min(MAX));
    Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_lifetimes_are_bounded() {
        assert_eq!(expiry(None), Duration::from_secs(7200));
        assert_eq!(expiry(Some(-5)), Duration::ZERO);
        assert_eq!(expiry(Some(i64::MAX)), Duration::from_secs(30 * 24 * 3600));
    }

    #[test]
    fn tokens_are_replaced_before_they_expire() {
        assert_eq!(usable_for(Duration::from_secs(7200)), Duration::from_secs(6900));
        assert_eq!(usable_for(Duration::from_secs(10)), Duration::from_secs(9));
        assert_eq!(usable_for(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let token = AccessToken::new("tok-abcdef");
        assert!(!format!("{token:?}").contains("tok-abcdef"));
    }

    #[tokio::test]
    async fn one_fetch_serves_every_waiter_until_invalidated() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let fetch = |fetches: Arc<std::sync::atomic::AtomicUsize>| async move {
            let n = fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok((AccessToken::new(format!("token-{n}")), Duration::from_secs(7200)))
        };
        let waiters: Vec<_> = (0..16)
            .map(|_| {
                let (cache, fetches) = (cache.clone(), fetches.clone());
                tokio::spawn(async move { cache.get_or_fetch(|| fetch(fetches)).await.unwrap() })
            })
            .collect();
        for w in waiters {
            assert_eq!(w.await.unwrap().secret(), "token-0");
        }
        assert!(cache.invalidate(&AccessToken::new("token-0")).await);
        let again = cache.get_or_fetch(|| fetch(fetches.clone())).await.unwrap();
        assert_eq!(again.secret(), "token-1");
        // A stale token that is no longer cached leaves the cache alone.
        cache.invalidate(&AccessToken::new("token-0")).await;
        assert_eq!(cache.get_or_fetch(|| fetch(fetches.clone())).await.unwrap().secret(), "token-1");
    }
}
