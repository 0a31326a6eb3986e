//! Lecture 2: the Taylor picture at a critical point.
//!
//! **Claim.** Near a point θ′ the loss is, to second order,
//! L(θ) ≈ L(θ′) + (θ − θ′)ᵀg + ½(θ − θ′)ᵀH(θ − θ′), with g the gradient
//! and H the Hessian at θ′. Where training stalls because g ≈ 0, the
//! first-order term is gone and the eigenvalues of H give the verdict: all
//! positive, a local minimum; all negative, a local maximum; both signs, a
//! saddle point. At a saddle, a step of length α along the unit
//! eigenvector u of a negative eigenvalue λ changes the loss by
//! ½λα² < 0 — the way down that gradient descent cannot see. (The
//! second-order test is textbook calculus; for its use on network losses
//! see Dauphin et al., "Identifying and attacking the saddle point problem
//! in high-dimensional non-convex optimization", NeurIPS 2014, and the
//! lecture's slides on critical points.)
//!
//! **Experiment.** Two stalled points, each with g = 0 to rounding:
//!
//! 1. *A function*: Himmelblau's (f = (x² + y − 11)² + (x + y² − 7)²).
//!    Newton-MR ([`enumerate_critical_points`]) from seeded random starts
//!    in [−5, 5]² finds its critical points; each is classified from the
//!    two eigenvalues of its Hessian. The saddle with the lowest value —
//!    the pass between the minima (3, 2) and (3.58, −1.85) — is the
//!    stalled point.
//! 2. *A network*: a 4-5-3 tanh classifier on iris at an exact saddle: all
//!    weights zero and the output biases at the log class priors, so the
//!    network predicts the class frequencies and every gradient component
//!    vanishes (each weight's gradient is a product with a zero weight or
//!    a zero hidden activation). Gradient descent stays there forever.
//!
//! At each the experiment reports ‖g‖, the dense spectrum and the verdict,
//! and steps along u_min: for α = 1, ½, …, 10⁻³ it compares the actual
//! change L(θ′ ± αu) − L(θ′) with the prediction ½λα². The ratio tends to 1
//! as α → 0 — linearly in α for Himmelblau (a cubic term, of opposite sign
//! for +u and −u), quadratically for the network (its loss is even in α
//! along this u: the output is bilinear in the two weight layers, so the
//! next term is quartic) — and the largest α for which it stays within
//! 10 % of 1 marks where the higher-order terms take over.
//!
//! Why these settings: Himmelblau's points are known in closed form (the
//! test checks the Hessian against it), and its saddles are well separated
//! from its minima, so the contour figure shows the eigenvector directions
//! clearly; the iris saddle is exact (‖g‖ ~ 1e-16, no finder tolerance
//! enters the verdict) and is the one the escape tests use.

use std::path::{Path, PathBuf};

use nalgebra::DVector;

use crate::lecture::{Table, invalid, num};
use crate::{
    Architecture, AxisScale, Counts, CsvOptions, Dataset, EigenvaluePlot, EnumerationSettings,
    Error, Levels, Loss, Network, NetworkObjective, NetworkOptions, PointMark, Result, SearchBox,
    SeriesStyle, SliceCurve, Starts, SurfaceGrid, SurfacePlot, Tolerances, Track,
    TwiceDifferentiable, Verdict, XyPlot, XySeries, builtin, classify, enumerate_critical_points,
    plot_eigenvalues, plot_surface, plot_xy, slice_1d, symmetric_eigen,
};

