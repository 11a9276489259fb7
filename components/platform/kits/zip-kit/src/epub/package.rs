//! Reading a book: `mimetype`, `META-INF/container.xml`, then the package document's
//! spine.

use std::collections::HashMap;

use lathe_tool_sdk::{unsupported, ToolError};
use quick_xml::events::Event;

use crate::read::CheckedArchive;
use crate::xml::{attr, local, reader};

/// Most chapters read from a spine.
pub const MAX_CHAPTERS: usize = 5000;

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

/// Resolves `href` against the folder `base` (which ends in `/` or is empty) to an entry
/// name; `None` if it is external, absolute or leaves the archive.
pub fn resolve(base: &str, href: &str) -> Option<String> {
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

/// The book's title (from its package document, white space folded) and its chapters'
/// entry names in reading order (the spine's linear items, at most [`MAX_CHAPTERS`]).
/// A `mimetype` entry, when there is one, must say `application/epub+zip`.
pub fn spine_of<D: AsRef<[u8]>>(
    book: &mut CheckedArchive<D>,
) -> Result<(Option<String>, Vec<String>), ToolError> {
    if let Ok(mimetype) = book.read_named("mimetype") {
        if !mimetype
            .trim_ascii()
            .starts_with(super::EPUB_MIME.as_bytes())
        {
            return Err(unsupported(
                "the file is a ZIP archive but not an EPUB book",
            ));
        }
    }
    let container = book.read_named("META-INF/container.xml")?;
    let opf_path = rootfile(&container)?;
    let opf_path =
        resolve("", &opf_path).ok_or_else(|| unsupported("the package document path is unsafe"))?;
    let opf = book.read_named(&opf_path)?;
    spine(&opf, &opf_path)
}
