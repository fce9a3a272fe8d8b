use std::time::Duration;

/// What can go wrong talking to a model. Messages never contain an API key:
/// every message that could echo one passes through the key's redactor.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No key was found for a provider that needs one.
    #[error("no API key for provider `{provider}`: set {vars}")]
    MissingKey {
        /// The provider's config name.
        provider: String,
        /// The variables that were looked for, as "A (or B)".
        vars: String,
    },

    /// A key file could not be read.
    #[error("cannot read the API key file {path} for provider `{provider}`: {message}")]
    KeyFile {
        /// The provider's config name.
        provider: String,
        /// The file.
        path: String,
        /// Why.
        message: String,
    },

    /// The provider answered with an error status that is not retried.
    #[error("{provider} answered {status}: {message}")]
    Status {
        /// The provider's config name.
        provider: String,
        /// The HTTP status.
        status: u16,
        /// The provider's own message (its error type first, when it has one).
        message: String,
    },

    /// Retries ran out; the last failure is attached.
    #[error("{provider} still failing after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        /// The provider's config name.
        provider: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure.
        last: Box<Error>,
    },

    /// The provider asked us to wait longer than the policy allows.
    #[error(
        "{provider} asked to retry after {after:?}, more than the {limit:?} distiq waits; try again later or raise retry.max_retry_after_secs"
    )]
    RetryAfterTooLong {
        /// The provider's config name.
        provider: String,
        /// What the provider asked for.
        after: Duration,
        /// The policy's limit.
        limit: Duration,
    },

    /// Could not connect, or the connection broke before an answer.
    #[error("cannot reach {provider} at {url}: {message}")]
    Connect {
        /// The provider's config name.
        provider: String,
        /// The endpoint, without query string.
        url: String,
        /// Why.
        message: String,
    },

    /// No answer (or no next chunk of a stream) within the time allowed.
    #[error("{provider} did not answer within {after:?} ({what})")]
    Timeout {
        /// The provider's config name.
        provider: String,
        /// What timed out: "request" or "stream idle".
        what: &'static str,
        /// The limit.
        after: Duration,
    },

    /// A stream ended before its final event.
    #[error(
        "the stream from {provider} ended before it was complete ({detail}); the answer is incomplete"
    )]
    StreamCut {
        /// The provider's config name.
        provider: String,
        /// What was missing.
        detail: String,
    },

    /// The provider sent something that is not its documented format.
    #[error("unexpected answer from {provider}: {message}")]
    Protocol {
        /// The provider's config name.
        provider: String,
        /// What was wrong.
        message: String,
    },

    /// The provider refused the prompt itself and generated nothing
    /// (Gemini's `promptFeedback.blockReason`). Not retried: the same
    /// prompt is blocked again.
    #[error(
        "{provider} blocked the prompt ({reason}) and generated nothing; rephrase the request or leave out the content its safety filter objects to"
    )]
    PromptBlocked {
        /// The provider's config name.
        provider: String,
        /// The provider's reason, with its message when it gives one.
        reason: String,
    },

    /// Every model of a stage's fallback chain failed.
    #[error("the {stage} stage failed on every model of its fallback chain: {failures}")]
    Exhausted {
        /// The stage.
        stage: String,
        /// Each model and how it failed, in the order tried.
        failures: String,
    },

    /// The caller cancelled the call.
    #[error("the call was cancelled")]
    Cancelled,

    /// A structured answer stayed truncated at the largest `max_tokens`.
    #[error(
        "{model} ran out of room at max_tokens = {max_tokens} even after retrying with larger limits; the task may be too large for one answer"
    )]
    Truncated {
        /// The model, as `provider:model`.
        model: String,
        /// The last limit tried.
        max_tokens: u32,
    },

    /// A structured answer was not valid JSON for the expected type.
    #[error(
        "{model} returned a structured answer that does not match the expected {type_name}: {message}; answer begins: {excerpt:?}"
    )]
    InvalidStructured {
        /// The model, as `provider:model`.
        model: String,
        /// The Rust type expected.
        type_name: String,
        /// The parser's complaint.
        message: String,
        /// The first characters of the answer.
        excerpt: String,
    },

    /// The provider settings are unusable (a bad base URL, say).
    #[error("provider `{provider}` is misconfigured: {message}")]
    Config {
        /// The provider's config name.
        provider: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether trying the same request again could succeed (used by the
    /// retry loop; statuses are judged by the policy, not here).
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, Error::Connect { .. } | Error::Timeout { .. })
    }
}
