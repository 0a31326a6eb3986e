//! Each layer's forward and backward pass, written once over the scalar.
//!
//! Over f64 the backward pass is the gradient; over dual scalars whose
//! tangents are seeded in the parameters it is forward-over-reverse: the
//! tangent of the gradient is a Hessian-vector product (or K Hessian
//! columns). Derivatives of activations are written in terms of S so their
//! own tangents — the second derivatives — come along.

use super::kernel::{KernelScalar, Matrix, Op, gemm, gemm_data_left, gemm_data_right};
use crate::Layer;

/// PyTorch's defaults.
pub(crate) const NORM_EPS: f64 = Layer::NORM_EPS;
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

/// A layer's input: the data set itself (no tangents) or an activation.
/// Only a Linear layer takes the data directly; the network lifts the data
/// to S before any other first layer.
pub(crate) enum Input<'a, S> {
    Data(&'a Matrix<f64>),
    Value(&'a Matrix<S>),
}

impl<S: KernelScalar> Input<'_, S> {
    fn value(&self) -> &Matrix<S> {
        match self {
            Input::Data(_) => {
                unreachable!("the network lifts data before a non-linear first layer")
            }
            Input::Value(m) => m,
        }
    }
}

/// What a layer's forward pass keeps for its backward pass.
pub(crate) enum Cache<S> {
    /// The input (Linear, element-wise activations: their derivative is
    /// written in terms of input and output).
    Input,
    /// The output, for activations whose derivative uses it.
    Output(Matrix<S>),
    /// Normalised values and inverse standard deviations (per column for
    /// BatchNorm, per row for LayerNorm).
    Norm {
        normalised: Matrix<S>,
        inv_std: Vec<S>,
    },
    /// Nothing (Dropout, BatchNorm in eval mode).
    None,
}

fn slice<S: Copy>(theta: &[S], offset: usize, len: usize) -> &[S] {
    &theta[offset..offset + len]
}

/// Forward pass of one layer. Returns the output and the cache.
pub(crate) fn forward<S: KernelScalar>(
    layer: &Layer,
    slots: &Slots,
    theta: &[S],
    input: &Input<'_, S>,
    bn: BatchNormMode,
) -> (Matrix<S>, Cache<S>) {
    match *layer {
        Layer::Linear {
            inputs, outputs, ..
        } => {
            let w = Matrix::new(
                outputs,
                inputs,
                slice(
                    theta,
                    slots.weight.expect("linear has a weight"),
                    outputs * inputs,
                )
                .to_vec(),
            );
            let mut z = match input {
                Input::Data(x) => gemm_data_left(x, Op::N, &w, Op::T),
                Input::Value(a) => gemm(a, Op::N, &w, Op::T),
            };
            if let Some(b) = slots.bias {
                let b = slice(theta, b, outputs);
                for i in 0..z.rows {
                    for (zj, &bj) in z.row_mut(i).iter_mut().zip(b) {
                        *zj += bj;
                    }
                }
            }
            (z, Cache::Input)
        }
        Layer::Dropout { .. } => (input.value().clone(), Cache::None),
        Layer::BatchNorm { features } => batch_norm_forward(features, slots, theta, input, bn),
        Layer::LayerNorm { features } => layer_norm_forward(features, slots, theta, input),
        _ => {
            let x = input.value();
            let y = x.map(|v| activate(layer, v));
            match layer {
                Layer::Tanh | Layer::Sigmoid | Layer::Elu { .. } => {
                    let kept = y.clone();
                    (y, Cache::Output(kept))
                }
                _ => (y, Cache::Input),
            }
        }
    }
}

/// An element-wise activation, as PyTorch defines it: evaluated in f64 on
/// the real part, with the derivative carried to the tangents by the chain
/// rule.
fn activate<S: KernelScalar>(layer: &Layer, x: S) -> S {
    let r = x.re();
    let (value, slope) = match *layer {
        Layer::Tanh => {
            let t = r.tanh();
            (t, 1.0 - t * t)
        }
        Layer::Sigmoid => {
            let s = sigmoid(r);
            (s, s * (1.0 - s))
        }
        Layer::Relu => {
            if r > 0.0 {
                (r, 1.0)
            } else {
                (0.0, 0.0)
            }
        }
        Layer::LeakyRelu { slope } => {
            if r > 0.0 {
                (r, 1.0)
            } else {
                (r * slope, slope)
            }
        }
        Layer::Elu { alpha } => {
            if r > 0.0 {
                (r, 1.0)
            } else {
                (alpha * r.exp_m1(), alpha * r.exp())
            }
        }
        // PyTorch's Softplus(beta=1, threshold=20) is linear above 20.
        Layer::Softplus => {
            if r > SOFTPLUS_THRESHOLD {
                (r, 1.0)
            } else {
                (r.exp().ln_1p(), sigmoid(r))
            }
        }
        // nn.GELU() (approximate='none'): x·Φ(x).
        Layer::Gelu => (r * normal_cdf(r), normal_cdf(r) + r * normal_pdf(r)),
        _ => unreachable!("not an element-wise activation: {layer:?}"),
    };
    x.chain(value, slope)
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (e + 1.0)
    }
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + super::kernel::erf(x * std::f64::consts::FRAC_1_SQRT_2))
}

fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp()
        * (0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2)
}

/// d(activation)/dx in terms of the input x and the output y, as a scalar
/// whose own tangent is the second derivative.
fn derivative<S: KernelScalar>(layer: &Layer, x: S, y: S) -> S {
    let r = x.re();
    match *layer {
        Layer::Tanh => -(y * y) + 1.0,
        Layer::Sigmoid => y * (-y + 1.0),
        Layer::Relu => S::from(if r > 0.0 { 1.0 } else { 0.0 }),
        Layer::LeakyRelu { slope } => S::from(if r > 0.0 { 1.0 } else { slope }),
        Layer::Elu { alpha } => {
            if r > 0.0 {
                S::one()
            } else {
                y + alpha
            }
        }
        Layer::Softplus => {
            if r > SOFTPLUS_THRESHOLD {
                S::one()
            } else {
                let s = sigmoid(r);
                x.chain(s, s * (1.0 - s))
            }
        }
        // Φ(x) + x·φ(x); its derivative is φ(x)·(2 − x²).
        Layer::Gelu => {
            let pdf = normal_pdf(r);
            x.chain(normal_cdf(r) + r * pdf, pdf * (2.0 - r * r))
        }
        _ => unreachable!("not an element-wise activation: {layer:?}"),
    }
}

fn batch_norm_forward<S: KernelScalar>(
    n: usize,
    slots: &Slots,
    theta: &[S],
    input: &Input<'_, S>,
    bn: BatchNormMode,
) -> (Matrix<S>, Cache<S>) {
    let x = input.value();
    let gamma = slice(theta, slots.weight.expect("batchnorm is affine"), n);
    let beta = slice(theta, slots.bias.expect("batchnorm is affine"), n);
    let mut y = x.clone();
    match bn {
        BatchNormMode::Eval => {
            let (mean, var) = slots
                .running
                .as_ref()
                .expect("batchnorm has running statistics");
            for i in 0..x.rows {
                for j in 0..n {
                    let inv = (var[j] + NORM_EPS).sqrt().recip();
                    y.data[i * n + j] = gamma[j] * ((x.data[i * n + j] - mean[j]) * inv) + beta[j];
                }
            }
            (y, Cache::None)
        }
        BatchNormMode::Train => {
            let rows = x.rows as f64;
            let mut normalised = x.clone();
            let mut inv_std = Vec::with_capacity(n);
            for j in 0..n {
                let mean = (0..x.rows).map(|i| x.data[i * n + j]).sum::<S>() / rows;
                let var = (0..x.rows)
                    .map(|i| {
                        let d = x.data[i * n + j] - mean;
                        d * d
                    })
                    .sum::<S>()
                    / rows;
                let inv = (var + NORM_EPS).sqrt().recip();
                for i in 0..x.rows {
                    let z = (x.data[i * n + j] - mean) * inv;
                    normalised.data[i * n + j] = z;
                    y.data[i * n + j] = gamma[j] * z + beta[j];
                }
                inv_std.push(inv);
            }
            (
                y,
                Cache::Norm {
                    normalised,
                    inv_std,
                },
            )
        }
    }
}

fn layer_norm_forward<S: KernelScalar>(
    n: usize,
    slots: &Slots,
    theta: &[S],
    input: &Input<'_, S>,
) -> (Matrix<S>, Cache<S>) {
    let x = input.value();
    let gamma = slice(theta, slots.weight.expect("layernorm is affine"), n);
    let beta = slice(theta, slots.bias.expect("layernorm is affine"), n);
    let cols = n as f64;
    let mut normalised = x.clone();
    let mut y = x.clone();
    let mut inv_std = Vec::with_capacity(x.rows);
    for i in 0..x.rows {
        let row = x.row(i);
        let mean = row.iter().copied().sum::<S>() / cols;
        let var = row.iter().map(|&v| (v - mean) * (v - mean)).sum::<S>() / cols;
        let inv = (var + NORM_EPS).sqrt().recip();
        for j in 0..n {
            let z = (row[j] - mean) * inv;
            normalised.data[i * n + j] = z;
            y.data[i * n + j] = gamma[j] * z + beta[j];
        }
        inv_std.push(inv);
    }
    (
        y,
        Cache::Norm {
            normalised,
            inv_std,
        },
    )
}

