//! Semantic checks over the whole spec, after every file has been read.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToShoutySnakeCase;
use serde_json::Value as J;

use crate::diag::{Diagnostics, Location};
use crate::model::*;
use crate::names;

/// Envelope keys every DingTalk response may carry without the endpoint declaring them.
pub const ENVELOPE_KEYS: &[&str] = &["errcode", "errmsg", "request_id", "sub_code", "sub_msg", "success"];

/// Rust names a field cannot have, since its setter would take that method name: every
/// generated struct has a `new()` constructor and implements `Default`, `Clone`, `PartialEq`
/// and `Debug`, whose methods a same-named inherent setter would shadow (`T::default()`,
/// `x.clone()` and `x.eq(..)` would resolve to the setter).
const STRUCT_METHODS: &[(&str, &str)] = &[
    ("new", "the generated constructor's name"),
    ("default", "it would shadow `Default::default`"),
    ("clone", "it would shadow `Clone::clone`"),
    ("clone_from", "it would shadow `Clone::clone_from`"),
    ("eq", "it would shadow `PartialEq::eq`"),
    ("ne", "it would shadow `PartialEq::ne`"),
    ("fmt", "it would shadow `Debug::fmt`"),
];
/// Methods every operation's builder has (`dingtalk_runtime::op_builder!`); the setters of its
/// optional parameters live on the same type.
const BUILDER_METHODS: &[&str] = &["request", "send", "with_options", "from_request"];

/// Methods a paginated operation's builder has besides those.
const PAGINATED_BUILDER_METHODS: &[&str] = &["into_paginator", "collect_all", "pages", "items"];

/// Names the generated code uses unqualified (`Option<T>`, `Result<T, E>`, `Vec<T>`, `String`,
/// `impl Into<T>`) or that are keywords: a type or operation named so would shadow them.
const RESERVED_TYPE_NAMES: &[&str] =
    &["Option", "Result", "Vec", "String", "Into", "Self", "Serialize", "Deserialize", "Setters", "Wire"];

/// Modules the generator puts beside the group modules (`generated::service`, `generated::prelude`).
const RESERVED_GROUPS: &[&str] = &["service", "prelude", "groups", "mock"];

/// Where named types are declared: name → (group, location, fields).
pub struct TypeTable<'s> {
    /// Each declared type by name, with the group that declares it.
    pub types: BTreeMap<&'s str, (&'s str, &'s NamedType)>,
}

impl<'s> TypeTable<'s> {
    /// The type declared under `name`.
    pub fn get(&self, name: &str) -> Option<&'s NamedType> {
        self.types.get(name).map(|(_, t)| *t)
    }
}

/// Checks the whole spec once every file has been read, recording every problem in `d`.
pub fn validate(spec: &Spec, d: &mut Diagnostics) {
    for service in &spec.services {
        check_service(service, d);
        check_token_issuers(spec, service, d);
    }
    let mut commands: BTreeMap<&[String], &Location> = BTreeMap::new();
    for cli in spec.operations.iter().filter_map(|op| op.cli.as_ref()) {
        if let Some(first) = commands.insert(&cli.words, &cli.loc) {
            d.error(&cli.loc, format!("the CLI command `{}` is given twice (first at {first})", cli.words.join(" ")));
        }
    }
    for op in &spec.operations {
        if spec.service(&op.service).is_none() {
            let known: Vec<&str> = spec.services.iter().map(|s| s.id.as_str()).collect();
            d.error(&op.loc, format!("`service: {}` names no service file; known: {}", op.service, known.join(", ")));
        }
    }
    let mut group_services: BTreeMap<&str, (&str, &Location)> = BTreeMap::new();
    for op in &spec.operations {
        match group_services.get(op.group.as_str()) {
            Some((service, first)) if *service != op.service => d.error(
                &op.loc,
                format!(
                    "group `{}` mixes services: this operation is `{}`, the one at {first} is `{service}`; a group belongs to one service",
                    op.group, op.service
                ),
            ),
            Some(_) => {}
            None => {
                group_services.insert(&op.group, (&op.service, &op.loc));
            }
        }
    }
    // Names of a `by_group` group are scoped to it (`group::Name`); the others share one scope.
    let scope = |group: &str| if spec.by_group(group) { format!("{group}::") } else { String::new() };
    let groups = spec.operations.iter().map(|o| (&o.group, &o.loc));
    for (group, loc) in groups.chain(spec.shared_types.iter().map(|t| (&t.group, &t.loc))) {
        if RESERVED_GROUPS.contains(&group.as_str()) {
            d.error(loc, format!("group `{group}` would clash with the generated `{group}` module; pick another name"));
        }
    }

    // Type names are global: a response type in one group may be used by another.
    let mut types: BTreeMap<&str, (&str, &NamedType)> = BTreeMap::new();
    let mut all_types: Vec<(&str, &NamedType)> = Vec::new();
    for shared in &spec.shared_types {
        all_types.extend(shared.types.iter().map(|t| (shared.group.as_str(), t)));
    }
    for op in &spec.operations {
        all_types.extend(op.types.iter().map(|t| (op.group.as_str(), t)));
    }
    let mut generated_names: BTreeMap<String, &Location> = BTreeMap::new();
    for op in &spec.operations {
        for suffix in ["", "Request", "Response", "Error", "ErrorCode"] {
            generated_names.insert(format!("{}{}{suffix}", scope(&op.group), op.name), &op.loc);
        }
        if spec.by_group(&op.group) {
            generated_names.insert(format!("{}Operations", scope(&op.group)), &op.loc);
        }
    }
    for (group, t) in all_types {
        if let Some((_, first)) = types.get(t.name.as_str()) {
            d.error(&t.loc, format!("type `{}` is declared twice (first at {}); rename one", t.name, first.loc));
            continue;
        }
        if RESERVED_TYPE_NAMES.contains(&names::bare(&t.name)) {
            d.error(
                &t.loc,
                format!("type name `{}` would shadow Rust's `{}` in generated code; rename it", t.name, t.name),
            );
        }
        if let Some(loc) = generated_names.get(&t.name) {
            d.error(
                &t.loc,
                format!(
                    "type name `{}` clashes with a name generated for the operation at {loc}; rename the type",
                    t.name
                ),
            );
        }
        types.insert(&t.name, (group, t));
    }
    // Statics: an operation's descriptor is SHOUTY_NAME, a type's schema SHOUTY_NAME_SCHEMA.
    let mut statics: BTreeMap<String, (&str, &Location)> = BTreeMap::new();
    for op in &spec.operations {
        statics.insert(format!("{}{}", scope(&op.group), op.name.to_shouty_snake_case()), (op.name.as_str(), &op.loc));
        if crate::names::snake(&op.name) == "types" {
            d.error(&op.loc, "an operation named `Types` would clash with a group's `types` module; rename it");
        }
    }
    for (name, (group, t)) in &types {
        let schema = format!("{}{}_SCHEMA", scope(group), names::bare(name).to_shouty_snake_case());
        if let Some((op, loc)) = statics.get(&schema) {
            d.error(
                &t.loc,
                format!(
                    "type `{name}` and operation `{op}` (at {loc}) both generate the static `{schema}`; rename one"
                ),
            );
        }
    }
    let table = TypeTable { types };

    let mut used: BTreeSet<&str> = BTreeSet::new();
    for f in table.types.values().flat_map(|(_, t)| &t.fields).filter(|f| f.comma) {
        d.error(&f.loc, "`style: comma` applies to query and body parameters, not fields of types");
    }
    for t in table.types.values() {
        match &t.1.tag {
            Some(tag) => check_union(t.1, tag, &table, d, &mut used),
            None => check_fields(&t.1.fields, &table, d, &format!("type `{}`", t.1.name), &mut used),
        }
    }
    check_recursion(&table, d);

    let mut op_names: BTreeMap<&str, &Location> = BTreeMap::new();
    let mut scoped_names: BTreeMap<String, &Location> = BTreeMap::new();
    let mut paths: BTreeMap<(&str, &str, String), &Location> = BTreeMap::new();
    for op in &spec.operations {
        if RESERVED_TYPE_NAMES.contains(&op.name.as_str()) {
            d.error(
                &op.loc,
                format!("operation name `{}` would shadow Rust's `{}` in generated code", op.name, op.name),
            );
        }
        if spec.by_group(&op.group) {
            if let Some(first) = scoped_names.insert(format!("{}{}", scope(&op.group), op.name), &op.loc) {
                d.error(
                    &op.loc,
                    format!(
                        "operation `{}` is declared twice in group `{}` (first at {first}); rename one",
                        op.name, op.group
                    ),
                );
            }
        } else if let Some(first) = op_names.insert(&op.name, &op.loc) {
            d.error(&op.loc, format!("operation `{}` is declared twice (first at {first}); rename one", op.name));
        }
        // `/users/{a}` and `/users/{b}` are one route: parameters compare equal.
        let route: String =
            op.path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/");
        if let Some(first) = paths.insert((&op.service, op.method.as_str(), route), &op.loc) {
            d.error(
                &op.loc,
                format!("`{} {}` is used by two operations (first at {first})", op.method.as_str(), op.path),
            );
        }
        check_operation(op, spec.service_of(op), &table, d, &mut used);
    }
    let stores: BTreeSet<&str> =
        spec.operations.iter().filter_map(|o| o.mock.as_ref()).map(|m| m.store.as_str()).collect();
    let all_fields = spec
        .operations
        .iter()
        .flat_map(|o| o.query.iter().chain(&o.headers).chain(&o.body))
        .chain(table.types.values().flat_map(|(_, t)| &t.fields));
    for f in all_fields {
        if let Some((loc, reference)) = &f.references
            && let Some(store) = reference.split('.').next()
            && !stores.contains(store)
        {
            let known: Vec<&str> = stores.iter().copied().collect();
            d.error(
                loc,
                format!(
                    "`references` names store `{store}`, which no operation's `mock:` uses; known: {}",
                    known.join(", ")
                ),
            );
        }
    }
    for (name, (_, t)) in &table.types {
        if !used.contains(name) {
            d.error(&t.loc, format!("type `{name}` is never used; use it in a field or remove it"));
        }
    }
    check_events(spec, &table, d, &op_names, &mut used);
    let mut seen_groups: BTreeMap<&str, &Location> = BTreeMap::new();
    for sandbox in &spec.sandboxes {
        if let Some(first) = seen_groups.insert(&sandbox.group, &sandbox.loc) {
            d.error(&sandbox.loc, format!("group `{}` has a second `sandbox:` (first at {first})", sandbox.group));
        }
        check_sandbox(sandbox, spec, &table, d);
    }
}

