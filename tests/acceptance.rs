//! The foundation issue's acceptance cases, through the library.

use saddlescope::{AnalysisSettings, Expression, Verdict, analyze, builtin, gradient, hessian};

fn settings() -> AnalysisSettings {
    AnalysisSettings::default()
}

#[test]
fn x2_minus_y2_at_the_origin_is_a_saddle_with_eigenvalues_minus_2_and_2() {
    let f = Expression::parse("x^2 - y^2").unwrap();
    let a = analyze(&f, &[0.0, 0.0], &settings()).unwrap();
    assert_eq!(a.classification.verdict, Verdict::SaddlePoint);
    assert_eq!(a.spectrum.eigenvalues.as_slice(), &[-2.0, 2.0]);
}

#[test]
fn the_monkey_saddle_at_the_origin_is_degenerate() {
    for f in [
        saddlescope_problem("x^3 - 3*x*y^2"),
        Problem::Builtin(builtin("monkey_saddle", 2).unwrap()),
    ] {
        let a = f.analyze(&[0.0, 0.0]);
        assert_eq!(a.classification.verdict, Verdict::Degenerate);
        assert_eq!(a.classification.counts.zero, 2);
    }
}

#[test]
fn rosenbrock_at_one_one_is_a_minimum_with_the_known_eigenvalues() {
    let f = builtin("rosenbrock", 2).unwrap();
    let a = analyze(&f, &[1.0, 1.0], &settings()).unwrap();
    assert_eq!(a.classification.verdict, Verdict::LocalMinimum);
    // H = [[802, −400], [−400, 200]]: λ = 501 ∓ √(301² + 400²).
    let exact = [501.0 - 250_601f64.sqrt(), 501.0 + 250_601f64.sqrt()];
    assert!((exact[0] - 0.399_360_767).abs() < 1e-9);
    assert!((exact[1] - 1_001.600_639).abs() < 1e-6);
    for (got, want) in a.spectrum.eigenvalues.iter().zip(exact) {
        assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
    }
}

/// Newton's method on ∇f = 0 with saddlescope's own Hessian, from rough
/// starting points: the 9 critical points of Himmelblau's function found
/// independently of the coordinates documented in the library.
#[test]
fn all_nine_critical_points_of_himmelblau_are_classified() {
    let f = builtin("himmelblau", 2).unwrap();
    let starts = [
        (3.0, 2.0),
        (-2.8, 3.1),
        (-3.8, -3.3),
        (3.6, -1.8),
        (-0.27, -0.92),
        (0.09, 2.88),
        (-3.07, -0.08),
        (3.39, 0.07),
        (-0.13, -1.95),
    ];
    let mut found = Vec::new();
    for (x0, y0) in starts {
        let mut x = [x0, y0];
        for _ in 0..50 {
            let h = hessian(&f, &x).unwrap();
            let step = h.matrix.clone().lu().solve(&h.gradient).unwrap();
            x[0] -= step[0];
            x[1] -= step[1];
        }
        let (_, g) = gradient(&f, &x).unwrap();
        assert!(
            g.norm() < 1e-10,
            "Newton from ({x0}, {y0}) ended at ‖g‖ = {}",
            g.norm()
        );
        let a = analyze(&f, &x, &settings()).unwrap();
        found.push((x, a.classification.verdict));
    }
    for (i, (a, _)) in found.iter().enumerate() {
        for (b, _) in &found[i + 1..] {
            let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
            assert!(d > 0.1, "two starts converged to the same point {a:?}");
        }
    }
    let count = |v| found.iter().filter(|(_, k)| *k == v).count();
    assert_eq!(count(Verdict::LocalMinimum), 4);
    assert_eq!(count(Verdict::SaddlePoint), 4);
    assert_eq!(count(Verdict::LocalMaximum), 1);
}

#[test]
fn the_double_well_saddle_escapes_along_x() {
    let f = builtin("double_well", 2).unwrap();
    let a = analyze(&f, &[0.0, 0.0], &settings()).unwrap();
    assert_eq!(a.classification.verdict, Verdict::SaddlePoint);
    let e = a.classification.escape.as_ref().unwrap();
    assert_eq!(e.lambda, -1.0);
    assert_eq!(e.direction[0].abs(), 1.0);
    assert_eq!(e.direction[1], 0.0);
    assert!((e.predicted_change(0.1) + 0.005).abs() < 1e-15);
    let check = a.escape_check.unwrap();
    assert!(check.actual_change < 0.0);
}

/// An expression and a built-in side by side.
enum Problem {
    Expression(Expression),
    Builtin(saddlescope::Function),
}

fn saddlescope_problem(src: &str) -> Problem {
    Problem::Expression(Expression::parse(src).unwrap())
}

impl Problem {
    fn analyze(&self, x: &[f64]) -> saddlescope::Analysis {
        match self {
            Problem::Expression(e) => analyze(e, x, &settings()).unwrap(),
            Problem::Builtin(f) => analyze(f, x, &settings()).unwrap(),
        }
    }
}
