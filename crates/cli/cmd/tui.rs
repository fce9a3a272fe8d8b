//! `distiq tui`: the terminal session. The same setup and pipeline as
//! `distiq run`, with the session as the front end: each change is
//! reviewed file by file before it is committed.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;

use distiq_pipeline::Options;

use crate::app::{self, GlobalArgs};
use crate::cmd::run::{CascadeArgs, PipelineArgs, Setup};

/// Flags of `distiq tui`.
#[derive(Debug, Clone, clap::Args)]
pub struct TuiArgs {
    /// Leave accepted changes in the work tree, uncommitted.
    #[arg(long)]
    pub no_commit: bool,

    /// Let tasks edit files that have uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,

    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// Runs `distiq tui`.
pub fn run(global: &GlobalArgs, args: TuiArgs) -> anyhow::Result<ExitCode> {
    // Before the slow part (loading the local models).
    if !std::io::stdout().is_terminal() {
        return Err(distiq_tui::Error::NotATerminal.into());
    }
    let cascade = CascadeArgs {
        json: false,
        pipeline: args.pipeline,
    };
    let options = Options {
        allow_dirty: args.allow_dirty,
        commit: !args.no_commit,
        ..Options::default()
    };
    let (sink, events) = distiq_tui::channel();
    let setup = Setup::with_front(global, &cascade, options, Arc::new(sink))?;
    setup.renderer.done();
    let session = distiq_tui::Session {
        ledger: Some(setup.ledger.clone()),
        notes: setup.notes.clone(),
        pipeline: setup.into_pipeline(),
        events,
    };
    // Log lines would be drawn over the screen: they are printed after it.
    app::hold_logs();
    let result = distiq_tui::run(session);
    let logs = app::release_logs();
    if !logs.is_empty() {
        let _ = std::io::stderr().lock().write_all(&logs);
    }
    result?;
    Ok(ExitCode::SUCCESS)
}
