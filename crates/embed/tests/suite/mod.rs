mod discovery;
mod errors;
mod model;
mod optimised;

use std::path::PathBuf;
use std::sync::OnceLock;

use distiq_embed::{Embedder, EmbedderPaths, PUBLISHED_MODEL_DIR_NAME};

/// The checkout's `models/`, laid out by `./models/fetch`.
pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

pub fn real_paths() -> EmbedderPaths {
    EmbedderPaths::in_models_dir(&models_dir())
}

/// The model as published, which the default one is derived from.
pub fn published_paths() -> EmbedderPaths {
    let default = real_paths();
    EmbedderPaths::new(models_dir().join(PUBLISHED_MODEL_DIR_NAME), default.runtime)
}

/// One embedder for the whole test process: loading costs a few hundred ms.
pub fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        Embedder::load(&real_paths()).unwrap_or_else(|error| {
            panic!("loading the real model failed (has ./models/fetch run?): {error}")
        })
    })
}
