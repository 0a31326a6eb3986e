//! Every layer and loss that the PyTorch fixtures do not cover, checked
//! against central differences: for random networks on built-in data, the
//! gradient against differences of the loss, the HVP against differences of
//! the gradient, and the Hessian's columns against HVPs.

use saddlescope::{
    Architecture, BatchNormMode, Checkpoint, Loss, Network, NetworkObjective, NetworkOptions,
    Tensor, TwiceDifferentiable, builtin_dataset,
};

/// A deterministic pseudo-random stream in [−1, 1).
fn stream(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        2.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 1.0
    }
}

fn network(spec: &str, seed: u64) -> Network {
    let arch = Architecture::parse(spec).unwrap();
    let mut rand = stream(seed);
    let mut ckpt = Checkpoint::new();
    for p in arch.parameters() {
        let n = p.shape.iter().product();
        let scale = if p.name.ends_with("weight") && p.shape.len() == 1 {
            1.0
        } else {
            0.8
        };
        let values = (0..n)
            .map(|_| scale * rand() + if scale == 1.0 { 1.0 } else { 0.0 })
            .collect();
        ckpt.insert(p.name, Tensor::new(p.shape, values).unwrap());
    }
    for b in arch.buffers() {
        let n: usize = b.shape.iter().product();
        let tensor = if b.integer {
            Tensor::from_integers(b.shape, &vec![7; n]).unwrap()
        } else if b.name.ends_with("running_var") {
            Tensor::new(b.shape, (0..n).map(|_| 0.5 + rand().abs()).collect()).unwrap()
        } else {
            Tensor::new(b.shape, (0..n).map(|_| 0.3 * rand()).collect()).unwrap()
        };
        ckpt.insert(b.name, tensor);
    }
    Network::from_checkpoint(ckpt, arch).unwrap()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Gradient, HVP and Hessian of `spec` with `loss` on `data` against
/// central differences.
fn check(spec: &str, data: &str, loss: Loss, options: NetworkOptions) {
    let net = network(spec, 7);
    let data = builtin_dataset(data, 3).unwrap();
    let f = NetworkObjective::new(&net, &data, loss, options).unwrap();
    let theta = f.params().as_slice().to_vec();
    let n = theta.len();
    let (_, g) = f.gradient(&theta).unwrap();
    let h = 1e-5;
    let mut rand = stream(11);
    let v: Vec<f64> = (0..n).map(|_| rand()).collect();
    let hv = f.hvp(&theta, &v).unwrap().product;
    let (mut g_fd, mut hv_fd) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let (mut p, mut m) = (theta.clone(), theta.clone());
        p[i] += h;
        m[i] -= h;
        g_fd[i] = (f.value(&p).unwrap() - f.value(&m).unwrap()) / (2.0 * h);
    }
    {
        let p: Vec<f64> = theta.iter().zip(&v).map(|(t, d)| t + h * d).collect();
        let m: Vec<f64> = theta.iter().zip(&v).map(|(t, d)| t - h * d).collect();
        let (gp, gm) = (f.gradient(&p).unwrap().1, f.gradient(&m).unwrap().1);
        for i in 0..n {
            hv_fd[i] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    let g_err = g
        .iter()
        .zip(&g_fd)
        .fold(0.0f64, |e, (a, b)| e.max((a - b).abs()));
    assert!(
        g_err <= 1e-6 * max_abs(g.as_slice()).max(1e-3),
        "{spec} {loss}: gradient error {g_err:e}"
    );
    let hv_err = hv
        .iter()
        .zip(&hv_fd)
        .fold(0.0f64, |e, (a, b)| e.max((a - b).abs()));
    assert!(
        hv_err <= 1e-6 * max_abs(hv.as_slice()).max(1e-3),
        "{spec} {loss}: HVP error {hv_err:e}"
    );
    // The Hessian times v is the HVP.
    let hess = f.hessian(&theta).unwrap();
    let hv_dense = &hess.matrix * nalgebra::DVector::from_vec(v);
    let err = (&hv_dense - &hv).abs().max();
    assert!(
        err <= 1e-10 * max_abs(hv.as_slice()).max(1e-12),
        "{spec} {loss}: H·v vs HVP {err:e}"
    );
    assert!(
        hess.asymmetry <= 1e-12,
        "{spec}: asymmetry {}",
        hess.asymmetry
    );
}

fn eval() -> NetworkOptions {
    NetworkOptions::default()
}

#[test]
fn every_activation_with_cross_entropy() {
    for act in [
        "tanh",
        "relu",
        "sigmoid",
        "gelu",
        "softplus",
        "elu",
        "leaky_relu(0.1)",
    ] {
        check(
            &format!("linear(2,5),{act},linear(5,3)"),
            "blobs(n=60,k=3,d=2)",
            Loss::CrossEntropy,
            eval(),
        );
    }
}

#[test]
fn normalisation_and_dropout_layers() {
    check(
        "linear(2,4),layernorm(4),tanh,linear(4,3)",
        "blobs(n=50,k=3,d=2)",
        Loss::CrossEntropy,
        eval(),
    );
    check(
        "linear(2,4),batchnorm(4),gelu,dropout(0.5),linear(4,3)",
        "blobs(n=50,k=3,d=2)",
        Loss::CrossEntropy,
        eval(),
    );
    check(
        "linear(2,4),batchnorm(4),tanh,linear(4,3)",
        "blobs(n=50,k=3,d=2)",
        Loss::CrossEntropy,
        NetworkOptions {
            batch_norm: BatchNormMode::Train,
            l2: 0.0,
        },
    );
    // A normalisation layer first: the data is lifted before it.
    check(
        "batchnorm(2),linear(2,3,bias=false),sigmoid,linear(3,3)",
        "blobs(n=40,k=3,d=2)",
        Loss::CrossEntropy,
        eval(),
    );
}

#[test]
fn mse_bce_and_l2() {
    check(
        "linear(4,6),tanh,linear(6,1)",
        "teacher(n=60,d=4)",
        Loss::Mse,
        eval(),
    );
    check(
        "linear(2,5),softplus,linear(5,3)",
        "blobs(n=40,k=3,d=2)",
        Loss::Mse,
        eval(),
    );
    check(
        "linear(2,5),tanh,linear(5,1)",
        "moons(n=60)",
        Loss::Bce,
        eval(),
    );
    check(
        "linear(2,5),elu,linear(5,2)",
        "moons(n=60)",
        Loss::CrossEntropy,
        NetworkOptions {
            batch_norm: BatchNormMode::Eval,
            l2: 0.3,
        },
    );
}
