//! `dingtalk call`: every operation in the spec, driven by its descriptor; no per-operation code.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use dingtalk_oapi::generated::OPERATIONS;
use dingtalk_oapi::{Client, OperationDescriptor, find_operation, parse_param_value};
use serde_json::{Map, Value, json};

use dingtalk_oapi::{ApiErrorCode, Error};

use crate::{Failure, Output, exit, output};

/// Maps a client error to the command's exit code and one line for stderr.
pub fn failure<C: ApiErrorCode>(e: Error<C>) -> Failure {
    let code = match &e {
        Error::Validation(_) => exit::USAGE,
        Error::Api(_) => exit::API,
        Error::Auth(a) if a.errcode.is_some() || a.code.is_some() => exit::API,
        _ => exit::TRANSPORT,
    };
    Failure { code, message: e.to_string() }
}

/// `dingtalk call --list [--group G]...` or `dingtalk call OPERATION [--param NAME=VALUE]... [--json FILE|-] [--all]`.
#[derive(Args, Debug)]
pub struct CallArgs {
    /// The operation, by its name in `dingtalk call --list` (e.g. `ListLabelGroups`).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    operation: Option<String>,
    /// List the operations (name, group, method, path, summary) and exit.
    #[arg(long)]
    list: bool,
    /// With `--list`: only the operations of this group (e.g. `robot_1_0`). Repeatable.
    #[arg(long = "group", value_name = "GROUP", requires = "list")]
    groups: Vec<String>,
    /// A parameter by its wire name, its value read by the spec's type (numbers, true/false,
    /// JSON for lists and objects). Repeatable; wins over `--json`.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The whole request (every parameter, by wire name) as a JSON object, from a file or `-`
    /// for standard input.
    #[arg(long = "json", value_name = "FILE|-")]
    json: Option<PathBuf>,
    /// A file parameter (a multipart upload: `UploadMedia --file media=report.pdf`), by its
    /// wire name and the path of the file, read when the call is made. Repeatable.
    #[arg(long = "file", short = 'f', value_name = "NAME=PATH")]
    files: Vec<String>,
    /// Walk every page of a paginated operation and print the items of all pages.
    #[arg(long)]
    all: bool,
}

/// `call --list`: needs no client, credentials or network.
pub fn list_only(args: &CallArgs, out: Output) -> Result<(), Failure> {
    list(&args.groups, out)
}

/// `pointed`: base URLs were given on the command line, so a call of a service without one is
/// refused rather than sent to DingTalk's own server.
pub async fn run(client: &Client, args: CallArgs, out: Output, pointed: bool) -> Result<(), Failure> {
    if args.list {
        return list(&args.groups, out);
    }
    let name = args.operation.as_deref().unwrap_or_default();
    let op = find_operation(OPERATIONS, name).ok_or_else(|| {
        // The names that share the given one's last part (`GetUser` in several groups), else all
        // of them when they are few.
        let bare = name.rsplit('.').next().unwrap_or(name);
        let mut known: Vec<String> = OPERATIONS.iter().filter(|d| d.name == bare).map(|d| d.id.to_owned()).collect();
        if known.is_empty() && OPERATIONS.len() <= 40 {
            known = OPERATIONS.iter().map(|d| d.id.to_owned()).collect();
        }
        let hint = if known.is_empty() { String::new() } else { format!("; known: {}", known.join(", ")) };
        Failure::usage(format!("unknown operation `{name}`{hint} (see `dingtalk call --list`)"))
    })?;
    let params = params(op, &args)?;
    execute(client, op, params, args.all, out, pointed).await
}

/// Runs `op` with `params` (wire names) and prints the answer: what `call` and the friendly
/// commands share, so both print the same shape. `all`: walk every page and print the items.
pub async fn execute(
    client: &Client,
    op: &'static OperationDescriptor,
    params: Map<String, Value>,
    all: bool,
    out: Output,
    pointed: bool,
) -> Result<(), Failure> {
    if all && op.pagination.is_none() {
        return Err(Failure::usage(format!("{} is not paginated; drop --all", op.id)));
    }
    // The request's own problems first (the client checks again, with the same checker), the
    // first page's position filled in as `--all` fills it.
    let mut first = params.clone();
    if all {
        dingtalk_oapi::fill_first_page(op, &mut first);
    }
    if let Err(mut e) = dingtalk_oapi::schema::check_params(op, &first, dingtalk_oapi::schema::Mode::Strict) {
        e.operation = Some(op.id);
        return Err(failure(dingtalk_oapi::Error::<dingtalk_oapi::AnyErrorCode>::Validation(e)));
    }
    if pointed && !client.has_given_base_url(op.service) {
        // `--base-url` is the main service's; `--<id>-base-url` each other service's.
        let flag = if op.service.id == client.service().id {
            "--base-url".to_owned()
        } else {
            format!("--{}-base-url", op.service.id)
        };
        let default = op.service.default_server().map_or("", |s| s.url);
        return Err(Failure::usage(format!(
            "{} is an operation of {}, whose base URL was not given while another's was; give {flag} too \
             (DingTalk's own: {default})",
            op.id, op.service.name
        )));
    }
    if all {
        let items = client.call_all(op, params).await.map_err(failure)?;
        return match out {
            Output::Json => output::json(&items),
            Output::Table => output::print(&output::value_table(&Value::Array(items))),
        };
    }
    let response = client.call(op, params).await.map_err(failure)?;
    match out {
        Output::Json => output::json(&response),
        Output::Table => output::print(&output::value_table(&response)),
    }
}

