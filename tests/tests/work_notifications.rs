//! Work notifications through the typed client against the fake server: send (the message a
//! typed choice, recipients as comma lists), progress, result, status bar, recall; and the
//! documented limits the client checks before sending.

use dingtalk_mock::MockServer;
use dingtalk_oapi::runtime::validation::Problem;
use dingtalk_oapi::{
    Client, Error, GetSendProgressErrorCode, RecallErrorCode, WorkMessage, WorkOa, WorkOaBody, WorkOaHead,
    WorkOaStatusBar, WorkText,
};
use serde_json::json;

const TOKEN: &str = "work-notification-token";
const AGENT: i64 = 836390886;

async fn setup() -> (MockServer, Client) {
    let server = MockServer::builder().access_token(TOKEN).start().await.unwrap();
    let client = Client::builder().base_url(server.url()).access_token(TOKEN).build().unwrap();
    (server, client)
}

#[tokio::test]
async fn send_then_progress_result_status_bar_and_recall() {
    let (server, client) = setup().await;
    let oa = WorkOa::new()
        .message_url("https://example.com/report/7")
        .head(WorkOaHead::new().bgcolor("FFBBBBBB").text("Daily report"))
        .status_bar(WorkOaStatusBar::new().status_value("Pending").status_bg("0xFFF65E5E"))
        .body(WorkOaBody::new().title("Sales, 3 December").content("12 new customers"));
    let sent = client
        .async_send_v2(AGENT, oa)
        .userid_list(vec!["manager01".to_owned(), "user123".to_owned()])
        .dept_id_list(vec![2, 3])
        .send()
        .await
        .unwrap();
    let task_id = sent.task_id.expect("a task ID");

    // On the wire: the ID lists as comma-joined strings, the message tagged by `msgtype`.
    let body: serde_json::Value = serde_json::from_str(&server.requests().pop().unwrap().body).unwrap();
    assert_eq!(body["userid_list"], "manager01,user123");
    assert_eq!(body["dept_id_list"], "2,3");
    assert_eq!(body["msg"]["msgtype"], "oa");
    assert_eq!(body["msg"]["oa"]["status_bar"], json!({"status_value": "Pending", "status_bg": "0xFFF65E5E"}));

    let progress = client.get_send_progress(AGENT, task_id).send().await.unwrap().progress.expect("progress");
    assert_eq!((progress.progress_in_percent, progress.status), (Some(100), Some(2)));
    let result = client.get_send_result(AGENT, task_id).send().await.unwrap().send_result.expect("a result");
    assert!(result.forbidden_user_id_list.is_empty() && result.failed_user_id_list.is_empty(), "{result:?}");
    client.update_status_bar(AGENT, task_id, "Approved").status_bg("0xFF78C06E").send().await.unwrap();

    client.recall(AGENT, task_id).send().await.unwrap();
    // Recalled, the task is gone: its progress is unknown, and a second recall is refused.
    let gone = client.get_send_progress(AGENT, task_id).send().await.unwrap_err();
    assert!(matches!(&gone, Error::Api(e) if e.code == GetSendProgressErrorCode::InvalidParameter), "{gone:?}");
    let again = client.recall(AGENT, task_id).send().await.unwrap_err();
    assert!(matches!(&again, Error::Api(e) if e.code == RecallErrorCode::InvalidAgentOrTaskId), "{again:?}");
}

#[tokio::test]
async fn documented_limits_are_refused_before_anything_is_sent() {
    let (server, client) = setup().await;
    // `msg` holds at most 2,048 bytes of JSON (DingTalk would otherwise drop it).
    let long = WorkMessage::Text(WorkText::new().content("通知".repeat(400)));
    let e = client.async_send_v2(AGENT, long).userid_list(vec!["manager01".to_owned()]).send().await.unwrap_err();
    let Error::Validation(v) = &e else { panic!("a validation error: {e:?}") };
    assert_eq!(v.field, "msg");
    assert!(matches!(v.problem, Problem::TooManyBytes { max: 2048, bytes } if bytes > 2048), "{v:?}");
    // At most 100 users and 20 departments per call, as the page says.
    let users: Vec<String> = (0..101).map(|n| format!("user{n}")).collect();
    let e = client.async_send_v2(AGENT, WorkText::new().content("hi")).userid_list(users).send().await.unwrap_err();
    assert!(matches!(&e, Error::Validation(v) if v.field == "userid_list"), "{e:?}");
    let e = client
        .async_send_v2(AGENT, WorkText::new().content("hi"))
        .dept_id_list((1..=21).collect::<Vec<i64>>())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Validation(v) if v.field == "dept_id_list"), "{e:?}");
    assert!(server.requests().is_empty(), "nothing was sent");
    // A message that is just under the limit goes.
    let fits = WorkText::new().content("x".repeat(2000));
    client.async_send_v2(AGENT, fits).to_all_user(true).send().await.unwrap();
}
