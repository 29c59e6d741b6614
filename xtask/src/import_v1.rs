//! `cargo xtask import-v1 PACKAGE_DIR [--group GROUP]... [--out DIR]`: operation files for `spec/`
//! from the official Python SDK `alibabacloud_dingtalk` (Apache-2.0), unpacked.
//!
//! The package is read as text, line by line (no Python runs): in each group folder, `client.py`
//! gives every operation (the sync `<op>_with_options` method: its path arguments, the `query[...]`
//! and `body[...]` lines, the `Params(...)` call) and `models.py` gives the request and response
//! models (`__init__` for names, types and `# This parameter is required.`, `to_map()` for wire
//! names). Only facts are taken: names, paths, methods, parameters, types and required flags. No
//! prose is copied; the summary is made from the operation name.
//!
//! Headers besides the token become header parameters (`headers:`), typed from the operation's
//! headers model; a whole-value request body (`body=UtilClient.to_array(request.body)`) becomes
//! `encoding: json_value`; a list walked by next token gets token `pagination:`. An operation
//! that cannot be expressed (a file upload, a response body that is not an object) or cannot be
//! read is skipped and reported, never guessed. A models
//! file that does not have the expected shape is an error naming its file and line.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dingtalk_codegen::names::{is_snake_ident, snake, upper_camel};

/// The import package's folder name.
pub const PACKAGE: &str = "alibabacloud_dingtalk";
/// The distribution name, as the generated files cite it.
pub const DISTRIBUTION: &str = "alibabacloud-dingtalk";
/// Every imported file starts with this; only such files are ever replaced or deleted.
pub const HEADER: &str = "# Imported by `cargo xtask import-v1`";
/// The header that carries the access token of the new (`api.dingtalk.com`) API.
const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// What one run did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The package version the files cite.
    pub version: String,
    /// The groups imported, sorted.
    pub groups: Vec<String>,
    /// Operations written (or already up to date).
    pub imported: usize,
    /// Files created or changed, relative to the output folder.
    pub written: Vec<String>,
    /// Imported files deleted because the import no longer produces them.
    pub removed: Vec<String>,
    /// Operations left out, with the reason.
    pub skipped: Vec<Skipped>,
    /// Facts of imported operations that the spec files do not carry (e.g. extra headers).
    pub notes: Vec<String>,
    pub elapsed: Duration,
}

impl ImportReport {
    /// `imported N operations in M groups (K skipped) in X.XXs`
    pub fn summary(&self) -> String {
        format!(
            "imported {} operations in {} groups ({} skipped) in {:.2}s",
            self.imported,
            self.groups.len(),
            self.skipped.len(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// An operation the import leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub group: String,
    /// The package's action name (`GetUser`).
    pub action: String,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped {} {}: {}", self.group, self.action, self.reason)
    }
}

/// Imports `groups` (all when empty) of the package at `package_dir` (the folder holding
/// `alibabacloud_dingtalk/`, or that folder itself) into `out/<group>/<operation>.yaml`.
///
/// Everything is read and checked before anything is written. Files of the selected groups that
/// start with [`HEADER`] and are no longer produced are deleted; a file without that header is
/// never overwritten (that is an error) nor deleted.
pub fn import(package_dir: &Path, groups: &[String], out: &Path) -> Result<ImportReport, String> {
    let started = Instant::now();
    let package = locate(package_dir)?;
    let available = list_groups(&package.dir)?;
    let selected: Vec<String> = if groups.is_empty() {
        available.clone()
    } else {
        let mut chosen = BTreeSet::new();
        for group in groups {
            if !available.contains(group) {
                return Err(format!(
                    "no group `{group}` in {}: a group is a folder with a client.py and a models.py (e.g. `{}`)",
                    package.dir.display(),
                    available.first().map_or("contact_1_0", String::as_str)
                ));
            }
            chosen.insert(group.clone());
        }
        chosen.into_iter().collect()
    };

    let mut report = ImportReport { version: package.version.clone(), ..ImportReport::default() };
    // group → file name → contents
    let mut planned: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (group, planned_group) in selected.iter().zip(plan_groups(&package, &selected)) {
        let PlannedGroup { files, skipped, notes } = planned_group?;
        report.imported += files.keys().filter(|f| *f != SHARED_TYPES_FILE).count();
        report.skipped.extend(skipped);
        report.notes.extend(notes);
        planned.insert(group.clone(), files);
    }

    write_planned(out, &planned, &mut report)?;
    report.groups = selected;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// What one group gives.
struct PlannedGroup {
    /// File name → contents.
    files: BTreeMap<String, String>,
    skipped: Vec<Skipped>,
    notes: Vec<String>,
}

/// Each group's files, in the order of `groups`; the groups are read on as many threads as the
/// machine has, each result independent of the others (and so of the thread count).
fn plan_groups(package: &Package, groups: &[String]) -> Vec<Result<PlannedGroup, String>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(groups.len()).max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(group) = groups.get(i) else { break done };
                        done.push((i, plan_group(package, group)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn plan_group(package: &Package, group: &str) -> Result<PlannedGroup, String> {
    let mut imported = import_group(&package.dir, group)?;
    let mut files: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut contents = BTreeMap::new();
    // A model several operations use is declared once, in the group's `types.yaml`.
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for op in &imported.operations {
        for name in op.types.keys() {
            *uses.entry(name.clone()).or_default() += 1;
        }
    }
    let mut shared: BTreeMap<String, Vec<Field>> = BTreeMap::new();
    for op in &mut imported.operations {
        let names: Vec<String> = op.types.keys().filter(|n| uses[*n] > 1).cloned().collect();
        for name in names {
            if let Some(fields) = op.types.remove(&name) {
                shared.entry(name).or_insert(fields);
            }
        }
    }
    if !shared.is_empty() {
        files.insert(SHARED_TYPES_FILE.to_owned(), ("(shared types)".to_owned(), 0));
        contents.insert(SHARED_TYPES_FILE.to_owned(), render_shared_types(&shared, group, &package.version));
    }
    for op in &imported.operations {
        let file = format!("{}.yaml", snake(&op.name));
        if let Some((other, line)) = files.get(&file) {
            return Err(format!(
                "{group}/client.py:{}: operation `{}` would be written to {group}/{file}, as would `{other}` \
                 (client.py:{line}); two operations of one group cannot share a file",
                op.line, op.action
            ));
        }
        files.insert(file.clone(), (op.action.clone(), op.line));
        contents.insert(file, render(op, group, &package.version));
    }
    Ok(PlannedGroup { files: contents, skipped: imported.skipped, notes: imported.notes })
}

/// Writes the planned files (only those that differ) and deletes stale imported ones.
fn write_planned(
    out: &Path,
    planned: &BTreeMap<String, BTreeMap<String, String>>,
    report: &mut ImportReport,
) -> Result<(), String> {
    let mut hand_written = Vec::new();
    let mut stale = Vec::new();
    for (group, files) in planned {
        let dir = out.join(group);
        for (name, existing) in existing_yaml(&dir)? {
            match (files.contains_key(&name), existing.starts_with(HEADER)) {
                (true, false) => hand_written.push(dir.join(&name)),
                (false, true) => stale.push((format!("{group}/{name}"), dir.join(&name))),
                _ => {}
            }
        }
    }
    if !hand_written.is_empty() {
        let list: Vec<String> = hand_written.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "not imported by `cargo xtask import-v1` (no `{HEADER}` header), so not overwritten: {}; \
             move them away or choose another --out",
            list.join(", ")
        ));
    }
    for (group, files) in planned {
        let dir = out.join(group);
        for (name, text) in files {
            let target = dir.join(name);
            if std::fs::read(&target).is_ok_and(|old| old == text.as_bytes()) {
                continue;
            }
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            std::fs::write(&target, text).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            report.written.push(format!("{group}/{name}"));
        }
    }
    for (shown, path) in stale {
        std::fs::remove_file(&path).map_err(|e| format!("cannot delete {}: {e}", path.display()))?;
        if let Some(parent) = path.parent() {
            // A group folder left empty goes too; one with other files stays.
            let _ = std::fs::remove_dir(parent);
        }
        report.removed.push(shown);
    }
    Ok(())
}

/// The `.yaml` files directly in `dir` (none when it does not exist), with their first bytes.
fn existing_yaml(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if !path.is_file() || !name.ends_with(".yaml") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(HEADER.len())]).into_owned();
        out.push((name.to_owned(), head));
    }
    out.sort();
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The package: where it is, its version, its groups.

struct Package {
    dir: PathBuf,
    version: String,
}

fn locate(package_dir: &Path) -> Result<Package, String> {
    let nested = package_dir.join(PACKAGE);
    let dir = if nested.is_dir() {
        nested
    } else if package_dir.is_dir() && package_dir.file_name().is_some_and(|n| n == PACKAGE) {
        package_dir.to_path_buf()
    } else {
        return Err(format!(
            "{}: neither the `{PACKAGE}` folder of the unpacked package nor a folder holding it",
            package_dir.display()
        ));
    };
    let version = version(&dir)?;
    Ok(Package { dir, version })
}

/// From `alibabacloud_dingtalk-*.dist-info/METADATA` next to the package folder, else from its
/// `__init__.py`.
fn version(dir: &Path) -> Result<String, String> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let mut infos: Vec<PathBuf> = std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{PACKAGE}-")) && n.ends_with(".dist-info"))
        })
        .collect();
    infos.sort();
    if infos.len() > 1 {
        let names: Vec<String> = infos.iter().map(|p| p.display().to_string()).collect();
        return Err(format!("more than one dist-info folder, so the version is ambiguous: {}", names.join(", ")));
    }
    if let Some(info) = infos.first() {
        let metadata = info.join("METADATA");
        if let Ok(text) = std::fs::read_to_string(&metadata) {
            // The headers end at the first blank line; the long description follows.
            for (i, line) in text.lines().take_while(|l| !l.trim().is_empty()).enumerate() {
                if let Some(v) = line.strip_prefix("Version:") {
                    return checked_version(v.trim()).map_err(|e| format!("{}:{}: {e}", metadata.display(), i + 1));
                }
            }
        }
    }
    let init = dir.join("__init__.py");
    if let Ok(text) = std::fs::read_to_string(&init) {
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim().strip_prefix("__version__") else { continue };
            let Some(value) = rest.trim_start().strip_prefix('=') else { continue };
            let v = unquote(value.trim())
                .ok_or_else(|| format!("{}:{}: cannot read the version `{}`", init.display(), i + 1, value.trim()))?;
            return checked_version(v).map_err(|e| format!("{}:{}: {e}", init.display(), i + 1));
        }
    }
    Err(format!(
        "cannot tell the package version: no `Version:` line in {}/{PACKAGE}-*.dist-info/METADATA and no \
         `__version__ = '…'` in {}",
        parent.display(),
        init.display()
    ))
}

