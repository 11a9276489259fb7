//! `pdf/repair-pdf`: rewrites a damaged PDF as a clean file.
//!
//! The file is read two ways: as it is (lopdf follows its cross-reference table), and
//! with a cross-reference table rebuilt by scanning the bytes for `N G obj` headers (the
//! way PDF readers recover files whose `xref` offsets or `startxref` value are broken).
//! Objects that cannot be parsed are left out. The reading that recovers more pages wins.
//! If the catalog or page tree is missing, a new one is built from every `/Type /Page`
//! object found. Unreachable objects are dropped and the result is written with a fresh
//! cross-reference table. A file with no recoverable page is refused.

use std::collections::BTreeMap;

use lathe_pdf_kit::lopdf::{dictionary, Document, Object, ObjectId};
use lathe_pdf_kit::{one_pdf_tool_info, save, PageTree, MAX_PAGES};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Tool, ToolError, ToolInfo,
};

/// The most bytes of PDF accepted.
const MAX_INPUT: usize = 200 << 20;
/// The highest object number a rebuilt cross-reference table may hold.
const MAX_OBJECT_NUMBER: u32 = 2_000_000;

/// Whether `b` is PDF whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

/// Whether `b` ends a PDF token.
fn is_delimiter(b: u8) -> bool {
    is_space(b) || matches!(b, b'<' | b'>' | b'[' | b']' | b'(' | b')' | b'/' | b'%')
}

/// Reads the digits ending just before `end` (exclusive); returns their start and value.
fn digits_before(data: &[u8], end: usize) -> Option<(usize, u32)> {
    let mut start = end;
    while start > 0 && data[start - 1].is_ascii_digit() && end - start < 10 {
        start -= 1;
    }
    if start == end {
        return None;
    }
    let value = std::str::from_utf8(&data[start..end]).ok()?.parse().ok()?;
    Some((start, value))
}

/// Skips whitespace backwards from `end`; returns the new end (at least one skipped).
fn space_before(data: &[u8], end: usize) -> Option<usize> {
    let mut i = end;
    while i > 0 && is_space(data[i - 1]) {
        i -= 1;
    }
    (i < end).then_some(i)
}

/// Every `N G obj` header in the bytes: object number → (generation, offset); a later
/// definition of the same number replaces an earlier one, as incremental updates do.
fn scan_objects(data: &[u8]) -> BTreeMap<u32, (u16, usize)> {
    let mut found = BTreeMap::new();
    let mut i = 0;
    while let Some(pos) = data[i..].windows(3).position(|w| w == b"obj") {
        let at = i + pos;
        i = at + 3;
        if data.get(at + 3).is_some_and(|b| !is_delimiter(*b)) {
            continue;
        }
        let header = (|| {
            let e1 = space_before(data, at)?;
            let (gs, generation) = digits_before(data, e1)?;
            let e2 = space_before(data, gs)?;
            let (ns, number) = digits_before(data, e2)?;
            if ns > 0 && !is_delimiter(data[ns - 1]) {
                return None;
            }
            Some((ns, number, generation))
        })();
        if let Some((start, number, generation)) = header {
            if number > 0 && number <= MAX_OBJECT_NUMBER && generation <= 65_535 {
                found.insert(number, (generation as u16, start));
            }
        }
    }
    found
}

/// The object number of the last object whose text mentions `/Catalog`.
fn find_catalog(data: &[u8], objects: &BTreeMap<u32, (u16, usize)>) -> Option<(u32, u16)> {
    let mut offsets: Vec<usize> = objects.values().map(|v| v.1).collect();
    offsets.sort_unstable();
    let mut best = None;
    for (&number, &(generation, start)) in objects {
        let next = offsets
            .iter()
            .find(|&&o| o > start)
            .copied()
            .unwrap_or(data.len());
        let text = &data[start..next];
        let end = text
            .windows(6)
            .position(|w| w == b"endobj")
            .unwrap_or(text.len());
        if text[..end].windows(8).any(|w| w == b"/Catalog") {
            best = Some((number, generation));
        }
    }
    best
}

