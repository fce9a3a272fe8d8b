//! The request features of seed 002 that feed complexity: how long the
//! prompt is, how many files and identifiers it names, how wide its scope
//! is, and what the caller says about context size, latency and tools.

use serde::Serialize;

/// A task to route: the prompt and what the caller knows about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The user's words.
    pub prompt: String,
    /// Tokens of context the task comes with (files, history), if known.
    /// Above [`LONG_CONTEXT`] only the top tier plans (seed 002).
    pub context_tokens: Option<u64>,
    /// How long the caller can wait for the first answer, if it must be
    /// fast. Below [`TIGHT_LATENCY_MS`] every stage runs on the cheapest tier
    /// its floor allows (seed 002).
    pub latency_budget_ms: Option<u64>,
    /// How many tools the task may call in its loop. One tool needs at least
    /// a standard task; [`MANY_TOOLS`] or more a complex one.
    pub tools: u32,
}

impl Request {
    /// A request of `prompt` alone.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            ..Self::default()
        }
    }
}

/// Context above this many tokens needs the top tier (seed 002: > 200K).
pub const LONG_CONTEXT: u64 = 200_000;
/// Context above this many tokens is at least a standard task.
pub const MEDIUM_CONTEXT: u64 = 50_000;
/// A latency budget below this many milliseconds takes the cheapest tier
/// (seed 002: < 500 ms).
pub const TIGHT_LATENCY_MS: u64 = 500;
/// A multi-tool loop of this many tools is a complex task.
pub const MANY_TOOLS: u32 = 3;

/// What the router measured of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Features {
    /// Words in the prompt.
    pub words: u32,
    /// Files and paths named (`src/lib.rs`, `utils.py`, `docs/`).
    pub paths: u32,
    /// Code identifiers named: `snake_case`, `CamelCase`, `a::b`, `f()`,
    /// backticked spans and `--flags`.
    pub identifiers: u32,
    /// Numbers and versions named.
    pub numbers: u32,
    /// Words that widen the scope: everywhere, across, every, whole, ...
    pub scope_words: u32,
    /// Separate requirements: commas, semicolons, colons, "and", "then".
    pub clauses: u32,
    /// The caller's context size in tokens, if given.
    pub context_tokens: Option<u64>,
    /// The caller's latency budget, if given.
    pub latency_budget_ms: Option<u64>,
    /// Tools the task may call.
    pub tools: u32,
}

/// How many numbers [`Features::vector`] gives.
pub const FEATURE_COUNT: usize = 6;

const SCOPE_WORDS: [&str; 12] = [
    "everywhere",
    "across",
    "all",
    "every",
    "whole",
    "entire",
    "throughout",
    "codebase",
    "system",
    "overall",
    "workspace",
    "services",
];

const DIRS: [&str; 20] = [
    "src",
    "lib",
    "tests",
    "test",
    "docs",
    "doc",
    "app",
    "crates",
    "pkg",
    "cmd",
    "internal",
    "config",
    "scripts",
    "assets",
    "public",
    "components",
    "handlers",
    "bin",
    "examples",
    "data",
];

const EXTENSIONS: [&str; 26] = [
    "rs", "py", "ts", "tsx", "js", "jsx", "go", "java", "kt", "c", "h", "cc", "cpp", "hpp", "rb",
    "md", "toml", "yaml", "yml", "json", "sql", "sh", "html", "css", "lock", "txt",
];