/// Events: unique names (also against operations and types) and event types, checked fields,
/// and examples that fit them.
fn check_events<'s>(
    spec: &'s Spec,
    table: &TypeTable<'s>,
    d: &mut Diagnostics,
    op_names: &BTreeMap<&str, &Location>,
    used: &mut BTreeSet<&'s str>,
) {
    let mut names: BTreeMap<&str, &Location> = BTreeMap::new();
    let mut types: BTreeMap<&str, &Location> = BTreeMap::new();
    if let Some(first) = spec.events.first() {
        for e in spec.events.iter().filter(|e| e.group != first.group) {
            d.error(
                &e.loc,
                format!(
                    "events all belong to one group, whose `Event` enum tells them apart; `{}` (at {}) is in `{}`",
                    first.name, first.loc, first.group
                ),
            );
        }
    }
    for e in &spec.events {
        if let Some(first) = names.insert(&e.name, &e.loc).or_else(|| op_names.get(e.name.as_str()).copied()) {
            d.error(&e.loc, format!("`{}` is already declared (at {first}); rename the event", e.name));
        } else if table.types.contains_key(e.name.as_str()) || e.name == "Event" {
            d.error(&e.loc, format!("event `{}` would clash with a type of the same name; rename it", e.name));
        }
        if let Some(first) = types.insert(&e.event_type, &e.event_type_loc) {
            d.error(&e.event_type_loc, format!("event type `{}` is declared twice (first at {first})", e.event_type));
        }
        if e.event_type.is_empty() || !e.event_type.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            d.error(&e.event_type_loc, format!("event type `{}` must be letters, digits and `_`", e.event_type));
        }
        if e.fields.iter().any(|f| f.name == "EventType") {
            d.error(&e.loc, "`EventType` is implied; list only the other members of the payload");
        }
        for f in &e.fields {
            let scalar = |t: &ParamType| !matches!(t, ParamType::Named(_) | ParamType::List(_));
            let ok = match &f.ty {
                ParamType::List(inner) => scalar(inner),
                t => scalar(t),
            };
            if !ok {
                d.error(&f.ty_loc, format!("event fields are scalars or lists of scalars, not `{}`", f.ty.spelling()));
            }
        }
        check_fields(&e.fields, table, d, &format!("event `{}`", e.name), used);
        if let Some((loc, block, text)) = &e.example {
            match serde_json::from_str::<J>(text) {
                Err(err) => {
                    let at = if *block {
                        Location::new(&loc.path, loc.line + err.line() - 1, loc.column + err.column().saturating_sub(1))
                    } else {
                        loc.clone()
                    };
                    d.error(&at, format!("event example is not valid JSON: {err}"));
                }
                Ok(J::Object(obj)) => {
                    if obj.get("EventType").and_then(J::as_str) != Some(e.event_type.as_str()) {
                        d.error(loc, format!("event example's `EventType` must be `{}`", e.event_type));
                    }
                    let mut problems = Vec::new();
                    check_object(&obj, &e.fields, table, "", &["EventType"], &mut problems);
                    for p in problems {
                        d.error(loc, format!("event example: {p}"));
                    }
                }
                Ok(_) => d.error(loc, "event example must be a JSON object"),
            }
        }
    }
}

/// The object type a store holds, from an operation of `group` that reads it: the `result` of a
/// `get`, or the items of a `list` that returns whole objects. With the store's key field.
fn store_item_type<'s>(spec: &'s Spec, group: &str, store: &str, table: &TypeTable<'s>) -> Option<(&'s str, &'s str)> {
    spec.operations.iter().filter(|o| o.group == group).find_map(|op| {
        let m = op.mock.as_ref().filter(|m| m.store == store)?;
        let path = match m.action {
            MockAction::Get => m.result.as_deref()?,
            MockAction::List if m.project.is_none() => {
                op.pagination.as_ref().map(|p| p.items.as_str()).or(m.result.as_deref())?
            }
            _ => return None,
        };
        let mut ty = &response_path(op, path, table).ok()?.ty;
        while let ParamType::List(inner) = ty {
            ty = inner;
        }
        match ty {
            ParamType::Named(name) => Some((name.as_str(), m.key.as_str())),
            _ => None,
        }
    })
}

