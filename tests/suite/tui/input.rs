//! Bad input and the terminal: a terminal too small, a huge paste, and
//! leaving the session with the terminal as it was.

use std::fmt::Write as _;

use distiq_test_support::MockServer;

use super::pty::{frame, keys};
use super::{
    NO_LOCAL, PLACEHOLDER, WAIT, drawn_at, plan_on_every_tier, plan_requests, ready, start,
};
use crate::suite::run::{LIB, read, replace_plan, repo};
use crate::util::World;

async fn world() -> (World, MockServer) {
    let server = MockServer::start().await;
    plan_on_every_tier(&server, &replace_plan("    8080\n", "    8081\n"), None).await;
    let w = World::new();
    repo(&w, &server, "");
    (w, server)
}

/// The screen's text without any whitespace, so a message wrapped on a
/// narrow screen compares equal to itself.
fn squeezed(s: &str) -> String {
    s.split_whitespace().collect()
}

#[tokio::test]
async fn a_terminal_too_small_shows_only_that_and_the_session_comes_back_when_it_grows() {
    let (w, _server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);
    tui.send("half a task");
    tui.wait_text("half a task", WAIT);

    tui.resize(40, 10);
    let message = "Terminal too small: 40x10 (need at least 60x16)";
    let screen = tui.wait_for("the too-small message", WAIT, |s| {
        squeezed(s) == squeezed(message)
    });
    assert!(!screen.contains("distiq"), "{}", frame(&screen));

    // One dimension too small is too small.
    tui.resize(100, 12);
    tui.wait_for("the too-small message at 100x12", WAIT, |s| {
        squeezed(s) == squeezed("Terminal too small: 100x12 (need at least 60x16)")
    });

    tui.resize(100, 30);
    let screen = tui.wait_text("half a task", WAIT);
    assert!(!screen.contains("too small"), "{}", frame(&screen));
    assert!(
        screen.contains("distiq"),
        "the top line:\n{}",
        frame(&screen)
    );

    // The smallest size that fits is the normal screen.
    tui.resize(60, 16);
    let screen = tui.wait_for("the session at 60x16", WAIT, |s| {
        s.contains("half a task") && drawn_at(s, 60)
    });
    assert!(!screen.contains("too small"), "{}", frame(&screen));
    tui.send("!");
    tui.wait_text("half a task!", WAIT);
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}

#[tokio::test]
async fn a_session_started_in_a_terminal_too_small_says_so_until_it_grows() {
    let (w, _server) = world().await;
    let mut tui = start(&w, NO_LOCAL, 59, 16);
    let message = "Terminal too small: 59x16 (need at least 60x16)";
    tui.wait_for("the too-small message", WAIT, |s| {
        squeezed(s) == squeezed(message)
    });

    tui.resize(80, 24);
    tui.wait_text(PLACEHOLDER, WAIT);
    tui.send("/quit");
    tui.send(keys::ENTER);
    assert!(tui.wait_exit(WAIT).success());
}

#[tokio::test]
async fn a_paste_of_ten_thousand_lines_waits_in_the_input_until_enter() {
    let (w, server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);
    // Ten thousand lines: the task, then 9,999 more.
    let mut paste = String::from("rename the port function");
    for i in 2..=10_000 {
        let _ = write!(paste, "\nline {i:05}");
    }

    tui.send_paste(&paste);
    tui.wait_text("[pasted 10000 lines]", WAIT);
    // The next key after the paste shows up at once and nothing was sent.
    tui.send("Z");
    let screen = tui.wait_text("line 10000Z", WAIT);
    assert!(
        !screen.contains("› "),
        "a task started:\n{}",
        frame(&screen)
    );
    assert_eq!(plan_requests(&server).await, 0);

    // Enter sends all of it, as one task.
    tui.send(keys::ENTER);
    tui.wait_text("Review changes", WAIT);
    let bodies = distiq_test_support::request_bodies(&server).await;
    assert_eq!(bodies.len(), 1, "one plan request");
    let sent = bodies[0]["messages"].to_string();
    for line in [
        "rename the port function",
        "line 00002",
        "line 05000",
        "line 10000Z",
    ] {
        assert!(sent.contains(line), "{line} not sent");
    }
    tui.send("r");
    tui.wait_text("[ ]", WAIT);
    tui.send(keys::ENTER);
    tui.wait_text("Discarded all changes", WAIT);
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}