fn checked_version(v: &str) -> Result<String, String> {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || ".+-_!".contains(c)) {
        Ok(v.to_owned())
    } else {
        Err(format!("`{v}` is not a version"))
    }
}

/// The groups: folders with a `client.py`, sorted.
fn list_groups(dir: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut groups = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.join("client.py").is_file()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
        {
            groups.push(name.to_owned());
        }
    }
    groups.sort();
    if groups.is_empty() {
        return Err(format!("{}: no group folders (folders with a client.py)", dir.display()));
    }
    Ok(groups)
}

// ---------------------------------------------------------------------------------------------
// One group.

struct GroupImport {
    operations: Vec<Operation>,
    skipped: Vec<Skipped>,
    notes: Vec<String>,
}

fn import_group(package: &Path, group: &str) -> Result<GroupImport, String> {
    if !is_snake_ident(group) {
        return Err(format!("{}: the group name `{group}` is not snake_case", package.join(group).display()));
    }
    let read = |file: &str| {
        let path = package.join(group).join(file);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let client_label = format!("{group}/client.py");
    let models_label = format!("{group}/models.py");
    let models = parse_models(&models_label, &read("models.py")?)?;
    let client = read("client.py")?;
    let mut out = GroupImport { operations: Vec::new(), skipped: Vec::new(), notes: Vec::new() };
    for raw in parse_client(&client_label, &client) {
        let action = raw.action.clone().unwrap_or_else(|| upper_camel(&raw.py_name));
        let labels = Labels { client: &client_label, models: &models_label };
        match convert(&raw, &models, &labels) {
            Ok(op) => {
                out.notes.extend(op.notes.iter().map(|n| format!("note {group} {action}: {n}")));
                out.operations.push(op);
            }
            Err(reason) => out.skipped.push(Skipped { group: group.to_owned(), action, reason }),
        }
    }
    Ok(out)
}

struct Labels<'a> {
    client: &'a str,
    models: &'a str,
}

// ---------------------------------------------------------------------------------------------
// models.py

/// A Python type annotation of a model field or method argument.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PyType {
    Str,
    Int,
    Bool,
    Float,
    /// `Any`, `dict`.
    Json,
    Binary,
    Bytes,
    List(Box<PyType>),
    Dict(Box<PyType>, Box<PyType>),
    /// A class of the group's models.py (resolved when used).
    Model(String),
    Unsupported(String),
}

fn parse_type(text: &str) -> PyType {
    let t = text.trim();
    let t = unquote(t).unwrap_or(t);
    match t {
        "str" => return PyType::Str,
        "int" => return PyType::Int,
        "bool" => return PyType::Bool,
        "float" => return PyType::Float,
        "Any" | "dict" => return PyType::Json,
        "BinaryIO" => return PyType::Binary,
        "bytes" => return PyType::Bytes,
        _ => {}
    }
    if let Some(inner) = t.strip_prefix("List[").and_then(|r| r.strip_suffix(']')) {
        return PyType::List(Box::new(parse_type(inner)));
    }
    if let Some(inner) = t.strip_prefix("Dict[").and_then(|r| r.strip_suffix(']')) {
        let parts = split_top_level(inner);
        if let [key, value] = parts.as_slice() {
            return PyType::Dict(Box::new(parse_type(key)), Box::new(parse_type(value)));
        }
    }
    let last = t.rsplit('.').next().unwrap_or(t);
    if is_py_ident(last) && last.starts_with(|c: char| c.is_ascii_uppercase()) {
        return PyType::Model(last.to_owned());
    }
    PyType::Unsupported(t.to_owned())
}

/// Splits at commas outside brackets.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

#[derive(Debug)]
struct Model {
    name: String,
    fields: Vec<ModelField>,
}

