//! The second-order test with its statistics: from a gradient and a
//! Hessian spectrum to a [`Verdict`], the [`Curvature`] of the Hessian, sign
//! counts, the index, the condition number and, where there is one, the
//! direction of steepest negative curvature ([`Escape`]).

use std::fmt;

use nalgebra::DVector;
use serde::{Serialize, Serializer};

use crate::{Error, Result, Spectrum, Verdict};

/// When a gradient counts as zero and when an eigenvalue does.
///
/// - `grad` (default `1e-4`): the point is critical when ‖∇f‖₂ ≤ `grad`
///   (absolute). Why 1e-4: coordinates typed to six digits near a critical
///   point of a function with curvature ~10–100 are off by ~1e-6 and so
///   leave ‖∇f‖ ~1e-5 — a point a user copies from a paper or a log must
///   still count as critical.
/// - `eig` (default `1e-9`): an eigenvalue with |λ| ≤ `eig`·max|λ| counts as
///   zero. Why 1e-9: zero here means *numerically* zero — round-off in a
///   float64 Hessian is ~1e-13 relative, so true zeros are recognised with
///   four orders to spare — and not "small": a saddle's escape cares only
///   about the soft direction, so f = 10⁷x² − y² must stay a saddle however
///   strong the other curvature. Whether weak negative curvature is usable
///   at a given step is what the escape check of
///   [`analyze`](crate::analyze) measures.
///
/// Serialised as `{"grad": …, "eig": …}`.
///
/// # Examples
///
/// ```
/// use saddlescope::Tolerances;
///
/// let tol = Tolerances::default();
/// assert_eq!((tol.grad(), tol.eig()), (1e-4, 1e-9));
/// let strict = tol.with_grad(1e-8).unwrap().with_eig(0.0).unwrap();
/// assert_eq!((strict.grad(), strict.eig()), (1e-8, 0.0));
/// assert_eq!(
///     serde_json::to_string(&strict).unwrap(),
///     r#"{"grad":1e-8,"eig":0.0}"#
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerances {
    grad: f64,
    eig: f64,
}

impl Default for Tolerances {
    /// `grad` = 1e-4, `eig` = 1e-9 (see the type's docs for why).
    fn default() -> Self {
        Tolerances {
            grad: 1e-4,
            eig: 1e-9,
        }
    }
}

impl Tolerances {
    /// The absolute tolerance on ‖∇f‖₂.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Tolerances::default().grad(), 1e-4);
    /// ```
    pub fn grad(&self) -> f64 {
        self.grad
    }

    /// The relative tolerance below which an eigenvalue counts as zero:
    /// |λ| ≤ `eig`·max|λ|.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Tolerances::default().eig(), 1e-9);
    /// ```
    pub fn eig(&self) -> f64 {
        self.eig
    }

    /// Sets the gradient tolerance (`grad_tol`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless `grad` is finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Tolerances;
    ///
    /// assert_eq!(Tolerances::default().with_grad(1e-6).unwrap().grad(), 1e-6);
    /// let err = Tolerances::default().with_grad(-1.0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid grad_tol: grad_tol must be a finite number ≥ 0, got -1"
    /// );
    /// ```
    pub fn with_grad(mut self, grad: f64) -> Result<Self> {
        if !(grad.is_finite() && grad >= 0.0) {
            return Err(Error::InvalidSetting {
                name: "grad_tol".into(),
                message: format!("grad_tol must be a finite number ≥ 0, got {grad}"),
            });
        }
        self.grad = grad;
        Ok(self)
    }

    /// Sets the relative eigenvalue tolerance (`eig_tol`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless `eig` is finite and in [0, 1) (at 1
    /// every eigenvalue would count as zero).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Tolerances;
    ///
    /// assert_eq!(Tolerances::default().with_eig(1e-3).unwrap().eig(), 1e-3);
    /// let err = Tolerances::default().with_eig(1.0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid eig_tol: eig_tol must be a finite number in [0, 1), got 1"
    /// );
    /// assert!(Tolerances::default().with_eig(f64::NAN).is_err());
    /// ```
    pub fn with_eig(mut self, eig: f64) -> Result<Self> {
        if !(eig.is_finite() && (0.0..1.0).contains(&eig)) {
            return Err(Error::InvalidSetting {
                name: "eig_tol".into(),
                message: format!("eig_tol must be a finite number in [0, 1), got {eig}"),
            });
        }
        self.eig = eig;
        Ok(self)
    }
}

