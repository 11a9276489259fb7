//! `pdf/rotate-pdf`: rotate pages of a PDF by 90, 180 or 270 degrees.
//!
//! The angle is added to each selected page's effective `/Rotate` (its own or the one it
//! inherits from the page tree) modulo 360; nothing else in the document changes.

use lathe_pdf_kit::{
    effective_rotate, load, one_pdf_tool_info, optional_range, pdf_output, set_page_entry, PageTree,
};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    angle: Option<serde_json::Value>,
    range: Option<String>,
    pages: Option<String>,
}

/// The angle as a clockwise rotation in `{90, 180, 270}` (`-90` is `270`).
fn angle(value: Option<&serde_json::Value>) -> Result<i64, ToolError> {
    let Some(value) = value else {
        return Err(invalid_settings("angle is required (90, 180 or 270)"));
    };
    let number = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    // Whole degrees only: 90.0 is 90, 90.5 is refused.
    let degrees = number
        .filter(|a| a.fract() == 0.0 && a.abs() <= 360.0)
        .map(|a| a as i64);
    match degrees {
        Some(90) => Ok(90),
        Some(180 | -180) => Ok(180),
        Some(270 | -90) => Ok(270),
        _ => Err(invalid_settings(format!(
            "angle must be 90, 180 or 270, got {value}"
        ))),
    }
}

struct Rotate;

impl Tool for Rotate {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "rotate-pdf",
            "Rotate PDF",
            "Rotate all or some pages of a PDF by 90, 180 or 270 degrees.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "angle": {"enum": [90, 180, 270, -90]},
                    "range": {"type": "string", "description": "qpdf page range, e.g. 1-3,5,z; default all pages"},
                    "pages": {"type": "string", "description": "alias of range"}
                },
                "required": ["angle"]
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let angle = angle(settings.angle.as_ref())?;
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let spec = optional_range(&[settings.range.as_deref(), settings.pages.as_deref()]);
        let pages = tree.selected_pages(spec)?;
        for &(_, page) in &pages {
            let rotate = (effective_rotate(&doc, page) + angle).rem_euclid(360);
            set_page_entry(&mut doc, page, "Rotate", rotate)?;
        }
        Ok(pdf_output(&mut doc, format!("{}.pdf", input.stem()))?
            .with_extra(serde_json::json!({"pageCount": tree.len(), "rotatedPages": pages.len()})))
    }
}

lathe_tool_sdk::export_tool!(Rotate);
