//! The validator: the last stage of the cascade, and the only one that runs
//! anything on the user's machine.
//!
//! After edits are applied, every touched file is parsed with tree-sitter
//! (a syntax error is reported without running anything else, since a build
//! would only fail more slowly), then the lint and test commands the user
//! configured in `.distiq.toml` run in the repository root with a timeout.
//! A failing check keeps the tail of its output: that is what goes back to
//! the executor model. Model output is data: only configured commands run.
//!
//! ```no_run
//! # async fn demo(settings: distiq_config::ValidateSettings) -> distiq_validator::Result<()> {
//! use std::path::Path;
//! use distiq_validator::Validator;
//!
//! let v = Validator::new(Path::new("/path/to/repo"), settings);
//! let report = v.validate(&["src/lib.rs".into()], &Default::default()).await?;
//! if !report.passed() {
//!     eprintln!("{}", report.feedback());
//! }
//! # Ok(()) }
//! ```

mod command;
mod syntax;

use std::path::{Path, PathBuf};
use std::time::Duration;

use distiq_config::ValidateSettings;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub use command::run_command;
pub use syntax::check_syntax;

/// What can stop validation itself (as opposed to a check failing).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The shell could not be started.
    #[error("cannot run the {check} command `{command}`: {source}")]
    Spawn {
        /// Which check.
        check: String,
        /// The command.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// Validation was cancelled (Ctrl-C); the command was killed.
    #[error("validation was cancelled")]
    Cancelled,
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One check and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// `syntax`, `lint` or `test`.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// One line for people: "3 files parse", "exit status 101", "timed out
    /// after 600 s".
    pub summary: String,
    /// What it reported: syntax errors, or the tail of the command's output.
    pub output: String,
    /// How long it took.
    pub elapsed: Duration,
}

/// Every check of one validation, in the order run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The failures, written for the executor model to fix: each failing
    /// check's name, summary and output.
    pub fn feedback(&self) -> String {
        let mut out = String::new();
        for c in self.checks.iter().filter(|c| !c.passed) {
            out.push_str(&format!("## {} failed: {}\n", c.name, c.summary));
            if !c.output.is_empty() {
                out.push_str(c.output.trim_end());
                out.push('\n');
            }
        }
        out
    }
}

/// Checks a repository after edits.
#[derive(Debug, Clone)]
pub struct Validator {
    root: PathBuf,
    settings: ValidateSettings,
}

impl Validator {
    /// A validator for the repository at `root`.
    pub fn new(root: &Path, settings: ValidateSettings) -> Self {
        Self {
            root: root.to_path_buf(),
            settings,
        }
    }

    /// Checks the files at `touched` (relative to the root): syntax first;
    /// when every file parses, the lint command, then (if lint passed) the
    /// test command. Deleted files are skipped.
    pub async fn validate(
        &self,
        touched: &[PathBuf],
        cancel: &CancellationToken,
    ) -> Result<Report> {
        let mut report = Report::default();
        let syntax = check_syntax(&self.root, touched);
        let syntax_ok = syntax.passed;
        report.checks.push(syntax);
        if !syntax_ok {
            return Ok(report);
        }
        for (name, command) in [("lint", &self.settings.lint), ("test", &self.settings.test)] {
            let Some(command) = command else { continue };
            let check = run_command(
                &self.root,
                name,
                command,
                self.settings.timeout,
                self.settings.max_output_bytes,
                cancel,
            )
            .await?;
            let ok = check.passed;
            report.checks.push(check);
            if !ok {
                break;
            }
        }
        Ok(report)
    }
}
