//! The layers above the wire, tested without a socket: a `ReplayTransport` answers from a
//! script and Tokio's paused clock (through a `VirtualTimer`) stands in for the wall clock, so
//! backoff and deadlines are asserted to the millisecond and take no real time.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dingtalk_oapi::runtime::time::VirtualTimer;
use dingtalk_oapi::runtime::transport::{ReplayTransport, Reply};
use dingtalk_oapi::runtime::{BoxError, CallContext, HttpRequest, HttpResponse, Interceptor, http};
use dingtalk_oapi::{
    AppCredentials, CallOptions, Client, DecodeErrorKind, Error, Limits, RetryPolicy, TransportErrorKind,
};

const TOKEN: &str = "tok-REPLAY-SECRET-77";
const PAGE: &str = r#"{"errcode":0,"results":[{"name":"Type","color":-15220075,"labels":[]}],"request_id":"r1"}"#;
const USER: &str = r#"{"nick":"Zhang San","unionId":"u1"}"#;

fn builder(replay: &ReplayTransport) -> dingtalk_oapi::ClientBuilder {
    Client::builder()
        .base_url("https://oapi.example.test")
        .api_base_url("https://api.example.test")
        .transport(replay.clone())
        .timer(VirtualTimer::new())
        .limits(Limits::off())
}

fn client(replay: &ReplayTransport) -> Client {
    builder(replay).access_token(TOKEN).build().unwrap()
}

fn now() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

fn paths(replay: &ReplayTransport) -> Vec<String> {
    replay.requests().iter().map(|r| format!("{} {}", r.method(), r.uri().path())).collect()
}

