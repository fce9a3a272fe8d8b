//! The blend with the local embedding model: [`ChunkEmbeddings`] scores the
//! best candidates of the graph ranking by their cosine similarity to the
//! task, under the same all-MiniLM-L6-v2 embedding the router and the cache
//! use.
//!
//! A chunk is a definition as the model reads it (path, kind and name in
//! words, doc comment, signature, first lines; about 256 tokens at most).
//! Its vector is cached on disk by the hash of that text, so a warm run
//! embeds nothing but what changed, and the task's own embedding is passed
//! in: the orchestrator computes it once for the router and the cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use distiq_embed::{Embedder, EmbedderPaths, Embedding};
use serde::Serialize;

use crate::error::Result;
use crate::index::{CacheLocation, RepoIndex};
use crate::rank::{Candidate, Similarity};

mod chunk;
mod half;
mod store;

use chunk::{CHUNK_VERSION, chunk_text};
use store::{ChunkKey, Store};

/// Chunks are embedded this many at a time, shortest first: a batch is
/// padded to its longest text, so similar lengths waste the least.
const BATCH: usize = 32;

/// What the chunk embeddings did in this process, for messages and
/// benchmarks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmbedStats {
    /// Vectors in the cache when it was opened.
    pub loaded: usize,
    /// Candidates scored from a cached vector.
    pub cached: usize,
    /// Chunks embedded by the model.
    pub embedded: usize,
    /// Time spent in the model, in milliseconds.
    pub embed_ms: u64,
    /// The last embedding failure: the candidates it hit scored 0, so the
    /// ranking fell back toward the graph alone.
    pub failed: Option<String>,
    /// Why the cache on disk was discarded or could not be written.
    pub cache_warning: Option<String>,
}

/// Embeddings of code chunks, cached on disk, shared by every task of a
/// process. Build one per repository; call [`similarity`](Self::similarity)
/// for each task and [`save`](Self::save) when done.
///
/// ```ignore
/// // Needs the model files of `./models/fetch`, hence `ignore`.
/// use std::sync::Arc;
/// use distiq_analyzer::{build_context, ChunkEmbeddings, ContextOptions, IndexOptions, RankOptions, RepoIndex};
/// use distiq_embed::{Embedder, EmbedderPaths};
///
/// let embedder = Arc::new(Embedder::load(&EmbedderPaths::discover()?)?);
/// let opts = IndexOptions::default();
/// let index = RepoIndex::build(std::path::Path::new("."), &opts)?;
/// let chunks = ChunkEmbeddings::open(embedder.clone(), opts.cache.embeddings_path(index.root()));
/// let task = "where do we decide how long to wait before retrying";
/// let task_embedding = embedder.embed(task)?; // the router's and the cache's vector
/// let sim = chunks.similarity(&index, &task_embedding);
/// let rank = RankOptions { similarity: Some(&sim), ..RankOptions::default() };
/// let context = build_context(&index, Some(task), &ContextOptions::default(), &rank);
/// chunks.save();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ChunkEmbeddings {
    embedder: Arc<Embedder>,
    store: Mutex<Store>,
    stats: Mutex<EmbedStats>,
}

