//! Client-side rate limits, so that DingTalk never has to refuse a call.
//!
//! DingTalk counts calls per app (or per app and authorised organization) per API in each
//! wall-clock second (20 for a standard organization), and per IP in 20-second windows (10,000).
//! The limiter counts the same way, before each attempt: a permit is the increment of a counter
//! keyed by (app, operation, second). The first `permits` increments of a window are granted;
//! later callers sleep until the next window starts and try again.
//!
//! **Why at most N calls start in any wall-clock second, even at window edges.** Windows are
//! aligned to the Unix clock (`floor(now / window)`), not to the first call, so two adjacent
//! windows never overlap and each has its own counter: whatever the timing, a window grants at
//! most N. A caller refused near the end of a window waits for the next boundary and competes
//! there like everyone else. Grants are not given in the last [`Limits::edge_margin`] of a
//! window (default 50 ms): a request granted at 0.99 s could reach DingTalk at 1.01 s and be
//! counted with the next second's N. With a [`LimitStore`] shared by several processes (Redis),
//! the counter is shared too, so the bound holds across all of them, as long as their clocks
//! agree to within the margin (NTP).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;

use crate::time::{Timer, TokioTimer};

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use self::redis::{RedisStore, redact_url};

/// At most `permits` calls start in each aligned window of `window` or, `sliding`, in any
/// `window` at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Calls that may start in one window.
    pub permits: u32,
    /// The window's length; windows are aligned to the Unix clock unless `sliding`.
    pub window: Duration,
    /// Counted over the last `window` before each call (a log of start times) instead of aligned
    /// windows: for limits DingTalk counts that way, such as a custom robot's 20 messages per
    /// minute, where two aligned minutes could hold 40 messages within two seconds.
    pub sliding: bool,
}

impl Rule {
    /// `permits` per second.
    pub const fn per_second(permits: u32) -> Self {
        Rule { permits, window: Duration::from_secs(1), sliding: false }
    }

    /// At most `permits` starts in any `window` (e.g. 20 in any 60 s).
    pub const fn sliding(permits: u32, window: Duration) -> Self {
        Rule { permits, window, sliding: true }
    }
}

/// The limits a client keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Per app (or app and organization) per operation; DingTalk's default is 20 per second.
    pub per_api: Option<Rule>,
    /// Overrides of `per_api` for some operations, by operation name (paid packs raise a limit).
    pub per_operation: HashMap<String, Rule>,
    /// Per process, all operations together: DingTalk's per-IP rule, 10,000 per 20 s.
    pub per_process: Option<Rule>,
    /// No grant this close to the end of a window (default 50 ms); see the module docs.
    pub edge_margin: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_api: Some(Rule::per_second(20)),
            per_operation: HashMap::new(),
            per_process: Some(Rule { permits: 10_000, window: Duration::from_secs(20), sliding: false }),
            edge_margin: Duration::from_millis(50),
        }
    }
}

impl Limits {
    /// No client-side limits at all.
    pub fn off() -> Self {
        Limits { per_api: None, per_operation: HashMap::new(), per_process: None, edge_margin: Duration::ZERO }
    }

    /// `permits` per second per app per operation (the per-process rule stays).
    pub fn per_api(mut self, permits: u32) -> Self {
        self.per_api = Some(Rule::per_second(permits));
        self
    }

    /// `permits` per second for the operation named `name` (e.g. `ListUsers`; the new API's by
    /// group and name, `contact_1_0.GetUser`).
    pub fn operation(mut self, name: impl Into<String>, permits: u32) -> Self {
        self.per_operation.insert(name.into(), Rule::per_second(permits));
        self
    }

    /// `rule` for the operation named `name` instead of the per-API one.
    pub fn operation_rule(mut self, name: impl Into<String>, rule: Rule) -> Self {
        self.per_operation.insert(name.into(), rule);
        self
    }

    fn rule_for(&self, operation: &str) -> Option<Rule> {
        self.per_operation.get(operation).copied().or(self.per_api)
    }
}

