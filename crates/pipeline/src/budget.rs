//! Spending: what each task's calls cost as they finish (an event sink), and
//! the budget check made before every model call.
//!
//! The check is worst-case: the prompt's estimated tokens at the input price
//! plus the whole `max_tokens` at the output price. A call that could pass
//! `budget.per_task` or `budget.per_day` is not made.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use distiq_config::Config;
use distiq_core::{Event, EventSink, ModelRef, Money, Stage, TaskId, Usage};
use distiq_llm::ChatRequest;
use serde::Serialize;

use crate::{Error, Result};

/// What one stage of a task cost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StageSpend {
    /// Model calls made, failures included.
    pub calls: u32,
    /// What they cost.
    pub cost: Money,
    /// What the same tokens would have cost on the top tier.
    pub baseline: Money,
}

/// What one task's calls cost, in all and per stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskSpend {
    /// Model calls made.
    pub calls: u32,
    /// What they cost.
    pub cost: Money,
    /// What the same tokens would have cost on the top tier.
    pub baseline: Money,
    /// Per stage.
    pub stages: BTreeMap<Stage, StageSpend>,
}

#[derive(Debug, Default)]
struct Totals {
    tasks: HashMap<TaskId, TaskSpend>,
    all: Money,
}

/// An [`EventSink`] that adds up the cost of every finished call, per task
/// and stage, and in all (for the day budget).
#[derive(Debug, Default)]
pub struct Spend(Mutex<Totals>);

impl Spend {
    /// What `task`'s calls have cost so far.
    pub fn task(&self, task: TaskId) -> TaskSpend {
        self.lock().tasks.get(&task).cloned().unwrap_or_default()
    }

    /// What every call seen has cost.
    pub fn all(&self) -> Money {
        self.lock().all
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Totals> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventSink for Spend {
    fn emit(&self, event: &Event) {
        let Event::CallFinished(call) = event else {
            return;
        };
        let mut totals = self.lock();
        totals.all += call.cost;
        if let Some(task) = call.task_id {
            let t = totals.tasks.entry(task).or_default();
            t.calls += 1;
            t.cost += call.cost;
            t.baseline += call.baseline_cost;
            let s = t.stages.entry(call.stage).or_default();
            s.calls += 1;
            s.cost += call.cost;
            s.baseline += call.baseline_cost;
        }
    }
}

/// Sends every event to each sink in turn.
pub(crate) struct Tee(pub Vec<Arc<dyn EventSink>>);

impl EventSink for Tee {
    fn emit(&self, event: &Event) {
        for sink in &self.0 {
            sink.emit(event);
        }
    }
}

/// The worst case of one call: every prompt token (estimated) at the input
/// price and the whole `max_tokens` at the output price. A model with no
/// price costs nothing.
pub fn worst_case(config: &Config, model: &ModelRef, req: &ChatRequest) -> Money {
    let price = config.price(model).unwrap_or_default();
    price.cost(&Usage {
        input_tokens: prompt_tokens(req),
        output_tokens: i64::from(req.max_tokens),
        ..Usage::default()
    })
}

/// The estimated tokens of everything a request sends: system, messages
/// and the structured-output schema.
pub fn prompt_tokens(req: &ChatRequest) -> i64 {
    let mut tokens = 0usize;
    for p in &req.system {
        tokens += distiq_analyzer::estimate_tokens(&p.text);
    }
    for m in &req.messages {
        for p in &m.parts {
            // A few tokens of framing per part.
            tokens += distiq_analyzer::estimate_tokens(&p.text) + 4;
        }
    }
    if let Some(spec) = &req.structured {
        tokens += distiq_analyzer::estimate_tokens(&spec.schema.to_string());
    }
    i64::try_from(tokens).unwrap_or(i64::MAX)
}

/// The limits and what was spent against them before this process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guard {
    pub limits: distiq_config::Budget,
    /// Today's spend from the ledger when the pipeline started.
    pub spent_today: Money,
}

impl Guard {
    /// Refuses a call whose worst case could pass a limit.
    pub fn check(
        &self,
        spend: &Spend,
        task: TaskId,
        stage: Stage,
        model: &ModelRef,
        estimate: Money,
    ) -> Result<()> {
        if let Some(limit) = self.limits.per_task {
            let spent = spend.task(task).cost;
            if spent + estimate > limit {
                return Err(Error::Budget {
                    stage,
                    model: model.to_string(),
                    limit_name: "per_task",
                    limit,
                    spent,
                    scope: "on this task",
                    estimate,
                });
            }
        }
        if let Some(limit) = self.limits.per_day {
            let spent = self.spent_today + spend.all();
            if spent + estimate > limit {
                return Err(Error::Budget {
                    stage,
                    model: model.to_string(),
                    limit_name: "per_day",
                    limit,
                    spent,
                    scope: "today",
                    estimate,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use distiq_core::{CallOutcome, CallRecord, Tier};

    use super::*;

    fn call(task: TaskId, stage: Stage, cost: i64) -> Event {
        Event::CallFinished(CallRecord {
            at: jiff::Timestamp::UNIX_EPOCH,
            task_id: Some(task),
            stage,
            tier: Tier::Cheap,
            model: ModelRef::new("p", "m"),
            usage: Usage::default(),
            cost: Money::from_micros(cost),
            baseline_cost: Money::from_micros(cost * 10),
            latency_ms: 1,
            streamed: false,
            batch: false,
            attempt: 1,
            outcome: CallOutcome::Ok,
        })
    }

    #[test]
    fn spend_adds_up_per_task_and_stage_and_the_guard_names_the_limit() {
        let spend = Spend::default();
        let (a, b) = (TaskId::new(), TaskId::new());
        spend.emit(&call(a, Stage::Plan, 300));
        spend.emit(&call(a, Stage::Execute, 20));
        spend.emit(&call(b, Stage::Plan, 1_000));
        let t = spend.task(a);
        assert_eq!(t.cost, Money::from_micros(320));
        assert_eq!(t.stages[&Stage::Plan].baseline, Money::from_micros(3_000));
        assert_eq!(spend.all(), Money::from_micros(1_320));

        let guard = Guard {
            limits: distiq_config::Budget {
                per_task: Some(Money::from_micros(400)),
                per_day: Some(Money::from_micros(5_000)),
            },
            spent_today: Money::from_micros(3_400),
        };
        let model = ModelRef::new("p", "m");
        assert!(
            guard
                .check(&spend, a, Stage::Execute, &model, Money::from_micros(80))
                .is_ok()
        );
        let err = guard
            .check(&spend, a, Stage::Execute, &model, Money::from_micros(81))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("per_task") && err.contains("$0.00032"),
            "{err}"
        );
        let err = guard
            .check(
                &spend,
                TaskId::new(),
                Stage::Plan,
                &model,
                Money::from_micros(281),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("per_day") && err.contains("today"), "{err}");
        assert!(
            guard
                .check(
                    &spend,
                    TaskId::new(),
                    Stage::Plan,
                    &model,
                    Money::from_micros(280)
                )
                .is_ok()
        );
    }
}
