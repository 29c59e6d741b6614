//! A deterministic companion to the pagination benchmark: walks 10,000 groups from the
//! in-process fake server with the generated paginator or a hand-written reqwest loop, for
//! `valgrind --tool=callgrind` to count instructions. The count includes the fake server's own
//! work, the same for both. See BENCHMARKS.md.
//!
//! `cargo build --release -p dingtalk-tests --example paginate_count`
//! `valgrind --tool=callgrind target/release/examples/paginate_count paginator`

use dingtalk_mock::MockServer;
use dingtalk_oapi::{Client, RetryPolicy};
use dingtalk_tests::hand::HandPage;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "paginator".into());
    let groups: Vec<_> = (0..10_000)
        .map(|i| serde_json::json!({"name": format!("group {i}"), "color": -1, "labels": [{"name": "l", "id": i}]}))
        .collect();
    let server = MockServer::builder()
        .access_token("t")
        .data(serde_json::json!({ "label_groups": groups }))
        .unwrap()
        .start()
        .await
        .unwrap();
    let url = server.url();
    let count = match which.as_str() {
        "none" => 0,
        "paginator" => {
            let client = Client::builder().base_url(&url).access_token("t").retry(RetryPolicy::none()).build().unwrap();
            client.list_label_groups().into_paginator().collect_all().await.unwrap().len()
        }
        "hand" => {
            let http = dingtalk_oapi::runtime::transport::http_client();
            let (mut offset, mut all) = (0, 0);
            loop {
                let bytes = http
                    .post(format!("{url}/topapi/extcontact/listlabelgroups?access_token=t"))
                    .header("content-type", "application/json;charset=UTF-8")
                    .body(format!("{{\"offset\":{offset},\"size\":100}}"))
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                let page: HandPage = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(page.errcode, 0);
                let n = page.results.len();
                all += n;
                if n < 100 {
                    break all;
                }
                offset += n;
            }
        }
        other => panic!("unknown walker {other}: paginator, hand or none"),
    };
    println!("{count}");
}
