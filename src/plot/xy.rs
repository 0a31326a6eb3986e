//! The general x–y chart: named series of points, drawn as lines, dashed
//! lines, markers or both, on linear or logarithmic axes — for what the
//! specialised figures do not cover (a quantity against batch size, a
//! function with an optimizer's iterates on it, a Taylor prediction beside
//! the measured loss).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, AxisScale};
use super::chart::{self, Frame, LineStyle};
use super::figure::{Draw, DrawResult, Figure, Format, figure_setters, render};
use super::legend::{LegendPosition, along, draw_legend};
use super::marker::Marker;
use super::style::{self, Shape};
use crate::{Error, Result};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeriesStyle {
    /// A solid line through the points.
    #[default]
    Line,
    /// A dashed line (a prediction, a validation curve, a reference).
    Dashed,
    /// Markers only (a scatter).
    Points,
    /// A solid line with a marker at every point (iterates, sweeps).
    LinePoints,
}

/// One named series of an [`XyPlot`].
///
/// # Examples
///
/// ```
/// use saddlescope::{SeriesStyle, XySeries};
/// let s = XySeries::new("train", vec![1.0, 2.0], vec![0.5, 0.25], SeriesStyle::Line).with_color(3);
/// assert_eq!((s.name.as_str(), s.color), ("train", Some(3)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct XySeries {
    /// The legend name (an empty name leaves the series out of the legend).
    pub name: String,
    /// The x values.
    pub x: Vec<f64>,
    /// The y values, as many as x; non-finite values leave gaps.
    pub y: Vec<f64>,
    /// Line, dashed line, markers, or line and markers.
    pub style: SeriesStyle,
    /// The palette index of its colour; `None` takes the series' position.
    /// Equal indices pair series (a run's training and validation curves).
    pub color: Option<usize>,
}

impl XySeries {
    /// A series in the colour of its position.
    pub fn new(name: impl Into<String>, x: Vec<f64>, y: Vec<f64>, style: SeriesStyle) -> XySeries {
        XySeries {
            name: name.into(),
            x,
            y,
            style,
            color: None,
        }
    }

    /// Draws the series in palette colour `palette_index` (the palette of
    /// 10 colours repeats).
    pub fn with_color(mut self, palette_index: usize) -> XySeries {
        self.color = Some(palette_index);
        self
    }
}

/// The settings of an x–y chart: the figure, axis names and scales, and
/// where the legend goes.
///
/// # Examples
///
/// ```
/// use saddlescope::{AxisScale, XyPlot};
/// let plot = XyPlot::new()
///     .with_title("Sharpness against batch size")
///     .with_labels("batch size", "λmax")
///     .with_x_scale(AxisScale::Log);
/// assert_eq!(plot.figure().title(), "Sharpness against batch size");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct XyPlot {
    figure: Figure,
    x_label: String,
    y_label: String,
    x_scale: AxisScale,
    y_scale: AxisScale,
    legend: LegendPosition,
}

impl Default for XyPlot {
    fn default() -> XyPlot {
        XyPlot {
            figure: Figure::default(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_scale: AxisScale::Linear,
            y_scale: AxisScale::Auto,
            legend: LegendPosition::Auto,
        }
    }
}

figure_setters!(XyPlot);

impl XyPlot {
    /// Axes `x` (linear) and `y` (automatic), the legend in the emptiest
    /// corner.
    pub fn new() -> XyPlot {
        XyPlot::default()
    }

    /// Names the axes.
    pub fn with_labels(mut self, x: impl Into<String>, y: impl Into<String>) -> XyPlot {
        self.x_label = x.into();
        self.y_label = y.into();
        self
    }

    /// Sets the x axis' scale (`Auto` turns logarithmic for positive data
    /// spanning more than 25×).
    pub fn with_x_scale(mut self, scale: AxisScale) -> XyPlot {
        self.x_scale = scale;
        self
    }

    /// Sets the y axis' scale.
    pub fn with_y_scale(mut self, scale: AxisScale) -> XyPlot {
        self.y_scale = scale;
        self
    }

