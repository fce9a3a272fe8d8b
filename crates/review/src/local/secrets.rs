//! Likely secrets in added lines: provider key formats, private key blocks
//! and high-entropy values assigned to names that say key, secret or token.
//!
//! A finding names the kind of secret and shows it masked (its first four
//! characters and its length); the secret itself never leaves this module.
//! A line carrying `distiq:allow-secret` or `pragma: allowlist secret` (the
//! detect-secrets marker) is skipped.

use std::sync::LazyLock;

use regex::Regex;

/// A likely secret on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// What it looks like: "AWS access key id", "GitHub token", ...
    pub kind: &'static str,
    /// 1-based column, in characters.
    pub column: u32,
    /// The secret masked: its first four characters, then `*`s.
    pub masked: String,
    /// Its length in characters.
    pub len: usize,
}

struct Rule {
    kind: &'static str,
    regex: Regex,
    /// The capture group holding the secret (0: the whole match).
    group: usize,
    /// Whether the value must also look random (entropy, digits and
    /// letters) to count.
    random: bool,
}

fn rule(kind: &'static str, re: &str, group: usize, random: bool) -> Option<Rule> {
    // The expressions are constants checked by the tests; a bad one is
    // left out rather than panicking in a user's hook.
    Regex::new(re).ok().map(|regex| Rule {
        kind,
        regex,
        group,
        random,
    })
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        rule(
            "AWS access key id",
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
            0,
            false,
        ),
        rule(
            "private key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
            0,
            false,
        ),
        rule(
            "GitHub token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b",
            0,
            false,
        ),
        rule(
            "Slack token",
            r"\bxox[abprs]-[0-9]{6,}-[A-Za-z0-9-]{8,}",
            0,
            false,
        ),
        rule(
            "API key (sk-…)",
            r"\bsk-(?:proj-|ant-(?:api\d\d-)?|svcacct-)?[A-Za-z0-9_-]{20,}",
            0,
            true,
        ),
        rule(
            "Stripe key",
            r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{20,}\b",
            0,
            false,
        ),
        rule("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0, false),
        rule(
            "secret assigned to a variable",
            r#"(?i)([A-Za-z0-9_.-]*(?:key|secret|token|passw(?:or)?d|pwd)[A-Za-z0-9_]*)["']?\s*(?::=|=>|[:=])\s*[@]?["'`]?([A-Za-z0-9+/=_\-.~]{16,})"#,
            2,
            true,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
});

/// Values that are obviously not secrets even when they look random
/// enough: documentation examples and placeholders.
const PLACEHOLDERS: &[&str] = &[
    "example",
    "sample",
    "dummy",
    "placeholder",
    "changeme",
    "your",
    "xxxx",
    "test1234",
    "redacted",
    "fake",
];

/// The likely secrets on `line`, left to right.
pub fn scan_line(line: &str) -> Vec<SecretMatch> {
    let lower = line.to_ascii_lowercase();
    if lower.contains("distiq:allow-secret") || lower.contains("pragma: allowlist secret") {
        return Vec::new();
    }
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    for r in RULES.iter() {
        for caps in r.regex.captures_iter(line) {
            let Some(m) = caps.get(r.group) else {
                continue;
            };
            let value = m.as_str();
            if is_placeholder(value) {
                continue;
            }
            if r.group > 0 && !names_a_secret(caps.get(1).map_or("", |n| n.as_str())) {
                continue;
            }
            if r.random && !looks_random(value) {
                continue;
            }
            // One finding per stretch of the line: the first (most
            // specific) rule to claim it wins.
            if found.iter().any(|(s, e, _)| m.start() < *e && *s < m.end()) {
                continue;
            }
            found.push((m.start(), m.end(), r.kind));
        }
    }
    found.sort_unstable();
    found
        .into_iter()
        .map(|(start, end, kind)| {
            let secret = &line[start..end];
            SecretMatch {
                kind,
                column: u32::try_from(line[..start].chars().count() + 1).unwrap_or(u32::MAX),
                masked: mask(secret),
                len: secret.chars().count(),
            }
        })
        .collect()
}

/// `AKIA****************`: the first four characters, then one `*` per
/// character up to sixteen.
pub fn mask(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    let rest = secret.chars().count().saturating_sub(4).min(16);
    format!("{head}{}", "*".repeat(rest))
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    PLACEHOLDERS.iter().any(|p| lower.contains(p))
        || value
            .chars()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            <= 3
}

/// Whether an identifier names a secret as one of its words:
/// `AWS_SECRET_ACCESS_KEY`, `apiKey`, `db.password`, not `monkey` or
/// `keyboard_layout`.
fn names_a_secret(name: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut cur));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    words.push(cur);
    words.iter().any(|w| {
        matches!(
            w.as_str(),
            "key"
                | "apikey"
                | "secret"
                | "token"
                | "password"
                | "passwd"
                | "pwd"
                | "secretkey"
                | "accesskey"
                | "privatekey"
        )
    })
}

