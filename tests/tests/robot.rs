//! The custom robot webhook through `RobotWebhook` against the fake server's robots, which check
//! what DingTalk documents: the signature and its timestamp, the Content-Type, the message type
//! and 20 messages in any minute (then a penalty).

use std::sync::Arc;
use std::time::Duration;

use dingtalk_mock::MockServer;
use dingtalk_oapi::robot::{
    RobotActionCard, RobotAt, RobotButton, RobotFeedCard, RobotFeedLink, RobotLink, RobotMessage, SendErrorCode,
};
use dingtalk_oapi::robot_webhook::{self, within};
use dingtalk_oapi::{Error, ErrorClass, MemoryStore, RobotWebhook};
use serde_json::json;

const TOKEN: &str = "robot-token-0123456789";
const SECRET: &str = "SEC0123456789abcdef";

async fn server() -> MockServer {
    MockServer::builder()
        .robot("signed", TOKEN, Some(SECRET))
        .robot("open", "open-robot-token", None)
        .robot_penalty(Duration::from_secs(3))
        .start()
        .await
        .unwrap()
}

fn webhook(server: &MockServer, token: &str) -> String {
    format!("{}/robot/send?access_token={token}", server.url())
}

#[tokio::test]
async fn a_signed_message_with_mentions_arrives_as_documented() {
    let server = server().await;
    let robot = RobotWebhook::builder(webhook(&server, TOKEN)).secret(SECRET).build().unwrap();
    let response = robot
        .send(RobotMessage::text("Deploy finished"))
        .at(RobotAt::new().at_mobiles(vec!["13800000000".to_owned()]).at_user_ids(vec!["user001".to_owned()]))
        .msg_uuid("deploy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.errcode, Some(0));
    let messages = server.robot_messages();
    assert_eq!(messages.len(), 1);
    assert_eq!((messages[0].robot.as_str(), messages[0].signed), ("signed", true));
    assert_eq!(
        messages[0].body,
        json!({
            "msgtype": "text", "text": {"content": "Deploy finished"},
            "at": {"atMobiles": ["13800000000"], "atUserIds": ["user001"]}, "msgUuid": "deploy-42"
        })
    );
    // On the wire: JSON, the token, a millisecond timestamp and the signature, encoded once.
    let request = server.requests().pop().unwrap();
    assert_eq!(request.content_type.as_deref(), Some("application/json;charset=UTF-8"));
    let query: std::collections::HashMap<_, _> = request.query.iter().cloned().collect();
    assert_eq!(query["access_token"], TOKEN);
    let timestamp: u64 = query["timestamp"].parse().unwrap();
    assert_eq!(query["sign"], robot_webhook::sign(SECRET, timestamp));
}

#[tokio::test]
async fn every_message_type_keeps_its_wire_shape() {
    let server = server().await;
    let robot = RobotWebhook::builder(webhook(&server, "open-robot-token")).build().unwrap();
    let messages: Vec<RobotMessage> = vec![
        RobotMessage::markdown("Alert", "#### CPU\n> 93 %"),
        RobotLink::new().title("Release").text("v2 is out").message_url("https://example.com/v2").into(),
        RobotActionCard::new()
            .title("Vote")
            .text("Ship it?")
            .single_title("Open")
            .single_url("https://example.com")
            .into(),
        RobotActionCard::new()
            .title("Vote")
            .text("Ship it?")
            .btns(vec![RobotButton::new().title("Yes").action_url("https://example.com/y")])
            .btn_orientation("1")
            .into(),
        RobotFeedCard::new()
            .links(vec![
                RobotFeedLink::new().title("One").message_url("https://e.com/1").pic_url("https://e.com/1.png"),
            ])
            .into(),
    ];
    for message in messages {
        robot.send(message).send().await.unwrap();
    }
    let bodies: Vec<_> = server.robot_messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies[0], json!({"msgtype": "markdown", "markdown": {"title": "Alert", "text": "#### CPU\n> 93 %"}}));
    assert_eq!(
        bodies[1],
        json!({"msgtype": "link", "link": {"title": "Release", "text": "v2 is out", "messageUrl": "https://example.com/v2"}})
    );
    assert_eq!(
        bodies[2]["actionCard"],
        json!({"title": "Vote", "text": "Ship it?", "singleTitle": "Open", "singleURL": "https://example.com"})
    );
    assert_eq!(bodies[3]["actionCard"]["btns"], json!([{"title": "Yes", "actionURL": "https://example.com/y"}]));
    assert_eq!(bodies[3]["actionCard"]["btnOrientation"], "1");
    assert_eq!(bodies[4]["feedCard"]["links"][0]["picURL"], "https://e.com/1.png");
    assert_eq!(bodies.len(), 5);
}

