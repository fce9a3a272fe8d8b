//! The embedding blend with the real model: vectors cached on disk by chunk
//! text, reused warm, re-embedded only where code changed, a corrupt cache
//! discarded with a warning, and a task phrased without identifiers found
//! by meaning.

use std::path::Path;

use distiq_analyzer::{
    CacheLocation, ChunkEmbeddings, IndexOptions, RankOptions, Ranking, RepoIndex, Why, rank,
};

use super::model::embedder;

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const PAUSE: &str = "/// The pause before attempt `n`: doubles each time, capped.\n\
pub fn pause_for(n: u32, cap_ms: u64) -> u64 {\n    (100u64 << n.min(16)).min(cap_ms)\n}\n";

fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "src/backoff.rs", PAUSE);
    write(
        root,
        "src/table.rs",
        "/// A database table's rows.\npub struct Table {\n    pub rows: Vec<String>,\n}\n\n\
         /// Adds one row to the table.\npub fn insert_row(t: &mut Table, row: String) {\n    t.rows.push(row);\n}\n\n\
         /// Removes every row.\npub fn clear_rows(t: &mut Table) {\n    t.rows.clear();\n}\n",
    );
    write(
        root,
        "src/render.rs",
        "use crate::table::Table;\n\n/// Writes the table as an HTML page.\n\
         pub fn render_html(t: &Table) -> String {\n    t.rows.join(\"<br>\")\n}\n",
    );
    write(
        root,
        "src/lib.rs",
        "pub mod backoff;\npub mod render;\npub mod table;\n",
    );
    tmp
}

fn index(root: &Path) -> RepoIndex {
    let opts = IndexOptions {
        cache: CacheLocation::Off,
        ..IndexOptions::default()
    };
    RepoIndex::build(root, &opts).unwrap()
}

const TASK: &str = "where do we decide how long to wait before retrying";

fn blend(index: &RepoIndex, chunks: &ChunkEmbeddings, task: &str) -> Ranking {
    let e = embedder().embed(task).unwrap();
    let sim = chunks.similarity(index, &e);
    let opts = RankOptions {
        similarity: Some(&sim),
        ..RankOptions::default()
    };
    rank(index, Some(task), &opts)
}

fn files(r: &Ranking) -> Vec<(String, u64)> {
    r.files
        .iter()
        .map(|f| (f.path.clone(), f.score.to_bits()))
        .collect()
}

#[test]
fn a_task_without_identifiers_is_found_by_meaning_and_warm_runs_embed_nothing() {
    let repo = repo();
    let index = index(repo.path());
    let graph = rank(&index, Some(TASK), &RankOptions::default());
    assert_ne!(
        graph.files[0].path, "src/backoff.rs",
        "the graph alone finds it: a useless test"
    );

    let cache = repo.path().join("cache/embeddings.bin");
    let chunks = ChunkEmbeddings::open(embedder(), Some(cache.clone()));
    let cold = blend(&index, &chunks, TASK);
    assert_eq!(cold.files[0].path, "src/backoff.rs", "{:?}", cold.files);
    assert!(
        cold.files[0]
            .why
            .iter()
            .any(|w| matches!(w, Why::Similar { .. }))
    );
    let st = chunks.stats();
    assert!(st.embedded > 0 && st.failed.is_none(), "{st:?}");
    assert_eq!(chunks.save(), None);
    assert!(cache.is_file());

    // A new process: every vector from the file, the same ranking bit for bit.
    let chunks = ChunkEmbeddings::open(embedder(), Some(cache));
    assert_eq!(chunks.stats().loaded, st.embedded);
    let warm = blend(&index, &chunks, TASK);
    assert_eq!(chunks.stats().embedded, 0);
    assert_eq!(files(&warm), files(&cold));
}

#[test]
fn an_edit_re_embeds_only_the_definitions_it_changed() {
    let repo = repo();
    let cache = repo.path().join("cache/embeddings.bin");
    let chunks = ChunkEmbeddings::open(embedder(), Some(cache.clone()));
    blend(&index(repo.path()), &chunks, TASK);
    chunks.save();

    // One function of table.rs changes; its neighbours keep their text.
    let table = std::fs::read_to_string(repo.path().join("src/table.rs")).unwrap();
    write(
        repo.path(),
        "src/table.rs",
        &table.replace("t.rows.clear();", "t.rows.truncate(0);"),
    );
    let chunks = ChunkEmbeddings::open(embedder(), Some(cache));
    blend(&index(repo.path()), &chunks, TASK);
    assert_eq!(chunks.stats().embedded, 1, "{:?}", chunks.stats());
}

#[test]
fn a_corrupt_embeddings_cache_is_discarded_with_a_warning_and_rebuilt() {
    let repo = repo();
    let index = index(repo.path());
    let cache = repo.path().join("cache/embeddings.bin");
    let chunks = ChunkEmbeddings::open(embedder(), Some(cache.clone()));
    blend(&index, &chunks, TASK);
    chunks.save();
    // Cut short, as by a full disk.
    let bytes = std::fs::read(&cache).unwrap();
    std::fs::write(&cache, &bytes[..bytes.len() - 100]).unwrap();

    let chunks = ChunkEmbeddings::open(embedder(), Some(cache.clone()));
    let warning = chunks.stats().cache_warning.expect("a warning");
    assert!(warning.contains("corrupt"), "{warning}");
    assert_eq!(chunks.stats().loaded, 0);
    assert_eq!(blend(&index, &chunks, TASK).files[0].path, "src/backoff.rs");
    assert!(chunks.stats().embedded > 0);
    assert_eq!(chunks.save(), None);
    let chunks = ChunkEmbeddings::open(embedder(), Some(cache));
    assert_eq!(chunks.stats().cache_warning, None);
    assert!(chunks.stats().loaded > 0);
}

#[test]
fn only_the_graphs_best_candidates_are_embedded() {
    let repo = repo();
    let index = index(repo.path());
    let chunks = ChunkEmbeddings::open(embedder(), None);
    let e = embedder().embed(TASK).unwrap();
    let sim = chunks.similarity(&index, &e);
    let opts = RankOptions {
        similarity: Some(&sim),
        similarity_candidates: 2,
        ..RankOptions::default()
    };
    rank(&index, Some(TASK), &opts);
    assert_eq!(chunks.stats().embedded, 2);
}
