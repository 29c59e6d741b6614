//! The Stream-mode gateway, as DingTalk runs it (facts from `/work/shared/reference/stream-mode.md`,
//! "the reference" below; the section numbers are its).
//!
//! 1. `POST /v1.0/gateway/connections/open` takes `{clientId, clientSecret, subscriptions, ua?,
//!    localIp?}` and answers `{"endpoint": "ws://<this server>/connect", "ticket": …}` (§1). A
//!    ticket is good for one connection and for [`DEFAULT_STREAM_TICKET_TTL`] (§1).
//! 2. `GET /connect?ticket=…` upgrades to a WebSocket; the connection keeps the subscriptions of
//!    its ticket (§2).
//! 3. The server sends text frames `{"specVersion","type","headers","data"}` whose `data` is JSON
//!    text (§3); the client answers each with `{"code","headers":{"messageId"},"message","data"}`
//!    (§4), and must answer a SYSTEM `ping` with code 200 echoing its `opaque` (§5).
//!
//! Where the reference says UNCONFIRMED, this server makes a choice and says so where it makes it.
//! It is strict about what a client sends, so a client tested against it is tested honestly.
//! Everything it keeps is bounded.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use dingtalk_oapi::runtime::protocol::{Protocol as _, StatusProtocol};
use rand::Rng as _;
use rand::seq::SliceRandom as _;
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, mpsc, watch};

use crate::MAX_BODY_BYTES;
use crate::ids::request_id;
use crate::state::{Route, Shared};

/// The path of the open-connection call (§1).
pub(crate) const OPEN_PATH: &str = "/v1.0/gateway/connections/open";
/// The path of the WebSocket endpoint the open call hands out (§1 sample: `wss://…/connect`).
pub(crate) const CONNECT_PATH: &str = "/connect";

/// How long a ticket of the open call stays good, unless [`MockBuilder::stream_ticket_ttl`]
/// says otherwise: 90 seconds (§1).
///
/// [`MockBuilder::stream_ticket_ttl`]: crate::MockBuilder::stream_ticket_ttl
pub const DEFAULT_STREAM_TICKET_TTL: Duration = Duration::from_secs(90);
/// How long a connection stays open after its SYSTEM `disconnect` frame, unless
/// [`MockBuilder::stream_disconnect_grace`](crate::MockBuilder::stream_disconnect_grace) says
/// otherwise: about 10 seconds (§5).
pub const DEFAULT_STREAM_DISCONNECT_GRACE: Duration = Duration::from_secs(10);
/// How long an EVENT waits for its ack (or, acked `LATER`, before it is sent again), unless
/// [`MockBuilder::stream_redelivery`](crate::MockBuilder::stream_redelivery) says otherwise.
/// The real schedule is UNCONFIRMED (§9); users report redeliveries 16–60 s later.
pub const DEFAULT_STREAM_REDELIVERY_AFTER: Duration = Duration::from_secs(60);
/// How many times an EVENT is delivered at most, the first delivery included (UNCONFIRMED, §9).
pub const DEFAULT_STREAM_REDELIVERY_ATTEMPTS: u32 = 3;
/// Largest frame (and message) a client may send; a larger one closes its connection. The real
/// limit is UNCONFIRMED (§6, §9); 1 MiB is the `websockets` library's default the Python SDK runs on.
pub const MAX_STREAM_FRAME_BYTES: usize = 1024 * 1024;
/// How many client frames [`MockServer::stream_acks`](crate::MockServer::stream_acks) keeps
/// (the most recent ones; fewer when they are large: 64 MiB of text at most).
pub const MAX_STREAM_ACKS: usize = 10_000;
/// How many frames wait for a subscribed connection; past it the oldest is dropped.
pub const MAX_QUEUED_STREAM_FRAMES: usize = 1_000;
/// The `eventCorpId` header of the EVENT frames this server sends.
pub const STREAM_EVENT_CORP_ID: &str = "dingmockcorp0000000";
/// The `eventUnifiedAppId` header of the EVENT frames this server sends.
pub const STREAM_UNIFIED_APP_ID: &str = "4b8c2f3e-0d6a-4e15-9b7a-6a1d2c3e4f50";
/// The `reason` of the SYSTEM `disconnect` frame, as a real one read (§5).
pub const STREAM_DISCONNECT_REASON: &str = "persistent connection is timeout";

/// Text of client frames kept together, at most.
const MAX_ACK_BYTES: usize = 64 * 1024 * 1024;
/// Messages remembered for checking acks (the most recent ones).
const MAX_TRACKED_MESSAGES: usize = 10_000;
/// Live tickets at most; past it the one expiring first is forgotten.
const MAX_TICKETS: usize = 1_000;
/// Open calls remembered (the most recent ones).
const MAX_OPENS: usize = 1_000;
/// WebSocket connections at once; past it `/connect` is refused.
const MAX_CONNECTIONS: usize = 256;
/// Frames waiting to be written to one connection; past it the connection counts as too slow
/// and is not chosen.
const OUTBOX: usize = 2_048;
/// Bounds on an open call's fields.
const MAX_SUBSCRIPTIONS: usize = 64;
const MAX_FIELD_CHARS: usize = 512;
/// How long one frame may take to be written before the connection is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an invalid frame [`StreamAck::raw`] keeps.
const MAX_RAW_CHARS: usize = 4096;

