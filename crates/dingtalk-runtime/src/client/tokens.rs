//! Where a client gets its access token: the provider trait and a fixed token.

use std::fmt;

use futures_util::future::BoxFuture;

use super::Client;
use crate::auth::AccessToken;
use crate::error::AuthError;
use crate::operation::ServiceDescriptor;

/// Where a client gets its access token.
pub trait TokenProvider: Send + Sync + fmt::Debug + 'static {
    /// A valid token, fetched through `client` when none is cached.
    fn token<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>>;

    /// A valid token for calls of `service`. A provider whose app gets one token per API
    /// generation (the old OAPI's `/gettoken`, the new API's `/v1.0/oauth2/accessToken`)
    /// answers by service; the default is [`token`](Self::token) for every service.
    fn token_for<'a>(
        &'a self,
        client: &'a Client,
        service: &'static ServiceDescriptor,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        let _ = service;
        self.token(client)
    }

    /// DingTalk said `stale` is invalid: drop it if it is still the cached one. Returns whether
    /// asking again can give a different token (`false` for a fixed token).
    fn invalidate<'a>(&'a self, stale: &'a AccessToken) -> BoxFuture<'a, bool> {
        let _ = stale;
        Box::pin(async { false })
    }

    /// Whose calls these are, for the rate limiter: DingTalk counts per app (or per app and
    /// authorised organization). Never a secret.
    fn identity(&self) -> String {
        "default".to_owned()
    }
}

/// A fixed access token, e.g. from your own token service.
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// Always this token.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(AccessToken::new(token))
    }
}

impl TokenProvider for StaticToken {
    fn token<'a>(&'a self, _client: &'a Client) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    /// A fingerprint of the token (not the token): calls with one token share one limit.
    fn identity(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.0.secret().hash(&mut h);
        format!("token-{:016x}", h.finish())
    }
}
