//! Spectra of Hessians.
//!
//! The dense path ([`symmetric_eigen`], [`symmetric_eigenvalues`]) takes the
//! full eigendecomposition of a symmetric matrix through faer.
//!
//! # Guarantees
//!
//! - Eigenvalues are sorted in nondecreasing order (sorted explicitly here,
//!   not left to the backend).
//! - Column `i` of [`Spectrum::eigenvectors`] is a unit-length eigenvector of
//!   `eigenvalues[i]`; the columns are orthonormal.
//! - The sign of every eigenvector is fixed so that its largest-magnitude
//!   component is positive (the first such component on ties), so the same
//!   matrix always gives the same vectors.
//! - The result does not depend on the number of threads (see
//!   [`symmetric_eigen`] for how this was checked).
//! - Only the lower triangle of the input is read: the input is assumed
//!   symmetric. The Hessian drivers symmetrise their output and report the
//!   asymmetry before it gets here.

mod dense;

pub use dense::{Spectrum, symmetric_eigen, symmetric_eigenvalues};
