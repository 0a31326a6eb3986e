//! Slices of a loss through a point: L(θ + α·d) along one direction and
//! L(θ + α·d₁ + β·d₂) over a plane, evaluated in parallel, and the 1-D
//! figure. (The 2-D slice is a [`SurfaceGrid`] for [`plot_surface`].)
//!
//! [`plot_surface`]: crate::plot_surface

use std::ops::RangeInclusive;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use super::axis::{Axis, AxisScale};
use super::chart::{self, Frame, LineStyle};
use super::figure::{Draw, DrawResult, Figure, Format, figure_setters, render};
use super::legend::{LegendPosition, along, draw_legend};
use super::marker::Marker;
use super::style;
use super::{SurfaceGrid, linspace};
use crate::{Error, Result, TwiceDifferentiable, Verdict};

/// The loss along a line through θ: `loss[k]` = L(θ + `alpha[k]`·d)
/// (NaN where it is not finite).
///
/// # Examples
///
/// ```
/// use saddlescope::{slice_1d, Expression};
/// let f = Expression::parse("x^2 - y^2").unwrap();
/// let along_y = slice_1d(&f, &[0.0, 0.0], &[0.0, 1.0], -1.0..=1.0, 3).unwrap();
/// assert_eq!(along_y.alpha, [-1.0, 0.0, 1.0]);
/// assert_eq!(along_y.loss, [-1.0, 0.0, -1.0]); // a way down
/// assert_eq!(along_y.with_name("λmin").name, "λmin");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SliceCurve {
    /// The legend name (empty until set).
    pub name: String,
    /// The step sizes α, increasing.
    pub alpha: Vec<f64>,
    /// L(θ + α·d) at each α.
    pub loss: Vec<f64>,
}

impl SliceCurve {
    /// Sets the legend name.
    pub fn with_name(mut self, name: impl Into<String>) -> SliceCurve {
        self.name = name.into();
        self
    }

    /// The loss at α by linear interpolation, if α is within the curve
    /// and the neighbouring values are finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::SliceCurve;
    /// let c = SliceCurve { name: String::new(), alpha: vec![0.0, 1.0], loss: vec![2.0, 4.0] };
    /// assert_eq!(c.value_at(0.25), Some(2.5));
    /// assert_eq!(c.value_at(2.0), None);
    /// ```
    pub fn value_at(&self, alpha: f64) -> Option<f64> {
        let n = self.alpha.len();
        if n == 0 || !(alpha >= self.alpha[0] && alpha <= self.alpha[n - 1]) {
            return None;
        }
        let k = self
            .alpha
            .partition_point(|a| *a <= alpha)
            .clamp(1, n.max(2) - 1)
            - 1;
        if n == 1 || self.alpha[k] == alpha {
            return Some(self.loss[k]).filter(|v| v.is_finite());
        }
        let t = (alpha - self.alpha[k]) / (self.alpha[k + 1] - self.alpha[k]);
        let v = self.loss[k] + t * (self.loss[k + 1] - self.loss[k]);
        v.is_finite().then_some(v)
    }
}

