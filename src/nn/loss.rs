//! Losses, averaged over rows as PyTorch's `reduction='mean'`, with their
//! gradients with respect to the network's outputs — written once over the
//! scalar like the layers.

use std::fmt;
use std::str::FromStr;

use super::kernel::{KernelScalar, Matrix};
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
    Dense(Matrix<f64>),
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
            Loss::Mse if outputs == 1 => Ok(Targets::Dense(Matrix::new(
                data.rows(),
                1,
                data.targets().to_vec(),
            ))),
            Loss::Mse => {
                let labels = data.class_labels(outputs)?;
                let mut t = Matrix::filled(data.rows(), outputs, 0.0);
                for (i, &c) in labels.iter().enumerate() {
                    t.data[i * outputs + c] = 1.0;
                }
                Ok(Targets::Dense(t))
            }
            Loss::Bce => {
                if outputs != 1 {
                    return Err(Error::InvalidInput(format!(
                        "bce (binary cross-entropy with logits) needs a network with 1 output, found {outputs}"
                    )));
                }
                Ok(Targets::Dense(Matrix::new(
                    data.rows(),
                    1,
                    data.binary_labels()?,
                )))
            }
        }
    }

    /// Rows `start..end`.
    pub fn rows_range(&self, start: usize, end: usize) -> Targets {
        match self {
            Targets::Classes(c) => Targets::Classes(c[start..end].to_vec()),
            Targets::Dense(m) => Targets::Dense(m.rows_range(start, end)),
        }
    }
}

/// The loss summed over the rows of `z` and divided by `total_rows` (the
/// rows of the whole data set, so chunks add up to the mean), and its
/// gradient with respect to `z`.
pub(crate) fn loss_and_gradient<S: KernelScalar>(
    loss: Loss,
    z: &Matrix<S>,
    targets: &Targets,
    total_rows: usize,
) -> (S, Matrix<S>) {
    let scale = 1.0 / total_rows as f64;
    let mut d = z.clone();
    let mut total = S::zero();
    match (loss, targets) {
        (Loss::CrossEntropy, Targets::Classes(labels)) => {
            for i in 0..z.rows {
                let row = z.row(i);
                let max = row
                    .iter()
                    .copied()
                    .fold(row[0], |m, v| if v.re() > m.re() { v } else { m });
                let lse = row.iter().map(|&v| (v - max).exp()).sum::<S>().ln() + max;
                total += lse - row[labels[i]];
                for (j, dj) in d.row_mut(i).iter_mut().enumerate() {
                    let p = (row[j] - lse).exp();
                    *dj = if j == labels[i] { p - 1.0 } else { p } * scale;
                }
            }
        }
        (Loss::Mse, Targets::Dense(t)) => {
            // nn.MSELoss averages over every element: rows × outputs.
            let scale = scale / z.cols as f64;
            for (k, dk) in d.data.iter_mut().enumerate() {
                let r = z.data[k] - t.data[k];
                total += r * r;
                *dk = r * (2.0 * scale);
            }
            total *= 1.0 / z.cols as f64;
        }
        (Loss::Bce, Targets::Dense(t)) => {
            for (k, dk) in d.data.iter_mut().enumerate() {
                let (x, y) = (z.data[k], t.data[k]);
                // softplus(x) − y·x, stably; its derivative is σ(x) − y.
                let softplus = if x.re() > 0.0 {
                    x + (-x).exp().ln_1p()
                } else {
                    x.exp().ln_1p()
                };
                total += softplus - x * y;
                let sigma = if x.re() >= 0.0 {
                    ((-x).exp() + 1.0).recip()
                } else {
                    let e = x.exp();
                    e / (e + 1.0)
                };
                *dk = (sigma - y) * scale;
            }
        }
        _ => unreachable!("targets are prepared for their loss"),
    }
    (total * scale, d)
}
