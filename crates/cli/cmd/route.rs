//! `distiq route`: what kind of task a prompt is, how hard, and which tier
//! each stage runs on; `distiq route eval` measures that on labelled prompts.
//!
//! A cold process is dominated by loading the embedding model, so the model
//! loads on a thread while the config, the trained router (from its disk
//! cache) and the ledger are read on this one.

use std::collections::BTreeMap;
use std::io::{self, BufRead as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Context as _;
use distiq_config::Config;
use distiq_core::{Complexity, EventSink, NullSink, Stage, TaskKind, Tier};
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths};
use distiq_ledger::{Ledger, LedgerSink};
use distiq_llm::{CallContext, EnvLookup, Registry};
use distiq_router::{
    Classification, EvalReport, Exemplars, Inspection, ModelFingerprint, ModelStore,
    RecentEmbeddings, Request, Routed, Router,
};
use serde_json::json;

use crate::app::{self, GlobalArgs};

/// Flags of `distiq route`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RouteArgs {
    #[command(subcommand)]
    command: Option<RouteCommand>,

    /// The task, as you would type it to distiq.
    #[arg(value_name = "TEXT", required_unless_present = "stdin")]
    text: Option<String>,

    /// Print one JSON object: `kind`, `complexity`, `tiers` (stage → tier),
    /// `confidence`, `inspected`, the scores and why.
    #[arg(long)]
    json: bool,

    /// Read one prompt per line from stdin and write one JSON object per
    /// line (the model is loaded once). Blank lines are skipped.
    #[arg(long, conflicts_with = "text")]
    stdin: bool,

    /// Tokens of context the task comes with; above 200000 it is complex
    /// (seed 002).
    #[arg(long, value_name = "TOKENS")]
    context_tokens: Option<u64>,

    /// The latency budget in milliseconds; below 500 every stage runs on the
    /// cheapest tier its floor allows.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,

    /// How many tools the task may call; one makes it at least standard,
    /// three or more complex.
    #[arg(long, value_name = "N", default_value_t = 0)]
    tools: u32,

    /// Never ask the classify stage's model, even when the local scores are
    /// close (as `-c router.inspect=false`).
    #[arg(long)]
    no_inspect: bool,
}

#[derive(Debug, clap::Subcommand)]
enum RouteCommand {
    /// Route labelled prompts and report kind accuracy, a confusion matrix,
    /// complexity accuracy and how often complexity was routed too low.
    Eval(EvalArgs),
}

/// Flags of `distiq route eval`.
#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// A JSONL file of `{"prompt": ..., "kind": ..., "complexity": ...}`.
    #[arg(long, value_name = "FILE")]
    labels: PathBuf,

    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

/// Runs `distiq route`.
pub fn run(global: &GlobalArgs, args: RouteArgs) -> anyhow::Result<ExitCode> {
    let result = match args.command {
        Some(RouteCommand::Eval(ref eval)) => run_eval(global, eval),
        None => run_route(global, &args),
    };
    app::ignore_broken_pipe(result)
}

/// The embedding model loading on another thread.
struct PendingEmbedder {
    paths: EmbedderPaths,
    handle: JoinHandle<distiq_embed::Result<Embedder>>,
}

impl PendingEmbedder {
    fn start(options: EmbedderOptions) -> anyhow::Result<Self> {
        // Discovery fails with the embed crate's message: what to run.
        let paths = EmbedderPaths::discover()?;
        let for_thread = paths.clone();
        let handle = std::thread::Builder::new()
            .name("embedder-load".to_owned())
            .spawn(move || Embedder::load_with(&for_thread, options))
            .context("cannot start a thread to load the embedding model")?;
        Ok(Self { paths, handle })
    }

    fn wait(self) -> anyhow::Result<Embedder> {
        match self.handle.join() {
            Ok(loaded) => Ok(loaded?),
            Err(_) => anyhow::bail!("loading the embedding model panicked"),
        }
    }
}

