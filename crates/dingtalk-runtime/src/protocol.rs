//! The wire protocol of each API generation, as pure functions: from a descriptor and checked
//! parameters to an HTTP request, and from an HTTP answer (status, headers, body) to the typed
//! response or the typed error. No client, no I/O.
//!
//! A service names its generation by its [`ErrorEnvelope`]; [`of`] gives the [`Protocol`] that
//! reads it. Everything that differs between the generations (how errors are read, which
//! answers say the token was refused, how the fake server writes an error) is a method of it,
//! so the client, the fake server and the CLI each have one code path for both.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use url::Url;

use crate::error::*;
use crate::operation::{
    ApiErrorCode, Code, Encoding, ErrorClass, ErrorEnvelope, HttpMethod, Operation, OperationDescriptor, ParamType,
    ResponseEnvelope, ServiceDescriptor, TokenPlacement,
};
use crate::redact::{scrub, scrub_headers, snippet};
use crate::upload::FilePart;

/// How much of a body an error quotes.
pub const SNIPPET_CHARS: usize = 160;

/// A request as the HTTP stack sends it.
pub type HttpRequest = http::Request<Bytes>;
/// An answer as the HTTP stack received it (the body read whole, within the client's cap).
pub type HttpResponse = http::Response<Bytes>;

/// The parameters of a call, encoded once and reused by every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The path with the path parameters filled in, each percent-encoded.
    pub path: String,
    /// The query parameters (name, text), not yet percent-encoded; the access token is not among
    /// them.
    pub query: Vec<(String, String)>,
    /// The header parameters (name, text); the access token is not among them.
    pub headers: Vec<(&'static str, String)>,
    /// Content type and bytes.
    pub body: Option<(Cow<'static, str>, Bytes)>,
}

/// Splits the (checked) parameters into path, query and body as the descriptor says, and
/// encodes the body; `files` are the file parameters' contents (read by the client), sent as
/// parts of a multipart body. `Err` says why the request cannot be written.
pub fn encode(d: &OperationDescriptor, mut params: Map<String, Value>, files: &[FilePart]) -> Result<Encoded, String> {
    let path = fill_path(d.path, &mut params)?;
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut body = Map::new();
    for (name, value) in params {
        if let Some(header) = d.headers.iter().find(|f| f.name == name) {
            // Visible ASCII and spaces only: what every HTTP stack carries the same way (a line
            // break would end the header; bytes past ASCII are read differently by servers).
            let text = scalar_text(value);
            if !text.bytes().all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t') {
                return Err(format!(
                    "the header parameter `{}` may hold only visible ASCII characters and spaces",
                    header.name
                ));
            }
            headers.push((header.name, text));
        } else if d.encoding == Encoding::Query || d.query.iter().any(|f| f.name == name) {
            let value = if d.param(&name).is_some_and(|f| f.comma) { comma_joined(value) } else { value };
            query.push((name, scalar_text(value)));
        } else if d.body.iter().any(|f| f.name == name && f.comma) {
            body.insert(name, comma_joined(value));
        } else {
            body.insert(name, value);
        }
    }
    let body = match d.encoding {
        Encoding::Query => None,
        // The one body parameter is the body (none when it is absent).
        Encoding::JsonValue => match body.into_iter().next() {
            None => None,
            Some((_, value)) => Some((
                Cow::Borrowed(JSON),
                Bytes::from(serde_json::to_vec(&value).map_err(|e| format!("cannot be serialized: {e}"))?),
            )),
        },
        Encoding::Json => Some((
            Cow::Borrowed(JSON),
            Bytes::from(serde_json::to_vec(&body).map_err(|e| format!("cannot be serialized: {e}"))?),
        )),
        Encoding::Form => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in body {
                form.append_pair(&k, &scalar_text(v));
            }
            Some((Cow::Borrowed(FORM), Bytes::from(form.finish())))
        }
        Encoding::Multipart => Some(multipart(d, body, files)?),
    };
    Ok(Encoded { path, query, headers, body })
}

