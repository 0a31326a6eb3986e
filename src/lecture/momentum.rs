//! Lecture 5: momentum rolls over a shallow minimum or across a plateau
//! where gradient descent stops.
//!
//! # The claim
//!
//! Gradient descent follows the local slope only: it stops in the first
//! minimum it meets, however shallow, and crawls wherever the slope is
//! small — a plateau, where the gradient is tiny without the point being
//! critical. The heavy ball (Polyak 1964; for deep learning Sutskever,
//! Martens, Dahl & Hinton 2013, "On the importance of initialization and
//! momentum in deep learning") keeps a running sum of past steps,
//! `m ← λ·m − η·∇f`, `θ ← θ + m`, so speed gathered on the way down carries
//! it over a low barrier and across a flat stretch.
//!
//! # The experiment
//!
//! Three functions whose critical points are known in closed form, each
//! started from the left, run for the same number of steps with the same
//! rate η and momentum λ ∈ {0, 0.5, 0.9, 0.99} (λ = 0 is plain gradient
//! descent, `gd(lr=η)`; the others `momentum(lr=η,lambda=λ)`):
//!
//! - **shallow minimum, 1-D**: g(x) = x⁴/4 + x³/3 − 2x² − 4x, with
//!   g′(x) = (x + 2)(x + 1)(x − 2): a shallow minimum at −2 (g = 4/3), a
//!   barrier (maximum) at −1 (g = 23/12) and the deep minimum at 2
//!   (g = −28/3). Start x₀ = −3 (g = 5.25, well above the barrier).
//! - **plateau, 1-D**: h with h′(x) = ((x + 1)² + ε)(x − 1.5): one minimum,
//!   at 1.5, and around −1 a plateau where |h′| ≈ 2.5·ε but h′ ≠ 0 (ε = 10⁻⁴
//!   by default). Start x₀ = −2.5.
//! - **shallow minimum, 2-D**: g(x) + (y − x²/4)², a curved valley along
//!   y = x²/4 with g's profile: minima at (−2, 1) and (2, 1), a saddle at
//!   (−1, ¼). At a point of the valley the Hessian's determinant is
//!   2·g″(x), so the verdicts are g's. Start (−3, 0), off the valley floor.
//!
//! At each end point the library's [`analyze`] gives the
//! gradient norm and the verdict (default tolerances: ‖∇f‖ ≤ 10⁻⁴), and the
//! end is compared with the known critical points. A second experiment
//! runs the 1-D shallow-minimum function from several starts: momentum is
//! dissipative, so no λ can pass the barrier from a start below it
//! (g(x₀) < g(−1)), and a large λ may slosh back.
//!
//! # Why these settings
//!
//! η = 0.01 is small against the curvature (|g″| ≤ 17 on the path, so
//! η·g″ ≤ 0.17: gradient descent is stable and monotone); λ = 0.9 is the
//! customary momentum (Sutskever et al. 2013) and 0.99 its aggressive end.
//! 2000 steps are enough for gradient descent to converge to its minimum
//! (the shallow minimum's curvature 4 gives a contraction of 0.96 per
//! step) and far too few to cross the plateau at its speed (the crossing
//! takes about π/(2.5·√ε·η) ≈ 12,600 steps of gradient descent).

use std::path::{Path, PathBuf};

use super::{Table, num};
use crate::{
    AnalysisSettings, AxisScale, CriticalPoint, Descent, Error, Expression, LegendPosition, Levels,
    Method, Result, SeriesStyle, SurfaceGrid, SurfacePlot, TwiceDifferentiable, Verdict, XyPlot,
    XySeries, analyze, descend, plot_surface, plot_xy,
};

