//! `ask`: a question answered without editing, in two stages (seed 000).
//! The cheap tier extracts the facts the question needs from the retrieved
//! context (structured, so a program can check it); the strong tier writes
//! the answer from those facts alone, streamed. The large context goes to
//! the cheap model; the expensive one reads a page of facts.

use distiq_cache::{Dependency, Entry, NewEntry, Payload};
use distiq_core::{Event, Money, RouteDecision, Stage, Task};
use distiq_llm::{Part, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::budget::TaskSpend;
use crate::call::{Calls, climb};
use crate::keep::CacheEntry;
use crate::prompt::{self, ANSWERER, EXTRACTOR};
use crate::{Pipeline, Result, RunControl};

/// What the extraction stage returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The facts, most important first.
    pub facts: Vec<Fact>,
}

/// One fact from the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// The fact, with exact names and values.
    pub fact: String,
    /// The file it comes from, if one.
    #[serde(default)]
    pub path: Option<String>,
    /// The lines, as `12-30`, if known.
    #[serde(default)]
    pub lines: Option<String>,
}

/// What [`Pipeline::ask`] produced.
#[derive(Debug, Clone, Serialize)]
pub struct AskOutcome {
    /// The question, as a task.
    pub task: Task,
    /// The router's decision, when the question was routed.
    pub route: Option<RouteDecision>,
    /// The answer.
    pub answer: String,
    /// Whether it came from the semantic cache (then nothing was streamed).
    pub cached: bool,
    /// What serving it from the cache saved.
    pub saved: Money,
    /// The facts it was written from (empty when cached).
    pub facts: Vec<Fact>,
    /// What the calls cost, per stage.
    pub spend: TaskSpend,
}

impl Pipeline {
    /// Answers `question` about the repository without editing it. The
    /// answer streams as [`Event::TextDelta`] of the answer stage.
    pub async fn ask(&self, question: &str) -> Result<AskOutcome> {
        self.ask_with(question, &self.default_control()).await
    }

    /// [`ask`](Self::ask) with the task's own cancellation and forced tier.
    pub async fn ask_with(&self, question: &str, control: &RunControl) -> Result<AskOutcome> {
        let task = Task::new(question);
        self.emit(Event::TaskStarted { task: task.clone() });
        let ctx = control.call_context();
        let calls = self.calls(task.id, &ctx, control.force_tier);
        let result = self.ask_task(&calls, &task).await;
        self.finish(&task, result.is_ok());
        result
    }

    async fn ask_task(&self, calls: &Calls<'_>, task: &Task) -> Result<AskOutcome> {
        let question = task.prompt.as_str();
        let embedding = self.embed(question);
        let route = match (&self.local, &embedding) {
            (Some(local), Some(e)) if self.options.route => {
                local.route(calls, question, e, task.id).await
            }
            _ => None,
        };
        let mut outcome = AskOutcome {
            task: task.clone(),
            route: route.clone(),
            answer: String::new(),
            cached: false,
            saved: Money::ZERO,
            facts: Vec::new(),
            spend: TaskSpend::default(),
        };

        if let (Some(cache), Some(e)) = (&self.cache, &embedding) {
            match cache.lookup(question, e) {
                Ok(lookup) => match &lookup.entry {
                    Some(Entry {
                        payload: Payload::Answer(answer),
                        ..
                    }) => {
                        self.emit(lookup.event(Some(task.id)));
                        outcome.answer = answer.clone();
                        outcome.cached = true;
                        outcome.saved = lookup.saved;
                        return Ok(outcome);
                    }
                    Some(_) => self.emit(Event::CacheLookup {
                        task_id: Some(task.id),
                        hit: false,
                        similarity: lookup.similarity,
                        saved: Money::ZERO,
                        reason: "the cached entry is a plan, not an answer".to_owned(),
                    }),
                    None => self.emit(lookup.event(Some(task.id))),
                },
                Err(e) => self.emit(Event::Warning {
                    message: format!("the semantic cache could not be read: {e}"),
                }),
            }
        }

        let context = self.context(question, embedding.as_ref())?;
        // The answer depends on the code it was drawn from; with no code
        // chosen, on the files the map shows.
        let mut files: Vec<String> = context.chunks.iter().map(|c| c.path.clone()).collect();
        if files.is_empty() {
            files.clone_from(&context.map_files);
        }
        files.sort();
        files.dedup();
        let parts = prompt::context_parts(&context);

        // Stage 1: the cheap tier extracts the facts.
        let tier = self.tier(calls, route.as_ref(), Stage::Analyze);
        let route_a = self.config.route(Stage::Analyze, tier);
        let (_, req) = self.registry.request(Stage::Analyze, tier);
        let mut user = parts;
        user.push(Part::text(format!("# Question\n\n{}", question.trim())));
        let req = req
            .system(Part::cached(EXTRACTOR))
            .message(Role::User, user);
        let facts = climb(
            calls,
            Stage::Analyze,
            self.registry.chain(&route_a),
            |model, tier| {
                let req = req.clone();
                async move {
                    calls
                        .structured::<Facts>(
                            Stage::Analyze,
                            &model,
                            tier,
                            req,
                            "facts",
                            "Facts from the code that answer a question",
                        )
                        .await
                        .map(|o| o.value)
                }
            },
        )
        .await?;

        // Stage 2: the strong tier writes the answer, streamed.
        let tier = self.tier(calls, route.as_ref(), Stage::Answer);
        let route_b = self.config.route(Stage::Answer, tier);
        let (_, req) = self.registry.request(Stage::Answer, tier);
        let req = req
            .system(Part::cached(ANSWERER))
            .user(format!(
                "# Facts from the repository\n\n{}\n\n# Question\n\n{}",
                render_facts(&facts),
                question.trim()
            ))
            .streaming(true);
        let answer = climb(
            calls,
            Stage::Answer,
            self.registry.chain(&route_b),
            |model, tier| {
                let req = req.clone();
                async move {
                    calls
                        .chat(Stage::Answer, &model, tier, req)
                        .await
                        .map(|r| r.text)
                }
            },
        )
        .await?;

        let spend = self.spend.task(task.id);
        let deps = files
            .iter()
            .filter_map(|p| Dependency::file(&self.root, p).ok())
            .collect();
        if let Some(embedding) = embedding {
            self.store(CacheEntry {
                embedding,
                entry: NewEntry {
                    request: question.to_owned(),
                    payload: Payload::Answer(answer.clone()),
                    dependencies: deps,
                    cost: spend.cost,
                },
            });
        }
        outcome.answer = answer;
        outcome.facts = facts.facts;
        outcome.spend = self.spend.task(task.id);
        Ok(outcome)
    }
}

fn render_facts(facts: &Facts) -> String {
    if facts.facts.is_empty() {
        return "(none: the code shown did not answer the question)".to_owned();
    }
    facts
        .facts
        .iter()
        .map(|f| {
            let at = match (&f.path, &f.lines) {
                (Some(p), Some(l)) => format!(" ({p}:{l})"),
                (Some(p), None) => format!(" ({p})"),
                _ => String::new(),
            };
            format!("- {}{at}", f.fact.trim())
        })
        .collect::<Vec<_>>()
        .join("\n")
}
