//! Client-side checks of the spec's constraints, run before anything is sent.

use serde::Serialize;

pub use crate::error::{Problem, ValidationError};
use crate::operation::{Operation, OperationRequest};
use crate::schema;

/// Checks a request against its operation's spec before anything is sent; the client runs the
/// same check on every call, through the one [schema checker](crate::schema).
pub trait Validate {
    /// `Ok` when the request keeps every constraint, else the first one it breaks.
    fn validate(&self) -> Result<(), ValidationError>;
}

impl<R: OperationRequest + Serialize> Validate for R {
    fn validate(&self) -> Result<(), ValidationError> {
        let d = <R::Operation as Operation>::DESCRIPTOR;
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(params)) => {
                schema::check_params(d, &params, schema::Mode::Strict).map(drop).map_err(|mut e| {
                    e.operation = Some(d.id);
                    e
                })
            }
            Ok(_) => Err(ValidationError::request(d.id, "is not an object")),
            Err(e) => Err(ValidationError::request(d.id, format!("cannot be serialized: {e}"))),
        }
    }
}
