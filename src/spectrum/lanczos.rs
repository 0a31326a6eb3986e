//! Extreme eigenpairs of a symmetric operator by thick-restart block
//! Lanczos (Wu & Simon 2000, "Thick-restart Lanczos method for large
//! symmetric eigenvalue problems"; blocks as in Zhou & Saad 2008).
//!
//! The basis is kept orthonormal by full reorthogonalisation (classical
//! Gram–Schmidt, twice), so the projected matrix T = VᵀAV is built from the
//! computed coefficients themselves and no spurious copies of converged
//! eigenvalues appear. When the basis is full, the Ritz vectors nearest the
//! wanted ends are kept and the Krylov relation A·V = V·T + Q·B continues
//! from the residual block Q: T becomes diagonal plus an arrow, B is the
//! residual coupling, and the residual of a Ritz pair (θ, V·s) is ‖B·s‖.
//!
//! A block of b vectors finds eigenvalues of multiplicity up to b; a single
//! vector (b = 1) finds each distinct eigenvalue once. Everything parallel
//! here (dot products by column, updates by fixed row ranges) gives the same
//! bits for any number of threads.

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use super::{LinearOperator, symmetric_eigen};
use crate::data::Rng;
use crate::{Error, Result};

/// Which end of the spectrum to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The k largest (algebraic) eigenvalues.
    Largest,
    /// The k smallest (algebraic) eigenvalues.
    Smallest,
    /// Both: the k largest and the k smallest.
    Both,
}

impl Which {
    fn smallest(self) -> bool {
        matches!(self, Which::Smallest | Which::Both)
    }
    fn largest(self) -> bool {
        matches!(self, Which::Largest | Which::Both)
    }
    fn ends(self) -> usize {
        if self == Which::Both { 2 } else { 1 }
    }
}

impl std::str::FromStr for Which {
    type Err = Error;
    fn from_str(s: &str) -> Result<Which> {
        match s {
            "largest" => Ok(Which::Largest),
            "smallest" => Ok(Which::Smallest),
            "both" => Ok(Which::Both),
            _ => Err(Error::Unknown {
                kind: "end of the spectrum".into(),
                name: s.into(),
                known: "both, largest, smallest".into(),
            }),
        }
    }
}

/// Settings of [`lanczos`]. `Default`: k = 1 at both ends, relative
/// tolerance 1e-6, block size 1, basis size chosen from k, at most 20,000
/// operator applications, seed 0.
///
/// # Examples
///
/// ```
/// use saddlescope::{LanczosSettings, Which};
/// let s = LanczosSettings::default().with_k(3).unwrap().with_which(Which::Smallest);
/// assert_eq!(s.k(), 3);
/// assert!(LanczosSettings::default().with_tol(0.0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LanczosSettings {
    k: usize,
    which: Which,
    tol: f64,
    block: usize,
    basis: Option<usize>,
    max_hvps: usize,
    seed: u64,
}

impl Default for LanczosSettings {
    fn default() -> Self {
        LanczosSettings {
            k: 1,
            which: Which::Both,
            tol: 1e-6,
            block: 1,
            basis: None,
            max_hvps: 20_000,
            seed: 0,
        }
    }
}

impl LanczosSettings {
    /// The number of eigenpairs wanted at each end.
    ///
    /// # Errors
    ///
    /// k = 0.
    pub fn with_k(mut self, k: usize) -> Result<Self> {
        if k == 0 {
            return Err(invalid("k", "expected at least 1 eigenpair, got 0"));
        }
        self.k = k;
        Ok(self)
    }

    /// Which end(s) of the spectrum.
    pub fn with_which(mut self, which: Which) -> Self {
        self.which = which;
        self
    }

