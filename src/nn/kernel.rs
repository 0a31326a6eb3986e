//! Dual matrices: the arithmetic the layers are written in.
//!
//! A [`DualMat`] is a matrix of first-order dual numbers stored as planes:
//! the real parts, and `k` tangent lanes one after the other. With k = 0 it
//! is a plain f64 matrix (losses and gradients); with k = 1 the tangent
//! carries a direction v and running the forward *and* backward pass gives
//! H·v (forward-over-reverse); with k = 32 a block of unit seeds gives 32
//! Hessian columns at once. The product rule lives here, once — layers are
//! written in terms of these operations and never see a tangent.
//!
//! Storing planes rather than an array of dual scalars keeps every
//! element-wise loop contiguous and every product a plain f64 GEMM (faer):
//! (A + εȦ)(B + εḂ) = AB + ε(ȦB + AḂ). Tangent planes that are zero are not
//! stored (`lanes: None`) and skipped; in a product the tangent of the right
//! operand is restricted to its nonzero output columns, so a unit seed in a
//! weight costs a matrix-vector product instead of a GEMM. Products run
//! sequentially (`Par::Seq`); parallelism is over row chunks or column
//! blocks outside, so results do not depend on the thread count.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// Whether an operand enters a product as itself or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    N,
    T,
}

/// A row-major matrix of dual numbers with `k` tangent lanes, as planes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DualMat {
    pub rows: usize,
    pub cols: usize,
    pub k: usize,
    /// Real parts, row-major.
    pub re: Vec<f64>,
    /// Lane l at `l·rows·cols`; `None` when every tangent is zero.
    pub lanes: Option<Vec<f64>>,
}

impl DualMat {
    /// A matrix without tangents (data, constants).
    pub fn constant(rows: usize, cols: usize, k: usize, re: Vec<f64>) -> DualMat {
        debug_assert_eq!(re.len(), rows * cols);
        DualMat {
            rows,
            cols,
            k,
            re,
            lanes: None,
        }
    }

    pub fn zeros(rows: usize, cols: usize, k: usize) -> DualMat {
        DualMat::constant(rows, cols, k, vec![0.0; rows * cols])
    }

    pub fn size(&self) -> usize {
        self.rows * self.cols
    }

    /// Lane l, if any tangent is stored.
    pub fn lane(&self, l: usize) -> Option<&[f64]> {
        let s = self.size();
        self.lanes.as_ref().map(|v| &v[l * s..(l + 1) * s])
    }

    /// Mutable lanes, allocating zeros if none are stored.
    fn lanes_mut(&mut self) -> &mut Vec<f64> {
        let n = self.k * self.size();
        self.lanes.get_or_insert_with(|| vec![0.0; n])
    }

    /// Entries `offset..offset + rows·cols` of a row vector, as a matrix.
    pub fn slice(&self, offset: usize, rows: usize, cols: usize) -> DualMat {
        debug_assert_eq!(self.rows, 1);
        let len = rows * cols;
        let re = self.re[offset..offset + len].to_vec();
        let lanes = self.lanes.as_ref().and_then(|v| {
            let n = self.cols;
            let mut out = Vec::with_capacity(self.k * len);
            for l in 0..self.k {
                out.extend_from_slice(&v[l * n + offset..l * n + offset + len]);
            }
            out.iter().any(|&x| x != 0.0).then_some(out)
        });
        DualMat {
            rows,
            cols,
            k: self.k,
            re,
            lanes,
        }
    }

    /// Adds `m` (flattened) into entries `offset..` of this row vector.
    pub fn add_into_slice(&mut self, offset: usize, m: &DualMat) {
        debug_assert_eq!(self.rows, 1);
        let len = m.size();
        for (a, b) in self.re[offset..offset + len].iter_mut().zip(&m.re) {
            *a += b;
        }
        if let Some(src) = &m.lanes {
            let n = self.cols;
            let k = self.k;
            let dst = self.lanes_mut();
            for l in 0..k {
                let d = &mut dst[l * n + offset..l * n + offset + len];
                for (a, b) in d.iter_mut().zip(&src[l * len..(l + 1) * len]) {
                    *a += b;
                }
            }
        }
    }

