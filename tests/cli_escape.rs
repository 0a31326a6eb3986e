//! `saddlescope escape` through the real binary (#6).

use std::process::Command;

use serde_json::Value;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_saddlescope"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// The network at an exact saddle: iris, linear(4,5),tanh,linear(5,3),
/// all weights zero, output biases at the log class priors.
fn saddle_checkpoint(dir: &std::path::Path) -> String {
    use saddlescope::{Architecture, Network};
    let arch = Architecture::parse("linear(4,5),tanh,linear(5,3)").unwrap();
    let mut theta = vec![0.0; arch.n_params()];
    for k in 0..3 {
        theta[arch.n_params() - 3 + k] = (50.0f64 / 150.0).ln(); // 50 rows per class
    }
    let net = Network::init(&arch, 0)
        .unwrap()
        .with_params(nalgebra::DVector::from_vec(theta))
        .unwrap();
    let path = dir.join("saddle.safetensors");
    net.save(&path, &[]).unwrap();
    path.display().to_string()
}

#[test]
fn a_network_at_an_exact_saddle_escapes_and_the_escaped_network_is_written() {
    let dir = std::env::temp_dir().join(format!("saddlescope-cli-escape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ckpt = saddle_checkpoint(&dir);
    let out = dir.join("escaped.safetensors").display().to_string();
    let iris = format!("{SHARED}/data/iris.csv");
    let j = json(&[
        "escape",
        "--checkpoint",
        &ckpt,
        "--data",
        &iris,
        "--steps",
        "30",
        "--optimizer",
        "adam(lr=0.01)",
        "--out",
        &out,
        "--json",
    ]);
    let before = j["loss_before"].as_f64().unwrap();
    assert!((before - 3f64.ln()).abs() < 1e-12);
    assert!(j["grad_norm"].as_f64().unwrap() < 1e-15);
    assert!(j["lambda_min"].as_f64().unwrap() < 0.0);
    let e = &j["escape"];
    let after = e["loss_after"].as_f64().unwrap();
    assert!(after < before, "{after} ≥ {before}");
    assert!(e["actual_change"].as_f64().unwrap() < 0.0);
    assert!(e["step_length"].as_f64().unwrap() > 0.0);
    let shares: f64 = e["direction_by_tensor"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-12);
    let runs = j["runs"].as_array().unwrap();
    let loss = |m: &str| {
        runs.iter()
            .find(|r| r["method"] == m)
            .unwrap_or_else(|| panic!("no run {m}"))["loss"]
            .as_f64()
            .unwrap()
    };
    for m in [
        "gd",
        "momentum",
        "adam",
        "pgd",
        "saddle_free_newton",
        "escape_then_adam",
    ] {
        loss(m);
    }
    assert_eq!(
        loss("gd"),
        before,
        "gradient descent stays put at a zero gradient"
    );
    assert!(loss("escape_then_adam") < loss("adam"));
    // The escaped network loads without --arch and has the escaped loss.
    let c = json(&["classify", "--checkpoint", &out, "--data", &iris, "--json"]);
    assert!((c["loss"].as_f64().unwrap() - after).abs() < 1e-12);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn escape_on_functions_and_its_errors() {
    let j = json(&[
        "escape",
        "--function",
        "double_well",
        "--at",
        "0,0",
        "--optimizer",
        "gd(lr=0.1)",
        "--steps",
        "40",
        "--json",
    ]);
    assert_eq!(j["lambda_min"], -1.0);
    assert_eq!(j["escape"]["loss_after"], -0.25);
    // At a minimum there is nothing to escape: a note, and no escape run.
    let j = json(&[
        "escape",
        "--function",
        "double_well",
        "--at",
        "1,0",
        "--steps",
        "5",
        "--json",
    ]);
    assert!(j["escape"].is_null());
    assert!(
        j["note"]
            .as_str()
            .unwrap()
            .contains("no negative curvature")
    );
    assert!(
        j["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["method"].as_str().unwrap().starts_with("escape_then"))
    );
    let (code, _, err) = run(&[
        "escape",
        "--function",
        "double_well",
        "--at",
        "0,0",
        "--out",
        "x.safetensors",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--checkpoint"), "{err}");
    let (code, _, err) = run(&[
        "escape",
        "--function",
        "double_well",
        "--at",
        "0,0",
        "--optimizer",
        "adamm",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("adam"), "{err}");
    let (code, _, _) = run(&[
        "escape",
        "--function",
        "double_well",
        "--at",
        "0,0",
        "--steps",
        "0",
    ]);
    assert_eq!(code, 2);
}

/// `find` (#6): Himmelblau's 9 critical points from 100 starts; JSON points
/// with x, grad_norm, verdict, loss.
#[test]
fn find_enumerates_himmelblau_and_finds_one_point_from_a_start() {
    let j = json(&[
        "find",
        "--function",
        "himmelblau",
        "--box=-5,5,-5,5",
        "--starts",
        "100",
        "--seed",
        "3",
        "--json",
    ]);
    let points = j["points"].as_array().unwrap();
    assert_eq!(points.len(), 9);
    let count = |v: &str| points.iter().filter(|p| p["verdict"] == v).count();
    assert_eq!(
        (
            count("local_minimum"),
            count("saddle_point"),
            count("local_maximum")
        ),
        (4, 4, 1)
    );
    for p in points {
        assert!(p["grad_norm"].as_f64().unwrap() < 1e-10);
        assert_eq!(p["x"].as_array().unwrap().len(), 2);
        assert!(p["loss"].is_number());
    }
    let j = json(&[
        "find",
        "--function",
        "double_well",
        "--from",
        "0.8,0.3",
        "--method",
        "gradnorm",
        "--json",
    ]);
    let p = &j["points"][0];
    assert_eq!(p["verdict"], "local_minimum");
    assert!((p["loss"].as_f64().unwrap() + 0.25).abs() < 1e-12);
    assert!(j["iterations"].as_u64().unwrap() > 0);
    let (code, _, err) = run(&["find", "--function", "himmelblau"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = run(&["find", "--function", "himmelblau", "--box=-5,5,-5"]);
    assert_eq!(code, 2);
    assert!(err.contains("even"), "{err}");
}
