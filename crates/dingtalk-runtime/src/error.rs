//! Typed errors: every way a call can fail, each with one actionable line of `Display`.

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;

use crate::operation::{ApiErrorCode, Code, ErrorClass, ErrorCodeInfo, OperationDescriptor};

/// Any error a lower layer (the HTTP stack, an interceptor) reports, kept as the `source()`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The error of an operation whose documented error codes are `C`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<C> {
    /// DingTalk answered with a non-zero `errcode`.
    Api(ApiError<C>),
    /// The request breaks a constraint of the spec; nothing was sent.
    Validation(ValidationError),
    /// No access token could be had.
    Auth(AuthError),
    /// The server could not be reached, or did not answer in time.
    Transport(TransportError),
    /// The server answered with an HTTP error status.
    Http(HttpError),
    /// The server's answer is not a DingTalk response.
    Decode(DecodeError),
    /// A paginator stopped at its page cap before the last page.
    PageLimit {
        /// The operation's id.
        operation: &'static str,
        /// The pages fetched.
        pages: usize,
    },
    /// The client-side rate limit would have held the call past its deadline; nothing was sent.
    Throttled {
        /// The operation's id.
        operation: &'static str,
        /// The calls the refusing rule allows per window.
        permits: u32,
        /// The refusing rule's window.
        window: std::time::Duration,
        /// How long the call would have had to wait.
        wait: std::time::Duration,
    },
    /// The server handed out a cursor (or a next token) it had handed out before: walking on
    /// would loop forever.
    RepeatedCursor {
        /// The operation's id.
        operation: &'static str,
        /// The cursor or token handed out again.
        cursor: crate::operation::PagePosition,
        /// The pages fetched.
        pages: usize,
    },
    /// An interceptor refused to let the request go (nothing was sent).
    Interceptor(InterceptorError),
}

impl<C: ApiErrorCode> Error<C> {
    /// The typed code of an API error.
    pub fn code(&self) -> Option<C> {
        match self {
            Error::Api(e) => Some(e.code.clone()),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError<C>> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The request id DingTalk gave, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.as_api().and_then(|e| e.request_id.as_deref())
    }

    /// The headers of the answer that caused the error, when there was one (API, HTTP and
    /// decode errors).
    pub fn response_headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::Http(e) => Some(&e.headers),
            Error::Decode(e) => Some(&e.headers),
            _ => None,
        }
    }
}

impl<C> Error<C> {
    /// The same error with the API error's code converted (the send loop works with
    /// [`AnyErrorCode`](crate::AnyErrorCode); each call hands back its own code type).
    pub fn map_code<D>(self, f: impl FnOnce(C) -> D) -> Error<D> {
        match self {
            Error::Api(e) => Error::Api(ApiError {
                operation: e.operation,
                code: f(e.code),
                status: e.status,
                sub_class: e.sub_class,
                errmsg: e.errmsg,
                request_id: e.request_id,
                sub_code: e.sub_code,
                sub_msg: e.sub_msg,
                headers: e.headers,
            }),
            Error::Validation(e) => Error::Validation(e),
            Error::Auth(e) => Error::Auth(e),
            Error::Transport(e) => Error::Transport(e),
            Error::Http(e) => Error::Http(e),
            Error::Decode(e) => Error::Decode(e),
            Error::PageLimit { operation, pages } => Error::PageLimit { operation, pages },
            Error::RepeatedCursor { operation, cursor, pages } => Error::RepeatedCursor { operation, cursor, pages },
            Error::Throttled { operation, permits, window, wait } => {
                Error::Throttled { operation, permits, window, wait }
            }
            Error::Interceptor(e) => Error::Interceptor(e),
        }
    }
}

impl<C: ApiErrorCode> fmt::Display for Error<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Validation(e) => e.fmt(f),
            Error::Auth(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Http(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Interceptor(e) => e.fmt(f),
            Error::Throttled { operation, permits, window, wait } => write!(
                f,
                "{operation}: the client-side rate limit ({permits} per {window:?}) would hold this call {wait:?}, past its deadline; nothing was sent (raise the limit or the deadline)"
            ),
            Error::RepeatedCursor { operation, cursor, pages } => write!(
                f,
                "{operation}: after {pages} pages the server returned the cursor (or next token) {cursor} a second time; stopped rather than loop forever"
            ),
            Error::PageLimit { operation, pages } => write!(
                f,
                "{operation}: stopped after {pages} pages without reaching the last one; raise `max_pages` if the data is really this large"
            ),
        }
    }
}

