//! The maths: a multinomial logistic regression (softmax) trained by
//! accelerated gradient descent, input standardisation, and temperature
//! calibration on out-of-fold predictions.

use serde::{Deserialize, Serialize};

/// A linear softmax classifier over `dim` inputs and `classes` outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Linear {
    pub classes: usize,
    pub dim: usize,
    /// Row-major, `classes × dim`.
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    /// Logits are divided by this before the softmax (calibration).
    pub temperature: f32,
}

impl Linear {
    /// Whether the shapes agree with each other (a loaded cache may lie).
    pub fn is_consistent(&self, classes: usize, dim: usize) -> bool {
        self.classes == classes
            && self.dim == dim
            && self.w.len() == classes * dim
            && self.b.len() == classes
            && self.temperature.is_finite()
            && self.temperature > 0.0
            && self.w.iter().chain(&self.b).all(|v| v.is_finite())
    }
}

/// Per-dimension centring and scaling, fitted on the training inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Standardizer {
    pub mean: Vec<f32>,
    pub inv_std: Vec<f32>,
}

impl Standardizer {
    /// Fits on `n` rows of `dim` values.
    pub fn fit(x: &[f32], n: usize, dim: usize) -> Self {
        let mut mean = vec![0.0f64; dim];
        for row in x.chunks_exact(dim) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += f64::from(*v);
            }
        }
        let count = n.max(1) as f64;
        mean.iter_mut().for_each(|m| *m /= count);
        let mut var = vec![0.0f64; dim];
        for row in x.chunks_exact(dim) {
            for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
                let d = f64::from(*v) - m;
                *s += d * d;
            }
        }
        Self {
            // f32 is all the precision the embedding has.
            #[allow(clippy::cast_possible_truncation)]
            mean: mean.iter().map(|m| *m as f32).collect(),
            #[allow(clippy::cast_possible_truncation)]
            inv_std: var
                .iter()
                .map(|s| (1.0 / ((s / count).sqrt() + 1e-4)) as f32)
                .collect(),
        }
    }

    /// Standardises `x` into `out`.
    pub fn apply(&self, x: &[f32], out: &mut [f32]) {
        for (((o, v), m), s) in out.iter_mut().zip(x).zip(&self.mean).zip(&self.inv_std) {
            *o = (v - m) * s;
        }
    }
}

/// How a classifier is trained.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrainOptions {
    /// L2 penalty on the weights (not the biases).
    pub l2: f32,
    /// Gradient steps.
    pub iterations: usize,
}

/// Training inputs: each row is a dense part (`dense_dim` values) followed
/// by a sparse part (`(index, value)` pairs over `sparse_dim` more inputs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Design {
    pub dense_dim: usize,
    pub sparse_dim: usize,
    pub dense: Vec<f32>,
    pub sparse: Vec<Vec<(u32, f32)>>,
}

impl Design {
    pub fn new(dense_dim: usize, sparse_dim: usize) -> Self {
        Self {
            dense_dim,
            sparse_dim,
            ..Self::default()
        }
    }

    pub fn rows(&self) -> usize {
        self.sparse.len()
    }

    pub fn dim(&self) -> usize {
        self.dense_dim + self.sparse_dim
    }

    pub fn push(&mut self, dense: &[f32], sparse: Vec<(u32, f32)>) {
        self.dense.extend_from_slice(dense);
        self.sparse.push(sparse);
    }

    pub fn row(&self, i: usize) -> (&[f32], &[(u32, f32)]) {
        (
            &self.dense[i * self.dense_dim..(i + 1) * self.dense_dim],
            &self.sparse[i],
        )
    }

    /// The rows whose index passes `keep`.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> Self {
        let mut out = Self::new(self.dense_dim, self.sparse_dim);
        for i in (0..self.rows()).filter(|i| keep(*i)) {
            let (d, s) = self.row(i);
            out.push(d, s.to_vec());
        }
        out
    }
}

