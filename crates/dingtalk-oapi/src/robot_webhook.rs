//! A custom robot's webhook: typed group messages, signed when the robot asks for it, and kept
//! under DingTalk's limit of 20 messages per minute per robot.
//!
//! ```no_run
//! use dingtalk_oapi::robot::{RobotAt, RobotMessage};
//! use dingtalk_oapi::RobotWebhook;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let robot = RobotWebhook::builder(std::env::var("DINGTALK_ROBOT_WEBHOOK")?) // https://oapi.dingtalk.com/robot/send?access_token=…
//!     .secret(std::env::var("DINGTALK_ROBOT_SECRET")?) // SEC…: the robot's "signature" security setting
//!     .build()?;
//! robot
//!     .send(RobotMessage::text("Deploy finished"))
//!     .at(RobotAt::new().at_user_ids(vec!["user001".to_owned()]))
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! What it does, from DingTalk's pages (see `spec/robot/send.yaml`):
//! - **Signing.** With a secret, each call carries `timestamp` (milliseconds) and `sign`, the
//!   base64 of HMAC-SHA256 (key: the secret; message: `timestamp + "\n" + secret`), URL-encoded
//!   exactly once, computed per call (a signature is good for an hour).
//! - **The limit.** A robot may send 20 messages a minute; past that DingTalk throttles it for 10
//!   minutes. Each webhook keeps at most 20 starts in *any* 60 s (a sliding window, not aligned
//!   minutes, which could let 40 through in two seconds), counted per robot token; with a
//!   [`LimitStore`] shared through Redis ([`RobotWebhookBuilder::limit_store`]), across every
//!   process sending as that robot. A message past the limit waits for room, or, when the wait
//!   would pass the call's deadline, fails with [`Error::Throttled`](crate::Error::Throttled) without being sent.
//! - **No retry into a penalty.** A rate-limited answer (410100, 130101) is never retried: the
//!   robot is blocked for 10 minutes and each try would be refused too. A busy system (-1) is
//!   retried only where the call is safe to repeat, which a message is not unless it carries a
//!   `msgUuid` (DingTalk posts a message once per key).
//! - **Secrets.** The webhook's token and the secret never appear in errors, logs or `Debug`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use dingtalk_runtime::limit::Rule;
use dingtalk_runtime::redact::scrub;
use dingtalk_runtime::retry::{Decision, DefaultClassifier, RetryClassifier};
use dingtalk_runtime::{BoxError, CallError, CallOptions, HttpRequest, LimitStore, Limits, RetryPolicy};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::generated::robot::{RobotMarkdown, RobotMessage, RobotText, SendBuilder, SendRequest};
use crate::generated::service::ROBOT_SERVICE;
use crate::{BuildError, CallContext, Client, ErrorClass, Interceptor, OperationDescriptor};

/// Messages one robot may send per minute (KB page 0717).
pub const MESSAGES_PER_MINUTE: u32 = 20;
/// How long DingTalk throttles a robot that sent more (KB page 0717).
pub const PENALTY: Duration = Duration::from_secs(600);
/// How far a signature's timestamp may be from DingTalk's clock (KB page 0082).
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(3600);

/// The path of every webhook.
const SEND_PATH: &str = "/robot/send";

/// A custom robot's webhook. Cheap to clone: clones share the connection pool and the limit.
#[derive(Clone, Debug)]
pub struct RobotWebhook {
    client: Client,
}

impl RobotWebhook {
    /// A webhook from its URL, `https://oapi.dingtalk.com/robot/send?access_token=…`.
    pub fn builder(webhook_url: impl Into<String>) -> RobotWebhookBuilder {
        RobotWebhookBuilder {
            url: webhook_url.into(),
            secret: None,
            store: None,
            retry: None,
            timeout: None,
            per_minute: MESSAGES_PER_MINUTE,
        }
    }

    /// A message to send: set its mentions (`.at(..)`) and idempotency key (`.msg_uuid(..)`),
    /// then `.send().await`; `.send_with(CallOptions)` for a deadline of its own.
    pub fn send(&self, message: impl Into<RobotMessage>) -> SendBuilder {
        self.client.robot().send(message)
    }

