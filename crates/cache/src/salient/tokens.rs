//! Splitting a request into classified tokens: the first half of
//! [`Salient::extract`](super::Salient::extract).

use crate::lexicon::{
    CAPITALISED_NAMES, EXTENSIONS, NAMES, NUMBER_WORDS, PATH_ROOTS, PHRASES, UNITS,
    WELL_KNOWN_FILES,
};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Identifier,
    Path,
    Number,
    Flag,
    Quoted,
    Name,
    /// A plain word, lowercase, apostrophes dropped.
    Word,
}

/// One token of a request, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    pub kind: Kind,
    /// The normalised form compared between requests.
    pub norm: String,
}

impl Tok {
    fn new(kind: Kind, norm: impl Into<String>) -> Self {
        Self {
            kind,
            norm: norm.into(),
        }
    }
}

/// The request as a stream of tokens, quoted strings and code first.
pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for (segment, quote) in segments(text) {
        match quote {
            Quote::Double => {
                let inner = segment.split_whitespace().collect::<Vec<_>>().join(" ");
                // A number is the same number quoted or not ("'555-12345'").
                let numbers: Vec<String> = segment
                    .split_whitespace()
                    .filter_map(|raw| {
                        number(raw.trim_start_matches(OPENERS).trim_end_matches(CLOSERS))
                    })
                    .map(|(number, _)| number)
                    .collect();
                let only_a_number = numbers.len() == 1 && !inner.contains(' ');
                if !inner.is_empty() && !only_a_number {
                    out.push(Tok::new(Kind::Quoted, inner));
                }
                out.extend(numbers.into_iter().map(|n| Tok::new(Kind::Number, n)));
            }
            Quote::Backtick => {
                let words: Vec<&str> = segment.split_whitespace().collect();
                if words.len() > 1 {
                    out.push(Tok::new(Kind::Quoted, words.join(" ")));
                }
                for (i, raw) in words.iter().enumerate() {
                    // A lone word in backticks is code: an identifier even
                    // when it looks like a plain word (`cache`).
                    classify(raw, i == 0 && words.len() > 1, words.len() == 1, &mut out);
                }
            }
            Quote::None => {
                let mut sentence_start = out.is_empty();
                for raw in segment.split_whitespace() {
                    classify(raw, sentence_start, false, &mut out);
                    sentence_start = raw.ends_with(['.', '!', '?', ':']);
                }
            }
        }
    }
    join_phrases(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Double,
    Backtick,
}

/// Splits `text` into plain runs and quoted runs. A single quote opens a
/// quote only at the start of a word and closes at the end of one, so
/// "don't" stays a word.
fn segments(text: &str) -> Vec<(String, Quote)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at_word_start = i == 0 || !chars[i - 1].is_alphanumeric();
        let (close, quote): (&[char], Quote) = match c {
            '"' => (&['"'], Quote::Double),
            '\u{201c}' => (&['\u{201d}'], Quote::Double),
            '`' => (&['`'], Quote::Backtick),
            '\'' | '\u{2018}' if at_word_start => (&['\'', '\u{2019}'], Quote::Double),
            _ => {
                plain.push(c);
                i += 1;
                continue;
            }
        };
        let end = (i + 1..chars.len()).find(|&j| {
            close.contains(&chars[j])
                && (quote != Quote::Double
                    || c == '"'
                    || c == '\u{201c}'
                    || j + 1 == chars.len()
                    || !chars[j + 1].is_alphanumeric())
        });
        match end {
            Some(end) if end > i + 1 => {
                out.push((std::mem::take(&mut plain), Quote::None));
                out.push((chars[i + 1..end].iter().collect(), quote));
                // Keep the sentence flowing: a quote is not a sentence end.
                plain.push(' ');
                i = end + 1;
            }
            _ => {
                plain.push(c);
                i += 1;
            }
        }
    }
    out.push((plain, Quote::None));
    out.retain(|(s, q)| *q != Quote::None || !s.trim().is_empty());
    out
}

const OPENERS: &[char] = &[
    '(', '[', '{', '<', '"', '\'', '\u{201c}', '\u{2018}', '*', '_',
];
const CLOSERS: &[char] = &[
    ')', ']', '}', '>', '"', '\'', ',', ';', ':', '!', '?', '.', '\u{201d}', '\u{2019}', '*',
];

/// Macros named often enough that `name!` is code, not an exclamation.
const MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "format",
    "vec",
    "assert",
    "assert_eq",
    "panic",
    "write",
    "writeln",
    "dbg",
    "todo",
    "matches",
    "unreachable",
    "include_str",
    "env",
];

