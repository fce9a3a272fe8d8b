//! What keeps the user's work safe: the dirty guard, paths confined to the
//! repository, budgets that stop before the call, a crash mid-write, undo.

use distiq_test_support::MockServer;
use serde_json::json;

use super::*;
use crate::util::World;

#[tokio::test]
async fn dirty_files_the_plan_touches_stop_the_run_unless_allowed() {
    let (w, _server) = port_8081_world().await;
    let dirty = format!("{LIB}// my work in progress\n");
    w.write("src/lib.rs", &dirty);

    let (code, err) = w.fails(&mut distiq(&w, &run_args("use port 8081", &[])));

    assert_eq!(code, 1);
    assert!(
        err.contains("uncommitted changes in src/lib.rs") && err.contains("--allow-dirty"),
        "{err}"
    );
    assert_eq!(
        read(&w, "src/lib.rs"),
        dirty,
        "the user's work is untouched"
    );

    w.ok(&mut distiq(
        &w,
        &run_args("use port 8081", &["--allow-dirty", "--no-commit"]),
    ));
    assert_eq!(read(&w, "src/lib.rs"), dirty.replace("8080", "8081"));
}

#[tokio::test]
async fn a_plan_with_a_parent_or_absolute_path_is_refused() {
    for bad in ["../outside.rs", "/tmp/distiq-absolute.rs"] {
        let server = MockServer::start().await;
        let plan = json!({"summary": "Write outside", "files": [
            {"path": bad, "action": "create", "changes": [
                {"type": "insert", "location": "new file", "old_code": null, "new_code": "evil\n", "reasoning": "x"}
            ]}
        ]});
        answer(&server, "mid", "code_plan", plan.clone(), None).await;
        answer(&server, "big", "code_plan", plan, None).await;
        let w = World::new();
        repo(&w, &server, "");

        let (code, err) = w.fails(&mut distiq(&w, &run_args("write a file", &[])));

        assert_eq!(code, 1);
        assert!(
            err.contains(bad) && err.contains("nothing was changed"),
            "{err}"
        );
        assert!(err.contains("refused"), "{err}");
        assert!(!w.repo.parent().unwrap().join("outside.rs").exists());
        assert!(!Path::new("/tmp/distiq-absolute.rs").exists());
        // Sent back once to the planner, then the next model up, likewise.
        let asked: Vec<String> = requests(&server)
            .await
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        assert_eq!(asked, ["mid", "mid", "big", "big"], "{bad}");
        assert_eq!(git(&w, &["status", "--porcelain"]), "");
    }
}

