//! Bad input: each handled without a panic and without stalling.

use std::time::{Duration, Instant};

use distiq_analyzer::{
    CacheLocation, ContextOptions, IndexOptions, RankOptions, RepoIndex, build_context,
};

fn build(root: &std::path::Path) -> RepoIndex {
    let started = Instant::now();
    let index = RepoIndex::build(root, &IndexOptions::default()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "indexing stalled: {:?}",
        started.elapsed()
    );
    index
}

fn paths(index: &RepoIndex) -> Vec<&str> {
    index.files().iter().map(|f| f.path.as_str()).collect()
}

fn write(root: &std::path::Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn an_empty_repo_gives_an_empty_map() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path());
    assert!(index.files().is_empty());
    let ctx = build_context(
        &index,
        Some("anything at all"),
        &ContextOptions::default(),
        &RankOptions::default(),
    );
    assert!(ctx.ranking.files.is_empty() && ctx.chunks.is_empty());
}

#[test]
fn binary_files_are_left_out_even_with_a_source_extension() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "lib.rs", "pub fn ok() {}\n");
    write(tmp.path(), "blob.rs", b"fn x() {}\x00\x01\x02 binary");
    write(
        tmp.path(),
        "image.png",
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13],
    );
    let index = build(tmp.path());
    assert_eq!(paths(&index), ["lib.rs"]);
    assert_eq!(index.stats().binary, 2);
}

#[test]
fn non_utf8_source_is_decoded_lossily_and_still_tagged() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "latin1.py",
        b"# caf\xe9\ndef caf\xe9_menu():\n    pass\n\ndef order():\n    pass\n",
    );
    let index = build(tmp.path());
    let file = &index.files()[0];
    assert_eq!(index.stats().lossy_utf8, ["latin1.py"]);
    assert!(
        file.tags.defs.iter().any(|d| d.name == "order"),
        "{:?}",
        file.tags.defs
    );
}

#[test]
fn syntax_errors_still_give_what_parses() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "broken.go",
        "package x\nfunc Good() {}\nfunc Bad( {\n\nfunc AlsoGood() int { return 1 }\n",
    );
    let index = build(tmp.path());
    let names: Vec<&str> = index.files()[0]
        .tags
        .defs
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert!(names.contains(&"Good"), "{names:?}");
    assert_eq!(index.stats().with_syntax_errors, 1);
}

#[test]
fn a_50_mb_generated_file_is_skipped_without_being_read() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.rs", "pub fn small() {}\n");
    let big = tmp.path().join("generated.rs");
    let f = std::fs::File::create(&big).unwrap();
    // Sparse: 50 MB on paper, nothing on disk; reading it would still cost.
    f.set_len(50 * 1024 * 1024).unwrap();
    let started = Instant::now();
    let index = build(tmp.path());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(paths(&index), ["small.rs"]);
    assert_eq!(index.stats().too_large, ["generated.rs"]);
}

#[test]
fn a_minified_file_is_listed_but_not_parsed() {
    let tmp = tempfile::tempdir().unwrap();
    let line: String = (0..2000)
        .map(|i| format!("function f{i}(a){{return a+{i}}};"))
        .collect();
    write(tmp.path(), "bundle.js", line);
    let index = build(tmp.path());
    assert_eq!(index.stats().minified, ["bundle.js"]);
    assert!(index.files()[0].tags.defs.is_empty());
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_repo_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.rs",
        "pub fn outside_the_repo() {}\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "src/lib.rs", "pub fn inside() {}\n");
    std::os::unix::fs::symlink(tmp.path(), tmp.path().join("src/loop")).unwrap();
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("escape")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.rs"),
        tmp.path().join("secret.rs"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/nonexistent/dangling", tmp.path().join("dangling.rs")).unwrap();
    let index = build(tmp.path());
    assert_eq!(paths(&index), ["src/lib.rs"]);
    assert_eq!(index.stats().symlinks, 4);
}

#[test]
fn gitignore_and_distiqignore_are_honoured_without_a_git_checkout() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), ".gitignore", "target/\n*.gen.rs\n");
    write(tmp.path(), ".distiqignore", "vendor/\n");
    write(tmp.path(), "src/main.rs", "fn main() {}\n");
    write(tmp.path(), "src/schema.gen.rs", "fn generated() {}\n");
    write(tmp.path(), "target/debug/build.rs", "fn built() {}\n");
    write(tmp.path(), "vendor/dep/lib.rs", "fn vendored() {}\n");
    write(tmp.path(), ".hidden/x.rs", "fn hidden() {}\n");
    let index = build(tmp.path());
    assert_eq!(paths(&index), ["src/main.rs"]);
}

#[test]
fn a_missing_root_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let err = RepoIndex::build(
        &tmp.path().join("nope"),
        &IndexOptions {
            cache: CacheLocation::Off,
            ..IndexOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}