#[derive(Debug)]
struct ModelField {
    /// The Python attribute name.
    py: String,
    ty: PyType,
    required: bool,
    wire: String,
    /// 1-based line of the `__init__` parameter.
    line: usize,
}

type Models = HashMap<String, Model>;

fn parse_models(label: &str, text: &str) -> Result<Models, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut models = HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(rest) = lines[i].strip_prefix("class ") else {
            i += 1;
            continue;
        };
        let end = block_end(&lines, i + 1);
        if let Some(name) = rest.trim_end().strip_suffix("(TeaModel):") {
            if !is_py_ident(name) {
                return Err(format!("{label}:{}: cannot read the class name in `{}`", i + 1, lines[i].trim_end()));
            }
            let model = parse_model(label, name, &lines, i, end)?;
            if models.insert(name.to_owned(), model).is_some() {
                return Err(format!("{label}:{}: a second class `{name}`", i + 1));
            }
        }
        i = end;
    }
    Ok(models)
}

/// The index of the first line at or after `from` that starts a new top-level statement.
fn block_end(lines: &[&str], from: usize) -> usize {
    (from..lines.len())
        .find(|&j| {
            let l = lines[j];
            !l.is_empty() && !l.starts_with([' ', '\t', '#'])
        })
        .unwrap_or(lines.len())
}

/// The index of the next `    def` (or `    async def`) line in `from..end`, else `end`.
fn method_end(lines: &[&str], from: usize, end: usize) -> usize {
    (from..end).find(|&j| lines[j].starts_with("    def ") || lines[j].starts_with("    async def ")).unwrap_or(end)
}

fn parse_model(label: &str, name: &str, lines: &[&str], start: usize, end: usize) -> Result<Model, String> {
    let Some(init) = (start + 1..end).find(|&j| lines[j].trim_start().starts_with("def __init__(")) else {
        return Err(format!("{label}:{}: class {name} has no `def __init__(`", start + 1));
    };
    // Parameters: (name, type text, line index).
    let mut params: Vec<(String, String, usize)> = Vec::new();
    let mut push = |text: &str, at: usize| -> Result<(), String> {
        let text = text.trim();
        if text.is_empty() || text == "self" {
            return Ok(());
        }
        let parsed = text.split_once(':').and_then(|(n, rest)| {
            let n = n.trim();
            let ty = rest.rsplit_once('=').map_or(rest, |(ty, _)| ty).trim();
            (is_py_ident(n) && !ty.is_empty()).then(|| (n.to_owned(), ty.to_owned()))
        });
        let (n, ty) = parsed.ok_or_else(|| {
            format!(
                "{label}:{}: cannot read the parameter `{text}` of {name}.__init__ (expected `name: Type = None`)",
                at + 1
            )
        })?;
        params.push((n, ty, at));
        Ok(())
    };
    let header = lines[init].trim();
    let mut j = init + 1;
    if let Some(inline) = header.strip_prefix("def __init__(").and_then(|r| r.strip_suffix("):")) {
        for p in split_top_level(inline) {
            push(p, init)?;
        }
    } else if header == "def __init__(" {
        loop {
            if j >= end {
                return Err(format!("{label}:{}: {name}.__init__( is not closed by `):`", init + 1));
            }
            let t = lines[j].trim();
            j += 1;
            if t == "):" {
                break;
            }
            push(t.strip_suffix(',').unwrap_or(t), j - 1)?;
        }
    } else {
        return Err(format!("{label}:{}: cannot read `{header}`", init + 1));
    }

    // The body of __init__: `# This parameter is required.` marks the next assignment.
    let mut required = BTreeSet::new();
    let mut marked = false;
    for line in &lines[j..method_end(lines, j, end)] {
        let t = line.trim();
        if let Some(comment) = t.strip_prefix('#') {
            marked |= comment.trim() == "This parameter is required.";
        } else if let Some(attr) = t.strip_prefix("self.").and_then(|r| r.split_once('=')).map(|(a, _)| a.trim()) {
            if marked {
                required.insert(attr.to_owned());
            }
            marked = false;
        } else if !t.is_empty() {
            marked = false;
        }
    }

    // to_map(): the wire names.
    let to_map = (start + 1..end).find(|&k| lines[k].trim_start().starts_with("def to_map("));
    let mut wires: HashMap<String, String> = HashMap::new();
    if let Some(to_map) = to_map {
        let mut pending: Option<String> = None;
        for line in &lines[to_map + 1..method_end(lines, to_map + 1, end)] {
            let t = line.trim();
            if let Some((key, rest)) = quoted_key(t, "result") {
                if let Some(attr) = self_attr(rest) {
                    wires.entry(attr.to_owned()).or_insert_with(|| key.to_owned());
                    pending = None;
                } else if matches!(rest.trim(), "= []" | "= {}") {
                    pending = Some(key.to_owned());
                }
            } else if let Some(attr) = t.strip_prefix("if self.").and_then(|r| r.strip_suffix(" is not None:"))
                && let Some(key) = pending.take()
            {
                wires.entry(attr.to_owned()).or_insert(key);
            }
        }
    } else if !params.is_empty() {
        return Err(format!("{label}:{}: class {name} has fields but no `def to_map(`", start + 1));
    }

    let mut fields = Vec::with_capacity(params.len());
    for (py, ty_text, at) in params {
        let Some(wire) = wires.remove(&py) else {
            return Err(format!(
                "{label}:{}: {name}.{py} is a parameter of __init__ but to_map() gives it no key",
                at + 1
            ));
        };
        fields.push(ModelField { required: required.contains(&py), ty: parse_type(&ty_text), py, wire, line: at + 1 });
    }
    Ok(Model { name: name.to_owned(), fields })
}

/// `prefix['key']rest` → (`key`, `rest`).
fn quoted_key<'a>(text: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = text.strip_prefix(prefix)?.strip_prefix("['")?;
    let (key, rest) = rest.split_once("']")?;
    Some((key, rest))
}

/// The attribute of the first `self.<attr>` in `text`.
fn self_attr(text: &str) -> Option<&str> {
    let at = text.find("self.")?;
    let rest = &text[at + 5..];
    let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

fn is_py_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `'x'` or `"x"` → `x`.
fn unquote(text: &str) -> Option<&str> {
    let text = text.strip_suffix(',').unwrap_or(text).trim();
    ['\'', '"'].into_iter().find_map(|q| text.strip_prefix(q)?.strip_suffix(q))
}

// ---------------------------------------------------------------------------------------------
// client.py

/// One sync `<op>_with_options` method, as read.
#[derive(Debug, Default)]
struct RawOperation {
    /// 1-based line of its `def`.
    line: usize,
    /// The method name without `_with_options`.
    py_name: String,
    /// Arguments after `self`: (name, annotation, 1-based line).
    params: Vec<(String, String, usize)>,
    returns: Option<String>,
    /// Shrink pattern: `request.<a>_shrink` holds `tmp_req.<a>`.
    shrink: HashMap<String, String>,
    /// How each shrunk attribute is written (`json`, `simple`, …), by the shrunk attribute.
    shrink_style: HashMap<String, String>,
    query: Vec<Sent>,
    body: Vec<Sent>,
    /// `body=<expr>` other than the `body` dict: (expr, line).
    whole_body: Option<(String, usize)>,
    token: bool,
    /// Headers besides the token: (header name, attribute of the headers model, line).
    extra_headers: Vec<Sent>,
    action: Option<String>,
    pathname: Option<(String, usize)>,
    method: Option<String>,
    req_body_type: Option<String>,
    /// Lines that could not be read: the first makes the operation skipped.
    problems: Vec<String>,
}

#[derive(Debug)]
struct Sent {
    wire: String,
    attr: String,
    line: usize,
}

fn parse_client(label: &str, text: &str) -> Vec<RawOperation> {
    let lines: Vec<&str> = text.lines().collect();
    let mut ops = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let def = lines[i].strip_prefix("    def ").and_then(|r| r.split_once('(')).map(|(name, _)| name);
        let Some(py_name) = def.and_then(|name| name.strip_suffix("_with_options")) else {
            i += 1;
            continue;
        };
        let end = method_end(&lines, i + 1, block_end(&lines, i + 1));
        ops.push(parse_operation(label, &lines, i, end, py_name));
        i = end;
    }
    ops
}

