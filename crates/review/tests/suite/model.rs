//! The model review against fake providers: the cheap tier's findings,
//! escalation that confirms or drops them, skipping without a key, and
//! batches.

use std::sync::Arc;

use distiq_core::{Event, VecSink};
use distiq_llm::{CallContext, Registry};
use distiq_review::{Check, ModelStatus, Models, ReviewOptions, Severity, Tally, Target, review};
use distiq_test_support::batch::{AnthropicBatches, anthropic_succeeded};
use distiq_test_support::{anthropic as fake_anthropic, openai as fake_openai};
use serde_json::{Value, json};
use wiremock::MockServer;
use wiremock::matchers::body_partial_json;

use super::util::{Repo, config, env};

const CALC_BEFORE: &str = "def mean(xs):\n    return 0\n";
const CALC_AFTER: &str = "def mean(xs):\n    n = len(xs)\n    return sum(xs) / n\n";

fn staged_change() -> Repo {
    let repo = Repo::new();
    repo.write("calc.py", CALC_BEFORE);
    repo.commit_all("first");
    repo.write("calc.py", CALC_AFTER);
    repo.git(&["add", "calc.py"]);
    repo
}

fn first_pass() -> String {
    json!({ "findings": [
        { "file": "calc.py", "line": 3, "severity": "error",
          "message": "Divides by zero when xs is empty.", "suggested_fix": "return 0 when n == 0" },
        { "file": "calc.py", "line": 2, "severity": "warning",
          "message": "n shadows a builtin.", "suggested_fix": null },
        { "file": "calc.py", "line": 1, "severity": "info",
          "message": "Add a docstring.", "suggested_fix": null },
        { "file": "nowhere.py", "line": 1, "severity": "error",
          "message": "A file the model was not shown.", "suggested_fix": null },
        { "file": "./calc.py", "line": 999, "severity": "info",
          "message": "A line the file does not have.", "suggested_fix": null }
    ]})
    .to_string()
}

fn verdicts() -> String {
    json!({ "verdicts": [
        { "id": 1, "confirmed": true, "severity": "error", "reason": "mean([]) raises." },
        { "id": 2, "confirmed": false, "severity": "info", "reason": "n is not a builtin." }
    ]})
    .to_string()
}

fn bodies(requests: &[wiremock::Request]) -> Vec<Value> {
    requests
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

async fn run(
    repo: &Repo,
    cfg: &distiq_config::Config,
    vars: &[(&str, &str)],
    options: &ReviewOptions,
) -> (distiq_review::Report, Arc<VecSink>) {
    let events = Arc::new(VecSink::default());
    let tally = Arc::new(Tally::new(events.clone()));
    let lookup = env(vars);
    let registry = Registry::new(Arc::new(cfg.clone()), lookup.clone(), tally.clone());
    let models = Models {
        registry: &registry,
        env: lookup,
        sink: tally.clone(),
        ctx: CallContext::default(),
    };
    let report = review(repo.path(), cfg, options, Some((&models, &tally)))
        .await
        .unwrap();
    (report, events)
}

fn staged() -> ReviewOptions {
    ReviewOptions {
        target: Target::Staged { index_file: None },
        ..ReviewOptions::default()
    }
}

#[tokio::test]
async fn escalated_findings_are_confirmed_or_dropped_by_the_stronger_tier() {
    let server = MockServer::start().await;
    fake_openai::chat_mock()
        .and(body_partial_json(json!({ "model": "small" })))
        .respond_with(fake_openai::completion_template(
            &first_pass(),
            "stop",
            fake_openai::usage(1_000, 200),
        ))
        .mount(&server)
        .await;
    fake_openai::chat_mock()
        .and(body_partial_json(json!({ "model": "big" })))
        .respond_with(fake_openai::completion_template(
            &verdicts(),
            "stop",
            fake_openai::usage(500, 50),
        ))
        .mount(&server)
        .await;
    let repo = staged_change();
    let cfg = config(&repo, "openai", &fake_openai::base_url(&server), "");
    let (report, events) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &staged()).await;

    let shown: Vec<(Option<u32>, Severity, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.line, f.severity, f.confirmed_by.as_deref()))
        .collect();
    assert_eq!(
        shown,
        [
            (None, Severity::Info, None),
            (Some(1), Severity::Info, None),
            (Some(3), Severity::Error, Some("fake:big")),
        ],
        "the error confirmed, the infos kept unescalated (one with its bad line cleared), the unknown file dropped"
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.check == Check::Model && f.file == "calc.py")
    );
    assert_eq!(report.dropped.len(), 1);
    assert_eq!(report.dropped[0].finding.message, "n shadows a builtin.");
    assert_eq!(report.dropped[0].reason, "n is not a builtin.");
    assert_eq!(report.dropped[0].dropped_by, "fake:big");
    assert!(report.failed, "a confirmed error fails the review");
    assert_eq!(report.model_review.status, ModelStatus::Ran);
    assert_eq!(report.model_review.confirmer.as_deref(), Some("fake:big"));

    let sent = bodies(&server.received_requests().await.unwrap());
    assert_eq!(sent.len(), 2, "one first pass, one confirmation");
    let diff = sent[0]["messages"][1]["content"].as_str().unwrap();
    assert!(diff.contains("=== file: calc.py (modified) ==="), "{diff}");
    assert!(diff.contains("    3 +    return sum(xs) / n"), "{diff}");
    let confirm = sent[1]["messages"][1]["content"].as_str().unwrap();
    assert!(
        confirm.contains("[1] line 3, error: Divides by zero"),
        "{confirm}"
    );
    assert!(
        confirm.contains("[2] line 2, warning: n shadows"),
        "{confirm}"
    );
    assert!(
        !confirm.contains("docstring"),
        "infos are not escalated: {confirm}"
    );

    // Both calls are recorded: 1,000 in at $1 + 200 out at $2 = 1,400 µ$;
    // 500 in at $10 + 50 out at $20 = 6,000 µ$.
    let costs: Vec<i64> = events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::CallFinished(r) => Some(r.cost.micros()),
            _ => None,
        })
        .collect();
    assert_eq!(costs, [1_400, 6_000]);
    assert_eq!(report.model_review.calls, 2);
    assert_eq!(report.model_review.cost.micros(), 7_400);
}

