//! [`OptimizerSpec`] (which torch.optim optimizer, with which settings) and
//! [`Optimizer`] (one running instance: settings, step count and buffers).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::adaptive::{self, AdagradStep, AdamBuffers, AdamStep, RmspropBuffers, RmspropStep};
use super::sgd::{self, SgdStep};
use super::spec::{Args, Call, flag, num, parse_call, require};
use crate::{Error, Result};

/// The first-order optimizers, with PyTorch's names.
pub(crate) const OPTIMIZER_NAMES: [&str; 9] = [
    "gd", "momentum", "sgd", "adagrad", "rmsprop", "adam", "adamw", "radam", "nadam",
];

/// A first-order optimizer and its settings: a torch.optim class with its
/// keyword arguments (PyTorch 2.15 defaults), or one of two textbook
/// methods.
///
/// Parse one from the spec syntax `name(key=value,…)` (see the
/// [`descend`](crate::descend) for the whole syntax); a bare name takes
/// PyTorch's defaults. [`Display`](fmt::Display) writes the canonical spec
/// with every value, which parses back to the same spec.
///
/// | spec | torch.optim | keys (defaults) |
/// |---|---|---|
/// | `gd` | — | `lr=1e-3`: θ ← θ − η·g |
/// | `momentum` | — | `lr=1e-3, lambda=0.9`: m ← λm − ηg, θ ← θ + m |
/// | `sgd` | `SGD` | `lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=false, maximize=false` |
/// | `adagrad` | `Adagrad` | `lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=false` |
/// | `rmsprop` | `RMSprop` | `lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=false, maximize=false` |
/// | `adam` | `Adam` | `lr=1e-3, betas=(0.9,0.999), eps=1e-8, weight_decay=0, amsgrad=false, maximize=false, decoupled_weight_decay=false` |
/// | `adamw` | `AdamW` | as `adam` with `weight_decay=0.01`, always decoupled |
/// | `radam` | `RAdam` | `lr=1e-3, betas=(0.9,0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=false, maximize=false` |
/// | `nadam` | `NAdam` | `lr=2e-3, betas=(0.9,0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3, decoupled_weight_decay=false, maximize=false` |
///
/// # Examples
///
/// ```
/// use saddlescope::OptimizerSpec;
///
/// let spec = OptimizerSpec::parse("adam(lr=0.01, betas=(0.8,0.99))").unwrap();
/// assert_eq!(spec.lr(), 0.01);
/// assert_eq!(
///     spec.to_string(),
///     "adam(lr=0.01,betas=(0.8,0.99),eps=1e-8,weight_decay=0,amsgrad=false,maximize=false,decoupled_weight_decay=false)"
/// );
/// assert_eq!(spec.to_string().parse::<OptimizerSpec>().unwrap(), spec);
///
/// // PyTorch's own checks, with the value found:
/// let err = OptimizerSpec::parse("sgd(nesterov=true)").unwrap_err();
/// assert!(err.to_string().contains("nesterov"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OptimizerSpec {
    /// Textbook gradient descent, θ ← θ − η·g (the same steps as `sgd`).
    Gd {
        /// Learning rate η.
        lr: f64,
    },
    /// Heavy ball (Polyak 1964): m ← λ·m − η·g, θ ← θ + m, m₀ = 0.
    Momentum {
        /// Learning rate η.
        lr: f64,
        /// Momentum λ ∈ [0, 1).
        lambda: f64,
    },
    /// `torch.optim.SGD`.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum factor; 0 turns momentum off.
        momentum: f64,
        /// Dampening of the gradient in the momentum buffer.
        dampening: f64,
        /// L2 penalty added to the gradient.
        weight_decay: f64,
        /// Nesterov momentum.
        nesterov: bool,
        /// Ascend instead of descend.
        maximize: bool,
    },
    /// `torch.optim.Adagrad`.
    Adagrad {
        /// Learning rate.
        lr: f64,
        /// Learning-rate decay: step t uses lr / (1 + (t − 1)·lr_decay).
        lr_decay: f64,
        /// L2 penalty added to the gradient.
        weight_decay: f64,
        /// Starting value of the sum of squared gradients.
        initial_accumulator_value: f64,
        /// Added to the square root of the sum.
        eps: f64,
        /// Ascend instead of descend.
        maximize: bool,
    },
    /// `torch.optim.RMSprop`.
    Rmsprop {
        /// Learning rate.
        lr: f64,
        /// Smoothing constant of the squared-gradient average.
        alpha: f64,
        /// Added to the root of the average.
        eps: f64,
        /// L2 penalty added to the gradient.
        weight_decay: f64,
        /// Momentum factor; 0 turns momentum off.
        momentum: f64,
        /// Normalise by the estimated variance rather than the second moment.
        centered: bool,
        /// Ascend instead of descend.
        maximize: bool,
    },
    /// `torch.optim.Adam`.
    Adam {
        /// Learning rate.
        lr: f64,
        /// Decay rates of the first and second moment averages.
        betas: (f64, f64),
        /// Added to the bias-corrected root of the second moment.
        eps: f64,
        /// Weight decay (L2 penalty unless decoupled).
        weight_decay: f64,
        /// The AMSGrad variant (maximum of past second moments).
        amsgrad: bool,
        /// Ascend instead of descend.
        maximize: bool,
        /// Shrink θ by lr·weight_decay instead (AdamW).
        decoupled_weight_decay: bool,
    },
    /// `torch.optim.AdamW`: Adam with decoupled weight decay.
    AdamW {
        /// Learning rate.
        lr: f64,
        /// Decay rates of the first and second moment averages.
        betas: (f64, f64),
        /// Added to the bias-corrected root of the second moment.
        eps: f64,
        /// Decoupled weight decay: θ ← θ·(1 − lr·weight_decay) each step.
        weight_decay: f64,
        /// The AMSGrad variant.
        amsgrad: bool,
        /// Ascend instead of descend.
        maximize: bool,
    },
    /// `torch.optim.RAdam`.
    RAdam {
        /// Learning rate.
        lr: f64,
        /// Decay rates of the first and second moment averages.
        betas: (f64, f64),
        /// Added to the root of the second moment.
        eps: f64,
        /// Weight decay (L2 penalty unless decoupled).
        weight_decay: f64,
        /// Shrink θ by lr·weight_decay instead.
        decoupled_weight_decay: bool,
        /// Ascend instead of descend.
        maximize: bool,
    },
    /// `torch.optim.NAdam`.
    NAdam {
        /// Learning rate.
        lr: f64,
        /// Decay rates of the first and second moment averages.
        betas: (f64, f64),
        /// Added to the root of the second moment.
        eps: f64,
        /// Weight decay (L2 penalty unless decoupled).
        weight_decay: f64,
        /// ψ in the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)).
        momentum_decay: f64,
        /// Shrink θ by lr·weight_decay instead.
        decoupled_weight_decay: bool,
        /// Ascend instead of descend.
        maximize: bool,
    },
}

