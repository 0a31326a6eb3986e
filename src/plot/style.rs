//! The one look of every figure: the embedded font, font sizes, the series
//! palette, the colour map, and a marker per verdict.
//!
//! Text is drawn with DejaVu Sans compiled into the library (plotters'
//! `ab_glyph` path), so a PNG renders on a machine with no font library at
//! all; an SVG names the family `sans-serif` and the viewer draws it.

use std::sync::OnceLock;

use ab_glyph::FontRef;
use plotters::style::{FontStyle, RGBColor, register_font};

use crate::Verdict;

/// The family every text style uses; the embedded font is registered
/// under it.
pub(crate) const FAMILY: &str = "sans-serif";

/// DejaVu Sans 2.35, as shipped with matplotlib (Bitstream Vera licence with public-domain DejaVu
/// changes; `assets/fonts/LICENSE_DEJAVU`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font once per process; every render calls it
/// before drawing. Returns whether the font is available.
pub(crate) fn ensure_font() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok())
}

/// The embedded font, parsed once, for the PNG text rasteriser.
pub(crate) fn font() -> Option<FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).ok())
        .clone()
}

/// Font sizes in pixels (plotters' size; the em is size / 1.24).
pub(crate) mod size {
    /// Figure title.
    pub(crate) const TITLE: f64 = 24.0;
    /// Axis descriptions ("x", "loss").
    pub(crate) const AXIS_LABEL: f64 = 18.0;
    /// Tick labels.
    pub(crate) const TICK: f64 = 15.0;
    /// Legend entries.
    pub(crate) const LEGEND: f64 = 15.0;
}

/// Text and axis colour.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Major grid lines of line charts.
pub(crate) const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Minor grid lines.
pub(crate) const GRID_MINOR: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
/// The figure background.
pub(crate) const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
/// Zero lines and reference lines.
pub(crate) const REFERENCE: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// Negative eigenvalues (ways down).
pub(crate) const NEGATIVE: RGBColor = RGBColor(0xD6, 0x27, 0x28);
/// Positive eigenvalues.
pub(crate) const POSITIVE: RGBColor = RGBColor(0x1F, 0x77, 0xB4);

/// Colours for series (runs, trajectories, directions), in order: tab10
/// reordered so that the first few differ most.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0xD6, 0x27, 0x28), // red
    RGBColor(0x1F, 0x77, 0xB4), // blue
    RGBColor(0xFF, 0x7F, 0x0E), // orange
    RGBColor(0x2C, 0xA0, 0x2C), // green
    RGBColor(0x94, 0x67, 0xBD), // purple
    RGBColor(0x8C, 0x56, 0x4B), // brown
    RGBColor(0xE3, 0x77, 0xC2), // pink
    RGBColor(0x17, 0xBE, 0xCF), // cyan
    RGBColor(0x7F, 0x7F, 0x7F), // grey
    RGBColor(0xBC, 0xBD, 0x22), // olive
];

/// The colour of series `k` (the palette repeats).
pub(crate) fn series_color(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// `color` blended toward white, keeping `weight` of the colour: a faint
/// line that stays opaque (so crossing lines do not darken).
pub(crate) fn blend(color: RGBColor, weight: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - (255.0 - c as f64) * weight).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// Line widths in pixels.
pub(crate) mod width {
    /// Series lines.
    pub(crate) const LINE: u32 = 2;
    /// Trajectories over a heat map (drawn over a white halo).
    pub(crate) const TRACK: u32 = 2;
    /// The halo under a trajectory.
    pub(crate) const HALO: u32 = 4;
}

/// Viridis (van der Walt & Smith, matplotlib), sampled at 10 points; low
/// values dark blue, high values yellow. Perceptually uniform and readable
/// in grey scale.
const VIRIDIS: [(u8, u8, u8); 10] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x28, 0x78),
    (0x3E, 0x4A, 0x89),
    (0x31, 0x68, 0x8E),
    (0x26, 0x82, 0x8E),
    (0x1F, 0x9E, 0x89),
    (0x35, 0xB7, 0x79),
    (0x6D, 0xCD, 0x59),
    (0xB4, 0xDE, 0x2C),
    (0xFD, 0xE7, 0x25),
];

