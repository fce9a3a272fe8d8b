//! What the cascade keeps of a task: its commit, and its result in the
//! semantic cache.

use distiq_cache::{Dependency, NewEntry};
use distiq_core::{CodePlan, Event, TaskId};
use distiq_embed::Embedding;
use distiq_executor::RepoPath;

use crate::{Pipeline, Result};

/// A result to store in the cache, with the embedding it is found by.
#[derive(Debug, Clone)]
pub(crate) struct CacheEntry {
    pub embedding: Embedding,
    pub entry: NewEntry,
}

impl Pipeline {
    /// Commits `paths` for the task, saying so; `None` when they already
    /// match HEAD.
    pub(crate) fn commit(
        &self,
        task: TaskId,
        paths: &[RepoPath],
        message: &str,
    ) -> Result<Option<String>> {
        let Some(info) = distiq_executor::commit(&self.root, paths, message, task)? else {
            return Ok(None);
        };
        if info.fallback_signature {
            self.emit(Event::Warning {
                message: "git has no user.name/user.email here; the commit is signed distiq <distiq@localhost>".to_owned(),
            });
        }
        self.emit(Event::Committed {
            task_id: task,
            commit: info.id.clone(),
            summary: info.summary.clone(),
            paths: info.paths.clone(),
        });
        Ok(Some(info.id))
    }

    /// The plan's files as they are now: what a cached copy depends on.
    pub(crate) fn dependencies(&self, plan: &CodePlan) -> Vec<Dependency> {
        let mut paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        paths
            .into_iter()
            .filter_map(|p| Dependency::file(&self.root, p).ok())
            .collect()
    }

    /// Stores `entry` in the cache, if there is one; a failure is a warning.
    pub(crate) fn store(&self, entry: CacheEntry) {
        let Some(cache) = &self.cache else {
            return;
        };
        let CacheEntry { embedding, entry } = entry;
        if let Err(e) = cache.insert(entry, &embedding).and_then(|_| cache.flush()) {
            self.emit(Event::Warning {
                message: format!("the result could not be stored in the semantic cache: {e}"),
            });
        }
    }
}

/// The commit message: the plan's summary as the subject, the task in the
/// body (the executor adds the `Distiq-Task` trailer).
pub(crate) fn commit_message(plan: &CodePlan, task: &str) -> String {
    let summary = plan.summary.trim();
    let first = summary.lines().next().unwrap_or("distiq task").trim();
    let subject: String = if first.chars().count() > 72 {
        let cut: String = first.chars().take(71).collect();
        format!("{}…", cut.trim_end())
    } else {
        first.to_owned()
    };
    let subject = if subject.is_empty() {
        "distiq task".to_owned()
    } else {
        subject
    };
    let mut body = String::new();
    if summary.len() > first.len() || first != subject {
        body.push_str(summary);
        body.push_str("\n\n");
    }
    body.push_str("Task: ");
    body.push_str(task.trim());
    format!("{subject}\n\n{body}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commit_subject_is_the_summary_cut_at_72() {
        let plan = CodePlan {
            summary: "Add a --json flag".into(),
            files: vec![],
        };
        assert_eq!(
            commit_message(&plan, "add json output"),
            "Add a --json flag\n\nTask: add json output\n"
        );
        let long = CodePlan {
            summary: "x".repeat(100),
            files: vec![],
        };
        let msg = commit_message(&long, "t");
        let subject = msg.lines().next().unwrap();
        assert!(subject.chars().count() <= 72, "{subject}");
        assert!(msg.contains(&"x".repeat(100)), "{msg}");
    }
}
