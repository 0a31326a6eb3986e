//! # saddlescope
//!
//! Hessian-based critical-point analysis: when training stalls, is the point
//! a local minimum, a saddle point, or not a critical point at all — and if
//! it is a saddle, which way is down?
//!
//! ## 1. Write the objective once, generic over the scalar
//!
//! An [`Objective`] is evaluated with any [`Scalar`]: `f64` for values,
//! num-dual's dual numbers for forward derivatives, and saddlescope's
//! reverse-mode [`Var`] for gradients — and `Var` over dual numbers for
//! Hessian-vector products and Hessian columns (forward-over-reverse).
//!
//! ```
//! use saddlescope::{Objective, Scalar};
//!
//! /// Himmelblau's function: four minima, four saddles, one maximum.
//! struct Himmelblau;
//!
//! impl Objective for Himmelblau {
//!     fn dim(&self) -> usize {
//!         2
//!     }
//!     fn eval<D: Scalar>(&self, v: &[D]) -> D {
//!         let (x, y) = (v[0], v[1]);
//!         (x * x + y - 11.0).powi(2) + (x + y * y - 7.0).powi(2)
//!     }
//! }
//! # let _ = Himmelblau;
//! ```
//!
//! ## 2. Derivatives
//!
//! [`gradient`] is one reverse sweep; [`hvp`] is one reverse sweep over
//! `Dual64` and returns the gradient and H·v together; [`hessian`] runs
//! ⌈n/K⌉ sweeps over `DualSVec64<K>` in parallel, the same to the bit for
//! any number of threads.
//!
//! ```
//! # use saddlescope::{Objective, Scalar};
//! # struct Himmelblau;
//! # impl Objective for Himmelblau {
//! #     fn dim(&self) -> usize { 2 }
//! #     fn eval<D: Scalar>(&self, v: &[D]) -> D {
//! #         let (x, y) = (v[0], v[1]);
//! #         (x * x + y - 11.0).powi(2) + (x + y * y - 7.0).powi(2)
//! #     }
//! # }
//! use saddlescope::{gradient, hessian, hvp};
//!
//! let (f, g) = gradient(&Himmelblau, &[3.0, 2.0]).unwrap();
//! assert_eq!((f, g.norm()), (0.0, 0.0)); // (3, 2) is a minimum
//!
//! let h = hessian(&Himmelblau, &[3.0, 2.0]).unwrap();
//! // ∂²f/∂x² = 12x² + 4y − 42, ∂²f/∂x∂y = 4(x + y), ∂²f/∂y² = 4x + 12y² − 26
//! assert_eq!(h.matrix[(0, 0)], 74.0);
//! assert_eq!(h.matrix[(0, 1)], 20.0);
//! assert_eq!(h.matrix[(1, 1)], 34.0);
//!
//! let r = hvp(&Himmelblau, &[3.0, 2.0], &[1.0, -1.0]).unwrap();
//! assert_eq!(r.product.as_slice(), &[54.0, -14.0]);
//! ```
//!
//! ## 3. Spectrum and verdict
//!
//! [`symmetric_eigen`] returns the eigenvalues ascending with unit
//! eigenvectors (faer); [`classify`] turns the gradient and spectrum into a
//! [`Verdict`] with the counts, index, minimum ratio, condition number and
//! — where there is negative curvature — the [`Escape`] direction.
//! [`analyze`] does all of it and checks the escape step against the
//! Taylor prediction f(x + αu) − f(x) ≈ ½·λmin·α².
//!
//! ```
//! use saddlescope::{analyze, AnalysisSettings, Expression, Verdict};
//!
//! let f = Expression::parse("x^4/4 - x^2/2 + y^2/2").unwrap();
//! let a = analyze(&f, &[0.0, 0.0], &AnalysisSettings::default()).unwrap();
//! assert_eq!(a.classification.verdict, Verdict::SaddlePoint);
//! assert_eq!(a.spectrum.eigenvalues.as_slice(), &[-1.0, 1.0]);
//! let check = a.escape_check.unwrap();
//! assert!(check.actual_change < 0.0); // a way down
//! assert!((check.actual_change - check.predicted_change).abs() < 1e-4);
//! ```
//!
//! ## 4. Expressions and built-in functions
//!
//! [`Expression`] parses everyday math into an objective; [`builtin`] gives
//! functions with documented critical points ([`builtin_functions`]).
//!
//! ```
//! use saddlescope::{analyze, builtin, AnalysisSettings, Verdict};
//!
//! let f = builtin("himmelblau", 2).unwrap();
//! for p in f.critical_points() {
//!     let a = analyze(&f, &p.x, &AnalysisSettings::default()).unwrap();
//!     assert_eq!(a.classification.verdict, p.verdict);
//! }
//! ```
//!
//! ## 5. Networks from PyTorch checkpoints
//!
//! An [`Architecture`] mirrors an `nn.Sequential`; a [`Network`] reads its
//! state dict from safetensors; a [`NetworkObjective`] is its mean loss on a
//! [`Dataset`] as a [`TwiceDifferentiable`] function of the parameters —
//! the same [`analyze`] applies. Layers run over dual matrices: one sweep
//! with one tangent lane is an HVP, with 32 lanes 32 Hessian columns.
//!
//! ```
//! use saddlescope::{
//!     analyze, AnalysisSettings, Architecture, CsvOptions, Dataset, Loss, Network,
//!     NetworkObjective, NetworkOptions, TwiceDifferentiable,
//! };
//!
//! let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
//! let arch = Architecture::parse("linear(1,16),tanh,linear(16,1)").unwrap();
//! let net = Network::read(format!("{shared}/fixtures/mlp/sine_1-16-1_tanh.safetensors"), Some(&arch)).unwrap();
//! let data = Dataset::from_csv(format!("{shared}/data/sine.csv"), &CsvOptions::default()).unwrap();
//! let f = NetworkObjective::new(&net, &data, Loss::Mse, NetworkOptions::default()).unwrap();
//! let theta = f.params().as_slice().to_vec();
//! let (loss, g) = f.gradient(&theta).unwrap();
//! assert!(g.norm() < 1e-4); // training stalled here …
//! let a = analyze(&f, &theta, &AnalysisSettings::default()).unwrap();
//! // … on weak negative curvature: a saddle by the second-order test.
//! assert_eq!(a.classification.verdict, saddlescope::Verdict::SaddlePoint);
//! assert!(loss > 0.0);
//! ```
//!
//! Errors are values of the one [`Error`] type, never panics on user input:
//!
//! ```
//! use saddlescope::{builtin, Error};
//! let err = builtin("himmelbalu", 2).unwrap_err();
//! assert!(matches!(err, Error::Unknown { .. }));
//! assert!(err.to_string().contains("himmelblau"));
//! ```
#![warn(missing_docs)]

mod ad;
mod checkpoint;
mod critical;
mod data;
mod diagnose;
mod error;
mod escape;
mod expr;
mod functions;
pub mod lecture;
mod nn;
mod optim;
mod plot;
mod report;
mod spectrum;
mod train;

pub use ad::*;
pub use checkpoint::{Checkpoint, DType, Tensor};
pub use critical::*;
pub use data::*;
pub use diagnose::*;
pub use error::{Error, ParseError, Result};
pub use escape::*;
pub use expr::*;
pub use functions::*;
pub use nn::*;
pub use optim::*;
pub use plot::*;
pub use report::{Block, Report};
pub use spectrum::*;
pub use train::*;

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
