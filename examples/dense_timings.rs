//! saddlescope's side of `peers.py --mode dense`: seconds for one gradient,
//! one Hessian-vector product, the full Hessian and its spectrum on a
//! network checkpoint, as one JSON line with the same fields, so the two
//! can be run in the same minute and compared as ratios.
//!
//! cargo run --release --example dense_timings -- \
//!     ../shared/fixtures/mlp/digits_64-32-10_tanh.safetensors \
//!     --arch "linear(64,32),tanh,linear(32,10)" --data ../shared/data/digits.csv --scale 16

use std::time::Instant;

use saddlescope::{
    Architecture, CsvOptions, Dataset, Loss, Network, NetworkObjective, NetworkOptions,
    TwiceDifferentiable, symmetric_eigenvalues,
};

/// As in the saddlescope binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn best<R>(reps: usize, mut f: impl FnMut() -> R) -> (f64, R) {
    let mut out = None;
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("reps ≥ 1"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let ckpt = args
        .first()
        .expect("usage: dense_timings CKPT --arch SPEC --data CSV [--scale S] [--reps R]");
    let arch = Architecture::parse(&flag("--arch").expect("--arch")).expect("architecture");
    let mut data =
        Dataset::from_csv(flag("--data").expect("--data"), &CsvOptions::default()).expect("data");
    if let Some(s) = flag("--scale") {
        data.scale(s.parse().expect("--scale is a number"))
            .expect("scale");
    }
    let reps: usize = flag("--reps").map_or(3, |r| r.parse().expect("--reps"));
    let net = Network::read(ckpt, Some(&arch)).expect("checkpoint");
    let f = NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default())
        .expect("objective");
    let theta = f.params().as_slice().to_vec();
    let n = theta.len();
    let v = vec![1.0 / (n as f64).sqrt(); n];

    let _warm = f.gradient(&theta).unwrap();
    // SADDLESCOPE_PROFILE=hvp|hessian|gradient: loop one kernel for a profiler.
    // SADDLESCOPE_PROFILE=hessian:N runs exactly N (for CPU-time counts).
    if let Ok(what) = std::env::var("SADDLESCOPE_PROFILE") {
        let (what, count) = match what.split_once(':') {
            Some((w, n)) => (w.to_string(), n.parse().expect("a count")),
            None => (what, usize::MAX),
        };
        let t = Instant::now();
        let mut runs = 0;
        while t.elapsed().as_secs_f64() < 5.0 || (count != usize::MAX && runs < count) {
            if runs >= count {
                break;
            }
            runs += 1;
            match what.as_str() {
                "hvp" => drop(f.hvp(&theta, &v).unwrap()),
                "hessian" => drop(f.hessian(&theta).unwrap()),
                _ => drop(f.gradient(&theta).unwrap()),
            }
        }
        return;
    }
    let (grad_s, (loss, g)) = best(reps.max(5), || f.gradient(&theta).unwrap());
    let (hvp_s, _) = best(reps.max(10), || f.hvp(&theta, &v).unwrap());
    let (hessian_s, h) = best(reps, || f.hessian(&theta).unwrap());
    let (eig_s, ev) = best(1, || symmetric_eigenvalues(&h.matrix).unwrap());
    println!(
        "{}",
        serde_json::json!({
            "peer": "saddlescope",
            "mode": "dense",
            "n_params": n,
            "threads": rayon::current_num_threads(),
            "grad_s": grad_s,
            "hvp_s": hvp_s,
            "hessian_s": hessian_s,
            "eigvalsh_s": eig_s,
            "loss": loss,
            "grad_norm": g.norm(),
            "eig_min": ev[0],
            "eig_max": ev[n - 1],
        })
    );
}
