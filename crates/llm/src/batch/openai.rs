//! The OpenAI Batch API: the requests as a JSONL file (`{"custom_id",
//! "method": "POST", "url": "/v1/chat/completions", "body"}` per line)
//! uploaded to `POST /files` with `purpose=batch`; `POST /batches` with
//! `{"input_file_id", "endpoint": "/v1/chat/completions",
//! "completion_window": "24h"}`; `GET /batches/{id}` until `status` is
//! `completed` (or `failed`, `expired`, `cancelled`); then the
//! `output_file_id` and `error_file_id` files from `GET
//! /files/{id}/content`, one `{"custom_id", "response": {"status_code",
//! "body"}, "error"}` per line.

use std::time::Instant;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::http::{Body, Http, multipart, sleep};
use super::{Answers, BatchPolicy};
use crate::openai::wire::{self, Dialect, JsonMode};
use crate::provider::{CallContext, ProviderSettings};
use crate::transport::excerpt;
use crate::{ChatRequest, ChatResponse, Error, Result};

/// The endpoint every request of a distiq batch goes to.
const ENDPOINT: &str = "/v1/chat/completions";

/// The batch endpoints of one OpenAI provider.
#[derive(Debug)]
pub(crate) struct Batches {
    http: Http,
    base: String,
    dialect: Dialect,
}

impl Batches {
    pub(crate) fn new(settings: &ProviderSettings) -> Result<Self> {
        let mut h = HeaderMap::new();
        if let Some(key) = settings.api_key.as_ref().filter(|k| !k.expose().is_empty()) {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| Error::Config {
                provider: settings.name.clone(),
                message: "the API key holds characters that cannot go in an HTTP header; check the variable or key file it comes from".to_owned(),
            })?;
            v.set_sensitive(true);
            h.insert(AUTHORIZATION, v);
        }
        Ok(Self {
            http: Http::new(settings, h)?,
            base: settings.base().to_owned(),
            dialect: Dialect::for_base_url(&settings.base_url),
        })
    }

    /// Uploads `requests`, starts the batch, waits for it, and reads the
    /// output and error files.
    pub(crate) async fn run(
        &self,
        requests: &[(String, ChatRequest)],
        policy: &BatchPolicy,
        ctx: &CallContext,
    ) -> Result<Answers> {
        let mode = if self.dialect.json_schema {
            JsonMode::Schema
        } else {
            JsonMode::Object
        };
        let mut jsonl = String::new();
        for (id, req) in requests {
            let mut req = req.clone();
            req.stream = false;
            let line = json!({
                "custom_id": id,
                "method": "POST",
                "url": ENDPOINT,
                "body": wire::request_body(&req, &self.dialect, mode),
            });
            jsonl.push_str(&line.to_string());
            jsonl.push('\n');
        }
        let (bytes, content_type) = multipart(
            &[("purpose", "batch")],
            "file",
            "distiq-batch.jsonl",
            jsonl.as_bytes(),
        );
        let file = self
            .http
            .json(
                Method::POST,
                &format!("{}/files", self.base),
                Body::Raw {
                    bytes,
                    content_type,
                },
                ctx,
            )
            .await?;
        let file_id = self.field(&file, "id")?;
        let created = self
            .http
            .json(
                Method::POST,
                &format!("{}/batches", self.base),
                Body::Json(json!({
                    "input_file_id": file_id,
                    "endpoint": ENDPOINT,
                    "completion_window": "24h",
                })),
                ctx,
            )
            .await?;
        let id = self.field(&created, "id")?;
        tracing::info!(provider = self.http.provider(), batch = %id, requests = requests.len(), "batch created");
        let deadline = Instant::now() + policy.max_wait;
        let batch = loop {
            let batch = match self
                .http
                .json(
                    Method::GET,
                    &format!("{}/batches/{id}", self.base),
                    Body::None,
                    ctx,
                )
                .await
            {
                Ok(b) => b,
                Err(Error::Cancelled) => {
                    self.cancel(&id).await;
                    return Err(Error::Cancelled);
                }
                Err(e) => return Err(e),
            };
            match batch.get("status").and_then(Value::as_str) {
                Some("completed" | "expired" | "cancelled") => break batch,
                Some("failed") => return Err(self.failed(&batch)),
                _ => {}
            }
            if Instant::now() + policy.poll_interval > deadline {
                self.cancel(&id).await;
                return Err(Error::Timeout {
                    provider: self.http.provider().to_owned(),
                    what: "batch; it was cancelled",
                    after: policy.max_wait,
                });
            }
            if let Err(e) = sleep(policy.poll_interval, ctx).await {
                self.cancel(&id).await;
                return Err(e);
            }
        };
        let mut answers = Answers::new();
        for key in ["output_file_id", "error_file_id"] {
            let Some(file) = batch.get(key).and_then(Value::as_str) else {
                continue;
            };
            let text = self
                .http
                .text(
                    Method::GET,
                    &format!("{}/files/{file}/content", self.base),
                    Body::None,
                    ctx,
                )
                .await?;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    self.protocol(&format!(
                        "an output line is not JSON ({e}): {}",
                        excerpt(line)
                    ))
                })?;
                let Some(custom_id) = v.get("custom_id").and_then(Value::as_str) else {
                    continue;
                };
                if requests.iter().any(|(id, _)| id == custom_id) {
                    answers.insert(custom_id.to_owned(), self.result(&v));
                }
            }
        }
        Ok(answers)
    }

    fn result(&self, line: &Value) -> Result<ChatResponse> {
        if let Some(err) = line.get("error").filter(|e| !e.is_null()) {
            let code = err.get("code").and_then(Value::as_str).unwrap_or("error");
            let message = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message");
            return Err(self.protocol(&format!("the batch request failed: {code}: {message}")));
        }
        let response = line.get("response").unwrap_or(&Value::Null);
        let status = response
            .get("status_code")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let body = response.get("body").unwrap_or(&Value::Null);
        if status != 200 {
            return Err(Error::Status {
                provider: self.http.provider().to_owned(),
                status: u16::try_from(status).unwrap_or(500),
                message: self
                    .http
                    .caller()
                    .redact(&crate::transport::error_message(&body.to_string())),
            });
        }
        wire::parse_completion(body, self.http.caller())
    }

    fn failed(&self, batch: &Value) -> Error {
        let reasons: Vec<String> = batch
            .pointer("/errors/data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("message").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let why = if reasons.is_empty() {
            "no reason given".to_owned()
        } else {
            reasons.join("; ")
        };
        self.protocol(&format!("the batch failed validation: {why}"))
    }

    fn field(&self, v: &Value, name: &str) -> Result<String> {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                self.protocol(&format!(
                    "the answer has no `{name}`: {}",
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
        let url = format!("{}/batches/{id}/cancel", self.base);
        if let Err(e) = self.http.json(Method::POST, &url, Body::None, &ctx).await {
            tracing::warn!(provider = self.http.provider(), batch = id, error = %e, "could not cancel the batch");
        }
    }
}
