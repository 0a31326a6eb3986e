//! The methods an escape is compared with, from the same point for the
//! same number of steps.

use nalgebra::DVector;
use serde::Serialize;

use super::step::{EscapeSettings, escape_step};
use crate::data::Rng;
use crate::{
    Error, HessianOperator, LanczosSettings, Method, OptimizerSpec, Result, TwiceDifferentiable,
    Which, descend, lanczos, symmetric_eigen,
};

/// One method's run from the escape's starting point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeRun {
    /// `gd`, `momentum`, `adam`, `pgd`, `saddle_free_newton` or
    /// `escape_then_<optimizer>`.
    pub method: String,
    /// The loss after the last step.
    pub loss: f64,
    /// The loss at the start and after every step (steps + 1 values).
    pub losses: Vec<f64>,
    /// The point after the last step.
    pub point: Vec<f64>,
}

/// Settings of perturbed gradient descent (Jin et al. 2017): when
/// ‖∇L‖ ≤ `g_thres` and no perturbation happened in the last `t_thres`
/// steps, add a point drawn uniformly from the ball of radius `radius`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PgdSettings {
    /// The gradient-descent rate η.
    pub lr: f64,
    /// The ball's radius r.
    pub radius: f64,
    /// The gradient norm below which to perturb.
    pub g_thres: f64,
    /// Steps between perturbations.
    pub t_thres: usize,
    /// The seed of the perturbations.
    pub seed: u64,
}

/// Perturbed gradient descent for `steps` steps; returns the run.
///
/// # Errors
///
/// A non-finite loss or gradient.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, perturbed_gradient_descent, PgdSettings};
/// let f = builtin("double_well", 2).unwrap();
/// let s = PgdSettings { lr: 0.1, radius: 0.01, g_thres: 1e-3, t_thres: 10, seed: 1 };
/// let run = perturbed_gradient_descent(&f, &[0.0, 0.0], &s, 200).unwrap();
/// assert!(run.loss < -0.24); // it left the saddle for a minimum, f = −1/4
/// ```
pub fn perturbed_gradient_descent<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    x: &[f64],
    s: &PgdSettings,
    steps: usize,
) -> Result<EscapeRun> {
    let n = x.len();
    let mut rng = Rng::new(s.seed);
    let mut p = x.to_vec();
    let mut losses = Vec::with_capacity(steps + 1);
    let mut last_perturbation: Option<usize> = None;
    for t in 0..steps {
        let (value, g) = f.gradient(&p)?;
        losses.push(value);
        let g = if g.norm() <= s.g_thres && last_perturbation.is_none_or(|l| t - l >= s.t_thres) {
            // Uniform in the ball: a Gaussian direction, radius r·U^(1/n).
            let dir: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let norm = dir.iter().map(|d| d * d).sum::<f64>().sqrt();
            let r = s.radius * rng.uniform().powf(1.0 / n as f64);
            for (pi, d) in p.iter_mut().zip(&dir) {
                *pi += r * d / norm;
            }
            last_perturbation = Some(t);
            f.gradient(&p)?.1
        } else {
            g
        };
        for (pi, gi) in p.iter_mut().zip(g.iter()) {
            *pi -= s.lr * gi;
        }
    }
    let end = f.value(&p)?;
    losses.push(end);
    Ok(EscapeRun {
        method: "pgd".into(),
        loss: end,
        losses,
        point: p,
    })
}

/// Saddle-free Newton (Dauphin et al. 2014): Δθ = −|H|⁻¹∇L with
/// |H| = V(|Λ| + μ)Vᵀ, μ = `damping`·max|λ|, so that negative curvature
/// repels instead of attracting; each step is halved until the loss falls
/// (at most 20 times; a step that never lowers it is not taken). Dense up
/// to `dense_budget` parameters; above, |H| comes from Lanczos' 20
/// eigenpairs at each end, and the rest of the gradient takes a step of
/// 1/max|λ|.
///
/// # Errors
///
/// Those of the derivatives and eigensolvers.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, saddle_free_newton};
/// let f = builtin("double_well", 2).unwrap();
/// // Near, not at, the saddle: the gradient has a component to follow.
/// let run = saddle_free_newton(&f, &[0.01, 0.5], 20, 1e-3, 3000).unwrap();
/// assert!(run.loss < -0.2499);
/// ```
pub fn saddle_free_newton<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    x: &[f64],
    steps: usize,
    damping: f64,
    dense_budget: usize,
) -> Result<EscapeRun> {
    if !(damping.is_finite() && damping > 0.0) {
        return Err(Error::InvalidSetting {
            name: "saddle-free Newton damping".into(),
            message: format!("expected a finite number > 0, got {damping}"),
        });
    }
    let mut p = x.to_vec();
    let mut losses = Vec::with_capacity(steps + 1);
    for _ in 0..steps {
        let (value, g) = f.gradient(&p)?;
        losses.push(value);
        let step = sfn_direction(f, &p, &g, damping, dense_budget)?;
        let mut alpha = 1.0;
        for _ in 0..20 {
            let trial: Vec<f64> = p
                .iter()
                .zip(step.iter())
                .map(|(a, b)| a + alpha * b)
                .collect();
            if f.value(&trial)? < value {
                p = trial;
                break;
            }
            alpha *= 0.5;
        }
    }
    let end = f.value(&p)?;
    losses.push(end);
    Ok(EscapeRun {
        method: "saddle_free_newton".into(),
        loss: end,
        losses,
        point: p,
    })
}

