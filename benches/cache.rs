//! The semantic cache (distiq-cache): HNSW lookups over real embeddings of
//! task-like requests at 10k and 100k entries, against brute force.
//!
//! Needs `./models/fetch` first. Run with `cargo bench --bench cache`.
//!
//! The corpus is generated from templates × identifiers × paths × numbers
//! (deterministic), embedded once with the local model on two intra-op
//! threads, and kept in `target/bench-data/` so later runs only read it
//! (the first run embeds ~101k texts: minutes).
//!
//! Before divan's timings, `main` prints recall@10 against brute force,
//! the build time of each index and the search p50 it measured itself, and
//! the peak memory of a fresh process holding the model and a 10k-entry
//! cache. Every index is swept over `ef_search`; `DISTIQ_BENCH_GRID=1`
//! also sweeps `M` and `ef_construction` at 10k: how the crate's defaults
//! were chosen.

// A benchmark that cannot load its model or its corpus has nothing to
// measure: stop.
#![allow(clippy::expect_used, clippy::print_stderr, clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use distiq_cache::{Cache, CacheOptions, Index, IndexParams, NewEntry, Payload};
use distiq_embed::{DIMENSION, Embedder, EmbedderOptions, EmbedderPaths, Embedding};

/// Index sizes measured.
const SIZES: [usize; 2] = [10_000, 100_000];
/// Queries held out of every index (texts of the same generator).
const QUERIES: usize = 1_000;
const K: usize = 10;

/// A tiny deterministic generator (xorshift64*), so the corpus is the same
/// on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.next() % items.len() as u64).unwrap_or_default()]
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NOUNS: &[&str] = &[
    "config",
    "parser",
    "user",
    "order",
    "cache",
    "token",
    "session",
    "request",
    "response",
    "handler",
    "client",
    "server",
    "queue",
    "worker",
    "job",
    "file",
    "buffer",
    "stream",
    "index",
    "entry",
    "record",
    "account",
    "invoice",
    "payment",
    "report",
    "export",
    "import",
    "plugin",
    "router",
    "schema",
    "table",
    "column",
    "query",
    "retry",
    "timeout",
    "limit",
    "page",
    "batch",
    "event",
    "message",
    "channel",
    "socket",
    "lock",
    "metric",
    "trace",
    "span",
    "tenant",
    "project",
    "widget",
    "layout",
    "theme",
    "font",
    "image",
    "thumbnail",
    "upload",
    "download",
    "webhook",
    "invite",
    "team",
    "role",
    "permission",
    "password",
    "email",
    "profile",
    "avatar",
    "comment",
    "post",
    "thread",
    "tag",
    "label",
    "search",
    "filter",
    "sort",
    "cursor",
    "shard",
    "replica",
    "snapshot",
    "backup",
    "migration",
    "deploy",
    "build",
    "release",
    "package",
    "dependency",
    "license",
    "ledger",
    "budget",
    "price",
    "quota",
    "window",
    "panel",
    "dialog",
];

const VERBS: &[&str] = &[
    "parse",
    "load",
    "save",
    "fetch",
    "build",
    "render",
    "validate",
    "compute",
    "resolve",
    "send",
    "read",
    "write",
    "open",
    "close",
    "merge",
    "split",
    "format",
    "encode",
    "decode",
    "sync",
    "flush",
    "apply",
    "collect",
    "register",
    "dispatch",
    "schedule",
    "normalize",
    "serialize",
    "compress",
    "upload",
    "index",
    "refresh",
    "check",
    "update",
    "create",
];

const DEPS: &[&str] = &[
    "tokio", "serde", "reqwest", "clap", "axum", "sqlx", "diesel", "rayon", "regex", "chrono",
    "numpy", "pandas", "django", "flask", "fastapi", "pytest", "requests", "react", "express",
    "lodash", "webpack", "vite", "jest", "eslint", "prettier", "gin", "cobra", "zap",
];

const FORMATS: &[&str] = &[
    "JSON", "CSV", "YAML", "TOML", "XML", "Markdown", "HTML", "Parquet",
];

const EXTS: &[&str] = &["rs", "py", "ts", "go", "js", "java", "rb", "tsx"];

fn camel(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn identifier(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("{}_{}", rng.pick(VERBS), rng.pick(NOUNS)),
        1 => format!("{}{}", camel(rng.pick(NOUNS)), camel(rng.pick(NOUNS))),
        2 => format!(
            "{}_{}_{}",
            rng.pick(VERBS),
            rng.pick(NOUNS),
            rng.pick(NOUNS)
        ),
        _ => format!("{}{}", rng.pick(VERBS), camel(rng.pick(NOUNS))),
    }
}

