//! `distiq tui` end to end: the real binary on a pseudo-terminal in a temp
//! git repository, against the fake OpenAI-compatible server the `run`
//! tests use, driven by keys and read back from its screen. The strings
//! are the contract's (/tmp/tui-spec.md, owned by crates/tui).

use std::time::Duration;

use distiq_test_support::MockServer;
use distiq_test_support::openai::{chat_mock, sse_template, stream_structured, usage};
use serde_json::{Value, json};
use wiremock::matchers::body_partial_json;

use crate::suite::run::{KEY, git};
use crate::util::World;

mod commands;
mod flow;
mod input;
mod pty;
mod review;

use pty::{Pty, Spawn, frame, keys};

/// Long enough for a cold start on a busy two-core machine (the router
/// trains on a fresh home); only a guard against hangs.
const WAIT: Duration = Duration::from_secs(90);

const PLACEHOLDER: &str = "Type a task, / for commands, ? for keys";
const BUSY: &str = "! a task is running (Ctrl-C cancels it)";

/// Flags for a session whose test is not about routing or the cache: the
/// local models are not loaded, so it starts in a moment.
const NO_LOCAL: &[&str] = &["--no-route", "--no-cache"];

/// `distiq tui ARGS` in the world's repo on a `cols` x `rows` terminal,
/// with the world's home and the fake key, and nothing else from the
/// machine.
fn start(world: &World, args: &[&str], cols: u16, rows: u16) -> Pty {
    Spawn::new(env!("CARGO_BIN_EXE_distiq"))
        .arg("tui")
        .args(args)
        .cwd(&world.repo)
        .env("HOME", &world.home)
        .env("XDG_CONFIG_HOME", &world.config_home)
        .env("XDG_DATA_HOME", &world.data_home)
        .env("XDG_CACHE_HOME", world.home.join(".cache"))
        .env("XDG_STATE_HOME", world.home.join(".local/state"))
        .env("FAKE_API_KEY", KEY)
        .start(cols, rows)
}

/// Starts the session on a 100x30 terminal and waits for its input box.
#[track_caller]
fn ready(world: &World, args: &[&str]) -> Pty {
    let mut tui = start(world, args, 100, 30);
    tui.wait_text(PLACEHOLDER, WAIT);
    tui
}

/// Types `task` and sends it.
fn submit(tui: &Pty, task: &str) {
    tui.send(task);
    tui.send(keys::ENTER);
}

/// Answers every plan request, on any tier (the router picks it), with
/// `plan`; after `delay` if one is given.
async fn plan_on_every_tier(server: &MockServer, plan: &Value, delay: Option<Duration>) {
    let mut template = sse_template(stream_structured(
        &plan.to_string(),
        "stop",
        usage(1_000, 100),
    ));
    if let Some(d) = delay {
        template = template.set_delay(d);
    }
    chat_mock()
        .and(body_partial_json(
            json!({"response_format": {"json_schema": {"name": "code_plan"}}}),
        ))
        .respond_with(template)
        .mount(server)
        .await;
}

/// Makes the first plan request hang for `hang` before any byte of an
/// answer (the requests after it are answered as mounted before).
async fn first_plan_hangs(server: &MockServer, plan: &Value, hang: Duration) {
    chat_mock()
        .and(body_partial_json(
            json!({"response_format": {"json_schema": {"name": "code_plan"}}}),
        ))
        .respond_with(
            sse_template(stream_structured(
                &plan.to_string(),
                "stop",
                usage(1_000, 100),
            ))
            .set_delay(hang),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
}

/// How many plans the server was asked for.
async fn plan_requests(server: &MockServer) -> usize {
    crate::suite::run::plan_requests(server).await
}

/// Waits until the planner's request has reached the fake server (it may
/// be left unanswered), failing after [`WAIT`].
async fn plan_request_sent(server: &MockServer) {
    let deadline = std::time::Instant::now() + WAIT;
    while plan_requests(server).await == 0 {
        assert!(std::time::Instant::now() < deadline, "no plan request");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The repository's commits, newest first, as `hash subject`.
fn log(world: &World) -> Vec<String> {
    git(world, &["log", "--format=%H %s"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The 7-hex commit after the last `Committed ` on the screen.
fn committed_id(screen: &str) -> String {
    let at = screen
        .rfind("Committed ")
        .unwrap_or_else(|| panic!("no `Committed` on screen:\n{}", frame(screen)));
    screen[at + "Committed ".len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// Whether the screen was drawn at `cols` columns: a box spans the whole
/// width. After a resize the parser keeps the old rows until the session
/// redraws, so a wait for text alone may pass on the old screen.
fn drawn_at(screen: &str, cols: u16) -> bool {
    screen
        .lines()
        .any(|l| l.starts_with('┌') && l.ends_with('┐') && l.chars().count() == usize::from(cols))
}

/// How many times `needle` is on the screen.
fn count(screen: &str, needle: &str) -> usize {
    screen.matches(needle).count()
}
