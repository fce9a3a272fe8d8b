//! Opt-in smoke tests against a real OpenAI-compatible server (llama.cpp's
//! own server from `shared/tools/local-llm`, Ollama, vLLM): what the fake
//! servers might hide. Not run in CI; run with
//!
//! ```sh
//! DISTIQ_LIVE_BASE_URL=http://127.0.0.1:8089/v1 cargo test -p distiq-llm --test all live -- --ignored
//! ```

use std::sync::{Arc, Mutex};

use distiq_core::{CodePlan, Price, ProviderKind};
use distiq_llm::{CallContext, ChatRequest, Part, ProviderSettings};

use super::common::{calls, client};

fn live_settings() -> ProviderSettings {
    let base = std::env::var("DISTIQ_LIVE_BASE_URL")
        .expect("set DISTIQ_LIVE_BASE_URL to an OpenAI-compatible base URL");
    ProviderSettings::new("live", ProviderKind::Openai, base)
}

#[tokio::test]
#[ignore = "needs a live OpenAI-compatible server: set DISTIQ_LIVE_BASE_URL"]
async fn live_streamed_answer_reports_usage_and_stop() {
    let (c, sink) = client(live_settings(), "local", Price::default());
    let seen = Arc::new(Mutex::new(String::new()));
    let s2 = seen.clone();
    let ctx = CallContext {
        on_delta: Some(Arc::new(move |t: &str| s2.lock().unwrap().push_str(t))),
        ..CallContext::default()
    };
    let req = ChatRequest::new("local", 64)
        .system(Part::cached("You are terse."))
        .user("Reply with the single word: pong")
        .streaming(true);
    let resp = c.chat(req, &ctx).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        resp.text,
        "deltas add up to the answer"
    );
    assert!(resp.text.to_lowercase().contains("pong"), "{resp:?}");
    assert!(
        resp.usage.input_tokens + resp.usage.cache_read_tokens > 0,
        "{resp:?}"
    );
    assert!(resp.usage.output_tokens > 0, "{resp:?}");
    assert_eq!(calls(&sink).len(), 1);
}

#[tokio::test]
#[ignore = "needs a live OpenAI-compatible server: set DISTIQ_LIVE_BASE_URL"]
async fn live_structured_plan_follows_the_schema() {
    let (c, _sink) = client(live_settings(), "local", Price::default());
    let req = ChatRequest::new("local", 1024).user(
        "Plan this change as JSON: in src/main.rs replace `println!(\"hi\")` with \
         `println!(\"hello\")`. One file, action modify, one replace change.",
    );
    for stream in [false, true] {
        let out = c
            .structured::<CodePlan>(
                req.clone().streaming(stream),
                "code_plan",
                "A plan of code changes",
                &[2048],
                &CallContext::default(),
            )
            .await
            .unwrap();
        assert!(!out.value.files.is_empty(), "{:?}", out.value);
    }
}

#[tokio::test]
#[ignore = "needs a live OpenAI-compatible server: set DISTIQ_LIVE_BASE_URL"]
async fn live_truncation_is_reported_as_length() {
    let (c, _sink) = client(live_settings(), "local", Price::default());
    let req = ChatRequest::new("local", 5).user("Count from one to fifty in words.");
    let resp = c.chat(req, &CallContext::default()).await.unwrap();
    assert!(resp.truncated(), "{resp:?}");
}
