//! The one axum handler: reads a request the way the real server does, records it, applies an
//! injected fault and answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use dingtalk_oapi::generated::service::SERVICE;
use dingtalk_oapi::runtime::protocol::{self, Written};
use dingtalk_oapi::runtime::{Encoding, ErrorRole, MockDescriptor, TokenPlacement};
use serde_json::{Map, Value, json};

use crate::server::ConnectionKill;
use crate::state::{Route, Shared, role_error};
use crate::{Fault, MAX_BODY_BYTES, MAX_UPLOAD_BODY_BYTES, RecordedRequest, multipart};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/mock/robot/messages", axum::routing::get(robot_messages))
        .route("/mock/robot/sessions/messages", axum::routing::get(session_messages))
        .route("/mock/uploads", axum::routing::get(uploads))
        .route("/mock/stream/push", axum::routing::post(crate::control::push))
        .route("/mock/stream/acks", axum::routing::get(crate::control::acks))
        .route("/mock/stream/replies", axum::routing::get(crate::control::replies))
        .route("/mock/stream/disconnect", axum::routing::post(crate::control::disconnect))
        .route(crate::stream::OPEN_PATH, axum::routing::post(crate::stream::open))
        .route(crate::stream::CONNECT_PATH, axum::routing::get(crate::stream::connect))
        .fallback(handle)
        .with_state(shared)
}

/// `GET /mock/robot/messages`: what the robots accepted, oldest first (for tests in another
/// process and demos).
async fn robot_messages(State(shared): State<Arc<Shared>>) -> axum::Json<Vec<crate::RobotMessage>> {
    axum::Json(shared.robots().accepted())
}

/// `GET /mock/robot/sessions/messages`: what the session webhooks accepted, oldest first.
async fn session_messages(State(shared): State<Arc<Shared>>) -> axum::Json<Vec<crate::SessionMessage>> {
    axum::Json(shared.sessions().messages())
}

/// The files received in multipart bodies, without their bytes (`GET /mock/uploads`).
async fn uploads(State(shared): State<Arc<Shared>>) -> axum::Json<Vec<crate::ReceivedFile>> {
    axum::Json(shared.uploads())
}

/// What to send back.
enum Reply {
    Json(StatusCode, Value),
    Text(StatusCode, &'static str, &'static str),
    MethodNotAllowed(String, Value),
    /// Close the connection without answering.
    Drop,
}

const BAD_GATEWAY_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n\
<center><h1>502 Bad Gateway</h1></center>\n<hr><center>Tengine</center>\n</body>\n</html>\n";

