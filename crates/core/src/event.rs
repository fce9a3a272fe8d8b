use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::{
    CodePlan, FileAction, ModelRef, Money, RouteDecision, Stage, Task, TaskId, Tier, Usage,
};

/// How a model call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CallOutcome {
    /// The model finished normally.
    Ok,
    /// The model stopped at `max_tokens`; the answer is incomplete.
    Truncated,
    /// The call failed; the message says how (never with a key in it).
    Error {
        /// What went wrong.
        message: String,
    },
    /// The user or a deadline cancelled the call.
    Cancelled,
}

/// One model call, priced: what the ledger stores and what front ends show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// When the call started.
    pub at: jiff::Timestamp,
    /// The task the call served, if any.
    pub task_id: Option<TaskId>,
    /// The stage the call served.
    pub stage: Stage,
    /// The tier the stage asked for.
    pub tier: Tier,
    /// The model that answered.
    pub model: ModelRef,
    /// Tokens by kind.
    pub usage: Usage,
    /// What the call cost at the model's price.
    pub cost: Money,
    /// What the same tokens would have cost on the top-tier model with no
    /// prompt-cache discount: the baseline savings are measured against.
    pub baseline_cost: Money,
    /// Wall time from request to the last byte.
    pub latency_ms: i64,
    /// Whether the answer was streamed.
    pub streamed: bool,
    /// Whether the call went through the provider's batch API, billed at
    /// its batch discount (`cost` already has it; `baseline_cost` does not).
    #[serde(default)]
    pub batch: bool,
    /// 1 for the first try; higher for retries and escalations.
    pub attempt: u32,
    /// How the call ended.
    pub outcome: CallOutcome,
}

/// What the pipeline reports as it works. The plain CLI, `--json` and the
/// TUI all consume these; library crates never print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A task entered the pipeline.
    TaskStarted {
        /// The task.
        task: Task,
    },
    /// The local router decided what the task is and which tier each stage
    /// needs.
    RouteDecided {
        /// The task, when routing served one.
        task_id: Option<TaskId>,
        /// The decision.
        decision: RouteDecision,
    },
    /// The semantic cache was asked whether this task was already answered.
    CacheLookup {
        /// The task, when the lookup served one.
        task_id: Option<TaskId>,
        /// Whether an entry was served.
        hit: bool,
        /// The similarity of the nearest entry, if there was one.
        similarity: Option<f32>,
        /// What serving the entry saved: the cost of the calls it replaced
        /// (zero on a miss).
        saved: Money,
        /// Why it hit or missed, for people ("exact", "salient tokens differ:
        /// 8080 vs 8081", "src/lib.rs changed").
        reason: String,
    },
    /// A stage began work on a model.
    StageStarted {
        /// Which stage.
        stage: Stage,
        /// The tier it runs at.
        tier: Tier,
        /// The model serving it.
        model: ModelRef,
    },
    /// Streamed text from the model serving a stage.
    TextDelta {
        /// Which stage.
        stage: Stage,
        /// The new text.
        text: String,
    },
    /// A model call finished (successfully or not) and was priced.
    CallFinished(CallRecord),
    /// A call is about to be tried again on the same model.
    Retrying {
        /// Which stage.
        stage: Stage,
        /// The model being retried.
        model: ModelRef,
        /// The attempt about to start.
        attempt: u32,
        /// Why the last attempt failed.
        reason: String,
        /// How long distiq waits first.
        delay_ms: u64,
    },
    /// A stage moved to a stronger model.
    Escalated {
        /// Which stage.
        stage: Stage,
        /// The model that failed.
        from: ModelRef,
        /// The stronger model taking over.
        to: ModelRef,
        /// Why.
        reason: String,
    },
    /// A stage finished.
    StageFinished {
        /// Which stage.
        stage: Stage,
        /// Whether it succeeded.
        ok: bool,
    },
    /// The plan a task will carry out passed its checks against the
    /// repository.
    PlanReady {
        /// The task.
        task_id: TaskId,
        /// The plan.
        plan: CodePlan,
        /// Whether it came from the semantic cache instead of a planner.
        cached: bool,
    },
    /// A task's edits were applied in memory and written to the work tree,
    /// all-or-nothing.
    EditsWritten {
        /// The task.
        task_id: TaskId,
        /// Each file written.
        files: Vec<FileDelta>,
    },
    /// The validator checked the work tree.
    Validated {
        /// The task.
        task_id: TaskId,
        /// Whether every check passed.
        passed: bool,
        /// Each check, in the order run.
        checks: Vec<CheckSummary>,
    },
    /// A task's writes were undone: the files are as they were before it.
    RolledBack {
        /// The task.
        task_id: TaskId,
        /// The files put back.
        paths: Vec<String>,
        /// Why.
        reason: String,
    },
    /// A task's changes were committed.
    Committed {
        /// The task.
        task_id: TaskId,
        /// The commit id, in hex.
        commit: String,
        /// The first line of its message.
        summary: String,
        /// The paths it changed.
        paths: Vec<String>,
    },
    /// Something the user should know that does not stop the work.
    Warning {
        /// The message.
        message: String,
    },
    /// A task left the pipeline.
    TaskFinished {
        /// The task.
        task_id: TaskId,
        /// Whether it succeeded.
        ok: bool,
        /// What all its calls cost.
        cost: Money,
        /// What the same calls would have cost on the top tier.
        baseline_cost: Money,
    },
}

/// One file a task wrote, for summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDelta {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// Created, modified or deleted.
    pub action: FileAction,
    /// Lines added.
    pub added: u32,
    /// Lines removed.
    pub removed: u32,
}

/// One check of a validation, for summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    /// `syntax`, `lint` or `test`.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// One line for people.
    pub summary: String,
}

/// Receives pipeline events. Implementations must be cheap: the pipeline
/// calls `emit` inline.
pub trait EventSink: Send + Sync {
    /// Handles one event.
    fn emit(&self, event: &Event);
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: &Event) {}
}

/// Keeps every event, for tests and for summaries after a run.
#[derive(Debug, Default)]
pub struct VecSink(Mutex<Vec<Event>>);

impl VecSink {
    /// The events so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl EventSink for VecSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event.clone());
        }
    }
}

impl<F: Fn(&Event) + Send + Sync> EventSink for F {
    fn emit(&self, event: &Event) {
        self(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_as_tagged_json_lines() {
        let ev = Event::StageStarted {
            stage: Stage::Plan,
            tier: Tier::Top,
            model: "anthropic:claude-opus-4-1".parse().unwrap(),
        };
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["event"], "stage_started");
        assert_eq!(json["stage"], "plan");
        assert_eq!(json["model"], "anthropic:claude-opus-4-1");
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, ev);
    }
}
