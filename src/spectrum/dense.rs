//! Dense symmetric eigendecomposition.
//!
//! - Eigenvalues only: reduction to tridiagonal form in two stages, through
//!   a band matrix ([`super::band`]), then the root-free QR iteration
//!   ([`super::rootfree`]).
//! - With eigenvectors: the direct reduction ([`super::tridiag`]), whose
//!   reflectors are kept, then faer's divide and conquer and block
//!   Householder back-transformation. (Two stages would need the bulge
//!   chasing's reflectors too, and a second back-transformation.)
//!
//! Every stage is bit-for-bit independent of the number of threads.
//!
//! Measured (2 cores, AMD EPYC Zen 5 under KVM, load average ≈ 1.8–2.3
//! from other jobs, 2 rayon threads, best of 3; a throw-away probe and
//! `timing` below), seconds. "Random" is a seeded random symmetric matrix,
//! "Hessian" the 2410-parameter digits network's:
//!
//! | n            |                                  | values | with vectors |
//! |--------------|----------------------------------|--------|--------------|
//! | 1000 random  | before: faer, sequential tridiag | 0.062  | 0.086        |
//! | 1000 random  | this module                      | 0.034  | 0.072        |
//! | 1000 random  | numpy eigvalsh / eigh (OpenBLAS) | 0.034  | 0.073        |
//! | 2410 random  | before                           | 0.862  | 1.186        |
//! | 2410 random  | this module                      | 0.276  | 0.818        |
//! | 2410 random  | numpy                            | 0.370  | 0.926        |
//! | 2410 Hessian | before                           | 0.833  | 1.151        |
//! | 2410 Hessian | this module                      | 0.245  | 0.781        |
//! | 2410 Hessian | numpy                            | 0.357  | 0.853        |
//!
//! Before, at n = 2410 the values took 85 % in faer's unblocked
//! tridiagonalisation (it reads and writes the whole trailing triangle per
//! column), 7 % in its tridiagonal QR, the rest in copies. Now: 0.16 s
//! dense → band, 0.06 s bulge chasing, 0.06 s root-free QR. With vectors:
//! 0.36 s direct reduction (60 % of it memory-bound matrix–vector
//! products), the rest faer's divide and conquer and back-transformation.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::linalg::householder;
use faer::{ColRef, Conj, Mat, MatRef, Par};
use nalgebra::{DMatrix, DVector};

use super::band::{band_to_tridiagonal, dense_to_band};
use super::rootfree;
use super::tridiag::{Tridiagonal, tridiagonalise};
use crate::{Error, Result};

/// Subdiagonals of the band matrix that eigenvalues alone go through
/// ([`super::band`]). Wider bands make the first stage faster and the bulge
/// chasing slower; measured at n = 2410 (2 threads), the whole eigenvalue
/// computation: 16 → 0.290 s, 24 → 0.277 s, 32 → 0.286 s, 48 → 0.300 s,
/// 64 → 0.321 s. With 24, two stages beat the direct reduction from
/// n = 100 on (0.34 against 0.40 ms; n = 500: 8.4 against 9.2 ms;
/// n = 1000: 34 against 39 ms).
const BANDWIDTH: usize = 24;

/// What the errors of this module call their input.
const WHAT: &str = "matrix for the symmetric eigendecomposition";

/// The eigendecomposition of a symmetric matrix.
///
/// `eigenvalues` are in nondecreasing order; column `i` of `eigenvectors` is
/// the unit eigenvector of `eigenvalues[i]`, its sign fixed so that its
/// largest-magnitude component is positive (the first one on ties).
///
/// # Examples
///
/// ```
/// use nalgebra::{dmatrix, dvector};
/// use saddlescope::{symmetric_eigen, Spectrum};
///
/// let spectrum: Spectrum = symmetric_eigen(&dmatrix![2.0, 1.0; 1.0, 2.0]).unwrap();
/// assert!((spectrum.eigenvalues - dvector![1.0, 3.0]).norm() < 1e-14);
/// // A spectrum can also be written by hand, e.g. to test a verdict.
/// let by_hand = Spectrum {
///     eigenvalues: dvector![-1.0, 2.0],
///     eigenvectors: nalgebra::DMatrix::identity(2, 2),
/// };
/// assert_eq!(by_hand.eigenvalues.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// Eigenvalues, ascending.
    pub eigenvalues: DVector<f64>,
    /// Column `i` is the unit eigenvector of `eigenvalues[i]`.
    pub eigenvectors: DMatrix<f64>,
}

