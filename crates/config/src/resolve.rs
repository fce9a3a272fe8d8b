//! From the merged raw structs to a [`Config`]: fill in what is derived,
//! refuse what is missing, and turn paths and units into their final types.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use distiq_core::{Price, Stage, Tier};

use crate::layer::{KeyPath, Provenance};
use crate::raw::RawConfig;
use crate::source::dotted;
use crate::{
    AnalyzeSettings, Budget, CacheSettings, Config, Error, FileLayer, LedgerSettings, ModelInfo,
    ProviderConfig, Result, RetrySettings, ReviewPattern, ReviewSettings, RouterSettings, Source,
    StageConfig, StructuredSettings, TierAssignment, Timeouts, ValidateSettings,
};

pub(crate) struct Inputs<'a> {
    pub raw: RawConfig,
    pub sources: Provenance,
    pub files: Vec<FileLayer>,
    pub env: &'a BTreeMap<String, String>,
}

pub(crate) fn resolve(inputs: Inputs<'_>) -> Result<Config> {
    let Inputs {
        raw,
        sources,
        files,
        env,
    } = inputs;
    let ctx = Ctx {
        sources: &sources,
        env,
    };

    let mut providers = BTreeMap::new();
    for (name, p) in raw.providers {
        let at = |field: &str| vec!["providers".to_owned(), name.clone(), field.to_owned()];
        let kind = p.kind.ok_or_else(|| {
            ctx.missing(
                &at("kind"),
                "`kind = \"openai\"` (or \"anthropic\", \"gemini\")",
            )
        })?;
        let base_url = p.base_url.ok_or_else(|| {
            ctx.missing(&at("base_url"), "`base_url = \"http://127.0.0.1:8080/v1\"`")
        })?;
        let api_key_file = p.api_key_file.map(|f| ctx.path(&f, &at("api_key_file")));
        let config = ProviderConfig {
            kind,
            base_url,
            api_key_env: p.api_key_env.unwrap_or_default(),
            api_key_file,
        };
        providers.insert(name, config);
    }

    let mut tiers = BTreeMap::new();
    for tier in Tier::ALL {
        let raw_tier = raw.tiers.get(&tier);
        let model = raw_tier.and_then(|t| t.model.clone()).ok_or_else(|| {
            ctx.missing(
                &key(&["tiers", tier.as_str(), "model"]),
                "`model = \"provider:model\"`",
            )
        })?;
        let deprecation = raw_tier.and_then(|t| t.deprecation);
        tiers.insert(tier, TierAssignment { model, deprecation });
    }

    let mut stages = BTreeMap::new();
    for stage in Stage::ALL {
        let s = raw.stages.get(&stage);
        let at = |field: &str| key(&["stages", stage.as_str(), field]);
        let tier = s
            .and_then(|s| s.tier)
            .ok_or_else(|| ctx.missing(&at("tier"), "`tier = \"cheap\"`"))?;
        let max_tokens = s
            .and_then(|s| s.max_tokens)
            .ok_or_else(|| ctx.missing(&at("max_tokens"), "`max_tokens = 8192`"))?;
        stages.insert(
            stage,
            StageConfig {
                tier,
                min_tier: s.and_then(|s| s.min_tier),
                model: s.and_then(|s| s.model.clone()),
                temperature: s.and_then(|s| s.temperature),
                max_tokens,
                fallbacks: s.and_then(|s| s.fallbacks.clone()).unwrap_or_default(),
                deprecation: s.and_then(|s| s.deprecation),
            },
        );
    }

    let mut models = BTreeMap::new();
    for (model, m) in raw.models {
        let at = |field: &str| vec!["models".to_owned(), model.to_string(), field.to_owned()];
        let input = m
            .input
            .ok_or_else(|| ctx.missing(&at("input"), "`input = 3.0` (USD per million tokens)"))?;
        let output = m.output.ok_or_else(|| {
            ctx.missing(&at("output"), "`output = 15.0` (USD per million tokens)")
        })?;
        let price = Price {
            input: input.micros(),
            output: output.micros(),
            // No discount and no surcharge unless the row says so.
            cached_input: m.cached_input.unwrap_or(input).micros(),
            cache_write: m.cache_write.unwrap_or(input).micros(),
        };
        let info = ModelInfo {
            price,
            deprecation: m.deprecation,
            context_window: m.context_window,
        };
        models.insert(model, info);
    }

    let r = raw.retry;
    let retry = RetrySettings {
        max_attempts: ctx.need(r.max_attempts, &["retry", "max_attempts"])?,
        initial_delay: Duration::from_millis(
            ctx.need(r.initial_delay_ms, &["retry", "initial_delay_ms"])?,
        ),
        max_delay: Duration::from_millis(ctx.need(r.max_delay_ms, &["retry", "max_delay_ms"])?),
        max_retry_after: Duration::from_secs(
            ctx.need(r.max_retry_after_secs, &["retry", "max_retry_after_secs"])?,
        ),
    };
    if retry.max_delay < retry.initial_delay {
        let at = key(&["retry", "max_delay_ms"]);
        return Err(Error::Invalid {
            origin: ctx.source(&at),
            key: dotted(&at),
            message: "the longest wait is shorter than the first; raise max_delay_ms".to_owned(),
        });
    }

    let structured = StructuredSettings {
        max_tokens_ladder: ctx.need(
            raw.structured.max_tokens_ladder,
            &["structured", "max_tokens_ladder"],
        )?,
    };
    let t = raw.timeouts;
    let timeouts = Timeouts {
        connect: Duration::from_secs(ctx.need(t.connect_secs, &["timeouts", "connect_secs"])?),
        request: Duration::from_secs(ctx.need(t.request_secs, &["timeouts", "request_secs"])?),
        stream_idle: Duration::from_secs(
            ctx.need(t.stream_idle_secs, &["timeouts", "stream_idle_secs"])?,
        ),
    };

    let review = review(raw.review, &ctx)?;
    let router = RouterSettings {
        inspect_margin: ctx.need(raw.router.inspect_margin, &["router", "inspect_margin"])?,
        inspect: ctx.need(raw.router.inspect, &["router", "inspect"])?,
        exemplars: raw.router.exemplars,
    };
    let v = raw.validate;
    let validate = ValidateSettings {
        lint: v.lint.filter(|c| !c.trim().is_empty()),
        test: v.test.filter(|c| !c.trim().is_empty()),
        timeout: Duration::from_secs(ctx.need(v.timeout_secs, &["validate", "timeout_secs"])?),
        max_output_bytes: ctx.need(v.max_output_bytes, &["validate", "max_output_bytes"])?,
        review: ctx.need(v.review, &["validate", "review"])?,
        max_retries: ctx.need(v.max_retries, &["validate", "max_retries"])?,
    };
    let a = raw.analyze;
    let analyze = AnalyzeSettings {
        brief: ctx.need(a.brief, &["analyze", "brief"])?,
        budget_tokens: ctx.need(a.budget_tokens, &["analyze", "budget_tokens"])?,
        map_percent: ctx.need(a.map_percent, &["analyze", "map_percent"])?,
        max_file_bytes: ctx.need(a.max_file_bytes, &["analyze", "max_file_bytes"])?,
        embed: ctx.need(a.embed, &["analyze", "embed"])?,
        embed_candidates: ctx.need(a.embed_candidates, &["analyze", "embed_candidates"])?,
    };
    let cache = CacheSettings {
        enabled: ctx.need(raw.cache.enabled, &["cache", "enabled"])?,
        threshold: ctx.need(raw.cache.threshold, &["cache", "threshold"])?,
        max_entries: ctx.need(raw.cache.max_entries, &["cache", "max_entries"])?,
        max_age: Duration::from_secs(
            ctx.need(raw.cache.max_age_days, &["cache", "max_age_days"])? * 86_400,
        ),
    };

    let ledger_path = match raw.ledger.path {
        Some(p) => ctx.path(&p, &key(&["ledger", "path"])),
        None => default_ledger_path(env).ok_or_else(|| Error::Missing {
            key: "ledger.path".to_owned(),
            hint: "neither XDG_DATA_HOME nor HOME is set, so there is no default; set \
                   DISTIQ_LEDGER_PATH or `ledger.path` in your config"
                .to_owned(),
        })?,
    };

    Ok(Config {
        providers,
        tiers,
        stages,
        models,
        budget: Budget {
            per_task: raw.budget.per_task,
            per_day: raw.budget.per_day,
        },
        retry,
        structured,
        timeouts,
        ledger: LedgerSettings { path: ledger_path },
        review,
        router,
        cache,
        validate,
        analyze,
        sources,
        files,
    })
}

