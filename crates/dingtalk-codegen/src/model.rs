//! The spec model: what the YAML files say, resolved and checked, ready for the generator.
//!
//! Every list here is kept in a fixed order (source order, or sorted where the generator needs
//! it), never in hash order, so the same spec always gives the same code.

use crate::diag::Location;

/// The whole API: one service file plus its operations and shared types.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The services, the primary one (`oapi`, whose client the generated `Client` wraps) first.
    pub services: Vec<Service>,
    /// Sorted by group, then name.
    pub operations: Vec<Operation>,
    /// Named object types declared in `types:` files, shared by the operations of a group.
    pub shared_types: Vec<SharedTypes>,
    /// Data the fake server (and the CLI's sandbox) starts with, from `sandbox:` files.
    pub sandboxes: Vec<Sandbox>,
    /// Callback events (what DingTalk pushes), from `event:` files, sorted by group and name.
    pub events: Vec<Event>,
}

impl Spec {
    /// The service the generated `Client` is built for (its `base_url` is this one's).
    pub fn primary(&self) -> &Service {
        &self.services[0]
    }

    /// The service with this id.
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The service of an operation (validated to exist; the primary one otherwise).
    pub fn service_of(&self, op: &Operation) -> &Service {
        self.service(&op.service).unwrap_or_else(|| self.primary())
    }

    /// The groups that have operations, sorted.
    pub fn groups(&self) -> Vec<&str> {
        let groups: std::collections::BTreeSet<&str> = self.operations.iter().map(|o| o.group.as_str()).collect();
        groups.into_iter().collect()
    }

    /// Whether the operations of `group` are reached through the group (`client.contact_1_0()`)
    /// rather than directly on the client; their names and types are then scoped to the group.
    pub fn by_group(&self, group: &str) -> bool {
        self.operations.iter().any(|op| op.group == group && self.service_of(op).by_group)
    }
}

/// The service id operations and service files name when they name none.
pub const DEFAULT_SERVICE: &str = "oapi";

/// An `event:` file: one type of callback DingTalk pushes, told apart by its `EventType`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub loc: Location,
    /// UpperCamelCase, e.g. `SuiteTicket`.
    pub name: String,
    pub group: String,
    /// The `EventType` value, e.g. `suite_ticket`.
    pub event_type: String,
    pub event_type_loc: Location,
    pub summary: String,
    pub docs: Option<String>,
    /// The payload's members besides `EventType`.
    pub fields: Vec<Field>,
    /// A payload as DingTalk sends it, checked against the fields.
    pub example: Option<(Location, bool, String)>,
}

/// A `sandbox:` file: objects the fake server's stores hold when it starts, for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Sandbox {
    pub loc: Location,
    pub group: String,
    pub description: String,
    pub stores: Vec<SandboxStore>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxStore {
    pub loc: Location,
    pub name: String,
    /// The objects (a JSON array in the file).
    pub items: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub loc: Location,
    /// Short name operations refer to it by (`service: api`); `oapi` when the file names none.
    pub id: String,
    pub name: String,
    pub description: String,
    pub servers: Vec<Server>,
    pub auth: AuthScheme,
    pub envelope: ErrorEnvelope,
    /// Operations are reached through their group (`client_methods: by_group`), and their
    /// names and types are scoped to it: the new API repeats names across groups.
    pub by_group: bool,
    pub error_codes: Vec<ErrorCode>,
    /// The operations that issue this service's access tokens, and which of their parameters
    /// and response fields carry what.
    pub tokens: Vec<TokenIssuer>,
}

/// An operation that issues a service's access tokens (`tokens:` in the service file).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenIssuer {
    pub loc: Location,
    pub kind: TokenKind,
    /// The operation, by group and name (`auth.GetToken`, `oauth2_1_0.GetAccessToken`).
    pub operation: String,
    /// Which parameter (wire name) carries which credential.
    pub params: Vec<(CredentialRole, String, Location)>,
    /// The response fields of the token and its lifetime in seconds.
    pub token: String,
    pub expires_in: String,
    /// The code the operation answers for credentials it does not know (the fake server's
    /// answer); the service's `invalid_parameter` code when absent.
    pub refused: Option<CodeValue>,
}

/// Whose token an issuer gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenKind {
    /// An internal app's, from its key and secret.
    App,
    /// A third-party app's, for one authorizing organization.
    Corp,
}

impl TokenKind {
    pub const ALL: [(&'static str, TokenKind); 2] = [("app", TokenKind::App), ("corp", TokenKind::Corp)];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("", |(n, _)| n)
    }

    pub fn variant(self) -> &'static str {
        match self {
            TokenKind::App => "App",
            TokenKind::Corp => "Corp",
        }
    }
}