fn check_sandbox(sandbox: &Sandbox, spec: &Spec, table: &TypeTable, d: &mut Diagnostics) {
    let group_stores: BTreeSet<&str> = spec
        .operations
        .iter()
        .filter(|o| o.group == sandbox.group)
        .filter_map(|o| o.mock.as_ref())
        .map(|m| m.store.as_str())
        .collect();
    if !spec.operations.iter().any(|o| o.group == sandbox.group) {
        d.error(&sandbox.loc, format!("`sandbox:` names group `{}`, which has no operations", sandbox.group));
        return;
    }
    for store in &sandbox.stores {
        if !group_stores.contains(store.name.as_str()) {
            let known: Vec<&str> = group_stores.iter().copied().collect();
            d.error(
                &store.loc,
                format!(
                    "store `{}` is used by no `mock:` of group `{}`; known: {}",
                    store.name,
                    sandbox.group,
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
            );
            continue;
        }
        let Some((type_name, key)) = store_item_type(spec, &sandbox.group, &store.name, table) else {
            d.error(
                &store.loc,
                format!(
                    "no `get` or whole-object `list` of group `{}` says what store `{}` holds",
                    sandbox.group, store.name
                ),
            );
            continue;
        };
        let mut keys = BTreeSet::new();
        let mut problems = Vec::new();
        for (i, item) in store.items.iter().enumerate() {
            let at = format!("{}[{i}]", store.name);
            // The key may be a request parameter the stored type does not answer (a login code).
            let mut item = item.clone();
            let unanswered_key = table.get(type_name).is_some_and(|t| !t.fields.iter().any(|f| f.name == key));
            let key_value = if unanswered_key { item.as_object_mut().and_then(|o| o.remove(key)) } else { None };
            check_value(&item, &ParamType::Named(type_name.to_owned()), None, table, &at, &mut problems);
            if let (Some(k), Some(o)) = (key_value, item.as_object_mut()) {
                o.insert(key.to_owned(), k);
            }
            match item.get(key).map(|k| k.to_string()) {
                None => problems.push(format!("`{at}` has no key field `{key}`")),
                Some(k) if !keys.insert(k.clone()) => problems.push(format!("`{at}` repeats the key `{key}` {k}")),
                Some(_) => {}
            }
        }
        for p in problems {
            d.error(&store.loc, format!("sandbox {p}"));
        }
    }
}

fn check_service(service: &Service, d: &mut Diagnostics) {
    let defaults = service.servers.iter().filter(|s| s.default).count();
    if service.servers.is_empty() {
        d.error(&service.loc, "`servers` must list at least one server");
    } else if defaults != 1 {
        d.error(&service.loc, format!("exactly one server must have `default: true`, found {defaults}"));
    }
    let mut names = BTreeSet::new();
    for s in &service.servers {
        if !names.insert(&s.name) {
            d.error(&s.loc, format!("server name `{}` is used twice", s.name));
        }
        check_base_url(&s.url, &s.loc, d);
    }
    check_error_codes(&service.error_codes, d, "the service");
    for c in &service.error_codes {
        match (service.envelope, &c.code, c.status) {
            (ErrorEnvelope::Errcode, CodeValue::Str(code), _) => d.error(&c.loc, numeric_code_wanted(code)),
            (ErrorEnvelope::Errcode, _, Some(_)) => {
                d.error(&c.loc, "`status:` belongs to codes of a service with `error_envelope: http_status`")
            }
            (ErrorEnvelope::HttpStatus, CodeValue::Num(n), _) => d.error(
                &c.loc,
                format!("{n}: a service with `error_envelope: http_status` answers string codes, e.g. `InvalidAuthentication`"),
            ),
            (ErrorEnvelope::HttpStatus, _, None) => {
                d.error(&c.loc, "a string code needs the HTTP `status:` it comes with (400 to 599), e.g. `status: 401`")
            }
            (ErrorEnvelope::HttpStatus, _, Some(s)) if !(400..=599).contains(&s) => {
                d.error(&c.loc, format!("`status: {s}` is not an HTTP error status (400 to 599)"))
            }
            _ => {}
        }
        if service.envelope == ErrorEnvelope::HttpStatus && !c.sub_codes.is_empty() {
            d.error(&c.sub_codes[0].loc, "`sub_codes` belong to `errcode` services (DingTalk's 15 and 88)");
        }
    }
}

fn check_base_url(url: &str, loc: &Location, d: &mut Diagnostics) {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ', '?', '#']) => {}
        _ => d.error(
            loc,
            format!("server url `{url}` must be `https://host` with no path, e.g. `https://oapi.dingtalk.com`"),
        ),
    }
}

fn numeric_code_wanted(code: &str) -> String {
    format!(
        "`code` must be a whole number in a service with `error_envelope: errcode`, found the string `{code}`; write {}",
        code.trim()
    )
}

/// Each `tokens:` entry names an operation of the service, parameters it has for the
/// credentials its kind needs, and response fields it has for the token and its lifetime.
fn check_token_issuers(spec: &Spec, service: &Service, d: &mut Diagnostics) {
    let mut kinds = BTreeMap::new();
    for issuer in &service.tokens {
        if let Some(first) = kinds.insert(issuer.kind, &issuer.loc) {
            d.error(&issuer.loc, format!("a second `{}` token issuer (the first is at {first})", issuer.kind.name()));
        }
        let Some((group, name)) = issuer.operation.split_once('.') else {
            d.error(
                &issuer.loc,
                format!("`operation: {}` must be `group.Name`, e.g. `auth.GetToken`", issuer.operation),
            );
            continue;
        };
        let Some(op) =
            spec.operations.iter().find(|op| op.service == service.id && op.group == group && op.name == name)
        else {
            // A spec read in part (one group checked alone) may not have the group at all.
            if spec.operations.iter().any(|op| op.group == group) {
                d.error(
                    &issuer.loc,
                    format!("`operation: {}` names no operation of service `{}`", issuer.operation, service.id),
                );
            }
            continue;
        };
        if op.requires_token {
            d.error(
                &issuer.loc,
                format!("{} issues tokens, so it cannot need one: give it `auth: none`", issuer.operation),
            );
        }
        let mut roles = BTreeSet::new();
        for (role, name, loc) in &issuer.params {
            if !roles.insert(*role) {
                d.error(loc, format!("`{}` is given twice", role.name()));
            }
            if !op.params().any(|f| &f.name == name) {
                d.error(loc, format!("{} has no parameter `{name}`", issuer.operation));
            }
        }
        let needed: &[&[CredentialRole]] = match issuer.kind {
            TokenKind::App => &[&[CredentialRole::AppKey], &[CredentialRole::AppSecret]],
            TokenKind::Corp => &[
                &[CredentialRole::SuiteKey],
                &[CredentialRole::CorpId],
                &[CredentialRole::SuiteTicket],
                &[CredentialRole::SuiteSecret, CredentialRole::Signature],
            ],
        };
        for any_of in needed {
            if !any_of.iter().any(|r| roles.contains(r)) {
                let names: Vec<&str> = any_of.iter().map(|r| r.name()).collect();
                d.error(
                    &issuer.loc,
                    format!("the `{}` token issuer needs `{}` in `params`", issuer.kind.name(), names.join("` or `")),
                );
            }
        }
        if roles.contains(&CredentialRole::Signature) != roles.contains(&CredentialRole::Timestamp) {
            d.error(&issuer.loc, "`signature` and `timestamp` go together (the signature signs the timestamp)");
        }
        for field in [&issuer.token, &issuer.expires_in] {
            if !op.response.iter().any(|f| &f.name == field) {
                d.error(&issuer.loc, format!("{} has no response field `{field}`", issuer.operation));
            }
        }
        if let Some(code) = &issuer.refused
            && !service.error_codes.iter().chain(&op.errors).any(|e| &e.code == code)
        {
            d.error(
                &issuer.loc,
                format!("`refused: {code}` is documented neither by {} nor by the service", issuer.operation),
            );
        }
    }
}

