//! The Anthropic Messages dialect: `POST {base}/v1/messages` (base
//! `https://api.anthropic.com`), streaming or not.
//!
//! - Prompt caching: a [`Part`](crate::Part) marked `cache_breakpoint` gets
//!   `cache_control: {"type": "ephemeral"}` on its block; only the last four
//!   marks are kept, the most the API accepts.
//! - Structured output goes through forced tool use: one tool whose
//!   `input_schema` is the requested schema, and `tool_choice` naming it.
//!   The tool's input is the answer, returned as JSON text.
//! - Usage: `input_tokens` (already without cache reads and writes),
//!   `output_tokens`, `cache_creation_input_tokens` → cache writes,
//!   `cache_read_input_tokens` → cache reads.

mod stream;
pub(crate) mod wire;

use std::time::Instant;

use async_trait::async_trait;
use distiq_core::ProviderKind;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use crate::provider::ProviderSettings;
use crate::sse::SseReader;
use crate::transport::{Caller, Transport, excerpt};
use crate::{CallContext, ChatRequest, ChatResponse, Error, Provider, Result};

/// The API version distiq speaks.
const API_VERSION: &str = "2023-06-01";

/// A client for the Anthropic Messages API.
#[derive(Debug)]
pub(crate) struct Anthropic {
    settings: ProviderSettings,
    transport: Transport,
}

impl Anthropic {
    /// A client for `settings`; its key (when set) must be a valid header
    /// value.
    pub(crate) fn new(settings: ProviderSettings) -> Result<Self> {
        let transport = settings.transport()?;
        let this = Self {
            settings,
            transport,
        };
        this.headers()?;
        Ok(this)
    }

    /// `{base}/v1/messages`; a base that already ends in `/v1` is not
    /// doubled.
    fn url(&self) -> String {
        let base = self.settings.base();
        if base.ends_with("/v1") {
            format!("{base}/messages")
        } else {
            format!("{base}/v1/messages")
        }
    }

    fn caller(&self) -> Caller<'_> {
        Caller {
            provider: &self.settings.name,
            key: self.settings.api_key.as_ref(),
        }
    }

    /// `x-api-key` (marked sensitive, so it is never logged),
    /// `anthropic-version` and `content-type`.
    fn headers(&self) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(API_VERSION),
        );
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &self.settings.api_key {
            let mut v = HeaderValue::from_str(key.expose()).map_err(|_| Error::Config {
                provider: self.settings.name.clone(),
                message: "the API key contains characters that cannot go in an HTTP header; check the key file or variable".to_owned(),
            })?;
            v.set_sensitive(true);
            h.insert(HeaderName::from_static("x-api-key"), v);
        }
        Ok(h)
    }
}

#[async_trait]
impl Provider for Anthropic {
    fn name(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    async fn send(&self, req: &ChatRequest, ctx: &CallContext) -> Result<ChatResponse> {
        let who = self.caller();
        let (body, plan) = wire::request_body(req);
        let started = Instant::now();
        let resp = self
            .transport
            .post(who, &self.url(), self.headers()?, &body, ctx)
            .await?;
        if req.stream {
            let sse = SseReader::new(resp, who.provider, self.transport.stream_idle_timeout);
            return stream::read(sse, who, plan.as_ref(), ctx).await;
        }
        let value = self.transport.read_json(who, resp, ctx, started).await?;
        wire::read_message(&value, plan.as_ref()).map_err(|problem| Error::Protocol {
            provider: who.provider.to_owned(),
            message: who.redact(&format!("{problem}: {}", excerpt(&value.to_string()))),
        })
    }
}
