//! Views of a [`Config`] for people: every value with its source
//! (`distiq config show`) and every model with its uses (`distiq models`).

use std::collections::BTreeSet;

use distiq_core::{ModelRef, Money, Price, ProviderKind, Stage, Tier};
use jiff::civil::Date;

use crate::source::dotted;
use crate::{Config, ModelInfo, Source};

/// One resolved value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key's segments (`["models", "openai:gpt-4.1", "input"]`).
    pub path: Vec<String>,
    /// The key as TOML writes it (`models."openai:gpt-4.1".input`).
    pub key: String,
    /// The value as TOML; `None` when unset (no budget, say). Dollar amounts
    /// are floats in USD, dates are strings.
    pub value: Option<toml::Value>,
    /// The layer that set it; [`Source::Default`] also for derived values.
    pub source: Source,
    /// How a value nobody set was derived, if it was.
    pub note: Option<String>,
}

/// A model the configuration knows of, with where it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    /// The model.
    pub model: ModelRef,
    /// Its provider's dialect; `None` if the provider is not configured.
    pub provider_kind: Option<ProviderKind>,
    /// Whether the provider takes no key (a local server).
    pub local: bool,
    /// Its price table row, if it has one.
    pub info: Option<ModelInfo>,
    /// What it costs ([`Config::price`]): the row, or zero for an unpriced
    /// local model.
    pub price: Option<Price>,
    /// Tiers assigned to it.
    pub tiers: Vec<Tier>,
    /// Stages it serves at their configured tier.
    pub stages: Vec<Stage>,
    /// Stages that escalate to it.
    pub fallback_for: Vec<Stage>,
    /// The earliest retirement date known for it (price table, tier or stage).
    pub deprecation: Option<Date>,
}

struct Out<'a> {
    config: &'a Config,
    entries: Vec<Entry>,
}

impl Out<'_> {
    fn push(&mut self, path: &[&str], value: Option<toml::Value>, note: Option<String>) {
        let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        let source = self
            .config
            .sources
            .get(&path)
            .cloned()
            .unwrap_or(Source::Default);
        let key = dotted(&path);
        self.entries.push(Entry {
            path,
            key,
            value,
            source,
            note,
        });
    }
}

fn s(v: impl ToString) -> Option<toml::Value> {
    Some(toml::Value::String(v.to_string()))
}

fn int(v: impl Into<i64>) -> Option<toml::Value> {
    Some(toml::Value::Integer(v.into()))
}

fn usd(m: Money) -> Option<toml::Value> {
    Some(toml::Value::Float(m.as_usd_f64()))
}

fn strings<T: ToString>(items: &[T]) -> Option<toml::Value> {
    Some(toml::Value::Array(
        items
            .iter()
            .map(|i| toml::Value::String(i.to_string()))
            .collect(),
    ))
}

fn big(v: u64) -> Option<toml::Value> {
    int(i64::try_from(v).unwrap_or(i64::MAX))
}

