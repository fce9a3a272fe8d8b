//! What a request negates: the words a "not", "don't", "never",
//! "without" or "skip" covers within its clause, and what it uses
//! un-negated. Compared by [`Salient::disagreement`](super::Salient::disagreement)
//! and read by the polarity check.

use std::collections::BTreeSet;

use super::content_words;
use super::tokens::{Kind, Tok, tokenize};
use crate::lexicon::{FIX_VERBS, NEGATIONS, SKIPS};

/// How many content words after a negation it covers: "don't log the
/// token" negates "log"; "is not valid when saved" negates "valid" only.
const NEGATION_REACH: usize = 1;

/// How many content words after "instead of" or "rather than" are set
/// aside: "use tracing instead of println!" does not ask for println!, but
/// "replace println! with tracing" names it too, and the direction check
/// (`roles`, in the parent module) compares the two.
const ALTERNATIVE_REACH: usize = 3;

/// What the negations of a request cover.
#[derive(Default)]
pub(super) struct Negation {
    /// Content words negated somewhere.
    pub negated: BTreeSet<String>,
    /// Content words used un-negated somewhere.
    pub affirmed: BTreeSet<String>,
    /// The plain words in order, each with whether a negation covers it.
    pub words: Vec<(String, bool)>,
}

/// The content words `text` negates, and those it uses un-negated. A
/// negation ("not", "don't", "never", "without", "skip") covers the next
/// [`NEGATION_REACH`] content words of its clause; clauses end at
/// punctuation, so in "--verbose doesn't do anything, make it log at
/// debug" only "do" is negated. Words after "instead of" count as neither.
/// SQL's "NOT NULL" is a name, not a negation.
pub(super) fn negation(text: &str) -> Negation {
    let mut out = Negation::default();
    let clauses: Vec<Vec<Tok>> = clauses(text).into_iter().map(tokenize).collect();
    // "UserCache isn't thread safe, can you fix that": the clauses before
    // the one asking for the fix report the fault; their negations say what
    // is wrong, not what to avoid.
    let fix_clause = clauses.iter().position(|toks| {
        toks.iter()
            .any(|t| t.kind == Kind::Word && FIX_VERBS.contains(&t.norm.as_str()))
    });
    for (index, toks) in clauses.iter().enumerate() {
        let report = fix_clause.is_some_and(|fix| index < fix);
        let (mut negating, mut setting_aside) = (0usize, 0usize);
        for (i, t) in toks.iter().enumerate() {
            let w = t.norm.as_str();
            let word_at = |j: usize| {
                toks.get(j)
                    .filter(|t| t.kind == Kind::Word)
                    .map(|t| t.norm.as_str())
            };
            if t.kind == Kind::Word {
                // "NOT NULL" (or "non-null"), "not found": a name and an
                // error message.
                let not_null = (w == "not" && matches!(word_at(i + 1), Some("null" | "found")))
                    || (w == "non" && word_at(i + 1) == Some("null"));
                if (NEGATIONS.contains(&w) || SKIPS.contains(&w)) && !not_null {
                    if report {
                        setting_aside = NEGATION_REACH;
                    } else {
                        negating = NEGATION_REACH;
                    }
                    continue;
                }
                let previous = i.checked_sub(1).and_then(word_at);
                if (w == "of" && previous == Some("instead"))
                    || (w == "than" && previous == Some("rather"))
                {
                    setting_aside = ALTERNATIVE_REACH;
                    continue;
                }
                out.words
                    .push((w.to_owned(), negating > 0 && setting_aside == 0));
            }
            let words = content_words(t);
            if words.is_empty() {
                continue;
            }
            if setting_aside > 0 {
                setting_aside -= 1;
            } else if negating > 0 {
                out.negated.extend(words);
                negating -= 1;
            } else {
                out.affirmed.extend(words);
            }
        }
    }
    out
}

/// `text` cut at clause punctuation: `, ; ! ? ( )` and dashes, and `.` or
/// `:` before a space or the end (so `lib.rs`, `3.10` and `std::fs` stay
/// whole).
fn clauses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        let ends = matches!(
            c,
            ',' | ';' | '!' | '?' | '(' | ')' | '\u{2014}' | '\u{2013}'
        ) || (matches!(c, '.' | ':') && next_is_space);
        if ends {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out
}