/// What a token request's parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialRole {
    AppKey,
    AppSecret,
    SuiteKey,
    SuiteSecret,
    CorpId,
    SuiteTicket,
    /// The signing time, Unix milliseconds.
    Timestamp,
    /// Base64 of HMAC-SHA256(suite secret, `timestamp + "\n" + suite ticket`).
    Signature,
}

impl CredentialRole {
    pub const ALL: [(&'static str, CredentialRole); 8] = [
        ("app_key", CredentialRole::AppKey),
        ("app_secret", CredentialRole::AppSecret),
        ("suite_key", CredentialRole::SuiteKey),
        ("suite_secret", CredentialRole::SuiteSecret),
        ("corp_id", CredentialRole::CorpId),
        ("suite_ticket", CredentialRole::SuiteTicket),
        ("timestamp", CredentialRole::Timestamp),
        ("signature", CredentialRole::Signature),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, r)| *r == self).map_or("", |(n, _)| n)
    }

    pub fn variant(self) -> String {
        crate::names::upper_camel(self.name())
    }
}

/// What a global error code means to the machinery around the client: which code the fake
/// server answers for a missing token, a busy system, a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorRole {
    TokenMissing,
    TokenExpired,
    InvalidParameter,
    Busy,
    BusyRemote,
    ApiRateLimited,
    AppRateLimited,
    QuotaExhausted,
}

impl ErrorRole {
    pub const ALL: [(&'static str, ErrorRole); 8] = [
        ("token_missing", ErrorRole::TokenMissing),
        ("token_expired", ErrorRole::TokenExpired),
        ("invalid_parameter", ErrorRole::InvalidParameter),
        ("busy", ErrorRole::Busy),
        ("busy_remote", ErrorRole::BusyRemote),
        ("api_rate_limited", ErrorRole::ApiRateLimited),
        ("app_rate_limited", ErrorRole::AppRateLimited),
        ("quota_exhausted", ErrorRole::QuotaExhausted),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, r)| *r == self).map_or("", |(n, _)| n)
    }

    pub fn variant(self) -> String {
        crate::names::upper_camel(self.name())
    }
}

/// How a service answers an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorEnvelope {
    /// HTTP 200 with a non-zero `errcode` (the old OAPI); codes are numbers.
    Errcode,
    /// An HTTP error status with `{"code", "message", "requestid"}` (the new API); codes are strings.
    HttpStatus,
}

impl ErrorEnvelope {
    pub const ALL: [(&'static str, ErrorEnvelope); 2] =
        [("errcode", ErrorEnvelope::Errcode), ("http_status", ErrorEnvelope::HttpStatus)];
}

/// Where the access token travels.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenPlacement {
    Query(String),
    Header(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub loc: Location,
    /// Short name users pick the server by, e.g. `international`.
    pub name: String,
    pub url: String,
    pub description: String,
    pub default: bool,
}

/// How an access token is attached to calls that need one.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthScheme {
    pub loc: Location,
    /// The query parameter `access_token` (old OAPI) or the header `x-acs-dingtalk-access-token`.
    pub placement: TokenPlacement,
    pub description: String,
    pub example: Option<String>,
}

/// How a client should react to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// A transient fault; the call may be retried after a backoff.
    Retryable,
    /// A rate limit was hit; retry after a longer backoff.
    RateLimited,
    /// The access token is invalid or expired; refresh it and retry once.
    TokenInvalid,
    /// Retrying cannot help.
    NotRetryable,
}

impl ErrorClass {
    pub const ALL: [(&'static str, ErrorClass); 4] = [
        ("retryable", ErrorClass::Retryable),
        ("rate-limited", ErrorClass::RateLimited),
        ("token-invalid", ErrorClass::TokenInvalid),
        ("not-retryable", ErrorClass::NotRetryable),
    ];

    pub fn variant(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "Retryable",
            ErrorClass::RateLimited => "RateLimited",
            ErrorClass::TokenInvalid => "TokenInvalid",
            ErrorClass::NotRetryable => "NotRetryable",
        }
    }
}

/// A documented error code, global (service file) or of one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCode {
    pub loc: Location,
    pub code: CodeValue,
    /// The HTTP status the code comes with (string codes of the new API).
    pub status: Option<u16>,
    /// snake_case name; the enum variant is its UpperCamelCase form.
    pub name: String,
    pub message: String,
    pub solution: String,
    /// `None` on an endpoint code means "as the global table says, else not retryable".
    pub class: Option<ErrorClass>,
    /// The parameter whose invalid value this code reports (e.g. 41101 for `size`); the fake
    /// server answers it when that parameter breaks its constraints.
    pub param: Option<String>,
    /// Sub-codes (`sub_code` in the response) that change the class, e.g. 15 + `isp.-1`.
    pub sub_codes: Vec<SubCode>,
    /// What the code means to the machinery (global codes only).
    pub role: Option<ErrorRole>,
}

