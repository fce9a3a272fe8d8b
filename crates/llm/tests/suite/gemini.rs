//! The Gemini dialect against its fake server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use distiq_core::{CallOutcome, CodePlan, Event, FileAction, Price, ProviderKind, Usage};
use distiq_llm::{CallContext, ChatRequest, Error, FinishReason, Part};
use distiq_test_support::gemini::{self as fake, Tokens};
use distiq_test_support::{MockServer, cut, request_bodies};
use serde_json::Value;

use super::common;

const KEY: &str = "AIzaSyD-test-0123456789abcdef";
const MODEL: &str = "gemini-2.5-flash";
/// Gemini 2.5 Pro's list price: $1.25 in, $10 out, $0.31 cached, per MTok.
fn price() -> Price {
    Price::per_mtok_usd(1.25, 10.0, 0.31, 0.0)
}

async fn server() -> MockServer {
    MockServer::start().await
}

fn settings(server: &MockServer) -> distiq_llm::ProviderSettings {
    common::settings(ProviderKind::Gemini, "gemini", &server.uri(), KEY)
}

/// A context whose streamed text lands in the returned list.
fn collecting() -> (CallContext, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let ctx = CallContext {
        on_delta: Some(Arc::new(move |t: &str| {
            if let Ok(mut v) = sink.lock() {
                v.push(t.to_owned());
            }
        })),
        ..CallContext::default()
    };
    (ctx, seen)
}

fn plan_json() -> String {
    serde_json::json!({
        "summary": "Add a --json flag",
        "files": [{"path": "src/cli.rs", "action": "modify", "changes": [{
            "type": "replace", "location": "fn parse_args",
            "old_code": "let json = false;", "new_code": "let json = args.json;",
            "reasoning": "read the flag"
        }]}]
    })
    .to_string()
}

#[tokio::test]
async fn a_streamed_answer_arrives_in_order_with_usage_and_the_key_only_in_its_header() {
    let server = server().await;
    let body = fake::text_stream(
        MODEL,
        &["The capital", " of France", " is Paris."],
        Tokens::new(12, 9),
        "STOP",
    );
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, sink) = common::client(settings(&server), MODEL, price());
    let (ctx, seen) = collecting();

    let req = ChatRequest::new("ignored", 256)
        .system(Part::cached("Answer briefly."))
        .user("What is the capital of France?")
        .streaming(true);
    let answer = client.chat(req, &ctx).await.unwrap();

    assert_eq!(
        *seen.lock().unwrap(),
        ["The capital", " of France", " is Paris."]
    );
    let sunk: Vec<String> = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::TextDelta { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(sunk, ["The capital", " of France", " is Paris."]);
    assert_eq!(answer.text, "The capital of France is Paris.");
    assert_eq!(answer.finish, FinishReason::Stop);
    assert_eq!(answer.model.as_deref(), Some(MODEL));
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 12,
            output_tokens: 9,
            ..Usage::default()
        }
    );

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        r.url.path(),
        format!("/v1beta/models/{MODEL}:streamGenerateContent")
    );
    assert_eq!(
        r.url.query(),
        Some("alt=sse"),
        "streaming asks for SSE and nothing else"
    );
    assert!(
        !r.url.as_str().contains("key="),
        "key in the URL: {}",
        r.url
    );
    assert_eq!(r.headers.get(fake::KEY_HEADER).unwrap(), KEY);
    assert!(r.headers.get("authorization").is_none());
    for (name, value) in &r.headers {
        if name.as_str() != fake::KEY_HEADER {
            assert!(
                !value.to_str().unwrap_or("").contains(KEY),
                "key in header {name}"
            );
        }
    }
    assert!(
        !String::from_utf8_lossy(&r.body).contains(KEY),
        "key in the body"
    );
    let sent: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        sent["systemInstruction"]["parts"][0]["text"],
        "Answer briefly."
    );
    assert_eq!(sent["contents"][0]["role"], "user");
    assert_eq!(
        sent["contents"][0]["parts"][0]["text"],
        "What is the capital of France?"
    );
    assert_eq!(sent["generationConfig"]["maxOutputTokens"], 256);
}