/// The router and the embedder, loaded side by side; `meanwhile` runs on
/// this thread while the model is still loading.
fn load<T>(
    global: &GlobalArgs,
    options: EmbedderOptions,
    meanwhile: impl FnOnce(&Config) -> T,
) -> anyhow::Result<(Config, Router, Embedder, T)> {
    let started = std::time::Instant::now();
    let pending = PendingEmbedder::start(options)?;
    let config = app::load_config(global)?;
    tracing::debug!(ms = started.elapsed().as_millis(), "config loaded");
    let exemplars = Exemplars::builtin()?.with_extra(&config.router.exemplars);
    let env = app::process_env();
    let store = ModelStore::default_dir(|k| env.get(k).cloned()).map(ModelStore::new);
    let fingerprint = match ModelFingerprint::of_cached(&pending.paths, store.as_ref()) {
        Ok(f) => f,
        // The loader's error says best what is missing and what to run.
        Err(e) => {
            pending.wait()?;
            return Err(e.into());
        }
    };
    tracing::debug!(ms = started.elapsed().as_millis(), "model fingerprinted");
    let (cached, warning) = match &store {
        Some(store) => Router::cached(store, &exemplars, &fingerprint),
        None => (None, None),
    };
    // Not locked across the wait below: the loading thread may log.
    if let Some(w) = warning {
        writeln!(io::stderr(), "warning: {w}")?;
    }
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        cached = cached.is_some(),
        "router read"
    );
    let extra = meanwhile(&config);
    let embedder = pending.wait()?;
    tracing::debug!(ms = started.elapsed().as_millis(), "embedding model loaded");
    let router = match cached {
        Some(router) => router,
        None => {
            // A few seconds, once: say why the first run pauses.
            let cached_in = store.as_ref().map_or_else(String::new, |s| {
                format!("; cached in {}", s.dir().display())
            });
            writeln!(
                io::stderr(),
                "training the router on {} exemplars (once{cached_in})",
                exemplars.len()
            )?;
            let loaded =
                Router::train_and_store(store.as_ref(), exemplars, &fingerprint, &embedder)?;
            for w in &loaded.warnings {
                writeln!(io::stderr(), "warning: {w}")?;
            }
            loaded.router
        }
    };
    Ok((config, router, embedder, extra))
}

