//! Contour lines by marching squares, stitched into polylines.
//!
//! Each grid cell whose corners straddle the level gets one or two
//! segments between points linearly interpolated on its edges; the two
//! ambiguous cases (diagonal corners above the level) are resolved by the
//! value at the cell's centre, taken as the mean of its corners (Lorensen &
//! Cline 1987; the "asymptotic decider" variant is not needed at plotting
//! resolution). Segments meet at shared edge points and are joined into
//! lines; a line that comes back to its start is closed.

use super::SurfaceGrid;

/// One connected piece of a level set {f = level}.
///
/// # Examples
///
/// ```
/// use saddlescope::{contour_lines, SurfaceGrid};
/// // f = x on [0, 2] × [0, 1]: the level 0.5 is the vertical line x = 0.5.
/// let g = SurfaceGrid::from_fn(vec![0.0, 1.0, 2.0], vec![0.0, 1.0], |x, _| Ok(x)).unwrap();
/// let lines = contour_lines(&g, 0.5);
/// assert_eq!(lines.len(), 1);
/// assert!(!lines[0].closed);
/// assert!(lines[0].points.iter().all(|p| p.0 == 0.5));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ContourLine {
    /// The level.
    pub level: f64,
    /// The points in order; for a closed line the first point is repeated
    /// at the end.
    pub points: Vec<(f64, f64)>,
    /// Whether the line is a loop (else it ends on the grid's border or at
    /// a point where f is not finite).
    pub closed: bool,
}

