//! Lecture claim 7 (BatchNorm and feature scales), on the example's
//! settings: the linear models' Hessians match their closed forms and
//! their condition number falls by orders of magnitude when the features
//! are standardised; a ReLU network on raw features has its curvature
//! scale cut by BatchNorm and trains with it at rates where it does not
//! without; the figures draw.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use nalgebra::{DMatrix, SymmetricEigen};
use saddlescope::lecture::batch_norm::{LinearCase, Outcome, Settings, raw_and_standardised, run};
use saddlescope::{
    Architecture, BatchNormMode, Dataset, Loss, Network, NetworkObjective, NetworkOptions,
    TwiceDifferentiable,
};

fn settings() -> Settings {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");
    Settings {
        data: format!("{shared}/breast_cancer.csv").into(),
        second_data: format!("{shared}/wine.csv").into(),
        ..Settings::default()
    }
}

fn outcome() -> &'static Outcome {
    static OUTCOME: OnceLock<Outcome> = OnceLock::new();
    OUTCOME.get_or_init(|| run(&settings()).expect("the experiment runs"))
}

/// The closed form: X̃ = [X, 1]; MSE: (2/N)·X̃ᵀX̃; BCE: (1/N)·X̃ᵀ·diag(p(1−p))·X̃
/// with p = σ(X̃θ). Eigenvalues by nalgebra (not the library's faer path).
fn closed_form(data: &Dataset, loss: Loss, theta: &[f64]) -> Vec<f64> {
    let (n, d) = (data.rows(), data.features());
    let x = DMatrix::from_fn(
        n,
        d + 1,
        |i, j| {
            if j < d { data.inputs()[(i, j)] } else { 1.0 }
        },
    );
    let weights: Vec<f64> = (0..n)
        .map(|i| match loss {
            Loss::Mse => 2.0,
            _ => {
                let z: f64 = (0..=d).map(|j| x[(i, j)] * theta[j]).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                p * (1.0 - p)
            }
        })
        .collect();
    let mut h = DMatrix::zeros(d + 1, d + 1);
    for (i, w) in weights.iter().enumerate() {
        let row = x.row(i);
        h += w / n as f64 * row.transpose() * row;
    }
    let mut e: Vec<f64> = SymmetricEigen::new(h).eigenvalues.iter().copied().collect();
    e.sort_by(f64::total_cmp);
    e
}

fn check_closed_form(c: &LinearCase) {
    let (raw, standardised, _) = raw_and_standardised(&c.path).unwrap();
    for (data, params, spectrum, what) in [
        (&raw, &c.raw_params, &c.raw, "raw"),
        (
            &standardised,
            &c.standardised_params,
            &c.standardised,
            "standardised",
        ),
    ] {
        let e = closed_form(data, c.loss, params);
        let (min, max) = (e[0], e[e.len() - 1]);
        let ctx = format!("{} {} at {} ({what})", c.data, c.model(), c.point);
        assert!(min > 0.0, "{ctx}: positive definite");
        assert!(
            (spectrum.lambda_max - max).abs() <= 1e-12 * max,
            "{ctx}: λmax {} vs closed form {max}",
            spectrum.lambda_max
        );
        // λmin carries the eigensolvers' rounding, about ε·λmax, on both
        // sides: for κ = 1e13 that is a relative 1e-3 at worst; measured,
        // the two agree to 1e-10.
        assert!(
            (spectrum.lambda_min - min).abs() <= 1e-9 * min,
            "{ctx}: λmin {} vs closed form {min}",
            spectrum.lambda_min
        );
        let kappa = max / min;
        assert!(
            (spectrum.condition_number - kappa).abs() <= 1e-9 * kappa,
            "{ctx}: κ {} vs closed form {kappa}",
            spectrum.condition_number
        );
    }
}

