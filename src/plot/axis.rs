//! Axes: linear, logarithmic and symmetric-log coordinates with readable
//! ticks, as one plotters coordinate type, and clipping of lines to a
//! chart's box.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

/// How an axis maps values: linear, logarithmic, or left to the data.
///
/// `Auto` picks a logarithmic axis when no value is negative and the
/// positive ones span more than a factor of 25 (losses, gradient norms,
/// learning rates that decay — zeros are left out of a log plot), a linear
/// one otherwise.
///
/// # Examples
///
/// ```
/// use saddlescope::AxisScale;
/// assert!(AxisScale::Auto.is_log(&[1.0, 0.5, 0.01]));
/// assert!(!AxisScale::Auto.is_log(&[1.0, 0.5, 0.2]));
/// assert!(!AxisScale::Auto.is_log(&[1.0, -0.5, 0.001])); // a negative value
/// assert!(AxisScale::Auto.is_log(&[0.1, 0.003, 0.0])); // a rate annealed to 0
/// assert!(AxisScale::Log.is_log(&[1.0, 2.0]));
/// assert!(!AxisScale::Linear.is_log(&[1.0, 1e6]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AxisScale {
    /// Logarithmic when the data are positive and span > 25×, else linear.
    #[default]
    Auto,
    /// Always linear.
    Linear,
    /// Always logarithmic (values ≤ 0 are left out of the plot).
    Log,
}

/// The ratio max/min above which [`AxisScale::Auto`] turns logarithmic.
const AUTO_LOG_RATIO: f64 = 25.0;

impl AxisScale {
    /// Whether an axis over `values` is logarithmic (non-finite values are
    /// ignored).
    pub fn is_log(self, values: &[f64]) -> bool {
        match self {
            AxisScale::Linear => false,
            AxisScale::Log => true,
            AxisScale::Auto => {
                let (lo, _) = finite_range(values.iter().copied());
                let (plo, phi) = finite_range(values.iter().copied().filter(|v| *v > 0.0));
                lo >= 0.0 && plo > 0.0 && phi / plo > AUTO_LOG_RATIO
            }
        }
    }
}

/// The smallest and largest finite value (`(+∞, −∞)` when there is none).
pub(crate) fn finite_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The mapping of an axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Transform {
    Linear,
    Log,
    /// sign(v)·log₁₀(1 + |v|/c).
    Symlog(f64),
}

impl Transform {
    fn forward(self, v: f64) -> f64 {
        match self {
            Transform::Linear => v,
            Transform::Log => {
                if v > 0.0 {
                    v.log10()
                } else {
                    f64::NAN
                }
            }
            Transform::Symlog(c) => v.signum() * (v.abs() / c).ln_1p() / std::f64::consts::LN_10,
        }
    }

    fn inverse(self, t: f64) -> f64 {
        match self {
            Transform::Linear => t,
            Transform::Log => 10f64.powf(t),
            Transform::Symlog(c) => t.signum() * c * (t.abs() * std::f64::consts::LN_10).exp_m1(),
        }
    }
}

/// One axis of a chart: a range of values and how it maps to pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    transform: Transform,
    tlo: f64,
    thi: f64,
    /// Ticks only at integers (epochs, steps).
    integer: bool,
}

impl Axis {
    /// A linear axis over [lo, hi] (widened when empty).
    pub(crate) fn linear(lo: f64, hi: f64) -> Axis {
        Axis::new(lo, hi, Transform::Linear)
    }

    /// A logarithmic axis over [lo, hi], lo > 0.
    pub(crate) fn log(lo: f64, hi: f64) -> Axis {
        Axis::new(lo, hi, Transform::Log)
    }

    /// A symmetric-log axis with linear threshold c > 0.
    pub(crate) fn symlog(lo: f64, hi: f64, c: f64) -> Axis {
        Axis::new(lo, hi, Transform::Symlog(c))
    }

