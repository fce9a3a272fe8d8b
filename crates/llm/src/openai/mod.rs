//! OpenAI Chat Completions, and every endpoint that speaks it through a
//! base URL: DeepSeek, OpenRouter, Ollama, llama.cpp server, vLLM.
//!
//! `POST {base}/chat/completions`, where the base includes the API version
//! (`https://api.openai.com/v1`, `http://127.0.0.1:8089/v1`). The few things
//! that differ between endpoints (the token-limit field, whether strict
//! `json_schema` output exists) are decided from the host once, in
//! [`wire::Dialect`]. Local servers have no key and get no `Authorization`
//! header at all.

mod stream;
pub(crate) mod wire;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use distiq_core::ProviderKind;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

use self::wire::{Dialect, JsonMode};
use crate::provider::{ProviderSettings, RetryNotice};
use crate::sse::SseReader;
use crate::transport::{Caller, Transport};
use crate::{CallContext, ChatRequest, ChatResponse, Error, Provider, Result};

/// A Chat Completions endpoint.
#[derive(Debug)]
pub(crate) struct OpenAi {
    settings: ProviderSettings,
    transport: Transport,
    dialect: Dialect,
    url: String,
    /// Set once this server has refused `json_schema` and accepted
    /// `json_object`, so later calls do not pay for the refusal again.
    schema_refused: AtomicBool,
}

impl OpenAi {
    pub(crate) fn new(settings: ProviderSettings) -> Result<Self> {
        let transport = settings.transport()?;
        let dialect = Dialect::for_base_url(&settings.base_url);
        let url = format!("{}/chat/completions", settings.base());
        Ok(Self {
            settings,
            transport,
            dialect,
            url,
            schema_refused: AtomicBool::new(false),
        })
    }

    fn caller(&self) -> Caller<'_> {
        Caller {
            provider: &self.settings.name,
            key: self.settings.api_key.as_ref(),
        }
    }

    /// `Authorization: Bearer <key>` when there is a key (marked sensitive
    /// so that it never shows in a debug print), nothing otherwise.
    fn headers(&self, stream: bool) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        if let Some(key) = self
            .settings
            .api_key
            .as_ref()
            .filter(|k| !k.expose().is_empty())
        {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| Error::Config {
                provider: self.settings.name.clone(),
                message: "the API key holds characters that cannot go in an HTTP header; check the variable or key file it comes from".to_owned(),
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if stream {
            headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        }
        Ok(headers)
    }

    /// One request in one structured-output mode.
    async fn send_as(
        &self,
        req: &ChatRequest,
        ctx: &CallContext,
        mode: JsonMode,
    ) -> Result<ChatResponse> {
        let who = self.caller();
        let body = wire::request_body(req, &self.dialect, mode);
        let started = Instant::now();
        let resp = self
            .transport
            .post(who, &self.url, self.headers(req.stream)?, &body, ctx)
            .await?;
        if req.stream {
            let sse = SseReader::new(resp, who.provider, self.transport.stream_idle_timeout);
            stream::read(sse, who, ctx).await
        } else {
            let v = self.transport.read_json(who, resp, ctx, started).await?;
            wire::parse_completion(&v, who)
        }
    }

    /// Whether `err` is a compatible server refusing the `json_schema`
    /// response format (a 400, or the 422 of FastAPI-based servers, whose
    /// message names it).
    fn refuses_schema(&self, req: &ChatRequest, err: &Error) -> bool {
        let Error::Status {
            status: 400 | 422,
            message,
            ..
        } = err
        else {
            return false;
        };
        let message = message.to_ascii_lowercase();
        req.structured.is_some()
            && self.dialect.schema_fallback
            && (message.contains("response_format") || message.contains("json_schema"))
    }
}

#[async_trait]
impl Provider for OpenAi {
    fn name(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }

    async fn send(&self, req: &ChatRequest, ctx: &CallContext) -> Result<ChatResponse> {
        let native = self.dialect.json_schema && !self.schema_refused.load(Ordering::Relaxed);
        if !native || req.structured.is_none() {
            let mode = if native {
                JsonMode::Schema
            } else {
                JsonMode::Object
            };
            return self.send_as(req, ctx, mode).await;
        }
        match self.send_as(req, ctx, JsonMode::Schema).await {
            Err(err) if self.refuses_schema(req, &err) => {
                let reason =
                    format!("{err}; asking again with json_object and the schema in the prompt");
                tracing::info!(provider = %self.settings.name, %reason, "json_schema refused");
                if let Some(cb) = &ctx.on_retry {
                    cb(RetryNotice {
                        attempt: 2,
                        reason,
                        delay: Duration::ZERO,
                    });
                }
                let answer = self.send_as(req, ctx, JsonMode::Object).await?;
                self.schema_refused.store(true, Ordering::Relaxed);
                Ok(answer)
            }
            other => other,
        }
    }
}
