//! The batch clients against the fake batch APIs of
//! `distiq_test_support::batch`.

use std::sync::Arc;
use std::time::Duration;

use distiq_core::{CallOutcome, Event, ModelRef, Price, ProviderKind, Stage, Tier, Usage, VecSink};
use distiq_test_support::batch::{
    AnthropicBatches, OpenAiBatches, anthropic_errored, anthropic_expired, anthropic_succeeded,
};
use distiq_test_support::{anthropic as fake_anthropic, openai as fake_openai};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::MockServer;

use super::*;
use crate::{ApiKey, Part};

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Answer {
    verdict: String,
}

fn policy() -> BatchPolicy {
    BatchPolicy {
        poll_interval: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
    }
}

fn items(n: usize) -> Vec<BatchItem> {
    (0..n)
        .map(|i| BatchItem {
            custom_id: format!("r-{i}"),
            request: ChatRequest::new("ignored", 512)
                .system(Part::cached("rules"))
                .user(format!("question {i}")),
        })
        .collect()
}

fn price() -> Price {
    Price::per_mtok_usd(3.0, 15.0, 0.30, 3.75)
}

fn client(kind: ProviderKind, base: String, sink: Arc<VecSink>) -> BatchClient {
    let settings = ProviderSettings::new("fake", kind, base)
        .with_key(Some(ApiKey::new("sk-batch-key-123456")))
        .with_retry(RetryPolicy {
            max_attempts: 2,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        });
    BatchClient::new(
        &settings,
        ModelRef::new("fake", "claude-x"),
        price(),
        price(),
    )
    .unwrap()
    .for_stage(Stage::Review, Tier::Cheap)
    .with_sink(sink)
}

fn calls(sink: &VecSink) -> Vec<(Usage, i64, i64, CallOutcome)> {
    sink.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::CallFinished(r) => Some((
                r.usage,
                r.cost.micros(),
                r.baseline_cost.micros(),
                r.outcome,
            )),
            _ => None,
        })
        .collect()
}

/// The last user message's text of a Messages `params`.
fn question(params: &Value) -> String {
    params["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn an_anthropic_batch_is_created_polled_and_read_in_request_order() {
    let server = MockServer::start().await;
    let fake = AnthropicBatches::new(|params| {
        let q = question(params);
        let model = params["model"].as_str().unwrap_or("");
        let input = json!({ "verdict": format!("answer to {q}") });
        anthropic_succeeded(fake_anthropic::tool_message(
            model,
            "answer",
            input,
            "tool_use",
            fake_anthropic::Tokens::new(1_000, 100),
        ))
    })
    .polls_before_end(2);
    fake.mount(&server).await;
    let sink = Arc::new(VecSink::default());
    let c = client(ProviderKind::Anthropic, server.uri(), sink.clone());

    let out = c
        .structured::<Answer>(
            items(2),
            "answer",
            "an answer",
            &policy(),
            &CallContext::default(),
        )
        .await
        .unwrap();
    let got: Vec<(String, String)> = out
        .into_iter()
        .map(|r| (r.custom_id, r.outcome.unwrap().value.verdict))
        .collect();
    assert_eq!(
        got,
        [
            ("r-0".to_owned(), "answer to question 0".to_owned()),
            ("r-1".to_owned(), "answer to question 1".to_owned())
        ],
        "results are matched by custom_id, not by their (reversed) order"
    );

    let batches = fake.batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].polls, 3, "two in_progress answers, then ended");
    let (id, params) = &batches[0].requests[0];
    assert_eq!(id, "r-0");
    assert_eq!(params["model"], "claude-x");
    assert_eq!(
        params["tool_choice"],
        json!({ "type": "tool", "name": "answer" })
    );
    assert_eq!(
        params["system"][0]["cache_control"],
        json!({ "type": "ephemeral" })
    );
    assert!(params.get("stream").is_none());
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.iter()
            .all(|r| r.headers.get("x-api-key").unwrap() == "sk-batch-key-123456")
    );
    assert!(
        sent.iter()
            .all(|r| r.headers.get("anthropic-version").unwrap() == "2023-06-01")
    );

    // 1,000 in at $3 and 100 out at $15 is 4,500 µ$; the batch pays half.
    let calls = calls(&sink);
    assert_eq!(calls.len(), 2);
    for (usage, cost, baseline, outcome) in calls {
        assert_eq!(usage.input_tokens, 1_000);
        assert_eq!(cost, 2_250);
        assert_eq!(baseline, 4_500, "the baseline is not discounted");
        assert_eq!(outcome, CallOutcome::Ok);
    }
}

#[tokio::test]
async fn errored_and_expired_requests_fail_alone() {
    let server = MockServer::start().await;
    let fake = AnthropicBatches::new(|params| match question(params).as_str() {
        "question 0" => anthropic_errored("invalid_request_error", "max_tokens: too large"),
        "question 1" => anthropic_expired(),
        _ => anthropic_succeeded(fake_anthropic::tool_message(
            "claude-x",
            "answer",
            json!({ "verdict": "ok" }),
            "tool_use",
            fake_anthropic::Tokens::new(10, 1),
        )),
    });
    fake.mount(&server).await;
    let sink = Arc::new(VecSink::default());
    let c = client(ProviderKind::Anthropic, server.uri(), sink.clone());
    let out = c
        .structured::<Answer>(
            items(3),
            "answer",
            "an answer",
            &policy(),
            &CallContext::default(),
        )
        .await
        .unwrap();
    let e0 = out[0].outcome.as_ref().unwrap_err().to_string();
    assert!(
        e0.contains("invalid_request_error") && e0.contains("max_tokens"),
        "{e0}"
    );
    let e1 = out[1].outcome.as_ref().unwrap_err().to_string();
    assert!(e1.contains("expired"), "{e1}");
    assert_eq!(out[2].outcome.as_ref().unwrap().value.verdict, "ok");
    let outcomes: Vec<bool> = calls(&sink)
        .into_iter()
        .map(|c| c.3 == CallOutcome::Ok)
        .collect();
    assert_eq!(outcomes, [false, false, true], "failures are recorded too");
}

