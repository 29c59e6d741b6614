//! What the generator emits and the runtime consumes: operation descriptors and the traits
//! that tie a generated request, response and error-code enum to one operation.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `PATCH`.
    Patch,
}

impl HttpMethod {
    /// The method as sent (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
        }
    }
}

/// An error code as a service answers it: a number in an `errcode` body (the old OAPI) or a
/// string in an HTTP error envelope (the new API: `InvalidAuthentication`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code<'a> {
    /// A numeric code (`40014`).
    Num(i64),
    /// A string code (`InvalidAuthentication`).
    Str(&'a str),
}

impl Code<'_> {
    /// The number, for a numeric code.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Code::Num(n) => Some(n),
            Code::Str(_) => None,
        }
    }
}

impl fmt::Display for Code<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Num(n) => write!(f, "{n}"),
            Code::Str(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Code<'_> {
    fn from(n: i64) -> Self {
        Code::Num(n)
    }
}

impl<'a> From<&'a str> for Code<'a> {
    fn from(s: &'a str) -> Self {
        Code::Str(s)
    }
}

impl PartialEq<i64> for Code<'_> {
    fn eq(&self, other: &i64) -> bool {
        *self == Code::Num(*other)
    }
}

impl PartialEq<&str> for Code<'_> {
    fn eq(&self, other: &&str) -> bool {
        matches!(self, Code::Str(s) if s == other)
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
    /// The one body parameter's value is the whole JSON body (an array or a scalar); the other
    /// parameters travel in the path, the query and the headers.
    JsonValue,
    /// Body parameters as `multipart/form-data`: each scalar a text part, each
    /// [`ParamType::File`] a file part (`/media/upload`).
    Multipart,
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
    /// Short name users pick the server by, e.g. `international`.
    pub name: &'static str,
    /// Scheme and host, e.g. `https://oapi.dingtalk.io`.
    pub url: &'static str,
    /// What the server is for; may be empty.
    pub description: &'static str,
    /// Whether it is used when the user names none.
    pub default: bool,
}

