//! The Stream-mode gateway over real sockets: the open call with reqwest, the WebSocket with a raw
//! tokio-tungstenite client.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dingtalk_mock::{MockServer, StreamFrameType};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const OPEN: &str = "/v1.0/gateway/connections/open";
const BOT: &str = "/v1.0/im/bot/messages/get";
const CARD: &str = "/v1.0/card/instances/callback";
/// How long a frame that should come may take.
const SOON: Duration = Duration::from_secs(5);

fn body(key: &str, secret: &str, subscriptions: Value) -> String {
    json!({"clientId": key, "clientSecret": secret, "subscriptions": subscriptions,
        "ua": "dingtalk-sdk-rust/test", "localIp": "10.0.0.7"})
    .to_string()
}

fn events() -> Value {
    json!([{"type": "EVENT", "topic": "*"}])
}

fn callbacks(topic: &str) -> Value {
    json!([{"type": "CALLBACK", "topic": topic}])
}

/// A ticket URL for these subscriptions (the server built with app `key`/`secret`).
async fn ticket_url(server: &MockServer, subscriptions: Value) -> String {
    let answer = post(&server.url(), OPEN, JSON, body("key", "secret", subscriptions)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let json = answer.json();
    assert_eq!(json["endpoint"], format!("ws://{}/connect", server.addr()));
    format!("{}?ticket={}", json["endpoint"].as_str().unwrap(), json["ticket"].as_str().unwrap())
}

async fn connect(server: &MockServer, subscriptions: Value) -> Ws {
    let url = ticket_url(server, subscriptions).await;
    tokio_tungstenite::connect_async(url).await.expect("handshake").0
}

/// What came next on a connection.
#[derive(Debug)]
enum Next {
    Frame(Value),
    Close(Option<u16>),
    /// The TCP connection ended (or failed) without a close frame.
    Gone(String),
    Nothing,
}

async fn next(ws: &mut Ws, within: Duration) -> Next {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Next::Nothing,
            Ok(None) => return Next::Gone("end of stream".into()),
            Ok(Some(Err(e))) => return Next::Gone(e.to_string()),
            Ok(Some(Ok(Message::Text(text)))) => return Next::Frame(serde_json::from_str(text.as_str()).unwrap()),
            Ok(Some(Ok(Message::Close(frame)))) => return Next::Close(frame.map(|f| u16::from(f.code))),
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn frame(ws: &mut Ws) -> Value {
    match next(ws, SOON).await {
        Next::Frame(frame) => frame,
        other => panic!("wanted a frame, got {other:?}"),
    }
}

async fn nothing(ws: &mut Ws, within: Duration) {
    match next(ws, within).await {
        Next::Nothing => {}
        other => panic!("wanted nothing, got {other:?}"),
    }
}

/// The frame's data, parsed from its JSON text.
fn data(frame: &Value) -> Value {
    serde_json::from_str(frame["data"].as_str().expect("data is a string")).expect("data is JSON text")
}

fn message_id(frame: &Value) -> String {
    frame["headers"]["messageId"].as_str().unwrap().to_owned()
}

async fn send(ws: &mut Ws, text: String) {
    ws.send(Message::text(text)).await.unwrap();
}

/// An ack as the reference's §4 writes it.
async fn ack(ws: &mut Ws, message_id: &str, code: u16, data: Value) {
    let ack = json!({"code": code, "headers": {"messageId": message_id, "contentType": "application/json"},
        "message": "OK", "data": data.to_string()});
    send(ws, ack.to_string()).await;
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + SOON;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn app_server() -> MockServer {
    MockServer::builder().app("key", "secret").start().await.unwrap()
}

#[tokio::test]
async fn an_event_is_pushed_and_its_success_ack_recorded() {
    let server = MockServer::builder()
        .app("key", "secret")
        .stream_redelivery(Duration::from_millis(200), 3)
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server, events()).await;
    assert_eq!(server.stream_connections(), 1);
    let opens = server.stream_opens();
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0].client_id, "key");
    assert_eq!(opens[0].ua.as_deref(), Some("dingtalk-sdk-rust/test"));
    assert_eq!(opens[0].local_ip.as_deref(), Some("10.0.0.7"));
    assert_eq!(opens[0].subscriptions[0].kind, StreamFrameType::Event);
    assert!(opens[0].accepted);
    assert!(!format!("{opens:?}").contains("secret"));
    // In `requests()` too, the secret masked.
    let recorded = server.requests().into_iter().find(|r| r.path == OPEN).expect("the open call is recorded");
    assert_eq!(recorded.operation.as_deref(), Some("gateway_1_0.OpenConnection"));
    assert_eq!(recorded.params["clientSecret"], "***");
    assert!(!recorded.body.contains("\"secret\""), "{}", recorded.body);

    let sent = server.push_stream_event("user_add_org", json!({"userId": ["u1"]}));
    let event = frame(&mut ws).await;
    assert_eq!(event["specVersion"], "1.0");
    assert_eq!(event["type"], "EVENT");
    let headers = &event["headers"];
    assert_eq!(headers["topic"], "*");
    assert_eq!(headers["messageId"], sent.as_str());
    assert_eq!(headers["contentType"], "application/json");
    assert_eq!(headers["eventType"], "user_add_org");
    assert_eq!(headers["eventCorpId"], dingtalk_mock::STREAM_EVENT_CORP_ID);
    assert_eq!(headers["eventUnifiedAppId"], dingtalk_mock::STREAM_UNIFIED_APP_ID);
    assert!(headers["eventId"].as_str().is_some_and(|id| !id.is_empty()));
    for ms in ["time", "eventBornTime"] {
        assert!(headers[ms].as_str().unwrap().parse::<u64>().unwrap() > 1_600_000_000_000, "{ms}");
    }
    assert_eq!(data(&event), json!({"userId": ["u1"]}));

    ack(&mut ws, &sent, 200, json!({"status": "SUCCESS", "message": "success"})).await;
    let acked = server.wait_for_stream_ack(&sent, SOON).await.expect("ack recorded");
    assert!(acked.valid, "{acked:?}");
    assert_eq!(acked.code, Some(200));
    assert_eq!(acked.message.as_deref(), Some("OK"));
    assert_eq!(acked.data, Some(json!({"status": "SUCCESS", "message": "success"})));
    assert_eq!(acked.headers["contentType"], "application/json");
    assert_eq!(acked.answers, Some(StreamFrameType::Event));
    assert!(acked.latency.is_some());
    // Acked SUCCESS: never sent again.
    nothing(&mut ws, Duration::from_millis(700)).await;
    assert_eq!(server.stream_acks().len(), 1);
}

