//! The `[review]` table: how `distiq review` (and the pre-commit hook)
//! judges a change.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use distiq_core::Tier;
use serde::{Deserialize, Serialize};

/// How serious a review finding is. Ordered: `Info < Warning < Error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    /// Worth knowing; never blocks by default.
    Info,
    /// Probably wrong.
    #[default]
    Warning,
    /// Wrong: a bug, a leaked secret, a file that does not parse.
    Error,
}

impl FindingSeverity {
    /// Every severity, least serious first.
    pub const ALL: [FindingSeverity; 3] = [
        FindingSeverity::Info,
        FindingSeverity::Warning,
        FindingSeverity::Error,
    ];

    /// The lowercase name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Info => "info",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Error => "error",
        }
    }
}

impl fmt::Display for FindingSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configured pattern: a line added by the change that matches `regex`
/// (and not `unless`) in a file matching one of `files` is a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPattern {
    /// A regular expression (Rust `regex` syntax) matched against each
    /// added line.
    pub regex: String,
    /// A second expression that, when it also matches the line, silences
    /// the pattern (`TODO(#12)` names its issue).
    pub unless: Option<String>,
    /// Glob patterns of the files it applies to (`*.rs`); empty is every
    /// file.
    pub files: Vec<String>,
    /// How serious a match is.
    pub severity: FindingSeverity,
    /// What the finding says.
    pub message: String,
}

/// How `distiq review` judges a change: the local checks' limits and
/// patterns, when the model review escalates, and what fails the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSettings {
    /// A finding at or above this severity fails the review (exit 1, the
    /// commit is blocked).
    pub fail_on: FindingSeverity,
    /// Cheap-tier findings at or above this severity go to `confirm_tier`
    /// to be confirmed or dropped.
    pub escalate_at: FindingSeverity,
    /// The tier that confirms escalated findings.
    pub confirm_tier: Tier,
    /// Files larger than this (in bytes) are findings of their own and are
    /// not sent to a model.
    pub max_file_bytes: u64,
    /// Unchanged lines shown around each change to the model.
    pub context_lines: u32,
    /// Tokens of repository context (the analyzer's repo map and the
    /// definitions the change relates to) sent with the diff; 0 sends none.
    pub context_tokens: u32,
    /// The most diff text (in bytes) sent in one model call; larger changes
    /// are split by file.
    pub max_prompt_bytes: u64,
    /// How often a provider batch is polled (`--batch`).
    pub batch_poll_interval: Duration,
    /// How long a provider batch may take before distiq gives up on it.
    pub batch_max_wait: Duration,
    /// The configured patterns by name, disabled ones left out.
    pub patterns: BTreeMap<String, ReviewPattern>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConfigBuilder;

    #[test]
    fn a_repo_adds_changes_and_disables_patterns_key_by_key() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join(".distiq.toml"),
            r#"
[review]
fail_on = "warning"

[review.patterns.no-unwrap]
regex = '\.unwrap\(\)'
files = ["*.rs"]
severity = "error"
message = "unwrap in library code"

[review.patterns.rust-dbg]
severity = "error"

[review.patterns.python-print]
enabled = false
"#,
        )
        .unwrap();
        let c = ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/home/ada")])
            .repo_root(Some(tmp.path().to_path_buf()))
            .build()
            .unwrap();
        let r = &c.review;
        assert_eq!(r.fail_on, FindingSeverity::Warning);
        assert_eq!(r.escalate_at, FindingSeverity::Warning, "default kept");
        assert_eq!(r.confirm_tier, Tier::Top);
        assert_eq!(r.patterns["no-unwrap"].severity, FindingSeverity::Error);
        let dbg = &r.patterns["rust-dbg"];
        assert_eq!(dbg.severity, FindingSeverity::Error);
        assert_eq!(dbg.files, ["*.rs"], "the default's other keys stay");
        assert!(!r.patterns.contains_key("python-print"));
        assert!(r.patterns.contains_key("todo-without-issue"));
        assert!(
            c.entries()
                .iter()
                .any(|e| e.key == "review.patterns.no-unwrap.severity")
        );
    }

    #[test]
    fn a_pattern_without_a_regex_and_an_unknown_severity_are_refused() {
        let err = ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/home/ada")])
            .cli_override("review.patterns.mine.message", "x")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("review.patterns.mine.regex"), "{err}");
        let err = ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/home/ada")])
            .cli_override("review.fail_on", "fatal")
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("review.fail_on") && err.contains("fatal"),
            "{err}"
        );
        assert!(FindingSeverity::Info < FindingSeverity::Warning);
        assert!(FindingSeverity::Warning < FindingSeverity::Error);
    }
}
