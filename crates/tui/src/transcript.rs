//! The transcript: what the session shows above the input box, folded from
//! the pipeline's events. One [`Entry`] per line-ish thing; the stage rows
//! are updated in place as calls finish.

use std::time::Duration;

use distiq_core::{
    CheckSummary, Complexity, Event, FileAction, FileDelta, ModelRef, Money, Stage, TaskKind, Tier,
};

/// Streamed text kept per entry: enough for any answer a person reads in a
/// terminal, bounded so a runaway stream cannot grow without end.
const MAX_TEXT: usize = 256 * 1024;

/// How far a stage row got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Still working (the spinner turns).
    Running,
    /// Finished well.
    Done,
    /// Failed, or was escalated away from.
    Failed,
}

/// One stage on one model.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    /// Which stage.
    pub stage: Stage,
    /// Its tier.
    pub tier: Tier,
    /// The model serving it.
    pub model: ModelRef,
    /// Input and output tokens of its finished calls.
    pub tokens: i64,
    /// What its finished calls cost.
    pub cost: Money,
    /// When it started, on the session clock.
    pub started: Duration,
    /// When it ended, on the session clock.
    pub ended: Option<Duration>,
    /// How far it got.
    pub state: RowState,
}

/// One thing in the transcript.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A task (or `/plan`, `/ask`) as typed: `› text`.
    Task(String),
    /// `route: kind · complexity`.
    Route(TaskKind, Complexity),
    /// `cache: hit (0.93)` or `cache: miss (reason)`.
    Cache {
        /// Whether an entry was served.
        hit: bool,
        /// Its similarity.
        similarity: Option<f32>,
        /// Why.
        reason: String,
    },
    /// A stage row.
    Stage(StageRow),
    /// `↻ stage: attempt N on model (reason)`.
    Retry {
        /// Which stage.
        stage: Stage,
        /// The attempt about to start.
        attempt: u32,
        /// Why.
        reason: String,
    },
    /// `↑ stage: from → to (reason)`.
    Escalated {
        /// Which stage.
        stage: Stage,
        /// The model that failed.
        from: ModelRef,
        /// The stronger one.
        to: ModelRef,
        /// Why.
        reason: String,
    },
    /// The plan: its summary and files.
    Plan {
        /// One or two sentences.
        summary: String,
        /// Each file and what happens to it.
        files: Vec<(FileAction, String)>,
        /// Whether it came from the cache.
        cached: bool,
    },
    /// `wrote a (+1 -2), b (+3 -0)`.
    Wrote(Vec<FileDelta>),
    /// `validate: ✓ syntax ✗ test (...)`.
    Validate(Vec<CheckSummary>),
    /// `rolled back a, b`.
    RolledBack(Vec<String>),
    /// Streamed model text.
    Text {
        /// The stage that streamed it.
        stage: Stage,
        /// The text so far (the tail, when it was long).
        text: String,
    },
    /// `Committed <7-hex> <summary>`.
    Committed {
        /// The commit id.
        commit: String,
        /// The first line of its message.
        summary: String,
    },
    /// `! message`.
    Warning(String),
    /// A plain line.
    Info(String),
    /// `Failed: error`.
    Failed(String),
    /// `Cancelled`.
    Cancelled,
}

/// Every entry of the session, in order.
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    /// The entries, oldest first.
    pub entries: Vec<Entry>,
}