/// The experiment's configuration. `Default` is the example's.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::critical_points::Settings;
/// let s = Settings::default();
/// assert_eq!(s.function, "himmelblau");
/// assert_eq!(s.alphas[0], 1.0);
/// assert!(s.check().is_ok());
/// let bad = Settings { alphas: vec![], ..Settings::default() };
/// assert!(bad.check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A two-variable built-in function (see
    /// [`builtin_functions`](crate::builtin_functions)) with at least one
    /// saddle in the search box. Default `himmelblau`.
    pub function: String,
    /// The search box [lo, hi]² for its critical points. Default (−5, 5).
    pub bounds: (f64, f64),
    /// Random starts of Newton-MR in the box. Default 100.
    pub starts: usize,
    /// Seed of the starts. Default 0.
    pub seed: u64,
    /// A classification CSV (last column the 0-based class). Default
    /// `../shared/data/iris.csv` (relative to the repository root).
    pub data: PathBuf,
    /// Hidden width of the tanh network. Default 5.
    pub hidden: usize,
    /// Step lengths α of the Taylor check, each finite and > 0. Default
    /// 1, 0.5, 0.25, 0.1, 0.05, 0.01, 0.001.
    pub alphas: Vec<f64>,
    /// Half-width of the slice along u_min through the function's saddle.
    /// Default 1.5.
    pub function_slice: f64,
    /// Half-width of the slice along u_min through the network's saddle.
    /// Default 0.6 (the loss turns up again beyond α ≈ 0.3).
    pub network_slice: f64,
    /// Points per slice. Default 201.
    pub slice_points: usize,
    /// Log-spaced step lengths from 10⁻³ to 1 for the Taylor-error figure
    /// (at least 2). Default 31.
    pub sweep_points: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            function: "himmelblau".into(),
            bounds: (-5.0, 5.0),
            starts: 100,
            seed: 0,
            data: PathBuf::from("../shared/data/iris.csv"),
            hidden: 5,
            alphas: vec![1.0, 0.5, 0.25, 0.1, 0.05, 0.01, 0.001],
            function_slice: 1.5,
            network_slice: 0.6,
            slice_points: 201,
            sweep_points: 31,
        }
    }
}

impl Settings {
    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] naming the field: bounds not finite with
    /// lo < hi, no starts, a hidden width of 0, no α or an α that is not
    /// finite and positive, a slice half-width that is not finite and
    /// positive, fewer than 3 slice points or 2 sweep points.
    pub fn check(&self) -> Result<()> {
        let (lo, hi) = self.bounds;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(invalid(
                "bounds",
                format!("expected finite lo < hi, got ({lo}, {hi})"),
            ));
        }
        if self.starts == 0 {
            return Err(invalid("starts", "expected at least 1 start, got 0".into()));
        }
        if self.hidden == 0 {
            return Err(invalid("hidden", "expected a width ≥ 1, got 0".into()));
        }
        if self.alphas.is_empty() {
            return Err(invalid(
                "alphas",
                "expected at least one step length".into(),
            ));
        }
        if let Some(a) = self.alphas.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
            return Err(invalid(
                "alphas",
                format!("every step length must be finite and > 0, got {a}"),
            ));
        }
        for (name, w) in [
            ("function_slice", self.function_slice),
            ("network_slice", self.network_slice),
        ] {
            if !(w.is_finite() && w > 0.0) {
                return Err(invalid(
                    name,
                    format!("expected a finite half-width > 0, got {w}"),
                ));
            }
        }
        if self.sweep_points < 2 {
            return Err(invalid(
                "sweep_points",
                format!("expected at least 2 points, got {}", self.sweep_points),
            ));
        }
        if self.slice_points < 3 {
            return Err(invalid(
                "slice_points",
                format!("expected at least 3 points, got {}", self.slice_points),
            ));
        }
        Ok(())
    }
}

/// One step of the Taylor check: the change of the loss a distance α
/// along ±u_min against the second-order prediction ½·λmin·α².
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::critical_points::TaylorRow;
/// let r = TaylorRow { alpha: 0.1, predicted: -0.01, actual_plus: -0.0099, actual_minus: -0.0101 };
/// assert!((r.ratio_plus() - 0.99).abs() < 1e-12);
/// assert!((r.rel_error() - 0.01).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaylorRow {
    /// The step length α (u is a unit vector).
    pub alpha: f64,
    /// ½·λmin·α².
    pub predicted: f64,
    /// L(θ′ + αu) − L(θ′).
    pub actual_plus: f64,
    /// L(θ′ − αu) − L(θ′).
    pub actual_minus: f64,
}

impl TaylorRow {
    /// actual_plus / predicted.
    pub fn ratio_plus(&self) -> f64 {
        self.actual_plus / self.predicted
    }

    /// actual_minus / predicted.
    pub fn ratio_minus(&self) -> f64 {
        self.actual_minus / self.predicted
    }

    /// The larger of |ratio − 1| over both signs.
    pub fn rel_error(&self) -> f64 {
        (self.ratio_plus() - 1.0)
            .abs()
            .max((self.ratio_minus() - 1.0).abs())
    }
}

