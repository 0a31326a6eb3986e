//! The real binary's `descend`, `train` and `compare`, as a user types them:
//! exit codes, messages, the files a run writes, and the `--json` contract.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
mod common;

use serde_json::Value;

use common::{json, saddlescope, stderr, stdout, success};

use saddlescope::{Architecture, CsvOptions, Dataset, EPOCH_COLUMNS, Network};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
const ROSENBROCK: &str = "(1-x)^2 + 100*(y-x^2)^2";
const DIGITS_ARCH: &str = "linear(64,16),tanh,linear(16,10)";

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
    assert!(err.starts_with("saddlescope: "), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    err
}

/// Asserts that `err` contains every one of `needles`.
fn assert_mentions(err: &str, needles: &[&str]) {
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in the message:\n{err}");
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("not a number: {x}")))
        .collect()
}

fn points(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(floats)
        .collect()
}

/// Every entry within `rel` of the expected one, relative; exact zeros stay
/// exact.
fn assert_close(what: &str, got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            g == w || (g - w).abs() <= rel * w.abs(),
            "{what}[{i}]: expected {w:e}, got {g:e}"
        );
    }
}

fn digits_csv() -> String {
    format!("{SHARED}/data/digits.csv")
}

/// A scratch directory unique to the process and the test, removed on drop
/// (also when the test fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!(
            "saddlescope-cli-training-{}-{test}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }

    /// A path inside, as a string for the command line.
    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `train` on digits with the small network, into `out`, plus `extra`.
fn train_digits(out: &str, extra: &[&str]) -> Output {
    let data = digits_csv();
    let mut args = vec![
        "train",
        "--arch",
        DIGITS_ARCH,
        "--data",
        &data,
        "--scale",
        "16",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    saddlescope(&args)
}

/// The rows of a CSV file below its header, split at commas.
fn csv_rows(path: &Path) -> (String, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().expect("a header").to_string();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

// ---------------------------------------------------------------- descend

fn descend_json(optimizer: &str, schedule: Option<&str>) -> Value {
    let mut args = vec![
        "descend",
        "--expr",
        ROSENBROCK,
        "--from",
        "-1.5,2",
        "--optimizer",
        optimizer,
        "--steps",
        "200",
        "--json",
    ];
    if let Some(s) = schedule {
        args.extend_from_slice(&["--schedule", s]);
    }
    json(&args)
}

/// PyTorch's trajectories (float64) on Rosenbrock from (−1.5, 2), 200 steps.
#[test]
fn descend_json_reproduces_the_pytorch_fixtures() {
    for name in ["adam", "adam_steplr", "sgd_momentum"] {
        let path = format!("{SHARED}/fixtures/optim/{name}.json");
        let fixture: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(fixture["function"], ROSENBROCK, "{name}");
        assert_eq!(floats(&fixture["start"]), [-1.5, 2.0], "{name}");
        assert_eq!(fixture["steps"], 200, "{name}");
        let j = descend_json(
            fixture["optimizer"].as_str().unwrap(),
            fixture["schedule"].as_str(),
        );
        assert_eq!(j["steps"], 200, "{name}");
        assert_eq!(j["n_params"], 2, "{name}");
        let got = points(&j["points"]);
        let want = points(&fixture["points"]);
        assert_eq!(got.len(), 201, "{name}: points");
        assert_eq!(want.len(), 201, "{name}: fixture points");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(&format!("{name} points[{k}]"), g, w, 1e-10);
        }
        assert_close(
            &format!("{name} f"),
            &floats(&j["f"]),
            &floats(&fixture["f"]),
            1e-10,
        );
        assert_close(
            &format!("{name} lr"),
            &floats(&j["lr"]),
            &floats(&fixture["lr"]),
            1e-10,
        );
        let grad_norm = floats(&j["grad_norm"]);
        assert_eq!(grad_norm.len(), 200, "{name}: grad_norm");
        assert!(grad_norm.iter().all(|g| g.is_finite() && *g >= 0.0));
        // The final point is the last of the trajectory.
        assert_eq!(floats(&j["final"]["x"]), got[200], "{name}");
    }
}

#[test]
fn descend_table_names_the_function_and_optimizer_and_ends_with_the_final_value() {
    let args = [
        "descend",
        "--expr",
        ROSENBROCK,
        "--from",
        "-1.5,2",
        "--optimizer",
        "adam(lr=0.01)",
        "--steps",
        "10",
    ];
    let table = success(&args);
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let final_f = json(&with_json)["final"]["f"].as_f64().unwrap();

    let first = table.lines().next().unwrap();
    assert_mentions(first, &[ROSENBROCK, "adam(lr=0.01", "(-1.5, 2)"]);
    let last = table.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.trim_start().starts_with("end after 10 steps"),
        "{last}"
    );
    // "… f = 6.35579 at (…)": the value, printed to six digits.
    let printed: f64 = last
        .split("f = ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `f = ` in {last:?}"))
        .parse()
        .unwrap();
    assert!(
        (printed - final_f).abs() <= 1e-5 * final_f.abs(),
        "table says f = {printed}, JSON says {final_f}"
    );
}

