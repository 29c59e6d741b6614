//! A process that makes many calls under a (possibly Redis-shared) rate limit, for the
//! multi-process limiter tests. Prints one JSON line: how many calls succeeded, were refused by
//! the server's rate limit (90018), or failed otherwise, and when the first and last started.
//!
//! Once connected to Redis (and before its first call) it prints `ready` on stderr.
//!
//! `limited-calls BASE_URL TOKEN REDIS_URL|- QPS CALLS ATTEMPTS`

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dingtalk_oapi::{ApiErrorCode, Client, Error, Limits, RedisStore, RetryPolicy};

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, token, redis_url, qps, calls, attempts] = args.as_slice() else {
        eprintln!("usage: limited-calls BASE_URL TOKEN REDIS_URL|- QPS CALLS ATTEMPTS");
        std::process::exit(2);
    };
    let (qps, calls, attempts): (u32, usize, u32) =
        (qps.parse().expect("QPS"), calls.parse().expect("CALLS"), attempts.parse().expect("ATTEMPTS"));
    let mut builder = Client::builder()
        .base_url(base_url)
        .access_token(token)
        .retry(RetryPolicy::default().max_attempts(attempts).deadline(Duration::from_secs(120)))
        .limits(Limits::default().per_api(qps));
    if redis_url != "-" {
        let store = RedisStore::connect(redis_url, Duration::from_millis(200)).await.expect("Redis at start");
        builder = builder.limit_store(Arc::new(store));
    }
    eprintln!("ready");
    let client = builder.build().expect("client");
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let result = client.list_label_groups().size(1).send().await;
                (now_ms(), result)
            })
        })
        .collect();
    let (mut ok, mut refused, mut errors, mut last) = (0, 0, 0, 0);
    let first = now_ms();
    for t in tasks {
        let (at, result) = t.await.expect("task");
        last = last.max(at);
        match result {
            Ok(_) => ok += 1,
            Err(Error::Api(e)) if e.code.code() == 90018 => refused += 1,
            Err(e) => {
                eprintln!("{e}");
                errors += 1;
            }
        }
    }
    println!(
        "{}",
        serde_json::json!({"ok": ok, "refused": refused, "errors": errors, "first_ms": first, "last_ms": last})
    );
}