    fn new(lo: f64, hi: f64, transform: Transform) -> Axis {
        let (mut tlo, mut thi) = (transform.forward(lo), transform.forward(hi));
        if !(tlo.is_finite() && thi.is_finite()) {
            (tlo, thi) = (0.0, 1.0);
        }
        if thi - tlo <= 1e-12 * (tlo.abs() + thi.abs()).max(1e-300) {
            let pad = if tlo == 0.0 { 1.0 } else { tlo.abs() * 0.05 };
            tlo -= pad;
            thi += pad;
        }
        Axis {
            lo: transform.inverse(tlo),
            hi: transform.inverse(thi),
            transform,
            tlo,
            thi,
            integer: false,
        }
    }

    /// The same axis with ticks only at integers.
    pub(crate) fn integers(mut self) -> Axis {
        self.integer = true;
        self
    }

    /// An axis over the finite data (positive data on a log axis), padded
    /// by `pad` of its length on each side in the mapped space.
    pub(crate) fn fit(values: impl Iterator<Item = f64>, log: bool, pad: f64) -> Axis {
        let (lo, hi) = if log {
            finite_range(values.filter(|v| *v > 0.0))
        } else {
            finite_range(values)
        };
        if lo > hi {
            return if log {
                Axis::log(0.1, 10.0)
            } else {
                Axis::linear(0.0, 1.0)
            };
        }
        let t = if log {
            Transform::Log
        } else {
            Transform::Linear
        };
        let (tlo, thi) = (t.forward(lo), t.forward(hi));
        let span = thi - tlo;
        // A constant: half a decade either side on a log axis; from 0 to
        // twice the value on a linear one (so that a constant learning
        // rate does not look negative).
        let p = if span > 0.0 {
            span * pad
        } else if log {
            0.5
        } else if tlo != 0.0 {
            tlo.abs()
        } else {
            1.0
        };
        Axis::new(t.inverse(tlo - p), t.inverse(thi + p), t)
    }

    /// The lower end.
    pub(crate) fn lo(&self) -> f64 {
        self.lo
    }

    /// The upper end.
    pub(crate) fn hi(&self) -> f64 {
        self.hi
    }

    /// Whether the axis is logarithmic.
    pub(crate) fn is_log(&self) -> bool {
        self.transform == Transform::Log
    }

    /// v as a fraction of the axis (0 at lo, 1 at hi); NaN where the
    /// transform is undefined.
    pub(crate) fn norm(&self, v: f64) -> f64 {
        (self.transform.forward(v) - self.tlo) / (self.thi - self.tlo)
    }

    /// The value at fraction u of the axis.
    pub(crate) fn denorm(&self, u: f64) -> f64 {
        self.transform.inverse(self.tlo + u * (self.thi - self.tlo))
    }

    /// At most `max` labelled ticks.
    pub(crate) fn ticks(&self, max: usize) -> Vec<f64> {
        let max = max.max(2);
        match self.transform {
            Transform::Linear => linear_ticks(self.lo, self.hi, max, self.integer),
            Transform::Log => log_ticks(self.lo, self.hi, max),
            Transform::Symlog(c) => symlog_ticks(self.lo, self.hi, c, max),
        }
    }

    /// Unlabelled ticks between the `bold` labelled ones, at most `max`
    /// (log axes: 2…9 × 10ᵏ; linear axes: halfway).
    fn minor_ticks(&self, bold: usize, max: usize) -> Vec<f64> {
        match self.transform {
            Transform::Log => {
                let decades = (self.thi.floor() - self.tlo.floor()) as usize + 1;
                if decades * 8 > max || decades > 12 {
                    return Vec::new();
                }
                let mut out = Vec::new();
                for d in self.tlo.floor() as i32..=self.thi.floor() as i32 {
                    for m in 2..=9 {
                        let v = m as f64 * 10f64.powi(d);
                        if v >= self.lo && v <= self.hi {
                            out.push(v);
                        }
                    }
                }
                out
            }
            Transform::Linear => {
                let major = self.ticks(bold);
                if major.len() < 2 {
                    return Vec::new();
                }
                let step = (major[1] - major[0]) / 2.0;
                if self.integer && step.fract() != 0.0 {
                    return Vec::new();
                }
                let start = (self.lo / step).ceil() as i64;
                let end = (self.hi / step).floor() as i64;
                (start..=end).map(|k| k as f64 * step).collect()
            }
            Transform::Symlog(_) => Vec::new(),
        }
    }

