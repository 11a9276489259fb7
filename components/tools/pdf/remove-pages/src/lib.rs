//! `pdf/remove-pages`: a new PDF without the pages a qpdf page range selects.
//!
//! The remaining pages keep their order and are copied with only the objects they reach.

use std::collections::HashSet;

use lathe_pdf_kit::{load, parse_page_ranges, pdf_of_pages, required_range, PageTree};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    pages: Option<String>,
    range: Option<String>,
}

struct RemovePages;

impl Tool for RemovePages {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "remove-pages",
            section: Section::Pdf,
            name: "Remove Pages",
            description: "Remove the pages a page range selects (e.g. 2-3,z) from a PDF.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "pages": {"type": "string", "description": "qpdf page range of the pages to remove, e.g. 2-3,z"},
                    "range": {"type": "string", "description": "alias of pages"}
                },
                "required": ["pages"]
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["pdf"],
            produces: Produces::types(&["pdf"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let spec = required_range(
            &[settings.pages.as_deref(), settings.range.as_deref()],
            "pages",
            "2-3,z",
        )?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let removed: HashSet<u32> = parse_page_ranges(spec, tree.len())?.into_iter().collect();
        let kept: Vec<u32> = (1..=tree.len()).filter(|n| !removed.contains(n)).collect();
        if kept.is_empty() {
            return Err(invalid_settings(
                "this would remove every page; a PDF needs at least one",
            ));
        }
        let output = pdf_of_pages(&doc, &tree, &kept, format!("{}.pdf", input.stem()))?;
        Ok(output.with_extra(serde_json::json!({
            "pageCount": kept.len(), "sourcePageCount": tree.len(), "removedPages": removed.len(),
        })))
    }
}

lathe_tool_sdk::export_tool!(RemovePages);
