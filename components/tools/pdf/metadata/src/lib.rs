//! `pdf/pdf-metadata`: read or set a PDF's title, author, subject and keywords.
//!
//! The fields live in the document information dictionary (the trailer's `/Info`). Text is
//! written as a PDF text string: literal for ASCII, UTF-16BE with a byte-order mark
//! otherwise. Without any field in the settings, the file comes back unchanged and the
//! response only reports its metadata.

use lathe_pdf_kit::lopdf::{Dictionary, Document, Object, StringFormat};
use lathe_pdf_kit::{load, one_pdf_tool_info, save, PageTree};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// The longest value of a field, in characters.
const MAX_CHARS: usize = 500;

/// The editable fields: settings name and Info key.
const FIELDS: [(&str, &[u8]); 4] = [
    ("title", b"Title"),
    ("author", b"Author"),
    ("subject", b"Subject"),
    ("keywords", b"Keywords"),
];

#[derive(Debug, Deserialize)]
struct Settings {
    title: Option<String>,
    author: Option<String>,
    subject: Option<String>,
    keywords: Option<String>,
}

impl Settings {
    /// The fields given, with their Info keys; each at most [`MAX_CHARS`] characters.
    fn changes(&self) -> Result<Vec<(&'static [u8], &str)>, ToolError> {
        let values = [&self.title, &self.author, &self.subject, &self.keywords];
        let mut changes = Vec::new();
        for ((name, key), value) in FIELDS.iter().zip(values) {
            let Some(value) = value else { continue };
            if value.chars().count() > MAX_CHARS {
                return Err(invalid_settings(format!(
                    "{name} may be at most {MAX_CHARS} characters"
                )));
            }
            changes.push((*key, value.as_str()));
        }
        Ok(changes)
    }
}

/// A PDF text string: literal when ASCII, else UTF-16BE with a byte-order mark.
fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        return Object::String(text.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Decodes a PDF text string (UTF-16BE or UTF-8 with a byte-order mark, else
/// PDFDocEncoding, read as Latin-1 for the characters the two share).
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The document information dictionary, if there is one.
fn info(doc: &Document) -> Option<&Dictionary> {
    let object = doc.trailer.get(b"Info").ok()?;
    doc.dereference(object).ok()?.1.as_dict().ok()
}

/// The metadata as the response reports it (absent fields are `null`).
fn report(doc: &Document, pages: u32) -> serde_json::Value {
    let field = |key: &[u8]| -> serde_json::Value {
        let Some(dict) = info(doc) else {
            return serde_json::Value::Null;
        };
        match dict.get(key).ok().and_then(|v| doc.dereference(v).ok()) {
            Some((_, Object::String(bytes, _))) => decode_text(bytes).into(),
            _ => serde_json::Value::Null,
        }
    };
    serde_json::json!({
        "title": field(b"Title"),
        "author": field(b"Author"),
        "subject": field(b"Subject"),
        "keywords": field(b"Keywords"),
        "creator": field(b"Creator"),
        "producer": field(b"Producer"),
        "pageCount": pages,
    })
}

/// Applies the changes to the Info dictionary (an empty value removes the field),
/// creating the dictionary when the document has none.
fn apply(doc: &mut Document, changes: &[(&[u8], &str)]) {
    let existing = doc.trailer.get(b"Info").ok().cloned();
    let id = match existing {
        Some(Object::Reference(id)) if doc.get_dictionary(id).is_ok() => id,
        other => {
            let dict = match other {
                Some(Object::Dictionary(d)) => d,
                _ => Dictionary::new(),
            };
            let id = doc.add_object(dict);
            doc.trailer.set("Info", id);
            id
        }
    };
    if let Ok(dict) = doc.get_dictionary_mut(id) {
        for (key, value) in changes {
            if value.is_empty() {
                dict.remove(key);
            } else {
                dict.set(key.to_vec(), text_string(value));
            }
        }
    }
}

struct Metadata;

impl Tool for Metadata {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "pdf-metadata",
            "PDF Metadata",
            "Read a PDF's metadata, or set its title, author, subject and keywords (an empty value removes one).",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "maxLength": MAX_CHARS},
                    "author": {"type": "string", "maxLength": MAX_CHARS},
                    "subject": {"type": "string", "maxLength": MAX_CHARS},
                    "keywords": {"type": "string", "maxLength": MAX_CHARS}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let changes = settings.changes()?;
        let mut inputs = inputs;
        let input = inputs.swap_remove(0);
        let mut doc = load(&input)?;
        let pages = PageTree::of(&doc)?.len();
        let name = format!("{}.pdf", input.stem());
        let bytes = if changes.is_empty() {
            input.data
        } else {
            apply(&mut doc, &changes);
            save(&mut doc)?
        };
        let extra = report(&doc, pages);
        Ok(Output::file(OutputFile::new(name, "application/pdf", bytes)).with_extra(extra))
    }
}

lathe_tool_sdk::export_tool!(Metadata);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_round_trip() {
        for text in ["Plain", "Grüße – ✓", ""] {
            let Object::String(bytes, _) = text_string(text) else {
                panic!()
            };
            assert_eq!(decode_text(&bytes), text);
        }
        let Object::String(bytes, _) = text_string("é") else {
            panic!()
        };
        assert_eq!(bytes, [0xFE, 0xFF, 0x00, 0xE9]);
    }
}
