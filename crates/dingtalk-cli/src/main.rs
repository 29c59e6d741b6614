//! `dingtalk`: DingTalk's server API from the shell.
//!
//! ```text
//! dingtalk [--base-url URL] [--access-token TOKEN] [--app-key KEY --app-secret SECRET] [--sandbox]
//!          [--output table|json] [--timeout SECS] [--max-attempts N] [-v]
//!          call OPERATION [--param NAME=VALUE]... [--all]
//! dingtalk ext-contact list-label-groups [--size N] [--offset N] [--all]   (the spec's `cli:` commands)
//! dingtalk robot send --webhook URL [--secret SECRET] (--text TEXT | --markdown TITLE TEXT | --json FILE|-)
//!          [--at-mobile M]... [--at-user-id U]... [--at-all] [--msg-uuid ID]
//! dingtalk completions <shell>
//! ```
//!
//! Exit codes: 0 success; 2 usage or validation error (nothing sent); 3 DingTalk API error;
//! 4 transport, HTTP or decode error, or a deadline passed (a rate-limit wait past `--timeout`
//! sends nothing).

mod alias;
mod call;
mod callback;
mod output;
mod robot;
mod stream;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use dingtalk_oapi::{Client, RetryPolicy};

/// Exit codes, part of the command's contract.
pub mod exit {
    pub const OK: u8 = 0;
    pub const USAGE: u8 = 2;
    pub const API: u8 = 3;
    pub const TRANSPORT: u8 = 4;
}

/// Not `Debug`: it holds the access token and app secret.
#[derive(Parser)]
#[command(
    name = "dingtalk",
    version,
    about = "Call DingTalk's server API (OAPI) from the shell",
    after_help = "Friendly commands from the spec (each runs `call` with flags for its parameters): \
                  `dingtalk ext-contact --help`."
)]
pub struct Cli {
    /// Base URL of the old API, OAPI (default: the spec's default server).
    #[arg(long, global = true, env = "DINGTALK_BASE_URL")]
    base_url: Option<String>,
    /// Base URL of the new API, `api.dingtalk.com` (default: that host).
    #[arg(long, global = true, env = "DINGTALK_API_BASE_URL")]
    api_base_url: Option<String>,
    /// Access token to call with.
    #[arg(long, global = true, env = "DINGTALK_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// App key of an internal app; tokens are fetched with the app secret.
    #[arg(long, global = true, env = "DINGTALK_APP_KEY", requires = "app_secret")]
    app_key: Option<String>,
    /// App secret of an internal app (prefer the environment variable: arguments show in `ps`).
    #[arg(long, global = true, env = "DINGTALK_APP_SECRET", hide_env_values = true, requires = "app_key")]
    app_secret: Option<String>,
    /// Run against a built-in fake DingTalk server holding the documentation's example data
    /// (no credentials or base URL needed, and none taken).
    #[cfg(feature = "sandbox")]
    #[arg(long, global = true, conflicts_with_all = ["base_url", "api_base_url", "access_token", "app_key"])]
    sandbox: bool,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// Seconds one attempt may take (`robot send`: the whole send, the wait for room under the
    /// robot's limit included).
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: Option<u64>,
    /// Attempts per call, the first included (1 disables retries).
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=10))]
    max_attempts: Option<u32>,
    /// Client-side rate limit: calls per second per app per API (DingTalk's default limit is
    /// 20; paid packs raise it). 0 turns the limiter off.
    #[arg(long, global = true, value_name = "N", env = "DINGTALK_QPS")]
    qps: Option<u32>,
    /// Share the rate limit with every process using this Redis (`redis://[:password@]host[:port][/db]`).
    /// When Redis cannot be reached, the limit is kept in this process and the call goes ahead.
    #[arg(long, global = true, value_name = "URL", env = "DINGTALK_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Log each request and response summary to stderr (never tokens or secrets).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Any operation in the spec, by name: `call --list`, `call NAME --param k=v [--all]`.
    Call(call::CallArgs),
    /// A friendly command of the spec's `cli:` table (`ext-contact list-label-groups …`).
    #[command(external_subcommand)]
    Alias(Vec<String>),
    /// Decrypt or encrypt callback (event push) bodies, for debugging a callback URL.
    #[command(subcommand)]
    Callback(callback::Callback),
    /// Send group messages through a custom robot's webhook.
    #[command(subcommand)]
    Robot(robot::Robot),
    /// Stream mode: events, robot messages and callbacks over one outbound WebSocket.
    #[command(subcommand)]
    Stream(stream::Stream),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// A failure with the exit code it maps to; the message is one line for stderr.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { code: exit::USAGE, message: message.into() }
    }
}

