//! The momentum family's update rules: textbook gradient descent and heavy
//! ball, and `torch.optim.SGD` (`_single_tensor_sgd`) line by line.

use super::torch_ops::add;

/// θ ← θ − η·g, written as torch's `param.add_(grad, alpha=-lr)` so that
/// `gd(lr=η)` and `sgd(lr=η)` take the same steps to the bit.
#[inline(always)]
pub(super) fn gd(lr: f64, params: &mut [f64], grad: &[f64]) {
    for (p, g) in params.iter_mut().zip(grad) {
        *p = add(*p, -lr, *g);
    }
}

/// Heavy ball (Polyak 1964): m ← λ·m − η·g, θ ← θ + m, as
/// `m.mul_(λ).add_(g, alpha=-η)` and `θ.add_(m)` would compute it.
#[inline(always)]
pub(super) fn momentum(
    lr: f64,
    lambda: f64,
    velocity: &mut [f64],
    params: &mut [f64],
    grad: &[f64],
) {
    for ((p, g), m) in params.iter_mut().zip(grad).zip(velocity.iter_mut()) {
        *m = add(*m * lambda, -lr, *g);
        *p += *m;
    }
}

/// The settings `torch.optim.SGD` reads at each step.
pub(super) struct SgdStep {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
}

/// `_single_tensor_sgd`: the first momentum step copies the gradient into
/// the buffer (no dampening); later ones are buf·μ + (1 − τ)·g.
#[inline(always)]
pub(super) fn sgd(s: &SgdStep, buffer: &mut Option<Vec<f64>>, params: &mut [f64], grad: &[f64]) {
    let mut d: Vec<f64> = if s.maximize {
        grad.iter().map(|g| -g).collect()
    } else {
        grad.to_vec()
    };
    if s.weight_decay != 0.0 {
        for (d, p) in d.iter_mut().zip(params.iter()) {
            *d = add(*d, s.weight_decay, *p);
        }
    }
    if s.momentum != 0.0 {
        match buffer {
            None => *buffer = Some(d.clone()),
            Some(buf) => {
                for (b, d) in buf.iter_mut().zip(&d) {
                    *b = add(*b * s.momentum, 1.0 - s.dampening, *d);
                }
            }
        }
        let buf = buffer.as_deref().unwrap_or_default();
        if s.nesterov {
            for (d, b) in d.iter_mut().zip(buf) {
                *d = add(*d, s.momentum, *b);
            }
        } else {
            d.copy_from_slice(buf);
        }
    }
    for (p, d) in params.iter_mut().zip(&d) {
        *p = add(*p, -s.lr, *d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(momentum: f64) -> SgdStep {
        SgdStep {
            lr: 0.1,
            momentum,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }

    #[test]
    fn the_first_momentum_step_is_a_plain_step() {
        let mut buf = None;
        let mut p = [1.0, 2.0];
        sgd(&plain(0.9), &mut buf, &mut p, &[1.0, -1.0]);
        assert_eq!(p, [0.9, 2.1]);
        assert_eq!(buf.as_deref(), Some(&[1.0, -1.0][..]));
        sgd(&plain(0.9), &mut buf, &mut p, &[1.0, -1.0]);
        assert_eq!(buf.as_deref(), Some(&[1.9, -1.9][..]));
    }

    #[test]
    fn dampening_applies_from_the_second_step() {
        let s = SgdStep {
            dampening: 0.5,
            ..plain(1.0)
        };
        let mut buf = None;
        let mut p = [0.0];
        sgd(&s, &mut buf, &mut p, &[2.0]);
        assert_eq!(buf.as_deref(), Some(&[2.0][..]));
        sgd(&s, &mut buf, &mut p, &[2.0]);
        assert_eq!(buf.as_deref(), Some(&[3.0][..]));
    }

    #[test]
    fn heavy_ball_accumulates_velocity() {
        let mut v = [0.0];
        let mut p = [1.0];
        momentum(0.5, 0.5, &mut v, &mut p, &[1.0]);
        assert_eq!((v, p), ([-0.5], [0.5]));
        momentum(0.5, 0.5, &mut v, &mut p, &[1.0]);
        assert_eq!((v, p), ([-0.75], [-0.25]));
    }

    #[test]
    fn gd_is_sgd_without_momentum() {
        let (mut a, mut b) = ([0.3, -1.7], [0.3, -1.7]);
        gd(0.1, &mut a, &[0.7, 1.1]);
        sgd(&plain(0.0), &mut None, &mut b, &[0.7, 1.1]);
        assert_eq!(a, b);
    }
}
