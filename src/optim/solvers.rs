//! argmin's deterministic full-batch solvers on a [`TwiceDifferentiable`]:
//! L-BFGS, BFGS, nonlinear conjugate gradient, Newton-CG and a Steihaug
//! trust region, run through argmin's `Executor` with argmin-math's `vec`
//! backend (`Vec<f64>` at the boundary).
//!
//! Newton-CG and the trust region never form a Hessian: argmin asks the
//! problem for a Hessian *value* and then only multiplies it with vectors
//! (`ArgminDot`), so [`HvpOperator`] stands in for the matrix — it keeps the
//! point and answers each product with one
//! [`TwiceDifferentiable::hvp`] (forward-over-reverse), remembering the
//! last product because Steihaug's CG asks for the same d·H·d and H·d
//! in turn. Newton-CG is our own argmin `Solver` (see `newton_cg` for why
//! not argmin's `NewtonCG`); the others are argmin's.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::str::FromStr;

use argmin::core::{
    CostFunction, Error as ArgminError, Executor, Gradient, Hessian, IterState, KV, Problem,
    Solver, State, TerminationReason, TerminationStatus,
};
use argmin::solver::conjugategradient::NonlinearConjugateGradient;
use argmin::solver::conjugategradient::beta::{
    FletcherReeves, HestenesStiefel, PolakRibiere, PolakRibierePlus,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use argmin_math::ArgminDot;

use super::descend::{Descent, StopReason, Trajectory};
use super::newton_cg::NewtonCg;
use super::spec::{Args, Call, num, parse_call, require};
use crate::{Error, Result, TwiceDifferentiable};

/// The argmin solvers.
pub(crate) const SOLVER_NAMES: [&str; 5] = ["lbfgs", "bfgs", "cg", "newton_cg", "trust_region"];

/// When an argmin solver stops, common to all of them.
///
/// # Examples
///
/// ```
/// use saddlescope::{SolverSpec, StopCriteria};
/// let s = SolverSpec::parse("bfgs(max_iters=50,grad_tol=1e-6)").unwrap();
/// assert_eq!(s.stop(), &StopCriteria { max_iters: 50, grad_tol: 1e-6, cost_tol: 0.0 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopCriteria {
    /// At most this many iterations (`max_iters`, default 1000).
    pub max_iters: u64,
    /// Stop when ‖∇f‖₂ < grad_tol (`grad_tol`, default 1e-10; 0 turns it
    /// off).
    pub grad_tol: f64,
    /// Stop when an iteration that moved changed f by less than cost_tol
    /// (`cost_tol`, default 0: off).
    pub cost_tol: f64,
}

impl Default for StopCriteria {
    fn default() -> Self {
        StopCriteria {
            max_iters: 1000,
            grad_tol: 1e-10,
            cost_tol: 0.0,
        }
    }
}

/// Nonlinear CG's β formula.
///
/// # Examples
///
/// ```
/// use saddlescope::{CgBeta, SolverSpec};
/// let s = SolverSpec::parse("cg(beta=fletcher_reeves)").unwrap();
/// assert!(matches!(s, SolverSpec::Cg { beta: CgBeta::FletcherReeves, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgBeta {
    /// Fletcher–Reeves (1964).
    FletcherReeves,
    /// Polak–Ribière (1969), the default.
    PolakRibiere,
    /// Polak–Ribière clipped at zero.
    PolakRibierePlus,
    /// Hestenes–Stiefel (1952).
    HestenesStiefel,
}

impl CgBeta {
    fn as_str(self) -> &'static str {
        match self {
            CgBeta::FletcherReeves => "fletcher_reeves",
            CgBeta::PolakRibiere => "polak_ribiere",
            CgBeta::PolakRibierePlus => "polak_ribiere_plus",
            CgBeta::HestenesStiefel => "hestenes_stiefel",
        }
    }
}

