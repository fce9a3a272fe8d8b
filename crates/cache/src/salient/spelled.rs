//! Whether the other side of a comparison names a token in other words:
//! an identifier spelled out ("parse args" for `parse_args`, "the email
//! column of the users table" for `users.email`), a quoted command without
//! quotes, a language as a plain word, a file by a shorter path.

use super::tokens::parts;
use super::{Salient, stem};
use crate::lexicon::{ABBREVIATIONS, NAMES, WELL_KNOWN_FILES};

/// Whether `other` names `token` in plain words: its parts consecutive
/// ("parse args" for `parse_args`), or run together ("hashmap").
pub(super) fn spelled_identifier(token: &str, other: &Salient) -> bool {
    // Exceptions everyone abbreviates.
    let lower = token.to_lowercase();
    if let Some((_, short)) = ABBREVIATIONS.iter().find(|(long, _)| *long == lower)
        && other.words.iter().any(|w| w == short)
    {
        return true;
    }
    // `Order` is a part of the other's `Order.status`.
    if other.identifiers.iter().any(|id| {
        qualified_parts(id)
            .iter()
            .any(|p| p.to_lowercase() == lower)
    }) {
        return true;
    }
    // `users.email` is "the email column of the users table": each part
    // named, as a word or as code, in any order.
    let segments = qualified_parts(token);
    if segments.len() > 1 {
        return segments.iter().all(|segment| {
            other
                .identifiers
                .iter()
                .any(|id| id.eq_ignore_ascii_case(segment))
                || other.names.contains(&segment.to_lowercase())
                || spelled_words(segment, other)
        });
    }
    spelled_words(token, other)
}

/// The segments of a qualified name: `users.email` → `users`, `email`;
/// `std::fs` → `std`, `fs`.
fn qualified_parts(token: &str) -> Vec<&str> {
    token
        .split("::")
        .flat_map(|p| p.split('.'))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether `other`'s words spell `token`: its parts consecutive, or run
/// together; in its plain words or inside a string it quotes (an error
/// message quoted on one side, pasted bare on the other).
fn spelled_words(token: &str, other: &Salient) -> bool {
    let wanted = stemmed_parts(token);
    if wanted.is_empty() || wanted.iter().all(|p| p.len() <= 1) {
        return false;
    }
    let joined = wanted.concat();
    let spells = |words: &[String]| {
        words.windows(wanted.len()).any(|w| w == wanted.as_slice()) || words.contains(&joined)
    };
    let words: Vec<String> = other.words.iter().map(|w| stem(w)).collect();
    spells(&words)
        || other
            .quoted
            .iter()
            .any(|quote| spells(&stemmed_parts(quote)))
}

/// Whether `other` has the words of a quoted string, consecutive, among
/// all its tokens: `` `git merge --squash` `` is "git merge --squash".
pub(super) fn spelled_quote(token: &str, other: &Salient) -> bool {
    let wanted = stemmed_parts(token);
    if wanted.is_empty() {
        return false;
    }
    if other
        .spelled
        .windows(wanted.len())
        .any(|w| w == wanted.as_slice())
    {
        return true;
    }
    // A code span (`avatarUrl: String`, `cargo clippy -- -D warnings`) is
    // often written out with its parts reordered or a word between them:
    // all its parts within a window twice its length.
    let code = token.contains([':', '=', ';', '(', '-', '.']);
    let span = 2 * wanted.len() + 1;
    code && wanted.len() > 1
        && other.spelled.len() >= wanted.len()
        && other
            .spelled
            .windows(span.min(other.spelled.len()))
            .any(|window| wanted.iter().all(|part| window.contains(part)))
}

/// Whether `other` uses the name as a plain word: "go: why does this
/// deadlock" names Go as "Go program" does.
pub(super) fn spelled_name(name: &str, other: &Salient) -> bool {
    NAMES
        .iter()
        .filter(|(canonical, _)| *canonical == name)
        .flat_map(|(canonical, aliases)| std::iter::once(canonical).chain(aliases.iter()))
        .any(|alias| other.words.iter().any(|w| w == alias))
        || other.words.iter().any(|w| w == name)
}

/// Whether `other` names the same file: a path with the same last
/// components, or a README-like file by its stem in words.
pub(super) fn spelled_path(token: &str, other: &Salient) -> bool {
    let lower = token.to_lowercase();
    let mine: Vec<&str> = lower.trim_matches('/').split('/').collect();
    let same_file = other.paths.iter().any(|p| {
        let p = p.to_lowercase();
        let theirs: Vec<&str> = p.trim_matches('/').split('/').collect();
        let n = mine.len().min(theirs.len());
        mine[mine.len() - n..] == theirs[theirs.len() - n..]
    });
    let file = mine.last().copied().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    // `.gitignore` is "a gitignore"; `.env` is too common a word to tell.
    let dotfile = file
        .strip_prefix('.')
        .filter(|bare| bare.len() >= 5 && !bare.contains('.'));
    // A library named as a file, `moment.js`, is "moment"; a distinctive
    // file by its stem, `tsconfig.json` is "the tsconfig".
    let library = mine.len() == 1 && (file.ends_with(".js") || stem.len() >= 5);
    same_file
        || ((WELL_KNOWN_FILES.contains(&stem) || library) && other.words.iter().any(|w| w == stem))
        || dotfile.is_some_and(|bare| other.words.iter().any(|w| w == bare))
}

/// The words of a token, stemmed: `max_retries` → `max`, `retry`.
fn stemmed_parts(token: &str) -> Vec<String> {
    parts(token).iter().map(|p| stem(p)).collect()
}
