//! [`Cache`]: the persistent, repo-aware cache of one repository.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use distiq_core::{Event, Money, TaskId};
use distiq_embed::Embedding;
use jiff::Timestamp;

use crate::entry::{Entry, NewEntry};
use crate::index::{Index, IndexParams};
use crate::rule::{Probe, judge, request_key};
use crate::store::{OpenFailure, Store};
use crate::{Error, Result, Salient};

/// Where a repository's cache lives, relative to its root.
pub const CACHE_DIR: &str = ".distiq/cache";

const DB_FILE: &str = "cache.sqlite";

/// How many nearest entries a lookup judges before it gives up.
const CANDIDATES: usize = 4;

/// Rebuild the index when more than this share of its points are dead.
const REBUILD_RATIO: f64 = 0.2;

/// "Now", injectable for tests of eviction by age.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Timestamp::now))
    }

    /// A clock stopped at `at`.
    pub fn fixed(at: Timestamp) -> Self {
        Self(Arc::new(move || at))
    }

    fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// How a cache decides and how big it may grow (from the config's
/// `[cache]` table).
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// The cosine similarity a candidate must reach (see
    /// [`crate::rule::judge`]).
    pub threshold: f32,
    /// The most entries kept; the least recently used go first.
    pub max_entries: u64,
    /// Entries older than this are not served and are evicted.
    pub max_age: Duration,
    /// HNSW parameters.
    pub index: IndexParams,
    /// What "now" is.
    pub clock: Clock,
}

impl CacheOptions {
    /// Options with the given limits, default index parameters and the
    /// system clock.
    pub fn new(threshold: f32, max_entries: u64, max_age: Duration) -> Self {
        Self {
            threshold,
            max_entries,
            max_age,
            index: IndexParams::default(),
            clock: Clock::system(),
        }
    }
}

/// The answer to one lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The entry served, on a hit.
    pub entry: Option<Entry>,
    /// The similarity of the nearest entry judged, if any.
    pub similarity: Option<f32>,
    /// Why it hit or missed: "exact", "similarity 0.93", "salient tokens
    /// differ (numbers): 8080 vs 8081", "src/lib.rs changed".
    pub reason: String,
    /// What the hit saved (the entry's cost); zero on a miss.
    pub saved: Money,
}

impl Lookup {
    /// Whether an entry was served.
    pub fn is_hit(&self) -> bool {
        self.entry.is_some()
    }

    /// The [`Event::CacheLookup`] that reports this lookup.
    pub fn event(&self, task_id: Option<TaskId>) -> Event {
        Event::CacheLookup {
            task_id,
            hit: self.is_hit(),
            similarity: self.similarity,
            saved: self.saved,
            reason: self.reason.clone(),
        }
    }
}

/// What `distiq cache stats` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheStats {
    /// The cache folder.
    pub dir: PathBuf,
    /// Entries stored.
    pub entries: u64,
    /// Lookups made since the cache was created or cleared.
    pub lookups: u64,
    /// Of those, hits.
    pub hits: u64,
    /// What the hits saved.
    pub saved: Money,
    /// What producing the stored entries cost.
    pub cost: Money,
    /// Points in the HNSW index, dead ones included.
    pub index_points: usize,
    /// Dead points waiting for a rebuild.
    pub tombstones: usize,
    /// The oldest entry's creation time.
    pub oldest: Option<Timestamp>,
    /// The newest entry's creation time.
    pub newest: Option<Timestamp>,
    /// Bytes on disk (database and index files).
    pub disk_bytes: u64,
}

struct IndexState {
    index: Index,
    /// The highest entry id inserted into `index`.
    max_id: i64,
    /// Points of `index` whose entries are gone.
    tombstones: usize,
    /// Whether `index` differs from the dump on disk.
    dirty: bool,
}