    /// The convergence tolerance: a Ritz pair (θ, y) is converged when
    /// ‖Ay − θy‖ ≤ tol·max(|θ|, √ε·‖A‖), ‖A‖ estimated by the largest |θ|.
    /// The eigenvalue error is at most the residual (and about its square
    /// over the gap when the eigenvalue is isolated).
    ///
    /// # Errors
    ///
    /// tol outside (0, 1).
    pub fn with_tol(mut self, tol: f64) -> Result<Self> {
        if !(tol > 0.0 && tol < 1.0) {
            return Err(invalid("tol", &format!("expected 0 < tol < 1, got {tol}")));
        }
        self.tol = tol;
        Ok(self)
    }

    /// Vectors per block: the operator is applied to this many at once, and
    /// eigenvalues of this multiplicity are resolved.
    ///
    /// # Errors
    ///
    /// A block of 0 or more than 64 vectors.
    pub fn with_block(mut self, block: usize) -> Result<Self> {
        if !(1..=64).contains(&block) {
            return Err(invalid(
                "block",
                &format!("expected 1 to 64 vectors per block, got {block}"),
            ));
        }
        self.block = block;
        Ok(self)
    }

    /// The largest basis before a thick restart (default: enough for the
    /// wanted pairs, at least 60 vectors).
    ///
    /// # Errors
    ///
    /// A basis too small to hold the wanted pairs and two blocks.
    pub fn with_basis(mut self, basis: usize) -> Result<Self> {
        let least = self.least_basis();
        if basis < least {
            return Err(invalid(
                "basis",
                &format!(
                    "expected at least {least} vectors (k = {} at {} end(s) plus two blocks of {}), got {basis}",
                    self.k,
                    self.which.ends(),
                    self.block
                ),
            ));
        }
        self.basis = Some(basis);
        Ok(self)
    }

    /// The most operator applications before giving up (the pairs found so
    /// far are returned, marked not converged).
    ///
    /// # Errors
    ///
    /// 0.
    pub fn with_max_hvps(mut self, max_hvps: usize) -> Result<Self> {
        if max_hvps == 0 {
            return Err(invalid("max_hvps", "expected at least 1, got 0"));
        }
        self.max_hvps = max_hvps;
        Ok(self)
    }

    /// The seed of the random starting block.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of eigenpairs wanted at each end.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Which end(s).
    pub fn which(&self) -> Which {
        self.which
    }
    /// The relative tolerance.
    pub fn tol(&self) -> f64 {
        self.tol
    }
    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn least_basis(&self) -> usize {
        self.k * self.which.ends() + 2 * self.block
    }

    fn basis_for(&self, n: usize) -> usize {
        let wanted = self
            .basis
            .unwrap_or_else(|| (3 * self.k * self.which.ends() + 4 * self.block).max(60));
        wanted.min(n)
    }
}

fn invalid(name: &str, message: &str) -> Error {
    Error::InvalidSetting {
        name: format!("Lanczos {name}"),
        message: message.into(),
    }
}

/// An approximate eigenpair with its residual.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigenpair {
    /// The Ritz value θ.
    pub value: f64,
    /// The unit Ritz vector y, its largest-magnitude component positive.
    pub vector: DVector<f64>,
    /// ‖Ay − θy‖.
    pub residual: f64,
    /// Whether the residual met the tolerance.
    pub converged: bool,
}

/// What [`lanczos`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtremeEigenpairs {
    /// The k largest, ascending (empty unless asked for).
    pub largest: Vec<Eigenpair>,
    /// The k smallest, ascending (empty unless asked for).
    pub smallest: Vec<Eigenpair>,
    /// Operator applications (Hessian-vector products).
    pub hvp_count: usize,
    /// Thick restarts.
    pub restarts: usize,
    /// Whether every wanted pair converged.
    pub converged: bool,
    /// max |θ| over the last Ritz values: an estimate of ‖A‖ from below.
    pub norm_estimate: f64,
}

impl ExtremeEigenpairs {
    /// λmin, when the smallest end was asked for.
    pub fn lambda_min(&self) -> Option<f64> {
        self.smallest.first().map(|p| p.value)
    }
    /// λmax, when the largest end was asked for.
    pub fn lambda_max(&self) -> Option<f64> {
        self.largest.last().map(|p| p.value)
    }
}

