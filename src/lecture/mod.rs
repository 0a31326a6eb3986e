//! The lecture "when training fails", reproduced: one experiment per claim,
//! each returning its numbers (for tests to assert), a [`Table`] (for the
//! example to print) and its figures (drawn into a directory).
//!
//! | module | claim | example |
//! |---|---|---|
//! | [`diagnose`] | high training loss is model bias or an optimisation issue; low training but high validation loss is overfitting | `lecture_1_diagnose` |
//! | [`critical_points`] | at a stalled point the Hessian's eigenvalues give the verdict, and a negative one's eigenvector is the way down | `lecture_2_critical_points` |
//! | [`saddle_vs_minima`] | most points where small networks stall are saddles or degenerate, with minimum ratio below 1 | `lecture_3_saddle_vs_minima` |
//! | [`batch_size`] | large batches are cheaper per epoch but generalise worse and end sharper | `lecture_4_batch_size` |
//! | [`momentum`] | momentum rolls over a shallow minimum or plateau where gradient descent stops | `lecture_5_momentum` |
//! | [`adaptive_lr`] | in a ravine, gradient descent bounces or crawls; adaptive rates and decay get through | `lecture_6_adaptive_lr` |
//! | [`batch_norm`] | standardised features and BatchNorm lower the Hessian's condition number | `lecture_7_batch_norm` |
//!
//! The page `docs/lecture.md` states each claim with its command and figure.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::{Error, Result};

pub mod adaptive_lr;
pub mod batch_norm;
pub mod batch_size;
pub mod critical_points;
pub mod diagnose;
pub mod momentum;
pub mod saddle_vs_minima;

/// A printed table: a title, a header row and rows of cells, columns
/// aligned, numbers right-aligned.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::Table;
/// let mut t = Table::new("Optimizers", &["method", "loss"]);
/// t.row(vec!["gd".into(), "0.25".into()]);
/// t.row(vec!["momentum".into(), "-1".into()]);
/// let text = t.to_string();
/// assert!(text.contains("method    loss"));
/// assert!(text.contains("momentum    -1"));
/// assert_eq!(t.rows().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with a title and column names.
    pub fn new(title: impl Into<String>, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells print empty, extra cells are kept).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The rows, as added.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }
}

/// Whether a cell reads as a number (right-aligned).
fn numeric(cell: &str) -> bool {
    let t = cell.trim_end_matches(['%', '×', 's']);
    !t.is_empty() && t.parse::<f64>().is_ok()
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let cell = |row: &[String], k: usize| row.get(k).cloned().unwrap_or_default();
        let width: Vec<usize> = (0..columns)
            .map(|k| {
                self.rows
                    .iter()
                    .map(|r| cell(r, k).chars().count())
                    .chain([cell(&self.header, k).chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let right: Vec<bool> = (0..columns)
            .map(|k| self.rows.iter().any(|r| numeric(&cell(r, k))))
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, row: &[String]| -> fmt::Result {
            let mut text = String::new();
            for k in 0..columns {
                let c = cell(row, k);
                let pad = width[k] - c.chars().count();
                if k > 0 {
                    text.push_str("  ");
                }
                if right[k] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(&c);
                } else {
                    text.push_str(&c);
                    text.push_str(&" ".repeat(pad));
                }
            }
            writeln!(f, "{}", text.trim_end())
        };
        writeln!(f, "{}", self.title)?;
        line(f, &self.header)?;
        let rule: usize = width.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
        writeln!(f, "{}", "─".repeat(rule))?;
        for r in &self.rows {
            line(f, r)?;
        }
        Ok(())
    }
}

/// Formats a number for a table: 4 significant digits, scientific outside
/// [1e-3, 1e5).
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::num;
/// assert_eq!(num(0.0), "0");
/// assert_eq!(num(1.23456), "1.235");
/// assert_eq!(num(-250.0), "-250");
/// assert_eq!(num(3.2e-7), "3.200e-7");
/// ```
pub fn num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if !v.is_finite() {
        format!("{v}")
    } else if v.abs() >= 1e-3 && v.abs() < 1e5 {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s == "-0" { "0".into() } else { s }
    } else {
        format!("{v:.3e}")
    }
}

/// The whole `main` of a lecture example: reads `[--out DIR]` (default
/// `saddlescope-lecture/NAME`), runs the experiment, prints its tables
/// (stopping quietly on a closed pipe, as in `| head`), draws its figures
/// into DIR, lists them with the elapsed time. An error is printed behind
/// the example's name with exit status 1; bad arguments give the usage and
/// status 2.
///
/// ```no_run
/// use saddlescope::lecture::{example_main, momentum::{run, Outcome, Settings}};
/// fn main() -> std::process::ExitCode {
///     example_main("lecture_5_momentum", || run(&Settings::default()), Outcome::tables, Outcome::draw)
/// }
/// ```
pub fn example_main<O>(
    name: &str,
    run: impl FnOnce() -> Result<O>,
    tables: fn(&O) -> Vec<Table>,
    draw: fn(&O, &Path) -> Result<Vec<PathBuf>>,
) -> ExitCode {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.as_slice() {
        [] => PathBuf::from("saddlescope-lecture").join(name),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: {name} [--out DIR]");
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let result = run().and_then(|outcome| {
        for table in tables(&outcome) {
            let _ = writeln!(stdout, "{table}");
        }
        draw(&outcome, &out)
    });
    match result {
        Ok(figures) => {
            for f in figures {
                let _ = writeln!(stdout, "wrote {}", f.display());
            }
            let _ = writeln!(stdout, "done in {:.1} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Creates the figure directory `dir` (and its parents).
pub(crate) fn figure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        action: "create the figure directory".into(),
        path: dir.display().to_string(),
        reason: e,
    })
}

/// A setting that fails its check, named.
pub(crate) fn invalid(name: &str, message: String) -> Error {
    Error::InvalidSetting {
        name: name.into(),
        message,
    }
}
