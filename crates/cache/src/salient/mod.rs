//! The salient tokens of a request, and the rule that decides whether two
//! requests agree on them.
//!
//! Embedding similarity cannot tell "add the --verbose flag" from "remove
//! the --verbose flag" (cosine about 0.9), nor port 8080 from 8081. A
//! cached answer is served only when the two requests also agree on what
//! they name and which way they point. [`Salient::disagreement`] applies
//! these checks, in this order, and reports the first that fails:
//!
//! | class | examples | rule |
//! | --- | --- | --- |
//! | numbers and versions | `8080`, `v1.2` (= `1.2`), `30s` (= `30`), "three" (= `3`) | the same set on both sides |
//! | identifiers | `parse_args`, `HashMap`, `orders.customer_id`, `std::fs`, `Parser` mid-sentence, `println!` | named on one side only → the other must spell it out in words ("parse args", "hash map"), else they differ |
//! | paths | `src/lib.rs`, `config.toml`, `/healthz`, `Dockerfile` | named on one side only → the other names the same file by a shorter or longer path (`lib.rs` ~ `src/lib.rs`); README-like files may be named in words |
//! | flags | `--verbose`, `--dry-run`, `-v` | one side only → the other spells the name out ("a verbose option") |
//! | quoted strings | `"Hello"`, `` `distiq models` `` | one side only → the other has the same words unquoted |
//! | languages, tools, formats, platforms, colours | Python, Rust, npm, cargo, pytest, jest, JSON, YAML, French, Windows | the same set on both sides (naming a language on one side only is a different request) |
//! | polarity | add/remove, enable/disable, allow/deny, increase/decrease, before/after, show/hide, with/without, sync/async, … ([`crate::lexicon`]) | on each axis, one side only positive and the other only negative → differ; one side silent is fine (a paraphrase may say "make it accept" for "add") |
//! | negation | not, never, don't, without, "instead of crashing" | a word negated on one side (the next content words after the negation, within its clause) may not appear un-negated on the other: "don't log the token" ≠ "log the token", but "lodash isn't used, drop it" ~ "remove the unused lodash" |
//! | scope | "in this file" vs "everywhere", "all files", "across the crate"; "only the tests" vs "pricing.go and its tests" | the same set of scopes (local, global) on both sides; a request kept to the tests or docs differs from one that changes the code too |
//! | roles | `from X to Y`, `Y instead of X`, `replace X with Y` | a token that is the source on one side may not be the target on the other |
//! | intent | tests, docs, a fix, a question, performance (incl. caching), configuration, logging, a refactor, validation, concurrency, error handling, a feature, a change to the code ([`Intent`]) | when both sides say what kind of work they want, they must share one ("add a test for the retry policy" ≠ "make the retry policy configurable"); topics (error handling) count only when a side asks for nothing else; an unnamed change ("replace", "convert") agrees with any named change to the code; one side silent is fine |
//! | one term swapped | "make the header sticky" vs "make the footer sticky" | when the content words of both are the same but for one run of at most three words on each side, and the runs are not synonyms, the user changed that term on purpose: they differ |
//!
//! Similarity decides whether two requests are about the same thing; this
//! rule decides whether they ask the same of it.

mod intent;
mod negation;
mod spelled;
mod tokens;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lexicon::{
    GENERIC, GLOBAL_QUANTIFIERS, GLOBAL_WORDS, LOCAL_DETERMINERS, NAMES, NEGATIONS, POLARITY,
    PROJECT_UNITS, SCOPE_UNITS, STOPWORDS, SYNONYMS, UNITS,
};
pub use intent::Intent;
use negation::negation;
use spelled::{spelled_identifier, spelled_name, spelled_path, spelled_quote};
use tokens::{Kind, Tok, parts};

/// Which way a request points on one polarity axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pole {
    /// Only the axis's first words ("add", "enable").
    Positive,
    /// Only its second words ("remove", "disable").
    Negative,
    /// Both: compatible with either.
    Both,
}

/// Whether a request is about one place or the whole project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// "in this file", "this function".
    Local,
    /// "everywhere", "all files", "across the crate".
    Global,
}

