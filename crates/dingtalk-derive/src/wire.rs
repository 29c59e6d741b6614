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
    /// A flattened union: its wire names (tag first) and type.
    flatten: Option<(Vec<String>, &'a syn::Type)>,
}

/// A field's `#[wire(...)]` attributes.
#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    default: Option<proc_macro2::Span>,
    flatten: Option<(Vec<String>, proc_macro2::Span)>,
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    if let Data::Enum(data) = &input.data {
        return union_impls(input, data);
    }
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Some(&fields.named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        return Err(syn::Error::new_spanned(
            ident,
            "Wire applies to structs with named fields and to enums of one-field variants with `#[wire(tag = \"…\")]`",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "Wire applies to structs without generics"));
    }
    let (camel, transparent, tag) = container_attrs(&input.attrs)?;
    if let Some(tag) = tag {
        return Err(syn::Error::new_spanned(tag, "`tag` applies to enums"));
    }
    if transparent {
        return transparent_impls(ident, named);
    }
    let mut fields = Vec::new();
    for field in named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let FieldAttrs { rename, default, flatten } = field_attrs(&field.attrs)?;
        let optional = inner_of(&field.ty, "Option").is_some();
        if let Some((names, span)) = flatten {
            let Some(inner) = inner_of(&field.ty, "Option") else {
                return Err(syn::Error::new(span, "a flattened union is an `Option` field"));
            };
            if rename.is_some() || default.is_some() {
                return Err(syn::Error::new(span, "a flattened field has no `rename` or `default`"));
            }
            for wire in &names {
                if let Some(first) = fields.iter().find(|f: &&WireField| f.wire_names().contains(&wire.as_str())) {
                    let message = format!("wire name `{wire}` is also the wire name of `{}`", first.ident);
                    return Err(syn::Error::new_spanned(ident, message));
                }
            }
            fields.push(WireField {
                ident,
                wire: String::new(),
                optional,
                required: false,
                flatten: Some((names, inner)),
            });
            continue;
        }
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
        if let Some(first) = fields.iter().find(|f: &&WireField| f.wire_names().contains(&wire.as_str())) {
            let message = format!("wire name `{wire}` is also the wire name of `{}`", first.ident);
            return Err(syn::Error::new_spanned(ident, message));
        }
        fields.push(WireField { ident, wire, optional, required: !optional && !default, flatten: None });
    }

    let name = ident.unraw().to_string();
    let wire_names: Vec<&str> = fields.iter().flat_map(|f| f.wire_names()).collect();
    // Positions in the field table: a flattened union takes one per wire name.
    let mut reads = Vec::new();
    let mut required = Vec::new();
    let mut index = 0usize;
    for f in &fields {
        let field = f.ident;
        match &f.flatten {
            Some((names, ty)) => {
                let tag = index;
                reads.push(quote! { #tag => ::dingtalk_runtime::wire::read_tag::<#ty, A>(map), });
                for at in index + 1..index + names.len() {
                    reads.push(quote! {
                        #at => {
                            self.#field = ::core::option::Option::Some(
                                <#ty as ::dingtalk_runtime::wire::WireUnion>::read_named(
                                    <Self as ::dingtalk_runtime::wire::WireObject>::FIELDS[#at],
                                    map,
                                )?,
                            );
                            ::core::result::Result::Ok(())
                        }
                    });
                }
                index += names.len();
            }
            None => {
                if f.required {
                    required.push(index);
                }
                reads.push(quote! { #index => ::dingtalk_runtime::wire::read(map, &mut self.#field), });
                index += 1;
            }
        }
    }
    let always = fields.iter().filter(|f| !f.optional).count();
    let present = fields.iter().filter(|f| f.optional).map(|f| {
        let field = f.ident;
        let width = if f.flatten.is_some() { 2usize } else { 1 };
        quote! { + #width * ::core::primitive::usize::from(self.#field.is_some()) }
    });
    let writes = fields.iter().map(|f| {
        let (field, wire) = (f.ident, &f.wire);
        if f.flatten.is_some() {
            quote! { .flatten(&self.#field) }
        } else if f.optional {
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

/// Whether the struct says `#[wire(rename_all = "camelCase")]`, `#[wire(transparent)]`, and
/// an enum's `#[wire(tag = "…")]`.
fn container_attrs(attrs: &[Attribute]) -> syn::Result<(bool, bool, Option<LitStr>)> {
    let (mut camel, mut transparent, mut tag) = (false, false, None);
    for attr in attrs.iter().filter(|a| a.path().is_ident("wire")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("tag") {
                let value: LitStr = meta.value()?.parse()?;
                if tag.replace(value).is_some() {
                    return Err(meta.error("`tag` is given twice"));
                }
                Ok(())
            } else if meta.path.is_ident("transparent") {
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
                Err(meta.error(
                    "expected `rename_all = \"camelCase\"` or `transparent` on a struct, `tag = \"…\"` on an enum",
                ))
            }
        })?;
    }
    Ok((camel, transparent, tag))
}

/// A field's `#[wire(rename = "…")]`, where it says `#[wire(default)]`, and its
/// `#[wire(flatten = "tag variant…")]` (a union's wire names, space-separated, tag first).
fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("wire")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let wire = meta.value()?.parse::<LitStr>()?.value();
                if out.rename.replace(wire).is_some() {
                    return Err(meta.error("`rename` is given twice"));
                }
                Ok(())
            } else if meta.path.is_ident("default") {
                if out.default.replace(meta.path.span()).is_some() {
                    return Err(meta.error("`default` is given twice"));
                }
                Ok(())
            } else if meta.path.is_ident("flatten") {
                let names = meta.value()?.parse::<LitStr>()?;
                let list: Vec<String> = names.value().split_whitespace().map(str::to_owned).collect();
                if list.len() < 2 {
                    return Err(syn::Error::new_spanned(names, "`flatten` names the union's tag, then its variants"));
                }
                if out.flatten.replace((list, names.span())).is_some() {
                    return Err(meta.error("`flatten` is given twice"));
                }
                Ok(())
            } else {
                Err(meta
                    .error("expected `rename = \"wireName\"`, `default` or `flatten = \"tag variant…\"` on a field"))
            }
        })?;
    }
    Ok(out)
}

impl WireField<'_> {
    /// The wire names the field takes in its object.
    fn wire_names(&self) -> Vec<&str> {
        match &self.flatten {
            Some((names, _)) => names.iter().map(String::as_str).collect(),
            None => vec![self.wire.as_str()],
        }
    }
}

