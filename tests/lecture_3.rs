//! Lecture 3 (saddles vs minima) on a fixed-seed subset of the example's
//! grid: 2 widths × 2 seeds × 4 snapshots. The claim (most classified
//! points have minimum ratio < 1; the ratio rises as the loss falls), and
//! each classified point against an independent oracle: a hand-written
//! 1-H-1 tanh loss differentiated by num-dual (forward-over-forward), its
//! gradient norm below the threshold, and nalgebra's eigensolver counting
//! the positive eigenvalues.

mod common;

use std::path::PathBuf;

use nalgebra::DVector;
use num_dual::{DualNum, Gradients};
use saddlescope::lecture::saddle_vs_minima::{Outcome, Settings, canonical, run, spearman};
use saddlescope::{Architecture, CsvOptions, Dataset, Verdict};

const SINE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/sine.csv");

fn subset() -> Settings {
    Settings {
        data: PathBuf::from(SINE),
        widths: vec![6, 8],
        seeds: vec![0, 1],
        snapshots: vec![10, 100, 1000, 3000],
        ..Settings::default()
    }
}

/// MSE of `linear(1,h),tanh,linear(h,1)` plus ½·wd·‖θ‖², written out by
/// hand in PyTorch's parameter order (0.weight, 0.bias, 2.weight, 2.bias).
fn loss<D: DualNum<Primitive = f64>>(theta: &[D], x: &[f64], y: &[f64], h: usize, wd: f64) -> D {
    let mut total = D::zero();
    for (xi, yi) in x.iter().zip(y) {
        let mut out = theta[3 * h].clone();
        for j in 0..h {
            let z = theta[j].clone() * *xi + theta[h + j].clone();
            out += theta[2 * h + j].clone() * z.tanh();
        }
        let r = out - *yi;
        total += r.clone() * r;
    }
    let mut norm = D::zero();
    for t in theta {
        norm += t.clone() * t.clone();
    }
    total / x.len() as f64 + norm * (0.5 * wd)
}

fn outcome() -> &'static Outcome {
    static OUTCOME: std::sync::OnceLock<Outcome> = std::sync::OnceLock::new();
    OUTCOME.get_or_init(|| run(&subset()).unwrap())
}

/// Most classified points are saddles (minimum ratio < 1), and the
/// minimum ratio falls as the loss rises (Spearman's ρ < 0).
#[test]
fn most_points_are_saddles_and_the_ratio_rises_as_the_loss_falls() {
    let o = outcome();
    let n = o.points.len();
    assert!(n >= 5, "only {n} points were classified");
    assert!(2 * o.below_one() > n, "{} of {n} below 1", o.below_one());
    let rho = o.spearman.unwrap();
    assert!(rho < -0.5, "ρ = {rho}");
    // An independent ρ: Spearman by the rank-difference formula (no ties
    // expected among the losses or broken by them below).
    let losses: Vec<f64> = o.points.iter().map(|p| p.loss).collect();
    let ratios: Vec<f64> = o.points.iter().map(|p| p.min_ratio()).collect();
    assert!((spearman(&losses, &ratios).unwrap() - rho).abs() < 1e-15);
    let rank = |v: &[f64], i: usize| {
        let below = v.iter().filter(|w| **w < v[i]).count() as f64;
        let equal = v.iter().filter(|w| **w == v[i]).count() as f64;
        below + (equal + 1.0) / 2.0
    };
    let (rl, rr): (Vec<f64>, Vec<f64>) =
        (0..n).map(|i| (rank(&losses, i), rank(&ratios, i))).unzip();
    let mean = (n as f64 + 1.0) / 2.0;
    let cov: f64 = rl
        .iter()
        .zip(&rr)
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum();
    let var = |r: &[f64]| r.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>();
    let rho2 = cov / (var(&rl) * var(&rr)).sqrt();
    assert!((rho2 - rho).abs() < 1e-12, "{rho2} vs {rho}");
    // The lowest-loss point is a minimum, the highest a saddle.
    let by_loss = |a: &&saddlescope::lecture::saddle_vs_minima::StalledPoint,
                   b: &&saddlescope::lecture::saddle_vs_minima::StalledPoint| {
        a.loss.total_cmp(&b.loss)
    };
    let lowest = o.points.iter().min_by(by_loss).unwrap();
    let highest = o.points.iter().max_by(by_loss).unwrap();
    assert_eq!(lowest.verdict(), Verdict::LocalMinimum);
    assert_eq!(highest.verdict(), Verdict::SaddlePoint);
}

