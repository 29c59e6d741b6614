//! The client-side rate limiter against a fake server that punishes: DingTalk's per-app, per-API
//! limit counted per wall-clock second (errcode 90018 past it).

use std::time::{Duration, Instant};

use dingtalk_mock::MockServer;
use dingtalk_oapi::runtime::time::VirtualTimer;
use dingtalk_oapi::{ApiErrorCode, Client, Error, Limits, RetryPolicy};

const TOKEN: &str = "limits-test-token";

async fn burst(client: &Client, calls: usize) -> (usize, usize, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_label_groups().size(1).send().await })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Api(e)) if e.code.code() == 90018 => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    (ok, refused, started.elapsed())
}

fn client(server: &MockServer, limits: Limits) -> Client {
    Client::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        // One attempt: a refusal must show, not be retried away.
        .retry(RetryPolicy::default().max_attempts(1).deadline(Duration::from_secs(60)))
        .limits(limits)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_keeps_a_burst_under_the_servers_limit_at_nearly_full_rate() {
    let server = MockServer::builder().access_token(TOKEN).qps_limit(20).start().await.unwrap();

    // Without a client-side limit, the server refuses most of a burst.
    let (_, refused, _) = burst(&client(&server, Limits::off()), 100).await;
    assert!(refused > 0, "the fake server punishes bursts");

    // With it: not one refusal, and the calls go at (nearly) the allowed rate.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (ok, refused, elapsed) = burst(&client(&server, Limits::default().per_api(20)), 100).await;
    assert_eq!((ok, refused), (100, 0));
    // 100 calls at 20 per second fill five wall-clock seconds: more than 3 s from the first call
    // (which may come late in its second) and, at 90 % efficiency, at most 5.6 s.
    assert!(elapsed <= Duration::from_millis(5_600), "100 calls took {elapsed:?}");
    assert!(elapsed > Duration::from_secs(3), "no second started more than 20: {elapsed:?}");
}

#[tokio::test]
async fn a_throttled_call_past_its_deadline_is_a_clear_error_and_sends_nothing() {
    let server = MockServer::builder().access_token(TOKEN).start().await.unwrap();
    // The limiter's clock starts at the beginning of a second (no sleep to get there), so both
    // calls fall in one window.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let client = Client::builder()
        .base_url(server.url())
        .access_token(TOKEN)
        .retry(RetryPolicy::default().deadline(Duration::from_millis(100)))
        .limits(Limits::default().operation("ListLabelGroups", 1))
        .timer(VirtualTimer::starting_at(Duration::from_secs(now.as_secs())))
        .build()
        .unwrap();
    client.list_label_groups().send().await.expect("the first call of the second");
    let err = client.list_label_groups().send().await.expect_err("the second waits past the deadline");
    assert!(matches!(err, Error::Throttled { permits: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("client-side rate limit (1 per 1s)"), "{err}");
    assert_eq!(server.requests().len(), 1, "nothing was sent for the throttled call");
}