/// `#[derive(Wire)]` on an enum with `#[wire(tag = "…")]`: a tagged union whose variants each
/// hold one value, named on the wire by `#[wire(rename = "…")]` or the variant's name.
fn union_impls(input: &DeriveInput, data: &syn::DataEnum) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let (camel, transparent, tag) = container_attrs(&input.attrs)?;
    let Some(tag) = tag else {
        return Err(syn::Error::new_spanned(
            ident,
            "an enum needs `#[wire(tag = \"…\")]`: the field naming the variant",
        ));
    };
    if camel || transparent {
        return Err(syn::Error::new_spanned(ident, "an enum takes only `tag`"));
    }
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "Wire applies to enums without generics"));
    }
    let mut names = Vec::new();
    let mut idents = Vec::new();
    for variant in &data.variants {
        let Fields::Unnamed(one) = &variant.fields else {
            return Err(syn::Error::new_spanned(variant, "each variant holds one value: `Variant(Type)`"));
        };
        if one.unnamed.len() != 1 {
            return Err(syn::Error::new_spanned(variant, "each variant holds one value: `Variant(Type)`"));
        }
        let FieldAttrs { rename, default, flatten } = field_attrs(&variant.attrs)?;
        if default.is_some() || flatten.is_some() {
            return Err(syn::Error::new_spanned(variant, "a variant takes only `rename`"));
        }
        let wire = rename.unwrap_or_else(|| variant.ident.to_string());
        if wire == tag.value() || names.contains(&wire) {
            return Err(syn::Error::new_spanned(variant, format!("wire name `{wire}` is used twice")));
        }
        names.push(wire);
        idents.push(&variant.ident);
    }
    let name = ident.unraw().to_string();
    let positions = 0..idents.len();
    let positions2 = 0..idents.len();
    let (idents2, idents3) = (idents.clone(), idents.clone());
    let writes = names.iter().map(|n| n.as_str());
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use ::dingtalk_runtime::__private::serde as _serde;
            #[automatically_derived]
            impl ::dingtalk_runtime::wire::WireUnion for #ident {
                const NAME: &'static str = #name;
                const TAG: &'static str = #tag;
                const VARIANTS: &'static [&'static str] = &[#(#names),*];
                fn variant(&self) -> usize {
                    match self { #(Self::#idents(_) => #positions,)* }
                }
                fn write_value<S: _serde::ser::SerializeStruct>(&self, state: &mut S) -> ::core::result::Result<(), S::Error> {
                    match self { #(Self::#idents2(value) => state.serialize_field(#writes, value),)* }
                }
                fn read_value<'de, A: _serde::de::MapAccess<'de>>(index: usize, map: &mut A) -> ::core::result::Result<Self, A::Error> {
                    match index {
                        #(#positions2 => map.next_value().map(Self::#idents3),)*
                        _ => ::core::result::Result::Err(_serde::de::Error::custom("no such variant")),
                    }
                }
            }
            #[automatically_derived]
            impl<'de> _serde::Deserialize<'de> for #ident {
                fn deserialize<D: _serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    ::dingtalk_runtime::wire::deserialize_union(deserializer)
                }
            }
            #[automatically_derived]
            impl _serde::Serialize for #ident {
                fn serialize<S: _serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    ::dingtalk_runtime::wire::serialize_union(self, serializer)
                }
            }
        };
    })
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
        assert_eq!(
            error(parse_quote! { enum E { A(i64) } }),
            "an enum needs `#[wire(tag = \"…\")]`: the field naming the variant"
        );
        assert_eq!(
            error(parse_quote! { #[wire(tag = "t")] enum E { A } }),
            "each variant holds one value: `Variant(Type)`"
        );
        assert_eq!(
            error(parse_quote! { #[wire(tag = "t")] enum E { #[wire(rename = "t")] A(i64) } }),
            "wire name `t` is used twice"
        );
        assert_eq!(error(parse_quote! { #[wire(tag = "t")] struct S { a: i64 } }), "`tag` applies to enums");
        assert_eq!(
            error(parse_quote! { struct S { #[wire(flatten = "t a")] u: i64 } }),
            "a flattened union is an `Option` field"
        );
        assert_eq!(
            error(parse_quote! { struct S { t: i64, #[wire(flatten = "t a")] u: Option<U> } }),
            "wire name `t` is also the wire name of `t`"
        );
        assert!(error(parse_quote! { struct T(i64); }).starts_with("Wire applies to structs with named fields"));
        assert_eq!(error(parse_quote! { struct G<T> { t: T } }), "Wire applies to structs without generics");
        assert_eq!(
            error(parse_quote! { #[wire(rename_all = "snake_case")] struct S { a: i64 } }),
            "the one rename rule is \"camelCase\""
        );
        assert_eq!(
            error(parse_quote! { #[wire(deny_unknown_fields)] struct S { a: i64 } }),
            "expected `rename_all = \"camelCase\"` or `transparent` on a struct, `tag = \"…\"` on an enum"
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
            "expected `rename = \"wireName\"`, `default` or `flatten = \"tag variant…\"` on a field"
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
