//! `files/csv-excel`: CSV or TSV to XLSX, and XLSX to CSV. The direction follows the
//! extension.
//!
//! CSV → XLSX (rust_xlsxwriter): the header row is written as bold text; cells that are
//! plain decimal numbers (no leading zeros, at most 15 significant digits, so no value
//! changes) become numbers, everything else text. Inputs over 20 MB are refused because
//! the workbook is built in memory.
//!
//! XLSX → CSV (calamine): the sheet chosen by `sheet` (1-based, default 1) is written from
//! cell A1, numbers in their shortest form, dates as `YYYY-MM-DD[ HH:MM:SS]`. Before
//! calamine reads it, the workbook's ZIP directory is checked (at most 10,000 parts and
//! 256 MiB uncompressed in all).

use std::io::Cursor;

use calamine::{Data, Reader};
use lathe_data_kit::delimited::{flexible_reader, sniff_delimiter};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use lathe_zip_kit::Wording;
use serde::Deserialize;

/// Largest CSV turned into a workbook.
const MAX_CSV_BYTES: usize = 20 * 1024 * 1024;
/// Most rows of a worksheet.
const MAX_ROWS: u64 = 1_048_576;
/// Most columns of a worksheet.
const MAX_COLS: usize = 16_384;
/// Most parts in an XLSX package.
const MAX_PARTS: usize = 10_000;
/// Most uncompressed bytes in an XLSX package.
const MAX_XLSX_BYTES: u64 = 256 << 20;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// XLSX → CSV: which sheet, from 1.
    #[serde(default = "one")]
    sheet: u32,
}

fn one() -> u32 {
    1
}

/// The cell as a number when it is a plain decimal that an `f64` holds exactly enough:
/// optional `-`, digits without a leading zero, optional fraction, at most 15 digits.
fn as_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.len() > 1 && int.starts_with('0') {
        return None;
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let significant = int.trim_start_matches('0').len() + frac.map_or(0, str::len);
    if significant > 15 {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// CSV → XLSX; returns the workbook and the row and column counts.
fn csv_to_xlsx(data: &[u8], delimiter: Option<u8>) -> Result<(Vec<u8>, u64, usize), ToolError> {
    if data.len() > MAX_CSV_BYTES {
        return Err(ToolError::TooLarge(format!(
            "the CSV is {} bytes; at most {MAX_CSV_BYTES} can become a workbook",
            data.len()
        )));
    }
    let text = lathe_data_kit::text(data)?;
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = flexible_reader(text, delimiter, false);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    let cell_err = |row: u64, col: usize, e: rust_xlsxwriter::XlsxError| {
        unsupported(format!("row {}, column {}: {e}", row + 1, col + 1))
    };
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    let mut columns = 0usize;
    while reader
        .read_record(&mut record)
        .map_err(|e| unsupported(format!("malformed CSV: {e}")))?
    {
        if rows >= MAX_ROWS {
            return Err(ToolError::TooLarge(format!(
                "the CSV has more than {MAX_ROWS} rows, the most a worksheet holds"
            )));
        }
        if record.len() > MAX_COLS {
            return Err(ToolError::TooLarge(format!(
                "row {} has {} fields; a worksheet holds {MAX_COLS} columns",
                rows + 1,
                record.len()
            )));
        }
        columns = columns.max(record.len());
        let r = rows as u32;
        for (c, cell) in record.iter().enumerate() {
            let col = c as u16;
            if rows == 0 {
                sheet
                    .write_string_with_format(r, col, cell, &bold)
                    .map_err(|e| cell_err(rows, c, e))?;
            } else if cell.is_empty() {
                continue;
            } else if let Some(n) = as_number(cell) {
                sheet
                    .write_number(r, col, n)
                    .map_err(|e| cell_err(rows, c, e))?;
            } else {
                sheet
                    .write_string(r, col, cell)
                    .map_err(|e| cell_err(rows, c, e))?;
            }
        }
        rows += 1;
    }
    let out = workbook
        .save_to_buffer()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    Ok((out, rows.saturating_sub(1), columns))
}

/// Refuses XLSX packages whose ZIP directory promises too much.
fn check_package(data: &[u8]) -> Result<(), ToolError> {
    let words = Wording {
        unreadable: "not an XLSX workbook",
        noun: "workbook",
        entries: "parts",
        encrypted_note: "",
        mismatch_shows_size: false,
    };
    let mut archive = lathe_zip_kit::open(data, MAX_PARTS, &words)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let part = archive
            .by_index_raw(i)
            .map_err(|e| unsupported(format!("not an XLSX workbook: {e}")))?;
        total = total.saturating_add(part.size());
    }
    if total > MAX_XLSX_BYTES {
        return Err(ToolError::TooLarge(format!(
            "the workbook expands to {total} bytes (max {MAX_XLSX_BYTES})"
        )));
    }
    Ok(())
}

/// The CSV text of one cell.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            if d.as_f64() < 1.0 {
                format!("{h:02}:{mi:02}:{s:02}")
            } else if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        other => other.to_string(),
    }
}

