//! The App's behaviour: what keys and events do to the state, and which
//! actions come out.

use distiq_core::{Stage, Tier};
use distiq_tui::{Action, BUSY, Done, Entry, JobKind, Overlay};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::support::*;

fn warnings(app: &distiq_tui::App) -> Vec<String> {
    app.transcript
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Warning(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_task_starts_a_run_and_enters_the_history() {
    let mut app = app();
    let action = send(&mut app, "fix the bug");
    assert_eq!(
        action,
        Some(Action::Run {
            prompt: "fix the bug".into(),
            force_tier: None
        })
    );
    assert!(app.input.is_empty());
    assert_eq!(app.running.map(|r| r.kind), Some(JobKind::Run));
    app.on_done(Done::Run {
        summary: String::new(),
        files: Vec::new(),
    });
    app.on_key(key(KeyCode::Up));
    assert_eq!(app.input.text(), "fix the bug");
}

#[test]
fn a_task_while_another_runs_is_refused_and_the_input_kept() {
    let mut app = app();
    send(&mut app, "first");
    assert_eq!(send(&mut app, "second"), None);
    assert_eq!(warnings(&app), [BUSY]);
    assert_eq!(app.input.text(), "second");
    // Commands that start jobs are refused too; the others work.
    app.input.clear();
    assert_eq!(send(&mut app, "/plan x"), None);
    assert_eq!(app.input.text(), "/plan x");
    app.input.clear();
    assert_eq!(send(&mut app, "/stats"), Some(Action::LoadStats));
}

#[test]
fn a_task_while_a_review_is_open_is_refused() {
    let mut app = app();
    send(&mut app, "first");
    app.on_done(Done::Run {
        summary: "s".into(),
        files: review_files(),
    });
    assert!(app.busy());
    // Keys go to the review; a paste does not reach the input.
    app.on_paste("second");
    assert!(app.input.is_empty());
}

#[test]
fn ctrl_c_cancels_a_running_task_then_clears_then_quits() {
    let mut app = app();
    send(&mut app, "slow task");
    app.on_event(&started(Stage::Plan, Tier::Top, "big"));
    assert_eq!(app.on_key(ctrl('c')), Some(Action::Cancel));
    assert!(app.running.is_some_and(|r| r.cancelling));
    app.on_done(Done::Cancelled);
    assert!(matches!(
        app.transcript.entries.last(),
        Some(Entry::Cancelled)
    ));
    assert!(!app.transcript.running(), "no stage is left spinning");
    app.on_key(key(KeyCode::Char('x')));
    assert_eq!(app.on_key(ctrl('c')), None);
    assert!(app.input.is_empty(), "the first Ctrl-C clears the input");
    assert_eq!(app.on_key(ctrl('c')), None);
    assert_eq!(app.on_key(ctrl('c')), Some(Action::Quit));
}

#[test]
fn ctrl_d_quits_only_on_an_empty_input() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('x')));
    assert_eq!(app.on_key(ctrl('d')), None);
    app.input.clear();
    assert_eq!(app.on_key(ctrl('d')), Some(Action::Quit));
}

#[test]
fn review_toggles_decide_what_is_committed() {
    let mut app = app();
    send(&mut app, "task");
    app.on_done(Done::Run {
        summary: "s".into(),
        files: review_files(),
    });
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Char(' ')));
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::FinishReview {
            accepted: vec!["src/export.rs".into()]
        })
    );
    assert_eq!(app.running.map(|r| r.kind), Some(JobKind::Commit));
    app.on_done(Done::Review {
        commit: None,
        kept: vec!["src/export.rs".into()],
        reverted: vec!["tests/export.rs".into()],
    });
    assert!(app.review.is_none());
    assert!(matches!(
        app.transcript.entries.last(),
        Some(Entry::Info(l)) if l == "Kept 1 file(s) uncommitted"
    ));
}

#[test]
fn escape_in_review_discards_after_a_confirmation() {
    let mut app = app();
    send(&mut app, "task");
    app.on_done(Done::Run {
        summary: "s".into(),
        files: review_files(),
    });
    assert_eq!(app.on_key(key(KeyCode::Esc)), None);
    assert_eq!(
        app.on_key(key(KeyCode::Char('y'))),
        Some(Action::FinishReview { accepted: vec![] })
    );
    app.on_done(Done::Review {
        commit: None,
        kept: vec![],
        reverted: vec!["src/export.rs".into(), "tests/export.rs".into()],
    });
    assert!(matches!(
        app.transcript.entries.last(),
        Some(Entry::Info(l)) if l == "Discarded all changes"
    ));
}

#[test]
fn a_failed_commit_keeps_the_review_open() {
    let mut app = app();
    send(&mut app, "task");
    app.on_done(Done::Run {
        summary: "s".into(),
        files: review_files(),
    });
    app.on_key(key(KeyCode::Enter));
    app.on_done(Done::Failed(
        "src/export.rs changed since the task wrote it".into(),
    ));
    assert!(app.review.is_some());
    assert!(app.running.is_none());
    // Why, where it can be seen (the transcript is under the review),
    // until the next key.
    let refused = app.review.as_ref().and_then(|r| r.refused.clone());
    assert_eq!(
        refused.as_deref(),
        Some("src/export.rs changed since the task wrote it")
    );
    app.on_key(key(KeyCode::Char('j')));
    assert_eq!(app.review.as_ref().and_then(|r| r.refused.clone()), None);
}

