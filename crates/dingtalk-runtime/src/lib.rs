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
//! - [`protocol`]: each API generation's wire format as pure functions (descriptor and
//!   parameters to request; status, headers and body to the typed response or error);
//! - [`transport`]: moving bytes ([`transport::ReqwestTransport`], and
//!   [`transport::ReplayTransport`] for tests that need no socket);
//! - [`retry`]: policies, the [`retry::RetryClassifier`] and the retry loop, on an injected
//!   [`time::Timer`];
//! - [`Client`]: composes them into calls, with per-call [`CallOptions`] and
//!   [`Interceptor`]s, for typed operations and for descriptors chosen at run time
//!   ([`Client::call`]);
//! - [`Paginator`] and [`PageWalk`], [`auth`] (the token cache), [`limit`], [`redact`], the
//!   typed [`Error`], and the `blocking` facade;
//! - [`client_facade!`]: the `Client` and `RequestBuilder` types a generated crate exposes,
//!   so that generated fluent methods have local types to live on.

#![warn(missing_docs)]
// Every call returns `Error<C>`, built at most once per attempt and moved once: its size (the
// answer's headers included) costs nothing next to the HTTP exchange, so the lint is off here.
#![allow(clippy::result_large_err)]

// Layers, each importing only the ones above it in this list (checked by
// `tests/layers.rs`): vocabulary, then pure functions, then policies, then the client, then
// what is built on the client.
pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod dynamic;
mod error;
mod events;
mod facade;
pub mod intercept;
pub mod limit;
pub mod operation;
mod options;
mod paginate;
pub mod protocol;
pub mod redact;
pub mod retry;
pub mod schema;
pub mod time;
pub mod transport;
pub mod upload;
pub mod validation;
pub mod wire;

pub use auth::AccessToken;
pub use client::{
    BuildError, Client, ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, StaticToken, TokenProvider,
};
pub use dynamic::{fill_first_page, find_operation, parse_field_value, parse_param_value};
pub use error::{
    AnyErrorCode, ApiError, AuthError, BoxError, CallError, DecodeError, DecodeErrorKind, Error, HttpError,
    InterceptorError, TransportError, TransportErrorKind,
};
pub use events::EventError;
pub use intercept::{CallContext, Interceptor};
pub use limit::{LimitStore, Limits, MemoryStore};
pub use operation::*;
pub use options::CallOptions;
pub use paginate::{DEFAULT_MAX_PAGES, PageFacts, PageWalk, Paginator, WalkStop};
pub use protocol::{HttpRequest, HttpResponse, decode_response};
pub use redact::Redacted;
pub use retry::RetryPolicy;
pub use upload::{FilePart, Upload};
pub use validation::{Validate, ValidationError};

/// The `http` crate the transport and interceptors speak (`http::Request`, `HeaderValue`).
pub use http;

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
