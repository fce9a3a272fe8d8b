//! A planner's [`CodePlan`] against the repository: the checks run before
//! anything else (paths, which files exist, whether each `old_code` is
//! there), and the direct conversion of a plan that carries exact code into
//! edits, with no model call.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use distiq_core::{ChangeKind, CodePlan, FileAction, FilePlan};

use crate::apply::{FailureReason, apply_one};
use crate::edit::Edit;
use crate::error::{Error, Result};
use crate::matcher::MatchOptions;
use crate::path::RepoPath;

/// One thing wrong with a plan, worded to be sent back to the planner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanProblem {
    /// The file's path as the plan gave it.
    pub path: String,
    /// The change within the file, 1-based, if the problem is about one.
    pub change: Option<usize>,
    /// What is wrong and what would fix it.
    pub message: String,
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.change {
            Some(n) => write!(f, "{}, change {n}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Every problem with `plan` against the repository at `root`, or none.
///
/// Checked: each path is inside the repository (see [`RepoPath`]); modify
/// and delete targets exist and create targets do not; each change's
/// `old_code` (the text to replace or delete, or an insert's anchor) is
/// found exactly once by the same matcher the applier uses. Files listed
/// twice are checked in order, each change against the file as the changes
/// before it leave it. Changes without `old_code` are left for the executor
/// model and not checked.
pub fn check_plan(root: &Path, plan: &CodePlan, options: &MatchOptions) -> Vec<PlanProblem> {
    let mut problems = Vec::new();
    let mut state: HashMap<PathBuf, Option<String>> = HashMap::new();

    for file in &plan.files {
        let problem = |change, message: String| PlanProblem {
            path: file.path.clone(),
            change,
            message,
        };
        let path = match RepoPath::new(root, &file.path) {
            Ok(p) => p,
            Err(Error::Path { reason, .. }) => {
                problems.push(problem(None, reason.to_string()));
                continue;
            }
            Err(e) => {
                problems.push(problem(None, e.to_string()));
                continue;
            }
        };
        let current = match state.get(path.as_path()) {
            Some(c) => c.clone(),
            None => match std::fs::read(path.abs(root)) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => Some(text),
                    Err(_) => {
                        problems.push(problem(None, FailureReason::NotText.to_string()));
                        continue;
                    }
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    problems.push(problem(None, format!("cannot read it: {e}")));
                    continue;
                }
            },
        };

        let next = match (file.action, current) {
            (FileAction::Create, Some(_)) => {
                problems.push(problem(
                    None,
                    "action is create, but the file already exists; use modify".to_owned(),
                ));
                continue;
            }
            (FileAction::Modify | FileAction::Delete, None) => {
                let action = if file.action == FileAction::Modify {
                    "modify"
                } else {
                    "delete"
                };
                problems.push(problem(
                    None,
                    format!("action is {action}, but the file does not exist; check the path, or use create"),
                ));
                continue;
            }
            (FileAction::Create, None) => Some(create_content(file).unwrap_or_default()),
            (FileAction::Delete, Some(_)) => None,
            (FileAction::Modify, Some(mut text)) => {
                for (i, change) in file.changes.iter().enumerate() {
                    let Some(edit) = change_edit(&file.path, change) else {
                        continue;
                    };
                    match apply_one(&edit, Some(&text), options) {
                        Ok((Some(new), _)) => text = new,
                        Ok((None, _)) => {}
                        Err(reason) => problems.push(problem(
                            Some(i + 1),
                            format!(
                                "{} at {:?}: old_code: {reason}",
                                kind_name(change.kind),
                                change.location
                            ),
                        )),
                    }
                }
                Some(text)
            }
        };
        state.insert(path.as_path().to_path_buf(), next);
    }
    problems
}

/// The plan as edits, when every change carries the exact code: replace and
/// delete need `old_code`, replace and insert need `new_code`, a created
/// file's content is the `new_code` of its changes in order.
///
/// # Errors
///
/// [`Error::Plan`] naming every change that lacks exact code (those files
/// need the executor model).
pub fn edits_from_plan(plan: &CodePlan) -> Result<Vec<Edit>> {
    let mut edits = Vec::new();
    let mut problems = Vec::new();
    for file in &plan.files {
        match file_plan_edits(file) {
            Ok(e) => edits.extend(e),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(edits)
    } else {
        Err(Error::Plan { problems })
    }
}

/// One file of a plan as edits (see [`edits_from_plan`]), or what it lacks.
///
/// # Errors
///
/// Every change of the file that lacks exact code.
pub fn file_plan_edits(file: &FilePlan) -> std::result::Result<Vec<Edit>, Vec<PlanProblem>> {
    let path = file.path.clone();
    let problem = |change, message: &str| PlanProblem {
        path: file.path.clone(),
        change,
        message: message.to_owned(),
    };
    match file.action {
        FileAction::Delete => Ok(vec![Edit::Delete { path }]),
        FileAction::Create => match create_content(file) {
            Some(content) => Ok(vec![Edit::Create { path, content }]),
            None => Err(vec![problem(
                None,
                "a created file needs its content as new_code",
            )]),
        },
        FileAction::Modify => {
            if file.changes.is_empty() {
                return Err(vec![problem(
                    None,
                    "action is modify, but there are no changes",
                )]);
            }
            let mut edits = Vec::new();
            let mut problems = Vec::new();
            for (i, change) in file.changes.iter().enumerate() {
                match change_edit(&file.path, change) {
                    Some(e) => edits.push(e),
                    None => problems.push(problem(
                        Some(i + 1),
                        match change.kind {
                            ChangeKind::Replace => "a replace needs old_code and new_code",
                            ChangeKind::Delete => "a delete needs old_code",
                            ChangeKind::Insert => "an insert needs new_code",
                        },
                    )),
                }
            }
            if problems.is_empty() {
                Ok(edits)
            } else {
                Err(problems)
            }
        }
    }
}

/// The edit for one change of a modified file, if it carries exact code.
fn change_edit(path: &str, change: &distiq_core::Change) -> Option<Edit> {
    let old = change.old_code.clone().filter(|c| !c.trim().is_empty());
    let new = change.new_code.clone();
    let path = path.to_owned();
    match change.kind {
        ChangeKind::Replace => Some(Edit::Replace {
            path,
            search: old?,
            replace: new?,
        }),
        ChangeKind::Delete => Some(Edit::Replace {
            path,
            search: old?,
            replace: String::new(),
        }),
        ChangeKind::Insert => Some(Edit::Insert {
            path,
            anchor: old,
            text: new?,
        }),
    }
}

/// A created file's content: the `new_code` of its changes, in order, each
/// on its own lines.
fn create_content(file: &FilePlan) -> Option<String> {
    let parts: Vec<&str> = file
        .changes
        .iter()
        .filter_map(|c| c.new_code.as_deref())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut content = String::new();
    for part in parts {
        if !content.is_empty() && !content.ends_with('\n') {
            content.push('\n');
        }
        content.push_str(part);
    }
    Some(content)
}

fn kind_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Replace => "replace",
        ChangeKind::Insert => "insert",
        ChangeKind::Delete => "delete",
    }
}