/// A deterministic argmin solver and its settings.
///
/// | spec | argmin solver | keys (defaults) |
/// |---|---|---|
/// | `lbfgs` | `LBFGS` + More–Thuente line search (Nocedal 1980) | `m=10` (history) |
/// | `bfgs` | `BFGS` + More–Thuente, H₀ = I | — |
/// | `cg` | `NonlinearConjugateGradient` + More–Thuente (c₁=1e-4, c₂=0.1) | `beta=polak_ribiere` (or `fletcher_reeves`, `polak_ribiere_plus`, `hestenes_stiefel`), `restart_iters=10`, `restart_orthogonality=0.1` |
/// | `newton_cg` | line-search Newton-CG (Nocedal & Wright Alg. 7.1) as an argmin `Solver` + More–Thuente, Hessian-vector products | `curvature_threshold=0` |
/// | `trust_region` | `TrustRegion` + `Steihaug` CG (Steihaug 1983), Hessian-vector products | `radius=1, max_radius=100, eta=0.125` |
///
/// Every solver also takes `max_iters=1000, grad_tol=1e-10, cost_tol=0`
/// ([`StopCriteria`]).
///
/// # Examples
///
/// ```
/// use saddlescope::SolverSpec;
/// let s = SolverSpec::parse("trust_region(radius=0.5)").unwrap();
/// assert_eq!(
///     s.to_string(),
///     "trust_region(radius=0.5,max_radius=100,eta=0.125,max_iters=1000,grad_tol=1e-10,cost_tol=0)"
/// );
/// assert_eq!(s.to_string().parse::<SolverSpec>().unwrap(), s);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SolverSpec {
    /// Limited-memory BFGS.
    Lbfgs {
        /// Number of correction pairs kept, ≥ 1.
        m: usize,
        /// When to stop.
        stop: StopCriteria,
    },
    /// BFGS with a dense inverse-Hessian estimate.
    Bfgs {
        /// When to stop.
        stop: StopCriteria,
    },
    /// Nonlinear conjugate gradient.
    Cg {
        /// The β update.
        beta: CgBeta,
        /// Restart with steepest descent every this many iterations.
        restart_iters: u64,
        /// Restart when successive gradients are less orthogonal than this.
        restart_orthogonality: f64,
        /// When to stop.
        stop: StopCriteria,
    },
    /// Line-search Newton-CG: CG on H·p = −g with Hessian-vector products.
    NewtonCg {
        /// CG stops at directions of curvature ≤ this.
        curvature_threshold: f64,
        /// When to stop.
        stop: StopCriteria,
    },
    /// Trust region with Steihaug's truncated CG on Hessian-vector products.
    TrustRegion {
        /// Initial trust-region radius, > 0.
        radius: f64,
        /// Largest radius, > 0.
        max_radius: f64,
        /// Steps with actual/predicted reduction ≤ eta are rejected; in [0, ¼).
        eta: f64,
        /// When to stop.
        stop: StopCriteria,
    },
}

impl SolverSpec {
    /// Parses `name(key=value,…)`.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for malformed syntax, [`Error::Unknown`] for an
    /// unknown solver or key, [`Error::InvalidSetting`] for a value of the
    /// wrong type or out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SolverSpec;
    /// assert_eq!(SolverSpec::parse("lbfgs(m=5)").unwrap().name(), "lbfgs");
    /// let err = SolverSpec::parse("lbfgs(m=0)").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid m: `lbfgs` needs 1 ≤ m ≤ 10000, found 0");
    /// ```
    pub fn parse(src: &str) -> Result<SolverSpec> {
        let call = parse_call(src, "solver spec")?;
        SolverSpec::from_call(&call)
    }

