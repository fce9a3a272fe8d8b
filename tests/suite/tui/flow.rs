//! A task from the input box to the commit, and the ways it may not get
//! there: rejected in review, refused while another runs, cancelled while
//! its provider hangs. The repository is checked with git, not the screen.

use std::time::Duration;

use distiq_test_support::MockServer;
use distiq_test_support::openai::{chat_mock, server_error};
use serde_json::json;
use wiremock::matchers::body_string_contains;

use super::pty::{frame, keys};
use super::{
    BUSY, NO_LOCAL, PLACEHOLDER, WAIT, committed_id, count, drawn_at, first_plan_hangs, log,
    plan_on_every_tier, plan_request_sent, plan_requests, ready, submit,
};
use crate::suite::run::{LIB, answer, git, read, replace_plan, repo, requests};
use crate::util::World;

const TASK: &str = "move the server to port 8081";
const SUMMARY: &str = "Move the server to another port";

async fn world(delay: Option<Duration>) -> (World, MockServer) {
    let server = MockServer::start().await;
    plan_on_every_tier(&server, &replace_plan("    8080\n", "    8081\n"), delay).await;
    let w = World::new();
    repo(&w, &server, "");
    (w, server)
}

/// The repository exactly as `repo` left it: one commit, a clean tree,
/// the file untouched.
fn untouched(w: &World) {
    assert_eq!(log(w).len(), 1, "no commit but the first: {:?}", log(w));
    assert_eq!(read(w, "src/lib.rs"), LIB);
    assert_eq!(git(w, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn a_task_typed_in_the_session_is_reviewed_accepted_and_committed() {
    let (w, server) = world(None).await;
    let mut tui = ready(&w, &[]);

    submit(&tui, TASK);

    // The review may cover the task's block as soon as it opens (a fast
    // run never shows the block alone): the block is checked once the
    // review has closed, below.
    let review = tui.wait_text("Review changes", WAIT);
    assert!(review.contains("src/lib.rs"), "{}", frame(&review));
    assert!(review.contains("8081"), "the diff:\n{}", frame(&review));
    assert!(review.contains("8080"), "the diff:\n{}", frame(&review));
    // Nothing is committed while the review is open.
    assert_eq!(log(&w).len(), 1);
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));

    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    let screen = tui.wait_text("Committed ", WAIT);

    // The task's block: its text, the route, then the commit.
    assert!(screen.contains(&format!("› {TASK}")), "{}", frame(&screen));
    assert!(screen.contains("route: "), "{}", frame(&screen));
    let id = committed_id(&screen);
    assert_eq!(id.len(), 7, "a 7-hex id:\n{}", frame(&screen));
    let commits = log(&w);
    assert_eq!(commits.len(), 2, "{commits:?}");
    assert!(commits[0].starts_with(&id), "{commits:?} vs {id}");
    assert!(commits[0].ends_with(SUMMARY), "{commits:?}");
    assert!(
        screen.contains(SUMMARY),
        "the summary beside the commit:\n{}",
        frame(&screen)
    );
    let message = git(&w, &["log", "-1", "--format=%B"]);
    assert!(message.contains(&format!("Task: {TASK}")), "{message}");
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
    assert_eq!(plan_requests(&server).await, 1);
    // The stage lines: the plan ran and finished.
    let plan_line = screen
        .lines()
        .find(|l| l.contains('✓') && l.contains("plan"))
        .unwrap_or_else(|| panic!("no finished plan stage:\n{}", frame(&screen)));
    assert!(plan_line.contains("fake:"), "{plan_line}");
    // Back to the input box, ready for the next task.
    tui.wait_text(PLACEHOLDER, WAIT);
}

#[tokio::test]
async fn a_change_rejected_in_review_is_put_back_and_not_committed() {
    let (w, _server) = world(None).await;
    let mut tui = ready(&w, NO_LOCAL);

    // Reject all, then Enter.
    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("r");
    tui.wait_text("[ ]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Discarded all changes", WAIT);
    untouched(&w);

    // Esc, then confirm: the same.
    tui.wait_text(PLACEHOLDER, WAIT);
    submit(&tui, "use port 8081 for the server");
    // The review covers the transcript; the first one is closed, so this
    // is the second.
    tui.wait_text("Review changes", WAIT);
    // Esc alone: a key after it in the same read would make it Alt-<key>.
    tui.send(keys::ESC);
    tui.wait_text("Discard all changes? y/n", WAIT);
    tui.send("y");
    tui.wait_for("the second discard", WAIT, |s| {
        count(s, "Discarded all changes") == 2
    });
    untouched(&w);
    let screen = tui.screen();
    assert!(!screen.contains("Committed "), "{}", frame(&screen));
}

#[tokio::test]
async fn a_task_sent_while_another_runs_is_refused_and_kept_in_the_input() {
    // Slow enough that the second task is typed while the first runs; if
    // the machine is slower still, the first task's review is open, which
    // refuses a task all the same.
    let (w, server) = world(Some(Duration::from_secs(3))).await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, TASK);
    tui.wait_text(&format!("› {TASK}"), WAIT);
    submit(&tui, "also rename host to hostname");

    let screen = tui.wait_text(BUSY, WAIT);
    assert!(
        !screen.contains("› also rename"),
        "the second task got a block:\n{}",
        frame(&screen)
    );
    // The refused task stays in the input box, to send later.
    assert!(
        screen.contains("also rename host to hostname"),
        "{}",
        frame(&screen)
    );

    // The first task goes on to its review; the second never reached the
    // provider.
    tui.wait_text("Review changes", WAIT);
    assert_eq!(plan_requests(&server).await, 1);
    tui.send("r");
    tui.wait_text("[ ]", WAIT);
    tui.send(keys::ENTER);
    let screen = tui.wait_text("Discarded all changes", WAIT);
    assert!(
        !screen.contains("› also rename"),
        "the refused task ran after all:\n{}",
        frame(&screen)
    );
    untouched(&w);
    assert_eq!(plan_requests(&server).await, 1);
    // The plan's elapsed time counts the provider's 3 s delay (the session
    // stamps a stage when it takes the event in, so a busy machine may
    // shave a little off: a lower bound, not a measurement).
    let took = elapsed(&screen, "plan");
    assert!(took >= 1.0, "plan took {took}s:\n{}", frame(&screen));
}

