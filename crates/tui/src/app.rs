//! The session's state machine. Pipeline events, keys, pastes, ticks and
//! the results of jobs go in; [`Action`]s for the runner come out. No I/O:
//! the runner does what the actions say, and [`crate::ui::draw`] renders
//! the state.

use std::collections::BTreeMap;
use std::time::Duration;

use distiq_core::{Event, Money, RouteDecision, Stage, Tier};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::commands::{self, Command, ModelChoice};
use crate::input::Input;
use crate::review::{self, Review, ReviewFile};
use crate::transcript::{Entry, RowState, Transcript};

/// How long after a first Ctrl-C (idle, empty input) a second one quits.
pub const QUIT_WINDOW: Duration = Duration::from_secs(2);

/// The refusal of a task while another runs.
pub const BUSY: &str = "a task is running (Ctrl-C cancels it)";

/// What the runner must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Carry out a task, for review.
    Run {
        /// The task.
        prompt: String,
        /// The tier forced on every stage, if any.
        force_tier: Option<Tier>,
    },
    /// Plan a task only.
    Plan {
        /// The task.
        prompt: String,
        /// The tier forced on every stage, if any.
        force_tier: Option<Tier>,
    },
    /// Answer a question.
    Ask {
        /// The question.
        question: String,
        /// The tier forced on every stage, if any.
        force_tier: Option<Tier>,
    },
    /// Cancel the running job.
    Cancel,
    /// Finish the review: commit these paths, put back the others.
    FinishReview {
        /// The accepted paths.
        accepted: Vec<String>,
    },
    /// Revert distiq's last commit.
    Undo,
    /// Read the repository's ledger for the stats view.
    LoadStats,
    /// Leave (the runner cancels a running job first).
    Quit,
}

/// How a job ended, as the runner reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// A run finished; `files` are left for review (empty: nothing
    /// changed).
    Run {
        /// The plan's summary.
        summary: String,
        /// The files to review.
        files: Vec<ReviewFile>,
    },
    /// A plan finished; the line says what carrying it out would cost.
    Plan {
        /// The estimate, for people.
        estimate: String,
    },
    /// An answer finished.
    Ask {
        /// The answer.
        answer: String,
        /// Whether it came from the cache (then nothing was streamed).
        cached: bool,
    },
    /// A review was finished.
    Review {
        /// The commit, if one was made.
        commit: Option<String>,
        /// The paths kept.
        kept: Vec<String>,
        /// The paths put back.
        reverted: Vec<String>,
    },
    /// `/undo` worked; the line says what was reverted.
    Undone(String),
    /// The job failed.
    Failed(String),
    /// The job was cancelled; nothing of it is left applied.
    Cancelled,
}

/// The repository's ledger, for the stats view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    /// Calls recorded for the repository.
    pub calls: u64,
    /// What they cost.
    pub cost: Money,
    /// What they would have cost on the top tier.
    pub baseline: Money,
    /// Cache lookups.
    pub cache_lookups: u64,
    /// Of those, hits.
    pub cache_hits: u64,
    /// What the hits saved.
    pub cache_saved: Money,
}

/// What one stage cost this session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageCost {
    /// Model calls.
    pub calls: u32,
    /// Their tokens, in and out.
    pub tokens: i64,
    /// What they cost.
    pub cost: Money,
    /// What they would have cost on the top tier.
    pub baseline: Money,
}

/// The session's cost meter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meter {
    /// Per stage.
    pub stages: BTreeMap<Stage, StageCost>,
    /// Every call.
    pub total: StageCost,
    /// What the semantic cache saved.
    pub cache_saved: Money,
}

impl Meter {
    /// What routing and the cache saved against the all-top-tier baseline.
    pub fn saved(&self) -> Money {
        self.total.baseline.saturating_sub(self.total.cost) + self.cache_saved
    }
}

/// An overlay over the main view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The key bindings.
    Help,
    /// The stats view.
    Stats,
}

/// The ledger part of the stats view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerView {
    /// Not asked for yet, or being read.
    Loading,
    /// Read.
    Loaded(Option<LedgerSummary>),
    /// Could not be read.
    Failed(String),
}

