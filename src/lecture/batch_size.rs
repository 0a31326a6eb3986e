//! Lecture claim 4: large batches are cheaper per epoch, but they end in
//! sharper minima and generalise worse.
//!
//! Keskar et al. (2017, "On large-batch training for deep learning:
//! generalization gap and sharp minima", ICLR) trained the same networks
//! with small and large batches to convergence and found the large-batch
//! solutions sharper and worse on held-out data. The lecture pairs this
//! with the cost side: a larger batch does more work per step, vectorised
//! and in parallel, so an epoch takes fewer, cheaper-per-row steps — up to
//! the point where the hardware is full.
//!
//! The experiment: digits (64 pixel features divided by 16, ten classes)
//! split 80/20 into training and validation rows; a 64-32-10 tanh network;
//! plain SGD (no momentum, no weight decay) at one learning rate, η = 0.1,
//! for every batch size B ∈ {1, 8, 32, 128, 512, all rows}.
//!
//! - **Seconds per epoch**: a separate timing pass before the training
//!   runs. Each round times every batch size in turn over at least 0.02 s
//!   of whole epochs (so rayon's workers are awake and a step costs what it
//!   costs in training); the fastest of several rounds is reported, as
//!   benchmarks do. The steps per epoch are ⌈N/B⌉. The library processes
//!   a batch as one matrix sweep, in parallel chunks of 256 rows above 256
//!   rows, so both the per-step overhead and the parallel work favour
//!   large batches.
//! - **Two protocols.** *Same epochs* ([`Settings::budget_epochs`]): what
//!   a fixed time budget gives; a batch of B takes ⌈N/B⌉ steps per epoch,
//!   so the large batches have taken far fewer steps, and "large batches do
//!   worse" there mostly says "fewer steps do worse" (Hoffer et al. 2017,
//!   "Train longer, generalize better"). *Same training loss*
//!   ([`Settings::target_loss`]): every run trains until its full-data
//!   training loss falls to the target (checked ten times per epoch, so
//!   that batch size 1, which gets there within a few epochs, does not
//!   overshoot), as Keskar et al. trained to convergence; every network
//!   then fits the training set about equally well, and the differences
//!   that remain — validation accuracy and sharpness — are about *which*
//!   minimum the batch size led to. Comparing after the same number of
//!   steps instead would hand the large batches hundreds of times more
//!   epochs and still leave the training losses apart. The learning rate
//!   is the same for every batch size: scaling it with B (the "linear
//!   scaling rule") keeps the gradient noise η/B constant and is known to
//!   remove much of the difference (Jastrzębski et al. 2018, "Three factors
//!   influencing minima in SGD"), which is not the claim under test.
//! - **Sharpness**: λmax of the Hessian of the full-data training loss at
//!   the target, by Lanczos on Hessian-vector products (the test checks one
//!   value against the dense Hessian's spectrum). Keskar et al. measure a
//!   box-constrained "ε-sharpness"; the top eigenvalue is its second-order
//!   core and the measure the lecture uses.
//! - **Seeds**: several initialisations (each seed also sets the order of
//!   the rows), so that the tables and figures show the spread.
//!
//! What it shows (see `docs/lecture.md, section 4,` for the
//! numbers): the cost and sharpness claims reproduce on every seed; the
//! validation gap appears only under the same-epochs protocol and closes at
//! the same training loss — consistent with the gap of about 0.2% that
//! Keskar et al. report for their fully connected MNIST network, below
//! what 360 validation rows resolve.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::{Table, num};
use crate::data::Rng;
use crate::{
    Architecture, AxisScale, CsvOptions, Dataset, Error, LanczosSettings, Loss, Network,
    NetworkObjective, NetworkOptions, Optimizer, OptimizerSpec, Result, SeriesStyle, Which, XyPlot,
    XySeries, lanczos, plot_xy,
};

