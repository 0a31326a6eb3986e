//! Each layer's forward and backward pass, written once over dual matrices.
//!
//! With no tangents the backward pass is the gradient; with tangents seeded
//! in the parameters it is forward-over-reverse: the tangent of the
//! gradient is a Hessian-vector product (or a block of Hessian columns).
//! Derivatives of activations are dual matrices themselves, so their own
//! tangents — the second derivatives — come along.

use super::fast;
use super::kernel::{DualMat, Op, erf, gemm};
use crate::Layer;

const NORM_EPS: f64 = Layer::NORM_EPS;
/// PyTorch's Softplus(beta=1, threshold=20) is linear above 20.
const SOFTPLUS_THRESHOLD: f64 = 20.0;

/// BatchNorm normalises with the running statistics (`eval`, PyTorch's
/// `model.eval()`) or with the statistics of the evaluated batch (`train`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchNormMode {
    /// The running mean and variance from the checkpoint.
    #[default]
    Eval,
    /// The mean and biased variance of the batch (the running buffers are
    /// not updated by an analysis).
    Train,
}

/// Where a layer's parameters sit in the flat vector, and its buffers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slots {
    pub weight: Option<usize>,
    pub bias: Option<usize>,
    /// BatchNorm's running mean and variance.
    pub running: Option<(Vec<f64>, Vec<f64>)>,
}

/// What a layer's forward pass keeps for its backward pass (besides its
/// input, which the network keeps).
pub(crate) enum Cache {
    /// Nothing beyond the input and output.
    None,
    /// Normalised values and inverse standard deviations (a row of them for
    /// BatchNorm, a column for LayerNorm).
    Norm {
        normalised: DualMat,
        inv_std: DualMat,
    },
}

fn weight(layer_slots: &Slots, theta: &DualMat, rows: usize, cols: usize) -> DualMat {
    theta.slice(
        layer_slots.weight.expect("the layer has a weight"),
        rows,
        cols,
    )
}

fn bias(layer_slots: &Slots, theta: &DualMat, n: usize) -> DualMat {
    theta.slice(layer_slots.bias.expect("the layer has a bias"), 1, n)
}

/// Forward pass of one layer.
pub(crate) fn forward(
    layer: &Layer,
    slots: &Slots,
    theta: &DualMat,
    x: &DualMat,
    bn: BatchNormMode,
) -> (DualMat, Cache) {
    match *layer {
        Layer::Linear {
            inputs, outputs, ..
        } => {
            let z = gemm(x, Op::N, &weight(slots, theta, outputs, inputs), Op::T);
            let z = match slots.bias {
                Some(_) => z.broadcast(&bias(slots, theta, outputs), false, true),
                None => z,
            };
            (z, Cache::None)
        }
        Layer::Dropout { .. } => (x.clone(), Cache::None),
        Layer::BatchNorm { features } => {
            let (normalised, inv_std) = match bn {
                BatchNormMode::Eval => {
                    let (mean, var) = slots.running.as_ref().expect("running statistics");
                    let neg_mean =
                        DualMat::constant(1, features, x.k, mean.iter().map(|m| -m).collect());
                    let inv = DualMat::constant(
                        1,
                        features,
                        x.k,
                        var.iter().map(|v| (v + NORM_EPS).sqrt().recip()).collect(),
                    );
                    (
                        x.clone()
                            .broadcast(&neg_mean, false, true)
                            .broadcast(&inv, false, false),
                        inv,
                    )
                }
                BatchNormMode::Train => normalise(x, false),
            };
            scale_and_shift(normalised, inv_std, slots, theta, features)
        }
        Layer::LayerNorm { features } => {
            let (normalised, inv_std) = normalise(x, true);
            scale_and_shift(normalised, inv_std, slots, theta, features)
        }
        _ => {
            // One loop per activation: the dispatch stays out of the loop.
            let y = match *layer {
                Layer::Tanh => x.map_slices(fast::tanh_slice),
                Layer::Sigmoid => x.map(|_, v| {
                    let s = sigmoid(v);
                    (s, s * (1.0 - s))
                }),
                _ => x.map(|_, v| activate(layer, v)),
            };
            (y, Cache::None)
        }
    }
}