impl OptimizerSpec {
    /// Parses `name(key=value,…)` and checks the values as PyTorch does.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for malformed syntax, [`Error::Unknown`] for an
    /// unknown optimizer or key (listing the valid ones),
    /// [`Error::InvalidSetting`] for a value of the wrong type or out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Error, OptimizerSpec};
    ///
    /// assert_eq!(OptimizerSpec::parse("nadam").unwrap().lr(), 2e-3);
    /// let err = OptimizerSpec::parse("adamm").unwrap_err();
    /// assert!(matches!(err, Error::Unknown { .. }));
    /// assert!(err.to_string().contains("adam, adamw"));
    /// let err = OptimizerSpec::parse("adam(betas=(0.9,1.0))").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid betas: `adam` needs 0 ≤ betas[1] < 1, found 1");
    /// ```
    pub fn parse(src: &str) -> Result<OptimizerSpec> {
        let call = parse_call(src, "optimizer spec")?;
        OptimizerSpec::from_call(&call)
    }

    pub(crate) fn from_call(call: &Call) -> Result<OptimizerSpec> {
        let name = call.name.as_str();
        let keys: &[&str] = match name {
            "gd" => &["lr"],
            "momentum" => &["lr", "lambda"],
            "sgd" => &[
                "lr",
                "momentum",
                "dampening",
                "weight_decay",
                "nesterov",
                "maximize",
            ],
            "adagrad" => &[
                "lr",
                "lr_decay",
                "weight_decay",
                "initial_accumulator_value",
                "eps",
                "maximize",
            ],
            "rmsprop" => &[
                "lr",
                "alpha",
                "eps",
                "weight_decay",
                "momentum",
                "centered",
                "maximize",
            ],
            "adam" => &[
                "lr",
                "betas",
                "eps",
                "weight_decay",
                "amsgrad",
                "maximize",
                "decoupled_weight_decay",
            ],
            "adamw" => &["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
            "radam" => &[
                "lr",
                "betas",
                "eps",
                "weight_decay",
                "decoupled_weight_decay",
                "maximize",
            ],
            "nadam" => &[
                "lr",
                "betas",
                "eps",
                "weight_decay",
                "momentum_decay",
                "decoupled_weight_decay",
                "maximize",
            ],
            _ => {
                return Err(Error::Unknown {
                    kind: "optimizer".to_string(),
                    name: call.name.clone(),
                    known: OPTIMIZER_NAMES.join(", "),
                });
            }
        };
        let a = Args::new(call, keys)?;
        a.no_positional()?;
        let betas = || a.pair("betas", (0.9, 0.999));
        let spec = match name {
            "gd" => OptimizerSpec::Gd {
                lr: a.f64("lr", 1e-3)?,
            },
            "momentum" => OptimizerSpec::Momentum {
                lr: a.f64("lr", 1e-3)?,
                lambda: a.f64("lambda", 0.9)?,
            },
            "sgd" => OptimizerSpec::Sgd {
                lr: a.f64("lr", 1e-3)?,
                momentum: a.f64("momentum", 0.0)?,
                dampening: a.f64("dampening", 0.0)?,
                weight_decay: a.f64("weight_decay", 0.0)?,
                nesterov: a.bool("nesterov", false)?,
                maximize: a.bool("maximize", false)?,
            },
            "adagrad" => OptimizerSpec::Adagrad {
                lr: a.f64("lr", 1e-2)?,
                lr_decay: a.f64("lr_decay", 0.0)?,
                weight_decay: a.f64("weight_decay", 0.0)?,
                initial_accumulator_value: a.f64("initial_accumulator_value", 0.0)?,
                eps: a.f64("eps", 1e-10)?,
                maximize: a.bool("maximize", false)?,
            },
            "rmsprop" => OptimizerSpec::Rmsprop {
                lr: a.f64("lr", 1e-2)?,
                alpha: a.f64("alpha", 0.99)?,
                eps: a.f64("eps", 1e-8)?,
                weight_decay: a.f64("weight_decay", 0.0)?,
                momentum: a.f64("momentum", 0.0)?,
                centered: a.bool("centered", false)?,
                maximize: a.bool("maximize", false)?,
            },
            "adam" => OptimizerSpec::Adam {
                lr: a.f64("lr", 1e-3)?,
                betas: betas()?,
                eps: a.f64("eps", 1e-8)?,
                weight_decay: a.f64("weight_decay", 0.0)?,
                amsgrad: a.bool("amsgrad", false)?,
                maximize: a.bool("maximize", false)?,
                decoupled_weight_decay: a.bool("decoupled_weight_decay", false)?,
            },
            "adamw" => OptimizerSpec::AdamW {
                lr: a.f64("lr", 1e-3)?,
                betas: betas()?,
                eps: a.f64("eps", 1e-8)?,
                weight_decay: a.f64("weight_decay", 1e-2)?,
                amsgrad: a.bool("amsgrad", false)?,
                maximize: a.bool("maximize", false)?,
            },
            "radam" => OptimizerSpec::RAdam {
                lr: a.f64("lr", 1e-3)?,
                betas: betas()?,
                eps: a.f64("eps", 1e-8)?,
                weight_decay: a.f64("weight_decay", 0.0)?,
                decoupled_weight_decay: a.bool("decoupled_weight_decay", false)?,
                maximize: a.bool("maximize", false)?,
            },
            _ => OptimizerSpec::NAdam {
                lr: a.f64("lr", 2e-3)?,
                betas: betas()?,
                eps: a.f64("eps", 1e-8)?,
                weight_decay: a.f64("weight_decay", 0.0)?,
                momentum_decay: a.f64("momentum_decay", 4e-3)?,
                decoupled_weight_decay: a.bool("decoupled_weight_decay", false)?,
                maximize: a.bool("maximize", false)?,
            },
        };
        spec.check()?;
        Ok(spec)
    }

    /// The spec name: `adam`, `sgd`, ….
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::OptimizerSpec;
    /// assert_eq!(OptimizerSpec::parse("AdamW").unwrap().name(), "adamw");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerSpec::Gd { .. } => "gd",
            OptimizerSpec::Momentum { .. } => "momentum",
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Adagrad { .. } => "adagrad",
            OptimizerSpec::Rmsprop { .. } => "rmsprop",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::AdamW { .. } => "adamw",
            OptimizerSpec::RAdam { .. } => "radam",
            OptimizerSpec::NAdam { .. } => "nadam",
        }
    }

    /// The learning rate.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::OptimizerSpec;
    /// assert_eq!(OptimizerSpec::parse("adagrad").unwrap().lr(), 0.01);
    /// ```
    pub fn lr(&self) -> f64 {
        match self {
            OptimizerSpec::Gd { lr }
            | OptimizerSpec::Momentum { lr, .. }
            | OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::AdamW { lr, .. }
            | OptimizerSpec::RAdam { lr, .. }
            | OptimizerSpec::NAdam { lr, .. } => *lr,
        }
    }

    fn lr_mut(&mut self) -> &mut f64 {
        match self {
            OptimizerSpec::Gd { lr }
            | OptimizerSpec::Momentum { lr, .. }
            | OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::AdamW { lr, .. }
            | OptimizerSpec::RAdam { lr, .. }
            | OptimizerSpec::NAdam { lr, .. } => lr,
        }
    }

    /// The setting OneCycleLR cycles: `momentum` (sgd, rmsprop), `lambda`
    /// (momentum) or `betas[0]` (the Adam family); `None` for gd and
    /// adagrad, which have neither.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::OptimizerSpec;
    /// assert_eq!(OptimizerSpec::parse("adam").unwrap().momentum(), Some(0.9));
    /// assert_eq!(OptimizerSpec::parse("sgd").unwrap().momentum(), Some(0.0));
    /// assert_eq!(OptimizerSpec::parse("adagrad").unwrap().momentum(), None);
    /// ```
    pub fn momentum(&self) -> Option<f64> {
        match self {
            OptimizerSpec::Gd { .. } | OptimizerSpec::Adagrad { .. } => None,
            OptimizerSpec::Momentum { lambda, .. } => Some(*lambda),
            OptimizerSpec::Sgd { momentum, .. } | OptimizerSpec::Rmsprop { momentum, .. } => {
                Some(*momentum)
            }
            OptimizerSpec::Adam { betas, .. }
            | OptimizerSpec::AdamW { betas, .. }
            | OptimizerSpec::RAdam { betas, .. }
            | OptimizerSpec::NAdam { betas, .. } => Some(betas.0),
        }
    }

    fn momentum_mut(&mut self) -> Option<&mut f64> {
        match self {
            OptimizerSpec::Gd { .. } | OptimizerSpec::Adagrad { .. } => None,
            OptimizerSpec::Momentum { lambda, .. } => Some(lambda),
            OptimizerSpec::Sgd { momentum, .. } | OptimizerSpec::Rmsprop { momentum, .. } => {
                Some(momentum)
            }
            OptimizerSpec::Adam { betas, .. }
            | OptimizerSpec::AdamW { betas, .. }
            | OptimizerSpec::RAdam { betas, .. }
            | OptimizerSpec::NAdam { betas, .. } => Some(&mut betas.0),
        }
    }

    /// Checks the settings as the torch.optim constructor does (its
    /// `ValueError`s), plus `0 ≤ lambda < 1` for `momentum`. Every failure
    /// names the setting, the constraint and the value found.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for the first setting out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::OptimizerSpec;
    /// let spec = OptimizerSpec::Sgd {
    ///     lr: -0.1,
    ///     momentum: 0.0,
    ///     dampening: 0.0,
    ///     weight_decay: 0.0,
    ///     nesterov: false,
    ///     maximize: false,
    /// };
    /// assert_eq!(spec.check().unwrap_err().to_string(), "invalid lr: `sgd` needs lr ≥ 0, found -0.1");
    /// ```
    pub fn check(&self) -> Result<()> {
        let owner = self.name();
        let nonneg =
            |key: &str, v: f64| require(v >= 0.0, owner, key, &format!("{key} ≥ 0"), num(v));
        let betas = |b: (f64, f64)| {
            require(
                (0.0..1.0).contains(&b.0),
                owner,
                "betas",
                "0 ≤ betas[0] < 1",
                num(b.0),
            )?;
            require(
                (0.0..1.0).contains(&b.1),
                owner,
                "betas",
                "0 ≤ betas[1] < 1",
                num(b.1),
            )
        };
        nonneg("lr", self.lr())?;
        match *self {
            OptimizerSpec::Gd { .. } => Ok(()),
            OptimizerSpec::Momentum { lambda, .. } => require(
                (0.0..1.0).contains(&lambda),
                owner,
                "lambda",
                "0 ≤ lambda < 1",
                num(lambda),
            ),
            OptimizerSpec::Sgd {
                momentum,
                dampening,
                weight_decay,
                nesterov,
                ..
            } => {
                nonneg("momentum", momentum)?;
                nonneg("weight_decay", weight_decay)?;
                require(
                    !nesterov || (momentum > 0.0 && dampening == 0.0),
                    owner,
                    "nesterov",
                    "momentum > 0 and dampening = 0 for Nesterov momentum",
                    format!("momentum={}, dampening={}", num(momentum), num(dampening)),
                )
            }
            OptimizerSpec::Adagrad {
                lr_decay,
                weight_decay,
                initial_accumulator_value,
                eps,
                ..
            } => {
                nonneg("lr_decay", lr_decay)?;
                nonneg("weight_decay", weight_decay)?;
                nonneg("initial_accumulator_value", initial_accumulator_value)?;
                nonneg("eps", eps)
            }
            OptimizerSpec::Rmsprop {
                alpha,
                eps,
                weight_decay,
                momentum,
                ..
            } => {
                nonneg("eps", eps)?;
                nonneg("momentum", momentum)?;
                nonneg("weight_decay", weight_decay)?;
                nonneg("alpha", alpha)
            }
            OptimizerSpec::Adam {
                betas: b,
                eps,
                weight_decay,
                ..
            }
            | OptimizerSpec::AdamW {
                betas: b,
                eps,
                weight_decay,
                ..
            }
            | OptimizerSpec::RAdam {
                betas: b,
                eps,
                weight_decay,
                ..
            } => {
                nonneg("eps", eps)?;
                betas(b)?;
                nonneg("weight_decay", weight_decay)
            }
            OptimizerSpec::NAdam {
                betas: b,
                eps,
                weight_decay,
                momentum_decay,
                ..
            } => {
                nonneg("eps", eps)?;
                betas(b)?;
                nonneg("weight_decay", weight_decay)?;
                nonneg("momentum_decay", momentum_decay)
            }
        }
    }
}

