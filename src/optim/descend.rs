//! [`descend`]: run an optimizer (with a schedule) or an argmin solver from
//! a start point, recording the [`Trajectory`].

use std::fmt;
use std::str::FromStr;

use super::optimizer::{OPTIMIZER_NAMES, Optimizer, OptimizerSpec};
use super::schedule::{ScheduleSpec, Scheduler};
use super::solvers::{self, SOLVER_NAMES, SolverSpec};
use super::spec::parse_call;
use crate::{Error, Result, TwiceDifferentiable};

/// What [`descend`] runs: a first-order optimizer (torch.optim) or an
/// argmin solver. Parses either spec; the name decides which.
///
/// # Examples
///
/// ```
/// use saddlescope::Method;
///
/// assert!(matches!(Method::parse("adam(lr=0.01)").unwrap(), Method::Optimizer(_)));
/// assert!(matches!(Method::parse("lbfgs").unwrap(), Method::Solver(_)));
/// let err = Method::parse("adamax").unwrap_err().to_string();
/// assert!(err.contains("adam, adamw") && err.contains("lbfgs"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// A torch.optim optimizer (or gd, momentum), stepped with gradients.
    Optimizer(OptimizerSpec),
    /// An argmin solver with its own line search or trust region.
    Solver(SolverSpec),
}

impl Method {
    /// Parses an optimizer or solver spec.
    ///
    /// # Errors
    ///
    /// As [`OptimizerSpec::parse`] and [`SolverSpec::parse`]; an unknown
    /// name lists every optimizer and solver.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Method;
    /// assert_eq!(Method::parse("newton_cg").unwrap().name(), "newton_cg");
    /// ```
    pub fn parse(src: &str) -> Result<Method> {
        let call = parse_call(src, "method spec")?;
        if OPTIMIZER_NAMES.contains(&call.name.as_str()) {
            OptimizerSpec::from_call(&call).map(Method::Optimizer)
        } else if SOLVER_NAMES.contains(&call.name.as_str()) {
            SolverSpec::from_call(&call).map(Method::Solver)
        } else {
            Err(Error::Unknown {
                kind: "optimizer or solver".to_string(),
                name: call.name,
                known: OPTIMIZER_NAMES
                    .iter()
                    .chain(&SOLVER_NAMES)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }

    /// The spec name.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Method;
    /// assert_eq!(Method::parse("sgd").unwrap().name(), "sgd");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Method::Optimizer(o) => o.name(),
            Method::Solver(s) => s.name(),
        }
    }
}

impl FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Method::parse(s)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Optimizer(o) => o.fmt(f),
            Method::Solver(s) => s.fmt(f),
        }
    }
}

/// The path a method took: `points` has one more entry than the others
/// (the start first, then the point after each step); `f`, `grad_norm`
/// are at the start of each step and `lr` is the rate the step used.
///
/// For argmin solvers there is one entry per solver iteration and `lr[k]`
/// is the length ‖θₖ₊₁ − θₖ‖₂ of the step taken (0 when a trust-region
/// step was rejected) — argmin does not report its line-search α.
///
/// # Examples
///
/// ```
/// use saddlescope::{descend, Expression, Method};
/// let f = Expression::parse("x^2").unwrap();
/// let d = descend(&f, &Method::parse("gd(lr=0.25)").unwrap(), None, &[1.0], 2).unwrap();
/// assert_eq!(d.trajectory.points, [[1.0], [0.5], [0.25]]);
/// assert_eq!(d.trajectory.f, [1.0, 0.25]);
/// assert_eq!(d.trajectory.grad_norm, [2.0, 1.0]);
/// assert_eq!(d.trajectory.lr, [0.25, 0.25]);
/// assert_eq!(d.trajectory.steps(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trajectory {
    /// θ₀ (the start), θ₁, …, θ_N.
    pub points: Vec<Vec<f64>>,
    /// f(θₖ) for k = 0 … N−1.
    pub f: Vec<f64>,
    /// The learning rate of step k+1 (solvers: its length).
    pub lr: Vec<f64>,
    /// ‖∇f(θₖ)‖₂ for k = 0 … N−1.
    pub grad_norm: Vec<f64>,
}

impl Trajectory {
    /// The number of steps N.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Trajectory::default().steps(), 0);
    /// ```
    pub fn steps(&self) -> usize {
        self.f.len()
    }
}