fn sfn_direction<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    p: &[f64],
    g: &DVector<f64>,
    damping: f64,
    dense_budget: usize,
) -> Result<DVector<f64>> {
    if p.len() <= dense_budget {
        let h = f.hessian(p)?;
        let s = symmetric_eigen(&h.matrix)?;
        let n = s.eigenvalues.len();
        let mu = damping * s.eigenvalues[0].abs().max(s.eigenvalues[n - 1].abs());
        let coef = s.eigenvectors.tr_mul(g);
        let scaled = DVector::from_iterator(
            n,
            coef.iter()
                .zip(s.eigenvalues.iter())
                .map(|(c, l)| -c / (l.abs() + mu)),
        );
        Ok(&s.eigenvectors * scaled)
    } else {
        let op = HessianOperator::new(f, p)?;
        let k = 20.min(p.len() / 2).max(1);
        let ends = lanczos(
            &op,
            &LanczosSettings::default()
                .with_k(k)?
                .with_which(Which::Both)
                .with_tol(1e-6)?,
        )?;
        let scale = ends.norm_estimate.max(f64::MIN_POSITIVE);
        let mu = damping * scale;
        // Inside the span of the pairs: −Σ uᵢ(uᵢᵀg)/(|λᵢ|+μ); outside: −g/max|λ|.
        let mut step = g * (-1.0 / scale);
        for pair in ends.smallest.iter().chain(&ends.largest) {
            let c = pair.vector.dot(g);
            step += &pair.vector * (c / scale - c / (pair.value.abs() + mu));
        }
        Ok(step)
    }
}

/// From the same point, for the same number of steps: gradient descent,
/// momentum (λ = 0.9), Adam — each at `optimizer`'s learning rate —,
/// perturbed gradient descent, saddle-free Newton, and the escape step
/// followed by `optimizer` for the remaining steps
/// (`escape_then_<name>`). Also returns the escape step, or `None` when
/// there is no negative curvature (then that run is left out).
///
/// # Errors
///
/// `steps` = 0, or the errors of the runs.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, compare_escapes, EscapeSettings, OptimizerSpec};
/// let f = builtin("double_well", 2).unwrap();
/// let (step, runs) = compare_escapes(&f, &[0.0, 0.0], 30, &OptimizerSpec::parse("gd(lr=0.1)").unwrap(), &EscapeSettings::default()).unwrap();
/// assert!(step.is_some());
/// let loss = |m: &str| runs.iter().find(|r| r.method == m).unwrap().loss;
/// assert_eq!(loss("gd"), 0.0); // the gradient is zero: gradient descent stays put
/// assert!(loss("escape_then_gd") < -0.24);
/// ```
pub fn compare_escapes<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    x: &[f64],
    steps: usize,
    optimizer: &OptimizerSpec,
    settings: &EscapeSettings,
) -> Result<(Option<super::EscapeStep>, Vec<EscapeRun>)> {
    if steps == 0 {
        return Err(Error::InvalidSetting {
            name: "steps".into(),
            message: "expected at least 1 step, got 0".into(),
        });
    }
    let lr = optimizer.lr();
    let mut runs = Vec::new();
    for (name, spec) in [
        ("gd", format!("gd(lr={lr})")),
        ("momentum", format!("momentum(lr={lr},lambda=0.9)")),
        ("adam", format!("adam(lr={lr})")),
    ] {
        let d = descend(
            f,
            &Method::Optimizer(OptimizerSpec::parse(&spec)?),
            None,
            x,
            steps,
        )?;
        let mut losses = d.trajectory.f.clone();
        losses.push(d.value);
        runs.push(EscapeRun {
            method: name.into(),
            loss: d.value,
            losses,
            point: d.x,
        });
    }
    let (_, g0) = f.gradient(x)?;
    let pgd = PgdSettings {
        lr,
        radius: lr.max(1e-3),
        g_thres: 1e-3 * g0.norm().max(1.0),
        t_thres: 10,
        seed: settings.seed(),
    };
    runs.push(perturbed_gradient_descent(f, x, &pgd, steps)?);
    runs.push(saddle_free_newton(
        f,
        x,
        steps,
        1e-3,
        settings.dense_budget(),
    )?);
    let step = match escape_step(f, x, settings) {
        Ok(s) => Some(s),
        Err(Error::InvalidInput(_)) => None,
        Err(e) => return Err(e),
    };
    if let Some(s) = &step {
        let d = descend(
            f,
            &Method::Optimizer(optimizer.clone()),
            None,
            &s.point,
            steps - 1,
        )?;
        let mut losses = vec![s.loss_before];
        losses.extend(d.trajectory.f.iter().copied());
        losses.push(d.value);
        runs.push(EscapeRun {
            method: format!("escape_then_{}", optimizer.name()),
            loss: d.value,
            losses,
            point: d.x,
        });
    }
    Ok((step, runs))
}
