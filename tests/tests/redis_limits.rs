//! Rate limits shared through a real `redis-server` (started here on a free loopback port, in a
//! temporary folder, and stopped after): four processes keep one limit between them; Redis
//! going away never fails a call; Redis coming back resumes sharing.
//!
//! `.ci/run` installs `redis-server` (Debian's package) when it is missing.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use dingtalk_mock::{MockServer, RedisServer as Redis};
use dingtalk_oapi::{LimitStore, RedisStore};
use serde_json::Value;

const TOKEN: &str = "redis-limits-token";

fn worker(base_url: &str, redis: &str, qps: u32, calls: usize, attempts: u32) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_limited-calls"))
        .args([base_url, TOKEN, redis, &qps.to_string(), &calls.to_string(), &attempts.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start limited-calls")
}

/// Waits (at most 60 s) for the worker's `ready` line; the rest of its stderr is collected by
/// the returned thread.
fn ready(child: &mut std::process::Child) -> std::thread::JoinHandle<String> {
    use std::io::BufRead;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let collect = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line == "ready" {
                let _ = tx.send(());
            } else {
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    });
    rx.recv_timeout(Duration::from_secs(60)).expect("the worker connects to Redis");
    collect
}

/// The report of a worker whose stderr [`ready`] took.
fn report_with(child: std::process::Child, stderr: std::thread::JoinHandle<String>) -> Value {
    let out = child.wait_with_output().expect("limited-calls ran");
    let stderr = stderr.join().unwrap_or_default();
    assert!(out.status.success(), "{stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn report(child: std::process::Child) -> Value {
    let out = child.wait_with_output().expect("limited-calls ran");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_limit_through_redis() {
    let redis = Redis::start();
    let server = MockServer::builder().access_token(TOKEN).qps_limit(20).start().await.unwrap();
    // One attempt per call: a refusal by the server would show as such.
    let workers: Vec<_> = (0..4).map(|_| worker(&server.url(), &redis.url(), 20, 100, 1)).collect();
    let reports: Vec<Value> =
        tokio::task::spawn_blocking(move || workers.into_iter().map(report).collect()).await.unwrap();
    let sum = |key: &str| reports.iter().map(|r| r[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("ok"), sum("refused"), sum("errors")), (400, 0, 0), "{reports:?}");
    let first = reports.iter().map(|r| r["first_ms"].as_u64().unwrap()).min().unwrap();
    let last = reports.iter().map(|r| r["last_ms"].as_u64().unwrap()).max().unwrap();
    // The server, counting per wall-clock second, refused nothing: no second saw more than 20.
    // 400 calls at 20 per second fill 20 wall-clock seconds, so more than 18 s pass from the
    // first start (which may come late in its second) to the last; at 90 % of the allowed rate,
    // at most 400 / 18 s.
    let seconds = (last - first) as f64 / 1000.0;
    assert!(seconds > 18.0, "more than 20 calls started in some second: {seconds} s");
    assert!(seconds <= 400.0 / 18.0, "below 90 % of the allowed rate: {seconds} s for 400 calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_fails_no_call_and_coming_back_resumes_sharing() {
    let mut redis = Redis::start();
    let store = RedisStore::connect(&redis.url(), Duration::from_millis(200)).await.expect("Redis is up");
    assert_eq!(store.hit("k:1", Duration::from_secs(10)).await, Ok(1));
    assert_eq!(store.hit("k:1", Duration::from_secs(10)).await, Ok(2));
    assert!(!store.is_degraded());

    // Two processes mid-run when Redis dies: every call still succeeds (retries absorb the
    // server's refusals while each process counts alone).
    let server = MockServer::builder().access_token(TOKEN).qps_limit(20).start().await.unwrap();
    let mut workers: Vec<_> = (0..2).map(|_| worker(&server.url(), &redis.url(), 20, 40, 5)).collect();
    // Both connected to Redis (however slowly the machine starts them) and calling.
    let stderr: Vec<_> = tokio::task::block_in_place(|| workers.iter_mut().map(ready).collect());
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.kill();
    let reports: Vec<Value> = tokio::task::spawn_blocking(move || {
        workers.into_iter().zip(stderr).map(|(child, stderr)| report_with(child, stderr)).collect()
    })
    .await
    .unwrap();
    for r in &reports {
        assert_eq!((r["ok"].as_u64(), r["errors"].as_u64()), (Some(40), Some(0)), "{r}");
    }

    // The store counts in process while Redis is down (never an error)…
    assert_eq!(store.hit("k:2", Duration::from_secs(10)).await, Ok(1));
    assert!(store.is_degraded(), "the outage is noticed");
    assert_eq!(store.hit("k:2", Duration::from_secs(10)).await, Ok(2));

    // …and shares again once Redis is back: the counter is Redis's again (a fresh server).
    redis.restart();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut back = None;
    for _ in 0..20 {
        back = Some(store.hit("k:3", Duration::from_secs(10)).await);
        if !store.is_degraded() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(!store.is_degraded(), "sharing resumed after Redis came back ({back:?})");
    let other = RedisStore::connect(&redis.url(), Duration::from_millis(200)).await.expect("Redis is up again");
    let seen = other.hit("k:3", Duration::from_secs(10)).await.unwrap();
    assert!(seen >= 2, "a second process sees the first one's count in Redis: {seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suite_tickets_and_corp_tokens_are_shared_through_redis() {
    let redis = Redis::start();
    let server = MockServer::builder().suite("suite-key-1", "suite-secret-9").start().await.unwrap();
    let store_a: Arc<dyn LimitStore> =
        Arc::new(RedisStore::connect(&redis.url(), Duration::from_millis(200)).await.unwrap());
    let store_b: Arc<dyn LimitStore> =
        Arc::new(RedisStore::connect(&redis.url(), Duration::from_millis(200)).await.unwrap());
    // Instance A received the ticket push; instance B never did.
    let suite_a = dingtalk_oapi::SuiteCredentials::with_store("suite-key-1", "suite-secret-9", store_a);
    let suite_b = dingtalk_oapi::SuiteCredentials::with_store("suite-key-1", "suite-secret-9", store_b);
    suite_a.set_ticket("ticket-42").await.expect("stored in Redis");
    let client_b = dingtalk_oapi::Client::builder()
        .base_url(server.url())
        .api_base_url(server.url())
        .token_provider(suite_b.corp("corp-7"))
        .build()
        .unwrap();
    let token_b = client_b.access_token().await.expect("B signs with A's ticket");
    let client_a = dingtalk_oapi::Client::builder()
        .base_url(server.url())
        .api_base_url(server.url())
        .token_provider(suite_a.corp("corp-7"))
        .build()
        .unwrap();
    let token_a = client_a.access_token().await.expect("A reuses B's token");
    assert_eq!(token_a.secret(), token_b.secret());
    let fetched = server.requests().iter().filter(|r| r.path == "/service/get_corp_token").count();
    assert_eq!(fetched, 1, "one instance fetched the corp token, the other reused it");

    // The new API's corp token likewise: fetched by one instance, reused by the other.
    let api_service = &dingtalk_oapi::generated::service::API_SERVICE;
    let api_b = client_b.access_token_for(api_service).await.expect("B fetches the new API's token");
    let api_a = client_a.access_token_for(api_service).await.expect("A reuses it");
    assert_eq!(api_a.secret(), api_b.secret());
    let fetched = server.requests().iter().filter(|r| r.path == "/v1.0/oauth2/corpAccessToken").count();
    assert_eq!(fetched, 1, "one fetch of the new API's corp token for both instances");
}
