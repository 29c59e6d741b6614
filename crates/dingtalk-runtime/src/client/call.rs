//! One call, in named phases: check and encode the parameters once; then, under the retry
//! loop and the call's deadline, each attempt gets a token, waits for a rate-limit permit,
//! builds the request, runs the interceptors, sends it through the transport and decodes the
//! answer with the service's protocol.

use std::time::Instant;

use serde_json::{Map, Value};
use tracing::Instrument;
use tracing::field::Empty;

use super::Client;
use crate::auth::AccessToken;
use crate::error::*;
use crate::intercept::{CallContext, Interceptor};
use crate::operation::{ApiErrorCode, Operation, OperationDescriptor, OperationRequest, ParamType, ResponseEnvelope};
use crate::options::CallOptions;
use crate::protocol::{self, Encoded, HttpResponse, Reading, ResponseSink, TypedSink};
use crate::redact::scrub;
use crate::retry::{Attempts, Decision, RetryLoop, within_deadline};
use crate::schema;
use crate::time::deadline_after;
use crate::transport::{SendLimits, TransportFailure};
use crate::upload::{self, FilePart, ReadError};

impl Client {
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
        self.send_with::<O>(request, &CallOptions::default()).await
    }

    /// Calls a typed operation with its request and the options of this one call.
    pub async fn send_with<O: Operation>(
        &self,
        request: O::Request,
        options: &CallOptions,
    ) -> Result<O::Response, Error<O::ErrorCode>> {
        let params = to_params::<O::ErrorCode>(O::DESCRIPTOR, &request)?;
        self.send_params(O::DESCRIPTOR, params, options).await
    }

    /// The parameters as JSON (wire names), checked against the descriptor's schema, encoded,
    /// sent with retries and decoded into `R`.
    pub(crate) async fn send_params<R, C>(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
        options: &CallOptions,
    ) -> Result<R, Error<C>>
    where
        R: serde::de::DeserializeOwned + ResponseEnvelope + Send + Sync,
        C: ApiErrorCode,
    {
        let mut sink = TypedSink::<R>::new();
        self.run(d, params, options, &mut sink)
            .await
            .map_err(|e| e.map_code(|code| C::from_descriptor(code.code(), d)))?;
        sink.take().ok_or_else(|| Error::Decode(protocol::no_response(d, 200)))
    }

    /// The call itself, compiled once for every operation: the response type reaches it only
    /// as the `sink` the protocol hands a successful body to.
    async fn run(
        &self,
        d: &'static OperationDescriptor,
        params: Map<String, Value>,
        options: &CallOptions,
        sink: &mut dyn ResponseSink,
    ) -> Result<(), CallError> {
        let span = tracing::info_span!(
            "dingtalk_call",
            operation = d.id,
            path = d.path,
            attempt = Empty,
            errcode = Empty,
            request_id = Empty,
            elapsed_ms = Empty
        );
        async move {
            let (params, files) = read_files(d, params).await?;
            let (encoded, secret_params) = prepare(d, params, &files, options)?;
            let mut policy = std::borrow::Cow::Borrowed(options.retry.as_ref().unwrap_or(&self.inner.retry));
            if let Some(n) = options.max_attempts {
                policy.to_mut().max_attempts = n.max(1);
            }
            let policy = &*policy;
            let timer = &*self.inner.timer;
            let started = timer.now();
            let deadline = deadline_after(started, options.timeout.unwrap_or(policy.deadline));
            let mut call = Call {
                client: self,
                d,
                encoded,
                secret_params,
                options,
                sink,
                token: None,
                started,
                deadline,
                sent: false,
            };
            RetryLoop { policy, timer, deadline }.run(&mut call).await
        }
        .instrument(span)
        .await
    }
}

/// Checks the parameters against the spec and encodes them, once for every attempt; with the
/// values of the parameters the spec marks secret (an app secret sent to a token issuer), which
/// no error, log or interceptor may show.
fn prepare(
    d: &'static OperationDescriptor,
    params: Map<String, Value>,
    files: &[FilePart],
    options: &CallOptions,
) -> Result<(Encoded, Vec<String>), CallError> {
    if let Some(name) = &options.invalid_header {
        let why = format!("the header `{name}` has a name or value HTTP cannot carry");
        return Err(Error::Validation(ValidationError::request(d.id, why)));
    }
    let params = schema::check_params(d, &params, schema::Mode::Strict).map_err(|mut e| {
        e.operation = Some(d.id);
        Error::Validation(e)
    })?;
    let secrets = d
        .params()
        .filter(|f| f.secret)
        .filter_map(|f| params.get(f.name).and_then(Value::as_str).map(str::to_owned))
        .collect();
    let encoded =
        protocol::encode(d, params, files).map_err(|why| Error::Validation(ValidationError::request(d.id, why)))?;
    Ok((encoded, secrets))
}

