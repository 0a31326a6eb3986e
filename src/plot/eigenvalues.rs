//! The histogram of a dense spectrum, optionally on a symmetric-log axis so
//! that a few large eigenvalues and the crowd near zero show together.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, finite_range};
use super::chart::{self, Frame};
use super::figure::{Draw, DrawResult, Figure, Format, figure_setters, render};
use super::legend::{LegendPosition, draw_legend};
use super::style;
use crate::{Error, Result};

/// Settings of [`plot_eigenvalues`]: bins, the x axis (linear or
/// symmetric-log), the count axis, and the [`Figure`].
///
/// On the symmetric-log axis an eigenvalue λ sits at
/// sign(λ)·log₁₀(1 + |λ|/c): linear within about ±c, logarithmic beyond.
/// A good c is the size below which eigenvalues count as zero (for
/// example the eigenvalue tolerance times max|λ|).
///
/// # Examples
///
/// ```
/// use saddlescope::EigenvaluePlot;
/// let plot = EigenvaluePlot::new().with_bins(40)?.with_symlog(1e-3)?.with_log_counts(true);
/// assert!(EigenvaluePlot::new().with_symlog(0.0).is_err());
/// assert!(EigenvaluePlot::new().with_bins(0).is_err());
/// # let _ = plot;
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EigenvaluePlot {
    figure: Figure,
    bins: Option<usize>,
    symlog: Option<f64>,
    log_counts: bool,
    x_label: String,
    legend: LegendPosition,
    zero_tolerance: f64,
}

impl Default for EigenvaluePlot {
    fn default() -> EigenvaluePlot {
        EigenvaluePlot {
            figure: Figure::default(),
            bins: None,
            symlog: None,
            log_counts: false,
            x_label: "eigenvalue λ".into(),
            legend: LegendPosition::Auto,
            zero_tolerance: crate::Tolerances::default().eig(),
        }
    }
}

figure_setters!(EigenvaluePlot);

/// The most bins.
const MAX_BINS: usize = 1000;

impl EigenvaluePlot {
    /// Automatic bins (2√n, within 10 ..= 80), a linear x axis, linear
    /// counts.
    pub fn new() -> EigenvaluePlot {
        EigenvaluePlot::default()
    }

    /// Sets the number of bins.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] outside 1 ..= 1000.
    pub fn with_bins(mut self, bins: usize) -> Result<EigenvaluePlot> {
        if !(1..=MAX_BINS).contains(&bins) {
            return Err(Error::InvalidSetting {
                name: "bins".into(),
                message: format!("must be in 1..={MAX_BINS}, found {bins}"),
            });
        }
        self.bins = Some(bins);
        Ok(self)
    }

    /// A symmetric-log x axis with linear threshold `c` (bins of equal
    /// width on that axis).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless c is finite and positive.
    pub fn with_symlog(mut self, c: f64) -> Result<EigenvaluePlot> {
        if !(c > 0.0 && c.is_finite()) {
            return Err(Error::InvalidSetting {
                name: "symlog threshold".into(),
                message: format!("must be finite and > 0, found {c}"),
            });
        }
        self.symlog = Some(c);
        Ok(self)
    }

    /// Counts on a log axis (a spike at zero and single outliers show
    /// together).
    pub fn with_log_counts(mut self, log: bool) -> EigenvaluePlot {
        self.log_counts = log;
        self
    }

    /// Names the x axis.
    pub fn with_label(mut self, x: impl Into<String>) -> EigenvaluePlot {
        self.x_label = x.into();
        self
    }

    /// Sets where the legend goes.
    pub fn with_legend(mut self, legend: LegendPosition) -> EigenvaluePlot {
        self.legend = legend;
        self
    }

    /// Eigenvalues with |λ| ≤ `relative`·max|λ| count, and are drawn, as
    /// zero — the verdict's rule, so that the legend's counts agree with
    /// it. Default: the verdict's default, [`Tolerances`](crate::Tolerances)'
    /// `eig` (1e-9); 0 counts only exact zeros as zero.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless 0 ≤ `relative` < 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::EigenvaluePlot;
    /// assert!(EigenvaluePlot::new().with_zero_tolerance(1e-6).is_ok());
    /// assert!(EigenvaluePlot::new().with_zero_tolerance(1.0).is_err());
    /// ```
    pub fn with_zero_tolerance(mut self, relative: f64) -> Result<EigenvaluePlot> {
        if !(0.0..1.0).contains(&relative) {
            return Err(Error::InvalidSetting {
                name: "zero tolerance".into(),
                message: format!("must be in [0, 1), found {relative}"),
            });
        }
        self.zero_tolerance = relative;
        Ok(self)
    }
}

