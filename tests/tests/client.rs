//! The client against the fake DingTalk server over real HTTP on loopback.

use std::time::Duration;

use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::auth::corp_token_signature;
use dingtalk_oapi::{
    ApiErrorCode, AppCredentials, Client, DecodeErrorKind, Error, ErrorClass, ListLabelGroupsErrorCode,
    ListLabelGroupsRequest, RetryPolicy, SuiteCredentials,
};
use futures_util::TryStreamExt;

const TOKEN: &str = "test-access-token-0123456789";

/// Retries fast enough for tests, same shape as the default policy.
fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .rate_limit_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

async fn mock() -> MockServer {
    MockServer::builder().access_token(TOKEN).start().await.expect("mock starts")
}

fn client(server: &MockServer) -> Client {
    Client::builder().base_url(server.url()).access_token(TOKEN).retry(fast_retry()).build().expect("client")
}

fn groups(n: usize) -> serde_json::Value {
    let items: Vec<_> = (0..n)
        .map(|i| {
            serde_json::json!({
                "name": format!("group {i}"),
                "color": -15220075,
                "labels": [{"name": format!("label {i}"), "id": 1_000_000 + i as i64}],
            })
        })
        .collect();
    serde_json::json!({ "label_groups": items })
}

#[tokio::test]
async fn sends_the_documented_wire_format_and_decodes_the_answer() {
    let server = mock().await;
    let page = client(&server).list_label_groups().size(2).offset(1).send().await.expect("call succeeds");
    let names: Vec<_> = page.results.iter().map(|g| g.name.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["Level", "Status"]);
    assert_eq!(page.errcode, Some(0));
    assert!(page.request_id.as_deref().is_some_and(|id| !id.is_empty()));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/topapi/extcontact/listlabelgroups");
    assert_eq!(r.query, [("access_token".to_owned(), TOKEN.to_owned())]);
    assert_eq!(r.content_type.as_deref(), Some("application/json;charset=UTF-8"));
    let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON body");
    assert_eq!(body, serde_json::json!({"size": 2, "offset": 1}), "real numbers, no nulls");
}

#[tokio::test]
async fn execute_takes_a_request_value() {
    let server = mock().await;
    let page = client(&server).execute(ListLabelGroupsRequest::new().size(1)).await.expect("call succeeds");
    assert_eq!(page.results.len(), 1);
}

