//! A deterministic companion to the decode benchmarks: decodes a 100-group page N times with
//! the chosen decoder, for `valgrind --tool=callgrind` to count instructions (repeatable, unlike
//! wall-clock time on a shared machine). See BENCHMARKS.md.
//!
//! `cargo build --release -p dingtalk-tests --example decode_count`
//! `valgrind --tool=callgrind target/release/examples/decode_count generated 200`

use std::hint::black_box;

use dingtalk_tests::hand::HandPage;

fn page(n: usize) -> Vec<u8> {
    let results: Vec<_> = (0..n)
        .map(|i| {
            let labels: Vec<_> = (0..5)
                .map(|j| serde_json::json!({"name": format!("label {i}.{j}"), "id": 1_561_077_310i64 + (i * 5 + j) as i64}))
                .collect();
            serde_json::json!({"name": format!("group {i}"), "color": -15220075, "labels": labels})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"errcode": 0, "results": results, "request_id": "51jof1jt5f4t"})).unwrap()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "generated".into());
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let body = page(100);
    for _ in 0..times {
        match which.as_str() {
            "hand" => drop(black_box(serde_json::from_slice::<HandPage>(black_box(&body)).unwrap())),
            "generated" => drop(black_box(
                serde_json::from_slice::<dingtalk_oapi::ListLabelGroupsResponse>(black_box(&body)).unwrap(),
            )),
            "full" => drop(black_box(
                dingtalk_oapi::decode_response::<dingtalk_oapi::ListLabelGroups>(200, None, black_box(&body)).unwrap(),
            )),
            "value" => drop(black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap())),
            other => panic!("unknown decoder {other}: hand, generated, full or value"),
        }
    }
}
