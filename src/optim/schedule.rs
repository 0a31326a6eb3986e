//! [`ScheduleSpec`] (which torch.optim.lr_scheduler class, with which
//! settings) and [`Scheduler`] (one attached to an [`Optimizer`]).
//!
//! Each class is transcribed from PyTorch 2.15's `lr_scheduler.py`,
//! including its chainable (recursive) `get_lr` forms: StepLR multiplies the
//! optimizer's *current* learning rate by γ at multiples of `step_size`,
//! CosineAnnealingLR updates it by the ratio of successive cosines, and so
//! on, in the same floating-point order as torch's Python — so the rates are
//! torch's to the bit, not the closed forms' (which differ in the last
//! digits). A schedule reads and writes the optimizer's learning rate (and
//! OneCycleLR its momentum), as torch's schedulers write `param_group["lr"]`.

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use super::optimizer::Optimizer;
use super::spec::{Args, Call, MAX_COUNT, Node, Value, flag, list, num, parse_call, require};
use super::torch_ops::pow;
use crate::{Error, Result};

/// The schedules, with PyTorch's class names in lower case.
pub(crate) const SCHEDULE_NAMES: [&str; 9] = [
    "steplr",
    "multisteplr",
    "exponentiallr",
    "cosineannealinglr",
    "linearlr",
    "constantlr",
    "onecyclelr",
    "reducelronplateau",
    "sequentiallr",
];

/// OneCycleLR's `anneal_strategy`.
///
/// # Examples
///
/// ```
/// use saddlescope::{AnnealStrategy, ScheduleSpec};
/// let s = ScheduleSpec::parse("onecyclelr(max_lr=0.1,total_steps=10,anneal_strategy=linear)").unwrap();
/// assert!(matches!(s, ScheduleSpec::OneCycleLr { anneal_strategy: AnnealStrategy::Linear, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnealStrategy {
    /// Cosine annealing (the default).
    Cos,
    /// Linear annealing.
    Linear,
}

/// ReduceLROnPlateau's `mode`.
///
/// # Examples
///
/// ```
/// use saddlescope::{PlateauMode, ScheduleSpec};
/// let s = ScheduleSpec::parse("reducelronplateau(mode=max)").unwrap();
/// assert!(matches!(s, ScheduleSpec::ReduceLrOnPlateau { mode: PlateauMode::Max, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateauMode {
    /// The metric should decrease (a loss).
    Min,
    /// The metric should increase (an accuracy).
    Max,
}

/// ReduceLROnPlateau's `threshold_mode`.
///
/// # Examples
///
/// ```
/// use saddlescope::{ScheduleSpec, ThresholdMode};
/// let s = ScheduleSpec::parse("reducelronplateau(threshold_mode=abs)").unwrap();
/// assert!(matches!(s, ScheduleSpec::ReduceLrOnPlateau { threshold_mode: ThresholdMode::Abs, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdMode {
    /// Improvement relative to the best value: best·(1 ∓ threshold).
    Rel,
    /// Improvement by an absolute amount: best ∓ threshold.
    Abs,
}

/// A learning-rate schedule: a torch.optim.lr_scheduler class with its
/// keyword arguments (PyTorch's defaults; keys PyTorch requires are
/// required here too).
///
/// | spec | torch class | keys (defaults) |
/// |---|---|---|
/// | `steplr` | `StepLR` | `step_size` (required), `gamma=0.1` |
/// | `multisteplr` | `MultiStepLR` | `milestones=[…]` (required), `gamma=0.1` |
/// | `exponentiallr` | `ExponentialLR` | `gamma` (required) |
/// | `cosineannealinglr` | `CosineAnnealingLR` | `t_max` (required; `T_max` works too), `eta_min=0` |
/// | `linearlr` | `LinearLR` | `start_factor=1/3, end_factor=1, total_iters=5` |
/// | `constantlr` | `ConstantLR` | `factor=1/3, total_iters=5` |
/// | `onecyclelr` | `OneCycleLR` | `max_lr` (required), `total_steps` or `epochs` and `steps_per_epoch`, `pct_start=0.3, anneal_strategy=cos, cycle_momentum=true, base_momentum=0.85, max_momentum=0.95, div_factor=25, final_div_factor=1e4, three_phase=false` |
/// | `reducelronplateau` | `ReduceLROnPlateau` | `mode=min, factor=0.1, patience=10, threshold=1e-4, threshold_mode=rel, cooldown=0, min_lr=0, eps=1e-8` |
/// | `sequentiallr` (or `sequential`) | `SequentialLR` | the schedules in order, then `milestones=[…]` (one fewer than schedules) |
///
/// A `sequentiallr` lists its schedules as positional arguments (or as
/// `schedulers=[…]`): `sequentiallr(linearlr(start_factor=0.1,total_iters=5),
/// cosineannealinglr(t_max=95),milestones=[5])` warms up for 5 steps, then
/// anneals. It cannot contain `reducelronplateau` (as in torch) or another
/// `sequentiallr`.
///
/// # Examples
///
/// ```
/// use saddlescope::ScheduleSpec;
///
/// let s = ScheduleSpec::parse("sequential(linearlr(start_factor=0.1,total_iters=5),cosineannealinglr(T_max=95),milestones=[5])").unwrap();
/// assert_eq!(
///     s.to_string(),
///     "sequentiallr(linearlr(start_factor=0.1,end_factor=1,total_iters=5),cosineannealinglr(t_max=95,eta_min=0),milestones=[5])"
/// );
/// assert_eq!(s.to_string().parse::<ScheduleSpec>().unwrap(), s);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ScheduleSpec {
    /// `StepLR`: lr·γ every `step_size` steps.
    StepLr {
        /// Period of decay, ≥ 1.
        step_size: u64,
        /// Decay factor.
        gamma: f64,
    },
    /// `MultiStepLR`: lr·γ at each milestone (γⁿ at a milestone listed n times).
    MultiStepLr {
        /// Step indices.
        milestones: Vec<u64>,
        /// Decay factor.
        gamma: f64,
    },
    /// `ExponentialLR`: lr·γ every step.
    ExponentialLr {
        /// Decay factor.
        gamma: f64,
    },
    /// `CosineAnnealingLR` (Loshchilov & Hutter 2017, without restarts).
    CosineAnnealingLr {
        /// Half period in steps, ≥ 1.
        t_max: u64,
        /// Minimum learning rate.
        eta_min: f64,
    },
    /// `LinearLR`: the factor goes linearly from `start_factor` to
    /// `end_factor` over `total_iters` steps.
    LinearLr {
        /// Factor at step 0, in (0, 1].
        start_factor: f64,
        /// Factor from `total_iters` on, in [0, 1].
        end_factor: f64,
        /// Steps of the ramp.
        total_iters: u64,
    },
    /// `ConstantLR`: lr·factor until `total_iters`, then lr.
    ConstantLr {
        /// Factor, in [0, 1].
        factor: f64,
        /// Steps at the reduced rate.
        total_iters: u64,
    },
    /// `OneCycleLR` (Smith & Topin 2019): warm up to `max_lr`, anneal to
    /// `max_lr / div_factor / final_div_factor`, cycling momentum inversely.
    OneCycleLr {
        /// Peak learning rate.
        max_lr: f64,
        /// Steps in the cycle (takes precedence over epochs × steps_per_epoch).
        total_steps: Option<u64>,
        /// Epochs, with `steps_per_epoch`, when `total_steps` is not given.
        epochs: Option<u64>,
        /// Steps per epoch, with `epochs`.
        steps_per_epoch: Option<u64>,
        /// Fraction of the cycle spent increasing the rate, in [0, 1].
        pct_start: f64,
        /// Cosine or linear annealing.
        anneal_strategy: AnnealStrategy,
        /// Cycle the optimizer's momentum (or β₁) between the two momenta.
        cycle_momentum: bool,
        /// Momentum at the peak learning rate.
        base_momentum: f64,
        /// Momentum at the start and the end.
        max_momentum: f64,
        /// initial_lr = max_lr / div_factor.
        div_factor: f64,
        /// min_lr = initial_lr / final_div_factor.
        final_div_factor: f64,
        /// Three phases (up, down to initial_lr, down to min_lr) as in the paper.
        three_phase: bool,
    },
    /// `ReduceLROnPlateau`: lr·factor when the metric stops improving;
    /// stepped with the metric.
    ReduceLrOnPlateau {
        /// Whether the metric should go down or up.
        mode: PlateauMode,
        /// Reduction factor, < 1.
        factor: f64,
        /// Steps without improvement tolerated before a reduction.
        patience: u64,
        /// What counts as an improvement.
        threshold: f64,
        /// Relative or absolute threshold.
        threshold_mode: ThresholdMode,
        /// Steps to wait after a reduction.
        cooldown: u64,
        /// Lower bound on the learning rate.
        min_lr: f64,
        /// Reductions smaller than this are skipped.
        eps: f64,
    },
    /// `SequentialLR`: each schedule in turn, switching at the milestones.
    SequentialLr {
        /// The schedules, in order.
        schedulers: Vec<ScheduleSpec>,
        /// The steps at which to switch, increasing; one fewer than schedules.
        milestones: Vec<u64>,
    },
}