/// The wire type of a parameter or field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamType {
    /// A JSON string.
    String,
    /// A JSON boolean.
    Bool,
    /// A whole number that fits an `i32`.
    I32,
    /// A whole number that fits an `i64` (DingTalk's Number).
    I64,
    /// Any JSON number.
    F64,
    /// A JSON array of the inner type.
    List(&'static ParamType),
    /// A JSON object of a named type.
    Object(&'static ObjectSchema),
    /// One of several object types, told apart by a tag field (a tagged union).
    Union(&'static UnionSchema),
    /// Any JSON value (the new API's free-form maps and `Any`).
    Json,
    /// A file sent as a part of a `multipart/form-data` body: in a request, an
    /// [`Upload`](crate::Upload) (a path or bytes); once read, `{"file_name", "size",
    /// "content_type"}` with the bytes beside the parameters.
    File,
}

/// The wire shape of a named object type.
#[derive(Debug, PartialEq)]
pub struct ObjectSchema {
    /// The type's name.
    pub name: &'static str,
    /// Its fields.
    pub fields: &'static [FieldSchema],
}

/// The wire shape of a tagged union: an object whose `tag` field names the variant and whose
/// field of that same name holds the variant's value, as DingTalk's messages are written
/// (`{"msgtype": "text", "text": {"content": "…"}}`).
#[derive(Debug, PartialEq)]
pub struct UnionSchema {
    /// The type's name.
    pub name: &'static str,
    /// The tag field's wire name (`msgtype`).
    pub tag: &'static str,
    /// The variants: each one's name is both the tag's value and the field holding its value.
    pub variants: &'static [FieldSchema],
}

impl UnionSchema {
    /// The variant whose tag value is `name`.
    pub fn variant(&self, name: &str) -> Option<&'static FieldSchema> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// Whether `key` is a name the union's wire form uses (its tag or a variant's field).
    pub fn uses_key(&self, key: &str) -> bool {
        key == self.tag || self.variant(key).is_some()
    }
}

/// A parameter or field with its constraints, as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSchema {
    /// Name on the wire.
    pub name: &'static str,
    /// The wire type.
    pub ty: ParamType,
    /// Whether the field must be present.
    pub required: bool,
    /// Least value of an integer, inclusive.
    pub min: Option<i64>,
    /// Greatest value of an integer, inclusive.
    pub max: Option<i64>,
    /// Most characters of a string.
    pub max_length: Option<i64>,
    /// Most items of a list.
    pub max_items: Option<i64>,
    /// Never logged; redacted from `Debug`.
    pub secret: bool,
    /// Values must exist in the fake server's store: `store.field(.field)*`.
    pub references: Option<&'static str>,
    /// A union whose tag and variant fields sit in the enclosing object itself, not in a field
    /// of this name (the robot webhook's body: `msgtype`, `text`, … beside `at`).
    pub flatten: bool,
    /// A list parameter sent as one comma-joined string (`user1,user2`).
    pub comma: bool,
    /// Most bytes of the value's JSON text.
    pub max_json_bytes: Option<i64>,
    /// Most bytes of a file.
    pub max_bytes: Option<i64>,
    /// A file's own limit for some values of another parameter (2 MB for a voice).
    pub max_bytes_by: Option<&'static BytesBy>,
}

/// A file's size limit that depends on another parameter's value: `/media/upload` takes
/// 20 MB of an image but 2 MB of a voice, by its `type`.
#[derive(Debug, PartialEq)]
pub struct BytesBy {
    /// The parameter whose value decides.
    pub param: &'static str,
    /// (value, most bytes) pairs; a value not listed has the field's `max_bytes`.
    pub limits: &'static [(&'static str, i64)],
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
            flatten: false,
            comma: false,
            max_json_bytes: None,
            max_bytes: None,
            max_bytes_by: None,
        }
    }

    /// Whether the field must be present.
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

    /// The field is a union written into the enclosing object (see [`flatten`](Self::flatten)).
    pub const fn flattened(mut self) -> Self {
        self.flatten = true;
        self
    }

    /// The list is sent as one comma-joined string.
    pub const fn comma_separated(mut self) -> Self {
        self.comma = true;
        self
    }

    /// Most bytes of the value's JSON text.
    pub const fn max_json_bytes(mut self, max: i64) -> Self {
        self.max_json_bytes = Some(max);
        self
    }

    /// Most bytes of a file.
    pub const fn max_bytes(mut self, max: i64) -> Self {
        self.max_bytes = Some(max);
        self
    }

    /// A file's own limit for some values of another parameter.
    pub const fn max_bytes_by(mut self, by: &'static BytesBy) -> Self {
        self.max_bytes_by = Some(by);
        self
    }

    /// The most bytes a file may hold, given the other parameters of its call: the limit of
    /// `max_bytes_by` for the deciding parameter's value, else `max_bytes`.
    pub fn file_limit(&self, params: &serde_json::Map<String, serde_json::Value>) -> Option<u64> {
        let by = self.max_bytes_by.and_then(|by| {
            let value = params.get(by.param)?.as_str()?;
            by.limits.iter().find(|(v, _)| *v == value).map(|(_, max)| *max)
        });
        by.or(self.max_bytes).map(|max| u64::try_from(max).unwrap_or(0))
    }

    /// The union of a flattened field.
    pub fn flat_union(&self) -> Option<&'static UnionSchema> {
        match self.ty {
            ParamType::Union(u) if self.flatten => Some(u),
            _ => None,
        }
    }

    /// The names the field takes in its object: its own, or (flattened) its union's tag and
    /// variants.
    pub fn keys(&self) -> Vec<&'static str> {
        match self.flat_union() {
            Some(u) => std::iter::once(u.tag).chain(u.variants.iter().map(|v| v.name)).collect(),
            None => vec![self.name],
        }
    }

    /// Whether `key` is this field's name in an object, or (flattened) one its union uses.
    pub fn owns_key(&self, key: &str) -> bool {
        match self.flat_union() {
            Some(u) => u.uses_key(key),
            None => self.name == key,
        }
    }
}

