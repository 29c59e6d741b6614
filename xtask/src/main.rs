//! `cargo xtask`: a thin front end over `dingtalk-codegen` (see `xtask/src/lib.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tasks for the DingTalk SDK")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate crates/dingtalk-oapi/src/generated/ from spec/.
    Codegen {
        /// Write nothing; fail if the checked-in code differs from what spec/ generates.
        #[arg(long)]
        check: bool,
    },
    /// Validate spec files and print each problem as `path:line:column: message`.
    CheckSpec {
        /// A spec file or folder (default: spec/).
        path: Option<PathBuf>,
    },
    /// Write spec/<group>/<operation>.yaml files from the official Python SDK `alibabacloud_dingtalk`.
    #[command(name = "import-v1")]
    ImportV1 {
        /// The unpacked package: the folder holding `alibabacloud_dingtalk/`, or that folder itself.
        package_dir: PathBuf,
        /// A group to import (a package folder such as `contact_1_0`); repeatable (default: all groups).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// The folder the group folders go in (default: spec/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = match xtask::workspace_root() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.task {
        Task::Codegen { check } => xtask::codegen(&root, check).map(|changes| {
            if check {
                println!("generated code is up to date with spec/");
            } else if changes.is_empty() {
                println!("generated code already up to date");
            } else {
                for c in &changes {
                    println!("updated {c}");
                }
            }
        }),
        Task::CheckSpec { path } => {
            let path = path.unwrap_or_else(|| root.join(xtask::SPEC_DIR));
            xtask::check_spec(&root, &path).map(|n| println!("{n} spec file(s) OK"))
        }
        Task::ImportV1 { package_dir, groups, out } => {
            let out = out.unwrap_or_else(|| root.join(xtask::SPEC_DIR));
            xtask::import_v1::import(&package_dir, &groups, &out)
                .map(|report| {
                    for skipped in &report.skipped {
                        eprintln!("{skipped}");
                    }
                    for note in &report.notes {
                        eprintln!("{note}");
                    }
                    eprintln!("{}", report.summary());
                })
                .map_err(xtask::TaskError::Io)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
