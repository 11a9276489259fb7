//! Reads a Word (`.docx`) document's text as Markdown.
//!
//! Only `word/document.xml` (and `word/styles.xml` for style names) is read, with
//! `zip` and `quick-xml`; `docx-rs` is not used because it pulls in image decoding and
//! much more than the text this tool needs. Limits are checked on the central directory
//! before anything is decompressed, and an entry may not yield more than it declares.

use std::collections::HashMap;
use std::io::Cursor;

use lathe_tool_sdk::{unsupported, ToolError};
use lathe_zip_kit::zip;
use lathe_zip_kit::{open, read_declared, ReadFailure, Wording};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Most bytes `word/document.xml` or `word/styles.xml` may expand to.
const MAX_PART: u64 = 64 << 20;
/// Most entries in the package.
const MAX_ENTRIES: usize = 5000;
/// How errors name the package.
const WORDING: Wording = Wording {
    unreadable: "not a readable Word (.docx) file",
    noun: "document",
    entries: "entries",
    encrypted_note: "",
    mismatch_shows_size: false,
};

/// Reads one part of the package, bounded.
fn part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Vec<u8>>, ToolError> {
    let entry = match zip.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => {
            return Err(unsupported(format!(
                "the document's {name} is unreadable: {e}"
            )))
        }
    };
    if entry.encrypted() {
        return Err(unsupported("the document is encrypted"));
    }
    let size = entry.size();
    if size > MAX_PART {
        return Err(ToolError::TooLarge(format!(
            "the document's {name} would expand to {size} bytes (max {MAX_PART})"
        )));
    }
    match read_declared(entry, size) {
        Ok(out) => Ok(Some(out)),
        Err(ReadFailure::Corrupt(e)) => Err(unsupported(format!(
            "the document's {name} is corrupt: {e}"
        ))),
        Err(ReadFailure::WrongSize) => Err(unsupported(format!(
            "the document's {name} does not match its declared size"
        ))),
    }
}

/// The local name of an element or attribute.
fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|b| *b == b':').next().unwrap_or(name)
}