impl ScheduleSpec {
    /// Parses `name(key=value,…)` and checks the values as PyTorch does.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for malformed syntax, [`Error::Unknown`] for an
    /// unknown schedule or key, [`Error::InvalidSetting`] for a missing
    /// required key or a value of the wrong type or out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::ScheduleSpec;
    /// let s = ScheduleSpec::parse("steplr(step_size=50,gamma=0.5)").unwrap();
    /// assert_eq!(s.to_string(), "steplr(step_size=50,gamma=0.5)");
    /// let err = ScheduleSpec::parse("steplr").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid step_size: `steplr` needs step_size (PyTorch has no default)");
    /// ```
    pub fn parse(src: &str) -> Result<ScheduleSpec> {
        let call = parse_call(src, "schedule spec")?;
        ScheduleSpec::from_call(&call)
    }

    pub(crate) fn from_call(call: &Call) -> Result<ScheduleSpec> {
        let name = call.name.as_str();
        let keys: &[&str] = match name {
            "steplr" => &["step_size", "gamma"],
            "multisteplr" => &["milestones", "gamma"],
            "exponentiallr" => &["gamma"],
            "cosineannealinglr" => &["t_max", "eta_min"],
            "linearlr" => &["start_factor", "end_factor", "total_iters"],
            "constantlr" => &["factor", "total_iters"],
            "onecyclelr" => &[
                "max_lr",
                "total_steps",
                "epochs",
                "steps_per_epoch",
                "pct_start",
                "anneal_strategy",
                "cycle_momentum",
                "base_momentum",
                "max_momentum",
                "div_factor",
                "final_div_factor",
                "three_phase",
            ],
            "reducelronplateau" => &[
                "mode",
                "factor",
                "patience",
                "threshold",
                "threshold_mode",
                "cooldown",
                "min_lr",
                "eps",
            ],
            "sequentiallr" | "sequential" => &["schedulers", "milestones"],
            _ => {
                return Err(Error::Unknown {
                    kind: "schedule".to_string(),
                    name: call.name.clone(),
                    known: SCHEDULE_NAMES.join(", "),
                });
            }
        };
        let a = Args::new(call, keys)?;
        if !name.starts_with("sequential") {
            a.no_positional()?;
        }
        let required_f64 = |key: &str| a.opt_f64(key)?.ok_or_else(|| missing(name, key));
        let required_u64 = |key: &str| a.opt_u64(key)?.ok_or_else(|| missing(name, key));
        let spec = match name {
            "steplr" => ScheduleSpec::StepLr {
                step_size: required_u64("step_size")?,
                gamma: a.f64("gamma", 0.1)?,
            },
            "multisteplr" => ScheduleSpec::MultiStepLr {
                milestones: a
                    .counts("milestones")?
                    .ok_or_else(|| missing(name, "milestones"))?,
                gamma: a.f64("gamma", 0.1)?,
            },
            "exponentiallr" => ScheduleSpec::ExponentialLr {
                gamma: required_f64("gamma")?,
            },
            "cosineannealinglr" => ScheduleSpec::CosineAnnealingLr {
                t_max: required_u64("t_max")?,
                eta_min: a.f64("eta_min", 0.0)?,
            },
            "linearlr" => ScheduleSpec::LinearLr {
                start_factor: a.f64("start_factor", 1.0 / 3.0)?,
                end_factor: a.f64("end_factor", 1.0)?,
                total_iters: a.u64("total_iters", 5)?,
            },
            "constantlr" => ScheduleSpec::ConstantLr {
                factor: a.f64("factor", 1.0 / 3.0)?,
                total_iters: a.u64("total_iters", 5)?,
            },
            "onecyclelr" => ScheduleSpec::OneCycleLr {
                max_lr: required_f64("max_lr")?,
                total_steps: a.opt_u64("total_steps")?,
                epochs: a.opt_u64("epochs")?,
                steps_per_epoch: a.opt_u64("steps_per_epoch")?,
                pct_start: a.f64("pct_start", 0.3)?,
                anneal_strategy: match a.word("anneal_strategy", "cos", &["cos", "linear"])? {
                    "cos" => AnnealStrategy::Cos,
                    _ => AnnealStrategy::Linear,
                },
                cycle_momentum: a.bool("cycle_momentum", true)?,
                base_momentum: a.f64("base_momentum", 0.85)?,
                max_momentum: a.f64("max_momentum", 0.95)?,
                div_factor: a.f64("div_factor", 25.0)?,
                final_div_factor: a.f64("final_div_factor", 1e4)?,
                three_phase: a.bool("three_phase", false)?,
            },
            "reducelronplateau" => ScheduleSpec::ReduceLrOnPlateau {
                mode: match a.word("mode", "min", &["min", "max"])? {
                    "min" => PlateauMode::Min,
                    _ => PlateauMode::Max,
                },
                factor: a.f64("factor", 0.1)?,
                patience: a.u64("patience", 10)?,
                threshold: a.f64("threshold", 1e-4)?,
                threshold_mode: match a.word("threshold_mode", "rel", &["rel", "abs"])? {
                    "rel" => ThresholdMode::Rel,
                    _ => ThresholdMode::Abs,
                },
                cooldown: a.u64("cooldown", 0)?,
                min_lr: a.f64("min_lr", 0.0)?,
                eps: a.f64("eps", 1e-8)?,
            },
            _ => {
                let nodes: Vec<Node> = match a.node("schedulers") {
                    Some(node) if !a.positional.is_empty() => {
                        return Err(Error::InvalidSetting {
                            name: "schedulers".to_string(),
                            message: format!(
                                "`sequentiallr` takes its schedules either in order or as schedulers=[…], not both; found `{}` and more",
                                node.text
                            ),
                        });
                    }
                    Some(node) => match &node.value {
                        Value::List(items) | Value::Tuple(items) => items.clone(),
                        _ => vec![node.clone()],
                    },
                    None => a.positional.clone(),
                };
                let schedulers = nodes
                    .iter()
                    .map(|node| match &node.value {
                        Value::Call(call) => ScheduleSpec::from_call(call),
                        Value::Word(w) => ScheduleSpec::from_call(&Call {
                            name: w.clone(),
                            args: Vec::new(),
                        }),
                        _ => Err(Error::InvalidSetting {
                            name: "schedulers".to_string(),
                            message: format!(
                                "`sequentiallr` expects schedules, found `{}`",
                                node.text
                            ),
                        }),
                    })
                    .collect::<Result<Vec<_>>>()?;
                ScheduleSpec::SequentialLr {
                    schedulers,
                    milestones: a
                        .counts("milestones")?
                        .ok_or_else(|| missing("sequentiallr", "milestones"))?,
                }
            }
        };
        spec.check()?;
        Ok(spec)
    }

