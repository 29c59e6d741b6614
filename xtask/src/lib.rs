//! The I/O around `dingtalk-codegen`: reading `spec/`, writing or checking
//! `crates/dingtalk-oapi/src/generated/`. No logic about the spec lives here.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use dingtalk_codegen::{Diagnostic, GeneratedFile, Source};

pub mod import_v1;

/// Where the generated code lives, relative to the workspace root.
pub const GENERATED_DIR: &str = "crates/dingtalk-oapi/src/generated";
/// The manifest of the crate that holds the generated code: one cargo feature per spec group.
pub const GENERATED_MANIFEST: &str = "crates/dingtalk-oapi/Cargo.toml";
/// Where the spec lives, relative to the workspace root.
pub const SPEC_DIR: &str = "spec";

/// The workspace this run works on, found at run time.
///
/// `cargo xtask …` (an alias of `cargo run -p xtask`) sets `CARGO_MANIFEST_DIR` to the xtask
/// folder of the checkout it runs in; its parent is the root. Without it (the binary run by
/// hand), the nearest folder at or above the current directory whose `Cargo.toml` declares a
/// `[workspace]`. Never the path the binary was compiled in: with one target directory shared
/// by two checkouts, the binary of one is reused by the other, and must check the other's spec.
pub fn workspace_root() -> Result<PathBuf, TaskError> {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let dir = PathBuf::from(dir);
        return dir.parent().map(Path::to_path_buf).ok_or_else(|| {
            TaskError::Io(format!("CARGO_MANIFEST_DIR is `{}`, which has no parent folder", dir.display()))
        });
    }
    let cwd = std::env::current_dir().map_err(|e| TaskError::Io(format!("cannot read the current directory: {e}")))?;
    cwd.ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            TaskError::Io(format!(
                "no workspace found at or above {}: run `cargo xtask …` inside a checkout",
                cwd.display()
            ))
        })
}

#[derive(Debug)]
pub enum TaskError {
    /// The spec has problems; each is `path:line:column: message`.
    Spec(Vec<Diagnostic>),
    /// Generated code differs from the spec.
    Drift(Vec<Drift>),
    Io(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Spec(diags) => {
                for d in diags {
                    writeln!(f, "{d}")?;
                }
                write!(f, "{} problem(s) in the spec", diags.len())
            }
            TaskError::Drift(drift) => {
                for d in drift {
                    writeln!(f, "{d}")?;
                }
                write!(f, "generated code is out of date with spec/; run `cargo xtask codegen` and commit the result")
            }
            TaskError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// How one generated file differs from what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Differs(String),
    Missing(String),
    Stale(String),
    /// Spec groups without a cargo feature (on by default) in the generated crate's manifest.
    Features(Vec<String>),
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Differs(p) => write!(f, "{GENERATED_DIR}/{p}: differs from what spec/ generates"),
            Drift::Missing(p) => write!(f, "{GENERATED_DIR}/{p}: missing; spec/ generates it"),
            Drift::Stale(p) => write!(f, "{GENERATED_DIR}/{p}: stale; spec/ no longer generates it"),
            Drift::Features(groups) => write!(
                f,
                "{GENERATED_MANIFEST}: spec group(s) `{}` need a cargo feature of the same name, on by default",
                groups.join("`, `")
            ),
        }
    }
}

/// Reads every `.yaml`/`.yml` file under `path` (or `path` itself), sorted by path.
/// Files larger than the codegen limit are read only up to one byte past it, so the
/// size error is reported without loading a huge file into memory.
pub fn read_sources(root: &Path, path: &Path) -> Result<Vec<Source>, TaskError> {
    let mut files = Vec::new();
    collect(path, &mut files).map_err(|e| TaskError::Io(format!("cannot read {}: {e}", path.display())))?;
    files.sort();
    let limit = dingtalk_codegen::yaml::MAX_FILE_BYTES as u64 + 1;
    files
        .into_iter()
        .map(|file| {
            let mut bytes = Vec::new();
            std::fs::File::open(&file)
                .and_then(|f| f.take(limit).read_to_end(&mut bytes))
                .map_err(|e| TaskError::Io(format!("cannot read {}: {e}", file.display())))?;
            let shown = file.strip_prefix(root).unwrap_or(&file).display().to_string();
            Ok(Source::new(shown, bytes))
        })
        .collect()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Generates the code for the spec under `root`.
pub fn generate(root: &Path) -> Result<Vec<GeneratedFile>, TaskError> {
    Ok(load_and_generate(root)?.0)
}

/// The generated files and the spec's groups.
fn load_and_generate(root: &Path) -> Result<(Vec<GeneratedFile>, Vec<String>), TaskError> {
    let sources = read_sources(root, &root.join(SPEC_DIR))?;
    let spec = dingtalk_codegen::load(&sources).map_err(TaskError::Spec)?;
    let layout = dingtalk_codegen::layout::file_names(&spec);
    if !layout.is_empty() {
        return Err(TaskError::Spec(layout));
    }
    let groups: std::collections::BTreeSet<String> = spec
        .operations
        .iter()
        .map(|op| op.group.clone())
        .chain(spec.shared_types.iter().map(|t| t.group.clone()))
        .chain(spec.events.iter().map(|e| e.group.clone()))
        .collect();
    Ok((dingtalk_codegen::generate(&spec), groups.into_iter().collect()))
}

/// The manifest with a feature `group = []` for every group, each in `default`; and the groups
/// that were missing. The rest of the file is kept as it is, comments and order included.
pub fn manifest_features(manifest: &str, groups: &[String]) -> Result<(String, Vec<String>), String> {
    let mut doc: toml_edit::DocumentMut = manifest.parse().map_err(|e| format!("{GENERATED_MANIFEST}: {e}"))?;
    let features = doc
        .entry("features")
        .or_insert_with(toml_edit::table)
        .as_table_mut()
        .ok_or_else(|| format!("{GENERATED_MANIFEST}: `features` is not a table"))?;
    let mut missing = Vec::new();
    for group in groups {
        let declared = features.contains_key(group);
        let default = features
            .entry("default")
            .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
            .as_array_mut()
            .ok_or_else(|| format!("{GENERATED_MANIFEST}: `features.default` is not an array"))?;
        let on = default.iter().any(|v| v.as_str() == Some(group.as_str()));
        if !on {
            default.push(group.as_str());
        }
        if !declared {
            features.insert(group, toml_edit::value(toml_edit::Array::new()));
        }
        if !declared || !on {
            missing.push(group.clone());
        }
    }
    Ok((doc.to_string(), missing))
}

fn existing_files(dir: &Path) -> Result<BTreeMap<String, String>, TaskError> {
    let mut files = Vec::new();
    if dir.exists() {
        collect_rs(dir, &mut files).map_err(|e| TaskError::Io(format!("cannot read {}: {e}", dir.display())))?;
    }
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(dir).expect("under dir").to_string_lossy().replace('\\', "/");
        let text =
            std::fs::read_to_string(&f).map_err(|e| TaskError::Io(format!("cannot read {}: {e}", f.display())))?;
        out.insert(rel, text.replace("\r\n", "\n"));
    }
    Ok(out)
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            collect_rs(&p, out)?;
        } else if p.extension().and_then(|e| e.to_str()) == Some("rs") {
            out.push(p);
        }
    }
    Ok(())
}

