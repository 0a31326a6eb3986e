//! Lecture 5: gradient descent stops in a shallow minimum or crawls on a
//! plateau; momentum rolls over into the better minimum — on the example's
//! default settings, checked against the functions' closed forms.

mod common;

use std::sync::OnceLock;

use saddlescope::Verdict;
use saddlescope::lecture::momentum::{Outcome, ProblemRuns, Run, Settings, run};

/// g′ and g″ of g(x) = x⁴/4 + x³/3 − 2x² − 4x, by hand.
fn g1(x: f64) -> f64 {
    (x + 2.0) * (x + 1.0) * (x - 2.0)
}
fn g2(x: f64) -> f64 {
    3.0 * x * x + 2.0 * x - 4.0
}
const SHALLOW: f64 = 4.0 / 3.0;
const DEEP: f64 = -28.0 / 3.0;

/// The default run, once for all tests.
fn outcome() -> &'static Outcome {
    static OUTCOME: OnceLock<Outcome> = OnceLock::new();
    OUTCOME.get_or_init(|| run(&Settings::default()).expect("the default experiment runs"))
}

fn find(p: &ProblemRuns, lambda: f64) -> &Run {
    p.runs
        .iter()
        .find(|r| r.lambda == lambda)
        .expect("a run per λ")
}

#[test]
fn gradient_descent_stops_in_the_shallow_minimum_and_momentum_rolls_into_the_deep_one() {
    let out = outcome();
    for name in ["shallow minimum (1-D)", "shallow minimum (2-D)"] {
        let p = out.problem(name).unwrap();
        let gd = find(p, 0.0);
        let x = gd.descent.x[0];
        // The shallow minimum x = −2, by the closed form of g′ and g″ ...
        assert!(
            (x + 2.0).abs() < 1e-6,
            "{name}: gd ended at {:?}",
            gd.descent.x
        );
        assert!(g1(x).abs() < 1e-5 && g2(x) > 0.0);
        // ... and by the Hessian at the end point.
        assert_eq!(gd.verdict, Verdict::LocalMinimum, "{name}");
        assert!(gd.grad_norm < 1e-8, "{name}: ‖∇f‖ = {}", gd.grad_norm);
        assert!((gd.descent.value - SHALLOW).abs() < 1e-9);
        assert!(gd.descent.value > DEEP + 10.0);
        assert!(
            gd.first_past.is_none(),
            "{name}: gd never crosses the barrier"
        );
        assert_eq!(
            p.problem.critical_points[gd.nearest.0].note,
            "shallow minimum"
        );

        let m = find(p, 0.9);
        let x = m.descent.x[0];
        assert!(
            (x - 2.0).abs() < 1e-6,
            "{name}: momentum ended at {:?}",
            m.descent.x
        );
        assert!(g1(x).abs() < 1e-5 && g2(x) > 0.0);
        assert_eq!(m.verdict, Verdict::LocalMinimum, "{name}");
        assert!((m.descent.value - DEEP).abs() < 1e-9);
        assert_eq!(p.problem.critical_points[m.nearest.0].note, "deep minimum");
        assert!(m.past);
    }
    // In 2-D the end points are the closed-form minima (x, x²/4).
    let p = out.problem("shallow minimum (2-D)").unwrap();
    assert!((find(p, 0.0).descent.x[1] - 1.0).abs() < 1e-6);
    assert!((find(p, 0.9).descent.x[1] - 1.0).abs() < 1e-6);
}

#[test]
fn gradient_descent_crawls_on_the_plateau_with_a_tiny_gradient_that_is_not_critical() {
    let out = outcome();
    let eps = out.settings.plateau_epsilon;
    let p = out.problem("plateau (1-D)").unwrap();
    let h1 = |x: f64| ((x + 1.0).powi(2) + eps) * (x - 1.5);
    for lambda in [0.0, 0.5] {
        let r = find(p, lambda);
        let x = r.descent.x[0];
        assert!((-1.1..-0.9).contains(&x), "λ = {lambda} ended at {x}");
        // Tiny but not zero: above the verdict's tolerance, far below the
        // slope at the start.
        assert!((r.grad_norm - h1(x).abs()).abs() < 1e-12);
        assert!(
            r.grad_norm > 1e-4 && r.grad_norm < 2e-3,
            "‖∇f‖ = {}",
            r.grad_norm
        );
        assert!(r.grad_norm < 1e-3 * h1(p.problem.start[0]).abs());
        assert_eq!(r.verdict, Verdict::NotCritical);
        assert!(r.first_past.is_none());
    }
    let m = find(p, 0.9);
    assert!((m.descent.x[0] - 1.5).abs() < 1e-6);
    assert_eq!(m.verdict, Verdict::LocalMinimum);
    // It crossed the plateau within the first few dozen steps.
    assert!(m.first_past.unwrap() < 100);
}

