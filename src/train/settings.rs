//! What a training run is asked to do, validated in one place.

use serde::Serialize;

use crate::{Error, Result};

/// When the learning-rate schedule steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleInterval {
    /// Once per epoch, after it (PyTorch's usual `scheduler.step()` place).
    Epoch,
    /// After every optimizer step (OneCycleLR, warm-up counted in steps).
    Step,
}

/// Settings of a [`Trainer`](crate::Trainer). `Default`: 20 epochs, batches
/// of 32 rows, shuffled with seed 0, schedule stepped per epoch, BatchNorm
/// momentum 0.1, no early stopping, stall detection over 5 epochs at 1e-3
/// relative improvement with gradients below 1e-3 counted as small, no
/// Hessian analysis at stalls, per-step logs on.
///
/// # Examples
///
/// ```
/// use saddlescope::TrainSettings;
/// let s = TrainSettings::default().with_epochs(3).unwrap().with_batch_size(1).unwrap();
/// assert_eq!((s.epochs(), s.batch_size()), (3, 1));
/// assert!(TrainSettings::default().with_batch_size(0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSettings {
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) seed: u64,
    pub(crate) shuffle: bool,
    pub(crate) schedule_interval: ScheduleInterval,
    pub(crate) bn_momentum: f64,
    pub(crate) patience: Option<usize>,
    pub(crate) min_delta: f64,
    pub(crate) stall_window: usize,
    pub(crate) stall_improvement: f64,
    pub(crate) small_gradient: f64,
    pub(crate) analyze_stalls: bool,
    pub(crate) dense_budget: usize,
    pub(crate) log_steps: bool,
    pub(crate) checkpoint_seconds: f64,
    pub(crate) escape_saddles: bool,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 20,
            batch_size: 32,
            seed: 0,
            shuffle: true,
            schedule_interval: ScheduleInterval::Epoch,
            bn_momentum: 0.1,
            patience: None,
            min_delta: 0.0,
            stall_window: 5,
            stall_improvement: 1e-3,
            small_gradient: 1e-3,
            analyze_stalls: false,
            dense_budget: 3000,
            log_steps: true,
            checkpoint_seconds: 1.0,
            escape_saddles: false,
        }
    }
}

fn invalid(name: &str, message: String) -> Error {
    Error::InvalidSetting {
        name: name.into(),
        message,
    }
}

impl TrainSettings {
    /// Epochs to run (in all, counting those before a resume).
    ///
    /// # Errors
    ///
    /// 0.
    pub fn with_epochs(mut self, epochs: usize) -> Result<Self> {
        if epochs == 0 {
            return Err(invalid("epochs", "expected at least 1 epoch, got 0".into()));
        }
        self.epochs = epochs;
        Ok(self)
    }
    /// Rows per mini-batch, from 1 to the whole set (larger means the whole
    /// set).
    ///
    /// # Errors
    ///
    /// 0.
    pub fn with_batch_size(mut self, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(invalid(
                "batch size",
                "expected at least 1 row per batch, got 0".into(),
            ));
        }
        self.batch_size = batch_size;
        Ok(self)
    }
    /// The seed of the shuffling (epoch e uses stream e of it).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Whether to shuffle the rows each epoch.
    pub fn with_shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// When the schedule steps.
    pub fn with_schedule_interval(mut self, interval: ScheduleInterval) -> Self {
        self.schedule_interval = interval;
        self
    }
    /// Early stopping: stop after `patience` epochs without the monitored
    /// loss (validation if there is a validation set, else training) falling
    /// by more than `min_delta`.
    ///
    /// # Errors
    ///
    /// Patience 0 or a negative or non-finite `min_delta`.
    pub fn with_early_stopping(mut self, patience: usize, min_delta: f64) -> Result<Self> {
        if patience == 0 {
            return Err(invalid(
                "patience",
                "expected at least 1 epoch, got 0".into(),
            ));
        }
        if !(min_delta.is_finite() && min_delta >= 0.0) {
            return Err(invalid(
                "min_delta",
                format!("expected a finite number ≥ 0, got {min_delta}"),
            ));
        }
        self.patience = Some(patience);
        self.min_delta = min_delta;
        Ok(self)
    }
    /// Stall detection: stalled when the training loss fell by less than
    /// `improvement` (relative) over the last `window` epochs; the
    /// gradient counts as small at ‖∇L‖ ≤ `small_gradient`.
    ///
    /// # Errors
    ///
    /// A window of 0, or thresholds not finite and positive.
    pub fn with_stall_detection(
        mut self,
        window: usize,
        improvement: f64,
        small_gradient: f64,
    ) -> Result<Self> {
        if window == 0 {
            return Err(invalid(
                "stall window",
                "expected at least 1 epoch, got 0".into(),
            ));
        }
        for (name, v) in [
            ("stall improvement", improvement),
            ("small gradient", small_gradient),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(
                    name,
                    format!("expected a finite number > 0, got {v}"),
                ));
            }
        }
        self.stall_window = window;
        self.stall_improvement = improvement;
        self.small_gradient = small_gradient;
        Ok(self)
    }
    /// Run the Hessian analysis at stalled parameters (dense up to
    /// `dense_budget` parameters, Lanczos above) and log its verdict.
    pub fn with_stall_analysis(mut self, analyze: bool, dense_budget: usize) -> Self {
        self.analyze_stalls = analyze;
        self.dense_budget = dense_budget;
        self
    }
    /// At a stall near a critical point with negative curvature (a saddle),
    /// take the escape step along ±u_min ([`escape_step`](crate::escape_step)),
    /// log it and train on from there.
    pub fn with_escape_saddles(mut self, on: bool) -> Self {
        self.escape_saddles = on;
        self
    }
    /// BatchNorm's running-statistics momentum (PyTorch's 0.1).
    ///
    /// # Errors
    ///
    /// Outside [0, 1].
    pub fn with_bn_momentum(mut self, momentum: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&momentum) {
            return Err(invalid(
                "BatchNorm momentum",
                format!("expected 0 ≤ momentum ≤ 1, got {momentum}"),
            ));
        }
        self.bn_momentum = momentum;
        Ok(self)
    }
    /// Whether to write one JSONL record per optimizer step.
    pub fn with_step_logs(mut self, on: bool) -> Self {
        self.log_steps = on;
        self
    }
    /// Write the checkpoint after an epoch only when this many seconds
    /// have passed since the last one (and always after the last epoch):
    /// each write is two atomic, synced files, which costs more than an
    /// epoch of a small network. 0 writes after every epoch. Whichever
    /// epoch a run resumes from, it continues bit for bit.
    ///
    /// # Errors
    ///
    /// Negative or not finite.
    pub fn with_checkpoint_seconds(mut self, seconds: f64) -> Result<Self> {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(invalid(
                "checkpoint interval",
                format!("expected a finite number of seconds ≥ 0, got {seconds}"),
            ));
        }
        self.checkpoint_seconds = seconds;
        Ok(self)
    }
    /// Epochs in all.
    pub fn epochs(&self) -> usize {
        self.epochs
    }
    /// Rows per batch.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
    /// The shuffling seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}