/// The salient tokens of one request. Build with [`Salient::extract`];
/// compare with [`Salient::disagreement`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Salient {
    /// Code identifiers, as written.
    pub identifiers: BTreeSet<String>,
    /// File and folder paths, URLs.
    pub paths: BTreeSet<String>,
    /// Numbers and versions, normalised (`v1.2` → `1.2`, "three" → `3`).
    pub numbers: BTreeSet<String>,
    /// Command-line flags, lowercase.
    pub flags: BTreeSet<String>,
    /// Quoted strings and multi-word code spans.
    pub quoted: BTreeSet<String>,
    /// Languages, tools, formats, platforms and colours, canonical.
    pub names: BTreeSet<String>,
    /// The polarity axes the request uses.
    pub polarity: BTreeMap<String, Pole>,
    /// The content words the request negates ("don't **log** the
    /// **token**"), stemmed and folded like `content`.
    pub negated: BTreeSet<String>,
    /// The scopes it names.
    pub scope: BTreeSet<Scope>,
    /// The kinds of work it asks for.
    #[serde(default)]
    pub intents: BTreeSet<Intent>,
    /// Plain words in order, lowercase (for the spelled-out checks).
    #[serde(skip)]
    words: Vec<String>,
    /// Content words in order, stemmed and folded to a synonym.
    #[serde(skip)]
    content: Vec<String>,
    /// Tokens that are a source or a target of the request.
    #[serde(skip)]
    roles: BTreeMap<String, Role>,
    /// Content words that occur at least once outside a negation.
    #[serde(skip)]
    affirmed: BTreeSet<String>,
    /// Every token's words in order, stemmed (code split into its words).
    #[serde(skip)]
    spelled: Vec<String>,
    /// The work the request keeps to and the work it adds (see
    /// [`intent::Reach`]).
    #[serde(skip)]
    reach: intent::Reach,
    /// The unit given after a number ("15 minutes", `30s`), canonical.
    #[serde(skip)]
    units: BTreeMap<String, BTreeSet<&'static str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Source,
    Target,
}

/// Why two requests do not agree: the reason a cache lookup gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// Which check failed ("numbers", "polarity", ...).
    pub class: &'static str,
    /// What one side has.
    pub left: String,
    /// What the other side has.
    pub right: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "salient tokens differ ({}): {} vs {}",
            self.class, self.left, self.right
        )
    }
}

impl Salient {
    /// Extracts the salient tokens of `text`.
    pub fn extract(text: &str) -> Self {
        let toks = tokens::tokenize(text);
        let mut s = Salient::default();
        for t in &toks {
            let set = match t.kind {
                Kind::Identifier => &mut s.identifiers,
                Kind::Path => &mut s.paths,
                Kind::Number => &mut s.numbers,
                Kind::Flag => &mut s.flags,
                Kind::Quoted => &mut s.quoted,
                Kind::Name => &mut s.names,
                Kind::Word => {
                    s.words.push(t.norm.clone());
                    continue;
                }
            };
            set.insert(t.norm.clone());
        }
        let negation = negation(text);
        s.negated = negation.negated;
        s.affirmed = negation.affirmed;
        // A flag names its format: `--json` and "JSON" agree.
        for flag in &s.flags {
            for part in parts(flag) {
                if let Some((canonical, _)) = NAMES
                    .iter()
                    .find(|(_, aliases)| aliases.contains(&part.as_str()))
                {
                    s.names.insert((*canonical).to_owned());
                }
            }
        }
        s.polarity = polarity(&negation.words);
        s.scope = scope(&s.words);
        s.intents = intent::intents(&s.words, text);
        s.reach = intent::reach(&s.words, &s.intents);
        s.units = units(&toks);
        s.roles = roles(&toks);
        s.content = toks.iter().flat_map(content_words).collect();
        // "the auth-service Service": a word said twice in a row is one.
        s.content.dedup();
        s.spelled = toks
            .iter()
            .flat_map(|t| match t.kind {
                Kind::Word => vec![t.norm.clone()],
                _ => parts(&t.norm),
            })
            .map(|w| stem(&w))
            .collect();
        s
    }

