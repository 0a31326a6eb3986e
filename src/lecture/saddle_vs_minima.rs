//! Lecture 3: where small networks stall — saddles or minima?
//!
//! **Claim.** The critical points that training meets in a small network
//! are mostly saddle points (or degenerate), not local minima: the
//! *minimum ratio* — the fraction of the Hessian's eigenvalues that are
//! positive — is below 1 at most of them, and it rises towards 1 as the
//! training loss falls; only near the lowest losses are the points minima.
//! (Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio, "Identifying and
//! attacking the saddle point problem in high-dimensional non-convex
//! optimization", NeurIPS 2014, Fig. 1; Pennington & Bahri, "Geometry of
//! neural network loss surfaces via random matrix theory", ICML 2017;
//! Frye, Simon, Wadia, Ligeralde, DeWeese & Bouchard, "Critical
//! point-finding methods reveal gradient-flat regions of deep network
//! losses", Neural Computation 33(6), 2021.)
//!
//! **Experiment.** Following Dauphin et al., critical points are searched
//! from points along training paths:
//!
//! 1. For each hidden width H and seed, a 1-H-1 tanh network
//!    (`linear(1,H),tanh,linear(H,1)`, 3H + 1 parameters) is initialised
//!    as PyTorch does and trained full-batch with Adam on the 200-row sine
//!    regression set (MSE), with weight decay: the objective is
//!    L(θ) = MSE(θ) + ½·wd·‖θ‖².
//! 2. From the parameters after each of several step counts (early ones
//!    at high loss, late ones near the bottom), a critical-point finder
//!    (Newton-MR by default, which is attracted to critical points of any
//!    kind) drives ‖∇L‖ towards zero.
//! 3. Each end point whose gradient norm is at most the threshold G is
//!    *classified*: dense Hessian, its spectrum, the minimum ratio, the
//!    index and the verdict, with eigenvalues |λ| ≤ τ·max|λ| counted as
//!    zero. End points above G are reported as not reached, never
//!    classified. Points found twice from the same network — the same θ
//!    to `dedup_tol` up to the network's symmetries (hidden units
//!    permuted, a unit's three weights negated; [`canonical`]) — are
//!    counted once.
//! 4. Over the distinct classified points: how many are minima, saddles,
//!    degenerate; Spearman's rank correlation ρ between the objective and
//!    the minimum ratio (negative: the ratio rises as the loss falls).
//!
//! **Why these settings.**
//!
//! - *Weight decay* (wd = 10⁻³). Without it the sine networks have no
//!   critical point in reach where training slows down: the loss keeps
//!   creeping down while weights grow, and on the default grid no finder
//!   run started from step 300 or later reaches ‖g‖ ≤ 10⁻⁸ (0 of 24;
//!   20 of 72 overall, all early saddles with flat directions) — the
//!   gradient-flat regions of Frye et al. With weight decay 42 of 72 runs
//!   reach it, converging to ‖g‖ < 10⁻¹⁰.
//! - *G = 10⁻⁸* is what the finder actually reaches: its end points are
//!   bimodal, either below 10⁻¹⁰ (quadratic convergence) or stuck above
//!   10⁻⁵, so any G in between classifies the same points.
//! - *τ = 10⁻⁶.* With ‖g‖ ≤ G the point is within about ‖H⁺g‖ of the
//!   critical point, and the eigenvalues there differ from the ones
//!   computed by at most ‖H(θ + δ) − H(θ)‖₂ for the Newton step
//!   δ = −H⁺g (Weyl). Each point reports that bound
//!   ([`StalledPoint::eigen_resolution`]). No count changes for any τ
//!   between the largest bound and the smallest |λ| (both relative to
//!   max|λ|; [`Outcome::tolerance_window`]), and τ = 10⁻⁶ lies inside
//!   that window in the default run; [`Outcome::tables`] also prints the
//!   verdicts at τ = 10⁻⁹ and 10⁻⁴.
//! - Widths 6, 8 and 10 (19–31 parameters) and 4 seeds keep the dense
//!   spectra exact and the example under a minute on two cores; the
//!   finder runs are independent and run in parallel with rayon, gathered
//!   in a fixed order, so the outcome does not depend on the thread count.

use std::path::{Path, PathBuf};