/// What kind of job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A task.
    Run,
    /// `/plan`.
    Plan,
    /// `/ask`.
    Ask,
    /// Finishing a review.
    Commit,
}

/// A job in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Running {
    /// What it is.
    pub kind: JobKind,
    /// When it started, on the session clock.
    pub since: Duration,
    /// Whether Ctrl-C asked it to stop.
    pub cancelling: bool,
}

/// The whole session state.
#[derive(Debug, Clone)]
pub struct App {
    /// The repository directory's name.
    pub repo: String,
    /// The branch checked out.
    pub branch: String,
    /// The session clock: time since the session started.
    pub now: Duration,
    /// Everything shown above the input box.
    pub transcript: Transcript,
    /// The input box.
    pub input: Input,
    /// The job in progress, if any.
    pub running: Option<Running>,
    /// The review, while one is open.
    pub review: Option<Review>,
    /// The overlay shown, if any.
    pub overlay: Option<Overlay>,
    /// The ledger part of the stats view.
    pub ledger: LedgerView,
    /// The session's cost.
    pub meter: Meter,
    /// The last route the router decided.
    pub last_route: Option<RouteDecision>,
    /// The tier forced on the next task (`/model`).
    pub force_tier: Option<Tier>,
    /// Transcript lines scrolled up from the bottom.
    pub scroll: usize,
    /// When Ctrl-C was pressed once while idle: another within
    /// [`QUIT_WINDOW`] quits.
    pub quit_armed: Option<Duration>,
    /// Whether the session should end (once no job runs).
    pub quit: bool,
}

impl App {
    /// A fresh session in `repo` on `branch`.
    pub fn new(repo: impl Into<String>, branch: impl Into<String>) -> Self {
        Self {
            repo: repo.into(),
            branch: branch.into(),
            now: Duration::ZERO,
            transcript: Transcript::default(),
            input: Input::default(),
            running: None,
            review: None,
            overlay: None,
            ledger: LedgerView::Loading,
            meter: Meter::default(),
            last_route: None,
            force_tier: None,
            scroll: 0,
            quit_armed: None,
            quit: false,
        }
    }

    /// Advances the session clock (spinners and elapsed times follow it).
    pub fn tick(&mut self, now: Duration) {
        self.now = now;
    }

    /// Whether something on screen moves with the clock alone.
    pub fn animating(&self) -> bool {
        self.running.is_some()
    }

