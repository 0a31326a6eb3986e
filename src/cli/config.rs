//! Raw flags → validated configurations, in one place.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use nalgebra::DVector;
use saddlescope::{
    Analysis, AnalysisSettings, Architecture, BatchNormMode, CsvOptions, Error, Expression,
    Function, Hessian, Hvp, LanczosSettings, MatrixFreeAnalysis, Network, NetworkObjective,
    NetworkOptions, Standardization, Tolerances, TwiceDifferentiable, Verdict, analyze,
    analyze_matrix_free, analyze_with_progress, builtin, builtin_functions, load_dataset,
};
use serde_json::Value;

use super::args::{BnArg, ClassifyArgs, LossArg, MethodArg, NetworkArgs, Source};

/// An objective chosen on the command line.
pub enum Problem {
    Expression(Expression),
    Builtin(Function),
    Network(Box<NetworkProblem>),
}

/// A network's loss on a data set, and what to say about it.
pub struct NetworkProblem {
    pub network: Network,
    objective: NetworkObjective,
    checkpoint: String,
    scale: Option<f64>,
    seed: u64,
    arch: Architecture,
    data_path: String,
    rows: usize,
    standardization: Option<Standardization>,
    options: NetworkOptions,
}

/// Dispatch to the objective inside.
macro_rules! each {
    ($self:ident, $f:ident => $body:expr) => {
        match $self {
            Problem::Expression($f) => $body,
            Problem::Builtin($f) => $body,
            Problem::Network(n) => {
                let $f = &n.objective;
                $body
            }
        }
    };
}

impl TwiceDifferentiable for Problem {
    fn dim(&self) -> usize {
        each!(self, f => TwiceDifferentiable::dim(f))
    }
    fn value(&self, x: &[f64]) -> saddlescope::Result<f64> {
        each!(self, f => f.value(x))
    }
    fn gradient(&self, x: &[f64]) -> saddlescope::Result<(f64, DVector<f64>)> {
        each!(self, f => f.gradient(x))
    }
    fn hvp(&self, x: &[f64], v: &[f64]) -> saddlescope::Result<Hvp> {
        each!(self, f => f.hvp(x, v))
    }
    fn hvp_block(&self, x: &[f64], vs: &[f64], k: usize) -> saddlescope::Result<Vec<f64>> {
        each!(self, f => f.hvp_block(x, vs, k))
    }
    fn hessian(&self, x: &[f64]) -> saddlescope::Result<Hessian> {
        each!(self, f => f.hessian(x))
    }
    fn hessian_with_progress(
        &self,
        x: &[f64],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> saddlescope::Result<Hessian> {
        each!(self, f => f.hessian_with_progress(x, progress))
    }
}

/// How the spectrum is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Dense,
    Lanczos,
    Slq,
}

/// The objective and the point, from the flags shared by `classify` and
/// `spectrum`.
pub struct Target {
    pub problem: Problem,
    pub point: Vec<f64>,
}

/// The dense-Hessian budget: --max-dense-params, default 12,000.
pub fn dense_budget(network: &NetworkArgs) -> usize {
    network.max_dense_params.unwrap_or(12_000)
}

/// Refuses a dense Hessian of a network above the budget.
pub fn check_dense_budget(n: usize, max_dense: usize) -> saddlescope::Result<()> {
    if n > max_dense {
        let gb = |p: usize| 16.0 * (p as f64).powi(2) / 1e9;
        return Err(Error::InvalidInput(format!(
            "refusing a dense Hessian of {n} parameters: it and its eigenvectors need {:.1} GB, \
             above the budget of --max-dense-params {} ({:.1} GB). Use --method lanczos (matrix-free, \
             the default above the budget), or raise --max-dense-params if the machine has the memory",
            gb(n),
            max_dense,
            gb(max_dense)
        )));
    }
    Ok(())
}

