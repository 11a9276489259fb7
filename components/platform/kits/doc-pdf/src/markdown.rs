//! Markdown (CommonMark plus tables, strikethrough and task lists) to [`Block`]s.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::{Block, Span, SpanStyle};

/// What the text being collected will become.
enum Kind {
    Heading(u8),
    Paragraph,
    Item(String),
}

/// Converter state.
#[derive(Default)]
struct State {
    blocks: Vec<Block>,
    kind: Option<Kind>,
    spans: Vec<Span>,
    bold: u32,
    italic: u32,
    strike: u32,
    link: u32,
    quote: u8,
    lists: Vec<Option<u64>>,
    /// Whether the innermost list item already made its own block.
    item_done: bool,
    code: Option<String>,
    html: Option<String>,
    table: Option<Vec<Vec<Vec<Span>>>>,
    table_head: bool,
    cell: Option<Vec<Span>>,
}

/// Removes HTML tags from raw HTML, keeping the text between them.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether raw HTML asks for a page break (`page-break-*`, `break-before: page`, `<!-- pagebreak -->`).
fn is_page_break(html: &str) -> bool {
    let l = html.to_ascii_lowercase();
    l.contains("page-break") || l.contains("pagebreak") || l.contains("break-before: page")
}

impl State {
    fn style(&self, code: bool) -> SpanStyle {
        SpanStyle {
            bold: self.bold > 0,
            italic: self.italic > 0,
            code,
            strike: self.strike > 0,
            link: self.link > 0,
        }
    }

    fn depth(&self) -> u8 {
        self.lists.len().min(12) as u8
    }

    /// Ends the block being collected.
    fn flush(&mut self) {
        let spans = std::mem::take(&mut self.spans);
        let Some(kind) = self.kind.take() else {
            return;
        };
        let has_text = spans.iter().any(|s| !s.text.trim().is_empty());
        match kind {
            Kind::Heading(level) if has_text => self.blocks.push(Block::Heading { level, spans }),
            Kind::Paragraph if has_text => {
                let text: String = spans.iter().map(|s| s.text.as_str()).collect();
                if matches!(text.trim(), "\\pagebreak" | "\\newpage") {
                    self.blocks.push(Block::PageBreak);
                } else {
                    self.blocks.push(Block::Paragraph {
                        spans,
                        indent: self.depth(),
                        quote: self.quote,
                    });
                }
            }
            Kind::Item(marker) => {
                self.item_done = true;
                self.blocks.push(Block::ListItem {
                    marker,
                    spans,
                    depth: self.depth().max(1),
                    quote: self.quote,
                });
            }
            _ => {}
        }
    }

    /// Appends text to the current cell or block, starting a paragraph if none is open.
    fn text(&mut self, text: &str, code: bool) {
        let style = self.style(code);
        if let Some(cell) = self.cell.as_mut() {
            cell.push(Span::styled(text, style));
            return;
        }
        if self.kind.is_none() {
            self.kind = Some(Kind::Paragraph);
        }
        self.spans.push(Span::styled(text, style));
    }