#[tokio::test]
async fn validation_fails_before_anything_is_sent() {
    let server = mock().await;
    let err = client(&server).list_label_groups().size(101).send().await.expect_err("size above 100");
    match &err {
        Error::Validation(v) => assert_eq!(v.field, "size"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "invalid request to ListLabelGroups: `size` is 101, above the maximum of 100 (nothing was sent)"
    );
    let err = client(&server).list_label_groups().offset(-1).send().await.expect_err("negative offset");
    assert!(matches!(err, Error::Validation(_)));
    assert!(server.requests().is_empty(), "nothing reached the server");
}

#[tokio::test]
async fn api_errors_are_typed_with_message_request_id_and_solution() {
    let server = mock().await;
    let c =
        Client::builder().base_url(server.url()).access_token("not-a-valid-token").retry(fast_retry()).build().unwrap();
    let err = c.list_label_groups().send().await.expect_err("unknown token");
    assert_eq!(err.code(), Some(ListLabelGroupsErrorCode::InvalidToken));
    let api = err.as_api().expect("API error");
    assert_eq!(api.class(), ErrorClass::TokenInvalid);
    assert_eq!(api.solution(), Some("Check whether the access_token is correct."));
    assert!(api.request_id.as_deref().is_some_and(|id| id.len() == 12));
    let line = err.to_string();
    assert!(line.starts_with("ListLabelGroups failed: DingTalk errcode 33009"), "{line}");
    assert!(line.contains("request_id") && line.contains("fix: Check whether the access_token is correct."), "{line}");
    assert!(!line.contains("not-a-valid-token"));
    assert_eq!(server.requests().len(), 1, "a static token cannot be refreshed, so it is not retried");
}

#[tokio::test]
async fn system_busy_is_retried_until_it_succeeds() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::SystemBusy, 2);
    let page = client(&server).list_label_groups().send().await.expect("third attempt succeeds");
    assert_eq!(page.results.len(), 4);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::SystemBusy, 10);
    let err = client(&server).list_label_groups().send().await.expect_err("still busy");
    assert_eq!(err.code(), Some(ListLabelGroupsErrorCode::SystemBusy));
    assert_eq!(server.requests().len(), 3, "3 attempts by default");

    server.clear_requests();
    let c = Client::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry(fast_retry().max_attempts(5))
        .build()
        .unwrap();
    c.list_label_groups().send().await.expect_err("still busy");
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn isp_busy_sub_code_and_rate_limits_are_retried() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::IspBusy, 1);
    server.inject("ListLabelGroups", Fault::RateLimited, 1);
    client(&server).list_label_groups().send().await.expect("succeeds after both");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn http_5xx_is_retried_for_safe_operations_and_reported_with_a_snippet() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::Http500, 1);
    client(&server).list_label_groups().send().await.expect("retried after a 500");
    assert_eq!(server.requests().len(), 2);

    server.clear_requests();
    server.inject("ListLabelGroups", Fault::Http502Html, 3);
    let err = client(&server).list_label_groups().send().await.expect_err("502 every time");
    match &err {
        Error::Http(h) => {
            assert_eq!(h.status, 502);
            assert!(h.content_type.as_deref().is_some_and(|c| c.starts_with("text/html")));
            assert!(!h.snippet.is_empty() && h.snippet.len() < 400 && !h.snippet.contains('\n'));
        }
        other => panic!("expected an HTTP error, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
    assert!(err.to_string().starts_with("ListLabelGroups failed: HTTP 502"), "{err}");
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_and_retried_for_reads() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::DropConnection, 1);
    client(&server).list_label_groups().send().await.expect("retried after the drop");
    assert_eq!(server.requests().len(), 2);

    server.inject("ListLabelGroups", Fault::DropConnection, 3);
    let err = client(&server).list_label_groups().send().await.expect_err("dropped every time");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::Delay(Duration::from_secs(3)), 1);
    let c = Client::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.list_label_groups().send().await.expect_err("times out");
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, dingtalk_oapi::TransportErrorKind::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn flood_protection_pages_become_typed_decode_errors() {
    let server = mock().await;
    server.inject("ListLabelGroups", Fault::FloodProtection, 5);
    // The server asks to wait 5 s; with a 1 s deadline the client gives up instead of waiting.
    let c = Client::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry(fast_retry().deadline(Duration::from_secs(1)))
        .build()
        .unwrap();
    let err = c.list_label_groups().send().await.expect_err("flood protection");
    match &err {
        Error::Decode(d) => assert_eq!(d.kind, DecodeErrorKind::FloodProtection { wait_seconds: Some(5) }),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn paginates_every_item_and_stops_after_the_short_page() {
    let server = MockServer::builder().access_token(TOKEN).data(groups(250)).unwrap().start().await.unwrap();
    let all = client(&server).list_label_groups().into_paginator().collect_all().await.expect("all pages");
    assert_eq!(all.len(), 250);
    assert_eq!(all[249].name.as_deref(), Some("group 249"));
    let offsets: Vec<(String, String)> =
        server.requests().iter().map(|r| (r.params["offset"].to_string(), r.params["size"].to_string())).collect();
    assert_eq!(offsets, [("0".into(), "100".into()), ("100".into(), "100".into()), ("200".into(), "100".into())]);

    server.clear_requests();
    let pages: Vec<_> =
        client(&server).list_label_groups().size(50).into_paginator().send().try_collect().await.unwrap();
    assert_eq!(pages.len(), 6, "250 items in pages of 50: five full pages, then an empty one ends the walk");
    assert!(pages[..5].iter().all(|p| p.results.len() == 50));
    assert!(pages[5].results.is_empty());
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn paginator_stops_on_an_exact_multiple_with_an_empty_page() {
    let server = MockServer::builder().access_token(TOKEN).data(groups(200)).unwrap().start().await.unwrap();
    let items: Vec<_> = client(&server).list_label_groups().into_paginator().items().try_collect().await.unwrap();
    assert_eq!(items.len(), 200);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn paginator_page_cap_ends_a_walk_that_would_go_on() {
    let server = MockServer::builder().access_token(TOKEN).data(groups(1000)).unwrap().start().await.unwrap();
    let err = client(&server)
        .list_label_groups()
        .into_paginator()
        .page_size(10)
        .max_pages(3)
        .collect_all()
        .await
        .expect_err("cap reached");
    assert!(matches!(err, Error::PageLimit { pages: 3, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn app_credentials_fetch_one_token_for_64_concurrent_calls() {
    let server = MockServer::builder().app("app-key-1", "app-secret-very-private").start().await.unwrap();
    let c = Client::builder()
        .base_url(server.url())
        .token_provider(AppCredentials::new("app-key-1", "app-secret-very-private"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let calls = (0..64).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.list_label_groups().send().await })
    });
    for call in calls {
        call.await.expect("task").expect("call succeeds");
    }
    let token_requests = server.requests().iter().filter(|r| r.path == "/gettoken").count();
    assert_eq!(token_requests, 1, "single flight");
    assert_eq!(server.issued_tokens(), 1);
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_retried() {
    let server = MockServer::builder().app("k", "s3cr3t-s3cr3t").start().await.unwrap();
    let c = Client::builder()
        .base_url(server.url())
        .token_provider(AppCredentials::new("k", "s3cr3t-s3cr3t"))
        .retry(fast_retry())
        .build()
        .unwrap();
    c.list_label_groups().send().await.expect("first call");
    server.inject("ListLabelGroups", Fault::TokenExpired, 1);
    c.list_label_groups().send().await.expect("refreshed and retried");
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/gettoken",
            "/topapi/extcontact/listlabelgroups",
            "/topapi/extcontact/listlabelgroups",
            "/gettoken",
            "/topapi/extcontact/listlabelgroups"
        ]
    );
    let tokens: Vec<_> = server.requests().iter().filter_map(|r| r.access_token.clone()).collect();
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[0], tokens[1]);
    assert_ne!(tokens[1], tokens[2], "a new token after the refresh");

    // Refreshed once, not forever: a token rejected twice in a row is reported.
    server.clear_requests();
    server.inject("ListLabelGroups", Fault::TokenExpired, 5);
    let err = c.list_label_groups().send().await.expect_err("still rejected");
    assert_eq!(err.as_api().map(|a| a.class()), Some(ErrorClass::TokenInvalid));
    assert_eq!(server.requests().iter().filter(|r| r.path == "/gettoken").count(), 1);
}

#[tokio::test]
async fn expired_tokens_are_replaced_before_use() {
    let server = MockServer::builder().app("k", "secret-x").token_ttl(Duration::from_secs(1)).start().await.unwrap();
    let c = Client::builder()
        .base_url(server.url())
        .token_provider(AppCredentials::new("k", "secret-x"))
        .retry(fast_retry())
        .build()
        .unwrap();
    c.list_label_groups().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.list_label_groups().send().await.unwrap();
    assert_eq!(server.issued_tokens(), 2);
}

#[tokio::test]
async fn wrong_app_credentials_are_an_auth_error_without_the_secret() {
    let server = MockServer::builder().app("k", "right-secret").start().await.unwrap();
    let c = Client::builder()
        .base_url(server.url())
        .token_provider(AppCredentials::new("k", "wrong-secret-value"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = c.list_label_groups().send().await.expect_err("bad credentials");
    match &err {
        Error::Auth(a) => assert_eq!(a.errcode, Some(40089)),
        other => panic!("expected an auth error, got {other:?}"),
    }
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("wrong-secret-value"), "{text}");
    }
    assert!(server.requests().iter().all(|r| r.path == "/gettoken"), "the API call was never sent");
}

#[tokio::test]
async fn apps_do_not_share_tokens() {
    let server = MockServer::builder().app("app-a", "secret-a").app("app-b", "secret-b").start().await.unwrap();
    let a = Client::builder()
        .base_url(server.url())
        .token_provider(AppCredentials::new("app-a", "secret-a"))
        .build()
        .unwrap();
    let b = a.with_token_provider(AppCredentials::new("app-b", "secret-b"));
    a.list_label_groups().send().await.unwrap();
    b.list_label_groups().send().await.unwrap();
    a.list_label_groups().send().await.unwrap();
    assert_eq!(server.issued_tokens(), 2);
    let tokens: Vec<_> = server.requests().iter().filter_map(|r| r.access_token.clone()).collect();
    assert_eq!(tokens.len(), 3);
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(tokens[0], tokens[2]);
}

#[tokio::test]
async fn corp_tokens_are_signed_and_cached_per_organization() {
    let server = mock().await;
    let suite = SuiteCredentials::new("suite-key", "suiteSecretXYZ", || Some("ticketABC".to_owned()));
    let base = Client::builder().base_url(server.url()).retry(fast_retry()).build().unwrap();
    let corp1 = base.with_token_provider(suite.corp("corp-1"));
    let corp2 = base.with_token_provider(suite.corp("corp-2"));
    corp1.list_label_groups().send().await.expect("corp 1");
    corp1.list_label_groups().send().await.expect("corp 1 again, cached");
    corp2.list_label_groups().send().await.expect("corp 2");

    let token_calls: Vec<_> = server.requests().into_iter().filter(|r| r.path == "/service/get_corp_token").collect();
    assert_eq!(token_calls.len(), 2, "one per organization");
    let corps: Vec<_> = token_calls.iter().map(|r| r.params["auth_corpid"].clone()).collect();
    assert_eq!(corps, [serde_json::json!("corp-1"), serde_json::json!("corp-2")]);
    for call in &token_calls {
        let q = |name: &str| call.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).expect(name);
        let timestamp: i64 = q("timestamp").parse().unwrap();
        assert_eq!(q("accessKey"), "suite-key");
        assert_eq!(q("suiteTicket"), "ticketABC");
        assert_eq!(q("signature"), corp_token_signature("suiteSecretXYZ", timestamp, "ticketABC"));
    }
}

#[tokio::test]
async fn responses_over_the_cap_are_refused() {
    let server = mock().await;
    let c = Client::builder().base_url(server.url()).access_token(TOKEN).max_response_bytes(200).build().unwrap();
    let err = c.list_label_groups().send().await.expect_err("the example page is larger than 200 bytes");
    match &err {
        Error::Decode(d) => assert_eq!(d.kind, DecodeErrorKind::TooLarge { limit: 200 }),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn plain_http_is_refused_off_loopback_unless_allowed() {
    let err = Client::builder().base_url("http://oapi.example.com").build().expect_err("insecure");
    assert!(err.to_string().contains("refusing plain http"), "{err}");
    Client::builder().base_url("http://oapi.example.com").allow_insecure_http(true).build().expect("opted in");
    Client::builder().base_url("http://127.0.0.1:9").build().expect("loopback");
    Client::builder().base_url("http://[::1]:9").build().expect("loopback v6");
    Client::builder().base_url("http://localhost:9").build().expect("localhost");
    let err = Client::builder().server("moon").build().expect_err("unknown server");
    assert!(err.to_string().contains("international (https://oapi.dingtalk.io)"), "{err}");
    assert!(Client::builder().server("mainland").build().unwrap().base_url().starts_with("https://oapi.dingtalk.com"));
    assert!(Client::builder().build().unwrap().base_url().starts_with("https://oapi.dingtalk.io"));
}

#[test]
fn error_codes_know_their_class_message_and_solution() {
    use ListLabelGroupsErrorCode as C;
    assert_eq!(C::from_code(41101), C::InvalidSize);
    assert_eq!(C::InvalidSize.message(), Some("Invalid size"));
    assert_eq!(C::InvalidSize.class(), ErrorClass::NotRetryable);
    assert_eq!(C::SystemBusy.class(), ErrorClass::Retryable);
    assert_eq!(C::InvalidToken.class(), ErrorClass::TokenInvalid);
    // Codes the operation does not list fall back to the global table.
    for (code, class) in [
        (90002, ErrorClass::RateLimited),
        (90019, ErrorClass::RateLimited),
        (90020, ErrorClass::NotRetryable),
        (40014, ErrorClass::TokenInvalid),
        (42001, ErrorClass::TokenInvalid),
        (40001, ErrorClass::TokenInvalid),
        (33001, ErrorClass::TokenInvalid),
        (88, ErrorClass::NotRetryable),
        (123456, ErrorClass::NotRetryable),
    ] {
        assert_eq!(C::from_code(code), C::Unknown(code));
        assert_eq!(C::from_code(code).class(), class, "class of {code}");
    }
    assert_eq!(C::from_code(90020).solution(), Some("Do not retry; wait for the next month or raise the quota."));
    let service = &dingtalk_oapi::generated::service::SERVICE;
    assert_eq!(service.error_class(88, Some("40014")), ErrorClass::TokenInvalid);
    assert_eq!(service.error_class(15, Some("isp.-1")), ErrorClass::Retryable);
    assert_eq!(service.error_class(15, Some("isp.other")), ErrorClass::NotRetryable);
}

#[test]
fn clients_are_send_sync_and_clone() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Client>();
    assert_send_sync_clone::<dingtalk_oapi::blocking::Client>();
    assert_send_sync_clone::<dingtalk_oapi::ListLabelGroupsRequest>();
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::default();
    assert_send(&client.list_label_groups().send());
    assert_send(&client.list_label_groups().into_paginator().collect_all());
}
