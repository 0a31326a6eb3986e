//! The mini-batch training loop, its checkpoints and its logs.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::settings::{ScheduleInterval, TrainSettings};
use super::stall::{Stall, StallAnalysis, StallDetector, StallEscape, StallKind};
use crate::data::Rng;
use crate::nn::META_TRAIN;
use crate::{
    AnalysisSettings, BatchNormMode, Checkpoint, Dataset, Error, EscapeSettings, LanczosSettings,
    Layer, Loss, Network, NetworkObjective, NetworkOptions, Optimizer, OptimizerSpec, Result,
    ScheduleSpec, Scheduler, Tensor, TwiceDifferentiable, analyze, analyze_matrix_free,
};

/// Prefix of the optimizer-state tensors in `checkpoint.safetensors`.
const OPTIMIZER_PREFIX: &str = "optimizer.";

/// One optimizer step's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The step since the start of training, from 1.
    pub step: u64,
    /// The mean loss over the batch, before the step.
    pub batch_loss: f64,
    /// ‖∇‖ of the batch loss.
    pub grad_norm: f64,
    /// The learning rate the step used.
    pub lr: f64,
}

/// One epoch's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpochRecord {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Optimizer steps so far.
    pub steps: u64,
    /// The full-data training loss at the end of the epoch (BatchNorm with
    /// running statistics, as `model.eval()`).
    pub train_loss: f64,
    /// The training accuracy (classification), else `None`.
    pub train_accuracy: Option<f64>,
    /// ‖∇L‖ of the full-data training loss at the end of the epoch.
    pub grad_norm: f64,
    /// The mean of the batch losses during the epoch.
    pub batch_loss_mean: f64,
    /// The validation loss, when there is a validation set.
    pub val_loss: Option<f64>,
    /// The validation accuracy.
    pub val_accuracy: Option<f64>,
    /// The learning rate at the end of the epoch (after the schedule).
    pub lr: f64,
    /// Wall-clock seconds of the epoch's steps.
    pub seconds: f64,
    /// The stall detected at the end of this epoch, if any.
    pub stall: Option<Stall>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// All epochs ran.
    Completed,
    /// Early stopping: the monitored loss stopped improving.
    EarlyStopped,
}

/// What [`Trainer::run`] returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainReport {
    /// Every epoch run in this call (after a resume, only the new ones).
    pub epochs: Vec<EpochRecord>,
    /// How it ended.
    pub finish: Finish,
    /// The lowest monitored loss (validation if there is a validation set).
    pub best_loss: f64,
    /// The epoch it was reached in.
    pub best_epoch: usize,
}

/// Progress reported while training.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// A step finished: (epoch, step within the epoch, steps per epoch).
    Step(usize, usize, usize),
    /// An epoch finished.
    Epoch(&'a EpochRecord),
}

/// The serialisable part of the trainer's state.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
struct State {
    epoch: usize,
    step: u64,
    best_loss: f64,
    best_epoch: usize,
    since_best: usize,
    stall_losses: Vec<f64>,
    /// The schedule's state, each value as its f64 bits in hex (exact, and
    /// ±∞ survive).
    schedule: BTreeMap<String, Vec<String>>,
    /// Bytes in each log file when this state was written: a resume cuts
    /// the logs back to them.
    log_bytes: BTreeMap<String, u64>,
    optimizer: String,
    schedule_spec: Option<String>,
    loss: String,
    l2: f64,
    settings: Value,
    /// FNV-1a of the training and validation sets' bits, so that a resume
    /// on other data (another --seed, --scale or split) is refused.
    data: String,
}

/// FNV-1a over a data set's shape, inputs and targets.
fn fingerprint(train: &Dataset, validation: Option<&Dataset>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for d in std::iter::once(train).chain(validation) {
        eat(d.rows() as u64);
        eat(d.features() as u64);
        for v in d.inputs().iter().chain(d.targets()) {
            eat(v.to_bits());
        }
    }
    format!("{h:016x}")
}

