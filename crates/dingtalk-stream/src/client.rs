//! The listener: opens a connection (the spec's `gateway_1_0.OpenConnection`, then the
//! WebSocket with its one-time ticket), answers the gateway's pings at once, runs handlers
//! concurrently up to a bound and acks each frame as the protocol says, replaces a connection
//! the gateway retires (`disconnect`) before dropping it, and reconnects after any failure with
//! backoff.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dingtalk_oapi::gateway_1_0::StreamSubscription;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::dedup::{Dedup, Seen};
use crate::frame::{Frame, FrameType, ack};

/// The topic of messages sent to a robot (a group's @-mention, or a 1:1 chat).
pub const TOPIC_ROBOT_MESSAGES: &str = "/v1.0/im/bot/messages/get";
/// The topic of interactive-card interactions.
pub const TOPIC_CARD_CALLBACK: &str = "/v1.0/card/instances/callback";

/// What a handler may fail with: an event is then acked `LATER` (DingTalk redelivers it), a
/// callback with code 500.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type EventFn = Arc<dyn Fn(Event) -> BoxFuture<Result<(), HandlerError>> + Send + Sync>;
type CallbackFn = Arc<dyn Fn(Callback) -> BoxFuture<Result<Value, HandlerError>> + Send + Sync>;

/// How long a connection the gateway retired (`disconnect`) is still read, for the frames that
/// arrive on it meanwhile (the gateway closes it about 10 s after its notice).
const RETIRED_GRACE: Duration = Duration::from_secs(15);
/// The longest wait before a reconnect that `backoff` accepts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// The longest stop deadline taken (a larger one is this).
const MAX_STOP_DEADLINE: Duration = Duration::from_secs(24 * 3600);
/// The longest a WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A message larger than this ends the connection (a frame over `max_frame_bytes` but under
/// this is read and skipped).
const HARD_MESSAGE_LIMIT: usize = 16 * 1024 * 1024;

/// An event pushed by DingTalk (an `EVENT` frame).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The frame's `messageId`.
    pub message_id: String,
    /// `eventType`, e.g. `user_add_org`.
    pub event_type: String,
    /// `eventId`: the same for a redelivery.
    pub event_id: Option<String>,
    /// `eventCorpId`: the organization it happened in.
    pub corp_id: Option<String>,
    /// `eventBornTime`: when it happened (milliseconds since the Unix epoch).
    pub born_time: Option<i64>,
    /// `eventUnifiedAppId`.
    pub unified_app_id: Option<String>,
    /// Every header of the frame.
    pub headers: Map<String, Value>,
    /// The event's payload (its fields depend on `event_type`), kept whole.
    pub data: Value,
}

/// A callback (a `CALLBACK` frame): a robot message, a card interaction, …
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Callback {
    /// Its topic, e.g. [`TOPIC_ROBOT_MESSAGES`].
    pub topic: String,
    /// The frame's `messageId`.
    pub message_id: String,
    /// Every header of the frame.
    pub headers: Map<String, Value>,
    /// The payload.
    pub data: Value,
}

/// Why the listener could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// DingTalk refused the app's credentials (`authFailed`): retrying cannot help.
    #[error("DingTalk refused the app's credentials (HTTP {status}, {code}): {message}")]
    Auth {
        /// The HTTP status (401).
        status: u16,
        /// The server's code, e.g. `authFailed`.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The open-connection call failed otherwise.
    #[error("the open-connection call failed: {0}")]
    Open(String),
    /// The WebSocket could not be opened.
    #[error("the Stream WebSocket could not be opened: {0}")]
    Connect(String),
    /// The listener is set up wrong.
    #[error("{0}")]
    Config(String),
}

/// Sets up a [`StreamClient`]: credentials, handlers, bounds.
pub struct StreamBuilder {
    app_key: String,
    app_secret: String,
    api_base_url: Option<String>,
    event: Option<EventFn>,
    callbacks: Vec<(String, CallbackFn)>,
    max_in_flight: usize,
    max_frame_bytes: usize,
    idle: Duration,
    pong_timeout: Duration,
    backoff: (Duration, Duration),
    dedup: (Duration, usize),
    max_opens_per_minute: usize,
    ua: String,
    local_ip: Option<String>,
}

