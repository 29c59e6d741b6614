//! [`RedisStore`]: the limiter's counters (and shared values) in Redis, so that every process
//! using the same Redis keeps one limit between them.
//!
//! A counter is one Lua script (`INCR`, and `PEXPIRE` on the first hit), atomic per key. When
//! Redis is down or slower than the timeout, calls are never failed: the store counts in this
//! process instead, logs one warning for the outage, tries Redis again at most once a second
//! (the connection manager reconnects), and logs when sharing resumes. The Redis URL's password
//! never appears in logs, errors or `Debug`.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{LimitStore, MemoryStore, StoreError};

const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// A sliding-window start: drop starts older than the window, grant when fewer than the
/// permits remain (recording this one, keyed by a unique member), else answer the
/// milliseconds until the oldest leaves. KEYS[1]: the log; ARGV: now (ms), window (ms),
/// permits, member.
const ADMIT: &str = r"
local now, window, permits = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < permits then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = window
if oldest[2] then wait = tonumber(oldest[2]) + window - now end
if wait < 1 then wait = 1 end
return wait
";

/// How often Redis is tried again during an outage.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Limits shared through Redis. Cheap to share (`Arc`); one per process is enough.
pub struct RedisStore {
    manager: ConnectionManager,
    script: redis::Script,
    admit: redis::Script,
    /// The URL without its password, for messages.
    shown: String,
    timeout: Duration,
    fallback: MemoryStore,
    /// When the current outage started being noticed (last failed try), if Redis is down.
    outage: Mutex<Option<Instant>>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore").field("url", &self.shown).field("timeout", &self.timeout).finish()
    }
}

/// `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<an unparsable Redis URL>".to_owned(),
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://[:password@]host[:port][/db]`); each store operation waits at
    /// most `timeout` (e.g. 100 ms) before counting in process instead.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let shown = redact_url(url);
        let client =
            redis::Client::open(url).map_err(|e| StoreError(format!("invalid Redis URL {shown}: {:?}", e.kind())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout.max(Duration::from_millis(500))))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let manager = tokio::time::timeout(
            timeout.max(Duration::from_secs(2)),
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| StoreError(format!("Redis at {shown} did not answer in time")))?
        .map_err(|e| StoreError(format!("cannot connect to Redis at {shown}: {:?}", e.kind())))?;
        Ok(RedisStore {
            manager,
            script: redis::Script::new(HIT),
            admit: redis::Script::new(ADMIT),
            shown,
            timeout,
            fallback: MemoryStore::new(),
            outage: Mutex::new(None),
        })
    }

    /// Whether to try Redis now: always when up; once a second during an outage.
    fn should_try(&self) -> bool {
        let outage = self.outage.lock().unwrap_or_else(|p| p.into_inner());
        outage.is_none_or(|since| since.elapsed() >= PROBE_EVERY)
    }

    fn failed(&self, why: &str) {
        let mut outage = self.outage.lock().unwrap_or_else(|p| p.into_inner());
        if outage.is_none() {
            tracing::warn!(
                redis = %self.shown,
                error = why,
                "Redis is unreachable; rate limits are counted in this process until it is back"
            );
        }
        *outage = Some(Instant::now());
    }

    fn succeeded(&self) {
        let mut outage = self.outage.lock().unwrap_or_else(|p| p.into_inner());
        if outage.take().is_some() {
            tracing::info!(redis = %self.shown, "Redis is reachable again; rate limits are shared again");
        }
    }

    /// Whether the store is counting in process because Redis is down.
    pub fn is_degraded(&self) -> bool {
        self.outage.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        if !self.should_try() {
            return None;
        }
        match tokio::time::timeout(self.timeout, cmd).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Some(value)
            }
            Ok(Err(e)) => {
                self.failed(&format!("{:?}", e.kind()));
                None
            }
            Err(_) => {
                self.failed("timed out");
                None
            }
        }
    }
}

impl LimitStore for RedisStore {
    fn hit<'a>(&'a self, key: &'a str, ttl: Duration) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut invocation = self.script.prepare_invoke();
            invocation.key(key).arg(ttl_ms);
            Ok(match self.run(invocation.invoke_async::<u64>(&mut conn)).await {
                Some(n) => n,
                None => self.fallback.hit_now(key, ttl),
            })
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let mut get = redis::cmd("GET");
            get.arg(key);
            match self.run(get.query_async::<Option<String>>(&mut conn)).await {
                Some(value) => Ok(value),
                None => self.fallback.get(key).await,
            }
        })
    }

    fn set<'a>(&'a self, key: &'a str, value: &'a str, ttl: Option<Duration>) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // Kept in process too, so that an outage does not lose it.
            self.fallback.set(key, value, ttl).await?;
            let mut conn = self.manager.clone();
            let mut cmd = redis::cmd("SET");
            cmd.arg(key).arg(value);
            if let Some(ttl) = ttl {
                cmd.arg("PX").arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
            }
            let set = cmd.query_async::<()>(&mut conn);
            match self.run(set).await {
                Some(()) => Ok(()),
                None => Err(StoreError(format!("Redis at {} is unreachable; kept in this process only", self.shown))),
            }
        })
    }

    fn admit<'a>(
        &'a self,
        key: &'a str,
        permits: u32,
        window: Duration,
        now: Duration,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let (now_ms, window_ms) = (now.as_millis() as u64, (window.as_millis() as u64).max(1));
            // Unique per start, whichever process records it.
            let member = format!("{now_ms}-{:016x}", rand::random::<u64>());
            let mut invocation = self.admit.prepare_invoke();
            invocation.key(key).arg(now_ms).arg(window_ms).arg(permits).arg(member);
            Ok(match self.run(invocation.invoke_async::<i64>(&mut conn)).await {
                Some(wait) if wait < 0 => None,
                Some(wait) => Some(Duration::from_millis(wait as u64)),
                None => self.fallback.admit_now(key, permits, window, now),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact_url("redis://user:s3cret@localhost:6379/0"), "redis://user:***@localhost:6379/0");
        assert_eq!(redact_url("redis://:s3cret@10.0.0.1/"), "redis://:***@10.0.0.1/");
        assert_eq!(redact_url("redis://localhost:6379"), "redis://localhost:6379");
        assert!(!redact_url("not a url s3cret").contains("s3cret"));
    }
}
