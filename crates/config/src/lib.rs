//! distiq's configuration: which model serves each stage, what every model
//! costs, the providers, the budgets and the retry policy.
//!
//! Code names stages and tiers; only config names models. One [`Config`] is
//! resolved from layers, each overriding the one before:
//!
//! 1. built-in defaults (`defaults.toml`, embedded: data, not code),
//! 2. the user's file, `$XDG_CONFIG_HOME/distiq/config.toml`,
//! 3. the repository's `.distiq.toml`, at the git root,
//! 4. the environment ([`ENV_OVERRIDES`]): `DISTIQ_CHEAP_MODEL`,
//!    `DISTIQ_MID_MODEL`, `DISTIQ_TOP_MODEL` set the tiers' models
//!    (`provider:model`); `DISTIQ_BUDGET_PER_TASK`, `DISTIQ_BUDGET_PER_DAY`
//!    the budgets in USD (`0.50`, `$2`); `DISTIQ_LEDGER_PATH` the ledger file,
//! 5. command-line flags (`-c key=value`, the value read as TOML or else as
//!    a string).
//!
//! Every leaf value remembers its [`Source`], which `distiq config show`
//! prints. The environment is injected into the [`ConfigBuilder`], never read
//! from the process, so tests stay isolated.
//!
//! ```
//! use distiq_config::{ConfigBuilder, Source};
//! use distiq_core::{Stage, Tier};
//!
//! let config = ConfigBuilder::new()
//!     .env([("HOME", "/home/ada")])
//!     .cli_override("tiers.top.model", "anthropic:claude-opus-4-5")
//!     .build()?;
//!
//! // The planner normally runs on the mid tier; a hard task raises it.
//! let route = config.route(Stage::Plan, Tier::Top);
//! assert_eq!(route.model.to_string(), "anthropic:claude-opus-4-5");
//! assert!(route.fallbacks.is_empty()); // nothing above the top tier
//! assert_eq!(
//!     config.source_of("tiers.top.model"),
//!     Some(&Source::Cli("-c tiers.top.model".into()))
//! );
//! # Ok::<(), distiq_config::Error>(())
//! ```

mod builder;
mod check;
mod error;
mod keys;
mod layer;
mod local;
mod raw;
mod resolve;
mod review;
mod route;
mod show;
mod source;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use distiq_core::{ModelRef, Money, Price, ProviderKind, Stage, Tier};
use jiff::civil::Date;

pub use builder::{ConfigBuilder, REPO_FILE_NAME};
pub use check::{DEPRECATION_WARNING_DAYS, Diagnostic, Severity};
pub use distiq_core::ApiKey;
pub use error::{Error, Result};
pub use layer::{ENV_OVERRIDES, EnvOverride, find_repo_root, user_config_path};
pub use local::{AnalyzeSettings, CacheSettings, RouterSettings, ValidateSettings};
pub use review::{FindingSeverity, ReviewPattern, ReviewSettings};
pub use show::{Entry, ModelSummary};
pub use source::Source;

/// The resolved configuration. Build it with [`ConfigBuilder`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Providers by name (`anthropic`, `local`, ...).
    pub providers: BTreeMap<String, ProviderConfig>,
    /// The model of each tier; every tier is present.
    pub tiers: BTreeMap<Tier, TierAssignment>,
    /// The settings of each stage; every stage is present.
    pub stages: BTreeMap<Stage, StageConfig>,
    /// The price table: what each known model costs.
    pub models: BTreeMap<ModelRef, ModelInfo>,
    /// Spending limits.
    pub budget: Budget,
    /// How failed calls are retried.
    pub retry: RetrySettings,
    /// How truncated structured output is retried.
    pub structured: StructuredSettings,
    /// Network timeouts.
    pub timeouts: Timeouts,
    /// Where the cost ledger lives.
    pub ledger: LedgerSettings,
    /// How `distiq review` judges a change.
    pub review: ReviewSettings,
    /// How the local router decides.
    pub router: RouterSettings,
    /// How the semantic cache serves earlier answers.
    pub cache: CacheSettings,
    /// How applied edits are checked.
    pub validate: ValidateSettings,
    /// What the analyzer shows the planner.
    pub analyze: AnalyzeSettings,
    sources: BTreeMap<Vec<String>, Source>,
    files: Vec<FileLayer>,
}

