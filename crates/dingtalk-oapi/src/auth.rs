//! Token providers for the apps DingTalk knows, over the runtime's [`TokenCache`]:
//!
//! * [`AppCredentials`]: an internal app's key and secret.
//! * [`SuiteCredentials`]: a third-party enterprise app; tokens for each authorizing
//!   organization ([`SuiteCredentials::corp`]), signed with the suite secret.
//!
//! (A token you already have: [`StaticToken`](crate::StaticToken).) Which operation issues a
//! service's tokens, and which of its parameters and fields carry what, is the spec's
//! `tokens:` table ([`ServiceDescriptor::token_issuer`]): the old OAPI's come from
//! `GET /gettoken` and `POST /service/get_corp_token`, the new API's from
//! `POST /v1.0/oauth2/accessToken` and `POST /v1.0/oauth2/corpAccessToken`, through the same
//! code. Each provider caches per service (DingTalk's pages do not promise that one
//! generation's token works for the other) and per app: two apps never share a token.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use dingtalk_runtime::auth::{AccessToken, TokenCache, auth_error, expiry};
use dingtalk_runtime::limit::{LimitStore, StoreError};
use dingtalk_runtime::redact::Secret;
use dingtalk_runtime::{AuthError, Client, Credential, ServiceDescriptor, TokenKind, TokenProvider};
use futures_util::future::BoxFuture;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// Caches by service id.
type Caches = Mutex<BTreeMap<&'static str, Arc<TokenCache>>>;

fn cache_of(caches: &Caches, service: &'static ServiceDescriptor) -> Arc<TokenCache> {
    caches.lock().unwrap_or_else(|p| p.into_inner()).entry(service.id).or_default().clone()
}

async fn invalidate_all(caches: &Caches, stale: &AccessToken) -> bool {
    let all: Vec<Arc<TokenCache>> = caches.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
    let mut any = false;
    for cache in all {
        any |= cache.invalidate(stale).await;
    }
    any
}

/// Calls the operation that issues `service`'s tokens of `kind`, with each parameter the spec
/// names for a credential taken from `credentials`; the token and its lifetime. `secrets` are
/// kept out of any error.
async fn issue(
    client: &Client,
    service: &'static ServiceDescriptor,
    kind: TokenKind,
    credentials: &[(Credential, &str)],
    secrets: &[&str],
) -> Result<(AccessToken, Duration), AuthError> {
    let issuer = service.token_issuer(kind).ok_or_else(|| {
        AuthError::fatal(format!("the spec names no operation issuing {kind:?} tokens of {}", service.name))
    })?;
    let op = crate::find_operation(crate::OPERATIONS, issuer.operation).ok_or_else(|| {
        AuthError::fatal(format!(
            "{} issues the tokens but is not compiled in: enable its group's cargo feature",
            issuer.operation
        ))
    })?;
    let mut params = Map::new();
    for (credential, wire) in issuer.params {
        let text = credentials.iter().find(|(c, _)| c == credential).map(|(_, v)| *v).ok_or_else(|| {
            AuthError::fatal(format!("{} needs a {credential:?}, which this provider does not have", op.id))
        })?;
        let ty = op.param(wire).map_or(dingtalk_runtime::ParamType::String, |f| f.ty);
        let value = crate::parse_param_value(&ty, text).map_err(|why| AuthError::fatal(format!("{}: {why}", op.id)))?;
        params.insert((*wire).to_owned(), value);
    }
    let response = client.call(op, params).await.map_err(|e| auth_error(e, secrets))?;
    let token = response
        .get(issuer.token)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AuthError::fatal(format!("{} answered without `{}`", op.id, issuer.token)))?;
    Ok((AccessToken::new(token), expiry(response.get(issuer.expires_in).and_then(Value::as_i64))))
}

/// An internal app's credentials, for every service of the spec: each service's token is
/// fetched once from the operation the spec names for it and cached per service.
pub struct AppCredentials {
    app_key: String,
    app_secret: Secret,
    caches: Caches,
}

