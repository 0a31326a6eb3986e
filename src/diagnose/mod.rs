//! Why does training fail? Model bias, an optimisation issue, or
//! overfitting — told apart by training the network next to a smaller and
//! a bigger variant of itself.
//!
//! This is the flow of Hung-yi Lee's "General guide" for training
//! (ML 2021, lecture 2): look at the loss on the *training* data first.
//!
//! 1. **Training loss high.** Either the model cannot represent a good fit
//!    (*model bias*: a bigger model does better), or it can but the
//!    optimiser did not find it (*optimisation issue*). The tell-tale sign of
//!    the second is a deeper network reaching a *higher* training loss than a
//!    shallower one, although it could represent everything the shallower
//!    one does: He et al. (2016, "Deep residual learning", fig. 1), whose
//!    56-layer plain network trained worse than their 20-layer one — on the
//!    training set, so not overfitting.
//! 2. **Training loss low, validation loss high.** *Overfitting*: more data,
//!    regularisation, a smaller model or early stopping.
//! 3. Otherwise nothing is evidently wrong.
//!
//! [`diagnose`] trains three networks with the same optimiser, budget and
//! seed — the [`variants`] of the given one and the given one itself — and
//! walks this flow with explicit, printed [`Criteria`]. "High" is measured
//! against a [`Baseline`]: the loss of the best constant prediction (the
//! class priors for cross-entropy, the target mean for squared error),
//! i.e. of a model that ignores the inputs.

mod flow;
mod variants;

use flow::{Nesting, decide};

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use variants::{VariantRole, hidden_layers, variants, width_profile};

use crate::lecture::num;
use crate::{
    Architecture, Dataset, Error, Loss, Network, OptimizerSpec, Result, TrainReport, TrainSettings,
    Trainer,
};

/// Where the validation rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// A separate data set (e.g. another CSV file with the same columns).
    Set(Dataset),
    /// Hold out this fraction of the rows (0 < F < 1), split with the
    /// settings' seed by [`Dataset::split`].
    Holdout(f64),
}

/// The thresholds of the diagnosis, as fractions of the [`Baseline`] loss
/// B (the loss of a model that ignores its inputs) or of a loss.
///
/// `Default`: `high_loss` 0.1, `gap` 0.1, `margin` 0.2.
///
/// # Examples
///
/// ```
/// use saddlescope::Criteria;
/// let c = Criteria::default();
/// assert_eq!((c.high_loss, c.gap, c.margin), (0.1, 0.1, 0.2));
/// assert!(c.check().is_ok());
/// assert!(Criteria { margin: 1.5, ..c }.check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Criteria {
    /// The training loss is *high* when it is above `high_loss`·B: the
    /// network removed less than 90 % (at the default) of what a constant
    /// prediction leaves.
    pub high_loss: f64,
    /// *Overfitting* when the training loss is not high and the validation
    /// loss exceeds it by more than `gap`·B.
    pub gap: f64,
    /// A loss L₁ is *clearly lower* than L₂ when L₁ < (1 − `margin`)·L₂:
    /// differences smaller than that are not read as evidence.
    pub margin: f64,
}

impl Default for Criteria {
    fn default() -> Self {
        Criteria {
            high_loss: 0.1,
            gap: 0.1,
            margin: 0.2,
        }
    }
}

impl Criteria {
    /// Checks the thresholds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for `high_loss` or `gap` not finite and
    /// positive, or `margin` outside (0, 1).
    pub fn check(&self) -> Result<()> {
        for (name, v) in [("high_loss", self.high_loss), ("gap", self.gap)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::InvalidSetting {
                    name: format!("diagnosis criterion {name}"),
                    message: format!("expected a finite fraction > 0 of the baseline, got {v}"),
                });
            }
        }
        if !(self.margin > 0.0 && self.margin < 1.0) {
            return Err(Error::InvalidSetting {
                name: "diagnosis criterion margin".into(),
                message: format!("expected a fraction 0 < margin < 1, got {}", self.margin),
            });
        }
        Ok(())
    }

    /// Whether `a` is clearly lower than `b`.
    fn clearly_lower(&self, a: f64, b: f64) -> bool {
        a < (1.0 - self.margin) * b
    }

    /// The criteria in words, with the baseline's numbers.
    ///
    /// # Examples
    ///
    /// ```
    /// let lines = saddlescope::Criteria::default().describe(1.0);
    /// assert!(lines[0].contains("high above 0.1"));
    /// ```
    pub fn describe(&self, baseline: f64) -> Vec<String> {
        vec![
            format!(
                "training loss is high above {} = {}·B",
                num(self.high_loss * baseline),
                num(self.high_loss)
            ),
            format!(
                "overfitting when validation − training loss > {} = {}·B",
                num(self.gap * baseline),
                num(self.gap)
            ),
            format!(
                "a loss is clearly lower than another below {} × it",
                num(1.0 - self.margin)
            ),
        ]
    }
}

