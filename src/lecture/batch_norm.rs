//! Lecture claim 7: feature scales shape the error surface. Standardised
//! features — and BatchNorm, which standardises inside the network — lower
//! the Hessian's condition number, and a network with BatchNorm trains on
//! raw features at learning rates where one without it cannot.
//!
//! The lecture's picture ("changing the landscape"): when one input is in
//! the thousands and another below 0.01, the loss changes steeply along
//! one weight and hardly at all along another — a long thin ravine in
//! which gradient descent must take tiny steps. Ioffe & Szegedy (2015,
//! "Batch normalization: accelerating deep network training by reducing
//! internal covariate shift") normalise each layer's inputs over the batch
//! and report that much higher learning rates become usable; Santurkar et
//! al. (2018, "How does batch normalization help optimization?") argue the
//! gain is a smoother landscape. Two experiments, both on breast_cancer
//! (569 rows, 30 features whose standard deviations run from 0.003 to 570):
//!
//! **(a) Linear models, raw versus standardised features.** The Hessian of
//! the mean squared error of a linear model with bias is (2/N)·X̃ᵀX̃
//! (X̃ = [X, 1]) whatever the weights and the target; that of logistic
//! regression is (1/N)·X̃ᵀ·diag(p(1−p))·X̃, at w = 0 equal to X̃ᵀX̃/(4N). Both
//! come here from the library ([`NetworkObjective`] of one `linear(d,1)`
//! layer, dense [`TwiceDifferentiable::hessian`], [`symmetric_eigenvalues`]);
//! the test checks them against the closed forms. These matrices are
//! positive definite, so κ = λmax/λmin is well defined. Logistic
//! regression is also measured at a fitted model: fitted by damped Newton
//! in standardised coordinates (with a small ridge,
//! [`Settings::fit_l2`], as breast_cancer is nearly separable and the
//! unpenalised optimum runs off to infinity), and mapped to raw
//! coordinates (w/σ, b − Σ w·μ/σ), so that both Hessians (of the loss
//! without the ridge) belong to the *same* fitted model, in two
//! coordinate systems. Wine (13 features) repeats the linear case.
//!
//! **(b) A small ReLU network with and without BatchNorm, on raw
//! features.** Four networks: no BatchNorm; BatchNorm after the first
//! linear layer (Ioffe & Szegedy's placement, before the activation);
//! BatchNorm on the inputs (a learned standardisation); and, as the
//! reference, no BatchNorm on standardised features. BatchNorm is in
//! training mode throughout ([`BatchNormMode::Train`]): the loss is the one
//! gradient descent minimises, normalised with the statistics of the
//! batch, and the batch is all rows (full-batch gradient descent), so the
//! curve, the Hessian and the steps are of one function. Each network
//! trains from several seeds with the same optimizer (gradient descent)
//! at each of a range of learning rates; the table and the figures show
//! the loss after a fixed number of steps and the loss curves at a common
//! rate (and at the best rate of the network without BatchNorm).
//!
//! **What "condition number" means for a network.** A network's Hessian
//! has negative and (exactly or nearly) zero eigenvalues — BatchNorm makes
//! the bias before it and the scale of the weights before it irrelevant,
//! so some are exactly zero — and λmax/λmin is not defined. Reported at
//! initialisation, from the dense spectrum: λmax (which bounds the stable
//! gradient-descent step to 2/λmax), λmin, max|λ|, and the spread
//! λmax / median of the positive eigenvalues (counting as zero those with
//! |λ| ≤ [`Settings::eig_tol`]·max|λ|). The claim holds for λmax and max|λ|
//! (orders of magnitude); the spread is reported because it does *not*
//! cleanly follow (see the docs page).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Table, num};
use crate::{
    Architecture, AxisScale, BatchNormMode, CsvOptions, Dataset, Error, FinderMethod,
    FinderSettings, LegendPosition, Loss, Network, NetworkObjective, NetworkOptions, Optimizer,
    OptimizerSpec, Result, SeriesStyle, Standardization, TwiceDifferentiable, XyPlot, XySeries,
    find_critical_point, plot_xy, symmetric_eigenvalues,
};