/// A `multipart/form-data` body (RFC 7578): a text part per body parameter, then a file part
/// per file parameter, between boundaries no part can contain.
fn multipart(
    d: &OperationDescriptor,
    body: Map<String, Value>,
    files: &[FilePart],
) -> Result<(Cow<'static, str>, Bytes), String> {
    let boundary = loop {
        let candidate = format!("dingtalk-{:032x}", rand::random::<u128>());
        let needle = candidate.as_bytes();
        if !files.iter().any(|f| f.bytes.windows(needle.len()).any(|w| w == needle)) {
            break candidate;
        }
    };
    let size = files.iter().map(|f| f.bytes.len() + 256).sum::<usize>() + body.len() * 128;
    let mut out = Vec::with_capacity(size);
    for (name, value) in body {
        if d.body.iter().any(|f| f.name == name && matches!(f.ty, ParamType::File)) {
            continue; // its summary; the bytes are in `files`
        }
        let text = scalar_text(value);
        if text.contains(boundary.as_str()) {
            return Err(format!("the parameter `{name}` holds the multipart boundary"));
        }
        out.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n", quoted(&name)).as_bytes(),
        );
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for file in files {
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            quoted(file.field),
            quoted(&file.file_name),
            file.content_type.replace(['\r', '\n'], " ")
        );
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&file.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((Cow::Owned(format!("multipart/form-data; boundary={boundary}")), Bytes::from(out)))
}

/// A name or file name inside a quoted `Content-Disposition` parameter: `"`, CR and LF
/// percent-encoded, as browsers write them (WHATWG HTML, multipart/form-data encoding).
fn quoted(text: &str) -> String {
    text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

const JSON: &str = "application/json;charset=UTF-8";
const FORM: &str = "application/x-www-form-urlencoded;charset=utf-8";

/// The path with each `{name}` segment replaced by its parameter (taken out of `params`),
/// percent-encoded so that a value stays one segment whatever it holds.
fn fill_path(template: &str, params: &mut Map<String, Value>) -> Result<String, String> {
    let mut path = String::with_capacity(template.len() + 16);
    for segment in template.trim_start_matches('/').split('/') {
        path.push('/');
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            path.push_str(segment);
            continue;
        };
        let Some(value) = params.remove(name) else { return Err(format!("needs the path parameter `{name}`")) };
        match scalar_text(value) {
            // `.` and `..` would be read as "this" and "the parent" folder: another endpoint.
            text if text.is_empty() || text == "." || text == ".." => {
                return Err(format!("path parameter `{name}` cannot be `{text}`"));
            }
            // Everything but RFC 3986's unreserved characters is encoded (`/`, `?`, `#`, `;`,
            // `%`, controls, non-ASCII).
            text => path.extend(percent_encoding::utf8_percent_encode(&text, PATH_SEGMENT)),
        }
    }
    Ok(path)
}

/// What a path parameter's value keeps as it is: RFC 3986's unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A list as the one string DingTalk takes for it: its items' text joined by commas.
fn comma_joined(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::String(items.into_iter().map(scalar_text).collect::<Vec<_>>().join(",")),
        other => other,
    }
}

/// A parameter as query or form text: strings as they are, anything else as JSON.
fn scalar_text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The HTTP method of an operation.
pub fn method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Patch => Method::PATCH,
    }
}