/// An error code: a number (`errcode`) or a string (the new API's `code`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CodeValue {
    Num(i64),
    Str(String),
}

impl std::fmt::Display for CodeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeValue::Num(n) => write!(f, "{n}"),
            CodeValue::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubCode {
    pub loc: Location,
    pub sub_code: String,
    pub class: ErrorClass,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
    Patch,
}

impl HttpMethod {
    pub const ALL: [(&'static str, HttpMethod); 5] = [
        ("GET", HttpMethod::Get),
        ("POST", HttpMethod::Post),
        ("PUT", HttpMethod::Put),
        ("DELETE", HttpMethod::Delete),
        ("PATCH", HttpMethod::Patch),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
        }
    }

    /// The runtime's variant name.
    pub fn variant(self) -> &'static str {
        match self {
            HttpMethod::Get => "Get",
            HttpMethod::Post => "Post",
            HttpMethod::Put => "Put",
            HttpMethod::Delete => "Delete",
            HttpMethod::Patch => "Patch",
        }
    }
}

/// How the non-auth parameters of a call travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A JSON object body.
    Json,
    /// An `application/x-www-form-urlencoded` body.
    Form,
    /// Everything in the query string (GET).
    Query,
}

impl Encoding {
    pub const ALL: [(&'static str, Encoding); 3] =
        [("json", Encoding::Json), ("form", Encoding::Form), ("query", Encoding::Query)];

    pub fn variant(self) -> &'static str {
        match self {
            Encoding::Json => "Json",
            Encoding::Form => "Form",
            Encoding::Query => "Query",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub loc: Location,
    /// UpperCamelCase, e.g. `ListLabelGroups`.
    pub name: String,
    /// snake_case module the operation is generated into, e.g. `extcontact`.
    pub group: String,
    /// Id of the service the operation belongs to (`oapi` unless the file says `service:`).
    pub service: String,
    /// Where the facts come from when imported (`alibabacloud-dingtalk 2.2.65`).
    pub source: Option<String>,
    pub summary: String,
    pub description: String,
    pub docs: Option<String>,
    pub method: HttpMethod,
    pub path: String,
    pub encoding: Encoding,
    /// Whether the call carries the service's access token.
    pub requires_token: bool,
    pub app_types: Vec<String>,
    pub permission: Option<Permission>,
    /// Whether the call may be repeated after it may have reached the server.
    pub retry_safe: bool,
    /// Parameters filling `{name}` segments of the path.
    pub path_params: Vec<Field>,
    pub query: Vec<Field>,
    pub body: Vec<Field>,
    pub pagination: Option<Pagination>,
    pub response: Vec<Field>,
    pub types: Vec<NamedType>,
    pub errors: Vec<ErrorCode>,
    pub examples: Vec<Example>,
    /// How the fake server treats the operation.
    pub mock: Option<MockBehaviour>,
    /// A friendly command of the `dingtalk` CLI for the operation (`cli:`).
    pub cli: Option<CliAlias>,
}

impl Operation {
    /// The flags of the operation's CLI command: one per parameter (its wire name in
    /// kebab-case: `user_id` → `user-id`, `unionId` → `union-id`), then the spec's own, each
    /// with the dotted wire path it sets.
    pub fn cli_flags(&self) -> Vec<(String, String)> {
        let Some(cli) = &self.cli else { return Vec::new() };
        let params = self.path_params.iter().chain(&self.query).chain(&self.body);
        let mut flags: Vec<(String, String)> = params.map(|f| (kebab(&f.name), f.name.clone())).collect();
        flags.extend(cli.flags.iter().map(|(flag, path, _)| (flag.clone(), path.clone())));
        flags
    }
}

/// `user_id` and `unionId` → `user-id` and `union-id`.
pub fn kebab(name: &str) -> String {
    use heck::ToKebabCase;
    name.to_kebab_case()
}

/// A friendly CLI command for an operation: `dingtalk ext-contact list-label-groups --size 20`
/// runs what `dingtalk call ListLabelGroups --param size=20` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CliAlias {
    pub loc: Location,
    /// The command's two words (`ext-contact`, `list-label-groups`), kebab-case.
    pub words: Vec<String>,
    /// Flags beyond one per parameter (its wire name in kebab-case): a flag name and the dotted
    /// wire path it sets (`name` → `contact.name`).
    pub flags: Vec<(String, String, Location)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub loc: Location,
    pub style: PageStyle,
    pub size: String,
    /// Response path (`results`, `result.list`) of the page's items (a list).
    pub items: String,
    pub max_page_size: i64,
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum PageStyle {
    /// The parameter `offset` is the index of the page's first item.
    Offset { offset: String },
    /// The parameter `cursor` comes from the previous page's `next_cursor` (a response path)
    /// while its `has_more` (a response path) is true.
    Cursor { cursor: String, next_cursor: String, has_more: String },
}

impl Pagination {
    /// The parameter carrying the page's position: the offset or the cursor.
    pub fn position(&self) -> &str {
        match &self.style {
            PageStyle::Offset { offset } => offset,
            PageStyle::Cursor { cursor, .. } => cursor,
        }
    }
}

/// What the fake server does for an operation beyond validating it.
#[derive(Debug, Clone, PartialEq)]
pub struct MockBehaviour {
    pub loc: Location,
    /// Name of the in-memory collection the operation works on.
    pub store: String,
    pub action: MockAction,
    /// Field of the stored object that identifies it.
    pub key: String,
    /// Request parameter carrying the key (get/delete) or the object (create/update).
    pub param: Option<String>,
    /// The key's name inside the request object (update), when it differs from `key`.
    pub object_key: Option<String>,
    /// Response field the result goes into.
    pub result: Option<String>,
    /// Error code answered when the key is unknown.
    pub not_found: Option<CodeValue>,
    /// List and count: keep objects whose `field` matches the parameter `param`.
    pub filter: Option<MockFilter>,
    /// List: each object replaced by the value of this field.
    pub project: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MockFilter {
    pub param: String,
    pub field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockAction {
    List,
    Get,
    Create,
    Update,
    Delete,
    Count,
}

impl MockAction {
    pub const ALL: [(&'static str, MockAction); 6] = [
        ("list", MockAction::List),
        ("get", MockAction::Get),
        ("create", MockAction::Create),
        ("update", MockAction::Update),
        ("delete", MockAction::Delete),
        ("count", MockAction::Count),
    ];

    pub fn variant(self) -> &'static str {
        match self {
            MockAction::List => "List",
            MockAction::Get => "Get",
            MockAction::Create => "Create",
            MockAction::Update => "Update",
            MockAction::Delete => "Delete",
            MockAction::Count => "Count",
        }
    }
}

/// Types that `types:` files declare for a group.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedTypes {
    pub loc: Location,
    pub group: String,
    pub types: Vec<NamedType>,
}

/// A named object type (a Rust struct).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedType {
    pub loc: Location,
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
}

/// A parameter or object field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub loc: Location,
    /// Name on the wire.
    pub name: String,
    /// Rust name when it must differ from the snake_case of the wire name.
    pub rust_name: Option<String>,
    pub ty: ParamType,
    pub ty_loc: Location,
    pub required: bool,
    pub description: String,
    pub example: Option<(Location, serde_json::Value)>,
    pub constraints: Constraints,
    /// Secrets are redacted from `Debug` output and never logged.
    pub secret: bool,
    /// Values must exist in a mock store: `store.field(.field)*`, e.g. `label_groups.labels.id`.
    pub references: Option<(Location, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub max_length: Option<u64>,
    pub max_items: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    String,
    Bool,
    I32,
    I64,
    F64,
    /// Any JSON value (the new API's free-form maps).
    Json,
    List(Box<ParamType>),
    /// A named object type. In a group whose names are scoped to it (`by_group`), the loader
    /// qualifies the name as `group::Name`; [`crate::names::bare`] gives the Rust name.
    Named(String),
}

impl ParamType {
    pub fn is_integer(&self) -> bool {
        matches!(self, ParamType::I32 | ParamType::I64)
    }

    /// The spec syntax of the type, as written in YAML.
    pub fn spelling(&self) -> String {
        match self {
            ParamType::String => "string".into(),
            ParamType::Bool => "bool".into(),
            ParamType::I32 => "i32".into(),
            ParamType::I64 => "i64".into(),
            ParamType::F64 => "f64".into(),
            ParamType::Json => "json".into(),
            ParamType::List(inner) => format!("list<{}>", inner.spelling()),
            ParamType::Named(n) => n.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub loc: Location,
    pub name: String,
    pub description: String,
    pub request: Option<ExampleRequest>,
    /// A shell command that performs the request, verbatim from the documentation.
    pub curl: Option<String>,
    /// The response body, verbatim.
    pub response: Option<String>,
    /// Where the response text starts; for a block scalar (`|`), its first line of text.
    pub response_loc: Location,
    /// Whether `response` is a block scalar, so that lines inside it map to lines of the file.
    pub response_block: bool,
    /// Calls in other languages' official SDKs, verbatim (language, code).
    pub snippets: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExampleRequest {
    pub loc: Location,
    pub encoding: Encoding,
    pub access_token: Option<String>,
    /// Query parameters other than the access token.
    pub query: serde_json::Map<String, serde_json::Value>,
    pub body: serde_json::Map<String, serde_json::Value>,
}
