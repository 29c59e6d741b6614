//! The code generated from the codegen test fixture (`crates/dingtalk-codegen/tests/fixtures/
//! shapes/`), compiled as any generated crate is: over `dingtalk-runtime`, with nothing else.
//!
//! `src/generated/` is the snapshot of `dingtalk-codegen`'s snapshot test, so that test and this
//! crate together prove that what the generator emits for every shape in the fixture compiles,
//! and (in `tests/`) behaves: setters, validation, serde, redaction, calls over loopback.

#[rustfmt::skip]
pub mod generated;

#[cfg(feature = "blocking")]
pub use generated::blocking;
pub use generated::prelude::*;
pub use generated::{Client, OPERATIONS, RequestBuilder};
