//! `distiq undo`: reverts distiq's last commit only, after recovering an
//! interrupted write.

use std::path::Path;
use std::process::Command;

use distiq_core::TaskId;
use distiq_executor::{ApplyOptions, Edit, apply_task};

use crate::util::World;

fn git(world: &World, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test User",
            "-c",
            "user.email=test@example.org",
        ])
        .args(args)
        .current_dir(&world.repo)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A repository with one user commit of `a.txt`.
fn repo() -> World {
    let world = World::new();
    git(&world, &["init", "-q", "-b", "main"]);
    world.write("a.txt", "a\n");
    git(&world, &["add", "-A"]);
    git(&world, &["commit", "-q", "-m", "user commit"]);
    world
}

fn distiq_commit(root: &Path, message: &str, edits: &[Edit]) {
    let options = ApplyOptions {
        commit_message: Some(message.into()),
        ..ApplyOptions::default()
    };
    apply_task(root, TaskId::new(), edits, &options).expect("apply");
}

fn shout() -> Vec<Edit> {
    vec![
        Edit::Replace {
            path: "a.txt".into(),
            search: "a\n".into(),
            replace: "A\n".into(),
        },
        Edit::Create {
            path: "src/new.txt".into(),
            content: "new\n".into(),
        },
    ]
}

#[test]
fn undo_reverts_distiqs_last_commit_and_says_what_it_reverted() {
    let world = repo();
    let user_head = git(&world, &["rev-parse", "HEAD"]);
    distiq_commit(&world.repo, "Shout the letter", &shout());

    let out = world.ok(&mut world.cmd(&["undo"]));
    assert!(out.contains("reverted "), "{out}");
    assert!(out.contains("Shout the letter"), "{out}");
    assert!(out.contains("  a.txt\n"), "{out}");
    assert!(out.contains("  src/new.txt\n"), "{out}");
    assert!(
        out.contains(&format!("HEAD is now {}", &user_head[..12])),
        "{out}"
    );
    assert_eq!(git(&world, &["rev-parse", "HEAD"]), user_head);
    assert_eq!(
        std::fs::read_to_string(world.repo.join("a.txt")).unwrap(),
        "a\n"
    );
    assert!(!world.repo.join("src/new.txt").exists());
    assert_eq!(git(&world, &["status", "--porcelain"]), "");
}

#[test]
fn undo_refuses_a_head_that_is_not_distiqs() {
    let world = repo();
    let head = git(&world, &["rev-parse", "HEAD"]);
    let (code, err) = world.fails(&mut world.cmd(&["undo"]));
    assert_eq!(code, 1);
    assert!(err.contains("nothing undone"), "{err}");
    assert!(
        err.contains("\"user commit\") is not a distiq commit"),
        "{err}"
    );
    assert_eq!(git(&world, &["rev-parse", "HEAD"]), head);
}

#[test]
fn undo_refuses_a_dirty_tree() {
    let world = repo();
    distiq_commit(&world.repo, "Shout the letter", &shout());
    let head = git(&world, &["rev-parse", "HEAD"]);
    world.write("a.txt", "A\nmy own edit\n");
    let (code, err) = world.fails(&mut world.cmd(&["undo"]));
    assert_eq!(code, 1);
    assert!(err.contains("uncommitted changes (a.txt)"), "{err}");
    assert_eq!(git(&world, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        std::fs::read_to_string(world.repo.join("a.txt")).unwrap(),
        "A\nmy own edit\n"
    );
}

#[test]
fn undo_outside_a_repository_says_so() {
    let world = World::new();
    let (code, err) = world.fails(&mut world.cmd(&["undo"]));
    assert_eq!(code, 1);
    assert!(err.contains("is not a git repository"), "{err}");
}

const CHILD_REPO: &str = "DISTIQ_UNDO_CRASH_CHILD_REPO";

/// Writes a second task and is killed half-way by the debug-build hook.
#[test]
#[ignore = "the child process of the crash test below"]
fn undo_crash_child() {
    let Some(root) = std::env::var_os(CHILD_REPO) else {
        return;
    };
    let edits = vec![
        Edit::Replace {
            path: "a.txt".into(),
            search: "A\n".into(),
            replace: "AA\n".into(),
        },
        Edit::Create {
            path: "b.txt".into(),
            content: "b\n".into(),
        },
    ];
    apply_task(
        Path::new(&root),
        TaskId::new(),
        &edits,
        &ApplyOptions::default(),
    )
    .unwrap();
}

#[test]
fn undo_first_rolls_back_a_write_a_crash_interrupted() {
    if !cfg!(debug_assertions) {
        return; // the crash hook exists in debug builds only
    }
    let world = repo();
    let user_head = git(&world, &["rev-parse", "HEAD"]);
    distiq_commit(&world.repo, "Shout the letter", &shout());

    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "suite::undo::undo_crash_child",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_REPO, &world.repo)
        .env("DISTIQ_TEST_CRASH_AFTER_RENAMES", "1")
        .output()
        .unwrap()
        .status;
    assert!(!status.success(), "the child should have crashed");
    // Half-applied: a.txt rewritten, b.txt not yet there.
    assert_eq!(
        std::fs::read_to_string(world.repo.join("a.txt")).unwrap(),
        "AA\n"
    );
    assert!(!world.repo.join("b.txt").exists());

    let out = world.ok(&mut world.cmd(&["undo"]));
    assert!(
        out.contains("recovered an interrupted write of task"),
        "{out}"
    );
    assert!(out.contains("rolled back (a.txt, b.txt)"), "{out}");
    assert!(out.contains("Shout the letter"), "{out}");
    assert_eq!(git(&world, &["rev-parse", "HEAD"]), user_head);
    assert_eq!(
        std::fs::read_to_string(world.repo.join("a.txt")).unwrap(),
        "a\n"
    );
    assert!(!world.repo.join("b.txt").exists());
    assert_eq!(
        git(&world, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}