    pub(crate) fn from_call(call: &Call) -> Result<SolverSpec> {
        let name = call.name.as_str();
        let own: &[&str] = match name {
            "lbfgs" => &["m"],
            "bfgs" => &[],
            "cg" => &["beta", "restart_iters", "restart_orthogonality"],
            "newton_cg" => &["curvature_threshold"],
            "trust_region" => &["radius", "max_radius", "eta"],
            _ => {
                return Err(Error::Unknown {
                    kind: "solver".to_string(),
                    name: call.name.clone(),
                    known: SOLVER_NAMES.join(", "),
                });
            }
        };
        let mut keys = own.to_vec();
        keys.extend(["max_iters", "grad_tol", "cost_tol"]);
        let a = Args::new(call, &keys)?;
        a.no_positional()?;
        let d = StopCriteria::default();
        let stop = StopCriteria {
            max_iters: a.u64("max_iters", d.max_iters)?,
            grad_tol: a.f64("grad_tol", d.grad_tol)?,
            cost_tol: a.f64("cost_tol", d.cost_tol)?,
        };
        let spec = match name {
            "lbfgs" => SolverSpec::Lbfgs {
                m: usize::try_from(a.u64("m", 10)?).unwrap_or(usize::MAX),
                stop,
            },
            "bfgs" => SolverSpec::Bfgs { stop },
            "cg" => SolverSpec::Cg {
                beta: match a.word(
                    "beta",
                    "polak_ribiere",
                    &[
                        "fletcher_reeves",
                        "polak_ribiere",
                        "polak_ribiere_plus",
                        "hestenes_stiefel",
                    ],
                )? {
                    "fletcher_reeves" => CgBeta::FletcherReeves,
                    "polak_ribiere" => CgBeta::PolakRibiere,
                    "polak_ribiere_plus" => CgBeta::PolakRibierePlus,
                    _ => CgBeta::HestenesStiefel,
                },
                restart_iters: a.u64("restart_iters", 10)?,
                restart_orthogonality: a.f64("restart_orthogonality", 0.1)?,
                stop,
            },
            "newton_cg" => SolverSpec::NewtonCg {
                curvature_threshold: a.f64("curvature_threshold", 0.0)?,
                stop,
            },
            _ => SolverSpec::TrustRegion {
                radius: a.f64("radius", 1.0)?,
                max_radius: a.f64("max_radius", 100.0)?,
                eta: a.f64("eta", 0.125)?,
                stop,
            },
        };
        spec.check()?;
        Ok(spec)
    }

    /// The spec name: `lbfgs`, `trust_region`, ….
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SolverSpec;
    /// assert_eq!(SolverSpec::parse("newton_cg").unwrap().name(), "newton_cg");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            SolverSpec::Lbfgs { .. } => "lbfgs",
            SolverSpec::Bfgs { .. } => "bfgs",
            SolverSpec::Cg { .. } => "cg",
            SolverSpec::NewtonCg { .. } => "newton_cg",
            SolverSpec::TrustRegion { .. } => "trust_region",
        }
    }

    /// The stopping criteria.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SolverSpec;
    /// assert_eq!(SolverSpec::parse("cg(max_iters=7)").unwrap().stop().max_iters, 7);
    /// ```
    pub fn stop(&self) -> &StopCriteria {
        match self {
            SolverSpec::Lbfgs { stop, .. }
            | SolverSpec::Bfgs { stop }
            | SolverSpec::Cg { stop, .. }
            | SolverSpec::NewtonCg { stop, .. }
            | SolverSpec::TrustRegion { stop, .. } => stop,
        }
    }

    /// Checks the settings against argmin's own constraints (reported here
    /// rather than as an argmin error) plus `grad_tol, cost_tol ≥ 0`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] naming the setting, the constraint and the
    /// value found.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{SolverSpec, StopCriteria};
    /// let s = SolverSpec::TrustRegion { radius: 1.0, max_radius: 100.0, eta: 0.3, stop: StopCriteria::default() };
    /// assert_eq!(s.check().unwrap_err().to_string(), "invalid eta: `trust_region` needs 0 ≤ eta < 0.25, found 0.3");
    /// ```
    pub fn check(&self) -> Result<()> {
        let owner = self.name();
        let stop = self.stop();
        require(
            stop.grad_tol >= 0.0,
            owner,
            "grad_tol",
            "grad_tol ≥ 0",
            num(stop.grad_tol),
        )?;
        require(
            stop.cost_tol >= 0.0,
            owner,
            "cost_tol",
            "cost_tol ≥ 0",
            num(stop.cost_tol),
        )?;
        match *self {
            // argmin allocates the history up front.
            SolverSpec::Lbfgs { m, .. } => require(
                (1..=10_000).contains(&m),
                owner,
                "m",
                "1 ≤ m ≤ 10000",
                m.to_string(),
            ),
            SolverSpec::Bfgs { .. } => Ok(()),
            SolverSpec::Cg {
                restart_orthogonality,
                ..
            } => require(
                restart_orthogonality > 0.0,
                owner,
                "restart_orthogonality",
                "restart_orthogonality > 0",
                num(restart_orthogonality),
            ),
            SolverSpec::NewtonCg {
                curvature_threshold,
                ..
            } => require(
                curvature_threshold >= 0.0,
                owner,
                "curvature_threshold",
                "curvature_threshold ≥ 0",
                num(curvature_threshold),
            ),
            SolverSpec::TrustRegion {
                radius,
                max_radius,
                eta,
                ..
            } => {
                require(radius > 0.0, owner, "radius", "radius > 0", num(radius))?;
                require(
                    max_radius > 0.0,
                    owner,
                    "max_radius",
                    "max_radius > 0",
                    num(max_radius),
                )?;
                require(
                    radius <= max_radius,
                    owner,
                    "radius",
                    "radius ≤ max_radius",
                    format!("radius={}, max_radius={}", num(radius), num(max_radius)),
                )?;
                require(
                    (0.0..0.25).contains(&eta),
                    owner,
                    "eta",
                    "0 ≤ eta < 0.25",
                    num(eta),
                )
            }
        }
    }
}

