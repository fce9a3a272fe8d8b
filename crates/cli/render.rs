//! The front ends of `run`, `plan` and `ask`: both consume the pipeline's
//! [`Event`]s. The human one shows a spinner and one line per milestone on
//! stderr (results and streamed answers go to stdout) and a summary at the
//! end; the JSON one writes every event as one JSON line on stdout, then
//! the outcome (or the error) as a last line.

use std::io::{self, IsTerminal as _, Write as _};
use std::sync::Mutex;
use std::time::Duration;

use distiq_core::{Event, FileAction, FileDelta, Money, Stage};
use distiq_pipeline::TaskSpend;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// How events reach the user.
#[derive(Debug)]
pub enum Renderer {
    /// Progress and summaries for people.
    Human(Human),
    /// JSON lines for programs.
    Json(Json),
}

impl Renderer {
    /// The renderer `--json` asks for.
    pub fn new(json: bool) -> Self {
        if json {
            Renderer::Json(Json::default())
        } else {
            Renderer::Human(Human::new())
        }
    }

    /// Whether people read the output (not `--json`).
    pub fn is_human(&self) -> bool {
        matches!(self, Renderer::Human(_))
    }

    /// A message before the pipeline starts (loading the local models).
    pub fn note(&self, message: &str) {
        match self {
            Renderer::Human(h) => h.line(message),
            Renderer::Json(j) => j.emit(&Event::Warning {
                message: message.to_owned(),
            }),
        }
    }

    /// Shows `message` on the spinner while slow work runs.
    pub fn busy(&self, message: &str) {
        if let Renderer::Human(h) = self {
            h.spin(message);
        }
    }

    /// Stops the spinner; the rest is summary.
    pub fn done(&self) {
        if let Renderer::Human(h) = self {
            h.bar.finish_and_clear();
        }
    }

    /// The last JSON line: `{"event": name, ...value}`; nothing for people.
    pub fn outcome<T: Serialize>(&self, name: &str, value: &T) {
        if let Renderer::Json(j) = self {
            let mut v = serde_json::to_value(value).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("event".into(), name.into());
            }
            j.line(&v);
        }
    }

    /// A failure, as a JSON line (people see main's `error:` line).
    pub fn error(&self, err: &anyhow::Error) {
        self.done();
        if let Renderer::Json(j) = self {
            j.line(&serde_json::json!({ "event": "error", "message": format!("{err:#}") }));
        }
    }
}

impl distiq_core::EventSink for Renderer {
    fn emit(&self, event: &Event) {
        match self {
            Renderer::Human(h) => h.emit(event),
            Renderer::Json(j) => j.emit(event),
        }
    }
}

/// One JSON line per event on stdout.
#[derive(Debug, Default)]
pub struct Json {
    out: Mutex<()>,
}

impl Json {
    fn emit(&self, event: &Event) {
        self.line(event);
    }

    fn line<T: Serialize + ?Sized>(&self, value: &T) {
        let _guard = self.out.lock();
        let mut out = io::stdout().lock();
        // A closed pipe (`| head`) ends the output, not the task.
        if serde_json::to_writer(&mut out, value).is_ok() {
            let _ = writeln!(out);
            let _ = out.flush();
        }
    }
}

/// A spinner and milestone lines on stderr; streamed answers on stdout.
#[derive(Debug)]
pub struct Human {
    bar: ProgressBar,
    state: Mutex<HumanState>,
}

#[derive(Debug, Default)]
struct HumanState {
    /// Whether an answer is being streamed to stdout (no trailing newline
    /// yet).
    streaming: bool,
    cost: Money,
    /// What the spinner says, before the count of streamed characters.
    doing: String,
    /// Characters streamed by the current stage's model (structured answers
    /// arrive as JSON text).
    received: usize,
}

impl Human {
    fn new() -> Self {
        let bar = if io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {prefix:.dim} {elapsed:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            state: Mutex::new(HumanState::default()),
        }
    }