/// Draws the histogram of `eigenvalues` into `path`: negative bins red,
/// positive bins blue, the eigenvalues that count as zero (see
/// [`EigenvaluePlot::with_zero_tolerance`]) in a bar at zero, and the
/// counts of each in the legend. Default size 900 × 560.
///
/// # Errors
///
/// [`Error::InvalidInput`] for no eigenvalues or a non-finite one;
/// [`Error::Io`] when the file cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use saddlescope::{plot_eigenvalues, EigenvaluePlot};
/// let eigenvalues: Vec<f64> = (0..200).map(|k| (k as f64 - 20.0).powi(3) * 1e-4).collect();
/// let path = std::env::temp_dir().join("saddlescope-doc-eigenvalues.svg");
/// plot_eigenvalues(&path, &eigenvalues, &EigenvaluePlot::new().with_symlog(1e-2)?)?;
/// let svg = std::fs::read_to_string(&path)?;
/// assert!(svg.contains("negative: 20") && svg.contains("positive: 179"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_eigenvalues(
    path: impl AsRef<Path>,
    eigenvalues: &[f64],
    plot: &EigenvaluePlot,
) -> Result<()> {
    if eigenvalues.is_empty() {
        return Err(Error::InvalidInput("no eigenvalues to plot".into()));
    }
    if let Some(bad) = eigenvalues.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidInput(format!(
            "an eigenvalue is not finite: {bad}"
        )));
    }
    // The verdict's zeros are drawn as zeros.
    let scale = eigenvalues.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let zero = plot.zero_tolerance * scale;
    let snapped: Vec<f64> = eigenvalues
        .iter()
        .map(|&v| if v.abs() <= zero { 0.0 } else { v })
        .collect();
    render(
        path.as_ref(),
        &plot.figure,
        (900, 560),
        &HistogramBody {
            eigenvalues: &snapped,
            plot,
        },
    )
}

struct HistogramBody<'a> {
    eigenvalues: &'a [f64],
    plot: &'a EigenvaluePlot,
}