/// Reads the call's uploads (its file parameters), each refused before it is read when it is
/// larger than the spec allows; in the parameters each is replaced by what the schema checks
/// of a file read (`{"file_name", "size", "content_type"}`). Once per call: every attempt sends
/// the same bytes.
async fn read_files(
    d: &'static OperationDescriptor,
    mut params: Map<String, Value>,
) -> Result<(Map<String, Value>, Vec<FilePart>), CallError> {
    let mut files = Vec::new();
    for field in d.body.iter().filter(|f| matches!(f.ty, ParamType::File)) {
        let Some(raw) = params.get(field.name).filter(|v| !v.is_null()) else { continue };
        if raw.get("size").is_some() {
            let why = format!("the file `{}` has no contents: pass an Upload (a path or bytes)", field.name);
            return Err(Error::Validation(ValidationError::request(d.id, why)));
        }
        let part = upload::read(field.name, raw, field.file_limit(&params)).await.map_err(|e| {
            Error::Validation(match e {
                ReadError::TooLarge { size, max } => ValidationError {
                    operation: Some(d.id),
                    field: field.name.to_owned(),
                    problem: Problem::FileTooLarge { size, max },
                },
                ReadError::Unreadable(why) => ValidationError::request(d.id, why),
            })
        })?;
        params.insert(field.name.to_owned(), part.summary());
        files.push(part);
    }
    Ok((params, files))
}

/// A request as the JSON object of its wire parameters.
pub(crate) fn to_params<C: ApiErrorCode>(
    d: &'static OperationDescriptor,
    request: &impl serde::Serialize,
) -> Result<Map<String, Value>, Error<C>> {
    match serde_json::to_value(request) {
        Ok(Value::Object(params)) => Ok(params),
        Ok(_) => Err(Error::Validation(ValidationError::request(d.id, "is not an object"))),
        Err(e) => Err(Error::Validation(ValidationError::request(d.id, format!("cannot be serialized: {e}")))),
    }
}

/// The state of one call across its attempts.
struct Call<'a> {
    client: &'a Client,
    d: &'static OperationDescriptor,
    encoded: Encoded,
    /// Values of secret parameters, kept out of errors and shown to interceptors as secrets.
    secret_params: Vec<String>,
    options: &'a CallOptions,
    sink: &'a mut dyn ResponseSink,
    /// The token of the last attempt, to drop if DingTalk refuses it.
    token: Option<AccessToken>,
    started: Instant,
    deadline: Instant,
    /// Whether a request has gone to the transport (a deadline before that sent nothing).
    sent: bool,
}

impl Attempts for Call<'_> {
    type Output = ();
    type Error = CallError;

    async fn attempt(&mut self, attempt: u32) -> Result<(), CallError> {
        let span = tracing::Span::current();
        span.record("attempt", attempt);
        let outcome = self.try_once(attempt).await;
        span.record("elapsed_ms", self.client.inner.timer.now().duration_since(self.started).as_millis() as u64);
        match &outcome {
            Ok(()) => tracing::debug!(attempt, "call succeeded"),
            Err(Error::Api(api)) => {
                span.record("errcode", tracing::field::display(api.code.code()));
                if let Some(id) = &api.request_id {
                    span.record("request_id", id.as_str());
                }
            }
            Err(_) => {}
        }
        outcome
    }

    fn classify(&self, error: &CallError) -> Decision {
        self.client.inner.classifier.classify(self.d, error)
    }

    async fn refresh(&mut self) -> bool {
        match (&self.token, &self.client.inner.tokens) {
            (Some(token), Some(provider)) => provider.invalidate(token).await,
            _ => false,
        }
    }

    fn deadline_passed(&self) -> CallError {
        let limit = self.deadline.saturating_duration_since(self.started);
        Error::Transport(TransportError {
            operation: self.d.id,
            kind: TransportErrorKind::Deadline,
            target: target(self.client, self.d),
            detail: format!("the call's deadline of {limit:?} passed"),
            maybe_sent: self.sent,
            source: None,
        })
    }
}

