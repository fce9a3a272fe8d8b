//! The executor stage: a plan becomes edits. Where the plan carries exact
//! old and new code the edits are taken from it with no model call;
//! otherwise the executor model (the cheap tier) writes search/replace
//! edits for one file at a time. Edits that do not apply are sent back with
//! the applier's errors (`validate.max_retries` times), then the tier goes
//! up. The same ladder serves the fixes after a failed validation. The
//! tier never goes down.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use distiq_core::{CodePlan, Event, FileAction, FilePlan, ModelRef, Stage, Tier};
use distiq_executor::{Changeset, Edit, MatchOptions, file_plan_edits, prepare};
use distiq_llm::{ChatRequest, Part, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::call::{Calls, escalates};
use crate::prompt::{self, CREATOR, EXECUTOR, FIXER};
use crate::{Error, Result};

/// The executor model's edits to one file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileEdits {
    /// The edits, applied in order.
    pub edits: Vec<SearchReplace>,
}

/// One search/replace edit to a file the model was shown.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchReplace {
    /// The exact lines as they are in the file now.
    pub search: String,
    /// What those lines become.
    pub replace: String,
}

/// The executor model's content for a new file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFile {
    /// The whole file.
    pub content: String,
}

/// The executor model's fixes after a failed validation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixEdits {
    /// The edits, applied in order.
    pub edits: Vec<PathEdit>,
}

/// A search/replace edit to one of the files shown.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathEdit {
    /// The file, exactly as shown.
    pub path: String,
    /// The exact lines as they are in the file now.
    pub search: String,
    /// What those lines become.
    pub replace: String,
}

/// The executor's ladder: the models of the execute stage's chain, and the
/// rung it stands on.
#[derive(Debug)]
pub(crate) struct Executor {
    root: PathBuf,
    chain: Vec<(ModelRef, Tier)>,
    pos: usize,
    /// Fix attempts made on the current rung.
    fixes_here: u32,
    /// Retries a rung gets before the tier goes up.
    max_retries: u32,
    /// Models announced with `StageStarted`.
    started: BTreeSet<ModelRef>,
    /// Model calls made for edits (not counting plans carried out directly).
    pub model_calls: u32,
}

impl Executor {
    pub fn new(root: &Path, chain: Vec<(ModelRef, Tier)>, max_retries: u32) -> Self {
        Self {
            root: root.to_path_buf(),
            chain,
            pos: 0,
            fixes_here: 0,
            max_retries,
            started: BTreeSet::new(),
            model_calls: 0,
        }
    }

    fn rung(&self) -> Option<(ModelRef, Tier)> {
        self.chain.get(self.pos).cloned()
    }

    /// Moves one rung up, announcing it; `false` at the top.
    fn climb(&mut self, calls: &Calls<'_>, reason: &str) -> bool {
        let Some((from, _)) = self.rung() else {
            return false;
        };
        let Some((to, _)) = self.chain.get(self.pos + 1).cloned() else {
            return false;
        };
        calls.emit(Event::Escalated {
            stage: Stage::Execute,
            from,
            to,
            reason: reason.to_owned(),
        });
        self.pos += 1;
        self.fixes_here = 0;
        true
    }

    /// Stands on the top rung from now on (after a re-plan by the top tier).
    pub fn climb_to_top(&mut self) {
        self.pos = self.chain.len().saturating_sub(1);
        self.fixes_here = 0;
    }

    fn announce(&mut self, calls: &Calls<'_>, model: &ModelRef, tier: Tier) {
        if self.started.insert(model.clone()) {
            calls.emit(Event::StageStarted {
                stage: Stage::Execute,
                tier,
                model: model.clone(),
            });
        }
    }

    fn request(calls: &Calls<'_>, tier: Tier, system: &'static str) -> ChatRequest {
        let (_, req) = calls.registry.request(Stage::Execute, tier);
        req.system(Part::cached(system))
    }

