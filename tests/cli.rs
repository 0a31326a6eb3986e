//! The real binary, as a user types it.

mod common;

use serde_json::Value;

use common::{json, saddlescope, stderr, stdout};

/// Runs, expects exit code 2 and a `saddlescope: ` message; returns stderr.
fn usage_error(args: &[&str]) -> String {
    let o = saddlescope(args);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: stdout {} stderr {err}",
        stdout(&o)
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    err
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn classify_json_follows_the_contract() {
    let j = json(&["classify", "--expr", "x^2 - y^2", "--at", "0,0", "--json"]);
    assert_eq!(j["verdict"], "saddle_point");
    assert_eq!(j["n_params"], 2);
    assert_eq!(j["loss"], 0.0);
    assert_eq!(floats(&j["gradient"]), vec![0.0, 0.0]);
    assert_eq!(j["grad_norm"], 0.0);
    assert_eq!(floats(&j["eigenvalues"]), vec![-2.0, 2.0]);
    assert_eq!(j["counts"]["negative"], 1);
    assert_eq!(j["counts"]["zero"], 0);
    assert_eq!(j["counts"]["positive"], 1);
    assert_eq!(j["index"], 0.5);
    assert_eq!(j["min_ratio"], 0.5);
    assert_eq!(j["lambda_min"], -2.0);
    assert_eq!(j["lambda_max"], 2.0);
    assert_eq!(j["condition_number"], 1.0);
    let u = floats(&j["escape_direction"]);
    assert_eq!(u[0], 0.0);
    assert_eq!(u[1].abs(), 1.0);
    assert_eq!(j["tolerances"]["grad"], 1e-4);
    assert_eq!(j["tolerances"]["eig"], 1e-9);
    for t in ["gradient_s", "hessian_s", "eigen_s", "total_s"] {
        assert!(j["timings"][t].as_f64().unwrap() >= 0.0, "timings.{t}");
    }
    // x² − y² is quadratic: the Taylor prediction is exact.
    assert_eq!(
        j["escape"]["predicted_change"],
        j["escape"]["actual_change"]
    );
}

#[test]
fn classify_reads_negative_coordinates_as_typed() {
    let j = json(&[
        "classify",
        "--function",
        "rosenbrock",
        "--at",
        "-1.5,2",
        "--json",
    ]);
    assert_eq!(j["verdict"], "not_critical");
    assert_eq!(j["n_params"], 2);
    let j = json(&[
        "classify",
        "--function",
        "rosenbrock",
        "--at=-1.5,2,-0.5",
        "--json",
    ]);
    assert_eq!(j["n_params"], 3);
}

#[test]
fn the_himmelblau_maximum_typed_to_six_digits_is_a_maximum() {
    let o = saddlescope(&[
        "classify",
        "--function",
        "himmelblau",
        "--at",
        "-0.270845,-0.923039",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("LOCAL_MAXIMUM"), "{table}");
    assert!(table.contains("eigenvalues"), "{table}");
}

/// Regression (newcomer review): with a relative zero tolerance of 1e-6 the
/// default hid the way down of a saddle with one strong direction.
#[test]
fn strong_curvature_does_not_hide_a_saddle() {
    let j = json(&[
        "classify",
        "--expr",
        "1e7*x^2 - y^2",
        "--at",
        "0,0",
        "--json",
    ]);
    assert_eq!(j["verdict"], "saddle_point");
    let j = json(&[
        "classify",
        "--expr",
        "1e6*x^2 + y^2",
        "--at",
        "0,0",
        "--json",
    ]);
    assert_eq!(j["verdict"], "local_minimum");
    assert_eq!(j["condition_number"], 1e6);
}

#[test]
fn the_monkey_saddle_is_degenerate_and_has_no_condition_number() {
    let j = json(&[
        "classify",
        "--expr",
        "x^3 - 3*x*y^2",
        "--at",
        "0,0",
        "--json",
    ]);
    assert_eq!(j["verdict"], "degenerate");
    assert_eq!(j["counts"]["zero"], 2);
    assert!(j["condition_number"].is_null());
    assert!(j["escape_direction"].is_null());
}

#[test]
fn vars_fix_the_variable_order() {
    let j = json(&[
        "classify",
        "--expr",
        "y^2 - x^2",
        "--vars",
        "y,x",
        "--at",
        "0,0",
        "--json",
    ]);
    // In the order (y, x), f = y² − x² has eigenvalues −2 (x) and 2 (y).
    assert_eq!(
        floats(&j["escape_direction"])
            .iter()
            .map(|v| v.abs())
            .collect::<Vec<_>>(),
        vec![0.0, 1.0]
    );
}

#[test]
fn functions_lists_every_builtin_and_its_verdicts_agree() {
    let j = json(&["functions", "--json"]);
    let names: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for name in [
        "rosenbrock",
        "himmelblau",
        "six_hump_camel",
        "monkey_saddle",
        "saddle",
        "double_well",
        "rastrigin",
        "beale",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for f in j.as_array().unwrap() {
        for p in f["critical_points"].as_array().unwrap() {
            assert_eq!(p["verdict"], p["documented"], "{} at {}", f["name"], p["x"]);
        }
    }
    let table = stdout(&saddlescope(&["functions"]));
    assert!(table.contains("himmelblau"), "{table}");
}

#[test]
fn an_unparsable_expression_shows_a_caret() {
    let err = usage_error(&["classify", "--expr", "x^2 - * y", "--at", "0,0"]);
    assert!(err.starts_with("saddlescope: "), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let expr_line = lines
        .iter()
        .position(|l| l.contains("x^2 - * y"))
        .expect("expression shown");
    let caret = lines[expr_line + 1];
    let col = caret.find('^').expect("caret line");
    assert_eq!(&lines[expr_line][col..col + 1], "*", "{err}");
}

#[test]
fn a_wrong_number_of_coordinates_is_named() {
    let err = usage_error(&["classify", "--expr", "x^2 - y^2", "--at", "1,2,3"]);
    assert!(err.contains("expected 2 coordinates, found 3"), "{err}");
    let err = usage_error(&["classify", "--function", "himmelblau", "--at", "1"]);
    assert!(err.contains("expected 2 coordinates, found 1"), "{err}");
    let err = usage_error(&["classify", "--function", "himmelblau", "--at", "1,x"]);
    assert!(err.contains("coordinate 2 is `x`"), "{err}");
}

#[test]
fn an_unknown_function_lists_the_known_ones() {
    let err = usage_error(&["classify", "--function", "himmelbalu", "--at", "0,0"]);
    assert!(err.contains("himmelbalu"), "{err}");
    for name in ["rosenbrock", "himmelblau", "beale", "double_well"] {
        assert!(err.contains(name), "{name} not listed: {err}");
    }
}

#[test]
fn non_finite_values_and_derivatives_are_refused() {
    let err = usage_error(&["classify", "--expr", "ln(x) + y", "--at", "-1,0"]);
    assert!(err.contains("not finite"), "{err}");
    // sqrt is finite at 0 but its derivative is not.
    let err = usage_error(&["classify", "--expr", "sqrt(x)", "--at", "0"]);
    assert!(err.contains("gradient is not finite"), "{err}");
}

#[test]
fn bad_settings_and_usage_exit_with_2() {
    let err = usage_error(&["classify", "--expr", "x^2", "--at", "0", "--grad-tol", "-1"]);
    assert!(err.contains("grad_tol"), "{err}");
    let err = usage_error(&["classify", "--expr", "x^2", "--at", "0", "--eig-tol", "2"]);
    assert!(err.contains("eig_tol"), "{err}");
    usage_error(&["classify", "--expr", "x^2"]);
    usage_error(&["classify", "--at", "0"]);
    usage_error(&[
        "classify",
        "--expr",
        "x",
        "--function",
        "saddle",
        "--at",
        "0",
    ]);
    usage_error(&["frobnicate"]);
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");
const IRIS_ARCH: &str = "linear(4,8),tanh,linear(8,3)";

fn iris_ckpt() -> String {
    format!("{FIXTURES}/iris_4-8-3_tanh.safetensors")
}

fn iris_csv() -> String {
    format!("{DATA}/iris.csv")
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("saddlescope-cli-{}-{name}", std::process::id()))
}

#[test]
fn classify_checkpoint_json_extends_the_contract() {
    let j = json(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
        "--data",
        &iris_csv(),
        "--json",
    ]);
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/iris_4-8-3_tanh.json")).unwrap(),
    )
    .unwrap();
    let want = meta["expected"]["loss"].as_f64().unwrap();
    assert!((j["loss"].as_f64().unwrap() - want).abs() <= 1e-12 * want);
    assert_eq!(j["n_params"], 67);
    assert_eq!(j["loss_fn"], "cross-entropy");
    assert_eq!(j["arch"], IRIS_ARCH);
    assert_eq!(j["dataset"]["rows"], 150);
    assert!(j["dataset"]["path"].as_str().unwrap().ends_with("iris.csv"));
    assert_eq!(j["eigenvalues"].as_array().unwrap().len(), 67);
    // ‖∇L‖ = 0.086 at this checkpoint: training had not reached a critical point.
    assert_eq!(j["verdict"], "not_critical");
    for t in ["gradient_s", "hessian_s", "eigen_s", "total_s"] {
        assert!(j["timings"][t].as_f64().is_some(), "timings.{t}");
    }
}

#[test]
fn saddlescope_checkpoints_load_without_arch() {
    use saddlescope::{Architecture, Network};
    let net = Network::read(iris_ckpt(), Some(&Architecture::parse(IRIS_ARCH).unwrap())).unwrap();
    let path = temp("own.safetensors");
    net.save(&path, &[("saddlescope.loss", "cross-entropy")])
        .unwrap();
    let j = json(&[
        "classify",
        "--checkpoint",
        path.to_str().unwrap(),
        "--data",
        &iris_csv(),
        "--json",
    ]);
    assert_eq!(j["arch"], IRIS_ARCH);
    assert_eq!(j["n_params"], 67);
    // Read back, the same bits.
    let back = Network::read(&path, None).unwrap();
    assert_eq!(back.params().as_slice(), net.params().as_slice());
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_checkpoint_without_arch_metadata_needs_arch() {
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--data",
        &iris_csv(),
    ]);
    assert!(err.contains("--arch"), "{err}");
}

#[test]
fn checkpoint_errors_name_tensors_and_shapes() {
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        "linear(4,9),tanh,linear(9,3)",
        "--data",
        &iris_csv(),
    ]);
    assert!(
        err.contains("0.weight") && err.contains("[9, 4]") && err.contains("[8, 4]"),
        "{err}"
    );
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        "/nonexistent/model.safetensors",
        "--arch",
        IRIS_ARCH,
        "--data",
        &iris_csv(),
    ]);
    assert!(err.contains("/nonexistent/model.safetensors"), "{err}");
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        "linear(4,8),tahn,linear(8,3)",
        "--data",
        &iris_csv(),
    ]);
    assert!(err.contains("tahn") && err.contains('^'), "{err}");
}

