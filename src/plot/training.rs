//! Training curves: loss, gradient norm and learning rate against epoch or
//! step, for one run or a comparison grid.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, AxisScale, finite_range};
use super::chart::{self, Frame, LineStyle};
use super::figure::{Draw, DrawResult, Figure, Format, figure_setters, render};
use super::legend::{LegendPosition, along, draw_legend, draw_strip, strip_height};
use super::style;
use super::{CurveAxis, TrainingSeries};
use crate::{Error, Result};

/// Settings of [`plot_training`]: the scale of each panel, smoothing, the
/// legend, and the [`Figure`].
///
/// Every panel's scale is [`AxisScale::Auto`] by default: the loss and the
/// gradient norm turn logarithmic once they span more than a factor of 25,
/// a constant learning rate stays linear and a decaying one turns
/// logarithmic.
///
/// Per-step curves are noisy (each point is one batch): by default they
/// are drawn faint with an exponential moving average over them (debiased,
/// as TensorBoard's; on a log axis, of the logarithm) whose window is a
/// fortieth of the run. Epoch curves are not smoothed.
///
/// # Examples
///
/// ```
/// use saddlescope::{AxisScale, TrainingPlot};
/// let plot = TrainingPlot::new()
///     .with_title("iris: optimizers")
///     .with_loss_scale(AxisScale::Log)
///     .with_lr_scale(AxisScale::Linear);
/// # let _ = plot;
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainingPlot {
    figure: Figure,
    loss: AxisScale,
    grad_norm: AxisScale,
    lr: AxisScale,
    smoothing: Option<f64>,
    legend: LegendPosition,
}

figure_setters!(TrainingPlot);

impl TrainingPlot {
    /// Automatic scales and legend.
    pub fn new() -> TrainingPlot {
        TrainingPlot::default()
    }

    /// Sets the loss panel's scale.
    pub fn with_loss_scale(mut self, scale: AxisScale) -> TrainingPlot {
        self.loss = scale;
        self
    }

    /// Sets the gradient-norm panel's scale.
    pub fn with_grad_norm_scale(mut self, scale: AxisScale) -> TrainingPlot {
        self.grad_norm = scale;
        self
    }

    /// Sets the learning-rate panel's scale.
    pub fn with_lr_scale(mut self, scale: AxisScale) -> TrainingPlot {
        self.lr = scale;
        self
    }

    /// Sets the moving average's weight β of the past (0 for none, the raw
    /// curves only), for the loss and gradient-norm panels.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless 0 ≤ β < 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::TrainingPlot;
    /// assert!(TrainingPlot::new().with_smoothing(0.9).is_ok());
    /// assert!(TrainingPlot::new().with_smoothing(1.0).is_err());
    /// ```
    pub fn with_smoothing(mut self, beta: f64) -> Result<TrainingPlot> {
        if !(0.0..1.0).contains(&beta) {
            return Err(Error::InvalidSetting {
                name: "smoothing".into(),
                message: format!("β must be in [0, 1), found {beta}"),
            });
        }
        self.smoothing = Some(beta);
        Ok(self)
    }

    /// Sets where the legend goes: `Auto` (the default) puts it in a strip
    /// above the panels, a corner puts it in the loss panel.
    pub fn with_legend(mut self, legend: LegendPosition) -> TrainingPlot {
        self.legend = legend;
        self
    }
}

