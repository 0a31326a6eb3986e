//! Blocked Householder reduction of a dense symmetric matrix to tridiagonal
//! form, `A = Q·T·Qᵀ`, deterministic for any number of threads.
//!
//! The algorithm is LAPACK's `dsytrd`/`dlatrd` (Dongarra, Sorensen &
//! Hammarling, "Block reduction of matrices to condensed forms for
//! eigenvalue computations", J. Comput. Appl. Math. 27, 1989): panels of
//! [`PANEL`] columns are reduced one column at a time, each column costing
//! one symmetric matrix–vector product with the not-yet-updated trailing
//! matrix plus small corrections, and the trailing matrix is updated once
//! per panel by a rank-2·[`PANEL`] product (faer's matrix multiplication).
//! Used when eigenvectors are wanted, since it keeps the reflectors;
//! eigenvalues alone go through `band.rs`, which avoids the memory-bound
//! matrix–vector products.
//!
//! Why not faer's `tridiag_in_place`: it is unblocked, so every column
//! reads *and writes* the whole trailing triangle (about 85 % of the time of
//! an eigenvalues-only decomposition at n = 2410), and its parallel version
//! sums one partial vector per thread, so its bits depend on the thread
//! count. Here the matrix–vector product, which reads the trailing triangle
//! once per column, is split into a number of tasks that depends only on the
//! size of the product, never on the pool, and the partial vectors are
//! summed in task order; the trailing update splits only its output. The
//! result is therefore bit-for-bit the same on 1, 2 or 64 threads.
//!
//! Storage follows LAPACK and faer: on return, column `j` of the work matrix
//! holds, below the subdiagonal, the essential part of the `j`-th reflector
//! `H_j = I − v vᵀ/τ_j` (with `v[j+1] = 1` implicit), so faer's block
//! Householder routines can apply `Q` to the tridiagonal eigenvectors. The
//! strict upper triangle is scratch.