fn type_name(rng: &mut Rng) -> String {
    match rng.below(2) {
        0 => camel(rng.pick(NOUNS)),
        _ => format!("{}{}", camel(rng.pick(NOUNS)), camel(rng.pick(NOUNS))),
    }
}

fn path(rng: &mut Rng) -> String {
    let ext = rng.pick(EXTS);
    match rng.below(4) {
        0 => format!("src/{}.{ext}", rng.pick(NOUNS)),
        1 => format!("src/{}/{}.{ext}", rng.pick(NOUNS), rng.pick(VERBS)),
        2 => format!("lib/{}_{}.{ext}", rng.pick(NOUNS), rng.pick(NOUNS)),
        _ => format!("crates/{}/src/{}.rs", rng.pick(NOUNS), rng.pick(NOUNS)),
    }
}

/// One task-like request.
fn request(rng: &mut Rng) -> String {
    let (id, id2, ty) = (identifier(rng), identifier(rng), type_name(rng));
    let (noun, noun2, verb) = (rng.pick(NOUNS), rng.pick(NOUNS), rng.pick(VERBS));
    let (dep, dep2, fmt) = (rng.pick(DEPS), rng.pick(DEPS), rng.pick(FORMATS));
    let p = path(rng);
    let n = match rng.below(3) {
        0 => rng.below(10) + 1,
        1 => rng.below(100) + 1,
        _ => rng.below(10_000) + 1,
    };
    let version = format!("{}.{}", rng.below(5), rng.below(40));
    match rng.below(50) {
        0 => format!("add a --{noun} flag to the {noun2} command"),
        1 => format!("rename {id} to {id2}"),
        2 => format!("fix the crash in {id} when the {noun} is empty"),
        3 => format!("write unit tests for {id} in {p}"),
        4 => format!("explain how {id} works"),
        5 => format!("why is {id} slow on large {noun}s?"),
        6 => format!("change the default {noun} {noun2} to {n}"),
        7 => format!("remove the unused {id} from {p}"),
        8 => format!("move {id} into {p}"),
        9 => format!("document the {noun} {noun2} settings in the README"),
        10 => format!("make {id} return a Result instead of panicking"),
        11 => format!("the {noun} command ignores --{noun2}"),
        12 => format!("split {p} into smaller modules"),
        13 => format!("bump {dep} to {version}"),
        14 => format!("add a {n} second timeout to {id}"),
        15 => format!("log the {noun} id in {id}"),
        16 => format!("handle {noun} errors in {id} gracefully"),
        17 => format!("cache the result of {id} per {noun}"),
        18 => format!("make {id} async"),
        19 => format!("add pagination to the {noun} list endpoint with a page size of {n}"),
        20 => format!("refactor {id} to use a {ty}"),
        21 => format!("add a {noun} field to the {ty} struct"),
        22 => format!("validate the {noun} {noun2} in {p}"),
        23 => format!("port {p} from Python to Rust"),
        24 => format!("why does {id} return None for {noun}s with {n} items?"),
        25 => format!("limit {noun} uploads to {n} MB"),
        26 => format!("retry {id} up to {n} times with exponential backoff"),
        27 => format!("add a --{noun}-{noun2} option that defaults to {n}"),
        28 => format!("delete the deprecated {noun} API in {p}"),
        29 => format!("show a progress bar while the {noun}s {verb}"),
        30 => format!("make the {noun} {noun2} configurable in config.toml"),
        31 => format!("speed up {id} by batching {noun} queries"),
        32 => format!("add logging to {id}"),
        33 => format!("convert {id} to a method on {ty}"),
        34 => format!("what does {ty} do and where is it used?"),
        35 => format!("replace {dep} with {dep2} in {p}"),
        36 => format!("add an index on {noun}s.{noun2}_id"),
        37 => format!("support {fmt} output in the {noun} command"),
        38 => format!("sort the {noun} list by {noun2} before printing it"),
        39 => format!("reject {noun}s larger than {n} bytes in {id}"),
        40 => format!("add a benchmark for {id}"),
        41 => format!("the {noun} page flickers when a {noun2} changes"),
        42 => format!("only admins may {verb} {noun}s"),
        43 => format!("make {id} thread-safe"),
        44 => format!("inline {id} into its only caller"),
        45 => format!("add a doc comment to {id} explaining the {noun} argument"),
        46 => format!("use {dep} to {verb} the {noun} in {p}"),
        47 => format!("increase the {noun} pool size to {n}"),
        48 => format!("add a migration that adds {noun2} to the {noun}s table"),
        _ => format!("write a docstring for the {ty} class in {p}"),
    }
}

