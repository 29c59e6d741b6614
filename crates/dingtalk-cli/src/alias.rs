//! Friendly commands (`dingtalk ext-contact list-label-groups --size 20`): the spec's `cli:`
//! table, each command a name for an operation and flags for its wire parameters, run exactly
//! as `dingtalk call` runs the operation (same checks, same output shape). No command here is
//! written by hand: a new `cli:` entry in the spec is a new command after `cargo xtask codegen`.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Command};
use dingtalk_oapi::generated::CLI_COMMANDS;
use dingtalk_oapi::runtime::CliCommand;
use dingtalk_oapi::{FieldSchema, ParamType, parse_param_value};
use serde_json::{Map, Value};

use crate::{Failure, Output};

/// A friendly command as given on the command line, parsed against its `cli:` entry.
pub struct Parsed {
    pub command: &'static CliCommand,
    pub params: Map<String, Value>,
    pub all: bool,
    /// `--output` given after the command's words.
    pub output: Option<Output>,
}

/// The first words of the spec's commands (`ext-contact`), sorted, each once.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = CLI_COMMANDS.iter().map(|c| c.words[0]).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// Parses `argv` (`ext-contact list-label-groups --size 2`). `Ok(None)`: help was asked for and
/// printed. A usage error names what is wrong (clap's message, one paragraph).
pub fn parse(argv: &[String]) -> Result<Option<Parsed>, Failure> {
    let Some(group) = argv.first() else { return Err(Failure::usage("no command given")) };
    let Some(group) = CLI_COMMANDS.iter().map(|c| c.words[0]).find(|g| g == group) else {
        let known = groups().join(", ");
        return Err(Failure::usage(format!(
            "unknown command `{group}`; commands: call, callback, completions, {known} (see `dingtalk --help`)"
        )));
    };
    let cli = group_command(group);
    let matches = match cli.try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return Ok(None);
        }
        Err(e) => return Err(Failure::usage(e.render().to_string().trim().trim_start_matches("error: "))),
    };
    let Some((name, sub)) = matches.subcommand() else { return Err(Failure::usage("no command given")) };
    let Some(command) = CLI_COMMANDS.iter().find(|c| c.words[0] == group && c.words[1] == name) else {
        return Err(Failure::usage(format!("unknown command `{group} {name}`")));
    };
    let mut params = match sub.get_one::<PathBuf>("json") {
        Some(path) => crate::call::read_request(path)?,
        None => Map::new(),
    };
    for (flag, path) in command.flags {
        if let Some(values) = sub.get_many::<String>(flag) {
            let values: Vec<&String> = values.collect();
            set_flag(command, flag, path, &values, &mut params)?;
        }
    }
    let output = sub.get_one::<Output>("output").copied();
    Ok(Some(Parsed { command, params, all: sub.get_flag("all"), output }))
}

/// The command line with the global flags given after a friendly command's words (`dingtalk
/// ext-contact list --sandbox`) moved before them, where clap reads global flags: everything
/// after an external subcommand's name is otherwise handed to it unread. `globals`: the long
/// names of the global flags, each with whether it takes a value.
pub fn hoist_globals(argv: Vec<String>, globals: &[(String, bool)]) -> Vec<String> {
    let flag = |arg: &str| {
        let name = arg.strip_prefix("--")?;
        let name = name.split_once('=').map_or(name, |(n, _)| n);
        globals.iter().find(|(g, _)| g == name).map(|(_, takes)| *takes && !arg.contains('='))
    };
    // The first word that is a group of friendly commands, past the global flags and values.
    let mut i = 1;
    let start = loop {
        let Some(arg) = argv.get(i) else { return argv };
        match flag(arg) {
            Some(true) => i += 2,
            Some(false) => i += 1,
            None if arg == "-v" => i += 1,
            None if groups().contains(&arg.as_str()) => break i,
            None => return argv,
        }
    };
    let (mut head, mut tail) = (argv[..start].to_vec(), Vec::new());
    let mut rest = argv[start..].iter();
    while let Some(arg) = rest.next() {
        match flag(arg) {
            // `--output` is the friendly command's own too: left where it is.
            Some(_) if arg.starts_with("--output") => tail.push(arg.clone()),
            Some(true) => {
                head.push(arg.clone());
                head.extend(rest.next().cloned());
            }
            Some(false) => head.push(arg.clone()),
            None if arg == "-v" => head.push(arg.clone()),
            None => tail.push(arg.clone()),
        }
    }
    head.extend(tail);
    head
}