fn check_error_codes(codes: &[ErrorCode], d: &mut Diagnostics, owner: &str) {
    let mut by_code: BTreeMap<&CodeValue, &Location> = BTreeMap::new();
    let mut by_name: BTreeMap<String, &Location> = BTreeMap::new();
    let mut by_role: BTreeMap<ErrorRole, &Location> = BTreeMap::new();
    for c in codes {
        if let Some(role) = c.role
            && let Some(first) = by_role.insert(role, &c.loc)
        {
            d.error(&c.loc, format!("role `{}` is given to two codes (the first at {first})", role.name()));
        }
        if owner == "the service"
            && let Some(p) = &c.param
        {
            d.error(&c.loc, format!("`param: {p}` belongs on an operation's error code, not a global one"));
        }
        if c.code == CodeValue::Num(0) {
            d.error(&c.loc, "errcode 0 means success and cannot be an error code");
        }
        if let Some(first) = by_code.insert(&c.code, &c.loc) {
            d.error(&c.loc, format!("error code {} is listed twice in {owner} (first at {first})", c.code));
        }
        let variant = names::upper_camel(&c.name);
        if variant == "Unknown" {
            d.error(&c.loc, "`unknown` is reserved for the catch-all variant; pick another name");
        }
        if let Some(first) = by_name.insert(variant, &c.loc) {
            d.error(&c.loc, format!("error name `{}` is used twice in {owner} (first at {first})", c.name,));
        }
        let mut subs = BTreeSet::new();
        for s in &c.sub_codes {
            if !subs.insert(&s.sub_code) {
                d.error(&s.loc, format!("sub-code `{}` is listed twice for error {}", s.sub_code, c.code));
            }
        }
    }
}

fn check_operation<'s>(
    op: &'s Operation,
    service: &Service,
    table: &TypeTable<'s>,
    d: &mut Diagnostics,
    used: &mut BTreeSet<&'s str>,
) {
    if !op.path.starts_with('/') || op.path.contains(['?', '#', ' ']) {
        d.error(
            &op.loc,
            format!("path `{}` must start with `/` and hold no query, e.g. `/topapi/extcontact/list`", op.path),
        );
    }
    match (op.method, op.encoding) {
        (_, Encoding::JsonValue) if op.body.len() != 1 => d.error(
            &op.loc,
            format!(
                "`encoding: json_value` sends one body parameter's value as the whole body; `body:` holds {}",
                op.body.len()
            ),
        ),
        (HttpMethod::Get, Encoding::Json | Encoding::Form | Encoding::JsonValue) => {
            d.error(&op.loc, "a GET operation sends its parameters in the query: use `encoding: query`")
        }
        (HttpMethod::Get, Encoding::Query) if !op.body.is_empty() => {
            d.error(&op.body[0].loc, "a GET operation has no body; move these parameters to `query:`")
        }
        (_, Encoding::Query) if !op.body.is_empty() => d.error(
            &op.loc,
            "`encoding: query` sends no body; use `json` or `form`, or move the parameters to `query:`",
        ),
        _ => {}
    }
    check_path_params(op, d);
    check_files(op, d);
    if service.envelope == ErrorEnvelope::Errcode {
        for e in &op.errors {
            if let CodeValue::Str(code) = &e.code {
                d.error(&e.loc, numeric_code_wanted(code));
            }
        }
    }
    if service.envelope == ErrorEnvelope::HttpStatus
        && let Some(e) = op.errors.first()
    {
        d.error(
            &e.loc,
            "operations of an `http_status` service take their codes from the service's table; list string codes there",
        );
    }
    let what = format!("operation `{}`", op.name);
    let params: Vec<&Field> = op.params().collect();
    check_field_list(&params, table, d, &what, used);
    // Optional parameters get a setter on the operation's builder (required ones are arguments
    // of its accessor): a setter may not take the name of one of the builder's methods.
    for f in params.iter().filter(|f| !f.required) {
        let rname = f.rust_name.clone().unwrap_or_else(|| names::field_name(&f.name));
        let paginated = op.pagination.is_some() && PAGINATED_BUILDER_METHODS.contains(&rname.as_str());
        if BUILDER_METHODS.contains(&rname.as_str()) || paginated {
            d.error(
                &f.loc,
                format!(
                    "parameter `{}` becomes Rust name `{rname}`, a method of the operation's builder; set `rust_name:`",
                    f.name
                ),
            );
        }
    }
    for f in &op.query {
        if service.auth.placement == TokenPlacement::Query(f.name.clone()) {
            d.error(&f.loc, format!("`{}` is added by `auth: access_token`; do not list it as a parameter", f.name));
        }
        // The new API takes lists and objects in the query as JSON text; the old one does not.
        if service.envelope == ErrorEnvelope::Errcode
            && matches!(f.ty, ParamType::Named(_) | ParamType::List(_) | ParamType::Json)
        {
            d.error(&f.ty_loc, "query parameters must be scalars (string, bool, i32, i64, f64)");
        }
    }
    for f in op.path_params.iter().chain(&op.headers).chain(&op.response).filter(|f| f.comma) {
        d.error(&f.loc, "`style: comma` applies to query and body parameters: a list DingTalk takes as `a,b,c`");
    }
    for f in op.path_params.iter().chain(&op.query).chain(&op.headers).filter(|f| f.flatten) {
        d.error(&f.loc, "`flatten: true` applies to body parameters and fields: a union cannot be written into the path, query or headers");
    }
    if op.encoding == Encoding::JsonValue
        && let Some(f) = op.body.iter().find(|f| f.flatten)
    {
        d.error(&f.loc, "`encoding: json_value` sends the parameter's value as the body: it cannot be flattened");
    }
    for f in &op.headers {
        if !matches!(f.ty, ParamType::String | ParamType::Bool | ParamType::I32 | ParamType::I64 | ParamType::F64) {
            d.error(&f.ty_loc, "header parameters must be scalars (string, bool, i32, i64, f64)");
        }
        if !is_header_name(&f.name) {
            d.error(&f.loc, format!("`{}` is not a valid HTTP header name (letters, digits, `-` and `_`)", f.name));
        }
        if let TokenPlacement::Header(token) = &service.auth.placement
            && token.eq_ignore_ascii_case(&f.name)
        {
            d.error(&f.loc, format!("`{}` is added by `auth: access_token`; do not list it as a parameter", f.name));
        }
    }
    if op.encoding == Encoding::Form {
        for f in &op.body {
            if matches!(f.ty, ParamType::Named(_)) {
                d.error(&f.ty_loc, "a form-encoded body cannot carry an object; use `encoding: json`");
            }
        }
    }
    check_fields(&op.response, table, d, &format!("the response of `{}`", op.name), used);
    if op.response_value {
        if op.response.len() != 1 {
            d.error(
                &op.loc,
                format!(
                    "`response_value: true` reads the body as the one response field's value; `response:` holds {}",
                    op.response.len()
                ),
            );
        }
        if service.envelope == ErrorEnvelope::Errcode {
            d.error(&op.loc, "`response_value` is for the new API: an `errcode` answer is always an object");
        }
    }
    check_error_codes(&op.errors, d, &what);
    for e in &op.errors {
        if let Some(p) = &e.param
            && !param_path_exists(p, &params, table)
        {
            d.error(
                &e.loc,
                format!(
                    "error {} names `param: {p}`, which is not a parameter of `{}` (a nested field is written `contact.user_id`)",
                    e.code, op.name
                ),
            );
        }
    }

    if let Some(p) = &op.pagination {
        check_pagination(op, p, table, d);
    }
    if let Some(m) = &op.mock {
        check_mock(op, service, m, table, d);
    }
    if let Some(cli) = &op.cli {
        check_cli(op, cli, table, d);
    }
    let mut example_names = BTreeSet::new();
    for ex in &op.examples {
        if !example_names.insert(&ex.name) {
            d.error(&ex.loc, format!("example `{}` is declared twice", ex.name));
        }
        if let Some(req) = &ex.request {
            check_example_params(&req.query, &op.query, &req.loc, table, d, "query");
            check_example_params(&req.body, &op.body, &req.loc, table, d, "body");
        }
        if let Some(text) = &ex.response {
            check_response_example(text, ex, op, table, d);
        }
    }
}

/// Whether a dotted path (`contact.user_id`) names a parameter or a field nested in one.
fn param_path_exists(path: &str, params: &[&Field], table: &TypeTable) -> bool {
    let mut segments = path.split('.');
    let Some(first) = segments.next() else { return false };
    let Some(mut field) = params.iter().copied().find(|f| f.name == first) else { return false };
    for segment in segments {
        let mut ty = &field.ty;
        while let ParamType::List(inner) = ty {
            ty = inner;
        }
        let ParamType::Named(name) = ty else { return false };
        let Some(next) = table.get(name).and_then(|t| t.fields.iter().find(|f| f.name == segment)) else {
            return false;
        };
        field = next;
    }
    true
}

