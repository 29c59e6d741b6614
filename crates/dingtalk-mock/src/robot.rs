//! Custom robot webhooks, as DingTalk runs them: each robot has a token and, with the
//! "signature" security setting, a secret. A message is accepted when its token names a robot
//! (else 400101), its body is JSON by its `Content-Type` (else 43004), its `timestamp` is within
//! an hour of this server's clock and its `sign` is the HMAC the documentation describes (else
//! 310000, `invalid timestamp` or `sign not match`), its `msgtype` is known (else 400105), and
//! the robot has sent fewer than 20 messages in the last minute; the 21st is answered 410100
//! and the robot stays throttled (every message answered 410100) for the penalty, 10 minutes
//! unless [`MockBuilder::robot_penalty`](crate::MockBuilder::robot_penalty) says otherwise.
//!
//! An operation is a webhook's when its service issues no tokens (`tokens:` is empty): its
//! token comes from DingTalk's UI, not from an API.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use dingtalk_oapi::OperationDescriptor;
use dingtalk_oapi::runtime::protocol::Written;
use dingtalk_oapi::runtime::{Code, ErrorRole};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::state::{check_params, code_error, role_error};

/// Messages one robot may send in any minute.
pub const MESSAGES_PER_MINUTE: usize = 20;
/// How far a signature's timestamp may be from this server's clock.
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(3600);
/// How long a robot that sent too fast stays throttled, by default.
pub const DEFAULT_PENALTY: Duration = Duration::from_secs(600);
/// Most messages kept for [`MockServer::robot_messages`](crate::MockServer::robot_messages).
const MAX_KEPT: usize = 10_000;

/// What DingTalk's robot webhook answers, by code (KB page 0717).
const INVALID_CONTENT_TYPE: i64 = 43004;
const SECURITY_CHECK_FAILED: i64 = 310000;
const UNSUPPORTED_MSGTYPE: i64 = 400105;
const SENDING_TOO_FAST: i64 = 410100;

/// One message a robot accepted.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RobotMessage {
    /// The robot's name, as registered with [`MockBuilder::robot`](crate::MockBuilder::robot)
    /// (never its token).
    pub robot: String,
    /// The JSON body, as sent.
    pub body: Value,
    /// Whether the message was signed (and the signature checked).
    pub signed: bool,
}

#[derive(Default)]
struct Sending {
    /// When each accepted message of the last minute arrived.
    recent: VecDeque<Instant>,
    /// Throttled until then.
    blocked_until: Option<Instant>,
}

pub(crate) struct Robots {
    /// By token: (name, secret).
    robots: HashMap<String, (String, Option<String>)>,
    penalty: Duration,
    sending: Mutex<HashMap<String, Sending>>,
    accepted: Mutex<VecDeque<RobotMessage>>,
}

/// The request facts a robot checks.
pub(crate) struct Delivery<'a> {
    pub token: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub params: &'a Map<String, Value>,
}

impl Robots {
    pub(crate) fn new(robots: Vec<(String, String, Option<String>)>, penalty: Duration) -> Self {
        Robots {
            robots: robots.into_iter().map(|(name, token, secret)| (token, (name, secret))).collect(),
            penalty,
            sending: Mutex::new(HashMap::new()),
            accepted: Mutex::new(VecDeque::new()),
        }
    }

    /// Whether `op` is a webhook's: its service issues no tokens.
    pub(crate) fn serves(op: &OperationDescriptor) -> bool {
        op.requires_token && op.service.tokens.is_empty()
    }

    /// `Err(answer)` when the robot refuses the message; `Ok` lets the operation's own checks
    /// and answer follow. An accepted message is counted against the robot's minute.
    pub(crate) fn check(&self, op: &OperationDescriptor, d: &Delivery<'_>) -> Result<(), Written> {
        let Some((name, secret)) = d.token.and_then(|t| self.robots.get(t)) else {
            return Err(role_error(op, ErrorRole::TokenMissing, ""));
        };
        let essence = d.content_type.and_then(|c| c.split(';').next()).unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(code_error(op, Code::Num(INVALID_CONTENT_TYPE), ""));
        }
        if let Some(secret) = secret {
            check_signature(secret, d.query).map_err(|why| code_error(op, Code::Num(SECURITY_CHECK_FAILED), why))?;
        }
        if let Some(Value::String(msgtype)) = d.params.get("msgtype") {
            let known = op.params().filter_map(|f| f.flat_union()).any(|u| u.variant(msgtype).is_some());
            if !known {
                return Err(code_error(op, Code::Num(UNSUPPORTED_MSGTYPE), msgtype));
            }
        }
        check_params(op, d.params)?;
        let token = d.token.unwrap_or_default();
        self.admit(token).map_err(|()| code_error(op, Code::Num(SENDING_TOO_FAST), ""))?;
        let mut accepted = self.accepted.lock().unwrap_or_else(PoisonError::into_inner);
        if accepted.len() >= MAX_KEPT {
            accepted.pop_front();
        }
        let body = Value::Object(
            d.params
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "timestamp" | "sign"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        accepted.push_back(RobotMessage { robot: name.clone(), body, signed: secret.is_some() });
        Ok(())
    }

    /// Counts a message of the robot with `token`; `Err` when it is throttled, or is now.
    fn admit(&self, token: &str) -> Result<(), ()> {
        let now = Instant::now();
        let mut sending = self.sending.lock().unwrap_or_else(PoisonError::into_inner);
        let robot = sending.entry(token.to_owned()).or_default();
        if robot.blocked_until.is_some_and(|until| now < until) {
            return Err(());
        }
        robot.blocked_until = None;
        while robot.recent.front().is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(60)) {
            robot.recent.pop_front();
        }
        if robot.recent.len() >= MESSAGES_PER_MINUTE {
            robot.blocked_until = Some(now + self.penalty);
            return Err(());
        }
        robot.recent.push_back(now);
        Ok(())
    }

    /// The messages accepted so far, oldest first.
    pub(crate) fn accepted(&self) -> Vec<RobotMessage> {
        self.accepted.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }
}

/// The documented check: `timestamp` (ms) within an hour, `sign` = base64 of HMAC-SHA256 keyed by
/// the secret over `timestamp + "\n" + secret` (the query already URL-decoded once).
fn check_signature(secret: &str, query: &[(String, String)]) -> Result<(), &'static str> {
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let timestamp = get("timestamp").and_then(|t| t.parse::<u64>().ok()).ok_or("invalid timestamp")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    if now.abs_diff(timestamp) > TIMESTAMP_WINDOW.as_millis() as u64 {
        return Err("invalid timestamp");
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    match get("sign") {
        Some(sign) if sign == expected => Ok(()),
        _ => Err("sign not match"),
    }
}
