//! `files/csv-json`: CSV or TSV to a JSON array of objects keyed by the header row, and a
//! JSON array of objects (or one object) back to CSV. The direction follows the extension.
//!
//! CSV → JSON streams: under the stream gateway (`spin.toml`), the upload is fed to a
//! push parser chunk by chunk and each output piece is stored as it comes ([`stream`]), so
//! memory stays at one chunk plus one record whatever the file size. Called with a whole file
//! (`run`), records are read one at a time straight into the output buffer.

mod stream;

use std::borrow::Cow;

use indexmap::IndexSet;
use lathe_data_kit::delimited::{csv_error, sniff_delimiter, strict_reader};
use lathe_data_kit::{write_indent, write_json_str, Value};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// Turn numbers, `true`/`false` and empty cells into JSON numbers, booleans and null.
    #[serde(default = "yes")]
    infer_types: bool,
    /// Indent the JSON output.
    #[serde(default = "yes")]
    pretty: bool,
}

fn yes() -> bool {
    true
}

/// Whether `s` is a JSON number (no leading zeros, no `+`, no bare `.`) that keeps its
/// value as a JSON number: integers within 64 bits, finite floats.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
        return false;
    }
    let mut integer = true;
    if i < b.len() && b[i] == b'.' {
        integer = false;
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == frac_start {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        integer = false;
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    if i != b.len() {
        return false;
    }
    if integer {
        s.parse::<i64>().is_ok() || s.parse::<u64>().is_ok()
    } else {
        s.parse::<f64>().is_ok_and(f64::is_finite)
    }
}

/// Appends one cell as a JSON value.
fn write_cell(cell: &str, infer: bool, out: &mut Vec<u8>) {
    if infer {
        if cell.is_empty() {
            out.extend_from_slice(b"null");
            return;
        }
        if cell == "true" || cell == "false" || is_json_number(cell) {
            out.extend_from_slice(cell.as_bytes());
            return;
        }
    }
    write_json_str(cell, out);
}

/// Header names as JSON keys: empty names become `columnN`, repeated ones get `_2`, `_3`...
fn json_keys(headers: &csv::StringRecord) -> Vec<Vec<u8>> {
    let mut seen: IndexSet<String> = IndexSet::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let base = if h.is_empty() {
                format!("column{}", i + 1)
            } else {
                h.to_string()
            };
            let mut name = base.clone();
            let mut n = 2;
            while seen.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            let mut key = Vec::with_capacity(name.len() + 2);
            write_json_str(&name, &mut key);
            seen.insert(name);
            key
        })
        .collect()
}

/// CSV or TSV → JSON, streaming record by record. Returns the JSON and the row count.
fn csv_to_json(
    data: &[u8],
    delimiter: Option<u8>,
    settings: &Settings,
) -> Result<(Vec<u8>, u64, usize), ToolError> {
    let text = lathe_data_kit::text(data)?;
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = strict_reader(text, delimiter);
    let keys = json_keys(reader.headers().map_err(|e| csv_error(None, e))?);
    let pretty = settings.pretty;
    let mut out = Vec::with_capacity(text.len() + text.len() / 2 + 16);
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    out.push(b'[');
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(None, e))?
    {
        if rows > 0 {
            out.push(b',');
        }
        if pretty {
            write_indent(1, &mut out);
        }
        out.push(b'{');
        for (i, (key, cell)) in keys.iter().zip(record.iter()).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if pretty {
                write_indent(2, &mut out);
            }
            out.extend_from_slice(key);
            out.extend_from_slice(if pretty { b": " } else { b":" });
            write_cell(cell, settings.infer_types, &mut out);
        }
        if pretty && !keys.is_empty() {
            write_indent(1, &mut out);
        }
        out.push(b'}');
        rows += 1;
    }
    if pretty && rows > 0 {
        write_indent(0, &mut out);
    }
    out.push(b']');
    out.push(b'\n');
    Ok((out, rows, keys.len()))
}

/// The CSV text of one JSON value: strings as they are, null as empty, nested values as
/// compact JSON.
fn cell_text(value: Option<&Value>) -> Cow<'_, str> {
    value.map_or(Cow::Borrowed(""), Value::scalar_text)
}

