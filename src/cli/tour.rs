//! `saddlescope tour`: the main job on built-in defaults. It walks through
//! the lecture's story on small problems — an error surface with its
//! critical points and optimizers crossing it, a network whose training
//! stalls near a saddle, the verdict there, the escape — and writes one
//! HTML report with the figures.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::config::Problem;
use rayon::prelude::*;
use saddlescope::{
    Analysis, AnalysisSettings, Architecture, CsvOptions, Dataset, Enumeration,
    EnumerationSettings, Expression, Loss, Method, Network, NetworkObjective, NetworkOptions,
    OptimizerSpec, SearchBox, Stall, Starts, Tolerances, TrainReport, TrainSettings, Trainer,
    Trajectory, analyze, builtin, descend, enumerate_critical_points, load_dataset,
};

/// One optimizer's path across a 2-D function.
pub struct Path2d {
    pub name: String,
    pub trajectory: Trajectory,
}

/// The function part: a surface, its critical points and trajectories.
pub struct SurfaceStudy {
    pub name: String,
    pub function: Problem,
    pub lo: [f64; 2],
    pub hi: [f64; 2],
    pub points: Enumeration,
    pub paths: Vec<Path2d>,
    pub log_levels: bool,
}

/// One training run of the network part.
pub struct TourRun {
    pub name: String,
    pub optimizer: String,
    pub escape: bool,
    pub report: TrainReport,
    pub dir: PathBuf,
}

/// The network part: the runs, and the analysis at the first stall.
pub struct NetworkStudy {
    pub arch: Architecture,
    pub data: Dataset,
    pub runs: Vec<TourRun>,
    pub stall: Option<(String, Stall, Box<Analysis>)>,
    pub objective: NetworkObjective,
}

fn say(out: &mut impl Write, start: Instant, what: &str) {
    let _ = writeln!(out, "[{:>5.1} s] {what}", start.elapsed().as_secs_f64());
}

/// Himmelblau: 100 starts → its 9 critical points; three optimizers from
/// beside the maximum run down to different minima.
pub fn himmelblau_study() -> saddlescope::Result<SurfaceStudy> {
    let f = builtin("himmelblau", 2)?;
    let b = SearchBox::new(vec![-5.0, -5.0], vec![5.0, 5.0])?;
    let points = enumerate_critical_points(
        &f,
        &b,
        &EnumerationSettings::default().with_starts(Starts::Random {
            count: 100,
            seed: 0,
        }),
    )?;
    let start = [-0.1, -0.6];
    let mut paths = Vec::new();
    for (name, spec, steps) in [
        ("gd(lr=0.01)", "gd(lr=0.01)", 150),
        (
            "momentum(lr=0.002, λ=0.9)",
            "momentum(lr=0.002,lambda=0.9)",
            150,
        ),
        ("adam(lr=0.1)", "adam(lr=0.1)", 150),
    ] {
        let d = descend(&f, &Method::parse(spec)?, None, &start, steps)?;
        paths.push(Path2d {
            name: name.into(),
            trajectory: d.trajectory,
        });
    }
    Ok(SurfaceStudy {
        name: "Himmelblau's function".into(),
        function: Problem::Builtin(f),
        lo: [-5.0, -5.0],
        hi: [5.0, 5.0],
        points,
        paths,
        log_levels: true,
    })
}

/// The lecture's convex ravine: f = x² + 100·y² (condition number 100).
/// Gradient descent with a rate near 2/λmax bounces across the valley,
/// with a small one it crawls; momentum and Adam get through.
pub fn ravine_study() -> saddlescope::Result<SurfaceStudy> {
    let f = Expression::parse("x^2 + 100*y^2")?;
    let b = SearchBox::new(vec![-1.2, -1.2], vec![1.2, 1.2])?;
    let points = enumerate_critical_points(
        &f,
        &b,
        &EnumerationSettings::default().with_starts(Starts::Grid { per_axis: 3 }),
    )?;
    let start = [-1.0, 0.8];
    let mut paths = Vec::new();
    for (name, spec) in [
        ("gd(lr=0.0098): bounces", "gd(lr=0.0098)"),
        ("gd(lr=0.001): crawls", "gd(lr=0.001)"),
        ("momentum(lr=0.001, λ=0.9)", "momentum(lr=0.001,lambda=0.9)"),
        ("adam(lr=0.05)", "adam(lr=0.05)"),
    ] {
        let d = descend(&f, &Method::parse(spec)?, None, &start, 100)?;
        paths.push(Path2d {
            name: name.into(),
            trajectory: d.trajectory,
        });
    }
    Ok(SurfaceStudy {
        name: "A ravine: x² + 100·y²".into(),
        function: Problem::Expression(f),
        lo: [-1.2, -1.2],
        hi: [1.2, 1.2],
        points,
        paths,
        log_levels: true,
    })
}

