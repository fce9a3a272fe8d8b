//! Applying a task's edits in memory: every file's new content is computed
//! before anything is written, so one failing edit writes nothing.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::edit::Edit;
use crate::error::{Error, Result};
use crate::matcher::{self, Match, MatchError, MatchOptions};
use crate::path::RepoPath;

/// One file as a task leaves it: its content before and after (`None`: the
/// file does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file.
    pub path: RepoPath,
    /// Its content before the task, `None` if it did not exist.
    pub before: Option<String>,
    /// Its content after the task, `None` if it is deleted.
    pub after: Option<String>,
}

/// Where one edit landed.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedEdit {
    /// The edit's position in the task's list, 0-based.
    pub index: usize,
    /// The file it touched.
    pub path: RepoPath,
    /// Where its search block (or anchor) matched; `None` for creates,
    /// deletes and inserts at the end of a file.
    pub found: Option<Match>,
}

/// Every file a task changes, computed in memory and not yet written.
#[derive(Debug, Clone, Default)]
pub struct Changeset {
    files: Vec<FileChange>,
    edits: Vec<AppliedEdit>,
}

impl Changeset {
    /// The files whose content changes, in the order the edits first
    /// touched them.
    pub fn files(&self) -> &[FileChange] {
        &self.files
    }

    /// Where each edit landed, in order.
    pub fn edits(&self) -> &[AppliedEdit] {
        &self.edits
    }

    /// The paths of [`Changeset::files`].
    pub fn paths(&self) -> Vec<RepoPath> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }

    /// Whether the edits change nothing.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// A unified diff of every file (`a/` and `b/` prefixes, three lines
    /// of context), for people and for review.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let path = f.path.to_slash();
            let old = f.before.as_deref().unwrap_or("");
            let new = f.after.as_deref().unwrap_or("");
            let a = if f.before.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".to_owned()
            };
            let b = if f.after.is_some() {
                format!("b/{path}")
            } else {
                "/dev/null".to_owned()
            };
            let diff = similar::TextDiff::from_lines(old, new);
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&a, &b)
                    .to_string(),
            );
        }
        out
    }
}

/// Why one edit of a task could not be applied.
#[derive(Debug, Clone, PartialEq)]
pub struct EditFailure {
    /// The edit's position in the task's list, 0-based.
    pub index: usize,
    /// `replace`, `insert`, `create` or `delete`.
    pub kind: &'static str,
    /// The path as the edit gave it.
    pub path: String,
    /// What went wrong.
    pub reason: FailureReason,
}

/// What went wrong with one edit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FailureReason {
    /// The path is refused (outside the repository, in `.git/`, ...).
    #[error("{0}")]
    Path(String),
    /// The search block or anchor did not match exactly one place.
    #[error("{0}")]
    Match(MatchError),
    /// The file to edit or delete does not exist.
    #[error("the file does not exist; to make a new file, use a create edit")]
    Missing,
    /// The file to create exists.
    #[error("the file already exists; change it with replace or insert edits")]
    Exists,
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text; distiq edits text files only")]
    NotText,
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Io(String),
}

impl fmt::Display for EditFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "edit {} ({} {}): {}",
            self.index + 1,
            self.kind,
            self.path,
            self.reason
        )
    }
}

/// One file's state while the edits are applied.
#[derive(Debug)]
struct Slot {
    path: RepoPath,
    before: Option<String>,
    current: Option<String>,
}

/// Applies `edits` to the repository at `root` in memory.
///
/// Every edit is tried, each against the file as the edits before it left
/// it; an edit that fails leaves its file as it was and the rest go on, so
/// that every failure is reported at once.
///
/// # Errors
///
/// [`Error::Edits`] listing every failed edit (nothing is written either
/// way: see [`crate::write`]); [`Error::Io`] if the root cannot be read.
pub fn prepare(root: &Path, edits: &[Edit], options: &MatchOptions) -> Result<Changeset> {
    let mut slots: Vec<Slot> = Vec::new();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    let mut applied = Vec::with_capacity(edits.len());
    let mut failures = Vec::new();

    for (index, edit) in edits.iter().enumerate() {
        let fail = |reason| EditFailure {
            index,
            kind: edit.kind(),
            path: edit.path().to_owned(),
            reason,
        };
        let path = match RepoPath::new(root, edit.path()) {
            Ok(p) => p,
            Err(Error::Path { reason, .. }) => {
                failures.push(fail(FailureReason::Path(reason.to_string())));
                continue;
            }
            Err(e) => {
                failures.push(fail(FailureReason::Io(e.to_string())));
                continue;
            }
        };
        let slot = match by_path.get(path.as_path()) {
            Some(&i) => &mut slots[i],
            None => match read_text(&path.abs(root)) {
                Ok(before) => {
                    by_path.insert(path.as_path().to_path_buf(), slots.len());
                    slots.push(Slot {
                        path: path.clone(),
                        current: before.clone(),
                        before,
                    });
                    let last = slots.len() - 1;
                    &mut slots[last]
                }
                Err(reason) => {
                    failures.push(fail(reason));
                    continue;
                }
            },
        };
        match apply_one(edit, slot.current.as_deref(), options) {
            Ok((next, found)) => {
                slot.current = next;
                applied.push(AppliedEdit { index, path, found });
            }
            Err(reason) => failures.push(fail(reason)),
        }
    }

    if !failures.is_empty() {
        return Err(Error::Edits { failures });
    }
    let files = slots
        .into_iter()
        .filter(|s| s.before != s.current)
        .map(|s| FileChange {
            path: s.path,
            before: s.before,
            after: s.current,
        })
        .collect();
    Ok(Changeset {
        files,
        edits: applied,
    })
}

/// A file's content, `None` if it does not exist.
fn read_text(path: &Path) -> std::result::Result<Option<String>, FailureReason> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| FailureReason::NotText),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FailureReason::Io(e.to_string())),
    }
}

type Outcome = (Option<String>, Option<Match>);

/// One edit against a file's current content (`None`: no such file).
pub(crate) fn apply_one(
    edit: &Edit,
    current: Option<&str>,
    options: &MatchOptions,
) -> std::result::Result<Outcome, FailureReason> {
    match (edit, current) {
        (Edit::Create { content, .. }, None) => Ok((Some(content.clone()), None)),
        (Edit::Create { .. }, Some(_)) => Err(FailureReason::Exists),
        (_, None) => Err(FailureReason::Missing),
        (Edit::Delete { .. }, Some(_)) => Ok((None, None)),
        (
            Edit::Replace {
                search, replace, ..
            },
            Some(text),
        ) => matcher::replace(text, search, replace, options)
            .map(|(new, m)| (Some(new), Some(m)))
            .map_err(FailureReason::Match),
        (
            Edit::Insert {
                anchor, text: new, ..
            },
            Some(text),
        ) => {
            let anchor = anchor.as_deref().filter(|a| !a.trim().is_empty());
            matcher::insert_after(text, anchor, new, options)
                .map(|(new, m)| (Some(new), m))
                .map_err(FailureReason::Match)
        }
    }
}
