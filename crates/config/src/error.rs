use std::path::PathBuf;

use distiq_core::{ModelRef, Money, Stage};

use crate::Source;

/// What can go wrong while loading or validating a configuration.
///
/// Every message says where the problem is (file and line, variable or flag,
/// and the key) and what to do about it. No message ever contains an API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A config file exists but could not be read.
    #[error("cannot read config file {path}: {source}; check its permissions or remove it")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why reading failed.
        source: std::io::Error,
    },

    /// A config file is not valid TOML or does not fit the schema.
    #[error("{}:{line}:{column}: {}{message}; fix or remove that line (`distiq config show` lists every key)",
        path.display(), key.as_ref().map(|k| format!("invalid config at `{k}`: ")).unwrap_or_else(|| "invalid TOML: ".to_owned()))]
    Parse {
        /// The file (`<built-in defaults>` for the embedded defaults).
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// The dotted key at fault, when the problem is in a value.
        key: Option<String>,
        /// What the parser said.
        message: String,
    },

    /// An environment variable or a `-c` flag holds a value that does not fit.
    #[error("{origin}: invalid value for `{key}`: {message}")]
    Override {
        /// The variable or flag.
        origin: Source,
        /// The dotted key it sets.
        key: String,
        /// What is wrong with the value.
        message: String,
    },

    /// A `-c` flag that is not `key=value`.
    #[error(
        "`-c {arg}`: {message}; write it as `-c key=value`, for example `-c tiers.top.model=anthropic:claude-opus-4-5`"
    )]
    BadFlag {
        /// The flag's argument as given.
        arg: String,
        /// What is wrong with it.
        message: String,
    },

    /// A required value is missing after all layers are merged.
    #[error("`{key}` is not set: {hint}")]
    Missing {
        /// The dotted key.
        key: String,
        /// Where to set it.
        hint: String,
    },

    /// A value that parses but makes no sense (an empty retry ladder, say).
    #[error("`{key}` (from {origin}): {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// The layer that set it.
        origin: Source,
        /// What is wrong.
        message: String,
    },

    /// A model reference names a provider that is not in `[providers]`.
    #[error("`{key}` names `{model}`, but there is no provider `{}`; known providers: {}. Add a [providers.{}] table or use one of those", model.provider, known.join(", "), model.provider)]
    UnknownProvider {
        /// The dotted key holding the reference.
        key: String,
        /// The reference.
        model: ModelRef,
        /// The providers that are configured.
        known: Vec<String>,
    },

    /// A model on a paid provider that has no row in the price table.
    #[error("`{key}` names `{model}`, which has no price; known models{}: {}. Use one of those or add a [models.\"{model}\"] table with its input and output price per million tokens", if *same_provider { format!(" on `{}`", model.provider) } else { String::new() }, join(known))]
    UnknownModel {
        /// The dotted key holding the reference.
        key: String,
        /// The reference.
        model: ModelRef,
        /// Whether `known` lists only the same provider's models.
        same_provider: bool,
        /// The priced models.
        known: Vec<ModelRef>,
    },

    /// A fallback that would drop to a cheaper model (seed 001: fallback goes
    /// up, never down).
    #[error(
        "stage `{stage}` falls back from `{model}` (output {model_output}/MTok) to the cheaper `{fallback}` (output {fallback_output}/MTok); a fallback must not be cheaper. Remove it from `stages.{stage}.fallbacks` or pick a stronger model"
    )]
    DownwardFallback {
        /// The stage.
        stage: Stage,
        /// The stage's model.
        model: ModelRef,
        /// Its output price per million tokens.
        model_output: Money,
        /// The cheaper fallback.
        fallback: ModelRef,
        /// Its output price per million tokens.
        fallback_output: Money,
    },

    /// An API key file could not be read. The message names the file, never
    /// its contents.
    #[error("cannot read the API key file {path} of provider `{provider}`: {source}")]
    KeyFile {
        /// The provider.
        provider: String,
        /// The key file.
        path: PathBuf,
        /// Why reading failed.
        source: std::io::Error,
    },
}

/// The result of config operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn join(models: &[ModelRef]) -> String {
    let names: Vec<String> = models.iter().map(ToString::to_string).collect();
    names.join(", ")
}
