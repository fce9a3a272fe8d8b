use std::path::PathBuf;

/// What can stop a review or a hook change. A model that fails is not an
/// error here: the review reports it and goes on with the local checks.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory is not inside a git repository.
    #[error("{} is not inside a git repository; run distiq review from a repository (or pass --repo)", path.display())]
    NotARepo {
        /// Where distiq looked.
        path: PathBuf,
    },

    /// A git operation failed.
    #[error("git: {what}: {message}")]
    Git {
        /// What distiq was doing.
        what: String,
        /// libgit2's message.
        message: String,
    },

    /// `--range` did not name two commits.
    #[error(
        "--range {spec}: {message}; write it as A..B (the commits after A up to B) or A...B (since their merge base)"
    )]
    BadRange {
        /// The range as given.
        spec: String,
        /// What is wrong with it.
        message: String,
    },

    /// A path given on the command line cannot be reviewed.
    #[error("{}: {message}", path.display())]
    BadPath {
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// A configured pattern is not a valid regular expression or glob.
    #[error(
        "review.patterns.{name}: {message}; fix it in your config or turn it off with `enabled = false`"
    )]
    BadPattern {
        /// The pattern's name.
        name: String,
        /// The parser's complaint.
        message: String,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The hook cannot be installed or removed without losing something.
    #[error("{message}")]
    Hook {
        /// What is in the way and what to do.
        message: String,
    },
}

impl Error {
    /// A git failure while doing `what`.
    pub(crate) fn git(what: impl Into<String>, err: &git2::Error) -> Self {
        Error::Git {
            what: what.into(),
            message: err.message().to_owned(),
        }
    }

    /// An I/O failure on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