impl AppCredentials {
    /// Credentials of the app with this key and secret (from the developer console).
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        AppCredentials { app_key: app_key.into(), app_secret: Secret::new(app_secret), caches: Caches::default() }
    }

    /// The app's key (not a secret).
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
        self.token_for(client, client.service())
    }

    fn token_for<'a>(
        &'a self,
        client: &'a Client,
        service: &'static ServiceDescriptor,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let cache = cache_of(&self.caches, service);
            cache
                .get_or_fetch(|| async {
                    let secret = self.app_secret.expose();
                    let credentials = [(Credential::AppKey, self.app_key.as_str()), (Credential::AppSecret, secret)];
                    issue(client, service, TokenKind::App, &credentials, &[secret]).await
                })
                .await
        })
    }

    fn invalidate<'a>(&'a self, stale: &'a AccessToken) -> BoxFuture<'a, bool> {
        Box::pin(invalidate_all(&self.caches, stale))
    }

    fn identity(&self) -> String {
        format!("app-{}", self.app_key)
    }
}

/// Where the suite ticket comes from: DingTalk pushes it to the app's callback every few
/// hours, and the app keeps the latest one.
pub trait SuiteTicketSource: Send + Sync + 'static {
    /// The latest suite ticket, or `None` when none has arrived yet.
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
    tickets: Tickets,
    /// Each organization's caches (by service), shared by its `CorpToken`s.
    caches: Mutex<BTreeMap<String, Arc<Caches>>>,
}

/// Where a suite's tickets come from, and where corp tokens are shared.
enum Tickets {
    Source(Box<dyn SuiteTicketSource>),
    /// A store several processes share: the ticket DingTalk pushed to one of them, and the corp
    /// tokens any of them fetched.
    Store(Arc<dyn LimitStore>),
}

/// The store key of a suite's latest ticket.
fn ticket_key(suite_key: &str) -> String {
    format!("dingtalk:suite_ticket:{suite_key}")
}

/// The store key of an organization's token of a service for a suite:
/// `token\nexpires-at (Unix ms)`.
fn corp_token_key(service: &ServiceDescriptor, suite_key: &str, corp_id: &str) -> String {
    format!("dingtalk:corp_token:{}:{suite_key}:{corp_id}", service.id)
}

fn unix_ms() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
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
    /// A suite with this key and secret, whose tickets come from `tickets`.
    pub fn new(
        suite_key: impl Into<String>,
        suite_secret: impl Into<String>,
        tickets: impl SuiteTicketSource,
    ) -> Arc<Self> {
        Arc::new(SuiteCredentials {
            suite_key: suite_key.into(),
            suite_secret: Secret::new(suite_secret),
            tickets: Tickets::Source(Box::new(tickets)),
            caches: Mutex::new(BTreeMap::new()),
        })
    }

    /// A suite whose ticket and corp tokens live in `store` (e.g. a `RedisStore` every
    /// instance shares): the instance DingTalk pushes the ticket to calls
    /// [`set_ticket`](Self::set_ticket), and every instance can sign `get_corp_token` and reuse
    /// the tokens any of them fetched.
    pub fn with_store(
        suite_key: impl Into<String>,
        suite_secret: impl Into<String>,
        store: Arc<dyn LimitStore>,
    ) -> Arc<Self> {
        Arc::new(SuiteCredentials {
            suite_key: suite_key.into(),
            suite_secret: Secret::new(suite_secret),
            tickets: Tickets::Store(store),
            caches: Mutex::new(BTreeMap::new()),
        })
    }

    /// Records the ticket DingTalk pushed (a `suite_ticket` event) in the shared store. Without
    /// a store (`SuiteCredentials::new`), the ticket source supplies tickets and this does nothing.
    pub async fn set_ticket(&self, ticket: &str) -> Result<(), StoreError> {
        match &self.tickets {
            Tickets::Store(store) => store.set(&ticket_key(&self.suite_key), ticket, None).await,
            Tickets::Source(_) => Ok(()),
        }
    }

    async fn required_ticket(&self) -> Result<String, AuthError> {
        self.ticket().await.ok_or_else(|| {
            AuthError::fatal(
                "no suite ticket yet; DingTalk pushes it to the app's callback, pass it to the ticket source",
            )
        })
    }

    async fn ticket(&self) -> Option<String> {
        match &self.tickets {
            Tickets::Source(source) => source.suite_ticket(),
            Tickets::Store(store) => store.get(&ticket_key(&self.suite_key)).await.ok().flatten(),
        }
    }

    fn store(&self) -> Option<&Arc<dyn LimitStore>> {
        match &self.tickets {
            Tickets::Store(store) => Some(store),
            Tickets::Source(_) => None,
        }
    }

    /// A token another instance fetched and shared in the store, with the life it has left.
    async fn shared_token(&self, key: &str) -> Option<(AccessToken, Duration)> {
        let shared = self.store()?.get(key).await.ok()??;
        let (token, expires) = shared.split_once('\n')?;
        let expires = expires.parse::<u128>().ok().filter(|e| *e > unix_ms())?;
        let left = Duration::from_millis(u64::try_from(expires - unix_ms()).unwrap_or(0));
        Some((AccessToken::new(token), left))
    }

    /// Shares a fetched token through the store (when there is one) until a little before it
    /// expires, like the local cache.
    async fn share_token(&self, key: &str, token: &str, life: Duration) {
        let Some(store) = self.store() else { return };
        let shared_for = life.saturating_sub((life / 10).min(Duration::from_secs(300)));
        let value = format!("{token}\n{}", unix_ms() + shared_for.as_millis());
        if let Err(e) = store.set(key, &value, Some(shared_for)).await {
            tracing::debug!(error = %e, "the corp token is cached in this process only");
        }
    }

    /// The token provider for one authorizing organization.
    pub fn corp(self: &Arc<Self>, corp_id: impl Into<String>) -> CorpToken {
        let corp_id = corp_id.into();
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        let caches = caches.entry(corp_id.clone()).or_default().clone();
        CorpToken { suite: self.clone(), corp_id, caches }
    }
}

