//! The Anthropic Messages dialect against its fake server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use distiq_core::{CallOutcome, CodePlan, Event, Money, Price, ProviderKind, Usage, VecSink};
use distiq_llm::{
    CallContext, ChatRequest, Error, FinishReason, ModelClient, Part, Role, schema_for,
};
use distiq_test_support::anthropic::{self as fake, Tokens};
use distiq_test_support::{MockServer, cut, request_bodies};
use serde_json::{Value, json};

use super::common;

const KEY: &str = "sk-ant-api03-test-key-0123456789";
const MODEL: &str = "claude-sonnet-4-5";
const LADDER: [u32; 3] = [16_384, 32_768, 65_536];

/// A plan as the model would return it.
fn plan_json() -> Value {
    json!({
        "summary": "Add a --json flag to export",
        "files": [{
            "path": "src/export.rs",
            "action": "modify",
            "changes": [{
                "type": "insert",
                "location": "fn parse_args",
                "old_code": "let args = Args::parse();",
                "new_code": "let json = args.json;",
                "reasoning": "read the new flag"
            }]
        }]
    })
}

/// Sonnet's price: $3 in, $15 out, $0.30 cache read, $3.75 cache write.
fn sonnet() -> Price {
    Price::per_mtok_usd(3.0, 15.0, 0.30, 3.75)
}

fn client(server: &MockServer) -> (ModelClient, Arc<VecSink>) {
    let settings = common::settings(ProviderKind::Anthropic, "anthropic", &server.uri(), KEY);
    common::client(settings, MODEL, sonnet())
}

/// A context that records streamed text.
fn recording() -> (CallContext, Arc<Mutex<Vec<String>>>) {
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

fn structured_request(stream: bool) -> ChatRequest {
    ChatRequest::new(MODEL, LADDER[0])
        .system(Part::cached("You plan code changes."))
        .user("add a --json flag to the export command")
        .streaming(stream)
}

async fn server() -> MockServer {
    MockServer::start().await
}

// 1. A streamed answer with usage; headers and auth; the key nowhere else.
#[tokio::test]
async fn streamed_answer_arrives_in_order_with_usage_and_the_key_only_in_its_header() {
    let server = server().await;
    let t = Tokens::new(120, 9).cached(0, 2_048);
    let body = fake::text_stream(MODEL, &["The ", "answer ", "is 42."], t, "end_turn");
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, sink) = client(&server);
    let (ctx, seen) = recording();

    let req = ChatRequest::new("other-model", 256)
        .system(Part::text("Be brief."))
        .user("What is it?");
    let r = client.chat(req.streaming(true), &ctx).await.unwrap();

    assert_eq!(r.text, "The answer is 42.");
    assert_eq!(*seen.lock().unwrap(), ["The ", "answer ", "is 42."]);
    let sunk: Vec<String> = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::TextDelta { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(sunk, ["The ", "answer ", "is 42."]);
    let want = Usage {
        input_tokens: 120,
        output_tokens: 9,
        cache_read_tokens: 2_048,
        ..Usage::default()
    };
    assert_eq!(r.usage, want);
    assert_eq!(r.finish, FinishReason::Stop);
    assert_eq!(r.model.as_deref(), Some(MODEL));

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let sent = &reqs[0];
    assert_eq!(sent.url.path(), "/v1/messages");
    assert_eq!(sent.url.query(), None);
    let header = |name: &str| {
        sent.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("x-api-key").as_deref(), Some(KEY));
    assert_eq!(header("anthropic-version").as_deref(), Some("2023-06-01"));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("authorization"), None);
    for (name, value) in &sent.headers {
        if name.as_str() != "x-api-key" {
            assert!(
                !value.to_str().unwrap_or("").contains(KEY),
                "key in header {name}"
            );
        }
    }
    assert!(
        !String::from_utf8_lossy(&sent.body).contains(KEY),
        "key in the body"
    );
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body["model"], MODEL,
        "the client's model wins over the request's"
    );
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(
        body["system"],
        json!([{ "type": "text", "text": "Be brief." }])
    );
    assert_eq!(
        body["messages"],
        json!([{ "role": "user", "content": [{ "type": "text", "text": "What is it?" }] }])
    );
}

