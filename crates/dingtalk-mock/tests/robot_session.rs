//! Robot session webhooks (`POST /robot/sendBySession?session=…`) and robot messages pushed to
//! a raw tokio-tungstenite Stream client, over real sockets.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_mock::MockServer;
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const BOT: &str = "/v1.0/im/bot/messages/get";

/// POST `body` to a full webhook URL.
async fn reply(url: &str, content_type: &str, body: impl Into<String>) -> Answer {
    let client = dingtalk_oapi::runtime::transport::http_client();
    send(client.post(url).header("content-type", content_type).body(body.into())).await
}

fn path_of(url: &str, server: &MockServer) -> String {
    url.strip_prefix(&server.url()).expect("a URL of the server").to_owned()
}

#[tokio::test]
async fn a_session_takes_text_markdown_and_action_cards() {
    let server = MockServer::start().await;
    let (url, expires_at) = server.robot_session(Duration::from_secs(60));
    assert!(url.starts_with(&format!("{}/robot/sendBySession?session=", server.url())), "{url}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((expires_at - now - 60_000).abs() < 5_000, "{expires_at}");
    let bodies = [
        json!({"msgtype": "text", "text": {"content": "hello"}, "at": {"atUserIds": ["user01"]}}),
        json!({"msgtype": "markdown", "markdown": {"title": "T", "text": "# Hi"},
            "at": {"atMobiles": ["13800000011"], "isAtAll": false}}),
        json!({"msgtype": "actionCard", "actionCard": {"title": "T", "text": "Pick",
            "singleTitle": "Open", "singleURL": "https://www.dingtalk.com"}}),
        json!({"msgtype": "actionCard", "actionCard": {"title": "T", "text": "Pick",
            "btns": [{"title": "A", "actionURL": "https://a.example"}, {"title": "B", "actionURL": "https://b.example"}]}}),
    ];
    for body in &bodies {
        let answer = reply(&url, JSON, body.to_string()).await;
        assert_eq!(answer.status, 200);
        let json = answer.json();
        assert_eq!((json["errcode"].as_i64(), json["errmsg"].as_str()), (Some(0), Some("ok")), "{}", answer.text);
    }
    let session = url.rsplit_once("session=").unwrap().1;
    let kept = server.session_messages();
    assert_eq!(kept.iter().map(|m| &m.body).collect::<Vec<_>>(), bodies.iter().collect::<Vec<_>>());
    assert!(kept.iter().all(|m| m.session == session && (m.received_at - now).abs() < 60_000));
    let listed = get(&server.url(), "/mock/robot/sessions/messages").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 4);
    assert_eq!(listed[0]["session"], session);
    assert_eq!(listed[0]["body"], bodies[0]);
    assert!(listed[0]["received_at"].is_i64());
}

#[tokio::test]
async fn bad_sessions_bodies_and_types_are_refused() {
    let server = MockServer::start().await;
    let (url, _) = server.robot_session(Duration::from_secs(60));
    let text = json!({"msgtype": "text", "text": {"content": "hi"}}).to_string();
    let base = server.url();
    let cases: Vec<(String, &str, String, i64)> = vec![
        (format!("{base}/robot/sendBySession?session=nope"), JSON, text.clone(), 400101),
        (format!("{base}/robot/sendBySession"), JSON, text.clone(), 400101),
        (url.clone(), FORM, "msgtype=text".into(), 43004),
        (url.clone(), "text/plain", text.clone(), 43004),
        (url.clone(), JSON, "{not json".into(), 40035),
        (url.clone(), JSON, "[1]".into(), 40035),
        (url.clone(), JSON, json!({"text": {"content": "hi"}}).to_string(), 40035),
        (url.clone(), JSON, json!({"msgtype": "text", "text": {}}).to_string(), 40035),
        (url.clone(), JSON, json!({"msgtype": "markdown", "markdown": {"title": "T"}}).to_string(), 40035),
        (
            url.clone(),
            JSON,
            json!({"msgtype": "actionCard", "actionCard": {"title": "T", "text": "x"}}).to_string(),
            40035,
        ),
        (
            url.clone(),
            JSON,
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atUserIds": "u"}}).to_string(),
            40035,
        ),
        (url.clone(), JSON, json!({"msgtype": "link", "link": {"title": "T"}}).to_string(), 400105),
        (url.clone(), JSON, json!({"msgtype": "nonsense"}).to_string(), 400105),
    ];
    for (to, content_type, body, code) in cases {
        let answer = reply(&to, content_type, body.clone()).await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.text);
        assert_eq!(answer.errcode(), code, "{body}: {}", answer.text);
    }
    // Expired.
    let (short, _) = server.robot_session(Duration::from_millis(1));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(reply(&short, JSON, text.clone()).await.errcode(), 400101);
    assert!(server.session_messages().is_empty());
    // The requests were recorded like any other call.
    assert!(server.requests().iter().any(|r| r.path == path_of(&url, &server).split('?').next().unwrap()));
}

