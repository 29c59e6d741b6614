//! The generic runtime of the DingTalk SDK.
//!
//! It names no generated item. A generator emits, for each operation of a spec, an
//! [`OperationDescriptor`] (how the call is made: method, path, parameters and their
//! constraints, pagination, documented error codes) and types implementing [`Operation`];
//! what is specific to the service (servers, the token parameter, the global error table)
//! reaches the runtime through the descriptor's [`ServiceDescriptor`]. Everything else is here,
//! once for every operation:
//!
//! - [`schema`]: the one checker of JSON against the spec's field schemas (client validation,
//!   the fake server, data files);
//! - [`Client`]: the send loop (encode, attach the token, send, read capped, decode, classify,
//!   retry with backoff under a deadline), for typed operations and for descriptors chosen at
//!   run time ([`Client::call`]);
//! - [`Paginator`], [`RetryPolicy`], [`auth`] (the token cache), [`redact`], the typed
//!   [`Error`], and the `blocking` facade;
//! - [`client_facade!`]: the `Client` and `RequestBuilder` types a generated crate exposes,
//!   so that generated fluent methods have local types to live on.

pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod decode;
mod dynamic;
mod error;
mod events;
mod facade;
pub mod limit;
mod operation;
mod paginate;
pub mod redact;
pub mod retry;
pub mod schema;
mod send;
pub mod validation;
pub mod wire;

pub use auth::{AccessToken, StaticToken, TokenProvider};
pub use client::{BuildError, Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES};
pub use decode::decode_response;
pub use dynamic::{AnyErrorCode, CallError, find_operation, parse_param_value};
pub use error::{
    ApiError, AuthError, DecodeError, DecodeErrorKind, Error, HttpError, TransportError, TransportErrorKind,
};
pub use events::EventError;
pub use limit::{LimitStore, Limits, MemoryStore};
pub use operation::*;
pub use paginate::{DEFAULT_MAX_PAGES, Paginator};
pub use redact::Redacted;
pub use retry::RetryPolicy;
pub use validation::{Validate, ValidationError};

/// `#[derive(Setters)]`: the constructor and builder-style setters of generated types.
pub use dingtalk_derive::Setters;
/// `#[derive(Wire)]`: `serde::Serialize` and `serde::Deserialize` of generated types, through [`wire`].
pub use dingtalk_derive::Wire;

/// A free-form JSON value: the type of `json` fields (the new API's open maps).
pub use serde_json::Value as JsonValue;

/// Re-exports the generated code's macros rely on, so a generated crate needs no dependency
/// list of its own beyond this crate and serde.
#[doc(hidden)]
pub mod __private {
    pub use futures_util;
    pub use serde;
    pub use serde_json;
}
