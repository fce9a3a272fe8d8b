//! `distiq map`: the repository map and, for a task, the code the planner
//! would be shown and why each piece was chosen.
//!
//! With a task, the ranking blends the graph with the local embedding model
//! when its files are present (`[analyze] embed`); the model loads on a
//! thread while the repository is indexed. Without the model, or when it
//! fails, the graph ranks alone and stderr says so.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread::JoinHandle;

use distiq_analyzer::{
    BuildStats, CacheLocation, Chunk, ChunkEmbeddings, ContextOptions, EmbedStats, Embedder,
    EmbedderOptions, EmbedderPaths, IndexOptions, RankOptions, RankedFile, RepoIndex,
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

    /// Token budget for everything printed as context (map and code);
    /// `analyze.budget_tokens` when not given.
    #[arg(long, value_name = "TOKENS")]
    pub budget: Option<usize>,

    /// Print one JSON object: `files` is the ranked list of
    /// `{"path", "score", "why"}` (paths relative to the repository root,
    /// best first), with `chunks`, `map`, `tokens`, `ranking` (`graph` or
    /// `graph+embedding`), `embedding` and `stats`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct JsonMap<'a> {
    root: String,
    task: Option<&'a str>,
    budget: usize,
    tokens: usize,
    /// `graph+embedding` when the embedding model took part, else `graph`.
    ranking: &'static str,
    /// Why the graph ranked alone, when a task was given.
    fallback: Option<&'a str>,
    embedding: Option<&'a EmbedStats>,
    files: &'a [RankedFile],
    chunks: &'a [Chunk],
    map: &'a str,
    stats: &'a BuildStats,
}

/// Runs `distiq map`.
pub fn run(global: &GlobalArgs, args: MapArgs) -> anyhow::Result<ExitCode> {
    let config = app::load_config(global)?;
    let settings = &config.analyze;
    let root = app::repo_root(global)?;
    let task = args
        .task
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let budget = args.budget.unwrap_or(settings.budget_tokens as usize);

    // The model loads while the repository is indexed.
    let pending = match (task, settings.embed) {
        (None, _) => None,
        (Some(_), false) => Some(Err("analyze.embed is off".to_owned())),
        (Some(_), true) => Some(start_loading()),
    };
    let index_opts = IndexOptions {
        max_file_size: settings.max_file_bytes,
        cache: CacheLocation::InRepo,
        ..IndexOptions::default()
    };
    let index = RepoIndex::build(&root, &index_opts)?;
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
    let opts = ContextOptions {
        budget,
        map_percent: settings.map_percent,
        ..ContextOptions::default()
    };
    let mut rank = RankOptions {
        similarity_candidates: settings.embed_candidates as usize,
        ..RankOptions::default()
    };

    let embedder = pending.map(|p| p.and_then(join));
    let (chunks, task_embedding, mut fallback) = match (embedder, task) {
        (Some(Ok(embedder)), Some(task)) => {
            let chunks =
                ChunkEmbeddings::open(embedder, index_opts.cache.embeddings_path(index.root()));
            match chunks.embed_task(task) {
                Ok(e) => (Some(chunks), Some(e), None),
                Err(e) => (None, None, Some(e.to_string())),
            }
        }
        (Some(Err(why)), _) => (None, None, Some(why)),
        _ => (None, None, None),
    };
    let sim = chunks
        .as_ref()
        .zip(task_embedding.as_ref())
        .map(|(c, e)| c.similarity(&index, e));
    rank.similarity = sim.as_ref().map(|s| s as &dyn distiq_analyzer::Similarity);
    let ctx = build_context(&index, task, &opts, &rank);
    let embed_stats = chunks.as_ref().map(|c| {
        c.save();
        c.stats()
    });
    if let Some(why) = embed_stats.as_ref().and_then(|s| s.failed.clone()) {
        fallback = Some(why);
    }
    if let Some(w) = embed_stats
        .as_ref()
        .and_then(|s| s.cache_warning.as_deref())
    {
        note(w);
    }
    let blended = task.is_some() && fallback.is_none() && embed_stats.is_some();
    if let Some(why) = &fallback {
        note(&format!("ranking by the graph alone: {why}"));
    }

    let mut out = io::stdout().lock();
    if args.json {
        let json = JsonMap {
            root: index.root().display().to_string(),
            task,
            budget,
            tokens: ctx.tokens(),
            ranking: if blended { "graph+embedding" } else { "graph" },
            fallback: fallback.as_deref(),
            embedding: embed_stats.as_ref(),
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
                "(nothing fits the budget of {budget} tokens, or nothing matches)"
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
    let ranked = match (&embed_stats, blended) {
        (Some(s), true) => format!(
            "; ranked by the graph and the embedding model ({} chunks embedded, {} from cache)",
            s.embedded, s.cached
        ),
        _ if task.is_some() => "; ranked by the graph alone".to_owned(),
        _ => String::new(),
    };
    writeln!(
        out,
        "\n({} of {budget} tokens; {} files, {} parsed, {} from cache{ranked})",
        ctx.tokens(),
        stats.files,
        stats.parsed,
        stats.cache_hits,
    )?;
    Ok(ExitCode::SUCCESS)
}

type Loading = JoinHandle<distiq_analyzer::Result<Embedder>>;

/// Finds the model and starts loading it on a thread (two intra-op
/// threads: chunks are embedded in batches). `Err` says why there is none.
fn start_loading() -> Result<Loading, String> {
    let paths = EmbedderPaths::discover().map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("embedder-load".to_owned())
        .spawn(move || {
            let opts = EmbedderOptions::default().with_intra_threads(2);
            Ok(Embedder::load_with(&paths, opts)?)
        })
        .map_err(|e| format!("cannot start a thread to load the embedding model: {e}"))
}

fn join(handle: Loading) -> Result<Arc<Embedder>, String> {
    match handle.join() {
        Ok(Ok(embedder)) => Ok(Arc::new(embedder)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("loading the embedding model panicked".to_owned()),
    }
}

/// A line on stderr, beside the output.
fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "distiq map: {message}");
}

fn reasons(why: &[String]) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!(": {}", why.join("; "))
    }
}
