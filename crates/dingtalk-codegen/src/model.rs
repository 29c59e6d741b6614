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
    /// Where the event is declared.
    pub loc: Location,
    /// UpperCamelCase, e.g. `SuiteTicket`.
    pub name: String,
    /// The module the event is generated into (`events`).
    pub group: String,
    /// The `EventType` value, e.g. `suite_ticket`.
    pub event_type: String,
    /// Where `event_type` is written.
    pub event_type_loc: Location,
    /// One line saying what DingTalk pushes and when; it heads the generated docs.
    pub summary: String,
    /// A link to the official page.
    pub docs: Option<String>,
    /// The payload's members besides `EventType`.
    pub fields: Vec<Field>,
    /// A payload as DingTalk sends it, checked against the fields.
    pub example: Option<(Location, bool, String)>,
}

/// A `sandbox:` file: objects the fake server's stores hold when it starts, for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Sandbox {
    /// Where the sandbox is declared.
    pub loc: Location,
    /// The group whose operations' stores the data fills.
    pub group: String,
    /// What the data depicts (`A small trading company.`); may be empty.
    pub description: String,
    /// The stores it fills, in source order.
    pub stores: Vec<SandboxStore>,
}

/// One store of a `sandbox:` file and the objects it starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxStore {
    /// Where the store's name is written.
    pub loc: Location,
    /// The store's name, as operations' `mock: store:` give it (`departments`).
    pub name: String,
    /// The objects (a JSON array in the file).
    pub items: Vec<serde_json::Value>,
}

/// A `service:` file: where a service is served, how its access token travels and how it answers
/// errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Where the service is declared.
    pub loc: Location,
    /// Short name operations refer to it by (`service: api`); `oapi` when the file names none.
    pub id: String,
    /// The display name, e.g. `DingTalk OAPI`.
    pub name: String,
    /// What the service is, for the generated docs; may be empty.
    pub description: String,
    /// The servers users pick from by name, one of them the default.
    pub servers: Vec<Server>,
    /// How the access token is attached to calls.
    pub auth: AuthScheme,
    /// How the service answers an error.
    pub envelope: ErrorEnvelope,
    /// Operations are reached through their group (`client_methods: by_group`), and their
    /// names and types are scoped to it: the new API repeats names across groups.
    pub by_group: bool,
    /// The error codes any operation of the service may return.
    pub error_codes: Vec<ErrorCode>,
    /// The operations that issue this service's access tokens, and which of their parameters
    /// and response fields carry what.
    pub tokens: Vec<TokenIssuer>,
}

/// An operation that issues a service's access tokens (`tokens:` in the service file).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenIssuer {
    /// Where the issuer is declared.
    pub loc: Location,
    /// Whose token it issues.
    pub kind: TokenKind,
    /// The operation, by group and name (`auth.GetToken`, `oauth2_1_0.GetAccessToken`).
    pub operation: String,
    /// Which parameter (wire name) carries which credential.
    pub params: Vec<(CredentialRole, String, Location)>,
    /// The response fields of the token and its lifetime in seconds.
    pub token: String,
    /// The response field of the token's lifetime, in seconds.
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
    /// Each kind with its spec spelling (`kind:`).
    pub const ALL: [(&'static str, TokenKind); 2] = [("app", TokenKind::App), ("corp", TokenKind::Corp)];

    /// The spec spelling (`app`, `corp`).
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("", |(n, _)| n)
    }

    /// The runtime's variant name.
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
    /// Base64 of HMAC-SHA256(suite secret, `timestamp + "\n" + suite ticket`).
    Signature,
}

impl CredentialRole {
    /// Each role with its spec spelling (a key of `params:`).
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

    /// The spec spelling (`app_key`, `suite_ticket`, …).
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, r)| *r == self).map_or("", |(n, _)| n)
    }

    /// The runtime's `Credential` variant name.
    pub fn variant(self) -> String {
        crate::names::upper_camel(self.name())
    }
}

