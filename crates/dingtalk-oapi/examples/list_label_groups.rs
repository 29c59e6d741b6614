//! List every tag group of external contacts.
//!
//! ```sh
//! DINGTALK_APP_KEY=… DINGTALK_APP_SECRET=… cargo run -p dingtalk-oapi --example list_label_groups
//! # or with a token you already have, against any server (e.g. `dingtalk-mock`):
//! DINGTALK_ACCESS_TOKEN=… DINGTALK_BASE_URL=http://127.0.0.1:8080 cargo run -p dingtalk-oapi --example list_label_groups
//! ```

use dingtalk_oapi::{Client, Error};
use futures_util::TryStreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
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

    let mut groups = client.list_label_groups().into_paginator().items();
    loop {
        match groups.try_next().await {
            Ok(Some(group)) => {
                let labels: Vec<_> = group.labels.iter().filter_map(|l| l.name.as_deref()).collect();
                println!("{}: {}", group.name.as_deref().unwrap_or("?"), labels.join(", "));
            }
            Ok(None) => break,
            Err(Error::Api(e)) => {
                eprintln!("DingTalk refused the call: {e}");
                std::process::exit(3);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
