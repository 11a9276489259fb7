//! `files/markdown-to-docx`: Markdown (CommonMark plus tables, strikethrough and task
//! lists) to a Word `.docx` document.
//!
//! Headings use the `Heading1` … `Heading6` styles, paragraphs the `Normal` style, bold,
//! italic, strikethrough and inline code keep their formatting, list items become indented
//! `ListParagraph` paragraphs starting with `•` or their number, code blocks become
//! monospace `Code` paragraphs (one per line) and links keep their text. Images are shown
//! as their alternative text; raw HTML as text. Table rows become paragraphs with cells
//! separated by tabs.

use lathe_docx_kit::{DocxBuilder, Paragraph, Run, Style, DOCX_MIME};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

/// The most bytes of Markdown accepted.
const MAX_INPUT: usize = 32 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct Settings {}

/// One open list: `None` for bullets, `Some(next number)` for an ordered list.
type ListState = Option<u64>;

/// Converts Markdown to a document; returns the builder.
fn convert(markdown: &str) -> DocxBuilder {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut doc = DocxBuilder::new();
    let mut current: Option<Paragraph> = None;
    let mut lists: Vec<ListState> = Vec::new();
    let (mut bold, mut italic, mut strike) = (0u32, 0u32, 0u32);
    let mut quote = 0u8;
    let mut in_code_block = false;
    let mut code_text = String::new();
    let mut pending_prefix: Option<String> = None;

    fn flush(doc: &mut DocxBuilder, current: &mut Option<Paragraph>) {
        if let Some(p) = current.take() {
            if p.runs.iter().any(|r| !r.text.trim().is_empty()) {
                doc.paragraph(&p);
            }
        }
    }

    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut doc, &mut current);
                // HeadingLevel numbers its variants from H1 = 1.
                let n = level as u8;
                current = Some(Paragraph {
                    style: Style::Heading(n),
                    indent: 0,
                    runs: Vec::new(),
                });
            }
            Event::Start(Tag::Paragraph)
            | Event::Start(Tag::TableRow)
            | Event::Start(Tag::TableHead) => {
                // A paragraph directly inside a list item continues the item's paragraph.
                if current
                    .as_ref()
                    .is_some_and(|p| p.style == Style::ListItem && p.runs.len() <= 1)
                {
                    continue;
                }
                flush(&mut doc, &mut current);
                let style = if quote > 0 {
                    Style::Quote
                } else if !lists.is_empty() {
                    Style::ListItem
                } else {
                    Style::Normal
                };
                current = Some(Paragraph {
                    style,
                    indent: if style == Style::ListItem {
                        lists.len() as u8 + 1
                    } else {
                        0
                    },
                    runs: Vec::new(),
                });
            }
            Event::End(TagEnd::Paragraph)
            | Event::End(TagEnd::Heading(_))
            | Event::End(TagEnd::TableRow)
            | Event::End(TagEnd::TableHead) => {
                flush(&mut doc, &mut current);
            }
            Event::Start(Tag::TableCell) => {
                if let Some(p) = current.as_mut() {
                    if !p.runs.is_empty() {
                        p.runs.push(Run::plain("\t"));
                    }
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                flush(&mut doc, &mut current);
                quote = quote.saturating_add(1);
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                flush(&mut doc, &mut current);
                quote = quote.saturating_sub(1);
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut doc, &mut current);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut doc, &mut current);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut doc, &mut current);
                let prefix = match lists.last_mut() {
                    Some(Some(n)) => {
                        let s = format!("{n}.\t");
                        *n = n.saturating_add(1);
                        s
                    }
                    _ => "•\t".to_string(),
                };
                current = Some(Paragraph {
                    style: Style::ListItem,
                    indent: lists.len().min(10) as u8 + 1,
                    runs: vec![Run::plain(prefix)],
                });
            }
            Event::End(TagEnd::Item) => flush(&mut doc, &mut current),
            Event::Start(Tag::CodeBlock(_)) => {
                flush(&mut doc, &mut current);
                in_code_block = true;
                code_text.clear();
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                let text = code_text.strip_suffix('\n').unwrap_or(&code_text);
                for line in text.split('\n') {
                    doc.paragraph(&Paragraph {
                        style: Style::Code,
                        indent: 0,
                        runs: vec![Run {
                            text: line.trim_end_matches('\r').to_string(),
                            code: true,
                            ..Run::default()
                        }],
                    });
                }
                code_text.clear();
            }
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::Start(Tag::Strikethrough) => strike += 1,
            Event::End(TagEnd::Strikethrough) => strike = strike.saturating_sub(1),
            Event::TaskListMarker(done) => {
                pending_prefix = Some(if done { "☑ " } else { "☐ " }.to_string());
            }
            Event::Text(ref t)
            | Event::Html(ref t)
            | Event::InlineHtml(ref t)
            | Event::Code(ref t)
            | Event::InlineMath(ref t)
            | Event::DisplayMath(ref t) => {
                if in_code_block {
                    code_text.push_str(t);
                    continue;
                }
                let code = matches!(event, Event::Code(_));
                let p = current.get_or_insert_with(|| Paragraph {
                    style: if quote > 0 {
                        Style::Quote
                    } else {
                        Style::Normal
                    },
                    indent: 0,
                    runs: Vec::new(),
                });
                if let Some(prefix) = pending_prefix.take() {
                    p.runs.push(Run::plain(prefix));
                }
                let text = if matches!(event, Event::Html(_)) {
                    t.trim_end_matches('\n').to_string()
                } else {
                    t.to_string()
                };
                p.runs.push(Run {
                    text,
                    bold: bold > 0,
                    italic: italic > 0,
                    strike: strike > 0,
                    code,
                });
            }
            Event::SoftBreak => {
                if let Some(p) = current.as_mut() {
                    p.runs.push(Run::plain(" "));
                }
            }
            Event::HardBreak => {
                if let Some(p) = current.as_mut() {
                    p.runs.push(Run::plain("\n"));
                }
            }
            Event::Rule => {
                flush(&mut doc, &mut current);
                doc.text_paragraph("———");
            }
            _ => {}
        }
    }
    flush(&mut doc, &mut current);
    doc
}

struct MarkdownToDocx;

impl Tool for MarkdownToDocx {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("markdown-to-docx", Section::Files, "Markdown to Word", "Convert Markdown to a Word (.docx) document with headings, lists, formatting and code blocks."),
            serde_json::json!({}),
            &["md", "markdown", "txt"],
            Produces::types(&["docx"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no input file"))?;
        let markdown = input.text(MAX_INPUT)?;
        let doc = convert(markdown);
        let paragraphs = doc.len();
        let bytes = doc.finish(input.stem())?;
        Ok(Output::file(OutputFile::new(
            format!("{}.docx", input.stem()),
            DOCX_MIME,
            bytes,
        ))
        .with_extra(serde_json::json!({"paragraphs": paragraphs})))
    }
}

lathe_tool_sdk::export_tool!(MarkdownToDocx);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_structure() {
        let md = "# Title\n\nSome **bold** and *it* [link](http://x).\n\n- a\n- b\n\n1. one\n2. two\n\n```\nfn x() {}\nlet y;\n```\n";
        let xml = convert(md).document_xml();
        assert!(xml.contains("Heading1"), "{xml}");
        assert!(xml.contains("<w:b/>"));
        assert!(xml.contains("<w:i/>"));
        assert!(xml.contains(">link<"));
        assert!(xml.contains("•"));
        assert!(xml.contains("2."));
        assert!(xml.contains("Courier New"));
        assert!(xml.contains("fn x() {}"));
    }
}
