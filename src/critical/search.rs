//! Finding critical points — of any kind, not only minima — and
//! enumerating those of a low-dimensional function in a box.
//!
//! Three finders drive ‖∇f‖ to zero, all through Hessian-vector products
//! (no n×n matrix is formed until the end point is classified):
//!
//! - **Newton-MR** ([`newton_mr`]; Roosta, Liu, Wright & Xu 2022,
//!   "Newton-MR: inexact Newton method with minimum residual sub-problem
//!   solver", EURO J. Comput. Optim. 10): each step solves H·p = −g by
//!   [`minres`] — the minimum-norm least-squares solution when H is
//!   singular — and backtracks from α = 1 by β until
//!   ‖g(x + αp)‖² ≤ ‖g‖² + 2ρα⟨Hp, g⟩. Since ⟨Hp, g⟩ = −‖Hp‖² ≤ 0 for
//!   MINRES' iterates, the step descends on ‖g‖² whatever the signs of H's
//!   eigenvalues, so Newton-MR is attracted to saddles and maxima as much
//!   as to minima.
//! - **Gradient-norm minimisation** ([`gradnorm`]): argmin's L-BFGS
//!   ([`solve`]) on the merit ½‖∇f‖², whose gradient H·∇f is one HVP.
//!   The critical points of f are the merit's global minima (value 0); its
//!   other stationary points, H·g = 0 with g ≠ 0, are the gradient-flat
//!   points of Frye, Simon, Wadia, Ligeralde, DeWeese & Bouchard (2021,
//!   "Critical point-finding methods reveal gradient-flat regions of deep
//!   network losses", Neural Computation 33(6)).
//! - **Damped Newton** ([`damped_newton`]): H·p = −g in the
//!   Levenberg–Marquardt sense (Levenberg 1944, Marquardt 1963) for the
//!   system ∇f = 0, min ‖g + Hp‖² + λ‖p‖², i.e. (H² + λI)p = −Hg by
//!   MINRES, with backtracking on ‖g‖² and λ raised tenfold when a step
//!   fails, lowered tenfold after a full step. Damping H² rather than H
//!   keeps the system positive definite and the step a descent direction
//!   for ‖g‖² (⟨Hp, g⟩ = −Σ λᵢ²/(λᵢ² + λ)·(uᵢᵀg)²) at saddles too, where
//!   H + λI would be singular for λ = −λmin and could point uphill.
//!
//! Each returns a [`FinderOutcome`]: the end point, its verdict (the dense
//! [`analyze`] up to [`FinderSettings::dense_budget`] variables, else
//! [`analyze_matrix_free`]), the **gradient-flatness ratio**
//! ‖Hg‖/(‖H‖·‖g‖) of Frye et al. (near 0: the gradient lies in H's
//! near-null space, where no Newton-type step can shrink it — see
//! [`gradient_flatness`]), the stop reason and the per-iteration history.
//!
//! [`enumerate_critical_points`] runs a finder from a grid or from seeded
//! uniform random starts in a box, in parallel, and returns the distinct
//! converged points, classified and sorted. The output does not depend on
//! the number of threads: each start runs sequentially, results are
//! gathered in start order, and deduplication walks them in that order.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::str::FromStr;

use nalgebra::DVector;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::minres::{MinresSettings, MinresStop, minres};
use crate::data::Rng;
use crate::{
    Analysis, AnalysisSettings, Error, Hessian, HessianOperator, Hvp, LanczosSettings,
    LinearOperator, MatrixFreeAnalysis, Result, SolverSpec, StopCriteria, StopReason,
    TwiceDifferentiable, Verdict, Which, analyze, analyze_matrix_free, lanczos, solve,
};

// ---------------------------------------------------------------- method

/// Which critical-point finder to run: `newton-mr`, `gradnorm` or `newton`
/// ([`newton_mr`], [`gradnorm`] and [`damped_newton`] describe each).
///
/// Named `FinderMethod` because the crate root already exports the
/// optimizers' [`Method`](crate::Method).
///
/// # Examples
///
/// ```
/// use saddlescope::FinderMethod;
/// assert_eq!("newton-mr".parse::<FinderMethod>().unwrap(), FinderMethod::NewtonMr);
/// assert_eq!(FinderMethod::GradNorm.to_string(), "gradnorm");
/// let err = "newtonmr".parse::<FinderMethod>().unwrap_err().to_string();
/// assert!(err.contains("newton-mr, gradnorm, newton"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FinderMethod {
    /// Newton-MR: MINRES steps, line search on ‖g‖².
    #[serde(rename = "newton-mr")]
    NewtonMr,
    /// L-BFGS on ½‖∇f‖².
    #[serde(rename = "gradnorm")]
    GradNorm,
    /// Levenberg–Marquardt-damped Newton on ∇f = 0.
    #[serde(rename = "newton")]
    Newton,
}

impl FinderMethod {
    /// Every method, in the order above.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderMethod;
    /// assert_eq!(FinderMethod::ALL.map(FinderMethod::as_str), ["newton-mr", "gradnorm", "newton"]);
    /// ```
    pub const ALL: [FinderMethod; 3] = [
        FinderMethod::NewtonMr,
        FinderMethod::GradNorm,
        FinderMethod::Newton,
    ];

    /// The name that [`FromStr`] accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderMethod::Newton.as_str(), "newton");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FinderMethod::NewtonMr => "newton-mr",
            FinderMethod::GradNorm => "gradnorm",
            FinderMethod::Newton => "newton",
        }
    }
}

impl fmt::Display for FinderMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FinderMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        FinderMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| Error::Unknown {
                kind: "critical-point finder".into(),
                name: s.into(),
                known: FinderMethod::ALL.map(FinderMethod::as_str).join(", "),
            })
    }
}

// -------------------------------------------------------------- settings

/// Settings of the finders. `Default`: `grad_tol` 1e-10, `max_iters` 200,
/// MINRES relative tolerance 1e-6 (tightened to ‖g‖ near the end, see
/// [`with_minres_tol`](Self::with_minres_tol)) and its default cap, ρ =
/// 1e-4, β = 0.5, 50 backtracks, initial damping 1e-4, dense budget 3000
/// variables, default [`AnalysisSettings`] and [`LanczosSettings`] for the
/// end point.
///
/// # Examples
///
/// ```
/// use saddlescope::FinderSettings;
/// let s = FinderSettings::default().with_grad_tol(1e-8).unwrap().with_max_iters(50);
/// assert_eq!((s.grad_tol(), s.max_iters()), (1e-8, 50));
/// let err = FinderSettings::default().with_beta(1.5).unwrap_err();
/// assert!(err.to_string().starts_with("invalid beta"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinderSettings {
    grad_tol: f64,
    max_iters: usize,
    minres: MinresSettings,
    rho: f64,
    beta: f64,
    max_backtracks: usize,
    damping: f64,
    dense_budget: usize,
    analysis: AnalysisSettings,
    lanczos: LanczosSettings,
}

impl Default for FinderSettings {
    fn default() -> Self {
        FinderSettings {
            grad_tol: 1e-10,
            max_iters: 200,
            minres: MinresSettings::default()
                .with_tol(1e-6)
                .expect("1e-6 is a valid MINRES tolerance"),
            rho: 1e-4,
            beta: 0.5,
            max_backtracks: 50,
            damping: 1e-4,
            dense_budget: 3000,
            analysis: AnalysisSettings::default(),
            lanczos: LanczosSettings::default(),
        }
    }
}

fn invalid(name: &str, message: String) -> Error {
    Error::InvalidSetting {
        name: name.into(),
        message,
    }
}

impl FinderSettings {
    /// Sets the gradient tolerance: converged when ‖∇f‖₂ ≤ `grad_tol`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`grad_tol`) unless finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// assert!(FinderSettings::default().with_grad_tol(f64::NAN).is_err());
    /// ```
    pub fn with_grad_tol(mut self, grad_tol: f64) -> Result<Self> {
        if !(grad_tol.is_finite() && grad_tol >= 0.0) {
            return Err(invalid(
                "grad_tol",
                format!("the finder's gradient tolerance must be finite and ≥ 0, got {grad_tol}"),
            ));
        }
        self.grad_tol = grad_tol;
        Ok(self)
    }

    /// Sets the most iterations (0 only classifies the start).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().with_max_iters(7).max_iters(), 7);
    /// ```
    pub fn with_max_iters(mut self, max_iters: usize) -> Self {
        self.max_iters = max_iters;
        self
    }

