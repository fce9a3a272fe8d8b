//! A fake Gemini API server: the bodies `POST
//! /v1beta/models/{model}:generateContent` and
//! `:streamGenerateContent?alt=sse` answer with, as Google documents them.
//!
//! - [`response`], [`text_response`], [`blocked_response`]: whole
//!   `GenerateContentResponse`s, [`usage_metadata`] with the cached and
//!   thinking token counts.
//! - `ev_*`: one streamed chunk each. A Gemini stream is `data:` lines
//!   only, each a whole `GenerateContentResponse` (no event names, no
//!   `[DONE]`); every chunk repeats the cumulative `usageMetadata`, the last
//!   carries the `finishReason`. [`sse`] joins chunks into a body (Google
//!   ends lines with `\r\n`), [`text_stream`] builds the usual sequence.
//! - [`error_response`], [`rate_limited`], [`server_error`],
//!   [`unavailable`], [`invalid_argument`], [`api_key_invalid`],
//!   [`permission_denied`]: error answers with Google's error body.
//! - [`mount`], [`mount_sequence`]: put answers on a [`MockServer`] for
//!   any model, streaming or not.
//!
//! ```no_run
//! # async fn demo() {
//! use distiq_test_support::gemini::{self as fake, Tokens};
//! let server = wiremock::MockServer::start().await;
//! let body = fake::text_stream("gemini-2.5-flash", &["Hel", "lo"], Tokens::new(10, 2), "STOP");
//! fake::mount_sequence(&server, vec![fake::unavailable(), fake::sse_ok(body)]).await;
//! # }
//! ```

use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Matches both endpoints for any model.
pub const PATH_PATTERN: &str = r"^/v1beta/models/[^/:]+:(generateContent|streamGenerateContent)$";

/// The header the key travels in.
pub const KEY_HEADER: &str = "x-goog-api-key";

/// The path of `model`'s endpoint (the streaming one takes `?alt=sse`).
pub fn path(model: &str, stream: bool) -> String {
    let method = if stream {
        "streamGenerateContent"
    } else {
        "generateContent"
    };
    format!("/v1beta/models/{model}:{method}")
}

/// One SSE event: no name, a `GenerateContentResponse` as data.
pub type Event = (Option<&'static str>, String);

/// Token counts for `usageMetadata`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// `promptTokenCount`: the whole prompt, cached part included.
    pub prompt: i64,
    /// `candidatesTokenCount`: the answer, thinking excluded.
    pub candidates: i64,
    /// `cachedContentTokenCount`: the part of the prompt read from cache.
    pub cached: i64,
    /// `thoughtsTokenCount`: thinking.
    pub thoughts: i64,
}

impl Tokens {
    /// Prompt and answer, nothing cached, no thinking.
    pub fn new(prompt: i64, candidates: i64) -> Self {
        Self {
            prompt,
            candidates,
            cached: 0,
            thoughts: 0,
        }
    }

    /// With `cached` of the prompt tokens read from the cache.
    #[must_use]
    pub fn cached(mut self, cached: i64) -> Self {
        self.cached = cached;
        self
    }

    /// With `thoughts` thinking tokens.
    #[must_use]
    pub fn thoughts(mut self, thoughts: i64) -> Self {
        self.thoughts = thoughts;
        self
    }

    /// `totalTokenCount`.
    pub fn total(&self) -> i64 {
        self.prompt + self.candidates + self.thoughts
    }
}

