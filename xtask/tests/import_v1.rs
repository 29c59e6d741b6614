//! `cargo xtask import-v1` on a small package shaped like the official one:
//! `fixtures/import_v1/alibabacloud_dingtalk/demo_1_0/`, five operations copied (and trimmed) from
//! alibabacloud_dingtalk 2.2.65: GetUser (GET, path argument, no request), AddAccountMapping (POST,
//! body, required flags), BatchGetUser (the Shrink pattern), AlignObjective (a `BinaryIO` field in
//! the response) and UpdateGroupSet (a `bool` response body).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::import_v1::{ImportReport, import};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import_v1")
}

fn demo() -> Vec<String> {
    vec!["demo_1_0".to_owned()]
}

fn run(package: &Path, out: &Path) -> ImportReport {
    import(package, &demo(), out).unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

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

/// A copy of the fixture package whose `demo_1_0/<file>` is edited by `edit`.
fn edited_package(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("alibabacloud_dingtalk/demo_1_0").join(file);
    let edited = edit(read(&path));
    std::fs::write(&path, edited).unwrap();
    dir
}

/// The 1-based number of the first line of `text` equal to `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines().position(|l| l == line).unwrap_or_else(|| panic!("no line `{line}`")) + 1
}

const GET_USER: &str = "\
# Imported by `cargo xtask import-v1` from alibabacloud-dingtalk 2.2.65 (demo_1_0/client.py, action GetUser).
# Facts only: names, paths, methods, parameters, types and required flags. Do not edit by hand; re-import.
operation:
  name: GetUser
  group: demo_1_0
  service: api
  source: alibabacloud-dingtalk 2.2.65
  summary: Get user.
  method: GET
  path: /v1.0/contact/users/{unionId}
  encoding: query
  auth: access_token
  retry_safe: true
  path_params:
    - name: unionId
      type: string
      required: true
  response:
    - name: avatarUrl
      type: string
    - name: email
      type: string
    - name: loginEmail
      type: string
    - name: mobile
      type: string
    - name: nick
      type: string
    - name: openId
      type: string
    - name: stateCode
      type: string
    - name: unionId
      type: string
    - name: visitor
      type: bool
";

const ADD_ACCOUNT_MAPPING: &str = "\
# Imported by `cargo xtask import-v1` from alibabacloud-dingtalk 2.2.65 (demo_1_0/client.py, action AddAccountMapping).
# Facts only: names, paths, methods, parameters, types and required flags. Do not edit by hand; re-import.
operation:
  name: AddAccountMapping
  group: demo_1_0
  service: api
  source: alibabacloud-dingtalk 2.2.65
  summary: Add account mapping.
  method: POST
  path: /v1.0/contact/accountMappings
  encoding: json
  auth: access_token
  retry_safe: false
  body:
    - name: domain
      type: string
      required: true
    - name: extension
      type: json
    - name: outId
      type: string
      required: true
    - name: outTenantId
      type: string
      required: true
    - name: userId
      type: string
      required: true
  response:
    - name: result
      type: bool
      required: true
";

#[test]
fn a_get_with_a_path_argument_is_imported_exactly() {
    let out = tempfile::tempdir().unwrap();
    run(&fixture(), out.path());
    assert_eq!(read(&out.path().join("demo_1_0/get_user.yaml")), GET_USER);
}

#[test]
fn a_post_with_a_body_is_imported_exactly_with_its_required_flags() {
    let out = tempfile::tempdir().unwrap();
    run(&fixture(), out.path());
    assert_eq!(read(&out.path().join("demo_1_0/add_account_mapping.yaml")), ADD_ACCOUNT_MAPPING);
}

