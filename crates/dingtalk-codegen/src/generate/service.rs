//! The service module: servers, the access-token parameter and the global error-code table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{ErrorClass, Service};

pub fn generate(service: &Service) -> TokenStream {
    let servers = service.servers.iter().map(|s| {
        let (name, url, description, default) = (&s.name, &s.url, &s.description, s.default);
        quote! { rt::Server { name: #name, url: #url, description: #description, default: #default } }
    });
    let token_param = &service.auth.query_param;
    let token_doc = super::docs::lines(&format!(
        "The access token travels as the `{token_param}` query parameter.\n\n{}",
        service.auth.description
    ));
    let codes = service.error_codes.iter().map(|e| error_info(e, &None));
    let sub_codes = service.error_codes.iter().flat_map(|e| {
        e.sub_codes.iter().map(move |s| {
            let (code, sub) = (super::int(e.code), &s.sub_code);
            let class = class_tokens(s.class);
            quote! { rt::SubCodeClass { code: #code, sub_code: #sub, class: #class } }
        })
    });
    let service_name = &service.name;
    let service_doc = super::docs::lines(&format!("{}\n\n{}", service.name, service.description));
    quote! {
        use dingtalk_runtime as rt;

        #(#[doc = #service_doc])*
        ///
        #(#[doc = #token_doc])*
        pub static SERVICE: rt::ServiceDescriptor = rt::ServiceDescriptor {
            name: #service_name,
            servers: &[ #(#servers),* ],
            access_token_param: #token_param,
            errors: &[ #(#codes),* ],
            sub_code_classes: &[ #(#sub_codes),* ],
        };
    }
}

/// `rt::ErrorCodeInfo { .. }` of one documented code.
pub fn error_info(e: &crate::model::ErrorCode, param: &Option<String>) -> TokenStream {
    let (code, name, message, solution) = (super::int(e.code), &e.name, &e.message, &e.solution);
    let class = class_tokens(e.class.unwrap_or(ErrorClass::NotRetryable));
    let param = param.as_ref().map(|p| quote! { .param(#p) });
    quote! { rt::ErrorCodeInfo::new(#code, #name, #message, #solution, #class) #param }
}

pub fn class_tokens(class: ErrorClass) -> TokenStream {
    let v = format_ident!("{}", class.variant());
    quote! { rt::ErrorClass::#v }
}
