//! The analyzer's one error type.

use std::path::PathBuf;

/// What can go wrong while indexing a repository or building its context.
///
/// A single unreadable file, a file that does not parse or a corrupt tags
/// cache is not an error: the analyzer skips or degrades and says so in
/// [`crate::BuildStats`]. Errors are reserved for what makes the whole
/// answer impossible.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The repository root is missing or not a directory.
    #[error("{}: not a directory; pass the repository root (or --repo DIR)", path.display())]
    NotADirectory {
        /// The path that was given.
        path: PathBuf,
    },
    /// An I/O error on a path the analyzer could not do without.
    #[error("{}: {source}", path.display())]
    Io {
        /// Where it happened.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A grammar or tag query could not be loaded. This is a bug in distiq
    /// (the queries ship with it), reported instead of panicking.
    #[error("tree-sitter {language}: {message}; this is a bug in distiq, please report it")]
    Grammar {
        /// The language whose grammar or query failed.
        language: &'static str,
        /// What tree-sitter said.
        message: String,
    },
    /// The local embedding model failed (loading it, or embedding a text).
    #[error("embedding model: {0}")]
    Embed(#[from] distiq_embed::Error),
    /// The analysis stage's model call failed (after retries and the
    /// stage's fallbacks); the planner can go on with the context alone.
    #[error("analysis brief: {0}")]
    Llm(#[from] distiq_llm::Error),
}

/// The analyzer's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
