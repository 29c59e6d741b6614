//! Robot session webhooks: the `sessionWebhook` of a robot message (reference §8,
//! `/work/shared/reference/stream-mode.md`), `POST /robot/sendBySession?session=…`.
//!
//! [`MockServer::robot_session`](crate::MockServer::robot_session) issues a session; the webhook
//! accepts a reply while the session lives. DingTalk's answers other than success are
//! UNCONFIRMED (§8), so this server reuses the custom robot's codes (`spec/robot/send.yaml`,
//! `spec/service_robot.yaml`):
//! - 400101 (the robot service's `token_missing`, "access_token does not exist") for a session
//!   that is missing, unknown or expired: the session plays the part of the robot's token;
//! - 43004 for a body not sent as `application/json`;
//! - 40035 (the service's `invalid_parameter`, "the JSON body is missing") for a body that is
//!   not a JSON object or lacks what its `msgtype` needs;
//! - 400105 for a `msgtype` other than `text`, `markdown` and `actionCard` (which others the
//!   real webhook takes is UNCONFIRMED).
//!
//! Sessions and messages are bounded: [`MAX_ROBOT_SESSIONS`] live sessions (past it the one
//! expiring first is forgotten) and the last [`MAX_SESSION_MESSAGES`] messages, 64 MiB of
//! them at most.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dingtalk_oapi::OperationDescriptor;
use dingtalk_oapi::runtime::protocol::Written;
use dingtalk_oapi::runtime::{Code, ErrorRole};
use serde_json::{Map, Value};

use crate::state::{check_params, code_error, role_error};

/// The path of a session webhook (§8: `https://oapi.dingtalk.com/robot/sendBySession?session=…`).
pub(crate) const SESSION_PATH: &str = "/robot/sendBySession";
/// How many messages [`MockServer::session_messages`](crate::MockServer::session_messages)
/// keeps (the most recent ones).
pub const MAX_SESSION_MESSAGES: usize = 10_000;
/// Text of kept messages together, at most (the last message is always kept).
const MAX_KEPT_BYTES: usize = 64 * 1024 * 1024;
/// How many live sessions are kept at once; past it the one expiring first is forgotten.
pub const MAX_ROBOT_SESSIONS: usize = 10_000;

/// The custom robot's codes this webhook reuses (see the module's documentation).
const INVALID_CONTENT_TYPE: i64 = 43004;
const UNSUPPORTED_MSGTYPE: i64 = 400105;

/// One message a session webhook accepted.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionMessage {
    /// The session it was sent to (the `session` query value).
    pub session: String,
    /// The JSON body, as sent.
    pub body: Value,
    /// When it arrived, in milliseconds since the Unix epoch.
    pub received_at: i64,
}

#[derive(Default)]
struct Inner {
    /// By session: its expiry, in ms since the epoch.
    sessions: HashMap<String, i64>,
    /// With the size of each body's text.
    messages: VecDeque<(SessionMessage, usize)>,
    message_bytes: usize,
}

