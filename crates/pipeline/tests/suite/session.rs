//! What a front end running many tasks uses: a task's own cancellation and
//! forced tier, and a validated change reviewed file by file.

use distiq_core::{Event, Tier};
use distiq_pipeline::{Error, Options, Pending, Pipeline, RunControl};
use serde_json::{Value, json};

use super::common::{Repo, answer, head_message, kinds, repo, requests};

const A: &str = "pub fn a() -> u32 {\n    1\n}\n";
const B: &str = "pub fn b() -> u32 {\n    2\n}\n";

/// A plan changing both files, with exact code.
fn two_file_plan() -> Value {
    let file = |path: &str, old: &str, new: &str| {
        json!({
            "path": path,
            "action": "modify",
            "changes": [{
                "type": "replace",
                "location": "top",
                "old_code": old,
                "new_code": new,
                "reasoning": "the task"
            }]
        })
    };
    json!({
        "summary": "Bump both constants",
        "files": [file("src/a.rs", "    1\n", "    10\n"), file("src/b.rs", "    2\n", "    20\n")]
    })
}

/// A repository with both files, its planner answering with
/// [`two_file_plan`].
async fn two_files() -> (wiremock::MockServer, Repo) {
    let server = wiremock::MockServer::start().await;
    answer(&server, "mid", "code_plan", two_file_plan(), None).await;
    let r = repo(&server, &[("src/a.rs", A), ("src/b.rs", B)], "");
    (server, r)
}

/// The validated change of the two-file task, awaiting review.
async fn pending_change(p: &Pipeline) -> Pending {
    p.run_with("bump both constants", &review())
        .await
        .unwrap()
        .pending
        .unwrap()
}

fn review() -> RunControl {
    RunControl {
        review: true,
        ..RunControl::default()
    }
}

#[tokio::test]
async fn a_review_commits_the_accepted_files_and_puts_the_rejected_back() {
    let (_server, r) = two_files().await;
    let (p, events) = r.pipeline(&[], Options::default());

    let out = p.run_with("bump both constants", &review()).await.unwrap();

    // Validated and written, not committed.
    assert_eq!(out.commit, None);
    assert_eq!(head_message(&r.root).trim(), "first");
    assert_eq!(r.read("src/a.rs"), A.replace("    1\n", "    10\n"));
    let pending = out.pending.expect("a change awaits review");
    assert_eq!(pending.paths(), ["src/a.rs", "src/b.rs"]);
    let diff = &pending.files[0].diff;
    assert!(
        diff.starts_with("--- a/src/a.rs\n+++ b/src/a.rs\n"),
        "{diff}"
    );
    assert!(diff.contains("-    1\n+    10\n"), "{diff}");
    assert!(!kinds(&events.events()).contains(&"committed".to_owned()));

    let done = p.finish_review(pending, &["src/a.rs".to_owned()]).unwrap();

    assert_eq!(done.kept, ["src/a.rs"]);
    assert_eq!(done.reverted, ["src/b.rs"]);
    assert_eq!(r.read("src/a.rs"), A.replace("    1\n", "    10\n"));
    assert_eq!(r.read("src/b.rs"), B);
    let msg = head_message(&r.root);
    assert!(msg.starts_with("Bump both constants"), "{msg}");
    assert_eq!(done.commit.as_deref().map(str::len), Some(40));
    let events = events.events();
    assert!(events.iter().any(|e| matches!(e,
        Event::RolledBack { paths, reason, .. } if paths == &["src/b.rs"] && reason == "rejected in review")));
    assert!(events.iter().any(|e| matches!(e,
        Event::Committed { paths, .. } if paths == &["src/a.rs"])));
    // The commit holds only the accepted file: the rejected one is clean.
    assert!(distiq_executor::dirty_paths(&r.root).unwrap().is_empty());
}

#[tokio::test]
async fn rejecting_everything_leaves_the_tree_and_history_as_before() {
    let (_server, r) = two_files().await;
    let (p, _) = r.pipeline(&[], Options::default());

    let pending = pending_change(&p).await;
    let done = p.finish_review(pending, &[]).unwrap();

    assert_eq!(done.commit, None);
    assert_eq!(
        (r.read("src/a.rs"), r.read("src/b.rs")),
        (A.into(), B.into())
    );
    assert_eq!(head_message(&r.root).trim(), "first");
    assert!(distiq_executor::dirty_paths(&r.root).unwrap().is_empty());
}

#[tokio::test]
async fn a_file_edited_during_the_review_is_not_put_back_over_the_edit() {
    let (_server, r) = two_files().await;
    let (p, _) = r.pipeline(&[], Options::default());
    let pending = pending_change(&p).await;

    // The user touches b while looking at the diff.
    let mine = "pub fn b() -> u32 {\n    42 // mine\n}\n";
    std::fs::write(r.root.join("src/b.rs"), mine).unwrap();
    let err = p.finish_review(pending, &[]).unwrap_err();

    assert!(
        matches!(&err, Error::ChangedSinceWritten { paths } if paths == &["src/b.rs"]),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(r.read("src/b.rs"), mine);
    assert_eq!(r.read("src/a.rs"), A.replace("    1\n", "    10\n"));
    assert_eq!(head_message(&r.root).trim(), "first");
}

#[tokio::test]
async fn a_forced_tier_plans_on_that_tier_and_says_so() {
    let server = wiremock::MockServer::start().await;
    answer(&server, "big", "code_plan", two_file_plan(), None).await;
    let r = repo(&server, &[("src/a.rs", A), ("src/b.rs", B)], "");
    let (p, events) = r.pipeline(&[], Options::default());
    let control = RunControl {
        force_tier: Some(Tier::Top),
        ..RunControl::default()
    };

    p.run_with("bump both constants", &control).await.unwrap();

    assert_eq!(
        requests(&server).await,
        [("big".into(), "code_plan".into())]
    );
    assert!(events.events().iter().any(|e| matches!(e,
        Event::Warning { message } if message.contains("top tier") && message.contains("forced"))));
}

#[tokio::test]
async fn a_cancelled_task_does_not_cancel_the_next_one() {
    let (_server, r) = two_files().await;
    let (p, _) = r.pipeline(&[], Options::default());

    let first = RunControl::default();
    first.cancel.cancel();
    let err = p.run_with("bump both constants", &first).await.unwrap_err();
    assert!(matches!(err, Error::Cancelled | Error::Llm(_)), "{err}");
    assert_eq!(
        (r.read("src/a.rs"), r.read("src/b.rs")),
        (A.into(), B.into())
    );

    let out = p
        .run_with("bump both constants", &RunControl::default())
        .await
        .unwrap();
    assert!(out.commit.is_some());
    assert_eq!(r.read("src/b.rs"), B.replace("    2\n", "    20\n"));
}
