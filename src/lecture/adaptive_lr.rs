//! Lecture 6: in a ravine, gradient descent bounces or crawls; adaptive
//! learning rates get through, burst near the end, and learning-rate decay
//! removes the bursts.
//!
//! # The claim
//!
//! Training can stall with a gradient that is not small. On a convex error
//! surface shaped like a long, narrow valley, gradient descent's rate is
//! capped by the steep walls (η < 2/λmax): near the cap it bounces from
//! wall to wall, below it it makes no progress along the flat floor (each
//! step shrinks the distance along the valley by the factor 1 − η·λmin).
//! Per-parameter rates fix this. Adagrad (Duchi, Hazan & Singer 2011)
//! divides by the root of the accumulated squared gradients, RMSProp
//! (Tieleman & Hinton 2012) by an exponential moving average of them, Adam
//! (Kingma & Ba 2015) adds momentum. The lecture's Adagrad divides by σ,
//! the root *mean* square of all past gradients, with a constant η: it
//! turns the corner into the valley, but late in the run, when the
//! gradients across the valley have been tiny for a long time, σ shrinks,
//! the step across the valley grows past stability and the iterate bursts
//! out of the floor; a learning-rate schedule that decays η removes the
//! bursts, and warm-up keeps the first steps (taken with a poor estimate of
//! σ) small.
//!
//! # The experiment
//!
//! The valley is the quadratic f = ½(u² + κ·v²), with u the coordinate
//! along the valley and v across it, rotated by θ against the parameter
//! axes x, y (u = x·cos θ + y·sin θ, v = −x·sin θ + y·cos θ): λmin = 1,
//! λmax = κ. The default κ = 10⁴, θ = 10°: a valley that is not aligned
//! with the axes, as an error surface's valleys are not, so that the
//! per-coordinate rates cannot undo the conditioning exactly. The start
//! (u, v) = (−1, 0.1) is on the wall at the far end of the valley
//! (f ≈ 50, of which ½ along the valley). Every method takes the same
//! 10,000 steps:
//!
//! - gradient descent with η·λmax = 1.98 (just below the cap) and with a
//!   tiny η, η·λmin = 10⁻⁷ (the lecture's "η = 10⁻⁷");
//! - the lecture's Adagrad, θ ← θ − η·g/σ with σ = √(mean of g² so far),
//!   run as torch's Adagrad with its rate set to η·√t at step t (torch
//!   divides by √(Σ g²) = √t·σ); with a constant η and with cosine decay;
//! - torch's Adagrad, which is the lecture's Adagrad with the decay
//!   η/√t built in;
//! - RMSProp and Adam with η = 0.01, each constant, with cosine decay
//!   (CosineAnnealingLR, T_max = the run), and with a linear warm-up from
//!   1 % over the first 100 steps before the cosine decay.
//!
//! What is measured: f at the end; the first step at which f < 10⁻⁶ (the
//! target); the bursts — times f rises above 100 × its floor, the floor
//! being the lowest f so far or the target if that is higher — and the
//! largest such rise; the oscillation across the valley, the largest |v|
//! over the last 500 iterates with the number of sign changes of v there;
//! ‖∇f‖ at the end; how much of the valley is left, |u_N|/|u₀|; and the
//! longest step within the first 100 (what warm-up changes).
//! A second table repeats the adaptive runs over κ ∈ {10³, 10⁴} and
//! θ ∈ {0°, 5°, 10°, 20°}, and at κ = 10⁴, θ = 10° with η = 0.003 and
//! 0.03.
//!
//! # What to expect on a quadratic
//!
//! Gradient descent on a quadratic is linear: u_k = (1 − η)^k·u₀ and
//! v_k = (1 − ηκ)^k·v₀, exactly. At η·κ = 1.98, v flips sign every step and
//! shrinks only by 0.98 per step — a bounce that dies out, not a limit
//! cycle — and u shrinks by 1 − 1.98/κ per step: after 10⁴ steps with
//! κ = 10⁴ the run is still far from the minimum. At θ = 0 the problem
//! separates into two 1-D problems, which per-coordinate methods treat
//! independently; the lecture's Adagrad then drives v to an exact 0
//! (underflow) before σ can shrink, and shows no burst — the robustness
//! table shows that case.
//!
//! # Why these settings
//!
//! κ = 10⁴ with 10⁴ steps makes η·λmin·N ≈ 2 at gradient descent's cap, so
//! the best constant rate is visibly unfinished; θ = 10° is a modest
//! rotation under which the adaptive methods still get through; η = 0.01 is
//! 1 % of the way along the valley (adaptive steps start at about η per
//! coordinate); the target 10⁻⁶ is 2·10⁻⁸ of the starting f. The
//! robustness table varies κ, θ and η because the bursts depend on all
//! three.