#[tokio::test]
async fn a_wrong_secret_is_310000_and_no_error_shows_the_token_or_the_secret() {
    let server = server().await;
    let robot = RobotWebhook::builder(webhook(&server, TOKEN)).secret("SECwrong-secret").build().unwrap();
    let e = robot.send(RobotMessage::text("hi")).send().await.unwrap_err();
    let Error::Api(api) = &e else { panic!("an API error: {e:?}") };
    assert_eq!(api.code, SendErrorCode::SecurityCheckFailed);
    assert!(api.errmsg.ends_with("sign not match"), "{}", api.errmsg);
    // Unsigned, to a robot that wants signatures: refused the same way.
    let unsigned = RobotWebhook::builder(webhook(&server, TOKEN)).build().unwrap();
    let e2 = unsigned.send(RobotMessage::text("hi")).send().await.unwrap_err();
    assert!(matches!(&e2, Error::Api(a) if a.code == SendErrorCode::SecurityCheckFailed), "{e2:?}");
    // An unknown robot.
    let stranger = RobotWebhook::builder(webhook(&server, "no-such-robot")).build().unwrap();
    let e3 = stranger.send(RobotMessage::text("hi")).send().await.unwrap_err();
    assert!(matches!(&e3, Error::Api(a) if a.code == SendErrorCode::AccessTokenNotFound), "{e3:?}");
    for shown in [e.to_string(), format!("{e:?}"), format!("{robot:?}"), e3.to_string(), format!("{e3:?}")] {
        for secret in [TOKEN, "SECwrong-secret", "no-such-robot"] {
            assert!(!shown.contains(secret), "`{secret}` in {shown}");
        }
    }
    assert!(server.robot_messages().is_empty());
}

#[tokio::test]
async fn the_fake_robot_checks_content_type_message_type_and_stale_timestamps() {
    let server = server().await;
    let http = dingtalk_oapi::runtime::transport::http_client();
    let url = webhook(&server, "open-robot-token");
    let post = |body: &'static str, content_type: &'static str| {
        http.post(&url).header("content-type", content_type).body(body).send()
    };
    let answer = |r: reqwest::Response| async move {
        serde_json::from_slice::<serde_json::Value>(&r.bytes().await.unwrap()).unwrap()["errcode"].clone()
    };
    let form = post(r#"{"msgtype":"text","text":{"content":"x"}}"#, "application/x-www-form-urlencoded");
    assert_eq!(answer(form.await.unwrap()).await, 43004);
    let video = post(r#"{"msgtype":"video","video":{}}"#, "application/json");
    assert_eq!(answer(video.await.unwrap()).await, 400105);
    let ok = post(r#"{"msgtype":"text","text":{"content":"x"}}"#, "application/json");
    assert_eq!(answer(ok.await.unwrap()).await, 0);
    // A signature two hours old.
    let old =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64 - 7_200_000;
    let sign = robot_webhook::sign(SECRET, old);
    let stale = http
        .post(webhook(&server, TOKEN))
        .query(&[("timestamp", old.to_string()), ("sign", sign)])
        .header("content-type", "application/json")
        .body(json!({"msgtype": "text", "text": {"content": "x"}}).to_string())
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&stale.bytes().await.unwrap()).unwrap();
    assert_eq!(body["errcode"], 310000);
    assert!(body["errmsg"].as_str().unwrap().ends_with("invalid timestamp"), "{body}");
}

#[tokio::test]
async fn the_21st_message_in_a_minute_waits_and_past_the_deadline_is_not_sent() {
    let server = server().await;
    let robot = RobotWebhook::builder(webhook(&server, TOKEN)).secret(SECRET).build().unwrap();
    for n in 0..20 {
        robot.send(RobotMessage::text(format!("message {n}"))).send().await.unwrap();
    }
    let e = robot.send(RobotMessage::text("one too many")).with_options(within(Duration::from_secs(2))).send().await;
    let Err(Error::Throttled { permits, window, wait, .. }) = &e else { panic!("throttled: {e:?}") };
    assert_eq!((*permits, *window), (20, Duration::from_secs(60)));
    assert!(*wait > Duration::from_secs(50), "{wait:?}");
    assert_eq!(server.robot_messages().len(), 20, "the 21st was never sent");
    // Another robot has its own minute.
    let open = RobotWebhook::builder(webhook(&server, "open-robot-token")).build().unwrap();
    open.send(RobotMessage::text("independent")).send().await.unwrap();
}

#[tokio::test]
async fn a_rate_limited_answer_is_not_retried_inside_the_penalty() {
    let server = server().await;
    // Two senders that do not share a count (separate stores), as two misconfigured processes.
    let a = RobotWebhook::builder(webhook(&server, TOKEN)).secret(SECRET).build().unwrap();
    let b = RobotWebhook::builder(webhook(&server, TOKEN))
        .secret(SECRET)
        .limit_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    for n in 0..20 {
        a.send(RobotMessage::text(format!("a {n}"))).send().await.unwrap();
    }
    server.clear_requests();
    let e = b.send(RobotMessage::text("b 0")).send().await.unwrap_err();
    let Error::Api(api) = &e else { panic!("an API error: {e:?}") };
    assert_eq!(api.code, SendErrorCode::SendingTooFast);
    assert_eq!(api.class(), ErrorClass::RateLimited);
    assert_eq!(server.requests().len(), 1, "one attempt, no retry into the penalty");
    assert_eq!(server.robot_messages().len(), 20);
}