#[tokio::test]
async fn a_batch_that_outlives_max_wait_is_cancelled_and_times_out() {
    let server = MockServer::start().await;
    let fake = AnthropicBatches::new(|_| anthropic_expired()).polls_before_end(1_000);
    fake.mount(&server).await;
    let c = client(
        ProviderKind::Anthropic,
        server.uri(),
        Arc::new(VecSink::default()),
    );
    let short = BatchPolicy {
        poll_interval: Duration::from_millis(20),
        max_wait: Duration::from_millis(100),
    };
    let err = c
        .structured::<Answer>(
            items(1),
            "answer",
            "an answer",
            &short,
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    let b = &fake.batches()[0];
    assert!(b.cancelled, "the batch was cancelled");
    assert!(
        (2..=6).contains(&b.polls),
        "polled every interval: {}",
        b.polls
    );
}

#[tokio::test]
async fn an_openai_batch_uploads_jsonl_and_reads_output_and_error_files() {
    let server = MockServer::start().await;
    let fake = OpenAiBatches::new(|body| {
        let q = body["messages"][1]["content"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if q == "question 1" {
            return (
                400,
                json!({ "error": { "message": "bad request", "type": "invalid_request_error" } }),
            );
        }
        let text = json!({ "verdict": format!("answer to {q}") }).to_string();
        (
            200,
            fake_openai::completion(
                &text,
                "stop",
                fake_openai::usage_detailed(2_000, 100, 1_000, 0),
            ),
        )
    })
    .polls_before_end(1);
    fake.mount(&server).await;
    let sink = Arc::new(VecSink::default());
    let c = client(
        ProviderKind::Openai,
        fake_openai::base_url(&server),
        sink.clone(),
    );
    let out = c
        .structured::<Answer>(
            items(2),
            "answer",
            "an answer",
            &policy(),
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        out[0].outcome.as_ref().unwrap().value.verdict,
        "answer to question 0"
    );
    let e1 = out[1].outcome.as_ref().unwrap_err().to_string();
    assert!(e1.contains("400") && e1.contains("bad request"), "{e1}");

    let upload = &fake.uploads()[0];
    let lines: Vec<Value> = upload
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["custom_id"], "r-0");
    assert_eq!(lines[0]["method"], "POST");
    assert_eq!(lines[0]["url"], "/v1/chat/completions");
    assert_eq!(lines[0]["body"]["model"], "claude-x");
    assert_eq!(lines[0]["body"]["response_format"]["type"], "json_schema");
    assert!(
        !upload.contains("sk-batch-key"),
        "the key stays in the header"
    );
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.iter()
            .all(|r| r.headers.get("authorization").unwrap() == "Bearer sk-batch-key-123456")
    );

    // 1,000 uncached in at $3, 1,000 cached at $0.30, 100 out at $15:
    // 3,000 + 300 + 1,500 = 4,800 µ$, half in a batch.
    let calls = calls(&sink);
    assert_eq!(calls[0].1, 2_400);
    assert_eq!(
        calls[0].2, 7_500,
        "baseline: 2,000 in at $3 + 100 out at $15"
    );
}

#[test]
fn only_anthropic_and_api_openai_com_have_batch_apis() {
    assert!(has_batch_api(
        ProviderKind::Anthropic,
        "https://api.anthropic.com"
    ));
    assert!(has_batch_api(
        ProviderKind::Anthropic,
        "http://127.0.0.1:9/"
    ));
    assert!(has_batch_api(
        ProviderKind::Openai,
        "https://api.openai.com/v1"
    ));
    assert!(!has_batch_api(
        ProviderKind::Openai,
        "https://api.deepseek.com"
    ));
    assert!(!has_batch_api(
        ProviderKind::Openai,
        "http://localhost:11434/v1"
    ));
    assert!(!has_batch_api(
        ProviderKind::Gemini,
        "https://generativelanguage.googleapis.com"
    ));
}

#[test]
fn the_batch_discount_is_exact_integer_maths() {
    let p = price();
    let u = Usage {
        input_tokens: 1_000_000,
        output_tokens: 1_000_000,
        cache_read_tokens: 1_000_000,
        cache_write_tokens: 1_000_000,
        reasoning_tokens: 0,
    };
    // Full price: 3 + 15 + 0.30 + 3.75 = $22.05; half: $11.025.
    assert_eq!(p.cost(&u), Money::from_micros(22_050_000));
    assert_eq!(batch_cost(&p, &u), Money::from_micros(11_025_000));
    // 1 token at $3/MTok is 3 µ$; half is 1.5, rounded once, half up, to 2.
    let one = Usage {
        input_tokens: 1,
        ..Usage::default()
    };
    assert_eq!(batch_cost(&p, &one), Money::from_micros(2));
    // Summing per token would drift; one rounding of the whole does not.
    let many = Usage {
        input_tokens: 333,
        ..Usage::default()
    };
    assert_eq!(batch_cost(&p, &many), Money::from_micros(500));
}
