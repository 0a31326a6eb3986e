//! Lecture 2 (the Taylor picture): the verdicts at the stalled points, the
//! escape along u_min against ½λα² with the ratio → 1 as α → 0, and the
//! Hessians against independent oracles — the closed form for Himmelblau,
//! second differences of the network's loss values (forward passes only,
//! no automatic differentiation) with nalgebra's eigensolver for the
//! network.

mod common;

use std::path::PathBuf;

use nalgebra::DMatrix;
use saddlescope::lecture::critical_points::{Outcome, Settings, StalledPoint, exact_saddle, run};
use saddlescope::{
    CsvOptions, Dataset, Loss, Network, NetworkObjective, NetworkOptions, TwiceDifferentiable,
    Verdict, builtin,
};

const IRIS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/iris.csv");

fn settings() -> Settings {
    Settings {
        data: PathBuf::from(IRIS),
        ..Settings::default()
    }
}

fn outcome() -> Outcome {
    run(&settings()).unwrap()
}

/// All 9 critical points of Himmelblau's function are found, each with
/// the catalogue's verdict; both stalled points are saddles with g ≈ 0.
#[test]
fn the_eigenvalues_give_the_catalogue_verdicts() {
    let o = outcome();
    let catalogue = builtin("himmelblau", 2).unwrap().critical_points();
    assert_eq!(o.critical_points.len(), catalogue.len());
    for p in &o.critical_points {
        let known = catalogue
            .iter()
            .find(|c| (c.x[0] - p.x[0]).hypot(c.x[1] - p.x[1]) < 1e-6)
            .unwrap_or_else(|| panic!("{:?} is not in the catalogue", p.x));
        assert_eq!(p.verdict, known.verdict, "{:?}", p.x);
        assert!(p.grad_norm < 1e-10, "{:?}: ‖g‖ = {:e}", p.x, p.grad_norm);
        // The verdict follows from the signs of the two eigenvalues.
        let signs = (p.eigenvalues[0] > 0.0, p.eigenvalues[1] > 0.0);
        let expected = match signs {
            (true, true) => Verdict::LocalMinimum,
            (false, false) => Verdict::LocalMaximum,
            _ => Verdict::SaddlePoint,
        };
        assert_eq!(p.verdict, expected);
    }
    let f = &o.function_saddle;
    assert_eq!(f.verdict, Verdict::SaddlePoint);
    // The saddle with the lowest value, between the minima (3, 2) and
    // (3.58, −1.85).
    assert!((f.point[0] - 3.38515).abs() < 1e-4 && (f.point[1] - 0.07385).abs() < 1e-4);
    let n = &o.network_saddle;
    assert_eq!(n.verdict, Verdict::SaddlePoint);
    assert!(n.grad_norm < 1e-14, "{:e}", n.grad_norm);
    assert_eq!(n.eigenvalues.len(), 43);
    assert!(n.counts.negative > 0 && n.counts.positive > 0);
}

/// Himmelblau's Hessian in closed form: ∂²f/∂x² = 12x² + 4y − 42,
/// ∂²f/∂x∂y = 4(x + y), ∂²f/∂y² = 4x + 12y² − 26; eigenvalues of the 2×2
/// symmetric matrix by formula, and u_min checked as an eigenvector.
#[test]
fn the_function_hessian_matches_its_closed_form() {
    let s = outcome().function_saddle;
    let (x, y) = (s.point[0], s.point[1]);
    let (a, b, c) = (
        12.0 * x * x + 4.0 * y - 42.0,
        4.0 * (x + y),
        4.0 * x + 12.0 * y * y - 26.0,
    );
    let mid = 0.5 * (a + c);
    let rad = (0.25 * (a - c) * (a - c) + b * b).sqrt();
    let (lo, hi) = (mid - rad, mid + rad);
    assert!(
        (s.lambda_min() - lo).abs() <= 1e-10 * hi.abs(),
        "{} vs {lo}",
        s.lambda_min()
    );
    assert!(
        (s.lambda_max() - hi).abs() <= 1e-10 * hi.abs(),
        "{} vs {hi}",
        s.lambda_max()
    );
    let u = &s.u_min;
    let hu = [a * u[0] + b * u[1], b * u[0] + c * u[1]];
    assert!((hu[0] - lo * u[0]).abs() < 1e-9 && (hu[1] - lo * u[1]).abs() < 1e-9);
    assert!((u[0].hypot(u[1]) - 1.0).abs() < 1e-12);
}