    /// The spec name: `steplr`, `onecyclelr`, ….
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::ScheduleSpec;
    /// assert_eq!(ScheduleSpec::parse("StepLR(step_size=3)").unwrap().name(), "steplr");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            ScheduleSpec::StepLr { .. } => "steplr",
            ScheduleSpec::MultiStepLr { .. } => "multisteplr",
            ScheduleSpec::ExponentialLr { .. } => "exponentiallr",
            ScheduleSpec::CosineAnnealingLr { .. } => "cosineannealinglr",
            ScheduleSpec::LinearLr { .. } => "linearlr",
            ScheduleSpec::ConstantLr { .. } => "constantlr",
            ScheduleSpec::OneCycleLr { .. } => "onecyclelr",
            ScheduleSpec::ReduceLrOnPlateau { .. } => "reducelronplateau",
            ScheduleSpec::SequentialLr { .. } => "sequentiallr",
        }
    }

    /// Checks the settings as the torch class's constructor does, plus what
    /// torch would otherwise divide by zero on later (`step_size ≥ 1`,
    /// `t_max ≥ 1`), `max_lr ≥ 0`, and increasing `sequentiallr`
    /// milestones.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] naming the setting, the constraint and the
    /// value found.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::ScheduleSpec;
    /// let s = ScheduleSpec::ConstantLr { factor: 1.5, total_iters: 5 };
    /// assert_eq!(s.check().unwrap_err().to_string(), "invalid factor: `constantlr` needs 0 ≤ factor ≤ 1, found 1.5");
    /// ```
    pub fn check(&self) -> Result<()> {
        let owner = self.name();
        for (key, value) in self.counts() {
            require(
                value <= MAX_COUNT,
                owner,
                key,
                &format!("{key} ≤ 2^53"),
                value.to_string(),
            )?;
        }
        match self {
            ScheduleSpec::StepLr { step_size, .. } => require(
                *step_size >= 1,
                owner,
                "step_size",
                "step_size ≥ 1",
                step_size.to_string(),
            ),
            ScheduleSpec::MultiStepLr { .. } | ScheduleSpec::ExponentialLr { .. } => Ok(()),
            ScheduleSpec::CosineAnnealingLr { t_max, .. } => {
                require(*t_max >= 1, owner, "t_max", "t_max ≥ 1", t_max.to_string())
            }
            ScheduleSpec::LinearLr {
                start_factor,
                end_factor,
                ..
            } => {
                require(
                    *start_factor > 0.0 && *start_factor <= 1.0,
                    owner,
                    "start_factor",
                    "0 < start_factor ≤ 1",
                    num(*start_factor),
                )?;
                require(
                    (0.0..=1.0).contains(end_factor),
                    owner,
                    "end_factor",
                    "0 ≤ end_factor ≤ 1",
                    num(*end_factor),
                )
            }
            ScheduleSpec::ConstantLr { factor, .. } => require(
                (0.0..=1.0).contains(factor),
                owner,
                "factor",
                "0 ≤ factor ≤ 1",
                num(*factor),
            ),
            ScheduleSpec::OneCycleLr {
                max_lr,
                total_steps,
                epochs,
                steps_per_epoch,
                pct_start,
                ..
            } => {
                match (total_steps, epochs, steps_per_epoch) {
                    (Some(t), _, _) => require(
                        *t > 0,
                        owner,
                        "total_steps",
                        "a positive total_steps",
                        t.to_string(),
                    )?,
                    (None, Some(e), Some(s)) => {
                        require(
                            *e > 0,
                            owner,
                            "epochs",
                            "a positive number of epochs",
                            e.to_string(),
                        )?;
                        require(
                            *s > 0,
                            owner,
                            "steps_per_epoch",
                            "a positive steps_per_epoch",
                            s.to_string(),
                        )?;
                    }
                    _ => {
                        return Err(Error::InvalidSetting {
                            name: "total_steps".to_string(),
                            message: "`onecyclelr` needs either total_steps or both epochs and steps_per_epoch"
                                .to_string(),
                        });
                    }
                }
                require(
                    (0.0..=1.0).contains(pct_start),
                    owner,
                    "pct_start",
                    "0 ≤ pct_start ≤ 1",
                    num(*pct_start),
                )?;
                require(*max_lr >= 0.0, owner, "max_lr", "max_lr ≥ 0", num(*max_lr))
            }
            ScheduleSpec::ReduceLrOnPlateau { factor, .. } => {
                require(*factor < 1.0, owner, "factor", "factor < 1", num(*factor))
            }
            ScheduleSpec::SequentialLr {
                schedulers,
                milestones,
            } => {
                require(
                    !schedulers.is_empty(),
                    owner,
                    "schedulers",
                    "at least one schedule",
                    "none".to_string(),
                )?;
                for (i, s) in schedulers.iter().enumerate() {
                    require(
                        !matches!(
                            s,
                            ScheduleSpec::ReduceLrOnPlateau { .. }
                                | ScheduleSpec::SequentialLr { .. }
                        ),
                        owner,
                        "schedulers",
                        "schedules other than reducelronplateau and sequentiallr",
                        format!("`{}` at index {i}", s.name()),
                    )?;
                    s.check()?;
                }
                require(
                    milestones.len() + 1 == schedulers.len(),
                    owner,
                    "milestones",
                    "one milestone fewer than schedules",
                    format!(
                        "{} schedules and {} milestones",
                        schedulers.len(),
                        milestones.len()
                    ),
                )?;
                require(
                    milestones.windows(2).all(|w| w[0] < w[1]),
                    owner,
                    "milestones",
                    "increasing milestones",
                    list(milestones),
                )
            }
        }
    }
}

impl ScheduleSpec {
    /// The integer settings (and OneCycleLR's epochs × steps_per_epoch).
    fn counts(&self) -> Vec<(&'static str, u64)> {
        match self {
            ScheduleSpec::StepLr { step_size, .. } => vec![("step_size", *step_size)],
            ScheduleSpec::MultiStepLr { milestones, .. }
            | ScheduleSpec::SequentialLr { milestones, .. } => {
                milestones.iter().map(|m| ("milestones", *m)).collect()
            }
            ScheduleSpec::ExponentialLr { .. } => vec![],
            ScheduleSpec::CosineAnnealingLr { t_max, .. } => vec![("t_max", *t_max)],
            ScheduleSpec::LinearLr { total_iters, .. }
            | ScheduleSpec::ConstantLr { total_iters, .. } => {
                vec![("total_iters", *total_iters)]
            }
            ScheduleSpec::OneCycleLr {
                total_steps,
                epochs,
                steps_per_epoch,
                ..
            } => {
                let mut v: Vec<(&'static str, u64)> = [
                    ("total_steps", total_steps),
                    ("epochs", epochs),
                    ("steps_per_epoch", steps_per_epoch),
                ]
                .into_iter()
                .filter_map(|(k, n)| n.map(|n| (k, n)))
                .collect();
                if let (None, Some(e), Some(s)) = (total_steps, epochs, steps_per_epoch) {
                    v.push((
                        "epochs × steps_per_epoch",
                        e.checked_mul(*s).unwrap_or(u64::MAX),
                    ));
                }
                v
            }
            ScheduleSpec::ReduceLrOnPlateau {
                patience, cooldown, ..
            } => {
                vec![("patience", *patience), ("cooldown", *cooldown)]
            }
        }
    }
}

fn missing(owner: &str, key: &str) -> Error {
    let owner = if owner == "sequential" {
        "sequentiallr"
    } else {
        owner
    };
    Error::InvalidSetting {
        name: key.to_string(),
        message: format!("`{owner}` needs {key} (PyTorch has no default)"),
    }
}

impl FromStr for ScheduleSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ScheduleSpec::parse(s)
    }
}