/// The request of one attempt: the encoded call at `base`, with the token where the service
/// wants it (`None`: the operation needs none) and `headers` added. `Err` when the token cannot
/// travel in a header or the URL is not one HTTP can carry.
pub fn request(
    d: &OperationDescriptor,
    base: &Url,
    encoded: &Encoded,
    token: Option<&str>,
    headers: &HeaderMap,
) -> Result<HttpRequest, String> {
    // The URI as text, built once: the base (its path kept, without a trailing `/`), the
    // encoded path, then the token and the query, form-encoded as `Url::query_pairs_mut` does.
    let base = base.as_str();
    let base = base.strip_suffix('/').unwrap_or(base);
    let mut uri = String::with_capacity(base.len() + encoded.path.len() + 64);
    uri.push_str(base);
    uri.push_str(&encoded.path);
    let query_token = match (token, d.service.token) {
        (Some(t), TokenPlacement::Query(name)) => Some((name, t)),
        _ => None,
    };
    if query_token.is_some() || !encoded.query.is_empty() {
        uri.push('?');
        let start = uri.len();
        let mut pairs = url::form_urlencoded::Serializer::for_suffix(uri, start);
        if let Some((name, secret)) = query_token {
            pairs.append_pair(name, secret);
        }
        for (k, v) in &encoded.query {
            pairs.append_pair(k, v);
        }
        uri = pairs.finish();
    }
    let body = encoded.body.as_ref().map_or_else(Bytes::new, |(_, b)| b.clone());
    let mut request = http::Request::new(body);
    *request.method_mut() = method(d.method);
    *request.uri_mut() = uri.parse().map_err(|_| "the URL is not one HTTP can carry".to_owned())?;
    let out = request.headers_mut();
    if let Some((content_type, _)) = &encoded.body {
        let value = match content_type {
            Cow::Borrowed(text) => HeaderValue::from_static(text),
            Cow::Owned(text) => {
                HeaderValue::from_str(text).map_err(|_| "the content type is not a header value".to_owned())?
            }
        };
        out.insert(CONTENT_TYPE, value);
    }
    if let (Some(t), TokenPlacement::Header(name)) = (token, d.service.token) {
        let mut value = HeaderValue::from_str(t)
            .map_err(|_| "the access token holds characters a header cannot carry".to_owned())?;
        value.set_sensitive(true);
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("the spec's token header `{name}` is not a valid header name"))?;
        out.insert(name, value);
    }
    // The header parameters, then the call's own headers, which replace those of the same name
    // (a content type of its own).
    for (name, text) in &encoded.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("the spec's header parameter `{name}` is not a valid header name"))?;
        let mut value = HeaderValue::from_str(text)
            .map_err(|_| format!("the header parameter `{name}` holds characters a header cannot carry"))?;
        value.set_sensitive(d.param(name).is_some_and(|f| f.secret));
        out.insert(header, value);
    }
    for name in headers.keys() {
        out.remove(name);
    }
    for (name, value) in headers {
        out.append(name.clone(), value.clone());
    }
    Ok(request)
}

/// Where a successful answer goes: the typed response of the call. The protocol decides
/// whether an answer is a success; the sink reads it into its type in the same pass.
pub trait ResponseSink: Send + Sync {
    /// Reads `body` and keeps it; returns the `errcode` the response declares (old OAPI).
    fn accept(&mut self, body: &[u8]) -> Result<Option<i64>, serde_json::Error>;
}

/// A sink that keeps a `R`.
pub struct TypedSink<R>(Option<R>);

impl<R> TypedSink<R> {
    /// A sink that has taken nothing yet.
    pub fn new() -> Self {
        TypedSink(None)
    }

    /// The response the sink took, if it took one.
    pub fn take(self) -> Option<R> {
        self.0
    }
}

impl<R> Default for TypedSink<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: DeserializeOwned + ResponseEnvelope + Send + Sync> ResponseSink for TypedSink<R> {
    fn accept(&mut self, body: &[u8]) -> Result<Option<i64>, serde_json::Error> {
        let response = serde_json::from_slice::<R>(body)?;
        let errcode = response.errcode();
        self.0 = Some(response);
        Ok(errcode)
    }
}

/// What a protocol needs to know of the call besides the answer: its operation, and the
/// secrets no error may quote.
#[derive(Clone, Copy)]
pub struct Reading<'a> {
    /// The operation called.
    pub operation: &'static OperationDescriptor,
    /// Values (the token) scrubbed from snippets and headers.
    pub secrets: &'a [&'a str],
}

/// An API error written by a server of this generation (the fake server's side).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

/// One API generation's wire protocol.
pub trait Protocol: Sync + fmt::Debug {
    /// Turns an answer into the typed response (kept by `sink`) or the typed error.
    fn decode(&self, call: Reading<'_>, answer: &HttpResponse, sink: &mut dyn ResponseSink) -> Result<(), CallError>;

    /// Whether `error` says the access token was refused: the client drops it, fetches
    /// another and tries once more.
    fn token_rejected(&self, error: &CallError) -> bool;

    /// How a server of this generation answers an API error `code` of `op` (with the status
    /// the spec gives the code, where the generation has statuses), and the `sub_code` with its
    /// message where the generation has sub-codes.
    fn write_error(
        &self,
        op: &OperationDescriptor,
        code: Code<'_>,
        message: &str,
        sub_code: Option<(&str, &str)>,
        request_id: &str,
    ) -> Written;

    /// How a server of this generation answers an error about the HTTP exchange itself (no such
    /// path or method, a body too large): `code` is a name (`NotFound`) for generations with
    /// string codes; generations with numeric codes use the HTTP status.
    fn write_protocol_error(&self, status: u16, code: &str, message: &str, request_id: &str) -> Written;

    /// A successful answer with these response fields, as a server of this generation writes it.
    fn write_success(&self, fields: Map<String, Value>, request_id: &str) -> Written;

    /// A successful answer of an operation whose response is one value (`response_value`).
    fn write_value(&self, value: Value, request_id: &str) -> Written;
}

/// The protocol of `service`'s generation.
pub fn of(service: &ServiceDescriptor) -> &'static dyn Protocol {
    match service.envelope {
        ErrorEnvelope::Errcode => &ErrcodeProtocol,
        ErrorEnvelope::HttpStatus => &StatusProtocol,
    }
}