/// The k largest and/or smallest eigenpairs of a symmetric operator by
/// thick-restart block Lanczos with full reorthogonalisation.
///
/// # Errors
///
/// An empty operator, k larger than the dimension, or an operator error
/// (non-finite product, wrong length). Non-convergence within the budget is
/// not an error: the pairs come back with `converged: false`.
///
/// # Examples
///
/// ```
/// use nalgebra::DMatrix;
/// use saddlescope::{lanczos, LanczosSettings};
///
/// let a = DMatrix::from_diagonal(&nalgebra::DVector::from_fn(500, |i, _| i as f64 - 9.5));
/// let found = lanczos(&a, &LanczosSettings::default().with_tol(1e-10).unwrap()).unwrap();
/// assert!(found.converged);
/// assert!((found.lambda_min().unwrap() + 9.5).abs() < 1e-9);
/// assert!((found.lambda_max().unwrap() - 489.5).abs() < 1e-9);
/// ```
pub fn lanczos<A: LinearOperator + ?Sized>(
    op: &A,
    settings: &LanczosSettings,
) -> Result<ExtremeEigenpairs> {
    let n = op.dim();
    if n == 0 {
        return Err(Error::InvalidInput(
            "the operator has dimension 0: there are no eigenvalues".into(),
        ));
    }
    let k = settings.k;
    if k > n {
        return Err(invalid(
            "k",
            &format!("expected at most the dimension {n}, got {k}"),
        ));
    }
    let b = settings.block.min(n);
    let m = settings.basis_for(n);
    let which = settings.which;
    let mut kr = Krylov::new(n, m + b);
    kr.start(settings.seed, b);

    let mut restarts = 0;
    let mut since_check = 0;
    loop {
        let room = kr.active + kr.width <= m && kr.width > 0;
        let budget_left = kr.hvps + kr.width <= settings.max_hvps;
        let wanted_fit = kr.active >= k.min(n);
        since_check += 1;
        let check = !room || !budget_left || (wanted_fit && since_check >= (kr.active / 16).max(1));
        if check {
            since_check = 0;
            let ritz = kr.rayleigh_ritz()?;
            let c = kr.active;
            let ks = if which.smallest() { k.min(c) } else { 0 };
            let kl = if which.largest() { k.min(c) } else { 0 };
            let wanted: Vec<usize> = (0..ks).chain(c - kl..c).collect();
            let anorm = ritz.values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let floor = f64::EPSILON.sqrt() * anorm;
            let ok = |i: usize| ritz.residuals[i] <= settings.tol * ritz.values[i].abs().max(floor);
            let all = c >= k && wanted.iter().all(|&i| ok(i));
            if all || !budget_left || kr.width == 0 {
                let vectors = kr.ritz_vectors(&ritz.vectors, &wanted);
                let pair = |j: usize, i: usize| Eigenpair {
                    value: ritz.values[i],
                    vector: vectors[j].clone(),
                    residual: ritz.residuals[i],
                    converged: ok(i),
                };
                let smallest: Vec<Eigenpair> = (0..ks).map(|j| pair(j, j)).collect();
                let largest: Vec<Eigenpair> = (0..kl).map(|j| pair(ks + j, c - kl + j)).collect();
                let converged = smallest.iter().chain(&largest).all(|p| p.converged);
                return Ok(ExtremeEigenpairs {
                    largest,
                    smallest,
                    hvp_count: kr.hvps,
                    restarts,
                    converged,
                    norm_estimate: anorm,
                });
            }
            if !room {
                // Keep about half the basis, split between the wanted ends.
                let keep = (c / 2).max(ks + kl).min(m.saturating_sub(2 * b)).min(c);
                let (ls, ll) = match which {
                    Which::Smallest => (keep, 0),
                    Which::Largest => (0, keep),
                    Which::Both => (keep / 2, keep - keep / 2),
                };
                let kept: Vec<usize> = (0..ls).chain(c - ll..c).collect();
                kr.restart(&ritz, &kept);
                restarts += 1;
                continue;
            }
        }
        kr.expand(op)?;
    }
}