#[tokio::test]
async fn a_whole_answer_goes_to_generate_content_without_the_key_in_the_url() {
    let server = server().await;
    fake::mount(
        &server,
        fake::json_ok(fake::text_response(
            MODEL,
            "Paris.",
            "STOP",
            Tokens::new(7, 2),
        )),
    )
    .await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());
    let answer = client
        .chat(
            ChatRequest::new("x", 64).user("Capital of France?"),
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.text, "Paris.");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs[0].url.path(),
        format!("/v1beta/models/{MODEL}:generateContent")
    );
    assert_eq!(reqs[0].url.query(), None);
    assert_eq!(reqs[0].headers.get(fake::KEY_HEADER).unwrap(), KEY);
}

#[tokio::test]
async fn cached_tokens_are_priced_at_the_cached_rate() {
    let server = server().await;
    let t = Tokens::new(10_000, 500).cached(8_000);
    fake::mount(
        &server,
        fake::json_ok(fake::text_response(MODEL, "done", "STOP", t)),
    )
    .await;
    let (client, sink) = common::client(settings(&server), MODEL, price());

    let answer = client
        .chat(
            ChatRequest::new("x", 1024).user("go"),
            &CallContext::default(),
        )
        .await
        .unwrap();

    let expected = Usage {
        input_tokens: 2_000,
        output_tokens: 500,
        cache_read_tokens: 8_000,
        ..Usage::default()
    };
    assert_eq!(answer.usage, expected);
    let calls = common::calls(&sink);
    assert_eq!(calls.len(), 1);
    // 2,000 × $1.25 + 8,000 × $0.31 + 500 × $10 per MTok
    // = 2,500 + 2,480 + 5,000 micro-dollars.
    assert_eq!(calls[0].cost.micros(), 9_980);
    // The baseline bills all 10,000 prompt tokens at the top tier's full
    // $15 and 500 at $75: 150,000 + 37,500.
    assert_eq!(calls[0].baseline_cost.micros(), 187_500);
    assert_eq!(calls[0].usage, expected);
}

#[tokio::test]
async fn thoughts_count_as_output_and_reasoning_and_their_text_is_not_the_answer() {
    let server = server().await;
    let t = Tokens::new(100, 20).thoughts(300);
    let body = fake::sse(vec![
        fake::ev_thought(
            MODEL,
            "**Weighing the options** I should answer tersely.",
            Tokens::new(100, 0).thoughts(300),
        ),
        fake::ev_text(
            MODEL,
            "Use ",
            Tokens {
                candidates: 10,
                ..t
            },
        ),
        fake::ev_finish(MODEL, "a flag.", "STOP", t),
    ]);
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, sink) = common::client(settings(&server), MODEL, price());
    let (ctx, seen) = collecting();

    let answer = client
        .chat(
            ChatRequest::new("x", 2048).user("how?").streaming(true),
            &ctx,
        )
        .await
        .unwrap();

    assert_eq!(answer.text, "Use a flag.");
    assert_eq!(*seen.lock().unwrap(), ["Use ", "a flag."]);
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 100,
            output_tokens: 320,
            reasoning_tokens: 300,
            ..Usage::default()
        }
    );
    // 100 × $1.25 + 320 × $10 per MTok = 125 + 3,200 micro-dollars.
    assert_eq!(common::calls(&sink)[0].cost.micros(), 3_325);
}

