//! The real binary's `diagnose`, as a user types it: the table and the
//! verdict, the `--json` contract, the files of `--out`, and the errors —
//! each saying what was expected and what was found.

use std::path::PathBuf;
use std::process::Command;
mod common;

use serde_json::Value;

use common::{json, saddlescope, stderr, stdout, success};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
const IRIS_ARCH: &str = "linear(4,16),tanh,linear(16,3)";

fn iris() -> String {
    format!("{SHARED}/data/iris.csv")
}

/// Runs, expects exit code 2, a one-line `saddlescope: ` message naming
/// every needle, and nothing on stdout.
fn usage_error<S: AsRef<str>>(args: &[S], needles: &[&str]) {
    let args: Vec<&str> = args.iter().map(|a| a.as_ref()).collect();
    let o = saddlescope(&args);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: stdout {} stderr {err}",
        stdout(&o)
    );
    assert!(err.starts_with("saddlescope: "), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(stdout(&o).is_empty(), "{args:?} printed {}", stdout(&o));
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in:\n{err}");
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "saddlescope-cli-diagnose-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_default_run_prints_the_variants_the_reasoning_and_the_verdict() {
    let out = success(&["diagnose", "--data", &iris(), "--arch", IRIS_ARCH]);
    for needle in [
        "120 training rows; validation: 0.2 of the rows held out (seed 0), 30 rows",
        "cross-entropy loss, adam(lr=0.01), 100 epochs, batches of 32, seed 0",
        "shallower, narrower  4-3",
        "given                4-16-3",
        "deeper, wider        4-32×2-3",
        "linear(4,32),tanh,linear(32,32),tanh,linear(32,3)",
        "Criteria (B = 1.097)",
        "training loss is high above 0.1097 = 0.1·B",
        "1. training loss of the given network",
        "Diagnosis — fine:",
        "Next: ",
    ] {
        assert!(out.contains(needle), "expected {needle:?} in:\n{out}");
    }
}

