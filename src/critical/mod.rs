//! Critical points: what kind a point is, from its gradient and spectrum,
//! and the whole analysis of a point.

mod analysis;
mod classify;
mod kind;

pub use analysis::{
    Analysis, AnalysisSettings, EscapeCheck, Timings, analyze, analyze_with_progress,
};
pub use classify::{Classification, Counts, Curvature, Escape, Tolerances, classify};
pub use kind::Verdict;