fn main() -> ExitCode {
    let globals: Vec<(String, bool)> = Cli::command()
        .get_arguments()
        .filter(|a| a.is_global_set())
        .filter_map(|a| Some((a.get_long()?.to_owned(), a.get_action().takes_values())))
        .collect();
    let argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let cli = Cli::parse_from(alias::hoist_globals(argv, &globals));
    if cli.verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::new("dingtalk_oapi=debug,dingtalk=debug"))
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .init();
    }
    if let Command::Completions { shell } = cli.command {
        let mut script = Vec::new();
        let mut command = Cli::command().subcommands(alias::commands());
        clap_complete::generate(shell, &mut command, "dingtalk", &mut script);
        // A closed pipe (`| head`) is not an error worth a message.
        let _ = std::io::stdout().write_all(&script);
        return ExitCode::SUCCESS;
    }
    if let Command::Call(args) = &cli.command
        && !call::needs_client(args)
    {
        return finish(call::list_only(args, cli.output));
    }
    if let Command::Callback(cmd) = cli.command {
        return finish(callback::run(cmd));
    }
    // A friendly command's flags are checked (and its help printed) before any client exists.
    let alias = match &cli.command {
        Command::Alias(argv) => match alias::parse(argv) {
            Ok(Some(parsed)) => Some(parsed),
            Ok(None) => return ExitCode::SUCCESS,
            Err(f) => return finish(Err(f)),
        },
        _ => None,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::TRANSPORT);
        }
    };
    finish(runtime.block_on(run(cli, alias)))
}

fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(feature = "sandbox")]
macro_rules! sandbox_hint {
    () => {
        ", or use --sandbox"
    };
}
#[cfg(not(feature = "sandbox"))]
macro_rules! sandbox_hint {
    () => {
        ""
    };
}

/// The sandbox's custom robot: its webhook's token and its secret.
#[cfg(feature = "sandbox")]
const SANDBOX_ROBOT_TOKEN: &str = "sandbox-robot-token";
#[cfg(feature = "sandbox")]
const SANDBOX_ROBOT_SECRET: &str = "SECsandbox-robot-secret";

/// The sandbox's app (Stream mode's open call takes its key and secret).
#[cfg(feature = "sandbox")]
const SANDBOX_APP_KEY: &str = "sandbox-app-key";
#[cfg(feature = "sandbox")]
const SANDBOX_APP_SECRET: &str = "sandbox-app-secret";

/// The built-in fake server, and a builder pointed at it.
#[cfg(feature = "sandbox")]
async fn start_sandbox(
    builder: dingtalk_oapi::ClientBuilder,
) -> Result<(dingtalk_oapi::ClientBuilder, Box<dyn std::any::Any>), Failure> {
    const SANDBOX_TOKEN: &str = "sandbox-access-token";
    let server = dingtalk_mock::MockServer::builder()
        .access_token(SANDBOX_TOKEN)
        .app(SANDBOX_APP_KEY, SANDBOX_APP_SECRET)
        .robot("sandbox", SANDBOX_ROBOT_TOKEN, Some(SANDBOX_ROBOT_SECRET))
        .start()
        .await
        .map_err(|e| Failure { code: exit::TRANSPORT, message: format!("cannot start the sandbox: {e}") })?;
    let builder = builder.base_url(server.url()).api_base_url(server.url()).access_token(SANDBOX_TOKEN);
    Ok((builder, Box::new(std::sync::Arc::new(server))))
}

