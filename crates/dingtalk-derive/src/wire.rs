//! `#[derive(Wire)]`: `Serialize` and `Deserialize` of a JSON object (see the crate documentation).

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr};

use crate::inner_of;

/// One field as the wire sees it.
struct WireField<'a> {
    ident: &'a syn::Ident,
    wire: String,
    optional: bool,
    required: bool,
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Some(&fields.named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        return Err(syn::Error::new_spanned(ident, "Wire applies to structs with named fields"));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "Wire applies to structs without generics"));
    }
    let (camel, transparent) = container_attrs(&input.attrs)?;
    if transparent {
        return transparent_impls(ident, named);
    }
    let mut fields = Vec::new();
    for field in named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let (rename, default) = field_attrs(&field.attrs)?;
        let optional = inner_of(&field.ty, "Option").is_some();
        if let (true, Some(span)) = (optional, default) {
            return Err(syn::Error::new(span, "an `Option` field is already optional: drop `default`"));
        }
        let default = default.is_some();
        let name = ident.unraw().to_string();
        let wire = match rename {
            Some(wire) => wire,
            None if camel => camel_case(&name),
            None => name,
        };
        // Two fields on one wire name: the second would never be read.
        if let Some(first) = fields.iter().find(|f: &&WireField| f.wire == wire) {
            let message = format!("wire name `{wire}` is also the wire name of `{}`", first.ident);
            return Err(syn::Error::new_spanned(ident, message));
        }
        fields.push(WireField { ident, wire, optional, required: !optional && !default });
    }

    let name = ident.unraw().to_string();
    let wire_names = fields.iter().map(|f| &f.wire);
    let required = fields.iter().enumerate().filter(|(_, f)| f.required).map(|(i, _)| i);
    let reads = fields.iter().enumerate().map(|(i, f)| {
        let field = f.ident;
        quote! { #i => ::dingtalk_runtime::wire::read(map, &mut self.#field), }
    });
    let always = fields.iter().filter(|f| !f.optional).count();
    let present = fields.iter().filter(|f| f.optional).map(|f| {
        let field = f.ident;
        quote! { + ::core::primitive::usize::from(self.#field.is_some()) }
    });
    let writes = fields.iter().map(|f| {
        let (field, wire) = (f.ident, &f.wire);
        if f.optional {
            quote! { .optional(#wire, &self.#field) }
        } else {
            quote! { .field(#wire, &self.#field) }
        }
    });
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use ::dingtalk_runtime::__private::serde as _serde;
            #[automatically_derived]
            impl ::dingtalk_runtime::wire::WireObject for #ident {
                const NAME: &'static str = #name;
                const FIELDS: &'static [&'static str] = &[#(#wire_names),*];
                const REQUIRED: &'static [usize] = &[#(#required),*];
                #[inline]
                fn read_field<'de, A: _serde::de::MapAccess<'de>>(
                    &mut self,
                    index: usize,
                    map: &mut A,
                ) -> ::core::result::Result<(), A::Error> {
                    match index {
                        #(#reads)*
                        _ => ::core::result::Result::Ok(()),
                    }
                }
            }
            #[automatically_derived]
            impl<'de> _serde::Deserialize<'de> for #ident {
                fn deserialize<D: _serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    ::dingtalk_runtime::wire::deserialize(deserializer)
                }
            }
            #[automatically_derived]
            impl _serde::Serialize for #ident {
                fn serialize<S: _serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    ::dingtalk_runtime::wire::Writer::new(serializer, #name, #always #(#present)*)
                        #(#writes)*
                        .end()
                }
            }
        };
    })
}

/// `#[wire(transparent)]` on a struct of one field: its wire form is that field's (a JSON array
/// or scalar as a whole response body), not an object.
fn transparent_impls(
    ident: &syn::Ident,
    named: &syn::punctuated::Punctuated<syn::Field, syn::token::Comma>,
) -> syn::Result<TokenStream2> {
    let mut fields = named.iter();
    let (Some(field), None) = (fields.next(), fields.next()) else {
        return Err(syn::Error::new_spanned(ident, "`#[wire(transparent)]` needs exactly one field"));
    };
    if let Some(attr) = field.attrs.iter().find(|a| a.path().is_ident("wire")) {
        return Err(syn::Error::new_spanned(attr, "the field of a `#[wire(transparent)]` struct has no wire name"));
    }
    let field = field.ident.as_ref().expect("named fields have names");
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use ::dingtalk_runtime::__private::serde as _serde;
            #[automatically_derived]
            impl<'de> _serde::Deserialize<'de> for #ident {
                fn deserialize<D: _serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    ::core::result::Result::Ok(Self { #field: _serde::Deserialize::deserialize(deserializer)? })
                }
            }
            #[automatically_derived]
            impl _serde::Serialize for #ident {
                fn serialize<S: _serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    _serde::Serialize::serialize(&self.#field, serializer)
                }
            }
        };
    })
}