#[tokio::test(start_paused = true)]
async fn an_html_error_page_is_a_decode_error_quoting_it_and_is_not_retried() {
    let page = "<html><body><h1>Service Unavailable</h1></body></html>";
    let replay = ReplayTransport::new().push(Reply::new(200, "text/html", page));
    let err = client(&replay).list_label_groups().send().await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert!(matches!(d.kind, DecodeErrorKind::NotJson(_)), "{d:?}");
    assert_eq!((d.status, d.content_type.as_deref()), (200, Some("text/html")));
    assert!(d.snippet.starts_with("<html><body><h1>Service Unavailable"), "{}", d.snippet);
    assert_eq!(replay.requests().len(), 1);
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[tokio::test(start_paused = true)]
async fn a_bad_gateway_page_is_retried_with_backoff_then_an_http_error() {
    let page = "<html><center><h1>502 Bad Gateway</h1></center></html>";
    let replay = ReplayTransport::new()
        .push(Reply::new(502, "text/html", page))
        .push(Reply::new(502, "text/html", page))
        .push(Reply::new(502, "text/html", page).header("x-acs-request-id", "gw-1"));
    let started = now();
    let err = client(&replay).list_label_groups().send().await.unwrap_err();
    let Error::Http(h) = &err else { panic!("{err:?}") };
    assert_eq!(h.status, 502);
    assert_eq!(h.headers["x-acs-request-id"], "gw-1", "the answer's headers are kept");
    assert_eq!(replay.requests().len(), 3, "3 attempts by default");
    // Two backoffs of full jitter: at most 200 ms + 400 ms.
    assert!(started.elapsed() <= Duration::from_millis(600), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_truncated_body_is_a_decode_error() {
    let replay = ReplayTransport::new().push(Reply::json(200, r#"{"errcode":0,"results":[{"name":"Ty"#));
    let err = client(&replay).list_label_groups().send().await.unwrap_err();
    assert!(matches!(&err, Error::Decode(d) if matches!(d.kind, DecodeErrorKind::NotJson(_))), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_is_refreshed_once_and_the_call_repeated() {
    let token = |t: &str| Reply::json(200, format!(r#"{{"accessToken":"{t}","expireIn":7200}}"#));
    let refused = || Reply::json(401, r#"{"code":"InvalidAuthentication","message":"expired","requestid":"q"}"#);
    let replay = ReplayTransport::new()
        .push(token("t-first"))
        .push(refused())
        .push(token("t-second"))
        .push(Reply::json(200, USER));
    let client = builder(&replay).token_provider(AppCredentials::new("dingkey", "app-secret-9")).build().unwrap();
    let user = client.contact_1_0().get_user("u1").send().await.unwrap();
    assert_eq!(user.nick.as_deref(), Some("Zhang San"));
    assert_eq!(
        paths(&replay),
        [
            "POST /v1.0/oauth2/accessToken",
            "GET /v1.0/contact/users/u1",
            "POST /v1.0/oauth2/accessToken",
            "GET /v1.0/contact/users/u1"
        ]
    );
    let sent: Vec<_> =
        replay.requests().iter().filter_map(|r| r.headers().get("x-acs-dingtalk-access-token").cloned()).collect();
    assert_eq!(sent, ["t-first", "t-second"]);
    assert!(sent.iter().all(|v| v.is_sensitive()), "the token header is marked sensitive");

    // Refused twice: one refresh only, then the error.
    let replay = ReplayTransport::new().push(token("a")).push(refused()).push(token("b")).push(refused());
    let client = builder(&replay).token_provider(AppCredentials::new("dingkey", "app-secret-9")).build().unwrap();
    let err = client.contact_1_0().get_user("u1").send().await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 401), "{err:?}");
    assert_eq!(replay.remaining(), 0);
    assert_eq!(replay.requests().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_qps_refusal_backs_off_for_at_least_half_a_second_then_succeeds() {
    let replay = ReplayTransport::new()
        .push(Reply::json(
            403,
            r#"{"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"qps","requestid":"x"}"#,
        ))
        .push(Reply::json(200, USER));
    let started = now();
    let user = client(&replay).contact_1_0().get_user("u1").send().await.unwrap();
    assert_eq!(user.union_id.as_deref(), Some("u1"));
    let waited = started.elapsed();
    // A rate limit waits between half and all of the 1 s ceiling.
    assert!(waited >= Duration::from_millis(500) && waited <= Duration::from_secs(1), "{waited:?}");
    assert_eq!(replay.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_covers_the_token_fetch() {
    // The token endpoint never answers; the call's 2 s deadline ends the whole call, token
    // fetch included, instead of the call starting its own deadline after the fetch.
    let replay = ReplayTransport::new().push(Reply::hang());
    let client = builder(&replay).token_provider(AppCredentials::new("dingkey", "app-secret-9")).build().unwrap();
    let started = now();
    let options = CallOptions::new().timeout(Duration::from_secs(2));
    let err = client.contact_1_0().get_user("u1").with_options(options).send().await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Deadline), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(paths(&replay), ["POST /v1.0/oauth2/accessToken"]);
    assert!(!err.to_string().contains("app-secret-9"));
}

#[tokio::test(start_paused = true)]
async fn one_call_can_add_a_header_drop_its_retries_and_shorten_its_deadline() {
    let replay = ReplayTransport::new()
        .push(Reply::json(200, PAGE))
        .push(Reply::new(503, "text/plain", "busy"))
        .push(Reply::json(200, PAGE).after(Duration::from_secs(5)))
        .push(Reply::json(200, PAGE));
    let client = client(&replay);
    let options = CallOptions::new().header("x-request-origin", "nightly-sync");
    client.list_label_groups().with_options(options).send().await.unwrap();
    assert_eq!(replay.requests()[0].headers()["x-request-origin"], "nightly-sync");

    let err = client.list_label_groups().with_options(CallOptions::new().no_retries()).send().await.unwrap_err();
    assert!(matches!(&err, Error::Http(h) if h.status == 503), "{err:?}");
    assert_eq!(replay.requests().len(), 2, "no retry of the 503");

    let started = now();
    let options = CallOptions::new().timeout(Duration::from_secs(1));
    let err = client.list_label_groups().with_options(options).send().await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Deadline), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(1));

    // The next call has the client's defaults again: no extra header.
    client.list_label_groups().send().await.unwrap();
    assert!(replay.requests()[3].headers().get("x-request-origin").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_bad_header_fails_before_anything_is_sent() {
    let replay = ReplayTransport::new();
    let err = client(&replay)
        .list_label_groups()
        .with_options(CallOptions::new().header("bad header", "x"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(_)), "{err:?}");
    assert!(replay.requests().is_empty());
}

/// Counts what it sees and tags every request.
#[derive(Debug, Default)]
struct Tagger {
    seen: Mutex<Vec<(String, u32, u16)>>,
    refuse_after: Option<u32>,
    calls: AtomicU32,
}

impl Interceptor for Tagger {
    fn modify_request(&self, context: &CallContext<'_>, request: &mut HttpRequest) -> Result<(), BoxError> {
        if self.refuse_after.is_some_and(|n| self.calls.fetch_add(1, Ordering::SeqCst) >= n) {
            return Err("the quota of this test is used up".into());
        }
        assert!(context.secrets.contains(&TOKEN), "the interceptor is told what to keep secret");
        request.headers_mut().insert("x-tag", http::HeaderValue::from_static("tagged"));
        Ok(())
    }

    fn read_response(&self, context: &CallContext<'_>, response: &HttpResponse) {
        let mut seen = self.seen.lock().unwrap();
        seen.push((context.operation.id.to_owned(), context.attempt, response.status().as_u16()));
    }
}

#[derive(Debug, Clone)]
struct Shared(Arc<Tagger>);

impl Interceptor for Shared {
    fn modify_request(&self, context: &CallContext<'_>, request: &mut HttpRequest) -> Result<(), BoxError> {
        self.0.modify_request(context, request)
    }

    fn read_response(&self, context: &CallContext<'_>, response: &HttpResponse) {
        self.0.read_response(context, response)
    }
}

#[tokio::test(start_paused = true)]
async fn interceptors_modify_every_attempt_and_read_every_answer() {
    let tagger = Arc::new(Tagger { refuse_after: Some(3), ..Tagger::default() });
    let replay = ReplayTransport::new()
        .push(Reply::json(200, r#"{"errcode":-1,"errmsg":"busy"}"#))
        .push(Reply::json(200, PAGE))
        .push(Reply::json(200, PAGE));
    let client = builder(&replay).access_token(TOKEN).interceptor(Shared(tagger.clone())).build().unwrap();
    client.list_label_groups().send().await.unwrap();
    client.list_label_groups().send().await.unwrap();
    assert!(replay.requests().iter().all(|r| r.headers()["x-tag"] == "tagged"));
    let seen = tagger.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [("ListLabelGroups".into(), 1, 200), ("ListLabelGroups".into(), 2, 200), ("ListLabelGroups".into(), 1, 200)]
    );

    let err = client.list_label_groups().send().await.unwrap_err();
    let Error::Interceptor(e) = &err else { panic!("{err:?}") };
    assert!(e.message.contains("quota of this test"));
    let source = std::error::Error::source(&err).expect("the interceptor's error is the source");
    assert!(source.to_string().contains("quota of this test"), "{source}");
    assert_eq!(replay.requests().len(), 3, "nothing was sent");
}

#[tokio::test(start_paused = true)]
async fn a_body_over_the_cap_is_refused_with_its_head_quoted() {
    let replay =
        ReplayTransport::new().push(Reply::json(200, format!(r#"{{"errcode":0,"results":[{}]}}"#, "1,".repeat(600))));
    let client = builder(&replay).access_token(TOKEN).max_response_bytes(1024).build().unwrap();
    let err = client.list_label_groups().send().await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert_eq!(d.kind, DecodeErrorKind::TooLarge { limit: 1024 });
    assert!(d.snippet.starts_with(r#"{"errcode":0,"results":[1,1,"#), "{}", d.snippet);
}

#[tokio::test]
async fn a_transport_error_keeps_the_http_stacks_error_as_its_source() {
    // A port nothing listens on: connecting fails at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .access_token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.list_label_groups().send().await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Connect), "{err:?}");
    let transport = std::error::Error::source(&err).expect("the transport error");
    let reqwest_error = std::error::Error::source(transport).expect("reqwest's error");
    assert!(reqwest_error.downcast_ref::<reqwest::Error>().is_some(), "{reqwest_error:?}");
    let mut chain = Vec::new();
    let mut next = Some(reqwest_error);
    while let Some(e) = next {
        chain.push(e);
        next = e.source();
    }
    assert!(
        chain.iter().any(|e| e.downcast_ref::<std::io::Error>().is_some()),
        "the chain reaches the I/O error: {chain:?}"
    );
    assert!(!format!("{err:?}").contains(TOKEN));
}

#[tokio::test(start_paused = true)]
async fn no_retries_keeps_the_clients_deadline_and_a_calls_header_replaces_its_namesake() {
    let replay = ReplayTransport::new().push(Reply::json(200, PAGE).after(Duration::from_secs(4)));
    let client = builder(&replay)
        .access_token(TOKEN)
        .retry(RetryPolicy::default().deadline(Duration::from_secs(3)))
        .build()
        .unwrap();
    let started = now();
    let err = client.list_label_groups().with_options(CallOptions::new().no_retries()).send().await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Deadline), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(3), "the client's 3 s deadline, not the default 60 s");

    let replay = ReplayTransport::new().push(Reply::json(200, PAGE));
    let options = CallOptions::new().header("content-type", "application/json");
    client_with(&replay).list_label_groups().with_options(options).send().await.unwrap();
    let sent = &replay.requests()[0];
    assert_eq!(sent.headers().get_all("content-type").iter().collect::<Vec<_>>(), ["application/json"]);
}

fn client_with(replay: &ReplayTransport) -> Client {
    client(replay)
}

/// Sees the secrets of each call.
#[derive(Debug, Default)]
struct SecretsSeen(Mutex<Vec<Vec<String>>>);

impl Interceptor for SecretsSeen {
    fn modify_request(&self, context: &CallContext<'_>, _: &mut HttpRequest) -> Result<(), BoxError> {
        self.0.lock().unwrap().push(context.secrets.iter().map(|s| s.to_string()).collect());
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct SharedSecrets(Arc<SecretsSeen>);

impl Interceptor for SharedSecrets {
    fn modify_request(&self, context: &CallContext<'_>, request: &mut HttpRequest) -> Result<(), BoxError> {
        self.0.modify_request(context, request)
    }
}

#[tokio::test(start_paused = true)]
async fn an_interceptor_is_told_the_app_secret_of_a_token_request_is_secret() {
    let seen = Arc::new(SecretsSeen::default());
    let replay = ReplayTransport::new()
        .push(Reply::json(200, r#"{"accessToken":"t-1","expireIn":7200}"#))
        .push(Reply::json(200, USER));
    let client = builder(&replay)
        .token_provider(AppCredentials::new("dingkey", "app-secret-9"))
        .interceptor(SharedSecrets(seen.clone()))
        .build()
        .unwrap();
    client.contact_1_0().get_user("u1").send().await.unwrap();
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(seen, [vec!["app-secret-9".to_owned()], vec!["t-1".to_owned()]]);
    // The replay keeps the requests (the secret in a body) but never shows them.
    assert!(!format!("{replay:?}").contains("app-secret-9"));
}
