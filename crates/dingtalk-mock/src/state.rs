//! What the server knows and remembers: its operations, tokens, stores, faults and requests.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use dingtalk_oapi::OperationDescriptor;
use dingtalk_oapi::runtime::protocol::{self, Written};
use dingtalk_oapi::runtime::{
    Code, Credential, ErrorClass, ErrorRole, MockDescriptor, ServiceDescriptor, TokenIssuer, TokenKind,
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::ids::{random_id, request_id};
use crate::multipart::ReceivedFile;
use crate::validate::{self, Invalid};
use crate::{Fault, MAX_RECORDED_REQUESTS, RecordedRequest, store};

/// How many received files [`Shared::uploads`] keeps (the most recent ones).
const MAX_KEPT_UPLOADS: usize = 64;
/// How many bytes of received files it keeps together (always the last file).
const MAX_KEPT_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// Most tokens remembered at once; past it, expired and invalidated ones are forgotten first.
const MAX_TOKENS: usize = 10_000;
/// Rough cap on the memory the recorded requests take.
const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;

pub(crate) struct Config {
    pub operations: &'static [&'static MockDescriptor],
    pub static_tokens: HashSet<String>,
    pub apps: HashMap<String, String>,
    pub suites: HashMap<String, String>,
    pub ttl: Duration,
    /// The custom robots' webhooks.
    pub robots: crate::robot::Robots,
    /// Calls accepted per token per path in each wall-clock second; more are answered 90018
    /// (old OAPI) or 403 (new API).
    pub qps_limit: Option<u32>,
    /// The Stream-mode gateway.
    pub stream: crate::stream::Gateway,
    /// The robots' session webhooks.
    pub sessions: crate::session::Sessions,
}

/// (token, group, operation) of the per-second call counters: each maps to (the Unix second,
/// calls in it). DingTalk counts per API: GET and DELETE of one path are two.
type RateKey = (String, &'static str, &'static str);

pub(crate) struct Shared {
    config: Config,
    routes: HashMap<&'static str, Vec<&'static MockDescriptor>>,
    /// Operations whose path has `{name}` segments, with the path split into segments.
    templates: Vec<(Vec<&'static str>, &'static MockDescriptor)>,
    /// The service of the operations under each first path segment (`v1.0`, `topapi`), for
    /// answers to paths no operation has.
    prefixes: HashMap<&'static str, &'static ServiceDescriptor>,
    state: Mutex<State>,
    rates: Mutex<HashMap<RateKey, (u64, u32)>>,
}

struct State {
    stores: HashMap<String, Vec<Value>>,
    tokens: HashMap<String, Issued>,
    /// The token last issued for an app or a (suite, corp).
    grants: HashMap<String, String>,
    /// By (group, name): the new API repeats names across groups.
    faults: HashMap<(&'static str, &'static str), VecDeque<(Fault, usize)>>,
    requests: VecDeque<(RecordedRequest, usize)>,
    request_bytes: usize,
    uploads: VecDeque<ReceivedFile>,
    issued: usize,
}

struct Issued {
    expires_at: Instant,
    revoked: bool,
}