fn parse_operation(label: &str, lines: &[&str], start: usize, end: usize, py_name: &str) -> RawOperation {
    let mut op = RawOperation { line: start + 1, py_name: py_name.to_owned(), ..RawOperation::default() };
    let at = |j: usize| format!("{label}:{}", j + 1);
    let mut j = start + 1;
    if !lines[start].trim_end().ends_with('(') {
        op.problems.push(format!("{}: cannot read the signature `{}`", at(start), lines[start].trim()));
        return op;
    }
    // The signature.
    loop {
        if j >= end {
            op.problems.push(format!("{}: the signature of {py_name}_with_options is not closed", at(start)));
            return op;
        }
        let t = lines[j].trim();
        j += 1;
        if let Some(ret) = t.strip_prefix(')') {
            let ret = ret.trim().strip_prefix("->").map(|r| r.trim().trim_end_matches(':').trim().to_owned());
            op.returns = ret;
            break;
        }
        let t = t.strip_suffix(',').unwrap_or(t);
        if t == "self" {
            continue;
        }
        match t.split_once(':') {
            Some((name, ty)) if is_py_ident(name.trim()) => {
                op.params.push((name.trim().to_owned(), ty.trim().to_owned(), j));
            }
            _ => op.problems.push(format!("{}: cannot read the argument `{t}`", at(j - 1))),
        }
    }
    // The body.
    let mut in_docstring = false;
    while j < end {
        let t = lines[j].trim();
        let here = j;
        j += 1;
        if in_docstring {
            in_docstring = !t.contains("\"\"\"");
            continue;
        }
        if let Some(rest) = t.strip_prefix("\"\"\"") {
            in_docstring = !rest.contains("\"\"\"");
            continue;
        }
        if let Some((key, rest)) = quoted_key(t, "query").or_else(|| quoted_key(t, "body")) {
            let attr = rest.trim().strip_prefix('=').map(str::trim).and_then(|r| r.strip_prefix("request."));
            match attr.filter(|a| is_py_ident(a)) {
                Some(attr) => {
                    let sent = Sent { wire: key.to_owned(), attr: attr.to_owned(), line: here + 1 };
                    if t.starts_with("query") { op.query.push(sent) } else { op.body.push(sent) }
                }
                None => op.problems.push(format!("{}: cannot read `{t}`", at(here))),
            }
        } else if let Some((key, _)) = quoted_key(t, "real_headers") {
            if key == TOKEN_HEADER {
                op.token = true;
            } else if !op.extra_headers.iter().any(|h| h.wire == key) {
                // `real_headers['k'] = UtilClient.to_jsonstring(headers.attr)`
                let attr = t.split_once("(headers.").map(|(_, r)| r.trim_end_matches(')'));
                match attr.filter(|a| is_py_ident(a)) {
                    Some(attr) => {
                        op.extra_headers.push(Sent { wire: key.to_owned(), attr: attr.to_owned(), line: here + 1 })
                    }
                    None => op.problems.push(format!("{}: cannot read `{t}`", at(here))),
                }
            }
        } else if let Some(rest) = t.strip_prefix("request.")
            && let Some((shrunk, value)) = rest.split_once(" = ")
            && let Some(original) = value.split_once("(tmp_req.").map(|(_, r)| r)
        {
            let len = original.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(original.len());
            op.shrink.insert(shrunk.trim().to_owned(), original[..len].to_owned());
            // `array_to_string_with_specified_style(tmp_req.x, 'x', 'json')`: the last argument.
            let style = value.trim_end().trim_end_matches(')').rsplit(',').next().and_then(|a| unquote(a.trim()));
            op.shrink_style.insert(shrunk.trim().to_owned(), style.unwrap_or_default().to_owned());
        } else if let Some(expr) = t.strip_prefix("body=") {
            let expr = expr.strip_suffix(',').unwrap_or(expr);
            if expr != "OpenApiUtilClient.parse_to_map(body)" {
                op.whole_body = Some((expr.to_owned(), here + 1));
            }
        } else if let Some(expr) = t.strip_prefix("query=") {
            let expr = expr.strip_suffix(',').unwrap_or(expr);
            if expr != "OpenApiUtilClient.query(query)" {
                op.problems.push(format!("{}: the query is `{expr}`, not the `query` dict", at(here)));
            }
        } else if let Some(v) = t.strip_prefix("action=") {
            op.action = unquote(v).map(str::to_owned);
        } else if let Some(v) = t.strip_prefix("pathname=") {
            let v = v.strip_prefix('f').unwrap_or(v);
            op.pathname = unquote(v).map(|p| (p.to_owned(), here + 1));
        } else if let Some(v) = t.strip_prefix("method=") {
            op.method = unquote(v).map(str::to_owned);
        } else if let Some(v) = t.strip_prefix("req_body_type=") {
            op.req_body_type = unquote(v).map(str::to_owned);
        }
    }
    op
}

// ---------------------------------------------------------------------------------------------
// From what was read to an operation.

#[derive(Debug)]
struct Operation {
    /// `upper_camel(action)`.
    name: String,
    action: String,
    /// 1-based line of the method in client.py.
    line: usize,
    method: String,
    path: String,
    encoding: &'static str,
    auth: &'static str,
    path_params: Vec<Field>,
    query: Vec<Field>,
    headers: Vec<Field>,
    body: Vec<Field>,
    response: Vec<Field>,
    /// The response body is the one response field's value (a list or a scalar).
    response_value: bool,
    types: BTreeMap<String, Vec<Field>>,
    /// Token pagination, where the request takes a next token and the response hands one out.
    pagination: Option<TokenPages>,
    /// Facts the file does not carry, for the report.
    notes: Vec<String>,
}

/// `pagination:` of style `token`, as inferred (every value a wire name or a response path).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TokenPages {
    token: String,
    size: Option<String>,
    items: String,
    next_token: String,
    has_more: Option<String>,
    /// The first page's token, for a required integer token (DingTalk's start at 0).
    first: Option<i64>,
}

/// Request parameters that carry a page token (the new API's cursors are tokens too: the first
/// page leaves them out).
const TOKEN_PARAMS: &[&str] = &["nextToken", "cursor", "pageToken"];
/// Response fields that hand out the next page's token.
const NEXT_TOKEN_FIELDS: &[&str] = &["nextToken", "nextCursor", "nextPageToken"];
/// Request parameters that carry the page size.
const SIZE_PARAMS: &[&str] = &["maxResults", "pageSize", "size", "maxResult"];

