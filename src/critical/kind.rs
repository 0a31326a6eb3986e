//! The verdict on a point: the five answers to "what kind of point is this?".

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of point the gradient and the Hessian say this is.
///
/// Serialised (JSON) and displayed in snake case: `"local_minimum"`,
/// `"local_maximum"`, `"saddle_point"`, `"degenerate"`, `"not_critical"`.
///
/// # Examples
///
/// ```
/// use saddlescope::Verdict;
/// assert_eq!(Verdict::SaddlePoint.to_string(), "saddle_point");
/// assert_eq!("local_minimum".parse::<Verdict>().unwrap(), Verdict::LocalMinimum);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// ‖∇f‖ ≤ grad_tol and every eigenvalue is positive.
    LocalMinimum,
    /// ‖∇f‖ ≤ grad_tol and every eigenvalue is negative.
    LocalMaximum,
    /// ‖∇f‖ ≤ grad_tol and eigenvalues of both signs exist (conclusive even
    /// when some are zero): there is a way down.
    SaddlePoint,
    /// ‖∇f‖ ≤ grad_tol, the nonzero eigenvalues share a sign and some are
    /// zero: the second-order test is inconclusive.
    Degenerate,
    /// ‖∇f‖ > grad_tol: not a critical point at this tolerance.
    NotCritical,
}

impl Verdict {
    /// All verdicts, in the order above.
    pub const ALL: [Verdict; 5] = [
        Verdict::LocalMinimum,
        Verdict::LocalMaximum,
        Verdict::SaddlePoint,
        Verdict::Degenerate,
        Verdict::NotCritical,
    ];

    /// The snake-case name used in JSON and tables.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(saddlescope::Verdict::Degenerate.as_str(), "degenerate");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::LocalMinimum => "local_minimum",
            Verdict::LocalMaximum => "local_maximum",
            Verdict::SaddlePoint => "saddle_point",
            Verdict::Degenerate => "degenerate",
            Verdict::NotCritical => "not_critical",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Verdict {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| crate::Error::Unknown {
                kind: "verdict".into(),
                name: s.into(),
                known: Verdict::ALL.map(Verdict::as_str).join(", "),
            })
    }
}