/// Whether the struct says `#[wire(rename_all = "camelCase")]`, and `#[wire(transparent)]`.
fn container_attrs(attrs: &[Attribute]) -> syn::Result<(bool, bool)> {
    let (mut camel, mut transparent) = (false, false);
    for attr in attrs.iter().filter(|a| a.path().is_ident("wire")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("transparent") {
                if transparent {
                    return Err(meta.error("`transparent` is given twice"));
                }
                transparent = true;
                Ok(())
            } else if meta.path.is_ident("rename_all") {
                let rule: LitStr = meta.value()?.parse()?;
                if rule.value() != "camelCase" {
                    return Err(syn::Error::new_spanned(rule, "the one rename rule is \"camelCase\""));
                }
                if camel {
                    return Err(meta.error("`rename_all` is given twice"));
                }
                camel = true;
                Ok(())
            } else {
                Err(meta.error("expected `rename_all = \"camelCase\"` or `transparent` on a struct"))
            }
        })?;
    }
    Ok((camel, transparent))
}

/// A field's `#[wire(rename = "…")]`, and where it says `#[wire(default)]`.
fn field_attrs(attrs: &[Attribute]) -> syn::Result<(Option<String>, Option<proc_macro2::Span>)> {
    let (mut rename, mut default) = (None, None);
    for attr in attrs.iter().filter(|a| a.path().is_ident("wire")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let wire = meta.value()?.parse::<LitStr>()?.value();
                if rename.replace(wire).is_some() {
                    return Err(meta.error("`rename` is given twice"));
                }
                Ok(())
            } else if meta.path.is_ident("default") {
                if default.replace(meta.path.span()).is_some() {
                    return Err(meta.error("`default` is given twice"));
                }
                Ok(())
            } else {
                Err(meta.error("expected `rename = \"wireName\"` or `default` on a field"))
            }
        })?;
    }
    Ok((rename, default))
}

/// serde's `camelCase` rule for a field name, as serde_derive writes it: PascalCase (drop each
/// `_`, capitalize what follows it and the first letter), then the first letter lowercased.
fn camel_case(field: &str) -> String {
    let mut pascal = String::with_capacity(field.len());
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(c);
        }
    }
    match pascal.chars().next() {
        Some(first) => first.to_ascii_lowercase().to_string() + &pascal[first.len_utf8()..],
        None => pascal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn error(input: DeriveInput) -> String {
        expand(&input).expect_err("the input is refused").to_string()
    }

    #[test]
    fn what_the_derive_cannot_write_is_a_compile_error_saying_what_is_accepted() {
        assert_eq!(error(parse_quote! { enum E { A } }), "Wire applies to structs with named fields");
        assert_eq!(error(parse_quote! { struct T(i64); }), "Wire applies to structs with named fields");
        assert_eq!(error(parse_quote! { struct G<T> { t: T } }), "Wire applies to structs without generics");
        assert_eq!(
            error(parse_quote! { #[wire(rename_all = "snake_case")] struct S { a: i64 } }),
            "the one rename rule is \"camelCase\""
        );
        assert_eq!(
            error(parse_quote! { #[wire(deny_unknown_fields)] struct S { a: i64 } }),
            "expected `rename_all = \"camelCase\"` or `transparent` on a struct"
        );
        assert_eq!(
            error(parse_quote! { #[wire(transparent)] struct S { a: i64, b: i64 } }),
            "`#[wire(transparent)]` needs exactly one field"
        );
        assert_eq!(
            error(parse_quote! { #[wire(transparent)] struct S { #[wire(rename = "x")] a: i64 } }),
            "the field of a `#[wire(transparent)]` struct has no wire name"
        );
        assert_eq!(
            error(parse_quote! { struct S { #[wire(skip)] a: i64 } }),
            "expected `rename = \"wireName\"` or `default` on a field"
        );
        assert_eq!(
            error(parse_quote! { struct S { #[wire(default)] a: Option<i64> } }),
            "an `Option` field is already optional: drop `default`"
        );
        assert_eq!(
            error(parse_quote! { struct S { #[wire(rename = "a")] #[wire(rename = "b")] a: i64 } }),
            "`rename` is given twice"
        );
        assert_eq!(error(parse_quote! { struct S { #[wire(default, default)] a: i64 } }), "`default` is given twice");
        assert_eq!(
            error(
                parse_quote! { #[wire(rename_all = "camelCase")] struct S { user_id: i64, #[wire(rename = "userId")] id: i64 } }
            ),
            "wire name `userId` is also the wire name of `user_id`"
        );
        assert_eq!(
            error(parse_quote! { #[wire(rename_all = "camelCase", rename_all = "camelCase")] struct S { a: i64 } }),
            "`rename_all` is given twice"
        );
    }

    #[test]
    fn field_table_wire_names_and_required_fields() {
        let tokens = expand(&parse_quote! {
            #[wire(rename_all = "camelCase")]
            struct S { state_code: Option<i64>, r#type: i64, #[wire(default)] ids: Vec<i64>, #[wire(rename = "x_y")] xy: Option<u8> }
        })
        .expect("accepted")
        .to_string();
        assert!(
            tokens.contains(r#"FIELDS : & 'static [& 'static str] = & ["stateCode" , "type" , "ids" , "x_y"]"#),
            "{tokens}"
        );
        assert!(tokens.contains("REQUIRED : & 'static [usize] = & [1usize]"), "{tokens}");
    }

    #[test]
    fn camel_case_is_serde_s_rule() {
        for (field, wire) in
            [("state_code", "stateCode"), ("a", "a"), ("_private", "private"), ("x_1_y", "x1Y"), ("", "")]
        {
            assert_eq!(camel_case(field), wire, "{field}");
        }
    }
}
