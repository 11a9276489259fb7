//! `pdf/watermark-pdf`: draw a line of text across every page of a PDF.
//!
//! The text is set in the standard Helvetica font (Latin-1 only; nothing is embedded),
//! in a colour, at an opacity (an `ExtGState`) and a rotation, at one of nine positions.
//! It is real text: it can be selected and extracted afterwards. See [`stamp`].

pub mod stamp;

use lathe_pdf_kit::{load, one_pdf_tool_info, pdf_output, PageTree};
use lathe_tool_sdk::settings::lenient_number;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;
use stamp::{add_font, encode_latin1, parse_color, stamp_page, Position, Style};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    text: Option<String>,
    position: Option<String>,
    font_size: Option<serde_json::Value>,
    opacity: Option<serde_json::Value>,
    rotation: Option<serde_json::Value>,
    color: Option<String>,
}

/// All nine positions.
const ALL: [Position; 9] = [
    Position::TopLeft,
    Position::TopCenter,
    Position::TopRight,
    Position::Left,
    Position::Center,
    Position::Right,
    Position::BottomLeft,
    Position::BottomCenter,
    Position::BottomRight,
];

struct Watermark;

impl Tool for Watermark {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "watermark-pdf",
            "Watermark PDF",
            "Stamp a text watermark on every page of a PDF.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "text": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Latin-1 text"},
                    "position": {"enum": ["tl", "tc", "tr", "l", "c", "r", "bl", "bc", "br"], "default": "c"},
                    "fontSize": {"type": "integer", "minimum": 6, "maximum": 72, "default": 48},
                    "opacity": {"type": "number", "minimum": 0.05, "maximum": 1, "default": 0.3},
                    "rotation": {"type": "number", "minimum": -180, "maximum": 180, "default": 45},
                    "color": {"type": "string", "pattern": "^#?[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$", "default": "#808080"}
                },
                "required": ["text"]
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let text = settings.text.as_deref().unwrap_or("");
        if text.trim().is_empty() || text.chars().count() > 200 {
            return Err(invalid_settings("text is required (1 to 200 characters)"));
        }
        let encoded = encode_latin1(text, "text")?;
        let font_size = lenient_number(settings.font_size.as_ref(), "fontSize", 6.0, 72.0, 48.0)?;
        if font_size.fract() != 0.0 {
            return Err(invalid_settings(
                "fontSize must be a whole number from 6 to 72",
            ));
        }
        let style = Style {
            position: Position::parse(settings.position.as_deref().unwrap_or("c"), &ALL)?,
            font_size,
            opacity: lenient_number(settings.opacity.as_ref(), "opacity", 0.05, 1.0, 0.3)?,
            rotation: lenient_number(settings.rotation.as_ref(), "rotation", -180.0, 180.0, 45.0)?,
            color: parse_color(settings.color.as_deref().unwrap_or("#808080"))?,
            margin: 36.0,
        };
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let font = add_font(&mut doc);
        let mut seen = std::collections::HashSet::new();
        for &page in &tree.pages {
            if seen.insert(page) {
                stamp_page(&mut doc, page, &encoded, &style, font)?;
            }
        }
        Ok(pdf_output(&mut doc, format!("{}.pdf", input.stem()))?
            .with_extra(serde_json::json!({"pageCount": tree.len()})))
    }
}

lathe_tool_sdk::export_tool!(Watermark);
