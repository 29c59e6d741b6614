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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