    /// Rows `start..end`.
    pub fn rows_range(&self, start: usize, end: usize) -> DualMat {
        let (c, s) = (self.cols, self.size());
        let len = (end - start) * c;
        let lanes = self.lanes.as_ref().map(|v| {
            let mut out = Vec::with_capacity(self.k * len);
            for l in 0..self.k {
                out.extend_from_slice(&v[l * s + start * c..l * s + end * c]);
            }
            out
        });
        DualMat {
            rows: end - start,
            cols: c,
            k: self.k,
            re: self.re[start * c..end * c].to_vec(),
            lanes,
        }
    }

    /// f applied element-wise, given f and f′ at each real part (and the
    /// flat index, for derivatives that depend on another matrix): the
    /// chain rule on the tangents.
    pub fn map(&self, f: impl Fn(usize, f64) -> (f64, f64)) -> DualMat {
        self.map_slices(|x, value, slope| {
            for (i, ((v, d), &x)) in value.iter_mut().zip(slope.iter_mut()).zip(x).enumerate() {
                (*v, *d) = f(i, x);
            }
        })
    }

    /// Like [`map`](Self::map), with f applied to whole slices at once:
    /// `f(x, value, slope)` fills the values and slopes of the real parts x.
    pub fn map_slices(&self, f: impl Fn(&[f64], &mut [f64], &mut [f64])) -> DualMat {
        let s = self.size();
        let (mut re, mut slope) = (vec![0.0; s], vec![0.0; s]);
        f(&self.re, &mut re, &mut slope);
        let lanes = self.lanes.as_ref().map(|v| {
            let mut out = v.clone();
            for plane in out.chunks_exact_mut(s.max(1)) {
                for (t, &d) in plane.iter_mut().zip(&slope) {
                    *t *= d;
                }
            }
            out
        });
        DualMat {
            rows: self.rows,
            cols: self.cols,
            k: self.k,
            re,
            lanes,
        }
    }

    /// Element-wise product (product rule).
    pub fn mul(&self, other: &DualMat) -> DualMat {
        debug_assert_eq!((self.rows, self.cols), (other.rows, other.cols));
        let s = self.size();
        let k = self.k.max(other.k);
        let re: Vec<f64> = self.re.iter().zip(&other.re).map(|(a, b)| a * b).collect();
        let lanes = match (&self.lanes, &other.lanes) {
            (None, None) => None,
            (a, b) => {
                let mut out = vec![0.0; k * s];
                for (l, plane) in out.chunks_exact_mut(s.max(1)).enumerate() {
                    if let Some(a) = a {
                        for ((t, da), y) in
                            plane.iter_mut().zip(&a[l * s..(l + 1) * s]).zip(&other.re)
                        {
                            *t = da * y;
                        }
                    }
                    if let Some(b) = b {
                        for ((t, db), x) in
                            plane.iter_mut().zip(&b[l * s..(l + 1) * s]).zip(&self.re)
                        {
                            *t += x * db;
                        }
                    }
                }
                Some(out)
            }
        };
        DualMat {
            rows: self.rows,
            cols: self.cols,
            k,
            re,
            lanes,
        }
    }

