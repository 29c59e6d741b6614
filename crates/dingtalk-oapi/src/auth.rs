//! Access tokens: where they come from, how long they are cached, and when they are refreshed.
//!
//! * [`StaticToken`]: a token you already have.
//! * [`AppCredentials`]: an internal app's key and secret; tokens come from `GET /gettoken`.
//! * [`SuiteCredentials`]: a third-party enterprise app; tokens for each authorizing
//!   organization come from `POST /service/get_corp_token`, signed with the suite secret.
//!
//! Cached tokens are refreshed `expires_in` minus a margin after they were issued, by one
//! request however many calls wait for it (single flight), and dropped when DingTalk says a
//! token is invalid. Each provider has its own cache: two apps never share a token.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::client::Client;
use crate::error::{AuthError, Error};
use crate::operation::{ApiErrorCode, ErrorClass};
use crate::redact::{Secret, scrub};

/// An access token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
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

/// Where a client gets its access token.
pub trait TokenProvider: Send + Sync + fmt::Debug + 'static {
    /// A valid token, fetched through `client` when none is cached.
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>>;

    /// DingTalk said `stale` is invalid: drop it if it is still the cached one. Returns whether
    /// asking again can give a different token (`false` for a fixed token).
    fn invalidate<'a>(&'a self, stale: &'a AccessToken) -> BoxFuture<'a, bool> {
        let _ = stale;
        Box::pin(async { false })
    }
}

/// A fixed access token, e.g. from your own token service.
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(AccessToken::new(token))
    }
}

impl TokenProvider for StaticToken {
    fn token<'a>(&'a self, _client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// A cached token with single-flight refresh.
#[derive(Default)]
struct TokenCache {
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
    async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<AccessToken, AuthError>
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

    async fn invalidate(&self, stale: &AccessToken) -> bool {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|(t, _)| t == stale) {
            *slot = None;
        }
        true
    }
}

/// Turns a failed token request into an [`AuthError`] free of `secrets`.
fn auth_error<C: ApiErrorCode>(e: Error<C>, secrets: &[&str]) -> AuthError {
    let (errcode, retryable) = match &e {
        Error::Api(api) => {
            (Some(api.code.code()), matches!(api.class(), ErrorClass::Retryable | ErrorClass::RateLimited))
        }
        Error::Transport(_) => (None, true),
        Error::Http(h) => (None, h.status == 429 || h.status >= 500),
        _ => (None, false),
    };
    AuthError { message: scrub(&e.to_string(), secrets, &[]), errcode, retryable }
}

/// A token's lifetime from `expires_in`: 7200 s when absent (DingTalk's documented life), none
/// when negative, and at most 30 days whatever the server says.
fn expiry(expires_in: Option<i64>) -> Duration {
    const MAX: u64 = 30 * 24 * 3600;
    let secs = expires_in.map_or(7200, |s| u64::try_from(s).unwrap_or(0).min(MAX));
    Duration::from_secs(secs)
}

/// An internal app's credentials: tokens from `GET /gettoken`, cached per app.
pub struct AppCredentials {
    app_key: String,
    app_secret: Secret,
    cache: TokenCache,
}

impl AppCredentials {
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        AppCredentials { app_key: app_key.into(), app_secret: Secret::new(app_secret), cache: TokenCache::default() }
    }

    pub fn app_key(&self) -> &str {
        &self.app_key
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials").field("app_key", &self.app_key).field("app_secret", &self.app_secret).finish()
    }
}

impl TokenProvider for AppCredentials {
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get_or_fetch(move || async move {
            let secret = self.app_secret.expose();
            let response = client
                .get_token()
                .appkey(self.app_key.as_str())
                .appsecret(secret)
                .send()
                .await
                .map_err(|e| auth_error(e, &[secret]))?;
            let token = response.access_token.filter(|t| !t.is_empty()).ok_or_else(|| AuthError {
                message: "GetToken answered errcode 0 without an access_token".into(),
                errcode: None,
                retryable: false,
            })?;
            Ok((AccessToken::new(token), expiry(response.expires_in)))
        }))
    }

    fn invalidate<'a>(&'a self, stale: &'a AccessToken) -> BoxFuture<'a, bool> {
        Box::pin(self.cache.invalidate(stale))
    }
}

/// Where the suite ticket comes from: DingTalk pushes it to the app's callback every few
/// hours, and the app keeps the latest one.
pub trait SuiteTicketSource: Send + Sync + 'static {
    fn suite_ticket(&self) -> Option<String>;
}