/// The response field at a dotted path through object fields (`result.list`), or why not.
pub fn response_path<'s>(op: &'s Operation, path: &str, table: &TypeTable<'s>) -> Result<&'s Field, String> {
    let mut segments = path.split('.');
    let first = segments.next().unwrap_or_default();
    let mut field = op
        .response
        .iter()
        .find(|f| f.name == first)
        .ok_or_else(|| format!("`{first}` is not a response field of `{}`", op.name))?;
    for segment in segments {
        let ParamType::Named(name) = &field.ty else {
            return Err(format!(
                "`{}` is `{}`, not an object with a field `{segment}`",
                field.name,
                field.ty.spelling()
            ));
        };
        field = table
            .get(name)
            .and_then(|t| t.fields.iter().find(|f| f.name == segment))
            .ok_or_else(|| format!("type `{name}` has no field `{segment}`"))?;
    }
    Ok(field)
}

fn check_pagination(op: &Operation, p: &Pagination, table: &TypeTable, d: &mut Diagnostics) {
    let find = |name: &str| op.query.iter().chain(&op.body).find(|f| f.name == name);
    let position: (&str, &String, fn(&ParamType) -> bool, &str) = match &p.style {
        PageStyle::Offset { offset } => ("offset", offset, is_integer, "an integer"),
        PageStyle::Cursor { cursor, .. } => ("cursor", cursor, is_integer, "an integer"),
        PageStyle::Token { token, .. } => ("token", token, is_token, "a string or an integer"),
    };
    let size = p.size.as_ref().map(|s| ("size", s, is_integer as fn(&ParamType) -> bool, "an integer"));
    if size.is_none() && p.max_page_size.is_some() {
        d.error(&p.loc, "`max_page_size` needs `size`, the parameter that carries it");
    }
    for (role, name, ok, wanted) in std::iter::once(position).chain(size) {
        match find(name) {
            None => d.error(
                &p.loc,
                format!("pagination `{role}` names `{name}`, which is not a parameter of `{}`", op.name),
            ),
            Some(f) if !ok(&f.ty) => d.error(
                &f.ty_loc,
                format!("pagination `{role}` parameter `{name}` must be {wanted}, not `{}`", f.ty.spelling()),
            ),
            Some(f) if role == "size" => {
                if let (Some(max), Some(default)) = (f.constraints.max, p.max_page_size)
                    && default > max
                {
                    d.error(&p.loc, format!("`max_page_size` {default} exceeds the `max: {max}` of `{name}`"));
                }
            }
            Some(_) => {}
        }
    }
    if let PageStyle::Token { token, first, .. } = &p.style
        && let Some(f) = find(token)
    {
        match first {
            Some(_) if !f.ty.is_integer() => d.error(
                &p.loc,
                format!("pagination `first` needs an integer token parameter; `{token}` is `{}`", f.ty.spelling()),
            ),
            None if f.required => d.error(
                &p.loc,
                format!("`{token}` is required, so the first page cannot leave it out: give `first` (its first value)"),
            ),
            _ => {}
        }
    }
    if let Some(default) = p.max_page_size
        && default < 1
    {
        d.error(&p.loc, format!("`max_page_size` must be at least 1, found {default}"));
    }
    match response_path(op, &p.items, table) {
        Err(why) => d.error(&p.loc, format!("pagination `items` names `{}`: {why}", p.items)),
        Ok(f) if !matches!(f.ty, ParamType::List(_)) => d.error(
            &f.ty_loc,
            format!("pagination `items` field `{}` must be a list, not `{}`", f.name, f.ty.spelling()),
        ),
        Ok(_) => {}
    }
    let paths: Vec<PathCheck<'_>> = match &p.style {
        PageStyle::Offset { .. } => Vec::new(),
        PageStyle::Cursor { next_cursor, has_more, .. } => {
            vec![("next_cursor", next_cursor, "an integer", is_integer), ("has_more", has_more, "a bool", is_bool)]
        }
        PageStyle::Token { next_token, has_more, .. } => {
            let mut paths =
                vec![("next_token", next_token, "a string or an integer", is_token as fn(&ParamType) -> bool)];
            paths.extend(has_more.iter().map(|h| ("has_more", h, "a bool", is_bool as fn(&ParamType) -> bool)));
            paths
        }
    };
    for (role, path, wanted, ok) in paths {
        match response_path(op, path, table) {
            Err(why) => d.error(&p.loc, format!("pagination `{role}` names `{path}`: {why}")),
            Ok(f) if !ok(&f.ty) => d.error(
                &f.ty_loc,
                format!("pagination `{role}` field `{}` must be {wanted}, not `{}`", f.name, f.ty.spelling()),
            ),
            Ok(_) => {}
        }
    }
}

/// A name an HTTP header can have (a subset of RFC 9110's token: what DingTalk's use).
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A response path of a pagination: its role, the path, the type wanted, and the check.
type PathCheck<'a> = (&'a str, &'a String, &'a str, fn(&ParamType) -> bool);

fn is_integer(ty: &ParamType) -> bool {
    ty.is_integer()
}

fn is_bool(ty: &ParamType) -> bool {
    *ty == ParamType::Bool
}

/// A page token: text, or an integer where the package declares one.
fn is_token(ty: &ParamType) -> bool {
    ty.is_integer() || *ty == ParamType::String
}

/// Flags the `dingtalk` CLI gives every alias itself.
const CLI_OWN_FLAGS: &[&str] = &["all", "json", "output", "help"];
/// The CLI's own commands, which an alias may not shadow.
const CLI_COMMANDS: &[&str] = &["call", "callback", "completions", "help"];

/// A CLI alias: kebab-case flags, each setting a parameter (or a field of one) of the operation,
/// none twice and none of the CLI's own.
fn check_cli(op: &Operation, cli: &CliAlias, table: &TypeTable, d: &mut Diagnostics) {
    if CLI_COMMANDS.contains(&cli.words[0].as_str()) {
        d.error(&cli.loc, format!("`{}` is a command of the CLI itself; pick another first word", cli.words[0]));
    }
    let mut seen = BTreeSet::new();
    for (flag, path) in op.cli_flags() {
        let loc = cli.flags.iter().find(|(f, _, _)| *f == flag).map_or(&cli.loc, |(_, _, l)| l);
        let kebab = !flag.is_empty() && flag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !kebab || flag.starts_with('-') {
            d.error(loc, format!("flag `{flag}` must be kebab-case, e.g. `user-id`"));
        }
        if CLI_OWN_FLAGS.contains(&flag.as_str()) {
            d.error(loc, format!("flag `--{flag}` is the CLI's own; give the parameter another flag under `flags:`"));
        }
        if !seen.insert(flag.clone()) {
            d.error(loc, format!("flag `--{flag}` is given twice (every parameter has a flag of its wire name)"));
        }
        if resolve_param_path(op, &path, table).is_none() {
            d.error(loc, format!("`{path}` is no parameter of {} (nor a field of one)", op.name));
        }
    }
}

/// The field a dotted wire path names: a parameter, or a field of an object parameter.
fn resolve_param_path<'s>(op: &'s Operation, path: &str, table: &TypeTable<'s>) -> Option<&'s Field> {
    let mut segments = path.split('.');
    let first = segments.next()?;
    let mut field = op.params().find(|f| f.name == first)?;
    for segment in segments {
        let ParamType::Named(name) = &field.ty else { return None };
        field = table.get(name)?.fields.iter().find(|f| f.name == segment)?;
    }
    Some(field)
}