    /// self·a + other·b, element-wise, for real a and b.
    pub fn axpby(&self, a: f64, other: &DualMat, b: f64) -> DualMat {
        debug_assert_eq!((self.rows, self.cols), (other.rows, other.cols));
        let re = self
            .re
            .iter()
            .zip(&other.re)
            .map(|(x, y)| a * x + b * y)
            .collect();
        let lanes = match (&self.lanes, &other.lanes) {
            (None, None) => None,
            (Some(x), None) => Some(x.iter().map(|v| a * v).collect()),
            (None, Some(y)) => Some(y.iter().map(|v| b * v).collect()),
            (Some(x), Some(y)) => Some(x.iter().zip(y).map(|(p, q)| a * p + b * q).collect()),
        };
        DualMat {
            rows: self.rows,
            cols: self.cols,
            k: self.k.max(other.k),
            re,
            lanes,
        }
    }

    /// self·a for real a.
    pub fn scale(&self, a: f64) -> DualMat {
        DualMat {
            rows: self.rows,
            cols: self.cols,
            k: self.k,
            re: self.re.iter().map(|v| a * v).collect(),
            lanes: self
                .lanes
                .as_ref()
                .map(|v| v.iter().map(|x| a * x).collect()),
        }
    }

    /// Adds a real constant matrix (same shape).
    pub fn add_constant(&self, c: &[f64], sign: f64) -> DualMat {
        let mut out = self.clone();
        for (a, b) in out.re.iter_mut().zip(c) {
            *a += sign * b;
        }
        out
    }

    /// Column sums: a 1×cols row.
    pub fn sum_rows(&self) -> DualMat {
        let (r, c, s) = (self.rows, self.cols, self.size());
        let sum = |plane: &[f64]| {
            let mut out = vec![0.0; c];
            for i in 0..r {
                for (o, v) in out.iter_mut().zip(&plane[i * c..(i + 1) * c]) {
                    *o += v;
                }
            }
            out
        };
        let lanes = self.lanes.as_ref().map(|v| {
            let mut out = Vec::with_capacity(self.k * c);
            for l in 0..self.k {
                out.extend(sum(&v[l * s..(l + 1) * s]));
            }
            out
        });
        DualMat {
            rows: 1,
            cols: c,
            k: self.k,
            re: sum(&self.re),
            lanes,
        }
    }

    /// Row sums: a rows×1 column.
    pub fn sum_cols(&self) -> DualMat {
        let (r, c, s) = (self.rows, self.cols, self.size());
        let sum = |plane: &[f64]| -> Vec<f64> {
            (0..r)
                .map(|i| plane[i * c..(i + 1) * c].iter().sum())
                .collect()
        };
        let lanes = self.lanes.as_ref().map(|v| {
            let mut out = Vec::with_capacity(self.k * r);
            for l in 0..self.k {
                out.extend(sum(&v[l * s..(l + 1) * s]));
            }
            out
        });
        DualMat {
            rows: r,
            cols: 1,
            k: self.k,
            re: sum(&self.re),
            lanes,
        }
    }

    /// The sum of all entries: a 1×1 matrix.
    pub fn sum_all(&self) -> DualMat {
        self.sum_rows().sum_cols()
    }

