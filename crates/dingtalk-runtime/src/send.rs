//! The one generic path every call takes: check, encode, attach the token, send, read
//! (capped), decode, classify, retry.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tracing::Instrument;
use tracing::field::Empty;

use crate::auth::AccessToken;
use crate::client::Client;
use crate::decode::{SNIPPET_CHARS, decode};
use crate::dynamic::AnyErrorCode;
use crate::error::*;
use crate::operation::{
    ApiErrorCode, Encoding, ErrorClass, ErrorEnvelope, HttpMethod, OperationDescriptor, ResponseEnvelope,
    TokenPlacement,
};
use crate::redact::{scrub, snippet};
use crate::retry::RetryReason;
use crate::schema;

/// The parameters of a call, encoded once and reused by every attempt.
struct Encoded {
    /// The path with the path parameters filled in, each percent-encoded.
    path: String,
    query: Vec<(String, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

/// Decodes a body into the call's response type, keeps it, and returns the `errcode` the
/// response declares. The send loop knows no response type: it is compiled once for all
/// operations, and each operation contributes only this small function.
pub(crate) type Decoder<'a> = &'a (dyn Fn(&[u8]) -> Result<Option<i64>, serde_json::Error> + Sync);

impl Client {
    /// The one path every call takes: the parameters as JSON, checked against the descriptor's
    /// schema, encoded, sent with retries and decoded into `R`.
    pub(crate) async fn send_params<R, C>(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
    ) -> Result<R, Error<C>>
    where
        R: DeserializeOwned + ResponseEnvelope + Send,
        C: ApiErrorCode,
    {
        let slot: Mutex<Option<R>> = Mutex::new(None);
        let decoder = |body: &[u8]| {
            let response = serde_json::from_slice::<R>(body)?;
            let errcode = response.errcode();
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(response);
            Ok(errcode)
        };
        self.send_erased(d, params, &decoder)
            .await
            .map_err(|e| e.map_code(|code| C::from_descriptor(code.code(), d)))?;
        slot.into_inner().unwrap_or_else(PoisonError::into_inner).ok_or_else(|| {
            // Unreachable: a success has gone through the decoder. Reported, not panicked.
            Error::Decode(DecodeError {
                operation: d.id,
                status: 200,
                content_type: None,
                kind: DecodeErrorKind::Shape("no response was decoded".into()),
                snippet: String::new(),
            })
        })
    }

    /// [`send_params`](Self::send_params) without the types: the send loop itself.
    async fn send_erased(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
        decoder: Decoder<'_>,
    ) -> Result<(), Error<AnyErrorCode>> {
        let span = tracing::info_span!(
            "dingtalk_call",
            operation = d.id,
            path = d.path,
            attempt = Empty,
            errcode = Empty,
            request_id = Empty,
            elapsed_ms = Empty
        );
        self.send_in_span(d, params, decoder).instrument(span).await
    }

    async fn send_in_span(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
        decoder: Decoder<'_>,
    ) -> Result<(), Error<AnyErrorCode>> {
        let params = schema::check_params(d, &params, schema::Mode::Strict).map_err(|mut e| {
            e.operation = Some(d.id);
            Error::Validation(e)
        })?;
        let encoded = encode(d, params).map_err(|why| invalid_request(d, why))?;
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
            let token = if d.requires_token {
                Some(self.access_token_for(d.service).await.map_err(Error::Auth)?)
            } else {
                None
            };
            let identity = self.inner.tokens.as_ref().map_or_else(|| "default".to_owned(), |p| p.identity());
            if let Err(t) = self.inner.limiter.acquire(&identity, d.id, deadline).await {
                return Err(Error::Throttled {
                    operation: d.id,
                    permits: t.rule.permits,
                    window: t.rule.window,
                    wait: t.wait,
                });
            }
            let secrets: Vec<&str> = token.iter().map(|t| t.secret()).collect();
            let outcome = match tokio::time::timeout_at(
                deadline.into(),
                self.attempt(d, &encoded, token.as_ref(), &secrets, decoder),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Transport(TransportError {
                    operation: d.id,
                    kind: TransportErrorKind::Deadline,
                    target: self.target(d, d.path),
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
                span.record("errcode", tracing::field::display(api.code.code()));
                if let Some(id) = &api.request_id {
                    span.record("request_id", id.as_str());
                }
            }
            // The token was refused: a code the spec classes token-invalid, or (the new API) an
            // HTTP 401 whose body names no code, as a gateway may answer.
            let rejected = match &err {
                Error::Api(api) => api.class() == ErrorClass::TokenInvalid,
                Error::Http(h) => h.status == 401 && d.service.envelope == ErrorEnvelope::HttpStatus,
                _ => false,
            };
            if rejected
                && !refreshed
                && let (Some(tok), Some(p)) = (&token, &self.inner.tokens)
            {
                refreshed = true;
                if p.invalidate(tok).await {
                    tracing::info!(error = %err, "access token rejected; refreshing it and retrying once");
                    counted -= 1;
                    continue;
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

    /// `METHOD base/path` for messages: never the query (where a token may travel).
    pub(crate) fn target(&self, d: &'static OperationDescriptor, path: &str) -> String {
        let base = self.base_url_for(d.service);
        format!("{} {}{path}", d.method.as_str(), base.as_str().trim_end_matches('/'))
    }

    async fn attempt(
        &self,
        d: &'static OperationDescriptor,
        encoded: &Encoded,
        token: Option<&AccessToken>,
        secrets: &[&str],
        decoder: Decoder<'_>,
    ) -> Result<(), Error<AnyErrorCode>> {
        let mut url = self.base_url_for(d.service);
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{}", encoded.path));
        let query_token = match (token, d.service.token) {
            (Some(t), TokenPlacement::Query(name)) => Some((name, t.secret())),
            _ => None,
        };
        if query_token.is_some() || !encoded.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            if let Some((name, secret)) = query_token {
                pairs.append_pair(name, secret);
            }
            for (k, v) in &encoded.query {
                pairs.append_pair(k, v);
            }
        }
        let method = match d.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Patch => reqwest::Method::PATCH,
        };
        let mut request = self.inner.http.request(method, url);
        if let (Some(t), TokenPlacement::Header(name)) = (token, d.service.token) {
            let mut value = HeaderValue::from_str(t.secret()).map_err(|_| {
                Error::Auth(AuthError::fatal("the access token holds characters a header cannot carry"))
            })?;
            value.set_sensitive(true);
            request = request.header(name, value);
        }
        if let Some((content_type, body)) = &encoded.body {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static(content_type)).body(body.clone());
        }
        tracing::debug!(method = d.method.as_str(), path = d.path, "sending request");
        let response = request.send().await.map_err(|e| Error::Transport(self.transport_error(d, e, secrets)))?;
        let status = response.status().as_u16();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = read_capped(response, self.inner.max_response_bytes).await.map_err(|e| match e {
            ReadError::TooLarge(partial) => Error::Decode(DecodeError {
                operation: d.id,
                status,
                content_type: content_type.clone(),
                kind: DecodeErrorKind::TooLarge { limit: self.inner.max_response_bytes },
                snippet: snippet(&partial, SNIPPET_CHARS, secrets, &d.secret_names()),
            }),
            ReadError::Transport(e) => Error::Transport(self.transport_error(d, e, secrets)),
        })?;
        tracing::debug!(status, bytes = body.len(), "response received");
        decode(d, status, content_type, &body, secrets, decoder)
    }

    fn transport_error(&self, d: &'static OperationDescriptor, e: reqwest::Error, secrets: &[&str]) -> TransportError {
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
            operation: d.id,
            kind,
            target: self.target(d, d.path),
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
        operation: Some(d.id),
        field: String::new(),
        problem: crate::validation::Problem::Invalid(why),
    })
}

/// Splits the (checked) parameters into query and body as the descriptor says.
/// `Err` says why the body cannot be written (it cannot happen for JSON values).
fn encode(d: &'static OperationDescriptor, mut params: Map<String, Value>) -> Result<Encoded, String> {
    let mut path = String::with_capacity(d.path.len() + 16);
    for segment in d.path.trim_start_matches('/').split('/') {
        path.push('/');
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            path.push_str(segment);
            continue;
        };
        match params.remove(name) {
            Some(value) => match scalar_text(value) {
                // `.` and `..` would be read as "this" and "the parent" folder: another endpoint.
                text if text.is_empty() || text == "." || text == ".." => {
                    return Err(format!("path parameter `{name}` cannot be `{text}`"));
                }
                // Everything but RFC 3986's unreserved characters is encoded, so a value stays
                // one segment whatever it holds (`/`, `?`, `#`, `;`, `%`, controls, non-ASCII).
                text => path.extend(percent_encoding::utf8_percent_encode(&text, PATH_SEGMENT)),
            },
            None => return Err(format!("needs the path parameter `{name}`")),
        }
    }
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
            serde_json::to_vec(&body).map_err(|e| format!("cannot be serialized: {e}"))?,
        )),
        Encoding::Form => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in body {
                form.append_pair(&k, &scalar_text(v));
            }
            Some(("application/x-www-form-urlencoded;charset=utf-8", form.finish().into_bytes()))
        }
    };
    Ok(Encoded { path, query, body })
}

/// What a path parameter's value keeps as it is: RFC 3986's unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A parameter as query or form text: strings as they are, anything else as JSON.
fn scalar_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

fn retry_reason(e: &Error<AnyErrorCode>, retry_safe: bool) -> Option<RetryReason> {
    match e {
        Error::Api(api) => match api.class() {
            ErrorClass::Retryable => Some(RetryReason::Transient),
            ErrorClass::RateLimited => Some(RetryReason::RateLimited),
            // A code the spec does not know, with a status that says "try later" (the new API):
            // read like the same status without a code.
            _ if retry_safe && api.code.info().is_none() && api.status == 429 => Some(RetryReason::RateLimited),
            _ if retry_safe && api.code.info().is_none() && api.status >= 500 => Some(RetryReason::Transient),
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