    /// Folds in one pipeline event.
    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::RouteDecided { decision, .. } => self.last_route = Some(decision.clone()),
            Event::CacheLookup { saved, .. } => self.meter.cache_saved += *saved,
            Event::CallFinished(call) => {
                let tokens = call.usage.total_input() + call.usage.output_tokens;
                for c in [
                    self.meter.stages.entry(call.stage).or_default(),
                    &mut self.meter.total,
                ] {
                    c.calls += 1;
                    c.tokens += tokens;
                    c.cost += call.cost;
                    c.baseline += call.baseline_cost;
                }
            }
            _ => {}
        }
        self.transcript.on_event(event, self.now);
    }

    /// Takes in the result of the running job.
    pub fn on_done(&mut self, done: Done) {
        let kind = self.running.take().map(|r| r.kind);
        self.transcript.close_all(RowState::Failed, self.now);
        let mut failed = None;
        match done {
            Done::Run { summary, files } => {
                if files.is_empty() {
                    self.info("Nothing changed.");
                } else {
                    self.review = Some(Review::new(summary, files));
                }
            }
            Done::Plan { estimate } => self.info(&estimate),
            Done::Ask { answer, cached } => {
                if cached {
                    self.transcript.push(Entry::Text {
                        stage: Stage::Answer,
                        text: answer,
                    });
                }
            }
            Done::Review { commit, kept, .. } => {
                if kept.is_empty() {
                    self.info("Discarded all changes");
                } else if commit.is_none() {
                    self.info(&format!("Kept {} file(s) uncommitted", kept.len()));
                }
                // A commit is shown by its `Committed` event.
            }
            Done::Undone(line) => self.info(&line),
            Done::Failed(error) => {
                let gist = crate::transcript::gist(&error);
                self.transcript.push(Entry::Failed(gist.clone()));
                failed = Some(gist);
            }
            Done::Cancelled => self.transcript.push(Entry::Cancelled),
        }
        if kind == Some(JobKind::Commit) {
            if let Some(why) = failed {
                // Nothing was changed: the review stays open to try again,
                // saying why where it can be seen.
                if let Some(r) = &mut self.review {
                    r.confirm_discard = false;
                    r.refused = Some(why);
                }
            } else {
                self.review = None;
            }
        }
        self.scroll = 0;
    }

    /// Takes in the repository's ledger for the stats view.
    pub fn on_ledger(&mut self, ledger: Result<Option<LedgerSummary>, String>) {
        self.ledger = match ledger {
            Ok(l) => LedgerView::Loaded(l),
            Err(e) => LedgerView::Failed(e),
        };
    }

    /// Pasted text goes into the input box (not while reviewing).
    pub fn on_paste(&mut self, text: &str) {
        if self.review.is_none() && self.overlay.is_none() {
            self.input.paste(text);
        }
    }

    /// Handles a key; returns what the runner must do, if anything.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return self.ctrl_c();
        }
        self.quit_armed = None;
        if self.overlay.is_some() {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('q' | '?') | KeyCode::Enter
            ) {
                self.overlay = None;
            }
            return None;
        }
        if self.review.is_some() {
            return self.review_key(key);
        }
        let alt_or_shift = key
            .modifiers
            .intersects(KeyModifiers::ALT | KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Enter if alt_or_shift => self.input.insert('\n'),
            KeyCode::Char('j') if ctrl => self.input.insert('\n'),
            KeyCode::Enter => return self.submit(),
            KeyCode::Char('d') if ctrl => {
                if self.input.is_empty() {
                    return self.request_quit();
                }
                self.input.delete();
            }
            KeyCode::Char('u') if ctrl => self.input.clear(),
            KeyCode::Char('a') if ctrl => self.input.home(),
            KeyCode::Char('e') if ctrl => self.input.end(),
            KeyCode::Char('?') if self.input.is_empty() => self.overlay = Some(Overlay::Help),
            KeyCode::Char(c) if !ctrl => self.input.insert(c),
            KeyCode::Backspace => self.input.backspace(),
            KeyCode::Delete => self.input.delete(),
            KeyCode::Left => self.input.left(),
            KeyCode::Right => self.input.right(),
            KeyCode::Home => self.input.home(),
            KeyCode::End => self.input.end(),
            KeyCode::Up => self.input.up(),
            KeyCode::Down => self.input.down(),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Esc => self.scroll = 0,
            _ => {}
        }
        None
    }

    fn ctrl_c(&mut self) -> Option<Action> {
        if let Some(running) = &mut self.running {
            if running.kind == JobKind::Commit {
                // Finishing a review is quick and must not stop halfway.
                return None;
            }
            running.cancelling = true;
            return Some(Action::Cancel);
        }
        if self.overlay.take().is_some() {
            return None;
        }
        if let Some(review) = &mut self.review {
            review.confirm_discard = true;
            return None;
        }
        if !self.input.is_empty() {
            self.input.clear();
            return None;
        }
        if self.quit_hint() {
            return self.request_quit();
        }
        self.quit_armed = Some(self.now);
        None
    }

    fn request_quit(&mut self) -> Option<Action> {
        if self.review.is_some() {
            self.warn("finish the review first (Enter commits, Esc discards)");
            return None;
        }
        self.quit = true;
        Some(Action::Quit)
    }

    fn review_key(&mut self, key: KeyEvent) -> Option<Action> {
        if self.running.is_some() {
            return None;
        }
        let name = match key.code {
            KeyCode::Up => "up".to_owned(),
            KeyCode::Down => "down".to_owned(),
            KeyCode::PageUp => "pageup".to_owned(),
            KeyCode::PageDown => "pagedown".to_owned(),
            KeyCode::Enter => "enter".to_owned(),
            KeyCode::Esc => "esc".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            _ => return None,
        };
        let review = self.review.as_mut()?;
        match review.key(&name) {
            review::Outcome::Open => None,
            review::Outcome::Finish(accepted) => {
                self.start(JobKind::Commit);
                Some(Action::FinishReview { accepted })
            }
        }
    }

    /// Enter: a task, or a command.
    fn submit(&mut self) -> Option<Action> {
        let text = self.input.text().trim().to_owned();
        if text.is_empty() {
            return None;
        }
        let command = match commands::parse(&text) {
            None => {
                if self.busy() {
                    self.warn(BUSY);
                    return None;
                }
                self.input.take();
                return Some(self.begin(JobKind::Run, text));
            }
            Some(Err(message)) => {
                self.input.take();
                self.warn(&message);
                return None;
            }
            Some(Ok(command)) => command,
        };
        let starts_job = matches!(command, Command::Plan(_) | Command::Ask(_) | Command::Undo);
        if starts_job && self.busy() {
            self.warn(BUSY);
            return None;
        }
        self.input.take();
        match command {
            Command::Plan(task) => return Some(self.begin(JobKind::Plan, task)),
            Command::Ask(question) => return Some(self.begin(JobKind::Ask, question)),
            Command::Undo => {
                self.transcript.push(Entry::Task("/undo".to_owned()));
                return Some(Action::Undo);
            }
            Command::Stats => {
                self.overlay = Some(Overlay::Stats);
                self.ledger = LedgerView::Loading;
                return Some(Action::LoadStats);
            }
            Command::Model(choice) => self.model(choice),
            Command::Clear => {
                self.transcript.clear();
                self.scroll = 0;
            }
            Command::Help => self.overlay = Some(Overlay::Help),
            Command::Quit => return self.request_quit(),
        }
        None
    }

    fn model(&mut self, choice: Option<ModelChoice>) {
        match choice {
            Some(ModelChoice::Auto) => self.force_tier = None,
            Some(ModelChoice::Tier(t)) => self.force_tier = Some(t),
            None => {
                let route = match &self.last_route {
                    Some(r) => {
                        let tiers: Vec<String> =
                            r.tiers.iter().map(|(s, t)| format!("{s} {t}")).collect();
                        format!(
                            "last route: {} · {} ({})",
                            r.kind,
                            r.complexity,
                            tiers.join(", ")
                        )
                    }
                    None => "last route: none yet".to_owned(),
                };
                self.info(&route);
            }
        }
        let next = match self.force_tier {
            Some(t) => format!("next task: every stage on {t} (/model auto: the router decides)"),
            None => "next task: the router decides (/model top|mid|cheap forces a tier)".to_owned(),
        };
        self.info(&next);
    }

    fn begin(&mut self, kind: JobKind, text: String) -> Action {
        let shown = match kind {
            JobKind::Plan => format!("/plan {text}"),
            JobKind::Ask => format!("/ask {text}"),
            _ => text.clone(),
        };
        self.transcript.push(Entry::Task(shown));
        self.start(kind);
        let force_tier = self.force_tier.take();
        match kind {
            JobKind::Plan => Action::Plan {
                prompt: text,
                force_tier,
            },
            JobKind::Ask => Action::Ask {
                question: text,
                force_tier,
            },
            _ => Action::Run {
                prompt: text,
                force_tier,
            },
        }
    }

    fn start(&mut self, kind: JobKind) {
        self.running = Some(Running {
            kind,
            since: self.now,
            cancelling: false,
        });
        self.scroll = 0;
    }

    /// Whether a second Ctrl-C now quits (and the footer says so).
    pub fn quit_hint(&self) -> bool {
        self.quit_armed
            .is_some_and(|at| self.now.saturating_sub(at) <= QUIT_WINDOW)
    }

    /// Whether a task may not start now.
    pub fn busy(&self) -> bool {
        self.running.is_some() || self.review.is_some()
    }

    fn warn(&mut self, message: &str) {
        self.transcript.push(Entry::Warning(message.to_owned()));
        self.scroll = 0;
    }

    fn info(&mut self, line: &str) {
        self.transcript.push(Entry::Info(line.to_owned()));
    }
}
