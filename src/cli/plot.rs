//! `saddlescope plot …` and `saddlescope report`: flags → data → one figure
//! (or one HTML file).

use std::io::Write;
use std::path::Path;

use saddlescope::{
    AnalysisSettings, Block, CurveAxis, Density, DensityPlot, EigenvaluePlot, EnumerationSettings,
    Error, Expression, HessianOperator, Levels, Method, MinRatioPlot, MinRatioPoint, Network,
    PointMark, Report, SearchBox, SlicePlot, SlqSettings, Starts, SurfaceGrid, SurfacePlot,
    TrainingPlot, TrainingSeries, TwiceDifferentiable, analyze, builtin, descend,
    direction_between, enumerate_critical_points, filter_normalized_direction, plot_density,
    plot_eigenvalues, plot_min_ratio, plot_slice, plot_surface, plot_training, read_runs, slice_1d,
    slice_2d, slq, symmetric_eigen,
};

use super::args::{
    DirectionsArg, LevelsArg, MethodArg, PlotCommand, PlotCurvesArgs, PlotSliceArgs,
    PlotSpectrumArgs, PlotSurfaceArgs, ReportArgs, Source,
};
use super::config::{Problem, Target, parse_point};
use super::render::num;
use super::tour_report::figure;

pub fn run(cmd: &PlotCommand, out: &mut impl Write) -> anyhow::Result<()> {
    let path = match cmd {
        PlotCommand::Surface(a) => surface(a)?,
        PlotCommand::Slice(a) => slice(a)?,
        PlotCommand::Spectrum(a) => spectrum(a)?,
        PlotCommand::Curves(a) => curves(a)?,
        PlotCommand::Minratio(a) => minratio(a)?,
    };
    writeln!(out, "wrote {}", path.display())?;
    Ok(())
}

fn surface(a: &PlotSurfaceArgs) -> saddlescope::Result<&Path> {
    let f = match (&a.source.expr, &a.source.function) {
        (Some(e), _) => Problem::Expression(match &a.vars {
            Some(v) => {
                Expression::parse_with_vars(e, &v.split(',').map(str::trim).collect::<Vec<_>>())?
            }
            None => Expression::parse(e)?,
        }),
        (None, Some(name)) => Problem::Builtin(builtin(name, 2)?),
        (None, None) => unreachable!("clap requires --expr or --function"),
    };
    if f.dim() != 2 {
        return Err(Error::DimensionMismatch {
            what: "function for a surface".into(),
            expected: "2 variables".into(),
            found: format!("{}", f.dim()),
        });
    }
    let b = parse_point("--box", &a.search_box)?;
    if b.len() != 4 {
        return Err(Error::InvalidInput(format!(
            "--box takes LO,HI,LO,HI (4 numbers), found {}",
            b.len()
        )));
    }
    let grid = SurfaceGrid::evaluate(&f, b[0]..=b[1], b[2]..=b[3], 161, 161)?;
    let mut plot = SurfacePlot::new().with_levels(match a.levels {
        LevelsArg::Auto => Levels::Auto(14),
        LevelsArg::Linear => Levels::Linear(14),
        LevelsArg::Log => Levels::Log(18),
    });
    let title = match &f {
        Problem::Expression(e) => e.source().trim().to_string(),
        Problem::Builtin(g) => g.name().to_string(),
        Problem::Network(_) => unreachable!(),
    };
    plot = plot.with_title(title);
    if a.starts > 0 {
        let found = enumerate_critical_points(
            &f,
            &SearchBox::new(vec![b[0], b[2]], vec![b[1], b[3]])?,
            &EnumerationSettings::default().with_starts(Starts::Random {
                count: a.starts,
                seed: 0,
            }),
        )?;
        for p in &found.points {
            plot = plot.with_point(PointMark::new(p.x[0], p.x[1]).with_verdict(p.verdict));
        }
    }
    if !a.optimizers.is_empty() {
        let from = a.from.as_deref().ok_or_else(|| {
            Error::InvalidInput("--optimizer draws a path: give its start with --from X,Y".into())
        })?;
        let start = parse_point("--from", from)?;
        for spec in &a.optimizers {
            let d = descend(&f, &Method::parse(spec)?, None, &start, a.steps)?;
            plot = plot.with_trajectory(spec.clone(), &d.trajectory)?;
        }
    }
    plot_surface(&a.out, &grid, &plot)?;
    Ok(&a.out)
}

fn network_target(
    checkpoint: &Path,
    network: &super::args::NetworkArgs,
) -> saddlescope::Result<Target> {
    let source = Source {
        expr: None,
        function: None,
        checkpoint: Some(checkpoint.to_path_buf()),
    };
    Target::from_flags(&source, None, None, network, true)
}

