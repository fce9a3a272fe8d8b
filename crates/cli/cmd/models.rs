//! `distiq models`: every configured model, what it costs, who uses it and
//! when it retires.

use std::io::Write as _;
use std::process::ExitCode;

use distiq_config::{Config, ModelSummary};
use distiq_core::{Money, Price};
use jiff::civil::Date;

use crate::app::{self, GlobalArgs};

/// Options of `distiq models`.
#[derive(Debug, clap::Args)]
pub struct ModelsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `distiq models`.
pub fn run(global: &GlobalArgs, args: ModelsArgs) -> anyhow::Result<ExitCode> {
    app::ignore_broken_pipe(list(global, &args))
}

fn list(global: &GlobalArgs, args: &ModelsArgs) -> anyhow::Result<ExitCode> {
    // Listing is how one finds out what to fix, so a config with unknown
    // models still lists; `config check` explains.
    let config = app::config_builder(global)?.build_unchecked()?;
    if let Err(e) = config.validate() {
        writeln!(
            std::io::stderr(),
            "warning: {e}\nwarning: run `distiq config check` for every problem"
        )?;
    }
    let today = app::today();
    let summaries = config.model_summaries();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &to_json(&config, &summaries, today))?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &summaries, today)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(config: &Config, summaries: &[ModelSummary], today: Date) -> serde_json::Value {
    use serde_json::json;

    let usd = |p: Price| {
        json!({
            "input": Money::from_micros(p.input).as_usd_f64(),
            "output": Money::from_micros(p.output).as_usd_f64(),
            "cached_input": Money::from_micros(p.cached_input).as_usd_f64(),
            "cache_write": Money::from_micros(p.cache_write).as_usd_f64(),
        })
    };
    let models: Vec<_> = summaries
        .iter()
        .map(|s| {
            json!({
                "model": s.model.to_string(),
                "provider": s.model.provider,
                "provider_kind": s.provider_kind.map(|k| k.as_str()),
                "local": s.local,
                "priced": s.info.is_some(),
                "tiers": s.tiers,
                "stages": s.stages,
                "fallback_for": s.fallback_for,
                "price_usd_per_mtok": s.price.map(usd),
                "price_micros_per_mtok": s.price,
                "context_window": s.info.and_then(|i| i.context_window),
                "deprecation": s.deprecation.map(|d| d.to_string()),
                "days_until_deprecation": s.deprecation.map(|d| days_until(today, d)),
            })
        })
        .collect();
    json!({
        "today": today.to_string(),
        "baseline": config.tier_model(distiq_core::Tier::Top).to_string(),
        "models": models,
    })
}

fn write_table(
    out: &mut impl std::io::Write,
    summaries: &[ModelSummary],
    today: Date,
) -> std::io::Result<()> {
    let header = [
        "MODEL",
        "KIND",
        "INPUT",
        "OUTPUT",
        "CACHED",
        "WRITE",
        "CONTEXT",
        "DEPRECATION",
        "USED BY",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    let mut free = false;
    let mut unpriced = false;
    for s in summaries {
        let prices = match (s.info, s.price) {
            (Some(_), Some(p)) => [p.input, p.output, p.cached_input, p.cache_write]
                .map(|m| Money::from_micros(m).to_string()),
            (None, Some(_)) => {
                free = true;
                ["free*", "free*", "free*", "free*"].map(str::to_owned)
            }
            (_, None) => {
                unpriced = true;
                ["?", "?", "?", "?"].map(str::to_owned)
            }
        };
        let [input, output, cached, write] = prices;
        rows.push(vec![
            s.model.to_string(),
            s.provider_kind.map_or("?", |k| k.as_str()).to_owned(),
            input,
            output,
            cached,
            write,
            s.info
                .and_then(|i| i.context_window)
                .map_or_else(|| "-".to_owned(), |c| c.to_string()),
            s.deprecation
                .map_or_else(|| "-".to_owned(), |d| deprecation_text(today, d)),
            used_by(s),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    writeln!(
        out,
        "Prices in USD per million tokens (config overrides the built-in table). Today: {today}."
    )?;
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let w = widths[i];
            match i {
                // Numbers right-aligned, text left-aligned.
                2..=6 => line.push_str(&format!("{cell:>w$}  ")),
                _ if i + 1 == row.len() => line.push_str(cell),
                _ => line.push_str(&format!("{cell:<w$}  ")),
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    if free {
        writeln!(
            out,
            "* a model on a local provider (no API key) with no price row costs nothing."
        )?;
    }
    if unpriced {
        writeln!(
            out,
            "? no price known: add a [models.\"provider:model\"] table with input and output prices."
        )?;
    }
    Ok(())
}

/// `tier top; plan, answer`.
fn used_by(s: &ModelSummary) -> String {
    let mut parts = Vec::new();
    if !s.tiers.is_empty() {
        let tiers: Vec<&str> = s.tiers.iter().map(|t| t.as_str()).collect();
        parts.push(format!("tier {}", tiers.join(", ")));
    }
    if !s.stages.is_empty() {
        let stages: Vec<&str> = s.stages.iter().map(|t| t.as_str()).collect();
        parts.push(stages.join(", "));
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join("; ")
    }
}

fn days_until(today: Date, date: Date) -> i32 {
    today.until(date).map_or(0, |span| span.get_days())
}

/// `2026-02-19 (passed)`, `2026-12-01 (in 7 days)`.
fn deprecation_text(today: Date, date: Date) -> String {
    let days = days_until(today, date);
    let when = match days {
        d if d < 0 => "passed".to_owned(),
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        d => format!("in {d} days"),
    };
    format!("{date} ({when})")
}
