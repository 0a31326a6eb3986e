//! The known critical points of the built-in functions.
//!
//! The coordinates were computed once, outside the crate, in 50-digit
//! arithmetic (mpmath) and rounded to the nearest `f64`:
//!
//! - `himmelblau`, `six_hump_camel`: all real roots of the resultant of the
//!   two gradient components (degree 9 and 15, every root real), each polished
//!   by Newton's method; so the lists are complete.
//! - `beale`: the gradient factors as x·p(x, y) and (y − 1)·q(x, y); the
//!   resultants leave exactly three real critical points.
//! - `rosenbrock`: ∂f/∂x_0 = … = ∂f/∂x_{n−2} = 0 determine x_1, …, x_{n−1} from
//!   x_0 (no x_i can be 0 there), so the critical points are the real roots of
//!   one rational function of x_0 (Kok & Sandrock 2009). Their numerators,
//!   of degree 3^{n−2}, were root-isolated exactly (Sturm) for n ≤ 6, so the
//!   lists are complete for 2 ≤ n ≤ 6; for n = 7 the roots come from a fine
//!   numerical scan (see `ROSENBROCK_7`).
//! - `rastrigin`: separable, so its critical points are the products of the
//!   roots of g′(t) = 2t + 20π sin(2πt).
//!
//! The tests at the bottom check every point: gradient, value and Hessian
//! inertia.

use super::CriticalPoint;
use crate::Verdict;
use crate::Verdict::{Degenerate, LocalMaximum, LocalMinimum, SaddlePoint};

/// A critical point as a compile-time constant.
struct Known<const N: usize> {
    x: [f64; N],
    value: f64,
    verdict: Verdict,
    note: &'static str,
}

impl<const N: usize> Known<N> {
    fn to_point(&self) -> CriticalPoint {
        CriticalPoint {
            x: self.x.to_vec(),
            value: self.value,
            verdict: self.verdict,
            note: self.note,
        }
    }
}

fn collect<const N: usize>(table: &[Known<N>]) -> Vec<CriticalPoint> {
    table.iter().map(Known::to_point).collect()
}

const GLOBAL_MIN: &str = "global minimum";
const LOCAL_MIN: &str = "local minimum";
const LOCAL_MAX: &str = "local maximum";
const SADDLE: &str = "saddle point";

// ---------------------------------------------------------------- rosenbrock

const ROSENBROCK_4: &[Known<4>] = &[
    Known {
        x: [
            -0.7756592265653526,
            0.6130933654850435,
            0.38206284633839316,
            0.1459720185521946,
        ],
        value: 3.701428610430017,
        verdict: LocalMinimum,
        note: "local minimum near (-1, 1, ..., 1)",
    },
    Known {
        x: [
            -0.6561246357194459,
            0.44312004097157237,
            0.20431224822836433,
            0.041743494776128764,
        ],
        value: 3.7082419966472617,
        verdict: SaddlePoint,
        note: SADDLE,
    },
];

const ROSENBROCK_5: &[Known<5>] = &[
    Known {
        x: [
            -0.9620510206947501,
            0.93573939597671,
            0.8807136041943205,
            0.7778776758544064,
            0.6050936785926528,
        ],
        value: 3.930839434133028,
        verdict: LocalMinimum,
        note: "local minimum near (-1, 1, ..., 1)",
    },
    Known {
        x: [
            -0.5574683158988488,
            0.3247400428337763,
            0.11656732144533992,
            0.02335439646429822,
            0.0005454278342116253,
        ],
        value: 4.657371428200574,
        verdict: SaddlePoint,
        note: SADDLE,
    },
];

const ROSENBROCK_6: &[Known<6>] = &[
    Known {
        x: [
            -0.9865749795709937,
            0.9833982288361818,
            0.9721066700530919,
            0.947437436826436,
            0.8986511848517297,
            0.8075739520354176,
        ],
        value: 3.973940500930295,
        verdict: LocalMinimum,
        note: "local minimum near (-1, 1, ..., 1)",
    },
    Known {
        x: [
            -0.5554197271790323,
            0.32249327429744495,
            0.1152070040989045,
            0.02350277040503075,
            0.01044790120466494,
            0.00010915863958243911,
        ],
        value: 5.646383966587951,
        verdict: SaddlePoint,
        note: SADDLE,
    },
];