/// One repository's semantic cache: entries in SQLite under
/// `<repo>/.distiq/cache/`, an HNSW index over their embeddings beside it.
///
/// `Send + Sync`; lookups may run in parallel with each other, inserts
/// wait for them (the index sits behind a `RwLock`).
pub struct Cache {
    repo: PathBuf,
    dir: PathBuf,
    store: Mutex<Store>,
    index: RwLock<IndexState>,
    options: CacheOptions,
    warnings: Vec<String>,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("dir", &self.dir)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// Opens the cache of the repository at `repo`, creating it if needed.
    ///
    /// Damage is repaired, not reported as an error: a corrupt database is
    /// moved aside and a fresh one started; a missing, stale or corrupt
    /// index is rebuilt from the database. Each repair leaves a message in
    /// [`warnings`](Self::warnings). `.distiq/` is added to the
    /// repository's `.git/info/exclude`.
    pub fn open(repo: &Path, options: CacheOptions) -> Result<Self> {
        let dir = repo.join(CACHE_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        crate::git::exclude_distiq(repo)?;
        let mut warnings = Vec::new();
        let store = open_store(&dir, &mut warnings)?;
        let state = load_index(&dir, &store, options.index, &mut warnings)?;
        let cache = Self {
            repo: repo.to_owned(),
            dir,
            store: Mutex::new(store),
            index: RwLock::new(state),
            options,
            warnings,
        };
        cache.evict()?;
        Ok(cache)
    }

    /// What opening had to repair, for the caller to show.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options the cache runs with.
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn state_read(&self) -> std::sync::RwLockReadGuard<'_, IndexState> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn state_write(&self) -> std::sync::RwLockWriteGuard<'_, IndexState> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks `request` up. A hit needs the rule of [`crate::rule::judge`]
    /// and every dependency of the entry to hold in the repository now;
    /// an entry whose dependency broke, or that is too old, is dropped.
    /// The hit is counted (hits, saved) before it is returned.
    pub fn lookup(&self, request: &str, embedding: &Embedding) -> Result<Lookup> {
        let now = self.options.clock.now();
        let salient = Salient::extract(request);
        let query = Probe {
            text: request,
            embedding,
            salient: &salient,
        };
        let mut dead = Vec::new();
        let mut first: Option<(Option<f32>, String)> = None;
        let mut served = None;

        // The exact layer first, then the nearest neighbours.
        let exact = self.store().by_key(&request_key(request))?;
        let mut candidates = exact;
        if candidates.is_empty() {
            let ids = self.nearest(embedding)?;
            let store = self.store();
            for id in ids {
                if let Some(found) = store.get(id)? {
                    candidates.push(found);
                }
            }
        }
        for (entry, vector) in candidates {
            let Ok(stored_embedding) = Embedding::from_vec(vector) else {
                dead.push(entry.id);
                continue;
            };
            let stored = Probe {
                text: &entry.request,
                embedding: &stored_embedding,
                salient: &entry.salient,
            };
            let verdict = judge(&stored, &query, self.options.threshold);
            let mut reason = verdict.reason;
            let mut hit = verdict.hit;
            if hit && self.expired(&entry, now) {
                dead.push(entry.id);
                reason = "the entry expired".to_owned();
                hit = false;
            }
            if hit && let Some(why) = entry.dependencies.iter().find_map(|d| d.broken(&self.repo)) {
                dead.push(entry.id);
                reason = why;
                hit = false;
            }
            if hit {
                served = Some((entry, verdict.similarity, reason));
                break;
            }
            first.get_or_insert((Some(verdict.similarity), reason));
        }
        self.drop_entries(&dead)?;

        let lookup = match served {
            Some((mut entry, similarity, reason)) => {
                let saved = entry.cost;
                self.store().record_hit(entry.id, saved, now)?;
                entry.hits += 1;
                entry.saved += saved;
                entry.last_hit = Some(now);
                Lookup {
                    entry: Some(entry),
                    similarity: Some(similarity),
                    reason,
                    saved,
                }
            }
            None => {
                let (similarity, reason) =
                    first.unwrap_or_else(|| (None, "no entry in the cache".to_owned()));
                Lookup {
                    entry: None,
                    similarity,
                    reason,
                    saved: Money::ZERO,
                }
            }
        };
        let store = self.store();
        store.bump("lookups", 1)?;
        if lookup.is_hit() {
            store.bump("lookup_hits", 1)?;
        }
        Ok(lookup)
    }

    /// The ids of the nearest live entries, nearest first. Asks the index
    /// for more than it needs, since dead points (tombstones) are skipped.
    fn nearest(&self, embedding: &Embedding) -> Result<Vec<i64>> {
        let state = self.state_read();
        let margin = state.tombstones.min(4 * CANDIDATES);
        let found = state
            .index
            .search(embedding.as_slice(), CANDIDATES + margin);
        drop(state);
        Ok(found.into_iter().map(|n| n.id).collect())
    }

    fn expired(&self, entry: &Entry, now: Timestamp) -> bool {
        let age = now.duration_since(entry.created);
        age.as_secs() >= 0 && age.unsigned_abs() >= self.options.max_age
    }

    /// Stores an entry for `request`; its id. An entry with the same
    /// normalised request is replaced. Eviction runs afterwards.
    pub fn insert(&self, new: NewEntry, embedding: &Embedding) -> Result<i64> {
        let key = request_key(&new.request);
        let entry = Entry {
            id: 0,
            salient: Salient::extract(&new.request),
            request: new.request,
            payload: new.payload,
            dependencies: new.dependencies,
            created: self.options.clock.now(),
            last_hit: None,
            hits: 0,
            cost: new.cost,
            saved: Money::ZERO,
        };
        let replaced: Vec<i64> = self
            .store()
            .by_key(&key)?
            .iter()
            .map(|(e, _)| e.id)
            .collect();
        self.drop_entries(&replaced)?;
        let id = self.store().insert(&entry, &key, embedding.as_slice())?;
        let mut state = self.state_write();
        state.index.insert(id, embedding.as_slice());
        state.max_id = state.max_id.max(id);
        state.dirty = true;
        drop(state);
        self.evict()?;
        Ok(id)
    }

    /// Evicts entries older than `max_age`, then the least recently used
    /// beyond `max_entries`; how many went.
    pub fn evict(&self) -> Result<usize> {
        let now = self.options.clock.now();
        let max_age = jiff::SignedDuration::try_from(self.options.max_age)
            .unwrap_or(jiff::SignedDuration::MAX);
        let cutoff = now.checked_sub(max_age).unwrap_or(Timestamp::MIN);
        let ids = self.store().evictable(cutoff, self.options.max_entries)?;
        self.drop_entries(&ids)?;
        Ok(ids.len())
    }

    /// Deletes entries and marks their points dead; rebuilds the index
    /// when dead points pile up.
    fn drop_entries(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let gone = self.store().delete(ids)?;
        let mut state = self.state_write();
        let in_index = ids
            .iter()
            .filter(|id| **id <= state.max_id)
            .count()
            .min(gone);
        state.tombstones += in_index;
        let points = state.index.len();
        if points > 0 && state.tombstones as f64 > REBUILD_RATIO * points as f64 {
            let store = self.store();
            *state = rebuild(&store, self.options.index)?;
        }
        Ok(())
    }

    /// Rebuilds the index from the database now.
    pub fn rebuild_index(&self) -> Result<()> {
        let mut state = self.state_write();
        let store = self.store();
        *state = rebuild(&store, self.options.index)?;
        Ok(())
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        Ok(self.store().all()?.into_iter().map(|(e, _)| e).collect())
    }

    /// Counts and sums for `distiq cache stats`.
    pub fn stats(&self) -> Result<CacheStats> {
        let store = self.store();
        let t = store.totals()?;
        let (entries, saved, cost, oldest, newest) =
            (t.entries, t.saved, t.cost, t.oldest, t.newest);
        let counter = |name| -> Result<u64> {
            Ok(store
                .meta(name)?
                .and_then(|v| v.parse().ok())
                .unwrap_or_default())
        };
        let lookups = counter("lookups")?;
        let hits = counter("lookup_hits")?;
        drop(store);
        let state = self.state_read();
        let disk_bytes = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or_default();
        let ts = |us: Option<i64>| us.and_then(|u| Timestamp::from_microsecond(u).ok());
        Ok(CacheStats {
            dir: self.dir.clone(),
            entries,
            lookups,
            hits,
            saved,
            cost,
            index_points: state.index.len(),
            tombstones: state.tombstones,
            oldest: ts(oldest),
            newest: ts(newest),
            disk_bytes,
        })
    }

    /// Deletes every entry and the index; how many entries went.
    pub fn clear(&self) -> Result<usize> {
        let mut state = self.state_write();
        let store = self.store();
        let n = store.clear()?;
        store.set_meta(&[("lookups", "0".to_owned()), ("lookup_hits", "0".to_owned())])?;
        *state = IndexState {
            index: Index::new(self.options.index, 0),
            max_id: 0,
            tombstones: 0,
            dirty: false,
        };
        drop(store);
        drop(state);
        remove_dumps(&self.dir, None);
        Ok(n)
    }

    /// Writes the index to disk if it changed since the last dump. Also
    /// done when the cache is dropped; a crash before it loses nothing
    /// (the next open catches the index up from the database).
    pub fn flush(&self) -> Result<()> {
        let mut state = self.state_write();
        if !state.dirty {
            return Ok(());
        }
        let store = self.store();
        let n: u64 = store
            .meta("index_dumps")?
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_default()
            + 1;
        let name = format!("index-{n}");
        // Leftovers of a dump under this name that crashed before its
        // metadata was written; the dump in use has another name.
        for ext in ["hnsw.graph", "hnsw.data"] {
            let _ = std::fs::remove_file(self.dir.join(format!("{name}.{ext}")));
        }
        let io = |source| Error::Io {
            path: self.dir.clone(),
            source,
        };
        state.index.dump(&self.dir, &name).map_err(io)?;
        let graph = hash_file(&self.dir.join(format!("{name}.hnsw.graph")))?;
        let data = hash_file(&self.dir.join(format!("{name}.hnsw.data")))?;
        store.set_meta(&[
            ("index_dumps", n.to_string()),
            ("index_name", name.clone()),
            ("index_max_id", state.max_id.to_string()),
            ("index_points", state.index.len().to_string()),
            ("index_graph_hash", graph),
            ("index_data_hash", data),
        ])?;
        state.dirty = false;
        drop(store);
        drop(state);
        remove_dumps(&self.dir, Some(&format!("{name}.")));
        Ok(())
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // Best effort: the database is the truth and the next open
        // rebuilds or catches the index up.
        let _ = self.flush();
    }
}

/// Opens the database, moving a damaged one aside.
fn open_store(dir: &Path, warnings: &mut Vec<String>) -> Result<Store> {
    let path = dir.join(DB_FILE);
    match Store::open(&path) {
        Ok(store) => Ok(store),
        Err(OpenFailure::Fatal(e)) => Err(e),
        Err(OpenFailure::Corrupt(why)) => {
            let stamp = Timestamp::now().as_second();
            let aside = dir.join(format!("{DB_FILE}.corrupt-{stamp}"));
            std::fs::rename(&path, &aside).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            for ext in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{ext}")));
            }
            remove_dumps(dir, None);
            warnings.push(format!(
                "the cache database {} was damaged ({why}); it was moved to {} and an empty cache started",
                path.display(),
                aside.display()
            ));
            match Store::open(&path) {
                Ok(store) => Ok(store),
                Err(OpenFailure::Fatal(e)) => Err(e),
                Err(OpenFailure::Corrupt(why)) => Err(Error::Io {
                    path,
                    source: std::io::Error::other(why),
                }),
            }
        }
    }
}