    /// A tick label: plain for moderate numbers, ×10ⁿ otherwise.
    pub(crate) fn label(&self, v: f64) -> String {
        format_number(v)
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let u = self.norm(*value);
        let p = limit.0 as f64 + (limit.1 - limit.0) as f64 * u;
        if p.is_finite() {
            p.round().clamp(-1e6, 1e6) as i32
        } else {
            limit.0
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let mut points = self.ticks(hint.bold_points());
        if hint.weight().allow_light_points() {
            points.extend(self.minor_ticks(hint.bold_points(), hint.max_num_points()));
        }
        points
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}

/// Ticks at the multiples of the finest step 1, 2, 2.5 or 5 × 10ᵏ that
/// gives at most `max` of them in [lo, hi] (at least 1 for `integer`).
fn linear_ticks(lo: f64, hi: f64, max: usize, integer: bool) -> Vec<f64> {
    let span = hi - lo;
    if !span.is_finite() || span <= 0.0 {
        return vec![lo];
    }
    let count = |step: f64| ((hi / step + 1e-9).floor() - (lo / step - 1e-9).ceil() + 1.0).max(0.0);
    // The step is m × 10ᵉ; ticks are k·m × 10ᵉ, computed so that 3 × 0.1
    // comes out as 0.3.
    let mut e = (span / max as f64).log10().floor() as i32 - 1;
    if integer {
        e = e.max(0);
    }
    let (m, e) = 'search: loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            if integer && e == 0 && m == 2.5 {
                continue;
            }
            if count(scaled(m, e)) <= max as f64 {
                break 'search (m, e);
            }
        }
        e += 1;
    };
    let step = scaled(m, e);
    let start = (lo / step - 1e-9).ceil() as i64;
    let end = (hi / step + 1e-9).floor() as i64;
    (start..=end)
        .map(|k| if k == 0 { 0.0 } else { scaled(k as f64 * m, e) })
        .collect()
}

/// m × 10ᵉ, correctly rounded for small integers m (3 × 10⁻¹ is 0.3, not
/// 0.30000000000000004).
fn scaled(m: f64, e: i32) -> f64 {
    if e >= 0 {
        m * 10f64.powi(e)
    } else {
        m / 10f64.powi(-e)
    }
}

fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    let first = (a - 1e-9).ceil() as i32;
    let last = (b + 1e-9).floor() as i32;
    let decades = (last - first + 1).max(0) as usize;
    // m × 10ᵏ for the mantissas m, within [lo, hi].
    let with = |mantissas: &[f64]| -> Vec<f64> {
        (a.floor() as i32..=b.floor() as i32)
            .flat_map(|e| mantissas.iter().map(move |m| scaled(*m, e)))
            .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
            .collect()
    };
    if decades <= 3 {
        // Few decades: the sparsest of these that gives three ticks.
        let sets: [&[f64]; 3] = [
            &[1.0, 2.0, 5.0],
            &[1.0, 2.0, 3.0, 5.0],
            &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0],
        ];
        for set in sets {
            let t = with(set);
            if t.len() >= 3 && t.len() <= max {
                return t;
            }
        }
    }
    if decades >= 2 {
        let stride = decades.div_ceil(max).max(1) as i32;
        // Keep 10⁰ among the ticks when it is in range.
        let offset = (-first).rem_euclid(stride);
        return (first..=last)
            .filter(|e| (e - first - offset) % stride == 0)
            .map(|e| scaled(1.0, e))
            .collect();
    }
    let t = with(&[1.0, 2.0, 5.0]);
    if t.len() >= 2 && t.len() <= max {
        return t;
    }
    linear_ticks(lo, hi, max.min(6), false)
        .into_iter()
        .filter(|v| *v > 0.0)
        .collect()
}

