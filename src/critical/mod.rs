//! Critical points: what kind a point is, from its gradient and spectrum.

mod classify;
mod kind;

pub use classify::{Classification, Counts, Curvature, Escape, Tolerances, classify};
pub use kind::Verdict;
