//! `run` and `plan`: the cascade for a task that changes code.

use distiq_cache::{Dependency, Entry, NewEntry, Payload};
use distiq_core::{
    CheckSummary, CodePlan, Event, FileDelta, Money, RouteDecision, Stage, Task, TaskKind, Tier,
};
use distiq_embed::Embedding;
use distiq_executor::{Changeset, RepoPath, check_clean};
use distiq_llm::Part;
use distiq_validator::{Report, Validator};
use serde::Serialize;

use crate::budget::TaskSpend;
use crate::call::Calls;
use crate::estimate::{self, Estimate};
use crate::execute::Executor;
use crate::keep::{CacheEntry, commit_message};
use crate::session::Pending;
use crate::tree::Tree;
use crate::{Error, Laps, Pipeline, Result, RunControl, plan, prompt};

/// What [`Pipeline::run`] did.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// The task.
    pub task: Task,
    /// The router's decision, when the task was routed.
    pub route: Option<RouteDecision>,
    /// The plan carried out (after a re-plan, the second one).
    pub plan: CodePlan,
    /// Whether the plan came from the semantic cache.
    pub cached: bool,
    /// What serving the plan from the cache saved.
    pub saved: Money,
    /// Each file changed, against how it was before the task.
    pub files: Vec<FileDelta>,
    /// The commit, unless `--no-commit`, a review is pending or nothing
    /// changed.
    pub commit: Option<String>,
    /// With [`RunControl::review`]: the validated change, in the work tree
    /// and not committed, for [`Pipeline::finish_review`].
    #[serde(skip)]
    pub pending: Option<Pending>,
    /// Fix attempts after failed validations.
    pub fix_attempts: u32,
    /// Whether the top tier re-planned after the fixes ran out.
    pub replanned: bool,
    /// Executor model calls (0 when the plan carried exact code).
    pub executor_calls: u32,
    /// What the task's calls cost, per stage.
    pub spend: TaskSpend,
}

/// What [`Pipeline::plan`] produced.
#[derive(Debug, Clone, Serialize)]
pub struct PlanOutcome {
    /// The task.
    pub task: Task,
    /// The router's decision, when the task was routed.
    pub route: Option<RouteDecision>,
    /// The plan, checked against the repository.
    pub plan: CodePlan,
    /// Whether the plan came from the semantic cache.
    pub cached: bool,
    /// What serving the plan from the cache saved.
    pub saved: Money,
    /// What carrying it out would cost.
    pub estimate: Estimate,
    /// What planning cost, per stage.
    pub spend: TaskSpend,
}

/// Routing, the cache and the plan: what `run` and `plan` share.
struct Front {
    route: Option<RouteDecision>,
    embedding: Option<Embedding>,
    plan: CodePlan,
    cached: bool,
    /// Whether the plan was given to the run, not made for it.
    given: bool,
    saved: Money,
    /// The repository context, when the planner needed it.
    context: Option<Vec<Part>>,
    /// What the plan was made from: its files as they were.
    deps: Vec<Dependency>,
}

/// How the execute/validate loop ended.
struct Carried {
    plan: CodePlan,
    deps: Vec<Dependency>,
    fix_attempts: u32,
    replanned: bool,
}

impl Pipeline {
    /// Carries out `prompt` in the repository: route, cache, analyze, plan,
    /// execute, apply, validate, commit. Nothing is left half-applied: a
    /// task that fails after writing is rolled back.
    pub async fn run(&self, prompt: &str) -> Result<RunOutcome> {
        self.run_with(prompt, &self.default_control()).await
    }

    /// [`run`](Self::run) with the task's own cancellation and forced tier;
    /// with `control.review` the validated change is left in the work tree
    /// as [`RunOutcome::pending`], for [`finish_review`](Self::finish_review).
    pub async fn run_with(&self, prompt: &str, control: &RunControl) -> Result<RunOutcome> {
        let task = Task::new(prompt);
        self.emit(Event::TaskStarted { task: task.clone() });
        let ctx = control.call_context();
        let calls = self.calls(task.id, &ctx, control.force_tier);
        let result = self.run_task(&calls, &task, control).await;
        self.finish(&task, result.is_ok());
        result
    }

