//! `files/split-csv`: splits a CSV or TSV file into parts of `rowsPerFile` data rows each.
//!
//! Records are streamed with the `csv` crate and written straight into the current part,
//! so memory stays about the size of the input plus the output. Parts are named
//! `<stem>-1.csv`, `<stem>-2.csv`, ... (the router zips them when there are several).
//! With `keepHeader` (the default) every part starts with the header row; without it the
//! header row stays only at the top of the first part, as it was in the source.

use lathe_data_kit::delimited::{csv_error, flexible_reader, sniff_delimiter};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};
use serde::Deserialize;

/// Most parts one run may produce; more would be an unreadable pile of tiny files.
const MAX_PARTS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// Data rows per part, 1..=1,000,000.
    #[serde(default = "default_rows")]
    rows_per_file: u64,
    /// Repeat the header row at the top of every part.
    #[serde(default = "yes")]
    keep_header: bool,
}

fn default_rows() -> u64 {
    1000
}

fn yes() -> bool {
    true
}

/// A part being written.
struct Part {
    writer: csv::Writer<Vec<u8>>,
    rows: u64,
}

/// Splits `data`; returns the parts' bytes and the number of data rows.
fn split(
    data: &[u8],
    delimiter: Option<u8>,
    settings: &Settings,
) -> Result<(Vec<Vec<u8>>, u64), ToolError> {
    let text = lathe_data_kit::text(data)?;
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = flexible_reader(text, delimiter, true);
    let header = reader.headers().map_err(|e| csv_error(None, e))?.clone();
    let new_writer = || {
        csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(Vec::new())
    };
    let write_err = |e: csv::Error| ToolError::Failed(e.to_string());
    let finish = |part: Part| -> Result<Vec<u8>, ToolError> {
        part.writer
            .into_inner()
            .map_err(|e| ToolError::Failed(e.to_string()))
    };

    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<Part> = None;
    let mut record = csv::ByteRecord::new();
    let mut total = 0u64;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(None, e))?
    {
        if current
            .as_ref()
            .is_some_and(|p| p.rows >= settings.rows_per_file)
        {
            if let Some(done) = current.take() {
                parts.push(finish(done)?);
            }
        }
        if current.is_none() {
            if parts.len() >= MAX_PARTS {
                return Err(ToolError::TooLarge(format!(
                    "the split would make more than {MAX_PARTS} files; raise rowsPerFile"
                )));
            }
            let mut writer = new_writer();
            if (settings.keep_header || parts.is_empty()) && !header.is_empty() {
                writer.write_record(&header).map_err(write_err)?;
            }
            current = Some(Part { writer, rows: 0 });
        }
        if let Some(part) = current.as_mut() {
            part.writer.write_byte_record(&record).map_err(write_err)?;
            part.rows += 1;
        }
        total += 1;
    }
    match current {
        Some(part) => parts.push(finish(part)?),
        None => {
            // A header without rows: one part holding the header.
            let mut writer = new_writer();
            if !header.is_empty() {
                writer.write_record(&header).map_err(write_err)?;
            }
            parts.push(finish(Part { writer, rows: 0 })?);
        }
    }
    Ok((parts, total))
}

struct SplitCsv;

impl Tool for SplitCsv {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("split-csv", Section::Files, "Split CSV", "Split a CSV or TSV file into parts of rowsPerFile data rows (<name>-1.csv, <name>-2.csv, ... in a ZIP); with keepHeader every part starts with the header row, otherwise only the first. At most 1000 parts."),
            serde_json::json!({
                "rowsPerFile": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1000,
                    "description": "Data rows per output file."},
                "keepHeader": {"type": "boolean", "default": true,
                    "description": "Repeat the header row in every output file."}
            }),
            &["csv", "tsv"],
            Produces::types(&["*", "zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        check_range("rowsPerFile", settings.rows_per_file, 1, 1_000_000)?;
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        let ext = input.extension();
        let delimiter = (ext == "tsv").then_some(b'\t');
        let (parts, rows) = split(&input.data, delimiter, &settings)?;
        let (out_ext, media) = if ext == "tsv" {
            ("tsv", "text/tab-separated-values")
        } else {
            ("csv", "text/csv")
        };
        let count = parts.len();
        let files = parts
            .into_iter()
            .enumerate()
            .map(|(i, data)| {
                OutputFile::new(format!("{}-{}.{out_ext}", input.stem(), i + 1), media, data)
            })
            .collect();
        Ok(Output::files(files).with_extra(serde_json::json!({"rows": rows, "parts": count})))
    }
}

lathe_tool_sdk::export_tool!(SplitCsv);

#[cfg(test)]
mod tests {
    use super::*;

    fn s(rows: u64, keep: bool) -> Settings {
        Settings {
            rows_per_file: rows,
            keep_header: keep,
        }
    }

    #[test]
    fn splits() {
        let (parts, rows) = split(b"a,b\n1,2\n3,4\n5,\"x,y\"\n", None, &s(2, true)).unwrap();
        assert_eq!(rows, 3);
        assert_eq!(
            parts,
            vec![b"a,b\n1,2\n3,4\n".to_vec(), b"a,b\n5,\"x,y\"\n".to_vec()]
        );
        let (parts, _) = split(b"a,b\n1,2\n3,4\n5,6\n", None, &s(2, false)).unwrap();
        assert_eq!(parts, vec![b"a,b\n1,2\n3,4\n".to_vec(), b"5,6\n".to_vec()]);
        let (parts, rows) = split(b"a,b\n", None, &s(2, true)).unwrap();
        assert_eq!((parts, rows), (vec![b"a,b\n".to_vec()], 0));
        assert!(split(b"a\n\xff\n", None, &s(1, true)).is_err());
    }
}
