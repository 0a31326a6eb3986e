//! Dense kernels for the network layers, generic over the scalar.
//!
//! Layers are written once over a [`KernelScalar`] S: `f64` for losses and
//! gradients, `Dual64` for Hessian-vector products, `DualSVec64<K>` for K
//! Hessian columns at once. Running the forward *and backward* pass over
//! dual scalars is forward-over-reverse differentiation at layer
//! granularity: the tangent of the gradient is H·v.
//!
//! Element-wise work runs on the dual scalars directly. Matrix products —
//! where the time goes — are split into planes: the real parts and each
//! tangent lane become f64 matrices and go through faer's GEMM:
//! (A + εȦ)(B + εḂ) = AB + ε(ȦB + AḂ). A plane that is all zero is
//! skipped, and a tangent plane of the right operand is restricted to its
//! nonzero output columns — with unit seeds (Hessian columns) the weight
//! tangents have one nonzero entry, so that term costs a matrix-vector
//! product instead of a GEMM. Every product runs sequentially (`Par::Seq`);
//! parallelism is over row chunks or column blocks outside, so results do
//! not depend on the thread count.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use nalgebra::{Const, U1};
use num_dual::{Derivative, Dual64, DualSVec64};

use crate::Scalar;

/// A dense row-major matrix: row i is sample i.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matrix<S> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<S>,
}

impl<S: Copy> Matrix<S> {
    pub fn new(rows: usize, cols: usize, data: Vec<S>) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        Matrix { rows, cols, data }
    }

    pub fn filled(rows: usize, cols: usize, value: S) -> Self {
        Matrix::new(rows, cols, vec![value; rows * cols])
    }

    #[inline]
    pub fn row(&self, i: usize) -> &[S] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [S] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn map<T: Copy>(&self, f: impl Fn(S) -> T) -> Matrix<T> {
        Matrix::new(
            self.rows,
            self.cols,
            self.data.iter().map(|&v| f(v)).collect(),
        )
    }

    /// Rows `start..end` as a new matrix.
    pub fn rows_range(&self, start: usize, end: usize) -> Matrix<S> {
        Matrix::new(
            end - start,
            self.cols,
            self.data[start * self.cols..end * self.cols].to_vec(),
        )
    }
}

/// Whether an operand enters a product as itself or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    N,
    T,
}

/// Scalars the layer kernels run on: f64 and num-dual's first-order duals
/// with f64 parts.
pub trait KernelScalar: Scalar + Send + Sync {
    /// Tangent lanes (0 for f64).
    #[doc(hidden)]
    const LANES: usize;
    /// The error function with its derivative rule (num-dual has no erf):
    /// erf′(x) = 2/√π·e^(−x²).
    fn erf(self) -> Self;
    /// g(self) from g(re) = `value` and g′(re) = `slope`: the chain rule on
    /// the tangents, so an activation costs one f64 evaluation (num-dual's
    /// dual `tanh`, for one, costs four transcendental calls).
    #[doc(hidden)]
    fn chain(self, value: f64, slope: f64) -> Self;
    /// Writes the tangent lanes into `out` (of length `LANES`).
    #[doc(hidden)]
    fn write_lanes(&self, out: &mut [f64]);
    /// Tangent lane k (slow for many lanes: prefer `write_lanes`).
    #[doc(hidden)]
    fn lane(&self, k: usize) -> f64 {
        let mut buf = [0.0; MAX_LANES];
        self.write_lanes(&mut buf[..Self::LANES]);
        buf[k]
    }
    /// Builds a scalar from its real part and lanes.
    #[doc(hidden)]
    fn from_lanes(re: f64, lanes: &[f64]) -> Self;
}

const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// The most lanes a kernel scalar has.
const MAX_LANES: usize = 32;

impl KernelScalar for f64 {
    const LANES: usize = 0;
    fn erf(self) -> Self {
        erf(self)
    }
    fn chain(self, value: f64, _: f64) -> Self {
        value
    }
    fn write_lanes(&self, _: &mut [f64]) {}
    fn from_lanes(re: f64, _: &[f64]) -> Self {
        re
    }
}

