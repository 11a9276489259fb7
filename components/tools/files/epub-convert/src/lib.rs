//! `files/epub-convert`: an EPUB book to one HTML document or to Markdown.
//!
//! The archive is read with limits checked on its central directory before anything is
//! decompressed (at most 2000 entries, 64 MiB per entry, 256 MiB in all, no unsafe names
//! such as `..` or absolute paths, no encrypted entries), and no entry may produce more
//! bytes than it declares. `META-INF/container.xml` names the package document, whose
//! spine gives the chapters in reading order. Each chapter's `<body>` is walked with
//! quick-xml: headings, paragraphs, emphasis, links, lists, quotes, code and tables are
//! kept; scripts, styles, images, forms and every attribute but a link's (non-script)
//! `href` are dropped.
//!
//! PDF and Word output go through the Markdown rendering: its blocks are laid out by
//! `lathe-doc-pdf` (optional `pageSize`, `orientation`, `margin`, `fontSize` settings) or
//! written as `.docx` paragraphs by `lathe-docx-kit`, each chapter starting a new page.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use lathe_doc_pdf::{markdown_blocks, Block, LayoutSettings, Span, PDF_MIME};
use lathe_docx_kit::{DocxBuilder, Paragraph, Run, Style, DOCX_MIME};
use lathe_tool_sdk::escape_markup as escape;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Deserialize;

/// Most entries in one archive.
const MAX_ENTRIES: usize = 2000;
/// Most bytes one entry may hold.
const MAX_ENTRY_BYTES: u64 = 64 << 20;
/// Most bytes all entries together may hold.
const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// Most chapters read from a spine.
const MAX_CHAPTERS: usize = 5000;
/// Deepest element nesting followed in a chapter.
const MAX_DEPTH: usize = 512;

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

/// Whether `name` is an unsafe entry name: `..`, absolute path or drive letter.
fn unsafe_name(name: &str) -> bool {
    let n = name.replace('\\', "/");
    if n.starts_with('/') || n.contains('\0') {
        return true;
    }
    let b = n.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return true;
    }
    n.split('/').any(|c| c == "..")
}

/// The archive with its entries checked; reads entries by name on demand.
struct Book {
    archive: zip::ZipArchive<Cursor<Vec<u8>>>,
    sizes: HashMap<String, (usize, u64)>,
}

impl Book {
    /// Opens and checks the archive.
    fn open(data: Vec<u8>) -> Result<Book, ToolError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(data))
            .map_err(|e| unsupported(format!("not a readable EPUB (ZIP) file: {e}")))?;
        if archive.len() > MAX_ENTRIES {
            return Err(ToolError::TooLarge(format!(
                "the book has {} entries (max {MAX_ENTRIES})",
                archive.len()
            )));
        }
        let mut sizes = HashMap::new();
        let mut total = 0u64;
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| unsupported(format!("entry {}: {e}", index + 1)))?;
            let name = entry.name().to_string();
            if unsafe_name(&name) {
                return Err(unsupported(format!(
                    "entry '{name}' has an unsafe path (.., absolute path or drive letter)"
                )));
            }
            if entry.is_dir() {
                continue;
            }
            if entry.encrypted() {
                return Err(unsupported(format!("entry '{name}' is encrypted")));
            }
            let size = entry.size();
            if size > MAX_ENTRY_BYTES {
                return Err(ToolError::TooLarge(format!(
                    "entry '{name}' would expand to {size} bytes (max {MAX_ENTRY_BYTES})"
                )));
            }
            total = total.saturating_add(size);
            if total > MAX_TOTAL_BYTES {
                return Err(ToolError::TooLarge(format!(
                    "the book would expand to more than {MAX_TOTAL_BYTES} bytes"
                )));
            }
            sizes.insert(name, (index, size));
        }
        Ok(Book { archive, sizes })
    }

    /// The bytes of entry `name`, never more than it declares.
    fn read(&mut self, name: &str) -> Result<Vec<u8>, ToolError> {
        let (index, size) = *self
            .sizes
            .get(name)
            .ok_or_else(|| unsupported(format!("the book has no entry '{name}'")))?;
        let entry = self
            .archive
            .by_index(index)
            .map_err(|e| unsupported(format!("entry '{name}': {e}")))?;
        let mut out = Vec::with_capacity(size.min(16 << 20) as usize);
        entry
            .take(size + 1)
            .read_to_end(&mut out)
            .map_err(|e| unsupported(format!("entry '{name}' is corrupt: {e}")))?;
        if out.len() as u64 != size {
            return Err(unsupported(format!(
                "entry '{name}' does not match its declared size"
            )));
        }
        Ok(out)
    }
}

