use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A model on a provider, written `provider:model` in config
/// (`anthropic:claude-sonnet-4-5`, `local:qwen2.5-coder`).
///
/// The model part may itself contain `:` or `/` (`openrouter:meta/llama-3:free`);
/// only the first `:` separates the provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelRef {
    /// The provider's name in the `[providers]` table.
    pub provider: String,
    /// The model id the provider's API expects.
    pub model: String,
}

impl ModelRef {
    /// Builds a reference from its two parts.
    pub fn new(provider: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            model: model.into(),
        }
    }
}

/// A model reference that is not `provider:model`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a model reference; write it as `provider:model`, for example `anthropic:claude-sonnet-4-5`"
)]
pub struct ParseModelRefError(String);

impl FromStr for ModelRef {
    type Err = ParseModelRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((p, m)) if !p.trim().is_empty() && !m.trim().is_empty() => {
                Ok(Self::new(p.trim(), m.trim()))
            }
            _ => Err(ParseModelRefError(s.to_owned())),
        }
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.model)
    }
}

impl Serialize for ModelRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ModelRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_colon_separates_the_provider() {
        let m: ModelRef = "openrouter:meta/llama-3:free".parse().unwrap();
        assert_eq!(m.provider, "openrouter");
        assert_eq!(m.model, "meta/llama-3:free");
        assert_eq!(m.to_string(), "openrouter:meta/llama-3:free");
    }

    #[test]
    fn a_bare_model_id_is_refused_with_the_expected_form() {
        let err = "gpt-5".parse::<ModelRef>().unwrap_err().to_string();
        assert!(err.contains("provider:model"), "{err}");
        assert!(":x".parse::<ModelRef>().is_err());
    }
}

/// The wire dialect a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions, and every compatible endpoint (DeepSeek,
    /// OpenRouter, Ollama, llama.cpp server, vLLM).
    Openai,
    /// Google Gemini `generateContent`.
    Gemini,
}

impl ProviderKind {
    /// The lowercase name used in config.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Openai => "openai",
            ProviderKind::Gemini => "gemini",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
