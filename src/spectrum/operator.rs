//! Symmetric linear operators: what the matrix-free eigensolvers need of a
//! Hessian — its dimension and its product with vectors — and nothing more.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use nalgebra::DMatrix;

use crate::{Dataset, Error, Loss, Network, NetworkObjective, NetworkOptions, Result};
use crate::{TwiceDifferentiable, ad::check_finite};

/// A symmetric linear map ℝⁿ → ℝⁿ given by its action on vectors.
///
/// `apply_block` multiplies several vectors at once; the default applies them
/// one by one, and operators that can share work between vectors (a network's
/// forward-over-reverse sweep over several tangent lanes) override it.
///
/// # Examples
///
/// ```
/// use nalgebra::dmatrix;
/// use saddlescope::LinearOperator;
///
/// let a = dmatrix![2.0, 1.0; 1.0, 3.0];
/// assert_eq!(LinearOperator::dim(&a), 2);
/// assert_eq!(a.apply(&[1.0, 0.0]).unwrap(), vec![2.0, 1.0]);
/// ```
pub trait LinearOperator: Sync {
    /// The dimension n.
    fn dim(&self) -> usize;

    /// A·v.
    ///
    /// # Errors
    ///
    /// A vector of the wrong length, or a non-finite product.
    fn apply(&self, v: &[f64]) -> Result<Vec<f64>>;

    /// A·vᵢ for the `k` vectors stored one after the other in `vs`
    /// (`vs.len() == k·n`); the products are returned the same way.
    ///
    /// # Errors
    ///
    /// As [`apply`](Self::apply).
    fn apply_block(&self, vs: &[f64], k: usize) -> Result<Vec<f64>> {
        let n = self.dim();
        check_block(vs, k, n)?;
        let mut out = Vec::with_capacity(k * n);
        for v in vs.chunks_exact(n.max(1)).take(k) {
            out.extend(self.apply(v)?);
        }
        Ok(out)
    }
}

fn check_block(vs: &[f64], k: usize, n: usize) -> Result<()> {
    if vs.len() != k * n {
        return Err(Error::DimensionMismatch {
            what: "block of vectors for the operator".into(),
            expected: format!("{k} × {n} = {} values", k * n),
            found: format!("{}", vs.len()),
        });
    }
    Ok(())
}

fn check_vector(v: &[f64], n: usize) -> Result<()> {
    if v.len() != n {
        return Err(Error::DimensionMismatch {
            what: "vector for the operator".into(),
            expected: format!("{n} values"),
            found: format!("{}", v.len()),
        });
    }
    Ok(())
}

/// A dense symmetric matrix is an operator (only for tests and small
/// problems; the lower triangle is not checked against the upper).
impl LinearOperator for DMatrix<f64> {
    fn dim(&self) -> usize {
        self.nrows()
    }

    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        check_vector(v, self.nrows())?;
        let x = nalgebra::DVectorView::from_slice(v, v.len());
        Ok((self * x).as_slice().to_vec())
    }
}

/// The Hessian ∇²f(x) of a function at a point, applied through
/// Hessian-vector products; it counts the products and the time they take.
///
/// # Examples
///
/// ```
/// use saddlescope::{Expression, HessianOperator, LinearOperator};
///
/// let f = Expression::parse("x^2 - 3*y^2").unwrap();
/// let h = HessianOperator::new(&f, &[0.5, 0.5]).unwrap();
/// assert_eq!(h.apply(&[0.0, 1.0]).unwrap(), vec![0.0, -6.0]);
/// assert_eq!(h.hvp_count(), 1);
/// ```
pub struct HessianOperator<'a, F: TwiceDifferentiable + Sync + ?Sized> {
    f: &'a F,
    x: Vec<f64>,
    count: AtomicU64,
    nanos: AtomicU64,
}

impl<'a, F: TwiceDifferentiable + Sync + ?Sized> HessianOperator<'a, F> {
    /// The Hessian of `f` at `x`.
    ///
    /// # Errors
    ///
    /// A point of the wrong dimension or with non-finite coordinates.
    pub fn new(f: &'a F, x: &[f64]) -> Result<Self> {
        if x.len() != f.dim() {
            return Err(Error::DimensionMismatch {
                what: "point for the Hessian operator".into(),
                expected: format!("{} coordinates", f.dim()),
                found: format!("{}", x.len()),
            });
        }
        check_finite("the point", x, &[])?;
        Ok(HessianOperator {
            f,
            x: x.to_vec(),
            count: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
        })
    }