#[test]
fn linear_hessians_match_the_closed_forms() {
    let o = outcome();
    assert_eq!(o.linear.len(), 4);
    for c in &o.linear {
        check_closed_form(c);
    }
    // MSE's Hessian is 8× the logistic one at w = 0: the same κ.
    let (mse, bce) = (&o.linear[0], &o.linear[2]);
    assert!((mse.raw.lambda_max / bce.raw.lambda_max - 8.0).abs() < 1e-9);
    assert!(
        (mse.raw.condition_number / bce.raw.condition_number - 1.0).abs() < 1e-3,
        "{} vs {}",
        mse.raw.condition_number,
        bce.raw.condition_number
    );
}

#[test]
fn standardising_lowers_the_condition_number_by_orders_of_magnitude() {
    for c in &outcome().linear {
        let ratio = c.raw.condition_number / c.standardised.condition_number;
        assert!(
            ratio > 1e6,
            "{} {} at {}: {ratio}",
            c.data,
            c.model(),
            c.point
        );
    }
}

#[test]
fn the_fitted_model_is_one_model_in_two_coordinate_systems() {
    let c = &outcome().linear[3];
    assert_eq!((c.loss, c.point.as_str()), (Loss::Bce, "fitted model"));
    let (raw, standardised, _) = raw_and_standardised(&c.path).unwrap();
    let d = raw.features();
    let logit = |data: &Dataset, theta: &[f64], i: usize| {
        (0..d)
            .map(|j| data.inputs()[(i, j)] * theta[j])
            .sum::<f64>()
            + theta[d]
    };
    for i in 0..raw.rows() {
        let (a, b) = (
            logit(&raw, &c.raw_params, i),
            logit(&standardised, &c.standardised_params, i),
        );
        assert!(
            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
            "row {i}: {a} vs {b}"
        );
    }
}

#[test]
fn batch_norm_cuts_the_curvature_scale() {
    let o = outcome();
    let [plain, after, inputs, reference] = &o.networks[..] else {
        panic!("four networks");
    };
    assert!(!plain.batch_norm() && after.batch_norm() && inputs.batch_norm());
    assert!(reference.standardised && !plain.standardised);
    for k in 0..plain.runs.len() {
        let m: Vec<f64> = o
            .networks
            .iter()
            .map(|n| n.runs[k].curvature.abs_max)
            .collect();
        // Per seed, BatchNorm after the linear layer cuts max|λ| by 2× to
        // 850× (its λmin stays large in some seeds); on the inputs by
        // hundreds.
        assert!(m[0] > 1.5 * m[1] && m[1] > 10.0 * m[2], "seed {k}: {m:?}");
        // BatchNorm on the inputs is a learned standardisation.
        assert!((m[2] / m[3]).max(m[3] / m[2]) < 2.0, "seed {k}: {m:?}");
        // The bias before BatchNorm has no effect: a zero eigenvalue each.
        assert!(after.runs[k].curvature.zero >= 16);
    }
    let median_max =
        |n: &saddlescope::lecture::batch_norm::NetworkCase| n.median(|r| r.curvature.lambda_max);
    assert!(median_max(plain) > 10.0 * median_max(after));
    assert!(median_max(after) > 10.0 * median_max(inputs));
    // Directions flatter than tol·max|λ|: most of them without BatchNorm.
    let zero =
        |n: &saddlescope::lecture::batch_norm::NetworkCase| n.median(|r| r.curvature.zero as f64);
    assert!(zero(plain) > zero(after) && zero(after) > zero(inputs));
    assert!(zero(plain) > 0.5 * plain.runs[0].init.len() as f64);
}

