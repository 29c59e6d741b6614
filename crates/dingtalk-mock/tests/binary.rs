//! The `dingtalk-mock` binary: prints its URL, serves, logs without secrets, stops on signals.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

const TOKEN: &str = "sekrit-token-4242";

fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dingtalk-mock"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dingtalk-mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("read the URL");
    (child, line.trim_end().to_owned())
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(child.id().to_string()).status().expect("kill");
    assert!(status.success());
}

/// Waits (at most 10 s) for the child to exit; returns its exit code and standard error.
fn wait(mut child: Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dingtalk-mock did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code(), stderr)
}

#[tokio::test]
async fn serves_until_sigterm_and_exits_zero() {
    let (child, url) = spawn(&["--port", "0", "--access-token", TOKEN, "--app-key", "k", "--app-secret", "appsekrit"]);
    let port: u16 = url.strip_prefix("http://127.0.0.1:").expect(&url).parse().expect(&url);
    assert_ne!(port, 0);

    let answer = post(&url, LIST, FORM, format!("access_token={TOKEN}&offset=0&size=20")).await;
    assert_eq!(names(&answer).len(), 4);
    let answer = list(&url, TOKEN, json!({"size": 101})).await;
    assert_eq!(answer.errcode(), 41101);
    let token = get(&url, "/gettoken?appkey=k&appsecret=appsekrit").await.json();
    let issued = token["access_token"].as_str().unwrap().to_owned();

    signal(&child, "TERM");
    let (code, stderr) = wait(child);
    assert_eq!(code, Some(0), "{stderr}");
    // One line per request, naming the operation, never a token or a secret.
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(lines[0].contains("ListLabelGroups") && lines[0].contains("errcode 0"), "{stderr}");
    assert!(lines[1].contains("errcode 41101"), "{stderr}");
    for secret in [TOKEN, "appsekrit", issued.as_str()] {
        assert!(!stderr.contains(secret), "{secret} leaked: {stderr}");
    }
}

#[tokio::test]
async fn stops_on_ctrl_c() {
    let (child, url) = spawn(&["--access-token", TOKEN]);
    assert_eq!(names(&list(&url, TOKEN, json!({})).await).len(), 4);
    signal(&child, "INT");
    let (code, stderr) = wait(child);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_bad_data_file_is_reported() {
    let (child, url) = spawn(&["--data", "/nonexistent/groups.json"]);
    assert_eq!(url, "");
    let (code, stderr) = wait(child);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot read data file /nonexistent/groups.json"), "{stderr}");
}

#[test]
fn an_app_key_needs_its_secret() {
    let (child, url) = spawn(&["--app-key", "k"]);
    assert_eq!(url, "");
    let (code, stderr) = wait(child);
    assert_eq!(code, Some(2), "{stderr}");
}
