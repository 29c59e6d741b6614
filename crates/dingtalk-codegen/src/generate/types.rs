//! Structs for requests, responses and named object types, with their validation and schemas.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs;
use crate::model::{Field, NamedType, ParamType, Spec};
use crate::names;

/// Whether a struct is sent (every field optional, required ones checked before sending)
/// or received (lists default to empty, optional fields are `Option`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

/// Names of the named types reachable from any operation's request parameters.
pub fn input_types(spec: &Spec) -> BTreeSet<String> {
    let all: Vec<&NamedType> =
        spec.shared_types.iter().flat_map(|s| &s.types).chain(spec.operations.iter().flat_map(|o| &o.types)).collect();
    let mut out = BTreeSet::new();
    let mut stack: Vec<&ParamType> =
        spec.operations.iter().flat_map(|o| o.query.iter().chain(&o.headers).chain(&o.body)).map(|f| &f.ty).collect();
    while let Some(ty) = stack.pop() {
        match ty {
            ParamType::List(inner) => stack.push(inner),
            ParamType::Named(n) => {
                if out.insert(n.clone())
                    && let Some(t) = all.iter().find(|t| &t.name == n)
                {
                    stack.extend(t.fields.iter().map(|f| &f.ty));
                }
            }
            _ => {}
        }
    }
    out
}

/// What every file's generation needs to know about the whole spec, computed once.
pub struct Context<'s> {
    pub spec: &'s Spec,
    /// Named types reachable from request parameters (generated as input structs).
    pub inputs: BTreeSet<String>,
    /// The group each named type is declared in.
    pub groups: BTreeMap<&'s str, &'s str>,
    /// Each tagged union by name: its first variant's Rust name and value type (for examples).
    pub unions: BTreeMap<&'s str, (String, &'s str)>,
}

impl<'s> Context<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        let mut groups = BTreeMap::new();
        for s in &spec.shared_types {
            groups.extend(s.types.iter().map(|t| (t.name.as_str(), s.group.as_str())));
        }
        for o in &spec.operations {
            groups.extend(o.types.iter().map(|t| (t.name.as_str(), o.group.as_str())));
        }
        let unions = spec
            .shared_types
            .iter()
            .flat_map(|s| &s.types)
            .chain(spec.operations.iter().flat_map(|o| &o.types))
            .filter(|t| t.is_union())
            .filter_map(|t| {
                let first = t.fields.first()?;
                let ParamType::Named(value) = &first.ty else { return None };
                Some((t.name.as_str(), (variant_name(first), value.as_str())))
            })
            .collect();
        Context { spec, inputs: input_types(spec), groups, unions }
    }
}

/// Resolves where named types live, relative to the module being generated.
pub struct Scope<'s> {
    pub ctx: &'s Context<'s>,
    pub group: &'s str,
    /// Types declared in the file being generated.
    pub local: BTreeSet<&'s str>,
}