/// The settings of the experiment; [`Default`] is the example's.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::momentum::Settings;
/// let s = Settings::default();
/// assert_eq!((s.lr, s.steps), (0.01, 2000));
/// assert_eq!(s.lambdas, [0.0, 0.5, 0.9, 0.99]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The learning rate η of every run.
    pub lr: f64,
    /// The momenta λ to compare; 0 runs plain gradient descent. Each in
    /// [0, 1).
    pub lambdas: Vec<f64>,
    /// Steps per run.
    pub steps: usize,
    /// ε of the plateau function: the slope there is about 2.5·ε; in
    /// (0, 0.1].
    pub plateau_epsilon: f64,
    /// Starts of the robustness runs on the 1-D shallow-minimum function,
    /// each left of the barrier at −1.
    pub starts: Vec<f64>,
    /// How many of the first iterates to draw on the 1-D curves.
    pub shown_steps: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            lr: 0.01,
            lambdas: vec![0.0, 0.5, 0.9, 0.99],
            steps: 2000,
            plateau_epsilon: 1e-4,
            starts: vec![-3.5, -3.25, -3.0, -2.75, -2.5, -2.25],
            shown_steps: 150,
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
    /// use saddlescope::lecture::momentum::Settings;
    /// assert!(Settings::default().check().is_ok());
    /// let bad = Settings { lambdas: vec![0.9, 1.0], ..Settings::default() };
    /// assert!(bad.check().unwrap_err().to_string().contains("lambdas"));
    /// ```
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, message: String| {
            Err(Error::InvalidSetting {
                name: name.into(),
                message,
            })
        };
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", format!("expected a positive number, got {}", self.lr));
        }
        if self.lambdas.is_empty() {
            return bad("lambdas", "expected at least one momentum, got none".into());
        }
        if let Some(l) = self.lambdas.iter().find(|l| !(0.0..1.0).contains(*l)) {
            return bad(
                "lambdas",
                format!("each momentum must be in [0, 1), got {l}"),
            );
        }
        if self.steps == 0 {
            return bad("steps", "expected at least 1 step, got 0".into());
        }
        if !(self.plateau_epsilon > 0.0 && self.plateau_epsilon <= 0.1) {
            return bad(
                "plateau_epsilon",
                format!("expected a value in (0, 0.1], got {}", self.plateau_epsilon),
            );
        }
        if let Some(s) = self.starts.iter().find(|s| !(s.is_finite() && **s < -1.0)) {
            return bad(
                "starts",
                format!("each start must be left of the barrier at −1, got {s}"),
            );
        }
        if self.shown_steps == 0 {
            return bad("shown_steps", "expected at least 1, got 0".into());
        }
        Ok(())
    }
}

/// One test function with what is known about it in closed form.
#[derive(Debug, Clone)]
pub struct Problem {
    /// A short name for tables and figures.
    pub name: String,
    /// The formula as parsed.
    pub formula: String,
    /// The function.
    pub function: Expression,
    /// Where every run starts.
    pub start: Vec<f64>,
    /// The critical points, from the closed form of the gradient.
    pub critical_points: Vec<CriticalPoint>,
    /// The first coordinate that separates the two regions: the barrier
    /// (shallow-minimum functions) or the right edge of the plateau.
    pub divider: f64,
    /// The names of the regions left and right of the divider.
    pub regions: [String; 2],
}

impl Problem {
    /// The index of the known critical point nearest to `x`, with its
    /// Euclidean distance.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::lecture::momentum::shallow_minimum_1d;
    /// let p = shallow_minimum_1d().unwrap();
    /// let (i, d) = p.nearest_critical_point(&[1.9]);
    /// assert_eq!(p.critical_points[i].x, [2.0]);
    /// assert!((d - 0.1).abs() < 1e-12);
    /// ```
    pub fn nearest_critical_point(&self, x: &[f64]) -> (usize, f64) {
        self.critical_points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let d =
                    p.x.iter()
                        .zip(x)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        .sqrt();
                (i, d)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, f64::INFINITY))
    }
}

const G: &str = "x^4/4 + x^3/3 - 2*x^2 - 4*x";

fn point(x: Vec<f64>, value: f64, verdict: Verdict, note: &'static str) -> CriticalPoint {
    CriticalPoint {
        x,
        value,
        verdict,
        note,
    }
}

/// g(x) = x⁴/4 + x³/3 − 2x² − 4x: a shallow minimum at −2, a barrier at
/// −1, the deep minimum at 2; start −3.
///
/// # Errors
///
/// None in practice: the formula is this module's constant (a parse error
/// would be a bug here, reported as [`Error::Parse`]).
///
/// # Examples
///
/// ```
/// use saddlescope::TwiceDifferentiable;
/// let p = saddlescope::lecture::momentum::shallow_minimum_1d().unwrap();
/// for c in &p.critical_points {
///     let (value, g) = p.function.gradient(&c.x).unwrap();
///     assert!(g.norm() < 1e-12 && (value - c.value).abs() < 1e-12);
/// }
/// ```
pub fn shallow_minimum_1d() -> Result<Problem> {
    Ok(Problem {
        name: "shallow minimum (1-D)".into(),
        formula: G.into(),
        function: Expression::parse(G)?,
        start: vec![-3.0],
        critical_points: vec![
            point(
                vec![-2.0],
                4.0 / 3.0,
                Verdict::LocalMinimum,
                "shallow minimum",
            ),
            point(vec![-1.0], 23.0 / 12.0, Verdict::LocalMaximum, "barrier"),
            point(
                vec![2.0],
                -28.0 / 3.0,
                Verdict::LocalMinimum,
                "deep minimum",
            ),
        ],
        divider: -1.0,
        regions: ["shallow".into(), "deep".into()],
    })
}