/// L(θ + α·d) at `points` evenly spaced α over `range`, evaluated in
/// parallel; the same values for any number of threads.
///
/// # Errors
///
/// [`Error::DimensionMismatch`] when θ or d does not have f's dimension;
/// the errors of [`linspace`]; any error of `f.value` other than a
/// non-finite value (which becomes NaN).
pub fn slice_1d<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    theta: &[f64],
    d: &[f64],
    range: RangeInclusive<f64>,
    points: usize,
) -> Result<SliceCurve> {
    check(f, theta, &[d])?;
    let alpha = linspace(range, points)?;
    let loss = alpha
        .par_iter()
        .map(|&a| {
            let x: Vec<f64> = theta.iter().zip(d).map(|(t, d)| t + a * d).collect();
            finite_or_nan(f.value(&x))
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(SliceCurve {
        name: String::new(),
        alpha,
        loss,
    })
}

/// L(θ + α·d₁ + β·d₂) on a `points` × `points` grid over `alpha` × `beta`,
/// evaluated in parallel; the same values for any number of threads. The
/// grid's x is α and its y is β.
///
/// # Errors
///
/// As [`slice_1d`], and [`SurfaceGrid::new`]'s.
///
/// # Examples
///
/// ```
/// use saddlescope::{slice_2d, Expression};
/// let f = Expression::parse("x^2 - y^2").unwrap();
/// let g = slice_2d(&f, &[1.0, 0.0], &[1.0, 0.0], &[0.0, 1.0], -1.0..=1.0, -1.0..=1.0, 3).unwrap();
/// assert_eq!(g.at(1, 1), 1.0); // α = β = 0: f(θ)
/// assert_eq!(g.at(0, 2), -1.0); // α = −1, β = 1: f(0, 1)
/// ```
pub fn slice_2d<F: TwiceDifferentiable + Sync + ?Sized>(
    f: &F,
    theta: &[f64],
    d1: &[f64],
    d2: &[f64],
    alpha: RangeInclusive<f64>,
    beta: RangeInclusive<f64>,
    points: usize,
) -> Result<SurfaceGrid> {
    check(f, theta, &[d1, d2])?;
    let a = linspace(alpha, points)?;
    let b = linspace(beta, points)?;
    SurfaceGrid::from_fn(a, b, |a, b| {
        let x: Vec<f64> = theta
            .iter()
            .zip(d1.iter().zip(d2))
            .map(|(t, (u, v))| t + a * u + b * v)
            .collect();
        f.value(&x)
    })
}

fn check<F: TwiceDifferentiable + ?Sized>(
    f: &F,
    theta: &[f64],
    directions: &[&[f64]],
) -> Result<()> {
    let n = f.dim();
    for (what, v) in std::iter::once(("point θ of a slice", theta))
        .chain(directions.iter().map(|d| ("direction of a slice", *d)))
    {
        if v.len() != n {
            return Err(Error::DimensionMismatch {
                what: what.into(),
                expected: format!("{n} values"),
                found: v.len().to_string(),
            });
        }
    }
    Ok(())
}

fn finite_or_nan(v: Result<f64>) -> Result<f64> {
    match v {
        Ok(v) => Ok(v),
        Err(Error::NonFinite { .. }) => Ok(f64::NAN),
        Err(e) => Err(e),
    }
}

/// A point marked on every curve of a 1-D slice at step α.
#[derive(Debug, Clone, PartialEq)]
struct SliceMark {
    alpha: f64,
    label: String,
    verdict: Option<Verdict>,
}

/// Settings of [`plot_slice`]: axis names and scale, marked steps (the
/// centre θ at α = 0, checkpoints at α = 0 and 1), legend, and the
/// [`Figure`].
///
/// # Examples
///
/// ```
/// use saddlescope::{AxisScale, SlicePlot, Verdict};
/// let plot = SlicePlot::new()
///     .with_title("Loss along the extreme eigenvectors")
///     .with_scale(AxisScale::Linear)
///     .with_mark(0.0, "θ", Some(Verdict::SaddlePoint));
/// assert_eq!(plot.figure().title(), "Loss along the extreme eigenvectors");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SlicePlot {
    figure: Figure,
    x_label: String,
    y_label: String,
    scale: AxisScale,
    marks: Vec<SliceMark>,
    legend: LegendPosition,
}

impl Default for SlicePlot {
    fn default() -> SlicePlot {
        SlicePlot {
            figure: Figure::default(),
            x_label: "α".into(),
            y_label: "loss".into(),
            scale: AxisScale::Auto,
            marks: Vec::new(),
            legend: LegendPosition::Auto,
        }
    }
}

figure_setters!(SlicePlot);

impl SlicePlot {
    /// Axes `α` and `loss`, automatic loss scale, no marks.
    pub fn new() -> SlicePlot {
        SlicePlot::default()
    }

    /// Names the axes.
    pub fn with_labels(mut self, x: impl Into<String>, y: impl Into<String>) -> SlicePlot {
        self.x_label = x.into();
        self.y_label = y.into();
        self
    }

    /// Sets the loss axis' scale.
    pub fn with_scale(mut self, scale: AxisScale) -> SlicePlot {
        self.scale = scale;
        self
    }

    /// Marks step α on every curve, named `label`, with its verdict if
    /// known.
    pub fn with_mark(
        mut self,
        alpha: f64,
        label: impl Into<String>,
        verdict: Option<Verdict>,
    ) -> SlicePlot {
        self.marks.push(SliceMark {
            alpha,
            label: label.into(),
            verdict,
        });
        self
    }

    /// Sets where the legend goes.
    pub fn with_legend(mut self, legend: LegendPosition) -> SlicePlot {
        self.legend = legend;
        self
    }
}

/// Draws 1-D slices, one curve per direction, with the marked steps, into
/// `path`. Default size 900 × 600.
///
/// # Errors
///
/// [`Error::InvalidInput`] for no curves, curves whose α and loss differ
/// in length, or no finite loss; [`Error::Io`] when the file cannot be
/// drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{plot_slice, slice_1d, Expression, SlicePlot, Verdict};
/// let f = Expression::parse("x^2 - y^2 + x*y/2").unwrap();
/// let curves = [
///     slice_1d(&f, &[0.0, 0.0], &[1.0, 0.0], -1.0..=1.0, 41)?.with_name("d₁"),
///     slice_1d(&f, &[0.0, 0.0], &[0.0, 1.0], -1.0..=1.0, 41)?.with_name("d₂"),
/// ];
/// let plot = SlicePlot::new().with_title("Slices").with_mark(0.0, "θ", Some(Verdict::SaddlePoint));
/// let path = std::env::temp_dir().join("saddlescope-doc-slice.svg");
/// plot_slice(&path, &curves, &plot)?;
/// assert!(std::fs::read_to_string(&path)?.contains("θ: saddle point"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_slice(path: impl AsRef<Path>, curves: &[SliceCurve], plot: &SlicePlot) -> Result<()> {
    if curves.is_empty() {
        return Err(Error::InvalidInput("no slice to plot".into()));
    }
    for c in curves {
        if c.alpha.len() != c.loss.len() {
            return Err(Error::InvalidInput(format!(
                "slice `{}` has {} steps but {} losses",
                c.name,
                c.alpha.len(),
                c.loss.len()
            )));
        }
    }
    if curves.iter().all(|c| c.loss.iter().all(|v| !v.is_finite())) {
        return Err(Error::InvalidInput("the slices have no finite loss".into()));
    }
    render(
        path.as_ref(),
        &plot.figure,
        (900, 600),
        &SliceBody { curves, plot },
    )
}

