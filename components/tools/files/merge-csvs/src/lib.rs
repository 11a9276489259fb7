//! `files/merge-csvs`: appends 2 to 20 CSV or TSV files into one `merged.csv`.
//!
//! Every file must have the same set of columns as the first one. A file whose columns
//! come in another order is reordered to the first file's header; a file with other
//! columns is refused, naming the file. Records are streamed from each input straight into
//! the output.

use std::collections::HashMap;

use lathe_data_kit::delimited::{csv_error, sniff_delimiter, strict_reader};
use lathe_tool_sdk::{
    unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};

/// How the columns of a file map onto the first file's header: `None` when they are in
/// the same order, else for each output column the index of the source column.
fn column_order(
    first: &[String],
    header: &[String],
    name: &str,
) -> Result<Option<Vec<usize>>, ToolError> {
    if header == first {
        return Ok(None);
    }
    let mismatch = || {
        unsupported(format!(
            "'{name}' has columns [{}] but the first file has [{}]; all files need the same columns",
            header.join(", "),
            first.join(", ")
        ))
    };
    if header.len() != first.len() {
        return Err(mismatch());
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if index.insert(h.as_str(), i).is_some() {
            // A repeated column name makes a reordering ambiguous.
            return Err(mismatch());
        }
    }
    let order = first
        .iter()
        .map(|c| index.get(c.as_str()).copied())
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(mismatch)?;
    Ok(Some(order))
}

/// Merges the inputs; returns the CSV, the data row count and the column count.
fn merge(inputs: &[Input]) -> Result<(Vec<u8>, u64, usize), ToolError> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let write_err = |e: csv::Error| ToolError::Failed(e.to_string());
    let mut first: Option<Vec<String>> = None;
    let mut rows = 0u64;
    for input in inputs {
        let name = input.name.as_str();
        let text = lathe_data_kit::text(&input.data)
            .map_err(|_| unsupported(format!("'{name}' is not UTF-8 text")))?;
        let delimiter = if input.extension() == "tsv" {
            b'\t'
        } else {
            sniff_delimiter(text)
        };
        let mut reader = strict_reader(text, delimiter);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(Some(name), e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let order = match &first {
            None => {
                if header.is_empty() || header.iter().all(String::is_empty) {
                    return Err(unsupported(format!("'{name}' has no header row")));
                }
                writer.write_record(&header).map_err(write_err)?;
                first = Some(header);
                None
            }
            Some(first) => column_order(first, &header, name)?,
        };
        let mut record = csv::ByteRecord::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(Some(name), e))?
        {
            match &order {
                None => writer.write_byte_record(&record).map_err(write_err)?,
                Some(order) => writer
                    .write_record(order.iter().map(|&i| record.get(i).unwrap_or_default()))
                    .map_err(write_err)?,
            }
            rows += 1;
        }
    }
    let columns = first.map_or(0, |f| f.len());
    let out = writer
        .into_inner()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    Ok((out, rows, columns))
}

struct MergeCsvs;

impl Tool for MergeCsvs {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "merge-csvs",
            section: Section::Files,
            name: "Merge CSVs",
            description: "Append 2 to 20 CSV or TSV files with the same columns into merged.csv; columns in another order are reordered to the first file's header, other column sets are refused.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 2,
            max_inputs: 20,
            accepts: &["csv", "tsv"],
            produces: Produces::types(&["csv"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: serde_json::Value = lathe_tool_sdk::parse_settings(settings)?;
        if inputs.len() < 2 {
            return Err(unsupported("merging needs at least 2 files"));
        }
        let (csv, rows, columns) = merge(&inputs)?;
        Ok(
            Output::file(OutputFile::new("merged.csv", "text/csv", csv)).with_extra(
                serde_json::json!({"rows": rows, "columns": columns, "files": inputs.len()}),
            ),
        )
    }
}

lathe_tool_sdk::export_tool!(MergeCsvs);

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, data: &str) -> Input {
        Input {
            name: name.into(),
            media_type: "text/csv".into(),
            data: data.as_bytes().to_vec(),
        }
    }

    #[test]
    fn merges_and_reorders() {
        let (out, rows, cols) =
            merge(&[input("a.csv", "x,y\n1,2\n"), input("b.tsv", "y\tx\n4\t3\n")]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "x,y\n1,2\n3,4\n");
        assert_eq!((rows, cols), (2, 2));
        let e = merge(&[input("a.csv", "x,y\n1,2\n"), input("b.csv", "x,z\n1,2\n")]).unwrap_err();
        assert!(matches!(e, ToolError::UnsupportedInput(m) if m.contains("'b.csv'")));
    }
}
