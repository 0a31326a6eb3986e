//! Contour levels and the colour scale of a heat map: linear, or
//! log-spaced above the minimum for ravines whose values span decades.

use super::SurfaceGrid;
use crate::{Error, Result};

/// How the contour levels of a surface (and its colour scale) are chosen.
///
/// `Auto` looks at how the values above the grid's minimum are spread:
/// when the 90th percentile of f − min f is more than 30 times the 10th —
/// a narrow valley in a steep landscape, like Rosenbrock's — or the median
/// lies in the bottom 15 % of the range (basins under high walls, like
/// Himmelblau's), the levels are log-spaced and the colours follow
/// log(f − min f); otherwise (a bowl, a saddle) both are linear.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, Expression, Levels, SurfaceGrid};
/// let rosenbrock = builtin("rosenbrock", 2)?;
/// let g = SurfaceGrid::evaluate(&rosenbrock, -2.0..=2.0, -1.0..=3.0, 41, 41)?;
/// let auto = Levels::Auto(10).resolve(&g)?;
/// assert!(auto.scale.is_log());
/// assert_eq!(auto.levels.len(), 10);
/// // Each level is the same factor above the last.
/// let r = auto.levels[1] / auto.levels[0];
/// assert!((auto.levels[9] / auto.levels[8] / r - 1.0).abs() < 1e-9);
///
/// let bowl = Expression::parse("x^2 + y^2")?;
/// let g = SurfaceGrid::evaluate(&bowl, -2.0..=2.0, -2.0..=2.0, 41, 41)?;
/// assert!(!Levels::Auto(10).resolve(&g)?.scale.is_log());
/// assert!(Levels::Log(10).resolve(&g)?.scale.is_log()); // overridden
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Levels {
    /// This many levels, log-spaced when the values span decades above the
    /// minimum, else evenly spaced.
    Auto(usize),
    /// This many evenly spaced levels strictly between the minimum and the
    /// maximum.
    Linear(usize),
    /// This many levels min f + δ with δ geometrically spaced from the
    /// 0.5th percentile of f − min f to its maximum.
    Log(usize),
    /// These levels (sorted; the colour scale as `Auto` chooses it).
    Values(Vec<f64>),
}

impl Default for Levels {
    /// `Auto(12)`.
    fn default() -> Levels {
        Levels::Auto(12)
    }
}

/// The most levels [`Levels`] accepts.
const MAX_LEVELS: usize = 200;

/// The percentile ratio q90/q10 of f − min f above which [`Levels::Auto`]
/// turns logarithmic.
const AUTO_LOG_RATIO: f64 = 30.0;

/// The fraction of the range below which a median of f − min f turns
/// [`Levels::Auto`] logarithmic (linear colours would leave half the
/// picture in the darkest few shades).
const AUTO_LOG_MEDIAN: f64 = 0.15;

/// Contour levels and the colour scale chosen for a grid by
/// [`Levels::resolve`].
#[derive(Debug, Clone, PartialEq)]
pub struct ContourLevels {
    /// The levels, increasing.
    pub levels: Vec<f64>,
    /// How values map to the colour map.
    pub scale: ColorScale,
}

/// How a value maps to a position in the colour map.
///
/// # Examples
///
/// ```
/// use saddlescope::ColorScale;
/// let lin = ColorScale::Linear { low: 0.0, high: 4.0 };
/// assert_eq!(lin.fraction(1.0), 0.25);
/// let log = ColorScale::Log { base: 0.0, low: 0.01, high: 100.0 };
/// assert!((log.fraction(1.0) - 0.5).abs() < 1e-12);
/// assert_eq!(log.fraction(1e-9), 0.0); // clamped
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColorScale {
    /// Position (v − low) / (high − low).
    Linear {
        /// The value at the bottom of the colour map.
        low: f64,
        /// The value at the top.
        high: f64,
    },
    /// Position of log₁₀(v − base) between log₁₀ low and log₁₀ high.
    Log {
        /// Subtracted before the logarithm: 0 when the function's minimum
        /// is (near) 0, else the grid's minimum.
        base: f64,
        /// The offset v − base at the bottom of the colour map (> 0).
        low: f64,
        /// The offset at the top.
        high: f64,
    },
}

