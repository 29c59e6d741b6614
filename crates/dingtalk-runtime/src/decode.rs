//! Reading an answer: the typed response, or the typed error it stands for.

use serde::Deserialize;

use crate::dynamic::AnyErrorCode;
use crate::error::*;
use crate::operation::{ApiErrorCode, Operation, OperationDescriptor, ResponseEnvelope};
use crate::redact::{scrub, snippet};
use crate::send::Decoder;

/// How much of a body an error quotes.
pub(crate) const SNIPPET_CHARS: usize = 160;

/// Turns a raw DingTalk answer (HTTP status, content type, body) into the operation's typed
/// response or typed error, exactly as [`Client`] does after each attempt. Useful for answers
/// obtained some other way (a proxy, a recorded fixture). Never panics, whatever the bytes.
pub fn decode_response<O: Operation>(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<O::Response, Error<O::ErrorCode>> {
    let d = O::DESCRIPTOR;
    let slot = std::sync::Mutex::new(None);
    let decoder = |body: &[u8]| {
        let response = serde_json::from_slice::<O::Response>(body)?;
        let errcode = response.errcode();
        *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(response);
        Ok(errcode)
    };
    decode(d, status, content_type.map(str::to_owned), body, &[], &decoder)
        .map_err(|e| e.map_code(|code| O::ErrorCode::from_descriptor(code.code(), d)))?;
    slot.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).ok_or_else(|| {
        Error::Decode(DecodeError {
            operation: d.name,
            status,
            content_type: content_type.map(str::to_owned),
            kind: DecodeErrorKind::Shape("no response was decoded".into()),
            snippet: String::new(),
        })
    })
}

/// Turns a response into the typed response or the typed error.
/// `decoder` reads (and keeps) the typed response; this function decides what the answer is.
// The error every call returns, built once per attempt: its size does not matter here.
#[allow(clippy::result_large_err)]
pub(crate) fn decode(
    d: &'static OperationDescriptor,
    status: u16,
    content_type: Option<String>,
    body: &[u8],
    secrets: &[&str],
    decoder: Decoder<'_>,
) -> Result<(), Error<AnyErrorCode>> {
    let keys = d.secret_names();
    let decode_error = |kind| {
        Error::Decode(DecodeError {
            operation: d.name,
            status,
            content_type: content_type.clone(),
            kind,
            snippet: snippet(body, SNIPPET_CHARS, secrets, &keys),
        })
    };
    // DingTalk answers API errors with 200; 400 bodies are read like normal ones.
    if status != 200 && status != 400 {
        return Err(Error::Http(HttpError {
            operation: d.name,
            status,
            content_type: content_type.clone(),
            snippet: snippet(body, SNIPPET_CHARS, secrets, &keys),
        }));
    }
    // serde reads a JSON array into a struct field by field: only an object is a response.
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => decode_error(DecodeErrorKind::NoErrcode),
            Err(e) => decode_error(DecodeErrorKind::NotJson(scrub(&e.to_string(), secrets, &keys))),
        });
    }
    // The common case in one pass: a success whose type declares `errcode`. Anything else
    // (an API error, a shape mismatch) is read again below to tell which it is.
    if let Ok(Some(0)) = decoder(body) {
        return Ok(());
    }
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) if e.is_data() => return Err(decode_error(DecodeErrorKind::NoErrcode)),
        Err(e) => return Err(decode_error(DecodeErrorKind::NotJson(scrub(&e.to_string(), secrets, &keys)))),
    };
    let Some(errcode) = envelope.errcode.as_ref().and_then(int_of) else {
        if envelope.status.is_some() {
            let wait_seconds = envelope.wait.as_ref().and_then(int_of).and_then(|w| u64::try_from(w).ok());
            return Err(decode_error(DecodeErrorKind::FloodProtection { wait_seconds }));
        }
        return Err(decode_error(DecodeErrorKind::NoErrcode));
    };
    if errcode != 0 {
        let clean = |v: Option<serde_json::Value>| text_of(v).map(|t| scrub(&t, secrets, &keys));
        return Err(Error::Api(ApiError {
            operation: d.name,
            code: AnyErrorCode::from_descriptor(errcode, d),
            errmsg: clean(envelope.errmsg).unwrap_or_default(),
            request_id: clean(envelope.request_id),
            sub_code: clean(envelope.sub_code),
            sub_msg: clean(envelope.sub_msg),
        }));
    }
    decoder(body).map(drop).map_err(|e| decode_error(DecodeErrorKind::Shape(scrub(&e.to_string(), secrets, &keys))))
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<serde_json::Value>,
    #[serde(default)]
    request_id: Option<serde_json::Value>,
    #[serde(default)]
    sub_code: Option<serde_json::Value>,
    #[serde(default)]
    sub_msg: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    wait: Option<serde_json::Value>,
}

fn text_of(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn int_of(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