/// The local name of an element or attribute, lower-cased.
fn local(name: &[u8]) -> String {
    let n = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(n).to_ascii_lowercase()
}

/// The value of attribute `key` (local name) of an element.
fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (local(a.key.as_ref()) == key).then(|| {
            a.unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
    })
}

/// Decodes `%XX` escapes in a URL path.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Resolves `href` against the folder `base` (which ends in `/` or is empty); `None` if it
/// leaves the archive.
fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.split(['#', '?']).next().unwrap_or("");
    let href = percent_decode(href);
    if href.is_empty() || href.contains("://") || href.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in href.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// A new reader over XML bytes, tolerant of unmatched end tags.
fn reader(data: &[u8]) -> Reader<&[u8]> {
    let mut r = Reader::from_reader(data);
    r.config_mut().check_end_names = false;
    r
}

/// The package document's path from `META-INF/container.xml`.
fn rootfile(container: &[u8]) -> Result<String, ToolError> {
    let mut r = reader(container);
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if local(e.name().as_ref()) == "rootfile" => {
                if let Some(p) = attr(&e, "full-path") {
                    return Ok(p);
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                return Err(unsupported(format!(
                    "META-INF/container.xml is not valid XML: {e}"
                )))
            }
            _ => {}
        }
    }
    Err(unsupported(
        "META-INF/container.xml names no package document",
    ))
}

/// The title and the spine's chapter paths (in reading order) from the package document.
fn spine(opf: &[u8], opf_path: &str) -> Result<(Option<String>, Vec<String>), ToolError> {
    let base = match opf_path.rfind('/') {
        Some(i) => &opf_path[..=i],
        None => "",
    };
    let mut r = reader(opf);
    let mut items: HashMap<String, String> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut title: Option<String> = None;
    let mut in_title = false;
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "title" && title.is_none() => {
                in_title = true;
                title = Some(String::new());
            }
            Ok(Event::End(e)) if local(e.name().as_ref()) == "title" => in_title = false,
            Ok(Event::Text(t)) if in_title => {
                if let (Some(s), Ok(v)) = (title.as_mut(), t.unescape()) {
                    s.push_str(&v);
                }
            }
            Ok(Event::Start(e) | Event::Empty(e)) => match local(e.name().as_ref()).as_str() {
                "item" => {
                    if let (Some(id), Some(href)) = (attr(&e, "id"), attr(&e, "href")) {
                        items.insert(id, href);
                    }
                }
                "itemref" => {
                    let linear = attr(&e, "linear");
                    if let Some(id) = attr(&e, "idref").filter(|_| linear.as_deref() != Some("no"))
                    {
                        order.push(id);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => {
                return Err(unsupported(format!(
                    "the package document is not valid XML: {e}"
                )))
            }
            _ => {}
        }
    }
    let mut chapters = Vec::new();
    for id in order.iter().take(MAX_CHAPTERS) {
        if let Some(path) = items.get(id).and_then(|href| resolve(base, href)) {
            chapters.push(path);
        }
    }
    if chapters.is_empty() {
        return Err(unsupported("the book's spine lists no chapters"));
    }
    let title = title
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty());
    Ok((title, chapters))
}

/// A piece of a chapter body after the tag walk.
#[derive(Debug)]
enum Node {
    Open(String, Option<String>),
    Close(String),
    Text(String),
}

/// Elements whose content is dropped.
const SKIPPED: [&str; 10] = [
    "script", "style", "head", "template", "noscript", "svg", "math", "iframe", "object", "form",
];