#[tokio::test]
async fn the_open_call_checks_credentials_and_fields() {
    let server = app_server().await;
    let answer = post(&server.url(), OPEN, JSON, body("key", "wrong", events())).await;
    assert_eq!(answer.status, 401);
    let json = answer.json();
    assert_eq!(json["code"], "authFailed");
    assert_eq!(json["message"], "鉴权失败");
    assert!(is_request_id(&json["requestid"]), "{json}");
    let answer = post(&server.url(), OPEN, JSON, body("other", "secret", events())).await;
    assert_eq!(answer.status, 401);
    assert_eq!(server.stream_opens().iter().map(|o| o.accepted).collect::<Vec<_>>(), [false, false]);

    for (bad, says) in [
        ("not json".to_owned(), "not valid JSON"),
        (json!({"clientSecret": "secret", "subscriptions": events()}).to_string(), "clientId is required"),
        (json!({"clientId": 7, "clientSecret": "secret", "subscriptions": events()}).to_string(), "clientId must be"),
        (json!({"clientId": "key", "clientSecret": "secret"}).to_string(), "subscriptions is required"),
        (body("key", "secret", json!([{"type": "SYSTEM", "topic": "*"}])), "EVENT\" or \"CALLBACK"),
        (body("key", "secret", json!([{"type": "CALLBACK", "topic": 3}])), "topic must be a string"),
        (body("key", "secret", json!({"type": "EVENT"})), "subscriptions must be an array"),
    ] {
        let answer = post(&server.url(), OPEN, JSON, bad).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        let json = answer.json();
        assert_eq!(json["code"], "InvalidParameter");
        assert!(json["message"].as_str().unwrap().contains(says), "{json} (wanted {says})");
        assert!(is_request_id(&json["requestid"]), "{json}");
    }
    // Refused ones recorded only when well-formed.
    assert_eq!(server.stream_opens().len(), 2);

    // Without configured apps, any non-empty pair is accepted.
    let open = MockServer::start().await;
    assert_eq!(post(&open.url(), OPEN, JSON, body("any", "thing", events())).await.status, 200);
    assert_eq!(post(&open.url(), OPEN, JSON, body("any", "", events())).await.status, 400);
}

