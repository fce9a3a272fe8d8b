//! What a request asks to be done: tests, docs, a fix, an explanation, ...
//! Two requests about the same named thing ("the retry policy in
//! src/retry.rs") are still different tasks when one asks for a test and
//! the other for a setting; their embeddings are close (0.93) and they
//! name the same things, so only the intent tells them apart.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lexicon::NAMED_THINGS;

/// One kind of work a request can ask for. A request may have several
/// ("why do the ledger tests hang?" is a question, about tests, about a
/// fault) or none ("make the planner stream its output").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// An explanation: "why", "explain", "what does X do?".
    Question,
    /// A fault to repair: "fix", "crash", "hangs", or a report
    /// of behaviour ("the --verbose flag prints nothing").
    Fix,
    /// Tests: "add a test", "coverage".
    Tests,
    /// Documentation and comments: "document", "docstring", "README".
    Docs,
    /// Speed: "speed up", "slow", "optimize".
    Performance,
    /// Making something configurable.
    Configuration,
    /// Logging.
    Logging,
    /// Restructuring without new behaviour: "split", "rename", "move".
    Refactor,
    /// Input checks: "validate", "sanitize", "reject".
    Validation,
    /// Thread safety and parallelism.
    Concurrency,
    /// Errors met gracefully: retries, timeouts, fallbacks, error handling.
    Resilience,
    /// New behaviour ("add", "implement", "support") when nothing more
    /// specific is asked.
    Feature,
    /// Some change to the code ("replace", "change", "convert", "use") when
    /// nothing more specific is asked: it agrees with every intent that
    /// changes code, and differs from a question, docs or tests.
    Change,
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Question => "a question",
            Self::Fix => "a fix",
            Self::Tests => "tests",
            Self::Docs => "docs",
            Self::Performance => "performance",
            Self::Configuration => "configuration",
            Self::Logging => "logging",
            Self::Refactor => "a refactor",
            Self::Validation => "validation",
            Self::Concurrency => "concurrency",
            Self::Resilience => "error handling",
            Self::Feature => "a feature",
            Self::Change => "a change to the code",
        })
    }
}

/// Single cue words per intent, in the forms the stemmer leaves or as
/// written. A word may cue two intents when it is used for both
/// ("describe": docs or a question); that only makes agreement easier.
#[rustfmt::skip]
const CUES: &[(Intent, &[&str])] = &[
    (Intent::Question, &["why", "explain", "explains", "explanation", "understand", "wonder", "describe"]),
    (Intent::Fix, &[
        "fix", "fixes", "fixed", "fixing", "bug", "bugs", "buggy", "broken", "crash", "crashes",
        "crashed", "crashing", "panic", "panics", "panicked", "panicking", "hang", "hangs", "hung",
        "hanging", "freeze", "freezes", "frozen", "fail", "fails", "failed", "failing", "failure",
        "wrong", "incorrect", "incorrectly",
        "regression", "flaky", "leak", "leaks", "leaking", "flicker", "flickers", "flickering",
        "glitch", "typo", "typos", "misbehaves", "race",
    ]),
    (Intent::Tests, &[
        "test", "tests", "tested", "testing", "unittest", "unittests", "coverage", "fixture", "fixtures",
        // A benchmark is a measuring harness to write, not a speed-up.
        "benchmark", "benchmarks", "bench",
    ]),
    (Intent::Docs, &[
        "document", "documents", "documented", "documenting", "documentation", "doc", "docs",
        "docstring", "docstrings", "comment", "comments", "commented", "commenting", "readme",
        "changelog", "describe", "tutorial", "guide", "javadoc", "rustdoc", "jsdoc",
    ]),
    (Intent::Performance, &[
        "speed", "faster", "fast", "slow", "slower", "slowly", "slowness", "sluggish", "performance",
        "perf", "optimize", "optimise", "optimized", "optimised", "optimization", "optimisation",
        "latency", "efficient", "efficiently", "throughput", "bottleneck",
        "cache", "caches", "cached", "caching", "memoize", "memoise", "memoized", "memoised",
        "memoization", "memoisation",
    ]),
    (Intent::Configuration, &[
        "configurable", "configure", "configures", "configured", "customizable", "customisable",
        "customize", "customise", "tunable", "overridable", "config", "configuration",
    ]),
    (Intent::Logging, &["log", "logs", "logged", "logging", "logger"]),
    (Intent::Refactor, &[
        "refactor", "refactoring", "restructure", "reorganize", "reorganise", "split", "extract",
        "inline", "rename", "renames", "renamed", "move", "moves", "moved", "modularize",
        "simplify", "deduplicate", "dedupe", "cleanup", "tidy", "consolidate", "decouple",
    ]),
    (Intent::Validation, &[
        "validate", "validates", "validated", "validation", "sanitize", "sanitise", "sanitizes",
        "reject", "rejects", "rejected",
    ]),
    (Intent::Concurrency, &[
        "threadsafe", "concurrent", "concurrently", "concurrency", "parallel", "parallelize",
        "parallelise", "parallelism", "deadlock", "deadlocks", "thread", "threads", "threaded",
        "multithreaded", "async", "asynchronous", "asynchronously", "await",
    ]),
    (Intent::Resilience, &[
        "retry", "retries", "retried", "retrying", "timeout", "timeouts", "backoff", "graceful",
        "gracefully", "fallback", "resilient", "resilience",
    ]),
];

