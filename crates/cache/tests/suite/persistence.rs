//! Restarts, repository changes, damage, eviction and tombstones.

use std::time::Duration;

use distiq_cache::{Cache, Clock, Dependency};

use super::common::{answer, embed, open, options, repo, store};

#[test]
fn entries_survive_a_restart_and_the_index_is_reloaded_not_rebuilt() {
    let repo = repo();
    {
        let cache = open(repo.path());
        store(&cache, "add a --json flag to the export command");
        store(&cache, "explain how the retry policy works");
    }
    let cache = open(repo.path());
    assert_eq!(cache.warnings(), [] as [String; 0]);
    let stats = cache.stats().unwrap();
    assert_eq!(
        (stats.entries, stats.index_points, stats.tombstones),
        (2, 2, 0)
    );
    let asked = "the export command should take a --json flag";
    let hit = cache.lookup(asked, &embed(asked)).unwrap();
    assert_eq!(
        hit.entry.map(|e| e.request).as_deref(),
        Some("add a --json flag to the export command")
    );
    // distiq's files never show in `git status`.
    let exclude = std::fs::read_to_string(repo.path().join(".git/info/exclude")).unwrap();
    assert_eq!(exclude.matches(".distiq/").count(), 1, "{exclude}");
}

#[test]
fn entries_written_after_the_last_dump_are_found_after_a_crash() {
    let repo = repo();
    let cache = open(repo.path());
    store(&cache, "add a --json flag to the export command");
    cache.flush().unwrap();
    store(&cache, "explain how the retry policy works");
    // A crash: the process dies without flushing the index again.
    std::mem::forget(cache);
    let cache = open(repo.path());
    assert_eq!(cache.stats().unwrap().index_points, 2);
    let asked = "how does the retry policy work?";
    assert!(cache.lookup(asked, &embed(asked)).unwrap().is_hit());
}

#[test]
fn a_changed_or_deleted_dependency_is_a_miss_and_the_entry_is_dropped() {
    let repo = repo();
    std::fs::create_dir_all(repo.path().join("src")).unwrap();
    std::fs::write(repo.path().join("src/lib.rs"), "pub fn a() {}\n").unwrap();
    std::fs::write(repo.path().join("src/cli.rs"), "fn parse_args() {}\n").unwrap();
    let cache = open(repo.path());
    let request = "add a --verbose flag to src/cli.rs";
    let deps = vec![
        Dependency::file(repo.path(), "src/lib.rs").unwrap(),
        Dependency::block("src/cli.rs", "fn parse_args() {}"),
    ];
    cache
        .insert(answer(request, deps), &embed(request))
        .unwrap();
    assert!(cache.lookup(request, &embed(request)).unwrap().is_hit());

    std::fs::write(repo.path().join("src/lib.rs"), "pub fn a() -> u8 { 2 }\n").unwrap();
    let miss = cache.lookup(request, &embed(request)).unwrap();
    assert!(!miss.is_hit());
    assert_eq!(miss.reason, "src/lib.rs changed");
    assert_eq!(cache.stats().unwrap().entries, 0);

    let deps = vec![Dependency::block("src/cli.rs", "fn parse_args() {}")];
    cache
        .insert(answer(request, deps), &embed(request))
        .unwrap();
    std::fs::remove_file(repo.path().join("src/cli.rs")).unwrap();
    let miss = cache.lookup(request, &embed(request)).unwrap();
    assert_eq!(miss.reason, "src/cli.rs was deleted");
    assert!(Dependency::file(repo.path(), "../outside.rs").is_err());
}

fn corrupt(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 3..n / 3 + 64.min(n / 2)] {
        *b ^= 0x5a;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn corrupt_index_files_are_rebuilt_with_a_warning() {
    for which in ["hnsw.graph", "hnsw.data"] {
        let repo = repo();
        {
            let cache = open(repo.path());
            store(&cache, "add a --json flag to the export command");
            store(&cache, "explain how the retry policy works");
        }
        let dir = repo.path().join(distiq_cache::CACHE_DIR);
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(which))
            .unwrap();
        corrupt(&file);
        let cache = open(repo.path());
        let warnings = cache.warnings().join("\n");
        assert!(
            warnings.contains("corrupt") && warnings.contains("rebuilt from 2 entries"),
            "{warnings}"
        );
        let asked = "how does the retry policy work?";
        assert!(cache.lookup(asked, &embed(asked)).unwrap().is_hit());
        drop(cache);
        // Rebuilt and dumped again: the next open is clean.
        assert_eq!(open(repo.path()).warnings(), [] as [String; 0]);
    }
}

