//! The validator's optional model review (`validate.review = true`): after
//! the syntax check and the configured commands pass, the validate stage's
//! model (the cheap tier by default) reads the task, the plan and the diff,
//! and approves it or names what is wrong. What it names goes back to the
//! executor like a failing check.

use distiq_core::{CheckSummary, CodePlan, Event, RouteDecision, Stage, Task};
use distiq_llm::{Part, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::call::{Calls, climb};
use crate::tree::Tree;
use crate::{Pipeline, Result};

/// The reviewer's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Whether the change does the task and nothing is wrong with it.
    pub approved: bool,
    /// What is wrong, one problem per item, each with its file and line;
    /// empty when approved.
    pub problems: Vec<String>,
}

/// The reviewer's instructions.
const REVIEWER: &str = "\
You review a code change that a coding agent made for a task, after it passed the \
repository's own checks. Approve it when it does what the task asks and has no bug \
you can point to. Otherwise list each problem with its file and line and what would \
fix it. Do not ask for changes of style or for work the task did not ask for.";

impl Pipeline {
    /// The review of the task's change, when `validate.review` is on:
    /// `None` when approved (or off), else the problems as feedback for the
    /// executor.
    pub(crate) async fn review(
        &self,
        calls: &Calls<'_>,
        task: &Task,
        plan: &CodePlan,
        tree: &Tree,
        route: Option<&RouteDecision>,
    ) -> Result<Option<String>> {
        if !self.config.validate.review {
            return Ok(None);
        }
        let tier = self.tier(calls, route, Stage::Validate);
        let stage_route = self.config.route(Stage::Validate, tier);
        let (_, req) = self.registry.request(Stage::Validate, tier);
        let req = req.system(Part::cached(REVIEWER)).message(
            Role::User,
            vec![Part::text(format!(
                "# Task\n\n{}\n\n# Plan\n\n{}\n\n# Diff\n\n```diff\n{}```",
                task.prompt.trim(),
                plan.summary.trim(),
                tree.diff()
            ))],
        );
        let review = climb(
            calls,
            Stage::Validate,
            self.registry.chain(&stage_route),
            |model, tier| {
                let req = req.clone();
                async move {
                    calls
                        .structured::<Review>(
                            Stage::Validate,
                            &model,
                            tier,
                            req,
                            "review",
                            "A verdict on a code change",
                        )
                        .await
                        .map(|o| o.value)
                }
            },
        )
        .await?;
        let approved = review.approved && review.problems.is_empty();
        let summary = if approved {
            "approved".to_owned()
        } else {
            format!("{} problem(s)", review.problems.len().max(1))
        };
        self.emit(Event::Validated {
            task_id: task.id,
            passed: approved,
            checks: vec![CheckSummary {
                name: "review".to_owned(),
                passed: approved,
                summary,
            }],
        });
        if approved {
            return Ok(None);
        }
        let problems = if review.problems.is_empty() {
            "- the reviewer did not approve the change and named no problem".to_owned()
        } else {
            review
                .problems
                .iter()
                .map(|p| format!("- {}", p.trim()))
                .collect::<Vec<_>>()
                .join("\n")
        };
        Ok(Some(format!("## review failed\n{problems}\n")))
    }
}
