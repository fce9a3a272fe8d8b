//! The repo map (distiq-analyzer) on a large real code base: tokio's source
//! from the cargo registry (about 150k lines of Rust), at the version this
//! workspace's Cargo.lock pins, copied to a temp dir.
//!
//! "Cold" has no tags cache (every file parsed; the OS page cache is warm, as
//! it is for a developer working in the repo); "warm" has the cache of an
//! earlier run. The `*_blend` benchmarks add the embedding model (needs
//! `./models/fetch`): chunks embedded from nothing, or every vector from the
//! embeddings cache. Run with `cargo bench --bench repo_map`.

// A benchmark without its fixture has nothing to measure: stop.
#![allow(clippy::expect_used, clippy::print_stderr, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use common::{copy_tree, registry_crate};
use distiq_analyzer::{
    CacheLocation, ChunkEmbeddings, ContextOptions, Embedder, EmbedderOptions, EmbedderPaths,
    Embedding, IndexOptions, RankOptions, RepoIndex, build_context, rank,
};

const TASK: &str = "change how interval handles missed ticks";
/// A task that names nothing, for the blend.
const VAGUE_TASK: &str = "give up on a future that takes too long";

fn main() {
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    let s = index.stats();
    eprintln!(
        "repo_map fixture: {} ({} files, {} source files, {} lines)",
        fixture().name,
        s.files,
        s.source_files,
        s.source_lines
    );
    // What one cold blend embeds, and how fast, before divan's numbers.
    for candidates in [200, 400] {
        let chunks = ChunkEmbeddings::open(embedder(), None);
        let started = std::time::Instant::now();
        let sim = chunks.similarity(&index, task_embedding());
        let opts = RankOptions {
            similarity: Some(&sim),
            similarity_candidates: candidates,
            ..RankOptions::default()
        };
        build_context(&index, Some(VAGUE_TASK), &ContextOptions::default(), &opts);
        let st = chunks.stats();
        eprintln!(
            "cold blend, {candidates} candidates: {} chunks embedded in {:.2} s ({:.0} chunks/s)",
            st.embedded,
            started.elapsed().as_secs_f64(),
            st.embedded as f64 * 1000.0 / st.embed_ms.max(1) as f64,
        );
    }
    // The caches the warm benchmarks read, made before any is timed.
    warm_up();
    warm_embeddings();
    divan::main();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    cache: PathBuf,
    name: String,
}

/// tokio's source, copied once per process.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (name, src) = registry_crate("tokio");
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("repo");
        copy_tree(&src, &root);
        let cache = tmp.path().join("tags.bin");
        Fixture {
            _tmp: tmp,
            root,
            cache,
            name,
        }
    })
}

fn options(with_cache: bool) -> IndexOptions {
    let cache = if with_cache {
        CacheLocation::File(fixture().cache.clone())
    } else {
        CacheLocation::Off
    };
    IndexOptions {
        cache,
        ..IndexOptions::default()
    }
}

/// Index with no tags cache: walk, read, parse and tag every file.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn cold_index() -> RepoIndex {
    RepoIndex::build(&fixture().root, &options(false)).expect("index")
}

/// Cold index, then the repo map (global ranking, 8K-token budget).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn cold_map() -> String {
    let index = RepoIndex::build(&fixture().root, &options(false)).expect("index");
    build_context(
        &index,
        None,
        &ContextOptions::default(),
        &RankOptions::default(),
    )
    .render()
}

/// Index from the tags cache: walk, read and hash every file, parse none.
#[divan::bench(sample_count = 20)]
fn warm_index() -> RepoIndex {
    warm_up();
    RepoIndex::build(&fixture().root, &options(true)).expect("index")
}

/// Warm index, then the repo map.
#[divan::bench(sample_count = 20)]
fn warm_map() -> String {
    warm_up();
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    build_context(
        &index,
        None,
        &ContextOptions::default(),
        &RankOptions::default(),
    )
    .render()
}

/// Warm index, then the context for a task (map, ranked files, chunks).
#[divan::bench(sample_count = 20)]
fn warm_map_for_task() -> String {
    warm_up();
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    build_context(
        &index,
        Some(TASK),
        &ContextOptions::default(),
        &RankOptions::default(),
    )
    .render()
}