/// A request as recorded before its body is read: method, path, query, headers.
pub(crate) fn record_of(
    parts: &axum::http::request::Parts,
    path: String,
    operation: Option<String>,
) -> RecordedRequest {
    RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path,
        query: parse_pairs(parts.uri.query().unwrap_or_default().as_bytes()),
        content_type: parts.headers.get(header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into()),
        body: String::new(),
        operation,
        params: Map::new(),
        access_token: None,
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let kill = parts.extensions.get::<ConnectionKill>().cloned();
    let path = parts.uri.path().to_owned();
    let route = shared.route(parts.method.as_str(), &path);
    let path_protocol = protocol::of(shared.service_for_path(&path));
    let operation = match &route {
        Route::Op(m, _) => Some(m.operation.id.to_owned()),
        _ => None,
    };
    let mut record = record_of(&parts, path.clone(), operation);
    let op_name = record.operation.clone();
    let log = |reply: &Reply, fault: Option<Fault>| {
        log_line(&record_line(&parts.method, &path, &op_name), reply, fault, started)
    };

    let limit = match &route {
        Route::Op(m, _) if m.operation.encoding == Encoding::Multipart => MAX_UPLOAD_BODY_BYTES,
        _ => MAX_BODY_BYTES,
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            shared.record(record);
            let message = format!("request body larger than {limit} bytes");
            let written =
                path_protocol.write_protocol_error(413, "PayloadTooLarge", &message, &crate::ids::request_id());
            let reply = written_reply(written);
            log(&reply, None);
            return into_response(reply, kill).await;
        }
    };

    // A whole-value body (`encoding: json_value`) is the value of the one body parameter.
    let value_body = match &route {
        Route::Op(m, _) if m.operation.encoding == Encoding::JsonValue => m.operation.body.first().map(|f| f.name),
        _ => None,
    };
    let mut received = Vec::new();
    let parsed = match (value_body, multipart::boundary(record.content_type.as_deref())) {
        (Some(name), _) => parse_value_body(&bytes).map(|value| match value {
            None => ParsedBody::Empty,
            Some(value) => ParsedBody::Json(Map::from_iter([(name.to_owned(), value)])),
        }),
        (None, Some(Err(why))) => Err(why),
        (None, Some(Ok(boundary))) => multipart::parse(boundary, bytes.clone()).await.map(|parts| {
            received = parts.files;
            ParsedBody::Multipart(parts.params)
        }),
        (None, None) => parse_body(record.content_type.as_deref(), &bytes),
    };
    let (body_params, body_token, body_error) = match parsed {
        Ok(ParsedBody::Empty) => (Map::new(), None, None),
        Ok(ParsedBody::Multipart(mut map)) => {
            // The documentation's curl sends the token as a form field.
            let token = map.remove(query_token_param()).and_then(|v| v.as_str().map(str::to_owned));
            (map, token.filter(|t| !t.is_empty()), None)
        }
        Ok(ParsedBody::Form(pairs)) => (pairs_to_map(&pairs), token_of(&pairs), None),
        Ok(ParsedBody::Json(mut map)) => {
            map.remove(query_token_param());
            (map, None, None)
        }
        Err(why) => (Map::new(), None, Some(why)),
    };
    // The new API's token travels in a header; the old one's in the query or a form body.
    let header = match &route {
        Route::Op(m, _) => match m.operation.service.token {
            TokenPlacement::Header(name) => Some(name),
            TokenPlacement::Query(_) => None,
        },
        _ => None,
    };
    let token = match header {
        Some(name) => {
            parts.headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()).map(str::to_owned)
        }
        None => token_of(&record.query).or(body_token),
    };
    let mut params = pairs_to_map(&record.query);
    params.extend(body_params);
    if let Route::Op(m, path_params) = &route {
        params.extend(path_params.clone());
        // Header parameters arrive as headers, as text (checked leniently, as the query is).
        for field in m.operation.headers {
            if let Some(value) = parts.headers.get(field.name).and_then(|v| v.to_str().ok()) {
                params.insert(field.name.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
    let content_type = record.content_type.clone();
    let query = record.query.clone();
    record.body = if received.is_empty() {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        // The files are kept whole in `uploads()`; the record keeps the head of the body.
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
        format!("{head}… ({} bytes of multipart/form-data)", bytes.len())
    };
    for file in &mut received {
        file.operation = record.operation.clone();
    }
    shared.record_uploads(received);
    record.params = params.clone();
    record.access_token = token.clone();
    shared.record(record);

    let (reply, fault) = match route {
        Route::NotFound => {
            let message = format!("no such API: {path}");
            (
                written_reply(path_protocol.write_protocol_error(404, "NotFound", &message, &crate::ids::request_id())),
                None,
            )
        }
        Route::WrongMethod(allowed) => {
            let allowed = allowed.join(", ");
            let message = format!("method {} not allowed for {path} (use {allowed})", parts.method);
            let written =
                path_protocol.write_protocol_error(405, "MethodNotAllowed", &message, &crate::ids::request_id());
            (Reply::MethodNotAllowed(allowed, written.body), None)
        }
        Route::Op(op, _) if crate::robot::Robots::serves(op.operation) => {
            let delivery = crate::robot::Delivery {
                token: token.as_deref(),
                content_type: content_type.as_deref(),
                query: &query,
                params: &params,
            };
            match shared.robots().check(op.operation, &delivery) {
                Err(refused) => (written_reply(refused), None),
                Ok(()) => respond(&shared, op, token.as_deref(), &params, body_error.as_deref()).await,
            }
        }
        Route::Op(op, _) if crate::session::Sessions::serves(op.operation) => {
            match shared.sessions().check(op.operation, &query, content_type.as_deref(), &params, body_error.as_deref())
            {
                Err(refused) => (written_reply(refused), None),
                // Past an injected fault, DingTalk's answer (§8 of the Stream reference; the
                // descriptor has no example to answer).
                Ok(()) => match respond(&shared, op, token.as_deref(), &params, None).await {
                    (Reply::Json(StatusCode::OK, body), fault) if body.get("errcode") == Some(&json!(0)) => {
                        (Reply::Json(StatusCode::OK, json!({"errcode": 0, "errmsg": "ok"})), fault)
                    }
                    other => other,
                },
            }
        }
        Route::Op(op, _) => respond(&shared, op, token.as_deref(), &params, body_error.as_deref()).await,
    };
    log(&reply, fault);
    into_response(reply, kill).await
}

/// A written answer as a reply.
fn written_reply(written: Written) -> Reply {
    Reply::Json(StatusCode::from_u16(written.status).unwrap_or(StatusCode::BAD_REQUEST), written.body)
}

/// The answer to a routed call: an injected fault, else the operation's normal answer, each in
/// the protocol of the operation's generation, with the codes its service gives each role.
async fn respond(
    shared: &Shared,
    m: &'static MockDescriptor,
    token: Option<&str>,
    params: &Map<String, Value>,
    body_error: Option<&str>,
) -> (Reply, Option<Fault>) {
    let op = m.operation;
    let role = |role| Some(written_reply(role_error(op, role, "")));
    if op.requires_token && shared.over_rate_limit(token, op) {
        return (written_reply(role_error(op, ErrorRole::AppRateLimited, "")), None);
    }
    let fault = shared.take_fault(op);
    let faulted = match fault {
        None => None,
        Some(Fault::SystemBusy) => role(ErrorRole::Busy),
        Some(Fault::IspBusy) => role(ErrorRole::BusyRemote),
        Some(Fault::RateLimited) => role(ErrorRole::ApiRateLimited),
        Some(Fault::QuotaExhausted) => role(ErrorRole::QuotaExhausted),
        Some(Fault::TokenExpired) => {
            shared.revoke(token);
            role(ErrorRole::TokenExpired)
        }
        Some(Fault::Http500) => {
            Some(Reply::Text(StatusCode::INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "Internal Server Error\n"))
        }
        Some(Fault::Http502Html) => {
            Some(Reply::Text(StatusCode::BAD_GATEWAY, "text/html; charset=utf-8", BAD_GATEWAY_PAGE))
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            None
        }
        Some(Fault::DropConnection) => Some(Reply::Drop),
        Some(Fault::FloodProtection) => Some(Reply::Json(StatusCode::OK, json!({"status": 1111, "wait": 5}))),
    };
    let reply = faulted.unwrap_or_else(|| written_reply(shared.answer(m, token, params, body_error)));
    (reply, fault)
}

/// The query parameter the old OAPI's token travels in.
fn query_token_param() -> &'static str {
    match SERVICE.token {
        TokenPlacement::Query(name) => name,
        TokenPlacement::Header(_) => "access_token",
    }
}

async fn into_response(reply: Reply, kill: Option<ConnectionKill>) -> Response {
    let (status, content_type, body) = match reply {
        Reply::Json(status, body) => (status, "application/json;charset=UTF-8", Body::from(body.to_string())),
        Reply::Text(status, content_type, body) => (status, content_type, Body::from(body)),
        Reply::MethodNotAllowed(allowed, body) => {
            let mut response = Response::new(Body::from(body.to_string()));
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
            if let Ok(allowed) = HeaderValue::from_str(&allowed) {
                headers.insert(header::ALLOW, allowed);
            }
            return response;
        }
        Reply::Drop => match kill {
            Some(ConnectionKill(kill)) => {
                kill.notify_one();
                // The connection, and this future with it, is dropped before anything is sent.
                return std::future::pending().await;
            }
            None => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                Body::from("this server cannot drop connections\n"),
            ),
        },
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn record_line(method: &axum::http::Method, path: &str, op: &Option<String>) -> String {
    const MAX_PATH: usize = 200;
    let path = match path.char_indices().nth(MAX_PATH) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_owned(),
    };
    match op {
        Some(op) => format!("{method} {path} ({op})"),
        None => format!("{method} {path}"),
    }
}

/// One line per request; never the query string or the body (they carry tokens and secrets).
fn log_line(request: &str, reply: &Reply, fault: Option<Fault>, started: Instant) {
    let outcome = match reply {
        Reply::Json(status, body) => match (body.get("errcode"), body.get("code")) {
            (Some(code), _) => format!("{} errcode {code}", status.as_u16()),
            (None, Some(code)) => format!("{} code {code}", status.as_u16()),
            _ => status.as_u16().to_string(),
        },
        Reply::Text(status, ..) => status.as_u16().to_string(),
        Reply::MethodNotAllowed(..) => "405".to_owned(),
        Reply::Drop => "connection dropped".to_owned(),
    };
    let fault = fault.map(|f| format!(" [fault {f:?}]")).unwrap_or_default();
    let elapsed = started.elapsed();
    let elapsed =
        if elapsed < Duration::from_millis(1) { "<1 ms".to_owned() } else { format!("{} ms", elapsed.as_millis()) };
    tracing::info!("{request} -> {outcome}{fault} in {elapsed}");
}

#[derive(Debug)]
enum ParsedBody {
    Empty,
    Json(Map<String, Value>),
    /// Text parts as strings, files as `{"file_name", "size", "content_type"}`.
    Multipart(Map<String, Value>),
    Form(Vec<(String, String)>),
}

/// A JSON object or form pairs, by the content type (sniffed when it is neither).
fn parse_body(content_type: Option<&str>, bytes: &[u8]) -> Result<ParsedBody, String> {
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else { return Ok(ParsedBody::Empty) };
    let essence = content_type.and_then(|ct| ct.split(';').next()).unwrap_or_default().trim().to_ascii_lowercase();
    let json = if essence == "application/json" || essence.ends_with("+json") {
        true
    } else if essence == "application/x-www-form-urlencoded" {
        false
    } else {
        matches!(first, b'{' | b'[')
    };
    if !json {
        return Ok(ParsedBody::Form(parse_pairs(bytes)));
    }
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(ParsedBody::Json(map)),
        Ok(other) => Err(format!("the JSON body must be an object, not {}", crate::data::kind(&other))),
        Err(e) => Err(format!("the body is not valid JSON ({e})")),
    }
}

/// A whole-value JSON body: any JSON value (`None` when the body is empty).
fn parse_value_body(bytes: &[u8]) -> Result<Option<Value>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some).map_err(|e| format!("the body is not valid JSON ({e})"))
}

