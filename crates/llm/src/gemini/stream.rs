//! Reading `streamGenerateContent?alt=sse`.

use std::time::Duration;

use serde_json::Value;

use super::wire::{Answer, GenerateContentResponse};
use crate::sse::SseReader;
use crate::transport::{Caller, error_message};
use crate::{CallContext, ChatResponse, Error, Result};

/// Reads the stream to its end, forwarding answer text to `ctx` as it
/// arrives. Complete means: some chunk carried a `finishReason` and the
/// body then ended cleanly. Anything short of that is
/// [`Error::StreamCut`], never a silently short answer.
pub(super) async fn read(
    resp: reqwest::Response,
    who: Caller<'_>,
    idle: Duration,
    ctx: &CallContext,
) -> Result<ChatResponse> {
    let mut sse = SseReader::new(resp, who.provider, idle);
    let mut answer = Answer::default();
    while let Some(event) = sse.next(&ctx.cancel).await? {
        let data = event.data.trim();
        if data.is_empty() {
            continue;
        }
        let chunk = parse(data, who)?;
        let added = answer.absorb(chunk, who.provider)?;
        ctx.delta(&added);
    }
    if !answer.finished() {
        return Err(Error::StreamCut {
            provider: who.provider.to_owned(),
            detail: "the body ended before any chunk carried a finishReason".into(),
        });
    }
    Ok(answer.into_response())
}

/// One event's data: a chunk, or the error Gemini sends in place of one
/// when it fails after the 200 (`{"error": {"code", "message", "status"}}`).
fn parse(data: &str, who: Caller<'_>) -> Result<GenerateContentResponse> {
    let value: Value = serde_json::from_str(data).map_err(|e| {
        if e.is_eof() {
            // The last event of a body cut at a line break.
            Error::StreamCut {
                provider: who.provider.to_owned(),
                detail: "the last event's JSON is incomplete".into(),
            }
        } else {
            Error::Protocol {
                provider: who.provider.to_owned(),
                message: format!("a stream event is not JSON ({e})"),
            }
        }
    })?;
    if let Some(err) = value.get("error") {
        let status = err
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .unwrap_or(500);
        return Err(Error::Status {
            provider: who.provider.to_owned(),
            status,
            message: who.redact(&error_message(data)),
        });
    }
    serde_json::from_value(value).map_err(|e| Error::Protocol {
        provider: who.provider.to_owned(),
        message: format!("a stream event is not a GenerateContentResponse: {e}"),
    })
}