impl fmt::Debug for StreamBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamBuilder")
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .field("api_base_url", &self.api_base_url)
            .field("callbacks", &self.callbacks.iter().map(|(t, _)| t).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl StreamBuilder {
    /// The new API's base URL (default `https://api.dingtalk.com`); `http://` only to loopback.
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = Some(url.into());
        self
    }

    /// Handles every event (subscribes `EVENT` `*`; which events arrive is chosen in the
    /// developer console). `Ok` acks `SUCCESS`; an error or a panic acks `LATER`, and DingTalk
    /// pushes the event again.
    pub fn on_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.event = Some(Arc::new(move |e| Box::pin(handler(e))));
        self
    }

    /// Handles the callbacks of `topic` (e.g. [`TOPIC_ROBOT_MESSAGES`]); the value it returns
    /// is the ack's `response` (a card callback's new card data; ignored for robot messages).
    pub fn on_callback<F, Fut>(mut self, topic: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Callback) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + Send + 'static,
    {
        let topic = topic.into();
        self.callbacks.retain(|(t, _)| *t != topic);
        self.callbacks.push((topic, Arc::new(move |c| Box::pin(handler(c)))));
        self
    }

    /// Most handlers running at once (default 64). A frame that arrives past the bound is not
    /// handled and not acked, so DingTalk pushes it again later; pings and acks go on meanwhile.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Largest frame handled (default 1 MiB); a larger one is logged and skipped.
    pub fn max_frame_bytes(mut self, n: usize) -> Self {
        self.max_frame_bytes = n.clamp(1, HARD_MESSAGE_LIMIT);
        self
    }

    /// After `idle` without a frame, a WebSocket ping is sent; without an answer (or any frame)
    /// within `pong_timeout` the connection is taken for dead and replaced. Defaults: 60 s, 5 s.
    pub fn keepalive(mut self, idle: Duration, pong_timeout: Duration) -> Self {
        self.idle = idle.clamp(Duration::from_millis(10), Duration::from_secs(24 * 3600));
        self.pong_timeout = pong_timeout.clamp(Duration::from_millis(10), Duration::from_secs(3600));
        self
    }

    /// The wait before reconnecting: `initial`, doubling per failure, at most `max`, plus up to
    /// 20 % jitter; back to `initial` after a healthy connection. Defaults: 1 s, 60 s.
    /// Both are capped at an hour (a larger wait would only look like a hang).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        let initial = initial.min(MAX_BACKOFF);
        self.backoff = (initial, max.clamp(initial, MAX_BACKOFF));
        self
    }

    /// Redelivered messages (same `messageId`, or same `eventId`) are recognised for `ttl`,
    /// at most `capacity` of them (defaults: 5 minutes, 10,000).
    pub fn dedup(mut self, ttl: Duration, capacity: usize) -> Self {
        self.dedup = (ttl, capacity.max(1));
        self
    }

    /// Most connections opened in any minute (default 20), whatever the gateway does.
    pub fn max_opens_per_minute(mut self, n: usize) -> Self {
        self.max_opens_per_minute = n.max(1);
        self
    }

    /// The `ua` the open call sends (default `dingtalk-sdk-rust/v<version>`).
    pub fn ua(mut self, ua: impl Into<String>) -> Self {
        self.ua = ua.into();
        self
    }

    /// The `localIp` the open call sends, for DingTalk's diagnosis (none by default).
    pub fn local_ip(mut self, ip: impl Into<String>) -> Self {
        self.local_ip = Some(ip.into());
        self
    }

    /// The listener; an error when it subscribes to nothing or the base URL is not usable.
    pub fn build(self) -> Result<StreamClient, StreamError> {
        if self.event.is_none() && self.callbacks.is_empty() {
            return Err(StreamError::Config("subscribe to something: on_event or on_callback".into()));
        }
        if self.app_key.is_empty() || self.app_secret.is_empty() {
            return Err(StreamError::Config("the app key and secret must not be empty".into()));
        }
        let mut client = dingtalk_oapi::Client::builder();
        if let Some(url) = &self.api_base_url {
            client = client.api_base_url(url.clone());
        }
        let client = client.build().map_err(|e| StreamError::Config(e.to_string()))?;
        Ok(StreamClient {
            inner: Arc::new(Inner {
                semaphore: Arc::new(Semaphore::new(self.max_in_flight)),
                dedup: Mutex::new(Dedup::new(self.dedup.0, self.dedup.1)),
                client,
                config: self,
                connections: watch::channel(0).0,
            }),
        })
    }
}