/// Compares generated files with the files on disk.
pub fn drift(generated: &[GeneratedFile], existing: &BTreeMap<String, String>) -> Vec<Drift> {
    let mut out = Vec::new();
    for file in generated {
        match existing.get(&file.path) {
            None => out.push(Drift::Missing(file.path.clone())),
            Some(text) if *text != file.contents => out.push(Drift::Differs(file.path.clone())),
            Some(_) => {}
        }
    }
    for path in existing.keys() {
        if !generated.iter().any(|g| &g.path == path) {
            out.push(Drift::Stale(path.clone()));
        }
    }
    out
}

/// `cargo xtask codegen [--check]`. With `check`, writes nothing and fails on any drift;
/// without, writes files that differ and removes stale ones. Returns what changed.
pub fn codegen(root: &Path, check: bool) -> Result<Vec<Drift>, TaskError> {
    let (generated, groups) = load_and_generate(root)?;
    let dir = root.join(GENERATED_DIR);
    let mut changes = drift(&generated, &existing_files(&dir)?);
    let manifest_path = root.join(GENERATED_MANIFEST);
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| TaskError::Io(format!("cannot read {}: {e}", manifest_path.display())))?;
    let (updated, missing) = manifest_features(&manifest, &groups).map_err(TaskError::Io)?;
    if !missing.is_empty() {
        changes.push(Drift::Features(missing));
    }
    if check {
        return if changes.is_empty() { Ok(changes) } else { Err(TaskError::Drift(changes)) };
    }
    let io = |e: std::io::Error, p: &Path| TaskError::Io(format!("cannot write {}: {e}", p.display()));
    for change in &changes {
        match change {
            Drift::Differs(p) | Drift::Missing(p) => {
                let target = dir.join(p);
                let file = generated.iter().find(|g| &g.path == p).expect("generated");
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| io(e, parent))?;
                }
                std::fs::write(&target, &file.contents).map_err(|e| io(e, &target))?;
            }
            Drift::Features(_) => {
                std::fs::write(&manifest_path, &updated).map_err(|e| io(e, &manifest_path))?;
            }
            Drift::Stale(p) => {
                let target = dir.join(p);
                std::fs::remove_file(&target).map_err(|e| io(e, &target))?;
                if let Some(parent) = target.parent() {
                    // Drop a group folder that became empty; a non-empty one stays.
                    let _ = std::fs::remove_dir(parent);
                }
            }
        }
    }
    Ok(changes)
}

/// `cargo xtask check-spec [PATH]`. A path without its own `service.yaml` is checked in the
/// context of the project's `spec/` (so an operation file can use its servers and types), and
/// only problems in the given files are reported.
pub fn check_spec(root: &Path, path: &Path) -> Result<usize, TaskError> {
    let given = read_sources(root, path)?;
    let standalone = given.iter().any(|s| Path::new(&s.path).file_name().is_some_and(|n| n == "service.yaml"));
    let mut sources = given.clone();
    if !standalone {
        let canon = |p: &str| std::fs::canonicalize(root.join(p)).ok();
        let given_paths: Vec<_> = given.iter().filter_map(|s| canon(&s.path)).collect();
        for s in read_sources(root, &root.join(SPEC_DIR))? {
            if !canon(&s.path).is_some_and(|c| given_paths.contains(&c)) {
                sources.push(s);
            }
        }
    }
    let loaded = dingtalk_codegen::load(&sources).and_then(|spec| {
        let layout = dingtalk_codegen::layout::file_names(&spec);
        if layout.is_empty() { Ok(spec) } else { Err(layout) }
    });
    match loaded {
        Ok(_) => Ok(given.len()),
        Err(diags) => {
            let ours: Vec<Diagnostic> = if standalone {
                diags
            } else {
                let names: Vec<&str> = given.iter().map(|s| s.path.as_str()).collect();
                let (mine, others): (Vec<_>, Vec<_>) =
                    diags.into_iter().partition(|d| names.contains(&d.loc.path.as_str()));
                if mine.is_empty() { others } else { mine }
            };
            Err(TaskError::Spec(ours))
        }
    }
}