    /// Sets MINRES' relative tolerance η. At an iterate with gradient g
    /// the tolerance used is min(η, ‖g‖) (the forcing term of Eisenstat &
    /// Walker 1996, "Choosing the forcing terms in an inexact Newton
    /// method"), so that the last steps are solved accurately enough for
    /// fast local convergence and the first ones are not over-solved.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`minres_tol`) unless 0 < η < 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// assert!(FinderSettings::default().with_minres_tol(0.0).is_err());
    /// assert_eq!(FinderSettings::default().with_minres_tol(1e-3).unwrap().minres().tol(), 1e-3);
    /// ```
    pub fn with_minres_tol(mut self, tol: f64) -> Result<Self> {
        self.minres = self.minres.with_tol(tol)?;
        Ok(self)
    }

    /// Sets the most MINRES iterations (operator applications) per step.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`minres_max_iters`) for 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// let err = FinderSettings::default().with_minres_max_iters(0).unwrap_err();
    /// assert!(err.to_string().contains("minres_max_iters"));
    /// ```
    pub fn with_minres_max_iters(mut self, max_iters: usize) -> Result<Self> {
        self.minres = self.minres.with_max_iters(max_iters)?;
        Ok(self)
    }

    /// Sets ρ of the line search's condition
    /// ‖g(x + αp)‖² ≤ ‖g‖² + 2ρα⟨Hp, g⟩.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`rho`) unless 0 < ρ < ½ (at ½ or more
    /// an exact Newton step near the solution could be refused).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// let err = FinderSettings::default().with_rho(0.5).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid rho: the line search's ρ must be in (0, 0.5), got 0.5");
    /// ```
    pub fn with_rho(mut self, rho: f64) -> Result<Self> {
        if !(rho > 0.0 && rho < 0.5) {
            return Err(invalid(
                "rho",
                format!("the line search's ρ must be in (0, 0.5), got {rho}"),
            ));
        }
        self.rho = rho;
        Ok(self)
    }

    /// Sets the backtracking factor β: α = 1, β, β², ….
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`beta`) unless 0 < β < 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// assert_eq!(FinderSettings::default().with_beta(0.25).unwrap().beta(), 0.25);
    /// ```
    pub fn with_beta(mut self, beta: f64) -> Result<Self> {
        if !(beta > 0.0 && beta < 1.0) {
            return Err(invalid(
                "beta",
                format!("the backtracking factor β must be in (0, 1), got {beta}"),
            ));
        }
        self.beta = beta;
        Ok(self)
    }

    /// Sets the most backtracking steps of one line search (α ≥ β^this).
    /// Damped Newton uses at most 10 of them before raising λ.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`max_backtracks`) for 0 or more than 1000.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// assert!(FinderSettings::default().with_max_backtracks(0).is_err());
    /// ```
    pub fn with_max_backtracks(mut self, max_backtracks: usize) -> Result<Self> {
        if !(1..=1000).contains(&max_backtracks) {
            return Err(invalid(
                "max_backtracks",
                format!("expected 1 to 1000 backtracking steps, got {max_backtracks}"),
            ));
        }
        self.max_backtracks = max_backtracks;
        Ok(self)
    }

    /// Sets damped Newton's initial Levenberg–Marquardt damping λ (in the
    /// units of H², i.e. of f's curvature squared).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`damping`) unless finite and > 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::FinderSettings;
    /// let err = FinderSettings::default().with_damping(-1.0).unwrap_err();
    /// assert!(err.to_string().contains("damping"));
    /// ```
    pub fn with_damping(mut self, damping: f64) -> Result<Self> {
        if !(damping.is_finite() && damping > 0.0) {
            return Err(invalid(
                "damping",
                format!("the initial damping λ must be finite and > 0, got {damping}"),
            ));
        }
        self.damping = damping;
        Ok(self)
    }

    /// Sets the largest dimension whose end point is analysed densely
    /// ([`analyze`]); above it, [`analyze_matrix_free`] (Lanczos at both
    /// ends of the spectrum).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().with_dense_budget(0).dense_budget(), 0);
    /// ```
    pub fn with_dense_budget(mut self, dense_budget: usize) -> Self {
        self.dense_budget = dense_budget;
        self
    }

    /// Sets the tolerances and escape step of the end point's analysis.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{AnalysisSettings, FinderSettings, Tolerances};
    /// let a = AnalysisSettings::default().with_tolerances(Tolerances::default().with_grad(1e-8).unwrap());
    /// assert_eq!(FinderSettings::default().with_analysis(a).analysis().tolerances().grad(), 1e-8);
    /// ```
    pub fn with_analysis(mut self, analysis: AnalysisSettings) -> Self {
        self.analysis = analysis;
        self
    }

    /// Sets the Lanczos settings of a matrix-free end-point analysis and of
    /// ‖H‖ in [`gradient_flatness`].
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{FinderSettings, LanczosSettings};
    /// let l = LanczosSettings::default().with_seed(3);
    /// assert_eq!(FinderSettings::default().with_lanczos(l).lanczos().seed(), 3);
    /// ```
    pub fn with_lanczos(mut self, lanczos: LanczosSettings) -> Self {
        self.lanczos = lanczos;
        self
    }

    /// The gradient tolerance.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().grad_tol(), 1e-10);
    /// ```
    pub fn grad_tol(&self) -> f64 {
        self.grad_tol
    }
    /// The most iterations.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().max_iters(), 200);
    /// ```
    pub fn max_iters(&self) -> usize {
        self.max_iters
    }
    /// MINRES' settings (tolerance before forcing, iteration cap).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().minres().tol(), 1e-6);
    /// ```
    pub fn minres(&self) -> &MinresSettings {
        &self.minres
    }
    /// ρ of the line search.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().rho(), 1e-4);
    /// ```
    pub fn rho(&self) -> f64 {
        self.rho
    }
    /// β of the line search.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().beta(), 0.5);
    /// ```
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// The most backtracking steps.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().max_backtracks(), 50);
    /// ```
    pub fn max_backtracks(&self) -> usize {
        self.max_backtracks
    }
    /// Damped Newton's initial λ.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().damping(), 1e-4);
    /// ```
    pub fn damping(&self) -> f64 {
        self.damping
    }
    /// The largest dimension analysed densely.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().dense_budget(), 3000);
    /// ```
    pub fn dense_budget(&self) -> usize {
        self.dense_budget
    }
    /// The end point's analysis settings.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().analysis().step_length(), 0.1);
    /// ```
    pub fn analysis(&self) -> &AnalysisSettings {
        &self.analysis
    }
    /// The Lanczos settings for large end points.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderSettings::default().lanczos().k(), 1);
    /// ```
    pub fn lanczos(&self) -> &LanczosSettings {
        &self.lanczos
    }

    /// MINRES' settings for an iterate with ‖g‖ = `grad_norm`.
    fn forced_minres(&self, grad_norm: f64) -> Result<MinresSettings> {
        let eta = self.minres.tol().min(grad_norm.max(f64::EPSILON));
        self.minres.with_tol(eta)
    }
}

// --------------------------------------------------------------- outcome

/// Why a finder stopped.
///
/// # Examples
///
/// ```
/// use saddlescope::FinderStop;
/// assert_eq!(FinderStop::GradientFlat.to_string(), "gradient_flat");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinderStop {
    /// ‖∇f‖ ≤ `grad_tol`.
    Converged,
    /// `max_iters` iterations were taken.
    MaxIterations,
    /// No step length α ≥ β^`max_backtracks` met the line-search
    /// condition (damped Newton: not even after λ grew to 10³⁰ times its
    /// start; gradnorm: argmin's line search failed — the point returned is
    /// then the best one that run evaluated).
    LineSearchFailed,
    /// ⟨Hp, g⟩ ≈ 0: H·g vanishes to working precision, the gradient lies in
    /// the Hessian's null space, and no Newton-type step reduces ‖g‖ — a
    /// gradient-flat point (Frye et al. 2021) if g ≠ 0.
    GradientFlat,
    /// gradnorm only: an L-BFGS iteration changed ½‖∇f‖² by less than
    /// ½·`grad_tol`² without reaching `grad_tol`.
    Stalled,
}

impl FinderStop {
    /// The snake-case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::FinderStop::Converged.as_str(), "converged");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FinderStop::Converged => "converged",
            FinderStop::MaxIterations => "max_iterations",
            FinderStop::LineSearchFailed => "line_search_failed",
            FinderStop::GradientFlat => "gradient_flat",
            FinderStop::Stalled => "stalled",
        }
    }
}

