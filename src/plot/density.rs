//! The spectral density curve of stochastic Lanczos quadrature (or of
//! broadened exact eigenvalues).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, AxisScale, format_short};
use super::chart::{self, Frame, LineStyle};
use super::figure::{Draw, DrawResult, Figure, Format, figure_setters, render};
use super::legend::{LegendPosition, draw_legend};
use super::style;
use crate::{Density, Error, Result};

/// Settings of [`plot_density`]: the density axis' scale, the x axis name,
/// legend, and the [`Figure`].
///
/// # Examples
///
/// ```
/// use saddlescope::{AxisScale, DensityPlot};
/// let plot = DensityPlot::new().with_scale(AxisScale::Log).with_title("SLQ density");
/// assert_eq!(plot.figure().title(), "SLQ density");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DensityPlot {
    figure: Figure,
    scale: AxisScale,
    x_label: String,
    legend: LegendPosition,
}

impl Default for DensityPlot {
    fn default() -> DensityPlot {
        DensityPlot {
            figure: Figure::default(),
            scale: AxisScale::Linear,
            x_label: "eigenvalue λ".into(),
            legend: LegendPosition::Auto,
        }
    }
}

figure_setters!(DensityPlot);

/// On a log axis, the density is shown down to this fraction of its peak.
const LOG_DEPTH: f64 = 1e-7;

impl DensityPlot {
    /// A linear density axis.
    pub fn new() -> DensityPlot {
        DensityPlot::default()
    }

    /// Sets the density axis' scale; [`AxisScale::Log`] shows the tails
    /// (down to 10⁻⁷ of the peak), `Auto` picks log when the curve spans
    /// decades.
    pub fn with_scale(mut self, scale: AxisScale) -> DensityPlot {
        self.scale = scale;
        self
    }

    /// Names the x axis.
    pub fn with_label(mut self, x: impl Into<String>) -> DensityPlot {
        self.x_label = x.into();
        self
    }

    /// Sets where the legend goes.
    pub fn with_legend(mut self, legend: LegendPosition) -> DensityPlot {
        self.legend = legend;
        self
    }
}

/// Draws the density φ(λ) into `path`: the curve, the area under it red
/// below −`zero_band`, grey within ±`zero_band` and blue above, and those
/// three shares in the legend. Default size 900 × 560.
///
/// # Errors
///
/// [`Error::InvalidInput`] for a density with fewer than 2 grid points,
/// grid and values of different lengths, or no positive finite value;
/// [`Error::Io`] when the file cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{plot_density, Density, DensityPlot, SlqSettings};
/// let eigenvalues: Vec<f64> = (0..50).map(|k| k as f64 / 10.0 - 1.0).collect();
/// let density = Density::from_eigenvalues(&eigenvalues, &SlqSettings::default())?;
/// let path = std::env::temp_dir().join("saddlescope-doc-density.svg");
/// plot_density(&path, &density, &DensityPlot::new().with_title("Density"))?;
/// assert!(std::fs::read_to_string(&path)?.contains("negative"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_density(path: impl AsRef<Path>, density: &Density, plot: &DensityPlot) -> Result<()> {
    if density.grid.len() < 2 || density.grid.len() != density.values.len() {
        return Err(Error::InvalidInput(format!(
            "a density needs at least 2 grid points and one value per point, found {} points and {} values",
            density.grid.len(),
            density.values.len()
        )));
    }
    if !density.values.iter().any(|v| v.is_finite() && *v > 0.0) {
        return Err(Error::InvalidInput(
            "the density has no positive value".into(),
        ));
    }
    render(
        path.as_ref(),
        &plot.figure,
        (900, 560),
        &DensityBody { density, plot },
    )
}

struct DensityBody<'a> {
    density: &'a Density,
    plot: &'a DensityPlot,
}

impl Draw for DensityBody<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, _: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.density;
        let peak = d
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let floor = peak * LOG_DEPTH;
        let shown: Vec<f64> = d.values.iter().map(|v| v.max(floor)).collect();
        let log = self.plot.scale.is_log(&shown);
        let (x0, x1) = (d.grid[0], d.grid[d.grid.len() - 1]);
        let ax = Axis::linear(x0, x1);
        let ay = if log {
            Axis::log(floor, peak * 2.0)
        } else {
            Axis::linear(0.0, peak * 1.06)
        };
        let base = if log { floor } else { 0.0 };
        let mut chart = chart::build(
            area,
            ax.clone(),
            ay.clone(),
            &Frame::new(&self.plot.x_label, "density φ(λ)"),
        )?;
        // The area under the curve in three parts.
        let band = d.zero_band;
        let parts = [
            (
                f64::NEG_INFINITY,
                -band,
                style::NEGATIVE,
                "negative",
                d.negative_fraction,
            ),
            (
                -band,
                band,
                style::REFERENCE,
                "near zero",
                d.near_zero_fraction,
            ),
            (
                band,
                f64::INFINITY,
                style::POSITIVE,
                "positive",
                d.positive_fraction,
            ),
        ];
        let mut labels = Vec::new();
        for (lo, hi, color, name, share) in parts {
            let mut poly: Vec<(f64, f64)> = d
                .grid
                .iter()
                .zip(&shown)
                .filter(|(x, _)| **x >= lo && **x <= hi)
                .map(|(x, v)| (*x, *v))
                .collect();
            let fill = color.mix(0.3).filled();
            // (+ 0.0 turns a −0 share into 0.)
            let percent = 100.0 * share.max(0.0) + 0.0;
            let label = if name == "near zero" {
                format!("{name} (|λ| ≤ {}): {percent:.1} %", format_short(band))
            } else {
                format!("{name}: {percent:.1} %")
            };
            labels.push(label.clone());
            let anno = if poly.len() >= 2 {
                let (first, last) = (poly[0].0, poly[poly.len() - 1].0);
                poly.push((last, base));
                poly.push((first, base));
                chart.draw_series(std::iter::once(Polygon::new(poly, fill)))?
            } else {
                chart.draw_series(std::iter::empty::<Polygon<(f64, f64)>>())?
            };
            anno.label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], fill));
        }
        let curve: Vec<(f64, f64)> = d.grid.iter().copied().zip(shown.iter().copied()).collect();
        chart::draw_line(&mut chart, &curve, LineStyle::solid(style::INK), None)?;
        if x0 < 0.0 && x1 > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, ay.lo()), (0.0, ay.hi())],
                style::REFERENCE.stroke_width(1),
            )))?;
        }
        let crowd: Vec<(f64, f64)> = curve
            .iter()
            .flat_map(|(x, v)| {
                let (u, top) = (ax.norm(*x), ay.norm(*v));
                (0..5).map(move |i| (u, top * i as f64 / 4.0))
            })
            .collect();
        draw_legend(&mut chart, self.plot.legend, &crowd, &labels)
    }
}