impl Scope<'_> {
    fn type_group(&self, name: &str) -> &str {
        self.ctx.groups.get(name).copied().unwrap_or(self.group)
    }

    /// The path to an item generated beside the named type `name` (the type or its schema).
    fn path_of(&self, name: &str, item: proc_macro2::Ident) -> TokenStream {
        if self.local.contains(name) {
            quote! { #item }
        } else if self.type_group(name) == self.group {
            quote! { super::#item }
        } else {
            let g = format_ident!("{}", self.type_group(name));
            quote! { crate::generated::#g::#item }
        }
    }

    pub fn type_path(&self, name: &str) -> TokenStream {
        self.path_of(name, format_ident!("{}", names::bare(name)))
    }

    pub fn schema_path(&self, name: &str) -> TokenStream {
        self.path_of(name, schema_ident(name))
    }

    /// The type a setter (and an accessor's argument) takes for a field of type `ty`:
    /// `impl Into<String>`, `impl Into<Vec<T>>`, `impl Into<Union>` (each variant's value converts),
    /// else the type itself.
    pub fn setter_type(&self, ty: &ParamType) -> TokenStream {
        match ty {
            ParamType::Named(n) if self.ctx.unions.contains_key(n.as_str()) => {
                let ty = self.rust_type(ty);
                quote! { impl Into<#ty> }
            }
            ParamType::String | ParamType::List(_) | ParamType::File => {
                let ty = self.rust_type(ty);
                quote! { impl Into<#ty> }
            }
            _ => self.rust_type(ty),
        }
    }

    /// A union's wire names, tag first, space-separated (`#[wire(flatten = "…")]`).
    pub fn union_keys(&self, name: &str) -> String {
        let all = self.ctx.spec.shared_types.iter().flat_map(|s| &s.types);
        let all = all.chain(self.ctx.spec.operations.iter().flat_map(|o| &o.types));
        all.filter(|t| t.name == name).flat_map(NamedType::union_keys).collect::<Vec<_>>().join(" ")
    }

    pub fn rust_type(&self, ty: &ParamType) -> TokenStream {
        match ty {
            ParamType::String => quote! { String },
            ParamType::Bool => quote! { bool },
            ParamType::I32 => quote! { i32 },
            ParamType::I64 => quote! { i64 },
            ParamType::F64 => quote! { f64 },
            ParamType::Json => quote! { rt::JsonValue },
            ParamType::File => quote! { rt::Upload },
            ParamType::List(inner) => {
                let inner = self.rust_type(inner);
                quote! { Vec<#inner> }
            }
            ParamType::Named(n) => self.type_path(n),
        }
    }

    /// The schema expression (`rt::ParamType`) of a type.
    pub fn param_type(&self, ty: &ParamType) -> TokenStream {
        match ty {
            ParamType::String => quote! { rt::ParamType::String },
            ParamType::Bool => quote! { rt::ParamType::Bool },
            ParamType::I32 => quote! { rt::ParamType::I32 },
            ParamType::I64 => quote! { rt::ParamType::I64 },
            ParamType::F64 => quote! { rt::ParamType::F64 },
            ParamType::Json => quote! { rt::ParamType::Json },
            ParamType::File => quote! { rt::ParamType::File },
            ParamType::List(inner) => {
                let inner = self.param_type(inner);
                quote! { rt::ParamType::List(&#inner) }
            }
            ParamType::Named(n) if self.ctx.unions.contains_key(n.as_str()) => {
                let path = self.schema_path(n);
                quote! { rt::ParamType::Union(&#path) }
            }
            ParamType::Named(n) => {
                let path = self.schema_path(n);
                quote! { rt::ParamType::Object(&#path) }
            }
        }
    }
}

pub fn schema_ident(type_name: &str) -> proc_macro2::Ident {
    format_ident!("{}_SCHEMA", names::bare(type_name).to_shouty_snake_case())
}

pub fn field_ident(f: &Field) -> proc_macro2::Ident {
    names::ident(&rust_field_name(f))
}

pub fn rust_field_name(f: &Field) -> String {
    f.rust_name.clone().unwrap_or_else(|| names::field_name(&f.name))
}

/// Named types declared in one file (a `types:` file or an operation's `types:`).
pub fn named_types<'s>(types: &'s [NamedType], group: &'s str, ctx: &'s Context<'s>) -> TokenStream {
    let scope = Scope { ctx, group, local: types.iter().map(|t| t.name.as_str()).collect() };
    let items = types.iter().map(|t| {
        let direction = if ctx.inputs.contains(&t.name) { Direction::Input } else { Direction::Output };
        let bare = names::bare(&t.name);
        let doc = docs::lines(if t.description.is_empty() { bare } else { &t.description });
        let ident = format_ident!("{}", bare);
        if let Some((_, tag)) = &t.tag {
            return union_item(&ident, &doc, t, tag, &scope);
        }
        let strukt = struct_item(&ident, &doc, &t.fields, direction, &scope, None);
        let schema = schema_static(&t.name, &t.fields, &scope);
        quote! { #strukt #schema }
    });
    quote! { #(#items)* }
}

/// The Rust name of a union's variant: its wire name in UpperCamelCase (`actionCard` →
/// `ActionCard`), or its `rust_name`'s.
pub fn variant_name(f: &Field) -> String {
    names::upper_camel(f.rust_name.as_deref().unwrap_or(&f.name))
}

/// A tagged union: an enum of one-value variants (`#[derive(Wire)]` with `#[wire(tag)]` writes
/// its wire form), `From` each value type where no two variants share one, and its schema.
fn union_item(ident: &proc_macro2::Ident, doc: &[String], t: &NamedType, tag: &str, scope: &Scope) -> TokenStream {
    let variants: Vec<proc_macro2::Ident> = t.fields.iter().map(|f| format_ident!("{}", variant_name(f))).collect();
    let types: Vec<TokenStream> = t.fields.iter().map(|f| scope.rust_type(&f.ty)).collect();
    let defs = t.fields.iter().zip(&variants).zip(&types).map(|((f, v), ty)| {
        let fdoc = docs::lines(if f.description.is_empty() { &f.name } else { &f.description });
        let wire = &f.name;
        quote! {
            #(#[doc = #fdoc])*
            #[wire(rename = #wire)]
            #v(#ty),
        }
    });
    let distinct: BTreeSet<String> = types.iter().map(ToString::to_string).collect();
    let froms = (distinct.len() == types.len()).then(|| {
        let (variants, types) = (variants.iter(), types.iter());
        quote! {
            #(impl From<#types> for #ident {
                fn from(value: #types) -> Self {
                    Self::#variants(value)
                }
            })*
        }
    });
    let schema = schema_ident(&t.name);
    let name = names::bare(&t.name);
    let fields = field_schemas(&t.fields, scope);
    let schema_doc = format!(" Wire schema of [`{name}`].");
    let tag_doc = format!(
        " On the wire, an object whose `{tag}` names the variant and whose field of that name holds its value."
    );
    quote! {
        #(#[doc = #doc])*
        ///
        #[doc = #tag_doc]
        #[derive(Debug, Clone, PartialEq, Wire)]
        #[wire(tag = #tag)]
        #[non_exhaustive]
        pub enum #ident {
            #(#defs)*
        }
        #froms
        #[doc = #schema_doc]
        #[doc(hidden)]
        pub static #schema: rt::UnionSchema = rt::UnionSchema { name: #name, tag: #tag, variants: &[ #(#fields),* ] };
    }
}

/// `pub static X_SCHEMA: rt::ObjectSchema` describing a named type, for the fake server and tools.
fn schema_static(name: &str, fields: &[Field], scope: &Scope) -> TokenStream {
    let ident = schema_ident(name);
    let name = names::bare(name);
    let fields = field_schemas(fields, scope);
    let doc = format!(" Wire schema of [`{name}`].");
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        pub static #ident: rt::ObjectSchema = rt::ObjectSchema { name: #name, fields: &[ #(#fields),* ] };
    }
}

/// `rt::FieldSchema::new("size", ty).required(true).range(Some(1), Some(100))`: only
/// what differs from the defaults is spelled out.
pub fn field_schemas(fields: &[Field], scope: &Scope) -> Vec<TokenStream> {
    fields
        .iter()
        .map(|f| {
            let name = &f.name;
            let ty = scope.param_type(&f.ty);
            let mut calls = Vec::new();
            if f.required {
                calls.push(quote! { .required(true) });
            }
            let c = &f.constraints;
            if c.min.is_some() || c.max.is_some() {
                let (min, max) = (super::opt_int(c.min), super::opt_int(c.max));
                calls.push(quote! { .range(#min, #max) });
            }
            let int = |v: u64| proc_macro2::Literal::i64_unsuffixed(i64::try_from(v).unwrap_or(i64::MAX));
            if let Some(max) = c.max_length.map(int) {
                calls.push(quote! { .max_length(#max) });
            }
            if let Some(max) = c.max_items.map(int) {
                calls.push(quote! { .max_items(#max) });
            }
            if f.secret {
                calls.push(quote! { .secret() });
            }
            if let Some((_, r)) = &f.references {
                calls.push(quote! { .references(#r) });
            }
            if f.flatten {
                calls.push(quote! { .flattened() });
            }
            if f.comma {
                calls.push(quote! { .comma_separated() });
            }
            if let Some(max) = c.max_json_bytes.map(int) {
                calls.push(quote! { .max_json_bytes(#max) });
            }
            if let Some(max) = c.max_bytes.map(int) {
                calls.push(quote! { .max_bytes(#max) });
            }
            if let Some(by) = &c.max_bytes_by {
                let param = &by.param;
                let limits = by.limits.iter().map(|(value, max)| {
                    let max = int(*max);
                    quote! { (#value, #max) }
                });
                calls.push(quote! { .max_bytes_by(&rt::BytesBy { param: #param, limits: &[#(#limits),*] }) });
            }
            quote! { rt::FieldSchema::new(#name, #ty) #(#calls)* }
        })
        .collect()
}

/// The imports a file of [`struct_item`]s needs (short derive lists, one line each).
pub fn struct_imports() -> TokenStream {
    quote! {
        use dingtalk_runtime::{Setters, Wire};
    }
}

/// A struct with its wire form (`rt::Wire` writes `Serialize` and `Deserialize` from its
/// attributes) and builder-style setters (`rt::Setters`; with `builder`, the setters of the
/// optional fields on the operation's builder too, required ones being its accessor's arguments).
pub fn struct_item(
    ident: &proc_macro2::Ident,
    doc: &[String],
    fields: &[Field],
    direction: Direction,
    scope: &Scope,
    builder: Option<&proc_macro2::Ident>,
) -> TokenStream {
    let has_secret = fields.iter().any(|f| f.secret);
    let derives = if has_secret {
        quote! { #[derive(Clone, Default, PartialEq, Wire, Setters)] }
    } else {
        quote! { #[derive(Debug, Clone, Default, PartialEq, Wire, Setters)] }
    };
    let setters_attr = builder.map(|b| quote! { #[setters(builder = #b)] });
    // The new API's wire names are camelCase: one `rename_all` instead of a rename per field,
    // when it gives every field its wire name.
    let camel = fields.iter().any(|f| names::serde_name(&rust_field_name(f)) != f.name)
        && fields.iter().all(|f| camel_case(&names::serde_name(&rust_field_name(f))) == f.name);
    let rename_all = camel.then(|| quote! { #[wire(rename_all = "camelCase")] });
    let field_defs = fields.iter().map(|f| {
        let fdoc = docs::field(f);
        let ident = field_ident(f);
        let ty = scope.rust_type(&f.ty);
        let rename = if camel || f.flatten {
            quote! {}
        } else {
            rename_attr(f)
        };
        let flatten = f.flatten.then(|| {
            let keys = match &f.ty {
                ParamType::Named(n) => scope.union_keys(n),
                _ => String::new(),
            };
            quote! { #[wire(flatten = #keys)] }
        });
        // A union has no default value: a response's union field is an `Option` even when required.
        let union = matches!(&f.ty, ParamType::Named(n) if scope.ctx.unions.contains_key(n.as_str()));
        let is_list = matches!(f.ty, ParamType::List(_));
        // `Option` fields may be missing and are left out when `None`, without an attribute.
        let (ty, wire_attr) = match (direction, f.required, is_list) {
            (Direction::Input, _, _) | (Direction::Output, false, false) => (quote! { Option<#ty> }, quote! {}),
            (Direction::Output, true, false) if union => (quote! { Option<#ty> }, quote! {}),
            (Direction::Output, _, true) => (ty, quote! { #[wire(default)] }),
            (Direction::Output, true, false) => (ty, quote! {}),
        };
        let required = (builder.is_some() && f.required).then(|| quote! { #[setters(required)] });
        quote! {
            #(#[doc = #fdoc])*
            #rename
            #flatten
            #wire_attr
            #required
            pub #ident: #ty,
        }
    });
    let debug_impl = has_secret.then(|| debug_redacting(ident, fields));
    quote! {
        #(#[doc = #doc])*
        #derives
        #setters_attr
        #rename_all
        #[non_exhaustive]
        pub struct #ident {
            #(#field_defs)*
        }

        #debug_impl
    }
}

/// What `#[wire(rename_all = "camelCase")]` makes of a field name, by the same rule as
/// dingtalk-derive's (serde's): PascalCase (drop each `_`, capitalize what follows it and the
/// first letter), then the first letter lowercased: `state_code` → `stateCode`.
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

fn rename_attr(f: &Field) -> TokenStream {
    let rust = names::serde_name(&rust_field_name(f));
    if rust == f.name {
        quote! {}
    } else {
        let wire = &f.name;
        quote! { #[wire(rename = #wire)] }
    }
}

fn debug_redacting(ident: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
    let name = ident.to_string();
    let entries = fields.iter().map(|f| {
        let fi = field_ident(f);
        let label = rust_field_name(f);
        if f.secret {
            quote! { .field(#label, &rt::Redacted::of(&self.#fi)) }
        } else {
            quote! { .field(#label, &self.#fi) }
        }
    });
    quote! {
        impl std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#name) #(#entries)* .finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The same table as dingtalk-derive's test of its rule: the generator leaves out a
    /// `rename` exactly when the derive would produce the wire name itself.
    #[test]
    fn camel_case_is_the_derive_s_rule() {
        for (field, wire) in
            [("state_code", "stateCode"), ("a", "a"), ("_private", "private"), ("x_1_y", "x1Y"), ("", "")]
        {
            assert_eq!(super::camel_case(field), wire, "{field}");
        }
    }
}
