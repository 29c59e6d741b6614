//! The service module: each service's servers, token placement and global error-code table,
//! and for a service with string codes (the new API) its error-code enum.

use heck::ToShoutySnakeCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::{CodeValue, ErrorClass, ErrorEnvelope, Service, Spec, TokenPlacement};
use crate::names;

/// The static of a service: `SERVICE` for the primary one, `<ID>_SERVICE` for the others.
pub fn static_ident(spec: &Spec, service: &Service) -> Ident {
    if service.id == spec.primary().id {
        format_ident!("SERVICE")
    } else {
        format_ident!("{}_SERVICE", service.id.to_shouty_snake_case())
    }
}

/// The error-code enum of a service with string codes: `<Id>ErrorCode` (`ApiErrorCode` would
/// shadow the runtime's trait, so the id's own name is used: `api` → `ApiCode`).
pub fn code_enum_ident(service: &Service) -> Ident {
    format_ident!("{}Code", names::upper_camel(&service.id))
}

pub fn generate(spec: &Spec) -> TokenStream {
    let services = spec.services.iter().map(|s| one(spec, s));
    let primary = spec.primary().id.clone();
    // `api_base_url(..)` and the like: the base URL of each other service, by its id.
    let url_methods = spec.services.iter().filter(|s| s.id != primary).map(|s| {
        let method = format_ident!("{}_base_url", s.id);
        let id = &s.id;
        let default = s.servers.iter().find(|v| v.default).map(|v| v.url.as_str()).unwrap_or_default();
        let doc = format!(
            " The base URL of {} (service `{id}`, default `{default}`): its operations go there. Shorthand for `service_base_url(\"{id}\", url)`.",
            s.name
        );
        quote! {
            #[doc = #doc]
            pub fn #method(self, url: impl Into<String>) -> Self {
                self.service_base_url(#id, url)
            }
        }
    });
    quote! {
        use dingtalk_runtime as rt;
        #(#services)*

        impl super::ClientBuilder {
            #(#url_methods)*
        }
    }
}

