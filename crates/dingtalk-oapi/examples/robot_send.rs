//! Send a message to a group through a custom robot, signed when the robot has a secret.
//!
//! ```sh
//! DINGTALK_ROBOT_WEBHOOK='https://oapi.dingtalk.com/robot/send?access_token=…' DINGTALK_ROBOT_SECRET=SEC… \
//!     cargo run -p dingtalk-oapi --example robot_send -- "Deploy finished" 13800000000
//! # against the fake server's robot instead of DingTalk:
//! cargo run -p dingtalk-mock -- --port 8080 --robot demo:demo-token:SECdemo &
//! DINGTALK_ROBOT_WEBHOOK='http://127.0.0.1:8080/robot/send?access_token=demo-token' DINGTALK_ROBOT_SECRET=SECdemo \
//!     cargo run -p dingtalk-oapi --example robot_send -- "hello"
//! ```
//!
//! The first argument is the text; the others are mobile numbers to mention.

use std::time::Duration;

use dingtalk_oapi::robot::{RobotAt, RobotMessage};
use dingtalk_oapi::robot_webhook::within;
use dingtalk_oapi::{Error, RobotWebhook};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let text = args.next().ok_or("usage: robot_send TEXT [MOBILE]...")?;
    let mobiles: Vec<String> = args.collect();
    let webhook = std::env::var("DINGTALK_ROBOT_WEBHOOK").map_err(|_| "set DINGTALK_ROBOT_WEBHOOK")?;
    let mut builder = RobotWebhook::builder(webhook);
    if let Ok(secret) = std::env::var("DINGTALK_ROBOT_SECRET") {
        builder = builder.secret(secret);
    }
    let robot = builder.build()?;

    let mut message = robot.send(RobotMessage::text(text)).with_options(within(Duration::from_secs(10)));
    if !mobiles.is_empty() {
        message = message.at(RobotAt::new().at_mobiles(mobiles));
    }
    match message.send().await {
        Ok(_) => println!("sent"),
        Err(Error::Api(e)) => {
            // e.g. 310000 "sign not match": the secret is wrong; 410100: the robot is throttled.
            eprintln!("DingTalk refused the message: {e}");
            std::process::exit(3);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
