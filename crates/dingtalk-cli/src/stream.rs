//! `dingtalk stream listen`: Stream mode from the shell. Each event, robot message or callback
//! is handled (acked), printed as one JSON line on stdout, and a robot message answered with
//! `--reply TEXT` through its session webhook.

use std::time::Duration;

use clap::{Args, Subcommand};
use dingtalk_stream::{StreamClient, StreamError, TOPIC_ROBOT_MESSAGES};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{Failure, exit};

#[derive(Subcommand, Debug)]
pub enum Stream {
    /// Listen for events and robot messages (and `--topic` callbacks), one JSON line each.
    Listen(ListenArgs),
}

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Also subscribe to this callback topic (e.g. `/v1.0/card/instances/callback`); repeatable.
    #[arg(long = "topic", value_name = "TOPIC")]
    topics: Vec<String>,
    /// Exit 0 once this many messages have been handled.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    /// Answer each robot message with this text (mentioning its sender) through its session
    /// webhook.
    #[arg(long, value_name = "TEXT")]
    reply: Option<String>,
}

/// What the global flags give the listener.
pub struct Globals {
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    pub api_base_url: Option<String>,
    /// Runs once the listener is connected (the sandbox's sample messages).
    pub on_connect: Option<Box<dyn FnOnce() + Send>>,
}

pub async fn run(command: Stream, globals: Globals) -> Result<(), Failure> {
    let Stream::Listen(args) = command;
    let (Some(key), Some(secret)) = (globals.app_key, globals.app_secret) else {
        return Err(Failure::usage(
            "stream listen needs the app's credentials: --app-key and --app-secret (or DINGTALK_APP_KEY and DINGTALK_APP_SECRET)",
        ));
    };
    let (lines, mut printed) = mpsc::channel::<Value>(64);
    let mut builder = StreamClient::builder(key, secret);
    if let Some(url) = globals.api_base_url {
        builder = builder.api_base_url(url);
    }
    let events = lines.clone();
    builder = builder.on_event(move |event| {
        let events = events.clone();
        async move {
            let line = json!({
                "type": "EVENT", "topic": "*", "messageId": event.message_id,
                "eventType": event.event_type, "eventId": event.event_id, "data": event.data,
            });
            events.send(line).await.map_err(|_| "the listener is stopping")?;
            Ok(())
        }
    });
    let robot = lines.clone();
    let reply = args.reply.clone();
    builder = builder.on_callback(TOPIC_ROBOT_MESSAGES, move |message| {
        let robot = robot.clone();
        let reply = reply.clone();
        async move {
            if let Some(text) = reply {
                let session = message.reply()?;
                let sender = session.sender_staff_id().map(str::to_owned);
                let at: Vec<&str> = sender.as_deref().into_iter().collect();
                session.reply_text(text, &at).await?;
            }
            let line = json!({"type": "CALLBACK", "topic": message.topic, "messageId": message.message_id, "data": message.data});
            robot.send(line).await.map_err(|_| "the listener is stopping")?;
            Ok(Value::Null)
        }
    });
    for topic in args.topics.iter().filter(|t| t.as_str() != TOPIC_ROBOT_MESSAGES) {
        let callbacks = lines.clone();
        builder = builder.on_callback(topic.clone(), move |callback| {
            let callbacks = callbacks.clone();
            async move {
                let line = json!({"type": "CALLBACK", "topic": callback.topic, "messageId": callback.message_id, "data": callback.data});
                callbacks.send(line).await.map_err(|_| "the listener is stopping")?;
                Ok(Value::Null)
            }
        });
    }
    drop(lines);
    let handle = builder.build().map_err(|e| Failure::usage(e.to_string()))?.start();
    let mut on_connect = globals.on_connect;
    let mut handled = 0u64;
    let mut check = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            line = printed.recv() => {
                let Some(line) = line else { break };
                crate::output::print(&format!("{line}\n"))?;
                handled += 1;
                if args.count.is_some_and(|n| handled >= n) {
                    break;
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = check.tick() => {
                if handle.is_finished() {
                    break;
                }
                if handle.connections() > 0
                    && let Some(hook) = on_connect.take()
                {
                    hook();
                }
            }
        }
    }
    match handle.stop(Duration::from_secs(5)).await {
        Ok(()) => Ok(()),
        Err(e @ StreamError::Auth { .. }) => Err(Failure { code: exit::API, message: e.to_string() }),
        Err(e) => Err(Failure { code: exit::TRANSPORT, message: e.to_string() }),
    }
}
