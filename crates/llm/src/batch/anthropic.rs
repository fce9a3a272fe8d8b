//! Anthropic Message Batches: `POST /v1/messages/batches` with
//! `{"requests": [{"custom_id", "params"}]}` (each `params` a Messages
//! request body), `GET /v1/messages/batches/{id}` until
//! `processing_status` is `ended`, then the JSONL at `results_url`: one
//! `{"custom_id", "result": {"type": "succeeded", "message"} | {"type":
//! "errored", "error"} | {"type": "canceled"} | {"type": "expired"}}` per
//! request, in any order.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use super::http::{Body, Http, sleep};
use super::{Answers, BatchPolicy};
use crate::anthropic::wire::{self, ToolPlan};
use crate::provider::{CallContext, ProviderSettings};
use crate::transport::excerpt;
use crate::{ChatRequest, Error, Result};

const API_VERSION: &str = "2023-06-01";

/// The Message Batches endpoints of one Anthropic provider.
#[derive(Debug)]
pub(crate) struct Batches {
    http: Http,
    url: String,
}

impl Batches {
    pub(crate) fn new(settings: &ProviderSettings) -> Result<Self> {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(API_VERSION),
        );
        if let Some(key) = &settings.api_key {
            let mut v = HeaderValue::from_str(key.expose()).map_err(|_| Error::Config {
                provider: settings.name.clone(),
                message: "the API key contains characters that cannot go in an HTTP header; check the key file or variable".to_owned(),
            })?;
            v.set_sensitive(true);
            h.insert(HeaderName::from_static("x-api-key"), v);
        }
        let base = settings.base();
        let url = if base.ends_with("/v1") {
            format!("{base}/messages/batches")
        } else {
            format!("{base}/v1/messages/batches")
        };
        Ok(Self {
            http: Http::new(settings, h)?,
            url,
        })
    }

    /// Submits `requests`, waits for the batch to end, and reads its
    /// results.
    pub(crate) async fn run(
        &self,
        requests: &[(String, ChatRequest)],
        policy: &BatchPolicy,
        ctx: &CallContext,
    ) -> Result<Answers> {
        let mut plans: BTreeMap<String, Option<ToolPlan>> = BTreeMap::new();
        let mut items = Vec::with_capacity(requests.len());
        for (id, req) in requests {
            let mut req = req.clone();
            req.stream = false;
            let (params, plan) = wire::request_body(&req);
            plans.insert(id.clone(), plan);
            items.push(json!({ "custom_id": id, "params": params }));
        }
        let created = self
            .http
            .json(
                Method::POST,
                &self.url,
                Body::Json(json!({ "requests": items })),
                ctx,
            )
            .await?;
        let id = self.field(&created, "id")?;
        tracing::info!(provider = self.http.provider(), batch = %id, requests = requests.len(), "message batch created");
        let deadline = Instant::now() + policy.max_wait;
        let batch = loop {
            let batch = self
                .http
                .json(Method::GET, &format!("{}/{id}", self.url), Body::None, ctx)
                .await;
            let batch = match batch {
                Ok(b) => b,
                Err(Error::Cancelled) => {
                    self.cancel(&id).await;
                    return Err(Error::Cancelled);
                }
                Err(e) => return Err(e),
            };
            if batch.get("processing_status").and_then(Value::as_str) == Some("ended") {
                break batch;
            }
            if Instant::now() + policy.poll_interval > deadline {
                self.cancel(&id).await;
                return Err(Error::Timeout {
                    provider: self.http.provider().to_owned(),
                    what: "message batch; it was cancelled",
                    after: policy.max_wait,
                });
            }
            if let Err(e) = sleep(policy.poll_interval, ctx).await {
                self.cancel(&id).await;
                return Err(e);
            }
        };
        let results_url = match batch.get("results_url").and_then(Value::as_str) {
            Some(u) => u.to_owned(),
            None => format!("{}/{id}/results", self.url),
        };
        let jsonl = self
            .http
            .text(Method::GET, &results_url, Body::None, ctx)
            .await?;
        let mut answers = Answers::new();
        for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).map_err(|e| {
                self.protocol(&format!(
                    "a result line is not JSON ({e}): {}",
                    excerpt(line)
                ))
            })?;
            let Some(custom_id) = v.get("custom_id").and_then(Value::as_str) else {
                continue;
            };
            let Some(plan) = plans.get(custom_id) else {
                continue;
            };
            answers.insert(custom_id.to_owned(), self.result(&v, plan.as_ref()));
        }
        Ok(answers)
    }

    /// One result line's outcome.
    fn result(&self, line: &Value, plan: Option<&ToolPlan>) -> Result<crate::ChatResponse> {
        let result = line.get("result").unwrap_or(&Value::Null);
        match result.get("type").and_then(Value::as_str) {
            Some("succeeded") => {
                let message = result.get("message").unwrap_or(&Value::Null);
                wire::read_message(message, plan).map_err(|problem| {
                    self.protocol(&format!("{problem}: {}", excerpt(&message.to_string())))
                })
            }
            Some("errored") => {
                // `error` is an error response: {"type": "error", "error": {...}}.
                let err = result.get("error").unwrap_or(&Value::Null);
                let inner = err.get("error").unwrap_or(err);
                let kind = inner.get("type").and_then(Value::as_str).unwrap_or("error");
                let message = inner
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message");
                Err(Error::Status {
                    provider: self.http.provider().to_owned(),
                    status: if kind == "invalid_request_error" {
                        400
                    } else {
                        500
                    },
                    message: self.http.caller().redact(&format!("{kind}: {message}")),
                })
            }
            Some(other) => {
                Err(self.protocol(&format!("the batch request was {other} before it ran")))
            }
            None => Err(self.protocol("a result line has no result type")),
        }
    }

    fn field(&self, v: &Value, name: &str) -> Result<String> {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                self.protocol(&format!(
                    "the batch has no `{name}`: {}",
                    excerpt(&v.to_string())
                ))
            })
    }

    fn protocol(&self, message: &str) -> Error {
        Error::Protocol {
            provider: self.http.provider().to_owned(),
            message: self.http.caller().redact(message),
        }
    }

    /// Best effort: a batch distiq stopped waiting for should not run on.
    async fn cancel(&self, id: &str) {
        let ctx = CallContext::default();
        let url = format!("{}/{id}/cancel", self.url);
        if let Err(e) = self.http.json(Method::POST, &url, Body::None, &ctx).await {
            tracing::warn!(provider = self.http.provider(), batch = id, error = %e, "could not cancel the message batch");
        }
    }
}
