//! Telling a stall near a critical point from a stall in a ravine.
//!
//! Training has stalled when the full-data loss fell by less than a
//! relative threshold over the last few epochs. Then the gradient norm
//! decides: small — the parameters sit near a critical point (the Hessian
//! says which kind); large — the optimizer is bouncing across a ravine,
//! and the curvature along the gradient, κ = gᵀHg/‖g‖², shows it: a
//! gradient step of rate η along g overshoots once η·κ > 2.

use serde::Serialize;

use crate::Verdict;

/// Which kind of stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StallKind {
    /// The loss stopped falling with a small gradient: near a critical point.
    NearCriticalPoint,
    /// The loss stopped falling with a large gradient: bouncing across a
    /// ravine (or crawling along a plateau's slope).
    Ravine,
}

impl StallKind {
    /// The snake-case name used in JSON, CSV and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            StallKind::NearCriticalPoint => "near_critical_point",
            StallKind::Ravine => "ravine",
        }
    }

    /// A sentence for logs and tables.
    pub fn describe(self) -> &'static str {
        match self {
            StallKind::NearCriticalPoint => "stalled with a small gradient — near a critical point",
            StallKind::Ravine => "stalled with a large gradient — bouncing across a ravine",
        }
    }
}

/// What the stall detector found at the end of an epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stall {
    /// The epoch (1-based) at whose end the stall was detected.
    pub epoch: usize,
    /// Near a critical point or in a ravine.
    pub kind: StallKind,
    /// The full-data training loss.
    pub loss: f64,
    /// The relative fall of the loss over the window.
    pub relative_improvement: f64,
    /// ‖∇L‖ on the full data.
    pub grad_norm: f64,
    /// κ = gᵀHg/‖g‖²: the curvature along the gradient.
    pub curvature_along_gradient: f64,
    /// η·κ with the current learning rate: above 2, a gradient step
    /// overshoots along g.
    pub lr_times_curvature: f64,
    /// The Hessian analysis at the stalled parameters, when asked for.
    pub analysis: Option<StallAnalysis>,
    /// The escape step taken (`--escape-saddles`, at a saddle).
    pub escape: Option<StallEscape>,
    /// The stalled parameters (before any escape), for a closer look; not
    /// written to the logs.
    #[serde(skip)]
    pub params: Vec<f64>,
}

/// An escape step taken at a stall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StallEscape {
    /// λmin at the stalled parameters.
    pub lambda_min: f64,
    /// The step length along ±u_min.
    pub step_length: f64,
    /// The full-data loss before the step.
    pub loss_before: f64,
    /// And after it.
    pub loss_after: f64,
}

impl Stall {
    /// What the stall is, in words: near a critical point; or, with a large
    /// gradient, bouncing across a ravine (η·κ ≳ 2: steps overshoot the
    /// valley along the gradient) or crawling (η·κ well below 2: the steps
    /// are short for the curvature).
    pub fn describe(&self) -> String {
        match self.kind {
            StallKind::NearCriticalPoint => self.kind.describe().to_string(),
            StallKind::Ravine if self.lr_times_curvature >= 1.5 => format!(
                "stalled with a large gradient — bouncing across a ravine (η·κ = {:.3} along the gradient: steps overshoot the valley floor)",
                self.lr_times_curvature
            ),
            StallKind::Ravine => format!(
                "stalled with a large gradient — crawling (η·κ = {:.3} along the gradient: steps are short for the curvature, or the valley floor is flat)",
                self.lr_times_curvature
            ),
        }
    }
}

/// The verdict at stalled parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StallAnalysis {
    /// What kind of point it is.
    pub verdict: Verdict,
    /// "dense" or "lanczos".
    pub method: &'static str,
    /// The smallest Hessian eigenvalue.
    pub lambda_min: f64,
    /// The largest.
    pub lambda_max: f64,
    /// Fraction of negative eigenvalues (dense only).
    pub index: Option<f64>,
    /// Fraction of positive eigenvalues (dense only).
    pub min_ratio: Option<f64>,
    /// The explanation sentence.
    pub explanation: String,
}

/// The loss history the detector looks back over.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StallDetector {
    /// Full-data training loss at the end of each epoch since the last
    /// stall (or the start).
    pub losses: Vec<f64>,
}

impl StallDetector {
    /// Adds an epoch's loss; returns the relative improvement over the
    /// window when the loss has stalled (then starts a new window).
    pub fn observe(&mut self, loss: f64, window: usize, threshold: f64) -> Option<f64> {
        self.losses.push(loss);
        if self.losses.len() <= window {
            return None;
        }
        let past = self.losses[self.losses.len() - 1 - window];
        let improvement = (past - loss) / past.abs().max(f64::MIN_POSITIVE);
        if improvement < threshold {
            self.losses.clear();
            self.losses.push(loss);
            Some(improvement)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_falling_loss_never_stalls_and_a_flat_one_does() {
        let mut d = StallDetector::default();
        for e in 0..20 {
            assert_eq!(d.observe(1.0 / (1.0 + e as f64), 3, 1e-3), None);
        }
        let mut d = StallDetector::default();
        let seen: Vec<_> = (0..8).map(|_| d.observe(0.5, 3, 1e-3)).collect();
        assert_eq!(seen.iter().filter(|s| s.is_some()).count(), 2);
        assert_eq!(seen[3], Some(0.0));
    }
}