/// The experiment's configuration. `Default` is the example's: digits/16,
/// 20% validation (split seed 0), 64-32-10 tanh, SGD at η = 0.1, batch
/// sizes 1, 8, 32, 128, 512 and all rows, each trained from 5 seeds for 10
/// epochs (the same-epochs numbers) and on until the training loss is at
/// most 0.05 (at most 4000 epochs), 5 timing rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The digits CSV (64 pixel columns 0–16, then the label).
    pub data: PathBuf,
    /// The pixel divisor (16 puts them in [0, 1]).
    pub scale: f64,
    /// The share of rows held out for validation.
    pub validation_fraction: f64,
    /// The seed of the train/validation split.
    pub split_seed: u64,
    /// The network, as [`Architecture::parse`] reads it.
    pub arch: String,
    /// The batch sizes; a size at or above the number of training rows is
    /// full-batch gradient descent.
    pub batch_sizes: Vec<usize>,
    /// SGD's learning rate, the same for every batch size.
    pub lr: f64,
    /// Train until the full-data training loss is at most this.
    pub target_loss: f64,
    /// Give up on the target after this many epochs (the run is then
    /// reported as not having reached it).
    pub max_epochs: usize,
    /// The same-epochs protocol: every run's numbers after this many
    /// epochs (runs that reach the target sooner train on to it).
    pub budget_epochs: usize,
    /// Initialisation seeds (each also orders the rows of every epoch).
    pub seeds: Vec<u64>,
    /// Rounds of the timing pass (each times every batch size over at
    /// least 0.02 s of whole epochs; the fastest round is reported); 0
    /// skips the timing pass.
    pub timing_rounds: usize,
    /// Relative tolerance of the Lanczos λmax.
    pub lanczos_tol: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: PathBuf::from("../shared/data/digits.csv"),
            scale: 16.0,
            validation_fraction: 0.2,
            split_seed: 0,
            arch: "linear(64,32),tanh,linear(32,10)".into(),
            batch_sizes: vec![1, 8, 32, 128, 512, usize::MAX],
            lr: 0.1,
            target_loss: 0.05,
            max_epochs: 4000,
            budget_epochs: 10,
            seeds: vec![0, 1, 2, 3, 4],
            timing_rounds: 5,
            lanczos_tol: 1e-6,
        }
    }
}

impl Settings {
    fn check(&self) -> Result<()> {
        let bad = |name: &str, message: String| {
            Err(Error::InvalidSetting {
                name: format!("lecture 4 {name}"),
                message,
            })
        };
        if self.batch_sizes.is_empty() || self.batch_sizes.contains(&0) {
            return bad(
                "batch_sizes",
                format!(
                    "expected at least one batch size, each ≥ 1, got {:?}",
                    self.batch_sizes
                ),
            );
        }
        if self.seeds.is_empty() {
            return bad("seeds", "expected at least one seed, got none".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad(
                "lr",
                format!("expected a finite number > 0, got {}", self.lr),
            );
        }
        if !(self.target_loss.is_finite() && self.target_loss > 0.0) {
            return bad(
                "target_loss",
                format!("expected a finite number > 0, got {}", self.target_loss),
            );
        }
        if self.max_epochs == 0 {
            return bad("max_epochs", "expected at least 1, got 0".into());
        }
        if self.budget_epochs == 0 {
            return bad("budget_epochs", "expected at least 1, got 0".into());
        }
        Ok(())
    }
}

/// The training and validation rows the experiment uses: the CSV, scaled
/// by [`Settings::scale`], split by [`Settings::split_seed`].
///
/// # Errors
///
/// The file cannot be read, the scale or the validation fraction is
/// invalid.
pub fn data(settings: &Settings) -> Result<(Dataset, Dataset)> {
    let mut all = Dataset::from_csv(&settings.data, &CsvOptions::default())?;
    all.scale(settings.scale)?;
    all.split(settings.validation_fraction, settings.split_seed)
}

/// A run's state at one moment: where it is and how well it does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// Epochs trained (steps / ⌈N/B⌉: a run may stop inside an epoch).
    pub epochs: f64,
    /// Optimizer steps taken.
    pub steps: u64,
    /// The full-data training loss.
    pub train_loss: f64,
    /// The training accuracy.
    pub train_accuracy: f64,
    /// The validation loss.
    pub val_loss: f64,
    /// The validation accuracy.
    pub val_accuracy: f64,
}

/// One training run: a batch size and a seed, trained to the target loss
/// (and at least for the epoch budget).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The initialisation (and row-order) seed.
    pub seed: u64,
    /// After [`Settings::budget_epochs`] epochs: the same-epochs protocol.
    pub at_budget: Snapshot,
    /// When the training loss first reached the target (or at the epoch
    /// cap): the same-training-loss protocol.
    pub at_target: Snapshot,
    /// Whether the training loss reached the target within the cap.
    pub reached_target: bool,
    /// λmax of the training loss's Hessian at the target (Lanczos).
    pub lambda_max: f64,
    /// Whether Lanczos met its tolerance.
    pub lambda_converged: bool,
    /// The parameters at the target.
    pub params: Vec<f64>,
}

