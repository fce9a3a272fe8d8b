//! `distiq ask` end to end: the cheap tier extracts facts from the
//! retrieved code, the strong tier answers from the facts alone, streamed;
//! a repeated question is answered from the cache.

use distiq_test_support::MockServer;
use distiq_test_support::openai::{chat_mock, sse_template, stream_text, usage};
use serde_json::json;
use wiremock::matchers::body_partial_json;

use super::run::{answer, distiq, events, ledger, repo, requests};
use crate::util::World;

const QUESTION: &str = "which port does the server listen on?";

async fn script(server: &MockServer) {
    answer(
        server,
        "small",
        "facts",
        json!({"facts": [{"fact": "port() returns 8080", "path": "src/lib.rs", "lines": "1-3"}]}),
        None,
    )
    .await;
    chat_mock()
        .and(body_partial_json(json!({"model": "mid", "stream": true})))
        .respond_with(sse_template(stream_text(
            &[
                "The server listens on ",
                "port 8080 (src/lib.rs, `port()`).",
            ],
            "stop",
            usage(300, 20),
        )))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_cheap_tier_extracts_facts_and_the_strong_tier_streams_the_answer() {
    let server = MockServer::start().await;
    script(&server).await;
    let w = World::new();
    repo(&w, &server, "");

    let out = w.ok(&mut distiq(
        &w,
        &["ask", QUESTION, "--no-route", "--no-cache"],
    ));

    assert_eq!(
        out,
        "The server listens on port 8080 (src/lib.rs, `port()`).\n"
    );
    assert_eq!(
        requests(&server).await,
        [
            ("small".into(), "facts".into()),
            ("mid".into(), "text".into())
        ]
    );
    let bodies = distiq_test_support::request_bodies(&server).await;
    let (extract, write) = (bodies[0].to_string(), bodies[1].to_string());
    assert!(
        extract.contains("pub fn host"),
        "the cheap tier reads the code: {extract}"
    );
    assert!(
        write.contains("port() returns 8080"),
        "the strong tier reads the facts: {write}"
    );
    assert!(!write.contains("pub fn host"), "and not the code: {write}");
    let stages: Vec<(String, String)> = ledger(&w).into_iter().map(|(s, t, _)| (s, t)).collect();
    assert_eq!(
        stages,
        [
            ("analyze".into(), "cheap".into()),
            ("answer".into(), "mid".into())
        ]
    );
    assert_eq!(
        super::run::git(&w, &["status", "--porcelain"]),
        "",
        "nothing edited"
    );
}

#[tokio::test]
async fn a_repeated_question_is_answered_from_the_cache() {
    let server = MockServer::start().await;
    script(&server).await;
    let w = World::new();
    repo(&w, &server, "");
    w.ok(&mut distiq(&w, &["ask", QUESTION, "--no-route"]));
    assert_eq!(requests(&server).await.len(), 2);

    let out = w.ok(&mut distiq(&w, &["ask", QUESTION, "--no-route", "--json"]));

    assert_eq!(requests(&server).await.len(), 2, "no model call");
    let events = events(&out);
    let lookup = events
        .iter()
        .find(|e| e["event"] == "cache_lookup")
        .unwrap();
    assert_eq!(lookup["hit"], true, "{lookup}");
    let outcome = events.last().unwrap();
    assert_eq!(outcome["event"], "ask_outcome");
    assert_eq!(outcome["cached"], true);
    assert!(outcome["answer"].as_str().unwrap().contains("port 8080"));
}

#[test]
#[ignore = "needs a live OpenAI-compatible server: set DISTIQ_LIVE_BASE_URL"]
fn live_ask_on_a_local_model_streams_an_answer() {
    let w = World::new();
    super::run::live_repo(&w);

    let out = w
        .cmd(&[
            "ask",
            "which port does the server listen on?",
            "--context-tokens",
            "1000",
        ])
        .output()
        .unwrap();
    eprintln!("{}", super::run::text(&out));

    assert!(out.status.success());
    let answer = String::from_utf8_lossy(&out.stdout);
    assert!(!answer.trim().is_empty());
    let stages: Vec<String> = ledger(&w).into_iter().map(|(s, _, _)| s).collect();
    assert_eq!(stages, ["analyze", "answer"]);
}
