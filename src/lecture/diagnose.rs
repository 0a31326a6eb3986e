//! Lecture 1: is a failing network's problem *model bias*, an
//! *optimisation issue* or *overfitting*?
//!
//! **The claim** (Hung-yi Lee, ML 2021, "General guide"): look at the
//! training loss first. If it is high, either the model is too small — a
//! bigger model does better — or the optimiser failed: a deeper network
//! that could represent a shallower one reaches a *higher* training loss
//! than it (He et al. 2016, "Deep residual learning for image
//! recognition", fig. 1: a plain 56-layer network has higher training
//! error than a 20-layer one). If the training loss is low but the
//! validation loss high, the model overfits.
//!
//! **The experiment.** Three real [`diagnose`] runs,
//! each training the given network and its smaller (half the hidden
//! layers, half as wide) and bigger (one more hidden layer, twice as wide)
//! [`variants`](crate::variants) with one optimiser, budget and seed:
//!
//! - (a) *model bias*: logistic regression (`linear(2,2)`) on two moons.
//!   Its loss is convex in its parameters, so Adam reaches the best a
//!   linear model can do; that best is far from zero, and the bigger
//!   variant (one hidden layer of 4 tanh units) fits the moons.
//! - (b) *optimisation issue*: a plain network of 12 tanh layers of 16
//!   units, trained with plain SGD (η = 0.1, PyTorch's initialisation), on
//!   the same moons. Its 6-layer, 8-wide smaller variant — which it can
//!   represent — reaches a far lower training loss. The same network with
//!   Adam at η = 0.001 trains (the *remedy* run), which confirms that the
//!   optimiser, not the model, was at fault.
//! - (c) *overfitting*: a 256-unit tanh network (19,210 parameters) on 60
//!   rows of digits, validated on 300 others: training loss near zero,
//!   validation loss far above it.
//!
//! The settings are the first that show each case on the lecture's data
//! sets, chosen for principle (convexity in (a), depth with plain SGD in
//! (b), parameters ≫ rows in (c)) and not tuned per seed; each case is
//! repeated with the data, split, initialisation and shuffling drawn from
//! further seeds ([`Settings::seeds`]), and the outcome says on how many
//! seeds the diagnosis came out as claimed.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Table, num};
use crate::data::Rng;
use crate::{
    Architecture, AxisScale, CsvOptions, DiagnoseReport, DiagnoseSettings, Error, LegendPosition,
    OptimizerSpec, Result, SeriesStyle, Validation, VariantRole, XyPlot, XySeries, diagnose,
    load_dataset, plot_xy,
};

/// Where a case's training and validation rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Rows {
    /// Hold out this fraction of the rows for validation.
    Holdout(f64),
    /// Draw this many training rows and this many other validation rows at
    /// random (seeded).
    Sample {
        /// Training rows.
        train: usize,
        /// Validation rows.
        validation: usize,
    },
}

/// One case: a data set, a network and how to train it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// A short name, e.g. "model bias".
    pub title: String,
    /// The diagnosis the case is meant to show, as [`Diagnosis::name`](crate::Diagnosis::name)
    /// spells it.
    pub expected: String,
    /// The data: a CSV path or `builtin:NAME(…)`.
    pub data: String,
    /// Divide the features by this (digits' pixels are 0–16).
    pub scale: Option<f64>,
    /// The training and validation rows.
    pub rows: Rows,
    /// The given network.
    pub arch: String,
    /// Optimiser, epochs, batch size, seed, criteria.
    pub diagnose: DiagnoseSettings,
}

/// The experiment's configuration; `Default` is the example's.
///
/// # Examples
///
/// ```
/// use saddlescope::lecture::diagnose::Settings;
/// use saddlescope::{hidden_layers, Architecture};
/// let s = Settings::default();
/// let deep = Architecture::parse(&s.optimization.arch)?;
/// assert_eq!(hidden_layers(&deep), 12);
/// assert_eq!(s.optimization.diagnose.optimizer.to_string(), "sgd(lr=0.1,momentum=0,dampening=0,weight_decay=0,nesterov=false,maximize=false)");
/// assert_eq!(s.seeds, [1, 2, 3, 4]);
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// (a): a linear model on two moons.
    pub model_bias: Case,
    /// (b): a deep plain tanh network with plain SGD on two moons.
    pub optimization: Case,
    /// (c): a wide network on 60 rows of digits.
    pub overfitting: Case,
    /// The optimiser of the remedy run: case (b) again with it.
    pub remedy: OptimizerSpec,
    /// Further seeds on which every case (and the remedy) is repeated to
    /// count how often the diagnosis comes out as claimed.
    pub seeds: Vec<u64>,
}

