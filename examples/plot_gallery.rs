//! Draws one of every figure into a directory, as PNG and SVG:
//!
//! ```text
//! cargo run --release --example plot_gallery -- OUT_DIR
//! ```
//!
//! Surfaces of Rosenbrock (with three optimizers) and Himmelblau (with its
//! critical points); slices of a small network's loss through its trained
//! parameters along random filter-normalised directions and its extreme
//! eigenvectors, and along the line from its initialisation; its Hessian
//! spectrum as a histogram and a density; the training curves of a
//! comparison of two optimizers; and a minimum-ratio scatter.

use saddlescope::*;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "gallery".into()));
    std::fs::create_dir_all(&out)?;

    // 1. Function surfaces.
    let rosenbrock = builtin("rosenbrock", 2)?;
    let rosenbrock_grid = SurfaceGrid::evaluate(&rosenbrock, -2.0..=2.0, -1.0..=3.0, 161, 161)?;
    let mut rosenbrock_plot = SurfacePlot::new()
        .with_title("Rosenbrock: three optimizers from (−1.5, 2.5)")
        .with_critical_points(&rosenbrock.critical_points())?;
    for spec in [
        "sgd(lr=0.001,momentum=0.9)",
        "adam(lr=0.05)",
        "rmsprop(lr=0.01)",
    ] {
        let d = descend(&rosenbrock, &Method::parse(spec)?, None, &[-1.5, 2.5], 400)?;
        rosenbrock_plot = rosenbrock_plot.with_trajectory(spec, &d.trajectory)?;
    }
    let himmelblau = builtin("himmelblau", 2)?;
    let himmelblau_grid = SurfaceGrid::evaluate(&himmelblau, -5.0..=5.0, -5.0..=5.0, 121, 121)?;
    let himmelblau_plot = SurfacePlot::new()
        .with_title("Himmelblau: four minima, four saddles, one maximum")
        .with_critical_points(&himmelblau.critical_points())?;

    // 2. Network slices: the trained sine network.
    let arch = Architecture::parse("linear(1,16),tanh,linear(16,1)")?;
    let net = Network::read(
        format!("{SHARED}/fixtures/mlp/sine_1-16-1_tanh.safetensors"),
        Some(&arch),
    )?;
    let data = Dataset::from_csv(format!("{SHARED}/data/sine.csv"), &CsvOptions::default())?;
    let f = NetworkObjective::new(&net, &data, Loss::Mse, NetworkOptions::default())?;
    let theta = net.params().as_slice().to_vec();
    let analysis = analyze(&f, &theta, &AnalysisSettings::default())?;
    let verdict = analysis.classification.verdict;
    let spectrum = &analysis.spectrum;
    let n = theta.len();
    let v_min = unit_direction(spectrum.eigenvectors.column(0).as_slice())?;
    let v_max = unit_direction(spectrum.eigenvectors.column(n - 1).as_slice())?;
    let d1 = filter_normalized_direction(&arch, &theta, 1, false)?;
    let d2 = filter_normalized_direction(&arch, &theta, 2, false)?;
    let random_grid = slice_2d(
        &f,
        &theta,
        d1.as_slice(),
        d2.as_slice(),
        -1.0..=1.0,
        -1.0..=1.0,
        61,
    )?;
    let eigen_grid = slice_2d(
        &f,
        &theta,
        v_min.as_slice(),
        v_max.as_slice(),
        -2.0..=2.0,
        -0.5..=0.5,
        61,
    )?;
    let centre = PointMark::new(0.0, 0.0)
        .with_verdict(verdict)
        .with_label("θ");
    let random_plot = SurfacePlot::new()
        .with_title("sine 1-16-1: loss on a random filter-normalised plane")
        .with_labels("α (direction 1)", "β (direction 2)", "loss")
        .with_point(centre.clone());
    let eigen_plot = SurfacePlot::new()
        .with_title("sine 1-16-1: loss on the plane of v(λmin) and v(λmax)")
        .with_labels("α along v(λmin)", "β along v(λmax)", "loss")
        .with_point(centre);
    let lines = [
        slice_1d(&f, &theta, v_min.as_slice(), -2.0..=2.0, 201)?.with_name("v(λmin)"),
        slice_1d(&f, &theta, v_max.as_slice(), -2.0..=2.0, 201)?.with_name("v(λmax)"),
        slice_1d(&f, &theta, d1.as_slice(), -2.0..=2.0, 201)?
            .with_name("random, filter-normalised"),
    ];
    let lines_plot = SlicePlot::new()
        .with_title("sine 1-16-1: loss along directions through θ")
        .with_mark(0.0, "θ", Some(verdict));
    let init = Network::init(&arch, 0)?;
    let toward = direction_between(init.params().as_slice(), &theta)?;
    let path_curve = [slice_1d(
        &f,
        init.params().as_slice(),
        toward.as_slice(),
        -0.25..=1.25,
        151,
    )?
    .with_name("θ₀ + α(θ₁ − θ₀)")];
    let path_plot = SlicePlot::new()
        .with_title("sine 1-16-1: from initialisation θ₀ to trained θ₁")
        .with_mark(0.0, "θ₀ (init)", None)
        .with_mark(1.0, "θ₁ (trained)", Some(verdict));

    // 3. Spectra: the iris network with BatchNorm (dense) and its density.
    let iris_arch = Architecture::parse("linear(4,8),tanh,linear(8,3)")?;
    let iris_net = Network::read(
        format!("{SHARED}/fixtures/mlp/iris_4-8-3_tanh.safetensors"),
        Some(&iris_arch),
    )?;
    let iris = Dataset::from_csv(format!("{SHARED}/data/iris.csv"), &CsvOptions::default())?;
    let iris_f = NetworkObjective::new(
        &iris_net,
        &iris,
        Loss::CrossEntropy,
        NetworkOptions::default(),
    )?;
    let iris_theta = iris_net.params().as_slice().to_vec();
    let h = TwiceDifferentiable::hessian(&iris_f, &iris_theta)?;
    let eig = symmetric_eigen(&h.matrix)?;
    let max_abs = eig.eigenvalues.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let hist = EigenvaluePlot::new()
        .with_title("iris 4-8-3: Hessian eigenvalues (symmetric log)")
        .with_symlog(max_abs * 1e-4)?
        .with_log_counts(true);
    let density = Density::from_eigenvalues(eig.eigenvalues.as_slice(), &SlqSettings::default())?;
    let op = HessianOperator::new(&f, &theta)?;
    let slq_density = slq(&op, &SlqSettings::default().with_probes(8)?.with_steps(30)?)?;

    // 4. Training curves of a small comparison.
    let runs_dir = out.join("runs");
    let _ = std::fs::remove_dir_all(&runs_dir);
    let moons = builtin_dataset("moons(n=400, noise=0.2)", 0)?;
    let (train, val) = moons.split(0.25, 1)?;
    let moons_arch = Architecture::parse("linear(2,16),tanh,linear(16,2)")?;
    let mut summary = Vec::new();
    let mut min_ratio = Vec::new();
    for (k, (opt, schedule)) in [
        ("sgd(lr=0.1,momentum=0.9)", None),
        ("adam(lr=0.01)", Some("cosineannealinglr(t_max=40)")),
        ("rmsprop(lr=0.003)", None),
    ]
    .into_iter()
    .enumerate()
    {
        let run = format!("run{k:03}");
        let mut t = Trainer::new(
            Network::init(&moons_arch, 3)?,
            train.clone(),
            Some(val.clone()),
            Loss::CrossEntropy,
            0.0,
            &OptimizerSpec::parse(opt)?,
            schedule.map(ScheduleSpec::parse).transpose()?.as_ref(),
            TrainSettings::default()
                .with_epochs(40)?
                .with_batch_size(32)?
                .with_seed(7),
            runs_dir.join(&run),
        )?;
        let report = t.run(&mut |_| {})?;
        summary.push(serde_json::json!({"run": run, "optimizer": opt, "schedule": schedule, "batch_size": 32, "seed": 7}));
        let g = NetworkObjective::new(
            t.network(),
            &train,
            Loss::CrossEntropy,
            NetworkOptions::default(),
        )?;
        let p = t.network().params().as_slice().to_vec();
        let a = analyze(&g, &p, &AnalysisSettings::default())?;
        min_ratio.push(MinRatioPoint::from((
            report.best_loss,
            a.classification.min_ratio,
            opt,
        )));
    }
    std::fs::write(
        runs_dir.join("summary.json"),
        serde_json::to_string(&summary)?,
    )?;
    let runs = read_runs(&runs_dir, CurveAxis::Epoch)?;
    let steps = read_runs(&runs_dir, CurveAxis::Step)?;
    // Minimum ratio along a random walk away from a trained point: more
    // negative curvature at higher loss.
    for (k, scale) in [0.0, 0.3, 0.6, 1.0, 1.5, 2.0].into_iter().enumerate() {
        let x: Vec<f64> = theta
            .iter()
            .zip(d1.iter())
            .map(|(t, d)| t + scale * d)
            .collect();
        let a = analyze(&f, &x, &AnalysisSettings::default())?;
        let loss = f.value(&x)?;
        let _ = k;
        min_ratio.push(MinRatioPoint::from((
            loss,
            a.classification.min_ratio,
            "sine: θ + s·d",
        )));
    }

    for ext in ["png", "svg"] {
        let file = |name: &str| out.join(format!("{name}.{ext}"));
        plot_surface(file("rosenbrock"), &rosenbrock_grid, &rosenbrock_plot)?;
        plot_surface(file("himmelblau"), &himmelblau_grid, &himmelblau_plot)?;
        plot_surface(file("slice_random_2d"), &random_grid, &random_plot)?;
        plot_surface(file("slice_eigen_2d"), &eigen_grid, &eigen_plot)?;
        plot_slice(file("slice_1d"), &lines, &lines_plot)?;
        plot_slice(file("slice_interpolation"), &path_curve, &path_plot)?;
        plot_eigenvalues(file("eigenvalues"), eig.eigenvalues.as_slice(), &hist)?;
        plot_eigenvalues(
            file("eigenvalues_linear"),
            eig.eigenvalues.as_slice(),
            &EigenvaluePlot::new().with_title("iris 4-8-3: Hessian eigenvalues"),
        )?;
        plot_density(
            file("density_exact"),
            &density,
            &DensityPlot::new().with_title("iris 4-8-3: broadened exact spectrum"),
        )?;
        plot_density(
            file("density_slq"),
            &slq_density,
            &DensityPlot::new()
                .with_title("sine 1-16-1: SLQ density (log)")
                .with_scale(AxisScale::Log),
        )?;
        plot_training(
            file("training_epochs"),
            &runs,
            &TrainingPlot::new().with_title("moons: three optimizers"),
        )?;
        plot_training(
            file("training_steps"),
            &steps,
            &TrainingPlot::new().with_title("moons: per step"),
        )?;
        plot_training(
            file("training_single"),
            &runs[..1],
            &TrainingPlot::new().with_title("moons: one run"),
        )?;
        plot_min_ratio(
            file("min_ratio"),
            &min_ratio,
            &MinRatioPlot::new().with_title("Minimum ratio against loss"),
        )?;
    }
    println!("wrote {}", out.display());
    Ok(())
}
