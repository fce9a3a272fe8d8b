//! Words: splitting identifiers into words, light stemming, and reading a
//! task for the identifiers, words and paths it names.

use std::collections::BTreeSet;

/// Splits an identifier into lower-case words at `_`, `-`, case changes and
/// letter/digit boundaries: `parseHTTPRequest_v2` gives `parse`, `http`,
/// `request`, `v2`.
pub fn split_identifier(ident: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = ident.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if p.is_alphanumeric() => {
                // fooBar | HTTPRequest (before the last capital of a run)
                (p.is_lowercase() && c.is_uppercase())
                    || (p.is_uppercase()
                        && c.is_uppercase()
                        && next.is_some_and(char::is_lowercase))
            }
            _ => false,
        };
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// A light stemmer, the same on both sides of every comparison: `parses`,
/// `parsed`, `parsing`, `parser` and `parse` all give `pars`.
pub fn stem(word: &str) -> String {
    let mut w = word.to_lowercase();
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.len() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        w.pop();
    }
    for suffix in ["ation", "ion", "ing", "ed", "er", "ly"] {
        if w.len() >= suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            break;
        }
    }
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// Words of a task that say nothing about where the code is.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "add",
    "adds",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "can",
    "change",
    "changes",
    "code",
    "could",
    "define",
    "defined",
    "definition",
    "do",
    "does",
    "done",
    "each",
    "file",
    "files",
    "find",
    "fix",
    "for",
    "from",
    "function",
    "functions",
    "handle",
    "handles",
    "has",
    "have",
    "how",
    "i",
    "if",
    "implement",
    "implemented",
    "in",
    "into",
    "is",
    "it",
    "its",
    "let",
    "like",
    "live",
    "lives",
    "located",
    "make",
    "makes",
    "method",
    "methods",
    "more",
    "must",
    "need",
    "needs",
    "not",
    "of",
    "on",
    "one",
    "or",
    "our",
    "please",
    "should",
    "so",
    "some",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "this",
    "those",
    "to",
    "up",
    "update",
    "use",
    "used",
    "uses",
    "using",
    "want",
    "was",
    "way",
    "we",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "work",
    "works",
    "would",
    "you",
];

/// What a task names: identifiers as written, stemmed words, and things
/// that look like paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskTerms {
    /// Identifier-like tokens exactly as written (`from_str`, `Value`).
    pub idents: BTreeSet<String>,
    /// Stemmed words of the task and of its identifiers, stopwords removed.
    pub words: BTreeSet<String>,
    /// Tokens that look like file paths (`src/de.rs`, `mod.rs`).
    pub paths: BTreeSet<String>,
    /// Runs of two or three words run together, lower-case (`did you mean`
    /// gives `didyoumean`), to meet identifiers the task spells out as
    /// words; see `phrase_key`.
    pub phrases: BTreeSet<String>,
}

/// An identifier as a phrase key: lower-case, underscores and dashes dropped
/// (`did_you_mean` and `DidYouMean` give `didyoumean`).
pub fn phrase_key(ident: &str) -> String {
    ident
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl TaskTerms {
    /// Reads a task.
    pub fn parse(task: &str) -> TaskTerms {
        let mut terms = TaskTerms::default();
        for raw in task.split_whitespace() {
            let token = raw
                .trim_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '/' || c == '.'));
            let token = token.trim_end_matches('.');
            if looks_like_path(token) {
                terms
                    .paths
                    .insert(token.trim_start_matches("./").to_string());
            }
            // Only what is written as code names code: `Value`, `from_str`,
            // `select!`, `Error::is_timeout`; plain words ("value") are words.
            if looks_like_code(raw) {
                for part in raw.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                    if part.len() >= 2 && !part.chars().all(|c| c.is_ascii_digit()) {
                        terms.idents.insert(part.to_string());
                    }
                }
            }
        }
        // Phrases run over plain words only: an identifier breaks the run.
        let mut runs: Vec<Vec<String>> = vec![Vec::new()];
        for token in task.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if token.is_empty() {
                continue;
            }
            let plain = token.chars().all(char::is_alphabetic)
                && !token.chars().skip(1).any(char::is_uppercase);
            match runs.last_mut() {
                Some(run) if plain => run.push(token.to_lowercase()),
                _ => runs.push(Vec::new()),
            }
        }
        for run in &runs {
            for n in 2..=3 {
                for window in run.windows(n) {
                    let joined = window.concat();
                    // "inline tables" should meet `InlineTable` too.
                    if let Some(singular) = joined.strip_suffix('s') {
                        terms.phrases.insert(singular.to_string());
                    }
                    terms.phrases.insert(joined);
                }
            }
        }
        for token in task.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if token.is_empty() || token.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let lower = token.to_lowercase();
            if STOPWORDS.binary_search(&lower.as_str()).is_ok() {
                continue;
            }
            for word in split_identifier(token) {
                if word.len() >= 2 && STOPWORDS.binary_search(&word.as_str()).is_err() {
                    terms.words.insert(stem(&word));
                }
            }
        }
        terms
    }

    /// Whether the task names nothing at all.
    pub fn is_empty(&self) -> bool {
        self.idents.is_empty()
            && self.words.is_empty()
            && self.paths.is_empty()
            && self.phrases.is_empty()
    }
}