/// JSON → CSV. Returns the CSV and the row and column counts.
fn json_to_csv(data: &[u8]) -> Result<(Vec<u8>, u64, usize), ToolError> {
    let value = lathe_data_kit::parse_json(data)?;
    let rows = match &value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(m) => Ok(m),
                other => Err(unsupported(format!(
                    "item {} of the array is {}; JSON → CSV needs an array of objects",
                    i + 1,
                    other.kind()
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Value::Object(m) => vec![m],
        other => {
            return Err(unsupported(format!(
                "the JSON is {}; JSON → CSV needs an array of objects or one object",
                other.kind()
            )))
        }
    };
    let mut columns: IndexSet<&str> = IndexSet::new();
    for row in &rows {
        columns.extend(row.keys().map(String::as_str));
    }
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::with_capacity(data.len()));
    if !columns.is_empty() {
        writer
            .write_record(columns.iter())
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        for row in &rows {
            writer
                .write_record(columns.iter().map(|c| cell_text(row.get(*c)).into_owned()))
                .map_err(|e| ToolError::Failed(e.to_string()))?;
        }
    }
    let out = writer
        .into_inner()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    Ok((out, rows.len() as u64, columns.len()))
}

struct CsvJson;

impl Tool for CsvJson {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("csv-json", Section::Files, "CSV ↔ JSON", "Convert CSV or TSV to a JSON array of objects keyed by the header row, or a JSON array of objects to CSV."),
            serde_json::json!({
                "inferTypes": {"type": "boolean", "default": true,
                    "description": "CSV → JSON: numbers, true/false and empty cells become JSON numbers, booleans and null."},
                "pretty": {"type": "boolean", "default": true, "description": "CSV → JSON: indent the output."}
            }),
            &["csv", "tsv", "json"],
            Produces::types(&["csv", "json"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        let ext = input.extension();
        let (file, rows, columns) = if ext == "json" {
            let (csv, rows, columns) = json_to_csv(&input.data)?;
            (
                OutputFile::new(format!("{}.csv", input.stem()), "text/csv", csv),
                rows,
                columns,
            )
        } else {
            let delimiter = (ext == "tsv").then_some(b'\t');
            let (json, rows, columns) = csv_to_json(&input.data, delimiter, &settings)?;
            (
                OutputFile::new(format!("{}.json", input.stem()), "application/json", json),
                rows,
                columns,
            )
        };
        Ok(Output::file(file).with_extra(serde_json::json!({"rows": rows, "columns": columns})))
    }
}

impl lathe_stream_sdk::StreamTool for CsvJson {
    type Converter = stream::CsvToJson;

    fn open(
        input_name: &str,
        settings: &str,
    ) -> Result<Option<(Self::Converter, lathe_stream_sdk::StreamPlan)>, ToolError> {
        let ext = lathe_tool_sdk::extension_of(input_name);
        if ext != "csv" && ext != "tsv" {
            // JSON → CSV needs the whole document; other types get run's clear error.
            return Ok(None);
        }
        let settings: Settings = parse_settings(settings)?;
        let stem = match input_name.rfind('.') {
            Some(i) if i > 0 => &input_name[..i],
            _ => input_name,
        };
        Ok(Some((
            stream::CsvToJson::new(&settings, ext == "tsv"),
            lathe_stream_sdk::StreamPlan {
                output_name: format!("{stem}.json"),
                media_type: "application/json".into(),
            },
        )))
    }
}

lathe_stream_sdk::export_stream_tool!(CsvJson);

#[cfg(test)]
mod tests {
    use super::*;

    fn to_json(csv: &str, infer: bool) -> Result<serde_json::Value, ToolError> {
        let s = Settings {
            infer_types: infer,
            pretty: true,
        };
        let (out, _, _) = csv_to_json(csv.as_bytes(), None, &s)?;
        Ok(serde_json::from_slice(&out).unwrap())
    }

    #[test]
    fn numbers() {
        for ok in [
            "0",
            "-0",
            "12",
            "-3.5",
            "1e5",
            "2.5E-3",
            "18446744073709551615",
        ] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "007",
            "+1",
            ".5",
            "1.",
            "1e",
            "",
            "-",
            "1 ",
            "0x10",
            "1e999",
            "99999999999999999999",
            "NaN",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn converts_and_rejects() {
        let v = to_json("a,b,c\n1,\"x, \"\"y\"\"\n\",007\ntrue,,2.5\n", true).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"a": 1, "b": "x, \"y\"\n", "c": "007"}, {"a": true, "b": null, "c": 2.5}])
        );
        assert_eq!(
            to_json("a\tb\n1\t2\n", false).unwrap(),
            serde_json::json!([{"a": "1", "b": "2"}])
        );
        assert_eq!(to_json("", true).unwrap(), serde_json::json!([]));
        let e = to_json("a,b\n1,2\n3\n", true).unwrap_err();
        assert_eq!(e, unsupported("row 2 (line 3) has 1 fields, header has 2"));
        assert!(json_to_csv(b"42").is_err());
        assert!(json_to_csv(b"[1]").is_err());
        let (csv, _, _) = json_to_csv(br#"[{"b":1,"a":"x,y"},{"c":[1,2],"a":null}]"#).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "b,a,c\n1,\"x,y\",\n,,\"[1,2]\"\n"
        );
    }
}