/// Loads the dumped index if it matches the database, else rebuilds it;
/// then inserts the entries written since the dump.
fn load_index(
    dir: &Path,
    store: &Store,
    params: IndexParams,
    warnings: &mut Vec<String>,
) -> Result<IndexState> {
    let meta = |name| store.meta(name);
    let loaded = match meta("index_name")? {
        None => None,
        Some(name) => {
            let graph_path = dir.join(format!("{name}.hnsw.graph"));
            let data_path = dir.join(format!("{name}.hnsw.data"));
            let expected = (meta("index_graph_hash")?, meta("index_data_hash")?);
            let points: Option<usize> = meta("index_points")?.and_then(|v| v.parse().ok());
            let max_id: i64 = meta("index_max_id")?
                .and_then(|v| v.parse().ok())
                .unwrap_or_default();
            if !graph_path.is_file() || !data_path.is_file() {
                Some("its files are missing".to_owned())
            } else if (Some(hash_file(&graph_path)?), Some(hash_file(&data_path)?)) != expected {
                Some("its files are corrupt (checksum mismatch)".to_owned())
            } else {
                match Index::load(dir, &name, params) {
                    None => Some("its files cannot be read".to_owned()),
                    Some(index) if Some(index.len()) != points => {
                        Some("it is stale (point count mismatch)".to_owned())
                    }
                    Some(index) => {
                        let live = store.count()?;
                        let tombstones = index
                            .len()
                            .saturating_sub(usize::try_from(live).unwrap_or(usize::MAX));
                        return catch_up(
                            IndexState {
                                index,
                                max_id,
                                tombstones,
                                dirty: false,
                            },
                            store,
                        );
                    }
                }
            }
        }
    };
    let state = rebuild(store, params)?;
    if let Some(problem) = loaded {
        warnings.push(format!(
            "the cache index in {} was not usable ({problem}); it was rebuilt from {} entries",
            dir.display(),
            state.index.len()
        ));
    }
    Ok(state)
}

