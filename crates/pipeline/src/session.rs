//! What a front end that runs many tasks needs (the TUI): each task with its
//! own cancellation and, if the user asked, a forced tier; and a validated
//! change held back for review, file by file, before it is committed.

use std::collections::BTreeMap;

use distiq_core::{CodePlan, Event, FileDelta, Task, Tier};
use distiq_executor::RepoPath;
use distiq_llm::CallContext;
use tokio_util::sync::CancellationToken;

use crate::keep::CacheEntry;
use crate::tree::Tree;
use crate::{Error, Pipeline, Result};

/// How one task runs, beyond the pipeline's [`Options`](crate::Options).
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    /// Cancels this task (Ctrl-C): model calls stop, validation commands
    /// are killed, and whatever the task wrote is rolled back. Give every
    /// task a fresh one: a cancelled token stays cancelled.
    pub cancel: CancellationToken,
    /// Every stage of the task on this tier instead of the routed one (the
    /// stages' `min_tier` floors still apply); `None`: as routed.
    pub force_tier: Option<Tier>,
    /// Leave the validated change uncommitted in the work tree, as
    /// [`RunOutcome::pending`](crate::RunOutcome::pending), for
    /// [`Pipeline::finish_review`].
    pub review: bool,
    /// A plan to carry out instead of asking the planner (`distiq run
    /// --plan FILE`, from `distiq plan --save FILE`): checked against the
    /// repository as it is now like any plan, and not stored in the cache.
    pub plan: Option<CodePlan>,
}

impl RunControl {
    pub(crate) fn call_context(&self) -> CallContext {
        CallContext {
            cancel: self.cancel.clone(),
            ..CallContext::default()
        }
    }
}

/// One file of a change awaiting review.
#[derive(Debug, Clone)]
pub struct PendingFile {
    /// The path, what happened to it and the lines added and removed.
    pub delta: FileDelta,
    /// A unified diff (`a/`, `b/` headers; `/dev/null` for a created or
    /// deleted file) against before the task.
    pub diff: String,
}

/// A task's validated change, written to the work tree and not committed,
/// until [`Pipeline::finish_review`] keeps or puts back each file.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The task.
    pub task: Task,
    /// Each changed file, in path order.
    pub files: Vec<PendingFile>,
    /// The commit message the accepted files get.
    pub message: String,
    tree: Tree,
    /// What the task left in each changed file, to notice a file changed
    /// since.
    written: BTreeMap<String, Option<String>>,
    cache: Option<CacheEntry>,
}

impl Pending {
    pub(crate) fn new(task: Task, tree: Tree, message: String, cache: Option<CacheEntry>) -> Self {
        let mut files = Vec::new();
        let mut written = BTreeMap::new();
        for (delta, diff, now) in tree.changes() {
            written.insert(delta.path.clone(), now);
            files.push(PendingFile { delta, diff });
        }
        Self {
            task,
            files,
            message,
            tree,
            written,
            cache,
        }
    }

    /// The paths of the changed files.
    pub fn paths(&self) -> Vec<String> {
        self.files.iter().map(|f| f.delta.path.clone()).collect()
    }
}

/// What [`Pipeline::finish_review`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewOutcome {
    /// The commit of the accepted files, unless none were accepted or the
    /// pipeline does not commit.
    pub commit: Option<String>,
    /// The files kept as the task wrote them.
    pub kept: Vec<String>,
    /// The files put back as they were before the task.
    pub reverted: Vec<String>,
}

impl Pipeline {
    /// Ends the review of `pending`: the files in `accepted` stay as the
    /// task wrote them and are committed (unless the pipeline was built
    /// with `commit` off); every other file of the change is put back as
    /// it was before the task, through the journal. The cache keeps the
    /// task's plan only when every file was accepted.
    ///
    /// # Errors
    ///
    /// [`Error::ChangedSinceWritten`], changing nothing, when a file to put
    /// back was changed after the task wrote it (putting it back would lose
    /// that work); [`Error::Executor`] when a write or the commit fails.
    pub fn finish_review(&self, pending: Pending, accepted: &[String]) -> Result<ReviewOutcome> {
        let Pending {
            task,
            files,
            message,
            mut tree,
            written,
            cache,
        } = pending;
        let (kept, reverted): (Vec<String>, Vec<String>) = files
            .into_iter()
            .map(|f| f.delta.path)
            .partition(|p| accepted.contains(p));
        let now = tree.current();
        let changed: Vec<String> = reverted
            .iter()
            .filter(|p| now.get(*p) != written.get(*p))
            .cloned()
            .collect();
        if !changed.is_empty() {
            return Err(Error::ChangedSinceWritten { paths: changed });
        }
        if !reverted.is_empty() {
            tree.rollback_only(&reverted)?;
            self.emit(Event::RolledBack {
                task_id: task.id,
                paths: reverted.clone(),
                reason: "rejected in review".to_owned(),
            });
        }
        let mut outcome = ReviewOutcome {
            commit: None,
            kept,
            reverted,
        };
        if self.options.commit && !outcome.kept.is_empty() {
            let paths = outcome
                .kept
                .iter()
                .map(|p| RepoPath::new(&self.root, p))
                .collect::<distiq_executor::Result<Vec<_>>>()?;
            outcome.commit = self.commit(task.id, &paths, &message)?;
        }
        tree.keep();
        if outcome.reverted.is_empty()
            && let Some(entry) = cache
        {
            self.store(entry);
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>(_: &T) {}

    /// A front end shares the pipeline with the task it spawns on a
    /// multi-threaded runtime.
    #[allow(dead_code, clippy::let_underscore_future)]
    fn a_pipeline_and_its_tasks_can_move_across_threads(p: &'static Pipeline) {
        send_sync(p);
        let control = RunControl::default();
        let _ = tokio::spawn(async move { p.run_with("x", &control).await.map(|_| ()) });
    }
}
