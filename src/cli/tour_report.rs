//! The tour's report sections: tables now, figures from `plot`.

use saddlescope::{Block, Report, Verdict};

use super::render::{list, num};
use super::tour::{NetworkStudy, SurfaceStudy};

pub fn surfaces(report: &mut Report, studies: &[&SurfaceStudy]) -> saddlescope::Result<()> {
    for s in studies {
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

pub fn network(report: &mut Report, n: &NetworkStudy) -> saddlescope::Result<()> {
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
                stalls.push(format!("epoch {epoch}: {}{v}{esc}", s.kind.describe()));
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
                r.name.clone(),
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
    if let Some((name, stall, a)) = &n.stall {
        let c = &a.classification;
        blocks.push(Block::Paragraph(format!(
            "{name} stalled at epoch {} with ‖∇L‖ = {}: {}",
            stall.epoch,
            num(stall.grad_norm),
            c.explanation()
        )));
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
