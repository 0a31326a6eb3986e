//! `saddlescope find`: critical points from one start or many.

use std::io::{self, Write};

use saddlescope::{
    Enumeration, EnumerationSettings, Error, FinderMethod, FinderOutcome, FinderSettings,
    SearchBox, Starts, Verdict, enumerate_critical_points, find_critical_point,
};
use serde_json::{Value, json};

use super::args::{FindArgs, FinderArg};
use super::config::{Target, parse_point};
use super::render::{list, num};

pub struct FindConfig {
    target: Target,
    method: FinderMethod,
    finder: FinderSettings,
    search: Option<(SearchBox, Starts)>,
}

pub enum Found {
    One(Box<FinderOutcome>),
    Many(Enumeration),
}

impl FindConfig {
    pub fn from_args(args: &FindArgs) -> saddlescope::Result<Self> {
        let method = match args.method {
            FinderArg::NewtonMr => FinderMethod::NewtonMr,
            FinderArg::Gradnorm => FinderMethod::GradNorm,
            FinderArg::Newton => FinderMethod::Newton,
        };
        let finder = FinderSettings::default()
            .with_grad_tol(args.grad_tol)?
            .with_max_iters(args.max_iters);
        let is_network = args.source.checkpoint.is_some();
        if is_network && (args.from.is_some() || args.search_box.is_some()) {
            return Err(Error::InvalidInput(
                "a checkpoint is searched from its own parameters: --from and --box go with --expr and --function"
                    .into(),
            ));
        }
        // The start point stands in for --at when the objective is built.
        let at = match (&args.from, &args.search_box) {
            (Some(from), _) => Some(from.clone()),
            (None, Some(b)) => {
                let bounds = parse_point("--box", b)?;
                if bounds.len() % 2 != 0 {
                    return Err(Error::InvalidInput(format!(
                        "--box takes LO,HI for each coordinate: an even count, found {}",
                        bounds.len()
                    )));
                }
                let centre: Vec<String> = bounds
                    .chunks(2)
                    .map(|c| format!("{}", 0.5 * (c[0] + c[1])))
                    .collect();
                Some(centre.join(","))
            }
            (None, None) if is_network => None,
            (None, None) => {
                return Err(Error::InvalidInput(
                    "--from X,Y,… (one start) or --box=LO,HI,… (many) is required with --expr and --function"
                        .into(),
                ));
            }
        };
        let target = Target::from_flags(
            &args.source,
            args.vars.as_deref(),
            at.as_deref(),
            &args.network,
            true,
        )?;
        let search = match &args.search_box {
            None => None,
            Some(b) => {
                let bounds = parse_point("--box", b)?;
                let (lo, hi): (Vec<f64>, Vec<f64>) = bounds.chunks(2).map(|c| (c[0], c[1])).unzip();
                let starts = match args.grid {
                    Some(per_axis) => Starts::Grid { per_axis },
                    None => Starts::Random {
                        count: args.starts,
                        seed: args.network.seed.unwrap_or(0),
                    },
                };
                Some((SearchBox::new(lo, hi)?, starts))
            }
        };
        Ok(FindConfig {
            target,
            method,
            finder,
            search,
        })
    }

    pub fn run(&self) -> saddlescope::Result<Found> {
        let f = &self.target.problem;
        match &self.search {
            None => Ok(Found::One(Box::new(find_critical_point(
                f,
                &self.target.point,
                self.method,
                &self.finder,
            )?))),
            Some((b, starts)) => {
                let settings = EnumerationSettings::default()
                    .with_method(self.method)
                    .with_finder(self.finder.clone())
                    .with_starts(*starts);
                Ok(Found::Many(enumerate_critical_points(f, b, &settings)?))
            }
        }
    }

    pub fn json(&self, found: &Found) -> Value {
        let mut j = match found {
            Found::One(o) => {
                let mut j = o.to_json();
                j["points"] = json!([{
                    "x": o.x, "grad_norm": o.grad_norm, "verdict": o.verdict, "loss": o.loss,
                    "converged": o.converged,
                }]);
                j
            }
            Found::Many(e) => {
                let mut j = e.to_json();
                j["method"] = json!(self.method);
                j
            }
        };
        self.target.annotate(&mut j);
        j
    }

    pub fn render(&self, out: &mut impl Write, found: &Found) -> io::Result<()> {
        let what = self.target.describe();
        match found {
            Found::One(o) => {
                writeln!(out, "{what}")?;
                writeln!(out)?;
                let row = |out: &mut dyn Write, k: &str, v: String| writeln!(out, "  {k:<18} {v}");
                row(out, "method", self.method.to_string())?;
                row(
                    out,
                    "result",
                    format!(
                        "{} after {} iterations ({} HVPs): {}",
                        o.stop.as_str(),
                        o.iterations,
                        o.hvps,
                        o.verdict
                    ),
                )?;
                row(out, "f", num(o.loss))?;
                row(out, "‖∇f‖", num(o.grad_norm))?;
                if self.target.is_network() {
                    row(out, "parameters", o.x.len().to_string())?;
                } else {
                    row(out, "point", format!("({})", list(&o.x)))?;
                }
                row(
                    out,
                    "flatness",
                    o.flatness.map_or("—".into(), |r| {
                        format!("{}   (‖Hg‖/(‖H‖‖g‖): near 0 is a gradient-flat region, not a critical point)", num(r))
                    }),
                )?;
            }
            Found::Many(e) => {
                writeln!(out, "{}", what.split(" at (").next().unwrap_or(&what))?;
                writeln!(out)?;
                writeln!(
                    out,
                    "  {} starts ({}), {} converged, {} distinct critical points:",
                    e.starts,
                    self.method,
                    e.converged,
                    e.points.len()
                )?;
                let counts: Vec<String> = Verdict::ALL
                    .iter()
                    .filter(|v| e.count(**v) > 0)
                    .map(|v| format!("{} {}", e.count(*v), v))
                    .collect();
                writeln!(out, "  {}", counts.join(" · "))?;
                writeln!(out)?;
                writeln!(
                    out,
                    "  {:<16} {:>14} {:>11} {:>5}  point",
                    "verdict", "f", "‖∇f‖", "hits"
                )?;
                for p in &e.points {
                    writeln!(
                        out,
                        "  {:<16} {:>14} {:>11} {:>5}  ({})",
                        p.verdict.to_string(),
                        num(p.loss),
                        num(p.grad_norm),
                        p.hits,
                        list(&p.x)
                    )?;
                }
            }
        }
        Ok(())
    }
}
