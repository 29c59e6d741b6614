//! Interceptors: code of yours that runs inside every call the client makes, at two points of
//! each attempt: just before the request is sent ([`Interceptor::modify_request`]: add a
//! header, sign the query, start a span) and as soon as an answer arrives
//! ([`Interceptor::read_response`]: record a metric, a request id). Set them for every call on
//! the client builder, or for one call in its [`CallOptions`](crate::CallOptions).
//!
//! ```
//! use dingtalk_runtime::{BoxError, CallContext, HttpRequest, Interceptor};
//!
//! /// Tags every request with the deployment that sent it.
//! #[derive(Debug)]
//! struct Deployment(&'static str);
//!
//! impl Interceptor for Deployment {
//!     fn modify_request(&self, _: &CallContext<'_>, request: &mut HttpRequest) -> Result<(), BoxError> {
//!         request.headers_mut().insert("x-deployment", http::HeaderValue::from_static(self.0));
//!         Ok(())
//!     }
//! }
//! ```

use std::fmt;

use crate::error::BoxError;
use crate::operation::OperationDescriptor;
use crate::protocol::{HttpRequest, HttpResponse};

/// What an interceptor is told about the call it runs in.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CallContext<'a> {
    /// The operation called.
    pub operation: &'static OperationDescriptor,
    /// The attempt, from 1 (a token refresh counts as an attempt here).
    pub attempt: u32,
    /// The values no log or error may show (the access token): an interceptor that logs the
    /// request scrubs them with [`redact::scrub`](crate::redact::scrub).
    pub secrets: &'a [&'a str],
}

/// Runs inside every attempt of the calls it is set for. Both hooks do nothing by default.
pub trait Interceptor: Send + Sync + fmt::Debug + 'static {
    /// The request as it will be sent (token, headers and body in place). An error stops the
    /// call with [`Error::Interceptor`](crate::Error::Interceptor); nothing is sent.
    fn modify_request(&self, context: &CallContext<'_>, request: &mut HttpRequest) -> Result<(), BoxError> {
        let _ = (context, request);
        Ok(())
    }

    /// An answer as it arrived, before it is decoded (an error status too; not a failure to
    /// connect, which has no answer).
    fn read_response(&self, context: &CallContext<'_>, response: &HttpResponse) {
        let _ = (context, response);
    }
}