/// Ritz values (ascending), the eigenvectors of T as columns, residual norms.
pub(crate) struct Ritz {
    pub values: Vec<f64>,
    pub vectors: DMatrix<f64>,
    pub residuals: Vec<f64>,
}

/// A Krylov basis V (column-major, `n` rows) with the projected matrix T
/// and the residual block: A·V[:, ..active] = V[:, ..active]·T + Q·B, where
/// Q = V[:, active..active + width] and B = T[active.., ..active].
pub(crate) struct Krylov {
    n: usize,
    v: Vec<f64>,
    t: DMatrix<f64>,
    pub active: usize,
    pub width: usize,
    pub hvps: usize,
    rng: Rng,
}

/// Rows per task in the parallel basis updates: fixed, so sums never depend
/// on the thread count.
const ROWS_PER_TASK: usize = 4096;

impl Krylov {
    pub fn new(n: usize, capacity: usize) -> Krylov {
        Krylov {
            n,
            v: vec![0.0; n * capacity],
            t: DMatrix::zeros(capacity, capacity),
            active: 0,
            width: 0,
            hvps: 0,
            rng: Rng::new(0),
        }
    }

    fn capacity(&self) -> usize {
        self.t.nrows()
    }

    fn col(&self, j: usize) -> &[f64] {
        &self.v[j * self.n..(j + 1) * self.n]
    }

    /// A random orthonormal starting block of `b` vectors.
    pub fn start(&mut self, seed: u64, b: usize) {
        self.rng = Rng::new(seed);
        let mut block: Vec<f64> = (0..b * self.n).map(|_| self.rng.normal()).collect();
        self.active = 0;
        self.width = 0;
        let reference: Vec<f64> = block.chunks_exact(self.n).map(norm).collect();
        self.orthonormalise_into(&mut block, b, &reference);
    }

    /// Starts from a given unit vector (stochastic Lanczos quadrature).
    pub fn start_from(&mut self, v: &[f64], seed: u64) {
        self.rng = Rng::new(seed);
        self.v[..self.n].copy_from_slice(v);
        self.active = 0;
        self.width = 1;
    }

