//! The server over real HTTP: how it is called, validation, tokens, paging, routing, recording.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_mock::{MockError, MockServer};
use serde_json::{Value, json};

/// The reference page's example groups, from the spec.
fn example_groups() -> Value {
    let example = dingtalk_oapi::generated::mock::extcontact::LIST_LABEL_GROUPS_MOCK.examples[0].response.unwrap();
    serde_json::from_str::<Value>(example).unwrap()["results"].clone()
}

#[tokio::test]
async fn the_reference_curl_example_works_verbatim() {
    // With defaults: the example's token is accepted.
    let server = MockServer::start().await;
    let answer = post(&server.url(), LIST, FORM, "access_token=e6eaxxxxa401&offset=0&size=20").await;
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.as_deref().unwrap().starts_with("application/json"));
    let json = answer.json();
    assert_eq!(json["errcode"], 0);
    assert_eq!(json["results"], example_groups());
    assert_eq!(json["results"].as_array().unwrap().len(), 4);
    assert!(is_request_id(&json["request_id"]), "{json}");

    // And with a configured token, the curl example's form body with that token.
    let server = MockServer::builder().access_token("e6eaxxxxa401").start().await.unwrap();
    let answer = post(&server.url(), LIST, FORM, "access_token=e6eaxxxxa401&offset=0&size=20").await;
    assert_eq!(answer.json()["results"], example_groups());
}

#[tokio::test]
async fn json_bodies_with_numbers_or_numeric_strings() {
    let server = MockServer::builder().access_token("tok").start().await.unwrap();
    let base = server.url();
    assert_eq!(names(&list(&base, "tok", json!({"offset": 0, "size": 2})).await), ["Type", "Level"]);
    assert_eq!(names(&list(&base, "tok", json!({"offset": "1", "size": "2"})).await), ["Level", "Status"]);
    // Null and empty mean absent: the whole (small) store.
    assert_eq!(names(&list(&base, "tok", json!({"offset": null, "size": ""})).await).len(), 4);
    assert_eq!(names(&list(&base, "tok", json!({})).await).len(), 4);
    // No body at all.
    let answer =
        send(dingtalk_oapi::runtime::transport::http_client().post(format!("{base}{LIST}?access_token=tok"))).await;
    assert_eq!(names(&answer).len(), 4);
    // A JSON body without a content type is sniffed.
    let answer = send(
        dingtalk_oapi::runtime::transport::http_client()
            .post(format!("{base}{LIST}?access_token=tok"))
            .body("{\"size\":1}"),
    )
    .await;
    assert_eq!(names(&answer), ["Type"]);
    // A form body with the token in the query.
    let answer = post(&base, &format!("{LIST}?access_token=tok"), FORM, "offset=3&size=5").await;
    assert_eq!(names(&answer), ["Recruitment status"]);
}