/// h with h′(x) = ((x + 1)² + ε)(x − 1.5): a plateau around −1 (slope
/// ≈ 2.5·ε, not a critical point) before the only minimum, at 1.5; start
/// −2.5.
///
/// # Errors
///
/// [`Error::InvalidSetting`] unless ε is in (0, 0.1].
///
/// # Examples
///
/// ```
/// use saddlescope::TwiceDifferentiable;
/// let p = saddlescope::lecture::momentum::plateau_1d(1e-4).unwrap();
/// assert!(saddlescope::lecture::momentum::plateau_1d(f64::NAN).is_err());
/// let (_, g) = p.function.gradient(&[-1.0]).unwrap();
/// assert!((g[0] + 2.5e-4).abs() < 1e-12); // small, but not zero
/// assert_eq!(p.critical_points.len(), 1);
/// ```
pub fn plateau_1d(epsilon: f64) -> Result<Problem> {
    if !(epsilon > 0.0 && epsilon <= 0.1) {
        return Err(Error::InvalidSetting {
            name: "plateau_epsilon".into(),
            message: format!("expected a value in (0, 0.1], got {epsilon}"),
        });
    }
    // ∫ ((x+1)² + ε)(x − 1.5) dx = x⁴/4 + x³/6 + (ε − 2)x²/2 − 1.5(1 + ε)x.
    let formula = format!("x^4/4 + x^3/6 + ({epsilon} - 2)*x^2/2 - 1.5*(1 + {epsilon})*x");
    let h = |x: f64| {
        x.powi(4) / 4.0 + x.powi(3) / 6.0 + (epsilon - 2.0) * x * x / 2.0
            - 1.5 * (1.0 + epsilon) * x
    };
    Ok(Problem {
        name: "plateau (1-D)".into(),
        function: Expression::parse(&formula)?,
        formula,
        start: vec![-2.5],
        critical_points: vec![point(vec![1.5], h(1.5), Verdict::LocalMinimum, "minimum")],
        divider: -0.5,
        regions: ["plateau".into(), "minimum".into()],
    })
}

/// g(x) + (y − x²/4)²: g's profile along the curved valley y = x²/4 —
/// minima at (−2, 1) and (2, 1), a saddle at (−1, ¼); start (−3, 0).
///
/// # Errors
///
/// None in practice: the formula is this module's constant (a parse error
/// would be a bug here, reported as [`Error::Parse`]).
///
/// # Examples
///
/// ```
/// use saddlescope::{analyze, AnalysisSettings, TwiceDifferentiable};
/// let p = saddlescope::lecture::momentum::shallow_minimum_2d().unwrap();
/// for c in &p.critical_points {
///     let a = analyze(&p.function, &c.x, &AnalysisSettings::default()).unwrap();
///     assert_eq!(a.classification.verdict, c.verdict);
/// }
/// ```
pub fn shallow_minimum_2d() -> Result<Problem> {
    let formula = format!("{G} + (y - x^2/4)^2");
    Ok(Problem {
        name: "shallow minimum (2-D)".into(),
        function: Expression::parse(&formula)?,
        formula,
        start: vec![-3.0, 0.0],
        critical_points: vec![
            point(
                vec![-2.0, 1.0],
                4.0 / 3.0,
                Verdict::LocalMinimum,
                "shallow minimum",
            ),
            point(
                vec![-1.0, 0.25],
                23.0 / 12.0,
                Verdict::SaddlePoint,
                "saddle",
            ),
            point(
                vec![2.0, 1.0],
                -28.0 / 3.0,
                Verdict::LocalMinimum,
                "deep minimum",
            ),
        ],
        divider: -1.0,
        regions: ["shallow".into(), "deep".into()],
    })
}

