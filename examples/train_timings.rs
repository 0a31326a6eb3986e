//! saddlescope's side of `peers.py --mode train`: seconds per epoch of
//! mini-batch Adam (lr 1e-3) on a network checkpoint's architecture, batch
//! sizes 1, 32, 256 and the whole set (1 epoch at batch size 1, else 10),
//! as one JSON line with the peer's field names.
//!
//! cargo run --release --example train_timings -- \
//!     ../shared/fixtures/mlp/digits_64-32-10_tanh.safetensors \
//!     --arch "linear(64,32),tanh,linear(32,10)" --data ../shared/data/digits.csv --scale 16
//!
//! `epoch_s_batch_B` times the steps (gradient and optimizer update), as
//! the peer does; `epoch_total_s_batch_B` adds what the trainer does at the
//! end of every epoch: full-data loss, accuracy and gradient, stall check,
//! logs and an atomic checkpoint.

use std::time::Instant;

use saddlescope::{
    Architecture, CsvOptions, Dataset, Loss, Network, OptimizerSpec, TrainSettings, Trainer,
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let ckpt = args
        .first()
        .expect("usage: train_timings CKPT --arch SPEC --data CSV [--scale S]");
    let arch = Architecture::parse(&flag("--arch").expect("--arch")).expect("architecture");
    let mut data =
        Dataset::from_csv(flag("--data").expect("--data"), &CsvOptions::default()).expect("data");
    if let Some(s) = flag("--scale") {
        data.scale(s.parse().expect("--scale is a number"))
            .expect("scale");
    }
    let net = Network::read(ckpt, Some(&arch)).expect("checkpoint");
    let n = net.params().len();
    let mut out = serde_json::json!({
        "peer": "saddlescope trainer", "mode": "train", "n_params": n,
    });
    let adam = OptimizerSpec::parse("adam(lr=0.001)").unwrap();
    for bs in [1, 32, 256, data.rows()] {
        let epochs = if bs == 1 { 1 } else { 10 };
        let dir = std::env::temp_dir().join(format!(
            "saddlescope-train-timings-{}-{bs}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let settings = TrainSettings::default()
            .with_epochs(epochs)
            .unwrap()
            .with_batch_size(bs)
            .unwrap()
            .with_step_logs(false);
        let mut t = Trainer::new(
            net.clone(),
            data.clone(),
            None,
            Loss::CrossEntropy,
            0.0,
            &adam,
            None,
            settings,
            &dir,
        )
        .expect("trainer");
        let start = Instant::now();
        let report = t.run(&mut |_| {}).expect("training");
        let total = start.elapsed().as_secs_f64() / epochs as f64;
        let steps: f64 = report.epochs.iter().map(|e| e.seconds).sum::<f64>() / epochs as f64;
        out[format!("epoch_s_batch_{bs}")] = steps.into();
        out[format!("epoch_total_s_batch_{bs}")] = total.into();
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!("{out}");
}