/// The experiment's configuration. `Default` is the example's:
/// breast_cancer (and wine for the second linear model), a fitted-model
/// ridge of 1e-3, 16 ReLU units, seeds 0–4, gradient descent for 300
/// steps at learning rates 1e-4, 1e-3, 1e-2, 0.1 and 1, curves drawn at 0.1,
/// eigenvalues below 1e-9·max|λ| counted as zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A binary classification CSV (0/1 label last): both parts.
    pub data: PathBuf,
    /// A second CSV for the linear-regression case (any last column).
    pub second_data: PathBuf,
    /// The ridge that defines the fitted logistic-regression model (only
    /// to find the point; the Hessians there are of the loss without it).
    pub fit_l2: f64,
    /// Hidden units of the networks.
    pub hidden: usize,
    /// Initialisation seeds of the networks.
    pub seeds: Vec<u64>,
    /// The learning rates every network trains with.
    pub lrs: Vec<f64>,
    /// The rate whose loss curves are compared (one of `lrs`).
    pub common_lr: f64,
    /// Gradient-descent steps per run.
    pub steps: usize,
    /// Eigenvalues with |λ| ≤ `eig_tol`·max|λ| count as zero.
    pub eig_tol: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: PathBuf::from("../shared/data/breast_cancer.csv"),
            second_data: PathBuf::from("../shared/data/wine.csv"),
            fit_l2: 1e-3,
            hidden: 16,
            seeds: vec![0, 1, 2, 3, 4],
            lrs: vec![1e-4, 1e-3, 1e-2, 0.1, 1.0],
            common_lr: 0.1,
            steps: 300,
            eig_tol: 1e-9,
        }
    }
}

impl Settings {
    fn check(&self) -> Result<()> {
        let bad = |name: &str, message: String| {
            Err(Error::InvalidSetting {
                name: format!("lecture 7 {name}"),
                message,
            })
        };
        if !(self.fit_l2.is_finite() && self.fit_l2 > 0.0) {
            return bad(
                "fit_l2",
                format!("expected a finite number > 0, got {}", self.fit_l2),
            );
        }
        if self.hidden == 0 {
            return bad("hidden", "expected at least 1 unit, got 0".into());
        }
        if self.seeds.is_empty() {
            return bad("seeds", "expected at least one seed, got none".into());
        }
        if self.lrs.is_empty() || self.lrs.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
            return bad(
                "lrs",
                format!(
                    "expected finite learning rates > 0, at least one, got {:?}",
                    self.lrs
                ),
            );
        }
        if !self.lrs.contains(&self.common_lr) {
            return bad(
                "common_lr",
                format!(
                    "expected one of the learning rates {:?}, got {}",
                    self.lrs, self.common_lr
                ),
            );
        }
        if self.steps == 0 {
            return bad("steps", "expected at least 1, got 0".into());
        }
        if !(self.eig_tol.is_finite() && self.eig_tol >= 0.0 && self.eig_tol < 1.0) {
            return bad(
                "eig_tol",
                format!("expected a number in [0, 1), got {}", self.eig_tol),
            );
        }
        Ok(())
    }
}

/// A data set as read, and standardised (z-scores over all rows), with the
/// statistics.
///
/// # Errors
///
/// The file cannot be read or parsed; a data set without rows.
pub fn raw_and_standardised(path: &Path) -> Result<(Dataset, Dataset, Standardization)> {
    let raw = Dataset::from_csv(path, &CsvOptions::default())?;
    let mut standardised = raw.clone();
    let stats = standardised.standardize()?;
    Ok((raw, standardised, stats))
}

/// The spectrum of a positive definite Hessian and its condition number.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditioning {
    /// The eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    /// The largest.
    pub lambda_max: f64,
    /// The smallest.
    pub lambda_min: f64,
    /// λmax/λmin (∞ unless λmin > 0).
    pub condition_number: f64,
}

