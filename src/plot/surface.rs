//! The 2-D surface figure: a heat map of f over a box with contour lines,
//! points marked by verdict, and optimizer trajectories on top — for test
//! functions and for 2-D slices of a network's loss alike.

use std::cell::RefCell;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, clip_polyline};
use super::chart::{self, Frame};
use super::figure::{
    Draw, DrawResult, Embedded, Figure, Format, PLACEHOLDER, figure_setters, render,
};
use super::legend::{LegendPosition, along, draw_legend};
use super::marker::Marker;
use super::style::{self, size, width};
use super::{ColorScale, Levels, SurfaceGrid, contour_lines};
use crate::{CriticalPoint, Error, Result, Trajectory, Verdict};

/// A marked point: where, its verdict (if known) and a name.
///
/// The marker's shape and colour come from the verdict (a white circle for
/// a minimum, a red triangle for a maximum, an orange cross for a saddle, a
/// violet diamond when degenerate, a grey square when not critical, a white
/// plus without a verdict); the legend shows the verdict, with the name in
/// front when there is one.
///
/// # Examples
///
/// ```
/// use saddlescope::{PointMark, Verdict};
/// let p = PointMark::new(0.0, 0.0).with_verdict(Verdict::SaddlePoint).with_label("θ");
/// assert_eq!(p.legend_text(), "θ: saddle point");
/// assert_eq!(PointMark::new(1.0, 1.0).with_label("start").legend_text(), "start");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PointMark {
    /// The first coordinate.
    pub x: f64,
    /// The second coordinate.
    pub y: f64,
    /// The verdict on the point, if known.
    pub verdict: Option<Verdict>,
    /// A name for the legend.
    pub label: Option<String>,
}

impl PointMark {
    /// A point with no verdict and no name.
    pub fn new(x: f64, y: f64) -> PointMark {
        PointMark {
            x,
            y,
            verdict: None,
            label: None,
        }
    }

    /// Sets the verdict.
    pub fn with_verdict(mut self, verdict: Verdict) -> PointMark {
        self.verdict = Some(verdict);
        self
    }

    /// Sets the name.
    pub fn with_label(mut self, label: impl Into<String>) -> PointMark {
        self.label = Some(label.into());
        self
    }

    /// What the legend says for this point.
    pub fn legend_text(&self) -> String {
        match (&self.label, self.verdict) {
            (Some(l), Some(v)) => format!("{l}: {}", style::verdict_label(v)),
            (Some(l), None) => l.clone(),
            (None, Some(v)) => style::verdict_label(v),
            (None, None) => "point".into(),
        }
    }
}

/// A named path in the plane: an optimizer's iterates.
///
/// # Examples
///
/// ```
/// use saddlescope::{descend, Expression, Method, Track};
/// let f = Expression::parse("x^2 + 10*y^2").unwrap();
/// let d = descend(&f, &Method::parse("gd(lr=0.05)").unwrap(), None, &[1.0, 1.0], 20).unwrap();
/// let t = Track::from_trajectory("gd", &d.trajectory).unwrap();
/// assert_eq!(t.points.len(), 21);
/// assert_eq!(t.points[0], (1.0, 1.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// The legend name.
    pub name: String,
    /// The points in order.
    pub points: Vec<(f64, f64)>,
}

impl Track {
    /// A track from its points.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Track {
        Track {
            name: name.into(),
            points,
        }
    }

    /// The iterates θ₀ … θ_N of a 2-D trajectory.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] when a point does not have 2
    /// coordinates.
    pub fn from_trajectory(name: impl Into<String>, trajectory: &Trajectory) -> Result<Track> {
        let name = name.into();
        let points = trajectory
            .points
            .iter()
            .map(|p| match p.as_slice() {
                [x, y] => Ok((*x, *y)),
                _ => Err(Error::DimensionMismatch {
                    what: format!("trajectory `{name}` on a surface plot"),
                    expected: "2 coordinates per point".into(),
                    found: format!("{}", p.len()),
                }),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Track { name, points })
    }
}