/// The handshake's refusal: the status and the JSON body.
async fn refused(url: &str) -> (u16, Value) {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => panic!("the handshake was accepted"),
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            (response.status().as_u16(), serde_json::from_slice(&body).expect("a JSON body"))
        }
        Err(e) => panic!("wanted an HTTP refusal, got {e}"),
    }
}

#[tokio::test]
async fn tickets_are_one_time_and_expire() {
    let server =
        MockServer::builder().app("key", "secret").stream_ticket_ttl(Duration::from_millis(300)).start().await.unwrap();
    let url = ticket_url(&server, events()).await;
    let _ws = tokio_tungstenite::connect_async(&url).await.expect("first use").0;
    let (status, body) = refused(&url).await;
    assert_eq!(status, 401);
    assert!(body["code"].is_string() && is_request_id(&body["requestid"]), "{body}");

    let url = ticket_url(&server, events()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(refused(&url).await.0, 401);

    let unknown = format!("ws://{}/connect?ticket=00000000-0000-0000-0000-000000000000", server.addr());
    assert_eq!(refused(&unknown).await.0, 401);
    assert_eq!(refused(&format!("ws://{}/connect", server.addr())).await.0, 401);
    assert_eq!(server.stream_connections(), 1);
}

#[tokio::test]
async fn pings_must_be_answered_with_their_opaque() {
    let server = app_server().await;
    let mut ws = connect(&server, events()).await;
    let sent = server.stream_ping();
    assert_eq!(sent.len(), 1);
    let ping = frame(&mut ws).await;
    assert_eq!(ping["type"], "SYSTEM");
    assert_eq!(ping["headers"]["topic"], "ping");
    assert_eq!(message_id(&ping), sent[0]);
    let opaque = data(&ping)["opaque"].as_str().unwrap().to_owned();
    ack(&mut ws, &sent[0], 200, json!({"opaque": opaque})).await;
    let pong = server.wait_for_stream_ack(&sent[0], SOON).await.unwrap();
    assert!(pong.valid, "{pong:?}");
    assert_eq!(pong.answers, Some(StreamFrameType::System));
    assert_eq!(pong.topic.as_deref(), Some("ping"));
    assert!(pong.latency.unwrap() < SOON);

    // Another opaque, or another code, is not a pong.
    let sent = server.stream_ping();
    let ping = frame(&mut ws).await;
    let opaque = data(&ping)["opaque"].as_str().unwrap().to_owned();
    ack(&mut ws, &sent[0], 200, json!({"opaque": "something else"})).await;
    ack(&mut ws, &sent[0], 500, json!({"opaque": opaque})).await;
    let pongs = server.wait_for_stream_acks(&sent[0], 2, SOON).await;
    assert!(pongs.iter().all(|p| !p.valid), "{pongs:?}");
    assert!(pongs[0].reason.as_deref().unwrap().contains("opaque"));
    assert!(pongs[1].reason.as_deref().unwrap().contains("code 200"));
}

#[tokio::test]
async fn pings_can_be_periodic() {
    let server = MockServer::builder()
        .app("key", "secret")
        .stream_ping_interval(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server, events()).await;
    for _ in 0..2 {
        let ping = frame(&mut ws).await;
        assert_eq!(ping["headers"]["topic"], "ping");
    }
}

#[tokio::test]
async fn an_event_acked_later_comes_again_with_the_same_message_id() {
    let server = MockServer::builder()
        .app("key", "secret")
        .stream_redelivery(Duration::from_millis(200), 3)
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server, events()).await;
    let sent = server.push_stream_event("bpms_task_change", json!({"processInstanceId": "p1"}));
    let first = frame(&mut ws).await;
    ack(&mut ws, &sent, 500, json!({"status": "LATER", "message": "later"})).await;
    let started = Instant::now();
    let again = frame(&mut ws).await;
    assert!(started.elapsed() >= Duration::from_millis(150), "{:?}", started.elapsed());
    assert_eq!(message_id(&again), sent);
    assert_eq!(again["headers"]["eventId"], first["headers"]["eventId"]);
    assert_eq!(again["data"], first["data"]);
    ack(&mut ws, &sent, 200, json!({"status": "SUCCESS"})).await;
    let acks = server.wait_for_stream_acks(&sent, 2, SOON).await;
    assert_eq!(acks.len(), 2);
    assert!(acks.iter().all(|a| a.valid), "{acks:?}");
    nothing(&mut ws, Duration::from_millis(600)).await;
}