impl ColorScale {
    /// Where v falls in the colour map, in [0, 1] (clamped; NaN stays NaN).
    pub fn fraction(&self, v: f64) -> f64 {
        let t = match *self {
            ColorScale::Linear { low, high } => (v - low) / (high - low),
            ColorScale::Log { base, low, high } => {
                let d = (v - base).max(low);
                (d.log10() - low.log10()) / (high.log10() - low.log10())
            }
        };
        if t.is_nan() { t } else { t.clamp(0.0, 1.0) }
    }

    /// Whether the scale is logarithmic.
    pub fn is_log(&self) -> bool {
        matches!(self, ColorScale::Log { .. })
    }
}

impl Levels {
    /// The levels and colour scale for `grid`'s finite values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] for a count outside 1 ..= 200 or explicit
    /// values that are empty or not finite; a grid that
    /// [`SurfaceGrid::new`] would refuse.
    pub fn resolve(&self, grid: &SurfaceGrid) -> Result<ContourLevels> {
        grid.check()?;
        let mut finite: Vec<f64> = grid
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        finite.sort_by(f64::total_cmp);
        let (min, max) = match (finite.first(), finite.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => {
                return Err(Error::InvalidInput(
                    "the surface has no finite value on the grid".into(),
                ));
            }
        };
        let count = match self {
            Levels::Auto(n) | Levels::Linear(n) | Levels::Log(n) => {
                if !(1..=MAX_LEVELS).contains(n) {
                    return Err(Error::InvalidSetting {
                        name: "contour levels".into(),
                        message: format!("the count must be in 1..={MAX_LEVELS}, found {n}"),
                    });
                }
                *n
            }
            Levels::Values(v) => {
                if v.is_empty() || v.len() > MAX_LEVELS || v.iter().any(|x| !x.is_finite()) {
                    return Err(Error::InvalidSetting {
                        name: "contour levels".into(),
                        message: format!(
                            "give 1 to {MAX_LEVELS} finite values, found {} values",
                            v.len()
                        ),
                    });
                }
                v.len()
            }
        };
        let span = max - min;
        let quantile = |q: f64| finite[((finite.len() - 1) as f64 * q).round() as usize] - min;
        let spans_decades = {
            let (q10, q50, q90) = (quantile(0.1), quantile(0.5), quantile(0.9));
            q10 > 0.0 && (q90 > AUTO_LOG_RATIO * q10 || q50 < AUTO_LOG_MEDIAN * span)
        };
        let log = span > 0.0
            && match self {
                Levels::Log(_) => true,
                Levels::Linear(_) => false,
                Levels::Auto(_) | Levels::Values(_) => spans_decades,
            };
        let (scale, spaced) = if log {
            // The lowest level: the 0.5th percentile above the minimum, or
            // the smallest positive offset when that is 0.
            let positive = finite
                .iter()
                .map(|v| v - min)
                .find(|d| *d > 0.0)
                .unwrap_or(span);
            let floor = quantile(0.005).max(positive).max(span * 1e-12).min(span);
            // Measure from 0 when the minimum is (near) 0, so that the
            // levels and the colour bar read as values of f.
            let base = if min >= 0.0 && min < floor { 0.0 } else { min };
            let (lowest, high) = (floor + min - base, max - base);
            // `count` levels, each the same factor above the last, the top
            // one a step below the maximum; the colours start half a step
            // below the lowest level.
            let ratio = (high / lowest).powf(1.0 / count as f64);
            let levels = (0..count)
                .map(|k| base + lowest * ratio.powi(k as i32))
                .collect();
            let scale = ColorScale::Log {
                base,
                low: lowest / ratio.sqrt(),
                high,
            };
            (scale, levels)
        } else {
            let scale = ColorScale::Linear {
                low: min,
                high: if span > 0.0 { max } else { min + 1.0 },
            };
            let levels = if span > 0.0 {
                (1..=count)
                    .map(|k| min + span * k as f64 / (count + 1) as f64)
                    .collect()
            } else {
                vec![min]
            };
            (scale, levels)
        };
        let levels = match self {
            Levels::Values(v) => {
                let mut v = v.clone();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v
            }
            _ => spaced,
        };
        Ok(ContourLevels { levels, scale })
    }
}