/// Whether the command needs a client (and so credentials).
pub fn needs_client(args: &CallArgs) -> bool {
    !args.list
}

fn list(groups: &[String], out: Output) -> Result<(), Failure> {
    let mut known: Vec<&str> = OPERATIONS.iter().map(|d| d.group).collect();
    known.sort_unstable();
    known.dedup();
    if let Some(unknown) = groups.iter().find(|g| !known.contains(&g.as_str())) {
        return Err(Failure::usage(format!("unknown group `{unknown}`; known: {}", known.join(", "))));
    }
    let rows: Vec<Value> = OPERATIONS
        .iter()
        .filter(|d| groups.is_empty() || groups.iter().any(|g| g == d.group))
        .map(|d| {
            json!({
                "name": d.id,
                "group": d.group,
                "method": d.method.as_str(),
                "path": d.path,
                "summary": d.summary,
                "paginated": d.pagination.is_some(),
            })
        })
        .collect();
    match out {
        Output::Json => output::json(&rows),
        Output::Table => {
            let width = |key: &str| rows.iter().map(|r| output::width(r[key].as_str().unwrap_or_default())).max();
            let widths = ["name", "group", "method", "path"].map(|k| width(k).unwrap_or(0).max(6));
            let line = |cells: [&str; 5]| {
                let padded: Vec<String> = cells[..4].iter().zip(widths).map(|(c, w)| output::pad(c, w)).collect();
                format!("{}  {}\n", padded.join("  "), cells[4])
            };
            let mut text = line(["NAME", "GROUP", "METHOD", "PATH", "SUMMARY"]);
            for r in &rows {
                let s = |k: &str| r[k].as_str().unwrap_or_default();
                text.push_str(&line([s("name"), s("group"), s("method"), s("path"), s("summary")]));
            }
            output::print(&text)
        }
    }
}

/// The request: `--json` first, then each `--param` parsed by its declared type. Unknown
/// names are refused here (with the known ones listed); values are checked by the client.
fn params(op: &'static OperationDescriptor, args: &CallArgs) -> Result<Map<String, Value>, Failure> {
    let mut params = match &args.json {
        None => Map::new(),
        Some(path) => read_request(path)?,
    };
    for pair in &args.params {
        let Some((name, text)) = pair.split_once('=') else {
            return Err(Failure::usage(format!("--param `{pair}`: expected NAME=VALUE")));
        };
        let Some(ty) = op.wire_type(name) else {
            let known: Vec<&str> = op.params().flat_map(|f| f.keys()).collect();
            let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
            return Err(Failure::usage(format!("{} has no parameter `{name}`; known: {known}", op.name)));
        };
        let parsed = match op.param(name) {
            Some(field) => dingtalk_oapi::runtime::parse_field_value(field, text),
            None => parse_param_value(&ty, text),
        };
        let value = parsed
            .map_err(|why| Failure::usage(format!("--param {name}: {why} (the spec says {})", type_name(&ty))))?;
        params.insert(name.to_owned(), value);
    }
    for pair in &args.files {
        let Some((name, path)) = pair.split_once('=').filter(|(n, p)| !n.is_empty() && !p.is_empty()) else {
            return Err(Failure::usage(format!("--file `{pair}`: expected NAME=PATH")));
        };
        let files: Vec<&str> =
            op.params().filter(|f| matches!(f.ty, dingtalk_oapi::ParamType::File)).map(|f| f.name).collect();
        if !files.contains(&name) {
            let known = if files.is_empty() { "none".to_owned() } else { files.join(", ") };
            return Err(Failure::usage(format!(
                "{} has no file parameter `{name}`; its file parameters: {known}",
                op.name
            )));
        }
        params.insert(name.to_owned(), serde_json::json!({ "path": path }));
    }
    Ok(params)
}

/// A whole request as a JSON object, from a file or `-` (standard input).
pub fn read_request(path: &PathBuf) -> Result<Map<String, Value>, Failure> {
    let (text, source) = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
        (text, "standard input".to_owned())
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
        (text, path.display().to_string())
    };
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::usage(format!("{source}: the request must be a JSON object"))),
        Err(e) => Err(Failure::usage(format!("{source} is not JSON: {e}"))),
    }
}

fn type_name(ty: &dingtalk_oapi::ParamType) -> String {
    fn name(ty: &dingtalk_oapi::ParamType) -> String {
        use dingtalk_oapi::ParamType::*;
        match ty {
            String => "a string".into(),
            Bool => "true or false".into(),
            I32 | I64 => "an integer".into(),
            F64 => "a number".into(),
            List(inner) => format!("a JSON list, each item {}", name(inner)),
            Object(schema) => format!("a JSON `{}` object", schema.name),
            Union(schema) => format!("a JSON `{}` object (`{}` names its kind)", schema.name, schema.tag),
            Json => "any JSON value".into(),
            File => "the path of a file (`--file NAME=PATH`)".into(),
        }
    }
    name(ty)
}
