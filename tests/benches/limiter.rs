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
    let high = Limits::default().per_api(1_000_000_000);
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

/// Calls per second achieved by `callers` concurrent callers over `seconds`, against a server
/// limited to 20 per second, with the client's limiter at 20.
fn achieved_rate(rt: &tokio::runtime::Runtime, server: &MockServer, callers: usize, seconds: u64) -> f64 {
    rt.block_on(async {
        let client = Client::builder()
            .base_url(server.url())
            .access_token("bench-token")
            .retry(RetryPolicy::default().max_attempts(1))
            .limits(Limits::default().per_api(20))
            .build()
            .unwrap();
        // Start at a second boundary, stop at one: whole wall-clock seconds are measured.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        tokio::time::sleep(Duration::from_millis(1000 - u64::from(now.subsec_millis()))).await;
        let until = Instant::now() + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    let mut ok = 0u64;
                    while Instant::now() < until {
                        if client.list_label_groups().size(1).send().await.is_ok() {
                            ok += 1;
                        }
                    }
                    ok
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        total as f64 / seconds as f64
    })
}

fn efficiency(_c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = rt.block_on(MockServer::builder().access_token("bench-token").qps_limit(20).start()).unwrap();
    for callers in [1, 4, 16] {
        let rate = achieved_rate(&rt, &server, callers, 5);
        println!("limiter_efficiency/{callers}_callers: {rate:.2} calls/s of 20 allowed = {:.3}", rate / 20.0);
    }
}

criterion_group!(benches, overhead, efficiency);
criterion_main!(benches);
