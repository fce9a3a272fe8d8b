//! A snapshot of every screen, drawn with ratatui's TestBackend.

use distiq_core::{Event, Money, Stage, Tier};
use distiq_tui::{Done, LedgerSummary};
use insta::assert_snapshot;
use ratatui::crossterm::event::KeyCode;

use super::support::*;

#[test]
fn idle() {
    assert_snapshot!(screen(&app(), 80, 20));
}

#[test]
fn run_in_progress() {
    assert_snapshot!(screen(&running_app(), 80, 20));
}

#[test]
fn diff_review() {
    let mut app = running_app();
    app.on_event(&call(
        Stage::Execute,
        Tier::Cheap,
        "small",
        2_100,
        900,
        9_000,
    ));
    app.on_event(&finished(Stage::Execute, true));
    app.on_event(&wrote());
    app.on_event(&validated(true));
    app.on_done(Done::Run {
        summary: "Add a --json flag to the export command".into(),
        files: review_files(),
    });
    app.on_key(key(KeyCode::Char('j')));
    app.on_key(key(KeyCode::Char('n')));
    app.on_key(key(KeyCode::Char('k')));
    assert_snapshot!(screen(&app, 90, 20));
}

#[test]
fn a_refused_review_says_why_in_its_footer() {
    let mut app = running_app();
    app.on_done(Done::Run {
        summary: "Add a --json flag to the export command".into(),
        files: review_files(),
    });
    app.on_key(key(KeyCode::Char('r')));
    app.on_key(key(KeyCode::Enter));
    app.on_done(Done::Failed(
        "src/export.rs changed after distiq wrote it; putting it back would lose that work, so nothing was changed. Accept it, or put it back yourself".into(),
    ));
    assert_snapshot!(screen(&app, 90, 20));
}

#[test]
fn failed_validation_with_escalation() {
    let mut app = running_app();
    app.on_event(&call(
        Stage::Execute,
        Tier::Cheap,
        "small",
        2_100,
        900,
        9_000,
    ));
    app.on_event(&finished(Stage::Execute, true));
    app.on_event(&wrote());
    at(&mut app, 6.0);
    app.on_event(&validated(false));
    app.on_event(&Event::Escalated {
        stage: Stage::Execute,
        from: model("small"),
        to: model("mid"),
        reason: "validation failed:\ncargo test: export::json_flag failed".into(),
    });
    app.on_event(&started(Stage::Execute, Tier::Mid, "mid"));
    at(&mut app, 8.5);
    app.on_event(&call(
        Stage::Execute,
        Tier::Mid,
        "mid",
        2_600,
        3_100,
        10_400,
    ));
    app.on_event(&finished(Stage::Execute, true));
    app.on_event(&wrote());
    app.on_event(&validated(true));
    at(&mut app, 9.0);
    assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn committed_and_failed_runs() {
    let mut app = running_app();
    app.on_done(Done::Run {
        summary: "s".into(),
        files: review_files(),
    });
    app.on_key(key(KeyCode::Enter));
    app.on_event(&Event::Committed {
        task_id: distiq_core::TaskId::new(),
        commit: "3f9c2a1d0b".into(),
        summary: "Add a --json flag to the export command".into(),
        paths: vec!["src/export.rs".into()],
    });
    app.on_done(Done::Review {
        commit: Some("3f9c2a1d0b".into()),
        kept: vec!["src/export.rs".into(), "tests/export.rs".into()],
        reverted: Vec::new(),
    });
    send(&mut app, "make the exporter stream");
    app.on_event(&started(Stage::Plan, Tier::Top, "big"));
    app.on_done(Done::Failed(
        "the plan could not be carried out, even after asking fake:big; nothing was changed.\nmore"
            .into(),
    ));
    send(&mut app, "rename export to dump");
    app.on_event(&started(Stage::Plan, Tier::Top, "big"));
    app.on_key(ctrl('c'));
    app.on_done(Done::Cancelled);
    assert_snapshot!(screen(&app, 80, 20));
}

#[test]
fn stats_view() {
    let mut app = running_app();
    app.on_event(&call(
        Stage::Execute,
        Tier::Cheap,
        "small",
        2_100,
        900,
        9_000,
    ));
    app.on_event(&Event::CacheLookup {
        task_id: None,
        hit: true,
        similarity: Some(0.97),
        saved: Money::from_micros(8_000),
        reason: "exact".into(),
    });
    app.on_done(Done::Cancelled);
    send(&mut app, "/stats");
    app.on_ledger(Ok(Some(LedgerSummary {
        calls: 41,
        cost: Money::from_micros(182_000),
        baseline: Money::from_micros(1_240_000),
        cache_lookups: 12,
        cache_hits: 5,
        cache_saved: Money::from_micros(96_000),
    })));
    assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn help_overlay() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('?')));
    assert_snapshot!(screen(&app, 80, 30));
}

