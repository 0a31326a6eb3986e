//! Figures, as SVG (the default) or PNG (by extension or [`Format`]):
//!
//! - [`plot_surface`]: a heat map of f over a box with contour lines
//!   (marching squares, [`contour_lines`]; linear or log-spaced [`Levels`]),
//!   points marked by [`Verdict`](crate::Verdict) and optimizer trajectories
//!   on top. The grid is a [`SurfaceGrid`], evaluated in parallel — of a
//!   2-variable function ([`SurfaceGrid::evaluate`]) or of a network's loss
//!   over a plane through θ ([`slice_2d`]).
//! - [`plot_slice`]: the loss along lines through θ ([`slice_1d`]), in
//!   directions made by [`filter_normalized_direction`] (Li et al. 2018),
//!   [`unit_direction`] (e.g. the eigenvectors of λmin and λmax) or
//!   [`direction_between`] (two checkpoints).
//! - [`plot_eigenvalues`]: a histogram of a dense spectrum, optionally on a
//!   symmetric-log axis; [`plot_density`]: an SLQ density.
//! - [`plot_training`]: loss, gradient norm and learning rate of one or
//!   several runs ([`TrainingSeries`], [`read_runs`]).
//! - [`plot_min_ratio`]: minimum ratio against training loss.
//! - [`plot_xy`]: any named x–y series as lines, dashed lines or markers
//!   on linear or log axes ([`XySeries`], [`XyPlot`]).
//!
//! Every figure has one style: DejaVu Sans (embedded, so PNGs render on a
//! machine without a font library; an SVG leaves text to its viewer), one
//! palette, viridis for heat maps, a marker per verdict.
//!
//! ```
//! use saddlescope::{builtin, plot_surface, Format, SurfaceGrid, SurfacePlot};
//! let f = builtin("himmelblau", 2)?;
//! let grid = SurfaceGrid::evaluate(&f, -5.0..=5.0, -5.0..=5.0, 50, 50)?;
//! let plot = SurfacePlot::new()
//!     .with_title("Himmelblau")
//!     .with_critical_points(&f.critical_points())?
//!     .with_format(Format::Png);
//! let path = std::env::temp_dir().join("saddlescope-doc-himmelblau.png");
//! plot_surface(&path, &grid, &plot)?;
//! assert!(std::fs::read(&path)?.starts_with(b"\x89PNG"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod axis;
mod chart;
mod contour;
mod density;
mod directions;
mod eigenvalues;
mod figure;
mod grid;
mod legend;
mod levels;
mod marker;
mod raster;
mod runs;
mod scatter;
mod slice;
mod style;
mod surface;
mod training;
mod xy;

pub use axis::AxisScale;
pub use contour::{ContourLine, contour_lines};
pub use density::{DensityPlot, plot_density};
pub use directions::{
    direction_between, filter_normalize, filter_normalized_direction, unit_direction,
};
pub use eigenvalues::{EigenvaluePlot, plot_eigenvalues};
pub use figure::{Figure, Format};
pub use grid::{SurfaceGrid, linspace};
pub use legend::LegendPosition;
pub use levels::{ColorScale, ContourLevels, Levels};
pub use runs::{CurveAxis, TrainingSeries, read_runs};
pub use scatter::{MinRatioPlot, MinRatioPoint, plot_min_ratio};
pub use slice::{SliceCurve, SlicePlot, plot_slice, slice_1d, slice_2d};
pub use surface::{PointMark, SurfacePlot, Track, plot_surface};
pub use training::{TrainingPlot, plot_training};
pub use xy::{SeriesStyle, XyPlot, XySeries, plot_xy};