/// Ranking alone, for a task, on an index in memory.
#[divan::bench(sample_count = 20)]
fn rank_for_task(bencher: divan::Bencher) {
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    bencher.bench(|| rank(&index, Some(TASK), &RankOptions::default()));
}

/// The model, loaded once, on two threads (chunks are embedded in batches).
fn embedder() -> Arc<Embedder> {
    static E: OnceLock<Arc<Embedder>> = OnceLock::new();
    E.get_or_init(|| {
        let paths = EmbedderPaths::discover().expect("run ./models/fetch first");
        let opts = EmbedderOptions::default().with_intra_threads(2);
        Arc::new(Embedder::load_with(&paths, opts).expect("load the model"))
    })
    .clone()
}

/// [`VAGUE_TASK`]'s embedding, made once: the orchestrator passes the
/// router's vector in, so the blend does not embed the task again.
fn task_embedding() -> &'static Embedding {
    static E: OnceLock<Embedding> = OnceLock::new();
    E.get_or_init(|| embedder().embed(VAGUE_TASK).expect("embed"))
}

fn blend_context(index: &RepoIndex, chunks: &ChunkEmbeddings, task: &str) -> String {
    assert_eq!(task, VAGUE_TASK);
    let sim = chunks.similarity(index, task_embedding());
    let opts = RankOptions {
        similarity: Some(&sim),
        ..RankOptions::default()
    };
    build_context(index, Some(task), &ContextOptions::default(), &opts).render()
}

fn embeddings_cache() -> PathBuf {
    fixture().cache.with_extension("embeddings.bin")
}

/// Warm index, then the blend with no embeddings cache: every candidate
/// chunk is embedded (the cost of the first task on a cold repository).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn cold_embed_map_for_task_blend() -> String {
    warm_up();
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    let chunks = ChunkEmbeddings::open(embedder(), None);
    blend_context(&index, &chunks, VAGUE_TASK)
}

/// Warm index and warm embeddings: open the embeddings cache, embed the
/// task, score the candidates from cached vectors, blend, fit the context.
#[divan::bench(sample_count = 20)]
fn warm_map_for_task_blend() -> String {
    warm_up();
    warm_embeddings();
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    let chunks = ChunkEmbeddings::open(embedder(), Some(embeddings_cache()));
    let out = blend_context(&index, &chunks, VAGUE_TASK);
    assert_eq!(chunks.stats().embedded, 0, "the embeddings cache was cold");
    out
}

/// Ranking alone with the blend, index in memory, every vector cached:
/// what the blend adds to [`rank_for_task`] once warm (reading the
/// candidates' files, hashing their chunks, the cosines).
#[divan::bench(sample_count = 20)]
fn rank_for_task_blend(bencher: divan::Bencher) {
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    let chunks = ChunkEmbeddings::open(embedder(), Some(embeddings_cache()));
    let sim = chunks.similarity(&index, task_embedding());
    let opts = RankOptions {
        similarity: Some(&sim),
        ..RankOptions::default()
    };
    bencher.bench(|| rank(&index, Some(VAGUE_TASK), &opts));
    assert_eq!(chunks.stats().embedded, 0, "the embeddings cache was cold");
}

/// Ranking alone for [`VAGUE_TASK`] by the graph, to compare with
/// [`rank_for_task_blend`].
#[divan::bench(sample_count = 20)]
fn rank_for_vague_task(bencher: divan::Bencher) {
    let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
    bencher.bench(|| rank(&index, Some(VAGUE_TASK), &RankOptions::default()));
}

/// Fills the embeddings cache for [`VAGUE_TASK`].
fn warm_embeddings() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let index = RepoIndex::build(&fixture().root, &options(true)).expect("index");
        let chunks = ChunkEmbeddings::open(embedder(), Some(embeddings_cache()));
        blend_context(&index, &chunks, VAGUE_TASK);
        chunks.save();
    });
}

/// Makes sure the cache file exists (the first warm sample would be cold).
fn warm_up() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        RepoIndex::build(&fixture().root, &options(true)).expect("index");
    });
}
