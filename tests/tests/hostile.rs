//! Responses no well-behaved server sends: each is a typed error, none panics, none leaks a secret.

use std::time::Duration;

use dingtalk_oapi::{Client, DecodeErrorKind, Error, RetryPolicy};
use dingtalk_tests::RawServer;

const SECRET_TOKEN: &str = "tok-SECRET-5f2c9a1e";

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .access_token(SECRET_TOKEN)
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

fn assert_clean(err: &impl std::fmt::Debug, text: &str) {
    assert!(!text.contains(SECRET_TOKEN), "token leaked: {text}");
    assert!(!format!("{err:?}").contains(SECRET_TOKEN), "token leaked in Debug: {err:?}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[tokio::test]
async fn html_error_page_with_status_200() {
    let server =
        RawServer::respond("200 OK", "text/html", b"<html><body><h1>Service Unavailable</h1></body></html>").await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("not JSON");
    match &err {
        Error::Decode(d) => {
            assert!(matches!(d.kind, DecodeErrorKind::NotJson(_)));
            assert_eq!(d.status, 200);
            assert_eq!(d.content_type.as_deref(), Some("text/html"));
            assert!(d.snippet.starts_with("<html><body><h1>Service Unavailable"));
        }
        other => panic!("{other:?}"),
    }
    assert_clean(&err, &err.to_string());
    assert_eq!(server.hits(), 1, "decode errors are not retried");
}

#[tokio::test]
async fn truncated_json() {
    let server = RawServer::respond("200 OK", "application/json", br#"{"errcode":0,"results":[{"name":"Ty"#).await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("truncated");
    assert!(matches!(&err, Error::Decode(d) if matches!(d.kind, DecodeErrorKind::NotJson(_))), "{err:?}");
    assert_clean(&err, &err.to_string());
}

#[tokio::test]
async fn wrong_types_in_a_successful_answer() {
    let server =
        RawServer::respond("200 OK", "application/json", br#"{"errcode":0,"results":[{"name":5,"color":"red"}]}"#)
            .await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("wrong types");
    assert!(matches!(&err, Error::Decode(d) if matches!(d.kind, DecodeErrorKind::Shape(_))), "{err:?}");
    assert!(err.to_string().contains("fields do not match the spec"), "{err}");
}

#[tokio::test]
async fn json_without_errcode_and_non_object_json() {
    for body in [&br#"{"hello":"world"}"#[..], b"[1,2,3]", b"42", b"null"] {
        let server = RawServer::respond("200 OK", "application/json", body).await;
        let err = client(&server.url).list_label_groups().send().await.expect_err("no errcode");
        assert!(matches!(&err, Error::Decode(d) if d.kind == DecodeErrorKind::NoErrcode), "{err:?}");
    }
}

#[tokio::test]
async fn empty_body_and_garbage_bytes() {
    for body in [&b""[..], &[0xff, 0xfe, 0x00, 0x80, 0x1b, b'[']] {
        let server = RawServer::respond("200 OK", "application/octet-stream", body).await;
        let err = client(&server.url).list_label_groups().send().await.expect_err("garbage");
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert_clean(&err, &err.to_string());
    }
}

#[tokio::test]
async fn a_server_echoing_the_token_does_not_leak_it() {
    let body = format!(r#"{{"errcode":40014,"errmsg":"invalid access_token {SECRET_TOKEN}","request_id":"abc"}}"#);
    let server = RawServer::respond("200 OK", "application/json", body.as_bytes()).await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("rejected");
    assert_clean(&err, &err.to_string());
    let server =
        RawServer::respond("500 Internal Server Error", "text/plain", format!("boom {SECRET_TOKEN}").as_bytes()).await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("500");
    assert_clean(&err, &err.to_string());
    assert_eq!(server.hits(), 3, "5xx retried for a read");
}

#[tokio::test]
async fn quota_exhausted_is_never_retried() {
    let server = RawServer::respond("200 OK", "application/json", br#"{"errcode":90020,"errmsg":"quota"}"#).await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("quota");
    assert_eq!(err.code().map(|c| dingtalk_oapi::ApiErrorCode::code(&c).as_i64()), Some(Some(90020)));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn errcode_as_string_and_http_400_bodies_are_read() {
    let server =
        RawServer::respond("400 Bad Request", "application/json", br#"{"errcode":"41101","errmsg":"Invalid size"}"#)
            .await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("api error");
    assert_eq!(err.code(), Some(dingtalk_oapi::ListLabelGroupsErrorCode::InvalidSize));
}

#[tokio::test]
async fn a_huge_body_is_cut_off_at_the_cap() {
    let mut body = br#"{"errcode":0,"results":["#.to_vec();
    body.resize(20 * 1024 * 1024, b' ');
    let server = RawServer::respond("200 OK", "application/json", &body).await;
    let c = Client::builder()
        .base_url(&server.url)
        .access_token(SECRET_TOKEN)
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    let err = c.list_label_groups().send().await.expect_err("too large");
    assert!(matches!(&err, Error::Decode(d) if d.kind == DecodeErrorKind::TooLarge { limit: 1024 * 1024 }), "{err:?}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = RawServer::respond("302 Found", "text/plain", b"").await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("redirect");
    assert!(matches!(&err, Error::Http(h) if h.status == 302), "{err:?}");
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client(&url).list_label_groups().send().await.expect_err("refused");
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.kind, dingtalk_oapi::TransportErrorKind::Connect);
            assert!(!t.maybe_sent);
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("could not connect to POST http://127.0.0.1:"), "{text}");
    assert!(!text.contains("access_token"), "no query string in errors: {text}");
    assert_clean(&err, &text);
}

#[tokio::test]
async fn a_token_in_an_unusable_token_answer_is_not_shown() {
    // errcode 0 with a token, but `expires_in` of the wrong type: a decode error whose snippet
    // would otherwise show the freshly issued token.
    let body = br#"{"errcode":0,"access_token":"LEAKEDTOKEN123","expires_in":"7200"}"#;
    let server = RawServer::respond("200 OK", "application/json", body).await;
    let c = Client::builder()
        .base_url(&server.url)
        .token_provider(dingtalk_oapi::AppCredentials::new("key", "app-secret-xyz"))
        .build()
        .unwrap();
    let err = c.list_label_groups().send().await.expect_err("unusable token answer");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("\"access_token\":\"<redacted>\""), "{text}");
    for shown in [text, format!("{err:?}")] {
        assert!(!shown.contains("LEAKEDTOKEN123") && !shown.contains("app-secret-xyz"), "{shown}");
    }
}

#[tokio::test]
async fn absurd_flood_protection_waits_and_deadlines_do_not_overflow() {
    let server =
        RawServer::respond("200 OK", "application/json", br#"{"status":1111,"wait":9223372036854775807}"#).await;
    let err = client(&server.url).list_label_groups().send().await.expect_err("flood protection");
    assert!(
        matches!(&err, Error::Decode(d) if d.kind == DecodeErrorKind::FloodProtection { wait_seconds: Some(9223372036854775807) })
    );
    assert_eq!(server.hits(), 1, "a wait past the deadline is not waited for");

    let c = Client::builder()
        .base_url(&server.url)
        .access_token(SECRET_TOKEN)
        .retry(RetryPolicy::default().deadline(Duration::MAX).max_attempts(1))
        .build()
        .unwrap();
    assert!(c.list_label_groups().send().await.is_err());
}
