//! The Messages streaming dialect: `message_start`, content blocks
//! (`content_block_start` / `_delta` / `_stop`), `message_delta`,
//! `message_stop` (the terminal event), `ping` and `error`.

use std::collections::HashMap;

use serde_json::Value;

use super::wire::{ToolPlan, WireUsage, finish_reason, tool_answer};
use crate::sse::{SseEvent, SseReader};
use crate::transport::{Caller, error_message, excerpt};
use crate::{CallContext, ChatResponse, Error, FinishReason, Result};

/// What kind of content block an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Text,
    /// A `tool_use` block; `true` when it is the forced structured tool.
    Tool(bool),
    /// Thinking, or a kind distiq does not read.
    Other,
}

/// The answer as it is assembled from events.
#[derive(Debug, Default)]
pub(crate) struct Assembly {
    text: String,
    tool_json: String,
    tool_seen: bool,
    blocks: HashMap<u64, Block>,
    usage: WireUsage,
    stop: Option<String>,
    model: Option<String>,
    done: bool,
}

/// Reads the stream to its `message_stop` and returns the answer. A stream
/// that ends before `message_stop` is [`Error::StreamCut`]; an `error` event
/// is [`Error::Status`] with the provider's message.
pub(crate) async fn read(
    mut sse: SseReader,
    who: Caller<'_>,
    plan: Option<&ToolPlan>,
    ctx: &CallContext,
) -> Result<ChatResponse> {
    let mut a = Assembly::default();
    while let Some(ev) = sse.next(&ctx.cancel).await? {
        a.apply(&ev, who, ctx)?;
        if a.done {
            return Ok(a.finish(plan));
        }
    }
    Err(Error::StreamCut {
        provider: who.provider.to_owned(),
        detail: match &a.stop {
            Some(_) => "no message_stop event after message_delta".to_owned(),
            None => "no message_stop event".to_owned(),
        },
    })
}

impl Assembly {
    /// Applies one event.
    pub(crate) fn apply(
        &mut self,
        ev: &SseEvent,
        who: Caller<'_>,
        ctx: &CallContext,
    ) -> Result<()> {
        let data: Value = serde_json::from_str(&ev.data).map_err(|e| Error::Protocol {
            provider: who.provider.to_owned(),
            message: who.redact(&format!(
                "a stream event is not JSON ({e}): {}",
                excerpt(&ev.data)
            )),
        })?;
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .or(ev.event.as_deref())
            .unwrap_or("");
        match kind {
            "message_start" => {
                let msg = data.get("message").unwrap_or(&Value::Null);
                if let Some(m) = msg.get("model").and_then(Value::as_str) {
                    self.model = Some(m.to_owned());
                }
                if let Some(u) = msg.get("usage") {
                    self.usage.update(u);
                }
            }
            "content_block_start" => {
                let index = index(&data);
                let block = data.get("content_block").unwrap_or(&Value::Null);
                let kind = match block.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        // Normally empty; whatever it holds is answer text.
                        if let Some(t) = block.get("text").and_then(Value::as_str) {
                            self.text_delta(t, ctx);
                        }
                        Block::Text
                    }
                    Some("tool_use") => {
                        let first = !self.tool_seen;
                        self.tool_seen = true;
                        Block::Tool(first)
                    }
                    _ => Block::Other,
                };
                self.blocks.insert(index, kind);
            }
            "content_block_delta" => {
                let block = self.blocks.get(&index(&data)).copied();
                let delta = data.get("delta").unwrap_or(&Value::Null);
                let field = |k: &str| delta.get(k).and_then(Value::as_str).unwrap_or("");
                match delta.get("type").and_then(Value::as_str) {
                    Some("text_delta") => self.text_delta(field("text"), ctx),
                    Some("input_json_delta") if block != Some(Block::Tool(false)) => {
                        let part = field("partial_json");
                        self.tool_json.push_str(part);
                        ctx.delta(part);
                    }
                    // Thinking, signatures, citations, later tools: not the answer.
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(s) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop = Some(s.to_owned());
                }
                if let Some(u) = data.get("usage") {
                    self.usage.update(u);
                }
            }
            "message_stop" => self.done = true,
            "error" => {
                let status = match data.pointer("/error/type").and_then(Value::as_str) {
                    Some("overloaded_error") => 529,
                    _ => 500,
                };
                return Err(Error::Status {
                    provider: who.provider.to_owned(),
                    status,
                    message: who.redact(&error_message(&ev.data)),
                });
            }
            // `ping`, `content_block_stop`, and event types added later
            // (the API's versioning policy says to ignore unknown ones).
            _ => {}
        }
        Ok(())
    }

    fn text_delta(&mut self, text: &str, ctx: &CallContext) {
        self.text.push_str(text);
        ctx.delta(text);
    }

    /// The response, once `message_stop` arrived. For a structured request
    /// the answer is the forced tool's input JSON when the model called it.
    pub(crate) fn finish(self, plan: Option<&ToolPlan>) -> ChatResponse {
        let text = match plan {
            Some(p) if self.tool_seen => {
                let json = if self.tool_json.trim().is_empty() {
                    "{}"
                } else {
                    self.tool_json.as_str()
                };
                // Unwrapping needs the whole value; text that does not parse
                // is passed on as is for the structured parser to report.
                match (p.wrapped, serde_json::from_str::<Value>(json)) {
                    (true, Ok(v)) => tool_answer(&v, p),
                    _ => json.to_owned(),
                }
            }
            _ => self.text,
        };
        let finish = self
            .stop
            .as_deref()
            .map_or(FinishReason::Other("none".to_owned()), finish_reason);
        ChatResponse {
            text,
            usage: self.usage.normalise(),
            finish,
            model: self.model,
        }
    }
}