    fn spin(&self, message: &str) {
        self.bar.set_message(message.to_owned());
    }

    /// A milestone line on stderr, above the spinner.
    fn line(&self, message: &str) {
        self.end_stream();
        self.bar.suspend(|| {
            let _ = writeln!(io::stderr().lock(), "{message}");
        });
    }

    fn end_stream(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.streaming {
            state.streaming = false;
            let _ = writeln!(io::stdout().lock());
        }
    }

    fn emit(&self, event: &Event) {
        match event {
            Event::TaskStarted { .. } => self.spin("routing"),
            Event::RouteDecided { decision, .. } => {
                let tiers: Vec<String> = decision
                    .tiers
                    .iter()
                    .map(|(s, t)| format!("{s} {t}"))
                    .collect();
                self.line(&format!(
                    "route: {} ({}, {:.0}% sure{}); {}",
                    decision.kind,
                    decision.complexity,
                    decision.confidence * 100.0,
                    if decision.inspected {
                        ", checked by the cheap model"
                    } else {
                        ""
                    },
                    tiers.join(", ")
                ));
                self.spin("looking in the cache");
            }
            Event::CacheLookup {
                hit, saved, reason, ..
            } => {
                if *hit {
                    self.line(&format!("cache: hit, saves {saved} ({reason})"));
                } else {
                    self.line(&format!("cache: miss ({reason})"));
                    self.spin("reading the repository");
                }
            }
            Event::StageStarted { stage, tier, model } => {
                let message = format!("{} on {model} ({tier})", doing(*stage));
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                state.doing.clone_from(&message);
                state.received = 0;
                drop(state);
                self.spin(&message);
            }
            Event::TextDelta { stage, text } if *stage == Stage::Answer => {
                self.bar.suspend(|| {
                    let mut out = io::stdout().lock();
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                });
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                state.streaming = !text.ends_with('\n');
            }
            Event::TextDelta { text, .. } => {
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                state.received += text.len();
                let message = format!("{} ({} characters)", state.doing, state.received);
                drop(state);
                self.spin(&message);
            }
            Event::CallFinished(call) => {
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                state.cost += call.cost;
                let cost = state.cost;
                drop(state);
                if let distiq_core::CallOutcome::Error { message } = &call.outcome {
                    self.line(&format!(
                        "{} call on {} failed: {}",
                        call.stage,
                        call.model,
                        first_line(message)
                    ));
                }
                self.bar.set_prefix(cost.to_string());
            }
            Event::Retrying {
                stage,
                model,
                attempt,
                reason,
                ..
            } => self.line(&format!(
                "retry {stage} on {model} (attempt {attempt}): {}",
                first_line(reason)
            )),
            Event::Escalated {
                stage,
                from,
                to,
                reason,
            } => self.line(&format!(
                "escalate {stage}: {from} -> {to} ({})",
                first_line(reason)
            )),
            Event::StageFinished { .. } => {}
            Event::PlanReady { plan, cached, .. } => {
                let from = if *cached { " (from the cache)" } else { "" };
                let mut text = format!("plan{from}: {}", plan.summary.trim());
                for f in &plan.files {
                    text.push_str(&format!("\n  {} {}", action_letter(f.action), f.path));
                }
                self.line(&text);
                self.spin("executing the plan");
            }
            Event::EditsWritten { files, .. } => {
                let list: Vec<String> = files.iter().map(delta_text).collect();
                self.line(&format!("wrote {}", list.join(", ")));
                self.spin("validating");
            }
            Event::Validated { passed, checks, .. } => {
                let list: Vec<String> = checks
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} ({})",
                            c.name,
                            if c.passed { "ok" } else { "FAILED" },
                            c.summary
                        )
                    })
                    .collect();
                let verdict = if *passed { "passed" } else { "failed" };
                self.line(&format!("checks {verdict}: {}", list.join(", ")));
                if !passed {
                    self.spin("fixing");
                }
            }
            Event::RolledBack { paths, .. } => {
                self.line(&format!("rolled back {}", paths.join(", ")));
            }
            Event::Committed {
                commit, summary, ..
            } => {
                self.line(&format!("committed {} {summary}", short(commit)));
            }
            Event::Warning { message } => self.line(&format!("warning: {message}")),
            Event::TaskFinished { .. } => {
                self.end_stream();
                self.bar.finish_and_clear();
            }
            // Events added later are shown by the JSON front end only.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