#[test]
fn a_forced_tier_goes_to_the_next_task_only() {
    let mut app = app();
    assert_eq!(send(&mut app, "/model top"), None);
    assert_eq!(app.force_tier, Some(Tier::Top));
    assert_eq!(
        send(&mut app, "/ask why"),
        Some(Action::Ask {
            question: "why".into(),
            force_tier: Some(Tier::Top)
        })
    );
    app.on_done(Done::Ask {
        answer: "because".into(),
        cached: true,
    });
    assert_eq!(
        send(&mut app, "/plan next"),
        Some(Action::Plan {
            prompt: "next".into(),
            force_tier: None
        })
    );
}

#[test]
fn help_and_stats_open_and_close_with_escape() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('?')));
    assert_eq!(app.overlay, Some(Overlay::Help));
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
    // `?` inside a task is text.
    app.on_key(key(KeyCode::Char('w')));
    app.on_key(key(KeyCode::Char('?')));
    assert_eq!(app.input.text(), "w?");
    app.input.clear();
    send(&mut app, "/help");
    assert_eq!(app.overlay, Some(Overlay::Help));
}

#[test]
fn alt_enter_adds_a_line_instead_of_sending() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('a')));
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    app.on_key(key(KeyCode::Char('b')));
    assert_eq!(app.input.text(), "a\nb");
    assert!(app.running.is_none());
}

#[test]
fn unknown_commands_are_named() {
    let mut app = app();
    assert_eq!(send(&mut app, "/foo"), None);
    assert_eq!(warnings(&app), ["unknown command /foo (try /help)"]);
}

#[test]
fn the_meter_adds_up_the_session_per_stage() {
    let mut app = app();
    app.on_event(&call(Stage::Plan, Tier::Top, "big", 1_000, 10_000, 10_000));
    app.on_event(&call(
        Stage::Execute,
        Tier::Cheap,
        "small",
        1_000,
        1_000,
        8_000,
    ));
    assert_eq!(app.meter.total.calls, 2);
    assert_eq!(app.meter.total.cost.micros(), 11_000);
    assert_eq!(app.meter.saved().micros(), 7_000);
    assert_eq!(app.meter.stages[&Stage::Execute].calls, 1);
}

#[test]
fn streamed_text_coalesces_into_one_entry() {
    let mut app = app();
    send(&mut app, "/ask why");
    for part in ["It ", "is ", "so."] {
        app.on_event(&distiq_core::Event::TextDelta {
            stage: Stage::Answer,
            text: part.into(),
        });
    }
    let texts: Vec<&Entry> = app
        .transcript
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::Text { .. }))
        .collect();
    assert_eq!(texts.len(), 1);
    assert!(matches!(texts[0], Entry::Text { text, .. } if text == "It is so."));
}

#[test]
fn a_second_ctrl_c_quits_only_soon_after_the_first() {
    let mut app = app();
    at(&mut app, 1.0);
    assert_eq!(app.on_key(ctrl('c')), None);
    assert!(screen(&app, 80, 20).contains("Press Ctrl-C again to quit"));
    at(&mut app, 5.0);
    assert!(
        !screen(&app, 80, 20).contains("Press Ctrl-C again"),
        "the hint expires"
    );
    assert_eq!(app.on_key(ctrl('c')), None, "too late: this one arms again");
    at(&mut app, 5.5);
    assert_eq!(app.on_key(ctrl('c')), Some(Action::Quit));
}

#[test]
fn an_escalation_ends_the_weaker_row_and_starts_the_stronger_one() {
    let mut app = app();
    send(&mut app, "task");
    app.on_event(&started(Stage::Execute, Tier::Cheap, "small"));
    app.on_event(&distiq_core::Event::Escalated {
        stage: Stage::Execute,
        from: model("small"),
        to: model("mid"),
        reason: "edits did not apply".into(),
    });
    app.on_event(&started(Stage::Execute, Tier::Mid, "mid"));
    app.on_event(&call(Stage::Execute, Tier::Mid, "mid", 1_000, 500, 2_000));
    app.on_event(&finished(Stage::Execute, true));
    let rows: Vec<(String, distiq_tui::RowState, i64)> = app
        .transcript
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Stage(r) => Some((r.model.model.clone(), r.state, r.tokens)),
            _ => None,
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("small".to_owned(), distiq_tui::RowState::Failed, 0),
            ("mid".to_owned(), distiq_tui::RowState::Done, 1_000),
        ]
    );
}

#[test]
fn a_call_outside_any_stage_gets_a_row_of_its_own() {
    let mut app = app();
    send(&mut app, "task");
    app.on_event(&call(Stage::Classify, Tier::Cheap, "small", 300, 10, 100));
    assert!(matches!(
        app.transcript.entries.last(),
        Some(Entry::Stage(r)) if r.stage == Stage::Classify && r.state == distiq_tui::RowState::Done
    ));
}