/// The file with its cross-reference table, trailer and `startxref` rebuilt from a scan.
fn rebuild_xref(data: &[u8]) -> Option<Vec<u8>> {
    let objects = scan_objects(data);
    let max = *objects.keys().next_back()?;
    let root = find_catalog(data, &objects).unwrap_or_else(|| {
        let (n, (g, _)) = objects.iter().next().expect("objects is not empty");
        (*n, *g)
    });
    // Keep the original bytes up to the last object and append a new table.
    let body_end = data
        .windows(6)
        .rposition(|w| w == b"endobj")
        .map(|p| p + 6)
        .unwrap_or(data.len());
    let mut out = data[..body_end].to_vec();
    out.push(b'\n');
    let xref_at = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", max + 1).as_bytes());
    for number in 0..=max {
        let line = match objects.get(&number) {
            Some((generation, offset)) => format!("{offset:010} {generation:05} n\r\n"),
            None => "0000000000 65535 f\r\n".to_string(),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {} {} R >>\nstartxref\n{xref_at}\n%%EOF\n",
            max + 1,
            root.0,
            root.1
        )
        .as_bytes(),
    );
    Some(out)
}

/// The catalog's page tree, rebuilt from every page object when it has no pages.
fn fix_page_tree(doc: &mut Document) -> Result<(), ToolError> {
    if PageTree::of(doc).is_ok() {
        return Ok(());
    }
    let pages: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| {
            o.as_dict()
                .map(|d| d.has_type(b"Page") && !d.has_type(b"Pages"))
                .unwrap_or(false)
        })
        .map(|(id, _)| *id)
        .collect();
    if pages.is_empty() {
        return Err(unsupported("no page of the PDF could be recovered"));
    }
    if pages.len() > MAX_PAGES {
        return Err(ToolError::TooLarge(format!(
            "the PDF has more than {MAX_PAGES} pages"
        )));
    }
    let pages_id = doc.new_object_id();
    for page in &pages {
        if let Ok(dict) = doc.get_dictionary_mut(*page) {
            dict.set("Parent", pages_id);
        }
    }
    let kids: Vec<Object> = pages.iter().map(|p| Object::Reference(*p)).collect();
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages.len() as i64,
        }),
    );
    let catalog_ok = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .ok()
        .filter(|id| {
            doc.get_dictionary(*id)
                .is_ok_and(|d| d.has_type(b"Catalog"))
        });
    match catalog_ok {
        Some(id) => {
            if let Ok(catalog) = doc.get_dictionary_mut(id) {
                catalog.set("Pages", pages_id);
            }
        }
        None => {
            let id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
            doc.trailer.set("Root", id);
        }
    }
    PageTree::of(doc).map(|_| ())
}

/// A document read from `bytes` with its page tree fixed, and its page count.
fn recover(bytes: &[u8]) -> Option<(Document, usize)> {
    let mut doc = Document::load_mem(bytes).ok()?;
    if doc.is_encrypted() {
        return None;
    }
    fix_page_tree(&mut doc).ok()?;
    let count = PageTree::of(&doc).ok()?.pages.len();
    Some((doc, count))
}

/// Repairs a PDF; returns the clean bytes and the page count.
fn repair(input: &Input) -> Result<(Vec<u8>, usize), ToolError> {
    let data = &input.data;
    if data.len() > MAX_INPUT {
        return Err(ToolError::TooLarge(format!(
            "'{}' is larger than {} MiB",
            input.name,
            MAX_INPUT >> 20
        )));
    }
    let head = &data[..data.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(unsupported(format!("'{}' is not a PDF file", input.name)));
    }
    if Document::load_mem(data).is_ok_and(|d| d.is_encrypted()) {
        return Err(unsupported(format!(
            "'{}' is password-protected; remove the password first",
            input.name
        )));
    }
    let as_is = recover(data);
    let rebuilt = rebuild_xref(data).and_then(|b| recover(&b));
    let (mut doc, count) = match (as_is, rebuilt) {
        (Some(a), Some(b)) => {
            if b.1 > a.1 {
                b
            } else {
                a
            }
        }
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => {
            return Err(unsupported(format!(
                "no page of '{}' could be recovered",
                input.name
            )))
        }
    };
    doc.prune_objects();
    let bytes = save(&mut doc)?;
    Ok((bytes, count))
}

struct Repair;

impl Tool for Repair {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "repair-pdf",
            "Repair PDF",
            "Rebuild a damaged PDF (broken cross-reference table, missing page tree) as a clean file.",
            serde_json::json!({"type": "object", "properties": {}}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: serde_json::Map<String, serde_json::Value> = parse_settings(settings)?;
        let input = &inputs[0];
        let (bytes, count) = repair(input)?;
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            "application/pdf",
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": count})))
    }
}

lathe_tool_sdk::export_tool!(Repair);
