//! Applying a task's edits to a repository, safely.
//!
//! This crate is the part of distiq's cascade that touches the user's
//! files. It does not call models; it takes edits (from the executor
//! stage's structured output, or straight from a plan that carries exact
//! code) and:
//!
//! - confines every path to the repository ([`RepoPath`]: no absolute
//!   paths, no `..`, nothing in `.git/`, no symlink leading out);
//! - checks a planner's [`CodePlan`](distiq_core::CodePlan) against the
//!   repository and reports every problem at once ([`check_plan`]);
//! - finds each search block level by level (exact, whitespace-tolerant,
//!   re-indented, fuzzy), refuses ambiguous matches, and names the closest
//!   lines when nothing matches ([`find`], [`replace`]);
//! - computes every file's new content in memory ([`prepare`]) and writes
//!   them all-or-nothing through a journal ([`write`]) that [`recover`]
//!   rolls back or completes after a crash;
//! - keeps off files with uncommitted changes ([`check_clean`]), commits
//!   exactly the touched paths with a `Distiq-Task` trailer ([`commit`]),
//!   and reverts distiq's last commit ([`undo`]).
//!
//! [`apply_task`] does the whole sequence for one task.
//!
//! ```no_run
//! use distiq_core::TaskId;
//! use distiq_executor::{ApplyOptions, Edit, apply_task, recover};
//!
//! # fn main() -> distiq_executor::Result<()> {
//! let root = std::path::Path::new(".");
//! recover(root)?; // finish or undo a write a crash interrupted
//! let edits = vec![Edit::Replace {
//!     path: "src/main.rs".into(),
//!     search: "let port = 8080;\n".into(),
//!     replace: "let port = 8081;\n".into(),
//! }];
//! let options = ApplyOptions {
//!     commit_message: Some("Move the server to port 8081".into()),
//!     ..ApplyOptions::default()
//! };
//! let applied = apply_task(root, TaskId::new(), &edits, &options)?;
//! assert_eq!(applied.changes.files().len(), 1);
//! # Ok(())
//! # }
//! ```

mod apply;
mod edit;
mod error;
mod fuzzy;
mod git;
mod journal;
mod matcher;
mod path;
mod plan;
mod text;

use std::path::Path;

use distiq_core::TaskId;

pub use apply::{AppliedEdit, Changeset, EditFailure, FailureReason, FileChange, prepare};
pub use edit::Edit;
pub use error::{Error, PathRejection, Result};
pub use git::{
    CommitInfo, FALLBACK_EMAIL, FALLBACK_NAME, TASK_TRAILER, Undone, check_clean, commit,
    dirty_paths, ensure_excluded, signature, task_of, undo,
};
pub use journal::{JOURNAL_DIR, Recovered, RecoveryOutcome, recover, write};
pub use matcher::{
    ClosestLines, Match, MatchError, MatchLevel, MatchOptions, find, insert_after, replace,
};
pub use path::RepoPath;
pub use plan::{PlanProblem, check_plan, edits_from_plan, file_plan_edits};

/// How [`apply_task`] behaves.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// How tolerant the matcher is.
    pub matching: MatchOptions,
    /// Let the task edit files that have uncommitted changes (`--allow-dirty`).
    pub allow_dirty: bool,
    /// Commit the touched paths with this message; `None` leaves the
    /// changes in the work tree (`--no-commit`).
    pub commit_message: Option<String>,
}

/// What [`apply_task`] did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The files written, with their old and new content.
    pub changes: Changeset,
    /// Dirty files the task was allowed to touch (`allow_dirty`).
    pub allowed_dirty: Vec<String>,
    /// The commit, if one was asked for and anything changed.
    pub commit: Option<CommitInfo>,
}

/// Applies one task's edits to the git repository at `root`: refuses dirty
/// targets (unless allowed), computes every file in memory, writes them
/// all-or-nothing, and commits the touched paths if asked.
///
/// Call [`recover`] before the first task of a process.
///
/// # Errors
///
/// [`Error::Path`] for a path outside the repository, [`Error::Dirty`],
/// [`Error::Edits`] (nothing written), and the errors of [`write`] and
/// [`commit`]. A failed commit leaves the written files in the work tree.
pub fn apply_task(
    root: &Path,
    task: TaskId,
    edits: &[Edit],
    options: &ApplyOptions,
) -> Result<Applied> {
    let targets = edits
        .iter()
        .map(|e| RepoPath::new(root, e.path()))
        .collect::<Result<Vec<_>>>()?;
    let allowed_dirty = check_clean(root, &targets, options.allow_dirty)?;
    let changes = prepare(root, edits, &options.matching)?;
    write(root, task, &changes)?;
    let commit = match &options.commit_message {
        Some(message) if !changes.is_empty() => commit(root, &changes.paths(), message, task)?,
        _ => None,
    };
    Ok(Applied {
        changes,
        allowed_dirty,
        commit,
    })
}