use std::path::{Path, PathBuf};

use super::{Table, num};
use crate::{
    AxisScale, CriticalPoint, Error, Expression, LegendPosition, Levels, Method, Optimizer,
    OptimizerSpec, Result, ScheduleSpec, Scheduler, SeriesStyle, SurfaceGrid, SurfacePlot, Track,
    Trajectory, TwiceDifferentiable, Verdict, XyPlot, XySeries, descend, plot_surface, plot_xy,
};

/// The settings of the experiment; [`Default`] is the example's.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::adaptive_lr::Settings;
/// let s = Settings::default();
/// assert_eq!((s.condition_number, s.angle_degrees, s.steps), (1e4, 10.0, 10_000));
/// assert!(s.check().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// κ = λmax/λmin of the valley (λmin = 1); > 1.
    pub condition_number: f64,
    /// θ, the rotation of the valley against the axes, in degrees.
    pub angle_degrees: f64,
    /// The start (u₀, v₀) in the valley's frame: along, across.
    pub start: [f64; 2],
    /// Steps per run.
    pub steps: usize,
    /// η·λmax of the "large η" gradient descent, in (0, 2).
    pub large_lr_times_lambda_max: f64,
    /// η·λmin of the "tiny η" gradient descent, in (0, 1).
    pub tiny_lr_times_lambda_min: f64,
    /// η of the adaptive methods.
    pub lr: f64,
    /// Steps of the linear warm-up, < `steps`.
    pub warmup_steps: usize,
    /// The warm-up's first factor, in (0, 1].
    pub warmup_start_factor: f64,
    /// The loss to reach.
    pub target: f64,
    /// K: the last K iterates over which the oscillation is measured.
    pub window: usize,
    /// (κ, θ in degrees, η of the adaptive methods) of the robustness
    /// runs.
    pub robustness: Vec<(f64, f64, f64)>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            condition_number: 1e4,
            angle_degrees: 10.0,
            start: [-1.0, 0.1],
            steps: 10_000,
            large_lr_times_lambda_max: 1.98,
            tiny_lr_times_lambda_min: 1e-7,
            lr: 0.01,
            warmup_steps: 100,
            warmup_start_factor: 0.01,
            target: 1e-6,
            window: 500,
            robustness: [1e3, 1e4]
                .into_iter()
                .flat_map(|k| [0.0, 5.0, 10.0, 20.0].map(|t| (k, t, 0.01)))
                .chain([(1e4, 10.0, 0.003), (1e4, 10.0, 0.03)])
                .collect(),
        }
    }
}

impl Settings {
    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] naming the first field out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::lecture::adaptive_lr::Settings;
    /// let bad = Settings { large_lr_times_lambda_max: 2.5, ..Settings::default() };
    /// assert!(bad.check().unwrap_err().to_string().contains("large_lr_times_lambda_max"));
    /// ```
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, message: String| {
            Err(Error::InvalidSetting {
                name: name.into(),
                message,
            })
        };
        let kappa_ok = |k: f64| k.is_finite() && k > 1.0;
        let angle_ok = |t: f64| t.is_finite() && (-90.0..=90.0).contains(&t);
        if !kappa_ok(self.condition_number) {
            return bad(
                "condition_number",
                format!("expected a finite κ > 1, got {}", self.condition_number),
            );
        }
        if !angle_ok(self.angle_degrees) {
            return bad(
                "angle_degrees",
                format!("expected an angle in [−90, 90], got {}", self.angle_degrees),
            );
        }
        if !self.start.iter().all(|v| v.is_finite()) || self.start[0] == 0.0 {
            return bad(
                "start",
                format!(
                    "expected finite coordinates with u₀ ≠ 0, got {:?}",
                    self.start
                ),
            );
        }
        if self.steps <= self.window || self.steps <= self.warmup_steps {
            return bad(
                "steps",
                format!(
                    "expected more steps than the window ({}) and the warm-up ({}), got {}",
                    self.window, self.warmup_steps, self.steps
                ),
            );
        }
        if !(self.large_lr_times_lambda_max > 0.0 && self.large_lr_times_lambda_max < 2.0) {
            return bad(
                "large_lr_times_lambda_max",
                format!(
                    "expected a value in (0, 2) (2 is where gradient descent diverges), got {}",
                    self.large_lr_times_lambda_max
                ),
            );
        }
        if !(self.tiny_lr_times_lambda_min > 0.0 && self.tiny_lr_times_lambda_min < 1.0) {
            return bad(
                "tiny_lr_times_lambda_min",
                format!(
                    "expected a value in (0, 1), got {}",
                    self.tiny_lr_times_lambda_min
                ),
            );
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", format!("expected a positive number, got {}", self.lr));
        }
        if self.warmup_steps == 0 {
            return bad("warmup_steps", "expected at least 1, got 0".into());
        }
        if !(self.warmup_start_factor > 0.0 && self.warmup_start_factor <= 1.0) {
            return bad(
                "warmup_start_factor",
                format!(
                    "expected a value in (0, 1], got {}",
                    self.warmup_start_factor
                ),
            );
        }
        if !(self.target.is_finite() && self.target > 0.0) {
            return bad(
                "target",
                format!("expected a positive number, got {}", self.target),
            );
        }
        if self.window == 0 {
            return bad("window", "expected at least 1 iterate, got 0".into());
        }
        if let Some((k, t, lr)) = self
            .robustness
            .iter()
            .find(|(k, t, lr)| !(kappa_ok(*k) && angle_ok(*t) && lr.is_finite() && *lr > 0.0))
        {
            return bad(
                "robustness",
                format!("expected κ > 1, θ in [−90, 90] and η > 0, got ({k}, {t}, {lr})"),
            );
        }
        Ok(())
    }
}