#[test]
fn a_shrink_field_is_the_original_field_with_its_original_type() {
    let out = tempfile::tempdir().unwrap();
    run(&fixture(), out.path());
    let text = read(&out.path().join("demo_1_0/batch_get_user.yaml"));
    assert!(!text.contains("shrink"), "{text}");
    // `query['userIdList'] = request.user_id_list_shrink` is `tmp_req.user_id_list: List[str]`, required.
    let query = "  query:
    - name: permissionCode
      type: string
    - name: userIdList
      type: list<string>
      required: true
  response:
";
    assert!(text.contains(query), "{text}");
    // A nested response model becomes a named type; a wire name in snake_case stays as it is.
    let types = "  types:
    BatchGetUserResponseBodyUserList:
      fields:
        - name: avatar
          type: string
        - name: job_number
          type: string
";
    assert!(text.contains("      type: list<BatchGetUserResponseBodyUserList>\n"), "{text}");
    assert!(text.contains(types), "{text}");
    assert!(text.contains("  encoding: query\n  auth: access_token\n  retry_safe: true\n"), "{text}");
}

#[test]
fn file_uploads_are_skipped_and_reported_and_a_body_that_is_one_value_is_a_response_value() {
    let out = tempfile::tempdir().unwrap();
    let report = run(&fixture(), out.path());
    assert_eq!(report.imported, 4);
    assert_eq!(report.groups, demo());
    assert_eq!(report.version, "2.2.65");
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].starts_with("skipped demo_1_0 AlignObjective: demo_1_0/models.py:")
            && skipped[0].contains("AlignObjectiveResponseBodyData.align_id is `BinaryIO`"),
        "{skipped:?}"
    );
    let files: Vec<String> = tree(out.path()).into_keys().collect();
    assert_eq!(
        files,
        [
            "demo_1_0/add_account_mapping.yaml",
            "demo_1_0/batch_get_user.yaml",
            "demo_1_0/get_user.yaml",
            "demo_1_0/update_group_set.yaml"
        ]
    );
    let update = read(&out.path().join("demo_1_0/update_group_set.yaml"));
    assert!(update.contains("  response_value: true\n"), "{update}");
    assert!(update.contains("  response:\n    - name: value\n      type: bool\n"), "{update}");
    let summary = report.summary();
    assert!(summary.starts_with("imported 4 operations in 1 groups (1 skipped) in "), "{summary}");
    assert!(summary.ends_with('s'), "{summary}");
}

#[test]
fn no_prose_of_the_package_is_copied() {
    let out = tempfile::tempdir().unwrap();
    run(&fixture(), out.path());
    for (path, bytes) in tree(out.path()) {
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.is_ascii(), "{path} holds non-ASCII text (the package's summaries are Chinese)");
        assert!(!text.contains("@summary") && !text.contains("description"), "{path}");
    }
}

#[test]
fn the_import_is_deterministic_and_a_reimport_changes_nothing() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = run(&fixture(), a.path());
    run(&fixture(), b.path());
    assert_eq!(tree(a.path()), tree(b.path()));
    assert_eq!(first.written.len(), 4);

    let again = run(&fixture(), a.path());
    assert!(again.written.is_empty() && again.removed.is_empty(), "{again:?}");
    assert_eq!(tree(a.path()), tree(b.path()));
}

#[test]
fn stale_imported_files_are_deleted_and_other_files_kept() {
    let out = tempfile::tempdir().unwrap();
    let group = out.path().join("demo_1_0");
    std::fs::create_dir_all(&group).unwrap();
    let stale =
        "# Imported by `cargo xtask import-v1` from alibabacloud-dingtalk 2.2.64 (demo_1_0/client.py, action Gone).\n";
    std::fs::write(group.join("gone.yaml"), stale).unwrap();
    std::fs::write(group.join("types.yaml"), "# Written by hand.\ntypes: {}\n").unwrap();
    // A group that is not selected is not touched, imported or not.
    let other = out.path().join("other_1_0");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("kept.yaml"), stale).unwrap();

    let report = run(&fixture(), out.path());
    assert_eq!(report.removed, ["demo_1_0/gone.yaml"]);
    assert!(!group.join("gone.yaml").exists());
    assert_eq!(read(&group.join("types.yaml")), "# Written by hand.\ntypes: {}\n");
    assert!(other.join("kept.yaml").exists());
    assert!(group.join("get_user.yaml").exists());
}

