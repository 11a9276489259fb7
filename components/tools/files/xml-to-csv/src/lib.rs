//! `files/xml-to-csv`: turns the repeating element of an XML document into CSV rows.
//!
//! The document is read twice with quick-xml's streaming reader. The first pass finds the
//! record element: the shallowest depth where an element name repeats among siblings,
//! and there the most frequent such name (with no repetition anywhere, the root's first
//! child). The second pass makes one row per record: its attributes become `@name`
//! columns, each child element a column holding its text (descendants' text included;
//! repeated children joined with `; `), a child's attributes `child@name` columns, and the
//! record's own text a `#text` column. Columns come in first-seen order.
//!
//! Inputs over 10 MB are refused, and so is any DOCTYPE (no entity expansion, no XXE).

use indexmap::IndexSet;
use lathe_tool_sdk::{
    unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Largest input accepted.
const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 256;

fn xml_error(e: impl std::fmt::Display, pos: u64) -> ToolError {
    unsupported(format!("malformed XML near byte {pos}: {e}"))
}

fn name_of(e: &BytesStart) -> Result<String, ToolError> {
    std::str::from_utf8(e.name().as_ref())
        .map(str::to_string)
        .map_err(|_| unsupported("an element name is not UTF-8"))
}

/// The attributes of an element as (name, value) pairs.
fn attributes(e: &BytesStart) -> Result<Vec<(String, String)>, ToolError> {
    e.attributes()
        .map(|a| {
            let a = a.map_err(|e| unsupported(format!("malformed attribute: {e}")))?;
            let key = std::str::from_utf8(a.key.as_ref())
                .map_err(|_| unsupported("an attribute name is not UTF-8"))?
                .to_string();
            let value = a
                .unescape_value()
                .map_err(|e| unsupported(format!("bad attribute value: {e}")))?
                .into_owned();
            Ok((key, value))
        })
        .collect()
}

/// Pass 1: the (depth, name) of the record element.
fn find_record(text: &str) -> Result<(usize, String), ToolError> {
    let mut reader = Reader::from_str(text);
    // Per open element: how often each child name occurred, in first-seen order.
    let mut stack: Vec<Vec<(String, u64)>> = Vec::new();
    // (depth, name) → elements that had a same-named sibling.
    let mut repeated: Vec<((usize, String), u64)> = Vec::new();
    let mut first_child: Option<String> = None;
    let mut seen_root = false;
    let close =
        |children: Vec<(String, u64)>, depth: usize, repeated: &mut Vec<((usize, String), u64)>| {
            for (name, count) in children {
                if count >= 2 {
                    let key = (depth + 1, name);
                    match repeated.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, n)) => *n += count,
                        None => repeated.push((key, count)),
                    }
                }
            }
        };
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| xml_error(e, pos))?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::DocType(_) => {
                return Err(unsupported(
                    "XML with a DOCTYPE is not accepted (no DTDs or external entities)",
                ))
            }
            Event::Start(e) | Event::Empty(e) => {
                let name = name_of(&e)?;
                let depth = stack.len();
                if depth >= MAX_DEPTH {
                    return Err(unsupported(format!(
                        "elements are nested deeper than {MAX_DEPTH}"
                    )));
                }
                if depth == 0 {
                    seen_root = true;
                }
                if depth == 1 && first_child.is_none() {
                    first_child = Some(name.clone());
                }
                if let Some(parent) = stack.last_mut() {
                    match parent.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, c)) => *c += 1,
                        None => parent.push((name, 1)),
                    }
                }
                if !is_empty {
                    stack.push(Vec::new());
                }
            }
            Event::End(_) => {
                if let Some(children) = stack.pop() {
                    close(children, stack.len(), &mut repeated);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(unsupported("malformed XML: an element is never closed"));
    }
    if !seen_root {
        return Err(unsupported("the file holds no XML elements"));
    }
    let best = repeated
        .iter()
        .map(|((d, _), _)| *d)
        .min()
        .and_then(|depth| {
            let mut best: Option<&((usize, String), u64)> = None;
            for item in repeated.iter().filter(|((d, _), _)| *d == depth) {
                if best.is_none_or(|b| item.1 > b.1) {
                    best = Some(item);
                }
            }
            best.map(|((d, n), _)| (*d, n.clone()))
        });
    match (best, first_child) {
        (Some(found), _) => Ok(found),
        (None, Some(child)) => Ok((1, child)),
        (None, None) => Err(unsupported(
            "no repeating element found: the root element has no child elements",
        )),
    }
}

/// One record being collected: (column index, value) pairs.
type Row = Vec<(usize, String)>;

/// Sets or extends a cell of `row`.
fn put(row: &mut Row, columns: &mut IndexSet<String>, column: &str, value: &str) {
    let (index, _) = columns.insert_full(column.to_string());
    match row.iter_mut().find(|(i, _)| *i == index) {
        Some((_, v)) => {
            v.push_str("; ");
            v.push_str(value);
        }
        None => row.push((index, value.to_string())),
    }
}

