//! `#[derive(Setters)]`: the constructor and builder-style setters of the SDK's generated
//! request, response and object types, written once here instead of five lines per field in
//! every generated file.
//!
//! For a struct with named fields it generates
//!
//! - `pub fn new() -> Self` (the `Default` value);
//! - per field `f: T`, `pub fn f(mut self, value: P) -> Self`, where a field `Option<T>` is set
//!   to `Some(value)`, and `P` is `impl Into<T>` for `String` and `Vec<…>` (so `.name("x")` and
//!   `.ids(vec![…])` need no conversion) and `T` otherwise (so `.size(20)` needs no suffix);
//! - with `#[setters(operation = Op)]` on a request type, the same setters on
//!   `crate::generated::RequestBuilder<Op, C>`, each setting the request's field: the fluent
//!   calls `client.op().size(20).send()`.
//!
//! Each setter's documentation links the field it sets.

use proc_macro::TokenStream;
use proc_macro2::{Ident, TokenStream as TokenStream2};
use quote::quote;
use syn::{Data, DeriveInput, Fields, GenericArgument, Path, PathArguments, Type, parse_macro_input};

#[proc_macro_derive(Setters, attributes(setters))]
pub fn derive_setters(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "Setters applies to structs with named fields"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(ident, "Setters applies to structs with named fields"));
    };
    let operation = operation(input)?;
    let mut own = Vec::new();
    let mut fluent = Vec::new();
    for field in &fields.named {
        let name = field.ident.as_ref().expect("named fields have names");
        let shown = name.to_string().trim_start_matches("r#").to_owned();
        let (param, value) = setter(&field.ty);
        let doc = format!(" Sets [`{shown}`](Self::{shown}).");
        own.push(quote! {
            #[doc = #doc]
            pub fn #name(mut self, value: #param) -> Self {
                self.#name = #value;
                self
            }
        });
        if operation.is_some() {
            let doc = format!(" Sets [`{shown}`]({ident}::{shown}).");
            fluent.push(quote! {
                #[doc = #doc]
                pub fn #name(mut self, value: #param) -> Self {
                    self.request = self.request.#name(value);
                    self
                }
            });
        }
    }
    let fluent = operation.map(|op| {
        quote! {
            impl<C> crate::generated::RequestBuilder<#op, C> {
                #(#fluent)*
            }
        }
    });
    Ok(quote! {
        impl #ident {
            /// An empty value; set fields with the methods below.
            pub fn new() -> Self {
                Self::default()
            }
            #(#own)*
        }
        #fluent
    })
}

/// The `operation = Op` of a `#[setters(...)]` attribute, if any.
fn operation(input: &DeriveInput) -> syn::Result<Option<Path>> {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("setters")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("operation") {
                found = Some(meta.value()?.parse::<Path>()?);
                Ok(())
            } else {
                Err(meta.error("expected `operation = Name`"))
            }
        })?;
    }
    Ok(found)
}

/// A setter's parameter type and the expression assigned to the field.
fn setter(ty: &Type) -> (TokenStream2, TokenStream2) {
    match inner_of(ty, "Option") {
        Some(inner) => {
            let (param, value) = plain(inner);
            (param, quote! { Some(#value) })
        }
        None => plain(ty),
    }
}

fn plain(ty: &Type) -> (TokenStream2, TokenStream2) {
    if last_ident(ty).is_some_and(|i| i == "String" || i == "Vec") {
        (quote! { impl Into<#ty> }, quote! { value.into() })
    } else {
        (quote! { #ty }, quote! { value })
    }
}

fn last_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// `T` of `Wrapper<T>` (by the last path segment's name).
fn inner_of<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(p) = ty else { return None };
    let segment = p.path.segments.last().filter(|s| s.ident == wrapper)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