#[test]
fn data_errors_name_the_problem() {
    // The iris network on digits: 64 features for a 4-input network.
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
        "--data",
        &format!("{DATA}/digits.csv"),
    ]);
    assert!(
        err.contains("4 feature columns") && err.contains("64"),
        "{err}"
    );
    // A NaN cell.
    let bad = temp("nan.csv");
    std::fs::write(&bad, "a,b,c,d,label\n1,2,3,4,0\n1,NaN,3,4,1\n").unwrap();
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
        "--data",
        bad.to_str().unwrap(),
    ]);
    assert!(
        err.contains("line 3") && err.contains("column `b`") && err.contains("NaN"),
        "{err}"
    );
    // A label out of range for 3 outputs.
    std::fs::write(&bad, "a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,3\n").unwrap();
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
        "--data",
        bad.to_str().unwrap(),
    ]);
    assert!(err.contains("label 3 is out of range"), "{err}");
    std::fs::remove_file(bad).unwrap();
    // Missing --data, --at with a checkpoint, an unknown loss.
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
    ]);
    assert!(err.contains("--data is required"), "{err}");
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
        "--data",
        &iris_csv(),
        "--at",
        "0",
    ]);
    assert!(err.contains("--at is for --expr"), "{err}");
    usage_error(&[
        "classify",
        "--checkpoint",
        &iris_ckpt(),
        "--arch",
        IRIS_ARCH,
        "--data",
        &iris_csv(),
        "--loss",
        "hinge",
    ]);
}

