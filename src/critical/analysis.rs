//! The whole second-order analysis of one point: gradient, Hessian,
//! spectrum, verdict, and a check of the escape step against the Taylor
//! prediction — with timings, and the JSON report that the CLI prints.

use std::time::Instant;

use nalgebra::DVector;
use serde::Serialize;
use serde_json::Value;

use crate::{
    Classification, Result, Spectrum, Tolerances, TwiceDifferentiable, classify, symmetric_eigen,
};

/// Settings of [`analyze`] beyond the tolerances.
///
/// # Examples
///
/// ```
/// use saddlescope::AnalysisSettings;
/// let s = AnalysisSettings::default().with_step_length(0.5).unwrap();
/// assert_eq!(s.step_length(), 0.5);
/// assert!(AnalysisSettings::default().with_step_length(-1.0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisSettings {
    tolerances: Tolerances,
    step_length: f64,
}

impl Default for AnalysisSettings {
    /// Default tolerances and an escape step of length 0.1.
    fn default() -> Self {
        AnalysisSettings {
            tolerances: Tolerances::default(),
            step_length: 0.1,
        }
    }
}

impl AnalysisSettings {
    /// Sets the tolerances of the verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{AnalysisSettings, Tolerances};
    /// let t = Tolerances::default().with_grad(1e-8).unwrap();
    /// assert_eq!(AnalysisSettings::default().with_tolerances(t).tolerances().grad(), 1e-8);
    /// ```
    pub fn with_tolerances(mut self, tolerances: Tolerances) -> Self {
        self.tolerances = tolerances;
        self
    }

    /// Sets the length α of the trial step along the escape direction, whose
    /// actual change of f is compared with the prediction ½·λmin·α².
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`](crate::Error::InvalidSetting) unless α is
    /// finite and positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::AnalysisSettings;
    /// let err = AnalysisSettings::default().with_step_length(0.0).unwrap_err();
    /// assert!(err.to_string().contains("got 0"));
    /// ```
    pub fn with_step_length(mut self, alpha: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(crate::Error::InvalidSetting {
                name: "step_length".into(),
                message: format!("the escape step length must be finite and > 0, got {alpha}"),
            });
        }
        self.step_length = alpha;
        Ok(self)
    }

    /// The tolerances of the verdict.
    pub fn tolerances(&self) -> &Tolerances {
        &self.tolerances
    }

    /// The length of the trial escape step.
    pub fn step_length(&self) -> f64 {
        self.step_length
    }
}

/// Wall-clock seconds of each stage of an [`Analysis`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timings {
    /// One reverse sweep for the value and gradient.
    pub gradient_s: f64,
    /// The full Hessian.
    pub hessian_s: f64,
    /// The dense symmetric eigendecomposition.
    pub eigen_s: f64,
    /// Everything, including the escape check.
    pub total_s: f64,
}

/// The trial step along the escape direction u: f(x ± αu) − f(x) against
/// the Taylor prediction s·α·∇fᵀu + ½·λmin·α² (the first term vanishes at
/// a critical point).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeCheck {
    /// λmin, the curvature along u.
    pub lambda: f64,
    /// The step length α.
    pub step_length: f64,
    /// s·α·∇fᵀu + ½·λmin·α² for the sign s taken (exact for a quadratic).
    pub predicted_change: f64,
    /// The lower of f(x + αu) − f(x) and f(x − αu) − f(x).
    pub actual_change: f64,
    /// +1 or −1: which of ±u gave `actual_change`.
    pub sign: f64,
    /// s·u, the direction of the step taken.
    pub direction: Vec<f64>,
    /// Whether the step lowered f. When it did not, the negative curvature
    /// is too weak for this α next to the gradient and higher-order terms.
    pub lowers_f: bool,
}

/// Everything [`analyze`] found at a point.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The point analysed.
    pub point: Vec<f64>,
    /// f(x).
    pub value: f64,
    /// ∇f(x).
    pub gradient: DVector<f64>,
    /// ‖H − Hᵀ‖_F/‖H‖_F as computed, before symmetrising.
    pub hessian_asymmetry: f64,
    /// Eigenvalues (ascending) and unit eigenvectors of the Hessian.
    pub spectrum: Spectrum,
    /// The verdict and its statistics.
    pub classification: Classification,
    /// The escape step checked against Taylor, where there is negative
    /// curvature.
    pub escape_check: Option<EscapeCheck>,
    /// Seconds per stage.
    pub timings: Timings,
}

/// Analyses `f` at `x`: gradient (one reverse sweep), Hessian
/// (forward-over-reverse), dense spectrum, verdict, and — where there is
/// negative curvature — the actual change of f along the escape direction
/// against the prediction ½·λmin·α².
///
/// # Errors
///
/// Those of the gradient, the Hessian, [`symmetric_eigen`] and
/// [`classify`]: a point of the wrong dimension, NaN or infinity in the
/// value or a derivative, an eigendecomposition that fails to converge.
///
/// # Examples
///
/// ```
/// use saddlescope::{analyze, builtin, AnalysisSettings, Verdict};
///
/// let f = builtin("double_well", 2).unwrap();
/// let a = analyze(&f, &[0.0, 0.0], &AnalysisSettings::default()).unwrap();
/// assert_eq!(a.classification.verdict, Verdict::SaddlePoint);
/// let check = a.escape_check.unwrap();
/// // f(±0.1, 0) = 0.1⁴/4 − 0.1²/2 against ½·(−1)·0.1²:
/// assert!((check.actual_change - (0.000025 - 0.005)).abs() < 1e-15);
/// assert!((check.predicted_change + 0.005).abs() < 1e-15);
/// ```
pub fn analyze<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    x: &[f64],
    settings: &AnalysisSettings,
) -> Result<Analysis> {
    analyze_with_progress(f, x, settings, &|_, _| {})
}

