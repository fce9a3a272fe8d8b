//! Context within a budget: fitted, deterministic, stable prefix first.

use distiq_analyzer::{
    CacheLocation, ContextOptions, IndexOptions, RankOptions, RepoIndex, build_context,
};

use super::fixtures::crate_repo;

fn serde_json() -> (tempfile::TempDir, RepoIndex) {
    let repo = crate_repo("serde_json", "1");
    let index = RepoIndex::build(
        repo.path(),
        &IndexOptions {
            cache: CacheLocation::Off,
            ..IndexOptions::default()
        },
    )
    .unwrap();
    (repo, index)
}

#[test]
fn the_context_fits_its_budget_and_holds_the_right_code() {
    let (_repo, index) = serde_json();
    for budget in [1000, 4000, 12000] {
        let opts = ContextOptions {
            budget,
            ..ContextOptions::default()
        };
        let ctx = build_context(
            &index,
            Some("change how numbers with exponents are parsed"),
            &opts,
            &RankOptions::default(),
        );
        assert!(ctx.tokens() <= budget, "{} > {budget}", ctx.tokens());
        assert!(!ctx.chunks.is_empty(), "budget {budget}: no chunk");
        if budget >= 4000 {
            let names: Vec<&str> = ctx.chunks.iter().map(|c| c.name.as_str()).collect();
            assert!(names.contains(&"parse_exponent"), "{names:?}");
        }
        for c in &ctx.chunks {
            assert!(!c.why.is_empty(), "{} has no reason", c.name);
        }
    }
}

#[test]
fn the_same_repo_and_task_give_the_same_context() {
    let (_repo, index) = serde_json();
    let opts = ContextOptions::default();
    let a = build_context(
        &index,
        Some("make PrettyFormatter indent with tabs"),
        &opts,
        &RankOptions::default(),
    );
    let b = build_context(
        &index,
        Some("make PrettyFormatter indent with tabs"),
        &opts,
        &RankOptions::default(),
    );
    assert_eq!(a.render(), b.render());
}

#[test]
fn the_map_is_a_stable_prefix_shared_by_every_task() {
    let (_repo, index) = serde_json();
    let opts = ContextOptions::default();
    let a = build_context(
        &index,
        Some("make PrettyFormatter indent with tabs"),
        &opts,
        &RankOptions::default(),
    )
    .render();
    let b = build_context(
        &index,
        Some("where is RawValue defined"),
        &opts,
        &RankOptions::default(),
    )
    .render();
    let map_end = a.find("# Files ranked for this task").unwrap();
    assert!(map_end > 100);
    assert_eq!(a[..map_end], b[..map_end], "the map differs between tasks");
    assert!(a.starts_with("# Repository map\n"));
}

#[test]
fn without_a_task_the_whole_budget_is_map() {
    let (_repo, index) = serde_json();
    let opts = ContextOptions {
        budget: 2000,
        ..ContextOptions::default()
    };
    let ctx = build_context(&index, None, &opts, &RankOptions::default());
    assert!(ctx.chunks.is_empty());
    let tokens = ctx.tokens();
    assert!(tokens <= 2000 && tokens > 1500, "{tokens}");
    assert!(
        ctx.map.contains("src/de.rs:") || ctx.map.contains("src/ser.rs:"),
        "{}",
        ctx.map
    );
}