fn slice(a: &PlotSliceArgs) -> saddlescope::Result<&Path> {
    if !(a.dims == 1 || a.dims == 2) {
        return Err(Error::InvalidSetting {
            name: "--dims".into(),
            message: format!("expected 1 or 2 directions, got {}", a.dims),
        });
    }
    if !(a.range.is_finite() && a.range > 0.0) {
        return Err(Error::InvalidSetting {
            name: "--range".into(),
            message: format!("expected a finite R > 0, got {}", a.range),
        });
    }
    let t = network_target(&a.checkpoint, &a.network)?;
    let Problem::Network(n) = &t.problem else {
        unreachable!("a checkpoint is a network")
    };
    let theta = t.point.clone();
    let seed = a.network.seed.unwrap_or(0);
    let (d1, d2, names, range) = if let Some(other) = &a.to {
        let to = Network::read(other, Some(n.network.arch()))?;
        let d = direction_between(&theta, to.params().as_slice())?;
        (
            d.clone(),
            d,
            ("the line to the second checkpoint", ""),
            (-0.25, 1.25),
        )
    } else {
        match a.directions {
            DirectionsArg::Random => (
                filter_normalized_direction(n.network.arch(), &theta, seed, a.keep_biases)?,
                filter_normalized_direction(n.network.arch(), &theta, seed + 1, a.keep_biases)?,
                ("random direction 1", "random direction 2"),
                (-a.range, a.range),
            ),
            DirectionsArg::Eigen => {
                let h = t.problem.hessian(&theta)?;
                let s = symmetric_eigen(&h.matrix)?;
                let last = s.eigenvalues.len() - 1;
                (
                    s.eigenvectors.column(0).into_owned(),
                    s.eigenvectors.column(last).into_owned(),
                    ("u_min", "u_max"),
                    (-a.range, a.range),
                )
            }
        }
    };
    let verdict = analyze(&t.problem, &theta, &AnalysisSettings::default())
        .ok()
        .map(|x| x.classification.verdict);
    if a.dims == 1 || a.to.is_some() {
        let c = slice_1d(
            &t.problem,
            &theta,
            d1.as_slice(),
            range.0..=range.1,
            a.points.max(3),
        )?
        .with_name(names.0);
        let mut plot = SlicePlot::new()
            .with_title(format!("The loss along {}", names.0))
            .with_mark(0.0, "checkpoint", verdict);
        if a.to.is_some() {
            plot = plot.with_mark(1.0, "second checkpoint", None);
        }
        plot_slice(&a.out, &[c], &plot)?;
    } else {
        let grid = slice_2d(
            &t.problem,
            &theta,
            d1.as_slice(),
            d2.as_slice(),
            range.0..=range.1,
            range.0..=range.1,
            a.points.max(3),
        )?;
        let mut centre = PointMark::new(0.0, 0.0);
        if let Some(v) = verdict {
            centre = centre.with_verdict(v);
        }
        plot_surface(
            &a.out,
            &grid,
            &SurfacePlot::new()
                .with_title(format!(
                    "The loss on the plane of {} and {}",
                    names.0, names.1
                ))
                .with_labels(
                    format!("α ({})", names.0),
                    format!("β ({})", names.1),
                    "loss",
                )
                .with_point(centre),
        )?;
    }
    Ok(&a.out)
}

fn spectrum(a: &PlotSpectrumArgs) -> saddlescope::Result<&Path> {
    let t = Target::from_flags(&a.source, None, a.at.as_deref(), &a.network, true)?;
    match a.method {
        MethodArg::Dense => {
            let h = t.problem.hessian(&t.point)?;
            let values = saddlescope::symmetric_eigenvalues(&h.matrix)?;
            let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let mut plot = EigenvaluePlot::new()
                .with_title(format!("Hessian spectrum ({} eigenvalues)", values.len()))
                .with_zero_tolerance(a.eig_tol)?;
            if a.symlog {
                plot = plot.with_symlog(1e-3 * scale.max(f64::MIN_POSITIVE))?;
            }
            plot_eigenvalues(&a.out, values.as_slice(), &plot)?;
        }
        MethodArg::Lanczos | MethodArg::Slq => {
            let op = HessianOperator::new(&t.problem, &t.point)?;
            let d: Density = slq(
                &op,
                &SlqSettings::default().with_seed(a.network.seed.unwrap_or(0)),
            )?;
            plot_density(
                &a.out,
                &d,
                &DensityPlot::new().with_title(format!(
                    "Spectral density (SLQ, {} probes; trace {} ± {})",
                    d.trace.probes,
                    num(d.trace.estimate),
                    num(d.trace.stderr)
                )),
            )?;
        }
    }
    Ok(&a.out)
}