/// A documented error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCodeInfo {
    /// The code: a number, or a string for the new API.
    pub code: Code<'static>,
    /// snake_case name; the generated enum's variant is its UpperCamelCase form.
    pub name: &'static str,
    /// What the code means, as documented.
    pub message: &'static str,
    /// What to do about it, as documented; may be empty.
    pub solution: &'static str,
    /// How a client should react to it.
    pub class: ErrorClass,
    /// The parameter whose invalid value this code reports, if the spec ties it to one.
    pub param: Option<&'static str>,
    /// The HTTP status the code comes with (the new API's error envelope).
    pub status: Option<u16>,
    /// What the code means to the machinery around the client (global codes only).
    pub role: Option<ErrorRole>,
}

/// What a service's global error code means to the machinery around the client: which code a
/// server of the service (the fake one included) answers for a missing token, a busy system, a
/// rate limit, a bad parameter. Given in the spec (`role:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorRole {
    /// No token, or one the server never issued.
    TokenMissing,
    /// A token that expired or was revoked.
    TokenExpired,
    /// A parameter is missing or breaks a constraint.
    InvalidParameter,
    /// The system is busy; try again.
    Busy,
    /// A service behind the API is busy (the old OAPI's 15 with `sub_code` `isp.-1`).
    BusyRemote,
    /// The API's global rate limit.
    ApiRateLimited,
    /// The app's rate limit for the API.
    AppRateLimited,
    /// The organization's monthly quota is used up.
    QuotaExhausted,
}

/// Whose token an issuer gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// An internal app's, from its key and secret.
    App,
    /// A third-party app's, for one authorizing organization.
    Corp,
}

/// What a token request's parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Credential {
    /// An internal app's key.
    AppKey,
    /// An internal app's secret.
    AppSecret,
    /// A third-party app's suite key.
    SuiteKey,
    /// A third-party app's suite secret.
    SuiteSecret,
    /// The authorizing organization's corp id.
    CorpId,
    /// The suite ticket DingTalk last pushed.
    SuiteTicket,
    /// The signing time, Unix milliseconds.
    Timestamp,
    /// Base64 of HMAC-SHA256(key = suite secret, `timestamp + "\n" + suite ticket`).
    Signature,
}

/// An operation that issues a service's access tokens, as the spec's `tokens:` describes it:
/// token providers call it, and the fake server answers it, from this description alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenIssuer {
    /// Whose token it issues.
    pub kind: TokenKind,
    /// The operation's id (`GetToken`, `oauth2_1_0.GetAccessToken`).
    pub operation: &'static str,
    /// Which parameter (wire name) carries which credential.
    pub params: &'static [(Credential, &'static str)],
    /// The response field of the token.
    pub token: &'static str,
    /// The response field of the token's lifetime, in seconds.
    pub expires_in: &'static str,
    /// The code answered for unknown credentials; the service's `InvalidParameter` code when
    /// `None`.
    pub refused: Option<Code<'static>>,
}

impl TokenIssuer {
    /// The parameter carrying `credential`, if the operation takes it.
    pub fn param(&self, credential: Credential) -> Option<&'static str> {
        self.params.iter().find(|(c, _)| *c == credential).map(|(_, name)| *name)
    }
}

impl ErrorCodeInfo {
    /// A documented code tied to no parameter.
    pub const fn new(
        code: i64,
        name: &'static str,
        message: &'static str,
        solution: &'static str,
        class: ErrorClass,
    ) -> Self {
        ErrorCodeInfo { code: Code::Num(code), name, message, solution, class, param: None, status: None, role: None }
    }