/// Token pagination of an operation: `Ok(None)` when the request takes no page token or the
/// response hands out none (not a list walked by token); `Err` says why an operation that does
/// both is not paginated.
fn infer_pagination(
    query: &[Field],
    body: &[Field],
    response: &[Field],
    types: &BTreeMap<String, Vec<Field>>,
) -> Result<Option<TokenPages>, String> {
    let scalar_token = |f: &&Field| f.ty == "string" || f.ty == "i64";
    let Some(token) = query.iter().chain(body).filter(scalar_token).find(|f| TOKEN_PARAMS.contains(&f.name.as_str()))
    else {
        return Ok(None);
    };
    // The object that hands out the next token: the response itself, or one of its object fields.
    let next_in = |fields: &[Field]| {
        fields
            .iter()
            .filter(scalar_token)
            .find(|f| NEXT_TOKEN_FIELDS.contains(&f.name.as_str()))
            .map(|f| f.name.clone())
    };
    let container = match next_in(response) {
        Some(next) => Some((String::new(), response, next)),
        None => response.iter().find_map(|f| {
            let inner = types.get(&f.ty)?;
            Some((format!("{}.", f.name), inner.as_slice(), next_in(inner)?))
        }),
    };
    let Some((prefix, fields, next)) = container else {
        return Ok(None);
    };
    let lists = |fields: &[Field]| {
        fields.iter().filter(|f| f.ty.starts_with("list<")).map(|f| f.name.clone()).collect::<Vec<_>>()
    };
    let mut items: Vec<String> = lists(fields).into_iter().map(|l| format!("{prefix}{l}")).collect();
    if items.is_empty() && !prefix.is_empty() {
        items = lists(response);
    }
    // A token at the top may hand out the pages of a list one object down (`result.list`).
    if items.is_empty() && prefix.is_empty() {
        items = response
            .iter()
            .filter_map(|f| Some((f, types.get(&f.ty)?)))
            .flat_map(|(f, inner)| lists(inner).into_iter().map(move |l| format!("{}.{l}", f.name)))
            .collect();
    }
    let items = match items.as_slice() {
        [one] => one.clone(),
        [] => return Err(format!("the response hands out `{prefix}{next}` but holds no list of items")),
        more => {
            return Err(format!(
                "the response hands out `{prefix}{next}` beside {} lists (`{}`); which one holds the items is not clear",
                more.len(),
                more.join("`, `")
            ));
        }
    };
    // A required integer token starts at 0 (DingTalk's convention); a required text token has
    // no first value the package states.
    let first = match (token.required, token.ty.as_str()) {
        (false, _) => None,
        (true, "i64") => Some(0),
        (true, _) => {
            return Err(format!("`{}` is required text, and the package gives no first value", token.name));
        }
    };
    // Without a size parameter the server picks the page size.
    let size = query.iter().chain(body).find(|f| f.ty == "i64" && SIZE_PARAMS.contains(&f.name.as_str()));
    let has_more = fields.iter().find(|f| f.name == "hasMore" && f.ty == "bool").map(|f| format!("{prefix}{}", f.name));
    Ok(Some(TokenPages {
        token: token.name.clone(),
        size: size.map(|s| s.name.clone()),
        items,
        next_token: format!("{prefix}{next}"),
        has_more,
        first,
    }))
}

#[derive(Debug)]
struct Field {
    name: String,
    rust_name: Option<String>,
    ty: String,
    required: bool,
}

