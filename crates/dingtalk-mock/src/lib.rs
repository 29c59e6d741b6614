//! A faithful fake DingTalk OAPI server, for tests.
//!
//! Every operation of the spec is served from its generated [`OperationDescriptor`](dingtalk_oapi::OperationDescriptor) (the
//! `dingtalk_oapi::generated::OPERATIONS` list): its method and path, where its parameters travel,
//! their types and constraints, its documented error codes, its examples and its `mock:` behaviour.
//! A new operation in the spec is served as soon as the code is regenerated; nothing here names an
//! endpoint. The operations that issue tokens are the spec's `tokens:` issuers, answered from that
//! description; the codes of each answer (a missing token, a busy system, a rate limit) are the
//! service's codes with that `role:`; and each generation's envelope is its
//! [`Protocol`](dingtalk_oapi::runtime::protocol::Protocol), so both API generations take one
//! answering path.
//!
//! ```no_run
//! # async fn run() -> Result<(), dingtalk_mock::MockError> {
//! use dingtalk_mock::{Fault, MockServer};
//!
//! let server = MockServer::builder().app("dingkey", "secret").access_token("t0ken").start().await?;
//! server.inject("ListLabelGroups", Fault::SystemBusy, 1);
//! // ... point a client at server.url() ...
//! assert!(server.requests().iter().all(|r| r.operation.is_some()));
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! How the server answers, in order (codes as the old OAPI's; the new API answers its own, with
//! their HTTP statuses, in `{"code","message","requestid"}`):
//! 1. An unknown path gets HTTP 404 `{"errcode":404,"errmsg":"no such API: <path>"}`; a known path
//!    with another method HTTP 405. A body over [`MAX_BODY_BYTES`] gets HTTP 413. Under the new
//!    API's first segment (`/v1.0/…`) the same statuses carry its envelope instead:
//!    `{"code":"NotFound"|"MethodNotAllowed"|"PayloadTooLarge","message":…,"requestid":…}`.
//! 2. The request is recorded (see [`MockServer::requests`]).
//! 3. A fault injected for the operation is consumed (see [`Fault`]).
//! 4. Operations that require a token check it: missing or unknown → 33009, expired or
//!    invalidated → 40014 (the new API: `InvalidAuthentication`, HTTP 401). A webhook's
//!    operation (its service issues no tokens: the custom robot's) is checked by the robot the
//!    token names instead: signature, `Content-Type`, message type and 20 messages a minute (see
//!    [`MockServer::robot_messages`]).
//! 5. Parameters are checked against the descriptor (required, types, min/max, max_length,
//!    max_items, nested objects) and the stores they reference; a failure answers the
//!    operation's error code tied to that parameter, else 40035 (`InvalidParameter`).
//! 6. A token issuer of the spec checks the credentials its description names (an app's key and
//!    secret; a suite's key with its secret or its signature of the ticket) and issues a token
//!    per service; else the operation's `mock:` action runs over the in-memory stores; else its
//!    first example response (or, without one, a sample built from its response schema) is
//!    answered with a fresh `request_id`.

//!
//! The server is also a Stream-mode gateway: `POST /v1.0/gateway/connections/open` hands out a
//! one-time ticket for `ws://<its address>/connect`, where tests push EVENT and CALLBACK frames,
//! pings and disconnects to a client and read its acks (see [`MockServer::push_stream_event`]
//! and the `stream_*` methods). It sends robot messages ([`MockServer::push_robot_message`])
//! whose `sessionWebhook` takes replies ([`MockServer::robot_session`],
//! [`MockServer::session_messages`]), and address-book EVENTs when a call changes the
//! directory (see [`MockBuilder::stream_store_events`]).

#![warn(missing_docs)]

mod control;
mod data;
mod events;
mod handler;
mod ids;
mod multipart;
mod push;
mod redis_server;
mod robot;
mod server;
mod session;
mod state;
mod store;
mod stream;
mod validate;

use std::collections::BTreeSet;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dingtalk_oapi::runtime::MockDescriptor;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::{Config, Shared};

pub use multipart::ReceivedFile;
pub use push::{PushError, push_event};
pub use redis_server::RedisServer;
pub use robot::RobotMessage;
pub use session::{MAX_ROBOT_SESSIONS, MAX_SESSION_MESSAGES, SessionMessage};
pub use stream::{
    DEFAULT_STREAM_DISCONNECT_GRACE, DEFAULT_STREAM_REDELIVERY_AFTER, DEFAULT_STREAM_REDELIVERY_ATTEMPTS,
    DEFAULT_STREAM_TICKET_TTL, MAX_QUEUED_STREAM_FRAMES, MAX_STREAM_ACKS, MAX_STREAM_FRAME_BYTES,
    STREAM_DISCONNECT_REASON, STREAM_EVENT_CORP_ID, STREAM_UNIFIED_APP_ID, StreamAck, StreamFrameType, StreamOpen,
    StreamSubscription,
};

/// `expires_in` of issued tokens unless [`MockBuilder::token_ttl`] says otherwise.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(7200);
/// Largest request body accepted; a larger one gets HTTP 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest body of a multipart operation (an upload: `/media/upload` takes files of 20 MB).
pub const MAX_UPLOAD_BODY_BYTES: usize = 24 * 1024 * 1024;
/// How many requests [`MockServer::requests`] keeps (the most recent ones).
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
/// The store a bare JSON array given to [`MockBuilder::data`] fills.
pub const DEFAULT_STORE: &str = "label_groups";

/// A fault to answer instead of (or before) the normal response; see [`MockServer::inject`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 200 `{"errcode":-1,"errmsg":"System busy","request_id":…}`.
    ///
    /// Operations of the new API answer each fault in its own envelope: `SystemBusy` and
    /// `IspBusy` as HTTP 503 `{"code":"ServiceUnavailable",…}` (this server's choice: our sources
    /// name no code for it), `RateLimited` as HTTP 403 `Forbidden.AccessDenied.QpsLimitForApi`,
    /// `TokenExpired` as HTTP 401 `InvalidAuthentication`.
    SystemBusy,
    /// HTTP 200 `{"errcode":15,"errmsg":…,"sub_code":"isp.-1","sub_msg":"system busy","request_id":…}`.
    IspBusy,
    /// HTTP 200 `{"errcode":90002,"errmsg":…,"request_id":…}`.
    RateLimited,
    /// HTTP 500 with a short `text/plain` body.
    Http500,
    /// HTTP 502 with a `text/html` error page, as a gateway in front of the API answers.
    Http502Html,
    /// Waits this long, then answers normally.
    Delay(Duration),
    /// HTTP 200 errcode 40014 whatever the token; an issued token is also invalidated, so the
    /// client must get a new one (a token configured with [`MockBuilder::access_token`] is not).
    TokenExpired,
    /// Closes the TCP connection without sending any response.
    DropConnection,
    /// HTTP 200 `{"status":1111,"wait":5}`: the per-IP flood protection, with no `errcode`.
    FloodProtection,
    /// The monthly call quota is used up: HTTP 200 errcode 90020 (old OAPI), HTTP 403
    /// `Forbidden.AccessDenied.ApiCountLimitForOrg` (new API). Never worth retrying.
    QuotaExhausted,
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query string's pairs, decoded, in order (including `access_token` if it was there).
    pub query: Vec<(String, String)>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, as text (invalid UTF-8 replaced); empty for a body over [`MAX_BODY_BYTES`].
    pub body: String,
    /// The descriptor name of the operation the path and method matched.
    pub operation: Option<String>,
    /// Query and body parameters merged (the body wins), as parsed and before any coercion:
    /// form and query values are strings, a parameter repeated is an array; `access_token` left out.
    pub params: serde_json::Map<String, Value>,
    /// The access token: from the query string or a form body (old OAPI), from the
    /// `x-acs-dingtalk-access-token` header (new API).
    pub access_token: Option<String>,
    /// The request's headers, names lower-case, in order (the token header included).
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why the server could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// A data file could not be read.
    #[error("cannot read data file {}: {source}", path.display())]
    ReadDataFile {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A data file is not valid JSON, or its data do not fit the stores.
    #[error("bad data file {}: {reason}", path.display())]
    DataFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Data given in code do not fit the stores.
    #[error("bad mock data: {reason}")]
    Data {
        /// What is wrong with them.
        reason: String,
    },
    /// The server could not listen.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address it tried.
        addr: String,
        /// Why it could not.
        source: std::io::Error,
    },
}

