//! What every figure shares: a title, a size, a file format, and the
//! rendering to an SVG or PNG file.

use std::fs;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::raster::Raster;
use super::style::{self, size};
use crate::{Error, Result};

/// The file format of a figure: SVG (the default) or PNG.
///
/// # Examples
///
/// ```
/// use saddlescope::Format;
/// assert_eq!(Format::from_path("surface.png"), Format::Png);
/// assert_eq!(Format::from_path("surface.PNG"), Format::Png);
/// assert_eq!(Format::from_path("surface.svg"), Format::Svg);
/// assert_eq!(Format::from_path("surface"), Format::Svg);
/// assert_eq!(Format::Png.extension(), "png");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Scalable vector graphics; text is drawn by the viewer.
    #[default]
    Svg,
    /// A raster image; text is rasterised from the embedded font.
    Png,
}

impl Format {
    /// PNG when the path ends in `.png` (any case), SVG otherwise.
    pub fn from_path(path: impl AsRef<Path>) -> Format {
        match path.as_ref().extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("png") => Format::Png,
            _ => Format::Svg,
        }
    }

    /// `"svg"` or `"png"`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// The title, size and format of a figure; every plot's settings hold one
/// and set it with `with_title`, `with_size` and `with_format`.
///
/// # Examples
///
/// ```
/// use saddlescope::{Figure, Format};
/// let fig = Figure::new("Rosenbrock").with_size(640, 480)?.with_format(Format::Png);
/// assert_eq!(fig.title(), "Rosenbrock");
/// assert_eq!(fig.size(), Some((640, 480)));
/// assert_eq!(fig.format(), Some(Format::Png));
/// assert!(Figure::new("x").with_size(10, 480).is_err());
/// # Ok::<(), saddlescope::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figure {
    title: String,
    size: Option<(u32, u32)>,
    format: Option<Format>,
}

/// The smallest and largest side of a figure, in pixels.
const SIDE: std::ops::RangeInclusive<u32> = 200..=10_000;

impl Figure {
    /// A figure with this title (empty for none), the plot's default size,
    /// and the format taken from the file name.
    pub fn new(title: impl Into<String>) -> Figure {
        Figure {
            title: title.into(),
            size: None,
            format: None,
        }
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The size in pixels, if set (else the plot's default).
    pub fn size(&self) -> Option<(u32, u32)> {
        self.size
    }

    /// The format, if set (else from the file name).
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Figure {
        self.title = title.into();
        self
    }

    /// Sets the size in pixels (an SVG's user units).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] unless both sides are in 200 ..= 10000.
    pub fn with_size(mut self, width: u32, height: u32) -> Result<Figure> {
        if !SIDE.contains(&width) || !SIDE.contains(&height) {
            return Err(Error::InvalidSetting {
                name: "figure size".into(),
                message: format!(
                    "each side must be in {}..={} pixels, found {width}×{height}",
                    SIDE.start(),
                    SIDE.end()
                ),
            });
        }
        self.size = Some((width, height));
        Ok(self)
    }

    /// Sets the format, whatever the file name says.
    pub fn with_format(mut self, format: Format) -> Figure {
        self.format = Some(format);
        self
    }
}

/// `with_title`, `with_size` and `with_format` for a settings type with a
/// `figure: Figure` field.
macro_rules! figure_setters {
    ($ty:ty) => {
        impl $ty {
            /// Sets the title (empty for none).
            pub fn with_title(mut self, title: impl Into<String>) -> Self {
                self.figure = self.figure.with_title(title);
                self
            }

            /// Sets the size in pixels.
            ///
            /// # Errors
            ///
            /// [`Error::InvalidSetting`](crate::Error::InvalidSetting) unless
            /// both sides are in 200 ..= 10000.
            pub fn with_size(mut self, width: u32, height: u32) -> crate::Result<Self> {
                self.figure = self.figure.with_size(width, height)?;
                Ok(self)
            }

            /// Sets the file format, whatever the file name says.
            pub fn with_format(mut self, format: $crate::Format) -> Self {
                self.figure = self.figure.with_format(format);
                self
            }

            /// The title, size and format.
            pub fn figure(&self) -> &$crate::Figure {
                &self.figure
            }
        }
    };
}
pub(crate) use figure_setters;

/// What a drawing step returns; plotters' errors are carried as text.
pub(crate) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A figure's body, drawn on any plotters backend.
pub(crate) trait Draw {
    /// Draws into `area` (the figure below its title); `format` lets a
    /// raster draw per pixel what a vector file draws as shapes.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, format: Format) -> DrawResult
    where
        DB::ErrorType: 'static;

    /// A raster image that an SVG shows in place of the rectangle the body
    /// filled with [`PLACEHOLDER`] (a heat map: one compact image instead
    /// of thousands of cells).
    fn embedded(&self) -> Option<Embedded> {
        None
    }
}

/// The fill of the rectangle an [`Embedded`] image replaces in an SVG.
pub(crate) const PLACEHOLDER: RGBColor = RGBColor(1, 2, 3);

/// An RGB image, `width` × `height`, row by row.
pub(crate) struct Embedded {
    pub(crate) rgb: Vec<u8>,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// Renders `body` under the figure's title into `path`, as SVG or PNG.
pub(crate) fn render(
    path: &Path,
    figure: &Figure,
    default_size: (u32, u32),
    body: &impl Draw,
) -> Result<()> {
    let failed = |e: Box<dyn std::error::Error>| Error::Io {
        action: "draw".into(),
        path: path.display().to_string(),
        reason: std::io::Error::other(e.to_string()),
    };
    let font = match (style::ensure_font(), style::font()) {
        (true, Some(font)) => font,
        _ => return Err(failed("the embedded font does not load".into())),
    };
    let (w, h) = figure.size.unwrap_or(default_size);
    let format = figure.format.unwrap_or_else(|| Format::from_path(path));
    let bytes = match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                draw_root(&root, figure, body, format).map_err(failed)?;
            }
            if let Some(image) = body.embedded() {
                let png = encode_png(&image.rgb, image.width, image.height)
                    .map_err(|e| failed(e.into()))?;
                svg = embed(&svg, &png)
                    .ok_or_else(|| failed("the heat map's placeholder is missing".into()))?;
            }
            svg.into_bytes()
        }
        Format::Png => {
            let mut rgb = vec![255u8; w as usize * h as usize * 3];
            {
                let root = Raster::new(&mut rgb, (w, h), font).into_drawing_area();
                draw_root(&root, figure, body, format).map_err(failed)?;
            }
            encode_png(&rgb, w, h).map_err(|e| failed(e.into()))?
        }
    };
    fs::write(path, bytes).map_err(|e| Error::Io {
        action: "write".into(),
        path: path.display().to_string(),
        reason: e,
    })
}