impl fmt::Display for FinderStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One iteration of a finder: the state at its start and the step taken.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, newton_mr, FinderSettings, MinresStop};
/// let f = builtin("double_well", 2).unwrap();
/// let o = newton_mr(&f, &[0.8, 0.3], &FinderSettings::default()).unwrap();
/// let first = &o.history[0];
/// assert!((first.loss - (0.8f64.powi(4) / 4.0 - 0.32 + 0.045)).abs() < 1e-15);
/// assert_eq!(first.alpha, Some(1.0)); // a full Newton step
/// assert_eq!(first.minres_stop, Some(MinresStop::Solved));
/// assert!(o.history.windows(2).all(|w| w[1].grad_norm < w[0].grad_norm));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinderStep {
    /// ‖∇f‖₂ at the start of the iteration.
    pub grad_norm: f64,
    /// f at the start of the iteration.
    pub loss: f64,
    /// ‖x_{k+1} − x_k‖₂.
    pub step_length: f64,
    /// The accepted line-search α (None for gradnorm, whose line search
    /// is argmin's).
    pub alpha: Option<f64>,
    /// MINRES iterations for the step (0 for gradnorm).
    pub minres_iterations: usize,
    /// Why MINRES stopped (None for gradnorm).
    pub minres_stop: Option<MinresStop>,
    /// Whether MINRES met non-positive curvature (H is not positive
    /// definite on the Krylov space).
    pub nonpositive_curvature: bool,
    /// Damped Newton's λ for the accepted step.
    pub damping: Option<f64>,
}

/// The analysis of a finder's end point: dense, or from the ends of the
/// spectrum.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, newton_mr, EndPointAnalysis, FinderSettings};
/// let f = builtin("himmelblau", 2).unwrap();
/// let dense = newton_mr(&f, &[3.1, 2.1], &FinderSettings::default()).unwrap();
/// assert!(matches!(dense.analysis, EndPointAnalysis::Dense(_)));
/// let s = FinderSettings::default().with_dense_budget(1);
/// let lanczos = newton_mr(&f, &[3.1, 2.1], &s).unwrap();
/// assert!(matches!(lanczos.analysis, EndPointAnalysis::MatrixFree(_)));
/// assert_eq!(dense.verdict, lanczos.verdict);
/// ```
#[derive(Debug, Clone)]
pub enum EndPointAnalysis {
    /// [`analyze`]: the whole spectrum.
    Dense(Box<Analysis>),
    /// [`analyze_matrix_free`]: λmin and λmax by Lanczos.
    MatrixFree(Box<MatrixFreeAnalysis>),
}

impl EndPointAnalysis {
    /// The verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{builtin, newton_mr, FinderSettings, Verdict};
    /// let f = builtin("saddle", 2).unwrap();
    /// let o = newton_mr(&f, &[0.1, 0.2], &FinderSettings::default()).unwrap();
    /// assert_eq!(o.analysis.verdict(), Verdict::SaddlePoint);
    /// ```
    pub fn verdict(&self) -> Verdict {
        match self {
            EndPointAnalysis::Dense(a) => a.classification.verdict,
            EndPointAnalysis::MatrixFree(a) => a.classification.verdict,
        }
    }

    /// The JSON report of the analysis ([`Analysis::to_json`] or
    /// [`MatrixFreeAnalysis::to_json`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{builtin, newton_mr, FinderSettings};
    /// let f = builtin("saddle", 2).unwrap();
    /// let o = newton_mr(&f, &[0.1, 0.2], &FinderSettings::default()).unwrap();
    /// assert_eq!(o.analysis.to_json()["verdict"], "saddle_point");
    /// ```
    pub fn to_json(&self) -> Value {
        match self {
            EndPointAnalysis::Dense(a) => a.to_json(),
            EndPointAnalysis::MatrixFree(a) => a.to_json(),
        }
    }
}

/// What a finder found.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, newton_mr, FinderSettings, FinderStop, Verdict};
/// let f = builtin("himmelblau", 2).unwrap();
/// let o = newton_mr(&f, &[-0.3, -0.9], &FinderSettings::default()).unwrap();
/// assert_eq!(o.stop, FinderStop::Converged);
/// assert_eq!(o.verdict, Verdict::LocalMaximum); // Newton-MR climbs too
/// assert!((o.x[0] + 0.270845).abs() < 1e-6 && (o.x[1] + 0.923039).abs() < 1e-6);
/// assert_eq!(o.iterations, o.history.len());
/// assert!(o.hvps >= o.iterations);
/// ```
#[derive(Debug, Clone)]
pub struct FinderOutcome {
    /// The finder that ran.
    pub method: FinderMethod,
    /// The end point.
    pub x: Vec<f64>,
    /// f at the end point.
    pub loss: f64,
    /// ‖∇f‖₂ at the end point.
    pub grad_norm: f64,
    /// Iterations taken (steps accepted).
    pub iterations: usize,
    /// Hessian-vector products the search took (the end point's analysis
    /// not included).
    pub hvps: usize,
    /// ‖∇f‖ ≤ `grad_tol` at the end point.
    pub converged: bool,
    /// Why the finder stopped.
    pub stop: FinderStop,
    /// One entry per iteration.
    pub history: Vec<FinderStep>,
    /// The verdict at the end point (with the analysis' tolerances, whose
    /// gradient tolerance is usually looser than the finder's).
    pub verdict: Verdict,
    /// ‖H‖₂ = max |λ| at the end point.
    pub hessian_norm: f64,
    /// ‖Hg‖/(‖H‖·‖g‖) at the end point; None when g = 0 or H = 0.
    pub flatness: Option<f64>,
    /// The end point's analysis.
    pub analysis: EndPointAnalysis,
}

impl FinderOutcome {
    /// The JSON report: `method`, `point`, `loss`, `grad_norm`,
    /// `iterations`, `hvps`, `converged`, `stop`, `verdict`,
    /// `hessian_norm`, `flatness` (null when undefined), `history` (one
    /// object per iteration with the fields of [`FinderStep`]) and
    /// `analysis` (the end point's analysis report).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{builtin, newton_mr, FinderSettings};
    /// let f = builtin("double_well", 2).unwrap();
    /// let o = newton_mr(&f, &[0.8, 0.3], &FinderSettings::default()).unwrap();
    /// let json = o.to_json();
    /// assert_eq!(json["method"], "newton-mr");
    /// assert_eq!(json["stop"], "converged");
    /// assert_eq!(json["verdict"], "local_minimum");
    /// assert_eq!(json["history"].as_array().unwrap().len(), o.iterations);
    /// ```
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "method": self.method,
            "point": self.x,
            "loss": self.loss,
            "grad_norm": self.grad_norm,
            "iterations": self.iterations,
            "hvps": self.hvps,
            "converged": self.converged,
            "stop": self.stop,
            "verdict": self.verdict,
            "hessian_norm": self.hessian_norm,
            "flatness": self.flatness,
            "history": self.history,
            "analysis": self.analysis.to_json(),
        })
    }
}

// --------------------------------------------------------------- finders

/// Runs the finder `method` from `start`.
///
/// # Errors
///
/// As [`newton_mr`], [`gradnorm`] and [`damped_newton`].
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, find_critical_point, FinderMethod, FinderSettings, Verdict};
/// let f = builtin("himmelblau", 2).unwrap();
/// for method in FinderMethod::ALL {
///     let o = find_critical_point(&f, &[3.2, 1.8], method, &FinderSettings::default()).unwrap();
///     assert!(o.converged, "{method}");
///     assert_eq!(o.verdict, Verdict::LocalMinimum);
/// }
/// ```
pub fn find_critical_point<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    start: &[f64],
    method: FinderMethod,
    settings: &FinderSettings,
) -> Result<FinderOutcome> {
    match method {
        FinderMethod::NewtonMr => newton_mr(f, start, settings),
        FinderMethod::GradNorm => gradnorm(f, start, settings),
        FinderMethod::Newton => damped_newton(f, start, settings),
    }
}

