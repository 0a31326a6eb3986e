//! Matrix-free spectra on the fixture networks: λmax alone and both ends by
//! Lanczos (tolerance 1e-6), and an SLQ density, on digits 64-32-10 (2,410
//! parameters); the mean time of one HVP beside them, so that the cost of
//! Lanczos beyond its HVPs shows.
//!
//! `cargo bench --bench spectrum`. The 76,810-parameter workload of
//! `peers.py --mode extremal` takes seconds per run; time it side by side
//! with `examples/extremal_timings.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use saddlescope::{
    Architecture, CsvOptions, Dataset, HessianOperator, LanczosSettings, LinearOperator, Loss,
    Network, NetworkObjective, NetworkOptions, SlqSettings, Which, lanczos, slq,
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn spectrum(c: &mut Criterion) {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
    let arch = Architecture::parse("linear(64,32),tanh,linear(32,10)").unwrap();
    let net = Network::read(
        format!("{shared}/fixtures/mlp/digits_64-32-10_tanh.safetensors"),
        Some(&arch),
    )
    .unwrap();
    let mut data =
        Dataset::from_csv(format!("{shared}/data/digits.csv"), &CsvOptions::default()).unwrap();
    data.scale(16.0).unwrap();
    let f =
        NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    let theta = f.params().as_slice().to_vec();
    let op = HessianOperator::new(&f, &theta).unwrap();
    let v = vec![1.0 / (theta.len() as f64).sqrt(); theta.len()];

    let mut group = c.benchmark_group("digits_64-32-10");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("hvp", |b| b.iter(|| black_box(op.apply(&v).unwrap())));
    for (name, which) in [
        ("lanczos_largest", Which::Largest),
        ("lanczos_both", Which::Both),
    ] {
        let settings = LanczosSettings::default().with_which(which);
        group.bench_function(name, |b| {
            b.iter(|| black_box(lanczos(&op, &settings).unwrap().hvp_count))
        });
    }
    let settings = SlqSettings::default();
    group.bench_function("slq_10x80", |b| {
        b.iter(|| black_box(slq(&op, &settings).unwrap().trace.estimate))
    });
    group.finish();
}

criterion_group!(benches, spectrum);
criterion_main!(benches);
