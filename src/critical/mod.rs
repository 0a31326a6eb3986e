//! Critical points: what kind a point is, from its gradient and spectrum,
//! and the whole analysis of a point — dense, or from the ends of the
//! spectrum when the Hessian is too large to form; and finding critical
//! points of any kind (Newton-MR on [`minres`], gradient-norm
//! minimisation, damped Newton) and enumerating them in a box.

mod analysis;
mod classify;
mod extremal;
mod kind;
mod minres;
mod search;

pub use analysis::{
    Analysis, AnalysisSettings, EscapeCheck, Timings, analyze, analyze_with_progress,
};
pub use classify::{Classification, Counts, Curvature, Escape, Tolerances, classify};
pub use extremal::{
    ExtremalClassification, MatrixFreeAnalysis, MatrixFreeTimings, analyze_matrix_free,
    classify_extremes,
};
pub use kind::Verdict;
pub use minres::{MinresSettings, MinresSolution, MinresStop, minres};
pub use search::{
    EndPointAnalysis, Enumeration, EnumerationSettings, FinderMethod, FinderOutcome,
    FinderSettings, FinderStep, FinderStop, FoundPoint, SearchBox, Starts, damped_newton,
    enumerate_critical_points, find_critical_point, gradient_flatness, gradnorm, newton_mr,
};