fn check_mock(op: &Operation, service: &Service, m: &MockBehaviour, table: &TypeTable, d: &mut Diagnostics) {
    let params: Vec<&Field> = op.query.iter().chain(&op.body).collect();
    if let Some(p) = &m.param {
        if !params.iter().any(|f| &f.name == p) {
            d.error(&m.loc, format!("mock `param` names `{p}`, which is not a parameter of `{}`", op.name));
        }
    } else if matches!(m.action, MockAction::Get | MockAction::Delete) && !params.iter().any(|f| f.name == m.key) {
        // Without `param:`, get and delete take the key from the parameter named like it, and
        // create and update take the whole request as the object.
        d.error(
            &m.loc,
            format!(
                "mock actions get and delete need `param:` naming the key's parameter (no parameter is named `{}`)",
                m.key
            ),
        );
    }
    if let Some(r) = &m.result {
        match response_path(op, r, table) {
            Err(why) => d.error(&m.loc, format!("mock `result` names `{r}`: {why}")),
            Ok(f) if m.action == MockAction::Count && !f.ty.is_integer() => {
                d.error(&m.loc, format!("mock action `count` puts a number in `{r}`, which is `{}`", f.ty.spelling()))
            }
            Ok(_) => {}
        }
    } else if m.action == MockAction::Count {
        d.error(&m.loc, "mock action `count` needs `result:` naming the response field for the number");
    }
    if let Some(filter) = &m.filter {
        if !params.iter().any(|f| f.name == filter.param) {
            d.error(
                &m.loc,
                format!("mock `filter.param` names `{}`, which is not a parameter of `{}`", filter.param, op.name),
            );
        }
        if !matches!(m.action, MockAction::List | MockAction::Count) {
            d.error(&m.loc, "mock `filter` applies to the list and count actions");
        }
    }
    if m.project.is_some() && !matches!(m.action, MockAction::List | MockAction::Get) {
        d.error(&m.loc, "mock `project` applies to the list and get actions");
    }
    if let Some((loc, text)) = &m.defaults {
        if m.action != MockAction::Create {
            d.error(loc, "mock `defaults` applies to the create action: the fields a new object starts with");
        }
        match serde_json::from_str::<J>(text) {
            Ok(J::Object(_)) => {}
            Ok(other) => d.error(loc, format!("mock `defaults` must be a JSON object, found {}", json_kind(&other))),
            Err(e) => d.error(loc, format!("mock `defaults` is not valid JSON: {e}")),
        }
    }
    if let Some(code) = &m.not_found
        && !op.errors.iter().chain(&service.error_codes).any(|e| &e.code == code)
    {
        d.error(
            &m.loc,
            format!("mock `not_found` is {code}, which is among neither the operation's nor the service's error codes"),
        );
    }
    if let Some(k) = &m.object_key {
        let object_field = m.param.as_ref().map(|p| format!("{p}.{k}"));
        if !matches!(m.action, MockAction::Create | MockAction::Update) {
            d.error(&m.loc, "mock `object_key` applies to create and update, whose parameter is an object");
        } else if object_field.is_some_and(|path| !param_path_exists(&path, &params, table)) {
            d.error(&m.loc, format!("mock `object_key` names `{k}`, which is not a field of the object parameter"));
        }
    }
    if m.action == MockAction::List && op.pagination.is_none() && m.result.is_none() {
        d.error(
            &m.loc,
            "mock action `list` needs the operation's `pagination:` or `result:` naming where the list goes",
        );
    }
}

/// Every `{name}` of the path is a path parameter, and every path parameter is in the path:
/// a required scalar.
fn check_path_params(op: &Operation, d: &mut Diagnostics) {
    let mut in_path = BTreeSet::new();
    for segment in op.path.split('/') {
        let (open, close) = (segment.find('{'), segment.find('}'));
        match (open, close) {
            (None, None) => {}
            (Some(0), Some(end)) if end == segment.len() - 1 && end > 1 => {
                in_path.insert(&segment[1..end]);
            }
            _ => d.error(
                &op.loc,
                format!("path segment `{segment}` must be plain text or one whole `{{name}}`, e.g. `/v1.0/contact/users/{{unionId}}`"),
            ),
        }
    }
    for name in &in_path {
        if !op.path_params.iter().any(|f| f.name == *name) {
            d.error(&op.loc, format!("the path names `{{{name}}}`; declare it under `path_params:`"));
        }
    }
    for f in &op.path_params {
        if !in_path.contains(f.name.as_str()) {
            d.error(&f.loc, format!("path parameter `{}` is not in the path `{}`", f.name, op.path));
        }
        if !f.required {
            d.error(&f.loc, format!("path parameter `{}` must be `required: true`", f.name));
        }
        if !matches!(f.ty, ParamType::String | ParamType::I32 | ParamType::I64 | ParamType::Bool) {
            d.error(&f.ty_loc, "path parameters are strings, integers or booleans");
        }
    }
}

/// A tagged union: a valid tag name, at least one variant, each holding an object type under a
/// name that is not the tag's.
fn check_union<'s>(
    t: &'s NamedType,
    (tag_loc, tag): &(Location, String),
    table: &TypeTable<'s>,
    d: &mut Diagnostics,
    used: &mut BTreeSet<&'s str>,
) {
    if tag.is_empty() || tag.chars().any(|c| c.is_control() || c == '"') {
        d.error(tag_loc, format!("tag `{tag}` cannot be sent on the wire; use letters, digits and `_`"));
    }
    if t.fields.is_empty() {
        d.error(&t.loc, format!("union `{}` needs at least one variant under `variants:`", t.name));
    }
    let owner = format!("union `{}`", t.name);
    check_fields(&t.fields, table, d, &owner, used);
    for v in &t.fields {
        if &v.name == tag {
            d.error(&v.loc, format!("variant `{tag}` has the tag's own name; the tag holds the variant's name"));
        }
        let object = matches!(&v.ty, ParamType::Named(n) if table.get(n).is_some_and(|t| !t.is_union()));
        if !object {
            d.error(&v.ty_loc, format!("variant `{}` must hold an object type (one with `fields:`)", v.name));
        }
        if v.required || v.flatten || v.example.is_some() || v.constraints != Constraints::default() {
            d.error(&v.loc, "a variant takes `name`, `type`, `description` and `rust_name` only");
        }
    }
}

fn check_fields<'s>(
    fields: &'s [Field],
    table: &TypeTable<'s>,
    d: &mut Diagnostics,
    owner: &str,
    used: &mut BTreeSet<&'s str>,
) {
    let refs: Vec<&Field> = fields.iter().collect();
    check_field_list(&refs, table, d, owner, used);
    for f in fields.iter().filter(|f| holds_file(&f.ty)) {
        d.error(
            &f.ty_loc,
            format!("`file` is the type of a body parameter of a multipart operation, not of a field of {owner}"),
        );
    }
}

/// `file` parameters: top-level body parameters of a multipart operation, whose other body
/// parameters are scalars; `max_bytes` and `max_bytes_by` only on them.
fn check_files(op: &Operation, d: &mut Diagnostics) {
    let multipart = op.encoding == Encoding::Multipart;
    if multipart && op.method == HttpMethod::Get {
        d.error(&op.loc, "a GET operation has no body: a multipart operation is a POST (or PUT)");
    }
    for f in op.path_params.iter().chain(&op.query).chain(&op.headers) {
        if holds_file(&f.ty) {
            d.error(
                &f.ty_loc,
                "a `file` travels in a multipart body: declare it under `body:` with `encoding: multipart`",
            );
        }
    }
    for f in &op.body {
        match &f.ty {
            ParamType::File if !multipart => d.error(
                &f.ty_loc,
                format!("`{}` is a `file`: the operation needs `encoding: multipart` to send it", f.name),
            ),
            ParamType::List(inner) if holds_file(inner) => {
                d.error(&f.ty_loc, "a list of files cannot be sent: declare one `file` parameter per part")
            }
            ParamType::Named(_) | ParamType::Json if multipart => d.error(
                &f.ty_loc,
                "a multipart body carries text and files: its parameters are scalars, comma lists or `file`",
            ),
            _ => {}
        }
        if multipart && f.flatten {
            d.error(&f.loc, "a multipart body has no object to flatten a union into");
        }
    }
    for f in op.params().chain(&op.response) {
        let c = &f.constraints;
        if f.ty != ParamType::File && (c.max_bytes.is_some() || c.max_bytes_by.is_some()) {
            d.error(&f.loc, "`max_bytes` and `max_bytes_by` limit a `file`; for a JSON value use `max_json_bytes`");
        }
        if let Some(by) = &c.max_bytes_by {
            match op.params().find(|p| p.name == by.param) {
                None => d.error(
                    &by.loc,
                    format!("`max_bytes_by` names `{}`, which is not a parameter of `{}`", by.param, op.name),
                ),
                Some(p) if p.ty != ParamType::String => d.error(
                    &by.loc,
                    format!("`max_bytes_by` decides by `{}`, which must be a string parameter", by.param),
                ),
                Some(_) => {}
            }
        }
    }
}

