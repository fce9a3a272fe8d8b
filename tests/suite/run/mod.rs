//! `distiq run` end to end: the real binary in temp git repositories
//! against one fake OpenAI-compatible server scripted per stage. Each tier
//! has its own model id (cheap `small`, mid `mid`, top `big`) and each
//! stage its own schema name, so a mock answers exactly one stage on one
//! tier, and the server's received requests say who was asked what.

use std::path::Path;
use std::process::{Command, Output};

use distiq_ledger::{Ledger, StatsQuery};
use distiq_test_support::MockServer;
use distiq_test_support::openai::base_url;
use serde_json::{Value, json};

use crate::util::World;

mod cache;
mod live;
mod safety;

pub use live::live_repo;

pub const KEY: &str = "k-cascade-123456";

pub const LIB: &str = "pub fn port() -> u16 {\n    8080\n}\n\npub fn host() -> &'static str {\n    \"localhost\"\n}\n";

/// `git ARGS` in the world's repo, isolated from the machine's git config.
pub fn git(world: &World, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(&world.repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &world.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("spawn git");
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A repository with `src/lib.rs` committed and a `.distiq.toml` (kept out
/// of git) pointing every tier at `server`; `extra` is appended to it.
pub fn repo(world: &World, server: &MockServer, extra: &str) {
    git(world, &["init", "-q", "-b", "main"]);
    git(world, &["config", "user.email", "dev@example.com"]);
    git(world, &["config", "user.name", "Dev"]);
    git(world, &["config", "commit.gpgsign", "false"]);
    std::fs::write(world.repo.join(".git/info/exclude"), ".distiq.toml\n").unwrap();
    world.write(
        ".distiq.toml",
        &distiq_test_support::cascade_toml(&base_url(server), extra),
    );
    world.write("src/lib.rs", LIB);
    git(world, &["add", "-A"]);
    git(world, &["commit", "-q", "-m", "first"]);
}

/// `distiq ARGS` with the fake key set.
pub fn distiq(world: &World, args: &[&str]) -> Command {
    let mut cmd = world.cmd(args);
    cmd.env("FAKE_API_KEY", KEY);
    cmd
}

/// A repository (as [`repo`] makes it) whose fake planner, on the mid
/// tier, answers every task with a plan moving `src/lib.rs` from port 8080
/// to 8081 in exact code: no executor call is needed.
pub async fn port_8081_world() -> (World, MockServer) {
    let server = MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("    8080\n", "    8081\n"),
        None,
    )
    .await;
    let w = World::new();
    repo(&w, &server, "");
    (w, server)
}

pub use distiq_test_support::openai::{
    answer_structured as answer, models_and_schemas as requests,
};

/// How many requests asked for a plan.
pub async fn plan_requests(server: &MockServer) -> usize {
    requests(server)
        .await
        .iter()
        .filter(|(_, s)| s == "code_plan")
        .count()
}

/// A plan replacing `old` with `new` in src/lib.rs.
pub fn replace_plan(old: &str, new: &str) -> Value {
    json!({
        "summary": "Move the server to another port",
        "files": [{
            "path": "src/lib.rs",
            "action": "modify",
            "changes": [{
                "type": "replace", "location": "fn port",
                "old_code": old, "new_code": new, "reasoning": "the task"
            }]
        }]
    })
}

/// The ledger's calls as (stage, tier, model).
pub fn ledger(world: &World) -> Vec<(String, String, String)> {
    let path = world.data_home.join("distiq/ledger.sqlite");
    let ledger = Ledger::open(path).unwrap();
    ledger
        .calls(&StatsQuery::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.call.stage.to_string(),
                e.call.tier.to_string(),
                e.call.model.to_string(),
            )
        })
        .collect()
}

pub fn read(world: &World, path: &str) -> String {
    std::fs::read_to_string(world.repo.join(path)).unwrap()
}

fn head(world: &World) -> String {
    git(world, &["log", "-1", "--format=%B"])
}

/// The JSON lines of a `--json` run.
pub fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

const NO_LOCAL: [&str; 2] = ["--no-route", "--no-cache"];

fn run_args<'a>(task: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", task];
    args.extend_from_slice(&NO_LOCAL);
    args.extend_from_slice(extra);
    args
}

#[tokio::test]
async fn a_task_is_planned_applied_validated_and_committed() {
    let (w, server) = port_8081_world().await;

    let out = w.ok(&mut distiq(
        &w,
        &run_args(
            "move the server to port 8081",
            &["-c", "validate.test=grep -q 8081 src/lib.rs"],
        ),
    ));

    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    let msg = head(&w);
    assert!(
        msg.starts_with("Move the server to another port\n"),
        "{msg}"
    );
    assert!(msg.contains("Task: move the server to port 8081"), "{msg}");
    assert!(msg.contains("Distiq-Task: "), "{msg}");
    assert_eq!(
        git(&w, &["status", "--porcelain"]),
        "",
        "clean after the commit"
    );
    assert!(
        out.contains("Committed ") && out.contains("src/lib.rs"),
        "{out}"
    );
    assert!(out.contains("no executor model call"), "{out}");
    assert!(out.contains("plan") && out.contains("saved"), "{out}");
    assert_eq!(
        requests(&server).await,
        [("mid".into(), "code_plan".into())]
    );
    let plan = &distiq_test_support::request_bodies(&server).await[0];
    assert_eq!(plan["stream"], true, "structured answers are streamed");
    assert_eq!(
        ledger(&w),
        [("plan".into(), "mid".into(), "fake:mid".into())]
    );
}

