//! Translation between distiq's request and answer types and the Chat
//! Completions wire format. Pure functions, unit-tested below; the HTTP
//! side lives in the parent module.

use distiq_core::Usage;
use serde_json::{Map, Number, Value, json};

use crate::transport::{Caller, error_message, excerpt};
use crate::{
    ChatRequest, ChatResponse, Error, FinishReason, Result, Role, StructuredSpec, strictify,
};

/// What differs between the endpoints that speak Chat Completions, decided
/// once from the base URL's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dialect {
    /// The body field that carries the token limit. api.openai.com's newer
    /// models reject `max_tokens`; every compatible server expects it.
    pub max_tokens_field: &'static str,
    /// Whether the server takes a strict `json_schema` response format
    /// (DeepSeek takes only `json_object`).
    pub json_schema: bool,
    /// Whether a 400 that names `response_format` is answered by asking
    /// again in `json_object` mode. Only for servers we know nothing about:
    /// on api.openai.com such a 400 is a schema bug worth seeing.
    pub schema_fallback: bool,
}

impl Dialect {
    /// The dialect for a base URL (`https://api.openai.com/v1`,
    /// `https://api.deepseek.com`, `http://127.0.0.1:8089/v1`, ...).
    pub(crate) fn for_base_url(base: &str) -> Self {
        let host = reqwest::Url::parse(base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        match host.as_deref() {
            Some("api.openai.com") => Self {
                max_tokens_field: "max_completion_tokens",
                json_schema: true,
                schema_fallback: false,
            },
            Some("api.deepseek.com") => Self {
                max_tokens_field: "max_tokens",
                json_schema: false,
                schema_fallback: false,
            },
            _ => Self {
                max_tokens_field: "max_tokens",
                json_schema: true,
                schema_fallback: true,
            },
        }
    }
}

/// How a structured answer is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonMode {
    /// `response_format: json_schema`, strict: the server enforces the schema.
    Schema,
    /// `response_format: json_object`, with the schema in the system message.
    Object,
}

/// The request body. `mode` matters only when `req.structured` is set.
pub(crate) fn request_body(req: &ChatRequest, dialect: &Dialect, mode: JsonMode) -> Value {
    let structured = req.structured.as_ref();
    let mut system: Vec<String> = req.system.iter().map(|p| p.text.clone()).collect();
    if let (Some(spec), JsonMode::Object) = (structured, mode) {
        system.push(schema_instruction(spec));
    }
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if !system.is_empty() {
        messages.push(json!({ "role": "system", "content": system.join("\n\n") }));
    }
    for m in &req.messages {
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        let text: Vec<&str> = m.parts.iter().map(|p| p.text.as_str()).collect();
        messages.push(json!({ "role": role, "content": text.join("\n\n") }));
    }

    let mut body = Map::new();
    body.insert("model".into(), Value::String(req.model.clone()));
    body.insert("messages".into(), Value::Array(messages));
    body.insert(dialect.max_tokens_field.into(), Value::from(req.max_tokens));
    if let Some(t) = req.temperature.and_then(temperature) {
        body.insert("temperature".into(), t);
    }
    body.insert("stream".into(), Value::Bool(req.stream));
    if req.stream {
        body.insert("stream_options".into(), json!({ "include_usage": true }));
    }
    if let Some(spec) = structured {
        let format = match mode {
            JsonMode::Schema => {
                let mut schema = Map::new();
                schema.insert(
                    "name".into(),
                    Value::String(crate::structured::identifier(&spec.name)),
                );
                if !spec.description.is_empty() {
                    schema.insert(
                        "description".into(),
                        Value::String(spec.description.clone()),
                    );
                }
                schema.insert("schema".into(), strictify(&spec.schema));
                schema.insert("strict".into(), Value::Bool(true));
                json!({ "type": "json_schema", "json_schema": schema })
            }
            JsonMode::Object => json!({ "type": "json_object" }),
        };
        body.insert("response_format".into(), format);
    }
    Value::Object(body)
}

