//! [`Embedder`]: the loaded model, shareable between threads.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use ort::environment::Environment;
use ort::session::SessionOutputs;
use ort::value::TensorRef;
use tokenizers::{Encoding, Tokenizer};

use crate::optimised::{self, Store};
use crate::paths::MODEL_FILES;
use crate::session::{ModelBytes, ModelSession};
use crate::{DIMENSION, EmbedderPaths, Embedding, Error, Result, runtime, tokenize};

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
    /// Whether to build the session from the optimised model file (made
    /// from `model.onnx` on first use and kept beside it, or in the user's
    /// cache folder when the model folder is read-only). The default; off
    /// builds it from `model.onnx` every time, which gives the same
    /// embeddings but starts 3-4 times slower and takes more memory.
    pub optimised_file: bool,
}

impl Default for EmbedderOptions {
    fn default() -> Self {
        Self {
            intra_threads: 1,
            spinning: false,
            optimised_file: true,
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

    /// The options with the optimised model file used or not.
    pub fn with_optimised_file(mut self, optimised_file: bool) -> Self {
        self.optimised_file = optimised_file;
        self
    }
}

/// The all-MiniLM-L6-v2 (int8) sentence embedder.
///
/// `Send + Sync`: share one per process (behind an `Arc`). Texts are
/// tokenised in the calling thread; runs of the model are serialised by a
/// mutex, because the session needs `&mut` to run. With one intra-op thread
/// one run at a time is also the fastest use of a small machine.
pub struct Embedder {
    state: Mutex<State>,
    tokenizer: Tokenizer,
    /// Whether the graph takes `token_type_ids` (this one does; fastembed
    /// passed it only when declared, and so does this).
    token_type_ids: bool,
    /// The output holding the token embeddings.
    output: String,
    optimised: Option<PathBuf>,
    paths: EmbedderPaths,
    options: EmbedderOptions,
}

/// The session and the input buffers it reads, reused from call to call.
struct State {
    session: ModelSession,
    ids: Vec<i64>,
    mask: Vec<i64>,
    types: Vec<i64>,
}

impl fmt::Debug for Embedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedder")
            .field("paths", &self.paths)
            .field("options", &self.options)
            .field("optimised", &self.optimised)
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
    ///
    /// With [`EmbedderOptions::optimised_file`] (the default), the first
    /// load writes the optimised model file (a few hundred milliseconds more,
    /// once) and later loads map it. A file that does not load is logged as
    /// a warning, deleted and made again.
    pub fn load_with(paths: &EmbedderPaths, options: EmbedderOptions) -> Result<Self> {
        Self::load_in(paths, options, optimised::user_cache_dir().as_deref())
    }

    /// [`load_with`](Self::load_with), with the cache folder given: where
    /// the optimised model file goes when the model folder is not writable
    /// (`load_with` uses `$XDG_CACHE_HOME`, else `$HOME/.cache`; `None`
    /// keeps it beside the model only).
    pub fn load_in(
        paths: &EmbedderPaths,
        options: EmbedderOptions,
        cache_dir: Option<&Path>,
    ) -> Result<Self> {
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
        let started = Instant::now();
        let environment = runtime::environment(&paths.runtime)?;
        tracing::debug!(ms = started.elapsed().as_millis(), "ONNX Runtime ready");
        // The tokenizer (half a megabyte of JSON) loads on another thread
        // while ONNX Runtime builds the session on this one.
        let (tokenizer, built) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| {
                let tokenizer = tokenize::load(&paths.model_dir);
                tracing::debug!(ms = started.elapsed().as_millis(), "tokenizer loaded");
                tokenizer
            });
            let built = if options.optimised_file {
                optimised_session(&environment, options, &paths.model_dir, cache_dir)
            } else {
                read_file(&paths.model_dir.join("model.onnx")).and_then(|onnx| {
                    ModelSession::from_onnx(&environment, options, &onnx, None)
                        .map(|session| (session, None))
                })
            };
            tracing::debug!(ms = started.elapsed().as_millis(), "session built");
            (tokenizer.join(), built)
        });
        let (session, optimised) = built?;
        let tokenizer = tokenizer
            .map_err(|_| Error::Tokenize("loading the tokenizer panicked".to_owned()))??;

        let inputs = session.input_names();
        for needed in ["input_ids", "attention_mask"] {
            if !inputs.iter().any(|name| name == needed) {
                return Err(Error::UnexpectedModel(format!(
                    "it has no `{needed}` input (inputs: {})",
                    inputs.join(", ")
                )));
            }
        }
        let outputs = session.output_names();
        let output = match outputs.as_slice() {
            [only] => only.clone(),
            _ => outputs
                .iter()
                .find(|name| *name == "last_hidden_state")
                .cloned()
                .ok_or_else(|| {
                    Error::UnexpectedModel(format!(
                        "it has no `last_hidden_state` output (outputs: {})",
                        outputs.join(", ")
                    ))
                })?,
        };
        Ok(Self {
            state: Mutex::new(State {
                session,
                ids: Vec::new(),
                mask: Vec::new(),
                types: Vec::new(),
            }),
            tokenizer,
            token_type_ids: inputs.iter().any(|name| name == "token_type_ids"),
            output,
            optimised,
            paths: paths.clone(),
            options,
        })
    }

    /// Embeds one text. Text past [`MAX_TOKENS`](crate::MAX_TOKENS) tokens
    /// is cut off.
    pub fn embed(&self, text: &str) -> Result<Embedding> {
        let mut batch = self.run(&[text])?;
        batch.pop().ok_or(Error::Output {
            expected: 1,
            got: 0,
        })
    }

    /// Embeds several texts, in order, each exactly as [`embed`](Self::embed)
    /// would. The texts run through the model one at a time, not as one
    /// padded batch: the int8 model quantises its activations per run, so in
    /// a batch each text's embedding would depend on the others'. Run alone,
    /// a text gets the same vector in `distiq route`, in `route eval` and in
    /// the cache.
    pub fn embed_batch<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Vec<Embedding>> {
        texts.iter().map(|text| self.embed(text.as_ref())).collect()
    }

    /// Where the model and the runtime were loaded from.
    pub fn paths(&self) -> &EmbedderPaths {
        &self.paths
    }

    /// The options the session runs with.
    pub fn options(&self) -> EmbedderOptions {
        self.options
    }

    /// The optimised model file the session was built from, or wrote on
    /// this first load; `None` when it was built from `model.onnx` alone
    /// (the option is off, or no folder was writable).
    pub fn optimised_file(&self) -> Option<&Path> {
        self.optimised.as_deref()
    }

    fn run<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Vec<Embedding>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = tokenize::encode(&self.tokenizer, texts)?;
        let length = encodings.first().map_or(0, Encoding::len);
        if encodings.len() != texts.len() || encodings.iter().any(|e| e.len() != length) {
            return Err(Error::Tokenize(
                "the tokenizer did not pad the batch to one length".to_owned(),
            ));
        }
        let shape = [texts.len(), length];

        // A panic while embedding leaves no partial state in the session:
        // keep serving after a poisoned lock.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State {
            session,
            ids,
            mask,
            types,
        } = &mut *state;
        fill(ids, &encodings, Encoding::get_ids);
        fill(mask, &encodings, Encoding::get_attention_mask);
        let mut inputs = ort::inputs![
            "input_ids" => TensorRef::from_array_view((shape, ids.as_slice()))?,
            "attention_mask" => TensorRef::from_array_view((shape, mask.as_slice()))?,
        ];
        if self.token_type_ids {
            fill(types, &encodings, Encoding::get_type_ids);
            inputs.push((
                "token_type_ids".into(),
                TensorRef::from_array_view((shape, types.as_slice()))?.into(),
            ));
        }
        let mask = mask.as_slice();
        session.run(inputs, |outputs| {
            mean_pool(outputs, &self.output, mask, shape)
        })
    }
}