    /// The number of Hessian-vector products taken so far.
    pub fn hvp_count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The mean wall-clock seconds per Hessian-vector product (0 before the
    /// first); a block of k products counts as k.
    pub fn hvp_mean_seconds(&self) -> f64 {
        let count = self.hvp_count();
        if count == 0 {
            0.0
        } else {
            self.nanos.load(Ordering::Relaxed) as f64 * 1e-9 / count as f64
        }
    }

    fn record(&self, products: usize, since: Instant) {
        self.count.fetch_add(products as u64, Ordering::Relaxed);
        self.nanos
            .fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
}

impl<F: TwiceDifferentiable + Sync + ?Sized> LinearOperator for HessianOperator<'_, F> {
    fn dim(&self) -> usize {
        self.x.len()
    }

    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        let start = Instant::now();
        let product = self.f.hvp(&self.x, v)?.product;
        self.record(1, start);
        Ok(product.as_slice().to_vec())
    }

    fn apply_block(&self, vs: &[f64], k: usize) -> Result<Vec<f64>> {
        check_block(vs, k, self.x.len())?;
        let start = Instant::now();
        let out = self.f.hvp_block(&self.x, vs, k)?;
        self.record(k, start);
        Ok(out)
    }
}

/// The full-data Hessian of a network's mean loss, assembled from
/// mini-batches: H = Σ_b (n_b / N)·H_b, each batch's Hessian weighted by its
/// share of the rows, so that the scale is that of the Hessian on all rows
/// (exactly so unless BatchNorm uses batch statistics, which then are the
/// mini-batch's own). Batches are the rows in order, `batch_size` at a time.
///
/// # Examples
///
/// ```
/// use saddlescope::*;
///
/// let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
/// let arch = Architecture::parse("linear(1,16),tanh,linear(16,1)").unwrap();
/// let net = Network::read(format!("{shared}/fixtures/mlp/sine_1-16-1_tanh.safetensors"), Some(&arch)).unwrap();
/// let data = Dataset::from_csv(format!("{shared}/data/sine.csv"), &CsvOptions::default()).unwrap();
/// let batched = MiniBatchHessian::new(&net, &data, Loss::Mse, NetworkOptions::default(), 7).unwrap();
/// let f = NetworkObjective::new(&net, &data, Loss::Mse, NetworkOptions::default()).unwrap();
/// let full = HessianOperator::new(&f, f.params().as_slice()).unwrap();
/// let v = vec![0.1; f.dim()];
/// let (a, b) = (batched.apply(&v).unwrap(), full.apply(&v).unwrap());
/// assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
pub struct MiniBatchHessian {
    batches: Vec<(NetworkObjective, f64)>,
    x: Vec<f64>,
    count: AtomicU64,
}

impl MiniBatchHessian {
    /// The Hessian of `network`'s loss on `data` at its own parameters, in
    /// batches of `batch_size` rows.
    ///
    /// # Errors
    ///
    /// A batch size of 0, or what [`NetworkObjective::new`] rejects.
    pub fn new(
        network: &Network,
        data: &Dataset,
        loss: Loss,
        options: NetworkOptions,
        batch_size: usize,
    ) -> Result<MiniBatchHessian> {
        if batch_size == 0 {
            return Err(Error::InvalidSetting {
                name: "batch size".into(),
                message: "expected at least 1 row per batch, got 0".into(),
            });
        }
        let rows = data.rows();
        let batches = (0..rows)
            .step_by(batch_size)
            .map(|start| {
                let end = (start + batch_size).min(rows);
                let indices: Vec<usize> = (start..end).collect();
                let f =
                    NetworkObjective::new(network, &data.select(&indices), loss, options.clone())?;
                Ok((f, (end - start) as f64 / rows as f64))
            })
            .collect::<Result<Vec<_>>>()?;
        if batches.is_empty() {
            return Err(Error::InvalidInput(format!(
                "data set {} has no rows",
                data.source()
            )));
        }
        Ok(MiniBatchHessian {
            batches,
            x: network.params().as_slice().to_vec(),
            count: AtomicU64::new(0),
        })
    }

    /// The number of mini-batches.
    pub fn batches(&self) -> usize {
        self.batches.len()
    }

    /// The number of full-data Hessian-vector products taken so far.
    pub fn hvp_count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

impl LinearOperator for MiniBatchHessian {
    fn dim(&self) -> usize {
        self.x.len()
    }

    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        self.apply_block(v, 1)
    }

    fn apply_block(&self, vs: &[f64], k: usize) -> Result<Vec<f64>> {
        check_block(vs, k, self.x.len())?;
        let mut sum = vec![0.0; vs.len()];
        // In batch order, so the sum does not depend on the thread count.
        for (f, weight) in &self.batches {
            let part = f.hvp_block(&self.x, vs, k)?;
            for (s, p) in sum.iter_mut().zip(part) {
                *s += weight * p;
            }
        }
        self.count.fetch_add(k as u64, Ordering::Relaxed);
        Ok(sum)
    }
}
