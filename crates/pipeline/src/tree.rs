//! The work tree as one task changes it: every write goes through the
//! executor crate's journal (all-or-nothing, crash-safe), and the content
//! each file had before the task is kept, so that a task that fails after
//! writing puts every file back (itself through the journal).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use distiq_core::{FileAction, FileDelta, TaskId};
use distiq_executor::{Changeset, Edit, MatchOptions, RepoPath, prepare, write};

/// The files one task has written, and how they were before.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    root: PathBuf,
    task: TaskId,
    /// Each written path's content before the task (`None`: it did not
    /// exist).
    originals: BTreeMap<String, Option<String>>,
    /// Directories the task's new files needed, outermost first.
    created_dirs: Vec<PathBuf>,
}

impl Tree {
    pub fn new(root: &Path, task: TaskId) -> Self {
        Self {
            root: root.to_path_buf(),
            task,
            originals: BTreeMap::new(),
            created_dirs: Vec::new(),
        }
    }

    /// Writes `changes` all-or-nothing, remembering what each file was
    /// before the task. What this write did, per file.
    pub fn write(&mut self, changes: &Changeset) -> distiq_executor::Result<Vec<FileDelta>> {
        for f in changes.files() {
            let rel = f.path.to_slash();
            if !self.originals.contains_key(&rel) {
                self.originals.insert(rel.clone(), f.before.clone());
                let mut missing = Vec::new();
                let mut dir = f.path.abs(&self.root);
                while let Some(parent) = dir.parent().map(Path::to_path_buf) {
                    if parent.exists() || !parent.starts_with(&self.root) {
                        break;
                    }
                    missing.push(parent.clone());
                    dir = parent;
                }
                missing.reverse();
                for d in missing {
                    if !self.created_dirs.contains(&d) {
                        self.created_dirs.push(d);
                    }
                }
            }
        }
        write(&self.root, self.task, changes)?;
        Ok(changes
            .files()
            .iter()
            .map(|f| delta(f.path.to_slash(), f.before.as_deref(), f.after.as_deref()))
            .collect())
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.originals.is_empty()
    }

    /// The written paths, relative to the root.
    pub fn touched(&self) -> Vec<String> {
        self.originals.keys().cloned().collect()
    }

    /// The written paths as the validator takes them.
    pub fn touched_paths(&self) -> Vec<PathBuf> {
        self.originals.keys().map(PathBuf::from).collect()
    }

    /// The written paths, checked again against the repository.
    pub fn repo_paths(&self) -> distiq_executor::Result<Vec<RepoPath>> {
        self.originals
            .keys()
            .map(|p| RepoPath::new(&self.root, p))
            .collect()
    }

    /// Each written file's content before the task and now (one read).
    fn before_and_now(&self) -> impl Iterator<Item = (&str, Option<&str>, Option<String>)> {
        self.originals.iter().map(|(path, before)| {
            let now = std::fs::read_to_string(self.root.join(path)).ok();
            (path.as_str(), before.as_deref(), now)
        })
    }

    /// Each written file now against before the task; files written back
    /// to what they were are left out.
    pub fn deltas(&self) -> Vec<FileDelta> {
        self.before_and_now()
            .map(|(path, before, now)| delta(path.to_owned(), before, now.as_deref()))
            .filter(changed)
            .collect()
    }

    /// A unified diff of every written file against before the task.
    pub fn diff(&self) -> String {
        self.before_and_now()
            .map(|(path, before, now)| unified_diff(path, before, now.as_deref()))
            .collect()
    }

    /// What [`deltas`](Self::deltas) gives, each with its unified diff and
    /// the file's content now.
    pub fn changes(&self) -> Vec<(FileDelta, String, Option<String>)> {
        self.before_and_now()
            .map(|(path, before, now)| {
                let d = delta(path.to_owned(), before, now.as_deref());
                let diff = unified_diff(path, before, now.as_deref());
                (d, diff, now)
            })
            .filter(|(d, _, _)| changed(d))
            .collect()
    }

