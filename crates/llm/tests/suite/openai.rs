//! The OpenAI Chat Completions dialect (and its compatible servers) against
//! the fake server of `distiq_test_support::openai`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use distiq_core::{CallOutcome, CodePlan, Event, Money, Price, ProviderKind, Usage};
use distiq_llm::{CallContext, ChatRequest, Error, FinishReason, Part, ProviderSettings};
use distiq_test_support::openai::*;
use distiq_test_support::{MockServer, cut, request_bodies};
use serde_json::{Value, json};
use wiremock::matchers::body_partial_json;

use super::common;

const KEY: &str = "sk-proj-test-7f3a9c2e51d84b06";
const LADDER: [u32; 3] = [16_384, 32_768, 65_536];
const PLAN: &str = r#"{"summary":"Add a --json flag to export","files":[{"path":"src/export.rs","action":"modify","changes":[{"type":"insert","location":"fn run","old_code":null,"new_code":"if json { print_json(); }","reasoning":"the flag"}]}]}"#;

fn settings(server: &MockServer) -> ProviderSettings {
    common::settings(ProviderKind::Openai, "openai", &base_url(server), KEY)
}

fn request() -> ChatRequest {
    ChatRequest::new("ignored", 1024)
        .system(Part::cached("You are distiq's planner."))
        .system(Part::text("Repo map: src/export.rs"))
        .user("add a --json flag to the export command")
}

/// A context that collects streamed deltas.
fn collecting() -> (CallContext, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let ctx = CallContext {
        on_delta: Some(Arc::new(move |t: &str| {
            if let Ok(mut seen) = sink.lock() {
                seen.push(t.to_owned());
            }
        })),
        ..CallContext::default()
    };
    (ctx, seen)
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn streamed_answer_arrives_in_order_with_usage_and_the_key_only_in_the_bearer_header() {
    let server = MockServer::start().await;
    let body = stream_text(
        &["Hel", "lo, ", "world."],
        "stop",
        usage_detailed(1200, 40, 1024, 0),
    );
    mount(&server, sse_template(body)).await;
    let (client, sink) = common::client(settings(&server), "gpt-4.1-mini", Price::default());
    let (ctx, seen) = collecting();

    let answer = client.chat(request().streaming(true), &ctx).await.unwrap();

    assert_eq!(*seen.lock().unwrap(), vec!["Hel", "lo, ", "world."]);
    let sink_deltas: Vec<String> = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::TextDelta { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(sink_deltas, vec!["Hel", "lo, ", "world."]);
    assert_eq!(answer.text, "Hello, world.");
    assert_eq!(answer.finish, FinishReason::Stop);
    assert_eq!(answer.model.as_deref(), Some(MODEL));
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 176,
            output_tokens: 40,
            cache_read_tokens: 1024,
            ..Usage::default()
        }
    );

    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.url.path(), PATH);
    assert_eq!(
        r.headers.get("authorization").unwrap().to_str().unwrap(),
        format!("Bearer {KEY}")
    );
    for (name, value) in r
        .headers
        .iter()
        .filter(|(n, _)| n.as_str() != "authorization")
    {
        assert!(
            !value.to_str().unwrap_or("").contains(KEY),
            "the key leaked into header {name}"
        );
    }
    assert!(!r.url.as_str().contains(KEY), "the key leaked into the URL");
    assert!(
        !String::from_utf8_lossy(&r.body).contains(KEY),
        "the key leaked into the body"
    );

    let sent: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        sent["model"], "gpt-4.1-mini",
        "the client's model replaces the request's"
    );
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"], json!({ "include_usage": true }));
    assert_eq!(sent["max_tokens"], 1024);
    assert_eq!(
        sent["messages"],
        json!([
            { "role": "system", "content": "You are distiq's planner.\n\nRepo map: src/export.rs" },
            { "role": "user", "content": "add a --json flag to the export command" }
        ])
    );
}