impl KernelScalar for Dual64 {
    const LANES: usize = 1;
    fn erf(self) -> Self {
        self.chain(erf(self.re), TWO_OVER_SQRT_PI * (-self.re * self.re).exp())
    }
    fn chain(self, value: f64, slope: f64) -> Self {
        Dual64::new(value, self.eps * slope)
    }
    fn write_lanes(&self, out: &mut [f64]) {
        out[0] = self.eps;
    }
    fn from_lanes(re: f64, lanes: &[f64]) -> Self {
        Dual64::new(re, lanes[0])
    }
}

macro_rules! lanes_scalar {
    ($($k:literal),*) => {$(
        impl KernelScalar for DualSVec64<$k> {
            const LANES: usize = $k;
            fn erf(self) -> Self {
                self.chain(erf(self.re), TWO_OVER_SQRT_PI * (-self.re * self.re).exp())
            }
            fn chain(self, value: f64, slope: f64) -> Self {
                DualSVec64::new(value, self.eps * slope)
            }
            fn write_lanes(&self, out: &mut [f64]) {
                out.copy_from_slice(self.eps.unwrap_generic(Const::<$k>, U1).as_slice());
            }
            fn from_lanes(re: f64, lanes: &[f64]) -> Self {
                let v = nalgebra::SVector::<f64, $k>::from_column_slice(lanes);
                DualSVec64::new(re, Derivative::some(v))
            }
        }
    )*};
}
lanes_scalar!(1, 2, 4, 8, 16, 32);

/// erf(x) from libm (a port of FreeBSD's msun, accurate to < 1 ulp).
pub(crate) fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// A matrix split into f64 planes: the real parts, and the tangent lanes
/// stored one after the other (lane k at `k·rows·cols`), with a flag per
/// lane that is false where the lane is zero everywhere.
struct Planes {
    rows: usize,
    cols: usize,
    re: Vec<f64>,
    lanes: Vec<f64>,
    nonzero: Vec<bool>,
}

impl Planes {
    fn split<S: KernelScalar>(m: &Matrix<S>) -> Planes {
        let size = m.rows * m.cols;
        let k = S::LANES;
        let mut re = Vec::with_capacity(size);
        let mut lanes = vec![0.0; k * size];
        let mut buf = [0.0; MAX_LANES];
        for (i, v) in m.data.iter().enumerate() {
            re.push(v.re());
            if k > 0 {
                v.write_lanes(&mut buf[..k]);
                for (l, &b) in buf[..k].iter().enumerate() {
                    lanes[l * size + i] = b;
                }
            }
        }
        let nonzero = (0..k)
            .map(|l| lanes[l * size..(l + 1) * size].iter().any(|&v| v != 0.0))
            .collect();
        Planes {
            rows: m.rows,
            cols: m.cols,
            re,
            lanes,
            nonzero,
        }
    }

    fn real(m: &Matrix<f64>) -> Planes {
        Planes {
            rows: m.rows,
            cols: m.cols,
            re: m.data.clone(),
            lanes: Vec::new(),
            nonzero: Vec::new(),
        }
    }

    fn lane(&self, k: usize) -> Option<&[f64]> {
        let size = self.rows * self.cols;
        (self.nonzero.get(k) == Some(&true)).then(|| &self.lanes[k * size..(k + 1) * size])
    }

    fn any_lane(&self) -> bool {
        self.nonzero.iter().any(|&z| z)
    }
}

fn view(data: &[f64], rows: usize, cols: usize, op: Op) -> MatRef<'_, f64> {
    let m = MatRef::from_row_major_slice(data, rows, cols);
    match op {
        Op::N => m,
        Op::T => m.transpose(),
    }
}

fn shape(p: &Planes, op: Op) -> (usize, usize) {
    match op {
        Op::N => (p.rows, p.cols),
        Op::T => (p.cols, p.rows),
    }
}

/// dst (m×n, row-major) (+)= op(a)·op(b).
fn gemm_into(
    dst: &mut [f64],
    (m, n): (usize, usize),
    accumulate: bool,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
) {
    let d = MatMut::from_row_major_slice_mut(dst, m, n);
    let accum = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    matmul(d, accum, a, b, 1.0, Par::Seq);
}

