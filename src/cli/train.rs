//! `saddlescope train` and `saddlescope compare`.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use saddlescope::{
    Architecture, CsvOptions, Dataset, EpochRecord, Error, Network, OptimizerSpec, Progress,
    ScheduleInterval, ScheduleSpec, TrainReport, TrainSettings, Trainer, load_dataset,
};
use serde_json::{Value, json};

use super::args::{CompareArgs, IntervalArg, LossArg, TrainArgs, TrainData, TrainLoop};
use super::render::num;

/// The training and validation sets, split with the seed.
fn load(data: &TrainData, seed: u64) -> saddlescope::Result<(Dataset, Option<Dataset>)> {
    let mut options = CsvOptions::default();
    if let Some(t) = &data.target {
        options = options.with_target(t.clone());
    }
    let mut all = load_dataset(&data.data, &options, seed)?;
    if let Some(s) = data.scale {
        all.scale(s)?;
    }
    if !(0.0..1.0).contains(&data.validation) {
        return Err(Error::InvalidSetting {
            name: "--validation".into(),
            message: format!(
                "expected a fraction 0 ≤ F < 1 of the rows, got {}",
                data.validation
            ),
        });
    }
    let (mut train, mut validation) = if data.validation > 0.0 {
        let (t, v) = all.split(data.validation, seed)?;
        (t, Some(v))
    } else {
        (all, None)
    };
    if data.standardize {
        // Statistics from the training rows only, applied to both.
        let stats = train.standardize()?;
        if let Some(v) = &mut validation {
            v.apply_standardization(&stats)?;
        }
    }
    Ok((train, validation))
}

fn settings(run: &TrainLoop, batch: usize, seed: u64) -> saddlescope::Result<TrainSettings> {
    let mut s = TrainSettings::default()
        .with_epochs(run.epochs)?
        .with_batch_size(batch)?
        .with_seed(seed)
        .with_schedule_interval(match run.schedule_every {
            IntervalArg::Epoch => ScheduleInterval::Epoch,
            IntervalArg::Step => ScheduleInterval::Step,
        })
        .with_stall_detection(run.stall_window, run.stall_tol, run.small_grad)?
        .with_stall_analysis(run.analyze_stalls, 3000)
        .with_escape_saddles(run.escape_saddles)
        .with_step_logs(!run.no_step_log)
        .with_checkpoint_seconds(run.checkpoint_seconds)?;
    if let Some(p) = run.patience {
        s = s.with_early_stopping(p, run.min_delta)?;
    }
    Ok(s)
}

fn initial_network(data: &TrainData, seed: u64) -> saddlescope::Result<Network> {
    let arch = data.arch.as_deref().map(Architecture::parse).transpose()?;
    match (&data.init, arch) {
        (Some(path), arch) => Network::read(path, arch.as_ref()),
        (None, Some(arch)) => Network::init(&arch, seed),
        (None, None) => Err(Error::InvalidInput(
            "--arch is required for a new run (or --init CKPT to start from a checkpoint)".into(),
        )),
    }
}

/// A trainer for one run: new, or resumed from `dir`.
#[allow(clippy::too_many_arguments)]
fn trainer(
    data: &TrainData,
    run: &TrainLoop,
    optimizer: &str,
    schedule: Option<&str>,
    batch: usize,
    seed: u64,
    dir: &Path,
    resume: bool,
) -> saddlescope::Result<Trainer> {
    let (train, validation) = load(data, seed)?;
    if resume {
        if data.arch.is_some() || data.init.is_some() {
            return Err(Error::InvalidInput(
                "--resume continues the run in --out: the network comes from its checkpoint, not --arch or --init"
                    .into(),
            ));
        }
        return Trainer::resume(dir, train, validation, Some(run.epochs));
    }
    let optimizer = OptimizerSpec::parse(optimizer)?;
    let schedule = schedule.map(ScheduleSpec::parse).transpose()?;
    Trainer::new(
        initial_network(data, seed)?,
        train,
        validation,
        LossArg::or_default(data.loss),
        data.l2,
        &optimizer,
        schedule.as_ref(),
        settings(run, batch, seed)?,
        dir,
    )
}

