//! `distiq run` end to end: the real binary in temp git repositories
//! against one fake OpenAI-compatible server scripted per stage. Each tier
//! has its own model id (cheap `small`, mid `mid`, top `big`) and each
//! stage its own schema name, so a mock answers exactly one stage on one
//! tier, and the server's received requests say who was asked what.

use std::path::Path;
use std::process::{Command, Output};

use distiq_ledger::{Ledger, StatsQuery};
use distiq_test_support::MockServer;
use distiq_test_support::openai::{base_url, chat_mock, sse_template, stream_structured, usage};
use serde_json::{Value, json};
use wiremock::matchers::body_partial_json;

use crate::util::World;

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
        &format!(
            r#"
[providers.fake]
kind = "openai"
base_url = "{base}"
api_key_env = ["FAKE_API_KEY"]

[models."fake:small"]
input = 1.0
output = 2.0
[models."fake:mid"]
input = 3.0
output = 6.0
[models."fake:big"]
input = 10.0
output = 20.0

[tiers.cheap]
model = "fake:small"
[tiers.mid]
model = "fake:mid"
[tiers.top]
model = "fake:big"

[stages.plan]
tier = "mid"
max_tokens = 2000
[stages.execute]
tier = "cheap"
max_tokens = 1000
[stages.analyze]
tier = "cheap"
max_tokens = 1000
[stages.answer]
tier = "mid"
max_tokens = 1000

[structured]
max_tokens_ladder = [2000]

[retry]
max_attempts = 1
initial_delay_ms = 5
max_delay_ms = 10

[validate]
max_retries = 1

{extra}
"#,
            base = base_url(server)
        ),
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

/// Answers structured requests for `schema` on `model` with `value`
/// (every time, or the first `times` times, ahead of the catch-all ones).
pub async fn answer(
    server: &MockServer,
    model: &str,
    schema: &str,
    value: Value,
    times: Option<u64>,
) {
    let mut mock = chat_mock()
        .and(body_partial_json(json!({
            "model": model,
            "response_format": { "json_schema": { "name": schema } }
        })))
        .respond_with(sse_template(stream_structured(
            &value.to_string(),
            "stop",
            usage(1_000, 100),
        )));
    if let Some(n) = times {
        mock = mock.up_to_n_times(n).with_priority(1);
    }
    mock.mount(server).await;
}

/// The (model, schema name or "text") of every request received, in order.
pub async fn requests(server: &MockServer) -> Vec<(String, String)> {
    distiq_test_support::request_bodies(server)
        .await
        .iter()
        .map(|b| {
            (
                b["model"].as_str().unwrap_or_default().to_owned(),
                b["response_format"]["json_schema"]["name"]
                    .as_str()
                    .unwrap_or("text")
                    .to_owned(),
            )
        })
        .collect()
}

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
async fn dirty_files_the_plan_touches_stop_the_run_unless_allowed() {
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
    let dirty = format!("{LIB}// my work in progress\n");
    w.write("src/lib.rs", &dirty);

    let (code, err) = w.fails(&mut distiq(&w, &run_args("use port 8081", &[])));

    assert_eq!(code, 1);
    assert!(
        err.contains("uncommitted changes in src/lib.rs") && err.contains("--allow-dirty"),
        "{err}"
    );
    assert_eq!(
        read(&w, "src/lib.rs"),
        dirty,
        "the user's work is untouched"
    );

    w.ok(&mut distiq(
        &w,
        &run_args("use port 8081", &["--allow-dirty", "--no-commit"]),
    ));
    assert_eq!(read(&w, "src/lib.rs"), dirty.replace("8080", "8081"));
}