/// Copies one field of every encoding into `buffer`, row after row.
fn fill(buffer: &mut Vec<i64>, encodings: &[Encoding], field: fn(&Encoding) -> &[u32]) {
    buffer.clear();
    for encoding in encodings {
        buffer.extend(field(encoding).iter().map(|&value| i64::from(value)));
    }
}

/// Mean pooling over the tokens the mask keeps, then L2 normalisation: the
/// sentence-transformers recipe, computed in the same order as fastembed
/// did (so the numbers match it bit for bit on the same graph).
fn mean_pool(
    outputs: &SessionOutputs<'_>,
    name: &str,
    mask: &[i64],
    [batch, length]: [usize; 2],
) -> Result<Vec<Embedding>> {
    let value = outputs
        .get(name)
        .ok_or_else(|| Error::UnexpectedModel(format!("it returned no `{name}` output")))?;
    let (shape, hidden) = value.try_extract_tensor::<f32>()?;
    let expected = [batch, length, DIMENSION];
    let matches = shape.len() == 3
        && shape
            .iter()
            .zip(expected)
            .all(|(&got, want)| usize::try_from(got).is_ok_and(|got| got == want));
    if !matches {
        return Err(Error::UnexpectedModel(format!(
            "its output has shape {shape:?}, not {expected:?}"
        )));
    }
    let mut embeddings = Vec::with_capacity(batch);
    for (row, keep) in hidden
        .chunks_exact(length * DIMENSION)
        .zip(mask.chunks_exact(length))
    {
        let mut sum = vec![0.0f32; DIMENSION];
        let mut count = 0.0f32;
        for (token, &keep) in row.chunks_exact(DIMENSION).zip(keep) {
            // Exact small integers: 0 or 1.
            #[allow(clippy::cast_precision_loss)]
            let keep = keep as f32;
            count += keep;
            for (total, value) in sum.iter_mut().zip(token) {
                *total += keep * value;
            }
        }
        let count = if count == 0.0 { 1.0 } else { count };
        for total in &mut sum {
            *total /= count;
        }
        let norm = sum.iter().map(|value| value * value).sum::<f32>().sqrt();
        for value in &mut sum {
            *value /= norm + 1e-12;
        }
        embeddings.push(Embedding::from_model(sum)?);
    }
    Ok(embeddings)
}