/// Every classified point: the gradient recomputed by num-dual on the
/// hand-written loss is below the threshold; the Hessian agrees with the
/// library's; the minimum ratio is the count of positive eigenvalues
/// (beyond τ·max|λ|) of nalgebra's decomposition over n.
#[test]
fn each_point_is_critical_and_its_ratio_counts_positive_eigenvalues() {
    let o = outcome();
    let s = &o.settings;
    let data = Dataset::from_csv(SINE, &CsvOptions::default()).unwrap();
    let x: Vec<f64> = data.inputs().column(0).iter().copied().collect();
    let y = data.targets().to_vec();
    for p in &o.points {
        let h = p.width;
        // The parameter order the oracle assumes.
        let arch = Architecture::parse(&format!("linear(1,{h}),tanh,linear({h},1)")).unwrap();
        let names: Vec<(String, usize)> = arch
            .parameters()
            .iter()
            .map(|q| (q.name.clone(), q.offset))
            .collect();
        assert_eq!(
            names,
            [
                ("0.weight".into(), 0),
                ("0.bias".into(), h),
                ("2.weight".into(), 2 * h),
                ("2.bias".into(), 3 * h)
            ]
        );
        let theta = DVector::from_vec(p.theta.clone());
        let (value, g, hess) = Gradients::hessian(
            |t: DVector<_>, _: &()| loss(t.as_slice(), &x, &y, h, s.weight_decay),
            &theta,
            &(),
        );
        assert!(
            (value - p.loss).abs() <= 1e-13 * p.loss,
            "{value} vs {}",
            p.loss
        );
        // Deduplication compares canonical forms: the same function.
        let c = canonical(&p.theta, h);
        let at_c = loss(&c, &x, &y, h, s.weight_decay);
        assert!((at_c - value).abs() <= 1e-13 * value, "{at_c} vs {value}");
        assert!(
            g.norm() <= s.grad_threshold,
            "H = {h}, seed {}: ‖g‖ = {:e} by num-dual",
            p.seed,
            g.norm()
        );
        let mut eig: Vec<f64> = hess
            .clone()
            .symmetric_eigen()
            .eigenvalues
            .iter()
            .copied()
            .collect();
        eig.sort_by(f64::total_cmp);
        let scale = eig.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in eig.iter().zip(p.spectrum.eigenvalues.iter()) {
            assert!((a - b).abs() <= 1e-9 * scale, "{a} vs {b}");
        }
        let n = eig.len();
        let positive = eig.iter().filter(|v| **v > s.eig_tol * scale).count();
        let negative = eig.iter().filter(|v| **v < -s.eig_tol * scale).count();
        assert_eq!(p.min_ratio(), positive as f64 / n as f64);
        assert_eq!(p.classification.counts.negative, negative);
        let expected = match (negative, positive) {
            (0, k) if k == n => Verdict::LocalMinimum,
            (k, 0) if k == n => Verdict::LocalMaximum,
            (a, b) if a > 0 && b > 0 => Verdict::SaddlePoint,
            _ => Verdict::Degenerate,
        };
        assert_eq!(p.verdict(), expected);
        // No eigenvalue sits within the Weyl bound of the threshold: the
        // counts are what the eigenvalues at the critical point give.
        assert!(p.eigen_resolution < 1e-3 * s.eig_tol * scale);
        assert!(
            eig.iter()
                .all(|v| (v.abs() - s.eig_tol * scale).abs() > p.eigen_resolution)
        );
    }
    let (lo, hi) = o.tolerance_window();
    assert!(
        lo < s.eig_tol && s.eig_tol < hi,
        "τ = {} outside ({lo}, {hi})",
        s.eig_tol
    );
}

