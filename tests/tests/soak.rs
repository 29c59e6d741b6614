//! Soak: thousands of calls against the fake server with a fault on every third call. Every
//! call either succeeds or returns a typed error; nothing panics; memory stays flat.

use std::time::Duration;

use dingtalk_mock::{Fault, MockServer};
use dingtalk_oapi::{Client, Error, RetryPolicy};

/// Resident set size of this process, in bytes (Linux).
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("resident pages");
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_calls_with_faults_stay_typed_and_flat() {
    let server = MockServer::builder().access_token("soak-token").start().await.unwrap();
    let client = Client::builder()
        .base_url(server.url())
        .access_token("soak-token")
        .timeout(Duration::from_secs(2))
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1))
                .rate_limit_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2))
                // Flood protection asks for a 5 s wait: past this deadline the client reports it instead.
                .deadline(Duration::from_millis(500)),
        )
        // 3,600 calls as fast as the fake server answers: this test is about faults and memory;
        // the client-side rate limiter has tests of its own.
        .limits(dingtalk_oapi::Limits::off())
        .build()
        .unwrap();
    let faults = [
        Fault::SystemBusy,
        Fault::IspBusy,
        Fault::RateLimited,
        Fault::Http500,
        Fault::Http502Html,
        Fault::Delay(Duration::from_millis(5)),
        Fault::TokenExpired,
        Fault::DropConnection,
        Fault::FloodProtection,
    ];

    let run = async |calls: usize| {
        let (mut ok, mut typed_errors) = (0usize, 0usize);
        for i in 0..calls {
            if i % 3 == 2 {
                server.inject("ListLabelGroups", faults[(i / 3) % faults.len()], 1);
            }
            match client.list_label_groups().size(2).send().await {
                Ok(page) => {
                    assert_eq!(page.results.len(), 2);
                    ok += 1;
                }
                Err(Error::Api(_) | Error::Http(_) | Error::Transport(_) | Error::Decode(_)) => typed_errors += 1,
                Err(other) => panic!("unexpected error kind: {other:?}"),
            }
            if i % 500 == 499 {
                server.clear_requests();
            }
        }
        (ok, typed_errors)
    };

    let (ok, errors) = run(600).await; // warm up: pools, caches, allocator arenas
    assert_eq!(ok + errors, 600);
    let before = rss_bytes();
    let (ok, errors) = run(3000).await;
    let after = rss_bytes();
    assert_eq!(ok + errors, 3000);
    assert!(
        ok >= 2000,
        "most calls succeed (faults hit one call in three and are mostly retried): {ok} ok, {errors} errors"
    );
    let growth = after.saturating_sub(before);
    assert!(growth < 16 * 1024 * 1024, "memory grew by {growth} bytes over 3000 calls");
}