/// The loss of the best constant prediction on the training rows: a model
/// that ignores its inputs. It is the yardstick of "high".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    /// The loss B.
    pub loss: f64,
    /// What the constant prediction is.
    pub description: String,
}

/// The [`Baseline`] of a loss on a data set for a network with `outputs`
/// outputs:
///
/// - cross-entropy: predicting the class frequencies p, B = −Σ p ln p (the
///   entropy of the labels);
/// - binary cross-entropy: predicting the frequency p of 1,
///   B = −p ln p − (1 − p) ln(1 − p);
/// - squared error, one output: predicting the mean, B = the variance of
///   the targets; several outputs (one-hot labels): predicting the class
///   frequencies, B = Σ p(1 − p) / outputs.
///
/// # Errors
///
/// Labels that do not fit the loss (as [`Dataset::class_labels`] and
/// [`Dataset::binary_labels`]), or an empty data set.
///
/// # Examples
///
/// ```
/// use saddlescope::{baseline, builtin_dataset, Loss};
/// let data = builtin_dataset("moons(n=100)", 0)?; // 50 of each class
/// let b = baseline(&data, Loss::CrossEntropy, 2)?;
/// assert!((b.loss - 2f64.ln()).abs() < 1e-12);
/// assert!((baseline(&data, Loss::Mse, 2)?.loss - 0.25).abs() < 1e-12);
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn baseline(data: &Dataset, loss: Loss, outputs: usize) -> Result<Baseline> {
    let n = data.rows();
    if n == 0 {
        return Err(Error::InvalidInput(format!(
            "data set {} has no rows: expected at least 1 to measure a baseline loss",
            data.source()
        )));
    }
    let frequencies = |labels: &[usize], k: usize| {
        let mut count = vec![0usize; k];
        for &c in labels {
            count[c] += 1;
        }
        count
            .into_iter()
            .map(|c| c as f64 / n as f64)
            .collect::<Vec<f64>>()
    };
    let entropy = |p: &[f64]| -> f64 {
        p.iter()
            .filter(|&&p| p > 0.0)
            .map(|&p| -p * p.ln())
            .sum::<f64>()
    };
    Ok(match (loss, outputs) {
        (Loss::CrossEntropy, k) => {
            let p = frequencies(&data.class_labels(k)?, k);
            Baseline {
                loss: entropy(&p),
                description: "cross-entropy of predicting the training class frequencies: the \
                              entropy of the labels"
                    .into(),
            }
        }
        (Loss::Bce, _) => {
            let y = data.binary_labels()?;
            let p = y.iter().sum::<f64>() / n as f64;
            Baseline {
                loss: entropy(&[p, 1.0 - p]),
                description: "binary cross-entropy of predicting the training frequency of 1"
                    .into(),
            }
        }
        (Loss::Mse, 1) => {
            let y = data.targets();
            let mean = y.iter().sum::<f64>() / n as f64;
            Baseline {
                loss: y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64,
                description: "squared error of predicting the training mean: the variance of \
                              the targets"
                    .into(),
            }
        }
        (Loss::Mse, k) => {
            let p = frequencies(&data.class_labels(k)?, k);
            Baseline {
                loss: p.iter().map(|p| p * (1.0 - p)).sum::<f64>() / k as f64,
                description: "squared error of predicting the training class frequencies for \
                              the one-hot targets"
                    .into(),
            }
        }
    })
}

