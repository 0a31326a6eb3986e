//! Matrix-free spectra against known spectra and the dense solver: Lanczos
//! both ends to 1e-8 relative on diagonal, orthogonally conjugated,
//! Wishart, clustered and degenerate operators; the fixture networks' ends
//! against PyTorch's eigenvalues; Hutchinson and SLQ against exact traces;
//! the same bits at 1 and 2 threads.

use nalgebra::{DMatrix, DVector};
use serde_json::Value;

use saddlescope::{
    Architecture, CsvOptions, Dataset, HessianOperator, LanczosSettings, LinearOperator, Loss,
    MiniBatchHessian, Network, NetworkObjective, NetworkOptions, SlqSettings, Which, hutchinson,
    lanczos, slq, symmetric_eigenvalues,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/mlp");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

/// splitmix64 → standard normals (Box–Muller), for test matrices.
struct Normals(u64);
impl Normals {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn matrix(&mut self, r: usize, c: usize) -> DMatrix<f64> {
        DMatrix::from_fn(r, c, |_, _| self.normal())
    }
}

/// Q·diag(λ)·Qᵀ with Q a random orthogonal matrix.
fn conjugated(eigenvalues: &[f64], seed: u64) -> DMatrix<f64> {
    let n = eigenvalues.len();
    let q = Normals(seed).matrix(n, n).qr().q();
    let a = &q * DMatrix::from_diagonal(&DVector::from_column_slice(eigenvalues)) * q.transpose();
    (&a + a.transpose()) * 0.5
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Lanczos' k smallest and k largest against the exact eigenvalues, to
/// `rel` of max|λ|; the reported residuals are the true ones.
fn check_ends(a: &DMatrix<f64>, exact: &[f64], k: usize, block: usize, rel: f64) {
    let settings = LanczosSettings::default()
        .with_k(k)
        .unwrap()
        .with_block(block)
        .unwrap()
        .with_tol(1e-10)
        .unwrap();
    let found = lanczos(a, &settings).unwrap();
    assert!(found.converged, "not converged: {found:?}");
    let exact = sorted(exact.to_vec());
    let n = exact.len();
    let scale = exact[0].abs().max(exact[n - 1].abs());
    for (i, p) in found.smallest.iter().enumerate() {
        assert!(
            (p.value - exact[i]).abs() <= rel * scale,
            "smallest[{i}] = {} but exact {}",
            p.value,
            exact[i]
        );
    }
    for (i, p) in found.largest.iter().enumerate() {
        let e = exact[n - k + i];
        assert!(
            (p.value - e).abs() <= rel * scale,
            "largest[{i}] = {} but exact {e}",
            p.value
        );
    }
    for p in found.smallest.iter().chain(&found.largest) {
        let r = (a * &p.vector - &p.vector * p.value).norm();
        assert!((p.vector.norm() - 1.0).abs() < 1e-12);
        assert!(
            r <= p.residual + 1e-12 * scale,
            "true residual {r} above the reported {}",
            p.residual
        );
    }
}

#[test]
fn diagonal_spectrum() {
    let values: Vec<f64> = (0..400)
        .map(|i| (i as f64 * 0.37).sin() * 10.0 + i as f64 * 0.01)
        .collect();
    let a = DMatrix::from_diagonal(&DVector::from_vec(values.clone()));
    check_ends(&a, &values, 3, 1, 1e-8);
}

#[test]
fn orthogonally_conjugated_spectrum() {
    let mut r = Normals(5);
    let values: Vec<f64> = (0..300).map(|_| r.normal() * 3.0).collect();
    check_ends(&conjugated(&values, 11), &values, 4, 1, 1e-8);
}

#[test]
fn wishart_spectrum() {
    let x = Normals(17).matrix(250, 500);
    let a = &x * x.transpose() / 500.0;
    let exact = symmetric_eigenvalues(&a).unwrap();
    check_ends(&a, exact.as_slice(), 3, 1, 1e-8);
}

#[test]
fn clustered_spectrum() {
    // Three clusters 1e-4 apart inside, ends at −1 ± 1e-5 and 3 ± 1e-5.
    let mut values = vec![-1.0, -1.0 + 1e-5, -1.0 + 2e-5, 3.0 - 2e-5, 3.0 - 1e-5, 3.0];
    for i in 0..200 {
        values.push(1.0 + (i % 3) as f64 * 1e-4);
    }
    check_ends(&conjugated(&values, 23), &values, 3, 1, 1e-8);
}

#[test]
fn degenerate_spectrum_needs_a_block() {
    // λ = −2 three times and 5 twice: a block of 3 finds every copy.
    let mut values = vec![-2.0, -2.0, -2.0, 5.0, 5.0];
    values.extend((0..150).map(|i| -1.0 + 5.0 * i as f64 / 150.0));
    let a = conjugated(&values, 29);
    check_ends(&a, &values, 3, 3, 1e-8);
    // One vector still finds each end once.
    check_ends(&a, &values, 1, 1, 1e-8);
}

#[test]
fn tiny_operators_are_exact() {
    for n in 1..=6 {
        let values: Vec<f64> = (0..n).map(|i| i as f64 - 2.5).collect();
        let a = conjugated(&values, n as u64);
        check_ends(&a, &values, 1, 1, 1e-12);
        if n >= 4 {
            check_ends(&a, &values, 2, 2, 1e-12);
        }
    }
}

#[test]
fn one_end_only_and_restarts() {
    let values: Vec<f64> = (0..600).map(|i| 1.0 / (1.0 + i as f64)).collect();
    let a = DMatrix::from_diagonal(&DVector::from_vec(values));
    let s = LanczosSettings::default()
        .with_which(Which::Smallest)
        .with_tol(1e-8)
        .unwrap()
        .with_basis(20)
        .unwrap();
    let found = lanczos(&a, &s).unwrap();
    assert!(found.largest.is_empty());
    assert!(found.restarts > 0, "a basis of 20 must restart here");
    assert!((found.lambda_min().unwrap() - 1.0 / 600.0).abs() < 1e-8);
    assert_eq!(found.lambda_max(), None);
}

#[test]
fn budget_exhausted_is_reported_not_hidden() {
    let values: Vec<f64> = (0..2000).map(|i| 1.0 / (1.0 + i as f64)).collect();
    let a = DMatrix::from_diagonal(&DVector::from_vec(values));
    let s = LanczosSettings::default()
        .with_which(Which::Smallest)
        .with_tol(1e-12)
        .unwrap()
        .with_max_hvps(30)
        .unwrap();
    let found = lanczos(&a, &s).unwrap();
    assert!(!found.converged);
    assert!(!found.smallest[0].converged);
    assert!(found.hvp_count <= 30);
}

#[test]
fn bad_settings_are_errors() {
    let a = DMatrix::<f64>::identity(3, 3);
    let err = lanczos(&a, &LanczosSettings::default().with_k(4).unwrap()).unwrap_err();
    assert!(err.to_string().contains("at most the dimension 3"), "{err}");
    assert!(LanczosSettings::default().with_k(0).is_err());
    assert!(LanczosSettings::default().with_tol(f64::NAN).is_err());
    assert!(LanczosSettings::default().with_block(0).is_err());
    assert!(LanczosSettings::default().with_basis(2).is_err());
    assert!("sideways".parse::<Which>().is_err());
}

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn lanczos_and_slq_do_not_depend_on_the_thread_count() {
    let mut r = Normals(41);
    let values: Vec<f64> = (0..9000).map(|_| r.normal()).collect();
    // Large enough that the row tasks split (n > 4096).
    let a = DMatrix::from_diagonal(&DVector::from_vec(values));
    let run = || {
        let l = lanczos(&a, &LanczosSettings::default().with_k(2).unwrap()).unwrap();
        let d = slq(
            &a,
            &SlqSettings::default()
                .with_probes(3)
                .unwrap()
                .with_steps(20)
                .unwrap(),
        )
        .unwrap();
        (
            l.smallest
                .iter()
                .chain(&l.largest)
                .map(|p| (p.value, p.vector.clone()))
                .collect::<Vec<_>>(),
            d.values,
            d.trace.estimate,
        )
    };
    let one = in_pool(1, run);
    let two = in_pool(2, run);
    assert!(one == two, "results differ between 1 and 2 threads");
}

#[test]
fn hutchinson_matches_the_exact_trace() {
    let mut r = Normals(3);
    let values: Vec<f64> = (0..500).map(|_| r.normal() + 0.5).collect();
    let a = conjugated(&values, 8);
    let exact: f64 = values.iter().sum();
    let t = hutchinson(&a, 200, 1).unwrap();
    assert!(t.stderr > 0.0);
    assert!(
        (t.estimate - exact).abs() < 4.0 * t.stderr,
        "{} vs {exact} ± {}",
        t.estimate,
        t.stderr
    );
    // A diagonal matrix has zᵀAz = tr A for every Rademacher z.
    let d = DMatrix::from_diagonal(&DVector::from_vec(values.clone()));
    let t = hutchinson(&d, 5, 1).unwrap();
    assert!((t.estimate - exact).abs() < 1e-10 && t.stderr < 1e-10);
    assert!(hutchinson(&d, 0, 1).is_err());
}

#[test]
fn slq_density_integrates_to_one_with_the_right_mean() {
    let mut r = Normals(13);
    let values: Vec<f64> = (0..400)
        .map(|i| {
            if i < 60 {
                -0.3 * r.uniform()
            } else {
                4.0 * r.uniform().powi(3)
            }
        })
        .collect();
    let a = conjugated(&values, 19);
    let n = values.len() as f64;
    let d = slq(
        &a,
        &SlqSettings::default()
            .with_probes(20)
            .unwrap()
            .with_steps(40)
            .unwrap()
            .with_seed(9),
    )
    .unwrap();
    assert!((d.integral() - 1.0).abs() < 1e-6, "∫φ = {}", d.integral());
    for w in &d.weights {
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    let exact_mean = values.iter().sum::<f64>() / n;
    // The density's mean is the probes' trace / n, node by node.
    assert!((d.mean() - d.trace.estimate / n).abs() < 1e-12);
    let grid_mean: f64 = {
        let h = d.grid[1] - d.grid[0];
        d.grid.iter().zip(&d.values).map(|(t, v)| t * v * h).sum()
    };
    assert!((grid_mean - d.mean()).abs() < 1e-6);
    assert!(
        (d.mean() - exact_mean).abs() < 3.0 * d.trace.stderr / n,
        "mean {} vs exact {exact_mean} ± {}",
        d.mean(),
        d.trace.stderr / n
    );
    // The shares against the exact ones, with the same band around zero.
    let share = |keep: &dyn Fn(f64) -> bool| values.iter().filter(|l| keep(**l)).count() as f64 / n;
    let band = d.zero_band;
    assert_eq!(band, d.sigma);
    for (got, want) in [
        (d.negative_fraction, share(&|l| l < -band)),
        (d.near_zero_fraction, share(&|l| l.abs() <= band)),
        (d.positive_fraction, share(&|l| l > band)),
    ] {
        assert!(
            (got - want).abs() < 0.06,
            "share {got} against the exact {want}"
        );
    }
    assert_eq!(d.hvp_count, 20 * 40);
    let same = slq(
        &a,
        &SlqSettings::default()
            .with_probes(20)
            .unwrap()
            .with_steps(40)
            .unwrap()
            .with_seed(9),
    )
    .unwrap();
    assert_eq!(d, same);
}

/// Regression (#4): when the Krylov space becomes invariant (few distinct
/// eigenvalues), rounding noise must not be normalised into the basis —
/// it once produced a node at −11 for a spectrum in [−1, 2].
#[test]
fn invariant_krylov_spaces_break_down_cleanly() {
    let a = conjugated(
        &(0..200)
            .map(|i| if i < 100 { -1.0 } else { 2.0 })
            .collect::<Vec<_>>(),
        31,
    );
    let d = slq(&a, &SlqSettings::default().with_probes(3).unwrap()).unwrap();
    for (nodes, weights) in d.nodes.iter().zip(&d.weights) {
        for (t, w) in nodes.iter().zip(weights) {
            assert!(
                (-1.0 - 1e-9..=2.0 + 1e-9).contains(t) || *w < 1e-20,
                "node {t} of weight {w} outside the spectrum"
            );
        }
    }
    assert!((d.negative_fraction - 0.5).abs() < 0.15);
    // Each eigenvalue has multiplicity 100: a block of 3 finds 3 copies.
    let settings = LanczosSettings::default()
        .with_k(3)
        .unwrap()
        .with_block(3)
        .unwrap()
        .with_tol(1e-10)
        .unwrap();
    let found = lanczos(&a, &settings).unwrap();
    assert!(found.converged);
    assert!(
        found.smallest.iter().all(|p| (p.value + 1.0).abs() < 1e-9),
        "{:?}",
        found
            .smallest
            .iter()
            .map(|p| (p.value, p.residual))
            .collect::<Vec<_>>()
    );
    assert!(found.largest.iter().all(|p| (p.value - 2.0).abs() < 1e-9));
}

fn fixture(name: &str) -> (NetworkObjective, Value, Network, Dataset, Loss) {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}.json")).unwrap())
            .unwrap();
    let arch = Architecture::parse(meta["arch"].as_str().unwrap()).unwrap();
    let net = Network::read(format!("{FIXTURES}/{name}.safetensors"), Some(&arch)).unwrap();
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
    let f = NetworkObjective::new(&net, &data, loss, NetworkOptions::default()).unwrap();
    (f, meta, net, data, loss)
}

/// Both ends of the fixture networks' Hessians against PyTorch's dense
/// eigenvalues, to 1e-8 of max|λ|.
#[test]
fn fixture_networks_ends_match_pytorch() {
    for (name, key) in [
        ("sine_1-16-1_tanh", "expected"),
        ("iris_4-8-3_tanh", "expected"),
        ("iris_4-6bn-3_tanh", "bn_eval"),
        ("digits_64-32-10_tanh", "expected"),
    ] {
        let (f, meta, ..) = fixture(name);
        let exact: Vec<f64> = meta[key]["eigenvalues_ascending"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let op = HessianOperator::new(&f, f.params().as_slice()).unwrap();
        let found = lanczos(
            &op,
            &LanczosSettings::default()
                .with_k(2)
                .unwrap()
                .with_tol(1e-10)
                .unwrap(),
        )
        .unwrap();
        let n = exact.len();
        let scale = exact[0].abs().max(exact[n - 1].abs());
        let got = [
            found.smallest[0].value,
            found.smallest[1].value,
            found.largest[0].value,
            found.largest[1].value,
        ];
        let want = [exact[0], exact[1], exact[n - 2], exact[n - 1]];
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-8 * scale,
                "{name}: {got:?} against PyTorch {want:?}"
            );
        }
        assert_eq!(op.hvp_count() as usize, found.hvp_count);
    }
}

#[test]
fn mini_batch_hessian_has_the_full_data_scale() {
    let (f, _, net, data, loss) = fixture("iris_4-8-3_tanh");
    let full = HessianOperator::new(&f, f.params().as_slice()).unwrap();
    let batched = MiniBatchHessian::new(&net, &data, loss, NetworkOptions::default(), 32).unwrap();
    assert_eq!(batched.batches(), 150usize.div_ceil(32));
    let v: Vec<f64> = (0..f.params().len()).map(|i| (i as f64).cos()).collect();
    let (a, b) = (full.apply(&v).unwrap(), batched.apply(&v).unwrap());
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * scale)
    );
    assert!(MiniBatchHessian::new(&net, &data, loss, NetworkOptions::default(), 0).is_err());
    // A block of products is the products one by one.
    let mut two = v.clone();
    two.extend(v.iter().map(|x| x * 2.0 - 1.0));
    let block = full.apply_block(&two, 2).unwrap();
    let second = full.apply(&two[v.len()..]).unwrap();
    assert!(
        block[..v.len()]
            .iter()
            .zip(&a)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * scale)
    );
    assert!(
        block[v.len()..]
            .iter()
            .zip(&second)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * scale)
    );
}
