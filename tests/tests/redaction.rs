//! Secrets never reach logs, errors or `Debug` output.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::{AppCredentials, Client, GetTokenRequest, RetryPolicy};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const APP_SECRET: &str = "app-secret-DO-NOT-LOG-7d1c";

#[tokio::test]
async fn logs_show_calls_but_no_token_or_secret() {
    let logs = Buffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::builder().app("app-key", APP_SECRET).start().await.unwrap();
    let client = Client::builder()
        .base_url(server.url())
        .token_provider(AppCredentials::new("app-key", APP_SECRET))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    client.list_label_groups().send().await.unwrap();
    server.inject("ListLabelGroups", Fault::TokenExpired, 1);
    server.inject("ListLabelGroups", Fault::SystemBusy, 1);
    client.list_label_groups().send().await.unwrap();
    server.inject("ListLabelGroups", Fault::Http502Html, 3);
    let err = client.list_label_groups().send().await.unwrap_err();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("dingtalk_call") && text.contains("ListLabelGroups"), "spans are logged:\n{text}");
    assert!(text.contains("retrying"), "retries are logged:\n{text}");
    assert!(text.contains("errcode=40014") || text.contains("errcode: 40014") || text.contains("40014"), "{text}");
    let tokens: Vec<String> = server.requests().iter().filter_map(|r| r.access_token.clone()).collect();
    assert!(tokens.len() >= 4);
    for secret in tokens.iter().map(String::as_str).chain([APP_SECRET]) {
        assert!(!text.contains(secret), "secret in logs");
        assert!(!err.to_string().contains(secret));
        assert!(!format!("{err:?}").contains(secret));
        assert!(!format!("{client:?}").contains(secret));
    }
}

#[test]
fn generated_types_redact_secret_fields_in_debug() {
    let request = GetTokenRequest::new().appkey("key").appsecret(APP_SECRET);
    let shown = format!("{request:?}");
    assert!(shown.contains("appkey: Some(\"key\")"), "{shown}");
    assert!(!shown.contains(APP_SECRET), "{shown}");
    let response: dingtalk_oapi::GetTokenResponse =
        serde_json::from_str(r#"{"errcode":0,"access_token":"tok-0042-secret","expires_in":7200}"#).unwrap();
    assert!(!format!("{response:?}").contains("tok-0042-secret"));
}