impl Linear {
    /// Calibrated logits of a dense + sparse row.
    pub fn logits_sparse(&self, dense: &[f32], sparse: &[(u32, f32)], out: &mut [f32]) {
        let dense_dim = dense.len();
        for (c, slot) in out.iter_mut().enumerate().take(self.classes) {
            let row = &self.w[c * self.dim..(c + 1) * self.dim];
            let mut z = dot(&row[..dense_dim], dense) + self.b[c];
            for (j, v) in sparse {
                if let Some(w) = row.get(dense_dim + *j as usize) {
                    z += w * v;
                }
            }
            *slot = z / self.temperature;
        }
    }
}

/// Trains a softmax classifier on `x` with labels `y` (< `classes`),
/// minimising mean cross-entropy plus `l2/2 · |W|²`.
///
/// Nesterov-accelerated gradient descent with the step 1/L, where L bounds
/// the gradient's Lipschitz constant (from the largest eigenvalue of XᵀX/n,
/// found by power iteration): convex, deterministic, and no learning rate
/// to tune.
pub(crate) fn train(x: &Design, y: &[usize], classes: usize, options: TrainOptions) -> Linear {
    let dim = x.dim();
    let params = classes * (dim + 1);
    let lipschitz = 0.5 * (largest_eigenvalue(x) + 1.0) + options.l2;
    let step = 1.0 / lipschitz;
    let mut theta = vec![0.0f32; params];
    let mut previous = theta.clone();
    let mut look = theta.clone();
    let mut grad = vec![0.0f32; params];
    for k in 0..options.iterations {
        let momentum = k as f32 / (k as f32 + 3.0);
        for ((l, t), p) in look.iter_mut().zip(&theta).zip(&previous) {
            *l = t + momentum * (t - p);
        }
        gradient(&look, x, y, classes, options.l2, &mut grad);
        previous.copy_from_slice(&theta);
        for ((t, l), g) in theta.iter_mut().zip(&look).zip(&grad) {
            *t = l - step * g;
        }
    }
    let (w, b) = theta.split_at(classes * dim);
    Linear {
        classes,
        dim,
        w: w.to_vec(),
        b: b.to_vec(),
        temperature: 1.0,
    }
}

fn gradient(theta: &[f32], x: &Design, y: &[usize], classes: usize, l2: f32, grad: &mut [f32]) {
    let dim = x.dim();
    let dense_dim = x.dense_dim;
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (w, b) = theta.split_at(classes * dim);
    let (gw, gb) = grad.split_at_mut(classes * dim);
    let mut probs = vec![0.0f32; classes];
    for (i, label) in y.iter().enumerate() {
        let (dense, sparse) = x.row(i);
        for (c, p) in probs.iter_mut().enumerate() {
            let row = &w[c * dim..(c + 1) * dim];
            let mut z = dot(&row[..dense_dim], dense) + b[c];
            for (j, v) in sparse {
                z += row[dense_dim + *j as usize] * v;
            }
            *p = z;
        }
        softmax_in_place(&mut probs);
        for (c, p) in probs.iter().enumerate() {
            let err = p - if c == *label { 1.0 } else { 0.0 };
            gb[c] += err;
            let row = &mut gw[c * dim..(c + 1) * dim];
            for (g, v) in row[..dense_dim].iter_mut().zip(dense) {
                *g += err * v;
            }
            for (j, v) in sparse {
                row[dense_dim + *j as usize] += err * v;
            }
        }
    }
    let inv_n = 1.0 / y.len().max(1) as f32;
    for (g, wv) in gw.iter_mut().zip(w) {
        *g = *g * inv_n + l2 * wv;
    }
    gb.iter_mut().for_each(|g| *g *= inv_n);
}

/// The largest eigenvalue of XᵀX/n, by power iteration.
fn largest_eigenvalue(x: &Design) -> f32 {
    let (dim, dense_dim, n) = (x.dim(), x.dense_dim, x.rows());
    let mut v = vec![1.0f32 / (dim.max(1) as f32).sqrt(); dim];
    let mut eigen = 0.0;
    for _ in 0..30 {
        let mut next = vec![0.0f32; dim];
        for i in 0..n {
            let (dense, sparse) = x.row(i);
            let mut projection = dot(dense, &v[..dense_dim]);
            for (j, val) in sparse {
                projection += v[dense_dim + *j as usize] * val;
            }
            for (o, r) in next[..dense_dim].iter_mut().zip(dense) {
                *o += projection * r;
            }
            for (j, val) in sparse {
                next[dense_dim + *j as usize] += projection * val;
            }
        }
        let norm = dot(&next, &next).sqrt();
        if norm <= f32::MIN_POSITIVE {
            return 0.0;
        }
        eigen = norm / n.max(1) as f32;
        v = next.into_iter().map(|o| o / norm).collect();
    }
    eigen
}

