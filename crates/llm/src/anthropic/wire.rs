//! Pure translation between distiq's request types and the Messages wire
//! format: the request body, usage, stop reasons and non-streaming answers.

use distiq_core::Usage;
use serde_json::{Map, Value, json};

use crate::{ChatRequest, ChatResponse, FinishReason, Part, Role, StructuredSpec};

/// The most `cache_control` breakpoints Anthropic accepts in one request.
pub(crate) const MAX_BREAKPOINTS: usize = 4;

/// The key a non-object schema is wrapped under: tool inputs must be
/// objects, so `Vec<T>` or an enum travels as `{"value": ...}`.
const WRAP_KEY: &str = "value";

/// How the structured answer comes back: which tool the model was forced to
/// call, and whether its input wraps the value under [`WRAP_KEY`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolPlan {
    /// The tool's name as sent (sanitised to Anthropic's name rules).
    pub name: String,
    /// Whether the schema was wrapped in an object.
    pub wrapped: bool,
}

/// The request body for `POST /v1/messages`, and the tool plan when the
/// request is structured.
pub(crate) fn request_body(req: &ChatRequest) -> (Value, Option<ToolPlan>) {
    let mut blocks = Blocks::default();
    let system: Vec<Value> = req.system.iter().filter_map(|p| blocks.push(p)).collect();
    let mut messages: Vec<Value> = Vec::new();
    for m in &req.messages {
        let content: Vec<Value> = m.parts.iter().filter_map(|p| blocks.push(p)).collect();
        if content.is_empty() {
            continue;
        }
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        messages.push(json!({ "role": role, "content": content }));
    }
    let mut system = system;
    blocks.apply(&mut system, &mut messages);

    let mut body = Map::new();
    body.insert("model".into(), json!(req.model));
    body.insert("max_tokens".into(), json!(req.max_tokens));
    if !system.is_empty() {
        body.insert("system".into(), Value::Array(system));
    }
    body.insert("messages".into(), Value::Array(messages));
    if let Some(t) = req.temperature {
        body.insert("temperature".into(), temperature(t));
    }
    if req.stream {
        body.insert("stream".into(), Value::Bool(true));
    }
    let plan = req.structured.as_ref().map(|spec| {
        let (tool, plan) = forced_tool(spec);
        body.insert("tools".into(), json!([tool]));
        body.insert(
            "tool_choice".into(),
            json!({ "type": "tool", "name": plan.name }),
        );
        plan
    });
    (Value::Object(body), plan)
}

/// Text blocks in prompt order (system first, then messages), with the
/// positions of the parts marked as cache breakpoints.
#[derive(Debug, Default)]
struct Blocks {
    /// Blocks emitted so far.
    count: usize,
    /// Indices (in emission order) of blocks that end a stable prefix.
    marks: Vec<usize>,
}

impl Blocks {
    /// The text block for `part`, or `None` for an empty part: the API
    /// refuses empty text blocks. An empty part's breakpoint moves to the
    /// block before it, which ends the same prefix.
    fn push(&mut self, part: &Part) -> Option<Value> {
        if part.text.trim().is_empty() {
            if part.cache_breakpoint
                && self.count > 0
                && self.marks.last() != Some(&(self.count - 1))
            {
                self.marks.push(self.count - 1);
            }
            return None;
        }
        if part.cache_breakpoint {
            self.marks.push(self.count);
        }
        self.count += 1;
        Some(json!({ "type": "text", "text": part.text }))
    }

    /// Puts `cache_control` on the marked blocks, keeping only the last
    /// [`MAX_BREAKPOINTS`]: the longest prefixes save the most.
    fn apply(&self, system: &mut [Value], messages: &mut [Value]) {
        let keep = self
            .marks
            .iter()
            .rev()
            .take(MAX_BREAKPOINTS)
            .copied()
            .collect::<Vec<_>>();
        let mut index = 0;
        let mut mark = |block: &mut Value| {
            if keep.contains(&index)
                && let Some(o) = block.as_object_mut()
            {
                o.insert("cache_control".into(), json!({ "type": "ephemeral" }));
            }
            index += 1;
        };
        system.iter_mut().for_each(&mut mark);
        for m in messages.iter_mut() {
            if let Some(content) = m.get_mut("content").and_then(Value::as_array_mut) {
                content.iter_mut().for_each(&mut mark);
            }
        }
    }
}