/// Tokens of one organization for a third-party enterprise app.
#[derive(Clone)]
pub struct CorpToken {
    suite: Arc<SuiteCredentials>,
    corp_id: String,
    caches: Arc<Caches>,
}

impl fmt::Debug for CorpToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorpToken").field("suite", &self.suite).field("corp_id", &self.corp_id).finish()
    }
}

impl CorpToken {
    /// Fetches the organization's token of `service` (or takes the one another instance shared).
    async fn fetch(
        &self,
        client: &Client,
        service: &'static ServiceDescriptor,
    ) -> Result<(AccessToken, Duration), AuthError> {
        let suite = &self.suite;
        // Another instance may have fetched this organization's token already.
        let shared_key = corp_token_key(service, &suite.suite_key, &self.corp_id);
        if let Some(shared) = suite.shared_token(&shared_key).await {
            return Ok(shared);
        }
        let ticket = suite.required_ticket().await?;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let secret = suite.suite_secret.expose();
        // Computed whether or not the issuer asks for it: one HMAC, and one code path.
        let signature = corp_token_signature(secret, timestamp, &ticket);
        let timestamp = timestamp.to_string();
        let credentials = [
            (Credential::SuiteKey, suite.suite_key.as_str()),
            (Credential::SuiteSecret, secret),
            (Credential::CorpId, self.corp_id.as_str()),
            (Credential::SuiteTicket, ticket.as_str()),
            (Credential::Timestamp, timestamp.as_str()),
            (Credential::Signature, signature.as_str()),
        ];
        let (token, life) =
            issue(client, service, TokenKind::Corp, &credentials, &[secret, &signature, &ticket]).await?;
        suite.share_token(&shared_key, token.secret(), life).await;
        Ok((token, life))
    }
}

impl TokenProvider for CorpToken {
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        self.token_for(client, client.service())
    }

    fn token_for<'a>(
        &'a self,
        client: &'a Client,
        service: &'static ServiceDescriptor,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move { cache_of(&self.caches, service).get_or_fetch(|| self.fetch(client, service)).await })
    }

    fn invalidate<'a>(&'a self, stale: &'a AccessToken) -> BoxFuture<'a, bool> {
        Box::pin(invalidate_all(&self.caches, stale))
    }

    fn identity(&self) -> String {
        format!("suite-{}-{}", self.suite.suite_key, self.corp_id)
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
    fn debug_output_hides_secrets() {
        let app = AppCredentials::new("key1", "very-secret-value");
        assert!(!format!("{app:?}").contains("very-secret-value"));
        let suite = SuiteCredentials::new("suite", "suite-secret-value", || Some("t".to_owned()));
        assert!(!format!("{:?}", suite.corp("corp1")).contains("suite-secret-value"));
    }
}
