use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ParseEnumError, Stage, Tier};

/// What kind of task a prompt asks for: the router's first decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// A question about the code; nothing is edited.
    Question,
    /// A small, local change to existing code.
    Edit,
    /// Something is broken and must be fixed.
    Bugfix,
    /// New behaviour.
    Feature,
    /// The same behaviour, better structure.
    Refactor,
    /// A design decision across modules.
    Architecture,
    /// Writing or fixing tests.
    Tests,
    /// Writing or fixing documentation.
    Docs,
}

impl TaskKind {
    /// Every kind.
    pub const ALL: [TaskKind; 8] = [
        TaskKind::Question,
        TaskKind::Edit,
        TaskKind::Bugfix,
        TaskKind::Feature,
        TaskKind::Refactor,
        TaskKind::Architecture,
        TaskKind::Tests,
        TaskKind::Docs,
    ];

    /// The lowercase name used in JSON and config.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Question => "question",
            TaskKind::Edit => "edit",
            TaskKind::Bugfix => "bugfix",
            TaskKind::Feature => "feature",
            TaskKind::Refactor => "refactor",
            TaskKind::Architecture => "architecture",
            TaskKind::Tests => "tests",
            TaskKind::Docs => "docs",
        }
    }
}

/// How hard a task is: the router's second decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Complexity {
    /// A one-line or mechanical change.
    Trivial,
    /// An ordinary task in a file or two.
    Standard,
    /// Many files, subtle reasoning, or design.
    Complex,
}

impl Complexity {
    /// Every level, easiest first.
    pub const ALL: [Complexity; 3] = [
        Complexity::Trivial,
        Complexity::Standard,
        Complexity::Complex,
    ];

    /// The lowercase name used in JSON and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Complexity::Trivial => "trivial",
            Complexity::Standard => "standard",
            Complexity::Complex => "complex",
        }
    }
}

macro_rules! name_impls {
    ($t:ty, $what:literal) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $t {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::ALL
                    .into_iter()
                    .find(|k| k.as_str() == s)
                    .ok_or_else(|| {
                        ParseEnumError::new($what, s, &<$t>::ALL.map(<$t>::as_str).join(", "))
                    })
            }
        }
    };
}

name_impls!(TaskKind, "task kind");
name_impls!(Complexity, "complexity");

/// The router's decision for one task, as events and `distiq route --json`
/// carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteDecision {
    /// What kind of task.
    pub kind: TaskKind,
    /// How hard.
    pub complexity: Complexity,
    /// The tier each stage runs at.
    pub tiers: BTreeMap<Stage, Tier>,
    /// The classifier's probability for `kind` (0..=1).
    pub confidence: f32,
    /// Whether a cheap model was asked because the local scores were close
    /// (inspect-then-pick, seed 002).
    pub inspected: bool,
}
