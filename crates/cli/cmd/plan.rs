//! `distiq plan "task"`: route, cache and plan, then stop. Prints the plan
//! and what carrying it out would cost (nothing for the files whose changes
//! carry exact code).

use std::process::ExitCode;

use distiq_core::{ChangeKind, FileAction};
use distiq_pipeline::{Options, PlanOutcome};

use crate::app::GlobalArgs;
use crate::cmd::run::{CascadeArgs, Setup};
use crate::render;

/// Flags of `distiq plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// What to plan, in plain words.
    #[arg(value_name = "TASK")]
    pub task: String,

    #[command(flatten)]
    pub cascade: CascadeArgs,
}

/// Runs `distiq plan`.
pub fn run(global: &GlobalArgs, args: PlanArgs) -> anyhow::Result<ExitCode> {
    let setup = Setup::new(global, &args.cascade, Options::default())?;
    let outcome = setup.block_on(setup.pipeline.plan(&args.task))?;
    let r = &setup.renderer;
    r.done();
    r.outcome("plan_outcome", &outcome);
    if r.is_human() {
        render::print(&human(&outcome))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn human(o: &PlanOutcome) -> String {
    let mut t = String::new();
    let from = if o.cached { " (from the cache)" } else { "" };
    t.push_str(&format!("Plan{from}: {}\n", o.plan.summary.trim()));
    if o.plan.files.is_empty() {
        t.push_str("\nNothing to change.\n");
    }
    for f in &o.plan.files {
        let action = match f.action {
            FileAction::Create => "create",
            FileAction::Modify => "modify",
            FileAction::Delete => "delete",
        };
        t.push_str(&format!("\n{action} {}\n", f.path));
        for (i, c) in f.changes.iter().enumerate() {
            let kind = match c.kind {
                ChangeKind::Replace => "replace",
                ChangeKind::Insert => "insert",
                ChangeKind::Delete => "delete",
            };
            t.push_str(&format!(
                "  {}. {kind} at {}: {}\n",
                i + 1,
                c.location.trim(),
                c.reasoning.trim()
            ));
            if let Some(old) = &c.old_code {
                for line in old.lines() {
                    t.push_str(&format!("     - {line}\n"));
                }
            }
            if let Some(new) = &c.new_code {
                for line in new.lines() {
                    t.push_str(&format!("     + {line}\n"));
                }
            }
        }
    }
    let e = &o.estimate;
    t.push_str(&format!(
        "\nExecuting it: {} executor call(s) on {} ({}), about {} (at most {})\n",
        e.calls, e.model, e.tier, e.cost, e.worst_case
    ));
    for f in e.files.iter().filter(|f| !f.model_call) {
        t.push_str(&format!(
            "  {}: exact code in the plan, no model call\n",
            f.path
        ));
    }
    for f in e.files.iter().filter(|f| f.model_call) {
        t.push_str(&format!(
            "  {}: ~{} tokens in, ~{} out, {}\n",
            f.path, f.input_tokens, f.output_tokens, f.cost
        ));
    }
    t.push_str("Planning cost:\n");
    t.push_str(&render::cost_table(&o.spend, o.saved));
    t
}