async fn run(cli: Cli, alias: Option<alias::Parsed>) -> Result<(), Failure> {
    // Keeps the sandbox server alive for the whole command.
    let mut _sandbox: Option<Box<dyn std::any::Any>> = None;
    let mut builder = Client::builder();
    #[allow(unused_mut)]
    let mut sandbox_url: Option<String> = None;
    #[cfg(feature = "sandbox")]
    {
        if cli.sandbox {
            let (b, server) = start_sandbox(builder).await?;
            sandbox_url = server.downcast_ref::<std::sync::Arc<dingtalk_mock::MockServer>>().map(|s| s.url());
            builder = b;
            _sandbox = Some(server);
        }
    }
    if let Command::Stream(command) = cli.command {
        #[allow(unused_mut)]
        let mut globals = stream::Globals {
            app_key: cli.app_key.clone(),
            app_secret: cli.app_secret.clone(),
            api_base_url: cli.api_base_url.clone(),
            on_connect: None,
        };
        #[cfg(feature = "sandbox")]
        if let Some(server) =
            _sandbox.as_ref().and_then(|s| s.downcast_ref::<std::sync::Arc<dingtalk_mock::MockServer>>())
        {
            // The sandbox's app, and a sample event and robot message once connected.
            globals.app_key = Some(SANDBOX_APP_KEY.to_owned());
            globals.app_secret = Some(SANDBOX_APP_SECRET.to_owned());
            globals.api_base_url = Some(server.url());
            let server = server.clone();
            globals.on_connect = Some(Box::new(move || {
                server.push_stream_event(
                    "user_add_org",
                    serde_json::json!({"userId": ["user01"], "timeStamp": 1700000000000i64}),
                );
                server.push_robot_message("hello", "user01", "2");
            }));
        }
        return stream::run(command, globals).await;
    }
    if let Command::Robot(command) = cli.command {
        #[cfg(feature = "sandbox")]
        let sandbox = sandbox_url.map(|url| {
            (format!("{url}/robot/send?access_token={SANDBOX_ROBOT_TOKEN}"), SANDBOX_ROBOT_SECRET.to_owned())
        });
        #[cfg(not(feature = "sandbox"))]
        let sandbox = sandbox_url.map(|url| (url, String::new()));
        let globals = robot::Globals {
            output: cli.output,
            timeout: cli.timeout,
            max_attempts: cli.max_attempts,
            redis_url: cli.redis_url.clone(),
            sandbox,
        };
        return robot::run(command, globals).await;
    }
    if _sandbox.is_none() {
        if let Some(url) = &cli.base_url {
            builder = builder.base_url(url);
        }
        if let Some(url) = &cli.api_base_url {
            builder = builder.api_base_url(url);
        }
        builder = match (&cli.access_token, &cli.app_key, &cli.app_secret) {
            (Some(token), _, _) => builder.access_token(token),
            (None, Some(key), Some(secret)) => builder.token_provider(dingtalk_oapi::AppCredentials::new(key, secret)),
            _ => {
                return Err(Failure::usage(concat!(
                    "no credentials: pass --access-token (or DINGTALK_ACCESS_TOKEN), --app-key and --app-secret ",
                    "(or DINGTALK_APP_KEY and DINGTALK_APP_SECRET)",
                    sandbox_hint!()
                )));
            }
        };
    }
    if let Some(secs) = cli.timeout {
        builder = builder.timeout(Duration::from_secs(secs));
    }
    match cli.qps {
        Some(0) => builder = builder.limits(dingtalk_oapi::Limits::off()),
        Some(n) => builder = builder.limits(dingtalk_oapi::Limits::default().per_api(n)),
        None => {}
    }
    if let Some(url) = &cli.redis_url {
        match dingtalk_oapi::RedisStore::connect(url, Duration::from_millis(200)).await {
            Ok(store) => builder = builder.limit_store(std::sync::Arc::new(store)),
            // Never a reason to fail the call: the limit is kept in this process instead.
            Err(e) => eprintln!("warning: {e}; the rate limit is kept in this process"),
        }
    }
    if let Some(n) = cli.max_attempts {
        builder = builder.retry(RetryPolicy::default().max_attempts(n));
    }
    let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
    // With a base URL given for one service, a call of a service without one (and its token)
    // would still go to DingTalk itself. Say so rather than send it.
    let pointed = _sandbox.is_none() && (cli.base_url.is_some() || cli.api_base_url.is_some());
    match cli.command {
        Command::Alias(_) => {
            let Some(a) = alias else { return Err(Failure::usage("no command given")) };
            call::execute(&client, a.command.operation, a.params, a.all, a.output.unwrap_or(cli.output), pointed).await
        }
        Command::Call(args) => call::run(&client, args, cli.output, pointed).await,
        Command::Completions { .. } | Command::Callback(_) | Command::Robot(_) | Command::Stream(_) => {
            unreachable!("handled before the client is built")
        }
    }
}
