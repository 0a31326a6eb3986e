//! Gradient, Hessian-vector product and Hessian of n-dimensional Rosenbrock
//! (n = 10, 100, 1000): saddlescope's tape against num-dual's
//! forward-over-forward Hessian.
//!
//! `cargo bench --bench derivatives`. The num-dual Hessian at n = 1000 takes
//! tens of seconds per call; it runs only with SADDLESCOPE_BENCH_SLOW=1
//! (`examples/hessian_speedup.rs` times it once, side by side).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use nalgebra::DVector;
use num_dual::Gradients;
use saddlescope::{Objective, builtin, gradient, hessian, hvp};

fn point(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| -1.2 + 0.37 * ((i * 7) % 11) as f64 / 11.0)
        .collect()
}

fn derivatives(c: &mut Criterion) {
    let slow = std::env::var_os("SADDLESCOPE_BENCH_SLOW").is_some();
    for n in [10, 100, 1000] {
        let f = builtin("rosenbrock", n).unwrap();
        let x = point(n);
        let v: Vec<f64> = (0..n).map(|i| ((i % 5) as f64 - 2.0) / n as f64).collect();
        let mut group = c.benchmark_group(format!("rosenbrock/{n}"));
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(3));
        group.bench_function("value", |b| b.iter(|| f.eval(black_box(&x[..]))));
        group.bench_function("gradient", |b| {
            b.iter(|| gradient(&f, black_box(&x)).unwrap())
        });
        group.bench_function("hvp", |b| b.iter(|| hvp(&f, black_box(&x), &v).unwrap()));
        group.bench_function("hessian", |b| {
            b.iter(|| hessian(&f, black_box(&x)).unwrap())
        });
        if n <= 100 || slow {
            group.sample_size(10);
            let xv = DVector::from_column_slice(&x);
            group.bench_with_input(BenchmarkId::new("num_dual_hessian", n), &xv, |b, xv| {
                b.iter(|| Gradients::hessian(|y: DVector<_>, _: &()| f.eval(y.as_slice()), xv, &()))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, derivatives);
criterion_main!(benches);