impl Transcript {
    /// Appends an entry.
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Forgets everything (`/clear`).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Folds one pipeline event in, at `now` on the session clock.
    pub fn on_event(&mut self, event: &Event, now: Duration) {
        match event {
            Event::TaskStarted { .. } => {}
            Event::RouteDecided { decision, .. } => {
                self.push(Entry::Route(decision.kind, decision.complexity));
            }
            Event::CacheLookup {
                hit,
                similarity,
                reason,
                ..
            } => self.push(Entry::Cache {
                hit: *hit,
                similarity: *similarity,
                reason: reason.clone(),
            }),
            Event::StageStarted { stage, tier, model } => {
                // A new start of a running stage means the last attempt is over.
                self.close(*stage, RowState::Failed, now);
                self.push(Entry::Stage(StageRow {
                    stage: *stage,
                    tier: *tier,
                    model: model.clone(),
                    tokens: 0,
                    cost: Money::ZERO,
                    started: now,
                    ended: None,
                    state: RowState::Running,
                }));
            }
            Event::TextDelta { stage, text } => self.stream(*stage, text),
            Event::CallFinished(call) => {
                let tokens = call.usage.total_input() + call.usage.output_tokens;
                match self.row_mut(call.stage) {
                    Some(row) => {
                        row.tokens += tokens;
                        row.cost += call.cost;
                    }
                    // A call outside any announced stage (the router asking
                    // the cheap model): a row of its own, already over.
                    None => self.push(Entry::Stage(StageRow {
                        stage: call.stage,
                        tier: call.tier,
                        model: call.model.clone(),
                        tokens,
                        cost: call.cost,
                        started: now,
                        ended: Some(now),
                        state: match call.outcome {
                            distiq_core::CallOutcome::Ok => RowState::Done,
                            _ => RowState::Failed,
                        },
                    })),
                }
            }
            Event::Retrying {
                stage,
                attempt,
                reason,
                ..
            } => self.push(Entry::Retry {
                stage: *stage,
                attempt: *attempt,
                reason: gist(reason),
            }),
            Event::Escalated {
                stage,
                from,
                to,
                reason,
            } => {
                self.close(*stage, RowState::Failed, now);
                self.push(Entry::Escalated {
                    stage: *stage,
                    from: from.clone(),
                    to: to.clone(),
                    reason: gist(reason),
                });
            }
            Event::StageFinished { stage, ok } => {
                let state = if *ok {
                    RowState::Done
                } else {
                    RowState::Failed
                };
                self.close(*stage, state, now);
            }
            Event::PlanReady { plan, cached, .. } => self.push(Entry::Plan {
                summary: plan.summary.trim().to_owned(),
                files: plan
                    .files
                    .iter()
                    .map(|f| (f.action, f.path.clone()))
                    .collect(),
                cached: *cached,
            }),
            Event::EditsWritten { files, .. } => self.push(Entry::Wrote(files.clone())),
            Event::Validated { checks, .. } => self.push(Entry::Validate(checks.clone())),
            Event::RolledBack { paths, .. } => self.push(Entry::RolledBack(paths.clone())),
            Event::Committed {
                commit, summary, ..
            } => self.push(Entry::Committed {
                commit: commit.clone(),
                summary: summary.clone(),
            }),
            Event::Warning { message } => self.push(Entry::Warning(gist(message))),
            Event::TaskFinished { ok, .. } => {
                let state = if *ok {
                    RowState::Done
                } else {
                    RowState::Failed
                };
                self.close_all(state, now);
            }
        }
    }

    /// Ends every running row (a task that finished, failed or was
    /// cancelled has no stage left running).
    pub fn close_all(&mut self, state: RowState, now: Duration) {
        for entry in self.entries.iter_mut().rev() {
            match entry {
                Entry::Stage(row) if row.state == RowState::Running => {
                    row.state = state;
                    row.ended = Some(now);
                }
                Entry::Task(_) => break,
                _ => {}
            }
        }
    }

    /// Whether any stage row is running.
    pub fn running(&self) -> bool {
        self.entries
            .iter()
            .rev()
            .take_while(|e| !matches!(e, Entry::Task(_)))
            .any(|e| matches!(e, Entry::Stage(r) if r.state == RowState::Running))
    }

    /// The newest row of `stage` in the current task, running or not.
    fn row_mut(&mut self, stage: Stage) -> Option<&mut StageRow> {
        for entry in self.entries.iter_mut().rev() {
            match entry {
                Entry::Stage(row) if row.stage == stage => return Some(row),
                Entry::Task(_) => return None,
                _ => {}
            }
        }
        None
    }

    fn close(&mut self, stage: Stage, state: RowState, now: Duration) {
        if let Some(row) = self.row_mut(stage)
            && row.state == RowState::Running
        {
            row.state = state;
            row.ended = Some(now);
        }
    }

    /// Appends streamed text to the stage's text entry when it is the last
    /// one (deltas coalesce), else starts a new one.
    fn stream(&mut self, stage: Stage, delta: &str) {
        if let Some(Entry::Text { stage: s, text }) = self.entries.last_mut()
            && *s == stage
        {
            text.push_str(delta);
            if text.len() > MAX_TEXT {
                let mut cut = text.len() - MAX_TEXT / 2;
                while !text.is_char_boundary(cut) {
                    cut += 1;
                }
                text.drain(..cut);
            }
            return;
        }
        self.push(Entry::Text {
            stage,
            text: delta.to_owned(),
        });
    }
}

/// The gist of a reason for one line: its first line, and the next one when
/// the first only introduces a list ("the plan failed its checks:").
pub fn gist(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    match lines.next() {
        Some(next) if first.ends_with(':') => format!("{first} {next}"),
        _ => first.to_owned(),
    }
}