    /// A documented string code of the new API, answered with HTTP `status`.
    pub const fn named(
        code: &'static str,
        status: u16,
        name: &'static str,
        message: &'static str,
        solution: &'static str,
        class: ErrorClass,
    ) -> Self {
        ErrorCodeInfo {
            code: Code::Str(code),
            name,
            message,
            solution,
            class,
            param: None,
            status: Some(status),
            role: None,
        }
    }

    /// Ties the code to the parameter whose invalid value it reports.
    pub const fn param(mut self, param: &'static str) -> Self {
        self.param = Some(param);
        self
    }

    /// Gives the code a role (see [`ErrorRole`]).
    pub const fn role(mut self, role: ErrorRole) -> Self {
        self.role = Some(role);
        self
    }
}

/// How an operation's pages are walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// Where the next page starts.
    pub style: PageStyle,
    /// Parameter carrying the page size (`None`, token style only: the operation takes none,
    /// the server picks).
    pub size: Option<&'static str>,
    /// Response field holding the page's items: a dotted path through objects (`result.list`).
    pub items: &'static str,
    /// The page size used when the request gives none; `None` (token style only): the
    /// server's default, the size is then not sent.
    pub max_page_size: Option<i64>,
}

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// `offset` is the index of a page's first item: the next page starts after this one's items.
    Offset {
        /// The parameter carrying the offset.
        offset: &'static str,
    },
    /// `cursor` (0 for the first page) comes from the previous page's `next_cursor` while its
    /// `has_more` is true (both dotted response paths).
    Cursor {
        /// The parameter carrying the cursor.
        cursor: &'static str,
        /// The response path of the next page's cursor.
        next_cursor: &'static str,
        /// The response path of whether another page follows.
        has_more: &'static str,
    },
    /// The new API's style: the first page is asked for without `token`, each next one with
    /// the token (a string or an integer) the previous page handed out at `next_token`. Where
    /// the response has `has_more`, the walk ends when it is false (and `has_more` true without a
    /// token is an error); without it, when a page hands out no token (or an empty string).
    Token {
        /// The parameter carrying the token (`nextToken`).
        token: &'static str,
        /// The response path of the next page's token (`nextToken`, `result.nextToken`).
        next_token: &'static str,
        /// The response path of whether another page follows, where the response has one.
        has_more: Option<&'static str>,
        /// The token of the first page, where the parameter is required (DingTalk's integer
        /// tokens start at 0); `None`: the first page leaves it out.
        first: Option<i64>,
    },
}

/// Where one page starts: an offset or a cursor (numbers), or a token handed out by the
/// previous page (the new API's `nextToken`: text, or a number where the package says so).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PagePosition {
    /// An offset, a cursor or an integer token.
    Int(i64),
    /// A text token.
    Str(String),
}

impl PagePosition {
    /// The position as an integer: an integer, or text that is one.
    pub fn to_int(&self) -> Option<i64> {
        match self {
            PagePosition::Int(n) => Some(*n),
            PagePosition::Str(s) => s.trim().parse().ok(),
        }
    }

    /// The position as text (an integer in decimal).
    pub fn to_text(&self) -> String {
        match self {
            PagePosition::Int(n) => n.to_string(),
            PagePosition::Str(s) => s.clone(),
        }
    }

    /// A position read from a JSON value: an integer, or a non-empty string; else `None`
    /// (an empty string, `null` or anything else hands out no next page).
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Number(n) => n.as_i64().map(PagePosition::Int),
            serde_json::Value::String(s) if !s.is_empty() => Some(PagePosition::Str(s.clone())),
            _ => None,
        }
    }

    /// The position as the JSON value of a parameter of type `ty`: a number for an integer
    /// parameter (`None` for text that is not one), text for any other.
    pub fn to_json(&self, ty: &ParamType) -> Option<serde_json::Value> {
        if matches!(ty, ParamType::I32 | ParamType::I64) {
            self.to_int().map(serde_json::Value::from)
        } else {
            Some(serde_json::Value::String(self.to_text()))
        }
    }
}

