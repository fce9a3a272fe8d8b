//! `Pipeline::run` in-process: the plan carried out with and without the
//! executor model, refusals, the validator loop and the budget.

use distiq_core::{Event, Stage, Tier};
use distiq_pipeline::{Error, Options};
use serde_json::json;

use super::common::{answer, head_message, kinds, replace_plan, repo, requests};

const LIB: &str = "pub fn port() -> u16 {\n    8080\n}\n";

#[tokio::test]
async fn an_exact_plan_is_applied_without_an_executor_call_and_committed() {
    let server = wiremock::MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("src/lib.rs", "    8080\n", "    8081\n"),
        None,
    )
    .await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, events) = r.pipeline(&[], Options::default());

    let out = p.run("move the server to port 8081").await.unwrap();

    assert_eq!(r.read("src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(
        requests(&server).await,
        [("mid".into(), "code_plan".into())]
    );
    assert_eq!(out.executor_calls, 0);
    assert_eq!(out.files.len(), 1);
    assert_eq!((out.files[0].added, out.files[0].removed), (1, 1));
    let msg = head_message(&r.root);
    assert!(msg.starts_with("Change src/lib.rs"), "{msg}");
    assert!(
        msg.contains(&format!("Distiq-Task: {}", out.task.id)),
        "{msg}"
    );
    assert_eq!(out.commit.as_deref().map(str::len), Some(40));
    let kinds = kinds(&events.events());
    for k in [
        "plan_ready",
        "edits_written",
        "validated",
        "committed",
        "task_finished",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    assert!(out.spend.stages.contains_key(&Stage::Plan));
    assert!(out.spend.baseline > out.spend.cost);
}

#[tokio::test]
async fn a_plan_without_exact_code_goes_to_the_cheap_executor_per_file() {
    let server = wiremock::MockServer::start().await;
    let plan = json!({
        "summary": "Use port 9000",
        "files": [{"path": "src/lib.rs", "action": "modify", "changes": [{
            "type": "replace", "location": "fn port", "old_code": null, "new_code": null,
            "reasoning": "return 9000"
        }]}, {"path": "NOTES.md", "action": "create", "changes": []}]
    });
    answer(&server, "mid", "code_plan", plan, None).await;
    answer(
        &server,
        "small",
        "file_edits",
        json!({"edits": [{"search": "    8080\n", "replace": "    9000\n"}]}),
        None,
    )
    .await;
    answer(
        &server,
        "small",
        "new_file",
        json!({"content": "port 9000\n"}),
        None,
    )
    .await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, _) = r.pipeline(
        &[],
        Options {
            commit: false,
            ..Options::default()
        },
    );

    let out = p.run("use port 9000 and note it").await.unwrap();

    assert_eq!(r.read("src/lib.rs"), LIB.replace("8080", "9000"));
    assert_eq!(r.read("NOTES.md"), "port 9000\n");
    assert_eq!(out.executor_calls, 2);
    assert_eq!(out.commit, None);
    assert!(head_message(&r.root).starts_with("first"));
}

#[tokio::test]
async fn a_plan_leaving_the_repository_is_sent_back_escalated_then_refused() {
    let server = wiremock::MockServer::start().await;
    let bad = replace_plan("../outside.rs", "x", "y");
    answer(&server, "mid", "code_plan", bad.clone(), None).await;
    answer(&server, "big", "code_plan", bad, None).await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, events) = r.pipeline(&[], Options::default());

    let err = p.run("edit the file next door").await.unwrap_err();

    let Error::PlanRejected {
        problems, tried, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert!(
        problems.contains("../outside.rs") && problems.contains("`..`"),
        "{problems}"
    );
    assert_eq!(tried, "fake:mid, fake:big");
    assert!(
        err.to_string()
            .contains("sending it back and escalating (fake:mid -> fake:big)"),
        "{err}"
    );
    let asked: Vec<String> = requests(&server)
        .await
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    assert_eq!(asked, ["mid", "mid", "big", "big"]);
    let bodies = distiq_test_support::request_bodies(&server).await;
    let sent_back = bodies[1]["messages"].to_string();
    assert!(sent_back.contains("`..` is refused"), "{sent_back}");
    assert!(events.events().iter().any(|e| matches!(
        e,
        Event::Escalated {
            stage: Stage::Plan,
            ..
        }
    )));
    assert!(!r.root.parent().unwrap().join("outside.rs").exists());
    assert_eq!(r.read("src/lib.rs"), LIB);
}

