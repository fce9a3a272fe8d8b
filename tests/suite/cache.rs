//! `distiq cache` end to end: eval's JSON contract, stats, list, clear.

use distiq_cache::{Cache, CacheOptions, NewEntry, Payload};
use serde_json::Value;

use crate::util::World;

fn pairs(world: &World) -> std::path::PathBuf {
    world.write(
        "pairs.jsonl",
        concat!(
            r#"{"a": "add a --json flag to the export command", "b": "the export command should take a --json flag", "same": true}"#,
            "\n",
            r#"{"a": "change the default port to 8080", "b": "change the default port to 8081", "same": false}"#,
            "\n",
            r#"{"a": "add the --verbose flag to the CLI", "b": "remove the --verbose flag from the CLI", "same": false}"#,
            "\n",
            r#"{"a": "add a test for the retry policy in src/retry.rs", "b": "make the retry policy in src/retry.rs configurable", "same": false}"#,
            "\n",
        ),
    )
}

#[test]
fn eval_json_has_recall_false_hits_and_every_pair() {
    let world = World::new();
    let file = pairs(&world);
    let out =
        world.ok(&mut world.cmd(&["cache", "eval", "--json", "--pairs", file.to_str().unwrap()]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["recall"], 1.0, "{v}");
    assert_eq!(v["false_hits"], Value::Array(vec![]), "{v}");
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 4);
    for p in pairs {
        for key in ["a", "b", "same", "hit", "similarity"] {
            assert!(p.get(key).is_some(), "{key} missing in {p}");
        }
    }
    assert_eq!(pairs[0]["hit"], true);
    assert_eq!(pairs[1]["hit"], false);
    assert!(
        pairs[1]["reason"]
            .as_str()
            .unwrap()
            .contains("8080 vs 8081")
    );
    // The same rule as the cache: the kind of work must agree too.
    assert_eq!(pairs[3]["hit"], false);
    assert!(pairs[3]["reason"].as_str().unwrap().contains("intent"));

    let text = world.ok(&mut world.cmd(&["cache", "tune", "--pairs", file.to_str().unwrap()]));
    assert!(text.contains("recommended:"), "{text}");
}

#[test]
fn stats_list_and_clear_work_on_the_repository_cache() {
    let world = World::new();
    std::fs::create_dir_all(world.repo.join(".git/info")).unwrap();
    let stats: Value =
        serde_json::from_str(&world.ok(&mut world.cmd(&["cache", "stats", "--json"]))).unwrap();
    assert_eq!(stats["entries"], 0);
    assert_eq!(stats["hits"], 0);
    assert!(stats["dir"].as_str().unwrap().ends_with(".distiq/cache"));
    // The cache's folder is kept out of git.
    let exclude = std::fs::read_to_string(world.repo.join(".git/info/exclude")).unwrap();
    assert!(exclude.contains("/.distiq/"), "{exclude}");

    // One entry, stored through the library as the pipeline would.
    {
        let options = CacheOptions::new(0.55, 100, std::time::Duration::from_secs(86_400));
        let cache = Cache::open(&world.repo, options).unwrap();
        let paths = distiq_embed::EmbedderPaths::discover().unwrap();
        let embedder = distiq_embed::Embedder::load(&paths).unwrap();
        let task = "add a --json flag to the export command";
        let entry = NewEntry {
            request: task.to_owned(),
            payload: Payload::Answer("done".to_owned()),
            dependencies: vec![],
            cost: distiq_core::Money::from_micros(30_000),
        };
        cache.insert(entry, &embedder.embed(task).unwrap()).unwrap();
        assert!(
            cache
                .lookup(task, &embedder.embed(task).unwrap())
                .unwrap()
                .is_hit()
        );
    }
    let list: Value =
        serde_json::from_str(&world.ok(&mut world.cmd(&["cache", "list", "--json"]))).unwrap();
    assert_eq!(
        list[0]["request"],
        "add a --json flag to the export command"
    );
    assert_eq!(list[0]["hits"], 1);
    assert!(
        list[0]["salient"]["flags"]
            .as_array()
            .unwrap()
            .contains(&"--json".into())
    );
    let stats: Value =
        serde_json::from_str(&world.ok(&mut world.cmd(&["cache", "stats", "--json"]))).unwrap();
    assert_eq!(
        (stats["entries"].as_u64(), stats["hits"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(stats["saved_micros"], 30_000);
    let cleared = world.ok(&mut world.cmd(&["cache", "clear"]));
    assert!(cleared.contains("removed 1 entries"), "{cleared}");
    let text = world.ok(&mut world.cmd(&["cache", "stats"]));
    assert!(text.contains("entries  0"), "{text}");
}

#[test]
fn distiq_stats_shows_cache_hits_and_what_they_saved() {
    use distiq_core::{Event, EventSink, Money};
    use distiq_ledger::{Ledger, LedgerSink};
    let world = World::new();
    let ledger = Ledger::open(world.data_home.join("distiq/ledger.sqlite")).unwrap();
    let sink = LedgerSink::new(ledger, None);
    for (hit, saved) in [(true, 40_000), (false, 0)] {
        sink.emit(&Event::CacheLookup {
            task_id: None,
            hit,
            similarity: Some(0.91),
            saved: Money::from_micros(saved),
            reason: "similarity 0.91".to_owned(),
        });
    }
    drop(sink);
    let text = world.ok(&mut world.cmd(&["stats"]));
    assert!(
        text.contains("cache: 2 lookups, 1 hits (50.0% hit rate), saved $0.04"),
        "{text}"
    );
    let v: Value = serde_json::from_str(&world.ok(&mut world.cmd(&["stats", "--json"]))).unwrap();
    assert_eq!(v["cache"]["hits"], 1);
    assert_eq!(v["cache"]["saved_micros"], 40_000);
    assert_eq!(v["cache"]["hit_rate"], 0.5);
}
