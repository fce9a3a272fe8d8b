use std::path::PathBuf;

/// What can go wrong with the ledger.
///
/// Every message names the ledger file and says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The directory that should hold the ledger could not be created.
    #[error("cannot create the ledger directory `{}`: {source}; check its permissions or set `ledger.path` in the config", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The file exists but is not a distiq ledger.
    #[error(
        "`{path}` is not a distiq ledger ({detail}); move it aside (for example `mv {path} {path}.bak`) and distiq will start a new ledger there, or set `ledger.path` in the config",
        path = path.display()
    )]
    NotALedger {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        detail: String,
    },

    /// The ledger was written by a newer distiq whose schema this build does
    /// not know.
    #[error("the ledger `{}` has schema version {found}, but this distiq only knows up to version {supported}; upgrade distiq, or set `ledger.path` to another file", path.display())]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },

    /// Another process held the ledger locked for longer than the busy
    /// timeout.
    #[error("the ledger `{}` stayed locked by another process for more than {seconds} s; try again when the other distiq has finished", path.display())]
    Busy {
        /// The file.
        path: PathBuf,
        /// How long distiq waited.
        seconds: u64,
    },

    /// A row could not be read back into a call record.
    #[error("the ledger `{}` holds a row that cannot be read (id {id}: {detail}); it may have been edited by hand", path.display())]
    BadRow {
        /// The file.
        path: PathBuf,
        /// The row's id.
        id: i64,
        /// What is wrong with it.
        detail: String,
    },

    /// Any other SQLite failure.
    #[error("ledger `{}`: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// A `--since` value that is neither a duration nor a date.
    #[error(
        "`{0}` is not a start time; write a number of days or hours back (`7d`, `12h`), a date (`2026-11-01`) or a timestamp (`2026-11-01T09:00:00Z`)"
    )]
    InvalidSince(String),

    /// Local dates could not be computed (a date out of range, or a time
    /// zone that cannot place midnight).
    #[error("cannot compute local dates: {0}")]
    Time(#[from] jiff::Error),
}

/// The result of a ledger operation.
pub type Result<T> = std::result::Result<T, Error>;