/// What [`diagnose`] is asked to do.
///
/// `Default`: cross-entropy, `adam(lr=0.01)`, 100 epochs, batches of 32,
/// seed 0, no standardisation, [`Criteria::default`], runs in a temporary
/// directory removed afterwards.
///
/// # Examples
///
/// ```
/// use saddlescope::{DiagnoseSettings, OptimizerSpec};
/// let s = DiagnoseSettings {
///     optimizer: OptimizerSpec::parse("sgd(lr=0.1,momentum=0.9)")?,
///     epochs: 50,
///     ..DiagnoseSettings::default()
/// };
/// assert!(s.check().is_ok());
/// let err = DiagnoseSettings { batch_size: 0, ..s }.check().unwrap_err();
/// assert!(err.to_string().contains("got 0"));
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnoseSettings {
    /// The loss.
    pub loss: Loss,
    /// The optimiser, the same for every variant.
    pub optimizer: OptimizerSpec,
    /// Epochs of every run.
    pub epochs: usize,
    /// Rows per mini-batch.
    pub batch_size: usize,
    /// Seed of the initialisations, the shuffling and a holdout split.
    pub seed: u64,
    /// Z-score the features with the training rows' statistics (applied to
    /// the validation rows too).
    pub standardize: bool,
    /// The thresholds.
    pub criteria: Criteria,
    /// Keep the runs here (`smaller/`, `given/`, `bigger/`: checkpoints and
    /// logs as `saddlescope train` writes them); `None`: a temporary
    /// directory, removed afterwards.
    pub out: Option<PathBuf>,
}

impl Default for DiagnoseSettings {
    fn default() -> Self {
        DiagnoseSettings {
            loss: Loss::CrossEntropy,
            optimizer: OptimizerSpec::parse("adam(lr=0.01)").expect("a valid optimizer spec"),
            epochs: 100,
            batch_size: 32,
            seed: 0,
            standardize: false,
            criteria: Criteria::default(),
            out: None,
        }
    }
}

impl DiagnoseSettings {
    /// Checks the settings that do not depend on the data.
    ///
    /// # Errors
    ///
    /// No epochs, a batch size of 0, bad [`Criteria`].
    pub fn check(&self) -> Result<()> {
        self.train_settings()?;
        self.criteria.check()
    }

    fn train_settings(&self) -> Result<TrainSettings> {
        TrainSettings::default()
            .with_epochs(self.epochs)?
            .with_batch_size(self.batch_size)
            .map(|s| s.with_seed(self.seed).with_step_logs(false))
    }
}

/// One trained network of a diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantRun {
    /// Smaller, given or bigger.
    pub role: VariantRole,
    /// Its architecture spec.
    pub architecture: String,
    /// Its widths from input to output ([`width_profile`]): `2-16×12-2`.
    pub widths: String,
    /// Linear layers before the output layer.
    pub hidden_layers: usize,
    /// Trainable parameters.
    pub params: usize,
    /// The full training set's loss after the last epoch.
    pub train_loss: f64,
    /// The lowest training loss after any epoch.
    pub best_train_loss: f64,
    /// The validation loss after the last epoch.
    pub val_loss: f64,
    /// The lowest validation loss after any epoch …
    pub best_val_loss: f64,
    /// … and that epoch.
    pub best_val_epoch: usize,
    /// Training accuracy after the last epoch (classification).
    pub train_accuracy: Option<f64>,
    /// Validation accuracy after the last epoch (classification).
    pub val_accuracy: Option<f64>,
    /// ‖∇L‖ of the training loss after the last epoch.
    pub grad_norm: f64,
    /// Epochs run.
    pub epochs: usize,
    /// Wall-clock seconds of the run (other runs train alongside it).
    pub seconds: f64,
    /// Every epoch's numbers (the curves).
    pub report: TrainReport,
    /// The run's directory, when kept.
    pub dir: Option<PathBuf>,
}

impl VariantRun {
    /// The training losses after each epoch.
    pub fn train_curve(&self) -> Vec<f64> {
        self.report.epochs.iter().map(|e| e.train_loss).collect()
    }

    /// The validation losses after each epoch.
    pub fn val_curve(&self) -> Vec<f64> {
        self.report
            .epochs
            .iter()
            .map(|e| e.val_loss.unwrap_or(f64::NAN))
            .collect()
    }
}