#[test]
fn descend_with_lbfgs_finds_the_rosenbrock_minimum() {
    let j = json(&[
        "descend",
        "--function",
        "rosenbrock",
        "--from",
        "-1.2,1",
        "--optimizer",
        "lbfgs",
        "--steps",
        "100",
        "--json",
    ]);
    let x = floats(&j["final"]["x"]);
    assert_eq!(x.len(), 2);
    assert!(
        x.iter().all(|v| (v - 1.0).abs() < 1e-6),
        "ended at {x:?}, stop {}",
        j["stop"]
    );
    assert!(j["final"]["f"].as_f64().unwrap() < 1e-10);
}

fn descend_error(optimizer: &str, schedule: Option<&str>) -> String {
    let mut args = vec![
        "descend",
        "--function",
        "rosenbrock",
        "--from",
        "-1.2,1",
        "--optimizer",
        optimizer,
        "--steps",
        "5",
    ];
    if let Some(s) = schedule {
        args.extend_from_slice(&["--schedule", s]);
    }
    usage_error(&args)
}

#[test]
fn descend_names_the_known_optimizers_for_an_unknown_one() {
    let err = descend_error("adma", None);
    assert_mentions(&err, &["adma", "adam", "sgd", "lbfgs"]);
}

#[test]
fn descend_names_the_known_keys_for_an_unknown_key() {
    let err = descend_error("adam(momentum=0.9)", None);
    assert_mentions(&err, &["momentum", "adam", "lr", "betas"]);
}

#[test]
fn descend_refuses_out_of_range_optimizer_settings() {
    let err = descend_error("adam(lr=-1)", None);
    assert_mentions(&err, &["lr", "-1"]);
    let err = descend_error("adam(betas=(0.9,1.0))", None);
    assert_mentions(&err, &["betas", "< 1"]);
}

#[test]
fn descend_refuses_a_start_point_of_the_wrong_length() {
    let err = usage_error(&[
        "descend",
        "--expr",
        ROSENBROCK,
        "--from",
        "1,2,3",
        "--optimizer",
        "adam",
    ]);
    assert_mentions(&err, &["--from", "expected 2 coordinates", "found 3"]);
    let err = usage_error(&["descend", "--function", "rosenbrock", "--from", "1"]);
    assert_mentions(&err, &["rosenbrock", "2 coordinates", "found 1"]);
}

#[test]
fn descend_refuses_a_schedule_with_a_solver() {
    let err = descend_error("lbfgs", Some("steplr(step_size=5)"));
    assert_mentions(&err, &["schedule", "lbfgs", "steplr"]);
}

// ------------------------------------------------------------------ train