/// The old OAPI: HTTP 200 (or 400) with a numeric `errcode`, 0 for success.
#[derive(Debug, Clone, Copy)]
pub struct ErrcodeProtocol;

/// The new API: a 2xx with the response object, or an HTTP error status with `{"code",
/// "message", "requestid"}`.
#[derive(Debug, Clone, Copy)]
pub struct StatusProtocol;

impl Protocol for ErrcodeProtocol {
    fn decode(&self, call: Reading<'_>, answer: &HttpResponse, sink: &mut dyn ResponseSink) -> Result<(), CallError> {
        let failure = Failure::new(call, answer);
        let (status, body) = (answer.status().as_u16(), answer.body().as_ref());
        // DingTalk answers API errors with 200; 400 bodies are read like normal ones.
        if status != 200 && status != 400 {
            return Err(failure.http());
        }
        // serde reads a JSON array into a struct field by field: only an object is a response.
        if !body.trim_ascii_start().starts_with(b"{") {
            return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => failure.decode(DecodeErrorKind::NoErrcode),
                Err(e) => failure.not_json(&e),
            });
        }
        // The common case in one pass: a success whose type declares `errcode`. Anything else
        // (an API error, a shape mismatch) is read again below to tell which it is.
        if let Ok(Some(0)) = sink.accept(body) {
            return Ok(());
        }
        let envelope: Envelope = match serde_json::from_slice(body) {
            Ok(e) => e,
            Err(e) if e.is_data() => return Err(failure.decode(DecodeErrorKind::NoErrcode)),
            Err(e) => return Err(failure.not_json(&e)),
        };
        let Some(errcode) = envelope.errcode.as_ref().and_then(int_of) else {
            if envelope.status.is_some() {
                return Err(failure.flood(envelope.wait.as_ref()));
            }
            return Err(failure.decode(DecodeErrorKind::NoErrcode));
        };
        if errcode != 0 {
            let d = call.operation;
            let sub_code = failure.clean(envelope.sub_code);
            return Err(Error::Api(ApiError {
                operation: d.id,
                code: AnyErrorCode::from_descriptor(Code::Num(errcode), d),
                status,
                sub_class: sub_code.as_deref().and_then(|s| d.service.sub_code_class(errcode, s)),
                errmsg: failure.clean(envelope.errmsg).unwrap_or_default(),
                request_id: failure.clean(envelope.request_id),
                sub_code,
                sub_msg: failure.clean(envelope.sub_msg),
                headers: failure.headers(),
            }));
        }
        sink.accept(body).map(drop).map_err(|e| failure.shape(&e))
    }

    fn token_rejected(&self, error: &CallError) -> bool {
        matches!(error, Error::Api(api) if api.class() == ErrorClass::TokenInvalid)
    }

    fn write_error(
        &self,
        _op: &OperationDescriptor,
        code: Code<'_>,
        message: &str,
        sub_code: Option<(&str, &str)>,
        request_id: &str,
    ) -> Written {
        let code = match code {
            Code::Num(n) => Value::from(n),
            Code::Str(s) => Value::from(s),
        };
        let mut body = serde_json::json!({"errcode": code, "errmsg": message, "request_id": request_id});
        if let Some((sub_code, sub_msg)) = sub_code {
            body["sub_code"] = Value::from(sub_code);
            body["sub_msg"] = Value::from(sub_msg);
        }
        Written { status: 200, body }
    }

    fn write_protocol_error(&self, status: u16, _code: &str, message: &str, _request_id: &str) -> Written {
        Written { status, body: serde_json::json!({"errcode": status, "errmsg": message}) }
    }

    /// `errcode` 0 and `errmsg` "ok" first, the fields, and a fresh `request_id` (whatever the
    /// fields held).
    fn write_success(&self, fields: Map<String, Value>, request_id: &str) -> Written {
        let mut body = Map::new();
        body.insert("errcode".into(), Value::from(0));
        body.insert("errmsg".into(), Value::from("ok"));
        body.extend(fields.into_iter().filter(|(k, _)| k != "errcode" && k != "request_id"));
        body.insert("request_id".into(), Value::from(request_id));
        Written { status: 200, body: Value::Object(body) }
    }

    /// The old API answers objects only: the value as `result`.
    fn write_value(&self, value: Value, request_id: &str) -> Written {
        self.write_success(Map::from_iter([("result".to_owned(), value)]), request_id)
    }
}