    /// Plans `prompt` without carrying it out: the checked plan and an
    /// estimate of what executing it would cost.
    pub async fn plan(&self, prompt: &str) -> Result<PlanOutcome> {
        self.plan_with(prompt, &self.default_control()).await
    }

    /// [`plan`](Self::plan) with the task's own cancellation and forced
    /// tier.
    pub async fn plan_with(&self, prompt: &str, control: &RunControl) -> Result<PlanOutcome> {
        let task = Task::new(prompt);
        self.emit(Event::TaskStarted { task: task.clone() });
        let ctx = control.call_context();
        let calls = self.calls(task.id, &ctx, control.force_tier);
        let result = async {
            self.recover()?;
            let front = self
                .front(&calls, &task, control.plan.as_ref(), &mut Laps::start())
                .await?;
            let exec_tier = self.tier(&calls, front.route.as_ref(), Stage::Execute);
            let estimate =
                estimate::estimate(&self.config, &self.root, exec_tier, &front.plan, prompt);
            Ok(PlanOutcome {
                task: task.clone(),
                route: front.route,
                plan: front.plan,
                cached: front.cached,
                saved: front.saved,
                estimate,
                spend: self.spend.task(task.id),
            })
        }
        .await;
        self.finish(&task, result.is_ok());
        result
    }

    pub(crate) fn finish(&self, task: &Task, ok: bool) {
        let spend = self.spend.task(task.id);
        self.emit(Event::TaskFinished {
            task_id: task.id,
            ok,
            cost: spend.cost,
            baseline_cost: spend.baseline,
        });
    }

    async fn run_task(
        &self,
        calls: &Calls<'_>,
        task: &Task,
        control: &RunControl,
    ) -> Result<RunOutcome> {
        let mut laps = Laps::start();
        self.recover()?;
        distiq_executor::ensure_excluded(&self.root)?;
        laps.lap("recover");
        let front = self
            .front(calls, task, control.plan.as_ref(), &mut laps)
            .await?;
        let mut outcome = RunOutcome {
            task: task.clone(),
            route: front.route.clone(),
            plan: front.plan.clone(),
            cached: front.cached,
            saved: front.saved,
            files: Vec::new(),
            commit: None,
            pending: None,
            fix_attempts: 0,
            replanned: false,
            executor_calls: 0,
            spend: TaskSpend::default(),
        };
        if front.plan.files.is_empty() {
            self.emit(Event::Warning {
                message: "the planner found nothing to change".to_owned(),
            });
            outcome.spend = self.spend.task(task.id);
            return Ok(outcome);
        }
        self.guard_dirty(&front.plan)?;
        laps.lap("dirty guard");

        let exec_route = self.config.route(
            Stage::Execute,
            self.tier(calls, front.route.as_ref(), Stage::Execute),
        );
        let mut exec = Executor::new(
            &self.root,
            self.registry.chain(&exec_route),
            self.config.validate.max_retries,
        );
        let mut tree = Tree::new(&self.root, task.id);
        let carried = self
            .carry_out(calls, task, &mut exec, &mut tree, &front, &mut laps)
            .await;
        outcome.executor_calls = exec.model_calls;
        let carried = match carried {
            Ok(c) => c,
            Err(e) => return Err(self.roll_back(task, &mut tree, e)),
        };

        outcome.files = tree.deltas();
        laps.lap("deltas");
        let entry = self.cache_entry(task, &front, &carried);
        outcome.plan = carried.plan;
        outcome.fix_attempts = carried.fix_attempts;
        outcome.replanned = carried.replanned;
        let message = commit_message(&outcome.plan, &task.prompt);
        if control.review && !outcome.files.is_empty() {
            // The user decides, file by file; the cache keeps the plan only
            // when every file is accepted.
            outcome.spend = self.spend.task(task.id);
            outcome.pending = Some(Pending::new(task.clone(), tree, message, entry));
            return Ok(outcome);
        }
        if self.options.commit && !outcome.files.is_empty() {
            let paths = tree.repo_paths()?;
            match self.commit(task.id, &paths, &message) {
                Ok(id) => outcome.commit = id,
                Err(e) => {
                    self.emit(Event::Warning {
                        message: format!(
                            "the validated changes are in the work tree, uncommitted: {e}"
                        ),
                    });
                    tree.keep();
                    return Err(e);
                }
            }
        }
        tree.keep();
        laps.lap("commit");
        if let Some(entry) = entry {
            self.store(entry);
        }
        laps.lap("cache store");
        outcome.spend = self.spend.task(task.id);
        Ok(outcome)
    }

