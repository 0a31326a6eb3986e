//! The adaptive family's update rules, each a line-by-line transcription of
//! torch.optim's `_single_tensor_*` function (PyTorch 2.15): Adagrad
//! (Duchi, Hazan & Singer 2011), RMSprop (Tieleman & Hinton 2012), Adam
//! (Kingma & Ba 2015) with AMSGrad (Reddi, Kale & Kumar 2018) and AdamW's
//! decoupled weight decay (Loshchilov & Hutter 2019), RAdam (Liu et al.
//! 2020) and NAdam (Dozat 2016).
//!
//! Python-float scalars (bias corrections, step sizes) are computed in the
//! same order as torch's Python; tensor ops use [`super::torch_ops`].
//! `step` is the step count after the increment, as torch's `step_t += 1`.

use super::torch_ops::{add, addcdiv, addcmul, lerp, maximum, pow};

/// The gradient torch works with: negated when maximizing, then plus
/// weight_decay·θ (coupled weight decay).
#[inline(always)]
fn effective_grad(grad: &[f64], params: &[f64], maximize: bool, coupled_decay: f64) -> Vec<f64> {
    let mut d: Vec<f64> = if maximize {
        grad.iter().map(|g| -g).collect()
    } else {
        grad.to_vec()
    };
    if coupled_decay != 0.0 {
        for (d, p) in d.iter_mut().zip(params) {
            *d = add(*d, coupled_decay, *p);
        }
    }
    d
}

/// `param.mul_(1 - lr * weight_decay)`.
#[inline(always)]
fn decay(params: &mut [f64], lr: f64, weight_decay: f64) {
    let factor = 1.0 - lr * weight_decay;
    for p in params {
        *p *= factor;
    }
}

/// m ← lerp(m, g, 1 − β₁); v ← β₂·v + (1 − β₂)·g².
#[inline(always)]
fn moments(exp_avg: &mut [f64], exp_avg_sq: &mut [f64], d: &[f64], beta1: f64, beta2: f64) {
    for ((m, v), g) in exp_avg.iter_mut().zip(exp_avg_sq.iter_mut()).zip(d) {
        *m = lerp(*m, *g, 1.0 - beta1);
        *v = addcmul(*v * beta2, 1.0 - beta2, *g, *g);
    }
}

/// Adagrad's settings.
pub(super) struct AdagradStep {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub eps: f64,
    pub maximize: bool,
}

/// `_single_tensor_adagrad`: clr = lr / (1 + (step − 1)·lr_decay).
#[inline(always)]
pub(super) fn adagrad(
    s: &AdagradStep,
    step: u64,
    sum: &mut [f64],
    params: &mut [f64],
    grad: &[f64],
) {
    let d = effective_grad(grad, params, s.maximize, s.weight_decay);
    let clr = s.lr / (1.0 + (step as f64 - 1.0) * s.lr_decay);
    for ((p, acc), g) in params.iter_mut().zip(sum.iter_mut()).zip(&d) {
        *acc = addcmul(*acc, 1.0, *g, *g);
        let std = acc.sqrt() + s.eps;
        *p = addcdiv(*p, -clr, *g, std);
    }
}

/// RMSprop's settings.
pub(super) struct RmspropStep {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
    pub maximize: bool,
}

/// RMSprop's running averages: the squared gradient, the gradient (when
/// centered) and the momentum buffer.
pub(super) struct RmspropBuffers<'a> {
    pub square_avg: &'a mut [f64],
    pub grad_avg: Option<&'a mut [f64]>,
    pub momentum_buffer: &'a mut [f64],
}

/// `_single_tensor_rmsprop`: ε added after the square root; centered
/// subtracts the squared mean gradient first.
#[inline(always)]
pub(super) fn rmsprop(s: &RmspropStep, b: RmspropBuffers<'_>, params: &mut [f64], grad: &[f64]) {
    let d = effective_grad(grad, params, s.maximize, s.weight_decay);
    let mut grad_avg = b.grad_avg;
    for (i, g) in d.iter().enumerate() {
        let sq = addcmul(b.square_avg[i] * s.alpha, 1.0 - s.alpha, *g, *g);
        b.square_avg[i] = sq;
        let avg = match grad_avg.as_deref_mut() {
            Some(ga) if s.centered => {
                ga[i] = lerp(ga[i], *g, 1.0 - s.alpha);
                addcmul(sq, -1.0, ga[i], ga[i]).sqrt()
            }
            _ => sq.sqrt(),
        } + s.eps;
        if s.momentum > 0.0 {
            let buf = addcdiv(b.momentum_buffer[i] * s.momentum, 1.0, *g, avg);
            b.momentum_buffer[i] = buf;
            params[i] = add(params[i], -s.lr, buf);
        } else {
            params[i] = addcdiv(params[i], -s.lr, *g, avg);
        }
    }
}