#[tokio::test]
async fn cached_prompt_tokens_are_priced_at_the_cached_rate() {
    let server = MockServer::start().await;
    mount(
        &server,
        completion_template("ok", "stop", usage_detailed(10_000, 1_000, 6_000, 0)),
    )
    .await;
    // gpt-4o-like: $2.50 input, $10 output, $1.25 cached input per MTok.
    let price = Price::per_mtok_usd(2.5, 10.0, 1.25, 0.0);
    let (client, sink) = common::client(settings(&server), "gpt-4o", price);

    client
        .chat(request(), &CallContext::default())
        .await
        .unwrap();

    let calls = common::calls(&sink);
    assert_eq!(calls.len(), 1);
    let u = calls[0].usage;
    assert_eq!(
        (u.input_tokens, u.cache_read_tokens, u.output_tokens),
        (4_000, 6_000, 1_000)
    );
    // 4,000 × $2.50 + 6,000 × $1.25 + 1,000 × $10 per MTok
    //   = 10,000 + 7,500 + 10,000 micro-dollars.
    assert_eq!(calls[0].cost, Money::from_micros(27_500));
    assert!(!calls[0].streamed);
}

#[tokio::test]
async fn deepseek_cache_hit_tokens_are_priced_at_the_cached_rate() {
    let server = MockServer::start().await;
    let body = sse(vec![
        ev_role(),
        ev_text_delta("ok"),
        ev_finish("stop"),
        ev_usage(deepseek_usage(9_000, 1_000, 300)),
    ]);
    mount(&server, sse_template(body)).await;
    // The usage mapping goes by the fields present, not by the host.
    let s = common::settings(ProviderKind::Openai, "deepseek", &base_url(&server), KEY);
    // deepseek-chat: $0.27 miss, $1.10 output, $0.07 hit per MTok.
    let (client, sink) = common::client(
        s,
        "deepseek-chat",
        Price::per_mtok_usd(0.27, 1.10, 0.07, 0.0),
    );

    client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap();

    let calls = common::calls(&sink);
    let u = calls[0].usage;
    assert_eq!(
        (u.input_tokens, u.cache_read_tokens, u.output_tokens),
        (1_000, 9_000, 300)
    );
    // 1,000 × 0.27 + 9,000 × 0.07 + 300 × 1.10 = 270 + 630 + 330 micro-dollars.
    assert_eq!(calls[0].cost, Money::from_micros(1_230));
}

#[tokio::test]
async fn reasoning_tokens_are_counted_in_the_output() {
    let server = MockServer::start().await;
    mount(
        &server,
        completion_template("42", "stop", usage_detailed(100, 900, 0, 768)),
    )
    .await;
    let (client, sink) = common::client(
        settings(&server),
        "o4-mini",
        Price::per_mtok_usd(1.1, 4.4, 0.275, 0.0),
    );

    let answer = client
        .chat(request(), &CallContext::default())
        .await
        .unwrap();

    assert_eq!(
        (answer.usage.output_tokens, answer.usage.reasoning_tokens),
        (900, 768)
    );
    // 100 × 1.10 + 900 × 4.40 = 110 + 3,960 micro-dollars: reasoning is billed as output.
    assert_eq!(common::calls(&sink)[0].cost, Money::from_micros(4_070));
}

