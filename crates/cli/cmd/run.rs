//! `distiq run "task"`: the whole cascade. Also the setup `plan` and `ask`
//! share: the config, the ledger (and today's spend for the day budget),
//! the local models loaded once, the renderer, and Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use distiq_core::{Event, EventSink, Money};
use distiq_ledger::{Ledger, LedgerSink};
use distiq_llm::EnvLookup;
use distiq_pipeline::{LocalModels, Options, Pipeline, RunControl};

use crate::app::{self, GlobalArgs};
use crate::cmd::plan::SavedPlan;
use crate::render::{self, Renderer};

/// Flags shared by `run`, `plan` and `ask`.
#[derive(Debug, Clone, clap::Args)]
pub struct CascadeArgs {
    /// Stream every pipeline event as one JSON line on stdout, then the
    /// outcome (or the error) as a last line.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// How the pipeline runs: flags shared by `run`, `plan`, `ask` and `tui`.
#[derive(Debug, Clone, clap::Args)]
pub struct PipelineArgs {
    /// Do not route with the local model: every stage runs on its
    /// configured tier (`stages.<stage>.tier`).
    #[arg(long)]
    pub no_route: bool,

    /// Do not look tasks up in the semantic cache, nor store them.
    #[arg(long)]
    pub no_cache: bool,

    /// Tokens of repository context (map and code) sent to the planner
    /// (default: `analyze.budget_tokens`, 8192).
    #[arg(long, value_name = "N")]
    pub context_tokens: Option<usize>,
}

/// Flags of `distiq run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// What to do, in plain words (with `--plan`, the saved task unless
    /// given).
    #[arg(value_name = "TASK", required_unless_present = "plan")]
    pub task: Option<String>,

    /// Carry out a plan saved by `distiq plan --save FILE` (or `distiq plan
    /// --json` output) instead of planning: no planner call; the plan is
    /// checked against the repository as it is now.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Leave the changes in the work tree, uncommitted.
    #[arg(long)]
    pub no_commit: bool,

    /// Let the task edit files that have uncommitted changes (their current
    /// content is committed with the task).
    #[arg(long)]
    pub allow_dirty: bool,

    #[command(flatten)]
    pub cascade: CascadeArgs,
}

