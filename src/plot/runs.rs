//! Training curves as series: from the trainer's records, or read back from
//! a run directory (`epochs.csv`, `log.jsonl`) or a comparison grid
//! (`summary.json` and one directory per run).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{EpochRecord, Error, Result, StepRecord};

/// What the x axis of training curves counts.
///
/// # Examples
///
/// ```
/// use saddlescope::CurveAxis;
/// assert_eq!(CurveAxis::Epoch.name(), "epoch");
/// assert_eq!(CurveAxis::default(), CurveAxis::Epoch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CurveAxis {
    /// Epochs: the full-data loss and gradient norm at each epoch's end
    /// (`epochs.csv`).
    #[default]
    Epoch,
    /// Optimizer steps: each step's batch loss, gradient norm and learning
    /// rate (`log.jsonl`, written unless the run turned step logging off).
    Step,
}

impl CurveAxis {
    /// `"epoch"` or `"step"`.
    pub fn name(self) -> &'static str {
        match self {
            CurveAxis::Epoch => "epoch",
            CurveAxis::Step => "step",
        }
    }
}

/// One run's training curves against epochs or steps.
///
/// Against epochs, `loss` is the full-data training loss and `val_loss`
/// the validation loss (empty without a validation set); against steps,
/// `loss` is the batch loss before each step and `val_loss` is empty.
/// `grad_norm` and `lr` are the matching gradient norm and learning rate.
///
/// # Examples
///
/// ```
/// use saddlescope::{CurveAxis, StepRecord, TrainingSeries};
/// let steps = [
///     StepRecord { epoch: 1, step: 1, batch_loss: 2.0, grad_norm: 1.0, lr: 0.1 },
///     StepRecord { epoch: 1, step: 2, batch_loss: 1.5, grad_norm: 0.8, lr: 0.1 },
/// ];
/// let s = TrainingSeries::from_steps("adam", &steps);
/// assert_eq!((s.axis, s.x.clone(), s.loss.clone()), (CurveAxis::Step, vec![1.0, 2.0], vec![2.0, 1.5]));
/// assert!(s.val_loss.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSeries {
    /// The legend name.
    pub name: String,
    /// What `x` counts.
    pub axis: CurveAxis,
    /// Epoch or step numbers.
    pub x: Vec<f64>,
    /// The training (or batch) loss at each x.
    pub loss: Vec<f64>,
    /// The validation loss at each x (NaN where missing), or empty.
    pub val_loss: Vec<f64>,
    /// ‖∇L‖ at each x.
    pub grad_norm: Vec<f64>,
    /// The learning rate at each x.
    pub lr: Vec<f64>,
}

impl TrainingSeries {
    /// The curves of a run's epochs.
    pub fn from_epochs(name: impl Into<String>, epochs: &[EpochRecord]) -> TrainingSeries {
        let val: Vec<f64> = epochs
            .iter()
            .map(|e| e.val_loss.unwrap_or(f64::NAN))
            .collect();
        TrainingSeries {
            name: name.into(),
            axis: CurveAxis::Epoch,
            x: epochs.iter().map(|e| e.epoch as f64).collect(),
            loss: epochs.iter().map(|e| e.train_loss).collect(),
            val_loss: if val.iter().any(|v| v.is_finite()) {
                val
            } else {
                Vec::new()
            },
            grad_norm: epochs.iter().map(|e| e.grad_norm).collect(),
            lr: epochs.iter().map(|e| e.lr).collect(),
        }
    }

    /// The curves of a run's steps.
    pub fn from_steps(name: impl Into<String>, steps: &[StepRecord]) -> TrainingSeries {
        TrainingSeries {
            name: name.into(),
            axis: CurveAxis::Step,
            x: steps.iter().map(|s| s.step as f64).collect(),
            loss: steps.iter().map(|s| s.batch_loss).collect(),
            val_loss: Vec::new(),
            grad_norm: steps.iter().map(|s| s.grad_norm).collect(),
            lr: steps.iter().map(|s| s.lr).collect(),
        }
    }