/// Backward pass of one layer: adds the parameter gradient into `grad` and
/// returns the gradient with respect to the input (None when `need_input`
/// is false, i.e. for the first layer).
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<S: KernelScalar>(
    layer: &Layer,
    slots: &Slots,
    theta: &[S],
    input: &Input<'_, S>,
    cache: &Cache<S>,
    d_out: Matrix<S>,
    grad: &mut [S],
    bn: BatchNormMode,
    need_input: bool,
) -> Option<Matrix<S>> {
    match *layer {
        Layer::Linear {
            inputs, outputs, ..
        } => {
            let w_at = slots.weight.expect("linear has a weight");
            // dW = dZᵀ·X
            let dw = match input {
                Input::Data(x) => gemm_data_right(&d_out, Op::T, x, Op::N),
                Input::Value(a) => gemm(&d_out, Op::T, a, Op::N),
            };
            for (g, d) in grad[w_at..w_at + outputs * inputs].iter_mut().zip(&dw.data) {
                *g += *d;
            }
            if let Some(b_at) = slots.bias {
                for i in 0..d_out.rows {
                    for (g, d) in grad[b_at..b_at + outputs].iter_mut().zip(d_out.row(i)) {
                        *g += *d;
                    }
                }
            }
            need_input.then(|| {
                let w = Matrix::new(
                    outputs,
                    inputs,
                    slice(theta, w_at, outputs * inputs).to_vec(),
                );
                gemm(&d_out, Op::N, &w, Op::N)
            })
        }
        Layer::Dropout { .. } => Some(d_out),
        Layer::BatchNorm { features } => Some(batch_norm_backward(
            features, slots, theta, input, cache, d_out, grad, bn,
        )),
        Layer::LayerNorm { features } => Some(norm_backward_rows(
            features, slots, theta, cache, d_out, grad,
        )),
        _ => {
            let x = input.value();
            let mut d = d_out;
            match cache {
                Cache::Output(y) => {
                    for ((dv, &xv), &yv) in d.data.iter_mut().zip(&x.data).zip(&y.data) {
                        *dv *= derivative(layer, xv, yv);
                    }
                }
                _ => {
                    for (dv, &xv) in d.data.iter_mut().zip(&x.data) {
                        *dv *= derivative(layer, xv, S::zero());
                    }
                }
            }
            Some(d)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn batch_norm_backward<S: KernelScalar>(
    n: usize,
    slots: &Slots,
    theta: &[S],
    input: &Input<'_, S>,
    cache: &Cache<S>,
    d_out: Matrix<S>,
    grad: &mut [S],
    bn: BatchNormMode,
) -> Matrix<S> {
    let (g_at, b_at) = (slots.weight.expect("affine"), slots.bias.expect("affine"));
    let gamma = slice(theta, g_at, n).to_vec();
    let rows = d_out.rows;
    let mut d_in = d_out.clone();
    match (bn, cache) {
        (BatchNormMode::Eval, _) => {
            let x = input.value();
            let (mean, var) = slots.running.as_ref().expect("running statistics");
            for j in 0..n {
                let inv = (var[j] + NORM_EPS).sqrt().recip();
                for i in 0..rows {
                    let dy = d_out.data[i * n + j];
                    grad[g_at + j] += dy * ((x.data[i * n + j] - mean[j]) * inv);
                    grad[b_at + j] += dy;
                    d_in.data[i * n + j] = dy * gamma[j] * inv;
                }
            }
        }
        (
            BatchNormMode::Train,
            Cache::Norm {
                normalised,
                inv_std,
            },
        ) => {
            let count = rows as f64;
            for j in 0..n {
                let (mut sum_d, mut sum_dz) = (S::zero(), S::zero());
                for i in 0..rows {
                    let dy = d_out.data[i * n + j];
                    let z = normalised.data[i * n + j];
                    grad[g_at + j] += dy * z;
                    grad[b_at + j] += dy;
                    let dz = dy * gamma[j];
                    sum_d += dz;
                    sum_dz += dz * z;
                }
                for i in 0..rows {
                    let dz = d_out.data[i * n + j] * gamma[j];
                    let z = normalised.data[i * n + j];
                    d_in.data[i * n + j] = inv_std[j] * (dz - sum_d / count - z * sum_dz / count);
                }
            }
        }
        _ => unreachable!("batchnorm in train mode caches its statistics"),
    }
    d_in
}

// Rows and columns index several arrays at once here.
#[allow(clippy::needless_range_loop)]
fn norm_backward_rows<S: KernelScalar>(
    n: usize,
    slots: &Slots,
    theta: &[S],
    cache: &Cache<S>,
    d_out: Matrix<S>,
    grad: &mut [S],
) -> Matrix<S> {
    let Cache::Norm {
        normalised,
        inv_std,
    } = cache
    else {
        unreachable!("layernorm caches its statistics")
    };
    let (g_at, b_at) = (slots.weight.expect("affine"), slots.bias.expect("affine"));
    let gamma = slice(theta, g_at, n).to_vec();
    let count = n as f64;
    let mut d_in = d_out.clone();
    for i in 0..d_out.rows {
        let (mut sum_d, mut sum_dz) = (S::zero(), S::zero());
        for j in 0..n {
            let dy = d_out.data[i * n + j];
            let z = normalised.data[i * n + j];
            grad[g_at + j] += dy * z;
            grad[b_at + j] += dy;
            let dz = dy * gamma[j];
            sum_d += dz;
            sum_dz += dz * z;
        }
        for j in 0..n {
            let dz = d_out.data[i * n + j] * gamma[j];
            let z = normalised.data[i * n + j];
            d_in.data[i * n + j] = inv_std[i] * (dz - sum_d / count - z * sum_dz / count);
        }
    }
    d_in
}
