//! distiq's cascade: a task goes through the local router, the semantic
//! cache, the analyzer, the planner, the executor, the applier, the
//! validator and git, in that order, at the lowest cost that keeps the
//! quality. This crate composes the others; it emits [`Event`]s and never
//! prints.
//!
//! - **Route** ([`LocalModels`]): one local embedding of the task decides
//!   its kind, complexity and the tier of each stage; the same embedding
//!   looks the task up in the cache. Without the local models every stage
//!   runs on its configured tier and nothing is cached.
//! - **Plan**: the planner (tier from the route; complex and architecture
//!   tasks get the top tier) writes a [`CodePlan`](distiq_core::CodePlan)
//!   through structured output, from the repository map and the code the
//!   analyzer ranks for the task (cached prompt parts, the task last). The
//!   plan is checked before anything runs; a bad plan is sent back once with
//!   the exact problems, then the next model up is asked, then the run stops.
//! - **Execute**: where the plan carries exact code the edits come from it
//!   with no model call; otherwise the cheap tier writes search/replace
//!   edits per file. Edits that do not apply are sent back, then the tier
//!   goes up.
//! - **Apply and validate**: every edit is applied in memory before one
//!   all-or-nothing, journaled write; then the syntax check and the
//!   configured lint and test commands, and with `validate.review` a cheap
//!   model's review of the diff. A failure goes back to the executor
//!   (`validate.max_retries` per tier), then its tier goes up, then the top
//!   tier re-plans once. If it still fails, the task's writes are rolled
//!   back.
//! - **Budget**: before every model call its worst case (estimated prompt
//!   tokens at the input price, `max_tokens` at the output price) is checked
//!   against `budget.per_task` and `budget.per_day`.
//! - **Git**: dirty files the plan would touch stop the run (unless
//!   allowed); success commits the touched files with a `Distiq-Task`
//!   trailer, or leaves them unstaged.
//!
//! ```no_run
//! # async fn demo() -> distiq_pipeline::Result<()> {
//! use std::sync::Arc;
//! use distiq_core::VecSink;
//! use distiq_pipeline::{Options, Pipeline};
//!
//! let root = std::path::Path::new(".");
//! let config = Arc::new(distiq_config::ConfigBuilder::new().repo_root(Some(root.into())).build().unwrap());
//! let env: distiq_llm::EnvLookup = Arc::new(|k: &str| std::env::var(k).ok());
//! let events = Arc::new(VecSink::default());
//! let pipeline = Pipeline::new(root, config, env, events.clone(), None, Options::default())?;
//! let outcome = pipeline.run("rename the `port` option to `listen_port`").await?;
//! println!("{} file(s) changed for {}", outcome.files.len(), outcome.spend.cost);
//! # Ok(()) }
//! ```

mod ask;
mod budget;
mod call;
mod error;
mod estimate;
mod execute;
mod keep;
mod local;
mod plan;
mod prompt;
mod review;
mod run;
mod session;
mod tree;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use distiq_analyzer::{
    ChunkEmbeddings, Context, ContextOptions, IndexOptions, RankOptions, RepoIndex, build_context,
};
use distiq_cache::{Cache, CacheOptions};
use distiq_config::Config;
use distiq_core::{Event, EventSink, Money, Stage, TaskId, Tier};
use distiq_embed::Embedding;
use distiq_llm::{CallContext, EnvLookup, Registry};
use tokio_util::sync::CancellationToken;

pub use ask::{AskOutcome, Fact, Facts};
pub use budget::{Spend, StageSpend, TaskSpend, prompt_tokens, worst_case};
pub use error::{Error, Result};
pub use estimate::{Estimate, FileEstimate};
pub use execute::{FileEdits, FixEdits, NewFile, PathEdit, SearchReplace};
pub use local::LocalModels;
pub use review::Review;
pub use run::{PlanOutcome, RunOutcome};
pub use session::{Pending, PendingFile, ReviewOutcome, RunControl};

/// Logs how long each step of a task took (`-vv`, or
/// `RUST_LOG=distiq_pipeline=debug`), for finding where the overhead is.
#[derive(Debug)]
pub(crate) struct Laps(std::time::Instant);