#[tokio::test]
async fn without_a_key_the_model_review_is_skipped_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let repo = staged_change();
    let cfg = config(&repo, "openai", &fake_openai::base_url(&server), "");
    let (report, events) = run(&repo, &cfg, &[], &staged()).await;
    assert_eq!(report.model_review.status, ModelStatus::Skipped);
    assert_eq!(
        report.model_review.reason.as_deref(),
        Some("no API key for provider `fake`: set FAKE_API_KEY")
    );
    assert!(!report.failed);
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(events.events().is_empty());
}

#[tokio::test]
async fn a_failing_model_is_reported_and_the_review_goes_on_locally() {
    let server = MockServer::start().await;
    fake_openai::mount(&server, fake_openai::server_error()).await;
    let repo = staged_change();
    let cfg = config(&repo, "openai", &fake_openai::base_url(&server), "");
    let (report, _) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &staged()).await;
    assert_eq!(report.model_review.status, ModelStatus::Failed);
    let reason = report.model_review.reason.unwrap();
    assert!(
        reason.contains("review stage failed") && reason.contains("500"),
        "{reason}"
    );
    assert!(!report.failed);
}

#[tokio::test]
async fn with_the_confirm_tier_at_the_review_tier_nothing_is_escalated() {
    let server = MockServer::start().await;
    fake_openai::mount(
        &server,
        fake_openai::completion_template(&first_pass(), "stop", fake_openai::usage(10, 10)),
    )
    .await;
    let repo = staged_change();
    let cfg = config(
        &repo,
        "openai",
        &fake_openai::base_url(&server),
        "[review]\nconfirm_tier = \"cheap\"\n",
    );
    let (report, _) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &staged()).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(report.dropped.is_empty());
    assert!(report.findings.iter().all(|f| f.confirmed_by.is_none()));
    assert!(
        report.notes.iter().any(|n| n.contains("not confirmed")),
        "{:?}",
        report.notes
    );
}