/// The level set {f = `level`} of the grid as polylines, in a fixed order
/// (no dependence on hashing or threads). Cells with a non-finite corner
/// are skipped; a grid that [`SurfaceGrid::new`] would refuse has none.
///
/// # Examples
///
/// ```
/// use saddlescope::{contour_lines, linspace, SurfaceGrid};
/// let t = linspace(-2.0..=2.0, 41).unwrap();
/// let g = SurfaceGrid::from_fn(t.clone(), t, |x, y| Ok(x * x + y * y)).unwrap();
/// let circle = contour_lines(&g, 1.0);
/// assert_eq!(circle.len(), 1);
/// assert!(circle[0].closed);
/// for &(x, y) in &circle[0].points {
///     assert!(((x * x + y * y).sqrt() - 1.0).abs() < 5e-3);
/// }
/// ```
pub fn contour_lines(grid: &SurfaceGrid, level: f64) -> Vec<ContourLine> {
    let (nx, ny) = (grid.x.len(), grid.y.len());
    if grid.check().is_err() || !level.is_finite() {
        return Vec::new();
    }
    let horizontal = (nx - 1) * ny;
    let edge_count = horizontal + nx * (ny - 1);
    // Edge ids: horizontal edge (i, j)–(i+1, j) is j·(nx−1) + i; vertical
    // edge (i, j)–(i, j+1) is horizontal + j·nx + i.
    let h_edge = |i: usize, j: usize| j * (nx - 1) + i;
    let v_edge = |i: usize, j: usize| horizontal + j * nx + i;
    let z = |i: usize, j: usize| grid.values[j * nx + i];

    let mut segments: Vec<[usize; 2]> = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let c = [z(i, j), z(i + 1, j), z(i + 1, j + 1), z(i, j + 1)];
            if c.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let case = c
                .iter()
                .enumerate()
                .fold(0u8, |acc, (k, v)| acc | (u8::from(*v > level) << k));
            // The cell's edges: bottom, right, top, left.
            let (b, r, t, l) = (
                h_edge(i, j),
                v_edge(i + 1, j),
                h_edge(i, j + 1),
                v_edge(i, j),
            );
            let centre_above = || c.iter().sum::<f64>() / 4.0 > level;
            match case {
                0 | 15 => {}
                1 | 14 => segments.push([l, b]),
                2 | 13 => segments.push([b, r]),
                3 | 12 => segments.push([l, r]),
                4 | 11 => segments.push([r, t]),
                6 | 9 => segments.push([b, t]),
                7 | 8 => segments.push([l, t]),
                5 => {
                    // Corners 0 and 2 above.
                    if centre_above() {
                        segments.extend([[l, t], [b, r]]);
                    } else {
                        segments.extend([[l, b], [r, t]]);
                    }
                }
                10 => {
                    // Corners 1 and 3 above.
                    if centre_above() {
                        segments.extend([[l, b], [r, t]]);
                    } else {
                        segments.extend([[l, t], [b, r]]);
                    }
                }
                _ => unreachable!("a 4-bit case"),
            }
        }
    }

    // Where the level crosses each edge.
    let point = |e: usize| -> (f64, f64) {
        let ((i0, j0), (i1, j1)) = if e < horizontal {
            let (i, j) = (e % (nx - 1), e / (nx - 1));
            ((i, j), (i + 1, j))
        } else {
            let e = e - horizontal;
            let (i, j) = (e % nx, e / nx);
            ((i, j), (i, j + 1))
        };
        let (a, b) = (z(i0, j0), z(i1, j1));
        let t = ((level - a) / (b - a)).clamp(0.0, 1.0);
        (
            grid.x[i0] + t * (grid.x[i1] - grid.x[i0]),
            grid.y[j0] + t * (grid.y[j1] - grid.y[j0]),
        )
    };

    // Each edge point joins at most two segments (the two cells sharing
    // the edge).
    let mut at_edge: Vec<[usize; 2]> = vec![[usize::MAX; 2]; edge_count];
    for (s, seg) in segments.iter().enumerate() {
        for &e in seg {
            let slot = &mut at_edge[e];
            if slot[0] == usize::MAX {
                slot[0] = s;
            } else {
                slot[1] = s;
            }
        }
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    let degree = |e: usize| at_edge[e].iter().filter(|s| **s != usize::MAX).count();
    // Open lines first (they start at an edge point with one segment), then
    // the loops that remain.
    let open_starts = segments.iter().enumerate().flat_map(|(s, seg)| {
        seg.iter()
            .filter(|e| degree(**e) == 1)
            .map(move |e| (s, *e))
            .collect::<Vec<_>>()
    });
    let starts: Vec<(usize, usize)> = open_starts
        .chain(segments.iter().enumerate().map(|(s, seg)| (s, seg[0])))
        .collect();
    for (first, start_edge) in starts {
        if used[first] {
            continue;
        }
        let mut edges = vec![start_edge];
        let (mut seg, mut edge) = (first, start_edge);
        loop {
            used[seg] = true;
            let next_edge = if segments[seg][0] == edge {
                segments[seg][1]
            } else {
                segments[seg][0]
            };
            edges.push(next_edge);
            edge = next_edge;
            match at_edge[edge]
                .iter()
                .find(|s| **s != usize::MAX && !used[**s])
            {
                Some(&s) => seg = s,
                None => break,
            }
        }
        let closed = edges.len() > 2 && edges[0] == *edges.last().unwrap_or(&usize::MAX);
        lines.push(ContourLine {
            level,
            points: edges.into_iter().map(point).collect(),
            closed,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linspace;

    fn paraboloid(n: usize) -> SurfaceGrid {
        let t = linspace(-2.0..=2.0, n).unwrap();
        SurfaceGrid::from_fn(t.clone(), t, |x, y| Ok(x * x + y * y)).unwrap()
    }

    #[test]
    fn level_sets_of_a_paraboloid_are_closed_circles_of_the_right_radius() {
        let g = paraboloid(61);
        for r in [0.3, 0.8, 1.0, 1.5, 1.9] {
            let lines = contour_lines(&g, r * r);
            assert_eq!(lines.len(), 1, "radius {r}");
            let line = &lines[0];
            assert!(line.closed, "radius {r}");
            assert_eq!(line.points.first(), line.points.last());
            let h = 4.0 / 60.0;
            // One point per grid line crossed: about 8r/h.
            assert!(line.points.len() as f64 > 4.0 * r / h, "radius {r}");
            // Linear interpolation of x² over a cell errs by at most h²/4 in
            // f, so by about h²/(8r) in the radius (h²/(4r) is a safe bound).
            for &(x, y) in &line.points {
                let rr = (x * x + y * y).sqrt();
                assert!(
                    (rr - r).abs() <= h * h / (4.0 * r),
                    "radius {r}: point at {rr}"
                );
            }
            // It goes all the way round: the enclosed area is πr², less a
            // little for an inscribed polygon of points slightly inside.
            let area: f64 = line
                .points
                .windows(2)
                .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                .sum::<f64>()
                .abs()
                / 2.0;
            let exact = std::f64::consts::PI * r * r;
            assert!(
                (area - exact).abs() < 0.03 * exact,
                "radius {r}: area {area} vs {exact}"
            );
        }
    }

    #[test]
    fn a_level_cut_by_the_border_is_open_and_ends_on_it() {
        let g = paraboloid(41);
        // r = 2.5 leaves the square [-2, 2]²: four arcs in the corners.
        let lines = contour_lines(&g, 6.25);
        assert_eq!(lines.len(), 4);
        for line in &lines {
            assert!(!line.closed);
            for p in [line.points[0], *line.points.last().unwrap()] {
                assert!(p.0.abs() == 2.0 || p.1.abs() == 2.0, "{p:?}");
            }
        }
    }

    #[test]
    fn saddle_cells_split_consistently() {
        // f = x·y has a saddle at the origin; the level 0 is the two axes
        // and every other level is two hyperbola branches.
        let t = linspace(-1.0..=1.0, 21).unwrap();
        let g = SurfaceGrid::from_fn(t.clone(), t, |x, y| Ok(x * y)).unwrap();
        let lines = contour_lines(&g, 0.1);
        assert_eq!(lines.len(), 2);
        for line in &lines {
            assert!(!line.closed);
            for &(x, y) in &line.points {
                assert!((x * y - 0.1).abs() < 0.01, "({x}, {y})");
            }
        }
    }

    #[test]
    fn holes_stop_lines() {
        let t = linspace(-2.0..=2.0, 41).unwrap();
        let g = SurfaceGrid::from_fn(t.clone(), t, |x, y| {
            if x > 0.0 && y.abs() < 0.3 {
                Err(crate::Error::NonFinite {
                    what: "f".into(),
                    detail: String::new(),
                })
            } else {
                Ok(x * x + y * y)
            }
        })
        .unwrap();
        let lines = contour_lines(&g, 1.0);
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].closed);
    }
}
