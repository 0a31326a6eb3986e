//! Lecture 1: the three diagnoses come out as claimed on the default
//! settings (default seed; the robustness seeds are the example's), and the
//! numbers they rest on agree with independent computations.

mod common;

use std::path::PathBuf;

use saddlescope::lecture::diagnose::{Rows, Settings, run};
use saddlescope::{
    Architecture, CsvOptions, Diagnosis, Loss, Method, Network, NetworkObjective, NetworkOptions,
    TwiceDifferentiable, VariantRole, descend, load_dataset, symmetric_eigen,
};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "saddlescope-lecture-1-{name}-{}",
        std::process::id()
    ))
}

use common::svg_texts;

fn has(texts: &[String], needle: &str, file: &str) {
    assert!(
        texts.iter().any(|t| t.contains(needle)),
        "{file}: no text contains {needle:?}: {texts:?}"
    );
}

#[test]
fn each_case_is_diagnosed_as_the_lecture_claims() {
    let runs = temp("runs");
    let _ = std::fs::remove_dir_all(&runs);
    let mut settings = Settings {
        seeds: Vec::new(),
        ..Settings::default()
    };
    // Keep case (a)'s runs, to check its numbers from the saved model.
    settings.model_bias.diagnose.out = Some(runs.clone());
    let outcome = run(&settings).unwrap();
    assert_eq!(outcome.cases.len(), 3);
    for c in &outcome.cases {
        assert!(
            c.as_claimed(),
            "{}: expected {}, diagnosed {}\n{}",
            c.title,
            c.expected,
            c.report.diagnosis.name(),
            c.report.reasoning.join("\n")
        );
    }
    let [bias, optimisation, overfitting] = [0, 1, 2].map(|k| &outcome.cases[k].report);

    // (a) The linear model's loss is high; one hidden layer of 4 fits.
    let b = bias.baseline.loss;
    let given = bias.given();
    let bigger = bias.variant(VariantRole::Bigger).unwrap();
    assert!(bias.variant(VariantRole::Smaller).is_none());
    assert_eq!(given.hidden_layers, 0);
    assert!(given.train_loss > 0.3 * b, "{} vs B {b}", given.train_loss);
    assert!(bigger.train_loss < 0.05 * b, "{}", bigger.train_loss);
    let Diagnosis::ModelBias {
        given_loss,
        bigger_loss,
    } = bias.diagnosis
    else {
        panic!("{:?}", bias.diagnosis)
    };
    assert_eq!(
        (given_loss, bigger_loss),
        (given.train_loss, bigger.train_loss)
    );

    // (b) The 12-layer network ends near the constant prediction, its
    // 6-layer variant near zero.
    let b = optimisation.baseline.loss;
    let given = optimisation.given();
    let smaller = optimisation.variant(VariantRole::Smaller).unwrap();
    assert_eq!((given.hidden_layers, smaller.hidden_layers), (12, 6));
    assert!(given.train_loss > 0.5 * b, "{} vs B {b}", given.train_loss);
    assert!(smaller.train_loss < 0.1 * b, "{}", smaller.train_loss);
    assert!(matches!(
        optimisation.diagnosis,
        Diagnosis::OptimizationIssue {
            deeper: VariantRole::Given,
            shallower: VariantRole::Smaller,
            ..
        }
    ));
    // … and the same network trains with Adam at η = 0.001.
    assert_eq!(outcome.remedy.report.diagnosis.name(), "fine");
    assert!(outcome.remedy.report.given().train_loss < 0.1 * b);

    // (c) 60 rows, 19,210 parameters: memorised, not learnt.
    let b = overfitting.baseline.loss;
    let given = overfitting.given();
    assert_eq!((overfitting.train_rows, overfitting.val_rows), (60, 300));
    assert_eq!(given.params, 19_210);
    assert!(given.train_loss < 0.01 * b);
    assert!(given.val_loss - given.train_loss > 0.2 * b);
    assert_eq!(given.train_accuracy, Some(1.0));
    assert!(
        given.best_val_epoch < given.epochs,
        "validation loss rose again"
    );

    // The summary counts the default seed.
    for r in &outcome.robustness {
        assert_eq!(r.seeds.len(), 1);
        assert_eq!(r.matched(), 1, "{}", r.title);
    }

    // Oracles for case (a) on its own training split.
    let case = &settings.model_bias;
    let data = load_dataset(&case.data, &CsvOptions::default(), 0).unwrap();
    let Rows::Holdout(f) = case.rows else {
        panic!("case (a) holds out rows")
    };
    let (train, _) = data.split(f, case.diagnose.seed).unwrap();
    let arch = Architecture::parse("linear(2,2)").unwrap();

    // 1. The baseline is the loss of a linear model that ignores its inputs:
    //    zero weights, biases ln p (p the class frequencies).
    let n1 = train.targets().iter().filter(|&&y| y == 1.0).count() as f64;
    let p1 = n1 / train.rows() as f64;
    let entropy = -(p1 * p1.ln() + (1.0 - p1) * (1.0 - p1).ln());
    assert!((bias.baseline.loss - entropy).abs() < 1e-12);
    let constant = Network::init(&arch, 0)
        .unwrap()
        .with_params(nalgebra::DVector::from_vec(vec![
            0.0,
            0.0,
            0.0,
            0.0,
            (1.0 - p1).ln(),
            p1.ln(),
        ]))
        .unwrap();
    let f = NetworkObjective::new(
        &constant,
        &train,
        Loss::CrossEntropy,
        NetworkOptions::default(),
    )
    .unwrap();
    let theta = f.params().as_slice().to_vec();
    assert!((f.value(&theta).unwrap() - bias.baseline.loss).abs() < 1e-12);

    // 2. The linear model's loss is convex: L-BFGS from zero finds its
    //    global minimum, which Adam's run reached, and which is itself high
    //    — so its high loss is the model's limit, not the optimiser's.
    let trained = Network::read(runs.join("given").join("model.safetensors"), Some(&arch)).unwrap();
    let f = NetworkObjective::new(
        &trained,
        &train,
        Loss::CrossEntropy,
        NetworkOptions::default(),
    )
    .unwrap();
    let theta = f.params().as_slice().to_vec();
    assert!((f.value(&theta).unwrap() - bias.given().train_loss).abs() < 1e-12);
    let best = descend(
        &f,
        &Method::parse("newton_cg").unwrap(),
        None,
        &[0.0; 6],
        200,
    )
    .unwrap();
    assert!(best.value <= bias.given().train_loss + 1e-9);
    assert!(
        bias.given().train_loss - best.value < 0.01 * best.value,
        "Adam {} vs the minimum {}",
        bias.given().train_loss,
        best.value
    );
    assert!(best.value > 0.1 * bias.baseline.loss);
    let (_, g) = f.gradient(&best.x).unwrap();
    assert!(g.norm() < 1e-5, "‖∇L‖ = {}", g.norm());
    let h = f.hessian(&best.x).unwrap();
    let spectrum = symmetric_eigen(&h.matrix).unwrap();
    assert!(
        spectrum.eigenvalues.iter().all(|&l| l > -1e-9),
        "{:?}",
        spectrum.eigenvalues
    );
    let _ = std::fs::remove_dir_all(&runs);

    // Figures.
    let dir = temp("figures");
    let paths = outcome.draw(&dir).unwrap();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "curves_model_bias.svg",
            "curves_optimisation.svg",
            "curves_overfitting.svg",
            "final_losses.svg"
        ]
    );
    for (p, title) in paths.iter().zip([
        "(a) model bias",
        "(b) optimisation issue",
        "(c) overfitting",
        "Final training and validation loss",
    ]) {
        let file = p.display().to_string();
        let texts = svg_texts(p);
        has(&texts, title, &file);
        if !file.ends_with("final_losses.svg") {
            has(&texts, "epoch", &file);
            has(&texts, "given", &file);
            has(&texts, "deeper, wider", &file);
            has(&texts, "baseline B", &file);
        }
    }
    let texts = svg_texts(&paths[1]);
    has(
        &texts,
        "shallower, narrower 2-8×6-2: training",
        "curves_optimisation.svg",
    );
    has(
        &texts,
        "given, adam(lr=1e-3): training",
        "curves_optimisation.svg",
    );
    let texts = svg_texts(&paths[3]);
    for needle in [
        "(a) model bias: training",
        "(c) overfitting: validation",
        "loss / baseline B",
        "parameters",
    ] {
        has(&texts, needle, "final_losses.svg");
    }
    let _ = std::fs::remove_dir_all(&dir);

    // The tables: one per case and its reasoning, the remedy, the summary.
    let tables = outcome.tables();
    assert_eq!(tables.len(), 8);
    assert!(tables[2].title().contains("diagnosis: optimisation issue"));
    assert_eq!(tables[2].rows().len(), 3);
}

#[test]
fn a_case_asking_for_more_rows_than_the_data_has_is_refused() {
    let mut settings = Settings {
        seeds: Vec::new(),
        ..Settings::default()
    };
    settings.overfitting.rows = Rows::Sample {
        train: 2000,
        validation: 300,
    };
    let err = run(&settings).unwrap_err().to_string();
    assert!(err.contains("1797 in all, got 2000 + 300"), "{err}");
}