impl FromStr for SolverSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        SolverSpec::parse(s)
    }
}

impl fmt::Display for SolverSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name())?;
        match *self {
            SolverSpec::Lbfgs { m, .. } => write!(f, "m={m},")?,
            SolverSpec::Bfgs { .. } => {}
            SolverSpec::Cg {
                beta,
                restart_iters,
                restart_orthogonality,
                ..
            } => write!(
                f,
                "beta={},restart_iters={restart_iters},restart_orthogonality={},",
                beta.as_str(),
                num(restart_orthogonality)
            )?,
            SolverSpec::NewtonCg {
                curvature_threshold,
                ..
            } => write!(f, "curvature_threshold={},", num(curvature_threshold))?,
            SolverSpec::TrustRegion {
                radius,
                max_radius,
                eta,
                ..
            } => write!(
                f,
                "radius={},max_radius={},eta={},",
                num(radius),
                num(max_radius),
                num(eta)
            )?,
        }
        let s = self.stop();
        write!(
            f,
            "max_iters={},grad_tol={},cost_tol={})",
            s.max_iters,
            num(s.grad_tol),
            num(s.cost_tol)
        )
    }
}

/// Runs an argmin solver from `start` until one of its [`StopCriteria`]
/// holds, recording one trajectory entry per iteration.
///
/// The trajectory's `lr[k]` is the length ‖θₖ₊₁ − θₖ‖₂ of the step the
/// iteration took (0 for a rejected trust-region step); `f` and
/// `grad_norm` are at the start of each iteration.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] for a start of the wrong length,
/// [`Error::InvalidSetting`] for a spec that fails
/// [`SolverSpec::check`], [`Error::NonFinite`] (naming the iteration) if
/// the function is not finite at a point the solver tries, and
/// [`Error::NoConvergence`] when argmin itself fails (e.g. a line search
/// finds no acceptable step).
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, solve, SolverSpec};
///
/// let f = builtin("rosenbrock", 2).unwrap();
/// let d = solve(&f, &SolverSpec::parse("trust_region").unwrap(), &[-1.2, 1.0]).unwrap();
/// assert!((d.x[0] - 1.0).abs() < 1e-6 && (d.x[1] - 1.0).abs() < 1e-6);
/// assert!(d.hvps > 0); // the Hessian entered only through products
/// ```
pub fn solve<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    spec: &SolverSpec,
    start: &[f64],
) -> Result<Descent> {
    run(f, spec, start, spec.stop().max_iters)
}

