//! A typed client for DingTalk's server API (OAPI).
//!
//! Every operation is generated from the YAML spec in `spec/` into [`generated`]: request,
//! response and error-code types, a slim [`OperationDescriptor`], and a fluent method on
//! [`Client`]. The generic [`runtime`] (`dingtalk-runtime`) runs them all through one HTTP path
//! with authentication, retries, pagination, typed errors and redaction of secrets. This crate
//! adds the token providers DingTalk's apps need ([`AppCredentials`], [`SuiteCredentials`]).
//!
//! Each spec group is a cargo feature (all on by default): with
//! `default-features = false, features = ["extcontact"]` only that group is compiled.
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

#![warn(missing_docs)]

#[cfg(feature = "auth")]
pub mod auth;
pub mod callback;
#[rustfmt::skip]
pub mod generated;
#[cfg(feature = "robot")]
pub mod robot_webhook;

#[cfg(feature = "auth")]
pub use auth::{AppCredentials, CorpToken, SuiteCredentials, SuiteTicketSource, corp_token_signature};
#[cfg(feature = "blocking")]
pub use generated::blocking;
// Either may be empty, with only the old OAPI's groups or only the new API's enabled.
#[allow(unused_imports)]
pub use generated::groups::*;
#[allow(unused_imports)]
pub use generated::prelude::*;
/// The new API's error codes (`InvalidAuthentication`, `Forbidden.AccessDenied.…`).
pub use generated::service::ApiCode;
pub use generated::{Client, ClientBuilder, GROUPS, OPERATIONS, RequestBuilder};
#[cfg(feature = "robot")]
pub use robot_webhook::{RobotWebhook, RobotWebhookBuilder};

// The runtime's vocabulary, so that users need one dependency.
/// The generic runtime every operation runs on.
pub use dingtalk_runtime as runtime;
#[cfg(feature = "redis")]
pub use dingtalk_runtime::limit::RedisStore;
pub use dingtalk_runtime::{
    AccessToken, AnyErrorCode, ApiError, ApiErrorCode, AuthError, BuildError, CallContext, CallError, CallOptions,
    DecodeError, DecodeErrorKind, Error, ErrorClass, ErrorCodeInfo, FieldSchema, HttpError, Interceptor,
    InterceptorError, LimitStore, Limits, MemoryStore, Operation, OperationDescriptor, OperationRequest, PagePosition,
    Paginated, Paginator, ParamType, Redacted, RetryPolicy, ServiceDescriptor, StaticToken, TokenProvider,
    TransportError, TransportErrorKind, Validate, ValidationError, decode_response, fill_first_page, find_operation,
    parse_param_value, retry, schema, validation,
};
