//! A fake OpenAI Chat Completions server (and so any OpenAI-compatible one:
//! DeepSeek, OpenRouter, Ollama, llama.cpp server, vLLM).
//!
//! Builders produce the documented wire format: a `chat.completion` body
//! with `usage` (cached and reasoning token details included), the
//! `chat.completion.chunk` events of a stream (each chunk carries
//! `"usage": null` until the last one, as with `stream_options.include_usage`)
//! ending in `data: [DONE]`, and the `{"error": {...}}` bodies with their
//! statuses. Small functions compose, as in Codex's
//! `core/tests/common/responses.rs`:
//!
//! ```no_run
//! # async fn demo() {
//! use distiq_test_support::openai::*;
//! let server = wiremock::MockServer::start().await;
//! let body = sse(vec![ev_role(), ev_text_delta("Hi"), ev_finish("stop"), ev_usage(usage(12, 1))]);
//! mount_sequence(&server, vec![rate_limited("1"), sse_template(body)]).await;
//! let base = base_url(&server); // what a provider's base_url is set to
//! # }
//! ```

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The path the fake server answers on (the base URL includes `/v1`).
pub const PATH: &str = "/v1/chat/completions";

/// The model id the fake server reports.
pub const MODEL: &str = "gpt-4.1-mini-2025-04-14";

const ID: &str = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT";
const CREATED: i64 = 1_741_569_952;
const FINGERPRINT: &str = "fp_b376dfbbd5";

/// The base URL a provider under test is configured with.
pub fn base_url(server: &MockServer) -> String {
    format!("{}/v1", server.uri())
}

// ---------------------------------------------------------------- usage

/// A `usage` object with no cached or reasoning tokens.
pub fn usage(prompt: i64, completion: i64) -> Value {
    usage_detailed(prompt, completion, 0, 0)
}

/// A `usage` object as OpenAI sends it: `cached` of the `prompt` tokens
/// came from the prompt cache; `reasoning` of the `completion` tokens were
/// hidden reasoning.
pub fn usage_detailed(prompt: i64, completion: i64, cached: i64, reasoning: i64) -> Value {
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": { "cached_tokens": cached, "audio_tokens": 0 },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0
        }
    })
}

/// A `usage` object as DeepSeek sends it: the cache split in its own
/// `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` fields.
pub fn deepseek_usage(hit: i64, miss: i64, completion: i64) -> Value {
    json!({
        "prompt_tokens": hit + miss,
        "completion_tokens": completion,
        "total_tokens": hit + miss + completion,
        "prompt_tokens_details": { "cached_tokens": hit },
        "prompt_cache_hit_tokens": hit,
        "prompt_cache_miss_tokens": miss
    })
}

// ---------------------------------------------------------------- whole answers

/// A non-streaming `chat.completion` body.
pub fn completion(text: &str, finish_reason: &str, usage: Value) -> Value {
    json!({
        "id": ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": text, "refusal": null, "annotations": [] },
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT
    })
}

/// A 200 carrying [`completion`].
pub fn completion_template(text: &str, finish_reason: &str, usage: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion(text, finish_reason, usage))
}

// ---------------------------------------------------------------- stream chunks

fn chunk(delta: Value, finish_reason: Option<&str>) -> Value {
    json!({
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": FINGERPRINT,
        "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
        "usage": null
    })
}

/// The first chunk: the role, with empty content.
pub fn ev_role() -> Value {
    chunk(
        json!({ "role": "assistant", "content": "", "refusal": null }),
        None,
    )
}

/// A chunk of text.
pub fn ev_text_delta(text: &str) -> Value {
    chunk(json!({ "content": text }), None)
}

/// The chunk that ends the choice: empty delta, a `finish_reason`.
pub fn ev_finish(finish_reason: &str) -> Value {
    chunk(json!({}), Some(finish_reason))
}

/// The usage chunk `include_usage` adds before `[DONE]`: `choices` empty.
pub fn ev_usage(usage: Value) -> Value {
    json!({
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": FINGERPRINT,
        "choices": [],
        "usage": usage
    })
}

/// llama.cpp's last chunk: the finish reason and the usage together.
pub fn ev_finish_with_usage(finish_reason: &str, usage: Value) -> Value {
    let mut c = chunk(json!({}), Some(finish_reason));
    c["usage"] = usage;
    c
}

/// An error object sent as a stream chunk, as some compatible servers
/// (OpenRouter, vLLM) do when they fail mid-answer.
pub fn ev_error(message: &str, kind: &str) -> Value {
    error_body(message, kind, None)
}

/// An SSE body: each chunk as a `data:` event, then `data: [DONE]`.
pub fn sse(chunks: Vec<Value>) -> String {
    let mut out = sse_unterminated(chunks);
    out.push_str("data: [DONE]\n\n");
    out
}

