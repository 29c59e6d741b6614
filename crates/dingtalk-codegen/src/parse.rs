//! Reads the spanned YAML tree into the spec model.
//!
//! Strict: an unknown key, a missing required key or a value of the wrong kind is an error
//! naming the place and what was expected. Reading goes on after an error, so one run
//! reports every problem of a file.

use crate::diag::{Diagnostics, Location};
use crate::model::*;
use crate::yaml::{Key, Node, Resolved, Value};

/// What a spec file declares.
#[derive(Debug)]
pub enum SpecFile {
    /// A `service:` file.
    Service(Service),
    /// An `operation:` file.
    Operation(Box<Operation>),
    /// A `types:` file, with its `group:`.
    Types(SharedTypes),
    /// A `sandbox:` file.
    Sandbox(Sandbox),
    /// An `event:` file.
    Event(Box<Event>),
}

/// Reads one file's tree. Returns `None` when nothing useful could be read (the problems are in `d`).
pub fn read_file(root: &Node, d: &mut Diagnostics) -> Option<SpecFile> {
    let mut top = MapReader::new(root, "the file", d)?;
    let service = top.take("service");
    let operation = top.take("operation");
    let types = top.take("types");
    let sandbox = top.take("sandbox");
    let event = top.take("event");
    let group = top.take("group");
    top.finish(d);
    if let Some(node) = event {
        if service.is_some() || operation.is_some() || types.is_some() || sandbox.is_some() {
            d.error(&root.loc, "a spec file declares one thing: `service:`, `operation:`, `types:`, `sandbox:` or `event:`, not several");
            return None;
        }
        if let Some(group) = group {
            d.error(&group.loc, "`group:` at top level belongs only in `types:` files; put it inside `event:`");
        }
        return read_event(node, d).map(|e| SpecFile::Event(Box::new(e)));
    }
    if let Some(node) = sandbox {
        if service.is_some() || operation.is_some() || types.is_some() {
            d.error(
                &root.loc,
                "a spec file declares one thing: `service:`, `operation:`, `types:` or `sandbox:`, not several",
            );
            return None;
        }
        if let Some(group) = group {
            d.error(&group.loc, "`group:` at top level belongs only in `types:` files; put it inside `sandbox:`");
        }
        return read_sandbox(node, d).map(SpecFile::Sandbox);
    }
    let result = match (service, operation, types) {
        (Some(s), None, None) => read_service(s, d).map(SpecFile::Service),
        (None, Some(o), None) => read_operation(o, d).map(|o| SpecFile::Operation(Box::new(o))),
        (None, None, Some(t)) => {
            let Some(group) = group else {
                d.error(&root.loc, "a `types:` file needs a `group:` key naming the module, e.g. `group: extcontact`");
                return None;
            };
            let group = read_ident(group, d, IdentCase::Snake, "group")?;
            Some(SpecFile::Types(SharedTypes { loc: t.loc.clone(), group, types: read_types(t, d) }))
        }
        (None, None, None) => {
            d.error(
                &root.loc,
                "expected one top-level key: `service:`, `operation:`, `types:`, `sandbox:` or `event:`",
            );
            None
        }
        _ => {
            d.error(&root.loc, "a spec file declares one thing: `service:`, `operation:` or `types:`, not several");
            None
        }
    };
    if let Some(group) = group.filter(|_| !matches!(result, Some(SpecFile::Types(_)) | None)) {
        d.error(&group.loc, "`group:` at top level belongs only in `types:` files; put it inside `operation:`");
    }
    result
}

/// Reads a mapping key by key and reports keys nobody asked for.
pub struct MapReader<'n> {
    node: &'n Node,
    what: &'static str,
    entries: &'n [(Key, Node)],
    asked: Vec<&'static str>,
}

impl<'n> MapReader<'n> {
    /// A reader of `node`, called `what` in messages; `None` (with the problem in `d`) when `node`
    /// is not a mapping.
    pub fn new(node: &'n Node, what: &'static str, d: &mut Diagnostics) -> Option<Self> {
        match &node.value {
            Value::Map(entries) => Some(MapReader { node, what, entries, asked: Vec::new() }),
            other => {
                d.error(&node.loc, format!("{what} must be a mapping (`key: value` lines), found {}", other.kind()));
                None
            }
        }
    }