    /// Whether `self` and `other` agree; the first check that fails, if any.
    pub fn disagreement(&self, other: &Salient) -> Option<Disagreement> {
        let differ = |class, left: String, right: String| Some(Disagreement { class, left, right });
        if self.numbers != other.numbers {
            return differ(
                "numbers",
                show_diff(&self.numbers, &other.numbers),
                show_diff(&other.numbers, &self.numbers),
            );
        }
        // "15 minutes" is not "15 hours"; "15" alone may be either.
        for (number, mine) in &self.units {
            if let Some(theirs) = other.units.get(number)
                && mine.is_disjoint(theirs)
            {
                let say = |units: &BTreeSet<&str>| {
                    let units: Vec<&str> = units.iter().copied().collect();
                    format!("{number} {}", units.join("/"))
                };
                return differ("numbers", say(mine), say(theirs));
            }
        }
        for (class, mine, theirs, spelled) in [
            (
                "identifiers",
                &self.identifiers,
                &other.identifiers,
                spelled_identifier as Spelled,
            ),
            ("paths", &self.paths, &other.paths, spelled_path as Spelled),
            (
                "flags",
                &self.flags,
                &other.flags,
                spelled_identifier as Spelled,
            ),
            (
                "quoted strings",
                &self.quoted,
                &other.quoted,
                spelled_quote as Spelled,
            ),
        ] {
            let a = unmatched(mine, theirs, other, spelled);
            let b = unmatched(theirs, mine, self, spelled);
            // A product named on one side only ("the Elixir GenServer in
            // lib/cache/store.ex" ~ "lib/cache/store.ex") is detail left
            // implicit when both name something else in common.
            let implicit = |only: &BTreeSet<String>, rest: &BTreeSet<String>| {
                class == "identifiers"
                    && rest.is_empty()
                    && only.iter().all(|t| is_product_name(t))
                    && self.anchored(other)
            };
            if implicit(&a, &b) || implicit(&b, &a) {
                continue;
            }
            if !a.is_empty() || !b.is_empty() {
                return differ(class, show(&a), show(&b));
            }
        }
        // A language or tool swapped for another differs; one named on one
        // side only is detail the other left implicit ("a SQL query" ~ "a
        // query", "the Java Stream API" ~ "streams").
        // But a name that is the source or target of the change ("from
        // cargo to bazel") is the point of it, said or not on the other side.
        let a = unmatched(&self.names, &other.names, other, spelled_name);
        let b = unmatched(&other.names, &self.names, self, spelled_name);
        let directed = |only: &BTreeSet<String>, side: &Salient| {
            only.iter().any(|name| side.roles.contains_key(name))
        };
        if (!a.is_empty() && !b.is_empty()) || directed(&a, self) || directed(&b, other) {
            return differ("languages and tools", show(&a), show(&b));
        }
        for (axis, mine) in &self.polarity {
            let Some(theirs) = other.polarity.get(axis) else {
                continue;
            };
            if matches!(
                (mine, theirs),
                (Pole::Positive, Pole::Negative) | (Pole::Negative, Pole::Positive)
            ) {
                let (pos, neg) = axis.split_once('/').unwrap_or((axis, axis));
                let name = |p: &Pole| if *p == Pole::Positive { pos } else { neg };
                return differ("polarity", name(mine).to_owned(), name(theirs).to_owned());
            }
        }
        for (negated, affirmed) in [(self, other), (other, self)] {
            // A word the other side also negates somewhere is negated on
            // both ("without uploading" ~ "not actually upload anything").
            if let Some(word) = negated
                .negated
                .intersection(&affirmed.affirmed)
                .find(|w| !affirmed.negated.contains(*w))
            {
                let (left, right) = (format!("not {word}"), word.clone());
                let (left, right) = if std::ptr::eq(negated, self) {
                    (left, right)
                } else {
                    (right, left)
                };
                return differ("negation", left, right);
            }
        }
        // "everywhere" against no scope at all is a different reach, unless
        // both name the same file: then the file is the scope ("etl.py uses
        // print everywhere, switch to logging" ~ "replace print in etl.py").
        let same_file = !self.paths.is_disjoint(&other.paths);
        let one_silent = self.scope.is_empty() || other.scope.is_empty();
        // "this class component" against "the class component": a request
        // that names no scope is about one place already.
        let local_only = |s: &BTreeSet<Scope>| s.iter().all(|x| *x == Scope::Local);
        let local_vs_silent = one_silent && local_only(&self.scope) && local_only(&other.scope);
        if self.scope != other.scope && !(one_silent && same_file) && !local_vs_silent {
            return differ("scope", show_scope(&self.scope), show_scope(&other.scope));
        }
        for (token, role) in &self.roles {
            if other.roles.get(token).is_some_and(|r| r != role) {
                let say = |r: Role| match r {
                    Role::Source => format!("from {token}"),
                    Role::Target => format!("to {token}"),
                };
                return differ("direction", say(*role), say(other.roles[token]));
            }
        }
        if let Some((a, b)) = intent::reach_conflict(self.reach, other.reach) {
            return differ("scope", a.to_owned(), b.to_owned());
        }
        if let Some((a, b)) = intent::conflict(&self.intents, &other.intents) {
            return differ("intent", intent::show(&a), intent::show(&b));
        }
        if let Some((a, b)) = one_swap(&self.content, &other.content) {
            return differ("one term swapped", a.join(" "), b.join(" "));
        }
        None
    }
}

