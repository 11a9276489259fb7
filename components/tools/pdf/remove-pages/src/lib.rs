//! `pdf/remove-pages`: a new PDF without the pages a qpdf page range selects.
//!
//! The remaining pages keep their order and are copied with only the objects they reach.

use std::collections::HashSet;

use lathe_pdf_kit::{load, parse_page_ranges, save, PageTree, PdfBuilder};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
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
        let spec = settings
            .pages
            .as_deref()
            .or(settings.range.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_settings("pages is required, e.g. \"2-3,z\""))?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let removed: HashSet<u32> = parse_page_ranges(spec, tree.len())?.into_iter().collect();
        let kept: Vec<_> = (1..=tree.len())
            .filter(|n| !removed.contains(n))
            .filter_map(|n| tree.page(n))
            .collect();
        if kept.is_empty() {
            return Err(invalid_settings(
                "this would remove every page; a PDF needs at least one",
            ));
        }
        let mut builder = PdfBuilder::new();
        builder.add_pages(&doc, &tree, &kept)?;
        let bytes = save(&mut builder.finish())?;
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            "application/pdf",
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": kept.len(), "removedPages": removed.len()})))
    }
}

lathe_tool_sdk::export_tool!(RemovePages);