/// The live sessions and the messages they accepted.
pub(crate) struct Sessions {
    /// `http://<addr>`, the base of the webhook URLs.
    base: String,
    inner: Mutex<Inner>,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Sessions {
    pub(crate) fn new(base: String) -> Sessions {
        Sessions { base, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `op` is the session webhook.
    pub(crate) fn serves(op: &OperationDescriptor) -> bool {
        op.path == SESSION_PATH
    }

    /// A new session living `ttl`: the webhook's full URL and its expiry (ms since the epoch).
    pub(crate) fn issue(&self, ttl: Duration) -> (String, i64) {
        let now = now_ms();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_at = now.saturating_add(ttl);
        let session = crate::ids::random_id(32);
        let mut inner = self.lock();
        inner.sessions.retain(|_, at| *at > now);
        while inner.sessions.len() >= MAX_ROBOT_SESSIONS {
            let Some(first) = inner.sessions.iter().min_by_key(|(_, at)| **at).map(|(k, _)| k.clone()) else { break };
            inner.sessions.remove(&first);
        }
        inner.sessions.insert(session.clone(), expires_at);
        (format!("{}{SESSION_PATH}?session={session}", self.base), expires_at)
    }

    /// `Err(answer)` when the webhook refuses the message; `Ok` keeps it and lets the
    /// operation's answer follow.
    pub(crate) fn check(
        &self,
        op: &OperationDescriptor,
        query: &[(String, String)],
        content_type: Option<&str>,
        params: &Map<String, Value>,
        body_error: Option<&str>,
    ) -> Result<(), Written> {
        let session = query.iter().find(|(k, _)| k == "session").map(|(_, v)| v.as_str()).unwrap_or_default();
        let now = now_ms();
        match self.lock().sessions.get(session) {
            _ if session.is_empty() => return Err(role_error(op, ErrorRole::TokenMissing, "no session")),
            None => return Err(role_error(op, ErrorRole::TokenMissing, "unknown session")),
            Some(at) if *at <= now => return Err(role_error(op, ErrorRole::TokenMissing, "session expired")),
            Some(_) => {}
        }
        let essence = content_type.and_then(|c| c.split(';').next()).unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(code_error(op, Code::Num(INVALID_CONTENT_TYPE), ""));
        }
        if let Some(why) = body_error {
            return Err(role_error(op, ErrorRole::InvalidParameter, why));
        }
        let body: Map<String, Value> =
            params.iter().filter(|(k, _)| k.as_str() != "session").map(|(k, v)| (k.clone(), v.clone())).collect();
        check_message(&body).map_err(|refusal| match refusal {
            Refusal::Msgtype(msgtype) => code_error(op, Code::Num(UNSUPPORTED_MSGTYPE), &msgtype),
            Refusal::Invalid(why) => role_error(op, ErrorRole::InvalidParameter, &why),
        })?;
        check_params(op, params)?;
        let body = Value::Object(body);
        let size = 128 + session.len() + body.to_string().len();
        let mut inner = self.lock();
        inner.messages.push_back((SessionMessage { session: session.to_owned(), body, received_at: now }, size));
        inner.message_bytes += size;
        while inner.messages.len() > MAX_SESSION_MESSAGES
            || (inner.message_bytes > MAX_KEPT_BYTES && inner.messages.len() > 1)
        {
            if let Some((_, size)) = inner.messages.pop_front() {
                inner.message_bytes = inner.message_bytes.saturating_sub(size);
            }
        }
        Ok(())
    }

    /// The messages accepted so far, oldest first.
    pub(crate) fn messages(&self) -> Vec<SessionMessage> {
        self.lock().messages.iter().map(|(m, _)| m.clone()).collect()
    }
}

/// The CALLBACK topic of robot messages (reference §7).
pub(crate) const ROBOT_TOPIC: &str = "/v1.0/im/bot/messages/get";
/// The `robotCode` when no app was configured.
const DEFAULT_ROBOT_CODE: &str = "dingmockrobot0000000";

/// What a robot message is made of.
pub(crate) struct RobotMessageParts<'a> {
    pub text: &'a str,
    pub sender_staff_id: &'a str,
    pub conversation_type: &'a str,
    pub sender_nick: Option<&'a str>,
    pub is_admin: bool,
    pub robot_code: Option<String>,
    /// The session webhook's URL and expiry.
    pub session: (String, i64),
}

/// The data of a `/v1.0/im/bot/messages/get` CALLBACK (reference §8, after the DOC sample).
/// In a group (`"2"`) the robot is @-mentioned (group messages reach a robot only then, §7):
/// `isInAtList` true and the robot in `atUsers`; in a 1:1 chat `atUsers` is empty and
/// `isInAtList` false (the real values there are UNCONFIRMED).
pub(crate) fn robot_message(parts: RobotMessageParts<'_>) -> Value {
    let corp = crate::STREAM_EVENT_CORP_ID;
    let chatbot = format!("$:LWCP_v1:${}", crate::ids::random_id(24));
    let group = parts.conversation_type == "2";
    let (webhook, expires_at) = parts.session;
    let mut data = serde_json::json!({
        "conversationId": format!("cid{}==", crate::ids::random_id(22)),
        "conversationType": parts.conversation_type,
        "atUsers": if group { serde_json::json!([{"dingtalkId": chatbot}]) } else { serde_json::json!([]) },
        "chatbotCorpId": corp,
        "chatbotUserId": chatbot,
        "msgId": format!("msg{}==", crate::ids::random_id(22)),
        "senderNick": parts.sender_nick.unwrap_or(parts.sender_staff_id),
        "isAdmin": parts.is_admin,
        "senderStaffId": parts.sender_staff_id,
        "senderId": format!("$:LWCP_v1:${}", crate::ids::random_id(24)),
        "senderCorpId": corp,
        "isInAtList": group,
        "robotCode": parts.robot_code.unwrap_or_else(|| DEFAULT_ROBOT_CODE.to_owned()),
        "createAt": now_ms(),
        "sessionWebhook": webhook,
        "sessionWebhookExpiredTime": expires_at,
        "msgtype": "text",
        "text": {"content": parts.text},
    });
    if group && let Value::Object(map) = &mut data {
        map.insert("conversationTitle".into(), Value::from("Mock group"));
    }
    data
}

/// Why a message is refused.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    Msgtype(String),
    Invalid(String),
}

