//! Provider batch APIs: many requests sent at once, answered within hours
//! at half the price. For work nobody waits on (CI, reviews of long
//! ranges).
//!
//! - Anthropic Message Batches, on every provider of kind `anthropic`.
//! - The OpenAI Batch API, on `api.openai.com`. OpenAI-compatible servers
//!   (DeepSeek, OpenRouter, Ollama, vLLM, ...) have none, nor has Gemini's
//!   `generateContent`: [`batch_client`] returns `None` for them and the
//!   caller makes normal calls.
//!
//! Every answer is reported as one [`Event::CallFinished`] priced at half
//! the model's price, rounded once to the micro-dollar; the baseline stays
//! the undiscounted top-tier price, so the discount shows as savings.
//! Batches are polled every [`BatchPolicy::poll_interval`]; one that has not
//! ended after [`BatchPolicy::max_wait`] is cancelled and reported as a
//! timeout.
//!
//! [`Event::CallFinished`]: distiq_core::Event::CallFinished

mod anthropic;
mod http;
mod openai;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use distiq_config::Config;
use distiq_core::{
    CallOutcome, CallRecord, Event, EventSink, ModelRef, Money, Price, ProviderKind, Stage, TaskId,
    Tier, Usage,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::structured::{parse, schema_for};
use crate::{
    CallContext, ChatRequest, ChatResponse, EnvLookup, Error, ProviderSettings, Result,
    RetryPolicy, StructuredOutcome, StructuredSpec,
};

/// Answers by `custom_id`.
pub(crate) type Answers = BTreeMap<String, Result<ChatResponse>>;

/// How a batch is waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPolicy {
    /// The wait between two status checks.
    pub poll_interval: Duration,
    /// How long the batch may take before it is cancelled.
    pub max_wait: Duration,
}

/// One request of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    /// The caller's id for it, unique in the batch: letters, digits, `_`
    /// and `-`, at most 64 characters (Anthropic's rule).
    pub custom_id: String,
    /// The request.
    pub request: ChatRequest,
}

/// One answer of a batch.
#[derive(Debug)]
pub struct BatchResult<T> {
    /// The id of the request it answers.
    pub custom_id: String,
    /// The parsed answer, or why there is none (a truncated answer is an
    /// [`Error::Truncated`]: batches do not retry with more room).
    pub outcome: Result<StructuredOutcome<T>>,
}

#[derive(Debug)]
enum Api {
    Anthropic(anthropic::Batches),
    OpenAi(openai::Batches),
}

/// A provider's batch API bound to one model, its price and the stage it
/// serves, like a [`crate::ModelClient`].
#[derive(Clone)]
pub struct BatchClient {
    api: Arc<Api>,
    model: ModelRef,
    price: Price,
    baseline: Price,
    stage: Stage,
    tier: Tier,
    task_id: Option<TaskId>,
    sink: Arc<dyn EventSink>,
}

impl std::fmt::Debug for BatchClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchClient")
            .field("model", &self.model)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

/// Whether distiq can use a batch API on a provider of `kind` at
/// `base_url`.
pub fn has_batch_api(kind: ProviderKind, base_url: &str) -> bool {
    match kind {
        ProviderKind::Anthropic => true,
        ProviderKind::Openai => reqwest::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|h| h == "api.openai.com"),
        ProviderKind::Gemini => false,
    }
}

/// A batch client for `model` from `config`, with its key from `env`,
/// reporting to `sink` (the same inputs a [`crate::Registry`] takes).
/// `Ok(None)` when its provider has no batch API.
pub fn batch_client(
    config: &Config,
    env: &EnvLookup,
    model: &ModelRef,
    stage: Stage,
    tier: Tier,
    task: Option<TaskId>,
    sink: Arc<dyn EventSink>,
) -> Result<Option<BatchClient>> {
    let name = model.provider.as_str();
    let pc = config.providers.get(name).ok_or_else(|| Error::Config {
        provider: name.to_owned(),
        message: "no such provider in the config".to_owned(),
    })?;
    if !has_batch_api(pc.kind, &pc.base_url) {
        return Ok(None);
    }
    let key = pc.api_key(name, |v| env(v)).map_err(|e| Error::Config {
        provider: name.to_owned(),
        message: e.to_string(),
    })?;
    if key.is_none() && !pc.is_local() {
        return Err(Error::MissingKey {
            provider: name.to_owned(),
            vars: pc.api_key_env.join(" or "),
        });
    }
    let r = &config.retry;
    let mut settings = ProviderSettings::new(name, pc.kind, pc.base_url.clone())
        .with_key(key)
        .with_retry(RetryPolicy {
            max_attempts: r.max_attempts.max(1),
            initial_delay: r.initial_delay,
            max_delay: r.max_delay,
            max_retry_after: r.max_retry_after,
            ..RetryPolicy::default()
        });
    settings.connect_timeout = config.timeouts.connect;
    settings.request_timeout = config.timeouts.request;
    let price = config.price(model).unwrap_or_default();
    let client = BatchClient::new(&settings, model.clone(), price, config.baseline_price())?;
    Ok(Some(
        client
            .for_stage(stage, tier)
            .with_sink(sink)
            .with_task(task),
    ))
}