fn convert(raw: &RawOperation, models: &Models, labels: &Labels<'_>) -> Result<Operation, String> {
    let client = labels.client;
    let at = |line: usize| format!("{client}:{line}");
    if let Some(problem) = raw.problems.first() {
        return Err(problem.clone());
    }
    let missing =
        |what: &str| format!("{}: no `{what}=` in the Params(...) of {}_with_options", at(raw.line), raw.py_name);
    let action = raw.action.clone().ok_or_else(|| missing("action"))?;
    if !is_py_ident(&action) {
        return Err(format!("{}: the action `{action}` is not a name", at(raw.line)));
    }
    let method = raw.method.clone().ok_or_else(|| missing("method"))?;
    let (pathname, path_line) = raw.pathname.clone().ok_or_else(|| missing("pathname"))?;
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE" | "PATCH") {
        return Err(format!("{}: the method `{method}` is not GET, POST, PUT, DELETE or PATCH", at(raw.line)));
    }
    let name = upper_camel(&action);

    // Arguments: the request model, and the path arguments.
    let mut request: Option<(&str, &Model)> = None;
    let mut headers_model: Option<(&str, &Model)> = None;
    let mut path_args: Vec<(&str, PyType, usize)> = Vec::new();
    for (arg, ty, line) in &raw.params {
        match arg.as_str() {
            "request" | "tmp_req" => {
                let class = ty.rsplit('.').next().unwrap_or(ty);
                let model = models.get(class).ok_or_else(|| {
                    format!("{}: the request type `{class}` is not a class of {}", at(*line), labels.models)
                })?;
                request = Some((class, model));
            }
            "headers" => {
                let class = ty.rsplit('.').next().unwrap_or(ty);
                headers_model = models.get(class).map(|m| (class, m));
            }
            "runtime" => {}
            _ => path_args.push((arg, parse_type(ty), *line)),
        }
    }

    // The response: the fields of the model under `body`.
    let returns = raw.returns.as_deref().ok_or_else(|| format!("{}: no return type", at(raw.line)))?;
    let response_class = returns.rsplit('.').next().unwrap_or(returns);
    let response_model = models.get(response_class).ok_or_else(|| {
        format!("{}: the response type `{response_class}` is not a class of {}", at(raw.line), labels.models)
    })?;
    // The body: an object (a model class), or one value (a list or a scalar: `response_value`).
    let (body_model, body_value) = match response_model.fields.iter().find(|f| f.py == "body") {
        None => (None, None),
        Some(f) => match &f.ty {
            PyType::Model(class) => (
                Some(models.get(class).ok_or_else(|| {
                    format!(
                        "{}:{}: the response body type `{class}` is not a class of that file",
                        labels.models, f.line
                    )
                })?),
                None,
            ),
            _ => (None, Some(f)),
        },
    };
    if let Some(f) = body_value {
        let mut seen = BTreeSet::new();
        if let Some(kind) = direct_binary(&f.ty).or_else(|| binary(&f.ty, models, &mut seen).map(|(k, _, _)| k)) {
            return Err(format!("{}:{}: the response body holds `{kind}` (a file download)", labels.models, f.line));
        }
    }

    // No file uploads (or downloads), wherever they appear.
    let mut seen = BTreeSet::new();
    for (arg, ty, line) in &path_args {
        if let Some(kind) = direct_binary(ty) {
            return Err(format!("{}: the argument `{arg}` is `{kind}` (a file upload)", at(*line)));
        }
    }
    let roots = request.iter().map(|(class, _)| *class).chain(body_model.map(|m| m.name.as_str()));
    for class in roots {
        if let Some((kind, class, field)) = binary(&PyType::Model(class.to_owned()), models, &mut seen) {
            return Err(format!(
                "{}:{}: {}.{} is `{kind}` (a file upload or download), which the spec cannot express",
                labels.models, field.line, class.name, field.py
            ));
        }
    }

    let mut named = BTreeMap::new();
    // The path: `{python_name}` → `{wireName}`.
    let mut path = String::new();
    let mut path_params = Vec::new();
    let mut rest = pathname.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| format!("{}: an unclosed `{{` in the path `{pathname}`", at(path_line)))?;
        let arg = &rest[open + 1..close];
        let Some((_, ty, _)) = path_args.iter().find(|(a, _, _)| *a == arg) else {
            return Err(format!(
                "{}: the path names `{{{arg}}}`, which is not an argument of {}_with_options",
                at(path_line),
                raw.py_name
            ));
        };
        let wire = lower_camel(arg);
        path.push_str(&rest[..open]);
        path.push('{');
        path.push_str(&wire);
        path.push('}');
        if !path_params.iter().any(|p: &Field| p.name == wire) {
            let ty = spec_type(ty, models, &mut named, labels)
                .map_err(|e| format!("{}: the path argument `{arg}`: {e}", at(path_line)))?;
            path_params.push(Field { rust_name: rust_name(&wire, arg), name: wire, ty, required: true });
        }
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    let malformed = path.contains(char::is_whitespace)
        || path.split('/').any(|seg| seg.contains('{') && !(seg.starts_with('{') && seg.ends_with('}')));
    if malformed {
        return Err(format!(
            "{}: the package's path `{pathname}` is malformed (a parameter glued to text, or a space)",
            at(path_line)
        ));
    }
    // An argument the path does not use is not sent at all (a slip of the package's generator).
    let mut notes = Vec::new();
    for (arg, _, line) in path_args.iter().filter(|(a, _, _)| !pathname.contains(&format!("{{{a}}}"))) {
        notes.push(format!("takes the argument `{arg}`, which the request never sends; left out ({})", at(*line)));
    }
    // Headers besides the token are header parameters, typed from the headers model.
    let mut headers = Vec::with_capacity(raw.extra_headers.len());
    for h in &raw.extra_headers {
        let Some((class, model)) = headers_model else {
            return Err(format!("{}: sends the header `{}` but takes no headers model", at(h.line), h.wire));
        };
        let field = model
            .fields
            .iter()
            .find(|f| f.py == h.attr)
            .ok_or_else(|| format!("{}: `{}` is not a field of {class}", at(h.line), h.attr))?;
        let ty = spec_type(&field.ty, models, &mut named, labels)
            .map_err(|e| format!("{}: the header `{}`: {e}", at(h.line), h.wire))?;
        if !matches!(ty.as_str(), "string" | "i64" | "bool" | "f64") {
            return Err(format!("{}: sends the {ty} `{}` as a header, which takes only scalars", at(h.line), h.wire));
        }
        headers.push(Field {
            name: h.wire.clone(),
            rust_name: rust_name(&h.wire, &h.attr),
            ty,
            required: field.required,
        });
    }

    // Query and body: in the order of the client.py lines, typed from the request model.
    let mut sent = |list: &[Sent]| -> Result<Vec<Field>, String> {
        let mut fields = Vec::with_capacity(list.len());
        for s in list {
            let Some((class, model)) = request else {
                return Err(format!("{}: sends `request.{}` but takes no request", at(s.line), s.attr));
            };
            let attr = raw.shrink.get(&s.attr).unwrap_or(&s.attr);
            let field = model
                .fields
                .iter()
                .find(|f| &f.py == attr)
                .ok_or_else(|| format!("{}: `{attr}` is not a field of {class}", at(s.line)))?;
            fields.push(Field {
                name: s.wire.clone(),
                rust_name: rust_name(&s.wire, attr),
                ty: spec_type(&field.ty, models, &mut named, labels)
                    .map_err(|e| format!("{}: `{attr}` of {class}: {e}", at(s.line)))?,
                required: field.required,
            });
        }
        Ok(fields)
    };
    let query = sent(&raw.query)?;
    // The runtime writes a list or object in the query as JSON text: exactly what the package
    // does for shrunk fields of style `json`, and nothing else (it flattens the others).
    for (field, s) in query.iter().zip(&raw.query) {
        let scalar = matches!(field.ty.as_str(), "string" | "i64" | "bool" | "f64");
        let style = raw.shrink_style.get(&s.attr).map(String::as_str);
        if !scalar && style != Some("json") {
            let how = style.map_or_else(|| "flattened".to_owned(), |s| format!("in style `{s}`"));
            return Err(format!(
                "{}: sends the {} `{}` in the query {how}, which the runtime does not write",
                at(s.line),
                field.ty,
                s.wire
            ));
        }
    }
    let mut body = sent(&raw.body)?;
    // A whole-value body (`body=UtilClient.to_array(request.body)`, `body=request.body`): one
    // parameter whose value is the body.
    let whole_body = match &raw.whole_body {
        None => false,
        Some((expr, line)) => {
            let attr = expr.strip_prefix("UtilClient.to_array(").and_then(|r| r.strip_suffix(')')).unwrap_or(expr);
            let attr = attr.strip_prefix("request.").filter(|a| is_py_ident(a));
            let (Some(attr), true) = (attr, body.is_empty()) else {
                return Err(format!("{}: cannot read the whole-value body `{expr}`", at(*line)));
            };
            body = sent(&[Sent { wire: String::new(), attr: attr.to_owned(), line: *line }])?;
            // The wire name: the model's key for the field (the parameter's name in the spec).
            if let (Some(f), Some((_, model))) = (body.first_mut(), request) {
                let wire = model.fields.iter().find(|m| m.py == attr).map_or(attr, |m| m.wire.as_str());
                f.name = wire.to_owned();
                f.rust_name = rust_name(wire, attr);
            }
            true
        }
    };
    if let Some(h) = headers.iter().find(|h| path_params.iter().chain(&query).chain(&body).any(|p| p.name == h.name)) {
        return Err(format!("{}: the header `{}` has the name of another parameter", at(raw.line), h.name));
    }
    let response = match (body_model, body_value) {
        (Some(model), _) => model_fields(model, models, &mut named, labels)?,
        (None, Some(f)) => vec![Field {
            name: "value".to_owned(),
            rust_name: None,
            ty: spec_type(&f.ty, models, &mut named, labels)
                .map_err(|e| format!("{}:{}: the response body: {e}", labels.models, f.line))?,
            required: f.required,
        }],
        (None, None) => Vec::new(),
    };

    // Named types, each once: render until no new one appears.
    let mut types = BTreeMap::new();
    loop {
        let todo: Vec<(String, String)> =
            named.iter().filter(|(n, _)| !types.contains_key(*n)).map(|(n, c)| (n.clone(), c.clone())).collect();
        if todo.is_empty() {
            break;
        }
        for (type_name, class) in todo {
            let fields = model_fields(&models[&class], models, &mut named, labels)?;
            types.insert(type_name, fields);
        }
    }

    if method == "GET" && !body.is_empty() {
        return Err(format!("{}: a GET that sends a body, which HTTP clients do not send", at(raw.line)));
    }
    let pagination = match infer_pagination(&query, &body, &response, &types) {
        Ok(pagination) => pagination,
        Err(why) => {
            notes.push(format!("not paginated: {why}"));
            None
        }
    };
    let encoding = match (body.is_empty(), raw.req_body_type.as_deref()) {
        _ if whole_body => "json_value",
        (true, _) => "query",
        (false, Some("formData")) => "form",
        (false, _) => "json",
    };
    Ok(Operation {
        name,
        action,
        line: raw.line,
        method,
        path,
        encoding,
        auth: if raw.token { "access_token" } else { "none" },
        path_params,
        query,
        headers,
        body,
        response,
        response_value: body_value.is_some(),
        types,
        pagination,
        notes,
    })
}

