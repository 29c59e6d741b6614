//! Pushing events to a callback URL the way DingTalk does: the message encrypted and signed
//! with the registration's token, EncodingAESKey and owner key, POSTed with `msg_signature`,
//! `timestamp` and `nonce` in the query and `{"encrypt": ...}` as the body; the reply checked
//! as DingTalk checks it (signature, then the encrypted `success`).

use std::time::Duration;

use dingtalk_oapi::callback::{CallbackCrypto, EncryptedReply, random_nonce};

/// Why a push did not end with the endpoint's encrypted `success`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// No callback URL was configured ([`MockBuilder::callback`](crate::MockBuilder::callback)).
    #[error("no callback URL is configured; set one with MockBuilder::callback")]
    NotConfigured,
    /// The event could not be encrypted.
    #[error("cannot encrypt the event: {0}")]
    Encrypt(String),
    /// The callback URL could not be reached, or its answer not read.
    #[error("cannot reach the callback URL: {0}")]
    Transport(String),
    /// The callback answered an HTTP status other than 200.
    #[error("the callback answered HTTP {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the body (200 characters at most).
        body: String,
    },
    /// The reply is not DingTalk's reply object (`msg_signature`, `timeStamp`, `nonce`, `encrypt`).
    #[error("the callback's reply is not DingTalk's reply object: {0}")]
    Reply(String),
    /// The reply's signature does not verify, or it does not decrypt.
    #[error("the callback's reply does not verify or decrypt: {0}")]
    ReplyCrypto(String),
}

/// Pushes `message` (an event's JSON) to `url` and returns the decrypted reply (`success` from
/// a well-behaved endpoint).
pub async fn push_event(url: &str, crypto: &CallbackCrypto, message: &str) -> Result<String, PushError> {
    let timestamp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis()).to_string();
    let nonce = random_nonce();
    let encrypt = crypto.encrypt(message).map_err(|e| PushError::Encrypt(e.to_string()))?;
    let signature = crypto.signature(&timestamp, &nonce, &encrypt);
    dingtalk_oapi::runtime::transport::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| PushError::Transport(e.to_string()))?;
    let response = client
        .post(url)
        .query(&[("msg_signature", signature.as_str()), ("timestamp", timestamp.as_str()), ("nonce", nonce.as_str())])
        .header("content-type", "application/json")
        .body(serde_json::json!({ "encrypt": encrypt }).to_string())
        .send()
        .await
        .map_err(|e| PushError::Transport(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| PushError::Transport(e.without_url().to_string()))?;
    if status != 200 {
        return Err(PushError::Status { status, body: body.chars().take(200).collect() });
    }
    let reply: EncryptedReply = serde_json::from_str(&body).map_err(|e| PushError::Reply(e.to_string()))?;
    crypto
        .decrypt_verified(&reply.msg_signature, &reply.time_stamp, &reply.nonce, &reply.encrypt)
        .map_err(|e| PushError::ReplyCrypto(e.to_string()))
}
