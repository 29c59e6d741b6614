//! The client and the one generic path every operation takes: validate, encode, attach the
//! token, send, read (capped), decode, classify, retry.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use tracing::Instrument;
use tracing::field::Empty;
use url::Url;

use crate::auth::{AccessToken, AppCredentials, StaticToken, TokenProvider};
use crate::error::*;
use crate::generated::service;
use crate::operation::{
    ApiErrorCode, Encoding, ErrorClass, HttpMethod, Operation, OperationDescriptor, OperationRequest, Paginated,
    ResponseEnvelope,
};
use crate::paginate::Paginator;
use crate::redact::{scrub, snippet};
use crate::retry::{RetryPolicy, RetryReason};
use crate::schema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Default cap on a response body: far above any documented page, far below harm.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
const SNIPPET_CHARS: usize = 160;

/// A DingTalk client. Cheap to clone: clones share one connection pool and token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    retry: RetryPolicy,
    tokens: Option<Arc<dyn TokenProvider>>,
    max_response_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("retry", &self.inner.retry)
            .field("tokens", &self.inner.tokens)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish()
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("unknown server `{name}`; known servers: {known}; or give a base URL")]
    UnknownServer { name: String, known: String },
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "refusing plain http to `{host}`: the access token would travel unencrypted; use https, a loopback address, or `allow_insecure_http(true)`"
    )]
    InsecureHttp { host: String },
    #[error("could not set up HTTP: {0}")]
    Http(String),
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    server: Option<String>,
    base_url: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    tokens: Option<Arc<dyn TokenProvider>>,
    max_response_bytes: usize,
    allow_insecure_http: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            server: None,
            base_url: None,
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: concat!("dingtalk-oapi-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            tokens: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
        }
    }
}

impl ClientBuilder {
    /// A server from the spec by name: `international` (the default) or `mainland`.
    pub fn server(mut self, name: impl Into<String>) -> Self {
        self.server = Some(name.into());
        self
    }

    /// Any base URL, e.g. a fake server's `http://127.0.0.1:PORT`. Wins over [`server`](Self::server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
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

