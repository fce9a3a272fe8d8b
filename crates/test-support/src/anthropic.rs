//! A fake Anthropic Messages server: the bodies `POST /v1/messages` answers
//! with, as Anthropic documents them (API version `2023-06-01`).
//!
//! - [`message`], [`tool_message`]: whole JSON answers, usage with the
//!   prompt-cache fields.
//! - `ev_*`: one streaming event each (`message_start`,
//!   `content_block_start` / `_delta` / `_stop`, `message_delta`,
//!   `message_stop`, `ping`, `error`); [`sse`] joins them into a body,
//!   [`text_stream`] and [`tool_stream`] build the usual sequences.
//! - [`error_response`], [`rate_limited`], [`server_error`],
//!   [`overloaded`]: error answers with Anthropic's error body.
//! - [`mount`], [`mount_sequence`]: put answers on a [`MockServer`] at
//!   [`PATH`].
//!
//! ```no_run
//! # async fn demo() {
//! use distiq_test_support::anthropic::{self as fake, Tokens};
//! let server = wiremock::MockServer::start().await;
//! let body = fake::text_stream("claude-x", &["Hel", "lo"], Tokens::new(10, 2), "end_turn");
//! fake::mount_sequence(&server, vec![fake::overloaded(), fake::sse_ok(body)]).await;
//! # }
//! ```

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Where the Messages API listens.
pub const PATH: &str = "/v1/messages";

/// The `anthropic-version` distiq must send.
pub const API_VERSION: &str = "2023-06-01";

/// One SSE event: its `event:` name and its `data:` JSON.
pub type Event = (Option<&'static str>, String);

/// Token counts for a `usage` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// `input_tokens`: input billed at the full rate.
    pub input: i64,
    /// `output_tokens`.
    pub output: i64,
    /// `cache_creation_input_tokens`: input written to the cache.
    pub cache_write: i64,
    /// `cache_read_input_tokens`: input read from the cache.
    pub cache_read: i64,
}

impl Tokens {
    /// Input and output, nothing cached.
    pub fn new(input: i64, output: i64) -> Self {
        Self {
            input,
            output,
            cache_write: 0,
            cache_read: 0,
        }
    }

    /// With cache writes and reads.
    #[must_use]
    pub fn cached(mut self, write: i64, read: i64) -> Self {
        self.cache_write = write;
        self.cache_read = read;
        self
    }
}

/// The `usage` object of a message, every documented field present.
pub fn usage(t: Tokens) -> Value {
    json!({
        "input_tokens": t.input,
        "cache_creation_input_tokens": t.cache_write,
        "cache_read_input_tokens": t.cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": t.cache_write,
            "ephemeral_1h_input_tokens": 0
        },
        "output_tokens": t.output,
        "service_tier": "standard"
    })
}

/// A whole `message` with `content` blocks.
pub fn message_with(model: &str, content: Vec<Value>, stop_reason: &str, t: Tokens) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": usage(t)
    })
}

/// A whole text answer.
pub fn message(model: &str, text: &str, stop_reason: &str, t: Tokens) -> Value {
    message_with(
        model,
        vec![json!({ "type": "text", "text": text })],
        stop_reason,
        t,
    )
}

/// A whole answer calling tool `name` with `input` (forced tool use).
pub fn tool_message(model: &str, name: &str, input: Value, stop_reason: &str, t: Tokens) -> Value {
    let block = json!({
        "type": "tool_use",
        "id": "toolu_01A09q90qw90lq917835lq9",
        "name": name,
        "input": input
    });
    message_with(model, vec![block], stop_reason, t)
}

fn event(name: &'static str, data: Value) -> Event {
    (Some(name), data.to_string())
}

/// `message_start`: the message with empty content; usage carries the
/// input and cache counts and an initial output count.
pub fn ev_message_start(model: &str, t: Tokens) -> Event {
    let mut m = message_with(model, vec![], "", t);
    m["stop_reason"] = Value::Null;
    event(
        "message_start",
        json!({ "type": "message_start", "message": m }),
    )
}

/// `content_block_start` of a text block.
pub fn ev_text_start(index: u32) -> Event {
    event(
        "content_block_start",
        json!({ "type": "content_block_start", "index": index, "content_block": { "type": "text", "text": "" } }),
    )
}

/// `content_block_start` of a `tool_use` block (input arrives as deltas).
pub fn ev_tool_start(index: u32, name: &str) -> Event {
    event(
        "content_block_start",
        json!({
            "type": "content_block_start",
            "index": index,
            "content_block": { "type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": name, "input": {} }
        }),
    )
}

/// `content_block_start` of an extended-thinking block.
pub fn ev_thinking_start(index: u32) -> Event {
    event(
        "content_block_start",
        json!({ "type": "content_block_start", "index": index, "content_block": { "type": "thinking", "thinking": "" } }),
    )
}

fn ev_delta(index: u32, delta: Value) -> Event {
    event(
        "content_block_delta",
        json!({ "type": "content_block_delta", "index": index, "delta": delta }),
    )
}

/// A `text_delta`.
pub fn ev_text_delta(index: u32, text: &str) -> Event {
    ev_delta(index, json!({ "type": "text_delta", "text": text }))
}

/// An `input_json_delta`: a piece of a tool's input JSON.
pub fn ev_input_json_delta(index: u32, partial_json: &str) -> Event {
    ev_delta(
        index,
        json!({ "type": "input_json_delta", "partial_json": partial_json }),
    )
}

