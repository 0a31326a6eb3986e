//! The second-order test from the ends of the spectrum alone, for Hessians
//! too large to be dense: λmin and λmax by Lanczos
//! ([`lanczos`](crate::lanczos)) decide every verdict but say nothing of the
//! counts in between.
//!
//! Ritz values lie inside the spectrum: Lanczos' θmin ≥ λmin and
//! θmax ≤ λmax. So negative curvature found (θmin < 0) is certain, as is
//! positive curvature at the top; a minimum is claimed when θmin is
//! positive beyond the tolerance and converged, its residual bounding how
//! far λmin can lie below it.

use std::time::Instant;

use nalgebra::DVector;
use serde::Serialize;
use serde_json::Value;

use super::analysis::{EscapeCheck, check_escape};
use crate::{
    AnalysisSettings, Curvature, Error, Escape, ExtremeEigenpairs, HessianOperator,
    LanczosSettings, Result, Tolerances, TwiceDifferentiable, Verdict, Which, lanczos,
};

/// The verdict from the gradient norm and the two ends of the spectrum.
///
/// # Examples
///
/// ```
/// use saddlescope::{classify_extremes, Curvature, Tolerances, Verdict};
/// let c = classify_extremes(0.0, -0.5, 4.0, &Tolerances::default());
/// assert_eq!(c.verdict, Verdict::SaddlePoint);
/// assert_eq!(c.curvature, Curvature::Indefinite);
/// assert_eq!(classify_extremes(0.0, 1.0, 4.0, &Tolerances::default()).condition_number, Some(4.0));
/// assert_eq!(classify_extremes(0.1, 1.0, 4.0, &Tolerances::default()).verdict, Verdict::NotCritical);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtremalClassification {
    /// What kind of point this is.
    pub verdict: Verdict,
    /// The shape of the Hessian as far as its ends tell.
    pub curvature: Curvature,
    /// ‖∇f‖₂.
    pub grad_norm: f64,
    /// The smallest eigenvalue.
    pub lambda_min: f64,
    /// The largest eigenvalue.
    pub lambda_max: f64,
    /// λmax/λmin when the Hessian is definite (then the ends are the
    /// extreme magnitudes), else `None`: the smallest |λ| is inside the
    /// spectrum, which Lanczos at the ends does not see.
    pub condition_number: Option<f64>,
    /// The tolerances used.
    pub tolerances: Tolerances,
}

/// Classifies from ‖∇f‖ and the ends λmin ≤ λmax: not critical when
/// ‖∇f‖ > `tol.grad()`; else a saddle when λmin < −t < t < λmax, with
/// t = `tol.eig()`·max|λ|; a minimum when λmin > t; a maximum when
/// λmax < −t; degenerate when an end counts as zero and the other does not
/// have the opposite sign.
pub fn classify_extremes(
    grad_norm: f64,
    lambda_min: f64,
    lambda_max: f64,
    tol: &Tolerances,
) -> ExtremalClassification {
    let t = tol.eig() * lambda_min.abs().max(lambda_max.abs());
    let (neg, pos) = (lambda_min < -t, lambda_max > t);
    let curvature = match (neg, pos) {
        (true, true) => Curvature::Indefinite,
        (false, true) if lambda_min > t => Curvature::PositiveDefinite,
        (false, true) => Curvature::PositiveSemidefinite,
        (true, false) if lambda_max < -t => Curvature::NegativeDefinite,
        (true, false) => Curvature::NegativeSemidefinite,
        (false, false) => Curvature::Zero,
    };
    let verdict = if grad_norm > tol.grad() {
        Verdict::NotCritical
    } else {
        match curvature {
            Curvature::Indefinite => Verdict::SaddlePoint,
            Curvature::PositiveDefinite => Verdict::LocalMinimum,
            Curvature::NegativeDefinite => Verdict::LocalMaximum,
            _ => Verdict::Degenerate,
        }
    };
    let condition_number = match curvature {
        Curvature::PositiveDefinite => Some(lambda_max / lambda_min),
        Curvature::NegativeDefinite => Some(lambda_min / lambda_max),
        _ => None,
    };
    ExtremalClassification {
        verdict,
        curvature,
        grad_norm,
        lambda_min,
        lambda_max,
        condition_number,
        tolerances: *tol,
    }
}

/// Wall-clock seconds of a [`MatrixFreeAnalysis`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatrixFreeTimings {
    /// The value and gradient.
    pub gradient_s: f64,
    /// Lanczos, both ends.
    pub lanczos_s: f64,
    /// Mean seconds per Hessian-vector product.
    pub hvp_mean_s: f64,
    /// Everything, including the escape check.
    pub total_s: f64,
}

