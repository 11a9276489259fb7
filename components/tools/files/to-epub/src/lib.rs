//! `files/to-epub`: Markdown, HTML or plain text to an EPUB 3 book.
//!
//! The book is a ZIP archive with `mimetype` first and stored (uncompressed), then
//! `META-INF/container.xml`, `OEBPS/content.opf` (title, `urn:uuid` identifier, language
//! `en`, optional author, modification date), `OEBPS/nav.xhtml` (table of contents) and
//! one XHTML chapter per top-level heading (the highest heading level the document uses).
//!
//! Markdown is rendered with pulldown-cmark, raw HTML in it shown as text. HTML input is
//! reduced to headings, paragraphs and list items of plain text: every tag is dropped,
//! `script`, `style`, `head` and similar elements with their content. Text becomes
//! paragraphs split on blank lines. Word (`.docx`) documents are read by
//! `lathe_docx_kit::read`: their paragraphs, headings (styles `Heading1`…`Heading6`,
//! `Title`, or a style named "heading N"), list paragraphs, code paragraphs, bold and
//! italic become Markdown, which then goes the Markdown way. The book is packaged by
//! `lathe_zip_kit::epub`.

use lathe_data_kit::settings::optional_text;
use lathe_tool_sdk::escape_markup as escape;
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};
use lathe_zip_kit::epub::{book_uuid, iso_date, write_epub, EpubChapter, EpubMeta, EPUB_MIME};
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

/// The most bytes of input accepted.
const MAX_INPUT: usize = 32 << 20;
/// The most chapters one book may have.
const MAX_CHAPTERS: usize = 2000;
/// The longest title or author accepted.
const MAX_META_CHARS: usize = 500;

#[derive(Debug, Deserialize)]
struct Settings {
    title: Option<serde_json::Value>,
    author: Option<serde_json::Value>,
}

/// A block of a text or HTML document.
#[derive(Debug)]
enum Block {
    Heading(u8, String),
    Para(String),
    Item(String),
}

/// Markdown options used for books.
fn md_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Splits Markdown into chapters at its highest heading level; returns them and the first heading.
fn markdown_chapters(markdown: &str, fallback: &str) -> (Vec<EpubChapter>, Option<String>) {
    let events: Vec<Event> = Parser::new_ext(markdown, md_options())
        .map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        })
        .collect();
    let top = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level),
            _ => None,
        })
        .min();
    let mut chapters = Vec::new();
    let mut first_heading = None;
    let mut current: Vec<Event> = Vec::new();
    let mut title: Option<String> = None;
    let mut heading_text: Option<String> = None;
    let flush =
        |current: &mut Vec<Event>, title: &mut Option<String>, chapters: &mut Vec<EpubChapter>| {
            let has_content = current.iter().any(|e| !matches!(e, Event::SoftBreak));
            if has_content {
                let mut body = String::new();
                html::push_html(&mut body, current.drain(..));
                chapters.push(EpubChapter {
                    title: title.take().unwrap_or_else(|| fallback.to_string()),
                    body,
                });
            }
            current.clear();
        };
    for event in events {
        match &event {
            Event::Start(Tag::Heading { level, .. }) if Some(*level) == top => {
                flush(&mut current, &mut title, &mut chapters);
                heading_text = Some(String::new());
            }
            Event::Start(Tag::Heading { .. }) if heading_text.is_none() => {}
            Event::End(TagEnd::Heading(level)) if Some(*level) == top => {
                let t = heading_text
                    .take()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if first_heading.is_none() && !t.is_empty() {
                    first_heading = Some(t.clone());
                }
                title = Some(if t.is_empty() {
                    fallback.to_string()
                } else {
                    t
                });
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading_text.as_mut() {
                    h.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = heading_text.as_mut() {
                    h.push(' ');
                }
            }
            _ => {}
        }
        current.push(event);
    }
    flush(&mut current, &mut title, &mut chapters);
    (chapters, first_heading)
}