type Spelled = fn(&str, &Salient) -> bool;

/// A capitalised name (`GenServer`, `PySpark`, `STM32`, `Phoenix`), not
/// code written as code (`parse_args`, `user.email`, `println!`,
/// `getUser`).
fn is_product_name(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_uppercase) && token.chars().all(char::is_alphanumeric)
}

impl Salient {
    /// Whether the two requests name at least one specific thing in common:
    /// an identifier, path, flag, quoted string, number or name on both
    /// sides (the other side may spell it out in words).
    pub fn anchored(&self, other: &Salient) -> bool {
        let shared = |mine: &BTreeSet<String>, theirs: &BTreeSet<String>, spelled: Spelled| {
            mine.iter().any(|t| theirs.contains(t) || spelled(t, other))
        };
        shared(&self.identifiers, &other.identifiers, spelled_identifier)
            || shared(&self.paths, &other.paths, spelled_path)
            || shared(&self.flags, &other.flags, spelled_identifier)
            || shared(&self.quoted, &other.quoted, spelled_identifier)
            || !self.numbers.is_disjoint(&other.numbers)
            || !self.names.is_disjoint(&other.names)
    }
}

/// The tokens of `mine` that `theirs` lacks and `other` does not spell out.
fn unmatched(
    mine: &BTreeSet<String>,
    theirs: &BTreeSet<String>,
    other: &Salient,
    spelled: Spelled,
) -> BTreeSet<String> {
    mine.difference(theirs)
        .filter(|t| !spelled(t, other))
        .cloned()
        .collect()
}

fn show(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "(none)".to_owned()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn show_diff(a: &BTreeSet<String>, b: &BTreeSet<String>) -> String {
    show(&a.difference(b).cloned().collect())
}

fn show_scope(s: &BTreeSet<Scope>) -> String {
    let names: Vec<&str> = s
        .iter()
        .map(|s| match s {
            Scope::Local => "local",
            Scope::Global => "everywhere",
        })
        .collect();
    if names.is_empty() {
        "(unstated)".to_owned()
    } else {
        names.join(" and ")
    }
}

/// The unit written right after each number, canonical.
fn units(toks: &[Tok]) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut out: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for pair in toks.windows(2) {
        let (Kind::Number, Kind::Word) = (pair[0].kind, pair[1].kind) else {
            continue;
        };
        let word = pair[1].norm.as_str();
        if let Some((unit, _)) = UNITS.iter().find(|(_, forms)| forms.contains(&word)) {
            out.entry(pair[0].norm.clone()).or_default().insert(unit);
        }
    }
    out
}

/// The pole of each axis the request uses; a negated polarity word points
/// the other way ("should not be shown" hides).
fn polarity(words: &[(String, bool)]) -> BTreeMap<String, Pole> {
    let mut out = BTreeMap::new();
    for (axis, pos, neg) in POLARITY {
        let (mut p, mut n) = (false, false);
        for (w, negated) in words {
            let (is_pos, is_neg) = (pos.contains(&w.as_str()), neg.contains(&w.as_str()));
            let (is_pos, is_neg) = if *negated {
                (is_neg, is_pos)
            } else {
                (is_pos, is_neg)
            };
            p |= is_pos;
            n |= is_neg;
        }
        let pole = match (p, n) {
            (true, true) => Pole::Both,
            (true, false) => Pole::Positive,
            (false, true) => Pole::Negative,
            (false, false) => continue,
        };
        out.insert((*axis).to_owned(), pole);
    }
    out
}