/// `count` distinct requests; the first [`QUERIES`] are the queries.
fn corpus(count: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let text = request(&mut rng);
        if seen.insert(text.clone()) {
            out.push(text);
        }
    }
    out
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// FNV-1a of the texts: the vector file is named after what it embeds.
fn fingerprint(texts: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in texts {
        for b in t.bytes().chain([0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The file the corpus's embeddings are kept in, and the corpus.
fn vectors_file() -> (PathBuf, Vec<String>) {
    let texts = corpus(QUERIES + SIZES[1]);
    let file = target_dir().join("bench-data").join(format!(
        "cache-corpus-{}-{:016x}.f32",
        texts.len(),
        fingerprint(&texts)
    ));
    (file, texts)
}

/// The first `count` vectors of the file, if it is complete.
fn read_vectors(file: &std::path::Path, total: usize, count: usize) -> Option<Vec<Vec<f32>>> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(file).ok()?;
    if f.metadata().ok()?.len() != (total * DIMENSION * 4) as u64 {
        return None;
    }
    let mut bytes = vec![0u8; count * DIMENSION * 4];
    f.read_exact(&mut bytes).ok()?;
    Some(
        bytes
            .chunks_exact(DIMENSION * 4)
            .map(|v| {
                v.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect()
            })
            .collect(),
    )
}

/// The embeddings of the whole corpus, queries first: read from
/// `target/bench-data/`, or computed (two intra-op threads) and written
/// there.
fn vectors() -> &'static Vec<Vec<f32>> {
    static VECTORS: OnceLock<Vec<Vec<f32>>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let (file, texts) = vectors_file();
        if let Some(v) = read_vectors(&file, texts.len(), texts.len()) {
            return v;
        }
        let embedder = Embedder::load_with(
            &EmbedderPaths::discover().expect("run ./models/fetch first"),
            EmbedderOptions::default().with_intra_threads(2),
        )
        .expect("the model loads");
        eprintln!(
            "embedding {} texts once into {} ...",
            texts.len(),
            file.display()
        );
        let started = Instant::now();
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(256) {
            let batch = embedder.embed_batch(chunk).expect("embeds");
            out.extend(batch.into_iter().map(Embedding::into_vec));
            if out.len() % 10_240 == 0 {
                eprintln!(
                    "  {} texts, {:.0}/s",
                    out.len(),
                    out.len() as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
        eprintln!(
            "embedded {} texts in {:.0} s",
            out.len(),
            started.elapsed().as_secs_f64()
        );
        std::fs::create_dir_all(file.parent().expect("a folder")).expect("target/bench-data");
        let mut bytes = Vec::with_capacity(texts.len() * DIMENSION * 4);
        for v in &out {
            for x in v {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
        }
        std::fs::write(&file, bytes).expect("writes the vectors");
        out
    })
}

fn queries() -> &'static [Vec<f32>] {
    &vectors()[..QUERIES]
}

fn points(size: usize) -> Vec<(i64, Vec<f32>)> {
    vectors()[QUERIES..QUERIES + size]
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64 + 1, v.clone()))
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The exact `K` nearest ids (1-based, as in the index) of `query`.
fn brute_force(query: &[f32], size: usize) -> Vec<i64> {
    let mut scored: Vec<(f32, i64)> = vectors()[QUERIES..QUERIES + size]
        .iter()
        .enumerate()
        .map(|(i, v)| (dot(query, v), i as i64 + 1))
        .collect();
    scored.select_nth_unstable_by(K, |a, b| b.0.total_cmp(&a.0));
    scored.truncate(K);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().map(|(_, id)| id).collect()
}

/// The exact answers for every query at `size`, computed once.
fn truth(size: usize) -> &'static Vec<Vec<i64>> {
    static TRUTH: [OnceLock<Vec<Vec<i64>>>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = SIZES.iter().position(|s| *s == size).expect("a known size");
    TRUTH[slot].get_or_init(|| queries().iter().map(|q| brute_force(q, size)).collect())
}

/// Recall@10 and the search p50 of `index` over every query.
fn measure(index: &Index, size: usize) -> (f64, Duration) {
    let truth = truth(size);
    let mut found = 0;
    let mut times = Vec::with_capacity(QUERIES);
    for (q, exact) in queries().iter().zip(truth) {
        let started = Instant::now();
        let got = index.search(q, K);
        times.push(started.elapsed());
        found += got.iter().filter(|n| exact.contains(&n.id)).count();
    }
    times.sort();
    (found as f64 / (QUERIES * K) as f64, times[times.len() / 2])
}

/// `ef_search` values swept on every index built.
const EF_SWEEP: [usize; 8] = [16, 24, 32, 40, 48, 64, 96, 128];

/// Recall@10 and search p50 of `index` at each `ef_search` of
/// [`EF_SWEEP`], printed; the index is left at `ef`.
fn sweep(index: &mut Index, size: usize, label: &str, built: Duration, ef: usize) {
    for ef in EF_SWEEP {
        index.set_ef_search(ef);
        let (recall, p50) = measure(index, size);
        eprintln!(
            "{label} n={size} ef_search={ef}: build {:.1} s, recall@10 {recall:.4}, search p50 {:.3} ms",
            built.as_secs_f64(),
            p50.as_secs_f64() * 1e3
        );
    }
    index.set_ef_search(ef);
}

/// The index at `size` with the crate's default parameters, built once
/// (and swept over `ef_search`).
fn index(size: usize) -> &'static Index {
    static BUILT: [OnceLock<Index>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = SIZES.iter().position(|s| *s == size).expect("a known size");
    BUILT[slot].get_or_init(|| {
        let points = points(size);
        let params = IndexParams::default();
        let started = Instant::now();
        let mut index = Index::build(params, &points);
        let built = started.elapsed();
        let label = format!(
            "defaults M={} ef_c={}",
            params.max_connections, params.ef_construction
        );
        sweep(&mut index, size, &label, built, params.ef_search);
        let (recall, p50) = measure(&index, size);
        eprintln!(
            "=> defaults {params:?} at {size}: build {:.1} s, recall@10 {recall:.4}, search p50 {:.3} ms",
            built.as_secs_f64(),
            p50.as_secs_f64() * 1e3
        );
        index
    })
}

/// HNSW search for the 10 nearest, crate defaults.
#[divan::bench(args = SIZES, sample_count = 1_000)]
fn hnsw_search_k10(bencher: divan::Bencher, size: usize) {
    let index = index(size);
    let queries = queries();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % queries.len();
        index.search(divan::black_box(&queries[i]), K)
    });
}

