//! Stream EVENTs on store changes: directory writes through HTTP reach a raw tokio-tungstenite
//! client subscribed to EVENT `*`.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_mock::{MockBuilder, MockServer};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const OPEN: &str = "/v1.0/gateway/connections/open";
const SOON: Duration = Duration::from_secs(5);

async fn server(builder: MockBuilder) -> MockServer {
    builder.app("key", "secret").access_token("tok").start().await.unwrap()
}

async fn connect(server: &MockServer, subscriptions: Value) -> Ws {
    let body = json!({"clientId": "key", "clientSecret": "secret", "subscriptions": subscriptions});
    let answer = post(&server.url(), OPEN, JSON, body.to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let json = answer.json();
    let url = format!("{}?ticket={}", json["endpoint"].as_str().unwrap(), json["ticket"].as_str().unwrap());
    tokio_tungstenite::connect_async(url).await.expect("handshake").0
}

fn events() -> Value {
    json!([{"type": "EVENT", "topic": "*"}])
}

/// The next text frame within `within`, if any.
async fn next_frame(ws: &mut Ws, within: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return Some(serde_json::from_str(text.as_str()).unwrap()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            Err(_) => return None,
            Ok(other) => panic!("wanted a frame, got {other:?}"),
        }
    }
}

/// The next EVENT: its type and data, acked `SUCCESS`.
async fn event(ws: &mut Ws) -> (String, Value) {
    let frame = next_frame(ws, SOON).await.expect("an EVENT frame");
    assert_eq!(frame["type"], "EVENT", "{frame}");
    let data: Value = serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
    let ack = json!({"code": 200, "headers": {"messageId": frame["headers"]["messageId"], "contentType": "application/json"},
        "message": "OK", "data": json!({"status": "SUCCESS", "message": "success"}).to_string()});
    ws.send(Message::text(ack.to_string())).await.unwrap();
    (frame["headers"]["eventType"].as_str().unwrap().to_owned(), data)
}

async fn call(server: &MockServer, path: &str, body: Value) -> Value {
    let answer = post(&server.url(), &format!("{path}?access_token=tok"), JSON, body.to_string()).await;
    let json = answer.json();
    assert_eq!(json["errcode"], 0, "{path}: {}", answer.text);
    json
}

fn timestamp_is_now(data: &Value) {
    let ms = data["timeStamp"].as_i64().expect("timeStamp is a number");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((now - ms).abs() < 60_000, "{data}");
}

#[tokio::test]
async fn user_writes_send_add_modify_leave_in_order() {
    let server = server(MockServer::builder()).await;
    let mut ws = connect(&server, events()).await;
    call(
        &server,
        "/topapi/v2/user/create",
        json!({"userid": "newbie01", "name": "New Bie",
        "mobile": "13900000001", "dept_id_list": [2]}),
    )
    .await;
    call(&server, "/topapi/v2/user/update", json!({"userid": "newbie01", "title": "Intern"})).await;
    call(&server, "/topapi/v2/user/delete", json!({"userid": "newbie01"})).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (event_type, data) = event(&mut ws).await;
        timestamp_is_now(&data);
        assert_eq!(data["userId"], json!(["newbie01"]), "{data}");
        seen.push(event_type);
    }
    assert_eq!(seen, ["user_add_org", "user_modify_org", "user_leave_org"]);
    assert!(next_frame(&mut ws, Duration::from_millis(300)).await.is_none());
    // A refused write changes nothing and sends nothing.
    let answer = post(&server.url(), "/topapi/v2/user/delete?access_token=tok", JSON, r#"{"userid":"nobody"}"#).await;
    assert_ne!(answer.errcode(), 0);
    assert!(next_frame(&mut ws, Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn department_writes_send_create_modify_remove() {
    let server = server(MockServer::builder()).await;
    let mut ws = connect(&server, events()).await;
    let created = call(&server, "/topapi/v2/department/create", json!({"name": "Research", "parent_id": 1})).await;
    let dept_id = created["result"]["dept_id"].as_i64().expect("a numeric dept_id");
    call(&server, "/topapi/v2/department/update", json!({"dept_id": dept_id, "name": "R&D"})).await;
    call(&server, "/topapi/v2/department/delete", json!({"dept_id": dept_id})).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (event_type, data) = event(&mut ws).await;
        assert_eq!(data["deptId"], json!([dept_id]), "{data}");
        timestamp_is_now(&data);
        seen.push(event_type);
    }
    assert_eq!(seen, ["org_dept_create", "org_dept_modify", "org_dept_remove"]);
}

#[tokio::test]
async fn off_until_an_event_subscriber_connects() {
    let server = server(MockServer::builder()).await;
    // Nobody subscribed to events has connected: nothing is queued.
    call(&server, "/topapi/v2/user/update", json!({"userid": "user01", "title": "Lead"})).await;
    // A callback-only connection does not turn them on.
    let _bot = connect(&server, json!([{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}])).await;
    call(&server, "/topapi/v2/user/update", json!({"userid": "user02", "title": "Lead"})).await;
    let mut ws = connect(&server, events()).await;
    assert!(next_frame(&mut ws, Duration::from_millis(300)).await.is_none());
    call(&server, "/topapi/v2/user/update", json!({"userid": "user03", "title": "Lead"})).await;
    let (event_type, data) = event(&mut ws).await;
    assert_eq!((event_type.as_str(), &data["userId"]), ("user_modify_org", &json!(["user03"])));
}

#[tokio::test]
async fn on_from_the_start_queues_until_a_subscriber_connects() {
    let server = server(MockServer::builder().stream_store_events(true)).await;
    call(&server, "/topapi/v2/user/update", json!({"userid": "user01", "title": "Lead"})).await;
    let mut ws = connect(&server, events()).await;
    let (event_type, data) = event(&mut ws).await;
    assert_eq!((event_type.as_str(), &data["userId"]), ("user_modify_org", &json!(["user01"])));
}

#[tokio::test]
async fn off_never_sends() {
    let server = server(MockServer::builder().stream_store_events(false)).await;
    let mut ws = connect(&server, events()).await;
    call(&server, "/topapi/v2/user/update", json!({"userid": "user01", "title": "Lead"})).await;
    assert!(next_frame(&mut ws, Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn external_contact_writes_send_their_events() {
    let server = server(MockServer::builder()).await;
    let mut ws = connect(&server, events()).await;
    let contact = json!({"name": "Zhang San", "mobile": "13800009999", "state_code": "86",
        "follower_user_id": "manager01", "label_ids": [1561077310]});
    let created = call(&server, "/topapi/extcontact/create", json!({"contact": contact})).await;
    let id = created["userid"].as_str().expect("the new contact's userid").to_owned();
    call(
        &server,
        "/topapi/extcontact/update",
        json!({"contact": {"user_id": id, "title": "Buyer", "name": "Zhang San",
            "follower_user_id": "manager01", "label_ids": [1561077310]}}),
    )
    .await;
    call(&server, "/topapi/extcontact/delete", json!({"user_id": id})).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (event_type, data) = event(&mut ws).await;
        assert_eq!(data["userId"], json!([id]), "{data}");
        seen.push(event_type);
    }
    // UNCONFIRMED names: the spec has no external-contact events.
    assert_eq!(seen, ["ext_contact_add", "ext_contact_modify", "ext_contact_remove"]);
}
