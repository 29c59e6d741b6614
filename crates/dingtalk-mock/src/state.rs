//! What the server knows and remembers: its operations, tokens, stores, faults and requests.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use dingtalk_oapi::OperationDescriptor;
use dingtalk_oapi::generated::service::SERVICE;
use dingtalk_oapi::runtime::{Code, ErrorEnvelope, MockDescriptor};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::ids::{random_id, request_id};
use crate::validate::{self, Invalid};
use crate::{Fault, MAX_RECORDED_REQUESTS, RecordedRequest, store};

/// Most tokens remembered at once; past it, expired and invalidated ones are forgotten first.
const MAX_TOKENS: usize = 10_000;
/// Rough cap on the memory the recorded requests take.
const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;

pub(crate) const GET_TOKEN: &str = "GetToken";
pub(crate) const GET_CORP_TOKEN: &str = "GetCorpToken";

pub(crate) struct Config {
    pub operations: &'static [&'static MockDescriptor],
    pub static_tokens: HashSet<String>,
    pub apps: HashMap<String, String>,
    pub suites: HashMap<String, String>,
    pub ttl: Duration,
    /// Calls accepted per token per path in each wall-clock second; more are answered 90018
    /// (old OAPI) or 403 (new API).
    pub qps_limit: Option<u32>,
}

/// (token, group, operation) of the per-second call counters: each maps to (the Unix second,
/// calls in it). DingTalk counts per API: GET and DELETE of one path are two.
type RateKey = (String, &'static str, &'static str);

