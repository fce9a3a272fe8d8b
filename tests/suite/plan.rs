//! `distiq plan` end to end: the checked plan and what executing it would
//! cost, with nothing changed in the repository.

use distiq_test_support::MockServer;
use serde_json::json;

use super::run::{LIB, answer, distiq, events, git, port_8081_world, read, repo, requests};
use crate::util::World;

#[tokio::test]
async fn a_plan_with_exact_code_is_shown_and_costs_nothing_to_execute() {
    let (w, server) = port_8081_world().await;

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

#[tokio::test]
async fn a_saved_plan_is_carried_out_later_without_planning_again() {
    let (w, server) = port_8081_world().await;
    let file = w.home.join("port.plan.json");
    let file = file.to_str().unwrap();

    let out = w.ok(&mut distiq(
        &w,
        &[
            "plan",
            "use port 8081",
            "--save",
            file,
            "--no-route",
            "--no-cache",
        ],
    ));
    assert!(out.contains(&format!("distiq run --plan {file}")), "{out}");
    assert_eq!(read(&w, "src/lib.rs"), LIB);

    let out = w.ok(&mut distiq(
        &w,
        &["run", "--plan", file, "--no-route", "--no-cache"],
    ));

    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert!(out.contains("Committed"), "{out}");
    // One planner call in all: the run asked no model.
    assert_eq!(requests(&server).await.len(), 1);
    let log = git(&w, &["log", "-1", "--format=%B"]);
    assert!(log.contains("Task: use port 8081"), "{log}");
}

#[tokio::test]
async fn a_saved_plan_that_no_longer_fits_is_refused_with_nothing_changed() {
    let (w, server) = port_8081_world().await;
    let file = w.home.join("port.plan.json");
    let file = file.to_str().unwrap();
    w.ok(&mut distiq(
        &w,
        &[
            "plan",
            "use port 8081",
            "--save",
            file,
            "--no-route",
            "--no-cache",
        ],
    ));
    // The code moved on since the plan was made.
    let moved = LIB.replace("8080", "9090");
    w.write("src/lib.rs", &moved);
    git(&w, &["commit", "-qam", "moved"]);

    let out = distiq(&w, &["run", "--plan", file, "--no-route", "--no-cache"])
        .output()
        .unwrap();

    let text = super::run::text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("does not fit the repository"), "{text}");
    assert_eq!(read(&w, "src/lib.rs"), moved);
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_plan_file_that_is_not_a_plan_is_a_clear_error() {
    let w = World::new();
    let server = MockServer::start().await;
    repo(&w, &server, "");
    let file = w.home.join("notes.txt");
    std::fs::write(&file, "remember to buy milk\n").unwrap();

    let out = distiq(
        &w,
        &[
            "run",
            "--plan",
            file.to_str().unwrap(),
            "--no-route",
            "--no-cache",
        ],
    )
    .output()
    .unwrap();

    let text = super::run::text(&out);
    assert!(!out.status.success());
    assert!(
        text.contains("neither a saved plan nor `distiq plan --json` output"),
        "{text}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}
