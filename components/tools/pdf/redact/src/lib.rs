//! `pdf/redact-pdf`: removes every occurrence of the given terms from a PDF's text.
//!
//! The text is taken out of the file, not covered: every page content stream and every
//! Form XObject stream is decoded, and in each text-showing operation (`Tj`, `TJ`, `'`,
//! `"`) the bytes of a matching term are replaced by spaces before the stream is
//! re-encoded. Matching is byte-for-byte on the string bytes as written (simple fonts with
//! Latin-1/WinAnsi-compatible encodings), across all strings of one `BT` … `ET` block, so a
//! term split over several operators is still found. The terms are also removed from the
//! document information dictionary, and an XMP metadata stream that mentions them is
//! dropped. Text drawn with composite (CID, two-byte) fonts or as images is not matched.

use lathe_pdf_kit::lopdf::content::{Content, Operation};
use lathe_pdf_kit::lopdf::{Document, Object, ObjectId};
use lathe_pdf_kit::{load, one_pdf_tool_info, pdf_output};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Most decompressed bytes read from one content stream.
const MAX_STREAM: usize = 64 * 1024 * 1024;
/// Most terms.
const MAX_TERMS: usize = 50;
/// Most characters in one term.
const MAX_TERM_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    terms: Option<serde_json::Value>,
    case_sensitive: Option<serde_json::Value>,
}

/// The terms to remove, prepared for matching.
#[derive(Debug)]
struct Terms {
    /// Each term as Latin-1 bytes (folded when not case-sensitive); terms with characters
    /// outside Latin-1 cannot occur in simple-font strings and are left out here.
    bytes: Vec<Vec<u8>>,
    /// Each term as text, for the information dictionary.
    text: Vec<String>,
    case_sensitive: bool,
}

/// Folds a Latin-1 byte to lower case.
fn fold(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' | 0xC0..=0xD6 | 0xD8..=0xDE => b + 0x20,
        _ => b,
    }
}

/// Parses and validates the settings.
fn parse(settings: &str) -> Result<Terms, ToolError> {
    let settings: Settings = parse_settings(settings)?;
    let case_sensitive = match settings.case_sensitive {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(other) => {
            return Err(invalid_settings(format!(
                "caseSensitive must be true or false, got {other}"
            )))
        }
    };
    let list = match settings.terms {
        Some(serde_json::Value::Array(list)) => list,
        Some(serde_json::Value::String(s)) => vec![serde_json::Value::String(s)],
        None | Some(serde_json::Value::Null) => {
            return Err(invalid_settings(
                "terms is required: a list of 1 to 50 strings",
            ))
        }
        Some(other) => {
            return Err(invalid_settings(format!(
                "terms must be a list of strings, got {other}"
            )))
        }
    };
    if list.is_empty() || list.len() > MAX_TERMS {
        return Err(invalid_settings(format!(
            "terms must have 1 to {MAX_TERMS} items, got {}",
            list.len()
        )));
    }
    let mut terms = Terms {
        bytes: Vec::new(),
        text: Vec::new(),
        case_sensitive,
    };
    for item in list {
        let serde_json::Value::String(term) = item else {
            return Err(invalid_settings(format!(
                "each term must be a string, got {item}"
            )));
        };
        let chars = term.chars().count();
        if chars == 0 || chars > MAX_TERM_CHARS || term.trim().is_empty() {
            return Err(invalid_settings(format!(
                "each term must have 1 to {MAX_TERM_CHARS} characters and not be blank"
            )));
        }
        if term.chars().all(|c| (c as u32) < 256) {
            let bytes: Vec<u8> = term
                .chars()
                .map(|c| {
                    let b = c as u32 as u8;
                    if case_sensitive {
                        b
                    } else {
                        fold(b)
                    }
                })
                .collect();
            terms.bytes.push(bytes);
        }
        terms.text.push(term);
    }
    Ok(terms)
}

/// Marks in `mask` every byte of `hay` covered by a match of a term; returns how many
/// matches there were.
fn mark(hay: &[u8], terms: &Terms, mask: &mut [bool]) -> usize {
    let folded: Vec<u8> = if terms.case_sensitive {
        hay.to_vec()
    } else {
        hay.iter().map(|&b| fold(b)).collect()
    };
    let mut count = 0;
    for term in &terms.bytes {
        if term.is_empty() || term.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - term.len() {
            if folded[start..start + term.len()] == term[..] {
                count += 1;
                for m in &mut mask[start..start + term.len()] {
                    *m = true;
                }
            }
        }
    }
    count
}

/// Where one byte of shown text lives: operation, operand, element of a `TJ` array, byte.
type Spot = (usize, usize, Option<usize>, usize);