/// Decodes the common HTML character references in `text`.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Reduces HTML to blocks of plain text; scripts, styles and the head are dropped.
fn html_blocks(source: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut heading: Option<u8> = None;
    let mut in_item = false;
    let mut skip_until: Option<String> = None;
    let mut rest = source;
    let flush = |text: &mut String, heading: Option<u8>, in_item: bool, blocks: &mut Vec<Block>| {
        let t = decode_entities(text)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        text.clear();
        if t.is_empty() {
            return;
        }
        blocks.push(match (heading, in_item) {
            (Some(level), _) => Block::Heading(level, t),
            (None, true) => Block::Item(t),
            (None, false) => Block::Para(t),
        });
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip_until.is_none() {
                text.push_str(rest);
            }
            break;
        };
        if skip_until.is_none() {
            text.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(until) = &skip_until {
            if closing && &name == until {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" | "head" | "template" | "noscript" | "svg" | "iframe" | "object"
                if !closing && !tag.trim_end().ends_with('/') =>
            {
                skip_until = Some(name);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                flush(&mut text, heading, in_item, &mut blocks);
                heading = if closing {
                    None
                } else {
                    name[1..].parse().ok()
                };
            }
            "li" | "dt" | "dd" => {
                flush(&mut text, heading, in_item, &mut blocks);
                in_item = !closing;
            }
            "p" | "div" | "br" | "tr" | "section" | "article" | "blockquote" | "pre" | "ul"
            | "ol" | "table" | "hr" | "header" | "footer" | "main" | "body" | "figure"
            | "figcaption" | "td" | "th" | "dl" => {
                flush(&mut text, heading, in_item, &mut blocks);
            }
            _ => {}
        }
    }
    flush(&mut text, heading, in_item, &mut blocks);
    blocks
}

/// Text split into paragraphs on blank lines.
fn text_blocks(source: &str) -> Vec<Block> {
    let normalised = source.replace("\r\n", "\n").replace('\r', "\n");
    normalised
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block::Para(p.to_string()))
        .collect()
}

/// Groups blocks into chapters at the highest heading level; returns them and the first heading.
fn block_chapters(blocks: Vec<Block>, fallback: &str) -> (Vec<EpubChapter>, Option<String>) {
    let top = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(l, _) => Some(*l),
            _ => None,
        })
        .min();
    let first_heading = blocks.iter().find_map(|b| match b {
        Block::Heading(_, t) => Some(t.clone()),
        _ => None,
    });
    let mut chapters: Vec<EpubChapter> = Vec::new();
    let mut current: Option<EpubChapter> = None;
    let mut in_list = false;
    for block in blocks {
        if let Block::Heading(level, t) = &block {
            if Some(*level) == top {
                if let Some(mut c) = current.take() {
                    if in_list {
                        c.body.push_str("</ul>\n");
                    }
                    chapters.push(c);
                }
                in_list = false;
                current = Some(EpubChapter {
                    title: t.clone(),
                    body: String::new(),
                });
            }
        }
        let chapter = current.get_or_insert_with(|| EpubChapter {
            title: fallback.to_string(),
            body: String::new(),
        });
        let is_item = matches!(block, Block::Item(_));
        if in_list && !is_item {
            chapter.body.push_str("</ul>\n");
            in_list = false;
        }
        match block {
            Block::Heading(level, t) => {
                chapter
                    .body
                    .push_str(&format!("<h{level}>{}</h{level}>\n", escape(&t)));
            }
            Block::Para(t) => {
                let lines: Vec<String> = t.lines().map(|l| escape(l.trim())).collect();
                chapter
                    .body
                    .push_str(&format!("<p>{}</p>\n", lines.join("<br/>\n")));
            }
            Block::Item(t) => {
                if !in_list {
                    chapter.body.push_str("<ul>\n");
                    in_list = true;
                }
                chapter.body.push_str(&format!("<li>{}</li>\n", escape(&t)));
            }
        }
    }
    if let Some(mut c) = current {
        if in_list {
            c.body.push_str("</ul>\n");
        }
        chapters.push(c);
    }
    (chapters, first_heading)
}

