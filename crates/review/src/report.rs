//! What a review found, in the shape `--json` prints and people read.

use distiq_core::Money;
use serde::Serialize;

pub use distiq_config::FindingSeverity as Severity;

/// Which check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The file does not parse (tree-sitter).
    Syntax,
    /// A merge conflict marker was left in.
    ConflictMarker,
    /// Something that looks like a credential.
    Secret,
    /// The file is over the size limit.
    LargeFile,
    /// A configured pattern (`rule` names it).
    Pattern,
    /// The model review.
    Model,
}

impl Check {
    /// The name shown to people and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Syntax => "syntax",
            Check::ConflictMarker => "conflict_marker",
            Check::Secret => "secret",
            Check::LargeFile => "large_file",
            Check::Pattern => "pattern",
            Check::Model => "model",
        }
    }

    /// Whether the check runs locally, offline and free.
    pub fn is_local(self) -> bool {
        self != Check::Model
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, relative to the repository root, `/`-separated.
    pub file: String,
    /// 1-based line in the new version of the file, when the finding has one.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// How serious it is.
    pub severity: Severity,
    /// The check that found it.
    pub check: Check,
    /// Which rule of the check: the pattern's name, the kind of secret.
    pub rule: Option<String>,
    /// What is wrong. Never contains a secret: secrets are shown masked.
    pub message: String,
    /// How to fix it, when the check or the model says.
    pub suggested_fix: Option<String>,
    /// The model that reported it (model findings only).
    pub model: Option<String>,
    /// The stronger model that confirmed it, if it was escalated.
    pub confirmed_by: Option<String>,
}

impl Finding {
    /// A finding of a local check.
    pub(crate) fn local(
        file: &str,
        line: Option<u32>,
        severity: Severity,
        check: Check,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            line,
            column: None,
            severity,
            check,
            rule: None,
            message: message.into(),
            suggested_fix: None,
            model: None,
            confirmed_by: None,
        }
    }

    #[must_use]
    pub(crate) fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    #[must_use]
    pub(crate) fn column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }

    #[must_use]
    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.suggested_fix = Some(fix.into());
        self
    }
}

/// A cheap-tier finding the stronger tier did not confirm. Reported in
/// `--json` for transparency; never shown as a finding, never fails a
/// review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// The finding as the cheap tier reported it.
    pub finding: Finding,
    /// The model that dropped it.
    pub dropped_by: String,
    /// Why, in its words.
    pub reason: String,
}

/// Whether the model review ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// It ran; its findings are in the report.
    Ran,
    /// It did not run (`reason` says why); only local checks count.
    Skipped,
    /// It was attempted and failed (`reason` says how); only local checks
    /// count.
    Failed,
}

/// How the model review went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelReview {
    /// Ran, skipped or failed.
    pub status: ModelStatus,
    /// Why it was skipped or how it failed.
    pub reason: Option<String>,
    /// The model of the first pass (the review stage's tier).
    pub reviewer: Option<String>,
    /// The model that confirmed or dropped escalated findings.
    pub confirmer: Option<String>,
    /// Whether the provider's batch API served the calls (`--batch`).
    pub batch: bool,
    /// Model calls made (every one is in the ledger).
    pub calls: u32,
    /// What they cost, in micro-dollars.
    pub cost: Money,
}

impl ModelReview {
    /// A review that did not run, and why.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Self {
            status: ModelStatus::Skipped,
            reason: Some(reason.into()),
            reviewer: None,
            confirmer: None,
            batch: false,
            calls: 0,
            cost: Money::ZERO,
        }
    }
}

/// Everything a review found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What was reviewed: `staged`, `worktree`, `A..B`, `paths`.
    pub target: String,
    /// The files reviewed, relative to the repository root.
    pub files: Vec<String>,
    /// The findings that stand, by file and line.
    pub findings: Vec<Finding>,
    /// Cheap-tier findings the stronger tier dropped.
    pub dropped: Vec<Dropped>,
    /// How the model review went.
    pub model_review: ModelReview,
    /// The severity that fails the review.
    pub fail_on: Severity,
    /// Whether a finding reached `fail_on`.
    pub failed: bool,
    /// Things worth knowing that are not findings (a fallback taken, a
    /// file skipped).
    pub notes: Vec<String>,
}

impl Report {
    /// Sorts the findings by file, line and check, and decides `failed`.
    pub(crate) fn settle(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.check).cmp(&(&b.file, b.line, b.column, b.check))
        });
        self.findings.dedup();
        self.failed = self.findings.iter().any(|f| f.severity >= self.fail_on);
    }

    /// How many findings there are of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}
