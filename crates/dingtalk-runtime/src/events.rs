//! What generated callback-event code reports when a message cannot be read.

use std::fmt;

/// A callback message that is not JSON, or whose declared `EventType` has a payload that does
/// not fit the spec's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventError {
    /// The message's `EventType`, when it could be read.
    pub event_type: String,
    /// What does not fit, or why the message is not JSON.
    pub reason: String,
}

impl EventError {
    /// An error reading the event `event_type` (empty when unknown), for `reason`.
    pub fn new(event_type: &str, reason: impl fmt::Display) -> Self {
        EventError { event_type: event_type.to_owned(), reason: reason.to_string() }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.event_type.is_empty() {
            write!(f, "unreadable callback message: {}", self.reason)
        } else {
            write!(f, "callback event `{}` does not fit the spec: {}", self.event_type, self.reason)
        }
    }
}

impl std::error::Error for EventError {}