/// Settings of [`plot_surface`]: levels, axis names, marked points,
/// trajectories, legend, and the [`Figure`] (title, size, format).
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, Levels, SurfacePlot};
/// let f = builtin("himmelblau", 2)?;
/// let plot = SurfacePlot::new()
///     .with_title("Himmelblau")
///     .with_levels(Levels::Linear(15))
///     .with_critical_points(&f.critical_points())?;
/// assert_eq!(plot.points().len(), 9);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SurfacePlot {
    figure: Figure,
    levels: Levels,
    x_label: String,
    y_label: String,
    z_label: String,
    points: Vec<PointMark>,
    tracks: Vec<Track>,
    legend: LegendPosition,
}

impl Default for SurfacePlot {
    fn default() -> SurfacePlot {
        SurfacePlot {
            figure: Figure::default(),
            levels: Levels::default(),
            x_label: "x".into(),
            y_label: "y".into(),
            z_label: "f(x, y)".into(),
            points: Vec::new(),
            tracks: Vec::new(),
            legend: LegendPosition::Auto,
        }
    }
}

figure_setters!(SurfacePlot);

impl SurfacePlot {
    /// No title, automatic levels, axes `x`, `y`, colour bar `f(x, y)`.
    pub fn new() -> SurfacePlot {
        SurfacePlot::default()
    }

    /// Sets how contour levels and colours are chosen.
    pub fn with_levels(mut self, levels: Levels) -> SurfacePlot {
        self.levels = levels;
        self
    }

    /// Names the axes and the colour bar.
    pub fn with_labels(
        mut self,
        x: impl Into<String>,
        y: impl Into<String>,
        z: impl Into<String>,
    ) -> SurfacePlot {
        self.x_label = x.into();
        self.y_label = y.into();
        self.z_label = z.into();
        self
    }

    /// Marks a point.
    pub fn with_point(mut self, point: PointMark) -> SurfacePlot {
        self.points.push(point);
        self
    }

    /// Marks each critical point with its verdict.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] for a point without 2 coordinates.
    pub fn with_critical_points(mut self, points: &[CriticalPoint]) -> Result<SurfacePlot> {
        for p in points {
            let [x, y] = p.x.as_slice() else {
                return Err(Error::DimensionMismatch {
                    what: "critical point on a surface plot".into(),
                    expected: "2 coordinates".into(),
                    found: format!("{}", p.x.len()),
                });
            };
            self.points
                .push(PointMark::new(*x, *y).with_verdict(p.verdict));
        }
        Ok(self)
    }

    /// Overlays a trajectory.
    pub fn with_track(mut self, track: Track) -> SurfacePlot {
        self.tracks.push(track);
        self
    }

    /// Overlays an optimizer's 2-D trajectory under `name`.
    ///
    /// # Errors
    ///
    /// As [`Track::from_trajectory`].
    pub fn with_trajectory(
        self,
        name: impl Into<String>,
        trajectory: &Trajectory,
    ) -> Result<SurfacePlot> {
        Ok(self.with_track(Track::from_trajectory(name, trajectory)?))
    }

    /// Sets where the legend goes.
    pub fn with_legend(mut self, legend: LegendPosition) -> SurfacePlot {
        self.legend = legend;
        self
    }

    /// The marked points.
    pub fn points(&self) -> &[PointMark] {
        &self.points
    }

    /// The trajectories.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }
}