/// Classifies one whitespace-separated token and pushes what it holds.
fn classify(raw: &str, sentence_start: bool, code: bool, out: &mut Vec<Tok>) {
    let mut t = raw.trim_start_matches(OPENERS);
    let mut call = false;
    if let Some(stripped) = t.strip_suffix("()") {
        t = stripped;
        call = true;
    }
    // `println!` is a macro; a trailing `!` elsewhere is punctuation.
    let trimmed = t.trim_end_matches(CLOSERS);
    // "eslint's rule" names eslint.
    let trimmed = trimmed
        .strip_suffix("'s")
        .or_else(|| trimmed.strip_suffix("\u{2019}s"))
        .unwrap_or(trimmed);
    let macro_name = t
        .strip_suffix('!')
        .filter(|m| MACROS.contains(m) || (code && is_ident_like(m)));
    let t = match macro_name {
        Some(m) => {
            out.push(Tok::new(Kind::Identifier, format!("{m}!")));
            return;
        }
        None => trimmed.strip_suffix("()").unwrap_or(trimmed),
    };
    if t.is_empty() {
        return;
    }
    let lower = t.to_lowercase();

    if let Some(flag) = flag(t) {
        out.push(Tok::new(Kind::Flag, flag));
        return;
    }
    if lower == "w/o" {
        out.push(Tok::new(Kind::Word, "without"));
        return;
    }
    // `O(1)`, `O(n log n)`: a complexity class, not a number.
    if lower.starts_with("o(") {
        out.push(Tok::new(Kind::Word, "bigo"));
        return;
    }
    if t.contains("://") {
        out.push(Tok::new(Kind::Path, lower));
        return;
    }
    if let Some(name) = name(t, &lower, sentence_start) {
        out.push(Tok::new(Kind::Name, name));
        return;
    }
    if let Some((number, unit)) = number(t) {
        out.push(Tok::new(Kind::Number, number));
        if let Some(unit) = unit {
            out.push(Tok::new(Kind::Word, unit));
        }
        return;
    }
    // `localhost:8080`, `key:value`: each side on its own.
    if t.contains(':') && !t.contains("::") {
        for part in t.split(':').filter(|p| !p.is_empty()) {
            classify(part, false, code, out);
        }
        return;
    }
    if is_path(t) {
        out.push(Tok::new(Kind::Path, t.to_owned()));
        return;
    }
    if t.contains('/') {
        for part in t.split('/').filter(|p| !p.is_empty()) {
            classify(part, false, false, out);
        }
        return;
    }
    if (call || code || is_identifier(t, sentence_start))
        && (is_ident_like(t) || t.contains("::") || t.contains('.'))
    {
        out.push(Tok::new(Kind::Identifier, t.to_owned()));
        return;
    }
    if let Some(&(_, digits)) = NUMBER_WORDS.iter().find(|(w, _)| *w == lower) {
        out.push(Tok::new(Kind::Number, digits));
        return;
    }
    words(&lower, out);
}

/// Plain words: apostrophes dropped (`don't` → `dont`, `planner's` →
/// `planner`), split on anything else that is not a letter or digit.
fn words(lower: &str, out: &mut Vec<Tok>) {
    let lower = lower.replace("'s", "").replace(['\'', '\u{2019}'], "");
    if lower.ends_with("-wide") {
        out.push(Tok::new(Kind::Word, "everywhere"));
        return;
    }
    for w in lower.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        match NUMBER_WORDS.iter().find(|(word, _)| *word == w) {
            Some(&(_, digits)) => out.push(Tok::new(Kind::Number, digits)),
            // `retries=3`, `SIZE-1`: the digits are a number.
            None if w.chars().all(|c| c.is_ascii_digit()) => {
                out.push(Tok::new(Kind::Number, w.trim_start_matches('0').max("0")));
            }
            None => out.push(Tok::new(Kind::Word, w)),
        }
    }
}

/// `--verbose`, `--output=FILE` (as `--output`), `-v`, `-rf`.
fn flag(t: &str) -> Option<String> {
    if let Some(long) = t.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or_default();
        let ok = name.chars().next().is_some_and(char::is_alphabetic)
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        return ok.then(|| format!("--{}", name.to_lowercase()));
    }
    let short = t.strip_prefix('-')?;
    let ok = (1..=3).contains(&short.len()) && short.chars().all(|c| c.is_ascii_alphabetic());
    ok.then(|| t.to_owned())
}

