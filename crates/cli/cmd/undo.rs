//! `distiq undo`: finish or roll back a write that a crash interrupted, then
//! revert distiq's last commit (only when HEAD is distiq's and the work tree
//! is clean).

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use distiq_executor::{RecoveryOutcome, recover, undo};

use crate::app::{self, GlobalArgs};

/// Flags of `distiq undo`.
#[derive(Debug, Clone, clap::Args)]
pub struct UndoArgs {}

/// Runs `distiq undo`.
pub fn run(global: &GlobalArgs, _args: UndoArgs) -> anyhow::Result<ExitCode> {
    let root = app::repo_root(global)?;
    let mut out = io::stdout().lock();

    let recovered = recover(&root).context("cannot recover an interrupted write")?;
    for r in &recovered {
        let what = match r.outcome {
            RecoveryOutcome::RolledBack => "rolled back",
            RecoveryOutcome::Completed => "completed",
        };
        writeln!(
            out,
            "recovered an interrupted write of task {}: {what} ({})",
            r.task,
            r.paths.join(", ")
        )?;
    }

    let undone = undo(&root)?;
    writeln!(out, "reverted {} {}", short(&undone.commit), undone.summary)?;
    writeln!(out, "  task {}", undone.task)?;
    for path in &undone.paths {
        writeln!(out, "  {path}")?;
    }
    writeln!(out, "HEAD is now {}", short(&undone.head))?;
    Ok(ExitCode::SUCCESS)
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