    fn event(&mut self, event: Event) {
        if let Some(code) = self.code.as_mut() {
            match event {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let text = self.code.take().unwrap_or_default();
                    let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
                    self.blocks.push(Block::Code {
                        text,
                        indent: self.depth(),
                        quote: self.quote,
                    });
                }
                _ => {}
            }
            return;
        }
        if let Some(html) = self.html.as_mut() {
            match event {
                Event::Html(t) | Event::Text(t) => html.push_str(&t),
                Event::End(TagEnd::HtmlBlock) => {
                    let raw = self.html.take().unwrap_or_default();
                    if is_page_break(&raw) {
                        self.blocks.push(Block::PageBreak);
                    } else {
                        let text = strip_tags(&raw);
                        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !text.is_empty() {
                            self.blocks.push(Block::Paragraph {
                                spans: vec![Span::plain(text)],
                                indent: self.depth(),
                                quote: self.quote,
                            });
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush();
                // HeadingLevel numbers its variants from H1 = 1.
                let n = level as u8;
                self.kind = Some(Kind::Heading(n));
            }
            Event::Start(Tag::Paragraph) => {
                if self.cell.is_some() {
                    return;
                }
                // The first paragraph of a list item is the item's own text.
                if matches!(self.kind, Some(Kind::Item(_))) {
                    return;
                }
                self.flush();
                self.kind = Some(Kind::Paragraph);
            }
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Heading(_))
                if self.cell.is_none() =>
            {
                self.flush();
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.flush();
                self.quote = self.quote.saturating_add(1).min(12);
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            Event::Start(Tag::List(start)) => {
                self.flush();
                self.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                self.flush();
                self.lists.pop();
            }
            Event::Start(Tag::Item) => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}.");
                        *n = n.saturating_add(1);
                        m
                    }
                    _ => "\u{2022}".to_string(),
                };
                self.item_done = false;
                self.kind = Some(Kind::Item(marker));
            }
            Event::End(TagEnd::Item) => {
                if !self.item_done && self.kind.is_none() {
                    // An empty item still shows its marker.
                    self.kind = Some(Kind::Item(String::new()));
                }
                self.flush();
            }
            Event::Start(Tag::CodeBlock(_)) => {
                self.flush();
                self.code = Some(String::new());
            }
            Event::Start(Tag::HtmlBlock) => {
                self.flush();
                self.html = Some(String::new());
            }
            Event::Start(Tag::Table(_)) => {
                self.flush();
                self.table = Some(Vec::new());
            }
            Event::End(TagEnd::Table) => {
                if let Some(rows) = self.table.take() {
                    if !rows.is_empty() {
                        self.blocks.push(Block::Table {
                            rows,
                            header: self.table_head,
                        });
                    }
                }
                self.table_head = false;
            }
            Event::Start(Tag::TableHead) => {
                self.table_head = true;
                if let Some(t) = self.table.as_mut() {
                    t.push(Vec::new());
                }
            }
            Event::Start(Tag::TableRow) => {
                if let Some(t) = self.table.as_mut() {
                    t.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => self.cell = Some(Vec::new()),
            Event::End(TagEnd::TableCell) => {
                let cell = self.cell.take().unwrap_or_default();
                if let Some(row) = self.table.as_mut().and_then(|t| t.last_mut()) {
                    row.push(cell);
                }
            }
            Event::Start(Tag::Strong) => self.bold += 1,
            Event::End(TagEnd::Strong) => self.bold = self.bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => self.italic += 1,
            Event::End(TagEnd::Emphasis) => self.italic = self.italic.saturating_sub(1),
            Event::Start(Tag::Strikethrough) => self.strike += 1,
            Event::End(TagEnd::Strikethrough) => self.strike = self.strike.saturating_sub(1),
            Event::Start(Tag::Link { .. }) => self.link += 1,
            Event::End(TagEnd::Link) => self.link = self.link.saturating_sub(1),
            Event::TaskListMarker(done) => {
                self.text(if done { "\u{2611} " } else { "\u{2610} " }, false)
            }
            Event::Text(t) | Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t, false),
            Event::Code(t) => self.text(&t, true),
            Event::InlineHtml(t) | Event::Html(t) => {
                if is_page_break(&t) {
                    self.flush();
                    self.blocks.push(Block::PageBreak);
                } else if t.trim().eq_ignore_ascii_case("<br>") || t.trim().starts_with("<br") {
                    self.text("\n", false);
                } else {
                    let text = strip_tags(&t);
                    if !text.is_empty() {
                        self.text(&text, false);
                    }
                }
            }
            Event::SoftBreak => self.text(" ", false),
            Event::HardBreak => self.text("\n", false),
            Event::Rule => {
                self.flush();
                self.blocks.push(Block::Rule);
            }
            Event::FootnoteReference(name) => self.text(&format!("[{name}]"), false),
            _ => {}
        }
    }
}

/// Parses Markdown into blocks. Raw HTML is reduced to its text; an HTML block or comment
/// mentioning `page-break`/`pagebreak`, or a paragraph that is only `\pagebreak` or
/// `\newpage`, becomes a [`Block::PageBreak`]. Images show their alternative text.
pub fn markdown_blocks(markdown: &str) -> Vec<Block> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut state = State::default();
    for event in Parser::new_ext(markdown, options) {
        state.event(event);
    }
    state.flush();
    state.blocks
}

/// The text of blocks without formatting, one block per line (for summaries and tests).
pub fn plain_text(blocks: &[Block]) -> String {
    let join = |spans: &[Span]| spans.iter().map(|s| s.text.as_str()).collect::<String>();
    let mut out = String::new();
    for b in blocks {
        let line = match b {
            Block::Heading { spans, .. } | Block::Paragraph { spans, .. } => join(spans),
            Block::ListItem { marker, spans, .. } => format!("{marker} {}", join(spans)),
            Block::Code { text, .. } => text.clone(),
            Block::Table { rows, .. } => rows
                .iter()
                .map(|r| r.iter().map(|c| join(c)).collect::<Vec<_>>().join("\t"))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Rule | Block::PageBreak => continue,
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_structure() {
        let md = "# Title\n\nSome **bold** text.\n\n- a\n- b\n  - c\n\n1. one\n\n> quoted\n\n```\ncode\n```\n\n---\n\n<!-- pagebreak -->\n\n| x | y |\n|---|---|\n| 1 | 2 |\n";
        let b = markdown_blocks(md);
        assert!(matches!(&b[0], Block::Heading { level: 1, .. }));
        assert!(matches!(&b[1], Block::Paragraph { spans, .. } if spans[1].style.bold));
        assert!(matches!(&b[2], Block::ListItem { depth: 1, .. }));
        assert!(matches!(&b[4], Block::ListItem { depth: 2, .. }));
        assert!(matches!(&b[5], Block::ListItem { marker, .. } if marker == "1."));
        assert!(matches!(&b[6], Block::Paragraph { quote: 1, .. }));
        assert!(matches!(&b[7], Block::Code { text, .. } if text == "code"));
        assert!(matches!(&b[8], Block::Rule));
        assert!(matches!(&b[9], Block::PageBreak));
        assert!(matches!(&b[10], Block::Table { rows, header: true } if rows.len() == 2));
    }
}
