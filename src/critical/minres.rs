//! MINRES (Paige & Saunders 1975, "Solution of sparse indefinite systems
//! of linear equations", SIAM J. Numer. Anal. 12(4)) for a symmetric,
//! possibly indefinite or singular operator, as the Newton-MR subproblem
//! solver needs it: the operator is only applied to vectors (one
//! Hessian-vector product per iteration), nothing n×n is formed.
//!
//! The recurrences are those of Choi, Paige & Saunders (2011, "MINRES-QLP:
//! a Krylov subspace method for indefinite or singular symmetric systems",
//! SIAM J. Sci. Comput. 33(4), Table 2.1), which also give ‖A·r‖ for free
//! and so the least-squares stopping test ‖A·r‖ ≤ tol·‖A‖·‖r‖ for
//! systems with no solution (b outside the range of a singular A).
//!
//! Two additions from the Newton-MR literature:
//!
//! - **Non-positive curvature** (Liu & Roosta 2022, "MINRES: from negative
//!   curvature detection to monotonicity properties", SIAM J. Optim.
//!   32(4)): at iteration k, r_{k−1}ᵀ·A·r_{k−1} = −c_{k−1}·γ_k⁽¹⁾·‖r_{k−1}‖²,
//!   so the sign test c_{k−1}·γ_k⁽¹⁾ ≥ 0 detects a direction of
//!   non-positive curvature without another product. It is reported, not
//!   acted on: a critical-point finder wants every critical point, not only
//!   minima.
//! - **Pseudo-inverse lifting** (Liu, Milzarek & Roosta 2024, "Obtaining
//!   pseudo-inverse solutions with MINRES", arXiv:2309.17096): started from
//!   0, MINRES' iterates lie in the Krylov space of b, which holds b's
//!   component in the null space of A when the system is inconsistent, so
//!   its least-squares solution need not be the minimum-norm one. When the
//!   residual r has (numerically) reached the null space, the lifted
//!   x − (rᵀx/rᵀr)·r is the pseudo-inverse solution A⁺b.

use nalgebra::DVector;
use serde::Serialize;

use crate::{Error, LinearOperator, Result};

/// Settings of [`minres`]: the relative tolerance (default 1e-8) and the
/// most operator applications (default: 2n + 10, at most 1000, for an
/// operator of dimension n — in exact arithmetic MINRES ends within n).
///
/// # Examples
///
/// ```
/// use saddlescope::MinresSettings;
/// let s = MinresSettings::default().with_tol(1e-6).unwrap().with_max_iters(50).unwrap();
/// assert_eq!((s.tol(), s.max_iters()), (1e-6, Some(50)));
/// assert_eq!(MinresSettings::default().max_iters_for(3), 16);
/// let err = MinresSettings::default().with_tol(0.0).unwrap_err();
/// assert!(err.to_string().contains("minres_tol"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MinresSettings {
    tol: f64,
    max_iters: Option<usize>,
}

impl Default for MinresSettings {
    fn default() -> Self {
        MinresSettings {
            tol: 1e-8,
            max_iters: None,
        }
    }
}

impl MinresSettings {
    /// Sets the relative tolerance: stop when ‖r‖ ≤ tol·‖b‖ (a solution)
    /// or ‖A·r‖ ≤ tol·‖A‖·‖r‖ (a least-squares solution).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`minres_tol`) unless 0 < tol < 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::MinresSettings;
    /// assert!(MinresSettings::default().with_tol(1.0).is_err());
    /// assert_eq!(MinresSettings::default().with_tol(1e-3).unwrap().tol(), 1e-3);
    /// ```
    pub fn with_tol(mut self, tol: f64) -> Result<Self> {
        if !(tol > 0.0 && tol < 1.0) {
            return Err(Error::InvalidSetting {
                name: "minres_tol".into(),
                message: format!("MINRES' relative tolerance must be in (0, 1), got {tol}"),
            });
        }
        self.tol = tol;
        Ok(self)
    }

    /// Sets the most operator applications.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`minres_max_iters`) for 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::MinresSettings;
    /// let err = MinresSettings::default().with_max_iters(0).unwrap_err();
    /// assert!(err.to_string().contains("minres_max_iters"));
    /// ```
    pub fn with_max_iters(mut self, max_iters: usize) -> Result<Self> {
        if max_iters == 0 {
            return Err(Error::InvalidSetting {
                name: "minres_max_iters".into(),
                message: "MINRES needs at least 1 iteration, got 0".into(),
            });
        }
        self.max_iters = Some(max_iters);
        Ok(self)
    }

    /// The relative tolerance.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::MinresSettings::default().tol(), 1e-8);
    /// ```
    pub fn tol(&self) -> f64 {
        self.tol
    }