/// What a global error code means to the machinery around the client: which code the fake
/// server answers for a missing token, a busy system, a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

impl ErrorRole {
    /// Each role with its spec spelling (`role:`).
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

    /// The spec spelling (`token_missing`, `busy`, …).
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, r)| *r == self).map_or("", |(n, _)| n)
    }

    /// The runtime's `ErrorRole` variant name.
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
    /// Each envelope with its spec spelling (`error_envelope:`).
    pub const ALL: [(&'static str, ErrorEnvelope); 2] =
        [("errcode", ErrorEnvelope::Errcode), ("http_status", ErrorEnvelope::HttpStatus)];
}

/// Where the access token travels.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenPlacement {
    /// A query parameter of this name (`query_param:`).
    Query(String),
    /// A header of this name (`header:`).
    Header(String),
}

/// A server a service is served from (`servers:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// Where the server is declared.
    pub loc: Location,
    /// Short name users pick the server by, e.g. `international`.
    pub name: String,
    /// Scheme and host, e.g. `https://oapi.dingtalk.io`.
    pub url: String,
    /// What the server is for; may be empty.
    pub description: String,
    /// Whether it is used when the user names none.
    pub default: bool,
}

/// How an access token is attached to calls that need one.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthScheme {
    /// Where the scheme is declared.
    pub loc: Location,
    /// The query parameter `access_token` (old OAPI) or the header `x-acs-dingtalk-access-token`.
    pub placement: TokenPlacement,
    /// More about the token, for the generated docs; may be empty.
    pub description: String,
    /// An example token, as the documentation shows one.
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
    /// Each class with its spec spelling (`class:`).
    pub const ALL: [(&'static str, ErrorClass); 4] = [
        ("retryable", ErrorClass::Retryable),
        ("rate-limited", ErrorClass::RateLimited),
        ("token-invalid", ErrorClass::TokenInvalid),
        ("not-retryable", ErrorClass::NotRetryable),
    ];

    /// The runtime's variant name.
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
    /// Where the code is declared.
    pub loc: Location,
    /// The code: a number, or a string for the new API.
    pub code: CodeValue,
    /// The HTTP status the code comes with (string codes of the new API).
    pub status: Option<u16>,
    /// snake_case name; the enum variant is its UpperCamelCase form.
    pub name: String,
    /// What the code means, as documented.
    pub message: String,
    /// What to do about it, as documented; may be empty.
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
    /// A number (`40014`).
    Num(i64),
    /// A string (`InvalidAuthentication`).
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

/// A `sub_code` that changes the class of the code it comes with.
#[derive(Debug, Clone, PartialEq)]
pub struct SubCode {
    /// Where the sub-code is declared.
    pub loc: Location,
    /// The `sub_code` value, e.g. `isp.-1`.
    pub sub_code: String,
    /// The class the code takes with it.
    pub class: ErrorClass,
    /// What it means; may be empty.
    pub description: String,
}

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
    /// Each method with its spec spelling (`method:`).
    pub const ALL: [(&'static str, HttpMethod); 5] = [
        ("GET", HttpMethod::Get),
        ("POST", HttpMethod::Post),
        ("PUT", HttpMethod::Put),
        ("DELETE", HttpMethod::Delete),
        ("PATCH", HttpMethod::Patch),
    ];

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
    /// The one body parameter's value is the whole JSON body (an array or a scalar, as the new
    /// API's `UtilClient.to_array(request.body)`).
    JsonValue,
    /// A `multipart/form-data` body: a text part per scalar, a file part per `file` parameter.
    Multipart,
}

impl Encoding {
    /// Each encoding with its spec spelling (`encoding:`).
    pub const ALL: [(&'static str, Encoding); 5] = [
        ("json", Encoding::Json),
        ("form", Encoding::Form),
        ("query", Encoding::Query),
        ("json_value", Encoding::JsonValue),
        ("multipart", Encoding::Multipart),
    ];

    /// The runtime's variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Encoding::Json => "Json",
            Encoding::Form => "Form",
            Encoding::Query => "Query",
            Encoding::JsonValue => "JsonValue",
            Encoding::Multipart => "Multipart",
        }
    }
}