    /// The value of `key`, if present; either way `key` counts as known.
    pub fn take(&mut self, key: &'static str) -> Option<&'n Node> {
        self.asked.push(key);
        self.entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    /// The value of `key`, or an error in `d` saying it is missing.
    pub fn require(&mut self, key: &'static str, d: &mut Diagnostics) -> Option<&'n Node> {
        let found = self.take(key);
        if found.is_none() {
            d.error(&self.node.loc, format!("{} is missing the required key `{key}`", self.what));
        }
        found
    }

    /// Reports every key that was never asked for, with the closest known key as a hint.
    pub fn finish(self, d: &mut Diagnostics) {
        for (key, _) in self.entries {
            if !self.asked.contains(&key.name.as_str()) {
                let hint = closest(&key.name, &self.asked).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
                d.error(
                    &key.loc,
                    format!(
                        "unknown key `{}` in {}; {hint}expected one of: {}",
                        key.name,
                        self.what,
                        self.asked.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(dist, c)| *dist <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Reads a string scalar; anything else (a number, a list, …) is an error naming the key `what`.
pub fn read_str(node: &Node, d: &mut Diagnostics, what: &str) -> Option<String> {
    match &node.value {
        Value::Scalar(s) => match s.resolve() {
            Resolved::Str(t) => Some(t.to_owned()),
            _ => {
                d.error(
                    &node.loc,
                    format!("`{what}` must be a string, found {}; quote it: \"{}\"", node.value.kind(), s.text),
                );
                None
            }
        },
        other => {
            d.error(&node.loc, format!("`{what}` must be a string, found {}", other.kind()));
            None
        }
    }
}

fn read_bool(node: &Node, d: &mut Diagnostics, what: &str) -> Option<bool> {
    if let Value::Scalar(s) = &node.value
        && let Resolved::Bool(b) = s.resolve()
    {
        return Some(b);
    }
    d.error(&node.loc, format!("`{what}` must be `true` or `false`, found {}", node.value.kind()));
    None
}

fn read_int(node: &Node, d: &mut Diagnostics, what: &str) -> Option<i64> {
    if let Value::Scalar(s) = &node.value
        && let Resolved::Int(i) = s.resolve()
    {
        return Some(i);
    }
    d.error(&node.loc, format!("`{what}` must be a whole number, found {}", node.value.kind()));
    None
}

fn read_count(node: &Node, d: &mut Diagnostics, what: &str) -> Option<u64> {
    let v = read_int(node, d, what)?;
    match u64::try_from(v) {
        Ok(v) => Some(v),
        Err(_) => {
            d.error(&node.loc, format!("`{what}` must be zero or more, found {v}"));
            None
        }
    }
}

fn read_seq<'n>(node: &'n Node, d: &mut Diagnostics, what: &str) -> &'n [Node] {
    match &node.value {
        Value::Seq(items) => items,
        other => {
            d.error(&node.loc, format!("`{what}` must be a list (`- item` lines), found {}", other.kind()));
            &[]
        }
    }
}

fn opt_str(m: &mut MapReader, key: &'static str, d: &mut Diagnostics) -> Option<String> {
    m.take(key).and_then(|n| read_str(n, d, key))
}

fn req_str(m: &mut MapReader, key: &'static str, d: &mut Diagnostics) -> Option<String> {
    m.require(key, d).and_then(|n| read_str(n, d, key))
}

fn read_choice<T: Copy>(node: &Node, d: &mut Diagnostics, what: &str, choices: &[(&'static str, T)]) -> Option<T> {
    let text = read_str(node, d, what)?;
    if let Some((_, v)) = choices.iter().find(|(name, _)| *name == text) {
        return Some(*v);
    }
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    let hint = closest(&text, &names).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
    d.error(
        &node.loc,
        format!(
            "`{what}` cannot be `{text}`{hint}; expected one of: {}",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ),
    );
    None
}

/// The case a name read from the spec must already be in.
#[derive(Clone, Copy, PartialEq)]
pub enum IdentCase {
    /// `snake_case`, as groups, service ids, stores and error code names are.
    Snake,
    /// `UpperCamelCase`, as operation and event names are.
    UpperCamel,
}

/// Reads a name that must already be in the given case and be usable as a Rust identifier.
fn read_ident(node: &Node, d: &mut Diagnostics, case: IdentCase, what: &str) -> Option<String> {
    let text = read_str(node, d, what)?;
    let ok = match case {
        IdentCase::Snake => crate::names::is_snake_ident(&text),
        IdentCase::UpperCamel => crate::names::is_upper_camel_ident(&text),
    };
    if ok {
        Some(text)
    } else {
        let want = match case {
            IdentCase::Snake => format!("snake_case, e.g. `{}`", crate::names::snake(&text)),
            IdentCase::UpperCamel => format!("UpperCamelCase, e.g. `{}`", crate::names::upper_camel(&text)),
        };
        d.error(&node.loc, format!("`{what}` `{text}` must be {want}"));
        None
    }
}

fn read_service(node: &Node, d: &mut Diagnostics) -> Option<Service> {
    let mut m = MapReader::new(node, "`service`", d)?;
    let id = m.take("id").and_then(|n| read_ident(n, d, IdentCase::Snake, "id"));
    let name = req_str(&mut m, "name", d);
    let description = opt_str(&mut m, "description", d).unwrap_or_default();
    let servers = m.require("servers", d).map(|n| read_servers(n, d)).unwrap_or_default();
    let auth = m.require("auth", d).and_then(|n| read_auth(n, d));
    let envelope = m
        .take("error_envelope")
        .and_then(|n| read_choice(n, d, "error_envelope", &ErrorEnvelope::ALL))
        .unwrap_or(ErrorEnvelope::Errcode);
    let by_group = m
        .take("client_methods")
        .and_then(|n| read_choice(n, d, "client_methods", &[("flat", false), ("by_group", true)]))
        .unwrap_or(false);
    let error_codes = m.take("error_codes").map(|n| read_error_codes(n, d, true)).unwrap_or_default();
    let tokens = m.take("tokens").map(|n| read_token_issuers(n, d)).unwrap_or_default();
    m.finish(d);
    Some(Service {
        loc: node.loc.clone(),
        id: id.unwrap_or_else(|| DEFAULT_SERVICE.to_owned()),
        name: name?,
        description,
        servers,
        auth: auth?,
        envelope,
        by_group,
        error_codes,
        tokens,
    })
}

fn read_token_issuers(node: &Node, d: &mut Diagnostics) -> Vec<TokenIssuer> {
    let mut out = Vec::new();
    for item in read_seq(node, d, "tokens") {
        let Some(mut m) = MapReader::new(item, "a token issuer", d) else { continue };
        let kind = m.require("kind", d).and_then(|n| read_choice(n, d, "kind", &TokenKind::ALL));
        let operation = req_str(&mut m, "operation", d);
        let params = m.require("params", d).map(|n| read_credential_params(n, d)).unwrap_or_default();
        let token = req_str(&mut m, "token", d);
        let expires_in = req_str(&mut m, "expires_in", d);
        let refused = m.take("refused").and_then(|n| read_code(n, d));
        m.finish(d);
        if let (Some(kind), Some(operation), Some(token), Some(expires_in)) = (kind, operation, token, expires_in) {
            out.push(TokenIssuer { loc: item.loc.clone(), kind, operation, params, token, expires_in, refused });
        }
    }
    out
}

/// `credential_role: wire_name` pairs.
fn read_credential_params(node: &Node, d: &mut Diagnostics) -> Vec<(CredentialRole, String, Location)> {
    let Value::Map(entries) = &node.value else {
        d.error(
            &node.loc,
            format!("`params` must be a map of credential to parameter name, found {}", node.value.kind()),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let Some((_, role)) = CredentialRole::ALL.iter().find(|(n, _)| *n == key.name) else {
            let names: Vec<String> = CredentialRole::ALL.iter().map(|(n, _)| format!("`{n}`")).collect();
            d.error(&key.loc, format!("`{}` is no credential; expected one of: {}", key.name, names.join(", ")));
            continue;
        };
        if let Some(name) = read_str(value, d, key.name.as_str()) {
            out.push((*role, name, value.loc.clone()));
        }
    }
    out
}

fn read_servers(node: &Node, d: &mut Diagnostics) -> Vec<Server> {
    let mut out = Vec::new();
    for item in read_seq(node, d, "servers") {
        let Some(mut m) = MapReader::new(item, "a server", d) else { continue };
        let name = m.require("name", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "name"));
        let url = req_str(&mut m, "url", d);
        let description = opt_str(&mut m, "description", d).unwrap_or_default();
        let default = m.take("default").and_then(|n| read_bool(n, d, "default")).unwrap_or(false);
        m.finish(d);
        if let (Some(name), Some(url)) = (name, url) {
            out.push(Server { loc: item.loc.clone(), name, url, description, default });
        }
    }
    out
}

fn read_auth(node: &Node, d: &mut Diagnostics) -> Option<AuthScheme> {
    let mut m = MapReader::new(node, "`auth`", d)?;
    let query_param = opt_str(&mut m, "query_param", d);
    let header = opt_str(&mut m, "header", d);
    let description = opt_str(&mut m, "description", d).unwrap_or_default();
    let example = opt_str(&mut m, "example", d);
    m.finish(d);
    let placement = match (query_param, header) {
        (Some(q), None) => TokenPlacement::Query(q),
        (None, Some(h)) => TokenPlacement::Header(h),
        _ => {
            d.error(
                &node.loc,
                "`auth` needs exactly one of `query_param:` (e.g. `access_token`) or `header:` (e.g. `x-acs-dingtalk-access-token`)",
            );
            return None;
        }
    };
    Some(AuthScheme { loc: node.loc.clone(), placement, description, example })
}

fn read_error_codes(node: &Node, d: &mut Diagnostics, global: bool) -> Vec<ErrorCode> {
    let mut out = Vec::new();
    for item in read_seq(node, d, "error_codes") {
        let Some(mut m) = MapReader::new(item, "an error code", d) else { continue };
        let code = m.require("code", d).and_then(|n| read_code(n, d));
        let status = m.take("status").and_then(|n| {
            let s = read_int(n, d, "status")?;
            let status = u16::try_from(s).ok().filter(|s| (400..=599).contains(s));
            if status.is_none() {
                d.error(&n.loc, format!("`status: {s}` is not an HTTP error status (400 to 599)"));
            }
            status
        });
        let name = m.require("name", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "name"));
        let message = req_str(&mut m, "message", d);
        let solution = opt_str(&mut m, "solution", d).unwrap_or_default();
        let class = m.take("class").and_then(|n| read_choice(n, d, "class", &ErrorClass::ALL));
        let param = opt_str(&mut m, "param", d);
        let sub_codes = m.take("sub_codes").map(|n| read_sub_codes(n, d)).unwrap_or_default();
        let role = m.take("role").and_then(|n| {
            if !global {
                d.error(&n.loc, "`role:` belongs to the service's global error codes, not an operation's");
            }
            read_choice(n, d, "role", &ErrorRole::ALL)
        });
        m.finish(d);
        if global && class.is_none() && item_has_no_key(item, "class") {
            d.error(
                &item.loc,
                "a global error code needs a `class:` (retryable, rate-limited, token-invalid or not-retryable)",
            );
        }
        if let (Some(code), Some(name), Some(message)) = (code, name, message) {
            out.push(ErrorCode {
                loc: item.loc.clone(),
                code,
                status,
                name,
                message,
                solution,
                class,
                param,
                sub_codes,
                role,
            });
        }
    }
    out
}

/// An error code: a whole number (`errcode`) or a string (the new API's `code`).
fn read_code(node: &Node, d: &mut Diagnostics) -> Option<CodeValue> {
    if let Value::Scalar(s) = &node.value {
        match s.resolve() {
            Resolved::Int(i) => return Some(CodeValue::Num(i)),
            Resolved::Str(t) if !t.is_empty() => return Some(CodeValue::Str(t.to_owned())),
            _ => {}
        }
    }
    d.error(
        &node.loc,
        format!(
            "`code` must be a whole number (`40014`) or a string (`InvalidAuthentication`), found {}",
            node.value.kind()
        ),
    );
    None
}

fn item_has_no_key(node: &Node, key: &str) -> bool {
    match &node.value {
        Value::Map(entries) => !entries.iter().any(|(k, _)| k.name == key),
        _ => true,
    }
}

fn read_sub_codes(node: &Node, d: &mut Diagnostics) -> Vec<SubCode> {
    let mut out = Vec::new();
    for item in read_seq(node, d, "sub_codes") {
        let Some(mut m) = MapReader::new(item, "a sub-code", d) else { continue };
        let sub_code = req_str(&mut m, "sub_code", d);
        let class = m.require("class", d).and_then(|n| read_choice(n, d, "class", &ErrorClass::ALL));
        let description = opt_str(&mut m, "description", d).unwrap_or_default();
        m.finish(d);
        if let (Some(sub_code), Some(class)) = (sub_code, class) {
            out.push(SubCode { loc: item.loc.clone(), sub_code, class, description });
        }
    }
    out
}

fn read_operation(node: &Node, d: &mut Diagnostics) -> Option<Operation> {
    let mut m = MapReader::new(node, "`operation`", d)?;
    let name = m.require("name", d).and_then(|n| read_ident(n, d, IdentCase::UpperCamel, "name"));
    let group = m.require("group", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "group"));
    let service = m.take("service").and_then(|n| read_ident(n, d, IdentCase::Snake, "service"));
    let source = opt_str(&mut m, "source", d);
    let summary = req_str(&mut m, "summary", d);
    let description = opt_str(&mut m, "description", d).unwrap_or_default();
    let docs = opt_str(&mut m, "docs", d);
    let method = m.require("method", d).and_then(|n| read_choice(n, d, "method", &HttpMethod::ALL));
    let path = req_str(&mut m, "path", d);
    let encoding = m.require("encoding", d).and_then(|n| read_choice(n, d, "encoding", &Encoding::ALL));
    let requires_token =
        m.require("auth", d).and_then(|n| read_choice(n, d, "auth", &[("access_token", true), ("none", false)]));
    let app_types = m
        .take("app_types")
        .map(|n| {
            read_seq(n, d, "app_types").iter().filter_map(|i| read_ident(i, d, IdentCase::Snake, "app_types")).collect()
        })
        .unwrap_or_default();
    let permission = m.take("permission").and_then(|n| {
        let mut p = MapReader::new(n, "`permission`", d)?;
        let name = req_str(&mut p, "name", d);
        let description = opt_str(&mut p, "description", d).unwrap_or_default();
        p.finish(d);
        Some(Permission { name: name?, description })
    });
    let retry_safe = m.require("retry_safe", d).and_then(|n| read_bool(n, d, "retry_safe"));
    let response_value = m.take("response_value").and_then(|n| read_bool(n, d, "response_value")).unwrap_or(false);
    let path_params = m.take("path_params").map(|n| read_fields(n, d, "path_params")).unwrap_or_default();
    let query = m.take("query").map(|n| read_fields(n, d, "query")).unwrap_or_default();
    let headers = m.take("headers").map(|n| read_fields(n, d, "headers")).unwrap_or_default();
    let body = m.take("body").map(|n| read_fields(n, d, "body")).unwrap_or_default();
    let pagination = m.take("pagination").and_then(|n| read_pagination(n, d));
    let response = m.require("response", d).map(|n| read_fields(n, d, "response")).unwrap_or_default();
    let types = m.take("types").map(|n| read_types(n, d)).unwrap_or_default();
    let errors = m.take("error_codes").map(|n| read_error_codes(n, d, false)).unwrap_or_default();
    let examples = m.take("examples").map(|n| read_examples(n, d)).unwrap_or_default();
    let mock = m.take("mock").and_then(|n| read_mock(n, d));
    let cli = m.take("cli").and_then(|n| read_cli(n, d));
    m.finish(d);
    Some(Operation {
        loc: node.loc.clone(),
        name: name?,
        group: group?,
        service: service.unwrap_or_else(|| DEFAULT_SERVICE.to_owned()),
        source,
        summary: summary?,
        description,
        docs,
        method: method?,
        path: path?,
        encoding: encoding?,
        requires_token: requires_token?,
        app_types,
        permission,
        retry_safe: retry_safe?,
        response_value,
        path_params,
        query,
        headers,
        body,
        pagination,
        response,
        types,
        errors,
        examples,
        mock,
        cli,
    })
}

/// `cli: {command: "ext-contact list-label-groups", flags: {name: contact.name}}`.
fn read_cli(node: &Node, d: &mut Diagnostics) -> Option<CliAlias> {
    let mut m = MapReader::new(node, "`cli`", d)?;
    let command = m.require("command", d).and_then(|n| Some((read_str(n, d, "command")?, n.loc.clone())));
    let flags = match m.take("flags") {
        Some(n) => match &n.value {
            Value::Map(entries) => entries
                .iter()
                .filter_map(|(key, value)| Some((key.name.clone(), read_str(value, d, &key.name)?, key.loc.clone())))
                .collect(),
            other => {
                d.error(&n.loc, format!("`flags` must be a map of flag name to wire path, found {}", other.kind()));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    m.finish(d);
    let (command, loc) = command?;
    let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    let kebab = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if words.len() != 2 || !words.iter().all(|w| kebab(w) && !w.starts_with('-')) {
        d.error(
            &loc,
            format!("`command: {command}` must be two kebab-case words, e.g. `ext-contact list-label-groups`"),
        );
        return None;
    }
    Some(CliAlias { loc: node.loc.clone(), words, flags })
}

#[derive(Clone, Copy)]
enum Style {
    Offset,
    Cursor,
    Token,
}

fn read_pagination(node: &Node, d: &mut Diagnostics) -> Option<Pagination> {
    let mut m = MapReader::new(node, "`pagination`", d)?;
    let style = m.require("style", d).and_then(|n| {
        read_choice(n, d, "style", &[("offset", Style::Offset), ("cursor", Style::Cursor), ("token", Style::Token)])
    });
    let style = match style {
        Some(Style::Offset) => req_str(&mut m, "offset", d).map(|offset| PageStyle::Offset { offset }),
        Some(Style::Cursor) => {
            let cursor = req_str(&mut m, "cursor", d);
            let next_cursor = req_str(&mut m, "next_cursor", d);
            let has_more = req_str(&mut m, "has_more", d);
            match (cursor, next_cursor, has_more) {
                (Some(cursor), Some(next_cursor), Some(has_more)) => {
                    Some(PageStyle::Cursor { cursor, next_cursor, has_more })
                }
                _ => None,
            }
        }
        Some(Style::Token) => {
            let token = req_str(&mut m, "token", d);
            let next_token = req_str(&mut m, "next_token", d);
            let has_more = opt_str(&mut m, "has_more", d);
            let first = m.take("first").and_then(|n| read_int(n, d, "first"));
            match (token, next_token) {
                (Some(token), Some(next_token)) => Some(PageStyle::Token { token, next_token, has_more, first }),
                _ => None,
            }
        }
        None => None,
    };
    let size = opt_str(&mut m, "size", d);
    let items = req_str(&mut m, "items", d);
    // Offsets and cursors need a page size to send; a token walk may leave it to the server.
    let max_node = m.take("max_page_size");
    let max_page_size = max_node.and_then(|n| read_int(n, d, "max_page_size"));
    let offset_or_cursor = matches!(style, Some(PageStyle::Offset { .. } | PageStyle::Cursor { .. }));
    let missing = offset_or_cursor && max_node.is_none();
    if missing {
        d.error(&node.loc, "this `pagination` style needs `max_page_size` (the page size sent by default)");
    }
    if offset_or_cursor && size.is_none() {
        d.error(&node.loc, "this `pagination` style needs `size` (the page size parameter)");
    }
    m.finish(d);
    if missing || (max_node.is_some() && max_page_size.is_none()) {
        return None;
    }
    if offset_or_cursor && size.is_none() {
        return None;
    }
    Some(Pagination { loc: node.loc.clone(), style: style?, size, items: items?, max_page_size })
}

fn read_mock(node: &Node, d: &mut Diagnostics) -> Option<MockBehaviour> {
    let mut m = MapReader::new(node, "`mock`", d)?;
    let store = m.require("store", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "store"));
    let action = m.require("action", d).and_then(|n| read_choice(n, d, "action", &MockAction::ALL));
    let key = req_str(&mut m, "key", d);
    let param = opt_str(&mut m, "param", d);
    let object_key = opt_str(&mut m, "object_key", d);
    let result = opt_str(&mut m, "result", d);
    let not_found = m.take("not_found").and_then(|n| read_code(n, d));
    let filter = m.take("filter").and_then(|n| {
        let mut f = MapReader::new(n, "mock `filter`", d)?;
        let param = req_str(&mut f, "param", d);
        let field = req_str(&mut f, "field", d);
        f.finish(d);
        Some(MockFilter { param: param?, field: field? })
    });
    let project = opt_str(&mut m, "project", d);
    let defaults = m.take("defaults").and_then(|n| read_str(n, d, "defaults").map(|t| (n.loc.clone(), t)));
    m.finish(d);
    Some(MockBehaviour {
        loc: node.loc.clone(),
        store: store?,
        action: action?,
        key: key?,
        param,
        object_key,
        result,
        not_found,
        filter,
        project,
        defaults,
    })
}

fn read_types(node: &Node, d: &mut Diagnostics) -> Vec<NamedType> {
    let mut out = Vec::new();
    let Value::Map(entries) = &node.value else {
        d.error(&node.loc, format!("`types` must be a mapping of type names to types, found {}", node.value.kind()));
        return out;
    };
    for (key, value) in entries {
        let name_ok = crate::names::is_upper_camel_ident(&key.name);
        if !name_ok {
            d.error(
                &key.loc,
                format!(
                    "type name `{}` must be UpperCamelCase, e.g. `{}`",
                    key.name,
                    crate::names::upper_camel(&key.name)
                ),
            );
        }
        let Some(mut m) = MapReader::new(value, "a type", d) else { continue };
        let description = opt_str(&mut m, "description", d).unwrap_or_default();
        // A tagged union has `tag:` and `variants:`; an object type `fields:`.
        let tag = m.take("tag").and_then(|n| read_str(n, d, "tag").map(|t| (n.loc.clone(), t)));
        let fields = match &tag {
            Some(_) => m.require("variants", d).map(|n| read_fields(n, d, "variants")).unwrap_or_default(),
            None => m.require("fields", d).map(|n| read_fields(n, d, "fields")).unwrap_or_default(),
        };
        m.finish(d);
        if name_ok {
            out.push(NamedType { loc: key.loc.clone(), name: key.name.clone(), description, fields, tag });
        }
    }
    out
}

fn read_fields(node: &Node, d: &mut Diagnostics, what: &str) -> Vec<Field> {
    let mut out = Vec::new();
    for item in read_seq(node, d, what) {
        if let Some(f) = read_field(item, d) {
            out.push(f);
        }
    }
    out
}

fn read_field(node: &Node, d: &mut Diagnostics) -> Option<Field> {
    let mut m = MapReader::new(node, "a field", d)?;
    let name = req_str(&mut m, "name", d);
    let rust_name = m.take("rust_name").and_then(|n| read_ident(n, d, IdentCase::Snake, "rust_name"));
    let ty_node = m.require("type", d);
    let ty = ty_node.and_then(|n| {
        let text = read_str(n, d, "type")?;
        match parse_type(&text) {
            Ok(t) => Some(t),
            Err(msg) => {
                d.error(&n.loc, msg);
                None
            }
        }
    });
    let required = m.take("required").and_then(|n| read_bool(n, d, "required")).unwrap_or(false);
    let description = opt_str(&mut m, "description", d).unwrap_or_default();
    let example = m.take("example").and_then(|n| to_json(n, d).map(|v| (n.loc.clone(), v)));
    let constraints = Constraints {
        min: m.take("min").and_then(|n| read_int(n, d, "min")),
        max: m.take("max").and_then(|n| read_int(n, d, "max")),
        max_length: m.take("max_length").and_then(|n| read_count(n, d, "max_length")),
        max_items: m.take("max_items").and_then(|n| read_count(n, d, "max_items")),
        max_json_bytes: m.take("max_json_bytes").and_then(|n| read_count(n, d, "max_json_bytes")),
        max_bytes: m.take("max_bytes").and_then(|n| read_count(n, d, "max_bytes")),
        max_bytes_by: m.take("max_bytes_by").and_then(|n| read_bytes_by(n, d)),
    };
    let secret = m.take("secret").and_then(|n| read_bool(n, d, "secret")).unwrap_or(false);
    let references = m.take("references").and_then(|n| read_str(n, d, "references").map(|r| (n.loc.clone(), r)));
    let flatten = m.take("flatten").and_then(|n| read_bool(n, d, "flatten")).unwrap_or(false);
    let comma = match m.take("style") {
        None => false,
        Some(n) => match read_str(n, d, "style").as_deref() {
            Some("comma") => true,
            Some(other) => {
                d.error(
                    &n.loc,
                    format!("`style: {other}` is not a list style; the one style is `comma` (a list sent as `a,b,c`)"),
                );
                false
            }
            None => false,
        },
    };
    m.finish(d);
    Some(Field {
        loc: node.loc.clone(),
        name: name?,
        rust_name,
        ty: ty?,
        ty_loc: ty_node.map(|n| n.loc.clone()).unwrap_or_else(|| node.loc.clone()),
        required,
        description,
        example,
        constraints,
        secret,
        references,
        flatten,
        comma,
    })
}

/// `max_bytes_by: {param: type, limits: {voice: 2097152}}`.
fn read_bytes_by(node: &Node, d: &mut Diagnostics) -> Option<BytesBy> {
    let mut m = MapReader::new(node, "`max_bytes_by`", d)?;
    let param = req_str(&mut m, "param", d);
    let limits_node = m.require("limits", d);
    m.finish(d);
    let mut limits = Vec::new();
    if let Some(n) = limits_node {
        match &n.value {
            Value::Map(entries) if !entries.is_empty() => {
                for (key, value) in entries {
                    if let Some(max) = read_count(value, d, "a `max_bytes_by` limit") {
                        limits.push((key.name.clone(), max));
                    }
                }
            }
            _ => d.error(&n.loc, "`limits` must map values of the parameter to bytes, e.g. `{voice: 2097152}`"),
        }
    }
    Some(BytesBy { loc: node.loc.clone(), param: param?, limits })
}

/// Parses the type syntax: `string`, `bool`, `i32`, `i64`, `f64`, `list<T>` or a type name.
pub fn parse_type(text: &str) -> Result<ParamType, String> {
    let t = text.trim();
    Ok(match t {
        "string" => ParamType::String,
        "bool" => ParamType::Bool,
        "i32" => ParamType::I32,
        "i64" => ParamType::I64,
        "f64" => ParamType::F64,
        "json" => ParamType::Json,
        "file" => ParamType::File,
        _ => {
            if let Some(inner) = t.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
                ParamType::List(Box::new(parse_type(inner)?))
            } else if crate::names::is_upper_camel_ident(t) {
                ParamType::Named(t.to_owned())
            } else {
                let hint = match t {
                    "int" | "integer" | "long" | "number" | "Number" => " (`i64` for DingTalk's Number)",
                    "str" | "String" => " (`string`)",
                    "float" | "double" => " (`f64`)",
                    "boolean" | "Boolean" => " (`bool`)",
                    _ => "",
                };
                return Err(format!(
                    "unknown type `{t}`{hint}; expected `string`, `bool`, `i32`, `i64`, `f64`, `json`, `list<T>` or an UpperCamelCase type name"
                ));
            }
        }
    })
}

/// Converts a YAML value to JSON (for examples), by the core schema.
pub fn to_json(node: &Node, d: &mut Diagnostics) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match &node.value {
        Value::Scalar(s) => match s.resolve() {
            Resolved::Null => J::Null,
            Resolved::Bool(b) => J::Bool(b),
            Resolved::Int(i) => J::from(i),
            Resolved::Float(f) => match serde_json::Number::from_f64(f) {
                Some(n) => J::Number(n),
                None => {
                    d.error(&node.loc, "examples cannot hold NaN or infinity");
                    return None;
                }
            },
            Resolved::Str(t) => J::String(t.to_owned()),
        },
        Value::Seq(items) => J::Array(items.iter().map(|i| to_json(i, d)).collect::<Option<_>>()?),
        Value::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                map.insert(k.name.clone(), to_json(v, d)?);
            }
            J::Object(map)
        }
    })
}

fn read_examples(node: &Node, d: &mut Diagnostics) -> Vec<Example> {
    let mut out = Vec::new();
    for item in read_seq(node, d, "examples") {
        let Some(mut m) = MapReader::new(item, "an example", d) else { continue };
        let name = m.require("name", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "name"));
        let description = opt_str(&mut m, "description", d).unwrap_or_default();
        let request = m.take("request").and_then(|n| read_example_request(n, d));
        let curl = opt_str(&mut m, "curl", d);
        let response_node = m.take("response");
        let response = response_node.and_then(|n| read_str(n, d, "response"));
        let response_loc = response_node.map(text_start).unwrap_or_else(|| item.loc.clone());
        let response_block = matches!(response_node.map(|n| &n.value), Some(Value::Scalar(s)) if s.block.is_some());
        let snippets = m
            .take("snippets")
            .and_then(|n| {
                let Value::Map(entries) = &n.value else {
                    d.error(&n.loc, "`snippets` must map a language name to its code, e.g. `java: |`");
                    return None;
                };
                Some(entries.iter().filter_map(|(k, v)| Some((k.name.clone(), read_str(v, d, "snippet")?))).collect())
            })
            .unwrap_or_default();
        m.finish(d);
        if let Some(name) = name {
            out.push(Example {
                loc: item.loc.clone(),
                name,
                description,
                request,
                curl,
                response,
                response_loc,
                response_block,
                snippets,
            });
        }
    }
    out
}

fn read_example_request(node: &Node, d: &mut Diagnostics) -> Option<ExampleRequest> {
    let mut m = MapReader::new(node, "an example request", d)?;
    let encoding = m.require("encoding", d).and_then(|n| read_choice(n, d, "encoding", &Encoding::ALL));
    let access_token = opt_str(&mut m, "access_token", d);
    let object =
        |key: &'static str, m: &mut MapReader, d: &mut Diagnostics| match m.take(key).map(|n| (n, to_json(n, d))) {
            Some((_, Some(serde_json::Value::Object(map)))) => map,
            Some((n, Some(_))) => {
                d.error(&n.loc, format!("`{key}` must be a mapping of parameter names to values"));
                serde_json::Map::new()
            }
            _ => serde_json::Map::new(),
        };
    let query = object("query", &mut m, d);
    let body = object("body", &mut m, d);
    m.finish(d);
    Some(ExampleRequest { loc: node.loc.clone(), encoding: encoding?, access_token, query, body })
}

/// `event: { name, group, event_type, summary, docs, fields, example }`.
fn read_event(node: &Node, d: &mut Diagnostics) -> Option<Event> {
    let mut m = MapReader::new(node, "`event`", d)?;
    let name = m.require("name", d).and_then(|n| read_ident(n, d, IdentCase::UpperCamel, "name"));
    let group = m.require("group", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "group"));
    let event_type_node = m.require("event_type", d);
    let event_type = event_type_node.and_then(|n| read_str(n, d, "event_type"));
    let summary = req_str(&mut m, "summary", d);
    let docs = opt_str(&mut m, "docs", d);
    let fields = m.take("fields").map(|n| read_fields(n, d, "fields")).unwrap_or_default();
    let example_node = m.take("example");
    let example = example_node.and_then(|n| {
        let text = read_str(n, d, "example")?;
        let block = matches!(&n.value, Value::Scalar(s) if s.block.is_some());
        Some((text_start(n), block, text))
    });
    m.finish(d);
    Some(Event {
        loc: node.loc.clone(),
        name: name?,
        group: group?,
        event_type_loc: event_type_node.map(|n| n.loc.clone()).unwrap_or_else(|| node.loc.clone()),
        event_type: event_type?,
        summary: summary?,
        docs,
        fields,
        example,
    })
}

/// `sandbox: { group, description, stores: { <store>: <JSON array of objects> } }`.
fn read_sandbox(node: &Node, d: &mut Diagnostics) -> Option<Sandbox> {
    let mut m = MapReader::new(node, "`sandbox`", d)?;
    let group = m.require("group", d).and_then(|n| read_ident(n, d, IdentCase::Snake, "group"));
    let description = opt_str(&mut m, "description", d).unwrap_or_default();
    let mut stores = Vec::new();
    if let Some(n) = m.require("stores", d) {
        match &n.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(text) = read_str(value, d, "a store's objects") else { continue };
                    let start = text_start(value);
                    let block = matches!(&value.value, Value::Scalar(s) if s.block.is_some());
                    match serde_json::from_str::<serde_json::Value>(&text) {
                        Ok(serde_json::Value::Array(items)) => {
                            stores.push(SandboxStore { loc: key.loc.clone(), name: key.name.clone(), items })
                        }
                        Ok(other) => d.error(
                            &start,
                            format!("store `{}` must be a JSON array of objects, not {}", key.name, json_kind(&other)),
                        ),
                        Err(e) => {
                            let at = if block {
                                Location::new(
                                    &start.path,
                                    start.line + e.line() - 1,
                                    start.column + e.column().saturating_sub(1),
                                )
                            } else {
                                start
                            };
                            d.error(&at, format!("store `{}` is not valid JSON: {e}", key.name));
                        }
                    }
                }
            }
            other => d.error(&n.loc, format!("`stores` must map store names to JSON arrays, found {}", other.kind())),
        }
    }
    m.finish(d);
    Some(Sandbox { loc: node.loc.clone(), group: group?, description, stores })
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Where a scalar's text starts: for block scalars the first line of the text, else the scalar.
fn text_start(node: &Node) -> Location {
    match &node.value {
        Value::Scalar(crate::yaml::Scalar { block: Some((line, column)), .. }) => {
            Location::new(&node.loc.path, *line, *column)
        }
        _ => node.loc.clone(),
    }
}