impl Protocol for StatusProtocol {
    fn decode(&self, call: Reading<'_>, answer: &HttpResponse, sink: &mut dyn ResponseSink) -> Result<(), CallError> {
        let failure = Failure::new(call, answer);
        let status = answer.status().as_u16();
        let trimmed = answer.body().trim_ascii();
        if (200..300).contains(&status) {
            return decode_status_success(&failure, trimmed, sink);
        }
        let envelope = trimmed.starts_with(b"{").then(|| serde_json::from_slice::<StatusEnvelope>(trimmed).ok());
        match envelope.flatten() {
            Some(StatusEnvelope { code: Some(Value::String(code)), message, requestid, .. }) if !code.is_empty() => {
                let d = call.operation;
                let code = clean_code(&code, call.secrets, failure.keys());
                Err(Error::Api(ApiError {
                    operation: d.id,
                    code: AnyErrorCode::from_descriptor(Code::Str(&code), d),
                    status,
                    sub_class: None,
                    errmsg: failure.clean(message).unwrap_or_default(),
                    request_id: failure.clean(requestid),
                    sub_code: None,
                    sub_msg: None,
                    headers: failure.headers(),
                }))
            }
            Some(StatusEnvelope { status: Some(_), wait, .. }) => Err(failure.flood(wait.as_ref())),
            _ => Err(failure.http()),
        }
    }

    /// A code the spec classes token-invalid (`InvalidAuthentication`), or an HTTP 401 whose
    /// body names no code, as a gateway may answer.
    fn token_rejected(&self, error: &CallError) -> bool {
        match error {
            Error::Api(api) => api.class() == ErrorClass::TokenInvalid,
            Error::Http(h) => h.status == 401,
            _ => false,
        }
    }

    fn write_error(
        &self,
        op: &OperationDescriptor,
        code: Code<'_>,
        message: &str,
        _sub_code: Option<(&str, &str)>,
        request_id: &str,
    ) -> Written {
        let status = op.error(code).and_then(|e| e.status).unwrap_or(400);
        let code = code.to_string();
        Written { status, body: serde_json::json!({"code": code, "message": message, "requestid": request_id}) }
    }

    fn write_protocol_error(&self, status: u16, code: &str, message: &str, request_id: &str) -> Written {
        Written { status, body: serde_json::json!({"code": code, "message": message, "requestid": request_id}) }
    }

    fn write_success(&self, fields: Map<String, Value>, _request_id: &str) -> Written {
        Written { status: 200, body: Value::Object(fields) }
    }

    fn write_value(&self, value: Value, _request_id: &str) -> Written {
        Written { status: 200, body: value }
    }
}

/// A 2xx of the new API: the response object, or nothing (an empty object); for an operation
/// whose response is one value (`response_value`), that value (nothing is `null`).
fn decode_status_success(failure: &Failure<'_>, trimmed: &[u8], sink: &mut dyn ResponseSink) -> Result<(), CallError> {
    let whole_value = failure.call.operation.response_value;
    // Some writes answer 200 or 204 with no body: an empty response object.
    let list = matches!(failure.call.operation.response.first().map(|f| f.ty), Some(ParamType::List(_)));
    let object: &[u8] = match (trimmed.is_empty(), whole_value) {
        (true, true) if list => b"[]",
        (true, true) => b"null",
        (true, false) => b"{}",
        (false, _) => trimmed,
    };
    // Per-IP flood protection answers `{"status":1111,"wait":N}` with a 2xx too.
    if object.len() < 256
        && object.windows(6).any(|w| w == b"\"wait\"")
        && let Ok(StatusEnvelope { status: Some(_), wait, code: None, .. }) = serde_json::from_slice(object)
    {
        return Err(failure.flood(wait.as_ref()));
    }
    if !whole_value && !object.starts_with(b"{") {
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(object) {
            Ok(_) => failure.decode(DecodeErrorKind::Shape("the response is not a JSON object".into())),
            Err(e) => failure.not_json(&e),
        });
    }
    sink.accept(object)
        .map(drop)
        .map_err(|e| if e.is_syntax() || e.is_eof() { failure.not_json(&e) } else { failure.shape(&e) })
}

