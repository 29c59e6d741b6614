//! Reading an answer: the typed response, or the typed error it stands for.

use serde::Deserialize;

use crate::dynamic::AnyErrorCode;
use crate::error::*;
use crate::operation::{ApiErrorCode, Code, ErrorEnvelope, Operation, OperationDescriptor, ResponseEnvelope};
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
            operation: d.id,
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
    let decode_error = |kind| decode_failure(d, status, &content_type, body, secrets, &keys, kind);
    if d.service.envelope == ErrorEnvelope::HttpStatus {
        return decode_status(d, status, content_type, body, secrets, decoder);
    }
    // DingTalk answers API errors with 200; 400 bodies are read like normal ones.
    if status != 200 && status != 400 {
        return Err(Error::Http(HttpError {
            operation: d.id,
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
            operation: d.id,
            code: AnyErrorCode::from_descriptor(Code::Num(errcode), d),
            status,
            sub_class: envelope
                .sub_code
                .as_ref()
                .and_then(|s| text_of(Some(s.clone())))
                .and_then(|s| d.service.sub_code_class(errcode, &s)),
            errmsg: clean(envelope.errmsg).unwrap_or_default(),
            request_id: clean(envelope.request_id),
            sub_code: clean(envelope.sub_code),
            sub_msg: clean(envelope.sub_msg),
        }));
    }
    decoder(body).map(drop).map_err(|e| decode_error(DecodeErrorKind::Shape(scrub(&e.to_string(), secrets, &keys))))
}

/// An unusable answer, quoted by a short snippet free of secrets.
fn decode_failure(
    d: &'static OperationDescriptor,
    status: u16,
    content_type: &Option<String>,
    body: &[u8],
    secrets: &[&str],
    keys: &[&str],
    kind: DecodeErrorKind,
) -> Error<AnyErrorCode> {
    Error::Decode(DecodeError {
        operation: d.id,
        status,
        content_type: content_type.clone(),
        kind,
        snippet: snippet(body, SNIPPET_CHARS, secrets, keys),
    })
}

/// The new API's answers: a 2xx carries the response object (or nothing); an error status
/// carries `{"code", "message", "requestid"}`.
#[allow(clippy::result_large_err)]
fn decode_status(
    d: &'static OperationDescriptor,
    status: u16,
    content_type: Option<String>,
    body: &[u8],
    secrets: &[&str],
    decoder: Decoder<'_>,
) -> Result<(), Error<AnyErrorCode>> {
    let keys = d.secret_names();
    let decode_error = |kind| decode_failure(d, status, &content_type, body, secrets, &keys, kind);
    let trimmed = body.trim_ascii();
    if (200..300).contains(&status) {
        // Some writes answer 200 or 204 with no body: an empty response object.
        let object: &[u8] = if trimmed.is_empty() { b"{}" } else { trimmed };
        // Per-IP flood protection answers `{"status":1111,"wait":N}` with a 2xx too.
        if object.len() < 256
            && object.windows(6).any(|w| w == b"\"wait\"")
            && let Ok(StatusEnvelope { status: Some(_), wait, code: None, .. }) = serde_json::from_slice(object)
        {
            let wait_seconds = wait.as_ref().and_then(int_of).and_then(|w| u64::try_from(w).ok());
            return Err(decode_error(DecodeErrorKind::FloodProtection { wait_seconds }));
        }
        if !object.starts_with(b"{") {
            return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(object) {
                Ok(_) => decode_error(DecodeErrorKind::Shape("the response is not a JSON object".into())),
                Err(e) => decode_error(DecodeErrorKind::NotJson(scrub(&e.to_string(), secrets, &keys))),
            });
        }
        return decoder(object).map(drop).map_err(|e| {
            let text = scrub(&e.to_string(), secrets, &keys);
            decode_error(if e.is_syntax() || e.is_eof() {
                DecodeErrorKind::NotJson(text)
            } else {
                DecodeErrorKind::Shape(text)
            })
        });
    }
    let envelope = trimmed.starts_with(b"{").then(|| serde_json::from_slice::<StatusEnvelope>(trimmed).ok()).flatten();
    match envelope {
        Some(StatusEnvelope { code: Some(serde_json::Value::String(code)), message, requestid, .. })
            if !code.is_empty() =>
        {
            let clean = |v: Option<serde_json::Value>| text_of(v).map(|t| scrub(&t, secrets, &keys));
            let code = clean_code(&code, secrets, &keys);
            Err(Error::Api(ApiError {
                operation: d.id,
                code: AnyErrorCode::from_descriptor(Code::Str(&code), d),
                status,
                sub_class: None,
                errmsg: clean(message).unwrap_or_default(),
                request_id: clean(requestid),
                sub_code: None,
                sub_msg: None,
            }))
        }
        Some(StatusEnvelope { status: Some(_), wait, .. }) => {
            let wait_seconds = wait.as_ref().and_then(int_of).and_then(|w| u64::try_from(w).ok());
            Err(decode_error(DecodeErrorKind::FloodProtection { wait_seconds }))
        }
        _ => Err(Error::Http(HttpError {
            operation: d.id,
            status,
            content_type: content_type.clone(),
            snippet: snippet(body, SNIPPET_CHARS, secrets, &keys),
        })),
    }
}

/// A string code as it is kept and shown: DingTalk's codes are letters, digits, `.`, `_` and
/// `-`; anything else (a newline, an echoed secret) is replaced, and the length is capped.
fn clean_code(code: &str, secrets: &[&str], keys: &[&str]) -> String {
    const MAX: usize = 128;
    let scrubbed = scrub(code, secrets, keys);
    let mut out: String = scrubbed
        .chars()
        .take(MAX)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '?' })
        .collect();
    if scrubbed.chars().count() > MAX {
        out.push('…');
    }
    out
}

/// The new API's error body. Every member may be absent or of any JSON type.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusEnvelope {
    code: Option<serde_json::Value>,
    message: Option<serde_json::Value>,
    requestid: Option<serde_json::Value>,
    status: Option<serde_json::Value>,
    wait: Option<serde_json::Value>,
}

/// The old OAPI's body around `errcode`, and the flood protection's `{"status", "wait"}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope {
    errcode: Option<serde_json::Value>,
    errmsg: Option<serde_json::Value>,
    request_id: Option<serde_json::Value>,
    sub_code: Option<serde_json::Value>,
    sub_msg: Option<serde_json::Value>,
    status: Option<serde_json::Value>,
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
