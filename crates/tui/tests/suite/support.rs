//! Builders of pipeline events and a screen renderer for the tests. Times
//! come from a fixed session clock, ids and models are made up, so every
//! screen is the same on every machine.

use std::time::Duration;

use distiq_core::{
    CallOutcome, CallRecord, CheckSummary, Complexity, Event, FileAction, FileDelta, ModelRef,
    Money, RouteDecision, Stage, TaskId, TaskKind, Tier, Usage,
};
use distiq_tui::{App, ReviewFile, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The screen `app` draws on a `width` x `height` terminal, as text.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(app, f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn app() -> App {
    App::new("shop", "main")
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Types `text` and presses Enter; returns the action.
pub fn send(app: &mut App, text: &str) -> Option<distiq_tui::Action> {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter))
}

pub fn at(app: &mut App, secs: f64) {
    app.tick(Duration::from_secs_f64(secs));
}

pub fn model(name: &str) -> ModelRef {
    ModelRef::new("fake", name)
}

pub fn route() -> Event {
    Event::RouteDecided {
        task_id: None,
        decision: RouteDecision {
            kind: TaskKind::Feature,
            complexity: Complexity::Standard,
            tiers: [(Stage::Plan, Tier::Top), (Stage::Execute, Tier::Cheap)]
                .into_iter()
                .collect(),
            confidence: 0.9,
            inspected: false,
        },
    }
}

pub fn miss() -> Event {
    Event::CacheLookup {
        task_id: None,
        hit: false,
        similarity: Some(0.41),
        saved: Money::ZERO,
        reason: "nothing close enough".into(),
    }
}

pub fn started(stage: Stage, tier: Tier, name: &str) -> Event {
    Event::StageStarted {
        stage,
        tier,
        model: model(name),
    }
}

pub fn finished(stage: Stage, ok: bool) -> Event {
    Event::StageFinished { stage, ok }
}

/// A priced call: `cost` and `baseline` in micro-dollars.
pub fn call(stage: Stage, tier: Tier, name: &str, tokens: i64, cost: i64, baseline: i64) -> Event {
    Event::CallFinished(CallRecord {
        at: jiff::Timestamp::UNIX_EPOCH,
        task_id: None,
        stage,
        tier,
        model: model(name),
        usage: Usage {
            input_tokens: tokens - tokens / 5,
            output_tokens: tokens / 5,
            ..Usage::default()
        },
        cost: Money::from_micros(cost),
        baseline_cost: Money::from_micros(baseline),
        latency_ms: 1200,
        streamed: true,
        batch: false,
        attempt: 1,
        outcome: CallOutcome::Ok,
    })
}

pub fn plan_ready() -> Event {
    Event::PlanReady {
        task_id: TaskId::new(),
        plan: distiq_core::CodePlan {
            summary: "Add a --json flag to the export command".into(),
            files: vec![
                distiq_core::FilePlan {
                    path: "src/export.rs".into(),
                    action: FileAction::Modify,
                    changes: Vec::new(),
                },
                distiq_core::FilePlan {
                    path: "tests/export.rs".into(),
                    action: FileAction::Create,
                    changes: Vec::new(),
                },
            ],
        },
        cached: false,
    }
}

pub fn wrote() -> Event {
    Event::EditsWritten {
        task_id: TaskId::new(),
        files: vec![
            FileDelta {
                path: "src/export.rs".into(),
                action: FileAction::Modify,
                added: 4,
                removed: 1,
            },
            FileDelta {
                path: "tests/export.rs".into(),
                action: FileAction::Create,
                added: 9,
                removed: 0,
            },
        ],
    }
}

pub fn validated(test_passes: bool) -> Event {
    Event::Validated {
        task_id: TaskId::new(),
        passed: test_passes,
        checks: vec![
            check("syntax", true, "2 files parse"),
            check("lint", true, "cargo clippy: ok"),
            check(
                "test",
                test_passes,
                if test_passes {
                    "cargo test: 12 passed"
                } else {
                    "cargo test: export::json_flag failed"
                },
            ),
        ],
    }
}

fn check(name: &str, passed: bool, summary: &str) -> CheckSummary {
    CheckSummary {
        name: name.into(),
        passed,
        summary: summary.into(),
    }
}

pub fn review_files() -> Vec<ReviewFile> {
    vec![
        ReviewFile {
            path: "src/export.rs".into(),
            action: FileAction::Modify,
            added: 4,
            removed: 1,
            diff: "--- a/src/export.rs\n+++ b/src/export.rs\n@@ -1,6 +1,9 @@\n pub struct Args {\n     pub out: PathBuf,\n+    /// Write JSON instead of CSV.\n+    #[arg(long)]\n+    pub json: bool,\n }\n \n-pub fn export(args: &Args) -> Result<()> {\n+pub fn export(args: &Args) -> Result<()> {\n+    if args.json { return write_json(args); }\n".into(),
        },
        ReviewFile {
            path: "tests/export.rs".into(),
            action: FileAction::Create,
            added: 9,
            removed: 0,
            diff: "--- /dev/null\n+++ b/tests/export.rs\n@@ -0,0 +1,9 @@\n+#[test]\n+fn json_flag_writes_json() {\n+    let out = run([\"--json\"]);\n+    assert!(out.starts_with('{'));\n+}\n".into(),
        },
    ]
}

/// A run up to its second stage: route, cache miss, a finished plan and an
/// executor streaming its edits, at 4.2 s on the session clock.
pub fn running_app() -> App {
    let mut app = app();
    send(&mut app, "add a --json flag to the export command");
    at(&mut app, 0.1);
    app.on_event(&route());
    app.on_event(&miss());
    app.on_event(&started(Stage::Plan, Tier::Top, "big"));
    at(&mut app, 2.9);
    app.on_event(&call(Stage::Plan, Tier::Top, "big", 5_400, 12_300, 12_300));
    app.on_event(&finished(Stage::Plan, true));
    app.on_event(&plan_ready());
    app.on_event(&started(Stage::Execute, Tier::Cheap, "small"));
    app.on_event(&Event::TextDelta {
        stage: Stage::Execute,
        text: "{\"files\": [{\"path\": \"src/export.rs\",\n  \"edits\": [{\"search\": \"pub out: PathBuf,\",".into(),
    });
    at(&mut app, 4.2);
    app
}