/// Runs above the threshold are never classified; every run is accounted
/// for, and the summary table adds up.
#[test]
fn runs_that_miss_the_threshold_are_reported_not_classified() {
    let o = outcome();
    let s = &o.settings;
    assert_eq!(
        o.runs.len(),
        s.widths.len() * s.seeds.len() * s.snapshots.len()
    );
    for r in &o.runs {
        match r.point {
            Some(i) => {
                assert!(r.grad_norm <= s.grad_threshold);
                let p = &o.points[i];
                assert_eq!((p.width, p.seed), (r.width, r.seed));
                assert!(p.steps.contains(&r.step));
            }
            None => assert!(r.grad_norm > s.grad_threshold),
        }
    }
    let hits: usize = o.points.iter().map(|p| p.steps.len()).sum();
    assert_eq!(hits, o.reached());
    let tables = o.tables();
    let total = tables[0].rows().last().unwrap();
    assert_eq!(total[0], "all");
    assert_eq!(total[2], o.runs.len().to_string());
    assert_eq!(total[3], o.reached().to_string());
    assert_eq!(total[5], o.points.len().to_string());
    assert_eq!(tables[1].rows().len(), o.points.len());
}

/// The same results at 1 and 2 threads (a smaller grid).
#[test]
fn the_outcome_does_not_depend_on_the_thread_count() {
    let s = Settings {
        widths: vec![6],
        seeds: vec![3],
        snapshots: vec![10, 100],
        ..subset()
    };
    let at = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(&s).unwrap())
    };
    let (a, b) = (at(1), at(2));
    assert_eq!(a.runs, b.runs);
    assert_eq!(a.points.len(), b.points.len());
    for (p, q) in a.points.iter().zip(&b.points) {
        assert_eq!(p.theta, q.theta);
        assert_eq!(p.spectrum.eigenvalues, q.spectrum.eigenvalues);
    }
}

use common::svg_texts as texts;

#[test]
fn the_figures_name_what_they_show() {
    let o = outcome();
    let dir = std::env::temp_dir().join(format!("saddlescope-lecture-3-{}", std::process::id()));
    let paths = o.draw(&dir).unwrap();
    assert_eq!(
        paths,
        [dir.join("min_ratio.svg"), dir.join("finder_gradients.svg")]
    );
    let t = texts(&paths[0]);
    for w in [
        "saddle point",
        "local minimum",
        "minimum ratio (positive eigenvalues / n)",
    ] {
        assert!(t.iter().any(|x| x == w), "min_ratio.svg lacks {w:?}: {t:?}");
    }
    let t = texts(&paths[1]);
    let reached = format!("reached ‖g‖ ≤ G ({})", o.reached());
    assert!(t.contains(&reached), "{t:?}");
    assert!(t.iter().any(|x| x.starts_with("G = ")), "{t:?}");
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
            widths: vec![],
            ..subset()
        },
        "widths",
    );
    bad(
        Settings {
            widths: vec![4, 0],
            ..subset()
        },
        "widths",
    );
    bad(
        Settings {
            seeds: vec![],
            ..subset()
        },
        "seeds",
    );
    bad(
        Settings {
            snapshots: vec![],
            ..subset()
        },
        "snapshots",
    );
    bad(
        Settings {
            weight_decay: -1.0,
            ..subset()
        },
        "weight_decay",
    );
    bad(
        Settings {
            optimizer: "lbfgs".into(),
            ..subset()
        },
        "optimizer",
    );
    bad(
        Settings {
            optimizer: "adamm".into(),
            ..subset()
        },
        "adamm",
    );
    bad(
        Settings {
            grad_threshold: f64::NAN,
            ..subset()
        },
        "grad_threshold",
    );
    bad(
        Settings {
            eig_tol: 1.0,
            ..subset()
        },
        "eig_tol",
    );
    let iris = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/iris.csv");
    bad(
        Settings {
            data: iris.into(),
            ..subset()
        },
        "exactly 1",
    );
}
