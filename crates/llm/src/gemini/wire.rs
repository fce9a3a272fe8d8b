//! Gemini's wire format: the `generateContent` request body, and the
//! `GenerateContentResponse` that comes back whole or, streamed, in chunks
//! of the same shape.

use distiq_core::Usage;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::schema::response_schema;
use crate::{ChatRequest, ChatResponse, Error, FinishReason, Part, Result, Role};

/// The JSON body for `req`.
pub(crate) fn body(req: &ChatRequest) -> Value {
    let contents: Vec<Value> = req
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            json!({ "role": role, "parts": parts(&m.parts) })
        })
        .collect();
    let mut config = Map::new();
    config.insert("maxOutputTokens".into(), json!(req.max_tokens));
    if let Some(t) = req.temperature.and_then(temperature) {
        config.insert("temperature".into(), t);
    }
    if let Some(spec) = &req.structured {
        config.insert("responseMimeType".into(), json!("application/json"));
        config.insert("responseSchema".into(), response_schema(&spec.schema));
    }
    let mut body = Map::new();
    body.insert("contents".into(), Value::Array(contents));
    if !req.system.is_empty() {
        // Gemini caches long prefixes implicitly; breakpoints have no
        // spelling here, the stable-first order is what matters.
        body.insert(
            "systemInstruction".into(),
            json!({ "parts": parts(&req.system) }),
        );
    }
    body.insert("generationConfig".into(), Value::Object(config));
    Value::Object(body)
}

fn parts(parts: &[Part]) -> Vec<Value> {
    parts.iter().map(|p| json!({ "text": p.text })).collect()
}

/// The temperature as the decimal the user wrote: `0.2_f32` widened to
/// f64 would go out as 0.20000000298023224.
fn temperature(t: f32) -> Option<Value> {
    let wide = t.to_string().parse::<f64>().unwrap_or(f64::from(t));
    serde_json::Number::from_f64(wide).map(Value::Number)
}

/// One `GenerateContentResponse`: the whole answer, or one streamed chunk.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateContentResponse {
    #[serde(default)]
    candidates: Vec<Candidate>,
    prompt_feedback: Option<PromptFeedback>,
    usage_metadata: Option<UsageMetadata>,
    model_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
    #[serde(default)]
    index: u32,
}

#[derive(Debug, Default, Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<ResponsePart>,
}

#[derive(Debug, Default, Deserialize)]
struct ResponsePart {
    text: Option<String>,
    /// A thought summary (thinking models with `includeThoughts`): not
    /// part of the answer.
    #[serde(default)]
    thought: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
    block_reason_message: Option<String>,
}

/// `usageMetadata`. `promptTokenCount` includes the cached tokens;
/// `candidatesTokenCount` excludes the thinking tokens.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: i64,
    #[serde(default)]
    candidates_token_count: i64,
    #[serde(default)]
    cached_content_token_count: i64,
    #[serde(default)]
    thoughts_token_count: i64,
}

/// `usageMetadata` normalised: input excludes the cached part of the
/// prompt, output includes the thinking.
pub(crate) fn usage(u: &UsageMetadata) -> Usage {
    let cached = u.cached_content_token_count.max(0);
    let thoughts = u.thoughts_token_count.max(0);
    Usage {
        input_tokens: (u.prompt_token_count - cached).max(0),
        output_tokens: u.candidates_token_count.max(0) + thoughts,
        cache_read_tokens: cached,
        cache_write_tokens: 0,
        reasoning_tokens: thoughts,
    }
}

/// A candidate's `finishReason`, mapped.
pub(crate) fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        other => FinishReason::Other(other.to_owned()),
    }
}

/// The answer as it builds up from one or more responses.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    text: String,
    finish: Option<FinishReason>,
    usage: Option<UsageMetadata>,
    model: Option<String>,
}

impl Answer {
    /// Takes in one response and returns the answer text it adds. Usage is
    /// cumulative in Gemini's chunks, so the latest one wins.
    pub(crate) fn absorb(
        &mut self,
        resp: GenerateContentResponse,
        provider: &str,
    ) -> Result<String> {
        if let Some(u) = resp.usage_metadata {
            self.usage = Some(u);
        }
        if resp.model_version.is_some() {
            self.model = resp.model_version;
        }
        if resp.candidates.is_empty()
            && let Some(reason) = resp.prompt_feedback.and_then(|f| blocked(&f))
        {
            return Err(Error::PromptBlocked {
                provider: provider.to_owned(),
                reason,
            });
        }
        let mut added = String::new();
        // distiq asks for one candidate; the first is the answer.
        let Some(cand) = resp.candidates.into_iter().find(|c| c.index == 0) else {
            return Ok(added);
        };
        for part in cand.content.into_iter().flat_map(|c| c.parts) {
            if let (Some(t), false) = (part.text, part.thought) {
                added.push_str(&t);
            }
        }
        self.text.push_str(&added);
        if let Some(r) = cand.finish_reason {
            self.finish = Some(finish_reason(&r));
        }
        Ok(added)
    }

