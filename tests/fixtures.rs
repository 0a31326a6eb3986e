//! Networks from PyTorch checkpoints against PyTorch's own float64 numbers
//! (../shared/fixtures/mlp): loss to 1e-12 relative, gradient and HVP to
//! 1e-10 (max-abs error over the vector's max-abs), every Hessian
//! eigenvalue to 1e-8 of max|λ|.

use serde_json::Value;

use saddlescope::{
    Architecture, BatchNormMode, CsvOptions, Dataset, Loss, Network, NetworkObjective,
    NetworkOptions, TwiceDifferentiable, symmetric_eigenvalues,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// max|a − b| / max|b|.
fn rel(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

fn objective(name: &str, bn: BatchNormMode) -> (NetworkObjective, Value) {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}.json")).unwrap())
            .unwrap();
    let arch = Architecture::parse(meta["arch"].as_str().unwrap()).unwrap();
    let net = Network::read(format!("{FIXTURES}/{name}.safetensors"), Some(&arch)).unwrap();
    assert_eq!(
        net.params().len(),
        meta["n_params"].as_u64().unwrap() as usize
    );
    let mut data = Dataset::from_csv(
        format!("{DATA}/{}", meta["dataset"].as_str().unwrap()),
        &CsvOptions::default(),
    )
    .unwrap();
    let scale = meta["scale"].as_f64().unwrap();
    if scale != 1.0 {
        data.scale(scale).unwrap();
    }
    let loss: Loss = meta["loss_fn"].as_str().unwrap().parse().unwrap();
    let options = NetworkOptions {
        batch_norm: bn,
        ..NetworkOptions::default()
    };
    (
        NetworkObjective::new(&net, &data, loss, options).unwrap(),
        meta,
    )
}

/// How far the fixture's eigenvalues can be trusted.
#[derive(PartialEq)]
enum Eigenvalues {
    /// Compare every eigenvalue to 1e-8 of max|λ|.
    Trusted,
    /// PyTorch's `torch.func.hessian` (forward-over-reverse) is wrong through
    /// `batch_norm` in training mode (pytorch/pytorch#196699: incorrect
    /// second-order forward-mode JVP), while its reverse-over-reverse HVP,
    /// gradient and loss are right. Only the trace (Σλ = tr H, which its
    /// correct diagonal gives) is compared; the Hessian itself is checked
    /// against central differences of the gradient.
    TraceOnly,
}

fn check(name: &str, bn: BatchNormMode, key: &str) {
    check_with(name, bn, key, Eigenvalues::Trusted)
}

fn check_with(name: &str, bn: BatchNormMode, key: &str, trust: Eigenvalues) {
    let (f, meta) = objective(name, bn);
    let expected = &meta[key];
    let theta = f.params().as_slice().to_vec();
    let n = theta.len();

    let (loss, grad) = f.gradient(&theta).unwrap();
    let want = expected["loss"].as_f64().unwrap();
    assert!(
        (loss - want).abs() <= 1e-12 * want.abs(),
        "{name} {key}: loss {loss} vs {want}"
    );
    let e = rel(grad.as_slice(), &floats(&expected["grad"]));
    assert!(e <= 1e-10, "{name} {key}: gradient error {e:e}");

    let v = vec![1.0 / (n as f64).sqrt(); n];
    let r = f.hvp(&theta, &v).unwrap();
    let e = rel(r.product.as_slice(), &floats(&expected["hvp"]));
    assert!(e <= 1e-10, "{name} {key}: HVP error {e:e}");
    assert!(rel(r.gradient.as_slice(), grad.as_slice()) <= 1e-10);

    if let Some(eigs) = expected.get("eigenvalues_ascending") {
        let h = f.hessian(&theta).unwrap();
        assert!(h.asymmetry < 1e-12, "{name}: asymmetry {}", h.asymmetry);
        let ours = symmetric_eigenvalues(&h.matrix).unwrap();
        let theirs = floats(eigs);
        let scale = theirs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if trust == Eigenvalues::Trusted {
            let worst = ours
                .iter()
                .zip(&theirs)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                worst <= 1e-8 * scale,
                "{name} {key}: eigenvalue error {:e} of max|λ|",
                worst / scale
            );
        } else {
            let trace: f64 = h.matrix.diagonal().sum();
            let sum: f64 = theirs.iter().sum();
            assert!(
                (trace - sum).abs() <= 1e-10 * scale,
                "{name} {key}: trace {trace} vs Σλ {sum}"
            );
            for j in 0..n {
                let s = 1e-5;
                let (mut p, mut m) = (theta.clone(), theta.clone());
                p[j] += s;
                m[j] -= s;
                let fd = (f.gradient(&p).unwrap().1 - f.gradient(&m).unwrap().1) / (2.0 * s);
                let col = h.matrix.column(j);
                let err = (fd - col).abs().max();
                assert!(
                    err <= 1e-7 * scale,
                    "{name} {key}: column {j} vs central differences: {err:e}"
                );
            }
        }
        // The Hessian's own HVP agrees with the forward-over-reverse one.
        let hv = &h.matrix * nalgebra::DVector::from_vec(v);
        assert!(rel(hv.as_slice(), r.product.as_slice()) <= 1e-10);
    }
}

