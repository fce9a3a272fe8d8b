use std::sync::Arc;
use std::time::Instant;

use distiq_core::{
    CallOutcome, CallRecord, Event, EventSink, ModelRef, NullSink, Price, Stage, TaskId, Tier,
    Usage,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::structured::{parse, schema_for, token_ladder};
use crate::{
    CallContext, ChatRequest, ChatResponse, Error, Provider, Result, StructuredOutcome,
    StructuredSpec,
};

/// A provider bound to one model, its price and the stage it serves. Every
/// call through it is priced and reported as [`Event::CallFinished`], so the
/// ledger (an [`EventSink`]) sees all of them, failures included.
#[derive(Clone)]
pub struct ModelClient {
    provider: Arc<dyn Provider>,
    model: ModelRef,
    price: Price,
    baseline: Price,
    stage: Stage,
    tier: Tier,
    task_id: Option<TaskId>,
    sink: Arc<dyn EventSink>,
}

impl std::fmt::Debug for ModelClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelClient")
            .field("provider", &self.provider.name())
            .field("model", &self.model)
            .field("stage", &self.stage)
            .field("tier", &self.tier)
            .finish_non_exhaustive()
    }
}

impl ModelClient {
    /// Binds `provider` to `model`, priced at `price`; `baseline` is the
    /// top-tier price savings are measured against.
    pub fn new(
        provider: Arc<dyn Provider>,
        model: ModelRef,
        price: Price,
        baseline: Price,
    ) -> Self {
        Self {
            provider,
            model,
            price,
            baseline,
            stage: Stage::Answer,
            tier: Tier::Cheap,
            task_id: None,
            sink: Arc::new(NullSink),
        }
    }

    /// Sets the stage and tier recorded with each call.
    #[must_use]
    pub fn for_stage(mut self, stage: Stage, tier: Tier) -> Self {
        self.stage = stage;
        self.tier = tier;
        self
    }

    /// Sets the task recorded with each call.
    #[must_use]
    pub fn for_task(mut self, task: TaskId) -> Self {
        self.task_id = Some(task);
        self
    }

    /// Sets where events go.
    #[must_use]
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = sink;
        self
    }

    /// The model this client calls.
    pub fn model(&self) -> &ModelRef {
        &self.model
    }

    /// One call. Streamed text goes to the sink as [`Event::TextDelta`] and
    /// to `ctx.on_delta`; retries as [`Event::Retrying`].
    pub async fn chat(&self, mut req: ChatRequest, ctx: &CallContext) -> Result<ChatResponse> {
        req.model.clone_from(&self.model.model);
        self.call(&req, ctx, 1).await
    }

    /// A structured call: `T`'s schema goes to the provider's native mode,
    /// the answer is parsed into `T`. An answer cut off by `max_tokens` is
    /// asked again with the next step of `ladder`; past the last step the
    /// call fails with [`Error::Truncated`].
    pub async fn structured<T: DeserializeOwned + JsonSchema>(
        &self,
        mut req: ChatRequest,
        name: &str,
        description: &str,
        ladder: &[u32],
        ctx: &CallContext,
    ) -> Result<StructuredOutcome<T>> {
        req.model.clone_from(&self.model.model);
        req.structured = Some(StructuredSpec {
            name: name.to_owned(),
            description: description.to_owned(),
            schema: schema_for::<T>(),
        });
        let steps = token_ladder(req.max_tokens, ladder);
        let mut last = req.max_tokens;
        for (i, max_tokens) in steps.iter().copied().enumerate() {
            req.max_tokens = max_tokens;
            last = max_tokens;
            let attempt = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
            let resp = self.call(&req, ctx, attempt).await?;
            if resp.truncated() {
                if let Some(next) = steps.get(i + 1) {
                    self.sink.emit(&Event::Retrying {
                        stage: self.stage,
                        model: self.model.clone(),
                        attempt: attempt + 1,
                        reason: format!("structured answer truncated at max_tokens = {max_tokens}; retrying with {next}"),
                        delay_ms: 0,
                    });
                }
                continue;
            }
            let value = parse::<T>(&resp.text, &self.model.to_string())?;
            return Ok(StructuredOutcome {
                value,
                response: resp,
                attempts: attempt,
            });
        }
        Err(Error::Truncated {
            model: self.model.to_string(),
            max_tokens: last,
        })
    }

    async fn call(
        &self,
        req: &ChatRequest,
        ctx: &CallContext,
        attempt: u32,
    ) -> Result<ChatResponse> {
        let at = jiff::Timestamp::now();
        let started = Instant::now();
        let ctx = self.hooked(ctx);
        let result = self.provider.send(req, &ctx).await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (usage, outcome) = match &result {
            Ok(r) if r.truncated() => (r.usage, CallOutcome::Truncated),
            Ok(r) => (r.usage, CallOutcome::Ok),
            Err(Error::Cancelled) => (Usage::default(), CallOutcome::Cancelled),
            Err(e) => (
                Usage::default(),
                CallOutcome::Error {
                    message: e.to_string(),
                },
            ),
        };
        self.sink.emit(&Event::CallFinished(CallRecord {
            at,
            task_id: self.task_id,
            stage: self.stage,
            tier: self.tier,
            model: self.model.clone(),
            usage,
            cost: self.price.cost(&usage),
            baseline_cost: self.baseline.undiscounted_cost(&usage),
            latency_ms,
            streamed: req.stream,
            batch: false,
            attempt,
            outcome,
        }));
        result
    }

    /// `ctx` with the sink listening to deltas and retries as well.
    fn hooked(&self, ctx: &CallContext) -> CallContext {
        let mut out = ctx.clone();
        let (sink, stage, outer) = (self.sink.clone(), self.stage, ctx.on_delta.clone());
        out.on_delta = Some(Arc::new(move |text: &str| {
            sink.emit(&Event::TextDelta {
                stage,
                text: text.to_owned(),
            });
            if let Some(cb) = &outer {
                cb(text);
            }
        }));
        let (sink, model, outer) = (self.sink.clone(), self.model.clone(), ctx.on_retry.clone());
        out.on_retry = Some(Arc::new(move |n: crate::provider::RetryNotice| {
            sink.emit(&Event::Retrying {
                stage,
                model: model.clone(),
                attempt: n.attempt,
                reason: n.reason.clone(),
                delay_ms: u64::try_from(n.delay.as_millis()).unwrap_or(u64::MAX),
            });
            if let Some(cb) = &outer {
                cb(n);
            }
        }));
        out
    }
}