    /// Puts every written file back as it was before the task, through the
    /// journal (a crash during the rollback is recovered like any write),
    /// and removes the directories the task created if they are empty.
    /// The paths put back.
    pub fn rollback(&mut self) -> distiq_executor::Result<Vec<String>> {
        if self.originals.is_empty() {
            return Ok(Vec::new());
        }
        let mut edits = Vec::new();
        for (path, before) in &self.originals {
            let exists = self.root.join(path).exists();
            if exists {
                edits.push(Edit::Delete { path: path.clone() });
            }
            if let Some(content) = before {
                edits.push(Edit::Create {
                    path: path.clone(),
                    content: content.clone(),
                });
            }
        }
        let changes = prepare(&self.root, &edits, &MatchOptions::default())?;
        write(&self.root, self.task, &changes)?;
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        let paths = self.touched();
        self.originals.clear();
        self.created_dirs.clear();
        Ok(paths)
    }

    /// Puts `paths` (of those written) back as they were before the task,
    /// through the journal, and forgets them; the others stay written.
    pub fn rollback_only(&mut self, paths: &[String]) -> distiq_executor::Result<()> {
        let mut rest = std::mem::take(&mut self.originals);
        let dirs = self.created_dirs.clone();
        self.originals = paths.iter().filter_map(|p| rest.remove_entry(p)).collect();
        let result = self.rollback();
        // Directories still holding accepted files are not empty, so the
        // rollback left them; keep tracking them with those files.
        self.originals = rest;
        self.created_dirs = dirs;
        result.map(|_| ())
    }

    /// What each written file holds now (`None`: it does not exist).
    pub fn current(&self) -> BTreeMap<String, Option<String>> {
        self.originals
            .keys()
            .map(|p| (p.clone(), std::fs::read_to_string(self.root.join(p)).ok()))
            .collect()
    }

    /// Forgets the writes: they are the task's result now.
    pub fn keep(&mut self) {
        self.originals.clear();
        self.created_dirs.clear();
    }
}

/// A unified diff of `path` from `before` to `now` (`None`: the file does
/// not exist).
fn unified_diff(path: &str, before: Option<&str>, now: Option<&str>) -> String {
    let side = |content: Option<&str>, prefix: &str| match content {
        Some(_) => format!("{prefix}/{path}"),
        None => "/dev/null".to_owned(),
    };
    similar::TextDiff::from_lines(before.unwrap_or(""), now.unwrap_or(""))
        .unified_diff()
        .context_radius(3)
        .header(&side(before, "a"), &side(now, "b"))
        .to_string()
}

/// Whether a delta changed anything: a file written back as it was did not.
fn changed(d: &FileDelta) -> bool {
    d.added > 0 || d.removed > 0 || d.action != FileAction::Modify
}

/// Lines added and removed between two versions of a file.
pub(crate) fn delta(path: String, before: Option<&str>, after: Option<&str>) -> FileDelta {
    let action = match (before, after) {
        (None, _) => FileAction::Create,
        (Some(_), None) => FileAction::Delete,
        (Some(_), Some(_)) => FileAction::Modify,
    };
    let diff = similar::TextDiff::from_lines(before.unwrap_or(""), after.unwrap_or(""));
    let (mut added, mut removed) = (0u32, 0u32);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    FileDelta {
        path,
        action,
        added,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_count_lines_and_name_the_action() {
        let d = delta("a".into(), Some("x\ny\n"), Some("x\nz\nw\n"));
        assert_eq!((d.action, d.added, d.removed), (FileAction::Modify, 2, 1));
        let d = delta("b".into(), None, Some("1\n2\n"));
        assert_eq!((d.action, d.added, d.removed), (FileAction::Create, 2, 0));
        let d = delta("c".into(), Some("1\n"), None);
        assert_eq!((d.action, d.removed), (FileAction::Delete, 1));
    }
}