/// Found by a scan of the shooting function over x_0 ∈ [−3, 3] (step 3·10⁻⁵)
/// and Newton polishing; exact root isolation was out of reach at n = 7
/// (degree 243), so unlike n ≤ 6 this list is not proven complete.
const ROSENBROCK_7: &[Known<7>] = &[
    Known {
        x: [
            -0.9917225725614055,
            0.9935553935033713,
            0.9921733215946921,
            0.986898762690314,
            0.975164756608873,
            0.9514319827049926,
            0.9052228177139535,
        ],
        value: 3.983600536424854,
        verdict: LocalMinimum,
        note: "local minimum near (-1, 1, ..., 1)",
    },
    Known {
        x: [
            -0.5553769767605887,
            0.32244648022243266,
            0.11517879975265272,
            0.0235061269288694,
            0.010656973479399591,
            0.010013436716574878,
            0.00010026891487684987,
        ],
        value: 6.636262507560018,
        verdict: SaddlePoint,
        note: SADDLE,
    },
];

/// (1, …, 1) for every n ≥ 2, then the other critical points where known.
pub(super) fn rosenbrock(n: usize) -> Vec<CriticalPoint> {
    let mut points = vec![CriticalPoint {
        x: vec![1.0; n],
        value: 0.0,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    }];
    points.extend(match n {
        4 => collect(ROSENBROCK_4),
        5 => collect(ROSENBROCK_5),
        6 => collect(ROSENBROCK_6),
        7 => collect(ROSENBROCK_7),
        _ => Vec::new(),
    });
    points
}

// ---------------------------------------------------------------- himmelblau

const HIMMELBLAU: &[Known<2>] = &[
    Known {
        x: [3.0, 2.0],
        value: 0.0,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    },
    Known {
        x: [-2.805118086952745, 3.131312518250573],
        value: 0.0,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    },
    Known {
        x: [-3.779310253377747, -3.2831859912861696],
        value: 0.0,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    },
    Known {
        x: [3.5844283403304917, -1.8481265269644036],
        value: 0.0,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    },
    Known {
        x: [-0.2708445906673476, -0.9230385564799815],
        value: 181.6165215225827,
        verdict: LocalMaximum,
        note: LOCAL_MAX,
    },
    Known {
        x: [0.08667750455539636, 2.884254701174776],
        value: 67.71915008752615,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [-3.0730257507643897, -0.08135304428796751],
        value: 104.0151629175581,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [3.385154183607021, 0.07385187983774928],
        value: 13.31192627040559,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [-0.12796134673068008, -1.9537149802445763],
        value: 178.33723920192747,
        verdict: SaddlePoint,
        note: SADDLE,
    },
];

pub(super) fn himmelblau() -> Vec<CriticalPoint> {
    collect(HIMMELBLAU)
}

// ------------------------------------------------------------ six_hump_camel

