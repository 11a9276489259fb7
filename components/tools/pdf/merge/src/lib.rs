//! `pdf/merge-pdf`: merge several PDFs, in upload order, into one.
//!
//! Each document's pages are moved into one new page tree with only the objects they
//! reach; inherited page attributes are copied onto the pages. Stream data is kept as it is
//! (never decoded or recompressed). Outlines, forms and other catalog-level structures of
//! the inputs are not carried over.

use lathe_pdf_kit::{load, save, PdfBuilder};
use lathe_tool_sdk::{
    parse_settings, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Merge takes no settings; unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct Settings {}

struct Merge;

impl Tool for Merge {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "merge-pdf",
            section: Section::Pdf,
            name: "Merge PDFs",
            description: "Combine several PDF files into one, in upload order.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 2,
            max_inputs: 20,
            accepts: &["pdf"],
            produces: Produces::types(&["pdf"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let mut builder = PdfBuilder::new();
        for input in &inputs {
            let doc = load(input)?;
            builder.append_document(doc)?;
        }
        let pages = builder.page_count();
        let bytes = save(&mut builder.finish())?;
        Ok(
            Output::file(OutputFile::new("merged.pdf", "application/pdf", bytes))
                .with_extra(serde_json::json!({"pageCount": pages, "fileCount": inputs.len()})),
        )
    }
}

lathe_tool_sdk::export_tool!(Merge);
