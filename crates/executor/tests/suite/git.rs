//! The git side: dirty guard, commits of exactly the touched paths, undo.

use distiq_core::TaskId;
use distiq_executor::{
    ApplyOptions, Edit, Error, RepoPath, TASK_TRAILER, apply_task, check_clean, commit,
    dirty_paths, undo,
};

use super::support::TestRepo;

fn replace(path: &str, search: &str, replace: &str) -> Edit {
    Edit::Replace {
        path: path.into(),
        search: search.into(),
        replace: replace.into(),
    }
}

fn committing(message: &str) -> ApplyOptions {
    ApplyOptions {
        commit_message: Some(message.into()),
        ..ApplyOptions::default()
    }
}

fn paths(repo: &TestRepo, ps: &[&str]) -> Vec<RepoPath> {
    ps.iter()
        .map(|p| RepoPath::new(&repo.root, p).unwrap())
        .collect()
}

#[test]
fn dirty_paths_lists_modified_staged_and_untracked_but_not_ignored() {
    let repo = TestRepo::with(&[
        ("a.txt", "a\n"),
        ("b.txt", "b\n"),
        (".gitignore", "target/\n"),
    ]);
    repo.write("a.txt", "a2\n");
    repo.write("b.txt", "b2\n");
    repo.stage("b.txt");
    repo.write("new/c.txt", "c\n");
    repo.write("target/out.o", "binary\n");
    assert_eq!(
        dirty_paths(&repo.root).unwrap(),
        vec!["a.txt", "b.txt", "new/c.txt"]
    );
}

#[test]
fn dirty_targets_are_refused_unless_allowed() {
    let repo = TestRepo::with(&[("a.txt", "one\n"), ("b.txt", "two\n")]);
    repo.write("a.txt", "one\nmine\n");
    let edits = vec![
        replace("a.txt", "one\n", "ONE\n"),
        replace("b.txt", "two\n", "TWO\n"),
    ];
    let err = apply_task(&repo.root, TaskId::new(), &edits, &committing("x")).unwrap_err();
    assert!(
        matches!(&err, Error::Dirty { paths } if paths == &["a.txt"]),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("uncommitted changes in a.txt"), "{msg}");
    assert!(msg.contains("--allow-dirty"), "{msg}");
    assert_eq!(repo.read("a.txt"), "one\nmine\n");
    assert_eq!(repo.read("b.txt"), "two\n");

    // A clean file elsewhere does not matter.
    assert!(
        check_clean(&repo.root, &paths(&repo, &["b.txt"]), false)
            .unwrap()
            .is_empty()
    );

    let options = ApplyOptions {
        allow_dirty: true,
        ..committing("x")
    };
    let applied = apply_task(&repo.root, TaskId::new(), &edits, &options).unwrap();
    assert_eq!(applied.allowed_dirty, vec!["a.txt"]);
    assert_eq!(repo.read("a.txt"), "ONE\nmine\n");
}

#[test]
fn a_commit_holds_exactly_the_touched_paths_and_leaves_other_work_alone() {
    let repo = TestRepo::with(&[
        ("src/a.rs", "fn a() {}\n"),
        ("src/b.rs", "fn b() {}\n"),
        ("staged.txt", "s\n"),
        ("unstaged.txt", "u\n"),
        ("old.txt", "o\n"),
    ]);
    // The user's own uncommitted work, staged, unstaged and untracked.
    repo.write("staged.txt", "s, staged by the user\n");
    repo.stage("staged.txt");
    repo.write("unstaged.txt", "u, unstaged\n");
    repo.write("scratch.txt", "untracked\n");
    let status_before = repo.git(&["status", "--porcelain"]);

    let task = TaskId::new();
    let edits = vec![
        replace("src/a.rs", "fn a() {}\n", "fn a() -> u8 { 1 }\n"),
        Edit::Create {
            path: "src/c.rs".into(),
            content: "fn c() {}\n".into(),
        },
        Edit::Delete {
            path: "old.txt".into(),
        },
    ];
    let applied = apply_task(&repo.root, task, &edits, &committing("Make a return 1")).unwrap();
    let info = applied.commit.unwrap();
    assert!(!info.fallback_signature);
    assert_eq!(info.summary, "Make a return 1");

    let files = repo.git(&["show", "--name-status", "--format=", "HEAD"]);
    let mut files: Vec<&str> = files.lines().collect();
    files.sort_unstable();
    assert_eq!(files, vec!["A\tsrc/c.rs", "D\told.txt", "M\tsrc/a.rs"]);
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(message.starts_with("Make a return 1\n\n"), "{message}");
    assert!(
        message.contains(&format!("{TASK_TRAILER}: {task}")),
        "{message}"
    );
    let trailer = repo.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Distiq-Task,valueonly)",
    ]);
    assert_eq!(trailer.trim(), task.to_string());
    assert_eq!(info.id, repo.git(&["rev-parse", "HEAD"]).trim());
    let branch = repo.git(&["rev-parse", "--abbrev-ref", "HEAD"]);
    assert_ne!(branch.trim(), "HEAD");

    // The user's work is exactly as it was: same status lines, same index.
    assert_eq!(repo.git(&["status", "--porcelain"]), status_before);
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "staged.txt\n"
    );
    assert_eq!(
        repo.git(&["show", ":staged.txt"]),
        "s, staged by the user\n"
    );
    assert_eq!(repo.read("unstaged.txt"), "u, unstaged\n");
    assert_eq!(repo.read("scratch.txt"), "untracked\n");
}