/// Moons with a 2-16-2 tanh network started next to the saddle at θ = 0
/// (weights ~1e-4): full-batch SGD stalls there, momentum and Adam leave
/// sooner, and SGD with `--escape-saddles` steps off along u_min.
pub fn network_study(
    dir: &Path,
    out: &mut impl Write,
    start: Instant,
) -> saddlescope::Result<NetworkStudy> {
    let data = load_dataset("builtin:moons(n=400)", &CsvOptions::default(), 0)?;
    let arch = Architecture::parse("linear(2,16),tanh,linear(16,2)")?;
    let init = Network::init(&arch, 7)?;
    let near_saddle = init.with_params(init.params() * 1e-4)?;
    let runs_spec = [
        ("sgd", "sgd(lr=0.5)", false),
        ("momentum", "sgd(lr=0.5,momentum=0.9)", false),
        ("adam", "adam(lr=0.01)", false),
        ("sgd + escape", "sgd(lr=0.5)", true),
    ];
    let _ = std::fs::remove_dir_all(dir.join("runs"));
    say(
        out,
        start,
        "training 4 runs of a 2-16-2 tanh network on moons from next to a saddle",
    );
    let runs: Vec<saddlescope::Result<TourRun>> = runs_spec
        .par_iter()
        .enumerate()
        .map(|(i, (name, spec, escape))| {
            let run_dir = dir
                .join("runs")
                .join(format!("{i}-{}", name.replace(' ', "").replace('+', "-")));
            let settings = TrainSettings::default()
                .with_epochs(80)?
                .with_batch_size(400)?
                .with_stall_detection(5, 1e-3, 1e-3)?
                .with_stall_analysis(true, 3000)
                .with_escape_saddles(*escape)
                .with_step_logs(false);
            let mut t = Trainer::new(
                near_saddle.clone(),
                data.clone(),
                None,
                Loss::CrossEntropy,
                0.0,
                &OptimizerSpec::parse(spec)?,
                None,
                settings,
                &run_dir,
            )?;
            let report = t.run(&mut |_| {})?;
            Ok(TourRun {
                name: name.to_string(),
                optimizer: spec.to_string(),
                escape: *escape,
                report,
                dir: run_dir,
            })
        })
        .collect();
    let runs = runs.into_iter().collect::<saddlescope::Result<Vec<_>>>()?;
    let objective = NetworkObjective::new(
        &near_saddle,
        &data,
        Loss::CrossEntropy,
        NetworkOptions::default(),
    )?;
    // The first stall of plain SGD, analysed in full.
    let stall = runs
        .iter()
        .filter(|r| !r.escape)
        .flat_map(|r| {
            r.report
                .epochs
                .iter()
                .filter_map(move |e| e.stall.clone().map(|s| (r.name.clone(), s)))
        })
        .next();
    let stall = match stall {
        Some((name, s)) => {
            say(
                out,
                start,
                &format!(
                    "{name} stalled at epoch {}: analysing the Hessian there",
                    s.epoch
                ),
            );
            let settings =
                AnalysisSettings::default().with_tolerances(Tolerances::default().with_grad(1e-3)?);
            let a = analyze(&objective, &s.params, &settings)?;
            Some((name, s, Box::new(a)))
        }
        None => None,
    };
    Ok(NetworkStudy {
        arch,
        data,
        runs,
        stall,
        objective,
    })
}

/// Runs the tour into `dir` and writes `dir/index.html`.
pub fn run(dir: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let start = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| saddlescope::Error::Io {
        action: "create the tour directory".into(),
        path: dir.display().to_string(),
        reason: e,
    })?;
    say(
        out,
        start,
        "Himmelblau's function: 100 starts for its critical points, three optimizers across it",
    );
    let himmelblau = himmelblau_study()?;
    say(
        out,
        start,
        "a ravine, x² + 100·y²: gradient descent bounces or crawls, momentum and Adam get through",
    );
    let ravine = ravine_study()?;
    let network = network_study(dir, out, start)?;
    let mut report = saddlescope::Report::new("saddlescope tour: when training stalls");
    report.intro(vec![saddlescope::Block::Paragraph(
        "Where training stalls, the gradient is small or it is not. Small: the point is near a \
         critical point, and the Hessian's eigenvalues say which kind — a minimum (all positive), \
         a saddle (both signs; the eigenvector of a negative eigenvalue is a way down) or a \
         maximum. Not small: the optimizer bounces across a ravine. This tour shows both on \
         small problems, with the commands that reproduce each part."
            .into(),
    )]);
    say(out, start, "drawing the figures");
    super::tour_report::surfaces(&mut report, dir, &[&himmelblau, &ravine])?;
    super::tour_report::network(&mut report, dir, &network)?;
    let index = dir.join("index.html");
    report.write(&index)?;
    say(
        out,
        start,
        &format!("wrote {} ({} figures)", index.display(), report.figures()),
    );
    Ok(())
}
