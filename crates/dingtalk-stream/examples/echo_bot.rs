//! A robot that answers every message it is sent with the same text.
//!
//! ```sh
//! # against the built-in fake server: it sends the robot one message and shows the reply
//! cargo run -p dingtalk-stream --example echo_bot
//! # against DingTalk: the app's credentials (the robot's app, Stream mode on), until Ctrl-C
//! DINGTALK_APP_KEY=… DINGTALK_APP_SECRET=… cargo run -p dingtalk-stream --example echo_bot
//! ```

use std::time::Duration;

use dingtalk_stream::{StreamClient, TOPIC_ROBOT_MESSAGES};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    // No credentials: the fake server plays DingTalk.
    let sandbox = match (env("DINGTALK_APP_KEY"), env("DINGTALK_APP_SECRET")) {
        (Some(_), Some(_)) => None,
        _ => Some(dingtalk_mock::MockServer::builder().app("echo-demo", "echo-demo-secret").start().await?),
    };
    let (key, secret) = match &sandbox {
        Some(_) => ("echo-demo".to_owned(), "echo-demo-secret".to_owned()),
        None => (env("DINGTALK_APP_KEY").unwrap_or_default(), env("DINGTALK_APP_SECRET").unwrap_or_default()),
    };

    let mut builder = StreamClient::builder(key, secret).on_callback(TOPIC_ROBOT_MESSAGES, |message| async move {
        let text = message.data["text"]["content"].as_str().unwrap_or_default().trim().to_owned();
        let reply = message.reply()?;
        let sender: Vec<String> = reply.sender_staff_id().map(str::to_owned).into_iter().collect();
        let at: Vec<&str> = sender.iter().map(String::as_str).collect();
        reply.reply_text(format!("You said: {text}"), &at).await?;
        Ok(serde_json::Value::Null)
    });
    if let Some(server) = &sandbox {
        builder = builder.api_base_url(server.url());
    }
    let mut listener = builder.build()?.start();
    if !listener.connected().await {
        return Err("the listener ended before it connected".into());
    }
    match &sandbox {
        Some(server) => {
            server.push_robot_message("hello, robot", "user01", "2");
            for _ in 0..50 {
                if let Some(reply) = server.session_messages().pop() {
                    println!("the robot answered: {}", reply.body["text"]["content"]);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        None => {
            println!("listening; Ctrl-C to stop");
            tokio::signal::ctrl_c().await?;
        }
    }
    listener.stop(Duration::from_secs(10)).await?;
    Ok(())
}
