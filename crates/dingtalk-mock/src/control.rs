//! The fake gateway's control API over HTTP, for tests in another process and demos:
//! `POST /mock/stream/push`, `GET /mock/stream/acks`, `GET /mock/stream/replies`,
//! `POST /mock/stream/disconnect`.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::state::Shared;
use crate::stream::StreamFrameType;

/// The topic of robot messages: a pushed one without a `sessionWebhook` gets a working one.
const ROBOT_TOPIC: &str = "/v1.0/im/bot/messages/get";

/// `POST /mock/stream/push` with `{"type": "EVENT"|"CALLBACK", "topic", "data", "headers"?}`
/// (an EVENT's type in `headers.eventType`, default `mock_event`): delivers the frame as
/// `push_stream_event` / `push_stream_callback` do and answers `{"messageId": …}`.
pub(crate) async fn push(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> (StatusCode, Json<Value>) {
    let bad = |why: &str| (StatusCode::BAD_REQUEST, Json(json!({"code": "InvalidParameter", "message": why})));
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return bad("the body must be a JSON object");
    };
    let mut data = request.get("data").cloned().unwrap_or_else(|| json!({}));
    let headers: Map<String, Value> = match request.get("headers") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(h)) => h.clone(),
        Some(_) => return bad("`headers` must be an object"),
    };
    let message_id = match request.get("type").and_then(Value::as_str) {
        Some("EVENT") => {
            let event_type = headers.get("eventType").and_then(Value::as_str).unwrap_or("mock_event");
            shared.stream().push_event(event_type, &data)
        }
        Some("CALLBACK") => {
            let Some(topic) = request.get("topic").and_then(Value::as_str).filter(|t| !t.is_empty()) else {
                return bad("a CALLBACK needs a `topic`");
            };
            if topic == ROBOT_TOPIC
                && let Value::Object(fields) = &mut data
                && !fields.contains_key("sessionWebhook")
            {
                let (webhook, expires) = shared.sessions().issue(Duration::from_secs(90 * 60));
                fields.insert("sessionWebhook".into(), webhook.into());
                fields.insert("sessionWebhookExpiredTime".into(), expires.into());
            }
            shared.stream().push(StreamFrameType::Callback, topic, headers, &data)
        }
        _ => return bad("`type` must be EVENT or CALLBACK"),
    };
    (StatusCode::OK, Json(json!({ "messageId": message_id })))
}

/// `GET /mock/stream/acks`: the frames the Stream clients sent, oldest first.
pub(crate) async fn acks(State(shared): State<Arc<Shared>>) -> Json<Vec<crate::StreamAck>> {
    Json(shared.stream().acks())
}

/// `GET /mock/stream/replies`: the bodies posted to robot messages' session webhooks.
pub(crate) async fn replies(State(shared): State<Arc<Shared>>) -> Json<Vec<crate::SessionMessage>> {
    Json(shared.sessions().messages())
}

/// `POST /mock/stream/disconnect`: a SYSTEM `disconnect` to every connection;
/// `{"connections": n}`.
pub(crate) async fn disconnect(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "connections": shared.stream().disconnect() }))
}
