//! One self-contained HTML file: headings, paragraphs, tables and inline
//! SVG figures, with its style inline — it opens anywhere, offline, and
//! can be mailed or attached as it is.

use std::fmt::Write as _;
use std::path::Path;

use crate::{Error, Result};

/// A piece of a report section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of plain text (escaped).
    Paragraph(String),
    /// A table: a header row and rows of cells (plain text, escaped).
    Table {
        /// Column headings.
        headers: Vec<String>,
        /// The rows.
        rows: Vec<Vec<String>>,
    },
    /// An SVG figure, inlined, with a caption.
    Figure {
        /// The caption under it.
        caption: String,
        /// The SVG document (its XML declaration is dropped).
        svg: String,
    },
    /// Preformatted text (commands, logs), escaped.
    Code(String),
}

/// An HTML report under construction.
///
/// # Examples
///
/// ```
/// use saddlescope::{Block, Report};
/// let mut r = Report::new("Run 1");
/// r.section("Verdict", vec![
///     Block::Paragraph("saddle point <with> negative curvature".into()),
///     Block::Table { headers: vec!["λmin".into()], rows: vec![vec!["-0.44".into()]] },
/// ]);
/// let html = r.to_html();
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains("&lt;with&gt;")); // text is escaped
/// assert!(html.contains("<td class=\"n\">-0.44</td>")); // numbers align right
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    title: String,
    intro: Vec<Block>,
    sections: Vec<(String, Vec<Block>)>,
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1080px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:.9em;color:#555}\
pre{background:#f6f6f6;padding:.7em;overflow-x:auto;font-size:.88em}nav a{margin-right:1em}";

impl Report {
    /// An empty report with a title.
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            intro: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Blocks under the title, before the sections.
    pub fn intro(&mut self, blocks: Vec<Block>) -> &mut Self {
        self.intro.extend(blocks);
        self
    }

    /// Adds a section with a heading.
    pub fn section(&mut self, heading: impl Into<String>, blocks: Vec<Block>) -> &mut Self {
        self.sections.push((heading.into(), blocks));
        self
    }

    /// The number of figures in the report.
    pub fn figures(&self) -> usize {
        self.intro
            .iter()
            .chain(self.sections.iter().flat_map(|(_, b)| b))
            .filter(|b| matches!(b, Block::Figure { .. }))
            .count()
    }

    fn block(out: &mut String, b: &Block) {
        match b {
            Block::Paragraph(t) => {
                let _ = writeln!(out, "<p>{}</p>", escape(t));
            }
            Block::Code(t) => {
                let _ = writeln!(out, "<pre>{}</pre>", escape(t));
            }
            Block::Table { headers, rows } => {
                out.push_str("<table>\n<tr>");
                for h in headers {
                    let _ = write!(out, "<th>{}</th>", escape(h));
                }
                out.push_str("</tr>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for c in row {
                        // Numbers right-aligned, text left.
                        let numeric = c.trim().parse::<f64>().is_ok() || c.trim() == "—";
                        let class = if numeric { " class=\"n\"" } else { "" };
                        let _ = write!(out, "<td{class}>{}</td>", escape(c));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            Block::Figure { caption, svg } => {
                let body = match svg.find("<svg") {
                    Some(i) => &svg[i..],
                    None => svg.as_str(),
                };
                let _ = writeln!(
                    out,
                    "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>",
                    escape(caption)
                );
            }
        }
    }

    /// The whole document.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{0}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
            escape(&self.title)
        );
        for b in &self.intro {
            Self::block(&mut out, b);
        }
        if self.sections.len() > 1 {
            out.push_str("<nav>");
            for (i, (h, _)) in self.sections.iter().enumerate() {
                let _ = write!(out, "<a href=\"#s{i}\">{}</a>", escape(h));
            }
            out.push_str("</nav>\n");
        }
        for (i, (heading, blocks)) in self.sections.iter().enumerate() {
            let _ = writeln!(out, "<h2 id=\"s{i}\">{}</h2>", escape(heading));
            for b in blocks {
                Self::block(&mut out, b);
            }
        }
        out.push_str(
            "<p style=\"color:#888;font-size:.85em\">Written by saddlescope.</p>\n</body>\n</html>\n",
        );
        out
    }

    /// Writes the document atomically (a temporary file, then a rename).
    ///
    /// # Errors
    ///
    /// The file or its directory cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io = |action: &str, e: std::io::Error| Error::Io {
            action: action.into(),
            path: path.display().to_string(),
            reason: e,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
        }
        let tmp = path.with_extension("html.tmp");
        std::fs::write(&tmp, self.to_html()).map_err(|e| io("write", e))?;
        std::fs::rename(&tmp, path).map_err(|e| io("rename into", e))
    }
}