/// The settings shared by Adam, AdamW, RAdam and NAdam.
pub(super) struct AdamStep {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub decoupled_weight_decay: bool,
    pub maximize: bool,
}

impl AdamStep {
    /// Decoupled decay shrinks θ before the moments; coupled decay is added
    /// to the gradient. Returns the gradient torch works with.
    #[inline(always)]
    fn prepare(&self, params: &mut [f64], grad: &[f64]) -> Vec<f64> {
        if self.weight_decay != 0.0 && self.decoupled_weight_decay {
            decay(params, self.lr, self.weight_decay);
            effective_grad(grad, params, self.maximize, 0.0)
        } else {
            effective_grad(grad, params, self.maximize, self.weight_decay)
        }
    }
}

/// Adam's running moments.
pub(super) struct AdamBuffers<'a> {
    pub exp_avg: &'a mut [f64],
    pub exp_avg_sq: &'a mut [f64],
    /// Present with AMSGrad.
    pub max_exp_avg_sq: Option<&'a mut [f64]>,
}

/// `_single_tensor_adam` (not capturable): denom = √v / √(1 − β₂ᵗ) + ε,
/// step_size = lr / (1 − β₁ᵗ), θ ← θ − step_size·m / denom.
#[inline(always)]
pub(super) fn adam(s: &AdamStep, step: u64, b: AdamBuffers<'_>, params: &mut [f64], grad: &[f64]) {
    let d = s.prepare(params, grad);
    moments(b.exp_avg, b.exp_avg_sq, &d, s.beta1, s.beta2);
    let t = step as f64;
    let bias_correction1 = 1.0 - pow(s.beta1, t);
    let bias_correction2 = 1.0 - pow(s.beta2, t);
    let step_size = s.lr / bias_correction1;
    let bias_correction2_sqrt = pow(bias_correction2, 0.5);
    // Two loops rather than a branch per element: without it the loop
    // vectorises (division and square root dominate the update).
    let update = |p: &mut f64, m: f64, v: f64| {
        let denom = v.sqrt() / bias_correction2_sqrt + s.eps;
        *p = addcdiv(*p, -step_size, m, denom);
    };
    match b.max_exp_avg_sq {
        Some(mx) => {
            for (((p, m), v), mx) in params
                .iter_mut()
                .zip(&*b.exp_avg)
                .zip(&*b.exp_avg_sq)
                .zip(mx)
            {
                *mx = maximum(*mx, *v);
                update(p, *m, *mx);
            }
        }
        None => {
            for ((p, m), v) in params.iter_mut().zip(&*b.exp_avg).zip(&*b.exp_avg_sq) {
                update(p, *m, *v);
            }
        }
    }
}