/// Draws `grid` as a heat map with contour lines, the plot's marked points
/// and trajectories, into `path` (SVG, or PNG by extension or
/// [`Format`](crate::Format)). Default size 900 × 720.
///
/// # Errors
///
/// The errors of [`Levels::resolve`]; [`Error::Io`] when the file cannot
/// be drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{builtin, descend, plot_surface, Method, SurfaceGrid, SurfacePlot};
/// let f = builtin("rosenbrock", 2)?;
/// let grid = SurfaceGrid::evaluate(&f, -2.0..=2.0, -1.0..=3.0, 60, 60)?;
/// let adam = descend(&f, &Method::parse("adam(lr=0.1)")?, None, &[-1.5, 2.5], 200)?;
/// let plot = SurfacePlot::new()
///     .with_title("Rosenbrock")
///     .with_critical_points(&f.critical_points())?
///     .with_trajectory("adam", &adam.trajectory)?;
/// let path = std::env::temp_dir().join("saddlescope-doc-surface.svg");
/// plot_surface(&path, &grid, &plot)?;
/// let svg = std::fs::read_to_string(&path)?;
/// assert!(svg.contains("Rosenbrock") && svg.contains("adam") && svg.contains("local minimum"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_surface(path: impl AsRef<Path>, grid: &SurfaceGrid, plot: &SurfacePlot) -> Result<()> {
    let levels = plot.levels.resolve(grid)?;
    let body = SurfaceBody {
        grid,
        plot,
        levels: levels.levels,
        scale: levels.scale,
        image: RefCell::new(None),
    };
    render(path.as_ref(), &plot.figure, (900, 720), &body)
}

struct SurfaceBody<'a> {
    grid: &'a SurfaceGrid,
    plot: &'a SurfacePlot,
    levels: Vec<f64>,
    scale: ColorScale,
    /// The heat map of an SVG, made while drawing.
    image: RefCell<Option<Embedded>>,
}

/// The colour of cells where f is not finite.
const MISSING: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

