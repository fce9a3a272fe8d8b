//! The local embedding model (distiq-embed): load time, one short query,
//! and a batch of 32, for each thread setting worth comparing.
//!
//! Needs `./models/fetch` first. Run with `cargo bench --bench embed`.

// A benchmark that cannot load its model has nothing to measure: stop.
#![allow(clippy::expect_used)]

use std::sync::OnceLock;
use std::time::Instant;

use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths};

/// The session settings compared. The first is the default.
const SETTINGS: [&str; 3] = ["1 thread", "2 threads, no spinning", "2 threads, spinning"];

fn options(setting: &str) -> EmbedderOptions {
    match setting {
        "2 threads, no spinning" => EmbedderOptions::default().with_intra_threads(2),
        "2 threads, spinning" => EmbedderOptions::default()
            .with_intra_threads(2)
            .with_spinning(true),
        _ => EmbedderOptions::default(),
    }
}

fn paths() -> &'static EmbedderPaths {
    static PATHS: OnceLock<EmbedderPaths> = OnceLock::new();
    PATHS.get_or_init(|| EmbedderPaths::discover().expect("run ./models/fetch first"))
}

/// One loaded embedder per setting, shared by the benchmarks of that setting.
fn embedder(setting: &str) -> &'static Embedder {
    static LOADED: [OnceLock<Embedder>; SETTINGS.len()] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = SETTINGS
        .iter()
        .position(|name| *name == setting)
        .expect("a known setting");
    LOADED[index]
        .get_or_init(|| Embedder::load_with(paths(), options(setting)).expect("the model loads"))
}

/// Task prompts of the kind the router sees: short, varied, some with flags,
/// paths and numbers.
const TASKS: [&str; 32] = [
    "add a --json flag to the export command",
    "why does `cargo test` hang on the ledger tests?",
    "fix the off-by-one in the pagination of the list view",
    "rename parse_args to parse_arguments across the crate",
    "write unit tests for the config loader's precedence rules",
    "explain how the retry policy decides to back off",
    "split crates/executor/src/apply.rs into smaller modules",
    "change the default port from 8080 to 8081",
    "document the cache eviction settings in the README",
    "the TUI flickers when the terminal is resized, make it stop",
    "migrate the ledger schema to add a cached_tokens column",
    "design a plugin system for validators",
    "remove the deprecated --quiet flag",
    "bump tokio to 1.40 and fix the breakage",
    "add a timeout of 30 seconds to every provider request",
    "make the planner stream its output to the TUI",
    "what does the Tier enum mean and where is it used?",
    "replace the hand-written SSE parser with a crate",
    "the anthropic provider drops usage when the stream is cut",
    "support OpenRouter as an OpenAI-compatible endpoint",
    "add a `distiq stats --since 7d` option",
    "refactor the router scoring into a trait so it can be swapped",
    "speed up the repo map for repositories with 50k files",
    "handle CRLF line endings when applying edits on Windows",
    "add a progress bar while the index is rebuilt",
    "rewrite the validator in async Rust",
    "translate the error messages of the CLI into plain English",
    "why is the cache hit rate zero after a rebase?",
    "add integration tests for the gemini streaming format",
    "allow per-stage temperature overrides in the config",
    "reject plans that touch files outside the repository",
    "log every model call with its cost in micro-dollars",
];

/// Model load time: reading the files and building the ONNX Runtime session
/// (the runtime library itself is loaded once per process; see `main`).
#[divan::bench(args = SETTINGS, sample_count = 10, sample_size = 1)]
fn load(bencher: divan::Bencher, setting: &str) {
    let paths = paths();
    let options = options(setting);
    bencher.bench(|| Embedder::load_with(paths, options).expect("the model loads"));
}

/// One short query on a warm embedder.
#[divan::bench(args = SETTINGS, sample_count = 300)]
fn embed_short_query(bencher: divan::Bencher, setting: &str) {
    let embedder = embedder(setting);
    embedder.embed(TASKS[0]).expect("warm-up");
    bencher.bench(|| embedder.embed(divan::black_box(TASKS[0])).expect("embeds"));
}

/// A batch of 32 task prompts in one call.
#[divan::bench(args = SETTINGS, sample_count = 30)]
fn embed_32_one_by_one(bencher: divan::Bencher, setting: &str) {
    let embedder = embedder(setting);
    bencher.bench(|| {
        for task in TASKS {
            embedder.embed(divan::black_box(task)).expect("embeds");
        }
    });
}

#[allow(clippy::print_stderr)]
fn main() {
    // The first load in a process also loads libonnxruntime.so and creates
    // the ONNX Runtime environment: what a cold `distiq` process pays.
    let started = Instant::now();
    let first = Embedder::load(paths()).expect("the model loads");
    let loaded = started.elapsed();
    first.embed(TASKS[0]).expect("embeds");
    eprintln!(
        "first load in this process (runtime library + environment + session): {:.0} ms; \
         first query after it: {:.1} ms; resident memory: {}",
        loaded.as_secs_f64() * 1e3,
        (started.elapsed() - loaded).as_secs_f64() * 1e3,
        resident_memory().unwrap_or_else(|| "unknown".to_owned())
    );
    drop(first);
    divan::main();
}

/// VmRSS of this process, from /proc (Linux only).
fn resident_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MiB", kib / 1024.0))
}
