//! DingTalk's new API (api.dingtalk.com) through the same client, against the fake server over
//! real HTTP: path parameters, the header token, the HTTP-status error envelope, token refresh,
//! rate-limit backoff and the monthly quota.

use std::time::Duration;

use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::{ApiCode, ApiErrorCode, AppCredentials, Client, Error, ErrorClass, RetryPolicy};

const TOKEN: &str = "test-access-token-0123456789";

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .rate_limit_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

async fn mock() -> MockServer {
    MockServer::builder().access_token(TOKEN).app("dingkey", "app-secret-xyz").start().await.expect("mock starts")
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_base_url(server.url())
        .access_token(TOKEN)
        .retry(fast_retry())
        .build()
        .expect("client")
}

#[tokio::test]
async fn path_parameters_travel_percent_encoded_and_the_token_in_a_header() {
    let server = mock().await;
    let user = client(&server).contact_1_0().get_user("a/b c?").send().await.expect("call succeeds");
    // The fake server echoes request values into the response fields of the same name.
    assert_eq!(user.union_id.as_deref(), Some("a/b c?"));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/v1.0/contact/users/a%2Fb%20c%3F");
    assert_eq!(r.operation.as_deref(), Some("contact_1_0.GetUser"));
    assert!(r.query.is_empty(), "the token is never in the query: {:?}", r.query);
    // The fake server reads the new API's token from the header only.
    assert_eq!(r.access_token.as_deref(), Some(TOKEN));
}

#[tokio::test]
async fn a_body_is_json_with_wire_names() {
    let server = mock().await;
    let found = client(&server).contact_1_0().search_user(0, "li", 10).send().await.expect("call succeeds");
    assert_eq!(found.has_more, Some(true));
    let r = &server.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1.0/contact/users/search"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body, serde_json::json!({"queryWord": "li", "offset": 0, "size": 10}));
}

