//! What the generator emits and the runtime consumes: operation descriptors and the traits
//! that tie a generated request, response and error-code enum to one operation.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// How an operation's parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Body parameters as a JSON object (`application/json`).
    Json,
    /// Body parameters form-encoded (`application/x-www-form-urlencoded`).
    Form,
    /// Every parameter in the query string.
    Query,
}

/// How a client should react to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A transient fault: retried after a backoff.
    Retryable,
    /// A rate limit: retried after a longer backoff.
    RateLimited,
    /// The access token is bad or expired: refreshed and the call retried once.
    TokenInvalid,
    /// Retrying cannot help.
    NotRetryable,
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::RateLimited => "rate-limited",
            ErrorClass::TokenInvalid => "token-invalid",
            ErrorClass::NotRetryable => "not-retryable",
        })
    }
}

/// A server the API is served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub name: &'static str,
    pub url: &'static str,
    pub description: &'static str,
    pub default: bool,
}

/// The wire type of a parameter or field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamType {
    String,
    Bool,
    I32,
    I64,
    F64,
    List(&'static ParamType),
    Object(&'static ObjectSchema),
}

/// The wire shape of a named object type.
#[derive(Debug, PartialEq)]
pub struct ObjectSchema {
    pub name: &'static str,
    pub fields: &'static [FieldSchema],
}

/// A parameter or field with its constraints, as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSchema {
    /// Name on the wire.
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub max_length: Option<i64>,
    pub max_items: Option<i64>,
    /// Never logged; redacted from `Debug`.
    pub secret: bool,
    /// Values must exist in the fake server's store: `store.field(.field)*`.
    pub references: Option<&'static str>,
}

impl FieldSchema {
    /// An optional field with no constraints; chain the methods below to add them.
    pub const fn new(name: &'static str, ty: ParamType) -> Self {
        FieldSchema {
            name,
            ty,
            required: false,
            min: None,
            max: None,
            max_length: None,
            max_items: None,
            secret: false,
            references: None,
        }
    }

    pub const fn required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }

    /// Inclusive bounds of an integer.
    pub const fn range(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }

    /// Most characters of a string.
    pub const fn max_length(mut self, max: i64) -> Self {
        self.max_length = Some(max);
        self
    }

    /// Most items of a list.
    pub const fn max_items(mut self, max: i64) -> Self {
        self.max_items = Some(max);
        self
    }

    /// Never logged; redacted from `Debug` and error snippets.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Values must name objects in the fake server's store (`store.field(.field)*`).
    pub const fn references(mut self, path: &'static str) -> Self {
        self.references = Some(path);
        self
    }
}

/// A documented error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCodeInfo {
    pub code: i64,
    pub name: &'static str,
    pub message: &'static str,
    pub solution: &'static str,
    pub class: ErrorClass,
    /// The parameter whose invalid value this code reports, if the spec ties it to one.
    pub param: Option<&'static str>,
}

/// Offset/size pagination of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaginationInfo {
    /// Parameter carrying the offset of the first item.
    pub offset: &'static str,
    /// Parameter carrying the page size.
    pub size: &'static str,
    /// Response field holding the page's items.
    pub items: &'static str,
    pub max_page_size: i64,
}

/// An example from the documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleInfo {
    pub name: &'static str,
    /// The body parameters of the example request, as JSON.
    pub request_body: Option<&'static str>,
    pub curl: Option<&'static str>,
    /// The response body, verbatim.
    pub response: Option<&'static str>,
}

/// What the fake server does for an operation, beyond validating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockAction {
    List,
    Get,
    Create,
    Update,
    Delete,
}

/// How the fake server stores an operation's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockInfo {
    pub store: &'static str,
    pub action: MockAction,
    pub key: &'static str,
    pub param: Option<&'static str>,
    /// The key's name inside the request object (update), when it differs from `key`.
    pub object_key: Option<&'static str>,
    pub result: Option<&'static str>,
    pub not_found: Option<i64>,
}