/// XLSX → CSV of sheet `sheet` (1-based); returns the CSV, the sheet name and the counts.
fn xlsx_to_csv(data: &[u8], sheet: u32) -> Result<(Vec<u8>, String, usize, usize), ToolError> {
    check_package(data)?;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(data))
        .map_err(|e| unsupported(format!("not a readable XLSX workbook: {e}")))?;
    let names = workbook.sheet_names();
    let index = sheet as usize - 1;
    let name = names.get(index).cloned().ok_or_else(|| {
        invalid_settings(format!(
            "sheet {sheet} does not exist; the workbook has {} sheet(s)",
            names.len()
        ))
    })?;
    let range = workbook
        .worksheet_range_at(index)
        .ok_or_else(|| invalid_settings(format!("sheet {sheet} does not exist")))?
        .map_err(|e| unsupported(format!("sheet '{name}' cannot be read: {e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let width = col0 as usize + range.width();
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let write_err = |e: csv::Error| ToolError::Failed(e.to_string());
    let empty = vec![String::new(); width];
    if !range.is_empty() {
        for _ in 0..row0 {
            writer.write_record(&empty).map_err(write_err)?;
        }
    }
    let mut cells: Vec<String> = Vec::with_capacity(width);
    let mut rows = 0usize;
    for row in range.rows() {
        cells.clear();
        cells.extend((0..col0).map(|_| String::new()));
        cells.extend(row.iter().map(cell_text));
        writer.write_record(&cells).map_err(write_err)?;
        rows += 1;
    }
    let out = writer
        .into_inner()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    Ok((out, name, row0 as usize + rows, width))
}

struct CsvExcel;

impl Tool for CsvExcel {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("csv-excel", Section::Files, "CSV ↔ Excel", "Convert CSV or TSV to an XLSX workbook (bold header row, numbers as numbers), or one sheet of an XLSX workbook to CSV."),
            serde_json::json!({
                "sheet": {"type": "integer", "minimum": 1, "default": 1,
                    "description": "XLSX → CSV: the sheet to convert, from 1."}
            }),
            &["csv", "tsv", "xlsx"],
            Produces::types(&["csv", "xlsx"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        if settings.sheet < 1 {
            return Err(invalid_settings("sheet must be 1 or more"));
        }
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        let ext = input.extension();
        if ext == "xlsx" {
            let (csv, sheet, rows, columns) = xlsx_to_csv(&input.data, settings.sheet)?;
            Ok(Output::file(OutputFile::new(
                format!("{}.csv", input.stem()),
                "text/csv",
                csv,
            ))
            .with_extra(serde_json::json!({"rows": rows, "columns": columns, "sheet": sheet})))
        } else {
            let delimiter = (ext == "tsv").then_some(b'\t');
            let (xlsx, rows, columns) = csv_to_xlsx(&input.data, delimiter)?;
            Ok(Output::file(OutputFile::new(
                format!("{}.xlsx", input.stem()),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx,
            ))
            .with_extra(serde_json::json!({"rows": rows, "columns": columns})))
        }
    }
}

lathe_tool_sdk::export_tool!(CsvExcel);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for (s, n) in [("0", 0.0), ("-3.5", -3.5), ("42", 42.0), ("0.25", 0.25)] {
            assert_eq!(as_number(s), Some(n), "{s}");
        }
        for s in [
            "007",
            "1e5",
            "",
            "-",
            "1.",
            ".5",
            "1234567890123456",
            "x",
            "+1",
        ] {
            assert_eq!(as_number(s), None, "{s}");
        }
    }

    #[test]
    fn round_trip() {
        let csv = "name,qty,note\nA,3,007\n\"B, c\",-2.5,\n";
        let (xlsx, rows, cols) = csv_to_xlsx(csv.as_bytes(), None).unwrap();
        assert_eq!((rows, cols), (2, 3));
        let (back, _, _, _) = xlsx_to_csv(&xlsx, 1).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), csv);
        assert!(matches!(
            xlsx_to_csv(&xlsx, 2),
            Err(ToolError::InvalidSettings(_))
        ));
    }
}