/// An `operation:` file: one endpoint, with everything the generator and the fake server need.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Where the operation is declared.
    pub loc: Location,
    /// UpperCamelCase, e.g. `ListLabelGroups`.
    pub name: String,
    /// snake_case module the operation is generated into, e.g. `extcontact`.
    pub group: String,
    /// Id of the service the operation belongs to (`oapi` unless the file says `service:`).
    pub service: String,
    /// Where the facts come from when imported (`alibabacloud-dingtalk 2.2.65`).
    pub source: Option<String>,
    /// One line saying what the call does; it heads the generated docs.
    pub summary: String,
    /// More about the call, for the generated docs; may be empty.
    pub description: String,
    /// A link to the official page.
    pub docs: Option<String>,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path; each `{name}` segment is filled from a path parameter.
    pub path: String,
    /// How the non-auth parameters travel.
    pub encoding: Encoding,
    /// Whether the call carries the service's access token.
    pub requires_token: bool,
    /// The kinds of app that may call it (`internal`, `third_party_enterprise`).
    pub app_types: Vec<String>,
    /// The permission the app needs, if the documentation names one.
    pub permission: Option<Permission>,
    /// Whether the call may be repeated after it may have reached the server.
    pub retry_safe: bool,
    /// Parameters filling `{name}` segments of the path.
    pub path_params: Vec<Field>,
    /// Query parameters.
    pub query: Vec<Field>,
    /// Header parameters (`headers:`): scalars sent as HTTP headers, the wire name the header's.
    pub headers: Vec<Field>,
    /// Body parameters.
    pub body: Vec<Field>,
    /// How pages are walked, for a paginated operation.
    pub pagination: Option<Pagination>,
    /// The response's fields.
    pub response: Vec<Field>,
    /// `response_value: true`: the response body is the one response field's value (a JSON
    /// array or scalar), not an object of fields.
    pub response_value: bool,
    /// Named object types declared by this operation.
    pub types: Vec<NamedType>,
    /// The error codes the endpoint documents.
    pub errors: Vec<ErrorCode>,
    /// Examples from the documentation.
    pub examples: Vec<Example>,
    /// How the fake server treats the operation.
    pub mock: Option<MockBehaviour>,
    /// A friendly command of the `dingtalk` CLI for the operation (`cli:`).
    pub cli: Option<CliAlias>,
}

impl Operation {
    /// Every parameter: path, query, headers, body, in that order.
    pub fn params(&self) -> impl Iterator<Item = &Field> {
        self.path_params.iter().chain(&self.query).chain(&self.headers).chain(&self.body)
    }

    /// The flags of the operation's CLI command: one per parameter (its wire name in
    /// kebab-case: `user_id` → `user-id`, `unionId` → `union-id`), then the spec's own, each
    /// with the dotted wire path it sets.
    pub fn cli_flags(&self) -> Vec<(String, String)> {
        let Some(cli) = &self.cli else { return Vec::new() };
        let params = self.params();
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
    /// Where the `cli:` entry is.
    pub loc: Location,
    /// The command's two words (`ext-contact`, `list-label-groups`), kebab-case.
    pub words: Vec<String>,
    /// Flags beyond one per parameter (its wire name in kebab-case): a flag name and the dotted
    /// wire path it sets (`name` → `contact.name`).
    pub flags: Vec<(String, String, Location)>,
}

/// The permission an app needs to call an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    /// Its name, e.g. `qyapi_ext_read`.
    pub name: String,
    /// What it grants; may be empty.
    pub description: String,
}