fn digits_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--checkpoint",
        &format!("{FIXTURES}/digits_64-32-10_tanh.safetensors"),
        "--arch",
        "linear(64,32),tanh,linear(32,10)",
        "--data",
        &format!("{DATA}/digits.csv"),
        "--scale",
        "16",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_dense_hessian_above_the_budget_is_refused_when_asked_for() {
    let mut args = vec!["classify".to_string()];
    args.extend(digits_args(&[
        "--max-dense-params",
        "1000",
        "--method",
        "dense",
    ]));
    let err = usage_error(&strs(&args));
    assert!(
        err.contains("2410 parameters") && err.contains("--max-dense-params"),
        "{err}"
    );
    assert!(err.contains("--method lanczos"), "{err}");
}

/// #4: classify above the dense budget falls back to Lanczos and says so;
/// the ends agree with the dense spectrum.
#[test]
fn classify_above_the_budget_falls_back_to_lanczos() {
    let mut args = vec!["classify".to_string()];
    args.extend(digits_args(&["--max-dense-params", "1000", "--json"]));
    let j = json(&strs(&args));
    assert_eq!(j["method"], "lanczos");
    assert!(
        j["note"]
            .as_str()
            .unwrap()
            .contains("above the dense budget")
    );
    assert!(j["eigenvalues"].is_null() && j["counts"].is_null());
    assert_eq!(j["converged"], true);
    assert!(j["hvp_count"].as_u64().unwrap() > 0);
    let mut dense = vec!["classify".to_string()];
    dense.extend(digits_args(&["--json"]));
    let d = json(&strs(&dense));
    assert_eq!(d["method"], "dense");
    assert_eq!(j["verdict"], d["verdict"]);
    let scale = d["lambda_max"].as_f64().unwrap();
    for key in ["lambda_min", "lambda_max"] {
        let (a, b) = (j[key].as_f64().unwrap(), d[key].as_f64().unwrap());
        assert!((a - b).abs() < 1e-6 * scale, "{key}: {a} vs {b}");
    }
    let mut text = vec!["classify".to_string()];
    text.extend(digits_args(&["--max-dense-params", "1000"]));
    let o = saddlescope(&strs(&text));
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("by Lanczos"), "{out}");
    assert!(
        out.contains("note: 2410 parameters are above the dense budget"),
        "{out}"
    );
}