fn index(data: &Value) -> u64 {
    data.get("index").and_then(Value::as_u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn reader(body: &str) -> SseReader {
        SseReader::from_text(body, "anthropic")
    }

    fn ev(name: &str, data: &str) -> String {
        format!("event: {name}\ndata: {data}\n\n")
    }

    const START: &str = r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":1000,"output_tokens":1}}}"#;

    async fn run(body: &str, plan: Option<&ToolPlan>) -> (Result<ChatResponse>, Vec<String>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let ctx = CallContext {
            on_delta: Some(Arc::new(move |t: &str| {
                sink.lock().unwrap().push(t.to_owned());
            })),
            ..CallContext::default()
        };
        let who = Caller {
            provider: "anthropic",
            key: None,
        };
        let out = read(reader(body), who, plan, &ctx).await;
        let deltas = seen.lock().unwrap().clone();
        (out, deltas)
    }

    #[tokio::test]
    async fn text_deltas_are_forwarded_and_thinking_is_left_out() {
        let body = [
            ev("message_start", START),
            ev("content_block_start", r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#),
            ev("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"let me see"}}"#),
            ev("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}"#),
            ev("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
            ev("content_block_start", r#"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
            ev("ping", r#"{"type": "ping"}"#),
            ev("content_block_delta", r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hel"}}"#),
            ev("content_block_delta", r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"lo"}}"#),
            ev("content_block_stop", r#"{"type":"content_block_stop","index":1}"#),
            ev("message_delta", r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":25,"cache_read_input_tokens":1000,"output_tokens":15}}"#),
            ev("message_stop", r#"{"type":"message_stop"}"#),
        ]
        .concat();
        let (out, deltas) = run(&body, None).await;
        let r = out.unwrap();
        assert_eq!(r.text, "Hello");
        assert_eq!(deltas, ["Hel", "lo"]);
        assert_eq!(r.finish, FinishReason::Stop);
        assert_eq!(r.model.as_deref(), Some("claude-x"));
        assert_eq!(
            (
                r.usage.input_tokens,
                r.usage.output_tokens,
                r.usage.cache_read_tokens
            ),
            (25, 15, 1000)
        );
    }

    #[tokio::test]
    async fn a_stream_without_message_stop_is_cut() {
        let body = [
            ev("message_start", START),
            ev("message_delta", r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"#),
        ]
        .concat();
        let err = run(&body, None).await.0.unwrap_err();
        assert!(matches!(err, Error::StreamCut { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_wrapped_tool_answer_is_unwrapped_once_whole() {
        let body = [
            ev("message_start", START),
            ev("content_block_start", r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"t","input":{}}}"#),
            ev("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"value\": [1,"}}"#),
            ev("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":" 2]}"}}"#),
            ev("message_delta", r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}"#),
            ev("message_stop", r#"{"type":"message_stop"}"#),
        ]
        .concat();
        let plan = ToolPlan {
            name: "t".into(),
            wrapped: true,
        };
        let r = run(&body, Some(&plan)).await.0.unwrap();
        assert_eq!(
            (r.text.as_str(), r.finish),
            ("[1,2]", FinishReason::ToolUse)
        );
    }

    #[tokio::test]
    async fn an_error_event_is_a_status_with_the_message() {
        let body = [
            ev("message_start", START),
            ev("error", r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#),
        ]
        .concat();
        let err = run(&body, None).await.0.unwrap_err();
        match err {
            Error::Status {
                status, message, ..
            } => {
                assert_eq!(status, 500);
                assert_eq!(message, "api_error: Internal server error");
            }
            other => panic!("{other}"),
        }
    }

    #[tokio::test]
    async fn an_error_event_that_echoes_the_key_is_redacted() {
        let key = crate::ApiKey::new("sk-ant-secret-42");
        let who = Caller {
            provider: "anthropic",
            key: Some(&key),
        };
        let body = ev(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded for sk-ant-secret-42"}}"#,
        );
        let err = read(reader(&body), who, None, &CallContext::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Status { status: 529, .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("Overloaded for [redacted]") && !text.contains("secret"),
            "{text}"
        );
    }
}
