//! Value, gradient, Hessian-vector product and Hessian of an [`Objective`].
//!
//! All derivatives come from one mechanism: a reverse sweep over
//! [`Var<T>`](crate::Var). At T = f64 it returns the gradient. At
//! T = `Dual64`, with every input's tangent set to vᵢ, it returns
//! g + ε·Hv (forward-over-reverse, as `jax.jvp(jax.grad(f))`). At
//! T = `DualSVec64<K>`, with the inputs of one block of K columns seeded by
//! unit tangents, it returns K columns of the Hessian; the ⌈n/K⌉ blocks run
//! in parallel with rayon and each column is computed identically whatever
//! the thread count, so the result is bit-identical for any number of
//! threads.

use nalgebra::{Const, DMatrix, DVector, U1};
use num_dual::{Derivative, Dual64, DualSVec64};
use rayon::prelude::*;

use super::Objective;
use super::tape::{SweepGuard, TapeScalar, with_tape};
use super::var::Var;
use crate::{Error, Result};

/// Gradient and Hessian-vector product from one forward-over-reverse sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Hvp {
    /// f(x).
    pub value: f64,
    /// ∇f(x).
    pub gradient: DVector<f64>,
    /// ∇²f(x)·v.
    pub product: DVector<f64>,
}

/// The full Hessian with the value and gradient that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hessian {
    /// f(x).
    pub value: f64,
    /// ∇f(x).
    pub gradient: DVector<f64>,
    /// ∇²f(x), symmetrised as (H + Hᵀ)/2.
    pub matrix: DMatrix<f64>,
    /// ‖H − Hᵀ‖_F / ‖H‖_F of the matrix as computed, before symmetrising
    /// (0 when H = 0). Columns come from separate sweeps, so round-off makes
    /// this ~1e-16 for a correct objective; a large value means the
    /// objective is not twice differentiable at x.
    pub asymmetry: f64,
}

/// The objective's value at `x`.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when `x.len() != f.dim()`;
/// [`Error::NonFinite`] when `x` or the value is NaN or infinite.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, value};
/// let f = builtin("himmelblau", 2).unwrap();
/// assert_eq!(value(&f, &[3.0, 2.0]).unwrap(), 0.0);
/// ```
pub fn value<O: Objective>(f: &O, x: &[f64]) -> Result<f64> {
    check_point(f, x)?;
    let y = f.eval(x);
    check_finite("the objective's value", std::slice::from_ref(&y), x)?;
    Ok(y)
}

/// The value and gradient at `x`, from one reverse sweep.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when `x.len() != f.dim()`;
/// [`Error::NonFinite`] when `x`, the value or the gradient is NaN or
/// infinite.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, gradient};
/// let f = builtin("rosenbrock", 2).unwrap();
/// let (v, g) = gradient(&f, &[0.0, 0.0]).unwrap();
/// assert_eq!(v, 1.0);
/// assert_eq!(g.as_slice(), &[-2.0, 0.0]);
/// ```
pub fn gradient<O: Objective>(f: &O, x: &[f64]) -> Result<(f64, DVector<f64>)> {
    check_point(f, x)?;
    let (y, adj) = sweep::<f64, O>(f, x);
    check_finite("the objective's value", std::slice::from_ref(&y), x)?;
    check_finite("the gradient", &adj, x)?;
    Ok((y, DVector::from_vec(adj)))
}

/// The value, gradient and Hessian-vector product H·v at `x`, from one
/// reverse sweep over `Dual64` (forward-over-reverse).
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when `x` or `v` does not have `f.dim()`
/// entries; [`Error::NonFinite`] when an input or a result is NaN or
/// infinite.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, hvp};
/// // Rosenbrock at (1, 1): H = [[802, −400], [−400, 200]].
/// let f = builtin("rosenbrock", 2).unwrap();
/// let r = hvp(&f, &[1.0, 1.0], &[1.0, 0.0]).unwrap();
/// assert_eq!(r.product.as_slice(), &[802.0, -400.0]);
/// ```
pub fn hvp<O: Objective>(f: &O, x: &[f64], v: &[f64]) -> Result<Hvp> {
    check_point(f, x)?;
    if v.len() != x.len() {
        return Err(Error::DimensionMismatch {
            what: "direction v of the Hessian-vector product".into(),
            expected: coordinates(x.len()),
            found: coordinates(v.len()),
        });
    }
    check_finite("the direction v", v, x)?;
    let seeded: Vec<Dual64> = x.iter().zip(v).map(|(&a, &b)| Dual64::new(a, b)).collect();
    let (y, adj) = sweep::<Dual64, O>(f, &seeded);
    let gradient: Vec<f64> = adj.iter().map(|a| a.re).collect();
    let product: Vec<f64> = adj.iter().map(|a| a.eps).collect();
    check_finite("the objective's value", &[y.re], x)?;
    check_finite("the gradient", &gradient, x)?;
    check_finite("the Hessian-vector product", &product, x)?;
    Ok(Hvp {
        value: y.re,
        gradient: DVector::from_vec(gradient),
        product: DVector::from_vec(product),
    })
}