/// Newton-MR (Roosta, Liu, Wright & Xu 2022): p solves H·p = −g by
/// [`minres`] (minimum-norm least squares when H is singular; relative
/// tolerance min(η, ‖g‖)), then α = 1, β, β², … until
/// ‖g(x + αp)‖² ≤ ‖g‖² + 2ρα⟨Hp, g⟩. Converges to critical points of any
/// kind. ⟨Hp, g⟩ comes from MINRES' residual (Hp = −g − r) without
/// another product, except after a pseudo-inverse lifting (one HVP).
///
/// # Errors
///
/// [`Error::DimensionMismatch`] for a start of the wrong length,
/// [`Error::NonFinite`] when f or ∇f is not finite at the start or at an
/// accepted point (a trial point where it is not finite is only
/// rejected), and the errors of the end point's analysis.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, newton_mr, FinderSettings, FinderStop, Verdict};
/// let f = builtin("double_well", 2).unwrap(); // x⁴/4 − x²/2 + y²/2
/// let o = newton_mr(&f, &[0.01, 0.02], &FinderSettings::default()).unwrap();
/// assert_eq!(o.stop, FinderStop::Converged);
/// assert!(o.grad_norm <= 1e-10 && o.x[0].abs() < 1e-10);
/// assert_eq!(o.verdict, Verdict::SaddlePoint); // a saddle, not a minimum
/// ```
pub fn newton_mr<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    start: &[f64],
    settings: &FinderSettings,
) -> Result<FinderOutcome> {
    let (mut x, mut loss, mut g) = begin(f, start)?;
    let mut history = Vec::new();
    let mut hvps = 0;
    let stop = loop {
        let gn = g.norm();
        if gn <= settings.grad_tol {
            break FinderStop::Converged;
        }
        if history.len() == settings.max_iters {
            break FinderStop::MaxIterations;
        }
        let op = HessianOperator::new(f, &x)?;
        let neg_g = -&g;
        let sol = minres(&op, neg_g.as_slice(), &settings.forced_minres(gn)?)?;
        let slope = if sol.lifted {
            let hp = op.apply(sol.x.as_slice())?;
            DVector::from_vec(hp).dot(&g)
        } else {
            -(gn * gn) - sol.residual.dot(&g)
        };
        hvps += op.hvp_count() as usize;
        // NaN counts as no descent.
        let descends = slope < -f64::EPSILON * gn * gn;
        if !descends {
            break FinderStop::GradientFlat;
        }
        let Some(step) = backtrack(
            f,
            &x,
            &sol.x,
            gn * gn,
            slope,
            settings,
            settings.max_backtracks,
        )?
        else {
            break FinderStop::LineSearchFailed;
        };
        history.push(FinderStep {
            grad_norm: gn,
            loss,
            step_length: step.alpha * sol.x.norm(),
            alpha: Some(step.alpha),
            minres_iterations: sol.iterations,
            minres_stop: Some(sol.stop),
            nonpositive_curvature: sol.nonpositive_curvature.is_some(),
            damping: None,
        });
        (x, loss, g) = (step.x, step.loss, step.g);
    };
    finish(
        f,
        FinderMethod::NewtonMr,
        (x, loss, g),
        history,
        hvps,
        stop,
        settings,
    )
}

/// Damped Newton: the Levenberg–Marquardt step for ∇f = 0,
/// (H² + λI)·p = −H·g by [`minres`] (two HVPs per MINRES iteration, one
/// for H·g), then backtracking on ‖g‖² with the condition of
/// [`newton_mr`]. A step that needs no backtracking divides λ by 10 (to
/// at least 10⁻¹² times its start); one with no acceptable α ≥ β¹⁰
/// multiplies λ by 10 and is solved again. For λ → 0 the step is Newton's
/// where H is nonsingular; for large λ it turns to steepest descent on
/// ½‖g‖² (H + λI, unlike H² + λI, can point uphill at a saddle).
///
/// # Errors
///
/// As [`newton_mr`].
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, damped_newton, FinderSettings, Verdict};
/// let f = builtin("double_well", 2).unwrap();
/// let o = damped_newton(&f, &[0.8, 0.3], &FinderSettings::default()).unwrap();
/// assert!(o.converged);
/// assert!((o.x[0] - 1.0).abs() < 1e-10 && (o.loss + 0.25).abs() < 1e-15);
/// assert_eq!(o.verdict, Verdict::LocalMinimum);
/// ```
pub fn damped_newton<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    start: &[f64],
    settings: &FinderSettings,
) -> Result<FinderOutcome> {
    const BACKTRACKS: usize = 10;
    const GROWTH: f64 = 10.0;
    let (mut x, mut loss, mut g) = begin(f, start)?;
    let mut history = Vec::new();
    let mut hvps = 0;
    let (floor, ceiling) = (settings.damping * 1e-12, settings.damping * 1e30);
    let mut lambda = settings.damping;
    let stop = 'outer: loop {
        let gn = g.norm();
        if gn <= settings.grad_tol {
            break FinderStop::Converged;
        }
        if history.len() == settings.max_iters {
            break FinderStop::MaxIterations;
        }
        let h = HessianOperator::new(f, &x)?;
        let hg = DVector::from_vec(h.apply(g.as_slice())?);
        let minres_settings = settings.forced_minres(gn)?;
        let step = loop {
            let op = Damped { h: &h, lambda };
            let rhs = -&hg;
            let sol = minres(&op, rhs.as_slice(), &minres_settings)?;
            let slope = sol.x.dot(&hg);
            // ‖H‖ from MINRES' estimate of ‖H² + λI‖ (from below, so the
            // ratio ‖Hg‖/(‖H‖‖g‖) from above): flat to working precision.
            let h_norm = (sol.a_norm - lambda).max(0.0).sqrt();
            if hg.norm() <= f64::EPSILON * h_norm * gn || hg.norm() == 0.0 {
                hvps += h.hvp_count() as usize;
                break 'outer FinderStop::GradientFlat;
            }
            let tries = BACKTRACKS.min(settings.max_backtracks);
            let found = if slope < 0.0 {
                backtrack(f, &x, &sol.x, gn * gn, slope, settings, tries)?
            } else {
                None
            };
            match found {
                Some(step) => break (step, sol),
                None if lambda * GROWTH <= ceiling => lambda *= GROWTH,
                None => {
                    hvps += h.hvp_count() as usize;
                    break 'outer FinderStop::LineSearchFailed;
                }
            }
        };
        hvps += h.hvp_count() as usize;
        let (step, sol) = step;
        history.push(FinderStep {
            grad_norm: gn,
            loss,
            step_length: step.alpha * sol.x.norm(),
            alpha: Some(step.alpha),
            minres_iterations: sol.iterations,
            minres_stop: Some(sol.stop),
            nonpositive_curvature: false,
            damping: Some(lambda),
        });
        if step.alpha == 1.0 {
            lambda = (lambda / GROWTH).max(floor);
        }
        (x, loss, g) = (step.x, step.loss, step.g);
    };
    finish(
        f,
        FinderMethod::Newton,
        (x, loss, g),
        history,
        hvps,
        stop,
        settings,
    )
}

