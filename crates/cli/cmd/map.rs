//! `distiq map`: the repository map and, for a task, the code the planner
//! would be shown and why each piece was chosen.

use std::io::{self, Write};
use std::process::ExitCode;

use distiq_analyzer::{
    BuildStats, Chunk, ContextOptions, IndexOptions, RankOptions, RankedFile, RepoIndex,
    build_context,
};
use serde::Serialize;

use crate::app::{self, GlobalArgs};

/// Flags of `distiq map`.
#[derive(Debug, Clone, clap::Args)]
pub struct MapArgs {
    /// Rank the repository for this task and add the code chosen for it.
    #[arg(long = "for", value_name = "TASK")]
    pub task: Option<String>,

    /// Token budget for everything printed as context (map and code).
    #[arg(long, value_name = "TOKENS", default_value_t = 8192)]
    pub budget: usize,

    /// Print one JSON object: `files` is the ranked list of
    /// `{"path", "score", "why"}` (paths relative to the repository root,
    /// best first), with `chunks`, `map`, `tokens` and `stats`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct JsonMap<'a> {
    root: String,
    task: Option<&'a str>,
    budget: usize,
    tokens: usize,
    files: &'a [RankedFile],
    chunks: &'a [Chunk],
    map: &'a str,
    stats: &'a BuildStats,
}

/// Runs `distiq map`.
pub fn run(global: &GlobalArgs, args: MapArgs) -> anyhow::Result<ExitCode> {
    let root = app::repo_root(global)?;
    let index = RepoIndex::build(&root, &IndexOptions::default())?;
    let task = args
        .task
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let opts = ContextOptions {
        budget: args.budget,
        ..ContextOptions::default()
    };
    let ctx = build_context(&index, task, &opts, &RankOptions::default());
    let stats = index.stats();
    tracing::info!(
        files = stats.files,
        source_lines = stats.source_lines,
        parsed = stats.parsed,
        cache_hits = stats.cache_hits,
        elapsed_ms = stats.elapsed_ms,
        "indexed {}",
        root.display()
    );

    let mut out = io::stdout().lock();
    if args.json {
        let json = JsonMap {
            root: index.root().display().to_string(),
            task,
            budget: args.budget,
            tokens: ctx.tokens(),
            files: &ctx.ranking.files,
            chunks: &ctx.chunks,
            map: &ctx.map,
            stats,
        };
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }

    out.write_all(ctx.map.as_bytes())?;
    if task.is_some() {
        writeln!(out, "\n# Files ranked for this task")?;
        for (i, f) in ctx.ranking.files.iter().take(opts.listed_files).enumerate() {
            let why: Vec<String> = f.why.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "{:>2}. {} ({:.2}){}",
                i + 1,
                f.path,
                f.score,
                reasons(&why)
            )?;
        }
        writeln!(out, "\n# Code chosen for this task")?;
        if ctx.chunks.is_empty() {
            writeln!(
                out,
                "(nothing fits the budget of {} tokens, or nothing matches)",
                args.budget
            )?;
        }
        for c in &ctx.chunks {
            let cut = if c.truncated { ", cut" } else { "" };
            writeln!(
                out,
                "\n## {}:{}-{} `{}` ({}{cut}, ~{} tokens)",
                c.path,
                c.start_line,
                c.end_line,
                c.name,
                c.kind.name(),
                c.tokens
            )?;
            for why in &c.why {
                writeln!(out, "why: {why}")?;
            }
            writeln!(out, "```{}", c.lang.map_or("", |l| l.name()))?;
            out.write_all(c.text.as_bytes())?;
            writeln!(out, "```")?;
        }
    }
    writeln!(
        out,
        "\n({} of {} tokens; {} files, {} parsed, {} from cache)",
        ctx.tokens(),
        args.budget,
        stats.files,
        stats.parsed,
        stats.cache_hits
    )?;
    Ok(ExitCode::SUCCESS)
}

fn reasons(why: &[String]) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!(": {}", why.join("; "))
    }
}