impl std::fmt::Debug for ChunkEmbeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkEmbeddings")
            .field("embedder", &self.embedder)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl ChunkEmbeddings {
    /// Chunk embeddings by `embedder`, cached in the file `cache` (`None`:
    /// in memory only). A cache made by another model or chunk format is
    /// replaced; a corrupt one is discarded with a warning (in
    /// [`EmbedStats::cache_warning`]).
    pub fn open(embedder: Arc<Embedder>, cache: Option<PathBuf>) -> Self {
        let store = Store::load(cache, fingerprint(embedder.paths()));
        let stats = EmbedStats {
            loaded: store.len(),
            cache_warning: store.warning.clone(),
            ..EmbedStats::default()
        };
        Self {
            embedder,
            store: Mutex::new(store),
            stats: Mutex::new(stats),
        }
    }

    /// The embedder, to embed a task with when the caller has no vector yet.
    pub fn embedder(&self) -> &Arc<Embedder> {
        &self.embedder
    }

    /// Embeds a task. The orchestrator passes the vector the router already
    /// made instead.
    pub fn embed_task(&self, task: &str) -> Result<Embedding> {
        Ok(self.embedder.embed(task)?)
    }

    /// The [`Similarity`] of `index`'s chunks to the task whose embedding is
    /// `task`, for [`RankOptions::similarity`](crate::RankOptions::similarity).
    pub fn similarity<'a>(
        &'a self,
        index: &'a RepoIndex,
        task: &'a Embedding,
    ) -> TaskSimilarity<'a> {
        TaskSimilarity {
            chunks: self,
            index,
            task,
        }
    }

    /// Writes the vectors embedded since the last save. Returns a warning
    /// when the file could not be written (the run goes on without it).
    pub fn save(&self) -> Option<String> {
        let warning = self.lock_store().save();
        if let Some(w) = &warning {
            self.lock_stats().cache_warning = Some(w.clone());
        }
        warning
    }

    /// What has been done so far.
    pub fn stats(&self) -> EmbedStats {
        self.lock_stats().clone()
    }

    fn lock_store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_stats(&self) -> std::sync::MutexGuard<'_, EmbedStats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cosines of the candidates' chunks to `task`, 0 for a chunk that
    /// could not be read or embedded.
    fn score(&self, index: &RepoIndex, task: &Embedding, candidates: &[Candidate<'_>]) -> Vec<f32> {
        let files = index.files();
        // Chunk texts, reading each file once.
        let mut by_file: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, c) in candidates.iter().enumerate() {
            by_file.entry(c.file).or_default().push(i);
        }
        let mut texts: Vec<Option<(ChunkKey, String)>> = vec![None; candidates.len()];
        for (f, members) in by_file {
            let Some(file) = files.get(f) else { continue };
            let Some(source) = index.read_source(file) else {
                continue;
            };
            let lines: Vec<&str> = source.lines().collect();
            for i in members {
                if let Some(def) = file.tags.defs.get(candidates[i].def) {
                    let text = chunk_text(&file.path, def, &lines);
                    texts[i] = Some((chunk_key(&text), text));
                }
            }
        }

        let mut store = self.lock_store();
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; candidates.len()];
        let mut missing: BTreeMap<ChunkKey, (usize, Vec<usize>)> = BTreeMap::new();
        let mut cached = 0;
        for (i, t) in texts.iter().enumerate() {
            let Some((key, text)) = t else { continue };
            if let Some(v) = store.get(key) {
                vectors[i] = Some(v);
                cached += 1;
            } else {
                missing
                    .entry(*key)
                    .or_insert_with(|| (text.len(), Vec::new()))
                    .1
                    .push(i);
            }
        }
        let mut todo: Vec<(usize, ChunkKey, Vec<usize>)> = missing
            .into_iter()
            .map(|(k, (len, who))| (len, k, who))
            .collect();
        todo.sort_by_key(|(len, k, _)| (*len, *k));
        let started = Instant::now();
        let mut embedded = 0;
        let mut failed = None;
        for batch in todo.chunks(BATCH) {
            let batch_texts: Vec<&str> = batch
                .iter()
                .filter_map(|(_, _, who)| texts[who[0]].as_ref().map(|(_, t)| t.as_str()))
                .collect();
            match self.embedder.embed_batch(&batch_texts) {
                Ok(out) if out.len() == batch.len() => {
                    for ((_, key, who), e) in batch.iter().zip(out) {
                        let v = store.insert(*key, e.as_slice());
                        for &i in who {
                            vectors[i] = Some(v.clone());
                        }
                    }
                    embedded += batch.len();
                }
                Ok(out) => {
                    failed = Some(format!(
                        "the model returned {} vectors for {} chunks",
                        out.len(),
                        batch.len()
                    ));
                    break;
                }
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        drop(store);
        if let Some(why) = &failed {
            tracing::warn!("embedding code chunks failed ({why}); ranking by the graph alone");
        }
        {
            let mut stats = self.lock_stats();
            stats.cached += cached;
            stats.embedded += embedded;
            stats.embed_ms += u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            if failed.is_some() {
                stats.failed = failed;
            }
        }
        let t = task.as_slice();
        vectors
            .iter()
            .map(|v| {
                v.as_ref().map_or(0.0, |v| {
                    let dot: f32 = v.iter().zip(t).map(|(a, b)| a * b).sum();
                    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    if norm > 0.0 { dot / norm } else { 0.0 }
                })
            })
            .collect()
    }
}

/// The similarity of one index's chunks to one task: what
/// [`ChunkEmbeddings::similarity`] returns.
#[derive(Debug, Clone, Copy)]
pub struct TaskSimilarity<'a> {
    chunks: &'a ChunkEmbeddings,
    index: &'a RepoIndex,
    task: &'a Embedding,
}

impl Similarity for TaskSimilarity<'_> {
    /// Scores by the task embedding given to
    /// [`ChunkEmbeddings::similarity`]; the task text is not embedded again.
    fn similarity(&self, _task: &str, candidates: &[Candidate<'_>]) -> Vec<f32> {
        self.chunks.score(self.index, self.task, candidates)
    }
}

impl CacheLocation {
    /// Where the chunk embeddings live for an index built with this
    /// location: `<root>/.distiq/cache/embeddings.bin` in the repository, or
    /// beside a tags cache file (`tags.bin` → `tags.embeddings.bin`).
    pub fn embeddings_path(&self, root: &Path) -> Option<PathBuf> {
        match self {
            CacheLocation::InRepo => {
                Some(root.join(".distiq").join("cache").join("embeddings.bin"))
            }
            CacheLocation::File(p) => Some(p.with_extension("embeddings.bin")),
            CacheLocation::Off => None,
        }
    }
}

fn chunk_key(text: &str) -> ChunkKey {
    let mut h = blake3::Hasher::new();
    h.update(&CHUNK_VERSION.to_le_bytes());
    h.update(text.as_bytes());
    let mut out = [0; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

/// Identifies the model a vector came from: its tokenizer and config, the
/// size of its weights, how many tokens it reads, and the chunk format.
fn fingerprint(paths: &EmbedderPaths) -> [u8; 16] {
    let mut h = blake3::Hasher::new();
    h.update(b"distiq chunk embeddings");
    h.update(&CHUNK_VERSION.to_le_bytes());
    h.update(&(distiq_embed::MAX_TOKENS as u64).to_le_bytes());
    h.update(&(distiq_embed::DIMENSION as u64).to_le_bytes());
    for name in ["tokenizer.json", "config.json"] {
        if let Ok(bytes) = std::fs::read(paths.model_dir.join(name)) {
            h.update(&bytes);
        }
    }
    if let Ok(m) = std::fs::metadata(paths.model_dir.join("model.onnx")) {
        h.update(&m.len().to_le_bytes());
    }
    let mut out = [0; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}