impl Draw for SurfaceBody<'_> {
    fn embedded(&self) -> Option<Embedded> {
        self.image.borrow_mut().take()
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, format: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (w, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(w.saturating_sub(120));
        let g = self.grid;
        let (x0, x1) = (g.x[0], g.x[g.x.len() - 1]);
        let (y0, y1) = (g.y[0], g.y[g.y.len() - 1]);
        let mut frame = Frame::new(&self.plot.x_label, &self.plot.y_label);
        frame.grid = false;
        let mut chart = chart::build(&main, Axis::linear(x0, x1), Axis::linear(y0, y1), &frame)?;

        let (ax, ay) = (Axis::linear(x0, x1), Axis::linear(y0, y1));
        // The heat map: drawn pixel by pixel into a PNG; an SVG gets a
        // placeholder that `render` swaps for the same image at half the
        // resolution (viewers smooth it), not thousands of cells.
        let area = chart.plotting_area().strip_coord_spec();
        let (pw, ph) = area.dim_in_pixel();
        if format == Format::Png {
            let rgb = heatmap_rgb(g, self.scale, &ax, &ay, pw, ph);
            for (k, px) in rgb.chunks_exact(3).enumerate() {
                let (x, y) = ((k % pw as usize) as i32, (k / pw as usize) as i32);
                area.draw_pixel((x, y), &RGBColor(px[0], px[1], px[2]))?;
            }
        } else {
            let (w, h) = (pw.div_ceil(2).max(2), ph.div_ceil(2).max(2));
            *self.image.borrow_mut() = Some(Embedded {
                rgb: heatmap_rgb(g, self.scale, &ax, &ay, w, h),
                width: w,
                height: h,
            });
            area.fill(&PLACEHOLDER)?;
        }

        // Contour lines.
        let contour_style = RGBColor(0, 0, 0).mix(0.45).stroke_width(1);
        let mut lines = Vec::new();
        for &level in &self.levels {
            for line in contour_lines(g, level) {
                lines.push(PathElement::new(line.points, contour_style));
            }
        }
        chart.draw_series(lines)?;

        // Trajectories: a white halo under a coloured line, a dot per
        // iterate while they are few, a ring at the start.
        let inside = |p: &(f64, f64)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
        for (k, track) in self.plot.tracks.iter().enumerate() {
            let color = style::series_color(k);
            let pieces: Vec<Vec<(f64, f64)>> = clip_polyline(&track.points, &ax, &ay)
                .iter()
                .flat_map(|p| split_at_sharp_turns(p, &ax, &ay))
                .collect();
            chart.draw_series(pieces.iter().map(|p| {
                PathElement::new(
                    p.clone(),
                    style::BACKGROUND.mix(0.75).stroke_width(width::HALO),
                )
            }))?;
            chart
                .draw_series(
                    pieces
                        .iter()
                        .map(|p| PathElement::new(p.clone(), color.stroke_width(width::TRACK))),
                )?
                .label(track.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 2, y), (x + 22, y)], color.stroke_width(3))
                });
            if track.points.len() <= 120 {
                chart.draw_series(
                    track
                        .points
                        .iter()
                        .filter(|p| inside(p))
                        .map(|p| Circle::new(*p, 2, color.filled())),
                )?;
            }
            if let Some(start) = track.points.first().filter(|p| inside(p)) {
                chart.draw_series(std::iter::once(Circle::new(
                    *start,
                    5,
                    color.stroke_width(2),
                )))?;
            }
            if let Some(end) = track.points.last().filter(|p| inside(p)) {
                chart.draw_series(std::iter::once(Circle::new(*end, 4, color.filled())))?;
            }
        }

        let mut labels: Vec<String> = self.plot.tracks.iter().map(|t| t.name.clone()).collect();
        // Marked points, one legend entry per verdict (and name).
        // (legend text, verdict, points) per legend entry.
        type Group = (String, Option<Verdict>, Vec<(f64, f64)>);
        let mut groups: Vec<Group> = Vec::new();
        for p in &self.plot.points {
            let text = p.legend_text();
            match groups.iter_mut().find(|g| g.0 == text) {
                Some(g) => g.2.push((p.x, p.y)),
                None => groups.push((text, p.verdict, vec![(p.x, p.y)])),
            }
        }
        for (text, verdict, at) in groups {
            labels.push(text.clone());
            let (shape, fill) = style::verdict_marker(verdict);
            let anno = chart.draw_series(
                at.into_iter()
                    .filter(inside)
                    .map(|p| Marker::new(p, shape, fill, 6)),
            )?;
            anno.label(text)
                .legend(move |(x, y)| Marker::new((x + 10, y), shape, fill, 6));
        }

        chart::outline(&mut chart)?;
        let mut crowd: Vec<(f64, f64)> = self
            .plot
            .tracks
            .iter()
            .flat_map(|t| along(&t.points, &ax, &ay, 4))
            .collect();
        crowd.extend(
            self.plot
                .points
                .iter()
                .map(|p| (ax.norm(p.x), ay.norm(p.y))),
        );
        draw_legend(&mut chart, self.plot.legend, &crowd, &labels)?;

        colorbar(&bar, self.scale, &self.levels, &self.plot.z_label)
    }
}

/// The heat map as a `w` × `h` RGB image over the chart's box, bilinear
/// between grid points; next to a non-finite point, the nearest grid
/// value.
fn heatmap_rgb(
    g: &SurfaceGrid,
    scale: ColorScale,
    ax: &Axis,
    ay: &Axis,
    w: u32,
    h: u32,
) -> Vec<u8> {
    let nx = g.x.len();
    // The cell holding t and the fraction of the way across it.
    let locate = |c: &[f64], t: f64| -> (usize, f64) {
        let k = c.partition_point(|v| *v <= t).clamp(1, c.len() - 1) - 1;
        (k, ((t - c[k]) / (c[k + 1] - c[k])).clamp(0.0, 1.0))
    };
    let columns: Vec<(usize, f64)> = (0..w)
        .map(|px| locate(&g.x, ax.denorm((px as f64 + 0.5) / w as f64)))
        .collect();
    let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
    for py in 0..h {
        let (j, ty) = locate(&g.y, ay.denorm(1.0 - (py as f64 + 0.5) / h as f64));
        for &(i, tx) in &columns {
            let z = |a: usize, b: usize| g.values[(j + b) * nx + i + a];
            let corners = [z(0, 0), z(1, 0), z(0, 1), z(1, 1)];
            let v = if corners.iter().all(|v| v.is_finite()) {
                (corners[0] * (1.0 - tx) + corners[1] * tx) * (1.0 - ty)
                    + (corners[2] * (1.0 - tx) + corners[3] * tx) * ty
            } else {
                z(usize::from(tx > 0.5), usize::from(ty > 0.5))
            };
            let c = if v.is_nan() {
                MISSING
            } else {
                style::colormap(scale.fraction(v))
            };
            rgb.extend([c.0, c.1, c.2]);
        }
    }
    rgb
}