/// How many eigenvalues are negative, zero (within the tolerance) and
/// positive.
///
/// # Examples
///
/// ```
/// use nalgebra::{dvector, DMatrix};
/// use saddlescope::{classify, Counts, Spectrum, Tolerances};
///
/// let s = Spectrum {
///     eigenvalues: dvector![-2.0, 0.0, 1.0, 3.0],
///     eigenvectors: DMatrix::identity(4, 4),
/// };
/// let c = classify(&dvector![0.0, 0.0, 0.0, 0.0], &s, &Tolerances::default()).unwrap();
/// assert_eq!(c.counts, Counts { negative: 1, zero: 1, positive: 2 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Eigenvalues λ < −`eig`·max|λ|.
    pub negative: usize,
    /// Eigenvalues with |λ| ≤ `eig`·max|λ|.
    pub zero: usize,
    /// Eigenvalues λ > `eig`·max|λ|.
    pub positive: usize,
}

/// The shape of the Hessian, whatever the gradient.
///
/// Reported for every point, critical or not: training often stalls far
/// from any critical point, and the curvature there still says whether
/// there is a way down. Serialised and displayed in snake case
/// (`"positive_definite"`, …).
///
/// # Examples
///
/// ```
/// use saddlescope::Curvature;
/// assert_eq!(Curvature::PositiveSemidefinite.to_string(), "positive_semidefinite");
/// assert_eq!(
///     serde_json::to_string(&Curvature::Indefinite).unwrap(),
///     r#""indefinite""#
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Curvature {
    /// Every eigenvalue is positive.
    PositiveDefinite,
    /// Every eigenvalue is negative.
    NegativeDefinite,
    /// Eigenvalues of both signs.
    Indefinite,
    /// No negative eigenvalue, some zero and some positive.
    PositiveSemidefinite,
    /// No positive eigenvalue, some zero and some negative.
    NegativeSemidefinite,
    /// Every eigenvalue is zero.
    Zero,
}

impl Curvature {
    /// The shape implied by sign counts.
    fn from_counts(c: Counts) -> Self {
        match (c.negative > 0, c.zero > 0, c.positive > 0) {
            (true, _, true) => Curvature::Indefinite,
            (false, false, true) => Curvature::PositiveDefinite,
            (true, false, false) => Curvature::NegativeDefinite,
            (false, true, true) => Curvature::PositiveSemidefinite,
            (true, true, false) => Curvature::NegativeSemidefinite,
            (false, _, false) => Curvature::Zero,
        }
    }

    /// The snake-case name used in JSON and tables.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Curvature::Zero.as_str(), "zero");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Curvature::PositiveDefinite => "positive_definite",
            Curvature::NegativeDefinite => "negative_definite",
            Curvature::Indefinite => "indefinite",
            Curvature::PositiveSemidefinite => "positive_semidefinite",
            Curvature::NegativeSemidefinite => "negative_semidefinite",
            Curvature::Zero => "zero",
        }
    }

    /// The name in plain words, for sentences.
    pub(crate) fn words(self) -> &'static str {
        match self {
            Curvature::PositiveDefinite => "positive definite",
            Curvature::NegativeDefinite => "negative definite",
            Curvature::Indefinite => "indefinite",
            Curvature::PositiveSemidefinite => "positive semidefinite",
            Curvature::NegativeSemidefinite => "negative semidefinite",
            Curvature::Zero => "zero",
        }
    }
}

impl fmt::Display for Curvature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The direction of steepest negative curvature: the unit eigenvector of
/// λmin, present whenever some eigenvalue counts as negative.
///
/// Its sign is the spectrum's (for [`symmetric_eigen`](crate::symmetric_eigen):
/// largest-magnitude component positive); −`direction` is as good a way
/// down. Serialised as `{"lambda": …, "direction": [ … ]}`.
///
/// # Examples
///
/// ```
/// use nalgebra::{dmatrix, dvector};
/// use saddlescope::{classify, symmetric_eigen, Tolerances};
///
/// // f(x, y) = x² − y² at the origin: H = diag(2, −2).
/// let s = symmetric_eigen(&dmatrix![2.0, 0.0; 0.0, -2.0]).unwrap();
/// let c = classify(&dvector![0.0, 0.0], &s, &Tolerances::default()).unwrap();
/// let escape = c.escape.unwrap();
/// assert_eq!(escape.lambda, -2.0);
/// assert_eq!(escape.direction, dvector![0.0, 1.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escape {
    /// λmin, the most negative eigenvalue.
    pub lambda: f64,
    /// Its unit eigenvector.
    #[serde(serialize_with = "plain_array")]
    pub direction: DVector<f64>,
}