const SIX_HUMP_CAMEL: &[Known<2>] = &[
    Known {
        x: [0.08984201310031806, -0.7126564030207396],
        value: -1.0316284534898774,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    },
    Known {
        x: [-0.08984201310031806, 0.7126564030207396],
        value: -1.0316284534898774,
        verdict: LocalMinimum,
        note: GLOBAL_MIN,
    },
    Known {
        x: [1.703606714969981, -0.7960835686726251],
        value: -0.21546382438371764,
        verdict: LocalMinimum,
        note: LOCAL_MIN,
    },
    Known {
        x: [-1.703606714969981, 0.7960835686726251],
        value: -0.21546382438371764,
        verdict: LocalMinimum,
        note: LOCAL_MIN,
    },
    Known {
        x: [1.6071047529201972, 0.5686514548841314],
        value: 2.1042503103112584,
        verdict: LocalMinimum,
        note: LOCAL_MIN,
    },
    Known {
        x: [-1.6071047529201972, -0.5686514548841314],
        value: 2.1042503103112584,
        verdict: LocalMinimum,
        note: LOCAL_MIN,
    },
    Known {
        x: [1.2302298765166526, 0.16233458445899496],
        value: 2.496295351023577,
        verdict: LocalMaximum,
        note: LOCAL_MAX,
    },
    Known {
        x: [-1.2302298765166526, -0.16233458445899496],
        value: 2.496295351023577,
        verdict: LocalMaximum,
        note: LOCAL_MAX,
    },
    Known {
        x: [0.0, 0.0],
        value: 0.0,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [1.1092053368047865, -0.7682680925095399],
        value: 0.5437186009781851,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [-1.1092053368047865, 0.7682680925095399],
        value: 0.5437186009781851,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [1.6380679841897785, 0.22867406904439408],
        value: 2.2293571975307147,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [-1.6380679841897785, -0.22867406904439408],
        value: 2.2293571975307147,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [1.2960702671671092, 0.6050843880386585],
        value: 2.22947081802986,
        verdict: SaddlePoint,
        note: SADDLE,
    },
    Known {
        x: [-1.2960702671671092, -0.6050843880386585],
        value: 2.22947081802986,
        verdict: SaddlePoint,
        note: SADDLE,
    },
];

pub(super) fn six_hump_camel() -> Vec<CriticalPoint> {
    collect(SIX_HUMP_CAMEL)
}

// ------------------------------------------------------ the three quadratics

pub(super) fn monkey_saddle() -> Vec<CriticalPoint> {
    collect(&[Known {
        x: [0.0, 0.0],
        value: 0.0,
        verdict: Degenerate,
        note: "monkey saddle: zero Hessian, three ways down",
    }])
}

pub(super) fn saddle() -> Vec<CriticalPoint> {
    collect(&[Known {
        x: [0.0, 0.0],
        value: 0.0,
        verdict: SaddlePoint,
        note: SADDLE,
    }])
}

pub(super) fn double_well() -> Vec<CriticalPoint> {
    collect(&[
        Known {
            x: [1.0, 0.0],
            value: -0.25,
            verdict: LocalMinimum,
            note: GLOBAL_MIN,
        },
        Known {
            x: [-1.0, 0.0],
            value: -0.25,
            verdict: LocalMinimum,
            note: GLOBAL_MIN,
        },
        Known {
            x: [0.0, 0.0],
            value: 0.0,
            verdict: SaddlePoint,
            note: "saddle point between the wells",
        },
    ])
}

// ----------------------------------------------------------------- rastrigin

/// The root of g′(t) = 2t + 20π sin(2πt) near 1/2: a maximum of
/// g(t) = t² + 10 − 10 cos(2πt).
const RASTRIGIN_HILL: f64 = 0.5025460365546747;
/// g at [`RASTRIGIN_HILL`].
const RASTRIGIN_HILL_VALUE: f64 = 20.251272990990113;
/// The root of g′ near 1: a minimum of g.
const RASTRIGIN_DIP: f64 = 0.9949586376523348;
/// g at [`RASTRIGIN_DIP`].
const RASTRIGIN_DIP_VALUE: f64 = 0.9949590570932914;

/// A coordinate of a Rastrigin critical point: each coordinate is a critical
/// point of the one-dimensional g, and the kind of the product point follows
/// from how many coordinates sit on a hill.
#[derive(Clone, Copy, PartialEq)]
enum Coord {
    Zero,
    Dip,
    Hill,
}

fn rastrigin_point(coords: &[Coord]) -> CriticalPoint {
    let hills = coords.iter().filter(|&&c| c == Coord::Hill).count();
    let dips = coords.iter().filter(|&&c| c == Coord::Dip).count();
    let (verdict, note) = if hills == coords.len() {
        (LocalMaximum, LOCAL_MAX)
    } else if hills > 0 {
        (SaddlePoint, SADDLE)
    } else if dips == 0 {
        (LocalMinimum, GLOBAL_MIN)
    } else {
        (LocalMinimum, LOCAL_MIN)
    };
    CriticalPoint {
        x: coords
            .iter()
            .map(|c| match c {
                Coord::Zero => 0.0,
                Coord::Dip => RASTRIGIN_DIP,
                Coord::Hill => RASTRIGIN_HILL,
            })
            .collect(),
        value: hills as f64 * RASTRIGIN_HILL_VALUE + dips as f64 * RASTRIGIN_DIP_VALUE,
        verdict,
        note,
    }
}