/// The body's shape: `msgtype` one of the three this webhook takes, the object of that name
/// with what it needs, and `at` (if present) of the right types.
fn check_message(body: &Map<String, Value>) -> Result<(), Refusal> {
    let invalid = |why: String| Refusal::Invalid(why);
    let msgtype = match body.get("msgtype") {
        Some(Value::String(t)) => t.as_str(),
        None | Some(Value::Null) => return Err(invalid("msgtype is required".into())),
        Some(other) => return Err(invalid(format!("msgtype must be a string, not {}", crate::data::kind(other)))),
    };
    let needs: &[&str] = match msgtype {
        "text" => &["content"],
        "markdown" => &["title", "text"],
        "actionCard" => &["title", "text"],
        other => return Err(Refusal::Msgtype(other.to_owned())),
    };
    let Some(Value::Object(message)) = body.get(msgtype) else {
        return Err(invalid(format!("{msgtype} must be an object with {}", needs.join(", "))));
    };
    let text = |name: &str| match message.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.as_str()),
        _ => Err(invalid(format!("{msgtype}.{name} must be a non-empty string"))),
    };
    for name in needs {
        text(name)?;
    }
    if msgtype == "actionCard" {
        let single = message.contains_key("singleTitle") || message.contains_key("singleURL");
        if single {
            text("singleTitle")?;
            text("singleURL")?;
        } else {
            let Some(Value::Array(buttons)) = message.get("btns") else {
                return Err(invalid("actionCard needs singleTitle and singleURL, or btns".into()));
            };
            if buttons.is_empty() {
                return Err(invalid("actionCard.btns must not be empty".into()));
            }
            for (i, button) in buttons.iter().enumerate() {
                let ok = ["title", "actionURL"]
                    .iter()
                    .all(|name| button.get(name).and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
                if !ok {
                    return Err(invalid(format!("actionCard.btns[{i}] needs a title and an actionURL")));
                }
            }
        }
    }
    match body.get("at") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(at)) => {
            for name in ["atUserIds", "atMobiles"] {
                match at.get(name) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
                    Some(_) => return Err(invalid(format!("at.{name} must be a list of strings"))),
                }
            }
            match at.get("isAtAll") {
                None | Some(Value::Null | Value::Bool(_)) => Ok(()),
                Some(_) => Err(invalid("at.isAtAll must be a boolean".into())),
            }
        }
        Some(_) => Err(invalid("at must be an object".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: Value) -> Result<(), Refusal> {
        check_message(body.as_object().unwrap())
    }

    #[test]
    fn messages() {
        assert_eq!(check(json!({"msgtype": "text", "text": {"content": "hi"}})), Ok(()));
        assert_eq!(check(json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "# x"}})), Ok(()));
        let card = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x",
            "singleTitle": "Go", "singleURL": "https://example.com"}});
        assert_eq!(check(card), Ok(()));
        let card = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x",
            "btns": [{"title": "A", "actionURL": "https://a"}]}});
        assert_eq!(check(card), Ok(()));
        let at = json!({"msgtype": "text", "text": {"content": "hi"},
            "at": {"atUserIds": ["u"], "atMobiles": [], "isAtAll": false}});
        assert_eq!(check(at), Ok(()));
        assert_eq!(check(json!({"msgtype": "link", "link": {}})), Err(Refusal::Msgtype("link".into())));
        for bad in [
            json!({}),
            json!({"msgtype": 3}),
            json!({"msgtype": "text"}),
            json!({"msgtype": "text", "text": {"content": ""}}),
            json!({"msgtype": "markdown", "markdown": {"title": "t"}}),
            json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x"}}),
            json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "singleTitle": "Go"}}),
            json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "btns": [{"title": "A"}]}}),
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atUserIds": [1]}}),
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"isAtAll": "yes"}}),
        ] {
            assert!(matches!(check(bad.clone()), Err(Refusal::Invalid(_))), "{bad}");
        }
    }
}