#[tokio::test]
async fn tokens_are_checked() {
    let server = MockServer::builder().access_token("tok").start().await.unwrap();
    let base = server.url();
    for answer in [
        post(&base, LIST, JSON, "{}").await,
        post(&base, &format!("{LIST}?access_token="), JSON, "{}").await,
        list(&base, "wrong", json!({})).await,
        // Never from a JSON body.
        post(&base, LIST, JSON, r#"{"access_token":"tok"}"#).await,
        // The example token is not accepted once tokens are configured.
        post(&base, LIST, FORM, "access_token=e6eaxxxxa401").await,
    ] {
        assert_eq!(answer.status, 200);
        let json = answer.json();
        assert_eq!(json["errcode"], 33009, "{json}");
        assert_eq!(json["errmsg"], "Invalid tokenGrantType");
        assert!(is_request_id(&json["request_id"]));
    }
}

#[tokio::test]
async fn parameters_are_validated_with_the_operation_error_codes() {
    let server = MockServer::builder().access_token("tok").start().await.unwrap();
    let base = server.url();
    let cases = [
        (json!({"size": 101}), 41101, "Invalid size"),
        (json!({"size": "101"}), 41101, "Invalid size"),
        (json!({"size": 0}), 41101, "Invalid size"),
        (json!({"size": "abc"}), 41101, "Invalid size"),
        (json!({"size": 2.5}), 41101, "Invalid size"),
        (json!({"offset": -1}), 40068, "Invalid offset"),
        (json!({"offset": "-1", "size": 5}), 40068, "Invalid offset"),
        (json!({"offset": [1]}), 40068, "Invalid offset"),
    ];
    for (body, code, message) in cases {
        let json = list(&base, "tok", body.clone()).await.json();
        assert_eq!((json["errcode"].as_i64(), json["errmsg"].as_str()), (Some(code), Some(message)), "{body}");
        assert!(is_request_id(&json["request_id"]));
    }
    // The same through a form body.
    let answer = post(&base, LIST, FORM, "access_token=tok&offset=0&size=abc").await;
    assert_eq!(answer.errcode(), 41101);
    // A body that is not JSON: the global 40035.
    let json = post(&base, &format!("{LIST}?access_token=tok"), JSON, "{oops").await.json();
    assert_eq!(json["errcode"], 40035);
    assert!(json["errmsg"].as_str().unwrap().starts_with("Invalid parameter: "), "{json}");
    let json = post(&base, &format!("{LIST}?access_token=tok"), JSON, "[1,2]").await.json();
    assert_eq!(json["errcode"], 40035);
}

#[tokio::test]
async fn paging_through_a_large_data_set() {
    let server = MockServer::builder()
        .access_token("tok")
        .data(json!({"label_groups": groups(250)}))
        .unwrap()
        .start()
        .await
        .unwrap();
    let base = server.url();
    let mut all = Vec::new();
    let mut sizes = Vec::new();
    for offset in (0..).step_by(100) {
        let page = names(&list(&base, "tok", json!({"offset": offset.to_string(), "size": "100"})).await);
        if page.is_empty() {
            break;
        }
        sizes.push(page.len());
        all.extend(page);
    }
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(all, (0..250).map(|i| format!("g{i}")).collect::<Vec<_>>());
    // Without a size: the maximum page size; past the end: nothing.
    assert_eq!(names(&list(&base, "tok", json!({"offset": 200})).await).len(), 50);
    assert_eq!(names(&list(&base, "tok", json!({})).await).len(), 100);
    assert!(names(&list(&base, "tok", json!({"offset": 1_000_000, "size": 10})).await).is_empty());
    assert_eq!(server.store("label_groups").unwrap().len(), 250);

    // A bare array is the label groups.
    let server = MockServer::builder().access_token("tok").data(groups(3)).unwrap().start().await.unwrap();
    assert_eq!(names(&list(&server.url(), "tok", json!({})).await), ["g0", "g1", "g2"]);
}

#[tokio::test]
async fn gettoken_issues_reuses_and_expires_tokens() {
    let server =
        MockServer::builder().app("dingkey", "s3cret").token_ttl(Duration::from_secs(1)).start().await.unwrap();
    let base = server.url();
    let answer = get(&base, "/gettoken?appkey=dingkey&appsecret=s3cret").await;
    let json = answer.json();
    assert_eq!(json["errcode"], 0, "{json}");
    assert_eq!(json["errmsg"], "ok");
    assert_eq!(json["expires_in"], 1);
    let token = json["access_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 16);

    // Asking again before expiry: the same token.
    let again = get(&base, "/gettoken?appkey=dingkey&appsecret=s3cret").await.json();
    assert_eq!(again["access_token"], token.as_str());
    assert_eq!(server.issued_tokens(), 2);

    // Wrong or missing credentials.
    let wrong = get(&base, "/gettoken?appkey=dingkey&appsecret=nope").await.json();
    assert_eq!(
        (wrong["errcode"].as_i64(), wrong["errmsg"].as_str()),
        (Some(40089), Some("Invalid appkey or appsecret: unknown app key or wrong app secret"))
    );
    let wrong = get(&base, "/gettoken?appkey=other&appsecret=s3cret").await.json();
    assert_eq!(wrong["errcode"], 40089);
    let missing = get(&base, "/gettoken?appkey=dingkey").await.json();
    assert_eq!(missing["errcode"], 40035);
    assert!(missing["errmsg"].as_str().unwrap().contains("appsecret"), "{missing}");
    assert_eq!(server.issued_tokens(), 2);

    // The token works, then expires.
    assert_eq!(names(&list(&base, &token, json!({})).await).len(), 4);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let expired = list(&base, &token, json!({})).await.json();
    assert_eq!((expired["errcode"].as_i64(), expired["errmsg"].as_str()), (Some(40014), Some("Invalid access_token")));

    // A new one after expiry.
    let fresh = get(&base, "/gettoken?appkey=dingkey&appsecret=s3cret").await.json();
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_ne!(fresh, token);
    assert_eq!(names(&list(&base, fresh, json!({})).await).len(), 4);
    assert_eq!(server.issued_tokens(), 3);
}

#[tokio::test]
async fn gettoken_default_ttl_and_no_apps() {
    let server = MockServer::builder().app("k", "s").start().await.unwrap();
    assert_eq!(get(&server.url(), "/gettoken?appkey=k&appsecret=s").await.json()["expires_in"], 7200);
    let server = MockServer::start().await;
    assert_eq!(get(&server.url(), "/gettoken?appkey=k&appsecret=s").await.errcode(), 40089);
}

#[tokio::test]
async fn get_corp_token_issues_a_token_per_corp() {
    let server = MockServer::start().await;
    let base = server.url();
    let path = "/service/get_corp_token?accessKey=suite1&timestamp=1527130370219&suiteTicket=ticketABC&signature=x";
    let a = post(&base, path, JSON, r#"{"auth_corpid":"corpA"}"#).await.json();
    assert_eq!((a["errcode"].as_i64(), a["expires_in"].as_i64()), (Some(0), Some(7200)), "{a}");
    let a = a["access_token"].as_str().unwrap().to_owned();
    let again = post(&base, path, JSON, r#"{"auth_corpid":"corpA"}"#).await.json();
    assert_eq!(again["access_token"], a.as_str());
    let b = post(&base, path, JSON, r#"{"auth_corpid":"corpB"}"#).await.json();
    assert_ne!(b["access_token"], a.as_str());
    assert_eq!(server.issued_tokens(), 3);
    assert_eq!(names(&list(&base, &a, json!({})).await).len(), 4);

    // Its parameters are required.
    let missing = post(&base, path, JSON, "{}").await.json();
    assert_eq!(missing["errcode"], 40035);
    assert!(missing["errmsg"].as_str().unwrap().contains("auth_corpid"));
    let missing = post(&base, "/service/get_corp_token?accessKey=s", JSON, r#"{"auth_corpid":"c"}"#).await.json();
    assert_eq!(missing["errcode"], 40035);
    let bad = post(&base, &path.replace("=1527130370219", "=soon"), JSON, r#"{"auth_corpid":"c"}"#).await.json();
    assert!(bad["errmsg"].as_str().unwrap().contains("timestamp"), "{bad}");
}

#[tokio::test]
async fn get_corp_token_checks_signatures_of_configured_suites() {
    let server = MockServer::builder().suite("suite1", "suiteSecretXYZ").start().await.unwrap();
    let base = server.url();
    // The REFERENCE test vector, URL-encoded.
    let signature = "pRujL2FiQkc6m5rLILHYm95n7beB4yKbuHWYDHw5efI%3D";
    let good = format!(
        "/service/get_corp_token?accessKey=suite1&timestamp=1527130370219&suiteTicket=ticketABC&signature={signature}"
    );
    assert_eq!(post(&base, &good, JSON, r#"{"auth_corpid":"c"}"#).await.errcode(), 0);
    let bad = good.replace("ticketABC", "ticketXYZ");
    assert_eq!(post(&base, &bad, JSON, r#"{"auth_corpid":"c"}"#).await.errcode(), 40035);
    let unknown = good.replace("suite1", "suite2");
    assert_eq!(post(&base, &unknown, JSON, r#"{"auth_corpid":"c"}"#).await.errcode(), 40035);
    assert_eq!(server.issued_tokens(), 1);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let server = MockServer::start().await;
    let base = server.url();
    let answer = post(&base, "/topapi/nope?access_token=x", JSON, "{}").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json(), json!({"errcode": 404, "errmsg": "no such API: /topapi/nope"}));

    let response = dingtalk_oapi::runtime::transport::http_client().get(format!("{base}{LIST}")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let answer = send(dingtalk_oapi::runtime::transport::http_client().post(format!("{base}/gettoken"))).await;
    assert_eq!((answer.status, answer.errcode()), (405, 405));

    // Under the new API's first segment, the same answers in its envelope.
    let answer = post(&base, "/v1.0/contact/nope", JSON, "{}").await;
    assert_eq!(answer.status, 404);
    let body = answer.json();
    assert_eq!((&body["code"], &body["message"]), (&json!("NotFound"), &json!("no such API: /v1.0/contact/nope")));
    assert!(body["requestid"].as_str().is_some_and(|id| !id.is_empty()), "{body}");
    assert!(body.get("errcode").is_none(), "{body}");
    let response = dingtalk_oapi::runtime::transport::http_client()
        .get(format!("{base}/v1.0/oauth2/accessToken"))
        .send()
        .await
        .unwrap();
    assert_eq!((response.status().as_u16(), response.headers()["allow"].to_str().unwrap()), (405, "POST"));
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["code"], "MethodNotAllowed", "{body}");
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(dingtalk_mock::MAX_BODY_BYTES));
    let answer = post(&base, "/v1.0/oauth2/accessToken", JSON, &huge).await;
    assert_eq!((answer.status, answer.json()["code"].clone()), (413, json!("PayloadTooLarge")));

    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    // Recorded, matching no operation (the too-large body is recorded with its operation).
    assert!(requests[..5].iter().all(|r| r.operation.is_none()));
    assert_eq!(requests[5].operation.as_deref(), Some("oauth2_1_0.GetAccessToken"));
    assert_eq!(requests[1].method, "GET");
}

#[tokio::test]
async fn requests_are_recorded() {
    let server = MockServer::builder().access_token("tok").start().await.unwrap();
    let base = server.url();
    post(&base, LIST, FORM, "access_token=tok&offset=0&size=20").await;
    list(&base, "tok", json!({"offset": "1", "size": 2, "extra": {"a": 1}})).await;
    get(&base, "/gettoken?appkey=k&appsecret=s&appkey=k2").await;

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let form = &requests[0];
    assert_eq!((form.method.as_str(), form.path.as_str()), ("POST", LIST));
    assert!(form.query.is_empty());
    assert_eq!(form.content_type.as_deref(), Some(FORM));
    assert_eq!(form.body, "access_token=tok&offset=0&size=20");
    assert_eq!(form.operation.as_deref(), Some("ListLabelGroups"));
    assert_eq!(Value::Object(form.params.clone()), json!({"offset": "0", "size": "20"}));
    assert_eq!(form.access_token.as_deref(), Some("tok"));

    let json = &requests[1];
    assert_eq!(json.query, [("access_token".to_owned(), "tok".to_owned())]);
    assert_eq!(Value::Object(json.params.clone()), json!({"offset": "1", "size": 2, "extra": {"a": 1}}));
    assert_eq!(json.access_token.as_deref(), Some("tok"));

    let token = &requests[2];
    assert_eq!((token.method.as_str(), token.operation.as_deref()), ("GET", Some("GetToken")));
    assert_eq!(token.content_type, None);
    assert_eq!(token.access_token, None);
    assert_eq!(Value::Object(token.params.clone()), json!({"appkey": ["k", "k2"], "appsecret": "s"}));

    server.clear_requests();
    assert!(server.requests().is_empty());
    list(&base, "tok", json!({})).await;
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_record_keeps_the_last_ten_thousand() {
    let server = MockServer::start().await;
    let base = server.url();
    let client = dingtalk_oapi::runtime::transport::http_client();
    for i in 0..10_005 {
        client.get(format!("{base}/x{i}")).send().await.unwrap();
    }
    let requests = server.requests();
    assert_eq!(requests.len(), dingtalk_mock::MAX_RECORDED_REQUESTS);
    assert_eq!(requests[0].path, "/x5");
    assert_eq!(requests.last().unwrap().path, "/x10004");
}

#[tokio::test]
async fn large_bodies_are_refused() {
    let server = MockServer::builder().access_token("tok").start().await.unwrap();
    let body = format!("{{\"offset\":0,\"pad\":\"{}\"}}", "x".repeat(dingtalk_mock::MAX_BODY_BYTES));
    let answer = post(&server.url(), &format!("{LIST}?access_token=tok"), JSON, body).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.errcode(), 413);
    assert_eq!(server.requests().len(), 1);
    // Just under the limit is fine.
    let body = format!("{{\"offset\":0,\"pad\":\"{}\"}}", "x".repeat(dingtalk_mock::MAX_BODY_BYTES - 100));
    let answer = post(&server.url(), &format!("{LIST}?access_token=tok"), JSON, body).await;
    assert_eq!(names(&answer).len(), 4);
}

#[tokio::test]
async fn bad_data_is_refused_clearly() {
    let e = MockServer::builder().data(json!("groups")).unwrap_err();
    assert!(matches!(e, MockError::Data { .. }));
    assert!(e.to_string().contains("not a string"), "{e}");
    let e = MockServer::builder().data(json!({"label_groups": [1]})).unwrap_err();
    assert!(e.to_string().contains("item 0 is a number"), "{e}");
    let e = MockServer::builder().data(json!({"label_group": []})).unwrap().start().await.unwrap_err();
    assert!(e.to_string().contains("unknown store `label_group`") && e.to_string().contains("label_groups"), "{e}");

    let dir = std::env::temp_dir().join(format!("dingtalk-mock-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.json");
    let e = MockServer::builder().data_file(&missing).unwrap_err();
    assert!(matches!(e, MockError::ReadDataFile { .. }));
    assert!(e.to_string().contains("missing.json"), "{e}");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"label_groups\": [").unwrap();
    let e = MockServer::builder().data_file(&broken).unwrap_err();
    assert!(e.to_string().starts_with("bad data file ") && e.to_string().contains("broken.json"), "{e}");
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, "{\"nope\": []}").unwrap();
    let e = MockServer::builder().data_file(&wrong).unwrap().start().await.unwrap_err();
    assert!(matches!(e, MockError::DataFile { .. }) && e.to_string().contains("wrong.json"), "{e}");
    let good = dir.join("good.json");
    std::fs::write(&good, groups(7).to_string()).unwrap();
    let server = MockServer::builder().data_file(&good).unwrap().start().await.unwrap();
    assert_eq!(server.store("label_groups").unwrap().len(), 7);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bind_failures_and_shutdown() {
    let server = MockServer::start().await;
    let port = server.addr().port();
    assert_eq!(server.url(), format!("http://127.0.0.1:{port}"));
    let e = MockServer::builder().port(port).start().await.unwrap_err();
    assert!(matches!(e, MockError::Bind { .. }));
    assert!(e.to_string().starts_with(&format!("cannot listen on 127.0.0.1:{port}: ")), "{e}");

    let url = server.url();
    server.shutdown().await;
    assert!(dingtalk_oapi::runtime::transport::http_client().get(format!("{url}/gettoken")).send().await.is_err());

    // Dropping stops it too.
    let server = MockServer::start().await;
    let url = server.url();
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(dingtalk_oapi::runtime::transport::http_client().get(format!("{url}/gettoken")).send().await.is_err());
}

#[tokio::test]
async fn every_operation_of_the_spec_is_served() {
    let server = MockServer::builder().access_token("tok").start().await.unwrap();
    let base = server.url();
    let client = dingtalk_oapi::runtime::transport::http_client();
    use dingtalk_oapi::runtime::{Encoding, ErrorEnvelope, HttpMethod, ParamType};
    for op in dingtalk_oapi::generated::OPERATIONS {
        if op.service.envelope == ErrorEnvelope::HttpStatus {
            // The new API: path parameters in the path, the token in a header, errors as statuses.
            let path =
                op.path_params.iter().fold(op.path.to_owned(), |p, f| p.replace(&format!("{{{}}}", f.name), "x1"));
            let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes()).unwrap();
            let mut request =
                client.request(method, format!("{base}{path}")).header("x-acs-dingtalk-access-token", "tok");
            if matches!(op.method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) {
                // An empty object, or for a whole-value body an empty list (or nothing).
                let body = match (op.encoding, op.body.first().map(|f| f.ty)) {
                    (Encoding::JsonValue, Some(ParamType::List(_))) => "[]",
                    (Encoding::JsonValue, _) => "",
                    _ => "{}",
                };
                request = request.header("content-type", JSON).body(body);
            }
            let answer = send(request).await;
            let json = answer.json();
            let required = op.query.iter().chain(op.body).any(|f| f.required);
            match answer.status {
                200 => assert!(json.is_object() || op.response_value, "{}: {json}", op.name),
                400 if required => assert_eq!(json["code"], "InvalidParameter", "{}: {json}", op.name),
                other => panic!("{} {}: HTTP {other}: {}", op.group, op.name, answer.text),
            }
            continue;
        }
        let url = format!("{base}{}?access_token=tok", op.path);
        let request = match op.method {
            HttpMethod::Get => client.get(url),
            _ => client.post(url).header("content-type", JSON).body("{}"),
        };
        let answer = send(request).await;
        assert_eq!(answer.status, 200, "{}: {}", op.name, answer.text);
        let json = answer.json();
        assert!(json["errcode"].is_i64(), "{}: {json}", op.name);
        assert!(is_request_id(&json["request_id"]), "{}: {json}", op.name);
    }
    let recorded: Vec<Option<String>> = server.requests().into_iter().map(|r| r.operation).collect();
    let names: Vec<Option<String>> =
        dingtalk_oapi::generated::OPERATIONS.iter().map(|op| Some(op.id.to_owned())).collect();
    assert_eq!(recorded, names);
}
