use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use distiq_core::ProviderKind;
use tokio_util::sync::CancellationToken;

use distiq_core::ApiKey;

use crate::{ChatRequest, ChatResponse, Result, RetryPolicy, Transport};

/// A model provider speaking one wire dialect.
#[async_trait]
pub trait Provider: Send + Sync + fmt::Debug {
    /// The provider's config name (`anthropic`, `local`, ...).
    fn name(&self) -> &str;

    /// The dialect it speaks.
    fn kind(&self) -> ProviderKind;

    /// Sends one request (streaming when `req.stream`) and returns the
    /// normalised answer. Retries of 429/5xx happen inside; a truncated
    /// answer is returned as such (`finish == Length`), not as an error.
    async fn send(&self, req: &ChatRequest, ctx: &CallContext) -> Result<ChatResponse>;
}

/// A retry about to happen, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    /// The attempt about to start (2 for the first retry).
    pub attempt: u32,
    /// Why the last attempt failed.
    pub reason: String,
    /// How long the transport waits first.
    pub delay: Duration,
}

/// Receives streamed text.
pub type DeltaHook = Arc<dyn Fn(&str) + Send + Sync>;

/// Hears about retries.
pub type RetryHook = Arc<dyn Fn(RetryNotice) + Send + Sync>;

/// Per-call hooks: cancellation, streamed text, retries.
#[derive(Clone, Default)]
pub struct CallContext {
    /// Cancels the call (Ctrl-C, a deadline).
    pub cancel: CancellationToken,
    /// Receives streamed text as it arrives.
    pub on_delta: Option<DeltaHook>,
    /// Hears about retries before their wait.
    pub on_retry: Option<RetryHook>,
}

impl fmt::Debug for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallContext")
            .field("cancelled", &self.cancel.is_cancelled())
            .field("on_delta", &self.on_delta.is_some())
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

impl CallContext {
    pub(crate) fn delta(&self, text: &str) {
        if let Some(cb) = &self.on_delta
            && !text.is_empty()
        {
            cb(text);
        }
    }
}

/// Everything needed to talk to one provider.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The provider's config name.
    pub name: String,
    /// Its dialect.
    pub kind: ProviderKind,
    /// Its base URL (`https://api.anthropic.com`, `http://127.0.0.1:8089/v1`).
    pub base_url: String,
    /// Its key, when it needs one.
    pub api_key: Option<ApiKey>,
    /// When to retry.
    pub retry: RetryPolicy,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for the response headers (streaming) or the whole answer.
    pub request_timeout: Duration,
    /// Limit between two chunks of a stream.
    pub stream_idle_timeout: Duration,
}

impl ProviderSettings {
    /// Settings with default retry and timeouts and no key.
    pub fn new(name: impl Into<String>, kind: ProviderKind, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind,
            base_url: base_url.into(),
            api_key: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            stream_idle_timeout: Duration::from_secs(60),
        }
    }

    /// Sets the key.
    #[must_use]
    pub fn with_key(mut self, key: Option<ApiKey>) -> Self {
        self.api_key = key;
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub(crate) fn transport(&self) -> Result<Transport> {
        Transport::new(
            self.retry.clone(),
            self.connect_timeout,
            self.request_timeout,
            self.stream_idle_timeout,
        )
    }

    /// The base URL without a trailing slash.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// Builds the client for a provider's dialect.
pub fn build_provider(settings: ProviderSettings) -> Result<Arc<dyn Provider>> {
    if !(settings.base_url.starts_with("http://") || settings.base_url.starts_with("https://")) {
        return Err(crate::Error::Config {
            provider: settings.name.clone(),
            message: format!(
                "base_url `{}` must start with http:// or https://",
                settings.base_url
            ),
        });
    }
    Ok(match settings.kind {
        ProviderKind::Anthropic => Arc::new(crate::anthropic::Anthropic::new(settings)?),
        ProviderKind::Openai => Arc::new(crate::openai::OpenAi::new(settings)?),
        ProviderKind::Gemini => Arc::new(crate::gemini::Gemini::new(settings)?),
    })
}
