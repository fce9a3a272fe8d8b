//! Structured output: a Rust type's JSON schema goes to the provider's
//! native mode, the answer is parsed back into the type, and a truncated
//! answer is retried with more room (seed 000: 16K → 32K → 65K).

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{ChatResponse, Error, Result};

/// The JSON schema of `T`, as sent to providers.
pub fn schema_for<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Bool(true))
}

/// A parsed structured answer and how it was obtained.
#[derive(Debug, Clone)]
pub struct StructuredOutcome<T> {
    /// The value.
    pub value: T,
    /// The answer it was parsed from.
    pub response: ChatResponse,
    /// Calls made, 1 when the first answer fit.
    pub attempts: u32,
}

/// The `max_tokens` to try in order: the request's own, then each larger
/// step of the ladder.
pub(crate) fn token_ladder(first: u32, ladder: &[u32]) -> Vec<u32> {
    let mut steps = vec![first];
    steps.extend(ladder.iter().copied().filter(|&n| n > first));
    steps.sort_unstable();
    steps.dedup();
    steps
}

/// Parses a structured answer. Tolerates what weaker models wrap JSON in
/// (a Markdown fence, prose around one object); everything else is a clear
/// error quoting the start of the answer.
pub(crate) fn parse<T: DeserializeOwned>(text: &str, model: &str) -> Result<T> {
    let err = |message: String| Error::InvalidStructured {
        model: model.to_owned(),
        type_name: short_type_name::<T>(),
        message,
        excerpt: text.chars().take(120).collect(),
    };
    let trimmed = strip_fence(text.trim());
    match serde_json::from_str::<T>(trimmed) {
        Ok(v) => Ok(v),
        Err(first) => {
            // One object embedded in prose: try the outermost braces.
            if let (Some(a), Some(b)) = (trimmed.find('{'), trimmed.rfind('}'))
                && a < b
                && (a > 0 || b + 1 < trimmed.len())
                && let Ok(v) = serde_json::from_str::<T>(&trimmed[a..=b])
            {
                return Ok(v);
            }
            Err(err(first.to_string()))
        }
    }
}

/// `name` made acceptable as a tool or schema name: both Anthropic and
/// OpenAI accept `[a-zA-Z0-9_-]{1,64}`.
pub(crate) fn identifier(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if clean.is_empty() {
        "answer".to_owned()
    } else {
        clean
    }
}

fn strip_fence(s: &str) -> &str {
    let Some(rest) = s.strip_prefix("```") else {
        return s;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full).to_owned()
}

/// `schema` with every local `$ref` (`#/$defs/X`, `#/definitions/X`)
/// replaced by its definition and the definitions dropped, for providers
/// that do not follow references (Gemini's `responseSchema`). Recursive
/// types stop expanding after a few levels.
pub fn inline_refs(schema: &Value) -> Value {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = inline(schema, &defs, 0);
    if let Some(o) = out.as_object_mut() {
        o.remove("$defs");
        o.remove("definitions");
    }
    out
}

fn inline(v: &Value, defs: &Map<String, Value>, depth: u32) -> Value {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or(r);
                if let Some(def) = defs.get(name).filter(|_| depth < 8) {
                    let mut merged = inline(def, defs, depth + 1);
                    // Keywords beside the $ref (a description) win.
                    if let Some(m) = merged.as_object_mut() {
                        for (k, val) in o.iter().filter(|(k, _)| *k != "$ref") {
                            m.insert(k.clone(), inline(val, defs, depth));
                        }
                    }
                    return merged;
                }
            }
            Value::Object(
                o.iter()
                    .map(|(k, val)| (k.clone(), inline(val, defs, depth)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| inline(x, defs, depth)).collect()),
        other => other.clone(),
    }
}

/// `schema` made acceptable to OpenAI's strict `json_schema` mode: every
/// object lists all its properties as required and forbids others. Fields
/// that were optional already admit `null` in schemars' output, so the
/// meaning is kept.
pub fn strictify(schema: &Value) -> Value {
    match schema {
        Value::Object(o) => {
            let mut out: Map<String, Value> =
                o.iter().map(|(k, v)| (k.clone(), strictify(v))).collect();
            if let Some(props) = out.get("properties").and_then(Value::as_object) {
                let all: Vec<Value> = props.keys().map(|k| Value::String(k.clone())).collect();
                out.insert("required".into(), Value::Array(all));
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            // Strict mode rejects a default on a property.
            out.remove("default");
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(strictify).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use distiq_core::CodePlan;

    use super::*;

    #[test]
    fn names_are_made_safe_for_tool_and_schema_fields() {
        assert_eq!(identifier("code plan/v2"), "code_plan_v2");
        assert_eq!(identifier(""), "answer");
        assert_eq!(identifier(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn the_ladder_starts_at_the_request_and_only_grows() {
        assert_eq!(
            token_ladder(16_384, &[16_384, 32_768, 65_536]),
            vec![16_384, 32_768, 65_536]
        );
        assert_eq!(
            token_ladder(4_000, &[16_384, 32_768]),
            vec![4_000, 16_384, 32_768]
        );
        assert_eq!(
            token_ladder(40_000, &[16_384, 32_768, 65_536]),
            vec![40_000, 65_536]
        );
    }

    #[test]
    fn fenced_or_embedded_json_parses_and_broken_json_is_a_clear_error() {
        let plan = r#"{"summary":"s","files":[]}"#;
        let fenced = format!("```json\n{plan}\n```");
        assert_eq!(parse::<CodePlan>(&fenced, "m").unwrap().summary, "s");
        let prose = format!("Here is the plan: {plan} Done.");
        assert_eq!(parse::<CodePlan>(&prose, "m").unwrap().summary, "s");
        let err = parse::<CodePlan>(r#"{"summary":"s","files":[{"path""#, "x:m").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("CodePlan") && msg.contains("x:m") && msg.contains("summary"),
            "{msg}"
        );
    }

    #[test]
    fn refs_are_inlined_and_strict_mode_requires_every_property() {
        let schema = schema_for::<CodePlan>();
        let flat = inline_refs(&schema);
        let text = flat.to_string();
        assert!(!text.contains("$ref") && !text.contains("$defs"), "{text}");
        assert!(text.contains("old_code"));
        let strict = strictify(&schema);
        let change = &strict["$defs"]["Change"];
        assert_eq!(change["additionalProperties"], false);
        let required: Vec<&str> = change["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            required.contains(&"old_code") && required.contains(&"new_code"),
            "{required:?}"
        );
    }
}