impl<C: ApiErrorCode> std::error::Error for Error<C> {
    /// The error underneath: the validation problem, the HTTP stack's error (reqwest's, and
    /// through it the I/O error), the interceptor's.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Validation(e) => Some(e),
            Error::Transport(e) => Some(e),
            Error::Interceptor(e) => Some(e),
            _ => None,
        }
    }
}

/// DingTalk answered with an error code: a non-zero `errcode` (old OAPI) or an HTTP error
/// status with a string `code` (new API).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError<C> {
    /// The operation's id (`ListLabelGroups`, `contact_1_0.GetUser`).
    pub operation: &'static str,
    /// The typed code.
    pub code: C,
    /// The HTTP status (200 for the old OAPI's `errcode` answers).
    pub status: u16,
    /// The class the service's table gives the `sub_code`, where it gives one.
    pub sub_class: Option<ErrorClass>,
    /// `errmsg` (old OAPI) or `message` (new API).
    pub errmsg: String,
    /// The request id DingTalk gave, for support tickets.
    pub request_id: Option<String>,
    /// The `sub_code`, when the answer carries one.
    pub sub_code: Option<String>,
    /// The `sub_msg`, when the answer carries one.
    pub sub_msg: Option<String>,
    /// The answer's headers (request-id and tracing headers included).
    pub headers: HeaderMap,
}

impl<C: ApiErrorCode> ApiError<C> {
    /// How a client should react: the sub-code's class where the spec gives one, else the code's.
    pub fn class(&self) -> ErrorClass {
        self.sub_class.unwrap_or_else(|| self.code.class())
    }

    /// The documented fix.
    pub fn solution(&self) -> Option<&'static str> {
        self.code.solution()
    }
}

impl<C: ApiErrorCode> fmt::Display for ApiError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code.code() {
            Code::Num(n) => write!(f, "{} failed: DingTalk errcode {n}", self.operation)?,
            Code::Str(s) => write!(f, "{} failed: DingTalk error {s} (HTTP {})", self.operation, self.status)?,
        }
        if !self.errmsg.is_empty() {
            write!(f, " \"{}\"", self.errmsg)?;
        } else if let Some(m) = self.code.message() {
            write!(f, " \"{m}\"")?;
        }
        if let Some(sub) = &self.sub_code {
            write!(f, ", sub_code {sub}")?;
            if let Some(msg) = &self.sub_msg {
                write!(f, " \"{msg}\"")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request_id {id}")?;
        }
        if let Some(s) = self.solution() {
            write!(f, "; fix: {s}")?;
        }
        Ok(())
    }
}

/// No access token could be had (the token request failed, or no provider is set).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthError {
    /// One line, already free of secrets.
    pub message: String,
    /// The errcode of the token request, when DingTalk answered one.
    pub errcode: Option<i64>,
    /// Whether asking again later may help (the token endpoint was busy or unreachable).
    pub retryable: bool,
    /// The string code of the token request, when the new API answered one
    /// (`InvalidAuthentication`, …).
    pub code: Option<String>,
}

impl AuthError {
    /// A failure asking again cannot fix (no provider, a missing ticket, an empty answer).
    pub fn fatal(message: impl Into<String>) -> Self {
        AuthError { message: message.into(), errcode: None, retryable: false, code: None }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not get an access token: {}", self.message)
    }
}

impl std::error::Error for AuthError {}