fn symlog_ticks(lo: f64, hi: f64, c: f64, max: usize) -> Vec<f64> {
    // Ticks at 0 and ±m × 10ᵉ with 10ᵉ ≥ c (closer to 0 the axis is
    // linear and they would crowd).
    let e0 = c.log10().ceil() as i32;
    let exponents = |limit: f64| -> Vec<i32> {
        if limit < scaled(1.0, e0) {
            return Vec::new();
        }
        (e0..=(limit.log10() + 1e-9).floor() as i32).collect()
    };
    let (neg, pos) = (exponents(-lo), exponents(hi));
    let with = |mantissas: &[f64], keep: &dyn Fn(i32) -> bool| -> Vec<f64> {
        let in_range = |v: &f64| *v >= lo - 1e-12 * lo.abs() && *v <= hi + 1e-12 * hi.abs();
        let mut out: Vec<f64> = neg
            .iter()
            .rev()
            .filter(|e| keep(**e))
            .flat_map(|e| mantissas.iter().rev().map(move |m| -scaled(*m, *e)))
            .filter(in_range)
            .collect();
        if lo <= 0.0 && hi >= 0.0 {
            out.push(0.0);
        }
        out.extend(
            pos.iter()
                .filter(|e| keep(**e))
                .flat_map(|e| mantissas.iter().map(move |m| scaled(*m, *e)))
                .filter(in_range),
        );
        out
    };
    let all = |_: i32| true;
    let sets: [&[f64]; 3] = [&[1.0], &[1.0, 2.0, 5.0], &[1.0, 2.0, 3.0, 5.0]];
    for set in sets {
        let t = with(set, &all);
        if t.len() >= 4 && t.len() <= max {
            return t;
        }
    }
    let decades = with(&[1.0], &all);
    if decades.len() > max {
        let stride = (neg.len() + pos.len() + 1).div_ceil(max).max(1);
        return with(&[1.0], &|e| ((e - e0) as usize) % stride == 0);
    }
    if decades.len() >= 2 {
        return decades;
    }
    linear_ticks(lo, hi, max.min(6), false)
}

/// A number for a tick label or legend: up to six significant digits with
/// trailing zeros dropped for 10⁻³ ≤ |v| < 10⁵, m×10ⁿ otherwise.
pub(crate) fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let digits = (5 - a.log10().floor() as i32).max(0) as usize;
        trim_zeros(&format!("{v:.digits$}")).replace('-', "−")
    } else {
        let s = format!("{v:.5e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = trim_zeros(mantissa);
        let exponent = superscript(exponent);
        match mantissa.as_str() {
            "1" => format!("10{exponent}"),
            "-1" => format!("−10{exponent}"),
            m => format!("{}×10{exponent}", m.replace('-', "−")),
        }
    }
}

/// A number to three significant digits for legends and notes.
pub(crate) fn format_short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_number(v);
    }
    let digits = 2 - v.abs().log10().floor() as i32;
    let rounded = if digits >= 0 {
        let p = 10f64.powi(digits);
        (v * p).round() / p
    } else {
        let p = 10f64.powi(-digits);
        (v / p).round() * p
    };
    format_number(rounded)
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn superscript(digits: &str) -> String {
    digits
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect()
}