/// The elapsed seconds at the end of the finished `stage`'s line.
fn elapsed(screen: &str, stage: &str) -> f64 {
    let line = screen
        .lines()
        .find(|l| l.starts_with(&format!("✓ {stage} ")))
        .unwrap_or_else(|| panic!("no finished {stage} line:\n{}", frame(screen)));
    line.split_whitespace()
        .last()
        .and_then(|t| t.strip_suffix('s'))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no elapsed time in {line:?}"))
}

#[tokio::test]
async fn ctrl_c_cancels_a_task_whose_provider_hangs_and_the_session_goes_on() {
    let (w, server) = world(None).await;
    let plan = replace_plan("    8080\n", "    8081\n");
    first_plan_hangs(&server, &plan, Duration::from_secs(600)).await;
    let mut tui = ready(&w, &[]);

    submit(&tui, TASK);
    tui.wait_text(&format!("› {TASK}"), WAIT);
    // The plan request is out and unanswered.
    plan_request_sent(&server).await;
    // The UI is alive while it waits: the spinner and the elapsed time move.
    let before = tui.screen();
    tui.wait_for("the running stage to move", WAIT, |s| s != before);

    tui.send(keys::CTRL_C);
    let screen = tui.wait_text("Cancelled", WAIT);
    assert!(!screen.contains("Committed "), "{}", frame(&screen));
    assert!(!screen.contains("Review changes"), "{}", frame(&screen));
    untouched(&w);

    // A new task runs as usual (the fake answers from now on).
    tui.wait_text(PLACEHOLDER, WAIT);
    submit(&tui, "use port 8081 for the server");
    tui.wait_text("Review changes", WAIT);
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Committed ", WAIT);
    assert_eq!(log(&w).len(), 2);
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(plan_requests(&server).await, 2);
}

#[tokio::test]
async fn slash_undo_reverts_the_commit_the_session_made_and_only_that() {
    let (w, _server) = world(None).await;
    let mut tui = ready(&w, NO_LOCAL);
    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    let id = committed_id(&tui.wait_text("Committed ", WAIT));
    tui.wait_text(PLACEHOLDER, WAIT);

    submit(&tui, "/undo");
    tui.wait_text(&format!("Reverted {id}"), WAIT);
    untouched(&w);

    // HEAD is the user's commit now: the second /undo refuses, changing
    // nothing.
    tui.wait_text(PLACEHOLDER, WAIT);
    submit(&tui, "/undo");
    let screen = tui.wait_text("Failed: ", WAIT);
    assert_eq!(count(&screen, "Reverted "), 1, "{}", frame(&screen));
    untouched(&w);
}

#[tokio::test]
async fn quitting_while_the_provider_hangs_cancels_the_task_and_leaves_the_repo_clean() {
    let (w, server) = world(None).await;
    let plan = replace_plan("    8080\n", "    8081\n");
    first_plan_hangs(&server, &plan, Duration::from_secs(600)).await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, TASK);
    plan_request_sent(&server).await;
    submit(&tui, "/quit");
    let status = tui.wait_exit(WAIT);

    assert!(status.success(), "{status:?}\n{}", frame(&tui.screen()));
    assert!(!tui.alternate_screen(), "{}", frame(&tui.screen()));
    untouched(&w);
}

#[tokio::test]
async fn a_review_survives_a_terminal_too_small_and_commits_after_it_grows() {
    let (w, _server) = world(None).await;
    let mut tui = ready(&w, NO_LOCAL);
    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);

    tui.resize(40, 10);
    tui.wait_text("Terminal too small", WAIT);
    tui.resize(60, 16);
    let screen = tui.wait_text("Review changes", WAIT);
    assert!(screen.contains("src/lib.rs"), "{}", frame(&screen));
    tui.resize(100, 30);
    tui.wait_for("the review at full size", WAIT, |s| {
        s.contains("Review changes") && drawn_at(s, 100)
    });
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Committed ", WAIT);
    assert_eq!(log(&w).len(), 2);
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
}

