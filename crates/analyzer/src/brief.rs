//! The cheap analysis stage: the cheap tier reads the retrieved context and
//! condenses it into a [`Brief`] for the planner (the files that matter, the
//! functions involved, the constraints a plan must respect), so the
//! expensive planner reads a page instead of the whole context.
//!
//! Optional (`[analyze] brief`). The call goes through
//! [`Registry::structured`] as [`Stage::Analyze`]: the brief is JSON checked
//! against its schema, a failing model climbs the stage's fallback chain, and
//! the registry's sink prices and records the call in the ledger.
//!
//! The prompt is ordered for prefix caching: the instructions, then the repo
//! map (the same for every task in the same repository state), then the
//! task's files and code, each ending a cacheable prefix; the task comes last.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use distiq_core::{Stage, TaskId, Tier, Usage};
use distiq_llm::{CallContext, ChatRequest, Part, Registry, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::Result;

/// The analysis stage's instructions (a stable, cached prefix).
pub const BRIEF_SYSTEM: &str = "\
You are the analysis stage of distiq, a coding agent. You read a task and parts of a \
code repository (a map of its signatures, the files ranked for the task, and code) and \
write a brief for the planner, a stronger model that will then write the code changes \
from your brief and the same code.

Rules:
- files: the files the change will touch or must read, most important first, at most \
eight. Paths exactly as shown in the context, relative to the repository root.
- symbols: the functions, methods, types or constants the change involves, at most \
twelve, each with the path of the file that defines it, spelled exactly as in the code.
- constraints: what a correct plan must respect: callers that rely on current \
behaviour, invariants, error handling and conventions visible in the code, tests \
that cover it. Short sentences.
- summary: two sentences at most on what the task needs in terms of this code.
- Name only what the context shows. If it does not show what the task needs, say so \
in the summary and list the closest files.";

/// A file the brief names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BriefFile {
    /// Path relative to the repository root.
    pub path: String,
    /// Why it matters for the task.
    pub why: String,
}

/// A definition the brief names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BriefSymbol {
    /// The file that defines it.
    pub path: String,
    /// Its name, as spelled in the code.
    pub name: String,
    /// What it has to do with the task.
    pub why: String,
}

/// The analysis stage's brief for the planner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Brief {
    /// What the task needs, in terms of this code.
    pub summary: String,
    /// The files that matter, most important first.
    pub files: Vec<BriefFile>,
    /// The definitions involved.
    pub symbols: Vec<BriefSymbol>,
    /// What a correct plan must respect.
    pub constraints: Vec<String>,
}

impl Brief {
    /// The brief as the planner reads it (Markdown).
    pub fn render(&self) -> String {
        let mut out = String::from("# Brief from the analysis stage\n\n");
        out.push_str(self.summary.trim());
        out.push('\n');
        if !self.files.is_empty() {
            out.push_str("\n## Files that matter\n");
            for f in &self.files {
                let _ = writeln!(out, "- {}: {}", f.path, f.why.trim());
            }
        }
        if !self.symbols.is_empty() {
            out.push_str("\n## Definitions involved\n");
            for s in &self.symbols {
                let _ = writeln!(out, "- `{}` in {}: {}", s.name, s.path, s.why.trim());
            }
        }
        if !self.constraints.is_empty() {
            out.push_str("\n## Constraints\n");
            for c in &self.constraints {
                let _ = writeln!(out, "- {}", c.trim());
            }
        }
        out
    }

    /// Drops the files and symbols whose path is not one of `known`, and
    /// returns those paths: model output is data, and a path the
    /// repository does not have would send the planner astray.
    pub fn retain_known<'a>(&mut self, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let known: BTreeSet<&str> = known.into_iter().collect();
        let mut unknown = BTreeSet::new();
        self.files.retain(|f| {
            let ok = known.contains(f.path.as_str());
            if !ok {
                unknown.insert(f.path.clone());
            }
            ok
        });
        self.symbols.retain(|s| {
            let ok = known.contains(s.path.as_str());
            if !ok {
                unknown.insert(s.path.clone());
            }
            ok
        });
        unknown.into_iter().collect()
    }
}

/// A brief and what it took.
#[derive(Debug, Clone)]
pub struct BriefOutcome {
    /// The brief, with paths the repository does not have left out.
    pub brief: Brief,
    /// The paths the model named that are not in the repository.
    pub unknown_paths: Vec<String>,
    /// Tokens of the call that answered (its cost is in the ledger).
    pub usage: Usage,
    /// Calls made to the model that answered (1 when its first answer fit).
    pub attempts: u32,
}

/// The request for a brief: `req` (from [`Registry::request`]) with the
/// instructions, the repo map, the task's files and code, and the task last.
pub fn brief_request(req: ChatRequest, context: &Context, task: &str) -> ChatRequest {
    let mut parts = Vec::new();
    if !context.map.trim().is_empty() {
        parts.push(Part::cached(context.map.clone()));
    }
    let section = context.task_section();
    if !section.trim().is_empty() {
        parts.push(Part::cached(section));
    }
    parts.push(Part::text(format!("# Task\n\n{}\n", task.trim())));
    req.system(Part::cached(BRIEF_SYSTEM))
        .message(Role::User, parts)
}

/// Asks the analysis stage's model (at `tier`, climbing the stage's
/// fallbacks on failure) for a brief of `context` for `task`. The call is
/// recorded under `task_id` by the registry's sink.
pub async fn write_brief(
    registry: &Registry,
    tier: Tier,
    task_id: Option<TaskId>,
    context: &Context,
    task: &str,
    call: &CallContext,
) -> Result<BriefOutcome> {
    let (route, req) = registry.request(Stage::Analyze, tier);
    let req = brief_request(req, context, task);
    let out = registry
        .structured::<Brief>(
            &route,
            task_id,
            req,
            "repo_brief",
            "A brief of the repository context for the planner: files, definitions, constraints",
            call,
        )
        .await?;
    let mut brief = out.value;
    let unknown_paths = brief.retain_known(context.ranking.files.iter().map(|f| f.path.as_str()));
    Ok(BriefOutcome {
        brief,
        unknown_paths,
        usage: out.response.usage,
        attempts: out.attempts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief() -> Brief {
        Brief {
            summary: "Change the retry delay.".into(),
            files: vec![
                BriefFile {
                    path: "src/retry.rs".into(),
                    why: "computes the delay".into(),
                },
                BriefFile {
                    path: "src/ghost.rs".into(),
                    why: "made up".into(),
                },
            ],
            symbols: vec![BriefSymbol {
                path: "src/retry.rs".into(),
                name: "backoff".into(),
                why: "the formula".into(),
            }],
            constraints: vec!["Keep the cap at 30 s.".into()],
        }
    }

    #[test]
    fn unknown_paths_are_dropped_and_reported() {
        let mut b = brief();
        let unknown = b.retain_known(["src/retry.rs", "src/lib.rs"]);
        assert_eq!(unknown, ["src/ghost.rs"]);
        assert_eq!(b.files.len(), 1);
        assert_eq!(b.symbols.len(), 1);
    }

    #[test]
    fn the_rendered_brief_lists_every_section() {
        let text = brief().render();
        assert!(text.starts_with("# Brief from the analysis stage\n\nChange the retry delay.\n"));
        assert!(text.contains("- src/retry.rs: computes the delay\n"));
        assert!(text.contains("- `backoff` in src/retry.rs: the formula\n"));
        assert!(text.contains("## Constraints\n- Keep the cap at 30 s.\n"));
    }
}