/// The system text that carries the schema in `json_object` mode. DeepSeek
/// (and OpenAI's own json_object mode) require the word "json" in the prompt.
fn schema_instruction(spec: &StructuredSpec) -> String {
    let what = if spec.description.is_empty() {
        String::new()
    } else {
        format!(" The object is a {}: {}.", spec.name, spec.description)
    };
    format!(
        "Answer with one JSON object following this JSON Schema, and nothing else: \
         no prose and no Markdown fence, only the json.{what}\n{}",
        spec.schema
    )
}

/// `t` as the JSON number it reads as (`0.2`, not `0.20000000298023224`).
fn temperature(t: f32) -> Option<Value> {
    let shortest: f64 = t.to_string().parse().ok()?;
    Number::from_f64(shortest).map(Value::Number)
}

/// Normalises a `usage` object. OpenAI counts cached tokens inside
/// `prompt_tokens` (`prompt_tokens_details.cached_tokens`); DeepSeek splits
/// `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`; OpenRouter adds
/// `prompt_tokens_details.cache_write_tokens`. `completion_tokens` already
/// includes reasoning.
pub(crate) fn usage(u: &Value) -> Usage {
    let int = |p: &str| u.pointer(p).and_then(Value::as_i64);
    let prompt = int("/prompt_tokens").unwrap_or(0);
    let (cache_read, cache_write, input) = match int("/prompt_cache_hit_tokens") {
        Some(hit) => {
            let miss = int("/prompt_cache_miss_tokens").unwrap_or(prompt - hit);
            (hit, 0, miss)
        }
        None => {
            let read = int("/prompt_tokens_details/cached_tokens").unwrap_or(0);
            let write = int("/prompt_tokens_details/cache_write_tokens").unwrap_or(0);
            (read, write, prompt - read - write)
        }
    };
    Usage {
        input_tokens: input.max(0),
        output_tokens: int("/completion_tokens").unwrap_or(0),
        cache_read_tokens: cache_read,
        cache_write_tokens: cache_write,
        reasoning_tokens: int("/completion_tokens_details/reasoning_tokens").unwrap_or(0),
    }
}

/// Maps `finish_reason`. A missing one (a server that ends with `[DONE]`
/// and never says why) is `Other("none")`, not a claim that it stopped.
pub(crate) fn finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        Some("stop") => FinishReason::Stop,
        Some("length") => FinishReason::Length,
        Some("content_filter") => FinishReason::ContentFilter,
        Some("tool_calls" | "function_call") => FinishReason::ToolUse,
        Some(other) => FinishReason::Other(other.to_owned()),
        None => FinishReason::Other("none".to_owned()),
    }
}

/// The error object some servers send with a 200, or as a stream chunk
/// (`{"error": {...}}`), as [`Error::Status`]. The status is the error's
/// numeric `code` when it has one (llama.cpp, OpenRouter), else 500: the
/// server failed after it had accepted the request.
pub(crate) fn body_error(v: &Value, who: Caller<'_>) -> Option<Error> {
    let err = v.get("error").filter(|e| !e.is_null())?;
    let status = err
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| (400..600).contains(c))
        .unwrap_or(500);
    Some(Error::Status {
        provider: who.provider.to_owned(),
        status,
        message: who.redact(&error_message(&v.to_string())),
    })
}

/// The choice distiq asked for (`n` is never set, so index 0).
pub(crate) fn first_choice(v: &Value) -> Option<&Value> {
    let choices = v.get("choices")?.as_array()?;
    choices
        .iter()
        .find(|c| c.get("index").and_then(Value::as_u64) == Some(0))
        .or_else(|| choices.first())
}

/// Message or delta content: a string, or (some compatible servers) an
/// array of `{"type": "text", "text": ...}` parts.
pub(crate) fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// The answer's text and finish reason. A refusal (structured outputs put
/// it in `refusal`, not `content`) becomes the text, flagged as filtered,
/// so that a program reading the answer sees why it got no object.
pub(crate) fn settle(
    text: String,
    refusal: String,
    finish: FinishReason,
) -> (String, FinishReason) {
    if text.is_empty() && !refusal.is_empty() {
        (refusal, FinishReason::ContentFilter)
    } else {
        (text, finish)
    }
}