/// Contents given to [`MockBuilder::data`] for one store, and where they came from.
struct StoreData {
    origin: Option<PathBuf>,
    store: String,
    items: Vec<Value>,
}

/// Sets up a [`MockServer`].
#[must_use]
pub struct MockBuilder {
    port: u16,
    tokens: Vec<String>,
    apps: Vec<(String, String)>,
    suites: Vec<(String, String)>,
    ttl: Duration,
    qps_limit: Option<u32>,
    data: Vec<StoreData>,
    callback: Option<(String, dingtalk_oapi::callback::CallbackCrypto)>,
    operations: &'static [&'static MockDescriptor],
    /// (name, token, secret).
    robots: Vec<(String, String, Option<String>)>,
    robot_penalty: Duration,
    stream: stream::StreamSettings,
}

impl fmt::Debug for MockBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockBuilder")
            .field("port", &self.port)
            .field("access_tokens", &self.tokens.len())
            .field("apps", &self.apps.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("suites", &self.suites.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("token_ttl", &self.ttl)
            .field("stores", &self.data.iter().map(|d| (&d.store, d.items.len())).collect::<Vec<_>>())
            .field("operations", &self.operations.len())
            .field("robots", &self.robots.iter().map(|(name, ..)| name).collect::<Vec<_>>())
            .field("stream", &self.stream)
            .finish()
    }
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            port: 0,
            tokens: Vec::new(),
            apps: Vec::new(),
            suites: Vec::new(),
            ttl: DEFAULT_TOKEN_TTL,
            qps_limit: None,
            data: Vec::new(),
            callback: None,
            operations: dingtalk_oapi::generated::mock::OPERATIONS,
            robots: Vec::new(),
            robot_penalty: robot::DEFAULT_PENALTY,
            stream: stream::StreamSettings::default(),
        }
    }
}

