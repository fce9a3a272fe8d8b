//! The local router (distiq-router): a warm route decision, the classifier
//! alone, the embedding plus the classifier per session setting, training
//! (a cold model cache), and reading the trained router from disk.
//!
//! Needs `./models/fetch` first. Run with `cargo bench --bench route`.
//! Before divan's tables, `main` prints p50 and p95 of a warm decision over
//! a few hundred varied prompts (divan reports the median and the extremes,
//! not p95). The cold `distiq route` process is measured with hyperfine;
//! see BENCHMARKS.md.

// A benchmark that cannot load its model has nothing to measure: stop.
#![allow(clippy::expect_used, clippy::print_stderr)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use distiq_config::{Config, ConfigBuilder};
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths, Embedding};
use distiq_router::{Exemplars, ModelFingerprint, ModelStore, RecentEmbeddings, Request, Router};

/// The session settings compared for the embedding part.
const SETTINGS: [&str; 2] = ["1 thread", "2 threads, spinning"];

fn options(setting: &str) -> EmbedderOptions {
    match setting {
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

fn embedder(setting: &str) -> &'static Embedder {
    static LOADED: [OnceLock<Embedder>; SETTINGS.len()] = [OnceLock::new(), OnceLock::new()];
    let index = SETTINGS
        .iter()
        .position(|name| *name == setting)
        .expect("a known setting");
    LOADED[index]
        .get_or_init(|| Embedder::load_with(paths(), options(setting)).expect("the model loads"))
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/nonexistent-home")])
            .build()
            .expect("the built-in config")
    })
}

fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Router::train(
            embedder("1 thread"),
            Exemplars::builtin().expect("exemplars"),
        )
        .expect("the router trains")
    })
}

/// Prompts of the dev set: what the router sees.
fn prompts() -> Vec<String> {
    include_str!("../crates/router/data/dev.jsonl")
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["prompt"].as_str().map(str::to_owned))
        .collect()
}

const TASK: &str = "add a --json flag to the export command";

/// The classifier alone, on an embedding already computed (the cache
/// shares it): features, both classifiers, nearest exemplars, tiers.
#[divan::bench(sample_count = 2000)]
fn classify_only(bencher: divan::Bencher) {
    let router = router();
    let request = Request::new(TASK);
    let embedding = embedder("1 thread").embed(TASK).expect("embeds");
    bencher.bench(|| router.route(config(), divan::black_box(&request), &embedding));
}

/// A warm decision from the text: embedding plus classifier.
#[divan::bench(args = SETTINGS, sample_count = 300)]
fn route_warm(bencher: divan::Bencher, setting: &str) {
    let router = router();
    let embedder = embedder(setting);
    let request = Request::new(TASK);
    router
        .route_text(embedder, config(), &request)
        .expect("warm-up");
    bencher.bench(|| {
        router
            .route_text(embedder, config(), divan::black_box(&request))
            .expect("routes")
    });
}

/// A warm decision for a prompt routed moments ago: its embedding comes
/// from [`RecentEmbeddings`], the model is not run.
#[divan::bench(sample_count = 2000)]
fn route_warm_repeat(bencher: divan::Bencher) {
    let router = router();
    let embedder = embedder("1 thread");
    let recent = RecentEmbeddings::new(256);
    let request = Request::new(TASK);
    recent.get_or_embed(embedder, TASK).expect("embeds");
    bencher.bench(|| {
        let embedding = recent
            .get_or_embed(embedder, divan::black_box(&request.prompt))
            .expect("remembered");
        router.route(config(), &request, &embedding)
    });
}

/// Training on the built-in exemplars: what a cold model cache costs once
/// (embedding the exemplars, then fitting with cross-validation).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn train(bencher: divan::Bencher) {
    let embedder = embedder("1 thread");
    bencher.bench(|| {
        Router::train(embedder, Exemplars::builtin().expect("exemplars")).expect("trains")
    });
}

/// Fitting alone, on embeddings already computed.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn fit_only(bencher: divan::Bencher) {
    let exemplars = Exemplars::builtin().expect("exemplars");
    let texts: Vec<&str> = exemplars.items().iter().map(|e| e.text.as_str()).collect();
    let embeddings: Vec<Embedding> = embedder("1 thread").embed_batch(&texts).expect("embeds");
    bencher.bench(|| Router::from_embeddings(exemplars.clone(), &embeddings).expect("fits"));
}

/// The built-in exemplars: every process that routes reads them once (the
/// hand-written files, then the labelled training sets, parsed as JSON).
#[divan::bench(sample_count = 200)]
fn exemplars_builtin() -> Exemplars {
    Exemplars::builtin().expect("exemplars")
}

/// Reading the trained router from its disk cache: what a cold process
/// pays instead of training.
#[divan::bench(sample_count = 50)]
fn read_cached(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = ModelStore::new(dir.path());
    let exemplars = Exemplars::builtin().expect("exemplars");
    let fingerprint = ModelFingerprint::of(paths()).expect("fingerprint");
    Router::load_or_train(
        Some(&store),
        exemplars.clone(),
        &fingerprint,
        embedder("1 thread"),
    )
    .expect("trains");
    bencher.bench(|| {
        Router::cached(&store, &exemplars, &fingerprint)
            .0
            .expect("cached")
    });
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let max = sorted.len().saturating_sub(1) as f64;
    // In range: p is 0..=1 and max a small index.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let at = (max * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// p50 and p95 over every dev prompt, three rounds, after one warm-up round.
fn percentiles() {
    let prompts = prompts();
    let router = router();
    for setting in SETTINGS {
        let embedder = embedder(setting);
        let mut total = Vec::new();
        let mut classify = Vec::new();
        for round in 0..4 {
            for prompt in &prompts {
                let request = Request::new(prompt.as_str());
                let started = Instant::now();
                let embedding = embedder.embed(prompt).expect("embeds");
                let embedded = Instant::now();
                let routed = router.route(config(), &request, &embedding);
                let done = Instant::now();
                divan::black_box(routed);
                if round > 0 {
                    total.push(done - started);
                    classify.push(done - embedded);
                }
            }
        }
        total.sort();
        classify.sort();
        eprintln!(
            "{setting}: warm decision over {} prompts: p50 {}, p95 {}; classifier alone: p50 {}, p95 {}",
            prompts.len(),
            ms(percentile(&total, 0.5)),
            ms(percentile(&total, 0.95)),
            ms(percentile(&classify, 0.5)),
            ms(percentile(&classify, 0.95)),
        );
    }
}

fn main() {
    percentiles();
    divan::main();
}