/// The verdict of [`diagnose`], with the losses it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnosis {
    /// Training loss high, and the bigger variant's clearly lower: the given
    /// network is too small for the data.
    ModelBias {
        /// The given network's training loss.
        given_loss: f64,
        /// The bigger variant's.
        bigger_loss: f64,
    },
    /// Training loss high, and a deeper network ends clearly higher than a
    /// shallower one it contains: the optimiser failed.
    OptimizationIssue {
        /// The deeper network.
        deeper: VariantRole,
        /// Its training loss.
        deeper_loss: f64,
        /// The shallower network.
        shallower: VariantRole,
        /// Its training loss.
        shallower_loss: f64,
    },
    /// Training loss not high, validation loss far above it.
    Overfitting {
        /// The given network's training loss.
        train_loss: f64,
        /// Its validation loss.
        val_loss: f64,
    },
    /// Training loss high, but neither does the bigger variant clearly do
    /// better nor does depth clearly hurt.
    Inconclusive {
        /// The given network's training loss.
        given_loss: f64,
        /// The bigger variant's.
        bigger_loss: f64,
    },
    /// Training loss not high and validation loss close to it.
    Fine {
        /// The given network's training loss.
        train_loss: f64,
        /// Its validation loss.
        val_loss: f64,
    },
}

impl Diagnosis {
    /// A short name: `model bias`, `optimisation issue`, `overfitting`,
    /// `inconclusive`, `fine`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Diagnosis;
    /// let d = Diagnosis::Overfitting { train_loss: 0.01, val_loss: 0.9 };
    /// assert_eq!(d.name(), "overfitting");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Diagnosis::ModelBias { .. } => "model bias",
            Diagnosis::OptimizationIssue { .. } => "optimisation issue",
            Diagnosis::Overfitting { .. } => "overfitting",
            Diagnosis::Inconclusive { .. } => "inconclusive",
            Diagnosis::Fine { .. } => "fine",
        }
    }

    /// What to try next.
    pub fn advice(&self) -> &'static str {
        match self {
            Diagnosis::ModelBias { .. } => {
                "make the model more flexible: more units or layers, or better features; \
                 then check the validation loss for overfitting"
            }
            Diagnosis::OptimizationIssue { .. } => {
                "fix the optimisation before adding capacity: momentum or Adam, a tuned \
                 learning rate or schedule, normalisation (standardised inputs, BatchNorm), \
                 residual connections; where training stalls, check the Hessian for a saddle \
                 and escape along its negative curvature (saddlescope train --analyze-stalls \
                 --escape-saddles)"
            }
            Diagnosis::Overfitting { .. } => {
                "more training data (or augmentation), regularisation (weight decay, \
                 dropout), a smaller or more constrained model, or early stopping on the \
                 validation loss"
            }
            Diagnosis::Inconclusive { .. } => {
                "train longer or with a tuned learning rate and diagnose again; if the \
                 losses stay high for every size, the labels may be noisy or the features \
                 uninformative"
            }
            Diagnosis::Fine { .. } => "nothing to fix by these criteria",
        }
    }
}

/// What [`diagnose`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnoseReport {
    /// The data's source.
    pub data: String,
    /// Training rows.
    pub train_rows: usize,
    /// Validation rows.
    pub val_rows: usize,
    /// The loss.
    pub loss: Loss,
    /// The optimiser.
    pub optimizer: String,
    /// Epochs of each run.
    pub epochs: usize,
    /// Rows per batch.
    pub batch_size: usize,
    /// The seed.
    pub seed: u64,
    /// The yardstick of "high".
    pub baseline: Baseline,
    /// The thresholds.
    pub criteria: Criteria,
    /// The runs, smallest first (no smaller one for a linear model).
    pub variants: Vec<VariantRun>,
    /// The verdict and its evidence.
    pub diagnosis: Diagnosis,
    /// Each step of the flow, with its numbers.
    pub reasoning: Vec<String>,
    /// The verdict in a sentence or two, with its evidence.
    pub explanation: String,
    /// What to try next.
    pub advice: String,
}