/// A store could not be reached or answered nonsense; the limiter falls back to counting in
/// process. Never holds a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// Where counters (and shared values such as a suite ticket) live: in this process, or in a
/// server several processes share.
pub trait LimitStore: Send + Sync + fmt::Debug + 'static {
    /// Counts one start for `key` in its current window (the key names the window) and returns
    /// the count, this one included. The counter may be forgotten after `ttl`.
    fn hit<'a>(&'a self, key: &'a str, ttl: Duration) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// A shared value, if set and not expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>>;
    /// Sets a shared value, forgotten after `ttl` when given.
    fn set<'a>(&'a self, key: &'a str, value: &'a str, ttl: Option<Duration>) -> BoxFuture<'a, Result<(), StoreError>>;

    /// A sliding-window start for `key`: granted (`None`) when fewer than `permits` starts were
    /// granted in the `window` before `now` (Unix time), and then recorded; else how long until
    /// the oldest of them leaves the window. A store that cannot keep such a log answers an
    /// error, and the limiter keeps it in process instead (the default).
    fn admit<'a>(
        &'a self,
        key: &'a str,
        permits: u32,
        window: Duration,
        now: Duration,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        let _ = (key, permits, window, now);
        Box::pin(async { Err(StoreError("this store keeps no sliding windows".to_owned())) })
    }
}

/// Counters in this process: the default store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    counters: Mutex<HashMap<String, (u64, SystemTime)>>,
    values: Mutex<HashMap<String, (String, Option<SystemTime>)>>,
    /// Sliding windows: each key's start times (at most its `permits` of them).
    logs: Mutex<HashMap<String, std::collections::VecDeque<Duration>>>,
}

/// Most counters kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The count after one more start (synchronous: the fallback of a remote store uses it).
    pub fn hit_now(&self, key: &str, ttl: Duration) -> u64 {
        let now = SystemTime::now();
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if counters.len() >= SWEEP_AT {
            counters.retain(|_, (_, expires)| *expires > now);
        }
        let entry = counters.entry(key.to_owned()).or_insert((0, now + ttl));
        entry.0 += 1;
        entry.0
    }

    /// A sliding-window start (synchronous; see [`LimitStore::admit`]).
    pub fn admit_now(&self, key: &str, permits: u32, window: Duration, now: Duration) -> Option<Duration> {
        let mut logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        if logs.len() >= SWEEP_AT {
            logs.retain(|_, starts| starts.back().is_some_and(|last| *last + window > now));
        }
        let starts = logs.entry(key.to_owned()).or_default();
        while starts.front().is_some_and(|first| *first + window <= now) {
            starts.pop_front();
        }
        if starts.len() < permits as usize {
            starts.push_back(now);
            return None;
        }
        // Full: the oldest start leaves the window first (permits 0: never).
        Some(starts.front().map_or(window, |first| (*first + window).saturating_sub(now)).max(Duration::from_millis(1)))
    }

    fn get_now(&self, key: &str) -> Option<String> {
        let values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        values.get(key).filter(|(_, expires)| expires.is_none_or(|at| at > SystemTime::now())).map(|(v, _)| v.clone())
    }

    fn set_now(&self, key: &str, value: &str, ttl: Option<Duration>) {
        let expires = ttl.map(|t| SystemTime::now() + t);
        self.values.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), (value.to_owned(), expires));
    }
}

impl LimitStore for MemoryStore {
    fn hit<'a>(&'a self, key: &'a str, ttl: Duration) -> BoxFuture<'a, Result<u64, StoreError>> {
        let count = self.hit_now(key, ttl);
        Box::pin(async move { Ok(count) })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let value = self.get_now(key);
        Box::pin(async move { Ok(value) })
    }

    fn set<'a>(&'a self, key: &'a str, value: &'a str, ttl: Option<Duration>) -> BoxFuture<'a, Result<(), StoreError>> {
        self.set_now(key, value, ttl);
        Box::pin(async { Ok(()) })
    }

    fn admit<'a>(
        &'a self,
        key: &'a str,
        permits: u32,
        window: Duration,
        now: Duration,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        let wait = self.admit_now(key, permits, window, now);
        Box::pin(async move { Ok(wait) })
    }
}

/// Why a call did not get a permit in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    /// The rule that refused the call.
    pub rule: Rule,
    /// How long the call would have had to wait.
    pub wait: Duration,
}

/// The window a moment falls in and how long until it ends.
fn window_of(now: Duration, window: Duration) -> (u64, Duration) {
    let w = window.as_millis().max(1);
    let ms = now.as_millis();
    let id = u64::try_from(ms / w).unwrap_or(u64::MAX);
    let left = Duration::from_millis(u64::try_from(w - ms % w).unwrap_or(0));
    (id, left)
}

