//! The service module: servers, the access-token parameter and the global error-code table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{ErrorClass, Service};

pub fn generate(service: &Service) -> TokenStream {
    let servers = service.servers.iter().map(|s| {
        let (name, url, description, default) = (&s.name, &s.url, &s.description, s.default);
        quote! { crate::Server { name: #name, url: #url, description: #description, default: #default } }
    });
    let default_url = service.servers.iter().find(|s| s.default).map(|s| s.url.as_str()).unwrap_or_default();
    let token_param = &service.auth.query_param;
    let token_doc = super::docs::lines(&service.auth.description);
    let codes = service.error_codes.iter().map(|e| {
        let (code, name, message, solution) = (super::int(e.code), &e.name, &e.message, &e.solution);
        let class = class_tokens(e.class.unwrap_or(ErrorClass::NotRetryable));
        quote! { crate::ErrorCodeInfo { code: #code, name: #name, message: #message, solution: #solution, class: #class, param: None } }
    });
    let mut sub_arms = Vec::new();
    let mut sub_some = Vec::new();
    for e in &service.error_codes {
        for s in &e.sub_codes {
            let (code, sub) = (super::int(e.code), &s.sub_code);
            let class = class_tokens(s.class);
            sub_arms.push(quote! { (#code, Some(#sub)) => #class, });
            sub_some.push(quote! { (#code, #sub) => Some(#class), });
        }
    }
    let service_name = &service.name;
    let service_doc = super::docs::lines(&format!("{}\n\n{}", service.name, service.description));
    quote! {
        #(#[doc = #service_doc])*
        pub const SERVICE_NAME: &str = #service_name;

        /// The servers the API is served from; the user picks one by name or gives any base URL.
        pub static SERVERS: &[crate::Server] = &[ #(#servers),* ];

        /// Base URL used when the user names none.
        pub const DEFAULT_SERVER_URL: &str = #default_url;

        #(#[doc = #token_doc])*
        pub const ACCESS_TOKEN_PARAM: &str = #token_param;

        /// Error codes that any operation may return, with how a client should react.
        pub static GLOBAL_ERROR_CODES: &[crate::ErrorCodeInfo] = &[ #(#codes),* ];

        /// The documented entry of a global error code.
        pub fn global_error(code: i64) -> Option<&'static crate::ErrorCodeInfo> {
            GLOBAL_ERROR_CODES.iter().find(|e| e.code == code)
        }

        /// How a client should react to `code` (and its `sub_code`, which can change the class).
        pub fn error_class(code: i64, sub_code: Option<&str>) -> crate::ErrorClass {
            match (code, sub_code) {
                #(#sub_arms)*
                _ => global_error(code).map_or(crate::ErrorClass::NotRetryable, |e| e.class),
            }
        }

        /// Whether `sub_code` changes the class of `code` (so the sub-code decides, not the code).
        pub fn sub_code_class(code: i64, sub_code: &str) -> Option<crate::ErrorClass> {
            match (code, sub_code) {
                #(#sub_some)*
                _ => None,
            }
        }
    }
}

fn class_tokens(class: ErrorClass) -> TokenStream {
    let v = format_ident!("{}", class.variant());
    quote! { crate::ErrorClass::#v }
}