/// Two-word cues.
const BIGRAMS: &[(Intent, &str, &str)] = &[
    (Intent::Question, "what", "does"),
    (Intent::Question, "what", "is"),
    (Intent::Question, "what", "are"),
    (Intent::Question, "how", "does"),
    (Intent::Question, "how", "do"),
    (Intent::Question, "how", "is"),
    (Intent::Question, "where", "is"),
    (Intent::Question, "where", "are"),
    (Intent::Question, "is", "there"),
    (Intent::Fix, "off", "by"),
    (Intent::Fix, "does", "nothing"),
    (Intent::Fix, "prints", "nothing"),
    (Intent::Refactor, "clean", "up"),
    (Intent::Concurrency, "thread", "safe"),
    (Intent::Performance, "too", "long"),
    (Intent::Resilience, "error", "handling"),
    (Intent::Resilience, "handle", "errors"),
    (Intent::Resilience, "handle", "error"),
    (Intent::Resilience, "handle", "exceptions"),
    (Intent::Resilience, "network", "errors"),
];

/// Verbs of new behaviour: [`Intent::Feature`] when nothing more specific
/// is asked (as is a request that opens with "make").
const FEATURE: &[&str] = &[
    "add",
    "adds",
    "adding",
    "implement",
    "implements",
    "support",
    "introduce",
    "create",
];

/// Verbs of some change to the code: [`Intent::Change`] when nothing more
/// specific is asked.
const CHANGE: &[&str] = &[
    "replace", "replaces", "change", "changes", "convert", "update", "use", "switch", "swap",
    "turn",
];

/// Words that open a question when the request ends with `?`.
const QUESTION_OPENERS: &[&str] = &[
    "what", "how", "where", "when", "which", "who", "does", "do", "is", "are",
];

/// Words before a noun that make it an existing thing ("the cache", "our
/// LRU cache"), not the work asked for.
const EXISTING: &[&str] = &["the", "our", "this", "that", "its", "their", "existing"];

/// Words that may stand between a determiner and "cache" ("our LRU cache",
/// "an in-memory cache").
const CACHE_KINDS: &[&str] = &["lru", "ttl", "memory", "in", "local", "redis", "disk"];

/// Words that open a question even without a `?` ("what makes cargo
/// rebuild everything").
const WH_OPENERS: &[&str] = &[
    "why", "what", "whats", "how", "hows", "where", "wheres", "which", "who",
];

/// Determiners that open a report of behaviour ("the export command
/// ignores --output").
const REPORT_OPENERS: &[&str] = &["the", "my", "our", "this", "it", "its"];

/// Words that make a sentence a request rather than a report ("the export
/// command should take a --json flag").
const MODALS: &[&str] = &[
    "should", "must", "need", "needs", "want", "wants", "would", "could", "can", "has", "have",
    "please", "shall", "ought",
];

