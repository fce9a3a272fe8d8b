use std::path::PathBuf;

/// What can go wrong with the cache.
///
/// A damaged cache is not an error: it is rebuilt or started afresh and
/// the lookup or open reports a warning. These are the failures a caller
/// has to act on; each message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("cache file `{}`: {source}; check its permissions and free space", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// An SQLite failure that is not corruption (a full disk, a lock held
    /// too long).
    #[error("cache database `{}`: {source}; if another distiq holds it, try again when it has finished", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The database was written by a newer distiq.
    #[error("the cache `{}` has schema version {found}, but this distiq knows only up to {supported}; upgrade distiq or run `distiq cache clear`", path.display())]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },

    /// A line of a pairs file is not `{"a": ..., "b": ..., "same": ...}`.
    #[error("{}:{line}: not a pair ({detail}); each line must be {{\"a\": \"...\", \"b\": \"...\", \"same\": true|false}}", path.display())]
    BadPairs {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        detail: String,
    },

    /// A stored payload or embedding could not be encoded.
    #[error("cannot encode a cache entry: {0}")]
    Encode(#[from] serde_json::Error),

    /// An embedding of the wrong shape was passed in.
    #[error("embedding: {0}")]
    Embedding(#[from] distiq_embed::Error),
}

/// The result of a cache operation.
pub type Result<T> = std::result::Result<T, Error>;
