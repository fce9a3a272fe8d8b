//! The one error type of distiq-embed.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What can go wrong finding, loading or running the embedding model.
///
/// Every "not there" variant says what to run next: the files come from
/// `./models/fetch` in a distiq checkout (see `models/README.md`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No candidate location held the model or the runtime.
    #[error(
        "the local embedding model is not installed: no {what} in any of {searched}; \
         run `./models/fetch` in the distiq checkout, or copy its models/ folder to one of \
         those places (or set DISTIQ_MODEL_DIR and DISTIQ_ORT_LIB)",
        searched = display_paths(.searched)
    )]
    NotFound {
        /// What was missing: the model folder, the runtime library, or both.
        what: &'static str,
        /// Every `models/` folder that was looked in, in search order.
        searched: Vec<PathBuf>,
    },

    /// The model folder lacks some of its files.
    #[error(
        "the embedding model in {dir} is incomplete: missing {missing}; run `./models/fetch` \
         in the distiq checkout, or put all-MiniLM-L6-v2-int8-gemm's model.onnx, tokenizer.json, \
         config.json, special_tokens_map.json and tokenizer_config.json in {dir}",
        dir = .dir.display(),
        missing = .missing.join(", ")
    )]
    ModelMissing {
        /// The model folder that was used.
        dir: PathBuf,
        /// The file names that are not there.
        missing: Vec<&'static str>,
    },

    /// The ONNX Runtime shared library is not at the given path.
    #[error(
        "ONNX Runtime is not installed: {path} does not exist; run `./models/fetch` in the \
         distiq checkout, or put libonnxruntime.so (ONNX Runtime 1.24 or newer) there \
         (or point DISTIQ_ORT_LIB at it)",
        path = .path.display()
    )]
    RuntimeMissing {
        /// Where the library was expected.
        path: PathBuf,
    },

    /// The library exists but could not be loaded as ONNX Runtime (not a
    /// shared library, wrong architecture, or a version older than 1.24).
    #[error(
        "could not load ONNX Runtime from {path}: {source}; run `./models/fetch` to lay out \
         the verified library (ONNX Runtime 1.24 or newer is needed)",
        path = .path.display()
    )]
    RuntimeLoad {
        /// The library that failed to load.
        path: PathBuf,
        /// What the loader said.
        #[source]
        source: ort::LoadDynamicError,
    },

    /// ONNX Runtime loaded, but its environment could not be created.
    #[error("could not start ONNX Runtime from {path}: {source}", path = .path.display())]
    RuntimeInit {
        /// The library in use.
        path: PathBuf,
        /// What ONNX Runtime said.
        #[source]
        source: ort::Error,
    },

    /// A process can hold one ONNX Runtime library; another was asked for.
    #[error(
        "ONNX Runtime was already loaded from {loaded} in this process and cannot also be \
         loaded from {requested}; use one runtime library per process",
        loaded = .loaded.display(),
        requested = .requested.display()
    )]
    RuntimeConflict {
        /// The library this process already uses.
        loaded: PathBuf,
        /// The different library that was asked for.
        requested: PathBuf,
    },

    /// A model file exists but could not be read.
    #[error("could not read {path}: {source}", path = .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// ONNX Runtime failed to build the session or to run it.
    #[error(
        "the embedding model failed in ONNX Runtime: {0}; if model.onnx is damaged, \
         `./models/fetch` lays out the verified file again"
    )]
    Model(#[from] ort::Error),

    /// A model file is there but its content is not what it should be.
    #[error(
        "{path} is not a valid model file: {reason}; run `./models/fetch` to lay out the \
         verified files again",
        path = .path.display()
    )]
    InvalidModelFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The model loaded but does not have all-MiniLM-L6-v2's inputs,
    /// outputs or sizes.
    #[error(
        "the embedding model is not all-MiniLM-L6-v2 as expected: {0}; run `./models/fetch` \
         to lay out the verified files again"
    )]
    UnexpectedModel(String),

    /// The tokenizer failed on a text.
    #[error("could not tokenise the text for the embedding model: {0}")]
    Tokenize(String),

    /// The model returned another number of vectors than texts given.
    #[error("the embedding model returned {got} vectors for {expected} texts")]
    Output {
        /// How many texts were given.
        expected: usize,
        /// How many vectors came back.
        got: usize,
    },

    /// A vector of the wrong length: the model or a stored vector is not
    /// all-MiniLM-L6-v2's.
    #[error("expected a {expected}-dimensional embedding, got {got} dimensions")]
    Dimension {
        /// [`DIMENSION`](crate::DIMENSION).
        expected: usize,
        /// What was given.
        got: usize,
    },

    /// A vector that cannot be normalised: all zeros, NaN or infinite.
    #[error("an embedding must be finite and non-zero")]
    InvalidVector,
}

fn display_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "no location (none could be determined)".to_owned();
    }
    paths
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
