//! Moving bytes: a [`Transport`] takes an HTTP request and gives back the answer, its body read
//! whole within a cap. [`ReqwestTransport`] is the real one; [`ReplayTransport`] answers from a
//! script in memory, so tests of everything above the wire (retries, refresh, deadlines,
//! decoding) open no socket.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use http::header::{CONTENT_TYPE, HeaderValue};

use crate::error::BoxError;
use crate::protocol::{HttpRequest, HttpResponse};

/// What one exchange may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// From sending to the end of the body; `None`: no limit but the call's deadline.
    pub timeout: Option<Duration>,
    /// The largest body read; a larger one is [`TransportFailure::TooLarge`].
    pub max_body_bytes: usize,
}

/// Why an exchange gave no usable answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportFailure {
    /// Connecting failed: the request cannot have reached the server.
    Connect(BoxError),
    /// No complete answer within the exchange's timeout.
    Timeout(BoxError),
    /// The connection broke while sending or receiving.
    Connection(BoxError),
    /// The body is larger than the cap: the answer's head with the body's first bytes.
    TooLarge(HttpResponse),
}

impl TransportFailure {
    /// Whether the request may have reached the server.
    pub fn maybe_sent(&self) -> bool {
        !matches!(self, TransportFailure::Connect(_))
    }
}

