//! `dingtalk robot send`: a message to a group through a custom robot's webhook, signed when
//! the robot has a secret, and kept under the robot's 20 messages a minute (shared through
//! Redis with `--redis-url`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use dingtalk_oapi::robot::{RobotMessage, SendRequest};
use dingtalk_oapi::{CallOptions, RetryPolicy, RobotWebhook};

use crate::{Failure, Output};

#[derive(Subcommand, Debug)]
pub enum Robot {
    /// Send a message: `--text`, `--markdown TITLE TEXT`, or a whole JSON message with `--json`.
    Send(SendArgs),
}

/// Not printed with `Debug` values: the webhook holds the robot's token.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("message").required(true).args(["text", "markdown", "json"])))]
pub struct SendArgs {
    /// The robot's webhook, `https://oapi.dingtalk.com/robot/send?access_token=…`.
    #[arg(long, env = "DINGTALK_ROBOT_WEBHOOK", hide_env_values = true)]
    webhook: Option<String>,
    /// The robot's secret (`SEC…`), when its security setting is "signature".
    #[arg(long, env = "DINGTALK_ROBOT_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// A text message.
    #[arg(long)]
    text: Option<String>,
    /// A Markdown message: its title (shown in the conversation list), then its text.
    #[arg(long, num_args = 2, value_names = ["TITLE", "TEXT"])]
    markdown: Option<Vec<String>>,
    /// A whole message as JSON (`{"msgtype": "actionCard", "actionCard": {…}}`), from a file or
    /// `-` (standard input); the flags below add to it.
    #[arg(long, value_name = "FILE|-")]
    json: Option<PathBuf>,
    /// Mention the group member with this mobile number (repeatable).
    #[arg(long = "at-mobile", value_name = "MOBILE")]
    at_mobiles: Vec<String>,
    /// Mention the group member with this user ID (repeatable).
    #[arg(long = "at-user-id", value_name = "USER_ID")]
    at_user_ids: Vec<String>,
    /// Mention everyone.
    #[arg(long)]
    at_all: bool,
    /// An idempotency key: DingTalk posts a message once per key, so a retry is safe.
    #[arg(long, value_name = "ID")]
    msg_uuid: Option<String>,
}

impl std::fmt::Debug for SendArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendArgs { .. }")
    }
}

/// What the global flags say about the call.
pub struct Globals {
    pub output: Output,
    /// Seconds the whole call may take (the wait for room under the limit included).
    pub timeout: Option<u64>,
    pub max_attempts: Option<u32>,
    pub redis_url: Option<String>,
    /// The sandbox's webhook and secret, when running against it.
    pub sandbox: Option<(String, String)>,
}

pub async fn run(command: Robot, globals: Globals) -> Result<(), Failure> {
    let Robot::Send(args) = command;
    let (webhook, secret) = match (args.webhook.clone(), &globals.sandbox) {
        (Some(url), _) => (url, args.secret.clone()),
        (None, Some((url, secret))) => (url.clone(), args.secret.clone().or_else(|| Some(secret.clone()))),
        (None, None) => {
            return Err(Failure::usage("no webhook: pass --webhook URL (or set DINGTALK_ROBOT_WEBHOOK)"));
        }
    };
    let request = request(&args)?;
    let mut builder = RobotWebhook::builder(webhook);
    if let Some(secret) = secret {
        builder = builder.secret(secret);
    }
    if let Some(n) = globals.max_attempts {
        builder = builder.retry(RetryPolicy::default().max_attempts(n));
    }
    if let Some(url) = &globals.redis_url {
        match dingtalk_oapi::RedisStore::connect(url, Duration::from_millis(200)).await {
            Ok(store) => builder = builder.limit_store(Arc::new(store)),
            Err(e) => eprintln!("warning: {e}; the robot's limit is kept in this process"),
        }
    }
    let robot = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
    let mut options = CallOptions::new();
    if let Some(secs) = globals.timeout {
        options = options.timeout(Duration::from_secs(secs));
    }
    let response = robot.send_request(request).with_options(options).send().await.map_err(crate::call::failure)?;
    match globals.output {
        Output::Json => crate::output::json(&response),
        Output::Table => crate::output::print("sent\n"),
    }
}

/// The request the flags describe.
fn request(args: &SendArgs) -> Result<SendRequest, Failure> {
    let mut request = match (&args.text, &args.markdown, &args.json) {
        (Some(text), _, _) => SendRequest::new().message(RobotMessage::text(text)),
        (_, Some(parts), _) => match parts.as_slice() {
            [title, text] => SendRequest::new().message(RobotMessage::markdown(title, text)),
            _ => return Err(Failure::usage("--markdown takes a title and a text")),
        },
        (_, _, Some(path)) => {
            let map = crate::call::read_request(path)?;
            serde_json::from_value(serde_json::Value::Object(map))
                .map_err(|e| Failure::usage(format!("{}: not a robot message: {e}", path.display())))?
        }
        _ => return Err(Failure::usage("give --text, --markdown or --json")),
    };
    let mentions = !args.at_mobiles.is_empty() || !args.at_user_ids.is_empty() || args.at_all;
    if mentions {
        let mut at = request.at.take().unwrap_or_default();
        if !args.at_mobiles.is_empty() {
            at.at_mobiles.get_or_insert_with(Vec::new).extend(args.at_mobiles.iter().cloned());
        }
        if !args.at_user_ids.is_empty() {
            at.at_user_ids.get_or_insert_with(Vec::new).extend(args.at_user_ids.iter().cloned());
        }
        if args.at_all {
            at.is_at_all = Some(true);
        }
        request.at = Some(at);
    }
    if let Some(uuid) = &args.msg_uuid {
        request.msg_uuid = Some(uuid.clone());
    }
    Ok(request)
}