/// One run: a method from the problem's start, and where it ended.
#[derive(Debug, Clone)]
pub struct Run {
    /// The momentum λ (0: gradient descent).
    pub lambda: f64,
    /// The method spec, e.g. `momentum(lr=0.01,lambda=0.9)`.
    pub method: String,
    /// The trajectory and end point.
    pub descent: Descent,
    /// ‖∇f‖ at the end point.
    pub grad_norm: f64,
    /// The verdict at the end point ([`analyze`], default
    /// tolerances).
    pub verdict: Verdict,
    /// Whether the end point is right of the divider.
    pub past: bool,
    /// The first step after which the iterate was right of the divider.
    pub first_past: Option<usize>,
    /// The nearest known critical point (index into
    /// [`Problem::critical_points`]) and its distance.
    pub nearest: (usize, f64),
}

/// A problem with one run per momentum.
#[derive(Debug, Clone)]
pub struct ProblemRuns {
    /// The function, its start and critical points.
    pub problem: Problem,
    /// One run per [`Settings::lambdas`], in order.
    pub runs: Vec<Run>,
}

/// Where the runs from one start of the robustness experiment ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRow {
    /// x₀.
    pub start: f64,
    /// g(x₀) − g(−1): the height above the barrier at the start (negative:
    /// below it, and no dissipative method can pass).
    pub height_above_barrier: f64,
    /// Per momentum (in [`Settings::lambdas`] order): the final x.
    pub final_x: Vec<f64>,
}

/// Everything the experiment measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The settings it ran with.
    pub settings: Settings,
    /// The three problems: shallow minimum 1-D, plateau 1-D, shallow
    /// minimum 2-D.
    pub problems: Vec<ProblemRuns>,
    /// The robustness runs on the 1-D shallow-minimum function.
    pub starts: Vec<StartRow>,
}

/// The spec for momentum λ: plain gradient descent at 0.
fn method_spec(lr: f64, lambda: f64) -> String {
    if lambda == 0.0 {
        format!("gd(lr={lr})")
    } else {
        format!("momentum(lr={lr},lambda={lambda})")
    }
}

fn method_label(lambda: f64) -> String {
    if lambda == 0.0 {
        "gd".into()
    } else {
        format!("momentum λ={lambda}")
    }
}

fn run_problem(problem: Problem, settings: &Settings) -> Result<ProblemRuns> {
    let mut runs = Vec::new();
    for &lambda in &settings.lambdas {
        let method = method_spec(settings.lr, lambda);
        let descent = descend(
            &problem.function,
            &Method::parse(&method)?,
            None,
            &problem.start,
            settings.steps,
        )?;
        let analysis = analyze(&problem.function, &descent.x, &AnalysisSettings::default())?;
        let past_at = |p: &[f64]| p[0] > problem.divider;
        let first_past = descent.trajectory.points.iter().position(|p| past_at(p));
        runs.push(Run {
            lambda,
            method,
            grad_norm: analysis.classification.grad_norm,
            verdict: analysis.classification.verdict,
            past: past_at(&descent.x),
            first_past,
            nearest: problem.nearest_critical_point(&descent.x),
            descent,
        });
    }
    Ok(ProblemRuns { problem, runs })
}

/// Runs the experiment.
///
/// # Errors
///
/// [`Error::InvalidSetting`] for settings that fail [`Settings::check`];
/// the errors of [`descend`] and
/// [`analyze`] (none are expected on these functions).
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::momentum::{run, Settings};
/// let s = Settings { lambdas: vec![0.0, 0.9], steps: 600, starts: vec![-3.0], ..Settings::default() };
/// let out = run(&s)?;
/// let shallow = &out.problems[0];
/// assert!(!shallow.runs[0].past && shallow.runs[1].past); // gd stays, momentum rolls over
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let problems = [
        shallow_minimum_1d()?,
        plateau_1d(settings.plateau_epsilon)?,
        shallow_minimum_2d()?,
    ]
    .into_iter()
    .map(|p| run_problem(p, settings))
    .collect::<Result<Vec<_>>>()?;

    let g = shallow_minimum_1d()?;
    let barrier = g.function.value(&[-1.0])?;
    let mut starts = Vec::new();
    for &x0 in &settings.starts {
        let mut final_x = Vec::new();
        for &lambda in &settings.lambdas {
            let m = Method::parse(&method_spec(settings.lr, lambda))?;
            final_x.push(descend(&g.function, &m, None, &[x0], settings.steps)?.x[0]);
        }
        starts.push(StartRow {
            start: x0,
            height_above_barrier: g.function.value(&[x0])? - barrier,
            final_x,
        });
    }
    Ok(Outcome {
        settings: settings.clone(),
        problems,
        starts,
    })
}