/// Splits a polyline where it turns by more than 100° (in the chart's
/// unit square), so that wide strokes get no miter spikes at zig-zags.
fn split_at_sharp_turns(points: &[(f64, f64)], ax: &Axis, ay: &Axis) -> Vec<Vec<(f64, f64)>> {
    let n: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (ax.norm(p.0), ay.norm(p.1)))
        .collect();
    let cos_limit = (100f64).to_radians().cos();
    let mut pieces = Vec::new();
    let mut current = vec![points[0]];
    for k in 1..points.len() {
        current.push(points[k]);
        if k + 1 < points.len() {
            let a = (n[k].0 - n[k - 1].0, n[k].1 - n[k - 1].1);
            let b = (n[k + 1].0 - n[k].0, n[k + 1].1 - n[k].1);
            let norms = (a.0.hypot(a.1)) * (b.0.hypot(b.1));
            if norms > 0.0 && (a.0 * b.0 + a.1 * b.1) / norms < cos_limit {
                pieces.push(std::mem::replace(&mut current, vec![points[k]]));
            }
        }
    }
    pieces.push(current);
    pieces
}

/// The colour bar: the colour map against the value, with a tick line at
/// each contour level.
fn colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: ColorScale,
    levels: &[f64],
    label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (axis, offset, label) = match scale {
        ColorScale::Linear { low, high } => (Axis::linear(low, high), 0.0, label.to_string()),
        ColorScale::Log { base, low, high } => {
            let label = if base == 0.0 {
                label.to_string()
            } else if base < 0.0 {
                format!("{label} + {}", super::axis::format_short(-base))
            } else {
                format!("{label} − {}", super::axis::format_short(base))
            };
            (Axis::log(low, high), base, label)
        }
    };
    let tick_font = (style::FAMILY, size::TICK).into_font().color(&style::INK);
    let desc_font = (style::FAMILY, size::AXIS_LABEL)
        .into_font()
        .color(&style::INK);
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_bottom(6)
        .margin_left(8)
        .margin_right(4)
        .x_label_area_size(56)
        .set_label_area_size(LabelAreaPosition::Right, 90)
        .build_cartesian_2d(Axis::linear(0.0, 1.0), axis.clone())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(8)
        .y_desc(label)
        .label_style(tick_font)
        .axis_desc_style(desc_font)
        .axis_style(style::INK.stroke_width(1))
        .set_tick_mark_size(LabelAreaPosition::Right, 5)
        .draw()?;
    // Steps too fine to see.
    let steps = 128;
    chart.draw_series((0..steps).map(|s| {
        let lo = axis.denorm(s as f64 / steps as f64);
        let hi = axis.denorm((s + 1) as f64 / steps as f64);
        let color = style::colormap(s as f64 / (steps - 1) as f64);
        Rectangle::new([(0.0, lo), (1.0, hi)], color.filled())
    }))?;
    chart.draw_series(
        levels
            .iter()
            .map(|l| l - offset)
            .filter(|d| *d >= axis.lo() && *d <= axis.hi())
            .map(|d| PathElement::new(vec![(0.0, d), (1.0, d)], RGBColor(0, 0, 0).mix(0.6))),
    )?;
    chart::outline(&mut chart)?;
    Ok(())
}