/// The second-order picture at one stalled point.
#[derive(Debug, Clone, PartialEq)]
pub struct StalledPoint {
    /// What the point is, for tables and legends.
    pub name: String,
    /// θ′.
    pub point: Vec<f64>,
    /// L(θ′).
    pub value: f64,
    /// ‖∇L(θ′)‖₂.
    pub grad_norm: f64,
    /// The Hessian's eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    /// Sign counts with the default tolerances (|λ| ≤ 1e-9·max|λ| is zero).
    pub counts: Counts,
    /// The verdict with the default tolerances.
    pub verdict: Verdict,
    /// The unit eigenvector of λmin.
    pub u_min: Vec<f64>,
    /// The unit eigenvector of λmax.
    pub u_max: Vec<f64>,
    /// The Taylor check, one row per α of the settings, in their order.
    pub taylor: Vec<TaylorRow>,
    /// The same check at `sweep_points` log-spaced α from 10⁻³ to 1,
    /// ascending (for the figure).
    pub sweep: Vec<TaylorRow>,
    /// L(θ′ + αu_min) over α ∈ [−w, w].
    pub slice: SliceCurve,
    /// The largest α of the settings up to which (for it and every
    /// smaller α) the ratio actual/predicted is within 10 % of 1 for both
    /// signs; `None` if not even the smallest is.
    pub quadratic_range: Option<f64>,
}

impl StalledPoint {
    /// λmin.
    pub fn lambda_min(&self) -> f64 {
        self.eigenvalues[0]
    }

    /// λmax.
    pub fn lambda_max(&self) -> f64 {
        self.eigenvalues[self.eigenvalues.len() - 1]
    }
}

/// A critical point of the function found by Newton-MR, with its
/// eigenvalues.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundCritical {
    /// The point.
    pub x: Vec<f64>,
    /// f there.
    pub value: f64,
    /// ‖∇f‖₂ there.
    pub grad_norm: f64,
    /// The Hessian's two eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Everything the experiment measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The function's name.
    pub function: String,
    /// The search box.
    pub bounds: (f64, f64),
    /// The distinct critical points found, in the enumeration's order.
    pub critical_points: Vec<FoundCritical>,
    /// The function's saddle with the lowest value.
    pub function_saddle: StalledPoint,
    /// The network at its exact saddle.
    pub network_saddle: StalledPoint,
    /// The network's architecture.
    pub architecture: String,
}

/// Runs the experiment.
///
/// # Errors
///
/// [`Settings::check`]'s; [`Error::InvalidInput`] when the function has no
/// saddle in the box or the data set is not a classification set with at
/// least two classes; the errors of loading the data, the finders, the
/// Hessians and the eigendecompositions.
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let f = builtin(&settings.function, 2)?;
    let (lo, hi) = settings.bounds;
    let search = SearchBox::new(vec![lo, lo], vec![hi, hi])?;
    let found = enumerate_critical_points(
        &f,
        &search,
        &EnumerationSettings::default().with_starts(Starts::Random {
            count: settings.starts,
            seed: settings.seed,
        }),
    )?;
    let mut critical_points = Vec::new();
    for p in &found.points {
        let h = f.hessian(&p.x)?;
        let spectrum = symmetric_eigen(&h.matrix)?;
        critical_points.push(FoundCritical {
            x: p.x.clone(),
            value: p.loss,
            grad_norm: p.grad_norm,
            eigenvalues: spectrum.eigenvalues.iter().copied().collect(),
            verdict: p.verdict,
        });
    }
    let saddle = critical_points
        .iter()
        .filter(|p| p.verdict == Verdict::SaddlePoint)
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "no saddle of `{}` was found in [{lo}, {hi}]² from {} starts",
                settings.function, settings.starts
            ))
        })?;
    let function_saddle = stalled_point(
        &f,
        &format!("{} saddle", settings.function),
        &saddle.x,
        settings,
        settings.function_slice,
    )?;

    let data = Dataset::from_csv(&settings.data, &CsvOptions::default())?;
    let (theta, arch) = exact_saddle(&data, settings.hidden)?;
    let net = Network::init(&arch, 0)?.with_params(DVector::from_vec(theta.clone()))?;
    let objective =
        NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default())?;
    let stem = settings
        .data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into());
    let network_saddle = stalled_point(
        &objective,
        &format!(
            "{stem} {}-{}-{} tanh net",
            arch.input_width(),
            settings.hidden,
            arch.output_width()
        ),
        &theta,
        settings,
        settings.network_slice,
    )?;
    Ok(Outcome {
        function: settings.function.clone(),
        bounds: settings.bounds,
        critical_points,
        function_saddle,
        network_saddle,
        architecture: arch.to_string(),
    })
}