/// The `type` of a Stream-mode frame (§3) or subscription (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum StreamFrameType {
    /// Connection management: `ping`, `disconnect` (§5). Never subscribed to.
    System,
    /// An event ticked in the developer console; topic `*` (§7).
    Event,
    /// A callback (robot messages, card interactions …) on a named topic (§7).
    Callback,
}

impl StreamFrameType {
    /// The wire name: `SYSTEM`, `EVENT`, `CALLBACK`.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamFrameType::System => "SYSTEM",
            StreamFrameType::Event => "EVENT",
            StreamFrameType::Callback => "CALLBACK",
        }
    }
}

/// One entry of an open call's `subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StreamSubscription {
    /// `EVENT` or `CALLBACK` (the wire's `type`).
    #[serde(rename = "type")]
    pub kind: StreamFrameType,
    /// `*` for EVENT; the callback's topic, e.g. `/v1.0/im/bot/messages/get`.
    pub topic: String,
}

/// One well-formed open-connection call, as received; never the secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StreamOpen {
    /// The `clientId` (the app key).
    pub client_id: String,
    /// The `subscriptions`.
    pub subscriptions: Vec<StreamSubscription>,
    /// The `ua` tag, if sent.
    pub ua: Option<String>,
    /// The `localIp`, if sent.
    pub local_ip: Option<String>,
    /// Whether the credentials were accepted (and a ticket issued); `false` answered 401.
    pub accepted: bool,
}

/// One frame a client sent: an ack ("response", §4), a pong, or something invalid.
///
/// Pongs are acks too: the answer to a SYSTEM `ping` is the ack with [`topic`](Self::topic)
/// `ping`, and its [`latency`](Self::latency) is the round trip.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StreamAck {
    /// Which connection it came on (numbered from 1 in the order they connected).
    pub connection: u64,
    /// `headers.messageId`; empty when absent.
    pub message_id: String,
    /// `code` (200 success, 404 topic not supported, 500 client error); `None` when absent or
    /// not an integer.
    pub code: Option<i64>,
    /// `message`, if it is a string.
    pub message: Option<String>,
    /// `data` parsed from its JSON text; `None` when absent or not JSON text.
    pub data: Option<Value>,
    /// `headers`, as sent.
    pub headers: Map<String, Value>,
    /// The type of the frame it answers, when its messageId names one this server sent.
    pub answers: Option<StreamFrameType>,
    /// The topic of the frame it answers (`ping` for a pong).
    pub topic: Option<String>,
    /// Time from the last sending of the frame it answers to this ack.
    pub latency: Option<Duration>,
    /// Whether the ack is what the protocol asks for: its messageId names a frame this server
    /// sent, `code` is an integer, `data` is JSON text; an EVENT ack's data holds `status`
    /// `SUCCESS` or `LATER`; a CALLBACK ack's data is an object with `response`; a pong has code
    /// 200 and echoes the ping's `opaque`.
    pub valid: bool,
    /// Why it is not valid.
    pub reason: Option<String>,
    /// The frame's text (its first 4,096 characters), kept for invalid acks only.
    pub raw: Option<String>,
}

/// The gateway's settings, from the builder.
#[derive(Debug, Clone)]
pub(crate) struct StreamSettings {
    pub ticket_ttl: Duration,
    pub disconnect_grace: Duration,
    pub ping_interval: Option<Duration>,
    pub redelivery_after: Duration,
    pub redelivery_attempts: u32,
    /// EVENTs on store changes: `None` once an EVENT subscriber has connected, `Some` always
    /// or never (see `events.rs`).
    pub store_events: Option<bool>,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            ticket_ttl: DEFAULT_STREAM_TICKET_TTL,
            disconnect_grace: DEFAULT_STREAM_DISCONNECT_GRACE,
            ping_interval: None,
            redelivery_after: DEFAULT_STREAM_REDELIVERY_AFTER,
            redelivery_attempts: DEFAULT_STREAM_REDELIVERY_ATTEMPTS,
            store_events: None,
        }
    }
}

/// What a connection's task is told to do.
enum Command {
    Frame(Arc<str>),
    /// Send this `disconnect` frame, then close after the grace.
    Disconnect(Arc<str>, Duration),
    /// Close the TCP connection at once, without a close frame.
    Drop,
}

/// A frame on its way to a connection.
#[derive(Clone)]
struct Outgoing {
    kind: StreamFrameType,
    topic: String,
    message_id: String,
    text: Arc<str>,
}

struct Ticket {
    client_id: String,
    subscriptions: Vec<StreamSubscription>,
    expires_at: Instant,
}

struct Connection {
    subscriptions: Vec<StreamSubscription>,
    outbox: mpsc::Sender<Command>,
    /// Sent `disconnect`: no new pushes go to it (UNCONFIRMED, §5: a third party reports the
    /// real server stops delivering then).
    closing: bool,
}

impl Connection {
    fn subscribed(&self, kind: StreamFrameType, topic: &str) -> bool {
        self.subscriptions.iter().any(|s| s.kind == kind && s.topic == topic)
    }
}

/// A frame this server sent (or queued), remembered to check its acks.
struct Tracked {
    kind: StreamFrameType,
    topic: String,
    sent_at: Option<Instant>,
    /// The ping's `opaque`.
    opaque: Option<String>,
    /// EVENTs only: what redelivery needs.
    redelivery: Option<Redelivery>,
}

