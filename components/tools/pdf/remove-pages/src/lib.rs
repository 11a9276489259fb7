//! `pdf/remove-pages`: a new PDF without the pages a qpdf page range selects.
//!
//! The remaining pages keep their order and are copied with only the objects they reach.

use std::collections::HashSet;

use lathe_pdf_kit::{
    load_range, one_pdf_tool_info, pdf_of_pages, required_range, required_range_schema,
};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    pages: Option<String>,
    range: Option<String>,
}

struct RemovePages;

impl Tool for RemovePages {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "remove-pages",
            "Remove Pages",
            "Remove the pages a page range selects (e.g. 2-3,z) from a PDF.",
            required_range_schema(
                "pages",
                "range",
                "qpdf page range of the pages to remove, e.g. 2-3,z",
            ),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let spec = required_range(
            &[settings.pages.as_deref(), settings.range.as_deref()],
            "pages",
            "2-3,z",
        )?;
        let input = &inputs[0];
        let (doc, tree, numbers) = load_range(input, spec)?;
        let removed: HashSet<u32> = numbers.into_iter().collect();
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