impl BatchClient {
    /// A client for the batch API of the provider `settings` describe,
    /// whatever its host (tests point it at a fake server). Use
    /// [`batch_client`] to get one only where a batch API exists.
    pub fn new(
        settings: &ProviderSettings,
        model: ModelRef,
        price: Price,
        baseline: Price,
    ) -> Result<Self> {
        let api = match settings.kind {
            ProviderKind::Anthropic => Api::Anthropic(anthropic::Batches::new(settings)?),
            ProviderKind::Openai => Api::OpenAi(openai::Batches::new(settings)?),
            ProviderKind::Gemini => {
                return Err(Error::Config {
                    provider: settings.name.clone(),
                    message: "Gemini's generateContent has no batch API distiq uses".to_owned(),
                });
            }
        };
        Ok(Self {
            api: Arc::new(api),
            model,
            price,
            baseline,
            stage: Stage::Answer,
            tier: Tier::Cheap,
            task_id: None,
            sink: Arc::new(distiq_core::NullSink),
        })
    }

    /// Sets the stage and tier recorded with each answer.
    #[must_use]
    pub fn for_stage(mut self, stage: Stage, tier: Tier) -> Self {
        self.stage = stage;
        self.tier = tier;
        self
    }

    /// Sets the task recorded with each answer.
    #[must_use]
    pub fn with_task(mut self, task: Option<TaskId>) -> Self {
        self.task_id = task;
        self
    }

    /// Sets where events go.
    #[must_use]
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = sink;
        self
    }

    /// The model every request is sent to.
    pub fn model(&self) -> &ModelRef {
        &self.model
    }

    /// Sends `items` as one batch asking each for a `T` (schema enforced
    /// as in [`crate::ModelClient::structured`]), waits for it under
    /// `policy`, and returns one result per item, in the items' order.
    /// `Err` when the batch as a whole failed (creation refused, timed
    /// out, cancelled).
    pub async fn structured<T: DeserializeOwned + JsonSchema>(
        &self,
        items: Vec<BatchItem>,
        name: &str,
        description: &str,
        policy: &BatchPolicy,
        ctx: &CallContext,
    ) -> Result<Vec<BatchResult<T>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let spec = StructuredSpec {
            name: name.to_owned(),
            description: description.to_owned(),
            schema: schema_for::<T>(),
        };
        let requests: Vec<(String, ChatRequest)> = items
            .into_iter()
            .map(|item| {
                let mut req = item.request;
                req.model.clone_from(&self.model.model);
                req.structured = Some(spec.clone());
                (item.custom_id, req)
            })
            .collect();
        let at = jiff::Timestamp::now();
        let started = Instant::now();
        let answers = match self.api.as_ref() {
            Api::Anthropic(a) => a.run(&requests, policy, ctx).await,
            Api::OpenAi(o) => o.run(&requests, policy, ctx).await,
        }?;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let mut answers = answers;
        let model = self.model.to_string();
        let mut out = Vec::with_capacity(requests.len());
        for (custom_id, req) in requests {
            let answer = answers.remove(&custom_id).unwrap_or_else(|| {
                Err(Error::Protocol {
                    provider: self.model.provider.clone(),
                    message: format!("the batch has no result for request {custom_id}"),
                })
            });
            self.record(at, latency_ms, &answer);
            let outcome = answer.and_then(|resp| {
                if resp.truncated() {
                    return Err(Error::Truncated {
                        model: model.clone(),
                        max_tokens: req.max_tokens,
                    });
                }
                let value = parse::<T>(&resp.text, &model)?;
                Ok(StructuredOutcome {
                    value,
                    response: resp,
                    attempts: 1,
                })
            });
            out.push(BatchResult { custom_id, outcome });
        }
        Ok(out)
    }

    /// Reports one answer, priced at the batch discount.
    fn record(&self, at: jiff::Timestamp, latency_ms: i64, answer: &Result<ChatResponse>) {
        let (usage, outcome) = match answer {
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
            cost: batch_cost(&self.price, &usage),
            baseline_cost: self.baseline.undiscounted_cost(&usage),
            latency_ms,
            streamed: false,
            batch: true,
            attempt: 1,
            outcome,
        }));
    }
}

/// What `usage` costs through a batch API: half of `price`, each kind of
/// token at its own rate, summed exactly and rounded once (half up) to the
/// micro-dollar.
pub fn batch_cost(price: &Price, usage: &Usage) -> Money {
    let pico = i128::from(usage.input_tokens) * i128::from(price.input)
        + i128::from(usage.output_tokens) * i128::from(price.output)
        + i128::from(usage.cache_read_tokens) * i128::from(price.cached_input)
        + i128::from(usage.cache_write_tokens) * i128::from(price.cache_write);
    // Per-MTok rates in micro-dollars: µ$ = pico / 1e6; halved: / 2e6.
    let d: i128 = 2_000_000;
    let q = (pico + d / 2).div_euclid(d);
    Money::from_micros(i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN }))
}

#[cfg(test)]
mod tests;
