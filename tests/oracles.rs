//! Property tests: the tape's gradient, HVP and Hessian against two
//! independent oracles — num-dual's forward-over-forward Hessian
//! (`Gradients::hessian`, HyperDual64) to 1e-10 relative, and central finite
//! differences to their own accuracy — for every built-in function and for
//! randomly generated expressions.

use nalgebra::{DMatrix, DVector};
use num_dual::Gradients;
use proptest::prelude::*;
use saddlescope::{
    Expression, Objective, builtin, builtin_functions, gradient, hessian, hvp, value,
};

/// max|a − b| / max|b| (absolute when b = 0).
fn rel(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    let err = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    if b.iter().all(|v| *v == 0.0) {
        err
    } else {
        err / scale
    }
}

/// Checks value, gradient, HVP and Hessian of `f` at `x` against
/// num-dual's forward-over-forward Hessian and central differences.
fn check<O: Objective + Sync>(f: &O, x: &[f64], v: &[f64]) -> Result<(), TestCaseError> {
    let n = x.len();
    let xv = DVector::from_column_slice(x);
    let (f0, g0, h0) = Gradients::hessian(|y: DVector<_>, _: &()| f.eval(y.as_slice()), &xv, &());

    let (fv, g) = gradient(f, x).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        (fv - f0).abs() <= 1e-12 * f0.abs().max(1.0),
        "value {fv} vs {f0}"
    );
    prop_assert!(
        rel(g.as_slice(), g0.as_slice()) <= 1e-10,
        "gradient {g} vs {g0}"
    );

    let h = hessian(f, x).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        rel(h.matrix.as_slice(), h0.as_slice()) <= 1e-10,
        "Hessian {} vs {h0}",
        h.matrix
    );
    prop_assert!(h.asymmetry <= 1e-10, "asymmetry {}", h.asymmetry);

    let r = hvp(f, x, v).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let hv0 = &h0 * DVector::from_column_slice(v);
    let scale = h0.abs().max() * v.iter().fold(0.0f64, |m, a| m.max(a.abs())) * n as f64;
    let err = (&r.product - &hv0).abs().max();
    prop_assert!(
        err <= 1e-10 * scale.max(1e-300),
        "HVP {} vs {hv0}",
        r.product
    );

    // Central differences: O(h²) truncation plus O(ε/h) round-off.
    let h_step = |xi: f64| 1e-5 * xi.abs().max(1.0);
    let mut g_fd = vec![0.0; n];
    let mut h_fd = DMatrix::zeros(n, n);
    for i in 0..n {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        let s = h_step(x[i]);
        xp[i] += s;
        xm[i] -= s;
        let (fp, gp) = gradient(f, &xp).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (fm, gm) = gradient(f, &xm).map_err(|e| TestCaseError::fail(e.to_string()))?;
        g_fd[i] = (fp - fm) / (2.0 * s);
        h_fd.set_column(i, &((gp - gm) / (2.0 * s)));
    }
    let g_scale = g0.abs().max().max(f0.abs()).max(1.0);
    let g_err = g
        .iter()
        .zip(&g_fd)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    prop_assert!(
        g_err <= 1e-6 * g_scale,
        "gradient vs central differences: {g} vs {g_fd:?}"
    );
    let h_scale = h0.abs().max().max(g_scale);
    prop_assert!(
        (&h.matrix - &h_fd).abs().max() <= 1e-5 * h_scale,
        "Hessian vs central differences: {} vs {h_fd}",
        h.matrix
    );
    Ok(())
}

/// Fixed seeds: CI sees the same cases every run (set PROPTEST_RNG_SEED
/// or change the seed to explore others).
fn seeded(cases: u32) -> ProptestConfig {
    ProptestConfig {
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261126),
        ..ProptestConfig::with_cases(cases)
    }
}

fn coordinates(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-2.0f64..2.0, n)
}

proptest! {
    #![proptest_config(seeded(64))]

    #[test]
    fn every_builtin_agrees_with_both_oracles(
        which in 0usize..64,
        n_any in 2usize..7,
        x in coordinates(6),
        v in coordinates(6),
    ) {
        let infos = builtin_functions();
        let info = &infos[which % infos.len()];
        let n = info.dims.pick(n_any);
        let f = builtin(info.name, n).unwrap();
        check(&f, &x[..n], &v[..n])?;
    }
}

/// Random expressions in x, y, z that are smooth and finite on [−2, 2]³:
/// logarithms, square roots and quotients only of arguments ≥ 1.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("z".to_string()),
        (0.25f64..3.0).prop_map(|c| format!("{c:.3}")),
        Just("pi".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} * {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} / (1 + ({b})^2)")),
            (inner.clone(), 2i32..4).prop_map(|(a, k)| format!("({a})^{k}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("sin({a})")),
            inner.clone().prop_map(|a| format!("cos({a})")),
            inner.clone().prop_map(|a| format!("tanh({a})")),
            inner.clone().prop_map(|a| format!("exp(tanh({a}))")),
            inner.clone().prop_map(|a| format!("sigmoid({a})")),
            inner.clone().prop_map(|a| format!("softplus({a})")),
            inner.clone().prop_map(|a| format!("ln(1 + ({a})^2)")),
            inner.clone().prop_map(|a| format!("log(2 + sin({a}))")),
            inner.clone().prop_map(|a| format!("sqrt(1 + ({a})^2)")),
            inner.clone().prop_map(|a| format!("tan(0.5 * tanh({a}))")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("(1 + ({a})^2)^(sin({b}))")),
        ]
    })
}

proptest! {
    #![proptest_config(seeded(512))]

    #[test]
    fn random_expressions_agree_with_both_oracles(
        src in expression(),
        x in coordinates(3),
        v in coordinates(3),
    ) {
        let e = Expression::parse_with_vars(&src, &["x", "y", "z"]).unwrap();
        prop_assume!(value(&e, &x).map(|f| f.abs() < 1e6).unwrap_or(false));
        check(&e, &x, &v)?;
    }
}
