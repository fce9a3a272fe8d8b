//! The one error type of distiq-router.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What can go wrong building or running the router.
///
/// A corrupt or unreadable model cache is *not* an error: the router
/// retrains and reports a [`Warning`](crate::Warning) instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The embedding model is missing or failed; its message says what to
    /// run (`./models/fetch`).
    #[error(transparent)]
    Embed(#[from] distiq_embed::Error),

    /// An exemplar file (built in or added) is malformed.
    #[error("exemplar {source_name}:{line}: {message}")]
    Exemplar {
        /// Where the exemplar came from (`question.txt`, `config`).
        source_name: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        message: String,
    },

    /// A kind has no exemplar at all, so the classifier cannot learn it.
    #[error("the router has no exemplar of kind `{kind}`; add some under [router.exemplars]")]
    NoExemplars {
        /// The kind without exemplars.
        kind: distiq_core::TaskKind,
    },

    /// A labels file for `distiq route eval` is malformed.
    #[error(
        "{path}:{line}: {message}; each line must be a JSON object \
         {{\"prompt\": \"...\", \"kind\": \"bugfix\", \"complexity\": \"standard\"}}",
        path = .path.display()
    )]
    Labels {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        message: String,
    },

    /// A file could not be read.
    #[error("could not read {path}: {source}", path = .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
