//! `pdf/rotate-pdf`: rotate pages of a PDF by 90, 180 or 270 degrees.
//!
//! The angle is added to each selected page's effective `/Rotate` (its own or the one it
//! inherits from the page tree) modulo 360; nothing else in the document changes.

use std::collections::HashSet;

use lathe_pdf_kit::{effective_rotate, load, parse_page_ranges, save, PageTree};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
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
        ToolInfo {
            id: "rotate-pdf",
            section: Section::Pdf,
            name: "Rotate PDF",
            description: "Rotate all or some pages of a PDF by 90, 180 or 270 degrees.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "angle": {"enum": [90, 180, 270, -90]},
                    "range": {"type": "string", "description": "qpdf page range, e.g. 1-3,5,z; default all pages"},
                    "pages": {"type": "string", "description": "alias of range"}
                },
                "required": ["angle"]
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["pdf"],
            produces: Produces::types(&["pdf"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let angle = angle(settings.angle.as_ref())?;
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let spec = settings
            .range
            .as_deref()
            .or(settings.pages.as_deref())
            .map(str::trim)
            .unwrap_or("");
        let numbers = if spec.is_empty() {
            (1..=tree.len()).collect()
        } else {
            parse_page_ranges(spec, tree.len())?
        };
        let mut done = HashSet::new();
        for n in numbers {
            let Some(page) = tree.page(n) else { continue };
            if !done.insert(page) {
                continue;
            }
            let rotate = (effective_rotate(&doc, page) + angle).rem_euclid(360);
            doc.get_dictionary_mut(page)
                .map_err(|_| {
                    ToolError::UnsupportedInput("a page of the PDF is not a dictionary".into())
                })?
                .set("Rotate", rotate);
        }
        let bytes = save(&mut doc)?;
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            "application/pdf",
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": tree.len(), "rotatedPages": done.len()})))
    }
}

lathe_tool_sdk::export_tool!(Rotate);