/// The network's Hessian from second differences of loss values (forward
/// passes only) and nalgebra's eigensolver: the same extreme eigenvalues
/// and the same numbers of clearly negative and clearly positive ones.
#[test]
fn the_network_hessian_matches_second_differences_of_the_loss() {
    let o = outcome();
    let data = Dataset::from_csv(IRIS, &CsvOptions::default()).unwrap();
    let (theta, arch) = exact_saddle(&data, 5).unwrap();
    let net = Network::init(&arch, 0)
        .unwrap()
        .with_params(theta.clone().into())
        .unwrap();
    let f =
        NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    let n = theta.len();
    let h = 1e-4;
    let at = |moves: &[(usize, f64)]| {
        let mut x = theta.clone();
        for &(i, d) in moves {
            x[i] += d;
        }
        f.value(&x).unwrap()
    };
    let f0 = at(&[]);
    let mut hess = DMatrix::zeros(n, n);
    for i in 0..n {
        hess[(i, i)] = (at(&[(i, h)]) - 2.0 * f0 + at(&[(i, -h)])) / (h * h);
        for j in 0..i {
            let v = (at(&[(i, h), (j, h)]) - at(&[(i, h), (j, -h)]) - at(&[(i, -h), (j, h)])
                + at(&[(i, -h), (j, -h)]))
                / (4.0 * h * h);
            hess[(i, j)] = v;
            hess[(j, i)] = v;
        }
    }
    let mut oracle: Vec<f64> = hess.symmetric_eigen().eigenvalues.iter().copied().collect();
    oracle.sort_by(f64::total_cmp);
    let s = &o.network_saddle;
    assert!(
        (s.lambda_min() - oracle[0]).abs() < 1e-5,
        "{} vs {}",
        s.lambda_min(),
        oracle[0]
    );
    assert!((s.lambda_max() - oracle[n - 1]).abs() < 1e-5);
    for (a, b) in s.eigenvalues.iter().zip(&oracle) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    // Second differences resolve |λ| ≳ 1e-6; the spectrum has nothing
    // between 1e-12 and 0.01, so the signs agree with the verdict's counts.
    let neg = oracle.iter().filter(|v| **v < -1e-4).count();
    let pos = oracle.iter().filter(|v| **v > 1e-4).count();
    assert_eq!((neg, pos), (s.counts.negative, s.counts.positive));
}

/// The error of the prediction shrinks monotonically as α → 0, like α for
/// Himmelblau (a cubic term) and like α² for the network (even in α), and
/// is below 1e-4 at α = 1e-3.
#[test]
fn the_ratio_actual_over_predicted_tends_to_one() {
    let o = outcome();
    let check = |s: &StalledPoint, order: f64| {
        let mut rows = s.taylor.clone();
        rows.sort_by(|a, b| b.alpha.total_cmp(&a.alpha));
        let small: Vec<_> = rows.iter().filter(|r| r.alpha <= 0.1).collect();
        for w in small.windows(2) {
            assert!(
                w[1].rel_error() < w[0].rel_error(),
                "{}: error at α = {} is {:e}, at α = {} {:e}",
                s.name,
                w[1].alpha,
                w[1].rel_error(),
                w[0].alpha,
                w[0].rel_error()
            );
        }
        let last = rows.last().unwrap();
        assert_eq!(last.alpha, 1e-3);
        assert!(
            last.rel_error() < 1e-4,
            "{}: {:e}",
            s.name,
            last.rel_error()
        );
        // The order of the remainder from the sweep between 1e-3 and 1e-2.
        let e = |a: f64| {
            s.sweep
                .iter()
                .min_by(|x, y| (x.alpha - a).abs().total_cmp(&(y.alpha - a).abs()))
                .unwrap()
                .rel_error()
        };
        let slope = (e(1e-2) / e(1e-3)).log10();
        assert!((slope - order).abs() < 0.15, "{}: slope {slope}", s.name);
    };
    check(&o.function_saddle, 1.0);
    check(&o.network_saddle, 2.0);
    assert!(o.function_saddle.quadratic_range.unwrap() >= 0.25);
    assert!(o.network_saddle.quadratic_range.unwrap() <= 0.1);
}