/// Words that end the phrase a quantifier opens.
const PREPOSITIONS: &[&str] = &[
    "on", "in", "of", "for", "to", "from", "with", "across", "under", "inside", "within", "at",
];

fn scope(words: &[String]) -> BTreeSet<Scope> {
    let mut out = BTreeSet::new();
    // The unit a quantifier or determiner is about: among the next `n`
    // words, before any preposition ("every field on the struct" is about
    // fields; "all my local feature branches" about branches).
    let unit_within = |i: usize, n: usize, units: &[&str]| {
        words[i + 1..words.len().min(i + 1 + n)]
            .iter()
            .take_while(|w| !PREPOSITIONS.contains(&w.as_str()))
            .any(|w| units.contains(&w.as_str()))
    };
    for (i, w) in words.iter().enumerate() {
        let w = w.as_str();
        // "before each commit", "after every test": when, not how far.
        let temporal = i
            .checked_sub(1)
            .is_some_and(|j| matches!(words[j].as_str(), "before" | "after" | "between" | "per"));
        let quantified = GLOBAL_QUANTIFIERS.contains(&w)
            && !temporal
            && (unit_within(i, 4, SCOPE_UNITS) || unit_within(i, 4, PROJECT_UNITS));
        if GLOBAL_WORDS.contains(&w) || quantified {
            out.insert(Scope::Global);
        }
        // "this file", "the current function"; but "this app" is all of it.
        if LOCAL_DETERMINERS.contains(&w) {
            if unit_within(i, 1, PROJECT_UNITS) {
                out.insert(Scope::Global);
            } else if unit_within(i, 1, SCOPE_UNITS) {
                out.insert(Scope::Local);
            }
        }
    }
    out
}

/// Sources and targets: `from X` and `instead of X` are sources; `to X`, `into X`, `with X` (in a replace) and `X instead
/// of` are targets.
fn roles(toks: &[Tok]) -> BTreeMap<String, Role> {
    let replace = toks.iter().any(|t| {
        t.kind == Kind::Word && matches!(t.norm.as_str(), "replace" | "swap" | "substitute")
    });
    let word = |i: usize| {
        toks.get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.norm.as_str())
    };
    // Plain words take a role only in a "from X to Y" request ("convert
    // it from sync to async"); "read the port from an environment
    // variable" names a source of data, not of a change.
    let from_to = toks
        .iter()
        .position(|t| t.kind == Kind::Word && t.norm == "from")
        .is_some_and(|from| {
            toks[from..]
                .iter()
                .any(|t| t.kind == Kind::Word && matches!(t.norm.as_str(), "to" | "into"))
        });
    let mut out = BTreeMap::new();
    for (i, t) in toks.iter().enumerate() {
        let plain = t.kind == Kind::Word;
        if t.kind == Kind::Quoted || (plain && (!from_to || STOPWORDS.contains(&t.norm.as_str()))) {
            continue;
        }
        // The word before, skipping articles and "version".
        let mut j = i;
        let before = loop {
            if j == 0 {
                break None;
            }
            j -= 1;
            match word(j) {
                Some("a" | "an" | "the" | "version" | "v") => continue,
                other => break other.map(|w| (j, w)),
            }
        };
        let role = match before {
            Some((_, "from")) => Some(Role::Source),
            Some((j, "of")) if j > 0 && word(j - 1) == Some("instead") && !plain => {
                Some(Role::Source)
            }
            Some((_, "to" | "into")) => Some(Role::Target),
            Some((_, "with")) if replace && !plain => Some(Role::Target),
            _ if word(i + 1) == Some("instead") && !plain => Some(Role::Target),
            _ => None,
        };
        if let Some(role) = role {
            out.insert(t.norm.to_lowercase(), role);
        }
    }
    out
}

