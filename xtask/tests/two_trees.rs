//! One xtask binary (as a target directory shared by two checkouts gives) checks the tree it
//! runs in, never the tree it was compiled in.

use std::path::Path;
use std::process::{Command, Output};

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

/// A second checkout: its own spec and generated code, and a workspace manifest.
fn second_tree() -> tempfile::TempDir {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let tree = tempfile::tempdir().unwrap();
    copy_dir(&here.join(xtask::SPEC_DIR), &tree.path().join(xtask::SPEC_DIR));
    copy_dir(&here.join(xtask::GENERATED_DIR), &tree.path().join(xtask::GENERATED_DIR));
    std::fs::create_dir_all(tree.path().join("xtask")).unwrap();
    std::fs::copy(here.join(xtask::GENERATED_MANIFEST), tree.path().join(xtask::GENERATED_MANIFEST)).unwrap();
    std::fs::write(tree.path().join("Cargo.toml"), "[workspace]\nmembers = [\"xtask\"]\n").unwrap();
    tree
}

/// `cargo xtask codegen --check` as cargo runs it in `tree`: the shared binary, with
/// `CARGO_MANIFEST_DIR` naming that tree's xtask folder.
fn check_in(tree: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check"])
        .env("CARGO_MANIFEST_DIR", tree.join("xtask"))
        .current_dir(tree)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn break_spec(tree: &Path) {
    let spec = tree.join("spec/extcontact/list_label_groups.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let edited = text.replacen("Invalid offset", "Offset out of range", 1);
    assert_ne!(text, edited, "the spec names the error message this test edits");
    std::fs::write(&spec, edited).unwrap();
}

#[test]
fn the_shared_binary_checks_the_tree_it_runs_in() {
    let tree = second_tree();
    let out = check_in(tree.path());
    assert!(out.status.success(), "a faithful copy is up to date: {}", text(&out));

    break_spec(tree.path());
    let out = check_in(tree.path());
    assert!(!out.status.success(), "drift in the second tree must fail the check: {}", text(&out));
    assert!(text(&out).contains("extcontact/list_label_groups.rs: differs"), "{}", text(&out));

    // The tree the binary was built from is untouched and still passes.
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = check_in(here);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn without_cargo_the_binary_finds_the_workspace_above_the_current_directory() {
    let tree = second_tree();
    break_spec(tree.path());
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check"])
        .env_remove("CARGO_MANIFEST_DIR")
        .current_dir(tree.path().join("spec/extcontact"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("extcontact/list_label_groups.rs: differs"), "{}", text(&out));

    let nowhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check"])
        .env_remove("CARGO_MANIFEST_DIR")
        .current_dir(nowhere.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("no workspace found"), "{}", text(&out));
}