/// Builds the errors of one unusable answer, each quoting it safely. The names of secret
/// fields are looked up only when an error is built (never on a success).
struct Failure<'a> {
    call: Reading<'a>,
    answer: &'a HttpResponse,
    keys: std::cell::OnceCell<Vec<&'static str>>,
}

impl<'a> Failure<'a> {
    fn new(call: Reading<'a>, answer: &'a HttpResponse) -> Self {
        Failure { call, answer, keys: std::cell::OnceCell::new() }
    }

    fn keys(&self) -> &[&'static str] {
        self.keys.get_or_init(|| self.call.operation.secret_names())
    }

    fn content_type(&self) -> Option<String> {
        self.answer.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    fn headers(&self) -> HeaderMap {
        scrub_headers(self.answer.headers(), self.call.secrets, self.keys())
    }

    fn snippet(&self) -> String {
        snippet(self.answer.body(), SNIPPET_CHARS, self.call.secrets, self.keys())
    }

    fn clean(&self, v: Option<Value>) -> Option<String> {
        text_of(v).map(|t| scrub(&t, self.call.secrets, self.keys()))
    }

    fn decode(&self, kind: DecodeErrorKind) -> CallError {
        Error::Decode(DecodeError {
            operation: self.call.operation.id,
            status: self.answer.status().as_u16(),
            content_type: self.content_type(),
            kind,
            snippet: self.snippet(),
            headers: self.headers(),
        })
    }

    fn not_json(&self, e: &serde_json::Error) -> CallError {
        self.decode(DecodeErrorKind::NotJson(scrub(&e.to_string(), self.call.secrets, self.keys())))
    }

    fn shape(&self, e: &serde_json::Error) -> CallError {
        self.decode(DecodeErrorKind::Shape(scrub(&e.to_string(), self.call.secrets, self.keys())))
    }

    fn flood(&self, wait: Option<&Value>) -> CallError {
        let wait_seconds = wait.and_then(int_of).and_then(|w| u64::try_from(w).ok());
        self.decode(DecodeErrorKind::FloodProtection { wait_seconds })
    }

    fn http(&self) -> CallError {
        Error::Http(HttpError {
            operation: self.call.operation.id,
            status: self.answer.status().as_u16(),
            content_type: self.content_type(),
            snippet: self.snippet(),
            headers: self.headers(),
        })
    }
}

/// Turns a raw DingTalk answer (HTTP status, content type, body) into the operation's typed
/// response or typed error, exactly as the client does after each attempt. Useful for answers
/// obtained some other way (a proxy, a recorded fixture). Never panics, whatever the bytes.
pub fn decode_response<O: Operation>(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<O::Response, Error<O::ErrorCode>> {
    let d = O::DESCRIPTOR;
    let mut answer = http::Response::new(Bytes::copy_from_slice(body));
    *answer.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    if let Some(value) = content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
        answer.headers_mut().insert(CONTENT_TYPE, value);
    }
    let mut sink = TypedSink::<O::Response>::new();
    of(d.service)
        .decode(Reading { operation: d, secrets: &[] }, &answer, &mut sink)
        .map_err(|e| e.map_code(|code| O::ErrorCode::from_descriptor(code.code(), d)))?;
    sink.take().ok_or_else(|| Error::Decode(no_response(d, status)))
}

/// The error for a success the sink did not keep (it cannot happen: a protocol reports success
/// only after its sink accepted the body). Reported, never panicked.
pub fn no_response(d: &OperationDescriptor, status: u16) -> DecodeError {
    DecodeError {
        operation: d.id,
        status,
        content_type: None,
        kind: DecodeErrorKind::Shape("no response was decoded".into()),
        snippet: String::new(),
        headers: HeaderMap::new(),
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
    code: Option<Value>,
    message: Option<Value>,
    requestid: Option<Value>,
    status: Option<Value>,
    wait: Option<Value>,
}

/// The old OAPI's body around `errcode`, and the flood protection's `{"status", "wait"}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope {
    errcode: Option<Value>,
    errmsg: Option<Value>,
    request_id: Option<Value>,
    sub_code: Option<Value>,
    sub_msg: Option<Value>,
    status: Option<Value>,
    wait: Option<Value>,
}

fn text_of(v: Option<Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