fn one(spec: &Spec, service: &Service) -> TokenStream {
    let servers = service.servers.iter().map(|s| {
        let (name, url, description, default) = (&s.name, &s.url, &s.description, s.default);
        quote! { rt::Server { name: #name, url: #url, description: #description, default: #default } }
    });
    let (token, token_text) = match &service.auth.placement {
        TokenPlacement::Query(p) => (quote! { rt::TokenPlacement::Query(#p) }, format!("the `{p}` query parameter")),
        TokenPlacement::Header(h) => (quote! { rt::TokenPlacement::Header(#h) }, format!("the `{h}` header")),
    };
    let token_doc =
        super::docs::lines(&format!("The access token travels as {token_text}.\n\n{}", service.auth.description));
    let envelope = match service.envelope {
        ErrorEnvelope::Errcode => quote! { rt::ErrorEnvelope::Errcode },
        ErrorEnvelope::HttpStatus => quote! { rt::ErrorEnvelope::HttpStatus },
    };
    let codes = service.error_codes.iter().map(|e| error_info(e, &None));
    let sub_codes = service.error_codes.iter().flat_map(|e| {
        e.sub_codes.iter().filter_map(move |s| {
            let CodeValue::Num(n) = e.code else { return None };
            let (code, sub) = (super::int(n), &s.sub_code);
            let class = class_tokens(s.class);
            Some(quote! { rt::SubCodeClass { code: #code, sub_code: #sub, class: #class } })
        })
    });
    let tokens = service.tokens.iter().map(|t| {
        let kind = format_ident!("{}", t.kind.variant());
        // The operation's id: `group.Name` for a service whose names are scoped to groups.
        let operation = match t.operation.split_once('.') {
            Some((_, name)) if !service.by_group => name.to_owned(),
            _ => t.operation.clone(),
        };
        let (token, expires_in) = (&t.token, &t.expires_in);
        let params = t.params.iter().map(|(role, name, _)| {
            let role = format_ident!("{}", role.variant());
            quote! { (rt::Credential::#role, #name) }
        });
        let refused = match &t.refused {
            Some(CodeValue::Num(n)) => {
                let n = super::int(*n);
                quote! { Some(rt::Code::Num(#n)) }
            }
            Some(CodeValue::Str(c)) => quote! { Some(rt::Code::Str(#c)) },
            None => quote! { None },
        };
        quote! {
            rt::TokenIssuer {
                kind: rt::TokenKind::#kind,
                operation: #operation,
                params: &[ #(#params),* ],
                token: #token,
                expires_in: #expires_in,
                refused: #refused,
            }
        }
    });
    let (id, service_name) = (&service.id, &service.name);
    let service_doc = super::docs::lines(&format!("{}\n\n{}", service.name, service.description));
    let ident = static_ident(spec, service);
    let code_enum = (service.envelope == ErrorEnvelope::HttpStatus).then(|| code_enum(service, &ident));
    quote! {
        #(#[doc = #service_doc])*
        ///
        #(#[doc = #token_doc])*
        pub static #ident: rt::ServiceDescriptor = rt::ServiceDescriptor {
            id: #id,
            name: #service_name,
            servers: &[ #(#servers),* ],
            token: #token,
            envelope: #envelope,
            errors: &[ #(#codes),* ],
            sub_code_classes: &[ #(#sub_codes),* ],
            tokens: &[ #(#tokens),* ],
        };

        #code_enum
    }
}

/// The string codes of a service as an enum, with [`Unknown`] keeping any other code.
fn code_enum(service: &Service, service_static: &Ident) -> TokenStream {
    let ident = code_enum_ident(service);
    let doc = format!(
        " The error codes of {}, plus `Unknown` keeping any other code as DingTalk sent it.\n\n\
         Message, fix, HTTP status and class of each come from the service's table (`ApiErrorCode`).",
        service.name
    );
    let variants: Vec<Ident> =
        service.error_codes.iter().map(|e| format_ident!("{}", names::upper_camel(&e.name))).collect();
    let codes: Vec<String> = service.error_codes.iter().map(|e| e.code.to_string()).collect();
    let variant_docs = service.error_codes.iter().map(|e| {
        let status = e.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        format!(" `{}`{status}: {}.", e.code, e.message.trim_end_matches('.'))
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ident {
            #( #[doc = #variant_docs] #variants, )*
            /// A code the spec does not list, as DingTalk sent it.
            Unknown(String),
        }

        impl #ident {
            /// The variant of a code.
            pub fn from_code(code: &str) -> Self {
                match code {
                    #( #codes => Self::#variants, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// The code as DingTalk sends it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #codes, )*
                    Self::Unknown(code) => code,
                }
            }
        }

        impl rt::ApiErrorCode for #ident {
            fn from_descriptor(code: rt::Code<'_>, _: &'static rt::OperationDescriptor) -> Self {
                match code {
                    rt::Code::Str(code) => Self::from_code(code),
                    rt::Code::Num(code) => Self::Unknown(code.to_string()),
                }
            }

            fn code(&self) -> rt::Code<'_> {
                rt::Code::Str(self.as_str())
            }

            fn info(&self) -> Option<&'static rt::ErrorCodeInfo> {
                #service_static.global_error(self.code())
            }
        }

        impl std::fmt::Display for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                rt::ApiErrorCode::fmt_code(self, f)
            }
        }
    }
}

/// `rt::ErrorCodeInfo { .. }` of one documented code.
pub fn error_info(e: &crate::model::ErrorCode, param: &Option<String>) -> TokenStream {
    let (name, message, solution) = (&e.name, &e.message, &e.solution);
    let class = class_tokens(e.class.unwrap_or(ErrorClass::NotRetryable));
    let param = param.as_ref().map(|p| quote! { .param(#p) });
    let role = e.role.map(|r| {
        let r = format_ident!("{}", r.variant());
        quote! { .role(rt::ErrorRole::#r) }
    });
    match &e.code {
        CodeValue::Num(n) => {
            let code = super::int(*n);
            quote! { rt::ErrorCodeInfo::new(#code, #name, #message, #solution, #class) #param #role }
        }
        CodeValue::Str(code) => {
            let status = proc_macro2::Literal::u16_unsuffixed(e.status.unwrap_or(400));
            quote! { rt::ErrorCodeInfo::named(#code, #status, #name, #message, #solution, #class) #param #role }
        }
    }
}

pub fn class_tokens(class: ErrorClass) -> TokenStream {
    let v = format_ident!("{}", class.variant());
    quote! { rt::ErrorClass::#v }
}