impl fmt::Display for ScheduleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleSpec::StepLr { step_size, gamma } => {
                write!(f, "steplr(step_size={step_size},gamma={})", num(*gamma))
            }
            ScheduleSpec::MultiStepLr { milestones, gamma } => {
                write!(
                    f,
                    "multisteplr(milestones={},gamma={})",
                    list(milestones),
                    num(*gamma)
                )
            }
            ScheduleSpec::ExponentialLr { gamma } => {
                write!(f, "exponentiallr(gamma={})", num(*gamma))
            }
            ScheduleSpec::CosineAnnealingLr { t_max, eta_min } => {
                write!(
                    f,
                    "cosineannealinglr(t_max={t_max},eta_min={})",
                    num(*eta_min)
                )
            }
            ScheduleSpec::LinearLr {
                start_factor,
                end_factor,
                total_iters,
            } => write!(
                f,
                "linearlr(start_factor={},end_factor={},total_iters={total_iters})",
                num(*start_factor),
                num(*end_factor)
            ),
            ScheduleSpec::ConstantLr {
                factor,
                total_iters,
            } => {
                write!(
                    f,
                    "constantlr(factor={},total_iters={total_iters})",
                    num(*factor)
                )
            }
            ScheduleSpec::OneCycleLr {
                max_lr,
                total_steps,
                epochs,
                steps_per_epoch,
                pct_start,
                anneal_strategy,
                cycle_momentum,
                base_momentum,
                max_momentum,
                div_factor,
                final_div_factor,
                three_phase,
            } => {
                write!(f, "onecyclelr(max_lr={}", num(*max_lr))?;
                for (key, value) in [
                    ("total_steps", total_steps),
                    ("epochs", epochs),
                    ("steps_per_epoch", steps_per_epoch),
                ] {
                    if let Some(v) = value {
                        write!(f, ",{key}={v}")?;
                    }
                }
                write!(
                    f,
                    ",pct_start={},anneal_strategy={},cycle_momentum={},base_momentum={},max_momentum={},div_factor={},final_div_factor={},three_phase={})",
                    num(*pct_start),
                    match anneal_strategy {
                        AnnealStrategy::Cos => "cos",
                        AnnealStrategy::Linear => "linear",
                    },
                    flag(*cycle_momentum),
                    num(*base_momentum),
                    num(*max_momentum),
                    num(*div_factor),
                    num(*final_div_factor),
                    flag(*three_phase)
                )
            }
            ScheduleSpec::ReduceLrOnPlateau {
                mode,
                factor,
                patience,
                threshold,
                threshold_mode,
                cooldown,
                min_lr,
                eps,
            } => write!(
                f,
                "reducelronplateau(mode={},factor={},patience={patience},threshold={},threshold_mode={},cooldown={cooldown},min_lr={},eps={})",
                match mode {
                    PlateauMode::Min => "min",
                    PlateauMode::Max => "max",
                },
                num(*factor),
                num(*threshold),
                match threshold_mode {
                    ThresholdMode::Rel => "rel",
                    ThresholdMode::Abs => "abs",
                },
                num(*min_lr),
                num(*eps)
            ),
            ScheduleSpec::SequentialLr {
                schedulers,
                milestones,
            } => {
                write!(f, "sequentiallr(")?;
                for s in schedulers {
                    write!(f, "{s},")?;
                }
                write!(f, "milestones={})", list(milestones))
            }
        }
    }
}

/// A schedule attached to an [`Optimizer`]: it sets the optimizer's
/// learning rate (and, for OneCycleLR, its momentum) when made and after
/// each optimizer step, as the torch scheduler does.
///
/// The protocol is torch's: make the optimizer, attach the schedule (its
/// initial step sets the rate of the first optimizer step), then repeat
/// `optimizer.step(…)`, `scheduler.step(…)`. ReduceLROnPlateau is stepped
/// with the metric it watches; the others ignore the metric.
///
/// # Examples
///
/// ```
/// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
///
/// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd(lr=0.1)").unwrap(), 1).unwrap();
/// let mut sched = Scheduler::new(&ScheduleSpec::parse("steplr(step_size=2,gamma=0.5)").unwrap(), &mut opt).unwrap();
/// let mut rates = Vec::new();
/// let mut x = [1.0];
/// for _ in 0..5 {
///     rates.push(opt.lr());
///     let g = [2.0 * x[0]];
///     opt.step(&mut x, &g).unwrap();
///     sched.step(&mut opt, None).unwrap();
/// }
/// assert_eq!(rates, [0.1, 0.1, 0.05, 0.05, 0.025]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduler {
    spec: ScheduleSpec,
    core: Core,
}

#[derive(Debug, Clone, PartialEq)]
enum Core {
    Lr(LrSchedule),
    Plateau(Plateau),
    Sequential(Sequential),
}