struct Redelivery {
    /// The frame, dropped once the event is done.
    outgoing: Option<Outgoing>,
    deliveries: u32,
    /// When to send it again, if not acked `SUCCESS` by then.
    due: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    tickets: HashMap<String, Ticket>,
    opens: VecDeque<StreamOpen>,
    connections: HashMap<u64, Connection>,
    connected: u64,
    queue: VecDeque<Outgoing>,
    tracked: HashMap<String, Tracked>,
    tracked_order: VecDeque<String>,
    acks: VecDeque<StreamAck>,
    ack_bytes: usize,
    /// Whether a connection subscribed to EVENT `*` has ever connected.
    event_subscriber_seen: bool,
}

/// The Stream-mode gateway: tickets, connections, frames sent and acks received.
pub(crate) struct Gateway {
    settings: StreamSettings,
    /// The app credentials the open call accepts; empty: any non-empty pair.
    apps: HashMap<String, String>,
    endpoint: String,
    stop: watch::Receiver<bool>,
    inner: Mutex<Inner>,
    /// Counts the frames received, for waiters.
    acks_changed: watch::Sender<u64>,
    /// Wakes the redelivery task when a new due time is set.
    wake: Notify,
}

impl Gateway {
    pub(crate) fn new(
        settings: StreamSettings,
        apps: HashMap<String, String>,
        addr: SocketAddr,
        stop: watch::Receiver<bool>,
    ) -> Gateway {
        Gateway {
            settings,
            apps,
            endpoint: format!("ws://{addr}{CONNECT_PATH}"),
            stop,
            inner: Mutex::new(Inner::default()),
            acks_changed: watch::channel(0).0,
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open call: a ticket, or the error to answer.
    fn open(&self, body: &[u8]) -> Result<Value, (u16, &'static str, String)> {
        let request = parse_open(body).map_err(|message| (400, "InvalidParameter", message))?;
        let accepted = if self.apps.is_empty() {
            !request.client_secret.is_empty()
        } else {
            self.apps.get(&request.client_id).is_some_and(|secret| *secret == request.client_secret)
        };
        let mut inner = self.lock();
        push_bounded(
            &mut inner.opens,
            StreamOpen {
                client_id: request.client_id.clone(),
                subscriptions: request.subscriptions.clone(),
                ua: request.ua,
                local_ip: request.local_ip,
                accepted,
            },
            MAX_OPENS,
        );
        if !accepted {
            // The one error body seen in the wild (§1, `zfanswer/dify-on-dingtalk#28`).
            return Err((401, "authFailed", "鉴权失败".to_owned()));
        }
        let now = Instant::now();
        inner.tickets.retain(|_, t| t.expires_at > now);
        if inner.tickets.len() >= MAX_TICKETS
            && let Some(first) = inner.tickets.iter().min_by_key(|(_, t)| t.expires_at).map(|(k, _)| k.clone())
        {
            inner.tickets.remove(&first);
        }
        let ticket = uuid_like();
        inner.tickets.insert(
            ticket.clone(),
            Ticket {
                client_id: request.client_id,
                subscriptions: request.subscriptions,
                expires_at: deadline(self.settings.ticket_ttl),
            },
        );
        Ok(json!({"endpoint": self.endpoint, "ticket": ticket}))
    }

    /// Whether `ticket` is live (unknown, used and expired ones are not).
    fn ticket_live(&self, ticket: &str) -> bool {
        self.lock().tickets.get(ticket).is_some_and(|t| t.expires_at > Instant::now())
    }

    /// Uses up `ticket` and registers a connection with its subscriptions (delivering the queued
    /// frames it subscribes to); `Err` is the status and message to refuse with.
    fn connect(&self, ticket: &str) -> Result<(u64, mpsc::Receiver<Command>), (u16, &'static str)> {
        let mut inner = self.lock();
        // The ticket stays good when this server is full (429 is its own choice).
        if inner.connections.len() >= MAX_CONNECTIONS {
            return Err((429, "too many Stream connections to this server"));
        }
        let Some(ticket) = inner.tickets.remove(ticket).filter(|t| t.expires_at > Instant::now()) else {
            return Err((401, "unknown, used or expired ticket: open a connection again for a new one"));
        };
        inner.connected += 1;
        let id = inner.connected;
        let (outbox, rx) = mpsc::channel(OUTBOX);
        if ticket.subscriptions.iter().any(|s| s.kind == StreamFrameType::Event) {
            inner.event_subscriber_seen = true;
        }
        tracing::info!("stream: connection {id} of {} subscribed to {:?}", ticket.client_id, ticket.subscriptions);
        inner.connections.insert(id, Connection { subscriptions: ticket.subscriptions, outbox, closing: false });
        let queued = std::mem::take(&mut inner.queue);
        for outgoing in queued {
            if !self.send_to(&mut inner, id, &outgoing) {
                inner.queue.push_back(outgoing);
            }
        }
        Ok((id, rx))
    }

    fn forget(&self, id: u64) {
        if self.lock().connections.remove(&id).is_some() {
            tracing::info!("stream: connection {id} closed");
        }
    }

    /// Sends `outgoing` on connection `id` if it subscribes to it and keeps up.
    fn send_to(&self, inner: &mut Inner, id: u64, outgoing: &Outgoing) -> bool {
        let Some(connection) = inner.connections.get(&id) else { return false };
        if connection.closing || !connection.subscribed(outgoing.kind, &outgoing.topic) {
            return false;
        }
        if connection.outbox.try_send(Command::Frame(outgoing.text.clone())).is_err() {
            return false;
        }
        self.mark_sent(inner, &outgoing.message_id);
        true
    }

    /// Sends `outgoing` to one subscribed connection chosen at random (as DingTalk does, §9),
    /// else queues it until one connects.
    fn route(&self, inner: &mut Inner, outgoing: Outgoing) {
        let mut ids: Vec<u64> = inner.connections.keys().copied().collect();
        ids.shuffle(&mut rand::rng());
        if ids.into_iter().any(|id| self.send_to(inner, id, &outgoing)) {
            return;
        }
        if inner.queue.len() >= MAX_QUEUED_STREAM_FRAMES
            && let Some(dropped) = inner.queue.pop_front()
        {
            tracing::warn!("stream: queue full, dropped {} {}", dropped.kind.as_str(), dropped.message_id);
        }
        inner.queue.push_back(outgoing);
    }

    fn mark_sent(&self, inner: &mut Inner, message_id: &str) {
        let Some(tracked) = inner.tracked.get_mut(message_id) else { return };
        let now = Instant::now();
        tracked.sent_at = Some(now);
        if let Some(redelivery) = &mut tracked.redelivery {
            redelivery.deliveries += 1;
            redelivery.due = Some(deadline(self.settings.redelivery_after));
            self.wake.notify_one();
        }
    }

    fn track(inner: &mut Inner, message_id: &str, tracked: Tracked) {
        inner.tracked.insert(message_id.to_owned(), tracked);
        inner.tracked_order.push_back(message_id.to_owned());
        while inner.tracked_order.len() > MAX_TRACKED_MESSAGES {
            if let Some(old) = inner.tracked_order.pop_front() {
                inner.tracked.remove(&old);
            }
        }
    }

    pub(crate) fn push(&self, kind: StreamFrameType, topic: &str, extra: Map<String, Value>, data: &Value) -> String {
        let message_id = message_id();
        let text: Arc<str> = frame(kind, topic, &message_id, extra, data).into();
        let outgoing = Outgoing { kind, topic: topic.to_owned(), message_id: message_id.clone(), text };
        let redelivery = (kind == StreamFrameType::Event).then(|| Redelivery {
            outgoing: Some(outgoing.clone()),
            deliveries: 0,
            due: None,
        });
        let mut inner = self.lock();
        Self::track(
            &mut inner,
            &message_id,
            Tracked { kind, topic: topic.to_owned(), sent_at: None, opaque: None, redelivery },
        );
        self.route(&mut inner, outgoing);
        message_id
    }

    pub(crate) fn push_event(&self, event_type: &str, data: &Value) -> String {
        let now = now_ms();
        let mut extra = Map::new();
        extra.insert("eventType".into(), event_type.into());
        extra.insert("eventId".into(), hex_id(32).into());
        extra.insert("eventCorpId".into(), STREAM_EVENT_CORP_ID.into());
        extra.insert("eventBornTime".into(), now.into());
        extra.insert("eventUnifiedAppId".into(), STREAM_UNIFIED_APP_ID.into());
        // The EVENT topic is `*` in one DOC sample, `dingTalk` in another (UNCONFIRMED, §3).
        self.push(StreamFrameType::Event, "*", extra, data)
    }

    /// A SYSTEM `ping` with a fresh `opaque` to every connection; their messageIds.
    pub(crate) fn ping(&self) -> Vec<String> {
        let mut inner = self.lock();
        let ids: Vec<u64> = inner.connections.keys().copied().collect();
        let mut sent = Vec::new();
        for id in ids {
            let message_id = message_id();
            let opaque = uuid_like();
            let text: Arc<str> =
                frame(StreamFrameType::System, "ping", &message_id, Map::new(), &json!({"opaque": opaque})).into();
            let Some(connection) = inner.connections.get(&id) else { continue };
            if connection.outbox.try_send(Command::Frame(text)).is_err() {
                continue;
            }
            let tracked = Tracked {
                kind: StreamFrameType::System,
                topic: "ping".into(),
                sent_at: Some(Instant::now()),
                opaque: Some(opaque),
                redelivery: None,
            };
            Self::track(&mut inner, &message_id, tracked);
            sent.push(message_id);
        }
        sent
    }

    /// A SYSTEM `disconnect` to every connection not already told; each closes after the grace.
    pub(crate) fn disconnect(&self) -> usize {
        let mut inner = self.lock();
        let ids: Vec<u64> = inner.connections.iter().filter(|(_, c)| !c.closing).map(|(id, _)| *id).collect();
        let mut told = 0;
        for id in ids {
            let message_id = message_id();
            let data = json!({"reason": STREAM_DISCONNECT_REASON});
            let text: Arc<str> = frame(StreamFrameType::System, "disconnect", &message_id, Map::new(), &data).into();
            let Some(connection) = inner.connections.get_mut(&id) else { continue };
            connection.closing = true;
            if connection.outbox.try_send(Command::Disconnect(text, self.settings.disconnect_grace)).is_err() {
                // Too slow to take it: closed at once instead.
                let _ = connection.outbox.try_send(Command::Drop);
                continue;
            }
            let tracked = Tracked {
                kind: StreamFrameType::System,
                topic: "disconnect".into(),
                sent_at: Some(Instant::now()),
                opaque: None,
                redelivery: None,
            };
            Self::track(&mut inner, &message_id, tracked);
            told += 1;
        }
        told
    }

    /// Closes every connection at once, without a close frame; how many there were.
    pub(crate) fn drop_all(&self) -> usize {
        let mut inner = self.lock();
        let dropped = inner.connections.len();
        for (_, connection) in inner.connections.drain() {
            // A full outbox: the receiver is dropped with the sender, which ends the task too.
            let _ = connection.outbox.try_send(Command::Drop);
        }
        dropped
    }

    /// Whether a change of a store sends its EVENT now (see `events.rs`).
    pub(crate) fn store_events_on(&self) -> bool {
        self.settings.store_events.unwrap_or_else(|| self.lock().event_subscriber_seen)
    }

    /// The key of the first app the open call accepts (sorted), if any were configured.
    pub(crate) fn first_app(&self) -> Option<String> {
        self.apps.keys().min().cloned()
    }

    pub(crate) fn connections(&self) -> usize {
        self.lock().connections.len()
    }

    pub(crate) fn opens(&self) -> Vec<StreamOpen> {
        self.lock().opens.iter().cloned().collect()
    }

    pub(crate) fn acks(&self) -> Vec<StreamAck> {
        self.lock().acks.iter().cloned().collect()
    }

    /// Waits until `count` acks of `message_id` are kept, or `timeout`; those kept by then.
    pub(crate) async fn wait_for_acks(&self, message_id: &str, count: usize, timeout: Duration) -> Vec<StreamAck> {
        let deadline = tokio::time::Instant::from_std(deadline(timeout));
        let mut changed = self.acks_changed.subscribe();
        loop {
            let found: Vec<StreamAck> =
                self.lock().acks.iter().filter(|a| a.message_id == message_id).cloned().collect();
            if found.len() >= count {
                return found;
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                _ => return found,
            }
        }
    }

    /// A frame from connection `id`: checked, recorded, and applied (an EVENT's outcome).
    fn receive(&self, id: u64, text: Result<&str, &str>) {
        let now = Instant::now();
        let mut inner = self.lock();
        let mut ack = StreamAck {
            connection: id,
            message_id: String::new(),
            code: None,
            message: None,
            data: None,
            headers: Map::new(),
            answers: None,
            topic: None,
            latency: None,
            valid: false,
            reason: None,
            raw: None,
        };
        let status = match text {
            Err(why) => Err(why.to_owned()),
            Ok(text) => {
                let checked = check_ack(text, &mut ack, &inner.tracked, now);
                if checked.is_err() {
                    ack.raw = Some(text.chars().take(MAX_RAW_CHARS).collect());
                }
                checked
            }
        };
        match status {
            Ok(status) => {
                ack.valid = true;
                if let Some(status) = status {
                    self.event_outcome(&mut inner, &ack.message_id, status);
                }
            }
            Err(reason) => {
                tracing::warn!("stream: invalid frame from connection {id}: {reason}");
                ack.reason = Some(reason);
            }
        }
        let size = 256 + ack.raw.as_ref().map_or(0, String::len) + ack.data.as_ref().map_or(0, |d| d.to_string().len());
        inner.acks.push_back(ack);
        inner.ack_bytes += size;
        while inner.acks.len() > MAX_STREAM_ACKS || (inner.ack_bytes > MAX_ACK_BYTES && inner.acks.len() > 1) {
            if let Some(old) = inner.acks.pop_front() {
                let size = 256
                    + old.raw.as_ref().map_or(0, String::len)
                    + old.data.as_ref().map_or(0, |d| d.to_string().len());
                inner.ack_bytes = inner.ack_bytes.saturating_sub(size);
            }
        }
        drop(inner);
        self.acks_changed.send_modify(|n| *n += 1);
    }

    /// An EVENT acked `SUCCESS` is done; `LATER` is sent again after the delay (while attempts
    /// remain).
    fn event_outcome(&self, inner: &mut Inner, message_id: &str, status: EventStatus) {
        let Some(redelivery) = inner.tracked.get_mut(message_id).and_then(|t| t.redelivery.as_mut()) else { return };
        if redelivery.outgoing.is_none() {
            return;
        }
        match status {
            EventStatus::Success => {
                redelivery.outgoing = None;
                redelivery.due = None;
            }
            EventStatus::Later => {
                redelivery.due = Some(deadline(self.settings.redelivery_after));
                self.wake.notify_one();
            }
        }
    }

    /// Sends again the EVENTs due; when the next one is due.
    fn redeliver_due(&self) -> Option<Instant> {
        let now = Instant::now();
        let mut inner = self.lock();
        let mut due = Vec::new();
        for (message_id, tracked) in &mut inner.tracked {
            let Some(redelivery) = &mut tracked.redelivery else { continue };
            if redelivery.due.is_none_or(|at| at > now) {
                continue;
            }
            redelivery.due = None;
            if redelivery.deliveries >= self.settings.redelivery_attempts {
                tracing::info!("stream: EVENT {message_id} given up after {} deliveries", redelivery.deliveries);
                redelivery.outgoing = None;
            } else if let Some(outgoing) = redelivery.outgoing.clone() {
                due.push(outgoing);
            }
        }
        for outgoing in due {
            tracing::info!("stream: EVENT {} sent again", outgoing.message_id);
            self.route(&mut inner, outgoing);
            // Routed: `mark_sent` set the next due time.
        }
        inner.tracked.values().filter_map(|t| t.redelivery.as_ref()?.due).min()
    }
}

/// What an EVENT ack's `data.status` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventStatus {
    Success,
    Later,
}

/// Checks an ack against the protocol, filling `ack`; the EVENT status it carries, if any.
fn check_ack(
    text: &str,
    ack: &mut StreamAck,
    tracked: &HashMap<String, Tracked>,
    now: Instant,
) -> Result<Option<EventStatus>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let Value::Object(mut frame) = value else { return Err("not a JSON object".into()) };
    if let Some(Value::Object(headers)) = frame.remove("headers") {
        ack.headers = headers;
    }
    ack.message_id = ack.headers.get("messageId").and_then(Value::as_str).unwrap_or_default().to_owned();
    ack.code = frame.get("code").and_then(Value::as_i64);
    ack.message = frame.get("message").and_then(Value::as_str).map(str::to_owned);
    let data_text = frame.get("data").and_then(Value::as_str);
    ack.data = data_text.and_then(|d| serde_json::from_str(d).ok());
    let sent = tracked.get(&ack.message_id);
    if let Some(sent) = sent {
        ack.answers = Some(sent.kind);
        ack.topic = Some(sent.topic.clone());
        ack.latency = sent.sent_at.map(|at| now.saturating_duration_since(at));
    }
    if ack.message_id.is_empty() {
        return Err("no headers.messageId".into());
    }
    let Some(sent) = sent else {
        return Err(format!("messageId {:?} names no frame this server sent", ack.message_id));
    };
    let Some(code) = ack.code else { return Err("code is absent or not an integer".into()) };
    let Some(data) = &ack.data else {
        return Err(match frame.get("data") {
            None | Some(Value::Null) => "no data: it must be JSON text".into(),
            Some(Value::String(_)) => "data is not JSON text".into(),
            Some(other) => format!("data must be a string holding JSON, not {}", crate::data::kind(other)),
        });
    };
    match (sent.kind, sent.topic.as_str()) {
        (StreamFrameType::System, "ping") => {
            if code != 200 {
                return Err(format!("a pong must have code 200, not {code}"));
            }
            if data.get("opaque").and_then(Value::as_str) != sent.opaque.as_deref() {
                return Err("a pong's data must echo the ping's opaque".into());
            }
            Ok(None)
        }
        (StreamFrameType::System, _) => Ok(None),
        (StreamFrameType::Event, _) => match data.get("status").and_then(Value::as_str) {
            Some("SUCCESS") => Ok(Some(EventStatus::Success)),
            Some("LATER") => Ok(Some(EventStatus::Later)),
            _ => Err("an EVENT ack's data must hold status SUCCESS or LATER".into()),
        },
        (StreamFrameType::Callback, _) => {
            if data.get("response").is_none() {
                return Err("a CALLBACK ack's data must be an object with `response`".into());
            }
            Ok(None)
        }
    }
}