impl DiagnoseReport {
    /// The run of a role (`None` for the smaller variant of a linear model).
    pub fn variant(&self, role: VariantRole) -> Option<&VariantRun> {
        self.variants.iter().find(|v| v.role == role)
    }

    /// The given network's run.
    pub fn given(&self) -> &VariantRun {
        self.variant(VariantRole::Given)
            .expect("every diagnosis trains the given network")
    }
}

static RUN_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes a temporary run directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Trains `arch` and its smaller and bigger [`variants`] on the training
/// rows of `data` with the same optimiser, epochs, batch size and seed (in
/// parallel; the numbers do not depend on the thread count), and diagnoses
/// the given network along the lecture's flow:
///
/// 1. B = the [`baseline`] loss on the training rows. If the given
///    network's training loss L is above `high_loss`·B:
///    1. if the smaller variant's training loss is clearly lower than L, or
///       L clearly lower than the bigger variant's, a deeper network did
///       worse than a shallower one it contains: [`Diagnosis::OptimizationIssue`].
///       A pair counts only when the deeper network's widths let it
///       represent the shallower one (a hidden layer narrower than the map
///       it must pass on — a bottleneck of 2 units before 10 outputs, say —
///       cannot hold the linear model); the reasoning says when a pair is
///       skipped;
///    2. else if the bigger variant's is clearly lower than L:
///       [`Diagnosis::ModelBias`];
///    3. else [`Diagnosis::Inconclusive`].
/// 2. Else, if its validation loss exceeds L by more than `gap`·B:
///    [`Diagnosis::Overfitting`]; else [`Diagnosis::Fine`].
///
/// Losses are those after the last epoch.
///
/// # Errors
///
/// Invalid settings or holdout fraction (0 < F < 1), data that does not fit
/// the network or the loss (e.g. the architecture's input width is not the
/// number of feature columns), a validation set with other columns, an
/// `out` directory that already holds runs, training that diverges (NaN).
///
/// # Examples
///
/// ```
/// use saddlescope::*;
/// let data = load_dataset("builtin:moons(n=200)", &CsvOptions::default(), 0)?;
/// let arch = Architecture::parse("linear(2,16),tanh,linear(16,2)")?;
/// let settings = DiagnoseSettings { epochs: 30, ..DiagnoseSettings::default() };
/// let report = diagnose(&arch, &data, &Validation::Holdout(0.25), &settings)?;
/// assert_eq!(report.variants.len(), 3);
/// let smaller = report.variant(VariantRole::Smaller).unwrap();
/// assert_eq!(smaller.architecture, "linear(2,2)"); // the linear model
/// assert_eq!(report.given().train_curve().len(), 30);
/// assert_eq!((report.train_rows, report.val_rows), (150, 50));
/// assert!(report.explanation.starts_with(report.diagnosis.name()));
///
/// // The architecture must fit the data: 2 features, labels 0 and 1.
/// let wrong = Architecture::parse("linear(3,2)")?;
/// let err = diagnose(&wrong, &data, &Validation::Holdout(0.25), &settings).unwrap_err();
/// assert!(err.to_string().contains("expected 3 feature columns, found 2"), "{err}");
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn diagnose(
    arch: &Architecture,
    data: &Dataset,
    validation: &Validation,
    settings: &DiagnoseSettings,
) -> Result<DiagnoseReport> {
    settings.check()?;
    let (mut train, mut val) = match validation {
        Validation::Set(v) => (data.clone(), v.clone()),
        Validation::Holdout(f) => {
            if !(*f > 0.0 && *f < 1.0) {
                return Err(Error::InvalidSetting {
                    name: "holdout".into(),
                    message: format!(
                        "expected a fraction 0 < F < 1 of the rows held out for validation, got {f}"
                    ),
                });
            }
            data.split(*f, settings.seed)?
        }
    };
    if val.rows() == 0 {
        return Err(Error::InvalidInput(format!(
            "the validation set of {} has no rows: expected at least 1",
            val.source()
        )));
    }
    let scales = if settings.standardize {
        None
    } else {
        feature_scales(&train)?
    };
    if settings.standardize {
        let stats = train.standardize()?;
        val.apply_standardization(&stats)?;
    }
    let (smaller, bigger) = variants(arch)?;
    let mut archs = Vec::new();
    if let Some(s) = smaller {
        archs.push((VariantRole::Smaller, s));
    }
    archs.push((VariantRole::Given, arch.clone()));
    archs.push((VariantRole::Bigger, bigger));

    let (root, _cleanup) = match &settings.out {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "saddlescope-diagnose-{}-{}",
                std::process::id(),
                RUN_COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            (dir.clone(), Some(TempDir(dir)))
        }
    };
    // Built one after another so that the given network's errors (data that
    // does not fit it) come first and once; every check runs before the
    // first epoch.
    let train_settings = settings.train_settings()?;
    let mut order: Vec<usize> = (0..archs.len()).collect();
    order.sort_by_key(|&k| archs[k].0 != VariantRole::Given);
    let mut built: Vec<Option<Trainer>> = (0..archs.len()).map(|_| None).collect();
    for k in order {
        let (role, a) = &archs[k];
        let t = Trainer::new(
            Network::init(a, settings.seed)?,
            train.clone(),
            Some(val.clone()),
            settings.loss,
            0.0,
            &settings.optimizer,
            None,
            train_settings.clone(),
            root.join(role.name()),
        );
        built[k] = Some(t.map_err(|e| in_variant(e, *role, a))?);
    }
    let mut trainers: Vec<Trainer> = built.into_iter().flatten().collect();
    let base = baseline(&train, settings.loss, arch.output_width())?;
    let results: Vec<Result<(TrainReport, f64)>> = trainers
        .par_iter_mut()
        .map(|t| {
            let start = Instant::now();
            let report = t.run(&mut |_| {})?;
            Ok((report, start.elapsed().as_secs_f64()))
        })
        .collect();
    let mut runs = Vec::new();
    for ((role, a), result) in archs.iter().zip(results) {
        let (report, seconds) = result.map_err(|e| in_variant(e, *role, a))?;
        runs.push(variant_run(
            *role,
            a,
            report,
            seconds,
            settings.out.as_ref(),
        )?);
    }
    let arch_of = |role| &archs.iter().find(|(r, _)| *r == role).expect("trained").1;
    let mut nesting: Vec<Nesting> = Vec::new();
    for (deep, shallow) in [
        (VariantRole::Given, VariantRole::Smaller),
        (VariantRole::Bigger, VariantRole::Given),
    ] {
        if archs.iter().any(|(r, _)| *r == shallow) {
            nesting.push((
                (deep, shallow),
                variants::represents(arch_of(deep), arch_of(shallow)),
            ));
        }
    }
    let (diagnosis, reasoning, explanation) = decide(&runs, &base, &settings.criteria, &nesting);
    Ok(DiagnoseReport {
        data: data.source().to_string(),
        train_rows: train.rows(),
        val_rows: val.rows(),
        loss: settings.loss,
        optimizer: compact_spec(&settings.optimizer),
        epochs: settings.epochs,
        batch_size: settings.batch_size,
        seed: settings.seed,
        baseline: base,
        criteria: settings.criteria,
        variants: runs,
        advice: match (&diagnosis, scales) {
            (
                Diagnosis::ModelBias { .. }
                | Diagnosis::OptimizationIssue { .. }
                | Diagnosis::Inconclusive { .. },
                Some((lo, hi)),
            ) if hi / lo > SCALE_SPREAD => format!(
                "first standardise the features (--standardize): their scales (root mean \
                 square per column) run from {} to {} (×{}), which makes the loss surface a \
                 ravine that slows every optimiser (docs/lecture.md, section 7); then {}",
                num(lo),
                num(hi),
                num(hi / lo),
                diagnosis.advice()
            ),
            _ => diagnosis.advice().to_string(),
        },
        diagnosis,
        reasoning,
        explanation,
    })
}