/// A Stream-mode listener. [`start`](Self::start) runs it in the background.
#[derive(Clone)]
pub struct StreamClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for StreamClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamClient").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

struct Inner {
    config: StreamBuilder,
    client: dingtalk_oapi::Client,
    semaphore: Arc<Semaphore>,
    dedup: Mutex<Dedup>,
    /// How many WebSocket connections are open now.
    connections: watch::Sender<usize>,
}

impl Inner {
    fn dedup(&self) -> std::sync::MutexGuard<'_, Dedup> {
        self.dedup.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The stop signal: `Some(deadline)` for the in-flight handlers once a stop is asked.
type Stop = watch::Receiver<Option<Instant>>;

impl StreamClient {
    /// A listener for the app `app_key` (its client ID) with its secret.
    pub fn builder(app_key: impl Into<String>, app_secret: impl Into<String>) -> StreamBuilder {
        StreamBuilder {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
            api_base_url: None,
            event: None,
            callbacks: Vec::new(),
            max_in_flight: 64,
            max_frame_bytes: 1024 * 1024,
            idle: Duration::from_secs(60),
            pong_timeout: Duration::from_secs(5),
            backoff: (Duration::from_secs(1), Duration::from_secs(60)),
            dedup: (Duration::from_secs(300), 10_000),
            max_opens_per_minute: 20,
            ua: format!("dingtalk-sdk-rust/v{}", env!("CARGO_PKG_VERSION")),
            local_ip: None,
        }
    }

    /// Runs the listener on the current Tokio runtime until [`StreamHandle::stop`].
    pub fn start(self) -> StreamHandle {
        let (stop_tx, stop_rx) = watch::channel(None);
        let connections = self.inner.connections.subscribe();
        let task = tokio::spawn(supervise(self.inner, stop_rx));
        StreamHandle { stop: stop_tx, task, connections }
    }
}

/// A running listener.
#[derive(Debug)]
pub struct StreamHandle {
    stop: watch::Sender<Option<Instant>>,
    task: tokio::task::JoinHandle<Result<(), StreamError>>,
    connections: watch::Receiver<usize>,
}

impl StreamHandle {
    /// How many WebSocket connections are open now (two while one replaces another).
    pub fn connections(&self) -> usize {
        *self.connections.borrow()
    }

    /// Waits until at least one connection is open; `false` if the listener ended first.
    pub async fn connected(&mut self) -> bool {
        self.connections.wait_for(|n| *n > 0).await.is_ok()
    }

    /// Whether the listener has ended (stopped, or refused for good: see [`stop`](Self::stop)).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops reading, lets the handlers in flight finish within `deadline` (their acks are
    /// sent), closes each connection with 1000 and returns how the listener ended (an
    /// [`StreamError::Auth`] if DingTalk refused the credentials before any connection).
    pub async fn stop(self, deadline: Duration) -> Result<(), StreamError> {
        let _ = self.stop.send(Some(Instant::now() + deadline.min(MAX_STOP_DEADLINE)));
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(StreamError::Config(format!("the listener task failed: {e}"))),
        }
    }
}

