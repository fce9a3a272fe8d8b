//! The analysis stage against a fake OpenAI server: the brief comes back as
//! structured output, unknown paths are dropped, the call is priced into the
//! ledger as the analyze stage, and the request is ordered for prefix
//! caching (instructions, repo map, the task's code, then the task).

use std::collections::BTreeMap;
use std::sync::Arc;

use distiq_analyzer::brief::BRIEF_SYSTEM;
use distiq_analyzer::{
    CacheLocation, ContextOptions, IndexOptions, RankOptions, RepoIndex, build_context, write_brief,
};
use distiq_config::{Config, ConfigBuilder};
use distiq_core::{Money, Stage, Tier};
use distiq_ledger::{Ledger, LedgerSink, StatsQuery};
use distiq_llm::{CallContext, EnvLookup, Registry};
use distiq_test_support::openai::{base_url, chat_mock, completion_template, usage_detailed};
use serde_json::Value;
use wiremock::MockServer;

const BRIEF: &str = r#"{
  "summary": "The delay before a retry is computed in backoff_delay.",
  "files": [
    {"path": "src/retry.rs", "why": "computes the delay"},
    {"path": "src/ghost.rs", "why": "a file the model made up"}
  ],
  "symbols": [{"path": "src/retry.rs", "name": "backoff_delay", "why": "the formula"}],
  "constraints": ["The delay never exceeds max_delay."]
}"#;

fn write(root: &std::path::Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A small repository on disk (the context reads its code).
fn repo() -> (tempfile::TempDir, RepoIndex) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "src/retry.rs",
        "/// How long to wait before the next attempt.\n\
         pub fn backoff_delay(attempt: u32, max_delay: u64) -> u64 {\n    \
         (100u64 << attempt.min(16)).min(max_delay)\n}\n",
    );
    write(
        root,
        "src/client.rs",
        "use crate::retry::backoff_delay;\n\n\
         pub fn send_with_retries(attempts: u32) -> u64 {\n    \
         (0..attempts).map(|a| backoff_delay(a, 30_000)).sum()\n}\n",
    );
    write(root, "src/lib.rs", "pub mod client;\npub mod retry;\n");
    let opts = IndexOptions {
        cache: CacheLocation::Off,
        ..IndexOptions::default()
    };
    let index = RepoIndex::build(root, &opts).unwrap();
    (tmp, index)
}

/// The cheap tier on `fake:small`, served by `server`; the ledger in `home`.
fn config(server: &MockServer, home: &std::path::Path) -> Arc<Config> {
    let repo = home.join("config-repo");
    std::fs::create_dir_all(&repo).unwrap();
    let toml = format!(
        r#"
[providers.fake]
kind = "openai"
base_url = "{base}"
api_key_env = ["FAKE_API_KEY"]

[models."fake:small"]
input = 0.10
output = 0.40
cached_input = 0.01
cache_write = 0.10

[tiers.cheap]
model = "fake:small"
[tiers.mid]
model = "fake:small"
[tiers.top]
model = "fake:small"

[stages.analyze]
tier = "cheap"
max_tokens = 2048
fallbacks = []

[analyze]
brief = true
"#,
        base = base_url(server)
    );
    std::fs::write(repo.join(".distiq.toml"), toml).unwrap();
    let config = ConfigBuilder::new()
        .user_file(None)
        .repo_root(Some(repo))
        .env([("HOME", home.to_str().unwrap())])
        .cli_override("ledger.path", home.join("ledger.sqlite").to_str().unwrap())
        .build()
        .unwrap();
    assert!(config.analyze.brief);
    Arc::new(config)
}

fn env() -> EnvLookup {
    let map = BTreeMap::from([("FAKE_API_KEY".to_owned(), "sk-fake-1".to_owned())]);
    Arc::new(move |k: &str| map.get(k).cloned())
}

#[tokio::test]
async fn the_brief_is_structured_priced_and_sent_with_the_context_first_and_the_task_last() {
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(completion_template(
            BRIEF,
            "stop",
            usage_detailed(3_000, 200, 2_000, 0),
        ))
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let config = config(&server, home.path());
    let ledger_path = config.ledger.path.clone();
    let sink = Arc::new(LedgerSink::new(Ledger::open(&ledger_path).unwrap(), None));
    let registry = Registry::new(config, env(), sink);
    let (_repo, index) = repo();

    let tasks = [
        "where do we decide how long to wait before retrying",
        "cap the total time spent sending with retries",
    ];
    let mut contexts = Vec::new();
    for task in tasks {
        let ctx = build_context(
            &index,
            Some(task),
            &ContextOptions::default(),
            &RankOptions::default(),
        );
        let out = write_brief(
            &registry,
            Tier::Cheap,
            None,
            &ctx,
            task,
            &CallContext::default(),
        )
        .await
        .unwrap();
        assert_eq!(out.unknown_paths, ["src/ghost.rs"]);
        assert_eq!(out.brief.files.len(), 1);
        assert_eq!(out.brief.symbols[0].name, "backoff_delay");
        assert!(
            out.brief
                .render()
                .contains("`backoff_delay` in src/retry.rs")
        );
        assert_eq!(out.usage.cache_read_tokens, 2_000);
        contexts.push(ctx);
    }

    let sent: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(sent.len(), 2);
    for ((body, ctx), task) in sent.iter().zip(&contexts).zip(tasks) {
        assert_eq!(body["model"], "small");
        assert_eq!(body["response_format"]["json_schema"]["name"], "repo_brief");
        let messages = body["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert_eq!(messages[0]["role"], "system");
        assert!(
            messages[0]["content"]
                .as_str()
                .unwrap()
                .starts_with(BRIEF_SYSTEM)
        );
        assert_eq!(messages[1]["role"], "user");
        let user = messages[1]["content"].as_str().unwrap();
        // The stable prefix: the repo map, then the task's files and code.
        assert!(user.starts_with(&ctx.map), "{user}");
        assert!(!ctx.chunks.is_empty());
        let code = user.find("pub fn backoff_delay").unwrap();
        // The task last.
        let task_at = user.rfind(&format!("# Task\n\n{task}\n")).unwrap();
        assert!(
            code < task_at && user.ends_with(&format!("{task}\n")),
            "{user}"
        );
    }
    // The map depends on the repository only: both tasks share the prefix
    // of instructions and map byte for byte, so providers can cache it.
    assert_eq!(contexts[0].map, contexts[1].map);
    assert_eq!(sent[0]["messages"][0], sent[1]["messages"][0]);
    let prefix = |b: &Value| {
        b["messages"][1]["content"].as_str().unwrap()[..contexts[0].map.len()].to_owned()
    };
    assert_eq!(prefix(&sent[0]), prefix(&sent[1]));
    // The ledger has both calls under the analyze stage, priced at the
    // cached rate for the cached prompt tokens: 1,000 uncached in at $0.10,
    // 2,000 cached at $0.01, 200 out at $0.40 = 100 + 20 + 80 = 200 µ$ each.
    let stats = Ledger::open(&ledger_path)
        .unwrap()
        .stats(&StatsQuery::default())
        .unwrap();
    assert_eq!(stats.by_stage[&Stage::Analyze].calls, 2);
    assert_eq!(stats.total.cost, Money::from_micros(400));
}
