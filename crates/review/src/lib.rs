//! Pre-commit review: catch a bug where it is cheapest, before the commit,
//! and keep the review itself cheap.
//!
//! [`review`] reads the change with git2 ([`Target`]: what is staged, the
//! working tree, a range of commits, or whole files) and judges it in three
//! steps:
//!
//! 1. **Local checks**, free and offline ([`LocalChecks`]): files that do
//!    not parse (tree-sitter, via `distiq_analyzer::syntax`), merge
//!    conflict markers, likely secrets (shown masked, never sent to a
//!    model), files over the size limit, and the configured patterns of
//!    `[review.patterns]` (debug prints, a TODO without an issue).
//! 2. **The cheap tier** reads the diff with its context and returns
//!    structured findings (file, line, severity, message, suggested fix).
//! 3. Its findings at or above `review.escalate_at` go to
//!    `review.confirm_tier`, which **confirms or drops** each one. Dropped
//!    findings are reported as such, never as findings.
//!
//! When the local checks already fail the review, or no provider key is
//! available, no model is called and the [`Report`] says why. Every model
//! call goes through the [`distiq_llm::Registry`]'s sink, so the ledger
//! records it like any other stage; `--batch` uses the providers' batch
//! APIs at half price where they exist. [`hook`] installs the pre-commit
//! hook that runs `distiq review --staged`, chaining the user's own.
//!
//! ```no_run
//! # async fn demo() -> distiq_review::Result<()> {
//! use distiq_review::{ReviewOptions, Target, review};
//!
//! let config = distiq_config::ConfigBuilder::new().build().expect("config");
//! let options = ReviewOptions {
//!     target: Target::Staged { index_file: None },
//!     ..ReviewOptions::default()
//! };
//! // No models: the local checks only.
//! let report = review(std::path::Path::new("."), &config, &options, None).await?;
//! print!("{}", distiq_review::render::human(&report, false));
//! std::process::exit(if report.failed { 1 } else { 0 });
//! # }
//! ```

mod context;
mod diff;
mod error;
pub mod hook;
pub mod local;
mod model;
mod prompt;
pub mod render;
mod report;
mod tally;

use std::collections::BTreeSet;
use std::path::Path;

use distiq_config::Config;
use distiq_core::TaskId;

pub use diff::{ChangedFile, Hunk, Line, Status, Target, collect as collect_changes, open_repo};
pub use error::{Error, Result};
pub use local::LocalChecks;
pub use model::Models;
pub use report::{Check, Dropped, Finding, ModelReview, ModelStatus, Report, Severity};
pub use tally::Tally;

/// What to review and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOptions {
    /// The change under review.
    pub target: Target,
    /// Run the local checks only, whatever models are configured.
    pub local_only: bool,
    /// Send the model calls through the provider's batch API (half price,
    /// answers within hours) where it has one.
    pub batch: bool,
    /// Fail at this severity instead of `review.fail_on`.
    pub fail_on: Option<Severity>,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        Self {
            target: Target::Worktree,
            local_only: false,
            batch: false,
            fail_on: None,
        }
    }
}

/// Reviews the change `options` names in the repository containing `dir`.
/// `models` is `None` when no model may be called; a model review that
/// cannot run (no key) or fails is reported in the [`Report`], not as an
/// error. `tally`, when given, is the sink wrapper that counted the calls,
/// read for the report's call count and cost.
pub async fn review(
    dir: &Path,
    config: &Config,
    options: &ReviewOptions,
    models: Option<(&Models<'_>, &Tally)>,
) -> Result<Report> {
    let settings = &config.review;
    let checks = LocalChecks::new(settings)?;
    let (files, root, tags_cache) = {
        // git2's repository is not Send: read everything before any await.
        let repo = open_repo(dir)?;
        let files = diff::collect(
            &repo,
            &options.target,
            settings.context_lines,
            settings.max_file_bytes,
        )?;
        let cache = repo.path().join("distiq").join("review-tags.bin");
        (files, diff::workdir(&repo)?, cache)
    };
    let mut findings = Vec::new();
    for f in &files {
        findings.extend(checks.check(f));
    }
    let fail_on = options.fail_on.unwrap_or(settings.fail_on);
    let blocked = findings.iter().any(|f| f.severity >= fail_on);
    // A file with a likely secret never goes to a model.
    let secret_files: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.check == Check::Secret)
        .map(|f| f.file.as_str())
        .collect();
    let readable: Vec<&ChangedFile> = files
        .iter()
        .filter(|f| f.text().is_some() && !f.hunks.is_empty())
        .filter(|f| !secret_files.contains(f.path.as_str()))
        .collect();
    let mut notes = Vec::new();
    let mut dropped = Vec::new();
    let model_review = if options.local_only {
        ModelReview::skipped("--local-only")
    } else if files.is_empty() {
        ModelReview::skipped("nothing to review")
    } else if blocked {
        ModelReview::skipped(format!(
            "the local checks already fail the review (review.fail_on = {fail_on}); fix those first"
        ))
    } else if readable.is_empty() {
        ModelReview::skipped("no text changes a model could read")
    } else if let Some((models, tally)) = models {
        let budget = usize::try_from(settings.context_tokens).unwrap_or(usize::MAX);
        let repo_context = if budget == 0 {
            None
        } else {
            match context::repo_context(&root, &tags_cache, &readable, budget) {
                Ok(c) => Some(c),
                Err(e) => {
                    notes.push(format!(
                        "the model saw the diff without repository context: {e}"
                    ));
                    None
                }
            }
        };
        let before = tally.snapshot();
        let outcome = model::review(
            models,
            &readable,
            repo_context.as_deref(),
            options.batch,
            TaskId::new(),
        )
        .await;
        let after = tally.snapshot();
        findings.extend(outcome.findings);
        dropped = outcome.dropped;
        notes.extend(outcome.notes);
        let mut r = outcome.review;
        r.calls = after.0.saturating_sub(before.0);
        r.cost = after.1 - before.1;
        r
    } else {
        ModelReview::skipped("no model available")
    };
    let mut report = Report {
        target: options.target.label(),
        files: files.iter().map(|f| f.path.clone()).collect(),
        findings,
        dropped,
        model_review,
        fail_on,
        failed: false,
        notes,
    };
    report.settle();
    Ok(report)
}