/// Why a run ended.
///
/// # Examples
///
/// ```
/// use saddlescope::{descend, builtin, Method, StopReason};
/// let f = builtin("rosenbrock", 2).unwrap();
/// let d = descend(&f, &Method::parse("lbfgs").unwrap(), None, &[-1.2, 1.0], 1000).unwrap();
/// assert_eq!(d.stop, StopReason::GradTol);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// All the steps asked for (or the solver's `max_iters`) were taken.
    Budget,
    /// The gradient norm fell below `grad_tol`.
    GradTol,
    /// An iteration changed f by less than `cost_tol`.
    CostTol,
    /// The solver's own convergence test (argmin's; none of the solvers
    /// here uses one beyond the criteria above, but a wrapped solver may).
    SolverConverged,
    /// The solver's line search found no step that lowers f (typically f
    /// is flat to rounding there); the point is the last accepted one.
    LineSearchFailed,
}

/// The outcome of [`descend`] or [`solve`](crate::solve).
///
/// # Examples
///
/// ```
/// use saddlescope::{descend, Expression, Method};
/// let f = Expression::parse("(x - 3)^2").unwrap();
/// let d = descend(&f, &Method::parse("sgd(lr=0.1)").unwrap(), None, &[0.0], 100).unwrap();
/// assert!((d.x[0] - 3.0).abs() < 1e-6 && d.value < 1e-12);
/// assert_eq!(d.hvps, 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Descent {
    /// The path.
    pub trajectory: Trajectory,
    /// The final point (the last of `trajectory.points`).
    pub x: Vec<f64>,
    /// f at the final point.
    pub value: f64,
    /// Why the run ended.
    pub stop: StopReason,
    /// Hessian-vector products evaluated (Newton-CG, trust region).
    pub hvps: usize,
}

/// Runs `method` from `start` for `steps` steps on `f`, with an optional
/// learning-rate `schedule`, and returns the trajectory and the end point.
///
/// For an optimizer each step is torch's loop — `loss = f(θ)`, backward,
/// `optimizer.step()`, `scheduler.step()` (ReduceLROnPlateau gets that
/// step's `loss`) — so the trajectory is torch.optim's, to the bit on the
/// same gradients (see the guarantees below). For an argmin solver `steps`
/// caps the iterations (with the spec's `max_iters`), and the run may stop
/// earlier on its tolerances.
///
/// # Spec syntax
///
/// `name(key=value, …)` with PyTorch's lower-case class and keyword names;
/// a bare name takes PyTorch's defaults. Values: numbers (`0.01`, `1e-8`),
/// `true`/`false`, words (`cos`, `'min'`), tuples `(0.9,0.999)`, lists
/// `[40,120]`, nested specs. Names, keys and words ignore case (`T_max`).
/// See [`OptimizerSpec`], [`ScheduleSpec`] and [`SolverSpec`] for the
/// names and keys; `Display` of each gives the canonical spec back.
///
/// # Guarantees
///
/// - Optimizers and schedules follow PyTorch 2.15's single-tensor code
///   line by line, in float64, including where torch's CPU kernels fuse a
///   multiply-add (measured; see the crate's `tests/fixtures/optim`).
///   Scalars that torch keeps as tensors (`step`, NAdam's `mu_product`) are
///   float64, as with `torch.set_default_dtype(torch.float64)`.
/// - A run resumes bit-identically from [`Optimizer::state`] and
///   [`Scheduler::state`].
/// - No panics on user input: bad specs, dimensions and non-finite values
///   are errors.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] for a start of the wrong length;
/// [`Error::InvalidSetting`] for a schedule with a solver, or settings that
/// fail their checks; [`Error::NonFinite`] naming the step when f, ∇f or
/// the new point is NaN or infinite; a schedule's errors (e.g. OneCycleLR
/// stepped past `total_steps`); [`Error::NoConvergence`] when argmin fails.
///
/// # Examples
///
/// ```
/// use saddlescope::{descend, Expression, Method, ScheduleSpec};
///
/// let f = Expression::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
/// let adam = Method::parse("adam(lr=0.05)").unwrap();
/// let steplr = ScheduleSpec::parse("steplr(step_size=50,gamma=0.5)").unwrap();
/// let d = descend(&f, &adam, Some(&steplr), &[-1.5, 2.0], 200).unwrap();
/// assert_eq!(d.trajectory.points.len(), 201);
/// assert_eq!((d.trajectory.lr[49], d.trajectory.lr[50]), (0.05, 0.025));
/// assert!(d.value < d.trajectory.f[0]);
///
/// let exploding = Expression::parse("exp(x)").unwrap();
/// let err = descend(&exploding, &Method::parse("sgd(lr=1e300,maximize=true)").unwrap(), None, &[1.0], 5).unwrap_err();
/// assert!(err.to_string().contains("step"), "{err}");
/// ```
pub fn descend<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    method: &Method,
    schedule: Option<&ScheduleSpec>,
    start: &[f64],
    steps: usize,
) -> Result<Descent> {
    match method {
        Method::Solver(spec) => {
            if let Some(s) = schedule {
                return Err(Error::InvalidSetting {
                    name: "schedule".to_string(),
                    message: format!(
                        "`{}` chooses its own step lengths; schedules such as `{}` apply to optimizers only",
                        spec.name(),
                        s.name()
                    ),
                });
            }
            solvers::run(f, spec, start, u64::try_from(steps).unwrap_or(u64::MAX))
        }
        Method::Optimizer(spec) => run_optimizer(f, spec, schedule, start, steps),
    }
}

