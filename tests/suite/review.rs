//! `distiq review` and `distiq hook` end to end: real git repositories,
//! real `git commit`s running the installed hook, fake providers.

use std::path::Path;
use std::process::{Command, Output};

use distiq_ledger::{Ledger, StatsQuery};
use distiq_test_support::batch::{AnthropicBatches, anthropic_succeeded};
use distiq_test_support::{MockServer, anthropic as fake_anthropic, openai as fake_openai};
use serde_json::{Value, json};
use wiremock::matchers::body_partial_json;

use crate::util::World;

const KEY: &str = "k-review-123456";

/// `git ARGS` in the world's repo, with the world's home and no global or
/// system git config; `FAKE_API_KEY` set, as a developer's shell would.
fn git(world: &World, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(&world.repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &world.home)
        .env("XDG_CONFIG_HOME", &world.config_home)
        .env("XDG_DATA_HOME", &world.data_home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .env("FAKE_API_KEY", KEY)
        .output()
        .expect("spawn git")
}

fn git_ok(world: &World, args: &[&str]) -> String {
    let out = git(world, args);
    assert!(out.status.success(), "git {args:?} failed:\n{}", text(&out));
    text(&out)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A repo with one commit and a `.distiq.toml` (kept out of git) putting
/// the cheap tier on `fake:small` and the top tier on `fake:big`.
fn repo(world: &World, kind: &str, base_url: &str, extra: &str) {
    git_ok(world, &["init", "-q", "-b", "main"]);
    git_ok(world, &["config", "user.email", "dev@example.com"]);
    git_ok(world, &["config", "user.name", "Dev"]);
    git_ok(world, &["config", "commit.gpgsign", "false"]);
    std::fs::write(world.repo.join(".git/info/exclude"), ".distiq.toml\n").unwrap();
    world.write(
        ".distiq.toml",
        &format!(
            r#"
[providers.fake]
kind = "{kind}"
base_url = "{base_url}"
api_key_env = ["FAKE_API_KEY"]

[models."fake:small"]
input = 1.0
output = 2.0
[models."fake:big"]
input = 10.0
output = 20.0

[tiers.cheap]
model = "fake:small"
[tiers.mid]
model = "fake:big"
[tiers.top]
model = "fake:big"

[retry]
max_attempts = 1
initial_delay_ms = 5
max_delay_ms = 10

{extra}
"#
        ),
    );
    world.write("calc.py", "def mean(xs):\n    return 0\n");
    git_ok(world, &["add", "-A"]);
    git_ok(world, &["commit", "-q", "-m", "first"]);
}

fn review(world: &World, args: &[&str]) -> Command {
    let mut all = vec!["review"];
    all.extend_from_slice(args);
    let mut cmd = world.cmd(&all);
    cmd.env("FAKE_API_KEY", KEY);
    cmd
}

async fn answer_findings(server: &MockServer, findings: Value) {
    fake_openai::chat_mock()
        .and(body_partial_json(json!({ "model": "small" })))
        .respond_with(fake_openai::completion_template(
            &json!({ "findings": findings }).to_string(),
            "stop",
            fake_openai::usage(1_000, 200),
        ))
        .mount(server)
        .await;
}

async fn answer_verdicts(server: &MockServer, verdicts: Value) {
    fake_openai::chat_mock()
        .and(body_partial_json(json!({ "model": "big" })))
        .respond_with(fake_openai::completion_template(
            &json!({ "verdicts": verdicts }).to_string(),
            "stop",
            fake_openai::usage(500, 50),
        ))
        .mount(server)
        .await;
}

fn ledger_calls(world: &World) -> Vec<(String, String, i64)> {
    let ledger = Ledger::open(world.data_home.join("distiq/ledger.sqlite")).unwrap();
    ledger
        .calls(&StatsQuery::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.call.stage.to_string(),
                e.call.model.to_string(),
                e.call.cost.micros(),
            )
        })
        .collect()
}