#[test]
fn spectrum_lanczos_json_follows_the_contract() {
    let mut args = vec!["spectrum".to_string()];
    args.extend(digits_args(&[
        "--method", "lanczos", "--k", "2", "--tol", "1e-9", "--json",
    ]));
    let j = json(&strs(&args));
    assert_eq!(j["method"], "lanczos");
    assert_eq!(j["n_params"], 2410);
    let (small, large) = (
        floats(&j["eigenvalues_smallest"]),
        floats(&j["eigenvalues_largest"]),
    );
    assert_eq!((small.len(), large.len()), (2, 2));
    assert!(small[0] <= small[1] && large[0] <= large[1]);
    assert_eq!(floats(&j["residuals"]["smallest"]).len(), 2);
    assert_eq!(j["converged"], true);
    assert!(j["trace"].is_null() && j["density"].is_null());
    assert!(j["hvp_count"].as_u64().unwrap() > 4);
    assert!(j["timings"]["hvp_mean_s"].as_f64().unwrap() > 0.0);
    assert!(j["timings"]["total_s"].as_f64().unwrap() > 0.0);
    // The same ends as the dense spectrum.
    let mut dense = vec!["spectrum".to_string()];
    dense.extend(digits_args(&["--method", "dense", "--k", "2", "--json"]));
    let d = json(&strs(&dense));
    let all = floats(&d["eigenvalues"]);
    assert_eq!(all.len(), 2410);
    let scale = all[2409].abs().max(all[0].abs());
    for (a, b) in small
        .iter()
        .chain(&large)
        .zip(all[..2].iter().chain(&all[2408..]))
    {
        assert!((a - b).abs() < 1e-8 * scale, "{a} vs {b}");
    }
    assert_eq!(d["trace"]["stderr"], 0.0);
    let exact: f64 = all.iter().sum();
    assert!((d["trace"]["estimate"].as_f64().unwrap() - exact).abs() < 1e-9);
    // One end only.
    let mut one = vec!["spectrum".to_string()];
    one.extend(digits_args(&[
        "--method", "lanczos", "--which", "largest", "--json",
    ]));
    let o = json(&strs(&one));
    assert_eq!(floats(&o["eigenvalues_smallest"]), Vec::<f64>::new());
    assert_eq!(floats(&o["eigenvalues_largest"]).len(), 1);
}

