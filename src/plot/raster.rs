//! The PNG backend: plotters' bitmap backend with text drawn straight from
//! the embedded font by ab_glyph.
//!
//! plotters 0.3.7's ab_glyph text path places each glyph at its advance
//! without its left side bearing, so narrow glyphs drift left ("0. 001");
//! here each glyph is rasterised at its sub-pixel pen position and put
//! where its pixel bounds say. Everything else is the bitmap backend's.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// A bitmap backend with its own text rasteriser.
pub(crate) struct Raster<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> Raster<'a> {
    /// Draws into an RGB buffer of `size` pixels with `font`.
    pub(crate) fn new(
        buffer: &'a mut [u8],
        size: (u32, u32),
        font: FontRef<'static>,
    ) -> Raster<'a> {
        Raster {
            inner: BitMapBackend::with_buffer(buffer, size),
            font,
        }
    }
}

type Failure<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Failure<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Failure<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failure<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), Failure<'a>> {
        self.inner.blit_bitmap(pos, (iw, ih), src)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Failure<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        // plotters sizes text so that its layout box is size/1.24 high and
        // measures widths at a pixel scale of `size`; draw at that scale.
        let size = style.size() as f32;
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut caret = 0f32;
        let mut previous = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                caret += scaled.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(size, point(caret, 0.0)));
            caret += scaled.h_advance(id);
            previous = Some(id);
        }
        let width = caret;
        let height = size / 1.24;
        let (ascent, descent) = (scaled.ascent(), scaled.descent());
        let baseline = height * ascent / (ascent - descent);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Right => -width,
            HPos::Center => -width / 2.0,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let (dx, dy) = ((dx.round()) as i32, (baseline + dy).round() as i32);
        let transform = style.transform();
        let (w, h) = self.get_size();
        let mut pixels = Vec::new();
        for glyph in glyphs {
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                let (x0, y0) = (bounds.min.x as i32 + dx, bounds.min.y as i32 + dy);
                outline.draw(|x, y, coverage| {
                    if coverage > 0.0 {
                        let (tx, ty) = transform.transform(x0 + x as i32, y0 + y as i32);
                        pixels.push((pos.0 + tx, pos.1 + ty, coverage));
                    }
                });
            }
        }
        for (x, y, coverage) in pixels {
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                let c = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                self.inner.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}