impl Conditioning {
    fn of(eigenvalues: Vec<f64>) -> Conditioning {
        let lambda_min = eigenvalues.first().copied().unwrap_or(f64::NAN);
        let lambda_max = eigenvalues.last().copied().unwrap_or(f64::NAN);
        Conditioning {
            condition_number: if lambda_min > 0.0 {
                lambda_max / lambda_min
            } else {
                f64::INFINITY
            },
            eigenvalues,
            lambda_max,
            lambda_min,
        }
    }
}

/// One linear model on one data set, with raw and with standardised
/// features.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearCase {
    /// The data set's file name.
    pub data: String,
    /// Its path (for an oracle to reload it).
    pub path: PathBuf,
    /// [`Loss::Mse`] (linear regression) or [`Loss::Bce`] (logistic).
    pub loss: Loss,
    /// Where the Hessian is taken: "any w", "w = 0", "fitted model".
    pub point: String,
    /// The parameters (weights, then bias) in raw coordinates.
    pub raw_params: Vec<f64>,
    /// The same model's parameters in standardised coordinates.
    pub standardised_params: Vec<f64>,
    /// The Hessian's spectrum with raw features.
    pub raw: Conditioning,
    /// With standardised features.
    pub standardised: Conditioning,
}

impl LinearCase {
    /// The model's name: "linear regression (MSE)" or "logistic
    /// regression (BCE)".
    pub fn model(&self) -> &'static str {
        match self.loss {
            Loss::Mse => "linear regression (MSE)",
            _ => "logistic regression (BCE)",
        }
    }
}

/// One network's curvature at initialisation, from its dense spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct Curvature {
    /// The eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    /// The largest eigenvalue.
    pub lambda_max: f64,
    /// The smallest.
    pub lambda_min: f64,
    /// max |λ|.
    pub abs_max: f64,
    /// Eigenvalues below −tol·max|λ|.
    pub negative: usize,
    /// Eigenvalues within ±tol·max|λ|.
    pub zero: usize,
    /// λmax over the median of the eigenvalues above tol·max|λ| (∞ when
    /// none is).
    pub spread: f64,
}

impl Curvature {
    fn of(eigenvalues: Vec<f64>, tol: f64) -> Curvature {
        let lambda_min = eigenvalues.first().copied().unwrap_or(f64::NAN);
        let lambda_max = eigenvalues.last().copied().unwrap_or(f64::NAN);
        let abs_max = lambda_min.abs().max(lambda_max.abs());
        let cut = tol * abs_max;
        let positive: Vec<f64> = eigenvalues.iter().copied().filter(|&l| l > cut).collect();
        let spread = if positive.is_empty() {
            f64::INFINITY
        } else {
            lambda_max / positive[positive.len() / 2]
        };
        Curvature {
            negative: eigenvalues.iter().filter(|&&l| l < -cut).count(),
            zero: eigenvalues.iter().filter(|&&l| l.abs() <= cut).count(),
            eigenvalues,
            lambda_max,
            lambda_min,
            abs_max,
            spread,
        }
    }
}

/// Gradient descent at one learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// The learning rate.
    pub lr: f64,
    /// The training loss before each step and after the last (shorter
    /// when the run diverged).
    pub loss: Vec<f64>,
    /// The step whose loss or gradient was not finite, if any.
    pub diverged_at: Option<usize>,
    /// The training accuracy at the end (`None` after divergence).
    pub accuracy: Option<f64>,
}

impl Curve {
    /// The loss at the end; ∞ after divergence.
    pub fn final_loss(&self) -> f64 {
        if self.diverged_at.is_some() {
            f64::INFINITY
        } else {
            self.loss.last().copied().unwrap_or(f64::NAN)
        }
    }
}

/// One network from one seed: its curvature at initialisation and its
/// training at every learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkRun {
    /// The seed.
    pub seed: u64,
    /// The initial parameters.
    pub init: Vec<f64>,
    /// The Hessian's spectrum there.
    pub curvature: Curvature,
    /// One curve per learning rate, in the settings' order.
    pub curves: Vec<Curve>,
}