/// The fields of an open call.
struct OpenRequest {
    client_id: String,
    client_secret: String,
    subscriptions: Vec<StreamSubscription>,
    ua: Option<String>,
    local_ip: Option<String>,
}

fn parse_open(body: &[u8]) -> Result<OpenRequest, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON ({e})"))?;
    let Value::Object(body) = value else {
        return Err(format!("the body must be a JSON object, not {}", crate::data::kind(&value)));
    };
    let string = |name: &str, required: bool| -> Result<Option<String>, String> {
        match body.get(name) {
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err(format!("{name} is required")),
            Some(Value::String(s)) if required && s.is_empty() => Err(format!("{name} must not be empty")),
            Some(Value::String(s)) if s.chars().count() > MAX_FIELD_CHARS => {
                Err(format!("{name} is longer than {MAX_FIELD_CHARS} characters"))
            }
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("{name} must be a string, not {}", crate::data::kind(other))),
        }
    };
    let client_id = string("clientId", true)?.unwrap_or_default();
    let client_secret = string("clientSecret", true)?.unwrap_or_default();
    let ua = string("ua", false)?;
    let local_ip = string("localIp", false)?;
    let items = match body.get("subscriptions") {
        None | Some(Value::Null) => return Err("subscriptions is required".into()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(format!("subscriptions must be an array, not {}", crate::data::kind(other))),
    };
    // An empty list subscribes to nothing; the real server's answer is UNCONFIRMED.
    if items.is_empty() {
        return Err("subscriptions must not be empty".into());
    }
    if items.len() > MAX_SUBSCRIPTIONS {
        return Err(format!("at most {MAX_SUBSCRIPTIONS} subscriptions"));
    }
    let mut subscriptions = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("subscriptions[{i}]");
        let Value::Object(item) = item else {
            return Err(format!("{at} must be an object, not {}", crate::data::kind(item)));
        };
        let kind = match item.get("type") {
            Some(Value::String(t)) if t == "EVENT" => StreamFrameType::Event,
            Some(Value::String(t)) if t == "CALLBACK" => StreamFrameType::Callback,
            Some(other) => return Err(format!("{at}.type must be \"EVENT\" or \"CALLBACK\", not {other}")),
            None => return Err(format!("{at}.type is required (\"EVENT\" or \"CALLBACK\")")),
        };
        let topic = match item.get("topic") {
            Some(Value::String(t)) if t.is_empty() => return Err(format!("{at}.topic must not be empty")),
            Some(Value::String(t)) if t.chars().count() > MAX_FIELD_CHARS => {
                return Err(format!("{at}.topic is longer than {MAX_FIELD_CHARS} characters"));
            }
            Some(Value::String(t)) => t.clone(),
            Some(other) => return Err(format!("{at}.topic must be a string, not {}", crate::data::kind(other))),
            None => return Err(format!("{at}.topic is required")),
        };
        // "For EVENT only topic `*` is supported" (§1); whether the real server refuses another
        // is UNCONFIRMED.
        if kind == StreamFrameType::Event && topic != "*" {
            return Err(format!("{at}: an EVENT subscription's topic must be \"*\", not {topic:?}"));
        }
        subscriptions.push(StreamSubscription { kind, topic });
    }
    Ok(OpenRequest { client_id, client_secret, subscriptions, ua, local_ip })
}