/// The value, gradient and full Hessian at `x`: ⌈n/K⌉ forward-over-reverse
/// sweeps over `DualSVec64<K>` (K Hessian columns each, K ≤ 8), in parallel
/// over column blocks. The result is the same to the bit for any number of
/// threads.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when `x.len() != f.dim()`;
/// [`Error::NonFinite`] when `x` or a result is NaN or infinite.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, hessian};
/// let f = builtin("rosenbrock", 2).unwrap();
/// let h = hessian(&f, &[1.0, 1.0]).unwrap();
/// assert_eq!(h.matrix[(0, 0)], 802.0);
/// assert_eq!(h.matrix[(0, 1)], -400.0);
/// assert_eq!(h.matrix[(1, 1)], 200.0);
/// assert_eq!(h.asymmetry, 0.0);
/// ```
pub fn hessian<O: Objective + Sync>(f: &O, x: &[f64]) -> Result<Hessian> {
    check_point(f, x)?;
    let n = x.len();
    let (value, gradient, h) = match n {
        0 => (f.eval(x), Vec::new(), DMatrix::zeros(0, 0)),
        1 => hessian_blocks::<1, O>(f, x),
        2 => hessian_blocks::<2, O>(f, x),
        3..=4 => hessian_blocks::<4, O>(f, x),
        _ => hessian_blocks::<8, O>(f, x),
    };
    finish_hessian(value, gradient, h, x)
}

/// Checks a computed Hessian for NaN/inf, measures its asymmetry and
/// symmetrises it.
pub(crate) fn finish_hessian(
    value: f64,
    gradient: Vec<f64>,
    mut h: DMatrix<f64>,
    x: &[f64],
) -> Result<Hessian> {
    check_finite("the objective's value", &[value], x)?;
    check_finite("the gradient", &gradient, x)?;
    check_finite("the Hessian", h.as_slice(), x)?;
    let asymmetry = asymmetry(&h);
    symmetrise(&mut h);
    Ok(Hessian {
        value,
        gradient: DVector::from_vec(gradient),
        matrix: h,
        asymmetry,
    })
}

/// ‖H − Hᵀ‖_F / ‖H‖_F, or 0 for the zero matrix.
fn asymmetry(h: &DMatrix<f64>) -> f64 {
    let norm = h.norm();
    if norm == 0.0 {
        0.0
    } else {
        (h - h.transpose()).norm() / norm
    }
}

fn symmetrise(h: &mut DMatrix<f64>) {
    let n = h.nrows();
    for j in 0..n {
        for i in j + 1..n {
            let m = 0.5 * (h[(i, j)] + h[(j, i)]);
            h[(i, j)] = m;
            h[(j, i)] = m;
        }
    }
}

/// One block of K columns per sweep; blocks in parallel, assembled in order.
fn hessian_blocks<const K: usize, O: Objective + Sync>(
    f: &O,
    x: &[f64],
) -> (f64, Vec<f64>, DMatrix<f64>)
where
    DualSVec64<K>: TapeScalar,
{
    let n = x.len();
    let blocks = n.div_ceil(K);
    let columns: Vec<(f64, Vec<f64>, Vec<[f64; K]>)> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let first = b * K;
            let seeded: Vec<DualSVec64<K>> = x
                .iter()
                .enumerate()
                .map(|(i, &xi)| {
                    let lane = i.wrapping_sub(first);
                    if lane < K {
                        DualSVec64::<K>::from_re(xi).derivative(lane)
                    } else {
                        DualSVec64::<K>::from_re(xi)
                    }
                })
                .collect();
            let (y, adj) = sweep::<DualSVec64<K>, O>(f, &seeded);
            let grad = adj.iter().map(|a| a.re).collect();
            let rows = adj.iter().map(|a| lanes(&a.eps)).collect();
            (y.re, grad, rows)
        })
        .collect();
    let mut h = DMatrix::zeros(n, n);
    for (b, (_, _, rows)) in columns.iter().enumerate() {
        for (i, row) in rows.iter().enumerate() {
            for (lane, &hij) in row.iter().enumerate() {
                let j = b * K + lane;
                if j < n {
                    h[(i, j)] = hij;
                }
            }
        }
    }
    let (value, gradient, _) = columns.into_iter().next().expect("n > 0 gives a block");
    (value, gradient, h)
}

