use std::path::PathBuf;

use crate::apply::EditFailure;
use crate::plan::PlanProblem;

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// What can stop edits from being applied, written, committed or undone.
///
/// Every message names the path or the commit involved and says what to do
/// next; the `Display` of a variant is meant to be shown to the user (or,
/// for [`Error::Edits`] and [`Error::Plan`], sent back to a model).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path from a plan or an edit would leave the repository.
    #[error("{path}: {reason}")]
    Path {
        /// The path as given.
        path: String,
        /// Why it is refused.
        reason: PathRejection,
    },

    /// One or more edits of a task could not be applied; nothing was
    /// written. Each failure names the edit, its file and what went wrong
    /// (for a search that did not match: the closest lines in the file).
    #[error("{} edit(s) could not be applied; nothing was written:\n{}", failures.len(), join(failures))]
    Edits {
        /// Every edit that failed, in the order given.
        failures: Vec<EditFailure>,
    },

    /// A plan cannot be carried out as it stands.
    #[error("the plan has {} problem(s):\n{}", problems.len(), join(problems))]
    Plan {
        /// Every problem found.
        problems: Vec<PlanProblem>,
    },

    /// Files the task would touch have uncommitted changes.
    #[error(
        "uncommitted changes in {}; commit or stash them first, or pass --allow-dirty to let distiq edit them (their current content would be committed with the task)",
        paths.join(", ")
    )]
    Dirty {
        /// The dirty paths, relative to the repository root.
        paths: Vec<String>,
    },

    /// The directory is not inside a git repository.
    #[error("{} is not a git repository; run distiq inside one (or pass --repo)", path.display())]
    NotARepo {
        /// Where distiq looked.
        path: PathBuf,
    },

    /// HEAD is detached, so a commit would belong to no branch.
    #[error(
        "HEAD is detached (at {head}); check out a branch before distiq commits, or pass --no-commit"
    )]
    DetachedHead {
        /// The commit HEAD points at.
        head: String,
    },

    /// `undo` refused: HEAD is not something distiq may revert.
    #[error("nothing undone: {reason}")]
    Undo {
        /// Why, and what to do.
        reason: String,
    },

    /// A leftover journal could not be recovered without risking the
    /// user's work; it was left in place.
    #[error(
        "journal {}: {reason}; the journal and its backups were left in place, resolve by hand and remove it",
        journal.display()
    )]
    Recovery {
        /// The journal file.
        journal: PathBuf,
        /// What is in the way.
        reason: String,
    },

    /// A git operation failed.
    #[error("git: {what}: {message}")]
    Git {
        /// What distiq was doing.
        what: String,
        /// libgit2's message.
        message: String,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A journal file could not be read or written as JSON.
    #[error("journal {}: {source}", path.display())]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathRejection {
    /// The path is empty or only `.`.
    #[error("empty path; give a file path relative to the repository root")]
    Empty,
    /// The path is absolute.
    #[error("absolute paths are refused; give a path relative to the repository root")]
    Absolute,
    /// The path has a `..` component.
    #[error("`..` is refused; give a path inside the repository, relative to its root")]
    ParentDir,
    /// The path goes through `.git/`.
    #[error("paths inside .git/ are refused: distiq never edits git's own files")]
    GitDir,
    /// The path goes through `.distiq/`, distiq's own state.
    #[error("paths inside .distiq/ are refused: it holds distiq's own state")]
    DistiqDir,
    /// A symlink on the way leads outside the repository.
    #[error("a symlink leads outside the repository (to {})", target.display())]
    SymlinkOutside {
        /// Where the symlink leads.
        target: PathBuf,
    },
    /// A symlink on the way points at nothing, so where it leads cannot be
    /// checked.
    #[error("a symlink on the way points to {}, which does not exist", target.display())]
    BrokenSymlink {
        /// What the symlink says.
        target: PathBuf,
    },
    /// A component on the way is a file, not a directory.
    #[error("{} is a file, not a directory", component.display())]
    NotADirectory {
        /// The component that is a file.
        component: PathBuf,
    },
    /// The target is a directory, not a file.
    #[error("it is a directory, not a file")]
    IsADirectory,
}

impl Error {
    /// A git failure while doing `what`.
    pub(crate) fn git(what: impl Into<String>, err: &git2::Error) -> Self {
        Error::Git {
            what: what.into(),
            message: err.message().to_owned(),
        }
    }

    /// An I/O failure on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A refused path.
    pub(crate) fn path(path: impl Into<String>, reason: PathRejection) -> Self {
        Error::Path {
            path: path.into(),
            reason,
        }
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| format!("- {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}
