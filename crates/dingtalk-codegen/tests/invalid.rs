//! The invalid-spec corpus: every file `tests/invalid/*.yaml` (except `_*.yaml` helpers) is
//! one broken spec file, loaded together with the shared `_service.yaml`. Its header says
//! what `load` must report:
//!
//! ```text
//! # expect: LINE:COLUMN substring of the message      (a diagnostic in the case file)
//! # expect: FILE:LINE:COLUMN substring                (in another file of tests/invalid/)
//! # with: _other.yaml                                 (load this helper file too)
//! # service: none                                     (the case is itself the service file)
//! ```
//!
//! A case passes when `load` fails with exactly the expected diagnostics: one per `expect`
//! line, at that place, with that text in the message, and no others.
//!
//! Cases that cannot be written as a small text file (invalid UTF-8, a 50 MB file, generated
//! alias bombs) are the functions further down.

mod common;

use std::time::{Duration, Instant};

use dingtalk_codegen::yaml::{MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES};
use dingtalk_codegen::{Diagnostic, Source, Spec, generate, load};

const CORPUS: &str = "tests/invalid";

#[derive(Debug)]
struct Expect {
    path: String,
    line: usize,
    column: usize,
    needle: String,
}

struct Case {
    path: String,
    bytes: Vec<u8>,
    expects: Vec<Expect>,
    with: Vec<String>,
    shared_service: bool,
}

fn corpus_path(file: &str) -> String {
    format!("{CORPUS}/{file}")
}

