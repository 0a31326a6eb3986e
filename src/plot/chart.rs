//! A chart in the house style: margins, axes, tick labels, descriptions and
//! (for line charts) a light grid.

use plotters::chart::ChartContext;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::style::{self, size};

/// A chart whose both axes are [`Axis`].
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// What the frame of a chart shows.
pub(crate) struct Frame<'s> {
    /// The x axis description.
    pub x_label: &'s str,
    /// The y axis description.
    pub y_label: &'s str,
    /// Grid lines at the ticks (line charts; off over heat maps).
    pub grid: bool,
    /// Labelled ticks on the x axis, at most.
    pub x_ticks: usize,
    /// Labelled ticks on the y axis, at most.
    pub y_ticks: usize,
    /// The width of the y label area, if fixed (panels that must line up).
    pub y_area: Option<u32>,
}

impl<'s> Frame<'s> {
    pub(crate) fn new(x_label: &'s str, y_label: &'s str) -> Frame<'s> {
        Frame {
            x_label,
            y_label,
            grid: true,
            x_ticks: 8,
            y_ticks: 7,
            y_area: None,
        }
    }

    /// The width the y label area needs for `y`'s tick labels and the
    /// description.
    pub(crate) fn y_area_for(&self, y: &Axis) -> u32 {
        let widest = y
            .ticks(self.y_ticks)
            .iter()
            .map(|v| label_width(&y.label(*v)))
            .max()
            .unwrap_or(20);
        widest + if self.y_label.is_empty() { 14 } else { 40 }
    }
}

/// Roughly how wide a tick label is, in pixels.
fn label_width(text: &str) -> u32 {
    (text.chars().count() as f64 * size::TICK * 0.58).ceil() as u32
}

/// Builds the chart in `area` and draws its frame (axes, ticks, labels,
/// grid) before anything else.
pub(crate) fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: Axis,
    y: Axis,
    frame: &Frame<'_>,
) -> Result<Chart<'a, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let y_area = frame.y_area.unwrap_or_else(|| frame.y_area_for(&y));
    let x_area = if frame.x_label.is_empty() { 32 } else { 56 };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(12)
        .margin_right(22)
        .margin_left(6)
        .margin_bottom(6)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area);
    let mut chart = builder.build_cartesian_2d(x, y)?;
    let tick_font = (style::FAMILY, size::TICK).into_font().color(&style::INK);
    let desc_font = (style::FAMILY, size::AXIS_LABEL)
        .into_font()
        .color(&style::INK);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(frame.x_ticks).y_labels(frame.y_ticks);
    if !frame.x_label.is_empty() {
        mesh.x_desc(frame.x_label);
    }
    if !frame.y_label.is_empty() {
        mesh.y_desc(frame.y_label);
    }
    mesh.label_style(tick_font)
        .axis_desc_style(desc_font)
        .axis_style(style::INK.stroke_width(1))
        .set_tick_mark_size(LabelAreaPosition::Left, 5)
        .set_tick_mark_size(LabelAreaPosition::Bottom, 5);
    if frame.grid {
        mesh.bold_line_style(style::GRID.stroke_width(1))
            .light_line_style(style::GRID_MINOR.stroke_width(1))
            .max_light_lines(9);
    } else {
        mesh.disable_mesh();
    }
    mesh.draw()?;
    Ok(chart)
}

/// A thin outline around the chart's plotting area (over a heat map).
pub(crate) fn outline<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
) -> super::figure::DrawResult
where
    DB::ErrorType: 'static,
{
    let (x, y) = (chart.x_range(), chart.y_range());
    chart.draw_series(std::iter::once(PathElement::new(
        vec![
            (x.start, y.start),
            (x.end, y.start),
            (x.end, y.end),
            (x.start, y.end),
            (x.start, y.start),
        ],
        style::INK.stroke_width(1),
    )))?;
    Ok(())
}

/// How a series line is drawn.
#[derive(Clone, Copy)]
pub(crate) struct LineStyle {
    pub color: RGBColor,
    pub width: u32,
    pub dashed: bool,
}

impl LineStyle {
    pub(crate) fn solid(color: RGBColor) -> LineStyle {
        LineStyle {
            color,
            width: style::width::LINE,
            dashed: false,
        }
    }

    pub(crate) fn dashed(color: RGBColor) -> LineStyle {
        LineStyle {
            dashed: true,
            ..LineStyle::solid(color)
        }
    }
}

/// Draws a polyline clipped to the chart (gaps at non-finite points, and
/// at values ≤ 0 on a log axis), with a legend entry when `label` is given.
pub(crate) fn draw_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    points: &[(f64, f64)],
    line: LineStyle,
    label: Option<&str>,
) -> super::figure::DrawResult
where
    DB::ErrorType: 'static,
{
    let (ax, ay) = {
        let spec = chart.as_coord_spec();
        (spec.x_spec().clone(), spec.y_spec().clone())
    };
    let mut pieces = super::axis::clip_polyline(points, &ax, &ay);
    if line.dashed {
        pieces = pieces.iter().flat_map(|p| dashes(p, &ax, &ay)).collect();
    }
    let stroke = line.color.stroke_width(line.width);
    let anno = chart.draw_series(pieces.into_iter().map(|p| PathElement::new(p, stroke)))?;
    if let Some(label) = label {
        let dashed = line.dashed;
        anno.label(label).legend(move |(x, y)| {
            let (a, b) = if dashed { (7, 13) } else { (10, 10) };
            EmptyElement::at((x, y))
                + PathElement::new(vec![(-2, 0), (a, 0)], stroke)
                + PathElement::new(vec![(b, 0), (22, 0)], stroke)
        });
    }
    Ok(())
}

/// A polyline cut into dashes of 1.4 % of the chart's size with 1 % gaps,
/// measured in the chart's unit square.
fn dashes(points: &[(f64, f64)], ax: &Axis, ay: &Axis) -> Vec<Vec<(f64, f64)>> {
    const DASH: f64 = 0.014;
    const GAP: f64 = 0.010;
    let unit: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (ax.norm(p.0), ay.norm(p.1)))
        .collect();
    let back = |(u, v): (f64, f64)| (ax.denorm(u), ay.denorm(v));
    let mut out = Vec::new();
    let mut current = vec![points[0]];
    let (mut on, mut left) = (true, DASH);
    for k in 1..unit.len() {
        let (a, b) = (unit[k - 1], unit[k]);
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let mut at = 0.0;
        while len - at > left {
            at += left;
            let t = at / len;
            let p = back((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
            if on {
                current.push(p);
                out.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            on = !on;
            left = if on { DASH } else { GAP };
        }
        left -= len - at;
        if on {
            current.push(points[k]);
        }
    }
    if on && current.len() > 1 {
        out.push(current);
    }
    out
}