/// The rotated valley f = ½(u² + κ·v²).
#[derive(Debug, Clone)]
pub struct Valley {
    /// κ = λmax (λmin = 1).
    pub condition_number: f64,
    /// θ in radians.
    pub angle: f64,
    /// The function of (x, y).
    pub function: Expression,
}

impl Valley {
    /// The valley with condition number κ, rotated by `degrees`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for κ ≤ 1 or a non-finite angle.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::TwiceDifferentiable;
    /// use saddlescope::lecture::adaptive_lr::Valley;
    /// let v = Valley::new(100.0, 30.0).unwrap();
    /// let p = v.point(2.0, 0.5);
    /// assert!((v.function.value(&p).unwrap() - 0.5 * (4.0 + 100.0 * 0.25)).abs() < 1e-12);
    /// let (u, w) = v.frame(p[0], p[1]);
    /// assert!((u - 2.0).abs() < 1e-12 && (w - 0.5).abs() < 1e-12);
    /// ```
    pub fn new(condition_number: f64, degrees: f64) -> Result<Valley> {
        if !(condition_number.is_finite() && condition_number > 1.0 && degrees.is_finite()) {
            return Err(Error::InvalidSetting {
                name: "valley".into(),
                message: format!(
                    "expected κ > 1 and a finite angle, got κ = {condition_number}, θ = {degrees}°"
                ),
            });
        }
        let angle = degrees.to_radians();
        let (s, c) = angle.sin_cos();
        let function = Expression::parse(&format!(
            "0.5*(({c}*x + {s}*y)^2 + {condition_number}*({c}*y - {s}*x)^2)"
        ))?;
        Ok(Valley {
            condition_number,
            angle,
            function,
        })
    }

    /// (u, v) of the point (x, y): along and across the valley.
    pub fn frame(&self, x: f64, y: f64) -> (f64, f64) {
        let (s, c) = self.angle.sin_cos();
        (c * x + s * y, c * y - s * x)
    }

    /// The point (x, y) with valley coordinates (u, v).
    pub fn point(&self, u: f64, v: f64) -> Vec<f64> {
        let (s, c) = self.angle.sin_cos();
        vec![c * u - s * v, s * u + c * v]
    }
}

/// How a method is run.
#[derive(Debug, Clone, PartialEq)]
pub enum Runner {
    /// A torch optimizer through [`descend`], with an
    /// optional schedule.
    Torch {
        /// The optimizer spec.
        optimizer: String,
        /// The schedule spec.
        schedule: Option<String>,
    },
    /// The lecture's Adagrad (σ = RMS of all past gradients) with rate
    /// η_t from an optional schedule.
    LectureAdagrad {
        /// η.
        lr: f64,
        /// The schedule spec for η_t.
        schedule: Option<String>,
    },
}

/// One method's run and what was measured on it.
#[derive(Debug, Clone)]
pub struct Run {
    /// The name in tables and legends.
    pub label: String,
    /// How it was run.
    pub runner: Runner,
    /// The path; `lr[k]` is the η of step k+1 (for the lecture's Adagrad
    /// the schedule's η_t, before the √t).
    pub trajectory: Trajectory,
    /// f at every iterate θ₀ … θ_N (N + 1 values).
    pub f: Vec<f64>,
    /// (u, v) of every iterate.
    pub valley: Vec<(f64, f64)>,
    /// The first iterate with f < target.
    pub reached: Option<usize>,
    /// Bursts: times f rose above 100 × its floor, the floor being the
    /// lowest f so far or the target, whichever is higher (counted again
    /// only after f fell back below 10 × the floor).
    pub bursts: usize,
    /// The largest f / floor over the run (1 for a monotone descent).
    pub largest_rise: f64,
    /// max |v| over the last K iterates.
    pub amplitude: f64,
    /// Sign changes of v over the last K iterates.
    pub sign_flips: usize,
    /// ‖∇f‖ at the end point.
    pub grad_norm_end: f64,
    /// |u_N| / |u₀|: the part of the valley still ahead.
    pub valley_left: f64,
    /// The longest step ‖θ_{k+1} − θ_k‖ within the warm-up's span.
    pub largest_early_step: f64,
}

