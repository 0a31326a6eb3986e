//! The minimum-ratio vs training-loss scatter: where the critical points a
//! training run meets lie between "saddle" and "minimum" (Dauphin et al.,
//! "Identifying and attacking the saddle point problem in high-dimensional
//! non-convex optimization", NeurIPS 2014, Fig. 1; Pennington & Bahri,
//! ICML 2017).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, AxisScale};
use super::chart::{self, Frame};
use super::figure::{Draw, DrawResult, Figure, Format, figure_setters, render};
use super::legend::{LegendPosition, draw_legend};
use super::marker::Marker;
use super::style::{self, Shape};
use crate::{Error, Result};

/// One point of the scatter: a training loss, the minimum ratio (the
/// fraction of positive Hessian eigenvalues; 1 at a strict minimum) and a
/// group label (run, optimizer, …) that picks its colour.
///
/// # Examples
///
/// ```
/// use saddlescope::MinRatioPoint;
/// let p = MinRatioPoint::from((0.3, 0.98, "adam"));
/// assert_eq!((p.loss, p.min_ratio, p.label.as_str()), (0.3, 0.98, "adam"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MinRatioPoint {
    /// The training loss at the point.
    pub loss: f64,
    /// positive eigenvalues / n, in [0, 1].
    pub min_ratio: f64,
    /// The legend group.
    pub label: String,
}

impl<S: Into<String>> From<(f64, f64, S)> for MinRatioPoint {
    fn from((loss, min_ratio, label): (f64, f64, S)) -> MinRatioPoint {
        MinRatioPoint {
            loss,
            min_ratio,
            label: label.into(),
        }
    }
}

/// Settings of [`plot_min_ratio`]: the loss axis' scale, legend, and the
/// [`Figure`].
///
/// # Examples
///
/// ```
/// use saddlescope::{AxisScale, MinRatioPlot};
/// let plot = MinRatioPlot::new().with_loss_scale(AxisScale::Log).with_title("Critical points met");
/// assert_eq!(plot.figure().title(), "Critical points met");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MinRatioPlot {
    figure: Figure,
    loss: AxisScale,
    legend: LegendPosition,
    loss_label: String,
}

impl Default for MinRatioPlot {
    fn default() -> MinRatioPlot {
        MinRatioPlot {
            figure: Figure::default(),
            loss: AxisScale::default(),
            legend: LegendPosition::default(),
            loss_label: "training loss".into(),
        }
    }
}

figure_setters!(MinRatioPlot);

impl MinRatioPlot {
    /// An automatic loss scale and legend.
    pub fn new() -> MinRatioPlot {
        MinRatioPlot::default()
    }

    /// Sets the loss axis' scale.
    pub fn with_loss_scale(mut self, scale: AxisScale) -> MinRatioPlot {
        self.loss = scale;
        self
    }

    /// Names the loss axis (default "training loss"; e.g. "loss + weight
    /// decay" when the points are critical points of a regularised loss).
    pub fn with_loss_label(mut self, label: impl Into<String>) -> MinRatioPlot {
        self.loss_label = label.into();
        self
    }

    /// Sets where the legend goes.
    pub fn with_legend(mut self, legend: LegendPosition) -> MinRatioPlot {
        self.legend = legend;
        self
    }
}

/// Draws the points as minimum ratio (y, from 0 to 1) against training
/// loss (x), one colour and shape per label, with a line at ratio 1
/// (minima). Default size 820 × 620.
///
/// # Errors
///
/// [`Error::InvalidInput`] for no points, a non-finite loss, or a ratio
/// outside [0, 1]; [`Error::Io`] when the file cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{plot_min_ratio, MinRatioPlot, MinRatioPoint};
/// let points: Vec<MinRatioPoint> = vec![
///     (2.0, 0.60, "sgd").into(),
///     (0.5, 0.85, "sgd").into(),
///     (0.1, 0.99, "adam").into(),
/// ];
/// let path = std::env::temp_dir().join("saddlescope-doc-min-ratio.svg");
/// plot_min_ratio(&path, &points, &MinRatioPlot::new())?;
/// let svg = std::fs::read_to_string(&path)?;
/// assert!(svg.contains("sgd") && svg.contains("adam") && svg.contains("minimum ratio"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_min_ratio(
    path: impl AsRef<Path>,
    points: &[MinRatioPoint],
    plot: &MinRatioPlot,
) -> Result<()> {
    if points.is_empty() {
        return Err(Error::InvalidInput("no points to plot".into()));
    }
    for p in points {
        if !p.loss.is_finite() || !(0.0..=1.0).contains(&p.min_ratio) {
            return Err(Error::InvalidInput(format!(
                "a point needs a finite loss and a minimum ratio in [0, 1], found ({}, {}) for `{}`",
                p.loss, p.min_ratio, p.label
            )));
        }
    }
    render(
        path.as_ref(),
        &plot.figure,
        (820, 620),
        &ScatterBody { points, plot },
    )
}

struct ScatterBody<'a> {
    points: &'a [MinRatioPoint],
    plot: &'a MinRatioPlot,
}

/// The shapes of successive groups (with the palette's colours).
const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::TriangleUp,
    Shape::Diamond,
    Shape::TriangleDown,
];

impl Draw for ScatterBody<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, _: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let losses: Vec<f64> = self.points.iter().map(|p| p.loss).collect();
        let log = self.plot.loss.is_log(&losses);
        let ax = Axis::fit(losses.iter().copied(), log, 0.06);
        let ay = Axis::linear(-0.04, 1.06);
        let frame = Frame::new(
            &self.plot.loss_label,
            "minimum ratio (positive eigenvalues / n)",
        );
        let mut chart = chart::build(area, ax.clone(), ay.clone(), &frame)?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(ax.lo(), 1.0), (ax.hi(), 1.0)],
            style::REFERENCE.stroke_width(1),
        )))?;
        let mut labels: Vec<&str> = Vec::new();
        for p in self.points {
            if !labels.contains(&p.label.as_str()) {
                labels.push(&p.label);
            }
        }
        for (k, label) in labels.iter().enumerate() {
            let (shape, fill) = (SHAPES[k % SHAPES.len()], style::series_color(k));
            chart
                .draw_series(
                    self.points
                        .iter()
                        .filter(|p| p.label == *label && ax.norm(p.loss).is_finite())
                        .map(|p| Marker::new((p.loss, p.min_ratio), shape, fill, 5)),
                )?
                .label(label.to_string())
                .legend(move |(x, y)| Marker::new((x + 10, y), shape, fill, 5));
        }
        let crowd: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (ax.norm(p.loss), ay.norm(p.min_ratio)))
            .collect();
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        draw_legend(&mut chart, self.plot.legend, &crowd, &labels)
    }
}
