//! `pdf/pdf-to-word`: the text of every page of a PDF as a Word (`.docx`) document.
//!
//! Each page's text is extracted as `pdf/pdf-to-text` does (lopdf's `extract_text`: text
//! operators in content-stream order, decoded through the page fonts' encodings). Every
//! text line becomes one paragraph and a page break separates the pages. Layout, images
//! and fonts are not kept, and scanned pages give empty pages: this tool does not do OCR.

use lathe_docx_kit::{DocxBuilder, DOCX_MIME};
use lathe_pdf_kit::{load, page_text};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};
use serde::Deserialize;

/// Most bytes of document XML written.
const MAX_XML: usize = 128 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct Settings {}

struct PdfToWord;

impl Tool for PdfToWord {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("pdf-to-word", Section::Pdf, "PDF to Word", "Extract the text of every page of a PDF into a Word (.docx) document, one paragraph per line and a page break between pages."),
            serde_json::json!({}),
            &["pdf"],
            Produces::types(&["docx"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no input file"))?;
        let doc = load(input)?;
        let count = doc.get_pages().len() as u32;
        let mut docx = DocxBuilder::new();
        let mut characters = 0usize;
        for number in 1..=count {
            if number > 1 {
                docx.page_break();
            }
            let text = page_text(&doc, number)?;
            let text = text.trim_start_matches(['\n', '\r']);
            for line in text.lines() {
                let line = line.trim_end();
                characters += line.chars().count();
                docx.text_paragraph(line);
            }
            if docx.xml_len() > MAX_XML {
                return Err(ToolError::TooLarge(format!(
                    "the document is larger than {} MiB",
                    MAX_XML / (1024 * 1024)
                )));
            }
        }
        let bytes = docx.finish(input.stem())?;
        Ok(Output::file(OutputFile::new(
            format!("{}.docx", input.stem()),
            DOCX_MIME,
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": count, "characters": characters})))
    }
}

lathe_tool_sdk::export_tool!(PdfToWord);
