use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A step of the cascade. Code names stages; only config names models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Decide what kind of task this is, when the local router is unsure.
    Classify,
    /// Gather and condense the context the planner needs.
    Analyze,
    /// Write the structured plan.
    Plan,
    /// Turn the plan into concrete edits.
    Execute,
    /// Check the result.
    Validate,
    /// Review a diff (pre-commit review).
    Review,
    /// Answer a question without editing.
    Answer,
}

impl Stage {
    /// Every stage, in cascade order.
    pub const ALL: [Stage; 7] = [
        Stage::Classify,
        Stage::Analyze,
        Stage::Plan,
        Stage::Execute,
        Stage::Validate,
        Stage::Review,
        Stage::Answer,
    ];

    /// The lowercase name used in config, the ledger and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Classify => "classify",
            Stage::Analyze => "analyze",
            Stage::Plan => "plan",
            Stage::Execute => "execute",
            Stage::Validate => "validate",
            Stage::Review => "review",
            Stage::Answer => "answer",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the known values of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{got}`; expected one of: {expected}")]
pub struct ParseEnumError {
    what: &'static str,
    got: String,
    expected: String,
}

impl ParseEnumError {
    /// An error for `got`, which is not one of `expected` (a list of names).
    pub fn new(what: &'static str, got: &str, expected: &str) -> Self {
        Self {
            what,
            got: got.to_owned(),
            expected: expected.to_owned(),
        }
    }
}

impl FromStr for Stage {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ParseEnumError {
                what: "stage",
                got: s.to_owned(),
                expected: Stage::ALL.map(Stage::as_str).join(", "),
            })
    }
}

/// How strong (and expensive) a model is. Ordered: `Cheap < Mid < Top`.
///
/// Escalation only ever moves up this order (seed 001: fallback goes up,
/// never down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Extraction, execution of precise plans, first-pass review.
    Cheap,
    /// Classification and tasks of middling difficulty.
    Mid,
    /// Planning and anything that needs real reasoning.
    Top,
}

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 3] = [Tier::Cheap, Tier::Mid, Tier::Top];

    /// The next stronger tier, or `None` at the top.
    pub fn up(self) -> Option<Tier> {
        match self {
            Tier::Cheap => Some(Tier::Mid),
            Tier::Mid => Some(Tier::Top),
            Tier::Top => None,
        }
    }

    /// The lowercase name used in config, the ledger and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Cheap => "cheap",
            Tier::Mid => "mid",
            Tier::Top => "top",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ParseEnumError {
                what: "tier",
                got: s.to_owned(),
                expected: Tier::ALL.map(Tier::as_str).join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_escalate_upward_only() {
        assert_eq!(Tier::Cheap.up(), Some(Tier::Mid));
        assert_eq!(Tier::Mid.up(), Some(Tier::Top));
        assert_eq!(Tier::Top.up(), None);
        assert!(Tier::Cheap < Tier::Mid && Tier::Mid < Tier::Top);
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known_ones() {
        for st in Stage::ALL {
            assert_eq!(st.as_str().parse::<Stage>(), Ok(st));
        }
        let err = "planning".parse::<Stage>().unwrap_err().to_string();
        assert!(
            err.contains("planning") && err.contains("plan, execute"),
            "{err}"
        );
        assert_eq!(serde_json::to_string(&Tier::Mid).unwrap(), "\"mid\"");
    }
}
