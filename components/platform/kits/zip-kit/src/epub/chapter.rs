//! A chapter's XHTML as simplified HTML or Markdown: the `<body>` is walked with
//! quick-xml; headings, paragraphs, emphasis, links, lists, quotes, code and tables are
//! kept; scripts, styles, images (but their `alt` text), forms and every attribute but a
//! link's (non-script) `href` are dropped.

use lathe_tool_sdk::escape_markup as escape;
use quick_xml::events::Event;

use crate::xml::{attr, local, reader};

/// Deepest element nesting followed in a chapter.
const MAX_DEPTH: usize = 512;

/// A piece of a chapter body after the tag walk.
#[derive(Debug)]
pub enum Node {
    /// A kept element opens: its name and, for a link, its safe `href`.
    Open(String, Option<String>),
    /// A kept element closes.
    Close(String),
    /// Text (entities resolved; an image's `alt` text).
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

/// Walks a chapter's `<body>` into nodes: skipped elements (scripts, styles, forms, …)
/// lose their content, kept ones become [`Node::Open`]/[`Node::Close`], others are
/// unwrapped.
pub fn walk(xhtml: &[u8]) -> Vec<Node> {
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

/// Renders nodes as HTML (only kept elements, only safe `href`s), appended to `out`.
pub fn to_html(nodes: &[Node], out: &mut String) {
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
pub struct Md {
    /// The Markdown written so far.
    pub out: String,
    lists: Vec<Option<u32>>,
    links: Vec<Option<String>>,
    pre: usize,
}

impl Default for Md {
    fn default() -> Self {
        Md::new()
    }
}

impl Md {
    /// An empty writer.
    pub fn new() -> Self {
        Md {
            out: String::new(),
            lists: Vec::new(),
            links: Vec::new(),
            pre: 0,
        }
    }

    /// Forgets open lists, links and code blocks at the end of a chapter.
    pub fn end_chapter(&mut self) {
        self.lists.clear();
        self.links.clear();
        self.pre = 0;
    }

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

/// Renders nodes as Markdown, appended to the writer's output.
pub fn to_markdown(nodes: &[Node], md: &mut Md) {
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