    /// Combines each entry with the entry of `v` in the same column (v is
    /// 1×cols, `by_row` false) or the same row (v is rows×1, `by_row`
    /// true): `add` gives x + v, otherwise x·v (product rule). In place.
    pub fn broadcast(mut self, v: &DualMat, by_row: bool, add: bool) -> DualMat {
        let (r, c, s) = (self.rows, self.cols, self.size());
        debug_assert_eq!(v.size(), if by_row { r } else { c });
        let k = self.k.max(v.k);
        self.k = k;
        // Tangents first: the product rule needs the old real parts.
        if let Some(vl) = &v.lanes {
            let vs = v.size();
            let re = &self.re;
            let lanes = self.lanes.get_or_insert_with(|| vec![0.0; k * s]);
            for l in 0..k {
                let (plane, w, wl) = (
                    &mut lanes[l * s..(l + 1) * s],
                    &v.re,
                    &vl[l * vs..(l + 1) * vs],
                );
                for i in 0..r {
                    let row = &mut plane[i * c..(i + 1) * c];
                    let xs = &re[i * c..(i + 1) * c];
                    match (by_row, add) {
                        (true, true) => row.iter_mut().for_each(|t| *t += wl[i]),
                        (false, true) => row.iter_mut().zip(wl).for_each(|(t, d)| *t += d),
                        (true, false) => row
                            .iter_mut()
                            .zip(xs)
                            .for_each(|(t, x)| *t = *t * w[i] + x * wl[i]),
                        (false, false) => row
                            .iter_mut()
                            .zip(xs)
                            .zip(w.iter().zip(wl))
                            .for_each(|((t, x), (wj, dj))| *t = *t * wj + x * dj),
                    }
                }
            }
        } else if let (Some(lanes), false) = (&mut self.lanes, add) {
            for plane in lanes.chunks_exact_mut(s.max(1)) {
                for i in 0..r {
                    let row = &mut plane[i * c..(i + 1) * c];
                    if by_row {
                        row.iter_mut().for_each(|t| *t *= v.re[i]);
                    } else {
                        row.iter_mut().zip(&v.re).for_each(|(t, w)| *t *= w);
                    }
                }
            }
        }
        for i in 0..r {
            let row = &mut self.re[i * c..(i + 1) * c];
            match (by_row, add) {
                (true, true) => row.iter_mut().for_each(|x| *x += v.re[i]),
                (false, true) => row.iter_mut().zip(&v.re).for_each(|(x, w)| *x += w),
                (true, false) => row.iter_mut().for_each(|x| *x *= v.re[i]),
                (false, false) => row.iter_mut().zip(&v.re).for_each(|(x, w)| *x *= w),
            }
        }
        self
    }

    /// self ⊙ f(m), where f gives the value and slope at each real part of
    /// m (and its flat index): the product rule and the chain rule fused,
    /// without building f(m) — an activation's backward pass.
    pub fn mul_map(&self, m: &DualMat, f: impl Fn(usize, f64) -> (f64, f64)) -> DualMat {
        let s = self.size();
        let k = self.k.max(m.k);
        let (mut value, mut slope) = (vec![0.0; s], vec![0.0; s]);
        for (i, ((v, d), &x)) in value
            .iter_mut()
            .zip(slope.iter_mut())
            .zip(&m.re)
            .enumerate()
        {
            (*v, *d) = f(i, x);
        }
        let re: Vec<f64> = self.re.iter().zip(&value).map(|(a, b)| a * b).collect();
        let lanes = if self.lanes.is_none() && m.lanes.is_none() {
            None
        } else {
            let mut out = vec![0.0; k * s];
            for (l, plane) in out.chunks_exact_mut(s.max(1)).enumerate() {
                if let Some(dl) = self.lane(l) {
                    for ((t, d), v) in plane.iter_mut().zip(dl).zip(&value) {
                        *t = d * v;
                    }
                }
                if let Some(ml) = m.lane(l) {
                    for (((t, a), d), dm) in plane.iter_mut().zip(&self.re).zip(&slope).zip(ml) {
                        *t += a * d * dm;
                    }
                }
            }
            Some(out)
        };
        DualMat {
            rows: self.rows,
            cols: self.cols,
            k,
            re,
            lanes,
        }
    }

    /// Entry (i, cols[i]) of each row: a rows×1 column.
    pub fn pick(&self, cols: &[usize]) -> DualMat {
        let (r, c, s) = (self.rows, self.cols, self.size());
        let re = (0..r).map(|i| self.re[i * c + cols[i]]).collect();
        let lanes = self.lanes.as_ref().map(|v| {
            let mut out = Vec::with_capacity(self.k * r);
            for l in 0..self.k {
                out.extend((0..r).map(|i| v[l * s + i * c + cols[i]]));
            }
            out
        });
        DualMat {
            rows: r,
            cols: 1,
            k: self.k,
            re,
            lanes,
        }
    }