/// The server could not be reached or did not answer in time. Never holds the URL's query.
#[derive(Debug, Clone)]
pub struct TransportError {
    /// The operation's id.
    pub operation: &'static str,
    /// What went wrong.
    pub kind: TransportErrorKind,
    /// Method and URL without its query string (where the token travels).
    pub target: String,
    /// What the HTTP stack said, with any URL removed.
    pub detail: String,
    /// Whether the request may have reached the server (false only when connecting failed).
    pub maybe_sent: bool,
    /// The HTTP stack's error (reqwest's, with the URL removed), reachable through
    /// [`source`](std::error::Error::source).
    pub(crate) source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

/// What went wrong in a [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Connecting failed: the request cannot have reached the server.
    Connect,
    /// No complete answer within the attempt's timeout.
    Timeout,
    /// The connection broke while sending or receiving.
    Connection,
    /// The overall deadline of the call (all attempts) ran out.
    Deadline,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "could not connect to",
            TransportErrorKind::Timeout => "timed out waiting for",
            TransportErrorKind::Connection => "lost the connection to",
            TransportErrorKind::Deadline => "ran out of time calling",
        };
        write!(f, "{} failed: {what} {}", self.operation, self.target)?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        match self.kind {
            TransportErrorKind::Connect => write!(f, "; check the base URL and the network"),
            TransportErrorKind::Timeout | TransportErrorKind::Deadline => {
                write!(f, "; raise the timeout or try again later")
            }
            TransportErrorKind::Connection if self.maybe_sent => {
                write!(f, "; the request may have reached DingTalk, check before repeating a write")
            }
            TransportErrorKind::Connection => Ok(()),
        }
    }
}

/// The server answered with an HTTP error status its API generation does not read as an API
/// error.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpError {
    /// The operation's id.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The start of the body, on one line, secrets scrubbed.
    pub snippet: String,
    /// The answer's headers.
    pub headers: HeaderMap,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: HTTP {}", self.operation, self.status)?;
        if let Some(ct) = &self.content_type {
            write!(f, " ({ct})")?;
        }
        if !self.snippet.is_empty() {
            write!(f, ": {}", self.snippet)?;
        }
        if self.status == 429 || self.status >= 500 {
            write!(f, "; DingTalk is overloaded or failing, try again later")?;
        }
        Ok(())
    }
}

/// The answer is not a DingTalk response the spec describes.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// The operation's id.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// What is wrong with the answer.
    pub kind: DecodeErrorKind,
    /// The start of the body, on one line, secrets scrubbed.
    pub snippet: String,
    /// The answer's headers (empty when there was no answer to speak of).
    pub headers: HeaderMap,
}

/// What is wrong with an answer in a [`DecodeError`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is not JSON (an HTML error page, a truncated body).
    NotJson(String),
    /// JSON without an `errcode`.
    NoErrcode,
    /// Per-IP flood protection answered `{"status":1111,"wait":N}`.
    FloodProtection {
        /// How long it asks the caller to wait (`wait`), in seconds.
        wait_seconds: Option<u64>,
    },
    /// `errcode` was 0 but the fields do not match the spec's types.
    Shape(String),
    /// The body was larger than the client's cap.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: unusable response (HTTP {}", self.operation, self.status)?;
        if let Some(ct) = &self.content_type {
            write!(f, ", {ct}")?;
        }
        f.write_str("): ")?;
        match &self.kind {
            DecodeErrorKind::NotJson(e) => write!(f, "not JSON ({e})")?,
            DecodeErrorKind::NoErrcode => f.write_str("JSON without an errcode")?,
            DecodeErrorKind::FloodProtection { wait_seconds } => {
                f.write_str("DingTalk's flood protection refused the call")?;
                if let Some(w) = wait_seconds {
                    write!(f, "; wait {w} s before calling again")?;
                }
            }
            DecodeErrorKind::Shape(e) => write!(f, "fields do not match the spec ({e})")?,
            DecodeErrorKind::TooLarge { limit } => {
                write!(f, "body larger than the {limit}-byte cap; raise `max_response_bytes` if this is expected")?
            }
        }
        if !self.snippet.is_empty() {
            write!(f, "; body starts: {}", self.snippet)?;
        }
        Ok(())
    }
}

/// An interceptor's `modify_request` failed; nothing was sent.
#[derive(Debug, Clone)]
pub struct InterceptorError {
    /// The operation's id.
    pub operation: &'static str,
    /// What the interceptor said.
    pub message: String,
    pub(crate) source: Arc<dyn std::error::Error + Send + Sync>,
}

impl InterceptorError {
    /// The interceptor's error for `operation`; `message` is its `Display`, kept free of secrets
    /// by the interceptor that wrote it.
    pub fn new(operation: &'static str, source: BoxError) -> Self {
        InterceptorError { operation, message: source.to_string(), source: Arc::from(source) }
    }
}

impl fmt::Display for InterceptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: an interceptor refused the request ({}); nothing was sent", self.operation, self.message)
    }
}

impl std::error::Error for InterceptorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source as _)
    }
}