/// Short steps along ±u_min lower the loss at both saddles, as ½λα² < 0
/// says; for the network the quartic terms turn the loss up again by α = 1.
#[test]
fn the_escape_lowers_the_loss() {
    let o = outcome();
    for s in [&o.function_saddle, &o.network_saddle] {
        assert!(s.lambda_min() < 0.0);
        for r in s.taylor.iter().filter(|r| r.alpha <= 0.25) {
            assert!(r.predicted < 0.0);
            assert!(
                r.actual_plus < 0.0 && r.actual_minus < 0.0,
                "{}: α = {}",
                s.name,
                r.alpha
            );
        }
    }
    let at_one = o
        .network_saddle
        .taylor
        .iter()
        .find(|r| r.alpha == 1.0)
        .unwrap();
    assert!(at_one.actual_plus > 0.0, "{}", at_one.actual_plus);
    // The slice has its lowest value off θ′.
    let slice = &o.network_saddle.slice;
    let (k, _) = slice
        .loss
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    assert!(slice.alpha[k].abs() > 0.1);
}

use common::svg_texts as texts;

#[test]
fn the_tables_and_figures_name_what_they_show() {
    let o = outcome();
    let tables = o.tables();
    assert_eq!(tables.len(), 3);
    assert_eq!(tables[0].rows().len(), 9);
    assert_eq!(tables[1].rows().len(), 2);
    assert_eq!(tables[2].rows().len(), 14);
    assert!(tables[1].to_string().contains("saddle_point"));

    let dir = std::env::temp_dir().join(format!("saddlescope-lecture-2-{}", std::process::id()));
    let paths = o.draw(&dir).unwrap();
    let names: Vec<_> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "function_contour.svg",
            "function_slice.svg",
            "network_slice.svg",
            "taylor_error.svg",
            "network_spectrum.svg"
        ]
    );
    let has = |file: &str, wanted: &[&str]| {
        let t = texts(&dir.join(file));
        for w in wanted {
            assert!(t.iter().any(|x| x.contains(w)), "{file} lacks {w:?}: {t:?}");
        }
    };
    has(
        "function_contour.svg",
        &[
            "u_min, λ = -14.14",
            "u_max",
            "saddle point",
            "local minimum",
            "local maximum",
        ],
    );
    has(
        "function_slice.svg",
        &[
            "quadratic model",
            "actual L(θ′ + αu_min)",
            "θ′: saddle point",
        ],
    );
    has(
        "network_slice.svg",
        &["iris 4-5-3 tanh net", "quadratic model"],
    );
    has(
        "taylor_error.svg",
        &["∝ α", "∝ α²", "himmelblau saddle, +u_min"],
    );
    let s = &o.network_saddle;
    has(
        "network_spectrum.svg",
        &[
            &format!("negative: {}", s.counts.negative),
            &format!("zero: {}", s.counts.zero),
            &format!("positive: {}", s.counts.positive),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_settings_are_errors() {
    let bad = |s: Settings, name: &str| {
        let err = run(&s).unwrap_err();
        assert!(err.to_string().contains(name), "{err}");
    };
    bad(
        Settings {
            alphas: vec![0.1, -1.0],
            ..settings()
        },
        "alphas",
    );
    bad(
        Settings {
            bounds: (1.0, -1.0),
            ..settings()
        },
        "bounds",
    );
    bad(
        Settings {
            hidden: 0,
            ..settings()
        },
        "hidden",
    );
    bad(
        Settings {
            slice_points: 2,
            ..settings()
        },
        "slice_points",
    );
    bad(
        Settings {
            function: "saddle_free".into(),
            ..settings()
        },
        "unknown function",
    );
    // A function with no saddle in the box.
    let err = run(&Settings {
        function: "rosenbrock".into(),
        ..settings()
    })
    .unwrap_err();
    assert!(err.to_string().contains("no saddle"), "{err}");
    // Regression data has no classes.
    let sine = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/sine.csv");
    let err = run(&Settings {
        data: sine.into(),
        ..settings()
    })
    .unwrap_err();
    assert!(err.to_string().contains("classification"), "{err}");
}
