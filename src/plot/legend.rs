//! Where a legend goes, and drawing it in the house style: inside a chart
//! (series labels), or as a strip of its own above several panels.

use plotters::chart::{ChartContext, SeriesLabelPosition};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::Axis;
use super::chart::LineStyle;
use super::figure::DrawResult;
use super::style::{self, size};

/// Where a chart's legend goes.
///
/// `Auto` takes the corner where the legend box covers the fewest plotted
/// points, so that it hides as little as possible.
///
/// # Examples
///
/// ```
/// use saddlescope::{LegendPosition, SurfacePlot};
/// let plot = SurfacePlot::new().with_legend(LegendPosition::LowerLeft);
/// assert_eq!(LegendPosition::default(), LegendPosition::Auto);
/// # let _ = plot;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendPosition {
    /// The emptiest corner.
    #[default]
    Auto,
    /// Top left.
    UpperLeft,
    /// Top right.
    UpperRight,
    /// Bottom left.
    LowerLeft,
    /// Bottom right.
    LowerRight,
    /// No legend.
    Hidden,
}

/// The legend's margin from the plotting area's edge, in pixels.
const MARGIN: u32 = 12;

impl LegendPosition {
    /// The concrete corner: `Auto` resolved against `points`, given as
    /// fractions (u, v) of the plotting area from its lower left, for a
    /// legend box of `(width, height)` in the same fractions.
    fn resolve(self, points: &[(f64, f64)], (w, h): (f64, f64)) -> LegendPosition {
        if self != LegendPosition::Auto {
            return self;
        }
        let corners = [
            (LegendPosition::UpperRight, (1.0 - w, 1.0), (1.0 - h, 1.0)),
            (LegendPosition::UpperLeft, (0.0, w), (1.0 - h, 1.0)),
            (LegendPosition::LowerRight, (1.0 - w, 1.0), (0.0, h)),
            (LegendPosition::LowerLeft, (0.0, w), (0.0, h)),
        ];
        let count = |(u0, u1): (f64, f64), (v0, v1): (f64, f64)| {
            points
                .iter()
                .filter(|(u, v)| *u >= u0 && *u <= u1 && *v >= v0 && *v <= v1)
                .count()
        };
        corners
            .iter()
            .enumerate()
            .min_by_key(|(k, (_, us, vs))| (count(*us, *vs), *k))
            .map_or(LegendPosition::UpperRight, |(_, c)| c.0)
    }

    fn to_plotters(self) -> Option<SeriesLabelPosition> {
        match self {
            LegendPosition::Hidden => None,
            LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
            LegendPosition::UpperRight | LegendPosition::Auto => {
                Some(SeriesLabelPosition::UpperRight)
            }
            LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
            LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
        }
    }
}

/// Roughly how wide a legend or tick text is, in pixels, at `font` size.
pub(crate) fn text_width(text: &str, font: f64) -> f64 {
    text.chars().count() as f64 * font * 0.56
}

/// Points along a polyline in the chart's unit square, `per_segment` per
/// segment, for judging where a legend would cover data.
pub(crate) fn along(
    points: &[(f64, f64)],
    ax: &Axis,
    ay: &Axis,
    per_segment: usize,
) -> Vec<(f64, f64)> {
    let unit: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (ax.norm(p.0), ay.norm(p.1)))
        .filter(|(u, v)| u.is_finite() && v.is_finite())
        .collect();
    let mut out = unit.clone();
    for w in unit.windows(2) {
        for i in 1..per_segment {
            let t = i as f64 / per_segment as f64;
            out.push((
                w[0].0 + t * (w[1].0 - w[0].0),
                w[0].1 + t * (w[1].1 - w[0].1),
            ));
        }
    }
    out
}

/// Draws the labelled series of `chart` as a legend at `position`; `Auto`
/// weighs the corners by the `crowd` of data points (in the chart's unit
/// square) that a box holding `labels` would cover there.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<Axis, Axis>>,
    position: LegendPosition,
    crowd: &[(f64, f64)],
    labels: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if labels.is_empty() {
        return Ok(());
    }
    let (pw, ph) = chart.plotting_area().dim_in_pixel();
    let widest = labels
        .iter()
        .map(|l| text_width(l, size::LEGEND))
        .fold(0.0, f64::max);
    let w = (widest + 30.0 + 20.0 + MARGIN as f64) / pw.max(1) as f64;
    let h = (labels.len() as f64 * size::LEGEND * 1.3 + 10.0 + MARGIN as f64) / ph.max(1) as f64;
    let Some(pos) = position.resolve(crowd, (w, h)).to_plotters() else {
        return Ok(());
    };
    chart
        .configure_series_labels()
        .position(pos)
        .margin(MARGIN)
        .legend_area_size(30)
        .background_style(style::BACKGROUND.mix(0.88))
        .border_style(style::REFERENCE)
        .label_font((style::FAMILY, size::LEGEND).into_font().color(&style::INK))
        .draw()?;
    Ok(())
}

/// A legend as a strip of its own: entries left to right, wrapping into
/// rows. Returns the strip's height for `entries` in `width` pixels.
pub(crate) fn strip_height(entries: &[(String, LineStyle)], width: u32) -> u32 {
    let (_, rows) = strip_layout(entries, width);
    (rows as f64 * size::LEGEND * 1.5 + 10.0).ceil() as u32
}

fn strip_layout(entries: &[(String, LineStyle)], width: u32) -> (usize, usize) {
    let widest = entries
        .iter()
        .map(|(l, _)| text_width(l, size::LEGEND))
        .fold(0.0, f64::max);
    let column = widest + 50.0;
    let columns = ((width as f64 - 20.0) / column).floor().max(1.0) as usize;
    let columns = columns.min(entries.len().max(1));
    (columns, entries.len().div_ceil(columns))
}

/// Draws the strip legend into `area` (of [`strip_height`]).
pub(crate) fn draw_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, LineStyle)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (width, _) = area.dim_in_pixel();
    let (columns, _) = strip_layout(entries, width);
    // Columns as wide as the widest entry, spread only when they fill the
    // row anyway.
    let natural = entries
        .iter()
        .map(|(l, _)| text_width(l, size::LEGEND))
        .fold(0.0, f64::max)
        + 50.0;
    let column = if entries.len() > columns {
        (width as f64 - 20.0) / columns as f64
    } else {
        natural
    };
    let row = size::LEGEND * 1.5;
    let font = (style::FAMILY, size::LEGEND).into_font().color(&style::INK);
    for (k, (label, line)) in entries.iter().enumerate() {
        let (c, r) = (k % columns, k / columns);
        let x = (10.0 + c as f64 * column) as i32;
        let y = (5.0 + (r as f64 + 0.5) * row) as i32;
        let stroke = line.color.stroke_width(line.width + 1);
        if line.dashed {
            area.draw(&PathElement::new(vec![(x, y), (x + 10, y)], stroke))?;
            area.draw(&PathElement::new(vec![(x + 15, y), (x + 25, y)], stroke))?;
        } else {
            area.draw(&PathElement::new(vec![(x, y), (x + 25, y)], stroke))?;
        }
        area.draw(&Text::new(
            label.clone(),
            (x + 33, y),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