/// Everything measured at one batch size.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSizeResult {
    /// Rows per batch (the number of training rows for full batch).
    pub batch_size: usize,
    /// Whether this is full-batch gradient descent.
    pub full: bool,
    /// Optimizer steps per epoch, ⌈N/B⌉.
    pub steps_per_epoch: usize,
    /// Wall-clock seconds per epoch in the timing pass, from its fastest
    /// round (`None` without one).
    pub seconds_per_epoch: Option<f64>,
    /// One run per seed.
    pub runs: Vec<Run>,
}

/// Mean, minimum and maximum of a few numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let v: Vec<f64> = values.into_iter().collect();
        let n = v.len().max(1) as f64;
        Spread {
            mean: v.iter().sum::<f64>() / n,
            min: v.iter().copied().fold(f64::INFINITY, f64::min),
            max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

impl BatchSizeResult {
    /// A number of every run, over the seeds.
    pub fn spread(&self, of: impl Fn(&Run) -> f64) -> Spread {
        Spread::of(self.runs.iter().map(of))
    }
    fn label(&self) -> String {
        if self.full {
            format!("{} (all)", self.batch_size)
        } else {
            self.batch_size.to_string()
        }
    }
}

/// What [`run`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Training rows N.
    pub train_rows: usize,
    /// Validation rows.
    pub validation_rows: usize,
    /// Network parameters.
    pub params: usize,
    /// The learning rate.
    pub lr: f64,
    /// The training-loss target.
    pub target_loss: f64,
    /// One result per batch size, in the settings' order.
    pub results: Vec<BatchSizeResult>,
}

/// Checks of the training loss per epoch, at most (a run stops within a
/// tenth of an epoch of reaching the target, not up to a whole epoch
/// past it — batch size 1 reaches it within a few epochs).
const CHECKS_PER_EPOCH: usize = 10;

fn order(seed: u64, epoch: usize, rows: usize) -> Vec<usize> {
    Rng::with_stream(seed, epoch as u64).permutation(rows)
}

fn train(
    settings: &Settings,
    arch: &Architecture,
    train: &Dataset,
    validation: &Dataset,
    batch: usize,
    seed: u64,
) -> Result<Run> {
    let net = Network::init(arch, seed)?;
    let f = NetworkObjective::new(&net, train, Loss::CrossEntropy, NetworkOptions::default())?;
    let v = NetworkObjective::new(
        &net,
        validation,
        Loss::CrossEntropy,
        NetworkOptions::default(),
    )?;
    let spec = OptimizerSpec::parse(&format!("sgd(lr={})", settings.lr))?;
    let mut opt = Optimizer::new(&spec, net.params().len())?;
    let mut params = net.params().as_slice().to_vec();
    let n = train.rows();
    let steps_per_epoch = n.div_ceil(batch);
    let check_every = steps_per_epoch.div_ceil(CHECKS_PER_EPOCH);
    let snapshot = |params: &[f64], steps: u64, train: (f64, Option<f64>)| {
        let (val_loss, val_accuracy) = v.loss_and_accuracy(params)?;
        Ok::<_, Error>(Snapshot {
            epochs: steps as f64 / steps_per_epoch as f64,
            steps,
            train_loss: train.0,
            train_accuracy: train.1.unwrap_or(f64::NAN),
            val_loss,
            val_accuracy: val_accuracy.unwrap_or(f64::NAN),
        })
    };
    let max_steps = (settings.max_epochs * steps_per_epoch) as u64;
    let budget_steps = (settings.budget_epochs * steps_per_epoch) as u64;
    let mut at_budget = None;
    let mut at_target: Option<(Snapshot, Vec<f64>)> = None;
    let mut current = f.loss_and_accuracy(&params)?;
    let mut epoch = 0;
    let (at_budget, (at_target, params)) = 'train: loop {
        let rows = order(seed, epoch + 1, n);
        let mut batches = rows.chunks(batch).enumerate().peekable();
        // The checks run before the first step too (step 0).
        let mut check = epoch == 0;
        loop {
            if check {
                let steps = opt.steps();
                if at_target.is_none() && (current.0 <= settings.target_loss || steps >= max_steps)
                {
                    at_target = Some((snapshot(&params, steps, current)?, params.clone()));
                }
                if steps == budget_steps {
                    at_budget = Some(snapshot(&params, steps, current)?);
                }
                if let (Some(b), Some(t)) = (at_budget, &at_target) {
                    break 'train (b, t.clone());
                }
            }
            let Some((i, rows)) = batches.next() else {
                break;
            };
            let g = f.batch_gradient(&params, rows)?;
            opt.step(&mut params, &g.gradient)?;
            check = (i + 1) % check_every == 0 || batches.peek().is_none();
            if check {
                current = f.loss_and_accuracy(&params)?;
            }
        }
        epoch += 1;
    };
    let op = crate::HessianOperator::new(&f, &params)?;
    let top = lanczos(
        &op,
        &LanczosSettings::default()
            .with_which(Which::Largest)
            .with_tol(settings.lanczos_tol)?
            .with_seed(seed),
    )?;
    Ok(Run {
        seed,
        at_budget,
        reached_target: at_target.train_loss <= settings.target_loss,
        at_target,
        lambda_max: top.lambda_max().unwrap_or(f64::NAN),
        lambda_converged: top.converged,
        params,
    })
}

