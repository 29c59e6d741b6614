//! The client: the layers below composed into calls. It holds the transport, the timer, the
//! retry policy and classifier, the token provider, the limiter and the interceptors; each call
//! runs [`protocol`](crate::protocol) encoding, then attempts under a
//! [`RetryLoop`](crate::retry::RetryLoop), each attempt getting a token, a rate-limit permit and
//! an answer through the [`Transport`](crate::transport::Transport).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::AccessToken;
use crate::error::AuthError;
use crate::intercept::Interceptor;
use crate::limit::Limiter;
use crate::operation::ServiceDescriptor;
use crate::retry::{RetryClassifier, RetryPolicy};
use crate::time::Timer;
use crate::transport::Transport;

mod builder;
mod call;
mod tokens;

pub use builder::{BuildError, ClientBuilder};
pub use tokens::{StaticToken, TokenProvider};

/// Default cap on a response body: far above any documented page, far below harm.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Default time for one attempt, from sending to the end of the answer.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// A DingTalk client. Cheap to clone: clones share one connection pool and token cache.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: &'static ServiceDescriptor,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) base_url: Url,
    /// Whether `base_url` was given (`base_url(..)`), not a server of the spec.
    pub(crate) base_url_given: bool,
    /// Base URLs of other services (by service id) set on the builder.
    pub(crate) service_urls: Vec<(String, Url)>,
    pub(crate) retry: RetryPolicy,
    pub(crate) classifier: Arc<dyn RetryClassifier>,
    pub(crate) attempt_timeout: Duration,
    pub(crate) tokens: Option<Arc<dyn TokenProvider>>,
    pub(crate) max_response_bytes: usize,
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) timer: Arc<dyn Timer>,
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("service", &inner.service.name)
            .field("base_url", &inner.base_url.as_str())
            .field("service_urls", &inner.service_urls.iter().map(|(id, u)| (id, u.as_str())).collect::<Vec<_>>())
            .field("transport", &inner.transport)
            .field("retry", &inner.retry)
            .field("classifier", &inner.classifier)
            .field("attempt_timeout", &inner.attempt_timeout)
            .field("tokens", &inner.tokens)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("limits", inner.limiter.limits())
            .field("interceptors", &inner.interceptors)
            .finish()
    }
}

impl Client {
    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Where calls of `service` go: the base URL set for it, or (for the service the client was
    /// built for) the chosen server, else the service's default server.
    pub fn base_url_for(&self, service: &'static ServiceDescriptor) -> Url {
        match self.given_base_url(service) {
            Some(url) => url.clone(),
            // The spec's default server; the generator checks it is an absolute https URL.
            None => service
                .default_server()
                .and_then(|s| Url::parse(s.url).ok())
                .unwrap_or_else(|| self.inner.base_url.clone()),
        }
    }

    /// The base URL set for `service` (or chosen for the client's own), if any.
    pub(crate) fn given_base_url(&self, service: &'static ServiceDescriptor) -> Option<&Url> {
        if std::ptr::eq(service, self.inner.service) || service.id == self.inner.service.id {
            return Some(&self.inner.base_url);
        }
        self.inner.service_urls.iter().find(|(id, _)| id == service.id).map(|(_, url)| url)
    }

    /// Whether calls of `service` go to a base URL given on the builder (`base_url`,
    /// `service_base_url`) rather than a server of the spec: a tool pointed at a test server
    /// refuses calls that would go to DingTalk itself.
    pub fn has_given_base_url(&self, service: &'static ServiceDescriptor) -> bool {
        if service.id == self.inner.service.id {
            return self.inner.base_url_given;
        }
        self.inner.service_urls.iter().any(|(id, _)| id == service.id)
    }

    /// The service the client was built for.
    pub fn service(&self) -> &'static ServiceDescriptor {
        self.inner.service
    }

    /// The same client (same connection pool, limiter and interceptors) with another token
    /// provider, e.g. for another organization of a third-party app.
    pub fn with_token_provider(&self, provider: impl TokenProvider) -> Client {
        let inner = &self.inner;
        Client {
            inner: Arc::new(Inner {
                service: inner.service,
                transport: inner.transport.clone(),
                base_url: inner.base_url.clone(),
                base_url_given: inner.base_url_given,
                service_urls: inner.service_urls.clone(),
                retry: inner.retry.clone(),
                classifier: inner.classifier.clone(),
                attempt_timeout: inner.attempt_timeout,
                tokens: Some(Arc::new(provider)),
                max_response_bytes: inner.max_response_bytes,
                limiter: inner.limiter.clone(),
                timer: inner.timer.clone(),
                interceptors: inner.interceptors.clone(),
            }),
        }
    }

    /// The access token calls use now (fetching one if needed).
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        self.access_token_for(self.inner.service).await
    }

    /// The access token calls of `service` use now (fetching one if needed).
    pub async fn access_token_for(&self, service: &'static ServiceDescriptor) -> Result<AccessToken, AuthError> {
        match &self.inner.tokens {
            Some(p) => p.token_for(self, service).await,
            None => Err(AuthError::fatal(
                "no token provider is configured; set `access_token` or `token_provider` on the client builder",
            )),
        }
    }
}