/// Everything [`analyze_matrix_free`] found at a point.
#[derive(Debug, Clone)]
pub struct MatrixFreeAnalysis {
    /// The point analysed.
    pub point: Vec<f64>,
    /// f(x).
    pub value: f64,
    /// ∇f(x).
    pub gradient: DVector<f64>,
    /// The ends of the spectrum, with residuals and the HVP count.
    pub extremes: ExtremeEigenpairs,
    /// The verdict from the ends.
    pub classification: ExtremalClassification,
    /// The way down along λmin's Ritz vector, where λmin counts as negative.
    pub escape: Option<Escape>,
    /// That step checked against Taylor.
    pub escape_check: Option<EscapeCheck>,
    /// Seconds per stage.
    pub timings: MatrixFreeTimings,
}

/// The second-order analysis without a dense Hessian: gradient, both ends
/// of the spectrum by Lanczos over Hessian-vector products
/// ([`lanczos`] with `lanczos_settings`, both ends whatever its `which`),
/// the verdict from them ([`classify_extremes`]), and the escape step along
/// λmin's Ritz vector checked against ½·λmin·α².
///
/// # Errors
///
/// Those of the gradient and the HVPs; [`Error::NoConvergence`] when
/// Lanczos did not reach its tolerance at an end within its budget (a
/// verdict from unconverged ends would be a guess).
///
/// # Examples
///
/// ```
/// use saddlescope::{analyze_matrix_free, AnalysisSettings, Expression, LanczosSettings, Verdict};
/// let f = Expression::parse("x^4/4 - x^2/2 + y^2/2 + 3*z^2").unwrap();
/// let a = analyze_matrix_free(&f, &[0.0, 0.0, 0.0], &AnalysisSettings::default(), &LanczosSettings::default()).unwrap();
/// assert_eq!(a.classification.verdict, Verdict::SaddlePoint);
/// assert!((a.classification.lambda_min + 1.0).abs() < 1e-9);
/// assert!((a.classification.lambda_max - 6.0).abs() < 1e-9);
/// assert!(a.escape_check.unwrap().lowers_f);
/// ```
pub fn analyze_matrix_free<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    x: &[f64],
    settings: &AnalysisSettings,
    lanczos_settings: &LanczosSettings,
) -> Result<MatrixFreeAnalysis> {
    let start = Instant::now();
    let (f0, g) = f.gradient(x)?;
    let gradient_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let op = HessianOperator::new(f, x)?;
    let extremes = lanczos(&op, &lanczos_settings.clone().with_which(Which::Both))?;
    let lanczos_s = t.elapsed().as_secs_f64();
    if !extremes.converged {
        let worst = extremes
            .smallest
            .iter()
            .chain(&extremes.largest)
            .map(|p| p.residual)
            .fold(0.0, f64::max);
        return Err(Error::NoConvergence {
            what: "Lanczos for the ends of the Hessian's spectrum".into(),
            detail: format!(
                "tolerance {:e} not reached within {} Hessian-vector products (largest \
                 residual ‖Hv − λv‖ = {worst:e}); raise the budget or the tolerance",
                lanczos_settings.tol(),
                extremes.hvp_count
            ),
        });
    }
    let (low, high) = (
        &extremes.smallest[0],
        &extremes.largest[extremes.largest.len() - 1],
    );
    let classification = classify_extremes(g.norm(), low.value, high.value, settings.tolerances());
    let negative = classification.lambda_min
        < -settings.tolerances().eig()
            * classification
                .lambda_min
                .abs()
                .max(classification.lambda_max.abs());
    let escape = negative.then(|| Escape {
        lambda: low.value,
        direction: low.vector.clone(),
    });
    let escape_check = match &escape {
        None => None,
        Some(e) => Some(check_escape(
            f,
            x,
            (f0, &g),
            e.lambda,
            &e.direction,
            settings.step_length(),
        )?),
    };
    Ok(MatrixFreeAnalysis {
        point: x.to_vec(),
        value: f0,
        gradient: g,
        timings: MatrixFreeTimings {
            gradient_s,
            lanczos_s,
            hvp_mean_s: op.hvp_mean_seconds(),
            total_s: start.elapsed().as_secs_f64(),
        },
        extremes,
        classification,
        escape,
        escape_check,
    })
}