fn install_hook(world: &World) -> String {
    world.ok(&mut world.cmd(&["hook", "install"]))
}

#[tokio::test]
async fn a_clean_commit_passes_the_hook_and_the_review_is_in_the_ledger() {
    let server = MockServer::start().await;
    answer_findings(&server, json!([])).await;
    let world = World::new();
    repo(&world, "openai", &fake_openai::base_url(&server), "");
    let said = install_hook(&world);
    assert!(said.starts_with("installed "), "{said}");

    world.write(
        "calc.py",
        "def mean(xs):\n    return sum(xs) / max(len(xs), 1)\n",
    );
    git_ok(&world, &["add", "calc.py"]);
    let out = git_ok(&world, &["commit", "-m", "mean"]);
    assert!(out.contains("no findings in 1 file"), "{out}");
    assert!(
        out.contains("model review: fake:small; 1 call(s), $0.0014"),
        "{out}"
    );
    assert_eq!(git_ok(&world, &["log", "--format=%s", "-1"]).trim(), "mean");

    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        ledger_calls(&world),
        [("review".into(), "fake:small".into(), 1_400)]
    );
}

#[tokio::test]
async fn a_syntax_error_or_an_aws_key_is_blocked_locally_with_no_model_call() {
    let server = MockServer::start().await;
    answer_findings(&server, json!([])).await;
    let world = World::new();
    repo(&world, "openai", &fake_openai::base_url(&server), "");
    install_hook(&world);

    world.write(
        "src/lib.rs",
        "pub fn f() -> u32 {\n    let x = ;\n    x\n}\n",
    );
    git_ok(&world, &["add", "src/lib.rs"]);
    let out = git(&world, &["commit", "-m", "broken"]);
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    let said = text(&out);
    assert!(said.contains("src/lib.rs"), "{said}");
    assert!(said.contains("error    syntax"), "{said}");
    assert!(
        said.contains("model review skipped: the local checks already fail the review"),
        "{said}"
    );
    git_ok(&world, &["reset", "-q"]);
    std::fs::remove_file(world.repo.join("src/lib.rs")).unwrap();

    let secret = format!("AKIA{}", "Q3EGT7WLRZ5MXN2B");
    world.write(
        "deploy.env",
        &format!("REGION=eu-west-1\nAWS_ACCESS_KEY_ID={secret}\n"),
    );
    git_ok(&world, &["add", "deploy.env"]);
    let out = git(&world, &["commit", "-m", "creds"]);
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    let said = text(&out);
    assert!(said.contains("deploy.env"), "{said}");
    assert!(said.contains("2:19  error    secret"), "{said}");
    assert!(said.contains("AKIA****************"), "{said}");
    assert!(
        !said.contains(&secret[4..]),
        "the secret was printed:\n{said}"
    );
    assert_eq!(
        git_ok(&world, &["log", "--format=%s", "-1"]).trim(),
        "first"
    );

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "no model saw the change"
    );
    assert!(!world.data_home.join("distiq/ledger.sqlite").exists());

    // --no-verify skips every pre-commit hook: git's doing, not distiq's.
    git_ok(
        &world,
        &["commit", "-q", "--no-verify", "-m", "creds anyway"],
    );
    assert_eq!(
        git_ok(&world, &["log", "--format=%s", "-1"]).trim(),
        "creds anyway"
    );
}