impl Scheduler {
    /// Attaches a schedule to an optimizer: records the optimizer's
    /// learning rate as the base rate (torch's `initial_lr`, kept by the
    /// first schedule attached) and takes the initial step, which sets the
    /// rate of the optimizer's first step. OneCycleLR also sets the
    /// momentum.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] if the spec fails [`ScheduleSpec::check`],
    /// or for OneCycleLR with `cycle_momentum=true` on an optimizer without
    /// momentum or β₁ (gd, adagrad), as torch raises.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd(lr=0.1)").unwrap(), 1).unwrap();
    /// Scheduler::new(&ScheduleSpec::parse("linearlr(start_factor=0.5)").unwrap(), &mut opt).unwrap();
    /// assert_eq!(opt.lr(), 0.05);
    ///
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("adagrad").unwrap(), 1).unwrap();
    /// let err = Scheduler::new(&ScheduleSpec::parse("onecyclelr(max_lr=0.1,total_steps=10)").unwrap(), &mut opt).unwrap_err();
    /// assert!(err.to_string().contains("momentum or beta1"));
    /// ```
    pub fn new(spec: &ScheduleSpec, optimizer: &mut Optimizer) -> Result<Scheduler> {
        spec.check()?;
        let core = match spec {
            ScheduleSpec::ReduceLrOnPlateau { .. } => {
                Core::Plateau(Plateau::attach(spec, optimizer))
            }
            ScheduleSpec::SequentialLr {
                schedulers,
                milestones,
            } => Core::Sequential(Sequential::attach(schedulers, milestones, optimizer)?),
            _ => Core::Lr(LrSchedule::attach(spec, optimizer)?),
        };
        Ok(Scheduler {
            spec: spec.clone(),
            core,
        })
    }

    /// The schedule's settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
    /// let s = Scheduler::new(&ScheduleSpec::parse("exponentiallr(gamma=0.9)").unwrap(), &mut opt).unwrap();
    /// assert_eq!(s.spec().name(), "exponentiallr");
    /// ```
    pub fn spec(&self) -> &ScheduleSpec {
        &self.spec
    }

    /// Whether [`step`](Scheduler::step) needs a metric
    /// (ReduceLROnPlateau).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
    /// let s = Scheduler::new(&ScheduleSpec::parse("reducelronplateau").unwrap(), &mut opt).unwrap();
    /// assert!(s.needs_metric());
    /// ```
    pub fn needs_metric(&self) -> bool {
        matches!(self.core, Core::Plateau(_))
    }

    /// The learning rate the schedule set last (torch's `get_last_lr()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd(lr=1)").unwrap(), 1).unwrap();
    /// let mut s = Scheduler::new(&ScheduleSpec::parse("exponentiallr(gamma=0.5)").unwrap(), &mut opt).unwrap();
    /// s.step(&mut opt, None).unwrap();
    /// assert_eq!(s.last_lr(), 0.5);
    /// ```
    pub fn last_lr(&self) -> f64 {
        match &self.core {
            Core::Lr(s) => s.last_lr,
            Core::Plateau(p) => p.last_lr,
            Core::Sequential(s) => s.last_lr,
        }
    }

    /// One schedule step, after an optimizer step: sets the optimizer's
    /// learning rate (and momentum) for the next one. `metric` is what
    /// ReduceLROnPlateau watches (e.g. the loss of the step just taken);
    /// other schedules ignore it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for ReduceLROnPlateau without a metric;
    /// [`Error::InvalidSetting`] where torch raises during a step:
    /// OneCycleLR stepped past `total_steps`, a division by zero in
    /// OneCycleLR's phases or in ConstantLR with `factor=0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd(lr=1)").unwrap(), 1).unwrap();
    /// let spec = ScheduleSpec::parse("reducelronplateau(patience=0,factor=0.5)").unwrap();
    /// let mut s = Scheduler::new(&spec, &mut opt).unwrap();
    /// s.step(&mut opt, Some(1.0)).unwrap(); // first value: an improvement
    /// s.step(&mut opt, Some(1.0)).unwrap(); // no improvement, patience 0
    /// assert_eq!(opt.lr(), 0.5);
    /// assert!(s.step(&mut opt, None).is_err());
    /// ```
    pub fn step(&mut self, optimizer: &mut Optimizer, metric: Option<f64>) -> Result<()> {
        match &mut self.core {
            Core::Lr(s) => s.step(optimizer),
            Core::Sequential(s) => s.step(optimizer),
            Core::Plateau(p) => match metric {
                Some(m) => {
                    p.step(optimizer, m);
                    Ok(())
                }
                None => Err(Error::InvalidInput(
                    "`reducelronplateau` is stepped with the metric it watches (e.g. the loss)"
                        .to_string(),
                )),
            },
        }
    }

    /// The schedule's counters as named flat vectors, for checkpoints:
    /// `last_epoch`, `step_count`, `base_lr`, `last_lr`; ReduceLROnPlateau's
    /// `best` (±∞ before the first step), `num_bad_epochs` and
    /// `cooldown_counter`; a sequential schedule's own `last_epoch` and
    /// `last_lr` and each part's under `0.`, `1.`, … prefixes.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
    /// let s = Scheduler::new(&ScheduleSpec::parse("steplr(step_size=5)").unwrap(), &mut opt).unwrap();
    /// assert_eq!(s.state()["last_epoch"], vec![0.0]);
    /// ```
    pub fn state(&self) -> BTreeMap<String, Vec<f64>> {
        let mut out = BTreeMap::new();
        match &self.core {
            Core::Lr(s) => s.export("", &mut out),
            Core::Plateau(p) => {
                out.insert("last_epoch".into(), vec![p.last_epoch as f64]);
                out.insert("best".into(), vec![p.best]);
                out.insert("num_bad_epochs".into(), vec![p.num_bad_epochs as f64]);
                out.insert("cooldown_counter".into(), vec![p.cooldown_counter as f64]);
                out.insert("last_lr".into(), vec![p.last_lr]);
            }
            Core::Sequential(s) => {
                out.insert("last_epoch".into(), vec![s.last_epoch as f64]);
                out.insert("last_lr".into(), vec![s.last_lr]);
                for (i, c) in s.children.iter().enumerate() {
                    c.export(&format!("{i}."), &mut out);
                }
            }
        }
        out
    }

    /// Restores what [`state`](Scheduler::state) exported, for a scheduler
    /// made from the same spec (attach, then load — then load the
    /// optimizer's state, which holds the learning rate).
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for an entry this schedule does not have,
    /// [`Error::InvalidInput`] for a missing or malformed one (counters must
    /// be whole numbers). Nothing is changed on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec, ScheduleSpec, Scheduler};
    /// let spec = ScheduleSpec::parse("steplr(step_size=2)").unwrap();
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
    /// let mut a = Scheduler::new(&spec, &mut opt).unwrap();
    /// a.step(&mut opt, None).unwrap();
    /// let mut b = Scheduler::new(&spec, &mut opt.clone()).unwrap();
    /// b.load_state(&a.state()).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn load_state(&mut self, state: &BTreeMap<String, Vec<f64>>) -> Result<()> {
        let expected = self.state();
        for key in state.keys() {
            if !expected.contains_key(key) {
                return Err(Error::Unknown {
                    kind: format!("`{}` state entry", self.spec.name()),
                    name: key.clone(),
                    known: expected.keys().cloned().collect::<Vec<_>>().join(", "),
                });
            }
        }
        let name = self.spec.name();
        let get = |key: &str| -> Result<f64> {
            match state.get(key).map(Vec::as_slice) {
                Some([v]) => Ok(*v),
                _ => Err(Error::InvalidInput(format!(
                    "the state of `{name}` needs `{key}` as one value"
                ))),
            }
        };
        let count = |key: &str, min: f64| -> Result<f64> {
            let v = get(key)?;
            if v >= min && v.fract() == 0.0 && v.abs() < 2f64.powi(53) {
                Ok(v)
            } else {
                Err(Error::InvalidInput(format!(
                    "the state of `{name}` needs `{key}` as a whole number ≥ {min}, found {v}"
                )))
            }
        };
        let mut core = self.core.clone();
        match &mut core {
            Core::Lr(s) => s.import("", &count, &get)?,
            Core::Plateau(p) => {
                p.last_epoch = count("last_epoch", 0.0)? as i64;
                p.best = get("best")?;
                p.num_bad_epochs = count("num_bad_epochs", 0.0)? as u64;
                p.cooldown_counter = count("cooldown_counter", 0.0)? as u64;
                p.last_lr = get("last_lr")?;
            }
            Core::Sequential(s) => {
                s.last_epoch = count("last_epoch", 0.0)? as i64;
                s.last_lr = get("last_lr")?;
                for (i, c) in s.children.iter_mut().enumerate() {
                    c.import(&format!("{i}."), &count, &get)?;
                }
            }
        }
        self.core = core;
        Ok(())
    }
}

/// OneCycleLR's anchors, named as torch's phase table names them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Level {
    InitialLr,
    MaxLr,
    MinLr,
    MaxMomentum,
    BaseMomentum,
}

#[derive(Debug, Clone, PartialEq)]
struct Phase {
    end_step: f64,
    start_lr: Level,
    end_lr: Level,
    start_momentum: Level,
    end_momentum: Level,
}

#[derive(Debug, Clone, PartialEq)]
struct Cycle {
    total_steps: u64,
    phases: Vec<Phase>,
    max_lr: f64,
    min_lr: f64,
    anneal: AnnealStrategy,
    cycle_momentum: bool,
    base_momentum: f64,
    max_momentum: f64,
}

