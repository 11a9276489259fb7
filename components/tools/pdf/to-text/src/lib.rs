//! `pdf/pdf-to-text`: the text of every page of a PDF, in page order.
//!
//! Each page's text comes from lopdf's `extract_text` (text operators in content-stream
//! order, decoded through the page fonts' encodings). Pages are separated by a form feed
//! (`\f`, as `pdftotext` does), so a reader can split the result back into pages; the text
//! of each page has its trailing whitespace trimmed and ends with a newline. Pages without
//! text (scans) give empty pages: this tool does not do OCR. PDFs over 5,000 pages are
//! refused with 413 before any page is read.

use lathe_pdf_kit::{load, page_text};
use lathe_tool_sdk::{
    parse_settings, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Most pages read: a longer PDF is refused (413) before any page is read, so a call stays
/// well inside the per-call time limit (split it with `split-pdf` first).
const MAX_PAGES: u32 = 5000;

/// Most characters of output text.
const MAX_CHARS: usize = 64 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct Settings {}

struct PdfToText;

impl Tool for PdfToText {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("pdf-to-text", Section::Pdf, "PDF to Text", "Extract the text of every page of a PDF as plain text (pages separated by form feeds)."),
            serde_json::json!({}),
            &["pdf"],
            Produces::types(&["txt"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let input = &inputs[0];
        let doc = load(input)?;
        let count = doc.get_pages().len() as u32;
        if count > MAX_PAGES {
            return Err(ToolError::TooLarge(format!(
                "the PDF has {count} pages; pdf-to-text reads at most {MAX_PAGES} (split it with split-pdf first)"
            )));
        }
        let mut text = String::new();
        for number in 1..=count {
            if number > 1 {
                text.push('\u{c}');
            }
            let page = page_text(&doc, number)?;
            text.push_str(&page);
            text.push('\n');
            if text.len() > MAX_CHARS {
                return Err(ToolError::TooLarge(format!(
                    "the text is longer than {} MiB",
                    MAX_CHARS / (1024 * 1024)
                )));
            }
        }
        let characters = text.chars().count();
        Ok(Output::file(OutputFile::new(
            format!("{}.txt", input.stem()),
            "text/plain",
            text.into_bytes(),
        ))
        .with_extra(serde_json::json!({"pageCount": count, "characters": characters})))
    }
}

lathe_tool_sdk::export_tool!(PdfToText);