#[test]
fn a_file_written_by_hand_is_never_overwritten() {
    let out = tempfile::tempdir().unwrap();
    let group = out.path().join("demo_1_0");
    std::fs::create_dir_all(&group).unwrap();
    std::fs::write(group.join("get_user.yaml"), "operation:\n  name: GetUser\n").unwrap();
    let err = import(&fixture(), &demo(), out.path()).unwrap_err();
    assert!(err.contains("get_user.yaml") && err.contains("not overwritten"), "{err}");
    assert_eq!(read(&group.join("get_user.yaml")), "operation:\n  name: GetUser\n");
    // Checked before anything is written.
    assert!(!group.join("add_account_mapping.yaml").exists());
}

#[test]
fn a_malformed_models_file_is_an_error_naming_file_and_line() {
    let mut line = 0;
    let package = edited_package("models.py", |text| {
        line = line_of(&text, "        out_tenant_id: str = None,");
        text.replacen("        out_tenant_id: str = None,", "        out_tenant_id str = None,", 1)
    });
    let out = tempfile::tempdir().unwrap();
    let err = import(package.path(), &demo(), out.path()).unwrap_err();
    assert_eq!(
        err,
        format!(
            "demo_1_0/models.py:{line}: cannot read the parameter `out_tenant_id str = None` of \
             AddAccountMappingRequest.__init__ (expected `name: Type = None`)"
        )
    );
    assert!(tree(out.path()).is_empty(), "nothing is written on an error");

    // A field that to_map() never writes has no wire name.
    let mut line = 0;
    let package = edited_package("models.py", |text| {
        line = line_of(&text, "        login_email: str = None,");
        text.replacen("            result['loginEmail'] = self.login_email\n", "            pass\n", 1)
    });
    let err = import(package.path(), &demo(), out.path()).unwrap_err();
    assert_eq!(
        err,
        format!(
            "demo_1_0/models.py:{line}: GetUserResponseBody.login_email is a parameter of __init__ but to_map() gives it no key"
        )
    );
}

#[test]
fn an_operation_that_cannot_be_read_is_skipped_with_its_line() {
    let mut line = 0;
    let package = edited_package("client.py", |text| {
        line = line_of(&text, "            body['outId'] = request.out_id");
        text.replacen("body['outId'] = request.out_id", "body['outId'] = request.out_id.strip()", 1)
    });
    let out = tempfile::tempdir().unwrap();
    let report = run(package.path(), out.path());
    assert_eq!(report.imported, 3);
    let skipped = report.skipped.iter().find(|s| s.action == "AddAccountMapping").expect("skipped");
    assert_eq!(
        skipped.reason,
        format!("demo_1_0/client.py:{line}: cannot read `body['outId'] = request.out_id.strip()`")
    );
}

#[test]
fn the_version_comes_from_the_dist_info_else_from_init_else_it_is_an_error() {
    // The package folder itself works as PACKAGE_DIR too.
    let out = tempfile::tempdir().unwrap();
    let report = run(&fixture().join("alibabacloud_dingtalk"), out.path());
    assert_eq!(report.version, "2.2.65");

    let package = edited_package("client.py", |t| t);
    let info = package.path().join("alibabacloud_dingtalk-9.9.9.dist-info");
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(
        info.join("METADATA"),
        "Metadata-Version: 2.1\nName: alibabacloud-dingtalk\nVersion: 9.9.9\n\nVersion: 1\n",
    )
    .unwrap();
    let report = run(package.path(), out.path());
    assert_eq!(report.version, "9.9.9");
    assert!(read(&out.path().join("demo_1_0/get_user.yaml")).contains("  source: alibabacloud-dingtalk 9.9.9\n"));

    std::fs::remove_dir_all(&info).unwrap();
    std::fs::write(package.path().join("alibabacloud_dingtalk/__init__.py"), "").unwrap();
    let err = import(package.path(), &demo(), out.path()).unwrap_err();
    assert!(err.starts_with("cannot tell the package version: no `Version:` line in "), "{err}");
}