fn draw_root<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    body: &impl Draw,
    format: Format,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&style::BACKGROUND)?;
    if figure.title.is_empty() {
        body.draw(&root.margin(6, 6, 6, 6), format)?;
    } else {
        let font = (style::FAMILY, size::TITLE).into_font().color(&style::INK);
        let area = root.titled(&figure.title, font)?;
        body.draw(&area.margin(0, 6, 6, 6), format)?;
    }
    root.present()?;
    Ok(())
}

/// Replaces the SVG's [`PLACEHOLDER`] rectangle with an `<image>` of `png`
/// stretched over the same box (viewers interpolate it smoothly).
fn embed(svg: &str, png: &[u8]) -> Option<String> {
    // `xlink:href` for viewers from before SVG 2 needs its namespace.
    let svg = svg.replacen(
        "xmlns=\"http://www.w3.org/2000/svg\"",
        "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"",
        1,
    );
    let fill = format!(
        "fill=\"#{:02X}{:02X}{:02X}\"",
        PLACEHOLDER.0, PLACEHOLDER.1, PLACEHOLDER.2
    );
    let at = svg.find(&fill)?;
    let start = svg[..at].rfind("<rect")?;
    let end = at + svg[at..].find("/>")? + 2;
    let rect = &svg[start..end];
    let attr = |name: &str| -> Option<&str> {
        let key = format!(" {name}=\"");
        let i = rect.find(&key)? + key.len();
        Some(&rect[i..i + rect[i..].find('"')?])
    };
    let data = format!("data:image/png;base64,{}", base64(png));
    let image = format!(
        "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" href=\"{data}\" xlink:href=\"{data}\"/>",
        attr("x")?,
        attr("y")?,
        attr("width")?,
        attr("height")?
    );
    Some(format!("{}{image}{}", &svg[..start], &svg[end..]))
}

/// Standard base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PNG of an RGB image.
pub(crate) fn encode_png(
    rgb: &[u8],
    w: u32,
    h: u32,
) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_placeholder_becomes_an_image() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"3\" y=\"4\" width=\"5\" height=\"6\" opacity=\"1\" fill=\"#010203\" stroke=\"none\"/></svg>";
        let out = embed(svg, b"foo").unwrap();
        assert!(
            out.contains("<image x=\"3\" y=\"4\" width=\"5\" height=\"6\""),
            "{out}"
        );
        assert!(out.contains("href=\"data:image/png;base64,Zm9v\""));
        assert!(!out.contains("<rect"));
        assert!(embed("<svg/>", b"foo").is_none());
    }
}