    /// Reads a run directory written by the trainer: `epochs.csv` for
    /// [`CurveAxis::Epoch`], the `"kind": "step"` records of `log.jsonl`
    /// for [`CurveAxis::Step`]. The series is named after the directory.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; [`Error::Data`] for a
    /// malformed row or record (naming the file, line and column), a
    /// missing column, or a log with no step records.
    ///
    /// # Examples
    ///
    /// ```
    /// use saddlescope::{CurveAxis, TrainingSeries, EPOCH_COLUMNS};
    /// let dir = std::env::temp_dir().join("saddlescope-doc-run");
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(
    ///     dir.join("epochs.csv"),
    ///     format!("{}\n1,10,0.9,,0.5,1.0,,,0.01,0.1,\n2,20,0.4,,0.2,0.6,,,0.01,0.1,\n", EPOCH_COLUMNS.join(",")),
    /// )?;
    /// let s = TrainingSeries::read(&dir, CurveAxis::Epoch)?;
    /// assert_eq!(s.name, "saddlescope-doc-run");
    /// assert_eq!((s.x, s.loss, s.grad_norm), (vec![1.0, 2.0], vec![0.9, 0.4], vec![0.5, 0.2]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(dir: impl AsRef<Path>, axis: CurveAxis) -> Result<TrainingSeries> {
        let dir = dir.as_ref();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        match axis {
            CurveAxis::Epoch => read_epochs(&dir.join("epochs.csv"), name),
            CurveAxis::Step => read_steps(&dir.join("log.jsonl"), name),
        }
    }
}

/// Reads every run under `dir`: a comparison grid's runs in the order of
/// its `summary.json`, named by what varies between them (optimizer,
/// schedule, batch size, seed); without a summary, each subdirectory with
/// an `epochs.csv`, by name; or `dir` itself when it is one run.
///
/// # Errors
///
/// As [`TrainingSeries::read`]; [`Error::InvalidInput`] when `dir` holds no
/// run; [`Error::Data`] for a malformed `summary.json`.
///
/// # Examples
///
/// ```
/// use saddlescope::{read_runs, CurveAxis, EPOCH_COLUMNS};
/// let grid = std::env::temp_dir().join("saddlescope-doc-grid");
/// for (run, opt) in [("run000", "sgd"), ("run001", "adam")] {
///     std::fs::create_dir_all(grid.join(run))?;
///     std::fs::write(
///         grid.join(run).join("epochs.csv"),
///         format!("{}\n1,10,0.9,,0.5,1.0,,,0.01,0.1,\n", EPOCH_COLUMNS.join(",")),
///     )?;
/// }
/// std::fs::write(grid.join("summary.json"), r#"[
///     {"run": "run000", "optimizer": "sgd", "schedule": null, "batch_size": 32, "seed": 0},
///     {"run": "run001", "optimizer": "adam", "schedule": null, "batch_size": 32, "seed": 0}
/// ]"#)?;
/// let runs = read_runs(&grid, CurveAxis::Epoch)?;
/// let names: Vec<_> = runs.iter().map(|r| r.name.as_str()).collect();
/// assert_eq!(names, ["sgd", "adam"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_runs(dir: impl AsRef<Path>, axis: CurveAxis) -> Result<Vec<TrainingSeries>> {
    let dir = dir.as_ref();
    let summary = dir.join("summary.json");
    if summary.is_file() {
        let text = read_text(&summary)?;
        let rows: Vec<Value> = serde_json::from_str(&text).map_err(|e| Error::Data {
            source_name: summary.display().to_string(),
            row: Some(e.line()),
            column: None,
            message: format!("not a comparison summary (a JSON array of runs): {e}"),
        })?;
        let keys = ["optimizer", "schedule", "batch_size", "seed"];
        let varies: Vec<&str> = keys
            .into_iter()
            .filter(|k| rows.iter().any(|r| r.get(*k) != rows[0].get(*k)))
            .collect();
        let mut runs = Vec::new();
        for r in &rows {
            if r.get("error").is_some() {
                continue; // the run failed; summary.json says why
            }
            let Some(run) = r.get("run").and_then(Value::as_str) else {
                return Err(Error::Data {
                    source_name: summary.display().to_string(),
                    row: None,
                    column: Some("run".into()),
                    message: "a run without a `run` name".into(),
                });
            };
            let mut series = TrainingSeries::read(dir.join(run), axis)?;
            let parts: Vec<String> = varies
                .iter()
                .map(|k| match (*k, r.get(*k)) {
                    ("batch_size", Some(v)) => format!("batch {v}"),
                    ("seed", Some(v)) => format!("seed {v}"),
                    ("schedule", Some(Value::Null) | None) => "no schedule".into(),
                    (_, Some(Value::String(s))) => s.clone(),
                    (_, Some(v)) => v.to_string(),
                    (_, None) => String::new(),
                })
                .collect();
            if !parts.is_empty() {
                series.name = parts.join(" · ");
            }
            runs.push(series);
        }
        if !runs.is_empty() {
            return Ok(runs);
        }
    }
    let mut subdirs: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io_error("read the directory", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("epochs.csv").is_file())
        .collect();
    subdirs.sort();
    if subdirs.is_empty() {
        if dir.join("epochs.csv").is_file() {
            return Ok(vec![TrainingSeries::read(dir, axis)?]);
        }
        return Err(Error::InvalidInput(format!(
            "{} holds no training run (no epochs.csv in it or in a subdirectory)",
            dir.display()
        )));
    }
    subdirs
        .iter()
        .map(|d| TrainingSeries::read(d, axis))
        .collect()
}

