//! `pdf/extract-pages`: a new PDF of the pages a qpdf page range selects, in that order.
//!
//! Each page is copied with only the objects it reaches; stream data is kept as it is.

use lathe_pdf_kit::{
    load_range, one_pdf_tool_info, pdf_of_pages, required_range, required_range_schema,
};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    range: Option<String>,
    pages: Option<String>,
}

struct ExtractPages;

impl Tool for ExtractPages {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "extract-pages",
            "Extract Pages",
            "Extract the pages a page range selects (e.g. 1-5,8,10-z) into a new PDF, in that order.",
            required_range_schema(
                "range",
                "pages",
                "qpdf page range, e.g. 1-5,8,10-z; z is the last page, rN the N-th from the end, a-b with a > b runs backwards",
            ),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let spec = required_range(
            &[settings.range.as_deref(), settings.pages.as_deref()],
            "range",
            "1-5,8,10-z",
        )?;
        let input = &inputs[0];
        let (doc, tree, numbers) = load_range(input, spec)?;
        pdf_of_pages(
            &doc,
            &tree,
            &numbers,
            format!("{}-extracted.pdf", input.stem()),
        )
    }
}

lathe_tool_sdk::export_tool!(ExtractPages);
