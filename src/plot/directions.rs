//! Directions in parameter space for slicing a network's loss: random and
//! filter-normalised, a given vector made unit, or the line between two
//! parameter vectors (checkpoints).

use nalgebra::DVector;

use crate::data::Rng;
use crate::{Architecture, Error, Result};

/// The random stream of directions, apart from any other use of a seed.
const DIRECTION_STREAM: u64 = 0x511CE;

/// A random direction for `theta`, filter-normalised (Li, Xu, Taylor, Studer
/// & Goldstein, "Visualizing the Loss Landscape of Neural Nets", NeurIPS
/// 2018): a standard normal vector (seeded; the same seed gives the same
/// direction on every machine) passed through [`filter_normalize`].
///
/// Weight matrices get rows of the norms of θ's rows, so that a step α
/// along the direction moves each neuron in proportion to its own scale and
/// slices of differently scaled networks compare. Biases and the
/// normalisation layers' weights and biases are zero unless `keep_biases`.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when `theta` does not have the
/// architecture's parameter count.
///
/// # Examples
///
/// ```
/// use saddlescope::{filter_normalized_direction, Architecture};
/// let arch = Architecture::parse("linear(2,3),tanh,linear(3,1)")?;
/// let theta: Vec<f64> = (1..=13).map(|k| k as f64 / 10.0).collect();
/// let d = filter_normalized_direction(&arch, &theta, 7, false)?;
/// // Row 0 of `0.weight` is θ[0..2]; the direction's row has its norm.
/// let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
/// assert!((norm(&d.as_slice()[0..2]) - norm(&theta[0..2])).abs() < 1e-12);
/// assert!(d.as_slice()[6..9].iter().all(|b| *b == 0.0)); // `0.bias`
/// assert_eq!(d, filter_normalized_direction(&arch, &theta, 7, false)?); // seeded
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn filter_normalized_direction(
    arch: &Architecture,
    theta: &[f64],
    seed: u64,
    keep_biases: bool,
) -> Result<DVector<f64>> {
    check_len(arch, theta)?;
    let mut rng = Rng::with_stream(seed, DIRECTION_STREAM);
    let mut d: Vec<f64> = (0..theta.len()).map(|_| rng.normal()).collect();
    filter_normalize(arch, theta, &mut d, keep_biases)?;
    Ok(DVector::from_vec(d))
}

/// Rescales `direction` filter by filter to `theta`'s norms, in place: each
/// row of each weight matrix (for a `[out, in]` weight, the `in` weights of
/// one neuron) to the norm of the same row of θ. A one-dimensional tensor
/// — a bias, a BatchNorm or LayerNorm weight or bias — is zeroed, or with
/// `keep_biases` rescaled as a whole to the norm of θ's tensor.
///
/// A filter of `direction` that is all zeros stays zero.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when `theta` or `direction` does not have
/// the architecture's parameter count.
///
/// # Examples
///
/// ```
/// use saddlescope::{filter_normalize, Architecture};
/// let arch = Architecture::parse("linear(2,2)")?; // 0.weight [2, 2], 0.bias [2]
/// let theta = [3.0, 4.0, 0.0, 2.0, 1.0, 1.0];
/// let mut d = vec![1.0, 0.0, 1.0, 1.0, 5.0, 5.0];
/// filter_normalize(&arch, &theta, &mut d, false)?;
/// assert_eq!(&d[..2], &[5.0, 0.0]); // ‖(3, 4)‖ = 5
/// assert!((d[2] - 2f64.sqrt()).abs() < 1e-15 && (d[3] - 2f64.sqrt()).abs() < 1e-15);
/// assert_eq!(&d[4..], &[0.0, 0.0]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn filter_normalize(
    arch: &Architecture,
    theta: &[f64],
    direction: &mut [f64],
    keep_biases: bool,
) -> Result<()> {
    check_len(arch, theta)?;
    if direction.len() != theta.len() {
        return Err(Error::DimensionMismatch {
            what: "direction to filter-normalise".into(),
            expected: format!("{} values", theta.len()),
            found: direction.len().to_string(),
        });
    }
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for spec in arch.parameters() {
        let range = spec.range();
        let filters = if spec.shape.len() >= 2 {
            spec.shape[0]
        } else if keep_biases {
            1
        } else {
            direction[range].fill(0.0);
            continue;
        };
        let width = spec.numel() / filters.max(1);
        if width == 0 {
            continue;
        }
        for (t, d) in theta[range.clone()]
            .chunks_exact(width)
            .zip(direction[range].chunks_exact_mut(width))
        {
            let nd = norm(d);
            let scale = if nd > 0.0 { norm(t) / nd } else { 0.0 };
            d.iter_mut().for_each(|x| *x *= scale);
        }
    }
    Ok(())
}

