//! DingTalk's Stream mode: events, robot messages and card callbacks over one outbound
//! WebSocket, so an app needs no public HTTPS endpoint.
//!
//! ```no_run
//! use dingtalk_stream::{StreamClient, TOPIC_ROBOT_MESSAGES};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = StreamClient::builder("dingxxxx", std::env::var("DINGTALK_APP_SECRET")?)
//!     .on_event(|event| async move {
//!         println!("{} {}", event.event_type, event.data);
//!         Ok(()) // acked SUCCESS; an error is acked LATER and DingTalk pushes it again
//!     })
//!     .on_callback(TOPIC_ROBOT_MESSAGES, |message| async move {
//!         println!("robot message: {}", message.data["text"]["content"]);
//!         Ok(serde_json::Value::Null)
//!     })
//!     .build()?
//!     .start();
//! // … until the process should stop:
//! listener.stop(std::time::Duration::from_secs(10)).await?;
//! # Ok(())
//! # }
//! ```
//!
//! What the listener does, from the protocol facts in the project's reference: each connection
//! is opened with `POST /v1.0/gateway/connections/open` (the spec's `gateway_1_0.OpenConnection`)
//! and a one-time ticket; `ping` is answered at once with its `messageId` and `opaque`, even
//! while handlers are busy; a `disconnect` opens the replacement before the old connection is
//! dropped, and frames still arriving on the old one are handled and acked; a failed connection
//! is replaced after an exponential backoff with jitter (1 s doubling to 60 s, reset after a
//! healthy connection, at most 20 opens a minute); an idle connection is pinged and replaced
//! when nothing answers; handlers run concurrently up to a bound (past it a frame is left
//! unacked for redelivery); redeliveries are recognised by `messageId` and `eventId`; a stop
//! lets handlers finish until a deadline and closes with 1000. Malformed, unknown and oversized
//! frames are logged and skipped.

#![warn(missing_docs)]

mod client;
mod dedup;
pub mod frame;
mod reply;

pub use client::{
    Callback, Event, HandlerError, StreamBuilder, StreamClient, StreamError, StreamHandle, TOPIC_CARD_CALLBACK,
    TOPIC_ROBOT_MESSAGES,
};
pub use reply::{ReplyError, RobotReply};