/// Inserts the entries newer than the index into it.
fn catch_up(mut state: IndexState, store: &Store) -> Result<IndexState> {
    let newer = store.vectors_after(state.max_id)?;
    for (id, v) in &newer {
        state.index.insert(*id, v);
        state.max_id = state.max_id.max(*id);
        state.dirty = true;
    }
    // Entries deleted since the dump are dead points too.
    let live = usize::try_from(store.count()?).unwrap_or(usize::MAX);
    state.tombstones = state.index.len().saturating_sub(live);
    Ok(state)
}

/// A fresh index of every entry in the database.
fn rebuild(store: &Store, params: IndexParams) -> Result<IndexState> {
    let points = store.vectors_after(0)?;
    let max_id = points.iter().map(|(id, _)| *id).max().unwrap_or_default();
    Ok(IndexState {
        index: Index::build(params, &points),
        max_id,
        tombstones: 0,
        dirty: true,
    })
}

fn hash_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

/// Removes index dumps from `dir`, except those whose name starts with
/// `keep`.
fn remove_dumps(dir: &Path, keep: Option<&str>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dump = name.starts_with("index-")
            && (name.ends_with(".hnsw.graph") || name.ends_with(".hnsw.data"));
        if is_dump && keep.is_none_or(|k| !name.starts_with(k)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
