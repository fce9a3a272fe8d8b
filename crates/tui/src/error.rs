//! The one error type of distiq-tui.

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What stops the session.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The session needs a terminal to draw on.
    #[error("distiq tui needs a terminal, and stdout is not one; use `distiq run` in scripts")]
    NotATerminal,
    /// The terminal could not be set up, read or drawn on.
    #[error("the terminal failed: {0}")]
    Terminal(#[from] std::io::Error),
}
