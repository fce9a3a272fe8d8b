//! The foundation end to end: a config file names a provider and prices,
//! the registry builds the client, the call is priced, and the ledger (an
//! event sink on a real SQLite file) reports it. Escalation climbs the
//! stage's fallback chain and never goes down.

use std::collections::BTreeMap;
use std::sync::Arc;

use distiq_config::{Config, ConfigBuilder};
use distiq_core::{CodePlan, Event, Money, Stage, Tier, VecSink};
use distiq_ledger::{Ledger, LedgerSink, StatsQuery};
use distiq_llm::{CallContext, EnvLookup, Error, Registry};
use distiq_test_support::openai::{
    base_url, chat_mock, completion_template, server_error, usage, usage_detailed,
};
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_partial_json;

const PLAN: &str =
    r#"{"summary":"rename","files":[{"path":"src/lib.rs","action":"modify","changes":[]}]}"#;

struct Setup {
    _tmp: tempfile::TempDir,
    config: Arc<Config>,
    ledger_path: std::path::PathBuf,
}

/// A repo whose `.distiq.toml` puts the cheap tier on `fake:small` and the
/// top tier on `fake:big`, both served by `server`.
fn setup(server: &MockServer) -> Setup {
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

[models."fake:big"]
input = 5.0
output = 25.0
cached_input = 0.5
cache_write = 6.25

[tiers.cheap]
model = "fake:small"
[tiers.mid]
model = "fake:big"
[tiers.top]
model = "fake:big"

[stages.plan]
tier = "cheap"
max_tokens = 2048
fallbacks = ["fake:big"]

[retry]
max_attempts = 2
initial_delay_ms = 5
max_delay_ms = 10
"#,
        base = base_url(server)
    );
    std::fs::write(repo.join(".distiq.toml"), toml).unwrap();
    let ledger_path = tmp.path().join("ledger.sqlite");
    let config = ConfigBuilder::new()
        .user_file(None)
        .repo_root(Some(repo))
        .env([("HOME", tmp.path().to_str().unwrap())])
        .cli_override("ledger.path", ledger_path.to_str().unwrap())
        .build()
        .unwrap();
    Setup {
        _tmp: tmp,
        config: Arc::new(config),
        ledger_path,
    }
}

fn env(vars: &[(&str, &str)]) -> EnvLookup {
    let map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Arc::new(move |k: &str| map.get(k).cloned())
}

#[tokio::test]
async fn a_call_from_config_is_priced_and_lands_in_the_ledger() {
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(completion_template(
            PLAN,
            "stop",
            usage_detailed(10_000, 2_000, 4_000, 0),
        ))
        .mount(&server)
        .await;
    let s = setup(&server);
    let sink = Arc::new(LedgerSink::new(Ledger::open(&s.ledger_path).unwrap(), None));
    let reg = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "sk-fake-777")]),
        sink,
    );

    let (route, req) = reg.request(Stage::Plan, Tier::Cheap);
    assert_eq!(route.model.to_string(), "fake:small");
    let out = reg
        .structured::<CodePlan>(
            &route,
            None,
            req.user("rename"),
            "code_plan",
            "a plan",
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(out.value.summary, "rename");

    // What was sent: the config's model id and max_tokens, the key as a bearer.
    let sent = &server.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["model"], "small");
    assert_eq!(body["max_tokens"], 2048);
    assert_eq!(
        sent.headers.get("authorization").unwrap(),
        "Bearer sk-fake-777"
    );

    // 6,000 uncached in at $0.10, 4,000 cached at $0.01, 2,000 out at $0.40:
    // 600 + 40 + 800 = 1,440 µ$. Baseline: 10,000 in at $5 + 2,000 out at $25.
    let stats = Ledger::open(&s.ledger_path)
        .unwrap()
        .stats(&StatsQuery::default())
        .unwrap();
    assert_eq!(stats.total.calls, 1);
    assert_eq!(stats.total.cost, Money::from_micros(1_440));
    assert_eq!(stats.total.baseline_cost, Money::from_micros(100_000));
    assert_eq!(stats.by_stage[&Stage::Plan].calls, 1);
    let bytes = std::fs::read(&s.ledger_path).unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains("sk-fake-777"),
        "the key reached the ledger file"
    );
}