/// A request that breaks a constraint of the spec; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The operation, once known (set by the client).
    pub operation: Option<&'static str>,
    /// Wire path of the offending parameter, e.g. `size` or `contact.label_ids`.
    pub field: String,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The parameter is required but absent.
    Missing,
    /// An integer below the spec's `min`.
    BelowMin {
        /// The value given.
        value: i64,
        /// The least value allowed.
        min: i64,
    },
    /// An integer above the spec's `max`.
    AboveMax {
        /// The value given.
        value: i64,
        /// The greatest value allowed.
        max: i64,
    },
    /// A string longer than the spec's `max_length`.
    TooLong {
        /// Its length, in characters.
        length: u64,
        /// The most characters allowed.
        max: u64,
    },
    /// A list longer than the spec's `max_items`.
    TooManyItems {
        /// Its items.
        count: u64,
        /// The most items allowed.
        max: u64,
    },
    /// A value whose JSON text is longer than the spec's `max_json_bytes`.
    TooManyBytes {
        /// Its JSON text's length, in bytes.
        bytes: u64,
        /// The most bytes allowed.
        max: u64,
    },
    /// A file larger than the spec's `max_bytes` (or its `max_bytes_by` for the call).
    FileTooLarge {
        /// Its size, in bytes.
        size: u64,
        /// The most bytes allowed.
        max: u64,
    },
    /// Anything else: the sentence says what.
    Invalid(String),
}

impl ValidationError {
    /// A problem with the parameter at wire path `field`; the client sets the operation.
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        ValidationError { operation: None, field: field.into(), problem }
    }

    /// A problem with the request as a whole (no one field), for `operation`.
    pub fn request(operation: &'static str, why: impl Into<String>) -> Self {
        ValidationError { operation: Some(operation), field: String::new(), problem: Problem::Invalid(why.into()) }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("is required"),
            Problem::BelowMin { value, min } => write!(f, "is {value}, below the minimum of {min}"),
            Problem::AboveMax { value, max } => write!(f, "is {value}, above the maximum of {max}"),
            Problem::TooLong { length, max } => write!(f, "is {length} characters long, more than the {max} allowed"),
            Problem::TooManyItems { count, max } => write!(f, "has {count} items, more than the {max} allowed"),
            Problem::TooManyBytes { bytes, max } => {
                write!(f, "is {bytes} bytes as JSON, more than the {max} allowed")
            }
            Problem::FileTooLarge { size, max } => write!(f, "is a file of {size} bytes, more than the {max} allowed"),
            Problem::Invalid(why) => f.write_str(why),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request")?;
        if let Some(op) = self.operation {
            write!(f, " to {op}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.problem)?;
        } else {
            write!(f, ": `{}` {}", self.field, self.problem)?;
        }
        f.write_str(" (nothing was sent)")
    }
}

impl std::error::Error for ValidationError {}

/// The error code of a call the send loop makes before it knows the caller's code type, and of
/// calls chosen at run time ([`Client::call`](crate::Client::call)): the number or string,
/// looked up in the operation's (or the service's) table of the spec.
#[derive(Debug, Clone)]
pub struct AnyErrorCode {
    code: OwnedCode,
    operation: &'static OperationDescriptor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnedCode {
    Num(i64),
    Str(Box<str>),
}

impl AnyErrorCode {
    /// The operation that answered the code.
    pub fn operation(&self) -> &'static OperationDescriptor {
        self.operation
    }
}

impl PartialEq for AnyErrorCode {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && std::ptr::eq(self.operation, other.operation)
    }
}

impl Eq for AnyErrorCode {}

impl ApiErrorCode for AnyErrorCode {
    fn from_descriptor(code: Code<'_>, operation: &'static OperationDescriptor) -> Self {
        let code = match code {
            Code::Num(n) => OwnedCode::Num(n),
            Code::Str(s) => OwnedCode::Str(s.into()),
        };
        AnyErrorCode { code, operation }
    }

    fn code(&self) -> Code<'_> {
        match &self.code {
            OwnedCode::Num(n) => Code::Num(*n),
            OwnedCode::Str(s) => Code::Str(s),
        }
    }

    fn info(&self) -> Option<&'static ErrorCodeInfo> {
        self.operation.error(self.code())
    }
}

impl fmt::Display for AnyErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_code(f)
    }
}

/// The error of a [`Client::call`](crate::Client::call).
pub type CallError = Error<AnyErrorCode>;