    /// The iteration cap, if one was set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::MinresSettings::default().max_iters(), None);
    /// ```
    pub fn max_iters(&self) -> Option<usize> {
        self.max_iters
    }

    /// The iteration cap for an operator of dimension `n`: the one set, or
    /// 2n + 10 capped at 1000.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::MinresSettings;
    /// assert_eq!(MinresSettings::default().max_iters_for(10_000), 1000);
    /// ```
    pub fn max_iters_for(&self, n: usize) -> usize {
        self.max_iters
            .unwrap_or_else(|| n.saturating_mul(2).saturating_add(10).min(1000))
    }
}

/// Why [`minres`] stopped.
///
/// # Examples
///
/// ```
/// use saddlescope::MinresStop;
/// assert_eq!(MinresStop::LeastSquares.as_str(), "least_squares");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MinresStop {
    /// ‖r‖ ≤ tol·‖b‖: x solves A·x = b (b = 0 gives x = 0 at once).
    Solved,
    /// ‖A·r‖ ≤ tol·‖A‖·‖r‖ with ‖r‖ > tol·‖b‖: A is singular and b has a
    /// component outside its range; x is a least-squares solution, lifted
    /// to the minimum-norm one.
    LeastSquares,
    /// The iteration cap was reached first.
    MaxIterations,
}

impl MinresStop {
    /// The snake-case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::MinresStop::Solved.as_str(), "solved");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MinresStop::Solved => "solved",
            MinresStop::LeastSquares => "least_squares",
            MinresStop::MaxIterations => "max_iterations",
        }
    }
}

/// What [`minres`] returns.
///
/// # Examples
///
/// ```
/// use nalgebra::dmatrix;
/// use saddlescope::{minres, MinresSettings, MinresStop};
/// let a = dmatrix![4.0, 1.0; 1.0, 3.0];
/// let s = minres(&a, &[1.0, 2.0], &MinresSettings::default()).unwrap();
/// assert_eq!((s.stop, s.iterations, s.lifted), (MinresStop::Solved, 2, false));
/// assert_eq!(s.nonpositive_curvature, None); // A is positive definite
/// assert!(s.residual_norm < 1e-12 && s.residual.norm() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MinresSolution {
    /// The approximate (least-squares, minimum-norm) solution.
    pub x: DVector<f64>,
    /// r = b − A·x of MINRES' last iterate, by the recurrence
    /// r_k = s_k²·r_{k−1} − φ_k·c_k·v_{k+1} (no extra product). After a
    /// lifting, x moved along r itself, which changes the residual by
    /// (rᵀx/rᵀr)·A·r — small by the stopping test.
    pub residual: DVector<f64>,
    /// ‖r‖ (MINRES' estimate φ_k).
    pub residual_norm: f64,
    /// ‖A·r‖ of the last iterate whose value is known (ψ_{k−1} of Choi et
    /// al.; one iteration behind `residual_norm`).
    pub ar_norm: f64,
    /// The estimate of ‖A‖ used by the test: the largest column norm of the
    /// Lanczos tridiagonal so far (a lower bound).
    pub a_norm: f64,
    /// Operator applications.
    pub iterations: usize,
    /// Why it stopped.
    pub stop: MinresStop,
    /// The first iteration k at which r_{k−1}ᵀ·A·r_{k−1} ≤ 0 — A has
    /// non-positive curvature along the residual — if any.
    pub nonpositive_curvature: Option<usize>,
    /// Whether x was lifted to the pseudo-inverse solution.
    pub lifted: bool,
}