#[tokio::test]
async fn a_truncated_structured_answer_is_retried_with_the_next_ladder_step() {
    let server = MockServer::start().await;
    let cut_plan = &PLAN[..60];
    mount_sequence(
        &server,
        vec![
            sse_template(stream_structured(cut_plan, "length", usage(500, 16_384))),
            sse_template(stream_structured(PLAN, "stop", usage(500, 120))),
        ],
    )
    .await;
    let (client, sink) = common::client(settings(&server), "gpt-4.1", Price::default());
    let req = ChatRequest::new("ignored", 16_384)
        .user("plan it")
        .streaming(true);

    let out = client
        .structured::<CodePlan>(
            req,
            "code_plan",
            "The plan of a code change",
            &LADDER,
            &CallContext::default(),
        )
        .await
        .unwrap();

    assert_eq!(out.value.summary, "Add a --json flag to export");
    assert_eq!(out.value.files[0].path, "src/export.rs");
    assert_eq!(out.attempts, 2);
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["max_tokens"], 16_384);
    assert_eq!(
        bodies[1]["max_tokens"], 32_768,
        "the second try takes the next ladder step"
    );
    for b in &bodies {
        let format = &b["response_format"];
        assert_eq!(format["type"], "json_schema", "native structured mode: {b}");
        assert_eq!(format["json_schema"]["name"], "code_plan");
        assert_eq!(format["json_schema"]["strict"], true);
        let schema = &format["json_schema"]["schema"];
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        required.sort_unstable();
        assert_eq!(
            required,
            ["files", "summary"],
            "strict mode requires every property"
        );
        assert_eq!(schema["additionalProperties"], false);
        assert!(schema.to_string().contains("old_code"), "{schema}");
    }
    let outcomes: Vec<CallOutcome> = common::calls(&sink)
        .into_iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(outcomes, vec![CallOutcome::Truncated, CallOutcome::Ok]);
}

#[tokio::test]
async fn rate_limit_with_retry_after_then_success() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            rate_limited("0.5"),
            sse_template(stream_text(&["fine"], "stop", usage(10, 1))),
        ],
    )
    .await;
    let (client, sink) = common::client(settings(&server), "gpt-4.1-mini", Price::default());
    let started = Instant::now();

    let answer = client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap();

    assert_eq!(answer.text, "fine");
    assert_eq!(requests(&server).await.len(), 2);
    // The test policy's own backoff is at most 50 ms: waiting longer means
    // Retry-After was honoured.
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let retry = sink.events().into_iter().find_map(|e| match e {
        Event::Retrying {
            attempt,
            reason,
            delay_ms,
            ..
        } => Some((attempt, reason, delay_ms)),
        _ => None,
    });
    let (attempt, reason, delay_ms) = retry.expect("a Retrying event");
    assert_eq!((attempt, delay_ms), (2, 500));
    assert!(
        reason.contains("429") && reason.contains("Rate limit reached"),
        "{reason}"
    );
}