#[tokio::test]
async fn an_event_not_acked_comes_again_up_to_the_attempts() {
    let server = MockServer::builder()
        .app("key", "secret")
        .stream_redelivery(Duration::from_millis(200), 3)
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server, events()).await;
    let sent = server.push_stream_event("user_add_org", json!({}));
    for _ in 0..3 {
        assert_eq!(message_id(&frame(&mut ws).await), sent);
    }
    // Three deliveries in all.
    nothing(&mut ws, Duration::from_millis(700)).await;
    assert!(server.stream_acks().is_empty());
}

#[tokio::test]
async fn an_unacked_event_goes_to_the_next_connection() {
    let server = MockServer::builder()
        .app("key", "secret")
        .stream_redelivery(Duration::from_millis(200), 3)
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server, events()).await;
    let sent = server.push_stream_event("user_add_org", json!({}));
    assert_eq!(message_id(&frame(&mut ws).await), sent);
    assert_eq!(server.drop_stream_connections(), 1);
    match next(&mut ws, SOON).await {
        Next::Gone(why) => assert!(!why.is_empty()),
        other => panic!("wanted the TCP connection gone without a close frame, got {other:?}"),
    }
    until("the connection is forgotten", || server.stream_connections() == 0).await;
    let mut ws = connect(&server, events()).await;
    assert_eq!(message_id(&frame(&mut ws).await), sent);
}

