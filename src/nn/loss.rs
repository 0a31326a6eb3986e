//! Losses, averaged over rows as PyTorch's `reduction='mean'`, with their
//! gradients with respect to the network's outputs — written once over the
//! scalar like the layers.

use std::fmt;
use std::str::FromStr;

use super::kernel::DualMat;
use super::layers::sigmoid;
use crate::{Dataset, Error, Result};

/// A loss function on the network's outputs.
///
/// # Examples
///
/// ```
/// use saddlescope::Loss;
/// assert_eq!("cross-entropy".parse::<Loss>().unwrap(), Loss::CrossEntropy);
/// assert_eq!(Loss::Mse.to_string(), "mse");
/// assert!("hinge".parse::<Loss>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Loss {
    /// Softmax over the logits and negative log-likelihood of integer
    /// labels (`nn.CrossEntropyLoss`).
    #[serde(rename = "cross-entropy")]
    CrossEntropy,
    /// Squared error averaged over rows and outputs (`nn.MSELoss`). With
    /// one output the target column is the target; with several, the
    /// integer labels are one-hot encoded.
    #[serde(rename = "mse")]
    Mse,
    /// Binary cross-entropy on one logit with 0/1 labels
    /// (`nn.BCEWithLogitsLoss`).
    #[serde(rename = "bce")]
    Bce,
}

impl Loss {
    /// Every loss, with its command-line name.
    pub const ALL: [Loss; 3] = [Loss::CrossEntropy, Loss::Mse, Loss::Bce];

    /// The command-line name: `cross-entropy`, `mse`, `bce`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Loss::Bce.name(), "bce");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Loss::CrossEntropy => "cross-entropy",
            Loss::Mse => "mse",
            Loss::Bce => "bce",
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Loss::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| Error::Unknown {
                kind: "loss".into(),
                name: s.into(),
                known: Loss::ALL.map(Loss::name).join(", "),
            })
    }
}

/// A data set's targets prepared for a loss and an output width.
#[derive(Debug, Clone)]
pub(crate) enum Targets {
    /// Class indices (cross-entropy).
    Classes(Vec<usize>),
    /// A dense target per output (mse, bce), row-major rows × outputs.
    Dense { cols: usize, values: Vec<f64> },
}

impl Targets {
    /// Checks and converts `data`'s targets for `loss` on `outputs` outputs.
    pub fn new(loss: Loss, data: &Dataset, outputs: usize) -> Result<Targets> {
        match loss {
            Loss::CrossEntropy => {
                if outputs < 2 {
                    return Err(Error::InvalidInput(format!(
                        "cross-entropy needs a network with at least 2 outputs (one logit per class), \
                         found {outputs}; use --loss bce for one logit or --loss mse for regression"
                    )));
                }
                Ok(Targets::Classes(data.class_labels(outputs)?))
            }
            Loss::Mse if outputs == 1 => Ok(Targets::Dense {
                cols: 1,
                values: data.targets().to_vec(),
            }),
            Loss::Mse => {
                let labels = data.class_labels(outputs)?;
                let mut values = vec![0.0; data.rows() * outputs];
                for (i, &c) in labels.iter().enumerate() {
                    values[i * outputs + c] = 1.0;
                }
                Ok(Targets::Dense {
                    cols: outputs,
                    values,
                })
            }
            Loss::Bce => {
                if outputs != 1 {
                    return Err(Error::InvalidInput(format!(
                        "bce (binary cross-entropy with logits) needs a network with 1 output, found {outputs}"
                    )));
                }
                Ok(Targets::Dense {
                    cols: 1,
                    values: data.binary_labels()?,
                })
            }
        }
    }

    /// The given rows, in order.
    pub fn select(&self, rows: &[usize]) -> Targets {
        match self {
            Targets::Classes(c) => Targets::Classes(rows.iter().map(|&r| c[r]).collect()),
            Targets::Dense { cols, values } => Targets::Dense {
                cols: *cols,
                values: rows
                    .iter()
                    .flat_map(|&r| values[r * cols..(r + 1) * cols].iter().copied())
                    .collect(),
            },
        }
    }

    /// Rows `start..end`.
    pub fn rows_range(&self, start: usize, end: usize) -> Targets {
        match self {
            Targets::Classes(c) => Targets::Classes(c[start..end].to_vec()),
            Targets::Dense { cols, values } => Targets::Dense {
                cols: *cols,
                values: values[start * cols..end * cols].to_vec(),
            },
        }
    }
}

/// The loss summed over the rows of `z` and divided by `total_rows` (the
/// rows of the whole data set, so chunks add up to the mean) as a 1×1 dual
/// matrix, and its gradient with respect to `z`.
pub(crate) fn loss_and_gradient(
    loss: Loss,
    z: &DualMat,
    targets: &Targets,
    total_rows: usize,
) -> (DualMat, DualMat) {
    let scale = 1.0 / total_rows as f64;
    let (rows, cols) = (z.rows, z.cols);
    match (loss, targets) {
        (Loss::CrossEntropy, Targets::Classes(labels)) => {
            // lse = m + ln Σ exp(z − m) for any constant shift m: the row max.
            let shift: Vec<f64> = (0..rows)
                .map(|i| {
                    z.re[i * cols..(i + 1) * cols]
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .collect();
            let neg_shift = DualMat::constant(rows, 1, z.k, shift.iter().map(|m| -m).collect());
            let e = z
                .clone()
                .broadcast(&neg_shift, true, true)
                .map_slices(super::fast::exp_nonpositive_slice);
            let sums = e.sum_cols();
            let log_sums = sums.map(|_, s| (s.ln(), 1.0 / s));
            let picked = z.pick(labels);
            // Σ_i ln Σ_j e_ij + m_i − z_i,y_i
            let total = log_sums.axpby(1.0, &picked, -1.0).sum_all().scale(scale);
            let total = DualMat {
                re: vec![total.re[0] + scale * shift.iter().sum::<f64>()],
                ..total
            };
            let inv = sums.map(|_, s| (1.0 / s, -1.0 / (s * s)));
            let mut onehot = vec![0.0; rows * cols];
            for (i, &c) in labels.iter().enumerate() {
                onehot[i * cols + c] = 1.0;
            }
            let d = e
                .broadcast(&inv, true, false)
                .add_constant(&onehot, -1.0)
                .scale(scale);
            (total, d)
        }
        (Loss::Mse, Targets::Dense { values, .. }) => {
            // nn.MSELoss averages over every element: rows × outputs.
            let per = scale / cols as f64;
            let r = z.add_constant(values, -1.0);
            (r.mul(&r).sum_all().scale(per), r.scale(2.0 * per))
        }
        (Loss::Bce, Targets::Dense { values, .. }) => {
            // softplus(x) − y·x, stably; its derivative is σ(x) − y.
            let softplus = z.map(|_, x| {
                let sp = if x > 0.0 {
                    x + (-x).exp().ln_1p()
                } else {
                    x.exp().ln_1p()
                };
                (sp, sigmoid(x))
            });
            let xy = z.map(|i, x| (x * values[i], values[i]));
            let total = softplus.axpby(1.0, &xy, -1.0).sum_all().scale(scale);
            let d = z
                .map(|i, x| {
                    let s = sigmoid(x);
                    (s - values[i], s * (1.0 - s))
                })
                .scale(scale);
            (total, d)
        }
        _ => unreachable!("targets are prepared for their loss"),
    }
}