/// Wall-clock time one timing measurement runs epochs for, at least: long
/// enough that rayon's workers are awake and a step's cost is its
/// steady-state cost, as in a real training run.
const TIMING_SECONDS: f64 = 0.02;

/// Seconds per epoch at each batch size: `timing_rounds` rounds, each
/// measuring every batch size in turn (so a disturbance from other work on
/// the machine hits all sizes alike) by running whole epochs for at least
/// [`TIMING_SECONDS`]; the fastest round of each size is reported, as
/// benchmarks do (it is the least disturbed).
fn time_epochs(
    settings: &Settings,
    arch: &Architecture,
    train: &Dataset,
    sizes: &[usize],
    seed: u64,
) -> Result<Vec<Option<f64>>> {
    if settings.timing_rounds == 0 {
        return Ok(vec![None; sizes.len()]);
    }
    let net = Network::init(arch, seed)?;
    let f = NetworkObjective::new(&net, train, Loss::CrossEntropy, NetworkOptions::default())?;
    let spec = OptimizerSpec::parse(&format!("sgd(lr={})", settings.lr))?;
    let mut state: Vec<(Optimizer, Vec<f64>, usize)> = sizes
        .iter()
        .map(|_| {
            Ok((
                Optimizer::new(&spec, net.params().len())?,
                net.params().as_slice().to_vec(),
                0,
            ))
        })
        .collect::<Result<_>>()?;
    let mut best = vec![f64::INFINITY; sizes.len()];
    for _ in 0..settings.timing_rounds {
        for ((&b, (opt, params, epoch)), best) in sizes.iter().zip(&mut state).zip(&mut best) {
            let mut epochs = 0;
            let mut seconds = 0.0;
            while epochs == 0 || seconds < TIMING_SECONDS {
                *epoch += 1;
                let rows = order(seed, *epoch, train.rows());
                let start = Instant::now();
                for batch in rows.chunks(b) {
                    let g = f.batch_gradient(params, batch)?;
                    opt.step(params, &g.gradient)?;
                }
                seconds += start.elapsed().as_secs_f64();
                epochs += 1;
            }
            *best = best.min(seconds / epochs as f64);
        }
    }
    Ok(best.into_iter().map(Some).collect())
}