fn review(r: crate::raw::RawReview, ctx: &Ctx<'_>) -> Result<ReviewSettings> {
    let mut patterns = std::collections::BTreeMap::new();
    for (name, p) in r.patterns {
        if p.enabled == Some(false) {
            continue;
        }
        let at = |field: &str| key(&["review", "patterns", name.as_str(), field]);
        let regex = p.regex.ok_or_else(|| {
            ctx.missing(
                &at("regex"),
                "`regex = '\\bdbg!\\('` (or `enabled = false`)",
            )
        })?;
        let message = p
            .message
            .ok_or_else(|| ctx.missing(&at("message"), "`message = \"what is wrong\"`"))?;
        patterns.insert(
            name,
            ReviewPattern {
                regex,
                unless: p.unless.filter(|u| !u.is_empty()),
                files: p.files.unwrap_or_default(),
                severity: p.severity.unwrap_or_default(),
                message,
            },
        );
    }
    Ok(ReviewSettings {
        fail_on: ctx.need(r.fail_on, &["review", "fail_on"])?,
        escalate_at: ctx.need(r.escalate_at, &["review", "escalate_at"])?,
        confirm_tier: ctx.need(r.confirm_tier, &["review", "confirm_tier"])?,
        max_file_bytes: ctx.need(r.max_file_bytes, &["review", "max_file_bytes"])?,
        context_lines: ctx.need(r.context_lines, &["review", "context_lines"])?,
        context_tokens: ctx.need(r.context_tokens, &["review", "context_tokens"])?,
        max_prompt_bytes: ctx.need(r.max_prompt_bytes, &["review", "max_prompt_bytes"])?,
        batch_poll_interval: Duration::from_millis(ctx.need(
            r.batch_poll_interval_ms,
            &["review", "batch_poll_interval_ms"],
        )?),
        batch_max_wait: Duration::from_secs(
            ctx.need(r.batch_max_wait_secs, &["review", "batch_max_wait_secs"])?,
        ),
        patterns,
    })
}

