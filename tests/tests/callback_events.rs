//! Typed callback events from the spec, read from messages decrypted with DingTalk's crypto.

use dingtalk_oapi::callback::CallbackCrypto;
use dingtalk_oapi::{CheckCreateSuiteUrl, Event, SuiteTicket, UserAddOrg};

#[test]
fn the_published_message_is_a_typed_suite_url_check() {
    let crypto =
        CallbackCrypto::new("123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite4xxxxxxxxxxxxxxx").unwrap();
    let message = crypto
        .decrypt_verified(
            "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
            "1445827045067",
            "nEXhMP4r",
            "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==",
        )
        .unwrap();
    let event = Event::parse(&message).unwrap();
    assert_eq!(event.event_type(), CheckCreateSuiteUrl::EVENT_TYPE);
    let Event::CheckCreateSuiteUrl(check) = event else { panic!("{event:?}") };
    assert_eq!(check.random.as_deref(), Some("LPIdSnlF"));
    assert_eq!(check.test_suite_key.as_deref(), Some("suite4xxxxxxxxxxxxxxx"));
}

#[test]
fn numbers_where_text_is_declared_are_read_as_dingtalk_writes_them() {
    // The docs show TimeStamp as a number, real pushes send text: both read.
    for stamp in ["1602504015012", "\"1602504015012\""] {
        let message =
            format!(r#"{{"EventType":"suite_ticket","SuiteKey":"suite1","SuiteTicket":"t-1","TimeStamp":{stamp}}}"#);
        let Event::SuiteTicket(ticket) = Event::parse(&message).unwrap() else { panic!("a suite ticket") };
        assert_eq!(ticket.time_stamp.as_deref(), Some("1602504015012"));
        assert_eq!(ticket.suite_ticket.as_deref(), Some("t-1"));
    }
    assert_eq!(SuiteTicket::EVENT_TYPE, "suite_ticket");
    let Event::UserAddOrg(added) =
        Event::parse(r#"{"EventType":"user_add_org","CorpId":"dingcorp","UserId":["u1","u2"],"TimeStamp":1}"#).unwrap()
    else {
        panic!("user_add_org")
    };
    assert_eq!(added.user_id, ["u1", "u2"]);
    assert_eq!(UserAddOrg::EVENT_TYPE, "user_add_org");
}

#[test]
fn unknown_types_keep_their_json_and_broken_payloads_are_errors() {
    let Event::Unknown { event_type, raw } =
        Event::parse(r#"{"EventType":"bpms_task_change","processInstanceId":"p1"}"#).unwrap()
    else {
        panic!("unknown")
    };
    assert_eq!((event_type.as_str(), raw["processInstanceId"].as_str()), ("bpms_task_change", Some("p1")));
    let err = Event::parse(r#"{"EventType":"user_add_org","UserId":"not-a-list-of-one"}"#);
    assert!(err.is_ok(), "a single value where a list is declared is read as a list of one: {err:?}");
    let err = Event::parse(r#"{"EventType":"suite_ticket","SuiteTicket":{"nested":true}}"#).unwrap_err();
    assert!(err.to_string().contains("callback event `suite_ticket` does not fit the spec"), "{err}");
    assert!(Event::parse("<xml/>").unwrap_err().to_string().contains("unreadable callback message"));
}

/// The fake server pushes events exactly as DingTalk does to a real axum endpoint on loopback.
#[tokio::test]
async fn the_callback_service_answers_checks_records_tickets_and_hands_over_events() {
    use std::sync::{Arc, Mutex};

    use dingtalk_mock::{PushError, push_event};
    use dingtalk_oapi::callback::CallbackService;
    use dingtalk_oapi::{LimitStore, MemoryStore, SuiteCredentials};

    const KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
    let crypto = CallbackCrypto::new("callback-token", KEY, "suite-xyz").unwrap();
    let store: Arc<dyn LimitStore> = Arc::new(MemoryStore::new());
    let suite = SuiteCredentials::with_store("suite-xyz", "suite-secret", store.clone());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let handler_seen = seen.clone();
    let router = CallbackService::new(crypto.clone(), move |event: Event| {
        let seen = handler_seen.clone();
        async move {
            seen.lock().unwrap().push(event.event_type().to_owned());
        }
    })
    .suite(suite)
    .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    // The fake server, configured with the callback URL, pushes the URL check.
    let dingtalk = dingtalk_mock::MockServer::builder().callback(url.clone(), crypto.clone()).start().await.unwrap();
    let check = r#"{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite-xyz"}"#;
    assert_eq!(dingtalk.push_event(check).await.unwrap(), "success");
    let ticket =
        r#"{"EventType":"suite_ticket","SuiteKey":"suite-xyz","SuiteTicket":"ticket-77","TimeStamp":1602504015012}"#;
    assert_eq!(push_event(&url, &crypto, ticket).await.unwrap(), "success");
    assert_eq!(store.get("dingtalk:suite_ticket:suite-xyz").await.unwrap().as_deref(), Some("ticket-77"));
    let added = r#"{"EventType":"user_add_org","CorpId":"dingcorp","UserId":["u1"],"TimeStamp":"1"}"#;
    assert_eq!(push_event(&url, &crypto, added).await.unwrap(), "success");
    let unknown = r#"{"EventType":"bpms_instance_change","processInstanceId":"p1"}"#;
    assert_eq!(push_event(&url, &crypto, unknown).await.unwrap(), "success");

    // A push signed with another token is refused before anything reaches the handler.
    let forged = CallbackCrypto::new("other-token", KEY, "suite-xyz").unwrap();
    let err = push_event(&url, &forged, added).await.unwrap_err();
    assert!(matches!(err, PushError::Status { status: 403, ref body } if body.contains("900005")), "{err}");
    assert!(!err.to_string().contains("signature does not match"), "details stay in the log: {err}");
    // Another owner's frame (a suite key mix-up) too.
    let other_owner = CallbackCrypto::new("callback-token", KEY, "dingcorp0001").unwrap();
    let err = push_event(&url, &other_owner, added).await.unwrap_err();
    assert!(
        matches!(err, PushError::Status { status: 400, ref body } if body.contains("invalid callback request")),
        "{err}"
    );
    assert!(!err.to_string().contains("dingcorp0001"), "nothing decrypted is echoed: {err}");
    // A declared type whose payload does not fit still reaches the handler, as Unknown.
    let misfit = r#"{"EventType":"suite_ticket","SuiteTicket":{"nested":true}}"#;
    assert_eq!(push_event(&url, &crypto, misfit).await.unwrap(), "success");

    assert_eq!(
        *seen.lock().unwrap(),
        ["check_create_suite_url", "suite_ticket", "user_add_org", "bpms_instance_change", "suite_ticket"]
    );
    server.abort();
}
