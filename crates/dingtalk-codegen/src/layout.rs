//! Conventions of a project's spec tree that `load` does not require of every spec (the
//! invalid-spec corpus and fixtures name files as they like), but a project's `spec/` keeps so
//! that the folder tree reads like the generated code: `spec/<group>/<operation>.yaml` becomes
//! `generated/<group>/<operation>.rs`.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::model::Spec;
use crate::names;

/// Every operation whose file is not `<group>/<snake_case name>.yaml`, with what to rename it to.
pub fn file_names(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in &spec.events {
        let path = Path::new(&e.loc.path);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let folder = path.parent().and_then(Path::file_name).and_then(|s| s.to_str()).unwrap_or_default();
        let module = names::snake(&e.name);
        if stem != module || folder != e.group {
            out.push(Diagnostic::new(
                e.loc.clone(),
                format!(
                    "event `{}` of group `{}` is generated into `{}/{module}.rs`; name this file `{}/{module}.yaml`",
                    e.name, e.group, e.group, e.group
                ),
            ));
        }
    }
    for op in &spec.operations {
        let path = Path::new(&op.loc.path);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let folder = path.parent().and_then(Path::file_name).and_then(|s| s.to_str()).unwrap_or_default();
        let module = names::snake(&op.name);
        if stem != module || folder != op.group {
            let wanted = path.parent().and_then(Path::parent).map_or_else(
                || format!("{}/{module}.yaml", op.group),
                |p| p.join(&op.group).join(format!("{module}.yaml")).to_string_lossy().replace('\\', "/"),
            );
            out.push(Diagnostic::new(
                op.loc.clone(),
                format!(
                    "operation `{}` of group `{}` is generated into `{}/{module}.rs`; move this file to `{wanted}` so the spec file and its generated file share a name",
                    op.name, op.group, op.group
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Source, load};

    /// The codegen test fixture, file by file, under `spec/`.
    fn fixture() -> Vec<Source> {
        macro_rules! files {
            ($($path:literal),*) => {
                vec![$(Source::new(concat!("spec/", $path), include_str!(concat!("../tests/fixtures/shapes/", $path)))),*]
            };
        }
        files![
            "service.yaml",
            "auth/get_token.yaml",
            "auth/get_corp_token.yaml",
            "fixture/types.yaml",
            "fixture/count_contacts.yaml",
            "fixture/create_contact.yaml",
            "fixture/get_contact.yaml",
            "fixture/list_contact_ids.yaml"
        ]
    }

    #[test]
    fn files_are_named_after_their_operation() {
        let spec = load(&fixture()).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(file_names(&spec), []);
        let mut moved = fixture();
        let get = moved.iter_mut().find(|s| s.path == "spec/fixture/get_contact.yaml").expect("in the fixture");
        get.path = "spec/contacts/get.yaml".into();
        let spec = load(&moved).unwrap_or_else(|d| panic!("{d:?}"));
        let problems = file_names(&spec);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().starts_with("spec/contacts/get.yaml:"), "{}", problems[0]);
        assert!(problems[0].message.contains("move this file to `spec/fixture/get_contact.yaml`"), "{}", problems[0]);
    }
}