    /// What the cache keeps of a task that passed: a plan that passed
    /// validation as it is serves the next identical task; one that needed
    /// fixes would need them again, and a cached plan is there already.
    fn cache_entry(&self, task: &Task, front: &Front, carried: &Carried) -> Option<CacheEntry> {
        if front.cached || front.given || carried.fix_attempts > 0 {
            return None;
        }
        let spend = self.spend.task(task.id);
        let cost = [Stage::Classify, Stage::Analyze, Stage::Plan]
            .iter()
            .filter_map(|s| spend.stages.get(s))
            .map(|s| s.cost)
            .sum();
        Some(CacheEntry {
            embedding: front.embedding.clone()?,
            entry: NewEntry {
                request: task.prompt.clone(),
                payload: Payload::Plan(carried.plan.clone()),
                dependencies: carried.deps.clone(),
                cost,
            },
        })
    }

    /// Routes the task, then carries on with the `given` plan, or looks the
    /// task up in the cache and plans it on a miss.
    async fn front(
        &self,
        calls: &Calls<'_>,
        task: &Task,
        given: Option<&CodePlan>,
        laps: &mut Laps,
    ) -> Result<Front> {
        let prompt = task.prompt.as_str();
        let embedding = self.embed(prompt);
        laps.lap("embed");
        let route = match (&self.local, &embedding) {
            (Some(local), Some(e)) if self.options.route => {
                local.route(calls, prompt, e, task.id).await
            }
            _ => None,
        };
        laps.lap("route");
        if let Some(tier) = calls.force_tier {
            self.emit(Event::Warning {
                message: format!(
                    "every stage runs on the {tier} tier for this task, as forced (stage floors still apply)"
                ),
            });
        }
        if route.as_ref().is_some_and(|r| r.kind == TaskKind::Question) {
            self.emit(Event::Warning {
                message: "this reads like a question; `distiq ask` answers without editing"
                    .to_owned(),
            });
        }
        if let Some(plan) = given {
            let problems = plan::check(&self.root, plan);
            if !problems.is_empty() {
                return Err(Error::GivenPlanInvalid {
                    problems: problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                });
            }
            self.emit(Event::PlanReady {
                task_id: task.id,
                plan: plan.clone(),
                cached: false,
            });
            return Ok(Front {
                route,
                embedding,
                plan: plan.clone(),
                cached: false,
                given: true,
                saved: Money::ZERO,
                context: None,
                deps: self.dependencies(plan),
            });
        }
        let cached = self.cached_plan(task, route.as_ref(), embedding.as_ref());
        laps.lap("cache lookup");
        if let Some(front) = cached {
            return Ok(front);
        }
        let analyzed = self.context(prompt, embedding.as_ref())?;
        let mut context = prompt::context_parts(&analyzed);
        laps.lap("context");
        if let Some(brief) = self.brief(calls, task, route.as_ref(), &analyzed).await? {
            context.push(brief);
            laps.lap("brief");
        }
        let tier = self.tier(calls, route.as_ref(), Stage::Plan);
        let plan_route = self.config.route(Stage::Plan, tier);
        let req = plan::request(&plan_route, &context, prompt, None);
        let planned = plan::plan(calls, &self.root, &plan_route, req).await?;
        laps.lap("plan");
        self.emit(Event::PlanReady {
            task_id: task.id,
            plan: planned.plan.clone(),
            cached: false,
        });
        let deps = self.dependencies(&planned.plan);
        Ok(Front {
            route,
            embedding,
            plan: planned.plan,
            cached: false,
            given: false,
            saved: Money::ZERO,
            context: Some(context),
            deps,
        })
    }