/// Draws the training curves of `runs` into `path`: three panels sharing
/// the x axis — loss (validation loss dashed), gradient norm, learning
/// rate — one colour per run, the legend in the loss panel. Default size
/// 900 × 960.
///
/// # Errors
///
/// [`Error::InvalidInput`] for no runs, runs against different axes
/// (epochs and steps), a series whose columns differ in length, or no
/// finite loss; [`Error::Io`] when the file cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{plot_training, StepRecord, TrainingPlot, TrainingSeries};
/// let run = |name: &str, rate: f64| {
///     let steps: Vec<StepRecord> = (1..=50)
///         .map(|k| StepRecord {
///             epoch: 1,
///             step: k,
///             batch_loss: (-(k as f64) * rate).exp(),
///             grad_norm: 0.5 * (-(k as f64) * rate).exp(),
///             lr: 0.01,
///         })
///         .collect();
///     TrainingSeries::from_steps(name, &steps)
/// };
/// let runs = [run("sgd", 0.05), run("adam", 0.2)];
/// let path = std::env::temp_dir().join("saddlescope-doc-training.svg");
/// plot_training(&path, &runs, &TrainingPlot::new().with_title("Training"))?;
/// let svg = std::fs::read_to_string(&path)?;
/// assert!(svg.contains("sgd") && svg.contains("adam") && svg.contains("learning rate"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_training(
    path: impl AsRef<Path>,
    runs: &[TrainingSeries],
    plot: &TrainingPlot,
) -> Result<()> {
    let Some(first) = runs.first() else {
        return Err(Error::InvalidInput("no training run to plot".into()));
    };
    for r in runs {
        if r.axis != first.axis {
            return Err(Error::InvalidInput(format!(
                "runs `{}` and `{}` are against different axes ({} and {})",
                first.name,
                r.name,
                first.axis.name(),
                r.axis.name()
            )));
        }
        let n = r.x.len();
        if r.loss.len() != n
            || r.grad_norm.len() != n
            || r.lr.len() != n
            || !(r.val_loss.is_empty() || r.val_loss.len() == n)
        {
            return Err(Error::InvalidInput(format!(
                "run `{}` has columns of different lengths",
                r.name
            )));
        }
    }
    if runs.iter().all(|r| r.loss.iter().all(|v| !v.is_finite())) {
        return Err(Error::InvalidInput("the runs have no finite loss".into()));
    }
    render(
        path.as_ref(),
        &plot.figure,
        (900, 960),
        &TrainingBody { runs, plot },
    )
}

struct TrainingBody<'a> {
    runs: &'a [TrainingSeries],
    plot: &'a TrainingPlot,
}

/// Which column a panel shows.
#[derive(Clone, Copy, PartialEq)]
enum Panel {
    Loss,
    GradNorm,
    Lr,
}

impl Draw for TrainingBody<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, _: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let axis = self.runs[0].axis;
        let (x0, x1) = finite_range(self.runs.iter().flat_map(|r| r.x.iter().copied()));
        let ax = Axis::linear(x0, x1).integers();
        let has_val = self.runs.iter().any(|r| !r.val_loss.is_empty());
        // The legend: a strip above the panels (Auto), in the loss panel
        // (a corner), or none.
        let mut entries: Vec<(String, LineStyle)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(k, r)| (r.name.clone(), LineStyle::solid(style::series_color(k))))
            .collect();
        if has_val {
            entries.push(("validation".into(), LineStyle::dashed(style::REFERENCE)));
        }
        let (width, _) = area.dim_in_pixel();
        let panels_area = if self.plot.legend == LegendPosition::Auto {
            let (strip, rest) = area.split_vertically(strip_height(&entries, width));
            draw_strip(&strip, &entries)?;
            rest
        } else {
            area.clone()
        };
        let panels = panels_area.split_evenly((3, 1));
        let specs = [
            (Panel::Loss, "loss", self.plot.loss),
            (Panel::GradNorm, "gradient norm ‖∇L‖", self.plot.grad_norm),
            (Panel::Lr, "learning rate", self.plot.lr),
        ];
        let column = |r: &TrainingSeries, panel: Panel| -> Vec<f64> {
            match panel {
                Panel::Loss => [&r.loss[..], &r.val_loss[..]].concat(),
                Panel::GradNorm => r.grad_norm.clone(),
                Panel::Lr => r.lr.clone(),
            }
        };
        let frames: Vec<(Axis, Frame<'_>)> = specs
            .iter()
            .map(|&(panel, name, scale)| {
                let values: Vec<f64> = self.runs.iter().flat_map(|r| column(r, panel)).collect();
                let log = scale.is_log(&values);
                let ay = Axis::fit(values.iter().copied(), log, 0.05);
                let x_label = if panel == Panel::Lr { axis.name() } else { "" };
                let frame = Frame {
                    y_ticks: 5,
                    ..Frame::new(x_label, name)
                };
                (ay, frame)
            })
            .collect();
        // One width for every panel's y labels, so that the panels line up.
        let y_area = frames.iter().map(|(ay, f)| f.y_area_for(ay)).max();
        for ((panel_area, &(panel, _, _)), (ay, frame)) in panels.iter().zip(&specs).zip(frames) {
            let frame = Frame { y_area, ..frame };
            let mut chart = chart::build(panel_area, ax.clone(), ay.clone(), &frame)?;
            let mut crowd = Vec::new();
            for (k, r) in self.runs.iter().enumerate() {
                let color = style::series_color(k);
                let main = match panel {
                    Panel::Loss => &r.loss,
                    Panel::GradNorm => &r.grad_norm,
                    Panel::Lr => &r.lr,
                };
                let points: Vec<(f64, f64)> =
                    r.x.iter().copied().zip(main.iter().copied()).collect();
                let label = (panel == Panel::Loss).then_some(r.name.as_str());
                let beta = match (panel, self.plot.smoothing) {
                    (Panel::Lr, _) => 0.0,
                    (_, Some(beta)) => beta,
                    (_, None) if axis == CurveAxis::Step => auto_beta(points.len()),
                    (_, None) => 0.0,
                };
                if beta > 0.0 {
                    let faint = LineStyle {
                        width: 1,
                        ..LineStyle::solid(style::blend(color, 0.25))
                    };
                    chart::draw_line(&mut chart, &points, faint, None)?;
                    let smooth = moving_average(&points, beta, ay.is_log());
                    chart::draw_line(&mut chart, &smooth, LineStyle::solid(color), label)?;
                    crowd.extend(along(&smooth, &ax, &ay, 4));
                } else {
                    chart::draw_line(&mut chart, &points, LineStyle::solid(color), label)?;
                    crowd.extend(along(&points, &ax, &ay, 4));
                }
                if panel == Panel::Loss && !r.val_loss.is_empty() {
                    let val: Vec<(f64, f64)> =
                        r.x.iter()
                            .copied()
                            .zip(r.val_loss.iter().copied())
                            .collect();
                    chart::draw_line(&mut chart, &val, LineStyle::dashed(color), None)?;
                    crowd.extend(along(&val, &ax, &ay, 4));
                }
            }
            if panel == Panel::Loss && self.plot.legend != LegendPosition::Auto {
                if has_val {
                    // One legend entry for the dashes of every run.
                    chart::draw_line(
                        &mut chart,
                        &[],
                        LineStyle::dashed(style::REFERENCE),
                        Some("validation"),
                    )?;
                }
                let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
                draw_legend(&mut chart, self.plot.legend, &crowd, &labels)?;
            }
        }
        Ok(())
    }
}