fn secs(d: std::time::Duration) -> Option<toml::Value> {
    int(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn millis(d: std::time::Duration) -> Option<toml::Value> {
    int(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Config {
    /// Every resolved value with its source, in file order: providers,
    /// tiers, stages, models, budget, retry, structured, timeouts, review,
    /// ledger.
    /// Holds names of key variables, never a key.
    pub fn entries(&self) -> Vec<Entry> {
        let mut o = Out {
            config: self,
            entries: Vec::new(),
        };
        for (name, p) in &self.providers {
            o.push(&["providers", name, "kind"], s(p.kind), None);
            o.push(&["providers", name, "base_url"], s(&p.base_url), None);
            o.push(
                &["providers", name, "api_key_env"],
                strings(&p.api_key_env),
                None,
            );
            if let Some(f) = &p.api_key_file {
                o.push(&["providers", name, "api_key_file"], s(f.display()), None);
            }
        }
        for (tier, a) in &self.tiers {
            o.push(&["tiers", tier.as_str(), "model"], s(&a.model), None);
            if let Some(d) = a.deprecation {
                o.push(&["tiers", tier.as_str(), "deprecation"], s(d), None);
            }
        }
        for (stage, sc) in &self.stages {
            let st = stage.as_str();
            o.push(&["stages", st, "tier"], s(sc.tier), None);
            if let Some(floor) = sc.min_tier {
                o.push(&["stages", st, "min_tier"], s(floor), None);
            }
            if let Some(m) = &sc.model {
                o.push(&["stages", st, "model"], s(m), None);
            }
            let temperature = sc.temperature.map(|t| toml::Value::Float(round_f32(t)));
            o.push(&["stages", st, "temperature"], temperature, None);
            o.push(&["stages", st, "max_tokens"], int(sc.max_tokens), None);
            if sc.fallbacks.is_empty() {
                let derived = self.route(*stage, sc.tier).fallbacks;
                let note = "not set: the models of the tiers above".to_owned();
                o.push(&["stages", st, "fallbacks"], strings(&derived), Some(note));
            } else {
                o.push(&["stages", st, "fallbacks"], strings(&sc.fallbacks), None);
            }
            if let Some(d) = sc.deprecation {
                o.push(&["stages", st, "deprecation"], s(d), None);
            }
        }
        for (model, info) in &self.models {
            let m = model.to_string();
            let p = info.price;
            o.push(
                &["models", &m, "input"],
                usd(Money::from_micros(p.input)),
                None,
            );
            o.push(
                &["models", &m, "output"],
                usd(Money::from_micros(p.output)),
                None,
            );
            for (field, micros) in [
                ("cached_input", p.cached_input),
                ("cache_write", p.cache_write),
            ] {
                let path = ["models", m.as_str(), field];
                let set = self
                    .sources
                    .contains_key(path.map(str::to_owned).as_slice());
                let note = (!set).then(|| "not set: the input price".to_owned());
                o.push(&path, usd(Money::from_micros(micros)), note);
            }
            if let Some(d) = info.deprecation {
                o.push(&["models", &m, "deprecation"], s(d), None);
            }
            if let Some(c) = info.context_window {
                o.push(&["models", &m, "context_window"], int(c), None);
            }
        }
        o.push(
            &["budget", "per_task"],
            self.budget.per_task.and_then(usd),
            None,
        );
        o.push(
            &["budget", "per_day"],
            self.budget.per_day.and_then(usd),
            None,
        );
        let r = &self.retry;
        o.push(&["retry", "max_attempts"], int(r.max_attempts), None);
        o.push(
            &["retry", "initial_delay_ms"],
            millis(r.initial_delay),
            None,
        );
        o.push(&["retry", "max_delay_ms"], millis(r.max_delay), None);
        o.push(
            &["retry", "max_retry_after_secs"],
            secs(r.max_retry_after),
            None,
        );
        let ladder = self
            .structured
            .max_tokens_ladder
            .iter()
            .map(|n| toml::Value::Integer(i64::from(*n)));
        o.push(
            &["structured", "max_tokens_ladder"],
            Some(toml::Value::Array(ladder.collect())),
            None,
        );
        o.push(
            &["timeouts", "connect_secs"],
            secs(self.timeouts.connect),
            None,
        );
        o.push(
            &["timeouts", "request_secs"],
            secs(self.timeouts.request),
            None,
        );
        o.push(
            &["timeouts", "stream_idle_secs"],
            secs(self.timeouts.stream_idle),
            None,
        );
        let rt = &self.router;
        o.push(
            &["router", "inspect_margin"],
            Some(toml::Value::Float(round_f32(rt.inspect_margin))),
            None,
        );
        o.push(
            &["router", "inspect"],
            Some(toml::Value::Boolean(rt.inspect)),
            None,
        );
        for (kind, ex) in &rt.exemplars {
            o.push(&["router", "exemplars", kind.as_str()], strings(ex), None);
        }
        let c = &self.cache;
        o.push(
            &["cache", "enabled"],
            Some(toml::Value::Boolean(c.enabled)),
            None,
        );
        o.push(
            &["cache", "threshold"],
            Some(toml::Value::Float(round_f32(c.threshold))),
            None,
        );
        o.push(&["cache", "max_entries"], big(c.max_entries), None);
        o.push(
            &["cache", "max_age_days"],
            big(c.max_age.as_secs() / 86_400),
            None,
        );
        let v = &self.validate;
        let unset = || Some("not set: no command".to_owned());
        match &v.lint {
            Some(c) => o.push(&["validate", "lint"], s(c), None),
            None => o.push(&["validate", "lint"], None, unset()),
        }
        match &v.test {
            Some(c) => o.push(&["validate", "test"], s(c), None),
            None => o.push(&["validate", "test"], None, unset()),
        }
        o.push(&["validate", "timeout_secs"], secs(v.timeout), None);
        o.push(
            &["validate", "max_output_bytes"],
            big(v.max_output_bytes),
            None,
        );
        o.push(
            &["validate", "review"],
            Some(toml::Value::Boolean(v.review)),
            None,
        );
        o.push(&["validate", "max_retries"], int(v.max_retries), None);
        let a = &self.analyze;
        let bool_ = |b: bool| Some(toml::Value::Boolean(b));
        o.push(&["analyze", "brief"], bool_(a.brief), None);
        o.push(&["analyze", "budget_tokens"], int(a.budget_tokens), None);
        o.push(&["analyze", "map_percent"], int(a.map_percent), None);
        o.push(&["analyze", "max_file_bytes"], big(a.max_file_bytes), None);
        o.push(&["analyze", "embed"], bool_(a.embed), None);
        o.push(
            &["analyze", "embed_candidates"],
            int(a.embed_candidates),
            None,
        );
        let r = &self.review;
        o.push(&["review", "fail_on"], s(r.fail_on), None);
        o.push(&["review", "escalate_at"], s(r.escalate_at), None);
        o.push(&["review", "confirm_tier"], s(r.confirm_tier), None);
        o.push(&["review", "max_file_bytes"], big(r.max_file_bytes), None);
        o.push(&["review", "context_lines"], int(r.context_lines), None);
        o.push(&["review", "context_tokens"], int(r.context_tokens), None);
        o.push(
            &["review", "max_prompt_bytes"],
            big(r.max_prompt_bytes),
            None,
        );
        o.push(
            &["review", "batch_poll_interval_ms"],
            millis(r.batch_poll_interval),
            None,
        );
        o.push(
            &["review", "batch_max_wait_secs"],
            secs(r.batch_max_wait),
            None,
        );
        for (name, p) in &r.patterns {
            let at = |field| ["review", "patterns", name.as_str(), field];
            o.push(&at("regex"), s(&p.regex), None);
            if let Some(u) = &p.unless {
                o.push(&at("unless"), s(u), None);
            }
            o.push(&at("files"), strings(&p.files), None);
            o.push(&at("severity"), s(p.severity), None);
            o.push(&at("message"), s(&p.message), None);
        }
        let ledger_set = self
            .sources
            .contains_key(&["ledger".to_owned(), "path".to_owned()][..]);
        let note = (!ledger_set).then(|| "not set: $XDG_DATA_HOME/distiq/ledger.sqlite".to_owned());
        o.push(&["ledger", "path"], s(self.ledger.path.display()), note);
        o.entries
    }

    /// Every model in the price table or named by a tier or stage, in
    /// `provider:model` order, with its uses and prices.
    pub fn model_summaries(&self) -> Vec<ModelSummary> {
        let mut all: BTreeSet<ModelRef> = self.models.keys().cloned().collect();
        all.extend(self.tiers.values().map(|a| a.model.clone()));
        for sc in self.stages.values() {
            all.extend(sc.model.iter().cloned());
            all.extend(sc.fallbacks.iter().cloned());
        }
        let routes: Vec<_> = self
            .stages
            .iter()
            .map(|(st, sc)| self.route(*st, sc.tier))
            .collect();
        all.into_iter()
            .map(|model| {
                let tiers: Vec<Tier> = self
                    .tiers
                    .iter()
                    .filter(|(_, a)| a.model == model)
                    .map(|(t, _)| *t)
                    .collect();
                let stages = routes
                    .iter()
                    .filter(|r| r.model == model)
                    .map(|r| r.stage)
                    .collect();
                let fallback_for = routes
                    .iter()
                    .filter(|r| r.fallbacks.contains(&model))
                    .map(|r| r.stage)
                    .collect();
                let info = self.model_info(&model).copied();
                let own = self
                    .tiers
                    .values()
                    .filter(|a| a.model == model)
                    .filter_map(|a| a.deprecation)
                    .chain(
                        self.stages
                            .values()
                            .filter(|s| s.model.as_ref() == Some(&model))
                            .filter_map(|s| s.deprecation),
                    );
                let deprecation = own.chain(info.and_then(|i| i.deprecation)).min();
                let provider = self.providers.get(&model.provider);
                ModelSummary {
                    provider_kind: provider.map(|p| p.kind),
                    local: provider.is_some_and(crate::ProviderConfig::is_local),
                    price: self.price(&model),
                    info,
                    tiers,
                    stages,
                    fallback_for,
                    deprecation,
                    model,
                }
            })
            .collect()
    }
}

/// `0.2_f32` widens to `0.20000000298…`; show the value as it was written.
fn round_f32(t: f32) -> f64 {
    (f64::from(t) * 1_000_000.0).round() / 1_000_000.0
}