use nalgebra::DVector;
use rayon::prelude::*;

use crate::lecture::{Table, invalid, num};
use crate::{
    Architecture, AxisScale, Classification, CsvOptions, Dataset, Error, FinderMethod,
    FinderSettings, FinderStop, LegendPosition, Loss, Method, MinRatioPlot, MinRatioPoint, Network,
    NetworkObjective, NetworkOptions, Result, SeriesStyle, Spectrum, Tolerances,
    TwiceDifferentiable, Verdict, XyPlot, XySeries, classify, descend, find_critical_point,
    plot_min_ratio, plot_xy, symmetric_eigen,
};

/// The experiment's configuration. `Default` is the example's.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::saddle_vs_minima::Settings;
/// let s = Settings::default();
/// assert_eq!((s.widths.len(), s.seeds.len(), s.snapshots.len()), (3, 4, 6));
/// assert!(s.check().is_ok());
/// let bad = Settings { grad_threshold: 0.0, ..Settings::default() };
/// assert!(bad.check().unwrap_err().to_string().contains("grad_threshold"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A regression CSV with one feature (the last column the target).
    /// Default `../shared/data/sine.csv` (relative to the repository root).
    pub data: PathBuf,
    /// Hidden widths H of the 1-H-1 tanh networks. Default 6, 8, 10.
    pub widths: Vec<usize>,
    /// Initialisation seeds, one network per width and seed. Default 0–3.
    pub seeds: Vec<u64>,
    /// Weight decay wd ≥ 0 in L = MSE + ½·wd·‖θ‖². Default 1e-3.
    pub weight_decay: f64,
    /// The full-batch optimizer of the training runs. Default
    /// `adam(lr=0.01)`.
    pub optimizer: String,
    /// Training steps after which the finder starts (0 = the
    /// initialisation). Default 10, 30, 100, 300, 1000, 3000.
    pub snapshots: Vec<usize>,
    /// The critical-point finder. Default Newton-MR.
    pub finder: FinderMethod,
    /// The finder's iteration budget. Default 500.
    pub max_iters: usize,
    /// G: an end point is classified when ‖∇L‖₂ ≤ G. The finder itself
    /// runs to G/100. Default 1e-8.
    pub grad_threshold: f64,
    /// τ: eigenvalues with |λ| ≤ τ·max|λ| count as zero. Default 1e-6.
    pub eig_tol: f64,
    /// End points of the same network whose [`canonical`] forms are closer
    /// than this (Euclidean) are one point. Default 1e-6.
    pub dedup_tol: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: PathBuf::from("../shared/data/sine.csv"),
            widths: vec![6, 8, 10],
            seeds: vec![0, 1, 2, 3],
            weight_decay: 1e-3,
            optimizer: "adam(lr=0.01)".into(),
            snapshots: vec![10, 30, 100, 300, 1000, 3000],
            finder: FinderMethod::NewtonMr,
            max_iters: 500,
            grad_threshold: 1e-8,
            eig_tol: 1e-6,
            dedup_tol: 1e-6,
        }
    }
}

