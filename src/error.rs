//! The one error type of the library.
//!
//! Every failure a user can cause — a malformed expression, a point of the
//! wrong dimension, a NaN in a derivative, an unknown name, a bad setting — is
//! a variant here, with a message that says what was expected and what was
//! found. The library does not panic on user input.

use std::fmt;

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in saddlescope.
///
/// # Examples
///
/// ```
/// use saddlescope::{Error, Expression};
///
/// let err = Expression::parse("x^2 - * y").unwrap_err();
/// assert!(matches!(err, Error::Parse(_)));
/// // The message shows the expression with a caret under the fault.
/// assert!(err.to_string().contains('^'));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An expression could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),

    /// A vector or matrix had the wrong length or shape.
    #[error("{what}: expected {expected}, found {found}")]
    DimensionMismatch {
        /// What was being checked, e.g. "point for `himmelblau`".
        what: String,
        /// The expected size, in words ("2 coordinates").
        expected: String,
        /// The size found, in words.
        found: String,
    },

    /// A value, gradient or Hessian was NaN or infinite.
    #[error("{what} is not finite at the point ({detail})")]
    NonFinite {
        /// Which quantity: "the objective's value", "the gradient", ….
        what: String,
        /// Where it happened: the first offending entry and the point.
        detail: String,
    },

    /// A name (built-in function, variable, …) that is not known.
    #[error("unknown {kind} `{name}`; known: {known}")]
    Unknown {
        /// What kind of name, e.g. "function".
        kind: String,
        /// The name given.
        name: String,
        /// The valid names, comma-separated.
        known: String,
    },

    /// A setting outside its valid range.
    #[error("invalid {name}: {message}")]
    InvalidSetting {
        /// The setting, e.g. "grad_tol".
        name: String,
        /// The constraint and the value found.
        message: String,
    },

    /// Input that is malformed in a way no other variant describes.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A file could not be read or written.
    #[error("cannot {action} {path}: {reason}")]
    Io {
        /// "read", "write", "create", "rename to" …
        action: String,
        /// The file.
        path: String,
        /// The operating system's reason (in the message and not a
        /// `source`, so that error chains do not print it twice).
        reason: std::io::Error,
    },

    /// A data set with a bad cell, row or shape; names where.
    #[error("{source_name}{}: {message}", location(*.row, column.as_deref()))]
    Data {
        /// The file path or the built-in data set's name.
        source_name: String,
        /// 1-based line number in the file (the header is line 1), if any.
        row: Option<usize>,
        /// The column's name, if any.
        column: Option<String>,
        /// What was expected and what was found.
        message: String,
    },

    /// A checkpoint whose tensors do not fit the model, or that cannot be
    /// decoded.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The checkpoint file.
        path: String,
        /// What was expected and what was found (tensor name, shapes).
        message: String,
    },

    /// An iterative algorithm did not converge.
    #[error("{what} did not converge: {detail}")]
    NoConvergence {
        /// The algorithm, e.g. "symmetric eigendecomposition".
        what: String,
        /// What is known about the failure.
        detail: String,
    },
}

fn location(row: Option<usize>, column: Option<&str>) -> String {
    match (row, column) {
        (Some(r), Some(c)) => format!(", line {r}, column `{c}`"),
        (Some(r), None) => format!(", line {r}"),
        (None, Some(c)) => format!(", column `{c}`"),
        (None, None) => String::new(),
    }
}

impl Error {
    /// Whether the error is the caller's input (CLI exit code 2) rather than
    /// a failure of the computation (exit code 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::Error;
    /// let e = Error::InvalidInput("empty point".into());
    /// assert!(e.is_user_error());
    /// ```
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Error::NoConvergence { .. })
    }
}

/// A parse error in a math expression or an architecture spec, rendered
/// with a caret under the fault.
///
/// # Examples
///
/// ```
/// use saddlescope::Expression;
///
/// let err = Expression::parse("sin(x").unwrap_err().to_string();
/// assert!(err.contains("sin(x"));
/// assert!(err.contains("expected `)`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was being parsed: "expression", "architecture", ….
    pub subject: &'static str,
    /// The whole input as given.
    pub expression: String,
    /// Character (not byte) offset of the fault in `expression`.
    pub position: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pad: String = " ".repeat(self.position);
        write!(
            f,
            "cannot parse {}: {}\n  {}\n  {}^",
            self.subject, self.message, self.expression, pad
        )
    }
}

impl std::error::Error for ParseError {}
