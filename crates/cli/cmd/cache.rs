//! `distiq cache stats | list | clear | eval | tune`: the repository's
//! semantic cache, and the lookup rule measured on labelled pairs.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use distiq_cache::eval::{EvalReport, PreparedPair, evaluate, prepare, read_pairs, tune};
use distiq_cache::{Cache, CacheOptions, Payload};
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths};
use serde_json::json;

use crate::app::{self, GlobalArgs};

/// The subcommands of `distiq cache`.
#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// Entries, lookups, hits and what they saved, for this repository.
    Stats {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Every entry, oldest first.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Delete every entry of this repository's cache.
    Clear,
    /// Judge labelled pairs with the configured threshold: for each pair
    /// `a` is the only entry of an empty cache and `b` is looked up.
    Eval {
        /// A JSONL file of `{"a": "...", "b": "...", "same": true|false}`.
        #[arg(long, value_name = "FILE")]
        pairs: PathBuf,
        /// Print one JSON object (`recall`, `precision`, `false_hits`,
        /// `pairs`).
        #[arg(long)]
        json: bool,
    },
    /// Precision and recall at each threshold, and the one to configure.
    Tune {
        /// A JSONL file of `{"a": "...", "b": "...", "same": true|false}`.
        #[arg(long, value_name = "FILE")]
        pairs: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `distiq cache ...`.
pub fn run(global: &GlobalArgs, command: CacheCommand) -> anyhow::Result<ExitCode> {
    let config = app::load_config(global)?;
    let settings = &config.cache;
    let options = CacheOptions::new(settings.threshold, settings.max_entries, settings.max_age);
    let mut out = io::stdout().lock();
    let result = match command {
        CacheCommand::Stats { json } => stats(global, options, json, &mut out),
        CacheCommand::List { json } => list(global, options, json, &mut out),
        CacheCommand::Clear => {
            let cache = open(global, options)?;
            let n = cache.clear()?;
            writeln!(out, "removed {n} entries from {}", cache.dir().display())
                .map_err(anyhow::Error::from)
        }
        CacheCommand::Eval { pairs, json } => {
            let prepared = load_pairs(&pairs)?;
            let report = evaluate(&prepared, settings.threshold);
            write_eval(&report, json, &mut out)
        }
        CacheCommand::Tune { pairs, json } => {
            let prepared = load_pairs(&pairs)?;
            let report = tune(&prepared);
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out).map_err(anyhow::Error::from)
            } else {
                writeln!(out, "threshold  precision  recall  false hits")?;
                for p in &report.points {
                    writeln!(
                        out,
                        "{:>9.2}  {:>8.1}%  {:>5.1}%  {:>10}",
                        p.threshold,
                        p.precision * 100.0,
                        p.recall * 100.0,
                        p.false_hits
                    )?;
                }
                writeln!(
                    out,
                    "\nrecommended: {:.2} ({}); set it with `-c cache.threshold={:.2}` or `[cache] threshold` in .distiq.toml",
                    report.recommended, report.why, report.recommended
                )
                .map_err(anyhow::Error::from)
            }
        }
    };
    app::ignore_broken_pipe(result.map(|()| ExitCode::SUCCESS))
}

fn open(global: &GlobalArgs, options: CacheOptions) -> anyhow::Result<Cache> {
    let repo = app::repo_root(global)?;
    let cache = Cache::open(&repo, options)?;
    for warning in cache.warnings() {
        tracing::warn!("{warning}");
        // A repaired cache is worth telling the user about even without -v.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("warning: {warning}");
        }
    }
    Ok(cache)
}