#[test]
fn a_corrupt_database_is_moved_aside_and_a_fresh_cache_works() {
    let repo = repo();
    {
        let cache = open(repo.path());
        store(&cache, "add a --json flag to the export command");
    }
    let db = repo
        .path()
        .join(distiq_cache::CACHE_DIR)
        .join("cache.sqlite");
    std::fs::write(&db, vec![0x42; 8192]).unwrap();
    let cache = open(repo.path());
    let warnings = cache.warnings().join("\n");
    assert!(
        warnings.contains("damaged") && warnings.contains("moved to"),
        "{warnings}"
    );
    assert_eq!(cache.stats().unwrap().entries, 0);
    store(&cache, "explain how the retry policy works");
    let asked = "how does the retry policy work?";
    assert!(cache.lookup(asked, &embed(asked)).unwrap().is_hit());
}

#[test]
fn eviction_by_count_drops_the_least_recently_used() {
    let repo = repo();
    let mut opts = options();
    opts.max_entries = 3;
    let cache = Cache::open(repo.path(), opts).unwrap();
    let texts = [
        "rename foo_a to bar_a",
        "rename foo_b to bar_b",
        "rename foo_c to bar_c",
    ];
    for t in texts {
        store(&cache, t);
    }
    // Using the oldest makes the second-oldest the least recently used.
    assert!(cache.lookup(texts[0], &embed(texts[0])).unwrap().is_hit());
    store(&cache, "rename foo_d to bar_d");
    let left: Vec<String> = cache
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.request)
        .collect();
    assert_eq!(
        left,
        [
            "rename foo_a to bar_a",
            "rename foo_c to bar_c",
            "rename foo_d to bar_d"
        ]
    );
}

#[test]
fn eviction_by_age_on_open() {
    let repo = repo();
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let at = |days: i64| {
        let mut o = options();
        o.max_age = Duration::from_secs(30 * 86_400);
        o.clock = Clock::fixed(start + jiff::SignedDuration::from_hours(24 * days));
        o
    };
    {
        let cache = Cache::open(repo.path(), at(0)).unwrap();
        store(&cache, "rename foo_a to bar_a");
    }
    {
        let cache = Cache::open(repo.path(), at(20)).unwrap();
        store(&cache, "rename foo_b to bar_b");
    }
    let cache = Cache::open(repo.path(), at(31)).unwrap();
    let left: Vec<String> = cache
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.request)
        .collect();
    assert_eq!(left, ["rename foo_b to bar_b"]);
    let asked = "rename foo_a to bar_a";
    assert!(!cache.lookup(asked, &embed(asked)).unwrap().is_hit());
}

#[test]
fn tombstones_pile_up_then_the_index_is_rebuilt() {
    let repo = repo();
    let texts: Vec<String> = (0..10)
        .map(|i| format!("rename helper_{i} to util_{i}"))
        .collect();
    let vectors = super::common::embedder().embed_batch(&texts).unwrap();
    {
        let cache = open(repo.path());
        for (t, v) in texts.iter().zip(&vectors) {
            cache.insert(answer(t, vec![]), v).unwrap();
        }
    }
    // One dead point in ten (10 %): kept as a tombstone.
    let mut opts = options();
    opts.max_entries = 9;
    let cache = Cache::open(repo.path(), opts.clone()).unwrap();
    let s = cache.stats().unwrap();
    assert_eq!((s.entries, s.index_points, s.tombstones), (9, 10, 1));
    // The evicted entry is never served, even asked for exactly.
    assert!(!cache.lookup(&texts[0], &vectors[0]).unwrap().is_hit());
    drop(cache);
    // Three dead in ten (30 % > 20 %): rebuilt.
    opts.max_entries = 7;
    let cache = Cache::open(repo.path(), opts).unwrap();
    let s = cache.stats().unwrap();
    assert_eq!((s.entries, s.index_points, s.tombstones), (7, 7, 0));
    assert!(cache.lookup(&texts[9], &vectors[9]).unwrap().is_hit());
}