fn lanes<const K: usize>(eps: &Derivative<f64, Const<K>, U1>) -> [f64; K] {
    let v = (*eps).unwrap_generic(Const::<K>, U1);
    std::array::from_fn(|k| v[k])
}

/// One reverse sweep: records the inputs, evaluates, propagates back.
/// Returns the value and the adjoints of the inputs.
fn sweep<T: TapeScalar, O: Objective>(f: &O, x: &[T]) -> (T, Vec<T>) {
    let guard = SweepGuard::<T>::begin();
    let vars: Vec<Var<T>> = x.iter().map(|&xi| Var::input(xi)).collect();
    let y = f.eval(&vars);
    let adj = if y.is_constant() || (y.index() as usize) < guard.base {
        vec![T::zero(); x.len()]
    } else {
        with_tape(|t| t.reverse(guard.base, y.index(), x.len()))
    };
    (y.value(), adj)
}

fn check_point<O: Objective>(f: &O, x: &[f64]) -> Result<()> {
    if x.len() != f.dim() {
        return Err(Error::DimensionMismatch {
            what: "point".into(),
            expected: coordinates(f.dim()),
            found: coordinates(x.len()),
        });
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "the point".into(),
            detail: format!("coordinate {} is {}", i + 1, x[i]),
        });
    }
    Ok(())
}

pub(crate) fn check_finite(what: &str, values: &[f64], x: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => {
            let entry = if values.len() > 1 {
                format!("entry {} is {}", i + 1, values[i])
            } else {
                format!("it is {}", values[i])
            };
            Err(Error::NonFinite {
                what: what.into(),
                detail: format!("{entry} at x = {}", format_point(x)),
            })
        }
    }
}

fn coordinates(n: usize) -> String {
    if n == 1 {
        "1 coordinate".into()
    } else {
        format!("{n} coordinates")
    }
}