    /// Applies the operator to the residual block and extends the basis by it.
    pub fn expand<A: LinearOperator + ?Sized>(&mut self, op: &A) -> Result<()> {
        let (n, c, w) = (self.n, self.active, self.width);
        let q = self.v[c * n..(c + w) * n].to_vec();
        let mut aq = op.apply_block(&q, w)?;
        self.hvps += w;
        if aq.len() != w * n {
            return Err(Error::DimensionMismatch {
                what: "operator products".into(),
                expected: format!("{} values", w * n),
                found: format!("{}", aq.len()),
            });
        }
        if let Some(bad) = aq.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                what: "the operator's product".into(),
                detail: format!("entry {} of {}", bad % n, n),
            });
        }
        // The coefficients h = Vᵀ(Aq) make column c+p of T. The large ones
        // are known (the coupling B to the basis, and the block's own
        // Rayleigh quotient): subtract those first, so that one full
        // Gram–Schmidt pass usually suffices (a second one runs when it
        // removed more than 1 − 1/√2 of the norm: Daniel et al. 1976).
        let mut coef = DMatrix::zeros(c + w, w);
        let reference: Vec<f64> = aq.chunks_exact(n).map(norm).collect();
        for p in 0..w {
            let x = &mut aq[p * n..(p + 1) * n];
            for i in 0..c {
                let bi = self.t[(c + p, i)];
                if bi != 0.0 {
                    axpy(x, -bi, self.col(i));
                    coef[(i, p)] += bi;
                }
            }
            for q in 0..w {
                let a = dot(self.col(c + q), x);
                axpy(x, -a, self.col(c + q));
                coef[(c + q, p)] += a;
            }
            for _pass in 0..3 {
                let before = norm(x);
                let h = self.gram_schmidt(x, 0, c + w);
                for (i, hi) in h.into_iter().enumerate() {
                    coef[(i, p)] += hi;
                }
                if norm(x) >= std::f64::consts::FRAC_1_SQRT_2 * before {
                    break;
                }
            }
        }
        for p in 0..w {
            for i in 0..c {
                self.t[(i, c + p)] = coef[(i, p)];
                self.t[(c + p, i)] = coef[(i, p)];
            }
            // Within the block, qᵀAq' and q'ᵀAq were computed apart: average.
            for q in 0..w {
                self.t[(c + q, c + p)] = 0.5 * (coef[(c + q, p)] + coef[(c + p, q)]);
            }
        }
        self.active = c + w;
        self.width = 0;
        let r = self.orthonormalise_into(&mut aq, w, &reference);
        for p in 0..self.width {
            for q in 0..w {
                let x = r[(p, q)];
                self.t[(self.active + p, c + q)] = x;
                self.t[(c + q, self.active + p)] = x;
            }
        }
        Ok(())
    }

    /// One classical Gram–Schmidt pass: removes from `x` its components
    /// along V[:, from..to] and returns them.
    fn gram_schmidt(&self, x: &mut [f64], from: usize, to: usize) -> Vec<f64> {
        let n = self.n;
        let h: Vec<f64> = (from..to)
            .into_par_iter()
            .map(|j| dot(self.col(j), x))
            .collect();
        x.par_chunks_mut(ROWS_PER_TASK)
            .enumerate()
            .for_each(|(t, seg)| {
                let r0 = t * ROWS_PER_TASK;
                for (j, hj) in (from..to).zip(&h) {
                    let col = &self.v[j * n + r0..j * n + r0 + seg.len()];
                    for (s, c) in seg.iter_mut().zip(col) {
                        *s -= hj * c;
                    }
                }
            });
        h
    }

    /// Orthonormalises the `w` vectors in `block` (already orthogonal to the
    /// basis) among themselves and appends them as the residual block at
    /// `active`. Returns R (w × w) with block = Q·R. A vector that vanishes
    /// (the Krylov space became invariant) is replaced by a random one
    /// orthogonal to everything, with a zero column in R; when the basis
    /// fills the whole space it is dropped instead.
    ///
    /// A vector counts as vanished when its norm is below 1e-10 of
    /// `reference` (the norm of A·q before any projection): rounding noise
    /// normalised would not be orthogonal to the basis.
    fn orthonormalise_into(
        &mut self,
        block: &mut [f64],
        w: usize,
        reference: &[f64],
    ) -> DMatrix<f64> {
        let n = self.n;
        let mut r = DMatrix::zeros(w, w);
        let base = self.active;
        let mut placed = 0;
        for p in 0..w {
            let x: Vec<f64> = block[p * n..(p + 1) * n].to_vec();
            let before = norm(&x);
            let cols = base + placed;
            if cols >= n.min(self.capacity()) {
                break;
            }
            // The block is orthogonal to the basis already; orthogonalise
            // against the vectors placed before it, twice.
            let mut y = x;
            let mut h = self.gram_schmidt(&mut y, base, cols);
            for (hi, extra) in h.iter_mut().zip(self.gram_schmidt(&mut y, base, cols)) {
                *hi += extra;
            }
            let after = norm(&y);
            let (mut y, nrm, coupled) = if after > 1e-10 * reference[p].max(before) && after > 0.0 {
                (y, after, true)
            } else {
                // Invariant subspace: continue with a fresh random direction.
                let mut z: Vec<f64> = (0..n).map(|_| self.rng.normal()).collect();
                self.gram_schmidt(&mut z, 0, cols);
                self.gram_schmidt(&mut z, 0, cols);
                let zn = norm(&z);
                if zn <= 1e-12 * (n as f64).sqrt() {
                    break;
                }
                (z, zn, false)
            };
            for s in y.iter_mut() {
                *s /= nrm;
            }
            self.v[cols * n..(cols + 1) * n].copy_from_slice(&y);
            if coupled {
                for q in 0..placed {
                    r[(q, p)] = h[q];
                }
                r[(placed, p)] = nrm;
            }
            placed += 1;
        }
        self.width = placed;
        // Rows of R beyond `placed` stay zero; R is returned in w × w shape
        // with rows indexed by placed column.
        r
    }

    /// Eigenpairs of T[..active, ..active] and their residuals ‖B·s‖.
    pub fn rayleigh_ritz(&self) -> Result<Ritz> {
        let c = self.active;
        let t = self.t.view((0, 0), (c, c)).into_owned();
        let spectrum = symmetric_eigen(&t)?;
        let b = self.t.view((c, 0), (self.width, c));
        let residuals = (0..c)
            .map(|i| (b * spectrum.eigenvectors.column(i)).norm())
            .collect();
        Ok(Ritz {
            values: spectrum.eigenvalues.as_slice().to_vec(),
            vectors: spectrum.eigenvectors,
            residuals,
        })
    }

    /// V[:, ..active]·S[:, cols], each normalised and sign-fixed.
    pub fn ritz_vectors(&self, s: &DMatrix<f64>, cols: &[usize]) -> Vec<DVector<f64>> {
        self.combine(s, cols)
            .into_iter()
            .map(|y| {
                let nrm = norm(&y);
                let big = y
                    .iter()
                    .copied()
                    .fold(0.0f64, |a, x| if x.abs() > a.abs() { x } else { a });
                let sign = if big < 0.0 { -1.0 } else { 1.0 };
                DVector::from_iterator(y.len(), y.into_iter().map(|x| sign * x / nrm))
            })
            .collect()
    }

    /// V[:, ..active]·S[:, cols] as a matrix product, by fixed row ranges.
    fn combine(&self, s: &DMatrix<f64>, cols: &[usize]) -> Vec<Vec<f64>> {
        let (n, c, l) = (self.n, self.active, cols.len());
        let sk = DMatrix::from_fn(c, l, |i, j| s[(i, cols[j])]);
        let basis = nalgebra::DMatrixView::from_slice(&self.v[..n * c], n, c);
        let parts: Vec<DMatrix<f64>> = (0..n.div_ceil(ROWS_PER_TASK))
            .into_par_iter()
            .map(|t| {
                let r0 = t * ROWS_PER_TASK;
                basis.rows(r0, ROWS_PER_TASK.min(n - r0)) * &sk
            })
            .collect();
        (0..l)
            .map(|j| {
                parts
                    .iter()
                    .flat_map(|part| part.column(j).iter().copied().collect::<Vec<_>>())
                    .collect()
            })
            .collect()
    }

    /// Thick restart: keep the Ritz vectors `kept`, then the residual block.
    pub fn restart(&mut self, ritz: &Ritz, kept: &[usize]) {
        let (n, c, w) = (self.n, self.active, self.width);
        let l = kept.len();
        let ys = self.combine(&ritz.vectors, kept);
        let coupling = self.t.view((c, 0), (w, c)).into_owned();
        let q = self.v[c * n..(c + w) * n].to_vec();
        for (j, y) in ys.iter().enumerate() {
            self.v[j * n..(j + 1) * n].copy_from_slice(y);
        }
        self.v[l * n..(l + w) * n].copy_from_slice(&q);
        self.t.fill(0.0);
        for (j, &i) in kept.iter().enumerate() {
            self.t[(j, j)] = ritz.values[i];
            for p in 0..w {
                let x = (coupling.row(p) * ritz.vectors.column(i))[(0, 0)];
                self.t[(l + p, j)] = x;
                self.t[(j, l + p)] = x;
            }
        }
        self.active = l;
        self.width = w;
    }

    /// T[..active, ..active] (for quadrature).
    pub fn projected(&self) -> DMatrix<f64> {
        self.t.view((0, 0), (self.active, self.active)).into_owned()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators: vectorises, and the order is fixed.
    let mut acc = [0.0; 4];
    let (ca, ra) = a.split_at(a.len() / 4 * 4);
    let (cb, rb) = b.split_at(ca.len());
    for (x, y) in ca.chunks_exact(4).zip(cb.chunks_exact(4)) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}