#[test]
fn the_batch_norm_hessian_is_that_of_the_training_mode_loss() {
    // An independent check of the curvature the table reports: H·v of the
    // BatchNorm network (training mode, raw features) against central
    // differences of the gradient, and vᵀHv within [λmin, λmax].
    let s = settings();
    let o = outcome();
    let case = &o.networks[1];
    let run = &case.runs[0];
    let (raw, _, _) = raw_and_standardised(&s.data).unwrap();
    let arch = Architecture::parse(&case.arch).unwrap();
    let net = Network::init(&arch, run.seed).unwrap();
    assert_eq!(net.params().as_slice(), run.init.as_slice());
    let f = NetworkObjective::new(
        &net,
        &raw,
        Loss::Bce,
        NetworkOptions {
            batch_norm: BatchNormMode::Train,
            l2: 0.0,
        },
    )
    .unwrap();
    let n = run.init.len();
    let v: Vec<f64> = (0..n)
        .map(|i| ((i * 7919 % 101) as f64 - 50.0) / 50.0)
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let v: Vec<f64> = v.iter().map(|x| x / norm).collect();
    let hv = f.hvp(&run.init, &v).unwrap().product;
    let h = 1e-5;
    let at = |t: f64| {
        let p: Vec<f64> = run.init.iter().zip(&v).map(|(a, b)| a + t * b).collect();
        f.gradient(&p).unwrap().1
    };
    let fd = (at(h) - at(-h)) / (2.0 * h);
    let err = (&fd - &hv).norm() / hv.norm();
    assert!(err < 1e-7, "relative error {err}");
    let rayleigh: f64 = hv.iter().zip(&v).map(|(a, b)| a * b).sum();
    assert!(run.curvature.lambda_min <= rayleigh && rayleigh <= run.curvature.lambda_max);
}

#[test]
fn batch_norm_trains_on_raw_features_where_the_plain_network_cannot() {
    let o = outcome();
    let [plain, after, inputs, reference] = &o.networks[..] else {
        panic!("four networks");
    };
    let common = o.common;
    assert_eq!(o.lrs[common], 0.1);
    for k in 0..plain.runs.len() {
        let l: Vec<f64> = o
            .networks
            .iter()
            .map(|n| n.runs[k].curves[common].final_loss())
            .collect();
        // At η = 0.1 the plain network is stuck near the majority-class
        // loss (0.66); BatchNorm after the linear layer trains, and on the
        // inputs as well as standardising does.
        assert!(l[0] > 0.6, "seed {k}: {l:?}");
        assert!(l[1] < 0.25 && l[2] < 0.1 && l[3] < 0.1, "seed {k}: {l:?}");
        assert!(l[1] < 0.5 * l[0] && l[2] < 0.5 * l[1], "seed {k}: {l:?}");
    }
    // Over the whole learning-rate range the plain network's best is worse
    // than BatchNorm's best, which comes at a 100× larger rate or more.
    let best = |n: &saddlescope::lecture::batch_norm::NetworkCase| n.final_loss(n.best_lr());
    assert!(
        best(after) < 0.6 * best(plain),
        "{} vs {}",
        best(after),
        best(plain)
    );
    assert!(o.lrs[after.best_lr()] >= 100.0 * o.lrs[plain.best_lr()]);
    assert!((best(inputs) / best(reference)).max(best(reference) / best(inputs)) < 1.5);
}

#[test]
fn tables_and_figures() {
    let o = outcome();
    let tables = o.tables();
    assert_eq!(tables.len(), 3);
    let text: String = tables.iter().map(|t| t.to_string()).collect();
    assert!(text.contains("breast_cancer.csv") && text.contains("BatchNorm on the inputs"));
    let dir = std::env::temp_dir().join(format!("saddlescope-lecture-7-{}", std::process::id()));
    let files = o.draw(&dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "linear_spectra.svg",
            "network_spectra.svg",
            "loss_curves.svg",
            "lr_sweep.svg"
        ]
    );
    for (file, words) in files.iter().zip([
        &["linear-regression Hessian", "standardised", "wine.csv"][..],
        &["at initialisation", "BatchNorm after the linear layer"],
        &["Training loss", "its best η", "BatchNorm on the inputs"],
        &["learning rate η", "no BatchNorm, standardised features"],
    ]) {
        let text = svg_text(file);
        for w in words {
            assert!(text.contains(w), "{}: no {w:?} in {text:?}", file.display());
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Every text of an SVG, joined (it must parse as XML).
fn svg_text(path: &Path) -> String {
    common::svg_texts(path).join(" | ")
}