/// Runs `distiq run`.
pub fn run(global: &GlobalArgs, args: RunArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        allow_dirty: args.allow_dirty,
        commit: !args.no_commit,
        ..Options::default()
    };
    let (task, plan) = match &args.plan {
        Some(path) => {
            let saved = SavedPlan::read(path, args.task.as_deref())?;
            (saved.task, Some(saved.plan))
        }
        None => (args.task.clone().unwrap_or_default(), None),
    };
    let setup = Setup::new(global, &args.cascade, options)?;
    let control = RunControl {
        cancel: setup.pipeline.cancel_token(),
        plan,
        ..RunControl::default()
    };
    let outcome = setup.block_on(setup.pipeline.run_with(&task, &control))?;
    let r = &setup.renderer;
    r.done();
    r.outcome("run_outcome", &outcome);
    if r.is_human() {
        let mut text = String::new();
        if outcome.files.is_empty() {
            text.push_str("Nothing changed.\n");
        } else {
            text.push_str(&format!(
                "Changed {} file(s){}:\n",
                outcome.files.len(),
                if outcome.cached {
                    ", with a plan from the cache"
                } else {
                    ""
                }
            ));
            text.push_str(&render::files_table(&outcome.files));
            match &outcome.commit {
                Some(id) => text.push_str(&format!(
                    "Committed {}: {} (undo with `distiq undo`)\n",
                    render::short(id),
                    outcome.plan.summary.lines().next().unwrap_or_default()
                )),
                None => text.push_str("Left uncommitted in the work tree (--no-commit).\n"),
            }
        }
        if outcome.fix_attempts > 0 || outcome.replanned {
            text.push_str(&format!(
                "Validation needed {} fix attempt(s){}.\n",
                outcome.fix_attempts,
                if outcome.replanned {
                    " and a re-plan"
                } else {
                    ""
                }
            ));
        }
        if outcome.executor_calls == 0 && !outcome.files.is_empty() {
            text.push_str("The plan carried exact code: no executor model call.\n");
        }
        text.push_str("Cost:\n");
        text.push_str(&render::cost_table(&outcome.spend, outcome.saved));
        render::print(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `run`, `plan`, `ask` and `tui` need to run the pipeline.
pub struct Setup {
    /// The pipeline, with the renderer (or the front end given to
    /// [`Setup::with_front`]) and the ledger as its sinks.
    pub pipeline: Pipeline,
    /// Where events go; with a front end, only the loading spinner and
    /// the setup's warnings.
    pub renderer: Arc<Renderer>,
    /// The ledger's path.
    pub ledger: PathBuf,
    /// The warnings of the setup (also shown by the renderer).
    pub notes: Vec<String>,
    runtime: tokio::runtime::Runtime,
}

impl Setup {
    /// Loads the config, opens the ledger, loads the local models (unless
    /// both routing and the cache are off) and builds the pipeline.
    pub fn new(global: &GlobalArgs, args: &CascadeArgs, options: Options) -> anyhow::Result<Self> {
        Self::build(global, args, options, None)
    }

    /// [`Setup::new`] for another front end (the TUI): the pipeline's
    /// events go to `front` instead of the renderer.
    pub fn with_front(
        global: &GlobalArgs,
        args: &CascadeArgs,
        options: Options,
        front: Arc<dyn EventSink>,
    ) -> anyhow::Result<Self> {
        Self::build(global, args, options, Some(front))
    }

    /// The pipeline alone, for a front end that runs it itself.
    pub fn into_pipeline(self) -> Pipeline {
        self.pipeline
    }

    fn build(
        global: &GlobalArgs,
        args: &CascadeArgs,
        options: Options,
        front: Option<Arc<dyn EventSink>>,
    ) -> anyhow::Result<Self> {
        let config = Arc::new(app::load_config(global)?);
        let root = app::repo_root(global)?;
        anyhow::ensure!(
            root.join(".git").exists(),
            "{} is not inside a git repository; distiq works in one (git init, or pass --repo)",
            root.display()
        );
        let renderer = Arc::new(Renderer::new(args.json));

        let (ledger_sink, spent_today) = open_ledger(&config, &root)?;
        let env = app::process_env();
        let lookup: EnvLookup = Arc::new(move |k: &str| env.get(k).cloned());

        let mut notes = Vec::new();
        let mut note = |message: String| {
            renderer.note(&message);
            notes.push(message);
        };
        let route = !args.pipeline.no_route;
        let cache = !args.pipeline.no_cache && config.cache.enabled;
        let local = if route || cache {
            renderer.busy(if route {
                "loading the local router"
            } else {
                "loading the local embedding model"
            });
            let env = app::process_env();
            match LocalModels::load(&config, |k| env.get(k).cloned(), route) {
                Ok(models) => {
                    for w in &models.warnings {
                        note(format!("warning: router: {w}"));
                    }
                    Some(Arc::new(models))
                }
                Err(e) => {
                    // Degrade: the cascade still works on configured tiers.
                    note(format!(
                        "warning: routing and the semantic cache are off: {e}; every stage runs on its configured tier (--no-route --no-cache silences this)"
                    ));
                    None
                }
            }
        } else {
            None
        };

        let front = front.unwrap_or_else(|| renderer.clone());
        let sinks: Vec<Arc<dyn EventSink>> = vec![front, ledger_sink];
        let sink: Arc<dyn EventSink> = Arc::new(Fanout(sinks));
        let options = Options {
            route,
            cache,
            context_tokens: args.pipeline.context_tokens,
            spent_today,
            ..options
        };
        let ledger = config.ledger.path.clone();
        let pipeline = Pipeline::new(&root, config, lookup, sink, local, options)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        Ok(Self {
            pipeline,
            renderer,
            ledger,
            notes,
            runtime,
        })
    }

    /// Runs `fut` with Ctrl-C cancelling the task (its writes are rolled
    /// back); a failure is also shown by the renderer.
    pub fn block_on<T>(
        &self,
        fut: impl Future<Output = distiq_pipeline::Result<T>>,
    ) -> anyhow::Result<T> {
        let cancel = self.pipeline.cancel_token();
        let result = self.runtime.block_on(async {
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    cancel.cancel();
                }
            });
            fut.await
        });
        result.map_err(|e| {
            let err = anyhow::Error::new(e);
            self.renderer.error(&err);
            err
        })
    }
}

/// The ledger every call is recorded in, and what it says was spent today.
/// A ledger that cannot be opened only matters when a day budget needs it.
fn open_ledger(
    config: &distiq_config::Config,
    root: &std::path::Path,
) -> anyhow::Result<(Arc<dyn EventSink>, Money)> {
    let repo: Option<PathBuf> = root.canonicalize().ok();
    match Ledger::open(&config.ledger.path) {
        Ok(ledger) => {
            let today = ledger.spent_today().unwrap_or(Money::ZERO);
            Ok((Arc::new(LedgerSink::new(ledger, repo)), today))
        }
        Err(e) if config.budget.per_day.is_none() => {
            tracing::warn!(error = %e, "model calls will not be recorded in the ledger");
            Ok((Arc::new(distiq_core::NullSink), Money::ZERO))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "budget.per_day is set, but the ledger {} that says what was spent today cannot be opened",
            config.ledger.path.display()
        ))),
    }
}

/// Sends each event to every sink.
struct Fanout(Vec<Arc<dyn EventSink>>);

impl EventSink for Fanout {
    fn emit(&self, event: &Event) {
        for s in &self.0 {
            s.emit(event);
        }
    }
}
