//! `pdf/organize-pdf`: reorder the pages of a PDF (repeats allowed, pages left out dropped).
//!
//! The order is a qpdf page range such as `3,1,2,5-z`; pages are copied with only the
//! objects they reach.

use lathe_pdf_kit::{load_range, one_pdf_tool_info, pdf_of_pages, required_range};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    order: Option<String>,
}

struct Organize;

impl Tool for Organize {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "organize-pdf",
            "Organize PDF",
            "Reorder the pages of a PDF (e.g. 3,1,2,5-z); pages may repeat, pages not named are dropped.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "order": {"type": "string", "description": "qpdf page range giving the new order, e.g. 3,1,2,5-z"}
                },
                "required": ["order"]
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let spec = required_range(&[settings.order.as_deref()], "order", "3,1,2,5-z")?;
        let input = &inputs[0];
        let (doc, tree, numbers) = load_range(input, spec)?;
        pdf_of_pages(&doc, &tree, &numbers, format!("{}.pdf", input.stem()))
    }
}

lathe_tool_sdk::export_tool!(Organize);