/// Gradient-norm minimisation: argmin's L-BFGS ([`solve`] with
/// `lbfgs(m=10)`) on the merit ½‖∇f(x)‖², whose gradient ∇²f·∇f costs one
/// reverse sweep and one HVP. The merit is given to `solve` as a
/// [`TwiceDifferentiable`] whose `hvp` and `hessian` return
/// [`Error::InvalidInput`] (they would need f's third derivatives, and
/// L-BFGS uses only values and gradients).
///
/// L-BFGS runs in rounds of at most 100 iterations (its memory restarts
/// with each) with `cost_tol` = ½·`grad_tol`², checking ‖∇f‖ ≤ `grad_tol`
/// between rounds. When argmin's line search fails (as it must at a
/// gradient-flat point, where the merit stops decreasing at a positive
/// value), the run ends at the best point evaluated in that round; the
/// round then counts as one iteration, from its start to that point
/// (argmin does not return the path of a failed run).
///
/// # Errors
///
/// As [`newton_mr`]; argmin failures other than a failed line search.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, gradnorm, FinderSettings, Verdict};
/// let f = builtin("double_well", 2).unwrap();
/// let o = gradnorm(&f, &[0.01, 0.02], &FinderSettings::default()).unwrap();
/// assert!(o.converged && o.grad_norm <= 1e-10);
/// assert_eq!(o.verdict, Verdict::SaddlePoint);
/// assert!(o.hvps > 0);
/// ```
pub fn gradnorm<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    start: &[f64],
    settings: &FinderSettings,
) -> Result<FinderOutcome> {
    const ROUND: usize = 100;
    let (mut x, mut loss, mut g) = begin(f, start)?;
    let merit = GradNormMerit {
        f,
        hvps: Cell::new(0),
        best: RefCell::new(None),
    };
    let mut history = Vec::new();
    let tol = settings.grad_tol;
    let stop = loop {
        if g.norm() <= tol {
            break FinderStop::Converged;
        }
        let left = settings.max_iters - history.len();
        if left == 0 {
            break FinderStop::MaxIterations;
        }
        let spec = SolverSpec::Lbfgs {
            m: 10,
            stop: StopCriteria {
                max_iters: left.min(ROUND) as u64,
                grad_tol: 0.0,
                cost_tol: 0.5 * tol * tol,
            },
        };
        *merit.best.borrow_mut() = None;
        match solve(&merit, &spec, &x) {
            Ok(d) => {
                let t = &d.trajectory;
                for k in 0..t.steps() {
                    history.push(FinderStep {
                        grad_norm: (2.0 * t.f[k]).sqrt(),
                        loss: f.value(&t.points[k])?,
                        step_length: t.lr[k],
                        alpha: None,
                        minres_iterations: 0,
                        minres_stop: None,
                        nonpositive_curvature: false,
                        damping: None,
                    });
                }
                let moved = t.steps() > 0;
                x = d.x;
                (loss, g) = f.gradient(&x)?;
                if g.norm() <= tol {
                    break FinderStop::Converged;
                }
                match d.stop {
                    StopReason::CostTol | StopReason::LineSearchFailed => {
                        break FinderStop::Stalled;
                    }
                    _ if !moved => break FinderStop::Stalled,
                    _ => {}
                }
            }
            Err(Error::NoConvergence { .. }) => {
                let best = merit.best.borrow_mut().take();
                if let Some((m, bx)) = best {
                    if m < 0.5 * g.norm_squared() {
                        history.push(FinderStep {
                            grad_norm: g.norm(),
                            loss,
                            step_length: distance(&x, &bx),
                            alpha: None,
                            minres_iterations: 0,
                            minres_stop: None,
                            nonpositive_curvature: false,
                            damping: None,
                        });
                        x = bx;
                        (loss, g) = f.gradient(&x)?;
                    }
                }
                break if g.norm() <= tol {
                    FinderStop::Converged
                } else {
                    FinderStop::LineSearchFailed
                };
            }
            Err(e) => return Err(e),
        }
    };
    let hvps = merit.hvps.get();
    finish(
        f,
        FinderMethod::GradNorm,
        (x, loss, g),
        history,
        hvps,
        stop,
        settings,
    )
}

/// The gradient-flatness ratio ‖Hg‖/(‖H‖·‖g‖) ∈ [0, 1] at `x` (Frye et
/// al. 2021): 1 when g is an eigenvector of H's largest |λ|, |λ|/‖H‖ for
/// any eigenvector, 0 when g lies in H's null space. ‖H‖ = max |λ| comes
/// from [`lanczos`] at both ends (k = 1, the given settings otherwise); Hg
/// is one HVP. None when g = 0 or H = 0.
///
/// # Errors
///
/// Those of the gradient, the HVPs and Lanczos; [`Error::NoConvergence`]
/// when Lanczos does not converge.
///
/// # Examples
///
/// ```
/// use saddlescope::{gradient_flatness, Expression, LanczosSettings};
/// // A quadratic plus a direction z that is flat where sin z'' = 0.
/// let f = Expression::parse("x^2 + y^2/4 + sin(z)").unwrap();
/// let s = LanczosSettings::default();
/// // g = (2, 0, 0): the eigenvector of the largest eigenvalue, 2.
/// let r = gradient_flatness(&f, &[1.0, 0.0, std::f64::consts::FRAC_PI_2], &s).unwrap();
/// assert!((r.unwrap() - 1.0).abs() < 1e-12);
/// // g = (0, 0, 1) and H = diag(2, ½, 0): the gradient is in the null space.
/// let r = gradient_flatness(&f, &[0.0, 0.0, 0.0], &s).unwrap();
/// assert!(r.unwrap() < 1e-12);
/// ```
pub fn gradient_flatness<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    x: &[f64],
    settings: &LanczosSettings,
) -> Result<Option<f64>> {
    let (_, g) = f.gradient(x)?;
    let hg = f.hvp(x, g.as_slice())?.product;
    let op = HessianOperator::new(f, x)?;
    let ends = lanczos(&op, &settings.clone().with_k(1)?.with_which(Which::Both))?;
    if !ends.converged {
        return Err(Error::NoConvergence {
            what: "Lanczos for ‖H‖ in the gradient-flatness ratio".into(),
            detail: format!(
                "tolerance {:e} not reached within {} Hessian-vector products",
                settings.tol(),
                ends.hvp_count
            ),
        });
    }
    let norm = ends
        .lambda_min()
        .unwrap_or(0.0)
        .abs()
        .max(ends.lambda_max().unwrap_or(0.0).abs());
    Ok(flatness(hg.norm(), norm, g.norm()))
}

fn flatness(hg: f64, h: f64, g: f64) -> Option<f64> {
    (h > 0.0 && g > 0.0).then(|| (hg / (h * g)).min(1.0))
}

/// Checks the start and evaluates f and ∇f there.
fn begin<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    start: &[f64],
) -> Result<(Vec<f64>, f64, DVector<f64>)> {
    if start.len() != f.dim() {
        return Err(Error::DimensionMismatch {
            what: "start point of the critical-point finder".into(),
            expected: format!("{} coordinates", f.dim()),
            found: format!("{}", start.len()),
        });
    }
    if f.dim() == 0 {
        return Err(Error::InvalidInput(
            "the function has no variables: there is nothing to search".into(),
        ));
    }
    crate::ad::check_finite("the start point", start, start)?;
    let (loss, g) = f.gradient(start)?;
    crate::ad::check_finite("the objective's value", &[loss], start)?;
    crate::ad::check_finite("the gradient", g.as_slice(), start)?;
    Ok((start.to_vec(), loss, g))
}

/// An accepted line-search step.
struct Step {
    alpha: f64,
    x: Vec<f64>,
    loss: f64,
    g: DVector<f64>,
}

/// α = 1, β, …, β^`tries` until ‖g(x + αp)‖² ≤ `g2` + 2ρα·`slope`; a
/// trial point where f or ∇f is not finite is rejected like any other.
fn backtrack<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    x: &[f64],
    p: &DVector<f64>,
    g2: f64,
    slope: f64,
    settings: &FinderSettings,
    tries: usize,
) -> Result<Option<Step>> {
    let mut alpha = 1.0;
    for _ in 0..=tries {
        let trial: Vec<f64> = x.iter().zip(p.iter()).map(|(a, b)| a + alpha * b).collect();
        match f.gradient(&trial) {
            Ok((loss, g)) => {
                let ok = loss.is_finite() && g.iter().all(|v| v.is_finite());
                if ok && g.norm_squared() <= g2 + 2.0 * settings.rho * alpha * slope {
                    return Ok(Some(Step {
                        alpha,
                        x: trial,
                        loss,
                        g,
                    }));
                }
            }
            Err(Error::NonFinite { .. }) => {}
            Err(e) => return Err(e),
        }
        alpha *= settings.beta;
    }
    Ok(None)
}

/// Classifies the end point and assembles the outcome.
fn finish<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    method: FinderMethod,
    (x, loss, g): (Vec<f64>, f64, DVector<f64>),
    history: Vec<FinderStep>,
    hvps: usize,
    stop: FinderStop,
    settings: &FinderSettings,
) -> Result<FinderOutcome> {
    let gn = g.norm();
    let (analysis, hessian_norm, hg) = if x.len() <= settings.dense_budget {
        let a = analyze(f, &x, &settings.analysis)?;
        let s = &a.spectrum;
        let norm = s.eigenvalues.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        // H·g = V·Λ·Vᵀ·g from the spectrum the analysis computed anyway.
        let coeffs = s
            .eigenvectors
            .tr_mul(&a.gradient)
            .component_mul(&s.eigenvalues);
        let hg = (&s.eigenvectors * coeffs).norm();
        (EndPointAnalysis::Dense(Box::new(a)), norm, hg)
    } else {
        let a = analyze_matrix_free(f, &x, &settings.analysis, &settings.lanczos)?;
        let c = &a.classification;
        let norm = c.lambda_min.abs().max(c.lambda_max.abs());
        let hg = f.hvp(&x, a.gradient.as_slice())?.product.norm();
        (EndPointAnalysis::MatrixFree(Box::new(a)), norm, hg)
    };
    Ok(FinderOutcome {
        method,
        verdict: analysis.verdict(),
        x,
        loss,
        grad_norm: gn,
        iterations: history.len(),
        hvps,
        converged: gn <= settings.grad_tol,
        stop,
        history,
        hessian_norm,
        flatness: flatness(hg, hessian_norm, gn),
        analysis,
    })
}

