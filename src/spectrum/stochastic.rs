//! Stochastic estimates of a whole spectrum from a few operator products:
//! Hutchinson's trace estimator (Hutchinson 1989) and the stochastic
//! Lanczos quadrature density (Lin, Saad & Yang 2016; Ghorbani, Krishnan &
//! Xiao 2019 for neural-network Hessians).
//!
//! Probe p is a Rademacher vector drawn from the seed's stream p, so the
//! result depends on the seed and the settings only — not on the number of
//! threads, which run probes side by side and combine them in probe order.

use rayon::prelude::*;

use super::lanczos::Krylov;
use super::{LinearOperator, symmetric_eigen};
use crate::data::Rng;
use crate::{Error, Result};

/// An estimate of tr(A) with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TraceEstimate {
    /// The mean of zᵀAz over the probes.
    pub estimate: f64,
    /// The sample standard deviation of zᵀAz over √probes (0 for one probe).
    pub stderr: f64,
    /// The number of probes.
    pub probes: usize,
}

impl TraceEstimate {
    fn from_samples(samples: &[f64]) -> TraceEstimate {
        let p = samples.len() as f64;
        let estimate = samples.iter().sum::<f64>() / p;
        let stderr = if samples.len() > 1 {
            let var = samples.iter().map(|s| (s - estimate).powi(2)).sum::<f64>() / (p - 1.0);
            (var / p).sqrt()
        } else {
            0.0
        };
        TraceEstimate {
            estimate,
            stderr,
            probes: samples.len(),
        }
    }
}

/// A Rademacher vector: ±1 entries from the seed's stream `probe`.
fn rademacher(n: usize, seed: u64, probe: usize) -> Vec<f64> {
    let mut rng = Rng::with_stream(seed, probe as u64);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let bits = rng.next_u64();
        for b in 0..64.min(n - out.len()) {
            out.push(if bits >> b & 1 == 1 { 1.0 } else { -1.0 });
        }
    }
    out
}

fn check_probes(probes: usize) -> Result<()> {
    if probes == 0 {
        return Err(Error::InvalidSetting {
            name: "probes".into(),
            message: "expected at least 1 probe vector, got 0".into(),
        });
    }
    Ok(())
}