impl Target {
    /// `seed_is_own`: the command has its own use for --seed (spectrum's
    /// probes), so it is allowed without --checkpoint.
    pub fn from_flags(
        source: &Source,
        vars: Option<&str>,
        at: Option<&str>,
        network: &NetworkArgs,
        seed_is_own: bool,
    ) -> saddlescope::Result<Target> {
        if let Some(path) = &source.checkpoint {
            if at.is_some() {
                return Err(Error::InvalidInput(
                    "--at is for --expr and --function; a checkpoint is analysed at its own parameters"
                        .into(),
                ));
            }
            if vars.is_some() {
                return Err(Error::InvalidInput("--vars goes with --expr".into()));
            }
            let network = network_problem(path, network)?;
            let point = network.objective.params().as_slice().to_vec();
            return Ok(Target {
                problem: Problem::Network(Box::new(network)),
                point,
            });
        }
        let n = network;
        for (given, flag) in [
            (n.arch.is_some(), "--arch"),
            (n.data.is_some(), "--data"),
            (n.target.is_some(), "--target"),
            (n.scale.is_some(), "--scale"),
            (n.standardize, "--standardize"),
            (n.loss.is_some(), "--loss"),
            (n.bn.is_some(), "--bn"),
            (n.l2.is_some(), "--l2"),
            (n.seed.is_some() && !seed_is_own, "--seed"),
            (n.max_dense_params.is_some(), "--max-dense-params"),
        ] {
            if given {
                return Err(Error::InvalidInput(format!(
                    "{flag} goes with --checkpoint, not with --expr or --function"
                )));
            }
        }
        if vars.is_some() && source.function.is_some() {
            return Err(Error::InvalidInput(
                "--vars goes with --expr: a built-in function has fixed variables".into(),
            ));
        }
        let at = at.ok_or_else(|| {
            Error::InvalidInput(
                "--at is required with --expr and --function: the point, e.g. --at -1.5,2".into(),
            )
        })?;
        let point = parse_point("--at", at)?;
        let problem = match (&source.expr, &source.function) {
            (Some(expr), _) => {
                let e = match vars {
                    Some(vars) => {
                        let names: Vec<&str> = vars.split(',').map(str::trim).collect();
                        Expression::parse_with_vars(expr, &names)?
                    }
                    None => Expression::parse(expr)?,
                };
                if point.len() != e.dim() {
                    return Err(Error::DimensionMismatch {
                        what: format!("--at for the variables ({})", e.variables().join(", ")),
                        expected: coordinates(e.dim()),
                        found: coordinates(point.len()),
                    });
                }
                Problem::Expression(e)
            }
            (None, Some(name)) => Problem::Builtin(builtin(name, point.len())?),
            (None, None) => unreachable!("clap requires --expr, --function or --checkpoint"),
        };
        Ok(Target { problem, point })
    }

    /// "himmelblau at (…)" / "x^2 - y^2 at (…)" / the network and data.
    pub fn describe(&self) -> String {
        let what = match &self.problem {
            Problem::Expression(e) => {
                format!("f({}) = {}", e.variables().join(", "), e.source().trim())
            }
            Problem::Builtin(f) => {
                format!(
                    "{} ({})",
                    f.name(),
                    super::render::dimensions(TwiceDifferentiable::dim(f))
                )
            }
            Problem::Network(n) => {
                let mut data = format!("{} ({} rows", n.data_path, n.rows);
                if let Some(s) = n.scale {
                    data += &format!(", features / {s}");
                }
                if n.standardization.is_some() {
                    data += ", standardized";
                }
                data += ")";
                let mut how = format!(
                    "{} loss, BatchNorm {}",
                    n.objective.loss_fn(),
                    bn_name(n.options.batch_norm)
                );
                if n.options.l2 > 0.0 {
                    how += &format!(", + {}/2·‖θ‖²", n.options.l2);
                }
                return format!(
                    "{} at {}: {} parameters\non {data}, {how}",
                    n.arch,
                    n.checkpoint,
                    self.point.len(),
                );
            }
        };
        format!("{what} at ({})", super::render::list(&self.point))
    }

    /// Adds what was analysed to a JSON report.
    pub fn annotate(&self, json: &mut Value) {
        json["objective"] = match &self.problem {
            Problem::Expression(e) => serde_json::json!({
                "expr": e.source(), "variables": e.variables()
            }),
            Problem::Builtin(f) => serde_json::json!({ "function": f.name() }),
            Problem::Network(n) => {
                json["loss_fn"] = serde_json::json!(n.objective.loss_fn());
                json["arch"] = serde_json::json!(n.arch.to_string());
                json["dataset"] = serde_json::json!({
                    "path": n.data_path,
                    "rows": n.rows,
                    "scale": n.scale,
                    "standardization": n.standardization,
                    "seed": n.seed,
                });
                json["bn"] = serde_json::json!(n.options.batch_norm);
                json["l2"] = serde_json::json!(n.options.l2);
                serde_json::json!({ "checkpoint": n.checkpoint })
            }
        };
    }

    pub fn is_network(&self) -> bool {
        matches!(self.problem, Problem::Network(_))
    }
}

/// What `classify` found: the dense analysis, or the matrix-free one.
pub enum Outcome {
    Dense(Box<Analysis>),
    MatrixFree {
        analysis: Box<MatrixFreeAnalysis>,
        /// Why Lanczos was used (the fallback note), when not asked for.
        note: Option<String>,
    },
}

