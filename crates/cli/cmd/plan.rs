//! `distiq plan "task"`: route, cache and plan, then stop. Prints the plan
//! and what carrying it out would cost (nothing for the files whose changes
//! carry exact code).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use distiq_core::{ChangeKind, CodePlan, FileAction};
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

    /// Also write the task and its plan to FILE, for `distiq run --plan
    /// FILE` to carry out later without planning again.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    #[command(flatten)]
    pub cascade: CascadeArgs,
}

/// Runs `distiq plan`.
pub fn run(global: &GlobalArgs, args: PlanArgs) -> anyhow::Result<ExitCode> {
    let setup = Setup::new(global, &args.cascade, Options::default())?;
    let outcome = setup.block_on(setup.pipeline.plan(&args.task))?;
    if let Some(path) = &args.save {
        let saved = SavedPlan {
            task: outcome.task.prompt.clone(),
            plan: outcome.plan.clone(),
        };
        let json = serde_json::to_string_pretty(&saved)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write the plan to {}", path.display()))?;
    }
    let r = &setup.renderer;
    r.done();
    r.outcome("plan_outcome", &outcome);
    if r.is_human() {
        let mut text = human(&outcome);
        if let Some(path) = &args.save {
            text.push_str(&format!(
                "Saved to {0}; carry it out with `distiq run --plan {0}`.\n",
                path.display()
            ));
        }
        render::print(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `distiq plan --save` writes and `distiq run --plan` reads.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SavedPlan {
    /// The task, as it was planned.
    pub task: String,
    /// The plan.
    pub plan: CodePlan,
}

impl SavedPlan {
    /// Reads `path`: a file `distiq plan --save` wrote, a bare plan
    /// (`{"summary", "files"}`, the task then given on the command line), or
    /// the output of `distiq plan --json` (its `plan_outcome` line).
    pub fn read(path: &Path, task: Option<&str>) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the plan {}", path.display()))?;
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            // JSON lines (`distiq plan --json`): the outcome is the last.
            Err(_) => text
                .lines()
                .rev()
                .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|v| v.get("plan").is_some())
                .with_context(|| {
                    format!(
                        "{} is neither a saved plan nor `distiq plan --json` output",
                        path.display()
                    )
                })?,
        };
        let (plan, saved_task) = match value.get("plan") {
            Some(plan) => {
                let t = &value["task"];
                let saved = t.as_str().or_else(|| t["prompt"].as_str());
                (plan.clone(), saved.map(str::to_owned))
            }
            None => (value, None),
        };
        let plan: CodePlan = serde_json::from_value(plan)
            .with_context(|| format!("{} does not hold a valid plan", path.display()))?;
        let task = task.map(str::to_owned).or(saved_task).with_context(|| {
            format!(
                "{} holds a plan but not its task; give the task too: distiq run --plan {} \"TASK\"",
                path.display(),
                path.display()
            )
        })?;
        Ok(Self { task, plan })
    }
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
