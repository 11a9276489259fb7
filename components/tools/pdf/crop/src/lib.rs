//! `pdf/crop-pdf`: trim the same margin from every side of every page.
//!
//! Each page's visible box (its inherited CropBox clipped to its MediaBox, or the MediaBox)
//! is inset by the margin and set as the page's own `/CropBox`; the MediaBox and the page
//! content are left as they are.

use lathe_pdf_kit::impose::visible_box;
use lathe_pdf_kit::{load, one_pdf_tool_info, pdf_output, set_page_entry, PageTree};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The largest margin, in points.
const MAX_MARGIN: f64 = 2000.0;

/// The margin when none is given, in points.
const DEFAULT_MARGIN: f64 = 20.0;

#[derive(Debug, Deserialize)]
struct Settings {
    margin: Option<serde_json::Value>,
}

/// The margin in points, `0..=2000`.
fn margin(value: Option<&serde_json::Value>) -> Result<f64, ToolError> {
    let Some(value) = value else {
        return Ok(DEFAULT_MARGIN);
    };
    let number = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        serde_json::Value::Null => Some(DEFAULT_MARGIN),
        _ => None,
    };
    match number {
        Some(m) if m.is_finite() && (0.0..=MAX_MARGIN).contains(&m) => Ok(m),
        _ => Err(invalid_settings(format!(
            "margin must be a number of points from 0 to {MAX_MARGIN}, got {value}"
        ))),
    }
}

struct Crop;

impl Tool for Crop {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "crop-pdf",
            "Crop PDF",
            "Trim a margin (in points) from every side of every page by setting its CropBox.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "margin": {"type": "number", "minimum": 0, "maximum": MAX_MARGIN, "default": DEFAULT_MARGIN, "description": "points trimmed from each side"}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let margin = margin(settings.margin.as_ref())?;
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let mut boxes = Vec::with_capacity(tree.pages.len());
        for (i, &page) in tree.pages.iter().enumerate() {
            let mut rect = visible_box(&doc, page);
            if rect.width() <= 2.0 * margin || rect.height() <= 2.0 * margin {
                return Err(invalid_settings(format!(
                    "a margin of {margin} pt leaves nothing of page {} ({:.0} x {:.0} pt)",
                    i + 1,
                    rect.width(),
                    rect.height()
                )));
            }
            rect.x0 += margin;
            rect.y0 += margin;
            rect.x1 -= margin;
            rect.y1 -= margin;
            boxes.push((page, rect));
        }
        for (page, rect) in boxes {
            set_page_entry(&mut doc, page, "CropBox", rect.to_object())?;
        }
        Ok(pdf_output(&mut doc, format!("{}.pdf", input.stem()))?
            .with_extra(serde_json::json!({"pageCount": tree.len(), "margin": margin})))
    }
}

lathe_tool_sdk::export_tool!(Crop);
