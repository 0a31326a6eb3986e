//! One side-by-side run: the Hessian of n-dimensional Rosenbrock from
//! saddlescope's forward-over-reverse tape against num-dual's
//! forward-over-forward `Gradients::hessian`, and the cost of one HVP in
//! gradients. Also checks that both Hessians agree.
//!
//! `cargo run --release --example hessian_speedup [-- N …]` (default 10 100 1000).

use std::time::Instant;

use nalgebra::DVector;
use num_dual::Gradients;
use saddlescope::{Objective, builtin, gradient, hessian, hvp};

/// Best-of-`reps` seconds of `f`, with enough inner repetitions to last ~50 ms.
fn seconds<R>(reps: usize, mut f: impl FnMut() -> R) -> f64 {
    let t = Instant::now();
    std::hint::black_box(f());
    let once = t.elapsed().as_secs_f64();
    let inner = ((0.05 / once.max(1e-9)) as usize).clamp(1, 100_000);
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                std::hint::black_box(f());
            }
            t.elapsed().as_secs_f64() / inner as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("sizes are whole numbers"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 1000]
    } else {
        sizes
    };
    println!(
        "{:>6} {:>12} {:>12} {:>9} {:>14} {:>16} {:>9} {:>10}",
        "n",
        "gradient s",
        "hvp s",
        "hvp/grad",
        "hessian s",
        "num-dual fof s",
        "speed-up",
        "max diff"
    );
    for n in sizes {
        let f = builtin("rosenbrock", n).expect("rosenbrock takes any n ≥ 2");
        let x: Vec<f64> = (0..n)
            .map(|i| -1.2 + 0.37 * ((i * 7) % 11) as f64 / 11.0)
            .collect();
        let v: Vec<f64> = (0..n).map(|i| ((i % 5) as f64 - 2.0) / n as f64).collect();
        let t_grad = seconds(5, || gradient(&f, &x).unwrap());
        let t_hvp = seconds(5, || hvp(&f, &x, &v).unwrap());
        let t_hess = seconds(3, || hessian(&f, &x).unwrap());
        let xv = DVector::from_column_slice(&x);
        let t0 = Instant::now();
        let (_, _, h_fof) =
            Gradients::hessian(|y: DVector<_>, _: &()| f.eval(y.as_slice()), &xv, &());
        let t_fof = t0.elapsed().as_secs_f64();
        let h = hessian(&f, &x).unwrap().matrix;
        let diff = (&h - &h_fof).abs().max() / h_fof.abs().max();
        println!(
            "{n:>6} {t_grad:>12.3e} {t_hvp:>12.3e} {:>9.2} {t_hess:>14.3e} {t_fof:>16.3e} {:>8.2}× {diff:>10.1e}",
            t_hvp / t_grad,
            t_fof / t_hess,
        );
    }
}
