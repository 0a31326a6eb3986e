//! Automatic differentiation: the objective trait, the reverse-mode tape and
//! the gradient / HVP / Hessian drivers.

mod differentiable;
mod drivers;
mod objective;
mod tape;
mod var;

pub use differentiable::TwiceDifferentiable;
pub use drivers::{Hessian, Hvp, gradient, hessian, hvp, value};
pub(crate) use drivers::{check_finite, finish_hessian};
pub use objective::{Objective, Scalar};
pub use tape::TapeScalar;
pub use var::Var;