#[test]
fn train_writes_the_model_the_checkpoint_and_both_logs() {
    let scratch = Scratch::new("files");
    let out = scratch.path("run");
    let o = train_digits(&out, &["--epochs", "3", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let dir = Path::new(&out);
    for f in [
        "model.safetensors",
        "checkpoint.safetensors",
        "epochs.csv",
        "log.jsonl",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }

    // The JSON report.
    let epochs = j["report"]["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 3);
    let loss = |e: &Value| e["train_loss"].as_f64().unwrap();
    assert!(
        loss(&epochs[2]) < loss(&epochs[0]),
        "train_loss {} → {}",
        loss(&epochs[0]),
        loss(&epochs[2])
    );
    for (k, e) in epochs.iter().enumerate() {
        assert_eq!(e["epoch"], k + 1);
        let acc = e["val_accuracy"].as_f64().expect("val_accuracy");
        assert!((0.0..=1.0).contains(&acc), "{acc}");
    }
    assert_eq!(j["report"]["finish"], "completed");

    // epochs.csv: the documented columns, one row per epoch, the report's
    // numbers to the bit.
    let (header, rows) = csv_rows(&dir.join("epochs.csv"));
    assert_eq!(header, EPOCH_COLUMNS.join(","));
    assert_eq!(rows.len(), 3);
    let train_loss = EPOCH_COLUMNS
        .iter()
        .position(|c| *c == "train_loss")
        .unwrap();
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), EPOCH_COLUMNS.len(), "row {k}: {row:?}");
        assert_eq!(row[0], (k + 1).to_string());
        assert_eq!(row[train_loss].parse::<f64>().unwrap(), loss(&epochs[k]));
    }

    // log.jsonl: a record per step and per epoch.
    let log = fs::read_to_string(dir.join("log.jsonl")).unwrap();
    let records: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let count = |kind: &str| records.iter().filter(|r| r["kind"] == kind).count();
    let steps = epochs[2]["steps"].as_u64().unwrap() as usize;
    assert!(steps > 0);
    assert_eq!(count("step"), steps);
    assert_eq!(count("epoch"), 3);
    let first_epoch = records.iter().find(|r| r["kind"] == "epoch").unwrap();
    assert_eq!(first_epoch["train_loss"], epochs[0]["train_loss"]);
}