/// Hutchinson's estimate of tr(A): the mean of zᵀAz over Rademacher probes z,
/// with its standard error.
///
/// # Errors
///
/// Zero probes, or an operator error.
///
/// # Examples
///
/// ```
/// use nalgebra::DMatrix;
/// use saddlescope::hutchinson;
///
/// let a = DMatrix::from_fn(50, 50, |i, j| if i == j { 2.0 } else { 0.01 * ((i + j) % 3) as f64 });
/// let t = hutchinson(&a, 30, 7).unwrap();
/// assert!((t.estimate - 100.0).abs() < 4.0 * t.stderr + 1e-12);
/// ```
pub fn hutchinson<A: LinearOperator + ?Sized>(
    op: &A,
    probes: usize,
    seed: u64,
) -> Result<TraceEstimate> {
    check_probes(probes)?;
    let n = op.dim();
    let samples = (0..probes)
        .into_par_iter()
        .map(|p| {
            let z = rademacher(n, seed, p);
            let az = op.apply(&z)?;
            Ok(z.iter().zip(&az).map(|(a, b)| a * b).sum::<f64>())
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(TraceEstimate::from_samples(&samples))
}

/// Settings of [`slq`]. `Default`: 10 probes, 80 Lanczos steps, seed 0,
/// broadening σ = 1 % of the spectrum's width, a grid of 1001 points.
///
/// # Examples
///
/// ```
/// use saddlescope::SlqSettings;
/// let s = SlqSettings::default().with_probes(4).unwrap().with_steps(30).unwrap();
/// assert_eq!((s.probes(), s.steps()), (4, 30));
/// assert!(SlqSettings::default().with_sigma(-1.0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SlqSettings {
    probes: usize,
    steps: usize,
    seed: u64,
    sigma: Option<f64>,
    points: usize,
    zero_tol: f64,
}

impl Default for SlqSettings {
    fn default() -> Self {
        SlqSettings {
            probes: 10,
            steps: 80,
            seed: 0,
            sigma: None,
            points: 1001,
            zero_tol: 1e-9,
        }
    }
}

impl SlqSettings {
    /// Probe vectors.
    ///
    /// # Errors
    ///
    /// 0.
    pub fn with_probes(mut self, probes: usize) -> Result<Self> {
        check_probes(probes)?;
        self.probes = probes;
        Ok(self)
    }
    /// Lanczos steps per probe (capped at the dimension).
    ///
    /// # Errors
    ///
    /// 0.
    pub fn with_steps(mut self, steps: usize) -> Result<Self> {
        if steps == 0 {
            return Err(Error::InvalidSetting {
                name: "steps".into(),
                message: "expected at least 1 Lanczos step per probe, got 0".into(),
            });
        }
        self.steps = steps;
        Ok(self)
    }
    /// The seed of the probes.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// The Gaussian broadening σ, in eigenvalue units.
    ///
    /// # Errors
    ///
    /// σ not finite and positive.
    pub fn with_sigma(mut self, sigma: f64) -> Result<Self> {
        if !(sigma.is_finite() && sigma > 0.0) {
            return Err(Error::InvalidSetting {
                name: "sigma".into(),
                message: format!("expected a finite broadening > 0, got {sigma}"),
            });
        }
        self.sigma = Some(sigma);
        Ok(self)
    }
    /// Grid points of the density (at least this many; more when σ needs
    /// a finer grid to integrate to 1).
    ///
    /// # Errors
    ///
    /// Fewer than 3.
    pub fn with_points(mut self, points: usize) -> Result<Self> {
        if points < 3 {
            return Err(Error::InvalidSetting {
                name: "points".into(),
                message: format!("expected at least 3 grid points, got {points}"),
            });
        }
        self.points = points;
        Ok(self)
    }
    /// For [`Density::from_eigenvalues`] (exact eigenvalues): those within
    /// ±zero_tol·max|λ| count as zero in the shares (default 1e-9, as
    /// [`Tolerances`](crate::Tolerances)). SLQ's nodes are resolved only to
    /// about σ, so [`slq`] counts nodes within ±σ as near zero instead.
    ///
    /// # Errors
    ///
    /// Negative or not finite.
    pub fn with_zero_tol(mut self, zero_tol: f64) -> Result<Self> {
        if !(zero_tol.is_finite() && zero_tol >= 0.0) {
            return Err(Error::InvalidSetting {
                name: "zero tolerance".into(),
                message: format!("expected a finite number ≥ 0, got {zero_tol}"),
            });
        }
        self.zero_tol = zero_tol;
        Ok(self)
    }
    /// Probe vectors.
    pub fn probes(&self) -> usize {
        self.probes
    }
    /// Lanczos steps per probe.
    pub fn steps(&self) -> usize {
        self.steps
    }
    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// The spectral density estimated by stochastic Lanczos quadrature.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Density {
    /// Evaluation points, evenly spaced, ascending.
    pub grid: Vec<f64>,
    /// φ(t) on the grid: Σ_p Σ_j (w_pj / P)·N(t; θ_pj, σ²).
    pub values: Vec<f64>,
    /// The broadening σ used.
    pub sigma: f64,
    /// Quadrature nodes θ_pj (Ritz values), per probe.
    pub nodes: Vec<Vec<f64>>,
    /// Quadrature weights w_pj (squared first components), per probe; each
    /// probe's weights sum to 1.
    pub weights: Vec<Vec<f64>>,
    /// Hutchinson's trace from the same probes: n·(first Lanczos coefficient).
    pub trace: TraceEstimate,
    /// The estimated fraction of eigenvalues below −`zero_band` (a lower
    /// estimate of the index / n).
    pub negative_fraction: f64,
    /// The estimated fraction within ±`zero_band` of zero, whose signs the
    /// quadrature does not resolve.
    pub near_zero_fraction: f64,
    /// The estimated fraction above `zero_band` (a lower estimate of the
    /// minimum ratio).
    pub positive_fraction: f64,
    /// Half-width of the band around zero: σ for SLQ, the zero tolerance
    /// times max|λ| for exact eigenvalues.
    pub zero_band: f64,
    /// Operator applications.
    pub hvp_count: usize,
}

impl Density {
    /// ∫ φ by the trapezoidal rule on the grid (1 up to the tails beyond it).
    pub fn integral(&self) -> f64 {
        trapezoid(&self.grid, &self.values)
    }

    /// The mean eigenvalue Σ_p Σ_j w_pj·θ_pj / P (an estimate of tr(A)/n).
    pub fn mean(&self) -> f64 {
        let p = self.nodes.len() as f64;
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(t, w)| t.iter().zip(w).map(|(t, w)| t * w).sum::<f64>())
            .sum::<f64>()
            / p
    }
}

fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(x, y)| 0.5 * (x[1] - x[0]) * (y[0] + y[1]))
        .sum()
}

/// The spectral density of a symmetric operator by stochastic Lanczos
/// quadrature: for each Rademacher probe z, Lanczos (fully
/// reorthogonalised) from z/‖z‖ for `steps` steps; the tridiagonal matrix's
/// eigenvalues are quadrature nodes and the squared first components of
/// its eigenvectors their weights; the density is their Gaussian-broadened
/// average. The trace (n·α₁ per probe) is Hutchinson's estimate from the
/// same products.
///
/// # Errors
///
/// An empty operator, a grid too fine for σ (over 10⁶ points), or an
/// operator error.
///
/// # Examples
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use saddlescope::{slq, SlqSettings};
///
/// // Half the eigenvalues at −1, half at +2.
/// let a = DMatrix::from_diagonal(&DVector::from_fn(200, |i, _| if i < 100 { -1.0 } else { 2.0 }));
/// let d = slq(&a, &SlqSettings::default().with_probes(5).unwrap()).unwrap();
/// assert!((d.integral() - 1.0).abs() < 1e-6);
/// assert!((d.negative_fraction - 0.5).abs() < 0.15);
/// assert!(d.near_zero_fraction < 1e-12);
/// ```
pub fn slq<A: LinearOperator + ?Sized>(op: &A, settings: &SlqSettings) -> Result<Density> {
    let n = op.dim();
    if n == 0 {
        return Err(Error::InvalidInput(
            "the operator has dimension 0: there is no spectrum".into(),
        ));
    }
    let steps = settings.steps.min(n);
    let quadratures = (0..settings.probes)
        .into_par_iter()
        .map(|p| {
            let z = rademacher(n, settings.seed, p);
            let scale = 1.0 / (n as f64).sqrt();
            let v: Vec<f64> = z.iter().map(|x| x * scale).collect();
            let mut kr = Krylov::new(n, steps + 1);
            kr.start_from(&v, settings.seed ^ (p as u64).wrapping_mul(0x9E37_79B9));
            while kr.active < steps && kr.width > 0 {
                kr.expand(op)?;
            }
            let t = kr.projected();
            let alpha1 = t[(0, 0)];
            let spectrum = symmetric_eigen(&t)?;
            let nodes = spectrum.eigenvalues.as_slice().to_vec();
            let weights: Vec<f64> = spectrum.eigenvectors.row(0).iter().map(|s| s * s).collect();
            Ok((nodes, weights, n as f64 * alpha1, kr.hvps))
        })
        .collect::<Result<Vec<_>>>()?;

    let mut nodes = Vec::with_capacity(quadratures.len());
    let mut weights = Vec::with_capacity(quadratures.len());
    let mut traces = Vec::with_capacity(quadratures.len());
    let mut hvp_count = 0;
    for (t, w, tr, h) in quadratures {
        nodes.push(t);
        weights.push(w);
        traces.push(tr);
        hvp_count += h;
    }
    broaden(
        nodes,
        weights,
        TraceEstimate::from_samples(&traces),
        hvp_count,
        settings,
        None,
    )
}