/// A validated `classify` request.
pub struct ClassifyConfig {
    target: Target,
    settings: AnalysisSettings,
    method: Method,
    note: Option<String>,
    lanczos: LanczosSettings,
}

impl ClassifyConfig {
    pub fn from_args(args: &ClassifyArgs) -> saddlescope::Result<Self> {
        let tolerances = Tolerances::default()
            .with_grad(args.tolerances.grad_tol)?
            .with_eig(args.tolerances.eig_tol)?;
        let settings = AnalysisSettings::default()
            .with_tolerances(tolerances)
            .with_step_length(args.step_length)?;
        let target = Target::from_flags(
            &args.source,
            args.vars.as_deref(),
            args.at.as_deref(),
            &args.network,
            false,
        )?;
        let n = target.point.len();
        let budget = dense_budget(&args.network);
        let (method, note) = match args.method {
            Some(MethodArg::Dense) => {
                if target.is_network() {
                    check_dense_budget(n, budget)?;
                }
                (Method::Dense, None)
            }
            Some(MethodArg::Lanczos) => (Method::Lanczos, None),
            Some(MethodArg::Slq) => {
                return Err(Error::InvalidInput(
                    "classify takes --method dense or lanczos; the SLQ density is for \
                     `saddlescope spectrum --method slq`"
                        .into(),
                ));
            }
            None if target.is_network() && n > budget => (
                Method::Lanczos,
                Some(format!(
                    "{n} parameters are above the dense budget of {budget} (--max-dense-params): \
                     the verdict comes from λmin and λmax by Lanczos, not the full spectrum"
                )),
            ),
            None => (Method::Dense, None),
        };
        let lanczos = LanczosSettings::default()
            .with_tol(args.lanczos_tol)?
            .with_seed(args.network.seed.unwrap_or(0));
        Ok(ClassifyConfig {
            target,
            settings,
            method,
            note,
            lanczos,
        })
    }

    /// Runs the analysis, with a progress bar over the Hessian's column
    /// blocks when it takes more than a second (hidden unless stderr is a
    /// terminal).
    pub fn run(&self) -> saddlescope::Result<Outcome> {
        let (problem, point) = (&self.target.problem, &self.target.point);
        if self.method == Method::Lanczos {
            let analysis = analyze_matrix_free(problem, point, &self.settings, &self.lanczos)?;
            return Ok(Outcome::MatrixFree {
                analysis: Box::new(analysis),
                note: self.note.clone(),
            });
        }
        let start = Instant::now();
        let bar = ProgressBar::hidden();
        let progress = |done: usize, total: usize| {
            if bar.is_hidden() && done < total && start.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "Hessian {bar:40} {pos}/{len} column blocks, {eta} left",
                    )
                    .expect("a valid template"),
                );
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        let result = analyze_with_progress(problem, point, &self.settings, &progress);
        bar.finish_and_clear();
        result.map(|a| Outcome::Dense(Box::new(a)))
    }

    pub fn describe(&self) -> String {
        self.target.describe()
    }

    /// The analysis's JSON report, plus what was analysed.
    pub fn json(&self, outcome: &Outcome) -> Value {
        let mut json = match outcome {
            Outcome::Dense(a) => {
                let mut j = a.to_json();
                j["method"] = "dense".into();
                j
            }
            Outcome::MatrixFree { analysis, note } => {
                let mut j = analysis.to_json();
                j["note"] = serde_json::json!(note);
                j
            }
        };
        self.target.annotate(&mut json);
        json
    }
}

fn bn_name(mode: BatchNormMode) -> &'static str {
    match mode {
        BatchNormMode::Eval => "eval",
        BatchNormMode::Train => "train",
    }
}

/// Loads the checkpoint and data set and checks the dense budget.
fn network_problem(
    path: &std::path::Path,
    args: &NetworkArgs,
) -> saddlescope::Result<NetworkProblem> {
    let spec = args.data.as_deref().ok_or_else(|| {
        Error::InvalidInput(
            "--data is required with --checkpoint: a CSV file or builtin:NAME".into(),
        )
    })?;
    let arch = args.arch.as_deref().map(Architecture::parse).transpose()?;
    let network = Network::read(path, arch.as_ref())?;
    let mut options = CsvOptions::default();
    if let Some(t) = &args.target {
        options = options.with_target(t.clone());
    }
    let mut data = load_dataset(spec, &options, args.seed.unwrap_or(0))?;
    if let Some(s) = args.scale {
        data.scale(s)?;
    }
    let standardization = if args.standardize {
        Some(data.standardize()?)
    } else {
        None
    };
    let loss = LossArg::or_default(args.loss);
    let options = NetworkOptions {
        batch_norm: match args.bn.unwrap_or(BnArg::Eval) {
            BnArg::Eval => BatchNormMode::Eval,
            BnArg::Train => BatchNormMode::Train,
        },
        l2: args.l2.unwrap_or(0.0),
    };
    let objective = NetworkObjective::new(&network, &data, loss, options.clone())?;
    Ok(NetworkProblem {
        network: network.clone(),
        objective,
        checkpoint: path.display().to_string(),
        scale: args.scale,
        seed: args.seed.unwrap_or(0),
        arch: network.arch().clone(),
        data_path: data.source().to_string(),
        rows: data.rows(),
        standardization,
        options,
    })
}