impl ExtremalClassification {
    /// One or two plain sentences: the verdict, why, and that it came from
    /// the ends of the spectrum by Lanczos.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{classify_extremes, Tolerances};
    /// let c = classify_extremes(0.0, -0.5, 4.0, &Tolerances::default());
    /// assert!(c.explanation().starts_with("saddle point"));
    /// assert!(c.explanation().contains("Lanczos"));
    /// ```
    pub fn explanation(&self) -> String {
        let g = short(self.grad_norm);
        let gtol = short(self.tolerances.grad());
        let ends = format!(
            "λmin = {} and λmax = {} (the ends of the spectrum, by Lanczos; the eigenvalues \
             in between were not computed)",
            short(self.lambda_min),
            short(self.lambda_max)
        );
        match self.verdict {
            Verdict::SaddlePoint => format!(
                "saddle point: ‖∇f‖ = {g} ≤ {gtol} and the Hessian has {ends}; a step α along \
                 λmin's eigenvector lowers f by about ½|λmin|α² = {}·α².",
                short(0.5 * self.lambda_min.abs())
            ),
            Verdict::LocalMinimum => format!(
                "local minimum: ‖∇f‖ = {g} ≤ {gtol} and the smallest eigenvalue is positive: \
                 {ends}."
            ),
            Verdict::LocalMaximum => format!(
                "local maximum: ‖∇f‖ = {g} ≤ {gtol} and the largest eigenvalue is negative: \
                 {ends}."
            ),
            Verdict::Degenerate => format!(
                "degenerate: ‖∇f‖ = {g} ≤ {gtol} but the Hessian is {} with {ends}; an end \
                 counts as zero (|λ| ≤ {}·max|λ|), so the second-order test is inconclusive.",
                self.curvature.words(),
                short(self.tolerances.eig())
            ),
            Verdict::NotCritical => format!(
                "not a critical point: ‖∇f‖ = {g} > {gtol}, so the gradient still points \
                 downhill; the Hessian here is {} with {ends}.",
                self.curvature.words()
            ),
        }
    }
}

fn short(x: f64) -> String {
    super::classify::short(x)
}

impl MatrixFreeAnalysis {
    /// The JSON report, shaped like [`Analysis::to_json`](crate::Analysis::to_json)
    /// where the fields exist: `verdict`, `method` ("lanczos"), `n_params`,
    /// `loss`, `gradient`, `grad_norm`, `eigenvalues` (null: not computed),
    /// `eigenvalues_smallest`, `eigenvalues_largest` (ascending),
    /// `residuals` {`smallest`, `largest`}, `converged`, `hvp_count`,
    /// `counts`, `index`, `min_ratio` (null: they need the whole spectrum),
    /// `lambda_min`, `lambda_max`, `condition_number` (when definite),
    /// `escape_direction`, `tolerances`, `timings` {`gradient_s`,
    /// `lanczos_s`, `hvp_mean_s`, `total_s`}, `curvature`, `explanation`,
    /// `escape`, `point`.
    pub fn to_json(&self) -> Value {
        let c = &self.classification;
        let values = |v: &[crate::Eigenpair]| v.iter().map(|p| p.value).collect::<Vec<_>>();
        let residuals = |v: &[crate::Eigenpair]| v.iter().map(|p| p.residual).collect::<Vec<_>>();
        serde_json::json!({
            "verdict": c.verdict,
            "method": "lanczos",
            "n_params": self.point.len(),
            "loss": self.value,
            "gradient": self.gradient.as_slice(),
            "grad_norm": c.grad_norm,
            "eigenvalues": null,
            "eigenvalues_smallest": values(&self.extremes.smallest),
            "eigenvalues_largest": values(&self.extremes.largest),
            "residuals": {
                "smallest": residuals(&self.extremes.smallest),
                "largest": residuals(&self.extremes.largest),
            },
            "converged": self.extremes.converged,
            "hvp_count": self.extremes.hvp_count,
            "counts": null,
            "index": null,
            "min_ratio": null,
            "lambda_min": c.lambda_min,
            "lambda_max": c.lambda_max,
            "condition_number": c.condition_number,
            "escape_direction": self.escape.as_ref().map(|e| e.direction.as_slice()),
            "tolerances": {"grad": c.tolerances.grad(), "eig": c.tolerances.eig()},
            "timings": self.timings,
            "curvature": c.curvature,
            "explanation": c.explanation(),
            "escape": self.escape_check,
            "point": self.point,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_from_the_ends() {
        let tol = Tolerances::default();
        let v = |lo: f64, hi: f64| classify_extremes(0.0, lo, hi, &tol);
        assert_eq!(v(-1.0, 1.0).verdict, Verdict::SaddlePoint);
        assert_eq!(v(0.5, 1.0).verdict, Verdict::LocalMinimum);
        assert_eq!(v(-2.0, -1.0).verdict, Verdict::LocalMaximum);
        assert_eq!(v(0.0, 1.0).curvature, Curvature::PositiveSemidefinite);
        assert_eq!(v(-1.0, 1e-12).curvature, Curvature::NegativeSemidefinite);
        assert_eq!(v(0.0, 0.0).curvature, Curvature::Zero);
        for (lo, hi) in [(0.0, 1.0), (-1.0, 0.0), (0.0, 0.0)] {
            assert_eq!(v(lo, hi).verdict, Verdict::Degenerate);
        }
        assert_eq!(v(-2.0, -1.0).condition_number, Some(2.0));
        assert_eq!(v(-1.0, 1.0).condition_number, None);
    }
}
