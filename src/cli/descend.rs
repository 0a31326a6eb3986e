//! `saddlescope descend`: an optimizer's trajectory on a function.

use std::io::{self, Write};

use saddlescope::{
    Descent, Error, Expression, Method, ScheduleSpec, TwiceDifferentiable, builtin, descend,
};
use serde_json::{Value, json};

use super::args::DescendArgs;
use super::config::{Problem, parse_point};
use super::render::{list, num};

pub struct DescendConfig {
    problem: Problem,
    start: Vec<f64>,
    method: Method,
    schedule: Option<ScheduleSpec>,
    steps: usize,
}

impl DescendConfig {
    pub fn from_args(args: &DescendArgs) -> saddlescope::Result<Self> {
        let start = parse_point("--from", &args.from)?;
        let problem = match (&args.source.expr, &args.source.function) {
            (Some(expr), _) => {
                let e = match &args.vars {
                    Some(vars) => {
                        let names: Vec<&str> = vars.split(',').map(str::trim).collect();
                        Expression::parse_with_vars(expr, &names)?
                    }
                    None => Expression::parse(expr)?,
                };
                if start.len() != e.dim() {
                    return Err(Error::DimensionMismatch {
                        what: format!("--from for the variables ({})", e.variables().join(", ")),
                        expected: format!("{} coordinates", e.dim()),
                        found: format!("{}", start.len()),
                    });
                }
                Problem::Expression(e)
            }
            (None, Some(name)) => {
                if args.vars.is_some() {
                    return Err(Error::InvalidInput(
                        "--vars goes with --expr: a built-in function has fixed variables".into(),
                    ));
                }
                Problem::Builtin(builtin(name, start.len())?)
            }
            (None, None) => unreachable!("clap requires --expr or --function"),
        };
        let method = Method::parse(&args.optimizer)?;
        let schedule = args
            .schedule
            .as_deref()
            .map(ScheduleSpec::parse)
            .transpose()?;
        Ok(DescendConfig {
            problem,
            start,
            method,
            schedule,
            steps: args.steps,
        })
    }

    pub fn run(&self) -> saddlescope::Result<Descent> {
        descend(
            &self.problem,
            &self.method,
            self.schedule.as_ref(),
            &self.start,
            self.steps,
        )
    }

    fn what(&self) -> String {
        match &self.problem {
            Problem::Expression(e) => {
                format!("f({}) = {}", e.variables().join(", "), e.source().trim())
            }
            Problem::Builtin(f) => f.name().to_string(),
            Problem::Network(_) => unreachable!("descend takes functions"),
        }
    }

    pub fn json(&self, d: &Descent) -> Value {
        let t = &d.trajectory;
        json!({
            "function": self.what(),
            "n_params": TwiceDifferentiable::dim(&self.problem),
            "optimizer": method_string(&self.method),
            "schedule": self.schedule.as_ref().map(|s| s.to_string()),
            "steps": t.steps(),
            "points": t.points,
            "f": t.f,
            "lr": t.lr,
            "grad_norm": t.grad_norm,
            "final": {"x": d.x, "f": d.value},
            "stop": format!("{:?}", d.stop).to_lowercase(),
            "hvp_count": d.hvps,
        })
    }

    pub fn render(&self, out: &mut impl Write, d: &Descent) -> io::Result<()> {
        let t = &d.trajectory;
        writeln!(
            out,
            "{} from ({}) with {}{}",
            self.what(),
            list(&self.start),
            method_string(&self.method),
            self.schedule
                .as_ref()
                .map_or(String::new(), |s| format!(" and {s}"))
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "  {:>6}  {:>14}  {:>12}  {:>12}  point",
            "step", "f", "‖∇f‖", "lr"
        )?;
        let n = t.steps();
        // Every step when short, else about 20 rows with the last ones.
        let every = (n / 20).max(1);
        for k in 0..n {
            if k % every == 0 || k + 3 >= n {
                writeln!(
                    out,
                    "  {:>6}  {:>14}  {:>12}  {:>12}  ({})",
                    k,
                    num(t.f[k]),
                    num(t.grad_norm[k]),
                    num(t.lr[k]),
                    list(&t.points[k])
                )?;
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "  end after {n} steps ({}): f = {} at ({})",
            format!("{:?}", d.stop).to_lowercase(),
            num(d.value),
            list(&d.x)
        )?;
        Ok(())
    }
}

fn method_string(m: &Method) -> String {
    match m {
        Method::Optimizer(o) => o.to_string(),
        Method::Solver(s) => s.name().to_string(),
    }
}
