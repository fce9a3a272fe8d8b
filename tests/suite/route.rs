//! `distiq route` end to end, with the real embedding model: the `--json`
//! contract, `--stdin`, `route eval`, inspect-then-pick recorded in the
//! ledger, a corrupt router cache, and a missing model.

use std::path::PathBuf;
use std::process::Command;

use distiq_core::Stage;
use distiq_ledger::{Ledger, StatsQuery};
use distiq_test_support::{MockServer, openai as fake_openai};
use serde_json::Value;

use crate::util::World;

const KINDS: [&str; 8] = [
    "question",
    "edit",
    "bugfix",
    "feature",
    "refactor",
    "architecture",
    "tests",
    "docs",
];
const LEVELS: [&str; 3] = ["trivial", "standard", "complex"];
const TIERS: [&str; 3] = ["cheap", "mid", "top"];

/// The trained router is cached under `$XDG_CACHE_HOME`; sharing one folder
/// across these tests trains it once (a cold cache is tested on its own).
fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("route-cache")
}

fn route(world: &World, args: &[&str]) -> Command {
    let mut cmd = world.cmd(&[&["route"], args].concat());
    cmd.env("XDG_CACHE_HOME", shared_cache());
    cmd
}

/// The keys every decision object carries, with values of the right kind.
fn assert_decision(v: &Value) {
    assert!(KINDS.contains(&v["kind"].as_str().unwrap_or("")), "{v}");
    assert!(
        LEVELS.contains(&v["complexity"].as_str().unwrap_or("")),
        "{v}"
    );
    let tiers = v["tiers"]
        .as_object()
        .unwrap_or_else(|| panic!("no tiers: {v}"));
    assert!(tiers.contains_key("analyze"), "{v}");
    for (stage, tier) in tiers {
        assert!(stage.parse::<Stage>().is_ok(), "{stage}");
        assert!(TIERS.contains(&tier.as_str().unwrap_or("")), "{v}");
    }
    let confidence = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence), "{v}");
    assert!(v["inspected"].is_boolean(), "{v}");
    let scores = v["scores"]["kind"].as_object().unwrap();
    assert_eq!(scores.len(), 8, "{v}");
    let total: f64 = scores.values().filter_map(Value::as_f64).sum();
    assert!((total - 1.0).abs() < 0.01, "{v}");
    assert_eq!(
        v["scores"]["complexity"].as_object().unwrap().len(),
        3,
        "{v}"
    );
}