impl FromStr for OptimizerSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        OptimizerSpec::parse(s)
    }
}

impl fmt::Display for OptimizerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pair = |b: (f64, f64)| format!("({},{})", num(b.0), num(b.1));
        match *self {
            OptimizerSpec::Gd { lr } => write!(f, "gd(lr={})", num(lr)),
            OptimizerSpec::Momentum { lr, lambda } => {
                write!(f, "momentum(lr={},lambda={})", num(lr), num(lambda))
            }
            OptimizerSpec::Sgd {
                lr,
                momentum,
                dampening,
                weight_decay,
                nesterov,
                maximize,
            } => write!(
                f,
                "sgd(lr={},momentum={},dampening={},weight_decay={},nesterov={},maximize={})",
                num(lr),
                num(momentum),
                num(dampening),
                num(weight_decay),
                flag(nesterov),
                flag(maximize)
            ),
            OptimizerSpec::Adagrad {
                lr,
                lr_decay,
                weight_decay,
                initial_accumulator_value,
                eps,
                maximize,
            } => write!(
                f,
                "adagrad(lr={},lr_decay={},weight_decay={},initial_accumulator_value={},eps={},maximize={})",
                num(lr),
                num(lr_decay),
                num(weight_decay),
                num(initial_accumulator_value),
                num(eps),
                flag(maximize)
            ),
            OptimizerSpec::Rmsprop {
                lr,
                alpha,
                eps,
                weight_decay,
                momentum,
                centered,
                maximize,
            } => write!(
                f,
                "rmsprop(lr={},alpha={},eps={},weight_decay={},momentum={},centered={},maximize={})",
                num(lr),
                num(alpha),
                num(eps),
                num(weight_decay),
                num(momentum),
                flag(centered),
                flag(maximize)
            ),
            OptimizerSpec::Adam {
                lr,
                betas,
                eps,
                weight_decay,
                amsgrad,
                maximize,
                decoupled_weight_decay,
            } => write!(
                f,
                "adam(lr={},betas={},eps={},weight_decay={},amsgrad={},maximize={},decoupled_weight_decay={})",
                num(lr),
                pair(betas),
                num(eps),
                num(weight_decay),
                flag(amsgrad),
                flag(maximize),
                flag(decoupled_weight_decay)
            ),
            OptimizerSpec::AdamW {
                lr,
                betas,
                eps,
                weight_decay,
                amsgrad,
                maximize,
            } => write!(
                f,
                "adamw(lr={},betas={},eps={},weight_decay={},amsgrad={},maximize={})",
                num(lr),
                pair(betas),
                num(eps),
                num(weight_decay),
                flag(amsgrad),
                flag(maximize)
            ),
            OptimizerSpec::RAdam {
                lr,
                betas,
                eps,
                weight_decay,
                decoupled_weight_decay,
                maximize,
            } => write!(
                f,
                "radam(lr={},betas={},eps={},weight_decay={},decoupled_weight_decay={},maximize={})",
                num(lr),
                pair(betas),
                num(eps),
                num(weight_decay),
                flag(decoupled_weight_decay),
                flag(maximize)
            ),
            OptimizerSpec::NAdam {
                lr,
                betas,
                eps,
                weight_decay,
                momentum_decay,
                decoupled_weight_decay,
                maximize,
            } => write!(
                f,
                "nadam(lr={},betas={},eps={},weight_decay={},momentum_decay={},decoupled_weight_decay={},maximize={})",
                num(lr),
                pair(betas),
                num(eps),
                num(weight_decay),
                num(momentum_decay),
                flag(decoupled_weight_decay),
                flag(maximize)
            ),
        }
    }
}