#[tokio::test]
async fn a_failing_check_is_fixed_by_the_executor_then_committed() {
    let server = wiremock::MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("src/lib.rs", "    8080\n", "    8081 // BROKEN\n"),
        None,
    )
    .await;
    answer(
        &server,
        "small",
        "fix_edits",
        json!({"edits": [{"path": "src/lib.rs", "search": "    8081 // BROKEN\n", "replace": "    8081\n"}]}),
        None,
    )
    .await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, events) = r.pipeline(
        &[("validate.test", "! grep -rn BROKEN src")],
        Options::default(),
    );

    let out = p.run("move to port 8081").await.unwrap();

    assert_eq!(r.read("src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(out.fix_attempts, 1);
    let validated: Vec<bool> = events
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Validated { passed, .. } => Some(*passed),
            _ => None,
        })
        .collect();
    assert_eq!(validated, [false, true]);
    assert!(head_message(&r.root).contains("Distiq-Task"));
}

#[tokio::test]
async fn validation_that_never_passes_climbs_replans_and_rolls_back() {
    let server = wiremock::MockServer::start().await;
    let broken = replace_plan("src/lib.rs", "    8080\n", "    8081 // BROKEN\n");
    answer(&server, "mid", "code_plan", broken.clone(), None).await;
    answer(&server, "big", "code_plan", broken, None).await;
    let useless = json!({"edits": [{"path": "src/lib.rs", "search": "    8081 // BROKEN\n", "replace": "    8081 // BROKEN still\n"}]});
    for m in ["small", "mid", "big"] {
        answer(&server, m, "fix_edits", useless.clone(), None).await;
    }
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, events) = r.pipeline(
        &[("validate.test", "! grep -rn BROKEN src")],
        Options::default(),
    );

    let err = p.run("move to port 8081").await.unwrap_err();

    assert!(matches!(err, Error::ValidationFailed { .. }), "{err}");
    assert_eq!(r.read("src/lib.rs"), LIB, "rolled back");
    assert!(head_message(&r.root).starts_with("first"));
    let asked = requests(&server).await;
    // One fix per rung (max_retries = 1), then the top tier re-plans, then
    // one more fix on the top rung.
    let fixes: Vec<&str> = asked
        .iter()
        .filter(|(_, s)| s == "fix_edits")
        .map(|(m, _)| m.as_str())
        .collect();
    assert_eq!(fixes, ["small", "mid", "big", "big"]);
    assert!(asked.contains(&("big".into(), "code_plan".into())));
    let tiers: Vec<Tier> = events
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::CallFinished(c) if c.stage == Stage::Execute => Some(c.tier),
            _ => None,
        })
        .collect();
    assert!(
        tiers.windows(2).all(|w| w[0] <= w[1]),
        "never down: {tiers:?}"
    );
    assert!(
        events
            .events()
            .iter()
            .any(|e| matches!(e, Event::RolledBack { .. }))
    );
}

#[tokio::test]
async fn the_budget_stops_before_the_call_that_could_pass_it() {
    let server = wiremock::MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("src/lib.rs", "    8080\n", "    8081 // BROKEN\n"),
        None,
    )
    .await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    // The plan call could cost about $0.015 (2000 output tokens at $6/M and
    // the prompt); a fix on `small` could cost $0.20 (100k output tokens at
    // $2/M), past the $0.05 left.
    let (p, events) = r.pipeline(
        &[
            ("validate.test", "! grep -rn BROKEN src"),
            ("budget.per_task", "0.05"),
            ("stages.execute.max_tokens", "100000"),
        ],
        Options::default(),
    );

    let err = p.run("move to port 8081").await.unwrap_err();

    let Error::Budget {
        limit_name, stage, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!((*limit_name, *stage), ("per_task", Stage::Execute));
    assert_eq!(r.read("src/lib.rs"), LIB, "nothing half-applied");
    let msg = err.to_string();
    assert!(msg.contains("per_task") && msg.contains("$0.05"), "{msg}");
    assert!(
        events
            .events()
            .iter()
            .any(|e| matches!(e, Event::RolledBack { .. }))
    );
    assert_eq!(
        requests(&server).await.len(),
        1,
        "only the plan call was made"
    );
}