/// The value of attribute `key` (local name).
fn attr(e: &BytesStart, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// Whether a toggle property (`<w:b/>`, `<w:i w:val="0"/>`) is on.
fn toggle(e: &BytesStart) -> bool {
    !matches!(
        attr(e, b"val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

/// The heading level of a style id or name (`Heading1`, `heading 2`, `Title`).
fn heading_level(style: &str) -> Option<u8> {
    let s = style.to_ascii_lowercase().replace([' ', '_', '-'], "");
    if s == "title" {
        return Some(1);
    }
    let n = s.strip_prefix("heading")?;
    n.parse::<u8>().ok().filter(|l| (1..=6).contains(l))
}

/// Style id → style name from `word/styles.xml`.
fn style_names(xml: &[u8]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let mut r = Reader::from_reader(xml);
    r.config_mut().check_end_names = false;
    let mut current: Option<String> = None;
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == b"style" => {
                current = attr(&e, b"styleId");
            }
            Ok(Event::Empty(e)) | Ok(Event::Start(e)) if local(e.name().as_ref()) == b"name" => {
                if let (Some(id), Some(name)) = (current.clone(), attr(&e, b"val")) {
                    names.insert(id, name);
                }
            }
            Ok(Event::End(e)) if local(e.name().as_ref()) == b"style" => current = None,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    names
}

/// A run of text with its formatting.
#[derive(Default, Clone)]
struct Run {
    text: String,
    bold: bool,
    italic: bool,
}

/// A paragraph being read.
#[derive(Default)]
struct Para {
    style: String,
    list: bool,
    outline: Option<u8>,
    runs: Vec<Run>,
}

/// Escapes every ASCII punctuation character so that text stays text in Markdown.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown for a paragraph's runs: adjacent runs of one format merged, markers kept
/// clear of surrounding white space.
fn inline(runs: &[Run]) -> String {
    let mut merged: Vec<Run> = Vec::new();
    for r in runs {
        match merged.last_mut() {
            Some(last) if last.bold == r.bold && last.italic == r.italic => {
                last.text.push_str(&r.text)
            }
            _ => merged.push(r.clone()),
        }
    }
    let mut out = String::new();
    for r in merged {
        let marker = match (r.bold, r.italic) {
            (true, true) => "***",
            (true, false) => "**",
            (false, true) => "*",
            (false, false) => "",
        };
        let trimmed = r.text.trim();
        if marker.is_empty() || trimmed.is_empty() {
            out.push_str(&escape(&r.text));
            continue;
        }
        let lead = &r.text[..r.text.len() - r.text.trim_start().len()];
        let trail = &r.text[r.text.trim_end().len()..];
        out.push_str(lead);
        out.push_str(marker);
        out.push_str(&escape(trimmed));
        out.push_str(marker);
        out.push_str(trail);
    }
    out.replace('\n', "  \n")
}

/// Converts the paragraphs to Markdown.
fn markdown(paras: Vec<Para>, names: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut in_list = false;
    for p in paras {
        let name = names.get(&p.style).cloned().unwrap_or_default();
        let level = heading_level(&p.style)
            .or_else(|| heading_level(&name))
            .or(p.outline);
        let code = p.style.eq_ignore_ascii_case("code")
            || name.eq_ignore_ascii_case("code")
            || p.style.to_ascii_lowercase().contains("sourcecode");
        let text: String = p.runs.iter().map(|r| r.text.as_str()).collect();
        if code {
            if !in_code {
                out.push_str("```\n");
                in_code = true;
            }
            out.push_str(&text.replace("```", "` ` `"));
            out.push('\n');
            continue;
        }
        if in_code {
            out.push_str("```\n\n");
            in_code = false;
        }
        if text.trim().is_empty() {
            continue;
        }
        let list = p.list || p.style.to_ascii_lowercase().starts_with("list");
        if in_list && !list {
            out.push('\n');
            in_list = false;
        }
        if let Some(level) = level {
            out.push_str(&"#".repeat(usize::from(level)));
            out.push(' ');
            out.push_str(&inline(&p.runs).replace("  \n", " "));
            out.push_str("\n\n");
        } else if list {
            // Drop a bullet or number written as text ("•\t", "1.\t") before the item.
            let mut runs = p.runs.clone();
            let mut marker = "-".to_string();
            if let Some(first) = runs.first_mut() {
                let t = first.text.trim_start();
                if let Some(rest) = t.strip_prefix(['•', '◦', '▪', '-', '*']) {
                    first.text = rest.trim_start().to_string();
                } else {
                    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
                    if !digits.is_empty() && t[digits.len()..].starts_with(['.', ')']) {
                        marker = format!("{digits}.");
                        first.text = t[digits.len() + 1..].trim_start().to_string();
                    }
                }
            }
            out.push_str(&marker);
            out.push(' ');
            out.push_str(&inline(&runs).replace("  \n", " "));
            out.push('\n');
            in_list = true;
        } else {
            out.push_str(&inline(&p.runs));
            out.push_str("\n\n");
        }
    }
    if in_code {
        out.push_str("```\n");
    }
    out
}

/// Reads a `.docx` file's body as Markdown.
pub fn to_markdown(data: &[u8]) -> Result<String, ToolError> {
    let mut zip = open(data, MAX_ENTRIES, &WORDING)?;
    let document = part(&mut zip, "word/document.xml")?
        .ok_or_else(|| unsupported("the file is a ZIP archive but not a Word document"))?;
    let names = match part(&mut zip, "word/styles.xml")? {
        Some(xml) => style_names(&xml),
        None => HashMap::new(),
    };
    let mut r = Reader::from_reader(document.as_slice());
    r.config_mut().check_end_names = false;
    let mut paras: Vec<Para> = Vec::new();
    let mut para: Option<Para> = None;
    let mut run: Option<Run> = None;
    let mut in_rpr = false;
    let mut in_text = false;
    let mut saw_body = false;
    loop {
        let event = match r.read_event() {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(e) => return Err(unsupported(format!("the document's XML is malformed: {e}"))),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match local(e.name().as_ref()) {
                    b"body" => saw_body = true,
                    b"p" if !empty => para = Some(Para::default()),
                    b"pStyle" => {
                        if let (Some(p), Some(v)) = (para.as_mut(), attr(e, b"val")) {
                            p.style = v;
                        }
                    }
                    b"numPr" => {
                        if let Some(p) = para.as_mut() {
                            p.list = true;
                        }
                    }
                    b"outlineLvl" => {
                        if let (Some(p), Some(v)) = (para.as_mut(), attr(e, b"val")) {
                            p.outline = v.parse::<u8>().ok().filter(|l| *l < 6).map(|l| l + 1);
                        }
                    }
                    b"r" if !empty => run = Some(Run::default()),
                    b"rPr" if !empty => in_rpr = true,
                    b"b" if in_rpr => {
                        if let Some(run) = run.as_mut() {
                            run.bold = toggle(e);
                        }
                    }
                    b"i" if in_rpr => {
                        if let Some(run) = run.as_mut() {
                            run.italic = toggle(e);
                        }
                    }
                    b"t" if !empty => in_text = true,
                    b"tab" if !in_rpr => {
                        if let Some(run) = run.as_mut() {
                            run.text.push(' ');
                        }
                    }
                    b"br" | b"cr" => {
                        if let Some(run) = run.as_mut() {
                            run.text.push('\n');
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                b"p" => {
                    if let Some(p) = para.take() {
                        paras.push(p);
                    }
                }
                b"r" => {
                    if let (Some(p), Some(rn)) = (para.as_mut(), run.take()) {
                        p.runs.push(rn);
                    }
                }
                b"rPr" => in_rpr = false,
                b"t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => {
                if let Some(run) = run.as_mut() {
                    let text = t
                        .unescape()
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                    run.text.push_str(&text);
                }
            }
            Event::CData(t) if in_text => {
                if let Some(run) = run.as_mut() {
                    run.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            _ => {}
        }
    }
    if !saw_body {
        return Err(unsupported("the Word document has no body"));
    }
    Ok(markdown(paras, &names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_runs() {
        let runs = vec![
            Run {
                text: "Plain ".into(),
                ..Run::default()
            },
            Run {
                text: "bold ".into(),
                bold: true,
                italic: false,
            },
            Run {
                text: "a*b".into(),
                ..Run::default()
            },
        ];
        assert_eq!(inline(&runs), "Plain **bold** a\\*b");
        assert_eq!(heading_level("Heading2"), Some(2));
        assert_eq!(heading_level("heading 3"), Some(3));
        assert_eq!(heading_level("Normal"), None);
    }
}
