//! `dingtalk stream listen`: Stream mode from the shell, against the sandbox and against the
//! fake server as a separate process (its control API pushing the messages), checking stdout,
//! the acks and replies the fake server received, and exit codes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{MockProcess, command, dingtalk, text};
use serde_json::{Value, json};

const KEY: &str = "dingclistreamkey";
const SECRET: &str = "cli-stream-secret";

#[test]
fn the_sandbox_delivers_an_event_and_a_robot_message_that_is_answered() {
    let out = dingtalk(&["--sandbox", "stream", "listen", "--reply", "pong", "--count", "2"]);
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), text(&out.stderr));
    let lines: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let event = lines.iter().find(|l| l["type"] == "EVENT").expect("the sample event");
    assert_eq!(
        (event["eventType"].as_str(), event["data"]["userId"][0].as_str()),
        (Some("user_add_org"), Some("user01"))
    );
    let robot = lines.iter().find(|l| l["type"] == "CALLBACK").expect("the sample robot message");
    assert_eq!(robot["topic"], "/v1.0/im/bot/messages/get");
    assert_eq!(robot["data"]["text"]["content"], "hello");
}

#[test]
fn a_pushed_robot_message_is_printed_acked_and_answered() {
    let server = MockProcess::start("unused-token", &["--app-key", KEY, "--app-secret", SECRET]);
    let mut listener = command()
        .args(["--api-base-url", &server.url, "--app-key", KEY, "--app-secret", SECRET])
        .args(["stream", "listen", "--count", "1", "--reply", "got it"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Pushed through the control API, as another process would; the gateway keeps the frame
    // until a connection subscribed to the topic takes it.
    let push = json!({"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get", "data": {
        "msgtype": "text", "text": {"content": "deploy status?"}, "senderStaffId": "user01", "conversationType": "2"}});
    let pushed = server.post_json("/mock/stream/push", &push);
    let message_id = pushed["messageId"].clone();
    assert!(message_id.is_string(), "{pushed}");

    let stdout = BufReader::new(listener.stdout.take().unwrap());
    let lines: Vec<Value> = stdout.lines().map_while(Result::ok).map(|l| serde_json::from_str(&l).unwrap()).collect();
    let status = listener.wait().unwrap();
    assert!(status.success(), "exit {:?}", status.code());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["messageId"], message_id);
    assert_eq!(lines[0]["data"]["text"]["content"], "deploy status?");

    let replies = server.get_json("/mock/stream/replies");
    assert_eq!(replies[0]["body"]["text"]["content"], "got it", "{replies}");
    assert_eq!(replies[0]["body"]["at"]["atUserIds"], json!(["user01"]), "{replies}");
    let acks = server.get_json("/mock/stream/acks");
    let ack = acks.as_array().unwrap().iter().find(|a| a["message_id"] == message_id).expect("acked");
    assert_eq!((ack["code"].as_i64(), ack["valid"].as_bool()), (Some(200), Some(true)), "{ack}");
}

#[test]
fn refused_credentials_exit_3_without_showing_the_secret() {
    let server = MockProcess::start("unused-token", &["--app-key", KEY, "--app-secret", SECRET]);
    let out = command()
        .args(["--api-base-url", &server.url, "--app-key", KEY, "--app-secret", "not-the-secret"])
        .args(["stream", "listen", "--count", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("authFailed"), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("not-the-secret") && !text(&out.stdout).contains("not-the-secret"));
    let missing = dingtalk(&["--api-base-url", &server.url, "stream", "listen"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
}
