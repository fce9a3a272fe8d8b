//! The HNSW index over entry embeddings: built, searched, dumped to disk
//! and reloaded. SQLite stays the source of truth; the index can always be
//! rebuilt from it.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use hnsw_rs::prelude::{AnnT, DistDot, Hnsw, HnswIo};

/// HNSW parameters.
///
/// The defaults (M 16, ef_construction 200, ef_search 40) come from
/// `cargo bench --bench cache` on real embeddings of task-like requests
/// (BENCHMARKS.md, "Semantic cache"). At 10k entries, the default
/// `max_entries` and so the size a cache runs at, they give recall@10
/// 0.995-0.996 against brute force at 0.21 ms p50. At 100k, ef_search 40
/// is the smallest that keeps recall@10 at 0.98 or more (0.982-0.984 in
/// two builds; 32 gives 0.971-0.975), and on a quiet machine it searches
/// in 0.44 ms p50, where 48 took 0.52 ms (recall 0.987-0.989). M 16 with
/// ef_construction 200 had the best recall per query time of the grid;
/// the cost is build time (7-13 s for 10k, 120-495 s for 100k, quiet to
/// busy). The graph is rebuilt only when tombstones pile up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexParams {
    /// Neighbours kept per node and layer (`M`).
    pub max_connections: usize,
    /// Candidates explored while inserting (`ef_construction`).
    pub ef_construction: usize,
    /// Candidates explored while searching (`ef_search`).
    pub ef_search: usize,
}

impl Default for IndexParams {
    fn default() -> Self {
        Self {
            max_connections: 16,
            ef_construction: 200,
            ef_search: 40,
        }
    }
}

/// hnsw_rs caps its layers at 16.
const MAX_LAYERS: usize = 16;

type Graph<'a> = Hnsw<'a, f32, DistDot>;

self_cell::self_cell!(
    /// An index reloaded from disk: hnsw_rs's reloaded graph borrows the
    /// `HnswIo` that read it, so both live in one cell.
    struct Loaded {
        owner: HnswIo,
        #[not_covariant]
        dependent: Graph,
    }
);

enum Inner {
    Built(Graph<'static>),
    Loaded(Loaded),
}

/// An HNSW graph of `f32` unit vectors under the dot-product distance
/// (`1 - cosine`), keyed by entry id.
///
/// Insert and search take `&self`, but hnsw_rs forbids them overlapping:
/// the cache guards an `Index` with a `RwLock` (search under the read
/// lock, insert under the write lock).
pub struct Index {
    inner: Inner,
    params: IndexParams,
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("points", &self.len())
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// The entry id given at insert.
    pub id: i64,
    /// `1 - cosine`.
    pub distance: f32,
}

impl Index {
    /// An empty index sized for about `capacity` points.
    pub fn new(params: IndexParams, capacity: usize) -> Self {
        let graph = Hnsw::new(
            params.max_connections,
            capacity.max(16),
            MAX_LAYERS,
            params.ef_construction,
            DistDot,
        );
        Self {
            inner: Inner::Built(graph),
            params,
        }
    }

    /// An index of `points`, inserted in parallel.
    pub fn build(params: IndexParams, points: &[(i64, Vec<f32>)]) -> Self {
        let index = Self::new(params, points.len());
        let data: Vec<(&[f32], usize)> = points
            .iter()
            .filter_map(|(id, v)| Some((v.as_slice(), usize::try_from(*id).ok()?)))
            .collect();
        index.with(|g| g.parallel_insert_slice(&data));
        index
    }

    /// Reloads the dump `dir/basename.hnsw.{graph,data}`. `None` when the
    /// files cannot be read as an index (hnsw_rs asserts on some damage;
    /// that is caught here). The caller verifies checksums first.
    pub fn load(dir: &Path, basename: &str, params: IndexParams) -> Option<Self> {
        // hnsw_rs prints to stdout when a file is missing: never ask it to.
        for ext in ["hnsw.graph", "hnsw.data"] {
            if !dir.join(format!("{basename}.{ext}")).is_file() {
                return None;
            }
        }
        let io = HnswIo::new(dir, basename);
        let loaded = catch_unwind(AssertUnwindSafe(|| {
            Loaded::try_new(io, |io| io.load_hnsw_with_dist(DistDot))
        }));
        match loaded {
            Ok(Ok(loaded)) => Some(Self {
                inner: Inner::Loaded(loaded),
                params,
            }),
            _ => None,
        }
    }

    fn with<R>(&self, f: impl for<'a> FnOnce(&Graph<'a>) -> R) -> R {
        match &self.inner {
            Inner::Built(g) => f(g),
            Inner::Loaded(l) => l.with_dependent(|_, g| f(g)),
        }
    }

    /// How many points the graph holds, tombstones included.
    pub fn len(&self) -> usize {
        self.with(|g| g.get_nb_point())
    }

    /// Whether the graph holds no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The parameters the index searches with.
    pub fn params(&self) -> IndexParams {
        self.params
    }

    /// Searches with `ef` candidates from now on (the graph is unchanged:
    /// `ef_search` is a query-time setting).
    pub fn set_ef_search(&mut self, ef: usize) {
        self.params.ef_search = ef.max(1);
    }

    /// Adds one point. Not concurrently with a search (see [`Index`]).
    pub fn insert(&self, id: i64, vector: &[f32]) {
        if let Ok(id) = usize::try_from(id) {
            self.with(|g| g.insert_slice((vector, id)));
        }
    }

    /// The `k` nearest points to `query`, nearest first.
    pub fn search(&self, query: &[f32], k: usize) -> Vec<Neighbour> {
        if k == 0 || self.is_empty() {
            return Vec::new();
        }
        let ef = self.params.ef_search.max(k);
        self.with(|g| g.search(query, k, ef))
            .into_iter()
            .filter_map(|n| {
                Some(Neighbour {
                    id: i64::try_from(n.d_id).ok()?,
                    distance: n.distance,
                })
            })
            .collect()
    }

    /// Writes `dir/basename.hnsw.{graph,data}`; `dir` must exist and the
    /// files must not (hnsw_rs would pick another name).
    pub fn dump(&self, dir: &Path, basename: &str) -> std::io::Result<()> {
        let used = self
            .with(|g| g.file_dump(dir, basename))
            .map_err(std::io::Error::other)?;
        if used != basename {
            return Err(std::io::Error::other(format!(
                "the index was dumped as `{used}` instead of `{basename}`"
            )));
        }
        Ok(())
    }
}