use faer::linalg::householder::make_householder_in_place;
use faer::linalg::matmul::matmul;
use faer::{Accum, ColMut, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::kernels::{axpy, dot, dot_axpy, dot2_axpy2};

/// Columns reduced per panel (LAPACK's default block size for `dsytrd`).
const PANEL: usize = 32;
/// Below this many remaining columns the last panel takes them all and no
/// trailing update is done (LAPACK's crossover `nx` for `dsytrd`).
const CROSSOVER: usize = 128;
/// Column width of the independent output blocks of the trailing update.
const UPDATE_BLOCK: usize = 128;

/// A symmetric matrix reduced to tridiagonal form.
pub(super) struct Tridiagonal {
    /// Order of the matrix.
    pub n: usize,
    /// Diagonal of `T` (`n` entries).
    pub diag: Vec<f64>,
    /// Subdiagonal of `T` (`n − 1` entries).
    pub offdiag: Vec<f64>,
    /// `n × n`, column-major: the reflectors' essential parts below the
    /// subdiagonal (see the module docs); everything else is scratch.
    pub reflectors: Vec<f64>,
    /// faer's `τ_j` of `H_j = I − v vᵀ/τ_j` (`n − 1` entries; `∞` for
    /// `H_j = I`).
    pub tau: Vec<f64>,
}

/// Reduces the symmetric `n × n` matrix `a` (column-major, only the lower
/// triangle is read) to tridiagonal form.
pub(super) fn tridiagonalise(a: Vec<f64>, n: usize) -> Tridiagonal {
    assert_eq!(a.len(), n * n, "tridiagonalise: {n}×{n} matrix expected");
    // Run on a worker of the current pool: every column forks tasks, and a
    // fork from outside the pool would cost a cross-thread wake-up each.
    rayon::scope(|_| reduce(a, n))
}

fn reduce(mut a: Vec<f64>, n: usize) -> Tridiagonal {
    let mut diag = vec![0.0; n];
    let mut offdiag = vec![0.0; n.saturating_sub(1)];
    let mut tau = vec![f64::INFINITY; n.saturating_sub(1)];
    // W of dlatrd: column c is the update vector of panel column c, rows
    // relative to the panel's first column.
    let mut w = vec![0.0; n * CROSSOVER.max(PANEL)];
    let mut symv = Symv::new(n);
    let mut i = 0;
    while i < n {
        let m = n - i;
        let last = m <= CROSSOVER;
        let width = if last { m } else { PANEL };
        reduce_panel(
            &mut a,
            n,
            i,
            width,
            &mut w,
            &mut symv,
            &mut diag,
            &mut offdiag,
            &mut tau,
        );
        if !last {
            update_trailing(&mut a, n, i, width, &w);
        }
        // reduce_panel left v[j+1] = 1 in place of the subdiagonal.
        for j in i..(i + width).min(n - 1) {
            a[j + 1 + j * n] = offdiag[j];
        }
        i += width;
    }
    Tridiagonal {
        n,
        diag,
        offdiag,
        reflectors: a,
        tau,
    }
}

/// `dlatrd` (lower): reduces columns `i .. i + width` of `a`, storing the
/// reflectors in `a`, the update vectors in `w` (leading dimension `n`), the
/// diagonal, subdiagonal and τ. The trailing matrix `a[i+width.., i+width..]`
/// is read but not updated (see [`update_trailing`]).
#[allow(clippy::too_many_arguments)]
fn reduce_panel(
    a: &mut [f64],
    n: usize,
    i: usize,
    width: usize,
    w: &mut [f64],
    symv: &mut Symv,
    diag: &mut [f64],
    offdiag: &mut [f64],
    tau: &mut [f64],
) {
    for c in 0..width {
        let j = i + c;
        // Bring column j up to date with the panel's previous reflectors:
        // a[j.., j] −= V[j.., ..c]·W[c, ..c]ᵀ + W[j.., ..c]·V[j, ..c]ᵀ.
        {
            let (left, right) = a.split_at_mut(j * n);
            let col = &mut right[j..n];
            for k in 0..c {
                let v_k = &left[(i + k) * n + j..(i + k) * n + n];
                let w_k = &w[k * n + c..k * n + n - i];
                axpy(col, -w[k * n + c], v_k);
                axpy(col, -left[(i + k) * n + j], w_k);
            }
        }
        diag[j] = a[j + j * n];
        if j + 1 == n {
            break;
        }
        // The reflector that zeroes a[j+2.., j].
        let (head, tail) = a[j * n + j + 1..(j + 1) * n]
            .split_first_mut()
            .expect("j + 1 < n");
        let info = make_householder_in_place(head, ColMut::from_slice_mut(tail));
        offdiag[j] = *head;
        tau[j] = info.tau;
        *head = 1.0;
        // 1/τ in LAPACK's convention H = I − τ v vᵀ (0 when H = I).
        let t = info.tau.recip();

        // w = t·(S·v − V·(Wᵀv) − W·(Vᵀv)), S = a[j+1.., j+1..] unreduced.
        let a: &[f64] = a;
        let v = &a[j * n + j + 1..(j + 1) * n];
        let (w_done, w_rest) = w.split_at_mut(c * n);
        let y = &mut w_rest[c + 1..n - i];
        symv.apply(a, n, j + 1, v, y);
        for k in 0..c {
            let v_k = &a[(i + k) * n + j + 1..(i + k) * n + n];
            let w_k = &w_done[k * n + c + 1..k * n + n - i];
            let wv = dot(w_k, v);
            let vv = dot(v_k, v);
            axpy(y, -wv, v_k);
            axpy(y, -vv, w_k);
        }
        for x in y.iter_mut() {
            *x *= t;
        }
        let alpha = -0.5 * t * dot(y, v);
        axpy(y, alpha, v);
    }
}

/// `a[q.., q..] −= V·Wᵀ + W·Vᵀ` (lower triangle; `q = i + width`), with
/// `V = a[q.., i..q]` and `W = w[q−i.., ..width]`.
fn update_trailing(a: &mut [f64], n: usize, i: usize, width: usize, w: &[f64]) {
    let q = i + width;
    let (left, right) = a.split_at_mut(q * n);
    let v = MatRef::from_column_major_slice_with_stride(&left[i * n..], n, width, n);
    let w = MatRef::from_column_major_slice_with_stride(w, n - i, width, n);
    syr2k_lower(right, n, q, v.subrows(q, n - q), w.subrows(q - i, n - q));
}

/// `S −= V·Wᵀ + W·Vᵀ` on the lower triangle of the trailing block
/// `S = a[q.., q..]`, given as `trailing = a[.., q..]` (all `n` rows of
/// columns `q..`, leading dimension `n`); `V` and `W` have `n − q` rows.
///
/// Split into blocks of [`UPDATE_BLOCK`] columns computed independently:
/// each output entry comes from sequential matrix products whose shapes do
/// not depend on the thread count. The strict upper triangle of the
/// diagonal blocks is overwritten with scratch. (One product `[V W]·[W V]ᵀ`
/// of twice the inner dimension, reading `S` once instead of twice,
/// measured no faster.)
pub(super) fn syr2k_lower(
    trailing: &mut [f64],
    n: usize,
    q: usize,
    v: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
) {
    trailing
        .par_chunks_mut(UPDATE_BLOCK * n)
        .enumerate()
        .for_each(|(b, block)| {
            let c0 = q + b * UPDATE_BLOCK;
            let cols = block.len() / n;
            let below = n - c0;
            let mut dst = MatMut::from_column_major_slice_with_stride_mut(block, n, cols, n)
                .subrows_mut(c0, below);
            let r0 = c0 - q;
            for (x, y) in [(v, w), (w, v)] {
                matmul(
                    dst.as_mut(),
                    Accum::Add,
                    x.subrows(r0, below),
                    y.subrows(r0, cols).transpose(),
                    -1.0,
                    Par::Seq,
                );
            }
        });
}

/// Symmetric matrix–vector products with a trailing block of a
/// lower-stored matrix, split into a fixed number of tasks.
struct Symv {
    /// One partial result per task.
    partial: Vec<f64>,
}

impl Symv {
    /// Most tasks a product is ever split into.
    const MAX_TASKS: usize = 8;

    fn new(n: usize) -> Self {
        Self {
            partial: vec![0.0; n * Self::MAX_TASKS],
        }
    }

    /// Number of tasks for a product of order `p`: a function of `p` only,
    /// so that the summation order, hence every bit of the result, is the
    /// same whatever the number of threads.
    fn tasks(p: usize) -> usize {
        if p < 256 {
            1
        } else if p < 768 {
            4
        } else {
            Self::MAX_TASKS
        }
    }

    /// `y = S·v` with `S = a[r0.., r0..]` (symmetric, lower triangle read).
    fn apply(&mut self, a: &[f64], n: usize, r0: usize, v: &[f64], y: &mut [f64]) {
        let p = n - r0;
        debug_assert!(v.len() == p && y.len() == p);
        let tasks = Self::tasks(p);
        // Column j of S (relative) holds p − j entries of the triangle;
        // give every task about the same share of the triangle.
        let start = |t: usize| -> usize {
            let f = t as f64 / tasks as f64;
            ((1.0 - (1.0 - f).sqrt()) * p as f64) as usize
        };
        let task = |t: usize, partial: &mut [f64]| {
            let (lo, hi) = (start(t), if t + 1 == tasks { p } else { start(t + 1) });
            partial[lo..].fill(0.0);
            // Two columns at a time: one pass over v and the partial sums
            // serves both.
            let pairs = (hi - lo) / 2;
            for pair in 0..pairs {
                let jj = lo + 2 * pair;
                let j = r0 + jj;
                let col0 = &a[j * n + j..j * n + n];
                let col1 = &a[(j + 1) * n + j + 1..(j + 1) * n + n];
                let (v0, v1) = (v[jj], v[jj + 1]);
                let (d0, d1) = dot2_axpy2(
                    &col0[2..],
                    &col1[1..],
                    &v[jj + 2..],
                    &mut partial[jj + 2..],
                    v0,
                    v1,
                );
                // Rows jj and jj + 1: the diagonal entries and col0[1].
                partial[jj] += col0[0].mul_add(v0, col0[1].mul_add(v1, d0));
                partial[jj + 1] += col0[1].mul_add(v0, col1[0].mul_add(v1, d1));
            }
            let jj = lo + 2 * pairs;
            if jj < hi {
                let j = r0 + jj;
                let col = &a[j * n + j..j * n + n];
                let d = dot_axpy(&col[1..], &v[jj + 1..], &mut partial[jj + 1..], v[jj]);
                partial[jj] += col[0].mul_add(v[jj], d);
            }
        };
        let partial = &mut self.partial[..tasks * p];
        if tasks == 1 {
            task(0, partial);
        } else {
            partial
                .par_chunks_mut(p)
                .enumerate()
                .for_each(|(t, part)| task(t, part));
        }
        // Sum the partial vectors in task order.
        y.copy_from_slice(&partial[..p]);
        for t in 1..tasks {
            let lo = start(t);
            for (y, x) in y[lo..].iter_mut().zip(&partial[t * p + lo..(t + 1) * p]) {
                *y += x;
            }
        }
    }
}