/// An SSE body that stops after the chunks, without `data: [DONE]`.
pub fn sse_unterminated(chunks: Vec<Value>) -> String {
    let events: Vec<(Option<&str>, String)> =
        chunks.iter().map(|c| (None, c.to_string())).collect();
    crate::sse(&events)
}

/// A 200 carrying an SSE body.
pub fn sse_template(body: String) -> ResponseTemplate {
    crate::sse_response(body)
}

/// The whole stream of a text answer: role, one chunk per delta, the
/// finish, the usage chunk, `[DONE]`.
pub fn stream_text(deltas: &[&str], finish_reason: &str, usage: Value) -> String {
    let mut chunks = vec![ev_role()];
    chunks.extend(deltas.iter().map(|d| ev_text_delta(d)));
    chunks.push(ev_finish(finish_reason));
    chunks.push(ev_usage(usage));
    sse(chunks)
}

/// The stream of a structured answer: in `json_schema` mode the JSON text
/// arrives as ordinary content deltas, here cut in pieces of 16 characters.
pub fn stream_structured(json_text: &str, finish_reason: &str, usage: Value) -> String {
    let chars: Vec<char> = json_text.chars().collect();
    let pieces: Vec<String> = chars.chunks(16).map(|c| c.iter().collect()).collect();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    stream_text(&refs, finish_reason, usage)
}

// ---------------------------------------------------------------- errors

/// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.
pub fn error_body(message: &str, kind: &str, code: Option<&str>) -> Value {
    json!({ "error": { "message": message, "type": kind, "param": null, "code": code } })
}

/// A 429 rate limit with `retry-after` (seconds) and the rate-limit headers.
pub fn rate_limited(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("retry-after", retry_after)
        .insert_header("x-ratelimit-limit-requests", "500")
        .insert_header("x-ratelimit-remaining-requests", "0")
        .insert_header("x-ratelimit-reset-requests", "1s")
        .set_body_json(error_body(
            "Rate limit reached for gpt-4.1-mini in organization org-test on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 1s.",
            "requests",
            Some("rate_limit_exceeded"),
        ))
}

/// A 500 as OpenAI sends it.
pub fn server_error() -> ResponseTemplate {
    ResponseTemplate::new(500).set_body_json(error_body(
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ))
}

/// A 503: the model is overloaded.
pub fn overloaded() -> ResponseTemplate {
    ResponseTemplate::new(503).set_body_json(error_body(
        "The server is overloaded or not ready yet.",
        "service_unavailable_error",
        Some("server_is_overloaded"),
    ))
}

/// A 401 whose message echoes the key it was given, as a careless
/// compatible server might.
pub fn unauthorized(key: &str) -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(error_body(
        &format!("Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys."),
        "invalid_request_error",
        Some("invalid_api_key"),
    ))
}

/// llama.cpp server's error body: a numeric `code` and its own `type`.
pub fn llama_cpp_error(status: u16, message: &str, kind: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": { "code": status, "message": message, "type": kind }
    }))
}

// ---------------------------------------------------------------- mounting

/// A mock on `POST /v1/chat/completions`, for adding matchers.
pub fn chat_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(PATH))
}

/// Answers every request with `template`.
pub async fn mount(server: &MockServer, template: ResponseTemplate) {
    chat_mock().respond_with(template).mount(server).await;
}

/// Answers the requests with `templates` in order, one each; a request
/// past the last gets wiremock's 404.
pub async fn mount_sequence(server: &MockServer, templates: Vec<ResponseTemplate>) {
    for (i, t) in templates.into_iter().enumerate() {
        let priority = u8::try_from(i + 1).unwrap_or(u8::MAX);
        chat_mock()
            .respond_with(t)
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(server)
            .await;
    }
}

/// Answers streamed structured requests for the JSON schema named `schema`
/// on `model` with `value` (1,000 tokens in, 100 out): every time, or only
/// the first `times` times and ahead of the catch-all answers.
pub async fn answer_structured(
    server: &MockServer,
    model: &str,
    schema: &str,
    value: Value,
    times: Option<u64>,
) {
    let mut mock = chat_mock()
        .and(wiremock::matchers::body_partial_json(json!({
            "model": model,
            "response_format": { "json_schema": { "name": schema } }
        })))
        .respond_with(sse_template(stream_structured(
            &value.to_string(),
            "stop",
            usage(1_000, 100),
        )));
    if let Some(n) = times {
        mock = mock.up_to_n_times(n).with_priority(1);
    }
    mock.mount(server).await;
}

/// The (model, schema name or "text") of every request received, in order.
pub async fn models_and_schemas(server: &MockServer) -> Vec<(String, String)> {
    crate::request_bodies(server)
        .await
        .iter()
        .map(|b| {
            (
                b["model"].as_str().unwrap_or_default().to_owned(),
                b["response_format"]["json_schema"]["name"]
                    .as_str()
                    .unwrap_or("text")
                    .to_owned(),
            )
        })
        .collect()
}