impl Escape {
    /// The second-order change of f along the escape direction:
    /// f(x + α·u) − f(x) ≈ ½·λ·α² (Taylor, at a critical point where the
    /// gradient term vanishes; away from one, ∇f·u·α adds to it). Negative:
    /// f goes down.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::dvector;
    /// use saddlescope::Escape;
    ///
    /// let e = Escape { lambda: -2.0, direction: dvector![0.0, 1.0] };
    /// assert_eq!(e.predicted_change(0.5), -0.25);
    /// ```
    pub fn predicted_change(&self, alpha: f64) -> f64 {
        0.5 * self.lambda * alpha * alpha
    }
}

fn plain_array<S: Serializer>(v: &DVector<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(v.iter())
}

/// The verdict on a point and the statistics behind it.
///
/// Serialised (JSON) with every field; `condition_number` and `escape` are
/// `null` when absent.
///
/// # Examples
///
/// ```
/// use nalgebra::{dmatrix, dvector};
/// use saddlescope::{classify, symmetric_eigen, Curvature, Tolerances, Verdict};
///
/// let s = symmetric_eigen(&dmatrix![2.0, 1.0; 1.0, 2.0]).unwrap();
/// let c = classify(&dvector![1e-9, 0.0], &s, &Tolerances::default()).unwrap();
/// assert_eq!(c.verdict, Verdict::LocalMinimum);
/// assert_eq!(c.curvature, Curvature::PositiveDefinite);
/// assert_eq!((c.index, c.min_ratio), (0.0, 1.0));
/// assert!((c.condition_number.unwrap() - 3.0).abs() < 1e-12);
/// assert!(c.escape.is_none());
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["verdict"], "local_minimum");
/// assert_eq!(json["counts"]["positive"], 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// What kind of point this is.
    pub verdict: Verdict,
    /// The shape of the Hessian, reported even when the point is not
    /// critical.
    pub curvature: Curvature,
    /// ‖∇f‖₂.
    pub grad_norm: f64,
    /// Eigenvalue signs, zeros counted with `tolerances.eig()`.
    pub counts: Counts,
    /// The fraction of negative eigenvalues, negative / n (the Morse index
    /// divided by the dimension).
    pub index: f64,
    /// The fraction of positive eigenvalues, positive / n: the "minimum
    /// ratio" (1 at a strict local minimum).
    pub min_ratio: f64,
    /// The smallest eigenvalue.
    pub lambda_min: f64,
    /// The largest eigenvalue.
    pub lambda_max: f64,
    /// max|λ| / min|λ| over the eigenvalues counted nonzero; `None` when
    /// all count as zero. Eigenvalues below `eig_tol`·max|λ| count as zero,
    /// so this never exceeds 1/`eig_tol` (1e9 by default): for a truly
    /// worse-conditioned matrix, lower `eig_tol` or divide λmax by λmin.
    pub condition_number: Option<f64>,
    /// The way down, present whenever some eigenvalue counts as negative.
    pub escape: Option<Escape>,
    /// The tolerances the verdict was reached with.
    pub tolerances: Tolerances,
}