/// v ↦ H(Hv) + λv: damped Newton's operator.
struct Damped<'a, 'f, F: TwiceDifferentiable + Sync + ?Sized> {
    h: &'a HessianOperator<'f, F>,
    lambda: f64,
}

impl<F: TwiceDifferentiable + Sync + ?Sized> LinearOperator for Damped<'_, '_, F> {
    fn dim(&self) -> usize {
        self.h.dim()
    }

    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        let hv = self.h.apply(v)?;
        let mut out = self.h.apply(&hv)?;
        for (o, vi) in out.iter_mut().zip(v) {
            *o += self.lambda * vi;
        }
        Ok(out)
    }
}

/// ½‖∇f‖² as a function for L-BFGS: value and gradient ∇²f·∇f only. Keeps
/// the HVP count and the best point it has evaluated.
struct GradNormMerit<'a, F: ?Sized> {
    f: &'a F,
    hvps: Cell<usize>,
    best: RefCell<Option<(f64, Vec<f64>)>>,
}

impl<F: TwiceDifferentiable + ?Sized> GradNormMerit<'_, F> {
    fn remember(&self, merit: f64, x: &[f64]) {
        let mut best = self.best.borrow_mut();
        if merit.is_finite() && best.as_ref().is_none_or(|(m, _)| merit < *m) {
            *best = Some((merit, x.to_vec()));
        }
    }

    fn unavailable(&self, what: &str) -> Error {
        Error::InvalidInput(format!(
            "the gradnorm merit ½‖∇f‖² has no {what} here: it would need third derivatives \
             of f, and L-BFGS uses only values and gradients"
        ))
    }
}

impl<F: TwiceDifferentiable + ?Sized> TwiceDifferentiable for GradNormMerit<'_, F> {
    fn dim(&self) -> usize {
        self.f.dim()
    }

    fn value(&self, x: &[f64]) -> Result<f64> {
        let (_, g) = self.f.gradient(x)?;
        let merit = 0.5 * g.norm_squared();
        self.remember(merit, x);
        Ok(merit)
    }

    fn gradient(&self, x: &[f64]) -> Result<(f64, DVector<f64>)> {
        let (_, g) = self.f.gradient(x)?;
        let hg = self.f.hvp(x, g.as_slice())?.product;
        self.hvps.set(self.hvps.get() + 1);
        let merit = 0.5 * g.norm_squared();
        self.remember(merit, x);
        Ok((merit, hg))
    }

    fn hvp(&self, _x: &[f64], _v: &[f64]) -> Result<Hvp> {
        Err(self.unavailable("Hessian-vector product"))
    }

    fn hessian(&self, _x: &[f64]) -> Result<Hessian> {
        Err(self.unavailable("Hessian"))
    }
}

// ----------------------------------------------------------- enumeration

/// A box [lo₁, hi₁] × … × [loₙ, hiₙ] to search.
///
/// # Examples
///
/// ```
/// use saddlescope::SearchBox;
/// let b = SearchBox::new(vec![-5.0, -5.0], vec![5.0, 5.0]).unwrap();
/// assert_eq!(b.dim(), 2);
/// assert!((b.diameter() - 200f64.sqrt()).abs() < 1e-12);
/// assert!(SearchBox::new(vec![1.0], vec![0.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchBox {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl SearchBox {
    /// The box with lower corner `lo` and upper corner `hi`.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] when the corners differ in length,
    /// [`Error::InvalidInput`] for no coordinates, and
    /// [`Error::InvalidSetting`] (`box`) unless every loᵢ < hiᵢ, both
    /// finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SearchBox;
    /// let err = SearchBox::new(vec![0.0, 2.0], vec![1.0, 2.0]).unwrap_err();
    /// assert!(err.to_string().contains("coordinate 2"), "{err}");
    /// ```
    pub fn new(lo: Vec<f64>, hi: Vec<f64>) -> Result<SearchBox> {
        if lo.len() != hi.len() {
            return Err(Error::DimensionMismatch {
                what: "upper corner of the search box".into(),
                expected: format!("{} coordinates, as the lower corner", lo.len()),
                found: format!("{}", hi.len()),
            });
        }
        if lo.is_empty() {
            return Err(Error::InvalidInput(
                "the search box has no coordinates".into(),
            ));
        }
        for (i, (l, h)) in lo.iter().zip(&hi).enumerate() {
            if !(l.is_finite() && h.is_finite() && l < h) {
                return Err(invalid(
                    "box",
                    format!("coordinate {} needs finite lo < hi, got [{l}, {h}]", i + 1),
                ));
            }
        }
        Ok(SearchBox { lo, hi })
    }

    /// The box [lo, hi]ⁿ.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = saddlescope::SearchBox::cube(3, -1.0, 1.0).unwrap();
    /// assert_eq!(b.hi(), &[1.0, 1.0, 1.0]);
    /// ```
    pub fn cube(dim: usize, lo: f64, hi: f64) -> Result<SearchBox> {
        SearchBox::new(vec![lo; dim], vec![hi; dim])
    }

    /// The number of coordinates.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::SearchBox::cube(4, 0.0, 1.0).unwrap().dim(), 4);
    /// ```
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// The lower corner.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::SearchBox::cube(1, -2.0, 1.0).unwrap().lo(), &[-2.0]);
    /// ```
    pub fn lo(&self) -> &[f64] {
        &self.lo
    }

    /// The upper corner.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::SearchBox::cube(1, -2.0, 1.0).unwrap().hi(), &[1.0]);
    /// ```
    pub fn hi(&self) -> &[f64] {
        &self.hi
    }

    /// The length of the diagonal, ‖hi − lo‖₂.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::SearchBox::cube(1, -2.0, 1.0).unwrap().diameter(), 3.0);
    /// ```
    pub fn diameter(&self) -> f64 {
        self.lo
            .iter()
            .zip(&self.hi)
            .map(|(l, h)| (h - l) * (h - l))
            .sum::<f64>()
            .sqrt()
    }

    /// Whether `x` lies in the box, widened on each side by `slack` times
    /// the side's length.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = saddlescope::SearchBox::cube(2, 0.0, 1.0).unwrap();
    /// assert!(b.contains(&[1.0, 0.5], 0.0));
    /// assert!(!b.contains(&[1.01, 0.5], 0.0) && b.contains(&[1.01, 0.5], 0.02));
    /// ```
    pub fn contains(&self, x: &[f64], slack: f64) -> bool {
        x.len() == self.dim()
            && x.iter()
                .zip(self.lo.iter().zip(&self.hi))
                .all(|(v, (l, h))| {
                    let pad = slack * (h - l);
                    *v >= l - pad && *v <= h + pad
                })
    }
}

/// Where the finders start: cell centres of a grid, or seeded uniform
/// draws.
///
/// # Examples
///
/// ```
/// use saddlescope::{SearchBox, Starts};
/// let b = SearchBox::cube(2, 0.0, 1.0).unwrap();
/// let grid = Starts::Grid { per_axis: 2 }.points(&b).unwrap();
/// assert_eq!(grid, vec![vec![0.25, 0.25], vec![0.25, 0.75], vec![0.75, 0.25], vec![0.75, 0.75]]);
/// let random = Starts::Random { count: 5, seed: 1 }.points(&b).unwrap();
/// assert_eq!(random, Starts::Random { count: 5, seed: 1 }.points(&b).unwrap());
/// assert!(random.iter().all(|x| b.contains(x, 0.0)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Starts {
    /// `per_axis`ⁿ starts at the centres of a regular grid of cells.
    Grid {
        /// Cells per coordinate.
        per_axis: usize,
    },
    /// `count` starts drawn uniformly from the box with the crate's seeded
    /// generator, coordinates in order within each start.
    Random {
        /// The number of starts.
        count: usize,
        /// The seed.
        seed: u64,
    },
}

/// The most starts an enumeration takes.
const MAX_STARTS: usize = 1_000_000;

