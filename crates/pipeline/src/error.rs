//! The one error type of distiq-pipeline.

use distiq_core::{Money, Stage};

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What stops a task. Every message says what happened and what to do
/// next, and whether the work tree was left as it was.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The next model call could cost more than a budget allows. Nothing
    /// of the task is left applied.
    #[error(
        "stopped before a {stage} call on {model}: it could cost up to {estimate}, and with {spent} spent {scope} that would pass the {limit_name} budget of {limit}; nothing of this task was left applied. Raise `budget.{limit_name}` (or -c budget.{limit_name}=...) to go on"
    )]
    Budget {
        /// The stage about to call.
        stage: Stage,
        /// The model it would call.
        model: String,
        /// `per_task` or `per_day`.
        limit_name: &'static str,
        /// The limit.
        limit: Money,
        /// What was spent against it so far.
        spent: Money,
        /// "on this task" or "today".
        scope: &'static str,
        /// The worst case of the next call.
        estimate: Money,
    },

    /// The planner's plans failed their checks on every model of its chain.
    #[error(
        "the plan could not be carried out, even after {how}; nothing was changed. The last plan's problems:\n{problems}"
    )]
    PlanRejected {
        /// The models tried, in order.
        tried: String,
        /// What was tried, for people: sent back, escalated to whom.
        how: String,
        /// The last plan's problems, one per line.
        problems: String,
    },

    /// The plan given to carry out does not fit the repository as it is
    /// now.
    #[error(
        "the given plan does not fit the repository as it is now; nothing was changed. Plan the task again (`distiq plan --save FILE`). Its problems:\n{problems}"
    )]
    GivenPlanInvalid {
        /// The plan's problems, one per line.
        problems: String,
    },

    /// The executor could not produce edits that apply, on any tier.
    #[error(
        "the edits for the plan could not be applied, even after retrying and escalating to the top tier; nothing was changed:\n{failures}"
    )]
    EditsFailed {
        /// What failed last.
        failures: String,
    },

    /// Validation still failed after the fix loop and a re-plan; the tree
    /// was rolled back.
    #[error(
        "validation still fails after {attempts} fix attempt(s) and a re-plan; the work tree was rolled back to how it was before the task:\n{feedback}"
    )]
    ValidationFailed {
        /// Fix attempts made.
        attempts: u32,
        /// The validator's last feedback.
        feedback: String,
    },

    /// A rollback itself failed: the message names the files to check.
    #[error("could not roll back the task's writes ({cause}): {source}")]
    Rollback {
        /// Why the rollback was needed.
        cause: String,
        /// What stopped it.
        #[source]
        source: distiq_executor::Error,
    },

    /// The user (Ctrl-C) or a deadline cancelled the task; whatever it had
    /// written was rolled back.
    #[error("cancelled; the work tree is as it was before the task")]
    Cancelled,

    /// A file the review would put back was changed after the task wrote
    /// it; nothing was changed.
    #[error(
        "{} changed after distiq wrote it; putting it back would lose that work, so nothing was changed. Accept it, or put it back yourself",
        paths.join(", ")
    )]
    ChangedSinceWritten {
        /// The files changed since.
        paths: Vec<String>,
    },

    /// A model call failed for good.
    #[error(transparent)]
    Llm(#[from] distiq_llm::Error),

    /// Applying, writing, committing, or a refused path or dirty file.
    #[error(transparent)]
    Executor(#[from] distiq_executor::Error),

    /// The repository could not be indexed.
    #[error(transparent)]
    Analyzer(#[from] distiq_analyzer::Error),

    /// The validator could not run.
    #[error(transparent)]
    Validator(#[from] distiq_validator::Error),

    /// The local embedding model could not be used.
    #[error(transparent)]
    Embed(#[from] distiq_embed::Error),

    /// The local router could not be loaded.
    #[error(transparent)]
    Router(#[from] distiq_router::Error),

    /// The semantic cache could not be used.
    #[error(transparent)]
    Cache(#[from] distiq_cache::Error),
}
