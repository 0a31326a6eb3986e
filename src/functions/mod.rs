//! Built-in test functions with known critical points, usable by name.
//!
//! [`builtin_functions`] lists them, [`builtin`] picks one at a dimension as
//! a [`Function`] (an [`Objective`](crate::Objective)), and
//! [`Function::critical_points`] gives the known critical points with their
//! verdicts, accurate to the last bits of an `f64`. The catalogue, with
//! formulas and tables, is in the docs of [`Function`].
//!
//! `formulas` holds each function once, generic over the scalar; `points`
//! holds the critical points and how they were computed.

mod catalog;
mod formulas;
mod points;

pub use catalog::{CriticalPoint, Dims, Function, FunctionInfo, builtin, builtin_functions};