#[tokio::test]
async fn a_truncated_structured_answer_is_retried_with_the_next_ladder_step() {
    let server = server().await;
    let full = plan_json();
    let (head, tail) = full.split_at(40);
    let truncated = fake::text_stream(
        MODEL,
        &[&full[..20], &full[20..40]],
        Tokens::new(300, 16_384),
        "MAX_TOKENS",
    );
    let whole = fake::text_stream(MODEL, &[head, tail], Tokens::new(300, 120), "STOP");
    fake::mount_sequence(&server, vec![fake::sse_ok(truncated), fake::sse_ok(whole)]).await;
    let (client, sink) = common::client(settings(&server), MODEL, price());

    let req = ChatRequest::new("x", 16_384)
        .user("plan the --json flag")
        .streaming(true);
    let out = client
        .structured::<CodePlan>(
            req,
            "code_plan",
            "The plan",
            &[16_384, 32_768, 65_536],
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(out.attempts, 2);
    assert_eq!(out.value.summary, "Add a --json flag");
    assert_eq!(out.value.files[0].action, FileAction::Modify);
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["generationConfig"]["maxOutputTokens"], 16_384);
    assert_eq!(bodies[1]["generationConfig"]["maxOutputTokens"], 32_768);
    let calls = common::calls(&sink);
    assert_eq!(calls[0].outcome, CallOutcome::Truncated);
    assert_eq!(calls[1].outcome, CallOutcome::Ok);

    // Native structured mode: JSON MIME type and the schema in Gemini's
    // OpenAPI subset.
    let config = &bodies[1]["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    let schema = &config["responseSchema"];
    let text = schema.to_string();
    for banned in ["$ref", "$defs", "additionalProperties", "$schema"] {
        assert!(!text.contains(banned), "{banned} sent to Gemini: {text}");
    }
    assert_eq!(schema["type"], "OBJECT");
    let action = &schema["properties"]["files"]["items"]["properties"]["action"];
    assert_eq!(action["type"], "STRING");
    assert_eq!(
        action["enum"],
        serde_json::json!(["create", "modify", "delete"])
    );
    let old_code = &schema["properties"]["files"]["items"]["properties"]["changes"]["items"]["properties"]
        ["old_code"];
    assert_eq!(old_code["nullable"], true);
}

#[tokio::test]
async fn rate_limited_with_retry_after_then_success() {
    let server = server().await;
    let ok = fake::json_ok(fake::text_response(MODEL, "hi", "STOP", Tokens::new(3, 1)));
    fake::mount_sequence(&server, vec![fake::rate_limited(1), ok]).await;
    let (client, sink) = common::client(settings(&server), MODEL, price());

    let started = Instant::now();
    let answer = client
        .chat(
            ChatRequest::new("x", 64).user("hi"),
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(answer.text, "hi");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After ignored: {:?}",
        started.elapsed()
    );
    let retry = sink.events().into_iter().find_map(|e| match e {
        Event::Retrying {
            delay_ms, reason, ..
        } => Some((delay_ms, reason)),
        _ => None,
    });
    let (delay_ms, reason) = retry.unwrap();
    assert_eq!(delay_ms, 1_000);
    assert!(reason.contains("RESOURCE_EXHAUSTED"), "{reason}");
}

#[tokio::test]
async fn a_server_error_then_success() {
    let server = server().await;
    let ok = fake::sse_ok(fake::text_stream(
        MODEL,
        &["o", "k"],
        Tokens::new(3, 1),
        "STOP",
    ));
    fake::mount_sequence(&server, vec![fake::server_error(), ok]).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());
    let answer = client
        .chat(
            ChatRequest::new("x", 64).user("hi").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.text, "ok");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_overloaded_model_503_then_success() {
    let server = server().await;
    let ok = fake::json_ok(fake::text_response(
        MODEL,
        "fine",
        "STOP",
        Tokens::new(3, 1),
    ));
    fake::mount_sequence(&server, vec![fake::unavailable(), ok]).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());
    let answer = client
        .chat(
            ChatRequest::new("x", 64).user("hi"),
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.text, "fine");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retries_are_bounded_then_the_error_names_status_and_message() {
    let server = server().await;
    fake::mount(&server, fake::unavailable()).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());

    let err = client
        .chat(
            ChatRequest::new("x", 64).user("hi"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    for part in [
        "503",
        "UNAVAILABLE",
        "The model is overloaded. Please try again later.",
        "3 attempts",
    ] {
        assert!(msg.contains(part), "{part} missing from: {msg}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn malformed_structured_json_is_a_clear_error() {
    let server = server().await;
    let broken = r#"{"summary": "Add a flag", "files": [{"path": "src/cli.rs", "action": "#;
    fake::mount(
        &server,
        fake::json_ok(fake::text_response(
            MODEL,
            broken,
            "STOP",
            Tokens::new(50, 20),
        )),
    )
    .await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());

    let err = client
        .structured::<CodePlan>(
            ChatRequest::new("x", 16_384).user("plan"),
            "code_plan",
            "The plan",
            &[16_384],
            &CallContext::default(),
        )
        .await
        .unwrap_err();

    assert!(matches!(err, Error::InvalidStructured { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("CodePlan") && msg.contains(&format!("gemini:{MODEL}")),
        "{msg}"
    );
    assert!(
        msg.contains("Add a flag"),
        "the message quotes the answer: {msg}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a broken answer is not truncation"
    );
}

#[tokio::test]
async fn a_stream_cut_mid_event_is_an_error_not_a_hang() {
    let server = server().await;
    let body = fake::text_stream(MODEL, &["one ", "two ", "three"], Tokens::new(5, 3), "STOP");
    // Stop halfway through the second event.
    let second = body.find("\r\n\r\n").unwrap() + 4;
    let cut_at = second + (body[second..].find("\r\n\r\n").unwrap() / 2);
    fake::mount(&server, fake::sse_ok(cut(&body, cut_at))).await;
    let (client, sink) = common::client(settings(&server), MODEL, price());
    let (ctx, seen) = collecting();

    let started = Instant::now();
    let err = tokio::time::timeout(
        Duration::from_secs(2),
        client.chat(
            ChatRequest::new("x", 64).user("count").streaming(true),
            &ctx,
        ),
    )
    .await
    .expect("the cut stream hung past the idle timeout")
    .unwrap_err();

    assert!(matches!(err, Error::StreamCut { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        *seen.lock().unwrap(),
        ["one "],
        "what arrived before the cut was streamed"
    );
    assert!(matches!(
        common::calls(&sink)[0].outcome,
        CallOutcome::Error { .. }
    ));
}

#[tokio::test]
async fn a_stream_that_ends_without_a_finish_reason_is_cut() {
    let server = server().await;
    let body = fake::sse(vec![
        fake::ev_text(MODEL, "Hel", Tokens::new(5, 1)),
        fake::ev_text(MODEL, "lo", Tokens::new(5, 2)),
    ]);
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());
    let err = client
        .chat(
            ChatRequest::new("x", 64).user("hi").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::StreamCut { .. }),
        "a short answer passed as whole: {err:?}"
    );
    assert!(err.to_string().contains("finishReason"), "{err}");
}

#[tokio::test]
async fn a_provider_error_shows_status_and_message_but_never_the_key() {
    let server = server().await;
    let echo = format!("API key not valid. Please pass a valid API key. (got {KEY})");
    fake::mount_sequence(
        &server,
        vec![fake::invalid_argument(&echo), fake::permission_denied()],
    )
    .await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());

    let err = client
        .chat(
            ChatRequest::new("x", 64).user("hi"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 400, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("400") && msg.contains("INVALID_ARGUMENT: API key not valid"),
        "{msg}"
    );
    assert!(!msg.contains(KEY), "the key leaked: {msg}");
    assert!(msg.contains("[redacted]"), "{msg}");
    assert!(!format!("{err:?}").contains(KEY));

    let err = client
        .chat(
            ChatRequest::new("x", 64).user("hi"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Status { status: 403, .. }), "{err:?}");
    assert!(
        msg.contains("PERMISSION_DENIED: Method doesn't allow unregistered callers"),
        "{msg}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "4xx is not retried"
    );
}

#[tokio::test]
async fn an_error_inside_the_stream_is_a_status_error_with_its_message() {
    let server = server().await;
    let body = fake::sse(vec![
        fake::ev_text(MODEL, "Hel", Tokens::new(5, 1)),
        fake::ev_error(500, "INTERNAL", "An internal error has occurred."),
    ]);
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());
    let err = client
        .chat(
            ChatRequest::new("x", 64).user("hi").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 500, .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("INTERNAL: An internal error has occurred."),
        "{err}"
    );
}

#[tokio::test]
async fn a_blocked_prompt_is_a_clear_error_and_not_retried() {
    let server = server().await;
    let blocked = fake::blocked_response(MODEL, "PROHIBITED_CONTENT", 40);
    let stream = fake::sse(vec![fake::ev_blocked(MODEL, "SAFETY", 40)]);
    fake::mount_sequence(&server, vec![fake::json_ok(blocked), fake::sse_ok(stream)]).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());

    let err = client
        .chat(
            ChatRequest::new("x", 64).user("something"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PromptBlocked { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("blocked the prompt") && msg.contains("PROHIBITED_CONTENT"),
        "{msg}"
    );

    let err = client
        .chat(
            ChatRequest::new("x", 64).user("something").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PromptBlocked { .. }), "{err:?}");
    assert!(err.to_string().contains("SAFETY"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_safety_stop_mid_answer_is_reported_as_content_filter() {
    let server = server().await;
    let body = fake::sse(vec![
        fake::ev_text(MODEL, "Sure, ", Tokens::new(5, 2)),
        fake::ev_finish(MODEL, "", "SAFETY", Tokens::new(5, 2)),
    ]);
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, _sink) = common::client(settings(&server), MODEL, price());
    let answer = client
        .chat(
            ChatRequest::new("x", 64).user("hi").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(answer.finish, FinishReason::ContentFilter);
    assert_eq!(answer.text, "Sure, ");
}