impl Cycle {
    fn level(&self, level: Level, optimizer: &Optimizer) -> f64 {
        match level {
            Level::InitialLr => optimizer.initial_lr().unwrap_or(self.max_lr),
            Level::MaxLr => self.max_lr,
            Level::MinLr => self.min_lr,
            Level::MaxMomentum => self.max_momentum,
            Level::BaseMomentum => self.base_momentum,
        }
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        match self.anneal {
            AnnealStrategy::Cos => {
                let cos_out = (PI * pct).cos() + 1.0;
                end + (start - end) / 2.0 * cos_out
            }
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }

    /// OneCycleLR.get_lr: find the phase, interpolate; sets the momentum.
    fn lr(&self, step_num: i64, optimizer: &mut Optimizer) -> Result<f64> {
        if step_num > self.total_steps as i64 {
            return Err(Error::InvalidSetting {
                name: "total_steps".to_string(),
                message: format!(
                    "`onecyclelr` was stepped {step_num} times; the specified number of total steps is {}",
                    self.total_steps
                ),
            });
        }
        let mut start_step = 0.0;
        let last = self.phases.len() - 1;
        for (i, phase) in self.phases.iter().enumerate() {
            let end_step = phase.end_step;
            if step_num as f64 <= end_step || i == last {
                let span = end_step - start_step;
                if span == 0.0 {
                    return Err(Error::InvalidSetting {
                        name: "pct_start".to_string(),
                        message: format!(
                            "`onecyclelr` has a phase of zero length at step {step_num} (PyTorch raises ZeroDivisionError)"
                        ),
                    });
                }
                let pct = (step_num as f64 - start_step) / span;
                let lr = self.anneal(
                    self.level(phase.start_lr, optimizer),
                    self.level(phase.end_lr, optimizer),
                    pct,
                );
                if self.cycle_momentum {
                    let m = self.anneal(
                        self.level(phase.start_momentum, optimizer),
                        self.level(phase.end_momentum, optimizer),
                        pct,
                    );
                    optimizer.set_momentum(m)?;
                }
                return Ok(lr);
            }
            start_step = end_step;
        }
        unreachable!("the last phase always matches")
    }
}

/// torch's `LRScheduler` state for the chainable classes and OneCycleLR.
#[derive(Debug, Clone, PartialEq)]
struct LrSchedule {
    spec: ScheduleSpec,
    base_lr: f64,
    last_epoch: i64,
    step_count: u64,
    last_lr: f64,
    cycle: Option<Cycle>,
}

impl LrSchedule {
    /// The class's `__init__`: OneCycleLR's group settings, then
    /// `initial_lr` and the initial step.
    fn attach(spec: &ScheduleSpec, optimizer: &mut Optimizer) -> Result<LrSchedule> {
        let mut cycle = None;
        if let ScheduleSpec::OneCycleLr {
            max_lr,
            total_steps,
            epochs,
            steps_per_epoch,
            pct_start,
            anneal_strategy,
            cycle_momentum,
            base_momentum,
            max_momentum,
            div_factor,
            final_div_factor,
            three_phase,
        } = *spec
        {
            let total_steps = match total_steps {
                Some(t) => t,
                None => epochs.unwrap_or(0) * steps_per_epoch.unwrap_or(0),
            };
            let total = total_steps as f64;
            let phase = |end_step, start_lr, end_lr, start_momentum, end_momentum| Phase {
                end_step,
                start_lr,
                end_lr,
                start_momentum,
                end_momentum,
            };
            use Level::*;
            let phases = if three_phase {
                vec![
                    phase(
                        pct_start * total - 1.0,
                        InitialLr,
                        MaxLr,
                        MaxMomentum,
                        BaseMomentum,
                    ),
                    phase(
                        2.0 * pct_start * total - 2.0,
                        MaxLr,
                        InitialLr,
                        BaseMomentum,
                        MaxMomentum,
                    ),
                    phase(total - 1.0, InitialLr, MinLr, MaxMomentum, MaxMomentum),
                ]
            } else {
                vec![
                    phase(
                        pct_start * total - 1.0,
                        InitialLr,
                        MaxLr,
                        MaxMomentum,
                        BaseMomentum,
                    ),
                    phase(total - 1.0, MaxLr, MinLr, BaseMomentum, MaxMomentum),
                ]
            };
            let initial_lr = max_lr / div_factor;
            optimizer.set_initial_lr(initial_lr);
            if cycle_momentum {
                if optimizer.momentum().is_none() {
                    return Err(Error::InvalidSetting {
                        name: "cycle_momentum".to_string(),
                        message: format!(
                            "`onecyclelr` needs an optimizer that supports momentum or beta1 with cycle_momentum=true; `{}` has neither",
                            optimizer.spec().name()
                        ),
                    });
                }
                optimizer.set_momentum(max_momentum)?;
            }
            cycle = Some(Cycle {
                total_steps,
                phases,
                max_lr,
                min_lr: initial_lr / final_div_factor,
                anneal: anneal_strategy,
                cycle_momentum,
                base_momentum,
                max_momentum,
            });
        }
        let base_lr = match optimizer.initial_lr() {
            Some(lr) => lr,
            None => {
                let lr = optimizer.lr();
                optimizer.set_initial_lr(lr);
                lr
            }
        };
        let mut s = LrSchedule {
            spec: spec.clone(),
            base_lr,
            last_epoch: -1,
            step_count: 0,
            last_lr: optimizer.lr(),
            cycle,
        };
        s.initial_step(optimizer)?;
        Ok(s)
    }

    fn initial_step(&mut self, optimizer: &mut Optimizer) -> Result<()> {
        self.step_count = 0;
        self.advance(optimizer, true)
    }

    fn step(&mut self, optimizer: &mut Optimizer) -> Result<()> {
        self.advance(optimizer, false)
    }

    /// `LRScheduler.step()` → `_update_lr(None)`.
    fn advance(&mut self, optimizer: &mut Optimizer, is_initial: bool) -> Result<()> {
        self.step_count += 1;
        self.last_epoch += 1;
        let lr = self.get_lr(optimizer, is_initial)?;
        optimizer.set_lr(lr);
        self.last_lr = lr;
        Ok(())
    }

    /// `_update_lr(epoch)`: the closed form where the class has one.
    fn jump_to(&mut self, optimizer: &mut Optimizer, epoch: i64) -> Result<()> {
        self.last_epoch = epoch;
        let lr = match self.closed_form()? {
            Some(lr) => lr,
            None => self.get_lr(optimizer, false)?,
        };
        optimizer.set_lr(lr);
        self.last_lr = lr;
        Ok(())
    }

    /// The class's chainable `get_lr`.
    fn get_lr(&self, optimizer: &mut Optimizer, is_initial: bool) -> Result<f64> {
        let lr = optimizer.lr();
        let e = self.last_epoch;
        Ok(match self.spec {
            ScheduleSpec::StepLr { step_size, gamma } => {
                if e == 0 || e % step_size as i64 != 0 {
                    lr
                } else {
                    lr * gamma
                }
            }
            ScheduleSpec::MultiStepLr {
                ref milestones,
                gamma,
            } => {
                let count = milestones.iter().filter(|m| **m as i64 == e).count();
                if count == 0 {
                    lr
                } else {
                    lr * pow(gamma, count as f64)
                }
            }
            ScheduleSpec::ExponentialLr { gamma } => {
                if is_initial {
                    lr
                } else {
                    lr * gamma
                }
            }
            ScheduleSpec::CosineAnnealingLr { t_max, eta_min } => {
                let t = t_max as f64;
                let t_max = t_max as i64;
                if is_initial {
                    lr
                } else if self.step_count == 1 && e > 0 {
                    eta_min + (self.base_lr - eta_min) * (1.0 + (e as f64 * PI / t).cos()) / 2.0
                } else if (e - 1 - t_max).rem_euclid(2 * t_max) == 0 {
                    lr + (self.base_lr - eta_min) * (1.0 - (PI / t).cos()) / 2.0
                } else {
                    (1.0 + (PI * e as f64 / t).cos()) / (1.0 + (PI * (e - 1) as f64 / t).cos())
                        * (lr - eta_min)
                        + eta_min
                }
            }
            ScheduleSpec::LinearLr {
                start_factor,
                end_factor,
                total_iters,
            } => {
                if e == 0 {
                    lr * start_factor
                } else if is_initial || e > total_iters as i64 {
                    lr
                } else {
                    lr * (1.0
                        + (end_factor - start_factor)
                            / (total_iters as f64 * start_factor
                                + (e - 1) as f64 * (end_factor - start_factor)))
                }
            }
            ScheduleSpec::ConstantLr {
                factor,
                total_iters,
            } => {
                if e == 0 {
                    lr * factor
                } else if e != total_iters as i64 {
                    lr
                } else if factor == 0.0 {
                    return Err(Error::InvalidSetting {
                        name: "factor".to_string(),
                        message: "`constantlr` divides by factor at total_iters (PyTorch raises ZeroDivisionError), found 0"
                            .to_string(),
                    });
                } else {
                    lr * (1.0 / factor)
                }
            }
            ScheduleSpec::OneCycleLr { .. } => match &self.cycle {
                Some(c) => c.lr(e, optimizer)?,
                None => lr,
            },
            ScheduleSpec::ReduceLrOnPlateau { .. } | ScheduleSpec::SequentialLr { .. } => lr,
        })
    }