#[tokio::test]
async fn a_missing_path_parameter_is_a_validation_error_and_nothing_is_sent() {
    let server = mock().await;
    // The accessor takes `unionId`; a request built by hand may still lack it.
    let request = dingtalk_oapi::contact_1_0::GetUserRequest::new();
    let err = client(&server).execute(request).await.expect_err("unionId is required");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(err.to_string().contains("unionId"), "{err}");
    let err = client(&server).contact_1_0().get_user("..").send().await.expect_err("`..` is refused");
    assert!(err.to_string().contains("cannot be `..`"), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_bad_token_is_a_typed_error_with_the_string_code() {
    let server = mock().await;
    let c =
        Client::builder().api_base_url(server.url()).access_token("wrong-token").retry(fast_retry()).build().unwrap();
    let err = c.contact_1_0().get_user("u1").send().await.expect_err("refused");
    assert_eq!(err.code(), Some(ApiCode::InvalidAuthentication));
    let api = err.as_api().expect("an API error");
    assert_eq!(api.status, 401);
    assert_eq!(api.class(), ErrorClass::TokenInvalid);
    assert!(api.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    let line = err.to_string();
    assert!(line.contains("DingTalk error InvalidAuthentication (HTTP 401)"), "{line}");
    assert!(line.starts_with("contact_1_0.GetUser failed"), "named apart from the old directory's GetUser: {line}");
    assert!(!line.contains("wrong-token"), "the token never shows: {line}");
    // A fixed token cannot be refreshed: one attempt.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn one_app_credentials_serves_both_generations_each_token_fetched_once() {
    let server = mock().await;
    let c = Client::builder()
        .base_url(server.url())
        .api_base_url(server.url())
        .token_provider(AppCredentials::new("dingkey", "app-secret-xyz"))
        .retry(fast_retry())
        .build()
        .unwrap();
    for _ in 0..3 {
        c.contact_1_0().get_user("u1").send().await.expect("new API call");
        c.list_label_groups().send().await.expect("old API call");
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let count = |p: &str| paths.iter().filter(|x| *x == p).count();
    assert_eq!(count("/gettoken"), 1, "{paths:?}");
    assert_eq!(count("/v1.0/oauth2/accessToken"), 1, "{paths:?}");
    // Each generation's calls carried their own generation's token (the fake server issues the
    // two apart), the new one in the header.
    let tokens = |prefix: &str| -> std::collections::BTreeSet<Option<String>> {
        server.requests().into_iter().filter(|r| r.path.starts_with(prefix)).map(|r| r.access_token).collect()
    };
    let (new_tokens, old_tokens) = (tokens("/v1.0/contact/"), tokens("/topapi/"));
    assert_eq!((new_tokens.len(), old_tokens.len()), (1, 1), "{new_tokens:?} {old_tokens:?}");
    assert_ne!(new_tokens, old_tokens);
    let fetch = server.requests().into_iter().find(|r| r.path == "/v1.0/oauth2/accessToken").unwrap();
    assert!(fetch.body.contains("\"appKey\":\"dingkey\""), "{}", fetch.body);
    assert!(!format!("{c:?}").contains("app-secret-xyz"));
}

#[tokio::test]
async fn invalid_authentication_refreshes_the_token_once_and_retries() {
    let server = mock().await;
    let c = Client::builder()
        .api_base_url(server.url())
        .base_url(server.url())
        .token_provider(AppCredentials::new("dingkey", "app-secret-xyz"))
        .retry(fast_retry())
        .build()
        .unwrap();
    c.contact_1_0().get_user("u1").send().await.expect("first call");
    server.inject("contact_1_0.GetUser", Fault::TokenExpired, 1);
    c.contact_1_0().get_user("u1").send().await.expect("refreshed and retried");
    let fetches = server.requests().iter().filter(|r| r.path == "/v1.0/oauth2/accessToken").count();
    assert_eq!(fetches, 2, "one fetch, one refresh");

    // Expired again on the retry too: refreshed once only, then the error.
    server.inject("contact_1_0.GetUser", Fault::TokenExpired, 2);
    let err = c.contact_1_0().get_user("u1").send().await.expect_err("second rejection is final");
    assert_eq!(err.code(), Some(ApiCode::InvalidAuthentication));
}

#[tokio::test]
async fn rate_limits_back_off_and_retry_the_monthly_quota_does_not() {
    let server = mock().await;
    let c = client(&server);
    server.inject("contact_1_0.SearchUser", Fault::RateLimited, 2);
    c.contact_1_0().search_user(0, "x", 1).send().await.expect("third attempt succeeds");
    assert_eq!(server.requests().len(), 3, "a rate limit is retried even for a write");

    server.clear_requests();
    server.inject("contact_1_0.GetUser", Fault::QuotaExhausted, 5);
    let err = c.contact_1_0().get_user("u1").send().await.expect_err("quota is final");
    assert_eq!(err.code(), Some(ApiCode::ApiCountLimitForOrg));
    assert_eq!(err.as_api().map(|a| a.status), Some(403));
    assert_eq!(server.requests().len(), 1, "never retried");
}

#[tokio::test]
async fn an_unknown_code_is_kept_and_a_5xx_is_retried_only_when_safe() {
    let server = mock().await;
    let c = client(&server);
    // GET: safe to repeat.
    server.inject("contact_1_0.GetUser", Fault::SystemBusy, 1);
    c.contact_1_0().get_user("u1").send().await.expect("retried");
    assert_eq!(server.requests().len(), 2);

    // POST: may have been done; not repeated. The code DingTalk sent is kept as it is.
    server.clear_requests();
    server.inject("contact_1_0.SearchUser", Fault::SystemBusy, 1);
    let err = c.contact_1_0().search_user(0, "x", 1).send().await.expect_err("503");
    assert_eq!(err.code(), Some(ApiCode::Unknown("ServiceUnavailable".into())));
    assert_eq!(err.code().map(|c| c.code().to_string()), Some("ServiceUnavailable".into()));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_fake_server_enforces_the_per_second_limit_with_403() {
    let server = MockServer::builder().access_token(TOKEN).qps_limit(2).start().await.unwrap();
    let c = Client::builder()
        .api_base_url(server.url())
        .access_token(TOKEN)
        .limits(dingtalk_oapi::Limits::off())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut refused = 0;
    for _ in 0..6 {
        match c.contact_1_0().get_user("u1").send().await {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.code(), Some(ApiCode::QpsLimitForAppkeyAndApi), "{e}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 2, "6 calls at once against a limit of 2 per second: {refused} refused");
}

#[test]
fn decode_response_reads_the_new_envelope() {
    use dingtalk_oapi::contact_1_0::GetUser;
    let ok = dingtalk_oapi::decode_response::<GetUser>(200, Some("application/json"), b"{\"unionId\":\"u\"}").unwrap();
    assert_eq!(ok.union_id.as_deref(), Some("u"));
    let empty = dingtalk_oapi::decode_response::<GetUser>(204, None, b"").unwrap();
    assert_eq!(empty.union_id, None);
    let err = dingtalk_oapi::decode_response::<GetUser>(
        403,
        Some("application/json"),
        br#"{"code":"Forbidden.AccessDenied.QpsLimitForApi","message":"slow down","requestid":"r1"}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), Some(ApiCode::QpsLimitForApi));
    assert_eq!(err.as_api().unwrap().class(), ErrorClass::RateLimited);
    assert_eq!(err.request_id(), Some("r1"));
    let html =
        dingtalk_oapi::decode_response::<GetUser>(502, Some("text/html"), b"<html>bad gateway</html>").unwrap_err();
    assert!(matches!(html, Error::Http(ref h) if h.status == 502 && h.snippet.contains("bad gateway")), "{html:?}");
    let flood = dingtalk_oapi::decode_response::<GetUser>(200, None, br#"{"status":1111,"wait":5}"#).unwrap_err();
    assert!(flood.to_string().contains("flood protection"), "{flood}");
}

#[tokio::test]
async fn a_third_party_app_gets_the_new_api_token_of_each_organization() {
    let server = MockServer::builder().suite("suitekey1", "suite-secret-9").start().await.unwrap();
    let suite = dingtalk_oapi::SuiteCredentials::new("suitekey1", "suite-secret-9", || Some("ticket-abc".to_owned()));
    let c = Client::builder()
        .base_url(server.url())
        .api_base_url(server.url())
        .token_provider(suite.corp("corp-1"))
        .retry(fast_retry())
        .build()
        .unwrap();
    for _ in 0..2 {
        c.contact_1_0().get_user("u1").send().await.expect("new API call with a corp token");
    }
    let fetches: Vec<_> = server.requests().into_iter().filter(|r| r.path == "/v1.0/oauth2/corpAccessToken").collect();
    assert_eq!(fetches.len(), 1, "fetched once, then cached");
    let body: serde_json::Value = serde_json::from_str(&fetches[0].body).unwrap();
    assert_eq!(body["suiteKey"], "suitekey1");
    assert_eq!(body["authCorpId"], "corp-1");
    assert_eq!(body["suiteTicket"], "ticket-abc");

    // A wrong secret is an auth error that names no secret.
    let wrong = dingtalk_oapi::SuiteCredentials::new("suitekey1", "not-the-secret", || Some("ticket-abc".to_owned()));
    let c = Client::builder().api_base_url(server.url()).token_provider(wrong.corp("corp-1")).build().unwrap();
    let err = c.contact_1_0().get_user("u1").send().await.expect_err("refused");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret") && !err.to_string().contains("ticket-abc"), "{err}");
}

#[tokio::test]
async fn the_client_side_limiter_keeps_new_api_calls_under_the_servers_limit() {
    let server = MockServer::builder().access_token(TOKEN).qps_limit(5).start().await.unwrap();
    let c = Client::builder()
        .api_base_url(server.url())
        .access_token(TOKEN)
        .limits(dingtalk_oapi::Limits::default().per_api(5))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let calls = (0..12).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.contact_1_0().get_user("u1").send().await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().expect("no call is refused: the limiter waits instead");
    }
}

#[tokio::test]
async fn hostile_path_parameters_stay_in_their_segment() {
    let server = mock().await;
    let c = client(&server);
    for (value, wire) in [
        ("a\tb", "a%09b"),
        (".\t.", ".%09."),
        ("x;y", "x%3By"),
        ("%2e%2e", "%252e%252e"),
        ("é/ü", "%C3%A9%2F%C3%BC"),
        ("a#b?c", "a%23b%3Fc"),
        ("-._~", "-._~"),
    ] {
        server.clear_requests();
        let user = c.contact_1_0().get_user(value).send().await.unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(user.union_id.as_deref(), Some(value), "the server read the value back");
        let r = &server.requests()[0];
        assert_eq!(r.path, format!("/v1.0/contact/users/{wire}"), "{value:?}");
    }
}

#[tokio::test]
async fn put_and_delete_travel_with_their_method() {
    use dingtalk_oapi::OPERATIONS;
    use dingtalk_oapi::runtime::{ErrorEnvelope, HttpMethod};
    let server = mock().await;
    let c = client(&server);
    for method in [HttpMethod::Put, HttpMethod::Delete] {
        let op = OPERATIONS
            .iter()
            .find(|d| {
                d.service.envelope == ErrorEnvelope::HttpStatus
                    && d.method == method
                    && d.params().all(|f| !f.required || d.path_params.iter().any(|p| p.name == f.name))
            })
            .unwrap_or_else(|| panic!("a {method:?} operation whose only required parameters are in its path"));
        let params: serde_json::Map<String, serde_json::Value> =
            op.path_params.iter().map(|f| (f.name.to_owned(), serde_json::json!("p1"))).collect();
        server.clear_requests();
        c.call(op, params).await.unwrap_or_else(|e| panic!("{}: {e}", op.id));
        let r = &server.requests()[0];
        assert_eq!(r.method, method.as_str(), "{}", op.id);
        assert_eq!(r.operation.as_deref(), Some(op.id));
    }
}

#[test]
fn a_hostile_string_code_is_cleaned_before_it_is_kept_or_shown() {
    use dingtalk_oapi::contact_1_0::GetUser;
    let body = format!(r#"{{"code":"Bad\nCode {TOKEN} {}","message":"m"}}"#, "x".repeat(300));
    let err = dingtalk_oapi::decode_response::<GetUser>(400, None, body.as_bytes()).unwrap_err();
    let code = err.code().expect("an API error").as_str().to_owned();
    assert!(code.starts_with("Bad?Code?"), "{code}");
    assert!(code.chars().count() <= 129, "capped: {}", code.len());
    let line = err.to_string();
    assert_eq!(line.lines().count(), 1, "{line}");
}

/// A value of a parameter's type with every required field filled (objects and lists nested).
fn sample(ty: &dingtalk_oapi::ParamType) -> serde_json::Value {
    use dingtalk_oapi::ParamType as T;
    match ty {
        T::String => serde_json::json!("x1"),
        T::Bool => serde_json::json!(true),
        T::I32 | T::I64 => serde_json::json!(1),
        T::F64 => serde_json::json!(1.5),
        T::Json => serde_json::json!({}),
        T::File => serde_json::json!({"file_name": "x1.txt", "base64": "eDE="}),
        T::List(inner) => serde_json::json!([sample(inner)]),
        T::Object(schema) => serde_json::Value::Object(
            schema.fields.iter().filter(|f| f.required).map(|f| (f.name.to_owned(), sample(&f.ty))).collect(),
        ),
        T::Union(union) => {
            let first = &union.variants[0];
            serde_json::json!({ union.tag: first.name, first.name: sample(&first.ty) })
        }
    }
}

/// Every imported operation goes through the path `dingtalk call` takes (`Client::call`: the
/// schema check, encoding, header token, decode) and the fake server answers it: never a
/// validation, decode or HTTP failure.
#[tokio::test]
async fn every_new_api_operation_is_served_through_call() {
    use dingtalk_oapi::runtime::ErrorEnvelope;
    let server = mock().await;
    let c = client(&server);
    let (mut ok, mut api_errors) = (0, Vec::new());
    for op in dingtalk_oapi::OPERATIONS.iter().filter(|d| d.service.envelope == ErrorEnvelope::HttpStatus) {
        let params = op.params().filter(|f| f.required).map(|f| (f.name.to_owned(), sample(&f.ty))).collect();
        match c.call(op, params).await {
            Ok(response) => {
                assert!(response.is_object() || op.response_value, "{}: {response}", op.id);
                ok += 1;
            }
            Err(Error::Api(e)) => api_errors.push(format!("{}: {e}", op.id)),
            Err(e) => panic!("{}: {e}", op.id),
        }
    }
    // Only the token endpoints refuse the made-up credentials.
    assert!(api_errors.iter().all(|e| e.contains("InvalidParameter")), "{api_errors:#?}");
    assert!(api_errors.len() <= 3, "{api_errors:#?}");
    assert!(ok >= 190, "{ok} operations answered");
}

#[test]
fn a_base_url_for_an_unknown_service_is_refused() {
    let err = Client::builder().service_base_url("apii", "http://127.0.0.1:1").build().expect_err("a typo");
    let text = err.to_string();
    assert!(text.contains("no service `apii`") && text.contains("api"), "{text}");
    let err = Client::builder().service_base_url("oapi", "http://127.0.0.1:1").build().expect_err("the main one");
    assert!(err.to_string().contains("`base_url`"), "{err}");
    Client::builder().api_base_url("http://127.0.0.1:1").build().expect("the new API's id is known");
}

/// Every paginated new-API list walks to its end against the fake server, through the path
/// `dingtalk call --all` takes: several pages at a page size of 2, no page fetched twice, and
/// the made-up items each different.
#[tokio::test]
async fn every_paginated_new_api_list_walks_to_its_end() {
    use dingtalk_oapi::runtime::{ErrorEnvelope, PageStyle};
    let server = mock().await;
    let c = client(&server);
    let mut walked = 0;
    for op in dingtalk_oapi::OPERATIONS.iter().filter(|d| d.service.envelope == ErrorEnvelope::HttpStatus) {
        let Some(p) = op.pagination else { continue };
        assert!(matches!(p.style, PageStyle::Token { .. }), "{}: the new API pages by token", op.id);
        let mut params: serde_json::Map<String, serde_json::Value> =
            op.params().filter(|f| f.required).map(|f| (f.name.to_owned(), sample(&f.ty))).collect();
        params.remove(p.position());
        // Pages of 2 where the operation takes a size; else the server's (20).
        if let Some(size) = p.size {
            params.insert(size.to_owned(), serde_json::json!(2));
        }
        let before = server.requests().len();
        let items = c.call_all(op, params).await.unwrap_or_else(|e| panic!("{}: {e}", op.id));
        let pages = server.requests().len() - before;
        assert_eq!(items.len(), 7, "{}: every made-up item, once", op.id);
        assert_eq!(pages, if p.size.is_some() { 4 } else { 1 }, "{}: 7 items in pages of 2", op.id);
        let distinct: std::collections::BTreeSet<String> = items.iter().map(|i| i.to_string()).collect();
        assert_eq!(distinct.len(), items.len(), "{}: items differ: {items:?}", op.id);
        walked += 1;
    }
    assert!(walked >= 40, "{walked} paginated lists walked");
}

/// A header parameter of the spec (`headers:`, here calendar's `x-client-token`) travels as an
/// HTTP header, from the typed builder and from `Client::call`; the fake server reads it back
/// as a parameter. A value no header can carry is refused before anything is sent.
#[tokio::test]
async fn header_parameters_travel_as_headers() {
    let server = mock().await;
    let c = client(&server);
    c.calendar_1_0()
        .delete_event("u1", "primary", "e1")
        .x_client_token("idem-7")
        .push_notification(false)
        .send()
        .await
        .expect("DeleteEvent");
    let seen = server.requests().pop().expect("a request");
    assert_eq!(seen.header("x-client-token"), Some("idem-7"));
    assert_eq!(seen.params.get("x-client-token"), Some(&serde_json::json!("idem-7")));
    assert!(!seen.path.contains("idem-7"), "not in the URL: {}", seen.path);
    assert!(seen.body.is_empty(), "not in the body: {}", seen.body);

    let op = dingtalk_oapi::find_operation(dingtalk_oapi::OPERATIONS, "calendar_1_0.DeleteEvent").unwrap();
    let params =
        serde_json::json!({"userId": "u1", "calendarId": "primary", "eventId": "e2", "x-client-token": "idem-8"});
    c.call(op, params.as_object().unwrap().clone()).await.expect("dynamic DeleteEvent");
    assert_eq!(server.requests().pop().unwrap().header("x-client-token"), Some("idem-8"));

    let before = server.requests().len();
    let err = c
        .calendar_1_0()
        .delete_event("u1", "primary", "e3")
        .x_client_token("two\nlines")
        .send()
        .await
        .expect_err("a newline cannot travel in a header");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(err.to_string().contains("x-client-token"), "{err}");
    let err = c.calendar_1_0().delete_event("u1", "primary", "e3").x_client_token("钉钉").send().await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "past ASCII, servers read bytes differently: {err:?}");
    assert_eq!(server.requests().len(), before, "nothing was sent");
}

/// A whole-value body (`encoding: json_value`): the one body parameter's value is the JSON body
/// itself (here an array), and the fake server reads it back as that parameter.
#[tokio::test]
async fn a_whole_value_body_is_the_parameter_itself() {
    let server = mock().await;
    let c = client(&server);
    c.contact_1_0()
        .org_account_mobile_visible_permisson(vec!["u1".to_owned(), "u2".to_owned()])
        .send()
        .await
        .expect("the fake server accepts the array body");
    let seen = server.requests().pop().expect("a request");
    assert_eq!(seen.method, "PUT");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&seen.body).unwrap(), serde_json::json!(["u1", "u2"]));
    assert_eq!(seen.params.get("body"), Some(&serde_json::json!(["u1", "u2"])));

    // A body that is not the declared list is refused by the fake server, as DingTalk would.
    let raw = dingtalk_oapi::runtime::transport::http_client()
        .put(format!("{}/v1.0/contact/orgAccounts/mobiles/visiblePermissions", server.url()))
        .header("x-acs-dingtalk-access-token", TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"body": ["u1"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400, "an object is not the array the operation takes");
}

/// A response that is one value (`response_value: true`, here a bare `true`): the typed response
/// holds it, `Client::call` answers it as it is, and an object where the value belongs is a
/// decode error naming the status.
#[tokio::test]
async fn a_response_that_is_one_value_is_read_as_that_value() {
    let server = mock().await;
    let c = client(&server);
    let updated = c.crm_1_0().update_group_set("gs1").name("VIP").send().await.expect("UpdateGroupSet");
    assert_eq!(updated.value, Some(true));
    let seen = server.requests().pop().unwrap();
    assert_eq!(seen.method, "PUT");

    let op = dingtalk_oapi::find_operation(dingtalk_oapi::OPERATIONS, "crm_1_0.UpdateGroupSet").unwrap();
    assert!(op.response_value);
    let params = serde_json::json!({"openGroupSetId": "gs1"}).as_object().unwrap().clone();
    let answer = c.call(op, params).await.expect("dynamic UpdateGroupSet");
    assert_eq!(answer, serde_json::json!(true));

    use dingtalk_oapi::crm_1_0::UpdateGroupSet;
    let json = Some("application/json");
    let no_body = dingtalk_oapi::decode_response::<UpdateGroupSet>(204, None, b"").expect("no body is no value");
    assert_eq!(no_body.value, None);
    let err = dingtalk_oapi::decode_response::<UpdateGroupSet>(200, json, br#"{"value":true}"#).unwrap_err();
    let Error::Decode(decode) = &err else { panic!("a decode error, got {err:?}") };
    assert_eq!(decode.status, 200);
    assert!(decode.snippet.contains("value"), "{decode:?}");
}

/// A next token the request's integer parameter cannot carry (ListProcessInstanceIds takes an
/// integer `nextToken`, its response declares text) ends the walk with a decode error after
/// the page's items, rather than restarting from the first page.
#[tokio::test]
async fn a_text_token_for_an_integer_parameter_is_a_decode_error() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let pages = [r#"{"result":{"list":["p1"],"nextToken":"7"}}"#, r#"{"result":{"list":["p2"],"nextToken":"abc"}}"#];
    let server = std::thread::spawn(move || {
        let mut targets = Vec::new();
        for page in pages {
            let (mut stream, _) = listener.accept().unwrap();
            // The whole request: the head, then as many body bytes as it says.
            let mut seen = Vec::new();
            let mut buf = [0; 4096];
            let complete = |seen: &[u8]| {
                let text = String::from_utf8_lossy(seen);
                let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
                let length = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                body.len() >= length
            };
            while !complete(&seen) {
                let n = stream.read(&mut buf).unwrap();
                assert!(n > 0, "the request ended early");
                seen.extend_from_slice(&buf[..n]);
            }
            targets.push(String::from_utf8_lossy(&seen).into_owned());
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
        targets
    });
    let c = Client::builder().api_base_url(url).access_token(TOKEN).retry(fast_retry()).build().unwrap();
    let op = dingtalk_oapi::find_operation(dingtalk_oapi::OPERATIONS, "workflow_1_0.ListProcessInstanceIds").unwrap();
    let params = serde_json::json!({"processCode": "PROC-1", "startTime": 1, "maxResults": 1});
    let err = c.call_all(op, params.as_object().unwrap().clone()).await.expect_err("the walk cannot go on");
    let Error::Decode(decode) = &err else { panic!("a decode error, got {err:?}") };
    assert!(err.to_string().contains("cannot carry"), "{err}");
    assert_eq!(decode.status, 200);
    let targets = server.join().unwrap();
    assert!(targets[0].contains(r#""nextToken":0"#), "the required token starts at 0: {}", targets[0]);
    assert!(targets[1].contains(r#""nextToken":7"#), "numeric text is the integer: {}", targets[1]);
}