#[tokio::test]
async fn the_budget_stops_cleanly_with_nothing_half_applied() {
    let server = MockServer::start().await;
    answer(
        &server,
        "mid",
        "code_plan",
        replace_plan("    8080\n", "    8081 // BROKEN\n"),
        None,
    )
    .await;
    let w = World::new();
    // The plan call fits in $0.05; a fix call that could write 100k tokens
    // at $2/M does not.
    repo(&w, &server, "[budget]\nper_task = 0.05\n");

    let (code, err) = w.fails(&mut distiq(
        &w,
        &run_args(
            "use port 8081",
            &[
                "-c",
                "validate.test=! grep -rn BROKEN src",
                "-c",
                "stages.execute.max_tokens=100000",
            ],
        ),
    ));

    assert_eq!(code, 1);
    assert!(err.contains("per_task budget of $0.05"), "{err}");
    assert!(
        err.contains("nothing of this task was left applied"),
        "{err}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB, "the write was rolled back");
    assert_eq!(git(&w, &["status", "--porcelain"]), "");
    assert_eq!(requests(&server).await.len(), 1, "no call past the budget");
    assert_eq!(journals(&w), 0, "no write left unfinished");
}

#[tokio::test]
async fn the_day_budget_counts_what_the_ledger_says_was_spent_today() {
    let (w, server) = port_8081_world().await;
    // The first task spends $0.0036 (1000 tokens in at $3/M, 100 out at $6/M).
    w.ok(&mut distiq(&w, &run_args("use port 8081", &[])));
    w.ok(&mut distiq(&w, &["undo"]));

    let (code, err) = w.fails(&mut distiq(
        &w,
        &run_args("use port 8081", &["-c", "budget.per_day=0.01"]),
    ));

    assert_eq!(code, 1);
    assert!(
        err.contains("per_day budget of $0.01") && err.contains("with $0.0036 spent today"),
        "{err}"
    );
    assert_eq!(
        requests(&server).await.len(),
        1,
        "the second plan call was not made"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
}

/// Journals left in the repository (unfinished writes).
fn journals(world: &World) -> usize {
    std::fs::read_dir(world.repo.join(".distiq/journal"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_crash_during_the_write_leaves_the_tree_whole_after_a_restart() {
    let server = MockServer::start().await;
    let plan = json!({"summary": "Two files", "files": [
        {"path": "src/lib.rs", "action": "modify", "changes": [
            {"type": "replace", "location": "fn port", "old_code": "    8080\n", "new_code": "    8081\n", "reasoning": "a"}]},
        {"path": "src/config.rs", "action": "create", "changes": [
            {"type": "insert", "location": "new", "old_code": null, "new_code": "pub const PORT: u16 = 8081;\n", "reasoning": "b"}]}
    ]});
    answer(&server, "mid", "code_plan", plan, None).await;
    let w = World::new();
    repo(&w, &server, "");

    // The writer aborts right after its first rename (the journal says
    // "committing"; one file is new, the other not yet).
    let out = distiq(&w, &run_args("two files", &[]))
        .env("DISTIQ_TEST_CRASH_AFTER_RENAMES", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(journals(&w), 1, "the crash left its journal");

    // The next distiq command recovers first: rolled back, as it was.
    let undo = distiq(&w, &["undo"]).output().unwrap();
    let said = text(&undo);
    assert!(
        said.contains("recovered an interrupted write") && said.contains("rolled back"),
        "{said}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert!(!w.repo.join("src/config.rs").exists());
    assert_eq!(
        git(&w, &["status", "--porcelain"]),
        "",
        "no temp files or backups left"
    );

    // And the task then runs to the end.
    w.ok(&mut distiq(&w, &run_args("two files", &[])));
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    assert_eq!(read(&w, "src/config.rs"), "pub const PORT: u16 = 8081;\n");
}

#[tokio::test]
async fn undo_reverts_the_run_commit() {
    let (w, _server) = port_8081_world().await;
    w.ok(&mut distiq(&w, &run_args("use port 8081", &[])));
    assert_eq!(git(&w, &["rev-list", "--count", "HEAD"]).trim(), "2");

    let out = w.ok(&mut distiq(&w, &["undo"]));

    assert!(
        out.contains("reverted") && out.contains("src/lib.rs"),
        "{out}"
    );
    assert_eq!(read(&w, "src/lib.rs"), LIB);
    assert_eq!(git(&w, &["rev-list", "--count", "HEAD"]).trim(), "1");
    // HEAD is the user's commit now: a second undo refuses.
    let (_, err) = w.fails(&mut distiq(&w, &["undo"]));
    assert!(err.contains("not a distiq commit"), "{err}");
}

#[tokio::test]
async fn a_crash_at_any_point_of_the_write_leaves_the_tree_as_it_was_or_complete() {
    let plan = json!({"summary": "Two files", "files": [
        {"path": "src/lib.rs", "action": "modify", "changes": [
            {"type": "replace", "location": "fn port", "old_code": "    8080\n", "new_code": "    8081\n", "reasoning": "a"}]},
        {"path": "src/net/config.rs", "action": "create", "changes": [
            {"type": "insert", "location": "new", "old_code": null, "new_code": "pub const PORT: u16 = 8081;\n", "reasoning": "b"}]}
    ]});
    // "prepared": temp files written, journal still "preparing"; "0": the
    // journal says "committing", nothing renamed; "1": one of two renamed;
    // "2": both renamed, the journal not yet removed.
    for (point, completed) in [("prepared", false), ("0", false), ("1", false), ("2", true)] {
        let server = MockServer::start().await;
        answer(&server, "mid", "code_plan", plan.clone(), None).await;
        let w = World::new();
        repo(&w, &server, "");
        let out = distiq(&w, &run_args("two files", &[]))
            .env("DISTIQ_TEST_CRASH_AFTER_RENAMES", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: {}", text(&out));

        let said = text(&distiq(&w, &["undo"]).output().unwrap());

        let config = w.repo.join("src/net/config.rs");
        if completed {
            assert!(said.contains("completed"), "{point}: {said}");
            assert_eq!(
                read(&w, "src/lib.rs"),
                LIB.replace("8080", "8081"),
                "{point}"
            );
            assert_eq!(
                read(&w, "src/net/config.rs"),
                "pub const PORT: u16 = 8081;\n"
            );
        } else {
            assert!(said.contains("rolled back"), "{point}: {said}");
            assert_eq!(read(&w, "src/lib.rs"), LIB, "{point}");
            assert!(
                !config.exists() && !w.repo.join("src/net").exists(),
                "{point}"
            );
            assert_eq!(git(&w, &["status", "--porcelain"]), "", "{point}");
        }
        assert_eq!(journals(&w), 0, "{point}");
    }
}

#[tokio::test]
async fn ctrl_c_during_validation_kills_the_check_and_rolls_the_task_back() {
    let (w, _server) = port_8081_world().await;
    let started = w.repo.join(".git/check-started");
    let check = format!("touch {} && sleep 600", started.display());
    let mut child = distiq(
        &w,
        &run_args("use port 8081", &["-c", &format!("validate.test={check}")]),
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();

    // The edit is written and the (hanging) test command runs: interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the check never started"
        );
        assert!(child.try_wait().unwrap().is_none(), "distiq exited early");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(read(&w, "src/lib.rs"), LIB.replace("8080", "8081"));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // A hang guard only: the check sleeps ten minutes unless it is killed.
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();

    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("cancelled"), "{text}");
    assert_eq!(read(&w, "src/lib.rs"), LIB, "rolled back");
    assert_eq!(journals(&w), 0, "no journal left behind");
    assert_eq!(git(&w, &["log", "--format=%s"]).trim(), "first");
    assert_eq!(git(&w, &["status", "--porcelain"]).trim(), "");
}