#[test]
fn spectrum_slq_json_has_a_density_and_a_trace() {
    let mut args = vec!["spectrum".to_string()];
    args.extend(digits_args(&[
        "--method", "slq", "--probes", "4", "--steps", "30", "--seed", "5", "--json",
    ]));
    let j = json(&strs(&args));
    assert_eq!(j["method"], "slq");
    let (grid, values) = (
        floats(&j["density"]["grid"]),
        floats(&j["density"]["values"]),
    );
    assert_eq!(grid.len(), values.len());
    assert!((j["density"]["integral"].as_f64().unwrap() - 1.0).abs() < 1e-6);
    assert!(j["trace"]["stderr"].as_f64().unwrap() > 0.0);
    assert_eq!(j["trace"]["probes"], 4);
    assert_eq!(j["hvp_count"], 4 * 30);
    assert!(j["eigenvalues_smallest"].is_null());
    // Seeded: the same run gives the same JSON, apart from timings.
    let mut again = json(&strs(&args));
    let mut first = j.clone();
    first["timings"] = Value::Null;
    again["timings"] = Value::Null;
    assert_eq!(first, again);
}

#[test]
fn spectrum_works_on_functions_and_refuses_bad_settings() {
    let j = json(&[
        "spectrum",
        "--function",
        "himmelblau",
        "--at",
        "-0.270845,-0.923039",
        "--json",
    ]);
    assert_eq!(j["method"], "dense");
    assert!(floats(&j["eigenvalues"]).iter().all(|l| *l < 0.0));
    let j = json(&[
        "spectrum",
        "--expr",
        "x^2 - 3*y^2",
        "--at",
        "1,1",
        "--method",
        "lanczos",
        "--seed",
        "3",
        "--json",
    ]);
    assert!((floats(&j["eigenvalues_smallest"])[0] + 6.0).abs() < 1e-12);
    assert!((floats(&j["eigenvalues_largest"])[0] - 2.0).abs() < 1e-12);
    for (bad, what) in [
        (&["--k", "0"][..], "at least 1"),
        (&["--k", "3"][..], "at most"),
        (&["--tol", "0"][..], "0 < tol < 1"),
        (&["--probes", "0"][..], "probe"),
        (&["--sigma", "-1"][..], "broadening"),
        (&["--block", "0"][..], "block"),
    ] {
        let mut args = vec!["spectrum", "--expr", "x^2 - y^2", "--at", "0,0"];
        args.extend_from_slice(bad);
        let err = usage_error(&args);
        assert!(err.contains(what), "{bad:?}: {err}");
    }
    let err = usage_error(&["classify", "--expr", "x^2", "--at", "0", "--method", "slq"]);
    assert!(err.contains("spectrum --method slq"), "{err}");
}

