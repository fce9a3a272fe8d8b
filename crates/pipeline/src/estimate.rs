//! What carrying out a plan would cost: nothing for the files whose changes
//! carry exact code (no model call), and for the others one executor call
//! each, its tokens estimated and priced at the execute tier's model.

use std::path::Path;

use distiq_config::Config;
use distiq_core::{CodePlan, FileAction, ModelRef, Money, Stage, Tier, Usage};
use distiq_executor::file_plan_edits;
use serde::Serialize;

use crate::prompt;

/// The estimate for one file of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEstimate {
    /// The file.
    pub path: String,
    /// Whether the executor model must write its edits (the plan lacks
    /// exact code for it).
    pub model_call: bool,
    /// Estimated prompt tokens.
    pub input_tokens: i64,
    /// Estimated answer tokens.
    pub output_tokens: i64,
    /// Estimated cost.
    pub cost: Money,
}

/// The estimate for a whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// The execute tier.
    pub tier: Tier,
    /// Its model.
    pub model: ModelRef,
    /// Per file.
    pub files: Vec<FileEstimate>,
    /// Executor model calls, if nothing needs a retry.
    pub calls: u32,
    /// Estimated cost of those calls.
    pub cost: Money,
    /// The most they could cost: each call's whole `max_tokens` of output.
    pub worst_case: Money,
}

/// Estimates `plan` on the execute stage at `tier`.
pub fn estimate(config: &Config, root: &Path, tier: Tier, plan: &CodePlan, task: &str) -> Estimate {
    let route = config.route(Stage::Execute, tier);
    let price = config.price(&route.model).unwrap_or_default();
    let system = tokens(prompt::EXECUTOR);
    let schema = 200;
    let task_tokens = tokens(task);
    let mut files = Vec::new();
    let (mut calls, mut cost, mut worst) = (0u32, Money::ZERO, Money::ZERO);
    for file in &plan.files {
        if file_plan_edits(file).is_ok() {
            files.push(FileEstimate {
                path: file.path.clone(),
                model_call: false,
                input_tokens: 0,
                output_tokens: 0,
                cost: Money::ZERO,
            });
            continue;
        }
        let content = std::fs::read_to_string(root.join(&file.path)).unwrap_or_default();
        let content_tokens = tokens(&content);
        let plan_tokens = tokens(&prompt::file_plan_text(plan, file));
        let input = system + schema + content_tokens + plan_tokens + task_tokens;
        // A search/replace answer quotes what changes twice; a new file is
        // written whole (about as long as the plan describes, at least a
        // little).
        let output = match file.action {
            FileAction::Create => (plan_tokens * 2).max(300),
            _ => (plan_tokens * 2 + 50).min(content_tokens * 2 + 200),
        }
        .min(i64::from(route.max_tokens));
        let c = price.cost(&Usage {
            input_tokens: input,
            output_tokens: output,
            ..Usage::default()
        });
        let w = price.cost(&Usage {
            input_tokens: input,
            output_tokens: i64::from(route.max_tokens),
            ..Usage::default()
        });
        calls += 1;
        cost += c;
        worst += w;
        files.push(FileEstimate {
            path: file.path.clone(),
            model_call: true,
            input_tokens: input,
            output_tokens: output,
            cost: c,
        });
    }
    Estimate {
        tier: route.tier,
        model: route.model,
        files,
        calls,
        cost,
        worst_case: worst,
    }
}

fn tokens(text: &str) -> i64 {
    i64::try_from(distiq_analyzer::estimate_tokens(text)).unwrap_or(i64::MAX)
}