impl Laps {
    pub fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// Logs the time since the last lap as `step`.
    pub fn lap(&mut self, step: &str) {
        let now = std::time::Instant::now();
        let us = now.duration_since(self.0).as_micros();
        tracing::debug!(step, us, "pipeline step");
        self.0 = now;
    }
}

/// How a pipeline behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Let a task edit files with uncommitted changes (`--allow-dirty`).
    pub allow_dirty: bool,
    /// Commit a successful task (`--no-commit` clears it).
    pub commit: bool,
    /// Route with the local router (`--no-route` clears it: every stage on
    /// its configured tier).
    pub route: bool,
    /// Use the semantic cache (also needs `cache.enabled`).
    pub cache: bool,
    /// The token budget of the repository context sent to the planner;
    /// `None`: `analyze.budget_tokens` from the config.
    pub context_tokens: Option<usize>,
    /// What the ledger says was spent today before this pipeline started,
    /// for `budget.per_day`.
    pub spent_today: Money,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            allow_dirty: false,
            commit: true,
            route: true,
            cache: true,
            context_tokens: None,
            spent_today: Money::ZERO,
        }
    }
}

/// The cascade for one repository. Build one per process; run tasks on it.
pub struct Pipeline {
    root: PathBuf,
    config: Arc<Config>,
    registry: Registry,
    sink: Arc<dyn EventSink>,
    spend: Arc<Spend>,
    local: Option<Arc<LocalModels>>,
    cache: Option<Cache>,
    options: Options,
    /// Cancels what runs without a [`RunControl`] of its own.
    cancel: CancellationToken,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("root", &self.root)
            .field("local", &self.local.is_some())
            .field("cache", &self.cache.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// A pipeline for the git repository at `root`. Keys are read through
    /// `env`; every event goes to `sink` (a front end, the ledger). With
    /// `local` models the tasks are routed and cached; without, every stage
    /// runs on its configured tier and nothing is cached.
    ///
    /// # Errors
    ///
    /// [`Error::Executor`] when `root` cannot be read.
    pub fn new(
        root: &Path,
        config: Arc<Config>,
        env: EnvLookup,
        sink: Arc<dyn EventSink>,
        local: Option<Arc<LocalModels>>,
        options: Options,
    ) -> Result<Self> {
        let root = root.canonicalize().map_err(|source| {
            Error::Executor(distiq_executor::Error::Io {
                path: root.to_path_buf(),
                source,
            })
        })?;
        let spend = Arc::new(Spend::default());
        let tee: Arc<dyn EventSink> = Arc::new(budget::Tee(vec![sink, spend.clone()]));
        let registry = Registry::new(config.clone(), env, tee.clone());
        let cache = match &local {
            Some(_) if options.cache && config.cache.enabled => {
                let c = &config.cache;
                match Cache::open(
                    &root,
                    CacheOptions::new(c.threshold, c.max_entries, c.max_age),
                ) {
                    Ok(cache) => {
                        for w in cache.warnings() {
                            tee.emit(&Event::Warning {
                                message: format!("semantic cache: {w}"),
                            });
                        }
                        Some(cache)
                    }
                    Err(e) => {
                        tee.emit(&Event::Warning {
                            message: format!("the semantic cache is off for this run: {e}"),
                        });
                        None
                    }
                }
            }
            _ => None,
        };
        Ok(Self {
            root,
            config,
            registry,
            sink: tee,
            spend,
            local,
            cache,
            options,
            cancel: CancellationToken::new(),
        })
    }

    /// Cancels the task in progress of [`run`](Self::run),
    /// [`plan`](Self::plan) or [`ask`](Self::ask) (Ctrl-C): model calls
    /// stop, validation commands are killed, and whatever the task wrote is
    /// rolled back. Once cancelled it stays so; a front end that runs many
    /// tasks gives each its own [`RunControl`].
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// The control of a task run without one: the pipeline's token, the
    /// routed tiers, committed at once.
    pub(crate) fn default_control(&self) -> RunControl {
        RunControl {
            cancel: self.cancel.clone(),
            ..RunControl::default()
        }
    }

    /// The repository root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What each task's calls cost so far.
    pub fn spend(&self) -> &Spend {
        &self.spend
    }

    fn emit(&self, event: Event) {
        self.sink.emit(&event);
    }

    fn calls<'a>(
        &'a self,
        task: TaskId,
        ctx: &'a CallContext,
        force_tier: Option<Tier>,
    ) -> call::Calls<'a> {
        call::Calls {
            registry: &self.registry,
            spend: &self.spend,
            guard: budget::Guard {
                limits: self.config.budget,
                spent_today: self.options.spent_today,
            },
            task,
            ctx,
            force_tier,
            sink: &self.sink,
        }
    }

    /// The task's embedding, when the local models are there and something
    /// (routing, the cache) needs it. A failure is a warning: the task goes
    /// on unrouted and uncached.
    fn embed(&self, prompt: &str) -> Option<Embedding> {
        let local = self.local.as_ref()?;
        if !self.options.route && self.cache.is_none() {
            return None;
        }
        match local.embed(prompt) {
            Ok(e) => Some(e),
            Err(e) => {
                self.emit(Event::Warning {
                    message: format!("no routing or caching for this task: {e}"),
                });
                None
            }
        }
    }

    /// The tier of `stage`: the one forced for the task, else the route's,
    /// else the stage's configured one (the stage's `min_tier` floor is
    /// applied when the tier is turned into a model).
    fn tier(
        &self,
        calls: &call::Calls<'_>,
        route: Option<&distiq_core::RouteDecision>,
        stage: Stage,
    ) -> Tier {
        calls
            .force_tier
            .or_else(|| route.and_then(|r| r.tiers.get(&stage).copied()))
            .or_else(|| self.config.stages.get(&stage).map(|s| s.tier))
            .unwrap_or(Tier::Mid)
    }

    /// The repository context for `prompt`, within the context budget
    /// (`[analyze]`): the repository map and the code ranked for the task,
    /// the ranking blended with the local model's similarity to the task's
    /// `embedding` when there is one and `analyze.embed` is on.
    fn context(&self, prompt: &str, embedding: Option<&Embedding>) -> Result<Context> {
        let settings = &self.config.analyze;
        let opts = IndexOptions {
            max_file_size: settings.max_file_bytes,
            ..IndexOptions::default()
        };
        let index = RepoIndex::build(&self.root, &opts)?;
        if let Some(w) = &index.stats().cache_warning {
            self.emit(Event::Warning {
                message: format!("repository index: {w}"),
            });
        }
        let budget = ContextOptions {
            budget: self
                .options
                .context_tokens
                .unwrap_or(usize::try_from(settings.budget_tokens).unwrap_or(usize::MAX)),
            map_percent: settings.map_percent,
            ..ContextOptions::default()
        };
        let blend = match (&self.local, embedding) {
            (Some(local), Some(e)) if settings.embed => Some((
                ChunkEmbeddings::open(
                    local.embedder.clone(),
                    opts.cache.embeddings_path(index.root()),
                ),
                e,
            )),
            _ => None,
        };
        let Some((chunks, task)) = blend else {
            return Ok(build_context(
                &index,
                Some(prompt),
                &budget,
                &RankOptions::default(),
            ));
        };
        let similarity = chunks.similarity(&index, task);
        let rank = RankOptions {
            similarity: Some(&similarity),
            similarity_candidates: usize::try_from(settings.embed_candidates).unwrap_or(usize::MAX),
            ..RankOptions::default()
        };
        let context = build_context(&index, Some(prompt), &budget, &rank);
        if let Some(w) = chunks.save().or(chunks.stats().cache_warning) {
            self.emit(Event::Warning {
                message: format!("chunk embeddings: {w}"),
            });
        }
        Ok(context)
    }

    /// Finishes or rolls back writes a crash interrupted, saying so.
    fn recover(&self) -> Result<()> {
        for r in distiq_executor::recover(&self.root)? {
            let what = match r.outcome {
                distiq_executor::RecoveryOutcome::RolledBack => "rolled back",
                distiq_executor::RecoveryOutcome::Completed => "completed",
            };
            self.emit(Event::Warning {
                message: format!(
                    "an interrupted write of task {} was {what} ({})",
                    r.task,
                    r.paths.join(", ")
                ),
            });
        }
        Ok(())
    }
}
