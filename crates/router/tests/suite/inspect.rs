//! Inspect-then-pick against a fake OpenAI-compatible cheap model: asked
//! when the local scores are close, its call priced into the ledger; not
//! asked when they are clear; the local decision stands without a key or
//! when the model fails.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use distiq_config::{Config, ConfigBuilder};
use distiq_core::{Complexity, Event, Stage, TaskKind, Tier, VecSink};
use distiq_ledger::{Ledger, LedgerSink, StatsQuery};
use distiq_llm::{CallContext, EnvLookup, Registry};
use distiq_router::{Inspection, Request};
use distiq_test_support::openai::{base_url, chat_mock, completion_template, server_error, usage};
use wiremock::MockServer;

use super::{embedder, router};

/// A prompt whose top two kinds are close (edit or refactor).
const CLOSE: &str = "rename Foo to Bar everywhere";
/// A prompt the local router is sure of.
const CLEAR: &str = "write unit tests for the date parser";

struct Setup {
    _tmp: tempfile::TempDir,
    config: Arc<Config>,
    ledger: PathBuf,
}

/// The cheap tier on `fake:small` served by `server`; `margin` is
/// `router.inspect_margin`.
fn setup(server: &MockServer, margin: f32) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
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

[router]
inspect_margin = {margin}

[retry]
max_attempts = 1
"#,
        base = base_url(server)
    );
    std::fs::write(repo.join(".distiq.toml"), toml).unwrap();
    let ledger = tmp.path().join("ledger.sqlite");
    let config = ConfigBuilder::new()
        .user_file(None)
        .repo_root(Some(repo))
        .env([("HOME", tmp.path().to_str().unwrap())])
        .cli_override("ledger.path", ledger.to_str().unwrap())
        .build()
        .unwrap();
    Setup {
        _tmp: tmp,
        config: Arc::new(config),
        ledger,
    }
}

fn env(vars: &[(&str, &str)]) -> EnvLookup {
    let map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Arc::new(move |k: &str| map.get(k).cloned())
}

fn answer(kind: &str, complexity: &str) -> wiremock::ResponseTemplate {
    completion_template(
        &format!(r#"{{"kind":"{kind}","complexity":"{complexity}"}}"#),
        "stop",
        usage(420, 12),
    )
}

#[tokio::test]
async fn a_close_call_asks_the_cheap_model_whose_call_lands_in_the_ledger() {
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(answer("refactor", "standard"))
        .mount(&server)
        .await;
    let s = setup(&server, 0.99);
    let ledger = Arc::new(LedgerSink::new(Ledger::open(&s.ledger).unwrap(), None));
    let registry = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "sk-fake-1")]),
        ledger,
    );
    let request = Request::new(CLOSE);
    let embedding = embedder().embed(CLOSE).unwrap();
    let events = VecSink::default();

    let routed = router()
        .decide(
            &registry,
            &request,
            &embedding,
            None,
            &events,
            &CallContext::default(),
        )
        .await;
    assert!(
        routed.local.margin < 0.99,
        "precondition: {:?}",
        routed.local.kind_scores
    );
    assert_eq!(
        routed.inspection,
        Inspection::Asked {
            model: "fake:small".to_owned(),
            kind: TaskKind::Refactor,
            complexity: Complexity::Standard,
        }
    );
    assert!(routed.decision.inspected);
    assert_eq!(routed.decision.kind, TaskKind::Refactor);
    assert_eq!(
        events.events(),
        [Event::RouteDecided {
            task_id: None,
            decision: routed.decision.clone()
        }]
    );

    // What was sent: the classify stage's model, a schema, and the task.
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["model"], "small");
    let text = body.to_string();
    assert!(
        text.contains(CLOSE) && text.contains("architecture"),
        "{text}"
    );
    assert!(body["response_format"]["json_schema"].is_object(), "{body}");

    let stats = Ledger::open(&s.ledger)
        .unwrap()
        .stats(&StatsQuery::default())
        .unwrap();
    assert_eq!(stats.total.calls, 1);
    assert_eq!(stats.by_stage[&Stage::Classify].calls, 1);
    assert!(stats.total.cost.micros() > 0, "{:?}", stats.total);
}

#[tokio::test]
async fn a_clear_call_never_reaches_the_model() {
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(answer("docs", "complex"))
        .mount(&server)
        .await;
    let s = setup(&server, 0.10);
    let registry = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "sk-fake-1")]),
        Arc::new(VecSink::default()),
    );
    let request = Request::new(CLEAR);
    let embedding = embedder().embed(CLEAR).unwrap();
    let routed = router()
        .decide(
            &registry,
            &request,
            &embedding,
            None,
            &VecSink::default(),
            &CallContext::default(),
        )
        .await;
    assert!(
        matches!(routed.inspection, Inspection::NotNeeded { margin, .. } if margin >= 0.10),
        "{:?}",
        routed.inspection
    );
    assert_eq!(routed.decision.kind, TaskKind::Tests);
    assert!(!routed.decision.inspected);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn without_a_key_the_local_decision_stands_and_says_why() {
    let server = MockServer::start().await;
    let s = setup(&server, 0.99);
    let registry = Registry::new(s.config.clone(), env(&[]), Arc::new(VecSink::default()));
    let request = Request::new(CLOSE);
    let embedding = embedder().embed(CLOSE).unwrap();
    let local = router().route(&s.config, &request, &embedding);
    let routed = router()
        .decide(
            &registry,
            &request,
            &embedding,
            None,
            &VecSink::default(),
            &CallContext::default(),
        )
        .await;
    match &routed.inspection {
        Inspection::Unavailable { reason } => {
            assert!(
                reason.contains("FAKE_API_KEY") && reason.contains("fake:small"),
                "{reason}"
            );
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(routed.decision.kind, local.decision.kind);
    assert!(!routed.decision.inspected);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_model_leaves_the_local_decision_and_a_low_answer_cannot_lower_complexity() {
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(server_error())
        .mount(&server)
        .await;
    let s = setup(&server, 0.99);
    let registry = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "sk-fake-1")]),
        Arc::new(VecSink::default()),
    );
    let request = Request::new(CLOSE);
    let embedding = embedder().embed(CLOSE).unwrap();
    let local = router().route(&s.config, &request, &embedding);
    let failed = router()
        .decide(
            &registry,
            &request,
            &embedding,
            None,
            &VecSink::default(),
            &CallContext::default(),
        )
        .await;
    assert!(
        matches!(&failed.inspection, Inspection::Failed { model, reason } if model == "fake:small" && reason.contains("500")),
        "{:?}",
        failed.inspection
    );
    assert_eq!(failed.decision, local.decision);

    // The model says trivial for a task the router rates complex (a long
    // context): the route keeps the higher level.
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(answer("refactor", "trivial"))
        .mount(&server)
        .await;
    let s = setup(&server, 0.99);
    let registry = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "sk-fake-1")]),
        Arc::new(VecSink::default()),
    );
    let long = Request {
        context_tokens: Some(250_000),
        ..request
    };
    let routed = router()
        .decide(
            &registry,
            &long,
            &embedding,
            None,
            &VecSink::default(),
            &CallContext::default(),
        )
        .await;
    assert!(routed.decision.inspected);
    assert_eq!(routed.decision.complexity, Complexity::Complex);
    assert_eq!(routed.decision.tiers[&Stage::Plan], Tier::Top);
}
