//! Client-side checks of the spec's constraints, run before anything is sent.

use std::fmt;

/// Implemented by generated requests and the object types they carry.
pub trait Validate {
    /// Checks the value; `path` is the wire path of the value within the request (`""` at the top).
    fn validate_at(&self, path: &str) -> Result<(), ValidationError>;

    /// Checks the value as a whole request.
    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_at("")
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

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request")?;
        if let Some(op) = self.operation {
            write!(f, " to {op}")?;
        }
        let field = &self.field;
        match &self.problem {
            Problem::Missing => write!(f, ": `{field}` is required but was not set"),
            Problem::BelowMin { value, min } => write!(f, ": `{field}` is {value}, below the minimum of {min}"),
            Problem::AboveMax { value, max } => write!(f, ": `{field}` is {value}, above the maximum of {max}"),
            Problem::TooLong { length, max } => {
                write!(f, ": `{field}` is {length} characters long, more than the {max} allowed")
            }
            Problem::TooManyItems { count, max } => {
                write!(f, ": `{field}` has {count} items, more than the {max} allowed")
            }
            Problem::Invalid(why) => write!(f, ": `{field}` {why}"),
        }?;
        f.write_str(" (nothing was sent)")
    }
}

impl std::error::Error for ValidationError {}

/// `parent.name`, or `name` at the top.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_owned() } else { format!("{parent}.{name}") }
}

/// `parent.name[i]`.
pub fn index(parent: &str, name: &str, i: usize) -> String {
    format!("{}[{i}]", join(parent, name))
}

/// The value of a required parameter, or a `Missing` error.
pub fn require<'v, T>(parent: &str, name: &str, value: Option<&'v T>) -> Result<&'v T, ValidationError> {
    value.ok_or_else(|| ValidationError::new(join(parent, name), Problem::Missing))
}

pub fn range(parent: &str, name: &str, value: i64, min: Option<i64>, max: Option<i64>) -> Result<(), ValidationError> {
    if let Some(min) = min.filter(|m| value < *m) {
        return Err(ValidationError::new(join(parent, name), Problem::BelowMin { value, min }));
    }
    if let Some(max) = max.filter(|m| value > *m) {
        return Err(ValidationError::new(join(parent, name), Problem::AboveMax { value, max }));
    }
    Ok(())
}

pub fn max_length(parent: &str, name: &str, value: &str, max: u64) -> Result<(), ValidationError> {
    let length = value.chars().count() as u64;
    if length > max {
        return Err(ValidationError::new(join(parent, name), Problem::TooLong { length, max }));
    }
    Ok(())
}

pub fn max_items(parent: &str, name: &str, count: usize, max: u64) -> Result<(), ValidationError> {
    let count = count as u64;
    if count > max {
        return Err(ValidationError::new(join(parent, name), Problem::TooManyItems { count, max }));
    }
    Ok(())
}