fn digits_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/digits.csv").to_string()
}

/// The deep plain network of case (b): `depth` tanh layers of `width`.
fn deep_tanh(inputs: usize, width: usize, depth: usize, outputs: usize) -> String {
    format!(
        "linear({inputs},{width}),tanh,{}linear({width},{outputs})",
        format!("linear({width},{width}),tanh,").repeat(depth.saturating_sub(1))
    )
}

impl Default for Settings {
    fn default() -> Self {
        let optimizer = |s: &str| OptimizerSpec::parse(s).expect("a valid optimizer spec");
        let base = DiagnoseSettings {
            epochs: 100,
            batch_size: 32,
            seed: 0,
            ..DiagnoseSettings::default()
        };
        Settings {
            model_bias: Case {
                title: "model bias".into(),
                expected: "model bias".into(),
                data: "builtin:moons(n=400)".into(),
                scale: None,
                rows: Rows::Holdout(0.25),
                arch: "linear(2,2)".into(),
                diagnose: DiagnoseSettings {
                    optimizer: optimizer("adam(lr=0.05)"),
                    ..base.clone()
                },
            },
            optimization: Case {
                title: "optimisation issue".into(),
                expected: "optimisation issue".into(),
                data: "builtin:moons(n=400)".into(),
                scale: None,
                rows: Rows::Holdout(0.25),
                arch: deep_tanh(2, 16, 12, 2),
                diagnose: DiagnoseSettings {
                    optimizer: optimizer("sgd(lr=0.1)"),
                    ..base.clone()
                },
            },
            overfitting: Case {
                title: "overfitting".into(),
                expected: "overfitting".into(),
                data: digits_path(),
                scale: Some(16.0),
                rows: Rows::Sample {
                    train: 60,
                    validation: 300,
                },
                arch: "linear(64,256),tanh,linear(256,10)".into(),
                diagnose: DiagnoseSettings {
                    optimizer: optimizer("adam(lr=0.01)"),
                    ..base
                },
            },
            remedy: optimizer("adam(lr=0.001)"),
            seeds: vec![1, 2, 3, 4],
        }
    }
}

/// One case's diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    /// The case's title.
    pub title: String,
    /// The diagnosis it is meant to show.
    pub expected: String,
    /// The given network's architecture.
    pub arch: String,
    /// The data's description: its source and rows.
    pub data: String,
    /// What [`diagnose`] found.
    pub report: DiagnoseReport,
}

impl CaseOutcome {
    /// Whether the diagnosis is the expected one.
    pub fn as_claimed(&self) -> bool {
        self.report.diagnosis.name() == self.expected
    }
}

/// How often a case's diagnosis came out as claimed over the seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    /// The case's title (or "remedy").
    pub title: String,
    /// The diagnosis meant.
    pub expected: String,
    /// The seeds, the default one first.
    pub seeds: Vec<u64>,
    /// The diagnosis on each seed.
    pub diagnoses: Vec<String>,
}

impl Robustness {
    /// Seeds on which the diagnosis was the expected one.
    pub fn matched(&self) -> usize {
        self.diagnoses
            .iter()
            .filter(|d| **d == self.expected)
            .count()
    }
}

/// What [`run`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// (a) model bias, (b) optimisation issue, (c) overfitting, in order.
    pub cases: Vec<CaseOutcome>,
    /// Case (b) with the remedy optimiser: expected "fine".
    pub remedy: CaseOutcome,
    /// Each case and the remedy on the default seed and [`Settings::seeds`].
    pub robustness: Vec<Robustness>,
}

/// A case ready to diagnose: its network, rows and settings for one seed.
struct Prepared<'a> {
    case: &'a Case,
    arch: Architecture,
    train: crate::Dataset,
    validation: Validation,
    settings: DiagnoseSettings,
}