/// dst (+)= op(a)·op(b) where op(b) has nonzero entries only in a few
/// columns: those columns are gathered, multiplied and scattered.
fn gemm_sparse_right(
    dst: &mut [f64],
    (m, n): (usize, usize),
    accumulate: bool,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
) {
    let inner = b.nrows();
    let nonzero: Vec<usize> = (0..n)
        .filter(|&j| (0..inner).any(|i| b[(i, j)] != 0.0))
        .collect();
    if nonzero.len() * 2 > n {
        return gemm_into(dst, (m, n), accumulate, a, b);
    }
    if !accumulate {
        dst.fill(0.0);
    }
    if nonzero.is_empty() {
        return;
    }
    let mut gathered = vec![0.0; inner * nonzero.len()];
    for i in 0..inner {
        for (c, &j) in nonzero.iter().enumerate() {
            gathered[i * nonzero.len() + c] = b[(i, j)];
        }
    }
    let mut small = vec![0.0; m * nonzero.len()];
    gemm_into(
        &mut small,
        (m, nonzero.len()),
        false,
        a,
        MatRef::from_row_major_slice(&gathered, inner, nonzero.len()),
    );
    for i in 0..m {
        for (c, &j) in nonzero.iter().enumerate() {
            dst[i * n + j] += small[i * nonzero.len() + c];
        }
    }
}

/// op(a)·op(b) over planes: re = AB, lane k = Ȧ_k B + A Ḃ_k.
fn gemm_planes(a: &Planes, ta: Op, b: &Planes, tb: Op, k: usize) -> Planes {
    let (m, ka) = shape(a, ta);
    let (kb, n) = shape(b, tb);
    assert_eq!(ka, kb, "inner dimensions of a product must agree");
    let size = m * n;
    let a_re = view(&a.re, a.rows, a.cols, ta);
    let b_re = view(&b.re, b.rows, b.cols, tb);
    let mut re = vec![0.0; size];
    gemm_into(&mut re, (m, n), false, a_re, b_re);
    let mut lanes = vec![0.0; k * size];
    let mut nonzero = vec![false; k];
    if a.any_lane() {
        if ta == Op::N && a.nonzero.iter().all(|&z| z) {
            // Lanes stacked: (k·m × ka)·op(B) in one product.
            let stacked = MatRef::from_row_major_slice(&a.lanes, k * m, ka);
            gemm_into(&mut lanes, (k * m, n), false, stacked, b_re);
            nonzero.iter_mut().for_each(|z| *z = true);
        } else {
            for l in 0..k {
                if let Some(da) = a.lane(l) {
                    let out = &mut lanes[l * size..(l + 1) * size];
                    gemm_into(out, (m, n), false, view(da, a.rows, a.cols, ta), b_re);
                    nonzero[l] = true;
                }
            }
        }
    }
    for l in 0..k {
        if let Some(db) = b.lane(l) {
            let out = &mut lanes[l * size..(l + 1) * size];
            gemm_sparse_right(out, (m, n), nonzero[l], a_re, view(db, b.rows, b.cols, tb));
            nonzero[l] = true;
        }
    }
    Planes {
        rows: m,
        cols: n,
        re,
        lanes,
        nonzero,
    }
}

fn join<S: KernelScalar>(p: Planes) -> Matrix<S> {
    let size = p.rows * p.cols;
    let k = S::LANES;
    let mut buf = [0.0; MAX_LANES];
    let data = (0..size)
        .map(|i| {
            for (l, b) in buf[..k].iter_mut().enumerate() {
                *b = if p.nonzero[l] {
                    p.lanes[l * size + i]
                } else {
                    0.0
                };
            }
            S::from_lanes(p.re[i], &buf[..k])
        })
        .collect();
    Matrix::new(p.rows, p.cols, data)
}

/// op(a)·op(b) for two matrices of scalars.
pub(crate) fn gemm<S: KernelScalar>(a: &Matrix<S>, ta: Op, b: &Matrix<S>, tb: Op) -> Matrix<S> {
    join(gemm_planes(
        &Planes::split(a),
        ta,
        &Planes::split(b),
        tb,
        S::LANES,
    ))
}

/// op(x)·op(b) where x is data (no tangents).
pub(crate) fn gemm_data_left<S: KernelScalar>(
    x: &Matrix<f64>,
    tx: Op,
    b: &Matrix<S>,
    tb: Op,
) -> Matrix<S> {
    join(gemm_planes(
        &Planes::real(x),
        tx,
        &Planes::split(b),
        tb,
        S::LANES,
    ))
}

