//! `pdf/organize-pdf`: reorder the pages of a PDF (repeats allowed, pages left out dropped).
//!
//! The order is a qpdf page range such as `3,1,2,5-z`; pages are copied with only the
//! objects they reach.

use lathe_pdf_kit::{load, parse_page_ranges, save, PageTree, PdfBuilder};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    order: Option<String>,
}

struct Organize;

impl Tool for Organize {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "organize-pdf",
            section: Section::Pdf,
            name: "Organize PDF",
            description: "Reorder the pages of a PDF (e.g. 3,1,2,5-z); pages may repeat, pages not named are dropped.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "order": {"type": "string", "description": "qpdf page range giving the new order, e.g. 3,1,2,5-z"}
                },
                "required": ["order"]
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["pdf"],
            produces: Produces::types(&["pdf"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let spec = settings
            .order
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_settings("order is required, e.g. \"3,1,2,5-z\""))?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let numbers = parse_page_ranges(spec, tree.len())?;
        let pages: Vec<_> = numbers.iter().filter_map(|&n| tree.page(n)).collect();
        let mut builder = PdfBuilder::new();
        builder.add_pages(&doc, &tree, &pages)?;
        let bytes = save(&mut builder.finish())?;
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            "application/pdf",
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": pages.len(), "sourcePageCount": tree.len()})))
    }
}

lathe_tool_sdk::export_tool!(Organize);