impl MockBuilder {
    /// The port to listen on (on 127.0.0.1); 0, the default, picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// A token accepted forever; may be called several times.
    ///
    /// Without any, the tokens printed in the spec's curl examples are accepted, so a documented
    /// example works verbatim.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.tokens.push(token.into());
        self
    }

    /// App credentials `GET /gettoken` accepts; may be called several times. The Stream-mode
    /// gateway's open call (`POST /v1.0/gateway/connections/open`) accepts them as `clientId`
    /// and `clientSecret`; without any, it accepts any non-empty pair.
    pub fn app(mut self, app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        self.apps.push((app_key.into(), app_secret.into()));
        self
    }

    /// A third-party suite whose signature `POST /service/get_corp_token` then checks. Without
    /// any suite, that call issues a token for any `accessKey` and `signature`.
    pub fn suite(mut self, suite_key: impl Into<String>, suite_secret: impl Into<String>) -> Self {
        self.suites.push((suite_key.into(), suite_secret.into()));
        self
    }

    /// The callback URL events are pushed to ([`MockServer::push_event`]), with the
    /// registration's token, EncodingAESKey and owner key in `crypto`.
    pub fn callback(mut self, url: impl Into<String>, crypto: dingtalk_oapi::callback::CallbackCrypto) -> Self {
        self.callback = Some((url.into(), crypto));
        self
    }

    /// A custom robot: its webhook (`{url}/robot/send?access_token={token}`) accepts messages
    /// as DingTalk's does (see [`RobotMessage`] and the checks listed on
    /// [`robot_messages`](MockServer::robot_messages)); with a `secret`, only signed ones.
    pub fn robot(mut self, name: impl Into<String>, token: impl Into<String>, secret: Option<&str>) -> Self {
        self.robots.push((name.into(), token.into(), secret.map(str::to_owned)));
        self
    }

    /// How long a robot that sent more than 20 messages in a minute stays throttled (default
    /// 10 minutes, DingTalk's).
    pub fn robot_penalty(mut self, penalty: Duration) -> Self {
        self.robot_penalty = penalty;
        self
    }

    /// Refuses calls past `limit` per second for one token and path, as DingTalk does past an
    /// app's per-API rate limit (counted per wall-clock second): errcode 90018 on the old OAPI,
    /// HTTP 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` on the new API.
    pub fn qps_limit(mut self, limit: u32) -> Self {
        self.qps_limit = Some(limit);
        self
    }

    /// How long issued tokens live (`expires_in`, in whole seconds); default 7200 s.
    /// An issued token past it is rejected with 40014.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Replaces the contents of the stores named: a JSON object keyed by store name, each an
    /// array of objects (e.g. `{"label_groups": [...]}`), or a bare array for the
    /// [`DEFAULT_STORE`]. Stores not named keep their defaults (the items of the first example
    /// response of the operation that lists them).
    pub fn data(mut self, data: Value) -> Result<Self, MockError> {
        let stores = data::parse_data(data).map_err(|reason| MockError::Data { reason })?;
        self.data.extend(stores.into_iter().map(|(store, items)| StoreData { origin: None, store, items }));
        Ok(self)
    }

    /// [`data`](Self::data) read from a JSON file.
    pub fn data_file(mut self, path: impl AsRef<Path>) -> Result<Self, MockError> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|source| MockError::ReadDataFile { path: path.to_owned(), source })?;
        let value: Value = serde_json::from_slice(&text)
            .map_err(|e| MockError::DataFile { path: path.to_owned(), reason: format!("not valid JSON: {e}") })?;
        let stores = data::parse_data(value).map_err(|reason| MockError::DataFile { path: path.to_owned(), reason })?;
        self.data.extend(stores.into_iter().map(|(store, items)| StoreData {
            origin: Some(path.to_owned()),
            store,
            items,
        }));
        Ok(self)
    }

    /// Serves these operations instead of the spec's (`dingtalk_oapi::generated::mock::OPERATIONS`),
    /// e.g. hand-made descriptors in a test.
    pub fn operations(mut self, operations: &'static [&'static MockDescriptor]) -> Self {
        self.operations = operations;
        self
    }

    /// How long a Stream-mode ticket (from `POST /v1.0/gateway/connections/open`) stays good
    /// for its one connection; default [`DEFAULT_STREAM_TICKET_TTL`], 90 s as DingTalk's.
    pub fn stream_ticket_ttl(mut self, ttl: Duration) -> Self {
        self.stream.ticket_ttl = ttl;
        self
    }

    /// How long a Stream connection stays open (still taking acks, getting no new pushes) after
    /// [`MockServer::stream_disconnect`] sent its SYSTEM `disconnect`; default
    /// [`DEFAULT_STREAM_DISCONNECT_GRACE`], 10 s.
    pub fn stream_disconnect_grace(mut self, grace: Duration) -> Self {
        self.stream.disconnect_grace = grace;
        self
    }

    /// Sends every Stream connection a SYSTEM `ping` this often (see
    /// [`MockServer::stream_ping`]); off by default, as the real interval is unknown.
    pub fn stream_ping_interval(mut self, every: Duration) -> Self {
        self.stream.ping_interval = Some(every);
        self
    }

    /// When a Stream EVENT is sent again: `after` its delivery with no ack, or `after` an ack
    /// with status `LATER`; at most `max_attempts` deliveries in all, the first included.
    /// Defaults [`DEFAULT_STREAM_REDELIVERY_AFTER`] (60 s) and
    /// [`DEFAULT_STREAM_REDELIVERY_ATTEMPTS`] (3); DingTalk's own schedule is unknown.
    pub fn stream_redelivery(mut self, after: Duration, max_attempts: u32) -> Self {
        self.stream.redelivery_after = after;
        self.stream.redelivery_attempts = max_attempts;
        self
    }

    /// Whether a call that changes the directory through a `mock:` create, update or delete
    /// (the stores `users`, `departments` and `contacts`) pushes the matching Stream EVENT
    /// (`user_add_org`/`user_modify_org`/`user_leave_org`,
    /// `org_dept_create`/`org_dept_modify`/`org_dept_remove`) to a Stream connection subscribed
    /// to EVENT `*`, as [`MockServer::push_stream_event`] does.
    ///
    /// By default (not called) they are pushed once such a connection has ever connected, so a
    /// server nobody listens to queues nothing. `true` pushes them from the start (they wait in
    /// the queue, up to [`MAX_QUEUED_STREAM_FRAMES`], for the first subscriber); `false` never.
    /// The event's data is `{"userId": [id], "timeStamp": ms}` (users, external contacts) or
    /// `{"deptId": [id], "timeStamp": ms}` (departments); the external-contact event types
    /// (`ext_contact_add`, `ext_contact_modify`, `ext_contact_remove`) are UNCONFIRMED.
    /// Pushing never delays the call.
    pub fn stream_store_events(mut self, on: bool) -> Self {
        self.stream.store_events = Some(on);
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current Tokio runtime.
    pub async fn start(self) -> Result<MockServer, MockError> {
        let known: BTreeSet<&str> = data::known_stores(self.operations);
        let mut stores = data::default_stores(self.operations, dingtalk_oapi::generated::mock::SANDBOX);
        for d in self.data {
            if !known.contains(d.store.as_str()) {
                let known: Vec<&str> = known.iter().copied().collect();
                let reason = format!(
                    "unknown store `{}` (the operations' stores are: {})",
                    d.store,
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                );
                return Err(match d.origin {
                    Some(path) => MockError::DataFile { path, reason },
                    None => MockError::Data { reason },
                });
            }
            if let Err(reason) = data::check_items(self.operations, &d.store, &d.items) {
                return Err(match d.origin {
                    Some(path) => MockError::DataFile { path, reason },
                    None => MockError::Data { reason },
                });
            }
            stores.insert(d.store, d.items);
        }
        let static_tokens = if self.tokens.is_empty() { data::example_tokens(self.operations) } else { self.tokens };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let listener =
            TcpListener::bind(addr).await.map_err(|source| MockError::Bind { addr: addr.to_string(), source })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind { addr: addr.to_string(), source })?;
        let (stop, stop_rx) = watch::channel(false);
        let apps: std::collections::HashMap<String, String> = self.apps.into_iter().collect();
        let config = Config {
            operations: self.operations,
            static_tokens: static_tokens.into_iter().collect(),
            stream: stream::Gateway::new(self.stream, apps.clone(), addr, stop_rx.clone()),
            sessions: session::Sessions::new(format!("http://{addr}")),
            apps,
            suites: self.suites.into_iter().collect(),
            ttl: self.ttl,
            robots: robot::Robots::new(self.robots, self.robot_penalty),
            qps_limit: self.qps_limit,
        };
        let shared = Arc::new(Shared::new(config, stores));
        stream::spawn(shared.clone());
        let task = tokio::spawn(server::serve(listener, handler::router(shared.clone()), stop_rx));
        Ok(MockServer { addr, shared, stop, task: Some(task), callback: self.callback })
    }
}

