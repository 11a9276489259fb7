//! `files/epub-convert`: an EPUB book to one HTML document or to Markdown.
//!
//! The archive is read with limits checked on its central directory before anything is
//! decompressed (at most 2000 entries, 64 MiB per entry, 256 MiB in all, no unsafe names
//! such as `..` or absolute paths, no encrypted entries), and no entry may produce more
//! bytes than it declares (`lathe_zip_kit::CheckedArchive`). `META-INF/container.xml`
//! names the package document, whose spine gives the chapters in reading order
//! (`lathe_zip_kit::epub::spine_of`). Each chapter's `<body>` is reduced by
//! `lathe_zip_kit::epub::chapter`: headings, paragraphs, emphasis, links, lists, quotes,
//! code and tables are kept; scripts, styles, images, forms and every attribute but a
//! link's (non-script) `href` are dropped.
//!
//! PDF and Word output go through the Markdown rendering: its blocks are laid out by
//! `lathe-doc-pdf` (optional `pageSize`, `orientation`, `margin`, `fontSize` settings) or
//! written as `.docx` paragraphs (`lathe_doc_pdf::blocks_to_docx`), each chapter starting
//! a new page.

use lathe_doc_pdf::{blocks_to_docx, markdown_blocks, LayoutSettings, PDF_MIME};
use lathe_docx_kit::DOCX_MIME;
use lathe_tool_sdk::escape_markup as escape;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use lathe_zip_kit::epub::chapter::{to_html, to_markdown, walk, Md};
use lathe_zip_kit::epub::spine_of;
use lathe_zip_kit::{CheckedArchive, Limits, Wording};
use serde::Deserialize;

/// The archive's limits: 2000 entries, 64 MiB per entry, 256 MiB in all.
const LIMITS: Limits = Limits {
    max_entries: 2000,
    max_entry_bytes: 64 << 20,
    max_total_bytes: 256 << 20,
    max_ratio: None,
    skip_symlinks: false,
    stored_or_deflated_only: false,
};
/// How errors name the archive.
const WORDING: Wording = Wording {
    unreadable: "not a readable EPUB (ZIP) file",
    noun: "book",
    entries: "entries",
    encrypted_note: "",
    mismatch_shows_size: false,
};

#[derive(Debug, Deserialize)]
struct Settings {
    format: Option<serde_json::Value>,
    #[serde(flatten)]
    layout: LayoutSettings,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Html,
    Markdown,
    Pdf,
    Docx,
}

/// The `format` setting.
fn format(value: Option<&serde_json::Value>) -> Result<Format, ToolError> {
    let Some(value) = value else {
        return Err(invalid_settings(
            "format is required (pdf, docx, html or md)",
        ));
    };
    let text = value.as_str().map(|s| s.trim().to_ascii_lowercase());
    match text.as_deref() {
        Some("html") => Ok(Format::Html),
        Some("md" | "markdown") => Ok(Format::Markdown),
        Some("pdf") => Ok(Format::Pdf),
        Some("docx" | "word") => Ok(Format::Docx),
        _ => Err(invalid_settings(format!(
            "format must be pdf, docx, html or md, got {value}"
        ))),
    }
}

/// Converts the book; returns the document bytes, the title and the chapter count.
fn convert(
    data: Vec<u8>,
    fallback: &str,
    format: Format,
) -> Result<(Vec<u8>, String, usize), ToolError> {
    let mut book = CheckedArchive::open(data, &LIMITS, &WORDING)?;
    let (title, chapters) = spine_of(&mut book)?;
    let title = title.unwrap_or_else(|| fallback.to_string());
    let mut html = String::new();
    let mut md = Md::new();
    let mut count = 0;
    for path in &chapters {
        let Ok(xhtml) = book.read_named(path) else {
            continue;
        };
        let nodes = walk(&xhtml);
        count += 1;
        match format {
            Format::Html => {
                html.push_str(&format!(
                    "<section class=\"chapter\" id=\"chapter-{count}\">\n"
                ));
                to_html(&nodes, &mut html);
                html.push_str("</section>\n");
            }
            Format::Markdown | Format::Pdf | Format::Docx => {
                if count > 1 && format != Format::Markdown {
                    md.out.push_str("<!-- pagebreak -->\n\n");
                }
                to_markdown(&nodes, &mut md);
                md.end_chapter();
            }
        }
    }
    if count == 0 {
        return Err(unsupported("none of the book's chapters could be read"));
    }
    let bytes = match format {
        Format::Html => format!(
            "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>body{{max-width:46rem;margin:2rem auto;padding:0 1rem;font-family:system-ui,sans-serif;line-height:1.6}}</style>\n</head>\n<body>\n{html}</body>\n</html>\n",
            escape(&title)
        )
        .into_bytes(),
        Format::Markdown => {
            let mut out = md.out.trim_end().to_string();
            out.push('\n');
            out.into_bytes()
        }
        Format::Pdf | Format::Docx => return Ok((md.out.into_bytes(), title, count)),
    };
    Ok((bytes, title, count))
}

struct EpubConvert;

impl Tool for EpubConvert {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "epub-convert",
            section: Section::Files,
            name: "Convert EPUB",
            description: "Convert an EPUB book to PDF, Word (.docx), a single HTML document or Markdown, chapters in reading order.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "format": {"enum": ["pdf", "docx", "html", "md"], "description": "output format"},
                    "pageSize": {"enum": ["A4", "Letter", "Legal", "A3", "A5"], "default": "A4", "description": "pdf only"},
                    "orientation": {"enum": ["portrait", "landscape"], "default": "portrait", "description": "pdf only"},
                    "margin": {"type": "number", "minimum": 0, "maximum": 200, "default": 56.69, "description": "pdf only, points"},
                    "fontSize": {"type": "number", "minimum": 6, "maximum": 36, "default": 11, "description": "pdf only, points"}
                },
                "required": ["format"]
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["epub"],
            produces: Produces::by_setting("format", &["pdf", "docx", "html", "md"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = format(settings.format.as_ref())?;
        let mut layout = settings.layout.options()?;
        let input = inputs
            .into_iter()
            .next()
            .ok_or_else(|| unsupported("no file was given"))?;
        let stem = input.stem().to_string();
        let (bytes, title, chapters) = convert(input.data, &stem, format)?;
        let file = match format {
            Format::Html => OutputFile::new(format!("{stem}.html"), "text/html", bytes),
            Format::Markdown => OutputFile::new(format!("{stem}.md"), "text/markdown", bytes),
            Format::Pdf => {
                let markdown = String::from_utf8_lossy(&bytes);
                layout.title = Some(title.clone());
                let (pdf, _) = lathe_doc_pdf::render(&markdown_blocks(&markdown), &layout)?;
                OutputFile::new(format!("{stem}.pdf"), PDF_MIME, pdf)
            }
            Format::Docx => {
                let markdown = String::from_utf8_lossy(&bytes);
                let docx = blocks_to_docx(&markdown_blocks(&markdown)).finish(&title)?;
                OutputFile::new(format!("{stem}.docx"), DOCX_MIME, docx)
            }
        };
        Ok(
            Output::file(file)
                .with_extra(serde_json::json!({"title": title, "chapters": chapters})),
        )
    }
}

lathe_tool_sdk::export_tool!(EpubConvert);