#[test]
fn an_unknown_group_or_folder_is_an_error() {
    let out = tempfile::tempdir().unwrap();
    let err = import(&fixture(), &["nope_1_0".to_owned()], out.path()).unwrap_err();
    assert!(err.starts_with("no group `nope_1_0` in "), "{err}");
    let err = import(out.path(), &[], out.path()).unwrap_err();
    assert!(err.contains("neither the `alibabacloud_dingtalk` folder"), "{err}");
}

#[test]
fn the_subcommand_prints_skips_and_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("import-v1")
        .arg(fixture())
        .args(["--group", "demo_1_0", "--out"])
        .arg(out.path())
        .env("CARGO_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("skipped demo_1_0 AlignObjective: "), "{stderr}");
    assert!(lines[1].starts_with("imported 4 operations in 1 groups (1 skipped) in "), "{stderr}");
    assert_eq!(read(&out.path().join("demo_1_0/get_user.yaml")), GET_USER);
}

#[test]
fn two_operations_of_a_group_in_one_file_are_an_error() {
    let mut line = 0;
    let package = edited_package("client.py", |text| {
        line = line_of(&text, "    def batch_get_user_with_options(");
        text.replacen("action='BatchGetUser',", "action='GetUser',", 1)
    });
    let out = tempfile::tempdir().unwrap();
    let err = import(package.path(), &demo(), out.path()).unwrap_err();
    let first =
        line_of(&read(&fixture().join("alibabacloud_dingtalk/demo_1_0/client.py")), "    def get_user_with_options(");
    assert_eq!(
        err,
        format!(
            "demo_1_0/client.py:{first}: operation `GetUser` would be written to demo_1_0/get_user.yaml, as would \
             `GetUser` (client.py:{line}); two operations of one group cannot share a file"
        )
    );
}