    /// With `analyze.brief`, the cheap tier's brief of the context for the
    /// planner (the files that matter, the definitions, the constraints), as
    /// a prompt part. Optional help: a failed brief is a warning, and the
    /// planner goes on with the context alone.
    async fn brief(
        &self,
        calls: &Calls<'_>,
        task: &Task,
        route: Option<&RouteDecision>,
        context: &distiq_analyzer::Context,
    ) -> Result<Option<Part>> {
        if !self.config.analyze.brief {
            return Ok(None);
        }
        let tier = self.tier(calls, route, Stage::Analyze);
        let (stage_route, req) = self.registry.request(Stage::Analyze, tier);
        let probe = distiq_analyzer::brief::brief_request(req, context, &task.prompt);
        calls.check(Stage::Analyze, &stage_route.model, &probe)?;
        self.emit(Event::StageStarted {
            stage: Stage::Analyze,
            tier: stage_route.tier,
            model: stage_route.model.clone(),
        });
        let out = distiq_analyzer::write_brief(
            &self.registry,
            tier,
            Some(task.id),
            context,
            &task.prompt,
            calls.ctx,
        )
        .await;
        self.emit(Event::StageFinished {
            stage: Stage::Analyze,
            ok: out.is_ok(),
        });
        match out {
            Ok(out) => Ok(Some(Part::text(out.brief.render()))),
            Err(distiq_analyzer::Error::Llm(distiq_llm::Error::Cancelled)) => Err(Error::Cancelled),
            Err(e) => {
                self.emit(Event::Warning {
                    message: format!("planning without a brief: {e}"),
                });
                Ok(None)
            }
        }
    }

    /// A plan from the cache that still holds: the cache checks what it
    /// depended on, and the plan is checked again like a new one.
    fn cached_plan(
        &self,
        task: &Task,
        route: Option<&RouteDecision>,
        embedding: Option<&Embedding>,
    ) -> Option<Front> {
        let (cache, embedding) = (self.cache.as_ref()?, embedding?);
        let lookup = match cache.lookup(&task.prompt, embedding) {
            Ok(l) => l,
            Err(e) => {
                self.emit(Event::Warning {
                    message: format!("the semantic cache could not be read: {e}"),
                });
                return None;
            }
        };
        let miss = |reason: String| Event::CacheLookup {
            task_id: Some(task.id),
            hit: false,
            similarity: lookup.similarity,
            saved: Money::ZERO,
            reason,
        };
        match &lookup.entry {
            Some(Entry {
                payload: Payload::Plan(plan),
                dependencies,
                ..
            }) => {
                let problems = plan::check(&self.root, plan);
                if !problems.is_empty() {
                    let first = problems
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    self.emit(miss(format!("the cached plan no longer applies: {first}")));
                    return None;
                }
                self.emit(lookup.event(Some(task.id)));
                self.emit(Event::PlanReady {
                    task_id: task.id,
                    plan: plan.clone(),
                    cached: true,
                });
                Some(Front {
                    route: route.cloned(),
                    embedding: Some(embedding.clone()),
                    plan: plan.clone(),
                    cached: true,
                    given: false,
                    saved: lookup.saved,
                    context: None,
                    deps: dependencies.clone(),
                })
            }
            Some(_) => {
                self.emit(miss("the cached entry is an answer, not a plan".to_owned()));
                None
            }
            None => {
                self.emit(lookup.event(Some(task.id)));
                None
            }
        }
    }

