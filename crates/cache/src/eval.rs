//! `distiq cache eval` and `distiq cache tune`: the lookup rule measured
//! on labelled pairs of requests.
//!
//! Each pair is judged in isolation: `a` is the only entry of an empty
//! cache and `b` is looked up with [`judge`], the rule the persistent cache
//! uses. Embeddings are computed by the caller (in batches) and passed in.

use std::path::Path;

use distiq_embed::Embedding;
use serde::{Deserialize, Serialize};

use crate::rule::{Probe, judge};
use crate::{Error, Result, Salient};

/// One labelled pair: would a cached answer to `a` be right for `b`?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// The request stored first.
    pub a: String,
    /// The request looked up.
    pub b: String,
    /// Whether `b` asks for the same thing as `a`.
    pub same: bool,
}

/// Reads a JSONL file of [`Pair`]s (`{"a","b","same"}` per line; blank
/// lines are skipped).
pub fn read_pairs(path: &Path) -> Result<Vec<Pair>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| Error::BadPairs {
                path: path.to_owned(),
                line: i + 1,
                detail: e.to_string(),
            })
        })
        .collect()
}

/// What the rule decided for one pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairOutcome {
    /// The stored request.
    pub a: String,
    /// The request looked up.
    pub b: String,
    /// The label.
    pub same: bool,
    /// Whether `b` was served `a`'s entry.
    pub hit: bool,
    /// Their cosine similarity.
    pub similarity: f32,
    /// Why it hit or missed.
    pub reason: String,
}

/// The rule's quality on a set of pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// The similarity threshold used.
    pub threshold: f32,
    /// Hits among the `same` pairs.
    pub recall: f64,
    /// `same` pairs among the hits (1 when nothing hit).
    pub precision: f64,
    /// Hits among the pairs that are not the same.
    pub false_hit_rate: f64,
    /// How many pairs were `same`.
    pub positives: usize,
    /// How many were not.
    pub negatives: usize,
    /// Every pair that hit although it is not the same.
    pub false_hits: Vec<PairOutcome>,
    /// Every pair, in input order.
    pub pairs: Vec<PairOutcome>,
}

/// A pair ready to be judged: both embeddings and salient tokens.
#[derive(Debug, Clone)]
pub struct PreparedPair {
    pair: Pair,
    a: (Embedding, Salient),
    b: (Embedding, Salient),
}

/// Joins pairs with their embeddings (`embeddings[i]` for `pairs[i].a`
/// and `.b`) and extracts the salient tokens once.
pub fn prepare(pairs: Vec<Pair>, embeddings: Vec<(Embedding, Embedding)>) -> Vec<PreparedPair> {
    pairs
        .into_iter()
        .zip(embeddings)
        .map(|(pair, (ea, eb))| {
            let sa = Salient::extract(&pair.a);
            let sb = Salient::extract(&pair.b);
            PreparedPair {
                pair,
                a: (ea, sa),
                b: (eb, sb),
            }
        })
        .collect()
}

/// Judges every pair at `threshold`.
pub fn evaluate(pairs: &[PreparedPair], threshold: f32) -> EvalReport {
    let outcomes: Vec<PairOutcome> = pairs
        .iter()
        .map(|p| {
            let stored = Probe {
                text: &p.pair.a,
                embedding: &p.a.0,
                salient: &p.a.1,
            };
            let query = Probe {
                text: &p.pair.b,
                embedding: &p.b.0,
                salient: &p.b.1,
            };
            let v = judge(&stored, &query, threshold);
            PairOutcome {
                a: p.pair.a.clone(),
                b: p.pair.b.clone(),
                same: p.pair.same,
                hit: v.hit,
                similarity: v.similarity,
                reason: v.reason,
            }
        })
        .collect();
    let positives = outcomes.iter().filter(|o| o.same).count();
    let negatives = outcomes.len() - positives;
    let true_hits = outcomes.iter().filter(|o| o.same && o.hit).count();
    let false_hits: Vec<PairOutcome> = outcomes
        .iter()
        .filter(|o| !o.same && o.hit)
        .cloned()
        .collect();
    let ratio = |n: usize, d: usize, empty: f64| if d == 0 { empty } else { n as f64 / d as f64 };
    EvalReport {
        threshold,
        recall: ratio(true_hits, positives, 0.0),
        precision: ratio(true_hits, true_hits + false_hits.len(), 1.0),
        false_hit_rate: ratio(false_hits.len(), negatives, 0.0),
        positives,
        negatives,
        false_hits,
        pairs: outcomes,
    }
}