/// A running optimizer over a flat parameter vector: its current settings
/// (a schedule changes `lr`, and OneCycleLR the momentum), its step count
/// and its buffers, all exportable as named flat `f64` vectors.
///
/// [`step`](Optimizer::step) updates θ in place from ∇f(θ), exactly as the
/// torch.optim class's single-tensor ("for-loop") implementation does on
/// CPU in float64 with `torch.set_default_dtype(torch.float64)` (see the
/// [`descend`](crate::descend) for what "exactly" rests on).
///
/// # Examples
///
/// ```
/// use saddlescope::{Optimizer, OptimizerSpec};
///
/// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd(lr=0.1,momentum=0.9)").unwrap(), 1).unwrap();
/// let mut x = [1.0];
/// for _ in 0..3 {
///     let g = [2.0 * x[0]]; // f = x²
///     opt.step(&mut x, &g).unwrap();
/// }
/// assert!(x[0].abs() < 1.0);
/// assert!(opt.state().contains_key("momentum_buffer"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    spec: OptimizerSpec,
    dim: usize,
    /// torch's `param_group["initial_lr"]`, set by the first schedule.
    initial_lr: Option<f64>,
    step: u64,
    mu_product: f64,
    buffers: BTreeMap<&'static str, Vec<f64>>,
}

impl Optimizer {
    /// A fresh optimizer for `dim` parameters: step 0, buffers at their
    /// initial values (zeros; Adagrad's sum at `initial_accumulator_value`;
    /// SGD's momentum buffer is created by the first step, as in torch).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] if the spec fails [`OptimizerSpec::check`].
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let opt = Optimizer::new(&OptimizerSpec::parse("adam").unwrap(), 3).unwrap();
    /// assert_eq!(opt.state()["exp_avg"], vec![0.0; 3]);
    /// assert_eq!(opt.state()["step"], vec![0.0]);
    /// ```
    pub fn new(spec: &OptimizerSpec, dim: usize) -> Result<Optimizer> {
        spec.check()?;
        let mut buffers = BTreeMap::new();
        for (name, init) in buffer_layout(spec) {
            buffers.insert(name, vec![init; dim]);
        }
        Ok(Optimizer {
            spec: spec.clone(),
            dim,
            initial_lr: None,
            step: 0,
            mu_product: 1.0,
            buffers,
        })
    }