    /// Refuses a plan that would touch files with uncommitted changes.
    fn guard_dirty(&self, plan: &CodePlan) -> Result<()> {
        let targets = plan
            .files
            .iter()
            .map(|f| RepoPath::new(&self.root, &f.path))
            .collect::<distiq_executor::Result<Vec<_>>>()?;
        let allowed = check_clean(&self.root, &targets, self.options.allow_dirty)?;
        if !allowed.is_empty() {
            self.emit(Event::Warning {
                message: format!(
                    "editing files with uncommitted changes (--allow-dirty): {}",
                    allowed.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// Execute, write, validate; fix, escalate, re-plan once.
    async fn carry_out(
        &self,
        calls: &Calls<'_>,
        task: &Task,
        exec: &mut Executor,
        tree: &mut Tree,
        front: &Front,
        laps: &mut Laps,
    ) -> Result<Carried> {
        let validator = Validator::new(&self.root, self.config.validate.clone());
        let mut plan = front.plan.clone();
        let mut deps = front.deps.clone();
        let mut fix_attempts = 0;
        let mut replanned = false;
        loop {
            let (_, changes) = exec.edits_for_plan(calls, &plan, &task.prompt).await?;
            laps.lap("execute");
            self.write(task, tree, &changes)?;
            laps.lap("write");
            let feedback = loop {
                let report = self.validate(calls, &validator, task, tree).await?;
                laps.lap("validate");
                let feedback = if report.passed() {
                    let review = self
                        .review(calls, task, &plan, tree, front.route.as_ref())
                        .await?;
                    match review {
                        None => {
                            return Ok(Carried {
                                plan,
                                deps,
                                fix_attempts,
                                replanned,
                            });
                        }
                        Some(problems) => problems,
                    }
                } else {
                    report.feedback()
                };
                let mut why_not = String::new();
                let mut fixed = None;
                while exec.claim_fix(calls, &feedback) {
                    fix_attempts += 1;
                    let asked = if why_not.is_empty() {
                        feedback.clone()
                    } else {
                        format!("{feedback}\n\nThe last fix attempt failed: {why_not}")
                    };
                    match exec
                        .fix(calls, &tree.touched(), &task.prompt, &plan.summary, &asked)
                        .await?
                    {
                        Ok(changes) if !changes.is_empty() => {
                            fixed = Some(changes);
                            break;
                        }
                        Ok(_) => why_not = "its edits changed nothing".to_owned(),
                        Err(why) => why_not = why,
                    }
                }
                match fixed {
                    Some(changes) => self.write(task, tree, &changes)?,
                    None => break feedback,
                }
            };
            if replanned {
                return Err(Error::ValidationFailed {
                    attempts: fix_attempts,
                    feedback,
                });
            }
            // The top tier re-plans from the tree as it was, told why.
            let paths = tree.rollback().map_err(|source| Error::Rollback {
                cause: "validation failed and the top tier re-plans".to_owned(),
                source,
            })?;
            self.emit(Event::RolledBack {
                task_id: task.id,
                paths,
                reason: "validation failed after the fixes; the top tier re-plans".to_owned(),
            });
            let context = match &front.context {
                Some(c) => c.clone(),
                None => prompt::context_parts(&self.context(&task.prompt, None)?),
            };
            let route = self.config.route(Stage::Plan, Tier::Top);
            let note = format!(
                "# A previous plan failed validation\n\nThis plan was carried out:\n{}\n\n\
                 and the repository's checks then reported:\n{feedback}\n\n\
                 Write a new plan that passes the checks.",
                serde_json::to_string(&plan).unwrap_or_default()
            );
            let req = plan::request(&route, &context, &task.prompt, Some(&note));
            let planned = plan::plan(calls, &self.root, &route, req).await?;
            self.emit(Event::PlanReady {
                task_id: task.id,
                plan: planned.plan.clone(),
                cached: false,
            });
            plan = planned.plan;
            if plan.files.is_empty() {
                return Err(Error::ValidationFailed {
                    attempts: fix_attempts,
                    feedback,
                });
            }
            self.guard_dirty(&plan)?;
            deps = self.dependencies(&plan);
            replanned = true;
            exec.climb_to_top();
        }
    }

    fn write(&self, task: &Task, tree: &mut Tree, changes: &Changeset) -> Result<()> {
        let files = tree.write(changes)?;
        self.emit(Event::EditsWritten {
            task_id: task.id,
            files,
        });
        Ok(())
    }

    async fn validate(
        &self,
        calls: &Calls<'_>,
        validator: &Validator,
        task: &Task,
        tree: &Tree,
    ) -> Result<Report> {
        let report = match validator
            .validate(&tree.touched_paths(), &calls.ctx.cancel)
            .await
        {
            Ok(r) => r,
            Err(distiq_validator::Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => return Err(e.into()),
        };
        self.emit(Event::Validated {
            task_id: task.id,
            passed: report.passed(),
            checks: report
                .checks
                .iter()
                .map(|c| CheckSummary {
                    name: c.name.clone(),
                    passed: c.passed,
                    summary: c.summary.clone(),
                })
                .collect(),
        });
        Ok(report)
    }

    /// Puts the tree back after `error`, and says so; the error to return.
    fn roll_back(&self, task: &Task, tree: &mut Tree, error: Error) -> Error {
        if tree.is_empty() {
            return error;
        }
        match tree.rollback() {
            Ok(paths) => {
                self.emit(Event::RolledBack {
                    task_id: task.id,
                    paths,
                    reason: error.to_string(),
                });
                error
            }
            Err(source) => Error::Rollback {
                cause: error.to_string(),
                source,
            },
        }
    }
}
