//! saddlescope: Hessian-based critical-point analysis.
#![warn(missing_docs)]

mod ad;
mod checkpoint;
mod critical;
mod error;
mod expr;
mod functions;
mod spectrum;

pub use ad::*;
pub use checkpoint::{Checkpoint, DType, Tensor};
pub use critical::*;
pub use error::{Error, ParseError, Result};
pub use expr::*;
pub use functions::*;
pub use spectrum::*;
