//! `distiq hook install | uninstall`: the pre-commit hook that runs
//! `distiq review --staged`, chained with the hook that was there before.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use distiq_review::hook::{self, HookChange};

use crate::app::{self, GlobalArgs};

/// `distiq hook` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum HookCommand {
    /// Install the pre-commit hook. An existing pre-commit hook is kept
    /// (renamed pre-commit.distiq-chained) and runs after the review.
    /// Installing twice changes nothing. Honours core.hooksPath.
    Install,
    /// Remove distiq's pre-commit hook and put back the one it chained,
    /// byte for byte.
    Uninstall,
}

/// Runs `distiq hook ...`.
pub fn run(global: &GlobalArgs, command: &HookCommand) -> anyhow::Result<ExitCode> {
    let dir = app::work_dir(global)?;
    let repo = distiq_review::open_repo(&dir)?;
    let change = match command {
        HookCommand::Install => {
            let exe = std::env::current_exe().context("cannot find the distiq binary's path")?;
            hook::install(&repo, &exe)?
        }
        HookCommand::Uninstall => hook::uninstall(&repo)?,
    };
    let message = match change {
        HookChange::Installed { hook, chained } => match chained {
            Some(c) => format!(
                "installed {}; your previous hook is kept as {} and runs after the review",
                hook.display(),
                c.display()
            ),
            None => format!("installed {}", hook.display()),
        },
        HookChange::AlreadyInstalled { hook } => {
            format!("already installed: {} (refreshed)", hook.display())
        }
        HookChange::Uninstalled { hook, restored } => {
            if restored {
                format!(
                    "removed distiq's hook; your previous hook is back at {}",
                    hook.display()
                )
            } else {
                format!("removed {}", hook.display())
            }
        }
        HookChange::NotInstalled { hook } => format!("no hook installed at {}", hook.display()),
    };
    writeln!(std::io::stdout().lock(), "{message}").context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}