/// Where a method and path lead.
pub(crate) enum Route {
    /// The operation, with the path parameters the path carried (percent-decoded).
    Op(&'static MockDescriptor, Map<String, Value>),
    /// The path exists with these methods only.
    WrongMethod(Vec<&'static str>),
    NotFound,
}

impl Shared {
    pub(crate) fn new(config: Config, stores: HashMap<String, Vec<Value>>) -> Shared {
        let mut routes: HashMap<&'static str, Vec<&'static MockDescriptor>> = HashMap::new();
        let mut templates = Vec::new();
        let mut prefixes = HashMap::new();
        for m in config.operations {
            prefixes.entry(first_segment(m.operation.path)).or_insert(m.operation.service);
            if m.operation.path_params.is_empty() {
                routes.entry(m.operation.path).or_default().push(m);
            } else {
                templates.push((m.operation.path.trim_start_matches('/').split('/').collect::<Vec<_>>(), *m));
            }
        }
        // A literal segment wins over a parameter at the same place (`/users/search` before
        // `/users/{unionId}`), whatever the operations' order.
        templates.sort_by_key(|(segments, _)| segments.iter().map(|s| s.starts_with('{')).collect::<Vec<_>>());
        let state = State {
            stores,
            tokens: HashMap::new(),
            grants: HashMap::new(),
            faults: HashMap::new(),
            requests: VecDeque::new(),
            request_bytes: 0,
            uploads: VecDeque::new(),
            issued: 0,
        };
        Shared { config, routes, templates, prefixes, state: Mutex::new(state), rates: Mutex::new(HashMap::new()) }
    }

    /// The Stream-mode gateway.
    pub(crate) fn stream(&self) -> &crate::stream::Gateway {
        &self.config.stream
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The service a path belongs to: the service of the operations under its first segment
    /// (`/v1.0/…` is the new API's), else the client's main service. Unknown paths and methods
    /// are answered in that service's protocol.
    pub(crate) fn service_for_path(&self, path: &str) -> &'static ServiceDescriptor {
        self.prefixes.get(first_segment(path)).copied().unwrap_or(&dingtalk_oapi::generated::service::SERVICE)
    }

    pub(crate) fn route(&self, method: &str, path: &str) -> Route {
        let mut allowed = Vec::new();
        if let Some(ops) = self.routes.get(path) {
            match ops.iter().find(|m| m.operation.method.as_str() == method) {
                Some(m) => return Route::Op(m, Map::new()),
                None => allowed.extend(ops.iter().map(|m| m.operation.method.as_str())),
            }
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for (template, m) in &self.templates {
            let Some(params) = match_template(template, &segments) else { continue };
            if m.operation.method.as_str() == method {
                return Route::Op(m, params);
            }
            allowed.push(m.operation.method.as_str());
        }
        if allowed.is_empty() { Route::NotFound } else { Route::WrongMethod(allowed) }
    }

    /// Whether this call goes over `--qps-limit` for its token and path in the current
    /// wall-clock second (DingTalk counts per second, per app, per API).
    pub(crate) fn over_rate_limit(&self, token: Option<&str>, op: &'static OperationDescriptor) -> bool {
        let Some(limit) = self.config.qps_limit else { return false };
        let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut rates = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        if rates.len() > 10_000 {
            rates.retain(|_, (s, _)| *s == second);
        }
        let entry = rates.entry((token.unwrap_or_default().to_owned(), op.group, op.name)).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        entry.1 += 1;
        entry.1 > limit
    }

    /// Queues a fault; `Err` lists the operation names if `name` is none of them.
    pub(crate) fn inject(&self, name: &str, fault: Fault, times: usize) -> Result<(), Vec<String>> {
        let ops: Vec<&'static OperationDescriptor> = self.config.operations.iter().map(|m| m.operation).collect();
        let Some(op) = dingtalk_oapi::find_operation(&ops, name) else {
            return Err(self.config.operations.iter().map(|m| m.operation.id.to_owned()).collect());
        };
        if times == 0 {
            return Ok(());
        }
        let mut state = self.lock();
        let queue = state.faults.entry((op.group, op.name)).or_default();
        match queue.back_mut() {
            Some((last, n)) if *last == fault => *n = n.saturating_add(times),
            _ => queue.push_back((fault, times)),
        }
        Ok(())
    }

    pub(crate) fn take_fault(&self, op: &OperationDescriptor) -> Option<Fault> {
        let mut state = self.lock();
        let queue = state.faults.get_mut(&(op.group, op.name))?;
        let (fault, n) = queue.front_mut()?;
        let fault = *fault;
        *n -= 1;
        if *n == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// Keeps the files of a request: the last [`MAX_KEPT_UPLOADS`], at most
    /// [`MAX_KEPT_UPLOAD_BYTES`] of them together.
    pub(crate) fn record_uploads(&self, files: Vec<ReceivedFile>) {
        if files.is_empty() {
            return;
        }
        let mut state = self.lock();
        state.uploads.extend(files);
        while state.uploads.len() > MAX_KEPT_UPLOADS
            || (state.uploads.iter().map(|f| f.size).sum::<usize>() > MAX_KEPT_UPLOAD_BYTES && state.uploads.len() > 1)
        {
            state.uploads.pop_front();
        }
    }

    pub(crate) fn uploads(&self) -> Vec<ReceivedFile> {
        self.lock().uploads.iter().cloned().collect()
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        let size = 256
            + request.path.len()
            + 2 * request.body.len()
            + request.query.iter().map(|(k, v)| k.len() + v.len() + 32).sum::<usize>()
            + request.headers.iter().map(|(k, v)| k.len() + v.len() + 32).sum::<usize>();
        let mut state = self.lock();
        state.requests.push_back((request, size));
        state.request_bytes += size;
        while state.requests.len() > MAX_RECORDED_REQUESTS
            || (state.request_bytes > MAX_RECORDED_BYTES && state.requests.len() > 1)
        {
            if let Some((_, size)) = state.requests.pop_front() {
                state.request_bytes -= size;
            }
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().map(|(r, _)| r.clone()).collect()
    }

    pub(crate) fn clear_requests(&self) {
        let mut state = self.lock();
        state.requests.clear();
        state.request_bytes = 0;
    }

    pub(crate) fn issued_tokens(&self) -> usize {
        self.lock().issued
    }

    pub(crate) fn store(&self, name: &str) -> Option<Vec<Value>> {
        self.lock().stores.get(name).cloned()
    }

    /// A fresh in-app login code for the user `userid` of the `users` store, kept in the
    /// `login_codes` store `GetUserInfoByCode` reads; `None` for an unknown user or when no
    /// operation uses those stores.
    pub(crate) fn issue_login_code(&self, userid: &str) -> Option<String> {
        let mut state = self.lock();
        let user =
            state.stores.get("users")?.iter().find(|u| u.get("userid").and_then(Value::as_str) == Some(userid))?;
        let field = |name: &str| user.get(name).cloned().unwrap_or(Value::Null);
        let (admin, boss) = (field("admin") == Value::Bool(true), field("boss") == Value::Bool(true));
        let code = random_id(24);
        let entry = json!({
            "code": code, "userid": userid, "name": field("name"), "unionid": field("unionid"),
            "associated_unionid": field("unionid"), "device_id": random_id(12),
            "sys": admin || boss, "sys_level": if boss { 100 } else if admin { 1 } else { 0 },
        });
        let codes = state.stores.get_mut("login_codes")?;
        if codes.len() >= 10_000 {
            codes.remove(0);
        }
        codes.push(entry);
        Some(code)
    }

    /// Invalidates an issued token (a configured one stays valid).
    pub(crate) fn revoke(&self, token: Option<&str>) {
        if let Some(token) = token
            && let Some(issued) = self.lock().tokens.get_mut(token)
        {
            issued.revoked = true;
        }
    }

    /// The custom robots' webhooks.
    pub(crate) fn robots(&self) -> &crate::robot::Robots {
        &self.config.robots
    }

    /// The robots' session webhooks.
    pub(crate) fn sessions(&self) -> &crate::session::Sessions {
        &self.config.sessions
    }

    /// `Err(role)` unless the token is configured, or issued and still valid.
    fn check_token(&self, token: Option<&str>) -> Result<(), ErrorRole> {
        let Some(token) = token.filter(|t| !t.is_empty()) else { return Err(ErrorRole::TokenMissing) };
        if self.config.static_tokens.contains(token) {
            return Ok(());
        }
        match self.lock().tokens.get(token) {
            None => Err(ErrorRole::TokenMissing),
            Some(t) if t.revoked || Instant::now() >= t.expires_at => Err(ErrorRole::TokenExpired),
            Some(_) => Ok(()),
        }
    }

    /// The token of `grant`: the same one while it is valid (its life renewed), else a new one.
    fn issue(&self, grant: String) -> String {
        let now = Instant::now();
        let expires_at = now.checked_add(self.config.ttl).unwrap_or(now + Duration::from_secs(100 * 365 * 86_400));
        let mut state = self.lock();
        state.issued += 1;
        if let Some(token) = state.grants.get(&grant).cloned()
            && let Some(issued) = state.tokens.get_mut(&token)
            && !issued.revoked
            && now < issued.expires_at
        {
            issued.expires_at = expires_at;
            return token;
        }
        if state.tokens.len() >= MAX_TOKENS {
            state.prune(now);
        }
        let token = random_id(32);
        state.tokens.insert(token.clone(), Issued { expires_at, revoked: false });
        state.grants.insert(grant, token.clone());
        token
    }

    /// The answer to a call of `op`, once routed and past any fault, in its generation's
    /// protocol: the token checked, the parameters validated, then the token issued (an issuer
    /// of the spec's `tokens:`), the `mock:` action run over the stores, or an example (else a
    /// sample built from the response's schema) answered.
    pub(crate) fn answer(
        &self,
        m: &'static MockDescriptor,
        token: Option<&str>,
        params: &Map<String, Value>,
        body_error: Option<&str>,
    ) -> Written {
        let op = m.operation;
        // A webhook's token was checked by its robot.
        if op.requires_token
            && !crate::robot::Robots::serves(op)
            && let Err(role) = self.check_token(token)
        {
            return role_error(op, role, "");
        }
        if let Some(why) = body_error {
            return role_error(op, ErrorRole::InvalidParameter, why);
        }
        let params = match validate::check_params(op, params) {
            Ok(params) => params,
            Err(invalid) => return param_error(op, &invalid),
        };
        {
            let state = self.lock();
            let store = |name: &str| state.stores.get(name).map(Vec::as_slice);
            if let Err(invalid) = validate::check_references(op, &params, &store) {
                return param_error(op, &invalid);
            }
        }
        let protocol = protocol::of(op.service);
        if let Some(issuer) = op.service.tokens.iter().find(|t| t.operation == op.id) {
            return self.issue_token(op, issuer, &params);
        }
        if let (true, Some(field)) = (op.response_value, op.response.first()) {
            return protocol.write_value(crate::data::sample_field(field, &params), &request_id());
        }
        let Some(mock) = m.behaviour else {
            let fields = match (crate::data::first_example(m), op.pagination) {
                (Some(example), _) => example,
                (None, Some(p)) => match crate::data::sample_page(op, &p, &params) {
                    Ok(fields) => fields,
                    Err(failure) => return role_error(op, ErrorRole::InvalidParameter, &failure.detail),
                },
                (None, None) => crate::data::sample_object(op.response, &params, 0, 1),
            };
            return protocol.write_success(fields, &request_id());
        };
        let mut state = self.lock();
        let items = state.stores.entry(mock.store.to_owned()).or_default();
        match store::apply(op, &mock, &params, items) {
            Ok(fields) => {
                // Pushed under the stores' lock, so events follow the changes' order; the
                // gateway never takes this lock, and a push only queues (never waits).
                if let Some(key) = crate::events::changed_key(&mock, &params, items) {
                    crate::events::store_changed(self.stream(), mock.store, mock.action, &key);
                }
                protocol.write_success(trim_to_spec(op, fields), &request_id())
            }
            Err(store::Failure { code: Some(code), detail }) => code_error(op, code, &detail),
            Err(store::Failure { code: None, detail }) => role_error(op, ErrorRole::InvalidParameter, &detail),
        }
    }

    /// A token from an operation of the spec's `tokens:`, for the credentials it names: an
    /// app's key and secret, a suite's key with its secret or a signature of the ticket.
    fn issue_token(
        &self,
        op: &'static OperationDescriptor,
        issuer: &TokenIssuer,
        params: &Map<String, Value>,
    ) -> Written {
        let given = |c: Credential| issuer.param(c).map(|wire| text(params, wire));
        let refused = |detail: &str| match issuer.refused {
            Some(code) => code_error(op, code, detail),
            None => role_error(op, ErrorRole::InvalidParameter, detail),
        };
        let (key, kind) = match issuer.kind {
            TokenKind::App => {
                let key = given(Credential::AppKey).unwrap_or_default();
                if self.config.apps.get(&key).is_none_or(|s| Some(s) != given(Credential::AppSecret).as_ref()) {
                    return refused("unknown app key or wrong app secret");
                }
                (key, "app")
            }
            _ => {
                let (suite, corp) = (given(Credential::SuiteKey).unwrap_or_default(), given(Credential::CorpId));
                if let Err(why) = self.check_suite(&suite, &given) {
                    return refused(why);
                }
                (format!("{suite}\n{}", corp.unwrap_or_default()), "corp")
            }
        };
        // A grant per service: one generation's token is not the other's.
        let token = self.issue(format!("{}\n{kind}\n{key}", op.service.id));
        let mut fields = Map::new();
        fields.insert(issuer.token.to_owned(), json!(token));
        fields.insert(issuer.expires_in.to_owned(), json!(self.config.ttl.as_secs()));
        protocol::of(op.service).write_success(fields, &request_id())
    }

    /// A suite's credentials: its secret, or a signature of the timestamp and ticket with it
    /// (checked only when the server was given suites).
    fn check_suite(&self, suite: &str, given: &dyn Fn(Credential) -> Option<String>) -> Result<(), &'static str> {
        if self.config.suites.is_empty() {
            return Ok(());
        }
        let Some(secret) = self.config.suites.get(suite) else { return Err("unknown suite key") };
        if given(Credential::SuiteSecret).is_some_and(|s| s != *secret) {
            return Err("wrong suite secret");
        }
        if let Some(signed) = given(Credential::Signature) {
            let timestamp = given(Credential::Timestamp).unwrap_or_default();
            let expected = signature(secret, &timestamp, &given(Credential::SuiteTicket).unwrap_or_default());
            if signed != expected {
                return Err("signature does not match");
            }
        }
        Ok(())
    }
}

impl State {
    /// Forgets expired and invalidated tokens and, if still full, the one closest to expiry.
    fn prune(&mut self, now: Instant) {
        self.tokens.retain(|_, t| !t.revoked && now < t.expires_at);
        while self.tokens.len() >= MAX_TOKENS {
            let Some(oldest) = self.tokens.iter().min_by_key(|(_, t)| t.expires_at).map(|(k, _)| k.clone()) else {
                break;
            };
            self.tokens.remove(&oldest);
        }
        let tokens = &self.tokens;
        self.grants.retain(|_, token| tokens.contains_key(token));
    }
}

/// A string parameter as text (a number as its decimal text); empty if absent.
fn text(params: &Map<String, Value>, name: &str) -> String {
    match params.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Base64 of HMAC-SHA256 over `timestamp + "\n" + suiteTicket` with the suite secret.
pub(crate) fn signature(secret: &str, timestamp: &str, ticket: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(format!("{timestamp}\n{ticket}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The answer with only the fields the spec declares for the response, as DingTalk answers:
/// a store holds whole objects (a user), an answer carries what the endpoint returns (its
/// `userid`). Operations that declare no response fields answer as stored.
fn trim_to_spec(op: &OperationDescriptor, out: Map<String, Value>) -> Map<String, Value> {
    if op.response.is_empty() {
        return out;
    }
    let mut trimmed =
        match dingtalk_oapi::schema::check_fields(op.response, &out, "", dingtalk_oapi::schema::Mode::Decode) {
            Ok(trimmed) => trimmed,
            // Data that does not fit the response type is answered as it is (a test may want that).
            Err(_) => return out,
        };
    // The envelope DingTalk always sends, declared or not.
    for key in ["errcode", "request_id"] {
        if let Some(v) = out.get(key) {
            trimmed.insert(key.to_owned(), v.clone());
        }
    }
    trimmed
}

/// Path parameters when `segments` fit `template` (`{name}` takes any non-empty segment).
fn match_template(template: &[&'static str], segments: &[&str]) -> Option<Map<String, Value>> {
    if template.len() != segments.len() {
        return None;
    }
    let mut params = Map::new();
    for (t, s) in template.iter().zip(segments) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(name) if !s.is_empty() => {
                let value = percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
                params.insert(name.to_owned(), Value::String(value));
            }
            Some(_) => return None,
            None if t != s => return None,
            None => {}
        }
    }
    Some(params)
}

/// `v1.0` of `/v1.0/contact/users`.
fn first_segment(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or_default()
}

/// The answer for an error of `role`, with the code the operation's service gives it (the
/// old OAPI's `TokenMissing` is 33009, the new API has none and answers its `TokenExpired`).
pub(crate) fn role_error(op: &OperationDescriptor, role: ErrorRole, detail: &str) -> Written {
    let fallback = match role {
        ErrorRole::TokenMissing => Some(ErrorRole::TokenExpired),
        ErrorRole::BusyRemote | ErrorRole::ApiRateLimited => Some(ErrorRole::Busy),
        _ => None,
    };
    let service = op.service;
    let Some(info) = service.code_for(role).or_else(|| fallback.and_then(|f| service.code_for(f))) else {
        // The new API: no source names the code of a busy system; this server answers HTTP 503
        // `ServiceUnavailable` (its own choice, documented on `Fault::SystemBusy`).
        let (status, code, message) = match role {
            ErrorRole::Busy | ErrorRole::BusyRemote => (503, "ServiceUnavailable", "System busy".to_owned()),
            _ => (500, "InternalError", format!("the spec gives {} no code for {role:?}", service.name)),
        };
        return protocol::of(service).write_protocol_error(status, code, &message, &request_id());
    };
    // The old OAPI's remote-busy code carries the sub-code that makes it retryable.
    let sub_code = match (role, info.code) {
        (ErrorRole::BusyRemote, Code::Num(n)) => service
            .sub_code_classes
            .iter()
            .find(|s| s.code == n && s.class == ErrorClass::Retryable)
            .map(|s| (s.sub_code, "system busy")),
        _ => None,
    };
    let message = with_detail(info.message, detail);
    protocol::of(service).write_error(op, info.code, &message, sub_code, &request_id())
}

/// The answer for a documented `code` of `op` (its own list, else the service's table).
pub(crate) fn code_error(op: &OperationDescriptor, code: Code<'_>, detail: &str) -> Written {
    let message = op.error(code).map_or_else(|| detail.to_owned(), |e| with_detail(e.message, detail));
    protocol::of(op.service).write_error(op, code, &message, None, &request_id())
}

fn with_detail(message: &str, detail: &str) -> String {
    if detail.is_empty() { message.to_owned() } else { format!("{message}: {detail}") }
}

/// The parameters checked against the operation's spec, or the answer refusing them.
pub(crate) fn check_params(op: &OperationDescriptor, params: &Map<String, Value>) -> Result<(), Written> {
    validate::check_params(op, params).map(drop).map_err(|invalid| param_error(op, &invalid))
}

/// The operation's error code tied to the parameter, else the invalid-parameter code naming it.
fn param_error(op: &OperationDescriptor, invalid: &Invalid) -> Written {
    let tied = |name: &str| op.errors.iter().find(|e| e.param == Some(name));
    match tied(&invalid.path).or_else(|| tied(&invalid.param)) {
        Some(e) => code_error(op, e.code, ""),
        None => role_error(op, ErrorRole::InvalidParameter, &format!("{} {}", invalid.path, invalid.problem)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_java_sdk() {
        assert_eq!(
            signature("suiteSecretXYZ", "1527130370219", "ticketABC"),
            "pRujL2FiQkc6m5rLILHYm95n7beB4yKbuHWYDHw5efI="
        );
        assert_eq!(
            signature("suiteSecretXYZ", "1795504935237", "ticketABC"),
            "2hqL8Fb6NOpySNY/S/spV5wFsKP3EcxBN0dGRrI1HPE="
        );
    }
}