/// A temperature as the decimal the caller wrote (`0.2`, not the `f32`
/// widened to `0.20000000298023224`).
fn temperature(t: f32) -> Value {
    format!("{t}")
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// The tool that structured output is forced through, and how to read it.
fn forced_tool(spec: &StructuredSpec) -> (Value, ToolPlan) {
    let name = crate::structured::identifier(&spec.name);
    let (schema, wrapped) = input_schema(&spec.schema);
    let tool = json!({
        "name": name,
        "description": spec.description,
        "input_schema": schema,
    });
    (tool, ToolPlan { name, wrapped })
}

/// The schema as a tool's `input_schema`. `$defs` stay (Anthropic follows
/// local references); `$schema` goes. A schema whose root is not an object
/// is wrapped as the `value` property of one, its `$defs` lifted to the new
/// root so references still resolve.
fn input_schema(schema: &Value) -> (Value, bool) {
    let mut schema = schema.clone();
    if let Some(o) = schema.as_object_mut() {
        o.remove("$schema");
        if o.get("type").and_then(Value::as_str) == Some("object") {
            return (schema, false);
        }
    }
    let mut root = Map::new();
    root.insert("type".into(), json!("object"));
    if let Some(o) = schema.as_object_mut() {
        for key in ["$defs", "definitions"] {
            if let Some(defs) = o.remove(key) {
                root.insert(key.into(), defs);
            }
        }
    }
    root.insert("properties".into(), json!({ WRAP_KEY: schema }));
    root.insert("required".into(), json!([WRAP_KEY]));
    (Value::Object(root), true)
}

/// The JSON text of a tool call's input: the object itself, or the wrapped
/// value.
pub(crate) fn tool_answer(input: &Value, plan: &ToolPlan) -> String {
    if plan.wrapped
        && let Some(v) = input.get(WRAP_KEY)
    {
        return v.to_string();
    }
    input.to_string()
}

/// Usage as the API reports it, each field as last seen. Streaming sends
/// the counts in two places (`message_start`, then cumulative ones in
/// `message_delta`); the latest value of each field wins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WireUsage {
    pub input: Option<i64>,
    pub output: Option<i64>,
    pub cache_write: Option<i64>,
    pub cache_read: Option<i64>,
}

impl WireUsage {
    /// Takes every count present in `usage` (a `usage` object); absent or
    /// `null` fields keep their earlier value.
    pub(crate) fn update(&mut self, usage: &Value) {
        let field = |k: &str| usage.get(k).and_then(Value::as_i64);
        self.input = field("input_tokens").or(self.input);
        self.output = field("output_tokens").or(self.output);
        self.cache_write = field("cache_creation_input_tokens").or(self.cache_write);
        self.cache_read = field("cache_read_input_tokens").or(self.cache_read);
    }

    /// Normalised: Anthropic's `input_tokens` already excludes cache reads
    /// and writes, and it reports no separate reasoning count (thinking is
    /// billed inside `output_tokens`).
    pub(crate) fn normalise(self) -> Usage {
        Usage {
            input_tokens: self.input.unwrap_or(0),
            output_tokens: self.output.unwrap_or(0),
            cache_read_tokens: self.cache_read.unwrap_or(0),
            cache_write_tokens: self.cache_write.unwrap_or(0),
            reasoning_tokens: 0,
        }
    }
}

/// Maps a `stop_reason`.
pub(crate) fn finish_reason(stop: &str) -> FinishReason {
    match stop {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" => FinishReason::Length,
        "tool_use" => FinishReason::ToolUse,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    }
}