fn run_route(global: &GlobalArgs, args: &RouteArgs) -> anyhow::Result<ExitCode> {
    // One intra-op thread: for one query at a time the best choice measured
    // on a busy and on a quiet machine (BENCHMARKS.md). The ledger opens
    // (and creates its schema) while the model loads.
    let (mut config, router, embedder, sink) =
        load(global, EmbedderOptions::default(), ledger_sink)?;
    if args.no_inspect {
        config.router.inspect = false;
    }
    let config = Arc::new(config);
    let env = app::process_env();
    let lookup: EnvLookup = Arc::new(move |k: &str| env.get(k).cloned());
    let registry = Registry::new(config.clone(), lookup, sink.clone());
    let mut runtime = None;
    // A prompt seen again in this run (a repeated --stdin line) skips the model.
    let recent = RecentEmbeddings::new(256);

    let route_one =
        |prompt: &str, runtime: &mut Option<tokio::runtime::Runtime>| -> anyhow::Result<Routed> {
            let request = Request {
                prompt: prompt.to_owned(),
                context_tokens: args.context_tokens,
                latency_budget_ms: args.latency_ms,
                tools: args.tools,
            };
            let embedding = recent.get_or_embed(&embedder, prompt)?;
            let mut routed = router.route(&config, &request, &embedding);
            if matches!(routed.inspection, Inspection::Pending { .. }) {
                // Only a close call needs the network, and so a runtime.
                let rt = match runtime {
                    Some(rt) => rt,
                    None => runtime.insert(
                        tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .context("cannot start the async runtime")?,
                    ),
                };
                routed = rt.block_on(router.inspect(
                    routed,
                    &registry,
                    &request,
                    None,
                    &CallContext::default(),
                ));
            }
            sink.emit(&routed.event(None));
            tracing::debug!("route decided and recorded");
            Ok(routed)
        };

    let mut out = io::stdout().lock();
    if args.stdin {
        for line in io::stdin().lock().lines() {
            let line = line.context("cannot read stdin")?;
            if line.trim().is_empty() {
                continue;
            }
            let routed = route_one(line.trim(), &mut runtime)?;
            serde_json::to_writer(&mut out, &to_json(line.trim(), &routed))?;
            writeln!(out)?;
            out.flush()?;
        }
    } else {
        let prompt = args.text.as_deref().unwrap_or_default();
        let routed = route_one(prompt, &mut runtime)?;
        if args.json {
            serde_json::to_writer_pretty(&mut out, &to_json(prompt, &routed))?;
            writeln!(out)?;
        } else {
            write_human(&mut out, &routed)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The ledger records route decisions and the inspect calls. Routing must
/// not fail because the ledger cannot be opened: that is a warning.
fn ledger_sink(config: &Config) -> Arc<dyn EventSink> {
    match Ledger::open(&config.ledger.path) {
        Ok(ledger) => Arc::new(LedgerSink::new(ledger, None)),
        Err(e) => {
            tracing::warn!(error = %e, "cannot open the ledger; this route is not recorded");
            Arc::new(NullSink)
        }
    }
}

/// The `--json` object of one decision, its keys in reading order.
#[derive(serde::Serialize)]
struct DecisionJson<'a> {
    prompt: &'a str,
    kind: TaskKind,
    complexity: Complexity,
    tiers: &'a BTreeMap<Stage, Tier>,
    confidence: f64,
    inspected: bool,
    inspection: &'a Inspection,
    margin: f64,
    runner_up: TaskKind,
    scores: Scores,
    /// The classifier's own answer, before the rules and the model.
    local: Local,
    nearest: &'a [distiq_router::Neighbour],
    features: &'a distiq_router::Features,
    notes: &'a [String],
}

#[derive(serde::Serialize)]
struct Scores {
    kind: BTreeMap<TaskKind, f64>,
    complexity: BTreeMap<Complexity, f64>,
}

#[derive(serde::Serialize)]
struct Local {
    kind: TaskKind,
    complexity: Complexity,
}

fn to_json<'a>(prompt: &'a str, routed: &'a Routed) -> DecisionJson<'a> {
    let d = &routed.decision;
    let local: &Classification = &routed.local;
    DecisionJson {
        prompt,
        kind: d.kind,
        complexity: d.complexity,
        tiers: &d.tiers,
        confidence: round(d.confidence),
        inspected: d.inspected,
        inspection: &routed.inspection,
        margin: round(local.margin),
        runner_up: local.runner_up,
        scores: Scores {
            kind: local
                .kind_scores
                .iter()
                .map(|(k, v)| (*k, round(*v)))
                .collect(),
            complexity: local
                .complexity_scores
                .iter()
                .map(|(k, v)| (*k, round(*v)))
                .collect(),
        },
        local: Local {
            kind: local.kind,
            complexity: local.complexity,
        },
        nearest: &local.nearest,
        features: &local.features,
        notes: &routed.notes,
    }
}

/// Four decimals: enough to read, stable to compare.
fn round(x: f32) -> f64 {
    (f64::from(x) * 1e4).round() / 1e4
}

fn write_human(out: &mut impl Write, routed: &Routed) -> io::Result<()> {
    let d = &routed.decision;
    let l = &routed.local;
    writeln!(out, "kind        {} ({:.0}%)", d.kind, d.confidence * 100.0)?;
    writeln!(out, "complexity  {}", d.complexity)?;
    let tiers: Vec<String> = d.tiers.iter().map(|(s, t)| format!("{s}={t}")).collect();
    writeln!(out, "tiers       {}", tiers.join("  "))?;
    writeln!(
        out,
        "inspect     {}",
        describe_inspection(&routed.inspection)
    )?;
    writeln!(out)?;
    let mut kinds: Vec<(TaskKind, f32)> = l.kind_scores.iter().map(|(k, v)| (*k, *v)).collect();
    kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
    let kinds: Vec<String> = kinds.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
    writeln!(out, "scores      kind: {}", kinds.join("  "))?;
    let levels: Vec<String> = l
        .complexity_scores
        .iter()
        .map(|(k, v)| format!("{k} {v:.2}"))
        .collect();
    writeln!(out, "            complexity: {}", levels.join("  "))?;
    writeln!(out, "why")?;
    for n in &l.nearest {
        let level = n.complexity.map_or(String::new(), |c| format!(", {c}"));
        writeln!(
            out,
            "  nearest   {:.2} {}{level}: {}",
            n.similarity, n.kind, n.text
        )?;
    }
    let f = &l.features;
    writeln!(
        out,
        "  features  {} words, {} paths, {} identifiers, {} numbers, {} scope words, {} clauses",
        f.words, f.paths, f.identifiers, f.numbers, f.scope_words, f.clauses
    )?;
    if l.complexity != d.complexity || l.kind != d.kind {
        writeln!(
            out,
            "  local     {} / {} before the rules and the model below",
            l.kind, l.complexity
        )?;
    }
    for note in &routed.notes {
        writeln!(out, "  rule      {note}")?;
    }
    Ok(())
}

fn describe_inspection(inspection: &Inspection) -> String {
    match inspection {
        Inspection::NotNeeded { margin, threshold } => {
            format!("not needed: margin {margin:.2} ≥ router.inspect_margin {threshold:.2}")
        }
        Inspection::Off => "off (router.inspect = false or --no-inspect)".to_owned(),
        Inspection::Pending { margin, threshold } => {
            format!("wanted: margin {margin:.2} < {threshold:.2}, but no model was asked")
        }
        Inspection::Unavailable { reason } => {
            format!("skipped, the local decision stands: {reason}")
        }
        Inspection::Failed { model, reason } => {
            format!("{model} failed, the local decision stands: {reason}")
        }
        Inspection::Asked {
            model,
            kind,
            complexity,
        } => {
            format!("asked {model} (margin was small): {kind}, {complexity}")
        }
    }
}

fn run_eval(global: &GlobalArgs, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let items = distiq_router::read_labels(&args.labels)?;
    // Batches: two intra-op threads are faster (BENCHMARKS.md).
    let (config, router, embedder, ()) = load(
        global,
        EmbedderOptions::default().with_intra_threads(2),
        |_| (),
    )?;
    let report = distiq_router::evaluate(&router, &embedder, &config, &items)?;
    let cv = router.cross_validation();
    let mut out = io::stdout().lock();
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(o) = value.as_object_mut() {
            o.insert("labels".to_owned(), json!(args.labels));
            o.insert("kinds".to_owned(), json!(TaskKind::ALL));
            o.insert("complexities".to_owned(), json!(Complexity::ALL));
            o.insert("cross_validation".to_owned(), serde_json::to_value(cv)?);
            o.insert(
                "inspect_margin".to_owned(),
                json!(config.router.inspect_margin),
            );
        }
        serde_json::to_writer_pretty(&mut out, &value)?;
        writeln!(out)?;
    } else {
        write_eval(
            &mut out,
            &report,
            &args.labels,
            config.router.inspect_margin,
        )?;
        writeln!(
            out,
            "\nthe router on its own {} exemplars, {}-fold cross-validation: kind {:.1}% \
             (nearest exemplar alone: {:.1}%), complexity {:.1}%, routed below the label {:.1}%",
            cv.kind_total,
            cv.folds,
            cv.kind_accuracy * 100.0,
            cv.nearest_accuracy * 100.0,
            cv.complexity_accuracy * 100.0,
            cv.complexity_under_rate * 100.0
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_eval(
    out: &mut impl Write,
    r: &EvalReport,
    labels: &std::path::Path,
    margin: f32,
) -> io::Result<()> {
    let pct = |x: f32| format!("{:.1}%", x * 100.0);
    writeln!(
        out,
        "{} labelled prompts from {}",
        r.total,
        labels.display()
    )?;
    writeln!(
        out,
        "kind accuracy        {}   (nearest exemplar alone, as semantic-router scores: {})",
        pct(r.kind_accuracy),
        pct(r.nearest_accuracy)
    )?;
    writeln!(out, "complexity accuracy  {}", pct(r.complexity_accuracy))?;
    writeln!(
        out,
        "routed below label   {}   (above: {})",
        pct(r.complexity_under_rate),
        pct(r.complexity_over_rate)
    )?;
    writeln!(
        out,
        "would inspect        {}   (top-two margin < {margin:.2}; eval never asks a model)",
        pct(r.would_inspect_rate)
    )?;
    writeln!(out, "\nkind confusion (rows: label, columns: routed)")?;
    let names: Vec<&str> = TaskKind::ALL.iter().map(|k| short(k.as_str())).collect();
    write_matrix(out, &names, &r.confusion)?;
    writeln!(out, "\ncomplexity confusion (rows: label, columns: routed)")?;
    let levels: Vec<&str> = Complexity::ALL.iter().map(|c| c.as_str()).collect();
    write_matrix(out, &levels, &r.complexity_confusion)?;
    let kind_misses: Vec<_> = r
        .misses
        .iter()
        .filter(|m| m.kind != m.expected_kind)
        .collect();
    if !kind_misses.is_empty() {
        writeln!(out, "\nwrong kind ({}):", kind_misses.len())?;
        for m in kind_misses {
            writeln!(
                out,
                "  {:<12} → {:<12} {:>3.0}%  {}",
                m.expected_kind.as_str(),
                m.kind.as_str(),
                m.confidence * 100.0,
                m.prompt
            )?;
        }
    }
    let under: Vec<_> = r
        .misses
        .iter()
        .filter(|m| m.complexity < m.expected_complexity)
        .collect();
    if !under.is_empty() {
        writeln!(out, "\nrouted below the label ({}):", under.len())?;
        for m in under {
            writeln!(
                out,
                "  {:<8} → {:<8}  {}",
                m.expected_complexity.as_str(),
                m.complexity.as_str(),
                m.prompt
            )?;
        }
    }
    Ok(())
}

fn short(name: &str) -> &str {
    match name {
        "architecture" => "arch",
        "question" => "question",
        other => other,
    }
}

fn write_matrix(out: &mut impl Write, names: &[&str], m: &[Vec<usize>]) -> io::Result<()> {
    write!(out, "{:>14}", "")?;
    for n in names {
        write!(out, "{n:>9}")?;
    }
    writeln!(out)?;
    for (name, row) in names.iter().zip(m) {
        write!(out, "{name:>14}")?;
        for v in row {
            write!(out, "{v:>9}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}
