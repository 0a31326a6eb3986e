//! [`SurfaceGrid`]: a function's values on a rectangular grid, evaluated
//! in parallel.

use std::ops::RangeInclusive;

use rayon::prelude::*;

use crate::{Error, Result, TwiceDifferentiable};

/// The most points along one side of a grid.
pub(crate) const MAX_SIDE: usize = 4001;

/// Values z = f(x, y) on the grid x × y: `values[j * x.len() + i]` is the
/// value at (`x[i]`, `y[j]`). NaN marks a point where f is not finite (it
/// is left blank in a plot and no contour crosses it).
///
/// # Examples
///
/// ```
/// use saddlescope::{Expression, SurfaceGrid};
/// let f = Expression::parse("x^2 - y").unwrap();
/// let g = SurfaceGrid::evaluate(&f, -1.0..=1.0, 0.0..=2.0, 3, 2).unwrap();
/// assert_eq!(g.x, [-1.0, 0.0, 1.0]);
/// assert_eq!(g.y, [0.0, 2.0]);
/// assert_eq!(g.values, [1.0, 0.0, 1.0, -1.0, -2.0, -1.0]);
/// assert_eq!(g.at(2, 1), -1.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceGrid {
    /// The x coordinates, increasing.
    pub x: Vec<f64>,
    /// The y coordinates, increasing.
    pub y: Vec<f64>,
    /// Row-major by y: `values[j * x.len() + i]` = `f(x[i], y[j])`.
    pub values: Vec<f64>,
}

impl SurfaceGrid {
    /// A grid from its parts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for fewer than 2 coordinates on a side,
    /// coordinates that are not finite and strictly increasing, or no
    /// finite value; [`Error::DimensionMismatch`] when `values` is not
    /// `x.len() · y.len()` long.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SurfaceGrid;
    /// let g = SurfaceGrid::new(vec![0.0, 1.0], vec![0.0, 1.0], vec![0.0, 1.0, 1.0, 2.0]).unwrap();
    /// assert_eq!(g.value_range(), (0.0, 2.0));
    /// assert!(SurfaceGrid::new(vec![1.0, 0.0], vec![0.0, 1.0], vec![0.0; 4]).is_err());
    /// ```
    pub fn new(x: Vec<f64>, y: Vec<f64>, values: Vec<f64>) -> Result<SurfaceGrid> {
        let values = values
            .into_iter()
            .map(|v| if v.is_finite() { v } else { f64::NAN })
            .collect();
        let grid = SurfaceGrid { x, y, values };
        grid.check()?;
        Ok(grid)
    }

    /// The checks of [`SurfaceGrid::new`], for a grid whose fields were set
    /// by hand.
    pub(crate) fn check(&self) -> Result<()> {
        for (name, axis) in [("x", &self.x), ("y", &self.y)] {
            if axis.len() < 2 {
                return Err(Error::InvalidInput(format!(
                    "a surface grid needs at least 2 {name} coordinates, found {}",
                    axis.len()
                )));
            }
            if axis.iter().any(|v| !v.is_finite()) || axis.windows(2).any(|w| w[1] <= w[0]) {
                return Err(Error::InvalidInput(format!(
                    "the {name} coordinates of a surface grid must be finite and strictly increasing"
                )));
            }
        }
        let (nx, ny) = (self.x.len(), self.y.len());
        if self.values.len() != nx * ny {
            return Err(Error::DimensionMismatch {
                what: "values of a surface grid".into(),
                expected: format!("{nx} × {ny} = {}", nx * ny),
                found: self.values.len().to_string(),
            });
        }
        if !self.values.iter().any(|v| v.is_finite()) {
            return Err(Error::InvalidInput(
                "the surface has no finite value on the grid".into(),
            ));
        }
        Ok(())
    }