/// Everything about how an operation is called, generated from the spec.
#[derive(Debug)]
pub struct OperationDescriptor {
    /// UpperCamelCase operation name, e.g. `ListLabelGroups`.
    pub name: &'static str,
    pub group: &'static str,
    pub summary: &'static str,
    pub method: HttpMethod,
    pub path: &'static str,
    pub encoding: Encoding,
    /// Whether the call carries an access token.
    pub requires_token: bool,
    /// Whether the call may be repeated after it may have reached the server.
    pub retry_safe: bool,
    pub permission: Option<&'static str>,
    pub app_types: &'static [&'static str],
    pub query: &'static [FieldSchema],
    pub body: &'static [FieldSchema],
    pub response: &'static [FieldSchema],
    pub pagination: Option<PaginationInfo>,
    pub errors: &'static [ErrorCodeInfo],
    pub examples: &'static [ExampleInfo],
    pub mock: Option<MockInfo>,
}

impl OperationDescriptor {
    /// The parameter with this wire name, in the query or the body.
    pub fn param(&self, name: &str) -> Option<&'static FieldSchema> {
        self.query.iter().chain(self.body).find(|f| f.name == name)
    }

    /// Wire names of the parameters and response fields the spec marks secret.
    pub fn secret_names(&self) -> Vec<&'static str> {
        self.query.iter().chain(self.body).chain(self.response).filter(|f| f.secret).map(|f| f.name).collect()
    }

    /// The documented error code, from this operation's list or else the global table.
    pub fn error(&self, code: i64) -> Option<&'static ErrorCodeInfo> {
        self.errors.iter().find(|e| e.code == code).or_else(|| crate::generated::service::global_error(code))
    }
}

/// An error-code enum generated for one operation.
pub trait ApiErrorCode: Copy + fmt::Debug + fmt::Display + PartialEq + Send + Sync + 'static {
    fn from_code(code: i64) -> Self;
    /// The code as `op` answered it. Generated enums know their operation already; an error
    /// code of a call chosen at run time (`Client::call`) looks its entry up in `op`.
    fn from_descriptor(code: i64, op: &'static OperationDescriptor) -> Self {
        let _ = op;
        Self::from_code(code)
    }
    fn code(&self) -> i64;
    /// The documented message, if the code is documented.
    fn message(&self) -> Option<&'static str>;
    /// The documented fix, if any.
    fn solution(&self) -> Option<&'static str>;
    /// How a client should react, as the spec says.
    fn class(&self) -> ErrorClass;

    /// `41101 (Invalid size)`: the code and its documented message.
    fn fmt_code(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(m) => write!(f, "{} ({m})", self.code()),
            None => write!(f, "{}", self.code()),
        }
    }
}

/// Implemented by generated responses: the `errcode` they carry, when the spec declares one, so
/// that a successful answer is decoded in a single pass.
pub trait ResponseEnvelope {
    fn errcode(&self) -> Option<i64> {
        None
    }
}

/// A response read without a generated type (`Client::call`).
impl ResponseEnvelope for serde_json::Value {
    fn errcode(&self) -> Option<i64> {
        self.get("errcode").and_then(serde_json::Value::as_i64)
    }
}

/// One generated operation: its request, response and error-code types and its descriptor.
pub trait Operation: Send + Sync + 'static {
    type Request: Serialize + Clone + Default + fmt::Debug + Send + Sync + 'static;
    type Response: DeserializeOwned + ResponseEnvelope + fmt::Debug + Send + 'static;
    type ErrorCode: ApiErrorCode;
    const DESCRIPTOR: &'static OperationDescriptor;
}

/// Ties a request type back to its operation, so `client.execute(request)` knows what to call.
pub trait OperationRequest: Sized {
    type Operation: Operation<Request = Self>;
}

/// An operation paginated by offset and size.
pub trait Paginated: Operation {
    type Item: Send + 'static;
    /// The request's (offset, size).
    fn page(request: &Self::Request) -> (Option<i64>, Option<i64>);
    fn set_page(request: &mut Self::Request, offset: i64, size: i64);
    fn into_items(response: Self::Response) -> Vec<Self::Item>;
    /// How many items a page holds, without taking them out.
    fn item_count(response: &Self::Response) -> usize;
}
