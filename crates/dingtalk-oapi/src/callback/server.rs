//! A ready callback endpoint: an axum [`Router`] that verifies and decrypts DingTalk's pushes,
//! answers the URL checks, records suite tickets, hands typed events to your code and replies
//! with the encrypted `success` DingTalk waits for.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::future::BoxFuture;
use serde_json::json;

use super::{CallbackCrypto, CryptoError, MAX_ENCRYPTED_LEN};
use crate::Event;

/// Largest request body accepted: the largest `encrypt` plus the JSON around it.
pub const MAX_CALLBACK_BODY: usize = MAX_ENCRYPTED_LEN + 1024;

type Handler = dyn Fn(Event) -> BoxFuture<'static, ()> + Send + Sync;

/// Configures the callback endpoint.
pub struct CallbackService {
    crypto: CallbackCrypto,
    handler: Arc<Handler>,
    #[cfg(feature = "auth")]
    suite: Option<Arc<crate::SuiteCredentials>>,
}

impl CallbackService {
    /// Events go to `handler` once verified and decrypted (URL checks included, after they are
    /// answered). DingTalk gets its `success` when the handler returns.
    pub fn new<F, Fut>(crypto: CallbackCrypto, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        CallbackService {
            crypto,
            handler: Arc::new(move |event| Box::pin(handler(event))),
            #[cfg(feature = "auth")]
            suite: None,
        }
    }

    /// A third-party app: `suite_ticket` pushes are recorded in the suite's store (see
    /// [`SuiteCredentials::with_store`](crate::SuiteCredentials::with_store)), so every instance
    /// can sign `get_corp_token`.
    #[cfg(feature = "auth")]
    pub fn suite(mut self, suite: Arc<crate::SuiteCredentials>) -> Self {
        self.suite = Some(suite);
        self
    }

    /// The endpoint, at `/` of the returned router (nest it where DingTalk should call).
    pub fn router(self) -> Router {
        Router::new()
            .route("/", post(receive))
            .layer(DefaultBodyLimit::max(MAX_CALLBACK_BODY))
            .with_state(Arc::new(self))
    }
}

/// Refuses a request. The details go to the log only: telling a caller which check failed
/// (padding, length, owner key) would help someone probing the key.
fn failure(status: StatusCode, e: &CryptoError) -> Response {
    tracing::warn!(code = e.code(), error = %e, "refused a callback request");
    let errcode = if status == StatusCode::FORBIDDEN { 900005 } else { 900008 };
    (status, axum::Json(json!({"errcode": errcode, "errmsg": "invalid callback request"}))).into_response()
}

async fn receive(
    State(service): State<Arc<CallbackService>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let param = |a: &str, b: &str| query.get(a).or_else(|| query.get(b)).map(String::as_str).unwrap_or_default();
    let (signature, timestamp, nonce) =
        (param("msg_signature", "signature"), param("timestamp", "timeStamp"), param("nonce", "nonce"));
    let encrypt = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => v.get("encrypt").and_then(serde_json::Value::as_str).map(str::to_owned),
        Err(_) => None,
    };
    let Some(encrypt) = encrypt else {
        let e = CryptoError::Decrypt("the body is not a JSON object with an `encrypt` string".into());
        return failure(StatusCode::BAD_REQUEST, &e);
    };
    let message = match service.crypto.decrypt_verified(signature, timestamp, nonce, &encrypt) {
        Ok(m) => m,
        Err(e @ CryptoError::Signature) => return failure(StatusCode::FORBIDDEN, &e),
        Err(e) => return failure(StatusCode::BAD_REQUEST, &e),
    };
    let event = match Event::parse(&message) {
        Ok(event) => event,
        // Refusing would make DingTalk retry a message that can never fit: hand it over as
        // it came instead, and say so in the log.
        Err(e) => match serde_json::from_str::<serde_json::Value>(&message) {
            Ok(raw) => {
                tracing::warn!(error = %e, "a callback message does not fit the spec; handed over as Event::Unknown");
                Event::Unknown { event_type: e.event_type, raw }
            }
            Err(_) => {
                let e = CryptoError::Decrypt("the decrypted message is not JSON".into());
                return failure(StatusCode::BAD_REQUEST, &e);
            }
        },
    };
    #[cfg(feature = "auth")]
    if let (Event::SuiteTicket(ticket), Some(suite)) = (&event, &service.suite)
        && let Some(value) = ticket.suite_ticket.as_deref()
        && let Err(e) = suite.set_ticket(value).await
    {
        tracing::warn!(error = %e, "the suite ticket is kept in this process only");
    }
    tracing::debug!(event_type = event.event_type(), "callback event received");
    (service.handler)(event).await;
    match service.crypto.success_reply() {
        Ok(reply) => axum::Json(reply).into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}