fn model_fields(
    model: &Model,
    models: &Models,
    named: &mut BTreeMap<String, String>,
    labels: &Labels<'_>,
) -> Result<Vec<Field>, String> {
    model
        .fields
        .iter()
        .map(|f| {
            Ok(Field {
                name: f.wire.clone(),
                rust_name: rust_name(&f.wire, &f.py),
                ty: spec_type(&f.ty, models, named, labels)
                    .map_err(|e| format!("{}:{}: {}.{}: {e}", labels.models, f.line, model.name, f.py))?,
                required: f.required,
            })
        })
        .collect()
}

/// The spec spelling of a Python type; model classes are recorded in `named` (spec name → class).
fn spec_type(
    ty: &PyType,
    models: &Models,
    named: &mut BTreeMap<String, String>,
    labels: &Labels<'_>,
) -> Result<String, String> {
    Ok(match ty {
        PyType::Str => "string".to_owned(),
        PyType::Int => "i64".to_owned(),
        PyType::Bool => "bool".to_owned(),
        PyType::Float => "f64".to_owned(),
        PyType::Json | PyType::Dict(..) => "json".to_owned(),
        PyType::List(inner) => format!("list<{}>", spec_type(inner, models, named, labels)?),
        PyType::Model(class) => {
            if !models.contains_key(class) {
                return Err(format!("the type `{class}` is not a class of {}", labels.models));
            }
            let spec_name = upper_camel(class);
            match named.get(&spec_name) {
                Some(other) if other != class => {
                    return Err(format!("the classes `{other}` and `{class}` would both be named `{spec_name}`"));
                }
                Some(_) => {}
                None => {
                    named.insert(spec_name.clone(), class.clone());
                }
            }
            spec_name
        }
        PyType::Binary => return Err("uses `BinaryIO`".to_owned()),
        PyType::Bytes => return Err("uses `bytes`".to_owned()),
        PyType::Unsupported(text) => return Err(format!("cannot map the Python type `{text}`")),
    })
}

/// `BinaryIO` or `bytes` anywhere in `ty`, through model classes: the kind, and the model field
/// that holds it.
fn binary<'m>(
    ty: &PyType,
    models: &'m Models,
    seen: &mut BTreeSet<String>,
) -> Option<(&'static str, &'m Model, &'m ModelField)> {
    match ty {
        PyType::List(inner) => binary(inner, models, seen),
        PyType::Dict(k, v) => binary(k, models, seen).or_else(|| binary(v, models, seen)),
        PyType::Model(class) => {
            if !seen.insert(class.clone()) {
                return None;
            }
            let model = models.get(class)?;
            model.fields.iter().find_map(|f| match direct_binary(&f.ty) {
                Some(kind) => Some((kind, model, f)),
                None => binary(&f.ty, models, seen),
            })
        }
        _ => None,
    }
}

/// `BinaryIO` or `bytes` in `ty` itself, not through model classes.
fn direct_binary(ty: &PyType) -> Option<&'static str> {
    match ty {
        PyType::Binary => Some("BinaryIO"),
        PyType::Bytes => Some("bytes"),
        PyType::List(inner) => direct_binary(inner),
        PyType::Dict(k, v) => direct_binary(k).or_else(|| direct_binary(v)),
        _ => None,
    }
}

/// `rust_name` when the snake_case of the wire name is not the Python name (and that is usable).
fn rust_name(wire: &str, py: &str) -> Option<String> {
    (snake(wire) != py && is_snake_ident(py)).then(|| py.to_owned())
}

/// `union_id` → `unionId`: the wire name of a path argument (the package keeps only the Python name).
fn lower_camel(py: &str) -> String {
    let mut out = String::with_capacity(py.len());
    for (i, part) in py.split('_').filter(|p| !p.is_empty()).enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    if out.is_empty() { py.to_owned() } else { out }
}

