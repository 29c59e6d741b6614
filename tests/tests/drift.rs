//! The checked-in generated code matches spec/, and editing the spec is caught until regenerated.

use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn checked_in_code_matches_the_spec() {
    let root = xtask::workspace_root().unwrap();
    if let Err(e) = xtask::codegen(&root, true) {
        panic!("{e}");
    }
}

#[test]
fn a_spec_edit_fails_the_check_until_codegen_runs() {
    let root = xtask::workspace_root().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join(xtask::SPEC_DIR), &tmp.path().join(xtask::SPEC_DIR));
    copy_dir(&root.join(xtask::GENERATED_DIR), &tmp.path().join(xtask::GENERATED_DIR));
    std::fs::copy(root.join(xtask::GENERATED_MANIFEST), tmp.path().join(xtask::GENERATED_MANIFEST)).unwrap();
    xtask::codegen(tmp.path(), true).expect("a faithful copy is in sync");

    let spec = tmp.path().join("spec/extcontact/list_label_groups.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("The name of the tag group.", "The tag group's name.")).unwrap();
    let err = xtask::codegen(tmp.path(), true).expect_err("drift is detected").to_string();
    assert!(err.contains("extcontact/list_label_groups.rs: differs"), "{err}");
    assert!(err.contains("run `cargo xtask codegen`"), "{err}");

    // A stale file left behind is reported too.
    std::fs::write(tmp.path().join(xtask::GENERATED_DIR).join("extcontact/old_endpoint.rs"), "// old\n").unwrap();
    let err = xtask::codegen(tmp.path(), true).expect_err("stale file").to_string();
    assert!(err.contains("extcontact/old_endpoint.rs: stale"), "{err}");

    let changes = xtask::codegen(tmp.path(), false).expect("regenerates");
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(!tmp.path().join(xtask::GENERATED_DIR).join("extcontact/old_endpoint.rs").exists());
    xtask::codegen(tmp.path(), true).expect("in sync after codegen");
    let regenerated =
        std::fs::read_to_string(tmp.path().join(xtask::GENERATED_DIR).join("extcontact/list_label_groups.rs")).unwrap();
    assert!(regenerated.contains("The tag group's name."));
}

#[test]
fn check_spec_reports_locations_for_a_broken_copy() {
    let root = xtask::workspace_root().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join(xtask::SPEC_DIR), &tmp.path().join(xtask::SPEC_DIR));
    let spec = tmp.path().join("spec/extcontact/list_label_groups.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replacen("      max: 100\n", "      max: 100\n      maxx: 3\n", 1)).unwrap();
    let err = xtask::check_spec(tmp.path(), &tmp.path().join("spec")).expect_err("unknown key").to_string();
    assert!(err.contains("spec/extcontact/list_label_groups.yaml:"), "{err}");
    assert!(err.contains("unknown key `maxx`") && err.contains("did you mean `max`"), "{err}");
}

#[test]
fn a_misnamed_spec_file_is_refused_with_where_it_belongs() {
    let root = xtask::workspace_root().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join(xtask::SPEC_DIR), &tmp.path().join(xtask::SPEC_DIR));
    copy_dir(&root.join(xtask::GENERATED_DIR), &tmp.path().join(xtask::GENERATED_DIR));
    std::fs::copy(root.join(xtask::GENERATED_MANIFEST), tmp.path().join(xtask::GENERATED_MANIFEST)).unwrap();
    let spec = tmp.path().join("spec/extcontact");
    std::fs::rename(spec.join("list_contacts.yaml"), spec.join("list.yaml")).unwrap();
    for err in [
        xtask::check_spec(tmp.path(), &tmp.path().join("spec")).expect_err("misnamed").to_string(),
        xtask::codegen(tmp.path(), true).expect_err("misnamed").to_string(),
    ] {
        assert!(err.contains("spec/extcontact/list.yaml:"), "{err}");
        assert!(err.contains("move this file to `spec/extcontact/list_contacts.yaml`"), "{err}");
    }
}

#[test]
fn a_new_group_gets_its_cargo_feature() {
    let root = xtask::workspace_root().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join(xtask::SPEC_DIR), &tmp.path().join(xtask::SPEC_DIR));
    copy_dir(&root.join(xtask::GENERATED_DIR), &tmp.path().join(xtask::GENERATED_DIR));
    let manifest = tmp.path().join(xtask::GENERATED_MANIFEST);
    std::fs::copy(root.join(xtask::GENERATED_MANIFEST), &manifest).unwrap();
    // The external-contact group's `get` moved into a group of its own.
    let text = std::fs::read_to_string(tmp.path().join("spec/extcontact/get_contact.yaml")).unwrap();
    std::fs::create_dir_all(tmp.path().join("spec/lookup")).unwrap();
    std::fs::write(tmp.path().join("spec/lookup/get_contact.yaml"), text.replace("group: extcontact", "group: lookup"))
        .unwrap();
    std::fs::remove_file(tmp.path().join("spec/extcontact/get_contact.yaml")).unwrap();

    let err = xtask::codegen(tmp.path(), true).expect_err("the group has no feature").to_string();
    assert!(err.contains("crates/dingtalk-oapi/Cargo.toml: spec group(s) `lookup` need a cargo feature"), "{err}");
    xtask::codegen(tmp.path(), false).expect("codegen adds the feature");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("lookup = []"), "{text}");
    assert!(text.contains("\"lookup\"]"), "lookup joins the default features: {text}");
    assert!(text.contains("# One feature per spec group"), "comments are kept: {text}");
    xtask::codegen(tmp.path(), true).expect("in sync after codegen");
    assert!(tmp.path().join(xtask::GENERATED_DIR).join("lookup/get_contact.rs").exists());
}

/// README's "What the spec covers" table stays true to the spec: a row per group (cargo
/// feature), each new-API row's count is the group's operation count, and each old-API row
/// names every operation of its group.
#[test]
fn the_readme_coverage_table_matches_the_spec() {
    let root = xtask::workspace_root().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = readme.split("## What the spec covers").nth(1).expect("the section");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            let group = cells.first()?.split('`').nth(1)?.to_owned();
            Some((group, cells.get(1)?.to_string()))
        })
        .collect();
    let groups: Vec<&str> = rows.iter().map(|(g, _)| g.as_str()).collect();
    let mut sorted = groups.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, dingtalk_oapi::GROUPS, "one row per group of the spec");
    for (group, text) in &rows {
        let ops: Vec<&str> =
            dingtalk_oapi::OPERATIONS.iter().filter(|op| op.group == group).map(|op| op.name).collect();
        if let Some(count) = text.split(" operations").next().and_then(|n| n.parse::<usize>().ok()) {
            assert_eq!(count, ops.len(), "README says {count} operations for `{group}`; the spec has {}", ops.len());
        } else if !ops.is_empty() {
            let named: std::collections::BTreeSet<&str> = text.split('`').skip(1).step_by(2).collect();
            let spec: std::collections::BTreeSet<&str> = ops.iter().copied().collect();
            let missing: Vec<&&str> = spec.difference(&named).collect();
            assert!(missing.is_empty(), "README's row of `{group}` does not name {missing:?}");
        }
    }
}
