//! The applier and the writer: in memory first, then all-or-nothing.

use distiq_core::TaskId;
use distiq_executor::{
    ApplyOptions, Edit, Error, FailureReason, MatchLevel, MatchOptions, apply_task, prepare, write,
};

use super::support::{TestRepo, journal_entries, without_distiq};

fn five_files() -> TestRepo {
    TestRepo::with(&[
        ("src/a.rs", "fn a() -> u32 {\n    1\n}\n"),
        ("src/b.rs", "fn b() -> u32 {\n    2\n}\n"),
        ("src/c.rs", "fn c() -> u32 {\n    3\n}\n"),
        ("old.txt", "remove me\n"),
    ])
}

fn replace(path: &str, search: &str, replace: &str) -> Edit {
    Edit::Replace {
        path: path.into(),
        search: search.into(),
        replace: replace.into(),
    }
}

#[test]
fn one_bad_edit_among_five_writes_nothing() {
    let repo = five_files();
    let before = repo.snapshot();
    let edits = vec![
        replace("src/a.rs", "    1\n", "    10\n"),
        replace("src/b.rs", "    2\n", "    20\n"),
        replace(
            "src/c.rs",
            "    this line is not there at all\n",
            "    30\n",
        ),
        Edit::Create {
            path: "src/d.rs".into(),
            content: "fn d() {}\n".into(),
        },
        Edit::Delete {
            path: "old.txt".into(),
        },
    ];
    let err = apply_task(&repo.root, TaskId::new(), &edits, &ApplyOptions::default()).unwrap_err();
    let Error::Edits { failures } = &err else {
        panic!("expected edit failures, got {err:?}");
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].index, 2);
    assert_eq!(failures[0].path, "src/c.rs");
    assert!(matches!(failures[0].reason, FailureReason::Match(_)));
    let msg = err.to_string();
    assert!(msg.contains("nothing was written"), "{msg}");
    assert!(msg.contains("edit 3 (replace src/c.rs)"), "{msg}");
    assert!(msg.contains("closest lines"), "{msg}");
    assert_eq!(repo.snapshot(), before, "the tree must be untouched");
}

#[test]
fn every_failure_is_reported_at_once() {
    let repo = five_files();
    let edits = vec![
        replace("src/a.rs", "nope\n", "x\n"),
        replace("missing.rs", "x", "y"),
        Edit::Create {
            path: "src/b.rs".into(),
            content: "dup\n".into(),
        },
        Edit::Delete {
            path: "gone.txt".into(),
        },
        replace("src/c.rs", "    3\n", "    30\n"),
    ];
    let Err(Error::Edits { failures }) = prepare(&repo.root, &edits, &MatchOptions::default())
    else {
        panic!("expected failures");
    };
    let reasons: Vec<(usize, &FailureReason)> =
        failures.iter().map(|f| (f.index, &f.reason)).collect();
    assert_eq!(reasons.len(), 4);
    assert!(matches!(reasons[0], (0, FailureReason::Match(_))));
    assert!(matches!(reasons[1], (1, FailureReason::Missing)));
    assert!(matches!(reasons[2], (2, FailureReason::Exists)));
    assert!(matches!(reasons[3], (3, FailureReason::Missing)));
}

#[test]
fn a_task_creates_modifies_and_deletes_and_leaves_no_journal() {
    let repo = five_files();
    let edits = vec![
        replace("src/a.rs", "    1\n", "    10\n"),
        Edit::Insert {
            path: "src/a.rs".into(),
            anchor: None,
            text: "\nfn a2() {}\n".into(),
        },
        Edit::Create {
            path: "src/new/deep/d.rs".into(),
            content: "fn d() {}\n".into(),
        },
        Edit::Delete {
            path: "old.txt".into(),
        },
    ];
    let changes = prepare(&repo.root, &edits, &MatchOptions::default()).unwrap();
    assert_eq!(changes.files().len(), 3);
    assert_eq!(
        changes.edits()[0].found.map(|m| m.level),
        Some(MatchLevel::Exact)
    );
    let diff = changes.diff();
    assert!(diff.contains("-    1\n+    10\n"), "{diff}");
    assert!(diff.contains("+++ b/src/new/deep/d.rs"), "{diff}");

    write(&repo.root, TaskId::new(), &changes).unwrap();
    assert_eq!(
        repo.read("src/a.rs"),
        "fn a() -> u32 {\n    10\n}\n\nfn a2() {}\n"
    );
    assert_eq!(repo.read("src/new/deep/d.rs"), "fn d() {}\n");
    assert!(!repo.exists("old.txt"));
    assert!(journal_entries(&repo).is_empty());
    // distiq's state never shows up as untracked, and no temp file is left.
    let status = repo.git(&["status", "--porcelain", "--untracked-files=all"]);
    let mut lines: Vec<&str> = status.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        vec![" D old.txt", " M src/a.rs", "?? src/new/deep/d.rs"]
    );
    let exclude = std::fs::read_to_string(repo.path(".git/info/exclude")).unwrap();
    assert!(exclude.lines().any(|l| l == "/.distiq/"), "{exclude}");
}