    /// The current settings (with the learning rate and momentum a schedule
    /// may have set).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("gd").unwrap(), 1).unwrap();
    /// opt.set_lr(0.5);
    /// assert_eq!(opt.spec().to_string(), "gd(lr=0.5)");
    /// ```
    pub fn spec(&self) -> &OptimizerSpec {
        &self.spec
    }

    /// The number of parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// assert_eq!(Optimizer::new(&OptimizerSpec::parse("gd").unwrap(), 4).unwrap().dim(), 4);
    /// ```
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The learning rate the next step uses.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let opt = Optimizer::new(&OptimizerSpec::parse("rmsprop").unwrap(), 1).unwrap();
    /// assert_eq!(opt.lr(), 0.01);
    /// ```
    pub fn lr(&self) -> f64 {
        self.spec.lr()
    }

    /// Sets the learning rate of the next steps (what a schedule does; like
    /// torch, not checked).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("sgd").unwrap(), 1).unwrap();
    /// opt.set_lr(0.25);
    /// let mut x = [1.0];
    /// opt.step(&mut x, &[1.0]).unwrap();
    /// assert_eq!(x, [0.75]);
    /// ```
    pub fn set_lr(&mut self, lr: f64) {
        *self.spec.lr_mut() = lr;
    }

    /// The momentum OneCycleLR cycles (`momentum`, `lambda` or `betas[0]`),
    /// `None` for gd and adagrad.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let opt = Optimizer::new(&OptimizerSpec::parse("nadam").unwrap(), 1).unwrap();
    /// assert_eq!(opt.momentum(), Some(0.9));
    /// ```
    pub fn momentum(&self) -> Option<f64> {
        self.spec.momentum()
    }

