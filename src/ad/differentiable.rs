//! [`TwiceDifferentiable`]: what the analysis needs of a function, whether
//! it is an [`Objective`] on the generic tape or a network's loss on a data
//! set with its own layer kernels.

use nalgebra::DVector;

use super::{Hessian, Hvp, Objective};
use crate::Result;

/// A function with a value, gradient, Hessian-vector product and Hessian at
/// any point: every [`Objective`] (through the tape) and
/// [`NetworkObjective`](crate::NetworkObjective) (through layer kernels).
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, TwiceDifferentiable};
/// let f = builtin("saddle", 2).unwrap();
/// assert_eq!(TwiceDifferentiable::dim(&f), 2);
/// let h = TwiceDifferentiable::hessian(&f, &[0.0, 0.0]).unwrap();
/// assert_eq!(h.matrix[(1, 1)], -2.0);
/// ```
pub trait TwiceDifferentiable {
    /// The number of variables.
    fn dim(&self) -> usize;
    /// f(x).
    ///
    /// # Errors
    ///
    /// A point of the wrong dimension, or a non-finite value.
    fn value(&self, x: &[f64]) -> Result<f64>;
    /// f(x) and ∇f(x).
    ///
    /// # Errors
    ///
    /// A point of the wrong dimension, or a non-finite result.
    fn gradient(&self, x: &[f64]) -> Result<(f64, DVector<f64>)>;
    /// f(x), ∇f(x) and ∇²f(x)·v.
    ///
    /// # Errors
    ///
    /// A point or direction of the wrong dimension, or a non-finite result.
    fn hvp(&self, x: &[f64], v: &[f64]) -> Result<Hvp>;
    /// ∇²f(x)·vᵢ for the `k` directions stored one after the other in `vs`
    /// (`vs.len() == k·n`), returned the same way. The default takes `k`
    /// products one by one; networks sweep all `k` tangent lanes at once.
    ///
    /// # Errors
    ///
    /// A point or block of the wrong size, or a non-finite result.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Expression, TwiceDifferentiable};
    /// let f = Expression::parse("x^2 * y").unwrap();
    /// let hv = f.hvp_block(&[1.0, 2.0], &[1.0, 0.0, 0.0, 1.0], 2).unwrap();
    /// assert_eq!(hv, vec![4.0, 2.0, 2.0, 0.0]); // the Hessian's two columns
    /// ```
    fn hvp_block(&self, x: &[f64], vs: &[f64], k: usize) -> Result<Vec<f64>> {
        let n = x.len();
        if vs.len() != k * n {
            return Err(crate::Error::DimensionMismatch {
                what: "block of directions for the Hessian-vector products".into(),
                expected: format!("{k} × {n} = {} values", k * n),
                found: format!("{}", vs.len()),
            });
        }
        let mut out = Vec::with_capacity(k * n);
        for v in vs.chunks_exact(n.max(1)).take(k) {
            out.extend_from_slice(self.hvp(x, v)?.product.as_slice());
        }
        Ok(out)
    }
    /// f(x), ∇f(x) and ∇²f(x), symmetrised.
    ///
    /// # Errors
    ///
    /// A point of the wrong dimension, or a non-finite result.
    fn hessian(&self, x: &[f64]) -> Result<Hessian>;
    /// The Hessian, reporting progress as (units done, total units).
    ///
    /// # Errors
    ///
    /// As [`hessian`](Self::hessian).
    fn hessian_with_progress(
        &self,
        x: &[f64],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Hessian> {
        let h = self.hessian(x)?;
        progress(1, 1);
        Ok(h)
    }
}

impl<O: Objective + Sync> TwiceDifferentiable for O {
    fn dim(&self) -> usize {
        Objective::dim(self)
    }
    fn value(&self, x: &[f64]) -> Result<f64> {
        super::value(self, x)
    }
    fn gradient(&self, x: &[f64]) -> Result<(f64, DVector<f64>)> {
        super::gradient(self, x)
    }
    fn hvp(&self, x: &[f64], v: &[f64]) -> Result<Hvp> {
        super::hvp(self, x, v)
    }
    fn hessian(&self, x: &[f64]) -> Result<Hessian> {
        super::hessian(self, x)
    }
}