/// Whether a type is or holds `file`.
fn holds_file(ty: &ParamType) -> bool {
    match ty {
        ParamType::File => true,
        ParamType::List(inner) => holds_file(inner),
        _ => false,
    }
}

/// The wire names a flattened union field writes into its object (none for another field).
fn flat_keys<'s>(f: &Field, table: &TypeTable<'s>) -> Vec<&'s str> {
    match &f.ty {
        ParamType::Named(n) if f.flatten => table.get(n).map(NamedType::union_keys).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn check_field_list<'s>(
    fields: &[&'s Field],
    table: &TypeTable<'s>,
    d: &mut Diagnostics,
    owner: &str,
    used: &mut BTreeSet<&'s str>,
) {
    let mut wire: BTreeMap<&str, &Location> = BTreeMap::new();
    let mut rust: BTreeMap<String, &Location> = BTreeMap::new();
    for f in fields {
        if let Some(first) = wire.insert(&f.name, &f.loc) {
            d.error(&f.loc, format!("field `{}` is declared twice in {owner} (first at {first})", f.name));
        }
        if f.flatten {
            match &f.ty {
                ParamType::Named(n) if table.get(n).is_some_and(NamedType::is_union) => {
                    let union = table.get(n).expect("checked above");
                    for key in union.union_keys() {
                        if let Some(other) = fields.iter().find(|g| {
                            (!g.flatten && g.name == key)
                                || (g.flatten && !std::ptr::eq::<Field>(**g, *f) && flat_keys(g, table).contains(&key))
                        }) {
                            d.error(
                                &f.loc,
                                format!(
                                    "flattened union `{n}` writes `{key}` into {owner}, which `{}` (at {}) uses too",
                                    other.name, other.loc
                                ),
                            );
                        }
                    }
                }
                _ => d.error(
                    &f.ty_loc,
                    "`flatten: true` applies to a union type (one declared with `tag:` and `variants:`)",
                ),
            }
        }
        let rname = f.rust_name.clone().unwrap_or_else(|| names::field_name(&f.name));
        if let Some(first) = rust.insert(rname.clone(), &f.loc)
            && fields.iter().filter(|g| g.name == f.name).count() == 1
        {
            d.error(
                &f.loc,
                format!(
                    "field `{}` becomes Rust name `{rname}`, already used in {owner} (at {first}); set `rust_name:`",
                    f.name
                ),
            );
        }
        if let Some((_, why)) = STRUCT_METHODS.iter().find(|(name, _)| *name == rname) {
            d.error(&f.loc, format!("field `{}` becomes Rust name `{rname}`: {why}; set `rust_name:`", f.name));
        }
        if f.name.is_empty() || f.name.chars().any(|c| c.is_control() || c == '"') {
            d.error(&f.loc, format!("field name `{}` cannot be sent on the wire; use letters, digits and `_`", f.name));
        }
        check_type(&f.ty, &f.ty_loc, table, d, used);
        check_constraints(f, d);
        if let Some((loc, reference)) = &f.references {
            let scalar = |t: &ParamType| matches!(t, ParamType::String | ParamType::I32 | ParamType::I64);
            let ok_type = match &f.ty {
                ParamType::List(inner) => scalar(inner),
                t => scalar(t),
            };
            if !ok_type {
                d.error(
                    loc,
                    format!("`references` applies to strings, integers and lists of them, not `{}`", f.ty.spelling()),
                );
            }
            if reference.split('.').count() < 2 || reference.split('.').any(|s| !crate::names::is_snake_ident(s)) {
                d.error(loc, format!("`references: {reference}` must be `store.field`, e.g. `label_groups.labels.id`"));
            }
        }
        if let Some((loc, value)) = &f.example {
            let mut problems = Vec::new();
            check_value(value, &f.ty, Some(&f.constraints), table, &f.name, &mut problems);
            for p in problems {
                d.error(loc, format!("example does not fit field `{}`: {p}", f.name));
            }
        }
    }
}

fn check_type<'s>(
    ty: &'s ParamType,
    loc: &Location,
    table: &TypeTable<'s>,
    d: &mut Diagnostics,
    used: &mut BTreeSet<&'s str>,
) {
    match ty {
        ParamType::List(inner) => check_type(inner, loc, table, d, used),
        ParamType::Named(name) => {
            if table.get(name).is_some() {
                used.insert(name);
            } else {
                let known: Vec<&str> = table.types.keys().copied().collect();
                let hint =
                    crate::parse::closest(name, &known).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
                d.error(
                    loc,
                    format!("unknown type `{name}`{hint}; declare it under `types:` or use string, bool, i32, i64, f64 or list<T>"),
                );
            }
        }
        _ => {}
    }
}

fn check_constraints(f: &Field, d: &mut Diagnostics) {
    let c = &f.constraints;
    if (c.min.is_some() || c.max.is_some()) && !f.ty.is_integer() {
        d.error(&f.loc, format!("`min`/`max` apply to integers, but `{}` is `{}`", f.name, f.ty.spelling()));
    }
    if let (Some(min), Some(max)) = (c.min, c.max)
        && min > max
    {
        d.error(&f.loc, format!("`min` {min} is greater than `max` {max} for `{}`; swap them", f.name));
    }
    if c.max_length.is_some() && f.ty != ParamType::String {
        d.error(&f.loc, format!("`max_length` applies to strings, but `{}` is `{}`", f.name, f.ty.spelling()));
    }
    if f.secret && f.ty != ParamType::String {
        // `Redacted` (the runtime's redacting `Debug`) covers strings and optional values only.
        d.error(&f.loc, format!("`secret` applies to strings, but `{}` is `{}`", f.name, f.ty.spelling()));
    }
    if c.max_items.is_some() && !matches!(f.ty, ParamType::List(_)) {
        d.error(&f.loc, format!("`max_items` applies to lists, but `{}` is `{}`", f.name, f.ty.spelling()));
    }
    let scalar = |t: &ParamType| matches!(t, ParamType::String | ParamType::I32 | ParamType::I64);
    if f.comma && !matches!(&f.ty, ParamType::List(inner) if scalar(inner)) {
        d.error(
            &f.loc,
            format!(
                "`style: comma` applies to lists of strings or integers, but `{}` is `{}`",
                f.name,
                f.ty.spelling()
            ),
        );
    }
    if f.ty == ParamType::I32 {
        for (k, v) in [("min", c.min), ("max", c.max)] {
            if let Some(v) = v
                && i32::try_from(v).is_err()
            {
                d.error(&f.loc, format!("`{k}` {v} does not fit the i32 field `{}`", f.name));
            }
        }
    }
}