#[test]
fn terminal_too_small() {
    let s = screen(&running_app(), 50, 12);
    assert_eq!(s.trim(), "Terminal too small: 50x12 (need at least 60x16)");
    assert_snapshot!(s);
}

#[test]
fn a_ten_thousand_line_paste() {
    let mut app = app();
    let text: String = (1..=10_000)
        .map(|i| format!("line {i} of the log\n"))
        .collect();
    app.on_paste(&text);
    let started = std::time::Instant::now();
    let s = screen(&app, 80, 20);
    // Render cost is bounded by the window around the cursor, not the paste.
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert!(s.contains("[pasted 10000 lines]"), "{s}");
    assert_snapshot!(s);
}

#[test]
fn model_and_undo_lines() {
    let mut app = app();
    app.on_event(&route());
    send(&mut app, "/model");
    send(&mut app, "/model top");
    send(&mut app, "/foo");
    assert_snapshot!(screen(&app, 80, 16));
}

#[test]
fn help_on_the_smallest_screen() {
    let mut app = app();
    app.on_key(key(KeyCode::Char('?')));
    let s = screen(&app, 60, 16);
    // Every command is listed even at the minimum size.
    for cmd in ["/plan", "/ask", "/undo", "/stats", "/model", "/quit"] {
        assert!(s.contains(cmd), "{cmd} missing:\n{s}");
    }
    assert_snapshot!(s);
}

#[test]
fn an_answer_streams_in_full() {
    let mut app = app();
    send(&mut app, "/ask where is the port set?");
    app.on_event(&started(Stage::Answer, Tier::Top, "big"));
    for part in [
        "The port is set in `src/lib.rs`, ",
        "in `port()`, which returns 8080.\n\nNothing ",
        "else reads it.",
    ] {
        app.on_event(&Event::TextDelta {
            stage: Stage::Answer,
            text: part.into(),
        });
    }
    at(&mut app, 1.5);
    assert_snapshot!(screen(&app, 60, 16));
}

#[test]
fn a_hanging_provider_keeps_the_spinner_and_clock_moving() {
    let mut app = app();
    send(&mut app, "task");
    app.on_event(&started(Stage::Plan, Tier::Top, "big"));
    at(&mut app, 1.0);
    let before = screen(&app, 80, 20);
    at(&mut app, 61.25);
    let after = screen(&app, 80, 20);
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains("fake:big"))
            .unwrap_or_default()
            .to_owned()
    };
    assert_ne!(row(&before), row(&after));
    assert!(row(&before).ends_with("1.0s"), "{}", row(&before));
    assert!(row(&after).ends_with("1m01s"), "{}", row(&after));
    assert_ne!(
        before.lines().next_back(),
        after.lines().next_back(),
        "the footer's spinner moves too"
    );
}

#[test]
fn page_up_scrolls_the_transcript_and_esc_returns() {
    let mut app = app();
    for i in 0..40 {
        app.on_event(&Event::Warning {
            message: format!("note {i}"),
        });
    }
    assert!(screen(&app, 80, 20).contains("! note 39"));
    app.on_key(key(KeyCode::PageUp));
    let up = screen(&app, 80, 20);
    assert!(
        !up.contains("! note 39") && up.contains("! note 29"),
        "{up}"
    );
    assert!(up.contains("Scrolled up"), "{up}");
    app.on_key(key(KeyCode::Esc));
    assert!(screen(&app, 80, 20).contains("! note 39"));
}

#[test]
fn a_ten_thousand_line_task_shows_its_first_lines() {
    let mut app = app();
    let text: String = (1..=10_000)
        .map(|i| format!("line {i} of the log\n"))
        .collect();
    app.on_paste(&text);
    assert!(app.on_key(key(KeyCode::Enter)).is_some());
    let s = screen(&app, 80, 20);
    assert!(s.contains("› line 1 of the log"), "{s}");
    assert!(s.contains("… 9995 more lines"), "{s}");
    assert!(!s.contains("line 6 of"), "{s}");
}

#[test]
fn a_long_diff_says_where_it_is_scrolled_to() {
    let mut app = app();
    send(&mut app, "task");
    let mut files = review_files();
    files[0].diff = (1..=100).map(|i| format!("+line {i}\n")).collect();
    app.on_done(Done::Run {
        summary: "s".into(),
        files,
    });
    let s = screen(&app, 80, 20);
    assert!(s.contains(" 1-13/100 PgUp/PgDn "), "{s}");
    app.on_key(key(KeyCode::PageDown));
    let s = screen(&app, 80, 20);
    assert!(s.contains(" 11-23/100 PgUp/PgDn "), "{s}");
    assert!(s.contains("+line 11") && !s.contains("+line 10\n"), "{s}");
}