impl fmt::Display for PagePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagePosition::Int(n) => write!(f, "{n}"),
            PagePosition::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for PagePosition {
    fn from(n: i64) -> Self {
        PagePosition::Int(n)
    }
}

impl Pagination {
    /// Offset/size pagination.
    pub const fn offset(offset: &'static str, size: &'static str, items: &'static str, max_page_size: i64) -> Self {
        Pagination { style: PageStyle::Offset { offset }, size: Some(size), items, max_page_size: Some(max_page_size) }
    }

    /// Cursor pagination.
    pub const fn cursor(
        cursor: &'static str,
        size: &'static str,
        items: &'static str,
        next_cursor: &'static str,
        has_more: &'static str,
        max_page_size: i64,
    ) -> Self {
        Pagination {
            style: PageStyle::Cursor { cursor, next_cursor, has_more },
            size: Some(size),
            items,
            max_page_size: Some(max_page_size),
        }
    }

    /// Token pagination (the new API's `nextToken` and `maxResults`).
    pub const fn token(
        token: &'static str,
        size: Option<&'static str>,
        items: &'static str,
        next_token: &'static str,
        has_more: Option<&'static str>,
        first: Option<i64>,
        max_page_size: Option<i64>,
    ) -> Self {
        Pagination { style: PageStyle::Token { token, next_token, has_more, first }, size, items, max_page_size }
    }

    /// The parameter carrying the page's position: the offset, the cursor or the token.
    pub fn position(&self) -> &'static str {
        match self.style {
            PageStyle::Offset { offset } => offset,
            PageStyle::Cursor { cursor, .. } => cursor,
            PageStyle::Token { token, .. } => token,
        }
    }

    /// The response path of the next page's cursor or token (none for offsets).
    pub fn next_position(&self) -> Option<&'static str> {
        match self.style {
            PageStyle::Offset { .. } => None,
            PageStyle::Cursor { next_cursor, .. } => Some(next_cursor),
            PageStyle::Token { next_token, .. } => Some(next_token),
        }
    }

    /// The response path of whether another page follows, where there is one.
    pub fn has_more(&self) -> Option<&'static str> {
        match self.style {
            PageStyle::Offset { .. } => None,
            PageStyle::Cursor { has_more, .. } => Some(has_more),
            PageStyle::Token { has_more, .. } => has_more,
        }
    }

    /// The position of the first page when a request gives none: 0 for offsets and cursors;
    /// for tokens the spec's `first`, else nothing (the parameter left out).
    pub fn first_position(&self) -> Option<PagePosition> {
        match self.style {
            PageStyle::Token { first, .. } => first.map(PagePosition::Int),
            _ => Some(PagePosition::Int(0)),
        }
    }
}

/// An example from the documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleInfo {
    /// snake_case name, e.g. `first_page`.
    pub name: &'static str,
    /// The body parameters of the example request, as JSON.
    pub request_body: Option<&'static str>,
    /// A shell command that performs the request, verbatim from the documentation.
    pub curl: Option<&'static str>,
    /// The response body, verbatim.
    pub response: Option<&'static str>,
}

/// What the fake server does for an operation, beyond validating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockAction {
    /// Answers the stored objects that pass the filter, a page at a time when paginated.
    List,
    /// Answers the object whose key the parameter carries.
    Get,
    /// Stores the object the parameter carries (with a fresh key when it has none).
    Create,
    /// Sets the non-null fields of the object the parameter carries on the stored one with its key.
    Update,
    /// Removes the object whose key the parameter carries.
    Delete,
    /// How many stored objects (pass the filter).
    Count,
}

/// What only the fake server and the sandbox read about an operation: the documentation's
/// examples and how it stores objects. A generated crate emits these behind its `mock`
/// feature, so the shipped client carries none of it.
#[derive(Debug)]
pub struct MockDescriptor {
    /// The operation described.
    pub operation: &'static OperationDescriptor,
    /// The documentation's examples.
    pub examples: &'static [ExampleInfo],
    /// How it stores objects, when the spec says (`mock:`).
    pub behaviour: Option<MockInfo>,
}