/// [`solve`] with at most `iterations` iterations (and the spec's own
/// `max_iters`).
pub(crate) fn run<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    spec: &SolverSpec,
    start: &[f64],
    iterations: u64,
) -> Result<Descent> {
    spec.check()?;
    if start.len() != f.dim() {
        return Err(Error::DimensionMismatch {
            what: format!("start point for `{}`", spec.name()),
            expected: format!("{} coordinates", f.dim()),
            found: format!("{}", start.len()),
        });
    }
    let shared = Shared::default();
    let problem = ArgminObjective { f, shared: &shared };
    let x0 = start.to_vec();
    let stop = *spec.stop();
    let max_iters = iterations.min(stop.max_iters);
    let name = spec.name();
    let outcome = match *spec {
        SolverSpec::Lbfgs { m, .. } => {
            let solver = LBFGS::new(MoreThuenteLineSearch::new(), m)
                .with_tolerance_grad(0.0)
                .and_then(|s| s.with_tolerance_cost(0.0))
                .map_err(|e| argmin_failure(name, e))?;
            execute(
                problem,
                &shared.iteration,
                solver,
                |s| s.param(x0),
                &stop,
                max_iters,
            )
        }
        SolverSpec::Bfgs { .. } => {
            let n = x0.len();
            let eye: Vec<Vec<f64>> = (0..n)
                .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
                .collect();
            let solver = BFGS::new(MoreThuenteLineSearch::new())
                .with_tolerance_grad(0.0)
                .and_then(|s| s.with_tolerance_cost(0.0))
                .map_err(|e| argmin_failure(name, e))?;
            execute(
                problem,
                &shared.iteration,
                solver,
                |s| s.param(x0).inv_hessian(eye),
                &stop,
                max_iters,
            )
        }
        SolverSpec::Cg {
            beta,
            restart_iters,
            restart_orthogonality,
            ..
        } => {
            let ls = MoreThuenteLineSearch::new()
                .with_c(1e-4, 0.1)
                .map_err(|e| argmin_failure(name, e))?;
            macro_rules! ncg {
                ($beta:expr) => {{
                    let solver = NonlinearConjugateGradient::new(ls, $beta)
                        .restart_iters(restart_iters)
                        .restart_orthogonality(restart_orthogonality);
                    execute(
                        problem,
                        &shared.iteration,
                        solver,
                        |s| s.param(x0),
                        &stop,
                        max_iters,
                    )
                }};
            }
            match beta {
                CgBeta::FletcherReeves => ncg!(FletcherReeves::new()),
                CgBeta::PolakRibiere => ncg!(PolakRibiere::new()),
                CgBeta::PolakRibierePlus => ncg!(PolakRibierePlus::new()),
                CgBeta::HestenesStiefel => ncg!(HestenesStiefel::new()),
            }
        }
        SolverSpec::NewtonCg {
            curvature_threshold,
            ..
        } => {
            let solver = NewtonCg {
                linesearch: MoreThuenteLineSearch::new(),
                curvature_threshold,
            };
            execute(
                problem,
                &shared.iteration,
                solver,
                |s| s.param(x0),
                &stop,
                max_iters,
            )
        }
        SolverSpec::TrustRegion {
            radius,
            max_radius,
            eta,
            ..
        } => {
            let solver = TrustRegion::new(Steihaug::new())
                .with_radius(radius)
                .and_then(|s| s.with_max_radius(max_radius))
                .and_then(|s| s.with_eta(eta))
                .map_err(|e| argmin_failure(name, e))?;
            execute(
                problem,
                &shared.iteration,
                solver,
                |s| s.param(x0),
                &stop,
                max_iters,
            )
        }
    };
    match outcome {
        Ok((trajectory, x, value, reason)) => Ok(Descent {
            trajectory,
            x,
            value,
            stop: reason,
            hvps: shared.hvps.get(),
        }),
        Err(e) => Err(failure(name, e, &shared)),
    }
}

type Outcome = std::result::Result<(Trajectory, Vec<f64>, f64, StopReason), ArgminError>;

fn execute<O, S, H>(
    problem: O,
    iteration: &Cell<usize>,
    solver: S,
    init: impl FnOnce(Iter<H>) -> Iter<H>,
    stop: &StopCriteria,
    max_iters: u64,
) -> Outcome
where
    O: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    S: Solver<O, Iter<H>>,
{
    let recorder = Recorder {
        inner: solver,
        iteration,
        grad_tol: stop.grad_tol,
        cost_tol: stop.cost_tol,
        trajectory: Trajectory::default(),
        moved: 0.0,
        previous_f: f64::NAN,
        reason: None,
    };
    let result = Executor::new(problem, recorder)
        .configure(|s| init(s).max_iters(max_iters))
        .ctrlc(false)
        .run()?;
    let state = result.state;
    let rec = result.solver;
    let x = state
        .get_param()
        .cloned()
        .ok_or_else(|| ArgminError::msg("the solver lost its parameter vector"))?;
    let reason = match (rec.reason, state.get_termination_reason()) {
        (Some(reason), _) => reason,
        (None, Some(TerminationReason::SolverExit(_))) => StopReason::LineSearchFailed,
        (None, _) => StopReason::Budget,
    };
    Ok((rec.trajectory, x, state.get_cost(), reason))
}

type Iter<H> = IterState<Vec<f64>, Vec<f64>, (), H, (), f64>;

