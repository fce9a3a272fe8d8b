//! Crash safety, for real: a child process (this test binary, re-run on
//! one ignored test) writes a five-file task and `abort()`s at each point
//! of the write through the debug-build hook
//! `DISTIQ_TEST_CRASH_AFTER_RENAMES`; the parent then runs `recover` and
//! checks that the tree is exactly as before the task or exactly as after.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use distiq_core::TaskId;
use distiq_executor::{ApplyOptions, Edit, Error, RecoveryOutcome, apply_task, recover};

use super::support::{TestRepo, journal_entries, without_distiq};

const CHILD_REPO: &str = "DISTIQ_CRASH_CHILD_REPO";
const HOOK: &str = "DISTIQ_TEST_CRASH_AFTER_RENAMES";

fn repo() -> TestRepo {
    TestRepo::with(&[
        ("src/a.rs", "fn a() -> u32 {\n    1\n}\n"),
        ("src/b.rs", "fn b() -> u32 {\n    2\n}\n"),
        ("src/c.rs", "fn c() -> u32 {\n    3\n}\n"),
        ("old.txt", "remove me\n"),
    ])
}

/// Five targets: three modified, one created (in a new directory), one
/// deleted.
fn edits() -> Vec<Edit> {
    let replace = |path: &str, search: &str, replace: &str| Edit::Replace {
        path: path.into(),
        search: search.into(),
        replace: replace.into(),
    };
    vec![
        replace("src/a.rs", "    1\n", "    10\n"),
        replace("src/b.rs", "    2\n", "    20\n"),
        Edit::Create {
            path: "src/new/d.rs".into(),
            content: "fn d() {}\n".into(),
        },
        replace("src/c.rs", "    3\n", "    30\n"),
        Edit::Delete {
            path: "old.txt".into(),
        },
    ]
}

/// The child: applies the task in the repository it is given. Run only by
/// the tests below, in a child process.
#[test]
#[ignore = "the child process of the crash tests"]
fn crash_child() {
    let Some(root) = std::env::var_os(CHILD_REPO) else {
        return;
    };
    apply_task(
        Path::new(&root),
        TaskId::new(),
        &edits(),
        &ApplyOptions::default(),
    )
    .unwrap();
}

/// Runs the child against `repo` with the hook set to `point`; asserts it
/// died by `abort()`.
fn crash_at(repo: &TestRepo, point: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "suite::crash::crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_REPO, &repo.root)
        .env(HOOK, point)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the child should have crashed at {point}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "SIGABRT expected at {point}: {out:?}"
        );
    }
}

fn after_snapshot() -> BTreeMap<String, Vec<u8>> {
    let repo = repo();
    apply_task(
        &repo.root,
        TaskId::new(),
        &edits(),
        &ApplyOptions::default(),
    )
    .unwrap();
    without_distiq(repo.snapshot())
}

fn journals(repo: &TestRepo) -> usize {
    journal_entries(repo).len()
}

#[test]
fn a_write_killed_at_any_point_is_rolled_back_or_completed_by_recover() {
    if !cfg!(debug_assertions) {
        return; // the hook exists in debug builds only
    }
    let after = after_snapshot();
    for point in ["prepared", "0", "1", "2", "3", "4", "5"] {
        let repo = repo();
        let before = without_distiq(repo.snapshot());
        crash_at(&repo, point);

        let crashed = without_distiq(repo.snapshot());
        assert!(
            journals(&repo) > 0,
            "{point}: the journal must survive the crash"
        );
        if matches!(point, "1" | "2" | "3" | "4") {
            // The crash really happened mid-write: the tree is half-applied.
            assert_ne!(crashed, before, "{point}");
            assert_ne!(crashed, after, "{point}");
        }

        let recovered = recover(&repo.root).unwrap();
        assert_eq!(recovered.len(), 1, "{point}");
        let expected = if point == "5" {
            assert_eq!(recovered[0].outcome, RecoveryOutcome::Completed, "{point}");
            &after
        } else {
            assert_eq!(recovered[0].outcome, RecoveryOutcome::RolledBack, "{point}");
            &before
        };
        // Every file all-before or all-after; no temp file, backup or
        // created directory left behind.
        assert_eq!(&without_distiq(repo.snapshot()), expected, "{point}");
        assert_eq!(journals(&repo), 0, "{point}");
        assert!(
            recover(&repo.root).unwrap().is_empty(),
            "{point}: recovery is done once"
        );
    }
}

#[test]
fn recovery_never_overwrites_a_file_changed_after_the_crash() {
    if !cfg!(debug_assertions) {
        return;
    }
    let repo = repo();
    crash_at(&repo, "2");
    // src/a.rs was renamed into place before the crash; the user edits it.
    repo.write("src/a.rs", "fn a() -> u32 {\n    99\n}\n");
    let snapshot = repo.snapshot();

    let err = recover(&repo.root).unwrap_err();
    assert!(matches!(err, Error::Recovery { .. }), "{err:?}");
    assert!(
        err.to_string().contains("src/a.rs was changed after"),
        "{err}"
    );
    assert_eq!(repo.snapshot(), snapshot, "nothing touched, journal kept");

    // Once the user puts the file back as distiq wrote it, recovery goes on.
    repo.write("src/a.rs", "fn a() -> u32 {\n    10\n}\n");
    let recovered = recover(&repo.root).unwrap();
    assert_eq!(recovered[0].outcome, RecoveryOutcome::RolledBack);
    assert_eq!(repo.read("src/a.rs"), "fn a() -> u32 {\n    1\n}\n");
    assert_eq!(repo.read("src/b.rs"), "fn b() -> u32 {\n    2\n}\n");
}
