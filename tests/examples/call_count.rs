//! A deterministic companion to the call-overhead benchmark: N calls of one page of
//! `ListLabelGroups`, typed through the client or hand-written with reqwest + serde, against
//! the in-process fake server (`loopback`) or, with no socket at all, a replay of the same
//! answer (`replay`: the client's encode, token, protocol and decode path, against a
//! hand-written encode and decode). For `valgrind --tool=callgrind`, whose instruction counts
//! repeat run after run (see BENCHMARKS.md):
//!
//! `cargo build --release -p dingtalk-tests --example call_count`
//! `valgrind --tool=callgrind target/release/examples/call_count loopback typed 200`

use std::hint::black_box;

use dingtalk_mock::MockServer;
use dingtalk_oapi::runtime::transport::{ReplayTransport, Reply};
use dingtalk_oapi::{Client, Limits, RetryPolicy};
use dingtalk_tests::hand::{HandPage, groups as hand_groups};

const TOKEN: &str = "bench-token";

fn client(builder: dingtalk_oapi::ClientBuilder) -> Client {
    builder.access_token(TOKEN).retry(RetryPolicy::none()).limits(Limits::off()).build().unwrap()
}

async fn hand_call(http: &reqwest::Client, url: &str) -> usize {
    dingtalk_tests::hand::hand_call(http, url, TOKEN, 0, 100).await.results.len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (place, who, n) = (args[1].as_str(), args[2].as_str(), args[3].parse::<usize>().unwrap());
    // `CALL_COUNT_GROUPS=4`: a small page instead of 100 groups.
    let size: usize = std::env::var("CALL_COUNT_GROUPS").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    // `CALL_COUNT_THREADS=2`: a two-worker runtime, as the criterion benchmark uses.
    let rt = match std::env::var("CALL_COUNT_THREADS").ok().and_then(|n| n.parse().ok()) {
        Some(n) => tokio::runtime::Builder::new_multi_thread().worker_threads(n).enable_all().build().unwrap(),
        None => tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
    };
    rt.block_on(async {
        match place {
            "loopback" => {
                let data = serde_json::Value::Array(hand_groups(size));
                let server = MockServer::builder().access_token(TOKEN).data(data).unwrap().start().await.unwrap();
                let url = server.url();
                let http = dingtalk_oapi::runtime::transport::http_client();
                let typed = client(Client::builder().base_url(&url));
                for _ in 0..n {
                    let count = match who {
                        "hand" => hand_call(&http, &url).await,
                        _ => typed.list_label_groups().size(100).offset(0).send().await.unwrap().results.len(),
                    };
                    assert_eq!(black_box(count), size);
                }
            }
            _ => {
                let page =
                    serde_json::json!({"errcode": 0, "results": hand_groups(size), "request_id": "51jof1jt5f4t"});
                let body = serde_json::to_vec(&page).unwrap();
                let mut replay = ReplayTransport::new();
                for _ in 0..n {
                    replay = replay.push(Reply::json(200, body.clone()));
                }
                let typed = client(Client::builder().base_url("https://oapi.example.test").transport(replay));
                for _ in 0..n {
                    let count = match who {
                        "hand" => {
                            let request = format!("{{\"offset\":{},\"size\":{}}}", 0, 100);
                            black_box(request);
                            serde_json::from_slice::<HandPage>(black_box(&body)).unwrap().results.len()
                        }
                        _ => typed.list_label_groups().size(100).offset(0).send().await.unwrap().results.len(),
                    };
                    assert_eq!(black_box(count), size);
                }
            }
        }
    });
}