#[tokio::test]
async fn the_optional_review_sends_its_problems_back_to_the_executor() {
    let server = wiremock::MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("src/lib.rs", "    8080\n", "    8081 // TODO\n"),
        None,
    )
    .await;
    // The first review rejects, the next ones approve.
    answer(
        &server,
        "small",
        "review",
        json!({"approved": false, "problems": ["src/lib.rs:2: a TODO was left in"]}),
        Some(1),
    )
    .await;
    answer(
        &server,
        "small",
        "review",
        json!({"approved": true, "problems": []}),
        None,
    )
    .await;
    answer(
        &server,
        "small",
        "fix_edits",
        json!({"edits": [{"path": "src/lib.rs", "search": "    8081 // TODO\n", "replace": "    8081\n"}]}),
        None,
    )
    .await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, events) = r.pipeline(&[("validate.review", "true")], Options::default());

    let out = p.run("move to port 8081").await.unwrap();

    assert_eq!(r.read("src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(out.fix_attempts, 1);
    let asked: Vec<String> = requests(&server)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(asked, ["code_plan", "review", "fix_edits", "review"]);
    let bodies = distiq_test_support::request_bodies(&server).await;
    assert!(
        bodies[1]["messages"]
            .to_string()
            .contains("+    8081 // TODO"),
        "the diff"
    );
    assert!(
        bodies[2]["messages"]
            .to_string()
            .contains("a TODO was left in"),
        "the problem"
    );
    let reviews: Vec<bool> = events
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Validated { passed, checks, .. } if checks[0].name == "review" => Some(*passed),
            _ => None,
        })
        .collect();
    assert_eq!(reviews, [false, true]);
    assert!(out.spend.stages.contains_key(&Stage::Validate));
}

#[tokio::test]
async fn with_analyze_brief_the_cheap_tier_briefs_the_planner_first() {
    let server = wiremock::MockServer::start().await;
    // The analyzer asks for its brief without streaming.
    let brief = json!({
        "summary": "The port is a literal in port().",
        "files": [{"path": "src/lib.rs", "why": "defines port()"}],
        "symbols": [{"path": "src/lib.rs", "name": "port", "why": "returns 8080"}],
        "constraints": ["Keep the return type u16."]
    });
    distiq_test_support::openai::chat_mock()
        .and(wiremock::matchers::body_partial_json(json!({
            "model": "small",
            "response_format": {"json_schema": {"name": "repo_brief"}}
        })))
        .respond_with(distiq_test_support::openai::completion_template(
            &brief.to_string(),
            "stop",
            distiq_test_support::openai::usage(900, 80),
        ))
        .mount(&server)
        .await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("src/lib.rs", "    8080\n", "    8081\n"),
        None,
    )
    .await;
    let r = repo(&server, &[("src/lib.rs", LIB)], "");
    let (p, _) = r.pipeline(&[("analyze.brief", "true")], Options::default());

    let out = p.run("move the server to port 8081").await.unwrap();

    assert_eq!(r.read("src/lib.rs"), LIB.replace("8080", "8081"));
    let asked: Vec<(String, String)> = requests(&server).await;
    assert_eq!(
        asked,
        [
            ("small".into(), "repo_brief".into()),
            ("mid".into(), "code_plan".into())
        ]
    );
    let plan_req = distiq_test_support::request_bodies(&server).await[1]["messages"].to_string();
    assert!(plan_req.contains("Keep the return type u16."), "{plan_req}");
    assert!(out.spend.stages.contains_key(&Stage::Analyze));
}
