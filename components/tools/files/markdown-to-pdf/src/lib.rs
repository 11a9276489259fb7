//! `files/markdown-to-pdf`: Markdown (CommonMark plus tables, strikethrough and task lists)
//! to a PDF with selectable text, laid out by `lathe-doc-pdf`.
//!
//! Headings, paragraphs (word-wrapped), bold, italic, strikethrough, links (blue, no remote
//! fetching), lists, code blocks in monospace, block quotes, horizontal rules and simple
//! tables are kept; images show their alternative text and raw HTML its text. An HTML
//! comment or element mentioning `pagebreak`/`page-break`, or a paragraph of only
//! `\pagebreak` or `\newpage`, starts a new page. Optional settings: `pageSize` (A4,
//! Letter, Legal, A3, A5; default A4), `orientation`, `margin` (points, default 56.7 = 2 cm)
//! and `fontSize` (points, default 11).

use lathe_doc_pdf::{markdown_blocks, render, Block, LayoutSettings, PDF_MIME};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};

/// The most bytes of Markdown accepted.
const MAX_INPUT: usize = 16 << 20;

struct MarkdownToPdf;

impl Tool for MarkdownToPdf {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("markdown-to-pdf", Section::Files, "Markdown to PDF", "Convert Markdown to a paginated PDF with selectable text: headings, lists, code, quotes, tables."),
            serde_json::json!({
                "pageSize": {"enum": ["A4", "Letter", "Legal", "A3", "A5"], "default": "A4"},
                "orientation": {"enum": ["portrait", "landscape"], "default": "portrait"},
                "margin": {"type": "number", "minimum": 0, "maximum": 200, "default": 56.69, "description": "points"},
                "fontSize": {"type": "number", "minimum": 6, "maximum": 36, "default": 11, "description": "points"}
            }),
            &["md", "markdown", "txt"],
            Produces::types(&["pdf"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let layout: LayoutSettings = parse_settings(settings)?;
        let mut options = layout.options()?;
        let input = inputs.first().ok_or_else(|| unsupported("no input file"))?;
        let markdown = input.text(MAX_INPUT)?;
        let blocks = markdown_blocks(markdown);
        if blocks.is_empty() {
            return Err(unsupported(format!("'{}' has no text", input.name)));
        }
        options.title = blocks
            .iter()
            .find_map(|b| match b {
                Block::Heading { spans, .. } => {
                    Some(spans.iter().map(|s| s.text.as_str()).collect::<String>())
                }
                _ => None,
            })
            .or_else(|| Some(input.stem().to_string()));
        let (bytes, pages) = render(&blocks, &options)?;
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            PDF_MIME,
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": pages})))
    }
}

lathe_tool_sdk::export_tool!(MarkdownToPdf);