/// Solves A·x = b, or min ‖A·x − b‖ with the smallest ‖x‖ when A is
/// singular, by MINRES from x₀ = 0 (see the module docs for the
/// recurrences, the curvature test and the lifting).
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when b's length is not the operator's
/// dimension, [`Error::NonFinite`] for a non-finite b, and the operator's
/// own errors.
///
/// # Examples
///
/// An indefinite system, and a singular one with no solution, whose
/// answer is the pseudo-inverse solution:
///
/// ```
/// use nalgebra::{dmatrix, dvector};
/// use saddlescope::{minres, MinresSettings, MinresStop};
///
/// let a = dmatrix![2.0, 1.0, 0.0; 1.0, -3.0, 0.0; 0.0, 0.0, 0.5];
/// let s = minres(&a, &[1.0, 2.0, 3.0], &MinresSettings::default()).unwrap();
/// assert_eq!(s.stop, MinresStop::Solved);
/// assert!((&a * &s.x - dvector![1.0, 2.0, 3.0]).norm() < 1e-8);
/// assert_eq!(s.nonpositive_curvature, Some(1)); // r₀ᵀAr₀ = bᵀAb = −1.5
///
/// let singular = dmatrix![2.0, 0.0, 0.0; 0.0, -1.0, 0.0; 0.0, 0.0, 0.0];
/// let s = minres(&singular, &[2.0, 1.0, 5.0], &MinresSettings::default()).unwrap();
/// assert_eq!(s.stop, MinresStop::LeastSquares);
/// assert!(s.lifted);
/// assert!((s.x - dvector![1.0, -1.0, 0.0]).norm() < 1e-12); // A⁺b
/// ```
pub fn minres<A: LinearOperator + ?Sized>(
    op: &A,
    b: &[f64],
    settings: &MinresSettings,
) -> Result<MinresSolution> {
    let n = op.dim();
    if b.len() != n {
        return Err(Error::DimensionMismatch {
            what: "right-hand side for MINRES".into(),
            expected: format!("{n} values"),
            found: format!("{}", b.len()),
        });
    }
    if let Some(i) = b.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "MINRES' right-hand side".into(),
            detail: format!("entry {} is {}", i + 1, b[i]),
        });
    }
    let b = DVector::from_column_slice(b);
    let beta1 = b.norm();
    let tol = settings.tol;
    let max_iters = settings.max_iters_for(n);
    let mut out = MinresSolution {
        x: DVector::zeros(n),
        residual: b.clone(),
        residual_norm: beta1,
        ar_norm: 0.0,
        a_norm: 0.0,
        iterations: 0,
        stop: MinresStop::Solved,
        nonpositive_curvature: None,
        lifted: false,
    };
    if beta1 == 0.0 {
        return Ok(out);
    }

    // Lanczos: v_prev = v_{k−1}, v = v_k, beta = β_k.
    let mut v_prev = DVector::zeros(n);
    let mut v = &b / beta1;
    let mut beta = beta1;
    // The previous rotation (c_{k−1}, s_{k−1}), and the entries it left in
    // the current column: δ_k⁽¹⁾ and ε_k.
    let (mut c, mut s) = (-1.0f64, 0.0f64);
    let (mut delta1, mut eps) = (0.0f64, 0.0f64);
    let mut phi = beta1;
    let mut d_prev = DVector::zeros(n);
    let mut d_prev2 = DVector::zeros(n);
    out.stop = MinresStop::MaxIterations;

    for k in 1..=max_iters {
        let mut p = DVector::from_vec(op.apply(v.as_slice())?);
        out.iterations = k;
        let alpha = v.dot(&p);
        p.axpy(-alpha, &v, 1.0);
        p.axpy(-beta, &v_prev, 1.0);
        let beta_next = p.norm();
        let beta_col = if k == 1 { 0.0 } else { beta };
        out.a_norm = out
            .a_norm
            .max((beta_col * beta_col + alpha * alpha + beta_next * beta_next).sqrt());

        // The previous rotation on column k: (δ_k⁽¹⁾, α_k) and (0, β_{k+1}).
        let delta2 = c * delta1 + s * alpha;
        let gamma1 = s * delta1 - c * alpha;
        let eps_next = s * beta_next;
        let delta1_next = -c * beta_next;

        if c * gamma1 >= 0.0 && out.nonpositive_curvature.is_none() {
            out.nonpositive_curvature = Some(k);
        }
        // ‖A·r_{k−1}‖ = φ_{k−1}·‖(γ_k⁽¹⁾, δ_{k+1}⁽¹⁾)‖.
        out.ar_norm = phi * gamma1.hypot(delta1_next);
        if out.ar_norm <= tol * out.a_norm * phi {
            out.stop = MinresStop::LeastSquares;
            break;
        }

        // The current rotation annihilates β_{k+1}.
        let gamma2 = gamma1.hypot(beta_next);
        if gamma2 == 0.0 {
            // Unreachable in practice: γ_k⁽²⁾ = 0 makes ‖A·r_{k−1}‖ = 0,
            // which the test above catches (kept for tol·‖A‖ = 0).
            out.stop = MinresStop::LeastSquares;
            break;
        }
        let (c_new, s_new) = (gamma1 / gamma2, beta_next / gamma2);
        let tau = c_new * phi;
        let phi_new = s_new * phi;

        let mut d = v.clone();
        d.axpy(-delta2, &d_prev, 1.0);
        d.axpy(-eps, &d_prev2, 1.0);
        d /= gamma2;
        out.x.axpy(tau, &d, 1.0);

        let v_next = if beta_next > 0.0 {
            p / beta_next
        } else {
            DVector::zeros(n)
        };
        out.residual *= s_new * s_new;
        out.residual.axpy(-phi_new * c_new, &v_next, 1.0);
        out.residual_norm = phi_new;

        if phi_new <= tol * beta1 {
            out.stop = MinresStop::Solved;
            break;
        }
        if beta_next == 0.0 {
            // An invariant Krylov space with T_k nonsingular: exact.
            out.stop = MinresStop::Solved;
            break;
        }

        v_prev = std::mem::replace(&mut v, v_next);
        beta = beta_next;
        (c, s) = (c_new, s_new);
        (delta1, eps) = (delta1_next, eps_next);
        d_prev2 = std::mem::replace(&mut d_prev, d);
        phi = phi_new;
    }

    if out.stop == MinresStop::LeastSquares {
        let rr = out.residual.norm_squared();
        if rr > 0.0 {
            let shift = out.residual.dot(&out.x) / rr;
            out.x.axpy(-shift, &out.residual, 1.0);
            out.lifted = true;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    /// A symmetric matrix with the given eigenvalues and a fixed rotation.
    fn with_eigenvalues(values: &[f64]) -> DMatrix<f64> {
        let n = values.len();
        let mut rng = crate::data::Rng::new(7);
        let m = DMatrix::from_fn(n, n, |_, _| rng.normal());
        let q = m.qr().q();
        &q * DMatrix::from_diagonal(&DVector::from_column_slice(values)) * q.transpose()
    }

    #[test]
    fn solves_indefinite_systems_like_a_dense_solver() {
        let a = with_eigenvalues(&[-3.0, -1.0, 0.5, 2.0, 4.0, 7.0]);
        let b: Vec<f64> = (0..6).map(|i| (i as f64).sin() + 0.3).collect();
        let s = minres(&a, &b, &MinresSettings::default().with_tol(1e-12).unwrap()).unwrap();
        let exact = a
            .clone()
            .lu()
            .solve(&DVector::from_column_slice(&b))
            .unwrap();
        assert_eq!(s.stop, MinresStop::Solved);
        assert!((s.x - exact).norm() < 1e-10);
        assert!(s.nonpositive_curvature.is_some());
    }

    #[test]
    fn tracked_residual_and_curvature_test_match_explicit_ones() {
        let a = with_eigenvalues(&[-2.0, -0.5, 0.1, 1.0, 3.0, 5.0, 8.0, 9.0]);
        let b: Vec<f64> = (0..8).map(|i| 1.0 + 0.1 * i as f64).collect();
        let bv = DVector::from_column_slice(&b);
        for iters in 1..8 {
            let st = MinresSettings::default()
                .with_tol(1e-14)
                .unwrap()
                .with_max_iters(iters)
                .unwrap();
            let s = minres(&a, &b, &st).unwrap();
            let explicit = &bv - &a * &s.x;
            assert!(
                (&explicit - &s.residual).norm() < 1e-12,
                "iteration {iters}"
            );
            assert!((explicit.norm() - s.residual_norm).abs() < 1e-12);
            // rᵀAr of every residual so far, against the reported first
            // iteration with non-positive curvature.
            let first = (1..=iters).find(|&k| {
                let prev = if k == 1 {
                    bv.clone()
                } else {
                    let st = MinresSettings::default()
                        .with_tol(1e-14)
                        .unwrap()
                        .with_max_iters(k - 1)
                        .unwrap();
                    minres(&a, &b, &st).unwrap().residual
                };
                prev.dot(&(&a * &prev)) <= 0.0
            });
            assert_eq!(s.nonpositive_curvature, first, "iteration {iters}");
        }
    }

    #[test]
    fn singular_inconsistent_systems_give_the_pseudo_inverse_solution() {
        let a = with_eigenvalues(&[-2.0, 0.0, 0.0, 1.0, 3.0]);
        let b: Vec<f64> = (0..5).map(|i| (i as f64 * 0.7).cos()).collect();
        let s = minres(&a, &b, &MinresSettings::default().with_tol(1e-10).unwrap()).unwrap();
        let pinv = a.clone().pseudo_inverse(1e-10).unwrap();
        let want = pinv * DVector::from_column_slice(&b);
        assert_eq!(s.stop, MinresStop::LeastSquares);
        assert!(s.lifted);
        assert!((s.x - want).norm() < 1e-8);
    }

    #[test]
    fn right_hand_side_in_the_null_space_gives_zero() {
        let a = DMatrix::from_diagonal(&DVector::from_column_slice(&[2.0, 0.5, 0.0]));
        let s = minres(&a, &[0.0, 0.0, 1.0], &MinresSettings::default()).unwrap();
        assert_eq!(s.stop, MinresStop::LeastSquares);
        assert_eq!(s.x.norm(), 0.0);
        assert_eq!(s.iterations, 1);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let a = DMatrix::<f64>::identity(2, 2);
        assert!(matches!(
            minres(&a, &[1.0], &MinresSettings::default()),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            minres(&a, &[1.0, f64::NAN], &MinresSettings::default()),
            Err(Error::NonFinite { .. })
        ));
        let zero = minres(&a, &[0.0, 0.0], &MinresSettings::default()).unwrap();
        assert_eq!((zero.iterations, zero.x.norm()), (0, 0.0));
    }
}
