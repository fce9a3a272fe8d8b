mod inspect;
mod overlap;
mod routing;
mod store;

use std::path::PathBuf;
use std::sync::OnceLock;

use distiq_config::{Config, ConfigBuilder};
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths};
use distiq_router::{Exemplars, Labelled, Router, read_labels};

/// The checkout's `models/`, laid out by `./models/fetch`.
pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

pub fn real_paths() -> EmbedderPaths {
    EmbedderPaths::in_models_dir(&models_dir())
}

/// One embedder for the whole test process (two threads: the tests embed
/// in batches).
pub fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        Embedder::load_with(
            &real_paths(),
            EmbedderOptions::default().with_intra_threads(2),
        )
        .unwrap_or_else(|e| panic!("the real model failed to load (run ./models/fetch): {e}"))
    })
}

/// The router on the built-in exemplars, trained once per process.
pub fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| Router::train(embedder(), Exemplars::builtin().unwrap()).unwrap())
}

/// The built-in defaults, with `overrides` (`-c key=value`).
pub fn config(overrides: &[(&str, &str)]) -> Config {
    overrides
        .iter()
        .fold(
            ConfigBuilder::new()
                .user_file(None)
                .env([("HOME", "/nonexistent-home")]),
            |b, (k, v)| b.cli_override(*k, *v),
        )
        .build()
        .unwrap()
}

/// The labelled set `data/<name>.jsonl`.
fn labelled(name: &str) -> Vec<Labelled> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("data/{name}.jsonl"));
    read_labels(&path).unwrap()
}

/// The development set.
pub fn dev_set() -> Vec<Labelled> {
    labelled("dev")
}

/// Prompts written after the router was frozen, never used to tune it.
pub fn holdout_set() -> Vec<Labelled> {
    labelled("holdout")
}

/// 80 prompts written before the exemplars were extended and evaluated only
/// at the end, as the final check (data/holdout2.jsonl).
pub fn holdout2_set() -> Vec<Labelled> {
    labelled("holdout2")
}

/// 48 plainly worded prompts, 6 per kind, written after the exemplar round
/// and never tuned on (data/holdout3.jsonl).
pub fn holdout3_set() -> Vec<Labelled> {
    labelled("holdout3")
}

/// 120 prompts written blind (by someone who saw neither the exemplars nor
/// the other sets), half of them worded like another kind: kind 85.0% and
/// 7.5% below the label when first measured; its misses were then read and
/// led to the third exemplar round (data/holdout4.jsonl).
pub fn holdout4_set() -> Vec<Labelled> {
    labelled("holdout4")
}

/// 120 more prompts written blind the same way, measured once after the
/// third exemplar round (83.3%), then once more after the kind's word
/// weight was chosen on other sets (data/holdout5.jsonl).
pub fn holdout5_set() -> Vec<Labelled> {
    labelled("holdout5")
}

/// 120 more prompts written blind the same way (118 after two near copies
/// of exemplars were dropped), measured against the third and a fourth
/// exemplar round (the fourth was not kept), then once more after the
/// kind's word weight was chosen on other sets (data/holdout6.jsonl).
pub fn holdout6_set() -> Vec<Labelled> {
    labelled("holdout6")
}

/// 96 prompts written blind the same way and run once, on the final router
/// of 2026-11-24: 90.6% kind, 2.1% below the label (data/holdout7.jsonl).
pub fn holdout7_set() -> Vec<Labelled> {
    labelled("holdout7")
}

/// 120 prompts written blind the same way (session 4), run once on the
/// router of holdout7: 79.2% kind, 5.0% below the label; then read, and two
/// changes to the word features tried on it were not kept
/// (data/holdout8.jsonl).
pub fn holdout8_set() -> Vec<Labelled> {
    labelled("holdout8")
}

/// 120 more, blind, with long prompts that give context before the
/// request, run once on the same router: 83.3% kind, 5.0% below the label
/// (data/holdout9.jsonl).
pub fn holdout9_set() -> Vec<Labelled> {
    labelled("holdout9")
}