/// A `thinking_delta`.
pub fn ev_thinking_delta(index: u32, thinking: &str) -> Event {
    ev_delta(
        index,
        json!({ "type": "thinking_delta", "thinking": thinking }),
    )
}

/// A `signature_delta`, which closes a thinking block.
pub fn ev_signature_delta(index: u32) -> Event {
    ev_delta(
        index,
        json!({ "type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" }),
    )
}

/// `content_block_stop`.
pub fn ev_block_stop(index: u32) -> Event {
    event(
        "content_block_stop",
        json!({ "type": "content_block_stop", "index": index }),
    )
}

/// `message_delta` with the stop reason and the cumulative `usage` (Anthropic
/// repeats the input and cache counts here).
pub fn ev_message_delta(stop_reason: &str, t: Tokens) -> Event {
    event(
        "message_delta",
        json!({
            "type": "message_delta",
            "delta": { "stop_reason": stop_reason, "stop_sequence": null },
            "usage": {
                "input_tokens": t.input,
                "cache_creation_input_tokens": t.cache_write,
                "cache_read_input_tokens": t.cache_read,
                "output_tokens": t.output
            }
        }),
    )
}

/// `message_delta` whose usage holds only `output_tokens`, as older API
/// versions send it.
pub fn ev_message_delta_output_only(stop_reason: &str, output_tokens: i64) -> Event {
    event(
        "message_delta",
        json!({
            "type": "message_delta",
            "delta": { "stop_reason": stop_reason, "stop_sequence": null },
            "usage": { "output_tokens": output_tokens }
        }),
    )
}

/// `message_stop`: the terminal event.
pub fn ev_message_stop() -> Event {
    event("message_stop", json!({ "type": "message_stop" }))
}

/// `ping`.
pub fn ev_ping() -> Event {
    event("ping", json!({ "type": "ping" }))
}

/// An in-stream `error` event (`overloaded_error`, `api_error`, ...).
pub fn ev_error(kind: &str, message: &str) -> Event {
    event("error", error_body(kind, message))
}

/// An SSE body of `events`.
pub fn sse(events: Vec<Event>) -> String {
    crate::sse(&events)
}

/// A streamed text answer: start, one text block of `chunks`, the stop
/// reason with `t` as usage, stop. The start carries the input and cache
/// counts with one output token, as the API does.
pub fn text_stream(model: &str, chunks: &[&str], t: Tokens, stop_reason: &str) -> String {
    let mut evs = vec![
        ev_message_start(model, Tokens { output: 1, ..t }),
        ev_text_start(0),
        ev_ping(),
    ];
    evs.extend(chunks.iter().map(|c| ev_text_delta(0, c)));
    evs.extend([
        ev_block_stop(0),
        ev_message_delta(stop_reason, t),
        ev_message_stop(),
    ]);
    sse(evs)
}

/// A streamed forced tool call: the input JSON arrives in `pieces`.
pub fn tool_stream(
    model: &str,
    tool: &str,
    pieces: &[&str],
    t: Tokens,
    stop_reason: &str,
) -> String {
    let mut evs = vec![
        ev_message_start(model, Tokens { output: 1, ..t }),
        ev_tool_start(0, tool),
    ];
    evs.extend(pieces.iter().map(|p| ev_input_json_delta(0, p)));
    evs.extend([
        ev_block_stop(0),
        ev_message_delta(stop_reason, t),
        ev_message_stop(),
    ]);
    sse(evs)
}

/// Anthropic's error body: `{"type":"error","error":{"type":..,"message":..}}`.
pub fn error_body(kind: &str, message: &str) -> Value {
    json!({ "type": "error", "error": { "type": kind, "message": message } })
}

/// An error answer with Anthropic's body and its `request-id` header.
pub fn error_response(status: u16, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy")
        .set_body_json(error_body(kind, message))
}

/// 429 `rate_limit_error` with `retry-after: <secs>`.
pub fn rate_limited(retry_after_secs: u32) -> ResponseTemplate {
    error_response(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
    )
    .insert_header("retry-after", retry_after_secs.to_string())
}

/// 500 `api_error`.
pub fn server_error() -> ResponseTemplate {
    error_response(500, "api_error", "Internal server error")
}

/// 529 `overloaded_error`.
pub fn overloaded() -> ResponseTemplate {
    error_response(529, "overloaded_error", "Overloaded")
}

/// 200 with a JSON body.
pub fn json_ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy")
        .set_body_json(body)
}

/// 200 with an SSE body.
pub fn sse_ok(body: String) -> ResponseTemplate {
    crate::sse_response(body)
}

/// Answers every `POST /v1/messages` with `response`.
pub async fn mount(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Answers successive `POST /v1/messages` with `responses` in order; the
/// last one keeps answering after that.
pub async fn mount_sequence(server: &MockServer, responses: Vec<ResponseTemplate>) {
    let last = responses.len().saturating_sub(1);
    for (i, response) in responses.into_iter().enumerate() {
        // Earlier answers take precedence until used up.
        let priority = u8::try_from(i + 1).unwrap_or(u8::MAX);
        let mock = Mock::given(method("POST"))
            .and(path(PATH))
            .respond_with(response)
            .with_priority(priority);
        let mock = if i < last {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(server).await;
    }
}