/// Pass 2: the rows of the record element; returns the CSV, rows and columns.
fn to_csv(text: &str, depth: usize, record: &str) -> Result<(Vec<u8>, usize, usize), ToolError> {
    let mut reader = Reader::from_str(text);
    let mut columns: IndexSet<String> = IndexSet::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut level = 0usize;
    // Open record, the field being read (name, text) and the record's own text.
    let mut row: Option<Row> = None;
    let mut field: Option<(String, String)> = None;
    let mut own_text = String::new();
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| xml_error(e, pos))?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                if row.is_none() && level == depth && name_of(&e)? == record {
                    let mut r = Row::new();
                    for (k, v) in attributes(&e)? {
                        put(&mut r, &mut columns, &format!("@{k}"), &v);
                    }
                    own_text.clear();
                    if is_empty {
                        rows.push(r);
                    } else {
                        row = Some(r);
                    }
                } else if let Some(r) = row.as_mut() {
                    if level == depth + 1 {
                        let name = name_of(&e)?;
                        for (k, v) in attributes(&e)? {
                            put(r, &mut columns, &format!("{name}@{k}"), &v);
                        }
                        if is_empty {
                            put(r, &mut columns, &name, "");
                        } else {
                            field = Some((name, String::new()));
                        }
                    }
                }
                if !is_empty {
                    level += 1;
                }
            }
            Event::End(_) => {
                level = level.saturating_sub(1);
                if let Some(r) = row.as_mut() {
                    if level == depth + 1 {
                        if let Some((name, value)) = field.take() {
                            put(r, &mut columns, &name, value.trim());
                        }
                    } else if level == depth {
                        let own = own_text.trim();
                        if !own.is_empty() {
                            put(r, &mut columns, "#text", own);
                        }
                        if let Some(done) = row.take() {
                            rows.push(done);
                        }
                    }
                }
            }
            Event::Text(t) if row.is_some() => {
                let s = t
                    .unescape()
                    .map_err(|e| unsupported(format!("bad text near byte {pos}: {e}")))?;
                match field.as_mut() {
                    Some((_, v)) => v.push_str(&s),
                    None => own_text.push_str(&s),
                }
            }
            Event::CData(c) if row.is_some() => {
                let raw = c.into_inner();
                let s = std::str::from_utf8(&raw)
                    .map_err(|_| unsupported("a CDATA section is not UTF-8"))?;
                match field.as_mut() {
                    Some((_, v)) => v.push_str(s),
                    None => own_text.push_str(s),
                }
            }
            Event::DocType(_) => {
                return Err(unsupported("XML with a DOCTYPE is not accepted"));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let write_err = |e: csv::Error| ToolError::Failed(e.to_string());
    writer.write_record(columns.iter()).map_err(write_err)?;
    let mut cells: Vec<&str> = vec![""; columns.len()];
    for r in &rows {
        cells.iter_mut().for_each(|c| *c = "");
        for (i, v) in r {
            if let Some(c) = cells.get_mut(*i) {
                *c = v.as_str();
            }
        }
        writer.write_record(&cells).map_err(write_err)?;
    }
    let out = writer
        .into_inner()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    Ok((out, rows.len(), columns.len()))
}

/// Converts an XML document to CSV; returns the CSV, the record name and the counts.
fn convert(data: &[u8]) -> Result<(Vec<u8>, String, usize, usize), ToolError> {
    if data.len() > MAX_BYTES {
        return Err(ToolError::TooLarge(format!(
            "the XML file is {} bytes (max {MAX_BYTES})",
            data.len()
        )));
    }
    let text = lathe_data_kit::text(data)?;
    let (depth, record) = find_record(text)?;
    let (csv, rows, columns) = to_csv(text, depth, &record)?;
    if columns == 0 {
        return Err(unsupported(format!(
            "the repeating element <{record}> has no child elements, attributes or text"
        )));
    }
    Ok((csv, record, rows, columns))
}

struct XmlToCsv;

impl Tool for XmlToCsv {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("xml-to-csv", Section::Files, "XML to CSV", "Convert the repeating element of an XML file (e.g. <row> in <rows>) to CSV rows: child elements and @attributes become columns in first-seen order. 10 MB cap; DOCTYPEs are refused."),
            serde_json::json!({}),
            &["xml"],
            Produces::types(&["csv"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: serde_json::Value = lathe_tool_sdk::parse_settings(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        let (csv, record, rows, columns) = convert(&input.data)?;
        Ok(Output::file(OutputFile::new(
            format!("{}.csv", input.stem()),
            "text/csv",
            csv,
        ))
        .with_extra(serde_json::json!({"rows": rows, "columns": columns, "element": record})))
    }
}

lathe_tool_sdk::export_tool!(XmlToCsv);

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(xml: &str) -> String {
        String::from_utf8(convert(xml.as_bytes()).unwrap().0).unwrap()
    }

    #[test]
    fn converts() {
        assert_eq!(
            csv(
                r#"<?xml version="1.0"?><rows><meta>x</meta><row id="1"><a>x &amp; y</a><b>2</b></row><row id="2"><b>3</b><c><![CDATA[<z>]]></c></row></rows>"#
            ),
            "@id,a,b,c\n1,x & y,2,\n2,,3,<z>\n"
        );
        assert_eq!(csv("<r><x><n>1</n></x></r>"), "n\n1\n");
        assert!(convert(b"<!DOCTYPE x [<!ENTITY a \"b\">]><x/>").is_err());
        assert!(convert(b"<a><b></a>").is_err());
        assert!(convert(b"<a><b>").is_err());
        assert!(convert(b"hello").is_err());
    }
}
