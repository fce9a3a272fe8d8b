//! Provider clients for distiq: Anthropic Messages, OpenAI Chat Completions
//! (and every OpenAI-compatible endpoint) and Gemini `generateContent`.
//!
//! Each dialect turns one [`ChatRequest`] into its wire format, streams or
//! not, and hands back a [`ChatResponse`] with normalised [`Usage`] and a
//! mapped [`FinishReason`]. What they share lives here once: the HTTP
//! [`Transport`] with its [`RetryPolicy`] (429, 5xx and "overloaded",
//! honouring `Retry-After`), the SSE reader, key handling that keeps keys
//! out of every message, and [`structured`] output that retries a truncated
//! answer with a larger `max_tokens`.
//!
//! [`ModelClient`] binds a provider to a model, a price and an event sink:
//! every call it makes is priced and reported as [`Event::CallFinished`].
//!
//! ```no_run
//! # async fn demo() -> distiq_llm::Result<()> {
//! use std::sync::Arc;
//! use distiq_core::{NullSink, Price, Stage, Tier};
//! use distiq_llm::{ChatRequest, ModelClient, ProviderSettings, build_provider};
//!
//! let settings = ProviderSettings::new("local", distiq_core::ProviderKind::Openai, "http://127.0.0.1:8089/v1");
//! let provider = build_provider(settings)?;
//! let client = ModelClient::new(provider, "local:qwen".parse().unwrap(), Price::default(), Price::default())
//!     .for_stage(Stage::Answer, Tier::Cheap)
//!     .with_sink(Arc::new(NullSink));
//! let answer = client.chat(ChatRequest::new("qwen", 256).user("Say hi"), &Default::default()).await?;
//! println!("{}", answer.text);
//! # Ok(()) }
//! ```
//!
//! [`Usage`]: distiq_core::Usage
//! [`Event::CallFinished`]: distiq_core::Event::CallFinished

mod anthropic;
mod batch;
mod client;
mod error;
mod gemini;
mod openai;
mod provider;
mod registry;
mod request;
mod retry;
mod sse;
mod structured;
mod transport;

pub use batch::{
    BatchClient, BatchItem, BatchPolicy, BatchResult, batch_client, batch_cost, has_batch_api,
};
pub use client::ModelClient;
pub use distiq_core::ApiKey;
pub use error::{Error, Result};
pub use provider::{
    CallContext, DeltaHook, Provider, ProviderSettings, RetryHook, RetryNotice, build_provider,
};
pub use registry::{EnvLookup, Registry};
pub use request::{ChatRequest, ChatResponse, FinishReason, Message, Part, Role, StructuredSpec};
pub use retry::RetryPolicy;
pub use structured::{StructuredOutcome, inline_refs, schema_for, strictify};
pub use transport::Transport;
