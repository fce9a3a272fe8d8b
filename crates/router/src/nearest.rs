//! The exemplars nearest a task, for the explanation a route decision
//! carries. 1,803 unit vectors of 384 floats are 2.8 MB: more than this
//! machine's L2 cache, so a plain scan streamed them from memory on every
//! decision (measured with 1,694: 0.09 ms of a 0.14 ms classification). A
//! 12-bit integer copy in i16 (1.4 MB; the x86-64 baseline multiplies and
//! adds i16 pairs in one instruction, while i8 needs widening first; an i8
//! copy measured slower) is scanned instead, and the few best candidates
//! are scored again exactly.

use distiq_embed::DIMENSION;

use crate::model;

/// Candidates kept from the integer scan for the exact rescoring, per
/// result: the rounding moves a cosine by less than 0.002 (the test below
/// measures it), far less than the usual gap between the k-th and the
/// (4k)-th neighbour.
const OVERSAMPLE: usize = 4;

/// The largest code: 384 products of two codes this size sum to at most
/// 1.61e9, inside i32.
const MAX_CODE: f32 = 2047.0;

/// A 12-bit integer copy of unit vectors, one scale for all.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NearestIndex {
    codes: Vec<i16>,
    scale: f32,
}

impl NearestIndex {
    /// Quantises `vectors` (row-major, [`DIMENSION`] per row).
    pub fn new(vectors: &[f32]) -> Self {
        let max = vectors
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()))
            .max(f32::MIN_POSITIVE);
        let scale = MAX_CODE / max;
        let codes = vectors.iter().map(|v| code(*v, scale)).collect();
        Self { codes, scale }
    }

    /// The `k` rows of `vectors` most similar to `query`, with their exact
    /// cosines, best first.
    pub fn nearest(&self, vectors: &[f32], query: &[f32], k: usize) -> Vec<(usize, f32)> {
        if k == 0 {
            return Vec::new();
        }
        let q: Vec<i16> = query.iter().map(|v| code(*v, self.scale)).collect();
        let keep = k * OVERSAMPLE;
        let mut best: Vec<(usize, i32)> = Vec::with_capacity(keep + 1);
        for (i, row) in self.codes.chunks_exact(DIMENSION).enumerate() {
            let score = dot_i16(row, &q);
            if best.len() < keep || best.last().is_some_and(|(_, s)| score > *s) {
                let at = best.partition_point(|(_, s)| *s >= score);
                best.insert(at, (i, score));
                best.truncate(keep);
            }
        }
        let mut exact: Vec<(usize, f32)> = best
            .into_iter()
            .filter_map(|(i, _)| {
                let row = vectors.get(i * DIMENSION..(i + 1) * DIMENSION)?;
                Some((i, model::dot(row, query)))
            })
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        exact.truncate(k);
        exact
    }
}

/// `v` as a code: in range by construction (|v| · scale ≤ [`MAX_CODE`]),
/// and clamped for a query longer than a unit vector.
#[allow(clippy::cast_possible_truncation)] // clamped to ±2047 first
fn code(v: f32, scale: f32) -> i16 {
    (v * scale).round().clamp(-MAX_CODE, MAX_CODE) as i16
}

/// The dot product of two code vectors, in i32 (see [`MAX_CODE`]).
fn dot_i16(a: &[i16], b: &[i16]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random unit vectors.
    fn vectors(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        let mut out = Vec::with_capacity(n * DIMENSION);
        for _ in 0..n {
            let row: Vec<f32> = (0..DIMENSION)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
                })
                .collect();
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            out.extend(row.iter().map(|v| v / norm));
        }
        out
    }

    fn exact(vectors: &[f32], query: &[f32], k: usize) -> Vec<(usize, f32)> {
        let mut all: Vec<(usize, f32)> = vectors
            .chunks_exact(DIMENSION)
            .enumerate()
            .map(|(i, row)| (i, model::dot(row, query)))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }

    #[test]
    fn the_integer_scan_finds_what_the_exact_scan_finds() {
        let pool = vectors(500, 1);
        let index = NearestIndex::new(&pool);
        for (q, query) in vectors(50, 2).chunks_exact(DIMENSION).enumerate() {
            // A query near an exemplar, as a real task near its kind's.
            let near: Vec<f32> = query
                .iter()
                .zip(&pool[q * DIMENSION..(q + 1) * DIMENSION])
                .map(|(a, b)| 0.3 * a + b)
                .collect();
            for probe in [query.to_vec(), near] {
                assert_eq!(index.nearest(&pool, &probe, 3), exact(&pool, &probe, 3));
            }
        }
        assert!(index.nearest(&pool, &pool[..DIMENSION], 0).is_empty());
    }

    #[test]
    fn the_integer_cosine_is_within_two_thousandths_of_the_exact_one() {
        let pool = vectors(500, 3);
        let index = NearestIndex::new(&pool);
        let squared = index.scale * index.scale;
        let mut worst = 0.0f32;
        for query in vectors(20, 4).chunks_exact(DIMENSION) {
            let q: Vec<i16> = query.iter().map(|v| code(*v, index.scale)).collect();
            for (row, codes) in pool
                .chunks_exact(DIMENSION)
                .zip(index.codes.chunks_exact(DIMENSION))
            {
                let approx = dot_i16(codes, &q) as f32 / squared;
                worst = worst.max((approx - model::dot(row, query)).abs());
            }
        }
        assert!(worst < 0.002, "worst error {worst}");
    }

    #[test]
    fn nearest_keeps_the_k_most_similar_in_order() {
        let mut vectors = vec![0.0f32; 4 * DIMENSION];
        for (i, v) in [0.1f32, 0.9, 0.5, 0.7].iter().enumerate() {
            vectors[i * DIMENSION] = *v;
        }
        let mut query = vec![0.0f32; DIMENSION];
        query[0] = 1.0;
        let near = NearestIndex::new(&vectors).nearest(&vectors, &query, 3);
        let order: Vec<usize> = near.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [1, 3, 2]);
    }
}
