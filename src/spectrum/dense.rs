//! Dense symmetric eigendecomposition through faer.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::{Mat, Par};
use nalgebra::{DMatrix, DVector};

use crate::{Error, Result};

/// What the errors of this module call their input.
const WHAT: &str = "matrix for the symmetric eigendecomposition";

/// faer's tuning parameters with the tridiagonalisation kept sequential.
///
/// Why: results must not depend on the thread count. Measured on the
/// development machine (AMD EPYC, AVX-512, faer 0.24.4) with
/// `parallel_is_bit_identical_to_sequential` below, seeded random symmetric
/// matrices of size 50, 300, 320, 600, 1000 and 2410:
///
/// - faer's defaults with `Par::rayon(k)`, k = 2, 3, 4, 8, are *not*
///   bit-identical to `Par::Seq` from n ≈ 314 on (where faer's
///   tridiagonalisation turns parallel: it splits the symmetric
///   matrix–vector product by columns and sums per-thread partial vectors,
///   so the summation order depends on k). At n = 1000 about 98 % of the
///   eigenvalues differ, by up to 9e-13, and eigenvectors by up to 3e-12.
///   Each thread count is reproducible on its own.
/// - With the tridiagonalisation sequential (`par_threshold = usize::MAX`)
///   and everything else (Householder back-transformation, divide and
///   conquer, their matrix products) on `Par::rayon(k)`, eigenvalues and
///   eigenvectors are bit-identical to `Par::Seq` for every size and k
///   tried: those parallel kernels split the *output* into blocks and never
///   split a sum.
fn evd_params() -> faer::Spec<evd::SelfAdjointEvdParams, f64> {
    let mut params: faer::Spec<evd::SelfAdjointEvdParams, f64> = Default::default();
    params.tridiag.par_threshold = usize::MAX;
    params
}

/// The global rayon pool, whatever its size (see [`evd_params`] for why the
/// result does not depend on it).
fn parallelism() -> Par {
    Par::rayon(0)
}

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
/// - [`Error::NoConvergence`] if faer's QR iteration does not converge.
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
    let (eigenvalues, eigenvectors) = decompose(h, true, parallelism(), evd_params())?;
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
    decompose(h, false, parallelism(), evd_params()).map(|(values, _)| values)
}

/// Checks `h`, runs faer with the given parallelism, sorts and fixes signs.
fn decompose(
    h: &DMatrix<f64>,
    want_vectors: bool,
    par: Par,
    params: faer::Spec<evd::SelfAdjointEvdParams, f64>,
) -> Result<(DVector<f64>, Option<DMatrix<f64>>)> {
    check(h)?;
    let n = h.nrows();
    // nalgebra and faer are both column-major.
    let a = Mat::<f64>::from_fn(n, n, |i, j| h[(i, j)]);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = want_vectors.then(|| Mat::<f64>::zeros(n, n));
    let compute = if want_vectors {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let mut buffer = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n, compute, par, params,
    ));
    evd::self_adjoint_evd(
        a.as_ref(),
        s.as_mut(),
        u.as_mut().map(|u| u.as_mut()),
        par,
        MemStack::new(&mut buffer),
        params,
    )
    .map_err(|e| Error::NoConvergence {
        what: "symmetric eigendecomposition".into(),
        detail: format!("faer reported {e:?} for a {n}×{n} matrix"),
    })?;

    let raw: Vec<f64> = s.column_vector().iter().copied().collect();
    if let Some(i) = raw.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: "the eigenvalues".into(),
            detail: format!(
                "eigenvalue {i} of the {n}×{n} matrix is {}; its entries are too large",
                raw[i]
            ),
        });
    }
    // faer documents nondecreasing order; sort anyway so that nothing
    // downstream depends on a backend's promise. Stable, so ties keep
    // faer's order.
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
    // Report the first bad entry in reading order (row by row).
    for i in 0..rows {
        for j in 0..cols {
            let x = h[(i, j)];
            if !x.is_finite() {
                return Err(Error::NonFinite {
                    what: format!("the {WHAT}"),
                    detail: format!("entry (row {i}, column {j}) is {x}, 0-based"),
                });
            }
        }
    }
    Ok(())
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
        for (k, &n) in [1, 2, 3, 5, 10, 31, 64, 127, 128, 129, 200]
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

    /// Bit-for-bit equality of the production configuration with `Par::Seq`
    /// and several thread counts.
    fn assert_thread_count_independent(h: &DMatrix<f64>, thread_counts: &[usize]) {
        for vectors in [false, true] {
            let seq = decompose(h, vectors, Par::Seq, evd_params()).unwrap();
            for &k in thread_counts {
                let par = decompose(h, vectors, Par::rayon(k), evd_params()).unwrap();
                assert!(
                    seq.0 == par.0,
                    "n = {}, {k} threads: eigenvalues differ",
                    h.nrows()
                );
                assert!(
                    seq.1 == par.1,
                    "n = {}, {k} threads: eigenvectors differ",
                    h.nrows()
                );
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        // 400 > 314, where faer's default tridiagonalisation would go parallel.
        for (k, &n) in [150, 400].iter().enumerate() {
            assert_thread_count_independent(&random_symmetric(n, 9 + k as u64), &[2, 3]);
        }
    }

    /// The measurement behind [`evd_params`]. Slow in debug builds; run with
    /// `cargo test --release --lib spectrum -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn parallel_is_bit_identical_to_sequential() {
        let faer_default: faer::Spec<evd::SelfAdjointEvdParams, f64> = Default::default();
        for (k, &n) in [50, 300, 320, 600, 1000, 2410].iter().enumerate() {
            let h = random_symmetric(n, 500 + k as u64);
            // What faer's defaults do (reported, not asserted).
            for vectors in [false, true] {
                let seq = decompose(&h, vectors, Par::Seq, faer_default).unwrap();
                let par = decompose(&h, vectors, Par::rayon(2), faer_default).unwrap();
                let differ = seq
                    .0
                    .iter()
                    .zip(par.0.iter())
                    .filter(|(a, b)| a != b)
                    .count();
                let dl = (&seq.0 - &par.0).amax();
                let du = match (&seq.1, &par.1) {
                    (Some(a), Some(b)) => (a - b).amax(),
                    _ => 0.0,
                };
                eprintln!(
                    "faer defaults, n = {n}, vectors = {vectors}, Seq vs rayon(2): \
                     {differ} eigenvalues differ, max |Δλ| = {dl:.1e}, max |Δu| = {du:.1e}"
                );
            }
            let counts: &[usize] = if n > 1000 { &[2, 8] } else { &[2, 3, 4, 8] };
            assert_thread_count_independent(&h, counts);
            eprintln!("production settings, n = {n}: bit-identical to Seq for threads {counts:?}");
        }
    }

    /// Timings for the report:
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
            let faer_default = Default::default();
            for (name, par, params) in [
                ("Seq", Par::Seq, evd_params()),
                (
                    "production (rayon, sequential tridiag)",
                    parallelism(),
                    evd_params(),
                ),
                ("faer defaults on rayon", parallelism(), faer_default),
            ] {
                let values = best_of(3, || {
                    decompose(&h, false, par, params).unwrap();
                });
                let both = best_of(3, || {
                    decompose(&h, true, par, params).unwrap();
                });
                eprintln!("n = {n}, {name}: eigenvalues {values:.3} s, with vectors {both:.3} s");
            }
        }
    }
}