/// A token's entries in the content sequence: stopwords dropped, words
/// stemmed and folded to their synonym group's first word; code split into
/// its words, so that `max_retries` and "max retries" read the same.
fn content_words(t: &Tok) -> Vec<String> {
    match t.kind {
        Kind::Word => {
            let w = t.norm.as_str();
            if STOPWORDS.contains(&w) || NEGATIONS.contains(&w) {
                return Vec::new();
            }
            vec![canonical(w)]
        }
        Kind::Number | Kind::Name => vec![t.norm.clone()],
        _ => parts(&t.norm).iter().map(|p| canonical(p)).collect(),
    }
}

fn canonical(w: &str) -> String {
    let stemmed = stem(w);
    SYNONYMS
        .iter()
        .find(|group| group.iter().any(|g| *g == w || stem(g) == stemmed))
        .map_or(stemmed, |group| group[0].to_owned())
}

/// A light English stemmer: enough that "tests"/"test", "adding"/"add" and
/// "caching"/"cache" compare equal (a final "e" is dropped after the
/// suffix).
fn stem(w: &str) -> String {
    let s = strip_suffix(w);
    match s.strip_suffix('e') {
        Some(base) if s.len() > 4 => base.to_owned(),
        _ => s,
    }
}

fn strip_suffix(w: &str) -> String {
    let n = w.len();
    let strip = |suffix: &str| w[..n - suffix.len()].to_owned();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..n - 3]);
    }
    if n > 5 && w.ends_with("ing") {
        let base = strip("ing");
        return undouble(base);
    }
    if n > 4 && w.ends_with("ed") {
        return undouble(strip("ed"));
    }
    if n > 4
        && (w.ends_with("ses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes"))
    {
        return strip("es");
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return strip("s");
    }
    w.to_owned()
}

fn undouble(mut base: String) -> String {
    let b = base.as_bytes();
    if b.len() >= 2
        && b[b.len() - 1] == b[b.len() - 2]
        && !matches!(b[b.len() - 1], b'l' | b's' | b'z')
    {
        base.pop();
    }
    base
}

/// The longest run a term swap may have on either side.
const MAX_RUN: usize = 3;

/// The first replaced run of content words between `a` and `b` that is a
/// new term rather than a rewording, if the two are otherwise aligned.
///
/// `a` and `b` are aligned word by word (longest common subsequence). A
/// hunk where both sides have words is a replacement; it is a rewording
/// when either side is only instruction verbs and filler ([`GENERIC`]),
/// when the two sides share a word (the same words moved), or when it is
/// longer than [`MAX_RUN`]. Only a request that differs from the other in
/// exactly one place has a swapped term.
fn one_swap(a: &[String], b: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let hunks = hunks(a, b);
    let shared = a.len() - hunks.iter().map(|(x, _)| x.len()).sum::<usize>();
    if shared == 0 || hunks.len() != 1 {
        return None;
    }
    hunks.iter().find_map(|(mid_a, mid_b)| swap(mid_a, mid_b))
}

fn swap(mid_a: &[String], mid_b: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    if mid_a.is_empty() || mid_b.is_empty() || mid_a.len() > MAX_RUN || mid_b.len() > MAX_RUN {
        return None;
    }
    // A run of instruction verbs and filler is a rewording ("rename" ~
    // "change the name of"), not a new term.
    let generic = |run: &[String]| {
        run.iter()
            .all(|w| GENERIC.iter().any(|g| g == w || stem(g) == *w))
    };
    if generic(mid_a) || generic(mid_b) {
        return None;
    }
    // Words moved, not replaced: a rewording.
    if mid_a.iter().any(|w| mid_b.contains(w)) {
        return None;
    }
    Some((mid_a.to_vec(), mid_b.to_vec()))
}

/// The places where `a` and `b` differ, as `(run of a, run of b)`, from a
/// longest-common-subsequence alignment.
fn hunks(a: &[String], b: &[String]) -> Vec<(Vec<String>, Vec<String>)> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut cur: (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            if !cur.0.is_empty() || !cur.1.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            cur.0.push(a[i].clone());
            i += 1;
        } else {
            cur.1.push(b[j].clone());
            j += 1;
        }
    }
    if !cur.0.is_empty() || !cur.1.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod blind_rounds;
#[cfg(test)]
mod tests;