impl Settings {
    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] naming the field: no widths or a width of
    /// 0, no seeds, no snapshots, a weight decay that is not finite and
    /// ≥ 0, an optimizer spec that does not parse (or names a solver), no
    /// iterations, a gradient threshold that is not finite and > 0, an
    /// eigenvalue tolerance outside [0, 1), a dedup tolerance that is not
    /// finite and ≥ 0.
    pub fn check(&self) -> Result<()> {
        if self.widths.is_empty() || self.widths.contains(&0) {
            return Err(invalid(
                "widths",
                format!("expected one or more widths ≥ 1, got {:?}", self.widths),
            ));
        }
        if self.seeds.is_empty() {
            return Err(invalid("seeds", "expected at least one seed".into()));
        }
        if self.snapshots.is_empty() {
            return Err(invalid(
                "snapshots",
                "expected at least one step count".into(),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(invalid(
                "weight_decay",
                format!("expected a finite number ≥ 0, got {}", self.weight_decay),
            ));
        }
        match Method::parse(&self.optimizer)? {
            Method::Optimizer(_) => {}
            Method::Solver(_) => {
                return Err(invalid(
                    "optimizer",
                    format!(
                        "expected an optimizer (sgd, adam, …), got the solver `{}`",
                        self.optimizer
                    ),
                ));
            }
        }
        if self.max_iters == 0 {
            return Err(invalid("max_iters", "expected at least 1 iteration".into()));
        }
        if !(self.grad_threshold.is_finite() && self.grad_threshold > 0.0) {
            return Err(invalid(
                "grad_threshold",
                format!("expected a finite number > 0, got {}", self.grad_threshold),
            ));
        }
        Tolerances::default().with_eig(self.eig_tol)?;
        if !(self.dedup_tol.is_finite() && self.dedup_tol >= 0.0) {
            return Err(invalid(
                "dedup_tol",
                format!("expected a finite number ≥ 0, got {}", self.dedup_tol),
            ));
        }
        Ok(())
    }

    fn tolerances(&self) -> Result<Tolerances> {
        Tolerances::default()
            .with_grad(self.grad_threshold)?
            .with_eig(self.eig_tol)
    }
}

/// One finder run: from the training path of one network after `step`
/// steps to wherever the finder stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct FinderRun {
    /// Hidden width H.
    pub width: usize,
    /// Initialisation seed.
    pub seed: u64,
    /// Training steps before the finder started.
    pub step: usize,
    /// The objective where the finder started.
    pub start_loss: f64,
    /// The objective where it stopped.
    pub loss: f64,
    /// ‖∇L‖₂ where it stopped.
    pub grad_norm: f64,
    /// Finder iterations.
    pub iterations: usize,
    /// Why it stopped.
    pub stop: FinderStop,
    /// The index into [`Outcome::points`] of its end point when
    /// ‖∇L‖ ≤ G; `None` when the threshold was not reached.
    pub point: Option<usize>,
}

/// A distinct classified end point.
#[derive(Debug, Clone)]
pub struct StalledPoint {
    /// Hidden width H of its network.
    pub width: usize,
    /// Seed of its network.
    pub seed: u64,
    /// The training steps of the runs that ended here, ascending.
    pub steps: Vec<usize>,
    /// θ.
    pub theta: Vec<f64>,
    /// The objective L(θ) = MSE + ½·wd·‖θ‖².
    pub loss: f64,
    /// The mean squared error alone.
    pub mse: f64,
    /// ∇L(θ).
    pub gradient: DVector<f64>,
    /// The dense Hessian's eigenvalues (ascending) and eigenvectors.
    pub spectrum: Spectrum,
    /// The verdict, counts, index and minimum ratio at the settings'
    /// tolerances (G, τ).
    pub classification: Classification,
    /// ‖H(θ + δ) − H(θ)‖₂ for the Newton step δ = −H⁺∇L (eigenvalues
    /// |λ| ≤ τ·max|λ| left out of the pseudo-inverse): by Weyl's
    /// inequality, how far the eigenvalues may move between θ and the
    /// critical point the step points to.
    pub eigen_resolution: f64,
}

impl StalledPoint {
    /// The number of parameters.
    pub fn n(&self) -> usize {
        self.theta.len()
    }

    /// The fraction of positive eigenvalues (1 at a strict minimum).
    pub fn min_ratio(&self) -> f64 {
        self.classification.min_ratio
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        self.classification.verdict
    }
}

/// Everything the experiment measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The settings it ran with.
    pub settings: Settings,
    /// Every finder run, ordered by width, seed and step.
    pub runs: Vec<FinderRun>,
    /// The distinct classified points, in the order first found.
    pub points: Vec<StalledPoint>,
    /// Spearman's rank correlation between the objective and the minimum
    /// ratio over [`points`](Self::points); `None` for fewer than 3 points
    /// or a constant column.
    pub spearman: Option<f64>,
}

