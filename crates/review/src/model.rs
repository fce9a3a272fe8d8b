//! The model review: the review stage's model (the cheap tier) reads the
//! diff; what it flags at or above `escalate_at` goes to `confirm_tier`,
//! which confirms or drops each finding. Escalation only goes up.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use distiq_config::{Config, ReviewSettings, StageRoute};
use distiq_core::{EventSink, Stage, TaskId, Tier};
use distiq_llm::{
    BatchItem, BatchPolicy, CallContext, ChatRequest, EnvLookup, Part, Registry, Role, batch_client,
};
use futures::StreamExt as _;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::diff::ChangedFile;
use crate::prompt::{self, FirstPass, Verdicts};
use crate::report::{Check, Dropped, Finding, ModelReview, ModelStatus, Severity};

/// How many model calls run at once outside a batch.
const PARALLEL_CALLS: usize = 4;

/// What the model review needs: the registry (whose sink records every
/// call), and for `--batch` the same environment and sink to build batch
/// clients with.
#[derive(Clone)]
pub struct Models<'a> {
    /// Builds priced, recorded clients for the review stage.
    pub registry: &'a Registry,
    /// Where provider keys are read (the same lookup the registry uses).
    pub env: EnvLookup,
    /// Where batch calls are reported (the same sink the registry uses).
    pub sink: Arc<dyn EventSink>,
    /// Cancellation (Ctrl-C) for every call.
    pub ctx: CallContext,
}

impl std::fmt::Debug for Models<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models").finish_non_exhaustive()
    }
}

/// What the model review found.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub findings: Vec<Finding>,
    pub dropped: Vec<Dropped>,
    pub review: ModelReview,
    pub notes: Vec<String>,
}

struct Pass<'a> {
    models: &'a Models<'a>,
    config: &'a Config,
    settings: &'a ReviewSettings,
    task: TaskId,
    batch: bool,
    batch_used: bool,
    notes: Vec<String>,
    /// The repository context, ready to go before the diff.
    context: Option<String>,
}

/// Reviews `files` with the models. Never fails: a missing key skips the
/// review, a failing model is reported as such.
pub(crate) async fn review(
    models: &Models<'_>,
    files: &[&ChangedFile],
    repo_context: Option<&str>,
    batch: bool,
    task: TaskId,
) -> Outcome {
    let registry = models.registry;
    let config = registry.config();
    let (route, base) = registry.request(Stage::Review, Tier::Cheap);
    if let Err(e) = registry.provider(&route.model.provider) {
        return Outcome {
            findings: Vec::new(),
            dropped: Vec::new(),
            review: ModelReview::skipped(e.to_string()),
            notes: Vec::new(),
        };
    }
    let mut pass = Pass {
        models,
        config,
        settings: &config.review,
        task,
        batch,
        batch_used: false,
        notes: Vec::new(),
        context: repo_context.map(crate::context::part_text),
    };
    let max = usize::try_from(pass.settings.max_prompt_bytes).unwrap_or(usize::MAX);
    let chunks = prompt::chunks(files, max);
    let jobs: Vec<(String, ChatRequest)> = chunks
        .iter()
        .enumerate()
        .map(|(i, (paths, body))| {
            let req = base
                .clone()
                .system(Part::cached(prompt::REVIEW_SYSTEM))
                .message(
                    Role::User,
                    pass.user_parts(prompt::review_request(body, paths.len())),
                );
            (format!("review-{i}"), req)
        })
        .collect();
    let answers = pass
        .run::<FirstPass>(
            &route,
            jobs,
            "review_findings",
            "The problems found in the change.",
        )
        .await;

    let mut found = Vec::new();
    let mut failures = Vec::new();
    for (id, answer) in answers {
        let index: usize = id
            .trim_start_matches("review-")
            .parse()
            .unwrap_or(usize::MAX);
        let Some((paths, _)) = chunks.get(index) else {
            continue;
        };
        match answer {
            Ok(first) => {
                for mf in first.findings {
                    if let Some(f) = accept(mf, paths, files, &route) {
                        found.push(f);
                    }
                }
            }
            Err(e) => failures.push((paths.clone(), e)),
        }
    }
    let mut review = ModelReview {
        status: ModelStatus::Ran,
        reason: None,
        reviewer: Some(route.model.to_string()),
        confirmer: None,
        batch: false,
        calls: 0,
        cost: distiq_core::Money::ZERO,
    };
    if !failures.is_empty() && failures.len() == chunks.len() {
        review.status = ModelStatus::Failed;
        review.reason = failures.first().map(|(_, e)| e.clone());
        review.batch = pass.batch_used;
        return Outcome {
            findings: Vec::new(),
            dropped: Vec::new(),
            review,
            notes: pass.notes,
        };
    }
    for (paths, e) in &failures {
        pass.notes.push(format!(
            "the model review of {} failed and those files were checked locally only: {e}",
            paths.join(", ")
        ));
    }

    let (findings, dropped, confirmer) = pass.confirm(&route, found, files).await;
    review.confirmer = confirmer;
    review.batch = pass.batch_used;
    let mut notes = pass.notes;
    notes.dedup();
    Outcome {
        findings,
        dropped,
        review,
        notes,
    }
}

