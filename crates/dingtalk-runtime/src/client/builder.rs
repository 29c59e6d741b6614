//! Configuring a client: which server, which token, how patient, what runs inside each call.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::tokens::{StaticToken, TokenProvider};
use super::{Client, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, Inner};
use crate::intercept::Interceptor;
use crate::limit::{LimitStore, Limiter, Limits, MemoryStore};
use crate::operation::ServiceDescriptor;
use crate::redact::scrub;
use crate::retry::{DefaultClassifier, RetryClassifier, RetryPolicy};
use crate::time::{Timer, TokioTimer};
use crate::transport::{ReqwestTransport, Transport};

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The spec names no server `name`.
    #[error("unknown server `{name}`; known servers: {known}; or give a base URL")]
    UnknownServer {
        /// The name given.
        name: String,
        /// The spec's servers (name and URL), comma-separated.
        known: String,
    },
    /// A base URL was given for a service the spec does not have.
    #[error(
        "no service `{id}` to set a base URL for; the spec's other services: {known} (the main service's is `base_url`)"
    )]
    UnknownService {
        /// The service id given.
        id: String,
        /// The spec's other services' ids, comma-separated (`none` when it has none).
        known: String,
    },
    /// A base URL that cannot be used.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL given, with secret values scrubbed.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A plain `http` base URL to a host that is not a loopback address, without
    /// `allow_insecure_http(true)`.
    #[error(
        "refusing plain http to `{host}`: the access token would travel unencrypted; use https, a loopback address, or `allow_insecure_http(true)`"
    )]
    InsecureHttp {
        /// The host.
        host: String,
    },
    /// The HTTP stack could not be set up (reqwest's reason).
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
    transport: Option<Arc<dyn Transport>>,
    timer: Arc<dyn Timer>,
    classifier: Arc<dyn RetryClassifier>,
    interceptors: Vec<Arc<dyn Interceptor>>,
}

impl<T> std::fmt::Debug for ClientBuilder<T> {
    /// The settings, with base URLs as scrubbed text and the token provider as it shows itself
    /// (providers never show secrets).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = |u: &String| scrub(u, &[], &[]);
        f.debug_struct("ClientBuilder")
            .field("service", &self.service.id)
            .field("server", &self.server)
            .field("base_url", &self.base_url.as_ref().map(url))
            .field("service_urls", &self.service_urls.iter().map(|(id, u)| (id, url(u))).collect::<Vec<_>>())
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("tokens", &self.tokens)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("limits", &self.limits)
            .field("transport", &self.transport)
            .field("interceptors", &self.interceptors)
            .finish_non_exhaustive()
    }
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
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent: concat!("dingtalk-oapi-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            tokens: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
            limits: Limits::default(),
            limit_store: None,
            transport: None,
            timer: Arc::new(TokioTimer),
            classifier: Arc::new(DefaultClassifier),
            interceptors: Vec::new(),
        }
    }

    /// How requests travel (default: [`ReqwestTransport`], HTTPS with rustls, no redirects
    /// followed). A [`ReplayTransport`](crate::transport::ReplayTransport) answers from a
    /// script, for tests; `connect_timeout` and `user_agent` then do not apply.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The clocks and sleep of backoff, deadlines and the rate limiter (default:
    /// [`TokioTimer`]; a [`VirtualTimer`](crate::time::VirtualTimer) lets tests run on Tokio's
    /// paused clock).
    pub fn timer(mut self, timer: impl Timer) -> Self {
        self.timer = Arc::new(timer);
        self
    }

    /// What each error calls for (default: [`DefaultClassifier`], the spec's classes).
    pub fn retry_classifier(mut self, classifier: impl RetryClassifier) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// Runs `interceptor` inside every call (after those added before it).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
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

    /// Time to establish a connection (default 15 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time for one attempt, from sending to the end of the body (default 30 s). The whole
    /// call, retries included, ends within the retry policy's deadline.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// How often and how patiently calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` of requests (default `dingtalk-oapi-rust/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Where access tokens come from.
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

    /// The client, or why it cannot be built (an unknown server or service, a bad URL).
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
        let transport: Arc<dyn Transport> = match self.transport {
            Some(transport) => transport,
            // A redirect could carry the call (and its token) somewhere else: never followed.
            None => Arc::new(
                ReqwestTransport::build(self.connect_timeout, &self.user_agent)
                    .map_err(|e| BuildError::Http(e.without_url().to_string()))?,
            ),
        };
        let store = self.limit_store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        Ok(T::from(Client {
            inner: Arc::new(Inner {
                service: self.service,
                transport,
                base_url,
                base_url_given: self.base_url.is_some(),
                service_urls,
                retry: self.retry,
                classifier: self.classifier,
                attempt_timeout: self.timeout,
                tokens: self.tokens,
                max_response_bytes: self.max_response_bytes,
                limiter: Arc::new(Limiter::new(self.limits, store).with_timer(self.timer.clone())),
                timer: self.timer,
                interceptors: self.interceptors,
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