/// Spearman's rank correlation: Pearson's correlation of the ranks, ties
/// given their mean rank. `None` for unequal lengths, fewer than 3 pairs,
/// or a column whose ranks are all equal.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::saddle_vs_minima::spearman;
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 35.0]), Some(1.0));
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 1.0, 0.0]), Some(-1.0));
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]), None);
/// // Ties share their mean rank: ranks (1, 2.5, 2.5) against (1, 2, 3).
/// let rho = spearman(&[1.0, 2.0, 2.0], &[1.0, 2.0, 3.0]).unwrap();
/// assert!((rho - 0.866_025_403_784_438_6).abs() < 1e-12);
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// The objective of one network: MSE on the data plus ½·wd·‖θ‖².
fn objective(data: &Dataset, width: usize, seed: u64, wd: f64) -> Result<NetworkObjective> {
    let arch = Architecture::parse(&format!("linear(1,{width}),tanh,linear({width},1)"))?;
    let net = Network::init(&arch, seed)?;
    NetworkObjective::new(
        &net,
        data,
        Loss::Mse,
        NetworkOptions {
            l2: wd,
            ..NetworkOptions::default()
        },
    )
}

/// The finder's end point before deduplication.
struct EndPoint {
    run: FinderRun,
    theta: Vec<f64>,
    classified: Option<Classified>,
}

struct Classified {
    mse: f64,
    gradient: DVector<f64>,
    spectrum: Spectrum,
    classification: Classification,
    eigen_resolution: f64,
}

