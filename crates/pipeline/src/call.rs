//! Model calls as the stages make them: each one checked against the budget
//! first, truncated structured answers retried with more room (seed 000),
//! every call recorded through the registry's sink.

use std::sync::Arc;

use distiq_config::Config;
use distiq_core::{Event, EventSink, ModelRef, Stage, TaskId, Tier};
use distiq_llm::{
    CallContext, ChatRequest, ChatResponse, Registry, StructuredOutcome, StructuredSpec, schema_for,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::budget::{Guard, Spend, worst_case};
use crate::{Error, Result};

/// What a stage needs to call models for one task.
pub(crate) struct Calls<'a> {
    pub registry: &'a Registry,
    pub spend: &'a Spend,
    pub guard: Guard,
    pub task: TaskId,
    pub ctx: &'a CallContext,
    /// The tier every stage runs at for this task, when the user forced one.
    pub force_tier: Option<Tier>,
    pub sink: &'a Arc<dyn EventSink>,
}

impl Calls<'_> {
    pub fn config(&self) -> &Config {
        self.registry.config()
    }

    pub fn emit(&self, event: Event) {
        self.sink.emit(&event);
    }

    /// Refuses a call of `req` on `model` that could pass a budget.
    pub fn check(&self, stage: Stage, model: &ModelRef, req: &ChatRequest) -> Result<()> {
        let estimate = worst_case(self.config(), model, req);
        self.guard
            .check(self.spend, self.task, stage, model, estimate)
    }

    /// One structured answer of type `T` from `model`, streamed. A
    /// truncated answer is asked again with the next step of the
    /// `max_tokens` ladder, each attempt checked against the budget first.
    pub async fn structured<T: DeserializeOwned + JsonSchema>(
        &self,
        stage: Stage,
        model: &ModelRef,
        tier: Tier,
        req: ChatRequest,
        name: &str,
        description: &str,
    ) -> Result<StructuredOutcome<T>> {
        let client = self.registry.client(model, stage, tier, Some(self.task))?;
        let steps = ladder(req.max_tokens, self.registry.ladder());
        for (i, max_tokens) in steps.iter().copied().enumerate() {
            let mut req = req.clone();
            req.max_tokens = max_tokens;
            // Streamed, so a long answer from a slow (local) model is bound
            // by the idle timeout between chunks, not by one timeout for the
            // whole answer; front ends also see it arrive.
            req.stream = true;
            // The schema is part of the prompt the budget prices.
            let mut priced = req.clone();
            priced.structured = Some(StructuredSpec {
                name: name.to_owned(),
                description: description.to_owned(),
                schema: schema_for::<T>(),
            });
            self.check(stage, model, &priced)?;
            match client
                .structured::<T>(req, name, description, &[], self.ctx)
                .await
            {
                Ok(out) => return Ok(out),
                Err(distiq_llm::Error::Truncated { .. }) if i + 1 < steps.len() => {
                    self.emit(Event::Retrying {
                        stage,
                        model: model.clone(),
                        attempt: u32::try_from(i + 2).unwrap_or(u32::MAX),
                        reason: format!(
                            "structured answer truncated at max_tokens = {max_tokens}; retrying with {}",
                            steps[i + 1]
                        ),
                        delay_ms: 0,
                    });
                }
                Err(e) => return Err(llm(e)),
            }
        }
        Err(Error::Llm(distiq_llm::Error::Truncated {
            model: model.to_string(),
            max_tokens: steps.last().copied().unwrap_or_default(),
        }))
    }

    /// One plain (optionally streamed) answer from `model`.
    pub async fn chat(
        &self,
        stage: Stage,
        model: &ModelRef,
        tier: Tier,
        req: ChatRequest,
    ) -> Result<ChatResponse> {
        self.check(stage, model, &req)?;
        let client = self.registry.client(model, stage, tier, Some(self.task))?;
        client.chat(req, self.ctx).await.map_err(llm)
    }
}

/// Runs `call` on each model of `chain` until one answers, announcing the
/// stage and each escalation; up only.
pub(crate) async fn climb<T, F, Fut>(
    calls: &Calls<'_>,
    stage: Stage,
    chain: Vec<(ModelRef, Tier)>,
    call: F,
) -> Result<T>
where
    F: Fn(ModelRef, Tier) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut last = None;
    for (i, (model, tier)) in chain.iter().enumerate() {
        calls.emit(Event::StageStarted {
            stage,
            tier: *tier,
            model: model.clone(),
        });
        match call(model.clone(), *tier).await {
            Ok(v) => {
                calls.emit(Event::StageFinished { stage, ok: true });
                return Ok(v);
            }
            Err(e) if escalates(&e) => {
                if let Some((next, _)) = chain.get(i + 1) {
                    calls.emit(Event::Escalated {
                        stage,
                        from: model.clone(),
                        to: next.clone(),
                        reason: e.to_string(),
                    });
                }
                last = Some(e);
            }
            Err(e) => {
                calls.emit(Event::StageFinished { stage, ok: false });
                return Err(e);
            }
        }
    }
    calls.emit(Event::StageFinished { stage, ok: false });
    Err(last.unwrap_or_else(|| {
        Error::Llm(distiq_llm::Error::Exhausted {
            stage: stage.to_string(),
            failures: "no model is configured".to_owned(),
        })
    }))
}

/// A cancelled call is the task's cancellation, not a model failure.
pub(crate) fn llm(e: distiq_llm::Error) -> Error {
    match e {
        distiq_llm::Error::Cancelled => Error::Cancelled,
        other => Error::Llm(other),
    }
}

/// `max_tokens` for each attempt: the request's own, then each larger step.
fn ladder(first: u32, steps: &[u32]) -> Vec<u32> {
    let mut out = vec![first];
    out.extend(steps.iter().copied().filter(|&n| n > first));
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether an error is worth trying a stronger model for: the model
/// answered badly or not at all. Budgets, cancellation and missing keys
/// stop at once.
pub(crate) fn escalates(e: &Error) -> bool {
    match e {
        Error::Llm(e) => !matches!(
            e,
            distiq_llm::Error::Cancelled
                | distiq_llm::Error::MissingKey { .. }
                | distiq_llm::Error::KeyFile { .. }
                | distiq_llm::Error::Config { .. }
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_only_grows() {
        assert_eq!(
            ladder(4_000, &[16_384, 32_768]),
            vec![4_000, 16_384, 32_768]
        );
        assert_eq!(ladder(40_000, &[16_384, 65_536]), vec![40_000, 65_536]);
    }
}