// 2. Cached tokens priced at the cached rate, streamed and not.
#[tokio::test]
async fn cached_tokens_are_priced_at_the_cached_rates() {
    let t = Tokens {
        input: 1_200,
        output: 350,
        cache_write: 2_000,
        cache_read: 48_000,
    };
    // By hand, in micro-dollars: 1,200 × $3 + 350 × $15 + 48,000 × $0.30
    // + 2,000 × $3.75, per million tokens = 3,600 + 5,250 + 14,400 + 7,500.
    let want = Money::from_micros(30_750);
    // The top tier ($15 / $75) with every input token at the full rate:
    // 51,200 × 15 + 350 × 75 = 768,000 + 26,250.
    let baseline = Money::from_micros(794_250);
    for stream in [false, true] {
        let server = server().await;
        let answer = if stream {
            // Older API versions: message_delta carries only the output count.
            let evs = vec![
                fake::ev_message_start(MODEL, Tokens { output: 1, ..t }),
                fake::ev_text_start(0),
                fake::ev_text_delta(0, "ok"),
                fake::ev_block_stop(0),
                fake::ev_message_delta_output_only("end_turn", t.output),
                fake::ev_message_stop(),
            ];
            fake::sse_ok(fake::sse(evs))
        } else {
            fake::json_ok(fake::message(MODEL, "ok", "end_turn", t))
        };
        fake::mount(&server, answer).await;
        let (client, sink) = client(&server);
        let req = ChatRequest::new(MODEL, 64)
            .system(Part::cached("repo map"))
            .user("q")
            .streaming(stream);
        let r = client.chat(req, &CallContext::default()).await.unwrap();
        let want_usage = Usage {
            input_tokens: 1_200,
            output_tokens: 350,
            cache_read_tokens: 48_000,
            cache_write_tokens: 2_000,
            reasoning_tokens: 0,
        };
        assert_eq!(r.usage, want_usage, "stream = {stream}");
        let calls = common::calls(&sink);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].cost, want, "stream = {stream}");
        assert_eq!(calls[0].baseline_cost, baseline, "stream = {stream}");
        assert_eq!(calls[0].streamed, stream);
        assert_eq!(calls[0].outcome, CallOutcome::Ok);
    }
}

// 3. A truncated structured answer is retried at the next ladder step, and
// the schema travels natively as a forced tool.
#[tokio::test]
async fn truncated_structured_answer_is_retried_with_the_next_max_tokens() {
    let server = server().await;
    let t = Tokens::new(900, 16_384);
    let partial = fake::tool_message(
        MODEL,
        "code_plan",
        json!({ "summary": "Add a" }),
        "max_tokens",
        t,
    );
    let whole = fake::tool_message(
        MODEL,
        "code_plan",
        plan_json(),
        "tool_use",
        Tokens::new(900, 700),
    );
    fake::mount_sequence(&server, vec![fake::json_ok(partial), fake::json_ok(whole)]).await;
    let (client, sink) = client(&server);

    let out = client
        .structured::<CodePlan>(
            structured_request(false),
            "code_plan",
            "The plan",
            &LADDER,
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(out.value.summary, "Add a --json flag to export");
    assert_eq!(out.value.files[0].path, "src/export.rs");
    assert_eq!(out.attempts, 2);
    assert_eq!(out.response.finish, FinishReason::ToolUse);
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["max_tokens"], 16_384);
    assert_eq!(bodies[1]["max_tokens"], 32_768);
    let mut schema = schema_for::<CodePlan>();
    schema.as_object_mut().unwrap().remove("$schema");
    for body in &bodies {
        assert_eq!(
            body["tool_choice"],
            json!({ "type": "tool", "name": "code_plan" })
        );
        let tools = body["tools"].as_array().unwrap();
        assert_eq!(tools.len(), 1);
        assert_eq!(tools[0]["name"], "code_plan");
        assert_eq!(tools[0]["description"], "The plan");
        assert_eq!(tools[0]["input_schema"], schema);
        assert!(tools[0]["input_schema"]["$defs"].get("FilePlan").is_some());
    }
    let outcomes: Vec<CallOutcome> = common::calls(&sink)
        .into_iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(outcomes, [CallOutcome::Truncated, CallOutcome::Ok]);
}

