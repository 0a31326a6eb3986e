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