/// How an operation's pages are walked (`pagination:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// Where the pagination is declared.
    pub loc: Location,
    /// Where the next page starts.
    pub style: PageStyle,
    /// The parameter carrying the page size: required for offsets and cursors; a token walk
    /// may have none (the server picks).
    pub size: Option<String>,
    /// Response path (`results`, `result.list`) of the page's items (a list).
    pub items: String,
    /// The page size used when the request gives none; at most the size parameter's `max`.
    /// Required for offsets and cursors; without it a token walk leaves the size to the server.
    pub max_page_size: Option<i64>,
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum PageStyle {
    /// The parameter `offset` is the index of the page's first item.
    Offset {
        /// The parameter carrying the offset.
        offset: String,
    },
    /// The parameter `cursor` comes from the previous page's `next_cursor` (a response path)
    /// while its `has_more` (a response path) is true.
    Cursor {
        /// The parameter carrying the cursor.
        cursor: String,
        /// The response path of the next page's cursor.
        next_cursor: String,
        /// The response path of whether another page follows.
        has_more: String,
    },
    /// The new API's style: the parameter `token` is left out for the first page, then takes
    /// the previous page's `next_token` (a response path; text or an integer) until a page
    /// hands out none or its `has_more` (a response path, where there is one) is false.
    Token {
        /// The parameter carrying the token.
        token: String,
        /// The response path of the next page's token.
        next_token: String,
        /// The response path of whether another page follows, where the response has one.
        has_more: Option<String>,
        /// The token of the first page, for a required integer token parameter (DingTalk's
        /// start at 0); without it the first page leaves the parameter out.
        first: Option<i64>,
    },
}

impl Pagination {
    /// The parameter carrying the page's position: the offset, the cursor or the token.
    pub fn position(&self) -> &str {
        match &self.style {
            PageStyle::Offset { offset } => offset,
            PageStyle::Cursor { cursor, .. } => cursor,
            PageStyle::Token { token, .. } => token,
        }
    }
}

/// What the fake server does for an operation beyond validating it.
#[derive(Debug, Clone, PartialEq)]
pub struct MockBehaviour {
    /// Where the behaviour is declared.
    pub loc: Location,
    /// Name of the in-memory collection the operation works on.
    pub store: String,
    /// What the operation does to the store.
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
    /// List: each object replaced by the value of this field; get: that field of the object.
    pub project: Option<String>,
    /// Create: fields a new object starts with (a JSON object, as text), e.g. a task's progress.
    pub defaults: Option<(Location, String)>,
}

/// Keeps stored objects whose `field` equals (or, for a list field, contains) the parameter
/// `param`.
#[derive(Debug, Clone, PartialEq)]
pub struct MockFilter {
    /// The request parameter whose value is matched.
    pub param: String,
    /// The stored objects' field it is matched against.
    pub field: String,
}

/// What an operation does to its store.
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
    /// Answers how many stored objects pass the filter.
    Count,
}

impl MockAction {
    /// Each action with its spec spelling (`action:`).
    pub const ALL: [(&'static str, MockAction); 6] = [
        ("list", MockAction::List),
        ("get", MockAction::Get),
        ("create", MockAction::Create),
        ("update", MockAction::Update),
        ("delete", MockAction::Delete),
        ("count", MockAction::Count),
    ];

    /// The runtime's variant name.
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
    /// Where the types are declared.
    pub loc: Location,
    /// The group whose operations share them.
    pub group: String,
    /// The types, in source order.
    pub types: Vec<NamedType>,
}

/// A named object type (a Rust struct), or a tagged union (a Rust enum).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedType {
    /// Where the type's name is written.
    pub loc: Location,
    /// UpperCamelCase; `group::Name` once loaded, in a `by_group` group.
    pub name: String,
    /// What the type is, for the generated docs; may be empty.
    pub description: String,
    /// Its fields, in source order; a union's variants (each one's name is the tag's value and
    /// the field holding the variant's value).
    pub fields: Vec<Field>,
    /// A union's tag field (`msgtype`), with where it is written; `None` for an object type.
    pub tag: Option<(Location, String)>,
}

impl NamedType {
    /// Whether the type is a tagged union.
    pub fn is_union(&self) -> bool {
        self.tag.is_some()
    }