/// The model a run writes carries its architecture: `classify` needs no
/// `--arch`, and sees the loss training reported.
#[test]
fn the_trained_model_is_classified_without_arch() {
    let scratch = Scratch::new("classify");
    let out = scratch.path("run");
    let o = train_digits(&out, &["--epochs", "1", "--validation", "0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let trained_loss = report["report"]["epochs"][0]["train_loss"]
        .as_f64()
        .unwrap();

    let model = format!("{out}/model.safetensors");
    let j = json(&[
        "classify",
        "--checkpoint",
        &model,
        "--data",
        &digits_csv(),
        "--scale",
        "16",
        "--json",
    ]);
    assert_eq!(j["arch"], DIGITS_ARCH);
    assert_eq!(j["n_params"], 64 * 16 + 16 + 16 * 10 + 10);
    assert!(j["verdict"].is_string());
    let loss = j["loss"].as_f64().unwrap();
    assert!(
        (loss - trained_loss).abs() <= 1e-12 * trained_loss,
        "classify's loss {loss} vs the trained {trained_loss}"
    );
}

#[test]
fn resume_continues_bit_for_bit() {
    let scratch = Scratch::new("resume");
    let (resumed, straight) = (scratch.path("resumed"), scratch.path("straight"));
    let o = train_digits(&resumed, &["--epochs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data = digits_csv();
    success(&[
        "train", "--out", &resumed, "--resume", "--epochs", "4", "--data", &data, "--scale", "16",
    ]);
    let o = train_digits(&straight, &["--epochs", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let read = |dir: &str, f: &str| fs::read(Path::new(dir).join(f)).unwrap();
    assert!(
        read(&resumed, "model.safetensors") == read(&straight, "model.safetensors"),
        "model.safetensors differs after a resume"
    );
    // The optimizer's state too (the metadata holds log sizes, which
    // depend on the timings).
    let a =
        saddlescope::Checkpoint::read(Path::new(&resumed).join("checkpoint.safetensors")).unwrap();
    let b =
        saddlescope::Checkpoint::read(Path::new(&straight).join("checkpoint.safetensors")).unwrap();
    let names: Vec<&str> = a.names().collect();
    assert_eq!(names, b.names().collect::<Vec<_>>());
    assert!(
        names.iter().any(|n| n.starts_with("optimizer.")),
        "{names:?}"
    );
    for n in names {
        assert_eq!(a.get(n).unwrap().data, b.get(n).unwrap().data, "{n}");
    }

    let seconds = EPOCH_COLUMNS.iter().position(|c| *c == "seconds").unwrap();
    assert_eq!(seconds, 9);
    let (ha, ra) = csv_rows(&Path::new(&resumed).join("epochs.csv"));
    let (hb, rb) = csv_rows(&Path::new(&straight).join("epochs.csv"));
    assert_eq!(ha, hb);
    assert_eq!(ra.len(), 4);
    assert_eq!(rb.len(), 4);
    for (k, (x, y)) in ra.iter().zip(&rb).enumerate() {
        assert_eq!(x.len(), y.len(), "epoch {}", k + 1);
        for (c, (u, v)) in x.iter().zip(y).enumerate() {
            if c != seconds {
                assert_eq!(u, v, "epoch {}, column {}", k + 1, EPOCH_COLUMNS[c]);
            }
        }
    }
}

#[test]
fn a_new_run_into_an_existing_run_directory_is_refused_and_changes_nothing() {
    let scratch = Scratch::new("refuse");
    let out = scratch.path("run");
    let o = train_digits(&out, &["--epochs", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = [
        "model.safetensors",
        "checkpoint.safetensors",
        "epochs.csv",
        "log.jsonl",
    ];
    let snapshot = || -> Vec<Vec<u8>> {
        files
            .iter()
            .map(|f| fs::read(Path::new(&out).join(f)).unwrap())
            .collect()
    };
    let before = snapshot();
    let data = digits_csv();
    let err = usage_error(&[
        "train",
        "--arch",
        DIGITS_ARCH,
        "--data",
        &data,
        "--scale",
        "16",
        "--out",
        &out,
        "--epochs",
        "2",
    ]);
    assert_mentions(&err, &["already holds a training run", "resume"]);
    let after = snapshot();
    for (f, (a, b)) in files.iter().zip(before.iter().zip(&after)) {
        assert!(a == b, "{f} changed");
    }
}

#[test]
fn divergence_stops_training_and_leaves_the_checkpoint_intact() {
    let scratch = Scratch::new("diverge");
    let out = scratch.path("run");
    let data = format!("{SHARED}/data/sine.csv");
    let o = saddlescope(&[
        "train",
        "--arch",
        "linear(1,16),tanh,linear(16,1)",
        "--data",
        &data,
        "--loss",
        "mse",
        "--optimizer",
        "sgd(lr=1e3)",
        "--batch-size",
        "8",
        "--epochs",
        "5",
        "--validation",
        "0",
        "--out",
        &out,
    ]);
    let err = stderr(&o);
    assert!(!o.status.success(), "expected a failure:\n{}", stdout(&o));
    assert!(!err.contains("panicked"), "{err}");
    assert_mentions(&err, &["diverged", "intact"]);
    // The checkpoint of the last good epoch: finite, and the same network
    // as model.safetensors, which loads on its own.
    let checkpoint = Path::new(&out).join("checkpoint.safetensors");
    if checkpoint.exists() {
        let c = saddlescope::Checkpoint::read(&checkpoint).unwrap();
        for (name, t) in c.iter() {
            assert!(t.data.iter().all(|x| x.is_finite()), "{name} not finite");
        }
        let net = Network::read(Path::new(&out).join("model.safetensors"), None).unwrap();
        assert_eq!(net.params().len(), 16 + 16 + 16 + 1);
        assert!(net.params().iter().all(|p| p.is_finite()));
        for (name, t) in net.checkpoint().iter() {
            assert_eq!(c.get(name).map(|x| &x.data), Some(&t.data), "{name}");
        }
    }
}

/// The message points at checkpoint.safetensors; starting again from it
/// (`--init`, `Network::read`) should work.
#[test]
fn the_checkpoint_left_by_a_divergence_loads_as_a_network() {
    let scratch = Scratch::new("diverge-read");
    let out = scratch.path("run");
    let data = format!("{SHARED}/data/sine.csv");
    let o = saddlescope(&[
        "train",
        "--arch",
        "linear(1,16),tanh,linear(16,1)",
        "--data",
        &data,
        "--loss",
        "mse",
        "--optimizer",
        "sgd(lr=1e3)",
        "--batch-size",
        "8",
        "--epochs",
        "5",
        "--validation",
        "0",
        "--out",
        &out,
    ]);
    assert!(!o.status.success());
    let net = Network::read(Path::new(&out).join("checkpoint.safetensors"), None).unwrap();
    assert!(net.params().iter().all(|p| p.is_finite()));
}

/// `--resume` with an optimizer must not silently train with the old one:
/// either it is refused, or it is used.
#[test]
fn resume_does_not_silently_ignore_a_new_optimizer() {
    let scratch = Scratch::new("resume-optimizer");
    let out = scratch.path("run");
    let o = train_digits(&out, &["--epochs", "1", "--optimizer", "sgd(lr=0.1)"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data = digits_csv();
    let o = saddlescope(&[
        "train",
        "--out",
        &out,
        "--resume",
        "--epochs",
        "2",
        "--data",
        &data,
        "--scale",
        "16",
        "--optimizer",
        "sgd(lr=0.01)",
        "--json",
    ]);
    if o.status.code() == Some(2) {
        assert_mentions(&stderr(&o), &["--optimizer"]);
    } else {
        assert!(o.status.success(), "{}", stderr(&o));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["report"]["epochs"][0]["lr"], 0.01);
    }
}

/// The network at an exact saddle of the iris loss: every weight zero, the
/// output biases at the log class frequencies — the gradient vanishes, and
/// the first layer's weights couple to the second's with both signs.
fn iris_saddle(path: &Path) {
    let data =
        Dataset::from_csv(format!("{SHARED}/data/iris.csv"), &CsvOptions::default()).unwrap();
    let labels = data.class_labels(3).unwrap();
    let arch = Architecture::parse("linear(4,5),tanh,linear(5,3)").unwrap();
    let bias = arch
        .parameters()
        .into_iter()
        .find(|p| p.name == "2.bias")
        .unwrap();
    let mut theta = nalgebra::DVector::zeros(arch.n_params());
    for (class, i) in bias.range().enumerate() {
        let count = labels.iter().filter(|&&l| l == class).count();
        theta[i] = (count as f64 / labels.len() as f64).ln();
    }
    Network::init(&arch, 0)
        .unwrap()
        .with_params(theta)
        .unwrap()
        .save(path, &[])
        .unwrap();
}

fn train_at_the_saddle(scratch: &Scratch, json: bool) -> Output {
    let init = scratch.0.join("saddle.safetensors");
    iris_saddle(&init);
    let init = init.display().to_string();
    let out = scratch.path("run");
    let data = format!("{SHARED}/data/iris.csv");
    let mut args = vec![
        "train",
        "--init",
        &init,
        "--data",
        &data,
        "--optimizer",
        "sgd(lr=0.1)",
        "--batch-size",
        "150",
        "--epochs",
        "6",
        "--validation",
        "0",
        "--stall-window",
        "3",
        "--small-grad",
        "1e-6",
        "--analyze-stalls",
        "--out",
        &out,
    ];
    if json {
        args.push("--json");
    }
    let o = saddlescope(&args);
    assert!(o.status.success(), "{args:?}:\n{}", stderr(&o));
    o
}

#[test]
fn a_stall_at_a_saddle_is_reported_as_one() {
    let scratch = Scratch::new("stall-json");
    let o = train_at_the_saddle(&scratch, true);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let epochs = j["report"]["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 6);
    let stalls: Vec<&Value> = epochs
        .iter()
        .filter(|e| !e["stall"].is_null())
        .map(|e| &e["stall"])
        .collect();
    assert!(!stalls.is_empty(), "no stall in {epochs:#?}");
    let saddle = stalls
        .iter()
        .find(|s| s["kind"] == "near_critical_point" && s["analysis"]["verdict"] == "saddle_point")
        .unwrap_or_else(|| panic!("no stall near a saddle point in {stalls:#?}"));
    assert!(saddle["grad_norm"].as_f64().unwrap() <= 1e-6);
    assert!(saddle["analysis"]["lambda_min"].as_f64().unwrap() < 0.0);
    let log = fs::read_to_string(scratch.0.join("run/log.jsonl")).unwrap();
    assert!(
        log.contains("\"kind\":\"stall\""),
        "no stall record in log.jsonl"
    );
}

#[test]
fn a_stall_at_a_saddle_is_described_in_the_table() {
    let scratch = Scratch::new("stall-text");
    let o = train_at_the_saddle(&scratch, false);
    let table = stdout(&o);
    let line = table
        .lines()
        .find(|l| l.contains("near a critical point"))
        .unwrap_or_else(|| panic!("no stall described in:\n{table}"));
    assert_mentions(line, &["epoch 4", "Hessian: saddle point"]);
}

#[test]
fn train_refuses_batches_of_zero_rows() {
    let scratch = Scratch::new("batch0");
    let out = scratch.path("run");
    let data = digits_csv();
    let err = usage_error(&[
        "train",
        "--arch",
        DIGITS_ARCH,
        "--data",
        &data,
        "--out",
        &out,
        "--batch-size",
        "0",
    ]);
    assert_mentions(&err, &["batch size", "got 0"]);
    assert!(!Path::new(&out).exists(), "a run directory was created");
}

#[test]
fn train_refuses_zero_epochs() {
    let scratch = Scratch::new("epochs0");
    let out = scratch.path("run");
    let data = digits_csv();
    let err = usage_error(&[
        "train",
        "--arch",
        DIGITS_ARCH,
        "--data",
        &data,
        "--out",
        &out,
        "--epochs",
        "0",
    ]);
    assert_mentions(&err, &["epochs", "got 0"]);
    assert!(!Path::new(&out).exists(), "a run directory was created");
}

#[test]
fn train_refuses_a_validation_fraction_outside_zero_to_one() {
    let scratch = Scratch::new("validation");
    let out = scratch.path("run");
    let data = digits_csv();
    let err = usage_error(&[
        "train",
        "--arch",
        DIGITS_ARCH,
        "--data",
        &data,
        "--out",
        &out,
        "--validation",
        "1.5",
    ]);
    assert_mentions(&err, &["--validation", "1.5"]);
    assert!(!Path::new(&out).exists(), "a run directory was created");
}

#[test]
fn train_refuses_batch_norm_with_batches_of_one_row() {
    let scratch = Scratch::new("bn1");
    let out = scratch.path("run");
    let data = digits_csv();
    let err = usage_error(&[
        "train",
        "--arch",
        "linear(64,16),batchnorm(16),tanh,linear(16,10)",
        "--data",
        &data,
        "--scale",
        "16",
        "--out",
        &out,
        "--batch-size",
        "1",
    ]);
    assert_mentions(&err, &["batch size", "BatchNorm"]);
    assert!(!Path::new(&out).join("checkpoint.safetensors").exists());
}

/// A refused run should leave nothing behind, as the other refusals do.
#[test]
fn a_refused_batch_norm_run_creates_no_directory() {
    let scratch = Scratch::new("bn1-dir");
    let out = scratch.path("run");
    let data = digits_csv();
    usage_error(&[
        "train",
        "--arch",
        "linear(64,16),batchnorm(16),tanh,linear(16,10)",
        "--data",
        &data,
        "--scale",
        "16",
        "--out",
        &out,
        "--batch-size",
        "1",
    ]);
    assert!(!Path::new(&out).exists(), "{out} was created");
}

// ---------------------------------------------------------------- compare

/// Two optimizers × two batch sizes × one seed on digits, 2 epochs.
fn compare_args<'a>(data: &'a str, out: &'a str, optimizers: [&'a str; 2]) -> Vec<&'a str> {
    vec![
        "compare",
        "--arch",
        DIGITS_ARCH,
        "--data",
        data,
        "--scale",
        "16",
        "--optimizer",
        optimizers[0],
        "--optimizer",
        optimizers[1],
        "--batch-sizes",
        "32,128",
        "--seeds",
        "0",
        "--epochs",
        "2",
        "--out",
        out,
    ]
}

const GRID: [&str; 2] = ["sgd(lr=0.1)", "adam(lr=0.01)"];

#[test]
fn compare_runs_the_grid_and_writes_a_summary() {
    let scratch = Scratch::new("compare-table");
    let out = scratch.path("grid");
    let data = digits_csv();
    let table = success(&compare_args(&data, &out, GRID));

    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.trim_start().starts_with("run0"))
        .collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert!(rows.iter().all(|r| !r.contains("error")), "{table}");
    assert_eq!(rows.iter().filter(|r| r.contains("sgd(lr=0.1)")).count(), 2);
    assert_eq!(
        rows.iter().filter(|r| r.contains("adam(lr=0.01)")).count(),
        2
    );

    let summary: Value =
        serde_json::from_str(&fs::read_to_string(format!("{out}/summary.json")).unwrap()).unwrap();
    let runs = summary.as_array().expect("a list of runs");
    assert_eq!(runs.len(), 4);
    let mut grid: Vec<(String, u64)> = runs
        .iter()
        .map(|r| {
            (
                r["optimizer"].as_str().unwrap().to_string(),
                r["batch_size"].as_u64().unwrap(),
            )
        })
        .collect();
    grid.sort();
    assert_eq!(
        grid,
        [
            ("adam(lr=0.01)".to_string(), 32),
            ("adam(lr=0.01)".to_string(), 128),
            ("sgd(lr=0.1)".to_string(), 32),
            ("sgd(lr=0.1)".to_string(), 128),
        ]
    );
    for r in runs {
        let dir = PathBuf::from(r["dir"].as_str().unwrap());
        let (header, epochs) = csv_rows(&dir.join("epochs.csv"));
        assert_eq!(header, EPOCH_COLUMNS.join(","));
        assert_eq!(epochs.len(), 2, "{}", dir.display());
    }
}

#[test]
fn compare_json_reports_each_run() {
    let scratch = Scratch::new("compare-json");
    let out = scratch.path("grid");
    let data = digits_csv();
    let mut args = compare_args(&data, &out, GRID);
    args.push("--json");
    let j = json(&args);
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for r in runs {
        assert!(r.get("error").is_none(), "{r}");
        for k in ["final_loss", "best_loss", "train_accuracy", "seconds"] {
            let v = r[k].as_f64().unwrap_or_else(|| panic!("{k} in {r}"));
            assert!(v.is_finite() && v >= 0.0, "{k} = {v}");
        }
        assert!(r["train_accuracy"].as_f64().unwrap() <= 1.0);
        assert_eq!(r["epochs"], 2);
    }
}

#[test]
fn compare_refuses_a_bad_optimizer_before_any_run() {
    let scratch = Scratch::new("compare-bad");
    let out = scratch.path("grid");
    let data = digits_csv();
    let err = usage_error(&compare_args(&data, &out, ["sgd(lr=0.1)", "adma"]));
    assert_mentions(&err, &["adma", "adam"]);
    assert!(!Path::new(&out).exists(), "{out} was created");
}

/// Settings every run shares are the caller's mistake, as in `train`:
/// exit 2 before anything is written.
#[test]
fn compare_refuses_bad_shared_settings_before_any_run() {
    let scratch = Scratch::new("compare-batch0");
    let out = scratch.path("grid");
    let data = digits_csv();
    let mut args = compare_args(&data, &out, GRID);
    let b = args.iter().position(|a| *a == "32,128").unwrap();
    args[b] = "0,32";
    let err = usage_error(&args);
    assert_mentions(&err, &["batch size"]);
    assert!(!Path::new(&out).exists(), "{out} was created");
}

/// A second comparison into the same directory must not overwrite the
/// first one's summary with a table of errors.
#[test]
fn compare_into_an_existing_grid_is_refused_and_keeps_the_summary() {
    let scratch = Scratch::new("compare-again");
    let out = scratch.path("grid");
    let data = digits_csv();
    let args = compare_args(&data, &out, GRID);
    success(&args);
    let summary = format!("{out}/summary.json");
    let before = fs::read(&summary).unwrap();
    let err = usage_error(&args);
    assert_mentions(&err, &["already"]);
    assert!(
        fs::read(&summary).unwrap() == before,
        "summary.json changed"
    );
}
