//! A missing or wrong model or runtime is a clear error, never a panic.

use std::fs;

use distiq_embed::{Embedder, EmbedderPaths, Error, MODEL_DIR_NAME};

use super::{embedder, models_dir, real_paths};

#[test]
fn a_missing_model_dir_says_to_run_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let paths = EmbedderPaths::new(dir.path().join("nowhere"), real_paths().runtime);
    let error = Embedder::load(&paths).unwrap_err();
    let Error::ModelMissing { missing, .. } = &error else {
        panic!("expected ModelMissing, got {error:?}");
    };
    assert_eq!(missing.len(), 5);
    let message = error.to_string();
    assert!(message.contains("./models/fetch"), "{message}");
    assert!(message.contains("model.onnx"), "{message}");
    assert!(message.contains("nowhere"), "{message}");
}

#[test]
fn a_model_dir_missing_one_file_names_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join(MODEL_DIR_NAME);
    fs::create_dir(&model).unwrap();
    for name in [
        "model.onnx",
        "tokenizer.json",
        "config.json",
        "special_tokens_map.json",
    ] {
        fs::write(model.join(name), b"{}").unwrap();
    }
    let error = Embedder::load(&EmbedderPaths::new(&model, real_paths().runtime)).unwrap_err();
    assert!(
        matches!(&error, Error::ModelMissing { missing, .. } if missing == &["tokenizer_config.json"]),
        "{error:?}"
    );
}

#[test]
fn a_missing_runtime_says_to_run_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("libonnxruntime.so");
    let error = Embedder::load(&EmbedderPaths::new(real_paths().model_dir, &runtime)).unwrap_err();
    assert!(matches!(error, Error::RuntimeMissing { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("./models/fetch"), "{message}");
    assert!(
        message.contains(&runtime.display().to_string()),
        "{message}"
    );
}

#[test]
fn a_corrupt_model_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join(MODEL_DIR_NAME);
    fs::create_dir(&model).unwrap();
    for entry in fs::read_dir(real_paths().model_dir).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), model.join(entry.file_name())).unwrap();
    }
    fs::write(model.join("model.onnx"), b"not a model").unwrap();
    let error = Embedder::load(&EmbedderPaths::new(&model, real_paths().runtime)).unwrap_err();
    assert!(matches!(error, Error::Model(_)), "{error:?}");
}

// ort would silently keep the first library and ignore the second.
#[test]
fn a_second_runtime_library_in_one_process_is_refused() {
    embedder();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("libonnxruntime.so");
    fs::copy(models_dir().join("onnxruntime/libonnxruntime.so"), &copy).unwrap();
    let error = Embedder::load(&EmbedderPaths::new(real_paths().model_dir, &copy)).unwrap_err();
    assert!(matches!(error, Error::RuntimeConflict { .. }), "{error:?}");
}

#[test]
fn the_same_runtime_under_another_name_is_reused() {
    embedder();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("libonnxruntime.so");
    std::os::unix::fs::symlink(models_dir().join("onnxruntime/libonnxruntime.so"), &link).unwrap();
    let second = Embedder::load(&EmbedderPaths::new(real_paths().model_dir, &link)).unwrap();
    let text = "a second embedder in the same process";
    assert!(second.embed(text).unwrap().as_slice() == embedder().embed(text).unwrap().as_slice());
}