/// Eigenvalues and eigenvectors of a symmetric matrix.
///
/// Only the lower triangle of `h` is read: `h` is assumed symmetric. (The
/// Hessian drivers symmetrise their result and report the asymmetry before
/// handing it here.) Eigenvalues come out in nondecreasing order and each
/// eigenvector has unit length with its largest-magnitude component positive
/// (the first such component on ties). The work runs on the global rayon
/// pool; the result is bit-for-bit the same for any number of threads.
///
/// # Errors
///
/// - [`Error::DimensionMismatch`] if `h` is not square;
/// - [`Error::InvalidInput`] if `h` is 0×0;
/// - [`Error::NonFinite`] if an entry is NaN or infinite (the first one in
///   row-major order is named, 0-based), or if the eigenvalues overflow;
/// - [`Error::NoConvergence`] if the iteration on the tridiagonal form does
///   not converge.
///
/// # Examples
///
/// ```
/// use nalgebra::dmatrix;
/// use saddlescope::symmetric_eigen;
///
/// let h = dmatrix![2.0, 1.0; 1.0, 2.0];
/// let s = symmetric_eigen(&h).unwrap();
/// assert!((s.eigenvalues[0] - 1.0).abs() < 1e-14);
/// assert!((s.eigenvalues[1] - 3.0).abs() < 1e-14);
/// // U·Λ·Uᵀ = H
/// let back = &s.eigenvectors
///     * nalgebra::DMatrix::from_diagonal(&s.eigenvalues)
///     * s.eigenvectors.transpose();
/// assert!((back - &h).norm() < 1e-13);
///
/// assert!(symmetric_eigen(&nalgebra::DMatrix::zeros(2, 3)).is_err());
/// ```
pub fn symmetric_eigen(h: &DMatrix<f64>) -> Result<Spectrum> {
    let (eigenvalues, eigenvectors) = decompose(h, true)?;
    Ok(Spectrum {
        eigenvalues,
        eigenvectors: eigenvectors.expect("eigenvectors were requested"),
    })
}

/// Eigenvalues of a symmetric matrix, in nondecreasing order, without the
/// eigenvectors (several times faster than [`symmetric_eigen`] for large
/// matrices).
///
/// Same assumptions as [`symmetric_eigen`]: only the lower triangle is read.
///
/// # Errors
///
/// As [`symmetric_eigen`]: [`Error::DimensionMismatch`] (not square),
/// [`Error::InvalidInput`] (0×0), [`Error::NonFinite`] (NaN or infinite
/// entry), [`Error::NoConvergence`].
///
/// # Examples
///
/// ```
/// use nalgebra::dmatrix;
/// use saddlescope::symmetric_eigenvalues;
///
/// let h = dmatrix![3.0, 0.0, 0.0; 0.0, -1.0, 0.0; 0.0, 0.0, 2.0];
/// let l = symmetric_eigenvalues(&h).unwrap();
/// assert_eq!(l.as_slice(), &[-1.0, 2.0, 3.0]);
///
/// let bad = dmatrix![1.0, f64::NAN; f64::NAN, 1.0];
/// assert!(matches!(
///     symmetric_eigenvalues(&bad),
///     Err(saddlescope::Error::NonFinite { .. })
/// ));
/// ```
pub fn symmetric_eigenvalues(h: &DMatrix<f64>) -> Result<DVector<f64>> {
    decompose(h, false).map(|(values, _)| values)
}