/// The exact saddle of a one-hidden-layer tanh classifier on `data`: all
/// weights zero, output biases at the log class priors. Returns θ and the
/// architecture `linear(d,h),tanh,linear(h,k)`.
///
/// Why it is critical: with W₁ = 0 and W₂ = 0 the hidden activations are
/// tanh(0) = 0, so ∂L/∂W₂ = (p − y)·hᵀ = 0 and ∂L/∂W₁ = (W₂ᵀ(p − y)) ∘
/// tanh′ · xᵀ = 0; the biases see mean(p − y), which is zero when the
/// softmax of the output bias equals the class frequencies.
///
/// # Errors
///
/// [`Error::InvalidInput`] when the data set has fewer than two classes
/// or a class with no row; the errors of [`Architecture::parse`].
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin_dataset, Network, NetworkObjective, NetworkOptions, Loss, TwiceDifferentiable};
/// use saddlescope::lecture::critical_points::exact_saddle;
/// let data = builtin_dataset("blobs(n=90,k=3)", 0).unwrap();
/// let (theta, arch) = exact_saddle(&data, 4).unwrap();
/// let net = Network::init(&arch, 0).unwrap().with_params(theta.clone().into()).unwrap();
/// let f = NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
/// assert!(f.gradient(&theta).unwrap().1.norm() < 1e-14);
/// ```
pub fn exact_saddle(data: &Dataset, hidden: usize) -> Result<(Vec<f64>, Architecture)> {
    let classes = data.class_count().ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} is not a classification data set (integer labels 0…k−1)",
            data.source()
        ))
    })?;
    if classes < 2 {
        return Err(Error::InvalidInput(format!(
            "{} has {classes} class; the saddle needs at least 2",
            data.source()
        )));
    }
    let arch = Architecture::parse(&format!(
        "linear({},{hidden}),tanh,linear({hidden},{classes})",
        data.features()
    ))?;
    let labels = data.class_labels(classes)?;
    let n = arch.n_params();
    let mut theta = vec![0.0; n];
    for k in 0..classes {
        let count = labels.iter().filter(|&&l| l == k).count();
        if count == 0 {
            return Err(Error::InvalidInput(format!(
                "class {k} of {} has no row; its log prior is −∞",
                data.source()
            )));
        }
        theta[n - classes + k] = (count as f64 / data.rows() as f64).ln();
    }
    Ok((theta, arch))
}

/// Gradient, spectrum, verdict, the Taylor check and the slice at θ′.
fn stalled_point<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    name: &str,
    theta: &[f64],
    settings: &Settings,
    half_width: f64,
) -> Result<StalledPoint> {
    let (value, g) = f.gradient(theta)?;
    let h = f.hessian(theta)?;
    let spectrum = symmetric_eigen(&h.matrix)?;
    let c = classify(&g, &spectrum, &Tolerances::default())?;
    let n = spectrum.eigenvalues.len();
    let u_min: Vec<f64> = spectrum.eigenvectors.column(0).iter().copied().collect();
    let u_max: Vec<f64> = spectrum
        .eigenvectors
        .column(n - 1)
        .iter()
        .copied()
        .collect();
    let lambda = spectrum.eigenvalues[0];
    let moved = |s: f64| -> Vec<f64> { theta.iter().zip(&u_min).map(|(t, u)| t + s * u).collect() };
    let row = |alpha: f64| -> Result<TaylorRow> {
        Ok(TaylorRow {
            alpha,
            predicted: 0.5 * lambda * alpha * alpha,
            actual_plus: f.value(&moved(alpha))? - value,
            actual_minus: f.value(&moved(-alpha))? - value,
        })
    };
    let taylor = settings
        .alphas
        .iter()
        .map(|&a| row(a))
        .collect::<Result<Vec<_>>>()?;
    let last = (settings.sweep_points - 1) as f64;
    let sweep = (0..settings.sweep_points)
        .map(|k| row(10f64.powf(-3.0 + 3.0 * k as f64 / last)))
        .collect::<Result<Vec<_>>>()?;
    let mut by_alpha = taylor.clone();
    by_alpha.sort_by(|a, b| a.alpha.total_cmp(&b.alpha));
    let mut quadratic_range = None;
    for r in &by_alpha {
        if r.rel_error() <= 0.1 {
            quadratic_range = Some(r.alpha);
        } else {
            break;
        }
    }
    let slice = slice_1d(
        f,
        theta,
        &u_min,
        -half_width..=half_width,
        settings.slice_points,
    )?
    .with_name("actual L(θ′ + αu_min)");
    Ok(StalledPoint {
        name: name.into(),
        point: theta.to_vec(),
        value,
        grad_norm: g.norm(),
        eigenvalues: spectrum.eigenvalues.iter().copied().collect(),
        counts: c.counts,
        verdict: c.verdict,
        u_min,
        u_max,
        taylor,
        sweep,
        slice,
        quadratic_range,
    })
}