/// op(a)·op(x) where x is data (no tangents).
pub(crate) fn gemm_data_right<S: KernelScalar>(
    a: &Matrix<S>,
    ta: Op,
    x: &Matrix<f64>,
    tx: Op,
) -> Matrix<S> {
    join(gemm_planes(
        &Planes::split(a),
        ta,
        &Planes::real(x),
        tx,
        S::LANES,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &Matrix<f64>, ta: Op, b: &Matrix<f64>, tb: Op) -> Matrix<f64> {
        let get = |m: &Matrix<f64>, op: Op, i: usize, j: usize| match op {
            Op::N => m.data[i * m.cols + j],
            Op::T => m.data[j * m.cols + i],
        };
        let (r, k) = if ta == Op::N {
            (a.rows, a.cols)
        } else {
            (a.cols, a.rows)
        };
        let c = if tb == Op::N { b.cols } else { b.rows };
        let mut out = Matrix::filled(r, c, 0.0);
        for i in 0..r {
            for j in 0..c {
                out.data[i * c + j] = (0..k).map(|l| get(a, ta, i, l) * get(b, tb, l, j)).sum();
            }
        }
        out
    }

    fn random(rows: usize, cols: usize, seed: u64) -> Matrix<f64> {
        let mut s = seed;
        Matrix::new(
            rows,
            cols,
            (0..rows * cols)
                .map(|_| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                })
                .collect(),
        )
    }

    #[test]
    fn dual_products_follow_the_product_rule_for_every_transpose() {
        for (ta, tb) in [
            (Op::N, Op::N),
            (Op::N, Op::T),
            (Op::T, Op::N),
            (Op::T, Op::T),
        ] {
            let (ar, ac) = if ta == Op::N { (5, 7) } else { (7, 5) };
            let (br, bc) = if tb == Op::N { (7, 3) } else { (3, 7) };
            let (a, da) = (random(ar, ac, 1), random(ar, ac, 2));
            let (b, mut db) = (random(br, bc, 3), random(br, bc, 4));
            // A unit tangent in b: exercises the sparse path.
            db.data
                .iter_mut()
                .enumerate()
                .for_each(|(i, v)| *v = if i == 4 { 1.0 } else { 0.0 });
            let lift = |m: &Matrix<f64>, d: &Matrix<f64>| {
                Matrix::new(
                    m.rows,
                    m.cols,
                    m.data
                        .iter()
                        .zip(&d.data)
                        .map(|(&x, &y)| Dual64::new(x, y))
                        .collect(),
                )
            };
            let c = gemm(&lift(&a, &da), ta, &lift(&b, &db), tb);
            let re = naive(&a, ta, &b, tb);
            let eps1 = naive(&da, ta, &b, tb);
            let eps2 = naive(&a, ta, &db, tb);
            for i in 0..c.data.len() {
                assert!((c.data[i].re - re.data[i]).abs() < 1e-14);
                assert!((c.data[i].eps - eps1.data[i] - eps2.data[i]).abs() < 1e-14);
            }
            let c = gemm_data_left(&a, ta, &lift(&b, &db), tb);
            for i in 0..c.data.len() {
                assert!((c.data[i].eps - eps2.data[i]).abs() < 1e-14);
            }
            let c = gemm_data_right(&lift(&a, &da), ta, &b, tb);
            for i in 0..c.data.len() {
                assert!((c.data[i].eps - eps1.data[i]).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn erf_matches_reference_values_and_its_derivative() {
        // Reference values from Abramowitz & Stegun, table 7.1, and mpmath.
        for (x, want) in [
            (0.0, 0.0),
            (0.1, 0.112_462_916_018_284_9),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
            (5.0, 0.999_999_999_998_462_5),
        ] {
            assert!((erf(x) - want).abs() < 2e-16, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + want).abs() < 2e-16);
        }
        let x = Dual64::new(0.7, 1.0).erf();
        let h = 1e-6;
        assert!((x.eps - (erf(0.7 + h) - erf(0.7 - h)) / (2.0 * h)).abs() < 1e-9);
    }
}
