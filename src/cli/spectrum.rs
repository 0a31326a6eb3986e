//! `saddlescope spectrum`: flags → validated settings → dense, Lanczos or
//! SLQ → table or JSON.

use std::io::{self, Write};
use std::time::Instant;

use saddlescope::{
    Density, Error, ExtremeEigenpairs, HessianOperator, LanczosSettings, SlqSettings,
    TwiceDifferentiable, Which, lanczos, slq, symmetric_eigen,
};
use serde_json::{Value, json};

use super::args::{MethodArg, SpectrumArgs, WhichArg};
use super::config::{Method, Target, check_dense_budget, dense_budget};
use super::render::{list, num};

/// Above this many parameters `spectrum` uses Lanczos unless told otherwise.
const AUTO_DENSE_MAX: usize = 3000;

pub struct SpectrumConfig {
    target: Target,
    method: Method,
    k: usize,
    lanczos: LanczosSettings,
    slq: SlqSettings,
}

/// What one run found.
pub struct SpectrumReport {
    method: Method,
    /// Every eigenvalue (dense only).
    eigenvalues: Option<Vec<f64>>,
    /// The ends with residuals (dense and Lanczos).
    ends: Option<ExtremeEigenpairs>,
    density: Option<Density>,
    hvp_count: usize,
    hvp_mean_s: Option<f64>,
    hessian_s: Option<f64>,
    total_s: f64,
}

impl SpectrumConfig {
    pub fn from_args(args: &SpectrumArgs) -> saddlescope::Result<Self> {
        let target = Target::from_flags(
            &args.source,
            args.vars.as_deref(),
            args.at.as_deref(),
            &args.network,
            true,
        )?;
        let n = target.point.len();
        let method = match args.method {
            Some(MethodArg::Dense) => Method::Dense,
            Some(MethodArg::Lanczos) => Method::Lanczos,
            Some(MethodArg::Slq) => Method::Slq,
            None if n <= AUTO_DENSE_MAX => Method::Dense,
            None => Method::Lanczos,
        };
        if method == Method::Dense && target.is_network() {
            check_dense_budget(n, dense_budget(&args.network))?;
        }
        if args.k > n {
            return Err(Error::InvalidSetting {
                name: "--k".into(),
                message: format!("expected at most the {n} parameters, got {}", args.k),
            });
        }
        let seed = args.network.seed.unwrap_or(0);
        let which = match args.which {
            WhichArg::Both => Which::Both,
            WhichArg::Largest => Which::Largest,
            WhichArg::Smallest => Which::Smallest,
        };
        let lanczos = LanczosSettings::default()
            .with_k(args.k)?
            .with_which(which)
            .with_tol(args.tol)?
            .with_block(args.block)?
            .with_max_hvps(args.max_hvps)?
            .with_seed(seed);
        let mut slq = SlqSettings::default()
            .with_probes(args.probes)?
            .with_steps(args.steps)?
            .with_seed(seed);
        if let Some(sigma) = args.sigma {
            slq = slq.with_sigma(sigma)?;
        }
        Ok(SpectrumConfig {
            target,
            method,
            k: args.k,
            lanczos,
            slq,
        })
    }

