//! The negative-curvature escape step.

use nalgebra::DVector;
use serde::Serialize;

use crate::{
    Error, HessianOperator, LanczosSettings, Result, TwiceDifferentiable, Which, lanczos,
    symmetric_eigen,
};

/// Settings of [`escape_step`]. `Default`: the dense spectrum up to 3000
/// parameters (Lanczos above, tolerance 1e-8), trial lengths from 1
/// halving 30 times, eigenvalues above −1e-9·max|λ| count as no negative
/// curvature.
///
/// # Examples
///
/// ```
/// use saddlescope::EscapeSettings;
/// let s = EscapeSettings::default().with_initial_step(0.5).unwrap();
/// assert_eq!(s.initial_step(), 0.5);
/// assert!(EscapeSettings::default().with_initial_step(0.0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeSettings {
    dense_budget: usize,
    initial_step: f64,
    halvings: usize,
    eig_tol: f64,
    seed: u64,
    lengthen: bool,
}

impl Default for EscapeSettings {
    fn default() -> Self {
        EscapeSettings {
            dense_budget: 3000,
            initial_step: 1.0,
            halvings: 30,
            eig_tol: 1e-9,
            seed: 0,
            lengthen: true,
        }
    }
}

impl EscapeSettings {
    /// The longest trial step α₀; the line search halves it.
    ///
    /// # Errors
    ///
    /// Not finite and positive.
    pub fn with_initial_step(mut self, alpha: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(Error::InvalidSetting {
                name: "initial escape step".into(),
                message: format!("expected a finite length > 0, got {alpha}"),
            });
        }
        self.initial_step = alpha;
        Ok(self)
    }
    /// Dense eigendecomposition up to this many parameters, Lanczos above.
    pub fn with_dense_budget(mut self, n: usize) -> Self {
        self.dense_budget = n;
        self
    }
    /// Whether an accepted first trial length is doubled while that lowers
    /// the loss further (default yes; off, α₀ is the longest step).
    pub fn with_lengthening(mut self, on: bool) -> Self {
        self.lengthen = on;
        self
    }
    /// The seed of Lanczos' start vector.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// The longest trial step.
    pub fn initial_step(&self) -> f64 {
        self.initial_step
    }
    /// The dense budget.
    pub fn dense_budget(&self) -> usize {
        self.dense_budget
    }
    /// The seed (Lanczos' start, and perturbed gradient descent's noise).
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// λmin and its unit eigenvector: dense up to `dense_budget` parameters,
/// Lanczos (tolerance 1e-8) above. Returns also max|λ| (for the zero
/// tolerance) and which method was used.
///
/// # Errors
///
/// Those of the Hessian, the eigensolvers, or Lanczos not converging.
///
/// # Examples
///
/// ```
/// use saddlescope::{negative_curvature, EscapeSettings, Expression};
/// let f = Expression::parse("x^2 - 3*y^2").unwrap();
/// let (lambda, u, scale, _) = negative_curvature(&f, &[0.0, 0.0], &EscapeSettings::default()).unwrap();
/// assert_eq!((lambda, scale), (-6.0, 6.0));
/// assert!((u[1].abs() - 1.0).abs() < 1e-12);
/// ```
pub fn negative_curvature<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    x: &[f64],
    settings: &EscapeSettings,
) -> Result<(f64, DVector<f64>, f64, &'static str)> {
    if x.len() <= settings.dense_budget {
        let h = f.hessian(x)?;
        let s = symmetric_eigen(&h.matrix)?;
        let n = s.eigenvalues.len();
        let scale = s.eigenvalues[0].abs().max(s.eigenvalues[n - 1].abs());
        Ok((
            s.eigenvalues[0],
            s.eigenvectors.column(0).into_owned(),
            scale,
            "dense",
        ))
    } else {
        let op = HessianOperator::new(f, x)?;
        let ends = lanczos(
            &op,
            &LanczosSettings::default()
                .with_which(Which::Both)
                .with_tol(1e-8)?
                .with_seed(settings.seed),
        )?;
        if !ends.converged {
            return Err(Error::NoConvergence {
                what: "Lanczos for λmin".into(),
                detail: format!("not converged within {} HVPs", ends.hvp_count),
            });
        }
        let low = &ends.smallest[0];
        let high = ends.largest[ends.largest.len() - 1].value;
        Ok((
            low.value,
            low.vector.clone(),
            low.value.abs().max(high.abs()),
            "lanczos",
        ))
    }
}