#[tokio::test]
async fn the_hook_keeps_an_existing_hook_runs_both_and_uninstall_restores_it_exactly() {
    let server = MockServer::start().await;
    answer_findings(&server, json!([])).await;
    let world = World::new();
    repo(&world, "openai", &fake_openai::base_url(&server), "");
    let hooks = world.repo.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let original = "#!/bin/sh\n# the team's own hook\necho ran >> \"$(git rev-parse --git-dir)/own-hook-ran\"\n";
    let hook = hooks.join("pre-commit");
    std::fs::write(&hook, original).unwrap();
    set_mode(&hook, 0o750);

    let said = install_hook(&world);
    assert!(said.contains("previous hook is kept as"), "{said}");
    let again = install_hook(&world);
    assert!(again.starts_with("already installed"), "{again}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.distiq-chained")).unwrap(),
        original
    );

    world.write("notes.txt", "hello\n");
    git_ok(&world, &["add", "notes.txt"]);
    let out = git_ok(&world, &["commit", "-m", "notes"]);
    assert!(out.contains("no findings"), "distiq's review ran: {out}");
    let ran = std::fs::read_to_string(world.repo.join(".git/own-hook-ran")).unwrap();
    assert_eq!(ran, "ran\n", "the team's hook ran once");

    // A review that fails stops the chain: the team's hook does not run.
    world.write("bad.rs", "fn f( {\n");
    git_ok(&world, &["add", "bad.rs"]);
    assert!(!git(&world, &["commit", "-m", "bad"]).status.success());
    let ran = std::fs::read_to_string(world.repo.join(".git/own-hook-ran")).unwrap();
    assert_eq!(ran, "ran\n");

    let said = world.ok(&mut world.cmd(&["hook", "uninstall"]));
    assert!(said.contains("previous hook is back"), "{said}");
    assert_eq!(
        std::fs::read(&hook).unwrap(),
        original.as_bytes(),
        "byte for byte"
    );
    assert_eq!(mode(&hook), 0o750, "and its mode");
    assert!(!hooks.join("pre-commit.distiq-chained").exists());
    let (code, err) = world.fails(&mut world.cmd(&["hook", "uninstall"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("is not distiq's hook; leaving it as it is"),
        "{err}"
    );
}

#[tokio::test]
async fn json_output_carries_confirmed_and_dropped_findings_and_fails_the_review() {
    let server = MockServer::start().await;
    answer_findings(
        &server,
        json!([
            { "file": "calc.py", "line": 2, "severity": "error",
              "message": "Divides by zero on an empty list.", "suggested_fix": "guard len(xs) == 0" },
            { "file": "calc.py", "line": 1, "severity": "warning",
              "message": "xs may be a generator.", "suggested_fix": null }
        ]),
    )
    .await;
    answer_verdicts(
        &server,
        json!([
            { "id": 1, "confirmed": true, "severity": "error", "reason": "mean([]) raises ZeroDivisionError." },
            { "id": 2, "confirmed": false, "severity": "info", "reason": "Callers pass lists." }
        ]),
    )
    .await;
    let world = World::new();
    repo(&world, "openai", &fake_openai::base_url(&server), "");
    world.write("calc.py", "def mean(xs):\n    return sum(xs) / len(xs)\n");
    git_ok(&world, &["add", "calc.py"]);

    let out = review(&world, &["--staged", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"], "staged");
    assert_eq!(report["failed"], true);
    assert_eq!(report["fail_on"], "error");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["file"], "calc.py");
    assert_eq!(f["line"], 2);
    assert_eq!(f["severity"], "error");
    assert_eq!(f["check"], "model");
    assert_eq!(f["message"], "Divides by zero on an empty list.");
    assert_eq!(f["suggested_fix"], "guard len(xs) == 0");
    assert_eq!(f["model"], "fake:small");
    assert_eq!(f["confirmed_by"], "fake:big");
    let dropped = report["dropped"].as_array().unwrap();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["finding"]["message"], "xs may be a generator.");
    assert_eq!(dropped[0]["reason"], "Callers pass lists.");
    let m = &report["model_review"];
    assert_eq!(m["status"], "ran");
    assert_eq!(m["calls"], 2);
    assert_eq!(m["cost"], 7_400);
    assert_eq!(
        ledger_calls(&world),
        [
            ("review".into(), "fake:small".into(), 1_400),
            ("review".into(), "fake:big".into(), 6_000)
        ]
    );

    // For people: the dropped finding is not shown as one.
    let out = review(&world, &["--staged"]).output().unwrap();
    let said = text(&out);
    assert!(said.contains("(confirmed by fake:big)"), "{said}");
    assert!(!said.contains("generator"), "{said}");
    assert!(
        said.contains("1 finding(s) of the first pass dropped on confirmation"),
        "{said}"
    );
}

#[tokio::test]
async fn a_batch_review_goes_through_the_fake_batch_endpoints_at_half_price() {
    let server = MockServer::start().await;
    let fake = AnthropicBatches::new(|params| {
        let model = params["model"].as_str().unwrap_or("");
        let findings = json!({ "findings": [
            { "file": "calc.py", "line": 2, "severity": "info",
              "message": "Consider statistics.mean.", "suggested_fix": null }
        ]});
        anthropic_succeeded(fake_anthropic::tool_message(
            model,
            "review_findings",
            findings,
            "tool_use",
            fake_anthropic::Tokens::new(1_000, 200),
        ))
    })
    .polls_before_end(2);
    fake.mount(&server).await;
    let world = World::new();
    repo(
        &world,
        "anthropic",
        &server.uri(),
        "[review]\nbatch_poll_interval_ms = 10\n",
    );
    world.write(
        "calc.py",
        "def mean(xs):\n    return sum(xs) / len(xs) if xs else 0\n",
    );
    git_ok(&world, &["add", "calc.py"]);

    let out = review(&world, &["--staged", "--batch", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["model_review"]["batch"], true);
    assert_eq!(
        report["findings"][0]["message"],
        "Consider statistics.mean."
    );
    let batches = fake.batches();
    assert_eq!(batches.len(), 1, "infos are not escalated: one batch");
    assert_eq!(batches[0].polls, 3);
    // 1,000 in at $1 + 200 out at $2 = 1,400 µ$, half in a batch.
    assert_eq!(
        ledger_calls(&world),
        [("review".into(), "fake:small".into(), 700)]
    );
    // The ledger says how it was billed, and `distiq stats` tells.
    let ledger = Ledger::open(world.data_home.join("distiq/ledger.sqlite")).unwrap();
    let calls = ledger.calls(&StatsQuery::default()).unwrap();
    assert!(calls[0].call.batch);
    let stats = world.ok(&mut world.cmd(&["stats"]));
    assert!(
        stats.contains("1 of the 1 calls went through a batch API, at its discount"),
        "{stats}"
    );
    let json: Value =
        serde_json::from_str(&world.ok(&mut world.cmd(&["stats", "--json"]))).unwrap();
    assert_eq!(json["total"]["batch_calls"], 1, "{json}");
}

#[tokio::test]
async fn with_no_key_or_local_only_the_model_review_is_skipped() {
    let server = MockServer::start().await;
    let world = World::new();
    repo(&world, "openai", &fake_openai::base_url(&server), "");
    world.write("calc.py", "def mean(xs):\n    print(xs)\n    return 1\n");
    git_ok(&world, &["add", "calc.py"]);

    // world.cmd has a clean environment: no FAKE_API_KEY.
    let said = world.ok(&mut world.cmd(&["review", "--staged"]));
    assert!(
        said.contains("calc.py\n      2:5  info     python-print"),
        "{said}"
    );
    assert!(
        said.contains("model review skipped: no API key for provider `fake`: set FAKE_API_KEY; local checks only"),
        "{said}"
    );
    let said = world.ok(&mut review(&world, &["--staged", "--local-only"]));
    assert!(
        said.contains("model review skipped: --local-only"),
        "{said}"
    );
    // --fail-on lowers the bar: the info now fails the review.
    let (code, _) = world.fails(&mut review(
        &world,
        &["--staged", "--local-only", "--fail-on", "info"],
    ));
    assert_eq!(code, 1);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn outside_a_repository_review_says_so() {
    let world = World::new();
    let (code, err) = world.fails(&mut world.cmd(&["review", "--local-only"]));
    assert_eq!(code, 1);
    assert!(err.contains("is not inside a git repository"), "{err}");
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
