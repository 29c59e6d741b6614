//! The client and its builder: which server, which token, how patient.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::{AccessToken, StaticToken, TokenProvider};
use crate::error::*;
use crate::limit::{LimitStore, Limiter, Limits, MemoryStore};
use crate::operation::{Operation, OperationRequest, ServiceDescriptor};
use crate::redact::scrub;
use crate::retry::RetryPolicy;
use crate::send::to_params;

/// Default cap on a response body: far above any documented page, far below harm.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// A DingTalk client. Cheap to clone: clones share one connection pool and token cache.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: &'static ServiceDescriptor,
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    /// Base URLs of other services (by service id) set on the builder.
    pub(crate) service_urls: Vec<(String, Url)>,
    pub(crate) retry: RetryPolicy,
    pub(crate) tokens: Option<Arc<dyn TokenProvider>>,
    pub(crate) max_response_bytes: usize,
    pub(crate) limiter: Arc<Limiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.inner.service.name)
            .field("base_url", &self.inner.base_url.as_str())
            .field("service_urls", &self.inner.service_urls.iter().map(|(id, u)| (id, u.as_str())).collect::<Vec<_>>())
            .field("retry", &self.inner.retry)
            .field("tokens", &self.inner.tokens)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("limits", self.inner.limiter.limits())
            .finish()
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("unknown server `{name}`; known servers: {known}; or give a base URL")]
    UnknownServer { name: String, known: String },
    #[error(
        "no service `{id}` to set a base URL for; the spec's other services: {known} (the main service's is `base_url`)"
    )]
    UnknownService { id: String, known: String },
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "refusing plain http to `{host}`: the access token would travel unencrypted; use https, a loopback address, or `allow_insecure_http(true)`"
    )]
    InsecureHttp { host: String },
    #[error("could not set up HTTP: {0}")]
    Http(String),
}

/// Configures a [`Client`] of one service. `T` is what [`build`](Self::build) returns: the
/// runtime's `Client`, or a generated crate's client wrapping it.
pub struct ClientBuilder<T = Client> {
    service: &'static ServiceDescriptor,
    output: PhantomData<fn() -> T>,
    server: Option<String>,
    base_url: Option<String>,
    service_urls: Vec<(String, String)>,
    /// The spec's other services, whose base URLs `service_base_url` may set.
    other_services: &'static [&'static ServiceDescriptor],
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    tokens: Option<Arc<dyn TokenProvider>>,
    max_response_bytes: usize,
    allow_insecure_http: bool,
    limits: Limits,
    limit_store: Option<Arc<dyn LimitStore>>,
}

impl<T: From<Client>> ClientBuilder<T> {
    /// A builder for a client of `service`, with the defaults: the service's default server,
    /// 15 s to connect, 30 s per attempt, [`RetryPolicy::default`], an 8 MiB body cap.
    pub fn new(service: &'static ServiceDescriptor) -> Self {
        ClientBuilder {
            service,
            output: PhantomData,
            server: None,
            base_url: None,
            service_urls: Vec::new(),
            other_services: &[],
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: concat!("dingtalk-oapi-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            tokens: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
            limits: Limits::default(),
            limit_store: None,
        }
    }

    /// Client-side rate limits (default: 20 per second per app per operation, 10,000 per 20 s
    /// per process; see [`crate::limit`]). `Limits::off()` turns them off.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Where the limiter counts (default: in this process). A store shared by several processes
    /// (e.g. `RedisStore`, feature `redis`) makes the limits hold across all of them.
    pub fn limit_store(mut self, store: Arc<dyn LimitStore>) -> Self {
        self.limit_store = Some(store);
        self
    }

    /// A server from the spec by name (DingTalk's OAPI: `international`, the default, or
    /// `mainland`).
    pub fn server(mut self, name: impl Into<String>) -> Self {
        self.server = Some(name.into());
        self
    }

    /// Any base URL, e.g. a fake server's `http://127.0.0.1:PORT`. Wins over [`server`](Self::server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The spec's other services (a generated `Client::builder()` names them), so that a base
    /// URL for an id none of them has is an error rather than silently unused.
    pub fn other_services(mut self, services: &'static [&'static ServiceDescriptor]) -> Self {
        self.other_services = services;
        self
    }

    /// The base URL of another service of the spec, by its id: operations of that service go
    /// there instead of its default server.
    pub fn service_base_url(mut self, service_id: impl Into<String>, url: impl Into<String>) -> Self {
        let id = service_id.into();
        self.service_urls.retain(|(s, _)| *s != id);
        self.service_urls.push((id, url.into()));
        self
    }

    /// The base URL of DingTalk's new API (the service `api`, default
    /// `https://api.dingtalk.com`), as [`base_url`](Self::base_url) sets the old OAPI's:
    /// shorthand for `service_base_url("api", url)`.
    pub fn api_base_url(self, url: impl Into<String>) -> Self {
        self.service_base_url("api", url)
    }

