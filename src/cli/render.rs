//! Human-readable tables.

use std::io::{self, Write};

use saddlescope::{Analysis, MatrixFreeAnalysis};
use serde_json::Value;

use super::config::FunctionRow;

/// Formats a number compactly: 6 significant digits, scientific outside
/// [1e-3, 1e6).
pub fn num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e-3 && v.abs() < 1e6 {
        let decimals = (5 - v.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.decimals$}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    } else {
        format!("{v:.3e}")
    }
}

/// A list of numbers, eliding the middle of long ones.
pub fn list(values: &[f64]) -> String {
    const EDGE: usize = 6;
    if values.len() <= 2 * EDGE {
        values
            .iter()
            .map(|&v| num(v))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        let head: Vec<String> = values[..EDGE].iter().map(|&v| num(v)).collect();
        let tail: Vec<String> = values[values.len() - EDGE..]
            .iter()
            .map(|&v| num(v))
            .collect();
        format!(
            "{}, … ({} more) …, {}",
            head.join(", "),
            values.len() - 2 * EDGE,
            tail.join(", ")
        )
    }
}

pub fn classification(out: &mut impl Write, title: &str, a: &Analysis) -> io::Result<()> {
    let c = &a.classification;
    let tol = &c.tolerances;
    writeln!(out, "{title}")?;
    writeln!(out)?;
    let row = |out: &mut dyn Write, k: &str, v: String| writeln!(out, "  {k:<18} {v}");
    row(out, "verdict", c.verdict.to_string().to_uppercase())?;
    row(out, "", c.explanation())?;
    row(out, "f", num(a.value))?;
    row(
        out,
        "‖∇f‖",
        format!("{}   (critical when ≤ {:e})", num(c.grad_norm), tol.grad()),
    )?;
    row(out, "parameters", a.point.len().to_string())?;
    row(out, "eigenvalues", list(a.spectrum.eigenvalues.as_slice()))?;
    row(
        out,
        "counts",
        format!(
            "{} negative · {} zero · {} positive   (zero when |λ| ≤ {:e}·max|λ|)",
            c.counts.negative,
            c.counts.zero,
            c.counts.positive,
            tol.eig()
        ),
    )?;
    row(out, "curvature", c.curvature.to_string().replace('_', " "))?;
    row(
        out,
        "index",
        format!(
            "{} of {} = {:.4}   (fraction of negative eigenvalues)",
            c.counts.negative,
            a.spectrum.eigenvalues.len(),
            c.index
        ),
    )?;
    row(
        out,
        "minimum ratio",
        format!(
            "{} of {} = {:.4}   (fraction of positive eigenvalues)",
            c.counts.positive,
            a.spectrum.eigenvalues.len(),
            c.min_ratio
        ),
    )?;
    row(
        out,
        "λmin / λmax",
        format!("{} / {}", num(c.lambda_min), num(c.lambda_max)),
    )?;
    row(
        out,
        "condition number",
        c.condition_number
            .map_or("— (no nonzero eigenvalue)".into(), |k| {
                format!("{}   (over nonzero eigenvalues)", num(k))
            }),
    )?;
    if let Some(check) = &a.escape_check {
        row(
            out,
            "escape direction",
            format!("({})", list(&check.direction)),
        )?;
        let model = "α·∇fᵀu + ½·λmin·α²";
        row(
            out,
            "escape step",
            format!(
                "α = {}: predicted Δf = {model} = {}, actual Δf = {}",
                num(check.step_length),
                num(check.predicted_change),
                num(check.actual_change),
            ),
        )?;
        if !check.lowers_f {
            row(
                out,
                "",
                "the step does not lower f: at this α the negative curvature is too weak next to \
                 the gradient and higher-order terms (try a smaller --step-length)"
                    .into(),
            )?;
        }
    }
    row(
        out,
        "Hessian asymmetry",
        format!(
            "{}   (‖H−Hᵀ‖/‖H‖ before symmetrising)",
            num(a.hessian_asymmetry)
        ),
    )?;
    let t = &a.timings;
    row(
        out,
        "time",
        format!(
            "gradient {} s · Hessian {} s · eigen {} s · total {} s",
            num(t.gradient_s),
            num(t.hessian_s),
            num(t.eigen_s),
            num(t.total_s)
        ),
    )?;
    Ok(())
}