impl Run {
    /// f at the end.
    pub fn final_f(&self) -> f64 {
        self.f.last().copied().unwrap_or(f64::NAN)
    }
}

/// One (κ, θ, η) of the robustness table: per adaptive method, the step
/// at which f < target, the bursts and the final f.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustnessRow {
    /// κ.
    pub condition_number: f64,
    /// θ in degrees.
    pub angle_degrees: f64,
    /// η of the adaptive methods.
    pub lr: f64,
    /// (label, reached, bursts, final f) per method.
    pub results: Vec<(String, Option<usize>, usize, f64)>,
}

/// Everything the experiment measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The settings it ran with.
    pub settings: Settings,
    /// The valley of the main runs.
    pub valley: Valley,
    /// The main runs, in the table's order.
    pub runs: Vec<Run>,
    /// The robustness runs.
    pub robustness: Vec<RobustnessRow>,
}

/// The methods of the main table, in order.
fn methods(s: &Settings) -> Vec<(String, Runner)> {
    let n = s.steps;
    let cosine = format!("cosineannealinglr(t_max={n})");
    let warm = format!(
        "sequentiallr(linearlr(start_factor={},end_factor=1,total_iters={w}),cosineannealinglr(t_max={}),milestones=[{w}])",
        s.warmup_start_factor,
        n - s.warmup_steps,
        w = s.warmup_steps
    );
    let torch = |o: String, sc: Option<&String>| Runner::Torch {
        optimizer: o,
        schedule: sc.cloned(),
    };
    let lr = s.lr;
    let large = s.large_lr_times_lambda_max / s.condition_number;
    let tiny = s.tiny_lr_times_lambda_min;
    vec![
        (
            format!("gd, η·λmax = {}", s.large_lr_times_lambda_max),
            torch(format!("gd(lr={large})"), None),
        ),
        (
            format!("gd, η·λmin = {}", num(tiny)),
            torch(format!("gd(lr={tiny})"), None),
        ),
        (
            "adagrad (lecture: σ = RMS)".into(),
            Runner::LectureAdagrad { lr, schedule: None },
        ),
        (
            "adagrad (lecture) + cosine".into(),
            Runner::LectureAdagrad {
                lr,
                schedule: Some(cosine.clone()),
            },
        ),
        (
            "adagrad (torch: √Σg²)".into(),
            torch(format!("adagrad(lr={lr})"), None),
        ),
        ("rmsprop".into(), torch(format!("rmsprop(lr={lr})"), None)),
        (
            "rmsprop + cosine".into(),
            torch(format!("rmsprop(lr={lr})"), Some(&cosine)),
        ),
        (
            "rmsprop + warm-up + cosine".into(),
            torch(format!("rmsprop(lr={lr})"), Some(&warm)),
        ),
        ("adam".into(), torch(format!("adam(lr={lr})"), None)),
        (
            "adam + cosine".into(),
            torch(format!("adam(lr={lr})"), Some(&cosine)),
        ),
        (
            "adam + warm-up + cosine".into(),
            torch(format!("adam(lr={lr})"), Some(&warm)),
        ),
    ]
}

/// The lecture's Adagrad: θ ← θ − η_t·g/σ_t with σ_t the root mean square
/// of the gradients g_1 … g_t, run as torch's Adagrad (which divides by
/// √(Σ g²) + ε) with its rate set to η_t·√t; η_t is η under `schedule`.
/// Records the trajectory as [`descend`] does.
///
/// # Errors
///
/// Those of the spec, schedule and function; [`Error::NonFinite`] naming
/// the step when an iterate is not finite.
pub fn lecture_adagrad<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    lr: f64,
    schedule: Option<&ScheduleSpec>,
    start: &[f64],
    steps: usize,
) -> Result<Trajectory> {
    let mut opt = Optimizer::new(
        &OptimizerSpec::parse(&format!("adagrad(lr={lr})"))?,
        f.dim(),
    )?;
    // A stand-in optimizer whose rate the schedule drives: η_t.
    let mut pace = Optimizer::new(&OptimizerSpec::parse(&format!("gd(lr={lr})"))?, 1)?;
    let mut sched = schedule.map(|s| Scheduler::new(s, &mut pace)).transpose()?;
    let mut x = start.to_vec();
    let mut t = Trajectory {
        points: vec![x.clone()],
        ..Trajectory::default()
    };
    for k in 1..=steps {
        let (value, g) = f.gradient(&x)?;
        t.f.push(value);
        t.grad_norm.push(g.norm());
        t.lr.push(pace.lr());
        opt.set_lr(pace.lr() * (k as f64).sqrt());
        opt.step(&mut x, g.as_slice())?;
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: format!("the point after step {k} of the lecture's Adagrad"),
                detail: format!("{x:?}"),
            });
        }
        if let Some(s) = sched.as_mut() {
            s.step(&mut pace, Some(value))?;
        }
        t.points.push(x.clone());
    }
    Ok(t)
}