#[tokio::test]
async fn json_mode_streams_every_event_as_a_line_then_the_outcome() {
    let (w, _server) = port_8081_world().await;

    let out = w.ok(&mut distiq(
        &w,
        &run_args("use port 8081", &["--json", "--no-commit"]),
    ));

    let events = events(&out);
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for name in [
        "task_started",
        "stage_started",
        "call_finished",
        "plan_ready",
        "edits_written",
        "validated",
        "task_finished",
    ] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    assert!(!names.contains(&"committed"), "--no-commit: {names:?}");
    let last = events.last().unwrap();
    assert_eq!(last["event"], "run_outcome");
    assert_eq!(last["files"][0]["path"], "src/lib.rs");
    assert_eq!(last["commit"], Value::Null);
    assert_eq!(git(&w, &["status", "--porcelain"]), " M src/lib.rs\n");
}

#[tokio::test]
async fn an_edit_that_does_not_match_is_retried_then_escalated_and_the_ledger_shows_it() {
    let server = MockServer::start().await;
    let plan = json!({"summary": "Use port 9000", "files": [{"path": "src/lib.rs", "action": "modify", "changes": [
        {"type": "replace", "location": "fn port", "old_code": null, "new_code": null, "reasoning": "return 9000"}
    ]}]});
    answer(&server, "mid", "code_plan", plan, Some(1)).await;
    // The cheap executor keeps quoting code that is not in the file.
    answer(
        &server,
        "small",
        "file_edits",
        json!({"edits": [{"search": "    return 8080;\n", "replace": "    return 9000;\n"}]}),
        None,
    )
    .await;
    answer(
        &server,
        "mid",
        "file_edits",
        json!({"edits": [{"search": "    8080\n", "replace": "    9000\n"}]}),
        None,
    )
    .await;
    let w = World::new();
    repo(&w, &server, "");

    let out = w.ok(&mut distiq(&w, &run_args("use port 9000", &[])));

    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "9000"));
    let exec: Vec<(String, String)> = ledger(&w)
        .into_iter()
        .filter(|(s, _, _)| s == "execute")
        .map(|(_, t, m)| (t, m))
        .collect();
    assert_eq!(
        exec,
        [
            ("cheap".into(), "fake:small".into()),
            ("cheap".into(), "fake:small".into()),
            ("mid".into(), "fake:mid".into()),
        ]
    );
    // The retry carried the applier's error back to the model.
    let bodies = distiq_test_support::request_bodies(&server).await;
    let retry = bodies
        .iter()
        .filter(|b| b["model"] == "small")
        .nth(1)
        .unwrap();
    assert!(
        retry["messages"]
            .to_string()
            .contains("could not be applied"),
        "{retry}"
    );
    assert!(out.contains("Committed"), "{out}");
}

#[tokio::test]
async fn a_failing_test_command_goes_back_to_the_executor_until_it_passes() {
    let server = MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("    8080\n", "    8081 // BROKEN\n"),
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

    let out = w.ok(&mut distiq(
        &w,
        &run_args(
            "use port 8081",
            &["-c", "validate.test=! grep -rn BROKEN src"],
        ),
    ));

    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert!(out.contains("1 fix attempt"), "{out}");
    let bodies = distiq_test_support::request_bodies(&server).await;
    let fix = bodies
        .iter()
        .find(|b| b.to_string().contains("fix_edits"))
        .unwrap();
    assert!(
        fix["messages"].to_string().contains("BROKEN"),
        "the fix saw the failure: {fix}"
    );
    assert!(head(&w).contains("Distiq-Task"));
}

#[tokio::test]
async fn a_routed_task_is_planned_on_the_tier_its_route_chose() {
    let server = MockServer::start().await;
    for model in ["small", "mid", "big"] {
        answer(
            &server,
            model,
            "code_plan",
            replace_plan("    8080\n", "    8081\n"),
            None,
        )
        .await;
    }
    let w = World::new();
    repo(&w, &server, "");

    let out = w.ok(&mut distiq(
        &w,
        &[
            "run",
            "change the port in src/lib.rs from 8080 to 8081",
            "--no-cache",
            "--json",
            "-c",
            "router.inspect=false",
        ],
    ));

    let events = events(&out);
    let route = events
        .iter()
        .find(|e| e["event"] == "route_decided")
        .unwrap();
    let tier = route["decision"]["tiers"]["plan"].as_str().unwrap();
    let model = match tier {
        "cheap" => "small",
        "mid" => "mid",
        _ => "big",
    };
    assert_eq!(
        requests(&server).await,
        [(model.into(), "code_plan".into())],
        "{route}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
}

#[tokio::test]
async fn without_the_embedding_model_the_run_goes_on_unrouted_and_says_what_to_run() {
    let (w, server) = port_8081_world().await;
    let missing = w.home.join("no-models-here");

    let out =
        w.ok(distiq(&w, &["run", "use port 8081", "--json"]).env("DISTIQ_MODEL_DIR", &missing));

    let events = events(&out);
    let warning = events
        .iter()
        .find(|e| e["event"] == "warning")
        .expect("a warning");
    let message = warning["message"].as_str().unwrap();
    assert!(
        message.contains("./models/fetch") && message.contains("configured tier"),
        "{message}"
    );
    assert!(!events.iter().any(|e| e["event"] == "route_decided"));
    assert!(!events.iter().any(|e| e["event"] == "cache_lookup"));
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(
        requests(&server).await,
        [("mid".into(), "code_plan".into())],
        "the plan stage's configured tier"
    );
}
