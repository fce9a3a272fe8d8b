//! The session's loop: terminal events and pipeline events into the
//! [`App`], the [`Action`]s it returns carried out, the screen redrawn at
//! most ~30 times a second. The pipeline runs on a tokio runtime of its
//! own; the loop never waits on it, so a hanging provider never freezes
//! the screen.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use distiq_core::{Event, EventSink};
use distiq_ledger::{Ledger, StatsQuery};
use distiq_pipeline::{
    AskOutcome, Error as PipelineError, Pending, Pipeline, PlanOutcome, ReviewOutcome, RunControl,
    RunOutcome,
};
use ratatui::crossterm::event::{self as term_event, Event as TermEvent};
use tokio_util::sync::CancellationToken;

use crate::app::{Action, App, Done, LedgerSummary};
use crate::review::ReviewFile;
use crate::term::Term;
use crate::ui;

/// The shortest time between two frames (~30 fps).
const FRAME: Duration = Duration::from_millis(33);
/// How often a running job's spinner and clock move on screen.
const SPIN: Duration = Duration::from_millis(80);
/// Messages taken in per loop turn, so a flood of events cannot starve
/// the keyboard.
const BATCH: usize = 4096;
/// How long quitting waits for a cancelled job to roll back.
const QUIT_WAIT: Duration = Duration::from_secs(10);

/// What reaches the loop from the pipeline's side.
#[derive(Debug)]
enum Msg {
    /// An event, and when it was emitted (stage times count from then, not
    /// from when the loop got to it).
    Event(Instant, Event),
    Ran(Box<distiq_pipeline::Result<RunOutcome>>),
    Planned(distiq_pipeline::Result<PlanOutcome>),
    Asked(distiq_pipeline::Result<AskOutcome>),
    Reviewed(distiq_pipeline::Result<ReviewOutcome>),
    /// A job panicked (a bug); what it said.
    Crashed(String),
    /// SIGTERM, SIGHUP or SIGINT (`kill`, a closed terminal window): leave
    /// as `/quit` does, the running task cancelled and rolled back and the
    /// terminal restored, not killed in raw mode on the alternate screen.
    Terminate,
}

/// The [`EventSink`] to build the pipeline with: it forwards every event
/// to the session.
#[derive(Debug, Clone)]
pub struct ChannelSink(Sender<Msg>);

impl EventSink for ChannelSink {
    fn emit(&self, event: &Event) {
        // A closed session drops the event; the ledger still has it.
        let _ = self.0.send(Msg::Event(Instant::now(), event.clone()));
    }
}

/// The session's end of the channel.
#[derive(Debug)]
pub struct Events {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
}

/// A sink for the pipeline and the session's end of it.
pub fn channel() -> (ChannelSink, Events) {
    let (tx, rx) = mpsc::channel();
    (ChannelSink(tx.clone()), Events { tx, rx })
}

/// What the session runs on.
#[derive(Debug)]
pub struct Session {
    /// The pipeline, built with the [`ChannelSink`] of `events` among its
    /// sinks.
    pub pipeline: Pipeline,
    /// The other end of that sink.
    pub events: Events,
    /// The ledger, for `/stats` (`None`: no ledger).
    pub ledger: Option<PathBuf>,
    /// Warnings from setting up, shown first.
    pub notes: Vec<String>,
}

/// Runs the session until the user quits.
///
/// # Errors
///
/// [`Error::NotATerminal`](crate::Error::NotATerminal) when stdout is not
/// a terminal; [`Error::Terminal`](crate::Error::Terminal) when it fails.
pub fn run(session: Session) -> crate::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let root = session.pipeline.root().to_path_buf();
    let mut app = App::new(repo_name(&root), branch(&root));
    for note in &session.notes {
        app.on_event(&Event::Warning {
            message: note.clone(),
        });
    }
    let mut runner = Runner {
        pipeline: Arc::new(session.pipeline),
        runtime,
        tx: session.events.tx,
        cancel: None,
        pending: None,
        ledger: session.ledger,
        root,
    };
    runner.on_terminate_signal();
    let mut term = Term::enter()?;
    let result = runner.event_loop(&mut app, &mut term, &session.events.rx);
    drop(term);
    runner.runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

struct Runner {
    pipeline: Arc<Pipeline>,
    runtime: tokio::runtime::Runtime,
    tx: Sender<Msg>,
    /// Cancels the running job.
    cancel: Option<CancellationToken>,
    /// The change under review.
    pending: Option<Pending>,
    ledger: Option<PathBuf>,
    root: PathBuf,
}