/// Loads a case's rows for `seed` and checks its settings.
fn prepare<'a>(
    case: &'a Case,
    seed: u64,
    optimizer: Option<&OptimizerSpec>,
) -> Result<Prepared<'a>> {
    let arch = Architecture::parse(&case.arch)?;
    let mut data = load_dataset(&case.data, &CsvOptions::default(), seed)?;
    if let Some(s) = case.scale {
        data.scale(s)?;
    }
    let mut settings = DiagnoseSettings {
        seed,
        ..case.diagnose.clone()
    };
    if let Some(o) = optimizer {
        settings.optimizer = o.clone();
    }
    settings.check()?;
    let (train, validation) = match case.rows {
        Rows::Holdout(f) => (data, Validation::Holdout(f)),
        Rows::Sample { train, validation } => {
            if train == 0 || validation == 0 || train + validation > data.rows() {
                return Err(Error::InvalidSetting {
                    name: format!("rows of case `{}`", case.title),
                    message: format!(
                        "expected at least 1 training and 1 validation row, {} in all, got {train} + {validation}",
                        data.rows()
                    ),
                });
            }
            let order = Rng::new(seed).permutation(data.rows());
            let t = data.select(&order[..train]);
            let v = data.select(&order[train..train + validation]);
            (t, Validation::Set(v))
        }
    };
    Ok(Prepared {
        case,
        arch,
        train,
        validation,
        settings,
    })
}

impl Prepared<'_> {
    fn diagnose(&self) -> Result<CaseOutcome> {
        let report = diagnose(&self.arch, &self.train, &self.validation, &self.settings)?;
        let case = self.case;
        Ok(CaseOutcome {
            title: case.title.clone(),
            expected: case.expected.clone(),
            arch: case.arch.clone(),
            data: format!(
                "{} ({} training rows, {} validation rows)",
                case.data.rsplit('/').next().unwrap_or(&case.data),
                report.train_rows,
                report.val_rows
            ),
            report,
        })
    }
}

/// Runs the three cases and the remedy on the default seeds, then again on
/// [`Settings::seeds`] (in parallel; the numbers do not depend on the
/// thread count).
///
/// # Errors
///
/// A case whose data cannot be loaded, whose network does not fit its
/// data, or whose settings are invalid (see [`diagnose`]).
///
/// # Examples
///
/// ```no_run
/// use saddlescope::lecture::diagnose::{run, Settings};
/// let outcome = run(&Settings::default())?;
/// for t in outcome.tables() {
///     println!("{t}");
/// }
/// # Ok::<(), saddlescope::Error>(())
/// ```
pub fn run(settings: &Settings) -> Result<Outcome> {
    let cases = [
        &settings.model_bias,
        &settings.optimization,
        &settings.overfitting,
    ];
    // The main runs: the three cases and the remedy.
    let jobs: Vec<(&Case, Option<&OptimizerSpec>)> = cases
        .iter()
        .map(|c| (*c, None))
        .chain([(&settings.optimization, Some(&settings.remedy))])
        .collect();
    // Every case's data and settings checked before any training.
    let prepared: Vec<Prepared> = jobs
        .iter()
        .map(|(c, o)| prepare(c, c.diagnose.seed, *o))
        .collect::<Result<_>>()?;
    let main: Vec<CaseOutcome> = prepared
        .par_iter()
        .map(Prepared::diagnose)
        .collect::<Result<_>>()?;
    let mut main = main.into_iter();
    let outcomes: Vec<CaseOutcome> = main.by_ref().take(3).collect();
    let mut remedy = main.next().expect("four main runs");
    remedy.title = format!("remedy: (b) with {}", remedy.report.optimizer);
    remedy.expected = "fine".into();
    // The same on the further seeds.
    let extra: Vec<(usize, u64)> = (0..jobs.len())
        .flat_map(|j| settings.seeds.iter().map(move |&s| (j, s)))
        .collect();
    let extra_names: Vec<(usize, String)> = extra
        .par_iter()
        .map(|&(j, s)| {
            let (c, o) = jobs[j];
            let r = prepare(c, s, o)?.diagnose()?;
            Ok((j, r.report.diagnosis.name().to_string()))
        })
        .collect::<Result<_>>()?;
    let robustness = outcomes
        .iter()
        .chain([&remedy])
        .enumerate()
        .map(|(j, o)| {
            let mut seeds = vec![jobs[j].0.diagnose.seed];
            let mut diagnoses = vec![o.report.diagnosis.name().to_string()];
            for ((jj, s), (_, name)) in extra.iter().zip(&extra_names) {
                if *jj == j {
                    seeds.push(*s);
                    diagnoses.push(name.clone());
                }
            }
            Robustness {
                title: o.title.clone(),
                expected: o.expected.clone(),
                seeds,
                diagnoses,
            }
        })
        .collect();
    Ok(Outcome {
        cases: outcomes,
        remedy,
        robustness,
    })
}