struct SliceBody<'a> {
    curves: &'a [SliceCurve],
    plot: &'a SlicePlot,
}

impl Draw for SliceBody<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, _: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let all_loss: Vec<f64> = self
            .curves
            .iter()
            .flat_map(|c| c.loss.iter().copied())
            .collect();
        let log = self.plot.scale.is_log(&all_loss);
        let (alo, ahi) =
            super::axis::finite_range(self.curves.iter().flat_map(|c| c.alpha.iter().copied()));
        let ax = Axis::linear(alo, ahi);
        let ay = Axis::fit(all_loss.iter().copied(), log, 0.05);
        let frame = Frame::new(&self.plot.x_label, &self.plot.y_label);
        let mut chart = chart::build(area, ax.clone(), ay.clone(), &frame)?;
        let mut labels = Vec::new();
        let mut crowd = Vec::new();
        for (k, c) in self.curves.iter().enumerate() {
            let points: Vec<(f64, f64)> = c
                .alpha
                .iter()
                .copied()
                .zip(c.loss.iter().copied())
                .collect();
            let label = (!c.name.is_empty()).then_some(c.name.as_str());
            labels.extend(label.map(str::to_string));
            chart::draw_line(
                &mut chart,
                &points,
                LineStyle::solid(style::series_color(k)),
                label,
            )?;
            crowd.extend(along(&points, &ax, &ay, 3));
        }
        for mark in &self.plot.marks {
            let (shape, fill) = style::verdict_marker(mark.verdict);
            let at: Vec<(f64, f64)> = self
                .curves
                .iter()
                .filter_map(|c| c.value_at(mark.alpha).map(|v| (mark.alpha, v)))
                .filter(|(_, v)| ay.norm(*v).is_finite() && (0.0..=1.0).contains(&ay.norm(*v)))
                .collect();
            let text = match mark.verdict {
                Some(v) => format!("{}: {}", mark.label, style::verdict_label(v)),
                None => mark.label.clone(),
            };
            labels.push(text.clone());
            chart
                .draw_series(at.into_iter().map(|p| Marker::new(p, shape, fill, 6)))?
                .label(text)
                .legend(move |(x, y)| Marker::new((x + 10, y), shape, fill, 6));
        }
        draw_legend(&mut chart, self.plot.legend, &crowd, &labels)
    }
}
