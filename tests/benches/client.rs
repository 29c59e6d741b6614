//! Client benchmarks, each against a baseline in the same run (see BENCHMARKS.md):
//! call overhead vs a minimal reqwest + serde call, decoding vs hand-written structs and
//! `serde_json::Value`, and pagination vs a hand-written page loop.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dingtalk_mock::MockServer;
use dingtalk_oapi::{Client, Limits, ListLabelGroups, ListLabelGroupsResponse, RetryPolicy, decode_response};
use dingtalk_tests::hand::{HandPage, groups as hand_groups};

const TOKEN: &str = "bench-token";

fn groups(n: usize) -> serde_json::Value {
    serde_json::json!({ "label_groups": hand_groups(n) })
}

fn page_body(n: usize) -> Vec<u8> {
    let mut page = serde_json::json!({"errcode": 0, "request_id": "51jof1jt5f4t"});
    page["results"] = groups(n)["label_groups"].clone();
    serde_json::to_vec(&page).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

async fn hand_call(http: &reqwest::Client, url: &str, offset: i64, size: i64) -> HandPage {
    dingtalk_tests::hand::hand_call(http, url, TOKEN, offset, size).await
}

/// One typed call against the in-process fake server beside the same call written by hand with
/// reqwest + serde, in the same run: a page of the documentation's 4 groups (`small`), and a
/// page of 100 groups of 5 labels (`page_100`, a full page as DingTalk sends it).
fn call_overhead(c: &mut Criterion) {
    call_overhead_with(c, "call_overhead", None, 20);
    call_overhead_with(c, "call_overhead_page_100", Some(groups(100)), 100);
}

fn call_overhead_with(c: &mut Criterion, name: &str, data: Option<serde_json::Value>, size: i64) {
    // Each side gets a fresh runtime and server: what one side left behind (the server's record of
    // thousands of requests, a warm heap) must not weigh on the other.
    let fresh = || {
        let rt = runtime();
        let server = rt
            .block_on(async {
                let builder = MockServer::builder().access_token(TOKEN);
                let builder = match &data {
                    Some(data) => builder.data(data.clone()).unwrap(),
                    None => builder,
                };
                builder.start().await
            })
            .unwrap();
        (rt, server)
    };
    let mut group = c.benchmark_group(name);
    {
        let (rt, server) = fresh();
        let (url, http) = (server.url(), dingtalk_oapi::runtime::transport::http_client());
        group.bench_function("baseline_reqwest_serde", |b| b.to_async(&rt).iter(|| hand_call(&http, &url, 0, size)));
    }
    {
        let (rt, server) = fresh();
        // The client-side rate limiter (20 calls a second by default) would pace the benchmark:
        // off, as in the hand-written call (its own cost is the limiter benchmark's).
        let client = Client::builder()
            .base_url(server.url())
            .access_token(TOKEN)
            .retry(RetryPolicy::none())
            .limits(Limits::off())
            .build()
            .unwrap();
        group.bench_function("generated_client", |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(client.list_label_groups().size(size).offset(0).send().await.unwrap()) })
        });
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let reference = dingtalk_oapi::generated::mock::extcontact::LIST_LABEL_GROUPS_MOCK.examples[0]
        .response
        .unwrap()
        .as_bytes()
        .to_vec();
    for (name, body) in [("reference", reference), ("page_100", page_body(100))] {
        let mut group = c.benchmark_group(format!("decode_{name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("baseline_hand_written_structs", |b| {
            b.iter(|| black_box(serde_json::from_slice::<HandPage>(black_box(&body)).unwrap()))
        });
        group.bench_function("generated_types", |b| {
            b.iter(|| black_box(serde_json::from_slice::<ListLabelGroupsResponse>(black_box(&body)).unwrap()))
        });
        group.bench_function("serde_json_value", |b| {
            b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap()))
        });
        group.bench_function("generated_full_decode_path", |b| {
            b.iter(|| {
                black_box(decode_response::<ListLabelGroups>(200, Some("application/json"), black_box(&body)).unwrap())
            })
        });
        group.finish();
    }
}

fn pagination(c: &mut Criterion) {
    let rt = runtime();
    let server = rt
        .block_on(async { MockServer::builder().access_token(TOKEN).data(groups(10_000)).unwrap().start().await })
        .unwrap();
    let url = server.url();
    let client = Client::builder()
        .base_url(&url)
        .access_token(TOKEN)
        .retry(RetryPolicy::none())
        .limits(Limits::off())
        .build()
        .unwrap();
    let http = dingtalk_oapi::runtime::transport::http_client();
    let mut group = c.benchmark_group("pagination_10k_groups");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("baseline_hand_written_loop", |b| {
        b.to_async(&rt).iter(|| async {
            let (mut offset, mut all) = (0, Vec::new());
            loop {
                let page = hand_call(&http, &url, offset, 100).await;
                let n = page.results.len() as i64;
                all.extend(page.results);
                if n < 100 {
                    break;
                }
                offset += n;
            }
            assert_eq!(all.len(), 10_000);
        })
    });
    group.bench_function(BenchmarkId::new("generated_paginator", "collect_all"), |b| {
        b.to_async(&rt).iter(|| async {
            let all = client.list_label_groups().into_paginator().collect_all().await.unwrap();
            assert_eq!(all.len(), 10_000);
        })
    });
    group.finish();
}

criterion_group!(benches, call_overhead, decode, pagination);
criterion_main!(benches);