    /// The wire names a union takes in its object, tag first.
    pub fn union_keys(&self) -> Vec<&str> {
        self.tag.iter().map(|(_, t)| t.as_str()).chain(self.fields.iter().map(|f| f.name.as_str())).collect()
    }
}

/// A parameter or object field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Where the field is declared.
    pub loc: Location,
    /// Name on the wire.
    pub name: String,
    /// Rust name when it must differ from the snake_case of the wire name.
    pub rust_name: Option<String>,
    /// Its type.
    pub ty: ParamType,
    /// Where its `type:` is written.
    pub ty_loc: Location,
    /// Whether it must be present; otherwise it is an `Option`.
    pub required: bool,
    /// What it means, for the generated docs; may be empty.
    pub description: String,
    /// An example value, with where it is written; checked against the type and constraints.
    pub example: Option<(Location, serde_json::Value)>,
    /// Bounds on its value, length or item count.
    pub constraints: Constraints,
    /// Secrets are redacted from `Debug` output and never logged.
    pub secret: bool,
    /// Values must exist in a mock store: `store.field(.field)*`, e.g. `label_groups.labels.id`.
    pub references: Option<(Location, String)>,
    /// A union field whose tag and variant fields sit in the enclosing object (`flatten: true`).
    pub flatten: bool,
    /// A list parameter sent as one comma-joined string (`style: comma`: `user1,user2`).
    pub comma: bool,
}

/// Bounds a field's value must keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Least value of an integer, inclusive.
    pub min: Option<i64>,
    /// Greatest value of an integer, inclusive.
    pub max: Option<i64>,
    /// Most characters of a string.
    pub max_length: Option<u64>,
    /// Most items of a list.
    pub max_items: Option<u64>,
    /// Most bytes of the value's JSON text (DingTalk's 2,048 of a work notification's `msg`).
    pub max_json_bytes: Option<u64>,
    /// Most bytes of a file.
    pub max_bytes: Option<u64>,
    /// A file's own limits for values of another parameter (`max_bytes_by:`).
    pub max_bytes_by: Option<BytesBy>,
}

/// `max_bytes_by: {param: type, limits: {voice: 2097152}}`: a file's limit when another
/// parameter has one of these values.
#[derive(Debug, Clone, PartialEq)]
pub struct BytesBy {
    /// Where it is declared.
    pub loc: Location,
    /// The deciding parameter.
    pub param: String,
    /// (value, most bytes), in declaration order.
    pub limits: Vec<(String, u64)>,
}

/// A field's type, as the spec spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// `string`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64` (DingTalk's Number).
    I64,
    /// `f64`.
    F64,
    /// Any JSON value (the new API's free-form maps).
    Json,
    /// `file`: a file uploaded in a multipart body (`rt::Upload`).
    File,
    /// `list<T>`: a `Vec` of the inner type.
    List(Box<ParamType>),
    /// A named object type. In a group whose names are scoped to it (`by_group`), the loader
    /// qualifies the name as `group::Name`; [`crate::names::bare`] gives the Rust name.
    Named(String),
}

impl ParamType {
    /// Whether the type is `i32` or `i64`.
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
            ParamType::File => "file".into(),
            ParamType::List(inner) => format!("list<{}>", inner.spelling()),
            ParamType::Named(n) => n.clone(),
        }
    }
}

/// An example from the documentation (`examples:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Where the example is declared.
    pub loc: Location,
    /// snake_case, e.g. `first_page`.
    pub name: String,
    /// What the example shows; may be empty.
    pub description: String,
    /// The request it sends, checked against the parameters.
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

/// An example's request: how it travels and the parameter values it sends.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleRequest {
    /// Where the request is declared.
    pub loc: Location,
    /// How the example sends it.
    pub encoding: Encoding,
    /// The access token it sends, if any.
    pub access_token: Option<String>,
    /// Query parameters other than the access token.
    pub query: serde_json::Map<String, serde_json::Value>,
    /// Body parameters.
    pub body: serde_json::Map<String, serde_json::Value>,
}