/// Sends a request and reads the answer.
///
/// A transport must keep [`SendLimits::timeout`]: the client cuts it to the time its call has
/// left, and relies on it to end an exchange at the call's deadline.
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` and reads the whole answer, within `limits`.
    fn send(
        &self,
        request: HttpRequest,
        limits: SendLimits,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportFailure>>;
}

/// Makes ring the process's rustls crypto provider, unless one is installed already (reqwest is
/// built without one, so that no C build of aws-lc comes with it). Every reqwest client of
/// the process needs a provider: call this (or [`http_client`]) before building one yourself.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one meanwhile: either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A reqwest client with reqwest's defaults (the crypto provider installed first).
pub fn http_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::new()
}

/// HTTP over reqwest (rustls), with the body read in chunks up to the cap.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// Over a reqwest client you configured yourself. Configure it not to follow redirects: a
    /// redirect could carry the call, and its token, somewhere else.
    pub fn new(http: reqwest::Client) -> Self {
        ReqwestTransport { http }
    }

    /// The client's own: no redirects followed, `connect_timeout` to connect, `user_agent`.
    pub fn build(connect_timeout: Duration, user_agent: &str) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(ReqwestTransport { http })
    }
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        request: HttpRequest,
        limits: SendLimits,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportFailure>> {
        let http = self.http.clone();
        Box::pin(async move {
            let mut request = reqwest::Request::try_from(request).map_err(failure)?;
            *request.timeout_mut() = limits.timeout;
            let response = http.execute(request).await.map_err(failure)?;
            read_capped(response, limits.max_body_bytes).await
        })
    }
}

/// A reqwest error as a failure, its URL (where a token may travel) removed.
fn failure(e: reqwest::Error) -> TransportFailure {
    let connect = e.is_connect();
    let timeout = e.is_timeout();
    let e: BoxError = Box::new(e.without_url());
    if connect {
        TransportFailure::Connect(e)
    } else if timeout {
        TransportFailure::Timeout(e)
    } else {
        TransportFailure::Connection(e)
    }
}

async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<HttpResponse, TransportFailure> {
    let mut head = http::Response::new(Bytes::new());
    *head.status_mut() = response.status();
    *head.headers_mut() = std::mem::take(response.headers_mut());
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(TransportFailure::TooLarge(head));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(failure)? {
        if body.len() + chunk.len() > cap {
            body.extend_from_slice(&chunk[..cap.saturating_sub(body.len()).min(chunk.len())]);
            *head.body_mut() = body.freeze();
            return Err(TransportFailure::TooLarge(head));
        }
        body.extend_from_slice(&chunk);
    }
    *head.body_mut() = body.freeze();
    Ok(head)
}

/// One scripted exchange of a [`ReplayTransport`].
#[derive(Debug)]
pub struct Reply {
    outcome: ReplyOutcome,
    delay: Duration,
}

#[derive(Debug)]
enum ReplyOutcome {
    Answer(HttpResponse),
    Connect,
    Connection,
    Hang,
}

impl Reply {
    /// An answer with this status, content type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        let mut answer = http::Response::new(body.into());
        *answer.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        if let Ok(value) = HeaderValue::from_str(content_type) {
            answer.headers_mut().insert(CONTENT_TYPE, value);
        }
        Reply { outcome: ReplyOutcome::Answer(answer), delay: Duration::ZERO }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, "application/json;charset=UTF-8", body)
    }

    /// Connecting fails (the request cannot have reached the server).
    pub fn refuse() -> Self {
        Reply { outcome: ReplyOutcome::Connect, delay: Duration::ZERO }
    }

    /// The connection breaks after the request was sent.
    pub fn reset() -> Self {
        Reply { outcome: ReplyOutcome::Connection, delay: Duration::ZERO }
    }

    /// No answer ever comes (only a timeout or the call's deadline ends the wait).
    pub fn hang() -> Self {
        Reply { outcome: ReplyOutcome::Hang, delay: Duration::ZERO }
    }

    /// Adds a header to the answer.
    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        if let ReplyOutcome::Answer(answer) = &mut self.outcome {
            answer.headers_mut().append(name, HeaderValue::from_static(value));
        }
        self
    }

    /// The reply comes after `delay` (on Tokio's clock: instant under `tokio::time::pause()`).
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Answers requests from a script, in order, and keeps every request it was given. When the
/// script runs out, each further request fails as a broken connection whose message says so.
///
/// It honours the exchange's timeout and the body cap as the real transport does.
#[derive(Clone, Default)]
pub struct ReplayTransport {
    inner: Arc<ReplayInner>,
}

impl fmt::Debug for ReplayTransport {
    /// Counts only: the recorded requests carry tokens and secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayTransport")
            .field("replies_left", &self.remaining())
            .field("requests", &self.inner.requests.lock().unwrap_or_else(PoisonError::into_inner).len())
            .finish()
    }
}

#[derive(Debug, Default)]
struct ReplayInner {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<HttpRequest>>,
}

impl ReplayTransport {
    /// A transport with an empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a reply to the end of the script.
    pub fn push(self, reply: Reply) -> Self {
        self.inner.script.lock().unwrap_or_else(PoisonError::into_inner).push_back(reply);
        self
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.inner.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replies not yet used.
    pub fn remaining(&self) -> usize {
        self.inner.script.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[derive(Debug)]
struct ReplayError(&'static str);

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ReplayError {}

impl Transport for ReplayTransport {
    fn send(
        &self,
        request: HttpRequest,
        limits: SendLimits,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportFailure>> {
        self.inner.requests.lock().unwrap_or_else(PoisonError::into_inner).push(request);
        let reply = self.inner.script.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
        Box::pin(async move {
            let Some(reply) = reply else {
                return Err(TransportFailure::Connection(Box::new(ReplayError("the replay script has run out"))));
            };
            let exchange = async move {
                tokio::time::sleep(reply.delay).await;
                match reply.outcome {
                    ReplyOutcome::Answer(answer) => cap(answer, limits.max_body_bytes),
                    ReplyOutcome::Connect => {
                        Err(TransportFailure::Connect(Box::new(ReplayError("connection refused"))))
                    }
                    ReplyOutcome::Connection => {
                        Err(TransportFailure::Connection(Box::new(ReplayError("connection reset by peer"))))
                    }
                    ReplyOutcome::Hang => std::future::pending().await,
                }
            };
            match limits.timeout {
                Some(t) => tokio::time::timeout(t, exchange)
                    .await
                    .unwrap_or_else(|_| Err(TransportFailure::Timeout(Box::new(ReplayError("operation timed out"))))),
                None => exchange.await,
            }
        })
    }
}

fn cap(mut answer: HttpResponse, max: usize) -> Result<HttpResponse, TransportFailure> {
    if answer.body().len() <= max {
        return Ok(answer);
    }
    let partial = answer.body().slice(..max);
    *answer.body_mut() = partial;
    Err(TransportFailure::TooLarge(answer))
}
