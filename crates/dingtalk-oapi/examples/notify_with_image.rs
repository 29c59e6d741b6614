//! Upload an image and send it to people as a work notification.
//!
//! ```sh
//! DINGTALK_APP_KEY=… DINGTALK_APP_SECRET=… DINGTALK_AGENT_ID=… \
//!     cargo run -p dingtalk-oapi --example notify_with_image -- chart.png user01 user02
//! # against the fake server instead of DingTalk:
//! cargo run -p dingtalk-mock -- --port 8080 --access-token demo &
//! DINGTALK_ACCESS_TOKEN=demo DINGTALK_BASE_URL=http://127.0.0.1:8080 DINGTALK_AGENT_ID=1 \
//!     cargo run -p dingtalk-oapi --example notify_with_image -- chart.png user01
//! ```
//!
//! The first argument is the image (jpg, gif, png or bmp, at most 20 MB); the others are the
//! user IDs to notify.

use dingtalk_oapi::runtime::Upload;
use dingtalk_oapi::{Client, Error, WorkImage};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut args = std::env::args().skip(1);
    let image = args.next().ok_or("usage: notify_with_image IMAGE USERID...")?;
    let users: Vec<String> = args.collect();
    if users.is_empty() {
        return Err("name at least one user ID to notify".into());
    }
    let agent_id: i64 = env("DINGTALK_AGENT_ID").ok_or("set DINGTALK_AGENT_ID (the app's AgentId)")?.parse()?;
    let mut builder = Client::builder();
    if let Some(url) = env("DINGTALK_BASE_URL") {
        builder = builder.base_url(url);
    }
    builder = match (env("DINGTALK_ACCESS_TOKEN"), env("DINGTALK_APP_KEY"), env("DINGTALK_APP_SECRET")) {
        (Some(token), _, _) => builder.access_token(token),
        (None, Some(key), Some(secret)) => builder.token_provider(dingtalk_oapi::AppCredentials::new(key, secret)),
        _ => return Err("set DINGTALK_ACCESS_TOKEN, or DINGTALK_APP_KEY and DINGTALK_APP_SECRET".into()),
    };
    let client = builder.build()?;

    // The file is read when the call is made, after its size is checked (20 MB for an image).
    let uploaded = match client.upload_media("image", Upload::path(&image)).send().await {
        Ok(uploaded) => uploaded,
        Err(Error::Api(e)) => {
            // e.g. 40005: not an image format DingTalk takes; 40006: too large for DingTalk.
            eprintln!("DingTalk refused the upload: {e}");
            std::process::exit(3);
        }
        Err(e) => return Err(e.into()),
    };
    let media_id = uploaded.media_id.ok_or("DingTalk answered no media_id")?;

    let sent = client.async_send_v2(agent_id, WorkImage::new().media_id(media_id)).userid_list(users).send().await?;
    // Accepted is not delivered: GetSendResult lists who DingTalk dropped (daily limits).
    println!("task {}", sent.task_id.unwrap_or_default());
    Ok(())
}
