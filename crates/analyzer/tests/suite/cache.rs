//! The tags cache: warm runs reuse it, changes invalidate by content, and a
//! corrupt cache is discarded with a warning, never a crash.

use distiq_analyzer::{IndexOptions, RepoIndex};

fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("src")).unwrap();
    std::fs::write(tmp.path().join("src/a.rs"), "pub fn alpha() {}\n").unwrap();
    std::fs::write(tmp.path().join("src/b.py"), "def beta():\n    return 1\n").unwrap();
    tmp
}

fn build(root: &std::path::Path) -> RepoIndex {
    RepoIndex::build(root, &IndexOptions::default()).unwrap()
}

fn cache_file(root: &std::path::Path) -> std::path::PathBuf {
    root.join(".distiq/cache/tags.bin")
}

#[test]
fn a_warm_run_parses_only_what_changed() {
    let tmp = repo();
    let cold = build(tmp.path());
    assert_eq!((cold.stats().parsed, cold.stats().cache_hits), (2, 0));
    assert!(cache_file(tmp.path()).is_file());
    // The cache dir keeps itself out of git.
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".distiq/cache/.gitignore")).unwrap(),
        "*\n"
    );

    let warm = build(tmp.path());
    assert_eq!((warm.stats().parsed, warm.stats().cache_hits), (0, 2));
    assert_eq!(warm.files()[0].tags, cold.files()[0].tags);

    std::fs::write(
        tmp.path().join("src/a.rs"),
        "pub fn alpha() {}\npub fn gamma() {}\n",
    )
    .unwrap();
    let changed = build(tmp.path());
    assert_eq!((changed.stats().parsed, changed.stats().cache_hits), (1, 1));
    let a = changed
        .files()
        .iter()
        .find(|f| f.path == "src/a.rs")
        .unwrap();
    assert!(a.tags.defs.iter().any(|d| d.name == "gamma"));
}

#[test]
fn a_corrupt_cache_is_discarded_with_a_warning_and_rebuilt() {
    let tmp = repo();
    build(tmp.path());
    let path = cache_file(tmp.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let keep = bytes.len() / 2;
    bytes.truncate(keep);
    bytes.extend_from_slice(&[0xff; 64]);
    std::fs::write(&path, &bytes).unwrap();

    let index = build(tmp.path());
    let warning = index.stats().cache_warning.clone().expect("a warning");
    assert!(warning.contains("corrupt"), "{warning}");
    assert_eq!(index.stats().parsed, 2);
    // Rewritten whole: the next run is warm again.
    let again = build(tmp.path());
    assert_eq!(again.stats().cache_hits, 2);
    assert!(again.stats().cache_warning.is_none());
}

#[test]
fn garbage_in_place_of_the_cache_is_not_a_crash() {
    let tmp = repo();
    std::fs::create_dir_all(tmp.path().join(".distiq/cache")).unwrap();
    std::fs::write(cache_file(tmp.path()), b"not a cache at all").unwrap();
    let index = build(tmp.path());
    assert!(index.stats().cache_warning.is_some());
    assert_eq!(index.files().len(), 2);
}

#[test]
fn an_unwritable_cache_location_only_costs_speed() {
    let tmp = repo();
    // A file where the cache directory should be.
    std::fs::write(tmp.path().join(".distiq"), "in the way").unwrap();
    let index = build(tmp.path());
    assert_eq!(index.files().len(), 2);
}
