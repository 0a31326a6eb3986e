//! SIMD kernels on `f64` slices, written once over pulp's `Simd` and
//! dispatched at run time to the best instruction set available.
//!
//! The generic versions take the `Simd` token, so that a caller running a
//! long sequence of short operations dispatches once (see `band.rs`); the
//! plain functions dispatch per call, for long vectors. Every kernel splits
//! its inputs by length only, never by address, so the summation order, and
//! with it every bit of the result, is fixed for given lengths.

use faer::traits::pulp::{Arch, Simd, WithSimd};

/// `Σ x·y`.
#[inline(always)]
pub(super) fn dot_simd<S: Simd>(simd: S, x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    let (x, x_tail) = S::as_simd_f64s(x);
    let (y, y_tail) = S::as_simd_f64s(&y[..n]);
    let mut sum = [simd.splat_f64s(0.0); 4];
    let full = x.len() / 4 * 4;
    for (x, y) in x[..full].chunks_exact(4).zip(y[..full].chunks_exact(4)) {
        for k in 0..4 {
            sum[k] = simd.mul_add_f64s(x[k], y[k], sum[k]);
        }
    }
    for (x, y) in x[full..].iter().zip(&y[full..]) {
        sum[0] = simd.mul_add_f64s(*x, *y, sum[0]);
    }
    let sum = simd.add_f64s(simd.add_f64s(sum[0], sum[1]), simd.add_f64s(sum[2], sum[3]));
    let mut total = simd.reduce_sum_f64s(sum);
    for (x, y) in x_tail.iter().zip(y_tail) {
        total = x.mul_add(*y, total);
    }
    total
}

/// `y += s·x`.
#[inline(always)]
pub(super) fn axpy_simd<S: Simd>(simd: S, y: &mut [f64], s: f64, x: &[f64]) {
    let n = y.len();
    let (y, y_tail) = S::as_mut_simd_f64s(y);
    let (x, x_tail) = S::as_simd_f64s(&x[..n]);
    let sv = simd.splat_f64s(s);
    for (y, x) in y.iter_mut().zip(x) {
        *y = simd.mul_add_f64s(*x, sv, *y);
    }
    for (y, x) in y_tail.iter_mut().zip(x_tail) {
        *y = x.mul_add(s, *y);
    }
}

/// `y += s1·x1 + s2·x2` (one pass over `y`).
#[inline(always)]
pub(super) fn axpy2_simd<S: Simd>(
    simd: S,
    y: &mut [f64],
    s1: f64,
    x1: &[f64],
    s2: f64,
    x2: &[f64],
) {
    let n = y.len();
    let (y, y_tail) = S::as_mut_simd_f64s(y);
    let (x1, x1_tail) = S::as_simd_f64s(&x1[..n]);
    let (x2, x2_tail) = S::as_simd_f64s(&x2[..n]);
    let (sv1, sv2) = (simd.splat_f64s(s1), simd.splat_f64s(s2));
    for ((y, x1), x2) in y.iter_mut().zip(x1).zip(x2) {
        *y = simd.mul_add_f64s(*x2, sv2, simd.mul_add_f64s(*x1, sv1, *y));
    }
    for ((y, x1), x2) in y_tail.iter_mut().zip(x1_tail).zip(x2_tail) {
        *y = x2.mul_add(s2, x1.mul_add(s1, *y));
    }
}

/// `y += s·x`, then `Σ y·v` (one pass over `y`).
#[inline(always)]
pub(super) fn axpy_dot_simd<S: Simd>(simd: S, y: &mut [f64], s: f64, x: &[f64], v: &[f64]) -> f64 {
    let n = y.len();
    let (y, y_tail) = S::as_mut_simd_f64s(y);
    let (x, x_tail) = S::as_simd_f64s(&x[..n]);
    let (v, v_tail) = S::as_simd_f64s(&v[..n]);
    let sv = simd.splat_f64s(s);
    let mut sum = [simd.splat_f64s(0.0); 2];
    let full = y.len() / 2 * 2;
    for ((y, x), v) in y[..full]
        .chunks_exact_mut(2)
        .zip(x[..full].chunks_exact(2))
        .zip(v[..full].chunks_exact(2))
    {
        for k in 0..2 {
            y[k] = simd.mul_add_f64s(x[k], sv, y[k]);
            sum[k] = simd.mul_add_f64s(y[k], v[k], sum[k]);
        }
    }
    if full < y.len() {
        y[full] = simd.mul_add_f64s(x[full], sv, y[full]);
        sum[0] = simd.mul_add_f64s(y[full], v[full], sum[0]);
    }
    let mut total = simd.reduce_sum_f64s(simd.add_f64s(sum[0], sum[1]));
    for ((y, x), v) in y_tail.iter_mut().zip(x_tail).zip(v_tail) {
        *y = x.mul_add(s, *y);
        total = y.mul_add(*v, total);
    }
    total
}

