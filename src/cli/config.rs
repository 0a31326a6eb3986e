//! Raw flags → validated configurations, in one place.

use saddlescope::{
    Analysis, AnalysisSettings, Error, Expression, Function, Objective, Scalar, Tolerances,
    Verdict, analyze, builtin, builtin_functions,
};
use serde_json::Value;

use super::args::ClassifyArgs;

/// An objective chosen on the command line.
#[derive(Debug, Clone)]
pub enum Problem {
    Expression(Expression),
    Builtin(Function),
}

impl Objective for Problem {
    fn dim(&self) -> usize {
        match self {
            Problem::Expression(e) => e.dim(),
            Problem::Builtin(f) => f.dim(),
        }
    }

    fn eval<D: Scalar>(&self, x: &[D]) -> D {
        match self {
            Problem::Expression(e) => e.eval(x),
            Problem::Builtin(f) => f.eval(x),
        }
    }
}

/// A validated `classify` request.
#[derive(Debug)]
pub struct ClassifyConfig {
    problem: Problem,
    point: Vec<f64>,
    settings: AnalysisSettings,
}

impl ClassifyConfig {
    pub fn from_args(args: &ClassifyArgs) -> saddlescope::Result<Self> {
        let point = parse_point("--at", &args.at)?;
        let tolerances = Tolerances::default()
            .with_grad(args.tolerances.grad_tol)?
            .with_eig(args.tolerances.eig_tol)?;
        let settings = AnalysisSettings::default()
            .with_tolerances(tolerances)
            .with_step_length(args.step_length)?;
        let problem = match (&args.source.expr, &args.source.function) {
            (Some(expr), _) => {
                let e = match &args.vars {
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
            (None, None) => unreachable!("clap requires --expr or --function"),
        };
        Ok(ClassifyConfig {
            problem,
            point,
            settings,
        })
    }

    pub fn run(&self) -> saddlescope::Result<Analysis> {
        analyze(&self.problem, &self.point, &self.settings)
    }

    /// "himmelblau at (…)" / "x^2 - y^2 at (…)".
    pub fn describe(&self) -> String {
        let what = match &self.problem {
            Problem::Expression(e) => {
                format!("f({}) = {}", e.variables().join(", "), e.source().trim())
            }
            Problem::Builtin(f) => format!("{} ({} dimensions)", f.name(), f.dim()),
        };
        let at: Vec<String> = self.point.iter().map(|v| format!("{v}")).collect();
        format!("{what} at ({})", at.join(", "))
    }

    /// The analysis's JSON report, plus what was analysed.
    pub fn json(&self, analysis: &Analysis) -> Value {
        let mut json = analysis.to_json();
        json["objective"] = match &self.problem {
            Problem::Expression(e) => serde_json::json!({
                "expr": e.source(), "variables": e.variables()
            }),
            Problem::Builtin(f) => serde_json::json!({ "function": f.name() }),
        };
        json
    }
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

pub struct PointRow {
    pub x: Vec<f64>,
    pub documented: Verdict,
    pub note: &'static str,
    pub analysis: Analysis,
}

/// Every built-in function at dimension `dim` (where it has a choice), with
/// each documented critical point analysed live.
pub fn function_rows(dim: usize) -> saddlescope::Result<Vec<FunctionRow>> {
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
                    Ok(PointRow {
                        analysis: analyze(&f, &p.x, &settings)?,
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