#[tokio::test]
async fn server_error_then_success() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            server_error(),
            completion_template("recovered", "stop", usage(10, 2)),
        ],
    )
    .await;
    let (client, _) = common::client(settings(&server), "gpt-4.1-mini", Price::default());

    let answer = client
        .chat(request(), &CallContext::default())
        .await
        .unwrap();

    assert_eq!(answer.text, "recovered");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn retries_are_bounded_then_the_error_names_status_and_message() {
    let server = MockServer::start().await;
    mount(&server, overloaded()).await;
    let (client, sink) = common::client(settings(&server), "gpt-4.1-mini", Price::default());

    let err = client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap_err();

    assert_eq!(
        requests(&server).await.len(),
        3,
        "the test policy allows 3 attempts"
    );
    assert!(
        matches!(&err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("503"), "{text}");
    assert!(
        text.contains("service_unavailable_error: The server is overloaded or not ready yet."),
        "{text}"
    );
    let calls = common::calls(&sink);
    assert!(matches!(&calls[0].outcome, CallOutcome::Error { message } if message.contains("503")));
}

#[tokio::test]
async fn malformed_json_in_a_structured_answer_is_a_clear_error() {
    let server = MockServer::start().await;
    let broken = r#"{"summary": "Add a flag", "files": [{"path": "src/export.rs", "action": "mod"#;
    mount(&server, completion_template(broken, "stop", usage(100, 20))).await;
    let (client, _) = common::client(settings(&server), "gpt-4.1", Price::default());

    let err = client
        .structured::<CodePlan>(
            ChatRequest::new("m", 16_384).user("plan"),
            "code_plan",
            "",
            &LADDER,
            &CallContext::default(),
        )
        .await
        .unwrap_err();

    assert!(matches!(&err, Error::InvalidStructured { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("CodePlan") && text.contains("openai:gpt-4.1"),
        "{text}"
    );
    assert!(
        text.contains(r#"{\"summary\": \"Add a flag\""#),
        "the answer is quoted: {text}"
    );
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a complete but broken answer is not retried"
    );
}

#[tokio::test]
async fn a_stream_cut_mid_event_is_an_error_not_a_hang() {
    let server = MockServer::start().await;
    let whole = stream_text(&["Hello", " there", " and more"], "stop", usage(10, 3));
    let at = whole.find(" there").unwrap() + 3;
    mount(&server, sse_template(cut(&whole, at))).await;
    let s = settings(&server);
    let idle = s.stream_idle_timeout;
    let (client, _) = common::client(s, "gpt-4.1-mini", Price::default());
    let (ctx, seen) = collecting();

    let result = tokio::time::timeout(
        idle + Duration::from_secs(1),
        client.chat(request().streaming(true), &ctx),
    )
    .await
    .expect("the call must end within the idle timeout");

    let err = result.unwrap_err();
    assert!(matches!(&err, Error::StreamCut { .. }), "{err}");
    assert!(err.to_string().contains("incomplete"), "{err}");
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["Hello"],
        "what arrived before the cut was forwarded"
    );
}

#[tokio::test]
async fn a_stream_that_ends_without_done_is_cut_even_after_a_finish_reason() {
    let server = MockServer::start().await;
    let body = sse_unterminated(vec![ev_role(), ev_text_delta("partial"), ev_finish("stop")]);
    mount(&server, sse_template(body)).await;
    let (client, _) = common::client(settings(&server), "gpt-4.1-mini", Price::default());

    let err = client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::StreamCut { detail, .. } if detail.contains("[DONE]")),
        "{err}"
    );
}

