//! Call overhead as a paired ratio: the typed call and the same call hand-written with reqwest +
//! serde, against one in-process fake server, measured in alternating rounds so that the VM's
//! drift (which moves criterion's separate measurements by ±20 %) weighs on both alike. Each
//! round times `BATCH` calls of one, then `BATCH` of the other (which goes first alternates);
//! the ratio of a round is typed / hand-written, and the median over the rounds is reported
//! with its quartiles.
//!
//! `cargo bench -p dingtalk-tests --bench call_ratio` (see BENCHMARKS.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use dingtalk_mock::MockServer;
use dingtalk_oapi::{Client, Limits, RetryPolicy};
use dingtalk_tests::hand::groups as hand_groups;

const TOKEN: &str = "bench-token";
const ROUNDS: usize = 120;
const BATCH: usize = 20;

fn groups(n: usize) -> serde_json::Value {
    serde_json::json!({ "label_groups": hand_groups(n) })
}

async fn hand_call(http: &reqwest::Client, url: &str, size: i64) -> usize {
    dingtalk_tests::hand::hand_call(http, url, TOKEN, 0, size).await.results.len()
}

fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}

fn measure(name: &str, data: Option<serde_json::Value>, size: i64) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let builder = MockServer::builder().access_token(TOKEN);
        let builder = match data {
            Some(data) => builder.data(data).unwrap(),
            None => builder,
        };
        let server = builder.start().await.unwrap();
        let url = server.url();
        let http = dingtalk_oapi::runtime::transport::http_client();
        let client = Client::builder()
            .base_url(&url)
            .access_token(TOKEN)
            .retry(RetryPolicy::none())
            .limits(Limits::off())
            .build()
            .unwrap();
        let hand = || async {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(hand_call(&http, &url, size).await);
            }
            start.elapsed()
        };
        let typed = || async {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(client.list_label_groups().size(size).offset(0).send().await.unwrap());
            }
            start.elapsed()
        };
        // Warm up both (connections, allocator, caches).
        hand().await;
        typed().await;
        let (mut ratios, mut hand_total, mut typed_total) = (Vec::new(), Duration::ZERO, Duration::ZERO);
        for round in 0..ROUNDS {
            let (h, t) = if round % 2 == 0 {
                let h = hand().await;
                (h, typed().await)
            } else {
                let t = typed().await;
                (hand().await, t)
            };
            hand_total += h;
            typed_total += t;
            ratios.push(t.as_secs_f64() / h.as_secs_f64());
        }
        let (q1, median, q3) = quartiles(ratios);
        let per_call = |d: Duration| d / (ROUNDS * BATCH) as u32;
        println!(
            "{name}: typed / hand-written per call, median of {ROUNDS} paired rounds of {BATCH} calls: {median:.3} \
             (quartiles {q1:.3}..{q3:.3}); mean times {:?} vs {:?}",
            per_call(typed_total),
            per_call(hand_total)
        );
    });
}

fn main() {
    // `cargo bench` passes `--bench`; a filter, if any, picks the cases by name.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let cases: [(&str, Option<serde_json::Value>, i64); 2] =
        [("call_ratio/small", None, 20), ("call_ratio/page_100", Some(groups(100)), 100)];
    for (name, data, size) in cases {
        if filter.as_deref().is_none_or(|f| name.contains(f)) {
            measure(name, data, size);
        }
    }
}
