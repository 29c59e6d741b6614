//! Replies to a robot message through its session webhook (`sessionWebhook`), sent as the
//! spec's `robot.SendBySession`, refused without sending once the webhook has expired.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dingtalk_oapi::robot::{RobotActionCard, RobotAt, RobotMessage, SendBySessionErrorCode};

use crate::Callback;

/// Why a reply was not delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The webhook expired (at this time, milliseconds since the Unix epoch): nothing was sent.
    #[error("the session webhook expired at {expired_at_ms} ms since the epoch; nothing was sent")]
    Expired {
        /// When it expired.
        expired_at_ms: i64,
    },
    /// The message carries no usable session webhook.
    #[error("no usable session webhook: {0}")]
    NoWebhook(String),
    /// The call failed (refused by DingTalk, or no answer).
    #[error(transparent)]
    Send(Box<dingtalk_oapi::Error<SendBySessionErrorCode>>),
}

/// The way back into the conversation a robot message came from.
#[derive(Clone)]
pub struct RobotReply {
    client: dingtalk_oapi::Client,
    session: String,
    expires_at_ms: Option<i64>,
    sender_staff_id: Option<String>,
}

impl fmt::Debug for RobotReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The session is the webhook's credential.
        f.debug_struct("RobotReply")
            .field("session", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("sender_staff_id", &self.sender_staff_id)
            .finish()
    }
}

impl RobotReply {
    /// A reply through `webhook` (`https://oapi.dingtalk.com/robot/sendBySession?session=…`),
    /// valid until `expires_at_ms` (milliseconds since the Unix epoch) when known.
    pub fn new(webhook: &str, expires_at_ms: Option<i64>) -> Result<RobotReply, ReplyError> {
        let url = url::Url::parse(webhook).map_err(|_| ReplyError::NoWebhook("the webhook is not a URL".into()))?;
        let session = url
            .query_pairs()
            .find(|(k, v)| k == "session" && !v.is_empty())
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ReplyError::NoWebhook("the webhook has no `session`".into()))?;
        let host = url.host_str().ok_or_else(|| ReplyError::NoWebhook("the webhook has no host".into()))?;
        let base = match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        let client = dingtalk_oapi::Client::builder()
            .robot_base_url(base)
            .build()
            .map_err(|e| ReplyError::NoWebhook(e.to_string()))?;
        Ok(RobotReply { client, session, expires_at_ms, sender_staff_id: None })
    }

    /// When the webhook expires, if the message said.
    pub fn expires_at(&self) -> Option<SystemTime> {
        let ms = u64::try_from(self.expires_at_ms?).ok()?;
        Some(UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// Sends `message`, mentioning `at`; refused without sending once the webhook has expired.
    pub async fn send(&self, message: impl Into<RobotMessage>, at: Option<RobotAt>) -> Result<(), ReplyError> {
        if let Some(expired_at_ms) = self.expires_at_ms {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            if now >= expired_at_ms {
                return Err(ReplyError::Expired { expired_at_ms });
            }
        }
        let mut call = self.client.robot().send_by_session(self.session.clone(), message);
        if let Some(at) = at {
            call = call.at(at);
        }
        call.send().await.map_err(|e| ReplyError::Send(Box::new(e)))?;
        Ok(())
    }

    /// A text reply mentioning the users `at_user_ids` (staff IDs).
    pub async fn reply_text(&self, text: impl Into<String>, at_user_ids: &[&str]) -> Result<(), ReplyError> {
        self.send(RobotMessage::text(text), mentions(at_user_ids)).await
    }

    /// A Markdown reply (`title` shows in the conversation list) mentioning `at_user_ids`.
    pub async fn reply_markdown(
        &self,
        title: impl Into<String>,
        text: impl Into<String>,
        at_user_ids: &[&str],
    ) -> Result<(), ReplyError> {
        self.send(RobotMessage::markdown(title, text), mentions(at_user_ids)).await
    }

    /// An action-card reply (one button for the card, or several).
    pub async fn reply_action_card(&self, card: RobotActionCard) -> Result<(), ReplyError> {
        self.send(card, None).await
    }

    /// The staff ID of the user who sent the message, to mention in the reply.
    pub fn sender_staff_id(&self) -> Option<&str> {
        self.sender_staff_id.as_deref()
    }
}

fn mentions(user_ids: &[&str]) -> Option<RobotAt> {
    (!user_ids.is_empty())
        .then(|| RobotAt::new().at_user_ids(user_ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()))
}

impl Callback {
    /// The way to reply to a robot message (its `sessionWebhook`, valid until
    /// `sessionWebhookExpiredTime`); an error for a callback that has none.
    pub fn reply(&self) -> Result<RobotReply, ReplyError> {
        let webhook = self.data["sessionWebhook"]
            .as_str()
            .ok_or_else(|| ReplyError::NoWebhook("the message has no `sessionWebhook`".into()))?;
        let expires = &self.data["sessionWebhookExpiredTime"];
        let expires_at_ms = expires.as_i64().or_else(|| expires.as_str().and_then(|s| s.parse().ok()));
        let mut reply = RobotReply::new(webhook, expires_at_ms)?;
        reply.sender_staff_id = self.data["senderStaffId"].as_str().map(str::to_owned);
        Ok(reply)
    }
}
