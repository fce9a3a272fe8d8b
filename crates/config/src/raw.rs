//! The file shape: one struct of `Option`s per table, refusing unknown keys.
//!
//! Every layer (each file, the environment, each `-c` flag) is checked
//! against these structs on its own, so an error points into the one file or
//! flag that caused it. The merged table is then read into them once more and
//! resolved into [`crate::Config`].

use std::collections::BTreeMap;

use distiq_core::{ModelRef, Money, ProviderKind, Stage, TaskKind, Tier};
use jiff::civil::Date;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::FindingSeverity;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub providers: BTreeMap<String, RawProvider>,
    #[serde(default)]
    pub tiers: BTreeMap<Tier, RawTier>,
    #[serde(default)]
    pub stages: BTreeMap<Stage, RawStage>,
    #[serde(default)]
    pub models: BTreeMap<ModelRef, RawModel>,
    #[serde(default)]
    pub budget: RawBudget,
    #[serde(default)]
    pub retry: RawRetry,
    #[serde(default)]
    pub structured: RawStructured,
    #[serde(default)]
    pub timeouts: RawTimeouts,
    #[serde(default)]
    pub ledger: RawLedger,
    #[serde(default)]
    pub review: RawReview,
    #[serde(default)]
    pub router: RawRouter,
    #[serde(default)]
    pub cache: RawCache,
    #[serde(default)]
    pub validate: RawValidate,
    #[serde(default)]
    pub analyze: RawAnalyze,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAnalyze {
    pub brief: Option<bool>,
    #[serde(default, deserialize_with = "positive_u32")]
    pub budget_tokens: Option<u32>,
    #[serde(default, deserialize_with = "percent")]
    pub map_percent: Option<u32>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_file_bytes: Option<u64>,
    pub embed: Option<bool>,
    #[serde(default, deserialize_with = "positive_u32")]
    pub embed_candidates: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawValidate {
    pub lint: Option<String>,
    pub test: Option<String>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub timeout_secs: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_output_bytes: Option<u64>,
    pub review: Option<bool>,
    pub max_retries: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRouter {
    #[serde(default, deserialize_with = "unit_f32")]
    pub inspect_margin: Option<f32>,
    pub inspect: Option<bool>,
    #[serde(default)]
    pub exemplars: BTreeMap<TaskKind, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCache {
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "unit_f32")]
    pub threshold: Option<f32>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_entries: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_age_days: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    pub kind: Option<ProviderKind>,
    pub base_url: Option<String>,
    pub api_key_env: Option<Vec<String>>,
    pub api_key_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {
    pub model: Option<ModelRef>,
    #[serde(default, deserialize_with = "date")]
    pub deprecation: Option<Date>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStage {
    pub tier: Option<Tier>,
    pub min_tier: Option<Tier>,
    pub model: Option<ModelRef>,
    #[serde(default, deserialize_with = "temperature")]
    pub temperature: Option<f32>,
    #[serde(default, deserialize_with = "positive_u32")]
    pub max_tokens: Option<u32>,
    pub fallbacks: Option<Vec<ModelRef>>,
    #[serde(default, deserialize_with = "date")]
    pub deprecation: Option<Date>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModel {
    #[serde(default, deserialize_with = "usd")]
    pub input: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub output: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub cached_input: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub cache_write: Option<Money>,
    #[serde(default, deserialize_with = "date")]
    pub deprecation: Option<Date>,
    #[serde(default, deserialize_with = "positive_u32")]
    pub context_window: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBudget {
    #[serde(default, deserialize_with = "usd")]
    pub per_task: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub per_day: Option<Money>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetry {
    #[serde(default, deserialize_with = "positive_u32")]
    pub max_attempts: Option<u32>,
    pub initial_delay_ms: Option<u64>,
    pub max_delay_ms: Option<u64>,
    pub max_retry_after_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStructured {
    #[serde(default, deserialize_with = "ladder")]
    pub max_tokens_ladder: Option<Vec<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTimeouts {
    #[serde(default, deserialize_with = "positive_u64")]
    pub connect_secs: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub request_secs: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub stream_idle_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLedger {
    pub path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReview {
    pub fail_on: Option<FindingSeverity>,
    pub escalate_at: Option<FindingSeverity>,
    pub confirm_tier: Option<Tier>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_file_bytes: Option<u64>,
    pub context_lines: Option<u32>,
    pub context_tokens: Option<u32>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub max_prompt_bytes: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub batch_poll_interval_ms: Option<u64>,
    #[serde(default, deserialize_with = "positive_u64")]
    pub batch_max_wait_secs: Option<u64>,
    #[serde(default)]
    pub patterns: BTreeMap<String, RawPattern>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPattern {
    pub regex: Option<String>,
    pub unless: Option<String>,
    pub files: Option<Vec<String>>,
    pub severity: Option<FindingSeverity>,
    pub message: Option<String>,
    pub enabled: Option<bool>,
}

// The readers below go through `toml::Value` so that both a string
// (`"2026-02-19"`, `"$0.50"`) and TOML's native form (`2026-02-19`, `0.5`)
// are accepted. Their errors carry the span of the value.

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let expected = "a date written \"YYYY-MM-DD\"";
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) => s
            .trim()
            .parse::<Date>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("`{s}` is not {expected}"))),
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(day), None, None) => {
                let built = i16::try_from(day.year).ok().and_then(|y| {
                    let m = i8::try_from(day.month).ok()?;
                    let dd = i8::try_from(day.day).ok()?;
                    Date::new(y, m, dd).ok()
                });
                built
                    .map(Some)
                    .ok_or_else(|| D::Error::custom(format!("`{dt}` is not {expected}")))
            }
            _ => Err(D::Error::custom(format!(
                "`{dt}` has a time; expected {expected}"
            ))),
        },
        other => Err(D::Error::custom(format!(
            "expected {expected}, found {}",
            other.type_str()
        ))),
    }
}

fn usd<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    let expected = "a dollar amount such as 0.50";
    let money = match toml::Value::deserialize(d)? {
        toml::Value::Float(f) if f.is_finite() && f >= 0.0 => Money::from_usd_f64(f),
        toml::Value::Integer(i) if i >= 0 => i
            .checked_mul(1_000_000)
            .map(Money::from_micros)
            .ok_or_else(|| D::Error::custom(format!("{i} is too large for {expected}")))?,
        toml::Value::String(s) => s.parse::<Money>().map_err(D::Error::custom)?,
        other => {
            return Err(D::Error::custom(format!(
                "expected {expected}, found `{other}`"
            )));
        }
    };
    Ok(Some(money))
}

fn temperature<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    let t = f64::deserialize(d)?;
    if !(0.0..=2.0).contains(&t) {
        return Err(D::Error::custom(format!(
            "temperature {t} is outside 0.0 to 2.0"
        )));
    }
    // Temperatures are between 0 and 2: f32 holds them without loss that matters.
    #[allow(clippy::cast_possible_truncation)]
    Ok(Some(t as f32))
}

fn unit_f32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    let v = f64::deserialize(d)?;
    if !(0.0..=1.0).contains(&v) {
        return Err(D::Error::custom(format!("{v} is not between 0 and 1")));
    }
    // In range 0..=1, so the narrowing cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    Ok(Some(v as f32))
}

fn positive_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match u32::deserialize(d)? {
        0 => Err(D::Error::custom("expected a number above 0")),
        n => Ok(Some(n)),
    }
}

fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match u32::deserialize(d)? {
        n @ 1..=100 => Ok(Some(n)),
        n => Err(D::Error::custom(format!(
            "{n} is not a percentage from 1 to 100"
        ))),
    }
}

fn positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match u64::deserialize(d)? {
        0 => Err(D::Error::custom("expected a number above 0")),
        n => Ok(Some(n)),
    }
}

fn ladder<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u32>>, D::Error> {
    let steps = Vec::<u32>::deserialize(d)?;
    if steps.is_empty() || steps.contains(&0) {
        return Err(D::Error::custom(
            "the ladder needs at least one max_tokens above 0",
        ));
    }
    if steps.windows(2).any(|w| w[0] >= w[1]) {
        return Err(D::Error::custom(format!(
            "each step must give more room than the last, got {steps:?}"
        )));
    }
    Ok(Some(steps))
}
