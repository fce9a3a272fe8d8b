//! What each target puts under review, read with git2 from real repos.

use distiq_review::{Status, Target, open_repo};

use super::util::Repo;

fn collect(repo: &Repo, target: &Target) -> Vec<(String, Status, Vec<u32>)> {
    let git = open_repo(repo.path()).unwrap();
    distiq_review_files(&git, target)
        .into_iter()
        .map(|f| {
            let added = f.added().map(|(n, _)| n).collect();
            (f.path, f.status, added)
        })
        .collect()
}

fn distiq_review_files(git: &git2::Repository, target: &Target) -> Vec<distiq_review::ChangedFile> {
    distiq_review::collect_changes(git, target, 3, 1 << 20).unwrap()
}

#[test]
fn staged_sees_the_index_only_and_worktree_sees_everything() {
    let repo = Repo::new();
    repo.write("a.txt", "1\n2\n3\n");
    repo.commit_all("first");
    repo.write("a.txt", "1\ntwo\n3\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "1\ntwo\n3\nfour\n");
    repo.write("new/u.txt", "untracked\n");

    let staged = collect(&repo, &Target::Staged { index_file: None });
    assert_eq!(staged, [("a.txt".to_owned(), Status::Modified, vec![2])]);

    let all = collect(&repo, &Target::Worktree);
    assert_eq!(
        all,
        [
            ("a.txt".to_owned(), Status::Modified, vec![2, 4]),
            ("new/u.txt".to_owned(), Status::Added, vec![1]),
        ]
    );
}

#[test]
fn a_first_commit_and_another_index_file_are_read() {
    let repo = Repo::new();
    repo.write("a.rs", "fn a() {}\n");
    repo.git(&["add", "a.rs"]);
    let staged = collect(&repo, &Target::Staged { index_file: None });
    assert_eq!(staged, [("a.rs".to_owned(), Status::Added, vec![1])]);

    // What `git commit -a` does: a temporary index, named in GIT_INDEX_FILE.
    let other = repo.root.join(".git/other-index");
    std::fs::copy(repo.root.join(".git/index"), &other).unwrap();
    repo.git(&["rm", "-q", "--cached", "a.rs"]);
    assert_eq!(collect(&repo, &Target::Staged { index_file: None }), []);
    let from_other = collect(
        &repo,
        &Target::Staged {
            index_file: Some(other),
        },
    );
    assert_eq!(from_other.len(), 1);
}

#[test]
fn a_range_is_the_diff_between_its_ends_and_renames_are_renames() {
    let repo = Repo::new();
    repo.write("a.txt", "one\ntwo\nthree\nfour\nfive\n");
    repo.commit_all("first");
    repo.git(&["tag", "start"]);
    repo.git(&["mv", "a.txt", "b.txt"]);
    repo.write("b.txt", "one\ntwo\nthree\nfour\nfive\nsix\n");
    repo.commit_all("rename and grow");
    repo.write("c.txt", "c\n");
    repo.git(&["rm", "-q", "b.txt"]);
    repo.commit_all("drop b, add c");

    let one = collect(&repo, &Target::Range("start..HEAD~1".into()));
    assert_eq!(one, [("b.txt".to_owned(), Status::Renamed, vec![6])]);
    let both = collect(&repo, &Target::Range("start..HEAD".into()));
    assert_eq!(
        both,
        [("c.txt".to_owned(), Status::Added, vec![1])],
        "deleted files are not reviewed"
    );

    let git = open_repo(repo.path()).unwrap();
    let err = distiq_review::collect_changes(&git, &Target::Range("HEAD".into()), 3, 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(err.contains("A..B"), "{err}");
    let err = distiq_review::collect_changes(&git, &Target::Range("nope..HEAD".into()), 3, 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--range nope..HEAD"), "{err}");
}

#[test]
fn paths_are_reviewed_whole_and_directories_expand_to_tracked_files() {
    let repo = Repo::new();
    repo.write("src/a.rs", "fn a() {}\nfn b() {}\n");
    repo.write("src/b.rs", "fn c() {}\n");
    repo.write("README.md", "hi\n");
    repo.commit_all("first");
    repo.write("src/untracked.rs", "x\n");
    let files = collect(
        &repo,
        &Target::Paths(vec![repo.root.join("src"), repo.root.join("README.md")]),
    );
    assert_eq!(
        files,
        [
            ("README.md".to_owned(), Status::Whole, vec![1]),
            ("src/a.rs".to_owned(), Status::Whole, vec![1, 2]),
            ("src/b.rs".to_owned(), Status::Whole, vec![1]),
        ]
    );
    let git = open_repo(repo.path()).unwrap();
    let outside = repo.tmp.path().to_path_buf();
    let err = distiq_review::collect_changes(&git, &Target::Paths(vec![outside]), 3, 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(err.contains("outside the repository"), "{err}");
}

#[test]
fn binary_and_oversized_files_are_not_loaded() {
    let repo = Repo::new();
    std::fs::write(repo.root.join("img.bin"), [0u8, 1, 2, 0, 5]).unwrap();
    repo.write("big.txt", &"x".repeat(5000));
    repo.git(&["add", "-A"]);
    let git = open_repo(repo.path()).unwrap();
    let files = distiq_review::collect_changes(&git, &Target::Staged { index_file: None }, 3, 1000)
        .unwrap();
    let big = files.iter().find(|f| f.path == "big.txt").unwrap();
    assert!(big.new.is_none() && big.size == 5000);
    let bin = files.iter().find(|f| f.path == "img.bin").unwrap();
    assert!(bin.binary && bin.hunks.is_empty());
}