/// A first-pass finding made safe: its file must be one the model was
/// shown, its line one the file has.
fn accept(
    mf: prompt::ModelFinding,
    paths: &[String],
    files: &[&ChangedFile],
    route: &StageRoute,
) -> Option<Finding> {
    let name = mf.file.trim();
    let name = ["a/", "b/", "./"]
        .iter()
        .find_map(|p| {
            name.strip_prefix(p)
                .filter(|rest| paths.iter().any(|x| x == rest))
        })
        .unwrap_or(name);
    let path = if paths.iter().any(|p| p == name) {
        name.to_owned()
    } else {
        // A model that shortened the path: accept a unique suffix match.
        let mut m = paths.iter().filter(|p| p.ends_with(&format!("/{name}")));
        match (m.next(), m.next()) {
            (Some(p), None) => p.clone(),
            _ => {
                tracing::debug!(file = %mf.file, "dropping a finding on a file the model was not shown");
                return None;
            }
        }
    };
    let lines = files
        .iter()
        .find(|f| f.path == path)
        .and_then(|f| f.text())
        .map_or(0, |t| t.lines().count());
    let line = mf
        .line
        .filter(|l| *l >= 1 && usize::try_from(*l).is_ok_and(|l| l <= lines));
    Some(Finding {
        file: path,
        line,
        column: None,
        severity: mf.severity.into(),
        check: Check::Model,
        rule: None,
        message: mf.message.trim().to_owned(),
        suggested_fix: mf.suggested_fix.filter(|s| !s.trim().is_empty()),
        model: Some(route.model.to_string()),
        confirmed_by: None,
    })
}

