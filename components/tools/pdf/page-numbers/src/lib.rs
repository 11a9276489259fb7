//! `pdf/pdf-page-numbers`: write page numbers on the pages of a PDF.
//!
//! The number on page `p` (1-based position in the document) is `p - 1 + startAt`;
//! `range` only chooses which pages show one (so `{"range":"2-z","startAt":0}` skips a
//! cover page and numbers the next page 1). `format` places `{n}` (the number) and
//! `{total}` (the last number, `pageCount - 1 + startAt`). The text is drawn in the
//! standard Helvetica font with the drawing code of `watermark-pdf` (included by path),
//! so it is real, extractable text; Latin-1 only.

#[path = "../../watermark/src/stamp.rs"]
mod stamp;

use lathe_pdf_kit::{load, one_pdf_tool_info, optional_range, pdf_output, PageTree};
use lathe_tool_sdk::settings::lenient_integer;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;
use stamp::{add_font, encode_latin1, parse_color, stamp_page, Position, Style};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    position: Option<String>,
    font_size: Option<serde_json::Value>,
    format: Option<String>,
    start_at: Option<serde_json::Value>,
    range: Option<String>,
    pages: Option<String>,
    color: Option<String>,
}

/// The positions page numbers may take (top and bottom rows).
const ROWS: [Position; 6] = [
    Position::BottomLeft,
    Position::BottomCenter,
    Position::BottomRight,
    Position::TopLeft,
    Position::TopCenter,
    Position::TopRight,
];

/// The most characters of `format`.
const MAX_FORMAT: usize = 100;

/// The largest `startAt`.
const MAX_START: i64 = 1_000_000;

struct PageNumbers;

impl Tool for PageNumbers {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "pdf-page-numbers",
            "Add Page Numbers",
            "Write page numbers on all or some pages of a PDF.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "position": {"enum": ["bl", "bc", "br", "tl", "tc", "tr"], "default": "bc"},
                    "fontSize": {"type": "integer", "minimum": 6, "maximum": 24, "default": 10},
                    "format": {"type": "string", "default": "{n}", "maxLength": MAX_FORMAT, "description": "text with {n} (page number) and optionally {total}, e.g. \"{n} / {total}\""},
                    "startAt": {"type": "integer", "minimum": 0, "maximum": MAX_START, "default": 1},
                    "range": {"type": "string", "description": "qpdf page range of the pages to number, e.g. 2-z; default all pages"},
                    "pages": {"type": "string", "description": "alias of range"},
                    "color": {"type": "string", "default": "#000000"}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = settings.format.as_deref().unwrap_or("{n}");
        if !format.contains("{n}") || format.chars().count() > MAX_FORMAT {
            return Err(invalid_settings(format!(
                "format must contain {{n}} and have at most {MAX_FORMAT} characters"
            )));
        }
        // Check the characters once, with placeholders standing in for digits.
        encode_latin1(
            &format.replace("{n}", "0").replace("{total}", "0"),
            "format",
        )?;
        let style = Style {
            position: Position::parse(settings.position.as_deref().unwrap_or("bc"), &ROWS)?,
            font_size: lenient_integer(settings.font_size.as_ref(), "fontSize", 6, 24, 10)? as f64,
            opacity: 1.0,
            rotation: 0.0,
            color: parse_color(settings.color.as_deref().unwrap_or("#000000"))?,
            margin: 24.0,
        };
        let start_at = lenient_integer(settings.start_at.as_ref(), "startAt", 0, MAX_START, 1)?;
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let spec = optional_range(&[settings.range.as_deref(), settings.pages.as_deref()]);
        let spec = if spec.eq_ignore_ascii_case("all") {
            ""
        } else {
            spec
        };
        let pages = tree.selected_pages(spec)?;
        let total = i64::from(tree.len()) - 1 + start_at;
        let font = add_font(&mut doc);
        for &(p, page) in &pages {
            let n = i64::from(p) - 1 + start_at;
            let text = format
                .replace("{total}", &total.to_string())
                .replace("{n}", &n.to_string());
            let encoded = encode_latin1(&text, "format")?;
            stamp_page(&mut doc, page, &encoded, &style, font)?;
        }
        Ok(pdf_output(&mut doc, format!("{}.pdf", input.stem()))?
            .with_extra(serde_json::json!({"pageCount": tree.len(), "numberedPages": pages.len()})))
    }
}

lathe_tool_sdk::export_tool!(PageNumbers);
