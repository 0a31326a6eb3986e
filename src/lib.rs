//! saddlescope: Hessian-based critical-point analysis.
#![warn(missing_docs)]

mod ad;
mod critical;
mod data;
mod error;
mod expr;
mod functions;
mod spectrum;

pub use ad::*;
pub use critical::*;
pub use data::*;
pub use error::{Error, ParseError, Result};
pub use expr::*;
pub use functions::*;
pub use spectrum::*;