/// Classifies a point from its gradient and the spectrum of its Hessian.
///
/// - not critical when ‖g‖₂ > `tol.grad()`; otherwise
/// - saddle point when eigenvalues of both signs exist (conclusive even when
///   some are zero);
/// - local minimum when all are positive, local maximum when all are
///   negative;
/// - degenerate when the nonzero ones share a sign and some are zero
///   (including the all-zero Hessian): the second-order test cannot decide.
///
/// An eigenvalue counts as zero when |λ| ≤ `tol.eig()`·max|λ|. The order of
/// the eigenvalues does not matter: λmin, λmax and the escape direction are
/// found by scanning, not read off the ends. The escape direction is column
/// argmin λ of `spectrum.eigenvectors` (the first on ties), rescaled to unit
/// length (a no-op for [`symmetric_eigen`](crate::symmetric_eigen)'s output).
///
/// # Errors
///
/// - [`Error::DimensionMismatch`] if the gradient's length differs from the
///   number of eigenvalues, or the eigenvectors are not n×n;
/// - [`Error::NonFinite`] if the gradient, an eigenvalue or the escape
///   direction holds a NaN or an infinity;
/// - [`Error::InvalidInput`] if the spectrum is empty or the escape
///   direction is the zero vector.
///
/// # Examples
///
/// ```
/// use nalgebra::{dmatrix, dvector};
/// use saddlescope::{classify, symmetric_eigen, Tolerances, Verdict};
///
/// // f(x, y) = x² − y² at the origin.
/// let s = symmetric_eigen(&dmatrix![2.0, 0.0; 0.0, -2.0]).unwrap();
/// let tol = Tolerances::default();
/// let c = classify(&dvector![0.0, 0.0], &s, &tol).unwrap();
/// assert_eq!(c.verdict, Verdict::SaddlePoint);
/// assert_eq!(c.index, 0.5);
/// // A step of 0.1 along the escape direction lowers f by 0.01.
/// assert!((c.escape.unwrap().predicted_change(0.1) + 0.01).abs() < 1e-15);
///
/// // Away from the origin the gradient is not small.
/// let c = classify(&dvector![0.2, -0.4], &s, &tol).unwrap();
/// assert_eq!(c.verdict, Verdict::NotCritical);
///
/// assert!(classify(&dvector![0.0], &s, &tol).is_err());
/// ```
pub fn classify(
    gradient: &DVector<f64>,
    spectrum: &Spectrum,
    tol: &Tolerances,
) -> Result<Classification> {
    let lambdas = &spectrum.eigenvalues;
    let n = lambdas.len();
    if n == 0 {
        return Err(Error::InvalidInput(
            "the spectrum has no eigenvalues; there is nothing to classify".into(),
        ));
    }
    if gradient.len() != n {
        return Err(Error::DimensionMismatch {
            what: "gradient to classify".into(),
            expected: format!("{n} entries (one per eigenvalue)"),
            found: format!("{} entries", gradient.len()),
        });
    }
    let shape = spectrum.eigenvectors.shape();
    if shape != (n, n) {
        return Err(Error::DimensionMismatch {
            what: "eigenvectors of the spectrum to classify".into(),
            expected: format!("{n}×{n} (one column per eigenvalue)"),
            found: format!("{}×{}", shape.0, shape.1),
        });
    }
    if let Some(i) = gradient.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: "the gradient".into(),
            detail: format!("entry {i} is {}", gradient[i]),
        });
    }
    if let Some(i) = lambdas.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: "the Hessian's eigenvalues".into(),
            detail: format!("eigenvalue {i} is {}", lambdas[i]),
        });
    }

    // Scan rather than trust the input order.
    let (mut argmin, mut argmax) = (0, 0);
    for (i, &l) in lambdas.iter().enumerate() {
        if l < lambdas[argmin] {
            argmin = i;
        }
        if l > lambdas[argmax] {
            argmax = i;
        }
    }
    let (lambda_min, lambda_max) = (lambdas[argmin], lambdas[argmax]);
    let threshold = tol.eig * lambda_min.abs().max(lambda_max.abs());

    let mut counts = Counts {
        negative: 0,
        zero: 0,
        positive: 0,
    };
    let (mut smallest_nonzero, mut largest_nonzero) = (f64::INFINITY, 0.0_f64);
    for &l in lambdas.iter() {
        if l.abs() <= threshold {
            counts.zero += 1;
            continue;
        }
        if l < 0.0 {
            counts.negative += 1;
        } else {
            counts.positive += 1;
        }
        smallest_nonzero = smallest_nonzero.min(l.abs());
        largest_nonzero = largest_nonzero.max(l.abs());
    }
    let condition_number = (counts.zero < n).then(|| largest_nonzero / smallest_nonzero);

    let escape = if counts.negative > 0 {
        Some(escape_along(spectrum, argmin)?)
    } else {
        None
    };

    let grad_norm = norm2(gradient);
    let curvature = Curvature::from_counts(counts);
    let verdict = if grad_norm > tol.grad {
        Verdict::NotCritical
    } else {
        match curvature {
            Curvature::PositiveDefinite => Verdict::LocalMinimum,
            Curvature::NegativeDefinite => Verdict::LocalMaximum,
            Curvature::Indefinite => Verdict::SaddlePoint,
            Curvature::PositiveSemidefinite | Curvature::NegativeSemidefinite | Curvature::Zero => {
                Verdict::Degenerate
            }
        }
    };

    Ok(Classification {
        verdict,
        curvature,
        grad_norm,
        counts,
        index: counts.negative as f64 / n as f64,
        min_ratio: counts.positive as f64 / n as f64,
        lambda_min,
        lambda_max,
        condition_number,
        escape,
        tolerances: *tol,
    })
}