/// A mini-batch trainer for a [`Network`] on a [`Dataset`], with an
/// [`Optimizer`] and an optional [`Scheduler`], writing checkpoints and logs
/// into a run directory:
///
/// - `checkpoint.safetensors`: parameters, buffers, optimizer state and
///   (in the metadata) the schedule and trainer state, written atomically
///   after the first and the last epoch and in between at most once per
///   [`TrainSettings::with_checkpoint_seconds`] (default 1 s);
///   [`Trainer::resume`] continues from it bit for bit;
/// - `model.safetensors`: the network alone, in saddlescope's format (it
///   loads in `saddlescope classify` without `--arch`);
/// - `epochs.csv` and `log.jsonl`: one row per epoch, and one JSON record
///   per step (`"kind": "step"`), epoch (`"epoch"`) and stall (`"stall"`).
///
/// Epoch e shuffles with stream e of the seed, so the order of rows does not
/// depend on anything but the seed and the epoch. NaN or ∞ in a loss,
/// gradient or parameter stops training with an error; the last checkpoint
/// stays as it was.
///
/// # Examples
///
/// ```
/// use saddlescope::*;
/// let data = load_dataset("builtin:moons(n=200)", &CsvOptions::default(), 0).unwrap();
/// let arch = Architecture::parse("linear(2,8),tanh,linear(8,2)").unwrap();
/// let dir = std::env::temp_dir().join(format!("saddlescope-doc-train-{}", std::process::id()));
/// let mut t = Trainer::new(
///     Network::init(&arch, 0).unwrap(), data, None, Loss::CrossEntropy, 0.0,
///     &OptimizerSpec::parse("adam(lr=0.05)").unwrap(), None,
///     TrainSettings::default().with_epochs(30).unwrap(), &dir,
/// ).unwrap();
/// let report = t.run(&mut |_| {}).unwrap();
/// assert!(report.epochs.last().unwrap().train_accuracy.unwrap() > 0.8);
/// std::fs::remove_dir_all(dir).unwrap();
/// ```
pub struct Trainer {
    network: Network,
    train: Dataset,
    validation: Option<Dataset>,
    loss: Loss,
    l2: f64,
    optimizer: Optimizer,
    scheduler: Option<Scheduler>,
    settings: TrainSettings,
    dir: PathBuf,
    state: State,
    has_batch_norm: bool,
}

fn hex(values: &[f64]) -> Vec<String> {
    values
        .iter()
        .map(|v| format!("{:016x}", v.to_bits()))
        .collect()
}

fn unhex(values: &[String]) -> Result<Vec<f64>> {
    values
        .iter()
        .map(|h| {
            u64::from_str_radix(h, 16)
                .map(f64::from_bits)
                .map_err(|e| Error::InvalidInput(format!("bad schedule state `{h}`: {e}")))
        })
        .collect()
}

fn io_error(action: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        action: action.into(),
        path: path.display().to_string(),
        reason: e,
    }
}