/// `_single_tensor_radam` (not capturable): the rectified step when the
/// variance estimate's degrees of freedom ρₜ exceed 5, plain momentum SGD
/// with bias correction otherwise.
#[inline(always)]
pub(super) fn radam(
    s: &AdamStep,
    step: u64,
    exp_avg: &mut [f64],
    exp_avg_sq: &mut [f64],
    params: &mut [f64],
    grad: &[f64],
) {
    let d = s.prepare(params, grad);
    moments(exp_avg, exp_avg_sq, &d, s.beta1, s.beta2);
    let t = step as f64;
    let bias_correction1 = 1.0 - pow(s.beta1, t);
    let bias_correction2 = 1.0 - pow(s.beta2, t);
    let rho_inf = 2.0 / (1.0 - s.beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * t * pow(s.beta2, t) / bias_correction2;
    if rho_t > 5.0 {
        let rect = pow(
            (rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t),
            0.5,
        );
        let bc2_sqrt = pow(bias_correction2, 0.5);
        for ((p, m), v) in params.iter_mut().zip(exp_avg.iter()).zip(exp_avg_sq.iter()) {
            // `scalar / tensor` is `tensor.reciprocal() * scalar` in torch.
            let adaptive = (1.0 / (v.sqrt() + s.eps)) * bc2_sqrt;
            *p -= m / bias_correction1 * s.lr * adaptive * rect;
        }
    } else {
        for (p, m) in params.iter_mut().zip(exp_avg.iter()) {
            *p -= m / bias_correction1 * s.lr;
        }
    }
}

/// `_single_tensor_nadam` (not capturable): the momentum schedule
/// μₜ = β₁·(1 − ½·0.96^(t·ψ)) and its running product.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn nadam(
    s: &AdamStep,
    momentum_decay: f64,
    step: u64,
    mu_product: &mut f64,
    exp_avg: &mut [f64],
    exp_avg_sq: &mut [f64],
    params: &mut [f64],
    grad: &[f64],
) {
    let t = step as f64;
    let bias_correction2 = 1.0 - pow(s.beta2, t);
    let d = s.prepare(params, grad);
    let mu = s.beta1 * (1.0 - 0.5 * pow(0.96, t * momentum_decay));
    let mu_next = s.beta1 * (1.0 - 0.5 * pow(0.96, (t + 1.0) * momentum_decay));
    *mu_product *= mu;
    moments(exp_avg, exp_avg_sq, &d, s.beta1, s.beta2);
    let mu_product_next = *mu_product * mu_next;
    let grad_coef = -s.lr * (1.0 - mu) / (1.0 - *mu_product);
    let avg_coef = -s.lr * mu_next / (1.0 - mu_product_next);
    for (i, p) in params.iter_mut().enumerate() {
        let denom = (exp_avg_sq[i] / bias_correction2).sqrt() + s.eps;
        *p = addcdiv(*p, grad_coef, d[i], denom);
        *p = addcdiv(*p, avg_coef, exp_avg[i], denom);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adam_settings() -> AdamStep {
        AdamStep {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }

    #[test]
    fn adams_first_step_is_lr_times_the_sign_up_to_eps() {
        let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
        let mut p = [0.0, 0.0];
        let b = AdamBuffers {
            exp_avg: &mut m,
            exp_avg_sq: &mut v,
            max_exp_avg_sq: None,
        };
        adam(&adam_settings(), 1, b, &mut p, &[3.0, -0.5]);
        // Bias-corrected, the step is lr·g/(|g| + ε): lr, short by lr·ε/|g|.
        assert!(
            (p[0] + 0.01).abs() < 1e-9 && (p[1] - 0.01).abs() < 1e-9,
            "{p:?}"
        );
        assert!(p[1] < 0.01 && p[0] > -0.01);
    }

    #[test]
    fn radam_is_sgd_with_momentum_until_rho_exceeds_five() {
        let (mut m, mut v) = ([0.0], [0.0]);
        let mut p = [0.0];
        radam(&adam_settings(), 1, &mut m, &mut v, &mut p, &[2.0]);
        // ρ₁ = 1 ≤ 5: θ ← θ − lr·m̂ with m̂ = g.
        assert!((p[0] + 0.02).abs() < 1e-15, "{p:?}");
    }

    #[test]
    fn adagrad_divides_by_the_root_of_the_accumulated_squares() {
        let s = AdagradStep {
            lr: 1.0,
            lr_decay: 0.0,
            weight_decay: 0.0,
            eps: 0.0,
            maximize: false,
        };
        let mut sum = [0.0];
        let mut p = [0.0];
        adagrad(&s, 1, &mut sum, &mut p, &[4.0]);
        assert_eq!((sum, p), ([16.0], [-1.0]));
    }

    #[test]
    fn nadam_keeps_the_momentum_product() {
        let (mut m, mut v) = ([0.0], [0.0]);
        let (mut p, mut mu) = ([0.0], 1.0);
        nadam(
            &adam_settings(),
            4e-3,
            1,
            &mut mu,
            &mut m,
            &mut v,
            &mut p,
            &[1.0],
        );
        let mu1 = 0.9 * (1.0 - 0.5 * 0.96f64.powf(4e-3));
        assert_eq!(mu, mu1);
        assert!(p[0] < 0.0);
    }
}