/// `usageMetadata` as the API writes it: zero counts are left out (proto3
/// JSON), the prompt and cache have per-modality details.
pub fn usage_metadata(t: Tokens) -> Value {
    let mut u = Map::new();
    u.insert("promptTokenCount".into(), json!(t.prompt));
    if t.candidates > 0 {
        u.insert("candidatesTokenCount".into(), json!(t.candidates));
    }
    u.insert("totalTokenCount".into(), json!(t.total()));
    if t.cached > 0 {
        u.insert("cachedContentTokenCount".into(), json!(t.cached));
    }
    u.insert(
        "promptTokensDetails".into(),
        json!([{ "modality": "TEXT", "tokenCount": t.prompt }]),
    );
    if t.cached > 0 {
        u.insert(
            "cacheTokensDetails".into(),
            json!([{ "modality": "TEXT", "tokenCount": t.cached }]),
        );
    }
    if t.thoughts > 0 {
        u.insert("thoughtsTokenCount".into(), json!(t.thoughts));
    }
    Value::Object(u)
}

/// A text part.
pub fn part(text: &str) -> Value {
    json!({ "text": text })
}

/// A thought-summary part (`includeThoughts`): not answer text.
pub fn thought_part(text: &str) -> Value {
    json!({ "text": text, "thought": true })
}

const RESPONSE_ID: &str = "65E2aavdMaiU1e8P246LmAc";

/// A `GenerateContentResponse` with one candidate of `parts`; `finish` is
/// its `finishReason` (absent in all but the last streamed chunk).
pub fn response(model: &str, parts: Vec<Value>, finish: Option<&str>, t: Tokens) -> Value {
    let mut candidate = json!({ "content": { "parts": parts, "role": "model" }, "index": 0 });
    if let Some(f) = finish {
        candidate["finishReason"] = json!(f);
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": usage_metadata(t),
        "modelVersion": model,
        "responseId": RESPONSE_ID
    })
}

/// A whole text answer.
pub fn text_response(model: &str, text: &str, finish: &str, t: Tokens) -> Value {
    response(model, vec![part(text)], Some(finish), t)
}

/// The answer to a prompt the safety system blocked: no candidates, a
/// `promptFeedback.blockReason` (`SAFETY`, `BLOCKLIST`,
/// `PROHIBITED_CONTENT`, `OTHER`, ...).
pub fn blocked_response(model: &str, block_reason: &str, prompt_tokens: i64) -> Value {
    json!({
        "promptFeedback": {
            "blockReason": block_reason,
            "safetyRatings": [
                { "category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE" },
                { "category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE" },
                { "category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE" },
                { "category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH" }
            ]
        },
        "usageMetadata": usage_metadata(Tokens::new(prompt_tokens, 0)),
        "modelVersion": model,
        "responseId": RESPONSE_ID
    })
}

/// One streamed chunk.
pub fn ev_chunk(model: &str, parts: Vec<Value>, finish: Option<&str>, t: Tokens) -> Event {
    (None, response(model, parts, finish, t).to_string())
}

/// A chunk carrying `text`, with the usage so far.
pub fn ev_text(model: &str, text: &str, t: Tokens) -> Event {
    ev_chunk(model, vec![part(text)], None, t)
}

/// A chunk carrying a thought summary.
pub fn ev_thought(model: &str, text: &str, t: Tokens) -> Event {
    ev_chunk(model, vec![thought_part(text)], None, t)
}

/// The last chunk: its `text` (possibly empty), the `finishReason` and the
/// final usage.
pub fn ev_finish(model: &str, text: &str, finish: &str, t: Tokens) -> Event {
    ev_chunk(model, vec![part(text)], Some(finish), t)
}

/// A chunk saying the prompt was blocked.
pub fn ev_blocked(model: &str, block_reason: &str, prompt_tokens: i64) -> Event {
    (
        None,
        blocked_response(model, block_reason, prompt_tokens).to_string(),
    )
}

/// An error sent in place of a chunk after the 200 (Google's error body).
pub fn ev_error(code: u16, status: &str, message: &str) -> Event {
    (None, error_body(code, status, message).to_string())
}

/// An SSE body of `events`, lines ended by `\r\n` as Google sends them.
pub fn sse(events: Vec<Event>) -> String {
    crate::sse(&events).replace('\n', "\r\n")
}