pub(crate) struct Shared {
    config: Config,
    routes: HashMap<&'static str, Vec<&'static MockDescriptor>>,
    /// Operations whose path has `{name}` segments, with the path split into segments.
    templates: Vec<(Vec<&'static str>, &'static MockDescriptor)>,
    /// First path segments (`v1.0`) of the operations whose errors are HTTP statuses.
    status_prefixes: HashSet<&'static str>,
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
        let mut status_prefixes = HashSet::new();
        for m in config.operations {
            if m.operation.service.envelope == ErrorEnvelope::HttpStatus {
                status_prefixes.insert(first_segment(m.operation.path));
            }
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
            issued: 0,
        };
        Shared {
            config,
            routes,
            templates,
            status_prefixes,
            state: Mutex::new(state),
            rates: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `path` belongs to the new API, whose errors are HTTP statuses with `{code,
    /// message, requestid}`: its first segment (`v1.0`) is the first segment of an operation of
    /// a service with that envelope. Unknown paths and methods there are answered in that form.
    pub(crate) fn status_envelope(&self, path: &str) -> bool {
        self.status_prefixes.contains(first_segment(path))
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

    pub(crate) fn record(&self, request: RecordedRequest) {
        let size = 256
            + request.path.len()
            + 2 * request.body.len()
            + request.query.iter().map(|(k, v)| k.len() + v.len() + 32).sum::<usize>();
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

    /// Invalidates an issued token (a configured one stays valid).
    pub(crate) fn revoke(&self, token: Option<&str>) {
        if let Some(token) = token
            && let Some(issued) = self.lock().tokens.get_mut(token)
        {
            issued.revoked = true;
        }
    }

    /// `Err(errcode)` unless the token is configured, or issued and still valid.
    fn check_token(&self, token: Option<&str>) -> Result<(), i64> {
        let Some(token) = token.filter(|t| !t.is_empty()) else { return Err(33009) };
        if self.config.static_tokens.contains(token) {
            return Ok(());
        }
        match self.lock().tokens.get(token) {
            None => Err(33009),
            Some(t) if t.revoked || Instant::now() >= t.expires_at => Err(40014),
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

    /// The answer (HTTP 200, JSON) to a call of `op`, once routed and past any fault.
    pub(crate) fn answer(
        &self,
        m: &'static MockDescriptor,
        token: Option<&str>,
        params: &Map<String, Value>,
        body_error: Option<&str>,
    ) -> Value {
        let op = m.operation;
        if op.requires_token
            && let Err(code) = self.check_token(token)
        {
            let fallback = if code == 33009 { "Invalid tokenGrantType" } else { "Invalid access_token" };
            return api_error(code, message(op, code, fallback));
        }
        if let Some(why) = body_error {
            return invalid_parameter(why);
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
        match op.name {
            GET_TOKEN => self.get_token(op, &params),
            GET_CORP_TOKEN => self.get_corp_token(&params),
            _ => match m.behaviour {
                Some(mock) => {
                    let mut state = self.lock();
                    let items = state.stores.entry(mock.store.to_owned()).or_default();
                    match store::apply(op, &mock, &params, items) {
                        Ok(fields) => {
                            let mut out = Map::new();
                            out.insert("errcode".into(), json!(0));
                            out.extend(fields);
                            out.insert("request_id".into(), json!(request_id()));
                            Value::Object(trim_to_spec(op, out))
                        }
                        Err(failure) => api_error(failure.code, failure.message),
                    }
                }
                None => example_response(m),
            },
        }
    }

    /// The answer of a new-API operation (HTTP status, JSON), once routed and past any fault.
    pub(crate) fn answer_api(
        &self,
        m: &'static MockDescriptor,
        token: Option<&str>,
        params: &Map<String, Value>,
        body_error: Option<&str>,
    ) -> (u16, Value) {
        let op = m.operation;
        if op.requires_token && self.check_token(token).is_err() {
            return api_status_error(op, "InvalidAuthentication", "the access token is invalid or expired");
        }
        if let Some(why) = body_error {
            return api_status_error(op, "InvalidParameter", why);
        }
        let params = match validate::check_params(op, params) {
            Ok(params) => params,
            Err(invalid) => {
                return api_status_error(op, "InvalidParameter", &format!("{} {}", invalid.path, invalid.problem));
            }
        };
        match op.path {
            APP_TOKEN_PATH => {
                let (key, secret) = (text(&params, "appKey"), text(&params, "appSecret"));
                if self.config.apps.get(&key).is_some_and(|s| *s == secret) {
                    // A grant of its own: the new API's token is not the old one's.
                    (200, self.api_token_response(self.issue(format!("api-app\n{key}"))))
                } else {
                    api_status_error(op, "InvalidParameter", "unknown appKey or wrong appSecret")
                }
            }
            CORP_TOKEN_PATH => {
                let (suite, corp) = (text(&params, "suiteKey"), text(&params, "authCorpId"));
                if !self.config.suites.is_empty()
                    && self.config.suites.get(&suite).is_none_or(|s| *s != text(&params, "suiteSecret"))
                {
                    return api_status_error(op, "InvalidParameter", "unknown suiteKey or wrong suiteSecret");
                }
                (200, self.api_token_response(self.issue(format!("api-corp\n{suite}\n{corp}"))))
            }
            _ => match crate::data::first_example(m) {
                Some(example) => (200, Value::Object(example)),
                None => (200, Value::Object(crate::data::sample_object(op.response, &params, 0))),
            },
        }
    }

    fn api_token_response(&self, token: String) -> Value {
        json!({"accessToken": token, "expireIn": self.config.ttl.as_secs()})
    }

    fn token_response(&self, token: String) -> Value {
        json!({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.config.ttl.as_secs()})
    }

    fn get_token(&self, op: &OperationDescriptor, params: &Map<String, Value>) -> Value {
        let key = text(params, "appkey");
        let secret = text(params, "appsecret");
        if self.config.apps.get(&key).is_some_and(|s| *s == secret) {
            self.token_response(self.issue(format!("app\n{key}")))
        } else {
            api_error(40089, message(op, 40089, "Invalid appkey or appsecret"))
        }
    }

    fn get_corp_token(&self, params: &Map<String, Value>) -> Value {
        let suite = text(params, "accessKey");
        let corp = text(params, "auth_corpid");
        if !self.config.suites.is_empty() {
            let Some(secret) = self.config.suites.get(&suite) else {
                return invalid_parameter("accessKey names no known suite");
            };
            let expected = signature(secret, &text(params, "timestamp"), &text(params, "suiteTicket"));
            if text(params, "signature") != expected {
                return invalid_parameter("signature does not match");
            }
        }
        self.token_response(self.issue(format!("corp\n{suite}\n{corp}")))
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

/// The new API's token endpoints, answered like `GetToken` and `GetCorpToken`.
const APP_TOKEN_PATH: &str = "/v1.0/oauth2/accessToken";
const CORP_TOKEN_PATH: &str = "/v1.0/oauth2/corpAccessToken";

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

/// A new-API error: `(status, {"code", "message", "requestid"})`, the status from the spec's
/// table (400 for a code it does not list).
pub(crate) fn api_status_error(op: &OperationDescriptor, code: &str, detail: &str) -> (u16, Value) {
    let info = op.error(Code::Str(code));
    let status = info.and_then(|e| e.status).unwrap_or(400);
    let message = match info {
        Some(e) if !detail.is_empty() => format!("{}: {detail}", e.message),
        Some(e) => e.message.to_owned(),
        None => detail.to_owned(),
    };
    (status, json!({"code": code, "message": message, "requestid": request_id()}))
}

/// The documented message of `code` for `op` (its own list, else the global table).
pub(crate) fn message(op: &OperationDescriptor, code: i64, fallback: &'static str) -> &'static str {
    op.error(Code::Num(code)).map_or(fallback, |e| e.message)
}

/// `{"errcode":code,"errmsg":message,"request_id":…}`.
pub(crate) fn api_error(code: i64, message: impl Into<String>) -> Value {
    json!({"errcode": code, "errmsg": message.into(), "request_id": request_id()})
}

/// 40035 with the global message and the detail.
fn invalid_parameter(detail: &str) -> Value {
    let message = SERVICE.global_error(Code::Num(40035)).map_or("Invalid parameter", |e| e.message);
    api_error(40035, format!("{message}: {detail}"))
}

/// The operation's error code tied to the parameter, else 40035 naming it.
fn param_error(op: &OperationDescriptor, invalid: &Invalid) -> Value {
    let tied = |name: &str| op.errors.iter().find(|e| e.param == Some(name));
    match tied(&invalid.path).or_else(|| tied(&invalid.param)) {
        Some(e) => api_error(e.code.as_i64().unwrap_or(40035), e.message),
        None => invalid_parameter(&format!("{} {}", invalid.path, invalid.problem)),
    }
}

/// The first example response with a fresh `request_id`, else `{"errcode":0,"request_id":…}`.
fn example_response(m: &MockDescriptor) -> Value {
    match crate::data::first_example(m) {
        Some(mut example) => {
            example.insert("request_id".into(), json!(request_id()));
            Value::Object(example)
        }
        None => json!({"errcode": 0, "request_id": request_id()}),
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