fn run_optimizer<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    spec: &OptimizerSpec,
    schedule: Option<&ScheduleSpec>,
    start: &[f64],
    steps: usize,
) -> Result<Descent> {
    let name = spec.name();
    if start.len() != f.dim() {
        return Err(Error::DimensionMismatch {
            what: format!("start point for `{name}`"),
            expected: format!("{} coordinates", f.dim()),
            found: format!("{}", start.len()),
        });
    }
    let mut opt = Optimizer::new(spec, start.len())?;
    let mut sched = schedule.map(|s| Scheduler::new(s, &mut opt)).transpose()?;
    let mut x = start.to_vec();
    let mut t = Trajectory {
        points: vec![x.clone()],
        ..Trajectory::default()
    };
    for k in 1..=steps {
        let at = |what: String| format!("{what} at the start of step {k} of `{name}`");
        let (value, g) = f.gradient(&x).map_err(|e| located(e, &at))?;
        if !value.is_finite() {
            return Err(non_finite(at("the objective's value".into()), value, &x));
        }
        if let Some(bad) = g.iter().find(|v| !v.is_finite()) {
            return Err(non_finite(at("the gradient".into()), *bad, &x));
        }
        t.f.push(value);
        t.grad_norm.push(g.norm());
        t.lr.push(opt.lr());
        opt.step(&mut x, g.as_slice())?;
        if let Some((i, bad)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: format!("the point after step {k} of `{name}`"),
                detail: format!("coordinate {i} is {bad}"),
            });
        }
        if let Some(s) = sched.as_mut() {
            s.step(&mut opt, Some(value))?;
        }
        t.points.push(x.clone());
    }
    let value = f.value(&x).map_err(|e| {
        located(e, &|what| {
            format!("{what} after the last step ({steps}) of `{name}`")
        })
    })?;
    if !value.is_finite() {
        return Err(non_finite(
            format!("the objective's value after the last step ({steps}) of `{name}`"),
            value,
            &x,
        ));
    }
    Ok(Descent {
        trajectory: t,
        x,
        value,
        stop: StopReason::Budget,
        hvps: 0,
    })
}

/// Adds where it happened to a non-finite error from the function.
fn located(e: Error, at: &dyn Fn(String) -> String) -> Error {
    match e {
        Error::NonFinite { what, detail } => Error::NonFinite {
            what: at(what),
            detail,
        },
        other => other,
    }
}

fn non_finite(what: String, value: f64, x: &[f64]) -> Error {
    Error::NonFinite {
        what,
        detail: format!("{value} at {x:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Expression;

    #[test]
    fn a_schedule_with_a_solver_is_refused() {
        let f = Expression::parse("x^2").unwrap();
        let s = ScheduleSpec::parse("steplr(step_size=3)").unwrap();
        let e = descend(&f, &Method::parse("bfgs").unwrap(), Some(&s), &[1.0], 3).unwrap_err();
        assert!(e.to_string().contains("schedules such as `steplr`"), "{e}");
    }

    #[test]
    fn non_finite_values_name_the_step() {
        let f = Expression::parse("x^2").unwrap();
        let m = Method::parse("sgd(lr=1e300)").unwrap();
        let e = descend(&f, &m, None, &[1e10], 3).unwrap_err();
        assert!(matches!(e, Error::NonFinite { .. }), "{e}");
        assert!(e.to_string().contains("step 1 of `sgd`"), "{e}");
        let e = descend(&f, &m, None, &[1.0, 2.0], 3).unwrap_err();
        assert!(matches!(e, Error::DimensionMismatch { .. }), "{e}");
    }

    #[test]
    fn zero_steps_return_the_start() {
        let f = Expression::parse("x^2").unwrap();
        let d = descend(&f, &Method::parse("adam").unwrap(), None, &[2.0], 0).unwrap();
        assert_eq!(
            (d.x, d.value, d.trajectory.points.len()),
            (vec![2.0], 4.0, 1)
        );
    }
}
