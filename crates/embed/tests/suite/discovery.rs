//! `EmbedderPaths::discover_with`: the search order, on injected inputs.

use std::fs;
use std::path::{Path, PathBuf};

use distiq_embed::{Discovery, EmbedderPaths, Error, MODEL_DIR_NAME, RUNTIME_FILE};

/// Lays out the files discovery looks for (empty: discovery does not load).
fn lay_out(models: &Path, model: bool, runtime: bool) {
    if model {
        fs::create_dir_all(models.join(MODEL_DIR_NAME)).unwrap();
        fs::write(models.join(MODEL_DIR_NAME).join("model.onnx"), b"").unwrap();
    }
    if runtime {
        fs::create_dir_all(models.join("onnxruntime")).unwrap();
        fs::write(models.join(RUNTIME_FILE), b"").unwrap();
    }
}

fn install_tree() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let executable = root.path().join("prefix/bin/distiq");
    fs::create_dir_all(executable.parent().unwrap()).unwrap();
    (root, executable)
}

#[test]
fn the_environment_wins_and_is_taken_as_given() {
    let (root, executable) = install_tree();
    lay_out(&root.path().join("prefix/models"), true, true);
    let discovery = Discovery {
        model_dir: Some(PathBuf::from("/elsewhere/model")),
        ort_lib: Some(PathBuf::from("/elsewhere/libonnxruntime.so")),
        executable: Some(executable),
        ..Discovery::default()
    };
    assert_eq!(
        EmbedderPaths::discover_with(&discovery).unwrap(),
        EmbedderPaths::new("/elsewhere/model", "/elsewhere/libonnxruntime.so")
    );
}

#[test]
fn models_next_to_an_ancestor_of_the_executable_are_found_nearest_first() {
    let (root, executable) = install_tree();
    lay_out(&root.path().join("prefix/models"), true, true);
    lay_out(&root.path().join("models"), true, true);
    let data = root.path().join("data");
    lay_out(&data.join("distiq/models"), true, true);
    let discovery = Discovery {
        executable: Some(executable),
        xdg_data_home: Some(data),
        ..Discovery::default()
    };
    assert_eq!(
        EmbedderPaths::discover_with(&discovery).unwrap(),
        EmbedderPaths::in_models_dir(&root.path().join("prefix/models"))
    );
}

#[test]
fn the_workspace_comes_before_the_data_home() {
    let root = tempfile::tempdir().unwrap();
    let workspace = root.path().join("checkout/models");
    lay_out(&workspace, true, true);
    let data = root.path().join("data");
    lay_out(&data.join("distiq/models"), true, true);
    let discovery = Discovery {
        workspace_models: Some(workspace.clone()),
        xdg_data_home: Some(data),
        ..Discovery::default()
    };
    assert_eq!(
        EmbedderPaths::discover_with(&discovery).unwrap(),
        EmbedderPaths::in_models_dir(&workspace)
    );
}

#[test]
fn the_data_home_defaults_to_home_local_share() {
    let root = tempfile::tempdir().unwrap();
    let models = root.path().join(".local/share/distiq/models");
    lay_out(&models, true, true);
    let discovery = Discovery {
        home: Some(root.path().to_path_buf()),
        ..Discovery::default()
    };
    assert_eq!(
        EmbedderPaths::discover_with(&discovery).unwrap(),
        EmbedderPaths::in_models_dir(&models)
    );
}

#[test]
fn model_and_runtime_are_found_separately() {
    let (root, executable) = install_tree();
    lay_out(&root.path().join("prefix/models"), false, true);
    let data = root.path().join("data");
    lay_out(&data.join("distiq/models"), true, false);
    let discovery = Discovery {
        executable: Some(executable),
        xdg_data_home: Some(data.clone()),
        ..Discovery::default()
    };
    assert_eq!(
        EmbedderPaths::discover_with(&discovery).unwrap(),
        EmbedderPaths::new(
            data.join("distiq/models").join(MODEL_DIR_NAME),
            root.path().join("prefix/models").join(RUNTIME_FILE)
        )
    );
}

#[test]
fn nothing_found_lists_every_place_searched_and_what_to_run() {
    let (root, executable) = install_tree();
    lay_out(&root.path().join("prefix/models"), false, true);
    let discovery = Discovery {
        executable: Some(executable),
        home: Some(root.path().join("home")),
        ..Discovery::default()
    };
    let error = EmbedderPaths::discover_with(&discovery).unwrap_err();
    let Error::NotFound { searched, .. } = &error else {
        panic!("expected NotFound, got {error:?}");
    };
    assert_eq!(
        searched.first(),
        Some(&root.path().join("prefix/bin/models"))
    );
    assert_eq!(
        searched.last(),
        Some(&root.path().join("home/.local/share/distiq/models"))
    );
    let message = error.to_string();
    assert!(message.contains("./models/fetch"), "{message}");
    assert!(message.contains("embedding model"), "{message}");
    assert!(
        !message.contains("nor ONNX Runtime"),
        "the runtime was found: {message}"
    );
}

#[test]
fn this_process_finds_the_checkouts_models() {
    // The test binary lives in the checkout's target/, so the search from the
    // executable (or the workspace fallback) reaches the fetched models/.
    let discovery = Discovery {
        model_dir: None,
        ort_lib: None,
        ..Discovery::from_process()
    };
    let found = EmbedderPaths::discover_with(&discovery).unwrap();
    assert_eq!(
        found.model_dir.canonicalize().unwrap(),
        super::real_paths().model_dir.canonicalize().unwrap()
    );
}
