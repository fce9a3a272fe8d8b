//! The real embedding model, laid out in the checkout by `./models/fetch`.
//! The blend's tests never use a fake: what they measure is this model.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use distiq_analyzer::{Embedder, EmbedderOptions, EmbedderPaths};

/// One embedder for the test process (loading takes a few hundred ms), on
/// two threads: the analyzer embeds chunks in batches.
pub fn embedder() -> Arc<Embedder> {
    static EMBEDDER: OnceLock<Arc<Embedder>> = OnceLock::new();
    EMBEDDER
        .get_or_init(|| {
            let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
            let paths = EmbedderPaths::in_models_dir(&models);
            let opts = EmbedderOptions::default().with_intra_threads(2);
            Arc::new(Embedder::load_with(&paths, opts).unwrap_or_else(|e| {
                panic!("loading the real model failed (has ./models/fetch run?): {e}")
            }))
        })
        .clone()
}
