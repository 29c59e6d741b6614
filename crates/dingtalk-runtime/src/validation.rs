//! Client-side checks of the spec's constraints, run before anything is sent.

use std::fmt;

use serde::Serialize;

use crate::operation::{Operation, OperationRequest};
use crate::schema;

/// Checks a request against its operation's spec before anything is sent; the client runs it
/// on every call, through the one [schema checker](crate::schema).
pub trait Validate {
    fn validate(&self) -> Result<(), ValidationError>;
}

impl<R: OperationRequest + Serialize> Validate for R {
    fn validate(&self) -> Result<(), ValidationError> {
        let d = <R::Operation as Operation>::DESCRIPTOR;
        let fail = |why: String| ValidationError {
            operation: Some(d.id),
            field: String::new(),
            problem: Problem::Invalid(why),
        };
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(params)) => {
                schema::check_params(d, &params, schema::Mode::Strict).map(drop).map_err(|mut e| {
                    e.operation = Some(d.id);
                    e
                })
            }
            Ok(_) => Err(fail("is not an object".into())),
            Err(e) => Err(fail(format!("cannot be serialized: {e}"))),
        }
    }
}

/// A request that breaks a constraint of the spec; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The operation, once known (set by the client).
    pub operation: Option<&'static str>,
    /// Wire path of the offending parameter, e.g. `size` or `contact.label_ids`.
    pub field: String,
    pub problem: Problem,
}

/// What is wrong with the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    Missing,
    BelowMin { value: i64, min: i64 },
    AboveMax { value: i64, max: i64 },
    TooLong { length: u64, max: u64 },
    TooManyItems { count: u64, max: u64 },
    Invalid(String),
}

impl ValidationError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        ValidationError { operation: None, field: field.into(), problem }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("is required"),
            Problem::BelowMin { value, min } => write!(f, "is {value}, below the minimum of {min}"),
            Problem::AboveMax { value, max } => write!(f, "is {value}, above the maximum of {max}"),
            Problem::TooLong { length, max } => write!(f, "is {length} characters long, more than the {max} allowed"),
            Problem::TooManyItems { count, max } => write!(f, "has {count} items, more than the {max} allowed"),
            Problem::Invalid(why) => f.write_str(why),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request")?;
        if let Some(op) = self.operation {
            write!(f, " to {op}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.problem)?;
        } else {
            write!(f, ": `{}` {}", self.field, self.problem)?;
        }
        f.write_str(" (nothing was sent)")
    }
}

impl std::error::Error for ValidationError {}