#[tokio::test]
async fn a_batch_review_runs_both_passes_through_message_batches_at_half_price() {
    let server = MockServer::start().await;
    let fake = AnthropicBatches::new(|params| {
        let model = params["model"].as_str().unwrap_or("");
        let (tool, input, t) = if model == "small" {
            (
                "review_findings",
                serde_json::from_str::<Value>(&first_pass()).unwrap(),
                fake_anthropic::Tokens::new(1_000, 200),
            )
        } else {
            (
                "review_verdicts",
                serde_json::from_str::<Value>(&verdicts()).unwrap(),
                fake_anthropic::Tokens::new(500, 50),
            )
        };
        anthropic_succeeded(fake_anthropic::tool_message(
            model, tool, input, "tool_use", t,
        ))
    })
    .polls_before_end(1);
    fake.mount(&server).await;
    let repo = staged_change();
    let cfg = config(
        &repo,
        "anthropic",
        &server.uri(),
        "[review]\nbatch_poll_interval_ms = 10\n",
    );
    let options = ReviewOptions {
        batch: true,
        ..staged()
    };
    let (report, events) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &options).await;

    assert!(report.model_review.batch);
    assert_eq!(fake.batches().len(), 2, "a batch per pass");
    assert_eq!(report.dropped.len(), 1);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.confirmed_by.as_deref() == Some("fake:big"))
    );
    // Half of 1,400 and of 6,000 µ$.
    let costs: Vec<i64> = events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::CallFinished(r) => Some(r.cost.micros()),
            _ => None,
        })
        .collect();
    assert_eq!(costs, [700, 3_000]);
    let direct = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/messages")
        .count();
    assert_eq!(direct, 0, "no direct Messages call");
}

#[tokio::test]
async fn batch_on_a_provider_without_a_batch_api_falls_back_to_direct_calls() {
    let server = MockServer::start().await;
    fake_openai::mount(
        &server,
        fake_openai::completion_template(r#"{"findings": []}"#, "stop", fake_openai::usage(10, 10)),
    )
    .await;
    let repo = staged_change();
    let cfg = config(&repo, "openai", &fake_openai::base_url(&server), "");
    let options = ReviewOptions {
        batch: true,
        ..staged()
    };
    let (report, _) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &options).await;
    assert!(!report.model_review.batch);
    assert_eq!(report.model_review.status, ModelStatus::Ran);
    assert!(
        report.notes.iter().any(|n| n.contains("has no batch API")),
        "{:?}",
        report.notes
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn local_findings_that_fail_the_review_stop_before_any_model_call() {
    let server = MockServer::start().await;
    let repo = Repo::new();
    repo.write("ok.txt", "fine\n");
    repo.commit_all("first");
    repo.write("broken.rs", "fn main() {\n    let x = ;\n}\n");
    repo.git(&["add", "broken.rs"]);
    let cfg = config(&repo, "openai", &fake_openai::base_url(&server), "");
    let (report, _) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &staged()).await;
    assert!(report.failed);
    assert_eq!(report.findings[0].check, Check::Syntax);
    assert_eq!(report.model_review.status, ModelStatus::Skipped);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_models_see_related_code_from_the_repository_and_the_tree_stays_clean() {
    let server = MockServer::start().await;
    fake_openai::mount(
        &server,
        fake_openai::completion_template(r#"{"findings": []}"#, "stop", fake_openai::usage(10, 10)),
    )
    .await;
    let repo = Repo::new();
    repo.write(
        "mathutil.py",
        "def safe_divide(numerator, denominator):\n    if denominator == 0:\n        return 0.0\n    return numerator / denominator\n",
    );
    repo.write("calc.py", CALC_BEFORE);
    repo.commit_all("first");
    repo.write(
        "calc.py",
        "from mathutil import safe_divide\n\ndef mean(xs):\n    return safe_divide(sum(xs), len(xs))\n",
    );
    repo.git(&["add", "calc.py"]);
    let cfg = config(&repo, "openai", &fake_openai::base_url(&server), "");
    let (report, _) = run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &staged()).await;
    assert_eq!(report.model_review.status, ModelStatus::Ran);
    let sent = bodies(&server.received_requests().await.unwrap());
    let user = sent[0]["messages"][1]["content"].as_str().unwrap();
    let context_at = user
        .find("Context from the rest of the repository")
        .unwrap();
    let diff_at = user.find("=== file: calc.py").unwrap();
    assert!(context_at < diff_at, "context first, the diff last");
    assert!(
        user[..diff_at].contains("if denominator == 0:"),
        "the definition the change calls is shown: {user}"
    );
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        "M  calc.py\n"
    );

    // review.context_tokens = 0: the diff alone.
    let cfg = config(
        &repo,
        "openai",
        &fake_openai::base_url(&server),
        "[review]\ncontext_tokens = 0\n",
    );
    run(&repo, &cfg, &[("FAKE_API_KEY", "k-123456")], &staged()).await;
    let sent = bodies(&server.received_requests().await.unwrap());
    let user = sent[1]["messages"][1]["content"].as_str().unwrap();
    assert!(!user.contains("Context from the rest"), "{user}");
}