/// A code whose `sub_code` changes its class (DingTalk's 88 and 15 wrap other codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubCodeClass {
    /// The numeric code that wraps others.
    pub code: i64,
    /// The `sub_code` that changes its class, e.g. `isp.-1`.
    pub sub_code: &'static str,
    /// The class the code takes with that `sub_code`.
    pub class: ErrorClass,
}

/// Where a service expects the access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlacement {
    /// A query parameter (the old OAPI: `access_token`).
    Query(&'static str),
    /// A request header (the new API: `x-acs-dingtalk-access-token`).
    Header(&'static str),
}

/// How a service reports an API error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorEnvelope {
    /// HTTP 200 with a non-zero numeric `errcode`, `errmsg` and `request_id` (the old OAPI).
    Errcode,
    /// An HTTP error status with `{"code": "...", "message": "...", "requestid": "..."}` (the
    /// new API); a success is any 2xx with the response object.
    HttpStatus,
}

/// What a spec says of the whole service, shared by its operations: where it is served, how
/// the access token travels, and the error codes any operation may return.
#[derive(Debug)]
pub struct ServiceDescriptor {
    /// Short name of the service in the spec (`oapi`, `api`); a client's base URL for the
    /// service is set by it.
    pub id: &'static str,
    /// The display name, e.g. `DingTalk OAPI`.
    pub name: &'static str,
    /// The servers, exactly one of them the default.
    pub servers: &'static [Server],
    /// Where the access token travels.
    pub token: TokenPlacement,
    /// How errors are answered.
    pub envelope: ErrorEnvelope,
    /// Error codes any operation may return.
    pub errors: &'static [ErrorCodeInfo],
    /// Codes whose `sub_code` changes their class.
    pub sub_code_classes: &'static [SubCodeClass],
    /// The operations that issue the service's tokens.
    pub tokens: &'static [TokenIssuer],
}

impl ServiceDescriptor {
    /// The server used when the user names none.
    pub fn default_server(&self) -> Option<&'static Server> {
        self.servers.iter().find(|s| s.default).or(self.servers.first())
    }

    /// The documented entry of a global error code.
    pub fn global_error<'c>(&self, code: impl Into<Code<'c>>) -> Option<&'static ErrorCodeInfo> {
        let code = code.into();
        self.errors.iter().find(|e| e.code == code)
    }

    /// The class `sub_code` gives `code`, when the spec says it changes it.
    pub fn sub_code_class(&self, code: i64, sub_code: &str) -> Option<ErrorClass> {
        self.sub_code_classes.iter().find(|s| s.code == code && s.sub_code == sub_code).map(|s| s.class)
    }

    /// The global code with this role, if the spec gives one.
    pub fn code_for(&self, role: ErrorRole) -> Option<&'static ErrorCodeInfo> {
        self.errors.iter().find(|e| e.role == Some(role))
    }

    /// The operation that issues tokens of `kind`, if the spec names one.
    pub fn token_issuer(&self, kind: TokenKind) -> Option<&'static TokenIssuer> {
        self.tokens.iter().find(|t| t.kind == kind)
    }

    /// How a client should react to `code` (and its `sub_code`).
    pub fn error_class<'c>(&self, code: impl Into<Code<'c>>, sub_code: Option<&str>) -> ErrorClass {
        let code = code.into();
        sub_code
            .zip(code.as_i64())
            .and_then(|(s, n)| self.sub_code_class(n, s))
            .unwrap_or_else(|| self.global_error(code).map_or(ErrorClass::NotRetryable, |e| e.class))
    }
}