/// A streamed text answer: one chunk per piece of `chunks`, each with the
/// usage so far (the candidate count growing), the last one with `finish`
/// and `t`. For a structured answer the pieces are pieces of the JSON.
pub fn text_stream(model: &str, chunks: &[&str], t: Tokens, finish: &str) -> String {
    let n = i64::try_from(chunks.len()).unwrap_or(i64::MAX).max(1);
    let mut evs = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        let done = i64::try_from(i).unwrap_or(0) + 1;
        if done == n {
            evs.push(ev_finish(model, c, finish, t));
        } else {
            evs.push(ev_text(
                model,
                c,
                Tokens {
                    candidates: t.candidates * done / n,
                    ..t
                },
            ));
        }
    }
    if chunks.is_empty() {
        evs.push(ev_finish(model, "", finish, t));
    }
    sse(evs)
}

/// Google's error body: `{"error": {"code", "message", "status", "details"}}`.
pub fn error_body(code: u16, status: &str, message: &str) -> Value {
    error_body_with(code, status, message, Vec::new())
}

fn error_body_with(code: u16, status: &str, message: &str, details: Vec<Value>) -> Value {
    let mut error = json!({ "code": code, "message": message, "status": status });
    if !details.is_empty() {
        error["details"] = Value::Array(details);
    }
    json!({ "error": error })
}

/// An error answer with Google's body.
pub fn error_response(code: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(error_body(code, status, message))
}

/// 429 `RESOURCE_EXHAUSTED` with `retry-after: <secs>` (and the
/// `RetryInfo` detail the API puts in the body).
pub fn rate_limited(retry_after_secs: u32) -> ResponseTemplate {
    let body = error_body_with(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
        vec![
            json!({
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    "quotaValue": "10"
                }]
            }),
            json!({ "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{retry_after_secs}s") }),
        ],
    );
    ResponseTemplate::new(429)
        .insert_header("retry-after", retry_after_secs.to_string())
        .set_body_json(body)
}

/// 500 `INTERNAL`.
pub fn server_error() -> ResponseTemplate {
    error_response(
        500,
        "INTERNAL",
        "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    )
}

/// 503 `UNAVAILABLE`: the model is overloaded.
pub fn unavailable() -> ResponseTemplate {
    error_response(
        503,
        "UNAVAILABLE",
        "The model is overloaded. Please try again later.",
    )
}

/// 400 `INVALID_ARGUMENT` with `message`.
pub fn invalid_argument(message: &str) -> ResponseTemplate {
    error_response(400, "INVALID_ARGUMENT", message)
}

/// 400 `INVALID_ARGUMENT` for a key the API does not know
/// (`API_KEY_INVALID`).
pub fn api_key_invalid() -> ResponseTemplate {
    let body = error_body_with(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        vec![json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": { "service": "generativelanguage.googleapis.com" }
        })],
    );
    ResponseTemplate::new(400).set_body_json(body)
}

/// 403 `PERMISSION_DENIED`: a key without access to the API or model.
pub fn permission_denied() -> ResponseTemplate {
    error_response(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    )
}

/// 200 with a JSON body.
pub fn json_ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// 200 with an SSE body.
pub fn sse_ok(body: String) -> ResponseTemplate {
    crate::sse_response(body)
}

fn endpoint() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path_regex(PATH_PATTERN))
}

/// Answers every `generateContent` / `streamGenerateContent` with
/// `response`.
pub async fn mount(server: &MockServer, response: ResponseTemplate) {
    endpoint().respond_with(response).mount(server).await;
}

/// Answers successive requests with `responses` in order; the last one
/// keeps answering after that.
pub async fn mount_sequence(server: &MockServer, responses: Vec<ResponseTemplate>) {
    let last = responses.len().saturating_sub(1);
    for (i, response) in responses.into_iter().enumerate() {
        // Earlier answers take precedence until used up.
        let priority = u8::try_from(i + 1).unwrap_or(u8::MAX);
        let mock = endpoint().respond_with(response).with_priority(priority);
        let mock = if i < last {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(server).await;
    }
}
