//! A filled marker with a dark outline (one plotters element for every
//! shape, so markers of all verdicts go through one code path and into
//! legends alike).

use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::style::{INK, Shape};

/// A marker of `shape` and `fill` at a point of coordinate type `C`.
pub(crate) struct Marker<C> {
    at: C,
    shape: Shape,
    fill: RGBColor,
    radius: i32,
}

impl<C> Marker<C> {
    pub(crate) fn new(at: C, shape: Shape, fill: RGBColor, radius: i32) -> Marker<C> {
        Marker {
            at,
            shape,
            fill,
            radius,
        }
    }
}

impl<'a, C> PointCollection<'a, C> for &'a Marker<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;

    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Marker<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        let polygon: Vec<BackendCoord> = self
            .shape
            .polygon(self.radius)
            .into_iter()
            .map(|(dx, dy)| (x + dx, y + dy))
            .collect();
        backend.fill_polygon(polygon.iter().copied(), &self.fill)?;
        let mut outline = polygon;
        outline.push(outline[0]);
        backend.draw_path(outline, &INK.stroke_width(1))
    }
}