    /// `_get_closed_form_lr`, for the classes that have one.
    fn closed_form(&self) -> Result<Option<f64>> {
        let e = self.last_epoch;
        let base = self.base_lr;
        Ok(Some(match self.spec {
            ScheduleSpec::StepLr { step_size, gamma } => {
                base * pow(gamma, e.div_euclid(step_size as i64) as f64)
            }
            ScheduleSpec::MultiStepLr {
                ref milestones,
                gamma,
            } => {
                let passed = milestones.iter().filter(|m| **m as i64 <= e).count();
                base * pow(gamma, passed as f64)
            }
            ScheduleSpec::ExponentialLr { gamma } => base * pow(gamma, e as f64),
            ScheduleSpec::CosineAnnealingLr { t_max, eta_min } => {
                eta_min + (base - eta_min) * (1.0 + (PI * e as f64 / t_max as f64).cos()) / 2.0
            }
            ScheduleSpec::LinearLr {
                start_factor,
                end_factor,
                total_iters,
            } => {
                if total_iters == 0 {
                    return Err(Error::InvalidSetting {
                        name: "total_iters".to_string(),
                        message: "`linearlr` divides by total_iters in its closed form (PyTorch raises ZeroDivisionError), found 0"
                            .to_string(),
                    });
                }
                let ramp = (total_iters as i64).min(e) as f64;
                base * (start_factor + (end_factor - start_factor) * ramp / total_iters as f64)
            }
            ScheduleSpec::ConstantLr {
                factor,
                total_iters,
            } => {
                let after = if e >= total_iters as i64 {
                    1.0 - factor
                } else {
                    0.0
                };
                base * (factor + after)
            }
            _ => return Ok(None),
        }))
    }

    fn export(&self, prefix: &str, out: &mut BTreeMap<String, Vec<f64>>) {
        out.insert(format!("{prefix}last_epoch"), vec![self.last_epoch as f64]);
        out.insert(format!("{prefix}step_count"), vec![self.step_count as f64]);
        out.insert(format!("{prefix}base_lr"), vec![self.base_lr]);
        out.insert(format!("{prefix}last_lr"), vec![self.last_lr]);
    }

    fn import(
        &mut self,
        prefix: &str,
        count: &dyn Fn(&str, f64) -> Result<f64>,
        get: &dyn Fn(&str) -> Result<f64>,
    ) -> Result<()> {
        self.last_epoch = count(&format!("{prefix}last_epoch"), -1.0)? as i64;
        self.step_count = count(&format!("{prefix}step_count"), 0.0)? as u64;
        self.base_lr = get(&format!("{prefix}base_lr"))?;
        self.last_lr = get(&format!("{prefix}last_lr"))?;
        Ok(())
    }
}

/// `ReduceLROnPlateau`'s state.
#[derive(Debug, Clone, PartialEq)]
struct Plateau {
    mode: PlateauMode,
    factor: f64,
    patience: u64,
    threshold: f64,
    threshold_mode: ThresholdMode,
    cooldown: u64,
    min_lr: f64,
    eps: f64,
    best: f64,
    num_bad_epochs: u64,
    cooldown_counter: u64,
    last_epoch: i64,
    last_lr: f64,
}

impl Plateau {
    fn attach(spec: &ScheduleSpec, optimizer: &Optimizer) -> Plateau {
        let ScheduleSpec::ReduceLrOnPlateau {
            mode,
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
            eps,
        } = *spec
        else {
            unreachable!("attached to a reducelronplateau spec")
        };
        Plateau {
            mode,
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
            eps,
            best: match mode {
                PlateauMode::Min => f64::INFINITY,
                PlateauMode::Max => f64::NEG_INFINITY,
            },
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
            last_lr: optimizer.lr(),
        }
    }

    fn is_better(&self, a: f64) -> bool {
        let best = self.best;
        match (self.mode, self.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - self.threshold),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - self.threshold,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (self.threshold + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + self.threshold,
        }
    }

    fn step(&mut self, optimizer: &mut Optimizer, metric: f64) {
        self.last_epoch += 1;
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.patience {
            let old_lr = optimizer.lr();
            let reduced = old_lr * self.factor;
            // Python's max(a, b) keeps a unless b is greater.
            let new_lr = if self.min_lr > reduced {
                self.min_lr
            } else {
                reduced
            };
            if old_lr - new_lr > self.eps {
                optimizer.set_lr(new_lr);
            }
            self.cooldown_counter = self.cooldown;
            self.num_bad_epochs = 0;
        }
        self.last_lr = optimizer.lr();
    }
}

/// `SequentialLR`'s state.
#[derive(Debug, Clone, PartialEq)]
struct Sequential {
    children: Vec<LrSchedule>,
    milestones: Vec<u64>,
    last_epoch: i64,
    last_lr: f64,
}

impl Sequential {
    /// Each part attached in order (as a torch user constructs them before
    /// the SequentialLR), then SequentialLR's `__init__`: reset the rate to
    /// `initial_lr`, undo the parts' initial steps, redo the first part's.
    fn attach(
        specs: &[ScheduleSpec],
        milestones: &[u64],
        optimizer: &mut Optimizer,
    ) -> Result<Sequential> {
        let mut children = specs
            .iter()
            .map(|s| LrSchedule::attach(s, optimizer))
            .collect::<Result<Vec<_>>>()?;
        if let Some(lr) = optimizer.initial_lr() {
            optimizer.set_lr(lr);
        }
        for c in &mut children {
            c.last_epoch -= 1;
        }
        let idx = bisect_right(milestones, 0);
        children[idx].initial_step(optimizer)?;
        let last_lr = children[idx].last_lr;
        Ok(Sequential {
            children,
            milestones: milestones.to_vec(),
            last_epoch: 0,
            last_lr,
        })
    }

