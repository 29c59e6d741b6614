//! Per-call options: what one call may change about the client's defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use crate::intercept::Interceptor;
use crate::retry::RetryPolicy;

/// Options of one call: a deadline, a retry policy, extra headers and interceptors.
///
/// ```
/// use std::time::Duration;
/// use dingtalk_runtime::{CallOptions, RetryPolicy};
///
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(1)) // everything, retries included, within a second
///     .retry(RetryPolicy::none()) // one attempt
///     .header("x-request-origin", "nightly-sync");
/// ```
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    /// Attempts in all, overriding the policy's (`no_retries`).
    pub(crate) max_attempts: Option<u32>,
    pub(crate) headers: HeaderMap,
    /// A header that could not be set, reported (as a validation error) when the call is sent.
    pub(crate) invalid_header: Option<String>,
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
}

impl CallOptions {
    /// The client's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole call (token fetch, rate-limit waits, every attempt and backoff) ends within
    /// `timeout`; past it the call fails with a deadline error. Replaces the retry policy's
    /// deadline for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// One attempt, from sending to the end of the answer, takes at most `timeout` (the
    /// client's default is 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Retries as `policy` says instead of the client's policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// No retries: one attempt (a refused token is still refreshed once). The rest of the
    /// policy (its deadline) stays the client's, or the one given with [`retry`](Self::retry).
    pub fn no_retries(mut self) -> Self {
        self.max_attempts = Some(1);
        self
    }

    /// Adds a header to the request. A name or value HTTP cannot carry fails the call before
    /// anything is sent.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let (name, value) = (name.as_ref(), value.as_ref());
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => self.invalid_header = Some(name.chars().take(64).collect()),
        }
        self
    }

    /// Adds a header whose value is a secret: never shown in `Debug` output.
    pub fn sensitive_header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        match (HeaderName::try_from(name), HeaderValue::try_from(value.as_ref())) {
            (Ok(n), Ok(mut v)) => {
                v.set_sensitive(true);
                self.headers.append(n, v);
            }
            _ => self.invalid_header = Some(name.chars().take(64).collect()),
        }
        self
    }

    /// Runs `interceptor` in this call, after the client's own.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }
}

impl fmt::Debug for CallOptions {
    /// Header names only: a header value may be a credential.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry", &self.retry)
            .field("max_attempts", &self.max_attempts)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("interceptors", &self.interceptors)
            .finish()
    }
}