/// The exact 10 nearest by scanning every vector (one thread).
#[divan::bench(args = SIZES, sample_count = 100)]
fn brute_force_k10(bencher: divan::Bencher, size: usize) {
    let queries = queries();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % queries.len();
        brute_force(divan::black_box(&queries[i]), size)
    });
}

/// A whole `Cache::lookup` on a 10k-entry cache (HNSW, SQLite reads of
/// the candidates, the rule): what the pipeline pays per task, after the
/// embedding.
#[divan::bench(sample_count = 300)]
fn cache_lookup_10k(bencher: divan::Bencher) {
    let (cache, texts) = ten_k_cache();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % QUERIES;
        let q = Embedding::from_vec(queries()[i].clone()).expect("a unit vector");
        cache.lookup(&texts[i], &q).expect("looks up")
    });
}

/// The 10k-entry cache the memory measurement filled, opened once.
fn ten_k_cache() -> &'static (Cache, Vec<String>) {
    static CACHE: OnceLock<(Cache, Vec<String>)> = OnceLock::new();
    CACHE.get_or_init(|| {
        let repo = FILLED.get().expect("filled by main").path();
        (
            Cache::open(repo, options()).expect("opens"),
            corpus(QUERIES),
        )
    })
}

/// The repository whose cache the memory children filled.
static FILLED: OnceLock<tempfile::TempDir> = OnceLock::new();

fn options() -> CacheOptions {
    CacheOptions::new(
        distiq_cache::rule::DEFAULT_THRESHOLD,
        1_000_000,
        Duration::from_secs(365 * 86_400),
    )
}

/// Opens a cache in `repo` and inserts the first `size` corpus entries one
/// by one, as the pipeline would; the cache and the time the inserts took.
fn fill_cache(repo: &std::path::Path, vectors: &[Vec<f32>], size: usize) -> (Cache, Duration) {
    std::fs::create_dir_all(repo.join(".git/info")).expect("a repo dir");
    let texts = corpus(QUERIES + size);
    let cache = Cache::open(repo, options()).expect("opens");
    let started = Instant::now();
    for (text, v) in texts[QUERIES..]
        .iter()
        .zip(&vectors[QUERIES..QUERIES + size])
    {
        let entry = NewEntry {
            request: text.clone(),
            payload: Payload::Answer(format!("a cached answer to: {text}")),
            dependencies: vec![],
            cost: distiq_core::Money::from_micros(20_000),
        };
        let v = Embedding::from_vec(v.clone()).expect("a unit vector");
        cache.insert(entry, &v).expect("inserts");
    }
    (cache, started.elapsed())
}

