//! The frames of the Stream protocol: what the gateway sends (`SYSTEM`, `EVENT`, `CALLBACK`,
//! each with `headers` and `data`, JSON text inside JSON) and the acks the client answers.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// A frame's kind (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// Connection management: `ping`, `disconnect`, and topics this client does not know.
    System,
    /// A business event (`topic` `*`).
    Event,
    /// A robot message, a card interaction or another callback, by its topic.
    Callback,
}

/// A frame from the gateway, parsed; `data` is the JSON its `data` text holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Its kind.
    pub kind: FrameType,
    /// The `topic` header.
    pub topic: String,
    /// The `messageId` header, echoed by the ack.
    pub message_id: String,
    /// Every header, as sent.
    pub headers: Map<String, Value>,
    /// The payload.
    pub data: Value,
}

/// Why a frame was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not the protocol's JSON.
    #[error("not a Stream frame: {0}")]
    Malformed(String),
    /// A `type` this client does not know.
    #[error("unknown frame type `{0}`")]
    UnknownType(String),
}

#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    data: Option<Value>,
}

/// A header as text: strings as they are, numbers as their digits (`time` comes either way).
pub(crate) fn header_text(headers: &Map<String, Value>, name: &str) -> Option<String> {
    match headers.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Frame {
    /// Parses a text frame.
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        let wire: Wire = serde_json::from_str(text).map_err(|e| FrameError::Malformed(e.to_string()))?;
        let kind = match wire.kind.as_str() {
            "SYSTEM" => FrameType::System,
            "EVENT" => FrameType::Event,
            "CALLBACK" => FrameType::Callback,
            other => return Err(FrameError::UnknownType(other.chars().take(64).collect())),
        };
        let topic = header_text(&wire.headers, "topic").unwrap_or_default();
        let message_id = header_text(&wire.headers, "messageId").unwrap_or_default();
        if message_id.is_empty() && kind != FrameType::System {
            return Err(FrameError::Malformed("an EVENT or CALLBACK frame without a messageId".into()));
        }
        // `data` is JSON text inside the JSON; an object (some samples) is taken as it is.
        let data = match wire.data {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(s)) if s.trim().is_empty() => Value::Null,
            Some(Value::String(s)) => {
                serde_json::from_str(&s).map_err(|e| FrameError::Malformed(format!("`data` is not JSON text: {e}")))?
            }
            Some(other) => other,
        };
        Ok(Frame { kind, topic, message_id, headers: wire.headers, data })
    }

    /// A header of the frame as text.
    pub fn header(&self, name: &str) -> Option<String> {
        header_text(&self.headers, name)
    }
}

/// The text of an ack: `code`, the echoed `messageId`, and `data` as JSON text.
pub fn ack(message_id: &str, code: u16, message: &str, data: &Value) -> String {
    json!({
        "code": code,
        "headers": {"messageId": message_id, "contentType": "application/json"},
        "message": message,
        "data": data.to_string(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_json_text_inside_json() {
        let text = r#"{"specVersion":"1.0","type":"EVENT","headers":{"topic":"*","messageId":"m1","eventType":"user_add_org","time":"1690362102194"},"data":"{\"userId\":[\"u1\"]}"}"#;
        let frame = Frame::parse(text).unwrap();
        assert_eq!((frame.kind, frame.topic.as_str(), frame.message_id.as_str()), (FrameType::Event, "*", "m1"));
        assert_eq!(frame.data, json!({"userId": ["u1"]}));
        assert_eq!(frame.header("time").as_deref(), Some("1690362102194"));
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        for text in [
            "",
            "[]",
            "{\"type\":1}",
            r#"{"type":"EVENT","headers":{},"data":"{}"}"#,
            r#"{"type":"EVENT","headers":{"messageId":"m"},"data":"{x"}"#,
        ] {
            assert!(matches!(Frame::parse(text), Err(FrameError::Malformed(_))), "{text}");
        }
        assert_eq!(Frame::parse(r#"{"type":"PUSH"}"#), Err(FrameError::UnknownType("PUSH".into())));
        // A ping without a messageId is kept (the documentation's samples omit it).
        let ping = Frame::parse(r#"{"type":"SYSTEM","headers":{"topic":"ping"},"data":"{\"opaque\":\"o\"}"}"#).unwrap();
        assert_eq!(ping.data["opaque"], "o");
    }

    #[test]
    fn an_ack_echoes_the_message_id_and_carries_data_as_text() {
        let text = ack("m1", 200, "OK", &json!({"status": "SUCCESS"}));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["headers"]["messageId"], "m1");
        assert_eq!(value["data"], "{\"status\":\"SUCCESS\"}");
        assert_eq!(value["code"], 200);
    }
}