#[test]
fn route_json_prints_kind_complexity_and_the_tier_of_each_stage() {
    let world = World::new();
    let out = world.ok(&mut route(
        &world,
        &[
            "--json",
            "design how the billing, catalog and auth modules should be split into services",
        ],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_decision(&v);
    assert_eq!(v["kind"], "architecture", "{v}");
    assert_eq!(v["complexity"], "complex", "{v}");
    assert_eq!(v["tiers"]["plan"], "top", "{v}");
    assert!(v["nearest"].as_array().is_some_and(|n| n.len() == 3), "{v}");
    assert!(v["features"]["words"].as_u64().is_some(), "{v}");

    // A question: answered, never executed.
    let out = world.ok(&mut route(
        &world,
        &["--json", "where is the retry delay configured?"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "question", "{v}");
    assert!(
        v["tiers"].get("execute").is_none() && v["tiers"].get("answer").is_some(),
        "{v}"
    );

    // The human form says the decision, the scores and why.
    let out = world.ok(&mut route(&world, &["fix the docs typo"]));
    for want in [
        "kind        docs",
        "complexity",
        "tiers",
        "scores",
        "why",
        "nearest",
        "features",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }
}

#[test]
fn route_stdin_writes_one_object_per_line_in_order() {
    let world = World::new();
    let input = "add a test that reproduces the crash in the parser\n\n\
                 why does the build fail on CI?\n\
                 rename the `Session` type to `Connection` across the code base\n";
    let mut cmd = route(&world, &["--stdin", "--context-tokens", "300000"]);
    let out = run_with_stdin(&mut cmd, input);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    for v in &lines {
        assert_decision(v);
        // 300000 tokens of context make every task complex (seed 002).
        assert_eq!(v["complexity"], "complex", "{v}");
    }
    assert_eq!(lines[0]["kind"], "tests");
    assert_eq!(lines[1]["kind"], "question");
    assert_eq!(lines[2]["kind"], "refactor");
    assert!(lines[1]["prompt"].as_str().unwrap().starts_with("why does"));
}

fn run_with_stdin(cmd: &mut Command, input: &str) -> String {
    use std::io::Write as _;
    use std::process::Stdio;

    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "status {}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const LABELS: &str = r#"{"prompt": "fix the typo in the README", "kind": "docs", "complexity": "trivial"}
{"prompt": "why is the CI red on main?", "kind": "question", "complexity": "standard"}
{"prompt": "add unit tests for the slug helper", "kind": "tests", "complexity": "standard"}
{"prompt": "design the module boundaries of the new payments service", "kind": "architecture", "complexity": "complex"}
"#;

#[test]
fn route_eval_reports_accuracy_the_confusion_matrix_and_the_under_routing_rate() {
    let world = World::new();
    let labels = world.write("labels.jsonl", LABELS);
    let labels = labels.to_str().unwrap();
    let out = world.ok(&mut route(&world, &["eval", "--labels", labels]));
    for want in [
        "4 labelled prompts",
        "kind accuracy",
        "complexity accuracy",
        "routed below label",
        "kind confusion",
        "complexity confusion",
        "cross-validation",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }

    let out = world.ok(&mut route(&world, &["eval", "--labels", labels, "--json"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], 4);
    let accuracy = v["kind_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy), "{v}");
    let confusion = v["confusion"].as_array().unwrap();
    assert_eq!(confusion.len(), 8);
    let counted: u64 = confusion
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(counted, 4);
    assert!(v["complexity_under_rate"].as_f64().is_some(), "{v}");
    assert_eq!(v["kinds"][0], "question");

    // A bad line is named.
    let bad = world.write(
        "bad.jsonl",
        "{\"prompt\": \"x\", \"kind\": \"chore\", \"complexity\": \"trivial\"}\n",
    );
    let (code, err) = world.fails(&mut route(
        &world,
        &["eval", "--labels", bad.to_str().unwrap()],
    ));
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.jsonl:1") && err.contains("chore"),
        "{err}"
    );
}

#[tokio::test]
async fn a_close_call_asks_the_cheap_model_and_the_ledger_records_it() {
    let server = MockServer::start().await;
    fake_openai::chat_mock()
        .respond_with(fake_openai::completion_template(
            r#"{"kind":"refactor","complexity":"standard"}"#,
            "stop",
            fake_openai::usage(400, 10),
        ))
        .mount(&server)
        .await;
    let world = World::new();
    world.write(
        ".distiq.toml",
        &format!(
            "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\napi_key_env = [\"FAKE_API_KEY\"]\n\n\
             [models.\"fake:small\"]\ninput = 0.1\noutput = 0.4\ncached_input = 0.01\ncache_write = 0.1\n\n\
             [tiers.cheap]\nmodel = \"fake:small\"\n",
            fake_openai::base_url(&server)
        ),
    );
    let prompt = "rename Foo to Bar everywhere";

    // A wide margin: nothing is asked.
    let mut cmd = route(
        &world,
        &["--json", "-c", "router.inspect_margin=0.0", prompt],
    );
    cmd.env("FAKE_API_KEY", "sk-fake");
    let v: Value = serde_json::from_str(&world.ok(&mut cmd)).unwrap();
    assert_eq!(v["inspected"], false, "{v}");
    assert!(server.received_requests().await.unwrap().is_empty());

    // Every margin is small: the cheap model picks, and pays into the ledger.
    let mut cmd = route(
        &world,
        &["--json", "-c", "router.inspect_margin=1.0", prompt],
    );
    cmd.env("FAKE_API_KEY", "sk-fake");
    let v: Value = serde_json::from_str(&world.ok(&mut cmd)).unwrap();
    assert_eq!(v["inspected"], true, "{v}");
    assert_eq!(v["kind"], "refactor", "{v}");
    assert_eq!(v["inspection"]["status"], "asked", "{v}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let stats = Ledger::open(world.data_home.join("distiq/ledger.sqlite"))
        .unwrap()
        .stats(&StatsQuery::default())
        .unwrap();
    assert_eq!(stats.total.calls, 1);
    assert_eq!(stats.by_stage[&Stage::Classify].calls, 1);

    // Without the key the local decision stands, and the output says why.
    let mut cmd = route(
        &world,
        &["--json", "-c", "router.inspect_margin=1.0", prompt],
    );
    let v: Value = serde_json::from_str(&world.ok(&mut cmd)).unwrap();
    assert_eq!(v["inspected"], false, "{v}");
    assert_eq!(v["inspection"]["status"], "unavailable", "{v}");
    assert!(
        v["inspection"]["reason"]
            .as_str()
            .unwrap()
            .contains("FAKE_API_KEY"),
        "{v}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn a_corrupt_router_cache_is_a_warning_and_routing_goes_on() {
    let world = World::new();
    let cache = world.home.join("own-cache");
    let run = |world: &World| {
        let mut cmd = world.cmd(&["route", "--json", "add dark mode to the settings page"]);
        cmd.env("XDG_CACHE_HOME", &cache);
        cmd.output().unwrap()
    };
    let first = run(&world);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let dir = cache.join("distiq/router");
    let model = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "bin"))
        .unwrap_or_else(|| panic!("no trained router in {}", dir.display()));
    std::fs::write(&model, b"garbage").unwrap();

    let second = run(&world);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("corrupt"),
        "{stderr}"
    );
    let a: Value = serde_json::from_slice(&first.stdout).unwrap();
    let b: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(a["kind"], b["kind"]);
    assert!(
        std::fs::read(&model).unwrap().len() > 1000,
        "the model was rebuilt"
    );
}

#[test]
fn a_missing_model_says_exactly_what_to_run() {
    let world = World::new();
    let empty = world.home.join("no-model");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = route(&world, &["add a flag"]);
    cmd.env("DISTIQ_MODEL_DIR", &empty);
    let (code, err) = world.fails(&mut cmd);
    assert_eq!(code, 1);
    assert!(
        err.contains("./models/fetch") && err.contains("model.onnx"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
}