fn parse_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// The first non-empty `access_token` of the pairs.
fn token_of(pairs: &[(String, String)]) -> Option<String> {
    pairs.iter().find(|(k, v)| k == query_token_param() && !v.is_empty()).map(|(_, v)| v.clone())
}

/// Pairs as parameters (a repeated name becomes an array), without `access_token`.
fn pairs_to_map(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs.iter().filter(|(name, _)| name != query_token_param()) {
        let value = Value::String(value.clone());
        match map.get_mut(name) {
            None => {
                map.insert(name.clone(), value);
            }
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        let form = parse_body(Some("application/x-www-form-urlencoded;charset=utf-8"), b"a=1&b=x+y").unwrap();
        assert!(matches!(form, ParsedBody::Form(p) if p == [("a".into(), "1".into()), ("b".into(), "x y".into())]));
        assert!(matches!(parse_body(Some("application/json;charset=UTF-8"), b"{\"a\":1}"), Ok(ParsedBody::Json(_))));
        assert!(matches!(parse_body(None, b" {\"a\":1}"), Ok(ParsedBody::Json(_))));
        assert!(matches!(parse_body(None, b"a=1"), Ok(ParsedBody::Form(_))));
        assert!(matches!(parse_body(Some("application/json"), b"  "), Ok(ParsedBody::Empty)));
        assert!(parse_body(Some("application/json"), b"a=1").unwrap_err().contains("not valid JSON"));
        assert!(parse_body(Some("application/json"), b"[1]").unwrap_err().contains("not an array"));
    }

    #[test]
    fn repeated_pairs_become_arrays() {
        let pairs: Vec<(String, String)> = [("x", "1"), ("access_token", "t"), ("x", "2"), ("x", "3"), ("y", "")]
            .map(|(a, b)| (a.into(), b.into()))
            .into();
        let map = pairs_to_map(&pairs);
        assert_eq!(Value::Object(map), json!({"x": ["1", "2", "3"], "y": ""}));
        assert_eq!(token_of(&pairs).as_deref(), Some("t"));
    }

    #[test]
    fn request_id_is_fresh() {
        assert_ne!(crate::ids::request_id(), crate::ids::request_id());
    }
}
