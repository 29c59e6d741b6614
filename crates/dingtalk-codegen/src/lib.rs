//! Turns the DingTalk OAPI spec (YAML) into Rust code.
//!
//! The pipeline is pure: spec text in, diagnostics or formatted Rust out.
//!
//! ```text
//! bytes ─▶ yaml (spanned tree) ─▶ parse (model) ─▶ validate ─▶ generate (TokenStream) ─▶ prettyplease
//! ```
//!
//! File I/O lives in `xtask`; this crate never touches the file system.

#![warn(missing_docs)]

pub mod diag;
pub mod generate;
pub mod layout;
pub mod model;
pub mod names;
pub mod parse;
pub mod validate;
pub mod yaml;

pub use diag::{Diagnostic, Location};
pub use generate::{GeneratedFile, generate};
pub use model::Spec;

/// One spec file as read from disk: its display path and raw bytes.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path shown in diagnostics.
    pub path: String,
    /// The file's contents, not yet checked to be UTF-8.
    pub bytes: Vec<u8>,
}

impl Source {
    /// A spec file named `path` with the contents `bytes`.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Source { path: path.into(), bytes: bytes.into() }
    }
}

/// Reads and checks a whole spec: exactly one `service:` file, any number of operations and
/// `types:` files. Returns every problem found, sorted by place.
pub fn load(sources: &[Source]) -> Result<Spec, Vec<Diagnostic>> {
    let mut d = diag::Diagnostics::default();
    let mut services: Vec<model::Service> = Vec::new();
    let mut operations = Vec::new();
    let mut shared_types = Vec::new();
    let mut sandboxes = Vec::new();
    let mut events = Vec::new();
    for source in sources {
        let text = match yaml::decode_text(&source.path, &source.bytes) {
            Ok(t) => t,
            Err(e) => {
                d.extend([e]);
                continue;
            }
        };
        let root = match yaml::parse(&source.path, text) {
            Ok(root) => root,
            Err(es) => {
                d.extend(es);
                continue;
            }
        };
        match parse::read_file(&root, &mut d) {
            Some(parse::SpecFile::Service(s)) => {
                if let Some(first) = services.iter().find(|f| f.id == s.id) {
                    d.error(
                        &s.loc,
                        format!(
                            "a second `service:` file with id `{}` (first at {}); give each service its own `id:`",
                            s.id, first.loc
                        ),
                    );
                } else {
                    services.push(s);
                }
            }
            Some(parse::SpecFile::Operation(op)) => operations.push(*op),
            Some(parse::SpecFile::Types(t)) => shared_types.push(t),
            Some(parse::SpecFile::Sandbox(s)) => sandboxes.push(s),
            Some(parse::SpecFile::Event(e)) => events.push(*e),
            None => {}
        }
    }
    if services.is_empty() {
        let at = sources.first().map_or_else(|| Location::new("spec", 1, 1), |s| Location::new(&s.path, 1, 1));
        d.error(&at, "no `service:` file found; the spec needs one (servers, auth and global error codes)");
        return Err(d.into_sorted());
    }
    // The primary service (the one the generated `Client` is built for) first: `oapi`, else
    // the first file's; the rest by id.
    services.sort_by(|a, b| (a.id != model::DEFAULT_SERVICE, &a.id).cmp(&(b.id != model::DEFAULT_SERVICE, &b.id)));
    operations.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    shared_types.sort_by(|a, b| (&a.group, &a.loc).cmp(&(&b.group, &b.loc)));
    sandboxes.sort_by(|a, b| (&a.group, &a.loc).cmp(&(&b.group, &b.loc)));
    events.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    let mut spec = Spec { services, operations, shared_types, sandboxes, events };
    scope_names(&mut spec);
    validate::validate(&spec, &mut d);
    if d.is_empty() { Ok(spec) } else { Err(d.into_sorted()) }
}

/// Qualifies the type names of `by_group` groups as `group::Name`, in declarations and in
/// references from the same group, so that groups may repeat names (the new API does: every
/// group has its `GetUser…` types) while one table keeps every type.
fn scope_names(spec: &mut Spec) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut local: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let groups: BTreeSet<String> =
        spec.operations.iter().filter(|op| spec.by_group(&op.group)).map(|op| op.group.clone()).collect();
    for op in spec.operations.iter().filter(|op| groups.contains(&op.group)) {
        local.entry(op.group.clone()).or_default().extend(op.types.iter().map(|t| t.name.clone()));
    }
    for shared in spec.shared_types.iter().filter(|s| groups.contains(&s.group)) {
        local.entry(shared.group.clone()).or_default().extend(shared.types.iter().map(|t| t.name.clone()));
    }
    fn qualify(ty: &mut model::ParamType, group: &str, names: &BTreeSet<String>) {
        match ty {
            model::ParamType::List(inner) => qualify(inner, group, names),
            model::ParamType::Named(n) if names.contains(n.as_str()) => *n = format!("{group}::{n}"),
            _ => {}
        }
    }
    let fix_fields = |fields: &mut Vec<model::Field>, group: &str, names: &BTreeSet<String>| {
        for f in fields {
            qualify(&mut f.ty, group, names);
        }
    };
    let fix_types = |types: &mut Vec<model::NamedType>, group: &str, names: &BTreeSet<String>| {
        for t in types {
            t.name = format!("{group}::{}", t.name);
            fix_fields(&mut t.fields, group, names);
        }
    };
    for op in &mut spec.operations {
        let Some(names) = local.get(&op.group) else { continue };
        let group = op.group.clone();
        for list in [&mut op.path_params, &mut op.query, &mut op.body, &mut op.response] {
            fix_fields(list, &group, names);
        }
        fix_types(&mut op.types, &group, names);
    }
    for shared in &mut spec.shared_types {
        let Some(names) = local.get(&shared.group) else { continue };
        let group = shared.group.clone();
        fix_types(&mut shared.types, &group, names);
    }
}