    pub fn run(&self) -> saddlescope::Result<SpectrumReport> {
        let start = Instant::now();
        let (f, x) = (&self.target.problem, &self.target.point);
        let mut report = SpectrumReport {
            method: self.method,
            eigenvalues: None,
            ends: None,
            density: None,
            hvp_count: 0,
            hvp_mean_s: None,
            hessian_s: None,
            total_s: 0.0,
        };
        match self.method {
            Method::Dense => {
                let t = Instant::now();
                let h = f.hessian(x)?;
                report.hessian_s = Some(t.elapsed().as_secs_f64());
                let spectrum = symmetric_eigen(&h.matrix)?;
                let values = spectrum.eigenvalues.as_slice().to_vec();
                let n = values.len();
                let k = self.k.min(n);
                let pair = |i: usize| {
                    let v = spectrum.eigenvectors.column(i).into_owned();
                    let residual = (&h.matrix * &v - &v * values[i]).norm();
                    saddlescope::Eigenpair {
                        value: values[i],
                        vector: v,
                        residual,
                        converged: true,
                    }
                };
                report.ends = Some(ExtremeEigenpairs {
                    smallest: (0..k).map(pair).collect(),
                    largest: (n - k..n).map(pair).collect(),
                    hvp_count: 0,
                    restarts: 0,
                    converged: true,
                    norm_estimate: values[0].abs().max(values[n - 1].abs()),
                });
                report.density = Some(Density::from_eigenvalues(&values, &self.slq)?);
                report.eigenvalues = Some(values);
            }
            Method::Lanczos => {
                let op = HessianOperator::new(f, x)?;
                let found = lanczos(&op, &self.lanczos)?;
                report.hvp_count = found.hvp_count;
                report.hvp_mean_s = Some(op.hvp_mean_seconds());
                report.ends = Some(found);
            }
            Method::Slq => {
                let op = HessianOperator::new(f, x)?;
                let density = slq(&op, &self.slq)?;
                report.hvp_count = density.hvp_count;
                report.hvp_mean_s = Some(op.hvp_mean_seconds());
                report.density = Some(density);
            }
        }
        report.total_s = start.elapsed().as_secs_f64();
        Ok(report)
    }

    pub fn json(&self, r: &SpectrumReport) -> Value {
        let ends = r.ends.as_ref();
        let values = |f: fn(&ExtremeEigenpairs) -> &Vec<saddlescope::Eigenpair>| {
            ends.map(|e| f(e).iter().map(|p| p.value).collect::<Vec<_>>())
        };
        let residuals = |f: fn(&ExtremeEigenpairs) -> &Vec<saddlescope::Eigenpair>| {
            ends.map(|e| f(e).iter().map(|p| p.residual).collect::<Vec<_>>())
        };
        let mut out = json!({
            "method": method_name(r.method),
            "n_params": self.target.point.len(),
            "eigenvalues_smallest": values(|e| &e.smallest),
            "eigenvalues_largest": values(|e| &e.largest),
            "residuals": ends.map(|_| json!({
                "smallest": residuals(|e| &e.smallest),
                "largest": residuals(|e| &e.largest),
            })),
            "converged": ends.map(|e| e.converged),
            "restarts": ends.map(|e| e.restarts),
            "trace": r.density.as_ref().map(|d| json!({
                "estimate": d.trace.estimate,
                "stderr": d.trace.stderr,
                "probes": d.trace.probes,
            })),
            "density": r.density.as_ref().map(|d| json!({
                "grid": d.grid,
                "values": d.values,
                "sigma": d.sigma,
                "integral": d.integral(),
                "negative_fraction": d.negative_fraction,
                "near_zero_fraction": d.near_zero_fraction,
                "positive_fraction": d.positive_fraction,
                "zero_band": d.zero_band,
                "nodes": d.nodes,
                "weights": d.weights,
            })),
            "eigenvalues": r.eigenvalues,
            "hvp_count": r.hvp_count,
            "timings": {
                "hvp_mean_s": r.hvp_mean_s,
                "hessian_s": r.hessian_s,
                "total_s": r.total_s,
            },
            "settings": {
                "k": self.k,
                "which": self.lanczos.which(),
                "tol": self.lanczos.tol(),
                "probes": self.slq.probes(),
                "steps": self.slq.steps(),
                "seed": self.lanczos.seed(),
            },
        });
        self.target.annotate(&mut out);
        out
    }