/// Random enough to be a credential: letters and digits mixed, and a
/// Shannon entropy of at least 3.2 bits per character (English words and
/// identifiers sit lower; 20 random base-62 characters sit near 4.3).
fn looks_random(value: &str) -> bool {
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_alpha = value.chars().any(|c| c.is_ascii_alphabetic());
    has_digit && has_alpha && entropy(value) >= 3.2
}

fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::BTreeMap::<char, u32>::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let n = f64::from(u32::try_from(s.chars().count()).unwrap_or(u32::MAX));
    counts
        .values()
        .map(|&k| {
            let p = f64::from(k) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<&'static str> {
        scan_line(line).into_iter().map(|m| m.kind).collect()
    }

    // Built at run time so that this file does not itself look like it
    // holds secrets to other scanners.
    fn aws() -> String {
        format!("AKIA{}", "Q3EGT7WLRZ5MXN2B")
    }

    #[test]
    fn provider_key_formats_are_found() {
        let line = format!("aws_access_key_id = {}", aws());
        assert_eq!(kinds(&line), ["AWS access key id"]);
        let begin = |kind: &str| format!("-----BEGIN {kind}PRIVATE KEY-----");
        assert_eq!(kinds(&begin("RSA ")), ["private key"]);
        assert_eq!(kinds(&begin("OPENSSH ")), ["private key"]);
        assert_eq!(kinds(&begin("")), ["private key"]);
        let gh = format!("token: ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        assert_eq!(kinds(&gh), ["GitHub token"]);
        let slack = format!("url = \"xoxb-{}-{}\"", "123456789012", "AbCdEfGh1234");
        assert_eq!(kinds(&slack), ["Slack token"]);
        let sk = format!(
            "client = OpenAI(api_key=\"sk-proj-{}\")",
            "T3BlbkFJx9Qw2Zr7Lm4Np8Vs1Kd6"
        );
        assert_eq!(kinds(&sk), ["API key (sk-…)"]);
        let ant = format!("sk-ant-api03-{}", "Xq9Lm2Rt7Vw4Zp8Kd3Nf6Hj1Bc5");
        assert_eq!(kinds(&ant), ["API key (sk-…)"]);
        let stripe = format!("STRIPE = '{}_live_{}'", "sk", "4eC39HqLyjWDarjtT1zdp7dc");
        assert_eq!(kinds(&stripe), ["Stripe key"]);
        let google = format!("key=AIza{}", "SyD4x9Qw2Zr7Lm4Np8Vs1Kd6Tj3Hf5Gb0Yc");
        assert_eq!(kinds(&google), ["Google API key"]);
    }

    #[test]
    fn high_entropy_values_of_secret_names_are_found() {
        for line in [
            // The marker keeps distiq's own hook quiet about these fixtures.
            "DATABASE_PASSWORD=Zx8q2LmN4r7TvB1k", // distiq:allow-secret
            "export API_KEY=\"9f86d081884c7d659a2feaa0c55ad015\"",
            "const apiKey = 'Tq7Rm2Xw9Lp4Zk8Vn3Hb6';", // distiq:allow-secret
            "aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8pLm3Zt9", // distiq:allow-secret
            "  \"auth_token\": \"c2VjcmV0LXRva2VuLXZhbHVlLTEyMzQ1\",",
        ] {
            assert_eq!(kinds(line), ["secret assigned to a variable"], "{line}");
        }
    }

    #[test]
    fn look_alikes_do_not_fire() {
        for line in [
            // AWS's documented example key.
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            // Too short, or lower case: not an access key id.
            "AKIA1234",
            "akiaq3egt7wlrz5mxn2b",
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "ghp_short",
            "xoxo-gossip-girl-episode-guide",
            "import sklearn  # sk-learn-classification-pipeline",
            "task-manager-for-long-running-jobs",
            "monkey = 'Zx8q2LmN4r7TvB1kQw'",
            "keyboard_layout = 'Zx8q2LmN4r7TvB1kQw'",
            "API_KEY = os.environ[\"API_KEY\"]",
            "token = process.env.GITHUB_TOKEN",
            "SECRET_KEY = get_secret_key_from_vault()",
            "password = \"correct-horse-battery\"",
            "api_key = \"your-api-key-goes-here\"",
            "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx",
            "primary_key = 'aaaaaaaaaaaaaaaaaaaaaaaa'",
            "let cache_key = format!(\"{}-{}\", user_id, path);",
            "sha256 = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"",
        ] {
            assert_eq!(kinds(line), Vec::<&str>::new(), "{line}");
        }
    }

    #[test]
    fn an_allowlist_marker_silences_the_line() {
        let line = format!("{}  # distiq:allow-secret (test fixture)", aws());
        assert!(scan_line(&line).is_empty());
        let line = format!("k = '{}'  # pragma: allowlist secret", aws());
        assert!(scan_line(&line).is_empty());
    }

    #[test]
    fn a_match_carries_its_column_and_a_mask_never_the_secret() {
        let key = aws();
        let line = format!("é = \"{key}\"");
        let m = &scan_line(&line)[0];
        assert_eq!(m.column, 6, "counted in characters");
        assert_eq!(m.len, 20);
        assert_eq!(m.masked, "AKIA****************");
        assert!(!m.masked.contains(&key[4..]));
        assert_eq!(mask("abc"), "abc");
    }
}