#[test]
fn builtin_data_sets_work_where_a_csv_does() {
    use saddlescope::{Architecture, Network};
    // A 2-input network for builtin:moons, saved by saddlescope with zero weights.
    let arch = Architecture::parse("linear(2,3),tanh,linear(3,2)").unwrap();
    let mut ckpt = saddlescope::Checkpoint::new();
    for p in arch.parameters() {
        let n = p.shape.iter().product();
        ckpt.insert(
            p.name,
            saddlescope::Tensor::new(p.shape, vec![0.1; n]).unwrap(),
        );
    }
    let net = Network::from_checkpoint(ckpt, arch).unwrap();
    let path = temp("moons.safetensors");
    net.save(&path, &[]).unwrap();
    let j = json(&[
        "classify",
        "--checkpoint",
        path.to_str().unwrap(),
        "--data",
        "builtin:moons",
        "--standardize",
        "--json",
    ]);
    assert_eq!(j["n_params"], 17);
    assert!(j["dataset"]["standardization"]["mean"].is_array());
    std::fs::remove_file(path).unwrap();
}

/// Regression (newcomer review): at a non-critical point the prediction must
/// include the gradient term α·∇fᵀu; for a quadratic it is then exact.
#[test]
fn the_escape_prediction_includes_the_gradient_term() {
    let j = json(&["classify", "--expr", "x^2 - y^2", "--at", "1,1", "--json"]);
    assert_eq!(j["verdict"], "not_critical");
    let (p, a) = (
        j["escape"]["predicted_change"].as_f64().unwrap(),
        j["escape"]["actual_change"].as_f64().unwrap(),
    );
    assert!(
        (p - a).abs() < 1e-12 && (a + 0.21).abs() < 1e-12,
        "{p} vs {a}"
    );
    assert_eq!(j["escape"]["lowers_f"], true);
}

/// Regression (newcomer review): flags that only apply to networks are
/// refused elsewhere instead of being silently ignored.
#[test]
fn network_flags_without_a_checkpoint_are_refused() {
    for flag in [
        ["--scale", "2"],
        ["--loss", "mse"],
        ["--bn", "train"],
        ["--l2", "5"],
        ["--seed", "4"],
    ] {
        let err = usage_error(&["classify", "--expr", "x^2", "--at", "1", flag[0], flag[1]]);
        assert!(
            err.contains(flag[0]) && err.contains("--checkpoint"),
            "{err}"
        );
    }
    let err = usage_error(&[
        "classify",
        "--function",
        "saddle",
        "--vars",
        "x,y",
        "--at",
        "0,0",
    ]);
    assert!(err.contains("--vars"), "{err}");
}

/// Regression (newcomer review): a missing file's reason is printed once, and
/// a checkpoint without --arch gets a suggestion read off its own tensors.
#[test]
fn file_errors_are_not_repeated_and_arch_is_suggested() {
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        "/nonexistent/m.safetensors",
        "--data",
        "x.csv",
    ]);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    let err = usage_error(&[
        "classify",
        "--checkpoint",
        &format!("{FIXTURES}/iris_4-6bn-3_tanh.safetensors"),
        "--data",
        &iris_csv(),
    ]);
    assert!(
        err.contains("linear(4,6),batchnorm(6),ACTIVATION,linear(6,3)"),
        "{err}"
    );
}
