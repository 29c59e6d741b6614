//! A real `redis-server` for tests: started on a free loopback port, in a folder of its own
//! (removed after), and killed when dropped. Tests of shared rate limits use it instead of any
//! mock of Redis; `.ci/run` installs Debian's `redis-server` package when it is missing.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` on 127.0.0.1.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one on a free port and waits (at most 10 s) until it accepts connections.
    ///
    /// # Panics
    /// If `redis-server` is not installed or does not start.
    pub fn start() -> RedisServer {
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let dir = std::env::temp_dir().join(format!("dingtalk-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder for redis-server");
        let mut redis = RedisServer { child: None, port, dir };
        redis.restart();
        redis
    }

    /// Starts it again on the same port (after [`kill`](Self::kill)); it starts empty.
    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (.ci/run installs Debian's redis-server package)");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < until, "redis-server did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it (an outage, for tests of what happens then).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