fn series_of(
    dirs: &[std::path::PathBuf],
    axis: CurveAxis,
) -> saddlescope::Result<Vec<TrainingSeries>> {
    let mut all = Vec::new();
    for d in dirs {
        all.extend(read_runs(d, axis)?);
    }
    Ok(all)
}

fn curves(a: &PlotCurvesArgs) -> saddlescope::Result<&Path> {
    let axis = if a.steps {
        CurveAxis::Step
    } else {
        CurveAxis::Epoch
    };
    let series = series_of(&a.runs, axis)?;
    plot_training(
        &a.out,
        &series,
        &TrainingPlot::new().with_title("Training curves"),
    )?;
    Ok(&a.out)
}

/// (loss, minimum ratio) at every analysed stall in the runs' logs.
fn stall_points(
    dir: &Path,
    label: &str,
    points: &mut Vec<MinRatioPoint>,
) -> saddlescope::Result<()> {
    let log = dir.join("log.jsonl");
    if log.exists() {
        let text = std::fs::read_to_string(&log).map_err(|e| Error::Io {
            action: "read".into(),
            path: log.display().to_string(),
            reason: e,
        })?;
        for line in text.lines().filter(|l| l.contains("\"kind\":\"stall\"")) {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                Error::InvalidInput(format!("{}: a malformed record ({e})", log.display()))
            })?;
            if let (Some(loss), Some(r)) = (v["loss"].as_f64(), v["analysis"]["min_ratio"].as_f64())
            {
                points.push(MinRatioPoint {
                    loss,
                    min_ratio: r,
                    label: label.to_string(),
                });
            }
        }
    } else if let Ok(entries) = std::fs::read_dir(dir) {
        let mut subdirs: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        for s in subdirs {
            let name = s
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            stall_points(&s, &name, points)?;
        }
    }
    Ok(())
}

fn minratio(a: &PlotCurvesArgs) -> saddlescope::Result<&Path> {
    let mut points = Vec::new();
    for d in &a.runs {
        let label = d
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        stall_points(d, &label, &mut points)?;
    }
    if points.is_empty() {
        return Err(Error::InvalidInput(
            "no analysed stalls in these runs: train with --analyze-stalls to record the minimum ratio at each stall"
                .into(),
        ));
    }
    plot_min_ratio(
        &a.out,
        &points,
        &MinRatioPlot::new().with_title("Minimum ratio against training loss at the stalls"),
    )?;
    Ok(&a.out)
}

/// `report-figures/` beside the HTML file.
fn figures_dir(html: &Path) -> std::path::PathBuf {
    html.parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("report-figures")
}