/// A provider endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The wire dialect it speaks.
    pub kind: ProviderKind,
    /// The API's base URL (for `openai`, the prefix before `/chat/completions`).
    pub base_url: String,
    /// Variables to read the API key from, first set wins. Empty with no
    /// `api_key_file`: the provider needs no key (a local server).
    pub api_key_env: Vec<String>,
    /// A file holding the key, used when none of `api_key_env` is set.
    pub api_key_file: Option<PathBuf>,
}

impl ProviderConfig {
    /// Whether this provider takes no key at all: a local server, whose
    /// models may go unpriced and then cost nothing.
    pub fn is_local(&self) -> bool {
        self.api_key_env.is_empty() && self.api_key_file.is_none()
    }
}

/// The model a tier uses, with the date it stops working if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierAssignment {
    /// The model.
    pub model: ModelRef,
    /// When the provider retires it (seed 001: the date sits next to the
    /// assignment, so a swap touches one place).
    pub deprecation: Option<Date>,
}

/// The settings of one stage of the cascade.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    /// The tier the stage runs on when the router has no opinion.
    pub tier: Tier,
    /// The lowest tier the router may choose for this stage: a quality floor
    /// (`None`: any tier).
    pub min_tier: Option<Tier>,
    /// A model pinned for this stage at its own tier, instead of the tier's.
    pub model: Option<ModelRef>,
    /// Sampling temperature; `None` leaves it to the provider.
    pub temperature: Option<f32>,
    /// The output limit of a call.
    pub max_tokens: u32,
    /// Models to escalate to, in order. Empty: the models of the tiers above.
    pub fallbacks: Vec<ModelRef>,
    /// When the pinned `model` is retired, if known.
    pub deprecation: Option<Date>,
}

/// A row of the price table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    /// What the model costs per million tokens.
    pub price: Price,
    /// When the provider retires it, if announced.
    pub deprecation: Option<Date>,
    /// Its context window in tokens, if known.
    pub context_window: Option<u32>,
}

/// Spending limits; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    /// The most one task may spend.
    pub per_task: Option<Money>,
    /// The most all tasks of one day may spend.
    pub per_day: Option<Money>,
}

/// The retry policy for failed calls (429, 5xx, timeouts), as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Attempts in all, the first included; at least 1.
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles up to `max_delay`.
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the call.
    pub max_retry_after: Duration,
}

/// Retries of truncated structured output (seed 000).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredSettings {
    /// `max_tokens` for each attempt, strictly increasing.
    pub max_tokens_ladder: Vec<u32>,
}

/// Network timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a whole non-streaming request.
    pub request: Duration,
    /// Between two events of a stream.
    pub stream_idle: Duration,
}

/// Where the cost ledger is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSettings {
    /// The SQLite file.
    pub path: PathBuf,
}

/// How one stage is served for one task: what [`Config::route`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRoute {
    /// The stage.
    pub stage: Stage,
    /// The tier it runs on (never below the stage's configured tier).
    pub tier: Tier,
    /// The model to call.
    pub model: ModelRef,
    /// Sampling temperature, if set.
    pub temperature: Option<f32>,
    /// The output limit of a call.
    pub max_tokens: u32,
    /// Models to escalate to, in order, none cheaper than `model`.
    pub fallbacks: Vec<ModelRef>,
}

/// A config file the builder looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLayer {
    /// The file, as a [`Source::UserFile`] or [`Source::RepoFile`].
    pub source: Source,
    /// Whether it existed and was read.
    pub loaded: bool,
}

impl Config {
    /// The layer that set `dotted_key` (`tiers.top.model`,
    /// `models."openai:gpt-4.1".input`), or `None` if no layer set it (a
    /// table, an unknown key, or a value distiq derives, such as the default
    /// ledger path).
    pub fn source_of(&self, dotted_key: &str) -> Option<&Source> {
        let path = source::parse_key(dotted_key)?;
        self.sources.get(&path)
    }

    /// The config files looked for, lowest precedence first, found or not.
    pub fn files(&self) -> &[FileLayer] {
        &self.files
    }
}