    pub fn render(&self, out: &mut impl Write, r: &SpectrumReport) -> io::Result<()> {
        writeln!(out, "{}", self.target.describe())?;
        writeln!(out)?;
        let row = |out: &mut dyn Write, k: &str, v: String| writeln!(out, "  {k:<18} {v}");
        let how = match r.method {
            Method::Dense => "dense: the full Hessian and every eigenvalue".to_string(),
            Method::Lanczos => format!(
                "lanczos: thick-restart Lanczos over Hessian-vector products (tol {:e}, seed {})",
                self.lanczos.tol(),
                self.lanczos.seed()
            ),
            Method::Slq => format!(
                "slq: stochastic Lanczos quadrature, {} probes × {} steps (seed {})",
                self.slq.probes(),
                self.slq.steps(),
                self.slq.seed()
            ),
        };
        row(out, "method", how)?;
        if let Some(values) = &r.eigenvalues {
            row(out, "eigenvalues", list(values))?;
        }
        if let Some(e) = &r.ends {
            let show = |pairs: &[saddlescope::Eigenpair]| {
                pairs
                    .iter()
                    .map(|p| {
                        let mark = if p.converged { "" } else { ", NOT converged" };
                        format!("{} (residual {:.1e}{mark})", num(p.value), p.residual)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !e.smallest.is_empty() {
                row(out, "smallest", show(&e.smallest))?;
            }
            if !e.largest.is_empty() {
                row(out, "largest", show(&e.largest))?;
            }
            if r.method == Method::Lanczos {
                row(
                    out,
                    "converged",
                    if e.converged {
                        format!("yes, after {} restarts", e.restarts)
                    } else {
                        "NO: the budget ran out (raise --max-hvps or --tol)".into()
                    },
                )?;
            }
        }
        if let Some(d) = &r.density {
            let trace = if d.trace.probes == 0 {
                format!("{} (exact)", num(d.trace.estimate))
            } else {
                format!(
                    "{} ± {} (Hutchinson, {} probes)",
                    num(d.trace.estimate),
                    num(d.trace.stderr),
                    d.trace.probes
                )
            };
            row(out, "trace", trace)?;
            let exact = r.method == Method::Dense;
            let band = format!("±{}", num(d.zero_band));
            row(
                out,
                "shares",
                format!(
                    "{:.4} negative · {:.4} within {band} of zero · {:.4} positive",
                    d.negative_fraction, d.near_zero_fraction, d.positive_fraction
                ),
            )?;
            row(
                out,
                "",
                if exact {
                    "(index = negative share, minimum ratio = positive share)".into()
                } else {
                    format!(
                        "(SLQ resolves eigenvalues only to about σ, so the signs within {band} \
                         are not known: the index and the minimum ratio lie roughly between the \
                         negative or positive share and that share plus the near-zero one)"
                    )
                },
            )?;
            row(
                out,
                "density",
                format!(
                    "{}   from {} to {} (σ = {}, log scale)",
                    sparkline(&d.values, 60),
                    num(d.grid[0]),
                    num(d.grid[d.grid.len() - 1]),
                    num(d.sigma)
                ),
            )?;
        }
        let mut time = format!("total {} s", num(r.total_s));
        if let Some(h) = r.hessian_s {
            time += &format!(" · Hessian {} s", num(h));
        }
        if let Some(m) = r.hvp_mean_s {
            time += &format!(" · {} HVPs, {} ms each", r.hvp_count, num(m * 1e3));
        }
        row(out, "time", time)?;
        Ok(())
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Dense => "dense",
        Method::Lanczos => "lanczos",
        Method::Slq => "slq",
    }
}

/// The density in `width` characters, each the largest value in its bin
/// on a log scale over four decades (the bulk near zero dwarfs the tails).
fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = values.iter().copied().fold(0.0, f64::max);
    if top <= 0.0 || values.is_empty() {
        return String::new();
    }
    let bins = width.min(values.len());
    (0..bins)
        .map(|b| {
            let (lo, hi) = (b * values.len() / bins, (b + 1) * values.len() / bins);
            let v = values[lo..hi.max(lo + 1)]
                .iter()
                .copied()
                .fold(0.0, f64::max);
            let level = ((v / top).log10() + 4.0) / 4.0;
            if level <= 0.0 {
                ' '
            } else {
                BARS[((level * 8.0) as usize).min(7)]
            }
        })
        .collect()
}
