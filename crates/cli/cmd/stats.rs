//! `distiq stats`: what model calls cost, per stage, per model and per day,
//! against what the same tokens would have cost on the top tier.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use distiq_core::{Money, TaskId};
use distiq_ledger::{DecisionStats, Ledger, StatsQuery, StatsReport, Totals, parse_since};
use jiff::Timestamp;
use serde::Serialize;

use crate::app::{self, GlobalArgs};

/// Flags of `distiq stats`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatsArgs {
    /// Only calls since then: `7d` (today and the six days before it),
    /// `12h`, a date (`2026-11-01`, from local midnight) or an RFC 3339
    /// timestamp.
    #[arg(long, value_name = "WHEN", value_parser = since_now)]
    pub since: Option<Timestamp>,

    /// Only the calls made for this task.
    #[arg(long, value_name = "ID")]
    pub task: Option<TaskId>,

    /// Print one JSON object (`by_stage`, `by_model`, `by_day`, `total`)
    /// instead of tables. Money is given in micro-dollars and as a decimal
    /// string.
    #[arg(long)]
    pub json: bool,
}

/// Runs `distiq stats`. Never creates the ledger: without one, there is
/// nothing to report.
pub fn run(global: &GlobalArgs, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let config = app::load_config(global)?;
    let path = config.ledger.path.as_path();
    let query = StatsQuery {
        since: args.since,
        task: args.task,
        ..StatsQuery::default()
    };

    // The ledger's errors name the file and say what to do.
    let ledger = Ledger::open_existing(path)?;
    let report = match &ledger {
        Some(ledger) => ledger.stats(&query)?,
        None => StatsReport::default(),
    };
    let decisions = match &ledger {
        Some(ledger) => ledger.decisions(&query)?,
        None => DecisionStats::default(),
    };

    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &to_json(&report, &decisions, &query, path))
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
    } else if report.is_empty() && decisions.is_empty() {
        let why = match (&ledger, query == StatsQuery::default()) {
            (None, _) => format!("no calls recorded yet (no ledger at {})", path.display()),
            (Some(_), true) => format!("no calls recorded yet (ledger: {})", path.display()),
            (Some(_), false) => "no calls match".to_owned(),
        };
        writeln!(out, "{why}")
    } else {
        let tables = if report.is_empty() {
            Ok(())
        } else {
            write_tables(&mut out, &report)
        };
        tables.and_then(|()| write_decisions(&mut out, &decisions))
    };
    match written {
        // `distiq stats | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other
            .map(|()| ExitCode::SUCCESS)
            .context("cannot write to stdout"),
    }
}

/// `--since`, read against the local clock.
fn since_now(text: &str) -> distiq_ledger::Result<Timestamp> {
    parse_since(text, &jiff::Zoned::now())
}

fn write_tables(out: &mut impl Write, report: &StatsReport) -> io::Result<()> {
    let stages = report
        .by_stage
        .iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect();
    let models = report
        .by_model
        .iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect();
    let days = report
        .by_day
        .iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect();
    write_table(out, "stage", stages)?;
    writeln!(out)?;
    write_table(out, "model", models)?;
    writeln!(out)?;
    write_table(out, "day", days)?;
    writeln!(out)?;
    let t = &report.total;
    writeln!(
        out,
        "spent {}, all-top-tier baseline {}, saved {} ({})",
        t.cost,
        t.baseline_cost,
        t.savings(),
        percent(t, 0),
    )?;
    if t.batch_calls > 0 {
        writeln!(
            out,
            "{} of the {} calls went through a batch API, at its discount",
            t.batch_calls, t.calls
        )?;
    }
    Ok(())
}

/// The local decisions: cache lookups and what they saved, routes per kind
/// and complexity.
fn write_decisions(out: &mut impl Write, d: &DecisionStats) -> io::Result<()> {
    if d.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let rate = d
        .hit_rate()
        .map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0));
    writeln!(
        out,
        "cache: {} lookups, {} hits ({rate} hit rate), saved {}",
        d.cache_lookups, d.cache_hits, d.cache_saved
    )?;
    if !d.routes.is_empty() {
        let routes: Vec<String> = d
            .routes
            .iter()
            .map(|((kind, complexity), n)| format!("{kind}/{complexity} {n}"))
            .collect();
        writeln!(out, "routes: {}", routes.join(", "))?;
    }
    Ok(())
}

