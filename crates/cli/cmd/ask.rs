//! `distiq ask "question"`: an answer about the repository, without
//! editing it. The cheap tier extracts the facts from the retrieved code;
//! the strong tier writes the answer, streamed to stdout.

use std::process::ExitCode;

use distiq_pipeline::Options;

use crate::app::GlobalArgs;
use crate::cmd::run::{CascadeArgs, Setup};
use crate::render;

/// Flags of `distiq ask`.
#[derive(Debug, Clone, clap::Args)]
pub struct AskArgs {
    /// The question, in plain words.
    #[arg(value_name = "QUESTION")]
    pub question: String,

    #[command(flatten)]
    pub cascade: CascadeArgs,
}

/// Runs `distiq ask`.
pub fn run(global: &GlobalArgs, args: AskArgs) -> anyhow::Result<ExitCode> {
    let setup = Setup::new(global, &args.cascade, Options::default())?;
    let outcome = setup.block_on(setup.pipeline.ask(&args.question))?;
    let r = &setup.renderer;
    r.done();
    r.outcome("ask_outcome", &outcome);
    if r.is_human() {
        let mut text = String::new();
        if outcome.cached {
            // Nothing was streamed: the answer came from the cache.
            text.push_str(outcome.answer.trim_end());
            text.push('\n');
        }
        let mut cost = String::from("\nCost:\n");
        cost.push_str(&render::cost_table(&outcome.spend, outcome.saved));
        render::print(&text)?;
        // The cost goes to stderr: stdout is the answer alone.
        use std::io::Write as _;
        let _ = std::io::stderr().lock().write_all(cost.as_bytes());
    }
    Ok(ExitCode::SUCCESS)
}
