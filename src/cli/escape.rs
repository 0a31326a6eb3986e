//! `saddlescope escape`: the negative-curvature step and the methods it is
//! compared with.

use std::io::{self, Write};

use saddlescope::{
    Error, EscapeRun, EscapeSettings, EscapeStep, OptimizerSpec, TwiceDifferentiable,
    compare_escapes,
};
use serde_json::{Value, json};

use super::args::EscapeArgs;
use super::config::{Problem, Target};
use super::render::{list, num};

pub struct EscapeConfig {
    target: Target,
    steps: usize,
    optimizer: OptimizerSpec,
    settings: EscapeSettings,
    out: Option<std::path::PathBuf>,
}

pub struct EscapeReport {
    loss_before: f64,
    grad_norm: f64,
    step: Option<EscapeStep>,
    runs: Vec<EscapeRun>,
    written: Option<String>,
}

impl EscapeConfig {
    pub fn from_args(args: &EscapeArgs) -> saddlescope::Result<Self> {
        let target = Target::from_flags(
            &args.source,
            args.vars.as_deref(),
            args.at.as_deref(),
            &args.network,
            true,
        )?;
        if args.out.is_some() && !target.is_network() {
            return Err(Error::InvalidInput(
                "--out writes an escaped network checkpoint; it goes with --checkpoint".into(),
            ));
        }
        if args.steps == 0 {
            return Err(Error::InvalidSetting {
                name: "--steps".into(),
                message: "expected at least 1 step, got 0".into(),
            });
        }
        Ok(EscapeConfig {
            steps: args.steps,
            optimizer: OptimizerSpec::parse(&args.optimizer)?,
            settings: EscapeSettings::default()
                .with_initial_step(args.step_length)?
                .with_seed(args.network.seed.unwrap_or(0))
                .with_dense_budget(args.network.max_dense_params.unwrap_or(3000)),
            out: args.out.clone(),
            target,
        })
    }

    pub fn run(&self) -> saddlescope::Result<EscapeReport> {
        let (f, x) = (&self.target.problem, &self.target.point);
        let (loss_before, g) = f.gradient(x)?;
        let (step, runs) = compare_escapes(f, x, self.steps, &self.optimizer, &self.settings)?;
        let mut written = None;
        if let (Some(path), Some(s), Problem::Network(n)) = (&self.out, &step, &f) {
            let escaped = n
                .network
                .with_params(nalgebra::DVector::from_vec(s.point.clone()))?;
            escaped.save(path, &[])?;
            written = Some(path.display().to_string());
        }
        Ok(EscapeReport {
            loss_before,
            grad_norm: g.norm(),
            step,
            runs,
            written,
        })
    }

    /// The share of ‖u‖² in each parameter tensor (networks only).
    fn by_tensor(&self, direction: &[f64]) -> Option<Vec<(String, f64)>> {
        let Problem::Network(n) = &self.target.problem else {
            return None;
        };
        Some(
            n.network
                .arch()
                .parameters()
                .into_iter()
                .map(|p| {
                    let share = direction[p.range()].iter().map(|v| v * v).sum::<f64>();
                    (p.name, share)
                })
                .collect(),
        )
    }

    pub fn json(&self, r: &EscapeReport) -> Value {
        let mut j = json!({
            "n_params": self.target.point.len(),
            "loss_before": r.loss_before,
            "grad_norm": r.grad_norm,
            "lambda_min": r.step.as_ref().map(|s| s.lambda_min),
            "escape": r.step.as_ref().map(|s| json!({
                "step_length": s.step_length,
                "sign": s.sign,
                "predicted_change": s.predicted_change,
                "actual_change": s.actual_change,
                "loss_after": s.loss_after,
                "method": s.method,
                "direction_by_tensor": self.by_tensor(&s.direction).map(|v| v.into_iter().map(|(name, share)| json!({"name": name, "share": share})).collect::<Vec<_>>()),
                "point": (!self.target.is_network()).then_some(&s.point),
            })),
            "runs": r.runs.iter().map(|run| json!({
                "method": run.method,
                "loss": run.loss,
                "losses": run.losses,
            })).collect::<Vec<_>>(),
            "steps": self.steps,
            "optimizer": self.optimizer.to_string(),
            "out": r.written,
        });
        if r.step.is_none() {
            j["note"] = "no negative curvature at this point: nothing to escape along".into();
        }
        self.target.annotate(&mut j);
        j
    }

    pub fn render(&self, out: &mut impl Write, r: &EscapeReport) -> io::Result<()> {
        writeln!(out, "{}", self.target.describe())?;
        writeln!(out)?;
        let row = |out: &mut dyn Write, k: &str, v: String| writeln!(out, "  {k:<18} {v}");
        row(out, "loss", num(r.loss_before))?;
        row(out, "‖∇L‖", num(r.grad_norm))?;
        match &r.step {
            None => row(
                out,
                "escape",
                "no negative curvature here: nothing to escape along".into(),
            )?,
            Some(s) => {
                row(out, "λmin", format!("{} ({})", num(s.lambda_min), s.method))?;
                row(
                    out,
                    "escape step",
                    format!(
                        "α = {} along {}u_min: predicted ΔL = α·∇Lᵀu + ½λα² = {}, actual ΔL = {}",
                        num(s.step_length),
                        if s.sign < 0.0 { "−" } else { "+" },
                        num(s.predicted_change),
                        num(s.actual_change)
                    ),
                )?;
                row(out, "loss after", num(s.loss_after))?;
                if let Some(shares) = self.by_tensor(&s.direction) {
                    let text = shares
                        .iter()
                        .map(|(n, v)| format!("{n} {:.0}%", 100.0 * v))
                        .collect::<Vec<_>>()
                        .join(", ");
                    row(out, "direction", text)?;
                } else {
                    row(out, "point after", format!("({})", list(&s.point)))?;
                }
            }
        }
        writeln!(out)?;
        writeln!(out, "  after {} steps from the same point:", self.steps)?;
        for run in &r.runs {
            writeln!(out, "    {:<24} loss {}", run.method, num(run.loss))?;
        }
        if let Some(p) = &r.written {
            writeln!(out)?;
            writeln!(out, "  wrote the escaped network to {p}")?;
        }
        Ok(())
    }
}