#[tokio::test]
async fn a_plan_with_a_parent_or_absolute_path_is_refused() {
    for bad in ["../outside.rs", "/tmp/distiq-absolute.rs"] {
        let server = MockServer::start().await;
        let plan = json!({"summary": "Write outside", "files": [
            {"path": bad, "action": "create", "changes": [
                {"type": "insert", "location": "new file", "old_code": null, "new_code": "evil\n", "reasoning": "x"}
            ]}
        ]});
        answer(&server, "mid", "code_plan", plan.clone(), None).await;
        answer(&server, "big", "code_plan", plan, None).await;
        let w = World::new();
        repo(&w, &server, "");

        let (code, err) = w.fails(&mut distiq(&w, &run_args("write a file", &[])));

        assert_eq!(code, 1);
        assert!(
            err.contains(bad) && err.contains("nothing was changed"),
            "{err}"
        );
        assert!(err.contains("refused"), "{err}");
        assert!(!w.repo.parent().unwrap().join("outside.rs").exists());
        assert!(!Path::new("/tmp/distiq-absolute.rs").exists());
        // Sent back once to the planner, then the next model up, likewise.
        let asked: Vec<String> = requests(&server)
            .await
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        assert_eq!(asked, ["mid", "mid", "big", "big"], "{bad}");
        assert_eq!(git(&w, &["status", "--porcelain"]), "");
    }
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
async fn the_budget_stops_cleanly_with_nothing_half_applied() {
    let server = MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("    8080\n", "    8081 // BROKEN\n"),
        None,
    )
    .await;
    let w = World::new();
    // The plan call fits in $0.05; a fix call that could write 100k tokens
    // at $2/M does not.
    repo(&w, &server, "[budget]\nper_task = 0.05\n");

    let (code, err) = w.fails(&mut distiq(
        &w,
        &run_args(
            "use port 8081",
            &[
                "-c",
                "validate.test=! grep -rn BROKEN src",
                "-c",
                "stages.execute.max_tokens=100000",
            ],
        ),
    ));

    assert_eq!(code, 1);
    assert!(err.contains("per_task budget of $0.05"), "{err}");
    assert!(
        err.contains("nothing of this task was left applied"),
        "{err}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB, "the write was rolled back");
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
    assert_eq!(requests(&server).await.len(), 1, "no call past the budget");
    assert_eq!(journals(&w), 0, "no write left unfinished");
}

#[tokio::test]
async fn the_day_budget_counts_what_the_ledger_says_was_spent_today() {
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
    // The first task spends $0.0036 (1000 tokens in at $3/M, 100 out at $6/M).
    w.ok(&mut distiq(&w, &run_args("use port 8081", &[])));
    w.ok(&mut distiq(&w, &["undo"]));

    let (code, err) = w.fails(&mut distiq(
        &w,
        &run_args("use port 8081", &["-c", "budget.per_day=0.01"]),
    ));

    assert_eq!(code, 1);
    assert!(
        err.contains("per_day budget of $0.01") && err.contains("with $0.0036 spent today"),
        "{err}"
    );
    assert_eq!(
        requests(&server).await.len(),
        1,
        "the second plan call was not made"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}

/// Journals left in the repository (unfinished writes).
fn journals(world: &World) -> usize {
    std::fs::read_dir(world.repo.join(".distiq/journal"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_crash_during_the_write_leaves_the_tree_whole_after_a_restart() {
    let server = MockServer::start().await;
    let plan = json!({"summary": "Two files", "files": [
        {"path": "src/lib.rs", "action": "modify", "changes": [
            {"type": "replace", "location": "fn port", "old_code": "    8080\n", "new_code": "    8081\n", "reasoning": "a"}]},
        {"path": "src/config.rs", "action": "create", "changes": [
            {"type": "insert", "location": "new", "old_code": null, "new_code": "pub const PORT: u16 = 8081;\n", "reasoning": "b"}]}
    ]});
    answer(&server, "mid", "code_plan", plan, None).await;
    let w = World::new();
    repo(&w, &server, "");

    // The writer aborts right after its first rename (the journal says
    // "committing"; one file is new, the other not yet).
    let out = distiq(&w, &run_args("two files", &[]))
        .env("DISTIQ_TEST_CRASH_AFTER_RENAMES", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(journals(&w), 1, "the crash left its journal");

    // The next distiq command recovers first: rolled back, as it was.
    let undo = distiq(&w, &["undo"]).output().unwrap();
    let said = text(&undo);
    assert!(
        said.contains("recovered an interrupted write") && said.contains("rolled back"),
        "{said}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert!(!w.repo.join("src/config.rs").exists());
    assert_eq!(
        git(&w, &["status", "--porcelain"]),
        "",
        "no temp files or backups left"
    );

    // And the task then runs to the end.
    w.ok(&mut distiq(&w, &run_args("two files", &[])));
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(read(&w, "src/config.rs"), "pub const PORT: u16 = 8081;\n");
}

#[tokio::test]
async fn undo_reverts_the_run_commit() {
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
    w.ok(&mut distiq(&w, &run_args("use port 8081", &[])));
    assert_eq!(git(&w, &["rev-list", "--count", "HEAD"]).trim(), "2");

    let out = w.ok(&mut distiq(&w, &["undo"]));

    assert!(
        out.contains("reverted") && out.contains("src/lib.rs"),
        "{out}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert_eq!(git(&w, &["rev-list", "--count", "HEAD"]).trim(), "1");
    // HEAD is the user's commit now: a second undo refuses.
    let (_, err) = w.fails(&mut distiq(&w, &["undo"]));
    assert!(err.contains("not a distiq commit"), "{err}");
}

#[tokio::test]
async fn a_second_identical_run_is_served_from_the_cache_without_a_planner_call() {
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
    let task = "move the server to port 8081";
    w.ok(&mut distiq(&w, &["run", task, "--no-route"]));
    w.ok(&mut distiq(&w, &["undo"]));
    assert_eq!(plan_requests(&server).await, 1);

    let out = w.ok(&mut distiq(&w, &["run", task, "--no-route", "--json"]));

    assert_eq!(plan_requests(&server).await, 1, "no second planner call");
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    let events = events(&out);
    let lookup = events
        .iter()
        .find(|e| e["event"] == "cache_lookup")
        .unwrap();
    assert_eq!(lookup["hit"], true, "{lookup}");
    assert!(
        lookup["saved"].as_i64().unwrap() > 0,
        "shows the cost it saved: {lookup}"
    );
    let ready = events.iter().find(|e| e["event"] == "plan_ready").unwrap();
    assert_eq!(ready["cached"], true);
    assert_eq!(events.last().unwrap()["cached"], true);
}

#[tokio::test]
async fn the_same_task_after_its_file_changed_misses_the_cache() {
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
    let task = "move the server to port 8081";
    w.ok(&mut distiq(&w, &["run", task, "--no-route"]));
    w.ok(&mut distiq(&w, &["undo"]));
    w.write("src/lib.rs", &LIB.replace("localhost", "0.0.0.0"));
    git(&w, &["commit", "-qam", "listen everywhere"]);

    let out = w.ok(&mut distiq(&w, &["run", task, "--no-route", "--json"]));

    assert_eq!(plan_requests(&server).await, 2, "planned again");
    let events = events(&out);
    let lookup = events
        .iter()
        .find(|e| e["event"] == "cache_lookup")
        .unwrap();
    assert_eq!(lookup["hit"], false, "{lookup}");
    assert!(
        lookup["reason"].as_str().unwrap().contains("src/lib.rs"),
        "{lookup}"
    );
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

/// A `.distiq.toml` putting every tier on the live OpenAI-compatible server
/// of `DISTIQ_LIVE_BASE_URL` (`../shared/tools/local-llm`: `./start`), with
/// limits that fit a small model's context window.
pub fn live_repo(world: &World) {
    let base = std::env::var("DISTIQ_LIVE_BASE_URL")
        .expect("set DISTIQ_LIVE_BASE_URL to an OpenAI-compatible base URL");
    git(world, &["init", "-q", "-b", "main"]);
    git(world, &["config", "user.email", "dev@example.com"]);
    git(world, &["config", "user.name", "Dev"]);
    std::fs::write(world.repo.join(".git/info/exclude"), ".distiq.toml\n").unwrap();
    let mut toml = format!(
        "[providers.local]\nkind = \"openai\"\nbase_url = \"{base}\"\napi_key_env = []\n\
         [structured]\nmax_tokens_ladder = [1024, 2048]\n[timeouts]\nstream_idle_secs = 300\n"
    );
    for tier in ["cheap", "mid", "top"] {
        toml.push_str(&format!(
            "[tiers.{tier}]\nmodel = \"local:qwen2.5-coder\"\n"
        ));
    }
    for (stage, tier) in [
        ("plan", "mid"),
        ("execute", "cheap"),
        ("analyze", "cheap"),
        ("answer", "mid"),
    ] {
        toml.push_str(&format!(
            "[stages.{stage}]\ntier = \"{tier}\"\nmax_tokens = 1024\n"
        ));
    }
    world.write(".distiq.toml", &toml);
    world.write(
        "src/lib.rs",
        "/// The port the server listens on.\npub fn port() -> u16 {\n    8080\n}\n\n\
         /// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n",
    );
    git(world, &["add", "-A"]);
    git(world, &["commit", "-q", "-m", "first"]);
}

#[test]
#[ignore = "needs a live OpenAI-compatible server: set DISTIQ_LIVE_BASE_URL"]
fn live_run_on_a_local_model_ends_committed_or_untouched() {
    let w = World::new();
    live_repo(&w);
    let before = read(&w, "src/lib.rs");

    let out = w
        .cmd(&[
            "run",
            "fix the add function: it subtracts instead of adding",
            "--context-tokens",
            "1000",
            "--json",
        ])
        .output()
        .unwrap();
    eprintln!("{}", text(&out));

    let stdout = String::from_utf8_lossy(&out.stdout);
    let events = events(&stdout);
    let last = events.last().unwrap();
    let log = git(&w, &["log", "-1", "--format=%B"]);
    if out.status.success() {
        assert_eq!(last["event"], "run_outcome", "{last}");
        assert!(log.contains("Distiq-Task: "), "{log}");
        assert_eq!(git(&w, &["status", "--porcelain"]), "");
    } else {
        // A small model may fail to plan; the stop is clean and explained.
        assert_eq!(last["event"], "error", "{last}");
        assert_eq!(read(&w, "src/lib.rs"), before, "untouched");
        assert_eq!(log.trim(), "first");
    }
    let calls = ledger(&w);
    assert!(calls.iter().any(|(s, _, _)| s == "plan"), "{calls:?}");
    let finished = events.iter().filter(|e| e["event"] == "call_finished");
    assert!(
        finished
            .clone()
            .any(|e| e["usage"]["output_tokens"].as_i64() > Some(0)),
        "the server reported usage"
    );
}

#[tokio::test]
async fn a_crash_at_any_point_of_the_write_leaves_the_tree_as_it_was_or_complete() {
    let plan = json!({"summary": "Two files", "files": [
        {"path": "src/lib.rs", "action": "modify", "changes": [
            {"type": "replace", "location": "fn port", "old_code": "    8080\n", "new_code": "    8081\n", "reasoning": "a"}]},
        {"path": "src/net/config.rs", "action": "create", "changes": [
            {"type": "insert", "location": "new", "old_code": null, "new_code": "pub const PORT: u16 = 8081;\n", "reasoning": "b"}]}
    ]});
    // "prepared": temp files written, journal still "preparing"; "0": the
    // journal says "committing", nothing renamed; "1": one of two renamed;
    // "2": both renamed, the journal not yet removed.
    for (point, completed) in [("prepared", false), ("0", false), ("1", false), ("2", true)] {
        let server = MockServer::start().await;
        answer(&server, "mid", "code_plan", plan.clone(), None).await;
        let w = World::new();
        repo(&w, &server, "");
        let out = distiq(&w, &run_args("two files", &[]))
            .env("DISTIQ_TEST_CRASH_AFTER_RENAMES", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: {}", text(&out));

        let said = text(&distiq(&w, &["undo"]).output().unwrap());

        let config = w.repo.join("src/net/config.rs");
        if completed {
            assert!(said.contains("completed"), "{point}: {said}");
            assert_eq!(
                read(&w, "src/lib.rs"),
                LIB.replace("8080", "8081"),
                "{point}"
            );
            assert_eq!(
                read(&w, "src/net/config.rs"),
                "pub const PORT: u16 = 8081;\n"
            );
        } else {
            assert!(said.contains("rolled back"), "{point}: {said}");
            assert_eq!(read(&w, "src/lib.rs"), LIB, "{point}");
            assert!(
                !config.exists() && !w.repo.join("src/net").exists(),
                "{point}"
            );
            assert_eq!(git(&w, &["status", "--porcelain"]), "", "{point}");
        }
        assert_eq!(journals(&w), 0, "{point}");
    }
}