    /// Whether a response carried a `finishReason`.
    pub(crate) fn finished(&self) -> bool {
        self.finish.is_some()
    }

    /// Whether anything at all arrived: a candidate or usage.
    pub(crate) fn is_empty(&self) -> bool {
        self.finish.is_none() && self.text.is_empty() && self.usage.is_none()
    }

    /// The normalised answer.
    pub(crate) fn into_response(self) -> ChatResponse {
        ChatResponse {
            text: self.text,
            usage: self.usage.as_ref().map(usage).unwrap_or_default(),
            finish: self
                .finish
                .unwrap_or_else(|| FinishReason::Other("FINISH_REASON_UNSPECIFIED".into())),
            model: self.model,
        }
    }
}

fn blocked(f: &PromptFeedback) -> Option<String> {
    let reason = f.block_reason.as_deref()?;
    Some(
        match f.block_reason_message.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => format!("{reason}: {m}"),
            None => reason.to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{StructuredSpec, schema_for};

    fn parse(v: Value) -> GenerateContentResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_body_has_roles_system_instruction_and_generation_config() {
        let mut req = ChatRequest::new("gemini-2.5-flash", 1000)
            .system(Part::cached("You plan code changes."))
            .user("add a flag")
            .message(Role::Assistant, vec![Part::text("ok")])
            .temperature(0.2);
        let b = body(&req);
        assert_eq!(
            b["contents"][0],
            json!({"role": "user", "parts": [{"text": "add a flag"}]})
        );
        assert_eq!(b["contents"][1]["role"], "model");
        assert_eq!(
            b["systemInstruction"],
            json!({"parts": [{"text": "You plan code changes."}]})
        );
        assert_eq!(
            b["generationConfig"],
            json!({"maxOutputTokens": 1000, "temperature": 0.2})
        );
        assert!(b.get("model").is_none() && b.get("stream").is_none());

        req.structured = Some(StructuredSpec {
            name: "code_plan".into(),
            description: "a plan".into(),
            schema: schema_for::<distiq_core::CodePlan>(),
        });
        req.system.clear();
        let b = body(&req);
        assert!(b.get("systemInstruction").is_none());
        assert_eq!(
            b["generationConfig"]["responseMimeType"],
            "application/json"
        );
        assert_eq!(b["generationConfig"]["responseSchema"]["type"], "OBJECT");
    }

    #[test]
    fn usage_separates_cached_input_and_counts_thoughts_as_output() {
        let u: UsageMetadata = serde_json::from_value(json!({
            "promptTokenCount": 1200, "candidatesTokenCount": 300,
            "cachedContentTokenCount": 1000, "thoughtsTokenCount": 50, "totalTokenCount": 1550
        }))
        .unwrap();
        assert_eq!(
            usage(&u),
            Usage {
                input_tokens: 200,
                output_tokens: 350,
                cache_read_tokens: 1000,
                cache_write_tokens: 0,
                reasoning_tokens: 50,
            }
        );
    }

    #[test]
    fn finish_reasons_map_truncation_and_filters() {
        assert_eq!(finish_reason("STOP"), FinishReason::Stop);
        assert_eq!(finish_reason("MAX_TOKENS"), FinishReason::Length);
        for r in [
            "SAFETY",
            "RECITATION",
            "BLOCKLIST",
            "PROHIBITED_CONTENT",
            "SPII",
        ] {
            assert_eq!(finish_reason(r), FinishReason::ContentFilter, "{r}");
        }
        assert_eq!(
            finish_reason("MALFORMED_FUNCTION_CALL"),
            FinishReason::Other("MALFORMED_FUNCTION_CALL".into())
        );
    }

    #[test]
    fn thoughts_are_not_answer_text_and_usage_is_the_latest() {
        let mut a = Answer::default();
        let first = parse(json!({
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "Let me think.", "thought": true}, {"text": "Hel"}]}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1, "totalTokenCount": 6}
        }));
        assert_eq!(a.absorb(first, "gemini").unwrap(), "Hel");
        assert!(!a.finished());
        let last = parse(json!({
            "candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2, "thoughtsTokenCount": 7, "totalTokenCount": 14},
            "modelVersion": "gemini-2.5-flash"
        }));
        assert_eq!(a.absorb(last, "gemini").unwrap(), "lo");
        let r = a.into_response();
        assert_eq!(r.text, "Hello");
        assert_eq!(r.finish, FinishReason::Stop);
        assert_eq!((r.usage.output_tokens, r.usage.reasoning_tokens), (9, 7));
        assert_eq!(r.model.as_deref(), Some("gemini-2.5-flash"));
    }

    #[test]
    fn a_blocked_prompt_is_an_error_naming_the_reason() {
        let blocked = parse(json!({
            "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
            "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}
        }));
        let err = Answer::default().absorb(blocked, "gemini").unwrap_err();
        assert!(matches!(err, Error::PromptBlocked { .. }), "{err}");
        assert!(err.to_string().contains("PROHIBITED_CONTENT"), "{err}");
    }
}