/// For n ≤ 2 every point with coordinates in {0, hill, dip}; for n ≥ 3 the
/// origin and c·(1, …, 1, 0, …, 0) for c ∈ {dip, hill} and every length of
/// the run of c's. Minima first, then maxima, then saddles, each by value.
pub(super) fn rastrigin(n: usize) -> Vec<CriticalPoint> {
    let patterns: Vec<Vec<Coord>> = if n <= 2 {
        let mut all = vec![Vec::new()];
        for _ in 0..n {
            all = all
                .into_iter()
                .flat_map(|p: Vec<Coord>| {
                    [Coord::Zero, Coord::Dip, Coord::Hill].map(|c| {
                        let mut q = p.clone();
                        q.push(c);
                        q
                    })
                })
                .collect();
        }
        all
    } else {
        let mut runs = vec![vec![Coord::Zero; n]];
        for c in [Coord::Dip, Coord::Hill] {
            for k in 1..=n {
                let mut p = vec![c; k];
                p.resize(n, Coord::Zero);
                runs.push(p);
            }
        }
        runs
    };
    let mut points: Vec<CriticalPoint> = patterns.iter().map(|p| rastrigin_point(p)).collect();
    let rank = |v: Verdict| match v {
        LocalMinimum => 0,
        LocalMaximum => 1,
        _ => 2,
    };
    // Stable sort: ties keep the (lexicographic) pattern order.
    points.sort_by(|a, b| {
        rank(a.verdict)
            .cmp(&rank(b.verdict))
            .then(a.value.total_cmp(&b.value))
    });
    points
}

// --------------------------------------------------------------------- beale

pub(super) fn beale() -> Vec<CriticalPoint> {
    collect(&[
        Known {
            x: [3.0, 0.5],
            value: 0.0,
            verdict: LocalMinimum,
            note: GLOBAL_MIN,
        },
        Known {
            x: [0.0, 1.0],
            value: 14.203125,
            verdict: SaddlePoint,
            note: SADDLE,
        },
        Known {
            x: [0.10053793732415836, -2.644513585023125],
            value: 9.86451228475556,
            verdict: SaddlePoint,
            note: SADDLE,
        },
    ])
}

#[cfg(test)]
mod tests {
    //! Every listed point is checked against num-dual derivatives of the
    //! formula (forward-over-forward hyper-dual numbers, independent of the
    //! crate's reverse mode), the derivatives against central differences,
    //! and the two-variable lists for completeness by Newton's method from a
    //! dense grid of starts.

    use nalgebra::{DMatrix, DVector, SymmetricEigen};
    use num_dual::HyperDual64;
    use proptest::prelude::*;

    use super::super::{Dims, Function, FunctionInfo, builtin, builtin_functions};
    use crate::{Objective, Verdict};

    /// Value, gradient and Hessian by hyper-dual numbers: entry (i, j) seeds
    /// ε₁ in x_i and ε₂ in x_j.
    fn derivatives(f: &Function, x: &[f64]) -> (f64, DVector<f64>, DMatrix<f64>) {
        let n = x.len();
        let mut value = f64::NAN;
        let mut grad = DVector::zeros(n);
        let hess = DMatrix::from_fn(n, n, |i, j| {
            let mut v: Vec<HyperDual64> = x.iter().map(|&t| HyperDual64::from_re(t)).collect();
            v[i].eps1 = 1.0;
            v[j].eps2 = 1.0;
            let r = f.eval(&v);
            value = r.re;
            grad[i] = r.eps1;
            r.eps1eps2
        });
        (value, grad, hess)
    }

    /// Eigenvalues of a symmetric matrix, sorted ascending.
    fn eigenvalues(h: DMatrix<f64>) -> Vec<f64> {
        let mut ev: Vec<f64> = SymmetricEigen::new(h).eigenvalues.iter().copied().collect();
        ev.sort_by(f64::total_cmp);
        ev
    }