    /// Time to establish a connection (default 15 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time for one attempt, from sending to the end of the body (default 30 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.tokens = Some(Arc::new(provider));
        self
    }

    /// A provider already shared with other clients.
    pub fn shared_token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.tokens = Some(provider);
        self
    }

    /// Shorthand for `token_provider(StaticToken::new(token))`.
    pub fn access_token(self, token: impl Into<String>) -> Self {
        self.token_provider(StaticToken::new(token))
    }

    /// Largest response body accepted (default 8 MiB); a larger one is a decode error.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Allow plain `http://` to hosts other than loopback. Tokens then travel unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    pub fn build(self) -> Result<T, BuildError> {
        let servers = self.service.servers;
        let url_text = match (&self.base_url, &self.server) {
            (Some(url), _) => url.clone(),
            (None, Some(name)) => match servers.iter().find(|s| s.name == name) {
                Some(s) => s.url.to_owned(),
                None => {
                    return Err(BuildError::UnknownServer {
                        name: name.clone(),
                        known: servers.iter().map(|s| format!("{} ({})", s.name, s.url)).collect::<Vec<_>>().join(", "),
                    });
                }
            },
            (None, None) => match self.service.default_server() {
                Some(s) => s.url.to_owned(),
                None => {
                    return Err(BuildError::InvalidUrl {
                        url: String::new(),
                        reason: format!("the service `{}` declares no server; give a base URL", self.service.name),
                    });
                }
            },
        };
        let base_url = check_base_url(&url_text, self.allow_insecure_http)?;
        if let Some((id, _)) = self
            .service_urls
            .iter()
            .find(|(id, _)| !self.other_services.is_empty() && !self.other_services.iter().any(|s| s.id == id.as_str()))
        {
            let known: Vec<&str> = self.other_services.iter().map(|s| s.id).collect();
            return Err(BuildError::UnknownService {
                id: id.clone(),
                known: if known.is_empty() { "none".to_owned() } else { known.join(", ") },
            });
        }
        let service_urls = self
            .service_urls
            .iter()
            .map(|(id, url)| Ok((id.clone(), check_base_url(url, self.allow_insecure_http)?)))
            .collect::<Result<Vec<_>, BuildError>>()?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            // A redirect could carry the call (and its token) somewhere else: never follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| BuildError::Http(e.without_url().to_string()))?;
        Ok(T::from(Client {
            inner: Arc::new(Inner {
                service: self.service,
                http,
                base_url,
                service_urls,
                retry: self.retry,
                tokens: self.tokens,
                max_response_bytes: self.max_response_bytes,
                limiter: Arc::new(Limiter::new(
                    self.limits,
                    self.limit_store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                )),
            }),
        }))
    }
}

fn check_base_url(text: &str, allow_insecure: bool) -> Result<Url, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidUrl { url: scrub(text, &[], &[]), reason: reason.to_owned() };
    let url = Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("a base URL holds no user name or password"));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback && !allow_insecure {
                return Err(BuildError::InsecureHttp { host: url.host_str().unwrap_or_default().to_owned() });
            }
        }
        other => return Err(invalid(&format!("scheme `{other}` is not http or https"))),
    }
    if url.host().is_none() {
        return Err(invalid("no host"));
    }
    Ok(url)
}

impl Client {
    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Where calls of `service` go: the base URL set for it, or (for the service the client was
    /// built for) the chosen server, else the service's default server.
    pub fn base_url_for(&self, service: &'static ServiceDescriptor) -> Url {
        if std::ptr::eq(service, self.inner.service) || service.id == self.inner.service.id {
            return self.inner.base_url.clone();
        }
        if let Some((_, url)) = self.inner.service_urls.iter().find(|(id, _)| id == service.id) {
            return url.clone();
        }
        // The spec's default server; the generator checks it is an absolute https URL.
        service.default_server().and_then(|s| Url::parse(s.url).ok()).unwrap_or_else(|| self.inner.base_url.clone())
    }

    /// The service the client was built for.
    pub fn service(&self) -> &'static ServiceDescriptor {
        self.inner.service
    }

    /// The same client (same connection pool) with another token provider, e.g. for another
    /// organization of a third-party app.
    pub fn with_token_provider(&self, provider: impl TokenProvider) -> Client {
        Client {
            inner: Arc::new(Inner {
                service: self.inner.service,
                http: self.inner.http.clone(),
                base_url: self.inner.base_url.clone(),
                service_urls: self.inner.service_urls.clone(),
                retry: self.inner.retry.clone(),
                tokens: Some(Arc::new(provider)),
                max_response_bytes: self.inner.max_response_bytes,
                limiter: self.inner.limiter.clone(),
            }),
        }
    }

    /// Calls the operation a request belongs to:
    /// `client.execute(ListLabelGroupsRequest::new().size(20)).await`.
    pub async fn execute<R: OperationRequest>(
        &self,
        request: R,
    ) -> Result<<R::Operation as Operation>::Response, Error<<R::Operation as Operation>::ErrorCode>> {
        self.send::<R::Operation>(request).await
    }

    /// Calls a typed operation with its request (what a generated `send()` does).
    pub async fn send<O: Operation>(&self, request: O::Request) -> Result<O::Response, Error<O::ErrorCode>> {
        let params = to_params::<O::ErrorCode>(O::DESCRIPTOR, &request)?;
        self.send_params(O::DESCRIPTOR, params).await
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
