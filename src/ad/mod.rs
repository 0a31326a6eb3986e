//! Automatic differentiation: the objective trait, the reverse-mode tape and
//! the gradient / HVP / Hessian drivers.

mod objective;

pub use objective::{Objective, Scalar};