/// A server frame (§3): `data` as JSON text, `time` in ms as a string.
fn frame(kind: StreamFrameType, topic: &str, message_id: &str, extra: Map<String, Value>, data: &Value) -> String {
    let mut headers = Map::new();
    headers.insert("topic".into(), topic.into());
    headers.insert("messageId".into(), message_id.into());
    headers.insert("contentType".into(), "application/json".into());
    headers.insert("time".into(), now_ms().into());
    headers.extend(extra);
    json!({"specVersion": "1.0", "type": kind.as_str(), "headers": headers, "data": data.to_string()}).to_string()
}

/// `after` from now, capped at a year (a huge setting must not overflow the clock).
fn deadline(after: Duration) -> Instant {
    let after = after.min(Duration::from_secs(365 * 86_400));
    Instant::now() + after
}

fn now_ms() -> String {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis()).to_string()
}

fn hex_id(len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(HEX[rng.random_range(0..HEX.len())])).collect()
}

/// A ticket or an opaque: `8-4-4-4-12` hex digits, as the real ones look (§1).
fn uuid_like() -> String {
    format!("{}-{}-{}-{}-{}", hex_id(8), hex_id(4), hex_id(4), hex_id(4), hex_id(12))
}

/// A messageId shaped like the sample `213d841d_972_1898bb26334_70a7` (§3); opaque to clients.
fn message_id() -> String {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    format!("{}_{}_{ms:x}_{}", hex_id(8), rand::rng().random_range(100..1000), hex_id(4))
}

