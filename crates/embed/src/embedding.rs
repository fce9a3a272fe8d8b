//! [`Embedding`]: one L2-normalised sentence vector.

use crate::{DIMENSION, Error, Result};

/// A [`DIMENSION`]-dimensional, L2-normalised sentence embedding.
///
/// Every `Embedding` has unit length, so [`dot`](Self::dot) is the cosine
/// similarity; [`cosine`](Self::cosine) divides by the norms anyway and is
/// the one to use for vectors that went through storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Box<[f32]>);

impl Embedding {
    /// Wraps a stored or computed vector, normalising it to unit length.
    ///
    /// Fails on a length other than [`DIMENSION`] or a vector that cannot be
    /// normalised (all zeros, NaN, infinite): such a vector did not come from
    /// this model.
    pub fn from_vec(values: Vec<f32>) -> Result<Self> {
        if values.len() != DIMENSION {
            return Err(Error::Dimension {
                expected: DIMENSION,
                got: values.len(),
            });
        }
        let norm = norm(&values);
        if !norm.is_finite() || norm <= f32::MIN_POSITIVE {
            return Err(Error::InvalidVector);
        }
        Ok(Self(values.into_iter().map(|value| value / norm).collect()))
    }

    /// The model's pooled output, already normalised: only the length is checked,
    /// so the model's numbers are kept bit for bit.
    pub(crate) fn from_model(values: Vec<f32>) -> Result<Self> {
        if values.len() != DIMENSION {
            return Err(Error::Dimension {
                expected: DIMENSION,
                got: values.len(),
            });
        }
        Ok(Self(values.into_boxed_slice()))
    }

    /// The components.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The components, owned.
    pub fn into_vec(self) -> Vec<f32> {
        self.0.into_vec()
    }

    /// The dot product; equal to the cosine similarity for unit vectors.
    pub fn dot(&self, other: &Embedding) -> f32 {
        dot(&self.0, &other.0)
    }

    /// The cosine similarity, in `[-1, 1]`.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        let denominator = norm(&self.0) * norm(&other.0);
        if denominator <= f32::MIN_POSITIVE {
            return 0.0;
        }
        (self.dot(other) / denominator).clamp(-1.0, 1.0)
    }
}

impl AsRef<[f32]> for Embedding {
    fn as_ref(&self) -> &[f32] {
        &self.0
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(values: &[f32]) -> f32 {
    dot(values, values).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(index: usize, scale: f32) -> Vec<f32> {
        let mut values = vec![0.0; DIMENSION];
        values[index] = scale;
        values
    }

    #[test]
    fn from_vec_normalises() {
        let embedding = Embedding::from_vec(axis(3, 5.0)).unwrap();
        assert!((norm(embedding.as_slice()) - 1.0).abs() < 1e-6);
        assert!((embedding.as_slice()[3] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn from_vec_rejects_wrong_length_zero_and_nan() {
        assert!(matches!(
            Embedding::from_vec(vec![1.0; 3]),
            Err(Error::Dimension {
                expected: 384,
                got: 3
            })
        ));
        assert!(matches!(
            Embedding::from_vec(vec![0.0; DIMENSION]),
            Err(Error::InvalidVector)
        ));
        assert!(matches!(
            Embedding::from_vec(axis(0, f32::NAN)),
            Err(Error::InvalidVector)
        ));
    }

    #[test]
    fn cosine_and_dot_of_orthogonal_parallel_and_opposite() {
        let x = Embedding::from_vec(axis(0, 2.0)).unwrap();
        let y = Embedding::from_vec(axis(1, 3.0)).unwrap();
        let minus_x = Embedding::from_vec(axis(0, -1.0)).unwrap();
        assert!(x.cosine(&y).abs() < 1e-6);
        assert!((x.cosine(&x) - 1.0).abs() < 1e-6);
        assert!((x.dot(&minus_x) + 1.0).abs() < 1e-6);
        assert!((x.cosine(&minus_x) + 1.0).abs() < 1e-6);
    }

    #[test]
    fn model_output_of_the_wrong_length_is_an_error() {
        assert!(matches!(
            Embedding::from_model(vec![0.5; 768]),
            Err(Error::Dimension { got: 768, .. })
        ));
    }
}
