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
//! - The result does not depend on the number of threads. faer's own
//!   parallel tridiagonalisation sums per-thread partial vectors, so with
//!   its defaults `Par::rayon(2)` and `Par::Seq` differ in the last bits
//!   from n ≈ 314 on (at n = 1000, 98 % of the eigenvalues, by up to 6e-13).
//!   Here the tridiagonalisation runs sequentially and the rest (back
//!   transformation, divide and conquer) on the global rayon pool; measured
//!   bit-identical to `Par::Seq` for 2, 3, 4 and 8 threads at n = 50 … 2410.
//!   Results may still differ across machines (faer picks SIMD kernels at
//!   run time).
//! - Only the lower triangle of the input is read: the input is assumed
//!   symmetric. The Hessian drivers symmetrise their output and report the
//!   asymmetry before it gets here.

mod dense;

pub use dense::{Spectrum, symmetric_eigen, symmetric_eigenvalues};