/// The colour map at t ∈ [0, 1] (clamped; NaN as 0).
pub(crate) fn colormap(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t };
    let n = VIRIDIS.len() - 1;
    let s = t.clamp(0.0, 1.0) * n as f64;
    let i = (s.floor() as usize).min(n - 1);
    let f = s - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The outline of a marker, in pixels around its centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    TriangleUp,
    TriangleDown,
    Diamond,
    Square,
    Cross,
    Plus,
}

impl Shape {
    /// The polygon of the shape with "radius" `r` pixels, closed implicitly.
    pub(crate) fn polygon(self, r: i32) -> Vec<(i32, i32)> {
        let rf = r as f64;
        match self {
            Shape::Circle => (0..20)
                .map(|k| {
                    let a = k as f64 * std::f64::consts::TAU / 20.0;
                    ((rf * a.cos()).round() as i32, (rf * a.sin()).round() as i32)
                })
                .collect(),
            Shape::TriangleUp => {
                let h = (rf * 1.15).round() as i32;
                vec![(0, -h), (h, h * 3 / 4), (-h, h * 3 / 4)]
            }
            Shape::TriangleDown => {
                let h = (rf * 1.15).round() as i32;
                vec![(0, h), (-h, -h * 3 / 4), (h, -h * 3 / 4)]
            }
            Shape::Diamond => {
                let h = (rf * 1.3).round() as i32;
                vec![(0, -h), (h, 0), (0, h), (-h, 0)]
            }
            Shape::Square => {
                let h = (rf * 0.9).round() as i32;
                vec![(-h, -h), (h, -h), (h, h), (-h, h)]
            }
            Shape::Cross | Shape::Plus => {
                // A thick plus of arm half-width w, rotated 45° for a cross.
                let h = (rf * 1.25).round();
                let w = (rf * 0.42).round().max(1.0);
                let plus = [
                    (-w, -h),
                    (w, -h),
                    (w, -w),
                    (h, -w),
                    (h, w),
                    (w, w),
                    (w, h),
                    (-w, h),
                    (-w, w),
                    (-h, w),
                    (-h, -w),
                    (-w, -w),
                ];
                let rot = if self == Shape::Cross {
                    std::f64::consts::FRAC_PI_4
                } else {
                    0.0
                };
                let (s, c) = rot.sin_cos();
                plus.iter()
                    .map(|&(x, y)| {
                        (
                            (x * c - y * s).round() as i32,
                            (x * s + y * c).round() as i32,
                        )
                    })
                    .collect()
            }
        }
    }
}

/// How a point with a verdict is drawn: shape and fill (always with a dark
/// outline, so it reads over any colour of the heat map).
pub(crate) fn verdict_marker(verdict: Option<Verdict>) -> (Shape, RGBColor) {
    match verdict {
        Some(Verdict::LocalMinimum) => (Shape::Circle, RGBColor(0xFF, 0xFF, 0xFF)),
        Some(Verdict::LocalMaximum) => (Shape::TriangleUp, RGBColor(0xE4, 0x1A, 0x1C)),
        Some(Verdict::SaddlePoint) => (Shape::Cross, RGBColor(0xFF, 0x8C, 0x00)),
        Some(Verdict::Degenerate) => (Shape::Diamond, RGBColor(0xC0, 0x6C, 0xF0)),
        Some(Verdict::NotCritical) => (Shape::Square, RGBColor(0xB0, 0xB0, 0xB0)),
        None => (Shape::Plus, RGBColor(0xFF, 0xFF, 0xFF)),
    }
}

/// The legend text of a verdict: its snake-case name with spaces.
pub(crate) fn verdict_label(verdict: Verdict) -> String {
    verdict.as_str().replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_registers() {
        assert!(ensure_font());
        assert!(ensure_font()); // idempotent
        assert!(font().is_some());
    }

    #[test]
    fn colormap_ends_and_clamps() {
        assert_eq!(colormap(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(colormap(1.0), RGBColor(0xFD, 0xE7, 0x25));
        assert_eq!(colormap(-3.0), colormap(0.0));
        assert_eq!(colormap(f64::NAN), colormap(0.0));
        assert_eq!(colormap(2.0), colormap(1.0));
    }

    #[test]
    fn every_verdict_has_its_own_marker() {
        let mut seen = Vec::new();
        for v in Verdict::ALL.map(Some).into_iter().chain([None]) {
            let m = verdict_marker(v);
            assert!(!seen.contains(&m), "{v:?}");
            seen.push(m);
        }
    }
}
