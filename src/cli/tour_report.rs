//! The tour's report sections: figures (written as SVG files beside the
//! report and inlined in it) and tables.

use std::path::Path;

use saddlescope::{
    Block, EigenvaluePlot, Levels, PointMark, Report, SlicePlot, SurfaceGrid, SurfacePlot,
    TrainingPlot, TrainingSeries, Verdict, plot_eigenvalues, plot_slice, plot_surface,
    plot_training, slice_1d, slice_2d,
};

use super::render::{list, num};
use super::tour::{NetworkStudy, SurfaceStudy};

/// Writes a figure with `draw` to `figures/name.svg` (creating the
/// directory) and returns it as a report block, inlined.
pub fn figure(
    figures: &Path,
    name: &str,
    caption: &str,
    draw: impl FnOnce(&Path) -> saddlescope::Result<()>,
) -> saddlescope::Result<Block> {
    let io = |action: &str, path: &Path, e| saddlescope::Error::Io {
        action: action.into(),
        path: path.display().to_string(),
        reason: e,
    };
    std::fs::create_dir_all(figures).map_err(|e| io("create", figures, e))?;
    let path = figures.join(format!("{name}.svg"));
    draw(&path)?;
    let svg = std::fs::read_to_string(&path).map_err(|e| io("read", &path, e))?;
    Ok(Block::Figure {
        caption: caption.into(),
        svg,
    })
}

pub fn surfaces(
    report: &mut Report,
    dir: &Path,
    studies: &[&SurfaceStudy],
) -> saddlescope::Result<()> {
    for (k, s) in studies.iter().enumerate() {
        let grid =
            SurfaceGrid::evaluate(&s.function, s.lo[0]..=s.hi[0], s.lo[1]..=s.hi[1], 121, 121)?;
        let mut plot = SurfacePlot::new()
            .with_title(s.name.clone())
            .with_levels(if s.log_levels {
                Levels::Log(18)
            } else {
                Levels::Auto(14)
            });
        for p in &s.points.points {
            plot = plot.with_point(PointMark::new(p.x[0], p.x[1]).with_verdict(p.verdict));
        }
        for path in &s.paths {
            plot = plot.with_trajectory(path.name.clone(), &path.trajectory)?;
        }
        let fig = figure(
            &dir.join("figures"),
            &format!("surface-{k}"),
            &format!(
                "{}: contour lines over the heatmap (log-spaced levels), critical points marked by verdict, and the optimizers' paths from the same start.",
                s.name
            ),
            |p| plot_surface(p, &grid, &plot),
        )?;
        let mut rows = Vec::new();
        for p in &s.points.points {
            rows.push(vec![
                p.verdict.to_string(),
                num(p.loss),
                format!("({})", list(&p.x)),
                num(p.grad_norm),
            ]);
        }
        let paths: Vec<Vec<String>> = s
            .paths
            .iter()
            .map(|p| {
                let t = &p.trajectory;
                let last = t.points.last().cloned().unwrap_or_default();
                vec![
                    p.name.clone(),
                    format!("{}", t.steps()),
                    num(t.f.first().copied().unwrap_or(f64::NAN)),
                    num(saddlescope::TwiceDifferentiable::value(&s.function, &last)?),
                    format!("({})", list(&last)),
                ]
                .into_iter()
                .map(Ok)
                .collect::<saddlescope::Result<Vec<String>>>()
            })
            .collect::<saddlescope::Result<_>>()?;
        report.section(
            s.name.clone(),
            vec![
                fig,
                Block::Paragraph(format!(
                    "{} critical points found from {} starts ({} minima, {} saddles, {} maxima), each classified by its Hessian:",
                    s.points.points.len(),
                    s.points.starts,
                    s.points.count(Verdict::LocalMinimum),
                    s.points.count(Verdict::SaddlePoint),
                    s.points.count(Verdict::LocalMaximum),
                )),
                Block::Table {
                    headers: vec!["verdict".into(), "f".into(), "point".into(), "‖∇f‖".into()],
                    rows,
                },
                Block::Table {
                    headers: vec![
                        "optimizer".into(),
                        "steps".into(),
                        "f at start".into(),
                        "f at end".into(),
                        "end point".into(),
                    ],
                    rows: paths,
                },
            ],
        );
    }
    Ok(())
}