/// What the importer writes is a spec the generator accepts: loaded beside the project's own
/// service files, it validates and generates, and credentials are marked secret.
#[test]
fn the_imported_files_pass_check_spec_and_generate() {
    let out = tempfile::tempdir().unwrap();
    let spec = out.path().join("spec");
    run(&fixture(), &spec);
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    for file in ["service.yaml", "service_api.yaml"] {
        std::fs::copy(project.join(file), spec.join(file)).unwrap();
    }
    let sources = xtask::read_sources(out.path(), &spec).unwrap();
    let loaded = dingtalk_codegen::load(&sources).unwrap_or_else(|diagnostics| {
        panic!("{}", diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
    });
    let ops: Vec<&str> = loaded.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(ops, ["AddAccountMapping", "BatchGetUser", "GetUser", "UpdateGroupSet"]);
    assert!(
        loaded
            .operations
            .iter()
            .all(|o| o.service == "api" && o.source.as_deref() == Some("alibabacloud-dingtalk 2.2.65"))
    );
    let files = dingtalk_codegen::generate(&loaded);
    assert!(
        files.iter().any(|f| f.path == "demo_1_0/get_user.rs"),
        "generated: {:?}",
        files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    let get_user = files.iter().find(|f| f.path == "demo_1_0/get_user.rs").unwrap();
    assert!(get_user.contents.contains("path: \"/v1.0/contact/users/{unionId}\""), "{}", get_user.contents);
    assert!(get_user.contents.contains("impl<C: Clone> super::Operations<C>"), "reached through its group");
}

#[test]
fn credentials_are_marked_secret() {
    let package = edited_package("models.py", |text| {
        text.replace("self.open_id = open_id", "self.open_id = open_id\n        self.app_secret = app_secret")
            .replace("open_id: str = None,", "open_id: str = None,\n        app_secret: str = None,")
            .replace("result['openId'] = self.open_id", "result['openId'] = self.open_id\n        if self.app_secret is not None:\n            result['appSecret'] = self.app_secret")
    });
    let out = tempfile::tempdir().unwrap();
    import(package.path(), &demo(), out.path()).unwrap();
    let text = read(&out.path().join("demo_1_0/get_user.yaml"));
    assert!(text.contains("- name: appSecret\n      type: string\n      secret: true"), "{text}");
    assert!(!text.contains("name: openId\n      type: string\n      secret"), "{text}");
}

#[test]
fn fields_named_like_builder_or_derived_trait_methods_get_a_suffix() {
    let package = edited_package("models.py", |text| {
        text.replace("self.open_id = open_id", "self.open_id = open_id\n        self.default = default\n        self.send = send")
            .replace("open_id: str = None,", "open_id: str = None,\n        default: bool = None,\n        send: str = None,")
            .replace(
                "result['openId'] = self.open_id",
                "result['openId'] = self.open_id\n        if self.default is not None:\n            result['default'] = self.default\n        if self.send is not None:\n            result['send'] = self.send",
            )
    });
    let out = tempfile::tempdir().unwrap();
    import(package.path(), &demo(), out.path()).unwrap();
    let text = read(&out.path().join("demo_1_0/get_user.yaml"));
    // `default()` would shadow `Default::default`; `send()` the request builder's `send`.
    assert!(text.contains("- name: default\n      rust_name: default_value\n      type: bool"), "{text}");
    assert!(text.contains("- name: send\n      rust_name: send_value\n      type: string"), "{text}");
}

/// The whole-package proof (not run in CI: the package is not checked in). Download and unpack
/// it, then run this with the folder in `ALIBABACLOUD_DINGTALK_DIR`:
///
/// ```text
/// pip download --no-deps alibabacloud-dingtalk==2.2.65 -d /tmp/pkg
/// unzip -q /tmp/pkg/alibabacloud_dingtalk-2.2.65-py3-none-any.whl -d /tmp/pkg/unpacked
/// ALIBABACLOUD_DINGTALK_DIR=/tmp/pkg/unpacked \
///     cargo test --release -p xtask --test import_v1 -- --ignored --nocapture whole_package
/// ```
///
/// Imports every group beside the project's spec, validates and generates the lot, and prints
/// the operation count and the seconds of each step (BENCHMARKS.md keeps the figures).
#[test]
#[ignore = "needs the unpacked alibabacloud-dingtalk package in ALIBABACLOUD_DINGTALK_DIR"]
fn whole_package_imports_validates_and_generates() {
    let package = std::env::var_os("ALIBABACLOUD_DINGTALK_DIR")
        .map(PathBuf::from)
        .expect("set ALIBABACLOUD_DINGTALK_DIR to the unpacked alibabacloud-dingtalk package");
    let out = tempfile::tempdir().unwrap();
    let spec = out.path().join("spec");
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    copy_dir(&project, &spec);

    let started = std::time::Instant::now();
    let groups: Vec<String> = Vec::new();
    let report = import(&package, &groups, &spec).unwrap_or_else(|e| panic!("import failed: {e}"));
    let imported = started.elapsed();

    let started = std::time::Instant::now();
    let sources = xtask::read_sources(out.path(), &spec).unwrap();
    let loaded = dingtalk_codegen::load(&sources).unwrap_or_else(|diagnostics| {
        let shown: Vec<String> = diagnostics.iter().take(20).map(|d| d.to_string()).collect();
        panic!("{} problems, first: {}", diagnostics.len(), shown.join("\n"))
    });
    let validated = started.elapsed();

    let started = std::time::Instant::now();
    let files = dingtalk_codegen::generate(&loaded);
    let generated = started.elapsed();
    let lines: usize = files.iter().map(|f| f.contents.lines().count()).sum();

    println!("{}", report.summary());
    println!(
        "whole package: {} operations ({} groups) imported in {:.2} s, read and validated in {:.2} s, \
         generated ({} files, {lines} lines) in {:.2} s; {:.2} s in all",
        loaded.operations.len(),
        dingtalk_codegen::model::Spec::groups(&loaded).len(),
        imported.as_secs_f64(),
        validated.as_secs_f64(),
        files.len(),
        generated.as_secs_f64(),
        (imported + validated + generated).as_secs_f64(),
    );
    assert!(loaded.operations.len() > 3000, "{} operations", loaded.operations.len());

    // Header parameters and whole-value bodies are imported, not skipped.
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert!(!skipped.iter().any(|s| s.contains("header") || s.contains("as a whole")), "{skipped:#?}");
    let headers = loaded.operations.iter().filter(|op| !op.headers.is_empty()).count();
    let value_bodies =
        loaded.operations.iter().filter(|op| op.encoding == dingtalk_codegen::model::Encoding::JsonValue).count();
    println!("{headers} operations with header parameters, {value_bodies} with a whole-value body");
    assert!(headers >= 50 && value_bodies >= 40, "{headers} with headers, {value_bodies} with whole-value bodies");

    // Token pagination: every list walked by token is paginated, or the report says why not.
    let paginated = loaded.operations.iter().filter(|op| op.service == "api" && op.pagination.is_some()).count();
    let unpaginated = report.notes.iter().filter(|n| n.contains("not paginated:")).count();
    println!(
        "token pagination: {paginated} operations paginated, {unpaginated} not (the report says why): {:.1} %",
        100.0 * paginated as f64 / (paginated + unpaginated).max(1) as f64
    );
    assert!(paginated * 10 >= (paginated + unpaginated) * 9, "at least 90 % paginated");
}

/// What the runtime would send wrongly is left out: an extra header it cannot send, a list in
/// the query written in another style than JSON text.
#[test]
fn non_json_query_lists_are_skipped_and_extra_headers_are_header_parameters() {
    let package = edited_package("client.py", |text| {
        let header = "            real_headers['x-acs-dingtalk-access-token'] = UtilClient.to_jsonstring(headers.x_acs_dingtalk_access_token)\n";
        let with_extra = format!(
            "{header}            real_headers['x-client-token'] = UtilClient.to_jsonstring(headers.x_client_token)\n"
        );
        text.replacen(header, &with_extra, 1)
            .replace("tmp_req.user_id_list, 'userIdList', 'json')", "tmp_req.user_id_list, 'userIdList', 'simple')")
    });
    // The headers model of the first operation (AddAccountMapping) declares the header.
    let models = package.path().join("alibabacloud_dingtalk/demo_1_0/models.py");
    let text = read(&models);
    let (before, class) = text.split_once("class AddAccountMappingHeaders(").expect("the class");
    let class = class
        .replacen(
            "        x_acs_dingtalk_access_token: str = None,\n    ):\n        self.common_headers = common_headers\n",
            "        x_acs_dingtalk_access_token: str = None,\n        x_client_token: str = None,\n    ):\n        self.common_headers = common_headers\n        self.x_client_token = x_client_token\n",
            1,
        )
        .replacen(
            "            result['x-acs-dingtalk-access-token'] = self.x_acs_dingtalk_access_token\n",
            "            result['x-acs-dingtalk-access-token'] = self.x_acs_dingtalk_access_token\n        if self.x_client_token is not None:\n            result['x-client-token'] = self.x_client_token\n",
            1,
        );
    std::fs::write(&models, format!("{before}class AddAccountMappingHeaders({class}")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = import(package.path(), &demo(), out.path()).unwrap();
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert!(!skipped.iter().any(|s| s.contains("AddAccountMapping")), "{skipped:?}");
    let file = read(&out.path().join("demo_1_0/add_account_mapping.yaml"));
    assert!(file.contains("  headers:\n    - name: x-client-token\n      type: string\n"), "{file}");
    assert!(
        skipped.iter().any(|s| s.contains("BatchGetUser") && s.contains("`userIdList` in the query in style `simple`")),
        "{skipped:?}"
    );
}