/// Shared between the problem, its Hessian operators and the caller: HVP
/// count, the current iteration (for messages) and the first failure of an
/// HVP (which `ArgminDot::dot` cannot return).
#[derive(Default)]
struct Shared {
    hvps: Cell<usize>,
    iteration: Cell<usize>,
    failure: RefCell<Option<Error>>,
}

impl Shared {
    fn check(&self) -> std::result::Result<(), ArgminError> {
        match self.failure.borrow_mut().take() {
            Some(e) => Err(ArgminError::from(e)),
            None => Ok(()),
        }
    }
}

/// The function as an argmin problem: cost, gradient and (for Newton-CG
/// and the trust region) the HVP operator as "Hessian".
struct ArgminObjective<'a, F: ?Sized> {
    f: &'a F,
    shared: &'a Shared,
}

impl<F: TwiceDifferentiable + ?Sized> CostFunction for ArgminObjective<'_, F> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> std::result::Result<f64, ArgminError> {
        self.shared.check()?;
        let value = self.f.value(x)?;
        finite("the objective's value", value, x)?;
        Ok(value)
    }
}

impl<F: TwiceDifferentiable + ?Sized> Gradient for ArgminObjective<'_, F> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> std::result::Result<Vec<f64>, ArgminError> {
        self.shared.check()?;
        let (_, g) = self.f.gradient(x)?;
        if let Some(bad) = g.iter().find(|v| !v.is_finite()) {
            finite("the gradient", *bad, x)?;
        }
        Ok(g.as_slice().to_vec())
    }
}

impl<'a, F: TwiceDifferentiable + ?Sized> Hessian for ArgminObjective<'a, F> {
    type Param = Vec<f64>;
    type Hessian = HvpOperator<'a, F>;
    fn hessian(&self, x: &Vec<f64>) -> std::result::Result<HvpOperator<'a, F>, ArgminError> {
        self.shared.check()?;
        Ok(HvpOperator {
            f: self.f,
            x: x.clone(),
            shared: self.shared,
            last: RefCell::new(None),
        })
    }
}

fn finite(what: &str, value: f64, x: &[f64]) -> std::result::Result<(), Error> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite {
            what: what.to_string(),
            detail: format!("{value} at {x:?}"),
        })
    }
}

/// The Hessian at one point as an operator v ↦ ∇²f(x)·v, one
/// [`TwiceDifferentiable::hvp`] per new v. argmin's Newton-CG and Steihaug
/// only ever multiply their "Hessian" with vectors, so this is all they
/// need, and no n×n matrix is formed.
///
/// `dot` cannot fail in argmin's trait: a failed HVP is kept in
/// [`Shared`] and answered with zeros (zero curvature, which ends the CG
/// loops at once); the next cost, gradient or Hessian request returns the
/// error.
struct HvpOperator<'a, F: ?Sized> {
    f: &'a F,
    x: Vec<f64>,
    shared: &'a Shared,
    last: RefCell<Option<(Vec<f64>, Vec<f64>)>>,
}

impl<F: ?Sized> Clone for HvpOperator<'_, F> {
    fn clone(&self) -> Self {
        HvpOperator {
            f: self.f,
            x: self.x.clone(),
            shared: self.shared,
            last: self.last.clone(),
        }
    }
}

impl<F: TwiceDifferentiable + ?Sized> ArgminDot<Vec<f64>, Vec<f64>> for HvpOperator<'_, F> {
    fn dot(&self, v: &Vec<f64>) -> Vec<f64> {
        if let Some((w, hw)) = &*self.last.borrow() {
            if w == v {
                return hw.clone();
            }
        }
        if v.iter().all(|x| *x == 0.0) {
            return vec![0.0; v.len()];
        }
        if self.shared.failure.borrow().is_some() {
            return vec![0.0; v.len()];
        }
        match self.f.hvp(&self.x, v) {
            Ok(r) => {
                self.shared.hvps.set(self.shared.hvps.get() + 1);
                let hv = r.product.as_slice().to_vec();
                if let Some(bad) = hv.iter().find(|p| !p.is_finite()) {
                    *self.shared.failure.borrow_mut() = Some(Error::NonFinite {
                        what: "a Hessian-vector product".to_string(),
                        detail: format!("{bad} at {:?}", self.x),
                    });
                    return vec![0.0; v.len()];
                }
                *self.last.borrow_mut() = Some((v.clone(), hv.clone()));
                hv
            }
            Err(e) => {
                *self.shared.failure.borrow_mut() = Some(e);
                vec![0.0; v.len()]
            }
        }
    }
}