/// A named type that holds itself without a list in between would have infinite size.
fn check_recursion(table: &TypeTable, d: &mut Diagnostics) {
    for (name, (_, t)) in &table.types {
        let mut stack: Vec<&str> = t.fields.iter().filter_map(|f| direct_named(&f.ty)).collect();
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == *name {
                d.error(&t.loc, format!("type `{name}` contains itself; wrap the field in `list<…>`"));
                break;
            }
            if seen.insert(n)
                && let Some(inner) = table.get(n)
            {
                stack.extend(inner.fields.iter().filter_map(|f| direct_named(&f.ty)));
            }
        }
    }
}

fn direct_named(ty: &ParamType) -> Option<&str> {
    match ty {
        ParamType::Named(n) => Some(n),
        _ => None,
    }
}

/// Checks a JSON value against a type and its constraints, collecting problems with a JSON path.
pub fn check_value(
    value: &J,
    ty: &ParamType,
    constraints: Option<&Constraints>,
    table: &TypeTable,
    path: &str,
    out: &mut Vec<String>,
) {
    if let Some(max) = constraints.and_then(|c| c.max_json_bytes) {
        let bytes = value.to_string().len() as u64;
        if bytes > max {
            out.push(format!("`{path}` is {bytes} bytes of JSON, more than `max_json_bytes` {max}"));
        }
    }
    if out.len() >= 20 {
        return;
    }
    let found = json_kind(value);
    match ty {
        ParamType::String => match value.as_str() {
            Some(s) => {
                if let Some(max) = constraints.and_then(|c| c.max_length) {
                    let n = s.chars().count() as u64;
                    if n > max {
                        out.push(format!("`{path}` is {n} characters long, more than `max_length` {max}"));
                    }
                }
            }
            None => out.push(format!("`{path}` should be a string, found {found}")),
        },
        ParamType::Bool => {
            if !value.is_boolean() {
                out.push(format!("`{path}` should be true or false, found {found}"));
            }
        }
        ParamType::I32 | ParamType::I64 => match value.as_i64() {
            Some(i) => {
                if *ty == ParamType::I32 && i32::try_from(i).is_err() {
                    out.push(format!("`{path}` is {i}, which does not fit in i32"));
                }
                if let Some(c) = constraints {
                    if let Some(min) = c.min.filter(|m| i < *m) {
                        out.push(format!("`{path}` is {i}, less than `min` {min}"));
                    }
                    if let Some(max) = c.max.filter(|m| i > *m) {
                        out.push(format!("`{path}` is {i}, more than `max` {max}"));
                    }
                }
            }
            None => out.push(format!("`{path}` should be a whole number, found {found}")),
        },
        ParamType::F64 => {
            if !value.is_number() {
                out.push(format!("`{path}` should be a number, found {found}"));
            }
        }
        ParamType::Json => {}
        // A documentation example names the file it uploads (`C:/Users/Desktop/222.png`).
        ParamType::File => {
            if !value.is_string() {
                out.push(format!("`{path}` should be the name or path of a file, found {found}"));
            }
        }
        ParamType::List(inner) => match value.as_array() {
            Some(items) => {
                if let Some(max) = constraints.and_then(|c| c.max_items)
                    && items.len() as u64 > max
                {
                    out.push(format!("`{path}` has {} items, more than `max_items` {max}", items.len()));
                }
                for (i, item) in items.iter().enumerate() {
                    check_value(item, inner, None, table, &format!("{path}[{i}]"), out);
                }
            }
            None => out.push(format!("`{path}` should be a list, found {found}")),
        },
        ParamType::Named(name) => {
            let Some(t) = table.get(name) else { return };
            match value.as_object() {
                Some(obj) if t.is_union() => check_union_value(obj, t, table, path, out),
                Some(obj) => check_object(obj, &t.fields, table, path, &[], out),
                None => out.push(format!("`{path}` should be a `{name}` object, found {found}")),
            }
        }
    }
}

/// A union's object: the tag names a variant whose field holds its value; nothing else.
fn check_union_value(
    obj: &serde_json::Map<String, J>,
    t: &NamedType,
    table: &TypeTable,
    path: &str,
    out: &mut Vec<String>,
) {
    let Some((_, tag)) = &t.tag else { return };
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    let names: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
    let Some(chosen) = obj.get(tag).and_then(J::as_str) else {
        out.push(format!("`{}` should name the variant, one of: {}", at(tag), names.join(", ")));
        return;
    };
    let Some(variant) = t.fields.iter().find(|f| f.name == chosen) else {
        out.push(format!("`{}` is `{chosen}`, not one of: {}", at(tag), names.join(", ")));
        return;
    };
    match obj.get(&variant.name) {
        Some(value) => check_value(value, &variant.ty, None, table, &at(&variant.name), out),
        None => out.push(format!("`{}` is missing: `{tag}` is `{chosen}`", at(&variant.name))),
    }
    for key in obj.keys().filter(|k| *k != tag && **k != variant.name) {
        out.push(format!("`{}` does not belong to variant `{chosen}`", at(key)));
    }
}

fn check_object(
    obj: &serde_json::Map<String, J>,
    fields: &[Field],
    table: &TypeTable,
    path: &str,
    allowed_extra: &[&str],
    out: &mut Vec<String>,
) {
    let mut flat: Vec<(&Field, &NamedType)> = Vec::new();
    for f in fields.iter().filter(|f| f.flatten) {
        if let ParamType::Named(n) = &f.ty
            && let Some(t) = table.get(n)
        {
            flat.push((f, t));
        }
    }
    for (key, value) in obj {
        let sub = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        match fields.iter().find(|f| &f.name == key && !f.flatten) {
            // A comma list as DingTalk's pages write it: `"user123,user456"`.
            Some(f) if f.comma && value.is_string() => {
                let text = value.as_str().unwrap_or_default();
                let items = text.split(',').map(|item| match item.trim().parse::<i64>() {
                    Ok(n) if matches!(&f.ty, ParamType::List(inner) if inner.is_integer()) => J::from(n),
                    _ => J::String(item.trim().to_owned()),
                });
                check_value(&J::Array(items.collect()), &f.ty, Some(&f.constraints), table, &sub, out);
            }
            Some(f) => check_value(value, &f.ty, Some(&f.constraints), table, &sub, out),
            None if allowed_extra.contains(&key.as_str()) => {}
            None if flat.iter().any(|(_, t)| t.union_keys().contains(&key.as_str())) => {}
            None => out.push(format!("`{sub}` is not a declared field; add it to the spec or fix the name")),
        }
    }
    // A flattened union's members are checked together, as one union object.
    for (_, t) in flat {
        let keys = t.union_keys();
        let own: serde_json::Map<String, J> =
            obj.iter().filter(|(k, _)| keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !own.is_empty() {
            check_union_value(&own, t, table, path, out);
        }
    }
}

fn json_kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "an object",
    }
}

fn check_example_params(
    given: &serde_json::Map<String, J>,
    params: &[Field],
    loc: &Location,
    table: &TypeTable,
    d: &mut Diagnostics,
    what: &str,
) {
    let mut problems = Vec::new();
    check_object(given, params, table, "", &[], &mut problems);
    for p in problems {
        d.error(loc, format!("example request {what}: {p}"));
    }
}

fn check_response_example(text: &str, ex: &Example, op: &Operation, table: &TypeTable, d: &mut Diagnostics) {
    let value: J = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let loc = if ex.response_block {
                Location::new(
                    &ex.response_loc.path,
                    ex.response_loc.line + e.line() - 1,
                    ex.response_loc.column + e.column().saturating_sub(1),
                )
            } else {
                ex.response_loc.clone()
            };
            d.error(&loc, format!("example response is not valid JSON: {e}"));
            return;
        }
    };
    let Some(obj) = value.as_object() else {
        d.error(&ex.response_loc, "example response must be a JSON object");
        return;
    };
    let mut problems = Vec::new();
    check_object(obj, &op.response, table, "", ENVELOPE_KEYS, &mut problems);
    for p in problems {
        d.error(&ex.response_loc, format!("example response: {p}"));
    }
}
