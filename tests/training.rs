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