fn coords(x: &[f64]) -> String {
    match x {
        [v] => num(*v),
        _ => format!(
            "({})",
            x.iter().map(|v| num(*v)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The box the figures show: the start, the critical points and the
/// iterates drawn (the first `shown` in 1-D, all in 2-D), with a margin of
/// 5 %, at most 4 units from the origin in x.
fn bounding_box(problem: &Problem, runs: &[Run], shown: usize) -> (Vec<f64>, Vec<f64>) {
    let n = problem.start.len();
    let mut lo = problem.start.clone();
    let mut hi = problem.start.clone();
    let take = if n == 1 { shown + 1 } else { usize::MAX };
    let points = runs
        .iter()
        .flat_map(|r| r.descent.trajectory.points.iter().take(take))
        .chain(problem.critical_points.iter().map(|c| &c.x));
    for p in points {
        for k in 0..n {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    for k in 0..n {
        let margin = 0.05 * (hi[k] - lo[k]).max(1e-3);
        lo[k] = (lo[k] - margin).max(-4.0);
        hi[k] = (hi[k] + margin).min(4.0);
    }
    (lo, hi)
}

/// A file-name stem for a problem: "shallow_minimum_1d".
fn stem(name: &str) -> String {
    name.replace(" (1-D)", "_1d")
        .replace(" (2-D)", "_2d")
        .replace(' ', "_")
}

impl Outcome {
    /// The runs of the problem named `name` (e.g. `"plateau (1-D)"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::lecture::momentum::{run, Settings};
    /// let out = run(&Settings { steps: 10, starts: vec![], ..Settings::default() }).unwrap();
    /// assert!(out.problem("plateau (1-D)").is_some());
    /// assert!(out.problem("nowhere").is_none());
    /// ```
    pub fn problem(&self, name: &str) -> Option<&ProblemRuns> {
        self.problems.iter().find(|p| p.problem.name == name)
    }

    /// Two tables: where each run ends (per function and momentum), and
    /// where each start of the robustness runs ends.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::lecture::momentum::{run, Settings};
    /// let out = run(&Settings { steps: 10, ..Settings::default() }).unwrap();
    /// let t = out.tables();
    /// assert_eq!(t[0].rows().len(), 3 * 4);
    /// assert_eq!(t[1].rows().len(), 6);
    /// ```
    pub fn tables(&self) -> Vec<Table> {
        let s = &self.settings;
        let mut ends = Table::new(
            format!(
                "Where each run ends: η = {}, {} steps (verdict by the Hessian at the end, ‖∇f‖ ≤ 1e-4)",
                s.lr, s.steps
            ),
            &[
                "function",
                "method",
                "final x",
                "final f",
                "region",
                "‖∇f‖ at end",
                "verdict",
                "first past",
            ],
        );
        for p in &self.problems {
            for r in &p.runs {
                ends.row(vec![
                    p.problem.name.clone(),
                    method_label(r.lambda),
                    coords(&r.descent.x),
                    num(r.descent.value),
                    p.problem.regions[usize::from(r.past)].clone(),
                    num(r.grad_norm),
                    r.verdict.as_str().into(),
                    r.first_past.map_or("never".into(), |k| format!("step {k}")),
                ]);
            }
        }
        let mut header = vec!["x₀".to_string(), "g(x₀) − g(barrier)".to_string()];
        header.extend(s.lambdas.iter().map(|l| method_label(*l)));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut starts = Table::new(
            format!(
                "Shallow minimum (1-D) from other starts: the final x (−2 shallow, 2 deep), η = {}, {} steps",
                s.lr, s.steps
            ),
            &header,
        );
        for row in &self.starts {
            let mut cells = vec![num(row.start), num(row.height_above_barrier)];
            cells.extend(row.final_x.iter().map(|x| num(*x)));
            starts.row(cells);
        }
        vec![ends, starts]
    }

    /// Draws the figures into `dir` (created if missing) and returns their
    /// paths: for each 1-D function the curve with each method's first
    /// iterates on it, the 2-D contour with the trajectories, and f against
    /// the step for each function.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory or a file cannot be written; the
    /// errors of the plotting functions.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        let mut files = Vec::new();
        let shown = self.settings.shown_steps;
        for p in &self.problems {
            let name = &p.problem.name;
            let f = &p.problem.function;
            let (lo, hi) = bounding_box(&p.problem, &p.runs, shown);
            if p.problem.start.len() == 1 {
                let xs = crate::linspace(lo[0]..=hi[0], 400)?;
                let ys = xs
                    .iter()
                    .map(|x| f.value(&[*x]))
                    .collect::<Result<Vec<_>>>()?;
                let mut series = vec![XySeries::new("f", xs, ys, SeriesStyle::Line).with_color(7)];
                // The largest momentum first, so that the methods that stop
                // early are drawn on top of those that roll on.
                for (i, r) in p.runs.iter().enumerate().rev() {
                    let pts = &r.descent.trajectory.points;
                    let take = pts.len().min(shown + 1);
                    let x: Vec<f64> = pts[..take].iter().map(|p| p[0]).collect();
                    let y = x
                        .iter()
                        .map(|x| f.value(&[*x]))
                        .collect::<Result<Vec<_>>>()?;
                    series.push(
                        XySeries::new(method_label(r.lambda), x, y, SeriesStyle::LinePoints)
                            .with_color(i),
                    );
                }
                let path = dir.join(format!("{}_curve.svg", stem(name)));
                plot_xy(
                    &path,
                    &series,
                    &XyPlot::new()
                        .with_title(format!(
                            "{name}: the first {shown} iterates of each method on f (start x₀ = {})",
                            num(p.problem.start[0])
                        ))
                        .with_labels("x", "f(x)")
                        .with_legend(LegendPosition::Auto),
                )?;
                files.push(path);
            } else {
                let grid = SurfaceGrid::evaluate(f, lo[0]..=hi[0], lo[1]..=hi[1], 160, 120)?;
                let mut plot = SurfacePlot::new()
                    .with_title(format!(
                        "{name}: trajectories over f = g(x) + (y − x²/4)², {} steps",
                        self.settings.steps
                    ))
                    .with_levels(Levels::Log(16))
                    .with_critical_points(&p.problem.critical_points)?;
                for r in &p.runs {
                    plot = plot.with_trajectory(method_label(r.lambda), &r.descent.trajectory)?;
                }
                let path = dir.join(format!("{}_contour.svg", stem(name)));
                plot_surface(&path, &grid, &plot)?;
                files.push(path);
            }
            let series: Vec<XySeries> = p
                .runs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let t = &r.descent.trajectory;
                    let k: Vec<f64> = (1..=t.f.len()).map(|k| k as f64).collect();
                    XySeries::new(method_label(r.lambda), k, t.f.clone(), SeriesStyle::Line)
                        .with_color(i)
                })
                .collect();
            let path = dir.join(format!("{}_loss.svg", stem(name)));
            plot_xy(
                &path,
                &series,
                &XyPlot::new()
                    .with_title(format!("{name}: f against the step"))
                    .with_labels("step", "f")
                    .with_x_scale(AxisScale::Log)
                    .with_legend(LegendPosition::Auto),
            )?;
            files.push(path);
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closed_forms_are_critical_points_with_their_verdicts() {
        for p in [
            shallow_minimum_1d().unwrap(),
            plateau_1d(1e-4).unwrap(),
            shallow_minimum_2d().unwrap(),
        ] {
            for c in &p.critical_points {
                let a = analyze(&p.function, &c.x, &AnalysisSettings::default()).unwrap();
                assert!(a.classification.grad_norm < 1e-12, "{}: {:?}", p.name, c.x);
                assert_eq!(a.classification.verdict, c.verdict, "{}: {:?}", p.name, c.x);
                assert!((a.value - c.value).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        for s in [
            Settings {
                lr: 0.0,
                ..Settings::default()
            },
            Settings {
                steps: 0,
                ..Settings::default()
            },
            Settings {
                starts: vec![0.0],
                ..Settings::default()
            },
            Settings {
                plateau_epsilon: 0.0,
                ..Settings::default()
            },
        ] {
            assert!(matches!(run(&s), Err(Error::InvalidSetting { .. })));
        }
    }
}