    /// The plan's edits, all of which apply in memory to the repository as
    /// it is now (nothing is written here).
    pub async fn edits_for_plan(
        &mut self,
        calls: &Calls<'_>,
        plan: &CodePlan,
        task: &str,
    ) -> Result<(Vec<Edit>, Changeset)> {
        let mut all: Vec<Edit> = Vec::new();
        for file in &plan.files {
            match file_plan_edits(file) {
                Ok(edits) => all.extend(edits),
                Err(_) => {
                    let edits = self.model_edits(calls, plan, file, &all, task).await?;
                    all.extend(edits);
                }
            }
        }
        let changes = prepare(&self.root, &all, &MatchOptions::default()).map_err(|e| match e {
            distiq_executor::Error::Edits { .. } => Error::EditsFailed {
                failures: e.to_string(),
            },
            other => Error::Executor(other),
        })?;
        Ok((all, changes))
    }

    /// Edits for one file from the executor model, given its text after the
    /// edits before it (`base`).
    async fn model_edits(
        &mut self,
        calls: &Calls<'_>,
        plan: &CodePlan,
        file: &FilePlan,
        base: &[Edit],
        task: &str,
    ) -> Result<Vec<Edit>> {
        let current = text_after(&self.root, base, &file.path)?;
        let plan_text = prompt::file_plan_text(plan, file);
        let mut followups: Vec<(String, String)> = Vec::new();
        let mut tries_here = 0u32;
        loop {
            let Some((model, tier)) = self.rung() else {
                return Err(Error::EditsFailed {
                    failures: format!("{}: no executor model is configured", file.path),
                });
            };
            self.announce(calls, &model, tier);
            tries_here += 1;
            let (system, user) = match (file.action, &current) {
                (FileAction::Create, _) | (_, None) => (
                    CREATOR,
                    vec![Part::text(format!(
                        "# New file {}\n\n{plan_text}\n\n# Task\n\n{task}",
                        file.path
                    ))],
                ),
                (_, Some(text)) => (
                    EXECUTOR,
                    vec![
                        prompt::file_part(&file.path, text),
                        Part::text(format!("{plan_text}\n\n# Task\n\n{task}")),
                    ],
                ),
            };
            let mut req = Self::request(calls, tier, system).message(Role::User, user);
            for (answer, feedback) in &followups {
                req = req
                    .message(Role::Assistant, vec![Part::text(answer.clone())])
                    .user(feedback.clone());
            }
            self.model_calls += 1;
            let answer = if system == CREATOR {
                calls
                    .structured::<NewFile>(
                        Stage::Execute,
                        &model,
                        tier,
                        req,
                        "new_file",
                        "The whole content of a new file",
                    )
                    .await
                    .map(|o| {
                        let json = serde_json::to_string(&o.value).unwrap_or_default();
                        let edits = vec![Edit::Create {
                            path: file.path.clone(),
                            content: o.value.content,
                        }];
                        (json, edits)
                    })
            } else {
                calls
                    .structured::<FileEdits>(
                        Stage::Execute,
                        &model,
                        tier,
                        req,
                        "file_edits",
                        "Search/replace edits to one file",
                    )
                    .await
                    .map(|o| {
                        let json = serde_json::to_string(&o.value).unwrap_or_default();
                        let edits = o
                            .value
                            .edits
                            .into_iter()
                            .map(|e| to_edit(&file.path, e.search, e.replace))
                            .collect();
                        (json, edits)
                    })
            };
            let (json, edits) = match answer {
                Ok(a) => a,
                Err(e) if escalates(&e) => {
                    if self.climb(calls, &e.to_string()) {
                        tries_here = 0;
                        continue;
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            let mut trial = base.to_vec();
            trial.extend(edits.iter().cloned());
            let failure = match prepare(&self.root, &trial, &MatchOptions::default()) {
                Ok(_) if !edits.is_empty() => return Ok(edits),
                Ok(_) => "no edits were given; the plan asks for changes to this file".to_owned(),
                Err(distiq_executor::Error::Edits { failures }) => failures
                    .iter()
                    .map(|f| format!("- {f}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Err(e) => return Err(e.into()),
            };
            let feedback = format!(
                "These edits could not be applied; nothing was changed:\n{failure}\n\n\
                 Write all the edits for {} again. Copy each search exactly from the file as \
                 shown, with enough lines to match one place.",
                file.path
            );
            if tries_here > self.max_retries {
                if !self.climb(
                    calls,
                    &format!("edits to {} did not apply:\n{failure}", file.path),
                ) {
                    return Err(Error::EditsFailed {
                        failures: format!("{}:\n{failure}", file.path),
                    });
                }
                tries_here = 0;
            } else {
                calls.emit(Event::Retrying {
                    stage: Stage::Execute,
                    model: model.clone(),
                    attempt: tries_here + 1,
                    reason: format!("edits to {} did not apply:\n{failure}", file.path),
                    delay_ms: 0,
                });
            }
            followups.push((json, feedback));
        }
    }

    /// Claims a fix attempt: `validate.max_retries` on each rung, climbing
    /// when a rung's are used up. `false` when the top rung's are too.
    pub fn claim_fix(&mut self, calls: &Calls<'_>, feedback: &str) -> bool {
        if self.max_retries == 0 {
            return false;
        }
        if self.fixes_here >= self.max_retries
            && !self.climb(calls, &format!("validation still fails:\n{feedback}"))
        {
            return false;
        }
        self.fixes_here += 1;
        true
    }

    /// Fix edits for the validator's `feedback`, given the touched files as
    /// they are now. Edits to other files are refused. `Ok(Err(text))`
    /// when the edits do not apply (the text says why, for the next try).
    pub async fn fix(
        &mut self,
        calls: &Calls<'_>,
        touched: &[String],
        task: &str,
        summary: &str,
        feedback: &str,
    ) -> Result<std::result::Result<Changeset, String>> {
        let Some((model, tier)) = self.rung() else {
            return Ok(Err("no executor model is configured".to_owned()));
        };
        self.announce(calls, &model, tier);
        let mut parts = Vec::new();
        for path in touched {
            if let Ok(text) = std::fs::read_to_string(self.root.join(path)) {
                parts.push(prompt::file_part(path, &text));
            }
        }
        parts.push(Part::text(format!(
            "# The task\n\n{task}\n\n# What was done\n\n{summary}\n\n# The checks fail\n\n{feedback}\n\n\
             Fix the failures with edits to the files shown ({}).",
            touched.join(", ")
        )));
        let req = Self::request(calls, tier, FIXER).message(Role::User, parts);
        self.model_calls += 1;
        let out = match calls
            .structured::<FixEdits>(
                Stage::Execute,
                &model,
                tier,
                req,
                "fix_edits",
                "Search/replace edits that fix failing checks",
            )
            .await
        {
            Ok(out) => out.value,
            Err(e) if escalates(&e) => return Ok(Err(e.to_string())),
            Err(e) => return Err(e),
        };
        let mut refused = Vec::new();
        let mut edits = Vec::new();
        for e in out.edits {
            if touched.contains(&e.path) {
                edits.push(to_edit(&e.path, e.search, e.replace));
            } else {
                refused.push(format!(
                    "- {}: only the files shown may be edited ({})",
                    e.path,
                    touched.join(", ")
                ));
            }
        }
        if !refused.is_empty() {
            return Ok(Err(format!(
                "the fix edits were refused:\n{}",
                refused.join("\n")
            )));
        }
        if edits.is_empty() {
            return Ok(Err("the fix had no edits".to_owned()));
        }
        match prepare(&self.root, &edits, &MatchOptions::default()) {
            Ok(changes) => Ok(Ok(changes)),
            Err(distiq_executor::Error::Edits { failures }) => Ok(Err(format!(
                "the fix edits could not be applied:\n{}",
                failures
                    .iter()
                    .map(|f| format!("- {f}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

/// A search/replace pair as an edit: an empty search appends.
fn to_edit(path: &str, search: String, replace: String) -> Edit {
    if search.trim().is_empty() {
        Edit::Insert {
            path: path.to_owned(),
            anchor: None,
            text: replace,
        }
    } else {
        Edit::Replace {
            path: path.to_owned(),
            search,
            replace,
        }
    }
}

/// The text of `path` after `edits` (in memory), `None` if it does not
/// exist then.
fn text_after(root: &Path, edits: &[Edit], path: &str) -> Result<Option<String>> {
    let changes = prepare(root, edits, &MatchOptions::default())?;
    if let Some(f) = changes
        .files()
        .iter()
        .find(|f| f.path.given() == path || f.path.to_slash() == path)
    {
        return Ok(f.after.clone());
    }
    match std::fs::read_to_string(root.join(path)) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Executor(distiq_executor::Error::Io {
            path: root.join(path),
            source: e,
        })),
    }
}