/// Feature scales further apart than this get the advice to standardise.
const SCALE_SPREAD: f64 = 100.0;

/// The smallest and largest root mean square of the non-constant feature
/// columns (the diagonal of XᵀX/N, whose spread conditions the Hessian of
/// the first layer); `None` without such columns.
fn feature_scales(data: &Dataset) -> Result<Option<(f64, f64)>> {
    let stats = data.standardization()?;
    let rms: Vec<f64> = (0..data.features())
        .filter(|j| !stats.constant.contains(j))
        .map(|j| stats.mean[j].hypot(stats.std[j]))
        .filter(|r| *r > 0.0 && r.is_finite())
        .collect();
    Ok((!rms.is_empty()).then(|| {
        rms.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &r| {
            (lo.min(r), hi.max(r))
        })
    }))
}

/// Splits `a=1,b=(2,3)` at its top-level commas.
fn top_level_items(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// The optimiser's spec with only the learning rate and the keywords that
/// differ from PyTorch's defaults: `sgd(lr=0.1)` rather than the canonical
/// `sgd(lr=0.1,momentum=0,dampening=0,…)`.
fn compact_spec(spec: &OptimizerSpec) -> String {
    let full = spec.to_string();
    let Some(defaults) = OptimizerSpec::parse(spec.name())
        .ok()
        .map(|d| d.to_string())
    else {
        return full;
    };
    let inner = |t: &str| -> Option<String> {
        let open = t.find('(')?;
        t.strip_suffix(')').map(|t| t[open + 1..].to_string())
    };
    let (Some(ours), Some(theirs)) = (inner(&full), inner(&defaults)) else {
        return full;
    };
    let theirs = top_level_items(&theirs);
    let kept: Vec<&str> = top_level_items(&ours)
        .into_iter()
        .filter(|item| item.starts_with("lr=") || !theirs.contains(item))
        .collect();
    format!("{}({})", spec.name(), kept.join(","))
}

/// Names the variant in an error of one of the derived networks (the
/// given network's errors are the user's own and pass unchanged).
fn in_variant(e: Error, role: VariantRole, arch: &Architecture) -> Error {
    match (role, e) {
        (VariantRole::Given, e) => e,
        (_, Error::InvalidInput(m)) => {
            Error::InvalidInput(format!("the {} variant `{arch}`: {m}", role.describe()))
        }
        (_, Error::InvalidSetting { name, message }) => Error::InvalidSetting {
            name,
            message: format!("{message} (in the {} variant `{arch}`)", role.describe()),
        },
        (_, e) => e,
    }
}

fn variant_run(
    role: VariantRole,
    arch: &Architecture,
    report: TrainReport,
    seconds: f64,
    out: Option<&PathBuf>,
) -> Result<VariantRun> {
    let last = report.epochs.last().ok_or_else(|| {
        Error::InvalidInput(format!("the {} network ran no epoch", role.describe()))
    })?;
    let (best_val_epoch, best_val_loss) = report
        .epochs
        .iter()
        .filter_map(|e| e.val_loss.map(|v| (e.epoch, v)))
        .fold(
            (0, f64::INFINITY),
            |best, (e, v)| {
                if v < best.1 { (e, v) } else { best }
            },
        );
    Ok(VariantRun {
        role,
        architecture: arch.to_string(),
        widths: width_profile(arch),
        hidden_layers: hidden_layers(arch),
        params: arch.n_params(),
        train_loss: last.train_loss,
        best_train_loss: report
            .epochs
            .iter()
            .map(|e| e.train_loss)
            .fold(f64::INFINITY, f64::min),
        val_loss: last.val_loss.unwrap_or(f64::NAN),
        best_val_loss,
        best_val_epoch,
        train_accuracy: last.train_accuracy,
        val_accuracy: last.val_accuracy,
        grad_norm: last.grad_norm,
        epochs: last.epoch,
        seconds,
        dir: out.map(|d| d.join(role.name())),
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimizer_specs_are_shown_with_their_non_default_keywords() {
        let c = |s: &str| compact_spec(&OptimizerSpec::parse(s).unwrap());
        assert_eq!(c("sgd(lr=0.1)"), "sgd(lr=0.1)");
        assert_eq!(c("sgd(lr=0.1,momentum=0.9)"), "sgd(lr=0.1,momentum=0.9)");
        assert_eq!(c("adam(lr=0.01)"), "adam(lr=0.01)");
        assert_eq!(
            c("adam(lr=0.01,betas=(0.8,0.9))"),
            "adam(lr=0.01,betas=(0.8,0.9))"
        );
        assert_eq!(c("gd(lr=0.5)"), "gd(lr=0.5)");
    }
}