fn execute(valley: &Valley, runner: &Runner, start: &[f64], steps: usize) -> Result<Trajectory> {
    match runner {
        Runner::Torch {
            optimizer,
            schedule,
        } => {
            let schedule = schedule.as_deref().map(ScheduleSpec::parse).transpose()?;
            Ok(descend(
                &valley.function,
                &Method::parse(optimizer)?,
                schedule.as_ref(),
                start,
                steps,
            )?
            .trajectory)
        }
        Runner::LectureAdagrad { lr, schedule } => {
            let schedule = schedule.as_deref().map(ScheduleSpec::parse).transpose()?;
            lecture_adagrad(&valley.function, *lr, schedule.as_ref(), start, steps)
        }
    }
}

/// The bursts of a loss curve and its largest rise (see [`Run::bursts`]).
fn bursts(f: &[f64], target: f64) -> (usize, f64) {
    let (mut count, mut armed, mut rise) = (0, true, 1.0f64);
    let mut lowest = f64::INFINITY;
    for v in f {
        let floor = lowest.max(target);
        if lowest.is_finite() {
            rise = rise.max(v / floor);
            if armed && *v > 100.0 * floor {
                count += 1;
                armed = false;
            } else if *v < 10.0 * floor {
                armed = true;
            }
        }
        lowest = lowest.min(*v);
    }
    (count, rise)
}

fn measure(
    label: String,
    runner: Runner,
    trajectory: Trajectory,
    valley: &Valley,
    s: &Settings,
) -> Result<Run> {
    let mut f = trajectory.f.clone();
    let last = trajectory.points.last().cloned().unwrap_or_default();
    let (_, g_end) = valley.function.gradient(&last)?;
    f.push(valley.function.value(&last)?);
    let uv: Vec<(f64, f64)> = trajectory
        .points
        .iter()
        .map(|p| valley.frame(p[0], p[1]))
        .collect();
    let reached = f.iter().position(|v| *v < s.target);
    let (bursts, largest_rise) = bursts(&f, s.target);
    let tail = &uv[uv.len().saturating_sub(s.window)..];
    let amplitude = tail.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    let sign_flips = tail.windows(2).filter(|w| w[0].1 * w[1].1 < 0.0).count();
    let largest_early_step = trajectory
        .points
        .windows(2)
        .take(s.warmup_steps)
        .map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt())
        .fold(0.0, f64::max);
    let u0 = uv[0].0;
    Ok(Run {
        label,
        runner,
        valley_left: (uv.last().map_or(f64::NAN, |p| p.0) / u0).abs(),
        f,
        valley: uv,
        reached,
        bursts,
        largest_rise,
        amplitude,
        sign_flips,
        grad_norm_end: g_end.norm(),
        largest_early_step,
        trajectory,
    })
}

/// Runs the experiment.
///
/// # Errors
///
/// [`Error::InvalidSetting`] for settings that fail [`Settings::check`];
/// the errors of [`descend`] (e.g. [`Error::NonFinite`]
/// if a run diverges).
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::adaptive_lr::{run, Settings};
/// let out = run(&Settings { robustness: vec![], ..Settings::default() })?;
/// let adam = out.run("adam + cosine").unwrap();
/// let tiny = &out.runs[1]; // gradient descent with a tiny η
/// assert!(adam.final_f() < 1e-6 && tiny.final_f() > 0.4);
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let s = settings;
    let valley = Valley::new(s.condition_number, s.angle_degrees)?;
    let start = valley.point(s.start[0], s.start[1]);
    let mut runs = Vec::new();
    for (label, runner) in methods(s) {
        let t = execute(&valley, &runner, &start, s.steps)?;
        runs.push(measure(label, runner, t, &valley, s)?);
    }
    let mut robustness = Vec::new();
    for &(kappa, degrees, lr) in &s.robustness {
        let v = Valley::new(kappa, degrees)?;
        let start = v.point(s.start[0], s.start[1]);
        let mut results = Vec::new();
        let with_lr = Settings { lr, ..s.clone() };
        for (label, runner) in methods(&with_lr).into_iter().skip(2) {
            let t = execute(&v, &runner, &start, s.steps)?;
            let r = measure(label, runner, t, &v, s)?;
            results.push((r.label.clone(), r.reached, r.bursts, r.final_f()));
        }
        robustness.push(RobustnessRow {
            condition_number: kappa,
            angle_degrees: degrees,
            lr,
            results,
        });
    }
    Ok(Outcome {
        settings: s.clone(),
        valley,
        runs,
        robustness,
    })
}

