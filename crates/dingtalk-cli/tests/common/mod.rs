//! What the CLI's end-to-end tests share: running the `dingtalk` binary with a clean
//! environment, and the fake server as a separate `dingtalk-mock` process.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The `dingtalk` command with none of the environment's DingTalk settings and no stdin.
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dingtalk"));
    for var in [
        "DINGTALK_BASE_URL",
        "DINGTALK_ACCESS_TOKEN",
        "DINGTALK_APP_KEY",
        "DINGTALK_APP_SECRET",
        "DINGTALK_QPS",
        "DINGTALK_REDIS_URL",
        "DINGTALK_CALLBACK_TOKEN",
        "DINGTALK_CALLBACK_AES_KEY",
        "DINGTALK_ROBOT_WEBHOOK",
        "DINGTALK_ROBOT_SECRET",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

pub fn dingtalk(args: &[&str]) -> Output {
    command().args(args).output().expect("run dingtalk")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `dingtalk-mock` binary, built next to `dingtalk`. Built (or found up to date) once per
/// test process: a binary left over from an older build would answer with older code.
pub fn mock_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let dir = PathBuf::from(env!("CARGO_BIN_EXE_dingtalk")).parent().unwrap().to_path_buf();
    let path = dir.join(format!("dingtalk-mock{}", std::env::consts::EXE_SUFFIX));
    BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "dingtalk-mock", "--bin", "dingtalk-mock"])
            // Into the profile the tests were built with (`target/release` under --release).
            .args(dir.ends_with("release").then_some("--release"))
            .status()
            .expect("cargo build dingtalk-mock");
        assert!(status.success(), "building dingtalk-mock failed");
    });
    path
}

/// A `dingtalk-mock` process on a free port, accepting `token`; killed when dropped.
pub struct MockProcess {
    child: Child,
    pub url: String,
    token: String,
}

impl MockProcess {
    pub fn start(token: &str, extra: &[&str]) -> MockProcess {
        let mut child = Command::new(mock_binary())
            .args(["--port", "0", "--access-token", token])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dingtalk-mock");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("read the URL");
        let url = line.trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "first line is the base URL: {url:?}");
        MockProcess { child, url, token: token.to_owned() }
    }

    /// `dingtalk --base-url <this server> --access-token <its token> ARGS…`.
    pub fn run(&self, args: &[&str]) -> Output {
        command().args(["--base-url", &self.url, "--access-token", &self.token]).args(args).output().unwrap()
    }
}

impl MockProcess {
    /// `POST path` on this server with a JSON body; the answer's body as JSON.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).expect("connect to the fake server");
        let body = body.to_string();
        write!(
            stream,
            "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {answer}"))
    }

    /// `GET path` on this server, the body as JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).expect("connect to the fake server");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {answer}"))
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