/// [`analyze`], reporting the Hessian's progress as (done, total).
///
/// # Errors
///
/// As [`analyze`].
///
/// # Examples
///
/// ```
/// use saddlescope::{analyze_with_progress, builtin, AnalysisSettings};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let calls = AtomicUsize::new(0);
/// let f = builtin("saddle", 2).unwrap();
/// analyze_with_progress(&f, &[0.0, 0.0], &AnalysisSettings::default(), &|_, _| {
///     calls.fetch_add(1, Ordering::Relaxed);
/// })
/// .unwrap();
/// assert!(calls.load(Ordering::Relaxed) >= 1);
/// ```
pub fn analyze_with_progress<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    x: &[f64],
    settings: &AnalysisSettings,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Analysis> {
    let start = Instant::now();
    let (f0, g) = f.gradient(x)?;
    let gradient_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let h = f.hessian_with_progress(x, progress)?;
    let hessian_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let spectrum = symmetric_eigen(&h.matrix)?;
    let eigen_s = t.elapsed().as_secs_f64();

    let classification = classify(&g, &spectrum, settings.tolerances())?;
    let escape_check = match &classification.escape {
        None => None,
        Some(escape) => Some(check_escape(
            f,
            x,
            (f0, &g),
            escape.lambda,
            &escape.direction,
            settings.step_length(),
        )?),
    };
    Ok(Analysis {
        point: x.to_vec(),
        value: f0,
        gradient: g,
        hessian_asymmetry: h.asymmetry,
        spectrum,
        classification,
        escape_check,
        timings: Timings {
            gradient_s,
            hessian_s,
            eigen_s,
            total_s: start.elapsed().as_secs_f64(),
        },
    })
}

pub(super) fn check_escape<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    x: &[f64],
    (f0, g): (f64, &DVector<f64>),
    lambda: f64,
    u: &DVector<f64>,
    alpha: f64,
) -> Result<EscapeCheck> {
    let step = |sign: f64| -> Result<f64> {
        let moved: Vec<f64> = x
            .iter()
            .zip(u.iter())
            .map(|(a, b)| a + sign * alpha * b)
            .collect();
        Ok(f.value(&moved)? - f0)
    };
    let (plus, minus) = (step(1.0)?, step(-1.0)?);
    let (actual_change, sign) = if minus < plus {
        (minus, -1.0)
    } else {
        (plus, 1.0)
    };
    Ok(EscapeCheck {
        lambda,
        step_length: alpha,
        predicted_change: sign * alpha * g.dot(u) + 0.5 * lambda * alpha * alpha,
        actual_change,
        sign,
        direction: u.iter().map(|v| sign * v).collect(),
        lowers_f: actual_change < 0.0,
    })
}

impl Analysis {
    /// The JSON report: a contract that scripts rely on. Fields: `verdict`,
    /// `n_params`, `loss` (the objective's value), `gradient`, `grad_norm`,
    /// `eigenvalues` (ascending), `counts` {`negative`, `zero`,
    /// `positive`}, `index`, `min_ratio`, `lambda_min`, `lambda_max`,
    /// `condition_number` (null when every eigenvalue counts as zero),
    /// `escape_direction` (for negative curvature, else null), `tolerances`
    /// {`grad`, `eig`}, `timings` {`gradient_s`, `hessian_s`, `eigen_s`,
    /// `total_s`}; and further `curvature`, `explanation`,
    /// `hessian_asymmetry`, `escape` (the checked step, or null) and `point`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{analyze, builtin, AnalysisSettings};
    /// let f = builtin("saddle", 2).unwrap();
    /// let a = analyze(&f, &[0.0, 0.0], &AnalysisSettings::default()).unwrap();
    /// let json = a.to_json();
    /// assert_eq!(json["verdict"], "saddle_point");
    /// assert_eq!(json["eigenvalues"], serde_json::json!([-2.0, 2.0]));
    /// assert_eq!(json["counts"]["negative"], 1);
    /// ```
    pub fn to_json(&self) -> Value {
        let c = &self.classification;
        serde_json::json!({
            "verdict": c.verdict,
            "n_params": self.point.len(),
            "loss": self.value,
            "gradient": self.gradient.as_slice(),
            "grad_norm": c.grad_norm,
            "eigenvalues": self.spectrum.eigenvalues.as_slice(),
            "counts": c.counts,
            "index": c.index,
            "min_ratio": c.min_ratio,
            "lambda_min": c.lambda_min,
            "lambda_max": c.lambda_max,
            "condition_number": c.condition_number,
            "escape_direction": c.escape.as_ref().map(|e| e.direction.as_slice()),
            "tolerances": {"grad": c.tolerances.grad(), "eig": c.tolerances.eig()},
            "timings": self.timings,
            "curvature": c.curvature,
            "explanation": c.explanation(),
            "hessian_asymmetry": self.hessian_asymmetry,
            "escape": self.escape_check,
            "point": self.point,
        })
    }
}