    /// f on an `nx` × `ny` grid spanning the box `x` × `y`, evaluated in
    /// parallel (the result does not depend on the number of threads).
    /// Points where f is not finite become NaN.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] unless f has 2 variables; the errors of
    /// [`linspace`] for the ranges and sizes; any error of `f.value` other
    /// than a non-finite value; no finite value at all.
    pub fn evaluate<F: TwiceDifferentiable + Sync + ?Sized>(
        f: &F,
        x: RangeInclusive<f64>,
        y: RangeInclusive<f64>,
        nx: usize,
        ny: usize,
    ) -> Result<SurfaceGrid> {
        if f.dim() != 2 {
            return Err(Error::DimensionMismatch {
                what: "function for a surface plot".into(),
                expected: "2 variables".into(),
                found: format!("{} variables", f.dim()),
            });
        }
        let xs = linspace(x, nx)?;
        let ys = linspace(y, ny)?;
        SurfaceGrid::from_fn(xs, ys, |x, y| f.value(&[x, y]))
    }

    /// `value(x[i], y[j])` on the grid, evaluated in parallel; a
    /// [`Error::NonFinite`] from `value` becomes NaN.
    ///
    /// # Errors
    ///
    /// As [`SurfaceGrid::new`], and the first other error of `value` (in
    /// grid order).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SurfaceGrid;
    /// let g = SurfaceGrid::from_fn(vec![1.0, 2.0], vec![0.0, 1.0], |x, y| Ok(x * 10.0 + y)).unwrap();
    /// assert_eq!(g.values, [10.0, 20.0, 11.0, 21.0]);
    /// ```
    pub fn from_fn(
        x: Vec<f64>,
        y: Vec<f64>,
        value: impl Fn(f64, f64) -> Result<f64> + Sync,
    ) -> Result<SurfaceGrid> {
        let nx = x.len();
        let values = (0..nx * y.len())
            .into_par_iter()
            .map(|k| match value(x[k % nx], y[k / nx]) {
                Ok(v) => Ok(v),
                Err(Error::NonFinite { .. }) => Ok(f64::NAN),
                Err(e) => Err(e),
            })
            .collect::<Result<Vec<f64>>>()?;
        SurfaceGrid::new(x, y, values)
    }

    /// The value at (`x[i]`, `y[j]`).
    ///
    /// # Panics
    ///
    /// If `i` or `j` is out of range.
    pub fn at(&self, i: usize, j: usize) -> f64 {
        assert!(
            i < self.x.len() && j < self.y.len(),
            "grid index out of range"
        );
        self.values[j * self.x.len() + i]
    }

    /// The smallest and largest finite value.
    pub fn value_range(&self) -> (f64, f64) {
        super::axis::finite_range(self.values.iter().copied())
    }
}

/// `n` evenly spaced points from the start to the end of `range`, both
/// included.
///
/// # Errors
///
/// [`Error::InvalidSetting`] for a range that is not finite and increasing,
/// or `n` outside 2 ..= 4001.
///
/// # Examples
///
/// ```
/// assert_eq!(saddlescope::linspace(-1.0..=1.0, 5).unwrap(), [-1.0, -0.5, 0.0, 0.5, 1.0]);
/// assert!(saddlescope::linspace(1.0..=1.0, 5).is_err());
/// ```
pub fn linspace(range: RangeInclusive<f64>, n: usize) -> Result<Vec<f64>> {
    let (lo, hi) = range.into_inner();
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::InvalidSetting {
            name: "range".into(),
            message: format!("needs finite ends with start < end, found {lo}..={hi}"),
        });
    }
    if !(2..=MAX_SIDE).contains(&n) {
        return Err(Error::InvalidSetting {
            name: "number of grid points".into(),
            message: format!("must be in 2..={MAX_SIDE}, found {n}"),
        });
    }
    let step = (hi - lo) / (n - 1) as f64;
    Ok((0..n)
        .map(|k| if k == n - 1 { hi } else { lo + k as f64 * step })
        .collect())
}
