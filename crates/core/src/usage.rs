use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

/// Token counts of one call, normalised across providers so that each field
/// is billed at exactly one rate.
///
/// Providers count differently; their clients translate:
/// - `input_tokens` excludes cache reads and writes (Anthropic's
///   `input_tokens`; OpenAI's `prompt_tokens - cached_tokens`; Gemini's
///   `promptTokenCount - cachedContentTokenCount`).
/// - `output_tokens` includes reasoning tokens, which are billed as output;
///   `reasoning_tokens` says how many of them there were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens billed at the full input rate.
    pub input_tokens: i64,
    /// Output tokens, reasoning included.
    pub output_tokens: i64,
    /// Input tokens served from the provider's prompt cache.
    pub cache_read_tokens: i64,
    /// Input tokens written to the provider's prompt cache.
    pub cache_write_tokens: i64,
    /// Of `output_tokens`, those spent on hidden reasoning.
    pub reasoning_tokens: i64,
}

impl Usage {
    /// Every input token, whatever its rate.
    pub fn total_input(&self) -> i64 {
        self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
    }
}

impl Add for Usage {
    type Output = Usage;
    fn add(self, o: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens + o.input_tokens,
            output_tokens: self.output_tokens + o.output_tokens,
            cache_read_tokens: self.cache_read_tokens + o.cache_read_tokens,
            cache_write_tokens: self.cache_write_tokens + o.cache_write_tokens,
            reasoning_tokens: self.reasoning_tokens + o.reasoning_tokens,
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        *self = *self + o;
    }
}