/// Wraps a solver: records the trajectory and applies [`StopCriteria`]
/// the same way for every solver (argmin's own tests differ from solver to
/// solver and some solvers have none).
struct Recorder<'a, S> {
    inner: S,
    /// The iteration under way, for error messages from inside argmin.
    iteration: &'a Cell<usize>,
    grad_tol: f64,
    cost_tol: f64,
    trajectory: Trajectory,
    /// ‖θₖ − θₖ₋₁‖ of the last iteration.
    moved: f64,
    previous_f: f64,
    reason: Option<StopReason>,
}

impl<S> Recorder<'_, S> {
    /// Makes sure the state has the cost and gradient at its point (some
    /// solvers leave them to the next iteration; that one then reuses them).
    fn complete<O, H>(
        problem: &mut Problem<O>,
        mut state: Iter<H>,
    ) -> std::result::Result<Iter<H>, ArgminError>
    where
        O: CostFunction<Param = Vec<f64>, Output = f64>
            + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    {
        let x = state
            .get_param()
            .cloned()
            .ok_or_else(|| ArgminError::msg("the solver has no parameter vector"))?;
        if state.get_gradient().is_none() {
            let g = problem.gradient(&x)?;
            state = state.gradient(g);
        }
        if !state.get_cost().is_finite() {
            let c = problem.cost(&x)?;
            state = state.cost(c);
        }
        Ok(state)
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

impl<O, S, H> Solver<O, Iter<H>> for Recorder<'_, S>
where
    O: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    S: Solver<O, Iter<H>>,
{
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        state: Iter<H>,
    ) -> std::result::Result<(Iter<H>, Option<KV>), ArgminError> {
        let (state, kv) = self.inner.init(problem, state)?;
        let state = Self::complete(problem, state)?;
        if let Some(x) = state.get_param() {
            self.trajectory.points.push(x.clone());
        }
        Ok((state, kv))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: Iter<H>,
    ) -> std::result::Result<(Iter<H>, Option<KV>), ArgminError> {
        let k = self.trajectory.f.len() + 1;
        let before = state.get_param().cloned().unwrap_or_default();
        self.previous_f = state.get_cost();
        self.trajectory.f.push(state.get_cost());
        self.trajectory
            .grad_norm
            .push(state.get_gradient().map_or(f64::NAN, |g| norm(g)));
        self.iteration.set(k);
        let (before_cost, before_gradient) = (state.get_cost(), state.get_gradient().cloned());
        let (state, kv) = self.inner.next_iter(problem, state)?;
        let state = if state.get_param().is_none() {
            // argmin's L-BFGS takes the point (and the problem) out before
            // its line search and, when the search fails, ends with both
            // gone: the point is still the one this iteration started at,
            // and the problem must not be called again.
            let state = state.param(before.clone()).cost(before_cost);
            match before_gradient {
                Some(g) => state.gradient(g),
                None => state,
            }
        } else {
            Self::complete(problem, state)?
        };
        let after = state.get_param().cloned().unwrap_or_default();
        let step: Vec<f64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        self.moved = norm(&step);
        self.trajectory.lr.push(self.moved);
        self.trajectory.points.push(after);
        Ok((state, kv))
    }

    fn terminate(&mut self, state: &Iter<H>) -> TerminationStatus {
        let converged = TerminationStatus::Terminated(TerminationReason::SolverConverged);
        if state
            .get_gradient()
            .is_some_and(|g| norm(g) < self.grad_tol)
        {
            self.reason = Some(StopReason::GradTol);
            return converged;
        }
        if self.moved > 0.0 && (self.previous_f - state.get_cost()).abs() < self.cost_tol {
            self.reason = Some(StopReason::CostTol);
            return converged;
        }
        let inner = self.inner.terminate(state);
        if inner.terminated() {
            self.reason = Some(StopReason::SolverConverged);
        }
        inner
    }
}

fn argmin_failure(name: &str, e: ArgminError) -> Error {
    Error::InvalidSetting {
        name: name.to_string(),
        message: format!("argmin refused the settings: {e}"),
    }
}