fn stats(
    global: &GlobalArgs,
    options: CacheOptions,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let threshold = options.threshold;
    let cache = open(global, options)?;
    let s = cache.stats()?;
    let rate = (s.lookups > 0).then(|| s.hits as f64 / s.lookups as f64);
    if json {
        let value = json!({
            "dir": s.dir.display().to_string(),
            "entries": s.entries,
            "lookups": s.lookups,
            "hits": s.hits,
            "hit_rate": rate,
            "saved_micros": s.saved.micros(),
            "saved": s.saved.to_string(),
            "cost_micros": s.cost.micros(),
            "index_points": s.index_points,
            "tombstones": s.tombstones,
            "oldest": s.oldest.map(|t| t.to_string()),
            "newest": s.newest.map(|t| t.to_string()),
            "disk_bytes": s.disk_bytes,
            "threshold": threshold,
        });
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "cache    {}", s.dir.display())?;
    writeln!(out, "entries  {}", s.entries)?;
    writeln!(
        out,
        "lookups  {} ({} hits{})",
        s.lookups,
        s.hits,
        rate.map(|r| format!(", {:.1}%", r * 100.0))
            .unwrap_or_default()
    )?;
    writeln!(out, "saved    {}", s.saved)?;
    writeln!(
        out,
        "index    {} points, {} tombstones",
        s.index_points, s.tombstones
    )?;
    writeln!(out, "on disk  {:.1} KiB", s.disk_bytes as f64 / 1024.0)?;
    Ok(())
}

fn list(
    global: &GlobalArgs,
    options: CacheOptions,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let cache = open(global, options)?;
    let entries = cache.entries()?;
    if json {
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "request": e.request,
                    "kind": match e.payload { Payload::Plan(_) => "plan", Payload::Answer(_) => "answer" },
                    "salient": e.salient,
                    "dependencies": e.dependencies,
                    "created": e.created.to_string(),
                    "last_hit": e.last_hit.map(|t| t.to_string()),
                    "hits": e.hits,
                    "cost_micros": e.cost.micros(),
                    "saved_micros": e.saved.micros(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    if entries.is_empty() {
        writeln!(out, "the cache is empty ({})", cache.dir().display())?;
    }
    for e in &entries {
        writeln!(
            out,
            "{:>5}  {}  {:>3} hits  saved {:<10}  {}",
            e.id,
            e.created.strftime("%Y-%m-%d %H:%M"),
            e.hits,
            e.saved.to_string(),
            e.request
        )?;
    }
    Ok(())
}

/// Reads the pairs and embeds every text, in batches on two threads.
fn load_pairs(path: &std::path::Path) -> anyhow::Result<Vec<PreparedPair>> {
    let pairs = read_pairs(path)?;
    let paths = EmbedderPaths::discover()?;
    let embedder = Embedder::load_with(&paths, EmbedderOptions::default().with_intra_threads(2))
        .context("cannot load the embedding model")?;
    let texts: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p.a.as_str(), p.b.as_str()])
        .collect();
    let mut vectors = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(64) {
        vectors.extend(embedder.embed_batch(chunk)?);
    }
    let mut it = vectors.into_iter();
    let mut both = Vec::with_capacity(pairs.len());
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        both.push((a, b));
    }
    Ok(prepare(pairs, both))
}

fn write_eval(report: &EvalReport, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    if json {
        let pairs: Vec<_> = report
            .pairs
            .iter()
            .map(|p| {
                json!({
                    "a": p.a, "b": p.b, "same": p.same, "hit": p.hit,
                    "similarity": p.similarity, "reason": p.reason,
                })
            })
            .collect();
        let false_hits: Vec<_> = report
            .false_hits
            .iter()
            .map(|p| json!({"a": p.a, "b": p.b, "similarity": p.similarity, "reason": p.reason}))
            .collect();
        let value = json!({
            "threshold": report.threshold,
            "recall": report.recall,
            "precision": report.precision,
            "false_hit_rate": report.false_hit_rate,
            "positives": report.positives,
            "negatives": report.negatives,
            "false_hits": false_hits,
            "pairs": pairs,
        });
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "threshold {:.2}: recall {:.1}% ({} same pairs), precision {:.1}%, false hits {} of {} ({:.1}%)",
        report.threshold,
        report.recall * 100.0,
        report.positives,
        report.precision * 100.0,
        report.false_hits.len(),
        report.negatives,
        report.false_hit_rate * 100.0
    )?;
    for p in &report.false_hits {
        writeln!(
            out,
            "false hit ({:.2}, {}): {:?} served {:?}",
            p.similarity, p.reason, p.a, p.b
        )?;
    }
    Ok(())
}
