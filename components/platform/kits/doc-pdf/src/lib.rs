//! A small document layout engine for Lathe's document tools: blocks of styled text
//! (headings, paragraphs, lists, code, quotes, rules, tables, page breaks) laid out on
//! pages of a chosen size and written as a PDF with selectable, extractable text.
//!
//! Text is set in DejaVu Sans (regular, bold, oblique, bold oblique) and DejaVu Sans Mono,
//! shipped by the `dejavu` crate (Bitstream Vera licence, permissive). Each font is
//! embedded as a subset (`subsetter`) in a Type 0 / CIDFontType2 font with `Identity-H`
//! encoding and a `ToUnicode` CMap, so text can be searched, copied and extracted. Glyphs
//! are mapped one per character through the font's `cmap` (no shaping, no kerning), which
//! is right for Latin, Greek and Cyrillic text; characters the font lacks show as `?`.
//!
//! Use [`markdown_blocks`] to turn Markdown into [`Block`]s, or build blocks yourself,
//! then [`render`] them with [`Options`] (often from [`LayoutSettings`]), or write them as
//! a Word document with [`blocks_to_docx`].

mod docx;
mod fonts;
mod markdown;
mod render;

pub use docx::blocks_to_docx;
pub use markdown::{markdown_blocks, plain_text};
pub use render::render;

use lathe_tool_sdk::{invalid_settings, ToolError};
use serde::Deserialize;

/// The media type of a PDF file.
pub const PDF_MIME: &str = "application/pdf";

/// Most pages one document may have.
pub const MAX_PAGES: usize = 5000;

/// Character formatting of a [`Span`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpanStyle {
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Monospace (inline code).
    pub code: bool,
    /// Struck through.
    pub strike: bool,
    /// A link (blue, underlined).
    pub link: bool,
}

/// A run of text with one formatting; `\n` in `text` is a line break.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Span {
    /// The text.
    pub text: String,
    /// Its formatting.
    pub style: SpanStyle,
}

impl Span {
    /// A plain span.
    pub fn plain(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            style: SpanStyle::default(),
        }
    }

    /// A span with a style.
    pub fn styled(text: impl Into<String>, style: SpanStyle) -> Span {
        Span {
            text: text.into(),
            style,
        }
    }
}

/// One block of a document. `quote` is the block-quote nesting depth (0 = none), `indent`
/// extra indentation steps (list continuation paragraphs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading of level 1..=6.
    Heading {
        /// Level 1 (largest) to 6.
        level: u8,
        /// The text.
        spans: Vec<Span>,
    },
    /// A paragraph.
    Paragraph {
        /// The text.
        spans: Vec<Span>,
        /// Indentation steps.
        indent: u8,
        /// Block-quote depth.
        quote: u8,
    },
    /// A list item: its marker (`•`, `1.`) and text, at nesting `depth` (1 = top level).
    ListItem {
        /// The marker shown before the text.
        marker: String,
        /// The text.
        spans: Vec<Span>,
        /// Nesting depth, 1 for a top-level list.
        depth: u8,
        /// Block-quote depth.
        quote: u8,
    },
    /// A code block in monospace, whitespace kept.
    Code {
        /// The code, lines separated by `\n`.
        text: String,
        /// Indentation steps.
        indent: u8,
        /// Block-quote depth.
        quote: u8,
    },
    /// A horizontal rule.
    Rule,
    /// A table: rows of cells of spans; the first row is a header when `header` is set.
    Table {
        /// The rows.
        rows: Vec<Vec<Vec<Span>>>,
        /// Whether the first row is a header row.
        header: bool,
    },
    /// Starts a new page.
    PageBreak,
}

/// Page geometry and type size, in PDF points (1/72 inch).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Page width.
    pub width: f32,
    /// Page height.
    pub height: f32,
    /// Margin on every side.
    pub margin: f32,
    /// Body text size.
    pub font_size: f32,
    /// Document title (PDF metadata).
    pub title: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            width: 595.28,
            height: 841.89,
            margin: 56.69,
            font_size: 11.0,
            title: None,
        }
    }
}

/// The page settings that document tools accept: `pageSize` (A4, Letter, Legal, A3, A5),
/// `orientation` (portrait, landscape), `margin` (points, 0..=200) and `fontSize`
/// (points, 6..=36). Unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutSettings {
    /// Page size name.
    #[serde(alias = "page_size", alias = "paperSize")]
    pub page_size: Option<serde_json::Value>,
    /// Orientation.
    pub orientation: Option<serde_json::Value>,
    /// Margin in points.
    pub margin: Option<serde_json::Value>,
    /// Body font size in points.
    #[serde(alias = "font_size")]
    pub font_size: Option<serde_json::Value>,
}

/// Width and height in points of a named page size (portrait).
pub fn page_size(name: &str) -> Option<(f32, f32)> {
    match name.trim().to_ascii_lowercase().as_str() {
        "a4" => Some((595.28, 841.89)),
        "letter" => Some((612.0, 792.0)),
        "legal" => Some((612.0, 1008.0)),
        "a3" => Some((841.89, 1190.55)),
        "a5" => Some((419.53, 595.28)),
        _ => None,
    }
}

/// A number setting within a range; `None` when absent or null.
fn number(
    name: &str,
    value: Option<&serde_json::Value>,
    min: f64,
    max: f64,
) -> Result<Option<f32>, ToolError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let n = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() && (min..=max).contains(&n) => Ok(Some(n as f32)),
        _ => Err(invalid_settings(format!(
            "{name} must be a number from {min} to {max}, got {value}"
        ))),
    }
}

impl LayoutSettings {
    /// Checks the settings and turns them into [`Options`].
    pub fn options(&self) -> Result<Options, ToolError> {
        let mut o = Options::default();
        if let Some(v) = self.page_size.as_ref().filter(|v| !v.is_null()) {
            let (w, h) = v.as_str().and_then(page_size).ok_or_else(|| {
                invalid_settings(format!(
                    "pageSize must be one of A4, Letter, Legal, A3, A5, got {v}"
                ))
            })?;
            o.width = w;
            o.height = h;
        }
        if let Some(v) = self.orientation.as_ref().filter(|v| !v.is_null()) {
            match v.as_str().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
                Some("portrait") => {}
                Some("landscape") => std::mem::swap(&mut o.width, &mut o.height),
                _ => {
                    return Err(invalid_settings(format!(
                        "orientation must be portrait or landscape, got {v}"
                    )))
                }
            }
        }
        if let Some(m) = number("margin", self.margin.as_ref(), 0.0, 200.0)? {
            o.margin = m;
        }
        if let Some(s) = number("fontSize", self.font_size.as_ref(), 6.0, 36.0)? {
            o.font_size = s;
        }
        if o.width - 2.0 * o.margin < 100.0 || o.height - 2.0 * o.margin < 100.0 {
            return Err(invalid_settings(format!(
                "a margin of {} pt leaves too little room on the page",
                o.margin
            )));
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let s: LayoutSettings =
            serde_json::from_str(r#"{"pageSize":"letter","orientation":"landscape","margin":36}"#)
                .unwrap();
        let o = s.options().unwrap();
        assert_eq!((o.width, o.height, o.margin), (792.0, 612.0, 36.0));
        let s: LayoutSettings = serde_json::from_str(r#"{"pageSize":"B9"}"#).unwrap();
        assert!(s.options().is_err());
        let s: LayoutSettings = serde_json::from_str(r#"{"margin":900}"#).unwrap();
        assert!(s.options().is_err());
    }
}
