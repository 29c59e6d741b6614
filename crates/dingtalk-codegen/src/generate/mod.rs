//! Generation: spec model → `TokenStream` → formatted Rust files.
//!
//! Output is deterministic: items are emitted in spec order (operations sorted by group and
//! name), nothing is iterated in hash order, and every file is formatted by prettyplease.

mod docs;
mod events;
mod operation;
mod service;
mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::Spec;
use crate::names;

/// The command that regenerates the checked-in code; named in every generated file.
pub const REGENERATE: &str = "cargo xtask codegen";

/// One generated file, with its path relative to the generated folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path, relative to the generated folder (`extcontact/list_label_groups.rs`).
    pub path: String,
    /// The formatted Rust source.
    pub contents: String,
}

/// Generates every file of the generated folder, in a stable order.
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    let ctx = types::Context::new(spec);
    let mut files = Vec::new();
    let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();

    files.push(file(
        "service.rs",
        "The services: servers, authentication and global error codes.",
        service::generate(spec),
    ));

    for shared in &spec.shared_types {
        let module = "types".to_owned();
        let types = types::named_types(&shared.types, &shared.group, &ctx);
        let imports = types::struct_imports();
        let body = quote! {
            use dingtalk_runtime as rt;
            #imports
            #types
        };
        files.push(file(
            &format!("{}/{module}.rs", shared.group),
            "Types shared by the operations of this group.",
            body,
        ));
        let mods = groups.entry(&shared.group).or_default();
        if !mods.contains(&module) {
            mods.push(module);
        }
    }
    for op in &spec.operations {
        groups.entry(&op.group).or_default().push(names::snake(&op.name));
    }
    files.extend(operation_files(&spec.operations, &ctx));

    let mut event_groups: BTreeMap<&str, Vec<&crate::model::Event>> = BTreeMap::new();
    for e in &spec.events {
        let module = names::snake(&e.name);
        let body = events::event_file(e, &ctx);
        files.push(file(&format!("{}/{module}.rs", e.group), &format!("The `{}` callback event.", e.event_type), body));
        groups.entry(&e.group).or_default().push(module);
        event_groups.entry(&e.group).or_default().push(e);
    }
    for (group, list) in &event_groups {
        files.push(file(
            &format!("{group}/event.rs"),
            "The callback events of this group, told apart by `EventType`.",
            events::event_enum(list),
        ));
        groups.entry(group).or_default().push("event".to_owned());
    }

    for (group, modules) in &groups {
        let mods = modules.iter().map(|m| format_ident!("{}", m));
        let mods2 = mods.clone();
        let handle = spec.by_group(group).then(|| {
            let accessor = format_ident!("{}", group);
            let doc = format!(" The operations of the `{group}` group: `client.{group}().get_user()`.");
            let accessor_doc = format!(" The operations of the `{group}` group.");
            quote! {
                #[doc = #doc]
                #[derive(Clone, Debug)]
                pub struct Operations<C = crate::generated::Client> {
                    client: C,
                }

                impl crate::generated::Client {
                    #[doc = #accessor_doc]
                    pub fn #accessor(&self) -> Operations {
                        Operations { client: self.clone() }
                    }
                }

                #[cfg(feature = "blocking")]
                impl crate::generated::blocking::Client {
                    #[doc = #accessor_doc]
                    pub fn #accessor(&self) -> Operations<crate::generated::blocking::Client> {
                        Operations { client: self.clone() }
                    }
                }
            }
        });
        let body = quote! {
            #( mod #mods; )*
            #( pub use #mods2::*; )*
            #handle
        };
        files.push(file(&format!("{group}/mod.rs"), &format!("Operations and types of the `{group}` group."), body));
        if !spec.operations.iter().any(|op| op.group == *group) {
            continue;
        }
        let mocks = spec.operations.iter().filter(|op| op.group == *group).map(operation::mock_descriptor);
        let body = quote! {
            use dingtalk_runtime as rt;
            #(#mocks)*
        };
        files.push(file(
            &format!("mock/{group}.rs"),
            &format!("The fake server's view of the `{group}` group (compiled with the `mock` feature only)."),
            body,
        ));
    }

    let group_idents: Vec<_> = groups.keys().map(|g| format_ident!("{}", g)).collect();
    let op_groups: std::collections::BTreeSet<&str> = spec.operations.iter().map(|op| op.group.as_str()).collect();
    let op_group_names: Vec<&str> = op_groups.iter().copied().collect();
    let op_group_idents: Vec<_> = op_groups.iter().map(|g| format_ident!("{}", g)).collect();
    let group_names: Vec<&str> = groups.keys().copied().collect();
    let (scoped, flat): (Vec<&str>, Vec<&str>) = group_names.iter().partition(|g| spec.by_group(g));
    let flat_idents: Vec<_> = flat.iter().map(|g| format_ident!("{}", g)).collect();
    let scoped_idents: Vec<_> = scoped.iter().map(|g| format_ident!("{}", g)).collect();
    let entries = |suffix: &str, module: TokenStream| {
        let suffix = suffix.to_owned();
        spec.operations
            .iter()
            .map(move |op| {
                let group = format_ident!("{}", op.group);
                let feature = &op.group;
                let stat = format_ident!("{}{suffix}", operation::descriptor_ident(op));
                quote! { #[cfg(feature = #feature)] &#group #module::#stat }
            })
            .collect::<Vec<_>>()
    };
    let sandbox = spec.sandboxes.iter().flat_map(|sb| {
        let feature = &sb.group;
        sb.stores.iter().map(move |store| {
            let name = &store.name;
            let json = serde_json::Value::Array(store.items.clone()).to_string();
            quote! { #[cfg(feature = #feature)] (#name, #json) }
        })
    });
    let others: Vec<_> = spec.services.iter().skip(1).map(|s| service::static_ident(spec, s)).collect();
    let cli_commands = spec.operations.iter().filter(|op| op.cli.is_some()).map(|op| {
        let group = format_ident!("{}", op.group);
        let feature = &op.group;
        let stat = operation::descriptor_ident(op);
        let words = op.cli.as_ref().map(|c| c.words.clone()).unwrap_or_default();
        let flags = op.cli_flags().into_iter().map(|(flag, path)| quote! { (#flag, #path) });
        quote! {
            #[cfg(feature = #feature)]
            rt::CliCommand { words: &[ #(#words),* ], operation: &#group::#stat, flags: &[ #(#flags),* ] }
        }
    });
    let descriptors = entries("", quote! {});
    let mocks = entries("_MOCK", quote! {});
    let root = quote! {
        use dingtalk_runtime as rt;

        pub mod service;
        #( #[cfg(feature = #group_names)] pub mod #group_idents; )*

        rt::client_facade!(service::SERVICE, [#(service::#others),*]);

        /// Every generated operation and type of the enabled groups whose names are unique
        /// across groups (the old OAPI's).
        pub mod prelude {
            #( #[cfg(feature = #flat)] pub use super::#flat_idents::*; )*
        }

        /// The groups whose names are scoped to them (the new API's: `contact_1_0::GetUserRequest`),
        /// as modules.
        pub mod groups {
            #( #[cfg(feature = #scoped)] pub use super::#scoped_idents; )*
        }

        /// Every operation of the enabled groups, sorted by group and name.
        pub static OPERATIONS: &[&rt::OperationDescriptor] = &[ #( #descriptors ),* ];

        /// The `dingtalk` CLI's friendly commands (the spec's `cli:`) of the enabled groups.
        #[doc(hidden)]
        pub static CLI_COMMANDS: &[rt::CliCommand] = &[ #( #cli_commands ),* ];

        /// What only the fake server and the sandbox read: each operation's examples and store
        /// behaviour, compiled with the `mock` feature only.
        #[cfg(feature = "mock")]
        pub mod mock {
            use dingtalk_runtime as rt;

            #( #[cfg(feature = #op_group_names)] pub mod #op_group_idents; )*

            /// The fake server's view of every operation of the enabled groups.
            pub static OPERATIONS: &[&rt::MockDescriptor] = &[ #( #mocks ),* ];

            /// What the fake server's stores hold when it starts (the spec's `sandbox:` files):
            /// (store, its objects as a JSON array).
            pub static SANDBOX: &[(&str, &str)] = &[ #( #sandbox ),* ];
        }

        /// The groups of the spec, each a cargo feature of this crate.
        pub const GROUPS: &[&str] = &[ #( #group_names ),* ];
    };
    files.push(file(
        "mod.rs",
        "Code generated from `spec/`: one module per group of operations, each behind the cargo feature of the same name.",
        root,
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// An integer literal without a type suffix (`-1`, not `-1i64`).
pub(crate) fn int(value: i64) -> TokenStream {
    let lit = proc_macro2::Literal::u64_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote! { -#lit }
    } else {
        quote! { #lit }
    }
}

/// `Some(n)` / `None` for an optional integer.
pub(crate) fn opt_int(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => {
            let v = int(v);
            quote! { Some(#v) }
        }
        None => quote! { None },
    }
}

/// One file per operation. Formatting dominates generation time, so the operations are split
/// among threads; each thread builds and formats its own files (token streams never cross
/// threads) and the results are put back in spec order.
fn operation_files(operations: &[crate::model::Operation], ctx: &types::Context) -> Vec<GeneratedFile> {
    let one = |op: &crate::model::Operation| {
        let doc = format!("`{} {}`: {}", op.method.as_str(), op.path, op.summary);
        file(&format!("{}/{}.rs", op.group, names::snake(&op.name)), &doc, operation::generate(op, ctx))
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(operations.len() / 8).max(1);
    if threads == 1 {
        return operations.iter().map(one).collect();
    }
    let chunk = operations.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> =
            operations.chunks(chunk).map(|ops| scope.spawn(move || ops.iter().map(one).collect::<Vec<_>>())).collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

fn file(path: &str, module_doc: &str, body: TokenStream) -> GeneratedFile {
    let module_doc = docs::lines(module_doc);
    let tokens = quote! {
        #(#![doc = #module_doc])*
        #body
    };
    GeneratedFile { path: path.to_owned(), contents: format(path, tokens) }
}

/// Formats tokens with prettyplease and adds the do-not-edit header.
fn format(path: &str, tokens: TokenStream) -> String {
    let text = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // A generator bug, not a spec problem: keep the raw tokens so the compiler points at it.
        Err(e) => format!("compile_error!(\"generator produced invalid Rust in {path}: {e}\");\n{tokens}\n"),
    };
    format!("// @generated by `{REGENERATE}` from spec/. Do not edit; edit the spec and rerun.\n\n{text}")
}