/// `Σ x·v`, and `acc += s·x` on the way (one pass over `x`).
#[inline(always)]
pub(super) fn dot_axpy_simd<S: Simd>(
    simd: S,
    x: &[f64],
    v: &[f64],
    acc: &mut [f64],
    s: f64,
) -> f64 {
    let n = x.len();
    let (x, x_tail) = S::as_simd_f64s(x);
    let (v, v_tail) = S::as_simd_f64s(&v[..n]);
    let (acc, acc_tail) = S::as_mut_simd_f64s(&mut acc[..n]);
    let sv = simd.splat_f64s(s);
    let mut sum = [simd.splat_f64s(0.0); 4];
    let full = x.len() / 4 * 4;
    for ((x, v), acc) in x[..full]
        .chunks_exact(4)
        .zip(v[..full].chunks_exact(4))
        .zip(acc[..full].chunks_exact_mut(4))
    {
        for k in 0..4 {
            sum[k] = simd.mul_add_f64s(x[k], v[k], sum[k]);
            acc[k] = simd.mul_add_f64s(x[k], sv, acc[k]);
        }
    }
    for ((x, v), acc) in x[full..].iter().zip(&v[full..]).zip(&mut acc[full..]) {
        sum[0] = simd.mul_add_f64s(*x, *v, sum[0]);
        *acc = simd.mul_add_f64s(*x, sv, *acc);
    }
    let sum = simd.add_f64s(simd.add_f64s(sum[0], sum[1]), simd.add_f64s(sum[2], sum[3]));
    let mut total = simd.reduce_sum_f64s(sum);
    for ((x, v), acc) in x_tail.iter().zip(v_tail).zip(acc_tail) {
        total = x.mul_add(*v, total);
        *acc = x.mul_add(s, *acc);
    }
    total
}

/// `(Σ x0·v, Σ x1·v)`, and `acc += s0·x0 + s1·x1` on the way (one pass).
#[inline(always)]
pub(super) fn dot2_axpy2_simd<S: Simd>(
    simd: S,
    x0: &[f64],
    x1: &[f64],
    v: &[f64],
    acc: &mut [f64],
    s0: f64,
    s1: f64,
) -> (f64, f64) {
    let n = x0.len();
    let (x0, x0_tail) = S::as_simd_f64s(x0);
    let (x1, x1_tail) = S::as_simd_f64s(&x1[..n]);
    let (v, v_tail) = S::as_simd_f64s(&v[..n]);
    let (acc, acc_tail) = S::as_mut_simd_f64s(&mut acc[..n]);
    let (sv0, sv1) = (simd.splat_f64s(s0), simd.splat_f64s(s1));
    let zero = simd.splat_f64s(0.0);
    let (mut sum0, mut sum1) = ([zero; 2], [zero; 2]);
    let full = x0.len() / 2 * 2;
    for (((x0, x1), v), acc) in x0[..full]
        .chunks_exact(2)
        .zip(x1[..full].chunks_exact(2))
        .zip(v[..full].chunks_exact(2))
        .zip(acc[..full].chunks_exact_mut(2))
    {
        for k in 0..2 {
            sum0[k] = simd.mul_add_f64s(x0[k], v[k], sum0[k]);
            sum1[k] = simd.mul_add_f64s(x1[k], v[k], sum1[k]);
            acc[k] = simd.mul_add_f64s(x1[k], sv1, simd.mul_add_f64s(x0[k], sv0, acc[k]));
        }
    }
    if full < x0.len() {
        let (x0, x1, v) = (x0[full], x1[full], v[full]);
        sum0[0] = simd.mul_add_f64s(x0, v, sum0[0]);
        sum1[0] = simd.mul_add_f64s(x1, v, sum1[0]);
        acc[full] = simd.mul_add_f64s(x1, sv1, simd.mul_add_f64s(x0, sv0, acc[full]));
    }
    let mut total0 = simd.reduce_sum_f64s(simd.add_f64s(sum0[0], sum0[1]));
    let mut total1 = simd.reduce_sum_f64s(simd.add_f64s(sum1[0], sum1[1]));
    for (((x0, x1), v), acc) in x0_tail.iter().zip(x1_tail).zip(v_tail).zip(acc_tail) {
        total0 = x0.mul_add(*v, total0);
        total1 = x1.mul_add(*v, total1);
        *acc = x1.mul_add(s1, x0.mul_add(s0, *acc));
    }
    (total0, total1)
}

/// [`dot_simd`], dispatched.
pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
    struct Op<'a>(&'a [f64], &'a [f64]);
    impl WithSimd for Op<'_> {
        type Output = f64;
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) -> f64 {
            dot_simd(simd, self.0, self.1)
        }
    }
    Arch::new().dispatch(Op(x, y))
}

/// [`axpy_simd`], dispatched.
pub(super) fn axpy(y: &mut [f64], s: f64, x: &[f64]) {
    struct Op<'a>(&'a mut [f64], f64, &'a [f64]);
    impl WithSimd for Op<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) {
            axpy_simd(simd, self.0, self.1, self.2)
        }
    }
    Arch::new().dispatch(Op(y, s, x))
}

/// [`dot_axpy_simd`], dispatched.
pub(super) fn dot_axpy(x: &[f64], v: &[f64], acc: &mut [f64], s: f64) -> f64 {
    struct Op<'a>(&'a [f64], &'a [f64], &'a mut [f64], f64);
    impl WithSimd for Op<'_> {
        type Output = f64;
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) -> f64 {
            dot_axpy_simd(simd, self.0, self.1, self.2, self.3)
        }
    }
    Arch::new().dispatch(Op(x, v, acc, s))
}

/// [`dot2_axpy2_simd`], dispatched.
pub(super) fn dot2_axpy2(
    x0: &[f64],
    x1: &[f64],
    v: &[f64],
    acc: &mut [f64],
    s0: f64,
    s1: f64,
) -> (f64, f64) {
    struct Op<'a>(&'a [f64], &'a [f64], &'a [f64], &'a mut [f64], f64, f64);
    impl WithSimd for Op<'_> {
        type Output = (f64, f64);
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) -> (f64, f64) {
            dot2_axpy2_simd(simd, self.0, self.1, self.2, self.3, self.4, self.5)
        }
    }
    Arch::new().dispatch(Op(x0, x1, v, acc, s0, s1))
}