    /// Sets the momentum of the next steps: `momentum` for sgd and rmsprop,
    /// `lambda` for momentum, `betas[0]` for the Adam family — what
    /// OneCycleLR does with `cycle_momentum=true`. Like torch, the value is
    /// not checked.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for gd and adagrad, which have no momentum.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("adam").unwrap(), 1).unwrap();
    /// opt.set_momentum(0.85).unwrap();
    /// assert!(opt.spec().to_string().contains("betas=(0.85,0.999)"));
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("adagrad").unwrap(), 1).unwrap();
    /// assert!(opt.set_momentum(0.9).is_err());
    /// ```
    pub fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        let name = self.spec.name();
        match self.spec.momentum_mut() {
            Some(m) => {
                *m = momentum;
                Ok(())
            }
            None => Err(Error::InvalidSetting {
                name: "momentum".to_string(),
                message: format!("`{name}` has neither momentum nor betas to set"),
            }),
        }
    }

    /// torch's `param_group["initial_lr"]`: set by the first schedule
    /// attached, read by all of them.
    pub(crate) fn initial_lr(&self) -> Option<f64> {
        self.initial_lr
    }

    pub(crate) fn set_initial_lr(&mut self, lr: f64) {
        self.initial_lr = Some(lr);
    }

    /// The number of steps taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("adam").unwrap(), 1).unwrap();
    /// opt.step(&mut [0.0], &[1.0]).unwrap();
    /// assert_eq!(opt.steps(), 1);
    /// ```
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// One step: updates `params` in place from the gradient `grad` at
    /// `params`, with the current learning rate.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] if `params` or `grad` is not
    /// [`dim`](Optimizer::dim) long.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let mut opt = Optimizer::new(&OptimizerSpec::parse("adam(lr=0.1)").unwrap(), 2).unwrap();
    /// let mut x = [1.0, -1.0];
    /// opt.step(&mut x, &[2.0, -2.0]).unwrap();
    /// assert!((x[0] - 0.9).abs() < 1e-9 && (x[1] + 0.9).abs() < 1e-9);
    /// assert!(opt.step(&mut x, &[1.0]).is_err());
    /// ```
    pub fn step(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        // The update rules use fused multiply-adds (as torch's kernels do):
        // compiled for AVX2+FMA they are single instructions and the loops
        // vectorise; the portable build calls libm's fma. Same bits either
        // way — fma, sqrt and division are correctly rounded.
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the processor supports the features the function is compiled for.
                return unsafe { self.step_avx512(params, grad) };
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: as above.
                return unsafe { self.step_avx2(params, grad) };
            }
        }
        self.step_portable(params, grad)
    }

    /// Eight doubles per division and square root, which dominate Adam's
    /// update (measured: 2× the AVX2 build's speed at 2,410 parameters).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn step_avx512(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        self.step_portable(params, grad)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn step_avx2(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        self.step_portable(params, grad)
    }

    #[inline(always)]
    fn step_portable(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        for (what, len) in [("parameters", params.len()), ("gradient", grad.len())] {
            if len != self.dim {
                return Err(Error::DimensionMismatch {
                    what: format!("{what} for `{}`", self.spec.name()),
                    expected: format!("{} entries", self.dim),
                    found: format!("{len}"),
                });
            }
        }
        self.step += 1;
        let step = self.step;
        let mut take = |name: &'static str| self.buffers.remove(name);
        let mut exp_avg = take("exp_avg");
        let mut exp_avg_sq = take("exp_avg_sq");
        let mut max_exp_avg_sq = take("max_exp_avg_sq");
        let mut momentum_buffer = take("momentum_buffer");
        let mut square_avg = take("square_avg");
        let mut grad_avg = take("grad_avg");
        let mut sum = take("sum");
        let adam_step = |lr, betas: (f64, f64), eps, weight_decay, decoupled, maximize| AdamStep {
            lr,
            beta1: betas.0,
            beta2: betas.1,
            eps,
            weight_decay,
            decoupled_weight_decay: decoupled,
            maximize,
        };
        match self.spec {
            OptimizerSpec::Gd { lr } => sgd::gd(lr, params, grad),
            OptimizerSpec::Momentum { lr, lambda } => {
                let velocity = momentum_buffer.get_or_insert_with(|| vec![0.0; self.dim]);
                sgd::momentum(lr, lambda, velocity, params, grad);
            }
            OptimizerSpec::Sgd {
                lr,
                momentum,
                dampening,
                weight_decay,
                nesterov,
                maximize,
            } => {
                let s = SgdStep {
                    lr,
                    momentum,
                    dampening,
                    weight_decay,
                    nesterov,
                    maximize,
                };
                sgd::sgd(&s, &mut momentum_buffer, params, grad);
            }
            OptimizerSpec::Adagrad {
                lr,
                lr_decay,
                weight_decay,
                eps,
                maximize,
                ..
            } => {
                let s = AdagradStep {
                    lr,
                    lr_decay,
                    weight_decay,
                    eps,
                    maximize,
                };
                let sum = sum.get_or_insert_with(|| vec![0.0; self.dim]);
                adaptive::adagrad(&s, step, sum, params, grad);
            }
            OptimizerSpec::Rmsprop {
                lr,
                alpha,
                eps,
                weight_decay,
                momentum,
                centered,
                maximize,
            } => {
                let s = RmspropStep {
                    lr,
                    alpha,
                    eps,
                    weight_decay,
                    momentum,
                    centered,
                    maximize,
                };
                let zeros = || vec![0.0; self.dim];
                let b = RmspropBuffers {
                    square_avg: square_avg.get_or_insert_with(zeros),
                    grad_avg: grad_avg.as_deref_mut(),
                    momentum_buffer: momentum_buffer.get_or_insert_with(zeros),
                };
                adaptive::rmsprop(&s, b, params, grad);
            }
            OptimizerSpec::Adam {
                lr,
                betas,
                eps,
                weight_decay,
                amsgrad: _,
                maximize,
                decoupled_weight_decay,
            } => {
                let s = adam_step(
                    lr,
                    betas,
                    eps,
                    weight_decay,
                    decoupled_weight_decay,
                    maximize,
                );
                adam_like(
                    &s,
                    step,
                    &mut exp_avg,
                    &mut exp_avg_sq,
                    &mut max_exp_avg_sq,
                    params,
                    grad,
                );
            }
            OptimizerSpec::AdamW {
                lr,
                betas,
                eps,
                weight_decay,
                maximize,
                ..
            } => {
                let s = adam_step(lr, betas, eps, weight_decay, true, maximize);
                adam_like(
                    &s,
                    step,
                    &mut exp_avg,
                    &mut exp_avg_sq,
                    &mut max_exp_avg_sq,
                    params,
                    grad,
                );
            }
            OptimizerSpec::RAdam {
                lr,
                betas,
                eps,
                weight_decay,
                decoupled_weight_decay,
                maximize,
            } => {
                let s = adam_step(
                    lr,
                    betas,
                    eps,
                    weight_decay,
                    decoupled_weight_decay,
                    maximize,
                );
                let zeros = || vec![0.0; self.dim];
                adaptive::radam(
                    &s,
                    step,
                    exp_avg.get_or_insert_with(zeros),
                    exp_avg_sq.get_or_insert_with(zeros),
                    params,
                    grad,
                );
            }
            OptimizerSpec::NAdam {
                lr,
                betas,
                eps,
                weight_decay,
                momentum_decay,
                decoupled_weight_decay,
                maximize,
            } => {
                let s = adam_step(
                    lr,
                    betas,
                    eps,
                    weight_decay,
                    decoupled_weight_decay,
                    maximize,
                );
                let zeros = || vec![0.0; self.dim];
                adaptive::nadam(
                    &s,
                    momentum_decay,
                    step,
                    &mut self.mu_product,
                    exp_avg.get_or_insert_with(zeros),
                    exp_avg_sq.get_or_insert_with(zeros),
                    params,
                    grad,
                );
            }
        }
        for (name, buffer) in [
            ("exp_avg", exp_avg),
            ("exp_avg_sq", exp_avg_sq),
            ("max_exp_avg_sq", max_exp_avg_sq),
            ("momentum_buffer", momentum_buffer),
            ("square_avg", square_avg),
            ("grad_avg", grad_avg),
            ("sum", sum),
        ] {
            if let Some(b) = buffer {
                self.buffers.insert(name, b);
            }
        }
        Ok(())
    }

    /// Everything a checkpoint needs to resume bit-identically, as named
    /// flat vectors: `lr`, `initial_lr` (once a schedule set it), the
    /// cycled momentum (`momentum`, `lambda` or `betas`), `step`,
    /// `mu_product` (nadam) and the buffers under torch's names
    /// (`exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`,
    /// `square_avg`, `grad_avg`, `sum`).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let opt = Optimizer::new(&OptimizerSpec::parse("rmsprop(centered=true)").unwrap(), 2).unwrap();
    /// let state = opt.state();
    /// let keys: Vec<&str> = state.keys().map(String::as_str).collect();
    /// assert_eq!(keys, ["grad_avg", "lr", "momentum", "momentum_buffer", "square_avg", "step"]);
    /// ```
    pub fn state(&self) -> BTreeMap<String, Vec<f64>> {
        let mut out = BTreeMap::new();
        out.insert("lr".to_string(), vec![self.lr()]);
        if let Some(lr) = self.initial_lr {
            out.insert("initial_lr".to_string(), vec![lr]);
        }
        if let Some((key, values)) = self.hyper_state() {
            out.insert(key.to_string(), values);
        }
        if has_step(&self.spec) {
            out.insert("step".to_string(), vec![self.step as f64]);
        }
        if matches!(self.spec, OptimizerSpec::NAdam { .. }) {
            out.insert("mu_product".to_string(), vec![self.mu_product]);
        }
        for (name, b) in &self.buffers {
            out.insert((*name).to_string(), b.clone());
        }
        out
    }

    fn hyper_state(&self) -> Option<(&'static str, Vec<f64>)> {
        match self.spec {
            OptimizerSpec::Gd { .. } | OptimizerSpec::Adagrad { .. } => None,
            OptimizerSpec::Momentum { lambda, .. } => Some(("lambda", vec![lambda])),
            OptimizerSpec::Sgd { momentum, .. } | OptimizerSpec::Rmsprop { momentum, .. } => {
                Some(("momentum", vec![momentum]))
            }
            OptimizerSpec::Adam { betas, .. }
            | OptimizerSpec::AdamW { betas, .. }
            | OptimizerSpec::RAdam { betas, .. }
            | OptimizerSpec::NAdam { betas, .. } => Some(("betas", vec![betas.0, betas.1])),
        }
    }

    /// Restores what [`state`](Optimizer::state) exported, for an optimizer
    /// made from the same spec and dimension. Attach schedules *before*
    /// loading (a schedule's constructor sets the learning rate, as in
    /// torch).
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for an entry this optimizer does not have,
    /// [`Error::InvalidInput`] for a missing entry or a step count that is
    /// not a whole number, [`Error::DimensionMismatch`] for an entry of the
    /// wrong length. Nothing is changed on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Optimizer, OptimizerSpec};
    /// let spec = OptimizerSpec::parse("adam(lr=0.1)").unwrap();
    /// let mut a = Optimizer::new(&spec, 1).unwrap();
    /// let mut x = [1.0];
    /// a.step(&mut x, &[2.0]).unwrap();
    /// let mut b = Optimizer::new(&spec, 1).unwrap();
    /// b.load_state(&a.state()).unwrap();
    /// let mut y = x;
    /// a.step(&mut x, &[1.0]).unwrap();
    /// b.step(&mut y, &[1.0]).unwrap();
    /// assert_eq!(x[0].to_bits(), y[0].to_bits());
    /// ```
    pub fn load_state(&mut self, state: &BTreeMap<String, Vec<f64>>) -> Result<()> {
        let name = self.spec.name();
        let mut scalars: Vec<(&str, usize)> = vec![("lr", 1)];
        if let Some((key, values)) = self.hyper_state() {
            scalars.push((key, values.len()));
        }
        if has_step(&self.spec) {
            scalars.push(("step", 1));
        }
        if matches!(self.spec, OptimizerSpec::NAdam { .. }) {
            scalars.push(("mu_product", 1));
        }
        let vectors: Vec<&str> = buffer_layout(&self.spec).iter().map(|(n, _)| *n).collect();
        let mut known: Vec<&str> = scalars.iter().map(|(k, _)| *k).collect();
        known.extend(&vectors);
        for key in &known {
            if !state.contains_key(*key) {
                return Err(Error::InvalidInput(format!(
                    "the state of `{name}` lacks the entry `{key}`"
                )));
            }
        }
        // Optional: set by a schedule; made by SGD's first momentum step.
        known.push("initial_lr");
        if matches!(self.spec, OptimizerSpec::Sgd { .. }) {
            known.push("momentum_buffer");
        }
        for (key, values) in state {
            let expected = if key == "initial_lr" {
                1
            } else if let Some((_, n)) = scalars.iter().find(|(k, _)| k == key) {
                *n
            } else if known.contains(&key.as_str()) {
                self.dim
            } else {
                return Err(Error::Unknown {
                    kind: format!("`{name}` state entry"),
                    name: key.clone(),
                    known: known.join(", "),
                });
            };
            if values.len() != expected {
                return Err(Error::DimensionMismatch {
                    what: format!("state entry `{key}` of `{name}`"),
                    expected: format!("{expected} values"),
                    found: format!("{}", values.len()),
                });
            }
        }
        let step = state.get("step").map_or(0.0, |s| s[0]);
        if !(step >= 0.0 && step.fract() == 0.0 && step < 2f64.powi(53)) {
            return Err(Error::InvalidInput(format!(
                "the step count in the state of `{name}` must be a whole number ≥ 0, found {step}"
            )));
        }
        self.set_lr(state["lr"][0]);
        self.initial_lr = state.get("initial_lr").map(|v| v[0]);
        if let Some((key, _)) = self.hyper_state() {
            let values = &state[key];
            match &mut self.spec {
                OptimizerSpec::Adam { betas, .. }
                | OptimizerSpec::AdamW { betas, .. }
                | OptimizerSpec::RAdam { betas, .. }
                | OptimizerSpec::NAdam { betas, .. } => *betas = (values[0], values[1]),
                other => {
                    if let Some(m) = other.momentum_mut() {
                        *m = values[0];
                    }
                }
            }
        }
        self.step = step as u64;
        if let Some(mp) = state.get("mu_product") {
            self.mu_product = mp[0];
        }
        self.buffers.clear();
        for key in known
            .into_iter()
            .filter(|k| *k == "momentum_buffer" || vectors.contains(k))
        {
            if let Some(v) = state.get(key) {
                self.buffers.insert(key, v.clone());
            }
        }
        Ok(())
    }
}