/// The `classify` table when the verdict came from Lanczos.
pub fn matrix_free(
    out: &mut impl Write,
    title: &str,
    a: &MatrixFreeAnalysis,
    note: Option<&str>,
) -> io::Result<()> {
    let c = &a.classification;
    let tol = &c.tolerances;
    writeln!(out, "{title}")?;
    if let Some(note) = note {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out)?;
    let row = |out: &mut dyn Write, k: &str, v: String| writeln!(out, "  {k:<18} {v}");
    row(out, "verdict", c.verdict.to_string().to_uppercase())?;
    row(out, "", c.explanation())?;
    row(
        out,
        "method",
        "lanczos: λmin and λmax over Hessian-vector products".into(),
    )?;
    row(out, "f", num(a.value))?;
    row(
        out,
        "‖∇f‖",
        format!("{}   (critical when ≤ {:e})", num(c.grad_norm), tol.grad()),
    )?;
    row(out, "parameters", a.point.len().to_string())?;
    let low = &a.extremes.smallest[0];
    let high = &a.extremes.largest[a.extremes.largest.len() - 1];
    row(
        out,
        "λmin / λmax",
        format!(
            "{} / {}   (residuals {:.1e} / {:.1e}; zero when |λ| ≤ {:e}·max|λ|)",
            num(low.value),
            num(high.value),
            low.residual,
            high.residual,
            tol.eig()
        ),
    )?;
    row(out, "curvature", c.curvature.to_string().replace('_', " "))?;
    row(
        out,
        "condition number",
        c.condition_number.map_or(
            "— (needs the smallest |λ|, inside the spectrum: use --method dense)".into(),
            num,
        ),
    )?;
    if let Some(check) = &a.escape_check {
        row(
            out,
            "escape step",
            format!(
                "α = {} along λmin's eigenvector: predicted Δf = {}, actual Δf = {}",
                num(check.step_length),
                num(check.predicted_change),
                num(check.actual_change),
            ),
        )?;
    }
    let t = &a.timings;
    row(
        out,
        "time",
        format!(
            "gradient {} s · Lanczos {} s ({} HVPs, {} ms each) · total {} s",
            num(t.gradient_s),
            num(t.lanczos_s),
            a.extremes.hvp_count,
            num(t.hvp_mean_s * 1e3),
            num(t.total_s)
        ),
    )?;
    Ok(())
}

/// "1 dimension", "2 dimensions".
pub fn dimensions(n: usize) -> String {
    if n == 1 {
        "1 dimension".into()
    } else {
        format!("{n} dimensions")
    }
}

pub fn functions(out: &mut impl Write, rows: &[FunctionRow]) -> io::Result<()> {
    for f in rows {
        writeln!(
            out,
            "{}  ({})   f = {}",
            f.name,
            dimensions(f.dim),
            f.formula
        )?;
        for p in &f.points {
            let found = p.verdict;
            let mark = if found == p.documented {
                "✓"
            } else {
                "✗ documented as "
            };
            let doc = if found == p.documented {
                String::new()
            } else {
                p.documented.to_string()
            };
            writeln!(
                out,
                "    ({})  f = {:<12} {:<14} {mark}{doc}  {}",
                list(&p.x),
                num(p.value),
                found.to_string(),
                p.note
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

pub fn functions_json(rows: &[FunctionRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|f| {
                serde_json::json!({
                    "name": f.name,
                    "formula": f.formula,
                    "dim": f.dim,
                    "critical_points": f.points.iter().map(|p| serde_json::json!({
                        "x": p.x,
                        "documented": p.documented,
                        "note": p.note,
                        "verdict": p.verdict,
                        "loss": p.value,
                        "grad_norm": p.grad_norm,
                        "eigenvalues": p.eigenvalues,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.270845), "-0.270845");
        assert_eq!(num(1001.6006394), "1001.6");
        assert_eq!(num(974166.86469), "974167");
        assert_eq!(num(0.0012345678), "0.00123457");
        assert_eq!(num(3.1e-12), "3.100e-12");
        assert_eq!(num(-1e-20), "-1.000e-20");
    }

    #[test]
    fn long_lists_are_elided() {
        let v: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(
            list(&v),
            "0, 1, 2, 3, 4, 5, … (8 more) …, 14, 15, 16, 17, 18, 19"
        );
    }
}
