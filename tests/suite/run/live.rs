//! The opt-in smoke test against a real OpenAI-compatible server
//! (`../shared/tools/local-llm`), ignored by default.

use super::*;
use crate::util::World;

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
