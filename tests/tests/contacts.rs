//! The external-contact family through the client and the fake server: a full round trip,
//! client-side validation of every required field and limit, and writes that are never repeated.

use std::time::Duration;

use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::validation::Problem;
use dingtalk_oapi::{Client, Error, ExtContactUpdate, GetContactErrorCode, NewExtContact, RetryPolicy};

const TOKEN: &str = "contacts-token-31f";

async fn setup() -> (MockServer, Client) {
    let server = MockServer::builder().access_token(TOKEN).start().await.unwrap();
    let client = Client::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    (server, client)
}

fn new_contact() -> NewExtContact {
    NewExtContact::new()
        .name("Li Si")
        .mobile("13900000000")
        .state_code("86")
        .follower_user_id("manager01")
        .label_ids([1561077310, 1561077318])
        .company_name("Example Co.")
}

#[tokio::test]
async fn create_get_update_list_delete_round_trip() {
    let (server, client) = setup().await;
    let user_id = client.create_contact(new_contact()).send().await.expect("created").userid.expect("userid");

    let got = client.get_contact(user_id.as_str()).send().await.expect("get").result.expect("result");
    assert_eq!(got.name.as_deref(), Some("Li Si"));
    assert_eq!(got.mobile.as_deref(), Some("13900000000"));
    assert_eq!(got.label_ids, [1561077310, 1561077318]);
    assert_eq!(got.userid.as_deref(), Some(user_id.as_str()));

    let update = ExtContactUpdate::new()
        .user_id(user_id.as_str())
        .name("Li Si")
        .follower_user_id("manager02")
        .label_ids([1561077319])
        .title("Buyer");
    client.update_contact(update).send().await.expect("updated");
    let got = client.get_contact(user_id.as_str()).send().await.unwrap().result.unwrap();
    assert_eq!((got.follower_user_id.as_deref(), got.title.as_deref()), (Some("manager02"), Some("Buyer")));
    assert_eq!(got.label_ids, [1561077319]);
    assert_eq!(got.mobile.as_deref(), Some("13900000000"), "update leaves the mobile alone");

    let all = client.list_contacts().into_paginator().collect_all().await.expect("list");
    assert!(all.iter().any(|c| c.userid.as_deref() == Some(user_id.as_str())));

    client.delete_contact(user_id.as_str()).send().await.expect("deleted");
    let err = client.get_contact(user_id.as_str()).send().await.expect_err("gone");
    assert_eq!(err.code(), Some(GetContactErrorCode::InvalidUserId));
    let err = client.delete_contact(user_id.as_str()).send().await.expect_err("gone");
    assert!(err.to_string().contains("errcode 33012"), "{err}");

    let bodies: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/topapi/extcontact/create")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies[0]["contact"],
        serde_json::json!({"name": "Li Si", "mobile": "13900000000", "state_code": "86", "follower_user_id": "manager01",
                           "label_ids": [1561077310, 1561077318], "company_name": "Example Co."}),
        "exact wire names, real numbers inside the nested object"
    );
}