/// The session from the optimised file, making the file first if needed;
/// see [`crate::optimised`]. Returns the file used or written.
fn optimised_session(
    environment: &Environment,
    options: EmbedderOptions,
    model_dir: &Path,
    cache_dir: Option<&Path>,
) -> Result<(ModelSession, Option<PathBuf>)> {
    let onnx_path = model_dir.join("model.onnx");
    let stores = Store::candidates(model_dir, cache_dir);
    let runtime = optimised::runtime_key();
    let stamp = optimised::stamp(&onnx_path);

    // A file made earlier, found without hashing the model.
    for store in &stores {
        let Some(hash) = stamp.as_deref().and_then(|stamp| store.remembered(stamp)) else {
            continue;
        };
        let file = store.file(&hash, &runtime);
        let Ok(bytes) = ModelBytes::open(&file) else {
            continue;
        };
        match ModelSession::from_ort(environment, options, bytes) {
            Ok(session) => return Ok((session, Some(file))),
            Err(error) => {
                tracing::warn!(
                    "the optimised embedding model {} does not load ({error}); \
                     deleting it and making it again from model.onnx",
                    file.display()
                );
                let _ = fs::remove_file(&file);
            }
        }
    }

    // None: optimise model.onnx, saving the result in the first writable
    // store. This session is the optimised graph too; use it right away.
    let onnx = read_file(&onnx_path)?;
    let hash = optimised::hash(&onnx);
    for store in &stores {
        let file = store.file(&hash, &runtime);
        let Some(temporary) = store.temporary(&file) else {
            continue;
        };
        let Ok(session) = ModelSession::from_onnx(environment, options, &onnx, Some(&temporary))
        else {
            // Most likely the model itself: the plain build below reports it.
            let _ = fs::remove_file(&temporary);
            break;
        };
        let Err(error) = optimised::publish(&temporary, &file) else {
            if let Some(stamp) = &stamp {
                store.remember(stamp, &hash);
            }
            store.forget_other_models(&hash);
            return Ok((session, Some(file)));
        };
        tracing::warn!(
            "could not save the optimised embedding model as {} ({error}); \
             the next start will try again",
            file.display()
        );
        return Ok((session, None));
    }
    let session = ModelSession::from_onnx(environment, options, &onnx, None)?;
    Ok((session, None))
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}
