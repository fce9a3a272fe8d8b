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

/// The held-out sets: written blind (by someone who saw neither the
/// exemplars nor any other set), about half of each worded to mislead a
/// keyword matcher, and never learned from (the other labelled sets are;
/// see `TRAINING_SETS` in src/exemplars.rs). Prompts that turned out to be near
/// copies of training prompts (the helpers who write these sets repeat
/// each other) were dropped before measuring.
///
/// holdout10 (120 → 113, uncommon stacks) ran once on the router that had
/// learned from dev … holdout8: 89.4% kind, 3.5% below the label (the
/// router before that: 82.3%, 4.4%). holdout11 (120 → 115) ran once on
/// it: 90.4%, 7.0% below (`UNDER_COST` 10 then; 14 since: 5.2%). Since
/// holdout9 joined the training sets (and two holdout10 prompts close to
/// its prompts were dropped, 111 left): 91.0% / 0.9% and 92.2% / 5.2%.
pub fn held_out_sets() -> Vec<(&'static str, Vec<Labelled>)> {
    ["holdout10", "holdout11"]
        .into_iter()
        .map(|name| (name, labelled(name)))
        .collect()
}