    /// The second-order verdict from sorted eigenvalues, with a relative
    /// zero tolerance.
    fn verdict_of(ev: &[f64]) -> Verdict {
        let scale = ev.iter().fold(1.0_f64, |m, e| m.max(e.abs()));
        let tol = 1e-8 * scale;
        let pos = ev.iter().filter(|&&e| e > tol).count();
        let neg = ev.iter().filter(|&&e| e < -tol).count();
        match (pos, neg) {
            (p, 0) if p == ev.len() => Verdict::LocalMinimum,
            (0, n) if n == ev.len() => Verdict::LocalMaximum,
            (p, n) if p > 0 && n > 0 => Verdict::SaddlePoint,
            _ => Verdict::Degenerate,
        }
    }

    /// Every function at every dimension it accepts, up to 8.
    fn all_functions() -> Vec<Function> {
        builtin_functions()
            .iter()
            .flat_map(|info| {
                let dims: Vec<usize> = match info.dims {
                    Dims::Fixed(n) => vec![n],
                    Dims::AtLeast(m) => (m..=8).collect(),
                };
                dims.into_iter().map(|n| info.with_dim(n).unwrap())
            })
            .collect()
    }

    #[test]
    fn every_listed_point_is_critical_with_its_value_and_verdict() {
        for f in all_functions() {
            let points = f.critical_points();
            assert!(!points.is_empty(), "{} n={}", f.name(), f.dim());
            for p in &points {
                let at = format!("{} n={} at {:?}", f.name(), f.dim(), p.x);
                assert_eq!(p.x.len(), f.dim(), "{at}");
                let (value, grad, hess) = derivatives(&f, &p.x);
                assert!(grad.norm() < 1e-9, "{at}: |grad| = {:e}", grad.norm());
                assert!(
                    (value - p.value).abs() <= 1e-12 * p.value.abs().max(1.0),
                    "{at}: f = {value}, listed {}",
                    p.value
                );
                assert_eq!(f.eval(&p.x), value, "{at}: f64 and dual values differ");
                let ev = eigenvalues(hess);
                assert_eq!(verdict_of(&ev), p.verdict, "{at}: eigenvalues {ev:?}");
            }
        }
    }

    #[test]
    fn listed_points_are_distinct_and_ordered_minima_maxima_saddles() {
        let rank = |v: Verdict| match v {
            Verdict::LocalMinimum => 0,
            Verdict::LocalMaximum => 1,
            _ => 2,
        };
        for f in all_functions() {
            let points = f.critical_points();
            for (i, a) in points.iter().enumerate() {
                for b in &points[i + 1..] {
                    let gap =
                        a.x.iter()
                            .zip(&b.x)
                            .map(|(s, t)| (s - t).abs())
                            .fold(0.0, f64::max);
                    assert!(gap > 1e-3, "{}: {:?} listed twice", f.name(), a.x);
                }
            }
            assert!(
                points
                    .windows(2)
                    .all(|w| rank(w[0].verdict) <= rank(w[1].verdict)),
                "{} n={}: not ordered",
                f.name(),
                f.dim()
            );
            // Where there is a minimum, the global one comes first.
            if points.iter().any(|p| p.verdict == Verdict::LocalMinimum) {
                assert_eq!(points[0].verdict, Verdict::LocalMinimum, "{}", f.name());
                assert_eq!(points[0].note, "global minimum", "{}", f.name());
                assert!(points.iter().all(|p| p.value >= points[0].value));
            }
        }
    }

    fn census(name: &str, dim: usize) -> [usize; 4] {
        let mut counts = [0; 4];
        for p in builtin(name, dim).unwrap().critical_points() {
            counts[match p.verdict {
                Verdict::LocalMinimum => 0,
                Verdict::LocalMaximum => 1,
                Verdict::SaddlePoint => 2,
                _ => 3,
            }] += 1;
        }
        counts
    }

