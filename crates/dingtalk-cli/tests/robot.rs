//! `dingtalk robot send`: against the sandbox's robot, against the fake server as a separate
//! process (which checks signatures as DingTalk documents), and 21 processes sharing one robot's
//! minute through a real `redis-server`.

mod common;

use std::process::Output;

use common::{MockProcess, command, dingtalk, text};
use dingtalk_mock::RedisServer;
use serde_json::{Value, json};

const TOKEN: &str = "robot-cli-token-7f3a";
const SECRET: &str = "SECrobot-cli-secret-99";

fn robot_server() -> (MockProcess, String) {
    let server = MockProcess::start("unused-app-token", &["--robot", &format!("ops:{TOKEN}:{SECRET}")]);
    let webhook = format!("{}/robot/send?access_token={TOKEN}", server.url);
    (server, webhook)
}

fn assert_quiet_about_secrets(out: &Output) {
    for shown in [text(&out.stdout), text(&out.stderr)] {
        assert!(!shown.contains(TOKEN) && !shown.contains(SECRET), "a secret in: {shown}");
    }
}

#[test]
fn the_sandbox_robot_takes_a_message_out_of_the_box() {
    let out =
        dingtalk(&["--sandbox", "robot", "send", "--text", "hello", "--at-mobile", "13800000000", "--output", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer, json!({"errcode": 0, "errmsg": "ok"}));
}

#[test]
fn a_signed_message_is_accepted_with_the_right_body_and_a_wrong_secret_exits_3() {
    let (server, webhook) = robot_server();
    let out = command()
        .args(["robot", "send", "--webhook", &webhook, "--secret", SECRET, "--text", "Deploy done"])
        .args(["--at-mobile", "13800000000", "--at-user-id", "user001", "--msg-uuid", "d-1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "sent\n");
    assert_quiet_about_secrets(&out);
    let messages = server.get_json("/mock/robot/messages");
    assert_eq!(
        messages,
        json!([{"robot": "ops", "signed": true, "body": {
            "msgtype": "text", "text": {"content": "Deploy done"}, "msgUuid": "d-1",
            "at": {"atMobiles": ["13800000000"], "atUserIds": ["user001"]}
        }}])
    );

    // From the environment, with a wrong secret: 310000 on one line, exit 3.
    let out = command()
        .env("DINGTALK_ROBOT_WEBHOOK", &webhook)
        .env("DINGTALK_ROBOT_SECRET", "SECnot-the-secret")
        .args(["robot", "send", "--markdown", "Alert", "#### CPU high", "--at-all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("310000") && stderr.contains("sign not match"), "{stderr}");
    assert!(!stderr.contains("SECnot-the-secret"), "{stderr}");
    assert_quiet_about_secrets(&out);
    assert_eq!(server.get_json("/mock/robot/messages").as_array().unwrap().len(), 1);
}

#[test]
fn a_whole_message_from_json_and_usage_errors_exit_2() {
    let (server, webhook) = robot_server();
    let mut child = command()
        .args(["robot", "send", "--webhook", &webhook, "--secret", SECRET, "--json", "-", "--at-user-id", "u9"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let card = r#"{"msgtype":"actionCard","actionCard":{"title":"Vote","text":"Ship?","btns":[{"title":"Yes","actionURL":"https://e.com/y"}]}}"#;
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), card.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait_with_output().unwrap().status.success());
    let body = &server.get_json("/mock/robot/messages")[0]["body"];
    assert_eq!(body["actionCard"]["btns"][0]["actionURL"], "https://e.com/y");
    assert_eq!(body["at"], json!({"atUserIds": ["u9"]}));

    // No message, no webhook, or a webhook that is not one: nothing is sent.
    for args in [
        vec!["robot", "send", "--webhook", webhook.as_str()],
        vec!["robot", "send", "--text", "x"],
        vec![
            "robot",
            "send",
            "--text",
            "x",
            "--webhook",
            "https://oapi.dingtalk.com/robot/other?access_token=robot-cli-token-7f3a",
        ],
    ] {
        let out = dingtalk(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert_quiet_about_secrets(&out);
    }
    assert_eq!(server.get_json("/mock/robot/messages").as_array().unwrap().len(), 1);
}

#[test]
fn twenty_one_processes_sharing_redis_send_twenty_and_the_last_gives_up_at_its_deadline() {
    let redis = RedisServer::start();
    let (server, webhook) = robot_server();
    let children: Vec<_> = (0..21)
        .map(|n| {
            command()
                .args(["robot", "send", "--webhook", &webhook, "--secret", SECRET, "--text", &format!("message {n}")])
                .args(["--redis-url", &redis.url(), "--timeout", "2"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let codes: Vec<Option<i32>> = outputs.iter().map(|o| o.status.code()).collect();
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 20, "{codes:?}");
    let refused: Vec<&Output> = outputs.iter().filter(|o| o.status.code() != Some(0)).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].status.code(), Some(4), "{}", text(&refused[0].stderr));
    assert!(text(&refused[0].stderr).contains("rate limit"), "{}", text(&refused[0].stderr));
    // The fake robot saw exactly 20: the 21st was never sent (so no 10-minute penalty).
    assert_eq!(server.get_json("/mock/robot/messages").as_array().unwrap().len(), 20);
}
