//! A typed client for DingTalk's server API (OAPI).
//!
//! Every operation is generated from the YAML spec in `spec/` into [`generated`]; the
//! hand-written runtime beside it is generic over the [`OperationDescriptor`] the generator
//! emits: one HTTP path for all operations, with authentication, retries, pagination, typed
//! errors and redaction of secrets.
//!
//! ```
//! use dingtalk_oapi::{AppCredentials, Client};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = dingtalk_mock::MockServer::builder().app("dingxxxx", "app-secret").start().await?;
//! let client = Client::builder()
//!     .base_url(server.url()) // or .server("mainland"), or nothing for the default server
//!     .token_provider(AppCredentials::new("dingxxxx", "app-secret"))
//!     .build()?;
//! let page = client.list_label_groups().size(20).offset(0).send().await?;
//! for group in &page.results {
//!     println!("{:?}: {} labels", group.name, group.labels.len());
//! }
//! let all = client.list_label_groups().into_paginator().collect_all().await?;
//! assert_eq!(all.len(), 4);
//! # Ok(())
//! # }
//! ```

pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod dynamic;
mod error;
#[rustfmt::skip]
pub mod generated;
mod operation;
mod paginate;
mod redact;
pub mod retry;
pub mod schema;
pub mod validation;

pub use auth::{AccessToken, AppCredentials, StaticToken, SuiteCredentials, TokenProvider};
pub use client::{BuildError, Client, ClientBuilder, RequestBuilder, decode_response};
pub use dynamic::{AnyErrorCode, CallError, find_operation, parse_param_value};
pub use error::{
    ApiError, AuthError, DecodeError, DecodeErrorKind, Error, HttpError, TransportError, TransportErrorKind,
};
pub use generated::prelude::*;
pub use operation::*;
pub use paginate::Paginator;
pub use redact::Redacted;
pub use retry::RetryPolicy;
pub use validation::{Validate, ValidationError};
