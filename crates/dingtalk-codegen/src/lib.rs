//! Turns the DingTalk OAPI spec (YAML) into Rust code.
//!
//! The pipeline is pure: spec text in, diagnostics or formatted Rust out.
//!
//! ```text
//! bytes ─▶ yaml (spanned tree) ─▶ parse (model) ─▶ validate ─▶ generate (TokenStream) ─▶ prettyplease
//! ```
//!
//! File I/O lives in `xtask`; this crate never touches the file system.

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
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Source {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Source { path: path.into(), bytes: bytes.into() }
    }
}

/// Reads and checks a whole spec: exactly one `service:` file, any number of operations and
/// `types:` files. Returns every problem found, sorted by place.
pub fn load(sources: &[Source]) -> Result<Spec, Vec<Diagnostic>> {
    let mut d = diag::Diagnostics::default();
    let mut service: Option<(model::Service, String)> = None;
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
                if let Some((_, first)) = &service {
                    d.error(&s.loc, format!("a second `service:` file; the spec has exactly one (first: {first})"));
                } else {
                    service = Some((s, source.path.clone()));
                }
            }
            Some(parse::SpecFile::Operation(op)) => operations.push(*op),
            Some(parse::SpecFile::Types(t)) => shared_types.push(t),
            Some(parse::SpecFile::Sandbox(s)) => sandboxes.push(s),
            Some(parse::SpecFile::Event(e)) => events.push(*e),
            None => {}
        }
    }
    let Some((service, _)) = service else {
        let at = sources.first().map_or_else(|| Location::new("spec", 1, 1), |s| Location::new(&s.path, 1, 1));
        d.error(&at, "no `service:` file found; the spec needs one (servers, auth and global error codes)");
        return Err(d.into_sorted());
    };
    operations.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    shared_types.sort_by(|a, b| (&a.group, &a.loc).cmp(&(&b.group, &b.loc)));
    sandboxes.sort_by(|a, b| (&a.group, &a.loc).cmp(&(&b.group, &b.loc)));
    events.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    let spec = Spec { service, operations, shared_types, sandboxes, events };
    validate::validate(&spec, &mut d);
    if d.is_empty() { Ok(spec) } else { Err(d.into_sorted()) }
}