/// Converts one input to EPUB bytes; returns them, the title and the chapter count.
fn convert(
    input: &Input,
    title: Option<String>,
    author: Option<String>,
    now: u64,
) -> Result<(Vec<u8>, String, usize), ToolError> {
    if input.data.len() > MAX_INPUT {
        return Err(ToolError::TooLarge(format!(
            "'{}' is larger than {} MiB",
            input.name,
            MAX_INPUT >> 20
        )));
    }
    let from_docx;
    let text = if input.extension() == "docx" {
        from_docx = lathe_docx_kit::read::to_markdown(&input.data)?;
        from_docx.as_str()
    } else {
        let data = input
            .data
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&input.data);
        std::str::from_utf8(data)
            .map_err(|_| unsupported(format!("'{}' is not UTF-8 text", input.name)))?
    };
    if text.contains('\0') {
        return Err(unsupported(format!("'{}' is not a text file", input.name)));
    }
    let stem = input.stem().to_string();
    let fallback = title.clone().unwrap_or_else(|| stem.clone());
    let (chapters, first_heading) = match input.extension().as_str() {
        "md" | "markdown" | "docx" => markdown_chapters(text, &fallback),
        "html" | "htm" => block_chapters(html_blocks(text), &fallback),
        "txt" => block_chapters(text_blocks(text), &fallback),
        other => {
            return Err(unsupported(format!(
                "'{}': .{other} files are not supported (use docx, md, html or txt)",
                input.name
            )))
        }
    };
    if chapters.is_empty() {
        return Err(unsupported(format!("'{}' has no text", input.name)));
    }
    if chapters.len() > MAX_CHAPTERS {
        return Err(ToolError::TooLarge(format!(
            "'{}' would make {} chapters (max {MAX_CHAPTERS})",
            input.name,
            chapters.len()
        )));
    }
    let title = title.or(first_heading).unwrap_or(stem);
    let meta = EpubMeta {
        title: &title,
        author: author.as_deref(),
        uuid: book_uuid(&input.data, now),
        modified: iso_date(now),
    };
    let bytes = write_epub(&chapters, &meta)?;
    Ok((bytes, title, chapters.len()))
}

struct ToEpub;

impl Tool for ToEpub {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("to-epub", Section::Files, "Convert to EPUB", "Turn a Word document, Markdown, HTML or plain text into an EPUB 3 e-book, one chapter per top-level heading."),
            serde_json::json!({
                "title": {"type": "string", "description": "book title; default the first heading or the file name"},
                "author": {"type": "string", "description": "author (optional)"}
            }),
            &["docx", "md", "markdown", "html", "htm", "txt"],
            Produces::types(&["epub"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let title = optional_text("title", settings.title.as_ref(), MAX_META_CHARS)?;
        let author = optional_text("author", settings.author.as_ref(), MAX_META_CHARS)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let input = &inputs[0];
        let (bytes, title, chapters) = convert(input, title, author, now)?;
        Ok(Output::file(OutputFile::new(
            format!("{}.epub", input.stem()),
            EPUB_MIME,
            bytes,
        ))
        .with_extra(serde_json::json!({"title": title, "chapters": chapters})))
    }
}

lathe_tool_sdk::export_tool!(ToEpub);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let (c, h) = markdown_chapters("intro\n\n# One\n\ntext\n\n## sub\n\n# Two\n\nmore", "B");
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].title, "One");
        assert_eq!(h.as_deref(), Some("One"));
        let b = html_blocks("<html><head><title>x</title><script>bad()</script></head><body><h1>A &amp; B</h1><p>x<script>y</script> z</p></body></html>");
        assert!(matches!(&b[0], Block::Heading(1, t) if t == "A & B"));
        assert!(matches!(&b[1], Block::Para(t) if t == "x z"));
    }
}