/// At most about `max` points of a long series: every point while short,
/// else the first, smallest and largest y of each bucket (in step order),
/// so that spikes survive.
fn decimate(x: &[f64], y: &[f64], max: usize) -> (Vec<f64>, Vec<f64>) {
    if x.len() <= max {
        return (x.to_vec(), y.to_vec());
    }
    let bucket = x.len().div_ceil(max / 3).max(1);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (cx, cy) in x.chunks(bucket).zip(y.chunks(bucket)) {
        let lo = (0..cy.len()).min_by(|a, b| cy[*a].total_cmp(&cy[*b]));
        let hi = (0..cy.len()).max_by(|a, b| cy[*a].total_cmp(&cy[*b]));
        let mut keep: Vec<usize> = [Some(0), lo, hi].into_iter().flatten().collect();
        keep.sort_unstable();
        keep.dedup();
        for k in keep {
            xs.push(cx[k]);
            ys.push(cy[k]);
        }
    }
    (xs, ys)
}

/// A path thinned for drawing: a point is kept when it is at least `gap`
/// from the last kept one (and the last point always), then at most `max`
/// points by an odd stride, so that a path bouncing every step still shows
/// both walls.
fn thin_path(points: &[Vec<f64>], gap: f64, max: usize) -> Vec<(f64, f64)> {
    let mut kept: Vec<(f64, f64)> = Vec::new();
    for p in points {
        let q = (p[0], p[1]);
        match kept.last() {
            Some(l) if ((q.0 - l.0).powi(2) + (q.1 - l.1).powi(2)).sqrt() < gap => {}
            _ => kept.push(q),
        }
    }
    if let Some(p) = points.last() {
        if kept.last() != Some(&(p[0], p[1])) {
            kept.push((p[0], p[1]));
        }
    }
    if kept.len() > max {
        let mut stride = kept.len().div_ceil(max);
        if stride % 2 == 0 {
            stride += 1;
        }
        let last = *kept.last().unwrap_or(&(0.0, 0.0));
        kept = kept.into_iter().step_by(stride).collect();
        kept.push(last);
    }
    kept
}

/// About `count` steps 1 ..= n, log-spaced (every step at the start).
fn log_indices(n: usize, count: usize) -> Vec<usize> {
    let mut ks: Vec<usize> = (0..count)
        .map(|i| {
            let t = i as f64 / (count.max(2) - 1) as f64;
            ((n as f64).powf(t).round() as usize).clamp(1, n)
        })
        .collect();
    ks.dedup();
    ks
}

/// f drawn at no less than this on log axes.
const FLOOR: f64 = 1e-16;

