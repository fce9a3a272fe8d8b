//! Reading a streamed answer: `data: {chat.completion.chunk}` events until
//! `data: [DONE]`.

use serde_json::Value;

use super::wire;
use crate::sse::SseReader;
use crate::transport::{Caller, excerpt};
use crate::{CallContext, ChatResponse, Error, FinishReason, Result};

/// What the chunks have said so far.
#[derive(Debug, Default)]
struct Answer {
    text: String,
    refusal: String,
    finish: Option<FinishReason>,
    usage: Option<distiq_core::Usage>,
    model: Option<String>,
    chunks: usize,
}

impl Answer {
    /// Takes one chunk in; forwards its text.
    fn push(&mut self, chunk: &Value, ctx: &CallContext) {
        self.chunks += 1;
        if self.model.is_none() {
            self.model = chunk
                .get("model")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        // With include_usage the totals come in a last chunk whose `choices`
        // is empty; llama.cpp puts them in the last chunk with choices.
        if let Some(u) = chunk.get("usage").filter(|u| u.is_object()) {
            self.usage = Some(wire::usage(u));
        }
        let Some(choice) = wire::first_choice(chunk) else {
            return;
        };
        if let Some(delta) = choice.get("delta") {
            let text = wire::content_text(delta.get("content"));
            ctx.delta(&text);
            self.text.push_str(&text);
            self.refusal
                .push_str(&wire::content_text(delta.get("refusal")));
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish = Some(wire::finish_reason(Some(reason)));
        }
    }

    fn finish(self) -> ChatResponse {
        let finish = self.finish.unwrap_or_else(|| wire::finish_reason(None));
        let (text, finish) = wire::settle(self.text, self.refusal, finish);
        if self.usage.is_none() {
            tracing::debug!(
                "stream ended without a usage chunk; the call is recorded with zero tokens"
            );
        }
        ChatResponse {
            text,
            usage: self.usage.unwrap_or_default(),
            finish,
            model: self.model,
        }
    }
}

/// Reads the whole stream. It must end with `data: [DONE]`: a body that
/// ends before it, or inside an event, is [`Error::StreamCut`]; an error
/// object sent mid-stream is [`Error::Status`] with the server's message.
pub(super) async fn read(
    mut sse: SseReader,
    who: Caller<'_>,
    ctx: &CallContext,
) -> Result<ChatResponse> {
    let mut answer = Answer::default();
    while let Some(event) = sse.next(&ctx.cancel).await? {
        let data = event.data.trim();
        if data == "[DONE]" {
            return Ok(answer.finish());
        }
        if data.is_empty() {
            continue;
        }
        let chunk: Value = serde_json::from_str(data).map_err(|e| Error::Protocol {
            provider: who.provider.to_owned(),
            message: who.redact(&format!(
                "a stream chunk is not JSON ({e}): {}",
                excerpt(data)
            )),
        })?;
        if let Some(err) = wire::body_error(&chunk, who) {
            return Err(err);
        }
        answer.push(&chunk, ctx);
    }
    Err(Error::StreamCut {
        provider: who.provider.to_owned(),
        detail: format!(
            "the body ended without `data: [DONE]`, after {} chunks and {} characters of text",
            answer.chunks,
            answer.text.chars().count()
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn reader(body: &str) -> SseReader {
        SseReader::from_text(body, "local")
    }

    const WHO: Caller<'static> = Caller {
        provider: "local",
        key: None,
    };

    #[tokio::test]
    async fn deltas_are_forwarded_and_usage_may_ride_on_the_last_choice() {
        let body = concat!(
            "data: {\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],",
            "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n",
            "data: [DONE]\n\n",
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let ctx = CallContext {
            on_delta: Some(Arc::new(move |t: &str| {
                sink.lock().unwrap().push(t.to_owned());
            })),
            ..CallContext::default()
        };
        let r = read(reader(body), WHO, &ctx).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), vec!["Hel", "lo"]);
        assert_eq!(
            (r.text.as_str(), r.finish, r.model.as_deref()),
            ("Hello", FinishReason::Length, Some("qwen"))
        );
        assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (7, 2));
    }

    #[tokio::test]
    async fn a_stream_without_done_is_cut_and_an_error_chunk_is_a_status() {
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n";
        let err = read(reader(body), WHO, &CallContext::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::StreamCut { .. }), "{err}");
        let body =
            "data: {\"error\":{\"message\":\"upstream died\",\"type\":\"server_error\"}}\n\n";
        let err = read(reader(body), WHO, &CallContext::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Status { status: 500, .. }), "{err}");
        assert!(
            err.to_string().contains("server_error: upstream died"),
            "{err}"
        );
    }
}
