use distiq_core::Usage;
use serde::{Deserialize, Serialize};

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user (distiq, on the user's behalf).
    User,
    /// The model.
    Assistant,
}

/// A piece of a prompt. Prompts are ordered for prefix caching: stable parts
/// (system prompt, repo map) first, the task last. A part marked
/// `cache_breakpoint` ends a stable prefix; Anthropic gets a `cache_control`
/// breakpoint there, other providers cache prefixes on their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The text.
    pub text: String,
    /// Whether the prompt up to and including this part is a stable prefix.
    pub cache_breakpoint: bool,
}

impl Part {
    /// A part that changes from call to call.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            cache_breakpoint: false,
        }
    }

    /// A part that ends a stable, cacheable prefix.
    pub fn cached(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            cache_breakpoint: true,
        }
    }
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said, in order.
    pub parts: Vec<Part>,
}

/// Asks for an answer that is JSON following `schema`, through the
/// provider's native mode (OpenAI `json_schema`, Gemini `responseSchema`,
/// Anthropic forced tool use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StructuredSpec {
    /// A short identifier (`code_plan`): the tool or schema name.
    pub name: String,
    /// What the object is, for the model.
    pub description: String,
    /// A JSON Schema (draft 2020-12, as schemars writes it).
    pub schema: serde_json::Value,
}

/// One request to a model, independent of the provider's dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model id the provider expects (without the provider prefix).
    pub model: String,
    /// System instructions, stable first.
    pub system: Vec<Part>,
    /// The conversation.
    pub messages: Vec<Message>,
    /// The most tokens the answer may use.
    pub max_tokens: u32,
    /// Sampling temperature; the provider's default when absent.
    pub temperature: Option<f32>,
    /// Whether to stream the answer.
    pub stream: bool,
    /// Structured output, when a program reads the answer.
    pub structured: Option<StructuredSpec>,
}

impl ChatRequest {
    /// An empty, non-streaming request.
    pub fn new(model: impl Into<String>, max_tokens: u32) -> Self {
        Self {
            model: model.into(),
            system: Vec::new(),
            messages: Vec::new(),
            max_tokens,
            temperature: None,
            stream: false,
            structured: None,
        }
    }

    /// Adds a system part.
    #[must_use]
    pub fn system(mut self, part: Part) -> Self {
        self.system.push(part);
        self
    }

    /// Adds a user message of one plain part.
    #[must_use]
    pub fn user(self, text: impl Into<String>) -> Self {
        self.message(Role::User, vec![Part::text(text)])
    }

    /// Adds a message.
    #[must_use]
    pub fn message(mut self, role: Role, parts: Vec<Part>) -> Self {
        self.messages.push(Message { role, parts });
        self
    }

    /// Sets streaming.
    #[must_use]
    pub fn streaming(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// Sets the temperature.
    #[must_use]
    pub fn temperature(mut self, t: f32) -> Self {
        self.temperature = Some(t);
        self
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// It finished its answer (or a stop sequence).
    Stop,
    /// It hit `max_tokens`: the answer is truncated.
    Length,
    /// It called a tool (Anthropic's forced tool use ends this way).
    ToolUse,
    /// The provider's safety filter stopped it.
    ContentFilter,
    /// Something else, as the provider named it.
    Other(String),
}

/// A model's answer, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatResponse {
    /// The text; for a structured request, the JSON text of the object.
    pub text: String,
    /// Tokens by kind, normalised (see [`Usage`]).
    pub usage: Usage,
    /// Why the model stopped.
    pub finish: FinishReason,
    /// The model id the provider reports having used, when it says.
    pub model: Option<String>,
}

impl ChatResponse {
    /// Whether the answer was cut off by `max_tokens`.
    pub fn truncated(&self) -> bool {
        self.finish == FinishReason::Length
    }
}