impl Density {
    /// The density of known eigenvalues, broadened as [`slq`] broadens its
    /// nodes (one node of weight 1/n per eigenvalue; the trace is exact).
    ///
    /// # Errors
    ///
    /// No eigenvalues, a non-finite one, or a grid too fine for σ.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{Density, SlqSettings};
    /// let d = Density::from_eigenvalues(&[-1.0, 1.0, 2.0], &SlqSettings::default()).unwrap();
    /// assert_eq!(d.trace.estimate, 2.0);
    /// assert!((d.negative_fraction - 1.0 / 3.0).abs() < 1e-15);
    /// assert!((d.integral() - 1.0).abs() < 1e-9);
    /// ```
    pub fn from_eigenvalues(eigenvalues: &[f64], settings: &SlqSettings) -> Result<Density> {
        if eigenvalues.is_empty() {
            return Err(Error::InvalidInput("no eigenvalues to broaden".into()));
        }
        if let Some(bad) = eigenvalues.iter().find(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                what: "an eigenvalue".into(),
                detail: format!("{bad}"),
            });
        }
        let n = eigenvalues.len();
        let trace = TraceEstimate {
            estimate: eigenvalues.iter().sum(),
            stderr: 0.0,
            probes: 0,
        };
        broaden(
            vec![eigenvalues.to_vec()],
            vec![vec![1.0 / n as f64; n]],
            trace,
            0,
            settings,
            Some(settings.zero_tol * eigenvalues.iter().fold(0.0f64, |m, x| m.max(x.abs()))),
        )
    }
}

/// The Gaussian-broadened density of quadrature nodes and weights.
fn broaden(
    nodes: Vec<Vec<f64>>,
    weights: Vec<Vec<f64>>,
    trace: TraceEstimate,
    hvp_count: usize,
    settings: &SlqSettings,
    zero_band: Option<f64>,
) -> Result<Density> {
    let lo = nodes
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = nodes
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let scale = lo.abs().max(hi.abs());
    let width = hi - lo;
    let sigma = settings.sigma.unwrap_or(if width > 0.0 {
        0.01 * width
    } else if scale > 0.0 {
        0.01 * scale
    } else {
        1e-3
    });
    // Eight σ beyond the extreme nodes: the Gaussian tails outside hold
    // less than 1e-15 of the mass; a spacing of at most σ/2 keeps the
    // trapezoidal rule exact to far below that.
    let (a, b) = (lo - 8.0 * sigma, hi + 8.0 * sigma);
    let needed = ((b - a) / (0.5 * sigma)).ceil() as usize + 1;
    if needed > 1_000_000 {
        return Err(Error::InvalidSetting {
            name: "sigma".into(),
            message: format!(
                "a broadening of {sigma:e} over eigenvalues from {lo:e} to {hi:e} needs {needed} grid points (at most 1,000,000); choose a larger sigma"
            ),
        });
    }
    let points = settings.points.max(needed);
    let grid: Vec<f64> = (0..points)
        .map(|i| a + (b - a) * i as f64 / (points - 1) as f64)
        .collect();
    let probes = nodes.len() as f64;
    let norm = 1.0 / (probes * sigma * (2.0 * std::f64::consts::PI).sqrt());
    let values: Vec<f64> = grid
        .par_iter()
        .map(|&t| {
            let mut s = 0.0;
            for (tp, wp) in nodes.iter().zip(&weights) {
                for (theta, w) in tp.iter().zip(wp) {
                    let z = (t - theta) / sigma;
                    s += w * (-0.5 * z * z).exp();
                }
            }
            s * norm
        })
        .collect();
    let zero = zero_band.unwrap_or(sigma);
    let fraction = |keep: &dyn Fn(f64) -> bool| {
        nodes
            .iter()
            .zip(&weights)
            .map(|(t, w)| {
                t.iter()
                    .zip(w)
                    .filter(|(t, _)| keep(**t))
                    .map(|(_, w)| w)
                    .sum::<f64>()
            })
            .sum::<f64>()
            / probes
    };
    let negative_fraction = fraction(&|t| t < -zero);
    let positive_fraction = fraction(&|t| t > zero);
    let near_zero_fraction = fraction(&|t| t.abs() <= zero);
    Ok(Density {
        grid,
        values,
        sigma,
        nodes,
        weights,
        trace,
        negative_fraction,
        near_zero_fraction,
        positive_fraction,
        zero_band: zero,
        hvp_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rademacher_is_balanced_and_seeded() {
        let a = rademacher(10_000, 3, 0);
        assert!(a.iter().all(|x| *x == 1.0 || *x == -1.0));
        assert!(a.iter().sum::<f64>().abs() < 400.0);
        assert_eq!(a, rademacher(10_000, 3, 0));
        assert_ne!(a, rademacher(10_000, 3, 1));
    }
}
