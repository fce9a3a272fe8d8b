//! The `[router]`, `[cache]`, `[validate]` and `[analyze]` tables: what
//! distiq decides and checks on the user's machine.

use std::collections::BTreeMap;
use std::time::Duration;

use distiq_core::TaskKind;

/// How the local router decides (`distiq route`).
#[derive(Debug, Clone, PartialEq)]
pub struct RouterSettings {
    /// When the local classifier's top two kinds are closer than this
    /// (in probability), the cheap tier is asked instead (inspect-then-pick,
    /// seed 002). 0 never asks.
    pub inspect_margin: f32,
    /// Whether inspect-then-pick may call a model at all.
    pub inspect: bool,
    /// Extra exemplar prompts per kind, added to the built-in ones.
    pub exemplars: BTreeMap<TaskKind, Vec<String>>,
}

/// How the semantic cache serves earlier answers (`distiq cache`).
#[derive(Debug, Clone, PartialEq)]
pub struct CacheSettings {
    /// Whether lookups and stores happen at all.
    pub enabled: bool,
    /// The cosine similarity an entry must reach to be a candidate.
    pub threshold: f32,
    /// The most entries kept per repository; the oldest go first.
    pub max_entries: u64,
    /// Entries older than this are not served and are evicted.
    pub max_age: Duration,
}

/// How the validator checks applied edits (`[validate]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateSettings {
    /// The lint command, run through `sh -c` in the repository root; `None`
    /// runs none.
    pub lint: Option<String>,
    /// The test command, likewise.
    pub test: Option<String>,
    /// How long one command may run before it is killed.
    pub timeout: Duration,
    /// How much of a failing command's output is kept (and sent back to the
    /// executor): its tail, where compilers and test runners summarise.
    pub max_output_bytes: u64,
    /// Whether the cheap tier also reviews the diff.
    pub review: bool,
    /// How often the executor retries with the errors before its tier goes up.
    pub max_retries: u32,
}

/// What the analyzer shows the planner (`[analyze]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzeSettings {
    /// Whether the cheap tier condenses the retrieved context into a brief
    /// for the planner (files that matter, relevant functions, constraints).
    pub brief: bool,
    /// The token budget of the planner's repository context (repo map and
    /// code), and of the context the brief is made from.
    pub budget_tokens: u32,
    /// The percentage of that budget the repo map may take; the rest goes
    /// to the code chosen for the task.
    pub map_percent: u32,
    /// Files larger than this are left out of the index unread.
    pub max_file_bytes: u64,
    /// Whether the ranking blends in the local embedding model's similarity
    /// when the model files are present.
    pub embed: bool,
    /// How many of the graph ranking's best definitions are embedded and
    /// scored for a task: more finds more, and costs more on a cold repository.
    pub embed_candidates: u32,
}

#[cfg(test)]
mod tests {
    use crate::ConfigBuilder;
    use distiq_core::TaskKind;

    fn build(overrides: &[(&str, &str)]) -> crate::Result<crate::Config> {
        let mut b = ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/home/u")]);
        for (k, v) in overrides {
            b = b.cli_override(*k, *v);
        }
        b.build()
    }

    #[test]
    fn defaults_and_overrides_of_router_and_cache() {
        let c = build(&[]).unwrap();
        assert!(c.cache.enabled && c.cache.threshold > 0.5 && c.cache.threshold < 1.0);
        assert!(c.cache.max_entries > 0 && c.cache.max_age.as_secs() > 0);
        assert!(c.router.inspect && c.router.inspect_margin > 0.0);
        let c = build(&[
            ("cache.threshold", "0.95"),
            ("router.exemplars.docs", "[\"write the changelog\"]"),
        ])
        .unwrap();
        assert!((c.cache.threshold - 0.95).abs() < 1e-6);
        assert_eq!(c.router.exemplars[&TaskKind::Docs], ["write the changelog"]);
        assert_eq!(
            c.source_of("cache.threshold").map(|s| s.layer()),
            Some("cli")
        );
    }

    #[test]
    fn validate_commands_are_optional_and_empty_means_none() {
        let c = build(&[]).unwrap();
        assert_eq!(
            (c.validate.lint.as_deref(), c.validate.test.as_deref()),
            (None, None)
        );
        assert!(c.validate.timeout.as_secs() > 0 && c.validate.max_retries > 0);
        let c = build(&[("validate.test", "cargo test -q"), ("validate.lint", "")]).unwrap();
        assert_eq!(c.validate.test.as_deref(), Some("cargo test -q"));
        assert_eq!(c.validate.lint, None);
    }

    #[test]
    fn analyze_defaults_and_overrides() {
        let c = build(&[]).unwrap();
        assert!(!c.analyze.brief && c.analyze.embed);
        assert!(c.analyze.budget_tokens >= 1000 && c.analyze.embed_candidates > 0);
        assert!((1..=100).contains(&c.analyze.map_percent));
        let c = build(&[
            ("analyze.brief", "true"),
            ("analyze.budget_tokens", "12000"),
            ("analyze.map_percent", "40"),
        ])
        .unwrap();
        assert!(c.analyze.brief);
        assert_eq!(
            (c.analyze.budget_tokens, c.analyze.map_percent),
            (12000, 40)
        );
        let err = build(&[("analyze.map_percent", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("map_percent") && err.contains("1 to 100"),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_values_name_the_key() {
        let err = build(&[("cache.threshold", "1.5")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("threshold") && err.contains("between 0 and 1"),
            "{err}"
        );
        let err = build(&[("router.exemplars.chores", "[\"x\"]")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("chores"), "{err}");
    }
}