/// Elements kept (all others are unwrapped: their text stays).
const KEPT: [&str; 28] = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "em",
    "i",
    "strong",
    "b",
    "a",
    "ul",
    "ol",
    "li",
    "br",
    "blockquote",
    "pre",
    "code",
    "hr",
    "table",
    "tr",
    "td",
    "th",
    "div",
    "section",
    "dl",
    "dt",
];

/// Resolves an entity reference that XML does not define itself.
fn entity(name: &str) -> Option<&'static str> {
    match name {
        "nbsp" => Some("\u{a0}"),
        "mdash" => Some("\u{2014}"),
        "ndash" => Some("\u{2013}"),
        "hellip" => Some("\u{2026}"),
        "copy" => Some("\u{a9}"),
        "rsquo" => Some("\u{2019}"),
        "lsquo" => Some("\u{2018}"),
        "rdquo" => Some("\u{201d}"),
        "ldquo" => Some("\u{201c}"),
        _ => None,
    }
}

/// Walks a chapter's `<body>` into nodes.
fn walk(xhtml: &[u8]) -> Vec<Node> {
    let mut r = reader(xhtml);
    let mut nodes = Vec::new();
    let mut in_body = false;
    let mut skip_depth = 0usize;
    let mut depth = 0usize;
    loop {
        let event = match r.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        match event {
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                depth += 1;
                if name == "body" {
                    in_body = true;
                    continue;
                }
                if !in_body || depth > MAX_DEPTH {
                    continue;
                }
                if skip_depth > 0 || SKIPPED.contains(&name.as_str()) {
                    skip_depth += 1;
                    continue;
                }
                if KEPT.contains(&name.as_str()) {
                    let href = if name == "a" {
                        attr(&e, "href").filter(|h| {
                            let l = h.trim().to_ascii_lowercase();
                            !l.starts_with("javascript:") && !l.starts_with("data:")
                        })
                    } else {
                        None
                    };
                    nodes.push(Node::Open(name, href));
                }
            }
            Event::Empty(e) => {
                let name = local(e.name().as_ref());
                if in_body && skip_depth == 0 && (name == "br" || name == "hr") {
                    nodes.push(Node::Open(name, None));
                } else if in_body && skip_depth == 0 && name == "img" {
                    if let Some(alt) = attr(&e, "alt").filter(|a| !a.trim().is_empty()) {
                        nodes.push(Node::Text(alt));
                    }
                }
            }
            Event::End(e) => {
                let name = local(e.name().as_ref());
                depth = depth.saturating_sub(1);
                if name == "body" {
                    in_body = false;
                    continue;
                }
                if !in_body {
                    continue;
                }
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                if KEPT.contains(&name.as_str()) && name != "br" && name != "hr" {
                    nodes.push(Node::Close(name));
                }
            }
            Event::Text(t) if in_body && skip_depth == 0 => {
                let text = t
                    .unescape_with(entity)
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                nodes.push(Node::Text(text));
            }
            Event::CData(t) if in_body && skip_depth == 0 => {
                nodes.push(Node::Text(String::from_utf8_lossy(&t).into_owned()));
            }
            _ => {}
        }
    }
    nodes
}

/// Renders nodes as HTML (only kept elements, only safe `href`s).
fn to_html(nodes: &[Node], out: &mut String) {
    let mut open: Vec<&str> = Vec::new();
    for node in nodes {
        match node {
            Node::Open(name, href) => match name.as_str() {
                "br" | "hr" => out.push_str(&format!("<{name}>")),
                _ => {
                    match href {
                        Some(h) => out.push_str(&format!("<a href=\"{}\">", escape(h))),
                        None => out.push_str(&format!("<{name}>")),
                    }
                    open.push(name);
                }
            },
            Node::Close(name) => {
                if let Some(pos) = open.iter().rposition(|n| n == name) {
                    while open.len() > pos {
                        let n = open.pop().unwrap_or_default();
                        out.push_str(&format!("</{n}>"));
                    }
                }
            }
            Node::Text(t) => out.push_str(&escape(t)),
        }
    }
    while let Some(n) = open.pop() {
        out.push_str(&format!("</{n}>"));
    }
    out.push('\n');
}

