//! Escaping saddle points: a step along the eigenvector of the most
//! negative Hessian eigenvalue with a line search on its length and sign,
//! and the methods it is compared with from the same point for the same
//! number of steps — gradient descent, momentum, Adam, perturbed gradient
//! descent (Jin, Ge, Netrapalli, Kakade & Jordan 2017) and saddle-free
//! Newton (Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio 2014).
//!
//! The Taylor picture: at a critical point θ', L(θ' + αu) ≈ L(θ') + ½λα²
//! for a unit eigenvector u of eigenvalue λ; with λ < 0 both ±u go down.
//! Away from a critical point the first-order term α·∇Lᵀu adds to it, and
//! the sign that makes it negative is the better one.

mod methods;
mod step;

pub use methods::{
    EscapeRun, PgdSettings, compare_escapes, perturbed_gradient_descent, saddle_free_newton,
};
pub use step::{EscapeSettings, EscapeStep, escape_step, negative_curvature};