#[tokio::test]
async fn a_missing_key_names_the_variable_to_set() {
    let server = MockServer::start().await;
    let s = setup(&server);
    let reg = Registry::new(s.config.clone(), env(&[]), Arc::new(VecSink::default()));
    let (route, _) = reg.request(Stage::Plan, Tier::Cheap);
    let err = reg
        .client(&route.model, Stage::Plan, Tier::Cheap, None)
        .unwrap_err();
    assert!(matches!(err, Error::MissingKey { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "no API key for provider `fake`: set FAKE_API_KEY"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_cheap_model_escalates_up_the_chain_and_every_call_is_recorded() {
    let server = MockServer::start().await;
    chat_mock()
        .and(body_partial_json(json!({"model": "small"})))
        .respond_with(server_error())
        .mount(&server)
        .await;
    chat_mock()
        .and(body_partial_json(json!({"model": "big"})))
        .respond_with(completion_template(PLAN, "stop", usage(1_000, 100)))
        .mount(&server)
        .await;
    let s = setup(&server);
    let events = Arc::new(VecSink::default());
    let reg = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "k-123456")]),
        events.clone(),
    );

    let (route, req) = reg.request(Stage::Plan, Tier::Cheap);
    let out = reg
        .structured::<CodePlan>(
            &route,
            None,
            req.user("x"),
            "code_plan",
            "a plan",
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(out.value.files.len(), 1);

    let models: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["model"].to_string())
        .collect();
    assert_eq!(
        models,
        ["\"small\"", "\"small\"", "\"big\""],
        "two tries on small, then big"
    );

    let evs = events.events();
    let escalation = evs.iter().find_map(|e| match e {
        Event::Escalated { from, to, .. } => Some((from.to_string(), to.to_string())),
        _ => None,
    });
    assert_eq!(escalation, Some(("fake:small".into(), "fake:big".into())));
    let calls: Vec<(String, Tier, bool)> = evs
        .iter()
        .filter_map(|e| match e {
            Event::CallFinished(r) => Some((
                r.model.to_string(),
                r.tier,
                r.outcome == distiq_core::CallOutcome::Ok,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("fake:small".into(), Tier::Cheap, false),
            ("fake:big".into(), Tier::Top, true)
        ]
    );
}

#[tokio::test]
async fn when_every_model_fails_the_error_names_each_failure() {
    let server = MockServer::start().await;
    chat_mock()
        .respond_with(server_error())
        .mount(&server)
        .await;
    let s = setup(&server);
    let reg = Registry::new(
        s.config.clone(),
        env(&[("FAKE_API_KEY", "k-123456")]),
        Arc::new(VecSink::default()),
    );
    let (route, req) = reg.request(Stage::Plan, Tier::Cheap);
    let err = reg
        .structured::<CodePlan>(
            &route,
            None,
            req.user("x"),
            "code_plan",
            "a plan",
            &CallContext::default(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("plan stage failed") && err.contains("fake:small") && err.contains("fake:big"),
        "{err}"
    );
    assert!(err.contains("500"), "{err}");
}

/// mid and top share `fake:big` here: a mid-tier stage's own model is
/// recorded as mid (what the stage asked for), not as the highest tier that
/// happens to use the same model.
#[tokio::test]
async fn a_model_shared_by_two_tiers_is_recorded_under_the_tier_the_stage_asked_for() {
    let server = MockServer::start().await;
    let s = setup(&server);
    let reg = Registry::new(s.config.clone(), env(&[]), Arc::new(VecSink::default()));

    let mid = s.config.route(Stage::Plan, Tier::Mid);
    let chain = reg.chain(&mid);

    assert_eq!(chain[0], ("fake:big".parse().unwrap(), Tier::Mid));
    // A fallback still goes under the highest tier that uses it, never
    // below the stage's.
    let cheap = s.config.route(Stage::Plan, Tier::Cheap);
    assert_eq!(
        reg.chain(&cheap),
        [
            ("fake:small".parse().unwrap(), Tier::Cheap),
            ("fake:big".parse().unwrap(), Tier::Top)
        ]
    );
}