/// `to − from`: the direction of the line θ(α) = from + α·(to − from)
/// through two parameter vectors, α = 0 at `from` and α = 1 at `to` (Goodfellow,
/// Vinyals & Saxe, "Qualitatively characterizing neural network optimization
/// problems", ICLR 2015).
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when the lengths differ;
/// [`Error::InvalidInput`] when they are equal (no line).
///
/// # Examples
///
/// ```
/// let d = saddlescope::direction_between(&[1.0, 1.0], &[2.0, 3.0]).unwrap();
/// assert_eq!(d.as_slice(), &[1.0, 2.0]);
/// ```
pub fn direction_between(from: &[f64], to: &[f64]) -> Result<DVector<f64>> {
    if from.len() != to.len() {
        return Err(Error::DimensionMismatch {
            what: "end of the line between two parameter vectors".into(),
            expected: format!("{} values", from.len()),
            found: to.len().to_string(),
        });
    }
    let d = DVector::from_iterator(from.len(), to.iter().zip(from).map(|(b, a)| b - a));
    if d.iter().all(|x| *x == 0.0) {
        return Err(Error::InvalidInput(
            "the two parameter vectors are equal: there is no line between them".into(),
        ));
    }
    Ok(d)
}

/// `v / ‖v‖`: a given direction (an eigenvector, a gradient) scaled to unit
/// length, so that α is a distance in parameter space.
///
/// # Errors
///
/// [`Error::InvalidInput`] for a zero or non-finite vector.
///
/// # Examples
///
/// ```
/// let d = saddlescope::unit_direction(&[3.0, 4.0]).unwrap();
/// assert_eq!(d.as_slice(), &[0.6, 0.8]);
/// assert!(saddlescope::unit_direction(&[0.0, 0.0]).is_err());
/// ```
pub fn unit_direction(v: &[f64]) -> Result<DVector<f64>> {
    let d = DVector::from_column_slice(v);
    let n = d.norm();
    if !(n > 0.0 && n.is_finite()) {
        return Err(Error::InvalidInput(format!(
            "a direction must be finite and nonzero, found norm {n}"
        )));
    }
    Ok(d / n)
}

fn check_len(arch: &Architecture, theta: &[f64]) -> Result<()> {
    if theta.len() != arch.n_params() {
        return Err(Error::DimensionMismatch {
            what: format!("parameters of `{arch}`"),
            expected: format!("{} values", arch.n_params()),
            found: theta.len().to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(v: &[f64]) -> f64 {
        v.iter().map(|x| x * x).sum::<f64>().sqrt()
    }

    fn theta(arch: &Architecture) -> Vec<f64> {
        let mut rng = Rng::new(1);
        (0..arch.n_params())
            .map(|_| rng.normal_with(0.0, 0.7))
            .collect()
    }

    #[test]
    fn each_weight_row_has_the_norm_of_thetas_row_and_biases_are_zero() {
        let arch = Architecture::parse(
            "linear(4,6),batchnorm(6),tanh,linear(6,5),layernorm(5),relu,linear(5,3)",
        )
        .unwrap();
        let t = theta(&arch);
        for seed in [0, 1, 99] {
            let d = filter_normalized_direction(&arch, &t, seed, false).unwrap();
            for spec in arch.parameters() {
                let (td, dd) = (&t[spec.range()], &d.as_slice()[spec.range()]);
                if spec.shape.len() == 2 {
                    let w = spec.shape[1];
                    for (tr, dr) in td.chunks(w).zip(dd.chunks(w)) {
                        assert!(
                            (norm(dr) - norm(tr)).abs() < 1e-12 * norm(tr),
                            "{}",
                            spec.name
                        );
                        // A random direction, not θ itself.
                        assert!(tr.iter().zip(dr).any(|(a, b)| (a - b).abs() > 1e-6));
                    }
                } else {
                    assert!(dd.iter().all(|x| *x == 0.0), "{} should be zero", spec.name);
                }
            }
        }
    }

    #[test]
    fn kept_biases_and_norm_parameters_are_scaled_as_whole_tensors() {
        let arch = Architecture::parse("linear(3,4),batchnorm(4),tanh,linear(4,2)").unwrap();
        let t = theta(&arch);
        let d = filter_normalized_direction(&arch, &t, 5, true).unwrap();
        let zeroed = filter_normalized_direction(&arch, &t, 5, false).unwrap();
        for spec in arch.parameters() {
            let (td, dd) = (&t[spec.range()], &d.as_slice()[spec.range()]);
            if spec.shape.len() == 1 {
                assert!(
                    (norm(dd) - norm(td)).abs() < 1e-12 * norm(td),
                    "{}",
                    spec.name
                );
            } else {
                // The weights do not depend on the option.
                assert_eq!(dd, &zeroed.as_slice()[spec.range()]);
            }
        }
    }

    #[test]
    fn seeds_give_different_directions_and_lengths_are_checked() {
        let arch = Architecture::parse("linear(2,3),tanh,linear(3,1)").unwrap();
        let t = theta(&arch);
        let a = filter_normalized_direction(&arch, &t, 1, false).unwrap();
        let b = filter_normalized_direction(&arch, &t, 2, false).unwrap();
        assert_ne!(a, b);
        let err = filter_normalized_direction(&arch, &t[1..], 1, false).unwrap_err();
        assert!(matches!(err, Error::DimensionMismatch { .. }), "{err}");
        assert!(direction_between(&[1.0], &[1.0]).is_err());
    }
}
