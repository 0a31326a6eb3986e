//! Automatic differentiation: the objective trait, the reverse-mode tape and
//! the gradient / HVP / Hessian drivers.

mod drivers;
mod objective;
mod tape;
mod var;

pub use drivers::{Hessian, Hvp, gradient, hessian, hvp, value};
pub use objective::{Objective, Scalar};
pub use tape::TapeScalar;
pub use var::Var;
