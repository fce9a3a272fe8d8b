//! The lookup rule, in one place: the persistent cache and `cache eval`
//! both decide through [`judge`].

use distiq_embed::Embedding;

use crate::Salient;

/// The request text the exact layer keys on: whitespace collapsed, ends
/// trimmed, trailing sentence punctuation dropped. Case is kept, because
/// identifiers are case-sensitive.
pub fn normalize_request(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .trim_end_matches(['.', '!', '?', ';', ','])
        .trim_end()
        .to_owned()
}

/// The exact-layer key of a request: BLAKE3 of [`normalize_request`], hex.
pub fn request_key(text: &str) -> String {
    blake3::hash(normalize_request(text).as_bytes())
        .to_hex()
        .to_string()
}

/// What the rule decided about one stored request for one query, before
/// the repository is consulted.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Whether the entry may be served (its dependencies still to check).
    pub hit: bool,
    /// The cosine similarity of the two embeddings.
    pub similarity: f32,
    /// Why: "exact", "similarity 0.93", "similarity 0.71 below 0.80",
    /// "salient tokens differ (numbers): 8080 vs 8081".
    pub reason: String,
}

/// One side of a comparison: a request, its embedding and its salient
/// tokens.
#[derive(Debug, Clone)]
pub struct Probe<'a> {
    /// The request as typed.
    pub text: &'a str,
    /// Its embedding.
    pub embedding: &'a Embedding,
    /// Its salient tokens.
    pub salient: &'a Salient,
}

/// The threshold distiq ships with (`[cache] threshold` in the built-in
/// config): what `distiq cache tune` recommends on the development pairs
/// in `crates/cache/data/pairs.jsonl` (BENCHMARKS.md has the numbers).
pub const DEFAULT_THRESHOLD: f32 = 0.55;

/// How much more similar two requests must be when they name nothing
/// specific in common (no identifier, path, flag, quoted string, number
/// or tool on both sides; see [`Salient::anchored`]).
///
/// Measured on the development pairs: paraphrases that share an anchor go
/// as low as 0.59 ("add a --verbose flag to the command line" / "make the
/// CLI accept a verbose option"), while different tasks in the same area
/// with nothing specific in common reach 0.61 ("add keyboard shortcuts to
/// the TUI for scrolling" / "add mouse support to the TUI for selecting").
/// Plain-language paraphrases sit above 0.65.
pub const UNANCHORED_MARGIN: f32 = 0.15;

/// Decides whether `stored` may answer `query` at `threshold`: the same
/// normalised text is an exact hit; otherwise the similarity must reach
/// the threshold (plus [`UNANCHORED_MARGIN`] when the two name nothing
/// specific in common) and the salient tokens must agree
/// ([`Salient::disagreement`]).
pub fn judge(stored: &Probe<'_>, query: &Probe<'_>, threshold: f32) -> Verdict {
    let similarity = stored.embedding.cosine(query.embedding);
    if normalize_request(stored.text) == normalize_request(query.text) {
        return Verdict {
            hit: true,
            similarity,
            reason: "exact".to_owned(),
        };
    }
    let anchored = stored.salient.anchored(query.salient) || query.salient.anchored(stored.salient);
    let needed = if anchored {
        threshold
    } else {
        (threshold + UNANCHORED_MARGIN).min(1.0)
    };
    if similarity < needed {
        let why = if anchored {
            ""
        } else {
            " (nothing specific in common)"
        };
        return Verdict {
            hit: false,
            similarity,
            reason: format!("similarity {similarity:.2} below {needed:.2}{why}"),
        };
    }
    match stored.salient.disagreement(query.salient) {
        Some(d) => Verdict {
            hit: false,
            similarity,
            reason: d.to_string(),
        },
        None => Verdict {
            hit: true,
            similarity,
            reason: format!("similarity {similarity:.2}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_spacing_and_final_punctuation_but_not_case() {
        assert_eq!(
            request_key("  add a  --json flag. "),
            request_key("add a --json flag")
        );
        assert_ne!(request_key("rename Foo"), request_key("rename foo"));
    }
}
