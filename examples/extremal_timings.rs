//! saddlescope's side of `peers.py --mode extremal`: seconds to λmax and
//! λmin of a network's Hessian by Lanczos over Hessian-vector products, as
//! one JSON line with the peer's fields plus the HVP count and mean time.
//!
//! cargo run --release --example extremal_timings -- \
//!     ../shared/fixtures/mlp/digits_64-1024-10_tanh.safetensors \
//!     --arch "linear(64,1024),tanh,linear(1024,10)" --data ../shared/data/digits.csv --scale 16
//!
//! Options: --tol T (1e-6), --block B (1), --basis M, --which both|largest|smallest.

use std::time::Instant;

use saddlescope::{
    Architecture, CsvOptions, Dataset, HessianOperator, LanczosSettings, Loss, Network,
    NetworkObjective, NetworkOptions, Which, lanczos,
};

/// As in the saddlescope binary.
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
        .expect("usage: extremal_timings CKPT --arch SPEC --data CSV [--scale S]");
    let arch = Architecture::parse(&flag("--arch").expect("--arch")).expect("architecture");
    let mut data =
        Dataset::from_csv(flag("--data").expect("--data"), &CsvOptions::default()).expect("data");
    if let Some(s) = flag("--scale") {
        data.scale(s.parse().expect("--scale is a number"))
            .expect("scale");
    }
    let net = Network::read(ckpt, Some(&arch)).expect("checkpoint");
    let f = NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default())
        .expect("objective");
    let theta = f.params().as_slice().to_vec();
    let mut settings = LanczosSettings::default()
        .with_tol(flag("--tol").map_or(1e-6, |t| t.parse().expect("--tol")))
        .expect("tol")
        .with_block(flag("--block").map_or(1, |b| b.parse().expect("--block")))
        .expect("block");
    if let Some(m) = flag("--basis") {
        settings = settings
            .with_basis(m.parse().expect("--basis"))
            .expect("basis");
    }
    let runs: Vec<(&str, Which)> = match flag("--which").as_deref() {
        Some(w) => vec![(w.to_string().leak(), w.parse().expect("--which"))],
        None => vec![("largest", Which::Largest), ("both", Which::Both)],
    };
    let mut out = serde_json::json!({
        "peer": "saddlescope lanczos",
        "mode": "extremal",
        "n_params": theta.len(),
        "block": settings.clone(),
    });
    for (name, which) in runs {
        let op = HessianOperator::new(&f, &theta).expect("operator");
        let t = Instant::now();
        let found = lanczos(&op, &settings.clone().with_which(which)).expect("lanczos");
        let secs = t.elapsed().as_secs_f64();
        out[format!("{name}_s")] = secs.into();
        out[format!("{name}_hvps")] = found.hvp_count.into();
        out[format!("{name}_hvp_mean_s")] = op.hvp_mean_seconds().into();
        out[format!("{name}_restarts")] = found.restarts.into();
        out[format!("{name}_converged")] = found.converged.into();
        if let Some(l) = found.lambda_max() {
            out[format!("{name}_eig_max")] = l.into();
            out[format!("{name}_residual_max")] = found.largest.last().unwrap().residual.into();
        }
        if let Some(l) = found.lambda_min() {
            out[format!("{name}_eig_min")] = l.into();
            out[format!("{name}_residual_min")] = found.smallest[0].residual.into();
        }
        eprintln!("{name}: {secs:.2} s");
    }
    println!("{out}");
}