fn problem(err: Error<impl dingtalk_oapi::ApiErrorCode>) -> (String, Problem) {
    match err {
        Error::Validation(v) => (v.field, v.problem),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_required_field_and_limit_is_checked_before_sending() {
    let (server, client) = setup().await;
    let mut without = Vec::new();
    for field in ["name", "mobile", "state_code", "follower_user_id", "label_ids"] {
        let mut c = new_contact();
        match field {
            "name" => c.name = None,
            "mobile" => c.mobile = None,
            "state_code" => c.state_code = None,
            "follower_user_id" => c.follower_user_id = None,
            _ => c.label_ids = None,
        }
        without.push((field, c));
    }
    for (field, contact) in without {
        let err = client.create_contact(contact).send().await.unwrap_err();
        assert_eq!(problem(err), (format!("contact.{field}"), Problem::Missing));
    }
    // Required parameters are the accessors' arguments; requests built by hand may lack them.
    let err = client.execute(dingtalk_oapi::CreateContactRequest::new()).await.unwrap_err();
    assert_eq!(problem(err), ("contact".to_owned(), Problem::Missing));
    let ids: Vec<i64> = (0..21).collect();
    let err = client.create_contact(new_contact().label_ids(ids.clone())).send().await.unwrap_err();
    assert_eq!(problem(err), ("contact.label_ids".to_owned(), Problem::TooManyItems { count: 21, max: 20 }));
    let err = client.create_contact(new_contact().share_dept_ids(ids)).send().await.unwrap_err();
    assert_eq!(problem(err).0, "contact.share_dept_ids");
    let users: Vec<String> = (0..21).map(|i| format!("u{i}")).collect();
    let err = client.create_contact(new_contact().share_user_ids(users)).send().await.unwrap_err();
    assert_eq!(problem(err).0, "contact.share_user_ids");

    let err = client.execute(dingtalk_oapi::GetContactRequest::new()).await.unwrap_err();
    assert_eq!(problem(err), ("user_id".to_owned(), Problem::Missing));
    let err = client.get_contact("x".repeat(65)).send().await.unwrap_err();
    assert_eq!(problem(err), ("user_id".to_owned(), Problem::TooLong { length: 65, max: 64 }));
    let err = client.execute(dingtalk_oapi::DeleteContactRequest::new()).await.unwrap_err();
    assert_eq!(problem(err), ("user_id".to_owned(), Problem::Missing));
    let update = ExtContactUpdate::new().name("n").follower_user_id("f").label_ids([1]);
    let err = client.update_contact(update).send().await.unwrap_err();
    assert_eq!(problem(err), ("contact.user_id".to_owned(), Problem::Missing));
    let err = client.list_contacts().size(0).send().await.unwrap_err();
    assert_eq!(problem(err), ("size".to_owned(), Problem::BelowMin { value: 0, min: 1 }));
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_write_that_meets_a_dropped_connection_is_reported_not_repeated() {
    let (server, client) = setup().await;
    server.inject("CreateContact", Fault::DropConnection, 1);
    let err = client.create_contact(new_contact()).send().await.expect_err("dropped");
    match &err {
        Error::Transport(t) => assert!(t.maybe_sent),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(err.to_string().contains("may have reached DingTalk"), "{err}");
    assert_eq!(server.requests().len(), 1, "the write was not repeated");

    server.clear_requests();
    server.inject("DeleteContact", Fault::Http500, 1);
    let err = client.delete_contact("someone").send().await.expect_err("500");
    assert!(matches!(err, Error::Http(_)));
    assert_eq!(server.requests().len(), 1, "a write is not repeated after a 5xx");

    // The server saying "busy" means nothing was done: that is retried even for writes.
    server.clear_requests();
    server.inject("CreateContact", Fault::SystemBusy, 1);
    client.create_contact(new_contact()).send().await.expect("retried after -1");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_known_not_to_have_reached_the_server() {
    // Connecting failed, so the request cannot have reached a server (what makes a write safe to repeat).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .base_url(url)
        .access_token(TOKEN)
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.create_contact(new_contact()).send().await.expect_err("refused");
    match err {
        Error::Transport(t) => assert!(!t.maybe_sent),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn label_ids_must_name_labels_of_the_label_groups() {
    let (server, client) = setup().await;
    let err = client.create_contact(new_contact().label_ids([1561077310, 999])).send().await.expect_err("no label 999");
    let api = err.as_api().expect("an API error from the server");
    assert_eq!(dingtalk_oapi::ApiErrorCode::code(&api.code), 40035);
    assert!(
        api.errmsg.contains("contact.label_ids[1]") && api.errmsg.contains("label_groups.labels.id"),
        "{}",
        api.errmsg
    );
    assert_eq!(server.store("contacts").map(|c| c.len()), Some(1), "nothing was stored beyond the example contact");
}
