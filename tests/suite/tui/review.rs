//! The review, file by file: what is committed is what was accepted, what
//! was rejected is put back, and a file the user changed meanwhile is
//! never overwritten.

use distiq_test_support::MockServer;
use serde_json::{Value, json};

use super::pty::{Pty, frame, keys};
use super::{NO_LOCAL, WAIT, log, plan_on_every_tier, ready, submit};
use crate::suite::run::{LIB, git, read, repo};
use crate::util::World;

const CONFIG: &str = "pub const PORT: u16 = 8081;\n";

/// A plan that creates src/config.rs and changes src/lib.rs.
fn two_files() -> Value {
    json!({"summary": "Port in a config module", "files": [
        {"path": "src/lib.rs", "action": "modify", "changes": [
            {"type": "replace", "location": "fn port", "old_code": "    8080\n", "new_code": "    8081\n", "reasoning": "a"}]},
        {"path": "src/config.rs", "action": "create", "changes": [
            {"type": "insert", "location": "new", "old_code": null, "new_code": CONFIG, "reasoning": "b"}]}
    ]})
}

async fn world() -> (World, MockServer) {
    let server = MockServer::start().await;
    plan_on_every_tier(&server, &two_files(), None).await;
    let w = World::new();
    repo(&w, &server, "");
    (w, server)
}

/// The review's file list, as its rows read: `[x] A src/config.rs`.
fn marks(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            let row = l.trim_start_matches('│');
            let (mark, rest) = row.split_at_checked(3)?;
            let rest: Vec<&str> = rest.split_whitespace().take(2).collect();
            matches!(mark, "[x]" | "[ ]").then(|| format!("{mark} {}", rest.join(" ")))
        })
        .collect()
}

/// Starts the two-file task and waits for its review.
fn review(w: &World) -> Pty {
    let mut tui = ready(w, NO_LOCAL);
    submit(&tui, "move the port to a config module");
    tui.wait_text("Review changes (2 files)", WAIT);
    tui
}

#[tokio::test]
async fn each_file_is_accepted_or_rejected_on_its_own_and_only_the_accepted_are_committed() {
    let (w, _server) = world().await;
    let mut tui = review(&w);
    let screen = tui.screen();
    assert_eq!(
        marks(&screen),
        ["[x] A src/config.rs", "[x] M src/lib.rs"],
        "{}",
        frame(&screen)
    );
    // The first file is selected and its diff shown.
    assert!(
        screen.contains("+pub const PORT: u16 = 8081;"),
        "{}",
        frame(&screen)
    );

    // Reject the new file; move to the other: its diff follows.
    tui.send("n");
    tui.wait_for("src/config.rs rejected", WAIT, |s| {
        marks(s).first().is_some_and(|m| m.starts_with("[ ]"))
    });
    tui.send("j");
    tui.wait_text("+    8081", WAIT);
    tui.send(keys::ENTER);
    let screen = tui.wait_text("Committed ", WAIT);

    assert!(
        screen.contains("rolled back src/config.rs"),
        "{}",
        frame(&screen)
    );
    assert_eq!(log(&w).len(), 2);
    assert_eq!(
        git(&w, &["show", "--name-only", "--format=", "HEAD"]),
        "src/lib.rs\n",
        "only the accepted file is in the commit"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert!(!w.repo.join("src/config.rs").exists());
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn space_toggles_the_selected_file_and_a_then_y_n_mark_each() {
    let (w, _server) = world().await;
    let mut tui = review(&w);

    // Space on the first, then accept-all, then reject the second only.
    tui.send(" ");
    tui.wait_for("the first file toggled off", WAIT, |s| {
        marks(s) == ["[ ] A src/config.rs", "[x] M src/lib.rs"]
    });
    tui.send("a");
    tui.wait_for("all accepted", WAIT, |s| {
        marks(s) == ["[x] A src/config.rs", "[x] M src/lib.rs"]
    });
    tui.send(keys::DOWN);
    tui.wait_text("+    8081", WAIT);
    tui.send("n");
    tui.wait_for("the second rejected", WAIT, |s| {
        marks(s) == ["[x] A src/config.rs", "[ ] M src/lib.rs"]
    });
    tui.send(keys::ENTER);
    tui.wait_text("Committed ", WAIT);

    assert_eq!(
        git(&w, &["show", "--name-only", "--format=", "HEAD"]),
        "src/config.rs\n"
    );
    assert_eq!(read(&w, "src/config.rs"), CONFIG);
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
}

#[tokio::test]
async fn a_file_the_user_changed_during_the_review_is_not_put_back_over_their_edit() {
    let (w, _server) = world().await;
    let mut tui = review(&w);
    // The user edits the file the task changed, in another window.
    let theirs = LIB.replace("8080", "9999");
    w.write("src/lib.rs", &theirs);

    tui.send("r");
    tui.wait_for("all rejected", WAIT, |s| {
        marks(s) == ["[ ] A src/config.rs", "[ ] M src/lib.rs"]
    });
    tui.send(keys::ENTER);
    // Refused, saying why where it can be seen: the review stays open.
    let screen = tui.wait_text("! src/lib.rs changed after distiq wrote it", WAIT);
    assert!(screen.contains("Review changes"), "{}", frame(&screen));
    assert_eq!(read(&w, "src/lib.rs"), theirs, "their edit is kept");
    assert!(w.repo.join("src/config.rs").exists(), "nothing was changed");
    assert_eq!(log(&w).len(), 1);

    // Accepting takes the files as they are now, their edit included.
    tui.send("a");
    tui.wait_for("all accepted", WAIT, |s| {
        marks(s) == ["[x] A src/config.rs", "[x] M src/lib.rs"]
    });
    tui.send(keys::ENTER);
    tui.wait_text("Committed ", WAIT);
    assert_eq!(log(&w).len(), 2);
    assert_eq!(read(&w, "src/lib.rs"), theirs);
    assert_eq!(read(&w, "src/config.rs"), CONFIG);
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
}
