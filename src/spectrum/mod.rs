//! Spectra of Hessians.
//!
//! The dense path ([`symmetric_eigen`], [`symmetric_eigenvalues`]) reduces a
//! symmetric matrix to tridiagonal form (`tridiag`), then takes the
//! eigenvalues by the root-free QR iteration (`rootfree`) or the full
//! eigendecomposition by faer's divide and conquer.
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
//! - The result does not depend on the number of threads. The reduction to
//!   tridiagonal form is our own blocked Householder reduction, whose
//!   parallel matrix–vector products are split into a number of tasks fixed
//!   by the matrix size (never by the pool) and summed in task order; the
//!   eigenvalue-only solver is sequential; faer's divide and conquer and
//!   back-transformation split only their output. Measured bit-identical on
//!   1, 2, 3, 4 and 8 threads at n = 50 … 2410. (faer's own parallel
//!   tridiagonalisation sums one partial vector per thread, so its last bits
//!   change with the thread count from n ≈ 314 on.) Results may still
//!   differ across machines: the SIMD kernels are picked at run time.
//! - Only the lower triangle of the input is read: the input is assumed
//!   symmetric. The Hessian drivers symmetrise their output and report the
//!   asymmetry before it gets here.

mod band;
mod dense;
mod kernels;
mod rootfree;
mod tridiag;

pub use dense::{Spectrum, symmetric_eigen, symmetric_eigenvalues};