impl Features {
    /// Measures `request`.
    pub fn of(request: &Request) -> Self {
        let prompt = request.prompt.as_str();
        let mut f = Features {
            context_tokens: request.context_tokens,
            latency_budget_ms: request.latency_budget_ms,
            tools: request.tools,
            ..Features::default()
        };
        // Backticked spans are identifiers whatever they contain.
        f.identifiers += count_u32(prompt.split('`').skip(1).step_by(2).count());
        for raw in prompt.split_whitespace() {
            f.words += 1;
            if raw.contains('`') {
                continue;
            }
            let token = raw.trim_matches(|c: char| {
                matches!(
                    c,
                    '"' | '\''
                        | ','
                        | ';'
                        | ':'
                        | '.'
                        | '!'
                        | '?'
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '{'
                        | '}'
                )
            });
            if token.is_empty() {
                continue;
            }
            let lower = token.to_ascii_lowercase();
            if SCOPE_WORDS.contains(&lower.as_str()) {
                f.scope_words += 1;
            }
            if is_path(token) {
                f.paths += 1;
            } else if is_identifier(raw, token) {
                f.identifiers += 1;
            } else if token.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                f.numbers += 1;
            }
        }
        let padded = format!(" {} ", prompt.to_ascii_lowercase());
        f.clauses = count_u32(
            prompt.matches([',', ';']).count()
                + prompt.matches(": ").count()
                + padded.matches(" and ").count()
                + padded.matches(" then ").count(),
        );
        f
    }

    /// The numbers the complexity classifier reads, each scaled to about
    /// 0..1 and capped so one odd prompt cannot dominate.
    pub fn vector(&self) -> [f32; FEATURE_COUNT] {
        let capped = |n: u32, cap: f32| (n as f32).min(cap) / cap;
        [
            (1.0 + self.words as f32).ln() / 4.0,
            capped(self.paths, 3.0),
            capped(self.identifiers, 4.0),
            capped(self.numbers, 3.0),
            capped(self.scope_words, 2.0),
            capped(self.clauses, 4.0),
        ]
    }
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn is_path(token: &str) -> bool {
    if token.starts_with("http://") || token.starts_with("https://") {
        return false;
    }
    if token.starts_with("./") || token.starts_with("~/") {
        return true;
    }
    if let Some((first, _)) = token.split_once('/') {
        // `src/lib.rs`, `docs/`, `tests/data`; not `/orders` (an endpoint),
        // `and/or` or `async/await`.
        return token.ends_with('/')
            || DIRS.contains(&first)
            || token.rsplit('/').next().is_some_and(has_extension);
    }
    has_extension(token)
}

fn has_extension(token: &str) -> bool {
    match token.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && !stem.chars().all(|c| c.is_ascii_digit())
                && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
        }
        None => false,
    }
}

fn is_identifier(raw: &str, token: &str) -> bool {
    if token.starts_with("--") && token.len() > 2 {
        return true;
    }
    if raw.contains("()") || token.contains("::") {
        return true;
    }
    let letters = token.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if letters < 2 {
        return false;
    }
    let inner = &token[1..];
    let snake = token.contains('_') && token.chars().all(|c| c.is_alphanumeric() || c == '_');
    let camel = inner.chars().any(|c| c.is_ascii_uppercase())
        && inner.chars().any(|c| c.is_ascii_lowercase())
        && token.chars().all(|c| c.is_ascii_alphanumeric());
    // `UserService.getName`, `self.items`; not `e.g`.
    let dotted = token.contains('.')
        && token
            .split('.')
            .all(|part| part.len() >= 2 && part.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && token.chars().next().is_some_and(char::is_alphabetic);
    snake || camel || dotted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(prompt: &str) -> Features {
        Features::of(&Request::new(prompt))
    }

    #[test]
    fn paths_identifiers_and_numbers_are_told_apart() {
        let f = of(
            "move `parse_args` from src/cli.rs into utils.py and call UserRepo::load() with --force on port 8080",
        );
        assert_eq!(f.paths, 2, "{f:?}");
        // `parse_args`, UserRepo::load(), --force
        assert_eq!(f.identifiers, 3, "{f:?}");
        assert_eq!(f.numbers, 1, "{f:?}");
        assert_eq!(f.clauses, 1, "{f:?}");
    }

    #[test]
    fn plain_words_urls_and_endpoints_are_not_paths() {
        let f = of(
            "fix the /health endpoint and the link to https://example.com/docs and/or the e.g. case",
        );
        assert_eq!(f.paths, 0, "{f:?}");
        assert_eq!(f.identifiers, 0, "{f:?}");
    }

    #[test]
    fn scope_words_and_clauses_are_counted() {
        let f = of("rename Foo to Bar everywhere across the whole codebase, then update the docs");
        assert_eq!(f.scope_words, 4, "{f:?}");
        assert_eq!(f.clauses, 2, "{f:?}");
        assert_eq!(f.words, 13);
    }

    #[test]
    fn the_vector_is_bounded() {
        let long = "src/a.rs `x` 1 all, and ".repeat(200);
        for v in of(&long).vector() {
            assert!((0.0..=2.5).contains(&v), "{v}");
        }
        assert!(of("").vector().iter().all(|v| v.abs() < 1e-9));
    }
}
