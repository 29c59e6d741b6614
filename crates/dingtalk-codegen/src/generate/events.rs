//! Callback events: one struct per `event:` file, and the `Event` enum that tells them apart
//! by `EventType`, keeping the raw JSON of any type the spec does not declare.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs;
use super::types::{Context, Direction, Scope, field_schemas, struct_item};
use crate::model::Event;

/// `<group>/<event>.rs`: the payload struct.
pub fn event_file(e: &Event, ctx: &Context) -> TokenStream {
    let scope = Scope { ctx, group: &e.group, local: Default::default() };
    let ident = format_ident!("{}", e.name);
    let mut parts = vec![
        e.summary.clone(),
        format!("`EventType`: `{}`. Read by [`Event::parse`](super::Event::parse).", e.event_type),
    ];
    if let Some(link) = &e.docs {
        parts.push(format!("Documentation: <{link}>"));
    }
    let doc = docs::paragraphs(&parts);
    let item = struct_item(&ident, &doc, &e.fields, Direction::Output, &scope, None);
    let event_type = &e.event_type;
    let fields = field_schemas(&e.fields, &scope);
    let imports = super::types::struct_imports();
    quote! {
        use dingtalk_runtime as rt;
        #imports

        #item

        impl #ident {
            /// The `EventType` DingTalk sends with this payload.
            pub const EVENT_TYPE: &'static str = #event_type;
            /// The payload's members, for the lenient read in [`Event::parse`](super::Event::parse).
            pub const FIELDS: &'static [rt::FieldSchema] = &[ #(#fields),* ];
        }
    }
}

/// `<group>/event.rs`: the enum over the group's events.
pub fn event_enum(events: &[&Event]) -> TokenStream {
    let variants: Vec<_> = events.iter().map(|e| format_ident!("{}", e.name)).collect();
    let docs: Vec<String> = events.iter().map(|e| format!(" `{}`: {}", e.event_type, e.summary)).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    quote! {
        use dingtalk_runtime::__private::serde_json;
        use dingtalk_runtime::{EventError, schema};

        #(use super::#variants;)*

        /// A decrypted callback message, told apart by its `EventType`.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #( #[doc = #docs] #variants(#variants), )*
            /// An `EventType` the spec does not declare, with the message as it came.
            Unknown {
                /// The message's `EventType`.
                event_type: String,
                /// The whole message, as JSON.
                raw: serde_json::Value,
            },
        }

        impl Event {
            /// Reads a decrypted callback message (JSON), as leniently as DingTalk writes it
            /// (a number where text is declared, and the reverse, are accepted). A declared
            /// `EventType` whose payload does not fit is an error; an undeclared one is
            /// [`Event::Unknown`] with the message kept.
            pub fn parse(message: &str) -> Result<Event, EventError> {
                let raw: serde_json::Value = serde_json::from_str(message).map_err(|e| EventError::new("", e))?;
                let event_type = raw.get("EventType").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
                let read = |fields: &[dingtalk_runtime::FieldSchema]| -> Result<serde_json::Value, EventError> {
                    let object = raw.as_object().ok_or_else(|| EventError::new(&event_type, "not a JSON object"))?;
                    schema::check_fields(fields, object, "", schema::Mode::Lenient)
                        .map(serde_json::Value::Object)
                        .map_err(|e| EventError::new(&event_type, e))
                };
                Ok(match event_type.as_str() {
                    #( #types => Event::#variants(
                        serde_json::from_value(read(#variants::FIELDS)?).map_err(|e| EventError::new(&event_type, e))?
                    ), )*
                    _ => Event::Unknown { event_type, raw },
                })
            }

            /// The message's `EventType`.
            pub fn event_type(&self) -> &str {
                match self {
                    #( Event::#variants(_) => #types, )*
                    Event::Unknown { event_type, .. } => event_type,
                }
            }
        }
    }
}
