//! `#[derive(Setters)]`: the constructor and setters (see the crate documentation).

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Path, Type};

use crate::{inner_of, last_ident};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "Setters applies to structs with named fields"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(ident, "Setters applies to structs with named fields"));
    };
    let builder = builder(input)?;
    let mut own = Vec::new();
    let mut fluent = Vec::new();
    for field in &fields.named {
        let required = field_required(field)?;
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
        // A required parameter is an argument of the operation's accessor, not a setter.
        if builder.is_some() && !required {
            let doc = format!(" Sets [`{shown}`]({ident}::{shown}).");
            fluent.push(quote! {
                #[doc = #doc]
                pub fn #name(self, value: #param) -> Self {
                    Self { inner: self.inner.map_request(|request| request.#name(value)) }
                }
            });
        }
    }
    let fluent = builder.map(|builder| {
        quote! {
            impl<C> #builder<C> {
                #(#fluent)*
            }
        }
    });
    Ok(quote! {
        impl #ident {
            /// An empty value; set fields with the methods below.
            pub fn new() -> Self {
                <Self as ::core::default::Default>::default()
            }
            #(#own)*
        }
        #fluent
    })
}

/// The `builder = OpBuilder` of a `#[setters(...)]` attribute on the struct, if any.
fn builder(input: &DeriveInput) -> syn::Result<Option<Path>> {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("setters")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("builder") {
                if found.is_some() {
                    return Err(meta.error("`builder` is given twice"));
                }
                found = Some(meta.value()?.parse::<Path>()?);
                Ok(())
            } else {
                Err(meta.error("expected `builder = OperationBuilder`"))
            }
        })?;
    }
    Ok(found)
}

/// Whether a field is marked `#[setters(required)]`: set by the accessor's arguments.
fn field_required(field: &syn::Field) -> syn::Result<bool> {
    let mut required = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("setters")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("required") {
                required = true;
                Ok(())
            } else {
                Err(meta.error("expected `required`"))
            }
        })?;
    }
    Ok(required)
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
    if last_ident(ty).is_some_and(|i| i == "String" || i == "Vec" || i == "Upload") {
        (quote! { impl Into<#ty> }, quote! { value.into() })
    } else {
        (quote! { #ty }, quote! { value })
    }
}