/// A non-streaming `chat.completion` body.
pub(crate) fn parse_completion(v: &Value, who: Caller<'_>) -> Result<ChatResponse> {
    if let Some(err) = body_error(v, who) {
        return Err(err);
    }
    let Some(choice) = first_choice(v) else {
        return Err(Error::Protocol {
            provider: who.provider.to_owned(),
            message: who.redact(&format!(
                "the answer has no choices: {}",
                excerpt(&v.to_string())
            )),
        });
    };
    let message = choice.get("message");
    let text = content_text(message.and_then(|m| m.get("content")));
    let refusal = content_text(message.and_then(|m| m.get("refusal")));
    let finish = finish_reason(choice.get("finish_reason").and_then(Value::as_str));
    let (text, finish) = settle(text, refusal, finish);
    Ok(ChatResponse {
        text,
        usage: v
            .get("usage")
            .filter(|u| u.is_object())
            .map(usage)
            .unwrap_or_default(),
        finish,
        model: v.get("model").and_then(Value::as_str).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiKey, Part};

    fn spec() -> StructuredSpec {
        StructuredSpec {
            name: "code plan".into(),
            description: "what to change".into(),
            schema: json!({
                "type": "object",
                "properties": { "summary": { "type": "string", "default": "" } }
            }),
        }
    }

    fn req() -> ChatRequest {
        ChatRequest::new("m", 1000)
            .system(Part::cached("stable rules"))
            .system(Part::text("repo map"))
            .user("the task")
            .temperature(0.2)
    }

    #[test]
    fn the_token_limit_field_follows_the_host() {
        let openai = Dialect::for_base_url("https://api.openai.com/v1");
        let body = request_body(&req(), &openai, JsonMode::Schema);
        assert_eq!(body["max_completion_tokens"], 1000);
        assert!(body.get("max_tokens").is_none(), "{body}");
        assert!(
            openai.json_schema && !openai.schema_fallback,
            "a schema 400 from OpenAI is a bug to show"
        );
        for base in [
            "https://api.deepseek.com",
            "https://openrouter.ai/api/v1",
            "http://localhost:11434/v1",
            "http://127.0.0.1:8089/v1",
        ] {
            let body = request_body(&req(), &Dialect::for_base_url(base), JsonMode::Schema);
            assert_eq!(body["max_tokens"], 1000, "{base}");
            assert!(
                body.get("max_completion_tokens").is_none(),
                "{base}: {body}"
            );
        }
    }

    #[test]
    fn system_parts_join_into_one_first_message_and_options_are_sent() {
        let body = request_body(
            &req().streaming(true),
            &Dialect::for_base_url("http://x/v1"),
            JsonMode::Schema,
        );
        assert_eq!(
            body["messages"],
            json!([
                { "role": "system", "content": "stable rules\n\nrepo map" },
                { "role": "user", "content": "the task" }
            ])
        );
        assert_eq!(body["temperature"], json!(0.2));
        assert_eq!(body["stream"], true);
        assert_eq!(body["stream_options"], json!({ "include_usage": true }));
        let plain = request_body(
            &ChatRequest::new("m", 5).user("hi"),
            &Dialect::for_base_url("http://x"),
            JsonMode::Schema,
        );
        assert_eq!(
            plain["messages"].as_array().map(Vec::len),
            Some(1),
            "no empty system message"
        );
        assert!(
            plain.get("temperature").is_none() && plain.get("stream_options").is_none(),
            "{plain}"
        );
        assert!(plain.get("response_format").is_none(), "{plain}");
    }

    #[test]
    fn structured_requests_use_strict_json_schema() {
        let mut r = req();
        r.structured = Some(spec());
        let body = request_body(
            &r,
            &Dialect::for_base_url("https://api.openai.com/v1"),
            JsonMode::Schema,
        );
        let format = &body["response_format"];
        assert_eq!(format["type"], "json_schema");
        assert_eq!(format["json_schema"]["name"], "code_plan");
        assert_eq!(format["json_schema"]["strict"], true);
        assert_eq!(
            format["json_schema"]["schema"]["additionalProperties"],
            false
        );
        assert_eq!(
            format["json_schema"]["schema"]["required"],
            json!(["summary"])
        );
        assert!(
            !body["messages"][0]["content"]
                .as_str()
                .unwrap_or("")
                .contains("JSON Schema")
        );
    }

    #[test]
    fn deepseek_gets_json_object_with_the_schema_in_the_system_message() {
        let deepseek = Dialect::for_base_url("https://api.deepseek.com");
        assert!(!deepseek.json_schema && !deepseek.schema_fallback);
        let mut r = req();
        r.structured = Some(spec());
        let body = request_body(&r, &deepseek, JsonMode::Object);
        assert_eq!(body["response_format"], json!({ "type": "json_object" }));
        let system = body["messages"][0]["content"].as_str().unwrap_or_default();
        assert!(
            system.starts_with("stable rules\n\nrepo map\n\n"),
            "stable parts stay first: {system}"
        );
        assert!(
            system.contains("json") && system.contains(r#""summary""#),
            "{system}"
        );
    }

    #[test]
    fn usage_is_normalised_for_openai_deepseek_and_openrouter() {
        let openai = json!({
            "prompt_tokens": 2000, "completion_tokens": 500, "total_tokens": 2500,
            "prompt_tokens_details": { "cached_tokens": 1500, "audio_tokens": 0 },
            "completion_tokens_details": { "reasoning_tokens": 320 }
        });
        assert_eq!(
            usage(&openai),
            Usage {
                input_tokens: 500,
                output_tokens: 500,
                cache_read_tokens: 1500,
                cache_write_tokens: 0,
                reasoning_tokens: 320
            }
        );
        // DeepSeek may report cached_tokens too; its own split wins.
        let deepseek = json!({
            "prompt_tokens": 1000, "completion_tokens": 10,
            "prompt_cache_hit_tokens": 900, "prompt_cache_miss_tokens": 100,
            "prompt_tokens_details": { "cached_tokens": 0 }
        });
        let u = usage(&deepseek);
        assert_eq!(
            (u.input_tokens, u.cache_read_tokens, u.output_tokens),
            (100, 900, 10)
        );
        let openrouter = json!({
            "prompt_tokens": 194, "completion_tokens": 2,
            "prompt_tokens_details": { "cached_tokens": 0, "cache_write_tokens": 100 }
        });
        let u = usage(&openrouter);
        assert_eq!((u.input_tokens, u.cache_write_tokens), (94, 100));
        assert_eq!(usage(&json!({})), Usage::default());
    }

    #[test]
    fn finish_reasons_map_and_truncation_is_length() {
        assert_eq!(finish_reason(Some("stop")), FinishReason::Stop);
        assert_eq!(finish_reason(Some("length")), FinishReason::Length);
        assert_eq!(
            finish_reason(Some("content_filter")),
            FinishReason::ContentFilter
        );
        assert_eq!(finish_reason(Some("tool_calls")), FinishReason::ToolUse);
        assert_eq!(finish_reason(Some("function_call")), FinishReason::ToolUse);
        assert_eq!(
            finish_reason(Some("abort")),
            FinishReason::Other("abort".into())
        );
    }

    #[test]
    fn a_refusal_is_the_text_and_an_error_body_is_a_status_without_the_key() {
        let key = ApiKey::new("sk-unit-secret-42");
        let who = Caller {
            provider: "openai",
            key: Some(&key),
        };
        let refused = json!({
            "model": "gpt",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": null, "refusal": "I can't help with that." }, "finish_reason": "stop" }]
        });
        let r = parse_completion(&refused, who).unwrap();
        assert_eq!(
            (r.text.as_str(), r.finish),
            ("I can't help with that.", FinishReason::ContentFilter)
        );
        let err = json!({ "error": { "code": 400, "message": "bad key sk-unit-secret-42", "type": "invalid_request_error" } });
        let e = parse_completion(&err, who).unwrap_err();
        assert!(matches!(e, Error::Status { status: 400, .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("invalid_request_error: bad key [redacted]"),
            "{text}"
        );
        assert!(!text.contains("sk-unit-secret-42"));
        let none = parse_completion(&json!({ "choices": [] }), who).unwrap_err();
        assert!(matches!(none, Error::Protocol { .. }), "{none}");
    }
}