/// The temperature that minimises the negative log-likelihood of `labels`
/// under `logits` (rows of `classes`), from a log-spaced grid.
pub(crate) fn fit_temperature(logits: &[f32], labels: &[usize], classes: usize) -> f32 {
    let mut best = (f64::INFINITY, 1.0f32);
    for step in 0..=80 {
        let t = 0.2f32 * 1.05f32.powi(step);
        let mut nll = 0.0f64;
        let mut probs = vec![0.0f32; classes];
        for (row, label) in logits.chunks_exact(classes).zip(labels) {
            for (p, l) in probs.iter_mut().zip(row) {
                *p = l / t;
            }
            softmax_in_place(&mut probs);
            nll -= f64::from(probs[*label].max(1e-12)).ln();
        }
        if nll < best.0 {
            best = (nll, t);
        }
    }
    best.1
}

/// The dot product.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Sixteen accumulators: the compiler vectorises this into independent
    // registers, and the sum is stable across calls (no data-dependent
    // order).
    const LANES: usize = 16;
    let mut acc = [0.0f32; LANES];
    let chunks = a.len() / LANES * LANES;
    for (ca, cb) in a[..chunks]
        .chunks_exact(LANES)
        .zip(b[..chunks].chunks_exact(LANES))
    {
        for i in 0..LANES {
            acc[i] += ca[i] * cb[i];
        }
    }
    let tail: f32 = a[chunks..]
        .iter()
        .zip(&b[chunks..])
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// Softmax in place, stable for large logits.
pub(crate) fn softmax_in_place(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three separable blobs in 2-D.
    fn blobs() -> (Vec<f32>, Vec<usize>) {
        let centres = [(0.0, 3.0), (3.0, -2.0), (-3.0, -2.0)];
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (label, (cx, cy)) in centres.iter().enumerate() {
            for i in 0..20 {
                let a = i as f32 * 0.7;
                x.extend([cx + a.sin() * 0.8, cy + a.cos() * 0.8]);
                y.push(label);
            }
        }
        (x, y)
    }

    #[test]
    fn logistic_regression_separates_blobs() {
        let (x, y) = blobs();
        let mut design = Design::new(2, 0);
        for row in x.chunks_exact(2) {
            design.push(row, Vec::new());
        }
        let model = train(
            &design,
            &y,
            3,
            TrainOptions {
                l2: 1e-3,
                iterations: 300,
            },
        );
        assert!(model.is_consistent(3, 2));
        for (row, label) in x.chunks_exact(2).zip(&y) {
            let mut p = vec![0.0; 3];
            model.logits_sparse(row, &[], &mut p);
            softmax_in_place(&mut p);
            let best = (0..3).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap();
            assert_eq!(best, *label, "{row:?} {p:?}");
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn temperature_grows_for_overconfident_wrong_logits() {
        // Confident logits that are right only 2 times in 3 need softening.
        let logits = [8.0, 0.0, 8.0, 0.0, 0.0, 8.0];
        let t = fit_temperature(&logits, &[0, 0, 0], 2);
        assert!(t > 2.0, "{t}");
        let sharp = fit_temperature(&[2.0, 0.0, 2.0, 0.0], &[0, 0], 2);
        assert!(sharp < 0.5, "{sharp}");
    }

    #[test]
    fn standardizer_centres_and_scales() {
        let x = [1.0, 10.0, 3.0, 30.0];
        let s = Standardizer::fit(&x, 2, 2);
        let mut out = [0.0; 2];
        s.apply(&x[..2], &mut out);
        assert!(
            (out[0] + 1.0).abs() < 1e-3 && (out[1] + 1.0).abs() < 1e-3,
            "{out:?}"
        );
    }
}