/// Runs the experiment.
///
/// # Errors
///
/// [`Settings::check`]'s; [`Error::InvalidInput`] when the data set does
/// not have exactly one feature; the errors of loading the data, training
/// (e.g. a diverging optimizer), the finder, the Hessians and the
/// eigendecompositions.
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let tol = settings.tolerances()?;
    let data = Dataset::from_csv(&settings.data, &CsvOptions::default())?;
    if data.features() != 1 {
        return Err(Error::InvalidInput(format!(
            "{} has {} feature columns; the 1-H-1 networks need exactly 1",
            data.source(),
            data.features()
        )));
    }
    let method = Method::parse(&settings.optimizer)?;
    let last = settings.snapshots.iter().copied().max().unwrap_or(0);
    let networks: Vec<(usize, u64)> = settings
        .widths
        .iter()
        .flat_map(|&w| settings.seeds.iter().map(move |&s| (w, s)))
        .collect();
    // Stage 1: one training path per network, kept at the snapshots.
    let paths = networks
        .par_iter()
        .map(|&(width, seed)| -> Result<Vec<(usize, f64, Vec<f64>)>> {
            let f = objective(&data, width, seed, settings.weight_decay)?;
            let start = f.params().as_slice().to_vec();
            let d = descend(&f, &method, None, &start, last)?;
            let t = &d.trajectory;
            settings
                .snapshots
                .iter()
                .map(|&k| {
                    let loss = t.f.get(k).copied().unwrap_or(d.value);
                    let x = t.points.get(k).ok_or_else(|| {
                        Error::InvalidInput(format!(
                            "training of width {width}, seed {seed} ended after {} of {last} steps",
                            t.steps()
                        ))
                    })?;
                    Ok((k, loss, x.clone()))
                })
                .collect()
        })
        .collect::<Result<Vec<_>>>()?;
    // Stage 2: one finder run per snapshot.
    let jobs: Vec<(usize, u64, usize, f64, &Vec<f64>)> = networks
        .iter()
        .zip(&paths)
        .flat_map(|(&(w, s), p)| p.iter().map(move |(k, l, x)| (w, s, *k, *l, x)))
        .collect();
    let finder = FinderSettings::default()
        .with_grad_tol(settings.grad_threshold * 1e-2)?
        .with_max_iters(settings.max_iters);
    let ends = jobs
        .par_iter()
        .map(|&(width, seed, step, start_loss, x)| -> Result<EndPoint> {
            let f = objective(&data, width, seed, settings.weight_decay)?;
            let o = find_critical_point(&f, x, settings.finder, &finder)?;
            let (loss, g) = f.gradient(&o.x)?;
            let run = FinderRun {
                width,
                seed,
                step,
                start_loss,
                loss,
                grad_norm: g.norm(),
                iterations: o.iterations,
                stop: o.stop,
                point: None,
            };
            let classified = if g.norm() <= settings.grad_threshold {
                Some(classify_point(&f, &o.x, g, settings, &tol)?)
            } else {
                None
            };
            Ok(EndPoint {
                run,
                theta: o.x,
                classified,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Deduplicate within each network, in run order.
    let mut runs = Vec::with_capacity(ends.len());
    let mut points: Vec<StalledPoint> = Vec::new();
    for end in ends {
        let mut run = end.run;
        if let Some(c) = end.classified {
            let same = points.iter().position(|p| {
                p.width == run.width
                    && p.seed == run.seed
                    && distance(
                        &canonical(&p.theta, p.width),
                        &canonical(&end.theta, run.width),
                    ) <= settings.dedup_tol
            });
            match same {
                Some(i) => {
                    points[i].steps.push(run.step);
                    run.point = Some(i);
                }
                None => {
                    run.point = Some(points.len());
                    points.push(StalledPoint {
                        width: run.width,
                        seed: run.seed,
                        steps: vec![run.step],
                        theta: end.theta,
                        loss: run.loss,
                        mse: c.mse,
                        gradient: c.gradient,
                        spectrum: c.spectrum,
                        classification: c.classification,
                        eigen_resolution: c.eigen_resolution,
                    });
                }
            }
        }
        runs.push(run);
    }
    let losses: Vec<f64> = points.iter().map(|p| p.loss).collect();
    let ratios: Vec<f64> = points.iter().map(StalledPoint::min_ratio).collect();
    Ok(Outcome {
        settings: settings.clone(),
        runs,
        spearman: spearman(&losses, &ratios),
        points,
    })
}

/// The canonical form of the parameters θ = (w₁, b₁, w₂, b₂) of
/// `linear(1,h),tanh,linear(h,1)` under the network's symmetries: the
/// function is unchanged when hidden units are permuted, and when one
/// unit's (w₁ⱼ, b₁ⱼ, w₂ⱼ) are all negated (tanh is odd). Each unit is
/// turned so that the first nonzero of (w₁ⱼ, b₁ⱼ, w₂ⱼ) is positive, and the
/// units are sorted by (w₁ⱼ, b₁ⱼ, w₂ⱼ). The loss, the gradient norm and the
/// Hessian's eigenvalues are the same at θ and at its canonical form.
/// A θ whose length is not 3h + 1 is returned unchanged.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::saddle_vs_minima::canonical;
/// // Two units, (w₁, b₁, w₂) = (−1, 2, 3) and (0.5, 0, −1), output bias 7.
/// let theta = [-1.0, 0.5, 2.0, 0.0, 3.0, -1.0, 7.0];
/// assert_eq!(canonical(&theta, 2), [0.5, 1.0, 0.0, -2.0, -1.0, -3.0, 7.0]);
/// // Swapping the units gives the same form.
/// let swapped = [0.5, -1.0, 0.0, 2.0, -1.0, 3.0, 7.0];
/// assert_eq!(canonical(&swapped, 2), canonical(&theta, 2));
/// ```
pub fn canonical(theta: &[f64], h: usize) -> Vec<f64> {
    if theta.len() != 3 * h + 1 {
        return theta.to_vec();
    }
    let mut units: Vec<[f64; 3]> = (0..h)
        .map(|j| {
            let u = [theta[j], theta[h + j], theta[2 * h + j]];
            let sign = u.iter().find(|v| **v != 0.0).map_or(1.0, |v| v.signum());
            u.map(|v| sign * v)
        })
        .collect();
    units.sort_by(|a, b| {
        a[0].total_cmp(&b[0])
            .then(a[1].total_cmp(&b[1]))
            .then(a[2].total_cmp(&b[2]))
    });
    let mut out = vec![0.0; theta.len()];
    for (j, u) in units.iter().enumerate() {
        out[j] = u[0];
        out[h + j] = u[1];
        out[2 * h + j] = u[2];
    }
    out[3 * h] = theta[3 * h];
    out
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Dense Hessian, spectrum, verdict and the Weyl bound at θ.
fn classify_point(
    f: &NetworkObjective,
    theta: &[f64],
    g: DVector<f64>,
    settings: &Settings,
    tol: &Tolerances,
) -> Result<Classified> {
    let h = f.hessian(theta)?.matrix;
    let spectrum = symmetric_eigen(&h)?;
    let classification = classify(&g, &spectrum, tol)?;
    // The Newton step −H⁺g over the eigenvalues counted nonzero.
    let scale = spectrum
        .eigenvalues
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let coeffs = spectrum.eigenvectors.tr_mul(&g);
    let scaled = DVector::from_iterator(
        coeffs.len(),
        coeffs
            .iter()
            .zip(spectrum.eigenvalues.iter())
            .map(|(c, l)| {
                if l.abs() > settings.eig_tol * scale {
                    -c / l
                } else {
                    0.0
                }
            }),
    );
    let delta = &spectrum.eigenvectors * scaled;
    let moved: Vec<f64> = theta.iter().zip(delta.iter()).map(|(t, d)| t + d).collect();
    let diff = f.hessian(&moved)?.matrix - &h;
    let diff = (&diff + diff.transpose()) * 0.5;
    let eigen_resolution = symmetric_eigen(&diff)?
        .eigenvalues
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let loss = f.value(theta)?;
    let norm2: f64 = theta.iter().map(|t| t * t).sum();
    let mse = loss - 0.5 * settings.weight_decay * norm2;
    Ok(Classified {
        mse,
        gradient: g,
        spectrum,
        classification,
        eigen_resolution,
    })
}

/// Counts of each verdict among points, at eigenvalue tolerance `eig`.
fn verdict_counts(points: &[StalledPoint], grad: f64, eig: f64) -> Result<[usize; 4]> {
    let tol = Tolerances::default().with_grad(grad)?.with_eig(eig)?;
    let mut counts = [0; 4];
    for p in points {
        let c = classify(&p.gradient, &p.spectrum, &tol)?;
        let k = match c.verdict {
            Verdict::LocalMinimum => 0,
            Verdict::SaddlePoint => 1,
            Verdict::Degenerate => 2,
            Verdict::LocalMaximum => 3,
            Verdict::NotCritical => continue,
        };
        counts[k] += 1;
    }
    Ok(counts)
}

fn words(v: Verdict) -> String {
    v.as_str().replace('_', " ")
}

impl Outcome {
    /// The classified points whose minimum ratio is below 1.
    pub fn below_one(&self) -> usize {
        self.points.iter().filter(|p| p.min_ratio() < 1.0).count()
    }

    /// The window of eigenvalue tolerances τ within which no point's
    /// counts can change: from the largest Weyl bound
    /// ([`StalledPoint::eigen_resolution`]) to the smallest |λ|, each
    /// relative to its point's max|λ|. (0, ∞) without points.
    pub fn tolerance_window(&self) -> (f64, f64) {
        let mut lo = 0.0f64;
        let mut hi = f64::INFINITY;
        for p in &self.points {
            let abs = p.spectrum.eigenvalues.iter().map(|v| v.abs());
            let scale = abs.clone().fold(0.0f64, f64::max);
            if scale > 0.0 {
                lo = lo.max(p.eigen_resolution / scale);
                hi = hi.min(abs.fold(f64::INFINITY, f64::min) / scale);
            }
        }
        (lo, hi)
    }

    /// The number of runs whose end point reached ‖∇L‖ ≤ G.
    pub fn reached(&self) -> usize {
        self.runs.iter().filter(|r| r.point.is_some()).count()
    }

    /// The printed tables: the finder runs and verdicts per width; every
    /// distinct classified point (highest objective first); the minimum
    /// ratio by loss tercile; the verdicts at three eigenvalue tolerances;
    /// the claim in numbers.
    pub fn tables(&self) -> Vec<Table> {
        let s = &self.settings;
        let mut summary = Table::new(
            format!(
                "Finder runs ({} from {} training snapshots per network) and the verdicts at ‖g‖ ≤ {:e}, τ = {:e}",
                s.finder,
                s.snapshots.len(),
                s.grad_threshold,
                s.eig_tol
            ),
            &[
                "width H",
                "n",
                "runs",
                "reached",
                "not reached",
                "distinct",
                "minima",
                "saddles",
                "degenerate",
                "maxima",
            ],
        );
        let mut groups: Vec<Option<usize>> = s.widths.iter().map(|&w| Some(w)).collect();
        groups.push(None);
        for g in groups {
            let runs: Vec<&FinderRun> = self
                .runs
                .iter()
                .filter(|r| g.is_none_or(|w| r.width == w))
                .collect();
            let points: Vec<&StalledPoint> = self
                .points
                .iter()
                .filter(|p| g.is_none_or(|w| p.width == w))
                .collect();
            let count = |v: Verdict| points.iter().filter(|p| p.verdict() == v).count();
            let reached = runs.iter().filter(|r| r.point.is_some()).count();
            summary.row(vec![
                g.map(|w| w.to_string()).unwrap_or_else(|| "all".into()),
                g.map(|w| (3 * w + 1).to_string()).unwrap_or_default(),
                runs.len().to_string(),
                reached.to_string(),
                (runs.len() - reached).to_string(),
                points.len().to_string(),
                count(Verdict::LocalMinimum).to_string(),
                count(Verdict::SaddlePoint).to_string(),
                count(Verdict::Degenerate).to_string(),
                count(Verdict::LocalMaximum).to_string(),
            ]);
        }

        let mut order: Vec<&StalledPoint> = self.points.iter().collect();
        order.sort_by(|a, b| b.loss.total_cmp(&a.loss));
        let mut points = Table::new(
            "The distinct classified points, highest objective first (L = MSE + ½·wd·‖θ‖²)",
            &[
                "H",
                "seed",
                "from steps",
                "L",
                "MSE",
                "‖g‖",
                "λmin",
                "λmax",
                "neg/zero/pos",
                "min ratio",
                "verdict",
                "λ resolution",
            ],
        );
        for p in order {
            let c = &p.classification;
            points.row(vec![
                p.width.to_string(),
                p.seed.to_string(),
                p.steps
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                num(p.loss),
                num(p.mse),
                num(c.grad_norm),
                num(c.lambda_min),
                num(c.lambda_max),
                format!(
                    "{}/{}/{}",
                    c.counts.negative, c.counts.zero, c.counts.positive
                ),
                format!("{:.3}", c.min_ratio),
                words(c.verdict),
                num(p.eigen_resolution),
            ]);
        }

        let mut terciles = Table::new(
            "Minimum ratio by objective tercile",
            &["L from", "L to", "points", "mean min ratio", "minima"],
        );
        let mut by_loss: Vec<&StalledPoint> = self.points.iter().collect();
        by_loss.sort_by(|a, b| b.loss.total_cmp(&a.loss));
        let n = by_loss.len();
        for t in 0..3 {
            let part = &by_loss[t * n / 3..(t + 1) * n / 3];
            if part.is_empty() {
                continue;
            }
            let mean = part.iter().map(|p| p.min_ratio()).sum::<f64>() / part.len() as f64;
            terciles.row(vec![
                num(part[0].loss),
                num(part[part.len() - 1].loss),
                part.len().to_string(),
                format!("{mean:.3}"),
                part.iter()
                    .filter(|p| p.verdict() == Verdict::LocalMinimum)
                    .count()
                    .to_string(),
            ]);
        }

        let mut sensitivity = Table::new(
            "Verdicts of the same points at other eigenvalue tolerances τ",
            &["τ", "minima", "saddles", "degenerate", "maxima"],
        );
        for tau in [1e-9, s.eig_tol, 1e-4] {
            if let Ok(c) = verdict_counts(&self.points, s.grad_threshold, tau) {
                sensitivity.row(vec![
                    if tau == s.eig_tol {
                        format!("{tau:e} (used)")
                    } else {
                        format!("{tau:e}")
                    },
                    c[0].to_string(),
                    c[1].to_string(),
                    c[2].to_string(),
                    c[3].to_string(),
                ]);
            }
        }

        let mut claim = Table::new("The claim in numbers", &["quantity", "value"]);
        let runs = self.runs.len();
        claim.row(vec![
            format!("runs reaching ‖g‖ ≤ {:e}", s.grad_threshold),
            format!("{} of {runs}", self.reached()),
        ]);
        let stuck: Vec<f64> = self
            .runs
            .iter()
            .filter(|r| r.point.is_none())
            .map(|r| r.grad_norm)
            .collect();
        if !stuck.is_empty() {
            let lo = stuck.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = stuck.iter().copied().fold(0.0f64, f64::max);
            claim.row(vec![
                "‖g‖ where the others stopped".into(),
                format!("{} … {}", num(lo), num(hi)),
            ]);
            let mut stops: Vec<(FinderStop, usize)> = Vec::new();
            for r in self.runs.iter().filter(|r| r.point.is_none()) {
                match stops.iter_mut().find(|(s, _)| *s == r.stop) {
                    Some((_, k)) => *k += 1,
                    None => stops.push((r.stop, 1)),
                }
            }
            claim.row(vec![
                "why they stopped".into(),
                stops
                    .iter()
                    .map(|(s, k)| format!("{s}: {k}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        claim.row(vec![
            "distinct classified points".into(),
            self.points.len().to_string(),
        ]);
        claim.row(vec![
            "points with min ratio < 1".into(),
            format!("{} of {}", self.below_one(), self.points.len()),
        ]);
        claim.row(vec![
            "Spearman ρ(L, min ratio)".into(),
            self.spearman
                .map(|r| format!("{r:.3}"))
                .unwrap_or_else(|| "undefined".into()),
        ]);
        let (lo, hi) = self.tolerance_window();
        claim.row(vec![
            "τ window with the same counts (Weyl bound … smallest |λ|, both / max|λ|)".into(),
            format!("{} … {}", num(lo), num(hi)),
        ]);
        vec![summary, points, terciles, sensitivity, claim]
    }

    /// Draws the figures into `dir` (created if missing) and returns their
    /// paths: `min_ratio.svg` (minimum ratio against the objective, one
    /// colour per verdict; Dauphin et al.'s Fig. 1) and
    /// `finder_gradients.svg` (the gradient norm where each finder run
    /// stopped against its objective, with the threshold G).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when no point was classified (there is
    /// nothing to scatter); [`Error::Io`] when the directory or a file
    /// cannot be written; the errors of the plots.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        if self.points.is_empty() {
            return Err(Error::InvalidInput(
                "no finder run reached the gradient threshold: there is no point to plot".into(),
            ));
        }
        let mut paths = Vec::new();
        let points: Vec<MinRatioPoint> = self
            .points
            .iter()
            .map(|p| MinRatioPoint::from((p.loss, p.min_ratio(), words(p.verdict()))))
            .collect();
        let path = dir.join("min_ratio.svg");
        plot_min_ratio(
            &path,
            &points,
            &MinRatioPlot::new()
                .with_loss_scale(AxisScale::Log)
                .with_loss_label(if self.settings.weight_decay > 0.0 {
                    "loss: MSE + ½·wd·‖θ‖²"
                } else {
                    "training loss (MSE)"
                })
                .with_title(format!(
                    "{} critical points of 1-H-1 tanh nets: {} below ratio 1, ρ = {}",
                    self.points.len(),
                    self.below_one(),
                    self.spearman
                        .map(|r| format!("{r:.2}"))
                        .unwrap_or_else(|| "–".into())
                )),
        )?;
        paths.push(path);

        let s = &self.settings;
        let pick = |reached: bool| -> (Vec<f64>, Vec<f64>) {
            self.runs
                .iter()
                .filter(|r| r.point.is_some() == reached)
                .map(|r| (r.loss, r.grad_norm.max(1e-17)))
                .unzip()
        };
        let (rx, ry) = pick(true);
        let (nx, ny) = pick(false);
        let all_x: Vec<f64> = rx.iter().chain(&nx).copied().collect();
        let lo = all_x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all_x.iter().copied().fold(0.0f64, f64::max);
        let mut series = vec![
            XySeries::new(
                format!("reached ‖g‖ ≤ G ({})", rx.len()),
                rx,
                ry,
                SeriesStyle::Points,
            )
            .with_color(0),
        ];
        if !nx.is_empty() {
            series.push(
                XySeries::new(
                    format!("stopped above G ({})", nx.len()),
                    nx,
                    ny,
                    SeriesStyle::Points,
                )
                .with_color(1),
            );
        }
        series.push(
            XySeries::new(
                format!("G = {:e}", s.grad_threshold),
                vec![lo, hi],
                vec![s.grad_threshold; 2],
                SeriesStyle::Dashed,
            )
            .with_color(7),
        );
        let path = dir.join("finder_gradients.svg");
        plot_xy(
            &path,
            &series,
            &XyPlot::new()
                .with_title(format!(
                    "Where the {} runs stopped: ‖∇L‖ against L",
                    s.finder
                ))
                .with_labels("objective L at the end point", "‖∇L‖ at the end point")
                .with_x_scale(AxisScale::Log)
                .with_y_scale(AxisScale::Log)
                .with_legend(LegendPosition::Auto),
        )?;
        paths.push(path);
        Ok(paths)
    }
}