/// A table with one row per group: the name left-aligned, numbers
/// right-aligned. `input` counts every input token; `cached` is the part
/// read from the provider's prompt cache.
fn write_table(out: &mut impl Write, title: &str, rows: Vec<(String, &Totals)>) -> io::Result<()> {
    const HEADER: [&str; 8] = [
        "calls", "input", "cached", "output", "cost", "baseline", "saved", "%",
    ];
    let cells: Vec<(String, [String; 8])> = rows
        .into_iter()
        .map(|(name, t)| {
            let numbers = [
                t.calls.to_string(),
                tokens(t.usage.total_input()),
                tokens(t.usage.cache_read_tokens),
                tokens(t.usage.output_tokens),
                t.cost.to_string(),
                t.baseline_cost.to_string(),
                t.savings().to_string(),
                percent(t, 1),
            ];
            (name, numbers)
        })
        .collect();
    let name_width = cells
        .iter()
        .map(|(n, _)| n.len())
        .chain([title.len()])
        .max()
        .unwrap_or(0);
    let mut widths = HEADER.map(str::len);
    for (_, numbers) in &cells {
        for (w, cell) in widths.iter_mut().zip(numbers) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |out: &mut dyn Write, name: &str, numbers: &[String]| -> io::Result<()> {
        write!(out, "{name:<name_width$}")?;
        for (w, cell) in widths.iter().zip(numbers) {
            write!(out, "  {cell:>w$}")?;
        }
        writeln!(out)
    };
    line(out, title, &HEADER.map(str::to_owned))?;
    for (name, numbers) in &cells {
        line(out, name, numbers)?;
    }
    Ok(())
}

/// `12`, `999`, `2.0k`, `12.3k`, `4.56M`: token counts at a glance (exact counts
/// are in `--json`).
fn tokens(n: i64) -> String {
    match n.unsigned_abs() {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

/// The savings percentage with `decimals` places, or `n/a` without a
/// baseline.
fn percent(t: &Totals, decimals: usize) -> String {
    t.savings_percent()
        .map_or_else(|| "n/a".to_owned(), |p| format!("{p:.decimals$}%"))
}

/// `"0.045000"`: dollars with all six decimals, exact.
fn decimal(m: Money) -> String {
    let micros = m.micros();
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
}

/// The `--json` document. Structs rather than `json!` so that fields keep
/// this order (a group's name first) for people reading it.
#[derive(Serialize)]
struct JsonReport {
    ledger: String,
    since: Option<String>,
    task: Option<String>,
    by_stage: Vec<JsonGroup>,
    by_model: Vec<JsonGroup>,
    by_day: Vec<JsonGroup>,
    total: JsonTotals,
    cache: JsonCache,
    routes: Vec<JsonRoute>,
}

/// Cache lookups recorded in the ledger.
#[derive(Serialize)]
struct JsonCache {
    lookups: u64,
    hits: u64,
    /// `null` without lookups.
    hit_rate: Option<f64>,
    saved_micros: i64,
    saved: String,
}

/// Route decisions of one kind and complexity.
#[derive(Serialize)]
struct JsonRoute {
    kind: String,
    complexity: String,
    count: u64,
}

#[derive(Serialize)]
struct JsonGroup {
    /// `"stage": "plan"`, `"model": "..."` or `"day": "2026-11-24"`.
    #[serde(flatten)]
    key: GroupKey,
    #[serde(flatten)]
    totals: JsonTotals,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum GroupKey {
    Stage(String),
    Model(String),
    Day(String),
}

/// Money in micro-dollars, exact for programs, and as a decimal string.
#[derive(Serialize)]
struct JsonTotals {
    calls: u64,
    input_tokens: i64,
    output_tokens: i64,
    cache_read_tokens: i64,
    cache_write_tokens: i64,
    reasoning_tokens: i64,
    cost_micros: i64,
    cost: String,
    baseline_cost_micros: i64,
    baseline_cost: String,
    saved_micros: i64,
    saved: String,
    /// Rounded to two places; `null` without a baseline.
    saved_percent: Option<f64>,
    batch_calls: u64,
}

impl From<&Totals> for JsonTotals {
    fn from(t: &Totals) -> Self {
        let u = &t.usage;
        Self {
            calls: t.calls,
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_tokens: u.cache_read_tokens,
            cache_write_tokens: u.cache_write_tokens,
            reasoning_tokens: u.reasoning_tokens,
            cost_micros: t.cost.micros(),
            cost: decimal(t.cost),
            baseline_cost_micros: t.baseline_cost.micros(),
            baseline_cost: decimal(t.baseline_cost),
            saved_micros: t.savings().micros(),
            saved: decimal(t.savings()),
            saved_percent: t.savings_percent().map(|p| (p * 100.0).round() / 100.0),
            batch_calls: t.batch_calls,
        }
    }
}

fn to_json(
    report: &StatsReport,
    decisions: &DecisionStats,
    query: &StatsQuery,
    ledger: &Path,
) -> JsonReport {
    fn groups<'a, K: ToString + 'a>(
        rows: impl IntoIterator<Item = (&'a K, &'a Totals)>,
        key: fn(String) -> GroupKey,
    ) -> Vec<JsonGroup> {
        rows.into_iter()
            .map(|(k, t)| JsonGroup {
                key: key(k.to_string()),
                totals: t.into(),
            })
            .collect()
    }
    JsonReport {
        ledger: ledger.display().to_string(),
        since: query.since.map(|t| t.to_string()),
        task: query.task.map(|t| t.to_string()),
        by_stage: groups(&report.by_stage, GroupKey::Stage),
        by_model: groups(&report.by_model, GroupKey::Model),
        by_day: groups(&report.by_day, GroupKey::Day),
        total: (&report.total).into(),
        cache: JsonCache {
            lookups: decisions.cache_lookups,
            hits: decisions.cache_hits,
            hit_rate: decisions.hit_rate(),
            saved_micros: decisions.cache_saved.micros(),
            saved: decimal(decisions.cache_saved),
        },
        routes: decisions
            .routes
            .iter()
            .map(|((kind, complexity), n)| JsonRoute {
                kind: kind.to_string(),
                complexity: complexity.to_string(),
                count: *n,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_printed_exactly_with_six_decimals() {
        assert_eq!(decimal(Money::from_micros(45_000)), "0.045000");
        assert_eq!(decimal(Money::from_micros(12_345_678)), "12.345678");
        assert_eq!(decimal(Money::from_micros(-20_000)), "-0.020000");
        assert_eq!(decimal(Money::ZERO), "0.000000");
    }

    #[test]
    fn token_counts_are_compact_from_a_thousand() {
        assert_eq!(tokens(999), "999");
        assert_eq!(tokens(2_000), "2.0k");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(tokens(4_560_000), "4.56M");
    }
}
