//! `pdf/extract-pages`: a new PDF of the pages a qpdf page range selects, in that order.
//!
//! Each page is copied with only the objects it reaches; stream data is kept as it is.

use lathe_pdf_kit::{load, parse_page_ranges, save, PageTree, PdfBuilder};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    range: Option<String>,
    pages: Option<String>,
}

struct ExtractPages;

impl Tool for ExtractPages {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "extract-pages",
            section: Section::Pdf,
            name: "Extract Pages",
            description: "Extract the pages a page range selects (e.g. 1-5,8,10-z) into a new PDF, in that order.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "range": {"type": "string", "description": "qpdf page range, e.g. 1-5,8,10-z; z is the last page, rN the N-th from the end, a-b with a > b runs backwards"},
                    "pages": {"type": "string", "description": "alias of range"}
                },
                "required": ["range"]
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
            .range
            .as_deref()
            .or(settings.pages.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_settings("range is required, e.g. \"1-5,8,10-z\""))?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let numbers = parse_page_ranges(spec, tree.len())?;
        let pages: Vec<_> = numbers.iter().filter_map(|&n| tree.page(n)).collect();
        let mut builder = PdfBuilder::new();
        builder.add_pages(&doc, &tree, &pages)?;
        let bytes = save(&mut builder.finish())?;
        Ok(Output::file(OutputFile::new(
            format!("{}-extracted.pdf", input.stem()),
            "application/pdf",
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": pages.len(), "sourcePageCount": tree.len()})))
    }
}

lathe_tool_sdk::export_tool!(ExtractPages);