/// Keeps one connection open: opens a new one when the current ends (with backoff) or is
/// retired by the gateway (at once, while the old one is still read).
async fn supervise(inner: Arc<Inner>, mut stop: Stop) -> Result<(), StreamError> {
    let (retire_tx, mut retire_rx) = mpsc::channel::<u64>(8);
    let mut connections: JoinSet<ConnectionEnd> = JoinSet::new();
    let mut current: Option<u64> = None;
    let mut next_id = 0u64;
    let mut failures = 0u32;
    let mut opens: VecDeque<Instant> = VecDeque::new();
    let mut connected_once = false;
    let mut result = Ok(());
    'run: loop {
        if current.is_none() {
            // No storm: at most `max_opens_per_minute` opens in any minute.
            while opens.len() >= inner.config.max_opens_per_minute {
                let oldest = opens[0];
                let wait = Duration::from_secs(60).saturating_sub(oldest.elapsed());
                if wait.is_zero() {
                    opens.pop_front();
                } else if !sleep_unless_stopped(wait, &mut stop).await {
                    break 'run;
                }
            }
            opens.push_back(Instant::now());
            let opened = tokio::select! {
                opened = open(&inner) => opened,
                _ = stop.changed() => break 'run,
            };
            match opened {
                Ok(ws) => {
                    connected_once = true;
                    next_id += 1;
                    current = Some(next_id);
                    connections.spawn(connection(inner.clone(), next_id, ws, retire_tx.clone(), stop.clone()));
                }
                Err(e @ StreamError::Auth { .. }) if !connected_once => {
                    tracing::error!(error = %e, "dingtalk stream: credentials refused; not retrying");
                    result = Err(e);
                    break 'run;
                }
                Err(e) => {
                    let wait = backoff(&inner.config, failures);
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "dingtalk stream: cannot connect");
                    if !sleep_unless_stopped(wait, &mut stop).await {
                        break 'run;
                    }
                    continue;
                }
            }
        }
        tokio::select! {
            _ = stop.changed() => break 'run,
            Some(id) = retire_rx.recv() => {
                if current == Some(id) {
                    tracing::info!(connection = id, "dingtalk stream: the gateway retires the connection; opening its replacement");
                    current = None;
                    failures = 0;
                }
            }
            Some(ended) = connections.join_next() => {
                let Ok(ended) = ended else { continue };
                if current == Some(ended.id) {
                    current = None;
                    if ended.healthy {
                        failures = 0;
                    }
                    let wait = backoff(&inner.config, failures);
                    failures = failures.saturating_add(1);
                    tracing::warn!(connection = ended.id, retry_in_ms = wait.as_millis() as u64, "dingtalk stream: connection lost; reconnecting");
                    if !sleep_unless_stopped(wait, &mut stop).await {
                        break 'run;
                    }
                }
            }
        }
    }
    // Each connection sees the stop too: it finishes its handlers, then closes with 1000.
    while connections.join_next().await.is_some() {}
    result
}

/// Waits `wait`; `false` when a stop came first.
async fn sleep_unless_stopped(wait: Duration, stop: &mut Stop) -> bool {
    if stop.borrow().is_some() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = stop.changed() => false,
    }
}