/// One network architecture on one kind of features.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkCase {
    /// A short name ("no BatchNorm", "BatchNorm after the linear layer",
    /// "BatchNorm on the inputs").
    pub name: String,
    /// The architecture.
    pub arch: String,
    /// Whether the features are standardised (else raw).
    pub standardised: bool,
    /// One run per seed.
    pub runs: Vec<NetworkRun>,
}

impl NetworkCase {
    /// Whether the network has a BatchNorm layer.
    pub fn batch_norm(&self) -> bool {
        self.arch.contains("batchnorm")
    }
    /// The median over the seeds of a number of each run.
    pub fn median(&self, of: impl Fn(&NetworkRun) -> f64) -> f64 {
        let mut v: Vec<f64> = self.runs.iter().map(of).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    }
    /// The median final loss at learning rate number `k`.
    pub fn final_loss(&self, k: usize) -> f64 {
        self.median(|r| r.curves[k].final_loss())
    }
    /// How many seeds diverged at learning rate number `k`.
    pub fn diverged(&self, k: usize) -> usize {
        self.runs
            .iter()
            .filter(|r| r.curves[k].diverged_at.is_some())
            .count()
    }
    /// The index of the learning rate with the lowest median final loss.
    pub fn best_lr(&self) -> usize {
        let n = self.runs.first().map_or(0, |r| r.curves.len());
        (0..n)
            .min_by(|&a, &b| self.final_loss(a).total_cmp(&self.final_loss(b)))
            .unwrap_or(0)
    }
}

/// What [`run`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Part (a): linear models, raw against standardised features.
    pub linear: Vec<LinearCase>,
    /// Part (b): the networks, in the order: no BatchNorm, BatchNorm after
    /// the first linear layer, BatchNorm on the inputs (all on raw
    /// features), no BatchNorm on standardised features.
    pub networks: Vec<NetworkCase>,
    /// The learning rates.
    pub lrs: Vec<f64>,
    /// The index of the common rate in `lrs`.
    pub common: usize,
    /// Gradient-descent steps per run.
    pub steps: usize,
    /// The zero tolerance of the network spectra.
    pub eig_tol: f64,
    /// Rows of the network data set.
    pub rows: usize,
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

/// The dense Hessian's eigenvalues, ascending.
fn spectrum(f: &NetworkObjective, params: &[f64]) -> Result<Vec<f64>> {
    let h = f.hessian(params)?;
    Ok(symmetric_eigenvalues(&h.matrix)?.as_slice().to_vec())
}

/// The Hessian spectra of a linear model on `path`'s raw and standardised
/// features, at `params` (raw, standardised) or at w = 0.
fn linear_case(
    path: &Path,
    loss: Loss,
    point: &str,
    params: Option<(Vec<f64>, Vec<f64>)>,
) -> Result<LinearCase> {
    let (raw, standardised, _) = raw_and_standardised(path)?;
    let (raw_params, standardised_params) =
        params.unwrap_or_else(|| (vec![0.0; raw.features() + 1], vec![0.0; raw.features() + 1]));
    let arch = Architecture::parse(&format!("linear({},1)", raw.features()))?;
    let net = Network::init(&arch, 0)?;
    let hessian = |data: &Dataset, params: &[f64]| {
        let f = NetworkObjective::new(&net, data, loss, NetworkOptions::default())?;
        spectrum(&f, params).map(Conditioning::of)
    };
    Ok(LinearCase {
        data: file_name(path),
        path: path.to_path_buf(),
        loss,
        point: point.into(),
        raw: hessian(&raw, &raw_params)?,
        standardised: hessian(&standardised, &standardised_params)?,
        raw_params,
        standardised_params,
    })
}