/// γ ⊙ ẑ + β, the affine part of a normalisation layer; keeps ẑ and the
/// inverse standard deviations for the backward pass.
fn scale_and_shift(
    normalised: DualMat,
    inv_std: DualMat,
    slots: &Slots,
    theta: &DualMat,
    features: usize,
) -> (DualMat, Cache) {
    let y = normalised
        .clone()
        .broadcast(&weight(slots, theta, 1, features), false, false)
        .broadcast(&bias(slots, theta, features), false, true);
    (
        y,
        Cache::Norm {
            normalised,
            inv_std,
        },
    )
}

/// (x − mean)/√(var + eps) over each column (`by_row` false: BatchNorm with
/// batch statistics) or each row (`by_row` true: LayerNorm), with the
/// biased variance; returns it and 1/√(var + eps).
fn normalise(x: &DualMat, by_row: bool) -> (DualMat, DualMat) {
    let (sum, count) = if by_row {
        (DualMat::sum_cols as fn(&DualMat) -> DualMat, x.cols)
    } else {
        (DualMat::sum_rows as fn(&DualMat) -> DualMat, x.rows)
    };
    let inv_count = 1.0 / count as f64;
    let mean = sum(x).scale(-inv_count);
    let centred = x.clone().broadcast(&mean, by_row, true);
    let var = sum(&centred.mul(&centred)).scale(inv_count);
    let inv = var.map(|_, v| {
        let s = (v + NORM_EPS).sqrt().recip();
        (s, -0.5 * s * s * s)
    });
    (centred.broadcast(&inv, by_row, false), inv)
}

/// An element-wise activation and its derivative at x, as PyTorch defines it.
fn activate(layer: &Layer, x: f64) -> (f64, f64) {
    match *layer {
        Layer::Tanh => {
            let t = fast::tanh(x);
            (t, 1.0 - t * t)
        }
        Layer::Sigmoid => {
            let s = sigmoid(x);
            (s, s * (1.0 - s))
        }
        Layer::Relu => {
            if x > 0.0 {
                (x, 1.0)
            } else {
                (0.0, 0.0)
            }
        }
        Layer::LeakyRelu { slope } => {
            if x > 0.0 {
                (x, 1.0)
            } else {
                (x * slope, slope)
            }
        }
        Layer::Elu { alpha } => {
            if x > 0.0 {
                (x, 1.0)
            } else {
                (alpha * x.exp_m1(), alpha * x.exp())
            }
        }
        Layer::Softplus => {
            if x > SOFTPLUS_THRESHOLD {
                (x, 1.0)
            } else {
                (x.exp().ln_1p(), sigmoid(x))
            }
        }
        // nn.GELU() (approximate='none'): x·Φ(x).
        Layer::Gelu => (x * normal_cdf(x), normal_cdf(x) + x * normal_pdf(x)),
        _ => unreachable!("not an element-wise activation: {layer:?}"),
    }
}

pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (e + 1.0)
    }
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2))
}

fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp()
        * (0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2)
}