#[cfg(unix)]
#[test]
fn permissions_survive_a_rewrite() {
    use std::os::unix::fs::PermissionsExt as _;

    let repo = TestRepo::new();
    repo.write("run.sh", "#!/bin/sh\necho one\n");
    std::fs::set_permissions(repo.path("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    repo.commit_all("init");
    let edits = vec![replace("run.sh", "echo one\n", "echo two\n")];
    apply_task(&repo.root, TaskId::new(), &edits, &ApplyOptions::default()).unwrap();
    let mode = std::fs::metadata(repo.path("run.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(repo.read("run.sh"), "#!/bin/sh\necho two\n");
}

#[cfg(unix)]
#[test]
fn an_edit_through_an_in_repo_symlink_changes_the_target_and_keeps_the_link() {
    use std::os::unix::fs::symlink;

    let repo = TestRepo::with(&[("real.txt", "old\n")]);
    symlink("real.txt", repo.path("link.txt")).unwrap();
    let edits = vec![replace("link.txt", "old\n", "new\n")];
    apply_task(&repo.root, TaskId::new(), &edits, &ApplyOptions::default()).unwrap();
    assert_eq!(repo.read("real.txt"), "new\n");
    assert!(
        std::fs::symlink_metadata(repo.path("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_file_changed_between_prepare_and_write_is_not_overwritten() {
    let repo = five_files();
    let edits = vec![
        replace("src/a.rs", "    1\n", "    10\n"),
        replace("src/b.rs", "    2\n", "    20\n"),
    ];
    let changes = prepare(&repo.root, &edits, &MatchOptions::default()).unwrap();
    repo.write("src/b.rs", "fn b() -> u32 {\n    2 + 0\n}\n");
    let before = repo.snapshot();
    let err = write(&repo.root, TaskId::new(), &changes).unwrap_err();
    assert!(
        err.to_string()
            .contains("src/b.rs changed since the edits were computed"),
        "{err}"
    );
    assert_eq!(without_distiq(repo.snapshot()), without_distiq(before));
    assert!(journal_entries(&repo).is_empty());

    // A file to be created that someone else made meanwhile is not replaced.
    let edits = vec![Edit::Create {
        path: "src/new.rs".into(),
        content: "fn new() {}\n".into(),
    }];
    let changes = prepare(&repo.root, &edits, &MatchOptions::default()).unwrap();
    repo.write("src/new.rs", "the user's own new file\n");
    let err = write(&repo.root, TaskId::new(), &changes).unwrap_err();
    assert!(
        err.to_string().contains("src/new.rs appeared since"),
        "{err}"
    );
    assert_eq!(repo.read("src/new.rs"), "the user's own new file\n");
}

#[test]
fn edits_to_one_file_apply_in_order_against_the_result_of_the_previous() {
    let repo = TestRepo::with(&[("f.txt", "one\ntwo\nthree\n")]);
    let edits = vec![
        replace("f.txt", "two\n", "2\n"),
        replace("f.txt", "one\n2\n", "1\n2\n"),
    ];
    let changes = prepare(&repo.root, &edits, &MatchOptions::default()).unwrap();
    assert_eq!(changes.files()[0].after.as_deref(), Some("1\n2\nthree\n"));
}

#[test]
fn a_crlf_file_keeps_its_line_endings_on_disk() {
    let repo = TestRepo::with(&[("win.txt", "alpha\r\nbeta\r\ngamma\r\n")]);
    let edits = vec![replace("win.txt", "beta\n", "beta\nbeta2\n")];
    apply_task(&repo.root, TaskId::new(), &edits, &ApplyOptions::default()).unwrap();
    assert_eq!(
        std::fs::read(repo.path("win.txt")).unwrap(),
        b"alpha\r\nbeta\r\nbeta2\r\ngamma\r\n"
    );
}
