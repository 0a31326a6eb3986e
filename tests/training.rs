//! Training support on the network side: mini-batch gradients against the
//! full-data ones and PyTorch's BatchNorm-in-training fixture, running
//! statistics folded in as PyTorch does, PyTorch-style initialisation.

use serde_json::Value;

use saddlescope::{
    Architecture, BatchNormMode, CsvOptions, Dataset, Loss, Network, NetworkObjective,
    NetworkOptions, TwiceDifferentiable,
};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn iris() -> Dataset {
    Dataset::from_csv(format!("{SHARED}/data/iris.csv"), &CsvOptions::default()).unwrap()
}

#[test]
fn mini_batch_gradients_add_up_to_the_full_gradient() {
    let arch = Architecture::parse("linear(4,8),tanh,linear(8,3)").unwrap();
    let net = Network::read(
        format!("{SHARED}/fixtures/mlp/iris_4-8-3_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let f = NetworkObjective::new(&net, &iris(), Loss::CrossEntropy, NetworkOptions::default())
        .unwrap();
    let theta = f.params().as_slice().to_vec();
    let (loss, g) = f.gradient(&theta).unwrap();
    // Batches of 32 from a shuffled order, weighted by their share of rows.
    let order: Vec<usize> = (0..150).map(|i| (i * 37) % 150).collect();
    let (mut l, mut s) = (0.0, vec![0.0; theta.len()]);
    for batch in order.chunks(32) {
        let b = f.batch_gradient(&theta, batch).unwrap();
        let w = batch.len() as f64 / 150.0;
        l += w * b.loss;
        for (s, x) in s.iter_mut().zip(&b.gradient) {
            *s += w * x;
        }
        assert!(b.batch_norm.is_empty());
    }
    assert!((l - loss).abs() < 1e-13);
    assert!(s.iter().zip(g.iter()).all(|(a, b)| (a - b).abs() < 1e-13));
    let (full, accuracy) = f.loss_and_accuracy(&theta).unwrap();
    assert!((full - loss).abs() < 1e-13);
    let accuracy = accuracy.unwrap();
    assert!(accuracy > 0.9 && accuracy <= 1.0, "{accuracy}");
    assert!(f.batch_gradient(&theta, &[]).is_err());
    assert!(f.batch_gradient(&theta, &[150]).is_err());
}

/// Batches above 256 rows run in parallel chunks, like the full gradient.
#[test]
fn a_large_batch_is_the_full_gradient_to_the_bit() {
    let arch = Architecture::parse("linear(64,32),tanh,linear(32,10)").unwrap();
    let net = Network::read(
        format!("{SHARED}/fixtures/mlp/digits_64-32-10_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let mut data =
        Dataset::from_csv(format!("{SHARED}/data/digits.csv"), &CsvOptions::default()).unwrap();
    data.scale(16.0).unwrap();
    let f =
        NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    let theta = f.params().as_slice();
    let all: Vec<usize> = (0..data.rows()).collect();
    let b = f.batch_gradient(theta, &all).unwrap();
    let (loss, g) = f.gradient(theta).unwrap();
    assert_eq!(b.loss, loss);
    assert_eq!(b.gradient.as_slice(), g.as_slice());
    // A shuffled large batch agrees to rounding.
    let shuffled: Vec<usize> = (0..data.rows()).map(|i| (i * 997) % data.rows()).collect();
    let c = f.batch_gradient(theta, &shuffled).unwrap();
    assert!((c.loss - loss).abs() < 1e-13);
    assert!(
        c.gradient
            .iter()
            .zip(g.iter())
            .all(|(a, b)| (a - b).abs() < 1e-13)
    );
}

/// The whole data set as one batch in training mode is PyTorch's `bn_train`.
#[test]
fn batch_norm_in_training_matches_pytorch_and_updates_running_statistics() {
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{SHARED}/fixtures/mlp/iris_4-6bn-3_tanh.json")).unwrap(),
    )
    .unwrap();
    let arch = Architecture::parse(meta["arch"].as_str().unwrap()).unwrap();
    let mut net = Network::read(
        format!("{SHARED}/fixtures/mlp/iris_4-6bn-3_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let data = iris();
    let options = NetworkOptions {
        batch_norm: BatchNormMode::Train,
        ..NetworkOptions::default()
    };
    let f = NetworkObjective::new(&net, &data, Loss::CrossEntropy, options).unwrap();
    let all: Vec<usize> = (0..150).collect();
    let b = f.batch_gradient(f.params().as_slice(), &all).unwrap();
    let want = meta["bn_train"]["loss"].as_f64().unwrap();
    assert!((b.loss - want).abs() < 1e-12 * want.abs());
    let grad: Vec<f64> = meta["bn_train"]["grad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let scale = grad.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(
        b.gradient
            .iter()
            .zip(&grad)
            .all(|(a, b)| (a - b).abs() < 1e-10 * scale)
    );

    // Running statistics: PyTorch's update with momentum 0.1, unbiased variance.
    assert_eq!(b.batch_norm.len(), 1);
    let stats = &b.batch_norm[0];
    assert_eq!(stats.layer, 1);
    let before_mean = net.buffer("1.running_mean").unwrap().data.clone();
    let before_var = net.buffer("1.running_var").unwrap().data.clone();
    let before_count = net.buffer("1.num_batches_tracked").unwrap().data[0];
    // The BatchNorm's input is the first Linear's output; recompute it by hand.
    let x = data.inputs();
    let w = &net.checkpoint().get("0.weight").unwrap().data;
    let bias = &net.checkpoint().get("0.bias").unwrap().data;
    for j in 0..6 {
        let col: Vec<f64> = (0..150)
            .map(|r| bias[j] + (0..4).map(|k| w[j * 4 + k] * x[(r, k)]).sum::<f64>())
            .collect();
        let mean = col.iter().sum::<f64>() / 150.0;
        let var = col.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 149.0;
        assert!((stats.mean[j] - mean).abs() < 1e-12);
        assert!((stats.var[j] - var).abs() < 1e-12 * var);
    }
    net.update_batch_norm(&b.batch_norm, 0.1).unwrap();
    for j in 0..6 {
        let m = net.buffer("1.running_mean").unwrap().data[j];
        let v = net.buffer("1.running_var").unwrap().data[j];
        assert!((m - (0.9 * before_mean[j] + 0.1 * stats.mean[j])).abs() < 1e-15);
        assert!((v - (0.9 * before_var[j] + 0.1 * stats.var[j])).abs() < 1e-15);
    }
    assert_eq!(
        net.buffer("1.num_batches_tracked").unwrap().data[0],
        before_count + 1.0
    );
}

#[test]
fn initialisation_follows_pytorch_bounds_and_is_seeded() {
    let arch = Architecture::parse("linear(64,32),batchnorm(32),tanh,linear(32,10)").unwrap();
    let a = Network::init(&arch, 1).unwrap();
    let b = Network::init(&arch, 2).unwrap();
    assert_ne!(a.params(), b.params());
    let p = a.checkpoint();
    let w0 = &p.get("0.weight").unwrap().data;
    assert!(w0.iter().all(|w| w.abs() <= 1.0 / 8.0));
    // Uniform on ±1/8: variance 1/(3·64).
    let var = w0.iter().map(|w| w * w).sum::<f64>() / w0.len() as f64;
    assert!((var - 1.0 / 192.0).abs() < 0.1 / 192.0, "{var}");
    assert!(
        p.get("3.weight")
            .unwrap()
            .data
            .iter()
            .all(|w| w.abs() <= 1.0 / 32f64.sqrt())
    );
    assert_eq!(p.get("1.weight").unwrap().data, vec![1.0; 32]);
    assert_eq!(p.get("1.bias").unwrap().data, vec![0.0; 32]);
    assert_eq!(p.get("1.running_var").unwrap().data, vec![1.0; 32]);
    assert_eq!(p.get("1.num_batches_tracked").unwrap().data, vec![0.0]);
}

// ---------------------------------------------------------------------------
// The trainer.

use saddlescope::{
    Finish, OptimizerSpec, ScheduleSpec, StallKind, TrainSettings, Trainer, Verdict, load_dataset,
};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "saddlescope-training-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn digits() -> Dataset {
    let mut d =
        Dataset::from_csv(format!("{SHARED}/data/digits.csv"), &CsvOptions::default()).unwrap();
    d.scale(16.0).unwrap();
    d
}

fn digits_trainer(dir: &std::path::Path, epochs: usize) -> Trainer {
    let arch = Architecture::parse("linear(64,16),tanh,linear(16,10)").unwrap();
    let (train, val) = digits().split(0.2, 3).unwrap();
    Trainer::new(
        Network::init(&arch, 5).unwrap(),
        train,
        Some(val),
        Loss::CrossEntropy,
        1e-4,
        &OptimizerSpec::parse("adam(lr=0.01)").unwrap(),
        Some(&ScheduleSpec::parse("steplr(step_size=2,gamma=0.5)").unwrap()),
        TrainSettings::default()
            .with_epochs(epochs)
            .unwrap()
            .with_batch_size(50)
            .unwrap()
            .with_seed(11),
        dir,
    )
    .unwrap()
}

fn resume_digits(dir: &std::path::Path, epochs: usize) -> Trainer {
    let (train, val) = digits().split(0.2, 3).unwrap();
    Trainer::resume(dir, train, Some(val), Some(epochs)).unwrap()
}

/// Everything in an epoch record but its wall-clock time.
fn numbers(r: &saddlescope::EpochRecord) -> Vec<f64> {
    vec![
        r.epoch as f64,
        r.steps as f64,
        r.train_loss,
        r.train_accuracy.unwrap(),
        r.grad_norm,
        r.batch_loss_mean,
        r.val_loss.unwrap(),
        r.val_accuracy.unwrap(),
        r.lr,
    ]
}

#[test]
fn a_resumed_run_continues_bit_identically() {
    let (a, b) = (temp_dir("straight"), temp_dir("resumed"));
    let straight = digits_trainer(&a, 6).run(&mut |_| {}).unwrap();
    let first = digits_trainer(&b, 3).run(&mut |_| {}).unwrap();
    let mut resumed = resume_digits(&b, 6);
    assert_eq!(resumed.epochs_done(), 3);
    let second = resumed.run(&mut |_| {}).unwrap();
    let joined: Vec<_> = first
        .epochs
        .iter()
        .chain(&second.epochs)
        .map(numbers)
        .collect();
    let whole: Vec<_> = straight.epochs.iter().map(numbers).collect();
    assert_eq!(joined, whole);
    // The schedule halved the rate at epochs 2 and 4 and 6.
    assert_eq!(whole[5][8], 0.01 / 8.0);
    let model = |d: &std::path::Path| std::fs::read(d.join("model.safetensors")).unwrap();
    assert_eq!(model(&a), model(&b));
    let lines = |d: &std::path::Path| {
        std::fs::read_to_string(d.join("log.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"kind\":\"step\""))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(lines(&a).len(), 6 * 29); // 1437 rows in batches of 50
    // A second `new` in the same directory is refused: nothing is overwritten.
    let err = Trainer::new(
        Network::init(&Architecture::parse("linear(64,10)").unwrap(), 0).unwrap(),
        digits(),
        None,
        Loss::CrossEntropy,
        0.0,
        &OptimizerSpec::parse("sgd(lr=0.1)").unwrap(),
        None,
        TrainSettings::default(),
        &a,
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("already holds a training run"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}

#[test]
fn training_does_not_depend_on_the_thread_count() {
    let run = |threads: usize| {
        let dir = temp_dir(&format!("threads{threads}"));
        let r = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| digits_trainer(&dir, 2).run(&mut |_| {}).unwrap());
        let model = std::fs::read(dir.join("model.safetensors")).unwrap();
        let _ = std::fs::remove_dir_all(dir);
        (r.epochs.iter().map(numbers).collect::<Vec<_>>(), model)
    };
    assert!(run(1) == run(2));
}

#[test]
fn divergence_stops_with_an_error_and_keeps_the_last_checkpoint() {
    let dir = temp_dir("nan");
    let data =
        Dataset::from_csv(format!("{SHARED}/data/sine.csv"), &CsvOptions::default()).unwrap();
    let arch = Architecture::parse("linear(1,16),tanh,linear(16,1)").unwrap();
    // One calm epoch at 1e-3, then the schedule multiplies the rate by 1e9.
    let mut t = Trainer::new(
        Network::init(&arch, 1).unwrap(),
        data.clone(),
        None,
        Loss::Mse,
        0.0,
        &OptimizerSpec::parse("sgd(lr=1e-3)").unwrap(),
        Some(&ScheduleSpec::parse("multisteplr(milestones=[1],gamma=1e9)").unwrap()),
        TrainSettings::default()
            .with_epochs(5)
            .unwrap()
            .with_batch_size(8)
            .unwrap(),
        &dir,
    )
    .unwrap();
    let err = t.run(&mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("training diverged at epoch 2"), "{err}");
    assert!(err.contains("is intact"), "{err}");
    // The checkpoint from the end of epoch 1 is there, finite, and resumable.
    let resumed = Trainer::resume(&dir, data, None, None).unwrap();
    assert_eq!(resumed.epochs_done(), 1);
    assert!(resumed.network().params().iter().all(|p| p.is_finite()));
    let _ = std::fs::remove_dir_all(dir);
}

/// #5: at an exact saddle (iris, zero weights, output biases at the log
/// class priors) the gradient is zero: the stall is near a critical point
/// and the Hessian analysis says saddle.
#[test]
fn a_stall_at_a_saddle_is_near_a_critical_point_and_analysed() {
    let arch = Architecture::parse("linear(4,5),tanh,linear(5,3)").unwrap();
    let net = Network::init(&arch, 0).unwrap();
    let data = iris();
    let counts = data
        .class_labels(3)
        .unwrap()
        .iter()
        .fold([0.0; 3], |mut c, &l| {
            c[l] += 1.0;
            c
        });
    let mut theta = vec![0.0; 43];
    for (k, c) in counts.iter().enumerate() {
        theta[40 + k] = (c / 150.0f64).ln();
    }
    let net = net.with_params(nalgebra::DVector::from_vec(theta)).unwrap();
    let dir = temp_dir("saddle");
    let mut t = Trainer::new(
        net,
        data,
        None,
        Loss::CrossEntropy,
        0.0,
        &OptimizerSpec::parse("sgd(lr=0.1)").unwrap(),
        None,
        TrainSettings::default()
            .with_epochs(4)
            .unwrap()
            .with_batch_size(150)
            .unwrap()
            .with_stall_detection(3, 1e-3, 1e-6)
            .unwrap()
            .with_stall_analysis(true, 3000),
        &dir,
    )
    .unwrap();
    let report = t.run(&mut |_| {}).unwrap();
    assert_eq!(report.finish, Finish::Completed);
    let stall = report.epochs[3].stall.as_ref().expect("a stall at epoch 4");
    assert_eq!(stall.kind, StallKind::NearCriticalPoint);
    assert!(stall.grad_norm < 1e-12);
    let analysis = stall.analysis.as_ref().unwrap();
    assert_eq!(analysis.verdict, Verdict::SaddlePoint);
    assert!(analysis.lambda_min < 0.0);
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    assert!(log.contains("\"kind\":\"stall\"") && log.contains("saddle_point"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A ravine: full-batch gradient descent with η just below 2/λmax on an
/// ill-conditioned least-squares problem bounces across the stiff direction
/// — the loss stalls while the gradient stays large, and η·κ ≈ 2.
#[test]
fn a_stall_in_a_ravine_has_a_large_gradient() {
    let dir = temp_dir("ravine");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("ravine.csv");
    let mut text = String::from("a,b,y\n");
    for i in 0..200 {
        let a = 10.0 * ((i as f64 * 0.7).sin());
        let b = 0.01 * ((i as f64 * 1.3).cos());
        text += &format!("{a},{b},{}\n", a + b);
    }
    std::fs::write(&csv, text).unwrap();
    let data = Dataset::from_csv(&csv, &CsvOptions::default()).unwrap();
    let arch = Architecture::parse("linear(2,1,bias=false)").unwrap();
    let net = Network::init(&arch, 2).unwrap();
    let f = NetworkObjective::new(&net, &data, Loss::Mse, NetworkOptions::default()).unwrap();
    let h = f.hessian(f.params().as_slice()).unwrap();
    let lambda_max = saddlescope::symmetric_eigenvalues(&h.matrix).unwrap()[1];
    let lr = 1.99999 / lambda_max;
    let run_dir = dir.join("run");
    let mut t = Trainer::new(
        net,
        data,
        None,
        Loss::Mse,
        0.0,
        &OptimizerSpec::parse(&format!("sgd(lr={lr})")).unwrap(),
        None,
        TrainSettings::default()
            .with_epochs(6)
            .unwrap()
            .with_batch_size(200)
            .unwrap(),
        &run_dir,
    )
    .unwrap();
    let report = t.run(&mut |_| {}).unwrap();
    let stall = report.epochs[5].stall.as_ref().expect("a stall at epoch 6");
    assert_eq!(stall.kind, StallKind::Ravine);
    assert!(stall.grad_norm > 1.0, "{}", stall.grad_norm);
    assert!(
        (stall.lr_times_curvature - 2.0).abs() < 0.01,
        "{}",
        stall.lr_times_curvature
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_small_network_learns_moons_with_every_batch_size() {
    let data = load_dataset("builtin:moons(n=200)", &CsvOptions::default(), 0).unwrap();
    let arch = Architecture::parse("linear(2,16),tanh,linear(16,2)").unwrap();
    for batch in [1, 16, 200] {
        let dir = temp_dir(&format!("moons{batch}"));
        let mut t = Trainer::new(
            Network::init(&arch, 0).unwrap(),
            data.clone(),
            None,
            Loss::CrossEntropy,
            0.0,
            &OptimizerSpec::parse("adam(lr=0.02)").unwrap(),
            None,
            TrainSettings::default()
                .with_epochs(if batch == 200 { 200 } else { 40 })
                .unwrap()
                .with_batch_size(batch)
                .unwrap(),
            &dir,
        )
        .unwrap();
        let r = t.run(&mut |_| {}).unwrap();
        let acc = r.epochs.last().unwrap().train_accuracy.unwrap();
        assert!(acc > 0.85, "batch {batch}: accuracy {acc}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn early_stopping_ends_a_run_that_stopped_improving() {
    let dir = temp_dir("early");
    let data = load_dataset("builtin:moons(n=100)", &CsvOptions::default(), 0).unwrap();
    let arch = Architecture::parse("linear(2,4),tanh,linear(4,2)").unwrap();
    // A zero learning rate: the loss never improves after the first epoch.
    let mut t = Trainer::new(
        Network::init(&arch, 0).unwrap(),
        data,
        None,
        Loss::CrossEntropy,
        0.0,
        &OptimizerSpec::parse("sgd(lr=0)").unwrap(),
        None,
        TrainSettings::default()
            .with_epochs(50)
            .unwrap()
            .with_early_stopping(3, 0.0)
            .unwrap(),
        &dir,
    )
    .unwrap();
    let r = t.run(&mut |_| {}).unwrap();
    assert_eq!(r.finish, Finish::EarlyStopped);
    assert_eq!(r.epochs.len(), 4);
    assert_eq!(r.best_epoch, 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// #6: `--escape-saddles` — at the stall on the exact saddle the trainer
/// steps along ±u_min, logs it, and the loss then falls below the saddle's.
#[test]
fn the_trainer_escapes_a_saddle_and_trains_on() {
    let arch = Architecture::parse("linear(4,5),tanh,linear(5,3)").unwrap();
    let mut theta = vec![0.0; 43];
    for k in 0..3 {
        theta[40 + k] = (50.0f64 / 150.0).ln();
    }
    let net = Network::init(&arch, 0)
        .unwrap()
        .with_params(nalgebra::DVector::from_vec(theta))
        .unwrap();
    let dir = temp_dir("escape");
    let mut t = Trainer::new(
        net,
        iris(),
        None,
        Loss::CrossEntropy,
        0.0,
        &OptimizerSpec::parse("sgd(lr=0.1)").unwrap(),
        None,
        TrainSettings::default()
            .with_epochs(10)
            .unwrap()
            .with_batch_size(150)
            .unwrap()
            .with_stall_detection(3, 1e-3, 1e-6)
            .unwrap()
            .with_escape_saddles(true),
        &dir,
    )
    .unwrap();
    let report = t.run(&mut |_| {}).unwrap();
    let saddle_loss = 3f64.ln();
    let stall = report.epochs[3].stall.as_ref().expect("a stall at epoch 4");
    let escape = stall.escape.as_ref().expect("an escape at the saddle");
    assert!(escape.lambda_min < 0.0);
    assert!((escape.loss_before - saddle_loss).abs() < 1e-12);
    assert!(escape.loss_after < escape.loss_before);
    // Before the escape training could not move; after it, it trains on.
    assert!((report.epochs[2].train_loss - saddle_loss).abs() < 1e-12);
    let last = report.epochs.last().unwrap().train_loss;
    assert!(last < escape.loss_after, "{last}");
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    assert!(log.contains("\"kind\":\"escape\""));
    let _ = std::fs::remove_dir_all(dir);
}