    /// A whole request to send (read from JSON, say: `serde_json::from_str::<SendRequest>(…)`).
    pub fn send_request(&self, request: SendRequest) -> SendBuilder {
        SendBuilder::from_request(self.client.clone(), request)
    }

    /// The client the webhook calls through (its base URL is the webhook's).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Builds a [`RobotWebhook`]. Not `Debug`-printed with its secrets: see its `Debug` impl.
pub struct RobotWebhookBuilder {
    url: String,
    secret: Option<String>,
    store: Option<Arc<dyn LimitStore>>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    per_minute: u32,
}

impl fmt::Debug for RobotWebhookBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RobotWebhookBuilder")
            .field("url", &redact_url(&self.url))
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("store", &self.store)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("per_minute", &self.per_minute)
            .finish()
    }
}

impl RobotWebhookBuilder {
    /// The robot's secret (`SEC…`), when its security setting is "signature": every call is
    /// then signed.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into()).filter(|s| !s.is_empty());
        self
    }

    /// Where the per-robot count is kept: a `RedisStore` (feature `redis`) shares it with
    /// every process sending as the same robot (default: this process).
    pub fn limit_store(mut self, store: Arc<dyn LimitStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Retries as `policy` says (its deadline bounds the whole call, the wait for room under the
    /// limit included). Rate-limited answers are never retried, whatever the policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How long one attempt may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Fewer messages per minute than DingTalk's 20 (e.g. to leave room for another sender);
    /// more than 20 is cut to 20.
    pub fn messages_per_minute(mut self, n: u32) -> Self {
        self.per_minute = n.min(MESSAGES_PER_MINUTE);
        self
    }

    /// The webhook. Fails when the URL is not a robot webhook (`…/robot/send?access_token=…`,
    /// https, or http to a loopback address); the error never shows the token.
    pub fn build(self) -> Result<RobotWebhook, BuildError> {
        let (base, token) = split_webhook(&self.url)?;
        let limits = Limits { edge_margin: Duration::from_millis(50), ..Limits::off() }
            .operation_rule(crate::generated::robot::SEND.id, Rule::sliding(self.per_minute, Duration::from_secs(60)));
        let mut builder = Client::builder()
            .service_base_url(ROBOT_SERVICE.id, base)
            .access_token(token)
            .limits(limits)
            .retry_classifier(NoRetryWhenThrottled);
        if let Some(store) = self.store {
            builder = builder.limit_store(store);
        }
        if let Some(policy) = self.retry {
            builder = builder.retry(policy);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(secret) = self.secret {
            builder = builder.interceptor(Signer { secret });
        }
        Ok(RobotWebhook { client: builder.build()? })
    }
}

/// The webhook URL with its token and signature hidden, for messages.
fn redact_url(url: &str) -> String {
    scrub(url, &[], &["access_token", "sign"])
}

/// `https://host[/prefix]/robot/send?access_token=T` → (`https://host[/prefix]`, T).
fn split_webhook(text: &str) -> Result<(String, String), BuildError> {
    let invalid = |reason: &str| BuildError::InvalidUrl { url: redact_url(text), reason: reason.to_owned() };
    // Text that is no URL is not shown at all: nothing tells where a token in it would be.
    let url = url::Url::parse(text.trim()).map_err(|e| BuildError::InvalidUrl {
        url: "<the webhook URL, not shown>".to_owned(),
        reason: format!("{e}; expected https://oapi.dingtalk.com/robot/send?access_token=…"),
    })?;
    let Some(prefix) = url.path().strip_suffix(SEND_PATH) else {
        return Err(invalid("a robot webhook's path ends with /robot/send"));
    };
    let mut token = None;
    for (name, value) in url.query_pairs() {
        match &*name {
            "access_token" if !value.is_empty() => token = Some(value.into_owned()),
            "timestamp" | "sign" => {
                return Err(invalid("the webhook URL holds a signature; give the bare webhook and its secret instead"));
            }
            _ => {}
        }
    }
    let Some(token) = token else { return Err(invalid("the webhook URL has no access_token")) };
    let host = url.host_str().ok_or_else(|| invalid("no host"))?;
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok((format!("{}://{host}{port}{prefix}", url.scheme()), token))
}

/// The signature of a call at `timestamp_ms`: base64 of HMAC-SHA256 with the secret as key over
/// `timestamp + "\n" + secret` (not yet URL-encoded).
pub fn sign(secret: &str, timestamp_ms: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Adds `timestamp` and `sign` to every attempt's query, on the wall clock.
struct Signer {
    secret: String,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

impl Interceptor for Signer {
    fn modify_request(&self, _: &CallContext<'_>, request: &mut HttpRequest) -> Result<(), BoxError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
        let timestamp = u64::try_from(now.as_millis())?;
        let signature = sign(&self.secret, timestamp);
        // Form-encoded once, as the query's other pairs (`+`, `/`, `=` escaped).
        let pairs = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("timestamp", &timestamp.to_string())
            .append_pair("sign", &signature)
            .finish();
        let uri = request.uri().to_string();
        let joined = if uri.contains('?') { format!("{uri}&{pairs}") } else { format!("{uri}?{pairs}") };
        *request.uri_mut() = joined.parse()?;
        Ok(())
    }
}

/// The default classification, except that a rate-limited answer stops the call: DingTalk
/// blocks the robot for ten minutes, and every try inside them would be refused too.
#[derive(Debug, Clone, Copy)]
struct NoRetryWhenThrottled;

impl RetryClassifier for NoRetryWhenThrottled {
    fn classify(&self, operation: &'static OperationDescriptor, error: &CallError) -> Decision {
        match error {
            dingtalk_runtime::Error::Api(api) if api.class() == ErrorClass::RateLimited => Decision::Stop,
            _ => DefaultClassifier.classify(operation, error),
        }
    }
}

impl RobotMessage {
    /// A plain-text message.
    pub fn text(content: impl Into<String>) -> Self {
        RobotMessage::Text(RobotText::new().content(content))
    }

    /// A Markdown message; `title` shows in the conversation list.
    pub fn markdown(title: impl Into<String>, text: impl Into<String>) -> Self {
        RobotMessage::Markdown(RobotMarkdown::new().title(title).text(text))
    }
}

/// Options for one message: a deadline for the whole call (the wait for room under the limit
/// included). A shorthand for [`CallOptions::timeout`].
pub fn within(deadline: Duration) -> CallOptions {
    CallOptions::new().timeout(deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // HMAC-SHA256("SECtest", "1700000000000\nSECtest"), base64: computed independently with
        // Python's hmac module (`base64.b64encode(hmac.new(b"SECtest", b"1700000000000\nSECtest",
        // hashlib.sha256).digest())`).
        assert_eq!(sign("SECtest", 1_700_000_000_000), "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=");
    }

    #[test]
    fn a_webhook_url_splits_into_base_and_token_and_errors_hide_the_token() {
        let (base, token) = split_webhook("https://oapi.dingtalk.com/robot/send?access_token=abc123").unwrap();
        assert_eq!((base.as_str(), token.as_str()), ("https://oapi.dingtalk.com", "abc123"));
        let (base, _) = split_webhook("http://127.0.0.1:8080/proxy/robot/send?access_token=t").unwrap();
        assert_eq!(base, "http://127.0.0.1:8080/proxy");
        for bad in [
            "https://oapi.dingtalk.com/robot/other?access_token=abc123",
            "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=x",
            "https://oapi.dingtalk.com/robot/send",
            "not a url abc123",
        ] {
            let e = split_webhook(bad).unwrap_err().to_string();
            assert!(!e.contains("abc123"), "{e}");
        }
        let e = RobotWebhook::builder("http://example.com/robot/send?access_token=abc123").build().unwrap_err();
        assert!(!e.to_string().contains("abc123"), "{e}");
        let builder = RobotWebhook::builder("https://x/robot/send?access_token=abc123").secret("SECxyz");
        let shown = format!("{builder:?}");
        assert!(!shown.contains("abc123") && !shown.contains("SECxyz"), "{shown}");
    }
}
