//! Derives for the DingTalk SDK's generated request, response and object types, written once
//! here instead of in every generated file.
//!
//! # `#[derive(Setters)]`
//!
//! For a struct with named fields it generates
//!
//! - `pub fn new() -> Self` (the `Default` value);
//! - per field `f: T`, `pub fn f(mut self, value: P) -> Self`, where a field `Option<T>` is set
//!   to `Some(value)`, and `P` is `impl Into<T>` for `String` and `Vec<…>` (so `.name("x")` and
//!   `.ids(vec![…])` need no conversion) and `T` otherwise (so `.size(20)` needs no suffix);
//! - with `#[setters(builder = OpBuilder)]` on a request type, the same setters on the
//!   operation's builder `OpBuilder<C>` (a struct with a field `inner` holding the generated
//!   crate's `RequestBuilder`), each setting the request's field: the fluent calls
//!   `client.op(required).size(20).send()`. Fields marked `#[setters(required)]` get no builder
//!   setter: they are arguments of the accessor that makes the builder.
//!
//! Each setter's documentation links the field it sets.
//!
//! # `#[derive(Wire)]`
//!
//! `serde::Serialize` and `serde::Deserialize` for a struct whose wire form is a JSON object
//! of named fields, through `dingtalk_runtime::wire`:
//!
//! - a field `Option<T>` may be missing or `null` (`None`) and is left out when `None`;
//! - any other field marked `#[wire(default)]` may be missing and is always written;
//! - any other field is required: missing, it is an error naming it;
//! - the wire name is the field's name (without `r#`), or `#[wire(rename = "wireName")]`, or
//!   the struct's `#[wire(rename_all = "camelCase")]` applied to it (`state_code` →
//!   `stateCode`, serde's rule of that name);
//! - unknown fields are ignored and a duplicate field is an error;
//! - deserializing starts from the struct's `Default` and sets the fields present, so a
//!   missing field keeps the struct's default (for a derived `Default`, the field type's);
//! - only a map is accepted: unlike serde_derive's structs, a JSON array is refused (DingTalk
//!   never sends one for an object, and reading one by position would be a silent mistake).
//!
//! That is what serde's derives write for `#[serde(default, skip_serializing_if =
//! "Option::is_none")]`, `#[serde(default)]` and `rename`/`rename_all`, in far fewer lines: no
//! field enum, visitor or sequence visitor per struct (the one map visitor is in the runtime).
//!
//! `#[wire(transparent)]` on a struct of exactly one field makes its wire form that field's: a
//! JSON array or scalar (the new API's responses that are not objects), as serde's
//! `#[serde(transparent)]`.
//!
//! `#[wire(tag = "msgtype")]` on an enum whose variants each hold one value makes it a tagged
//! union: its wire form is an object whose `msgtype` names the variant (its
//! `#[wire(rename = "…")]`, else its name) and whose field of that name holds the value
//! (`{"msgtype": "text", "text": {…}}`, DingTalk's form). Reading, the variant is the one whose
//! field is present; a tag that names another is an error, a missing tag is inferred. On a
//! struct field `Option<U>` of such a union, `#[wire(flatten = "msgtype text link")]` (the tag,
//! then every variant's wire name) writes the union's tag and value into the struct itself.
//!
//! Anything else in a `#[wire(...)]` attribute, a repeated one, `default` on an `Option`
//! (which is already optional), or two fields on one wire name is a compile error saying what
//! is accepted.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::Ident;
use syn::{DeriveInput, GenericArgument, PathArguments, Type, parse_macro_input};

mod setters;
mod wire;

/// `#[derive(Setters)]`: `new()` and a setter per field (on the operation's builder too, with
/// `#[setters(builder = …)]`); see the crate documentation.
#[proc_macro_derive(Setters, attributes(setters))]
pub fn derive_setters(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match setters::expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `#[derive(Wire)]`: `serde::Serialize` and `serde::Deserialize` as a JSON object of named
/// fields; see the crate documentation.
#[proc_macro_derive(Wire, attributes(wire))]
pub fn derive_wire(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match wire::expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn last_ident(ty: &Type) -> Option<&Ident> {
    match ungroup(ty) {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// `T` of `Wrapper<T>` (by the last path segment's name).
fn inner_of<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(p) = ungroup(ty) else { return None };
    let segment = p.path.segments.last().filter(|s| s.ident == wrapper)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// The type inside invisible groups and parentheses (a `$t:ty` of a `macro_rules!` arrives grouped).
fn ungroup(mut ty: &Type) -> &Type {
    loop {
        ty = match ty {
            Type::Group(g) => &g.elem,
            Type::Paren(p) => &p.elem,
            _ => return ty,
        };
    }
}