impl Starts {
    /// The start points in `bounds`, in the order the finders run.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`starts`) for 0 starts or more than
    /// 1,000,000 (a grid has `per_axis`ⁿ: enumeration is for
    /// low-dimensional functions).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{SearchBox, Starts};
    /// let b = SearchBox::cube(8, 0.0, 1.0).unwrap();
    /// let err = Starts::Grid { per_axis: 10 }.points(&b).unwrap_err();
    /// assert!(err.to_string().contains("100000000"), "{err}");
    /// ```
    pub fn points(&self, bounds: &SearchBox) -> Result<Vec<Vec<f64>>> {
        let n = bounds.dim();
        let total = match *self {
            Starts::Grid { per_axis } => u32::try_from(n)
                .ok()
                .and_then(|n| per_axis.checked_pow(n))
                .unwrap_or(usize::MAX),
            Starts::Random { count, .. } => count,
        };
        if total == 0 || total > MAX_STARTS {
            return Err(invalid(
                "starts",
                format!(
                    "expected 1 to {MAX_STARTS} starts, got {} ({self:?} in {n} dimensions)",
                    if total == usize::MAX {
                        "more than usize::MAX".to_string()
                    } else {
                        total.to_string()
                    }
                ),
            ));
        }
        let (lo, hi) = (bounds.lo(), bounds.hi());
        Ok(match *self {
            Starts::Grid { per_axis } => (0..total)
                .map(|mut index| {
                    let mut x = vec![0.0; n];
                    for i in (0..n).rev() {
                        let cell = index % per_axis;
                        index /= per_axis;
                        x[i] = lo[i] + (hi[i] - lo[i]) * (cell as f64 + 0.5) / per_axis as f64;
                    }
                    x
                })
                .collect(),
            Starts::Random { count, seed } => {
                let mut rng = Rng::new(seed);
                (0..count)
                    .map(|_| (0..n).map(|i| rng.uniform_in(lo[i], hi[i])).collect())
                    .collect()
            }
        })
    }
}

/// Settings of [`enumerate_critical_points`]. `Default`: Newton-MR with
/// default [`FinderSettings`], 100 random starts with seed 0,
/// deduplication tolerance 1e-6 of the box's diameter, points outside the
/// box dropped.
///
/// # Examples
///
/// ```
/// use saddlescope::{EnumerationSettings, FinderMethod, Starts};
/// let s = EnumerationSettings::default()
///     .with_method(FinderMethod::Newton)
///     .with_starts(Starts::Grid { per_axis: 7 })
///     .with_dedup_tol(1e-4)
///     .unwrap();
/// assert_eq!(s.method(), FinderMethod::Newton);
/// assert!(EnumerationSettings::default().with_dedup_tol(2.0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumerationSettings {
    method: FinderMethod,
    finder: FinderSettings,
    starts: Starts,
    dedup_tol: f64,
    keep_outside: bool,
}

impl Default for EnumerationSettings {
    fn default() -> Self {
        EnumerationSettings {
            method: FinderMethod::NewtonMr,
            finder: FinderSettings::default(),
            starts: Starts::Random {
                count: 100,
                seed: 0,
            },
            dedup_tol: 1e-6,
            keep_outside: false,
        }
    }
}

impl EnumerationSettings {
    /// Sets the finder.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{EnumerationSettings, FinderMethod};
    /// let s = EnumerationSettings::default().with_method(FinderMethod::GradNorm);
    /// assert_eq!(s.method(), FinderMethod::GradNorm);
    /// ```
    pub fn with_method(mut self, method: FinderMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets the finder's settings; its `grad_tol` decides which starts
    /// converged.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{EnumerationSettings, FinderSettings};
    /// let f = FinderSettings::default().with_max_iters(20);
    /// assert_eq!(EnumerationSettings::default().with_finder(f).finder().max_iters(), 20);
    /// ```
    pub fn with_finder(mut self, finder: FinderSettings) -> Self {
        self.finder = finder;
        self
    }

    /// Sets the starts (checked against the box when the enumeration runs).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{EnumerationSettings, Starts};
    /// let s = EnumerationSettings::default().with_starts(Starts::Grid { per_axis: 3 });
    /// assert_eq!(s.starts(), Starts::Grid { per_axis: 3 });
    /// ```
    pub fn with_starts(mut self, starts: Starts) -> Self {
        self.starts = starts;
        self
    }

    /// Sets the deduplication tolerance: two converged points closer than
    /// `tol` × the box's diameter are one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] (`dedup_tol`) unless 0 < tol < 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::EnumerationSettings;
    /// let err = EnumerationSettings::default().with_dedup_tol(0.0).unwrap_err();
    /// assert!(err.to_string().starts_with("invalid dedup_tol"));
    /// ```
    pub fn with_dedup_tol(mut self, tol: f64) -> Result<Self> {
        if !(tol > 0.0 && tol < 1.0) {
            return Err(invalid(
                "dedup_tol",
                format!(
                    "the deduplication tolerance (relative to the box's diameter) must be in (0, 1), got {tol}"
                ),
            ));
        }
        self.dedup_tol = tol;
        Ok(self)
    }

    /// Keeps converged points outside the box (default: dropped and
    /// counted).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(saddlescope::EnumerationSettings::default().with_keep_outside(true).keep_outside());
    /// ```
    pub fn with_keep_outside(mut self, keep: bool) -> Self {
        self.keep_outside = keep;
        self
    }

    /// The finder.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{EnumerationSettings, FinderMethod};
    /// assert_eq!(EnumerationSettings::default().method(), FinderMethod::NewtonMr);
    /// ```
    pub fn method(&self) -> FinderMethod {
        self.method
    }
    /// The finder's settings.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::EnumerationSettings::default().finder().grad_tol(), 1e-10);
    /// ```
    pub fn finder(&self) -> &FinderSettings {
        &self.finder
    }
    /// The starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{EnumerationSettings, Starts};
    /// assert_eq!(EnumerationSettings::default().starts(), Starts::Random { count: 100, seed: 0 });
    /// ```
    pub fn starts(&self) -> Starts {
        self.starts
    }
    /// The deduplication tolerance, relative to the box's diameter.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::EnumerationSettings::default().dedup_tol(), 1e-6);
    /// ```
    pub fn dedup_tol(&self) -> f64 {
        self.dedup_tol
    }
    /// Whether points outside the box are kept.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!saddlescope::EnumerationSettings::default().keep_outside());
    /// ```
    pub fn keep_outside(&self) -> bool {
        self.keep_outside
    }
}

/// One distinct critical point found by [`enumerate_critical_points`].
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, enumerate_critical_points, EnumerationSettings, SearchBox, Verdict};
/// let f = builtin("double_well", 2).unwrap();
/// let b = SearchBox::cube(2, -2.0, 2.0).unwrap();
/// let e = enumerate_critical_points(&f, &b, &EnumerationSettings::default()).unwrap();
/// let saddle = e.points.iter().find(|p| p.verdict == Verdict::SaddlePoint).unwrap();
/// assert!(saddle.x.iter().all(|v| v.abs() < 1e-10) && saddle.grad_norm <= 1e-10);
/// assert!(saddle.hits >= 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoundPoint {
    /// The point (of the starts that converged here, the one with the
    /// smallest ‖∇f‖).
    pub x: Vec<f64>,
    /// f(x).
    pub loss: f64,
    /// ‖∇f(x)‖₂.
    pub grad_norm: f64,
    /// The verdict at x.
    pub verdict: Verdict,
    /// How many starts converged here.
    pub hits: usize,
}

/// What [`enumerate_critical_points`] found.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, enumerate_critical_points, EnumerationSettings, SearchBox, Starts};
/// let f = builtin("double_well", 2).unwrap();
/// let b = SearchBox::cube(2, -2.0, 2.0).unwrap();
/// // An odd grid puts a start on the saddle's axis x = 0.
/// let s = EnumerationSettings::default().with_starts(Starts::Grid { per_axis: 5 });
/// let e = enumerate_critical_points(&f, &b, &s).unwrap();
/// assert_eq!((e.starts, e.points.len()), (25, 3));
/// assert_eq!(e.points.iter().map(|p| p.hits).sum::<usize>(), e.converged - e.outside);
/// assert!(e.points[0].loss <= e.points[2].loss);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enumeration {
    /// The distinct converged points, sorted by f (compared at a relative
    /// resolution of 1e-10 of the largest |f|, so that equal values up to
    /// round-off tie), then by coordinates.
    pub points: Vec<FoundPoint>,
    /// The number of starts.
    pub starts: usize,
    /// Starts whose finder converged (‖∇f‖ ≤ `grad_tol`), in the box or
    /// not.
    pub converged: usize,
    /// Converged starts whose point lay outside the box and was dropped.
    pub outside: usize,
    /// Starts whose finder returned an error (e.g. f not finite at a
    /// point it reached).
    pub failed: usize,
}