/// `saddlescope report --checkpoint CKPT …`: the verdict, the spectrum and
/// the loss along the extreme eigenvectors.
fn checkpoint_report(a: &ReportArgs, ckpt: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let t = network_target(ckpt, &a.network)?;
    let html_path = a.out.clone().unwrap_or_else(|| "report.html".into());
    let figures = figures_dir(&html_path);
    let n = t.point.len();
    let budget = a.network.max_dense_params.unwrap_or(3000);
    if n > budget {
        return Err(Error::InvalidInput(format!(
            "the checkpoint report draws the full spectrum: {n} parameters are above --max-dense-params {budget}; \
             use `saddlescope classify` (Lanczos) and `plot spectrum --method slq` for large networks"
        ))
        .into());
    }
    let an = analyze(&t.problem, &t.point, &AnalysisSettings::default())?;
    let c = &an.classification;
    let mut r = Report::new(format!("Checkpoint {}", ckpt.display()));
    r.intro(vec![
        Block::Paragraph(t.describe()),
        Block::Paragraph(c.explanation()),
    ]);
    let values = an.spectrum.eigenvalues.as_slice().to_vec();
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let spectrum = figure(
        &figures,
        "spectrum",
        "Every Hessian eigenvalue, on a symmetric-log axis.",
        |p| {
            plot_eigenvalues(
                p,
                &values,
                &EigenvaluePlot::new()
                    .with_title(format!("Hessian spectrum ({n} eigenvalues)"))
                    .with_symlog(1e-3 * scale.max(f64::MIN_POSITIVE))?,
            )
        },
    )?;
    let last = values.len() - 1;
    let u_min: Vec<f64> = an.spectrum.eigenvectors.column(0).iter().copied().collect();
    let u_max: Vec<f64> = an
        .spectrum
        .eigenvectors
        .column(last)
        .iter()
        .copied()
        .collect();
    let curves = [
        slice_1d(&t.problem, &t.point, &u_min, -1.0..=1.0, 101)?.with_name("along u_min"),
        slice_1d(&t.problem, &t.point, &u_max, -1.0..=1.0, 101)?.with_name("along u_max"),
    ];
    let slices = figure(
        &figures,
        "slice",
        "The loss along the unit eigenvectors of λmin and λmax through the checkpoint (α = 0).",
        |p| {
            plot_slice(
                p,
                &curves,
                &SlicePlot::new()
                    .with_title("The loss along the eigenvectors of λmin and λmax")
                    .with_mark(0.0, "checkpoint", Some(c.verdict)),
            )
        },
    )?;
    r.section(
        "Verdict",
        vec![Block::Table {
            headers: [
                "verdict",
                "loss",
                "‖∇L‖",
                "λmin",
                "λmax",
                "negative",
                "zero",
                "positive",
                "minimum ratio",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![vec![
                c.verdict.to_string(),
                num(an.value),
                num(c.grad_norm),
                num(c.lambda_min),
                num(c.lambda_max),
                c.counts.negative.to_string(),
                c.counts.zero.to_string(),
                c.counts.positive.to_string(),
                format!("{:.4}", c.min_ratio),
            ]],
        }],
    );
    r.section("Spectrum and slices", vec![spectrum, slices]);
    r.write(&html_path)?;
    writeln!(
        out,
        "wrote {} ({} figures)",
        html_path.display(),
        r.figures()
    )?;
    Ok(())
}

/// `saddlescope report --run DIR` or `--checkpoint CKPT`.
pub fn report(a: &ReportArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let dir = match (&a.run, &a.checkpoint) {
        (Some(dir), _) => dir,
        (None, Some(ckpt)) => return checkpoint_report(a, ckpt, out),
        (None, None) => unreachable!("clap requires --run or --checkpoint"),
    };
    let series = read_runs(dir, CurveAxis::Epoch)?;
    let html_path = a.out.clone().unwrap_or_else(|| dir.join("report.html"));
    let figures = figures_dir(&html_path);
    let mut r = Report::new(format!("Training run {}", dir.display()));
    let mut blocks = vec![figure(
        &figures,
        "curves",
        "Loss (and validation loss), gradient norm and learning rate against the epoch.",
        |p| {
            plot_training(
                p,
                &series,
                &TrainingPlot::new().with_title("Training curves"),
            )
        },
    )?];
    let mut points = Vec::new();
    stall_points(dir, "stalls", &mut points)?;
    if !points.is_empty() {
        blocks.push(figure(
            &figures,
            "minratio",
            "Minimum ratio (the share of positive Hessian eigenvalues) against the training loss at each analysed stall.",
            |p| {
                plot_min_ratio(
                    p,
                    &points,
                    &MinRatioPlot::new().with_title("Minimum ratio at the stalls"),
                )
            },
        )?);
    }
    r.section("Curves", blocks);
    let csv = dir.join("epochs.csv");
    let text = std::fs::read_to_string(&csv).map_err(|e| Error::Io {
        action: "read".into(),
        path: csv.display().to_string(),
        reason: e,
    })?;
    let mut lines = text.lines();
    let headers: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(String::from)
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    r.section("Epochs", vec![Block::Table { headers, rows }]);
    let log = dir.join("log.jsonl");
    if let Ok(text) = std::fs::read_to_string(&log) {
        let rows: Vec<Vec<String>> = text
            .lines()
            .filter(|l| l.contains("\"kind\":\"stall\""))
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                vec![
                    v["epoch"].to_string(),
                    v["kind"]
                        .as_str()
                        .map(|_| v["message"].as_str().unwrap_or("").to_string())
                        .unwrap_or_default(),
                    v["grad_norm"].as_f64().map_or("—".into(), num),
                    v["lr_times_curvature"].as_f64().map_or("—".into(), num),
                    v["analysis"]["verdict"].as_str().unwrap_or("—").to_string(),
                    v["analysis"]["lambda_min"].as_f64().map_or("—".into(), num),
                    v["escape"]["loss_after"].as_f64().map_or("—".into(), num),
                ]
            })
            .collect();
        r.section(
            "Stalls",
            if rows.is_empty() {
                vec![Block::Paragraph("No stall was detected.".into())]
            } else {
                vec![Block::Table {
                    headers: [
                        "epoch",
                        "stall",
                        "‖∇L‖",
                        "η·κ",
                        "verdict",
                        "λmin",
                        "loss after escape",
                    ]
                    .map(String::from)
                    .to_vec(),
                    rows,
                }]
            },
        );
    }
    r.write(&html_path)?;
    writeln!(
        out,
        "wrote {} ({} figures)",
        html_path.display(),
        r.figures()
    )?;
    Ok(())
}