/// A running fake server; it stops when dropped or on [`shutdown`](Self::shutdown).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    callback: Option<(String, dingtalk_oapi::callback::CallbackCrypto)>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl MockServer {
    /// A server with the defaults, on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// If it cannot listen (use [`builder`](Self::builder) to get the error instead).
    pub async fn start() -> MockServer {
        match MockServer::builder().start().await {
            Ok(server) => server,
            Err(e) => panic!("dingtalk-mock: {e}"),
        }
    }

    /// Configures a server; [`MockBuilder::start`] starts it.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers the next `times` calls of `operation` (a descriptor name, e.g. `ListLabelGroups`)
    /// with `fault`, after the call is routed and recorded and before anything is checked.
    /// Faults injected for the same operation are consumed in the order they were injected.
    ///
    /// # Panics
    /// If no served operation has that name (a typo would otherwise inject nothing).
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        if let Err(known) = self.shared.inject(operation, fault, times) {
            panic!("dingtalk-mock: inject: no operation named `{operation}` (known: {})", known.join(", "));
        }
    }

    /// Pushes an event (its JSON message) to the configured callback URL as DingTalk does, and
    /// returns the decrypted reply (`success` from a well-behaved endpoint).
    pub async fn push_event(&self, message: &str) -> Result<String, PushError> {
        let Some((url, crypto)) = &self.callback else {
            return Err(PushError::NotConfigured);
        };
        push::push_event(url, crypto, message).await
    }

    /// The requests received, in arrival order (the last [`MAX_RECORDED_REQUESTS`] at most, and
    /// fewer if their bodies are very large).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// How many tokens `/gettoken` and `/service/get_corp_token` issued: every successful answer
    /// counts, including one that hands out the same still-valid token again.
    pub fn issued_tokens(&self) -> usize {
        self.shared.issued_tokens()
    }

    /// The messages the robots accepted, oldest first (the last 10,000). A robot's webhook
    /// refuses an unknown token (400101), a body not sent as `application/json` (43004), a
    /// missing, stale (over an hour) or wrong signature when it has a secret (310000), an unknown
    /// `msgtype` (400105), and the 21st message in any minute (410100, after which it stays
    /// throttled for the penalty).
    pub fn robot_messages(&self) -> Vec<RobotMessage> {
        self.shared.robots().accepted()
    }

    /// The files received in multipart bodies (uploads), oldest first: the last 64, at most
    /// 64 MiB of them together.
    pub fn uploads(&self) -> Vec<ReceivedFile> {
        self.shared.uploads()
    }

    /// A fresh in-app login code (what a client's `requestAuthCode` gives) for the user `userid`
    /// of the directory: `GetUserInfoByCode` answers that user for it. `None` for an unknown user.
    /// The sandbox also has one fixed code per user, `login-code-<userid>`.
    pub fn issue_login_code(&self, userid: &str) -> Option<String> {
        self.shared.issue_login_code(userid)
    }

    /// How many Stream-mode WebSocket connections are open now (counted from the handshake's
    /// answer until the connection closes).
    pub fn stream_connections(&self) -> usize {
        self.shared.stream().connections()
    }

    /// The well-formed `POST /v1.0/gateway/connections/open` calls, oldest first (the last
    /// 1,000), refused ones included; never their secrets.
    pub fn stream_opens(&self) -> Vec<StreamOpen> {
        self.shared.stream().opens()
    }

    /// Sends an EVENT frame of type `event_type` (e.g. `user_add_org`) with `data` to one
    /// Stream connection subscribed to EVENT `*`, chosen at random as DingTalk does; with none,
    /// the frame waits (up to [`MAX_QUEUED_STREAM_FRAMES`], the oldest dropped past it) and goes
    /// to the next one that connects. Returns its `messageId`.
    ///
    /// Until it is acked with status `SUCCESS` it is sent again, with the same messageId (see
    /// [`MockBuilder::stream_redelivery`]). A connection sent `disconnect` gets no new frames.
    pub fn push_stream_event(&self, event_type: &str, data: Value) -> String {
        self.shared.stream().push_event(event_type, &data)
    }

    /// Sends a CALLBACK frame on `topic` (e.g. `/v1.0/im/bot/messages/get`) with `data` to one
    /// Stream connection subscribed to that topic, as [`push_stream_event`](Self::push_stream_event)
    /// does, but never again (whether DingTalk redelivers callbacks is unknown). Returns its
    /// `messageId`.
    pub fn push_stream_callback(&self, topic: &str, data: Value) -> String {
        self.shared.stream().push(StreamFrameType::Callback, topic, serde_json::Map::new(), &data)
    }

    /// The frames the Stream clients sent, oldest first (the last [`MAX_STREAM_ACKS`]): acks,
    /// pongs (acks of a `ping`, with their latency) and invalid frames (`valid: false`, with a
    /// reason).
    pub fn stream_acks(&self) -> Vec<StreamAck> {
        self.shared.stream().acks()
    }

    /// The first kept ack of `message_id`, waiting up to `timeout` for it.
    pub async fn wait_for_stream_ack(&self, message_id: &str, timeout: Duration) -> Option<StreamAck> {
        self.shared.stream().wait_for_acks(message_id, 1, timeout).await.into_iter().next()
    }

    /// The kept acks of `message_id` once there are `count` of them (an EVENT acked `LATER`
    /// and then `SUCCESS` has two), or those there are after `timeout`.
    pub async fn wait_for_stream_acks(&self, message_id: &str, count: usize, timeout: Duration) -> Vec<StreamAck> {
        self.shared.stream().wait_for_acks(message_id, count, timeout).await
    }

    /// Sends a SYSTEM `ping` with a fresh `opaque` to every Stream connection; returns their
    /// messageIds. The client must answer code 200 with the same messageId and data echoing the
    /// opaque: the answer is a [`StreamAck`] with topic `ping` and its round trip in `latency`
    /// (invalid otherwise). Also sent periodically with [`MockBuilder::stream_ping_interval`].
    pub fn stream_ping(&self) -> Vec<String> {
        self.shared.stream().ping()
    }

    /// Sends a SYSTEM `disconnect` (`{"reason":"persistent connection is timeout"}`) to every
    /// Stream connection, then closes each after the grace
    /// ([`MockBuilder::stream_disconnect_grace`]); meanwhile it still takes acks but gets no new
    /// frames. Returns how many connections were told.
    pub fn stream_disconnect(&self) -> usize {
        self.shared.stream().disconnect()
    }

    /// Closes every Stream connection abruptly (the TCP connection, with no close frame), as a
    /// network failure would; returns how many there were.
    pub fn drop_stream_connections(&self) -> usize {
        self.shared.stream().drop_all()
    }

    /// Issues a robot session webhook living `ttl`, as a robot message's `sessionWebhook`:
    /// its full URL (`{url}/robot/sendBySession?session=…`) and its expiry in milliseconds
    /// since the Unix epoch (`sessionWebhookExpiredTime`). DingTalk's sessions live about
    /// 90 minutes (reference §8).
    ///
    /// The webhook takes `POST` with `Content-Type: application/json` and a `text`, `markdown`
    /// or `actionCard` message, with an optional `at`; it answers `{"errcode":0,"errmsg":"ok",…}`
    /// and keeps the message (see [`session_messages`](Self::session_messages)). It refuses an
    /// unknown or expired session (400101), another content type (43004), a body that is not a
    /// JSON object or lacks what its type needs (40035) and another `msgtype` (400105): the
    /// custom robot's codes, as the real ones are UNCONFIRMED. Served while the operations
    /// include the spec's `SendBySession`.
    pub fn robot_session(&self, ttl: Duration) -> (String, i64) {
        self.shared.sessions().issue(ttl)
    }

    /// The messages the session webhooks accepted, oldest first (the last
    /// [`MAX_SESSION_MESSAGES`], 64 MiB of them at most); also
    /// `GET /mock/robot/sessions/messages`.
    pub fn session_messages(&self) -> Vec<SessionMessage> {
        self.shared.sessions().messages()
    }

    /// Sends a robot message, as DingTalk does when someone writes to the robot: a CALLBACK on
    /// `/v1.0/im/bot/messages/get` (see [`push_stream_callback`](Self::push_stream_callback))
    /// whose data has the fields of reference §8, a `text` message with `text` as its content,
    /// from the user `sender_staff_id` (its `senderNick` and `isAdmin` from the `users` store
    /// when it is there), in a 1:1 chat (`conversation_type` `"1"`) or a group (`"2"`, where the
    /// robot is @-mentioned), with a fresh [`robot_session`](Self::robot_session) of 90 minutes
    /// as its `sessionWebhook`. Returns the frame's messageId.
    ///
    /// The ids (`conversationId`, `msgId`, `senderId`, `chatbotUserId`) are made up in the
    /// shapes DingTalk's have; `robotCode` is the first app key given to
    /// [`MockBuilder::app`] (an internal app's robot code is its app key), else
    /// `dingmockrobot0000000`.
    pub fn push_robot_message(&self, text: &str, sender_staff_id: &str, conversation_type: &str) -> String {
        let users = self.shared.store("users").unwrap_or_default();
        let user = users.iter().find(|u| u.get("userid").and_then(Value::as_str) == Some(sender_staff_id));
        let data = session::robot_message(session::RobotMessageParts {
            text,
            sender_staff_id,
            conversation_type,
            sender_nick: user.and_then(|u| u.get("name")).and_then(Value::as_str),
            is_admin: user.and_then(|u| u.get("admin")).and_then(Value::as_bool).unwrap_or(false),
            robot_code: self.shared.stream().first_app(),
            session: self.robot_session(Duration::from_secs(90 * 60)),
        });
        self.push_stream_callback(session::ROBOT_TOPIC, data)
    }

    /// The current contents of a store, or `None` if no operation uses it.
    pub fn store(&self, name: &str) -> Option<Vec<Value>> {
        self.shared.store(name)
    }

    /// Stops accepting connections, lets requests in flight finish (for up to a few seconds)
    /// and waits until everything has stopped.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