impl<F: Fn() -> Option<String> + Send + Sync + 'static> SuiteTicketSource for F {
    fn suite_ticket(&self) -> Option<String> {
        self()
    }
}

/// The signature `get_corp_token` needs: Base64 (standard, padded) of
/// HMAC-SHA256(key = suite secret, `timestamp + "\n" + suite_ticket`). URL-encoding is left
/// to the query encoder.
pub fn corp_token_signature(suite_secret: &str, timestamp_ms: i64, suite_ticket: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(suite_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp_ms}\n{suite_ticket}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A third-party enterprise app (a suite). Tokens are per authorizing organization: get a
/// provider for one with [`SuiteCredentials::corp`]. Organizations' tokens are cached apart.
pub struct SuiteCredentials {
    suite_key: String,
    suite_secret: Secret,
    tickets: Box<dyn SuiteTicketSource>,
    caches: Mutex<BTreeMap<String, Arc<TokenCache>>>,
}

impl fmt::Debug for SuiteCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuiteCredentials")
            .field("suite_key", &self.suite_key)
            .field("suite_secret", &self.suite_secret)
            .finish()
    }
}

impl SuiteCredentials {
    pub fn new(
        suite_key: impl Into<String>,
        suite_secret: impl Into<String>,
        tickets: impl SuiteTicketSource,
    ) -> Arc<Self> {
        Arc::new(SuiteCredentials {
            suite_key: suite_key.into(),
            suite_secret: Secret::new(suite_secret),
            tickets: Box::new(tickets),
            caches: Mutex::new(BTreeMap::new()),
        })
    }

    /// The token provider for one authorizing organization.
    pub fn corp(self: &Arc<Self>, corp_id: impl Into<String>) -> CorpToken {
        let corp_id = corp_id.into();
        let cache = self.caches.lock().unwrap_or_else(|p| p.into_inner()).entry(corp_id.clone()).or_default().clone();
        CorpToken { suite: self.clone(), corp_id, cache }
    }
}

/// Tokens of one organization for a third-party enterprise app.
#[derive(Clone)]
pub struct CorpToken {
    suite: Arc<SuiteCredentials>,
    corp_id: String,
    cache: Arc<TokenCache>,
}

impl fmt::Debug for CorpToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorpToken").field("suite", &self.suite).field("corp_id", &self.corp_id).finish()
    }
}

impl TokenProvider for CorpToken {
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get_or_fetch(move || async move {
            let suite = &self.suite;
            let ticket = suite.tickets.suite_ticket().ok_or_else(|| AuthError {
                message: "no suite ticket yet; DingTalk pushes it to the app's callback, pass it to the ticket source"
                    .into(),
                errcode: None,
                retryable: false,
            })?;
            let timestamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let secret = suite.suite_secret.expose();
            let signature = corp_token_signature(secret, timestamp, &ticket);
            let response = client
                .get_corp_token()
                .access_key(suite.suite_key.as_str())
                .timestamp(timestamp)
                .suite_ticket(ticket.as_str())
                .signature(signature.as_str())
                .auth_corpid(self.corp_id.as_str())
                .send()
                .await
                .map_err(|e| auth_error(e, &[secret, &signature, &ticket]))?;
            let token = response.access_token.filter(|t| !t.is_empty()).ok_or_else(|| AuthError {
                message: "GetCorpToken answered errcode 0 without an access_token".into(),
                errcode: None,
                retryable: false,
            })?;
            Ok((AccessToken::new(token), expiry(response.expires_in)))
        }))
    }

    fn invalidate<'a>(&'a self, stale: &'a AccessToken) -> BoxFuture<'a, bool> {
        Box::pin(self.cache.invalidate(stale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_reference_vectors() {
        assert_eq!(
            corp_token_signature("suiteSecretXYZ", 1527130370219, "ticketABC"),
            "pRujL2FiQkc6m5rLILHYm95n7beB4yKbuHWYDHw5efI="
        );
        assert_eq!(
            corp_token_signature("suiteSecretXYZ", 1795504935237, "ticketABC"),
            "2hqL8Fb6NOpySNY/S/spV5wFsKP3EcxBN0dGRrI1HPE="
        );
    }

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
    fn debug_output_hides_secrets() {
        let app = AppCredentials::new("key1", "very-secret-value");
        assert!(!format!("{app:?}").contains("very-secret-value"));
        let token = AccessToken::new("tok-abcdef");
        assert!(!format!("{token:?}").contains("tok-abcdef"));
        let suite = SuiteCredentials::new("suite", "suite-secret-value", || Some("t".to_owned()));
        assert!(!format!("{:?}", suite.corp("corp1")).contains("suite-secret-value"));
    }
}