/// The limiter: rules and the store that counts them. Cheap to share.
#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    store: std::sync::Arc<dyn LimitStore>,
    process: MemoryStore,
    timer: std::sync::Arc<dyn Timer>,
}

impl Limiter {
    /// A limiter keeping `limits`: per-API counts in `store`, the per-process rule in memory, on
    /// the Tokio clock.
    pub fn new(limits: Limits, store: std::sync::Arc<dyn LimitStore>) -> Self {
        Limiter { limits, store, process: MemoryStore::new(), timer: std::sync::Arc::new(TokioTimer) }
    }

    /// The same limiter on another clock (a [`VirtualTimer`](crate::time::VirtualTimer) in tests).
    pub fn with_timer(mut self, timer: std::sync::Arc<dyn Timer>) -> Self {
        self.timer = timer;
        self
    }

    /// The limits it keeps.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether no rule applies at all ([`Limits::off`]): calls need no permit.
    pub fn is_off(&self) -> bool {
        self.limits.per_api.is_none() && self.limits.per_operation.is_empty() && self.limits.per_process.is_none()
    }

    /// Waits for a permit to start a call of `operation` for `identity` (an app or an app and
    /// organization), or fails when the wait would end after `deadline`.
    pub async fn acquire(
        &self,
        identity: &str,
        operation: &str,
        deadline: std::time::Instant,
    ) -> Result<(), Throttled> {
        let api = self.limits.rule_for(operation);
        let process = self.limits.per_process;
        loop {
            let mut wait = Duration::ZERO;
            let mut refused = None;
            for (rule, shared) in [(api, true), (process, false)] {
                let Some(rule) = rule else { continue };
                if rule.sliding {
                    // The window is taken a margin longer: a call granted now may reach DingTalk a
                    // little later, and its log is kept by DingTalk's clock.
                    let window = rule.window + self.limits.edge_margin;
                    let key = format!("dingtalk:limit:{identity}:{operation}:sliding:{}", rule.window.as_millis());
                    let now = self.timer.unix_now();
                    let store = if shared { &*self.store } else { &self.process as &dyn LimitStore };
                    let admitted = match store.admit(&key, rule.permits, window, now).await {
                        Ok(admitted) => admitted,
                        Err(_) => self.process.admit_now(&key, rule.permits, window, now),
                    };
                    if let Some(left) = admitted {
                        wait = wait.max(left);
                        refused = Some(rule);
                        break;
                    }
                    continue;
                }
                let (id, left) = window_of(self.timer.unix_now(), rule.window);
                if left <= self.limits.edge_margin && rule.window > self.limits.edge_margin {
                    wait = wait.max(left);
                    refused = Some(rule);
                    break;
                }
                let ttl = rule.window * 2;
                let count = if shared {
                    let key = format!("dingtalk:limit:{identity}:{operation}:{}:{id}", rule.window.as_millis());
                    self.store.hit(&key, ttl).await.unwrap_or_else(|_| self.process.hit_now(&key, ttl))
                } else {
                    self.process.hit_now(&format!("process:{}:{id}", rule.window.as_millis()), ttl)
                };
                if count > u64::from(rule.permits) {
                    wait = wait.max(left);
                    refused = Some(rule);
                    break;
                }
            }
            let Some(rule) = refused else { return Ok(()) };
            if self.timer.now().checked_add(wait).is_none_or(|at| at > deadline) {
                return Err(Throttled { rule, wait });
            }
            tracing::debug!(operation, wait_ms = wait.as_millis() as u64, "waiting for a rate-limit permit");
            self.timer.sleep(wait).await;
        }
    }

