//! Slash commands in the session, end to end: what reaches the provider
//! and what the repository looks like after, not only what is drawn.

use distiq_test_support::MockServer;
use distiq_test_support::openai::{chat_mock, sse_template, stream_text, usage};
use serde_json::json;
use wiremock::matchers::body_partial_json;

use super::pty::{frame, keys};
use super::{NO_LOCAL, PLACEHOLDER, WAIT, log, plan_on_every_tier, plan_requests, ready, submit};
use crate::suite::run::{LIB, answer, read, replace_plan, repo, requests};
use crate::util::World;

const TASK: &str = "move the server to port 8081";

async fn world() -> (World, MockServer) {
    let server = MockServer::start().await;
    plan_on_every_tier(&server, &replace_plan("    8080\n", "    8081\n"), None).await;
    let w = World::new();
    repo(&w, &server, "");
    (w, server)
}

#[tokio::test]
async fn slash_ask_streams_the_answer_and_edits_nothing() {
    let (w, server) = world().await;
    answer(
        &server,
        "small",
        "facts",
        json!({"facts": [{"fact": "port() returns 8080", "path": "src/lib.rs", "lines": "1-3"}]}),
        None,
    )
    .await;
    chat_mock()
        .and(body_partial_json(json!({"model": "mid", "stream": true})))
        .and(wiremock::matchers::body_string_contains(
            "port() returns 8080",
        ))
        .respond_with(sse_template(stream_text(
            &["The server listens on ", "port 8080 (src/lib.rs)."],
            "stop",
            usage(300, 20),
        )))
        .with_priority(1)
        .mount(&server)
        .await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, "/ask which port does the server listen on?");

    let screen = tui.wait_text("The server listens on port 8080 (src/lib.rs).", WAIT);
    assert!(
        screen.contains("› /ask which port does the server listen on?"),
        "{}",
        frame(&screen)
    );
    tui.wait_text(PLACEHOLDER, WAIT);
    assert_eq!(
        requests(&server).await,
        [
            ("small".into(), "facts".into()),
            ("mid".into(), "text".into())
        ]
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert_eq!(log(&w).len(), 1);
}

#[tokio::test]
async fn slash_plan_shows_the_plan_and_its_estimate_and_writes_nothing() {
    let (w, server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, &format!("/plan {TASK}"));

    let screen = tui.wait_text("estimate: ", WAIT);
    assert!(
        screen.contains(&format!("› /plan {TASK}")),
        "{}",
        frame(&screen)
    );
    assert!(
        screen.contains("Move the server to another port") && screen.contains("src/lib.rs"),
        "the plan:\n{}",
        frame(&screen)
    );
    assert!(!screen.contains("Review changes"), "{}", frame(&screen));
    tui.wait_text(PLACEHOLDER, WAIT);
    assert_eq!(plan_requests(&server).await, 1);
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert_eq!(log(&w).len(), 1);
}

#[tokio::test]
async fn slash_model_top_puts_the_next_task_and_only_it_on_the_top_tier() {
    let (w, server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, "/model top");
    tui.wait_text("next task: every stage on top", WAIT);
    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("r");
    tui.wait_text("[ ]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Discarded all changes", WAIT);

    // The task after it is routed as configured again (the plan stage on
    // mid, the router being off).
    submit(&tui, "use port 8081 for the server");
    tui.wait_text("Review changes", WAIT);
    assert_eq!(
        requests(&server).await,
        [
            ("big".into(), "code_plan".into()),
            ("mid".into(), "code_plan".into())
        ]
    );
}

#[tokio::test]
async fn slash_stats_shows_the_session_and_the_ledger_and_esc_closes_it() {
    let (w, _server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);
    submit(&tui, "/stats");
    let screen = tui.wait_text("no model calls yet", WAIT);
    assert!(screen.contains("This session"), "{}", frame(&screen));
    // Esc alone (a key after it in the same read would make it Alt-<key>),
    // and the input box shows under the overlay: wait for it to close.
    tui.send(keys::ESC);
    tui.wait_for("the overlay to close", WAIT, |s| {
        !s.contains("This session")
    });

    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Committed ", WAIT);
    tui.wait_text(PLACEHOLDER, WAIT);

    submit(&tui, "/stats");
    // One plan call on mid: 1,000 tokens in at $3/M, 100 out at $6/M.
    let screen = tui.wait_text("1 calls, spent $0.0036", WAIT);
    assert!(screen.contains("This session"), "{}", frame(&screen));
    let plan_row = screen
        .lines()
        .find(|l| l.contains(" plan ") && l.contains("$0.0036"))
        .unwrap_or_else(|| panic!("no plan row:\n{}", frame(&screen)));
    assert!(plan_row.contains(" 1 "), "one call: {plan_row}");
    tui.send(keys::ESC);
    tui.wait_for("the overlay to close", WAIT, |s| {
        !s.contains("This session")
    });
}

#[tokio::test]
async fn up_recalls_the_last_task_sent_and_down_goes_back_to_the_draft() {
    let (w, _server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);
    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("r");
    tui.wait_text("[ ]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text(PLACEHOLDER, WAIT);

    tui.send("draft");
    tui.wait_text("draft", WAIT);
    tui.send(keys::UP);
    let input = |s: &str| {
        s.lines()
            .rev()
            .find(|l| l.starts_with('│'))
            .unwrap_or_default()
            .trim_matches(|c: char| c == '│' || c.is_whitespace())
            .to_owned()
    };
    tui.wait_for("the last task in the input", WAIT, |s| input(s) == TASK);
    tui.send(keys::DOWN);
    tui.wait_for("the draft back", WAIT, |s| input(s) == "draft");
}