fn opt(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// Breaks text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The letter of case k: (a), (b), (c).
fn letter(k: usize) -> char {
    (b'a' + k as u8) as char
}

impl CaseOutcome {
    fn variants_table(&self, label: &str) -> Table {
        let r = &self.report;
        let mut t = Table::new(
            format!(
                "{label} {}: {} on {}; {}, {} epochs, batches of {}, seed {} — diagnosis: {}",
                self.title,
                self.arch_summary(),
                self.data,
                r.optimizer,
                r.epochs,
                r.batch_size,
                r.seed,
                r.diagnosis.name()
            ),
            &[
                "variant",
                "widths",
                "hidden layers",
                "params",
                "train loss",
                "val loss",
                "train/B",
                "val/B",
                "train acc",
                "val acc",
                "‖∇L‖",
                "seconds",
            ],
        );
        let b = r.baseline.loss;
        for v in &r.variants {
            t.row(vec![
                v.role.describe().into(),
                v.widths.clone(),
                v.hidden_layers.to_string(),
                v.params.to_string(),
                num(v.train_loss),
                num(v.val_loss),
                num(v.train_loss / b),
                num(v.val_loss / b),
                opt(v.train_accuracy),
                opt(v.val_accuracy),
                num(v.grad_norm),
                num(v.seconds),
            ]);
        }
        t
    }

    fn arch_summary(&self) -> String {
        let given = self.report.given();
        if given.architecture.len() <= 40 {
            format!("`{}`", given.architecture)
        } else {
            let act = Architecture::parse(&given.architecture)
                .ok()
                .and_then(|a| {
                    a.layers()
                        .iter()
                        .find(|l| !matches!(l, crate::Layer::Linear { .. }))
                        .map(|l| l.name())
                })
                .unwrap_or("linear");
            format!("{} {act}", given.widths)
        }
    }

    fn reasoning_table(&self, label: &str) -> Table {
        let mut t = Table::new(format!("{label} {}: the reasoning", self.title), &["step"]);
        let lines = self.report.reasoning.iter().cloned().chain([
            format!("→ {}", self.report.explanation),
            format!("advice: {}", self.report.advice),
        ]);
        for line in lines {
            for (i, part) in wrap(&line, 100).into_iter().enumerate() {
                t.row(vec![if i == 0 { part } else { format!("   {part}") }]);
            }
        }
        t
    }
}

impl Outcome {
    /// Per case: the variants and the reasoning; the remedy; the summary
    /// over the seeds.
    pub fn tables(&self) -> Vec<Table> {
        let mut tables = Vec::new();
        for (k, c) in self.cases.iter().enumerate() {
            let label = format!("({})", letter(k));
            tables.push(c.variants_table(&label));
            tables.push(c.reasoning_table(&label));
        }
        tables.push(self.remedy.variants_table("(b′)"));
        let seeds = self.robustness.first().map_or(String::new(), |r| {
            r.seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut summary = Table::new(
            format!(
                "Diagnoses on the default seed, and on how many of the seeds {seeds} (data, split, initialisation, shuffling) the claim shows"
            ),
            &[
                "case",
                "expected",
                "diagnosis",
                "seeds as claimed",
                "other seeds' diagnoses",
            ],
        );
        for r in &self.robustness {
            summary.row(vec![
                r.title.clone(),
                r.expected.clone(),
                r.diagnoses.first().cloned().unwrap_or_default(),
                format!("{}/{}", r.matched(), r.seeds.len()),
                {
                    let others: Vec<String> = r
                        .seeds
                        .iter()
                        .zip(&r.diagnoses)
                        .filter(|(_, d)| **d != r.expected)
                        .map(|(s, d)| format!("seed {s}: {d}"))
                        .collect();
                    if others.is_empty() {
                        "—".into()
                    } else {
                        others.join("; ")
                    }
                },
            ]);
        }
        tables.push(summary);
        tables
    }

    /// The training and validation curves of every variant per case
    /// (`curves_model_bias.svg`, `curves_optimisation.svg` with the remedy
    /// run, `curves_overfitting.svg`) and the final losses against the
    /// parameter count, relative to each case's baseline
    /// (`final_losses.svg`).
    ///
    /// # Errors
    ///
    /// A directory or file that cannot be written.
    pub fn draw(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        super::figure_dir(dir)?;
        let files = [
            "curves_model_bias.svg",
            "curves_optimisation.svg",
            "curves_overfitting.svg",
        ];
        let mut paths = Vec::new();
        for (k, (c, file)) in self.cases.iter().zip(files).enumerate() {
            let mut series = curve_series(&c.report);
            if k == 1 {
                let given = self.remedy.report.given();
                let x: Vec<f64> = (1..=given.epochs).map(|e| e as f64).collect();
                series.push(
                    XySeries::new(
                        format!("given, {}: training", self.remedy.report.optimizer),
                        x.clone(),
                        given.train_curve(),
                        SeriesStyle::Line,
                    )
                    .with_color(3),
                );
                series.push(
                    XySeries::new(
                        format!("given, {}: validation", self.remedy.report.optimizer),
                        x,
                        given.val_curve(),
                        SeriesStyle::Dashed,
                    )
                    .with_color(3),
                );
            }
            let epochs = c.report.epochs as f64;
            series.push(
                XySeries::new(
                    "baseline B (constant prediction)",
                    vec![1.0, epochs],
                    vec![c.report.baseline.loss; 2],
                    SeriesStyle::Dashed,
                )
                .with_color(7),
            );
            let plot = XyPlot::new()
                .with_title(format!(
                    "({}) {}: {} — {}, {}",
                    letter(k),
                    c.title,
                    c.arch_summary().replace('`', ""),
                    c.report.optimizer,
                    c.report.diagnosis.name()
                ))
                .with_labels("epoch", format!("{} loss", c.report.loss))
                .with_y_scale(AxisScale::Log)
                .with_legend(LegendPosition::Auto);
            let path = dir.join(file);
            plot_xy(&path, &series, &plot)?;
            paths.push(path);
        }
        let mut series = Vec::new();
        for (k, c) in self.cases.iter().enumerate() {
            let b = c.report.baseline.loss;
            let x: Vec<f64> = c.report.variants.iter().map(|v| v.params as f64).collect();
            let train: Vec<f64> = c.report.variants.iter().map(|v| v.train_loss / b).collect();
            let val: Vec<f64> = c.report.variants.iter().map(|v| v.val_loss / b).collect();
            series.push(
                XySeries::new(
                    format!("({}) {}: training", letter(k), c.title),
                    x.clone(),
                    train,
                    SeriesStyle::LinePoints,
                )
                .with_color(k),
            );
            series.push(
                XySeries::new(
                    format!("({}) {}: validation", letter(k), c.title),
                    x,
                    val,
                    SeriesStyle::Dashed,
                )
                .with_color(k),
            );
        }
        let all_x: Vec<f64> = series.iter().flat_map(|s| s.x.clone()).collect();
        let (lo, hi) = all_x.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
        if let Some(c) = self.cases.first() {
            series.push(
                XySeries::new(
                    format!("\"high\" above {}·B", num(c.report.criteria.high_loss)),
                    vec![lo, hi],
                    vec![c.report.criteria.high_loss; 2],
                    SeriesStyle::Dashed,
                )
                .with_color(7),
            );
        }
        let plot = XyPlot::new()
            .with_title("Final training and validation loss of smaller, given and bigger networks")
            .with_labels("parameters", "loss / baseline B")
            .with_x_scale(AxisScale::Log)
            .with_y_scale(AxisScale::Log);
        let path = dir.join("final_losses.svg");
        plot_xy(&path, &series, &plot)?;
        paths.push(path);
        Ok(paths)
    }
}

/// Training (solid) and validation (dashed) curves of each variant, one
/// colour per variant.
fn curve_series(r: &DiagnoseReport) -> Vec<XySeries> {
    let mut series = Vec::new();
    for v in &r.variants {
        let color = match v.role {
            VariantRole::Smaller => 0,
            VariantRole::Given => 1,
            VariantRole::Bigger => 2,
        };
        let x: Vec<f64> = (1..=v.epochs).map(|e| e as f64).collect();
        let name = format!("{} {}", v.role.describe(), v.widths);
        series.push(
            XySeries::new(
                format!("{name}: training"),
                x.clone(),
                v.train_curve(),
                SeriesStyle::Line,
            )
            .with_color(color),
        );
        series.push(
            XySeries::new(
                format!("{name}: validation"),
                x,
                v.val_curve(),
                SeriesStyle::Dashed,
            )
            .with_color(color),
        );
    }
    series
}
