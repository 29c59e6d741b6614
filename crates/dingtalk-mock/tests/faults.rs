//! Every kind of injected fault, over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dingtalk_mock::{Fault, MockServer};
use serde_json::json;

const OP: &str = "ListLabelGroups";

async fn server() -> MockServer {
    MockServer::builder().access_token("tok").app("k", "s").start().await.unwrap()
}

#[tokio::test]
async fn api_error_faults() {
    let server = server().await;
    let base = server.url();
    server.inject(OP, Fault::SystemBusy, 2);
    server.inject(OP, Fault::IspBusy, 1);
    server.inject(OP, Fault::RateLimited, 1);
    server.inject(OP, Fault::FloodProtection, 1);

    for _ in 0..2 {
        let json = list(&base, "tok", json!({})).await.json();
        assert_eq!((json["errcode"].as_i64(), json["errmsg"].as_str()), (Some(-1), Some("System busy")));
        assert!(is_request_id(&json["request_id"]));
    }
    let answer = list(&base, "tok", json!({})).await;
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["errcode"], 15);
    assert_eq!((json["sub_code"].as_str(), json["sub_msg"].as_str()), (Some("isp.-1"), Some("system busy")));
    assert_eq!(list(&base, "tok", json!({})).await.errcode(), 90002);
    let answer = list(&base, "tok", json!({})).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), json!({"status": 1111, "wait": 5}));

    // Used up: normal answers again, and other operations were never affected.
    assert_eq!(names(&list(&base, "tok", json!({})).await).len(), 4);
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn faults_come_before_auth_and_validation_and_only_for_their_operation() {
    let server = server().await;
    let base = server.url();
    server.inject(OP, Fault::SystemBusy, 1);
    // A gettoken call does not consume the list operation's fault.
    assert_eq!(get(&base, "/gettoken?appkey=k&appsecret=s").await.errcode(), 0);
    // No token, bad size: the fault still wins.
    assert_eq!(post(&base, LIST, JSON, r#"{"size":1000}"#).await.errcode(), -1);
    assert_eq!(post(&base, LIST, JSON, r#"{"size":1000}"#).await.errcode(), 33009);
    // Zero times: nothing.
    server.inject(OP, Fault::SystemBusy, 0);
    assert_eq!(names(&list(&base, "tok", json!({})).await).len(), 4);
}

#[tokio::test]
async fn http_status_faults() {
    let server = server().await;
    let base = server.url();
    server.inject(OP, Fault::Http500, 1);
    server.inject(OP, Fault::Http502Html, 1);
    let answer = list(&base, "tok", json!({})).await;
    assert_eq!(answer.status, 500);
    assert!(!answer.text.is_empty() && answer.text.len() < 200);
    let answer = list(&base, "tok", json!({})).await;
    assert_eq!(answer.status, 502);
    assert!(answer.content_type.as_deref().unwrap().starts_with("text/html"));
    assert!(answer.text.contains("<html>") && answer.text.contains("502 Bad Gateway"));
    assert!(serde_json::from_str::<serde_json::Value>(&answer.text).is_err());
    assert_eq!(names(&list(&base, "tok", json!({})).await).len(), 4);
}

#[tokio::test]
async fn delay_then_answer_normally() {
    let server = server().await;
    server.inject(OP, Fault::Delay(Duration::from_millis(300)), 1);
    let started = Instant::now();
    let answer = list(&server.url(), "tok", json!({"size": 1})).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(names(&answer), ["Type"]);
    // The delayed call is still checked.
    server.inject(OP, Fault::Delay(Duration::from_millis(10)), 1);
    assert_eq!(list(&server.url(), "wrong", json!({})).await.errcode(), 33009);
}

#[tokio::test]
async fn token_expired_invalidates_an_issued_token() {
    let server = server().await;
    let base = server.url();
    let token = get(&base, "/gettoken?appkey=k&appsecret=s").await.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(names(&list(&base, &token, json!({})).await).len(), 4);

    server.inject(OP, Fault::TokenExpired, 1);
    assert_eq!(list(&base, &token, json!({})).await.errcode(), 40014);
    // The token stays invalid: the client must get a new one.
    assert_eq!(list(&base, &token, json!({})).await.errcode(), 40014);
    let fresh = get(&base, "/gettoken?appkey=k&appsecret=s").await.json()["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, token);
    assert_eq!(names(&list(&base, &fresh, json!({})).await).len(), 4);
    assert_eq!(server.issued_tokens(), 2);
}

#[tokio::test]
async fn token_expired_with_a_configured_token_is_just_an_error() {
    let server = server().await;
    let base = server.url();
    server.inject(OP, Fault::TokenExpired, 1);
    let json = list(&base, "tok", json!({})).await.json();
    assert_eq!((json["errcode"].as_i64(), json["errmsg"].as_str()), (Some(40014), Some("Invalid access_token")));
    assert_eq!(names(&list(&base, "tok", json!({})).await).len(), 4);
    // Whatever the token, even none.
    server.inject(OP, Fault::TokenExpired, 1);
    assert_eq!(post(&base, LIST, JSON, "{}").await.errcode(), 40014);
}

#[tokio::test]
async fn drop_connection_sends_nothing() {
    let server = server().await;
    let base = server.url();
    server.inject(OP, Fault::DropConnection, 1);
    let client = dingtalk_oapi::runtime::transport::http_client();
    let result = client.post(format!("{base}{LIST}?access_token=tok")).body("{}").send().await;
    let error = result.expect_err("the connection should be dropped");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    // Recorded all the same, and the server goes on serving (on a new connection).
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.requests()[0].operation.as_deref(), Some(OP));
    let answer = send(client.post(format!("{base}{LIST}?access_token=tok")).body("{}")).await;
    assert_eq!(names(&answer).len(), 4);
}

#[tokio::test]
async fn drop_connection_at_the_raw_socket() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let server = server().await;
    server.inject(OP, Fault::DropConnection, 1);
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "POST {LIST}?access_token=tok HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received)).await;
    // Closed (or reset) without a single byte of response.
    assert!(read.is_ok(), "the connection was not closed");
    assert!(received.is_empty(), "{}", String::from_utf8_lossy(&received));
}

#[tokio::test]
#[should_panic(expected = "no operation named `ListLabelGroup`")]
async fn injecting_into_an_unknown_operation_panics() {
    let server = server().await;
    server.inject("ListLabelGroup", Fault::SystemBusy, 1);
}