/// "GetUser" → "Get user.": the words of the name, the first capitalised, then a period.
fn summary(name: &str) -> String {
    let words = snake(name);
    let mut words = words.split('_').filter(|w| !w.is_empty());
    let mut out = String::new();
    if let Some(first) = words.next() {
        let mut chars = first.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    for w in words {
        out.push(' ');
        out.push_str(w);
    }
    out.push('.');
    out
}

// ---------------------------------------------------------------------------------------------
// YAML

/// The file of a group's types that several operations use.
const SHARED_TYPES_FILE: &str = "types.yaml";

fn render_shared_types(types: &BTreeMap<String, Vec<Field>>, group: &str, version: &str) -> String {
    let mut s = String::with_capacity(1024);
    let _ = writeln!(s, "{HEADER} from {DISTRIBUTION} {version} ({group}/models.py, models several operations use).");
    s.push_str("# Facts only: names, types and required flags. Do not edit by hand; re-import.\n");
    let _ = writeln!(s, "group: {}", scalar(group));
    s.push_str("types:\n");
    render_types(&mut s, types, 2);
    s
}

fn render_types(s: &mut String, types: &BTreeMap<String, Vec<Field>>, indent: usize) {
    let pad = " ".repeat(indent);
    for (name, fields) in types {
        let _ = writeln!(s, "{pad}{}:", scalar(name));
        if fields.is_empty() {
            let _ = writeln!(s, "{pad}  fields: []");
        } else {
            let _ = writeln!(s, "{pad}  fields:");
            render_fields(s, fields, indent + 4);
        }
    }
}

fn render(op: &Operation, group: &str, version: &str) -> String {
    let mut s = String::with_capacity(1024);
    let action: String = op.action.chars().filter(|c| !c.is_control()).collect();
    let _ = writeln!(s, "{HEADER} from {DISTRIBUTION} {version} ({group}/client.py, action {action}).");
    s.push_str(
        "# Facts only: names, paths, methods, parameters, types and required flags. Do not edit by hand; re-import.\n",
    );
    s.push_str("operation:\n");
    let source = format!("{DISTRIBUTION} {version}");
    for (key, value) in [
        ("name", op.name.as_str()),
        ("group", group),
        ("service", "api"),
        ("source", &source),
        ("summary", &summary(&op.name)),
        ("method", &op.method),
        ("path", &op.path),
        ("encoding", op.encoding),
        ("auth", op.auth),
        ("retry_safe", if op.method == "GET" { "true" } else { "false" }),
    ] {
        let value = if key == "retry_safe" { value.to_owned() } else { scalar(value) };
        let _ = writeln!(s, "  {key}: {value}");
    }
    if op.response_value {
        s.push_str("  response_value: true\n");
    }
    for (key, fields) in [
        ("path_params", &op.path_params),
        ("query", &op.query),
        ("headers", &op.headers),
        ("body", &op.body),
        ("response", &op.response),
    ] {
        if !fields.is_empty() {
            let _ = writeln!(s, "  {key}:");
            render_fields(&mut s, fields, 4);
        } else if key == "response" {
            // The one list the spec requires: an operation whose response has no body says so.
            s.push_str("  response: []\n");
        }
    }
    if let Some(p) = &op.pagination {
        s.push_str("  pagination:\n    style: token\n");
        let size = p.size.as_ref().map(|s| ("size", s));
        let has_more = p.has_more.as_ref().map(|h| ("has_more", h));
        for (key, value) in std::iter::once(("token", &p.token))
            .chain(size)
            .chain([("items", &p.items), ("next_token", &p.next_token)])
            .chain(has_more)
        {
            let _ = writeln!(s, "    {key}: {}", scalar(value));
        }
        if let Some(first) = p.first {
            let _ = writeln!(s, "    first: {first}");
        }
    }
    if !op.types.is_empty() {
        s.push_str("  types:\n");
        render_types(&mut s, &op.types, 4);
    }
    s
}

fn render_fields(s: &mut String, fields: &[Field], indent: usize) {
    let pad = " ".repeat(indent);
    for f in fields {
        let _ = writeln!(s, "{pad}- name: {}", scalar(&f.name));
        // A Rust name that would be a method of the generated request builder gets a suffix.
        let rust = f.rust_name.clone().unwrap_or_else(|| snake(&f.name));
        if RESERVED_RUST_NAMES.contains(&rust.as_str()) {
            let _ = writeln!(s, "{pad}  rust_name: {rust}_value");
        } else if let Some(rust) = &f.rust_name {
            let _ = writeln!(s, "{pad}  rust_name: {}", scalar(rust));
        }
        let _ = writeln!(s, "{pad}  type: {}", scalar(&f.ty));
        if f.required {
            let _ = writeln!(s, "{pad}  required: true");
        }
        if f.ty == "string" && is_secret_name(&f.name) {
            let _ = writeln!(s, "{pad}  secret: true");
        }
    }
}

/// Rust names the generated code already uses on a request and its operation's builder, and the
/// methods of the traits every generated type derives (a setter of that name would shadow them).
const RESERVED_RUST_NAMES: &[&str] = &[
    "new",
    "request",
    "set_request",
    "send",
    "with_options",
    "from_request",
    "into_paginator",
    "collect_all",
    "default",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
];

/// Whether a string field carries a credential, by its name (`appSecret`, `accessToken`,
/// `suiteTicket`, `password`): such fields are marked `secret` and never logged or shown.
fn is_secret_name(wire: &str) -> bool {
    let lower = wire.to_ascii_lowercase();
    ["secret", "password", "accesstoken", "refreshtoken", "ticket"].iter().any(|w| lower.contains(w))
}

/// A YAML scalar: plain when that reads back as the same string, else double-quoted.
pub fn scalar(text: &str) -> String {
    const SPECIAL: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"];
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '/')
        && !text.ends_with(' ')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || " _-./{}<>".contains(c))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(text));
    if plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_and_map() {
        assert_eq!(
            parse_type("List[Dict[str, Any]]"),
            PyType::List(Box::new(PyType::Dict(Box::new(PyType::Str), Box::new(PyType::Json))))
        );
        assert_eq!(parse_type("List['Foo']"), PyType::List(Box::new(PyType::Model("Foo".into()))));
        assert_eq!(parse_type("m.GetUserRequest"), PyType::Model("GetUserRequest".into()));
        assert_eq!(parse_type("Optional[str"), PyType::Unsupported("Optional[str".into()));
    }

    #[test]
    fn names() {
        assert_eq!(summary("GetUser"), "Get user.");
        assert_eq!(summary("ListContactHideSettings"), "List contact hide settings.");
        assert_eq!(lower_camel("union_id"), "unionId");
        assert_eq!(lower_camel("sheet_id_or_name"), "sheetIdOrName");
        assert_eq!(lower_camel("userid"), "userid");
        assert_eq!(rust_name("unionId", "union_id"), None);
        assert_eq!(rust_name("OAUserId", "oauser_id"), Some("oauser_id".into()));
    }

    fn field(name: &str, ty: &str, required: bool) -> Field {
        Field { name: name.to_owned(), rust_name: None, ty: ty.to_owned(), required }
    }

    #[test]
    fn token_pagination_is_inferred_where_a_token_goes_in_and_comes_out() {
        let query = [field("nextToken", "string", false), field("maxResults", "i64", false)];
        let top = [field("list", "list<Item>", false), field("nextToken", "string", false)];
        let found = infer_pagination(&query, &[], &top, &BTreeMap::new()).unwrap().unwrap();
        assert_eq!(
            found,
            TokenPages {
                token: "nextToken".into(),
                size: Some("maxResults".into()),
                items: "list".into(),
                next_token: "nextToken".into(),
                has_more: None,
                first: None,
            }
        );

        // Inside one object field, with `hasMore`; a required integer cursor starts at 0.
        let body = [field("cursor", "i64", true), field("pageSize", "i64", false)];
        let nested = [field("result", "Page", false)];
        let types = BTreeMap::from([(
            "Page".to_owned(),
            vec![
                field("values", "list<string>", false),
                field("nextCursor", "i64", false),
                field("hasMore", "bool", false),
            ],
        )]);
        let found = infer_pagination(&[], &body, &nested, &types).unwrap().unwrap();
        assert_eq!(
            (found.items.as_str(), found.next_token.as_str(), found.has_more.as_deref(), found.first),
            ("result.values", "result.nextCursor", Some("result.hasMore"), Some(0))
        );

        // Not a token walk: no token in, or none out.
        assert_eq!(infer_pagination(&[field("maxResults", "i64", false)], &[], &top, &BTreeMap::new()), Ok(None));
        assert_eq!(infer_pagination(&query, &[], &[field("list", "list<Item>", false)], &BTreeMap::new()), Ok(None));

        // A walk that cannot be described says why.
        let two =
            [field("a", "list<string>", false), field("b", "list<string>", false), field("nextToken", "string", false)];
        let why = infer_pagination(&query, &[], &two, &BTreeMap::new()).unwrap_err();
        assert!(why.contains("beside 2 lists (`a`, `b`)"), "{why}");
        let why = infer_pagination(&[field("nextToken", "string", true)], &[], &top, &BTreeMap::new()).unwrap_err();
        assert!(why.contains("required text"), "{why}");
        let sizeless = infer_pagination(&[field("nextToken", "string", false)], &[], &top, &BTreeMap::new());
        assert_eq!(sizeless.unwrap().unwrap().size, None, "the server picks the page size");
    }

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        assert_eq!(scalar("unionId"), "unionId");
        assert_eq!(scalar("/v1.0/contact/users/{unionId}"), "/v1.0/contact/users/{unionId}");
        assert_eq!(scalar("Get user."), "Get user.");
        assert_eq!(scalar("list<Foo>"), "list<Foo>");
        assert_eq!(scalar("No"), "\"No\"");
        assert_eq!(scalar("2fa"), "\"2fa\"");
        assert_eq!(scalar("a:b"), "\"a:b\"");
        assert_eq!(scalar("x-acs-dingtalk-access-token"), "x-acs-dingtalk-access-token");
        assert_eq!(scalar("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(scalar(""), "\"\"");
    }
}