/// Runs the experiment: the timing pass (one batch size at a time), then
/// every (batch size, seed) run in parallel, each trained to the target
/// loss and its λmax computed.
///
/// # Errors
///
/// Invalid settings (no batch sizes, a batch size of 0, no seeds, a
/// learning rate or target that is not a positive number, 0 epochs), a
/// data file that cannot be read or does not fit the architecture, and a
/// training run that diverges (a non-finite loss or gradient).
///
/// # Examples
///
/// A quick version: batches of 64 and of all rows, one seed, to a loose
/// target.
///
/// ```
/// use saddlescope::lecture::batch_size::{Settings, run};
/// let settings = Settings {
///     data: concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/digits.csv").into(),
///     batch_sizes: vec![64, usize::MAX],
///     lr: 0.5,
///     target_loss: 0.5,
///     budget_epochs: 2,
///     seeds: vec![0],
///     timing_rounds: 0,
///     ..Settings::default()
/// };
/// let o = run(&settings)?;
/// let (small, full) = (&o.results[0], &o.results[1]);
/// assert_eq!((small.steps_per_epoch, full.steps_per_epoch), (23, 1));
/// assert!(small.runs[0].reached_target && full.runs[0].reached_target);
/// // After the same 2 epochs, 46 steps are ahead of 2.
/// assert!(small.runs[0].at_budget.train_loss < full.runs[0].at_budget.train_loss);
/// assert!(run(&Settings { batch_sizes: vec![0], ..settings }).is_err());
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let arch = Architecture::parse(&settings.arch)?;
    let (train_set, validation) = data(settings)?;
    let n = train_set.rows();
    let sizes: Vec<usize> = settings.batch_sizes.iter().map(|&b| b.min(n)).collect();
    let timings = time_epochs(settings, &arch, &train_set, &sizes, settings.seeds[0])?;
    let jobs: Vec<(usize, u64)> = sizes
        .iter()
        .flat_map(|&b| settings.seeds.iter().map(move |&s| (b, s)))
        .collect();
    let runs: Vec<Run> = jobs
        .par_iter()
        .map(|&(b, s)| train(settings, &arch, &train_set, &validation, b, s))
        .collect::<Result<_>>()?;
    let mut runs = runs.into_iter();
    let results = sizes
        .iter()
        .zip(timings)
        .map(|(&b, seconds)| BatchSizeResult {
            batch_size: b,
            full: b == n,
            steps_per_epoch: n.div_ceil(b),
            seconds_per_epoch: seconds,
            runs: runs.by_ref().take(settings.seeds.len()).collect(),
        })
        .collect();
    Ok(Outcome {
        train_rows: n,
        validation_rows: validation.rows(),
        params: arch.n_params(),
        lr: settings.lr,
        target_loss: settings.target_loss,
        results,
    })
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn pct_spread(s: Spread) -> String {
    format!(
        "{:.1}% [{:.1}, {:.1}]",
        100.0 * s.mean,
        100.0 * s.min,
        100.0 * s.max
    )
}

fn num_spread(s: Spread) -> String {
    format!("{} [{}, {}]", num(s.mean), num(s.min), num(s.max))
}

impl Outcome {
    /// Three tables, numbers as mean [min, max] over the seeds: the cost
    /// per batch size (steps and seconds per epoch); the two protocols'
    /// accuracies (same epochs, and same training loss with λmax); every
    /// run.
    pub fn tables(&self) -> Vec<Table> {
        let mut cost = Table::new(
            format!(
                "Cost of an epoch ({} training rows, {} parameters; fastest of the timing rounds)",
                self.train_rows, self.params
            ),
            &["batch", "steps/epoch", "s/epoch", "ms/step"],
        );
        for r in &self.results {
            cost.row(vec![
                r.label(),
                r.steps_per_epoch.to_string(),
                r.seconds_per_epoch.map_or("-".into(), num),
                r.seconds_per_epoch
                    .map_or("-".into(), |s| num(1e3 * s / r.steps_per_epoch as f64)),
            ]);
        }
        let budget = self
            .results
            .first()
            .and_then(|r| r.runs.first())
            .map_or(0.0, |r| r.at_budget.epochs);
        let mut same_epochs = Table::new(
            format!(
                "Same epochs: after {budget} epochs of SGD (η = {}); mean [min, max] over seeds",
                num(self.lr)
            ),
            &["batch", "steps", "train loss", "train acc", "val acc"],
        );
        for r in &self.results {
            same_epochs.row(vec![
                r.label(),
                num(r.spread(|x| x.at_budget.steps as f64).mean),
                num_spread(r.spread(|x| x.at_budget.train_loss)),
                pct_spread(r.spread(|x| x.at_budget.train_accuracy)),
                pct_spread(r.spread(|x| x.at_budget.val_accuracy)),
            ]);
        }
        let mut same_loss = Table::new(
            format!(
                "Same training loss: trained until it is ≤ {} ({} validation rows); \
                 mean [min, max] over seeds",
                num(self.target_loss),
                self.validation_rows
            ),
            &["batch", "epochs", "steps", "train acc", "val acc", "λmax"],
        );
        for r in &self.results {
            same_loss.row(vec![
                r.label(),
                num_spread(r.spread(|x| x.at_target.epochs)),
                num(r.spread(|x| x.at_target.steps as f64).mean),
                pct_spread(r.spread(|x| x.at_target.train_accuracy)),
                pct_spread(r.spread(|x| x.at_target.val_accuracy)),
                num_spread(r.spread(|x| x.lambda_max)),
            ]);
        }
        let mut runs = Table::new(
            "Every run, at the training-loss target",
            &[
                "batch",
                "seed",
                "epochs",
                "steps",
                "train loss",
                "train acc",
                "val loss",
                "val acc",
                "λmax",
            ],
        );
        for r in &self.results {
            for run in &r.runs {
                let t = &run.at_target;
                runs.row(vec![
                    r.label(),
                    run.seed.to_string(),
                    format!(
                        "{}{}",
                        num(t.epochs),
                        if run.reached_target { "" } else { " (cap)" }
                    ),
                    t.steps.to_string(),
                    num(t.train_loss),
                    pct(t.train_accuracy),
                    num(t.val_loss),
                    pct(t.val_accuracy),
                    num(run.lambda_max),
                ]);
            }
        }
        vec![cost, same_epochs, same_loss, runs]
    }