/// The intents of a request: `words` are its plain words in order,
/// lowercase; `text` is the request as typed.
pub(super) fn intents(words: &[String], text: &str) -> BTreeSet<Intent> {
    let mut out = BTreeSet::new();
    for (i, w) in words.iter().enumerate() {
        // "the comments table", "the docs page": a name, not a cue.
        if words
            .get(i + 1)
            .is_some_and(|next| NAMED_THINGS.contains(&next.as_str()))
        {
            continue;
        }
        // "the LRU cache" is a thing the request is about; "cache the
        // result" and "add a cache" ask for caching.
        if matches!(w.as_str(), "cache" | "caches") && existing(&words[..i]) {
            continue;
        }
        // "explaining" cues as "explain" does.
        let stemmed = super::stem(w);
        for (intent, cues) in CUES {
            if cues
                .iter()
                .any(|c| *c == w.as_str() || super::stem(c) == stemmed)
            {
                out.insert(*intent);
            }
        }
    }
    for pair in words.windows(2) {
        for (intent, a, b) in BIGRAMS {
            if pair[0] == *a && pair[1] == *b {
                out.insert(*intent);
            }
        }
    }
    let first = words.first().map(String::as_str).unwrap_or_default();
    let asks = text.trim_end().ends_with('?');
    // "..., what's causing that": the last clause asks.
    let last_opens = last_clause_opener(text);
    if (asks && QUESTION_OPENERS.contains(&first))
        || WH_OPENERS.contains(&first)
        || last_opens.is_some_and(|w| WH_OPENERS.contains(&w.as_str()))
    {
        out.insert(Intent::Question);
    }
    // A statement about how something behaves, not an instruction: a
    // report of a fault.
    let report = REPORT_OPENERS.contains(&first)
        && !asks
        && !words.iter().any(|w| MODALS.contains(&w.as_str()));
    if report && !out.contains(&Intent::Question) {
        out.insert(Intent::Fix);
    }
    // "make X accept Y", "add Z": new behaviour, when nothing more
    // specific was asked.
    let instructs = first == "make" || words.iter().any(|w| FEATURE.contains(&w.as_str()));
    let named = |out: &BTreeSet<Intent>| out.iter().any(|i| !TOPICS.contains(i));
    if !named(&out) && instructs {
        out.insert(Intent::Feature);
    }
    if !named(&out) && words.iter().any(|w| CHANGE.contains(&w.as_str())) {
        out.insert(Intent::Change);
    }
    out
}

/// Whether the words before "cache" make it an existing one: a determiner
/// such as "the" or "our", possibly with a kind between ("our LRU cache");
/// "an LRU cache" is asked for.
fn existing(before: &[String]) -> bool {
    let mut back = before.iter().rev().map(String::as_str);
    let mut previous = back.next();
    for _ in 0..2 {
        match previous {
            Some(p) if CACHE_KINDS.contains(&p) => previous = back.next(),
            _ => break,
        }
    }
    previous.is_some_and(|p| EXISTING.contains(&p))
}

/// The first word of the request's last clause (after `,`, `;`, `.` or
/// `:`), lowercase, apostrophes dropped; `None` for a one-clause request.
fn last_clause_opener(text: &str) -> Option<String> {
    let text = text.trim_end().trim_end_matches(['?', '.', '!']);
    let cut = text.rfind([',', ';', ':', '.'])?;
    let rest = text[cut + 1..].trim_start();
    // `lib.rs`, `3.10`, `std::fs`: not a clause boundary.
    if !text[cut + 1..].starts_with(char::is_whitespace) {
        return None;
    }
    let word = rest.split_whitespace().next()?;
    Some(
        word.to_lowercase()
            .replace(['\'', '\u{2019}'], "")
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_owned(),
    )
}

/// Whether a request keeps to the tests or the docs ("update only the
/// unit tests") or asks for the code and its tests together ("update
/// pricing.go and its unit tests"): the two are different work however
/// alike they read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Reach {
    /// "only the tests" / "just the docs".
    pub only: Option<Intent>,
    /// Code and tests (or docs) both.
    pub code_too: bool,
}

/// Words that restrict what follows them.
const ONLY: &[&str] = &["only", "just", "solely", "merely"];

/// Cue words of [`Intent::Tests`] and [`Intent::Docs`] as a restriction's
/// object.
const TEST_WORDS: &[&str] = &["test", "tests", "spec", "specs", "fixture", "fixtures"];
const DOC_WORDS: &[&str] = &[
    "doc",
    "docs",
    "documentation",
    "readme",
    "comment",
    "comments",
    "docstring",
    "docstrings",
];

