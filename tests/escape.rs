//! Escaping saddles (#6): the negative-curvature step against the Taylor
//! prediction, and against gradient descent, momentum, Adam, perturbed
//! gradient descent and saddle-free Newton from the same point.

use saddlescope::{
    Architecture, CsvOptions, Dataset, EscapeSettings, Loss, Network, NetworkObjective,
    NetworkOptions, OptimizerSpec, TwiceDifferentiable, builtin, compare_escapes, escape_step,
};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

/// double_well from its saddle at 0 reaches a minimum (±1, 0), f = −1/4.
#[test]
fn double_well_escapes_to_a_minimum() {
    let f = builtin("double_well", 2).unwrap();
    let step = escape_step(&f, &[0.0, 0.0], &EscapeSettings::default()).unwrap();
    assert_eq!(step.lambda_min, -1.0);
    assert!(step.actual_change < 0.0);
    // Along x only (the eigenvector of −1), both signs are equally good.
    assert_eq!(step.direction[1], 0.0);
    let (_, runs) = compare_escapes(
        &f,
        &[0.0, 0.0],
        100,
        &OptimizerSpec::parse("gd(lr=0.1)").unwrap(),
        &EscapeSettings::default(),
    )
    .unwrap();
    let run = |m: &str| runs.iter().find(|r| r.method == m).unwrap();
    let escaped = run("escape_then_gd");
    assert!((escaped.loss + 0.25).abs() < 1e-9, "{}", escaped.loss);
    assert!((escaped.point[0].abs() - 1.0).abs() < 1e-4 && escaped.point[1].abs() < 1e-4);
    assert_eq!(escaped.losses.len(), 101);
    // Gradient descent, momentum, Adam and saddle-free Newton see a zero
    // gradient and stay; perturbed gradient descent is kicked off.
    for m in ["gd", "momentum", "adam", "saddle_free_newton"] {
        assert_eq!(run(m).loss, 0.0, "{m}");
    }
    assert!(run("pgd").loss < 0.0);
}

/// Small steps obey the Taylor prediction ½λα².
#[test]
fn the_escape_step_matches_the_taylor_prediction_when_short() {
    let f = saddlescope::Expression::parse("x^2 - 2*y^2 + y^4").unwrap();
    let step = escape_step(
        &f,
        &[0.0, 0.0],
        &EscapeSettings::default()
            .with_initial_step(1e-3)
            .unwrap()
            .with_lengthening(false),
    )
    .unwrap();
    assert_eq!(step.lambda_min, -4.0);
    let rel = (step.actual_change - step.predicted_change).abs() / step.predicted_change.abs();
    assert!(rel < 1e-3, "{rel}");
    // From a minimum there is nothing to escape along.
    let err = escape_step(&f, &[0.0, 1.0], &EscapeSettings::default()).unwrap_err();
    assert!(err.to_string().contains("not a saddle point"), "{err}");
}

/// The network at an exact saddle: iris, linear(4,5),tanh,linear(5,3), all
/// weights zero, output biases at the log class priors. The gradient is
/// zero, so gradient descent stays put; the escape step lowers the loss.
#[test]
fn a_network_at_an_exact_saddle_escapes() {
    let data =
        Dataset::from_csv(format!("{SHARED}/data/iris.csv"), &CsvOptions::default()).unwrap();
    let arch = Architecture::parse("linear(4,5),tanh,linear(5,3)").unwrap();
    let labels = data.class_labels(3).unwrap();
    let mut theta = vec![0.0; arch.n_params()];
    for k in 0..3 {
        let count = labels.iter().filter(|&&l| l == k).count() as f64;
        theta[arch.n_params() - 3 + k] = (count / data.rows() as f64).ln();
    }
    let net = Network::init(&arch, 0)
        .unwrap()
        .with_params(nalgebra::DVector::from_vec(theta.clone()))
        .unwrap();
    let f =
        NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    let (loss, g) = f.gradient(&theta).unwrap();
    assert!(g.norm() < 1e-15, "{}", g.norm());
    let (step, runs) = compare_escapes(
        &f,
        &theta,
        50,
        &OptimizerSpec::parse("adam(lr=0.01)").unwrap(),
        &EscapeSettings::default(),
    )
    .unwrap();
    let step = step.unwrap();
    assert!(step.lambda_min < 0.0);
    assert!(step.loss_after < loss, "{} vs {loss}", step.loss_after);
    let run = |m: &str| runs.iter().find(|r| r.method == m).unwrap();
    assert!(
        (run("gd").loss - loss).abs() < 1e-15,
        "gradient descent moved"
    );
    assert!(run("escape_then_adam").loss < run("adam").loss);
}