/// Reads a non-streaming `message`. The answer is the forced tool's input
/// when the request was structured (and the model called it), else the
/// text blocks joined; thinking blocks are not part of it. `Err` carries
/// what is wrong with the body.
pub(crate) fn read_message(body: &Value, plan: Option<&ToolPlan>) -> Result<ChatResponse, String> {
    let content = body
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| "the message has no `content` array".to_owned())?;
    let blocks = || {
        content
            .iter()
            .map(|b| (b.get("type").and_then(Value::as_str).unwrap_or(""), b))
    };
    let tool = plan.and_then(|p| {
        let call = blocks().find(|(t, b)| {
            *t == "tool_use" && b.get("name").and_then(Value::as_str) == Some(p.name.as_str())
        });
        let call = call.or_else(|| blocks().find(|(t, _)| *t == "tool_use"));
        call.and_then(|(_, b)| b.get("input"))
            .map(|input| tool_answer(input, p))
    });
    let text = tool.unwrap_or_else(|| {
        blocks()
            .filter(|(t, _)| *t == "text")
            .filter_map(|(_, b)| b.get("text").and_then(Value::as_str))
            .collect()
    });
    let mut usage = WireUsage::default();
    if let Some(u) = body.get("usage") {
        usage.update(u);
    }
    let finish = match body.get("stop_reason").and_then(Value::as_str) {
        Some(s) => finish_reason(s),
        None => return Err("the message has no `stop_reason`".to_owned()),
    };
    let model = body.get("model").and_then(Value::as_str).map(str::to_owned);
    Ok(ChatResponse {
        text,
        usage: usage.normalise(),
        finish,
        model,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(body: &Value) -> Vec<String> {
        let mut out = Vec::new();
        let mut visit = |b: &Value| {
            if b.get("cache_control").is_some() {
                assert_eq!(b["cache_control"], json!({ "type": "ephemeral" }));
                out.push(b["text"].as_str().unwrap().to_owned());
            }
        };
        body.get("system")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .for_each(&mut visit);
        for m in body["messages"].as_array().unwrap() {
            m["content"].as_array().unwrap().iter().for_each(&mut visit);
        }
        out
    }

    #[test]
    fn the_body_carries_system_blocks_messages_and_sampling() {
        let req = ChatRequest::new("claude-x", 1024)
            .system(Part::text("be brief"))
            .user("hello")
            .message(Role::Assistant, vec![Part::text("hi")])
            .temperature(0.2)
            .streaming(true);
        let (body, plan) = request_body(&req);
        assert!(plan.is_none());
        assert_eq!(
            body,
            json!({
                "model": "claude-x",
                "max_tokens": 1024,
                "system": [{ "type": "text", "text": "be brief" }],
                "messages": [
                    { "role": "user", "content": [{ "type": "text", "text": "hello" }] },
                    { "role": "assistant", "content": [{ "type": "text", "text": "hi" }] }
                ],
                "temperature": 0.2,
                "stream": true
            })
        );
        let (plain, _) = request_body(&ChatRequest::new("m", 5).user("x"));
        for absent in ["system", "temperature", "stream", "tools", "tool_choice"] {
            assert!(plain.get(absent).is_none(), "{absent} in {plain}");
        }
    }

    #[test]
    fn cache_control_goes_on_marked_blocks_and_only_the_last_four() {
        let req = ChatRequest::new("m", 5)
            .system(Part::cached("s1"))
            .system(Part::text("s2"))
            .system(Part::cached("s3"))
            .message(Role::User, vec![Part::cached("u1"), Part::text("u2")])
            .message(Role::Assistant, vec![Part::cached("a1")])
            .message(Role::User, vec![Part::cached("u3"), Part::text("task")]);
        let (body, _) = request_body(&req);
        assert_eq!(marked(&body), ["s3", "u1", "a1", "u3"], "{body}");
    }

    #[test]
    fn empty_parts_are_dropped_and_their_mark_moves_to_the_block_before() {
        let req = ChatRequest::new("m", 5)
            .system(Part::text("map"))
            .system(Part::cached(" "))
            .message(Role::User, vec![Part::text("")])
            .user("task");
        let (body, _) = request_body(&req);
        assert_eq!(body["system"].as_array().unwrap().len(), 1);
        assert_eq!(body["messages"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(marked(&body), ["map"]);
    }

    #[test]
    fn structured_requests_force_one_tool_with_the_schema() {
        let mut req = ChatRequest::new("m", 5).user("plan");
        let schema = crate::schema_for::<distiq_core::CodePlan>();
        req.structured = Some(StructuredSpec {
            name: "code plan".into(),
            description: "The plan".into(),
            schema: schema.clone(),
        });
        let (body, plan) = request_body(&req);
        let plan = plan.unwrap();
        assert_eq!(
            plan,
            ToolPlan {
                name: "code_plan".into(),
                wrapped: false
            }
        );
        assert_eq!(
            body["tool_choice"],
            json!({ "type": "tool", "name": "code_plan" })
        );
        let tools = body["tools"].as_array().unwrap();
        assert_eq!(tools.len(), 1);
        assert_eq!(tools[0]["name"], "code_plan");
        assert_eq!(tools[0]["description"], "The plan");
        let sent = &tools[0]["input_schema"];
        assert_eq!(sent["type"], "object");
        assert_eq!(sent["$defs"], schema["$defs"]);
        assert!(sent.get("$schema").is_none());
    }

    #[test]
    fn a_non_object_schema_is_wrapped_and_unwrapped() {
        let schema = crate::schema_for::<Vec<distiq_core::FilePlan>>();
        let (sent, wrapped) = input_schema(&schema);
        assert!(wrapped);
        assert_eq!(sent["type"], "object");
        assert_eq!(sent["properties"]["value"]["type"], "array");
        assert!(sent["$defs"].get("FilePlan").is_some(), "{sent}");
        assert!(sent["properties"]["value"].get("$defs").is_none());
        let plan = ToolPlan {
            name: "t".into(),
            wrapped: true,
        };
        assert_eq!(tool_answer(&json!({ "value": [1, 2] }), &plan), "[1,2]");
    }

    #[test]
    fn usage_maps_cache_fields_and_keeps_the_latest_of_each() {
        let mut u = WireUsage::default();
        u.update(&json!({
            "input_tokens": 12, "output_tokens": 1,
            "cache_creation_input_tokens": 300, "cache_read_input_tokens": 4000
        }));
        u.update(&json!({ "output_tokens": 57, "cache_read_input_tokens": null }));
        assert_eq!(
            u.normalise(),
            Usage {
                input_tokens: 12,
                output_tokens: 57,
                cache_read_tokens: 4000,
                cache_write_tokens: 300,
                reasoning_tokens: 0
            }
        );
    }

    #[test]
    fn stop_reasons_map_to_finish_reasons() {
        assert_eq!(finish_reason("end_turn"), FinishReason::Stop);
        assert_eq!(finish_reason("stop_sequence"), FinishReason::Stop);
        assert_eq!(finish_reason("max_tokens"), FinishReason::Length);
        assert_eq!(finish_reason("tool_use"), FinishReason::ToolUse);
        assert_eq!(finish_reason("refusal"), FinishReason::ContentFilter);
        assert_eq!(
            finish_reason("pause_turn"),
            FinishReason::Other("pause_turn".into())
        );
    }

    #[test]
    fn a_message_gives_text_without_thinking_or_the_tool_input() {
        let body = json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
            "content": [
                { "type": "thinking", "thinking": "hmm", "signature": "sig" },
                { "type": "text", "text": "Hello" },
                { "type": "text", "text": ", world" }
            ],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": { "input_tokens": 3, "output_tokens": 4 }
        });
        let a = read_message(&body, None).unwrap();
        assert_eq!(a.text, "Hello, world");
        assert_eq!(a.finish, FinishReason::Stop);
        assert_eq!(a.model.as_deref(), Some("claude-x"));
        assert_eq!((a.usage.input_tokens, a.usage.output_tokens), (3, 4));

        let tool = json!({
            "model": "claude-x",
            "content": [{ "type": "tool_use", "id": "toolu_1", "name": "plan", "input": { "a": 1 } }],
            "stop_reason": "tool_use", "usage": {}
        });
        let plan = ToolPlan {
            name: "plan".into(),
            wrapped: false,
        };
        let a = read_message(&tool, Some(&plan)).unwrap();
        assert_eq!(
            (a.text.as_str(), a.finish),
            (r#"{"a":1}"#, FinishReason::ToolUse)
        );
        assert!(read_message(&json!({ "stop_reason": "end_turn" }), None).is_err());
    }
}