fn status(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The first child of the memory measurement: fills a 10k-entry cache in
/// `repo` one entry at a time, as the pipeline would, and reports the time
/// and this process's peak.
fn memory_fill(repo: &std::path::Path) {
    let (file, texts) = vectors_file();
    let vectors = read_vectors(&file, texts.len(), QUERIES + SIZES[0]).expect("the corpus file");
    let (cache, inserted) = fill_cache(repo, &vectors, SIZES[0]);
    drop(cache);
    eprintln!(
        "memory: filling a 10k-entry cache one insert at a time took {:.1} s; that process's peak VmHWM {:.0} MiB (no model loaded, {:.0} MiB of it the benchmark's copy of the vectors)",
        inserted.as_secs_f64(),
        status("VmHWM:").unwrap_or_default(),
        (vectors.len() * DIMENSION * 4) as f64 / (1024.0 * 1024.0)
    );
}

/// The second child: what a distiq process holds, the model as distiq
/// loads it and the 10k-entry cache of `repo` opened and looked up in.
fn memory_open(repo: &std::path::Path) {
    let base = status("VmRSS:").unwrap_or_default();
    let embedder = Embedder::load(&EmbedderPaths::discover().expect("run ./models/fetch first"))
        .expect("the model loads");
    embedder.embed("warm up").expect("embeds");
    let model = status("VmRSS:").unwrap_or_default();
    let model_peak = status("VmHWM:").unwrap_or_default();
    let started = Instant::now();
    let cache = Cache::open(repo, options()).expect("reopens");
    let opened = started.elapsed();
    let texts = corpus(QUERIES);
    let mut hits = 0;
    for text in texts.iter().take(100) {
        let e = embedder.embed(text).expect("embeds");
        hits += usize::from(cache.lookup(text, &e).expect("looks up").is_hit());
    }
    eprintln!(
        "memory: process {base:.0} MiB; model loaded +{:.0} MiB (peak so far {model_peak:.0} MiB); 10k-entry cache opened in {} ms ({} entries), 100 lookups of new requests ({hits} hits): VmRSS {:.0} MiB, peak VmHWM {:.0} MiB",
        model - base,
        opened.as_millis(),
        cache.stats().expect("stats").entries,
        status("VmRSS:").unwrap_or_default(),
        status("VmHWM:").unwrap_or_default(),
    );
}

/// Sweeps `M` × `ef_construction` × `ef_search` at 10k.
fn grid() {
    let size = SIZES[0];
    let points = points(size);
    for m in [8, 12, 16, 24] {
        for efc in [64, 100, 200] {
            let params = IndexParams {
                max_connections: m,
                ef_construction: efc,
                ef_search: 16,
            };
            let started = Instant::now();
            let mut index = Index::build(params, &points);
            let built = started.elapsed();
            sweep(
                &mut index,
                size,
                &format!("grid M={m} ef_c={efc}"),
                built,
                16,
            );
        }
    }
}

fn main() {
    if let Some(repo) = std::env::var_os("DISTIQ_BENCH_MEMORY_FILL") {
        memory_fill(repo.as_ref());
        return;
    }
    if let Some(repo) = std::env::var_os("DISTIQ_BENCH_MEMORY_OPEN") {
        memory_open(repo.as_ref());
        return;
    }
    eprintln!(
        "corpus: {} task-like requests, e.g. {:?}",
        QUERIES + SIZES[1],
        &corpus(3)
    );
    vectors();
    // Memory in fresh processes, so that the embedding of the corpus and
    // the 100k index do not count: one fills a cache, the next opens it
    // with the model loaded, as distiq does.
    let repo = FILLED.get_or_init(|| tempfile::tempdir().expect("a temp dir"));
    for child in ["DISTIQ_BENCH_MEMORY_FILL", "DISTIQ_BENCH_MEMORY_OPEN"] {
        let status = std::process::Command::new(std::env::current_exe().expect("the bench binary"))
            .env(child, repo.path())
            .status()
            .expect("runs the memory child");
        assert!(status.success(), "the memory measurement failed");
    }
    if std::env::var_os("DISTIQ_BENCH_GRID").is_some() {
        grid();
    }
    for size in SIZES {
        index(size);
    }
    divan::main();
}