/// d_out ⊙ f′: the activation's backward pass, with f′ written in terms of
/// the input x or the output y so that its own tangent — the second
/// derivative — comes along.
fn activation_backward(layer: &Layer, d_out: &DualMat, x: &DualMat, y: &DualMat) -> DualMat {
    match *layer {
        Layer::Tanh => d_out.mul_map(y, |_, t| (1.0 - t * t, -2.0 * t)),
        Layer::Sigmoid => d_out.mul_map(y, |_, s| (s * (1.0 - s), 1.0 - 2.0 * s)),
        Layer::Relu => d_out.mul_map(x, |_, v| (if v > 0.0 { 1.0 } else { 0.0 }, 0.0)),
        Layer::LeakyRelu { slope } => {
            d_out.mul_map(x, |_, v| (if v > 0.0 { 1.0 } else { slope }, 0.0))
        }
        Layer::Elu { alpha } => d_out.mul_map(y, |i, yv| {
            if x.re[i] > 0.0 {
                (1.0, 0.0)
            } else {
                (yv + alpha, 1.0)
            }
        }),
        Layer::Softplus => d_out.mul_map(x, |_, v| {
            if v > SOFTPLUS_THRESHOLD {
                (1.0, 0.0)
            } else {
                let s = sigmoid(v);
                (s, s * (1.0 - s))
            }
        }),
        // Φ(x) + x·φ(x); its derivative is φ(x)·(2 − x²).
        Layer::Gelu => d_out.mul_map(x, |_, v| {
            let pdf = normal_pdf(v);
            (normal_cdf(v) + v * pdf, pdf * (2.0 - v * v))
        }),
        _ => unreachable!("not an element-wise activation: {layer:?}"),
    }
}

/// Backward pass of one layer: adds the parameter gradient into `grad` (a
/// row) and returns the gradient with respect to the input (None when
/// `need_input` is false, i.e. for the first layer).
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward(
    layer: &Layer,
    slots: &Slots,
    theta: &DualMat,
    x: &DualMat,
    y: &DualMat,
    cache: &Cache,
    d_out: DualMat,
    grad: &mut DualMat,
    bn: BatchNormMode,
    need_input: bool,
) -> Option<DualMat> {
    match *layer {
        Layer::Linear {
            inputs, outputs, ..
        } => {
            // dW = dZᵀ·X, db = Σ_rows dZ, dX = dZ·W.
            grad.add_into_slice(
                slots.weight.expect("weight"),
                &gemm(&d_out, Op::T, x, Op::N),
            );
            if let Some(b) = slots.bias {
                grad.add_into_slice(b, &d_out.sum_rows());
            }
            need_input.then(|| gemm(&d_out, Op::N, &weight(slots, theta, outputs, inputs), Op::N))
        }
        Layer::Dropout { .. } => Some(d_out),
        Layer::BatchNorm { features } | Layer::LayerNorm { features } => {
            let Cache::Norm {
                normalised,
                inv_std,
            } = cache
            else {
                unreachable!("norm layers cache their statistics")
            };
            let gamma = weight(slots, theta, 1, features);
            grad.add_into_slice(
                slots.weight.expect("weight"),
                &d_out.mul(normalised).sum_rows(),
            );
            grad.add_into_slice(slots.bias.expect("bias"), &d_out.sum_rows());
            let dz = d_out.broadcast(&gamma, false, false);
            let layer_norm = matches!(layer, Layer::LayerNorm { .. });
            Some(if layer_norm || bn == BatchNormMode::Train {
                norm_backward(&dz, normalised, inv_std, layer_norm)
            } else {
                // Running statistics: an affine map per column.
                dz.broadcast(inv_std, false, false)
            })
        }
        _ => Some(activation_backward(layer, &d_out, x, y)),
    }
}

/// The input gradient of a normalisation with batch (or row) statistics:
/// inv·(dẑ − mean(dẑ) − ẑ·mean(dẑ·ẑ)).
fn norm_backward(dz: &DualMat, z: &DualMat, inv: &DualMat, by_row: bool) -> DualMat {
    let (sum, count) = if by_row {
        (DualMat::sum_cols as fn(&DualMat) -> DualMat, dz.cols)
    } else {
        (DualMat::sum_rows as fn(&DualMat) -> DualMat, dz.rows)
    };
    let inv_count = 1.0 / count as f64;
    let m1 = sum(dz).scale(-inv_count);
    let m2 = sum(&dz.mul(z)).scale(inv_count);
    dz.clone()
        .broadcast(&m1, by_row, true)
        .axpby(1.0, &z.clone().broadcast(&m2, by_row, false), -1.0)
        .broadcast(inv, by_row, false)
}