fn push_bounded<T>(queue: &mut VecDeque<T>, item: T, max: usize) {
    queue.push_back(item);
    while queue.len() > max {
        queue.pop_front();
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=utf-8"));
    response
}

/// An error in the new API's envelope `{"code","message","requestid"}`.
fn error_response(status: u16, code: &str, message: &str) -> Response {
    let written = StatusProtocol.write_protocol_error(status, code, message, &request_id());
    json_response(written.status, &written.body)
}

/// `POST /v1.0/gateway/connections/open`. Recorded in
/// [`MockServer::requests`](crate::MockServer::requests) with `clientSecret` masked (a body that is
/// not JSON is not kept at all), and in [`MockServer::stream_opens`](crate::MockServer::stream_opens).
pub(crate) async fn open(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let operation = match shared.route(parts.method.as_str(), OPEN_PATH) {
        Route::Op(m, _) => Some(m.operation.id.to_owned()),
        _ => None,
    };
    let mut record = crate::handler::record_of(&parts, OPEN_PATH.to_owned(), operation);
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        shared.record(record);
        let message = format!("request body larger than {MAX_BODY_BYTES} bytes");
        return error_response(413, "PayloadTooLarge", &message);
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut params)) => {
            if let Some(secret) = params.get_mut("clientSecret") {
                *secret = Value::from("***");
            }
            record.body = Value::Object(params.clone()).to_string();
            record.params = params;
        }
        _ => record.body = format!("(not a JSON object: {} bytes)", bytes.len()),
    }
    shared.record(record);
    match shared.stream().open(&bytes) {
        Ok(answer) => {
            tracing::info!("POST {OPEN_PATH} -> 200");
            json_response(200, &answer)
        }
        Err((status, code, message)) => {
            tracing::info!("POST {OPEN_PATH} -> {status} code {code}");
            error_response(status, code, &message)
        }
    }
}