impl Enumeration {
    /// How many distinct points have this verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{builtin, enumerate_critical_points, EnumerationSettings, SearchBox, Verdict};
    /// let f = builtin("double_well", 2).unwrap();
    /// let b = SearchBox::cube(2, -2.0, 2.0).unwrap();
    /// let e = enumerate_critical_points(&f, &b, &EnumerationSettings::default()).unwrap();
    /// assert_eq!(e.count(Verdict::LocalMinimum), 2);
    /// assert_eq!(e.count(Verdict::SaddlePoint), 1);
    /// ```
    pub fn count(&self, verdict: Verdict) -> usize {
        self.points.iter().filter(|p| p.verdict == verdict).count()
    }

    /// The JSON report: `points` (each `x`, `loss`, `grad_norm`, `verdict`,
    /// `hits`), `counts` (distinct points per verdict, every verdict
    /// listed), `starts`, `converged`, `outside`, `failed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{builtin, enumerate_critical_points, EnumerationSettings, SearchBox};
    /// let f = builtin("double_well", 2).unwrap();
    /// let b = SearchBox::cube(2, -2.0, 2.0).unwrap();
    /// let json = enumerate_critical_points(&f, &b, &EnumerationSettings::default()).unwrap().to_json();
    /// assert_eq!(json["counts"]["saddle_point"], 1);
    /// assert_eq!(json["points"][0]["verdict"], "local_minimum"); // f = −¼ first
    /// ```
    pub fn to_json(&self) -> Value {
        let counts: serde_json::Map<String, Value> = Verdict::ALL
            .iter()
            .map(|v| (v.as_str().to_string(), Value::from(self.count(*v))))
            .collect();
        serde_json::json!({
            "points": self.points,
            "counts": counts,
            "starts": self.starts,
            "converged": self.converged,
            "outside": self.outside,
            "failed": self.failed,
        })
    }
}

/// Enumerates the critical points of a low-dimensional `f` in `bounds`:
/// runs the finder from every start (in parallel with rayon; results in
/// start order), keeps the converged ends (‖∇f‖ ≤ the finder's
/// `grad_tol`) inside the box, merges those closer than `dedup_tol` × the
/// box's diameter (walking them in start order and keeping the smallest
/// ‖∇f‖), and sorts them by f, then by coordinates. The verdict of each is
/// the finder's end-point analysis. The result is the same for any number
/// of threads.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when the box's dimension is not f's, the
/// errors of [`Starts::points`], and — only when every start failed — the
/// first start's error.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, enumerate_critical_points, EnumerationSettings, SearchBox, Starts, Verdict};
/// let f = builtin("himmelblau", 2).unwrap();
/// let b = SearchBox::cube(2, -5.0, 5.0).unwrap();
/// let s = EnumerationSettings::default().with_starts(Starts::Grid { per_axis: 12 });
/// let e = enumerate_critical_points(&f, &b, &s).unwrap();
/// assert_eq!(e.points.len(), 9);
/// assert_eq!(e.count(Verdict::LocalMaximum), 1);
/// assert_eq!(e.points[0].verdict, Verdict::LocalMinimum); // f = 0 first
/// ```
pub fn enumerate_critical_points<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    bounds: &SearchBox,
    settings: &EnumerationSettings,
) -> Result<Enumeration> {
    if bounds.dim() != f.dim() {
        return Err(Error::DimensionMismatch {
            what: "search box".into(),
            expected: format!("{} coordinates, as the function", f.dim()),
            found: format!("{}", bounds.dim()),
        });
    }
    let starts = settings.starts.points(bounds)?;
    let outcomes: Vec<Result<FinderOutcome>> = starts
        .par_iter()
        .map(|s| find_critical_point(f, s, settings.method, &settings.finder))
        .collect();

    let radius = settings.dedup_tol * bounds.diameter();
    let mut points: Vec<FoundPoint> = Vec::new();
    let (mut converged, mut outside, mut failed) = (0, 0, 0);
    let mut first_error = None;
    for outcome in outcomes {
        let o = match outcome {
            Ok(o) => o,
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
                continue;
            }
        };
        if !o.converged {
            continue;
        }
        converged += 1;
        if !settings.keep_outside && !bounds.contains(&o.x, 0.0) {
            outside += 1;
            continue;
        }
        let near = points.iter_mut().find(|p| distance(&p.x, &o.x) <= radius);
        match near {
            Some(p) => {
                p.hits += 1;
                if o.grad_norm < p.grad_norm {
                    (p.x, p.loss, p.grad_norm, p.verdict) = (o.x, o.loss, o.grad_norm, o.verdict);
                }
            }
            None => points.push(FoundPoint {
                x: o.x,
                loss: o.loss,
                grad_norm: o.grad_norm,
                verdict: o.verdict,
                hits: 1,
            }),
        }
    }
    if failed == starts.len() {
        if let Some(e) = first_error {
            return Err(e);
        }
    }

    let scale = points.iter().fold(1.0f64, |m, p| m.max(p.loss.abs()));
    let key = |p: &FoundPoint| (p.loss / scale * 1e10).round();
    points.sort_by(|a, b| {
        key(a).total_cmp(&key(b)).then_with(|| {
            a.x.iter()
                .zip(&b.x)
                .map(|(u, v)| u.total_cmp(v))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    Ok(Enumeration {
        points,
        starts: starts.len(),
        converged,
        outside,
        failed,
    })
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v) * (u - v))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Expression;

    #[test]
    fn damped_operator_is_h_squared_plus_lambda() {
        let f = Expression::parse("x^2 - 3*y^2 + x*y").unwrap();
        let h = HessianOperator::new(&f, &[0.3, -0.2]).unwrap();
        let op = Damped { h: &h, lambda: 0.5 };
        // H = [[2, 1], [1, −6]]; H² = [[5, −4], [−4, 37]].
        assert_eq!(op.apply(&[1.0, 0.0]).unwrap(), vec![5.5, -4.0]);
        assert_eq!(op.apply(&[0.0, 1.0]).unwrap(), vec![-4.0, 37.5]);
        assert_eq!(h.hvp_count(), 4);
    }

    #[test]
    fn merit_gradient_is_h_times_g() {
        let f = Expression::parse("x^3 + x*y^2").unwrap();
        let m = GradNormMerit {
            f: &f,
            hvps: Cell::new(0),
            best: RefCell::new(None),
        };
        let (v, grad) = m.gradient(&[1.0, 2.0]).unwrap();
        // g = (3x² + y², 2xy) = (7, 4); H = [[6x, 2y], [2y, 2x]] = [[6, 4], [4, 2]].
        assert_eq!(v, 0.5 * (49.0 + 16.0));
        assert_eq!(grad.as_slice(), &[58.0, 36.0]);
        assert_eq!(m.hvps.get(), 1);
        assert!(matches!(
            m.hvp(&[1.0, 2.0], &[1.0, 0.0]),
            Err(Error::InvalidInput(_))
        ));
        assert_eq!(m.best.borrow().as_ref().unwrap().0, v);
    }

    #[test]
    fn gradient_flat_start_stops_at_once() {
        // g = (0, 0, 1) lies in H's null space at the origin.
        let f = Expression::parse("x^2 + y^2/4 + z").unwrap();
        for method in [FinderMethod::NewtonMr, FinderMethod::Newton] {
            let o = find_critical_point(&f, &[0.0, 0.0, 0.0], method, &FinderSettings::default())
                .unwrap();
            assert_eq!(o.stop, FinderStop::GradientFlat, "{method}");
            assert_eq!(o.iterations, 0);
            assert_eq!(o.flatness, Some(0.0));
            assert_eq!(o.verdict, Verdict::NotCritical);
        }
    }

    #[test]
    fn grid_starts_cover_cell_centres_in_order() {
        let b = SearchBox::new(vec![0.0, 10.0], vec![3.0, 11.0]).unwrap();
        let p = Starts::Grid { per_axis: 3 }.points(&b).unwrap();
        assert_eq!(p.len(), 9);
        assert_eq!(p[0], vec![0.5, 10.0 + 1.0 / 6.0]);
        assert_eq!(p[1][0], 0.5);
        assert_eq!(p[3][0], 1.5);
    }
}