#[test]
fn iris_4_8_3_tanh_matches_pytorch() {
    check("iris_4-8-3_tanh", BatchNormMode::Eval, "expected");
}

#[test]
fn sine_1_16_1_tanh_matches_pytorch() {
    check("sine_1-16-1_tanh", BatchNormMode::Eval, "expected");
}

#[test]
fn digits_64_32_10_tanh_matches_pytorch() {
    check("digits_64-32-10_tanh", BatchNormMode::Eval, "expected");
}

#[test]
fn iris_batchnorm_matches_pytorch_in_eval_mode() {
    check("iris_4-6bn-3_tanh", BatchNormMode::Eval, "bn_eval");
}

#[test]
fn iris_batchnorm_matches_pytorch_in_train_mode() {
    check_with(
        "iris_4-6bn-3_tanh",
        BatchNormMode::Train,
        "bn_train",
        Eigenvalues::TraceOnly,
    );
}

#[test]
fn results_are_the_same_at_one_and_two_threads() {
    let (f, _) = objective("iris_4-6bn-3_tanh", BatchNormMode::Eval);
    let theta = f.params().as_slice().to_vec();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| (f.gradient(&theta).unwrap(), f.hessian(&theta).unwrap()))
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.0.1.as_slice(), two.0.1.as_slice());
    assert_eq!(one.1.matrix.as_slice(), two.1.matrix.as_slice());
}

/// An f32 copy of a fixture (written with the safetensors crate, as PyTorch
/// would for a float32 model) loads, widened to f64, and agrees to f32
/// accuracy.
#[test]
fn an_f32_copy_of_a_fixture_agrees_to_f32_accuracy() {
    use safetensors::tensor::{Dtype, TensorView};
    let (f64_obj, meta) = objective("iris_4-8-3_tanh", BatchNormMode::Eval);
    let source = Network::read(
        format!("{FIXTURES}/iris_4-8-3_tanh.safetensors"),
        Some(&Architecture::parse(meta["arch"].as_str().unwrap()).unwrap()),
    )
    .unwrap();
    let tensors: Vec<(String, Vec<usize>, Vec<u8>)> = source
        .checkpoint()
        .iter()
        .map(|(name, t)| {
            let bytes = t
                .data
                .iter()
                .flat_map(|&v| (v as f32).to_le_bytes())
                .collect();
            (name.to_string(), t.shape.clone(), bytes)
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
            )
        })
        .collect();
    let path = std::env::temp_dir().join(format!(
        "saddlescope-f32-{}.safetensors",
        std::process::id()
    ));
    safetensors::serialize_to_file(views, None, &path).unwrap();
    let arch = Architecture::parse(meta["arch"].as_str().unwrap()).unwrap();
    let net = Network::read(&path, Some(&arch)).unwrap();
    std::fs::remove_file(&path).unwrap();
    let data = Dataset::from_csv(format!("{DATA}/iris.csv"), &CsvOptions::default()).unwrap();
    let f32_obj =
        NetworkObjective::new(&net, &data, Loss::CrossEntropy, NetworkOptions::default()).unwrap();
    let (l32, g32) = f32_obj.gradient(f32_obj.params().as_slice()).unwrap();
    let (l64, g64) = f64_obj.gradient(f64_obj.params().as_slice()).unwrap();
    assert!((l32 - l64).abs() <= 1e-6 * l64, "{l32} vs {l64}");
    assert!(rel(g32.as_slice(), g64.as_slice()) <= 1e-5);
    assert!(l32 != l64, "the copy really is rounded to f32");
}
