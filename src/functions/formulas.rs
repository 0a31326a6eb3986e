//! The formulas of the built-in functions, each written once and generic over
//! the scalar; gradients and Hessians come from evaluating them with dual
//! numbers. Callers guarantee the length of `x` (checked when a
//! [`Function`](super::Function) is built).

use std::f64::consts::TAU;

use crate::Scalar;

/// Σ_{i<n−1} 100(x_{i+1} − x_i²)² + (1 − x_i)², for any n.
pub(super) fn rosenbrock<D: Scalar>(x: &[D]) -> D {
    x.windows(2)
        .map(|w| {
            let valley = w[1] - w[0] * w[0];
            let offset = D::from(1.0) - w[0];
            valley * valley * 100.0 + offset * offset
        })
        .sum()
}

/// (x² + y − 11)² + (x + y² − 7)².
pub(super) fn himmelblau<D: Scalar>(x: &[D]) -> D {
    let (x, y) = (x[0], x[1]);
    let a = x * x + y - 11.0;
    let b = x + y * y - 7.0;
    a * a + b * b
}

/// (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y².
pub(super) fn six_hump_camel<D: Scalar>(x: &[D]) -> D {
    let (x, y) = (x[0], x[1]);
    let x2 = x * x;
    let y2 = y * y;
    (x2 * x2 / 3.0 - x2 * 2.1 + 4.0) * x2 + x * y + (y2 * 4.0 - 4.0) * y2
}

/// x³ − 3xy².
pub(super) fn monkey_saddle<D: Scalar>(x: &[D]) -> D {
    let (x, y) = (x[0], x[1]);
    x * x * x - x * y * y * 3.0
}

/// x² − y².
pub(super) fn saddle<D: Scalar>(x: &[D]) -> D {
    let (x, y) = (x[0], x[1]);
    x * x - y * y
}

/// x⁴/4 − x²/2 + y²/2.
pub(super) fn double_well<D: Scalar>(x: &[D]) -> D {
    let (x, y) = (x[0], x[1]);
    let x2 = x * x;
    x2 * x2 * 0.25 - x2 * 0.5 + y * y * 0.5
}

/// 10n + Σ (x_i² − 10 cos(2π x_i)), for any n.
pub(super) fn rastrigin<D: Scalar>(x: &[D]) -> D {
    let sum: D = x.iter().map(|&xi| xi * xi - (xi * TAU).cos() * 10.0).sum();
    sum + 10.0 * x.len() as f64
}

/// (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².
pub(super) fn beale<D: Scalar>(x: &[D]) -> D {
    let (x, y) = (x[0], x[1]);
    let y2 = y * y;
    let a = x * y - x + 1.5;
    let b = x * y2 - x + 2.25;
    let c = x * y2 * y - x + 2.625;
    a * a + b * b + c * c
}

#[cfg(test)]
mod tests {
    //! Each formula against a plain-f64 transcription written differently
    //! (powers, no shared subexpressions), and known values.

    use std::f64::consts::PI;

    use approx::assert_relative_eq;

    use super::*;

    const POINTS_2D: [[f64; 2]; 6] = [
        [0.0, 0.0],
        [1.0, 1.0],
        [-1.3, 0.7],
        [2.5, -3.25],
        [0.125, 4.0],
        [-7.0, -0.3],
    ];

    fn check_2d(f: fn(&[f64]) -> f64, oracle: fn(f64, f64) -> f64) {
        for [x, y] in POINTS_2D {
            assert_relative_eq!(
                f(&[x, y]),
                oracle(x, y),
                max_relative = 1e-14,
                epsilon = 1e-14
            );
        }
    }

    #[test]
    fn himmelblau_matches_oracle() {
        check_2d(himmelblau, |x, y| {
            (x.powi(2) + y - 11.0).powi(2) + (x + y.powi(2) - 7.0).powi(2)
        });
        assert_eq!(himmelblau(&[3.0, 2.0]), 0.0);
        assert_eq!(himmelblau(&[0.0, 0.0]), 170.0);
    }

    #[test]
    fn six_hump_camel_matches_oracle() {
        check_2d(six_hump_camel, |x, y| {
            4.0 * x.powi(2) - 2.1 * x.powi(4) + x.powi(6) / 3.0 + x * y - 4.0 * y.powi(2)
                + 4.0 * y.powi(4)
        });
        assert_eq!(six_hump_camel(&[0.0, 0.0]), 0.0);
    }

    #[test]
    fn monkey_saddle_matches_oracle() {
        check_2d(monkey_saddle, |x, y| x.powi(3) - 3.0 * x * y.powi(2));
        assert_eq!(monkey_saddle(&[1.0, 1.0]), -2.0);
    }

    #[test]
    fn saddle_matches_oracle() {
        check_2d(saddle, |x, y| x.powi(2) - y.powi(2));
        assert_eq!(saddle(&[1.0, 2.0]), -3.0);
    }

    #[test]
    fn double_well_matches_oracle() {
        check_2d(double_well, |x, y| {
            x.powi(4) / 4.0 - x.powi(2) / 2.0 + y.powi(2) / 2.0
        });
        assert_eq!(double_well(&[1.0, 0.0]), -0.25);
        assert_eq!(double_well(&[-1.0, 0.0]), -0.25);
    }

    #[test]
    fn beale_matches_oracle() {
        check_2d(beale, |x, y| {
            (1.5 - x * (1.0 - y)).powi(2)
                + (2.25 - x * (1.0 - y.powi(2))).powi(2)
                + (2.625 - x * (1.0 - y.powi(3))).powi(2)
        });
        assert_eq!(beale(&[3.0, 0.5]), 0.0);
        assert_eq!(beale(&[0.0, 1.0]), 14.203125);
    }

    fn rosenbrock_oracle(x: &[f64]) -> f64 {
        let mut total = 0.0;
        for i in 0..x.len() - 1 {
            total += 100.0 * (x[i + 1] - x[i].powi(2)).powi(2) + (1.0 - x[i]).powi(2);
        }
        total
    }

    fn rastrigin_oracle(x: &[f64]) -> f64 {
        let n = x.len() as f64;
        10.0 * n
            + x.iter()
                .map(|&t| t.powi(2) - 10.0 * (2.0 * PI * t).cos())
                .sum::<f64>()
    }

    #[test]
    fn rosenbrock_matches_oracle_in_several_dimensions() {
        for n in 2..=6 {
            let ones = vec![1.0; n];
            assert_eq!(rosenbrock(&ones), 0.0);
            let x: Vec<f64> = (0..n).map(|i| 0.37 * i as f64 - 1.2).collect();
            assert_relative_eq!(rosenbrock(&x), rosenbrock_oracle(&x), max_relative = 1e-14);
        }
        // The classic starting point (−1.2, 1): 100·(1 − 1.44)² + 2.2² = 24.2.
        assert_relative_eq!(rosenbrock(&[-1.2, 1.0]), 24.2, max_relative = 1e-14);
    }

    #[test]
    fn rastrigin_matches_oracle_in_several_dimensions() {
        for n in 1..=5 {
            assert_eq!(rastrigin(&vec![0.0; n]), 0.0);
            let x: Vec<f64> = (0..n).map(|i| 0.61 * i as f64 - 1.7).collect();
            assert_relative_eq!(rastrigin(&x), rastrigin_oracle(&x), max_relative = 1e-14);
        }
        // At integers the cosine is 1: f = Σ x_i².
        assert_relative_eq!(rastrigin(&[1.0, -2.0, 3.0]), 14.0, epsilon = 1e-12);
    }
}