/// A language, tool or format: its canonical name.
fn name(t: &str, lower: &str, sentence_start: bool) -> Option<String> {
    if !sentence_start
        && let Some(&(_, canonical)) = CAPITALISED_NAMES.iter().find(|(cap, _)| *cap == t)
    {
        return Some(canonical.to_owned());
    }
    NAMES
        .iter()
        .find(|(_, aliases)| aliases.contains(&lower))
        .map(|(canonical, _)| (*canonical).to_owned())
}

/// Numbers and versions: `8080`, `1.40`, `v1.2.3` (as `1.2.3`), `2026-11-01`,
/// `30s` (as `30` and the word `second`), `10MB`, `50%`, `3rd`.
fn number(t: &str) -> Option<(String, Option<String>)> {
    let body = t
        .strip_prefix(['v', 'V'])
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(t);
    let body = body.trim_start_matches(['#', '$', '~', '^', '=', '>', '<', '+']);
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == ','))
        .unwrap_or(body.len());
    let (digits, unit) = body.split_at(end);
    let digits = digits.trim_end_matches(['.', '-', ',']).replace(',', "");
    if digits.is_empty() {
        return None;
    }
    let unit = unit.to_lowercase();
    // After a hyphen: `1.2.3-beta`, `2.0.0-rc1` are pre-releases, versions
    // of their own; "an 800-line file", "a 3-day window" are the number and
    // then its unit as a word.
    if body[..end].ends_with('-') && !unit.is_empty() {
        if digits.contains('.') && unit.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Some((format!("{digits}-{unit}"), None));
        }
        if !digits.contains('-') && unit.chars().all(char::is_alphabetic) {
            return Some((digits, Some(unit)));
        }
    }
    if let Some((canonical, _)) = UNITS
        .iter()
        .find(|(_, forms)| forms.contains(&unit.as_str()))
    {
        return Some((digits, Some((*canonical).to_owned())));
    }
    let unit = match unit.as_str() {
        // `3.10+`: "3.10 or newer" names the same version.
        "" | "st" | "nd" | "rd" | "th" | "+" => None,
        "x" => Some("times"),
        "px" => Some("px"),
        "k" => Some("thousand"),
        // `8080/tcp`, `1.2.3-beta`: not a plain number.
        _ => return None,
    };
    Some((digits, unit.map(str::to_owned)))
}

/// Whether `t` names a file or folder.
fn is_path(t: &str) -> bool {
    let lower = t.to_lowercase();
    if WELL_KNOWN_FILES.contains(&lower.as_str()) && lower != "readme" && lower != "changelog" {
        return true;
    }
    if let Some(rest) = t.strip_prefix('.') {
        // `.gitignore`, `.env`, `.github/workflows`, but not `...`.
        return rest.chars().next().is_some_and(char::is_alphanumeric);
    }
    if t.contains('/') {
        if t.starts_with(['/', '~']) || t.starts_with("./") || t.starts_with("../") {
            return t.len() > 1 && t.chars().nth(1).is_some_and(|c| c != '/');
        }
        let parts: Vec<&str> = t.split('/').filter(|p| !p.is_empty()).collect();
        let first = parts.first().map(|p| p.to_lowercase()).unwrap_or_default();
        return parts.len() >= 3
            || PATH_ROOTS.contains(&first.as_str())
            || parts.last().is_some_and(|p| has_extension(p))
            || parts.iter().any(|p| {
                p.chars()
                    .any(|c| c == '_' || c == '.' || c.is_ascii_digit())
            });
    }
    has_extension(t)
}

fn has_extension(t: &str) -> bool {
    match t.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && stem
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                && EXTENSIONS.contains(&ext.to_lowercase().as_str())
        }
        None => false,
    }
}