#[tokio::test]
async fn a_warning_logged_during_a_task_is_printed_after_the_session_not_over_its_screen() {
    let (w, _server) = world(None).await;
    // A corrupt tags cache: the analyzer logs a warning and parses anew.
    let exclude = w.repo.join(".git/info/exclude");
    let mut excluded = std::fs::read_to_string(&exclude).unwrap();
    excluded.push_str(".distiq/\n");
    std::fs::write(&exclude, excluded).unwrap();
    w.write(".distiq/cache/tags.bin", "not a tags cache at all");
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, TASK);
    let screen = tui.wait_text("Review changes", WAIT);

    let output = String::from_utf8_lossy(&tui.output()).into_owned();
    assert!(
        !output.contains("WARN"),
        "a log line went to the terminal:\n{}\n\nraw: {:?}",
        frame(&screen),
        &output[output.find("WARN").unwrap_or(0).saturating_sub(200)..]
            .chars()
            .take(600)
            .collect::<String>()
    );
    tui.send("r");
    tui.wait_text("[ ]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Discarded all changes", WAIT);

    // Not lost: printed once the terminal is given back.
    submit(&tui, "/quit");
    assert!(tui.wait_exit(WAIT).success());
    let screen = tui.screen();
    assert!(
        screen.contains("WARN") && screen.contains("is corrupt"),
        "{}",
        frame(&screen)
    );
}

#[tokio::test]
async fn a_provider_error_on_the_plan_escalates_it_and_the_transcript_says_so() {
    let (w, server) = world(None).await;
    chat_mock()
        .respond_with(server_error())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    let screen = tui.wait_text("Committed ", WAIT);

    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("↑ plan: fake:mid → fake:big (fake answered 500")),
        "the escalation:\n{}",
        frame(&screen)
    );
    assert_eq!(
        requests(&server).await,
        [
            ("mid".into(), "code_plan".into()),
            ("big".into(), "code_plan".into())
        ]
    );
    assert_eq!(log(&w).len(), 2);
}

#[tokio::test]
async fn a_task_every_tier_fails_shows_failed_leaves_the_repo_as_it_was_and_the_session_goes_on() {
    let (w, server) = world(None).await;
    chat_mock()
        .and(body_string_contains("on purpose"))
        .respond_with(server_error())
        .with_priority(1)
        .mount(&server)
        .await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, "fail on purpose, whichever tier is asked");
    let screen = tui.wait_text("Failed: ", WAIT);
    assert!(!screen.contains("Review changes"), "{}", frame(&screen));
    untouched(&w);

    tui.wait_text(PLACEHOLDER, WAIT);
    submit(&tui, TASK);
    tui.wait_text("Review changes", WAIT);
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Committed ", WAIT);
    assert_eq!(log(&w).len(), 2);
}

#[tokio::test]
async fn a_failing_check_goes_back_to_the_executor_and_the_review_shows_the_fixed_file() {
    let server = MockServer::start().await;
    plan_on_every_tier(
        &server,
        &replace_plan("    8080\n", "    8081 // BROKEN\n"),
        None,
    )
    .await;
    answer(
        &server,
        "small",
        "fix_edits",
        json!({"edits": [{"path": "src/lib.rs", "search": "    8081 // BROKEN\n", "replace": "    8081\n"}]}),
        None,
    )
    .await;
    let w = World::new();
    repo(&w, &server, "");
    let mut tui = ready(
        &w,
        &[
            "--no-route",
            "--no-cache",
            "-c",
            "validate.test=! grep -rn BROKEN src",
        ],
    );

    submit(&tui, TASK);
    let screen = tui.wait_text("Review changes", WAIT);
    assert!(
        !screen.contains("BROKEN"),
        "the reviewed diff is the fixed one:\n{}",
        frame(&screen)
    );
    tui.send("a");
    tui.wait_text("[x]", WAIT);
    tui.send(keys::ENTER);
    let screen = tui.wait_text("Committed ", WAIT);
    // The failed check, then the passing one, in the task's block.
    assert!(screen.contains("✗ test"), "{}", frame(&screen));
    assert!(screen.contains("✓ test"), "{}", frame(&screen));
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(log(&w).len(), 2);
}

#[tokio::test]
async fn sigterm_while_the_provider_hangs_rolls_back_and_gives_the_terminal_back() {
    let (w, server) = world(None).await;
    let plan = replace_plan("    8080\n", "    8081\n");
    first_plan_hangs(&server, &plan, Duration::from_secs(600)).await;
    let mut tui = ready(&w, NO_LOCAL);

    submit(&tui, TASK);
    plan_request_sent(&server).await;
    tui.signal("TERM");
    let status = tui.wait_exit(WAIT);

    // It left on its own, not killed by the signal, and undid what it had
    // done to the terminal.
    assert_eq!(status.signal(), None, "{status:?}");
    assert!(!tui.alternate_screen(), "{}", frame(&tui.screen()));
    let stty = tui.stty();
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig"] {
        assert!(flags.contains(&flag), "{flag} off after SIGTERM: {stty}");
    }
    untouched(&w);
}