/// Checks `h`, tridiagonalises it, solves the tridiagonal problem, sorts
/// and fixes signs.
fn decompose(h: &DMatrix<f64>, want_vectors: bool) -> Result<(DVector<f64>, Option<DMatrix<f64>>)> {
    check(h)?;
    let n = h.nrows();
    // nalgebra stores column-major, as the reductions expect.
    let a = h.as_slice().to_vec();
    let (raw, u) = if want_vectors {
        let (values, vectors) = tridiagonal_eigen(&tridiagonalise(a, n))?;
        (values, Some(vectors))
    } else {
        let (mut values, mut offdiag) = band_to_tridiagonal(dense_to_band(a, n, BANDWIDTH));
        rootfree::eigenvalues(&mut values, &mut offdiag).map_err(|e| Error::NoConvergence {
            what: "symmetric eigenvalues".into(),
            detail: format!(
                "the root-free QR iteration left {} of the {} subdiagonal entries of the \
                 tridiagonalised {n}×{n} matrix nonzero",
                e.unconverged,
                n - 1
            ),
        })?;
        (values, None)
    };

    if let Some(i) = raw.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: "the eigenvalues".into(),
            detail: format!(
                "eigenvalue {i} of the {n}×{n} matrix is {}; its entries are too large",
                raw[i]
            ),
        });
    }
    // Both tridiagonal solvers return ascending eigenvalues; sort anyway so
    // that nothing downstream depends on a backend's promise. Stable, so
    // ties keep their order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&p, &q| raw[p].total_cmp(&raw[q]));
    let eigenvalues = DVector::from_iterator(n, order.iter().map(|&k| raw[k]));
    let eigenvectors = u.map(|u| {
        let mut v = DMatrix::from_fn(n, n, |i, j| u[(i, order[j])]);
        for mut col in v.column_iter_mut() {
            if col[largest_magnitude(col.as_slice())] < 0.0 {
                col.neg_mut();
            }
        }
        v
    });
    Ok((eigenvalues, eigenvectors))
}

/// Eigenvalues and eigenvectors of `A = Q·T·Qᵀ` from its tridiagonal form:
/// faer's divide and conquer on `T`, then `Q` applied by blocks.
///
/// Both run on the current rayon pool: they split only their output into
/// blocks, never a sum, so their bits do not depend on the pool's size
/// (checked by the tests below).
fn tridiagonal_eigen(t: &Tridiagonal) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = t.n;
    let par = Par::rayon(0);
    let params: faer::Spec<evd::SelfAdjointEvdParams, f64> = Default::default();
    let block = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
    let mut buffer = MemBuffer::new(StackReq::any_of(&[
        evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, params),
        householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
            n.saturating_sub(1),
            block,
            n,
        ),
    ]));
    let stack = MemStack::new(&mut buffer);

    // faer's divide and conquer does not rescale: at max |T| ≈ 1e-298 its
    // eigenvalues were off by 2 % (the root-free QR, which rescales, by
    // 5e-15). Scale T by a power of two near its largest entry, which is
    // exact, and scale the eigenvalues back (as LAPACK's dstedc does).
    let norm = t
        .diag
        .iter()
        .chain(&t.offdiag)
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let scale = if norm > 0.0 && norm.is_finite() {
        2f64.powi(norm.log2().round() as i32)
    } else {
        1.0
    };
    let diag: Vec<f64> = t.diag.iter().map(|x| x / scale).collect();
    let mut subdiag: Vec<f64> = t.offdiag.iter().map(|x| x / scale).collect();
    subdiag.push(0.0);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    evd::tridiagonal_self_adjoint_evd(
        ColRef::from_slice(&diag).as_diagonal(),
        ColRef::from_slice(&subdiag).as_diagonal(),
        s.as_mut(),
        Some(u.as_mut()),
        par,
        stack,
        params,
    )
    .map_err(|e| Error::NoConvergence {
        what: "symmetric eigendecomposition".into(),
        detail: format!("faer reported {e:?} for the tridiagonalised {n}×{n} matrix"),
    })?;

    if n > 1 {
        // Q = H_0 ⋯ H_{n−2}, the reflectors acting on rows 1..n; faer's
        // block Householder factor is built as faer's own tridiagonalisation
        // builds it.
        let basis =
            MatRef::from_column_major_slice(&t.reflectors, n, n).submatrix(1, 0, n - 1, n - 1);
        let mut factor = Mat::<f64>::zeros(block, n - 1);
        let mut j = 0;
        while j < n - 1 {
            let b = block.min(n - 1 - j);
            for k in 0..b {
                factor[(k, j + k)] = t.tau[j + k];
            }
            householder::upgrade_householder_factor(
                factor.as_mut().submatrix_mut(0, j, b, b),
                basis.submatrix(j, j, n - 1 - j, b),
                b,
                1,
                Par::Seq,
            );
            j += b;
        }
        householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
            basis,
            factor.as_ref(),
            Conj::No,
            u.as_mut().subrows_mut(1, n - 1),
            par,
            stack,
        );
    }
    let values = s.column_vector().iter().map(|x| x * scale).collect();
    Ok((values, u))
}

/// Index of the first component of largest magnitude.
fn largest_magnitude(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    best
}