/// Whether a whitespace-separated token of a task is written as code.
fn looks_like_code(raw: &str) -> bool {
    let raw = raw.trim_end_matches(['.', ',', ';', '?', ')', '\'', '"']);
    raw.chars()
        .any(|c| c.is_uppercase() || matches!(c, '_' | '`' | ':' | '!' | '(' | '#' | '<' | '.'))
}

fn looks_like_path(token: &str) -> bool {
    if token.len() < 3 || token.starts_with('.') && !token.starts_with("./") {
        return false;
    }
    if token.contains('/') {
        return token.chars().any(char::is_alphabetic);
    }
    // name.ext with a short alphabetic extension
    match token.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn identifiers_split_at_case_and_underscores() {
        assert_eq!(
            split_identifier("parseHTTPRequest_v2"),
            ["parse", "http", "request", "v2"]
        );
        assert_eq!(split_identifier("MAX_SIZE"), ["max", "size"]);
        assert_eq!(split_identifier("Deserializer"), ["deserializer"]);
    }

    #[test]
    fn word_forms_share_a_stem() {
        let forms = ["parse", "parses", "parsed", "parsing", "parser"];
        let stems: BTreeSet<String> = forms.iter().map(|w| stem(w)).collect();
        assert_eq!(stems.len(), 1, "{stems:?}");
        assert_eq!(stem("exponents"), stem("exponent"));
        assert_eq!(stem("entries"), stem("entry"));
        assert_ne!(stem("user"), stem("us"));
    }

    #[test]
    fn a_task_yields_identifiers_words_and_paths() {
        let t = TaskTerms::parse(
            "Where is `from_str` defined? Also look at src/de.rs and lib.rs, port 8080.",
        );
        assert!(t.idents.contains("from_str"));
        assert!(
            t.paths.contains("src/de.rs") && t.paths.contains("lib.rs"),
            "{:?}",
            t.paths
        );
        assert!(t.words.contains("str"), "{:?}", t.words);
        assert!(!t.words.contains("where") && !t.words.contains("defined"));
        assert!(!t.idents.contains("8080"));
        assert!(
            !t.idents.contains("look"),
            "plain words are not identifiers: {:?}",
            t.idents
        );
        let t = TaskTerms::parse("the select! macro and Error::is_timeout in `value`");
        for code in ["select", "Error", "is_timeout", "value"] {
            assert!(t.idents.contains(code), "{code}: {:?}", t.idents);
        }
        assert!(!t.idents.contains("macro"));
        assert!(TaskTerms::parse("   ").is_empty());
        let t = TaskTerms::parse("suggest names (did you mean) for inline tables");
        assert!(
            t.phrases.contains("didyoumean") && t.phrases.contains("inlinetable"),
            "{:?}",
            t.phrases
        );
        assert_eq!(phrase_key("did_you_mean"), "didyoumean");
        let t = TaskTerms::parse("ts_tree_cursor_goto should work");
        assert!(
            !t.phrases.contains("tstree"),
            "an identifier's parts are no phrase: {:?}",
            t.phrases
        );
    }
}