/// β for a window of about a fortieth of `n` points (none below 50).
fn auto_beta(n: usize) -> f64 {
    if n < 50 {
        0.0
    } else {
        (1.0 - 40.0 / n as f64).clamp(0.0, 0.99)
    }
}

/// The debiased exponential moving average sₖ = β·sₖ₋₁ + (1 − β)·yₖ,
/// divided by 1 − βᵏ; of log y when `log` (non-positive values skipped).
/// Non-finite values are skipped.
fn moving_average(points: &[(f64, f64)], beta: f64, log: bool) -> Vec<(f64, f64)> {
    let mut s = 0.0;
    let mut weight = 0.0;
    let mut out = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let v = if log { y.ln() } else { y };
        if !v.is_finite() {
            continue;
        }
        s = beta * s + (1.0 - beta) * v;
        weight = beta * weight + (1.0 - beta);
        let m = s / weight;
        out.push((x, if log { m.exp() } else { m }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_axes_are_refused() {
        let a = TrainingSeries::from_steps("a", &[]);
        let b = TrainingSeries::from_epochs("b", &[]);
        let path = std::env::temp_dir().join("saddlescope-unit-mixed.svg");
        let err = plot_training(&path, &[a, b], &TrainingPlot::new()).unwrap_err();
        assert!(err.to_string().contains("different axes"), "{err}");
    }

    #[test]
    fn the_moving_average_is_debiased_and_smooths() {
        let flat: Vec<(f64, f64)> = (0..10).map(|k| (k as f64, 2.0)).collect();
        for (_, v) in moving_average(&flat, 0.9, false) {
            assert!((v - 2.0).abs() < 1e-12);
        }
        let zigzag: Vec<(f64, f64)> = (0..200)
            .map(|k| (k as f64, if k % 2 == 0 { 1.0 } else { 4.0 }))
            .collect();
        let smooth = moving_average(&zigzag, 0.95, true);
        // The geometric mean of 1 and 4.
        assert!((smooth[199].1 - 2.0).abs() < 0.1, "{}", smooth[199].1);
    }
}