#[tokio::test]
async fn stray_escape_sequences_and_invalid_utf8_do_not_end_or_corrupt_the_session() {
    let (w, server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);

    // A cursor report nobody asked for, a mouse click, an unknown CSI, a
    // lone continuation byte and an unfinished UTF-8 sequence, then text.
    tui.send_bytes(b"\x1b[12;40R\x1b[<0;10;5M\x1b[99~\x80ab\xe2\x82cd");
    tui.send("still here");
    let screen = tui.wait_text("still here", WAIT);
    for junk in ["12;40R", "<0;10;5M", "99~"] {
        assert!(
            !screen.contains(junk),
            "{junk} on screen:\n{}",
            frame(&screen)
        );
    }
    assert!(tui.running(), "the session ended:\n{}", frame(&screen));
    tui.send(&"\x7f".repeat(40));
    tui.wait_text(PLACEHOLDER, WAIT);
    tui.send("/quit");
    tui.send(keys::ENTER);
    assert!(tui.wait_exit(WAIT).success());
    assert_eq!(plan_requests(&server).await, 0);
}

#[tokio::test]
async fn an_unknown_command_is_named_and_nothing_runs() {
    let (w, server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);

    tui.send("/frobnicate now");
    tui.send(keys::ENTER);

    let screen = tui.wait_text("! unknown command /frobnicate (try /help)", WAIT);
    assert!(!screen.contains("› "), "{}", frame(&screen));
    assert_eq!(plan_requests(&server).await, 0);
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}

/// Whether the raw output ends the session the way it began it: the last
/// switch to the alternate screen undone, and the cursor shown again.
fn restored(output: &[u8]) -> bool {
    let last = |needle: &[u8]| output.windows(needle.len()).rposition(|w| w == needle);
    let left = last(b"\x1b[?1049l");
    let entered = last(b"\x1b[?1049h");
    let shown = last(b"\x1b[?25h");
    let hidden = last(b"\x1b[?25l");
    matches!((entered, left), (Some(e), Some(l)) if l > e) && shown >= hidden
}

#[tokio::test]
async fn slash_quit_exits_zero_and_restores_the_terminal() {
    let (w, _server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);
    assert!(tui.alternate_screen(), "a full-screen session");

    tui.send("/quit");
    tui.send(keys::ENTER);
    let status = tui.wait_exit(WAIT);

    assert!(status.success(), "{status:?}\n{}", frame(&tui.screen()));
    assert!(!tui.alternate_screen());
    assert!(restored(&tui.output()), "{:?}", tail(&tui.output()));
    assert!(
        !tui.screen().contains(PLACEHOLDER),
        "{}",
        frame(&tui.screen())
    );
    cooked(&tui.stty());
}

#[tokio::test]
async fn ctrl_d_on_an_empty_input_exits_zero_and_restores_the_terminal() {
    let (w, _server) = world().await;
    let mut tui = start(&w, NO_LOCAL, 80, 24);
    tui.wait_text(PLACEHOLDER, WAIT);

    tui.send(keys::CTRL_D);
    let status = tui.wait_exit(WAIT);

    assert!(status.success(), "{status:?}\n{}", frame(&tui.screen()));
    assert!(!tui.alternate_screen());
    assert!(restored(&tui.output()), "{:?}", tail(&tui.output()));
    cooked(&tui.stty());
}

/// The terminal is back in cooked mode: lines, echo, signals.
#[track_caller]
fn cooked(stty: &str) {
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(flags.contains(&flag), "{flag} off after exit: {stty}");
    }
}

#[tokio::test]
async fn ctrl_c_twice_when_idle_exits_zero_and_restores_the_terminal() {
    let (w, _server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);

    tui.send(keys::CTRL_C);
    tui.send(keys::CTRL_C);
    let status = tui.wait_exit(WAIT);

    assert!(status.success(), "{status:?}\n{}", frame(&tui.screen()));
    assert!(restored(&tui.output()), "{:?}", tail(&tui.output()));
    cooked(&tui.stty());
}

#[test]
fn without_a_terminal_the_session_refuses_and_says_what_to_use_instead() {
    let w = World::new();
    let (code, stderr) = w.fails(&mut w.cmd(&["tui"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("needs a terminal") && stderr.contains("distiq run"),
        "{stderr}"
    );
}

/// The end of the raw output, readable in a failure message.
fn tail(output: &[u8]) -> String {
    let from = output.len().saturating_sub(400);
    String::from_utf8_lossy(&output[from..]).into_owned()
}

#[tokio::test]
async fn a_key_typed_as_the_terminal_resizes_is_not_held_back() {
    let (w, _server) = world().await;
    let mut tui = ready(&w, NO_LOCAL);
    // A key in the same wake-up as the SIGWINCH: crossterm's default (mio,
    // edge-triggered) source returned the Resize and lost the key's
    // readiness, so the key waited for the next one (about 1 in 40 on a
    // busy machine). Each key here is the last one sent.
    for i in 1..=30u16 {
        tui.resize(90 + (i % 2) * 10, 28 + (i % 2) * 2);
        tui.send("x");
        tui.wait_text(&"x".repeat(usize::from(i)), WAIT);
    }
}