#[test]
fn json_is_the_report_with_its_evidence() {
    // A linear model on two moons: model bias (lecture 1, case (a)).
    let j = json(&[
        "diagnose",
        "--data",
        "builtin:moons(n=400)",
        "--arch",
        "linear(2,2)",
        "--holdout",
        "0.25",
        "--optimizer",
        "adam(lr=0.05)",
        "--json",
    ]);
    let r = &j["report"];
    assert_eq!(j["out"], Value::Null);
    assert_eq!(r["train_rows"], 300);
    assert_eq!(r["val_rows"], 100);
    assert_eq!(r["optimizer"], "adam(lr=0.05)");
    assert_eq!(r["loss"], "cross-entropy");
    assert_eq!(r["epochs"], 100);
    let variants = r["variants"].as_array().unwrap();
    let roles: Vec<&str> = variants
        .iter()
        .map(|v| v["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["given", "bigger"],
        "a linear model has no smaller variant"
    );
    assert_eq!(variants[1]["architecture"], "linear(2,4),tanh,linear(4,2)");
    for v in variants {
        assert_eq!(v["report"]["epochs"].as_array().unwrap().len(), 100);
        assert_eq!(v["epochs"], 100);
        for key in [
            "train_loss",
            "val_loss",
            "best_val_loss",
            "params",
            "seconds",
        ] {
            assert!(v[key].is_number(), "{key}: {}", v[key]);
        }
    }
    let d = &r["diagnosis"];
    assert_eq!(d["kind"], "model_bias");
    assert_eq!(d["given_loss"], variants[0]["train_loss"]);
    assert_eq!(d["bigger_loss"], variants[1]["train_loss"]);
    let b = r["baseline"]["loss"].as_f64().unwrap();
    assert!((b - 2f64.ln()).abs() < 0.01, "moons are balanced: B = {b}");
    assert!(d["given_loss"].as_f64().unwrap() > r["criteria"]["high_loss"].as_f64().unwrap() * b);
    assert!(
        r["explanation"]
            .as_str()
            .unwrap()
            .starts_with("model bias: ")
    );
    assert!(r["reasoning"].as_array().unwrap().len() >= 3);
}

#[test]
fn the_numbers_do_not_depend_on_the_thread_count() {
    let args = [
        "diagnose",
        "--data",
        "builtin:moons(n=200)",
        "--arch",
        "linear(2,8),tanh,linear(8,8),tanh,linear(8,2)",
        "--optimizer",
        "sgd(lr=0.1)",
        "--epochs",
        "15",
        "--json",
    ];
    let losses = |threads: &str| -> Vec<Value> {
        let o = Command::new(env!("CARGO_BIN_EXE_saddlescope"))
            .args(args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
        j["report"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| serde_json::json!([v["train_loss"], v["val_loss"], v["grad_norm"]]))
            .collect()
    };
    assert_eq!(losses("1"), losses("3"));
}

#[test]
fn out_keeps_the_runs_and_the_report_and_is_not_overwritten() {
    let dir = temp("out");
    let d = dir.to_str().unwrap();
    let args = [
        "diagnose",
        "--data",
        &iris(),
        "--arch",
        IRIS_ARCH,
        "--epochs",
        "5",
        "--validation",
        &iris(),
        "--out",
        d,
    ];
    let out = success(&args);
    assert!(out.contains(&format!("{d}/diagnosis.json")), "{out}");
    for run in ["smaller", "given", "bigger"] {
        assert!(dir.join(run).join("model.safetensors").exists(), "{run}");
        assert!(dir.join(run).join("epochs.csv").exists(), "{run}");
    }
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("diagnosis.json")).unwrap())
            .unwrap();
    assert_eq!(saved["report"]["val_rows"], 150, "the --validation file");
    assert_eq!(saved["report"]["epochs"], 5);
    usage_error(
        &args,
        &["already holds a diagnosis", "choose another --out"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Raw breast-cancer features span five decades: a high loss comes with the
/// advice to standardise first; standardised, the advice is gone.
#[test]
fn features_on_unequal_scales_get_the_advice_to_standardise() {
    let data = format!("{SHARED}/data/breast_cancer.csv");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "diagnose",
            "--data",
            &data,
            "--arch",
            "linear(30,8),relu,linear(8,2)",
            "--epochs",
            "30",
            "--json",
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let raw = json(&args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    let advice = raw["report"]["advice"].as_str().unwrap();
    assert_ne!(raw["report"]["diagnosis"]["kind"], "fine", "{raw}");
    assert!(
        advice.starts_with("first standardise the features (--standardize)"),
        "{advice}"
    );
    assert!(advice.contains("×2.276e5"), "{advice}");
    let standardised = json(
        &args(&["--standardize"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let advice = standardised["report"]["advice"].as_str().unwrap();
    assert!(!advice.contains("standardise the features"), "{advice}");
}

#[test]
fn errors_say_what_was_expected_and_what_was_found() {
    let base = |extra: &[&str]| -> Vec<String> {
        ["diagnose", "--data", &iris()]
            .iter()
            .chain(extra)
            .map(|a| a.to_string())
            .collect()
    };
    usage_error(
        &[
            "diagnose",
            "--data",
            "no/such/file.csv",
            "--arch",
            IRIS_ARCH,
        ],
        &[
            "--data no/such/file.csv",
            "expected a CSV file",
            "cannot read no/such/file.csv",
        ],
    );
    usage_error(
        &base(&["--arch", "linear(5,16),tanh,linear(16,3)"]),
        &[
            "`linear(5,16),tanh,linear(16,3)`",
            "expected 5 feature columns, found 4",
        ],
    );
    usage_error(
        &base(&["--arch", IRIS_ARCH, "--optimizer", "adamm(lr=0.01)"]),
        &["unknown optimizer `adamm`", "known: ", "adam"],
    );
    usage_error(
        &base(&["--arch", IRIS_ARCH, "--holdout", "1.5"]),
        &["--holdout", "expected a fraction 0 < F < 1", "got 1.5"],
    );
    usage_error(
        &base(&["--arch", IRIS_ARCH, "--holdout", "0"]),
        &["--holdout", "got 0"],
    );
    usage_error(
        &base(&["--arch", IRIS_ARCH, "--validation", "0.2"]),
        &[
            "--validation takes a CSV file",
            "got the number 0.2",
            "--holdout 0.2",
        ],
    );
    usage_error(
        &base(&[
            "--arch",
            IRIS_ARCH,
            "--validation",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/wine.csv"),
        ]),
        &["validation set", "expected 4 feature columns", "found 13"],
    );
    usage_error(
        &base(&["--arch", IRIS_ARCH, "--margin", "1"]),
        &["margin", "0 < margin < 1", "got 1"],
    );
    usage_error(
        &base(&["--arch", "linear(4,2)"]),
        &["label 2 is out of range for a network with 2 outputs"],
    );
    usage_error(&base(&["--arch", "batchnorm(4)"]), &["has no linear layer"]);
    // clap's own: both sources of validation rows.
    let o = saddlescope(&base(&[
        "--arch",
        IRIS_ARCH,
        "--holdout",
        "0.2",
        "--validation",
        "x.csv",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}
