//! Lecture claim 4: large batches are cheaper per epoch, but they end in
//! sharper minima and generalise worse.
//!
//! Keskar et al. (2017, "On large-batch training for deep learning:
//! generalization gap and sharp minima", ICLR) trained the same networks
//! with small and large batches to convergence and found the large-batch
//! solutions sharper (larger top Hessian eigenvalues) and worse on held-out
//! data. The lecture pairs this with the cost side: a larger batch does more
//! work per step, in parallel, so an epoch takes fewer, cheaper-per-row
//! steps — up to the point where the hardware is full.
//!
//! The experiment: digits (64 pixel features divided by 16, ten classes)
//! split 80/20 into training and validation rows; a 64-32-10 tanh network;
//! plain SGD (no momentum, no weight decay) at one learning rate for every
//! batch size B ∈ {1, 8, 32, 128, 512, all rows}.
//!
//! - **Seconds per epoch**: a separate timing pass, one batch size at a
//!   time with nothing else running, the median of a few epochs. The steps
//!   per epoch are ⌈N/B⌉.
//! - **Protocol — train to the same training loss.** Comparing after the
//!   same number of epochs would compare a network that took ⌈N/B⌉ = N
//!   steps per epoch with one that took a single step, and "large batches
//!   do worse" would only say "fewer steps do worse". Comparing after the
//!   same number of steps would give the large batches many more epochs.
//!   Keskar et al. trained to convergence; here every run trains until its
//!   full-data training loss falls to [`Settings::target_loss`] (checked
//!   after every epoch), so every network fits the training set about
//!   equally well and the remaining differences — validation accuracy and
//!   sharpness — are about *which* minimum the batch size led to. The
//!   learning rate is the same for every batch size: scaling it with B
//!   (the "linear scaling rule") keeps the gradient noise η/B constant and
//!   is known to remove much of the gap (Jastrzębski et al. 2018, "Three
//!   factors influencing minima in SGD"), which is not the claim under test.
//! - **Sharpness**: λmax of the Hessian of the full-data training loss at
//!   the end, by Lanczos on Hessian-vector products (the test checks one
//!   value against the dense Hessian's spectrum). At a fixed learning rate
//!   η, full-batch gradient descent is known to drive λmax up to about
//!   2/η ("edge of stability", Cohen et al. 2021), while the noise of small
//!   batches keeps it lower — the same effect from the optimiser's side.
//! - **Seeds**: several initialisations (each seed also sets the order of
//!   the rows), so that the tables and figures show the spread.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::{Table, num};
use crate::data::Rng;
use crate::{
    Architecture, CsvOptions, Dataset, Error, LanczosSettings, Loss, Network, NetworkObjective,
    NetworkOptions, Optimizer, OptimizerSpec, Result, Which, lanczos,
};

/// The experiment's configuration. `Default` is the example's: digits/16,
/// 20% validation (split seed 0), 64-32-10 tanh, SGD at η = 0.1, batch
/// sizes 1, 8, 32, 128, 512 and all rows, each trained from 3 seeds until
/// the training loss is at most 0.02 (at most 3000 epochs), timing over 3
/// epochs per batch size.
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
    /// Initialisation seeds (each also orders the rows of every epoch).
    pub seeds: Vec<u64>,
    /// Epochs timed per batch size (the median is reported); 0 skips the
    /// timing pass.
    pub timing_epochs: usize,
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
            target_loss: 0.02,
            max_epochs: 3000,
            seeds: vec![0, 1, 2],
            timing_epochs: 3,
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
            return bad("lr", format!("expected a finite number > 0, got {}", self.lr));
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

/// One training run: a batch size and a seed, trained to the target loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The initialisation (and row-order) seed.
    pub seed: u64,
    /// Epochs trained.
    pub epochs: usize,
    /// Optimizer steps taken (epochs · ⌈N/B⌉).
    pub steps: u64,
    /// Whether the training loss reached the target within the epochs.
    pub reached_target: bool,
    /// The full-data training loss at the end.
    pub train_loss: f64,
    /// The training accuracy at the end.
    pub train_accuracy: f64,
    /// The validation loss at the end.
    pub val_loss: f64,
    /// The validation accuracy at the end.
    pub val_accuracy: f64,
    /// λmax of the training loss's Hessian at the end (Lanczos).
    pub lambda_max: f64,
    /// Whether Lanczos met its tolerance.
    pub lambda_converged: bool,
    /// The parameters at the end.
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
    /// Median wall-clock seconds per epoch in the timing pass (`None`
    /// without one).
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
    /// Validation accuracy over the seeds.
    pub fn val_accuracy(&self) -> Spread {
        Spread::of(self.runs.iter().map(|r| r.val_accuracy))
    }
    /// Training accuracy over the seeds.
    pub fn train_accuracy(&self) -> Spread {
        Spread::of(self.runs.iter().map(|r| r.train_accuracy))
    }
    /// λmax over the seeds.
    pub fn lambda_max(&self) -> Spread {
        Spread::of(self.runs.iter().map(|r| r.lambda_max))
    }
    /// Epochs to the target over the seeds.
    pub fn epochs(&self) -> Spread {
        Spread::of(self.runs.iter().map(|r| r.epochs as f64))
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

/// One epoch of SGD over `order`'s rows in batches of `batch`.
fn epoch(
    f: &NetworkObjective,
    opt: &mut Optimizer,
    params: &mut [f64],
    order: &[usize],
    batch: usize,
) -> Result<()> {
    for rows in order.chunks(batch) {
        let g = f.batch_gradient(params, rows)?;
        opt.step(params, &g.gradient)?;
    }
    Ok(())
}

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
    let mut epochs = 0;
    let (mut loss, mut accuracy) = f.loss_and_accuracy(&params)?;
    while loss > settings.target_loss && epochs < settings.max_epochs {
        epochs += 1;
        epoch(&f, &mut opt, &mut params, &order(seed, epochs, n), batch)?;
        (loss, accuracy) = f.loss_and_accuracy(&params)?;
    }
    let (val_loss, val_accuracy) = v.loss_and_accuracy(&params)?;
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
        epochs,
        steps: opt.steps(),
        reached_target: loss <= settings.target_loss,
        train_loss: loss,
        train_accuracy: accuracy.unwrap_or(f64::NAN),
        val_loss,
        val_accuracy: val_accuracy.unwrap_or(f64::NAN),
        lambda_max: top.lambda_max().unwrap_or(f64::NAN),
        lambda_converged: top.converged,
        params,
    })
}

