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
//!   lists are complete for 2 ≤ n ≤ 6.
//! - `rastrigin`: separable, so its critical points are the products of the
//!   roots of g′(t) = 2t + 20π sin(2πt).
//!
//! The tests at the bottom check every point: gradient, value and Hessian
//! inertia.

use super::CriticalPoint;
use crate::Verdict;

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

use Verdict::{Degenerate, LocalMaximum, LocalMinimum, SaddlePoint};

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