#[test]
fn no_commit_leaves_the_changes_in_the_work_tree() {
    let repo = TestRepo::with(&[("a.txt", "a\n")]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let applied = apply_task(
        &repo.root,
        TaskId::new(),
        &[replace("a.txt", "a\n", "b\n")],
        &ApplyOptions::default(),
    )
    .unwrap();
    assert!(applied.commit.is_none());
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.git(&["status", "--porcelain"]), " M a.txt\n");
}

#[test]
fn the_first_commit_of_an_empty_repository_works() {
    let repo = TestRepo::new();
    let edits = vec![Edit::Create {
        path: "hello.txt".into(),
        content: "hi\n".into(),
    }];
    let applied = apply_task(&repo.root, TaskId::new(), &edits, &committing("Say hi")).unwrap();
    assert!(applied.commit.is_some());
    assert_eq!(repo.git(&["ls-files"]), "hello.txt\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    // distiq will not undo a repository's first commit.
    let err = undo(&repo.root).unwrap_err().to_string();
    assert!(err.contains("first commit"), "{err}");
}

#[test]
fn a_detached_head_is_refused_before_committing() {
    let repo = TestRepo::with(&[("a.txt", "a\n")]);
    repo.git(&["checkout", "--quiet", "--detach", "HEAD"]);
    repo.write("a.txt", "b\n");
    let err = commit(&repo.root, &paths(&repo, &["a.txt"]), "x", TaskId::new()).unwrap_err();
    assert!(matches!(err, Error::DetachedHead { .. }));
    assert!(err.to_string().contains("check out a branch"), "{err}");
}

#[test]
fn undo_reverts_distiqs_last_commit_only() {
    let repo = TestRepo::with(&[("a.txt", "a\n"), ("gone.txt", "g\n")]);
    let user_head = repo.git(&["rev-parse", "HEAD"]);

    // A user commit on top is not distiq's.
    let err = undo(&repo.root).unwrap_err();
    assert!(matches!(err, Error::Undo { .. }));
    assert!(err.to_string().contains("is not a distiq commit"), "{err}");

    let task = TaskId::new();
    let edits = vec![
        replace("a.txt", "a\n", "A\n"),
        Edit::Create {
            path: "new.txt".into(),
            content: "n\n".into(),
        },
        Edit::Delete {
            path: "gone.txt".into(),
        },
    ];
    apply_task(&repo.root, task, &edits, &committing("Shout")).unwrap();
    repo.write("scratch.txt", "untracked elsewhere is fine\n");

    let undone = undo(&repo.root).unwrap();
    assert_eq!(undone.summary, "Shout");
    assert_eq!(undone.task, task.to_string());
    assert_eq!(undone.paths, vec!["a.txt", "gone.txt", "new.txt"]);
    assert_eq!(undone.head, user_head.trim());
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), user_head);
    assert_eq!(repo.read("a.txt"), "a\n");
    assert_eq!(repo.read("gone.txt"), "g\n");
    assert!(!repo.exists("new.txt"));
    assert_eq!(repo.read("scratch.txt"), "untracked elsewhere is fine\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), "?? scratch.txt\n");

    // Now HEAD is the user's again.
    assert!(
        undo(&repo.root)
            .unwrap_err()
            .to_string()
            .contains("not a distiq commit")
    );
}

#[test]
fn undo_refuses_a_dirty_tree() {
    let repo = TestRepo::with(&[("a.txt", "a\n"), ("b.txt", "b\n")]);
    apply_task(
        &repo.root,
        TaskId::new(),
        &[replace("a.txt", "a\n", "A\n")],
        &committing("x"),
    )
    .unwrap();
    let head = repo.git(&["rev-parse", "HEAD"]);

    repo.write("b.txt", "b, edited by the user\n");
    let err = undo(&repo.root).unwrap_err().to_string();
    assert!(err.contains("uncommitted changes (b.txt)"), "{err}");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.read("b.txt"), "b, edited by the user\n");

    // An untracked file where the commit's file would go back blocks too.
    let repo = TestRepo::with(&[("a.txt", "a\n")]);
    apply_task(
        &repo.root,
        TaskId::new(),
        &[Edit::Delete {
            path: "a.txt".into(),
        }],
        &committing("rm"),
    )
    .unwrap();
    repo.write("a.txt", "mine now\n");
    let err = undo(&repo.root).unwrap_err().to_string();
    assert!(err.contains("uncommitted changes (a.txt)"), "{err}");
    assert_eq!(repo.read("a.txt"), "mine now\n");
}

#[cfg(unix)]
#[test]
fn an_executable_file_is_committed_executable() {
    use std::os::unix::fs::PermissionsExt as _;

    let repo = TestRepo::new();
    repo.write("run.sh", "#!/bin/sh\n");
    std::fs::set_permissions(repo.path("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    repo.commit_all("init");
    apply_task(
        &repo.root,
        TaskId::new(),
        &[replace("run.sh", "#!/bin/sh\n", "#!/bin/sh\necho hi\n")],
        &committing("echo"),
    )
    .unwrap();
    let tree = repo.git(&["ls-tree", "HEAD", "run.sh"]);
    assert!(tree.starts_with("100755 "), "{tree}");
}