impl Call<'_> {
    /// One attempt: token, permit, request, interceptors, exchange, decoding, each within the
    /// call's deadline.
    async fn try_once(&mut self, attempt: u32) -> Result<(), CallError> {
        let (client, d) = (self.client, self.d);
        let timer = &*client.inner.timer;
        self.token = match d.requires_token {
            true => {
                let token = within_deadline(timer, self.deadline, client.access_token_for(d.service));
                Some(token.await.ok_or_else(|| self.deadline_passed())?.map_err(Error::Auth)?)
            }
            false => None,
        };
        self.permit().await?;
        let secret = self.token.as_ref().map(AccessToken::secret);
        let secrets: Vec<&str> = secret.into_iter().chain(self.secret_params.iter().map(String::as_str)).collect();
        let context = CallContext { operation: d, attempt, secrets: &secrets };
        let owned;
        let base = match client.given_base_url(d.service) {
            Some(url) => url,
            None => {
                owned = client.base_url_for(d.service);
                &owned
            }
        };
        let mut request = protocol::request(d, base, &self.encoded, secret, &self.options.headers)
            .map_err(|why| Error::Auth(AuthError::fatal(why)))?;
        for interceptor in self.interceptors() {
            interceptor
                .modify_request(&context, &mut request)
                .map_err(|e| Error::Interceptor(InterceptorError::new(d.id, e)))?;
        }
        // The exchange's own timeout, cut to the time the call has left: the deadline is kept
        // by the transport's timer, with no second one here.
        let attempt_timeout = self.options.attempt_timeout.unwrap_or(client.inner.attempt_timeout);
        let left = self.deadline.saturating_duration_since(timer.now());
        let limits =
            SendLimits { timeout: Some(attempt_timeout.min(left)), max_body_bytes: client.inner.max_response_bytes };
        tracing::debug!(method = d.method.as_str(), path = d.path, "sending request");
        self.sent = true;
        let answer = match client.inner.transport.send(request, limits).await {
            Ok(answer) => answer,
            Err(TransportFailure::Timeout(_)) if timer.now() >= self.deadline => return Err(self.deadline_passed()),
            Err(f) => return Err(self.failure(f, &secrets)),
        };
        tracing::debug!(status = answer.status().as_u16(), bytes = answer.body().len(), "response received");
        for interceptor in self.interceptors() {
            interceptor.read_response(&context, &answer);
        }
        protocol::of(d.service).decode(Reading { operation: d, secrets: &secrets }, &answer, self.sink)
    }

    /// Waits for the client-side rate limit, or fails when the wait would pass the deadline.
    async fn permit(&self) -> Result<(), CallError> {
        let inner = &self.client.inner;
        if inner.limiter.is_off() {
            return Ok(());
        }
        let identity = inner.tokens.as_ref().map_or_else(|| "default".to_owned(), |p| p.identity());
        inner.limiter.acquire(&identity, self.d.id, self.deadline).await.map_err(|t| Error::Throttled {
            operation: self.d.id,
            permits: t.rule.permits,
            window: t.rule.window,
            wait: t.wait,
        })
    }

    /// The client's interceptors, then the call's.
    fn interceptors(&self) -> impl Iterator<Item = &dyn Interceptor> {
        self.client.inner.interceptors.iter().chain(&self.options.interceptors).map(|i| &**i)
    }

    /// A failed exchange as the call's error.
    fn failure(&self, failure: TransportFailure, secrets: &[&str]) -> CallError {
        let (kind, source) = match failure {
            TransportFailure::TooLarge(partial) => return self.too_large(&partial, secrets),
            TransportFailure::Connect(e) => (TransportErrorKind::Connect, e),
            TransportFailure::Timeout(e) => (TransportErrorKind::Timeout, e),
            TransportFailure::Connection(e) => (TransportErrorKind::Connection, e),
        };
        Error::Transport(TransportError {
            operation: self.d.id,
            kind,
            target: target(self.client, self.d),
            detail: scrub(&detail(&*source), secrets, &[]),
            maybe_sent: kind != TransportErrorKind::Connect,
            source: Some(source.into()),
        })
    }

    fn too_large(&self, partial: &HttpResponse, secrets: &[&str]) -> CallError {
        let limit = self.client.inner.max_response_bytes;
        let keys = self.d.secret_names();
        Error::Decode(DecodeError {
            operation: self.d.id,
            status: partial.status().as_u16(),
            content_type: partial
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            kind: DecodeErrorKind::TooLarge { limit },
            snippet: crate::redact::snippet(partial.body(), protocol::SNIPPET_CHARS, secrets, &keys),
            headers: crate::redact::scrub_headers(partial.headers(), secrets, &keys),
        })
    }
}

/// What the HTTP stack said: the chain of causes under its own summary, or the summary alone.
fn detail(error: &(dyn std::error::Error + 'static)) -> String {
    let mut detail = String::new();
    let mut source = error.source();
    while let Some(s) = source {
        if !detail.is_empty() {
            detail.push_str(": ");
        }
        detail.push_str(&s.to_string());
        source = s.source();
    }
    if detail.is_empty() { error.to_string() } else { detail }
}

/// `METHOD base/path` for messages: never the query (where a token may travel).
fn target(client: &Client, d: &'static OperationDescriptor) -> String {
    let base = client.base_url_for(d.service);
    format!("{} {}{}", d.method.as_str(), base.as_str().trim_end_matches('/'), d.path)
}