/// Logistic regression fitted in standardised coordinates (damped Newton
/// on the loss plus `l2`/2·‖θ‖²), and the same model in raw coordinates:
/// (raw, standardised) parameters.
fn fitted_logistic(path: &Path, l2: f64) -> Result<(Vec<f64>, Vec<f64>)> {
    let (_, standardised, stats) = raw_and_standardised(path)?;
    let d = standardised.features();
    let arch = Architecture::parse(&format!("linear({d},1)"))?;
    let net = Network::init(&arch, 0)?;
    let f = NetworkObjective::new(
        &net,
        &standardised,
        Loss::Bce,
        NetworkOptions {
            batch_norm: BatchNormMode::Eval,
            l2,
        },
    )?;
    let found = find_critical_point(
        &f,
        &vec![0.0; d + 1],
        FinderMethod::Newton,
        &FinderSettings::default().with_grad_tol(1e-10)?,
    )?;
    if !found.converged {
        return Err(Error::InvalidInput(format!(
            "the ridge logistic regression on {} did not converge (‖∇‖ = {:e})",
            path.display(),
            found.grad_norm
        )));
    }
    let s = found.x;
    // w·(x − μ)/σ + b = (w/σ)·x + (b − Σ w·μ/σ).
    let mut raw: Vec<f64> = (0..d).map(|j| s[j] / stats.std[j]).collect();
    raw.push(
        s[d] - (0..d)
            .map(|j| s[j] * stats.mean[j] / stats.std[j])
            .sum::<f64>(),
    );
    Ok((raw, s))
}

/// Full-batch gradient descent from `init`, recording the loss.
fn descend(f: &NetworkObjective, init: &[f64], lr: f64, steps: usize) -> Result<Curve> {
    let spec = OptimizerSpec::parse(&format!("gd(lr={lr})"))?;
    let mut opt = Optimizer::new(&spec, init.len())?;
    let mut params = init.to_vec();
    let mut loss = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let (value, gradient) = match f.gradient(&params) {
            Ok(v) => v,
            Err(Error::NonFinite { .. }) => {
                return Ok(Curve {
                    lr,
                    loss,
                    diverged_at: Some(step),
                    accuracy: None,
                });
            }
            Err(e) => return Err(e),
        };
        loss.push(value);
        if step < steps {
            opt.step(&mut params, gradient.as_slice())?;
            if params.iter().any(|p| !p.is_finite()) {
                return Ok(Curve {
                    lr,
                    loss,
                    diverged_at: Some(step + 1),
                    accuracy: None,
                });
            }
        }
    }
    let accuracy = f.loss_and_accuracy(&params)?.1;
    Ok(Curve {
        lr,
        loss,
        diverged_at: None,
        accuracy,
    })
}

fn network_run(
    settings: &Settings,
    arch: &Architecture,
    data: &Dataset,
    seed: u64,
) -> Result<NetworkRun> {
    let net = Network::init(arch, seed)?;
    let f = NetworkObjective::new(
        &net,
        data,
        Loss::Bce,
        NetworkOptions {
            batch_norm: BatchNormMode::Train,
            l2: 0.0,
        },
    )?;
    let init = net.params().as_slice().to_vec();
    let curvature = Curvature::of(spectrum(&f, &init)?, settings.eig_tol);
    let curves = settings
        .lrs
        .iter()
        .map(|&lr| descend(&f, &init, lr, settings.steps))
        .collect::<Result<_>>()?;
    Ok(NetworkRun {
        seed,
        init,
        curvature,
        curves,
    })
}