impl Pass<'_> {
    /// The user message: the repository context (when there is one), then
    /// `request`.
    fn user_parts(&self, request: String) -> Vec<Part> {
        let mut parts = Vec::with_capacity(2);
        if let Some(c) = &self.context {
            parts.push(Part::text(c.clone()));
        }
        parts.push(Part::text(request));
        parts
    }

    /// Sends the findings at or above `escalate_at` to the confirm tier,
    /// one call per file. Returns what stands, what was dropped, and the
    /// confirming model when there was one.
    async fn confirm(
        &mut self,
        route: &StageRoute,
        found: Vec<Finding>,
        files: &[&ChangedFile],
    ) -> (Vec<Finding>, Vec<Dropped>, Option<String>) {
        let escalate_at = self.settings.escalate_at;
        let (high, mut keep): (Vec<Finding>, Vec<Finding>) =
            found.into_iter().partition(|f| f.severity >= escalate_at);
        if high.is_empty() {
            return (keep, Vec::new(), None);
        }
        let (up, base) = self
            .models
            .registry
            .request(Stage::Review, self.settings.confirm_tier);
        if up.tier <= route.tier || up.model == route.model {
            self.notes.push(format!(
                "{} finding(s) were not confirmed: review.confirm_tier ({}) is not above the review \
                 stage's tier ({})",
                high.len(),
                self.settings.confirm_tier,
                route.tier
            ));
            keep.extend(high);
            return (keep, Vec::new(), None);
        }
        let mut by_file: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
        for f in high {
            by_file.entry(f.file.clone()).or_default().push(f);
        }
        let jobs: Vec<(String, ChatRequest)> = by_file
            .iter()
            .enumerate()
            .map(|(i, (path, list))| {
                let diff = files
                    .iter()
                    .find(|f| &f.path == path)
                    .map(|f| {
                        let max =
                            usize::try_from(self.settings.max_prompt_bytes).unwrap_or(usize::MAX);
                        prompt::render_file_within(f, max)
                    })
                    .unwrap_or_default();
                let numbered: Vec<(u32, &Finding)> = (1u32..).zip(list.iter()).collect();
                let req = base
                    .clone()
                    .system(Part::cached(prompt::CONFIRM_SYSTEM))
                    .message(
                        Role::User,
                        self.user_parts(prompt::confirm_request(&diff, &numbered)),
                    );
                (format!("confirm-{i}"), req)
            })
            .collect();
        let answers = self
            .run::<Verdicts>(
                &up,
                jobs,
                "review_verdicts",
                "A verdict on each finding: confirmed or dropped.",
            )
            .await;
        let by_id: BTreeMap<String, Result<Verdicts, String>> = answers.into_iter().collect();
        let confirmer = up.model.to_string();
        let mut dropped = Vec::new();
        for (i, (path, list)) in by_file.into_iter().enumerate() {
            match by_id.get(&format!("confirm-{i}")) {
                Some(Ok(v)) => {
                    let verdicts: BTreeMap<u32, &prompt::Verdict> =
                        v.verdicts.iter().map(|v| (v.id, v)).collect();
                    let mut unanswered = 0;
                    for (id, mut f) in (1u32..).zip(list) {
                        match verdicts.get(&id) {
                            Some(v) if v.confirmed => {
                                f.severity = Severity::from(v.severity);
                                f.confirmed_by = Some(confirmer.clone());
                                keep.push(f);
                            }
                            Some(v) => dropped.push(Dropped {
                                finding: f,
                                dropped_by: confirmer.clone(),
                                reason: v.reason.trim().to_owned(),
                            }),
                            None => {
                                unanswered += 1;
                                keep.push(f);
                            }
                        }
                    }
                    if unanswered > 0 {
                        self.notes.push(format!(
                            "{confirmer} gave no verdict on {unanswered} finding(s) in {path}; they are shown unconfirmed"
                        ));
                    }
                }
                Some(Err(e)) => {
                    self.notes.push(format!(
                        "the findings in {path} could not be confirmed and are shown unconfirmed: {e}"
                    ));
                    keep.extend(list);
                }
                None => keep.extend(list),
            }
        }
        (keep, dropped, Some(confirmer))
    }

    /// Runs structured calls for `jobs` on `route`: through the provider's
    /// batch API when asked and available, else (and for whatever the
    /// batch could not answer) as normal calls, a few at a time.
    async fn run<T: DeserializeOwned + JsonSchema>(
        &mut self,
        route: &StageRoute,
        jobs: Vec<(String, ChatRequest)>,
        name: &str,
        description: &str,
    ) -> Vec<(String, Result<T, String>)> {
        let mut results = Vec::new();
        let mut pending = jobs;
        if self.batch && !pending.is_empty() {
            let answered = self
                .run_batch::<T>(route, &pending, name, description)
                .await;
            let done: BTreeSet<String> = answered.iter().map(|(id, _)| id.clone()).collect();
            pending.retain(|(id, _)| !done.contains(id));
            results.extend(answered);
        }
        let registry = self.models.registry;
        let ctx = &self.models.ctx;
        let task = Some(self.task);
        let calls = pending.into_iter().map(|(id, req)| async move {
            let out = registry
                .structured::<T>(route, task, req, name, description, ctx)
                .await
                .map(|o| o.value)
                .map_err(|e| e.to_string());
            (id, out)
        });
        let normal: Vec<(String, Result<T, String>)> = futures::stream::iter(calls)
            .buffer_unordered(PARALLEL_CALLS)
            .collect()
            .await;
        results.extend(normal);
        results
    }

    /// The answers the batch API gave; jobs it could not answer are left
    /// out (the caller makes normal calls for them), with a note saying why.
    async fn run_batch<T: DeserializeOwned + JsonSchema>(
        &mut self,
        route: &StageRoute,
        jobs: &[(String, ChatRequest)],
        name: &str,
        description: &str,
    ) -> Vec<(String, Result<T, String>)> {
        let client = batch_client(
            self.config,
            &self.models.env,
            &route.model,
            Stage::Review,
            route.tier,
            Some(self.task),
            self.models.sink.clone(),
        );
        let client = match client {
            Ok(Some(c)) => c,
            Ok(None) => {
                self.notes.push(format!(
                    "--batch: provider `{}` has no batch API distiq can use; {} was called directly \
                     (full price)",
                    route.model.provider, route.model
                ));
                return Vec::new();
            }
            Err(e) => {
                self.notes
                    .push(format!("--batch: {e}; {} was called directly", route.model));
                return Vec::new();
            }
        };
        let items = jobs
            .iter()
            .map(|(id, req)| BatchItem {
                custom_id: id.clone(),
                request: req.clone(),
            })
            .collect();
        let policy = BatchPolicy {
            poll_interval: self.settings.batch_poll_interval,
            max_wait: self.settings.batch_max_wait,
        };
        match client
            .structured::<T>(items, name, description, &policy, &self.models.ctx)
            .await
        {
            Ok(results) => {
                self.batch_used = true;
                let mut out = Vec::new();
                for r in results {
                    match r.outcome {
                        Ok(o) => out.push((r.custom_id, Ok(o.value))),
                        Err(e) => self.notes.push(format!(
                            "--batch: request {} failed in the batch ({e}); retried as a direct call",
                            r.custom_id
                        )),
                    }
                }
                out
            }
            Err(e) => {
                self.notes.push(format!(
                    "--batch: the batch on {} failed ({e}); made direct calls instead",
                    route.model
                ));
                Vec::new()
            }
        }
    }
}