    /// The store (for shared values such as suite tickets).
    pub fn store(&self) -> &std::sync::Arc<dyn LimitStore> {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::VirtualTimer;
    use std::sync::Arc;

    #[test]
    fn windows_are_aligned_to_the_clock() {
        assert_eq!(window_of(Duration::from_millis(12_345), Duration::from_secs(1)), (12, Duration::from_millis(655)));
        assert_eq!(window_of(Duration::from_millis(40_000), Duration::from_secs(20)), (2, Duration::from_secs(20)));
    }

    /// A limiter on a virtual clock that starts `offset` into a second: waits take no real time.
    fn virtual_limiter(limits: Limits, offset: Duration) -> (Limiter, VirtualTimer) {
        let timer = VirtualTimer::starting_at(Duration::from_secs(1_700_000_000) + offset);
        (Limiter::new(limits, Arc::new(MemoryStore::new())).with_timer(Arc::new(timer)), timer)
    }

    #[tokio::test(start_paused = true)]
    async fn a_sliding_rule_holds_in_every_window_not_just_aligned_ones() {
        // Starting 59.9 s into a minute: aligned minutes would grant 20 now and 20 at 60 s.
        let limits = Limits { edge_margin: Duration::from_millis(50), ..Limits::off() }
            .operation_rule("robot.Send", Rule::sliding(20, Duration::from_secs(60)));
        let (limiter, timer) = virtual_limiter(limits, Duration::from_millis(59_900));
        let limiter = Arc::new(limiter);
        let start = timer.unix_now();
        let deadline = timer.now() + Duration::from_secs(300);
        let tasks: Vec<_> = (0..45)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire("robot-a", "robot.Send", deadline).await.unwrap();
                    timer.unix_now() - start
                })
            })
            .collect();
        let mut at = Vec::new();
        for t in tasks {
            at.push(t.await.unwrap());
        }
        at.sort();
        assert!(at[..20].iter().all(|t| *t == Duration::ZERO), "the first 20 go at once: {at:?}");
        // The 21st waits until the first has left the window (60 s and the margin).
        assert_eq!(at[20], Duration::from_millis(60_050));
        for (i, t) in at.iter().enumerate() {
            let in_window = at.iter().filter(|u| **u >= *t && **u < *t + Duration::from_secs(60)).count();
            assert!(in_window <= 20, "{in_window} starts in the minute from start {i} ({t:?})");
        }
        // Another robot has its own window.
        limiter.acquire("robot-b", "robot.Send", timer.now()).await.expect("robot-b waits for nothing");
        // A wait past the deadline is refused at once, with how long it would have been: the last
        // 5 of the 45 started just now, so 15 more go and the next would wait.
        let soon = timer.now() + Duration::from_secs(1);
        for _ in 0..15 {
            limiter.acquire("robot-a", "robot.Send", soon).await.expect("room for 15 more");
        }
        let refused = limiter.acquire("robot-a", "robot.Send", soon).await.unwrap_err();
        assert!(refused.rule.sliding && refused.wait > Duration::from_secs(1), "{refused:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn no_second_ever_starts_more_than_the_limit() {
        let (limiter, timer) = virtual_limiter(Limits::default().per_api(10), Duration::from_millis(700));
        let limiter = Arc::new(limiter);
        let deadline = timer.now() + Duration::from_secs(30);
        let tasks: Vec<_> = (0..35)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire("app", "ListUsers", deadline).await.unwrap();
                    timer.unix_now().as_secs()
                })
            })
            .collect();
        let mut per_second: HashMap<u64, u32> = HashMap::new();
        for t in tasks {
            *per_second.entry(t.await.unwrap()).or_default() += 1;
        }
        assert!(per_second.values().all(|n| *n <= 10), "{per_second:?}");
        assert_eq!(per_second.values().sum::<u32>(), 35);
        // 10 in the first second's 250 ms before its edge margin, then 10 a second: four seconds.
        assert_eq!(per_second.len(), 4, "{per_second:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_is_refused_and_other_keys_are_free() {
        // At the start of a second, so that no window edge falls inside the test.
        let limits = Limits::default().per_api(2).operation("GetUser", 1);
        let (limiter, timer) = virtual_limiter(limits, Duration::ZERO);
        let soon = timer.now() + Duration::from_millis(1);
        let far = timer.now() + Duration::from_secs(5);
        limiter.acquire("app", "GetUser", far).await.unwrap();
        let err = limiter.acquire("app", "GetUser", soon).await.unwrap_err();
        assert_eq!(err.rule, Rule::per_second(1));
        limiter.acquire("other-app", "GetUser", soon).await.expect("another app has its own counter");
        limiter.acquire("app", "ListUsers", soon).await.expect("another operation has its own counter");
        let off = Limiter::new(Limits::off(), Arc::new(MemoryStore::new()));
        for _ in 0..1000 {
            off.acquire("app", "GetUser", soon).await.unwrap();
        }
    }
}
