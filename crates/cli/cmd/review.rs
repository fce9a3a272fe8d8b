//! `distiq review`: local checks, then the cheap tier, then the stronger
//! tier on what the cheap tier flagged. Exit code 1 when a finding reaches
//! `review.fail_on` (the pre-commit hook blocks the commit), 0 otherwise.

use std::io::{self, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use distiq_core::{EventSink, NullSink};
use distiq_ledger::{Ledger, LedgerSink};
use distiq_llm::{CallContext, EnvLookup, Registry};
use distiq_review::{Models, ReviewOptions, Severity, Tally, Target};

use crate::app::{self, GlobalArgs};

/// Flags of `distiq review`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewArgs {
    /// Review what is staged: what `git commit` would record (the
    /// pre-commit hook runs this). Without --staged, --range or PATHS,
    /// every uncommitted change is reviewed (staged, unstaged, untracked).
    #[arg(long, conflicts_with_all = ["range", "paths"])]
    pub staged: bool,

    /// Review the commits of a range: `A..B` (after A, up to B) or `A...B`
    /// (since their merge base), as in `git diff`.
    #[arg(long, value_name = "A..B", conflicts_with = "paths")]
    pub range: Option<String>,

    /// Review these files whole, as they are on disk (a directory: the
    /// tracked files under it).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Run the local checks only; call no model.
    #[arg(long)]
    pub local_only: bool,

    /// Send the model calls through the provider's batch API (Anthropic,
    /// OpenAI: half price, answers within minutes to hours), for CI and
    /// long ranges. Providers without one are called directly.
    #[arg(long, conflicts_with = "local_only")]
    pub batch: bool,

    /// Fail (exit 1) at this severity instead of review.fail_on.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,

    /// Print one JSON object: findings, dropped findings, the model
    /// review's status, calls and cost (micro-dollars), and `failed`.
    #[arg(long)]
    pub json: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::ALL
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("`{s}` is not a severity; use info, warning or error"))
}

/// Runs `distiq review`.
pub fn run(global: &GlobalArgs, args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let config = Arc::new(app::load_config(global)?);
    let dir = app::work_dir(global)?;
    let target = if args.staged {
        // While a hook runs, git points at the index being committed.
        let index_file = std::env::var_os("GIT_INDEX_FILE").map(|p| {
            let p = PathBuf::from(p);
            if p.is_relative() { dir.join(p) } else { p }
        });
        Target::Staged { index_file }
    } else if let Some(spec) = &args.range {
        Target::Range(spec.clone())
    } else if !args.paths.is_empty() {
        Target::Paths(args.paths.clone())
    } else {
        Target::Worktree
    };
    let options = ReviewOptions {
        target,
        local_only: args.local_only,
        batch: args.batch,
        fail_on: args.fail_on,
    };

    let env = app::process_env();
    let lookup: EnvLookup = Arc::new(move |k: &str| env.get(k).cloned());
    let ledger: Arc<dyn EventSink> = if args.local_only {
        Arc::new(NullSink)
    } else {
        open_ledger(&config, &dir)
    };
    let tally = Arc::new(Tally::new(ledger));
    let sink: Arc<dyn EventSink> = tally.clone();
    let registry = Registry::new(config.clone(), lookup.clone(), sink.clone());
    let ctx = CallContext::default();
    let models = Models {
        registry: &registry,
        env: lookup,
        sink,
        ctx: ctx.clone(),
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(async {
        let cancel = ctx.cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
        distiq_review::review(&dir, &config, &options, Some((&models, &tally))).await
    })?;

    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        let color = std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal();
        out.write_all(distiq_review::render::human(&report, color).as_bytes())
    };
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write to stdout")?,
    }
    Ok(if report.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The ledger every model call is recorded in, opened at the first call
/// (a review that calls no model leaves no ledger behind). A ledger that
/// cannot be opened must not block a commit: the calls go unrecorded, with
/// a warning.
struct LazyLedger {
    path: PathBuf,
    repo: Option<PathBuf>,
    sink: std::sync::OnceLock<Option<LedgerSink>>,
}

impl EventSink for LazyLedger {
    fn emit(&self, event: &distiq_core::Event) {
        if !matches!(event, distiq_core::Event::CallFinished(_)) {
            return;
        }
        let sink = self.sink.get_or_init(|| match Ledger::open(&self.path) {
            Ok(ledger) => Some(LedgerSink::new(ledger, self.repo.clone())),
            Err(e) => {
                tracing::warn!(error = %e, "the review's model calls will not be recorded in the ledger");
                None
            }
        });
        if let Some(s) = sink {
            s.emit(event);
        }
    }
}

fn open_ledger(config: &distiq_config::Config, dir: &std::path::Path) -> Arc<dyn EventSink> {
    Arc::new(LazyLedger {
        path: config.ledger.path.clone(),
        repo: distiq_config::find_repo_root(dir).and_then(|r| r.canonicalize().ok()),
        sink: std::sync::OnceLock::new(),
    })
}