/// What `words` keep to and add; `intents` are their intents.
pub(super) fn reach(words: &[String], intents: &BTreeSet<Intent>) -> Reach {
    let is = |w: &str, set: &[&str]| set.contains(&w);
    let mut out = Reach::default();
    for (i, w) in words.iter().enumerate() {
        let after = &words[i + 1..words.len().min(i + 4)];
        if is(w, ONLY) {
            if after.iter().any(|a| is(a, TEST_WORDS)) {
                out.only = Some(Intent::Tests);
            } else if after.iter().any(|a| is(a, DOC_WORDS)) {
                out.only = Some(Intent::Docs);
            }
        }
        // "X and its tests", "the code and the docs".
        if w == "and" && after.iter().any(|a| is(a, TEST_WORDS) || is(a, DOC_WORDS)) {
            out.code_too = true;
        }
    }
    let code = intents
        .iter()
        .any(|i| !NOT_CODE.contains(i) && !TOPICS.contains(i) && *i != Intent::Change);
    if code
        && intents
            .iter()
            .any(|i| matches!(i, Intent::Tests | Intent::Docs))
    {
        out.code_too = true;
    }
    // "fix it and just add a quick test" restricts nothing.
    if out.code_too {
        out.only = None;
    }
    out
}

/// Whether one request keeps to tests or docs while the other also changes
/// the code: the two sides' descriptions.
pub(super) fn reach_conflict(a: Reach, b: Reach) -> Option<(&'static str, &'static str)> {
    let only = |r: Reach| match r.only {
        Some(Intent::Docs) => "only the docs",
        _ => "only the tests",
    };
    let both = "the code too";
    match (a.only, b.only) {
        (Some(_), None) if b.code_too => Some((only(a), both)),
        (None, Some(_)) if a.code_too => Some((both, only(b))),
        _ => None,
    }
}

/// Intents cued by what a request is about more than by what it asks
/// ("add a test for the retry policy" is about retries, and asks for a
/// test): compared only when a side asks for nothing else.
const TOPICS: &[Intent] = &[Intent::Resilience];

/// The intents that are not changes to the code.
const NOT_CODE: &[Intent] = &[Intent::Question, Intent::Docs, Intent::Tests];

/// Whether two sets of intents ask for different work, and if so the two
/// sets that disagree: both say what they want and have nothing in
/// common. Topics count only when a side asks for nothing else. One side
/// silent is no conflict (a paraphrase may not name the kind of work), nor
/// is an unnamed change against a named change to the code.
pub(super) fn conflict(
    a: &BTreeSet<Intent>,
    b: &BTreeSet<Intent>,
) -> Option<(BTreeSet<Intent>, BTreeSet<Intent>)> {
    let asked = |s: &BTreeSet<Intent>| -> BTreeSet<Intent> {
        s.iter().copied().filter(|i| !TOPICS.contains(i)).collect()
    };
    let (asked_a, asked_b) = (asked(a), asked(b));
    let (a, b) = if asked_a.is_empty() || asked_b.is_empty() {
        (a.clone(), b.clone())
    } else {
        (asked_a, asked_b)
    };
    if a.is_empty() || b.is_empty() || !a.is_disjoint(&b) {
        return None;
    }
    let changes_code = |s: &BTreeSet<Intent>| s.iter().any(|i| !NOT_CODE.contains(i));
    let vague = |s: &BTreeSet<Intent>| s.contains(&Intent::Change);
    if (vague(&a) && changes_code(&b)) || (vague(&b) && changes_code(&a)) {
        return None;
    }
    // A setting is new behaviour: "configure ESLint to flag console.log" is
    // "make eslint flag console.log".
    let setting = |s: &BTreeSet<Intent>, t: &BTreeSet<Intent>| {
        s.contains(&Intent::Configuration) && t.contains(&Intent::Feature)
    };
    if setting(&a, &b) || setting(&b, &a) {
        return None;
    }
    Some((a, b))
}

/// "tests", "a question and a fix".
pub(super) fn show(set: &BTreeSet<Intent>) -> String {
    set.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" and ")
}