impl Outcome {
    /// The run labelled `label`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::lecture::adaptive_lr::{run, Settings};
    /// let out = run(&Settings { steps: 600, robustness: vec![], ..Settings::default() }).unwrap();
    /// assert!(out.run("adam").is_some() && out.run("sgd").is_none());
    /// ```
    pub fn run(&self, label: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.label == label)
    }

    /// The main table (one row per method) and the robustness table.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::lecture::adaptive_lr::{run, Settings};
    /// let out = run(&Settings { steps: 600, robustness: vec![(1e3, 0.0, 0.01)], ..Settings::default() }).unwrap();
    /// let t = out.tables();
    /// assert_eq!((t[0].rows().len(), t[1].rows().len()), (11, 1));
    /// ```
    pub fn tables(&self) -> Vec<Table> {
        let s = &self.settings;
        let mut main = Table::new(
            format!(
                "The ravine f = ½(u² + κv²), κ = {}, rotated {}°, start (u, v) = ({}, {}), {} steps, adaptive η = {}",
                num(s.condition_number),
                num(s.angle_degrees),
                num(s.start[0]),
                num(s.start[1]),
                s.steps,
                s.lr
            ),
            &[
                "method",
                "final f",
                &format!("step f < {}", num(s.target)),
                "bursts",
                "largest rise",
                &format!("max |v|, last {}", s.window),
                "v sign flips",
                "‖∇f‖ at end",
                "|u_N/u₀|",
                &format!("longest step, first {}", s.warmup_steps),
            ],
        );
        for r in &self.runs {
            main.row(vec![
                r.label.clone(),
                num(r.final_f()),
                r.reached.map_or("never".into(), |k| k.to_string()),
                r.bursts.to_string(),
                format!("{}×", num(r.largest_rise)),
                num(r.amplitude),
                r.sign_flips.to_string(),
                num(r.grad_norm_end),
                num(r.valley_left),
                num(r.largest_early_step),
            ]);
        }
        let labels: Vec<String> = self
            .robustness
            .first()
            .map(|r| r.results.iter().map(|x| x.0.clone()).collect())
            .unwrap_or_default();
        let mut header = vec!["κ".to_string(), "θ".to_string(), "η".to_string()];
        header.extend(labels.iter().cloned());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut robust = Table::new(
            format!(
                "Other valleys and rates: the step at which f < {} / bursts (\"never\": final f / bursts), {} steps",
                num(s.target),
                s.steps
            ),
            &header,
        );
        for row in &self.robustness {
            let mut cells = vec![
                num(row.condition_number),
                format!("{}°", num(row.angle_degrees)),
                num(row.lr),
            ];
            cells.extend(
                row.results
                    .iter()
                    .map(|(_, reached, bursts, f)| match reached {
                        Some(k) => format!("{k} / {bursts}"),
                        None => format!("never ({}) / {bursts}", num(*f)),
                    }),
            );
            robust.row(cells);
        }
        vec![main, robust]
    }

    /// Draws the figures into `dir` (created if missing) and returns their
    /// paths: the trajectories over the contour (log-spaced levels) for
    /// gradient descent and Adagrad, and for RMSProp and Adam; f against the
    /// step (log y) for the same two groups; the learning rate against the
    /// step for the scheduled runs.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory or a file cannot be written; the
    /// errors of the plotting functions.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        let s = &self.settings;
        let v = &self.valley;
        // The box around the valley from beyond the start to past the
        // minimum, ±1.6·|v₀| across it, in (x, y).
        let (u0, v0) = (s.start[0], s.start[1].abs().max(1e-3));
        let corners = [
            v.point(u0 * 1.08, -1.6 * v0),
            v.point(u0 * 1.08, 1.6 * v0),
            v.point(-u0 * 0.12, -1.6 * v0),
            v.point(-u0 * 0.12, 1.6 * v0),
        ];
        let span = |k: usize| {
            let lo = corners.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min);
            let hi = corners
                .iter()
                .map(|p| p[k])
                .fold(f64::NEG_INFINITY, f64::max);
            lo..=hi
        };
        let grid = SurfaceGrid::evaluate(&v.function, span(0), span(1), 180, 140)?;
        let gap = 1e-3 * (u0.abs() + v0);
        let minimum = CriticalPoint {
            x: vec![0.0, 0.0],
            value: 0.0,
            verdict: Verdict::LocalMinimum,
            note: "minimum",
        };
        let groups: [(&str, &str, Vec<usize>); 2] = [
            (
                "gd_adagrad",
                "gradient descent and Adagrad",
                vec![0, 1, 2, 3, 4],
            ),
            (
                "rmsprop_adam",
                "RMSProp and Adam, constant and decayed η",
                vec![5, 6, 8, 9, 10],
            ),
        ];
        let mut files = Vec::new();
        for (stem, title, members) in &groups {
            let mut plot = SurfacePlot::new()
                .with_title(format!(
                    "The ravine (κ = {}, θ = {}°): {title}, {} steps",
                    num(s.condition_number),
                    num(s.angle_degrees),
                    s.steps
                ))
                .with_levels(Levels::Log(18))
                .with_critical_points(std::slice::from_ref(&minimum))?;
            for &i in members {
                if let Some(r) = self.runs.get(i) {
                    let pts = thin_path(&r.trajectory.points, gap, 1000);
                    plot = plot.with_track(Track::new(r.label.clone(), pts));
                }
            }
            let path = dir.join(format!("contour_{stem}.svg"));
            plot_surface(&path, &grid, &plot)?;
            files.push(path);

            // Colours by position, as the contour's tracks.
            let series: Vec<XySeries> = members
                .iter()
                .filter_map(|&i| self.runs.get(i))
                .enumerate()
                .map(|(i, r)| {
                    let k: Vec<f64> = (0..r.f.len()).map(|k| k as f64).collect();
                    let f: Vec<f64> = r.f.iter().map(|v| v.max(FLOOR)).collect();
                    let (k, f) = decimate(&k, &f, 2400);
                    XySeries::new(r.label.clone(), k, f, SeriesStyle::Line).with_color(i)
                })
                .collect();
            let path = dir.join(format!("loss_{stem}.svg"));
            plot_xy(
                &path,
                &series,
                &XyPlot::new()
                    .with_title(format!("f against the step: {title}"))
                    .with_labels(
                        "step",
                        format!("f (values below {} drawn at it)", num(FLOOR)),
                    )
                    .with_y_scale(AxisScale::Log)
                    .with_legend(LegendPosition::Auto),
            )?;
            files.push(path);
        }
        // The schedules: cosine decay, warm-up then cosine, and torch's
        // Adagrad read as the lecture's with η_t = η/√t.
        let n = s.steps;
        let ks = log_indices(n, 600);
        let at = |lr: &[f64]| ks.iter().map(|&k| lr[k - 1]).collect::<Vec<f64>>();
        let x: Vec<f64> = ks.iter().map(|&k| k as f64).collect();
        let mut series = Vec::new();
        if let Some(r) = self.runs.iter().find(|r| r.label == "adam + cosine") {
            series.push(XySeries::new(
                "cosine decay (adagrad, rmsprop, adam)",
                x.clone(),
                at(&r.trajectory.lr),
                SeriesStyle::Line,
            ));
        }
        if let Some(r) = self
            .runs
            .iter()
            .find(|r| r.label == "adam + warm-up + cosine")
        {
            series.push(XySeries::new(
                "warm-up + cosine (rmsprop, adam)",
                x.clone(),
                at(&r.trajectory.lr),
                SeriesStyle::Line,
            ));
        }
        series.push(XySeries::new(
            "torch's adagrad as the lecture's: η/√t",
            x.clone(),
            x.iter().map(|k| s.lr / k.sqrt()).collect(),
            SeriesStyle::Dashed,
        ));
        let path = dir.join("learning_rate.svg");
        plot_xy(
            &path,
            &series,
            &XyPlot::new()
                .with_title(format!(
                    "The learning rate η_t of the scheduled runs ({}-step warm-up)",
                    s.warmup_steps
                ))
                .with_labels("step", "η")
                .with_x_scale(AxisScale::Log)
                .with_y_scale(AxisScale::Linear)
                .with_legend(LegendPosition::Auto),
        )?;
        files.push(path);
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_the_spikes() {
        let x: Vec<f64> = (0..10_000).map(f64::from).collect();
        let mut y = vec![1.0; 10_000];
        y[4321] = 1e6;
        y[8000] = 1e-9;
        let (xs, ys) = decimate(&x, &y, 300);
        assert!(xs.len() <= 320);
        assert!(ys.contains(&1e6) && ys.contains(&1e-9));
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn bursts_are_rises_above_the_floor_counted_once_each() {
        let f = [
            10.0, 1.0, 0.1, 50.0, 60.0, 0.5, 0.05, 0.04, 100.0, 1e-9, 1e-9, 1e-5,
        ];
        // Floors: 0.1 before the rise to 50 (×500), 0.04 before 100.
        let (n, rise) = bursts(&f, 1e-6);
        assert_eq!(n, 2);
        assert!((rise - 2500.0).abs() < 1e-9);
        // Below the target the floor is the target: 1e-5 is a rise of 10.
        let (n, rise) = bursts(&[1.0, 1e-9, 1e-5], 1e-6);
        assert!(n == 0 && (rise - 10.0).abs() < 1e-9);
        assert_eq!(bursts(&[3.0, 2.0, 1.0], 1e-6), (0, 1.0));
    }

    #[test]
    fn thinning_keeps_the_ends_and_the_bounce() {
        let pts: Vec<Vec<f64>> = (0..10_000)
            .map(|k| vec![k as f64 * 1e-4, if k % 2 == 0 { 1.0 } else { -1.0 }])
            .collect();
        let t = thin_path(&pts, 1e-3, 1000);
        assert!(t.len() <= 1002);
        assert_eq!(t[0], (0.0, 1.0));
        assert_eq!(*t.last().unwrap(), (0.9999, -1.0));
        assert!(t.iter().any(|p| p.1 > 0.0) && t.iter().any(|p| p.1 < 0.0));
    }

    #[test]
    fn bad_settings_are_refused() {
        for s in [
            Settings {
                condition_number: 1.0,
                ..Settings::default()
            },
            Settings {
                steps: 10,
                ..Settings::default()
            },
            Settings {
                tiny_lr_times_lambda_min: 0.0,
                ..Settings::default()
            },
            Settings {
                robustness: vec![(1e3, f64::NAN, 0.01)],
                ..Settings::default()
            },
        ] {
            assert!(matches!(run(&s), Err(Error::InvalidSetting { .. })));
        }
    }
}
