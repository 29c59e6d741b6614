//! The runtime of `dingtalk-oapi` compiled with the code generated from the codegen test
//! fixture (`crates/dingtalk-codegen/tests/fixtures/shapes/`) in place of the real one.
//!
//! The generated modules are the checked-in snapshots of `dingtalk-codegen`'s snapshot test,
//! so that test and this crate together prove that what the generator emits for every shape
//! in the fixture compiles, and (in `tests/`) behaves: setters, validation, serde, redaction.
//!
//! The module list mirrors `crates/dingtalk-oapi/src/lib.rs`; keep the two in step.

#[path = "../../dingtalk-oapi/src/auth.rs"]
pub mod auth;
#[cfg(feature = "blocking")]
#[path = "../../dingtalk-oapi/src/blocking.rs"]
pub mod blocking;
#[path = "../../dingtalk-oapi/src/client.rs"]
mod client;
#[path = "../../dingtalk-oapi/src/dynamic.rs"]
mod dynamic;
#[path = "../../dingtalk-oapi/src/error.rs"]
mod error;
#[path = "../../dingtalk-codegen/tests/snapshots/shapes/mod.rs"]
#[rustfmt::skip]
pub mod generated;
#[path = "../../dingtalk-oapi/src/operation.rs"]
mod operation;
#[path = "../../dingtalk-oapi/src/paginate.rs"]
mod paginate;
#[path = "../../dingtalk-oapi/src/redact.rs"]
mod redact;
#[path = "../../dingtalk-oapi/src/retry.rs"]
pub mod retry;
#[path = "../../dingtalk-oapi/src/schema.rs"]
pub mod schema;
#[path = "../../dingtalk-oapi/src/validation.rs"]
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