/// How the fake server stores an operation's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockInfo {
    /// Name of the in-memory collection the operation works on.
    pub store: &'static str,
    /// What the operation does to the store.
    pub action: MockAction,
    /// Field of the stored object that identifies it.
    pub key: &'static str,
    /// Request parameter carrying the key (get/delete) or the object (create/update).
    pub param: Option<&'static str>,
    /// The key's name inside the request object (update), when it differs from `key`.
    pub object_key: Option<&'static str>,
    /// Where the result goes in the response: a dotted path (`result.list`).
    pub result: Option<&'static str>,
    /// Error code answered when the key is unknown.
    pub not_found: Option<Code<'static>>,
    /// List and count: keep objects whose `field` equals (or, for a list field, contains) the
    /// value of the parameter `param`.
    pub filter: Option<MockFilter>,
    /// List: each object replaced by the value of this field (`userid_list`); get: that field
    /// of the object.
    pub project: Option<&'static str>,
    /// Create: the fields a new object starts with, as JSON text (a task's progress).
    pub defaults: Option<&'static str>,
}

/// Keeps stored objects whose `field` matches the parameter `param`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockFilter {
    /// The request parameter whose value is matched.
    pub param: &'static str,
    /// The stored objects' field it is matched against.
    pub field: &'static str,
}

/// Everything the client needs to call an operation, generated from the spec.
#[derive(Debug)]
pub struct OperationDescriptor {
    /// UpperCamelCase operation name, e.g. `ListLabelGroups`.
    pub name: &'static str,
    /// The name that tells it apart from every other operation, in messages, logs, the limiter
    /// and `dingtalk call`: `name` for the old OAPI (its names are unique), `group.Name` for the
    /// new API (`contact_1_0.GetUser`), whose groups repeat names.
    pub id: &'static str,
    /// snake_case module the operation is generated into, e.g. `extcontact`.
    pub group: &'static str,
    /// One line saying what the call does.
    pub summary: &'static str,
    /// The service the operation belongs to.
    pub service: &'static ServiceDescriptor,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path; `{name}` segments are filled from `path_params`, each percent-encoded.
    pub path: &'static str,
    /// How the parameters travel.
    pub encoding: Encoding,
    /// Whether the call carries an access token.
    pub requires_token: bool,
    /// Whether the call may be repeated after it may have reached the server.
    pub retry_safe: bool,
    /// Parameters filling `{name}` segments of the path.
    pub path_params: &'static [FieldSchema],
    /// Query parameters.
    pub query: &'static [FieldSchema],
    /// Header parameters: scalars sent as HTTP headers named by their wire names.
    pub headers: &'static [FieldSchema],
    /// Body parameters (sent in the query string under the `Query` encoding).
    pub body: &'static [FieldSchema],
    /// The response's fields.
    pub response: &'static [FieldSchema],
    /// Whether the response body is the one response field's value (a JSON array or scalar),
    /// not an object of fields.
    pub response_value: bool,
    /// How pages are walked, for a paginated operation.
    pub pagination: Option<Pagination>,
    /// The error codes the endpoint documents.
    pub errors: &'static [ErrorCodeInfo],
}

impl OperationDescriptor {
    /// Every parameter: path, query, headers, body.
    pub fn params(&self) -> impl Iterator<Item = &'static FieldSchema> {
        self.path_params.iter().chain(self.query).chain(self.headers).chain(self.body)
    }

    /// The parameter with this wire name, in the path, the query, the headers or the body.
    pub fn param(&self, name: &str) -> Option<&'static FieldSchema> {
        self.params().find(|f| f.name == name)
    }

    /// The type of a top-level wire name of the request: a parameter's, or a flattened union's
    /// tag (a string) or variant.
    pub fn wire_type(&self, name: &str) -> Option<ParamType> {
        self.params().find_map(|f| match f.flat_union() {
            Some(u) if u.tag == name => Some(ParamType::String),
            Some(u) => u.variant(name).map(|v| v.ty),
            None => (f.name == name).then_some(f.ty),
        })
    }

    /// Wire names of the parameters and response fields the spec marks secret.
    pub fn secret_names(&self) -> Vec<&'static str> {
        self.params().chain(self.response).filter(|f| f.secret).map(|f| f.name).collect()
    }

    /// The documented error code, from this operation's list or else the service's table.
    pub fn error<'c>(&self, code: impl Into<Code<'c>>) -> Option<&'static ErrorCodeInfo> {
        let code = code.into();
        self.errors.iter().find(|e| e.code == code).or_else(|| self.service.global_error(code))
    }
}

