//! [`Embedder`]: the loaded model, shareable between threads.

use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};

use crate::paths::MODEL_FILES;
use crate::{EmbedderPaths, Embedding, Error, MAX_TOKENS, Result, runtime};

/// How the ONNX Runtime session runs.
///
/// The default, one intra-op thread without spinning, was measured on a
/// 2-core machine (BENCHMARKS.md): for one query it was the best or nearly
/// the best on a quiet and on a busy machine (2.9 and 5.0 ms p50), while two
/// spinning threads won when quiet (2.0 ms) and fell apart when busy (16 ms).
/// For batches, two threads without spinning were 1.2-2.4x faster: callers
/// that embed many texts at once can ask for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmbedderOptions {
    /// ONNX Runtime intra-op threads; at least 1.
    pub intra_threads: usize,
    /// Whether idle intra-op threads spin waiting for work
    /// (`session.intra_op.allow_spinning`). Spinning only matters with more
    /// than one thread; it burns a core that others may need.
    pub spinning: bool,
}

impl Default for EmbedderOptions {
    fn default() -> Self {
        Self {
            intra_threads: 1,
            spinning: false,
        }
    }
}

impl EmbedderOptions {
    /// The default options with `intra_threads` threads.
    pub fn with_intra_threads(mut self, intra_threads: usize) -> Self {
        self.intra_threads = intra_threads.max(1);
        self
    }

    /// The options with spinning on or off.
    pub fn with_spinning(mut self, spinning: bool) -> Self {
        self.spinning = spinning;
        self
    }
}

/// The all-MiniLM-L6-v2 (int8) sentence embedder.
///
/// `Send + Sync`: share one per process (behind an `Arc`). Calls are
/// serialised by a mutex, because the underlying session needs `&mut` to
/// run; with one intra-op thread one call at a time is also the fastest use
/// of a small machine.
pub struct Embedder {
    model: Mutex<TextEmbedding>,
    paths: EmbedderPaths,
    options: EmbedderOptions,
}

impl fmt::Debug for Embedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedder")
            .field("paths", &self.paths)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model with the default [`EmbedderOptions`].
    ///
    /// Checks that every model file and the runtime library are there before
    /// touching ONNX Runtime, and says what to run when they are not.
    pub fn load(paths: &EmbedderPaths) -> Result<Self> {
        Self::load_with(paths, EmbedderOptions::default())
    }

    /// Loads the model with the given options.
    pub fn load_with(paths: &EmbedderPaths, options: EmbedderOptions) -> Result<Self> {
        let missing: Vec<&'static str> = MODEL_FILES
            .into_iter()
            .filter(|name| !paths.model_dir.join(name).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(Error::ModelMissing {
                dir: paths.model_dir.clone(),
                missing,
            });
        }
        let environment = runtime::environment(&paths.runtime)?;

        let read = |name: &str| read_file(&paths.model_dir.join(name));
        let tokenizer = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        // fastembed defaults a user-defined model to CLS pooling; MiniLM was
        // trained with mean pooling (its 1_Pooling/config.json says so).
        let model = UserDefinedEmbeddingModel::new(read("model.onnx")?, tokenizer)
            .with_pooling(Pooling::Mean);
        let init = InitOptionsUserDefined::new()
            .with_environment(environment)
            .with_max_length(MAX_TOKENS)
            .with_intra_threads(options.intra_threads.max(1))
            .with_session_config(
                "session.intra_op.allow_spinning",
                if options.spinning { "1" } else { "0" },
            );
        let model = TextEmbedding::try_new_from_user_defined(model, init)?;
        Ok(Self {
            model: Mutex::new(model),
            paths: paths.clone(),
            options,
        })
    }

    /// Embeds one text. Text past [`MAX_TOKENS`] tokens is cut off.
    pub fn embed(&self, text: &str) -> Result<Embedding> {
        let mut batch = self.run(&[text])?;
        batch.pop().ok_or(Error::Output {
            expected: 1,
            got: 0,
        })
    }

    /// Embeds several texts in one call, in order. Each result equals what
    /// [`embed`](Self::embed) gives for that text (up to float rounding in
    /// the padded batch), and is faster per text than embedding them one by one.
    pub fn embed_batch<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Vec<Embedding>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.run(texts)
    }

    /// Where the model and the runtime were loaded from.
    pub fn paths(&self) -> &EmbedderPaths {
        &self.paths
    }

    /// The options the session runs with.
    pub fn options(&self) -> EmbedderOptions {
        self.options
    }

    fn run<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Vec<Embedding>> {
        // A panic while embedding leaves no partial state in the session:
        // keep serving after a poisoned lock.
        let mut model = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        let vectors = model.embed(texts, None)?;
        drop(model);
        if vectors.len() != texts.len() {
            return Err(Error::Output {
                expected: texts.len(),
                got: vectors.len(),
            });
        }
        vectors.into_iter().map(Embedding::from_model).collect()
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}