/// Every group of friendly commands as a clap command (for shell completions).
pub fn commands() -> Vec<Command> {
    groups().into_iter().map(group_command).collect()
}

/// The clap command of one group of friendly commands, built from the spec's table.
fn group_command(group: &'static str) -> Command {
    let subcommands = CLI_COMMANDS.iter().filter(|c| c.words[0] == group).map(|c| {
        let op = c.operation;
        let mut cmd = Command::new(c.words[1]).about(op.summary).long_about(format!(
            "{}\n\nRuns `dingtalk call {}` (`{} {}`): each flag sets the parameter named beside it.",
            op.summary,
            op.id,
            op.method.as_str(),
            op.path
        ));
        for (flag, path) in c.flags {
            let field = field_at(op, path);
            let list = field.is_some_and(|f| matches!(f.ty, ParamType::List(_)));
            let help = format!("`{path}`{}", if list { " (repeat for several)" } else { "" });
            let action = if list { ArgAction::Append } else { ArgAction::Set };
            cmd = cmd.arg(
                Arg::new(*flag).long(*flag).value_name("VALUE").action(action).allow_negative_numbers(true).help(help),
            );
        }
        cmd = cmd.arg(
            Arg::new("json")
                .long("json")
                .value_name("FILE|-")
                .value_parser(clap::value_parser!(PathBuf))
                .help("The whole request as a JSON object (wire names), from a file or `-`; flags win over it"),
        );
        cmd = cmd.arg(
            Arg::new("output")
                .long("output")
                .value_parser(clap::builder::EnumValueParser::<Output>::new())
                .help("Output format (as the global --output)"),
        );
        if op.pagination.is_some() {
            cmd = cmd.arg(
                Arg::new("all").long("all").action(ArgAction::SetTrue).help("Walk every page and print the items"),
            );
        } else {
            cmd = cmd.arg(Arg::new("all").long("all").action(ArgAction::SetTrue).hide(true));
        }
        cmd
    });
    Command::new(group)
        .bin_name(format!("dingtalk {group}"))
        .about(format!("Friendly commands for `dingtalk call` ({group})"))
        .subcommand_required(true)
        .subcommands(subcommands.collect::<Vec<_>>())
}

/// The parameter (or the field of one) at a dotted wire path.
fn field_at(op: &dingtalk_oapi::OperationDescriptor, path: &str) -> Option<&'static FieldSchema> {
    let mut segments = path.split('.');
    let mut field = op.param(segments.next()?)?;
    for segment in segments {
        let ParamType::Object(schema) = field.ty else { return None };
        field = schema.fields.iter().find(|f| f.name == segment)?;
    }
    Some(field)
}

/// Sets a flag's values at its wire path, read by the field's type (a list flag gives one item
/// per occurrence).
fn set_flag(
    command: &CliCommand,
    flag: &str,
    path: &str,
    values: &[&String],
    params: &mut Map<String, Value>,
) -> Result<(), Failure> {
    let op = command.operation;
    let field = field_at(op, path)
        .ok_or_else(|| Failure::usage(format!("--{flag}: `{path}` is no parameter of {} (a spec bug)", op.id)))?;
    let parse = |ty: &ParamType, text: &str| {
        parse_param_value(ty, text).map_err(|why| Failure::usage(format!("--{flag}: {why}")))
    };
    let value = match (&field.ty, values) {
        (ParamType::List(inner), _) => {
            Value::Array(values.iter().map(|v| parse(inner, v)).collect::<Result<Vec<_>, _>>()?)
        }
        (ty, [.., last]) => parse(ty, last)?,
        (_, []) => return Ok(()),
    };
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().unwrap_or(path);
    let mut object = params;
    for segment in segments {
        let entry = object.entry(segment.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        let Some(next) = entry.as_object_mut() else {
            return Err(Failure::usage(format!("--{flag}: `{segment}` is given as a value, not an object")));
        };
        object = next;
    }
    object.insert(last.to_owned(), value);
    Ok(())
}