/// The unit eigenvector in column `k`.
fn escape_along(spectrum: &Spectrum, k: usize) -> Result<Escape> {
    let column = spectrum.eigenvectors.column(k).into_owned();
    if let Some(i) = column.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: "the escape direction".into(),
            detail: format!("component {i} of eigenvector {k} is {}", column[i]),
        });
    }
    let norm = norm2(&column);
    if norm == 0.0 {
        return Err(Error::InvalidInput(format!(
            "eigenvector {k} (of the smallest eigenvalue) is the zero vector"
        )));
    }
    Ok(Escape {
        lambda: spectrum.eigenvalues[k],
        direction: column / norm,
    })
}

/// ‖v‖₂ without overflow for large finite entries.
fn norm2(v: &DVector<f64>) -> f64 {
    let scale = v.amax();
    if scale == 0.0 {
        0.0
    } else {
        scale * (v / scale).norm()
    }
}

/// A number in at most three significant digits: `0.3`, `12.5`, `3.1e-12`.
pub(super) fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if (1e-3..1e4).contains(&a) {
        let digits = (2 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        let s = format!("{x:.2e}");
        let (mantissa, exponent) = s.split_once('e').expect("scientific format");
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

impl Classification {
    /// One or two plain sentences saying what the point is and why, for a
    /// person whose training has stalled.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{dmatrix, dvector};
    /// use saddlescope::{classify, symmetric_eigen, Tolerances};
    ///
    /// let s = symmetric_eigen(&dmatrix![2.0, 0.0; 0.0, -2.0]).unwrap();
    /// let c = classify(&dvector![0.0, 0.0], &s, &Tolerances::default()).unwrap();
    /// assert_eq!(
    ///     c.explanation(),
    ///     "saddle point: ‖∇f‖ = 0 ≤ 1e-4 and the Hessian has 1 negative, 0 zero and \
    ///      1 positive eigenvalues; moving a step α along the escape direction lowers f \
    ///      by about ½|λmin|α² = 1·α²."
    /// );
    /// ```
    pub fn explanation(&self) -> String {
        let g = short(self.grad_norm);
        let gtol = short(self.tolerances.grad);
        let Counts {
            negative,
            zero,
            positive,
        } = self.counts;
        let n = negative + zero + positive;
        let counts =
            format!("{negative} negative, {zero} zero and {positive} positive eigenvalues");
        let way_down = |e: &Escape| {
            format!(
                "moving a step α along the escape direction lowers f by about \
                 ½|λmin|α² = {}·α²",
                short(0.5 * e.lambda.abs())
            )
        };
        match self.verdict {
            Verdict::LocalMinimum => format!(
                "local minimum: ‖∇f‖ = {g} ≤ {gtol} and all {n} Hessian eigenvalues are \
                 positive (from {} to {}); every small step raises f.",
                short(self.lambda_min),
                short(self.lambda_max)
            ),
            Verdict::LocalMaximum => {
                let mut s = format!(
                    "local maximum: ‖∇f‖ = {g} ≤ {gtol} and all {n} Hessian eigenvalues are \
                     negative; every small step lowers f"
                );
                if let Some(e) = &self.escape {
                    s.push_str(", fastest along the escape direction: ");
                    s.push_str(&way_down(e));
                }
                s.push('.');
                s
            }
            Verdict::SaddlePoint => {
                let mut s =
                    format!("saddle point: ‖∇f‖ = {g} ≤ {gtol} and the Hessian has {counts}");
                if let Some(e) = &self.escape {
                    s.push_str("; ");
                    s.push_str(&way_down(e));
                }
                s.push('.');
                s
            }
            Verdict::Degenerate => {
                let flat = if zero == 1 {
                    "1 flat direction".to_string()
                } else {
                    format!("{zero} flat directions")
                };
                let shape = if self.curvature == Curvature::Zero {
                    format!("the Hessian is zero (all {n} eigenvalues count as zero)")
                } else {
                    format!("the Hessian is {} with {flat}", self.curvature.words())
                };
                format!(
                    "degenerate: ‖∇f‖ = {g} ≤ {gtol} but {shape} (|λ| ≤ {}·max|λ|); the \
                     second-order test is inconclusive.",
                    short(self.tolerances.eig)
                )
            }
            Verdict::NotCritical => {
                let mut s = format!(
                    "not a critical point: ‖∇f‖ = {g} > {gtol}, so the gradient still points \
                     downhill; the Hessian here is {} ({counts})",
                    self.curvature.words()
                );
                if let Some(e) = &self.escape {
                    s.push_str(&format!(
                        " with negative curvature down to λmin = {}",
                        short(e.lambda)
                    ));
                }
                s.push('.');
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, dvector};

    fn spectrum(eigenvalues: &[f64]) -> Spectrum {
        let n = eigenvalues.len();
        Spectrum {
            eigenvalues: DVector::from_row_slice(eigenvalues),
            eigenvectors: DMatrix::identity(n, n),
        }
    }

    fn at_critical(eigenvalues: &[f64]) -> Classification {
        let g = DVector::zeros(eigenvalues.len());
        classify(&g, &spectrum(eigenvalues), &Tolerances::default()).unwrap()
    }

    #[test]
    fn local_minimum() {
        let c = at_critical(&[0.5, 2.0, 10.0]);
        assert_eq!(c.verdict, Verdict::LocalMinimum);
        assert_eq!(c.curvature, Curvature::PositiveDefinite);
        assert_eq!(
            c.counts,
            Counts {
                negative: 0,
                zero: 0,
                positive: 3
            }
        );
        assert_eq!((c.index, c.min_ratio), (0.0, 1.0));
        assert_eq!(c.condition_number, Some(20.0));
        assert_eq!((c.lambda_min, c.lambda_max), (0.5, 10.0));
        assert!(c.escape.is_none());
        assert!(c.explanation().starts_with("local minimum: "));
    }

    #[test]
    fn local_maximum() {
        let c = at_critical(&[-4.0, -1.0]);
        assert_eq!(c.verdict, Verdict::LocalMaximum);
        assert_eq!(c.curvature, Curvature::NegativeDefinite);
        assert_eq!((c.index, c.min_ratio), (1.0, 0.0));
        assert_eq!(c.condition_number, Some(4.0));
        let e = c.escape.as_ref().unwrap();
        assert_eq!(e.lambda, -4.0);
        assert_eq!(e.direction, dvector![1.0, 0.0]);
        assert!(c.explanation().contains("= 2·α²"), "{}", c.explanation());
    }

    #[test]
    fn saddle_point() {
        let c = at_critical(&[-1.0, 3.0, 3.0, 6.0]);
        assert_eq!(c.verdict, Verdict::SaddlePoint);
        assert_eq!(c.curvature, Curvature::Indefinite);
        assert_eq!(
            c.counts,
            Counts {
                negative: 1,
                zero: 0,
                positive: 3
            }
        );
        assert_eq!((c.index, c.min_ratio), (0.25, 0.75));
        assert_eq!(c.condition_number, Some(6.0));
        assert_eq!(c.escape.unwrap().predicted_change(2.0), -2.0);
    }

    #[test]
    fn zeros_with_both_signs_is_a_saddle() {
        let c = at_critical(&[-2.0, 0.0, 1e-9, 4.0]);
        assert_eq!(c.verdict, Verdict::SaddlePoint);
        assert_eq!(
            c.counts,
            Counts {
                negative: 1,
                zero: 2,
                positive: 1
            }
        );
        // Zeros are left out of the condition number.
        assert_eq!(c.condition_number, Some(2.0));
        assert_eq!(c.escape.unwrap().lambda, -2.0);
    }

    #[test]
    fn positive_semidefinite_is_degenerate() {
        let c = at_critical(&[0.0, 1e-11, 1.0, 5.0]);
        assert_eq!(c.verdict, Verdict::Degenerate);
        assert_eq!(c.curvature, Curvature::PositiveSemidefinite);
        assert_eq!(
            c.counts,
            Counts {
                negative: 0,
                zero: 2,
                positive: 2
            }
        );
        assert_eq!(c.min_ratio, 0.5);
        assert_eq!(c.condition_number, Some(5.0));
        assert!(c.escape.is_none());
        assert_eq!(
            c.explanation(),
            "degenerate: ‖∇f‖ = 0 ≤ 1e-4 but the Hessian is positive semidefinite with 2 \
             flat directions (|λ| ≤ 1e-9·max|λ|); the second-order test is inconclusive."
        );
    }

    #[test]
    fn negative_semidefinite_is_degenerate() {
        let c = at_critical(&[-3.0, 0.0]);
        assert_eq!(c.verdict, Verdict::Degenerate);
        assert_eq!(c.curvature, Curvature::NegativeSemidefinite);
        // Negative curvature exists, so there is an escape direction.
        assert_eq!(c.escape.unwrap().lambda, -3.0);
    }

    #[test]
    fn all_zero_hessian_is_degenerate() {
        let c = at_critical(&[0.0, 0.0, 0.0]);
        assert_eq!(c.verdict, Verdict::Degenerate);
        assert_eq!(c.curvature, Curvature::Zero);
        assert_eq!(
            c.counts,
            Counts {
                negative: 0,
                zero: 3,
                positive: 0
            }
        );
        assert_eq!((c.index, c.min_ratio), (0.0, 0.0));
        assert_eq!(c.condition_number, None);
        assert!(c.escape.is_none());
        assert!(c.explanation().contains("the Hessian is zero"));
    }

    #[test]
    fn zero_eigenvalue_tolerance_is_relative() {
        // Threshold 1e-9·100 = 1e-7: 1e-8 is flat next to 100 …
        let c = at_critical(&[1e-8, 100.0]);
        assert_eq!(
            c.counts,
            Counts {
                negative: 0,
                zero: 1,
                positive: 1
            }
        );
        assert_eq!(c.verdict, Verdict::Degenerate);
        // … but not next to 1e-3 (threshold 1e-12): the scale is the Hessian's own.
        let c = at_critical(&[1e-8, 1e-3]);
        assert_eq!(c.verdict, Verdict::LocalMinimum);
        assert!((c.condition_number.unwrap() - 1e5).abs() < 1e-6);
        // Negative eigenvalues are measured by magnitude too.
        let c = at_critical(&[-100.0, -1e-8]);
        assert_eq!(c.curvature, Curvature::NegativeSemidefinite);
    }

    #[test]
    fn not_critical_reports_curvature_and_escape() {
        let s = spectrum(&[-1.0, 2.0]);
        let c = classify(&dvector![0.3, 0.0], &s, &Tolerances::default()).unwrap();
        assert_eq!(c.verdict, Verdict::NotCritical);
        assert_eq!(c.curvature, Curvature::Indefinite);
        assert_eq!(c.grad_norm, 0.3);
        assert_eq!(c.escape.as_ref().unwrap().lambda, -1.0);
        assert_eq!(
            c.explanation(),
            "not a critical point: ‖∇f‖ = 0.3 > 1e-4, so the gradient still points downhill; \
             the Hessian here is indefinite (1 negative, 0 zero and 1 positive eigenvalues) \
             with negative curvature down to λmin = -1."
        );
    }

    #[test]
    fn gradient_tolerance_boundary_is_inclusive() {
        let s = spectrum(&[1.0, 2.0]);
        let tol = Tolerances::default().with_grad(0.5).unwrap();
        let at = classify(&dvector![0.3, 0.4], &s, &tol).unwrap();
        assert_eq!(at.grad_norm, 0.5);
        assert_eq!(at.verdict, Verdict::LocalMinimum);
        let tol = tol.with_grad(0.49).unwrap();
        let c = classify(&dvector![0.3, 0.4], &s, &tol).unwrap();
        assert_eq!(c.verdict, Verdict::NotCritical);
        assert_eq!(c.tolerances.grad(), 0.49);
    }

    #[test]
    fn escape_is_found_by_scanning_unsorted_input() {
        let mut s = spectrum(&[3.0, -0.5, -2.0, 1.0]);
        // Non-unit columns are normalised.
        s.eigenvectors = DMatrix::from_diagonal(&dvector![1.0, 1.0, -4.0, 1.0]);
        let c = classify(&DVector::zeros(4), &s, &Tolerances::default()).unwrap();
        assert_eq!((c.lambda_min, c.lambda_max), (-2.0, 3.0));
        let e = c.escape.unwrap();
        assert_eq!(e.lambda, -2.0);
        assert_eq!(e.direction, dvector![0.0, 0.0, -1.0, 0.0]);
        assert_eq!(
            c.counts,
            Counts {
                negative: 2,
                zero: 0,
                positive: 2
            }
        );
    }

    #[test]
    fn escape_from_symmetric_eigen_descends() {
        // f(x) = ½ xᵀ H x with an indefinite H: f(α u) = ½ λmin α² exactly.
        let h = nalgebra::dmatrix![1.0, 2.0, 0.0; 2.0, 1.0, 0.5; 0.0, 0.5, -1.0];
        let s = crate::symmetric_eigen(&h).unwrap();
        let c = classify(&DVector::zeros(3), &s, &Tolerances::default()).unwrap();
        assert_eq!(c.verdict, Verdict::SaddlePoint);
        let e = c.escape.unwrap();
        assert!((e.direction.norm() - 1.0).abs() < 1e-14);
        let alpha = 0.3;
        let x = &e.direction * alpha;
        let f = 0.5 * x.dot(&(&h * &x));
        assert!((f - e.predicted_change(alpha)).abs() < 1e-14);
        assert!(f < 0.0);
    }

    #[test]
    fn tolerance_validation() {
        let t = Tolerances::default();
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            match t.with_grad(bad).unwrap_err() {
                Error::InvalidSetting { name, message } => {
                    assert_eq!(name, "grad_tol");
                    assert!(message.contains("finite number ≥ 0"), "{message}");
                    assert!(message.ends_with(&format!("got {bad}")), "{message}");
                }
                other => panic!("wrong error {other:?}"),
            }
        }
        for bad in [-1e-9, 1.0, 2.0, f64::NAN] {
            match t.with_eig(bad).unwrap_err() {
                Error::InvalidSetting { name, message } => {
                    assert_eq!(name, "eig_tol");
                    assert!(message.contains("[0, 1)"), "{message}");
                }
                other => panic!("wrong error {other:?}"),
            }
        }
        assert_eq!(t.with_grad(0.0).unwrap().grad(), 0.0);
        assert_eq!(t.with_eig(0.999).unwrap().eig(), 0.999);
        // A failed setter leaves nothing half-set: the original is unchanged.
        assert_eq!(t, Tolerances::default());
    }

    #[test]
    fn exact_zero_tolerance_still_counts_exact_zeros() {
        let tol = Tolerances::default().with_eig(0.0).unwrap();
        let s = spectrum(&[0.0, 1e-300, 1.0]);
        let c = classify(&DVector::zeros(3), &s, &tol).unwrap();
        assert_eq!(
            c.counts,
            Counts {
                negative: 0,
                zero: 1,
                positive: 2
            }
        );
        assert_eq!(c.verdict, Verdict::Degenerate);
    }

    #[test]
    fn dimension_mismatch() {
        let s = spectrum(&[1.0, 2.0]);
        let err = classify(&dvector![0.0, 0.0, 0.0], &s, &Tolerances::default()).unwrap_err();
        match err {
            Error::DimensionMismatch {
                expected, found, ..
            } => {
                assert_eq!(expected, "2 entries (one per eigenvalue)");
                assert_eq!(found, "3 entries");
            }
            other => panic!("wrong error {other:?}"),
        }
        let mut s = spectrum(&[1.0, 2.0]);
        s.eigenvectors = DMatrix::zeros(2, 1);
        assert!(matches!(
            classify(&dvector![0.0, 0.0], &s, &Tolerances::default()),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn non_finite_and_empty_inputs() {
        let tol = Tolerances::default();
        let s = spectrum(&[1.0, 2.0]);
        assert!(matches!(
            classify(&dvector![0.0, f64::NAN], &s, &tol),
            Err(Error::NonFinite { .. })
        ));
        let s = spectrum(&[f64::NAN, 2.0]);
        assert!(matches!(
            classify(&dvector![0.0, 0.0], &s, &tol),
            Err(Error::NonFinite { .. })
        ));
        let mut s = spectrum(&[-1.0, 2.0]);
        s.eigenvectors[(1, 0)] = f64::INFINITY;
        assert!(matches!(
            classify(&dvector![0.0, 0.0], &s, &tol),
            Err(Error::NonFinite { .. })
        ));
        let s = spectrum(&[]);
        assert!(matches!(
            classify(&DVector::zeros(0), &s, &tol),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn serialises_as_documented() {
        let c = at_critical(&[-2.0, 0.0, 4.0]);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["verdict"], "saddle_point");
        assert_eq!(json["curvature"], "indefinite");
        assert_eq!(
            json["counts"],
            serde_json::json!({"negative": 1, "zero": 1, "positive": 1})
        );
        assert_eq!(
            json["escape"]["direction"],
            serde_json::json!([1.0, 0.0, 0.0])
        );
        assert_eq!(json["escape"]["lambda"], -2.0);
        assert_eq!(json["condition_number"], 2.0);
        assert_eq!(
            json["tolerances"],
            serde_json::json!({"grad": 1e-4, "eig": 1e-9})
        );
        let flat = serde_json::to_value(at_critical(&[0.0])).unwrap();
        assert!(flat["condition_number"].is_null());
        assert!(flat["escape"].is_null());
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.3), "0.3");
        assert_eq!(short(3.1e-12), "3.1e-12");
        assert_eq!(short(1e-4), "1e-4");
        assert_eq!(short(12.5), "12.5");
        assert_eq!(short(1234.0), "1234");
        assert_eq!(short(-1.0), "-1");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(2.0 / 3.0), "0.667");
        assert_eq!(short(123456.0), "1.23e5");
    }
}
