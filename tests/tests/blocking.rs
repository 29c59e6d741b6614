//! The blocking facade runs the same generated operations without an async runtime.

use dingtalk_mock::MockServer;
use dingtalk_oapi::{Error, ListLabelGroupsRequest, blocking};

#[test]
fn blocking_calls_paginate_and_report_errors() {
    // The fake server needs a runtime of its own; the client under test does not.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async { MockServer::builder().access_token("tok-blocking").start().await.unwrap() });

    let client = blocking::Client::new(
        dingtalk_oapi::Client::builder().base_url(server.url()).access_token("tok-blocking").build().unwrap(),
    )
    .unwrap();
    let page = client.list_label_groups().size(3).send().unwrap();
    assert_eq!(page.results.len(), 3);
    let all = client.list_label_groups().size(1).collect_all().unwrap();
    assert_eq!(all.len(), 4);
    let one = client.execute(ListLabelGroupsRequest::new().offset(3)).unwrap();
    assert_eq!(one.results[0].name.as_deref(), Some("Recruitment status"));
    let pages: Vec<_> = client.list_label_groups().size(3).pages().collect::<Result<_, _>>().unwrap();
    assert_eq!(pages.iter().map(|p| p.results.len()).collect::<Vec<_>>(), [3, 1]);
    let mut items = client.list_label_groups().size(2).items();
    assert_eq!(items.next().unwrap().unwrap().name.as_deref(), Some("Type"));
    assert_eq!(items.count(), 3);
    let err = client.list_label_groups().size(0).send().unwrap_err();
    assert!(matches!(err, Error::Validation(_)));
    drop(server);
}

#[test]
fn blocking_calls_reach_the_new_api_through_its_groups() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async { MockServer::builder().access_token("tok-blocking").start().await.unwrap() });
    let client = blocking::Client::new(
        dingtalk_oapi::Client::builder().api_base_url(server.url()).access_token("tok-blocking").build().unwrap(),
    )
    .unwrap();
    let user = client.contact_1_0().get_user("b1").send().unwrap();
    assert_eq!(user.union_id.as_deref(), Some("b1"));
    let err = client.execute(dingtalk_oapi::contact_1_0::GetUserRequest::new()).unwrap_err();
    assert!(matches!(err, Error::Validation(_)));
    drop(server);
}