/// One escape step from a point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeStep {
    /// L at the start.
    pub loss_before: f64,
    /// λmin of the Hessian there.
    pub lambda_min: f64,
    /// "dense" or "lanczos".
    pub method: &'static str,
    /// The step length α taken.
    pub step_length: f64,
    /// +1 or −1: the sign of u taken.
    pub sign: f64,
    /// α·∇Lᵀ(su) + ½λα²: the second-order prediction.
    pub predicted_change: f64,
    /// L(θ + αsu) − L(θ).
    pub actual_change: f64,
    /// L after the step.
    pub loss_after: f64,
    /// The unit direction s·u.
    pub direction: Vec<f64>,
    /// θ + αsu.
    pub point: Vec<f64>,
    /// Loss evaluations of the line search.
    pub evaluations: usize,
}

/// The escape step along ±u_min: both signs tried at lengths α₀, α₀/2, …;
/// at the first length where a sign lowers L that sign is kept, and the
/// length is then halved while that lowers L further — or, when α₀ itself
/// was accepted, doubled while that does (so the step is neither
/// needlessly short nor past the far side of the valley).
///
/// # Errors
///
/// No negative curvature (λmin ≥ −tol·max|λ|: this is not a saddle), no
/// length that lowers L, or the errors of [`negative_curvature`].
///
/// # Examples
///
/// ```
/// use saddlescope::{escape_step, builtin, EscapeSettings};
/// let f = builtin("double_well", 2).unwrap();
/// let e = escape_step(&f, &[0.0, 0.0], &EscapeSettings::default()).unwrap();
/// assert_eq!(e.lambda_min, -1.0);
/// assert!(e.loss_after < e.loss_before);
/// assert!((e.point[0].abs() - 1.0).abs() < 0.5); // towards a minimum at (±1, 0)
/// ```
pub fn escape_step<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    x: &[f64],
    settings: &EscapeSettings,
) -> Result<EscapeStep> {
    let (f0, g) = f.gradient(x)?;
    let (lambda, u, scale, method) = negative_curvature(f, x, settings)?;
    if lambda >= -settings.eig_tol * scale {
        return Err(Error::InvalidInput(format!(
            "no negative curvature to escape along: λmin = {lambda:e} (max|λ| = {scale:e}); \
             this is not a saddle point"
        )));
    }
    let gu = g.dot(&u);
    let mut evaluations = 0;
    let mut trial = |alpha: f64, sign: f64| -> Result<(f64, Vec<f64>)> {
        evaluations += 1;
        let p: Vec<f64> = x
            .iter()
            .zip(u.iter())
            .map(|(a, b)| a + sign * alpha * b)
            .collect();
        let v = f.value(&p)?;
        Ok((v, p))
    };
    let mut alpha = settings.initial_step;
    let mut best: Option<(f64, f64, f64, Vec<f64>)> = None; // (loss, alpha, sign, point)
    for _ in 0..=settings.halvings {
        let plus = trial(alpha, 1.0)?;
        let minus = trial(alpha, -1.0)?;
        let (loss, sign, point) = if minus.0 < plus.0 {
            (minus.0, -1.0, minus.1)
        } else {
            (plus.0, 1.0, plus.1)
        };
        if loss < f0 {
            best = Some((loss, alpha, sign, point));
            break;
        }
        alpha *= 0.5;
    }
    let Some((mut loss, mut alpha, sign, mut point)) = best else {
        return Err(Error::InvalidInput(format!(
            "no step along ±u_min (λmin = {lambda:e}) from α = {} down to {:e} lowers the loss",
            settings.initial_step, alpha
        )));
    };
    // Shorten while a shorter step is better still (the loss along ±u is
    // not a parabola: past its valley a long step gains less).
    if alpha < settings.initial_step || !settings.lengthen {
        for _ in 0..settings.halvings {
            let (l, p) = trial(0.5 * alpha, sign)?;
            if l < loss {
                loss = l;
                alpha *= 0.5;
                point = p;
            } else {
                break;
            }
        }
    }
    // Lengthen while it keeps helping (only when α₀ was accepted at once).
    if settings.lengthen && alpha == settings.initial_step {
        for _ in 0..30 {
            let (l, p) = trial(2.0 * alpha, sign)?;
            if l < loss {
                loss = l;
                alpha *= 2.0;
                point = p;
            } else {
                break;
            }
        }
    }
    Ok(EscapeStep {
        loss_before: f0,
        lambda_min: lambda,
        method,
        step_length: alpha,
        sign,
        predicted_change: sign * alpha * gu + 0.5 * lambda * alpha * alpha,
        actual_change: loss - f0,
        loss_after: loss,
        direction: u.iter().map(|v| sign * v).collect(),
        point,
        evaluations,
    })
}