/// Precision and recall at one threshold of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TunePoint {
    /// The threshold.
    pub threshold: f32,
    /// Recall at it.
    pub recall: f64,
    /// Precision at it.
    pub precision: f64,
    /// False-hit rate at it.
    pub false_hit_rate: f64,
    /// How many pairs that are not the same hit.
    pub false_hits: usize,
}

/// A threshold sweep and the threshold it recommends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TuneReport {
    /// One point per threshold, ascending.
    pub points: Vec<TunePoint>,
    /// The recommended threshold: see [`tune`].
    pub recommended: f32,
    /// Why that one.
    pub why: String,
}

/// The most false hits tolerated, as a share of the pairs that are not the
/// same: the goal.
pub const MAX_FALSE_HIT_RATE: f64 = 0.01;

/// How much recall the recommended threshold may give up, in points, for
/// distance from the false hits.
pub const RECALL_SLACK: f64 = 0.03;

/// Sweeps thresholds from 0.50 to 0.99 in steps of 0.01 and recommends
/// one.
///
/// The safe thresholds are those whose false-hit rate is at most
/// [`MAX_FALSE_HIT_RATE`]. Among them, the acceptable ones keep recall
/// within [`RECALL_SLACK`] of the best safe recall. The recommendation is
/// the acceptable threshold nearest the middle of their range (the higher
/// on a tie): as far from losing paraphrases as from admitting
/// near-misses, since pairs the sweep has not seen will sit a little on
/// either side. When no threshold is safe, the one with the fewest false
/// hits, then the highest recall.
pub fn tune(pairs: &[PreparedPair]) -> TuneReport {
    let points: Vec<TunePoint> = (50..=99)
        .map(|t| {
            let r = evaluate(pairs, t as f32 / 100.0);
            TunePoint {
                threshold: r.threshold,
                recall: r.recall,
                precision: r.precision,
                false_hit_rate: r.false_hit_rate,
                false_hits: r.false_hits.len(),
            }
        })
        .collect();
    let safe: Vec<&TunePoint> = points
        .iter()
        .filter(|p| p.false_hit_rate <= MAX_FALSE_HIT_RATE)
        .collect();
    let best_recall = safe.iter().map(|p| p.recall).fold(0.0, f64::max);
    let acceptable: Vec<&TunePoint> = safe
        .iter()
        .filter(|p| p.recall >= best_recall - RECALL_SLACK - 1e-9)
        .copied()
        .collect();
    let (recommended, why) = match (acceptable.first(), acceptable.last()) {
        (Some(lo), Some(hi)) => {
            // In hundredths, so that the tie between two grid points is exact.
            #[allow(clippy::cast_possible_truncation)] // thresholds are in 0..=1
            let hundredths = |t: f32| (t * 100.0).round() as i64;
            let twice_middle = hundredths(lo.threshold) + hundredths(hi.threshold);
            let pick = acceptable
                .iter()
                .min_by_key(|p| {
                    let t = hundredths(p.threshold);
                    ((2 * t - twice_middle).abs(), -t)
                })
                .map_or(hi.threshold, |p| p.threshold);
            (
                pick,
                format!(
                    "thresholds {:.2}..={:.2} keep false hits at or below {:.0}% and recall within {:.0} points of the best ({:.1}%); {pick:.2} is the middle of that range",
                    lo.threshold,
                    hi.threshold,
                    MAX_FALSE_HIT_RATE * 100.0,
                    RECALL_SLACK * 100.0,
                    best_recall * 100.0
                ),
            )
        }
        _ => {
            let best = points.iter().min_by(|a, b| {
                a.false_hits
                    .cmp(&b.false_hits)
                    .then(b.recall.total_cmp(&a.recall))
            });
            (
                best.map_or(0.9, |p| p.threshold),
                format!(
                    "no threshold keeps false hits at or below {:.0}%: this one has the fewest, then the highest recall",
                    MAX_FALSE_HIT_RATE * 100.0
                ),
            )
        }
    };
    TuneReport {
        points,
        recommended,
        why,
    }
}
