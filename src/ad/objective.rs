//! The [`Objective`] trait: a function written once, generic over the scalar.

use num_dual::DualNum;

/// A scalar that an objective can be evaluated with: `f64`, num-dual's dual
/// numbers (`Dual64`, `DualSVec64<K>`, `HyperDual64`, …) and saddlescope's
/// reverse-mode [`Var`](crate::Var) over any of those.
///
/// This is num-dual's `DualNum` with `f64` as the primitive (num-dual 0.15
/// spells the primitive as an associated type), plus `Copy`. It is
/// implemented for every such type; there is nothing to implement.
///
/// # Examples
///
/// ```
/// use saddlescope::Scalar;
/// use num_dual::Dual64;
///
/// fn cube<D: Scalar>(x: D) -> D {
///     x.powi(3)
/// }
/// assert_eq!(cube(2.0), 8.0);
/// let d = cube(Dual64::new(2.0, 1.0));
/// assert_eq!((d.re, d.eps), (8.0, 12.0));
/// ```
pub trait Scalar: DualNum<Primitive = f64> + Copy {}

impl<T: DualNum<Primitive = f64> + Copy> Scalar for T {}

/// A real function of `dim()` variables, written once and generic over the
/// scalar, so that the same code yields values (`f64`), forward derivatives
/// (dual numbers), gradients (reverse mode) and Hessian-vector products
/// (forward-over-reverse).
///
/// Closures cannot be generic over a type parameter, hence a trait. Write
/// constants as `D::from(2.0)` or multiply by an `f64` on the right
/// (`x * 2.0`); branch on `x.re()` where a function is piecewise.
///
/// # Examples
///
/// ```
/// use saddlescope::{Objective, Scalar, gradient, hessian};
///
/// /// f(x, y) = x² − y²: a saddle at the origin.
/// struct Saddle;
///
/// impl Objective for Saddle {
///     fn dim(&self) -> usize {
///         2
///     }
///     fn eval<D: Scalar>(&self, x: &[D]) -> D {
///         x[0] * x[0] - x[1] * x[1]
///     }
/// }
///
/// let (f, g) = gradient(&Saddle, &[1.0, 2.0]).unwrap();
/// assert_eq!(f, -3.0);
/// assert_eq!(g.as_slice(), &[2.0, -4.0]);
/// let h = hessian(&Saddle, &[0.0, 0.0]).unwrap();
/// assert_eq!(h.matrix[(0, 0)], 2.0);
/// assert_eq!(h.matrix[(1, 1)], -2.0);
/// ```
pub trait Objective {
    /// The number of variables.
    fn dim(&self) -> usize;

    /// The function's value at `x` (of length `dim()`), for any scalar.
    fn eval<D: Scalar>(&self, x: &[D]) -> D;
}

impl<O: Objective + ?Sized> Objective for &O {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn eval<D: Scalar>(&self, x: &[D]) -> D {
        (**self).eval(x)
    }
}
