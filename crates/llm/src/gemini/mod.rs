//! The Gemini `generateContent` dialect.
//!
//! `POST {base}/v1beta/models/{model}:generateContent`, or
//! `:streamGenerateContent?alt=sse` to stream: every SSE event is a
//! `data:` line holding a whole `GenerateContentResponse` (no event names,
//! no `[DONE]`), usage is cumulative in each chunk, and the answer is
//! complete when a chunk carried a `finishReason` and the body ended.
//!
//! The key goes in the `x-goog-api-key` header, never in the URL's
//! `?key=`: URLs end up in error messages and logs. Structured output uses
//! Gemini's native mode, `responseMimeType: application/json` with a
//! `responseSchema` converted from the JSON Schema (see [`schema`]).

mod schema;
mod stream;
mod wire;

use std::time::Instant;

use async_trait::async_trait;
use distiq_core::ProviderKind;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::provider::ProviderSettings;
use crate::transport::{Caller, Transport};
use crate::{CallContext, ChatRequest, ChatResponse, Error, Provider, Result};

/// Talks to the Gemini API (or anything that speaks `generateContent`).
#[derive(Debug)]
pub(crate) struct Gemini {
    settings: ProviderSettings,
    transport: Transport,
}

impl Gemini {
    pub(crate) fn new(settings: ProviderSettings) -> Result<Self> {
        let transport = settings.transport()?;
        Ok(Self {
            settings,
            transport,
        })
    }

    fn caller(&self) -> Caller<'_> {
        Caller {
            provider: &self.settings.name,
            key: self.settings.api_key.as_ref(),
        }
    }

    /// The endpoint for `model`. The configured base is the host
    /// (`https://generativelanguage.googleapis.com`); a base that already
    /// names an API version is used as it is.
    fn url(&self, model: &str, stream: bool) -> String {
        let base = self.settings.base();
        let versioned = base.ends_with("/v1beta") || base.ends_with("/v1");
        let prefix = if versioned {
            base.to_owned()
        } else {
            format!("{base}/v1beta")
        };
        let model = model.strip_prefix("models/").unwrap_or(model);
        if stream {
            format!("{prefix}/models/{model}:streamGenerateContent?alt=sse")
        } else {
            format!("{prefix}/models/{model}:generateContent")
        }
    }

    fn headers(&self) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        if let Some(key) = &self.settings.api_key {
            let mut value = HeaderValue::from_str(key.expose()).map_err(|_| Error::Config {
                provider: self.settings.name.clone(),
                message: "the API key contains characters that cannot go in an HTTP header; check the key's variable or file".into(),
            })?;
            value.set_sensitive(true);
            headers.insert("x-goog-api-key", value);
        }
        Ok(headers)
    }
}

#[async_trait]
impl Provider for Gemini {
    fn name(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Gemini
    }

    async fn send(&self, req: &ChatRequest, ctx: &CallContext) -> Result<ChatResponse> {
        let who = self.caller();
        let body = wire::body(req);
        let url = self.url(&req.model, req.stream);
        let started = Instant::now();
        let resp = self
            .transport
            .post(who, &url, self.headers()?, &body, ctx)
            .await?;
        if req.stream {
            return stream::read(resp, who, self.transport.stream_idle_timeout, ctx).await;
        }
        let json = self.transport.read_json(who, resp, ctx, started).await?;
        let parsed: wire::GenerateContentResponse =
            serde_json::from_value(json).map_err(|e| Error::Protocol {
                provider: who.provider.to_owned(),
                message: format!("the answer is not a GenerateContentResponse: {e}"),
            })?;
        let mut answer = wire::Answer::default();
        answer.absorb(parsed, who.provider)?;
        if !answer.finished() && answer.is_empty() {
            return Err(Error::Protocol {
                provider: who.provider.to_owned(),
                message: "the answer has no candidates and no reason for their absence".into(),
            });
        }
        Ok(answer.into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiKey;

    fn gemini(base: &str) -> Gemini {
        let settings = ProviderSettings::new("gemini", ProviderKind::Gemini, base)
            .with_key(Some(ApiKey::new("AIza-test-key")));
        Gemini::new(settings).unwrap()
    }

    #[test]
    fn urls_name_the_model_and_the_stream_mode_but_never_the_key() {
        let g = gemini("https://generativelanguage.googleapis.com/");
        assert_eq!(
            g.url("gemini-2.5-flash", false),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        );
        assert_eq!(
            g.url("models/gemini-2.5-pro", true),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        let g = gemini("http://127.0.0.1:9/v1beta");
        assert_eq!(
            g.url("m", false),
            "http://127.0.0.1:9/v1beta/models/m:generateContent"
        );
        let h = g.headers().unwrap();
        assert_eq!(h["x-goog-api-key"], "AIza-test-key");
        assert!(h["x-goog-api-key"].is_sensitive());
    }
}