/// The wait after `failures` failures in a row: exponential, capped, with up to 20 % jitter.
fn backoff(config: &StreamBuilder, failures: u32) -> Duration {
    let (initial, max) = config.backoff;
    let base = initial.saturating_mul(1u32 << failures.min(16)).min(max);
    base.mul_f64(1.0 + rand::random::<f64>() * 0.2).min(max.mul_f64(1.2))
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The open call, then the WebSocket with the ticket.
async fn open(inner: &Inner) -> Result<Socket, StreamError> {
    let config = &inner.config;
    let mut subscriptions = Vec::new();
    if config.event.is_some() {
        subscriptions.push(StreamSubscription::new().r#type("EVENT").topic("*"));
    }
    for (topic, _) in &config.callbacks {
        subscriptions.push(StreamSubscription::new().r#type("CALLBACK").topic(topic.clone()));
    }
    let mut call = inner
        .client
        .gateway_1_0()
        .open_connection(config.app_key.clone(), config.app_secret.clone(), subscriptions)
        .ua(config.ua.clone());
    if let Some(ip) = &config.local_ip {
        call = call.local_ip(ip.clone());
    }
    let opened = match call.send().await {
        Ok(opened) => opened,
        Err(dingtalk_oapi::Error::Api(e)) if e.status == 401 || e.code.to_string().contains("authFailed") => {
            return Err(StreamError::Auth { status: e.status, code: e.code.to_string(), message: e.errmsg.clone() });
        }
        Err(e) => return Err(StreamError::Open(e.to_string())),
    };
    let (Some(endpoint), Some(ticket)) =
        (opened.endpoint.filter(|s| !s.is_empty()), opened.ticket.filter(|s| !s.is_empty()))
    else {
        return Err(StreamError::Open("the answer has no endpoint or ticket".into()));
    };
    let mut url =
        url::Url::parse(&endpoint).map_err(|e| StreamError::Open(format!("the endpoint is not a URL: {e}")))?;
    match url.scheme() {
        "wss" => {}
        "ws" if is_loopback(&url) => {}
        "ws" => return Err(StreamError::Open("the endpoint is ws:// to a host that is not loopback".into())),
        other => return Err(StreamError::Open(format!("the endpoint's scheme `{other}` is not a WebSocket"))),
    }
    url.query_pairs_mut().append_pair("ticket", &ticket);
    let ws_config =
        WebSocketConfig::default().max_message_size(Some(HARD_MESSAGE_LIMIT)).max_frame_size(Some(HARD_MESSAGE_LIMIT));
    dingtalk_oapi::runtime::transport::install_crypto_provider();
    let tls = <rustls::ClientConfig as rustls_platform_verifier::ConfigVerifierExt>::with_platform_verifier()
        .map_err(|e| StreamError::Connect(format!("no TLS roots: {e}")))?;
    let connector = tokio_tungstenite::Connector::Rustls(Arc::new(tls));
    let connect =
        tokio_tungstenite::connect_async_tls_with_config(url.as_str(), Some(ws_config), false, Some(connector));
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok((socket, _))) => Ok(socket),
        // The URL holds the ticket: the error names the host only.
        Ok(Err(e)) => Err(StreamError::Connect(format!("{}: {e}", url.host_str().unwrap_or("?")))),
        Err(_) => Err(StreamError::Connect(format!(
            "{}: no handshake within {CONNECT_TIMEOUT:?}",
            url.host_str().unwrap_or("?")
        ))),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

struct ConnectionEnd {
    id: u64,
    /// It carried frames (or lived long enough): the backoff starts over.
    healthy: bool,
}

/// One WebSocket: reads frames, answers pings, hands events and callbacks to handlers, acks.
async fn connection(
    inner: Arc<Inner>,
    id: u64,
    socket: Socket,
    retire: mpsc::Sender<u64>,
    mut stop: Stop,
) -> ConnectionEnd {
    inner.connections.send_modify(|n| *n += 1);
    let started = Instant::now();
    let (mut sink, mut stream) = socket.split();
    let (out, mut out_rx) = mpsc::channel::<Message>(inner.config.max_in_flight + 64);
    let writer = tokio::spawn(async move {
        while let Some(message) = out_rx.recv().await {
            let close = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || close {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut handlers: JoinSet<()> = JoinSet::new();
    let mut healthy = false;
    let mut last_frame = Instant::now();
    let mut ping_sent: Option<Instant> = None;
    let mut retired_at: Option<Instant> = None;
    let period =
        (inner.config.idle.min(inner.config.pong_timeout) / 2).clamp(Duration::from_millis(5), Duration::from_secs(1));
    let mut tick = tokio::time::interval(period);
    let stopping = loop {
        tokio::select! {
            _ = stop.changed() => break true,
            _ = tick.tick() => {
                if ping_sent.is_some_and(|at| at.elapsed() > inner.config.pong_timeout) {
                    tracing::warn!(connection = id, "dingtalk stream: no answer to a ping; the connection is dead");
                    break false;
                }
                if ping_sent.is_none()
                    && last_frame.elapsed() >= inner.config.idle
                    && out.try_send(Message::Ping(Vec::new().into())).is_ok()
                {
                    ping_sent = Some(Instant::now());
                }
                if retired_at.is_some_and(|at| at.elapsed() > RETIRED_GRACE) {
                    break false;
                }
            }
            Some(_) = handlers.join_next(), if !handlers.is_empty() => {}
            message = stream.next() => {
                let message = match message {
                    Some(Ok(message)) => message,
                    Some(Err(e)) => {
                        tracing::warn!(connection = id, error = %e, "dingtalk stream: the connection failed");
                        break false;
                    }
                    None => break false,
                };
                last_frame = Instant::now();
                ping_sent = None;
                match message {
                    Message::Text(text) => {
                        if text.len() > inner.config.max_frame_bytes {
                            tracing::warn!(connection = id, bytes = text.len(), "dingtalk stream: frame over max_frame_bytes skipped");
                            continue;
                        }
                        match Frame::parse(text.as_str()) {
                            Ok(frame) => {
                                healthy = true;
                                if dispatch(&inner, frame, &out, &mut handlers) == Dispatched::Retired && retired_at.is_none() {
                                    retired_at = Some(Instant::now());
                                    let _ = retire.try_send(id);
                                }
                            }
                            Err(e) => tracing::warn!(connection = id, error = %e, "dingtalk stream: frame skipped"),
                        }
                    }
                    Message::Binary(bytes) => {
                        tracing::warn!(connection = id, bytes = bytes.len(), "dingtalk stream: binary frame skipped");
                    }
                    Message::Close(_) => break false,
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                }
            }
        }
    };
    if stopping {
        // Graceful stop: the handlers in flight finish (and ack) until the deadline.
        let deadline = stop.borrow().unwrap_or_else(Instant::now);
        let drained = async { while handlers.join_next().await.is_some() {} };
        let _ = tokio::time::timeout_at(deadline.into(), drained).await;
        handlers.abort_all();
        let close = CloseFrame { code: CloseCode::Normal, reason: "stopping".into() };
        let _ = out.send(Message::Close(Some(close))).await;
    } else {
        // The connection is gone: handlers already running finish on their own (their acks
        // have nowhere to go; DingTalk pushes what was not acked again).
        handlers.detach_all();
    }
    drop(out);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    inner.connections.send_modify(|n| *n = n.saturating_sub(1));
    ConnectionEnd { id, healthy: healthy || started.elapsed() > Duration::from_secs(30) }
}

#[derive(Debug, PartialEq, Eq)]
enum Dispatched {
    Handled,
    Retired,
}

/// Acts on one frame: SYSTEM at once (on the reading task, so pings are answered even when
/// every handler is busy), EVENT and CALLBACK on handler tasks.
fn dispatch(inner: &Arc<Inner>, frame: Frame, out: &mpsc::Sender<Message>, handlers: &mut JoinSet<()>) -> Dispatched {
    let reply = |code: u16, message: &str, data: &Value| {
        if out.try_send(Message::Text(ack(&frame.message_id, code, message, data).into())).is_err() {
            tracing::warn!("dingtalk stream: the ack queue is full; ack dropped");
        }
    };
    match frame.kind {
        FrameType::System => {
            // ping: the same messageId and the echoed opaque; other topics acked too.
            reply(200, "OK", &frame.data);
            if frame.topic == "disconnect" {
                return Dispatched::Retired;
            }
        }
        FrameType::Event => {
            let Some(handler) = inner.config.event.clone() else {
                reply(404, "no event handler", &json!({"status": "LATER"}));
                return Dispatched::Handled;
            };
            let event = Event {
                message_id: frame.message_id.clone(),
                event_type: frame.header("eventType").unwrap_or_default(),
                event_id: frame.header("eventId"),
                corp_id: frame.header("eventCorpId"),
                born_time: frame.header("eventBornTime").and_then(|t| t.parse().ok()),
                unified_app_id: frame.header("eventUnifiedAppId"),
                headers: frame.headers.clone(),
                data: frame.data.clone(),
            };
            let mut keys = vec![format!("m:{}", frame.message_id)];
            if let Some(event_id) = &event.event_id {
                keys.push(format!("e:{event_id}"));
            }
            run(inner, &frame, keys, out, handlers, async move { handler(event).await.map(|()| Value::Null) }, true);
        }
        FrameType::Callback => {
            let Some(handler) = inner.config.callbacks.iter().find(|(t, _)| *t == frame.topic).map(|(_, h)| h.clone())
            else {
                reply(404, "topic not subscribed", &json!({"response": null}));
                return Dispatched::Handled;
            };
            let callback = Callback {
                topic: frame.topic.clone(),
                message_id: frame.message_id.clone(),
                headers: frame.headers.clone(),
                data: frame.data.clone(),
            };
            let keys = vec![format!("m:{}", frame.message_id)];
            run(inner, &frame, keys, out, handlers, async move { handler(callback).await }, false);
        }
    }
    Dispatched::Handled
}

/// Runs a handler on its own task under the in-flight bound and acks its outcome.
fn run(
    inner: &Arc<Inner>,
    frame: &Frame,
    keys: Vec<String>,
    out: &mpsc::Sender<Message>,
    handlers: &mut JoinSet<()>,
    work: impl Future<Output = Result<Value, HandlerError>> + Send + 'static,
    event: bool,
) {
    let message_id = frame.message_id.clone();
    let success_ack = move |message_id: &str| {
        let data = if event { json!({"status": "SUCCESS", "message": "success"}) } else { json!({"response": null}) };
        ack(message_id, 200, "OK", &data)
    };
    match inner.dedup().begin(&keys, Instant::now()) {
        Seen::New => {}
        Seen::InFlight => {
            tracing::debug!(message_id, "dingtalk stream: a redelivery of a message being handled; dropped");
            return;
        }
        Seen::Done => {
            tracing::debug!(message_id, "dingtalk stream: a redelivery of a handled message; acked again");
            let _ = out.try_send(Message::Text(success_ack(&message_id).into()));
            return;
        }
    }
    let Ok(permit) = inner.semaphore.clone().try_acquire_owned() else {
        tracing::warn!(message_id, "dingtalk stream: max_in_flight handlers busy; left unacked for redelivery");
        inner.dedup().finish(&keys, false, Instant::now());
        return;
    };
    let inner = inner.clone();
    let out = out.clone();
    handlers.spawn(async move {
        // On its own task, so that a panic is an outcome, not the end of the connection.
        let outcome = tokio::spawn(work).await;
        let (text, success) = match outcome {
            Ok(Ok(response)) if !event => (ack(&message_id, 200, "OK", &json!({ "response": response })), true),
            Ok(Ok(_)) => (success_ack(&message_id), true),
            Ok(Err(e)) => {
                tracing::warn!(message_id, error = %e, "dingtalk stream: handler failed");
                (failure_ack(&message_id, event), false)
            }
            Err(e) => {
                tracing::error!(message_id, error = %e, "dingtalk stream: handler panicked");
                (failure_ack(&message_id, event), false)
            }
        };
        inner.dedup().finish(&keys, success, Instant::now());
        let _ = out.send(Message::Text(text.into())).await;
        drop(permit);
    });
}

fn failure_ack(message_id: &str, event: bool) -> String {
    if event {
        // LATER: DingTalk pushes the event again.
        ack(message_id, 200, "OK", &json!({"status": "LATER", "message": "later"}))
    } else {
        ack(message_id, 500, "handler failed", &json!({"response": null}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_settings_are_capped_not_a_panic() {
        let builder = StreamClient::builder("k", "s").backoff(Duration::MAX, Duration::MAX);
        for failures in [0, 5, 40, u32::MAX] {
            assert!(backoff(&builder, failures) <= MAX_BACKOFF.mul_f64(1.2));
        }
        let builder = StreamClient::builder("k", "s").backoff(Duration::from_millis(100), Duration::from_secs(1));
        assert!(
            backoff(&builder, 0) >= Duration::from_millis(100) && backoff(&builder, 0) <= Duration::from_millis(120)
        );
        assert!(backoff(&builder, 30) <= Duration::from_millis(1200));
    }

    #[tokio::test]
    async fn a_stop_with_a_huge_deadline_is_not_a_panic() {
        let handle = StreamClient::builder("k", "s")
            .api_base_url("http://127.0.0.1:9")
            .backoff(Duration::from_secs(3600), Duration::from_secs(3600))
            .on_event(|_| async { Ok(()) })
            .build()
            .unwrap()
            .start();
        handle.stop(Duration::MAX).await.unwrap();
    }
}