    /// Shorthand for `token_provider(AppCredentials::new(key, secret))`.
    pub fn app_credentials(self, app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        self.token_provider(AppCredentials::new(app_key, app_secret))
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

    pub fn build(self) -> Result<Client, BuildError> {
        let url_text = match (&self.base_url, &self.server) {
            (Some(url), _) => url.clone(),
            (None, Some(name)) => match service::SERVERS.iter().find(|s| s.name == name) {
                Some(s) => s.url.to_owned(),
                None => {
                    return Err(BuildError::UnknownServer {
                        name: name.clone(),
                        known: service::SERVERS
                            .iter()
                            .map(|s| format!("{} ({})", s.name, s.url))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            },
            (None, None) => service::DEFAULT_SERVER_URL.to_owned(),
        };
        let base_url = check_base_url(&url_text, self.allow_insecure_http)?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            // A redirect could carry the call (and its token) somewhere else: never follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| BuildError::Http(e.without_url().to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                retry: self.retry,
                tokens: self.tokens,
                max_response_bytes: self.max_response_bytes,
            }),
        })
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

impl Default for Client {
    /// A client for the default server, with no token provider.
    fn default() -> Self {
        ClientBuilder::default().build().expect("the spec's default server is a valid https URL")
    }
}

/// The parameters of a call, encoded once and reused by every attempt.
struct Encoded {
    query: Vec<(String, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<serde_json::Value>,
    #[serde(default)]
    request_id: Option<serde_json::Value>,
    #[serde(default)]
    sub_code: Option<serde_json::Value>,
    #[serde(default)]
    sub_msg: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    wait: Option<serde_json::Value>,
}

fn text_of(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn int_of(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The same client (same connection pool) with another token provider, e.g. for another
    /// organization of a third-party app.
    pub fn with_token_provider(&self, provider: impl TokenProvider) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base_url: self.inner.base_url.clone(),
                retry: self.inner.retry.clone(),
                tokens: Some(Arc::new(provider)),
                max_response_bytes: self.inner.max_response_bytes,
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

    /// The access token calls use now (fetching one if needed).
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        match &self.inner.tokens {
            Some(p) => p.token(self).await,
            None => Err(AuthError {
                message: "no token provider is configured; set `access_token`, `app_credentials` or `token_provider` on the client builder".into(),
                errcode: None,
                retryable: false,
            }),
        }
    }

    /// The typed call: every generated operation ends here.
    pub(crate) async fn send<O: Operation>(&self, request: O::Request) -> Result<O::Response, Error<O::ErrorCode>> {
        let params = to_params::<O::ErrorCode>(O::DESCRIPTOR, &request)?;
        self.send_params(O::DESCRIPTOR, params).await
    }

    /// The one generic path: the parameters as JSON, checked against the descriptor's schema,
    /// encoded, sent with retries and decoded into `R`.
    pub(crate) async fn send_params<R, C>(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
    ) -> Result<R, Error<C>>
    where
        R: DeserializeOwned + ResponseEnvelope,
        C: ApiErrorCode,
    {
        let span = tracing::info_span!(
            "dingtalk_call",
            operation = d.name,
            path = d.path,
            attempt = Empty,
            errcode = Empty,
            request_id = Empty,
            elapsed_ms = Empty
        );
        self.send_in_span(d, params).instrument(span).await
    }

    async fn send_in_span<R, C>(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
    ) -> Result<R, Error<C>>
    where
        R: DeserializeOwned + ResponseEnvelope,
        C: ApiErrorCode,
    {
        let params = schema::check_params(d, &params, schema::Mode::Strict).map_err(|mut e| {
            e.operation = Some(d.name);
            Error::Validation(e)
        })?;
        let encoded = encode(d, params)?;
        let retry = &self.inner.retry;
        let started = Instant::now();
        // A deadline too far to represent is as good as none: about a century.
        let deadline =
            started.checked_add(retry.deadline).unwrap_or_else(|| started + Duration::from_secs(100 * 365 * 24 * 3600));
        let (mut attempt, mut counted, mut refreshed) = (0u32, 0u32, false);
        let span = tracing::Span::current();
        loop {
            attempt += 1;
            counted += 1;
            span.record("attempt", attempt);
            let token = if d.requires_token { Some(self.access_token().await.map_err(Error::Auth)?) } else { None };
            let secrets: Vec<&str> = token.iter().map(|t| t.secret()).collect();
            let outcome = match tokio::time::timeout_at(
                deadline.into(),
                self.attempt::<R, C>(d, &encoded, token.as_ref(), &secrets),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Transport(TransportError {
                    operation: d.name,
                    kind: TransportErrorKind::Deadline,
                    target: self.target(d.method, d.path),
                    detail: format!("the call's deadline of {:?} passed", retry.deadline),
                    maybe_sent: true,
                    source: None,
                })),
            };
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            let err = match outcome {
                Ok(response) => {
                    tracing::debug!(attempt, "call succeeded");
                    return Ok(response);
                }
                Err(e) => e,
            };
            if let Error::Api(api) = &err {
                span.record("errcode", api.code.code());
                if let Some(id) = &api.request_id {
                    span.record("request_id", id.as_str());
                }
                if api.class() == ErrorClass::TokenInvalid
                    && !refreshed
                    && let (Some(tok), Some(p)) = (&token, &self.inner.tokens)
                {
                    refreshed = true;
                    if p.invalidate(tok).await {
                        tracing::info!(
                            errcode = api.code.code(),
                            "access token rejected; refreshing it and retrying once"
                        );
                        counted -= 1;
                        continue;
                    }
                }
            }
            let Some(reason) = retry_reason(&err, d.retry_safe) else { return Err(err) };
            if counted >= retry.max_attempts {
                tracing::debug!(attempt, "giving up: no attempts left");
                return Err(err);
            }
            let mut wait = retry.backoff(counted, reason, &mut rand::rng());
            if let Error::Decode(DecodeError {
                kind: DecodeErrorKind::FloodProtection { wait_seconds: Some(s) }, ..
            }) = &err
            {
                // The server's hint, bounded: a hostile `wait` must not overflow the clock.
                wait = wait.max(Duration::from_secs((*s).min(retry.deadline.as_secs().saturating_add(1))));
            }
            if Instant::now().checked_add(wait).is_none_or(|at| at >= deadline) {
                tracing::debug!(attempt, "giving up: the next wait would pass the deadline");
                return Err(err);
            }
            tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, reason = ?reason, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn target(&self, method: HttpMethod, path: &str) -> String {
        let base = self.inner.base_url.as_str().trim_end_matches('/');
        format!("{} {base}{path}", method.as_str())
    }

    async fn attempt<R, C>(
        &self,
        d: &'static OperationDescriptor,
        encoded: &Encoded,
        token: Option<&AccessToken>,
        secrets: &[&str],
    ) -> Result<R, Error<C>>
    where
        R: DeserializeOwned + ResponseEnvelope,
        C: ApiErrorCode,
    {
        let mut url = self.inner.base_url.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{}", d.path));
        if token.is_some() || !encoded.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            if let Some(t) = token {
                pairs.append_pair(service::ACCESS_TOKEN_PARAM, t.secret());
            }
            for (k, v) in &encoded.query {
                pairs.append_pair(k, v);
            }
        }
        let method = match d.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        let mut request = self.inner.http.request(method, url);
        if let Some((content_type, body)) = &encoded.body {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static(content_type)).body(body.clone());
        }
        tracing::debug!(method = d.method.as_str(), path = d.path, "sending request");
        let response = request
            .send()
            .await
            .map_err(|e| Error::Transport(self.transport_error(d.name, d.method, d.path, e, secrets)))?;
        let status = response.status().as_u16();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = read_capped(response, self.inner.max_response_bytes).await.map_err(|e| match e {
            ReadError::TooLarge(partial) => Error::Decode(DecodeError {
                operation: d.name,
                status,
                content_type: content_type.clone(),
                kind: DecodeErrorKind::TooLarge { limit: self.inner.max_response_bytes },
                snippet: snippet(&partial, SNIPPET_CHARS, secrets, &d.secret_names()),
            }),
            ReadError::Transport(e) => Error::Transport(self.transport_error(d.name, d.method, d.path, e, secrets)),
        })?;
        tracing::debug!(status, bytes = body.len(), "response received");
        decode(d, status, content_type, &body, secrets)
    }

    fn transport_error(
        &self,
        operation: &'static str,
        method: HttpMethod,
        path: &str,
        e: reqwest::Error,
        secrets: &[&str],
    ) -> TransportError {
        let (kind, maybe_sent) = if e.is_connect() {
            (TransportErrorKind::Connect, false)
        } else if e.is_timeout() {
            (TransportErrorKind::Timeout, true)
        } else {
            (TransportErrorKind::Connection, true)
        };
        let e = e.without_url();
        let mut detail = String::new();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = source {
            if !detail.is_empty() {
                detail.push_str(": ");
            }
            detail.push_str(&s.to_string());
            source = s.source();
        }
        if detail.is_empty() {
            detail = e.to_string();
        }
        TransportError {
            operation,
            kind,
            target: self.target(method, path),
            detail: scrub(&detail, secrets, &[]),
            maybe_sent,
            source: None,
        }
    }
}

enum ReadError {
    TooLarge(Vec<u8>),
    Transport(reqwest::Error),
}

async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(ReadError::TooLarge(Vec::new()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > cap {
            body.extend_from_slice(&chunk[..cap.saturating_sub(body.len()).min(chunk.len())]);
            return Err(ReadError::TooLarge(body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A request as the JSON object of its wire parameters.
pub(crate) fn to_params<C: ApiErrorCode>(
    d: &'static OperationDescriptor,
    request: &impl serde::Serialize,
) -> Result<Map<String, Value>, Error<C>> {
    match serde_json::to_value(request) {
        Ok(Value::Object(params)) => Ok(params),
        Ok(_) => Err(invalid_request(d, "is not an object".into())),
        Err(e) => Err(invalid_request(d, format!("cannot be serialized: {e}"))),
    }
}

fn invalid_request<C: ApiErrorCode>(d: &'static OperationDescriptor, why: String) -> Error<C> {
    Error::Validation(crate::validation::ValidationError {
        operation: Some(d.name),
        field: String::new(),
        problem: crate::validation::Problem::Invalid(why),
    })
}

/// Splits the (checked) parameters into query and body as the descriptor says.
fn encode<C: ApiErrorCode>(d: &'static OperationDescriptor, params: Map<String, Value>) -> Result<Encoded, Error<C>> {
    let mut query = Vec::new();
    let mut body = serde_json::Map::new();
    for (name, value) in params {
        if d.encoding == Encoding::Query || d.query.iter().any(|f| f.name == name) {
            query.push((name, scalar_text(value)));
        } else {
            body.insert(name, value);
        }
    }
    let body = match d.encoding {
        Encoding::Query => None,
        Encoding::Json => Some((
            "application/json;charset=UTF-8",
            serde_json::to_vec(&body).map_err(|e| invalid_request(d, format!("cannot be serialized: {e}")))?,
        )),
        Encoding::Form => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in body {
                form.append_pair(&k, &scalar_text(v));
            }
            Some(("application/x-www-form-urlencoded;charset=utf-8", form.finish().into_bytes()))
        }
    };
    Ok(Encoded { query, body })
}

/// A parameter as query or form text: strings as they are, anything else as JSON.
fn scalar_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Turns a raw DingTalk answer (HTTP status, content type, body) into the operation's typed
/// response or typed error, exactly as [`Client`] does after each attempt. Useful for answers
/// obtained some other way (a proxy, a recorded fixture). Never panics, whatever the bytes.
pub fn decode_response<O: Operation>(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<O::Response, Error<O::ErrorCode>> {
    decode(O::DESCRIPTOR, status, content_type.map(str::to_owned), body, &[])
}

/// Turns a response into the typed response or the typed error.
pub(crate) fn decode<R, C>(
    d: &'static OperationDescriptor,
    status: u16,
    content_type: Option<String>,
    body: &[u8],
    secrets: &[&str],
) -> Result<R, Error<C>>
where
    R: DeserializeOwned + ResponseEnvelope,
    C: ApiErrorCode,
{
    let keys = d.secret_names();
    let decode_error = |kind| {
        Error::Decode(DecodeError {
            operation: d.name,
            status,
            content_type: content_type.clone(),
            kind,
            snippet: snippet(body, SNIPPET_CHARS, secrets, &keys),
        })
    };
    // DingTalk answers API errors with 200; 400 bodies are read like normal ones.
    if status != 200 && status != 400 {
        return Err(Error::Http(HttpError {
            operation: d.name,
            status,
            content_type: content_type.clone(),
            snippet: snippet(body, SNIPPET_CHARS, secrets, &keys),
        }));
    }
    // serde reads a JSON array into a struct field by field: only an object is a response.
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => decode_error(DecodeErrorKind::NoErrcode),
            Err(e) => decode_error(DecodeErrorKind::NotJson(scrub(&e.to_string(), secrets, &keys))),
        });
    }
    // The common case in one pass: a success whose type declares `errcode`. Anything else
    // (an API error, a shape mismatch) is read again below to tell which it is.
    if let Ok(response) = serde_json::from_slice::<R>(body)
        && response.errcode() == Some(0)
    {
        return Ok(response);
    }
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) if e.is_data() => return Err(decode_error(DecodeErrorKind::NoErrcode)),
        Err(e) => return Err(decode_error(DecodeErrorKind::NotJson(scrub(&e.to_string(), secrets, &keys)))),
    };
    let Some(errcode) = envelope.errcode.as_ref().and_then(int_of) else {
        if envelope.status.is_some() {
            let wait_seconds = envelope.wait.as_ref().and_then(int_of).and_then(|w| u64::try_from(w).ok());
            return Err(decode_error(DecodeErrorKind::FloodProtection { wait_seconds }));
        }
        return Err(decode_error(DecodeErrorKind::NoErrcode));
    };
    if errcode != 0 {
        let clean = |v: Option<serde_json::Value>| text_of(v).map(|t| scrub(&t, secrets, &keys));
        return Err(Error::Api(ApiError {
            operation: d.name,
            code: C::from_descriptor(errcode, d),
            errmsg: clean(envelope.errmsg).unwrap_or_default(),
            request_id: clean(envelope.request_id),
            sub_code: clean(envelope.sub_code),
            sub_msg: clean(envelope.sub_msg),
        }));
    }
    serde_json::from_slice(body)
        .map_err(|e| decode_error(DecodeErrorKind::Shape(scrub(&e.to_string(), secrets, &keys))))
}

fn retry_reason<C: ApiErrorCode>(e: &Error<C>, retry_safe: bool) -> Option<RetryReason> {
    match e {
        Error::Api(api) => match api.class() {
            ErrorClass::Retryable => Some(RetryReason::Transient),
            ErrorClass::RateLimited => Some(RetryReason::RateLimited),
            _ => None,
        },
        Error::Http(h) if retry_safe && h.status == 429 => Some(RetryReason::RateLimited),
        Error::Http(h) if retry_safe && h.status >= 500 => Some(RetryReason::Transient),
        Error::Transport(t) if t.kind == TransportErrorKind::Deadline => None,
        // A write is repeated only when it cannot have reached the server.
        Error::Transport(t) if retry_safe || !t.maybe_sent => Some(RetryReason::Transient),
        Error::Decode(DecodeError { kind: DecodeErrorKind::FloodProtection { .. }, .. }) => {
            Some(RetryReason::RateLimited)
        }
        _ => None,
    }
}

/// A call being put together: `client.list_label_groups().size(20).send().await`.
///
/// `C` is the client flavour: [`Client`] (async) or `blocking::Client`.
pub struct RequestBuilder<O: Operation, C = Client> {
    pub(crate) client: C,
    pub(crate) request: O::Request,
}

impl<O: Operation, C> RequestBuilder<O, C> {
    pub fn new(client: C) -> Self {
        RequestBuilder { client, request: O::Request::default() }
    }

    /// The request as built so far.
    pub fn request(&self) -> &O::Request {
        &self.request
    }

    /// Replaces the whole request, e.g. one built or loaded elsewhere.
    pub fn set_request(mut self, request: O::Request) -> Self {
        self.request = request;
        self
    }
}

impl<O: Operation, C> fmt::Debug for RequestBuilder<O, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &O::DESCRIPTOR.name)
            .field("request", &self.request)
            .finish()
    }
}

impl<O: Operation> RequestBuilder<O, Client> {
    /// Sends the call: validated first, retried as the client's policy says.
    pub async fn send(self) -> Result<O::Response, Error<O::ErrorCode>> {
        self.client.send::<O>(self.request).await
    }
}

impl<O: Paginated> RequestBuilder<O, Client> {
    /// Every page from the request's offset (or 0), lazily; see [`Paginator`].
    pub fn into_paginator(self) -> Paginator<O> {
        Paginator::new(self.client, self.request)
    }
}