#[tokio::test]
async fn disconnect_sends_a_frame_then_closes_after_the_grace() {
    let server = MockServer::builder()
        .app("key", "secret")
        .stream_disconnect_grace(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&server, events()).await;
    assert_eq!(server.stream_disconnect(), 1);
    let started = Instant::now();
    let disconnect = frame(&mut ws).await;
    assert_eq!(disconnect["type"], "SYSTEM");
    assert_eq!(disconnect["headers"]["topic"], "disconnect");
    assert_eq!(data(&disconnect), json!({"reason": "persistent connection is timeout"}));
    // Acks are still taken in the grace; new pushes wait for another connection.
    ack(&mut ws, &message_id(&disconnect), 200, json!({})).await;
    let queued = server.push_stream_event("user_add_org", json!({}));
    assert!(server.wait_for_stream_ack(&message_id(&disconnect), SOON).await.unwrap().valid);
    match next(&mut ws, SOON).await {
        Next::Close(code) => assert_eq!(code, Some(1000)),
        other => panic!("wanted the connection closed, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(350), "{:?}", started.elapsed());
    until("the connection is forgotten", || server.stream_connections() == 0).await;
    let mut ws = connect(&server, events()).await;
    assert_eq!(message_id(&frame(&mut ws).await), queued);
}

#[tokio::test]
async fn callbacks_go_only_to_connections_subscribed_to_their_topic() {
    let server = app_server().await;
    let mut bot = connect(&server, callbacks(BOT)).await;
    let mut card = connect(&server, callbacks(CARD)).await;
    assert_eq!(server.stream_connections(), 2);
    for _ in 0..5 {
        let sent = server.push_stream_callback(BOT, json!({"msgtype": "text", "text": {"content": "hi"}}));
        let callback = frame(&mut bot).await;
        assert_eq!(callback["type"], "CALLBACK");
        assert_eq!(callback["headers"]["topic"], BOT);
        assert_eq!(message_id(&callback), sent);
        assert_eq!(data(&callback)["text"]["content"], "hi");
        ack(&mut bot, &sent, 200, json!({"response": null})).await;
        assert!(server.wait_for_stream_ack(&sent, SOON).await.unwrap().valid);
    }
    let sent = server.push_stream_callback(CARD, json!({"outTrackId": "c1"}));
    assert_eq!(message_id(&frame(&mut card).await), sent);
    nothing(&mut bot, Duration::from_millis(200)).await;

    // Nobody subscribes to events: the event waits for a connection that does.
    let queued = server.push_stream_event("user_add_org", json!({}));
    nothing(&mut bot, Duration::from_millis(200)).await;
    nothing(&mut card, Duration::from_millis(10)).await;
    let mut events = connect(&server, events()).await;
    assert_eq!(message_id(&frame(&mut events).await), queued);
}

#[tokio::test]
async fn events_go_to_one_connection_at_random() {
    let server = app_server().await;
    let mut a = connect(&server, events()).await;
    let mut b = connect(&server, events()).await;
    for _ in 0..40 {
        server.push_stream_event("user_add_org", json!({}));
    }
    let mut got = [0, 0];
    for (i, ws) in [&mut a, &mut b].into_iter().enumerate() {
        while let Next::Frame(_) = next(ws, Duration::from_millis(300)).await {
            got[i] += 1;
        }
    }
    assert_eq!(got[0] + got[1], 40);
    assert!(got[0] > 0 && got[1] > 0, "{got:?}");
}

#[tokio::test]
async fn malformed_acks_are_recorded_invalid() {
    let server = app_server().await;
    let mut ws = connect(&server, json!([{"type": "EVENT", "topic": "*"}, {"type": "CALLBACK", "topic": BOT}])).await;
    let event = server.push_stream_event("user_add_org", json!({}));
    let callback = server.push_stream_callback(BOT, json!({}));
    frame(&mut ws).await;
    frame(&mut ws).await;

    ack(&mut ws, "never-sent", 200, json!({"status": "SUCCESS"})).await;
    let object_data =
        json!({"code": 200, "headers": {"messageId": event}, "message": "OK", "data": {"status": "SUCCESS"}});
    send(&mut ws, object_data.to_string()).await;
    let not_json = json!({"code": 200, "headers": {"messageId": event}, "message": "OK", "data": "SUCCESS"});
    send(&mut ws, not_json.to_string()).await;
    ack(&mut ws, &event, 200, json!({"userId": ["echoed payload, no status"]})).await;
    ack(&mut ws, &callback, 200, json!("no response field")).await;
    send(&mut ws, "{not json".to_owned()).await;
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();

    until("seven frames are recorded", || server.stream_acks().len() == 7).await;
    let acks = server.stream_acks();
    let reasons: Vec<&str> = acks.iter().map(|a| a.reason.as_deref().unwrap_or("VALID")).collect();
    assert!(acks.iter().all(|a| !a.valid), "{reasons:?}");
    for (reason, says) in reasons.iter().zip([
        "names no frame",
        "must be a string holding JSON",
        "not JSON text",
        "status SUCCESS or LATER",
        "with `response`",
        "not JSON",
        "binary",
    ]) {
        assert!(reason.contains(says), "{reason} (wanted {says})");
    }
    assert_eq!(acks[1].message_id, event);
    assert!(acks[5].raw.as_deref() == Some("{not json"));
    // The connection stays up.
    assert_eq!(server.stream_connections(), 1);
    ack(&mut ws, &event, 200, json!({"status": "SUCCESS"})).await;
    assert!(server.wait_for_stream_acks(&event, 4, SOON).await.last().unwrap().valid);
}

#[tokio::test]
async fn a_frame_over_one_mib_closes_the_connection() {
    let server = app_server().await;
    let mut ws = connect(&server, events()).await;
    let huge = "x".repeat(dingtalk_mock::MAX_STREAM_FRAME_BYTES + 1);
    let _ = ws.send(Message::text(huge)).await;
    match next(&mut ws, SOON).await {
        Next::Close(_) | Next::Gone(_) => {}
        other => panic!("wanted the connection closed, got {other:?}"),
    }
    until("the connection is forgotten", || server.stream_connections() == 0).await;
}

#[tokio::test]
async fn shutdown_closes_stream_connections() {
    let server = app_server().await;
    let mut ws = connect(&server, events()).await;
    server.shutdown().await;
    match next(&mut ws, SOON).await {
        Next::Close(_) | Next::Gone(_) => {}
        other => panic!("wanted the connection closed, got {other:?}"),
    }
}