/// The pieces of a polyline inside the chart's box: breaks at non-finite
/// points (and, on a log axis, at values ≤ 0) and clips each segment to the
/// box in the axes' mapped space (Liang–Barsky), where lines are straight.
pub(crate) fn clip_polyline(points: &[(f64, f64)], ax: &Axis, ay: &Axis) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut prev: Option<(f64, f64)> = None;
    let to_data = |(u, v): (f64, f64)| (ax.denorm(u), ay.denorm(v));
    for &(x, y) in points {
        let p = (ax.norm(x), ay.norm(y));
        if !(p.0.is_finite() && p.1.is_finite()) {
            prev = None;
            if current.len() > 1 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        if let Some(q) = prev {
            match clip_segment(q, p) {
                Some((a, b)) => {
                    if current.is_empty() || a != q {
                        if current.len() > 1 {
                            pieces.push(std::mem::take(&mut current));
                        }
                        current = vec![to_data(a)];
                    }
                    current.push(to_data(b));
                    if b != p {
                        pieces.push(std::mem::take(&mut current));
                    }
                }
                None => {
                    if current.len() > 1 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
            }
        } else if (0.0..=1.0).contains(&p.0) && (0.0..=1.0).contains(&p.1) {
            current = vec![(x, y)];
        }
        prev = Some(p);
    }
    if current.len() > 1 {
        pieces.push(current);
    }
    pieces
}

/// The part of segment a→b inside the unit square, if any.
fn clip_segment(a: (f64, f64), b: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0), (dx, 1.0 - a.0), (-dy, a.1), (dy, 1.0 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(
            linear_ticks(0.0, 1.0, 6, false),
            [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(0.056, 0.469, 5, false), [0.1, 0.2, 0.3, 0.4]);
        assert_eq!(
            linear_ticks(-2.0, 2.0, 5, false),
            [-2.0, -1.0, 0.0, 1.0, 2.0]
        );
        assert_eq!(linear_ticks(1.0, 4.0, 8, true), [1.0, 2.0, 3.0, 4.0]);
        let t = linear_ticks(-0.37, 12.4, 8, false);
        assert!(t.len() <= 8 && t.len() >= 4, "{t:?}");
    }

    #[test]
    fn log_ticks_are_decades() {
        assert_eq!(log_ticks(1e-3, 10.0, 10), [1e-3, 1e-2, 1e-1, 1.0, 10.0]);
        assert_eq!(
            log_ticks(3.0, 900.0, 10),
            [5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        );
        let thinned = log_ticks(1e-12, 1e3, 6);
        assert!(thinned.len() <= 6 && thinned.contains(&1.0), "{thinned:?}");
        // Within one decade: 1, 2, 3, 5 or finer multiples.
        assert_eq!(log_ticks(1.5, 8.0, 10), [2.0, 3.0, 5.0]);
        assert_eq!(log_ticks(0.095, 0.46, 5), [0.1, 0.2, 0.3]);
    }

    #[test]
    fn symlog_round_trips_and_ticks_are_symmetric() {
        let a = Axis::symlog(-1000.0, 1000.0, 0.1);
        for v in [-500.0, -0.05, 0.0, 0.3, 999.0] {
            assert!((a.denorm(a.norm(v)) - v).abs() < 1e-9 * v.abs().max(1.0));
        }
        assert!((a.norm(0.0) - 0.5).abs() < 1e-12);
        let t = a.ticks(20);
        assert!(
            t.contains(&0.0) && t.contains(&-100.0) && t.contains(&100.0),
            "{t:?}"
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(0.30000000000000004), "0.3");
        assert_eq!(format_number(1000.25), "1000.25");
        assert_eq!(format_number(1e-5), "10⁻⁵");
        assert_eq!(format_number(2.5e6), "2.5×10⁶");
        assert_eq!(format_number(-3e-4), "−3×10⁻⁴");
        assert_eq!(format_number(-2.0), "−2");
        assert_eq!(format_short(2.92027e-8), "2.92×10⁻⁸");
        assert_eq!(format_short(0.00889569), "0.0089");
        assert_eq!(format_short(123456.0), "1.23×10⁵");
    }

    #[test]
    fn clipping_keeps_the_inside() {
        let ax = Axis::linear(0.0, 1.0);
        let ay = Axis::linear(0.0, 1.0);
        let pieces = clip_polyline(&[(0.5, 0.5), (1.5, 0.5), (1.5, 0.8), (0.5, 0.8)], &ax, &ay);
        assert_eq!(
            pieces,
            vec![vec![(0.5, 0.5), (1.0, 0.5)], vec![(1.0, 0.8), (0.5, 0.8)]]
        );
        let gap = clip_polyline(
            &[(0.1, 0.1), (f64::NAN, 0.2), (0.3, 0.3), (0.4, 0.4)],
            &ax,
            &ay,
        );
        assert_eq!(gap, vec![vec![(0.3, 0.3), (0.4, 0.4)]]);
    }
}