#[tokio::test]
async fn a_pushed_robot_message_carries_a_session_webhook_to_reply_on() {
    let server = MockServer::builder().app("dingappkey", "secret").start().await.unwrap();
    let body = json!({"clientId": "dingappkey", "clientSecret": "secret",
        "subscriptions": [{"type": "CALLBACK", "topic": BOT}]});
    let open = post(&server.url(), "/v1.0/gateway/connections/open", JSON, body.to_string()).await.json();
    let ticket_url = format!("{}?ticket={}", open["endpoint"].as_str().unwrap(), open["ticket"].as_str().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(ticket_url).await.unwrap();

    let message_id = server.push_robot_message(" 测试数据", "user01", "2");
    let frame = next_text(&mut ws).await;
    assert_eq!(frame["type"], "CALLBACK");
    assert_eq!(frame["headers"]["topic"], BOT);
    assert_eq!(frame["headers"]["messageId"], message_id);
    let data: Value = serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["msgtype"], "text");
    assert_eq!(data["text"]["content"], " 测试数据");
    assert_eq!(data["conversationType"], "2");
    assert_eq!(data["senderStaffId"], "user01");
    assert_eq!(data["senderNick"], "Zhang Min", "from the users store");
    assert_eq!(data["robotCode"], "dingappkey");
    assert_eq!(data["isInAtList"], true);
    assert_eq!(data["atUsers"][0]["dingtalkId"], data["chatbotUserId"]);
    assert!(data["conversationTitle"].is_string());
    for field in ["conversationId", "msgId", "senderId", "chatbotUserId", "chatbotCorpId", "senderCorpId"] {
        assert!(data[field].as_str().is_some_and(|s| !s.is_empty()), "{field}: {data}");
    }
    let (created, expires) = (data["createAt"].as_i64().unwrap(), data["sessionWebhookExpiredTime"].as_i64().unwrap());
    assert!((expires - created - 90 * 60_000).abs() < 5_000, "{created} {expires}");

    let webhook = data["sessionWebhook"].as_str().unwrap();
    let answer = reply(
        webhook,
        JSON,
        json!({"msgtype": "text", "text": {"content": "pong"},
        "at": {"atUserIds": ["user01"]}})
        .to_string(),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text);
    let kept = server.session_messages();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].body["text"]["content"], "pong");
    assert!(webhook.ends_with(&kept[0].session));

    // A 1:1 message from someone the directory does not know.
    server.push_robot_message("hi", "ghost", "1");
    let data: Value = serde_json::from_str(next_text(&mut ws).await["data"].as_str().unwrap()).unwrap();
    assert_eq!((data["senderNick"].as_str(), data["conversationType"].as_str()), (Some("ghost"), Some("1")));
    assert_eq!((data["isInAtList"].as_bool(), data["atUsers"].as_array().map(Vec::len)), (Some(false), Some(0)));
    assert_ne!(data["sessionWebhook"].as_str(), Some(webhook), "a fresh session each time");
}

async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(text.as_str()).unwrap(),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            other => panic!("wanted a text frame, got {other:?}"),
        }
    }
}
