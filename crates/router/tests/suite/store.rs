//! The trained router on disk: read back, keyed by exemplars and model,
//! rebuilt with a warning when damaged; and the message when the model is
//! missing.

use std::collections::BTreeMap;

use distiq_core::TaskKind;
use distiq_embed::EmbedderPaths;
use distiq_router::{Exemplars, ModelFingerprint, ModelStore, Request, Router};

use super::{config, embedder, real_paths};

fn fingerprint() -> ModelFingerprint {
    ModelFingerprint::of(&real_paths()).unwrap()
}

#[test]
fn a_stored_router_is_read_back_and_decides_as_the_trained_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path().join("router"));
    let exemplars = Exemplars::builtin().unwrap();
    let fp = fingerprint();
    assert!(Router::cached(&store, &exemplars, &fp).0.is_none());

    let trained = Router::load_or_train(Some(&store), exemplars.clone(), &fp, embedder()).unwrap();
    assert!(
        trained.trained && trained.warnings.is_empty(),
        "{:?}",
        trained.warnings
    );
    assert!(store.path_for(&exemplars, &fp).is_file());

    let (read, warning) = Router::cached(&store, &exemplars, &fp);
    assert!(warning.is_none(), "{warning:?}");
    let read = read.expect("the stored router");
    assert_eq!(read.cross_validation(), trained.router.cross_validation());
    let config = config(&[]);
    for prompt in [
        "why is the CI red?",
        "split utils.rs into modules",
        "add dark mode",
    ] {
        let request = Request::new(prompt);
        let embedding = embedder().embed(prompt).unwrap();
        assert_eq!(
            read.route(&config, &request, &embedding),
            trained.router.route(&config, &request, &embedding),
            "{prompt}"
        );
    }
    let again = Router::load_or_train(Some(&store), exemplars, &fp, embedder()).unwrap();
    assert!(!again.trained, "the second load should come from the store");
}

#[test]
fn a_corrupt_cache_file_is_removed_with_a_warning_and_the_router_retrained() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let exemplars = Exemplars::builtin().unwrap();
    let fp = fingerprint();
    Router::load_or_train(Some(&store), exemplars.clone(), &fp, embedder()).unwrap();
    let path = store.path_for(&exemplars, &fp);

    // A flipped byte in the payload, then a truncated file, then garbage.
    let good = std::fs::read(&path).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    for damaged in [
        flipped,
        good[..good.len() / 3].to_vec(),
        b"not a model".to_vec(),
    ] {
        std::fs::write(&path, &damaged).unwrap();
        let loaded =
            Router::load_or_train(Some(&store), exemplars.clone(), &fp, embedder()).unwrap();
        assert!(loaded.trained);
        let warning = loaded
            .warnings
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            warning.contains("corrupt") && warning.contains(&path.display().to_string()),
            "{warning}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            good,
            "the rebuilt file is the same model"
        );
    }
}

#[test]
fn exemplars_from_config_are_learned_and_change_the_cache_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let fp = fingerprint();
    let base = Exemplars::builtin().unwrap();
    let mut extra = BTreeMap::new();
    extra.insert(
        TaskKind::Docs,
        vec![
            "write the zorblax changelog entry".to_owned(),
            "zorblax the release notes".to_owned(),
            "zorblax the manual for the 2.0 release".to_owned(),
        ],
    );
    let more = base.clone().with_extra(&extra);
    assert_ne!(store.path_for(&base, &fp), store.path_for(&more, &fp));
    let router = Router::train(embedder(), more).unwrap();
    assert_eq!(router.exemplars().len(), base.len() + 3);
    // The made-up word is now a docs word.
    let routed = router
        .route_text(
            embedder(),
            &config(&[]),
            &Request::new("zorblax the getting started page"),
        )
        .unwrap();
    assert_eq!(
        routed.decision.kind,
        TaskKind::Docs,
        "{:?}",
        routed.local.kind_scores
    );
}

#[test]
fn the_fingerprint_memo_is_used_until_a_model_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("model");
    std::fs::create_dir_all(&models).unwrap();
    for name in ["model.onnx", "tokenizer.json"] {
        std::fs::copy(real_paths().model_dir.join(name), models.join(name)).unwrap();
    }
    let paths = EmbedderPaths::new(&models, real_paths().runtime);
    let store = ModelStore::new(dir.path().join("store"));
    let first = ModelFingerprint::of_cached(&paths, Some(&store)).unwrap();
    assert_eq!(first, ModelFingerprint::of(&paths).unwrap());
    assert_eq!(
        ModelFingerprint::of_cached(&paths, Some(&store)).unwrap(),
        first
    );

    let mut tokenizer = std::fs::read(models.join("tokenizer.json")).unwrap();
    tokenizer.push(b'\n');
    std::fs::write(models.join("tokenizer.json"), tokenizer).unwrap();
    let changed = ModelFingerprint::of_cached(&paths, Some(&store)).unwrap();
    assert_ne!(changed, first);
    assert_eq!(changed, ModelFingerprint::of(&paths).unwrap());
}

#[test]
fn a_missing_model_says_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let paths = EmbedderPaths::new(dir.path(), dir.path().join("libonnxruntime.so"));
    let err = ModelFingerprint::of(&paths).unwrap_err().to_string();
    assert!(
        err.contains("./models/fetch") && err.contains("model.onnx"),
        "{err}"
    );
    let err = distiq_embed::Embedder::load(&paths)
        .unwrap_err()
        .to_string();
    assert!(err.contains("./models/fetch"), "{err}");
}