/// Escapes Markdown's inline syntax characters.
fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown writer state.
struct Md {
    out: String,
    lists: Vec<Option<u32>>,
    links: Vec<Option<String>>,
    pre: usize,
}

impl Md {
    /// Ends the current block with a blank line.
    fn block(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\n']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
    }

    /// Appends text, collapsing whitespace outside `pre`.
    fn text(&mut self, t: &str) {
        if self.pre > 0 {
            self.out.push_str(t);
            return;
        }
        let starts_space = t.starts_with(char::is_whitespace);
        let words: Vec<&str> = t.split_whitespace().collect();
        let at_line_start =
            self.out.is_empty() || self.out.ends_with('\n') || self.out.ends_with(' ');
        if starts_space && !at_line_start && (!words.is_empty() || t.ends_with(char::is_whitespace))
        {
            self.out.push(' ');
        }
        self.out.push_str(&md_escape(&words.join(" ")));
        if !words.is_empty() && t.ends_with(char::is_whitespace) {
            self.out.push(' ');
        }
    }
}

/// Renders nodes as Markdown.
fn to_markdown(nodes: &[Node], md: &mut Md) {
    for node in nodes {
        match node {
            Node::Open(name, href) => match name.as_str() {
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                    md.block();
                    let level: usize = name[1..].parse().unwrap_or(1);
                    md.out.push_str(&"#".repeat(level));
                    md.out.push(' ');
                }
                "p" | "div" | "section" | "table" | "dl" => md.block(),
                "tr" | "dt" => {
                    let t = md.out.trim_end_matches(' ').len();
                    md.out.truncate(t);
                    if !md.out.is_empty() && !md.out.ends_with('\n') {
                        md.out.push('\n');
                    }
                }
                "td" | "th" => md.out.push_str(" | "),
                "blockquote" => {
                    md.block();
                    md.out.push_str("> ");
                }
                "pre" => {
                    md.block();
                    md.out.push_str("```\n");
                    md.pre += 1;
                }
                "code" if md.pre == 0 => md.out.push('`'),
                "em" | "i" => md.out.push('*'),
                "strong" | "b" => md.out.push_str("**"),
                "a" => {
                    md.out.push('[');
                    md.links.push(href.clone());
                }
                "ul" | "ol" => {
                    if md.lists.is_empty() {
                        md.block();
                    }
                    md.lists.push((name == "ol").then_some(0));
                }
                "li" => {
                    let t = md.out.trim_end_matches(' ').len();
                    md.out.truncate(t);
                    if !md.out.is_empty() && !md.out.ends_with('\n') {
                        md.out.push('\n');
                    }
                    let indent = "  ".repeat(md.lists.len().saturating_sub(1));
                    md.out.push_str(&indent);
                    match md.lists.last_mut() {
                        Some(Some(n)) => {
                            *n += 1;
                            md.out.push_str(&format!("{n}. "));
                        }
                        _ => md.out.push_str("- "),
                    }
                }
                "br" => md.out.push_str("  \n"),
                "hr" => {
                    md.block();
                    md.out.push_str("---");
                    md.block();
                }
                _ => {}
            },
            Node::Close(name) => match name.as_str() {
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" | "div" | "section" | "table"
                | "blockquote" | "dl" => md.block(),
                "pre" => {
                    if !md.out.ends_with('\n') {
                        md.out.push('\n');
                    }
                    md.out.push_str("```");
                    md.pre = md.pre.saturating_sub(1);
                    md.block();
                }
                "code" if md.pre == 0 => md.out.push('`'),
                "em" | "i" => md.out.push('*'),
                "strong" | "b" => md.out.push_str("**"),
                "a" => {
                    let href = md.links.pop().flatten();
                    match href {
                        Some(h) => md
                            .out
                            .push_str(&format!("]({})", h.replace(' ', "%20").replace(')', "%29"))),
                        None => md.out.push(']'),
                    }
                }
                "ul" | "ol" => {
                    md.lists.pop();
                    if md.lists.is_empty() {
                        md.block();
                    }
                }
                _ => {}
            },
            Node::Text(t) => md.text(t),
        }
    }
    md.block();
}