impl Draw for HistogramBody<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, _: Format) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let values = self.eigenvalues;
        let n = values.len();
        let bins = self
            .plot
            .bins
            .unwrap_or_else(|| (2.0 * (n as f64).sqrt()).ceil().clamp(10.0, 80.0) as usize);
        let (lo, hi) = finite_range(values.iter().copied());
        // Pad the range a little (and symmetrically about 0 on a symlog
        // axis, so that zero sits at a bin edge when the data straddle it).
        let ax = match self.plot.symlog {
            Some(c) => {
                // Zero is always on a symmetric-log axis.
                let probe = Axis::symlog(lo.min(0.0), hi.max(0.0), c);
                let t = |v: f64| probe.norm(v);
                let (ulo, uhi) = (t(lo.min(0.0)), t(hi.max(0.0)));
                let pad = (uhi - ulo).max(1e-9) * 0.03;
                Axis::symlog(probe.denorm(ulo - pad), probe.denorm(uhi + pad), c)
            }
            None => {
                let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
                Axis::linear(lo - 0.03 * span, hi + 0.03 * span)
            }
        };
        // Bins of one sign each: the negative eigenvalues in bins from the
        // smallest up to 0 (or the largest, if all are negative), the
        // positive ones from 0 (or the smallest) to the largest, all of
        // (nearly) one width on the axis; exact zeros in a bar of their own
        // at 0. Ranges are in the axis' unit square; one of zero width (all
        // eigenvalues equal) is widened so that its bar shows.
        let widen = |(a, b): (f64, f64)| {
            if b - a < 1e-9 {
                (a - 0.02, b + 0.02)
            } else {
                (a, b)
            }
        };
        let neg = (lo < 0.0).then(|| widen((ax.norm(lo), ax.norm(hi.min(0.0)))));
        let pos = (hi > 0.0).then(|| widen((ax.norm(lo.max(0.0)), ax.norm(hi))));
        let width = |r: Option<(f64, f64)>| r.map_or(0.0, |(a, b)| b - a);
        let total = (width(neg) + width(pos)).max(1e-12);
        let neg_bins = match (neg, pos) {
            (None, _) => 0,
            (Some(_), None) => bins,
            (Some(n), Some(_)) => (((n.1 - n.0) / total * bins as f64).round() as usize)
                .clamp(1, bins.saturating_sub(1).max(1)),
        };
        let pos_bins = if pos.is_some() {
            bins.saturating_sub(neg_bins).max(1)
        } else {
            0
        };
        let mut edges: Vec<(f64, f64)> = Vec::new();
        for (range, k) in [(neg, neg_bins), (pos, pos_bins)] {
            if let Some((a, b)) = range {
                let w = (b - a) / k.max(1) as f64;
                edges.extend((0..k).map(|i| {
                    (
                        ax.denorm(a + i as f64 * w),
                        ax.denorm(a + (i + 1) as f64 * w),
                    )
                }));
            }
        }
        let mut counts = vec![0usize; edges.len()];
        for &v in values.iter().filter(|v| **v != 0.0) {
            let (first, k, (a, b)) = match (v < 0.0, neg, pos) {
                (true, Some(r), _) => (0, neg_bins, r),
                (false, _, Some(r)) => (neg_bins, pos_bins, r),
                _ => continue, // unreachable: v's sign has a range
            };
            let i = (((ax.norm(v) - a) / (b - a) * k as f64).max(0.0) as usize).min(k - 1);
            counts[first + i] += 1;
        }
        let zero = values.iter().filter(|v| **v == 0.0).count();
        let zero_half = 0.2 * total.max(0.5) / bins as f64;
        let uzero = ax.norm(0.0);
        let zero_bar = (ax.denorm(uzero - zero_half), ax.denorm(uzero + zero_half));
        let max_count = counts.iter().copied().max().unwrap_or(0).max(zero).max(1) as f64;
        let (ay, floor) = if self.plot.log_counts {
            (Axis::log(0.7, max_count * 1.6), 0.7)
        } else {
            (Axis::linear(0.0, max_count * 1.06), 0.0)
        };
        let frame = Frame {
            x_ticks: 10,
            ..Frame::new(&self.plot.x_label, "count")
        };
        let mut chart = chart::build(area, ax.clone(), ay.clone(), &frame)?;
        let negative = values.iter().filter(|v| **v < 0.0).count();
        let positive = n - negative - zero;
        // The legend counts the eigenvalues of each sign exactly.
        let sides = [
            (
                style::NEGATIVE,
                "negative",
                negative,
                &edges[..neg_bins],
                &counts[..neg_bins],
            ),
            (
                style::REFERENCE,
                "zero",
                zero,
                std::slice::from_ref(&zero_bar),
                std::slice::from_ref(&zero),
            ),
            (
                style::POSITIVE,
                "positive",
                positive,
                &edges[neg_bins..],
                &counts[neg_bins..],
            ),
        ];
        let mut labels = Vec::new();
        for (color, name, count, side_edges, side_counts) in sides {
            if count == 0 {
                continue;
            }
            labels.push(format!("{name}: {count}"));
            let fill = color.mix(0.85).filled();
            let bars = side_edges
                .iter()
                .zip(side_counts)
                .filter(|(_, c)| **c > 0)
                .map(|(e, c)| Rectangle::new([(e.0, floor), (e.1, *c as f64)], fill));
            chart
                .draw_series(bars)?
                .label(format!("{name}: {count}"))
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], fill));
        }
        if ax.lo() < 0.0 && ax.hi() > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, ay.lo()), (0.0, ay.hi())],
                style::INK.stroke_width(1),
            )))?;
        }
        // A bar covers everything below its top.
        let crowd: Vec<(f64, f64)> = edges
            .iter()
            .zip(&counts)
            .chain(std::iter::once((&zero_bar, &zero)))
            .flat_map(|(e, c)| {
                let (u0, u1) = (ax.norm(e.0), ax.norm(e.1));
                let top = ay.norm((*c as f64).max(floor));
                (0..=4).flat_map(move |i| {
                    (0..=4).map(move |j| (u0 + (u1 - u0) * i as f64 / 4.0, top * j as f64 / 4.0))
                })
            })
            .collect();
        draw_legend(&mut chart, self.plot.legend, &crowd, &labels)
    }
}