fn has_step(spec: &OptimizerSpec) -> bool {
    !matches!(
        spec,
        OptimizerSpec::Gd { .. } | OptimizerSpec::Momentum { .. } | OptimizerSpec::Sgd { .. }
    )
}

/// The buffers each optimizer keeps from the start, with their initial
/// value (SGD's momentum buffer is made by its first momentum step).
fn buffer_layout(spec: &OptimizerSpec) -> Vec<(&'static str, f64)> {
    match *spec {
        OptimizerSpec::Gd { .. } | OptimizerSpec::Sgd { .. } => vec![],
        OptimizerSpec::Momentum { .. } => vec![("momentum_buffer", 0.0)],
        OptimizerSpec::Adagrad {
            initial_accumulator_value,
            ..
        } => vec![("sum", initial_accumulator_value)],
        OptimizerSpec::Rmsprop { centered, .. } => {
            let mut v = vec![("square_avg", 0.0), ("momentum_buffer", 0.0)];
            if centered {
                v.push(("grad_avg", 0.0));
            }
            v
        }
        OptimizerSpec::Adam { amsgrad, .. } | OptimizerSpec::AdamW { amsgrad, .. } => {
            let mut v = vec![("exp_avg", 0.0), ("exp_avg_sq", 0.0)];
            if amsgrad {
                v.push(("max_exp_avg_sq", 0.0));
            }
            v
        }
        OptimizerSpec::RAdam { .. } | OptimizerSpec::NAdam { .. } => {
            vec![("exp_avg", 0.0), ("exp_avg_sq", 0.0)]
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn adam_like(
    s: &AdamStep,
    step: u64,
    exp_avg: &mut Option<Vec<f64>>,
    exp_avg_sq: &mut Option<Vec<f64>>,
    max_exp_avg_sq: &mut Option<Vec<f64>>,
    params: &mut [f64],
    grad: &[f64],
) {
    let n = params.len();
    let b = AdamBuffers {
        exp_avg: exp_avg.get_or_insert_with(|| vec![0.0; n]),
        exp_avg_sq: exp_avg_sq.get_or_insert_with(|| vec![0.0; n]),
        max_exp_avg_sq: max_exp_avg_sq.as_deref_mut(),
    };
    adaptive::adam(s, step, b, params, grad);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_take_pytorchs_defaults() {
        for (src, want) in [
            ("gd", "gd(lr=1e-3)"),
            ("momentum", "momentum(lr=1e-3,lambda=0.9)"),
            (
                "sgd",
                "sgd(lr=1e-3,momentum=0,dampening=0,weight_decay=0,nesterov=false,maximize=false)",
            ),
            (
                "adagrad",
                "adagrad(lr=0.01,lr_decay=0,weight_decay=0,initial_accumulator_value=0,eps=1e-10,maximize=false)",
            ),
            (
                "rmsprop",
                "rmsprop(lr=0.01,alpha=0.99,eps=1e-8,weight_decay=0,momentum=0,centered=false,maximize=false)",
            ),
            (
                "adam",
                "adam(lr=1e-3,betas=(0.9,0.999),eps=1e-8,weight_decay=0,amsgrad=false,maximize=false,decoupled_weight_decay=false)",
            ),
            (
                "adamw",
                "adamw(lr=1e-3,betas=(0.9,0.999),eps=1e-8,weight_decay=0.01,amsgrad=false,maximize=false)",
            ),
            (
                "radam",
                "radam(lr=1e-3,betas=(0.9,0.999),eps=1e-8,weight_decay=0,decoupled_weight_decay=false,maximize=false)",
            ),
            (
                "nadam",
                "nadam(lr=2e-3,betas=(0.9,0.999),eps=1e-8,weight_decay=0,momentum_decay=4e-3,decoupled_weight_decay=false,maximize=false)",
            ),
        ] {
            let spec = OptimizerSpec::parse(src).unwrap();
            assert_eq!(spec.to_string(), want);
            assert_eq!(OptimizerSpec::parse(want).unwrap(), spec);
        }
    }

    #[test]
    fn every_range_check_names_the_constraint_and_the_value() {
        for (src, want) in [
            ("gd(lr=-1)", "invalid lr: `gd` needs lr ≥ 0, found -1"),
            (
                "momentum(lambda=1)",
                "invalid lambda: `momentum` needs 0 ≤ lambda < 1, found 1",
            ),
            (
                "sgd(momentum=-0.5)",
                "invalid momentum: `sgd` needs momentum ≥ 0, found -0.5",
            ),
            (
                "sgd(weight_decay=-1)",
                "invalid weight_decay: `sgd` needs weight_decay ≥ 0, found -1",
            ),
            (
                "sgd(momentum=0.9,dampening=0.1,nesterov=true)",
                "invalid nesterov: `sgd` needs momentum > 0 and dampening = 0 for Nesterov momentum, found momentum=0.9, dampening=0.1",
            ),
            (
                "adagrad(lr_decay=-1)",
                "invalid lr_decay: `adagrad` needs lr_decay ≥ 0, found -1",
            ),
            (
                "adagrad(initial_accumulator_value=-1)",
                "invalid initial_accumulator_value: `adagrad` needs initial_accumulator_value ≥ 0, found -1",
            ),
            (
                "adagrad(eps=-1)",
                "invalid eps: `adagrad` needs eps ≥ 0, found -1",
            ),
            (
                "rmsprop(alpha=-0.1)",
                "invalid alpha: `rmsprop` needs alpha ≥ 0, found -0.1",
            ),
            (
                "adam(betas=(1,0.9))",
                "invalid betas: `adam` needs 0 ≤ betas[0] < 1, found 1",
            ),
            (
                "adamw(betas=(0.9,-0.1))",
                "invalid betas: `adamw` needs 0 ≤ betas[1] < 1, found -0.1",
            ),
            (
                "radam(eps=-1e-8)",
                "invalid eps: `radam` needs eps ≥ 0, found -1e-8",
            ),
            (
                "nadam(momentum_decay=-1)",
                "invalid momentum_decay: `nadam` needs momentum_decay ≥ 0, found -1",
            ),
            (
                "adam(lr=true)",
                "invalid lr: `adam` expects a number, found `true`",
            ),
            (
                "adam(amsgrad=1)",
                "invalid amsgrad: `adam` expects true or false, found `1`",
            ),
            (
                "adam(0.1)",
                "invalid argument: `adam` takes key=value arguments, found `0.1` without a key",
            ),
        ] {
            assert_eq!(
                OptimizerSpec::parse(src).unwrap_err().to_string(),
                want,
                "{src}"
            );
        }
        let e = OptimizerSpec::parse("adam(momentum=0.9)")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "unknown `adam` key `momentum`; known: lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay"
        );
    }

    #[test]
    fn state_round_trips_and_refuses_strangers() {
        let spec = OptimizerSpec::parse("nadam").unwrap();
        let mut a = Optimizer::new(&spec, 2).unwrap();
        let mut x = [0.5, -0.5];
        a.step(&mut x, &[1.0, 2.0]).unwrap();
        let mut b = Optimizer::new(&spec, 2).unwrap();
        b.load_state(&a.state()).unwrap();
        assert_eq!(a, b);

        let mut bad = a.state();
        bad.insert("velocity".into(), vec![0.0; 2]);
        let e = b.load_state(&bad).unwrap_err();
        assert!(matches!(e, Error::Unknown { .. }), "{e}");
        let mut bad = a.state();
        bad.insert("exp_avg".into(), vec![0.0; 3]);
        assert!(matches!(
            b.load_state(&bad).unwrap_err(),
            Error::DimensionMismatch { .. }
        ));
        let mut bad = a.state();
        bad.remove("mu_product");
        assert!(
            b.load_state(&bad)
                .unwrap_err()
                .to_string()
                .contains("lacks the entry `mu_product`")
        );
        let mut bad = a.state();
        bad.insert("step".into(), vec![1.5]);
        assert!(
            b.load_state(&bad)
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
        assert_eq!(a, b);
    }

    #[test]
    fn sgds_momentum_buffer_appears_with_the_first_step() {
        let spec = OptimizerSpec::parse("sgd(momentum=0.9)").unwrap();
        let mut a = Optimizer::new(&spec, 1).unwrap();
        assert!(!a.state().contains_key("momentum_buffer"));
        let mut b = a.clone();
        b.load_state(&a.state()).unwrap();
        a.step(&mut [1.0], &[1.0]).unwrap();
        assert_eq!(a.state()["momentum_buffer"], vec![1.0]);
    }
}