    #[test]
    fn critical_point_counts() {
        // [minima, maxima, saddles, degenerate]
        assert_eq!(census("himmelblau", 2), [4, 1, 4, 0]);
        assert_eq!(census("six_hump_camel", 2), [6, 2, 7, 0]);
        assert_eq!(census("monkey_saddle", 2), [0, 0, 0, 1]);
        assert_eq!(census("saddle", 2), [0, 0, 1, 0]);
        assert_eq!(census("double_well", 2), [2, 0, 1, 0]);
        assert_eq!(census("beale", 2), [1, 0, 2, 0]);
        assert_eq!(census("rosenbrock", 2), [1, 0, 0, 0]);
        assert_eq!(census("rosenbrock", 3), [1, 0, 0, 0]);
        for n in 4..=7 {
            assert_eq!(census("rosenbrock", n), [2, 0, 1, 0], "n = {n}");
        }
        assert_eq!(census("rosenbrock", 9), [1, 0, 0, 0]);
        assert_eq!(census("rastrigin", 1), [2, 1, 0, 0]);
        assert_eq!(census("rastrigin", 2), [4, 1, 4, 0]);
        assert_eq!(census("rastrigin", 3), [4, 1, 2, 0]);
        assert_eq!(census("rastrigin", 6), [7, 1, 5, 0]);
    }

    #[test]
    fn known_spectra() {
        let spectrum = |name: &str, x: &[f64]| {
            let f = builtin(name, x.len()).unwrap();
            eigenvalues(derivatives(&f, x).2)
        };
        // Rosenbrock at (1, 1): H = [[802, −400], [−400, 200]], λ = 501 ∓ √250601.
        let ev = spectrum("rosenbrock", &[1.0, 1.0]);
        let root = 250_601.0_f64.sqrt();
        assert!((ev[0] - (501.0 - root)).abs() < 1e-9, "{ev:?}");
        assert!((ev[1] - (501.0 + root)).abs() < 1e-9, "{ev:?}");
        assert!((ev[0] - 0.399_360_767).abs() < 1e-9 && (ev[1] - 1_001.600_639).abs() < 1e-6);
        assert_eq!(spectrum("saddle", &[0.0, 0.0]), [-2.0, 2.0]);
        assert_eq!(spectrum("monkey_saddle", &[0.0, 0.0]), [0.0, 0.0]);
        assert_eq!(spectrum("double_well", &[0.0, 0.0]), [-1.0, 1.0]);
        assert_eq!(spectrum("double_well", &[1.0, 0.0]), [1.0, 2.0]);
        let ev = spectrum("beale", &[0.0, 1.0]);
        assert!(
            (ev[0] + 27.75).abs() < 1e-12 && (ev[1] - 27.75).abs() < 1e-12,
            "{ev:?}"
        );
        // Rastrigin at the origin: 2 + 40π² on the diagonal.
        let c = 2.0 + 40.0 * std::f64::consts::PI.powi(2);
        for e in spectrum("rastrigin", &[0.0; 3]) {
            assert!((e - c).abs() < 1e-10);
        }
    }

    #[test]
    fn known_values() {
        let f = builtin("rosenbrock", 5).unwrap();
        assert_eq!(f.eval(&[1.0; 5]), 0.0);
        assert_eq!(builtin("rastrigin", 4).unwrap().eval(&[0.0; 4]), 0.0);
        assert_eq!(builtin("beale", 2).unwrap().eval(&[3.0, 0.5]), 0.0);
    }

    #[test]
    fn default_points_are_in_the_domain_and_not_critical() {
        for f in all_functions() {
            let x = f.default_point();
            assert_eq!(x.len(), f.dim(), "{}", f.name());
            let (value, grad, _) = derivatives(&f, &x);
            assert!(value.is_finite());
            assert!(
                grad.norm() > 1e-3,
                "{}: default point is critical",
                f.name()
            );
        }
    }

    /// Newton's method on ∇f = 0 from `x`; the limit if it converges.
    fn newton(f: &Function, mut x: Vec<f64>) -> Option<Vec<f64>> {
        for _ in 0..100 {
            let (_, g, h) = derivatives(f, &x);
            if g.norm() < 1e-10 {
                return Some(x);
            }
            let step = h.lu().solve(&g)?;
            for (xi, si) in x.iter_mut().zip(step.iter()) {
                *xi -= si;
            }
            if x.iter().any(|t| !t.is_finite() || t.abs() > 1e6) {
                return None;
            }
        }
        None
    }