/// Runs both parts: the linear models' spectra (raw and standardised), and
/// the four networks' spectra at initialisation and their gradient-descent
/// runs at every learning rate (seeds and rates in parallel).
///
/// # Errors
///
/// Invalid settings; a data file that cannot be read, whose label is not
/// 0/1, or whose ridge logistic regression does not converge.
///
/// # Examples
///
/// A quick version: one seed, one learning rate, a few steps.
///
/// ```
/// use saddlescope::lecture::batch_norm::{Settings, run};
/// let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");
/// let settings = Settings {
///     data: format!("{data}/breast_cancer.csv").into(),
///     second_data: format!("{data}/wine.csv").into(),
///     seeds: vec![0],
///     lrs: vec![0.1],
///     steps: 5,
///     ..Settings::default()
/// };
/// let o = run(&settings)?;
/// // Standardising lowers κ of linear regression by orders of magnitude.
/// let c = &o.linear[0];
/// assert!(c.raw.condition_number > 1e6 * c.standardised.condition_number);
/// // BatchNorm on the inputs brings the network's λmax down to the
/// // standardised network's.
/// let lambda = |k: usize| o.networks[k].runs[0].curvature.lambda_max;
/// assert!(lambda(0) > 100.0 * lambda(2));
/// assert!(run(&Settings { common_lr: 0.5, ..settings }).is_err());
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let (raw, standardised, _) = raw_and_standardised(&settings.data)?;
    let d = raw.features();
    // Part (a).
    let fitted = fitted_logistic(&settings.data, settings.fit_l2)?;
    let linear = vec![
        linear_case(&settings.data, Loss::Mse, "any w", None)?,
        linear_case(&settings.second_data, Loss::Mse, "any w", None)?,
        linear_case(&settings.data, Loss::Bce, "w = 0", None)?,
        linear_case(&settings.data, Loss::Bce, "fitted model", Some(fitted))?,
    ];
    // Part (b).
    let h = settings.hidden;
    let specs = [
        (
            "no BatchNorm",
            format!("linear({d},{h}),relu,linear({h},1)"),
            false,
        ),
        (
            "BatchNorm after the linear layer",
            format!("linear({d},{h}),batchnorm({h}),relu,linear({h},1)"),
            false,
        ),
        (
            "BatchNorm on the inputs",
            format!("batchnorm({d}),linear({d},{h}),relu,linear({h},1)"),
            false,
        ),
        (
            "no BatchNorm",
            format!("linear({d},{h}),relu,linear({h},1)"),
            true,
        ),
    ];
    let archs = specs
        .iter()
        .map(|(_, a, _)| Architecture::parse(a))
        .collect::<Result<Vec<_>>>()?;
    let jobs: Vec<(usize, u64)> = (0..specs.len())
        .flat_map(|c| settings.seeds.iter().map(move |&s| (c, s)))
        .collect();
    let runs = jobs
        .par_iter()
        .map(|&(c, seed)| {
            let data = if specs[c].2 { &standardised } else { &raw };
            network_run(settings, &archs[c], data, seed)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut runs = runs.into_iter();
    let networks = specs
        .iter()
        .map(|(name, arch, standardised)| NetworkCase {
            name: name.to_string(),
            arch: arch.clone(),
            standardised: *standardised,
            runs: runs.by_ref().take(settings.seeds.len()).collect(),
        })
        .collect();
    Ok(Outcome {
        linear,
        networks,
        common: settings
            .lrs
            .iter()
            .position(|&l| l == settings.common_lr)
            .unwrap_or(0),
        lrs: settings.lrs.clone(),
        steps: settings.steps,
        eig_tol: settings.eig_tol,
        rows: raw.rows(),
    })
}

impl Outcome {
    /// Three tables: the linear models' condition numbers (raw,
    /// standardised, and how many times smaller); the networks' curvature
    /// at initialisation (medians over the seeds); the networks' loss after
    /// the steps at each learning rate (median over seeds; "diverged" when
    /// most seeds did).
    pub fn tables(&self) -> Vec<Table> {
        let mut linear = Table::new(
            "(a) Condition number κ = λmax/λmin of the Hessian of linear models, \
             raw against standardised features",
            &[
                "data",
                "model",
                "at",
                "λmax raw",
                "λmin raw",
                "κ raw",
                "λmax std",
                "λmin std",
                "κ std",
                "κ raw / κ std",
            ],
        );
        for c in &self.linear {
            linear.row(vec![
                c.data.clone(),
                c.model().into(),
                c.point.clone(),
                num(c.raw.lambda_max),
                num(c.raw.lambda_min),
                num(c.raw.condition_number),
                num(c.standardised.lambda_max),
                num(c.standardised.lambda_min),
                num(c.standardised.condition_number),
                num(c.raw.condition_number / c.standardised.condition_number),
            ]);
        }
        let seeds = self.networks.first().map_or(0, |n| n.runs.len());
        let mut curvature = Table::new(
            format!(
                "(b) Hessian of the training loss at initialisation ({} rows, BatchNorm in \
                 training mode; median over {seeds} seeds; |λ| ≤ {}·max|λ| counts as zero)",
                self.rows,
                num(self.eig_tol)
            ),
            &[
                "network",
                "features",
                "params",
                "λmax",
                "λmin",
                "max|λ|",
                "#λ<0",
                "#λ≈0",
                "λmax/median λ>0",
            ],
        );
        for n in &self.networks {
            curvature.row(vec![
                n.name.clone(),
                features(n).into(),
                n.runs.first().map_or(0, |r| r.init.len()).to_string(),
                num(n.median(|r| r.curvature.lambda_max)),
                num(n.median(|r| r.curvature.lambda_min)),
                num(n.median(|r| r.curvature.abs_max)),
                num(n.median(|r| r.curvature.negative as f64)),
                num(n.median(|r| r.curvature.zero as f64)),
                num(n.median(|r| r.curvature.spread)),
            ]);
        }
        let mut header = vec!["network".to_string(), "features".to_string()];
        header.extend(self.lrs.iter().map(|l| format!("η = {}", num(*l))));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut sweep = Table::new(
            format!(
                "(b) Training loss after {} steps of gradient descent (BCE; median over \
                 {seeds} seeds; the loss at initialisation is about 0.7)",
                self.steps
            ),
            &header,
        );
        for n in &self.networks {
            let mut row = vec![n.name.clone(), features(n).into()];
            for k in 0..self.lrs.len() {
                let diverged = n.diverged(k);
                row.push(if 2 * diverged > n.runs.len() {
                    "diverged".into()
                } else if diverged > 0 {
                    format!("{} ({diverged} diverged)", num(n.final_loss(k)))
                } else {
                    num(n.final_loss(k))
                });
            }
            sweep.row(row);
        }
        vec![linear, curvature, sweep]
    }

    /// The figures, as SVG files in `dir` (created if missing):
    ///
    /// - `linear_spectra.svg`: the linear-regression Hessian's eigenvalues,
    ///   sorted, raw against standardised, for both data sets;
    /// - `network_spectra.svg`: |λ| of each network's Hessian at
    ///   initialisation (seed of the first run), sorted;
    /// - `loss_curves.svg`: the training loss of every network and seed at
    ///   the common learning rate, and of the network without BatchNorm at
    ///   its best rate (dashed);
    /// - `lr_sweep.svg`: the loss after the steps against the learning
    ///   rate (median over the seeds).
    ///
    /// # Errors
    ///
    /// A directory or file that cannot be written.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        let mut files = Vec::new();
        // (a) spectra.
        let mut series = Vec::new();
        for (i, c) in self
            .linear
            .iter()
            .filter(|c| c.loss == Loss::Mse)
            .enumerate()
        {
            for (raw, spectrum) in [(true, &c.raw), (false, &c.standardised)] {
                let x: Vec<f64> = (1..=spectrum.eigenvalues.len()).map(|k| k as f64).collect();
                let mut y = spectrum.eigenvalues.clone();
                y.reverse();
                series.push(
                    XySeries::new(
                        format!(
                            "{}, {} (κ = {})",
                            c.data,
                            if raw { "raw" } else { "standardised" },
                            num(spectrum.condition_number)
                        ),
                        x,
                        y,
                        if raw {
                            SeriesStyle::LinePoints
                        } else {
                            SeriesStyle::Dashed
                        },
                    )
                    .with_color(i),
                );
            }
        }
        let path = dir.join("linear_spectra.svg");
        plot_xy(
            &path,
            &series,
            &XyPlot::new()
                .with_title("Eigenvalues of the linear-regression Hessian (2/N)·X̃ᵀX̃")
                .with_labels("rank", "eigenvalue")
                .with_y_scale(AxisScale::Log)
                .with_legend(LegendPosition::LowerLeft),
        )?;
        files.push(path);
        // (b) spectra at initialisation.
        let series: Vec<XySeries> = self
            .networks
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let run = n.runs.first()?;
                let mut y: Vec<f64> = run.curvature.eigenvalues.iter().map(|l| l.abs()).collect();
                y.sort_by(|a, b| b.total_cmp(a));
                let x = (1..=y.len()).map(|k| k as f64).collect();
                Some(
                    XySeries::new(
                        format!("{}, {} features", n.name, features(n)),
                        x,
                        y,
                        SeriesStyle::Line,
                    )
                    .with_color(i),
                )
            })
            .collect();
        let path = dir.join("network_spectra.svg");
        plot_xy(
            &path,
            &series,
            &XyPlot::new()
                .with_title("Hessian eigenvalue magnitudes |λ| at initialisation, sorted")
                .with_labels("rank", "|λ|")
                .with_y_scale(AxisScale::Log)
                .with_legend(LegendPosition::LowerLeft),
        )?;
        files.push(path);
        // (b) loss curves. The network without BatchNorm starts far above
        // the others on raw features (and its first steps at large rates
        // shoot up to 1e5): losses above the cap are left out, so that the
        // curves below 1 can be told apart.
        let cap = LOSS_CAP;
        let capped = |loss: &[f64]| -> Vec<f64> {
            loss.iter()
                .map(|&l| if l <= cap { l } else { f64::NAN })
                .collect()
        };
        let lr = self.lrs[self.common];
        let mut series = Vec::new();
        for (i, n) in self.networks.iter().enumerate() {
            for (k, run) in n.runs.iter().enumerate() {
                let c = &run.curves[self.common];
                series.push(
                    XySeries::new(
                        if k == 0 {
                            format!("{}, {} features, η = {}", n.name, features(n), num(lr))
                        } else {
                            String::new()
                        },
                        (0..c.loss.len()).map(|s| s as f64).collect(),
                        capped(&c.loss),
                        SeriesStyle::Line,
                    )
                    .with_color(i),
                );
            }
        }
        if let Some(plain) = self.networks.first() {
            let best = plain.best_lr();
            if best != self.common {
                for (k, run) in plain.runs.iter().enumerate() {
                    let c = &run.curves[best];
                    series.push(
                        XySeries::new(
                            if k == 0 {
                                format!(
                                    "{}, {} features, its best η = {}",
                                    plain.name,
                                    features(plain),
                                    num(self.lrs[best])
                                )
                            } else {
                                String::new()
                            },
                            (0..c.loss.len()).map(|s| s as f64).collect(),
                            capped(&c.loss),
                            SeriesStyle::Dashed,
                        )
                        .with_color(0),
                    );
                }
            }
        }
        let path = dir.join("loss_curves.svg");
        plot_xy(
            &path,
            &series,
            &XyPlot::new()
                .with_title(format!(
                    "Training loss under gradient descent, with and without BatchNorm (η = {})",
                    num(lr)
                ))
                .with_labels(
                    "step",
                    format!("training loss (BCE; above {} not drawn)", num(cap)),
                )
                .with_y_scale(AxisScale::Log),
        )?;
        files.push(path);
        // (b) learning-rate sweep.
        let series: Vec<XySeries> = self
            .networks
            .iter()
            .enumerate()
            .map(|(i, n)| {
                XySeries::new(
                    format!("{}, {} features", n.name, features(n)),
                    self.lrs.clone(),
                    (0..self.lrs.len()).map(|k| n.final_loss(k)).collect(),
                    SeriesStyle::LinePoints,
                )
                .with_color(i)
            })
            .collect();
        let path = dir.join("lr_sweep.svg");
        plot_xy(
            &path,
            &series,
            &XyPlot::new()
                .with_title(format!(
                    "Training loss after {} steps against the learning rate",
                    self.steps
                ))
                .with_labels("learning rate η", "training loss (BCE), median over seeds")
                .with_x_scale(AxisScale::Log)
                .with_y_scale(AxisScale::Log)
                .with_legend(LegendPosition::LowerLeft),
        )?;
        files.push(path);
        Ok(files)
    }
}

/// Losses above this are not drawn in the loss curves.
const LOSS_CAP: f64 = 1.5;

fn features(n: &NetworkCase) -> &'static str {
    if n.standardised {
        "standardised"
    } else {
        "raw"
    }
}
