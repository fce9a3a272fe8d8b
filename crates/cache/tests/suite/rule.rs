//! The examples through a real cache.

use super::common::{embed, open, repo, store};

#[test]
fn add_never_serves_remove_nor_8080_8081_nor_python_rust_nor_a_test_a_setting() {
    let repo = repo();
    let cache = open(repo.path());
    for (stored, asked, reason) in [
        (
            "add the --verbose flag to the CLI",
            "remove the --verbose flag from the CLI",
            "polarity",
        ),
        (
            "change the default port to 8080",
            "change the default port to 8081",
            "8080 vs 8081",
        ),
        (
            "write a script that renames the log files, in Python",
            "write a script that renames the log files, in Rust",
            "languages and tools",
        ),
        (
            "add a test for the retry policy in src/retry.rs",
            "make the retry policy in src/retry.rs configurable",
            "intent",
        ),
    ] {
        cache.clear().unwrap();
        store(&cache, stored);
        let lookup = cache.lookup(asked, &embed(asked)).unwrap();
        assert!(!lookup.is_hit(), "{asked}: {lookup:?}");
        assert!(lookup.reason.contains(reason), "{asked}: {}", lookup.reason);
        // Similarity alone would have served it.
        assert!(
            lookup
                .similarity
                .is_some_and(|s| s > super::common::THRESHOLD),
            "{lookup:?}"
        );
        // And the other way round.
        cache.clear().unwrap();
        store(&cache, asked);
        assert!(!cache.lookup(stored, &embed(stored)).unwrap().is_hit());
    }
}

#[test]
fn a_paraphrase_hits_and_the_hit_is_counted() {
    let repo = repo();
    let cache = open(repo.path());
    let id = store(&cache, "add a --verbose flag to the command line");
    let asked = "make the CLI accept a verbose option";
    let lookup = cache.lookup(asked, &embed(asked)).unwrap();
    let entry = lookup.entry.clone().expect("a hit");
    assert_eq!(entry.id, id);
    assert!(lookup.reason.starts_with("similarity"), "{}", lookup.reason);
    assert_eq!(lookup.saved.micros(), 42_000);
    assert_eq!(entry.hits, 1);

    let exact = "add a --verbose flag to the command line.";
    let lookup = cache.lookup(exact, &embed(exact)).unwrap();
    assert_eq!(lookup.reason, "exact");
    match lookup.event(None) {
        distiq_core::Event::CacheLookup {
            hit, saved, reason, ..
        } => {
            assert!(hit);
            assert_eq!(saved.micros(), 42_000);
            assert_eq!(reason, "exact");
        }
        other => panic!("{other:?}"),
    }
    let stats = cache.stats().unwrap();
    assert_eq!((stats.entries, stats.lookups, stats.hits), (1, 2, 2));
    assert_eq!(stats.saved.micros(), 84_000);
}

#[test]
fn the_cache_is_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<distiq_cache::Cache>();
    let repo = repo();
    let cache = open(repo.path());
    let texts: Vec<String> = (0..40)
        .map(|i| format!("rename helper_{i} to util_{i}"))
        .collect();
    let vectors = super::common::embedder().embed_batch(&texts).unwrap();
    let work: Vec<_> = texts.iter().zip(&vectors).collect();
    std::thread::scope(|s| {
        for chunk in work.chunks(10) {
            let cache = &cache;
            s.spawn(move || {
                for (t, v) in chunk {
                    cache.insert(super::common::answer(t, vec![]), v).unwrap();
                    assert!(cache.lookup(t, v).unwrap().is_hit());
                }
            });
        }
    });
    assert_eq!(cache.stats().unwrap().entries, 40);
    // Each request finds its own entry, not a neighbour's.
    let l = cache.lookup(&texts[7], &vectors[7]).unwrap();
    assert_eq!(l.entry.unwrap().request, texts[7]);
    let other = "rename helper_7 to util_8";
    assert!(!cache.lookup(other, &embed(other)).unwrap().is_hit());
}