fn check(h: &DMatrix<f64>) -> Result<()> {
    let (rows, cols) = h.shape();
    if rows != cols {
        return Err(Error::DimensionMismatch {
            what: WHAT.into(),
            expected: "a square matrix".into(),
            found: format!("{rows} rows × {cols} columns"),
        });
    }
    if rows == 0 {
        return Err(Error::InvalidInput(format!(
            "the {WHAT} is empty (0×0); there is nothing to decompose"
        )));
    }
    // A scan in storage order first: row by row is a strided walk over
    // the whole matrix (12 ms against 4 ms at n = 2410).
    if h.iter().all(|x| x.is_finite()) {
        return Ok(());
    }
    // Report the first bad entry in reading order (row by row).
    let first_bad = (0..rows)
        .flat_map(|i| (0..cols).map(move |j| (i, j)))
        .find(|&ij| !h[ij].is_finite());
    match first_bad {
        Some((i, j)) => Err(Error::NonFinite {
            what: format!("the {WHAT}"),
            detail: format!("entry (row {i}, column {j}) is {}, 0-based", h[(i, j)]),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// splitmix64: a tiny deterministic PRNG for test inputs.
    struct Rng(u64);

    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [-1, 1).
        fn uniform(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        }
    }

    fn random_symmetric(n: usize, seed: u64) -> DMatrix<f64> {
        let mut rng = Rng(seed);
        let a = DMatrix::from_fn(n, n, |_, _| rng.uniform());
        (&a + a.transpose()) * 0.5
    }

    fn random_orthogonal(n: usize, seed: u64) -> DMatrix<f64> {
        let mut rng = Rng(seed);
        DMatrix::from_fn(n, n, |_, _| rng.uniform()).qr().q()
    }

    /// Checks every guarantee of the module on `h` and its decomposition.
    fn assert_valid(h: &DMatrix<f64>, s: &Spectrum) {
        let n = h.nrows();
        let scale = h.norm().max(1.0);
        let tol = 1e-13 * n as f64 * scale;
        assert_eq!(s.eigenvalues.len(), n);
        assert_eq!(s.eigenvectors.shape(), (n, n));
        for w in s.eigenvalues.as_slice().windows(2) {
            assert!(w[0] <= w[1], "not ascending: {w:?}");
        }
        let u = &s.eigenvectors;
        let back = u * DMatrix::from_diagonal(&s.eigenvalues) * u.transpose();
        let err = (back - h).norm();
        assert!(err <= tol, "‖UΛUᵀ − A‖ = {err:e} > {tol:e} (n = {n})");
        let gram = u.transpose() * u;
        let err = (gram - DMatrix::identity(n, n)).norm();
        assert!(err <= 1e-13 * n as f64, "‖UᵀU − I‖ = {err:e} (n = {n})");
        for col in u.column_iter() {
            let k = largest_magnitude(col.as_slice());
            assert!(col[k] > 0.0, "sign not fixed");
        }
        let only = symmetric_eigenvalues(h).unwrap();
        let err = (&only - &s.eigenvalues).amax();
        assert!(err <= tol, "values-only differs by {err:e}");
    }

    #[test]
    fn reconstructs_random_symmetric_matrices() {
        for (k, &n) in [1, 2, 3, 5, 10, 31, 64, 127, 128, 129, 200, 300]
            .iter()
            .enumerate()
        {
            let h = random_symmetric(n, 1000 + k as u64);
            let s = symmetric_eigen(&h).unwrap();
            assert_valid(&h, &s);
        }
    }

    #[test]
    fn two_by_two() {
        let h = nalgebra::dmatrix![2.0, 1.0; 1.0, 2.0];
        let s = symmetric_eigen(&h).unwrap();
        assert_relative_eq!(s.eigenvalues[0], 1.0, epsilon = 1e-15);
        assert_relative_eq!(s.eigenvalues[1], 3.0, epsilon = 1e-15);
        let r = std::f64::consts::FRAC_1_SQRT_2;
        // λ = 3: (1, 1)/√2, sign fixed positive.
        assert_relative_eq!(s.eigenvectors[(0, 1)], r, epsilon = 1e-15);
        assert_relative_eq!(s.eigenvectors[(1, 1)], r, epsilon = 1e-15);
        // λ = 1: ±(1, −1)/√2.
        assert_relative_eq!(s.eigenvectors[(0, 0)].abs(), r, epsilon = 1e-15);
        assert_relative_eq!(
            s.eigenvectors[(0, 0)],
            -s.eigenvectors[(1, 0)],
            epsilon = 1e-15
        );
        assert_valid(&h, &s);
    }

    #[test]
    fn diagonal_is_sorted_with_unit_vectors() {
        let d = [3.0, -2.0, 0.0, 7.5, -2.0, 1e-9];
        let h = DMatrix::from_diagonal(&DVector::from_row_slice(&d));
        let s = symmetric_eigen(&h).unwrap();
        assert_eq!(s.eigenvalues.as_slice(), &[-2.0, -2.0, 0.0, 1e-9, 3.0, 7.5]);
        // Each eigenvector is a positive standard basis vector.
        for (j, col) in s.eigenvectors.column_iter().enumerate() {
            let k = largest_magnitude(col.as_slice());
            assert_eq!(col[k], 1.0);
            assert_eq!(h[(k, k)], s.eigenvalues[j]);
            assert_eq!(col.norm(), 1.0);
        }
        assert_valid(&h, &s);
    }

    #[test]
    fn one_by_one() {
        let s = symmetric_eigen(&nalgebra::dmatrix![-4.25]).unwrap();
        assert_eq!(s.eigenvalues.as_slice(), &[-4.25]);
        assert_eq!(s.eigenvectors.as_slice(), &[1.0]);
        let l = symmetric_eigenvalues(&nalgebra::dmatrix![0.0]).unwrap();
        assert_eq!(l.as_slice(), &[0.0]);
    }

    #[test]
    fn known_clustered_and_repeated_spectrum() {
        // Q·diag·Qᵀ with a repeated eigenvalue (multiplicity 4), a tight
        // cluster, zeros, and both signs.
        let mut d = vec![-5.0, -1.0, -1.0, -1.0, -1.0, 0.0, 0.0];
        d.extend([1.0, 1.0 + 1e-10, 1.0 + 2e-10, 1.0 + 3e-10]);
        d.extend((0..29).map(|i| 2.0 + i as f64 * 0.25));
        let n = d.len();
        let q = random_orthogonal(n, 42);
        let h = &q * DMatrix::from_diagonal(&DVector::from_row_slice(&d)) * q.transpose();
        let h = (&h + h.transpose()) * 0.5;
        let s = symmetric_eigen(&h).unwrap();
        for (got, want) in s.eigenvalues.iter().zip(&d) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert_valid(&h, &s);
        // The repeated eigenvalue's eigenspace is the span of Q's columns 1..=4.
        let basis = s.eigenvectors.columns(1, 4);
        let target = q.columns(1, 4);
        let projector = target * target.transpose();
        let err = (&projector * basis - basis).norm();
        assert!(err < 1e-10, "eigenspace off by {err:e}");
    }

    #[test]
    fn agrees_with_nalgebra() {
        for (k, &n) in [2, 7, 40, 90].iter().enumerate() {
            let h = random_symmetric(n, 77 + k as u64);
            let ours = symmetric_eigen(&h).unwrap();
            let theirs = nalgebra::SymmetricEigen::new(h.clone());
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| theirs.eigenvalues[a].total_cmp(&theirs.eigenvalues[b]));
            for (j, &t) in order.iter().enumerate() {
                assert_relative_eq!(ours.eigenvalues[j], theirs.eigenvalues[t], epsilon = 1e-12);
                // Random spectra are simple: vectors agree up to sign.
                let dot = ours
                    .eigenvectors
                    .column(j)
                    .dot(&theirs.eigenvectors.column(t));
                assert_relative_eq!(dot.abs(), 1.0, epsilon = 1e-9);
            }
        }
    }

    #[test]
    fn tiny_and_huge_scales() {
        let h = random_symmetric(300, 4242);
        let reference = symmetric_eigen(&h).unwrap();
        for scale in [1e-300, 1e300] {
            let scaled = &h * scale;
            let values = symmetric_eigenvalues(&scaled).unwrap();
            let s = symmetric_eigen(&scaled).unwrap();
            let tol = 1e-13 * reference.eigenvalues.amax() * scale;
            for ((a, b), r) in values
                .iter()
                .zip(&s.eigenvalues)
                .zip(&reference.eigenvalues)
            {
                assert!(
                    (a - r * scale).abs() <= tol,
                    "scale {scale:e}: {a:e} vs {:e}",
                    r * scale
                );
                assert!(
                    (b - r * scale).abs() <= tol,
                    "scale {scale:e}: {b:e} vs {:e}",
                    r * scale
                );
            }
            let err = (&s.eigenvectors - &reference.eigenvectors).amax();
            assert!(err < 1e-10, "scale {scale:e}: eigenvectors off by {err:e}");
        }
    }

    #[test]
    fn zero_matrix() {
        let h = DMatrix::zeros(4, 4);
        let s = symmetric_eigen(&h).unwrap();
        assert!(s.eigenvalues.iter().all(|&x| x == 0.0));
        assert_valid(&h, &s);
    }

    #[test]
    fn rejects_non_square() {
        let err = symmetric_eigen(&DMatrix::zeros(3, 2)).unwrap_err();
        match &err {
            Error::DimensionMismatch { found, .. } => assert_eq!(found, "3 rows × 2 columns"),
            other => panic!("wrong error {other:?}"),
        }
        assert!(matches!(
            symmetric_eigenvalues(&DMatrix::zeros(0, 2)),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn rejects_empty() {
        assert!(matches!(
            symmetric_eigen(&DMatrix::zeros(0, 0)),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            symmetric_eigenvalues(&DMatrix::zeros(0, 0)),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn rejects_non_finite_naming_the_first_entry() {
        let mut h = DMatrix::zeros(3, 3);
        h[(2, 0)] = f64::INFINITY;
        h[(1, 2)] = f64::NAN;
        let err = symmetric_eigen(&h).unwrap_err();
        match &err {
            Error::NonFinite { detail, .. } => {
                assert!(detail.contains("row 1, column 2"), "{detail}");
                assert!(detail.contains("NaN"), "{detail}");
            }
            other => panic!("wrong error {other:?}"),
        }
        // Upper-triangle entries count even though faer reads the lower one.
        let mut h = DMatrix::identity(2, 2);
        h[(0, 1)] = f64::NEG_INFINITY;
        assert!(matches!(
            symmetric_eigenvalues(&h),
            Err(Error::NonFinite { .. })
        ));
    }

    /// The previous implementation, kept as a reference: faer's complete
    /// `self_adjoint_evd` (unblocked tridiagonalisation, faer's tridiagonal
    /// QR for eigenvalues only), with the given parallelism and parameters.
    fn faer_evd(
        h: &DMatrix<f64>,
        vectors: bool,
        par: Par,
        params: faer::Spec<evd::SelfAdjointEvdParams, f64>,
    ) -> (Vec<f64>, Option<Mat<f64>>) {
        let n = h.nrows();
        let a = MatRef::from_column_major_slice(h.as_slice(), n, n);
        let mut s = faer::diag::Diag::<f64>::zeros(n);
        let mut u = vectors.then(|| Mat::<f64>::zeros(n, n));
        let compute = if vectors {
            ComputeEigenvectors::Yes
        } else {
            ComputeEigenvectors::No
        };
        let mut buffer = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
            n, compute, par, params,
        ));
        evd::self_adjoint_evd(
            a,
            s.as_mut(),
            u.as_mut().map(|u| u.as_mut()),
            par,
            MemStack::new(&mut buffer),
            params,
        )
        .unwrap();
        (s.column_vector().iter().copied().collect(), u)
    }

    /// faer's parameters with its tridiagonalisation sequential: what
    /// `symmetric_eigen` used before its own reduction, bit-identical for
    /// any thread count.
    fn faer_sequential_tridiag() -> faer::Spec<evd::SelfAdjointEvdParams, f64> {
        let mut params: faer::Spec<evd::SelfAdjointEvdParams, f64> = Default::default();
        params.tridiag.par_threshold = usize::MAX;
        params
    }

    /// Against the previous implementation. Measured max |Δλ| / max |λ|
    /// (random symmetric, n = 100 … 2410): 3e-15 against faer's divide and
    /// conquer and 1.3e-14 … 2e-14 for the root-free values; faer's own
    /// eigenvalues-only QR is the outlier, 1e-13 … 3e-13 from both.
    #[test]
    fn agrees_with_faer_to_working_precision() {
        let max_diff = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        };
        for (k, &n) in [100, 300, 700, 900].iter().enumerate() {
            let h = random_symmetric(n, 3000 + k as u64);
            let (faer_qr, _) = faer_evd(&h, false, Par::Seq, faer_sequential_tridiag());
            let (faer_dc, _) = faer_evd(&h, true, Par::Seq, faer_sequential_tridiag());
            let scale = faer_dc.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let (values, _) = decompose(&h, false).unwrap();
            let (with_vectors, _) = decompose(&h, true).unwrap();
            for (what, ours, theirs, tol) in [
                ("values vs faer D&C", &values, &faer_dc, 5e-14),
                ("values vs faer QR", &values, &faer_qr, 1e-12),
                ("with vectors vs faer D&C", &with_vectors, &faer_dc, 2e-14),
            ] {
                let err = max_diff(ours.as_slice(), theirs);
                assert!(
                    err <= tol * scale,
                    "n = {n}, {what}: max |Δλ| = {err:e}, max |λ| = {scale:e}"
                );
            }
        }
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    /// Bit-for-bit equality of the eigenvalues and eigenvectors computed on
    /// a 1-thread pool and on pools of the given sizes.
    fn assert_thread_count_independent(h: &DMatrix<f64>, thread_counts: &[usize]) {
        for vectors in [false, true] {
            let one = pool(1).install(|| decompose(h, vectors)).unwrap();
            for &k in thread_counts {
                let many = pool(k).install(|| decompose(h, vectors)).unwrap();
                assert!(
                    one.0 == many.0,
                    "n = {}, {k} threads: eigenvalues differ",
                    h.nrows()
                );
                assert!(
                    one.1 == many.1,
                    "n = {}, {k} threads: eigenvectors differ",
                    h.nrows()
                );
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        // Eigenvalues (through the band): S·V and the trailing updates in
        // up to 1, 3 and 7 independent blocks.
        // Eigenvectors (direct reduction): at 150 one blocked panel; at
        // 400 matrix–vector products in 4 tasks; at 800 in 8.
        for (k, &n) in [150, 400, 800].iter().enumerate() {
            assert_thread_count_independent(&random_symmetric(n, 9 + k as u64), &[2, 3]);
        }
    }

    /// The measurement behind the module's thread-count guarantee, and what
    /// faer's own parallel tridiagonalisation would do. Slow in debug
    /// builds; run with
    /// `cargo test --release --lib spectrum -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn parallel_is_bit_identical_to_sequential() {
        let faer_default: faer::Spec<evd::SelfAdjointEvdParams, f64> = Default::default();
        for (k, &n) in [50, 300, 320, 600, 1000, 2410].iter().enumerate() {
            let h = random_symmetric(n, 500 + k as u64);
            // What faer's defaults do (reported, not asserted).
            for vectors in [false, true] {
                let seq = faer_evd(&h, vectors, Par::Seq, faer_default);
                let par = faer_evd(&h, vectors, Par::rayon(2), faer_default);
                let differ = seq.0.iter().zip(&par.0).filter(|(a, b)| a != b).count();
                let dl = seq
                    .0
                    .iter()
                    .zip(&par.0)
                    .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
                let du = match (&seq.1, &par.1) {
                    (Some(a), Some(b)) => (a - b).norm_max(),
                    _ => 0.0,
                };
                eprintln!(
                    "faer defaults, n = {n}, vectors = {vectors}, Seq vs rayon(2): \
                     {differ} eigenvalues differ, max |Δλ| = {dl:.1e}, max |Δu| = {du:.1e}"
                );
            }
            let counts: &[usize] = if n > 1000 { &[2, 8] } else { &[2, 3, 4, 8] };
            assert_thread_count_independent(&h, counts);
            eprintln!("n = {n}: values and vectors bit-identical on 1 and {counts:?} threads");
        }
    }

    /// Timings for the comment in `tridiag.rs`:
    /// `cargo test --release --lib spectrum::dense::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
            (0..reps)
                .map(|_| {
                    let t = std::time::Instant::now();
                    f();
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        }
        for n in [1000, 2410] {
            let h = random_symmetric(n, 2410);
            for vectors in [false, true] {
                let ours = best_of(3, || {
                    decompose(&h, vectors).unwrap();
                });
                let before = best_of(3, || {
                    faer_evd(&h, vectors, Par::rayon(0), faer_sequential_tridiag());
                });
                eprintln!(
                    "n = {n}, vectors = {vectors}, {} threads: {ours:.3} s \
                     (faer with sequential tridiagonalisation: {before:.3} s)",
                    rayon::current_num_threads()
                );
            }
        }
    }
}