fn read_corpus_file(file: &str) -> Source {
    let path = corpus_path(file);
    let bytes = std::fs::read(common::crate_dir().join(&path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    Source::new(path, bytes)
}

/// Parses the `# expect:` / `# with:` / `# service:` header of a case.
fn read_case(file: &str) -> Case {
    let source = read_corpus_file(file);
    let text = String::from_utf8_lossy(&source.bytes).into_owned();
    let mut case = Case {
        path: source.path.clone(),
        bytes: source.bytes,
        expects: Vec::new(),
        with: Vec::new(),
        shared_service: true,
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# expect:") {
            let rest = rest.trim();
            let (place, needle) = rest.split_once(' ').unwrap_or_else(|| panic!("{file}: `# expect: L:C text`"));
            let mut parts: Vec<&str> = place.rsplitn(3, ':').collect();
            parts.reverse();
            let (path, line, column) = match parts.as_slice() {
                [path, line, column] => (corpus_path(path), *line, *column),
                [line, column] => (case.path.clone(), *line, *column),
                _ => panic!("{file}: bad place `{place}` in an expect line"),
            };
            case.expects.push(Expect {
                path,
                line: line.parse().unwrap_or_else(|_| panic!("{file}: bad line in `{place}`")),
                column: column.parse().unwrap_or_else(|_| panic!("{file}: bad column in `{place}`")),
                needle: needle.trim().to_owned(),
            });
        } else if let Some(rest) = line.strip_prefix("# with:") {
            case.with.push(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("# service:") {
            assert_eq!(rest.trim(), "none", "{file}: the only `# service:` directive is `none`");
            case.shared_service = false;
        }
    }
    case
}

/// The case files of the corpus, sorted.
fn case_files() -> Vec<String> {
    let dir = common::crate_dir().join(CORPUS);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") && !name.starts_with('_'))
        .collect();
    files.sort();
    files
}

/// Loads a case: the shared service (unless `# service: none`), its helper files, then the case.
fn load_case(case: &Case) -> Result<Spec, Vec<Diagnostic>> {
    let mut sources = Vec::new();
    if case.shared_service {
        sources.push(read_corpus_file("_service.yaml"));
    }
    sources.extend(case.with.iter().map(|f| read_corpus_file(f)));
    sources.push(Source::new(case.path.clone(), case.bytes.clone()));
    load(&sources)
}

/// Matches each expectation with one diagnostic; `Err` describes what did not match.
fn check_case(case: &Case) -> Result<(), String> {
    if case.expects.is_empty() {
        return Err(format!("{}: no `# expect:` line; every case must say what it expects", case.path));
    }
    let diags = match load_case(case) {
        Ok(_) => return Err(format!("{}: loaded without any problem, expected:\n{:#?}", case.path, case.expects)),
        Err(diags) => diags,
    };
    let mut unmatched: Vec<&Diagnostic> = diags.iter().collect();
    let mut missing = Vec::new();
    for e in &case.expects {
        let found = unmatched.iter().position(|d| {
            d.loc.path == e.path && d.loc.line == e.line && d.loc.column == e.column && d.message.contains(&e.needle)
        });
        match found {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(format!("  {}:{}:{}: …{}…", e.path, e.line, e.column, e.needle)),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let unexpected: Vec<Diagnostic> = unmatched.into_iter().cloned().collect();
    Err(format!(
        "{}:\n expected but not reported:\n{}\n reported but not expected:\n{}\n all diagnostics:\n{}",
        case.path,
        if missing.is_empty() { "  (none)".to_owned() } else { missing.join("\n") },
        common::show(&unexpected),
        common::show(&diags)
    ))
}

#[test]
fn corpus_baseline_is_valid() {
    let sources = [read_corpus_file("_service.yaml"), read_corpus_file("_ok.yaml")];
    if let Err(diags) = load(&sources) {
        panic!("the corpus baseline must load cleanly:\n{}", common::show(&diags));
    }
    let types = [read_corpus_file("_service.yaml"), read_corpus_file("_types_label.yaml")];
    let err = load(&types).expect_err("an unused shared type is reported");
    assert_eq!(err.len(), 1, "{}", common::show(&err));
    assert!(err[0].message.contains("type `Label` is never used"), "{}", common::show(&err));
}

#[test]
fn every_invalid_case_reports_exactly_its_diagnostics() {
    let files = case_files();
    assert!(files.len() >= 30, "the corpus should hold at least 30 cases, found {}", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| check_case(&read_case(f)).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
}

#[test]
fn one_run_reports_several_problems() {
    let case = read_case("three_mistakes.yaml");
    let diags = load_case(&case).expect_err("three mistakes");
    assert_eq!(diags.len(), 3, "{}", common::show(&diags));
    let lines: std::collections::BTreeSet<usize> = diags.iter().map(|d| d.loc.line).collect();
    assert_eq!(lines.len(), 3, "three different places:\n{}", common::show(&diags));

    // Problems in different files are all reported too, sorted by file.
    let sources = [
        read_corpus_file("_service.yaml"),
        read_corpus_file("wrong_type_bool.yaml"),
        read_corpus_file("types_without_group.yaml"),
        read_corpus_file("empty_file.yaml"),
    ];
    let diags = load(&sources).expect_err("three broken files");
    let paths: Vec<&str> = diags.iter().map(|d| d.loc.path.as_str()).collect();
    assert_eq!(
        paths,
        [corpus_path("empty_file.yaml"), corpus_path("types_without_group.yaml"), corpus_path("wrong_type_bool.yaml")],
        "{}",
        common::show(&diags)
    );
}

fn minimal_operation(body: &str) -> String {
    format!(
        "operation:\n  name: Ping\n  group: test\n  summary: Ping the server.\n  method: POST\n  path: /ping\n  \
         encoding: json\n  auth: access_token\n  retry_safe: true\n{body}"
    )
}

fn with_service(path: &str, bytes: impl Into<Vec<u8>>) -> Vec<Source> {
    vec![read_corpus_file("_service.yaml"), Source::new(path, bytes)]
}

fn single_error(sources: &[Source]) -> Diagnostic {
    let diags = load(sources).expect_err("the input is invalid");
    assert_eq!(diags.len(), 1, "exactly one problem expected:\n{}", common::show(&diags));
    diags.into_iter().next().expect("one")
}

#[test]
fn keyword_wire_name_is_accepted_and_escaped() {
    let yaml = minimal_operation(
        "  body:\n    - name: type\n      type: i64\n    - name: userId\n      type: string\n  response:\n    \
         - name: type\n      type: string\n    - name: match\n      type: bool\n",
    );
    let spec = match load(&with_service("keyword.yaml", yaml)) {
        Ok(spec) => spec,
        Err(diags) => panic!("a keyword wire name must be accepted:\n{}", common::show(&diags)),
    };
    let files = generate(&spec);
    let ping = files.iter().find(|f| f.path == "test/ping.rs").expect("test/ping.rs is generated");
    let code = &ping.contents;
    assert!(code.contains("pub r#type: Option<i64>,"), "{code}");
    assert!(code.contains("pub r#type: Option<String>,"), "{code}");
    assert!(code.contains("pub r#match: Option<bool>,"), "{code}");
    // The setters (`.r#type(…)`) come from `rt::Setters`; dingtalk-fixtures calls one.
    assert!(code.contains("Wire, Setters)]"), "{code}");
    // `rt::Wire` strips `r#` (as serde does), so the field already has its wire name: no rename.
    assert!(!code.contains("rename = \"type\""), "{code}");
    assert!(!code.contains("rename = \"match\""), "{code}");
    // A camelCase wire name does need one: here one `rename_all` for the whole struct, since
    // every field's wire name is the camelCase of its Rust name.
    assert!(code.contains("#[wire(rename_all = \"camelCase\")]"), "{code}");
    assert!(!code.contains("rename = \"userId\""), "{code}");
    assert!(code.contains("pub user_id: Option<String>,"), "{code}");
    syn::parse_file(code).expect("generated code parses");
}

#[test]
fn invalid_utf8_is_reported_at_the_bad_byte() {
    let mut bytes = minimal_operation("").into_bytes();
    let at = bytes.len();
    // Line 10, after two spaces and the three characters of `héé` (5 bytes): column 6.
    bytes.extend_from_slice("  héé".as_bytes());
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b": 1\n");
    assert_eq!(bytes[..at].iter().filter(|&&b| b == b'\n').count(), 9);
    let d = single_error(&with_service("utf8.yaml", bytes));
    assert_eq!((d.loc.path.as_str(), d.loc.line, d.loc.column), ("utf8.yaml", 10, 6), "{d}");
    assert!(d.message.contains("invalid UTF-8 (byte 0xff)"), "{d}");

    // A multi-byte sequence cut off by the end of the file.
    let d = single_error(&with_service("cut.yaml", b"operation:\n  name: \xe4\xbd".to_vec()));
    assert_eq!((d.loc.line, d.loc.column), (2, 9), "{d}");
    assert!(d.message.contains("invalid UTF-8 (byte 0xe4)"), "{d}");

    // A UTF-16 file (byte-order mark first).
    let d = single_error(&with_service("utf16.yaml", b"\xff\xfeo\0p\0".to_vec()));
    assert_eq!((d.loc.line, d.loc.column), (1, 1), "{d}");
}

#[test]
fn empty_and_blank_files_are_reported() {
    for bytes in [&b""[..], b"\n\n", b"   \n", b"# only a comment\n", b"...\n"] {
        let d = single_error(&with_service("empty.yaml", bytes.to_vec()));
        assert_eq!((d.loc.line, d.loc.column), (1, 1), "{:?}: {d}", String::from_utf8_lossy(bytes));
        assert!(d.message.contains("the file is empty"), "{:?}: {d}", String::from_utf8_lossy(bytes));
    }
    // A document that is empty or `null` is there, but not a mapping.
    for (bytes, line) in [(&b"~\n"[..], 1), (b"---\n", 2), (b"--- # nothing\n...\n", 2)] {
        let d = single_error(&with_service("null.yaml", bytes.to_vec()));
        assert!(d.message.contains("the file must be a mapping (`key: value` lines), found null"), "{d}");
        assert_eq!((d.loc.line, d.loc.column), (line, 1), "{d}");
    }
}

#[test]
fn no_service_file_is_reported() {
    let d = single_error(&[read_corpus_file("_ok.yaml")]);
    assert_eq!((d.loc.path.as_str(), d.loc.line, d.loc.column), ("tests/invalid/_ok.yaml", 1, 1), "{d}");
    assert!(d.message.contains("no `service:` file found"), "{d}");
    let d = single_error(&[]);
    assert!(d.message.contains("no `service:` file found"), "{d}");
}

#[test]
fn huge_file_is_refused_by_size_before_parsing() {
    // 50 MB of valid YAML: parsing it would take many seconds (and a lot of memory) in a test build.
    let line = b"key_with_some_length: a value that is long enough to matter\n";
    let mut bytes = Vec::with_capacity(50 * 1024 * 1024 + line.len());
    while bytes.len() < 50 * 1024 * 1024 {
        bytes.extend_from_slice(line);
    }
    let size = bytes.len();
    let sources = with_service("huge.yaml", bytes);
    let start = Instant::now();
    let d = single_error(&sources);
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_millis(500), "a huge file must be refused at once, took {elapsed:?}");
    assert_eq!((d.loc.path.as_str(), d.loc.line, d.loc.column), ("huge.yaml", 1, 1), "{d}");
    assert!(
        d.message.contains(&format!("file is {size} bytes; a spec file may be at most {MAX_FILE_BYTES} bytes")),
        "{d}"
    );
}

#[test]
fn size_limit_is_exact() {
    // A valid operation file padded with a comment to exactly the limit loads; one byte more does not.
    let mut op = read_corpus_file("_ok.yaml").bytes;
    op.extend_from_slice(b"# ");
    op.resize(MAX_FILE_BYTES - 1, b'x');
    op.push(b'\n');
    assert_eq!(op.len(), MAX_FILE_BYTES);
    if let Err(diags) = load(&with_service("padded.yaml", op.clone())) {
        panic!("a file of exactly {MAX_FILE_BYTES} bytes is allowed:\n{}", common::show(&diags));
    }
    op.insert(op.len() - 1, b'x');
    let d = single_error(&with_service("padded.yaml", op));
    assert!(d.message.contains(&format!("file is {} bytes", MAX_FILE_BYTES + 1)), "{d}");
}

#[test]
fn alias_bomb_is_refused_without_expansion() {
    // 40 levels of 10 aliases each would expand to 10^40 values.
    let mut text = String::from(
        "l0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for level in 1..40 {
        let prev = format!("*l{}", level - 1);
        text.push_str(&format!("l{level}: &l{level} [{}]\n", vec![prev; 10].join(", ")));
    }
    let start = Instant::now();
    let diags = load(&with_service("bomb.yaml", text)).expect_err("an alias bomb is refused");
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_millis(500), "refusing an alias bomb must not expand it, took {elapsed:?}");
    assert!(diags.len() <= 3, "reading stops at the first alias:\n{}", common::show(&diags));
    let alias = diags.iter().find(|d| d.message.contains("aliases (`*name`) are not allowed")).expect("alias reported");
    assert_eq!((alias.loc.line, alias.loc.column), (2, 10), "{alias}");
    assert!(diags.iter().any(|d| d.message.contains("anchors (`&name`) are not allowed")), "{}", common::show(&diags));
}

#[test]
fn deep_nesting_is_refused() {
    // Flow style, far deeper than the limit: one diagnostic, at once. (The parser's own
    // recursion limit may stop the scan before the tree builder's depth limit is reached.)
    let text = format!("operation: {}", "[".repeat(100_000));
    let start = Instant::now();
    let d = single_error(&with_service("deep.yaml", text));
    assert!(start.elapsed() < Duration::from_millis(500), "took {:?}", start.elapsed());
    assert!(d.message.contains("nesting deeper than") || d.message.contains("recursion limit exceeded"), "{d}");
    assert_eq!(d.loc.line, 1, "{d}");

    // Block style: mappings nested one indentation deeper per line.
    let mut text = String::new();
    for depth in 0..MAX_DEPTH + 5 {
        text.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
    }
    let d = single_error(&with_service("deep_block.yaml", text));
    assert!(d.message.contains("nesting deeper than"), "{d}");
    assert_eq!(d.loc.line, MAX_DEPTH + 1, "{d}");
}

#[test]
fn too_many_values_are_refused() {
    let text = format!("operation: [{}]\n", vec!["0"; MAX_NODES + 10].join(","));
    assert!(text.len() < MAX_FILE_BYTES);
    let d = single_error(&with_service("many.yaml", text));
    assert!(d.message.contains(&format!("more than {MAX_NODES} YAML values in one file")), "{d}");
}
