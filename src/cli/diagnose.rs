//! `saddlescope diagnose`: the network and its smaller and bigger variants,
//! trained alike, read along the lecture's flow.

use std::io::{self, IsTerminal, Write};
use std::time::Instant;

use anyhow::Context;
use saddlescope::lecture::{Table, num};
use saddlescope::{
    Architecture, Criteria, CsvOptions, Dataset, DiagnoseReport, DiagnoseSettings, Error, Loss,
    OptimizerSpec, Validation, diagnose, load_dataset,
};
use serde_json::json;

use super::args::{DiagnoseArgs, LossArg};

/// The validated configuration.
struct DiagnoseConfig {
    arch: Architecture,
    data: Dataset,
    validation: Validation,
    validation_source: String,
    settings: DiagnoseSettings,
}

fn load(spec: &str, flag: &str, args: &DiagnoseArgs) -> anyhow::Result<Dataset> {
    let mut options = CsvOptions::default();
    if let Some(t) = &args.target {
        options = options.with_target(t.clone());
    }
    let mut data = load_dataset(spec, &options, args.seed).with_context(|| {
        format!(
            "{flag} {spec}: expected a CSV file (header row, last column the label) or builtin:NAME"
        )
    })?;
    if let Some(s) = args.scale {
        data.scale(s)?;
    }
    Ok(data)
}

impl DiagnoseConfig {
    fn from_args(args: &DiagnoseArgs) -> anyhow::Result<DiagnoseConfig> {
        let arch = Architecture::parse(&args.arch)?;
        let optimizer = OptimizerSpec::parse(&args.optimizer)?;
        let criteria = Criteria {
            high_loss: args.high_loss,
            gap: args.gap,
            margin: args.margin,
        };
        criteria.check()?;
        let settings = DiagnoseSettings {
            loss: match args.loss.unwrap_or(LossArg::CrossEntropy) {
                LossArg::CrossEntropy => Loss::CrossEntropy,
                LossArg::Mse => Loss::Mse,
                LossArg::Bce => Loss::Bce,
            },
            optimizer,
            epochs: args.epochs,
            batch_size: args.batch_size,
            seed: args.seed,
            standardize: args.standardize,
            criteria,
            out: args.out.clone(),
        };
        settings.check()?;
        let holdout = args.holdout.unwrap_or(0.2);
        if !(holdout > 0.0 && holdout < 1.0) {
            return Err(Error::InvalidSetting {
                name: "--holdout".into(),
                message: format!(
                    "expected a fraction 0 < F < 1 of the rows held out for validation, got {holdout}"
                ),
            }
            .into());
        }
        let data = load(&args.data, "--data", args)?;
        let (validation, validation_source) = match &args.validation {
            Some(spec) => {
                if spec.parse::<f64>().is_ok() && !std::path::Path::new(spec).exists() {
                    return Err(Error::InvalidInput(format!(
                        "--validation takes a CSV file with the same columns as --data, got the \
                         number {spec}; to hold out a fraction of the rows use --holdout {spec}"
                    ))
                    .into());
                }
                (
                    Validation::Set(load(spec, "--validation", args)?),
                    spec.clone(),
                )
            }
            None => (
                Validation::Holdout(holdout),
                format!("{holdout} of the rows held out (seed {})", args.seed),
            ),
        };
        if let Some(dir) = &args.out
            && dir.join("given").join("checkpoint.safetensors").exists()
        {
            return Err(Error::InvalidInput(format!(
                "{} already holds a diagnosis (given/checkpoint.safetensors); choose another --out",
                dir.display()
            ))
            .into());
        }
        Ok(DiagnoseConfig {
            arch,
            data,
            validation,
            validation_source,
            settings,
        })
    }
}

pub fn run(args: &DiagnoseArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let config = DiagnoseConfig::from_args(args)?;
    if io::stderr().is_terminal() {
        eprintln!(
            "training the given network and its two variants for {} epochs …",
            config.settings.epochs
        );
    }
    let start = Instant::now();
    let report = diagnose(
        &config.arch,
        &config.data,
        &config.validation,
        &config.settings,
    )?;
    let total = start.elapsed().as_secs_f64();
    let j = json!({
        "out": args.out.as_ref().map(|d| d.display().to_string()),
        "validation": config.validation_source,
        "report": report,
        "total_s": total,
    });
    if let Some(dir) = &args.out {
        let path = dir.join("diagnosis.json");
        std::fs::write(&path, serde_json::to_string_pretty(&j)?).map_err(|e| Error::Io {
            action: "write".into(),
            path: path.display().to_string(),
            reason: e,
        })?;
    }
    if args.json {
        super::print_json(out, &j)?;
    } else {
        render(out, args, &config, &report, total)?;
    }
    Ok(())
}

fn percent(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn render(
    out: &mut impl Write,
    args: &DiagnoseArgs,
    config: &DiagnoseConfig,
    r: &DiagnoseReport,
    total: f64,
) -> io::Result<()> {
    writeln!(
        out,
        "{} on {}: {} training rows; validation: {}, {} rows",
        args.arch, r.data, r.train_rows, config.validation_source, r.val_rows
    )?;
    writeln!(
        out,
        "{} loss, {}, {} epochs, batches of {}, seed {}{}",
        r.loss,
        r.optimizer,
        r.epochs,
        r.batch_size,
        r.seed,
        if args.standardize {
            ", standardised features"
        } else {
            ""
        }
    )?;
    writeln!(out)?;
    let mut t = Table::new(
        "The given network and its variants (losses after the last epoch)",
        &[
            "variant",
            "widths",
            "params",
            "train loss",
            "val loss",
            "best val (epoch)",
            "train acc",
            "val acc",
            "‖∇L‖",
            "seconds",
        ],
    );
    for v in &r.variants {
        t.row(vec![
            v.role.describe().into(),
            v.widths.clone(),
            v.params.to_string(),
            num(v.train_loss),
            num(v.val_loss),
            format!("{} ({})", num(v.best_val_loss), v.best_val_epoch),
            percent(v.train_accuracy),
            percent(v.val_accuracy),
            num(v.grad_norm),
            num(v.seconds),
        ]);
    }
    write!(out, "{t}")?;
    writeln!(out)?;
    for v in &r.variants {
        writeln!(out, "  {:<20} {}", v.role.describe(), v.architecture)?;
    }
    writeln!(out)?;
    writeln!(out, "Criteria (B = {}):", num(r.baseline.loss))?;
    for c in r.criteria.describe(r.baseline.loss) {
        writeln!(out, "  {c}")?;
    }
    writeln!(out)?;
    writeln!(out, "Reasoning:")?;
    for line in &r.reasoning {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)?;
    writeln!(out, "Diagnosis — {}", r.explanation)?;
    writeln!(out, "Next: {}", r.advice)?;
    writeln!(out)?;
    match &args.out {
        Some(dir) => {
            let d = dir.display();
            writeln!(
                out,
                "{} s; the runs in {d}/smaller (unless the network is linear), {d}/given and \
                 {d}/bigger, the report in {d}/diagnosis.json",
                num(total)
            )
        }
        None => writeln!(out, "{} s", num(total)),
    }
}