// 4. 429 with Retry-After, then success.
#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_answered() {
    let server = server().await;
    let ok = fake::json_ok(fake::message(MODEL, "done", "end_turn", Tokens::new(5, 1)));
    fake::mount_sequence(&server, vec![fake::rate_limited(1), ok]).await;
    let (client, sink) = client(&server);

    let started = Instant::now();
    let r = client
        .chat(
            ChatRequest::new(MODEL, 64).user("q"),
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(r.text, "done");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // The policy's own backoff is 10–50 ms; only Retry-After explains a second.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    let retries: Vec<(u64, String)> = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Retrying {
                delay_ms, reason, ..
            } => Some((delay_ms, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].0, 1_000);
    assert!(
        retries[0].1.contains("429") && retries[0].1.contains("rate_limit_error"),
        "{}",
        retries[0].1
    );
}

// 5. 500, then success.
#[tokio::test]
async fn server_error_is_retried_then_answered() {
    let server = server().await;
    let body = fake::text_stream(MODEL, &["fine"], Tokens::new(5, 1), "end_turn");
    fake::mount_sequence(&server, vec![fake::server_error(), fake::sse_ok(body)]).await;
    let (client, _) = client(&server);

    let r = client
        .chat(
            ChatRequest::new(MODEL, 64).user("q").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(r.text, "fine");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

// 6. A bounded number of retries, then a clear error.
#[tokio::test]
async fn retries_are_bounded_and_the_last_error_is_reported() {
    let server = server().await;
    fake::mount(&server, fake::overloaded()).await;
    let (client, sink) = client(&server);

    let err = client
        .chat(
            ChatRequest::new(MODEL, 64).user("q"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("anthropic") && text.contains("3 attempts"),
        "{text}"
    );
    assert!(
        text.contains("529") && text.contains("overloaded_error: Overloaded"),
        "{text}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "common::settings allows 3 attempts"
    );
    let calls = common::calls(&sink);
    assert!(
        matches!(&calls[0].outcome, CallOutcome::Error { message } if message.contains("Overloaded"))
    );
}

// 7. Malformed JSON in a structured answer.
#[tokio::test]
async fn malformed_structured_answer_is_a_clear_error() {
    // Streamed: the concatenated input_json_delta pieces break off.
    let server = server().await;
    let pieces = [r#"{"summary": "Add", "files": ["#, r#"{"path": "#];
    let body = fake::tool_stream(MODEL, "code_plan", &pieces, Tokens::new(10, 20), "tool_use");
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, _) = client(&server);
    let err = client
        .structured::<CodePlan>(
            structured_request(true),
            "code_plan",
            "The plan",
            &LADDER,
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::InvalidStructured { .. }), "{err:?}");
    assert!(
        text.contains("CodePlan") && text.contains("anthropic:claude-sonnet-4-5"),
        "{text}"
    );
    assert!(
        text.contains(r#"{\"summary\": \"Add\""#),
        "the answer's start is quoted: {text}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "not retried: more room would not help"
    );

    // Whole JSON that does not fit the type.
    let server = self::server().await;
    let input = json!({ "summary": 5, "files": [] });
    fake::mount(
        &server,
        fake::json_ok(fake::tool_message(
            MODEL,
            "code_plan",
            input,
            "tool_use",
            Tokens::new(1, 1),
        )),
    )
    .await;
    let (client, _) = self::client(&server);
    let err = client
        .structured::<CodePlan>(
            structured_request(false),
            "code_plan",
            "The plan",
            &LADDER,
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidStructured { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid type"), "{err}");
}

// 8. A stream cut mid-event is an error, not a hang and not a short answer.
#[tokio::test]
async fn a_stream_cut_mid_event_is_an_error_within_the_idle_timeout() {
    let whole = fake::text_stream(
        MODEL,
        &["The answer ", "is 42."],
        Tokens::new(5, 3),
        "end_turn",
    );
    let inside = whole.find("is 42.").unwrap();
    // Cut inside an event, and cut cleanly between events before message_stop.
    let before_stop = whole.find("event: message_stop").unwrap();
    for body in [cut(&whole, inside), cut(&whole, before_stop)] {
        let server = server().await;
        fake::mount(&server, fake::sse_ok(body)).await;
        let (client, sink) = client(&server);
        let (ctx, seen) = recording();
        let started = Instant::now();
        let err = client
            .chat(ChatRequest::new(MODEL, 64).user("q").streaming(true), &ctx)
            .await
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(err, Error::StreamCut { .. }), "{err:?}");
        assert!(err.to_string().contains("incomplete"), "{err}");
        assert_eq!(seen.lock().unwrap()[0], "The answer ");
        let calls = common::calls(&sink);
        assert!(matches!(calls[0].outcome, CallOutcome::Error { .. }));
    }
}

// 9. A provider error: its status and message, never the key.
#[tokio::test]
async fn provider_errors_give_status_and_message_without_the_key() {
    let server = server().await;
    let echo = format!("invalid x-api-key: {KEY}");
    fake::mount(
        &server,
        fake::error_response(401, "authentication_error", &echo),
    )
    .await;
    let (client, sink) = client(&server);

    let err = client
        .chat(
            ChatRequest::new(MODEL, 64).user("q"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Status { status: 401, .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("401") && text.contains("authentication_error: invalid x-api-key"),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
    assert!(!format!("{err:?}").contains(KEY));
    assert!(
        !format!("{:?}", sink.events()).contains(KEY),
        "the key reached an event"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a 401 is not retried"
    );

    let server = self::server().await;
    let msg = "max_tokens: 999999 > 64000, which is the maximum allowed number of output tokens";
    fake::mount(
        &server,
        fake::error_response(400, "invalid_request_error", msg),
    )
    .await;
    let (client, _) = self::client(&server);
    let err = client
        .chat(
            ChatRequest::new(MODEL, 999_999).user("q"),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("400") && text.contains("invalid_request_error: max_tokens: 999999"),
        "{text}"
    );
}

// 10a. cache_control exactly on the marked blocks, at most four.
#[tokio::test]
async fn cache_control_lands_on_the_marked_blocks_only() {
    let server = server().await;
    fake::mount(
        &server,
        fake::json_ok(fake::message(MODEL, "ok", "end_turn", Tokens::new(1, 1))),
    )
    .await;
    let (client, _) = client(&server);

    let req = ChatRequest::new(MODEL, 64)
        .system(Part::text("You are distiq."))
        .system(Part::cached("<repo map>"))
        .message(
            Role::User,
            vec![Part::cached("<file context>"), Part::text("the task")],
        );
    client.chat(req, &CallContext::default()).await.unwrap();
    let many = ChatRequest::new(MODEL, 64)
        .system(Part::cached("s1"))
        .system(Part::cached("s2"))
        .message(Role::User, vec![Part::cached("u1")])
        .message(Role::Assistant, vec![Part::cached("a1")])
        .message(
            Role::User,
            vec![Part::cached("u2"), Part::cached("u3"), Part::text("task")],
        );
    client.chat(many, &CallContext::default()).await.unwrap();

    let bodies = request_bodies(&server).await;
    let ephemeral = json!({ "type": "ephemeral" });
    let b = &bodies[0];
    assert_eq!(
        b["system"][0],
        json!({ "type": "text", "text": "You are distiq." })
    );
    assert_eq!(
        b["system"][1],
        json!({ "type": "text", "text": "<repo map>", "cache_control": ephemeral })
    );
    let content = &b["messages"][0]["content"];
    assert_eq!(
        content[0],
        json!({ "type": "text", "text": "<file context>", "cache_control": ephemeral })
    );
    assert_eq!(content[1], json!({ "type": "text", "text": "the task" }));
    assert_eq!(b.to_string().matches("cache_control").count(), 2, "{b}");

    let marked = |b: &Value| -> Vec<String> {
        let system = b["system"].as_array().unwrap().iter();
        let msgs = b["messages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["content"].as_array().unwrap());
        system
            .chain(msgs)
            .filter(|blk| blk.get("cache_control").is_some())
            .map(|blk| blk["text"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        marked(&bodies[1]),
        ["u1", "a1", "u2", "u3"],
        "the last four marks are kept"
    );
}

// 10b. A structured answer streamed as input_json_delta parses.
#[tokio::test]
async fn structured_answer_streamed_as_input_json_deltas_parses() {
    let server = server().await;
    let text = plan_json().to_string();
    let (a, rest) = text.split_at(17);
    let (b, c) = rest.split_at(40);
    let body = fake::tool_stream(
        MODEL,
        "code_plan",
        &[a, b, c],
        Tokens::new(300, 120).cached(0, 4_000),
        "tool_use",
    );
    fake::mount(&server, fake::sse_ok(body)).await;
    let (client, _) = client(&server);
    let (ctx, seen) = recording();

    let out = client
        .structured::<CodePlan>(
            structured_request(true),
            "code_plan",
            "The plan",
            &LADDER,
            &ctx,
        )
        .await
        .unwrap();

    assert_eq!(serde_json::to_value(&out.value).unwrap(), plan_json());
    assert_eq!(out.response.finish, FinishReason::ToolUse);
    assert_eq!(out.response.usage.cache_read_tokens, 4_000);
    assert_eq!(*seen.lock().unwrap(), [a, b, c]);
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies[0]["stream"], true);
    assert_eq!(bodies[0]["tool_choice"]["name"], "code_plan");
}

// 10c. An error event mid-stream: the provider's message, not a hang.
#[tokio::test]
async fn an_overloaded_error_event_mid_stream_is_reported() {
    let server = server().await;
    let evs = vec![
        fake::ev_message_start(MODEL, Tokens::new(10, 1)),
        fake::ev_text_start(0),
        fake::ev_text_delta(0, "Half"),
        fake::ev_error("overloaded_error", "Overloaded"),
    ];
    fake::mount(&server, fake::sse_ok(fake::sse(evs))).await;
    let (client, _) = client(&server);

    let started = Instant::now();
    let err = client
        .chat(
            ChatRequest::new(MODEL, 64).user("q").streaming(true),
            &CallContext::default(),
        )
        .await
        .unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, Error::Status { status: 529, .. }), "{err:?}");
    assert!(
        err.to_string().contains("overloaded_error: Overloaded"),
        "{err}"
    );
}

// 10d. 529 overloaded, then success.
#[tokio::test]
async fn overloaded_529_is_retried_then_answered() {
    let server = server().await;
    let ok = fake::json_ok(fake::message(MODEL, "back", "end_turn", Tokens::new(5, 1)));
    fake::mount_sequence(&server, vec![fake::overloaded(), ok]).await;
    let (client, _) = client(&server);

    let r = client
        .chat(
            ChatRequest::new(MODEL, 64).user("q"),
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(r.text, "back");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

// 10e. Stop reasons, non-streaming, and the body of a plain request.
#[tokio::test]
async fn stop_reasons_map_and_plain_requests_stay_plain() {
    let server = server().await;
    let answers = vec![
        fake::json_ok(fake::message(
            MODEL,
            "cut",
            "max_tokens",
            Tokens::new(5, 64),
        )),
        fake::json_ok(fake::message(MODEL, "", "refusal", Tokens::new(5, 0))),
        fake::json_ok(fake::message(
            MODEL,
            "end",
            "stop_sequence",
            Tokens::new(5, 2),
        )),
    ];
    fake::mount_sequence(&server, answers).await;
    let (client, sink) = client(&server);

    let mut finishes = Vec::new();
    for _ in 0..3 {
        let req = ChatRequest::new(MODEL, 64).user("q").temperature(0.2);
        finishes.push(
            client
                .chat(req, &CallContext::default())
                .await
                .unwrap()
                .finish,
        );
    }

    assert_eq!(
        finishes,
        [
            FinishReason::Length,
            FinishReason::ContentFilter,
            FinishReason::Stop
        ]
    );
    assert_eq!(common::calls(&sink)[0].outcome, CallOutcome::Truncated);
    let body = &request_bodies(&server).await[0];
    assert_eq!(body["temperature"], json!(0.2));
    for absent in ["stream", "system", "tools", "tool_choice"] {
        assert!(body.get(absent).is_none(), "{absent} in {body}");
    }
}