#[test]
fn too_much_momentum_overshoots() {
    let out = outcome();
    let p = out.problem("shallow minimum (1-D)").unwrap();
    let r = find(p, 0.99);
    // Over the barrier early, then back: it ends on the shallow side.
    assert!(r.first_past.is_some_and(|k| k < 50));
    assert!(!r.past, "λ = 0.99 ended at {}", r.descent.x[0]);
    // It rolled over the barrier and back more than once.
    let crossings = r
        .descent
        .trajectory
        .points
        .windows(2)
        .filter(|w| (w[0][0] + 1.0) * (w[1][0] + 1.0) < 0.0)
        .count();
    assert!(crossings >= 2, "{crossings} crossings");
}

#[test]
fn no_momentum_passes_a_barrier_higher_than_the_start_and_gd_never_passes() {
    let out = outcome();
    assert_eq!(out.starts.len(), out.settings.starts.len());
    let mut below = 0;
    for row in &out.starts {
        // gd (λ = 0) from anywhere left of the barrier ends at −2.
        assert!((row.final_x[0] + 2.0).abs() < 1e-6, "{row:?}");
        if row.height_above_barrier < 0.0 {
            below += 1;
            assert!(row.final_x.iter().all(|x| *x < -1.0), "{row:?}");
        }
    }
    assert!(
        below >= 1,
        "the default starts include one below the barrier"
    );
    // λ = 0.9 passes from the highest starts.
    let l = out.settings.lambdas.iter().position(|l| *l == 0.9).unwrap();
    let passed = out.starts.iter().filter(|r| r.final_x[l] > 1.9).count();
    assert!(passed >= 3, "λ = 0.9 passed from {passed} starts");
}

#[test]
fn the_momentum_trajectory_is_the_heavy_ball_recurrence() {
    // m ← λm − η g′(x), x ← x + m, m₀ = 0, written out on g′ by hand.
    let out = outcome();
    let p = out.problem("shallow minimum (1-D)").unwrap();
    let r = find(p, 0.9);
    let (eta, lambda) = (out.settings.lr, 0.9);
    let (mut x, mut m) = (p.problem.start[0], 0.0);
    for (k, point) in r.descent.trajectory.points.iter().enumerate().take(200) {
        assert!((point[0] - x).abs() < 1e-9 * (1.0 + x.abs()), "step {k}");
        m = lambda * m - eta * g1(x);
        x += m;
    }
}

#[test]
fn the_figures_are_drawn_and_name_what_they_show() {
    let out = run(&Settings {
        steps: 300,
        ..Settings::default()
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("saddlescope-lecture-5-{}", std::process::id()));
    let files = out.draw(&dir).unwrap();
    assert_eq!(files.len(), 6);
    for f in &files {
        let texts = common::svg_texts(f).join(" ");
        let stem = f.file_stem().unwrap().to_string_lossy();
        let problem = if stem.starts_with("plateau") {
            "plateau (1-D)"
        } else if stem.contains("2d") {
            "shallow minimum (2-D)"
        } else {
            "shallow minimum (1-D)"
        };
        assert!(texts.contains(problem), "{stem}: {texts}");
        for legend in ["gd", "momentum λ=0.9", "momentum λ=0.99"] {
            assert!(texts.contains(legend), "{stem} lacks {legend}");
        }
        if stem.ends_with("contour") {
            assert!(texts.contains("local minimum") && texts.contains("saddle point"));
        }
        if stem.ends_with("loss") {
            assert!(texts.contains("step"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