    /// The real parts only (tangents dropped).
    #[cfg(test)]
    pub fn real(&self) -> DualMat {
        DualMat::constant(self.rows, self.cols, self.k, self.re.clone())
    }
}

fn view(data: &[f64], rows: usize, cols: usize, op: Op) -> MatRef<'_, f64> {
    let m = MatRef::from_row_major_slice(data, rows, cols);
    match op {
        Op::N => m,
        Op::T => m.transpose(),
    }
}

fn shape(m: &DualMat, op: Op) -> (usize, usize) {
    match op {
        Op::N => (m.rows, m.cols),
        Op::T => (m.cols, m.rows),
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

/// dst (+)= op(a)·op(b) where op(b) may have nonzero entries in only a few
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
    let w = nonzero.len();
    let mut gathered = vec![0.0; inner * w];
    for i in 0..inner {
        for (c, &j) in nonzero.iter().enumerate() {
            gathered[i * w + c] = b[(i, j)];
        }
    }
    let mut small = vec![0.0; m * w];
    gemm_into(
        &mut small,
        (m, w),
        false,
        a,
        MatRef::from_row_major_slice(&gathered, inner, w),
    );
    for i in 0..m {
        for (c, &j) in nonzero.iter().enumerate() {
            dst[i * n + j] += small[i * w + c];
        }
    }
}

/// op(a)·op(b): re = AB, lane l = Ȧ_l B + A Ḃ_l.
pub(crate) fn gemm(a: &DualMat, ta: Op, b: &DualMat, tb: Op) -> DualMat {
    let (m, ka) = shape(a, ta);
    let (kb, n) = shape(b, tb);
    assert_eq!(ka, kb, "inner dimensions of a product must agree");
    let k = a.k.max(b.k);
    let size = m * n;
    let a_re = view(&a.re, a.rows, a.cols, ta);
    let b_re = view(&b.re, b.rows, b.cols, tb);
    let mut re = vec![0.0; size];
    gemm_into(&mut re, (m, n), false, a_re, b_re);
    if a.lanes.is_none() && b.lanes.is_none() {
        return DualMat::constant(m, n, k, re);
    }
    let mut lanes = vec![0.0; k * size];
    if let Some(al) = &a.lanes {
        if ta == Op::N {
            // Lanes stacked: (k·m × ka)·op(B) in one product.
            let stacked = MatRef::from_row_major_slice(al, k * m, ka);
            gemm_into(&mut lanes, (k * m, n), false, stacked, b_re);
        } else {
            for l in 0..k {
                let da = a.lane(l).expect("lanes are stored");
                gemm_into(
                    &mut lanes[l * size..(l + 1) * size],
                    (m, n),
                    false,
                    view(da, a.rows, a.cols, ta),
                    b_re,
                );
            }
        }
    }
    if b.lanes.is_some() {
        for l in 0..k {
            let db = b.lane(l).expect("lanes are stored");
            gemm_sparse_right(
                &mut lanes[l * size..(l + 1) * size],
                (m, n),
                a.lanes.is_some(),
                a_re,
                view(db, b.rows, b.cols, tb),
            );
        }
    }
    DualMat {
        rows: m,
        cols: n,
        k,
        re,
        lanes: Some(lanes),
    }
}

/// erf(x) from libm (a port of FreeBSD's msun, accurate to < 1 ulp).
pub(crate) fn erf(x: f64) -> f64 {
    libm::erf(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn naive(
        a: &[f64],
        ar: usize,
        ac: usize,
        ta: Op,
        b: &[f64],
        br: usize,
        bc: usize,
        tb: Op,
    ) -> Vec<f64> {
        let get = |m: &[f64], cols: usize, op: Op, i: usize, j: usize| match op {
            Op::N => m[i * cols + j],
            Op::T => m[j * cols + i],
        };
        let (r, k) = if ta == Op::N { (ar, ac) } else { (ac, ar) };
        let c = if tb == Op::N { bc } else { br };
        let mut out = vec![0.0; r * c];
        for i in 0..r {
            for j in 0..c {
                out[i * c + j] = (0..k)
                    .map(|l| get(a, ac, ta, i, l) * get(b, bc, tb, l, j))
                    .sum();
            }
        }
        out
    }

    fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    #[test]
    fn products_follow_the_product_rule_for_every_transpose() {
        let k = 3;
        for (ta, tb) in [
            (Op::N, Op::N),
            (Op::N, Op::T),
            (Op::T, Op::N),
            (Op::T, Op::T),
        ] {
            let (ar, ac) = if ta == Op::N { (5, 7) } else { (7, 5) };
            let (br, bc) = if tb == Op::N { (7, 3) } else { (3, 7) };
            let a = DualMat {
                rows: ar,
                cols: ac,
                k,
                re: random(35, 1),
                lanes: Some(random(35 * k, 2)),
            };
            // A unit tangent in lane 1 of b, zero in lanes 0 and 2: the sparse path.
            let mut bl = vec![0.0; 21 * k];
            bl[21 + 4] = 1.0;
            let b = DualMat {
                rows: br,
                cols: bc,
                k,
                re: random(21, 3),
                lanes: Some(bl),
            };
            let c = gemm(&a, ta, &b, tb);
            let re = naive(&a.re, ar, ac, ta, &b.re, br, bc, tb);
            for (x, y) in c.re.iter().zip(&re) {
                assert!((x - y).abs() < 1e-14);
            }
            for l in 0..k {
                let t1 = naive(a.lane(l).unwrap(), ar, ac, ta, &b.re, br, bc, tb);
                let t2 = naive(&a.re, ar, ac, ta, b.lane(l).unwrap(), br, bc, tb);
                for (i, v) in c.lane(l).unwrap().iter().enumerate() {
                    assert!((v - t1[i] - t2[i]).abs() < 1e-14, "lane {l}");
                }
            }
            // Constant left operand: only the right tangent term.
            let c = gemm(&a.real(), ta, &b, tb);
            let t2 = naive(&a.re, ar, ac, ta, b.lane(1).unwrap(), br, bc, tb);
            for (v, w) in c.lane(1).unwrap().iter().zip(&t2) {
                assert!((v - w).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn element_wise_operations_carry_tangents() {
        let x = DualMat {
            rows: 2,
            cols: 2,
            k: 1,
            re: vec![1.0, 2.0, 3.0, 4.0],
            lanes: Some(vec![1.0, 0.0, 0.0, 1.0]),
        };
        let y = x.map(|_, v| (v * v, 2.0 * v));
        assert_eq!(y.re, vec![1.0, 4.0, 9.0, 16.0]);
        assert_eq!(y.lanes.unwrap(), vec![2.0, 0.0, 0.0, 8.0]);
        let p = x.mul(&x);
        assert_eq!(p.lanes.unwrap(), vec![2.0, 0.0, 0.0, 8.0]);
        let s = x.sum_rows();
        assert_eq!(
            (s.re.clone(), s.lanes.clone().unwrap()),
            (vec![4.0, 6.0], vec![1.0, 1.0])
        );
        let r = x.sum_cols();
        assert_eq!(
            (r.re.clone(), r.lanes.unwrap()),
            (vec![3.0, 7.0], vec![1.0, 1.0])
        );
        let b = x.broadcast(&s, false, false);
        assert_eq!(b.re, vec![4.0, 12.0, 12.0, 24.0]);
        // (x·s)' = x'·s + x·s': lane of entry (0,0) = 1·4 + 1·1.
        assert_eq!(b.lanes.unwrap()[0], 5.0);
    }

    #[test]
    fn erf_matches_reference_values() {
        for (x, want) in [
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
        ] {
            assert!((erf(x) - want).abs() < 2e-16);
        }
    }
}
