//! DingTalk's official Python Stream SDK (`dingtalk-stream` 0.24.3, from PyPI, in a virtualenv
//! this test makes under the target directory) against the fake gateway, so that the fake stays
//! what that SDK expects of DingTalk: its open call is accepted, it reads our EVENT, CALLBACK
//! and SYSTEM frames (an event caused by a write through the API among them), its `reply_text`
//! reaches the message's session webhook, it answers pings, and reconnects after `disconnect`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use dingtalk_mock::MockServer;
use serde_json::{Value, json};

const SDK: &str = "dingtalk-stream==0.24.3";
const KEY: &str = "dingpythonsdkkey";
const SECRET: &str = "python-sdk-secret";
const TOKEN: &str = "python-sdk-test-token";
const WAIT: Duration = Duration::from_secs(20);

/// A virtualenv with the SDK: made (and the SDK installed from PyPI) on the first run, reused after.
fn python_with_sdk() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dingtalk-stream-sdk-0.24.3");
    let python = venv.join("bin").join("python");
    let ready = |p: &Path| Command::new(p).args(["-c", "import dingtalk_stream"]).status().is_ok_and(|s| s.success());
    if !ready(&python) {
        let made = Command::new("python3").arg("-m").arg("venv").arg("--clear").arg(&venv).status();
        assert!(made.is_ok_and(|s| s.success()), "python3 -m venv failed (python3 with venv is needed)");
        let pip =
            Command::new(&python).args(["-m", "pip", "install", "-q", "--disable-pip-version-check", SDK]).status();
        assert!(pip.is_ok_and(|s| s.success()), "pip install {SDK} failed (PyPI must be reachable)");
        assert!(ready(&python), "{SDK} installed but cannot be imported");
    }
    python
}

struct Listener {
    child: std::process::Child,
    lines: mpsc::Receiver<Value>,
}

impl Listener {
    fn next(&self) -> Value {
        self.lines.recv_timeout(WAIT).expect("the SDK's handler printed a line")
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen(python: &Path, server: &MockServer) -> Listener {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/stream_sdk_listener.py");
    let mut child = Command::new(python)
        .arg(script)
        .env("DINGTALK_OPENAPI_ENDPOINT", server.url())
        .env("STREAM_APP_KEY", KEY)
        .env("STREAM_APP_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(value);
            }
        }
    });
    Listener { child, lines }
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_reads_the_fake_gateway_as_dingtalk() {
    let python = tokio::task::spawn_blocking(python_with_sdk).await.unwrap();
    let server = MockServer::builder()
        .app(KEY, SECRET)
        .access_token(TOKEN)
        .stream_disconnect_grace(Duration::from_millis(500))
        .stream_redelivery(Duration::from_secs(600), 1)
        .start()
        .await
        .unwrap();
    let listener = listen(&python, &server);
    until("the SDK connects", || server.stream_connections() == 1).await;

    // Its open call: the key, EVENT `*` and the robot topic, its `ua`.
    let open = server.stream_opens().pop().unwrap();
    assert!(open.accepted && open.client_id == KEY, "{open:?}");
    let topics: Vec<String> = open.subscriptions.iter().map(|s| format!("{}:{}", s.kind.as_str(), s.topic)).collect();
    assert_eq!(topics, ["EVENT:*", "CALLBACK:/v1.0/im/bot/messages/get"]);
    assert!(open.ua.as_deref().is_some_and(|ua| ua.starts_with("dingtalk-sdk-python/")), "{open:?}");

    // An event: the SDK hands it to the handler with its type, id and payload.
    let event = server.push_stream_event("user_add_org", json!({"userId": ["user01"], "timeStamp": 1700000000000i64}));
    let seen = listener.next();
    assert_eq!(seen["event"], "user_add_org");
    assert_eq!(seen["data"]["userId"], json!(["user01"]));
    let ack = server.wait_for_stream_ack(&event, WAIT).await.expect("the SDK acks the event");
    assert_eq!(ack.code, Some(200), "{ack:?}");
    // The SDK 0.24.3 echoes the payload without the protocol's `status` (reference §4); the fake
    // follows the protocol document and says so rather than taking it for SUCCESS.
    assert!(!ack.valid && ack.reason.as_deref().is_some_and(|r| r.contains("status")), "{ack:?}");

    // A robot message, parsed by the SDK's ChatbotMessage; its ack carries `response`.
    let (webhook, expires) = server.robot_session(Duration::from_secs(5400));
    let message = json!({
        "conversationId": "cid1", "conversationType": "2", "msgId": "msg1", "senderNick": "Zhang Min",
        "senderStaffId": "user01", "robotCode": "dingrobot", "createAt": 1700000000000i64,
        "sessionWebhook": webhook, "sessionWebhookExpiredTime": expires,
        "msgtype": "text", "text": {"content": " hello"},
    });
    let callback = server.push_stream_callback("/v1.0/im/bot/messages/get", message);
    let seen = listener.next();
    assert_eq!((seen["robot"].as_str(), seen["sender"].as_str()), (Some(" hello"), Some("user01")));
    let ack = server.wait_for_stream_ack(&callback, WAIT).await.expect("the SDK acks the message");
    assert!(ack.valid && ack.code == Some(200), "{ack:?}");
    // Its reply_text went to the session webhook, mentioning the sender.
    let replies = server.session_messages();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].body["msgtype"], "text");
    assert_eq!(replies[0].body["text"]["content"], "pong: hello");
    assert_eq!(replies[0].body["at"]["atUserIds"], json!(["user01"]));

    // An external contact created through the API: the SDK is handed the event it causes.
    let client = dingtalk_oapi::Client::builder().base_url(server.url()).access_token(TOKEN).build().unwrap();
    let contact = dingtalk_oapi::NewExtContact::new()
        .name("Li Si")
        .mobile("13900000000")
        .state_code("86")
        .follower_user_id("manager01")
        .label_ids([1561077310, 1561077318]);
    let created = client.create_contact(contact).send().await.unwrap().userid.expect("a userid");
    let seen = listener.next();
    assert_eq!(seen["event"], "ext_contact_add", "{seen}");
    assert_eq!(seen["data"]["userId"], json!([created]));

    // A ping: answered with the same messageId and the opaque echoed.
    for ping in server.stream_ping() {
        let pong = server.wait_for_stream_ack(&ping, WAIT).await.expect("a pong");
        assert!(pong.valid, "{pong:?}");
    }

    // `disconnect`: the SDK closes the socket and opens a new connection with a new ticket.
    server.stream_disconnect();
    until("the SDK reconnects", || server.stream_opens().len() == 2 && server.stream_connections() == 1).await;
    let event = server.push_stream_event("user_modify_org", json!({"userId": ["user02"]}));
    assert_eq!(listener.next()["event"], "user_modify_org");
    assert!(server.wait_for_stream_ack(&event, WAIT).await.is_some());
    drop(listener);
}