    fn step(&mut self, optimizer: &mut Optimizer) -> Result<()> {
        self.last_epoch += 1;
        let idx = bisect_right(&self.milestones, self.last_epoch);
        let child = &mut self.children[idx];
        if idx > 0 && self.milestones[idx - 1] as i64 == self.last_epoch {
            child.jump_to(optimizer, 0)?;
        } else {
            child.step(optimizer)?;
        }
        self.last_lr = child.last_lr;
        Ok(())
    }
}

/// Python's `bisect.bisect_right` on increasing milestones.
fn bisect_right(milestones: &[u64], x: i64) -> usize {
    milestones.iter().take_while(|m| **m as i64 <= x).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OptimizerSpec;

    fn rates(schedule: &str, optimizer: &str, steps: usize) -> Vec<f64> {
        let mut opt = Optimizer::new(&OptimizerSpec::parse(optimizer).unwrap(), 1).unwrap();
        let mut s = Scheduler::new(&ScheduleSpec::parse(schedule).unwrap(), &mut opt).unwrap();
        let mut out = Vec::new();
        for _ in 0..steps {
            out.push(opt.lr());
            s.step(&mut opt, Some(1.0)).unwrap();
        }
        out
    }

    #[test]
    fn defaults_and_round_trips() {
        for (src, want) in [
            (
                "multisteplr(milestones=[3,1])",
                "multisteplr(milestones=[3,1],gamma=0.1)",
            ),
            ("exponentiallr(gamma=0.9)", "exponentiallr(gamma=0.9)"),
            (
                "linearlr",
                "linearlr(start_factor=0.3333333333333333,end_factor=1,total_iters=5)",
            ),
            (
                "constantlr",
                "constantlr(factor=0.3333333333333333,total_iters=5)",
            ),
            (
                "onecyclelr(max_lr=0.1,epochs=2,steps_per_epoch=5)",
                "onecyclelr(max_lr=0.1,epochs=2,steps_per_epoch=5,pct_start=0.3,anneal_strategy=cos,cycle_momentum=true,base_momentum=0.85,max_momentum=0.95,div_factor=25,final_div_factor=1e4,three_phase=false)",
            ),
            (
                "reducelronplateau",
                "reducelronplateau(mode=min,factor=0.1,patience=10,threshold=1e-4,threshold_mode=rel,cooldown=0,min_lr=0,eps=1e-8)",
            ),
            (
                "sequentiallr(schedulers=[constantlr, steplr(step_size=2)], milestones=[4])",
                "sequentiallr(constantlr(factor=0.3333333333333333,total_iters=5),steplr(step_size=2,gamma=0.1),milestones=[4])",
            ),
        ] {
            let s = ScheduleSpec::parse(src).unwrap();
            assert_eq!(s.to_string(), want);
            assert_eq!(ScheduleSpec::parse(want).unwrap(), s);
        }
    }

    #[test]
    fn every_check_names_the_constraint_and_the_value() {
        for (src, want) in [
            (
                "steplr(step_size=0)",
                "invalid step_size: `steplr` needs step_size ≥ 1, found 0",
            ),
            (
                "steplr(step_size=-2)",
                "invalid step_size: `steplr` expects a non-negative integer up to 2^53, found `-2`",
            ),
            (
                "exponentiallr",
                "invalid gamma: `exponentiallr` needs gamma (PyTorch has no default)",
            ),
            (
                "multisteplr",
                "invalid milestones: `multisteplr` needs milestones (PyTorch has no default)",
            ),
            (
                "cosineannealinglr",
                "invalid t_max: `cosineannealinglr` needs t_max (PyTorch has no default)",
            ),
            (
                "cosineannealinglr(t_max=0)",
                "invalid t_max: `cosineannealinglr` needs t_max ≥ 1, found 0",
            ),
            (
                "linearlr(start_factor=0)",
                "invalid start_factor: `linearlr` needs 0 < start_factor ≤ 1, found 0",
            ),
            (
                "linearlr(end_factor=2)",
                "invalid end_factor: `linearlr` needs 0 ≤ end_factor ≤ 1, found 2",
            ),
            (
                "constantlr(factor=-1)",
                "invalid factor: `constantlr` needs 0 ≤ factor ≤ 1, found -1",
            ),
            (
                "onecyclelr(total_steps=10)",
                "invalid max_lr: `onecyclelr` needs max_lr (PyTorch has no default)",
            ),
            (
                "onecyclelr(max_lr=1,epochs=3)",
                "invalid total_steps: `onecyclelr` needs either total_steps or both epochs and steps_per_epoch",
            ),
            (
                "onecyclelr(max_lr=1,total_steps=0)",
                "invalid total_steps: `onecyclelr` needs a positive total_steps, found 0",
            ),
            (
                "onecyclelr(max_lr=1,epochs=0,steps_per_epoch=3)",
                "invalid epochs: `onecyclelr` needs a positive number of epochs, found 0",
            ),
            (
                "onecyclelr(max_lr=1,epochs=2,steps_per_epoch=0)",
                "invalid steps_per_epoch: `onecyclelr` needs a positive steps_per_epoch, found 0",
            ),
            (
                "onecyclelr(max_lr=1,total_steps=9,pct_start=1.5)",
                "invalid pct_start: `onecyclelr` needs 0 ≤ pct_start ≤ 1, found 1.5",
            ),
            (
                "onecyclelr(max_lr=-1,total_steps=9)",
                "invalid max_lr: `onecyclelr` needs max_lr ≥ 0, found -1",
            ),
            (
                "onecyclelr(max_lr=1,total_steps=9,anneal_strategy=sin)",
                "invalid anneal_strategy: `onecyclelr` expects one of `cos`, `linear`, found `sin`",
            ),
            (
                "reducelronplateau(factor=1)",
                "invalid factor: `reducelronplateau` needs factor < 1, found 1",
            ),
            (
                "reducelronplateau(mode=up)",
                "invalid mode: `reducelronplateau` expects one of `min`, `max`, found `up`",
            ),
            (
                "sequentiallr(milestones=[])",
                "invalid schedulers: `sequentiallr` needs at least one schedule, found none",
            ),
            (
                "sequentiallr(linearlr,steplr(step_size=3),milestones=[])",
                "invalid milestones: `sequentiallr` needs one milestone fewer than schedules, found 2 schedules and 0 milestones",
            ),
            (
                "sequentiallr(linearlr,constantlr,linearlr,milestones=[5,5])",
                "invalid milestones: `sequentiallr` needs increasing milestones, found [5,5]",
            ),
            (
                "sequentiallr(linearlr,reducelronplateau,milestones=[5])",
                "invalid schedulers: `sequentiallr` needs schedules other than reducelronplateau and sequentiallr, found `reducelronplateau` at index 1",
            ),
            (
                "sequentiallr(linearlr)",
                "invalid milestones: `sequentiallr` needs milestones (PyTorch has no default)",
            ),
            (
                "sequentiallr(3,milestones=[])",
                "invalid schedulers: `sequentiallr` expects schedules, found `3`",
            ),
            (
                "steplr(5)",
                "invalid argument: `steplr` takes key=value arguments, found `5` without a key",
            ),
            (
                "onecyclelr(max_lr=1,epochs=9007199254740992,steps_per_epoch=2)",
                "invalid epochs × steps_per_epoch: `onecyclelr` needs epochs × steps_per_epoch ≤ 2^53, found 18014398509481984",
            ),
            (
                "cosineannealinglr(t_max=9007199254740993)",
                "invalid t_max: `cosineannealinglr` expects a non-negative integer up to 2^53, found `9007199254740993`",
            ),
            (
                "exponentiallr(gamma=1e999)",
                "invalid gamma: `exponentiallr` expects a finite number, found `1e999`",
            ),
        ] {
            assert_eq!(
                ScheduleSpec::parse(src).unwrap_err().to_string(),
                want,
                "{src}"
            );
        }
        let e = ScheduleSpec::parse("cosine(t_max=3)").unwrap_err();
        assert!(matches!(e, Error::Unknown { .. }));
        assert!(e.to_string().contains("cosineannealinglr"), "{e}");
    }

    #[test]
    fn chainable_rates_follow_torch() {
        assert_eq!(
            rates("multisteplr(milestones=[2,4,4],gamma=0.5)", "sgd(lr=1)", 6),
            [1.0, 1.0, 0.5, 0.5, 0.125, 0.125]
        );
        assert_eq!(
            rates("constantlr(factor=0.5,total_iters=2)", "sgd(lr=1)", 4),
            [0.5, 0.5, 1.0, 1.0]
        );
        let cos = rates("cosineannealinglr(t_max=4)", "sgd(lr=1)", 9);
        assert_eq!(cos[0], 1.0);
        assert!(cos[4].abs() < 1e-15, "{cos:?}");
        assert!((cos[8] - 1.0).abs() < 1e-12, "{cos:?}");
    }

    #[test]
    fn onecycle_refuses_steps_beyond_the_cycle() {
        let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
        let spec = ScheduleSpec::parse("onecyclelr(max_lr=1,total_steps=2)").unwrap();
        let mut s = Scheduler::new(&spec, &mut opt).unwrap();
        s.step(&mut opt, None).unwrap();
        s.step(&mut opt, None).unwrap();
        let e = s.step(&mut opt, None).unwrap_err().to_string();
        assert!(e.contains("stepped 3 times"), "{e}");
    }

    #[test]
    fn constantlr_with_factor_zero_fails_where_torch_divides_by_zero() {
        let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
        let spec = ScheduleSpec::parse("constantlr(factor=0,total_iters=1)").unwrap();
        let mut s = Scheduler::new(&spec, &mut opt).unwrap();
        assert!(
            s.step(&mut opt, None)
                .unwrap_err()
                .to_string()
                .contains("ZeroDivisionError")
        );
    }

    #[test]
    fn state_refuses_strangers_and_fractions() {
        let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
        let spec = ScheduleSpec::parse("sequentiallr(linearlr,steplr(step_size=2),milestones=[3])")
            .unwrap();
        let mut s = Scheduler::new(&spec, &mut opt).unwrap();
        let good = s.state();
        assert!(good.contains_key("1.base_lr"));
        let mut bad = good.clone();
        bad.insert("x".into(), vec![1.0]);
        assert!(
            s.load_state(&bad)
                .unwrap_err()
                .to_string()
                .contains("unknown `sequentiallr` state entry `x`")
        );
        let mut bad = good.clone();
        bad.insert("0.step_count".into(), vec![0.5]);
        assert!(
            s.load_state(&bad)
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
        let mut bad = good.clone();
        bad.remove("last_lr");
        assert!(s.load_state(&bad).is_err());
        s.load_state(&good).unwrap();
    }
}