pub fn train(args: &TrainArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let mut t = if args.resume {
        // A resumed run is the same run: its optimizer, schedule, batch size
        // and seed come from its checkpoint, and changing them would break
        // the bit-for-bit continuation.
        for (given, flag) in [
            (args.optimizer.is_some(), "--optimizer"),
            (args.schedule.is_some(), "--schedule"),
            (args.batch_size.is_some(), "--batch-size"),
        ] {
            if given {
                return Err(Error::InvalidInput(format!(
                    "--resume continues the run in {} with its own settings; {flag} cannot change. \
                     To train on with other settings, start a new run from its model: \
                     --init {}",
                    args.out.display(),
                    args.out.join("model.safetensors").display()
                ))
                .into());
            }
        }
        let stored = Trainer::settings_of(&args.out)?.seed();
        if let Some(seed) = args.seed
            && seed != stored
        {
            return Err(Error::InvalidInput(format!(
                "--seed {seed} differs from the run's seed {stored}: the data split and the \
                 shuffling would differ; leave --seed out to resume"
            ))
            .into());
        }
        trainer(&args.data, &args.run, "", None, 0, stored, &args.out, true)?
    } else {
        trainer(
            &args.data,
            &args.run,
            args.optimizer.as_deref().unwrap_or("adam(lr=0.001)"),
            args.schedule.as_deref(),
            args.batch_size.unwrap_or(32),
            args.seed.unwrap_or(0),
            &args.out,
            false,
        )?
    };
    let bar = if io::stderr().is_terminal() {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("epoch {msg} {bar:30} {pos}/{len} steps, {elapsed}")
                .expect("a valid template"),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let start = Instant::now();
    let report = t.run(&mut |p| match p {
        Progress::Step(epoch, i, n) => {
            bar.set_length(n as u64);
            bar.set_position(i as u64);
            bar.set_message(format!("{epoch}"));
        }
        Progress::Epoch(r) => {
            if let Some(s) = &r.stall {
                bar.println(format!("epoch {}: {}", r.epoch, s.describe()));
            }
        }
    })?;
    bar.finish_and_clear();
    let total = start.elapsed().as_secs_f64();
    if args.json {
        let j = json!({
            "out": args.out.display().to_string(),
            "report": report,
            "total_s": total,
        });
        super::print_json(out, &j)?;
    } else {
        render_run(out, &args.out, &report, total)?;
    }
    Ok(())
}

fn opt(x: Option<f64>) -> String {
    x.map_or("—".into(), num)
}

fn render_run(out: &mut impl Write, dir: &Path, r: &TrainReport, total: f64) -> io::Result<()> {
    writeln!(
        out,
        "  {:>5}  {:>11}  {:>9}  {:>11}  {:>11}  {:>9}  {:>11}  {:>9}  stall",
        "epoch", "train loss", "train acc", "‖∇L‖", "val loss", "val acc", "lr", "s/epoch"
    )?;
    let n = r.epochs.len();
    let every = (n / 25).max(1);
    for (i, e) in r.epochs.iter().enumerate() {
        if i % every == 0 || i + 3 >= n || e.stall.is_some() {
            writeln!(out, "{}", epoch_row(e))?;
        }
    }
    writeln!(out)?;
    for e in &r.epochs {
        if let Some(s) = &e.stall {
            write!(
                out,
                "  epoch {}: {} (‖∇L‖ = {}, η·κ along the gradient = {})",
                e.epoch,
                s.describe(),
                num(s.grad_norm),
                num(s.lr_times_curvature)
            )?;
            if let Some(a) = &s.analysis {
                write!(out, "; Hessian: {}", a.explanation)?;
            }
            if let Some(e) = &s.escape {
                write!(
                    out,
                    "; escaped along u_min (λmin = {}, α = {}): loss {} → {}",
                    num(e.lambda_min),
                    num(e.step_length),
                    num(e.loss_before),
                    num(e.loss_after)
                )?;
            }
            writeln!(out)?;
        }
    }
    writeln!(
        out,
        "  {:?} after {} epochs in {} s; best monitored loss {} at epoch {}",
        r.finish,
        r.epochs.last().map_or(0, |e| e.epoch),
        num(total),
        num(r.best_loss),
        r.best_epoch
    )?;
    writeln!(
        out,
        "  wrote {0}/model.safetensors, {0}/checkpoint.safetensors (resume with --resume), {0}/epochs.csv, {0}/log.jsonl",
        dir.display()
    )?;
    Ok(())
}

fn epoch_row(e: &EpochRecord) -> String {
    let stall = e.stall.as_ref().map_or(String::new(), |s| {
        let verdict = s
            .analysis
            .as_ref()
            .map_or(String::new(), |a| format!(" → {}", a.verdict));
        format!("{}{verdict}", s.kind.as_str())
    });
    format!(
        "  {:>5}  {:>11}  {:>9}  {:>11}  {:>11}  {:>9}  {:>11}  {:>9}  {stall}",
        e.epoch,
        num(e.train_loss),
        opt(e.train_accuracy),
        num(e.grad_norm),
        opt(e.val_loss),
        opt(e.val_accuracy),
        num(e.lr),
        num(e.seconds)
    )
}

/// One run of a comparison grid.
struct GridRun {
    name: String,
    optimizer: String,
    schedule: Option<String>,
    batch: usize,
    seed: u64,
    dir: PathBuf,
}

pub fn compare(args: &CompareArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let schedules: Vec<Option<String>> = if args.schedules.is_empty() {
        vec![None]
    } else {
        args.schedules
            .iter()
            .map(|s| (s != "none").then(|| s.clone()))
            .collect()
    };
    // Validate every spec before any run starts.
    for o in &args.optimizers {
        OptimizerSpec::parse(o)?;
    }
    for s in schedules.iter().flatten() {
        ScheduleSpec::parse(s)?;
    }
    // Shared settings and the data, checked once before anything is written.
    for &b in &args.batch_sizes {
        for &seed in &args.seeds {
            settings(&args.run, b, seed)?;
        }
    }
    for &seed in &args.seeds {
        load(&args.data, seed)?;
    }
    let mut runs = Vec::new();
    for o in &args.optimizers {
        for s in &schedules {
            for &b in &args.batch_sizes {
                for &seed in &args.seeds {
                    let i = runs.len();
                    let name = format!("run{i:03}");
                    runs.push(GridRun {
                        dir: args.out.join(&name),
                        name,
                        optimizer: o.clone(),
                        schedule: s.clone(),
                        batch: b,
                        seed,
                    });
                }
            }
        }
    }
    if let Some(r) = runs
        .iter()
        .find(|r| r.dir.join("checkpoint.safetensors").exists())
    {
        return Err(Error::InvalidInput(format!(
            "{} already holds a comparison ({} has a run); choose another --out",
            args.out.display(),
            r.dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Error::Io {
        action: "create the comparison directory".into(),
        path: args.out.display().to_string(),
        reason: e,
    })?;
    let start = Instant::now();
    let results: Vec<saddlescope::Result<(TrainReport, f64)>> = runs
        .par_iter()
        .map(|r| {
            let t0 = Instant::now();
            let mut t = trainer(
                &args.data,
                &args.run,
                &r.optimizer,
                r.schedule.as_deref(),
                r.batch,
                r.seed,
                &r.dir,
                false,
            )?;
            let report = t.run(&mut |_| {})?;
            Ok((report, t0.elapsed().as_secs_f64()))
        })
        .collect();
    let mut rows = Vec::new();
    for (r, result) in runs.iter().zip(results) {
        let row = match result {
            Ok((report, secs)) => summary(r, &report, secs),
            Err(e) => json!({
                "run": r.name, "optimizer": r.optimizer, "schedule": r.schedule,
                "batch_size": r.batch, "seed": r.seed, "error": e.to_string(),
            }),
        };
        rows.push(row);
    }
    let failed = rows.iter().filter(|r| r.get("error").is_some()).count();
    let summary_path = args.out.join("summary.json");
    std::fs::write(&summary_path, serde_json::to_string_pretty(&rows)?).map_err(|e| Error::Io {
        action: "write".into(),
        path: summary_path.display().to_string(),
        reason: e,
    })?;
    if args.json {
        super::print_json(
            out,
            &json!({"runs": rows, "total_s": start.elapsed().as_secs_f64()}),
        )?;
        return finish(failed, rows.len());
    }
    writeln!(
        out,
        "  {:<7} {:<26} {:<24} {:>6} {:>5} {:>11} {:>15} {:>9} {:>9} {:>8}  stalls",
        "run",
        "optimizer",
        "schedule",
        "batch",
        "seed",
        "final loss",
        "best (epoch)",
        "train acc",
        "val acc",
        "seconds"
    )?;
    for row in &rows {
        if let Some(e) = row["error"].as_str() {
            writeln!(
                out,
                "  {:<7} {:<26} error: {e}",
                row["run"].as_str().unwrap_or(""),
                row["optimizer"].as_str().unwrap_or("")
            )?;
            continue;
        }
        let f = |k: &str| row[k].as_f64().map_or("—".into(), num);
        writeln!(
            out,
            "  {:<7} {:<26} {:<24} {:>6} {:>5} {:>11} {:>15} {:>9} {:>9} {:>8}  {}",
            row["run"].as_str().unwrap_or(""),
            row["optimizer"].as_str().unwrap_or(""),
            row["schedule"].as_str().unwrap_or("—"),
            row["batch_size"].as_u64().unwrap_or(0),
            row["seed"].as_u64().unwrap_or(0),
            f("final_loss"),
            format!("{} ({})", f("best_loss"), row["best_epoch"]),
            f("train_accuracy"),
            f("val_accuracy"),
            f("seconds"),
            row["stalls"].as_str().unwrap_or(""),
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  {} runs in {} s; per-run logs in {}/runNNN/, the table in {}",
        rows.len(),
        num(start.elapsed().as_secs_f64()),
        args.out.display(),
        summary_path.display()
    )?;
    finish(failed, rows.len())
}

/// A comparison with failed runs is a failure (exit 1), after the table.
fn finish(failed: usize, total: usize) -> anyhow::Result<()> {
    if failed > 0 {
        anyhow::bail!("{failed} of {total} runs failed (see their rows and summary.json)");
    }
    Ok(())
}

fn summary(r: &GridRun, report: &TrainReport, seconds: f64) -> Value {
    let last = report.epochs.last();
    let stalls: Vec<String> = report
        .epochs
        .iter()
        .filter_map(|e| {
            e.stall.as_ref().map(|s| {
                let kind = match s.kind {
                    saddlescope::StallKind::NearCriticalPoint => "critical",
                    saddlescope::StallKind::Ravine => "ravine",
                };
                let verdict = s
                    .analysis
                    .as_ref()
                    .map_or(String::new(), |a| format!(":{}", a.verdict));
                format!("{kind}@{}{verdict}", e.epoch)
            })
        })
        .collect();
    json!({
        "run": r.name,
        "dir": r.dir.display().to_string(),
        "optimizer": r.optimizer,
        "schedule": r.schedule,
        "batch_size": r.batch,
        "seed": r.seed,
        "epochs": last.map(|e| e.epoch),
        "final_loss": last.map(|e| e.train_loss),
        "best_loss": report.best_loss,
        "best_epoch": report.best_epoch,
        "train_accuracy": last.and_then(|e| e.train_accuracy),
        "val_loss": last.and_then(|e| e.val_loss),
        "val_accuracy": last.and_then(|e| e.val_accuracy),
        "seconds": seconds,
        "seconds_per_epoch": report.epochs.iter().map(|e| e.seconds).sum::<f64>() / report.epochs.len().max(1) as f64,
        "finish": report.finish,
        "stalls": stalls.join(" "),
    })
}