/// An argmin error as the library's: our own errors come back out of
/// argmin's `anyhow` wrapper (non-finite values named with the iteration),
/// argmin's become [`Error::NoConvergence`].
fn failure(name: &str, e: ArgminError, shared: &Shared) -> Error {
    let k = shared.iteration.get();
    match e.downcast::<Error>() {
        Ok(Error::NonFinite { what, detail }) => Error::NonFinite {
            what: format!("{what} in iteration {k} of `{name}`"),
            detail,
        },
        Ok(other) => other,
        Err(e) => Error::NoConvergence {
            what: format!("`{name}`"),
            detail: format!("argmin stopped in iteration {k}: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    #[test]
    fn defaults_and_errors() {
        for (src, want) in [
            (
                "lbfgs",
                "lbfgs(m=10,max_iters=1000,grad_tol=1e-10,cost_tol=0)",
            ),
            ("bfgs", "bfgs(max_iters=1000,grad_tol=1e-10,cost_tol=0)"),
            (
                "cg",
                "cg(beta=polak_ribiere,restart_iters=10,restart_orthogonality=0.1,max_iters=1000,grad_tol=1e-10,cost_tol=0)",
            ),
            (
                "newton_cg",
                "newton_cg(curvature_threshold=0,max_iters=1000,grad_tol=1e-10,cost_tol=0)",
            ),
        ] {
            let s = SolverSpec::parse(src).unwrap();
            assert_eq!(s.to_string(), want);
            assert_eq!(SolverSpec::parse(want).unwrap(), s);
        }
        for (src, want) in [
            (
                "bfgs(grad_tol=-1)",
                "invalid grad_tol: `bfgs` needs grad_tol ≥ 0, found -1",
            ),
            (
                "bfgs(cost_tol=-1)",
                "invalid cost_tol: `bfgs` needs cost_tol ≥ 0, found -1",
            ),
            (
                "cg(restart_orthogonality=0)",
                "invalid restart_orthogonality: `cg` needs restart_orthogonality > 0, found 0",
            ),
            (
                "cg(beta=dai_yuan)",
                "invalid beta: `cg` expects one of `fletcher_reeves`, `polak_ribiere`, `polak_ribiere_plus`, `hestenes_stiefel`, found `dai_yuan`",
            ),
            (
                "newton_cg(curvature_threshold=-1)",
                "invalid curvature_threshold: `newton_cg` needs curvature_threshold ≥ 0, found -1",
            ),
            (
                "trust_region(radius=0)",
                "invalid radius: `trust_region` needs radius > 0, found 0",
            ),
            (
                "trust_region(max_radius=0)",
                "invalid max_radius: `trust_region` needs max_radius > 0, found 0",
            ),
            (
                "trust_region(radius=200)",
                "invalid radius: `trust_region` needs radius ≤ max_radius, found radius=200, max_radius=100",
            ),
            (
                "bfgs(m=3)",
                "unknown `bfgs` key `m`; known: max_iters, grad_tol, cost_tol",
            ),
        ] {
            assert_eq!(
                SolverSpec::parse(src).unwrap_err().to_string(),
                want,
                "{src}"
            );
        }
        assert!(matches!(
            SolverSpec::parse("newton").unwrap_err(),
            Error::Unknown { .. }
        ));
    }

    #[test]
    fn hvp_operator_caches_the_last_product() {
        let f = builtin("rosenbrock", 2).unwrap();
        let shared = Shared::default();
        let op = HvpOperator {
            f: &f,
            x: vec![1.0, 1.0],
            shared: &shared,
            last: RefCell::new(None),
        };
        let hv = op.dot(&vec![1.0, 0.0]);
        assert_eq!(hv, vec![802.0, -400.0]);
        assert_eq!(op.dot(&vec![1.0, 0.0]), hv);
        assert_eq!(shared.hvps.get(), 1);
        op.dot(&vec![0.0, 1.0]);
        assert_eq!(shared.hvps.get(), 2);
    }

    #[test]
    fn a_start_of_the_wrong_length_is_refused() {
        let f = builtin("rosenbrock", 2).unwrap();
        let e = solve(&f, &SolverSpec::parse("bfgs").unwrap(), &[1.0]).unwrap_err();
        assert!(matches!(e, Error::DimensionMismatch { .. }), "{e}");
    }
}