impl Runner {
    fn event_loop(
        &mut self,
        app: &mut App,
        term: &mut Term,
        rx: &Receiver<Msg>,
    ) -> crate::Result<()> {
        let start = Instant::now();
        let mut last_draw: Option<Instant> = None;
        let mut dirty = true;
        let mut quit_at: Option<Instant> = None;
        loop {
            for _ in 0..BATCH {
                match rx.try_recv() {
                    Ok(msg) => {
                        app.tick(start.elapsed());
                        self.take(app, msg, start);
                        dirty = true;
                    }
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            let hint = app.quit_hint();
            app.tick(start.elapsed());
            // The "again to quit" hint expires with time alone.
            dirty |= hint != app.quit_hint();
            if app.quit {
                let since = *quit_at.get_or_insert_with(Instant::now);
                if app.running.is_none() || since.elapsed() > QUIT_WAIT {
                    return Ok(());
                }
            }
            let since_draw = last_draw.map_or(Duration::MAX, |t| t.elapsed());
            if since_draw >= FRAME && (dirty || (app.animating() && since_draw >= SPIN)) {
                term.draw(|f| ui::draw(app, f))?;
                last_draw = Some(Instant::now());
                dirty = false;
            }
            if !term_event::poll(FRAME / 2)? {
                continue;
            }
            // Everything already waiting, then a redraw.
            for _ in 0..BATCH {
                match term_event::read()? {
                    TermEvent::Key(key) => {
                        if let Some(action) = app.on_key(key) {
                            self.act(app, action);
                        }
                    }
                    TermEvent::Paste(text) => app.on_paste(&text),
                    _ => {}
                }
                dirty = true;
                if !term_event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }

    /// Carries out what the app asked for.
    fn act(&mut self, app: &mut App, action: Action) {
        match action {
            Action::Run { prompt, force_tier } => {
                let (p, control) = self.job(force_tier, true);
                self.spawn(async move { Msg::Ran(Box::new(p.run_with(&prompt, &control).await)) });
            }
            Action::Plan { prompt, force_tier } => {
                let (p, control) = self.job(force_tier, false);
                self.spawn(async move { Msg::Planned(p.plan_with(&prompt, &control).await) });
            }
            Action::Ask {
                question,
                force_tier,
            } => {
                let (p, control) = self.job(force_tier, false);
                self.spawn(async move { Msg::Asked(p.ask_with(&question, &control).await) });
            }
            Action::Cancel | Action::Quit => {
                if let Some(cancel) = &self.cancel {
                    cancel.cancel();
                }
            }
            Action::FinishReview { accepted } => {
                // A clone: a refused review (a file changed since) can be
                // finished again.
                let Some(pending) = self.pending.clone() else {
                    app.on_done(Done::Failed("there is no change to review".to_owned()));
                    return;
                };
                let p = self.pipeline.clone();
                let blocking = self
                    .runtime
                    .spawn_blocking(move || Msg::Reviewed(p.finish_review(pending, &accepted)));
                self.report(blocking);
            }
            Action::Undo => app.on_done(undo(&self.root)),
            Action::LoadStats => app.on_ledger(self.ledger_summary()),
        }
    }

    /// What a job needs: the pipeline and a fresh control.
    fn job(
        &mut self,
        force_tier: Option<distiq_core::Tier>,
        review: bool,
    ) -> (Arc<Pipeline>, RunControl) {
        let control = RunControl {
            cancel: CancellationToken::new(),
            force_tier,
            review,
            ..RunControl::default()
        };
        self.cancel = Some(control.cancel.clone());
        (self.pipeline.clone(), control)
    }

    /// Runs a job on the runtime; its result comes back as a message.
    fn spawn(&self, job: impl Future<Output = Msg> + Send + 'static) {
        let handle = self.runtime.spawn(job);
        self.report(handle);
    }

    /// Sends what `handle` ends with, or, if the job panicked, a message
    /// saying so: the session goes on and the job is over.
    fn report(&self, handle: tokio::task::JoinHandle<Msg>) {
        let tx = self.tx.clone();
        self.runtime.spawn(async move {
            let msg = match handle.await {
                Ok(msg) => msg,
                Err(e) => Msg::Crashed(crate::term::panic_text(e.try_into_panic().ok())),
            };
            let _ = tx.send(msg);
        });
    }

    /// Turns a signal that would end the process into [`Msg::Terminate`].
    fn on_terminate_signal(&self) {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let tx = self.tx.clone();
            self.runtime.spawn(async move {
                let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                    signal(SignalKind::interrupt()),
                ) else {
                    return;
                };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                    _ = int.recv() => {}
                }
                let _ = tx.send(Msg::Terminate);
            });
        }
    }

    /// Takes in one message from the pipeline's side.
    fn take(&mut self, app: &mut App, msg: Msg, start: Instant) {
        let done = match msg {
            Msg::Terminate => {
                // Even with a review open: its change stays in the work
                // tree, uncommitted, as after any exit.
                app.quit = true;
                self.act(app, Action::Quit);
                return;
            }
            Msg::Event(at, event) => {
                app.tick(at.saturating_duration_since(start));
                app.on_event(&event);
                return;
            }
            Msg::Ran(result) => match *result {
                Ok(outcome) => self.ran(outcome),
                Err(e) => failed(&e),
            },
            Msg::Planned(Ok(o)) => {
                let e = &o.estimate;
                Done::Plan {
                    estimate: format!(
                        "estimate: {} executor call(s) on {} ({}), about {} (at most {})",
                        e.calls, e.model, e.tier, e.cost, e.worst_case
                    ),
                }
            }
            Msg::Asked(Ok(o)) => Done::Ask {
                answer: o.answer,
                cached: o.cached,
            },
            Msg::Reviewed(Ok(r)) => {
                self.pending = None;
                Done::Review {
                    commit: r.commit,
                    kept: r.kept,
                    reverted: r.reverted,
                }
            }
            Msg::Crashed(message) => Done::Failed(format!(
                "internal error, a bug in distiq: {message}; the next task finishes or rolls back any write it interrupted"
            )),
            Msg::Planned(Err(e)) | Msg::Asked(Err(e)) | Msg::Reviewed(Err(e)) => failed(&e),
        };
        self.cancel = None;
        app.on_done(done);
    }

    fn ran(&mut self, outcome: RunOutcome) -> Done {
        let summary = outcome
            .plan
            .summary
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        match outcome.pending {
            Some(pending) if !pending.files.is_empty() => {
                let files = pending
                    .files
                    .iter()
                    .map(|f| ReviewFile {
                        path: f.delta.path.clone(),
                        action: f.delta.action,
                        added: f.delta.added,
                        removed: f.delta.removed,
                        diff: f.diff.clone(),
                    })
                    .collect();
                self.pending = Some(pending);
                Done::Run { summary, files }
            }
            // Changed and already committed (no review): the `Committed`
            // event said so.
            _ if !outcome.files.is_empty() => Done::Review {
                kept: outcome.files.iter().map(|f| f.path.clone()).collect(),
                commit: outcome.commit,
                reverted: Vec::new(),
            },
            _ => Done::Run {
                summary,
                files: Vec::new(),
            },
        }
    }

    /// The repository's totals in the ledger.
    fn ledger_summary(&self) -> Result<Option<LedgerSummary>, String> {
        let Some(path) = &self.ledger else {
            return Ok(None);
        };
        let Some(ledger) = Ledger::open_existing(path).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let query = StatsQuery {
            repo: Some(self.root.clone()),
            ..StatsQuery::default()
        };
        let stats = ledger.stats(&query).map_err(|e| e.to_string())?;
        let decisions = ledger.decisions(&query).map_err(|e| e.to_string())?;
        if stats.is_empty() && decisions.is_empty() {
            return Ok(None);
        }
        Ok(Some(LedgerSummary {
            calls: stats.total.calls,
            cost: stats.total.cost,
            baseline: stats.total.baseline_cost,
            cache_lookups: decisions.cache_lookups,
            cache_hits: decisions.cache_hits,
            cache_saved: decisions.cache_saved,
        }))
    }
}

fn failed(e: &PipelineError) -> Done {
    match e {
        PipelineError::Cancelled => Done::Cancelled,
        other => Done::Failed(other.to_string()),
    }
}

/// `/undo`: as `distiq undo` does, an interrupted write is finished or
/// rolled back first.
fn undo(root: &Path) -> Done {
    match distiq_executor::recover(root).and_then(|_| distiq_executor::undo(root)) {
        Ok(u) => Done::Undone(format!(
            "Reverted {} {}",
            u.commit.chars().take(7).collect::<String>(),
            u.summary
        )),
        Err(e) => Done::Failed(format!("undo: {e}")),
    }
}

fn repo_name(root: &Path) -> String {
    root.file_name().map_or_else(
        || root.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The branch checked out, from `.git/HEAD` (a detached HEAD: its commit).
fn branch(root: &Path) -> String {
    let head = std::fs::read_to_string(root.join(".git/HEAD")).unwrap_or_default();
    let head = head.trim();
    match head.strip_prefix("ref: ") {
        Some(r) => r.strip_prefix("refs/heads/").unwrap_or(r).to_owned(),
        None if head.is_empty() => "HEAD".to_owned(),
        None => head.chars().take(7).collect(),
    }
}
