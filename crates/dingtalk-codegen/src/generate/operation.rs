//! One operation: request, response, error-code enum, descriptor, pagination and fluent calls.

use heck::ToShoutySnakeCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::types::{Context, Direction, Scope, field_ident, field_schemas, named_types, rust_field_name, struct_item};
use crate::model::{CodeValue, ErrorClass, ErrorCode, Field, Operation, ParamType, Service};
use crate::names;

pub fn descriptor_ident(op: &Operation) -> Ident {
    format_ident!("{}", op.name.to_shouty_snake_case())
}

pub fn generate<'s>(op: &'s Operation, ctx: &'s Context<'s>) -> TokenStream {
    let scope = Scope { ctx, group: &op.group, local: op.types.iter().map(|t| t.name.as_str()).collect() };
    let name = &op.name;
    let op_ident = format_ident!("{}", name);
    let request_ident = format_ident!("{}Request", name);
    let response_ident = format_ident!("{}Response", name);
    let code_ident = format_ident!("{}ErrorCode", name);
    let error_alias = format_ident!("{}Error", name);
    let method_ident = names::ident(&names::snake(name));
    let params: Vec<Field> = op.params().cloned().collect();
    let service = ctx.spec.service_of(op);
    let by_group = service.by_group;
    let status_codes = service.envelope == crate::model::ErrorEnvelope::HttpStatus;

    let request_doc = docs::paragraphs(&[format!(
        "Parameters of [`{name}`]: {}\n\nChecked against the spec's constraints before anything is sent.",
        op.summary
    )]);
    let builder_ident = format_ident!("{}Builder", name);
    let request = struct_item(&request_ident, &request_doc, &params, Direction::Input, &scope, Some(&builder_ident));
    let response_doc = docs::paragraphs(&[format!("The response of [`{name}`].")]);
    let response = match (op.response_value, op.response.first()) {
        (true, Some(f)) => value_response(&response_ident, &response_doc, f, &scope),
        _ => struct_item(&response_ident, &response_doc, &op.response, Direction::Output, &scope, None),
    };
    let envelope = match op.response.iter().find(|f| f.name == "errcode" && f.ty.is_integer()) {
        Some(f) => {
            let field = field_ident(f);
            let value = match (f.required, &f.ty) {
                (true, ParamType::I32) => quote! { Some(i64::from(self.#field)) },
                (true, _) => quote! { Some(self.#field) },
                (false, ParamType::I32) => quote! { self.#field.map(i64::from) },
                (false, _) => quote! { self.#field },
            };
            quote! {
                impl rt::ResponseEnvelope for #response_ident {
                    fn errcode(&self) -> Option<i64> {
                        #value
                    }
                }
            }
        }
        None => quote! { impl rt::ResponseEnvelope for #response_ident {} },
    };
    let types = named_types(&op.types, &op.group, ctx);
    // A service with string codes has one code enum for all its operations (no operation
    // documents codes of its own).
    let (error_enum, code_type) = if status_codes {
        let service_enum = super::service::code_enum_ident(service);
        (quote! {}, quote! { crate::generated::service::#service_enum })
    } else {
        (error_enum(op, &code_ident), quote! { #code_ident })
    };
    let descriptor = descriptor(op, &scope);
    let desc_ident = descriptor_ident(op);

    let op_doc = operation_doc(op);
    let error_doc = if status_codes {
        format!(
            " The error of [`{name}`]: an API error carries the service's [`{}`](crate::generated::service::{}).",
            super::service::code_enum_ident(service),
            super::service::code_enum_ident(service)
        )
    } else {
        format!(" The error of [`{name}`]: an API error carries a [`{code_ident}`].")
    };
    let pagination = op.pagination.as_ref().map(|p| paginated_impl(op, p, &op_ident, &scope));

    let imports = super::types::struct_imports();
    let builder = builder_item(op, &op_ident, &builder_ident, &request_ident);
    let client_methods = accessors(op, &method_ident, &builder_ident, &request_ident, &scope, by_group);

    quote! {
        use dingtalk_runtime as rt;
        #imports

        #(#[doc = #op_doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct #op_ident;

        impl rt::Operation for #op_ident {
            type Request = #request_ident;
            type Response = #response_ident;
            type ErrorCode = #code_type;
            const DESCRIPTOR: &'static rt::OperationDescriptor = &#desc_ident;
        }

        impl rt::OperationRequest for #request_ident {
            type Operation = #op_ident;
        }

        #[doc = #error_doc]
        pub type #error_alias = rt::Error<#code_type>;

        #request
        #builder
        #response
        #envelope
        #types
        #error_enum
        #descriptor
        #pagination

        #client_methods
    }
}

/// The operation's own builder: a struct around the generated crate's `RequestBuilder`, its
/// common methods from `rt::op_builder!`, its setters from the request's `#[derive(Setters)]`.
fn builder_item(op: &Operation, op_ident: &Ident, builder: &Ident, request: &Ident) -> TokenStream {
    let doc = format!(
        " A call of [`{op_ident}`] being put together: set its optional parameters (see [`{request}`]), then \
         `send()` it{}.",
        if op.pagination.is_some() { " or walk its pages with `into_paginator()`" } else { "" }
    );
    let paginated = op.pagination.as_ref().map(|_| quote! { , paginated });
    quote! {
        #[doc = #doc]
        pub struct #builder<C = crate::generated::Client> {
            inner: crate::generated::RequestBuilder<#op_ident, C>,
        }

        rt::op_builder!(#builder, #op_ident #paginated);
    }
}

/// The parameters given as the accessor's arguments: the path's, then the required ones of the
/// query and the body, in the spec's order.
fn required_params(op: &Operation) -> Vec<&Field> {
    op.params().filter(|f| f.required).collect()
}

/// The methods that start a call: `client.contact_1_0().get_user(union_id)` (the new API's,
/// through the group) or `client.list_label_groups()` (and its blocking twin), each taking the
/// required parameters as arguments.
fn accessors(
    op: &Operation,
    method: &Ident,
    builder: &Ident,
    request: &Ident,
    scope: &Scope,
    by_group: bool,
) -> TokenStream {
    let required = required_params(op);
    let args: Vec<TokenStream> = required
        .iter()
        .map(|f| {
            let (ident, ty) = (field_ident(f), scope.setter_type(&f.ty));
            quote! { #ident: #ty }
        })
        .collect();
    let sets = required.iter().map(|f| {
        let ident = field_ident(f);
        match &f.ty {
            ParamType::Named(n) if scope.ctx.unions.contains_key(n.as_str()) => quote! { .#ident(#ident.into()) },
            _ => quote! { .#ident(#ident) },
        }
    });
    let start = quote! { #request::new() #(#sets)* };
    let method_doc = client_method_doc(op, method, by_group, &scope.ctx.unions);
    // Every required parameter is an argument, however many the operation has.
    let many = (args.len() > 6).then(|| quote! { #[allow(clippy::too_many_arguments)] });
    if by_group {
        // Reached through the group, for either client flavour.
        return quote! {
            impl<C: Clone> super::Operations<C> {
                #(#[doc = #method_doc])*
                #many
                pub fn #method(&self, #(#args),*) -> #builder<C> {
                    #builder::from_request(self.client.clone(), #start)
                }
            }
        };
    }
    let blocking_doc = format!(" {} Blocking; see [`crate::generated::Client::{method}`].", op.summary);
    quote! {
        impl crate::generated::Client {
            #(#[doc = #method_doc])*
            #many
            pub fn #method(&self, #(#args),*) -> #builder {
                #builder::from_request(self.clone(), #start)
            }
        }

        #[cfg(feature = "blocking")]
        impl crate::generated::blocking::Client {
            #[doc = #blocking_doc]
            #many
            pub fn #method(&self, #(#args),*) -> #builder<crate::generated::blocking::Client> {
                #builder::from_request(self.clone(), #start)
            }
        }
    }
}

/// A response field on a path, and whether its Rust field is an `Option`.
struct Step<'s> {
    field: &'s Field,
    optional: bool,
}

/// The fields along a dotted response path (`result.list`), validated to exist.
fn response_steps<'s>(op: &'s Operation, path: &str, ctx: &'s Context<'s>) -> Vec<Step<'s>> {
    let named = |name: &str| {
        ctx.spec
            .shared_types
            .iter()
            .flat_map(|s| &s.types)
            .chain(ctx.spec.operations.iter().flat_map(|o| &o.types))
            .find(|t| t.name == name)
    };
    let mut steps = Vec::new();
    // The response struct is an output type: required scalars and objects are not `Option`.
    let mut fields: &[Field] = &op.response;
    let mut output = true;
    for segment in path.split('.') {
        let field = fields.iter().find(|f| f.name == segment).expect("validated: the path exists");
        let optional = !(matches!(field.ty, ParamType::List(_)) || output && field.required);
        steps.push(Step { field, optional });
        if let ParamType::Named(name) = &field.ty
            && let Some(t) = named(name)
        {
            fields = &t.fields;
            output = !ctx.inputs.contains(name);
        }
    }
    steps
}

/// `response` walked by reference through the objects of `steps`: the expression, and whether
/// it is an `Option` (an optional object on the way).
fn walk_by_ref(steps: &[Step]) -> (TokenStream, bool) {
    let mut expr = quote! { response };
    let mut in_option = false;
    for step in steps {
        let f = field_ident(step.field);
        expr = match (in_option, step.optional) {
            (false, false) => quote! { #expr.#f },
            (false, true) => quote! { #expr.#f.as_ref() },
            (true, false) => quote! { #expr.map(|v| &v.#f) },
            (true, true) => quote! { #expr.and_then(|v| v.#f.as_ref()) },
        };
        in_option |= step.optional;
    }
    (expr, in_option)
}

/// The response of an operation whose body is one value (an array or a scalar): a struct of
/// that one field, read and written as the field itself.
fn value_response(ident: &Ident, doc: &[String], f: &Field, scope: &Scope) -> TokenStream {
    let fdoc = docs::field(f);
    let field = field_ident(f);
    let ty = scope.rust_type(&f.ty);
    let ty = match (&f.ty, f.required) {
        (ParamType::List(_), _) | (_, true) => ty,
        _ => quote! { Option<#ty> },
    };
    quote! {
        #(#[doc = #doc])*
        #[derive(Debug, Clone, Default, PartialEq, Wire, Setters)]
        #[wire(transparent)]
        #[non_exhaustive]
        pub struct #ident {
            #(#[doc = #fdoc])*
            pub #field: #ty,
        }
    }
}

/// Reads the value at the end of `steps` from `response` (a reference) as an `Option` of a
/// reference to it.
fn read_path(steps: &[Step]) -> TokenStream {
    let (last, intermediate) = steps.split_last().expect("a path has a field");
    let (expr, in_option) = walk_by_ref(intermediate);
    let f = field_ident(last.field);
    match (in_option, last.optional) {
        (false, false) => quote! { Some(&#expr.#f) },
        (false, true) => quote! { #expr.#f.as_ref() },
        (true, false) => quote! { #expr.map(|v| &v.#f) },
        (true, true) => quote! { #expr.and_then(|v| v.#f.as_ref()) },
    }
}

/// The next page's position from a reference to the response field at `steps`: an integer, or
/// non-empty text.
fn read_position(steps: &[Step]) -> TokenStream {
    let value = read_path(steps);
    match steps.last().expect("a path has a field").field.ty {
        ParamType::String => quote! { #value.filter(|t| !t.is_empty()).map(|t| rt::PagePosition::Str(t.clone())) },
        ParamType::I32 => quote! { #value.map(|v| rt::PagePosition::Int(i64::from(*v))) },
        _ => quote! { #value.map(|v| rt::PagePosition::Int(*v)) },
    }
}

/// `impl Paginated`: position and size in the request, the items (and, for a cursor, the next
/// cursor) in the response.
fn paginated_impl(op: &Operation, p: &crate::model::Pagination, op_ident: &Ident, scope: &Scope) -> TokenStream {
    let param = |name: &str| op.query.iter().chain(&op.body).find(|f| f.name == name).expect("validated");
    let position = param(p.position());
    let pi = field_ident(position);
    let steps = response_steps(op, &p.items, scope.ctx);
    let item_ty = match &steps.last().expect("a path").field.ty {
        ParamType::List(inner) => scope.rust_type(inner),
        _ => unreachable!("validated: pagination items is a list"),
    };
    // The size, where the operation takes one.
    let (rs, ws) = match p.size.as_deref().map(param) {
        None => (quote! { None }, quote! { let _ = size; }),
        Some(size) => {
            let si = field_ident(size);
            match size.ty {
                ParamType::I32 => (
                    quote! { request.#si.map(i64::from) },
                    quote! {
                        if let Some(size) = size {
                            request.#si = Some(i32::try_from(size).unwrap_or(i32::MAX));
                        }
                    },
                ),
                _ => (
                    quote! { request.#si },
                    quote! {
                        if let Some(size) = size {
                            request.#si = Some(size);
                        }
                    },
                ),
            }
        }
    };
    // The position: an integer (offset, cursor, integer token) or text (a token).
    let (rp, wp) = match position.ty {
        ParamType::String => (
            quote! { request.#pi.clone().map(rt::PagePosition::Str) },
            quote! { request.#pi = position.map(|p| p.to_text()); },
        ),
        ParamType::I32 => (
            quote! { request.#pi.map(|v| rt::PagePosition::Int(i64::from(v))) },
            quote! { request.#pi = position.and_then(|p| p.to_int()).map(|v| i32::try_from(v).unwrap_or(i32::MAX)); },
        ),
        _ => (
            quote! { request.#pi.map(rt::PagePosition::Int) },
            quote! { request.#pi = position.and_then(|p| p.to_int()); },
        ),
    };
    let (items, count) = if steps.len() == 1 {
        let ii = field_ident(steps[0].field);
        (quote! { response.#ii }, quote! { response.#ii.len() })
    } else {
        // The owned walk for the items; intermediate objects may be absent.
        let (last, intermediate) = steps.split_last().expect("a path");
        let mut owned = quote! { response };
        let mut in_option = false;
        for step in intermediate {
            let f = field_ident(step.field);
            owned = match (in_option, step.optional) {
                (false, _) => quote! { #owned.#f },
                (true, false) => quote! { #owned.map(|v| v.#f) },
                (true, true) => quote! { #owned.and_then(|v| v.#f) },
            };
            in_option |= step.optional;
        }
        let li = field_ident(last.field);
        let items = if in_option {
            quote! { #owned.map(|v| v.#li).unwrap_or_default() }
        } else {
            quote! { #owned.#li }
        };
        let (by_ref, in_option) = walk_by_ref(intermediate);
        let count = if in_option {
            quote! { #by_ref.map_or(0, |v| v.#li.len()) }
        } else {
            quote! { #by_ref.#li.len() }
        };
        (items, count)
    };
    let (next, more) = match &p.style {
        crate::model::PageStyle::Offset { .. } => (None, None),
        crate::model::PageStyle::Cursor { next_cursor, has_more, .. } => (Some(next_cursor), Some(has_more)),
        crate::model::PageStyle::Token { next_token, has_more, .. } => (Some(next_token), has_more.as_ref()),
    };
    let next = next.map(|path| {
        let next = read_position(&response_steps(op, path, scope.ctx));
        quote! {
            fn next_position(response: &Self::Response) -> Option<rt::PagePosition> {
                #next
            }
        }
    });
    let more = more.map(|path| {
        let more = read_path(&response_steps(op, path, scope.ctx));
        quote! {
            fn has_more(response: &Self::Response) -> Option<bool> {
                #more.copied()
            }
        }
    });
    quote! {
        impl rt::Paginated for #op_ident {
            type Item = #item_ty;

            fn page(request: &Self::Request) -> (Option<rt::PagePosition>, Option<i64>) {
                (#rp, #rs)
            }

            fn set_page(request: &mut Self::Request, position: Option<rt::PagePosition>, size: Option<i64>) {
                #wp
                #ws
            }

            fn into_items(response: Self::Response) -> Vec<Self::Item> {
                #items
            }

            fn item_count(response: &Self::Response) -> usize {
                #count
            }

            #more

            #next
        }
    }
}

fn operation_doc(op: &Operation) -> Vec<String> {
    let mut facts = vec![format!("`{} {}`", op.method.as_str(), op.path)];
    if let Some(p) = &op.permission {
        facts.push(format!("Permission: `{}` ({}).", p.name, p.description));
    }
    if !op.app_types.is_empty() {
        facts.push(format!("App types: {}.", op.app_types.join(", ")));
    }
    facts.push(
        if op.retry_safe { "Safe to retry." } else { "Not retried once it may have reached the server." }.to_owned(),
    );
    if let Some(p) = &op.pagination {
        facts.push(match &p.style {
            crate::model::PageStyle::Offset { offset } => format!(
                "Paginated by `{offset}`/`{}` over `{}`, {} per page unless the request says.",
                p.size.as_deref().unwrap_or_default(),
                p.items,
                p.max_page_size.unwrap_or_default()
            ),
            crate::model::PageStyle::Cursor { cursor, next_cursor, has_more } => format!(
                "Paginated by cursor: `{cursor}` (0 first) takes `{next_cursor}` while `{has_more}` is true; `{}` items per page ({} unless the request says), in `{}`.",
                p.size.as_deref().unwrap_or_default(),
                p.max_page_size.unwrap_or_default(),
                p.items
            ),
            crate::model::PageStyle::Token { token, next_token, has_more, first } => format!(
                "Paginated by token: `{token}` ({} for the first page) takes `{next_token}` until a page hands out none{}; {}, in `{}`.",
                first.map_or_else(|| "left out".to_owned(), |f| f.to_string()),
                has_more.as_ref().map(|h| format!(" or `{h}` is false")).unwrap_or_default(),
                match (&p.size, p.max_page_size) {
                    (Some(size), Some(m)) => format!("`{size}` items per page ({m} unless the request says)"),
                    (Some(size), None) => format!("`{size}` items per page (the server's default unless the request says)"),
                    (None, _) => "as many items per page as the server picks".to_owned(),
                },
                p.items
            ),
        });
    }
    let mut parts = vec![op.summary.clone(), op.description.clone(), facts.join("\n\n")];
    if let Some(link) = &op.docs {
        parts.push(format!("Documentation: <{link}>"));
    }
    docs::paragraphs(&parts)
}

/// The accessor's doc: what it does, where the parameters and errors are, and an example call
/// with every required argument (the spec's example value, else a placeholder of its type).
/// The example is a doctest: it names the generated crate by `CARGO_CRATE_NAME`, so it compiles
/// in whichever crate the code is generated into.
fn client_method_doc(
    op: &Operation,
    method: &Ident,
    by_group: bool,
    unions: &std::collections::BTreeMap<&str, (String, &str)>,
) -> Vec<TokenStream> {
    let base = if by_group { format!("client.{}().{method}", op.group) } else { format!("client.{method}") };
    let args: Vec<String> = required_params(op).iter().map(|f| example_arg(f, unions)).collect();
    let call = format!("{base}({})", args.join(", "));
    let mut lines = docs::lines(&format!(
        "{}\n\nSee [`{}Request`] for the parameters and [`{}Error`] for what can go wrong.",
        op.summary, op.name, op.name
    ));
    lines.push(String::new());
    lines.push(" ```".to_owned());
    let mut tail = vec![" # async fn example(client: Client) -> Result<(), Box<dyn std::error::Error>> {".to_owned()];
    tail.push(format!(" let response = {call}.send().await?;"));
    if op.pagination.is_some() {
        tail.push(format!(" let every_item = {call}.into_paginator().collect_all().await?;"));
    }
    tail.extend([" # Ok(())", " # }", " ```"].map(str::to_owned));
    let head = lines.iter().map(|l| quote! { #l });
    let uses = format!("::generated::{{Client, {}::*}};", op.group);
    let tail = tail.iter().map(|l| quote! { #l });
    head.chain(std::iter::once(quote! { concat!(" # use ", env!("CARGO_CRATE_NAME"), #uses) })).chain(tail).collect()
}

/// A value of the argument's type for an example: the spec's example when it has one of that
/// type, else a placeholder (`"union_id"`, `0`, `false`, an empty list, a new object).
fn example_arg(f: &Field, unions: &std::collections::BTreeMap<&str, (String, &str)>) -> String {
    let example = f.example.as_ref().map(|(_, v)| v);
    if let ParamType::Named(n) = &f.ty
        && let Some((variant, value)) = unions.get(n.as_str())
    {
        return format!("{}::{variant}({}::new())", names::bare(n), names::bare(value));
    }
    match (&f.ty, example) {
        (ParamType::String, Some(serde_json::Value::String(s))) => format!("{s:?}"),
        (ParamType::String, _) => format!("{:?}", rust_field_name(f)),
        (ParamType::I32 | ParamType::I64, Some(v)) if v.is_i64() => v.to_string(),
        (ParamType::F64, Some(v)) if v.is_number() => format!("{:?}", v.as_f64().unwrap_or_default()),
        (ParamType::Bool, Some(serde_json::Value::Bool(b))) => b.to_string(),
        (ParamType::I32 | ParamType::I64, _) => "0".to_owned(),
        (ParamType::F64, _) => "0.0".to_owned(),
        (ParamType::Bool, _) => "false".to_owned(),
        (ParamType::Json, _) => "Default::default()".to_owned(),
        (ParamType::File, Some(serde_json::Value::String(s))) => format!("dingtalk_runtime::Upload::path({s:?})"),
        (ParamType::File, _) => format!("dingtalk_runtime::Upload::path({:?})", rust_field_name(f)),
        (ParamType::List(inner), _) => format!("Vec::<{}>::new()", type_text(inner)),
        (ParamType::Named(n), _) => format!("{}::new()", names::bare(n)),
    }
}

/// A type as an example writes it (named types by their bare name, imported by the example).
fn type_text(ty: &ParamType) -> String {
    match ty {
        ParamType::String => "String".into(),
        ParamType::Bool => "bool".into(),
        ParamType::I32 => "i32".into(),
        ParamType::I64 => "i64".into(),
        ParamType::F64 => "f64".into(),
        ParamType::Json => "dingtalk_runtime::JsonValue".into(),
        ParamType::File => "dingtalk_runtime::Upload".into(),
        ParamType::List(inner) => format!("Vec<{}>", type_text(inner)),
        ParamType::Named(n) => names::bare(n).to_owned(),
    }
}

/// The class of a code: the endpoint's own, else the service's, else not retryable.
fn effective_class(code: &ErrorCode, service: &Service) -> ErrorClass {
    code.class
        .or_else(|| service.error_codes.iter().find(|g| g.code == code.code).and_then(|g| g.class))
        .unwrap_or(ErrorClass::NotRetryable)
}

fn error_enum(op: &Operation, ident: &Ident) -> TokenStream {
    let doc = format!(
        " Error codes documented for [`{}`], plus [`Unknown`](Self::Unknown) for any other code.\n\n\
         Message, fix and class of each come from the operation's descriptor (`ApiErrorCode`).",
        op.name
    );
    let variants: Vec<Ident> = op.errors.iter().map(|e| format_ident!("{}", names::upper_camel(&e.name))).collect();
    let variant_docs = op.errors.iter().map(|e| {
        let solution = if e.solution.is_empty() { String::new() } else { format!(" {}", e.solution) };
        format!(" `{}` {}.{solution}", e.code, e.message.trim_end_matches('.'))
    });
    let codes: Vec<TokenStream> = op
        .errors
        .iter()
        .map(|e| match &e.code {
            CodeValue::Num(n) => super::int(*n),
            // Validated: an `errcode` operation's codes are numbers.
            CodeValue::Str(s) => quote! { #s },
        })
        .collect();
    let desc = descriptor_ident(op);
    let from_code = if codes.is_empty() {
        quote! { Self::Unknown(code) }
    } else {
        quote! {
            match code {
                #( #codes => Self::#variants, )*
                other => Self::Unknown(other),
            }
        }
    };
    let code_of = if codes.is_empty() {
        quote! { let Self::Unknown(code) = self; rt::Code::Num(*code) }
    } else {
        quote! {
            rt::Code::Num(match self {
                #( Self::#variants => #codes, )*
                Self::Unknown(code) => *code,
            })
        }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ident {
            #( #[doc = #variant_docs] #variants, )*
            /// A code this operation does not document (the service's global table may).
            Unknown(i64),
        }

        impl #ident {
            /// The variant of a numeric code.
            pub fn from_code(code: i64) -> Self {
                #from_code
            }
        }

        impl rt::ApiErrorCode for #ident {
            fn from_descriptor(code: rt::Code<'_>, _: &'static rt::OperationDescriptor) -> Self {
                // An `errcode` service answers numbers only.
                Self::from_code(code.as_i64().unwrap_or_default())
            }

            fn code(&self) -> rt::Code<'_> {
                #code_of
            }

            fn info(&self) -> Option<&'static rt::ErrorCodeInfo> {
                #desc.error(self.code())
            }
        }

        impl std::fmt::Display for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                rt::ApiErrorCode::fmt_code(self, f)
            }
        }
    }
}

fn descriptor(op: &Operation, scope: &Scope) -> TokenStream {
    let ident = descriptor_ident(op);
    let (name, group, summary, path) = (&op.name, &op.group, &op.summary, &op.path);
    let method = format_ident!("{}", op.method.variant());
    let service = scope.ctx.spec.service_of(op);
    let id = if service.by_group { format!("{}.{}", op.group, op.name) } else { op.name.clone() };
    let service_static = super::service::static_ident(scope.ctx.spec, service);
    let path_params = field_schemas(&op.path_params, scope);
    let encoding = format_ident!("{}", op.encoding.variant());
    let (requires_token, retry_safe, response_value) = (op.requires_token, op.retry_safe, op.response_value);
    let query = field_schemas(&op.query, scope);
    let headers = field_schemas(&op.headers, scope);
    let body = field_schemas(&op.body, scope);
    let response = field_schemas(&op.response, scope);
    let pagination = match &op.pagination {
        Some(p) => {
            let i = &p.items;
            let s = p.size.as_deref().unwrap_or_default();
            let m = p.max_page_size.map(super::int);
            match &p.style {
                crate::model::PageStyle::Offset { offset } => {
                    quote! { Some(rt::Pagination::offset(#offset, #s, #i, #m)) }
                }
                crate::model::PageStyle::Cursor { cursor, next_cursor, has_more } => {
                    quote! { Some(rt::Pagination::cursor(#cursor, #s, #i, #next_cursor, #has_more, #m)) }
                }
                crate::model::PageStyle::Token { token, next_token, has_more, first } => {
                    let first = match first {
                        Some(f) => {
                            let f = super::int(*f);
                            quote! { Some(#f) }
                        }
                        None => quote! { None },
                    };
                    let has_more = match has_more {
                        Some(h) => quote! { Some(#h) },
                        None => quote! { None },
                    };
                    let m = match m {
                        Some(m) => quote! { Some(#m) },
                        None => quote! { None },
                    };
                    let s = match &p.size {
                        Some(s) => quote! { Some(#s) },
                        None => quote! { None },
                    };
                    quote! { Some(rt::Pagination::token(#token, #s, #i, #next_token, #has_more, #first, #m)) }
                }
            }
        }
        None => quote! { None },
    };
    let errors = op.errors.iter().map(|e| {
        // What the client shows: the code's own class and fix, else the global table's.
        let global = service.error_codes.iter().find(|g| g.code == e.code);
        let mut entry = e.clone();
        entry.class = Some(effective_class(e, service));
        if entry.solution.is_empty() {
            entry.solution = global.map(|g| g.solution.clone()).unwrap_or_default();
        }
        super::service::error_info(&entry, &e.param)
    });
    let doc = format!(" How [`{name}`] is called: everything the generic runtime needs.");
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        pub static #ident: rt::OperationDescriptor = rt::OperationDescriptor {
            name: #name,
            id: #id,
            group: #group,
            summary: #summary,
            service: &crate::generated::service::#service_static,
            method: rt::HttpMethod::#method,
            path: #path,
            encoding: rt::Encoding::#encoding,
            requires_token: #requires_token,
            retry_safe: #retry_safe,
            response_value: #response_value,
            path_params: &[ #(#path_params),* ],
            query: &[ #(#query),* ],
            headers: &[ #(#headers),* ],
            body: &[ #(#body),* ],
            response: &[ #(#response),* ],
            pagination: #pagination,
            errors: &[ #(#errors),* ],
        };
    }
}

/// The fake server's view of an operation: examples and store behaviour (`<group>/mock.rs`).
pub fn mock_descriptor(op: &Operation) -> TokenStream {
    let desc = descriptor_ident(op);
    let group = format_ident!("{}", op.group);
    let ident = format_ident!("{}_MOCK", desc);
    let examples = op.examples.iter().map(|ex| {
        let ename = &ex.name;
        let response = opt_str(ex.response.as_deref());
        let body =
            opt_str(ex.request.as_ref().map(|r| serde_json::Value::Object(r.body.clone()).to_string()).as_deref());
        let curl = opt_str(ex.curl.as_deref());
        quote! { rt::ExampleInfo { name: #ename, request_body: #body, curl: #curl, response: #response } }
    });
    let behaviour = match &op.mock {
        Some(m) => {
            let action = format_ident!("{}", m.action.variant());
            let (store, key) = (&m.store, &m.key);
            let param = opt_str(m.param.as_deref());
            let object_key = opt_str(m.object_key.as_deref());
            let result = opt_str(m.result.as_deref());
            let not_found = match &m.not_found {
                Some(CodeValue::Num(n)) => {
                    let n = super::int(*n);
                    quote! { Some(rt::Code::Num(#n)) }
                }
                Some(CodeValue::Str(c)) => quote! { Some(rt::Code::Str(#c)) },
                None => quote! { None },
            };
            let filter = match &m.filter {
                Some(f) => {
                    let (p, fld) = (&f.param, &f.field);
                    quote! { Some(rt::MockFilter { param: #p, field: #fld }) }
                }
                None => quote! { None },
            };
            let project = opt_str(m.project.as_deref());
            let defaults = opt_str(m.defaults.as_ref().map(|(_, t)| t.as_str()));
            quote! { Some(rt::MockInfo { store: #store, action: rt::MockAction::#action, key: #key, param: #param, object_key: #object_key, result: #result, not_found: #not_found, filter: #filter, project: #project, defaults: #defaults }) }
        }
        None => quote! { None },
    };
    let doc = format!(
        " The documentation's examples of [`{0}`](crate::generated::{1}::{0}) and how the fake server stores its objects.",
        op.name, op.group
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        pub static #ident: rt::MockDescriptor = rt::MockDescriptor {
            operation: &crate::generated::#group::#desc,
            examples: &[ #(#examples),* ],
            behaviour: #behaviour,
        };
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    }
}