pub fn network(report: &mut Report, dir: &Path, n: &NetworkStudy) -> saddlescope::Result<()> {
    let rows: Vec<Vec<String>> = n
        .runs
        .iter()
        .map(|r| {
            let last = r.report.epochs.last();
            // The first stall in words; later ones counted by kind.
            let all: Vec<_> = r
                .report
                .epochs
                .iter()
                .filter_map(|e| e.stall.as_ref().map(|s| (e.epoch, s)))
                .collect();
            let mut stalls = Vec::new();
            if let Some((epoch, s)) = all.first() {
                let v = s
                    .analysis
                    .as_ref()
                    .map_or(String::new(), |a| format!(", {}", a.verdict));
                let esc = if s.escape.is_some() { ", escaped" } else { "" };
                stalls.push(format!("epoch {epoch}: {}{v}{esc}", s.describe()));
            }
            let later = |kind: saddlescope::StallKind| {
                all.iter().skip(1).filter(|(_, s)| s.kind == kind).count()
            };
            for kind in [
                saddlescope::StallKind::NearCriticalPoint,
                saddlescope::StallKind::Ravine,
            ] {
                let n = later(kind);
                if n > 0 {
                    stalls.push(format!("then {n} × {}", kind.as_str()));
                }
            }
            vec![
                format!("{} ({})", r.name, r.dir.display()),
                r.optimizer.clone(),
                last.map_or("—".into(), |e| num(e.train_loss)),
                last.and_then(|e| e.train_accuracy).map_or("—".into(), num),
                stalls.join("; "),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Paragraph(format!(
            "{} on {} ({} rows), started next to the saddle at θ = 0 (weights ~1e-4); 80 epochs of full-batch steps each.",
            n.arch,
            n.data.source(),
            n.data.rows()
        )),
        Block::Table {
            headers: vec![
                "run".into(),
                "optimizer".into(),
                "final loss".into(),
                "accuracy".into(),
                "stalls".into(),
            ],
            rows,
        },
    ];
    let series: Vec<TrainingSeries> = n
        .runs
        .iter()
        .map(|r| TrainingSeries::from_epochs(r.name.clone(), &r.report.epochs))
        .collect();
    blocks.push(figure(
        &dir.join("figures"),
        "training",
        "Training curves: the full-data loss, gradient norm and learning rate of each run against the epoch. Plain SGD sits on the plateau next to the saddle — the loss flat, the gradient small — until the instability along the negative curvature grows; the escape step leaves at once.",
        |p| {
            plot_training(
                p,
                &series,
                &TrainingPlot::new().with_title("Four runs from next to a saddle"),
            )
        },
    )?);
    if let Some((name, stall, a)) = &n.stall {
        let c = &a.classification;
        blocks.push(Block::Paragraph(format!(
            "{name} stalled at epoch {} with ‖∇L‖ = {}: {}",
            stall.epoch,
            num(stall.grad_norm),
            c.explanation()
        )));
        let values = a.spectrum.eigenvalues.as_slice().to_vec();
        let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        blocks.push(figure(
            &dir.join("figures"),
            "spectrum",
            "The Hessian's eigenvalues at the stalled parameters, on a symmetric-log axis: negative ones mean a saddle, and their eigenvectors are ways down.",
            |p| {
                plot_eigenvalues(
                    p,
                    &values,
                    &EigenvaluePlot::new()
                        .with_title(format!("Hessian spectrum where {name} stalled (epoch {})", stall.epoch))
                        .with_symlog(1e-3 * scale.max(f64::MIN_POSITIVE))?,
                )
            },
        )?);
        let u_min: Vec<f64> = a.spectrum.eigenvectors.column(0).iter().copied().collect();
        let last = values.len() - 1;
        let u_max: Vec<f64> = a
            .spectrum
            .eigenvectors
            .column(last)
            .iter()
            .copied()
            .collect();
        let curve = slice_1d(&n.objective, &stall.params, &u_min, -3.0..=3.0, 121)?
            .with_name("along u_min");
        let curve_max = slice_1d(&n.objective, &stall.params, &u_max, -3.0..=3.0, 121)?
            .with_name("along u_max");
        blocks.push(figure(
            &dir.join("figures"),
            "slice-1d",
            "The loss along the eigenvectors of λmin and λmax through the stalled point (α = 0): down on both sides along u_min — a saddle — and up along u_max.",
            |p| {
                plot_slice(
                    p,
                    &[curve, curve_max],
                    &SlicePlot::new()
                        .with_title("Loss along u_min and u_max at the stall")
                        .with_mark(0.0, "stalled point", Some(c.verdict)),
                )
            },
        )?);
        let grid = slice_2d(
            &n.objective,
            &stall.params,
            &u_min,
            &u_max,
            -3.0..=3.0,
            -1.0..=1.0,
            61,
        )?;
        blocks.push(figure(
            &dir.join("figures"),
            "slice-2d",
            "The loss on the plane of u_min (α) and u_max (β) through the stalled point: the saddle's shape.",
            |p| {
                plot_surface(
                    p,
                    &grid,
                    &SurfacePlot::new()
                        .with_title("The loss around the stall: L(θ + αu_min + βu_max)")
                        .with_labels("α (along u_min)", "β (along u_max)", "loss")
                        .with_point(PointMark::new(0.0, 0.0).with_verdict(c.verdict)),
                )
            },
        )?);
        blocks.push(Block::Table {
            headers: vec![
                "verdict".into(),
                "λmin".into(),
                "λmax".into(),
                "negative".into(),
                "zero".into(),
                "positive".into(),
                "minimum ratio".into(),
            ],
            rows: vec![vec![
                c.verdict.to_string(),
                num(c.lambda_min),
                num(c.lambda_max),
                c.counts.negative.to_string(),
                c.counts.zero.to_string(),
                c.counts.positive.to_string(),
                format!("{:.3}", c.min_ratio),
            ]],
        });
    }
    for r in &n.runs {
        for e in &r.report.epochs {
            if let Some(esc) = e.stall.as_ref().and_then(|s| s.escape.as_ref()) {
                blocks.push(Block::Paragraph(format!(
                    "{}: at epoch {} it stepped α = {} along u_min (λmin = {}); the loss went from {} to {}, and training went on to {}.",
                    r.name,
                    e.epoch,
                    num(esc.step_length),
                    num(esc.lambda_min),
                    num(esc.loss_before),
                    num(esc.loss_after),
                    r.report.epochs.last().map_or("—".into(), |l| num(l.train_loss)),
                )));
            }
        }
    }
    blocks.push(Block::Code(
        "saddlescope train --arch \"linear(2,16),tanh,linear(16,2)\" --data \"builtin:moons(n=400)\" \\\n    \
         --optimizer \"sgd(lr=0.5)\" --batch-size 400 --epochs 80 --analyze-stalls --escape-saddles"
            .into(),
    ));
    report.section("A network stalls next to a saddle", blocks);
    Ok(())
}