/// `GET /connect?ticket=…`: the WebSocket.
pub(crate) async fn connect(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ticket = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "ticket")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let gateway = shared.stream();
    // The real server's status and body for a bad ticket are UNCONFIRMED (§2): 401 and the new
    // API's error envelope are this server's choice.
    if !gateway.ticket_live(&ticket) {
        tracing::info!("GET {CONNECT_PATH} -> 401 (ticket unknown, used or expired)");
        return error_response(401, "InvalidTicket", "unknown, used or expired ticket: open a connection again");
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let (id, outbox) = match gateway.connect(&ticket) {
        Ok(registered) => registered,
        Err((401, message)) => return error_response(401, "InvalidTicket", message),
        Err((status, message)) => return error_response(status, "Throttling", message),
    };
    let failed = shared.clone();
    upgrade
        .max_message_size(MAX_STREAM_FRAME_BYTES)
        .max_frame_size(MAX_STREAM_FRAME_BYTES)
        .on_failed_upgrade(move |e| {
            tracing::warn!("stream: upgrade of connection {id} failed: {e}");
            failed.stream().forget(id);
        })
        .on_upgrade(move |socket| serve(shared, socket, id, outbox))
}

/// Resolves once the server stops.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Writes one frame; `false` when the connection is gone or too slow.
async fn write(socket: &mut WebSocket, message: Message) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, socket.send(message)).await, Ok(Ok(())))
}

