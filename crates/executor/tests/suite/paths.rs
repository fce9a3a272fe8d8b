//! Path confinement: nothing outside the repository, nothing in `.git/`.

use distiq_executor::{Edit, Error, MatchOptions, PathRejection, RepoPath, prepare};

use super::support::TestRepo;

fn refused(repo: &TestRepo, path: &str) -> PathRejection {
    match RepoPath::new(&repo.root, path) {
        Err(Error::Path { path: p, reason }) => {
            assert_eq!(p, path);
            reason
        }
        other => panic!("{path}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn parent_dirs_absolute_paths_and_git_internals_are_refused() {
    let repo = TestRepo::with(&[("src/lib.rs", "x\n")]);
    assert_eq!(refused(&repo, "../x"), PathRejection::ParentDir);
    assert_eq!(refused(&repo, "src/../../x"), PathRejection::ParentDir);
    assert_eq!(refused(&repo, "/etc/passwd"), PathRejection::Absolute);
    assert_eq!(refused(&repo, ".git/config"), PathRejection::GitDir);
    assert_eq!(
        refused(&repo, "./.git/hooks/pre-commit"),
        PathRejection::GitDir
    );
    assert_eq!(
        refused(&repo, ".distiq/journal/t.json"),
        PathRejection::DistiqDir
    );
    assert_eq!(refused(&repo, ""), PathRejection::Empty);
    assert_eq!(refused(&repo, "src"), PathRejection::IsADirectory);
    assert!(matches!(
        refused(&repo, "src/lib.rs/x"),
        PathRejection::NotADirectory { .. }
    ));

    let err = RepoPath::new(&repo.root, "../x").unwrap_err().to_string();
    assert!(err.starts_with("../x: "), "{err}");
    assert!(err.contains("relative to its root"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinks_that_leave_the_repository_are_refused_at_any_component() {
    use std::os::unix::fs::symlink;

    let repo = TestRepo::with(&[("src/lib.rs", "x\n")]);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "s\n").unwrap();
    symlink(outside.path(), repo.path("escape")).unwrap();
    symlink(outside.path().join("secret"), repo.path("src/secret.rs")).unwrap();
    symlink("/etc/passwd", repo.path("passwd")).unwrap();
    symlink("../../nowhere", repo.path("dangling")).unwrap();
    symlink(".git", repo.path("gitlink")).unwrap();

    for path in ["escape/secret", "escape/new.rs", "src/secret.rs", "passwd"] {
        assert!(
            matches!(refused(&repo, path), PathRejection::SymlinkOutside { .. }),
            "{path}"
        );
    }
    assert!(matches!(
        refused(&repo, "dangling"),
        PathRejection::BrokenSymlink { .. }
    ));
    assert_eq!(refused(&repo, "gitlink/config"), PathRejection::GitDir);
    let msg = RepoPath::new(&repo.root, "escape/secret")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("symlink leads outside the repository"),
        "{msg}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_repository_resolve_to_their_target() {
    use std::os::unix::fs::symlink;

    let repo = TestRepo::with(&[("src/lib.rs", "x\n")]);
    symlink("src", repo.path("code")).unwrap();
    let p = RepoPath::new(&repo.root, "code/lib.rs").unwrap();
    assert_eq!(p.to_slash(), "src/lib.rs");
    assert_eq!(p.given(), "code/lib.rs");
    let p = RepoPath::new(&repo.root, "./code/new/mod.rs").unwrap();
    assert_eq!(p.to_slash(), "src/new/mod.rs");
}

#[cfg(unix)]
#[test]
fn edits_with_refused_paths_fail_and_write_nothing() {
    use std::os::unix::fs::symlink;

    let repo = TestRepo::with(&[("a.txt", "a\n")]);
    let outside = tempfile::tempdir().unwrap();
    symlink(outside.path(), repo.path("out")).unwrap();
    let edits = vec![
        Edit::Create {
            path: "../x".into(),
            content: "x".into(),
        },
        Edit::Create {
            path: "/etc/passwd".into(),
            content: "x".into(),
        },
        Edit::Replace {
            path: ".git/config".into(),
            search: "[core]".into(),
            replace: "".into(),
        },
        Edit::Create {
            path: "out/planted".into(),
            content: "x".into(),
        },
        Edit::Replace {
            path: "a.txt".into(),
            search: "a".into(),
            replace: "b".into(),
        },
    ];
    let Err(Error::Edits { failures }) = prepare(&repo.root, &edits, &MatchOptions::default())
    else {
        panic!("expected failures");
    };
    let failed: Vec<usize> = failures.iter().map(|f| f.index).collect();
    assert_eq!(failed, vec![0, 1, 2, 3]);
    assert!(
        failures[3]
            .to_string()
            .contains("edit 4 (create out/planted)"),
        "{}",
        failures[3]
    );
    assert!(!outside.path().join("planted").exists());
    assert_eq!(repo.read("a.txt"), "a\n");
}