    /// The figures, as SVG files in `dir` (created if missing), the batch
    /// size on a logarithmic x axis:
    ///
    /// - `seconds_per_epoch.svg`: seconds per epoch (omitted without a
    ///   timing pass);
    /// - `accuracy_same_epochs.svg`: training and validation accuracy after
    ///   the epoch budget (mean line, one marker per seed);
    /// - `accuracy_same_loss.svg`: the same at the training-loss target;
    /// - `sharpness.svg`: λmax at the target.
    ///
    /// # Errors
    ///
    /// A directory or file that cannot be written.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        let b: Vec<f64> = self.results.iter().map(|r| r.batch_size as f64).collect();
        let axis = XyPlot::new().with_x_scale(AxisScale::Log);
        let mut files = Vec::new();
        let seconds: Vec<f64> = self
            .results
            .iter()
            .filter_map(|r| r.seconds_per_epoch)
            .collect();
        if seconds.len() == b.len() {
            let path = dir.join("seconds_per_epoch.svg");
            plot_xy(
                &path,
                &[XySeries::new(
                    "seconds per epoch",
                    b.clone(),
                    seconds,
                    SeriesStyle::LinePoints,
                )],
                &axis
                    .clone()
                    .with_title("Seconds per epoch against batch size")
                    .with_labels("batch size", "seconds per epoch")
                    .with_y_scale(AxisScale::Log),
            )?;
            files.push(path);
        }
        let mean_and_seeds = |name: &str, of: &dyn Fn(&Run) -> f64, color: usize| {
            let mean = XySeries::new(
                name,
                b.clone(),
                self.results.iter().map(|r| r.spread(of).mean).collect(),
                SeriesStyle::LinePoints,
            )
            .with_color(color);
            let (x, y): (Vec<f64>, Vec<f64>) = self
                .results
                .iter()
                .flat_map(|r| r.runs.iter().map(|run| (r.batch_size as f64, of(run))))
                .unzip();
            let seeds = XySeries::new("", x, y, SeriesStyle::Points).with_color(color);
            [mean, seeds]
        };
        let budget = self
            .results
            .first()
            .and_then(|r| r.runs.first())
            .map_or(0.0, |r| r.at_budget.epochs);
        for (file, title, train, val) in [
            (
                "accuracy_same_epochs.svg",
                format!("Accuracy after the same {} epochs", num(budget)),
                (&|r: &Run| 100.0 * r.at_budget.train_accuracy) as &dyn Fn(&Run) -> f64,
                (&|r: &Run| 100.0 * r.at_budget.val_accuracy) as &dyn Fn(&Run) -> f64,
            ),
            (
                "accuracy_same_loss.svg",
                format!(
                    "Accuracy at the same training loss (≤ {})",
                    num(self.target_loss)
                ),
                &|r: &Run| 100.0 * r.at_target.train_accuracy,
                &|r: &Run| 100.0 * r.at_target.val_accuracy,
            ),
        ] {
            let path = dir.join(file);
            let mut series = Vec::new();
            series.extend(mean_and_seeds("training accuracy", train, 0));
            series.extend(mean_and_seeds("validation accuracy", val, 1));
            plot_xy(
                &path,
                &series,
                &axis
                    .clone()
                    .with_title(title)
                    .with_labels("batch size", "accuracy (%)")
                    .with_y_scale(AxisScale::Linear),
            )?;
            files.push(path);
        }
        let path = dir.join("sharpness.svg");
        plot_xy(
            &path,
            &mean_and_seeds("λmax (mean; markers: seeds)", &|r: &Run| r.lambda_max, 2),
            &axis
                .with_title(format!(
                    "Sharpness λmax of the training loss at the same training loss (≤ {})",
                    num(self.target_loss)
                ))
                .with_labels("batch size", "λmax of the Hessian")
                .with_y_scale(AxisScale::Linear),
        )?;
        files.push(path);
        Ok(files)
    }
}