/// An error-code enum generated for one operation (or [`AnyErrorCode`](crate::AnyErrorCode)
/// for calls chosen at run time). Only the number and the operation are per type; message,
/// fix and class come from the operation's table in the descriptor.
pub trait ApiErrorCode: Clone + fmt::Debug + fmt::Display + PartialEq + Send + Sync + 'static {
    /// The code as `op` answered it.
    fn from_descriptor(code: Code<'_>, op: &'static OperationDescriptor) -> Self;
    /// The code as the service answered it: a number or a string.
    fn code(&self) -> Code<'_>;
    /// The spec's entry for the code: the operation's own, else the service's global one.
    fn info(&self) -> Option<&'static ErrorCodeInfo>;

    /// The documented message, if the code is documented.
    fn message(&self) -> Option<&'static str> {
        self.info().map(|e| e.message)
    }
    /// The documented fix, if any.
    fn solution(&self) -> Option<&'static str> {
        self.info().map(|e| e.solution).filter(|s| !s.is_empty())
    }
    /// How a client should react, as the spec says.
    fn class(&self) -> ErrorClass {
        self.info().map_or(ErrorClass::NotRetryable, |e| e.class)
    }

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
    /// The `errcode` the response carries, if its type declares one; `None` by default.
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
    /// The request type.
    type Request: Serialize + Clone + Default + fmt::Debug + Send + Sync + 'static;
    /// The response type.
    type Response: DeserializeOwned + ResponseEnvelope + fmt::Debug + Send + Sync + 'static;
    /// The error-code enum.
    type ErrorCode: ApiErrorCode;
    /// How the call is made.
    const DESCRIPTOR: &'static OperationDescriptor;
}

/// Ties a request type back to its operation, so `client.execute(request)` knows what to call.
pub trait OperationRequest: Sized {
    /// The operation the request belongs to.
    type Operation: Operation<Request = Self>;
}

/// A friendly command of the `dingtalk` CLI (the spec's `cli:`): its words run `operation`,
/// each flag setting the parameter (or the field of one) at a dotted wire path.
#[derive(Debug, Clone, Copy)]
pub struct CliCommand {
    /// `["ext-contact", "list-label-groups"]`.
    pub words: &'static [&'static str],
    /// The operation the command runs.
    pub operation: &'static OperationDescriptor,
    /// (flag without `--`, dotted wire path).
    pub flags: &'static [(&'static str, &'static str)],
}

/// An operation whose pages can be walked (by offset, cursor or token).
pub trait Paginated: Operation {
    /// One item of a page.
    type Item: Send + 'static;
    /// The request's (position, size): the position is the offset, the cursor or the token,
    /// as the descriptor's [`PageStyle`] says.
    fn page(request: &Self::Request) -> (Option<PagePosition>, Option<i64>);
    /// Sets the request's position and page size (`None` leaves the parameter out).
    fn set_page(request: &mut Self::Request, position: Option<PagePosition>, size: Option<i64>);
    /// The page's items, taken out of the response.
    fn into_items(response: Self::Response) -> Vec<Self::Item>;
    /// How many items a page holds, without taking them out.
    fn item_count(response: &Self::Response) -> usize;
    /// Cursor and token styles: whether the page says another one follows, where it says.
    fn has_more(response: &Self::Response) -> Option<bool> {
        let _ = response;
        None
    }
    /// Cursor and token styles: where the next page starts, as the page hands it out.
    fn next_position(response: &Self::Response) -> Option<PagePosition> {
        let _ = response;
        None
    }
}