/// Letters, digits and underscores, starting with a letter or underscore.
fn is_ident_like(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Whether a bare token is code: snake_case, camelCase, PascalCase, a
/// dotted or `::` path, letters mixed with digits, or a capitalised word in
/// the middle of a sentence (a type or a product name).
fn is_identifier(t: &str, sentence_start: bool) -> bool {
    if t.contains("::") {
        return t.split("::").all(|p| p.is_empty() || is_ident_like(p));
    }
    if t.contains('.') {
        let parts: Vec<&str> = t.split('.').collect();
        return parts.len() >= 2 && parts.iter().all(|p| p.len() > 1 && is_ident_like(p));
    }
    if !is_ident_like(t) {
        return false;
    }
    let has_lower = t.chars().any(char::is_lowercase);
    let has_upper = t.chars().any(char::is_uppercase);
    if t.trim_matches('_').contains('_') {
        return true;
    }
    if t.chars().any(|c| c.is_ascii_digit()) && t.chars().any(char::is_alphabetic) {
        return true;
    }
    let first_upper = t.chars().next().is_some_and(char::is_uppercase);
    // camelCase / PascalCase: an upper-case letter after a lower-case one.
    let humps = t
        .chars()
        .zip(t.chars().skip(1))
        .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
    if humps {
        return true;
    }
    // `Parser`, `Tier`, `January` mid-sentence; `CLI`, `API` are acronyms
    // and read as words.
    first_upper && has_lower && !sentence_start && has_upper && t.chars().count() > 1
}

/// Folds multi-word phrases into one word ("turn on" → "enable").
fn join_phrases(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    'outer: while i < toks.len() {
        for (phrase, word) in PHRASES {
            let n = phrase.len();
            if i + n <= toks.len()
                && toks[i..i + n]
                    .iter()
                    .zip(phrase.iter())
                    .all(|(t, p)| t.kind == Kind::Word && t.norm == *p)
            {
                out.push(Tok::new(Kind::Word, *word));
                i += n;
                continue 'outer;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// The words a token is made of, lowercase: `parse_args` → `parse args`,
/// `HashMap` → `hash map`, `--dry-run` → `dry run`, `src/lib.rs` →
/// `src lib rs`.
pub(crate) fn parts(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in t.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = piece.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = c.is_uppercase()
                && prev.is_some_and(|p| {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
                });
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.extend(c.to_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, String)> {
        tokenize(text)
            .into_iter()
            .filter(|t| t.kind != Kind::Word)
            .map(|t| (t.kind, t.norm))
            .collect()
    }

    #[test]
    fn each_class_is_recognised() {
        use Kind::*;
        let got = kinds(
            "Rename parse_args in src/cli.rs to parseArgs, run `cargo test` with --verbose \
             on port 8080 for v1.2 and set the title to \"Hello there\" in Python",
        );
        let want = [
            (Identifier, "parse_args"),
            (Path, "src/cli.rs"),
            (Identifier, "parseArgs"),
            (Quoted, "cargo test"),
            (Name, "cargo"),
            (Word, "test"),
            (Flag, "--verbose"),
            (Number, "8080"),
            (Number, "1.2"),
            (Quoted, "Hello there"),
            (Name, "python"),
        ];
        let want: Vec<(Kind, String)> = want
            .into_iter()
            .filter(|(k, _)| *k != Word)
            .map(|(k, s)| (k, s.to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn plain_words_are_not_mistaken_for_code() {
        assert!(kinds("Fix the CLI so the API returns JSON or read/write errors").len() == 1);
        assert_eq!(kinds("don't log it")[..], []);
        assert_eq!(
            kinds("convert the callbacks to async/await"),
            Vec::<(Kind, String)>::new()
        );
    }

    #[test]
    fn units_and_number_words_are_normalised() {
        let t = tokenize("retry three times within 30s");
        assert!(t.contains(&Tok::new(Kind::Number, "3")));
        assert!(t.contains(&Tok::new(Kind::Number, "30")));
        assert!(t.contains(&Tok::new(Kind::Word, "second")));
    }

    #[test]
    fn numbers_in_compounds_and_quotes_and_method_calls() {
        use Kind::*;
        assert_eq!(
            kinds("split the 800-line App.vue"),
            [(Number, "800".to_owned()), (Path, "App.vue".to_owned())]
        );
        assert!(tokenize("a 3-day window").contains(&Tok::new(Word, "day")));
        assert_eq!(kinds("pin 1.2.3-beta"), [(Number, "1.2.3-beta".to_owned())]);
        assert!(
            kinds("why doesn't it match '555-12345'").contains(&(Number, "555-12345".to_owned()))
        );
        assert_eq!(kinds("edit .gitignore"), [(Path, ".gitignore".to_owned())]);
    }

    #[test]
    fn parts_split_every_naming_style() {
        assert_eq!(parts("parse_args"), ["parse", "args"]);
        assert_eq!(parts("HashMap"), ["hash", "map"]);
        assert_eq!(parts("HTTPServer"), ["http", "server"]);
        assert_eq!(parts("--dry-run"), ["dry", "run"]);
        assert_eq!(parts("OpenAI"), ["open", "ai"]);
    }
}