/// Median seconds of `epochs` epochs at batch size `batch`, from seed's
/// initialisation.
fn time_epochs(
    settings: &Settings,
    arch: &Architecture,
    train: &Dataset,
    batch: usize,
    seed: u64,
) -> Result<Option<f64>> {
    if settings.timing_epochs == 0 {
        return Ok(None);
    }
    let net = Network::init(arch, seed)?;
    let f = NetworkObjective::new(&net, train, Loss::CrossEntropy, NetworkOptions::default())?;
    let spec = OptimizerSpec::parse(&format!("sgd(lr={})", settings.lr))?;
    let mut opt = Optimizer::new(&spec, net.params().len())?;
    let mut params = net.params().as_slice().to_vec();
    let mut seconds = Vec::with_capacity(settings.timing_epochs);
    for e in 1..=settings.timing_epochs {
        let rows = order(seed, e, train.rows());
        let start = Instant::now();
        epoch(&f, &mut opt, &mut params, &rows, batch)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    Ok(Some(seconds[seconds.len() / 2]))
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
pub fn run(settings: &Settings) -> Result<Outcome> {
    settings.check()?;
    let arch = Architecture::parse(&settings.arch)?;
    let (train_set, validation) = data(settings)?;
    let n = train_set.rows();
    let sizes: Vec<usize> = settings.batch_sizes.iter().map(|&b| b.min(n)).collect();
    let mut timings = Vec::with_capacity(sizes.len());
    for &b in &sizes {
        timings.push(time_epochs(settings, &arch, &train_set, b, settings.seeds[0])?);
    }
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
    format!("{:.1}% [{:.1}, {:.1}]", 100.0 * s.mean, 100.0 * s.min, 100.0 * s.max)
}

fn num_spread(s: Spread) -> String {
    format!("{} [{}, {}]", num(s.mean), num(s.min), num(s.max))
}

impl Outcome {
    /// Two tables: per batch size, the cost (steps and seconds per epoch,
    /// epochs to the target) and the result (accuracies and λmax, mean
    /// [min, max] over the seeds); then every run.
    pub fn tables(&self) -> Vec<Table> {
        let mut summary = Table::new(
            format!(
                "Batch size on digits ({} training, {} validation rows; {} parameters; \
                 SGD η = {}, trained to training loss ≤ {}; mean [min, max] over seeds)",
                self.train_rows,
                self.validation_rows,
                self.params,
                num(self.lr),
                num(self.target_loss)
            ),
            &[
                "batch",
                "steps/epoch",
                "s/epoch",
                "epochs",
                "train acc",
                "val acc",
                "λmax",
            ],
        );
        for r in &self.results {
            summary.row(vec![
                r.label(),
                r.steps_per_epoch.to_string(),
                r.seconds_per_epoch.map_or("-".into(), num),
                num_spread(r.epochs()),
                pct_spread(r.train_accuracy()),
                pct_spread(r.val_accuracy()),
                num_spread(r.lambda_max()),
            ]);
        }
        let mut runs = Table::new(
            "Every run",
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
                runs.row(vec![
                    r.label(),
                    run.seed.to_string(),
                    format!(
                        "{}{}",
                        run.epochs,
                        if run.reached_target { "" } else { " (cap)" }
                    ),
                    run.steps.to_string(),
                    num(run.train_loss),
                    pct(run.train_accuracy),
                    num(run.val_loss),
                    pct(run.val_accuracy),
                    num(run.lambda_max),
                ]);
            }
        }
        vec![summary, runs]
    }

    /// The figures (being written).
    ///
    /// # Errors
    ///
    /// A file that cannot be written.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let _ = dir;
        Ok(Vec::new())
    }
}