fn io_error(action: &str, path: &Path, reason: std::io::Error) -> Error {
    Error::Io {
        action: action.into(),
        path: path.display().to_string(),
        reason,
    }
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| io_error("read", path, e))
}

fn read_epochs(path: &Path, name: String) -> Result<TrainingSeries> {
    let text = read_text(path)?;
    let source = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::Data {
        source_name: source.clone(),
        row: Some(1),
        column: None,
        message: e.to_string(),
    })?;
    let column = |c: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h == c)
            .ok_or_else(|| Error::Data {
                source_name: source.clone(),
                row: Some(1),
                column: Some(c.into()),
                message: format!("no `{c}` column; expected the trainer's header"),
            })
    };
    let [epoch, loss, grad, lr] = [
        column("epoch")?,
        column("train_loss")?,
        column("grad_norm")?,
        column("lr")?,
    ];
    let val = headers.iter().position(|h| h == "val_loss");
    let names: Vec<String> = headers.iter().map(str::to_string).collect();
    let mut s = TrainingSeries {
        name,
        axis: CurveAxis::Epoch,
        x: Vec::new(),
        loss: Vec::new(),
        val_loss: Vec::new(),
        grad_norm: Vec::new(),
        lr: Vec::new(),
    };
    for (k, record) in reader.records().enumerate() {
        let line = k + 2;
        let record = record.map_err(|e| Error::Data {
            source_name: source.clone(),
            row: Some(line),
            column: None,
            message: e.to_string(),
        })?;
        let number = |i: usize, optional: bool| -> Result<f64> {
            let cell = record.get(i).unwrap_or("").trim();
            if cell.is_empty() && optional {
                return Ok(f64::NAN);
            }
            cell.parse::<f64>().map_err(|_| Error::Data {
                source_name: source.clone(),
                row: Some(line),
                column: Some(names[i].clone()),
                message: format!("expected a number, found `{cell}`"),
            })
        };
        s.x.push(number(epoch, false)?);
        s.loss.push(number(loss, false)?);
        s.grad_norm.push(number(grad, false)?);
        s.lr.push(number(lr, false)?);
        s.val_loss.push(match val {
            Some(i) => number(i, true)?,
            None => f64::NAN,
        });
    }
    if !s.val_loss.iter().any(|v| v.is_finite()) {
        s.val_loss.clear();
    }
    Ok(s)
}

fn read_steps(path: &Path, name: String) -> Result<TrainingSeries> {
    let text = read_text(path)?;
    let source = path.display().to_string();
    let mut s = TrainingSeries {
        name,
        axis: CurveAxis::Step,
        x: Vec::new(),
        loss: Vec::new(),
        val_loss: Vec::new(),
        grad_norm: Vec::new(),
        lr: Vec::new(),
    };
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |column: Option<&str>, message: String| Error::Data {
            source_name: source.clone(),
            row: Some(k + 1),
            column: column.map(str::to_string),
            message,
        };
        let v: Value =
            serde_json::from_str(line).map_err(|e| bad(None, format!("not JSON: {e}")))?;
        if v.get("kind").and_then(Value::as_str) != Some("step") {
            continue;
        }
        // serde_json writes a non-finite number as null.
        let field = |f: &str| match v.get(f) {
            Some(Value::Null) => Ok(f64::NAN),
            Some(x) if x.is_number() => Ok(x.as_f64().unwrap_or(f64::NAN)),
            _ => Err(bad(
                Some(f),
                format!("a step record without a numeric `{f}`"),
            )),
        };
        s.x.push(field("step")?);
        s.loss.push(field("batch_loss")?);
        s.grad_norm.push(field("grad_norm")?);
        s.lr.push(field("lr")?);
    }
    if s.x.is_empty() {
        return Err(Error::Data {
            source_name: source,
            row: None,
            column: None,
            message:
                "no step records (the run was trained without step logging); plot against epochs"
                    .into(),
        });
    }
    Ok(s)
}