/// Parses "X,Y,…" into coordinates, naming the flag and the bad item.
pub fn parse_point(flag: &str, text: &str) -> saddlescope::Result<Vec<f64>> {
    if text.trim().is_empty() {
        return Err(Error::InvalidInput(format!(
            "{flag} is empty; expected comma-separated coordinates such as -1.5,2"
        )));
    }
    text.split(',')
        .enumerate()
        .map(|(i, item)| {
            let item = item.trim();
            let v: f64 = item.parse().map_err(|_| {
                Error::InvalidInput(format!(
                    "{flag}: coordinate {} is `{item}`, which is not a number; \
                     expected comma-separated coordinates such as -1.5,2",
                    i + 1
                ))
            })?;
            if !v.is_finite() {
                return Err(Error::InvalidInput(format!(
                    "{flag}: coordinate {} is {v}; expected a finite number",
                    i + 1
                )));
            }
            Ok(v)
        })
        .collect()
}

fn coordinates(n: usize) -> String {
    if n == 1 {
        "1 coordinate".into()
    } else {
        format!("{n} coordinates")
    }
}

/// One documented critical point of a built-in function, as the engine
/// classifies it.
pub struct FunctionRow {
    pub name: &'static str,
    pub formula: &'static str,
    pub dim: usize,
    pub points: Vec<PointRow>,
}

/// What `functions` shows of a point: a summary, not the whole analysis
/// (whose eigenvectors would take n² numbers per point).
pub struct PointRow {
    pub x: Vec<f64>,
    pub documented: Verdict,
    pub note: &'static str,
    pub verdict: Verdict,
    pub value: f64,
    pub grad_norm: f64,
    pub eigenvalues: Vec<f64>,
}

/// Every built-in function at dimension `dim` (where it has a choice), with
/// each documented critical point analysed live.
pub fn function_rows(dim: usize) -> saddlescope::Result<Vec<FunctionRow>> {
    const MAX_DIM: usize = 100;
    if !(1..=MAX_DIM).contains(&dim) {
        return Err(Error::InvalidInput(format!(
            "--dim must be between 1 and {MAX_DIM} (the dimension of rosenbrock and rastrigin), got {dim}"
        )));
    }
    let settings = AnalysisSettings::default();
    builtin_functions()
        .iter()
        .map(|info| {
            let d = info.dims.pick(dim);
            let f = builtin(info.name, d)?;
            let points = f
                .critical_points()
                .into_iter()
                .map(|p| {
                    let a = analyze(&f, &p.x, &settings)?;
                    Ok(PointRow {
                        verdict: a.classification.verdict,
                        value: a.value,
                        grad_norm: a.classification.grad_norm,
                        eigenvalues: a.spectrum.eigenvalues.as_slice().to_vec(),
                        x: p.x,
                        documented: p.verdict,
                        note: p.note,
                    })
                })
                .collect::<saddlescope::Result<Vec<_>>>()?;
            Ok(FunctionRow {
                name: info.name,
                formula: info.formula,
                dim: d,
                points,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_parse_with_negative_and_spaced_coordinates() {
        assert_eq!(parse_point("--at", "-1.5, 2").unwrap(), vec![-1.5, 2.0]);
        assert_eq!(parse_point("--at", "1e-3").unwrap(), vec![1e-3]);
    }

    #[test]
    fn bad_points_name_the_coordinate() {
        let e = parse_point("--at", "1,abc").unwrap_err().to_string();
        assert!(e.contains("coordinate 2 is `abc`"), "{e}");
        let e = parse_point("--at", "1,,2").unwrap_err().to_string();
        assert!(e.contains("coordinate 2 is ``"), "{e}");
        let e = parse_point("--at", "nan").unwrap_err().to_string();
        assert!(e.contains("expected a finite number"), "{e}");
        assert!(parse_point("--at", " ").is_err());
    }
}