/// The string operands shown by a text operation, as spots and bytes.
fn shown(op_index: usize, op: &Operation, spots: &mut Vec<Spot>, bytes: &mut Vec<u8>) {
    let mut push = |operand: usize, element: Option<usize>, data: &[u8]| {
        for (i, b) in data.iter().enumerate() {
            spots.push((op_index, operand, element, i));
            bytes.push(*b);
        }
    };
    match op.operator.as_str() {
        "Tj" | "'" => {
            if let Some(Object::String(s, _)) = op.operands.first() {
                push(0, None, s);
            }
        }
        "\"" => {
            if let Some(Object::String(s, _)) = op.operands.get(2) {
                push(2, None, s);
            }
        }
        "TJ" => {
            if let Some(Object::Array(items)) = op.operands.first() {
                for (k, item) in items.iter().enumerate() {
                    if let Object::String(s, _) = item {
                        push(0, Some(k), s);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Replaces the byte at `spot` by a space.
fn blank(ops: &mut [Operation], spot: Spot) {
    let (op, operand, element, i) = spot;
    let Some(object) = ops.get_mut(op).and_then(|o| o.operands.get_mut(operand)) else {
        return;
    };
    let target = match (object, element) {
        (Object::Array(items), Some(k)) => items.get_mut(k),
        (o, None) => Some(o),
        _ => None,
    };
    if let Some(Object::String(s, _)) = target {
        if let Some(b) = s.get_mut(i) {
            *b = b' ';
        }
    }
}

/// Redacts the terms in one block of operations; returns the number of matches.
fn redact_block(ops: &mut [Operation], range: std::ops::Range<usize>, terms: &Terms) -> usize {
    let mut spots = Vec::new();
    let mut bytes = Vec::new();
    for i in range {
        if let Some(op) = ops.get(i) {
            shown(i, op, &mut spots, &mut bytes);
        }
    }
    let mut mask = vec![false; bytes.len()];
    let count = mark(&bytes, terms, &mut mask);
    for (spot, hit) in spots.into_iter().zip(mask) {
        if hit {
            blank(ops, spot);
        }
    }
    count
}

/// Redacts the terms in decoded content; returns the number of matches.
fn redact_content(content: &mut Content, terms: &Terms) -> usize {
    let ops = &mut content.operations;
    let mut count = 0;
    let mut start = 0;
    let mut inside = false;
    for i in 0..ops.len() {
        match ops[i].operator.as_str() {
            "BT" => {
                if inside {
                    count += redact_block(ops, start..i, terms);
                }
                inside = true;
                start = i;
            }
            "ET" => {
                count += redact_block(ops, start..i + 1, terms);
                inside = false;
                start = i + 1;
            }
            _ => {}
        }
    }
    let len = ops.len();
    if start < len {
        count += redact_block(ops, start..len, terms);
    }
    count
}

/// The streams that may show text: every page's content streams and every Form XObject.
fn text_streams(doc: &Document) -> Vec<ObjectId> {
    let mut ids: Vec<ObjectId> = doc
        .get_pages()
        .values()
        .flat_map(|page| doc.get_page_contents(*page))
        .collect();
    for (id, object) in &doc.objects {
        if let Object::Stream(stream) = object {
            let form = stream
                .dict
                .get(b"Subtype")
                .and_then(|s| s.as_name())
                .is_ok_and(|n| n == b"Form");
            if form {
                ids.push(*id);
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Redacts one stream in place; returns the number of matches.
fn redact_stream(doc: &mut Document, id: ObjectId, terms: &Terms) -> Result<usize, ToolError> {
    let Some(Object::Stream(stream)) = doc.objects.get_mut(&id) else {
        return Ok(0);
    };
    let data = stream
        .get_plain_content_with_limit(MAX_STREAM)
        .map_err(|e| {
            ToolError::Failed(format!(
                "content stream {} could not be decoded ({e}); it cannot be redacted safely",
                id.0
            ))
        })?;
    let mut content = Content::decode(&data).map_err(|e| {
        ToolError::Failed(format!(
            "content stream {} could not be parsed ({e}); it cannot be redacted safely",
            id.0
        ))
    })?;
    let count = redact_content(&mut content, terms);
    if count > 0 {
        let encoded = content
            .encode()
            .map_err(|e| ToolError::Failed(format!("could not re-encode a content stream: {e}")))?;
        stream.dict.remove(b"Filter");
        stream.dict.remove(b"DecodeParms");
        stream.set_content(encoded);
        // Compression is best effort: an uncompressed stream is still correct.
        let _ = stream.compress();
    }
    Ok(count)
}

/// Removes the terms from a piece of text (replaced by nothing).
fn scrub_text(text: &str, terms: &Terms) -> (String, usize) {
    let mut out = text.to_string();
    let mut count = 0;
    for term in &terms.text {
        loop {
            let found = if terms.case_sensitive {
                out.find(term.as_str()).map(|i| (i, term.len()))
            } else {
                find_ci(&out, term)
            };
            let Some((i, len)) = found else { break };
            out.replace_range(i..i + len, "");
            count += 1;
        }
    }
    (out, count)
}

/// Case-insensitive search: the byte position and length in `hay` of the first match.
fn find_ci(hay: &str, needle: &str) -> Option<(usize, usize)> {
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    for (start, _) in hay.char_indices() {
        let mut it = hay[start..].char_indices();
        let mut matched = 0;
        let mut end = start;
        let mut ok = true;
        'outer: while matched < needle.len() {
            let Some((off, c)) = it.next() else {
                ok = false;
                break;
            };
            for lc in c.to_lowercase() {
                if needle.get(matched) != Some(&lc) {
                    ok = false;
                    break 'outer;
                }
                matched += 1;
            }
            end = start + off + c.len_utf8();
        }
        if ok && matched == needle.len() {
            return Some((start, end - start));
        }
    }
    None
}

/// Decodes a PDF text string (UTF-16BE with BOM, else Latin-1/PDFDocEncoding).
fn decode_pdf_string(bytes: &[u8]) -> String {
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        bytes.iter().map(|&b| b as char).collect()
    }
}

/// Encodes text as a PDF text string (Latin-1 when possible, else UTF-16BE with BOM).
fn encode_pdf_string(text: &str) -> Vec<u8> {
    if text.chars().all(|c| (c as u32) < 256) {
        text.chars().map(|c| c as u32 as u8).collect()
    } else {
        let mut out = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_be_bytes());
        }
        out
    }
}

/// Removes the terms from the string values of the information dictionary and drops an
/// XMP metadata stream that mentions them; returns the number of matches.
fn scrub_metadata(doc: &mut Document, terms: &Terms) -> usize {
    let mut count = 0;
    let info_id = match doc.trailer.get(b"Info") {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    let info = match info_id {
        Some(id) => doc.objects.get_mut(&id),
        None => doc.trailer.get_mut(b"Info").ok(),
    };
    if let Some(Object::Dictionary(dict)) = info {
        for (_, value) in dict.iter_mut() {
            if let Object::String(bytes, _) = value {
                let (text, n) = scrub_text(&decode_pdf_string(bytes), terms);
                if n > 0 {
                    *bytes = encode_pdf_string(&text);
                    count += n;
                }
            }
        }
    }
    let root = match doc.trailer.get(b"Root") {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    let metadata = root
        .and_then(|id| doc.get_dictionary(id).ok())
        .and_then(|catalog| catalog.get(b"Metadata").ok())
        .and_then(|m| m.as_reference().ok());
    if let (Some(root), Some(meta)) = (root, metadata) {
        let mentions = match doc.objects.get(&meta) {
            Some(Object::Stream(s)) => match s.get_plain_content_with_limit(MAX_STREAM) {
                Ok(data) => {
                    let text = String::from_utf8_lossy(&data);
                    scrub_text(&text, terms).1 > 0
                }
                Err(_) => true,
            },
            _ => false,
        };
        if mentions {
            if let Ok(catalog) = doc.get_dictionary_mut(root) {
                catalog.remove(b"Metadata");
            }
            doc.objects.remove(&meta);
            count += 1;
        }
    }
    count
}

struct RedactPdf;

impl Tool for RedactPdf {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "redact-pdf",
            "Redact PDF",
            "Remove every occurrence of the given words or phrases from a PDF's text and metadata (the text is taken out, not covered).",
            serde_json::json!({
                "type": "object",
                "required": ["terms"],
                "properties": {
                    "terms": {"type": "array", "minItems": 1, "maxItems": MAX_TERMS, "items": {"type": "string", "minLength": 1, "maxLength": MAX_TERM_CHARS}, "description": "words or phrases to remove"},
                    "caseSensitive": {"type": "boolean", "default": false, "description": "match letter case exactly"}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let terms = parse(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no input file"))?;
        let mut doc = load(input)?;
        let mut redactions = 0;
        for id in text_streams(&doc) {
            redactions += redact_stream(&mut doc, id, &terms)?;
        }
        let metadata = scrub_metadata(&mut doc, &terms);
        Ok(
            pdf_output(&mut doc, format!("{}-redacted.pdf", input.stem()))?.with_extra(
                serde_json::json!({"redactions": redactions, "metadataRedactions": metadata}),
            ),
        )
    }
}

lathe_tool_sdk::export_tool!(RedactPdf);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_across_operators() {
        let terms = parse(r#"{"terms":["secret"]}"#).unwrap();
        let mut content =
            Content::decode(b"BT /F1 12 Tf (my SEC) Tj [(ret) -20 (x)] TJ ET").unwrap();
        assert_eq!(redact_content(&mut content, &terms), 1);
        let out = String::from_utf8_lossy(&content.encode().unwrap()).to_string();
        assert!(out.contains("(my    )") && out.contains("(   )"), "{out}");
        assert_eq!(scrub_text("A Secret plan", &terms).0, "A  plan");
        assert!(parse(r#"{"terms":[]}"#).is_err());
        assert!(parse(r#"{}"#).is_err());
        assert!(parse(r#"{"terms":["a"],"caseSensitive":"x"}"#).is_err());
    }
}
