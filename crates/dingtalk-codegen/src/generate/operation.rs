//! One operation: request, response, error-code enum, descriptor, pagination and fluent calls.

use heck::ToShoutySnakeCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::types::{Context, Direction, Scope, field_ident, field_schemas, named_types, struct_item};
use crate::model::{ErrorClass, ErrorCode, Field, Operation, Spec, TypeRef};
use crate::names;

pub fn descriptor_ident(op: &Operation) -> Ident {
    format_ident!("{}", op.name.to_shouty_snake_case())
}

pub fn generate<'s>(op: &'s Operation, ctx: &'s Context<'s>) -> TokenStream {
    let spec = ctx.spec;
    let scope = Scope { ctx, group: &op.group, local: op.types.iter().map(|t| t.name.as_str()).collect() };
    let name = &op.name;
    let op_ident = format_ident!("{}", name);
    let request_ident = format_ident!("{}Request", name);
    let response_ident = format_ident!("{}Response", name);
    let code_ident = format_ident!("{}ErrorCode", name);
    let error_alias = format_ident!("{}Error", name);
    let method_ident = names::ident(&names::snake(name));
    let params: Vec<Field> = op.query.iter().chain(&op.body).cloned().collect();

    let request_doc = docs::paragraphs(&[format!(
        "Parameters of [`{name}`]: {}\n\nChecked against the spec's constraints before anything is sent.",
        op.summary
    )]);
    let request = struct_item(&request_ident, &request_doc, &params, Direction::Input, &scope);
    let response_doc = docs::paragraphs(&[format!("The response of [`{name}`].")]);
    let response = struct_item(&response_ident, &response_doc, &op.response, Direction::Output, &scope);
    let envelope = match op.response.iter().find(|f| f.name == "errcode" && f.ty.is_integer()) {
        Some(f) => {
            let field = field_ident(f);
            let value = match (f.required, &f.ty) {
                (true, TypeRef::I32) => quote! { Some(i64::from(self.#field)) },
                (true, _) => quote! { Some(self.#field) },
                (false, TypeRef::I32) => quote! { self.#field.map(i64::from) },
                (false, _) => quote! { self.#field },
            };
            quote! {
                impl crate::ResponseEnvelope for #response_ident {
                    fn errcode(&self) -> Option<i64> {
                        #value
                    }
                }
            }
        }
        None => quote! { impl crate::ResponseEnvelope for #response_ident {} },
    };
    let types = named_types(&op.types, &op.group, ctx);
    let error_enum = error_enum(op, spec, &code_ident);
    let descriptor = descriptor(op, &scope);
    let desc_ident = descriptor_ident(op);

    let op_doc = operation_doc(op);
    let error_doc = format!(" The error of [`{name}`]: an API error carries a [`{code_ident}`].");
    let pagination = op.pagination.as_ref().map(|p| {
        let offset = op.query.iter().chain(&op.body).find(|f| f.name == p.offset).expect("validated");
        let size = op.query.iter().chain(&op.body).find(|f| f.name == p.size).expect("validated");
        let items = op.response.iter().find(|f| f.name == p.items).expect("validated");
        let (oi, si, ii) = (field_ident(offset), field_ident(size), field_ident(items));
        let item_ty = match &items.ty {
            TypeRef::List(inner) => scope.rust_type(inner),
            _ => unreachable!("validated: pagination items is a list"),
        };
        let read = |f: &Field, i: &Ident| match f.ty {
            TypeRef::I32 => quote! { request.#i.map(i64::from) },
            _ => quote! { request.#i },
        };
        let write = |f: &Field, i: &Ident, v: TokenStream| match f.ty {
            TypeRef::I32 => quote! { request.#i = Some(i32::try_from(#v).unwrap_or(i32::MAX)); },
            _ => quote! { request.#i = Some(#v); },
        };
        let (ro, rs) = (read(offset, &oi), read(size, &si));
        let (wo, ws) = (write(offset, &oi, quote! { offset }), write(size, &si, quote! { size }));
        quote! {
            impl crate::Paginated for #op_ident {
                type Item = #item_ty;

                fn page(request: &Self::Request) -> (Option<i64>, Option<i64>) {
                    (#ro, #rs)
                }

                fn set_page(request: &mut Self::Request, offset: i64, size: i64) {
                    #wo
                    #ws
                }

                fn into_items(response: Self::Response) -> Vec<Self::Item> {
                    response.#ii
                }

                fn item_count(response: &Self::Response) -> usize {
                    response.#ii.len()
                }
            }
        }
    });

    let fluent_setters = params.iter().map(|f| {
        let ident = field_ident(f);
        let (param, _) = super::types::setter_param(&f.ty, scope.rust_type(&f.ty));
        let doc = docs::field(f);
        quote! {
            #(#[doc = #doc])*
            pub fn #ident(mut self, value: #param) -> Self {
                self.request = self.request.#ident(value);
                self
            }
        }
    });
    let method_doc = client_method_doc(op, &method_ident);
    let blocking_doc = format!(" {} Blocking; see [`crate::Client::{method_ident}`].", op.summary);

    quote! {
        #(#[doc = #op_doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct #op_ident;

        impl crate::Operation for #op_ident {
            type Request = #request_ident;
            type Response = #response_ident;
            type ErrorCode = #code_ident;
            const DESCRIPTOR: &'static crate::OperationDescriptor = &#desc_ident;
        }

        impl crate::OperationRequest for #request_ident {
            type Operation = #op_ident;
        }

        #[doc = #error_doc]
        pub type #error_alias = crate::Error<#code_ident>;

        #request
        #response
        #envelope
        #types
        #error_enum
        #descriptor
        #pagination

        impl crate::Client {
            #(#[doc = #method_doc])*
            pub fn #method_ident(&self) -> crate::RequestBuilder<#op_ident> {
                crate::RequestBuilder::new(self.clone())
            }
        }

        #[cfg(feature = "blocking")]
        impl crate::blocking::Client {
            #[doc = #blocking_doc]
            pub fn #method_ident(&self) -> crate::RequestBuilder<#op_ident, crate::blocking::Client> {
                crate::RequestBuilder::new(self.clone())
            }
        }

        impl<C> crate::RequestBuilder<#op_ident, C> {
            #(#fluent_setters)*
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
        facts.push(format!(
            "Paginated by `{}`/`{}` over `{}`, at most {} per page.",
            p.offset, p.size, p.items, p.max_page_size
        ));
    }
    let mut parts = vec![op.summary.clone(), op.description.clone(), facts.join("\n\n")];
    if let Some(link) = &op.docs {
        parts.push(format!("Documentation: <{link}>"));
    }
    docs::paragraphs(&parts)
}

fn client_method_doc(op: &Operation, method: &Ident) -> Vec<String> {
    let mut call = format!("client.{method}()");
    // The example runs (against the fake server) when every required parameter has an example.
    let mut runnable = true;
    for f in op.query.iter().chain(&op.body) {
        let arg = match (&f.ty, f.example.as_ref().map(|(_, v)| v)) {
            (TypeRef::String, Some(serde_json::Value::String(s))) => format!("{s:?}"),
            (TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Bool, Some(v)) => v.to_string(),
            _ => {
                runnable &= !f.required;
                continue;
            }
        };
        call.push_str(&format!(".{}({arg})", super::types::rust_field_name(f)));
    }
    let setup = if runnable {
        "```\n# #[tokio::main(flavor = \"current_thread\")]\n# async fn main() -> Result<(), Box<dyn std::error::Error>> {\n\
         # let server = dingtalk_mock::MockServer::builder().access_token(\"doc-token\").start().await?;\n\
         # let client = dingtalk_oapi::Client::builder().base_url(server.url()).access_token(\"doc-token\").build()?;\n"
    } else {
        "```no_run\n# async fn example(client: dingtalk_oapi::Client) -> Result<(), Box<dyn std::error::Error>> {\n"
    };
    let mut text = format!(
        "{}\n\nSee [`{}Request`] for the parameters; [`{}Error`] for what can go wrong.\n\n{setup}let response = {call}.send().await?;\nprintln!(\"{{response:?}}\");\n",
        op.summary, op.name, op.name
    );
    if op.pagination.is_some() {
        text.push_str(&format!(
            "\n// Or every item, page by page:\nlet all = client.{method}().into_paginator().collect_all().await?;\nprintln!(\"{{}} items\", all.len());\n"
        ));
    }
    text.push_str("# Ok(())\n# }\n```");
    docs::lines(&text)
}

/// The class of a code: the endpoint's own, else the service's, else not retryable.
fn effective_class(code: &ErrorCode, spec: &Spec) -> ErrorClass {
    code.class
        .or_else(|| spec.service.error_codes.iter().find(|g| g.code == code.code).and_then(|g| g.class))
        .unwrap_or(ErrorClass::NotRetryable)
}

fn error_enum(op: &Operation, spec: &Spec, ident: &Ident) -> TokenStream {
    let doc =
        format!(" Error codes documented for [`{}`], plus [`Unknown`](Self::Unknown) for any other code.", op.name);
    let variants: Vec<Ident> = op.errors.iter().map(|e| format_ident!("{}", names::upper_camel(&e.name))).collect();
    let variant_docs = op.errors.iter().map(|e| {
        let solution = if e.solution.is_empty() { String::new() } else { format!(" {}", e.solution) };
        format!(" `{}` {}.{solution}", e.code, e.message.trim_end_matches('.'))
    });
    let codes: Vec<TokenStream> = op.errors.iter().map(|e| super::int(e.code)).collect();
    let messages = op.errors.iter().map(|e| e.message.as_str());
    let solutions = op.errors.iter().map(|e| {
        let global = spec.service.error_codes.iter().find(|g| g.code == e.code).map(|g| g.solution.as_str());
        let s = if e.solution.is_empty() { global.unwrap_or("") } else { &e.solution };
        if s.is_empty() {
            quote! { None }
        } else {
            quote! { Some(#s) }
        }
    });
    let classes = op.errors.iter().map(|e| {
        let v = format_ident!("{}", effective_class(e, spec).variant());
        quote! { crate::ErrorClass::#v }
    });
    let (v1, v2, v3, v4, v5) = (&variants, &variants, &variants, &variants, &variants);
    let (c1, c2) = (&codes, &codes);
    let from_code = if codes.is_empty() {
        quote! { Self::Unknown(code) }
    } else {
        quote! {
            match code {
                #( #c1 => Self::#v2, )*
                other => Self::Unknown(other),
            }
        }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ident {
            #( #[doc = #variant_docs] #v1, )*
            /// A code this operation does not document; see the global table in [`crate::generated::service`].
            Unknown(i64),
        }

        impl crate::ApiErrorCode for #ident {
            fn from_code(code: i64) -> Self {
                #from_code
            }

            fn code(&self) -> i64 {
                match self {
                    #( Self::#v3 => #c2, )*
                    Self::Unknown(code) => *code,
                }
            }

            fn message(&self) -> Option<&'static str> {
                match self {
                    #( Self::#v4 => Some(#messages), )*
                    Self::Unknown(code) => crate::generated::service::global_error(*code).map(|e| e.message),
                }
            }

            fn solution(&self) -> Option<&'static str> {
                match self {
                    #( Self::#v5 => #solutions, )*
                    Self::Unknown(code) => crate::generated::service::global_error(*code)
                        .map(|e| e.solution)
                        .filter(|s| !s.is_empty()),
                }
            }

            fn class(&self) -> crate::ErrorClass {
                match self {
                    #( Self::#variants => #classes, )*
                    Self::Unknown(code) => crate::generated::service::error_class(*code, None),
                }
            }
        }

        impl std::fmt::Display for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::ApiErrorCode::fmt_code(self, f)
            }
        }
    }
}

fn descriptor(op: &Operation, scope: &Scope) -> TokenStream {
    let ident = descriptor_ident(op);
    let (name, group, summary, path) = (&op.name, &op.group, &op.summary, &op.path);
    let method = format_ident!("{}", if op.method == crate::model::Method::Get { "Get" } else { "Post" });
    let encoding = format_ident!("{}", op.encoding.variant());
    let (requires_token, retry_safe) = (op.requires_token, op.retry_safe);
    let query = field_schemas(&op.query, scope);
    let body = field_schemas(&op.body, scope);
    let response = field_schemas(&op.response, scope);
    let pagination = match &op.pagination {
        Some(p) => {
            let (o, s, i, m) = (&p.offset, &p.size, &p.items, super::int(p.max_page_size));
            quote! { Some(crate::PaginationInfo { offset: #o, size: #s, items: #i, max_page_size: #m }) }
        }
        None => quote! { None },
    };
    let errors = op.errors.iter().map(|e| {
        let (code, ename, message, solution) = (super::int(e.code), &e.name, &e.message, &e.solution);
        let class = format_ident!("{}", effective_class(e, scope.ctx.spec).variant());
        let param = opt_str(e.param.as_deref());
        quote! { crate::ErrorCodeInfo { code: #code, name: #ename, message: #message, solution: #solution, class: crate::ErrorClass::#class, param: #param } }
    });
    let examples = op.examples.iter().map(|ex| {
        let ename = &ex.name;
        let response = opt_str(ex.response.as_deref());
        let body =
            opt_str(ex.request.as_ref().map(|r| serde_json::Value::Object(r.body.clone()).to_string()).as_deref());
        let curl = opt_str(ex.curl.as_deref());
        quote! { crate::ExampleInfo { name: #ename, request_body: #body, curl: #curl, response: #response } }
    });
    let mock = match &op.mock {
        Some(m) => {
            let action = format_ident!("{}", m.action.variant());
            let (store, key) = (&m.store, &m.key);
            let param = opt_str(m.param.as_deref());
            let object_key = opt_str(m.object_key.as_deref());
            let result = opt_str(m.result.as_deref());
            let not_found = super::opt_int(m.not_found);
            quote! { Some(crate::MockInfo { store: #store, action: crate::MockAction::#action, key: #key, param: #param, object_key: #object_key, result: #result, not_found: #not_found }) }
        }
        None => quote! { None },
    };
    let permission = opt_str(op.permission.as_ref().map(|p| p.name.as_str()));
    let app_types = &op.app_types;
    let doc = format!(" How [`{name}`] is called: everything the generic runtime and the fake server need.");
    quote! {
        #[doc = #doc]
        pub static #ident: crate::OperationDescriptor = crate::OperationDescriptor {
            name: #name,
            group: #group,
            summary: #summary,
            method: crate::HttpMethod::#method,
            path: #path,
            encoding: crate::Encoding::#encoding,
            requires_token: #requires_token,
            retry_safe: #retry_safe,
            permission: #permission,
            app_types: &[ #(#app_types),* ],
            query: &[ #(#query),* ],
            body: &[ #(#body),* ],
            response: &[ #(#response),* ],
            pagination: #pagination,
            errors: &[ #(#errors),* ],
            examples: &[ #(#examples),* ],
            mock: #mock,
        };
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    }
}
