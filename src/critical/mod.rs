//! Critical points: what kind a point is, from its gradient and spectrum.

mod kind;

pub use kind::Verdict;
