//! The planner stage: a [`CodePlan`] through structured output, checked
//! against the repository before anything runs. A plan that fails its
//! checks is sent back once with the exact problems, then the next model up
//! the chain is asked, then the run stops (seed 001: up, never down).

use std::path::Path;

use distiq_config::StageRoute;
use distiq_core::{CodePlan, Event, Stage};
use distiq_executor::{MatchOptions, PlanProblem, check_plan};
use distiq_llm::{ChatRequest, Part, Role};

use crate::call::{Calls, escalates};
use crate::prompt::{self, PLANNER};
use crate::{Error, Result};

/// A plan that passed its checks.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub plan: CodePlan,
}

/// The planner's request: instructions, the repository context (cached
/// parts), the task last, and `note` (why a re-plan is needed) after it.
pub(crate) fn request(
    route: &StageRoute,
    context: &[Part],
    task: &str,
    note: Option<&str>,
) -> ChatRequest {
    let mut req = ChatRequest::new(route.model.model.clone(), route.max_tokens);
    req.temperature = route.temperature;
    let mut parts = context.to_vec();
    parts.push(prompt::task_part(task));
    if let Some(note) = note {
        parts.push(Part::text(note.to_owned()));
    }
    req.system(Part::cached(PLANNER)).message(Role::User, parts)
}

/// Plans `task` on `route`'s chain of models.
pub(crate) async fn plan(
    calls: &Calls<'_>,
    root: &Path,
    route: &StageRoute,
    base: ChatRequest,
) -> Result<Planned> {
    let chain = calls.registry.chain(route);
    let mut tried = Vec::new();
    let mut last_problems: Vec<PlanProblem> = Vec::new();
    let mut last_error: Option<Error> = None;
    for (i, (model, tier)) in chain.iter().enumerate() {
        calls.emit(Event::StageStarted {
            stage: Stage::Plan,
            tier: *tier,
            model: model.clone(),
        });
        tried.push(model.to_string());
        let mut req = base.clone();
        if !last_problems.is_empty() {
            // A stronger model learns what the weaker one got wrong.
            add_note(
                &mut req,
                format!(
                    "A previous plan for this task failed its checks:\n{}\nAvoid these problems.",
                    list(&last_problems)
                ),
            );
        }
        // The first answer, then one more after the problems are sent back.
        let mut reason = String::new();
        for round in 0..2 {
            let out = calls
                .structured::<CodePlan>(
                    Stage::Plan,
                    model,
                    *tier,
                    req.clone(),
                    "code_plan",
                    "A plan of code changes: the files to create, modify or delete, with exact old and new code",
                )
                .await;
            let plan = match out {
                Ok(out) => out.value,
                Err(e) if escalates(&e) => {
                    reason = e.to_string();
                    last_error = Some(e);
                    break;
                }
                Err(e) => {
                    calls.emit(Event::StageFinished {
                        stage: Stage::Plan,
                        ok: false,
                    });
                    return Err(e);
                }
            };
            let problems = check(root, &plan);
            if problems.is_empty() {
                calls.emit(Event::StageFinished {
                    stage: Stage::Plan,
                    ok: true,
                });
                return Ok(Planned { plan });
            }
            let list = list(&problems);
            reason = format!("the plan failed its checks:\n{list}");
            last_problems = problems;
            last_error = None;
            if round == 0 {
                calls.emit(Event::Retrying {
                    stage: Stage::Plan,
                    model: model.clone(),
                    attempt: 2,
                    reason: reason.clone(),
                    delay_ms: 0,
                });
                req = sent_back(req, &plan, &list);
            }
        }
        if let Some((next, _)) = chain.get(i + 1) {
            calls.emit(Event::Escalated {
                stage: Stage::Plan,
                from: model.clone(),
                to: next.clone(),
                reason,
            });
        }
    }
    calls.emit(Event::StageFinished {
        stage: Stage::Plan,
        ok: false,
    });
    match last_error {
        Some(e) if last_problems.is_empty() => Err(e),
        _ => Err(Error::PlanRejected {
            how: if tried.len() > 1 {
                format!("sending it back and escalating ({})", tried.join(" -> "))
            } else {
                format!(
                    "sending it back to {}; no stronger model is configured to escalate to",
                    tried.join("")
                )
            },
            tried: tried.join(", "),
            problems: list(&last_problems),
        }),
    }
}

/// Every problem with `plan` in the repository at `root`: the executor
/// crate's checks (paths confined to the repository, which files exist,
/// each `old_code` found exactly once).
pub(crate) fn check(root: &Path, plan: &CodePlan) -> Vec<PlanProblem> {
    check_plan(root, plan, &MatchOptions::default())
}

/// Adds `note` to the last user message (providers differ on consecutive
/// user messages; one message with one more part suits all).
fn add_note(req: &mut ChatRequest, note: String) {
    match req.messages.last_mut() {
        Some(m) if m.role == Role::User => m.parts.push(Part::text(note)),
        _ => req.messages.push(distiq_llm::Message {
            role: Role::User,
            parts: vec![Part::text(note)],
        }),
    }
}

fn list(problems: &[PlanProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("- {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The conversation with the rejected plan and its problems appended.
fn sent_back(req: ChatRequest, plan: &CodePlan, problems: &str) -> ChatRequest {
    let json = serde_json::to_string(plan).unwrap_or_default();
    req.message(Role::Assistant, vec![Part::text(json)])
        .user(format!(
            "This plan cannot be carried out as written:\n{problems}\n\n\
         Write the whole plan again with these problems fixed. Paths are relative to the \
         repository root; old_code is copied exactly from the code shown, or null when the \
         code is not shown."
        ))
}
