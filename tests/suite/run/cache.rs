//! The semantic cache across runs: a repeated task is served without a
//! planner call; a changed file makes it miss.

use super::*;

#[tokio::test]
async fn a_second_identical_run_is_served_from_the_cache_without_a_planner_call() {
    let (w, server) = port_8081_world().await;
    let task = "move the server to port 8081";
    w.ok(&mut distiq(&w, &["run", task, "--no-route"]));
    w.ok(&mut distiq(&w, &["undo"]));
    assert_eq!(plan_requests(&server).await, 1);

    let out = w.ok(&mut distiq(&w, &["run", task, "--no-route", "--json"]));

    assert_eq!(plan_requests(&server).await, 1, "no second planner call");
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    let events = events(&out);
    let lookup = events
        .iter()
        .find(|e| e["event"] == "cache_lookup")
        .unwrap();
    assert_eq!(lookup["hit"], true, "{lookup}");
    assert!(
        lookup["saved"].as_i64().unwrap() > 0,
        "shows the cost it saved: {lookup}"
    );
    let ready = events.iter().find(|e| e["event"] == "plan_ready").unwrap();
    assert_eq!(ready["cached"], true);
    assert_eq!(events.last().unwrap()["cached"], true);
}

#[tokio::test]
async fn the_same_task_after_its_file_changed_misses_the_cache() {
    let (w, server) = port_8081_world().await;
    let task = "move the server to port 8081";
    w.ok(&mut distiq(&w, &["run", task, "--no-route"]));
    w.ok(&mut distiq(&w, &["undo"]));
    w.write("src/lib.rs", &LIB.replace("localhost", "0.0.0.0"));
    git(&w, &["commit", "-qam", "listen everywhere"]);

    let out = w.ok(&mut distiq(&w, &["run", task, "--no-route", "--json"]));

    assert_eq!(plan_requests(&server).await, 2, "planned again");
    let events = events(&out);
    let lookup = events
        .iter()
        .find(|e| e["event"] == "cache_lookup")
        .unwrap();
    assert_eq!(lookup["hit"], false, "{lookup}");
    assert!(
        lookup["reason"].as_str().unwrap().contains("src/lib.rs"),
        "{lookup}"
    );
}