/// One connection: writes what it is told, reads acks, until either side closes.
async fn serve(shared: Arc<Shared>, mut socket: WebSocket, id: u64, mut outbox: mpsc::Receiver<Command>) {
    let gateway = shared.stream();
    let mut stop = gateway.stop.clone();
    let close = tokio::time::sleep(Duration::from_secs(86_400 * 365));
    tokio::pin!(close);
    let mut closing = false;
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            () = &mut close, if closing => {
                // Whether the real server sends a close frame or just drops the TCP connection
                // is UNCONFIRMED (§5 says it "closes the connection").
                let frame = CloseFrame { code: 1000, reason: STREAM_DISCONNECT_REASON.into() };
                write(&mut socket, Message::Close(Some(frame))).await;
                break;
            }
            command = outbox.recv() => match command {
                Some(Command::Frame(text)) => {
                    if !write(&mut socket, Message::Text(text.as_ref().into())).await {
                        break;
                    }
                }
                Some(Command::Disconnect(text, grace)) => {
                    if !write(&mut socket, Message::Text(text.as_ref().into())).await {
                        break;
                    }
                    close.as_mut().reset(deadline(grace).into());
                    closing = true;
                }
                // Dropped, or forgotten by the gateway: close without a close frame.
                Some(Command::Drop) | None => break,
            },
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => gateway.receive(id, Ok(text.as_str())),
                Some(Ok(Message::Binary(_))) => gateway.receive(id, Err("a binary frame: acks are text frames")),
                // tungstenite answers pings itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(e)) => {
                    // E.g. a frame over MAX_STREAM_FRAME_BYTES: 1009 "message too big".
                    tracing::warn!("stream: connection {id}: {e}; closing it");
                    let frame = CloseFrame { code: 1009, reason: "message too big or malformed".into() };
                    let _ = tokio::time::timeout(Duration::from_secs(1), socket.send(Message::Close(Some(frame)))).await;
                    break;
                }
            },
        }
    }
    gateway.forget(id);
}

/// Starts the gateway's background work: redelivery and, when configured, periodic pings. Both
/// end when the server stops.
pub(crate) fn spawn(shared: Arc<Shared>) {
    let gateway_of = shared.clone();
    let gateway = gateway_of.stream();
    if let Some(every) = gateway.settings.ping_interval.filter(|d| !d.is_zero()) {
        let shared = shared.clone();
        let mut stop = gateway.stop.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(deadline(every).into(), every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = stopped(&mut stop) => break,
                    _ = ticks.tick() => { shared.stream().ping(); }
                }
            }
        });
    }
    let mut stop = gateway.stop.clone();
    tokio::spawn(async move {
        loop {
            let next = shared.stream().redeliver_due();
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stopped(&mut stop) => break,
                () = sleep => {}
                () = shared.stream().wake.notified() => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_bodies() {
        let ok = br#"{"clientId":"k","clientSecret":"s","subscriptions":[{"type":"EVENT","topic":"*"},
            {"type":"CALLBACK","topic":"/v1.0/im/bot/messages/get"}],"ua":"x/1","localIp":"10.0.0.1"}"#;
        let request = parse_open(ok).unwrap();
        assert_eq!(request.subscriptions.len(), 2);
        assert_eq!(request.ua.as_deref(), Some("x/1"));
        for (body, says) in [
            (&b"[]"[..], "must be a JSON object"),
            (br#"{"clientSecret":"s","subscriptions":[]}"#, "clientId is required"),
            (br#"{"clientId":1,"clientSecret":"s","subscriptions":[]}"#, "clientId must be a string"),
            (br#"{"clientId":"k","clientSecret":"s"}"#, "subscriptions is required"),
            (br#"{"clientId":"k","clientSecret":"s","subscriptions":[]}"#, "must not be empty"),
            (br#"{"clientId":"k","clientSecret":"s","subscriptions":[{"type":"SYSTEM","topic":"*"}]}"#, ".type must"),
            (br#"{"clientId":"k","clientSecret":"s","subscriptions":[{"type":"EVENT","topic":"x"}]}"#, "must be \"*\""),
            (br#"{"clientId":"k","clientSecret":"s","subscriptions":[{"type":"CALLBACK"}]}"#, "topic is required"),
            (
                br#"{"clientId":"k","clientSecret":"s","subscriptions":[{"type":"EVENT","topic":"*"}],"ua":3}"#,
                "ua must",
            ),
        ] {
            let error = parse_open(body).err().unwrap_or_default();
            assert!(error.contains(says), "{error} (wanted {says})");
        }
    }

    #[test]
    fn frames_carry_json_text() {
        let text = frame(StreamFrameType::Event, "*", "m1", Map::new(), &json!({"a": 1}));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["specVersion"], "1.0");
        assert_eq!(value["type"], "EVENT");
        assert_eq!(value["headers"]["messageId"], "m1");
        assert_eq!(value["headers"]["contentType"], "application/json");
        assert!(value["headers"]["time"].as_str().unwrap().parse::<u64>().is_ok());
        assert_eq!(value["data"], "{\"a\":1}");
        let id = message_id();
        assert_eq!(id.split('_').count(), 4, "{id}");
    }
}
