//! Rate-limiter benchmarks (see BENCHMARKS.md), each against a baseline in the same run:
//!
//! - overhead of one permit: `Limiter::acquire` with the in-process store and with Redis,
//!   against no limiter (`Limits::off()`), the limit high enough that nobody waits;
//! - efficiency: calls per second achieved against a fake server limited to 20 per second, for
//!   1, 4 and 16 concurrent callers, divided by the 20 allowed (printed, not timed by criterion).
//!
//! Needs `redis-server` on the PATH (started on a free loopback port, stopped after).

use std::hint::black_box;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dingtalk_mock::MockServer;
use dingtalk_oapi::runtime::limit::Limiter;
use dingtalk_oapi::{Client, Limits, MemoryStore, RedisStore, RetryPolicy};

struct Redis(Child, u16);

impl Redis {
    fn start(dir: &std::path::Path) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server on the PATH");
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis(child, port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let redis = Redis::start(dir.path());
    let url = format!("redis://127.0.0.1:{}/", redis.1);
    // Nobody waits: a limit nobody reaches, and no edge margin (which makes callers near the
    // end of a second wait for the next one).
    let high = Limits { edge_margin: Duration::ZERO, per_process: None, ..Limits::default().per_api(1_000_000_000) };
    let none = Limiter::new(Limits::off(), Arc::new(MemoryStore::new()));
    let memory = Limiter::new(high.clone(), Arc::new(MemoryStore::new()));
    let shared = rt.block_on(RedisStore::connect(&url, Duration::from_millis(200))).expect("Redis");
    let shared = Limiter::new(high, Arc::new(shared));
    let far = Instant::now() + Duration::from_secs(3600);
    let mut group = c.benchmark_group("limiter_acquire");
    for (name, limiter) in [("none", &none), ("in_process", &memory), ("redis", &shared)] {
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(limiter.acquire(black_box("app"), black_box("ListUsers"), far)).unwrap())
        });
    }
    group.finish();
}

/// Efficiency of `callers` concurrent callers making `calls` calls in all, against a server
/// limited to 20 per second, with the client's limiter at 20: calls / (20 × the wall-clock
/// seconds their completions span). 1.0 means every second was used to the full.
fn efficiency_of(rt: &tokio::runtime::Runtime, server: &MockServer, callers: usize, calls: usize) -> (f64, u64) {
    rt.block_on(async {
        let client = Client::builder()
            .base_url(server.url())
            .access_token("bench-token")
            .retry(RetryPolicy::default().max_attempts(1))
            .limits(Limits::default().per_api(20))
            .build()
            .unwrap();
        let left = Arc::new(std::sync::atomic::AtomicUsize::new(calls));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (client, left) = (client.clone(), left.clone());
                tokio::spawn(async move {
                    let mut seconds = Vec::new();
                    while left
                        .fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| {
                            n.checked_sub(1)
                        })
                        .is_ok()
                    {
                        client.list_label_groups().size(1).send().await.expect("no refusal");
                        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
                        seconds.push(now.as_secs());
                    }
                    seconds
                })
            })
            .collect();
        let mut seconds = Vec::new();
        for t in tasks {
            seconds.extend(t.await.unwrap());
        }
        let span = seconds.iter().max().unwrap() - seconds.iter().min().unwrap() + 1;
        (calls as f64 / (20.0 * span as f64), span)
    })
}

fn efficiency(_c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = rt.block_on(MockServer::builder().access_token("bench-token").qps_limit(20).start()).unwrap();
    for callers in [1, 4, 16] {
        // Each configuration has a limiter of its own: let the previous one's second pass, or
        // the server (counting per token) would see both in one second.
        std::thread::sleep(Duration::from_millis(1100));
        let (efficiency, span) = efficiency_of(&rt, &server, callers, 200);
        println!(
            "limiter_efficiency/{callers}_callers: 200 calls over {span} wall-clock seconds = {efficiency:.3} of the allowed rate"
        );
    }
}

criterion_group!(benches, overhead, efficiency);
criterion_main!(benches);