    /// Every critical point Newton finds from a grid over `[lo, hi]` is
    /// listed, and every listed point is found.
    fn assert_complete(name: &str, lo: [f64; 2], hi: [f64; 2], steps: usize) {
        let f = builtin(name, 2).unwrap();
        let listed = f.critical_points();
        let mut found = vec![false; listed.len()];
        for i in 0..=steps {
            for j in 0..=steps {
                let start = vec![
                    lo[0] + (hi[0] - lo[0]) * i as f64 / steps as f64,
                    lo[1] + (hi[1] - lo[1]) * j as f64 / steps as f64,
                ];
                let Some(x) = newton(&f, start.clone()) else {
                    continue;
                };
                let k = listed
                    .iter()
                    .position(|p| (p.x[0] - x[0]).abs() < 1e-7 && (p.x[1] - x[1]).abs() < 1e-7);
                let k = k.unwrap_or_else(|| {
                    panic!("{name}: unlisted critical point {x:?} from {start:?}")
                });
                found[k] = true;
            }
        }
        for (p, hit) in listed.iter().zip(found) {
            assert!(hit, "{name}: {:?} not reached from the grid", p.x);
        }
    }

    #[test]
    fn himmelblau_list_is_complete() {
        assert_complete("himmelblau", [-6.0, -6.0], [6.0, 6.0], 60);
    }

    #[test]
    fn six_hump_camel_list_is_complete() {
        assert_complete("six_hump_camel", [-3.0, -2.0], [3.0, 2.0], 90);
    }

    #[test]
    fn beale_list_is_complete() {
        assert_complete("beale", [-4.5, -4.5], [4.5, 4.5], 90);
    }

    #[test]
    fn double_well_list_is_complete() {
        assert_complete("double_well", [-3.0, -3.0], [3.0, 3.0], 30);
    }

    #[test]
    fn by_name_and_dims_cover_the_catalogue() {
        for info in builtin_functions() {
            assert!(std::ptr::eq(
                FunctionInfo::by_name(info.name).unwrap(),
                info
            ));
            assert!(info.dims.accepts(info.default_dim));
        }
    }

    /// Central difference of f along coordinate i.
    fn central(f: &Function, x: &[f64], i: usize, h: f64) -> f64 {
        let mut plus = x.to_vec();
        let mut minus = x.to_vec();
        plus[i] += h;
        minus[i] -= h;
        (f.eval(&plus) - f.eval(&minus)) / (2.0 * h)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The dual-number gradient and Hessian agree with central
        /// differences of the f64 values and of the gradient.
        #[test]
        fn derivatives_match_central_differences(
            which in 0..8usize,
            dim in 1..6usize,
            coords in prop::collection::vec(-2.5..2.5f64, 6),
        ) {
            let info = &builtin_functions()[which];
            let n = match info.dims { Dims::Fixed(n) => n, Dims::AtLeast(m) => dim.max(m) };
            let f = info.with_dim(n).unwrap();
            let x = &coords[..n];
            let (_, g, h) = derivatives(&f, x);
            let h_step = 1e-5;
            for i in 0..n {
                let fd = central(&f, x, i, h_step);
                prop_assert!((fd - g[i]).abs() <= 1e-6 * g[i].abs().max(1.0) + 1e-5 * f.eval(x).abs().max(1.0),
                    "{} d/dx{i}: dual {} vs fd {fd}", info.name, g[i]);
                let mut plus = x.to_vec();
                let mut minus = x.to_vec();
                plus[i] += h_step;
                minus[i] -= h_step;
                let dg = (derivatives(&f, &plus).1 - derivatives(&f, &minus).1) / (2.0 * h_step);
                for j in 0..n {
                    prop_assert!((dg[j] - h[(i, j)]).abs() <= 1e-6 * h[(i, j)].abs().max(1.0) + 1e-6 * g.norm(),
                        "{} H[{i},{j}]: dual {} vs fd {}", info.name, h[(i, j)], dg[j]);
                }
            }
        }
    }
}
