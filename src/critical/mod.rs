//! Critical points: what kind a point is, from its gradient and spectrum,
//! and the whole analysis of a point — dense, or from the ends of the
//! spectrum when the Hessian is too large to form.

mod analysis;
mod classify;
mod extremal;
mod kind;

pub use analysis::{
    Analysis, AnalysisSettings, EscapeCheck, Timings, analyze, analyze_with_progress,
};
pub use classify::{Classification, Counts, Curvature, Escape, Tolerances, classify};
pub use extremal::{
    ExtremalClassification, MatrixFreeAnalysis, MatrixFreeTimings, analyze_matrix_free,
    classify_extremes,
};
pub use kind::Verdict;
