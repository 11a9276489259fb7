//! CSV helpers the CSV tools share: the delimiter guess and client errors for the csv
//! crate's failures.

use lathe_tool_sdk::{unsupported, ToolError};

/// Picks the delimiter of a `.csv` file: tab when the first line has tabs and no commas.
pub fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    }
}

/// A reader of delimited `text` with a header row, every record as wide as the header
/// (a record of another width is an error).
pub fn strict_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .has_headers(true)
        .from_reader(text.as_bytes())
}

/// A reader of delimited `text` whose records may differ in width; with `has_headers`
/// the first record is the header row.
pub fn flexible_reader(text: &str, delimiter: u8, has_headers: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(has_headers)
        .from_reader(text.as_bytes())
}

/// Turns a csv crate error into a client error (400) that says where the file is
/// malformed; `file` names the upload when the tool reads several.
pub fn csv_error(file: Option<&str>, e: csv::Error) -> ToolError {
    let whose = file.map(|n| format!("'{n}': ")).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => match pos {
            Some(p) => unsupported(format!(
                "{whose}row {} (line {}) has {len} fields, header has {expected_len}",
                p.record(),
                p.line()
            )),
            None => unsupported(format!(
                "{whose}a row has {len} fields, header has {expected_len}"
            )),
        },
        csv::ErrorKind::Utf8 { .. } => match file {
            Some(n) => unsupported(format!("'{n}' is not UTF-8 text")),
            None => unsupported("the file is not UTF-8 text"),
        },
        _ => unsupported(format!("{whose}malformed CSV: {e}")),
    }
}