fn doing(stage: Stage) -> &'static str {
    match stage {
        Stage::Classify => "classifying",
        Stage::Analyze => "reading the code",
        Stage::Plan => "planning",
        Stage::Execute => "writing edits",
        Stage::Validate => "validating",
        Stage::Review => "reviewing",
        Stage::Answer => "answering",
    }
}

/// The gist of a reason for one line: its first line, and the next one
/// when the first only introduces a list ("the plan failed its checks:").
fn first_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    match lines.next() {
        Some(next) if first.ends_with(':') => format!("{first} {next}"),
        _ => first.to_owned(),
    }
}

/// The first 12 characters of a commit id.
pub fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn action_letter(action: FileAction) -> &'static str {
    match action {
        FileAction::Create => "A",
        FileAction::Modify => "M",
        FileAction::Delete => "D",
    }
}

fn delta_text(d: &FileDelta) -> String {
    format!("{} (+{} -{})", d.path, d.added, d.removed)
}

/// The changed files, one per line.
pub fn files_table(files: &[FileDelta]) -> String {
    let width = files.iter().map(|f| f.path.len()).max().unwrap_or(0);
    files
        .iter()
        .map(|f| {
            format!(
                "  {} {:<width$}  +{} -{}\n",
                action_letter(f.action),
                f.path,
                f.added,
                f.removed
            )
        })
        .collect()
}

/// Cost per stage, the total, and the saving against sending every call to
/// the top tier; `saved` is what the semantic cache saved on top.
pub fn cost_table(spend: &TaskSpend, saved: Money) -> String {
    let mut out = String::new();
    for (stage, s) in &spend.stages {
        let calls = if s.calls == 1 { "call" } else { "calls" };
        out.push_str(&format!(
            "  {:<9} {:>2} {calls:<5} {}\n",
            stage.as_str(),
            s.calls,
            s.cost
        ));
    }
    if spend.stages.is_empty() {
        out.push_str("  no model calls\n");
    }
    let baseline = spend.baseline;
    out.push_str(&format!("  total     {}", spend.cost));
    if baseline > spend.cost {
        let pct = (baseline - spend.cost).as_usd_f64() / baseline.as_usd_f64() * 100.0;
        out.push_str(&format!(
            "; all on the top tier: {baseline} (saved {} = {pct:.0}%)",
            baseline - spend.cost
        ));
    }
    if saved > Money::ZERO {
        out.push_str(&format!("; the cache saved {saved}"));
    }
    out.push('\n');
    out
}

/// Writes `text` to stdout; a closed pipe is not an error.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distiq_pipeline::StageSpend;

    #[test]
    fn the_cost_table_shows_each_stage_and_the_saving() {
        let mut spend = TaskSpend {
            calls: 2,
            cost: Money::from_micros(3_000),
            baseline: Money::from_micros(12_000),
            ..TaskSpend::default()
        };
        spend.stages.insert(
            Stage::Plan,
            StageSpend {
                calls: 1,
                cost: Money::from_micros(2_500),
                baseline: Money::from_micros(10_000),
            },
        );
        let t = cost_table(&spend, Money::ZERO);
        assert!(t.contains("plan") && t.contains("$0.0025"), "{t}");
        assert!(t.contains("saved $0.009 = 75%"), "{t}");
    }
}