/// Converts the book; returns the document bytes, the title and the chapter count.
fn convert(
    data: Vec<u8>,
    fallback: &str,
    format: Format,
) -> Result<(Vec<u8>, String, usize), ToolError> {
    let mut book = Book::open(data)?;
    if let Ok(mimetype) = book.read("mimetype") {
        if !mimetype.trim_ascii().starts_with(b"application/epub+zip") {
            return Err(unsupported(
                "the file is a ZIP archive but not an EPUB book",
            ));
        }
    }
    let container = book.read("META-INF/container.xml")?;
    let opf_path = rootfile(&container)?;
    let opf_path =
        resolve("", &opf_path).ok_or_else(|| unsupported("the package document path is unsafe"))?;
    let opf = book.read(&opf_path)?;
    let (title, chapters) = spine(&opf, &opf_path)?;
    let title = title.unwrap_or_else(|| fallback.to_string());
    let mut html = String::new();
    let mut md = Md {
        out: String::new(),
        lists: Vec::new(),
        links: Vec::new(),
        pre: 0,
    };
    let mut count = 0;
    for path in &chapters {
        let Ok(xhtml) = book.read(path) else { continue };
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
                md.lists.clear();
                md.links.clear();
                md.pre = 0;
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

/// Word runs for spans.
fn runs(spans: &[Span]) -> Vec<Run> {
    spans
        .iter()
        .map(|s| Run {
            text: s.text.clone(),
            bold: s.style.bold,
            italic: s.style.italic,
            code: s.style.code,
            strike: s.style.strike,
        })
        .collect()
}

/// Writes blocks as Word paragraphs (table rows as tab-separated paragraphs).
fn to_docx(blocks: &[Block]) -> DocxBuilder {
    let mut doc = DocxBuilder::new();
    for block in blocks {
        match block {
            Block::Heading { level, spans } => doc.paragraph(&Paragraph {
                style: Style::Heading(*level),
                indent: 0,
                runs: runs(spans),
            }),
            Block::Paragraph {
                spans,
                indent,
                quote,
            } => doc.paragraph(&Paragraph {
                style: if *quote > 0 {
                    Style::Quote
                } else {
                    Style::Normal
                },
                indent: *indent,
                runs: runs(spans),
            }),
            Block::ListItem {
                marker,
                spans,
                depth,
                ..
            } => {
                let mut r = vec![Run::plain(format!("{marker}\t"))];
                r.extend(runs(spans));
                doc.paragraph(&Paragraph {
                    style: Style::ListItem,
                    indent: depth.saturating_add(1),
                    runs: r,
                });
            }
            Block::Code { text, indent, .. } => {
                for line in text.split('\n') {
                    doc.paragraph(&Paragraph {
                        style: Style::Code,
                        indent: *indent,
                        runs: vec![Run {
                            text: line.to_string(),
                            code: true,
                            ..Run::default()
                        }],
                    });
                }
            }
            Block::Rule => doc.text_paragraph("\u{2014}\u{2014}\u{2014}"),
            Block::Table { rows, header } => {
                for (i, row) in rows.iter().enumerate() {
                    let mut r = Vec::new();
                    for (j, cell) in row.iter().enumerate() {
                        if j > 0 {
                            r.push(Run::plain("\t"));
                        }
                        r.extend(runs(cell).into_iter().map(|mut run| {
                            run.bold |= *header && i == 0;
                            run
                        }));
                    }
                    doc.paragraph(&Paragraph {
                        style: Style::Normal,
                        indent: 0,
                        runs: r,
                    });
                }
            }
            Block::PageBreak => doc.page_break(),
        }
    }
    doc
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
                let docx = to_docx(&markdown_blocks(&markdown)).finish(&title)?;
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