fn key(parts: &[&str]) -> KeyPath {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

/// `$XDG_DATA_HOME/distiq/ledger.sqlite`, else under `$HOME/.local/share`
/// (`%LOCALAPPDATA%` on Windows when neither is set).
fn default_ledger_path(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let data = var("XDG_DATA_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| h.join(".local/share")))
        .or_else(|| var("LOCALAPPDATA"))?;
    Some(data.join("distiq").join("ledger.sqlite"))
}

struct Ctx<'a> {
    sources: &'a Provenance,
    env: &'a BTreeMap<String, String>,
}

impl Ctx<'_> {
    fn source(&self, at: &KeyPath) -> Source {
        self.sources.get(at).cloned().unwrap_or(Source::Default)
    }

    /// A missing key, with where the table around it was defined.
    fn missing(&self, at: &KeyPath, example: &str) -> Error {
        let table = &at[..at.len().saturating_sub(1)];
        let defined = self
            .sources
            .iter()
            .find(|(path, _)| path.starts_with(table))
            .map(|(_, source)| format!(" (`[{}]` comes from {source})", dotted(table)))
            .unwrap_or_default();
        Error::Missing {
            key: dotted(at),
            hint: format!("add {example} under `[{}]`{defined}", dotted(table)),
        }
    }

    fn need<T>(&self, value: Option<T>, at: &[&str]) -> Result<T> {
        value.ok_or_else(|| self.missing(&key(at), "a value"))
    }

    /// `~/x` under `$HOME`; a relative path next to the file that set it.
    fn path(&self, raw: &str, at: &KeyPath) -> PathBuf {
        let home = self.env.get("HOME").filter(|h| !h.is_empty());
        if let (Some(rest), Some(home)) = (raw.strip_prefix("~/"), home) {
            return PathBuf::from(home).join(rest);
        }
        if raw == "~"
            && let Some(home) = home
        {
            return PathBuf::from(home);
        }
        let path = PathBuf::from(raw);
        match self.source(at).file().and_then(std::path::Path::parent) {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path,
        }
    }
}
