//! `distiq plan` end to end: the checked plan and what executing it would
//! cost, with nothing changed in the repository.

use distiq_test_support::MockServer;
use serde_json::json;

use super::run::{LIB, answer, distiq, events, git, read, replace_plan, repo, requests};
use crate::util::World;

#[tokio::test]
async fn a_plan_with_exact_code_is_shown_and_costs_nothing_to_execute() {
    let server = MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("    8080\n", "    8081\n"),
        None,
    )
    .await;
    let w = World::new();
    repo(&w, &server, "");

    let out = w.ok(&mut distiq(
        &w,
        &[
            "plan",
            "move the server to port 8081",
            "--no-route",
            "--no-cache",
        ],
    ));

    assert!(
        out.contains("Plan: Move the server to another port"),
        "{out}"
    );
    assert!(out.contains("modify src/lib.rs"), "{out}");
    assert!(
        out.contains("-     8080") && out.contains("+     8081"),
        "{out}"
    );
    assert!(out.contains("0 executor call(s)"), "{out}");
    assert!(
        out.contains("src/lib.rs: exact code in the plan, no model call"),
        "{out}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB, "plan changes nothing");
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
    assert_eq!(
        requests(&server).await,
        [("mid".into(), "code_plan".into())]
    );
}

#[tokio::test]
async fn a_plan_the_executor_model_must_carry_out_is_priced_at_the_execute_tier() {
    let server = MockServer::start().await;
    let plan = json!({"summary": "Use port 9000", "files": [{"path": "src/lib.rs", "action": "modify", "changes": [
        {"type": "replace", "location": "fn port", "old_code": null, "new_code": null, "reasoning": "return 9000 instead of 8080"}
    ]}]});
    answer(&server, "mid", "code_plan", plan, None).await;
    let w = World::new();
    repo(&w, &server, "");

    let out = w.ok(&mut distiq(
        &w,
        &[
            "plan",
            "use port 9000",
            "--no-route",
            "--no-cache",
            "--json",
        ],
    ));

    let events = events(&out);
    let outcome = events.last().unwrap();
    assert_eq!(outcome["event"], "plan_outcome");
    let estimate = &outcome["estimate"];
    assert_eq!(estimate["calls"], 1, "{estimate}");
    assert_eq!(estimate["model"], "fake:small");
    assert_eq!(estimate["tier"], "cheap");
    let cost = estimate["cost"].as_i64().unwrap();
    let worst = estimate["worst_case"].as_i64().unwrap();
    assert!(cost > 0 && worst >= cost, "{estimate}");
    // At most 1000 output tokens at $2/M plus the prompt at $1/M.
    assert!(worst < 2_000 + 5_000, "{estimate}");
    assert!(events.iter().any(|e| e["event"] == "plan_ready"));
    assert_eq!(requests(&server).await.len(), 1, "no executor call");
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}