impl Trainer {
    /// A new run in `dir` (created; an existing run there is refused so
    /// that nothing is overwritten — resume it instead).
    ///
    /// # Errors
    ///
    /// Data that does not fit the network or the loss, a validation set
    /// with other columns, BatchNorm with batches of one row (PyTorch
    /// refuses them too), a directory that already holds a run or cannot
    /// be created, an invalid optimizer or schedule.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        network: Network,
        train: Dataset,
        validation: Option<Dataset>,
        loss: Loss,
        l2: f64,
        optimizer: &OptimizerSpec,
        schedule: Option<&ScheduleSpec>,
        settings: TrainSettings,
        dir: impl AsRef<Path>,
    ) -> Result<Trainer> {
        let dir = dir.as_ref().to_path_buf();
        if dir.join("checkpoint.safetensors").exists() {
            return Err(Error::InvalidInput(format!(
                "{} already holds a training run (checkpoint.safetensors); resume it or choose another --out",
                dir.display()
            )));
        }
        let mut optimizer = Optimizer::new(optimizer, network.params().len())?;
        let scheduler = schedule
            .map(|s| Scheduler::new(s, &mut optimizer))
            .transpose()?;
        let state = State {
            epoch: 0,
            step: 0,
            best_loss: f64::INFINITY,
            best_epoch: 0,
            since_best: 0,
            stall_losses: Vec::new(),
            schedule: BTreeMap::new(),
            log_bytes: BTreeMap::new(),
            optimizer: optimizer.spec().to_string(),
            schedule_spec: schedule.map(|s| s.to_string()),
            loss: loss.to_string(),
            l2,
            settings: serde_json::to_value(&settings).unwrap_or(Value::Null),
            data: fingerprint(&train, validation.as_ref()),
        };
        let trainer = Trainer::assemble(
            network, train, validation, loss, l2, optimizer, scheduler, settings, dir, state,
        )?;
        // Everything checked: now the directory and fresh logs with headers.
        fs::create_dir_all(&trainer.dir)
            .map_err(|e| io_error("create the run directory", &trainer.dir, e))?;
        let csv = trainer.dir.join("epochs.csv");
        fs::write(&csv, format!("{}\n", EPOCH_COLUMNS.join(",")))
            .map_err(|e| io_error("write", &csv, e))?;
        let jsonl = trainer.dir.join("log.jsonl");
        fs::write(&jsonl, "").map_err(|e| io_error("write", &jsonl, e))?;
        Ok(trainer)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        network: Network,
        train: Dataset,
        validation: Option<Dataset>,
        loss: Loss,
        l2: f64,
        optimizer: Optimizer,
        scheduler: Option<Scheduler>,
        settings: TrainSettings,
        dir: PathBuf,
        state: State,
    ) -> Result<Trainer> {
        let has_batch_norm = network
            .arch()
            .layers()
            .iter()
            .any(|l| matches!(l, Layer::BatchNorm { .. }));
        let batch = settings.batch_size.min(train.rows());
        if has_batch_norm && (batch < 2 || train.rows() % batch == 1) {
            return Err(Error::InvalidSetting {
                name: "batch size".into(),
                message: format!(
                    "BatchNorm in training needs at least 2 rows in every batch; batches of {batch} \
                     from {} rows leave one of a single row (PyTorch refuses it too)",
                    train.rows()
                ),
            });
        }
        if let Some(v) = &validation
            && v.features() != train.features()
        {
            return Err(Error::DimensionMismatch {
                what: "validation set".into(),
                expected: format!("{} feature columns, as the training set", train.features()),
                found: format!("{}", v.features()),
            });
        }
        if scheduler.as_ref().is_some_and(Scheduler::needs_metric)
            && settings.schedule_interval == ScheduleInterval::Step
        {
            return Err(Error::InvalidSetting {
                name: "schedule interval".into(),
                message:
                    "reducelronplateau watches a loss once per epoch; it cannot step per batch"
                        .into(),
            });
        }
        // Check the data against the network and loss once, up front.
        let options = NetworkOptions {
            batch_norm: BatchNormMode::Eval,
            l2,
        };
        NetworkObjective::new(&network, &train, loss, options.clone())?;
        if let Some(v) = &validation {
            NetworkObjective::new(&network, v, loss, options)?;
        }
        Ok(Trainer {
            network,
            train,
            validation,
            loss,
            l2,
            optimizer,
            scheduler,
            settings,
            dir,
            state,
            has_batch_norm,
        })
    }

    /// Continues the run in `dir` from its last checkpoint, with the same
    /// data (checked by shape), for `epochs` epochs in all (`None`: as
    /// first asked). The continuation is bit-identical to a run that was
    /// never interrupted; the logs are cut back to the checkpoint.
    ///
    /// # Errors
    ///
    /// No checkpoint in `dir`, a checkpoint not written by the trainer, or
    /// data that does not fit.
    pub fn resume(
        dir: impl AsRef<Path>,
        train: Dataset,
        validation: Option<Dataset>,
        epochs: Option<usize>,
    ) -> Result<Trainer> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join("checkpoint.safetensors");
        let checkpoint = Checkpoint::read(&path)?;
        let bad = |message: String| Error::Checkpoint {
            path: path.display().to_string(),
            message,
        };
        let state: State = checkpoint
            .metadata()
            .get(META_TRAIN)
            .ok_or_else(|| bad("no trainer state: not written by `saddlescope train`".into()))
            .and_then(|s| {
                serde_json::from_str(s).map_err(|e| bad(format!("unreadable trainer state: {e}")))
            })?;
        let mut net_part = Checkpoint::new();
        let mut optimizer_state = BTreeMap::new();
        for (name, tensor) in checkpoint.iter() {
            match name.strip_prefix(OPTIMIZER_PREFIX) {
                Some(key) => {
                    optimizer_state.insert(key.to_string(), tensor.data.clone());
                }
                None => {
                    net_part.insert(name.to_string(), tensor.clone());
                }
            }
        }
        for (k, v) in checkpoint.metadata() {
            if k != META_TRAIN {
                net_part = net_part.with_metadata(k.clone(), v.clone());
            }
        }
        let arch = checkpoint
            .metadata()
            .get(crate::META_ARCH)
            .ok_or_else(|| bad("no architecture in the metadata".into()))?
            .parse()?;
        let network = Network::from_checkpoint(net_part, arch)?;
        let loss: Loss = state.loss.parse()?;
        let mut optimizer = Optimizer::new(
            &OptimizerSpec::parse(&state.optimizer)?,
            network.params().len(),
        )?;
        let mut scheduler = state
            .schedule_spec
            .as_deref()
            .map(|s| Scheduler::new(&ScheduleSpec::parse(s)?, &mut optimizer))
            .transpose()?;
        optimizer.load_state(&optimizer_state)?;
        if let Some(s) = &mut scheduler {
            let decoded = state
                .schedule
                .iter()
                .map(|(k, v)| Ok((k.clone(), unhex(v)?)))
                .collect::<Result<BTreeMap<_, _>>>()?;
            s.load_state(&decoded)?;
        }
        if fingerprint(&train, validation.as_ref()) != state.data {
            return Err(Error::InvalidInput(format!(
                "the data differ from those the run in {} was trained on ({} training rows given); \
                 resume with the same --data, --target, --scale, --standardize, --validation and --seed",
                dir.display(),
                train.rows()
            )));
        }
        let mut settings: TrainSettings = settings_from(&state.settings)
            .ok_or_else(|| bad("unreadable training settings".into()))?;
        if let Some(e) = epochs {
            settings = settings.with_epochs(e)?;
        }
        let l2 = state.l2;
        // Cut the logs back to what they held at the checkpoint.
        for (file, bytes) in &state.log_bytes {
            let p = dir.join(file);
            let f = OpenOptions::new()
                .write(true)
                .open(&p)
                .map_err(|e| io_error("open", &p, e))?;
            f.set_len(*bytes).map_err(|e| io_error("truncate", &p, e))?;
        }
        Trainer::assemble(
            network, train, validation, loss, l2, optimizer, scheduler, settings, dir, state,
        )
    }

    /// The settings a run in `dir` was started with (to reload its data the
    /// same way before [`Trainer::resume`]).
    ///
    /// # Errors
    ///
    /// No trainer checkpoint in `dir`.
    pub fn settings_of(dir: impl AsRef<Path>) -> Result<TrainSettings> {
        let path = dir.as_ref().join("checkpoint.safetensors");
        let checkpoint = Checkpoint::read(&path)?;
        let bad = |message: &str| Error::Checkpoint {
            path: path.display().to_string(),
            message: message.into(),
        };
        let state: State = checkpoint
            .metadata()
            .get(META_TRAIN)
            .ok_or_else(|| bad("no trainer state: not written by `saddlescope train`"))
            .and_then(|s| serde_json::from_str(s).map_err(|_| bad("unreadable trainer state")))?;
        settings_from(&state.settings).ok_or_else(|| bad("unreadable training settings"))
    }

    /// The network as trained so far.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Epochs completed (including those before a resume).
    pub fn epochs_done(&self) -> usize {
        self.state.epoch
    }

    /// Trains until the epochs are done or early stopping ends the run.
    ///
    /// # Errors
    ///
    /// NaN or ∞ in a loss, gradient or parameter (the message names the
    /// epoch and step; the last checkpoint is left intact), or a file that
    /// cannot be written.
    pub fn run(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<TrainReport> {
        let rows = self.train.rows();
        let batch = self.settings.batch_size.min(rows);
        let steps_per_epoch = rows.div_ceil(batch);
        let mut params = self.network.params().as_slice().to_vec();
        let mut epochs = Vec::new();
        let mut finish = Finish::Completed;
        let jsonl_path = self.dir.join("log.jsonl");
        let csv_path = self.dir.join("epochs.csv");
        let mut last_save = Instant::now();
        // Batch gradients: in training mode BatchNorm uses batch statistics,
        // so the running buffers the objective holds are not read.
        let objective = NetworkObjective::new(
            &self.network,
            &self.train,
            self.loss,
            NetworkOptions {
                batch_norm: if self.has_batch_norm {
                    BatchNormMode::Train
                } else {
                    BatchNormMode::Eval
                },
                l2: self.l2,
            },
        )?;
        while self.state.epoch < self.settings.epochs {
            let epoch = self.state.epoch + 1;
            let start = Instant::now();
            let order: Vec<usize> = if self.settings.shuffle {
                Rng::with_stream(self.settings.seed, epoch as u64).permutation(rows)
            } else {
                (0..rows).collect()
            };
            let mut steps = Vec::with_capacity(if self.settings.log_steps {
                steps_per_epoch
            } else {
                0
            });
            let mut batch_loss_sum = 0.0;
            for (i, rows) in order.chunks(batch).enumerate() {
                let step = self.state.step + 1;
                let g = objective
                    .batch_gradient(&params, rows)
                    .map_err(|e| diverged(e, epoch, step, &self.dir))?;
                if self.has_batch_norm {
                    self.network
                        .update_batch_norm(&g.batch_norm, self.settings.bn_momentum)?;
                }
                let lr = self.optimizer.lr();
                self.optimizer.step(&mut params, &g.gradient)?;
                if let Some(bad) = params.iter().position(|p| !p.is_finite()) {
                    return Err(diverged(
                        Error::NonFinite {
                            what: "a parameter after the optimizer step".into(),
                            detail: format!("parameter {bad} is {}", params[bad]),
                        },
                        epoch,
                        step,
                        &self.dir,
                    ));
                }
                if self.settings.schedule_interval == ScheduleInterval::Step
                    && let Some(s) = &mut self.scheduler
                {
                    s.step(&mut self.optimizer, None)?;
                }
                self.state.step = step;
                batch_loss_sum += g.loss;
                if self.settings.log_steps {
                    steps.push(StepRecord {
                        epoch,
                        step,
                        batch_loss: g.loss,
                        grad_norm: g.gradient.iter().map(|x| x * x).sum::<f64>().sqrt(),
                        lr,
                    });
                }
                progress(Progress::Step(epoch, i + 1, steps_per_epoch));
            }
            let seconds = start.elapsed().as_secs_f64();
            self.network = self
                .network
                .with_params(nalgebra::DVector::from_vec(params.clone()))?;
            // Full-data numbers with running statistics, as model.eval().
            let eval_options = NetworkOptions {
                batch_norm: BatchNormMode::Eval,
                l2: self.l2,
            };
            let full =
                NetworkObjective::new(&self.network, &self.train, self.loss, eval_options.clone())?;
            let (train_loss, train_accuracy) = full.loss_and_accuracy(&params)?;
            let (_, gradient) = full.gradient(&params)?;
            let grad_norm = gradient.norm();
            let (val_loss, val_accuracy) = match &self.validation {
                Some(v) => {
                    let f = NetworkObjective::new(&self.network, v, self.loss, eval_options)?;
                    let (l, a) = f.loss_and_accuracy(&params)?;
                    (Some(l), a)
                }
                None => (None, None),
            };
            let monitored = val_loss.unwrap_or(train_loss);
            if self.settings.schedule_interval == ScheduleInterval::Epoch
                && let Some(s) = &mut self.scheduler
            {
                let metric = s.needs_metric().then_some(monitored);
                s.step(&mut self.optimizer, metric)?;
            }
            let (stall, escaped) =
                self.detect_stall(&full, &params, epoch, train_loss, gradient.as_slice())?;
            if let Some(point) = escaped {
                params = point;
                self.network = self
                    .network
                    .with_params(nalgebra::DVector::from_vec(params.clone()))?;
            }
            let record = EpochRecord {
                epoch,
                steps: self.state.step,
                train_loss,
                train_accuracy,
                grad_norm,
                batch_loss_mean: batch_loss_sum / steps_per_epoch as f64,
                val_loss,
                val_accuracy,
                lr: self.optimizer.lr(),
                seconds,
                stall,
            };
            // Early stopping.
            if monitored < self.state.best_loss - self.settings.min_delta {
                self.state.best_loss = monitored;
                self.state.best_epoch = epoch;
                self.state.since_best = 0;
            } else {
                self.state.since_best += 1;
            }
            self.state.epoch = epoch;
            self.append_logs(&jsonl_path, &csv_path, &steps, &record)?;
            let stop = self
                .settings
                .patience
                .is_some_and(|p| self.state.since_best >= p);
            if stop
                || epoch == self.settings.epochs
                || !self.dir.join("checkpoint.safetensors").exists()
                || last_save.elapsed().as_secs_f64() >= self.settings.checkpoint_seconds
            {
                self.save()?;
                last_save = Instant::now();
            }
            progress(Progress::Epoch(&record));
            epochs.push(record);
            if stop {
                finish = Finish::EarlyStopped;
                break;
            }
        }
        Ok(TrainReport {
            epochs,
            finish,
            best_loss: self.state.best_loss,
            best_epoch: self.state.best_epoch,
        })
    }

    fn detect_stall(
        &mut self,
        full: &NetworkObjective,
        params: &[f64],
        epoch: usize,
        loss: f64,
        gradient: &[f64],
    ) -> Result<(Option<Stall>, Option<Vec<f64>>)> {
        let s = &self.settings;
        let mut detector = StallDetector {
            losses: std::mem::take(&mut self.state.stall_losses),
        };
        let fired = detector.observe(loss, s.stall_window, s.stall_improvement);
        self.state.stall_losses = detector.losses;
        let Some(relative_improvement) = fired else {
            return Ok((None, None));
        };
        let grad_norm = gradient.iter().map(|x| x * x).sum::<f64>().sqrt();
        let kind = if grad_norm <= s.small_gradient {
            StallKind::NearCriticalPoint
        } else {
            StallKind::Ravine
        };
        let curvature = if grad_norm > 0.0 {
            let hv = full.hvp(params, gradient)?;
            hv.product
                .iter()
                .zip(gradient)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / (grad_norm * grad_norm)
        } else {
            0.0
        };
        let analysis = if s.analyze_stalls {
            Some(stall_analysis(
                full,
                params,
                s.dense_budget,
                s.small_gradient,
            )?)
        } else {
            None
        };
        let mut escaped = None;
        let escape = if s.escape_saddles && kind == StallKind::NearCriticalPoint {
            let settings = EscapeSettings::default()
                .with_dense_budget(s.dense_budget)
                .with_seed(s.seed);
            match crate::escape_step(full, params, &settings) {
                Ok(step) => {
                    let e = StallEscape {
                        lambda_min: step.lambda_min,
                        step_length: step.step_length,
                        loss_before: step.loss_before,
                        loss_after: step.loss_after,
                    };
                    escaped = Some(step.point);
                    Some(e)
                }
                // No negative curvature: a minimum or degenerate, not a saddle.
                Err(Error::InvalidInput(_)) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        Ok((
            Some(Stall {
                epoch,
                kind,
                loss,
                relative_improvement,
                grad_norm,
                curvature_along_gradient: curvature,
                lr_times_curvature: self.optimizer.lr() * curvature,
                analysis,
                escape,
                params: params.to_vec(),
            }),
            escaped,
        ))
    }

    fn append_logs(
        &mut self,
        jsonl_path: &Path,
        csv_path: &Path,
        steps: &[StepRecord],
        record: &EpochRecord,
    ) -> Result<()> {
        let open = |p: &Path| {
            OpenOptions::new()
                .append(true)
                .open(p)
                .map(BufWriter::new)
                .map_err(|e| io_error("append to", p, e))
        };
        let mut jsonl = open(jsonl_path)?;
        fn write_err(p: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
            move |e| io_error("write", p, e)
        }
        for s in steps {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            v["kind"] = "step".into();
            writeln!(jsonl, "{v}").map_err(write_err(jsonl_path))?;
        }
        let mut v = serde_json::to_value(record).unwrap_or(Value::Null);
        v["kind"] = "epoch".into();
        writeln!(jsonl, "{v}").map_err(write_err(jsonl_path))?;
        if let Some(stall) = &record.stall {
            let mut v = serde_json::to_value(stall).unwrap_or(Value::Null);
            v["kind"] = "stall".into();
            v["message"] = stall.describe().into();
            writeln!(jsonl, "{v}").map_err(write_err(jsonl_path))?;
            if let Some(e) = &stall.escape {
                let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
                v["kind"] = "escape".into();
                v["epoch"] = record.epoch.into();
                writeln!(jsonl, "{v}").map_err(write_err(jsonl_path))?;
            }
        }
        jsonl.flush().map_err(write_err(jsonl_path))?;
        let mut csv = open(csv_path)?;
        let opt = |x: Option<f64>| x.map_or(String::new(), csv_num);
        let stall = record.stall.as_ref().map_or(String::new(), |s| {
            let verdict = s
                .analysis
                .as_ref()
                .map_or(String::new(), |a| format!(" ({})", a.verdict));
            format!("{}{verdict}", s.kind.as_str())
        });
        writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{}",
            record.epoch,
            record.steps,
            csv_num(record.train_loss),
            opt(record.train_accuracy),
            csv_num(record.grad_norm),
            csv_num(record.batch_loss_mean),
            opt(record.val_loss),
            opt(record.val_accuracy),
            csv_num(record.lr),
            csv_num(record.seconds),
            stall
        )
        .map_err(write_err(csv_path))?;
        csv.flush().map_err(write_err(csv_path))?;
        for (name, path) in [("log.jsonl", jsonl_path), ("epochs.csv", csv_path)] {
            let len = fs::metadata(path)
                .map_err(|e| io_error("read the size of", path, e))?
                .len();
            self.state.log_bytes.insert(name.into(), len);
        }
        Ok(())
    }

    /// Writes `checkpoint.safetensors` (everything to resume from) and
    /// `model.safetensors` (the network), each atomically.
    fn save(&mut self) -> Result<()> {
        self.state.schedule = self
            .scheduler
            .as_ref()
            .map(|s| s.state().iter().map(|(k, v)| (k.clone(), hex(v))).collect())
            .unwrap_or_default();
        self.state.optimizer = self.optimizer.spec().to_string();
        self.state.settings = serde_json::to_value(&self.settings).unwrap_or(Value::Null);
        let mut checkpoint = self.network.checkpoint().clone();
        for (key, values) in self.optimizer.state() {
            let tensor = Tensor::new(vec![values.len()], values)?;
            checkpoint.insert(format!("{OPTIMIZER_PREFIX}{key}"), tensor);
        }
        let state = serde_json::to_string(&self.state).map_err(|e| {
            Error::InvalidInput(format!("the trainer state does not serialise: {e}"))
        })?;
        checkpoint
            .with_metadata(crate::META_ARCH, self.network.arch().to_string())
            .with_metadata(crate::META_LOSS, self.loss.to_string())
            .with_metadata(META_TRAIN, state)
            .write(self.dir.join("checkpoint.safetensors"))?;
        self.network.save(
            self.dir.join("model.safetensors"),
            &[(crate::META_LOSS, &self.loss.to_string())],
        )
    }
}

/// Shortest round-trip digits; scientific outside [1e-4, 1e15) so that no
/// field runs to hundreds of digits.
fn csv_num(v: f64) -> String {
    if v == 0.0 || (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// The columns of `epochs.csv`.
pub const EPOCH_COLUMNS: [&str; 11] = [
    "epoch",
    "steps",
    "train_loss",
    "train_accuracy",
    "grad_norm",
    "batch_loss_mean",
    "val_loss",
    "val_accuracy",
    "lr",
    "seconds",
    "stall",
];

fn settings_from(v: &Value) -> Option<TrainSettings> {
    let d = TrainSettings::default();
    let u = |k: &str| v[k].as_u64().map(|x| x as usize);
    let f = |k: &str| v[k].as_f64();
    Some(TrainSettings {
        epochs: u("epochs")?,
        batch_size: u("batch_size")?,
        seed: v["seed"].as_u64()?,
        shuffle: v["shuffle"].as_bool()?,
        schedule_interval: match v["schedule_interval"].as_str()? {
            "step" => ScheduleInterval::Step,
            _ => ScheduleInterval::Epoch,
        },
        bn_momentum: f("bn_momentum")?,
        patience: u("patience"),
        min_delta: f("min_delta").unwrap_or(d.min_delta),
        stall_window: u("stall_window")?,
        stall_improvement: f("stall_improvement")?,
        small_gradient: f("small_gradient")?,
        analyze_stalls: v["analyze_stalls"].as_bool()?,
        dense_budget: u("dense_budget")?,
        log_steps: v["log_steps"].as_bool()?,
        escape_saddles: v["escape_saddles"].as_bool().unwrap_or(false),
        checkpoint_seconds: f("checkpoint_seconds").unwrap_or(d.checkpoint_seconds),
    })
}

/// Wraps a non-finite error with where training was and what is safe.
fn diverged(e: Error, epoch: usize, step: u64, dir: &Path) -> Error {
    match e {
        Error::NonFinite { what, detail } => Error::NonFinite {
            what: format!("training diverged at epoch {epoch}, step {step}: {what}"),
            detail: format!(
                "{detail}; the last good checkpoint, {}, is intact: resume from it, or start a new run \
                 from its model with a lower learning rate (--init {})",
                dir.join("checkpoint.safetensors").display(),
                dir.join("model.safetensors").display()
            ),
        },
        other => other,
    }
}

/// The verdict at stalled parameters: dense up to `budget` parameters,
/// Lanczos above.
/// The gradient counts as zero up to the stall detector's `small_gradient`,
/// so that a stall "near a critical point" is classified as one.
fn stall_analysis(
    f: &NetworkObjective,
    params: &[f64],
    budget: usize,
    small_gradient: f64,
) -> Result<StallAnalysis> {
    let settings = AnalysisSettings::default()
        .with_tolerances(crate::Tolerances::default().with_grad(small_gradient)?);
    if params.len() <= budget {
        let a = analyze(f, params, &settings)?;
        let c = &a.classification;
        Ok(StallAnalysis {
            verdict: c.verdict,
            method: "dense",
            lambda_min: c.lambda_min,
            lambda_max: c.lambda_max,
            index: Some(c.index),
            min_ratio: Some(c.min_ratio),
            explanation: c.explanation(),
        })
    } else {
        let a = analyze_matrix_free(f, params, &settings, &LanczosSettings::default())?;
        let c = &a.classification;
        Ok(StallAnalysis {
            verdict: c.verdict,
            method: "lanczos",
            lambda_min: c.lambda_min,
            lambda_max: c.lambda_max,
            index: None,
            min_ratio: None,
            explanation: c.explanation(),
        })
    }
}
