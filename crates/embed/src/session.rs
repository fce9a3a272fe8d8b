//! The ONNX Runtime session of the model: built from `model.onnx`, or from
//! an optimised ORT-format copy read in place (see [`crate::optimised`]).

use std::borrow::Cow;
use std::path::Path;

use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::{InMemorySession, Session, SessionInputValue, SessionOutputs};

use crate::{EmbedderOptions, Error, Result};

/// The bytes of an optimised model file.
pub(crate) enum ModelBytes {
    /// Mapped from the page cache: no copy, and pages the session never
    /// reads (most of the 47 MB token embedding table) are never loaded.
    Mapped(memmap2::Mmap),
    /// Read into memory, where mapping is not possible.
    Read(Box<[u8]>),
}

impl ModelBytes {
    /// Maps `path`, or reads it when it cannot be mapped.
    ///
    /// The file is only ever replaced by a rename, never written in place
    /// (see [`crate::optimised`]), so the mapping keeps seeing the bytes it
    /// was made from even when another process replaces or deletes the
    /// file.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        // SAFETY: distiq writes this file under a temporary name and renames
        // it into place, and deletes it only by unlinking: the mapped inode
        // is never modified while mapped. Only another program truncating
        // the file in place could break that, as with any mapped file.
        #[allow(unsafe_code)]
        let mapped = unsafe { memmap2::Mmap::map(&file) };
        match mapped {
            Ok(map) => Ok(Self::Mapped(map)),
            Err(_) => std::fs::read(path).map(|bytes| Self::Read(bytes.into_boxed_slice())),
        }
    }
}

impl std::ops::Deref for ModelBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Mapped(map) => map,
            Self::Read(bytes) => bytes,
        }
    }
}

self_cell::self_cell!(
    /// A session that reads its weights from `owner`: ONNX Runtime's
    /// `use_ort_model_bytes_directly` skips copying the ORT-format file, so
    /// the bytes must live exactly as long as the session.
    pub(crate) struct InPlace {
        owner: ModelBytes,
        #[covariant]
        dependent: InMemorySession,
    }
);

/// A session built one way or the other; runs the same.
pub(crate) enum ModelSession {
    /// From the optimised ORT-format file, read in place.
    InPlace(InPlace),
    /// From `model.onnx`, optimised while loading.
    Owned(Session),
}

/// The graph optimisation applied when building from `model.onnx`, and
/// baked into the optimised file. `Level3` is ONNX Runtime's
/// `ORT_ENABLE_LAYOUT`, what fastembed used (BENCHMARKS.md compares it with
/// `ORT_ENABLE_ALL` and `ORT_ENABLE_EXTENDED`).
pub(crate) const OPTIMISATION: GraphOptimizationLevel = GraphOptimizationLevel::Level3;

/// Optimisers left out of [`OPTIMISATION`]: fusing each residual `Add`
/// into the following layer norm costs the int8 model about 0.3 ms a
/// prompt (1.5 → 1.2 ms on one thread, BENCHMARKS.md).
pub(crate) const DISABLED_OPTIMISERS: &str = "SkipLayerNormFusion";

/// [`OPTIMISATION`] and [`DISABLED_OPTIMISERS`] as they appear in the
/// optimised file's name.
pub(crate) const OPTIMISATION_NAME: &str = "layout-noskipln";

/// A session builder with the threading of `options`.
fn builder(environment: &Environment, options: EmbedderOptions) -> Result<SessionBuilder> {
    Ok(Session::builder(environment)?
        .with_intra_threads(options.intra_threads.max(1))?
        // The graph runs its nodes in sequence: no inter-op pool needed.
        .with_inter_threads(1)?
        .with_intra_op_spinning(options.spinning)?)
}

impl ModelSession {
    /// Builds the session from the original model, optimising it while
    /// loading; with `save_to`, ONNX Runtime also writes the optimised graph
    /// there in ORT format.
    pub(crate) fn from_onnx(
        environment: &Environment,
        options: EmbedderOptions,
        onnx: &[u8],
        save_to: Option<&Path>,
    ) -> Result<Self> {
        let mut builder = builder(environment, options)?
            .with_optimization_level(OPTIMISATION)?
            .with_disabled_optimizers(DISABLED_OPTIMISERS)?;
        if let Some(path) = save_to {
            builder = builder
                .with_config_entry("session.save_model_format", "ORT")?
                .with_optimized_model_path(path)?;
        }
        Ok(Self::Owned(builder.commit_from_memory(onnx)?))
    }

    /// Builds the session from an optimised ORT-format file's bytes, read in
    /// place and not optimised again: the fast start.
    pub(crate) fn from_ort(
        environment: &Environment,
        options: EmbedderOptions,
        bytes: ModelBytes,
    ) -> Result<Self> {
        let mut builder = builder(environment, options)?
            .with_optimization_level(GraphOptimizationLevel::Disable)?
            .with_config_entry("session.load_model_format", "ORT")?;
        let session = InPlace::try_new(bytes, |bytes| builder.commit_from_memory_directly(bytes))?;
        Ok(Self::InPlace(session))
    }

    /// The names of the graph's inputs.
    pub(crate) fn input_names(&self) -> Vec<String> {
        let session: &Session = match self {
            Self::InPlace(cell) => cell.borrow_dependent(),
            Self::Owned(session) => session,
        };
        session
            .inputs()
            .iter()
            .map(|input| input.name().to_owned())
            .collect()
    }

    /// The names of the graph's outputs.
    pub(crate) fn output_names(&self) -> Vec<String> {
        let session: &Session = match self {
            Self::InPlace(cell) => cell.borrow_dependent(),
            Self::Owned(session) => session,
        };
        session
            .outputs()
            .iter()
            .map(|output| output.name().to_owned())
            .collect()
    }

    /// Runs the graph and hands its outputs to `read`.
    pub(crate) fn run<R>(
        &mut self,
        inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)>,
        read: impl FnOnce(&SessionOutputs<'_>) -> Result<R>,
    ) -> Result<R> {
        match self {
            Self::InPlace(cell) => {
                cell.with_dependent_mut(|_, session| read(&session.run(inputs)?))
            }
            Self::Owned(session) => read(&session.run(inputs)?),
        }
    }
}

impl From<ort::Error<SessionBuilder>> for Error {
    fn from(error: ort::Error<SessionBuilder>) -> Self {
        Self::Model(error.into())
    }
}