fn format_point(x: &[f64]) -> String {
    const SHOWN: usize = 6;
    // Shortest round-trip digits, in scientific form outside [1e-4, 1e15)
    // so that a diverged parameter does not print a hundred digits.
    let show = |v: f64| {
        if v == 0.0 || (1e-4..1e15).contains(&v.abs()) {
            format!("{v}")
        } else {
            format!("{v:e}")
        }
    };
    let mut s: Vec<String> = x.iter().take(SHOWN).map(|&v| show(v)).collect();
    if x.len() > SHOWN {
        s.push(format!("… ({} in all)", x.len()));
    }
    format!("({})", s.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;
    use num_dual::Gradients;

    /// A function of n variables using most elementary operations.
    struct Mix(usize);

    impl Objective for Mix {
        fn dim(&self) -> usize {
            self.0
        }
        fn eval<D: Scalar>(&self, x: &[D]) -> D {
            let mut s = D::zero();
            for i in 0..x.len() {
                let a = x[i];
                let b = x[(i + 1) % x.len()];
                s += (a * b).sin() + (a * a + 1.0).ln() * b.tanh() - a.exp() / (b * b + 2.0)
                    + (a - b).powi(3) * 0.1
                    + (a * a + b * b + 1.0).sqrt();
            }
            s
        }
    }

    /// num-dual's forward-over-forward Hessian: the oracle.
    fn oracle<O: Objective>(f: &O, x: &[f64]) -> (f64, DVector<f64>, DMatrix<f64>) {
        let x = DVector::from_column_slice(x);
        Gradients::hessian(|v: DVector<_>, _: &()| f.eval(v.as_slice()), &x, &())
    }

    fn point(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn rel(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
        (a - b).abs().max() / b.abs().max().max(1e-300)
    }

    #[test]
    fn gradient_hvp_hessian_match_forward_over_forward() {
        for n in [1, 2, 3, 5, 8, 9, 17] {
            let f = Mix(n);
            let x = point(n, n as u64);
            let (v0, g0, h0) = oracle(&f, &x);
            let (v, g) = gradient(&f, &x).unwrap();
            assert!((v - v0).abs() <= 1e-14 * v0.abs().max(1.0));
            assert!(
                rel(
                    &DMatrix::from_column_slice(n, 1, g.as_slice()),
                    &DMatrix::from_column_slice(n, 1, g0.as_slice())
                ) < 1e-13
            );
            let h = hessian(&f, &x).unwrap();
            assert!(
                rel(&h.matrix, &h0) < 1e-12,
                "n = {n}: {}",
                rel(&h.matrix, &h0)
            );
            assert!(h.asymmetry < 1e-14);
            let dir = point(n, 99);
            let r = hvp(&f, &x, &dir).unwrap();
            let want = &h0 * DVector::from_column_slice(&dir);
            let err = (&r.product - &want).abs().max() / want.abs().max();
            assert!(err < 1e-12, "n = {n}: hvp {err}");
            // Dual64 divides as a·(1/b): the gradients may differ in the last bit.
            assert!((&r.gradient - &g).abs().max() <= 1e-14 * g.abs().max());
        }
    }

    #[test]
    fn hessian_is_bit_identical_for_any_thread_count() {
        let f = Mix(37);
        let x = point(37, 5);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| hessian(&f, &x).unwrap())
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.matrix.as_slice(), two.matrix.as_slice());
        assert_eq!(one.gradient, two.gradient);
    }

    /// An objective that differentiates another objective inside its own
    /// evaluation: sweeps nest on the same thread-local tape.
    struct Nested;

    impl Objective for Nested {
        fn dim(&self) -> usize {
            2
        }
        fn eval<D: Scalar>(&self, x: &[D]) -> D {
            let inner = gradient(&Mix(3), &[0.1, 0.2, 0.3]).unwrap().1;
            x[0] * x[1] * inner[0]
        }
    }

    #[test]
    fn nested_sweeps_do_not_disturb_each_other() {
        let c = gradient(&Mix(3), &[0.1, 0.2, 0.3]).unwrap().1[0];
        let (_, g) = gradient(&Nested, &[2.0, 3.0]).unwrap();
        assert_eq!(g.as_slice(), &[3.0 * c, 2.0 * c]);
        let h = hessian(&Nested, &[2.0, 3.0]).unwrap();
        assert_eq!(h.matrix[(0, 1)], c);
    }

    struct Constant;

    impl Objective for Constant {
        fn dim(&self) -> usize {
            2
        }
        fn eval<D: Scalar>(&self, _: &[D]) -> D {
            D::from(4.0)
        }
    }

    #[test]
    fn an_objective_that_ignores_its_input_has_zero_derivatives() {
        assert_eq!(
            gradient(&Constant, &[1.0, 2.0]).unwrap().1.as_slice(),
            &[0.0, 0.0]
        );
        assert_eq!(
            hessian(&Constant, &[1.0, 2.0]).unwrap().matrix,
            DMatrix::zeros(2, 2)
        );
    }

    struct Log;

    impl Objective for Log {
        fn dim(&self) -> usize {
            1
        }
        fn eval<D: Scalar>(&self, x: &[D]) -> D {
            x[0].ln()
        }
    }

    #[test]
    fn non_finite_results_and_bad_shapes_are_errors() {
        let e = value(&Log, &[-1.0]).unwrap_err().to_string();
        assert!(e.contains("the objective's value is not finite"), "{e}");
        let e = gradient(&Log, &[0.0]).unwrap_err().to_string();
        assert!(e.contains("not finite"), "{e}");
        let e = hessian(&Log, &[1.0, 2.0]).unwrap_err().to_string();
        assert_eq!(e, "point: expected 1 coordinate, found 2 coordinates");
        let e = hvp(&Log, &[1.0], &[]).unwrap_err().to_string();
        assert!(e.contains("direction v"), "{e}");
        let e = gradient(&Log, &[f64::NAN]).unwrap_err().to_string();
        assert!(e.contains("coordinate 1 is NaN"), "{e}");
    }
}