#[tokio::test]
async fn a_provider_error_shows_status_and_message_but_never_the_key() {
    let server = MockServer::start().await;
    mount(&server, unauthorized(KEY)).await;
    let (client, sink) = common::client(settings(&server), "gpt-4.1-mini", Price::default());

    let err = client
        .chat(request(), &CallContext::default())
        .await
        .unwrap_err();

    assert!(matches!(&err, Error::Status { status: 401, .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("401") && text.contains("invalid_request_error: Incorrect API key provided"),
        "{text}"
    );
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(
        !format!("{err:?}").contains(KEY),
        "the key leaked into Debug"
    );
    let recorded = format!("{:?}", sink.events());
    assert!(!recorded.contains(KEY), "the key leaked into an event");
    assert_eq!(requests(&server).await.len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn a_local_server_without_a_key_gets_no_authorization_header() {
    let server = MockServer::start().await;
    mount(&server, completion_template("hi", "stop", usage(5, 1))).await;
    let mut s = ProviderSettings::new("local", ProviderKind::Openai, base_url(&server));
    s.retry = common::fast_retry(1);
    let (client, _) = common::client(s, "qwen2.5-coder", Price::default());

    let answer = client
        .chat(request(), &CallContext::default())
        .await
        .unwrap();

    assert_eq!(answer.text, "hi");
    let reqs = requests(&server).await;
    assert!(
        reqs[0].headers.get("authorization").is_none(),
        "{:?}",
        reqs[0].headers
    );
}

#[tokio::test]
async fn an_unsupported_json_schema_falls_back_to_json_object_once() {
    let server = MockServer::start().await;
    chat_mock()
        .and(body_partial_json(json!({ "response_format": { "type": "json_schema" } })))
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_json(error_body(
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            "invalid_request_error",
            Some("unsupported_parameter"),
        )))
        .mount(&server)
        .await;
    chat_mock()
        .and(body_partial_json(
            json!({ "response_format": { "type": "json_object" } }),
        ))
        .respond_with(completion_template(PLAN, "stop", usage(300, 80)))
        .mount(&server)
        .await;
    let (client, _) = common::client(settings(&server), "some-local-model", Price::default());
    let ctx = CallContext::default();
    let plan = || {
        client.structured::<CodePlan>(
            ChatRequest::new("m", 4_096)
                .system(Part::cached("Rules."))
                .user("plan"),
            "code_plan",
            "The plan of a code change",
            &LADDER,
            &ctx,
        )
    };

    let out = plan().await.unwrap();

    assert_eq!(out.value.summary, "Add a --json flag to export");
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["response_format"]["type"], "json_schema");
    assert_eq!(
        bodies[1]["response_format"],
        json!({ "type": "json_object" })
    );
    let system = bodies[1]["messages"][0]["content"].as_str().unwrap();
    assert!(system.starts_with("Rules.\n\n"), "{system}");
    assert!(
        system.contains("JSON Schema") && system.contains("old_code"),
        "the schema is in the prompt: {system}"
    );

    // The server's refusal is remembered: the next call goes straight to json_object.
    plan().await.unwrap();
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies.len(), 3);
    assert_eq!(
        bodies[2]["response_format"],
        json!({ "type": "json_object" })
    );
}

#[tokio::test]
async fn a_llama_cpp_error_body_gives_its_type_and_message() {
    let server = MockServer::start().await;
    let message = "the request exceeds the available context size, try increasing it";
    mount(
        &server,
        llama_cpp_error(400, message, "exceed_context_size_error"),
    )
    .await;
    let s = ProviderSettings::new("llamacpp", ProviderKind::Openai, base_url(&server));
    let (client, _) = common::client(s, "qwen", Price::default());

    let err = client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap_err();

    assert!(matches!(&err, Error::Status { status: 400, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("llamacpp answered 400: exceed_context_size_error: {message}")
    );
}

#[tokio::test]
async fn an_error_chunk_mid_stream_is_a_status_error_with_its_message() {
    let server = MockServer::start().await;
    let body = sse_unterminated(vec![
        ev_role(),
        ev_text_delta("Half an ans"),
        ev_error(
            "Provider returned error: upstream connection reset",
            "server_error",
        ),
    ]);
    mount(&server, sse_template(body)).await;
    let (client, _) = common::client(settings(&server), "gpt-4.1-mini", Price::default());

    let err = client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap_err();

    assert!(matches!(&err, Error::Status { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("server_error: Provider returned error: upstream connection reset"),
        "{err}"
    );
}

#[tokio::test]
async fn llama_cpp_usage_on_the_last_choice_chunk_is_read() {
    let server = MockServer::start().await;
    let body = sse(vec![
        ev_role(),
        ev_text_delta("abc"),
        ev_finish_with_usage("length", usage(70, 3)),
    ]);
    mount(&server, sse_template(body)).await;
    let s = ProviderSettings::new("llamacpp", ProviderKind::Openai, base_url(&server));
    let (client, _) = common::client(s, "qwen", Price::default());

    let answer = client
        .chat(request().streaming(true), &CallContext::default())
        .await
        .unwrap();

    assert_eq!(answer.text, "abc");
    assert!(answer.truncated());
    assert_eq!(
        (answer.usage.input_tokens, answer.usage.output_tokens),
        (70, 3)
    );
}

#[tokio::test]
async fn a_cancelled_call_ends_promptly() {
    let server = MockServer::start().await;
    let slow = sse_template(stream_text(&["late"], "stop", usage(1, 1)))
        .set_delay(Duration::from_secs(10));
    mount(&server, slow).await;
    let (client, sink) = common::client(settings(&server), "gpt-4.1-mini", Price::default());
    let ctx = CallContext::default();
    let cancel = ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    let started = Instant::now();

    let err = client
        .chat(request().streaming(true), &ctx)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Cancelled), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(common::calls(&sink)[0].outcome, CallOutcome::Cancelled);
}
