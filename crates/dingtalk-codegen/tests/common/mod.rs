//! Helpers shared by the integration tests of `dingtalk-codegen`.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::path::{Path, PathBuf};

use dingtalk_codegen::{Diagnostic, Source};

/// The folder of this crate (`crates/dingtalk-codegen`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    crate_dir().parent().and_then(Path::parent).expect("the crate lives in <root>/crates/").to_path_buf()
}

/// Every `.yaml` file under `dir`, sorted by path, as sources named by their path relative to `base`.
pub fn read_spec_dir(base: &Path, dir: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
            Source::new(display_path(base, &file), bytes)
        })
        .collect()
}

/// `file` relative to `base`, with `/` separators on every platform.
pub fn display_path(base: &Path, file: &Path) -> String {
    file.strip_prefix(base).unwrap_or(file).to_string_lossy().replace('\\', "/")
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

/// The real spec of the project (`spec/`), as `xtask` reads it.
pub fn real_spec() -> Vec<Source> {
    let root = workspace_root();
    read_spec_dir(&root, &root.join("spec"))
}

/// One diagnostic per line, for failure messages.
pub fn show(diags: &[Diagnostic]) -> String {
    if diags.is_empty() {
        return "  (none)".to_owned();
    }
    diags.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
}
