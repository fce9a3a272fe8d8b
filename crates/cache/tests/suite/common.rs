//! The model, loaded once per test binary, and builders.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use distiq_cache::{Cache, CacheOptions, Dependency, NewEntry, Payload};
use distiq_core::Money;
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths, Embedding};

pub fn embedder() -> &'static Embedder {
    static E: OnceLock<Embedder> = OnceLock::new();
    E.get_or_init(|| {
        let paths = EmbedderPaths::discover().expect("run ./models/fetch first");
        Embedder::load_with(&paths, EmbedderOptions::default().with_intra_threads(2))
            .expect("the model loads")
    })
}

pub fn embed(text: &str) -> Embedding {
    embedder().embed(text).unwrap()
}

/// The shipped default threshold.
pub const THRESHOLD: f32 = distiq_cache::rule::DEFAULT_THRESHOLD;

pub fn options() -> CacheOptions {
    CacheOptions::new(THRESHOLD, 10_000, Duration::from_secs(30 * 86_400))
}

/// A temp dir laid out as a git repository (enough for `.git/info`).
pub fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git/info")).unwrap();
    dir
}

pub fn open(repo: &Path) -> Cache {
    Cache::open(repo, options()).unwrap()
}

pub fn answer(request: &str, deps: Vec<Dependency>) -> NewEntry {
    NewEntry {
        request: request.to_owned(),
        payload: Payload::Answer(format!("answer to: {request}")),
        dependencies: deps,
        cost: Money::from_micros(42_000),
    }
}

/// Stores `request` with no dependencies; its id.
pub fn store(cache: &Cache, request: &str) -> i64 {
    cache
        .insert(answer(request, vec![]), &embed(request))
        .unwrap()
}
