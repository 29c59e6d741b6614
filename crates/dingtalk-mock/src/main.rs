//! `dingtalk-mock`: runs the fake DingTalk server until Ctrl-C or SIGTERM.
//!
//! Prints the base URL as the first line of standard output; logs one line per request to
//! standard error (set `RUST_LOG` to change the level). The Stream-mode gateway is always on:
//! `POST /v1.0/gateway/connections/open` hands out tickets for `ws://<address>/connect`.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use dingtalk_mock::{MockError, MockServer};

/// A fake DingTalk OAPI server for tests, serving every operation of the spec.
#[derive(Debug, Parser)]
#[command(name = "dingtalk-mock", version)]
struct Args {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0, env = "DINGTALK_MOCK_PORT")]
    port: u16,
    /// JSON file with the stores' contents: {"label_groups": [...]} or a bare array of label groups.
    #[arg(long, value_name = "FILE", env = "DINGTALK_MOCK_DATA")]
    data: Option<PathBuf>,
    /// App key that GET /gettoken, POST /v1.0/oauth2/accessToken and the Stream-mode gateway's
    /// POST /v1.0/gateway/connections/open accept (with --app-secret).
    #[arg(long, value_name = "KEY", requires = "app_secret", env = "DINGTALK_MOCK_APP_KEY")]
    app_key: Option<String>,
    /// App secret of --app-key.
    #[arg(long, value_name = "SECRET", requires = "app_key", env = "DINGTALK_MOCK_APP_SECRET", hide_env_values = true)]
    app_secret: Option<String>,
    /// A token accepted forever (may be repeated). Without one, the tokens of the spec's examples are accepted.
    #[arg(long, value_name = "TOKEN")]
    access_token: Vec<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 7200, env = "DINGTALK_MOCK_TOKEN_TTL")]
    token_ttl: u64,
    /// Refuse calls past N per second per token and path, as DingTalk does: errcode 90018 (old
    /// OAPI), HTTP 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` (new API).
    /// A custom robot whose webhook (`/robot/send?access_token=TOKEN`) accepts messages, signed
    /// with SECRET when given (repeatable); `GET /mock/robot/messages` lists what they accepted.
    #[arg(long, value_name = "NAME:TOKEN[:SECRET]")]
    robot: Vec<String>,
    /// Seconds a robot that sent more than 20 messages in a minute stays throttled.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    robot_penalty: u64,
    #[arg(long, value_name = "N", env = "DINGTALK_MOCK_QPS_LIMIT")]
    qps_limit: Option<u32>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("dingtalk-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    // Listen for the signals before the URL is printed, so a caller may signal us right away.
    let signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("dingtalk-mock: cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match build(args).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("dingtalk-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", server.url()).and_then(|()| stdout.flush());
    drop(stdout);
    tracing::info!("listening on {}", server.url());
    let signal = signals.wait().await;
    tracing::info!("{signal}: shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

async fn build(args: Args) -> Result<MockServer, MockError> {
    let mut builder = MockServer::builder().port(args.port).token_ttl(Duration::from_secs(args.token_ttl));
    if let Some(limit) = args.qps_limit {
        builder = builder.qps_limit(limit);
    }
    if let Some(path) = &args.data {
        builder = builder.data_file(path)?;
    }
    if let (Some(key), Some(secret)) = (args.app_key, args.app_secret) {
        builder = builder.app(key, secret);
    }
    for token in args.access_token {
        builder = builder.access_token(token);
    }
    builder = builder.robot_penalty(Duration::from_secs(args.robot_penalty));
    for robot in &args.robot {
        let mut parts = robot.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(name), Some(token), secret) if !name.is_empty() && !token.is_empty() => {
                builder = builder.robot(name, token, secret.filter(|s| !s.is_empty()));
            }
            _ => {
                return Err(MockError::Data {
                    reason: format!(
                        "--robot takes NAME:TOKEN[:SECRET], not `{}`",
                        robot.split(':').next().unwrap_or_default()
                    ),
                });
            }
        }
    }
    builder.start().await
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// Waits for one; returns its name.
    async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