    /// Sets where the legend goes.
    pub fn with_legend(mut self, legend: LegendPosition) -> XyPlot {
        self.legend = legend;
        self
    }
}

/// Draws `series` into `path` (SVG, or PNG by extension or format).
/// Default size 900 × 600.
///
/// # Errors
///
/// [`Error::InvalidInput`] for no series, a series whose x and y differ in
/// length, or no finite point to show; [`Error::Io`] when the file cannot
/// be drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{plot_xy, AxisScale, SeriesStyle, XyPlot, XySeries};
/// let batch = vec![1.0, 8.0, 64.0, 512.0];
/// let series = [
///     XySeries::new("train", batch.clone(), vec![0.99, 0.98, 0.95, 0.90], SeriesStyle::LinePoints),
///     XySeries::new("validation", batch, vec![0.96, 0.95, 0.92, 0.85], SeriesStyle::Dashed).with_color(0),
/// ];
/// let plot = XyPlot::new().with_labels("batch size", "accuracy").with_x_scale(AxisScale::Log);
/// let path = std::env::temp_dir().join("saddlescope-doc-xy.svg");
/// plot_xy(&path, &series, &plot)?;
/// let svg = std::fs::read_to_string(&path)?;
/// assert!(svg.contains("validation") && svg.contains("batch size"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_xy(path: impl AsRef<Path>, series: &[XySeries], plot: &XyPlot) -> Result<()> {
    if series.is_empty() {
        return Err(Error::InvalidInput("no series to plot".into()));
    }
    for s in series {
        if s.x.len() != s.y.len() {
            return Err(Error::InvalidInput(format!(
                "series `{}` has {} x values but {} y values",
                s.name,
                s.x.len(),
                s.y.len()
            )));
        }
    }
    let finite = |s: &XySeries| {
        s.x.iter()
            .zip(&s.y)
            .any(|(x, y)| x.is_finite() && y.is_finite())
    };
    if !series.iter().any(finite) {
        return Err(Error::InvalidInput(
            "the series have no finite point to plot".into(),
        ));
    }
    render(
        path.as_ref(),
        &plot.figure,
        (900, 600),
        &XyBody { series, plot },
    )
}

struct XyBody<'a> {
    series: &'a [XySeries],
    plot: &'a XyPlot,
}

/// The marker shapes of successive marked series.
const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::TriangleUp,
    Shape::Diamond,
    Shape::TriangleDown,
];

impl Draw for XyBody<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, _: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        // Only points finite in both coordinates decide the ranges.
        let pairs = || {
            self.series
                .iter()
                .flat_map(|s| s.x.iter().copied().zip(s.y.iter().copied()))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
        };
        let xs: Vec<f64> = pairs().map(|p| p.0).collect();
        let ys: Vec<f64> = pairs().map(|p| p.1).collect();
        let ax = Axis::fit(xs.iter().copied(), self.plot.x_scale.is_log(&xs), 0.02);
        let ay = Axis::fit(ys.iter().copied(), self.plot.y_scale.is_log(&ys), 0.05);
        let frame = Frame::new(&self.plot.x_label, &self.plot.y_label);
        let mut chart = chart::build(area, ax.clone(), ay.clone(), &frame)?;
        let mut labels = Vec::new();
        let mut crowd = Vec::new();
        let mut marked = 0;
        for (k, s) in self.series.iter().enumerate() {
            let color = style::series_color(s.color.unwrap_or(k));
            let points: Vec<(f64, f64)> = s.x.iter().copied().zip(s.y.iter().copied()).collect();
            let label = (!s.name.is_empty()).then_some(s.name.as_str());
            labels.extend(label.map(str::to_string));
            crowd.extend(along(&points, &ax, &ay, 3));
            let shape = SHAPES[marked % SHAPES.len()];
            let markers = matches!(s.style, SeriesStyle::Points | SeriesStyle::LinePoints);
            if markers {
                marked += 1;
            }
            let line = match s.style {
                SeriesStyle::Line | SeriesStyle::LinePoints => Some(LineStyle::solid(color)),
                SeriesStyle::Dashed => Some(LineStyle::dashed(color)),
                SeriesStyle::Points => None,
            };
            if let Some(line) = line {
                // The line carries the legend entry unless markers do.
                let line_label = if markers { None } else { label };
                chart::draw_line(&mut chart, &points, line, line_label)?;
            }
            if markers {
                let inside = |v: f64, a: &Axis| {
                    let u = a.norm(v);
                    u.is_finite() && (0.0..=1.0).contains(&u)
                };
                let anno = chart.draw_series(
                    points
                        .iter()
                        .filter(|(x, y)| inside(*x, &ax) && inside(*y, &ay))
                        .map(|p| Marker::new(*p, shape, color, 4)),
                )?;
                if let Some(label) = label {
                    let with_line = s.style == SeriesStyle::LinePoints;
                    let stroke = color.stroke_width(style::width::LINE);
                    // A zero-length path when there is no line keeps one element type.
                    let (a, b) = if with_line { (-2, 22) } else { (10, 10) };
                    anno.label(label).legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(a, 0), (b, 0)], stroke)
                            + Marker::new((10, 0), shape, color, 4)
                    });
                }
            }
        }
        draw_legend(&mut chart, self.plot.legend, &crowd, &labels)
    }
}