fn point_text(x: &[f64]) -> String {
    if x.len() <= 3 {
        format!(
            "({})",
            x.iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!("θ ∈ ℝ^{}", x.len())
    }
}

impl Outcome {
    /// The printed tables: the function's critical points; the two
    /// stalled points; the Taylor check at each.
    pub fn tables(&self) -> Vec<Table> {
        let mut points = Table::new(
            format!(
                "Critical points of {} found by Newton-MR in [{}, {}]², classified by the Hessian's eigenvalues",
                self.function, self.bounds.0, self.bounds.1
            ),
            &["point", "f", "‖g‖", "λ₁", "λ₂", "verdict"],
        );
        for p in &self.critical_points {
            points.row(vec![
                point_text(&p.x),
                num(p.value),
                num(p.grad_norm),
                num(p.eigenvalues[0]),
                num(p.eigenvalues[1]),
                p.verdict.to_string(),
            ]);
        }
        let mut stalled = Table::new(
            "The stalled points: gradient, spectrum, verdict",
            &[
                "point",
                "n",
                "L",
                "‖g‖",
                "λmin",
                "λmax",
                "neg/zero/pos",
                "verdict",
                "α with ratio within 10 %",
            ],
        );
        for s in [&self.function_saddle, &self.network_saddle] {
            stalled.row(vec![
                s.name.clone(),
                s.eigenvalues.len().to_string(),
                num(s.value),
                num(s.grad_norm),
                num(s.lambda_min()),
                num(s.lambda_max()),
                format!(
                    "{}/{}/{}",
                    s.counts.negative, s.counts.zero, s.counts.positive
                ),
                s.verdict.to_string(),
                s.quadratic_range
                    .map(|a| format!("≤ {}", num(a)))
                    .unwrap_or_else(|| "none".into()),
            ]);
        }
        let mut taylor = Table::new(
            "Escape along u_min: actual ΔL = L(θ′ ± αu) − L(θ′) against ½λmin·α²",
            &[
                "point",
                "α",
                "½λα²",
                "ΔL(+αu)",
                "ΔL(−αu)",
                "ratio +",
                "ratio −",
                "max |ratio − 1|",
            ],
        );
        for s in [&self.function_saddle, &self.network_saddle] {
            for r in &s.taylor {
                taylor.row(vec![
                    s.name.clone(),
                    num(r.alpha),
                    num(r.predicted),
                    num(r.actual_plus),
                    num(r.actual_minus),
                    format!("{:.4}", r.ratio_plus()),
                    format!("{:.4}", r.ratio_minus()),
                    num(r.rel_error()),
                ]);
            }
        }
        vec![points, stalled, taylor]
    }

    /// Draws the figures into `dir` (created if missing) and returns their
    /// paths: `function_contour.svg` (the surface with the critical points
    /// and the eigenvector directions at the saddle),
    /// `function_slice.svg` and `network_slice.svg` (the loss along u_min
    /// with the quadratic prediction dashed), `taylor_error.svg`
    /// (|actual/predicted − 1| against α, log–log) and
    /// `network_spectrum.svg` (the histogram of the network's eigenvalues).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory or a file cannot be written; the
    /// errors of the plots.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        let mut paths = Vec::new();

        let f = builtin(&self.function, 2)?;
        let (lo, hi) = self.bounds;
        let grid = SurfaceGrid::evaluate(&f, lo..=hi, lo..=hi, 160, 160)?;
        let s = &self.function_saddle;
        let mut plot = SurfacePlot::new()
            .with_title(format!(
                "{}: critical points and the Hessian's eigenvectors at the saddle",
                self.function
            ))
            .with_levels(Levels::Log(14));
        for p in &self.critical_points {
            plot = plot.with_point(PointMark::new(p.x[0], p.x[1]).with_verdict(p.verdict));
        }
        let segment = |u: &[f64], len: f64| {
            vec![
                (s.point[0] - len * u[0], s.point[1] - len * u[1]),
                (s.point[0] + len * u[0], s.point[1] + len * u[1]),
            ]
        };
        plot = plot
            .with_track(Track::new(
                format!("u_min, λ = {}", num(s.lambda_min())),
                segment(&s.u_min, 1.5),
            ))
            .with_track(Track::new(
                format!("u_max, λ = {}", num(s.lambda_max())),
                segment(&s.u_max, 1.5),
            ));
        let path = dir.join("function_contour.svg");
        plot_surface(&path, &grid, &plot)?;
        paths.push(path);

        for (s, file) in [
            (&self.function_saddle, "function_slice.svg"),
            (&self.network_saddle, "network_slice.svg"),
        ] {
            let alpha = s.slice.alpha.clone();
            let prediction = alpha
                .iter()
                .map(|a| s.value + 0.5 * s.lambda_min() * a * a)
                .collect();
            let series = [
                XySeries::new(
                    "actual L(θ′ + αu_min)",
                    alpha.clone(),
                    s.slice.loss.clone(),
                    SeriesStyle::Line,
                ),
                XySeries::new(
                    format!(
                        "quadratic model L(θ′) + ½λmin·α², λmin = {}",
                        num(s.lambda_min())
                    ),
                    alpha,
                    prediction,
                    SeriesStyle::Dashed,
                ),
                XySeries::new(
                    format!("θ′: {}", s.verdict.as_str().replace('_', " ")),
                    vec![0.0],
                    vec![s.value],
                    SeriesStyle::Points,
                ),
            ];
            let plot = XyPlot::new()
                .with_title(format!("{}: the loss along u_min", s.name))
                .with_labels("α (step along the unit eigenvector u_min)", "loss")
                .with_y_scale(AxisScale::Linear);
            let path = dir.join(file);
            plot_xy(&path, &series, &plot)?;
            paths.push(path);
        }

        // |ratio − 1| against α on log–log axes, with the slopes of a cubic
        // (∝ α) and a quartic (∝ α²) remainder for reference.
        let curve = |s: &StalledPoint, pick: fn(&TaylorRow) -> f64| -> (Vec<f64>, Vec<f64>) {
            s.sweep.iter().map(|r| (r.alpha, pick(r))).unzip()
        };
        let (fa, fp) = curve(&self.function_saddle, |r| (r.ratio_plus() - 1.0).abs());
        let (_, fm) = curve(&self.function_saddle, |r| (r.ratio_minus() - 1.0).abs());
        let (na, ne) = curve(&self.network_saddle, TaylorRow::rel_error);
        // Reference slopes through each curve's value at the smallest α.
        let anchor = |a: &[f64], e: &[f64], power: i32| -> Vec<f64> {
            a.iter().map(|x| e[0] * (x / a[0]).powi(power)).collect()
        };
        let series = [
            XySeries::new(
                format!("{}, +u_min", self.function_saddle.name),
                fa.clone(),
                fp.clone(),
                SeriesStyle::LinePoints,
            )
            .with_color(0),
            XySeries::new(
                format!("{}, −u_min", self.function_saddle.name),
                fa.clone(),
                fm,
                SeriesStyle::LinePoints,
            )
            .with_color(2),
            XySeries::new(
                format!("{}, ±u_min", self.network_saddle.name),
                na.clone(),
                ne.clone(),
                SeriesStyle::LinePoints,
            )
            .with_color(1),
            XySeries::new("∝ α", fa.clone(), anchor(&fa, &fp, 1), SeriesStyle::Dashed)
                .with_color(7),
            XySeries::new("∝ α²", na.clone(), anchor(&na, &ne, 2), SeriesStyle::Dashed)
                .with_color(8),
        ];
        let plot = XyPlot::new()
            .with_title("Taylor check: |actual / predicted − 1| along u_min shrinks as α → 0")
            .with_labels("step length α", "|ΔL / (½λmin·α²) − 1|")
            .with_x_scale(AxisScale::Log)
            .with_y_scale(AxisScale::Log);
        let path = dir.join("taylor_error.svg");
        plot_xy(&path, &series, &plot)?;
        paths.push(path);

        let s = &self.network_saddle;
        let path = dir.join("network_spectrum.svg");
        plot_eigenvalues(
            &path,
            &s.eigenvalues,
            &EigenvaluePlot::new()
                .with_symlog(1e-3)?
                .with_title(format!(
                    "{} at its exact saddle: Hessian spectrum ({} negative, {} zero, {} positive)",
                    s.name, s.counts.negative, s.counts.zero, s.counts.positive
                ))
                .with_label("eigenvalue λ (|λ| ≤ 1e-9·max|λ| drawn at 0)"),
        )?;
        paths.push(path);
        Ok(paths)
    }
}
